//! The risk model on the bundled demo study: the issue's done-when (AUC against the oracle,
//! district error against the true prevalence, interval coverage), the saved model, scoring with
//! it, suppression and determinism.

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use loneliness::contract::pseudonym::KeySource;
use loneliness::residents::Frame;
use loneliness::risk::{self, model::RiskModel, RiskParams, RiskRun};
use loneliness::sources::StudyConfig;

struct Demo {
    frame: Frame,
    run: RiskRun,
}

fn load() -> Frame {
    let dir = Path::new("datasets/demo");
    let config = StudyConfig::load(dir).unwrap();
    loneliness::pipeline::prepare(dir, &config, &KeySource::from_env(), 7, |_| {})
        .unwrap()
        .frame
}

/// One training run with the default parameters, shared by the tests of this file.
fn demo() -> &'static Demo {
    static DEMO: OnceLock<Demo> = OnceLock::new();
    DEMO.get_or_init(|| {
        let frame = load();
        let params = RiskParams::default().check().unwrap();
        let run = risk::train(&frame, &params, |_| {}).unwrap();
        Demo { frame, run }
    })
}

/// Truth per pseudo_id: (p_lonely, lonely, respondent).
fn truth() -> HashMap<String, (f64, f64, bool)> {
    let mut r = csv::Reader::from_path("datasets/demo-truth/residents.csv").unwrap();
    let h = r.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    let (id, p, l, resp) = (
        col("pseudo_id"),
        col("p_lonely"),
        col("lonely"),
        col("respondent"),
    );
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (
                rec[id].to_string(),
                (
                    rec[p].parse().unwrap(),
                    rec[l].parse().unwrap(),
                    &rec[resp] == "1",
                ),
            )
        })
        .collect()
}

#[test]
fn cross_validated_auc_is_within_three_points_of_the_oracle() {
    let d = demo();
    let t = truth();
    // The oracle: true probabilities against true outcomes on the same respondents the model
    // is cross-validated on (the truth's respondent flag).
    let (p, y): (Vec<f64>, Vec<f64>) = d
        .frame
        .table
        .pseudo_ids
        .iter()
        .filter_map(|id| t.get(id.as_str()).filter(|x| x.2).map(|x| (x.0, x.1)))
        .unzip();
    assert!(
        p.len().abs_diff(d.run.model.lonely.metrics.respondents) <= 10,
        "respondents: truth {} vs model {}",
        p.len(),
        d.run.model.lonely.metrics.respondents
    );
    let oracle = risk::metrics::auc(&p, &y).unwrap();
    let ours = d.run.model.lonely.metrics.auc;
    eprintln!("CV AUC {ours:.4}, oracle {oracle:.4}");
    assert!(
        ours >= oracle - 0.03,
        "CV AUC {ours:.4} vs oracle {oracle:.4}"
    );
    // Severe loneliness is learnt too.
    assert!(d.run.model.severe.metrics.auc > 0.7);
    let m = &d.run.model.lonely.metrics;
    assert_eq!(m.reliability.len(), 10);
    assert!(
        (m.calibrated_slope - 1.0).abs() < 0.15,
        "slope {}",
        m.calibrated_slope
    );
}

