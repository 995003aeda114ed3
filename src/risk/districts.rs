//! District scores and factors: everything aggregated per wijk from resident-level predictions.
//!
//! A wijk's predicted prevalence is the mean predicted probability over all its residents. Its
//! 90% interval is analytic: the wijk's log-odds level is uncertain by the empirical-Bayes mean
//! squared error of its effect plus the fixed effects' variance of the wijk mean (from `fit`); every
//! resident's log-odds is shifted by -/+ 1.645 standard deviations of that and the probabilities
//! are averaged. A model trained with `--bootstrap B` instead carries B refits: each predicts a
//! fixed, seeded sample of at most [`INTERVAL_SAMPLE`] residents per wijk, and the interval is the
//! point estimate plus the 5th and 95th percentiles of (replicate mean - final model's mean).

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

use super::model::{Learner, OutcomeModel};
use crate::contract::round6;
use crate::residents::{FeatureKind, FeatureTable};

/// Residents per wijk predicted by every bootstrap replicate.
pub const INTERVAL_SAMPLE: usize = 1000;

pub use crate::residents::Respondent;

/// One wijk. Percentages 0-100; `None` is an empty (suppressed or unknown) cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DistrictScore {
    pub wijkcode: String,
    pub wijknaam: Option<String>,
    pub residents: usize,
    pub predicted_lonely_pct: f64,
    pub predicted_lonely_low: Option<f64>,
    pub predicted_lonely_high: Option<f64>,
    pub predicted_severe_pct: f64,
    pub predicted_severe_low: Option<f64>,
    pub predicted_severe_high: Option<f64>,
    /// Scored respondents in the wijk (0 without a survey); never published below the threshold.
    #[serde(skip)]
    pub respondents: usize,
    /// `respondents` when at least the suppression threshold, else empty.
    #[serde(rename = "respondents")]
    pub respondents_shown: Option<usize>,
    pub survey_lonely_pct: Option<f64>,
    pub survey_severe_pct: Option<f64>,
    /// The wijk effect of the lonely model (log-odds): what register features do not explain.
    pub area_effect: f64,
}

/// Probabilities of every table row under the final model.
pub fn predict(model: &OutcomeModel, table: &FeatureTable) -> Vec<f64> {
    (0..table.rows())
        .into_par_iter()
        .map(|i| {
            model.probability(
                &model.fitted,
                table.row(i),
                &table.wijken[table.wijk[i] as usize],
            )
        })
        .collect()
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (h - lo as f64)
}

/// The 95th percentile of the standard normal: a two-sided 90% interval.
pub const Z90: f64 = 1.644_853_626_951_472_2;

/// `(low, high)` per wijk of the 90% interval around `means` (fractions): analytic by default,
/// from bootstrap replicates when the model has them.
fn intervals(
    model: &OutcomeModel,
    table: &FeatureTable,
    members: &[Vec<usize>],
    p: &[f64],
    means: &[f64],
    seed: u64,
) -> Vec<Option<(f64, f64)>> {
    if model.bootstrap.len() >= 10 {
        return bootstrap_intervals(model, table, &interval_sample(members, seed), means);
    }
    if model.area_effect_mse.is_empty() {
        return vec![None; means.len()];
    }
    // The wijk's log-odds level is uncertain by `var`: its effect's EB mean squared error plus
    // the fixed effects' variance of the wijk mean (delta method: the logistic covariance
    // projected on the wijk's mean design row, weighted by p(1-p); for trees the overall level's
    // variance). The interval shifts every resident's log-odds by -/+ z * sd and averages the
    // probabilities: the delta method without its last linearisation, so the interval stays
    // inside 0-100% and is asymmetric where it should be. A shift of the model's log-odds is a
    // shift of `slope` times as much after the recalibration.
    let slope = model.recalibration.map_or(1.0, |(_, b)| b);
    let logistic = match &model.fitted.learner {
        Learner::Logistic(l) | Learner::Blend { logistic: l, .. } => Some(l),
        Learner::Gbt(_) => None,
    };
    let cov = &model.coefficient_covariance;
    members
        .par_iter()
        .enumerate()
        .map(|(w, rows)| {
            if rows.is_empty() {
                return None;
            }
            let fixed = match logistic {
                Some(l) if !cov.is_empty() => {
                    let k = l.terms.len() + 1;
                    let (mut g, mut z, mut s) = (vec![0.0; k], Vec::with_capacity(k), 0.0);
                    for &i in rows {
                        let v = p[i] * (1.0 - p[i]);
                        l.design(table.row(i), &mut z);
                        g.iter_mut().zip(&z).for_each(|(a, b)| *a += v * b);
                        s += v;
                    }
                    let g: Vec<f64> = g.iter().map(|a| a / s.max(1e-12)).collect();
                    (0..k)
                        .map(|a| g[a] * (0..k).map(|b| cov[a * k + b] * g[b]).sum::<f64>())
                        .sum::<f64>()
                }
                _ => model.level_variance,
            };
            let mse = model
                .area_effect_mse
                .get(&table.wijken[w])
                .copied()
                .unwrap_or(model.area_variance);
            let delta = slope * Z90 * (mse + fixed).max(0.0).sqrt();
            let (mut lo, mut hi) = (0.0, 0.0);
            for &i in rows {
                let eta = super::logistic::logit(p[i]);
                lo += super::logistic::sigmoid(eta - delta);
                hi += super::logistic::sigmoid(eta + delta);
            }
            let n = rows.len() as f64;
            Some(((lo / n).min(means[w]), (hi / n).max(means[w])))
        })
        .collect()
}

