//! `loneliness gaps` with a what-if: dropping the offers that cover a cell opens a gap there and
//! the changes are written; an unknown offer id is a usage error (exit 2) naming it, raised before
//! the long stages run.
use std::path::{Path, PathBuf};
use std::process::Command;

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/demo")
}

fn gaps(out: &Path, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_loneliness"))
        .args(["gaps", "--quiet", "--json", "--seed", "7"])
        .arg(demo())
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn dropping_every_offer_of_a_covered_cell_opens_a_gap_there() {
    let out = tempfile::tempdir().unwrap();
    // First the check as it is, to find a covered cell and the offers that cover it.
    let base = gaps(out.path(), &[]);
    assert!(
        base.status.success(),
        "{}",
        String::from_utf8_lossy(&base.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&base.stdout).unwrap();
    assert!(json["whatif"].is_null(), "no what-if without proposals");
    let cells = json["gaps"]["cells"].as_array().expect("cells");
    let covered = cells
        .iter()
        .find(|c| c["status"] == "covered")
        .expect("the demo has covered cells");
    let ids: Vec<String> = covered["fitting_offers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert!(!ids.is_empty());

    let drop = ids.join(",");
    let what = gaps(out.path(), &["--drop-offers", &drop]);
    assert!(
        what.status.success(),
        "{}",
        String::from_utf8_lossy(&what.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&what.stdout).unwrap();
    let changes = json["whatif"].as_array().expect("changes");
    assert!(
        changes.iter().any(|c| c["wijkcode"] == covered["wijkcode"]
            && c["persona"] == covered["persona"]
            && c["kind"] == "opened"
            && c["after"] == "gap"),
        "dropping {drop} opens the gap at {} persona {}: {changes:?}",
        covered["wijkcode"],
        covered["persona"]
    );
    for f in ["whatif/gaps.csv", "whatif/gaps.json", "whatif/changes.json"] {
        assert!(out.path().join(f).is_file(), "missing {f}");
    }
}

#[test]
fn an_unknown_offer_id_is_a_usage_error_naming_it() {
    let out = tempfile::tempdir().unwrap();
    let o = gaps(out.path(), &["--drop-offers", "SK-DOES-NOT-EXIST"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("SK-DOES-NOT-EXIST"));

    // Refused right after validation, before linkage and training (no stage after it started).
    let o = Command::new(env!("CARGO_BIN_EXE_loneliness"))
        .args(["gaps", "--seed", "7"])
        .arg(demo())
        .arg("--out")
        .arg(out.path())
        .args(["--drop-offers", "SK-DOES-NOT-EXIST"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("[validate]"), "{stderr}");
    for later in ["[link]", "[personas]", "[risk]"] {
        assert!(
            !stderr.contains(later),
            "{later} ran before the refusal: {stderr}"
        );
    }
}
