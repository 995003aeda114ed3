//! The `personas` subcommand end to end on the demo study.

use std::path::Path;
use std::process::Command;

#[test]
fn personas_cli_writes_outputs_and_refuses_a_foreign_model() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/demo");
    if !demo.join("brp.csv").exists() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let model = tmp.path().join("models/demo.json");
    let run = Command::new(env!("CARGO_BIN_EXE_loneliness"))
        .args([
            "personas",
            demo.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .args(["--personas", "8", "--model-out", model.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        stdout.contains("8 personas") && stdout.contains("beslisboom"),
        "{stdout}"
    );
    assert!(out.join("personas.json").exists() && out.join("persona_districts.csv").exists());
    assert!(
        !out.join("residents.csv").exists(),
        "resident-level output only behind the flag"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("personas.json")).unwrap()).unwrap();
    assert_eq!(json["personas"].as_array().unwrap().len(), 8);
    assert!(json["beslisboom"]["rules"].as_array().unwrap().len() >= 2);

    // Following the saved model works; a file that is not a persona model is refused clearly.
    let next = Command::new(env!("CARGO_BIN_EXE_loneliness"))
        .args([
            "personas",
            demo.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .args(["--personas", "8", "--previous", model.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&next.stdout);
    assert!(
        next.status.success() && stdout.contains("loopt door"),
        "{stdout}"
    );
    let foreign = tmp.path().join("summary.json");
    std::fs::write(&foreign, r#"{"sources": {}}"#).unwrap();
    let bad = Command::new(env!("CARGO_BIN_EXE_loneliness"))
        .args([
            "personas",
            demo.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .args(["--previous", foreign.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(bad.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("no 'format' field") && stderr.contains("persona model"),
        "{stderr}"
    );
}