/// A fixed, seeded sample of at most [`INTERVAL_SAMPLE`] residents per wijk.
fn interval_sample(members: &[Vec<usize>], seed: u64) -> Vec<Vec<usize>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5a3b1e);
    members
        .iter()
        .map(|m| {
            let mut s = m.clone();
            if s.len() > INTERVAL_SAMPLE {
                s.shuffle(&mut rng);
                s.truncate(INTERVAL_SAMPLE);
                s.sort_unstable();
            }
            s
        })
        .collect()
}

/// `(low, high)` per wijk of the 90% bootstrap interval around `means` (fractions).
fn bootstrap_intervals(
    model: &OutcomeModel,
    table: &FeatureTable,
    sample: &[Vec<usize>],
    means: &[f64],
) -> Vec<Option<(f64, f64)>> {
    let mean_under = |fitted| -> Vec<f64> {
        sample
            .iter()
            .enumerate()
            .map(|(w, rows)| {
                let code = &table.wijken[w];
                rows.iter()
                    .map(|&i| model.probability(fitted, table.row(i), code))
                    .sum::<f64>()
                    / rows.len().max(1) as f64
            })
            .collect()
    };
    let base = mean_under(&model.fitted);
    let reps: Vec<Vec<f64>> = model.bootstrap.par_iter().map(&mean_under).collect();
    (0..means.len())
        .map(|w| {
            if sample[w].is_empty() {
                return None;
            }
            let mut d: Vec<f64> = reps.iter().map(|r| r[w] - base[w]).collect();
            d.sort_by(f64::total_cmp);
            Some((
                (means[w] + quantile(&d, 0.05)).clamp(0.0, 1.0),
                (means[w] + quantile(&d, 0.95)).clamp(0.0, 1.0),
            ))
        })
        .collect()
}

fn pct(x: f64) -> f64 {
    round6(100.0 * x)
}

