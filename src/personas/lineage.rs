//! Following personas from last year's model: which continue, split, merge, are new or vanish,
//! and how their spread over the wijken drifted.
//!
//! This year's residents are encoded with LAST year's encoding (its scaling) and placed in last
//! year's personas (nearest old centre). The contingency table old x new persona then says where
//! each old persona's residents went; an optimal one-to-one matching (Hungarian algorithm) on the
//! distance between old centres and the new personas' means in the old encoding decides which new
//! persona inherits an old id and name. A link between an old and a new persona counts when it
//! carries at least [`LINK_SHARE`] of either side.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::kmeans;
use super::model::PersonaModel;
use crate::error::Result;
use crate::residents::FeatureTable;

/// Share of an old persona's residents (or of a new persona's) that makes a lineage link.
pub const LINK_SHARE: f64 = 0.2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Continued,
    Split,
    Merged,
    New,
    Vanished,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub kind: EventKind,
    /// Previous persona ids involved.
    pub previous: Vec<u32>,
    /// Current persona ids involved.
    pub current: Vec<u32>,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Drift {
    pub persona: u32,
    pub wijkcode: String,
    pub previous_share: Option<f64>,
    pub current_share: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lineage {
    pub previous_reference_date: String,
    pub events: Vec<Event>,
    /// Per old persona id: how its residents (placed with last year's model) spread over the new
    /// ids, as shares.
    pub flows: BTreeMap<u32, BTreeMap<u32, f64>>,
    pub drift: Vec<Drift>,
}

/// Minimum-cost assignment on a square cost matrix (Hungarian algorithm, O(n^3)); returns for
/// every row its column.
///
/// Kept rather than `pathfinding::kuhn_munkres_min`: that one needs integer (`Ord`) costs, so our
/// f64 distances would be scaled and rounded first, and `benches/ecosystem_assign.rs` measured
/// it 1.2-1.4x slower at K = 4..16 (e.g. K = 8: 6.9 µs ours, 8.9 µs pathfinding, same totals on
/// 20,000 random matrices each); docs/ecosystem.md has the table.
pub fn hungarian(cost: &[Vec<f64>]) -> Vec<usize> {
    let n = cost.len();
    let inf = f64::INFINITY;
    let (mut u, mut v) = (vec![0.0; n + 1], vec![0.0; n + 1]);
    let (mut p, mut way) = (vec![0usize; n + 1], vec![0usize; n + 1]);
    for i in 1..=n {
        p[0] = i;
        let mut j0 = 0;
        let mut minv = vec![inf; n + 1];
        let mut used = vec![false; n + 1];
        loop {
            used[j0] = true;
            let i0 = p[j0];
            let mut delta = inf;
            let mut j1 = 0;
            for j in 1..=n {
                if !used[j] {
                    let cur = cost[i0 - 1][j - 1] - u[i0] - v[j];
                    if cur < minv[j] {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if minv[j] < delta {
                        delta = minv[j];
                        j1 = j;
                    }
                }
            }
            for j in 0..=n {
                if used[j] {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
            if p[j0] == 0 {
                break;
            }
        }
        loop {
            let j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }
    let mut out = vec![0; n];
    for j in 1..=n {
        if p[j] > 0 {
            out[p[j] - 1] = j - 1;
        }
    }
    out
}

/// The result of following: the id and inherited name (if any) of every new cluster, and the
/// lineage report (drift is filled in by the caller, which knows the current shares).
pub struct Followed {
    pub ids: Vec<u32>,
    pub names: Vec<Option<String>>,
    pub next_id: u32,
    pub lineage: Lineage,
}

/// Matches the current clusters (`labels`, 0-based, `k` of them) to `prev`'s personas.
pub fn follow(
    prev: &PersonaModel,
    table: &FeatureTable,
    labels: &[u32],
    k: usize,
) -> Result<Followed> {
    let x = prev.encoding.apply(table)?;
    let d = x.cols;
    let old = match &prev.lca {
        Some(f) => f.classify(table)?,
        None => {
            let flat: Vec<f64> = prev.centroids.iter().flatten().copied().collect();
            kmeans::assign(&x, &flat, prev.k)
        }
    };
    let ko = prev.k;
    let mut table_c = vec![vec![0usize; k]; ko];
    let mut sums = vec![vec![0f64; d]; k];
    let mut counts = vec![0usize; k];
    for i in 0..x.rows {
        let (o, c) = (old[i] as usize, labels[i] as usize);
        table_c[o][c] += 1;
        counts[c] += 1;
        for (s, &v) in sums[c].iter_mut().zip(x.row(i)) {
            *s += f64::from(v);
        }
    }
    let means: Vec<Vec<f64>> = sums
        .iter()
        .zip(&counts)
        .map(|(s, &c)| s.iter().map(|v| v / c.max(1) as f64).collect())
        .collect();
    let row_tot: Vec<usize> = table_c.iter().map(|r| r.iter().sum()).collect();
    let col_tot = counts.clone();
    let from_old = |o: usize, c: usize| table_c[o][c] as f64 / row_tot[o].max(1) as f64;
    let into_new = |o: usize, c: usize| table_c[o][c] as f64 / col_tot[c].max(1) as f64;

    // Hungarian on squared centre distances, padded to a square with a large cost.
    let n = ko.max(k);
    let big = 1e12;
    let cost: Vec<Vec<f64>> = (0..n)
        .map(|o| {
            (0..n)
                .map(|c| {
                    if o < ko && c < k {
                        prev.centroids[o]
                            .iter()
                            .zip(&means[c])
                            .map(|(a, b)| (a - b).powi(2))
                            .sum()
                    } else {
                        big
                    }
                })
                .collect()
        })
        .collect();
    let assignment = hungarian(&cost);
    let mut ids = vec![0u32; k];
    let mut names = vec![None; k];
    let mut next_id = prev.next_id;
    let mut inherited = vec![false; k];
    for (o, &c) in assignment.iter().enumerate() {
        if o < ko && c < k && from_old(o, c) >= LINK_SHARE && into_new(o, c) >= LINK_SHARE {
            ids[c] = prev.personas[o].id;
            names[c] = Some(prev.personas[o].name.clone());
            inherited[c] = true;
        }
    }
    for c in 0..k {
        if !inherited[c] {
            ids[c] = next_id;
            next_id += 1;
        }
    }

    let old_id = |o: usize| prev.personas[o].id;
    // A link means a real part (>= LINK_SHARE) of an old persona's residents went to the new one;
    // a new persona carved from small parts of several old ones is new, not a merge.
    let sources: Vec<Vec<usize>> = (0..k)
        .map(|c| (0..ko).filter(|&o| from_old(o, c) >= LINK_SHARE).collect())
        .collect();
    let targets: Vec<Vec<usize>> = (0..ko)
        .map(|o| (0..k).filter(|&c| from_old(o, c) >= LINK_SHARE).collect())
        .collect();
    let mut events = Vec::new();
    for (o, targets_o) in targets.iter().enumerate() {
        if targets_o.len() >= 2 {
            let cur: Vec<u32> = targets_o.iter().map(|&c| ids[c]).collect();
            events.push(Event {
                kind: EventKind::Split,
                previous: vec![old_id(o)],
                current: cur.clone(),
                text: format!(
                    "persona {} ({}) is gesplitst in {:?}",
                    old_id(o),
                    prev.personas[o].name,
                    cur
                ),
            });
        } else if targets_o.is_empty() {
            events.push(Event {
                kind: EventKind::Vanished,
                previous: vec![old_id(o)],
                current: vec![],
                text: format!("persona {} ({}) is verdwenen: geen nieuwe persona neemt {:.0}% of meer van haar inwoners over", old_id(o), prev.personas[o].name, 100.0 * LINK_SHARE),
            });
        }
    }
    for c in 0..k {
        match sources[c].as_slice() {
            [] => events.push(Event {
                kind: EventKind::New,
                previous: vec![],
                current: vec![ids[c]],
                text: format!("persona {} is nieuw", ids[c]),
            }),
            [o] if targets[*o].len() < 2 => events.push(Event {
                kind: EventKind::Continued,
                previous: vec![old_id(*o)],
                current: vec![ids[c]],
                text: format!(
                    "persona {} ({}) loopt door als {} ({:.0}% van haar inwoners)",
                    old_id(*o),
                    prev.personas[*o].name,
                    ids[c],
                    100.0 * from_old(*o, c)
                ),
            }),
            [_] => {} // part of a split, reported above
            many => {
                let prev_ids: Vec<u32> = many.iter().map(|&o| old_id(o)).collect();
                events.push(Event {
                    kind: EventKind::Merged,
                    previous: prev_ids.clone(),
                    current: vec![ids[c]],
                    text: format!("persona's {prev_ids:?} zijn samengegaan in {}", ids[c]),
                });
            }
        }
    }
    events
        .sort_by(|a, b| (a.kind, &a.previous, &a.current).cmp(&(b.kind, &b.previous, &b.current)));
    let flows = (0..ko)
        .map(|o| {
            let m: BTreeMap<u32, f64> = (0..k)
                .filter(|&c| table_c[o][c] > 0)
                .map(|c| (ids[c], from_old(o, c)))
                .collect();
            (old_id(o), m)
        })
        .collect();
    Ok(Followed {
        ids,
        names,
        next_id,
        lineage: Lineage {
            previous_reference_date: prev.reference_date.clone(),
            events,
            flows,
            drift: Vec::new(),
        },
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn hungarian_finds_the_cheapest_matching() {
        let cost = vec![
            vec![4.0, 1.0, 3.0],
            vec![2.0, 0.0, 5.0],
            vec![3.0, 2.0, 2.0],
        ];
        let a = super::hungarian(&cost);
        let total: f64 = a.iter().enumerate().map(|(i, &j)| cost[i][j]).sum();
        assert_eq!(total, 5.0);
    }
}
