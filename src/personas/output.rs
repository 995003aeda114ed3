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
use crate::contract::suppress::{suppress_parts, suppress_table, TableMask};
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

/// Persona id -> wijkcode -> share (None when the disclosure rule hides the cell or its wijk total).
pub fn district_shares(
    table: &FeatureTable,
    labels: &[u32],
    ids: &[u32],
    threshold: u32,
) -> BTreeMap<u32, BTreeMap<String, Option<f64>>> {
    let (wijken, order, counts, mask) = district_table(table, labels, ids, threshold);
    let mut out: BTreeMap<u32, BTreeMap<String, Option<f64>>> = BTreeMap::new();
    for (r, &w) in wijken.iter().enumerate() {
        let total: u64 = counts[r].iter().sum();
        if total == 0 {
            continue;
        }
        for (c, &p) in order.iter().enumerate() {
            let n = counts[r][c];
            let share = (mask.cell_shown(r, c) && mask.row_shown(r))
                .then(|| round6(n as f64 / total as f64));
            out.entry(ids[p])
                .or_default()
                .insert(table.wijken[w].clone(), share);
        }
    }
    out
}

/// The wijk x persona table of resident counts in canonical order (wijken by code, personas by
/// id) and its disclosure pattern ([`suppress_table`]): the same counts and pattern as every other
/// file that publishes them or their margins (`districts.csv`, `gaps.csv`, `personas.json`).
pub fn district_table(
    table: &FeatureTable,
    labels: &[u32],
    ids: &[u32],
    threshold: u32,
) -> (Vec<usize>, Vec<usize>, Vec<Vec<u64>>, TableMask) {
    let (cells, _) = district_counts(table, labels, ids.len());
    let mut wijken: Vec<usize> = (0..table.wijken.len()).collect();
    wijken.sort_by(|&a, &b| table.wijken[a].cmp(&table.wijken[b]));
    let mut order: Vec<usize> = (0..ids.len()).collect();
    order.sort_by_key(|&c| ids[c]);
    let counts: Vec<Vec<u64>> = wijken
        .iter()
        .map(|&w| order.iter().map(|&c| cells[w][c] as u64).collect())
        .collect();
    let mask = suppress_table(&counts, threshold);
    (wijken, order, counts, mask)
}