/// Scores every wijk of the table. `respondents` is empty without a survey.
#[allow(clippy::too_many_arguments)]
pub fn districts(
    table: &FeatureTable,
    wijknamen: &[Option<String>],
    lonely: &OutcomeModel,
    severe: &OutcomeModel,
    p_lonely: &[f64],
    p_severe: &[f64],
    respondents: &[Respondent],
    threshold: u32,
    seed: u64,
) -> Vec<DistrictScore> {
    let k = table.wijken.len();
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
    for i in 0..table.rows() {
        members[table.wijk[i] as usize].push(i);
    }
    let mean =
        |p: &[f64], m: &[usize]| m.iter().map(|&i| p[i]).sum::<f64>() / m.len().max(1) as f64;
    let ml: Vec<f64> = members.iter().map(|m| mean(p_lonely, m)).collect();
    let ms: Vec<f64> = members.iter().map(|m| mean(p_severe, m)).collect();
    let il = intervals(lonely, table, &members, p_lonely, &ml, seed);
    let is = intervals(severe, table, &members, p_severe, &ms, seed);
    // Weighted direct estimates.
    let mut sw = vec![(0usize, 0.0, 0.0, 0.0); k];
    for r in respondents {
        if let Some(s) = r.score {
            let e = &mut sw[table.wijk[r.row] as usize];
            e.0 += 1;
            e.1 += r.weight;
            e.2 += r.weight * f64::from(u8::from(s.lonely()));
            e.3 += r.weight * f64::from(u8::from(s.severely_lonely()));
        }
    }
    (0..k)
        .map(|w| {
            let shown = members[w].len() >= threshold as usize;
            let (n, ws, l, s) = sw[w];
            let survey = n >= threshold as usize;
            DistrictScore {
                wijkcode: table.wijken[w].clone(),
                wijknaam: wijknamen.get(w).cloned().flatten(),
                residents: members[w].len(),
                predicted_lonely_pct: pct(ml[w]),
                predicted_lonely_low: il[w].filter(|_| shown).map(|x| pct(x.0)),
                predicted_lonely_high: il[w].filter(|_| shown).map(|x| pct(x.1)),
                predicted_severe_pct: pct(ms[w]),
                predicted_severe_low: is[w].filter(|_| shown).map(|x| pct(x.0)),
                predicted_severe_high: is[w].filter(|_| shown).map(|x| pct(x.1)),
                respondents: n,
                respondents_shown: survey.then_some(n),
                survey_lonely_pct: survey.then(|| pct(l / ws)),
                survey_severe_pct: survey.then(|| pct(s / ws)),
                area_effect: round6(
                    lonely
                        .fitted
                        .area_effects
                        .get(&table.wijken[w])
                        .copied()
                        .unwrap_or(0.0),
                ),
            }
        })
        .collect()
}

/// One factor of a wijk: a feature group that raises (or, in `lowering`, lowers) predicted
/// loneliness there.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Factor {
    /// Feature group (`huishouden`, `age`, ...).
    pub group: String,
    /// The column of the group that differs most (`huishouden=alleen`).
    pub feature: String,
    /// Plain Dutch: what is different in this wijk.
    pub text_nl: String,
    /// Approximate percentage points this factor adds to (negative: takes from) the wijk's
    /// predicted % lonely compared with the municipality.
    pub effect_pct_points: f64,
    /// Mean contribution to the log-odds, wijk minus municipality.
    pub log_odds: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WijkFactors {
    pub wijkcode: String,
    /// Up to five factors that raise the prediction, largest first; empty for a suppressed wijk.
    pub factors: Vec<Factor>,
    /// Up to [`LOWERING_FACTORS`] factors that lower it (negative contributions), strongest
    /// first; empty for a suppressed wijk. Kept apart from `factors` so that readers of the
    /// raising list (`top_factor` in `districts.csv`) see what they always saw.
    pub lowering: Vec<Factor>,
    /// Percentage points from the wijk effect (what register features do not explain).
    pub area_effect_pct_points: f64,
}

/// Lowering factors kept per wijk.
pub const LOWERING_FACTORS: usize = 3;

