//! What several benches share: their command-line values, the 500k study they run on, and the
//! CPU clock. Each bench uses a part of it, hence the `dead_code` allowance.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use loneliness::synth::{generate, NoiseRates, Profile, SynthParams};

/// The value after `--name` on the command line, if given.
pub fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// The study and truth folders of `--study DIR [--truth DIR]`, or, without `--study`, a
/// 500,000-resident municipality (Zoetermeer profile, seed 7, 2024) generated into `tmp`.
/// Without `--truth` the truth folder is `None` for a given study.
pub fn study_500k(tmp: &Path) -> (PathBuf, Option<PathBuf>) {
    if let Some(study) = arg("--study") {
        return (PathBuf::from(study), arg("--truth").map(PathBuf::from));
    }
    let t = Instant::now();
    let params = SynthParams {
        residents: 500_000,
        seed: 7,
        year: 2024,
        profile: Profile::builtin("zoetermeer").unwrap(),
        noise: NoiseRates::default(),
        base_year: None,
    }
    .check()
    .unwrap();
    let (study, truth) = (tmp.join("study"), tmp.join("truth"));
    generate(&params).unwrap().write(&study, &truth).unwrap();
    eprintln!(
        "generated 500,000 residents in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    (study, Some(truth))
}

/// User + system CPU seconds of this process so far, all threads (Linux `/proc/self/stat`, 100
/// ticks/s); independent of other load on a shared machine. 0 elsewhere.
pub fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}
