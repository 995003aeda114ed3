//! Every output of `loneliness run` is byte-identical whatever the number of threads: the
//! parallel parts (cross-validation, predictions, intervals, factors, the other stages' rayon
//! loops) sum in a fixed order and draw their random numbers from per-task seeds.
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

fn run(out: &Path, threads: &str) {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/demo");
    let output = Command::new(env!("CARGO_BIN_EXE_loneliness"))
        .args(["run", "--quiet", "--seed", "7"])
        .arg(&demo)
        .arg("--out")
        .arg(out)
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
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

#[test]
fn outputs_are_identical_with_one_and_with_three_threads() {
    let one = tempfile::tempdir().unwrap();
    let three = tempfile::tempdir().unwrap();
    run(one.path(), "1");
    run(three.path(), "3");
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
