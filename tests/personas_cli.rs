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

#[test]
fn the_latent_class_method_is_chosen_on_the_command_line_and_followed_from_its_model() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/demo");
    if !demo.join("brp.csv").exists() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (out, model) = (tmp.path().join("out"), tmp.path().join("m.json"));
    let personas = |extra: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_loneliness"))
            .args([
                "personas",
                demo.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ])
            .args(extra)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&o.stdout).to_string();
        assert!(
            o.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
        stdout
    };
    let first = personas(&[
        "--persona-method",
        "lca",
        "--model-out",
        model.to_str().unwrap(),
    ]);
    assert!(first.contains("latent class model"), "{first}");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("personas.json")).unwrap()).unwrap();
    assert_eq!(json["method"], "lca");
    assert!(json["lca_selection"].as_array().unwrap().len() >= 2);
    // Without --persona-method the saved model's method is followed, and every persona continues.
    let next = personas(&["--previous", model.to_str().unwrap()]);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("personas.json")).unwrap()).unwrap();
    assert_eq!(json["method"], "lca");
    assert!(
        !next.contains("is nieuw") && next.contains("loopt door"),
        "{next}"
    );
    // A method the tool does not know is refused before any work, with the choices.
    let bad = Command::new(env!("CARGO_BIN_EXE_loneliness"))
        .args([
            "personas",
            demo.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .args(["--persona-method", "gmm"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(bad.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("kmeans") && stderr.contains("lca"),
        "{stderr}"
    );
}
