//! Training one outcome: stratified k-fold cross-validation of the candidates, the model choice,
//! wijk (area) effects, recalibration and bootstrap refits.
//!
//! Small-area estimation as RIVM does it: a model of the individual outcome on register features,
//! fitted on respondents with their sample weights, plus a wijk effect on the log-odds scale for
//! what the features do not explain. The wijk effects are estimated from the respondents'
//! *out-of-fold* predictions (so a flexible learner cannot hide them by overfitting) and shrunk
//! towards zero by empirical Bayes: `u_w = u_hat_w * tau2 / (tau2 + v_w)`, with `v_w` the
//! sampling variance of the wijk's raw effect and `tau2` the between-wijk variance by moments.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use rayon::prelude::*;
use std::collections::BTreeMap;

use super::gbt::{Binned, Gbt, GbtParams};
use super::logistic::{sigmoid, Logistic};
use super::metrics;
use super::model::{CandidateScore, CvMetrics, Fitted, Learner, OutcomeModel, Spec};
use super::ModelChoice;
use crate::residents::Feature;

/// The respondents of one outcome, as indices into the rows of `x` (the whole feature table, or
/// the respondents' rows gathered as `risk::train` does).
pub struct Data<'a> {
    /// Row-major, `features.len()` columns.
    pub x: &'a [f64],
    pub features: &'a [Feature],
    /// Outcome per row of `x` (only `rows` are read).
    pub y: Vec<f64>,
    /// Sample weight per row of `x`.
    pub w: Vec<f64>,
    /// Rows of `x` of the scored respondents.
    pub rows: Vec<usize>,
    /// Wijk index per row of `x`, and the wijkcodes.
    pub wijk: &'a [u32],
    pub wijken: &'a [String],
    /// `rows` binned for the trees (shared by both outcomes); `None`: binned here when needed.
    pub binned: Option<&'a Binned>,
}

/// Hyper-parameters of the training of one outcome.
pub struct Settings {
    pub folds: usize,
    pub bootstrap: usize,
    pub choice: ModelChoice,
    pub seed: u64,
    pub lambdas: Vec<f64>,
    pub gbt: GbtParams,
    pub gbt_checkpoints: Vec<usize>,
}

/// Fits `spec` on the respondents at positions `pos` of `d.rows` (trees on the shared bins).
fn fit_learner(spec: &Spec, d: &Data, bins: Option<&Binned>, pos: &[usize]) -> Learner {
    let rows: Vec<usize> = pos.iter().map(|&q| d.rows[q]).collect();
    let trees = |p: &GbtParams| {
        let at: Vec<u32> = pos.iter().map(|&q| q as u32).collect();
        Gbt::fit_binned(bins.expect("binned for trees"), &at, &d.y, &d.w, p)
    };
    match spec {
        Spec::Logistic { lambda } => {
            Learner::Logistic(Logistic::fit(d.features, d.x, &d.y, &d.w, &rows, *lambda))
        }
        Spec::Gbt(p) => Learner::Gbt(trees(p)),
        Spec::Blend { lambda, gbt } => Learner::Blend {
            logistic: Logistic::fit(d.features, d.x, &d.y, &d.w, &rows, *lambda),
            gbt: trees(gbt),
        },
    }
}

/// A bootstrap refit: logistic parts warm-started on the final fit's design terms, trees anew.
fn refit_learner(
    full: &Learner,
    spec: &Spec,
    d: &Data,
    bins: Option<&Binned>,
    pos: &[usize],
) -> Learner {
    let p = d.features.len();
    let rows: Vec<usize> = pos.iter().map(|&q| d.rows[q]).collect();
    match (full, spec) {
        (Learner::Logistic(l), _) => Learner::Logistic(l.refit(p, d.x, &d.y, &d.w, &rows)),
        (Learner::Blend { logistic, .. }, Spec::Blend { gbt, .. }) => {
            let at: Vec<u32> = pos.iter().map(|&q| q as u32).collect();
            Learner::Blend {
                logistic: logistic.refit(p, d.x, &d.y, &d.w, &rows),
                gbt: Gbt::fit_binned(bins.expect("binned for trees"), &at, &d.y, &d.w, gbt),
            }
        }
        _ => fit_learner(spec, d, bins, pos),
    }
}

