//! The Fellegi-Sunter model: fit (u, prior, m), score candidate pairs, link, explain.
//!
//! Match weight of a pair = log2(prior odds) + sum over fields of log2(m/u) of the pair's level
//! (0 for "null"). With term-frequency adjustment, the exact level of a field uses the value's
//! frequency in the left (register) records instead of u, bounded below by
//! `term_frequency_minimum`: "Jansen = Jansen" is weaker evidence than "Idrissi = Idrissi".
//! Match probability = 2^w / (1 + 2^w).

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use super::assign::{assign_with, LinkStatus};
use super::compare::{PreparedComparison, NULL_ID};
use super::em::{self, PatternHistogram};
pub use super::report::{
    BlockingReport, ComparisonReport, EmReport, EmSessionReport, HistogramBin, LevelReport,
    PriorReport, Report, ThresholdReport,
};
use super::scoring::{PhaseClock, Scoring};
use super::spec::{CheckedLinkSpec, Threshold};
use super::table::RecordTable;
use super::train::{lambda_given, train_m};
use crate::error::Result;

/// Fits link models.
pub struct Linker;

/// A fitted model: apply it with [`FittedModel::link`].
#[derive(Debug, Clone)]
pub struct FittedModel {
    spec: CheckedLinkSpec,
    /// m[k][level]
    m: Vec<Vec<f64>>,
    /// u[k][level]
    u: Vec<Vec<f64>>,
    lambda: f64,
    threshold_weight: f64,
    report: Report,
}

/// One scored candidate pair (rows are 0-based).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ScoredPair {
    pub left_row: u32,
    pub right_row: u32,
    pub match_weight: f64,
    pub match_probability: f64,
}

/// Why a pair matched: one field's level and weight.
#[derive(Debug, Clone, Serialize)]
pub struct FieldContribution {
    pub comparison: String,
    pub level: String,
    pub weight: f64,
}

/// The outcome for one right record.
#[derive(Debug, Clone, Serialize)]
pub struct RightLink {
    /// 0-based row in the right records.
    pub right_row: usize,
    pub right_id: Option<Box<str>>,
    pub status: LinkStatus,
    /// The linked left record (only when `status` is linked).
    pub left_row: Option<usize>,
    pub left_id: Option<Box<str>>,
    /// Of the link, or else of the strongest candidate (0 when there was none).
    pub match_probability: f64,
    pub match_weight: f64,
    /// Per field, for the link or the strongest candidate.
    pub contributions: Vec<FieldContribution>,
}

/// Links for every right record, in right-row order.
#[derive(Debug, Clone, Serialize)]
pub struct Links {
    pub rows: Vec<RightLink>,
    pub pairs_scored: u64,
    pub linked: usize,
    pub threshold_probability: f64,
}

fn logit2(p: f64) -> f64 {
    (p / (1.0 - p)).log2()
}

/// Probability from a match weight (log2 odds).
pub fn probability(weight: f64) -> f64 {
    let odds = weight.exp2();
    if odds.is_infinite() {
        1.0
    } else {
        odds / (1.0 + odds)
    }
}

impl Linker {
    /// Estimates u (random pairs, seeded), the prior (deterministic rules) and m (EM over the
    /// candidate pairs' agreement patterns).
    pub fn fit(
        spec: &CheckedLinkSpec,
        left: &RecordTable,
        right: &RecordTable,
        seed: u64,
    ) -> Result<FittedModel> {
        Ok(Self::fit_scoring(spec, left, right, seed)?.0)
    }

    /// Fit and link in one pass, scoring the candidate pairs once.
    pub fn fit_link(
        spec: &CheckedLinkSpec,
        left: &RecordTable,
        right: &RecordTable,
        seed: u64,
    ) -> Result<(FittedModel, Links)> {
        let (model, scoring) = Self::fit_scoring(spec, left, right, seed)?;
        let mut clock = PhaseClock::new();
        let links = model.links_from(&scoring, left, right)?;
        clock.lap("links");
        Ok((model, links))
    }

