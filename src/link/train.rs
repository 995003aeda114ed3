//! Estimating m: EM training sessions over blocked pairs, u fixed.
//!
//! Candidate pairs are not a random sample: a pair blocked on postcode agrees on postcode by
//! construction, so EM over all candidate pairs with u from random pairs would take the blocked
//! non-matches for matches. As Splink does, each session runs EM on one blocking rule's pairs and
//! leaves out the comparisons on that rule's columns; a comparison's m is combined over the
//! sessions that could estimate it.

use super::blocking::block;
use super::em::{self, PatternHistogram};
use super::report::EmSessionReport;
use super::scoring::{compute_levels, Scoring};
use super::spec::{CheckedBlockingRule, CheckedComparison, CheckedLinkSpec, Kind};
use super::table::RecordTable;
use crate::error::Result;

/// Comparisons that read a column the blocking rule conditions on.
fn conditioned(rule: &CheckedBlockingRule, comparison: &CheckedComparison) -> bool {
    let lower = |s: &str| s.trim().to_lowercase();
    let rule_columns: Vec<String> = rule
        .keys
        .iter()
        .flat_map(|k| [lower(&k.left_column), lower(&k.right_column)])
        .collect();
    let mut columns = vec![
        lower(&comparison.left_column),
        lower(&comparison.right_column),
    ];
    if let Kind::Address {
        house_number_column: Some(h),
        ..
    } = &comparison.kind
    {
        columns.push(lower(h));
    }
    columns.iter().any(|c| rule_columns.contains(c))
}

/// m[k][level], the session reports, and the comparisons no session could estimate.
pub(crate) type TrainedM = (Vec<Vec<f64>>, Vec<EmSessionReport>, Vec<String>);

/// Splink-style EM training: one session per training blocking rule, each on that rule's full
/// join, u fixed, the rule's own comparisons left out; m combined as the mean over sessions
/// weighted by each session's expected number of matches.
pub(crate) fn train_m(
    spec: &CheckedLinkSpec,
    scoring: &Scoring,
    left: &RecordTable,
    right: &RecordTable,
    u: &[Vec<f64>],
    expected_matches: Option<f64>,
) -> Result<TrainedM> {
    let comparisons = &scoring.comparisons;
    let width = comparisons.len();
    let mut sum: Vec<Vec<f64>> = comparisons.iter().map(|c| vec![0.0; c.n_levels]).collect();
    let mut total = vec![0.0; width];
    let mut sessions = Vec::new();
    for rule in &spec.training_blocking {
        let estimate: Vec<bool> = spec
            .comparisons
            .iter()
            .map(|c| !conditioned(rule, c))
            .collect();
        if !estimate.iter().any(|&e| e) {
            continue;
        }
        // A training rule that is also a prediction rule: its full join is exactly the candidate
        // pairs on which that rule's keys agree, already compared. Otherwise join and compare.
        let mut levels = match spec
            .blocking
            .iter()
            .position(|b| b.description == rule.description)
        {
            Some(r) => (0..scoring.pairs.len())
                .filter(|&p| scoring.pairs.agree[p] & (1u8 << r) != 0)
                .flat_map(|p| scoring.pattern(p).iter().copied())
                .collect::<Vec<u8>>(),
            None => {
                let pairs = block(
                    std::slice::from_ref(rule),
                    left,
                    right,
                    spec.training.max_candidate_pairs,
                )?;
                compute_levels(comparisons, &pairs)
            }
        };
        let n_pairs = levels.len() / width;
        if n_pairs == 0 {
            continue;
        }
        for row in levels.chunks_exact_mut(width) {
            for (k, level) in row.iter_mut().enumerate() {
                if !estimate[k] {
                    *level = 0;
                }
            }
        }
        let hist = PatternHistogram::from_levels(&levels, width);
        let lambda_start = expected_matches
            .map_or(0.5, |e| e / n_pairs as f64)
            .clamp(0.01, 0.99);
        let m_start = comparisons
            .iter()
            .map(|c| em::initial_m(c.n_levels))
            .collect();
        let fit = em::expectation_maximisation(
            &hist,
            u,
            &estimate,
            m_start,
            lambda_start,
            spec.training.max_iterations,
            spec.training.tolerance,
        );
        let matches = fit.lambda * n_pairs as f64;
        for k in (0..width).filter(|&k| estimate[k]) {
            for (acc, m) in sum[k].iter_mut().zip(&fit.m[k]) {
                *acc += matches * m;
            }
            total[k] += matches;
        }
        sessions.push(EmSessionReport {
            rule: rule.description.clone(),
            pairs: n_pairs as u64,
            distinct_patterns: hist.len(),
            estimated: (0..width)
                .filter(|&k| estimate[k])
                .map(|k| comparisons[k].name.clone())
                .collect(),
            iterations: fit.iterations,
            converged: fit.converged,
            lambda: fit.lambda,
        });
    }
    let mut m = Vec::with_capacity(width);
    let mut defaulted = Vec::new();
    for k in 0..width {
        if total[k] > 0.0 {
            let mut mk: Vec<f64> = sum[k].iter().map(|s| s / total[k]).collect();
            mk[0] = 1.0;
            m.push(mk);
        } else {
            // No session could see this field among matches (every training rule uses its
            // columns, or too few pairs): keep the starting m and say so in the report.
            defaulted.push(comparisons[k].name.clone());
            m.push(em::initial_m(comparisons[k].n_levels));
        }
    }
    Ok((m, sessions, defaulted))
}

/// Share of matches among `hist`'s pairs under fixed m and u (EM on lambda alone).
pub(crate) fn lambda_given(
    hist: &PatternHistogram,
    m: &[Vec<f64>],
    u: &[Vec<f64>],
    start: f64,
) -> f64 {
    let mut lambda = start.clamp(1e-6, 1.0 - 1e-6);
    let total = hist.total() as f64;
    for _ in 0..200 {
        let mut matches = 0.0;
        for p in 0..hist.len() {
            let (mut pm, mut pu) = (lambda, 1.0 - lambda);
            for (k, &l) in hist.pattern(p).iter().enumerate() {
                pm *= m[k][l as usize];
                pu *= u[k][l as usize];
            }
            matches += hist.counts[p] as f64 * pm / (pm + pu);
        }
        let new = (matches / total).clamp(1e-9, 1.0 - 1e-9);
        let done = (new - lambda).abs() < 1e-9;
        lambda = new;
        if done {
            break;
        }
    }
    lambda
}
