//! The risk model and district scores: predicted loneliness per wijk, with intervals and factors.
//!
//! The GGD measures loneliness once every four years in a sample; a municipality wants to know
//! every year where each wijk stands. Like RIVM's small-area estimates we fit a model of the
//! individual outcome on the respondents (with their sample weights), predict it for every
//! resident from register features only, and average per wijk:
//!
//! 1. [`djg`] scores the De Jong Gierveld scale (lonely >= 3, severely lonely >= 9);
//! 2. [`fit`] cross-validates a weighted L2 logistic regression ([`logistic`]) and gradient-boosted
//!    trees ([`gbt`]), picks one per outcome, estimates wijk effects, recalibrates when needed and
//!    gives each wijk's log-odds level a variance for the analytic intervals ([`metrics`] holds
//!    the yardsticks);
//! 3. [`districts`] aggregates per wijk (prevalence, 90% interval, direct survey estimate) and
//!    finds the factors that raise loneliness in each wijk;
//! 4. [`model`] saves it all so [`score`] can score a newer register extract without a survey;
//!    [`output`] writes `districts.csv` and `risk_report.json`.

pub mod districts;
/// The De Jong Gierveld scorer lives with the resident data so every stage scores alike.
pub use crate::residents::djg;
pub mod fit;
pub mod gbt;
pub mod logistic;
pub mod metrics;
pub mod model;
pub mod output;

use crate::error::Result;
use crate::residents::{Frame, Respondent};
use districts::{DistrictScore, WijkFactors};
use model::RiskModel;

/// Which learner family the model choice may pick.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelChoice {
    /// Both, chosen by cross-validation (the logistic baseline unless trees are clearly better).
    Auto,
    Logistic,
    Gbt,
}

/// What the caller asks for.
#[derive(Debug, Clone)]
pub struct RiskParams {
    pub seed: u64,
    /// Folds of the stratified cross-validation.
    pub folds: usize,
    /// Bootstrap refits for the intervals; 0 (the default): analytic intervals, no refits.
    pub bootstrap: usize,
    /// Cells below this count are suppressed in published outputs.
    pub suppression_threshold: u32,
    pub model: ModelChoice,
    /// L2 penalties tried for the logistic regression.
    pub lambdas: Vec<f64>,
    /// Tree settings; `rounds` is the largest number of rounds tried.
    pub gbt: gbt::GbtParams,
    /// Numbers of rounds compared by cross-validation (early stopping).
    pub gbt_checkpoints: Vec<usize>,
    /// The fewest scored respondents needed to train.
    pub min_respondents: usize,
}

impl Default for RiskParams {
    fn default() -> Self {
        RiskParams {
            seed: crate::contract::DEFAULT_SEED,
            folds: 5,
            bootstrap: 0,
            suppression_threshold: 10,
            model: ModelChoice::Auto,
            lambdas: vec![3.0, 10.0, 30.0, 100.0, 300.0, 1000.0],
            gbt: gbt::GbtParams::default(),
            gbt_checkpoints: vec![25, 50, 100, 200, 300],
            min_respondents: 100,
        }
    }
}

/// Parameters that passed [`RiskParams::check`].
#[derive(Debug, Clone)]
pub struct CheckedParams(RiskParams);

impl std::ops::Deref for CheckedParams {
    type Target = RiskParams;
    fn deref(&self) -> &RiskParams {
        &self.0
    }
}

impl RiskParams {
    /// Validates once, up front.
    pub fn check(self) -> Result<CheckedParams> {
        crate::ensure!((2..=20).contains(&self.folds), Config: "the number of folds must be between 2 and 20, got {}", self.folds);
        crate::ensure!(self.bootstrap == 0 || (10..=1000).contains(&self.bootstrap), Config: "bootstrap refits must be 0 (analytic intervals) or between 10 and 1000, got {}", self.bootstrap);
        crate::ensure!(!self.lambdas.is_empty() && self.lambdas.iter().all(|l| *l > 0.0 && l.is_finite()), Config: "the logistic penalties must be positive numbers");
        crate::ensure!(!self.gbt_checkpoints.is_empty() && self.gbt_checkpoints.iter().all(|r| (1..=5000).contains(r)), Config: "the tree round checkpoints must lie in 1..=5000");
        let g = &self.gbt;
        crate::ensure!((1..=8).contains(&g.depth), Config: "tree depth must be between 1 and 8, got {}", g.depth);
        crate::ensure!(g.learning_rate > 0.0 && g.learning_rate <= 1.0, Config: "the learning rate must lie in (0, 1], got {}", g.learning_rate);
        crate::ensure!(g.lambda >= 0.0 && g.min_child_hessian >= 0.0, Config: "tree penalties must not be negative");
        crate::ensure!(self.min_respondents >= 20, Config: "at least 20 respondents are needed to train");
        Ok(CheckedParams(self))
    }
}

