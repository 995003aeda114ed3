//! `datasets/demo` (the study folder the README runs) and `datasets/demo-truth` are exactly what
//! `loneliness synth --out datasets/demo --truth datasets/demo-truth --residents 20000 --seed 2024`
//! writes (default profile zoetermeer, default year 2024). Regenerate them with that command when
//! the generator changes on purpose.

use std::collections::BTreeSet;
use std::path::Path;

use loneliness::synth::{generate, NoiseRates, Profile, SynthParams};

#[test]
fn bundled_demo_matches_the_generator() {
    let params = SynthParams {
        residents: 20_000,
        seed: 2024,
        year: 2024,
        profile: Profile::builtin("zoetermeer").unwrap(),
        noise: NoiseRates::default(),
        base_year: None,
    }
    .check()
    .unwrap();
    let study = generate(&params).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets");
    for (folder, files) in [
        ("demo", &study.study_files),
        ("demo-truth", &study.truth_files),
    ] {
        let dir = root.join(folder);
        let on_disk: BTreeSet<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with('.'))
            .collect();
        let expected: BTreeSet<String> = files.keys().cloned().collect();
        assert_eq!(on_disk, expected, "files in datasets/{folder}");
        for (name, bytes) in files {
            let have = std::fs::read(dir.join(name)).unwrap();
            assert!(
                &have == bytes,
                "datasets/{folder}/{name} is not what the generator writes; regenerate the demo"
            );
        }
    }
}
