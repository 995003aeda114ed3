//! Weighted, L2-regularised logistic regression fitted by iteratively reweighted least squares:
//! the interpretable baseline.
//!
//! Why our own: the Rust crates we looked at ignore sample weights, and the GGD weights
//! (`weegfactor`) are what make respondents stand for the population. Numeric features enter as a
//! linear term plus hinge terms `max(0, x - knot)` at their training quartiles (a piecewise-linear
//! curve, still one readable line per feature); every term is standardised on the training rows,
//! the penalty `lambda / 2 * |beta|^2` applies to the standardised slopes (not the intercept).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::residents::{Feature, FeatureKind};

/// One column of the design: a feature, or a hinge of a numeric feature at a knot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Term {
    pub feature: usize,
    /// `None` for the linear term, else `max(0, x - knot)`.
    pub knot: Option<f64>,
    pub mean: f64,
    pub sd: f64,
}

impl Term {
    fn raw(&self, row: &[f64]) -> f64 {
        let x = row[self.feature];
        match self.knot {
            None => x,
            Some(k) => (x - k).max(0.0),
        }
    }
    fn z(&self, row: &[f64]) -> f64 {
        (self.raw(row) - self.mean) / self.sd
    }
}

/// A fitted logistic regression: `logit = intercept + sum beta_t * z_t(x)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Logistic {
    pub lambda: f64,
    pub terms: Vec<Term>,
    pub intercept: f64,
    pub beta: Vec<f64>,
}

/// The design terms for the given features, with scaling fitted on `rows` (row-major `x`).
fn terms(features: &[Feature], x: &[f64], rows: &[usize]) -> Vec<Term> {
    let p = features.len();
    let mut out = Vec::new();
    for (j, f) in features.iter().enumerate() {
        let mut col: Vec<f64> = rows.iter().map(|&i| x[i * p + j]).collect();
        let mut knots = vec![None];
        if f.kind == FeatureKind::Numeric {
            col.sort_by(f64::total_cmp);
            for q in [0.25, 0.5, 0.75] {
                let k = col[((col.len() - 1) as f64 * q) as usize];
                if k > col[0] && k < col[col.len() - 1] && !knots.contains(&Some(k)) {
                    knots.push(Some(k));
                }
            }
        }
        for knot in knots {
            let mut t = Term {
                feature: j,
                knot,
                mean: 0.0,
                sd: 1.0,
            };
            let n = rows.len() as f64;
            let mean = rows.iter().map(|&i| t.raw(&x[i * p..])).sum::<f64>() / n;
            let var = rows
                .iter()
                .map(|&i| (t.raw(&x[i * p..]) - mean).powi(2))
                .sum::<f64>()
                / n;
            if var > 1e-12 {
                t.mean = mean;
                t.sd = var.sqrt();
                out.push(t);
            }
        }
    }
    out
}

impl Logistic {
    /// Fits on `rows` of the row-major matrix `x` (`p` columns) with outcomes `y` and weights `w`
    /// (indexed like `x`'s rows; a row listed twice counts twice, as in a bootstrap resample).
    pub fn fit(
        features: &[Feature],
        x: &[f64],
        y: &[f64],
        w: &[f64],
        rows: &[usize],
        lambda: f64,
    ) -> Logistic {
        let terms = terms(features, x, rows);
        Logistic::newton(features.len(), x, y, w, rows, lambda, terms, None)
    }

    /// Refits on other rows (a bootstrap resample) with this model's design terms, Newton started
    /// from its coefficients: the resample's uncertainty in the coefficients on a fixed basis,
    /// in two or three steps instead of a fit from scratch.
    pub fn refit(&self, p: usize, x: &[f64], y: &[f64], w: &[f64], rows: &[usize]) -> Logistic {
        let start: Vec<f64> = std::iter::once(self.intercept)
            .chain(self.beta.iter().copied())
            .collect();
        Logistic::newton(
            p,
            x,
            y,
            w,
            rows,
            self.lambda,
            self.terms.clone(),
            Some(start),
        )
    }