#[test]
fn district_scores_meet_the_truth() {
    let d = demo();
    let mut r = csv::Reader::from_path("datasets/demo-truth/wijken.csv").unwrap();
    let truth: HashMap<String, f64> = r
        .deserialize::<HashMap<String, String>>()
        .map(|row| {
            let row = row.unwrap();
            (
                row["wijkcode"].clone(),
                row["true_lonely_pct"].parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(d.run.districts.len(), truth.len());
    let mut errors = 0.0;
    let mut covered = 0;
    for ds in &d.run.districts {
        let t = truth[&ds.wijkcode];
        errors += (ds.predicted_lonely_pct - t).abs();
        let (lo, hi) = (
            ds.predicted_lonely_low.unwrap(),
            ds.predicted_lonely_high.unwrap(),
        );
        assert!(lo < ds.predicted_lonely_pct && ds.predicted_lonely_pct < hi);
        covered += usize::from(lo <= t && t <= hi);
        assert!(ds.respondents >= 10 && ds.survey_lonely_pct.is_some());
    }
    let mae = errors / truth.len() as f64;
    eprintln!("MAE {mae:.2} points, coverage {covered}/{}", truth.len());
    assert!(mae <= 2.0, "MAE {mae:.2}");
    assert!(
        covered * 10 >= 8 * truth.len(),
        "coverage {covered}/{}",
        truth.len()
    );
    // Every wijk has factors in plain Dutch, largest first.
    for f in &d.run.factors {
        assert!(!f.factors.is_empty() && f.factors.len() <= 5);
        assert!(f.factors.windows(2).all(|w| w[0].log_odds >= w[1].log_odds));
        assert!(f.factors.iter().all(|x| x.text_nl.contains("gemeente")));
    }
}

#[test]
fn model_file_round_trips_and_scoring_reproduces_training() {
    let d = demo();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("risk.json");
    d.run.model.save(&path).unwrap();
    let loaded = RiskModel::load(&path).unwrap();
    assert_eq!(loaded, d.run.model);
    let scored = risk::score(&d.frame, &loaded, d.run.threshold).unwrap();
    assert_eq!(scored.p_lonely, d.run.p_lonely);
    assert_eq!(scored.p_severe, d.run.p_severe);
    assert_eq!(scored.districts, d.run.districts);
    assert!(scored.scored_with_saved_model);
    // The written district tables are the same bytes.
    assert_eq!(
        risk::output::districts_csv(&scored),
        risk::output::districts_csv(&d.run)
    );
    // Another file is refused with an explanation.
    let other = dir.path().join("other.json");
    std::fs::write(
        &other,
        r#"{"format":"loneliness-persona-model","version":1}"#,
    )
    .unwrap();
    let err = RiskModel::load(&other).unwrap_err().to_string();
    assert!(err.contains("not a risk model"), "{err}");
    let mut wrong = d.run.model.clone();
    wrong.version = 99;
    wrong.save(&other).unwrap();
    assert!(RiskModel::load(&other)
        .unwrap_err()
        .to_string()
        .contains("version 99"));
    // A table of another schema is refused.
    let mut bad = loaded.clone();
    bad.schema[0] = "leeftijd".into();
    assert!(risk::score(&d.frame, &bad, 10).is_err());
}

#[test]
fn outputs_follow_the_spec_and_suppress_small_cells() {
    let d = demo();
    let dir = tempfile::tempdir().unwrap();
    risk::output::write(&d.run, dir.path()).unwrap();
    let csv = std::fs::read_to_string(dir.path().join("districts.csv")).unwrap();
    assert!(csv.starts_with("wijkcode,residents,predicted_lonely_pct,predicted_lonely_low,predicted_lonely_high,predicted_severe_pct,respondents,survey_lonely_pct,"));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("risk_report.json")).unwrap())
            .unwrap();
    assert!(
        report["lonely"]["cross_validation"]["auc"]
            .as_f64()
            .unwrap()
            > 0.6
    );
    assert!(report["lonely"]["model_choice"].as_array().unwrap().len() >= 3);
    // No pseudonyms in the published files.
    let json = serde_json::to_string(&report).unwrap();
    assert!(!d
        .frame
        .table
        .pseudo_ids
        .iter()
        .take(200)
        .any(|p| csv.contains(p.as_str()) || json.contains(p.as_str())));
    // A threshold above every wijk's respondents (and residents) empties those cells.
    let s = risk::score(&d.frame, &d.run.model, 130).unwrap();
    let text = String::from_utf8(risk::output::districts_csv(&s)).unwrap();
    for line in text.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(
            cells[6], "",
            "respondents shown below the threshold: {line}"
        );
        assert_eq!(cells[7], "");
        assert!(!cells[1].is_empty());
    }
    let s = risk::score(&d.frame, &d.run.model, 5000).unwrap();
    let text = String::from_utf8(risk::output::districts_csv(&s)).unwrap();
    for line in text.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        assert!(cells[1..8].iter().all(|c| c.is_empty()), "{line}");
    }
}

#[test]
fn same_seed_gives_identical_results() {
    let d = demo();
    let params = RiskParams {
        bootstrap: 20,
        seed: 3,
        ..RiskParams::default()
    }
    .check()
    .unwrap();
    let a = risk::train(&d.frame, &params, |_| {}).unwrap();
    let b = risk::train(&d.frame, &params, |_| {}).unwrap();
    assert_eq!(a.model, b.model);
    assert_eq!(a.p_lonely, b.p_lonely);
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    risk::output::write(&a, da.path()).unwrap();
    risk::output::write(&b, db.path()).unwrap();
    for f in ["districts.csv", "risk_report.json"] {
        assert_eq!(
            std::fs::read(da.path().join(f)).unwrap(),
            std::fs::read(db.path().join(f)).unwrap(),
            "{f}"
        );
    }
}
