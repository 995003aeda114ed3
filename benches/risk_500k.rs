//! The risk model on a 500,000-resident municipality, against scikit-learn in the same run.
//!
//! Run: `cargo bench --bench risk_500k -- [--study DIR --truth TDIR] [--bootstrap B]`. Without
//! `--study` a 500,000-resident municipality is generated (seed 7) into a temporary folder.
//!
//! 1. The full stage (`risk::train`: cross-validation of every candidate for both outcomes,
//!    bootstrap refits, district scores and factors), timed.
//! 2. Train-and-score, timed like for like: our logistic regression and our boosted trees fitted
//!    on the respondents (sample weights) and predicting every resident; then
//!    `benches/risk_sklearn.py` does the same with LogisticRegression and
//!    HistGradientBoostingClassifier on the same feature matrix, respondents, weights and
//!    settings. Both report 5-fold cross-validated AUC on the same folds and the AUC against the
//!    true outcomes of the non-respondents (from the truth folder).

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use loneliness::contract::pseudonym::KeySource;
use loneliness::risk::{
    self, fit::stratified_folds, gbt::Gbt, logistic::Logistic, metrics, RiskParams,
};
use loneliness::sources::{ingest, StudyConfig};

mod common;
use common::arg;

fn write_npy(path: &Path, data: &[f64], rows: usize, cols: usize) {
    let shape = if cols == 1 {
        format!("({rows},)")
    } else {
        format!("({rows}, {cols})")
    };
    let mut header = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("npy file"));
    f.write_all(b"\x93NUMPY\x01\x00").unwrap();
    f.write_all(&(header.len() as u16).to_le_bytes()).unwrap();
    f.write_all(header.as_bytes()).unwrap();
    for v in data {
        f.write_all(&v.to_le_bytes()).unwrap();
    }
}