/// Fold per respondent position: stratified by outcome, shuffled with the seed.
pub fn stratified_folds(y: &[f64], k: usize, seed: u64) -> Vec<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let keys: Vec<u64> = (0..y.len()).map(|_| rng.random()).collect();
    let mut order: Vec<usize> = (0..y.len()).collect();
    order.sort_by(|&a, &b| {
        (y[a] > 0.5)
            .cmp(&(y[b] > 0.5))
            .then(keys[a].cmp(&keys[b]))
            .then(a.cmp(&b))
    });
    let mut fold = vec![0; y.len()];
    for (rank, &i) in order.iter().enumerate() {
        fold[i] = rank % k;
    }
    fold
}

/// Draws of the wijk-level parametric bootstrap of the effects' mean squared error.
pub const MSE_DRAWS: usize = 2000;

/// The wijk effects of one set of respondents: raw effects, their sampling variances, the
/// between-wijk variance and the shrunken effects.
pub struct AreaFit {
    /// Shrunken effect per wijk index (0 without respondents).
    pub effects: Vec<f64>,
    /// Sampling variance of the raw effect per wijk (infinite with fewer than 2 respondents).
    pub raw_var: Vec<f64>,
    /// Between-wijk variance (moments, truncated at 0).
    pub tau2: f64,
    /// Approximate sampling variance of `tau2` (of the untruncated moment estimator).
    pub tau2_var: f64,
}

impl AreaFit {
    /// Mean squared error of each wijk's shrunken effect on the log-odds scale, by a parametric
    /// bootstrap at the wijk level (Butar & Lahiri): `draws` times, true effects are drawn from
    /// `N(0, tau2)` and raw effects around them from `N(theta, v_w)`; `tau2` is re-estimated by
    /// the same moments, every effect shrunk again, and the squared errors averaged. So the
    /// uncertainty of `tau2` itself is in it, without the full refits of a respondent bootstrap
    /// (K numbers per draw instead of a model). A wijk without respondents gets the prior `tau2`.
    pub fn bootstrap_mse(&self, draws: usize, seed: u64) -> Vec<f64> {
        let k = self.raw_var.len();
        let known: Vec<usize> = (0..k).filter(|&w| self.raw_var[w].is_finite()).collect();
        let mut mse = vec![self.tau2; k];
        if known.len() < 2 || draws == 0 {
            return mse;
        }
        for &w in &known {
            mse[w] = 0.0;
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xeb_ad5e);
        let tau = self.tau2.sqrt();
        let kn = known.len() as f64;
        let mut theta = vec![0.0; known.len()];
        let mut raw = vec![0.0; known.len()];
        for _ in 0..draws {
            for (j, &w) in known.iter().enumerate() {
                let z1: f64 = rng.sample(StandardNormal);
                let z2: f64 = rng.sample(StandardNormal);
                theta[j] = tau * z1;
                raw[j] = theta[j] + self.raw_var[w].sqrt() * z2;
            }
            let mean = raw.iter().sum::<f64>() / kn;
            let t2 = (known
                .iter()
                .enumerate()
                .map(|(j, &w)| (raw[j] - mean).powi(2) - self.raw_var[w])
                .sum::<f64>()
                / (kn - 1.0))
                .max(0.0);
            for (j, &w) in known.iter().enumerate() {
                let v = self.raw_var[w];
                let u = raw[j] * t2 / (t2 + v);
                mse[w] += (u - theta[j]).powi(2);
            }
        }
        for &w in &known {
            mse[w] /= draws as f64;
        }
        mse
    }
}