/// The result of training or scoring.
#[derive(Debug, Clone)]
pub struct RiskRun {
    pub model: RiskModel,
    /// Probability of loneliness per feature-table row.
    pub p_lonely: Vec<f64>,
    /// Probability of severe loneliness per feature-table row.
    pub p_severe: Vec<f64>,
    pub districts: Vec<DistrictScore>,
    pub factors: Vec<WijkFactors>,
    pub threshold: u32,
    /// Reference date of the scored study.
    pub reference_date: String,
    /// Survey rows linked to a resident, and of those the ones scored (<= 2 items missing).
    pub survey_linked: usize,
    pub survey_scored: usize,
    /// `true` for `score` with a saved model (the metrics are the training run's).
    pub scored_with_saved_model: bool,
}

fn finish(
    frame: &Frame,
    model: RiskModel,
    threshold: u32,
    scored_with_saved_model: bool,
) -> RiskRun {
    let (table, resp) = (&frame.table, &frame.survey.respondents);
    let p_lonely = districts::predict(&model.lonely, table);
    let p_severe = districts::predict(&model.severe, table);
    let districts = districts::districts(
        table,
        &frame.areas.wijknamen,
        &model.lonely,
        &model.severe,
        &p_lonely,
        &p_severe,
        resp,
        threshold,
        model.seed,
    );
    let factors = districts::factors(table, &model.lonely, &p_lonely, threshold);
    RiskRun {
        survey_linked: resp.len(),
        survey_scored: resp.iter().filter(|r| r.score.is_some()).count(),
        model,
        p_lonely,
        p_severe,
        districts,
        factors,
        threshold,
        reference_date: frame.reference_date.to_string(),
        scored_with_saved_model,
    }
}

