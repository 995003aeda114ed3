//! From scored candidate pairs to links.
//!
//! Greedy by descending match weight (equivalently, probability): the strongest pair above the
//! threshold is linked first, then the next strongest whose records are still free, and so on.
//! Greedy is not the optimal assignment in theory, but with well-separated weights (a true pair
//! is typically 20+ bits above a false one) the two almost never differ, it is deterministic, and
//! it is O(P log P).
//!
//! Two modes:
//! - one-to-one: each left and each right record is used at most once (two files that each
//!   describe a person once, such as FEBRL4).
//! - many-to-one: each right record links to at most one left record, but a left record may take
//!   several right records. This is the municipal default for `schuldhulp` and `huisbezoeken`:
//!   the register spine holds each resident once, while one resident may have several debt registrations
//!   or home visits over the years; forcing one-to-one would leave their second registration
//!   unlinked or, worse, link it to a look-alike neighbour.

/// Why a right record ended up as it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkStatus {
    Linked,
    /// It had candidates, but none reached the threshold.
    BelowThreshold,
    /// One-to-one only: its candidates above the threshold were all taken by stronger pairs.
    Taken,
    /// Blocking produced no candidate pair for it.
    NoCandidate,
}

impl LinkStatus {
    pub fn code(self) -> &'static str {
        match self {
            LinkStatus::Linked => "linked",
            LinkStatus::BelowThreshold => "below_threshold",
            LinkStatus::Taken => "taken",
            LinkStatus::NoCandidate => "no_candidate",
        }
    }
}

/// The outcome for one right record: the linked pair (or the best candidate, for the record).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assignment {
    pub status: LinkStatus,
    /// Index into the candidate pairs: the link, or else the strongest candidate (if any).
    pub pair: Option<usize>,
}

/// Assigns links. `left`, `right`, `weight` describe the candidate pairs.
pub fn assign(
    n_left: usize,
    n_right: usize,
    left: &[u32],
    right: &[u32],
    weight: &[f64],
    threshold_weight: f64,
    one_to_one: bool,
) -> Vec<Assignment> {
    assert_eq!(left.len(), weight.len(), "one weight per candidate pair");
    if one_to_one {
        assign_one_to_one(n_left, n_right, left, right, weight, threshold_weight)
    } else {
        assign_many_to_one(n_right, left, right, &|p| weight[p], threshold_weight)
    }
}

/// [`assign`] with the weight of pair `p` given by `weight(p)`: many-to-one computes each
/// pair's weight once on the way, so the weights of tens of millions of pairs need not be kept.
pub fn assign_with(
    n_left: usize,
    n_right: usize,
    left: &[u32],
    right: &[u32],
    weight: &(impl Fn(usize) -> f64 + ?Sized),
    threshold_weight: f64,
    one_to_one: bool,
) -> Vec<Assignment> {
    if !one_to_one {
        return assign_many_to_one(n_right, left, right, weight, threshold_weight);
    }
    let weight: Vec<f64> = (0..left.len()).map(weight).collect();
    assign_one_to_one(n_left, n_right, left, right, &weight, threshold_weight)
}

/// One-to-one needs every weight at once: pairs are taken greedily in descending weight.
fn assign_one_to_one(
    n_left: usize,
    n_right: usize,
    left: &[u32],
    right: &[u32],
    weight: &[f64],
    threshold_weight: f64,
) -> Vec<Assignment> {
    let mut order: Vec<usize> = (0..weight.len()).collect();
    // Descending weight; ties broken by right then left row so the result never depends on the
    // order pairs arrived in.
    order.sort_unstable_by(|&a, &b| {
        weight[b]
            .total_cmp(&weight[a])
            .then(right[a].cmp(&right[b]))
            .then(left[a].cmp(&left[b]))
    });
    let mut out = vec![
        Assignment {
            status: LinkStatus::NoCandidate,
            pair: None,
        };
        n_right
    ];
    let mut left_used = vec![false; n_left];
    for &p in &order {
        let (l, r) = (left[p] as usize, right[p] as usize);
        let slot = &mut out[r];
        if slot.status == LinkStatus::Linked {
            continue;
        }
        if slot.pair.is_none() {
            // First (strongest) candidate seen for this right record.
            slot.pair = Some(p);
            slot.status = LinkStatus::BelowThreshold;
        }
        if weight[p] < threshold_weight {
            continue;
        }
        if left_used[l] {
            slot.status = LinkStatus::Taken;
            continue;
        }
        slot.status = LinkStatus::Linked;
        slot.pair = Some(p);
        left_used[l] = true;
    }
    out
}

