//! The one suppression rule of the report: a count of people or rows between 1 and the threshold
//! minus one is never published. Zero is published (it discloses nothing about a person).

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
    fn shares_need_publishable_counts() {
        assert_eq!(share(5, 100, 10), None);
        assert_eq!(share(50, 100, 10), Some(0.5));
        assert_eq!(share(0, 0, 10), None);
        assert_eq!(share(0, 100, 10), Some(0.0));
    }
}
