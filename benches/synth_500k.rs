//! Generates a 500,000-resident municipality into a temporary folder and prints the wall time.
//! Target: under 20 s on a 2-core machine. Run: `cargo bench --bench synth_500k`
//! (optionally `-- den-haag` for the other profile); measure peak memory with
//! `/usr/bin/time -v target/release/deps/synth_500k-*`.

use std::time::Instant;

use loneliness::synth::{generate, NoiseRates, Profile, SynthParams};

fn main() {
    let profile = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .unwrap_or_else(|| "zoetermeer".into());
    let dir = tempfile::tempdir().expect("temp dir");
    let start = Instant::now();
    let params = SynthParams {
        residents: 500_000,
        seed: 1,
        year: 2024,
        profile: Profile::builtin(&profile).expect("profile"),
        noise: NoiseRates::default(),
        base_year: None,
    }
    .check()
    .expect("parameters");
    let study = generate(&params).expect("generate");
    let generated = start.elapsed();
    study
        .write(&dir.path().join("study"), &dir.path().join("truth"))
        .expect("write");
    let total = start.elapsed();
    let bytes: usize = study
        .study_files
        .values()
        .chain(study.truth_files.values())
        .map(Vec::len)
        .sum();
    println!(
        "synth_500k[{profile}]: {} residents, {} BRP rows, {:.1} MB written; generate {:.2} s, total {:.2} s (threads: {})",
        study.summary.residents,
        study.summary.brp_rows,
        bytes as f64 / 1e6,
        generated.as_secs_f64(),
        total.as_secs_f64(),
        rayon::current_num_threads()
    );
}