/// Top five feature groups per wijk by mean contribution to the lonely model's log-odds,
/// compared with the municipality's mean contribution, and the (at most three) groups that lower
/// it most: a wijk with little loneliness is explained by what it has less of, not only by the
/// raising factors it happens to have.
pub fn factors(
    table: &FeatureTable,
    model: &OutcomeModel,
    p_lonely: &[f64],
    threshold: u32,
) -> Vec<WijkFactors> {
    let p = table.cols();
    let k = table.wijken.len();
    let slope = model.recalibration.map_or(1.0, |(_, b)| b);
    // Per wijk: contribution sums, feature value sums, count, sum p(1-p).
    let chunk = 4096;
    let zero = || {
        (
            vec![0.0; k * p],
            vec![0.0; k * p],
            vec![0usize; k],
            vec![0.0; k],
        )
    };
    let (contrib, values, counts, spread) = (0..table.rows().div_ceil(chunk))
        .into_par_iter()
        .map(|c| {
            let mut acc = zero();
            let mut buf = vec![0.0; p];
            #[allow(clippy::needless_range_loop)] // i indexes the table, the wijk and p alike
            for i in c * chunk..((c + 1) * chunk).min(table.rows()) {
                let w = table.wijk[i] as usize;
                buf.iter_mut().for_each(|b| *b = 0.0);
                let row = table.row(i);
                model.fitted.learner.contributions(row, &mut buf);
                for j in 0..p {
                    acc.0[w * p + j] += buf[j];
                    acc.1[w * p + j] += row[j];
                }
                acc.2[w] += 1;
                let pi = p_lonely[i];
                acc.3[w] += pi * (1.0 - pi);
            }
            acc
        })
        .collect::<Vec<_>>()
        .into_iter()
        // Summed in chunk order: the same result whatever the thread count.
        .fold(zero(), |mut a, b| {
            a.0.iter_mut().zip(&b.0).for_each(|(x, y)| *x += y);
            a.1.iter_mut().zip(&b.1).for_each(|(x, y)| *x += y);
            a.2.iter_mut().zip(&b.2).for_each(|(x, y)| *x += y);
            a.3.iter_mut().zip(&b.3).for_each(|(x, y)| *x += y);
            a
        });
    let total = table.rows().max(1) as f64;
    let all_c: Vec<f64> = (0..p)
        .map(|j| (0..k).map(|w| contrib[w * p + j]).sum::<f64>() / total)
        .collect();
    let all_v: Vec<f64> = (0..p)
        .map(|j| (0..k).map(|w| values[w * p + j]).sum::<f64>() / total)
        .collect();
    let mut groups: Vec<String> = Vec::new();
    for f in &table.features {
        if !groups.contains(&f.group) {
            groups.push(f.group.clone());
        }
    }
    (0..k)
        .map(|w| {
            let n = counts[w].max(1) as f64;
            let var = spread[w] / n;
            let code = &table.wijken[w];
            let area = model.fitted.area_effects.get(code).copied().unwrap_or(0.0);
            let area_pp = round6(100.0 * var * slope * area);
            if counts[w] < threshold as usize {
                return WijkFactors {
                    wijkcode: code.clone(),
                    factors: Vec::new(),
                    lowering: Vec::new(),
                    area_effect_pct_points: area_pp,
                };
            }
            let factor = |g: &String, raising: bool| -> Option<Factor> {
                let cols: Vec<usize> = (0..p).filter(|&j| &table.features[j].group == g).collect();
                let diff = |j: usize| contrib[w * p + j] / n - all_c[j];
                let lo: f64 = cols.iter().map(|&j| diff(j)).sum();
                if (raising && lo <= 1e-9) || (!raising && lo >= -1e-9) {
                    return None;
                }
                // The column of the group that moves the prediction most in the group's direction.
                let &top = if raising {
                    cols.iter()
                        .max_by(|&&a, &&b| diff(a).total_cmp(&diff(b)).then(b.cmp(&a)))?
                } else {
                    cols.iter()
                        .min_by(|&&a, &&b| diff(a).total_cmp(&diff(b)).then(a.cmp(&b)))?
                };
                let f = &table.features[top];
                let (mw, ma) = (values[w * p + top] / n, all_v[top]);
                let text_nl = match f.kind {
                    FeatureKind::Numeric => format!(
                        "{}: gemiddeld {:.1} in de wijk, {:.1} in de gemeente",
                        f.label_nl, mw, ma
                    ),
                    _ => format!(
                        "{}: {:.0}% van de inwoners, {:.0}% in de gemeente",
                        f.label_nl,
                        100.0 * mw,
                        100.0 * ma
                    ),
                };
                Some(Factor {
                    group: g.clone(),
                    feature: f.name.clone(),
                    text_nl,
                    effect_pct_points: round6(100.0 * var * slope * lo),
                    log_odds: round6(lo),
                })
            };
            let mut found: Vec<Factor> = groups.iter().filter_map(|g| factor(g, true)).collect();
            found.sort_by(|a, b| {
                b.log_odds
                    .total_cmp(&a.log_odds)
                    .then(a.group.cmp(&b.group))
            });
            found.truncate(5);
            let mut lowering: Vec<Factor> =
                groups.iter().filter_map(|g| factor(g, false)).collect();
            lowering.sort_by(|a, b| {
                a.log_odds
                    .total_cmp(&b.log_odds)
                    .then(a.group.cmp(&b.group))
            });
            lowering.truncate(LOWERING_FACTORS);
            WijkFactors {
                wijkcode: code.clone(),
                factors: found,
                lowering,
                area_effect_pct_points: area_pp,
            }
        })
        .collect()
}
