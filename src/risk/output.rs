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
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// `districts.csv` as bytes.
pub fn districts_csv(run: &RiskRun) -> Vec<u8> {
    let t = run.threshold as usize;
    let mut out = Vec::new();
    writeln!(out, "{}", COLUMNS.join(",")).expect("memory");
    let num = |x: Option<f64>| x.map_or(String::new(), |v| format!("{v:.6}"));
    for (d, f) in run.districts.iter().zip(&run.factors) {
        let shown = d.residents >= t;
        let keep = |x: f64| shown.then_some(x);
        let cells = [
            d.wijkcode.clone(),
            if shown {
                d.residents.to_string()
            } else {
                String::new()
            },
            num(keep(d.predicted_lonely_pct)),
            num(d.predicted_lonely_low),
            num(d.predicted_lonely_high),
            num(keep(d.predicted_severe_pct)),
            if d.respondents >= t {
                d.respondents.to_string()
            } else {
                String::new()
            },
            num(d.survey_lonely_pct),
            num(d.predicted_severe_low),
            num(d.predicted_severe_high),
            num(d.survey_severe_pct),
            num(keep(d.area_effect)),
            field(d.wijknaam.as_deref().unwrap_or("")),
            field(f.factors.first().map_or("", |f| f.text_nl.as_str())),
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
    districts: Vec<&'a DistrictScore>,
    factors: Vec<&'a WijkFactors>,
}

fn outcome(m: &super::model::OutcomeModel) -> OutcomeReport<'_> {
    OutcomeReport {
        outcome: &m.outcome,
        model: m.spec.name(),
        recalibration: m.recalibration,
        area_variance: round6(m.area_variance),
        bootstrap_refits: m.bootstrap.len(),
        cross_validation: &m.metrics,
        model_choice: &m.candidates,
    }
}

/// Writes both files into `out` (created if needed).
pub fn write(run: &RiskRun, out: &Path) -> Result<()> {
    crate::io::ensure_dir(out)?;
    crate::io::write_atomic(&out.join("districts.csv"), &districts_csv(run))?;
    let t = run.threshold as usize;
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
        // Wijken below the threshold are left out of the JSON entirely.
        districts: run.districts.iter().filter(|d| d.residents >= t).collect(),
        factors: run
            .factors
            .iter()
            .zip(&run.districts)
            .filter(|(_, d)| d.residents >= t)
            .map(|(f, _)| f)
            .collect(),
    };
    let bytes = serde_json::to_vec_pretty(&report).expect("the report serialises");
    crate::io::write_atomic(&out.join("risk_report.json"), &bytes)
}
