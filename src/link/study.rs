//! Links every resident-level source of an ingested study to the BRP spine.
//!
//! Sources keyed by BSN (`inkomen`, `wmo`, `opvoedondersteuning`) and the GGD survey (keyed by a
//! pseudonym made with the same key) link deterministically on `pseudo_id`. Sources without a BSN
//! (`schuldhulp`, `huisbezoeken`) link probabilistically with the Dutch-person model
//! ([`super::person`]), one model fitted per source, many rows to one resident allowed (a person
//! can register twice, or be visited twice).
//!
//! Results refer to residents by their index in `study.brp.records`, so later stages join on
//! plain indices and never need to touch names again.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::fasthash::FastMap;
use super::person::{PersonFields, PersonRecord, PreparedSpine};
use super::{LinkStatus, Report};
use crate::contract::pseudonym::PseudoId;
use crate::contract::SourceKind;
use crate::error::Result;
use crate::sources::{Resident, Study};

/// How a source reached its residents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkMethod {
    /// Exact join on `pseudo_id`.
    Pseudonym,
    /// Fellegi-Sunter on name, birth date and address.
    Probabilistic,
}

/// The links of one source: for every accepted record (same order as its `Table`), the index of
/// the resident in `study.brp.records`, or `None`.
#[derive(Debug, Clone)]
pub struct SourceLinks {
    pub source: SourceKind,
    pub method: LinkMethod,
    pub resident: Vec<Option<u32>>,
    /// Match probability per record (1 for a pseudonym hit, 0 when unlinked and no candidate).
    pub probability: Vec<f64>,
    /// The fitted model's report (probabilistic sources only).
    pub report: Option<Box<Report>>,
    /// Per linked record the weight each field contributed (probabilistic sources only).
    pub explanations: Vec<Option<Vec<(String, String, f64)>>>,
}

impl SourceLinks {
    pub fn linked(&self) -> usize {
        self.resident.iter().filter(|r| r.is_some()).count()
    }
    /// Share of the source's accepted records linked to a resident (0 for an empty source).
    pub fn link_rate(&self) -> f64 {
        if self.resident.is_empty() {
            0.0
        } else {
            self.linked() as f64 / self.resident.len() as f64
        }
    }
}

/// Every source's links, keyed by source.
#[derive(Debug, Clone, Default)]
pub struct StudyLinks {
    pub sources: BTreeMap<SourceKind, SourceLinks>,
}

impl StudyLinks {
    /// The links of one source, if the study has it.
    pub fn get(&self, source: SourceKind) -> Option<&SourceLinks> {
        self.sources.get(&source)
    }
}

/// Links every resident-level source of `study`. `seed` drives the random pairs used to
/// estimate u probabilities, so the same study and seed give the same links.
pub fn link_study(study: &Study, seed: u64) -> Result<StudyLinks> {
    let mut clock = super::scoring::PhaseClock::new();
    // Only looked up, never iterated: the fast hasher is safe for reproducibility.
    let by_pseudo: FastMap<&str, u32> = study
        .brp
        .iter()
        .enumerate()
        .map(|(i, r)| (r.pseudo_id.as_str(), i as u32))
        .collect();
    let mut links = StudyLinks::default();
    let mut exact = |source: SourceKind, ids: Vec<&str>| {
        let resident: Vec<Option<u32>> = ids.iter().map(|id| by_pseudo.get(id).copied()).collect();
        let probability = resident
            .iter()
            .map(|r| if r.is_some() { 1.0 } else { 0.0 })
            .collect();
        let explanations = vec![None; resident.len()];
        links.sources.insert(
            source,
            SourceLinks {
                source,
                method: LinkMethod::Pseudonym,
                resident,
                probability,
                report: None,
                explanations,
            },
        );
    };
    exact(
        SourceKind::Inkomen,
        study.inkomen.iter().map(|r| r.pseudo_id.as_str()).collect(),
    );
    exact(
        SourceKind::Wmo,
        study.wmo.iter().map(|r| r.pseudo_id.as_str()).collect(),
    );
    exact(
        SourceKind::Opvoedondersteuning,
        study.opvoed.iter().map(|r| r.pseudo_id.as_str()).collect(),
    );
    exact(
        SourceKind::Gezondheidsmonitor,
        study.survey.iter().map(|r| r.pseudo_id.as_str()).collect(),
    );

    clock.lap("study: pseudonym joins");
    let debts: Vec<PersonRecord> = study
        .schuldhulp
        .iter()
        .map(|r| PersonRecord {
            surname: r.geslachtsnaam.clone(),
            voorvoegsel: None,
            first_names: r.voornamen.clone(),
            birth_date: r.geboortedatum,
            postcode: r.postcode.clone(),
            huisnummer: r.huisnummer.map(|n| n.to_string()),
        })
        .collect();
    let visits: Vec<PersonRecord> = study
        .huisbezoeken
        .iter()
        .map(|r| {
            PersonRecord::from_full_name(
                r.naam.as_deref().unwrap_or(""),
                r.geboortedatum,
                r.postcode.clone(),
                r.huisnummer.map(|n| n.to_string()),
            )
        })
        .collect();
    clock.lap("study: source person records");
    // The spine's record table is built once and shared by both sources.
    let spine = if study.brp.is_empty() || (debts.is_empty() && visits.is_empty()) {
        None
    } else {
        let huisnummers: Vec<String> = study.brp.iter().map(spine_huisnummer).collect();
        Some(PreparedSpine::new(
            study
                .brp
                .iter()
                .zip(&huisnummers)
                .map(|(r, h)| spine_fields(r, h)),
        )?)
    };
    clock.lap("study: spine table");
    for (source, records, salt) in [
        (SourceKind::Schuldhulp, debts, 1u64),
        (SourceKind::Huisbezoeken, visits, 2u64),
    ] {
        let Some(spine) = spine.as_ref().filter(|_| !records.is_empty()) else {
            continue;
        };
        let (found, report) = spine.link(&records, seed.wrapping_add(salt))?;
        clock.lap("study: link one source");
        let mut resident = vec![None; records.len()];
        let mut probability = vec![0.0; records.len()];
        let mut explanations = vec![None; records.len()];
        for row in &found.rows {
            probability[row.right_row] = row.match_probability;
            if row.status == LinkStatus::Linked {
                resident[row.right_row] = row.left_row.map(|l| l as u32);
                explanations[row.right_row] = Some(
                    row.contributions
                        .iter()
                        .map(|c| (c.comparison.clone(), c.level.clone(), c.weight))
                        .collect(),
                );
            }
        }
        links.sources.insert(
            source,
            SourceLinks {
                source,
                method: LinkMethod::Probabilistic,
                resident,
                probability,
                report: Some(Box::new(report)),
                explanations,
            },
        );
    }
    Ok(links)
}

