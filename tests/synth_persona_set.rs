//! `synth --persona-set random`: a seeded draw of planted personas, written to the truth, with
//! the household-defined personas planted as households (all adults of a household share it).
use std::collections::{BTreeMap, BTreeSet};

use loneliness::synth::family::{PersonaSet, MENU};
use loneliness::synth::{generate, NoiseRates, Profile, SynthParams};

fn params(seed: u64) -> loneliness::synth::CheckedParams {
    SynthParams {
        residents: 6_000,
        seed,
        year: 2024,
        profile: Profile::builtin("zoetermeer").unwrap(),
        noise: NoiseRates::default(),
        base_year: None,
    }
    .check()
    .unwrap()
    .with_persona_set(PersonaSet::random(seed, 1.0))
    .unwrap()
}

#[test]
fn a_random_set_is_planted_as_drawn_and_reproducible() {
    for seed in [3u64, 8] {
        let p = params(seed);
        let set = p.persona_set.clone().unwrap();
        let study = generate(&p).unwrap();
        assert!(
            generate(&params(seed)).unwrap().truth_files == study.truth_files,
            "not byte-identical"
        );
        let doc: serde_json::Value =
            serde_json::from_slice(&study.truth_files["persona_set.json"]).unwrap();
        assert_eq!(doc["k"], set.personas.len());
        let mut r = csv::Reader::from_reader(&study.truth_files["residents.csv"][..]);
        let mut counts: BTreeMap<u32, usize> = BTreeMap::new();
        for rec in r.records() {
            let rec = rec.unwrap();
            *counts.entry(rec[3].parse().unwrap()).or_default() += 1;
        }
        let ids: BTreeSet<u32> = counts.keys().copied().collect();
        let want: BTreeSet<u32> = set.personas.iter().map(|p| u32::from(p.id)).collect();
        assert_eq!(ids, want, "seed {seed}");
        for p in &set.personas {
            let n = counts[&u32::from(p.id)] as f64 / 6000.0;
            assert!(
                (n - p.share).abs() < 0.005,
                "{}: {n} vs {}",
                p.code,
                p.share
            );
            assert_eq!(
                doc["personas"][usize::from(p.id) - 1]["residents"],
                counts[&u32::from(p.id)]
            );
        }
        assert!(set
            .personas
            .iter()
            .any(|p| MENU[p.template].household_defined));
    }
}

#[test]
fn a_random_set_needs_a_single_year() {
    let p = SynthParams {
        residents: 6_000,
        seed: 1,
        year: 2025,
        profile: Profile::builtin("zoetermeer").unwrap(),
        noise: NoiseRates::default(),
        base_year: Some(2024),
    }
    .check()
    .unwrap();
    let e = p.with_persona_set(PersonaSet::random(1, 1.0)).unwrap_err();
    assert!(e.to_string().contains("--base-year"), "{e}");
}
