//! Linkage of the bundled demo study against its ground truth: precision and recall per source
//! without a BSN, and no raw BSN in any linkage output.
use std::collections::BTreeMap;
use std::path::Path;

use loneliness::contract::pseudonym::KeySource;
use loneliness::contract::SourceKind;
use loneliness::link::link_study;
use loneliness::sources::{ingest, StudyConfig};

fn demo() -> (std::path::PathBuf, std::path::PathBuf) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    (root.join("datasets/demo"), root.join("datasets/demo-truth"))
}

/// (source, row) -> true pseudo_id ("" for a non-resident).
fn truth_links(truth: &Path) -> BTreeMap<(String, u32), String> {
    let mut rdr = csv::Reader::from_path(truth.join("links.csv")).unwrap();
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            ((r[0].to_string(), r[1].parse().unwrap()), r[2].to_string())
        })
        .collect()
}

#[test]
fn demo_links_reach_the_required_precision_and_recall() {
    let (study_dir, truth_dir) = demo();
    let config = StudyConfig::load(&study_dir).unwrap();
    let ingested = ingest(&study_dir, &config, &KeySource::from_env()).unwrap();
    let study = &ingested.study;
    let links = link_study(study, 42).unwrap();
    let truth = truth_links(&truth_dir);

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
        let found = links.get(kind).expect("source linked");
        let (mut tp, mut fp, mut fn_, mut tn) = (0, 0, 0, 0);
        for (i, row) in rows.iter().enumerate() {
            let expected = &truth[&(kind.name().to_string(), *row)];
            let got = found.resident[i]
                .map(|r| study.brp.records[r as usize].pseudo_id.as_str())
                .unwrap_or("");
            match (expected.is_empty(), got.is_empty()) {
                (true, true) => tn += 1,
                (true, false) => fp += 1,
                (false, true) => fn_ += 1,
                (false, false) if got == expected => tp += 1,
                (false, false) => {
                    fp += 1;
                    fn_ += 1
                }
            }
        }
        let precision = tp as f64 / (tp + fp) as f64;
        let recall = tp as f64 / (tp + fn_) as f64;
        eprintln!(
            "{}: tp {tp} fp {fp} fn {fn_} tn {tn} precision {precision:.4} recall {recall:.4}",
            kind.name()
        );
        assert!(tn > 0, "{}: the demo plants non-residents", kind.name());
        assert!(
            precision >= 0.99,
            "{}: precision {precision:.4}",
            kind.name()
        );
        assert!(recall >= 0.97, "{}: recall {recall:.4}", kind.name());
    }
}

#[test]
fn deterministic_sources_link_on_pseudonym() {
    let (study_dir, _) = demo();
    let config = StudyConfig::load(&study_dir).unwrap();
    let study = ingest(&study_dir, &config, &KeySource::from_env())
        .unwrap()
        .study;
    let links = link_study(&study, 42).unwrap();
    let inkomen = links.get(SourceKind::Inkomen).unwrap();
    assert_eq!(
        inkomen.link_rate(),
        1.0,
        "every income row belongs to a BRP resident"
    );
    let survey = links.get(SourceKind::Gezondheidsmonitor).unwrap();
    assert!(
        survey.link_rate() > 0.9 && survey.link_rate() < 1.0,
        "a few respondents are not in the BRP"
    );
}