/// Many-to-one needs no global order: no left record is ever used up, so each right record
/// links to its strongest candidate (ties to the lower left row, as the greedy order would have
/// it) when that one reaches the threshold. One linear pass instead of sorting every pair.
fn assign_many_to_one(
    n_right: usize,
    left: &[u32],
    right: &[u32],
    weight: &(impl Fn(usize) -> f64 + ?Sized),
    threshold_weight: f64,
) -> Vec<Assignment> {
    // The best pair per right record with its weight, so each pair's weight is computed once.
    let mut best: Vec<Option<(usize, f64)>> = vec![None; n_right];
    for p in 0..left.len() {
        let w = weight(p);
        let slot = &mut best[right[p] as usize];
        let stronger = match *slot {
            None => true,
            Some((q, wq)) => w.total_cmp(&wq).then(left[q].cmp(&left[p])).is_gt(),
        };
        if stronger {
            *slot = Some((p, w));
        }
    }
    best.into_iter()
        .map(|pair| Assignment {
            status: match pair {
                None => LinkStatus::NoCandidate,
                Some((_, w)) if w >= threshold_weight => LinkStatus::Linked,
                Some(_) => LinkStatus::BelowThreshold,
            },
            pair: pair.map(|(p, _)| p),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The linear many-to-one pass must pick what the greedy order picks, ties included.
    #[test]
    fn many_to_one_agrees_with_the_greedy_order() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for _ in 0..200 {
            let n = rng.random_range(0..40);
            let left: Vec<u32> = (0..n).map(|_| rng.random_range(0..6)).collect();
            let right: Vec<u32> = (0..n).map(|_| rng.random_range(0..8)).collect();
            // Few distinct weights, so ties happen.
            let weight: Vec<f64> = (0..n).map(|_| rng.random_range(0..5) as f64).collect();
            let fast = assign(6, 8, &left, &right, &weight, 2.0, false);
            let greedy = greedy_many_to_one(8, &left, &right, &weight, 2.0);
            assert_eq!(fast, greedy);
        }
    }

    /// The sorted greedy pass, kept as the reference for the linear one.
    fn greedy_many_to_one(
        n_right: usize,
        left: &[u32],
        right: &[u32],
        weight: &[f64],
        threshold: f64,
    ) -> Vec<Assignment> {
        let mut order: Vec<usize> = (0..weight.len()).collect();
        order.sort_by(|&a, &b| {
            weight[b]
                .total_cmp(&weight[a])
                .then(right[a].cmp(&right[b]))
                .then(left[a].cmp(&left[b]))
        });
        let mut out = vec![
            Assignment {
                status: LinkStatus::NoCandidate,
                pair: None,
            };
            n_right
        ];
        for p in order {
            let slot = &mut out[right[p] as usize];
            if slot.status == LinkStatus::Linked {
                continue;
            }
            if slot.pair.is_none() {
                slot.pair = Some(p);
                slot.status = LinkStatus::BelowThreshold;
            }
            if weight[p] >= threshold {
                slot.status = LinkStatus::Linked;
                slot.pair = Some(p);
            }
        }
        out
    }

    #[test]
    fn one_to_one_gives_the_contested_left_to_the_stronger_pair() {
        // Right 0 and right 1 both want left 0; right 1 is stronger. Right 0 falls back to left 1.
        let left = [0, 0, 1];
        let right = [0, 1, 0];
        let weight = [10.0, 20.0, 5.0];
        let a = assign(2, 2, &left, &right, &weight, 0.0, true);
        assert_eq!(a[1].status, LinkStatus::Linked);
        assert_eq!(a[1].pair, Some(1));
        assert_eq!(a[0].status, LinkStatus::Linked);
        assert_eq!(a[0].pair, Some(2));
    }
}
