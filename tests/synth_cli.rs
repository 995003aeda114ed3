//! The `loneliness synth` command: one summary line on stdout, both folders written, clear
//! errors with exit code 2 for bad settings, and a profile given as a TOML file.

use std::process::Command;

fn synth(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_loneliness"))
        .arg("synth")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn writes_both_folders_and_prints_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let (study, truth) = (dir.path().join("study"), dir.path().join("truth"));
    let out = synth(&[
        "--out",
        study.to_str().unwrap(),
        "--truth",
        truth.to_str().unwrap(),
        "--residents",
        "3000",
        "--seed",
        "5",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.contains("3000 residents"), "{stdout}");
    for spec in loneliness::contract::files::SOURCES {
        assert!(study.join(spec.file_name).exists(), "{}", spec.file_name);
    }
    assert!(study.join("pseudonym.key").exists());
    for name in [
        "residents.csv",
        "wijken.csv",
        "links.csv",
        "quarantine.csv",
        "personas.json",
        "gaps.csv",
        "survey.csv",
        "manifest.json",
    ] {
        assert!(truth.join(name).exists(), "{name}");
        assert!(
            !study.join(name).exists(),
            "the truth stays out of the study folder"
        );
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(truth.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["residents"], 3000);
    assert_eq!(manifest["reference_date"], "2024-01-01");
}

#[test]
fn a_profile_file_works_like_the_builtin() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mijn-gemeente.toml");
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/datasets/profiles/zoetermeer.toml"
    ))
    .unwrap();
    std::fs::write(
        &file,
        text.replace("name = \"zoetermeer\"", "name = \"mijn-gemeente\""),
    )
    .unwrap();
    let run = |profile: &str, folder: &str| {
        let (s, t) = (
            dir.path().join(folder).join("s"),
            dir.path().join(folder).join("t"),
        );
        let out = synth(&[
            "--out",
            s.to_str().unwrap(),
            "--truth",
            t.to_str().unwrap(),
            "--residents",
            "2000",
            "--profile",
            profile,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::read(s.join("brp.csv")).unwrap()
    };
    assert_eq!(run(file.to_str().unwrap(), "a"), run("zoetermeer", "b"));
}

#[test]
fn bad_settings_exit_with_code_2_and_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let p = |x: &str| dir.path().join(x).to_str().unwrap().to_string();
    let out = synth(&["--out", &p("s"), "--truth", &p("t"), "--residents", "10"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--residents"));
    let out = synth(&[
        "--out",
        &p("s"),
        "--truth",
        &p("t"),
        "--profile",
        "atlantis",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("atlantis"));
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "name = \"x\"\n").unwrap();
    let out = synth(&[
        "--out",
        &p("s"),
        "--truth",
        &p("t"),
        "--profile",
        bad.to_str().unwrap(),
    ]);
    assert_ne!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.toml"));
}

#[test]
fn refuses_a_folder_that_holds_files_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let (study, truth) = (dir.path().join("study"), dir.path().join("truth"));
    std::fs::create_dir_all(&study).unwrap();
    std::fs::write(study.join("brp.csv"), "a real study's register").unwrap();
    std::fs::write(study.join("pseudonym.key"), "the real key").unwrap();
    let args = [
        "--out",
        study.to_str().unwrap(),
        "--truth",
        truth.to_str().unwrap(),
        "--residents",
        "3000",
    ];
    let out = synth(&args);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not empty") && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(study.join("pseudonym.key")).unwrap(),
        "the real key"
    );
    assert!(!truth.exists(), "nothing written on refusal");
    let mut forced = args.to_vec();
    forced.push("--force");
    assert!(synth(&forced).status.success());
    assert_ne!(
        std::fs::read_to_string(study.join("pseudonym.key")).unwrap(),
        "the real key"
    );
}