    /// One fit per penalty on the same rows (the cross-validation's candidates): the design
    /// terms and the standardised design are built once, and the penalties are fitted from the
    /// largest to the smallest, each Newton run started at the previous solution (a few steps
    /// instead of a fit from scratch). Returned in the order of `lambdas`.
    pub fn fit_path(
        features: &[Feature],
        x: &[f64],
        y: &[f64],
        w: &[f64],
        rows: &[usize],
        lambdas: &[f64],
    ) -> Vec<Logistic> {
        let terms = terms(features, x, rows);
        let problem = Problem::new(features.len(), x, y, w, rows, &terms);
        let mut order: Vec<usize> = (0..lambdas.len()).collect();
        order.sort_by(|&a, &b| lambdas[b].total_cmp(&lambdas[a]).then(a.cmp(&b)));
        let mut out: Vec<Option<Logistic>> = vec![None; lambdas.len()];
        let (mut start, mut gram) = (None, None);
        for c in order {
            let b = problem.solve(lambdas[c], start.take(), &mut gram);
            out[c] = Some(Logistic {
                lambda: lambdas[c],
                terms: terms.clone(),
                intercept: b[0],
                beta: b[1..].to_vec(),
            });
            start = Some(b);
        }
        out.into_iter().map(|m| m.expect("every penalty")).collect()
    }

    #[allow(clippy::too_many_arguments)]
    fn newton(
        p: usize,
        x: &[f64],
        y: &[f64],
        w: &[f64],
        rows: &[usize],
        lambda: f64,
        terms: Vec<Term>,
        start: Option<Vec<f64>>,
    ) -> Logistic {
        let b = Problem::new(p, x, y, w, rows, &terms).solve(lambda, start, &mut None);
        Logistic {
            lambda,
            terms,
            intercept: b[0],
            beta: b[1..].to_vec(),
        }
    }
}

/// The standardised design (intercept first), outcomes and normalised weights of one fit.
struct Problem {
    k: usize,
    z: Vec<f64>,
    ys: Vec<f64>,
    ws: Vec<f64>,
}

impl Problem {
    fn new(p: usize, x: &[f64], y: &[f64], w: &[f64], rows: &[usize], terms: &[Term]) -> Problem {
        let k = terms.len() + 1;
        let z: Vec<f64> = rows
            .iter()
            .flat_map(|&i| {
                let row = &x[i * p..(i + 1) * p];
                std::iter::once(1.0).chain(terms.iter().map(move |t| t.z(row)))
            })
            .collect();
        let wsum: f64 = rows.iter().map(|&i| w[i]).sum();
        let scale = rows.len() as f64 / wsum;
        Problem {
            k,
            z,
            ys: rows.iter().map(|&i| y[i]).collect(),
            ws: rows.iter().map(|&i| w[i] * scale).collect(),
        }
    }

