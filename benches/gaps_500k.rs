//! The gap check on 500,000 residents: every wijk and persona against the whole sociale kaart.
//!
//! Run: `cargo bench --bench gaps_500k -- [--study DIR --truth DIR] [--personas K] [--out DIR]`. Without
//! `--study` a 500,000-resident municipality is generated (seed 7) into a temporary folder. The
//! persona stage runs with a fixed K (default 8) so the set-up stays short; the truth's p_lonely
//! stands in for the risk model. Timed: the check alone (best of 5), and writing gaps.csv/json.
//! Target: the check in under 1 s.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use loneliness::contract::pseudonym::KeySource;
use loneliness::offer::{self, GapInput, NeedRules};
use loneliness::personas::{self, PersonaParams};
use loneliness::sources::{ingest, StudyConfig};

mod common;
use common::arg;

fn main() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (study_dir, truth_dir) = common::study_500k(tmp.path());
    let truth_dir = truth_dir.expect("--truth DIR with --study");
    let k: usize = arg("--personas").map_or(8, |v| v.parse().expect("--personas K"));

    let t = Instant::now();
    let config = StudyConfig::load(&study_dir).unwrap();
    let study = ingest(&study_dir, &config, &KeySource::from_env())
        .unwrap()
        .study;
    let links = loneliness::link::link_study(&study, 7).unwrap();
    let frame = loneliness::residents::Frame::build(&study, &links).unwrap();
    let table = &frame.table;
    let params = PersonaParams {
        k: Some(k),
        ..PersonaParams::default()
    }
    .check(table.rows())
    .unwrap();
    let run = personas::run(&frame, &params, None, |_| {}).unwrap();
    let labels = run.resident_ids();
    let personas = offer::personas_of(&run);
    println!(
        "set-up (ingest, link, features, {k} personas) {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let mut r = csv::Reader::from_path(truth_dir.join("residents.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let id = h.iter().position(|c| c == "pseudo_id").unwrap();
    let p = h.iter().position(|c| c == "p_lonely").unwrap();
    let truth: HashMap<String, f64> = r
        .records()
        .map(|rec| {
            let rec = rec.unwrap();
            (rec[id].to_string(), rec[p].parse().unwrap())
        })
        .collect();
    let p_lonely: Vec<f64> = table.pseudo_ids.iter().map(|x| truth[x.as_str()]).collect();

    let rules = NeedRules::defaults().unwrap();
    let input = GapInput {
        frame: &frame,
        offers: &study.sociale_kaart.records,
        personas: &personas,
        persona_of_row: &labels,
        lonely_probability: &p_lonely,
        rules: &rules,
        suppression_threshold: config.suppression_threshold,
    };
    let mut best = f64::INFINITY;
    let mut report = None;
    for _ in 0..5 {
        let t = Instant::now();
        let r = offer::check(&input).unwrap();
        best = best.min(t.elapsed().as_secs_f64());
        report = Some(r);
    }
    let report = report.unwrap();
    let out = arg("--out")
        .map(PathBuf::from)
        .unwrap_or_else(|| tmp.path().join("out"));
    let t = Instant::now();
    offer::write(&report, &out).unwrap();
    let write_s = t.elapsed().as_secs_f64();
    println!(
        "residents {}, wijken {}, personas {}, offers {} ({} active), cells {}: covered {}, thin {}, gap {}",
        table.rows(),
        report.wijken.len(),
        personas.len(),
        report.offers_checked,
        report.offers_active,
        report.cells.len(),
        report.count(offer::Status::Covered),
        report.count(offer::Status::Thin),
        report.count(offer::Status::Gap),
    );
    println!("gap check (best of 5): {:.3} s (target < 1 s)", best);
    println!("writing gaps.csv + gaps.json: {write_s:.3} s");
}
