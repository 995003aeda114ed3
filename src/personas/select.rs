//! Choosing the number of personas: where adding a persona stops explaining much, checked by
//! bootstrap stability.
//!
//! For every K in the range, k-means (best of several restarts) is fitted on a fixed random sample
//! of residents; the sample size does not grow with the population, so the rule behaves the same
//! at 20,000 and 500,000 residents. Per K we record:
//!
//! - the within-cluster sum of squares per resident `W(K)` and its relative gain
//!   `1 - W(K) / W(K-1)`: the share of the remaining variation the K-th persona explains;
//! - the stability: pairs of refits on two disjoint half-samples label the whole selection sample,
//!   and the adjusted Rand index between the two labelings says whether the same personas come
//!   back when the data is perturbed;
//! - the mean silhouette (on a smaller sub-sample because it costs O(m^2)), reported only.
//!
//! The rule ([`choose`]): the elbow is the last K up to which every added persona explains at
//! least [`MIN_GAIN`] of the remaining variation; if the personas at that K do not come back in the
//! bootstrap (stability below [`MIN_STABILITY`]), the largest smaller K that is stable is taken.
//! Why not silhouette: on these binary-heavy encodings it is flat (0.43 to 0.49 for K = 4..9 on
//! every synthetic study) and its noise decided the choice; see docs/personas.md for the numbers.

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
    /// `1 - W(K) / W(K-1)` (0 for the first K of the range): the share of the remaining variation
    /// the K-th persona explains.
    #[serde(default)]
    pub inertia_gain: f64,
}

/// An added persona must explain at least this share of the remaining within-persona variation.
/// On the synthetic studies (3 sizes, 4 seeds, 2 profiles) every K up to the planted one gained
/// 10.5% or more and every K beyond it 7.4% or less (docs/personas.md).
pub const MIN_GAIN: f64 = 0.09;

/// The chosen personas must come back in half-sample refits with at least this adjusted Rand index.
pub const MIN_STABILITY: f64 = 0.9;

/// Column titles of the selection table (see [`table_row`]).
pub fn table_header() -> String {
    " K  inertia/resident    gain  stability(ARI)  silhouette".to_string()
}