fn main() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (study_dir, truth_dir) = common::study_500k(tmp.path());
    let truth_dir = truth_dir.expect("--truth DIR with --study");
    let bootstrap: usize = arg("--bootstrap").map_or(100, |b| b.parse().unwrap());
    let config = StudyConfig::load(&study_dir).unwrap();
    let study = ingest(&study_dir, &config, &KeySource::from_env())
        .unwrap()
        .study;
    let links = loneliness::link::link_study(&study, 7).unwrap();
    let frame = loneliness::residents::Frame::build(&study, &links).unwrap();
    let table = &frame.table;
    let (n, p) = (table.rows(), table.cols());

    // 1. The full stage.
    let params = RiskParams {
        bootstrap,
        ..RiskParams::default()
    }
    .check()
    .unwrap();
    let t = Instant::now();
    let run = risk::train(&frame, &params, |m| eprintln!("  {m}")).unwrap();
    let stage_s = t.elapsed().as_secs_f64();

    // Respondents, outcomes and weights exactly as the stage uses them.
    let (mut rows, mut y, mut w) = (Vec::new(), vec![0.0; n], vec![0.0; n]);
    for (r, score) in frame.survey.scored() {
        rows.push(r.row);
        y[r.row] = f64::from(u8::from(score.lonely()));
        w[r.row] = r.weight;
    }
    let ys: Vec<f64> = rows.iter().map(|&r| y[r]).collect();
    let folds = stratified_folds(&ys, 5, 7);
    let lambda = run
        .model
        .lonely
        .candidates
        .iter()
        .filter(|c| c.name.starts_with("logistic"))
        .min_by(|a, b| a.cv_log_loss.total_cmp(&b.cv_log_loss))
        .map(|c| match c.spec {
            risk::model::Spec::Logistic { lambda } => lambda,
            _ => unreachable!(),
        })
        .unwrap();
    let gbt_params = risk::gbt::GbtParams {
        rounds: 200,
        ..risk::gbt::GbtParams::default()
    };

    // 2. Train-and-score, ours: best of 3.
    let mut ours_s = f64::INFINITY;
    let (mut p_log, mut p_gbt) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        let t = Instant::now();
        let lg = Logistic::fit(&table.features, &table.values, &y, &w, &rows, lambda);
        let gb = Gbt::fit(&table.values, p, &y, &w, &rows, &gbt_params);
        use rayon::prelude::*;
        p_log = (0..n)
            .into_par_iter()
            .map(|i| lg.logit(table.row(i)))
            .collect();
        p_gbt = (0..n)
            .into_par_iter()
            .map(|i| gb.logit(table.row(i)))
            .collect();
        ours_s = ours_s.min(t.elapsed().as_secs_f64());
    }
    // Same-fold CV AUC of ours (not timed).
    let cv_auc = |gbt: bool| {
        let mut oof = vec![0.0; rows.len()];
        for k in 0..5 {
            let train: Vec<usize> = (0..rows.len())
                .filter(|&q| folds[q] != k)
                .map(|q| rows[q])
                .collect();
            let lg = (!gbt)
                .then(|| Logistic::fit(&table.features, &table.values, &y, &w, &train, lambda));
            let gb = gbt.then(|| Gbt::fit(&table.values, p, &y, &w, &train, &gbt_params));
            for q in (0..rows.len()).filter(|&q| folds[q] == k) {
                let row = table.row(rows[q]);
                oof[q] = lg
                    .as_ref()
                    .map_or_else(|| gb.as_ref().unwrap().logit(row), |m| m.logit(row));
            }
        }
        (0..5)
            .map(|k| {
                let (a, b): (Vec<f64>, Vec<f64>) = (0..rows.len())
                    .filter(|&q| folds[q] == k)
                    .map(|q| (oof[q], ys[q]))
                    .unzip();
                metrics::auc(&a, &b).unwrap()
            })
            .sum::<f64>()
            / 5.0
    };
    let (cv_log, cv_gbt) = (cv_auc(false), cv_auc(true));

    // Truth for the non-respondents.
    let mut truth = std::collections::HashMap::new();
    let mut r = csv::Reader::from_path(truth_dir.join("residents.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |c: &str| h.iter().position(|x| x == c).unwrap();
    let (ci, cl, cp) = (col("pseudo_id"), col("lonely"), col("p_lonely"));
    for rec in r.records() {
        let rec = rec.unwrap();
        truth.insert(
            rec[ci].to_string(),
            (
                rec[cl].parse::<f64>().unwrap(),
                rec[cp].parse::<f64>().unwrap(),
            ),
        );
    }
    let holdout: Vec<usize> = (0..n)
        .filter(|&i| w[i] == 0.0 && truth.contains_key(table.pseudo_ids[i].as_str()))
        .collect();
    let y_all: Vec<f64> = (0..n)
        .map(|i| {
            truth
                .get(table.pseudo_ids[i].as_str())
                .map_or(-1.0, |t| t.0)
        })
        .collect();
    let yh: Vec<f64> = holdout.iter().map(|&i| y_all[i]).collect();
    let auc_on =
        |s: &[f64]| metrics::auc(&holdout.iter().map(|&i| s[i]).collect::<Vec<_>>(), &yh).unwrap();
    let oracle_resp = metrics::auc(
        &rows
            .iter()
            .map(|&i| truth[table.pseudo_ids[i].as_str()].1)
            .collect::<Vec<_>>(),
        &rows
            .iter()
            .map(|&i| truth[table.pseudo_ids[i].as_str()].0)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let oracle_hold = metrics::auc(
        &holdout
            .iter()
            .map(|&i| truth[table.pseudo_ids[i].as_str()].1)
            .collect::<Vec<_>>(),
        &yh,
    )
    .unwrap();
    let hold_ours_log = auc_on(&p_log);
    let hold_ours_gbt = auc_on(&p_gbt);
    let stage_hold = auc_on(&run.p_lonely);

    // Export for scikit-learn.
    let dir = tmp.path().join("sk");
    std::fs::create_dir_all(&dir).unwrap();
    write_npy(&dir.join("x_all.npy"), &table.values, n, p);
    let resp_f: Vec<f64> = rows.iter().map(|&r| r as f64).collect();
    write_npy(&dir.join("resp.npy"), &resp_f, rows.len(), 1);
    write_npy(&dir.join("y.npy"), &ys, rows.len(), 1);
    write_npy(
        &dir.join("w.npy"),
        &rows.iter().map(|&r| w[r]).collect::<Vec<_>>(),
        rows.len(),
        1,
    );
    write_npy(
        &dir.join("folds.npy"),
        &folds.iter().map(|&f| f as f64).collect::<Vec<_>>(),
        rows.len(),
        1,
    );
    write_npy(&dir.join("y_all.npy"), &y_all, n, 1);
    let hold_f: Vec<f64> = holdout.iter().map(|&i| i as f64).collect();
    write_npy(&dir.join("holdout.npy"), &hold_f, holdout.len(), 1);
    let out = std::process::Command::new("python3")
        .arg("benches/risk_sklearn.py")
        .arg(&dir)
        .arg(lambda.to_string())
        .arg(gbt_params.rounds.to_string())
        .arg(gbt_params.depth.to_string())
        .arg(gbt_params.learning_rate.to_string())
        .arg(gbt_params.lambda.to_string())
        .output()
        .expect("python3 runs");
    if !out.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&out.stderr));
        panic!("the scikit-learn script failed (pip install scikit-learn numpy)");
    }
    let sk: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = |k: &str| sk[k].as_f64().unwrap();

    println!(
        "risk model on {n} residents, {} respondents, {p} features",
        rows.len()
    );
    println!("full stage (CV of {} candidates x 2 outcomes, {bootstrap} bootstrap refits, districts, factors): {stage_s:.1} s", run.model.lonely.candidates.len());
    println!(
        "  chosen: lonely {} (CV AUC {:.4}), severe {} (CV AUC {:.4})",
        run.model.lonely.spec.name(),
        run.model.lonely.metrics.auc,
        run.model.severe.spec.name(),
        run.model.severe.metrics.auc
    );
    println!("  oracle AUC: respondents {oracle_resp:.4}, non-respondents {oracle_hold:.4}; stage predictions on non-respondents {stage_hold:.4}");
    println!("train-and-score (fit logistic lambda={lambda} + gbt 200 rounds depth 3 on respondents, predict all residents):");
    println!("  ours    {ours_s:.3} s | CV AUC logistic {cv_log:.4}, gbt {cv_gbt:.4} | non-respondents logistic {hold_ours_log:.4}, gbt {hold_ours_gbt:.4}");
    println!("  sklearn {:.3} s | CV AUC logistic {:.4}, gbt {:.4} | non-respondents logistic {:.4}, gbt {:.4}",
        f("time_s"), f("cv_auc_logistic"), f("cv_auc_gbt"), f("holdout_auc_logistic"), f("holdout_auc_gbt"));
    let best_ours = cv_log.max(cv_gbt);
    let best_sk = f("cv_auc_logistic").max(f("cv_auc_gbt"));
    println!("  best CV AUC ours {best_ours:.4} vs sklearn {best_sk:.4} (difference {:+.4}; target within 0.01)", best_ours - best_sk);
    println!(
        "  time ratio ours / sklearn {:.2} (target <= 1)",
        ours_s / f("time_s")
    );
}
