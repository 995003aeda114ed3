//! `loneliness run` on the bundled demo study: outputs complete, byte-identical across runs and
//! across thread counts, no raw BSN anywhere, and clear exit codes for bad usage.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/demo")
}

fn run(out: &Path) -> std::process::Output {
    run_with(out, &[])
}

fn run_with(out: &Path, env: &[(&str, &str)]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_loneliness"))
        .args(["run", "--quiet", "--seed", "7"])
        .arg(demo())
        .arg("--out")
        .arg(out)
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().display().to_string();
                files.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    files
}

/// Every 8-9 digit value of the first column of brp.csv, as written (valid or not).
fn raw_bsns() -> Vec<String> {
    let text = std::fs::read_to_string(demo().join("brp.csv")).unwrap();
    text.lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .map(|s| s.trim_start_matches('\u{feff}').trim().to_string())
        .filter(|s| s.len() >= 8 && s.bytes().all(|b| b.is_ascii_digit()))
        .collect()
}

#[test]
fn demo_run_is_complete_reproducible_and_free_of_bsns() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let out_a = run(a.path());
    assert!(
        out_a.status.success(),
        "{}",
        String::from_utf8_lossy(&out_a.stderr)
    );
    let stdout = String::from_utf8_lossy(&out_a.stdout);
    for section in ["personas", "Risk model", "Offer check", "report.html"] {
        assert!(
            stdout.contains(section),
            "the one-screen summary names {section}: {stdout}"
        );
    }
    assert!(run(b.path()).status.success());

    let files_a = read_tree(a.path());
    let files_b = read_tree(b.path());
    for name in [
        "summary.json",
        "links.csv",
        "link_report.json",
        "quarantine/brp.csv",
        "personas.json",
        "persona_districts.csv",
        "models/personas.json",
        "models/risk.json",
        "districts.csv",
        "risk_report.json",
        "gaps.csv",
        "gaps.json",
        "report.html",
    ] {
        assert!(files_a.contains_key(name), "missing output {name}");
    }
    assert!(
        !files_a.contains_key("residents.csv"),
        "resident-level output only with --export-residents"
    );
    assert_eq!(
        files_a.keys().collect::<Vec<_>>(),
        files_b.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &files_a {
        assert!(
            bytes == &files_b[name],
            "{name} differs between two runs with the same seed"
        );
    }

    let bsns = raw_bsns();
    assert!(bsns.len() > 19_000, "read the demo's BSNs");
    // A BSN written anywhere is a run of digits of its own; digit runs inside longer numbers (the
    // 17 significant digits of a model coefficient) are not, and would match by chance.
    let bsns: std::collections::HashSet<&str> = bsns.iter().map(String::as_str).collect();
    for (name, bytes) in &files_a {
        let text = String::from_utf8_lossy(bytes);
        for run in text.split(|c: char| !c.is_ascii_digit()) {
            assert!(!bsns.contains(run), "a raw BSN appears in {name}");
        }
    }

    let summary: serde_json::Value = serde_json::from_slice(&files_a["summary.json"]).unwrap();
    let schuldhulp = &summary["sources"]["schuldhulp"];
    let rate = schuldhulp["link_rate"].as_f64().unwrap();
    assert!(rate > 0.9 && rate < 1.0, "schuldhulp link rate {rate}");
    assert_eq!(
        summary["sources"]["brp"]["quarantine_reasons"]["invalid_bsn"],
        20
    );
}

#[test]
fn bad_usage_exits_2_and_a_missing_study_says_so() {
    let out = Command::new(env!("CARGO_BIN_EXE_loneliness"))
        .args(["run", "/nonexistent/study", "--out", "/tmp/x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/study"));
}

#[test]
fn a_study_without_brp_exits_1_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    for f in ["gebieden.csv", "gezondheidsmonitor.csv", "pseudonym.key"] {
        std::fs::copy(demo().join(f), dir.path().join(f)).unwrap();
    }
    let out_dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_loneliness"))
        .args(["run", "--quiet"])
        .arg(dir.path())
        .arg("--out")
        .arg(out_dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("brp.csv"));
}

#[test]
fn export_residents_writes_one_row_per_resident_and_a_run_without_it_removes_the_file() {
    let out = tempfile::tempdir().unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_loneliness"))
        .args(["run", "--quiet", "--export-residents", "--personas", "6"])
        .arg(demo())
        .arg("--out")
        .arg(out.path())
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(out.path().join("residents.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("pseudo_id,wijkcode,persona,risk"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 20_000);
    let personas: std::collections::BTreeSet<&str> = rows.iter().map(|r| r[2]).collect();
    assert_eq!(personas.len(), 6, "--personas 6 gives six personas");
    assert!(rows
        .iter()
        .all(|r| r[0].len() == 64 && r[1].starts_with("WK")));

    assert!(run(out.path()).status.success());
    assert!(!out.path().join("residents.csv").exists());
}

/// Every output is byte-identical whatever the number of threads: the parallel parts
/// (cross-validation, predictions, intervals, factors, the other stages' rayon loops) sum in a
/// fixed order and draw their random numbers from per-task seeds.
#[test]
fn outputs_are_identical_with_one_and_with_three_threads() {
    let one = tempfile::tempdir().unwrap();
    let three = tempfile::tempdir().unwrap();
    for (dir, threads) in [(&one, "1"), (&three, "3")] {
        let o = run_with(dir.path(), &[("RAYON_NUM_THREADS", threads)]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let a = read_tree(one.path());
    let b = read_tree(three.path());
    assert!(a.contains_key("districts.csv") && a.contains_key("risk_report.json"));
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "the same files"
    );
    for (name, bytes) in &a {
        assert!(bytes == &b[name], "{name} differs between 1 and 3 threads");
    }
}