/// Raw wijk effects from log-odds `f` of respondent positions `pos`, shrunk by empirical Bayes.
/// Returns the effect per wijk index and the between-wijk variance.
pub fn area_effects(f: &[f64], d: &Data, pos: &[usize], n_wijken: usize) -> (Vec<f64>, f64) {
    let a = area_fit(f, d, pos, n_wijken);
    (a.effects, a.tau2)
}

/// [`area_effects`] with the variances the intervals need.
pub fn area_fit(f: &[f64], d: &Data, pos: &[usize], n_wijken: usize) -> AreaFit {
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); n_wijken];
    let wsum: f64 = pos.iter().map(|&q| d.w[d.rows[q]]).sum();
    let scale = pos.len() as f64 / wsum;
    for &q in pos {
        members[d.wijk[d.rows[q]] as usize].push(q);
    }
    let mut raw = vec![0.0; n_wijken];
    let mut var = vec![f64::INFINITY; n_wijken];
    for (wk, m) in members.iter().enumerate() {
        if m.len() < 2 {
            continue;
        }
        let mut u = 0.0f64;
        for _ in 0..30 {
            let (mut g, mut h) = (0.0, 0.0);
            for &q in m {
                let i = d.rows[q];
                let pr = sigmoid(f[q] + u);
                g += d.w[i] * scale * (d.y[i] - pr);
                h += d.w[i] * scale * pr * (1.0 - pr);
            }
            let step = g / h.max(1e-9);
            u = (u + step).clamp(-4.0, 4.0);
            if step.abs() < 1e-10 {
                break;
            }
        }
        let (mut a, mut b) = (0.0, 0.0);
        for &q in m {
            let i = d.rows[q];
            let pr = sigmoid(f[q] + u);
            let wi = d.w[i] * scale;
            a += wi * pr * (1.0 - pr);
            b += wi * wi * pr * (1.0 - pr);
        }
        raw[wk] = u;
        var[wk] = b / (a * a).max(1e-12);
    }
    let known: Vec<usize> = (0..n_wijken).filter(|&k| var[k].is_finite()).collect();
    if known.len() < 2 {
        return AreaFit {
            effects: vec![0.0; n_wijken],
            raw_var: var,
            tau2: 0.0,
            tau2_var: 0.0,
        };
    }
    let kn = known.len() as f64;
    let mean = known.iter().map(|&k| raw[k]).sum::<f64>() / kn;
    let tau2 = (known
        .iter()
        .map(|&k| (raw[k] - mean).powi(2) - var[k])
        .sum::<f64>()
        / (kn - 1.0))
        .max(0.0);
    // Var of the moment estimator: sum of 2 (tau2 + v_k)^2 over the wijken, / (K - 1)^2.
    let tau2_var = known
        .iter()
        .map(|&k| 2.0 * (tau2 + var[k]).powi(2))
        .sum::<f64>()
        / ((kn - 1.0) * (kn - 1.0));
    let effects = (0..n_wijken)
        .map(|k| {
            if var[k].is_finite() {
                raw[k] * tau2 / (tau2 + var[k])
            } else {
                0.0
            }
        })
        .collect();
    AreaFit {
        effects,
        raw_var: var,
        tau2,
        tau2_var,
    }
}

/// Sampling variance of the overall log-odds level from respondent positions `pos` with
/// log-odds `f`: the sandwich variance of an intercept, `sum w^2 p(1-p) / (sum w p(1-p))^2`
/// with the weights normalised to mean 1. It is the fixed effects' share of a wijk mean's
/// uncertainty that does not shrink with the wijk's own respondents.
pub fn level_variance(f: &[f64], d: &Data, pos: &[usize]) -> f64 {
    let wsum: f64 = pos.iter().map(|&q| d.w[d.rows[q]]).sum();
    let scale = pos.len() as f64 / wsum;
    let (mut a, mut b) = (0.0, 0.0);
    for &q in pos {
        let pr = sigmoid(f[q]);
        let wi = d.w[d.rows[q]] * scale;
        a += wi * pr * (1.0 - pr);
        b += wi * wi * pr * (1.0 - pr);
    }
    b / (a * a).max(1e-12)
}

