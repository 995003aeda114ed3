//! What several benches share: their command-line values, the 500k study they run on, a study's
//! feature table and planted personas, and the CPU clock. Each bench uses a part of it, hence the
//! `dead_code` allowance.
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
    let (study, truth) = generate_study(tmp, 500_000, "zoetermeer", 7);
    (study, Some(truth))
}

/// The generator's settings for `residents` adults of a built-in `profile` in 2024, default noise.
pub fn synth_params(
    residents: usize,
    profile: &str,
    seed: u64,
) -> loneliness::synth::CheckedParams {
    SynthParams {
        residents,
        seed,
        year: 2024,
        profile: Profile::builtin(profile).expect("profile"),
        noise: NoiseRates::default(),
        base_year: None,
    }
    .check()
    .expect("parameters")
}

/// Generates a synthetic municipality of `residents` adults (built-in `profile`, `seed`, 2024)
/// into `dir/study` and `dir/truth`, and says how long it took.
pub fn generate_study(
    dir: &Path,
    residents: usize,
    profile: &str,
    seed: u64,
) -> (PathBuf, PathBuf) {
    let t = Instant::now();
    let params = synth_params(residents, profile, seed);
    let (study, truth) = (dir.join("study"), dir.join("truth"));
    generate(&params)
        .expect("generate")
        .write(&study, &truth)
        .expect("write");
    eprintln!(
        "generated {residents} residents ({profile}, seed {seed}) in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    (study, truth)
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

/// A study's feature table: ingest (key from the environment), linkage (seed 7), residents.
pub fn feature_table(study: &Path) -> loneliness::residents::FeatureTable {
    use loneliness::sources::{ingest, StudyConfig};
    let config = StudyConfig::load(study).unwrap();
    let s = ingest(
        study,
        &config,
        &loneliness::contract::pseudonym::KeySource::from_env(),
    )
    .unwrap()
    .study;
    let links = loneliness::link::link_study(&s, 7).unwrap();
    loneliness::residents::build(&s, &links).unwrap()
}

/// The planted persona (1-based) of every pseudonym in a truth `residents.csv`.
pub fn planted_personas(path: &Path) -> std::collections::HashMap<String, u32> {
    let mut r = csv::Reader::from_path(path).expect("truth residents.csv");
    let h = r.headers().unwrap().clone();
    let id = h.iter().position(|c| c == "pseudo_id").unwrap();
    let p = h.iter().position(|c| c == "persona").unwrap();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (rec[id].to_string(), rec[p].parse().unwrap())
        })
        .collect()
}
