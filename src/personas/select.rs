//! Choosing the number of personas: silhouette on a sample and stability across bootstrap refits.
//!
//! For every K in the range, k-means is fitted on a fixed random sample of residents. Two numbers
//! judge it: the mean silhouette (how well separated the personas are, on a smaller sub-sample
//! because it costs O(m^2)), and the stability: pairs of refits on two independent half-samples
//! label the whole selection sample, and the adjusted Rand index between the two labelings says
//! whether the same personas come back when the data is perturbed. A K whose personas do not come
//! back is not something to build policy on, however good its silhouette.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::encode::Matrix;
use super::kmeans::{self, KMeansParams};

/// The evidence for one K.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub k: usize,
    pub silhouette: f64,
    /// Mean adjusted Rand index between bootstrap refit pairs.
    pub stability: f64,
    /// Within-cluster sum of squares per resident on the selection sample.
    pub inertia_per_resident: f64,
    /// `silhouette * stability`, the number the choice maximises.
    pub score: f64,
}

/// Settings of the selection.
#[derive(Debug, Clone, Copy)]
pub struct SelectParams {
    pub k_min: usize,
    pub k_max: usize,
    pub sample: usize,
    pub silhouette_sample: usize,
    pub bootstrap_pairs: usize,
    pub n_init: usize,
    pub seed: u64,
}

/// Rows drawn without replacement, sorted (so the sample is a subset in the original order).
pub fn sample_rows(n: usize, m: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    if m < n {
        idx.partial_shuffle(rng, m);
        idx.truncate(m);
        idx.sort_unstable();
    }
    idx
}

pub fn subset(x: &Matrix, rows: &[usize]) -> Matrix {
    let mut data = Vec::with_capacity(rows.len() * x.cols);
    for &r in rows {
        data.extend_from_slice(x.row(r));
    }
    Matrix {
        rows: rows.len(),
        cols: x.cols,
        data,
    }
}

/// Scores every K in the range; the caller picks with [`choose`].
pub fn evaluate(x: &Matrix, p: SelectParams, mut progress: impl FnMut(usize)) -> Vec<Candidate> {
    let mut rng = ChaCha8Rng::seed_from_u64(p.seed ^ 0x5e1ec7);
    let rows = sample_rows(x.rows, p.sample, &mut rng);
    let s = subset(x, &rows);
    let sil_rows = sample_rows(s.rows, p.silhouette_sample, &mut rng);
    let half = s.rows / 2;
    let halves: Vec<(Matrix, Matrix)> = (0..p.bootstrap_pairs)
        .map(|_| {
            let mut idx: Vec<usize> = (0..s.rows).collect();
            idx.shuffle(&mut rng);
            let (mut a, mut b) = (idx[..half].to_vec(), idx[half..2 * half].to_vec());
            a.sort_unstable();
            b.sort_unstable();
            (subset(&s, &a), subset(&s, &b))
        })
        .collect();
    let mut out = Vec::new();
    for k in p.k_min..=p.k_max {
        let params = KMeansParams {
            k,
            n_init: p.n_init,
            max_iter: 300,
            tol: 1e-8,
            seed: p.seed.wrapping_add(1000 * k as u64),
        };
        let fit = kmeans::fit(&s, params);
        let silhouette = silhouette(&s, &fit.labels, k, &sil_rows);
        let mut stability = 0.0;
        for (b, (h1, h2)) in halves.iter().enumerate() {
            let seed = params.seed.wrapping_add(100 + 2 * b as u64);
            let f1 = kmeans::fit(h1, KMeansParams { seed, ..params });
            let f2 = kmeans::fit(
                h2,
                KMeansParams {
                    seed: seed + 1,
                    ..params
                },
            );
            let l1 = kmeans::assign(&s, &f1.centroids, k);
            let l2 = kmeans::assign(&s, &f2.centroids, k);
            stability += adjusted_rand_index(&l1, &l2);
        }
        stability /= p.bootstrap_pairs.max(1) as f64;
        out.push(Candidate {
            k,
            silhouette,
            stability,
            inertia_per_resident: fit.inertia / s.rows.max(1) as f64,
            score: silhouette * stability,
        });
        progress(k);
    }
    out
}