    fn fit_scoring(
        spec: &CheckedLinkSpec,
        left: &RecordTable,
        right: &RecordTable,
        seed: u64,
    ) -> Result<(FittedModel, Scoring)> {
        let mut clock = PhaseClock::new();
        let scoring = Scoring::new(spec, left, right)?;
        clock.lap("prepare + block + compare");
        let width = scoring.comparisons.len();
        crate::ensure!(!scoring.pairs.is_empty(), Data: "blocking produced no candidate pairs: no record shares a blocking key with the other side; check the blocking rules and columns");

        let (u, random_counts, u_pairs) = em::u_from_random_pairs(
            &scoring.comparisons,
            left.len(),
            right.len(),
            spec.training.u_sample_pairs,
            seed,
        );
        clock.lap("u from random pairs");
        for (k, counts) in random_counts.iter().enumerate() {
            crate::ensure!(counts[1..].iter().sum::<u64>() > 0, Data: "comparison '{}' has no value on one of the two sides: it cannot be estimated; remove it or fill the column", scoring.comparisons[k].name);
        }

        // Prior from the deterministic rules.
        let n_candidates = scoring.pairs.len() as u64;
        let rule_pairs = (0..scoring.pairs.len())
            .filter(|&p| {
                let pattern = scoring.pattern(p);
                spec.prior_rules
                    .iter()
                    .any(|rule| rule.iter().all(|&k| pattern[k] == 1))
            })
            .count() as u64;
        let all_pairs = left.len() as f64 * right.len() as f64;
        let expected_matches = rule_pairs as f64 / spec.prior_recall;
        let lambda_block_start = if rule_pairs > 0 {
            (expected_matches / n_candidates as f64).clamp(1e-4, 0.9)
        } else {
            0.1
        };

        let (m, sessions, m_defaulted) = train_m(
            spec,
            &scoring,
            left,
            right,
            &u,
            (rule_pairs > 0).then_some(expected_matches),
        )?;
        clock.lap("EM sessions");
        let hist = PatternHistogram::from_levels(&scoring.levels, width);
        let lambda_in_blocks = lambda_given(&hist, &m, &u, lambda_block_start);
        let (lambda, source) = if rule_pairs > 0 {
            (expected_matches / all_pairs, "rules")
        } else {
            (lambda_in_blocks * n_candidates as f64 / all_pairs, "em")
        };
        let lambda = lambda.clamp(1e-12, 0.5);

        let threshold_weight = match spec.threshold {
            Threshold::Probability(p) => logit2(p),
            // Posterior 0.5 under the in-block prior: weight with the global prior equals
            // logit(lambda) - logit(lambda_in_blocks).
            Threshold::Crossing => logit2(lambda) - logit2(lambda_in_blocks),
        };

        let mut candidate_counts: Vec<Vec<u64>> = scoring
            .comparisons
            .iter()
            .map(|c| vec![0; c.n_levels])
            .collect();
        for pattern in scoring.levels.chunks_exact(width) {
            for (k, &l) in pattern.iter().enumerate() {
                candidate_counts[k][l as usize] += 1;
            }
        }
        let comparisons = spec
            .comparisons
            .iter()
            .enumerate()
            .map(|(k, c)| ComparisonReport {
                name: c.name.clone(),
                left_column: c.left_column.clone(),
                right_column: c.right_column.clone(),
                kind: c.kind.name().to_string(),
                term_frequency: c.term_frequency,
                levels: c
                    .levels
                    .iter()
                    .enumerate()
                    .map(|(l, name)| LevelReport {
                        level: name.clone(),
                        m: m[k][l],
                        u: u[k][l],
                        match_weight: if l == 0 {
                            0.0
                        } else {
                            (m[k][l] / u[k][l]).log2()
                        },
                        candidate_pairs: candidate_counts[k][l],
                        random_pairs: random_counts[k][l],
                    })
                    .collect(),
            })
            .collect();

        let mut model = FittedModel {
            spec: spec.clone(),
            m,
            u,
            lambda,
            threshold_weight,
            report: Report {
                left_rows: left.len(),
                right_rows: right.len(),
                candidate_pairs: n_candidates,
                blocking: spec
                    .blocking
                    .iter()
                    .zip(&scoring.pairs.per_rule)
                    .map(|(r, &n)| BlockingReport {
                        rule: r.description.clone(),
                        pairs: n,
                    })
                    .collect(),
                u_random_pairs: u_pairs,
                seed,
                prior: PriorReport {
                    rule_pairs,
                    recall: spec.prior_recall,
                    lambda,
                    source: source.into(),
                    match_weight: logit2(lambda),
                },
                em: EmReport {
                    iterations: sessions.iter().map(|s| s.iterations).sum(),
                    converged: sessions.iter().all(|s| s.converged),
                    tolerance: spec.training.tolerance,
                    sessions,
                    m_defaulted,
                    lambda_in_blocks,
                },
                comparisons,
                threshold: ThresholdReport {
                    rule: match spec.threshold {
                        Threshold::Probability(_) => "probability".into(),
                        Threshold::Crossing => "crossing".into(),
                    },
                    match_probability: probability(threshold_weight),
                    match_weight: threshold_weight,
                },
                one_to_one: spec.one_to_one,
                weight_histogram: Vec::new(),
            },
        };
        model.report.weight_histogram = model.weight_histogram(&scoring);
        clock.lap("weights + histogram");
        Ok((model, scoring))
    }
}

