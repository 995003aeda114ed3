//! The 500,000-resident synthetic study, stage by stage: ingest (read, validate, pseudonymise all
//! sources) and linkage of the sources without a BSN, with link quality against the truth.
//!
//! `cargo bench --bench study_500k [-- --residents N] [-- --profile den-haag]`
//! Targets (issues): ingest < 3 s and < 1 GB; linkage of the non-BSN sources < 10 s with
//! precision >= 0.99 and recall >= 0.97. Peak memory: run the bench binary under `/usr/bin/time -v`.

use std::collections::BTreeMap;
use std::time::Instant;

use loneliness::contract::pseudonym::KeySource;
use loneliness::contract::SourceKind;
use loneliness::link::link_study;
use loneliness::sources::{ingest, StudyConfig};

mod common;
use common::arg;

fn main() {
    let residents: usize = arg("--residents")
        .map(|s| s.parse().expect("--residents N"))
        .unwrap_or(500_000);
    let profile = arg("--profile").unwrap_or_else(|| "zoetermeer".into());
    let dir = tempfile::tempdir().expect("temp dir");
    let (study_dir, truth_dir) = common::generate_study(dir.path(), residents, &profile, 11);

    let t = Instant::now();
    let config = StudyConfig::load(&study_dir).expect("config");
    let ingested = ingest(&study_dir, &config, &KeySource::from_env()).expect("ingest");
    let ingest_s = t.elapsed().as_secs_f64();
    let rows: u64 = ingested.summary.sources.values().map(|s| s.rows_read).sum();
    println!("ingest: {rows} rows in all sources, {ingest_s:.2} s");

    let t = Instant::now();
    let links = link_study(&ingested.study, 11).expect("link");
    let link_s = t.elapsed().as_secs_f64();
    println!("link: all sources in {link_s:.2} s");

    let mut truth: BTreeMap<(String, u32), String> = BTreeMap::new();
    let mut rdr = csv::Reader::from_path(truth_dir.join("links.csv")).expect("truth links");
    for r in rdr.records() {
        let r = r.expect("truth row");
        truth.insert(
            (r[0].to_string(), r[1].parse().expect("row")),
            r[2].to_string(),
        );
    }
    let study = &ingested.study;
    for (kind, rows) in [
        (
            SourceKind::Schuldhulp,
            study.schuldhulp.iter().map(|r| r.row).collect::<Vec<_>>(),
        ),
        (
            SourceKind::Huisbezoeken,
            study.huisbezoeken.iter().map(|r| r.row).collect(),
        ),
    ] {
        let found = links.get(kind).expect("linked");
        let (mut tp, mut fp, mut fneg) = (0u64, 0u64, 0u64);
        for (i, row) in rows.iter().enumerate() {
            let expected = &truth[&(kind.name().to_string(), *row)];
            let got = found.resident[i].map(|r| study.brp.records[r as usize].pseudo_id.as_str());
            match (expected.is_empty(), got) {
                (true, Some(_)) => fp += 1,
                (false, None) => fneg += 1,
                (false, Some(g)) if g == expected => tp += 1,
                (false, Some(_)) => {
                    fp += 1;
                    fneg += 1
                }
                (true, None) => {}
            }
        }
        println!(
            "  {}: {} rows, precision {:.4}, recall {:.4}",
            kind.name(),
            rows.len(),
            tp as f64 / (tp + fp).max(1) as f64,
            tp as f64 / (tp + fneg).max(1) as f64
        );
    }
}