    /// Penalised weighted IRLS from `start` (or the intercept-only solution). `gram` carries the
    /// unpenalised Hessian `Z'VZ` from one solve to the next along a penalty path (`None`: build
    /// it at `start`).
    ///
    /// The Hessian is rebuilt lazily: a step uses the last Hessian built (with this penalty on
    /// its diagonal) and a fresh one is built only when the steps stop shrinking fast (by less
    /// than [`REFRESH`] per step). Near the solution the weights `p(1-p)` hardly move, so the old
    /// Hessian still gives steps that shrink geometrically, and a step costs a pass for the
    /// gradient (`2 n k`) instead of the `n k^2` of the Hessian. The stopping rule is the same
    /// as for plain Newton (largest step < 1e-8), so the solution is the same to that tolerance.
    fn solve(&self, lambda: f64, start: Option<Vec<f64>>, gram: &mut Option<Vec<f64>>) -> Vec<f64> {
        let (k, z, ys, ws) = (self.k, &self.z, &self.ys, &self.ws);
        let ybar = ys.iter().zip(ws).map(|(y, w)| y * w).sum::<f64>() / ys.len() as f64;
        let mut b = start.unwrap_or_else(|| {
            let mut b = vec![0.0; k];
            b[0] = logit(ybar.clamp(1e-4, 1.0 - 1e-4));
            b
        });
        let n = ys.len();
        let mut factor: Option<Vec<f64>> = None;
        let mut last = f64::INFINITY;
        for _ in 0..MAX_STEPS {
            let fresh = gram.is_none();
            // Gradient of the log-likelihood, and the Hessian when due, summed per chunk.
            let (h, mut g) = (0..n.div_ceil(CHUNK))
                .into_par_iter()
                .map(|c| {
                    let rows = c * CHUNK..((c + 1) * CHUNK).min(n);
                    let zc = &z[rows.start * k..rows.end * k];
                    let mut g = vec![0.0; k];
                    let v: Vec<f64> = rows
                        .map(|r| {
                            let zr = &z[r * k..(r + 1) * k];
                            let eta: f64 = zr.iter().zip(&b).map(|(a, b)| a * b).sum();
                            let pr = sigmoid(eta);
                            let resid = ws[r] * (ys[r] - pr);
                            g.iter_mut().zip(zr).for_each(|(ga, za)| *ga += za * resid);
                            (pr * (1.0 - pr)).max(1e-10) * ws[r]
                        })
                        .collect();
                    let h = fresh.then(|| {
                        let mut h = vec![0.0; k * k];
                        weighted_gram(zc, k, &v, &mut h);
                        h
                    });
                    (h, g)
                })
                .collect::<Vec<_>>()
                .into_iter()
                // Summed in chunk order: the same result whatever the thread count.
                .fold(
                    (None::<Vec<f64>>, vec![0.0; k]),
                    |(h1, mut g1), (h2, g2)| {
                        g1.iter_mut().zip(&g2).for_each(|(a, b)| *a += b);
                        let h = match (h1, h2) {
                            (Some(mut h1), Some(h2)) => {
                                h1.iter_mut().zip(&h2).for_each(|(a, b)| *a += b);
                                Some(h1)
                            }
                            (h1, h2) => h1.or(h2),
                        };
                        (h, g1)
                    },
                );
            if let Some(mut h) = h {
                for a in 0..k {
                    for c in 0..a {
                        h[c * k + a] = h[a * k + c];
                    }
                }
                *gram = Some(h);
                factor = None;
            }
            for a in 1..k {
                g[a] -= lambda * b[a];
            }
            if factor.is_none() {
                let mut h = gram.clone().expect("built above");
                for a in 1..k {
                    h[a * k + a] += lambda;
                }
                if !cholesky_factor(&mut h, k) {
                    break;
                }
                factor = Some(h);
            }
            let step = cholesky_substitute(factor.as_ref().expect("factored"), &g, k);
            let mut largest: f64 = 0.0;
            for (bi, si) in b.iter_mut().zip(&step) {
                *bi += si;
                largest = largest.max(si.abs());
            }
            if largest < 1e-8 {
                break;
            }
            if !fresh && largest > REFRESH * last {
                *gram = None;
            }
            last = largest;
        }
        b
    }
}

/// A step with an old Hessian must be at most this fraction of the previous step, else the next
/// step builds a fresh Hessian. Measured on the 500,000-resident study (cross-validation of the
/// six penalties, CPU seconds per outcome): plain Newton 2.6 s, 0.1: 1.8 s, 0.25: 1.4 s, 0.5:
/// 1.7 s (slow linear steps start to cost more than the Hessians they save).
const REFRESH: f64 = 0.25;

/// Most steps of one solve (a fresh Hessian is built whenever they stop shrinking fast).
const MAX_STEPS: usize = 100;

impl Logistic {
    /// Log-odds for one resident's feature row.
    pub fn logit(&self, row: &[f64]) -> f64 {
        self.intercept
            + self
                .terms
                .iter()
                .zip(&self.beta)
                .map(|(t, b)| b * t.z(row))
                .sum::<f64>()
    }

    /// The standardised design row `[1, z_1(x), ...]` (intercept first) into `out`.
    pub fn design(&self, row: &[f64], out: &mut Vec<f64>) {
        out.clear();
        out.push(1.0);
        out.extend(self.terms.iter().map(|t| t.z(row)));
    }

