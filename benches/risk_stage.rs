//! Where the risk stage's time goes: `risk::train` alone on a study, timed per phase in CPU
//! seconds (all threads) and wall seconds, several times on one loaded frame.
//!
//! `cargo bench --bench risk_stage -- [--study DIR] [--runs R] [--model auto|logistic|gbt]` (default: the 500,000-resident
//! Zoetermeer study of `benches/common`, generated; 3 runs).
//!
//! The phases are the stage's own progress messages (cross-validation of each outcome, its final
//! fit with the interval variances, then scoring every resident and wijk). CPU seconds do not
//! depend on what else runs on a shared machine; on a quiet machine the wall time is about the
//! CPU time over the cores the stage keeps busy, so the report also prints CPU / cores.

use std::time::Instant;

use loneliness::contract::pseudonym::KeySource;
use loneliness::risk::{self, RiskParams};
use loneliness::sources::StudyConfig;

mod common;
use common::{arg, cpu_seconds};

fn main() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (study_dir, _) = common::study_500k(tmp.path());
    let runs: usize = arg("--runs").map_or(3, |r| r.parse().expect("--runs R"));
    let config = StudyConfig::load(&study_dir).expect("study.toml");
    let t = Instant::now();
    let frame =
        loneliness::pipeline::prepare(&study_dir, &config, &KeySource::from_env(), 7, |_| {})
            .expect("prepare")
            .frame;
    eprintln!(
        "frame: {} residents, {} features, {} linked respondents ({:.1} s)",
        frame.table.rows(),
        frame.table.cols(),
        frame.survey.respondents.len(),
        t.elapsed().as_secs_f64()
    );
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let model = match arg("--model").as_deref() {
        None | Some("auto") => risk::ModelChoice::Auto,
        Some("logistic") => risk::ModelChoice::Logistic,
        Some("gbt") => risk::ModelChoice::Gbt,
        Some(other) => panic!("--model auto|logistic|gbt, got {other}"),
    };
    let params = RiskParams {
        model,
        ..RiskParams::default()
    }
    .check()
    .expect("parameters");
    let mut totals = Vec::new();
    for r in 0..runs {
        let mut marks: Vec<(String, f64, Instant)> =
            vec![("start".into(), cpu_seconds(), Instant::now())];
        let run = risk::train(&frame, &params, |m| {
            marks.push((m.to_string(), cpu_seconds(), Instant::now()))
        })
        .expect("train");
        marks.push(("end".into(), cpu_seconds(), Instant::now()));
        println!("run {}:", r + 1);
        for w in marks.windows(2) {
            println!(
                "  {:<48} cpu {:>6.2} s  wall {:>6.2} s",
                w[0].0,
                w[1].1 - w[0].1,
                w[1].2.duration_since(w[0].2).as_secs_f64()
            );
        }
        let (cpu, wall) = (
            marks[marks.len() - 1].1 - marks[0].1,
            marks[marks.len() - 1]
                .2
                .duration_since(marks[0].2)
                .as_secs_f64(),
        );
        println!(
            "  total: cpu {cpu:.2} s, wall {wall:.2} s, cpu / {cores} cores {:.2} s; lonely {} (AUC {:.4}), severe {} (AUC {:.4})",
            cpu / cores as f64,
            run.model.lonely.spec.name(),
            run.model.lonely.metrics.auc,
            run.model.severe.spec.name(),
            run.model.severe.metrics.auc,
        );
        totals.push(cpu);
    }
    totals.sort_by(f64::total_cmp);
    println!(
        "risk stage CPU over {runs} run(s): min {:.2} s, median {:.2} s, max {:.2} s",
        totals[0],
        totals[totals.len() / 2],
        totals[totals.len() - 1]
    );
}
