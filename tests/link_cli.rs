//! `loneliness link` end to end: FEBRL4 through the CLI, reproducible outputs, clear errors.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn febrl() -> PathBuf {
    root().join("../shared/data/febrl")
}

fn run(left: &Path, right: &Path, config: &Path, out: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_loneliness"))
        .arg("link")
        .arg("--left")
        .arg(left)
        .arg("--right")
        .arg(right)
        .arg("--config")
        .arg(config)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn febrl4_links_with_high_f1_and_identical_reruns() {
    if !febrl().join("febrl4_a.csv").exists() {
        eprintln!("skipped: shared FEBRL data not present");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (febrl().join("febrl4_a.csv"), febrl().join("febrl4_b.csv"));
    let config = root().join("benches/febrl4.toml");
    let first = run(&a, &b, &config, &dir.path().join("one"));
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let summary = String::from_utf8_lossy(&first.stdout);
    assert!(summary.contains("pairs scored 31956"), "{summary}");

    let links = std::fs::read_to_string(dir.path().join("one/links.csv")).unwrap();
    let mut lines = links.lines();
    assert_eq!(
        lines.next(),
        Some("right_id,left_id,match_probability,match_weight,status")
    );
    let (mut tp, mut fp, mut rows) = (0, 0, 0);
    let mut previous = String::new();
    for line in lines {
        rows += 1;
        let cells: Vec<&str> = line.split(',').collect();
        assert!(
            cells[0] > previous.as_str(),
            "links.csv is sorted by right_id"
        );
        previous = cells[0].to_string();
        if cells[1].is_empty() {
            continue;
        }
        let entity = |id: &str| id.split('-').nth(1).unwrap().to_string();
        if entity(cells[0]) == entity(cells[1]) {
            tp += 1;
        } else {
            fp += 1;
        }
    }
    assert_eq!(rows, 5000);
    let precision = tp as f64 / (tp + fp) as f64;
    let recall = tp as f64 / 5000.0;
    let f1 = 2.0 * precision * recall / (precision + recall);
    assert!(f1 >= 0.995, "F1 {f1} (tp {tp}, fp {fp})");

    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("one/link_report.json")).unwrap(),
    )
    .unwrap();
    assert!(report["em"]["iterations"].as_u64().unwrap() > 0);
    assert!(report["em"]["converged"].as_bool().unwrap());
    let lambda = report["prior"]["lambda"].as_f64().unwrap();
    assert!((lambda - 1.0 / 5000.0).abs() < 1e-4, "prior {lambda}");

    // Explanations: the per-field weights and the prior add up to the match weight.
    let explained = std::fs::read_to_string(dir.path().join("one/link_explanations.csv")).unwrap();
    let mut lines = explained.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        header[..6],
        [
            "right_id",
            "left_id",
            "status",
            "match_probability",
            "match_weight",
            "prior_weight"
        ]
    );
    assert!(header.contains(&"soc_sec_id_level") && header.contains(&"soc_sec_id_weight"));
    for line in lines.take(200) {
        let cells: Vec<&str> = line.split(',').collect();
        let total: f64 = cells[4].parse().unwrap();
        let parts: f64 = cells[5].parse::<f64>().unwrap()
            + header
                .iter()
                .zip(&cells)
                .filter(|(h, _)| {
                    h.ends_with("_weight") && **h != "match_weight" && **h != "prior_weight"
                })
                .map(|(_, c)| c.parse::<f64>().unwrap())
                .sum::<f64>();
        assert!((total - parts).abs() < 0.01, "{line}");
    }

    let second = run(&a, &b, &config, &dir.path().join("two"));
    assert!(second.status.success());
    for file in ["links.csv", "link_report.json", "link_explanations.csv"] {
        assert_eq!(
            std::fs::read(dir.path().join("one").join(file)).unwrap(),
            std::fs::read(dir.path().join("two").join(file)).unwrap(),
            "{file} differs between identical runs"
        );
    }
}

#[test]
fn errors_name_the_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let left = dir.path().join("left.csv");
    let right = dir.path().join("right.csv");
    let config = dir.path().join("link.toml");
    std::fs::write(&left, "id;naam\n1;Jansen\n2;de Vries\n").unwrap();
    std::fs::write(&right, "id,naam\n7,Jansen\n8,de Vries,extra\n").unwrap();
    std::fs::write(
        &config,
        "left_id = \"id\"\nright_id = \"id\"\n[[comparisons]]\ncolumn = \"naam\"\nkind = \"surname\"\n[[blocking]]\nkeys = [\"naam\"]\n",
    )
    .unwrap();
    let out = run(&left, &right, &config, &dir.path().join("out"));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("right.csv") && err.contains("line 3"), "{err}");

    std::fs::write(&right, "id,name\n7,Jansen\n").unwrap();
    let out = run(&left, &right, &config, &dir.path().join("out"));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("right.csv, line 1, column 'naam'") && err.contains("it has: id, name"),
        "{err}"
    );

    std::fs::write(&config, "left_id = \"id\"\n[[comparisons]]\n").unwrap();
    let out = run(&left, &right, &config, &dir.path().join("out"));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("link.toml"), "{err}");
}
