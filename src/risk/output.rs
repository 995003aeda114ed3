//! Writes `OUT/districts.csv` (the spec's columns first, then extras) and `OUT/risk_report.json`
//! (metrics, reliability tables, the model choice, wijk effects and factors). Only aggregates:
//! counts below the suppression threshold are empty cells, and so is everything derived from them.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::districts::{DistrictScore, WijkFactors};
use super::model::{CandidateScore, CvMetrics};
use super::RiskRun;
use crate::contract::round6;
use crate::error::Result;

/// The header of `districts.csv`.
pub const COLUMNS: [&str; 14] = [
    "wijkcode",
    "residents",
    "predicted_lonely_pct",
    "predicted_lonely_low",
    "predicted_lonely_high",
    "predicted_severe_pct",
    "respondents",
    "survey_lonely_pct",
    "predicted_severe_low",
    "predicted_severe_high",
    "survey_severe_pct",
    "area_effect",
    "wijknaam",
    "top_factor",
];

fn field(s: &str) -> String {
    let s = crate::io::csv_text(s);
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Which wijken's residents and respondents may be published: the disclosure rule
/// ([`crate::contract::suppress::suppress_parts`], the one the wijk x persona table's margin gets)
/// over the residents per wijk and over the respondents per wijk, taken in wijkcode order.
pub fn published_wijken(districts: &[DistrictScore], threshold: u32) -> (Vec<bool>, Vec<bool>) {
    use crate::contract::suppress::suppress_parts;
    let mut order: Vec<usize> = (0..districts.len()).collect();
    order.sort_by(|&a, &b| districts[a].wijkcode.cmp(&districts[b].wijkcode));
    let res: Vec<u64> = order
        .iter()
        .map(|&i| districts[i].residents as u64)
        .collect();
    let resp: Vec<u64> = order
        .iter()
        .map(|&i| districts[i].respondents as u64)
        .collect();
    let (hr, hp) = (
        suppress_parts(&res, threshold),
        suppress_parts(&resp, threshold),
    );
    let mut shown = vec![false; districts.len()];
    let mut resp_shown = vec![false; districts.len()];
    for (k, &i) in order.iter().enumerate() {
        // A wijk without residents has nothing to hide (and nothing to predict).
        shown[i] = !hr[k] && districts[i].residents > 0;
        resp_shown[i] = !hp[k];
    }
    (shown, resp_shown)
}

/// `districts.csv` as bytes.
pub fn districts_csv(run: &RiskRun) -> Vec<u8> {
    let (shown_w, resp_w) = published_wijken(&run.districts, run.threshold);
    let mut out = Vec::new();
    writeln!(out, "{}", COLUMNS.join(",")).expect("memory");
    let num = |x: Option<f64>| x.map_or(String::new(), |v| format!("{v:.6}"));
    for (i, (d, f)) in run.districts.iter().zip(&run.factors).enumerate() {
        let shown = shown_w[i];
        let keep = |x: f64| shown.then_some(x);
        let keep_opt = |x: Option<f64>| x.filter(|_| shown);
        let cells = [
            d.wijkcode.clone(),
            if shown {
                d.residents.to_string()
            } else {
                String::new()
            },
            num(keep(d.predicted_lonely_pct)),
            num(keep_opt(d.predicted_lonely_low)),
            num(keep_opt(d.predicted_lonely_high)),
            num(keep(d.predicted_severe_pct)),
            if resp_w[i] {
                d.respondents.to_string()
            } else {
                String::new()
            },
            num(d.survey_lonely_pct),
            num(keep_opt(d.predicted_severe_low)),
            num(keep_opt(d.predicted_severe_high)),
            num(d.survey_severe_pct),
            num(keep(d.area_effect)),
            field(d.wijknaam.as_deref().unwrap_or("")),
            field(if shown {
                f.factors.first().map_or("", |f| f.text_nl.as_str())
            } else {
                ""
            }),
        ];
        writeln!(out, "{}", cells.join(",")).expect("memory");
    }
    out
}

#[derive(Serialize)]
struct OutcomeReport<'a> {
    outcome: &'a str,
    model: String,
    recalibration: Option<(f64, f64)>,
    area_variance: f64,
    /// `analytic` (EB mean squared error + level variance) or `bootstrap`.
    interval_method: &'static str,
    bootstrap_refits: usize,
    cross_validation: &'a CvMetrics,
    model_choice: &'a [CandidateScore],
}

#[derive(Serialize)]
struct Report<'a> {
    format: &'static str,
    reference_date: &'a str,
    model_reference_date: &'a str,
    scored_with_saved_model: bool,
    seed: u64,
    residents: usize,
    survey_linked: usize,
    survey_scored: usize,
    suppression_threshold: u32,
    model_fingerprint: &'a str,
    lonely: OutcomeReport<'a>,
    severe: OutcomeReport<'a>,
    districts: Vec<DistrictScore>,
    factors: Vec<&'a WijkFactors>,
}

fn outcome(m: &super::model::OutcomeModel) -> OutcomeReport<'_> {
    OutcomeReport {
        outcome: &m.outcome,
        model: m.spec.name(),
        recalibration: m.recalibration,
        area_variance: round6(m.area_variance),
        interval_method: if m.bootstrap.len() >= 10 {
            "bootstrap"
        } else if m.area_effect_mse.is_empty() {
            "none"
        } else {
            "analytic"
        },
        bootstrap_refits: m.bootstrap.len(),
        cross_validation: &m.metrics,
        model_choice: &m.candidates,
    }
}

/// Writes both files into `out` (created if needed).
pub fn write(run: &RiskRun, out: &Path) -> Result<()> {
    crate::io::ensure_dir(out)?;
    crate::io::write_atomic(&out.join("districts.csv"), &districts_csv(run))?;
    let (shown, resp) = published_wijken(&run.districts, run.threshold);
    let report = Report {
        format: "loneliness-risk-report",
        reference_date: &run.reference_date,
        model_reference_date: &run.model.reference_date,
        scored_with_saved_model: run.scored_with_saved_model,
        seed: run.model.seed,
        residents: run.p_lonely.len(),
        survey_linked: run.survey_linked,
        survey_scored: run.survey_scored,
        suppression_threshold: run.threshold,
        model_fingerprint: &run.model.training_fingerprint,
        lonely: outcome(&run.model.lonely),
        severe: outcome(&run.model.severe),
        // Wijken the disclosure rule hides are left out of the JSON entirely.
        districts: run
            .districts
            .iter()
            .enumerate()
            .filter(|&(i, _)| shown[i])
            .map(|(i, d)| DistrictScore {
                respondents_shown: resp[i].then_some(d.respondents),
                ..d.clone()
            })
            .collect(),
        factors: run
            .factors
            .iter()
            .enumerate()
            .filter(|&(i, _)| shown[i])
            .map(|(_, f)| f)
            .collect(),
    };
    let bytes = serde_json::to_vec_pretty(&report).expect("the report serialises");
    crate::io::write_atomic(&out.join("risk_report.json"), &bytes)
}
