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
        if one_to_one && left_used[l] {
            slot.status = LinkStatus::Taken;
            continue;
        }
        slot.status = LinkStatus::Linked;
        slot.pair = Some(p);
        left_used[l] = true;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
