//! The bundled demo study (`datasets/demo`, written by `loneliness synth` with its truth in
//! `datasets/demo-truth`): ingest must quarantine exactly the rows the generator planted, and no raw
//! BSN may reach any output. The folders can
//! be overridden with LONELINESS_DEMO_STUDY / LONELINESS_DEMO_TRUTH (e.g. a fresh `synth` run).
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use loneliness::contract::pseudonym::KeySource;
use loneliness::sources::{ingest, StudyConfig};

fn folder(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(default))
}

#[test]
fn demo_study_quarantine_matches_the_planted_truth_and_leaks_no_bsn() {
    let study = folder("LONELINESS_DEMO_STUDY", "datasets/demo");
    let truth = folder("LONELINESS_DEMO_TRUTH", "datasets/demo-truth");
    assert!(
        study.join("brp.csv").exists() && truth.join("quarantine.csv").exists(),
        "the bundled demo study and its truth must exist: {}",
        study.display()
    );
    let config = StudyConfig::load(&study).unwrap();
    let ing = ingest(&study, &config, &KeySource::from_env()).unwrap();
    assert!(ing.is_usable(), "{:?}", ing.unusable_sources());

    let mut planted = BTreeSet::new();
    let mut rdr = csv::Reader::from_path(truth.join("quarantine.csv")).unwrap();
    let header = rdr.headers().unwrap().clone();
    let at = |name: &str| header.iter().position(|h| h == name).expect(name);
    let (source, row, reason) = (at("source"), at("row"), at("reason"));
    for rec in rdr.records() {
        let rec = rec.unwrap();
        planted.insert((
            rec[source].to_string(),
            rec[row].parse::<u32>().unwrap(),
            rec[reason].to_string(),
        ));
    }
    let mut found = BTreeSet::new();
    for (kind, rows) in &ing.quarantine.by_source {
        for q in rows {
            found.insert((kind.name().to_string(), q.row, q.reason.code().to_string()));
        }
    }
    let missed: Vec<_> = planted.difference(&found).collect();
    let extra: Vec<_> = found.difference(&planted).take(20).collect();
    assert!(
        missed.is_empty() && extra.is_empty(),
        "missed {missed:?}\nextra {extra:?}"
    );

    // No raw BSN of brp.csv (valid or not) in any output file.
    let out = tempfile::tempdir().unwrap();
    ing.write(out.path()).unwrap();
    let mut bsns = Vec::new();
    let mut rdr = csv::Reader::from_path(study.join("brp.csv")).unwrap();
    let col = rdr
        .headers()
        .unwrap()
        .iter()
        .position(|h| {
            h.trim()
                .trim_start_matches('\u{feff}')
                .eq_ignore_ascii_case("bsn")
        })
        .unwrap();
    for rec in rdr.records() {
        let b = rec.unwrap()[col].trim().to_string();
        if b.len() >= 8 {
            bsns.push(b);
        }
    }
    assert!(bsns.len() > 1000);
    let mut outputs = vec![out.path().join("summary.json")];
    for e in std::fs::read_dir(out.path().join("quarantine")).unwrap() {
        outputs.push(e.unwrap().path());
    }
    for f in outputs {
        let text = std::fs::read_to_string(&f).unwrap();
        for b in &bsns {
            assert!(
                !text.contains(b.as_str()),
                "{} holds a raw BSN",
                f.display()
            );
        }
    }
}
