//! Writing the persona outputs: `personas.json`, `persona_districts.csv` (suppressed) and, only on
//! request, `residents.csv`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::lineage::Lineage;
use super::profile::Profile;
use super::select::Candidate;
use super::tree::DecisionTree;
use super::PersonaRun;
use crate::contract::round6;
use crate::contract::suppress::publish;
use crate::error::Result;
use crate::residents::FeatureTable;

/// Residents per (wijk index, persona position) and per wijk.
pub fn district_counts(
    table: &FeatureTable,
    labels: &[u32],
    k: usize,
) -> (Vec<Vec<usize>>, Vec<usize>) {
    let mut cells = vec![vec![0usize; k]; table.wijken.len()];
    let mut totals = vec![0usize; table.wijken.len()];
    for (i, &l) in labels.iter().enumerate() {
        let w = table.wijk[i] as usize;
        cells[w][l as usize] += 1;
        totals[w] += 1;
    }
    (cells, totals)
}

/// Persona id -> wijkcode -> share (None when the cell is below the threshold).
pub fn district_shares(
    table: &FeatureTable,
    labels: &[u32],
    ids: &[u32],
    threshold: u32,
) -> BTreeMap<u32, BTreeMap<String, Option<f64>>> {
    let (cells, totals) = district_counts(table, labels, ids.len());
    let mut out: BTreeMap<u32, BTreeMap<String, Option<f64>>> = BTreeMap::new();
    for (w, code) in table.wijken.iter().enumerate() {
        if totals[w] == 0 {
            continue;
        }
        for (c, &id) in ids.iter().enumerate() {
            let n = cells[w][c];
            let share = (n >= threshold as usize).then(|| round6(n as f64 / totals[w] as f64));
            out.entry(id).or_default().insert(code.clone(), share);
        }
    }
    out
}

/// `wijkcode,persona,residents,share`, sorted by wijkcode then persona id; cells below the
/// threshold have empty residents and share.
pub fn districts_csv(table: &FeatureTable, labels: &[u32], ids: &[u32], threshold: u32) -> Vec<u8> {
    let (cells, totals) = district_counts(table, labels, ids.len());
    let mut order: Vec<usize> = (0..ids.len()).collect();
    order.sort_by_key(|&c| ids[c]);
    let mut out = Vec::new();
    writeln!(out, "wijkcode,persona,residents,share").expect("memory");
    for (w, code) in table.wijken.iter().enumerate() {
        if totals[w] == 0 {
            continue;
        }
        for &c in &order {
            let n = cells[w][c];
            if n >= threshold as usize {
                writeln!(
                    out,
                    "{code},{},{n},{:.4}",
                    ids[c],
                    n as f64 / totals[w] as f64
                )
                .expect("memory");
            } else {
                writeln!(out, "{code},{},,", ids[c]).expect("memory");
            }
        }
    }
    out
}

/// A persona as published in `personas.json`: the profile with its counts suppressed. A persona
/// with fewer residents than the threshold keeps only its id and name; its size, share, mean age,
/// traits and description would describe those few people.
#[derive(Serialize)]
struct PublishedProfile<'a> {
    id: u32,
    name: &'a str,
    description: &'a str,
    residents: Option<usize>,
    share: Option<f64>,
    mean_age: Option<f64>,
    distinguishing_traits: &'a [super::profile::Trait],
    loneliness: PublishedLoneliness,
}

#[derive(Serialize)]
struct PublishedLoneliness {
    respondents: Option<u64>,
    lonely_pct: Option<f64>,
}

impl<'a> PublishedProfile<'a> {
    fn new(p: &'a Profile, threshold: u32) -> Self {
        let shown = p.residents >= threshold as usize;
        PublishedProfile {
            id: p.id,
            name: &p.name,
            description: if shown {
                &p.description
            } else {
                "Te weinig inwoners om deze persona te beschrijven zonder hen herkenbaar te maken."
            },
            residents: shown.then_some(p.residents),
            share: shown.then_some(p.share),
            mean_age: shown.then_some(p.mean_age),
            distinguishing_traits: if shown { &p.distinguishing_traits } else { &[] },
            loneliness: PublishedLoneliness {
                respondents: publish(p.loneliness.respondents as u64, threshold),
                lonely_pct: p.loneliness.lonely_pct.filter(|_| shown),
            },
        }
    }
}

