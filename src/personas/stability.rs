//! Per-persona stability: Hennig's bootstrap Jaccard (Hennig 2007, "Cluster-wise assessment of
//! cluster stability"; `fpc::clusterboot` in R).
//!
//! On a seeded sample of residents, each persona is the set of sampled residents nearest its
//! centre. The sample is resampled with replacement [`BOOTSTRAPS`] times and k-means (same K,
//! k-means++ restarts, not started from the personas' own centres) is fitted on each resample;
//! a persona's score in one resample is the best Jaccard similarity between it and any of the
//! resample's clusters, both restricted to the distinct residents drawn. The stability is the mean
//! over the resamples. Hennig's reading: >= 0.75 a stable persona, 0.6-0.75 a pattern worth
//! a second look, < 0.6 not to be trusted (shown as uncertain).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::encode::Matrix;
use super::kmeans::{self, KMeansParams};
use super::select::{sample_rows, subset};

/// Resamples; Hennig's default is 100, 20 keep the standard error of a mean Jaccard near 0.02.
pub const BOOTSTRAPS: usize = 20;
/// Residents in the sample the resamples are drawn from (the same whatever the population).
pub const SAMPLE: usize = 10_000;
/// Hennig's thresholds.
pub const STABLE: f64 = 0.75;
pub const UNCERTAIN: f64 = 0.6;

/// The bootstrap Jaccard of each persona (index = persona index of `centroids`, `k * cols`).
pub fn per_persona(x: &Matrix, centroids: &[f64], k: usize, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0b00_75ad);
    let rows = sample_rows(x.rows, SAMPLE, &mut rng);
    let s = subset(x, &rows);
    let n = s.rows;
    if n == 0 || k == 0 {
        return vec![0.0; k];
    }
    let original = kmeans::assign(&s, centroids, k);
    let mut total = vec![0.0f64; k];
    for b in 0..BOOTSTRAPS {
        let draw: Vec<usize> = (0..n).map(|_| rng.random_range(0..n)).collect();
        let mut distinct = draw.clone();
        distinct.sort_unstable();
        distinct.dedup();
        let fit = kmeans::fit(
            &subset(&s, &draw),
            KMeansParams {
                k,
                n_init: 2,
                max_iter: 100,
                tol: kmeans::DEFAULT_TOL,
                seed: seed.wrapping_add(7919 * (b as u64 + 1)),
            },
        );
        let labels = kmeans::assign(&subset(&s, &distinct), &fit.centroids, k);
        add_best_jaccard(&original, &distinct, &labels, k, &mut total);
    }
    total.iter().map(|t| t / BOOTSTRAPS as f64).collect()
}

/// Adds, per original persona, its best Jaccard similarity with any bootstrap cluster over the
/// distinct residents drawn (`labels[j]` is the cluster of `distinct[j]`).
fn add_best_jaccard(
    original: &[u32],
    distinct: &[usize],
    labels: &[u32],
    k: usize,
    total: &mut [f64],
) {
    let mut both = vec![0usize; k * k];
    let (mut a, mut c) = (vec![0usize; k], vec![0usize; k]);
    for (j, &i) in distinct.iter().enumerate() {
        let (o, l) = (original[i] as usize, labels[j] as usize);
        both[o * k + l] += 1;
        a[o] += 1;
        c[l] += 1;
    }
    for o in 0..k {
        let best = (0..k)
            .map(|l| {
                let inter = both[o * k + l];
                let union = a[o] + c[l] - inter;
                if union == 0 {
                    0.0
                } else {
                    inter as f64 / union as f64
                }
            })
            .fold(0.0, f64::max);
        total[o] += best;
    }
}

/// Residents in the latent class model's bootstrap sample.
pub const LCA_SAMPLE: usize = 5_000;