impl FittedModel {
    /// The fitted report (m/u, weights, EM iterations, prior, histogram).
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// Match weight at which a pair becomes a link.
    pub fn threshold_weight(&self) -> f64 {
        self.threshold_weight
    }

    /// Blocks, scores and links two tables with the fitted model.
    pub fn link(&self, left: &RecordTable, right: &RecordTable) -> Result<Links> {
        let scoring = Scoring::new(&self.spec, left, right)?;
        self.links_from(&scoring, left, right)
    }

    /// Every candidate pair with its weight and probability, before assignment: for review
    /// lists, clerical checks and threshold studies. In blocking order.
    pub fn scored_pairs(&self, left: &RecordTable, right: &RecordTable) -> Result<Vec<ScoredPair>> {
        let scoring = Scoring::new(&self.spec, left, right)?;
        let weights = self.pair_weights(&scoring);
        Ok(weights
            .iter()
            .enumerate()
            .map(|(p, &w)| ScoredPair {
                left_row: scoring.pairs.left[p],
                right_row: scoring.pairs.right[p],
                match_weight: w,
                match_probability: probability(w),
            })
            .collect())
    }

    /// Weight of field `k` at level `l` for left row `left_row`.
    fn field_weight(
        &self,
        comparison: &PreparedComparison,
        k: usize,
        l: u8,
        left_row: usize,
    ) -> f64 {
        let l = l as usize;
        if l == 0 {
            return 0.0;
        }
        if l == 1 {
            if let Some(tf) = comparison.left_term_frequency(left_row) {
                return (self.m[k][1] / tf).log2();
            }
        }
        (self.m[k][l] / self.u[k][l]).log2()
    }

    /// Match weight of every candidate pair, in pair order.
    ///
    /// The same numbers as summing [`FittedModel::field_weight`] per field, but every distinct
    /// log2 is taken once up front (per level, and per left value for term frequencies) instead
    /// of once per pair and field: millions of pairs share a few dozen levels.
    fn pair_weights(&self, scoring: &Scoring) -> Vec<f64> {
        let table = self.weight_table(scoring);
        (0..scoring.pairs.len())
            .into_par_iter()
            .map(|p| table.weight(scoring, p))
            .collect()
    }

    /// The distinct log2 weights (per level, and per left value for term frequencies), from
    /// which [`PairWeights::weight`] sums a pair's match weight.
    fn weight_table(&self, scoring: &Scoring) -> PairWeights {
        let level_weights: Vec<Vec<f64>> = (0..self.m.len())
            .map(|k| {
                (0..self.m[k].len())
                    .map(|l| {
                        if l == 0 {
                            0.0
                        } else {
                            (self.m[k][l] / self.u[k][l]).log2()
                        }
                    })
                    .collect()
            })
            .collect();
        let exact_weights: Vec<Option<Vec<f64>>> = scoring
            .comparisons
            .iter()
            .enumerate()
            .map(|(k, c)| {
                c.term_frequency.as_ref().map(|tf| {
                    tf.iter()
                        .map(|&f| (self.m[k][1] / f.max(c.term_frequency_minimum)).log2())
                        .collect()
                })
            })
            .collect();
        PairWeights {
            prior: logit2(self.lambda),
            level_weights,
            exact_weights,
        }
    }

