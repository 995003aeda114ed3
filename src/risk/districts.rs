//! District scores and factors: everything aggregated per wijk from resident-level predictions.
//!
//! A wijk's predicted prevalence is the mean predicted probability over all its residents. Its
//! 90% interval comes from the bootstrap refits: each replicate predicts a fixed, seeded sample
//! of at most [`INTERVAL_SAMPLE`] residents per wijk; the interval is the point estimate plus the
//! 5th and 95th percentiles of (replicate mean - final model's mean) on that sample, so the
//! sample only saves time and does not shift the interval.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

use super::model::OutcomeModel;
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

/// `(low, high)` per wijk of the 90% bootstrap interval around `means` (fractions).
fn intervals(
    model: &OutcomeModel,
    table: &FeatureTable,
    sample: &[Vec<usize>],
    means: &[f64],
) -> Vec<Option<(f64, f64)>> {
    if model.bootstrap.len() < 10 {
        return vec![None; means.len()];
    }
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
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5a3b1e);
    let sample: Vec<Vec<usize>> = members
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
        .collect();
    let mean =
        |p: &[f64], m: &[usize]| m.iter().map(|&i| p[i]).sum::<f64>() / m.len().max(1) as f64;
    let ml: Vec<f64> = members.iter().map(|m| mean(p_lonely, m)).collect();
    let ms: Vec<f64> = members.iter().map(|m| mean(p_severe, m)).collect();
    let il = intervals(lonely, table, &sample, &ml);
    let is = intervals(severe, table, &sample, &ms);
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

/// One factor of a wijk: a feature group that raises predicted loneliness there.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Factor {
    /// Feature group (`huishouden`, `age`, ...).
    pub group: String,
    /// The column of the group that differs most (`huishouden=alleen`).
    pub feature: String,
    /// Plain Dutch: what is different in this wijk.
    pub text_nl: String,
    /// Approximate percentage points this factor adds to the wijk's predicted % lonely
    /// compared with the municipality.
    pub effect_pct_points: f64,
    /// Mean contribution to the log-odds, wijk minus municipality.
    pub log_odds: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WijkFactors {
    pub wijkcode: String,
    /// Up to five factors, largest first; empty for a suppressed wijk.
    pub factors: Vec<Factor>,
    /// Percentage points from the wijk effect (what register features do not explain).
    pub area_effect_pct_points: f64,
}

/// Top five feature groups per wijk by mean contribution to the lonely model's log-odds,
/// compared with the municipality's mean contribution.
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
                    area_effect_pct_points: area_pp,
                };
            }
            let mut found: Vec<Factor> = groups
                .iter()
                .filter_map(|g| {
                    let cols: Vec<usize> =
                        (0..p).filter(|&j| &table.features[j].group == g).collect();
                    let diff = |j: usize| contrib[w * p + j] / n - all_c[j];
                    let lo: f64 = cols.iter().map(|&j| diff(j)).sum();
                    if lo <= 1e-9 {
                        return None;
                    }
                    let &top = cols
                        .iter()
                        .max_by(|&&a, &&b| diff(a).total_cmp(&diff(b)).then(b.cmp(&a)))?;
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
                })
                .collect();
            found.sort_by(|a, b| {
                b.log_odds
                    .total_cmp(&a.log_odds)
                    .then(a.group.cmp(&b.group))
            });
            found.truncate(5);
            WijkFactors {
                wijkcode: code.clone(),
                factors: found,
                area_effect_pct_points: area_pp,
            }
        })
        .collect()
}
