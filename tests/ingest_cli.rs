//! `loneliness validate`: table, JSON, written outputs and exit codes.
mod ingest_support;

use std::process::Command;

use ingest_support::*;

fn validate(args: &[&std::ffi::OsStr]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_loneliness"))
        .arg("validate")
        .args(args)
        .env_remove("LONELINESS_PSEUDONYM_KEY")
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn usable_study_prints_an_aligned_table_and_exits_zero() {
    let t = TestStudy::valid();
    t.use_corpus("brp.csv", "brp_duplicate_row.csv");
    let out_dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = validate(&[
        t.path().as_os_str(),
        "--out".as_ref(),
        out_dir.path().as_os_str(),
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(!stdout.contains('\x1b'), "no colours when not a terminal");
    let brp_line = stdout.lines().find(|l| l.starts_with("brp ")).unwrap();
    assert!(
        brp_line.contains("duplicate_row 2, invalid_bsn 1"),
        "{stdout}"
    );
    let header = stdout.lines().find(|l| l.starts_with("source")).unwrap();
    // Numbers are right-aligned under their headers.
    let col = header.find("quarantined").unwrap() + "quarantined".len();
    assert_eq!(&brp_line[col - 1..col], "3", "{stdout}");
    assert!(stdout.contains("The study is usable."), "{stdout}");
    assert!(out_dir.path().join("summary.json").exists());
    assert!(out_dir.path().join("quarantine/brp.csv").exists());
}

#[test]
fn json_prints_the_summary() {
    let t = TestStudy::valid();
    let (code, stdout, _) = validate(&[t.path().as_os_str(), "--json".as_ref()]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["sources"]["brp"]["rows_accepted"], 5);
    assert_eq!(v["reference_date"], "2024-01-01");
    assert!(v["sources"]["brp"].get("link_rate").is_none());
}

#[test]
fn fatal_problems_are_listed_one_per_line_and_exit_one() {
    let t = TestStudy::valid();
    t.use_corpus("brp.csv", "brp_missing_two_columns.csv");
    t.remove("gebieden.csv");
    let (code, stdout, _) = validate(&[t.path().as_os_str()]);
    assert_eq!(code, 1);
    let fatal: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("fatal: "))
        .collect();
    assert_eq!(fatal.len(), 3, "{stdout}");
    assert!(stdout.contains("The study is not usable"));

    let (code, stdout, _) = validate(&[t.path().as_os_str(), "--json".as_ref()]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["fatal"].as_array().unwrap().len(), 3);
}

#[test]
fn required_source_without_accepted_rows_exits_one() {
    let t = TestStudy::valid();
    t.write(
        "gezondheidsmonitor.csv",
        "pseudo_id,weegfactor\nnot-a-pseudonym,1\n",
    );
    let (code, stdout, _) = validate(&[t.path().as_os_str()]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("no accepted rows in required source gezondheidsmonitor"),
        "{stdout}"
    );
}

#[test]
fn bad_study_toml_is_a_usage_error() {
    let t = TestStudy::valid();
    t.write("study.toml", "suppresion_threshold = 5\n");
    let (code, _, stderr) = validate(&[t.path().as_os_str()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("suppresion_threshold"), "{stderr}");
}
