//! Link quality on the shipped synthetic demo study (datasets/demo) against its ground truth
//! (datasets/demo-truth/links.csv): the sources without a BSN, through ingest and the study glue.

use std::collections::BTreeMap;
use std::path::PathBuf;

use loneliness::link::link_study;
use loneliness::sources::{ingest, StudyConfig};

#[test]
fn demo_sources_without_bsn_link_with_high_precision_and_recall() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let (demo, truth_path) = (
        root.join("datasets/demo"),
        root.join("datasets/demo-truth/links.csv"),
    );
    if !truth_path.exists() {
        eprintln!("skipped: no demo dataset");
        return;
    }
    let ingested = ingest(&demo, &StudyConfig::load(&demo).unwrap()).unwrap();
    let study = &ingested.study;
    let links = link_study(study, 1).unwrap();

    // truth: (source, row) -> pseudo_id of the resident (empty: not a resident)
    let mut truth: BTreeMap<(String, u32), (String, String)> = BTreeMap::new();
    let mut reader = csv::Reader::from_path(&truth_path).unwrap();
    for record in reader.records() {
        let r = record.unwrap();
        truth.insert(
            (r[0].to_string(), r[1].parse().unwrap()),
            (r[2].to_string(), r.get(3).unwrap_or("").to_string()),
        );
    }
    for (kind, name, rows) in [
        (
            loneliness::contract::SourceKind::Schuldhulp,
            "schuldhulp",
            study.schuldhulp.iter().map(|r| r.row).collect::<Vec<_>>(),
        ),
        (
            loneliness::contract::SourceKind::Huisbezoeken,
            "huisbezoeken",
            study.huisbezoeken.iter().map(|r| r.row).collect::<Vec<_>>(),
        ),
    ] {
        let source = links.get(kind).expect("source linked");
        let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
        let mut missed_noise: BTreeMap<String, usize> = BTreeMap::new();
        for (i, row) in rows.iter().enumerate() {
            let Some((want, noise)) = truth.get(&(name.to_string(), *row)) else {
                continue;
            };
            let got = source.resident[i].map(|r| study.brp.records[r as usize].pseudo_id.as_str());
            match (want.is_empty(), got) {
                (false, Some(g)) if g == want => tp += 1,
                (_, Some(_)) => fp += 1,
                (false, None) => {
                    fn_ += 1;
                    *missed_noise.entry(noise.clone()).or_default() += 1;
                }
                (true, None) => {}
            }
        }
        let precision = tp as f64 / (tp + fp).max(1) as f64;
        let recall = tp as f64 / (tp + fn_).max(1) as f64;
        eprintln!(
            "{name}: precision {precision:.4} recall {recall:.4} (tp {tp}, fp {fp}, fn {fn_}); missed by noise: {missed_noise:?}"
        );
        assert!(precision >= 0.98, "{name}: precision {precision}");
        assert!(recall >= 0.90, "{name}: recall {recall}");
    }
}
