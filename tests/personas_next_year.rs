//! Following personas into the next year: ids are kept, and the lineage report tells continued
//! personas from splits and merges.

mod personas_common;

use std::path::Path;

use loneliness::personas::lineage::EventKind;
use loneliness::synth::{generate, NoiseRates, Profile, SynthParams};
use personas_common::{assignments, run_study};

fn write_year(dir: &Path, year: i32) {
    let params = SynthParams {
        residents: 20_000,
        seed: 31,
        year,
        profile: Profile::builtin("zoetermeer").unwrap(),
        noise: NoiseRates::default(),
        base_year: Some(2024),
    }
    .check()
    .unwrap();
    let s = generate(&params).unwrap();
    s.write(&dir.join("study"), &dir.join("truth")).unwrap();
}

#[test]
fn next_year_keeps_ids_and_reports_lineage() {
    let (y1, y2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write_year(y1.path(), 2024);
    write_year(y2.path(), 2025);
    let (s1, s2) = (y1.path().join("study"), y2.path().join("study"));

    // Default settings both years: the choice of K finds the 8 planted personas each time.
    let before = run_study(&s1, None, 7, None);
    let after = run_study(&s2, None, 7, Some(&before.run.model));
    assert_eq!(before.run.clustering.k, 8);
    assert_eq!(after.run.clustering.k, 8);
    let (a, b) = (assignments(&before), assignments(&after));
    let both: Vec<&String> = a.keys().filter(|p| b.contains_key(*p)).collect();
    let same = both.iter().filter(|p| a[**p] == b[**p]).count() as f64 / both.len() as f64;
    assert!(same >= 0.9, "{same} of residents kept their persona id");
    let lineage = after.run.lineage.as_ref().unwrap();
    let kinds: Vec<EventKind> = lineage.events.iter().map(|e| e.kind).collect();
    assert!(
        kinds.iter().all(|&k| k == EventKind::Continued),
        "{:#?}",
        lineage.events
    );
    assert_eq!(kinds.len(), 8);
    let mut ids: Vec<u32> = after.run.profiles.iter().map(|p| p.id).collect();
    ids.sort();
    assert_eq!(ids, (1..=8).collect::<Vec<_>>());
    // Names carry over with the ids.
    for p in &after.run.profiles {
        let old = before.run.profiles.iter().find(|o| o.id == p.id).unwrap();
        assert_eq!(old.name, p.name);
    }
    assert!(!lineage.drift.is_empty());

    // Forced: last year had one persona fewer, so this year's extra persona is a split or new.
    let fewer = run_study(&s1, Some(7), 7, None);
    let more_now = run_study(&s2, Some(8), 7, Some(&fewer.run.model));
    let l = more_now.run.lineage.as_ref().unwrap();
    assert!(
        l.events
            .iter()
            .any(|e| matches!(e.kind, EventKind::Split | EventKind::New)),
        "{:#?}",
        l.events
    );
    assert!(
        more_now.run.profiles.iter().any(|p| p.id == 8),
        "a fresh id for the new persona"
    );
    // And the other way: one persona fewer this year is a merge or a vanished persona.
    let fewer_now = run_study(&s2, Some(7), 7, Some(&before.run.model));
    let l = fewer_now.run.lineage.as_ref().unwrap();
    assert!(
        l.events
            .iter()
            .any(|e| matches!(e.kind, EventKind::Merged | EventKind::Vanished)),
        "{:#?}",
        l.events
    );
}