#[derive(Serialize)]
struct PersonasJson<'a> {
    format: &'static str,
    reference_date: String,
    residents: usize,
    seed: u64,
    k: usize,
    k_chosen_by: &'static str,
    selection: &'a [Candidate],
    suppression_threshold: u32,
    personas: Vec<PublishedProfile<'a>>,
    beslisboom: &'a DecisionTree,
    #[serde(skip_serializing_if = "Option::is_none")]
    lineage: Option<&'a Lineage>,
    model_fingerprint: &'a str,
}

/// Writes `personas.json`, `persona_districts.csv` and (when asked) `residents.csv` into `out`.
pub fn write(
    run: &PersonaRun,
    table: &FeatureTable,
    out: &Path,
    export_residents: bool,
) -> Result<()> {
    crate::io::ensure_dir(out)?;
    let json = PersonasJson {
        format: "loneliness-personas-report",
        reference_date: run.model.reference_date.clone(),
        residents: table.rows(),
        seed: run.model.seed,
        k: run.model.k,
        k_chosen_by: if run.clustering.candidates.is_empty() {
            "given (--personas)"
        } else {
            "inertia elbow (gain >= 9%) among stable K (half-sample ARI >= 0.90)"
        },
        selection: &run.clustering.candidates,
        suppression_threshold: run.threshold,
        personas: run
            .profiles
            .iter()
            .map(|p| PublishedProfile::new(p, run.threshold))
            .collect(),
        beslisboom: &run.tree,
        lineage: run.lineage.as_ref(),
        model_fingerprint: &run.model.training_fingerprint,
    };
    let bytes = serde_json::to_vec_pretty(&json).expect("the report serialises");
    crate::io::write_atomic(&out.join("personas.json"), &bytes)?;
    crate::io::write_atomic(
        &out.join("persona_districts.csv"),
        &districts_csv(table, &run.clustering.labels, &run.ids, run.threshold),
    )?;
    let residents = out.join("residents.csv");
    if export_residents {
        let mut csv = Vec::with_capacity(table.rows() * 90);
        writeln!(csv, "pseudo_id,wijkcode,persona").expect("memory");
        for i in 0..table.rows() {
            writeln!(
                csv,
                "{},{},{}",
                table.pseudo_ids[i],
                table.wijken[table.wijk[i] as usize],
                run.ids[run.clustering.labels[i] as usize]
            )
            .expect("memory");
        }
        crate::io::write_atomic(&residents, &csv)?;
    } else if residents.exists() {
        // A stale resident-level file from an earlier run must not survive a run without the flag.
        std::fs::remove_file(&residents).map_err(|e| crate::error::Error::io(&residents, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::personas::profile::Loneliness;

    fn profile(residents: usize, respondents: usize) -> Profile {
        Profile {
            id: 3,
            name: "Alleenwonende ouderen".into(),
            description: "Een beschrijving met 42% van iets.".into(),
            residents,
            share: 0.01,
            mean_age: 81.0,
            distinguishing_traits: vec![],
            loneliness: Loneliness {
                respondents,
                lonely_pct: Some(40.0),
            },
        }
    }

    fn json(p: &Profile) -> serde_json::Value {
        serde_json::to_value(PublishedProfile::new(p, 10)).unwrap()
    }

    #[test]
    fn small_counts_in_personas_json_are_null() {
        let big = json(&profile(500, 4));
        assert_eq!(big["residents"], 500);
        assert!(big["loneliness"]["respondents"].is_null());
        assert_eq!(json(&profile(500, 0))["loneliness"]["respondents"], 0);
        assert_eq!(json(&profile(500, 10))["loneliness"]["respondents"], 10);

        let tiny = json(&profile(9, 9));
        for field in ["residents", "share", "mean_age"] {
            assert!(tiny[field].is_null(), "{field}");
        }
        assert!(tiny["loneliness"]["respondents"].is_null());
        assert!(tiny["loneliness"]["lonely_pct"].is_null());
        assert!(!tiny["description"].as_str().unwrap().contains("42%"));
        assert_eq!(tiny["name"], "Alleenwonende ouderen");
    }
}
