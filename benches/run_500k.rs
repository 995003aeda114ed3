//! The whole main job on a 500,000-resident synthetic study: `loneliness run STUDY --out OUT` as a
//! separate process, its wall time and its peak memory (maximum resident set size of the child).
//!
//! `cargo bench --bench run_500k [-- --residents N] [-- --profile den-haag] [-- --runs R]`
//! Target (issue #8): under 60 s and under 2 GB peak on this 2-core machine.

use std::process::Command;
use std::time::Instant;

mod common;
use common::arg;

/// Peak resident set size of all waited-for children so far, in MB (Linux reports KB).
fn children_peak_mb() -> f64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given; RUSAGE_CHILDREN is always valid.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr());
        usage.assume_init()
    };
    usage.ru_maxrss as f64 / 1024.0
}

fn main() {
    let residents: usize = arg("--residents")
        .map(|s| s.parse().expect("--residents N"))
        .unwrap_or(500_000);
    let runs: usize = arg("--runs")
        .map(|s| s.parse().expect("--runs R"))
        .unwrap_or(1);
    let profile = arg("--profile").unwrap_or_else(|| "zoetermeer".into());
    let dir = tempfile::tempdir().expect("temp dir");
    let (study_dir, _) = common::generate_study(dir.path(), residents, &profile, 11);

    let mut walls = Vec::new();
    for r in 0..runs {
        let out = dir.path().join(format!("out{r}"));
        let t = Instant::now();
        let output = Command::new(env!("CARGO_BIN_EXE_loneliness"))
            .arg("run")
            .arg(&study_dir)
            .arg("--out")
            .arg(&out)
            .output()
            .expect("start loneliness run");
        let wall = t.elapsed().as_secs_f64();
        assert!(
            output.status.success(),
            "loneliness run failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        if r == 0 {
            print!("{}", String::from_utf8_lossy(&output.stdout));
        }
        walls.push(wall);
    }
    walls.sort_by(f64::total_cmp);
    println!(
        "loneliness run: wall min {:.1} s, median {:.1} s, max {:.1} s over {runs} run(s); peak memory {:.0} MB (targets: < 60 s, < 2048 MB)",
        walls[0],
        walls[walls.len() / 2],
        walls[walls.len() - 1],
        children_peak_mb()
    );
}