    /// The weight histogram of every candidate pair (1-bit bins), summed in parallel without
    /// keeping the weights: at a million residents a source has tens of millions of pairs, and
    /// their weights alone were 260 MB at the peak of the run.
    fn weight_histogram(&self, scoring: &Scoring) -> Vec<super::report::HistogramBin> {
        let table = self.weight_table(scoring);
        let counts = (0..scoring.pairs.len())
            .into_par_iter()
            .fold(BTreeMap::new, |mut bins: BTreeMap<i64, u64>, p| {
                *bins
                    .entry(table.weight(scoring, p).floor() as i64)
                    .or_default() += 1;
                bins
            })
            .reduce(BTreeMap::new, |mut a, b| {
                for (k, v) in b {
                    *a.entry(k).or_default() += v;
                }
                a
            });
        super::report::histogram_from_counts(&counts)
    }

    /// Assigns the candidate pairs of `scoring`, each pair's weight computed from the model's
    /// weight table as it is needed (one-to-one keeps them for its sort, in `assign_with`):
    /// the same sum in the same order as [`FittedModel::pair_weights`], so the links are the same.
    fn links_from(
        &self,
        scoring: &Scoring,
        left: &RecordTable,
        right: &RecordTable,
    ) -> Result<Links> {
        let table = self.weight_table(scoring);
        let weight = |p: usize| table.weight(scoring, p);
        let assignments = assign_with(
            left.len(),
            right.len(),
            &scoring.pairs.left,
            &scoring.pairs.right,
            &weight,
            self.threshold_weight,
            self.spec.one_to_one,
        );
        let left_ids = left.column_by_name("left", &self.spec.left_id)?;
        let right_ids = right.column_by_name("right", &self.spec.right_id)?;
        let mut linked = 0;
        let rows = assignments
            .iter()
            .enumerate()
            .map(|(r, a)| {
                let (left_row, match_weight, contributions) = match a.pair {
                    None => (None, f64::NEG_INFINITY, Vec::new()),
                    Some(p) => {
                        let l = scoring.pairs.left[p] as usize;
                        let contributions = scoring
                            .pattern(p)
                            .iter()
                            .enumerate()
                            .map(|(k, &level)| FieldContribution {
                                comparison: self.spec.comparisons[k].name.clone(),
                                level: self.spec.comparisons[k].levels[level as usize].clone(),
                                weight: self.field_weight(&scoring.comparisons[k], k, level, l),
                            })
                            .collect();
                        (Some(l), weight(p), contributions)
                    }
                };
                let is_linked = a.status == LinkStatus::Linked;
                linked += usize::from(is_linked);
                let left_row = left_row.filter(|_| is_linked);
                RightLink {
                    right_row: r,
                    right_id: right_ids.get(r).map(Box::from),
                    status: a.status,
                    left_row,
                    left_id: left_row.and_then(|l| left_ids.get(l).map(Box::from)),
                    match_probability: if match_weight.is_finite() {
                        probability(match_weight)
                    } else {
                        0.0
                    },
                    match_weight,
                    contributions,
                }
            })
            .collect();
        Ok(Links {
            rows,
            pairs_scored: scoring.pairs.len() as u64,
            linked,
            threshold_probability: probability(self.threshold_weight),
        })
    }
}

/// The distinct log2 weights of a fitted model over one [`Scoring`]: a pair's match weight is
/// the prior plus one table lookup per comparison.
struct PairWeights {
    prior: f64,
    level_weights: Vec<Vec<f64>>,
    /// Per comparison with term frequencies: the exact level's weight per left value id.
    exact_weights: Vec<Option<Vec<f64>>>,
}

impl PairWeights {
    fn weight(&self, scoring: &Scoring, p: usize) -> f64 {
        let l = scoring.pairs.left[p] as usize;
        self.prior
            + scoring
                .pattern(p)
                .iter()
                .enumerate()
                .map(|(k, &level)| match (&self.exact_weights[k], level) {
                    (Some(exact), 1) => {
                        let id = scoring.comparisons[k].left_ids[l];
                        if id == NULL_ID {
                            self.level_weights[k][1]
                        } else {
                            exact[id as usize]
                        }
                    }
                    _ => self.level_weights[k][level as usize],
                })
                .sum::<f64>()
    }
}
