//! Offer and gaps: every persona checked against the local offer (the sociale kaart), per wijk.
//!
//! The Hague found gaps by discussing each persona with people in the wijk; this module makes that
//! check automatic, explainable and repeatable, so a workshop starts from the gaps:
//!
//! 1. [`needs`]: each persona's needs (core ages, effective elements, doelgroepen, languages,
//!    costs, accessibility) are derived from its residents with documented, configurable rules
//!    ([`rules`], defaults in `src/offer/needs.toml`);
//! 2. [`fit`]: an offer fits a persona in a wijk when all eight criteria hold;
//! 3. [`check`]: per (wijk, persona) the residents, predicted lonely residents, fitting offers and
//!    their weekly capacity, a status (`covered`, `thin`, `gap`), a severity to rank the gaps and,
//!    for every gap, the near misses (offers failing exactly one criterion);
//! 4. [`whatif`]: proposed offers added or dropped, the check rerun and compared.
//!
//! The check never sees the risk model: it takes the predicted loneliness probability per resident
//! as a plain slice in feature-table row order. Cost: one pass over the residents into per-cell
//! aggregates, then wijken x personas x offers bit tests (docs/gaps.md has the numbers).

pub mod fit;
pub mod needs;
pub mod report;
pub mod rules;
pub mod whatif;

use std::collections::{BTreeMap, BTreeSet};

use crate::error::Result;
use crate::personas::PersonaRun;
use crate::residents::FeatureTable;
use crate::sources::{Buurt, Offer};

pub use fit::{Criterion, Failures};
pub use needs::Needs;
pub use report::{write, Cell, GapReport, NearMiss, Status};
pub use rules::NeedRules;
pub use whatif::{compare, summary, whatif, Change, ChangeKind};

/// A persona as the check needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonaRef {
    pub id: u32,
    pub name: String,
}

/// The personas of a persona run, in id order.
pub fn personas_of(run: &PersonaRun) -> Vec<PersonaRef> {
    let mut v: Vec<PersonaRef> = run
        .profiles
        .iter()
        .map(|p| PersonaRef {
            id: p.id,
            name: p.name.clone(),
        })
        .collect();
    v.sort_by_key(|p| p.id);
    v
}

/// Everything the check reads.
#[derive(Debug, Clone, Copy)]
pub struct GapInput<'a> {
    pub gebieden: &'a [Buurt],
    pub offers: &'a [Offer],
    pub table: &'a FeatureTable,
    pub personas: &'a [PersonaRef],
    /// Persona id per feature-table row (`PersonaRun::resident_ids`).
    pub persona_of_row: &'a [u32],
    /// Predicted probability of loneliness per feature-table row.
    pub lonely_probability: &'a [f64],
    pub rules: &'a NeedRules,
    /// Counts below this are suppressed in published outputs.
    pub suppression_threshold: u32,
}

/// Per-cell sums of the one pass over the residents.
#[derive(Debug, Clone, Copy, Default)]
struct CellSums {
    residents: usize,
    lonely: f64,
}

