//! The fitted model in numbers: what `link_report.json` holds.

use serde::Serialize;

/// m, u and weights of one comparison level.
#[derive(Debug, Clone, Serialize)]
pub struct LevelReport {
    pub level: String,
    pub m: f64,
    pub u: f64,
    /// log2(m/u); 0 for "null".
    pub match_weight: f64,
    /// Candidate pairs at this level.
    pub candidate_pairs: u64,
    /// Random pairs at this level (the u sample).
    pub random_pairs: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ComparisonReport {
    pub name: String,
    pub left_column: String,
    pub right_column: String,
    pub kind: String,
    pub term_frequency: bool,
    pub levels: Vec<LevelReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BlockingReport {
    pub rule: String,
    /// Pairs this rule added (pairs of earlier rules not counted again).
    pub pairs: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PriorReport {
    /// Candidate pairs that agree exactly on every field of a prior rule.
    pub rule_pairs: u64,
    pub recall: f64,
    /// Probability that a random left x right pair is a match.
    pub lambda: f64,
    /// "rules" when set from the deterministic rules, "em" when no rule pair was found and the
    /// EM's in-block share was scaled to all pairs instead.
    pub source: String,
    /// log2(lambda / (1 - lambda)): the starting point of every match weight.
    pub match_weight: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct EmReport {
    /// EM iterations summed over the sessions.
    pub iterations: usize,
    /// Whether every session converged.
    pub converged: bool,
    pub tolerance: f64,
    pub sessions: Vec<EmSessionReport>,
    /// Comparisons no session could estimate: they keep the starting m (a warning sign).
    pub m_defaulted: Vec<String>,
    /// Share of matches among the prediction candidate pairs under the final m and u.
    pub lambda_in_blocks: f64,
}

/// One EM training session: EM on one blocking rule's pairs.
#[derive(Debug, Clone, Serialize)]
pub struct EmSessionReport {
    pub rule: String,
    pub pairs: u64,
    /// Distinct agreement patterns EM iterated over.
    pub distinct_patterns: usize,
    /// Comparisons whose m this session estimated (the others are on the rule's columns).
    pub estimated: Vec<String>,
    pub iterations: usize,
    pub converged: bool,
    /// Share of matches among this session's pairs.
    pub lambda: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ThresholdReport {
    pub rule: String,
    pub match_probability: f64,
    pub match_weight: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct HistogramBin {
    /// Lower edge (inclusive) of the match-weight bin, one bit wide.
    pub from: f64,
    pub to: f64,
    pub pairs: u64,
}

/// Everything a reader needs to judge the fitted model; serialises to `link_report.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub left_rows: usize,
    pub right_rows: usize,
    pub candidate_pairs: u64,
    pub blocking: Vec<BlockingReport>,
    pub u_random_pairs: u64,
    pub seed: u64,
    pub prior: PriorReport,
    pub em: EmReport,
    pub comparisons: Vec<ComparisonReport>,
    pub threshold: ThresholdReport,
    pub one_to_one: bool,
    /// Match weights of the candidate pairs seen at fit time.
    pub weight_histogram: Vec<HistogramBin>,
}

/// One-bit-wide bins of match weight from the lowest to the highest weight.
/// The match-weight histogram (1-bit bins `[b, b + 1)`) from the pair counts per
/// `floor(weight)`: every bin from the lowest to the highest, empty ones included.
pub(crate) fn histogram_from_counts(
    counts: &std::collections::BTreeMap<i64, u64>,
) -> Vec<HistogramBin> {
    let (Some((&lo, _)), Some((&hi, _))) = (counts.first_key_value(), counts.last_key_value())
    else {
        return Vec::new();
    };
    (lo..=hi)
        .map(|b| HistogramBin {
            from: b as f64,
            to: b as f64 + 1.0,
            pairs: counts.get(&b).copied().unwrap_or(0),
        })
        .collect()
}

#[cfg(test)]
mod histogram_tests {
    use super::*;

    #[test]
    fn bins_run_from_the_lowest_to_the_highest_with_empty_ones_between() {
        let counts: std::collections::BTreeMap<i64, u64> = [(-3, 2), (0, 5), (1, 1)].into();
        let bins = histogram_from_counts(&counts);
        let got: Vec<(f64, f64, u64)> = bins.iter().map(|b| (b.from, b.to, b.pairs)).collect();
        assert_eq!(
            got,
            vec![
                (-3.0, -2.0, 2),
                (-2.0, -1.0, 0),
                (-1.0, 0.0, 0),
                (0.0, 1.0, 5),
                (1.0, 2.0, 1)
            ]
        );
        assert!(histogram_from_counts(&Default::default()).is_empty());
    }
}
