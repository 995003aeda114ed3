//! The one suppression rule of every published output (`INPUTS.md`: "counts below the
//! suppression threshold are written as empty cells, never as the small number"): a count of
//! people or rows between 1 and the threshold minus one is never published. Zero is published (it
//! discloses nothing about a person). Every stage that writes a count uses these functions.

/// The count as it may be published: `None` when `1 <= n < threshold`.
pub fn publish(n: u64, threshold: u32) -> Option<u64> {
    (n == 0 || n >= u64::from(threshold)).then_some(n)
}

/// Re-applies [`publish`] to a count that should already have passed it, so a view model filled
/// by hand can still not leak a small count.
pub fn recheck(n: Option<u64>, threshold: u32) -> Option<u64> {
    n.and_then(|n| publish(n, threshold))
}

/// A share `part / whole` that may be published: both counts must pass [`publish`] and the
/// whole must be positive.
pub fn share(part: u64, whole: u64, threshold: u32) -> Option<f64> {
    (whole > 0 && publish(part, threshold).is_some() && publish(whole, threshold).is_some())
        .then(|| part as f64 / whole as f64)
}

/// The parts of a total, as they may be published, with secondary suppression: when the total is
/// shown and exactly one part is suppressed, the total minus the other parts would give that part
/// away, so the smallest other non-zero part is suppressed with it. (A total that is itself
/// suppressed reveals nothing, and two suppressed parts only reveal their sum.)
pub fn publish_parts(parts: &[u64], total_shown: bool, threshold: u32) -> Vec<Option<u64>> {
    let mut out: Vec<Option<u64>> = parts.iter().map(|&n| publish(n, threshold)).collect();
    if total_shown && out.iter().filter(|p| p.is_none()).count() == 1 {
        let second = (0..parts.len())
            .filter(|&i| out[i].is_some() && parts[i] > 0)
            .min_by_key(|&i| (parts[i], i));
        if let Some(i) = second {
            out[i] = None;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_counts_are_suppressed_zero_and_large_are_not() {
        assert_eq!(publish(0, 10), Some(0));
        for n in 1..10 {
            assert_eq!(publish(n, 10), None, "{n}");
        }
        assert_eq!(publish(10, 10), Some(10));
        assert_eq!(publish(12345, 10), Some(12345));
        assert_eq!(publish(4, 5), None);
        assert_eq!(publish(5, 5), Some(5));
        assert_eq!(recheck(Some(3), 10), None);
        assert_eq!(recheck(Some(30), 10), Some(30));
        assert_eq!(recheck(None, 10), None);
    }

    #[test]
    fn a_lone_suppressed_part_takes_the_smallest_other_with_it() {
        // 120 rows read = 116 accepted + 4 quarantined: 4 would be 120 - 116.
        assert_eq!(publish_parts(&[116, 4], true, 10), vec![None, None]);
        // Reasons of 57 quarantined rows: 3 would be 57 - 40 - 14.
        assert_eq!(
            publish_parts(&[40, 3, 14, 0], true, 10),
            vec![Some(40), None, None, Some(0)]
        );
        // Two suppressed parts reveal only their sum; a hidden total reveals nothing.
        assert_eq!(
            publish_parts(&[40, 3, 5], true, 10),
            vec![Some(40), None, None]
        );
        assert_eq!(publish_parts(&[4, 3], false, 10), vec![None, None]);
        assert_eq!(
            publish_parts(&[116, 14], true, 10),
            vec![Some(116), Some(14)]
        );
    }

    #[test]
    fn shares_need_publishable_counts() {
        assert_eq!(share(5, 100, 10), None);
        assert_eq!(share(50, 100, 10), Some(0.5));
        assert_eq!(share(0, 0, 10), None);
        assert_eq!(share(0, 100, 10), Some(0.0));
    }
}
