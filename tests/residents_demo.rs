//! The feature table on the demo study: shape, one-hot integrity, agreement with the planted truth,
//! and documentation that matches the code.

use std::collections::HashMap;
use std::path::Path;

use loneliness::contract::pseudonym::KeySource;
use loneliness::residents::{FeatureKind, FeatureTable};
use loneliness::sources::StudyConfig;

fn demo_table() -> Option<(FeatureTable, HashMap<String, u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/demo");
    if !dir.join("brp.csv").exists() {
        eprintln!("datasets/demo missing; skipped");
        return None;
    }
    let config = StudyConfig::load(&dir).unwrap();
    let table = loneliness::pipeline::prepare(&dir, &config, &KeySource::from_env(), 1, |_| {})
        .unwrap()
        .frame
        .table;
    let truth_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/demo-truth/residents.csv");
    let mut reader = csv::Reader::from_path(truth_path).unwrap();
    let headers = reader.headers().unwrap().clone();
    let id = headers.iter().position(|h| h == "pseudo_id").unwrap();
    let persona = headers.iter().position(|h| h == "persona").unwrap();
    let truth = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[id].to_string(), r[persona].parse().unwrap())
        })
        .collect();
    Some((table, truth))
}

fn share(table: &FeatureTable, truth: &HashMap<String, u8>, persona: u8, name: &str) -> f64 {
    let j = table
        .column_index(name)
        .unwrap_or_else(|| panic!("no column {name}"));
    let rows: Vec<usize> = (0..table.rows())
        .filter(|&i| truth.get(&table.pseudo_ids[i]) == Some(&persona))
        .collect();
    assert!(!rows.is_empty());
    rows.iter().map(|&i| table.row(i)[j]).sum::<f64>() / rows.len() as f64
}

#[test]
fn demo_feature_table_is_complete_and_tracks_the_planted_traits() {
    let Some((table, truth)) = demo_table() else {
        return;
    };
    assert!(table.rows() > 15_000);
    assert_eq!(table.values.len(), table.rows() * table.cols());
    assert!(table.values.iter().all(|v| v.is_finite()));
    assert!(table.wijken.windows(2).all(|w| w[0] < w[1]));
    // Every one-hot group sums to exactly 1 per resident.
    let mut groups: HashMap<&str, Vec<usize>> = HashMap::new();
    for (j, f) in table.features.iter().enumerate() {
        if f.kind == FeatureKind::OneHot {
            groups.entry(f.group.as_str()).or_default().push(j);
        }
    }
    assert!(groups.len() >= 5, "{:?}", groups.keys());
    for i in 0..table.rows() {
        for cols in groups.values() {
            let s: f64 = cols.iter().map(|&j| table.row(i)[j]).sum();
            assert_eq!(s, 1.0, "row {i}");
        }
    }
    // Planted traits show up: widowed elderly live alone with WMO, single parents get parenting
    // support, young singles are in debt counselling more than working families.
    assert!(share(&table, &truth, 1, "burgerlijke_staat=verweduwd") > 0.95);
    assert!(share(&table, &truth, 1, "living_alone") > 0.95);
    assert!(share(&table, &truth, 1, "wmo_any") > 0.6);
    assert!(share(&table, &truth, 1, "home_visit") > 0.2);
    assert!(share(&table, &truth, 5, "parenting_support_active") > 0.3);
    assert!(share(&table, &truth, 5, "huishouden=eenoudergezin") > 0.9);
    assert!(
        share(&table, &truth, 2, "debt_counselling_any")
            > 5.0 * share(&table, &truth, 6, "debt_counselling_any")
    );
    assert!(
        share(&table, &truth, 3, "herkomst=turkije") + share(&table, &truth, 3, "herkomst=marokko")
            > 0.8
    );
    let age = table.column_index("age").unwrap();
    assert!(table
        .column(age)
        .iter()
        .all(|&a| (18.0..=110.0).contains(&a)));
}

#[test]
fn features_are_documented() {
    let generated = FeatureTable::features_markdown(&FeatureTable::layout());
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/features.md");
    if std::env::var_os("UPDATE_FEATURES_TABLE").is_some() {
        // Regenerate the table between the markers, keeping the hand-written text around it.
        let doc = std::fs::read_to_string(&path).unwrap();
        let (head, rest) = doc.split_once("<!-- table -->\n").unwrap();
        let (_, tail) = rest.split_once("<!-- /table -->").unwrap();
        let doc = format!("{head}<!-- table -->\n{generated}<!-- /table -->{tail}");
        std::fs::write(&path, doc).unwrap();
    }
    let doc = std::fs::read_to_string(&path).unwrap();
    assert!(
        doc.contains(&generated),
        "docs/features.md is out of date; run this test with UPDATE_FEATURES_TABLE=1 or paste this table into it:\n{generated}"
    );
    let names: Vec<String> = FeatureTable::layout().into_iter().map(|f| f.name).collect();
    let mut sorted = names.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), names.len(), "feature names must be unique");
}

/// The household columns say what the other adults of the same `huishouden_id` are: recomputed
/// here from the BRP records and the table's own age, WMO and income-source columns.
#[test]
fn household_columns_describe_the_other_adults() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/demo");
    if !dir.join("brp.csv").exists() {
        return;
    }
    let config = StudyConfig::load(&dir).unwrap();
    let prepared =
        loneliness::pipeline::prepare(&dir, &config, &KeySource::from_env(), 1, |_| {}).unwrap();
    let table = &prepared.frame.table;
    let brp = &prepared.ingested.study.brp.records;
    let col = |name: &str| table.column_index(name).unwrap();
    let (age, wmo) = (col("age"), col("wmo_any"));
    let benefit: Vec<usize> = ["arbeidsongeschiktheid", "werkloosheid", "bijstand"]
        .iter()
        .map(|s| col(&format!("inkomensbron={s}")))
        .collect();
    let mut households: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, r) in brp.iter().enumerate() {
        households
            .entry(r.huishouden_id.as_str())
            .or_default()
            .push(i);
    }
    let mut seen = [0usize; 4];
    for (i, r) in brp.iter().enumerate() {
        let others: Vec<usize> = households[r.huishouden_id.as_str()]
            .iter()
            .copied()
            .filter(|&j| j != i)
            .collect();
        let row = table.row(i);
        let expect = [
            others.iter().any(|&j| table.row(j)[wmo] == 1.0),
            others
                .iter()
                .any(|&j| benefit.iter().any(|&b| table.row(j)[b] == 1.0)),
            others.iter().any(|&j| table.row(j)[age] >= row[age] + 20.0),
            others.iter().any(|&j| table.row(j)[age] + 20.0 <= row[age]),
        ];
        for (k, name) in [
            "household_member_wmo",
            "household_member_benefit",
            "household_older_generation",
            "household_younger_generation",
        ]
        .iter()
        .enumerate()
        {
            assert_eq!(row[col(name)] == 1.0, expect[k], "{name}, row {i}");
            seen[k] += usize::from(expect[k]);
        }
    }
    // The demo plants carers, adult children at home and partners out of work: every flag occurs.
    assert!(seen.iter().all(|&s| s > 20), "{seen:?}");
}