/// [`per_persona`] for latent class personas: each persona is the set of sampled residents whose
/// most probable class it is; each resample (of whole households when the model pools them) is
/// refitted from a k-means start (not from the personas themselves) with a short EM, in parallel
/// (each resample has its own seed, so the result does not depend on the thread count).
pub fn per_persona_lca(
    f: &super::lca::Fitted,
    table: &crate::residents::FeatureTable,
    seed: u64,
) -> crate::error::Result<Vec<f64>> {
    use super::lca;
    use rayon::prelude::*;
    let k = f.model.k;
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0b00_75ad);
    let units = f.spec.units(table).sample(LCA_SAMPLE, &mut rng);
    let s = f.spec.apply(table, &units)?;
    let n = s.n_units();
    if n == 0 || k == 0 {
        return Ok(vec![0.0; k]);
    }
    let (original, _) = lca::classify(&f.model, &s);
    let parts: Vec<Vec<f64>> = (0..BOOTSTRAPS)
        .into_par_iter()
        .map(|b| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed.wrapping_add(7919 * (b as u64 + 1)));
            let draw: Vec<usize> = (0..n).map(|_| rng.random_range(0..n)).collect();
            let mut distinct = draw.clone();
            distinct.sort_unstable();
            distinct.dedup();
            let fit = lca::fit(
                &f.spec,
                &s.subset(&draw),
                lca::LcaParams {
                    k,
                    restarts: 1,
                    splits: 0,
                    start_iter: 10,
                    max_iter: 100,
                    tol: 1e-6,
                    prior: 0.1,
                    seed: seed.wrapping_add(b as u64),
                },
            );
            let (labels, _) = lca::classify(&fit, &s.subset(&distinct));
            // The rows of the distinct units, in the order `subset` lays them out.
            let rows: Vec<usize> = distinct
                .iter()
                .flat_map(|&u| s.units[u] as usize..s.units[u + 1] as usize)
                .collect();
            let mut total = vec![0.0; k];
            add_best_jaccard(&original, &rows, &labels, k, &mut total);
            total
        })
        .collect();
    let mut total = vec![0.0; k];
    for p in parts {
        for (t, v) in total.iter_mut().zip(p) {
            *t += v;
        }
    }
    Ok(total.iter().map(|t| t / BOOTSTRAPS as f64).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blobs(centres: &[(f32, f32)], per: usize, spread: f32, seed: u64) -> Matrix {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut data = Vec::new();
        for &(x, y) in centres {
            for _ in 0..per {
                data.push(x + spread * (rng.random::<f32>() - 0.5));
                data.push(y + spread * (rng.random::<f32>() - 0.5));
            }
        }
        Matrix {
            rows: centres.len() * per,
            cols: 2,
            data,
        }
    }

    /// The stability of each of three k-means personas fitted on `x`.
    fn three_personas(x: &Matrix) -> Vec<f64> {
        let fit = kmeans::fit(
            x,
            KMeansParams {
                k: 3,
                n_init: 4,
                max_iter: 100,
                tol: kmeans::DEFAULT_TOL,
                seed: 1,
            },
        );
        per_persona(x, &fit.centroids, 3, 5)
    }

    #[test]
    fn separated_groups_are_stable_and_a_split_blob_is_not() {
        // Three clear groups: every one comes back in every resample.
        let x = blobs(&[(0.0, 0.0), (10.0, 0.0), (0.0, 10.0)], 400, 1.0, 1);
        let s = three_personas(&x);
        assert!(s.iter().all(|&j| j > 0.95), "{s:?}");
        // One round disk cut into three: nothing fixes where the cuts go, so they turn between
        // resamples.
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let mut data = Vec::new();
        for _ in 0..1600 {
            let (r, a) = (
                rng.random::<f32>().sqrt(),
                rng.random::<f32>() * std::f32::consts::TAU,
            );
            data.extend([r * a.cos(), r * a.sin()]);
        }
        let x = Matrix {
            rows: 1600,
            cols: 2,
            data,
        };
        let s = three_personas(&x);
        assert!(s.iter().all(|&j| j < 0.9), "{s:?}");
        assert_eq!(s, three_personas(&x), "not deterministic");
    }
}