/// Trains both outcomes on the linked, scored respondents and scores every resident and wijk.
pub fn train(
    frame: &Frame,
    params: &CheckedParams,
    mut progress: impl FnMut(&str),
) -> Result<RiskRun> {
    let table = &frame.table;
    let scored: Vec<&Respondent> = frame
        .survey
        .respondents
        .iter()
        .filter(|r| r.score.is_some())
        .collect();
    crate::ensure!(
        scored.len() >= params.min_respondents,
        Data: "only {} survey respondents could be linked and scored (need at least {}); check gezondheidsmonitor.csv and its pseudo_ids",
        scored.len(),
        params.min_respondents
    );
    let n = table.rows();
    let p = table.features.len();
    // The respondents' rows gathered once into a small matrix of their own (25,000 rows at
    // 500,000 residents): every fit reads it many times, and contiguous rows read far faster
    // than rows scattered over the whole table. Positions in it index `y`, `w` and `wijk`.
    let m = scored.len();
    let mut x = Vec::with_capacity(m * p);
    let (mut y_lonely, mut y_severe, mut w, mut wijk) = (
        Vec::with_capacity(m),
        Vec::with_capacity(m),
        Vec::with_capacity(m),
        Vec::with_capacity(m),
    );
    for r in &scored {
        let s = r.score.expect("scored");
        x.extend_from_slice(table.row(r.row));
        y_lonely.push(f64::from(u8::from(s.lonely())));
        y_severe.push(f64::from(u8::from(s.severely_lonely())));
        w.push(r.weight);
        wijk.push(table.wijk[r.row]);
    }
    let rows: Vec<usize> = (0..m).collect();
    // Both outcomes train on the same respondents: their rows are binned for the trees once.
    let binned = (params.model != ModelChoice::Logistic).then(|| gbt::Binned::new(&x, p, &rows));
    let settings = |seed_offset: u64| fit::Settings {
        folds: params.folds,
        bootstrap: params.bootstrap,
        choice: params.model,
        seed: params.seed.wrapping_add(seed_offset),
        lambdas: params.lambdas.clone(),
        gbt: params.gbt.clone(),
        gbt_checkpoints: params.gbt_checkpoints.clone(),
    };
    let data = |name: &str, y: Vec<f64>| -> Result<fit::Data> {
        let positives = rows.iter().filter(|&&i| y[i] > 0.5).count();
        crate::ensure!(
            positives >= params.folds && rows.len() - positives >= params.folds,
            Data: "outcome '{name}': {positives} of {} respondents are positive; too few of one class to cross-validate in {} folds",
            rows.len(),
            params.folds
        );
        Ok(fit::Data {
            x: &x,
            features: &table.features,
            y,
            w: w.clone(),
            rows: rows.clone(),
            wijk: &wijk,
            wijken: &table.wijken,
            binned: binned.as_ref(),
        })
    };
    let (d_lonely, d_severe) = (data("lonely", y_lonely)?, data("severe", y_severe)?);
    // The two outcomes train at the same time: their fold fits share the threads, so one
    // outcome's serial steps (scoring the candidates, the final fit) overlap the other's work.
    // Each outcome's result does not depend on the scheduling.
    progress("lonely and severe (at once): cross-validating the candidates, fitting the chosen");
    let (lonely, severe) = rayon::join(
        || fit::train_outcome("lonely", &d_lonely, &settings(0), |_| {}),
        || fit::train_outcome("severe", &d_severe, &settings(1), |_| {}),
    );
    let model = RiskModel {
        format: model::FORMAT.to_string(),
        version: model::VERSION,
        created_by: format!("loneliness {}", env!("CARGO_PKG_VERSION")),
        reference_date: frame.reference_date.to_string(),
        seed: params.seed,
        schema: table.features.iter().map(|f| f.name.clone()).collect(),
        training_fingerprint: table.fingerprint(),
        residents: n,
        lonely,
        severe,
    };
    progress("scoring residents and wijken");
    Ok(finish(frame, model, params.suppression_threshold, false))
}

/// Scores a (newer) study with a saved model: no survey needed; when the frame has respondents, the
/// direct survey estimates are filled in beside the predictions (respondents matched on
/// pseudo_id).
pub fn score(frame: &Frame, model: &RiskModel, threshold: u32) -> Result<RiskRun> {
    let names: Vec<String> = frame
        .table
        .features
        .iter()
        .map(|f| f.name.clone())
        .collect();
    model.check_schema(&names)?;
    Ok(finish(frame, model.clone(), threshold, true))
}

/// A readable summary for the terminal.
pub fn summary(run: &RiskRun) -> String {
    let mut s = String::new();
    for m in [&run.model.lonely, &run.model.severe] {
        let c = &m.metrics;
        s.push_str(&format!(
            "{:<7} {} | CV AUC {:.3}, Brier {:.4}, calibration intercept {:+.3} slope {:.2}{} | {} respondents, {} positive\n",
            m.outcome,
            m.spec.name(),
            c.auc,
            c.brier,
            c.calibration_intercept,
            c.calibration_slope,
            if m.recalibration.is_some() { " (recalibrated)" } else { "" },
            c.respondents,
            c.positives
        ));
    }
    if run.scored_with_saved_model {
        s.push_str(&format!(
            "scored with a saved model trained on {} (metrics above are from that training)\n",
            run.model.reference_date
        ));
    }
    s.push_str(&format!(
        "{:<10} {:>9} {:>9} {:>17} {:>9} {:>11} {:>9}\n",
        "wijk", "residents", "% lonely", "90%-interval", "% severe", "respondents", "survey %"
    ));
    let cell = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.1}"));
    for d in &run.districts {
        s.push_str(&format!(
            "{:<10} {:>9} {:>9.1} {:>17} {:>9.1} {:>11} {:>9}\n",
            d.wijkcode,
            d.residents,
            d.predicted_lonely_pct,
            format!(
                "{} - {}",
                cell(d.predicted_lonely_low),
                cell(d.predicted_lonely_high)
            ),
            d.predicted_severe_pct,
            d.respondents,
            cell(d.survey_lonely_pct)
        ));
    }
    s
}