fn effects_map(effects: &[f64], wijken: &[String]) -> BTreeMap<String, f64> {
    wijken
        .iter()
        .cloned()
        .zip(effects.iter().copied())
        .collect()
}

/// Trains one outcome (the data's `y`), reporting progress.
pub fn train_outcome(
    name: &str,
    d: &Data,
    s: &Settings,
    mut progress: impl FnMut(&str),
) -> OutcomeModel {
    let n = d.rows.len();
    let n_wijken = d.wijken.len();
    let ys: Vec<f64> = d.rows.iter().map(|&i| d.y[i]).collect();
    let ws: Vec<f64> = d.rows.iter().map(|&i| d.w[i]).collect();
    let fold = stratified_folds(&ys, s.folds, s.seed);
    // Candidates: logistic per lambda, gbt at each checkpoint (one fit per fold serves them all).
    let mut specs: Vec<Spec> = Vec::new();
    if s.choice != ModelChoice::Gbt {
        specs.extend(s.lambdas.iter().map(|&lambda| Spec::Logistic { lambda }));
    }
    let gbt_first = specs.len();
    if s.choice != ModelChoice::Logistic {
        for &r in &s.gbt_checkpoints {
            specs.push(Spec::Gbt(GbtParams {
                rounds: r,
                ..s.gbt.clone()
            }));
        }
    }
    progress(&format!(
        "{name}: cross-validating {} candidates",
        specs.len()
    ));
    // Per fold one job for every logistic penalty (a warm-started path on one design) and one
    // for the trees (one fit serves every checkpoint): (true = logistic path, fold).
    let mut jobs: Vec<(bool, usize)> = Vec::new();
    for k in 0..s.folds {
        if gbt_first > 0 {
            jobs.push((true, k));
        }
        if specs.len() > gbt_first {
            jobs.push((false, k));
        }
    }
    let max_rounds = s.gbt_checkpoints.iter().copied().max().unwrap_or(0);
    // The respondents binned once for every tree fit of this outcome (usually shared with the
    // other outcome too), and the checkpoints in ascending order for one walk over the trees.
    let own_bins;
    let bins: Option<&Binned> = if specs.len() > gbt_first {
        Some(match d.binned {
            Some(b) => {
                assert_eq!(b.rows(), &d.rows[..], "bins of other rows");
                b
            }
            None => {
                own_bins = Binned::new(d.x, d.features.len(), &d.rows);
                &own_bins
            }
        })
    } else {
        None
    };
    let mut ascending: Vec<usize> = s.gbt_checkpoints.clone();
    ascending.sort_unstable();
    ascending.dedup();
    let results: Vec<Vec<(usize, Vec<f64>)>> = jobs
        .par_iter()
        .map(|&(c, k)| {
            let test: Vec<usize> = (0..n).filter(|&q| fold[q] == k).collect();
            let row =
                |q: usize| &d.x[d.rows[q] * d.features.len()..(d.rows[q] + 1) * d.features.len()];
            if c {
                let train: Vec<usize> = (0..n)
                    .filter(|&q| fold[q] != k)
                    .map(|q| d.rows[q])
                    .collect();
                Logistic::fit_path(d.features, d.x, &d.y, &d.w, &train, &s.lambdas)
                    .iter()
                    .enumerate()
                    .map(|(c, m)| (c, test.iter().map(|&q| m.logit(row(q))).collect()))
                    .collect()
            } else {
                let params = GbtParams {
                    rounds: max_rounds,
                    ..s.gbt.clone()
                };
                let at: Vec<u32> = (0..n as u32).filter(|&q| fold[q as usize] != k).collect();
                let m = Gbt::fit_binned(bins.expect("binned"), &at, &d.y, &d.w, &params);
                let at_checkpoints: Vec<Vec<f64>> = test
                    .iter()
                    .map(|&q| m.logit_at(row(q), &ascending))
                    .collect();
                s.gbt_checkpoints
                    .iter()
                    .enumerate()
                    .map(|(j, r)| {
                        let c = ascending.binary_search(r).expect("a checkpoint");
                        (gbt_first + j, at_checkpoints.iter().map(|v| v[c]).collect())
                    })
                    .collect()
            }
        })
        .collect();
    let mut oof = vec![vec![0.0; n]; specs.len()];
    for (&(_, k), res) in jobs.iter().zip(&results) {
        let test: Vec<usize> = (0..n).filter(|&q| fold[q] == k).collect();
        for (c, values) in res {
            for (&q, v) in test.iter().zip(values) {
                oof[*c][q] = *v;
            }
        }
    }
    // Out-of-fold log-odds with wijk effects estimated on the other folds.
    let with_area = |f: &[f64]| -> Vec<f64> {
        let mut eta = vec![0.0; n];
        for k in 0..s.folds {
            let others: Vec<usize> = (0..n).filter(|&q| fold[q] != k).collect();
            let (u, _) = area_effects(f, d, &others, n_wijken);
            for q in (0..n).filter(|&q| fold[q] == k) {
                eta[q] = f[q] + u[d.wijk[d.rows[q]] as usize];
            }
        }
        eta
    };
    // Mean of the per-fold AUCs (as scikit-learn's cross_val_score reports it).
    let fold_auc = |p: &[f64]| -> f64 {
        (0..s.folds)
            .map(|k| {
                let (pk, yk): (Vec<f64>, Vec<f64>) = (0..n)
                    .filter(|&q| fold[q] == k)
                    .map(|q| (p[q], ys[q]))
                    .unzip();
                metrics::auc(&pk, &yk).unwrap_or(0.5)
            })
            .sum::<f64>()
            / s.folds as f64
    };
    let score = |spec: &Spec, f: &[f64]| {
        let p: Vec<f64> = with_area(f).iter().map(|&e| sigmoid(e)).collect();
        CandidateScore {
            name: spec.name(),
            spec: spec.clone(),
            cv_auc: fold_auc(&p),
            cv_brier: metrics::brier(&p, &ys, &ws),
            cv_log_loss: metrics::log_loss(&p, &ys, &ws),
            chosen: false,
        }
    };
    let mut candidates: Vec<CandidateScore> = specs
        .par_iter()
        .zip(&oof)
        .map(|(spec, f)| score(spec, f))
        .collect();
    // Best of each family by log loss; then the blend of the two (mean log-odds).
    let best_in = |c: &[CandidateScore], range: std::ops::Range<usize>| {
        range.min_by(|&a, &b| c[a].cv_log_loss.total_cmp(&c[b].cv_log_loss))
    };
    let best_log = best_in(&candidates, 0..gbt_first);
    let best_gbt = best_in(&candidates, gbt_first..specs.len());
    if let (Some(l), Some(g)) = (best_log, best_gbt) {
        let (Spec::Logistic { lambda }, Spec::Gbt(gbt)) = (&specs[l], &specs[g]) else {
            unreachable!("families are in order")
        };
        let spec = Spec::Blend {
            lambda: *lambda,
            gbt: gbt.clone(),
        };
        let f: Vec<f64> = oof[l]
            .iter()
            .zip(&oof[g])
            .map(|(a, b)| 0.5 * (a + b))
            .collect();
        candidates.push(score(&spec, &f));
        specs.push(spec);
        oof.push(f);
    }
    // The interpretable baseline stays unless another candidate discriminates clearly better
    // (AUC + 0.005); among those, the best AUC.
    let chosen = match best_log {
        Some(l) => (0..candidates.len())
            .filter(|&c| candidates[c].cv_auc > candidates[l].cv_auc + 0.005)
            .max_by(|&a, &b| {
                candidates[a]
                    .cv_auc
                    .total_cmp(&candidates[b].cv_auc)
                    .then(b.cmp(&a))
            })
            .unwrap_or(l),
        None => best_gbt.expect("at least one candidate"),
    };
    candidates[chosen].chosen = true;
    let spec = specs[chosen].clone();
    let eta = &with_area(&oof[chosen]);
    let p: Vec<f64> = eta.iter().map(|&e| sigmoid(e)).collect();
    let (a, b) = metrics::recalibration(&p, &ys, &ws);
    let intercept = metrics::calibration_intercept(&p, &ys, &ws);
    let recalibration = ((b - 1.0).abs() > 0.1 || intercept.abs() > 0.05).then_some((a, b));
    let p_cal: Vec<f64> = match recalibration {
        Some((a, b)) => eta.iter().map(|&e| sigmoid(a + b * e)).collect(),
        None => p.clone(),
    };
    let (_, b_cal) = metrics::recalibration(&p_cal, &ys, &ws);
    let metrics = CvMetrics {
        folds: s.folds,
        respondents: n,
        positives: ys.iter().filter(|&&y| y > 0.5).count(),
        auc: candidates[chosen].cv_auc,
        brier: metrics::brier(&p_cal, &ys, &ws),
        log_loss: metrics::log_loss(&p_cal, &ys, &ws),
        calibration_intercept: intercept,
        calibration_slope: b,
        calibrated_intercept: metrics::calibration_intercept(&p_cal, &ys, &ws),
        calibrated_slope: b_cal,
        reliability: metrics::reliability(&p_cal, &ys, &ws, 10),
    };
    // Final fit on every respondent; wijk effects from the out-of-fold log-odds.
    progress(&format!("{name}: fitting {}", spec.name()));
    let all: Vec<usize> = (0..n).collect();
    let f_oof = &oof[chosen];
    let learner = fit_learner(&spec, d, bins, &all);
    let area = area_fit(f_oof, d, &all, n_wijken);
    let tau2 = area.tau2;
    // For the 90% intervals (districts.rs): the EB mean squared error of every wijk effect
    // (wijk-level parametric bootstrap), the logistic coefficients' sandwich covariance for the
    // delta method on each wijk mean, and the overall level's variance (for trees).
    let area_effect_mse: BTreeMap<String, f64> = d
        .wijken
        .iter()
        .cloned()
        .zip(area.bootstrap_mse(MSE_DRAWS, s.seed))
        .collect();
    let level_variance = level_variance(f_oof, d, &all);
    let coefficient_covariance = match &learner {
        Learner::Logistic(l) | Learner::Blend { logistic: l, .. } => {
            l.covariance(d.features.len(), d.x, &d.y, &d.w, &d.rows)
        }
        Learner::Gbt(_) => Vec::new(),
    };
    let fitted = Fitted {
        learner,
        area_effects: effects_map(&area.effects, d.wijken),
    };
    if s.bootstrap > 0 {
        progress(&format!("{name}: {} bootstrap refits", s.bootstrap));
    }
    let bootstrap: Vec<Fitted> = (0..s.bootstrap)
        .into_par_iter()
        .map(|r| {
            let mut rng = ChaCha8Rng::seed_from_u64(s.seed ^ 0xb005_7000 ^ ((r as u64) << 20));
            let pos: Vec<usize> = (0..n).map(|_| rng.random_range(0..n)).collect();
            let learner = refit_learner(&fitted.learner, &spec, d, bins, &pos);
            let (u, _) = area_effects(f_oof, d, &pos, n_wijken);
            Fitted {
                learner,
                area_effects: effects_map(&u, d.wijken),
            }
        })
        .collect();
    OutcomeModel {
        outcome: name.to_string(),
        spec,
        fitted,
        recalibration,
        area_variance: tau2,
        area_effect_mse,
        coefficient_covariance,
        level_variance,
        metrics,
        candidates,
        bootstrap,
    }
}