/// Runs the gap check. Cells are listed for every (wijk, persona) with at least one resident,
/// sorted by wijkcode then persona id.
pub fn check(input: &GapInput<'_>) -> Result<GapReport> {
    let table = input.table;
    let rows = table.rows();
    crate::ensure!(
        input.persona_of_row.len() == rows,
        Data: "the persona labels hold {} rows, the feature table {rows}",
        input.persona_of_row.len()
    );
    crate::ensure!(
        input.lonely_probability.len() == rows,
        Data: "the predicted loneliness probabilities hold {} rows, the feature table {rows}",
        input.lonely_probability.len()
    );
    if let Some(i) = input
        .lonely_probability
        .iter()
        .position(|p| !(p.is_finite() && (0.0..=1.0).contains(p)))
    {
        crate::bail!(Data: "predicted loneliness probability of row {} is {}, expected 0..1", i + 1, input.lonely_probability[i]);
    }
    crate::ensure!(!input.personas.is_empty(), Data: "no personas to check");
    let mut ids: Vec<u32> = input.personas.iter().map(|p| p.id).collect();
    ids.sort_unstable();
    ids.dedup();
    crate::ensure!(ids.len() == input.personas.len(), Data: "persona ids are not unique");
    let max_id = *ids.last().expect("non-empty") as usize;
    let mut position_of_id = vec![usize::MAX; max_id + 1];
    for (pos, p) in input.personas.iter().enumerate() {
        position_of_id[p.id as usize] = pos;
    }
    let mut offer_ids = BTreeSet::new();
    for o in input.offers {
        crate::ensure!(offer_ids.insert(o.aanbod_id.as_str()), Data: "aanbod_id {} occurs twice in the offers", o.aanbod_id);
    }

    // One pass over the residents: per-cell counts and per-persona aggregates.
    let k = input.personas.len();
    let n_wijken = table.wijken.len();
    let mut cells = vec![CellSums::default(); n_wijken * k];
    let mut aggs: Vec<needs::PersonaAggregate> = (0..k)
        .map(|_| needs::PersonaAggregate::new(input.rules))
        .collect();
    for i in 0..rows {
        let id = input.persona_of_row[i] as usize;
        let pos = position_of_id.get(id).copied().unwrap_or(usize::MAX);
        crate::ensure!(pos != usize::MAX, Data: "row {} has persona {id}, which is not among the personas", i + 1);
        let p = input.lonely_probability[i];
        let cell = &mut cells[table.wijk[i] as usize * k + pos];
        cell.residents += 1;
        cell.lonely += p;
        aggs[pos].add(input.rules, table.row(i), p);
    }
    let needs: Vec<Needs> = input
        .personas
        .iter()
        .zip(&aggs)
        .map(|(p, a)| needs::derive(a, input.rules, p.id, &p.name))
        .collect();

    let mut buurten_of: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for b in input.gebieden {
        buurten_of
            .entry(b.wijkcode.as_str())
            .or_default()
            .insert(b.buurtcode.clone());
    }
    let empty = BTreeSet::new();
    // Failures per (persona, offer) without the area, then per cell with it.
    let persona_fail: Vec<Vec<Failures>> = needs
        .iter()
        .map(|n| {
            input
                .offers
                .iter()
                .map(|o| fit::persona_failures(o, n))
                .collect()
        })
        .collect();
    let n_offers = input.offers.len();
    let mut cell_fail = vec![Failures::default(); n_wijken * k * n_offers];
    for (w, code) in table.wijken.iter().enumerate() {
        let buurten = buurten_of.get(code.as_str()).unwrap_or(&empty);
        for (pos, n) in needs.iter().enumerate() {
            let base = (w * k + pos) * n_offers;
            for (j, o) in input.offers.iter().enumerate() {
                cell_fail[base + j] =
                    persona_fail[pos][j].with(Criterion::Gebied, !fit::serves(o, n, code, buurten));
            }
        }
    }
    // Capacity: each offer's weekly places are shared over the cells it fits, in proportion to
    // their predicted lonely residents.
    let mut demand = vec![0.0f64; n_offers];
    for c in 0..n_wijken * k {
        if cells[c].residents == 0 {
            continue;
        }
        for j in 0..n_offers {
            if cell_fail[c * n_offers + j].fits() {
                demand[j] += cells[c].lonely;
            }
        }
    }
    let mut out = Vec::new();
    for (w, code) in table.wijken.iter().enumerate() {
        for (pos, n) in needs.iter().enumerate() {
            let c = w * k + pos;
            let sums = cells[c];
            if sums.residents == 0 {
                continue;
            }
            let fails = &cell_fail[c * n_offers..(c + 1) * n_offers];
            let fitting: Vec<usize> = (0..n_offers).filter(|&j| fails[j].fits()).collect();
            let mut capacity = 0u64;
            let mut share = 0.0;
            let mut unknown = 0usize;
            for &j in &fitting {
                match input.offers[j].capaciteit_per_week {
                    Some(cap) => {
                        capacity += u64::from(cap);
                        if demand[j] > 0.0 {
                            share += f64::from(cap) * sums.lonely / demand[j];
                        } else {
                            // Nobody lonely is predicted in any cell it fits: all of it is free.
                            share += f64::from(cap) / fitting.len().max(1) as f64;
                        }
                    }
                    None => unknown += 1,
                }
            }
            let need = input.rules.thin_below * sums.lonely;
            let (status, rule) = if fitting.is_empty() {
                (Status::Gap, "geen passend aanbod".to_string())
            } else if unknown == 0 && share < need {
                (
                    Status::Thin,
                    format!(
                        "capaciteit {:.1} per week voor deze cel is minder dan {:.0}% van {:.1} \
                         voorspeld eenzamen ({:.1})",
                        share,
                        100.0 * input.rules.thin_below,
                        sums.lonely,
                        need
                    ),
                )
            } else {
                (Status::Covered, String::new())
            };
            let severity = match status {
                Status::Gap => sums.lonely,
                Status::Thin => (sums.lonely - share).max(0.0),
                Status::Covered => 0.0,
            };
            let near_misses = if status == Status::Gap {
                (0..n_offers)
                    .filter(|&j| fails[j].count() == 1)
                    .map(|j| {
                        let o = &input.offers[j];
                        let criterion = fails[j].criteria()[0];
                        NearMiss {
                            aanbod_id: o.aanbod_id.clone(),
                            naam: o.naam.clone(),
                            criterion,
                            explanation_nl: fit::explain(o, n, criterion, code),
                        }
                    })
                    .collect()
            } else {
                Vec::new()
            };
            out.push(Cell {
                wijkcode: code.clone(),
                persona: n.persona,
                persona_name: n.persona_name.clone(),
                residents: sums.residents,
                predicted_lonely: sums.lonely,
                fitting_offers: fitting
                    .iter()
                    .map(|&j| input.offers[j].aanbod_id.clone())
                    .collect(),
                capacity_per_week: capacity,
                capacity_share: share,
                capacity_unknown: unknown,
                status,
                status_rule: rule,
                severity,
                rank: None,
                suppressed: sums.residents < input.suppression_threshold as usize,
                near_misses,
            });
        }
    }
    // Rank gaps and thin cells by severity (published cells only; ties by wijk, persona).
    let mut order: Vec<usize> = (0..out.len())
        .filter(|&i| out[i].status != Status::Covered && !out[i].suppressed)
        .collect();
    order.sort_by(|&a, &b| {
        out[b].severity.total_cmp(&out[a].severity).then_with(|| {
            (&out[a].wijkcode, out[a].persona).cmp(&(&out[b].wijkcode, out[b].persona))
        })
    });
    for (r, &i) in order.iter().enumerate() {
        out[i].rank = Some(r + 1);
    }
    Ok(GapReport {
        wijken: table.wijken.clone(),
        needs,
        cells: out,
        offers_checked: n_offers,
        offers_active: input.offers.iter().filter(|o| fit::is_active(o)).count(),
        rules: input.rules.file.clone(),
        thin_below: input.rules.thin_below,
        suppression_threshold: input.suppression_threshold,
    })
}