/// One line of the selection table, aligned with [`table_header`].
pub fn table_row(c: &Candidate) -> String {
    format!(
        "{:>2}  {:>16.4}  {:>5.1}%  {:>14.3}  {:>10.3}",
        c.k,
        c.inertia_per_resident,
        100.0 * c.inertia_gain,
        c.stability,
        c.silhouette
    )
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
pub fn evaluate(x: &Matrix, p: SelectParams, progress: impl FnMut(usize)) -> Vec<Candidate> {
    evaluate_with_centres(x, p, progress).0
}

/// [`evaluate`], plus per candidate the centres (`k * cols`) of its best fit on the selection
/// sample, a good start for the final fit on every resident.
pub fn evaluate_with_centres(
    x: &Matrix,
    p: SelectParams,
    mut progress: impl FnMut(usize),
) -> (Vec<Candidate>, Vec<Vec<f64>>) {
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
    let mut out: Vec<Candidate> = Vec::new();
    let mut centres: Vec<Vec<f64>> = Vec::new();
    // The previous K's centres of each half-sample fit: the halves get the same grown start as the
    // whole sample, so a half stuck in a poor local optimum does not pass for unstable personas.
    let mut half_centres: Vec<[Option<Vec<f64>>; 2]> = vec![[None, None]; halves.len()];
    for k in p.k_min..=p.k_max {
        let params = KMeansParams {
            k,
            n_init: p.n_init,
            max_iter: 300,
            tol: kmeans::DEFAULT_TOL,
            seed: p.seed.wrapping_add(1000 * k as u64),
        };
        // k-means++ restarts, plus one start from the previous K's best centres with one centre
        // added (k-means++): a bad local optimum at one K would otherwise make its gain look
        // small and the next K's gain large, and the elbow would land in the wrong place.
        let mut fit = kmeans::fit(&s, params);
        if let Some(prev) = centres.last() {
            let grown = kmeans::fit_from(
                &s,
                KMeansParams {
                    n_init: 1,
                    ..params
                },
                prev,
            );
            if grown.inertia < fit.inertia {
                fit = grown;
            }
        }
        let silhouette = silhouette(&s, &fit.labels, k, &sil_rows);
        let mut stability = 0.0;
        for (b, (h1, h2)) in halves.iter().enumerate() {
            let seed = params.seed.wrapping_add(100 + 2 * b as u64);
            let best_fit = |h: &Matrix, seed: u64, prev: &Option<Vec<f64>>| {
                let params = KMeansParams { seed, ..params };
                let fit = kmeans::fit(h, params);
                match prev {
                    Some(prev) => {
                        let grown = kmeans::fit_from(
                            h,
                            KMeansParams {
                                n_init: 1,
                                ..params
                            },
                            prev,
                        );
                        if grown.inertia < fit.inertia {
                            grown
                        } else {
                            fit
                        }
                    }
                    None => fit,
                }
            };
            let f1 = best_fit(h1, seed, &half_centres[b][0]);
            let f2 = best_fit(h2, seed + 1, &half_centres[b][1]);
            half_centres[b] = [Some(f1.centroids.clone()), Some(f2.centroids.clone())];
            let l1 = kmeans::assign(&s, &f1.centroids, k);
            let l2 = kmeans::assign(&s, &f2.centroids, k);
            stability += adjusted_rand_index(&l1, &l2);
        }
        stability /= p.bootstrap_pairs.max(1) as f64;
        let inertia_per_resident = fit.inertia / s.rows.max(1) as f64;
        let inertia_gain = match out.last() {
            Some(prev) if prev.inertia_per_resident > 0.0 => {
                1.0 - inertia_per_resident / prev.inertia_per_resident
            }
            _ => 0.0,
        };
        out.push(Candidate {
            k,
            silhouette,
            stability,
            inertia_per_resident,
            inertia_gain,
        });
        centres.push(fit.centroids);
        progress(k);
    }
    (out, centres)
}

/// The elbow K (the last K up to which every step gains at least [`MIN_GAIN`]), stepped down to the
/// largest K at or below it with stability at least [`MIN_STABILITY`] (the smallest K of the range
/// when none is stable). `candidates` are in increasing K.
pub fn choose(candidates: &[Candidate]) -> usize {
    let Some(first) = candidates.first() else {
        return 2;
    };
    let elbow = candidates
        .iter()
        .skip(1)
        .take_while(|c| c.inertia_gain >= MIN_GAIN)
        .last()
        .unwrap_or(first);
    candidates
        .iter()
        .filter(|c| c.k <= elbow.k && c.stability >= MIN_STABILITY)
        .map(|c| c.k)
        .max()
        .unwrap_or(first.k)
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

    fn cand(k: usize, gain: f64, stability: f64) -> Candidate {
        Candidate {
            k,
            silhouette: 0.4,
            stability,
            inertia_per_resident: 1.0,
            inertia_gain: gain,
        }
    }

    #[test]
    fn choose_takes_the_elbow_and_steps_down_to_a_stable_k() {
        let gains = [0.0, 0.17, 0.12, 0.11, 0.105, 0.05, 0.12, 0.03];
        let table: Vec<Candidate> = gains
            .iter()
            .enumerate()
            .map(|(i, &g)| cand(4 + i, g, 0.95))
            .collect();
        // 9 gains 5%: the elbow is 8, even though 10 gains 12% again.
        assert_eq!(choose(&table), 8);
        let mut unstable = table.clone();
        unstable[4].stability = 0.85; // K = 8
        unstable[3].stability = 0.80; // K = 7
        assert_eq!(choose(&unstable), 6);
        // No gain reaches the threshold: the smallest K.
        let flat: Vec<Candidate> = (4..=8).map(|k| cand(k, 0.02, 0.99)).collect();
        assert_eq!(choose(&flat), 4);
        // Nothing stable: the smallest K.
        let shaky: Vec<Candidate> = (4..=8).map(|k| cand(k, 0.2, 0.5)).collect();
        assert_eq!(choose(&shaky), 4);
    }

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
