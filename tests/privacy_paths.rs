//! Issue 15, cases 6 and 11: outputs never land in the study folder, however --out is spelled
//! (a symlink, `..`), and `study.toml` cannot point ingest outside the study folder. These checks
//! run before any file is read, so a folder with a marker file stands in for a study.
use std::path::Path;
use std::process::Command;

fn run(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_loneliness"))
        .args(args)
        .output()
        .unwrap()
}

fn study(dir: &Path) -> std::path::PathBuf {
    let s = dir.join("study");
    std::fs::create_dir_all(&s).unwrap();
    std::fs::write(s.join("brp.csv"), "marker").unwrap();
    s
}

fn refused(out: &std::process::Output) -> String {
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    String::from_utf8_lossy(&out.stderr).to_string()
}

#[test]
fn out_through_a_symlink_or_dotdot_to_the_study_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = study(dir.path());
    let link = dir.path().join("looks-like-another-folder");
    std::os::unix::fs::symlink(&s, &link).unwrap();
    let dotdot = s.join("sub").join("..");
    let inside = s.join("out");
    for out in [&link, &dotdot, &inside, &s] {
        for cmd in ["run", "personas", "risk"] {
            let o = run(&[
                cmd.as_ref(),
                s.as_os_str(),
                "--out".as_ref(),
                out.as_os_str(),
            ]);
            let msg = refused(&o);
            assert!(msg.contains("study folder"), "{cmd} {out:?}: {msg}");
        }
    }
    // Nothing was written into the study folder.
    let names: Vec<_> = std::fs::read_dir(&s)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("brp.csv")]);
    assert_eq!(
        std::fs::read_to_string(s.join("brp.csv")).unwrap(),
        "marker"
    );
}

#[test]
fn an_out_folder_beside_the_study_is_fine_to_check() {
    let dir = tempfile::tempdir().unwrap();
    let s = study(dir.path());
    assert!(loneliness::pipeline::check_out_dir(&s, &dir.path().join("out")).is_ok());
    assert!(loneliness::pipeline::check_out_dir(&s, &s.join("..").join("out2")).is_ok());
    assert!(loneliness::pipeline::check_out_dir(&s, &s.join("x").join("..").join("..")).is_ok());
    assert!(loneliness::pipeline::check_out_dir(&s, &s.join("new").join("..")).is_err());
}

#[test]
fn study_toml_files_must_stay_inside_the_study_folder() {
    for bad in ["../brp.csv", "/etc/passwd", "sub/../../brp.csv"] {
        let dir = tempfile::tempdir().unwrap();
        let s = study(dir.path());
        std::fs::write(s.join("study.toml"), format!("[files]\nbrp = \"{bad}\"\n")).unwrap();
        let out = dir.path().join("out");
        let o = run(&[
            "run".as_ref(),
            s.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ]);
        let msg = refused(&o);
        assert!(msg.contains("inside the study folder"), "{bad}: {msg}");
        assert!(
            !msg.contains("passwd"),
            "the message does not echo the path: {msg}"
        );
    }
}
