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

use crate::contract::records::Offer;
use crate::error::Result;
use crate::personas::PersonaRun;
use crate::residents::Frame;

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
    /// The residents (feature table) and their areas.
    pub frame: &'a Frame,
    pub offers: &'a [Offer],
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
    let table = &input.frame.table;
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
        crate::bail!(Data: "the predicted loneliness probability of row {} is not a number in 0..1", i + 1);
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
    for b in &input.frame.areas.buurten {
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
    // Rank the published gaps by severity, then the thin cells by severity (a thin cell has an
    // offer, a gap has none); ties by wijk, persona.
    let mut order: Vec<usize> = (0..out.len())
        .filter(|&i| out[i].status != Status::Covered && !out[i].suppressed)
        .collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&out[a], &out[b]);
        y.status
            .cmp(&x.status)
            .then_with(|| y.severity.total_cmp(&x.severity))
            .then_with(|| (&x.wijkcode, x.persona).cmp(&(&y.wijkcode, y.persona)))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::records::{Area, Buurt};
    use crate::contract::vocab::{Doelgroep, Element, Kosten};
    use crate::residents::{FeatureTable, Survey};

    fn frame(t: FeatureTable) -> Frame {
        let date = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        Frame::new(t, &gebieden(), Survey::default(), date)
    }

    /// Two wijken; persona 1 (old, 30 in WK1 and 5 in WK2), persona 2 (young, 20 in WK1).
    fn table() -> (FeatureTable, Vec<u32>, Vec<f64>) {
        let features = FeatureTable::layout();
        let cols = features.len();
        let age = features.iter().position(|f| f.name == "age").unwrap();
        let income = features
            .iter()
            .position(|f| f.name == "income_percentile")
            .unwrap();
        let mut values = Vec::new();
        let mut wijk = Vec::new();
        let mut labels = Vec::new();
        let mut p = Vec::new();
        let mut add = |w: u32, persona: u32, a: f64, prob: f64| {
            let mut row = vec![0.0; cols];
            row[age] = a;
            row[income] = 50.0;
            values.extend(row);
            wijk.push(w);
            labels.push(persona);
            p.push(prob);
        };
        for i in 0..30 {
            add(0, 1, 70.0 + (i % 10) as f64, 0.5);
        }
        for i in 0..5 {
            add(1, 1, 75.0 + i as f64, 0.5);
        }
        for i in 0..20 {
            add(0, 2, 20.0 + (i % 5) as f64, 0.4);
        }
        let n = labels.len();
        (
            FeatureTable {
                pseudo_ids: (0..n).map(|i| format!("{i:064x}")).collect(),
                wijk,
                wijken: vec!["WK000001".into(), "WK000002".into()],
                household: (0..n as u32).collect(),
                features,
                values,
            },
            labels,
            p,
        )
    }

    fn gebieden() -> Vec<Buurt> {
        ["WK000001", "WK000002"]
            .iter()
            .enumerate()
            .map(|(i, w)| Buurt {
                buurtcode: format!("BU0000{:02}01", i + 1),
                buurtnaam: None,
                wijkcode: w.to_string(),
                wijknaam: None,
                row: i as u32 + 1,
                extra: vec![],
            })
            .collect()
    }

    fn older_offer(id: &str, capacity: u32) -> Offer {
        let mut o = fit::tests::offer();
        o.aanbod_id = id.into();
        o.doelgroepen = vec![Doelgroep::Ouderen];
        o.talen = vec!["nl".into()];
        o.leeftijd_min = Some(65);
        o.leeftijd_max = Some(100);
        o.elementen = vec![Element::Ontmoeten];
        o.kosten = Some(Kosten::Gratis);
        o.gebied = vec![Area::Wijk("WK000001".into())];
        o.capaciteit_per_week = Some(capacity);
        o
    }

    fn run(offers: &[Offer], rules: &NeedRules) -> GapReport {
        let (t, labels, p) = table();
        let personas = [
            PersonaRef {
                id: 1,
                name: "oud".into(),
            },
            PersonaRef {
                id: 2,
                name: "jong".into(),
            },
        ];
        check(&GapInput {
            frame: &frame(t),
            offers,
            personas: &personas,
            persona_of_row: &labels,
            lonely_probability: &p,
            rules,
            suppression_threshold: 10,
        })
        .unwrap()
    }

    #[test]
    fn statuses_capacity_severity_and_near_misses() {
        let rules = NeedRules::defaults().unwrap();
        let offers = [older_offer("A", 10)];
        let r = run(&offers, &rules);
        assert_eq!(r.cells.len(), 3, "cells without residents are not listed");
        let old1 = r.cell("WK000001", 1).unwrap();
        assert_eq!(old1.residents, 30);
        assert!((old1.predicted_lonely - 15.0).abs() < 1e-9);
        assert_eq!(old1.status, Status::Covered);
        assert_eq!(old1.fitting_offers, ["A"]);
        assert!((old1.capacity_share - 10.0).abs() < 1e-9);
        // WK2 has no offer: a gap, with A as the near miss on gebied; suppressed (5 residents).
        let old2 = r.cell("WK000002", 1).unwrap();
        assert_eq!(old2.status, Status::Gap);
        assert!(old2.suppressed && old2.rank.is_none());
        assert_eq!(old2.near_misses.len(), 1);
        assert_eq!(old2.near_misses[0].criterion, Criterion::Gebied);
        // The young persona misses A on age and doelgroep: a gap without near misses.
        let young = r.cell("WK000001", 2).unwrap();
        assert_eq!(young.status, Status::Gap);
        assert!(young.near_misses.is_empty());
        assert!((young.severity - 8.0).abs() < 1e-9);
        assert_eq!(young.rank, Some(1));
        // The thin rule: capacity 0 < 5% of 15 predicted lonely.
        let r = run(&[older_offer("A", 0)], &rules);
        let old1 = r.cell("WK000001", 1).unwrap();
        assert_eq!(old1.status, Status::Thin);
        assert!(old1.status_rule.contains("5%"), "{}", old1.status_rule);
        assert!((old1.severity - 15.0).abs() < 1e-9);
        // Unknown capacity is never thin.
        let mut unknown = older_offer("A", 0);
        unknown.capaciteit_per_week = None;
        assert_eq!(
            run(&[unknown], &rules).cell("WK000001", 1).unwrap().status,
            Status::Covered
        );
    }

    #[test]
    fn capacity_is_shared_over_the_cells_an_offer_fits() {
        let rules = NeedRules::defaults().unwrap();
        let mut both = older_offer("B", 20);
        both.gebied = vec![Area::Wijk("WK000001".into()), Area::Wijk("WK000002".into())];
        let r = run(&[both], &rules);
        // 15 predicted lonely in WK1, 2.5 in WK2: 20 places split 15:2.5.
        let a = r.cell("WK000001", 1).unwrap().capacity_share;
        let b = r.cell("WK000002", 1).unwrap().capacity_share;
        assert!((a - 20.0 * 15.0 / 17.5).abs() < 1e-9 && (a + b - 20.0).abs() < 1e-9);
        assert_eq!(r.cell("WK000001", 1).unwrap().capacity_per_week, 20);
    }

    #[test]
    fn needs_follow_the_rules() {
        let rules = NeedRules::defaults().unwrap();
        let r = run(&[], &rules);
        let old = &r.needs[0];
        assert!(old.doelgroepen.contains(&Doelgroep::Ouderen));
        assert!(old.age_min >= 70 && old.age_max <= 79, "{old:?}");
        let young = &r.needs[1];
        assert!(young.doelgroepen.contains(&Doelgroep::Jongeren));
        assert_eq!(young.languages, ["nl"]);
        // Rules are configurable: without the young rule the fallback elements apply.
        let text = rules::DEFAULT_TOML.replace(
            "{ feature = \"age\", below = 30 }",
            "{ feature = \"age\", below = 18 }",
        );
        let strict = NeedRules::parse(&text, "test").unwrap();
        let young = &run(&[], &strict).needs[1];
        assert!(young.doelgroepen.is_empty());
        assert_eq!(young.elements, strict.fallback_elements);
    }

    #[test]
    fn mismatched_inputs_are_errors() {
        let rules = NeedRules::defaults().unwrap();
        let (t, labels, p) = table();
        let personas = [PersonaRef {
            id: 1,
            name: "oud".into(),
        }];
        let f = frame(t);
        let input = GapInput {
            frame: &f,
            offers: &[],
            personas: &personas,
            persona_of_row: &labels,
            lonely_probability: &p,
            rules: &rules,
            suppression_threshold: 10,
        };
        assert!(check(&input).unwrap_err().to_string().contains("persona 2"));
        let mut bad = p.clone();
        bad[0] = 1.5;
        let personas = [
            PersonaRef {
                id: 1,
                name: "oud".into(),
            },
            PersonaRef {
                id: 2,
                name: "jong".into(),
            },
        ];
        let input = GapInput {
            personas: &personas,
            lonely_probability: &bad,
            ..input
        };
        assert!(check(&input).is_err());
    }
}
