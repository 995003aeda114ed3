//! `--base-year B --year B+1` with the same seed is the same municipality one year on.

use std::collections::HashMap;

use loneliness::synth::{generate, NoiseRates, Profile, SynthParams, SyntheticStudy};

fn study(year: i32, base_year: Option<i32>) -> SyntheticStudy {
    let params = SynthParams {
        residents: 20_000,
        seed: 31,
        year,
        profile: Profile::builtin("zoetermeer").unwrap(),
        noise: NoiseRates::default(),
        base_year,
    }
    .check()
    .unwrap();
    generate(&params).unwrap()
}

fn residents(s: &SyntheticStudy) -> HashMap<String, HashMap<String, String>> {
    let mut r = csv::Reader::from_reader(&s.truth_files["residents.csv"][..]);
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    r.records()
        .map(|rec| {
            let row: HashMap<String, String> = header
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(str::to_string))
                .collect();
            (row["pseudo_id"].clone(), row)
        })
        .collect()
}

#[test]
fn the_same_people_one_year_later() {
    let now = study(2024, None);
    let explicit = study(2024, Some(2024));
    assert_eq!(
        now.study_files["brp.csv"], explicit.study_files["brp.csv"],
        "base year = year is the default"
    );
    let later = study(2025, Some(2024));
    assert_eq!(
        now.study_files["pseudonym.key"],
        later.study_files["pseudonym.key"]
    );
    let (a, b) = (residents(&now), residents(&later));
    assert_eq!(b.len(), 20_000, "newcomers replace those who died or left");
    let kept: Vec<&String> = a.keys().filter(|p| b.contains_key(*p)).collect();
    let share = kept.len() as f64 / a.len() as f64;
    assert!(
        (0.94..0.99).contains(&share),
        "{share} of residents still there"
    );
    for p in &kept {
        let (x, y) = (&a[*p], &b[*p]);
        let (ax, ay): (u32, u32) = (x["age"].parse().unwrap(), y["age"].parse().unwrap());
        assert_eq!(ay, ax + 1, "everyone is a year older");
    }
    let moved = kept
        .iter()
        .filter(|p| a[**p]["buurtcode"] != b[**p]["buurtcode"])
        .count() as f64
        / kept.len() as f64;
    assert!(moved > 0.01 && moved < 0.10, "{moved} changed buurt");
    let changed_persona = kept
        .iter()
        .filter(|p| a[**p]["persona"] != b[**p]["persona"])
        .count();
    assert!(changed_persona > 0 && (changed_persona as f64) < 0.02 * kept.len() as f64);
    // Prevalence drifts with the population but stays near the calibrated base year.
    let mut r = csv::Reader::from_reader(&later.truth_files["wijken.csv"][..]);
    let h = r.headers().unwrap().clone();
    for rec in r.records() {
        let rec = rec.unwrap();
        let get = |k: &str| {
            rec[h.iter().position(|c| c == k).unwrap()]
                .parse::<f64>()
                .unwrap()
        };
        assert!((get("true_lonely_pct") - get("rivm_lonely_pct")).abs() < 1.5);
    }
}