/// The K with the highest `silhouette * stability` (ties: the smaller K).
pub fn choose(candidates: &[Candidate]) -> usize {
    candidates
        .iter()
        .fold(None::<&Candidate>, |best, c| match best {
            Some(b) if b.score >= c.score => Some(b),
            _ => Some(c),
        })
        .map_or(2, |c| c.k)
}

/// Mean silhouette of the rows `on` (indices into `x`), distances to all of `on`.
pub fn silhouette(x: &Matrix, labels: &[u32], k: usize, on: &[usize]) -> f64 {
    let values: Vec<f64> = on
        .par_iter()
        .map(|&i| {
            let mut sum = vec![0f64; k];
            let mut count = vec![0usize; k];
            let ri = x.row(i);
            for &j in on {
                if j == i {
                    continue;
                }
                let d: f32 = ri
                    .iter()
                    .zip(x.row(j))
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum();
                let l = labels[j] as usize;
                sum[l] += f64::from(d.sqrt());
                count[l] += 1;
            }
            let own = labels[i] as usize;
            if count[own] == 0 {
                return 0.0;
            }
            let a = sum[own] / count[own] as f64;
            let b = (0..k)
                .filter(|&c| c != own && count[c] > 0)
                .map(|c| sum[c] / count[c] as f64)
                .fold(f64::INFINITY, f64::min);
            if !b.is_finite() {
                return 0.0;
            }
            let m = a.max(b);
            if m > 0.0 {
                (b - a) / m
            } else {
                0.0
            }
        })
        .collect();
    values.iter().sum::<f64>() / values.len().max(1) as f64
}

/// Adjusted Rand index of two labelings of the same items (Hubert and Arabie).
pub fn adjusted_rand_index(a: &[u32], b: &[u32]) -> f64 {
    assert_eq!(a.len(), b.len());
    let ka = a.iter().max().map_or(0, |&m| m as usize + 1);
    let kb = b.iter().max().map_or(0, |&m| m as usize + 1);
    let mut table = vec![0u64; ka * kb];
    for (&x, &y) in a.iter().zip(b) {
        table[x as usize * kb + y as usize] += 1;
    }
    let c2 = |n: u64| (n as f64) * (n as f64 - 1.0) / 2.0;
    let index: f64 = table.iter().map(|&n| c2(n)).sum();
    let rows: f64 = (0..ka)
        .map(|i| c2(table[i * kb..(i + 1) * kb].iter().sum()))
        .sum();
    let cols: f64 = (0..kb)
        .map(|j| c2((0..ka).map(|i| table[i * kb + j]).sum()))
        .sum();
    let total = c2(a.len() as u64);
    if total == 0.0 {
        return 1.0;
    }
    let expected = rows * cols / total;
    let max = 0.5 * (rows + cols);
    if (max - expected).abs() < 1e-12 {
        1.0
    } else {
        (index - expected) / (max - expected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ari_known_values() {
        assert!((adjusted_rand_index(&[0, 0, 1, 1], &[1, 1, 0, 0]) - 1.0).abs() < 1e-12);
        // sklearn: adjusted_rand_score([0,0,1,1],[0,0,1,2]) = 0.5714285714
        assert!((adjusted_rand_index(&[0, 0, 1, 1], &[0, 0, 1, 2]) - 0.571_428_571_4).abs() < 1e-9);
        // sklearn: adjusted_rand_score([0,0,0,1,1,1],[0,1,2,0,1,2]) = -0.36363636...
        let a = adjusted_rand_index(&[0, 0, 0, 1, 1, 1], &[0, 1, 2, 0, 1, 2]);
        assert!((a + 4.0 / 11.0).abs() < 1e-9, "{a}");
        // sklearn: adjusted_rand_score([0,0,1,1,2,2,2],[0,0,1,2,2,2,1]) = 0.2125
        let a = adjusted_rand_index(&[0, 0, 1, 1, 2, 2, 2], &[0, 0, 1, 2, 2, 2, 1]);
        assert!((a - 0.2125).abs() < 1e-9, "{a}");
    }
}
