//! Shared helpers for the report tests: the demo study through the whole main job, and the raw
//! BSNs of its input files.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use loneliness::report::{self, ReportData};

pub fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/demo")
}

pub fn truth_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/demo-truth")
}

/// The demo study through the whole main job (`pipeline::run`, as `loneliness run` does it),
/// once per test binary: the report data and the output folder holding `report.html`.
pub fn demo_run() -> &'static (ReportData, PathBuf) {
    static RUN: std::sync::OnceLock<(ReportData, PathBuf)> = std::sync::OnceLock::new();
    RUN.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("report-demo-run-{}", std::process::id()));
        let options = loneliness::pipeline::RunOptions {
            study_dir: demo(),
            out_dir: out.clone(),
            seed: 7,
            ..Default::default()
        }
        .check()
        .unwrap();
        let outcome =
            loneliness::pipeline::run(&options, &loneliness::pipeline::Progress::quiet()).unwrap();
        (outcome.report, out)
    })
}

/// The report data of the demo run.
pub fn demo_report() -> ReportData {
    demo_run().0.clone()
}

/// The `report.html` that the demo run wrote.
pub fn demo_report_file() -> PathBuf {
    demo_run().1.join(report::FILE_NAME)
}

/// Every raw BSN of the demo's input files (any file with a `bsn` column).
pub fn demo_bsns() -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(demo()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "csv") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let mut lines = text.lines();
        let Some(header) = lines.next() else { continue };
        let header = header.trim_start_matches('\u{feff}');
        let sep = if header.contains(';') { ';' } else { ',' };
        let Some(col) = header
            .split(sep)
            .position(|c| c.trim().eq_ignore_ascii_case("bsn"))
        else {
            continue;
        };
        for line in lines {
            if let Some(v) = line.split(sep).nth(col) {
                let v = v.trim().trim_matches('"');
                if v.len() >= 8 && v.bytes().all(|b| b.is_ascii_digit()) {
                    out.push(v.to_string());
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}