    /// Sandwich covariance of `(intercept, beta)` on `rows` (row-major, `1 + terms` square):
    /// `H^-1 M H^-1`, with `H` the penalised Hessian at the fit and `M` the sum of the squared
    /// weighted score contributions (weights normalised to mean 1, as in the fit). Empty if `H`
    /// is singular.
    pub fn covariance(
        &self,
        p: usize,
        x: &[f64],
        y: &[f64],
        w: &[f64],
        rows: &[usize],
    ) -> Vec<f64> {
        let k = self.terms.len() + 1;
        let n = rows.len();
        let wsum: f64 = rows.iter().map(|&i| w[i]).sum();
        let scale = n as f64 / wsum;
        let (mut h, mut m) = (0..n.div_ceil(CHUNK))
            .into_par_iter()
            .map(|c| {
                let chunk = &rows[c * CHUNK..((c + 1) * CHUNK).min(n)];
                let mut zc = Vec::with_capacity(chunk.len() * k);
                let mut z = Vec::with_capacity(k);
                let (mut v, mut r2) = (Vec::with_capacity(chunk.len()), Vec::new());
                for &i in chunk {
                    self.design(&x[i * p..(i + 1) * p], &mut z);
                    let eta: f64 = self.intercept
                        + z[1..]
                            .iter()
                            .zip(&self.beta)
                            .map(|(a, b)| a * b)
                            .sum::<f64>();
                    let pr = sigmoid(eta);
                    let wi = w[i] * scale;
                    v.push(wi * pr * (1.0 - pr));
                    r2.push((wi * (y[i] - pr)).powi(2));
                    zc.extend_from_slice(&z);
                }
                let (mut h, mut m) = (vec![0.0; k * k], vec![0.0; k * k]);
                weighted_gram(&zc, k, &v, &mut h);
                weighted_gram(&zc, k, &r2, &mut m);
                (h, m)
            })
            .collect::<Vec<_>>()
            .into_iter()
            // Summed in chunk order: the same result whatever the thread count.
            .fold(
                (vec![0.0; k * k], vec![0.0; k * k]),
                |(mut h1, mut m1), (h2, m2)| {
                    h1.iter_mut().zip(&h2).for_each(|(a, b)| *a += b);
                    m1.iter_mut().zip(&m2).for_each(|(a, b)| *a += b);
                    (h1, m1)
                },
            );
        for a in 1..k {
            h[a * k + a] += self.lambda;
        }
        for a in 0..k {
            for b in 0..a {
                h[b * k + a] = h[a * k + b];
                m[b * k + a] = m[a * k + b];
            }
        }
        // A = H^-1 M column by column, then H^-1 A^T (= H^-1 M H^-1, symmetric).
        let solve_cols = |rhs: &[f64]| -> Option<Vec<f64>> {
            let mut out = vec![0.0; k * k];
            for j in 0..k {
                let col: Vec<f64> = (0..k).map(|a| rhs[a * k + j]).collect();
                let mut hh = h.clone();
                let sol = cholesky_solve(&mut hh, &col, k)?;
                for a in 0..k {
                    out[a * k + j] = sol[a];
                }
            }
            Some(out)
        };
        let Some(a) = solve_cols(&m) else {
            return Vec::new();
        };
        let at: Vec<f64> = (0..k * k).map(|ij| a[(ij % k) * k + ij / k]).collect();
        solve_cols(&at).unwrap_or_default()
    }

    /// Adds each feature's contribution to the log-odds (relative to the training mean, where
    /// every standardised term is 0) to `out[feature]`.
    pub fn contributions(&self, row: &[f64], out: &mut [f64]) {
        for (t, b) in self.terms.iter().zip(&self.beta) {
            out[t.feature] += b * t.z(row);
        }
    }
}

/// Rows per chunk of the Newton and covariance sums: each chunk's sums are one matrix product,
/// and the chunks are added in order (the same bits whatever the thread count).
const CHUNK: usize = 1024;

