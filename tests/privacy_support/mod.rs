//! Shared by the `privacy_*` tests: one small synthetic study per test binary (not the demo), copied
//! into a fresh folder for each hostile edit, and the command line run on it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub const BIN: &str = env!("CARGO_BIN_EXE_loneliness");

/// A generated study that lives as long as the test binary.
pub struct Base {
    _dir: tempfile::TempDir,
    pub study: PathBuf,
}

/// Generates a study of `residents` with `seed` (synth's own command).
pub fn generate(residents: usize, seed: u64) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let study = dir.path().join("study");
    let out = Command::new(BIN)
        .args(["synth", "--out"])
        .arg(&study)
        .arg("--truth")
        .arg(dir.path().join("truth"))
        .args([
            "--residents",
            &residents.to_string(),
            "--seed",
            &seed.to_string(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (dir, study)
}

/// The study shared by the tests of one binary: 3,000 residents, seed 4242 (the demo is 20,000, seed 1).
pub fn base() -> &'static Base {
    static BASE: OnceLock<Base> = OnceLock::new();
    BASE.get_or_init(|| {
        let (dir, study) = generate(3000, 4242);
        Base { _dir: dir, study }
    })
}

/// A private copy of the shared study to spoil.
pub struct Copy {
    pub dir: tempfile::TempDir,
    pub study: PathBuf,
    pub out: PathBuf,
}

pub fn copy() -> Copy {
    let dir = tempfile::tempdir().unwrap();
    let study = dir.path().join("study");
    std::fs::create_dir_all(&study).unwrap();
    for e in std::fs::read_dir(&base().study).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, study.join(p.file_name().unwrap())).unwrap();
    }
    let out = dir.path().join("out");
    Copy { dir, study, out }
}

impl Copy {
    /// Renames wijken in `gebieden.csv` (unquoted four-column rows): `name(first, old)` gets
    /// whether the row's wijk is the file's first wijk and its current name, and returns the new
    /// name field (written as is, so it may be a quoted CSV field) or `None` to keep it.
    pub fn rename_wijken(&self, name: impl Fn(bool, &str) -> Option<String>) {
        let text = self.read("gebieden.csv");
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let first = lines[1].split(',').nth(2).unwrap().to_string();
        for line in lines.iter_mut().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            if let Some(new) = name(f[2] == first, f[3]) {
                *line = format!("{},{},{},{new}", f[0], f[1], f[2]);
            }
        }
        self.write("gebieden.csv", &(lines.join("\n") + "\n"));
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.study.join(name)
    }
    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap()
    }
    pub fn write(&self, name: &str, text: &str) {
        std::fs::write(self.path(name), text).unwrap();
    }
    /// Replaces the value of `column` in data row `row` (1-based) of a `,` file.
    pub fn set(&self, name: &str, row: usize, column: &str, value: &str) {
        let text = self.read(name);
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let header: Vec<&str> = lines[0].split(',').collect();
        let i = header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(column))
            .unwrap_or_else(|| panic!("{name} has no column {column}"));
        let mut fields: Vec<String> = lines[row].split(',').map(str::to_string).collect();
        fields[i] = value.to_string();
        lines[row] = fields.join(",");
        self.write(name, &(lines.join("\n") + "\n"));
    }
    pub fn cell(&self, name: &str, row: usize, column: &str) -> String {
        let text = self.read(name);
        let lines: Vec<&str> = text.lines().collect();
        let i = lines[0]
            .split(',')
            .position(|h| h.trim().eq_ignore_ascii_case(column))
            .unwrap();
        lines[row].split(',').nth(i).unwrap().to_string()
    }
    pub fn run(&self, args: &[&str]) -> Output {
        cli(&[
            &["run"],
            &[
                self.study.to_str().unwrap(),
                "--out",
                self.out.to_str().unwrap(),
            ][..],
            args,
        ]
        .concat())
    }
    pub fn validate(&self, args: &[&str]) -> Output {
        cli(&[&["validate", self.study.to_str().unwrap()][..], args].concat())
    }
    pub fn out_file(&self, name: &str) -> String {
        std::fs::read_to_string(self.out.join(name)).unwrap()
    }
}

pub fn cli(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_remove("LONELINESS_PSEUDONYM_KEY")
        .output()
        .unwrap()
}

pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// A valid BSN (eleven-test) from a number, for planting.
pub fn valid_bsn(seed: u32) -> String {
    let mut n = 100_000_000 + seed * 7919;
    loop {
        let s = format!("{n:09}");
        let d: Vec<u32> = s.bytes().map(|b| u32::from(b - b'0')).collect();
        let sum: i64 = (0..8)
            .map(|i| i64::from(d[i]) * (9 - i as i64))
            .sum::<i64>()
            - i64::from(d[8]);
        if sum % 11 == 0 {
            return s;
        }
        n += 1;
    }
}
