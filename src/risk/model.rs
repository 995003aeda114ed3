//! The saved risk model: a versioned JSON envelope under `models/`.
//!
//! It holds what scoring a newer register extract needs without a survey: the feature schema,
//! per outcome the fitted learner, the recalibration (if any), the wijk (area) effects, the
//! bootstrap replicates that give the intervals, the cross-validated metrics and the model choice
//! table, plus the seed and a fingerprint of the training data. A file of another format or
//! version, or a feature table of another schema, is refused with an explanation.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::gbt::{Gbt, GbtParams};
use super::logistic::{sigmoid, Logistic};
use super::metrics::ReliabilityBin;
use crate::error::Result;

pub const FORMAT: &str = "loneliness-risk-model";
pub const VERSION: u32 = 1;

/// A fitted learner: the log-odds of the outcome from one resident's feature row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Learner {
    Logistic(Logistic),
    Gbt(Gbt),
    /// The mean log-odds of a logistic regression and boosted trees.
    Blend {
        logistic: Logistic,
        gbt: Gbt,
    },
}

impl Learner {
    pub fn logit(&self, row: &[f64]) -> f64 {
        match self {
            Learner::Logistic(m) => m.logit(row),
            Learner::Gbt(m) => m.logit(row),
            Learner::Blend { logistic, gbt } => 0.5 * (logistic.logit(row) + gbt.logit(row)),
        }
    }
    pub fn contributions(&self, row: &[f64], out: &mut [f64]) {
        match self {
            Learner::Logistic(m) => m.contributions(row, out),
            Learner::Gbt(m) => m.contributions(row, out),
            Learner::Blend { logistic, gbt } => {
                let mut half = vec![0.0; out.len()];
                logistic.contributions(row, &mut half);
                gbt.contributions(row, &mut half);
                out.iter_mut().zip(&half).for_each(|(o, h)| *o += 0.5 * h);
            }
        }
    }
}

/// What to fit: one candidate of the model choice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Spec {
    Logistic { lambda: f64 },
    Gbt(GbtParams),
    Blend { lambda: f64, gbt: GbtParams },
}

impl Spec {
    pub fn name(&self) -> String {
        match self {
            Spec::Logistic { lambda } => format!("logistic(lambda={lambda})"),
            Spec::Gbt(p) => format!(
                "gbt(rounds={}, depth={}, lr={})",
                p.rounds, p.depth, p.learning_rate
            ),
            Spec::Blend { lambda, gbt } => format!(
                "blend(logistic(lambda={lambda}), gbt(rounds={}, depth={}, lr={}))",
                gbt.rounds, gbt.depth, gbt.learning_rate
            ),
        }
    }
}

/// A learner with its wijk effects; one bootstrap replicate or the final fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fitted {
    pub learner: Learner,
    /// Wijkcode -> log-odds offset (shrunken); wijken without respondents get 0.
    pub area_effects: BTreeMap<String, f64>,
}

/// Cross-validated quality of one candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateScore {
    pub name: String,
    pub spec: Spec,
    pub cv_auc: f64,
    pub cv_brier: f64,
    pub cv_log_loss: f64,
    pub chosen: bool,
}

/// Metrics of the chosen model from stratified k-fold cross-validation (out-of-fold predictions,
/// wijk effects included).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvMetrics {
    pub folds: usize,
    pub respondents: usize,
    pub positives: usize,
    pub auc: f64,
    pub brier: f64,
    pub log_loss: f64,
    pub calibration_intercept: f64,
    pub calibration_slope: f64,
    /// After the recalibration, if one was applied (on the same out-of-fold predictions).
    pub calibrated_intercept: f64,
    pub calibrated_slope: f64,
    pub reliability: Vec<ReliabilityBin>,
}

/// Everything about one outcome (lonely or severely lonely).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutcomeModel {
    /// `lonely` (DJG >= 3) or `severe` (DJG >= 9).
    pub outcome: String,
    pub spec: Spec,
    pub fitted: Fitted,
    /// `(a, b)`: `p = sigmoid(a + b * eta)`, when cross-validation showed miscalibration.
    pub recalibration: Option<(f64, f64)>,
    /// Estimated variance of the wijk effects on the log-odds scale (0: none beyond the features).
    pub area_variance: f64,
    pub metrics: CvMetrics,
    pub candidates: Vec<CandidateScore>,
    /// Refits on bootstrap resamples of the respondents: the interval of a wijk mean.
    pub bootstrap: Vec<Fitted>,
}

impl OutcomeModel {
    /// Probability for one resident of wijk `wijkcode` under `fitted` (the final fit or a
    /// replicate), recalibrated like the final model.
    pub fn probability(&self, fitted: &Fitted, row: &[f64], wijkcode: &str) -> f64 {
        let eta =
            fitted.learner.logit(row) + fitted.area_effects.get(wijkcode).copied().unwrap_or(0.0);
        match self.recalibration {
            Some((a, b)) => sigmoid(a + b * eta),
            None => sigmoid(eta),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskModel {
    pub format: String,
    pub version: u32,
    pub created_by: String,
    /// Reference date of the study the model was trained on.
    pub reference_date: String,
    pub seed: u64,
    /// Feature names of the table the model was fitted on, in order.
    pub schema: Vec<String>,
    /// sha256 of the training feature matrix (as for the persona model).
    pub training_fingerprint: String,
    pub residents: usize,
    pub lonely: OutcomeModel,
    pub severe: OutcomeModel,
}

impl crate::contract::Envelope for RiskModel {
    const FORMAT: &'static str = FORMAT;
    const VERSION: u32 = VERSION;
    const WHAT: &'static str = "risk model";
    const ON_OTHER_VERSION: &'static str =
        "retrain with `loneliness risk` on the last survey year, or use the build that wrote it";
    const WRITTEN_BY: &'static str = "`loneliness risk --model-out`";
    const PRETTY: bool = false;
}

impl RiskModel {
    /// Writes the model in its envelope, atomically (compact: the file holds every tree).
    pub fn save(&self, path: &Path) -> Result<()> {
        crate::contract::envelope::save(self, path)
    }

    /// Reads a model, explaining a file of another format or version.
    pub fn load(path: &Path) -> Result<RiskModel> {
        crate::contract::envelope::load(path)
    }

    /// Refuses a feature table whose columns differ from the training schema.
    pub fn check_schema(&self, names: &[String]) -> Result<()> {
        if names == self.schema.as_slice() {
            return Ok(());
        }
        let missing: Vec<&String> = self.schema.iter().filter(|n| !names.contains(n)).collect();
        let extra: Vec<&String> = names.iter().filter(|n| !self.schema.contains(n)).collect();
        crate::bail!(Data:
            "the feature table does not match the model's schema (missing: {:?}; new: {:?}{}); retrain the risk model with this build",
            missing, extra,
            if missing.is_empty() && extra.is_empty() { "; same columns in another order" } else { "" }
        )
    }
}