/// `out = Z' diag(v) Z` for the row-major `m x k` block `z` (`out` is `k x k`, overwritten).
///
/// One general matrix product (`matrixmultiply` through `ndarray`, blocked and vectorised, single
/// threaded, so deterministic) instead of a triangular loop over the rows: the full square costs
/// twice the multiplications but runs several times faster, and the Newton steps of the
/// cross-validation are mostly this sum.
pub(crate) fn weighted_gram(z: &[f64], k: usize, v: &[f64], out: &mut [f64]) {
    let m = v.len();
    let zv: Vec<f64> = z
        .chunks_exact(k)
        .zip(v)
        .flat_map(|(row, &vi)| row.iter().map(move |a| a * vi))
        .collect();
    let a = ndarray::ArrayView2::from_shape((m, k), z).expect("m x k");
    let b = ndarray::ArrayView2::from_shape((m, k), &zv[..]).expect("m x k");
    let mut c = ndarray::ArrayViewMut2::from_shape((k, k), out).expect("k x k");
    ndarray::linalg::general_mat_mul(1.0, &a.t(), &b, 0.0, &mut c);
}

pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

pub fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

/// Solves `A x = b` for symmetric positive definite `A` (`k x k`, overwritten); `None` if singular.
pub fn cholesky_solve(a: &mut [f64], b: &[f64], k: usize) -> Option<Vec<f64>> {
    cholesky_factor(a, k).then(|| cholesky_substitute(a, b, k))
}

/// Overwrites the lower triangle of `a` (`k x k`, symmetric positive definite) with its Cholesky
/// factor `L` (`A = L L'`); `false` if `a` is singular.
fn cholesky_factor(a: &mut [f64], k: usize) -> bool {
    for j in 0..k {
        let mut d = a[j * k + j];
        for m in 0..j {
            d -= a[j * k + m] * a[j * k + m];
        }
        if d <= 1e-12 {
            return false;
        }
        let d = d.sqrt();
        a[j * k + j] = d;
        for i in j + 1..k {
            let mut s = a[i * k + j];
            for m in 0..j {
                s -= a[i * k + m] * a[j * k + m];
            }
            a[i * k + j] = s / d;
        }
    }
    true
}

/// Solves `L L' x = b` with the factor from [`cholesky_factor`].
fn cholesky_substitute(a: &[f64], b: &[f64], k: usize) -> Vec<f64> {
    let mut y = b.to_vec();
    for i in 0..k {
        for m in 0..i {
            y[i] -= a[i * k + m] * y[m];
        }
        y[i] /= a[i * k + i];
    }
    for i in (0..k).rev() {
        for m in i + 1..k {
            y[i] -= a[m * k + i] * y[m];
        }
        y[i] /= a[i * k + i];
    }
    y
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn feature(name: &str, kind: FeatureKind) -> Feature {
        Feature {
            name: name.into(),
            group: name.into(),
            kind,
            label_nl: name.into(),
            description: String::new(),
        }
    }

    #[test]
    fn recovers_coefficients_and_respects_weights() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let n = 20_000;
        let mut x = Vec::new();
        let mut y = Vec::new();
        for _ in 0..n {
            let a: f64 = rng.random::<f64>();
            let f = f64::from(u8::from(rng.random::<f64>() < 0.3));
            x.extend([a, f]);
            y.push(f64::from(u8::from(
                rng.random::<f64>() < sigmoid(-1.0 + 0.8 * f),
            )));
        }
        let feats = [
            feature("a", FeatureKind::Flag),
            feature("f", FeatureKind::Flag),
        ];
        let rows: Vec<usize> = (0..n).collect();
        let w = vec![1.0; n];
        let m = Logistic::fit(&feats, &x, &y, &w, &rows, 1e-6);
        let slope_f = m.beta[1] / m.terms[1].sd;
        assert!((slope_f - 0.8).abs() < 0.1, "slope {slope_f}");
        assert!(m.beta[0].abs() < 0.05);
        // Weight 2 on a row is the same as the row twice.
        let small: Vec<usize> = (0..500).collect();
        let mut w2 = vec![1.0; n];
        w2[7] = 2.0;
        let twice: Vec<usize> = (0..500).chain(std::iter::once(7)).collect();
        let a = Logistic::fit(&feats, &x, &y, &w2, &small, 0.5);
        let b = Logistic::fit(&feats, &x, &y, &w, &twice, 0.5);
        let row = [0.3, 1.0];
        // Standardisation differs slightly (weights are not used for scaling), the fit does not.
        assert!((a.logit(&row) - b.logit(&row)).abs() < 0.02);
    }
}
