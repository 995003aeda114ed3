//! The persona model shipped under `models/` is what the current code makes from the demo study:
//! a change to the encoding or the clustering that moves it fails here until the file is rebuilt
//! (`loneliness personas datasets/demo --out OUT --model-out models/demo-2024.json`), so the file
//! a newcomer passes as `--previous` never silently describes an older algorithm.
use std::path::Path;
use std::process::Command;

#[test]
fn the_shipped_demo_model_is_reproduced_byte_for_byte() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().unwrap();
    let model = out.path().join("demo-2024.json");
    let o = Command::new(env!("CARGO_BIN_EXE_loneliness"))
        .arg("personas")
        .arg(root.join("datasets/demo"))
        .arg("--out")
        .arg(out.path())
        .arg("--model-out")
        .arg(&model)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let made = std::fs::read(&model).unwrap();
    let shipped = std::fs::read(root.join("models/demo-2024.json")).unwrap();
    assert!(
        made == shipped,
        "models/demo-2024.json is stale: rebuild it with \
         `loneliness personas datasets/demo --out OUT --model-out models/demo-2024.json`"
    );
}
