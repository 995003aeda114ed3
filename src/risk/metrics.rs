//! How good predicted probabilities are: discrimination (AUC), accuracy (Brier), calibration
//! (intercept and slope of the logistic recalibration) and a reliability table.

use serde::{Deserialize, Serialize};

use super::logistic::{cholesky_solve, logit, sigmoid};

/// Area under the ROC curve (Mann-Whitney, ties count half); unweighted, like the oracle it is
/// compared with. `None` when only one class is present.
pub fn auc(p: &[f64], y: &[f64]) -> Option<f64> {
    let mut idx: Vec<usize> = (0..p.len()).collect();
    idx.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let (mut rank_sum, mut pos) = (0.0, 0.0);
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && p[idx[j + 1]] == p[idx[i]] {
            j += 1;
        }
        let mid = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            if y[k] > 0.5 {
                rank_sum += mid;
                pos += 1.0;
            }
        }
        i = j + 1;
    }
    let neg = p.len() as f64 - pos;
    (pos > 0.0 && neg > 0.0).then(|| (rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg))
}

/// Weighted mean squared error of the probabilities.
pub fn brier(p: &[f64], y: &[f64], w: &[f64]) -> f64 {
    let ws: f64 = w.iter().sum();
    p.iter()
        .zip(y)
        .zip(w)
        .map(|((p, y), w)| w * (p - y).powi(2))
        .sum::<f64>()
        / ws
}

/// Weighted mean log loss.
pub fn log_loss(p: &[f64], y: &[f64], w: &[f64]) -> f64 {
    let ws: f64 = w.iter().sum();
    p.iter()
        .zip(y)
        .zip(w)
        .map(|((p, y), w)| {
            let p = p.clamp(1e-12, 1.0 - 1e-12);
            -w * (y * p.ln() + (1.0 - y) * (1.0 - p).ln())
        })
        .sum::<f64>()
        / ws
}

/// `(a, b)` of the weighted logistic fit `P(y) = sigmoid(a + b * logit(p))`: a perfectly
/// calibrated model has `b = 1`, `a = 0`. Also the recalibration map when a model needs one.
pub fn recalibration(p: &[f64], y: &[f64], w: &[f64]) -> (f64, f64) {
    let x: Vec<f64> = p.iter().map(|p| logit(p.clamp(1e-9, 1.0 - 1e-9))).collect();
    let mut b = [0.0, 1.0];
    for _ in 0..50 {
        let mut h = [0.0; 4];
        let mut g = [0.0; 2];
        for i in 0..x.len() {
            let pr = sigmoid(b[0] + b[1] * x[i]);
            let v = w[i] * pr * (1.0 - pr);
            let r = w[i] * (y[i] - pr);
            g[0] += r;
            g[1] += r * x[i];
            h[0] += v;
            h[1] += v * x[i];
            h[3] += v * x[i] * x[i];
        }
        h[2] = h[1];
        let Some(s) = cholesky_solve(&mut h, &g, 2) else {
            break;
        };
        b[0] += s[0];
        b[1] += s[1];
        if s[0].abs().max(s[1].abs()) < 1e-10 {
            break;
        }
    }
    (b[0], b[1])
}

/// Calibration-in-the-large: the intercept `a` of `P(y) = sigmoid(a + logit(p))` (slope fixed
/// at 1); 0 when the mean prediction matches the weighted outcome rate.
pub fn calibration_intercept(p: &[f64], y: &[f64], w: &[f64]) -> f64 {
    let x: Vec<f64> = p.iter().map(|p| logit(p.clamp(1e-9, 1.0 - 1e-9))).collect();
    let mut a = 0.0;
    for _ in 0..50 {
        let (mut g, mut h) = (0.0, 0.0);
        for i in 0..x.len() {
            let pr = sigmoid(a + x[i]);
            g += w[i] * (y[i] - pr);
            h += w[i] * pr * (1.0 - pr);
        }
        let s = g / h.max(1e-12);
        a += s;
        if s.abs() < 1e-12 {
            break;
        }
    }
    a
}

/// One row of a reliability table: residents of one predicted-risk tenth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityBin {
    pub bin: usize,
    pub respondents: usize,
    pub mean_predicted: f64,
    /// Weighted observed rate.
    pub observed: f64,
}

/// Respondents sorted by prediction and cut into `bins` groups of equal size.
pub fn reliability(p: &[f64], y: &[f64], w: &[f64], bins: usize) -> Vec<ReliabilityBin> {
    let mut idx: Vec<usize> = (0..p.len()).collect();
    idx.sort_by(|&a, &b| p[a].total_cmp(&p[b]).then(a.cmp(&b)));
    (0..bins)
        .filter_map(|b| {
            let part = &idx[b * idx.len() / bins..(b + 1) * idx.len() / bins];
            if part.is_empty() {
                return None;
            }
            let ws: f64 = part.iter().map(|&i| w[i]).sum();
            Some(ReliabilityBin {
                bin: b + 1,
                respondents: part.len(),
                mean_predicted: part.iter().map(|&i| w[i] * p[i]).sum::<f64>() / ws,
                observed: part.iter().map(|&i| w[i] * y[i]).sum::<f64>() / ws,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_by_hand() {
        let p = [0.1, 0.4, 0.35, 0.8];
        let y = [0.0, 0.0, 1.0, 1.0];
        assert_eq!(auc(&p, &y), Some(0.75));
        assert_eq!(auc(&[0.5, 0.5], &[0.0, 1.0]), Some(0.5));
        assert_eq!(auc(&[0.5, 0.2], &[1.0, 1.0]), None);
    }

    #[test]
    fn perfectly_calibrated_predictions_have_slope_one() {
        // y frequencies equal to p in each group.
        let mut p = Vec::new();
        let mut y = Vec::new();
        for (prob, n1, n0) in [(0.2, 20, 80), (0.5, 50, 50), (0.8, 80, 20)] {
            for _ in 0..n1 {
                p.push(prob);
                y.push(1.0);
            }
            for _ in 0..n0 {
                p.push(prob);
                y.push(0.0);
            }
        }
        let w = vec![1.0; p.len()];
        let (a, b) = recalibration(&p, &y, &w);
        assert!(a.abs() < 1e-6 && (b - 1.0).abs() < 1e-6, "{a} {b}");
        assert!(calibration_intercept(&p, &y, &w).abs() < 1e-6);
        assert!((brier(&p, &y, &w) - 0.19).abs() < 1e-9);
        let t = reliability(&p, &y, &w, 3);
        assert_eq!(t.len(), 3);
        assert!((t[2].observed - 0.8).abs() < 1e-9);
    }
}
