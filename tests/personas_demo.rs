//! The persona stage on the demo study: recovery of the planted personas, suppression,
//! determinism and the model file.

mod personas_common;

use std::path::{Path, PathBuf};

use loneliness::personas::{model::PersonaModel, output, select::adjusted_rand_index};
use personas_common::{run_study, truth};

fn demo() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/demo");
    dir.join("brp.csv").exists().then_some(dir)
}

#[test]
fn demo_recovers_the_planted_personas_and_their_number() {
    let Some(dir) = demo() else { return };
    let ran = run_study(&dir, None, 7, None);
    let truth = truth(&dir.with_file_name("demo-truth").join("residents.csv"));
    let planted: Vec<u32> = ran.table.pseudo_ids.iter().map(|p| truth[p]).collect();
    let ari = adjusted_rand_index(&planted, &ran.run.clustering.labels);
    let table: Vec<String> = ran
        .run
        .clustering
        .candidates
        .iter()
        .map(|c| format!("{} {:.3} {:.3}", c.k, c.silhouette, c.stability))
        .collect();
    assert_eq!(
        ran.run.clustering.k, 8,
        "chosen K; selection table {table:?}"
    );
    assert!(ari >= 0.80, "adjusted Rand index {ari}");
    // The chosen K is the elbow of the selection table and is stable.
    let chosen = ran
        .run
        .clustering
        .candidates
        .iter()
        .find(|c| c.k == 8)
        .unwrap();
    assert!(chosen.inertia_gain >= loneliness::personas::select::MIN_GAIN);
    assert!(chosen.stability >= loneliness::personas::select::MIN_STABILITY);
    // Every planted persona, the smallest too (3: older Turkish/Moroccan migrants, ~1% of
    // adults), has a found persona holding at least 80% of its residents.
    for p in 1..=8u32 {
        let members: Vec<usize> = (0..planted.len()).filter(|&i| planted[i] == p).collect();
        let mut counts = [0usize; 8];
        for &i in &members {
            counts[ran.run.clustering.labels[i] as usize] += 1;
        }
        let recall = *counts.iter().max().unwrap() as f64 / members.len() as f64;
        assert!(recall >= 0.8, "planted persona {p}: best recall {recall}");
    }
    // Names are unique and the beslisboom is shallow and useful.
    let mut names: Vec<&str> = ran.run.profiles.iter().map(|p| p.name.as_str()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 8);
    assert!(ran.run.tree.depth <= 4);
    assert!(ran.run.tree.accuracy > 0.8, "{}", ran.run.tree.accuracy);
    // The widowed elderly persona is lonelier than working families among respondents.
    let widowed = ran
        .run
        .profiles
        .iter()
        .find(|p| p.name.contains("weduw"))
        .unwrap();
    let families = &ran.run.profiles[0];
    assert!(
        widowed.loneliness.lonely_pct.unwrap() > families.loneliness.lonely_pct.unwrap() + 20.0
    );
}

fn write_all(dir: &Path, out: &Path) {
    let ran = run_study(dir, None, 11, None);
    output::write(&ran.run, &ran.table, out, true).unwrap();
    ran.run.model.save(&out.join("model.json")).unwrap();
}

#[test]
fn outputs_are_deterministic_and_suppressed() {
    let Some(dir) = demo() else { return };
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write_all(&dir, a.path());
    write_all(&dir, b.path());
    for f in [
        "personas.json",
        "persona_districts.csv",
        "residents.csv",
        "model.json",
    ] {
        let (x, y) = (
            std::fs::read(a.path().join(f)).unwrap(),
            std::fs::read(b.path().join(f)).unwrap(),
        );
        assert!(x == y, "{f} differs between two runs with the same seed");
    }
    let csv = std::fs::read_to_string(a.path().join("persona_districts.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("wijkcode,persona,residents,share"));
    let mut suppressed = 0;
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells.len(), 4, "{line}");
        if cells[2].is_empty() {
            assert!(cells[3].is_empty(), "{line}: share of a suppressed cell");
            suppressed += 1;
        } else {
            let n: usize = cells[2].parse().unwrap();
            assert!(n >= 10, "{line}: a cell under 10");
        }
    }
    let _ = suppressed; // the demo's wijken are large; small cells are tested below
}

#[test]
fn small_cells_are_written_empty() {
    use loneliness::residents::FeatureTable;
    // Two wijken: WK1 with 25 residents (20 of persona 1, 5 of persona 2), WK2 with 9 (all 1).
    // The 5 and the 9 are hidden; so is WK1's share 0.8, which with the 20 would give the wijk's
    // 25 and, by subtraction, the hidden 5 (the disclosure rule of docs/disclosure.md).
    let n = 34;
    let table = FeatureTable {
        pseudo_ids: (0..n).map(|i| format!("p{i}")).collect(),
        wijk: (0..n).map(|i| u32::from(i >= 25)).collect(),
        wijken: vec!["WK000001".into(), "WK000002".into()],
        household: (0..n as u32).collect(),
        features: vec![],
        values: vec![],
    };
    let labels: Vec<u32> = (0..n).map(|i| u32::from((20..25).contains(&i))).collect();
    let csv = output::districts_csv(&table, &labels, &[1, 2], 10);
    assert_eq!(
        String::from_utf8(csv).unwrap(),
        "wijkcode,persona,residents,share\nWK000001,1,20,\nWK000001,2,,\nWK000002,1,,\nWK000002,2,0,\n"
    );
}

#[test]
fn model_file_round_trips_and_explains_mismatches() {
    let Some(dir) = demo() else { return };
    let ran = run_study(&dir, Some(6), 3, None);
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("m.json");
    ran.run.model.save(&path).unwrap();
    let back = PersonaModel::load(&path).unwrap();
    assert_eq!(back, ran.run.model);
    assert_eq!(back.training_fingerprint.len(), 64);

    let text = std::fs::read_to_string(&path).unwrap();
    let v2 = text.replacen("\"version\": 1", "\"version\": 2", 1);
    std::fs::write(&path, v2).unwrap();
    let err = PersonaModel::load(&path).unwrap_err().to_string();
    assert!(
        err.contains("version 2") && err.contains("reads version 1"),
        "{err}"
    );

    std::fs::write(&path, r#"{"format": "burn-record", "version": 1}"#).unwrap();
    let err = PersonaModel::load(&path).unwrap_err().to_string();
    assert!(err.contains("not a persona model"), "{err}");
}