/// House number with its addition, as the register spells the address ("12a").
fn spine_huisnummer(r: &Resident) -> String {
    match &r.huisnummertoevoeging {
        Some(t) => format!("{}{}", r.huisnummer, t),
        None => r.huisnummer.to_string(),
    }
}

/// A resident as the linker sees them, borrowed from the register (no name is copied).
fn spine_fields<'a>(r: &'a Resident, huisnummer: &'a str) -> PersonFields<'a> {
    PersonFields {
        surname: Some(&r.geslachtsnaam),
        voorvoegsel: r.voorvoegsel.as_deref(),
        first_names: r.voornamen.as_deref(),
        birth_date: Some(r.geboortedatum),
        postcode: Some(&r.postcode),
        huisnummer: Some(huisnummer),
    }
}

/// Writes `links.csv` (the contract's columns, for the sources linked without a BSN) and
/// `link_report.json` (per source: method, link rate, and for probabilistic sources the fitted
/// m/u table, match weights per level, the weight histogram and a sample of explained links).
/// `pseudo_ids` are the BRP records' pseudonyms in register order (the feature table's), so
/// the BRP records themselves may be gone by then.
pub fn write_outputs(
    study: &Study,
    pseudo_ids: &[PseudoId],
    links: &StudyLinks,
    out_dir: &Path,
) -> Result<()> {
    let mut csv = Vec::new();
    writeln!(csv, "source,row,pseudo_id,match_probability").expect("writing to memory");
    let mut report = BTreeMap::new();
    for (kind, source_links) in &links.sources {
        let rows: Vec<u32> = match kind {
            SourceKind::Schuldhulp => study.schuldhulp.iter().map(|r| r.row).collect(),
            SourceKind::Huisbezoeken => study.huisbezoeken.iter().map(|r| r.row).collect(),
            _ => Vec::new(),
        };
        if source_links.method == LinkMethod::Probabilistic {
            for (i, row) in rows.iter().enumerate() {
                let pseudo = source_links.resident[i]
                    .map(|r| pseudo_ids[r as usize].as_str())
                    .unwrap_or("");
                writeln!(
                    csv,
                    "{},{},{},{:.6}",
                    kind.name(),
                    row,
                    pseudo,
                    source_links.probability[i]
                )
                .expect("writing to memory");
            }
        }
        report.insert(kind.name(), SourceReport::new(source_links, &rows));
    }
    crate::io::write_atomic(&out_dir.join("links.csv"), &csv)?;
    let json = serde_json::to_vec_pretty(&report).expect("link report serialises");
    crate::io::write_atomic(&out_dir.join("link_report.json"), &json)
}

/// How many linked records `link_report.json` explains field by field.
const EXPLAINED_SAMPLE: usize = 20;

#[derive(Serialize)]
struct SourceReport<'a> {
    method: LinkMethod,
    records: usize,
    linked: usize,
    link_rate: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    model: Option<&'a Report>,
    /// Evenly spaced linked rows with the weight of each field: why they matched.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    explained_links: Vec<ExplainedLink>,
}

#[derive(Serialize)]
struct ExplainedLink {
    row: u32,
    match_probability: f64,
    fields: Vec<ExplainedField>,
}

#[derive(Serialize)]
struct ExplainedField {
    comparison: String,
    level: String,
    weight: f64,
}

impl<'a> SourceReport<'a> {
    fn new(links: &'a SourceLinks, rows: &[u32]) -> Self {
        let linked: Vec<usize> = (0..links.resident.len())
            .filter(|&i| links.explanations[i].is_some())
            .collect();
        let step = (linked.len() / EXPLAINED_SAMPLE).max(1);
        let explained_links = linked
            .iter()
            .step_by(step)
            .take(EXPLAINED_SAMPLE)
            .map(|&i| ExplainedLink {
                row: rows[i],
                match_probability: links.probability[i],
                fields: links.explanations[i]
                    .iter()
                    .flatten()
                    .map(|(comparison, level, weight)| ExplainedField {
                        comparison: comparison.clone(),
                        level: level.clone(),
                        weight: *weight,
                    })
                    .collect(),
            })
            .collect();
        SourceReport {
            method: links.method,
            records: links.resident.len(),
            linked: links.linked(),
            link_rate: links.link_rate(),
            model: links.report.as_deref(),
            explained_links,
        }
    }
}