/// `wijkcode,persona,residents,share`, sorted by wijkcode then persona id; cells the disclosure
/// rule hides have empty residents and share, and so has the share of a cell whose wijk total is
/// hidden (count / share would give it back).
pub fn districts_csv(table: &FeatureTable, labels: &[u32], ids: &[u32], threshold: u32) -> Vec<u8> {
    let (wijken, order, counts, mask) = district_table(table, labels, ids, threshold);
    let mut out = Vec::new();
    writeln!(out, "wijkcode,persona,residents,share").expect("memory");
    for (r, &w) in wijken.iter().enumerate() {
        let code = &table.wijken[w];
        let total: u64 = counts[r].iter().sum();
        if total == 0 {
            continue;
        }
        for (c, &p) in order.iter().enumerate() {
            let n = counts[r][c];
            if mask.cell_shown(r, c) {
                let share = if mask.row_shown(r) {
                    format!("{:.4}", n as f64 / total as f64)
                } else {
                    String::new()
                };
                writeln!(out, "{code},{},{n},{share}", ids[p]).expect("memory");
            } else {
                writeln!(out, "{code},{},,", ids[p]).expect("memory");
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
    /// Bootstrap Jaccard (Hennig): >= 0.75 stable, < 0.6 uncertain (hidden, like everything but
    /// id and name, for a persona below the suppression threshold).
    stability: Option<f64>,
    stability_label: Option<&'static str>,
}

#[derive(Serialize)]
struct PublishedLoneliness {
    respondents: Option<u64>,
    lonely_pct: Option<f64>,
}

impl<'a> PublishedProfile<'a> {
    /// `shown`: the persona's size passes the disclosure rule over all persona sizes;
    /// `respondents_shown`: its respondent count passes it over all personas' respondents.
    fn new(p: &'a Profile, shown: bool, respondents_shown: bool) -> Self {
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
                respondents: respondents_shown.then_some(p.loneliness.respondents as u64),
                lonely_pct: p.loneliness.lonely_pct.filter(|_| shown),
            },
            stability: p.stability.filter(|_| shown).map(crate::contract::round6),
            stability_label: p.stability_label().filter(|_| shown),
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
    k_chosen_by: String,
    method: super::Method,
    selection: &'a [Candidate],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    lca_selection: &'a [super::lca::Candidate],
    suppression_threshold: u32,
    personas: Vec<PublishedProfile<'a>>,
    beslisboom: &'a DecisionTree,
    #[serde(skip_serializing_if = "Option::is_none")]
    lineage: Option<&'a Lineage>,
    model_fingerprint: &'a str,
}

/// Which personas' sizes (and everything derived from them) and respondent counts may be
/// published: the disclosure rule over the persona column of the wijk x persona table, and over
/// the respondents per persona (whose total the risk report publishes), in persona id order.
pub fn published_sizes(profiles: &[Profile], threshold: u32) -> (Vec<bool>, Vec<bool>) {
    let mut order: Vec<usize> = (0..profiles.len()).collect();
    order.sort_by_key(|&i| profiles[i].id);
    let sizes: Vec<u64> = order
        .iter()
        .map(|&i| profiles[i].residents as u64)
        .collect();
    let resp: Vec<u64> = order
        .iter()
        .map(|&i| profiles[i].loneliness.respondents as u64)
        .collect();
    let (hs, hr) = (
        suppress_parts(&sizes, threshold),
        suppress_parts(&resp, threshold),
    );
    let mut shown = vec![false; profiles.len()];
    let mut resp_shown = vec![false; profiles.len()];
    for (k, &i) in order.iter().enumerate() {
        shown[i] = !hs[k];
        resp_shown[i] = !hr[k];
    }
    (shown, resp_shown)
}

fn published_profiles(run: &PersonaRun) -> Vec<PublishedProfile<'_>> {
    let (shown, resp) = published_sizes(&run.profiles, run.threshold);
    run.profiles
        .iter()
        .enumerate()
        .map(|(i, p)| PublishedProfile::new(p, shown[i], resp[i]))
        .collect()
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
        k_chosen_by: if !run.clustering.lca_candidates.is_empty() {
            format!(
                "latent class criterion (lowest BIC + {} x ICL's entropy term, on up to {} residents)",
                super::lca::ENTROPY_WEIGHT,
                super::lca::SELECTION_SAMPLE
            )
        } else if run.clustering.candidates.is_empty() {
            "given (--personas)".to_string()
        } else {
            "inertia elbow (gain >= 9%) among stable K (half-sample ARI >= 0.90)".to_string()
        },
        method: run.model.method(),
        selection: &run.clustering.candidates,
        lca_selection: &run.clustering.lca_candidates,
        suppression_threshold: run.threshold,
        personas: published_profiles(run),
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
            stability: Some(0.5),
        }
    }

    fn json(p: &Profile) -> serde_json::Value {
        let shown = p.residents >= 10;
        let resp = p.loneliness.respondents == 0 || p.loneliness.respondents >= 10;
        serde_json::to_value(PublishedProfile::new(p, shown, resp)).unwrap()
    }

    #[test]
    fn small_counts_in_personas_json_are_null() {
        let big = json(&profile(500, 4));
        assert_eq!(big["residents"], 500);
        assert_eq!(big["stability"], 0.5);
        assert_eq!(
            big["stability_label"],
            "onzeker: komt bij herhaald trekken niet steeds terug"
        );
        assert!(big["loneliness"]["respondents"].is_null());
        assert_eq!(json(&profile(500, 0))["loneliness"]["respondents"], 0);
        assert_eq!(json(&profile(500, 10))["loneliness"]["respondents"], 10);

        let tiny = json(&profile(9, 9));
        for field in [
            "residents",
            "share",
            "mean_age",
            "stability",
            "stability_label",
        ] {
            assert!(tiny[field].is_null(), "{field}");
        }
        assert!(tiny["loneliness"]["respondents"].is_null());
        assert!(tiny["loneliness"]["lonely_pct"].is_null());
        assert!(!tiny["description"].as_str().unwrap().contains("42%"));
        assert_eq!(tiny["name"], "Alleenwonende ouderen");
    }
}
