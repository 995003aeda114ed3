//! Our own k-means: k-means++ seeding and Hamerly's accelerated Lloyd iterations, in parallel.
//!
//! Why not linfa: its k-means is about 4x slower than scikit-learn's on our matrices. Hamerly keeps
//! for every point one upper bound (distance to its centroid) and one lower bound (distance to the
//! second-closest); after the first iterations most points are settled by comparing bounds and
//! need no distance computation at all. With K <= 12 and ~25 columns this beats Elkan (K bounds
//! per point) on memory traffic.
//!
//! Determinism: the data is cut into fixed blocks of rows; partial centroid sums are made per
//! block and added in block order, so the result does not depend on the number of threads. Ties
//! go to the lowest centroid index, restarts are seeded `seed + restart`, and the best restart
//! (lowest inertia, then lowest restart index) wins.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::encode::Matrix;

/// Rows per parallel block (fixed, so sums are independent of the thread count).
const BLOCK: usize = 4096;

/// Settings of one k-means fit.
#[derive(Debug, Clone, Copy)]
pub struct KMeansParams {
    pub k: usize,
    pub n_init: usize,
    pub max_iter: usize,
    /// Stop when no point changes cluster or the centroids move less than this (squared, summed).
    pub tol: f64,
    pub seed: u64,
}

/// A fitted k-means model.
#[derive(Debug, Clone)]
pub struct KMeansFit {
    /// `k * cols`, row-major.
    pub centroids: Vec<f64>,
    pub labels: Vec<u32>,
    pub inertia: f64,
    pub iterations: usize,
    pub k: usize,
    pub cols: usize,
}

/// Squared Euclidean distance. Eight independent accumulators: a single f32 accumulator is a
/// serial dependency chain the compiler may not reorder, eight lanes vectorise. On x86-64 with
/// AVX2 (checked at run time) the same code is compiled for 256-bit registers; without FMA, so
/// every lane rounds exactly as the SSE build does and results are identical on both paths.
#[inline]
fn dist2(a: &[f32], b: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked above).
        return unsafe { dist2_avx2(a, b) };
    }
    dist2_body(a, b)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn dist2_avx2(a: &[f32], b: &[f32]) -> f32 {
    dist2_body(a, b)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn two_nearest_avx2(row: &[f32], centres: &[f32], k: usize, d: usize) -> (u32, f32, f32) {
    two_nearest_body(row, centres, k, d)
}

#[inline(always)]
fn dist2_body(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..8 {
            let d = x[l] - y[l];
            acc[l] += d * d;
        }
    }
    let mut s = 0f32;
    for (x, y) in ra.iter().zip(rb) {
        let d = x - y;
        s += d * d;
    }
    s + ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]))
}

/// Fits `n_init` restarts and keeps the best.
pub fn fit(x: &Matrix, p: KMeansParams) -> KMeansFit {
    let mut best: Option<KMeansFit> = None;
    for r in 0..p.n_init.max(1) {
        let f = fit_once(x, p, p.seed.wrapping_add(r as u64));
        if best.as_ref().is_none_or(|b| f.inertia < b.inertia) {
            best = Some(f);
        }
    }
    best.expect("at least one restart")
}

/// k-means++ seeding: each next centre drawn with probability proportional to the squared
/// distance to the nearest centre chosen so far.
/// `given` centres (row-major, possibly none) are kept and the rest drawn after them.
///
/// Returns the centres and, for free, the first assignment: per point the nearest centre and the
/// squared distances to the nearest and second nearest (seeding computes them anyway).
fn seed_centres(x: &Matrix, k: usize, given: &[f32], rng: &mut ChaCha8Rng) -> Seeded {
    let (n, d) = (x.rows, x.cols);
    let mut centres = Vec::with_capacity(k * d);
    if given.is_empty() {
        let first = rng.random_range(0..n);
        centres.extend_from_slice(x.row(first));
    } else {
        centres.extend_from_slice(&given[..given.len().min(k * d)]);
    }
    let start = centres.len() / d;
    let (mut nearest, mut second, mut label) = (vec![0f32; n], vec![0f32; n], vec![0u32; n]);
    nearest
        .par_iter_mut()
        .zip(second.par_iter_mut())
        .zip(label.par_iter_mut())
        .enumerate()
        .for_each(|(i, ((d1, d2), l))| {
            let (a, n1, n2) = two_nearest_sq(x.row(i), &centres, start, d);
            (*l, *d1, *d2) = (a, n1, n2);
        });
    for c in start..k {
        let block_sums: Vec<f64> = nearest
            .par_chunks(BLOCK)
            .map(|b| b.iter().map(|&v| f64::from(v)).sum())
            .collect();
        let total: f64 = block_sums.iter().sum();
        let pick = if total <= 0.0 {
            rng.random_range(0..n)
        } else {
            let mut target = rng.random::<f64>() * total;
            let mut chosen = n - 1;
            'outer: for (b, &s) in block_sums.iter().enumerate() {
                if target >= s {
                    target -= s;
                    continue;
                }
                for (i, &v) in nearest[b * BLOCK..(b * BLOCK + BLOCK).min(n)]
                    .iter()
                    .enumerate()
                {
                    target -= f64::from(v);
                    if target < 0.0 {
                        chosen = b * BLOCK + i;
                        break 'outer;
                    }
                }
            }
            chosen
        };
        centres.extend_from_slice(x.row(pick));
        let new = &centres[c * d..(c + 1) * d];
        nearest
            .par_iter_mut()
            .zip(second.par_iter_mut())
            .zip(label.par_iter_mut())
            .enumerate()
            .for_each(|(i, ((d1, d2), l))| {
                let dd = dist2(x.row(i), new);
                if dd < *d1 {
                    (*d2, *d1, *l) = (*d1, dd, c as u32);
                } else if dd < *d2 {
                    *d2 = dd;
                }
            });
    }
    Seeded {
        centres,
        labels: label,
        nearest,
        second,
    }
}

struct Seeded {
    centres: Vec<f32>,
    labels: Vec<u32>,
    /// Squared distances to the nearest and second-nearest centre.
    nearest: Vec<f32>,
    second: Vec<f32>,
}

/// One fit started from `initial` centres (row-major f64, at most `p.k` of them); missing centres
/// are added by k-means++ seeding. Used to follow last year's personas (warm start).
pub fn fit_from(x: &Matrix, p: KMeansParams, initial: &[f64]) -> KMeansFit {
    let given: Vec<f32> = initial.iter().map(|&v| v as f32).collect();
    fit_seeded(x, p, p.seed, &given)
}

fn fit_once(x: &Matrix, p: KMeansParams, seed: u64) -> KMeansFit {
    fit_seeded(x, p, seed, &[])
}

fn fit_seeded(x: &Matrix, p: KMeansParams, seed: u64, given: &[f32]) -> KMeansFit {
    let (n, d, k) = (x.rows, x.cols, p.k.min(x.rows).max(1));
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let seeded = seed_centres(x, k, given, &mut rng);
    let mut centres = seeded.centres;
    let mut labels = seeded.labels;
    let mut upper: Vec<f32> = seeded.nearest.par_iter().map(|v| v.sqrt()).collect();
    let mut lower: Vec<f32> = seeded.second.par_iter().map(|v| v.sqrt()).collect();
    let _ = n;
    let mut iterations = 0;
    let mut half_gap = vec![0f32; k];
    // Per-cluster sums and counts, kept up to date from the points that change cluster (Hamerly's
    // incremental update): an iteration reads only the rows whose bounds fail, not the matrix.
    let (mut sums, mut counts) = cluster_sums(x, &labels, k);
    loop {
        iterations += 1;
        let new_centres = means_from(&sums, &counts, &centres, d);
        let movement: Vec<f32> = (0..k)
            .map(|c| {
                dist2(
                    &new_centres[c * d..(c + 1) * d],
                    &centres[c * d..(c + 1) * d],
                )
                .sqrt()
            })
            .collect();
        centres = new_centres;
        let shift: f64 = movement.iter().map(|&m| f64::from(m) * f64::from(m)).sum();
        if shift <= p.tol || iterations >= p.max_iter {
            break;
        }
        // The largest and second-largest movements: a point's lower bound drops by the largest
        // movement of any centre other than its own.
        let (mut m1, mut m1c, mut m2) = (0f32, 0usize, 0f32);
        for (c, &m) in movement.iter().enumerate() {
            if m > m1 {
                m2 = m1;
                m1 = m;
                m1c = c;
            } else if m > m2 {
                m2 = m;
            }
        }
        for c in 0..k {
            let mut nearest = f32::INFINITY;
            for o in 0..k {
                if o != c {
                    nearest = nearest.min(dist2(
                        &centres[c * d..(c + 1) * d],
                        &centres[o * d..(o + 1) * d],
                    ));
                }
            }
            half_gap[c] = 0.5 * nearest.sqrt();
        }
        let moves: Vec<Vec<(u32, u32, u32)>> = labels
            .par_chunks_mut(BLOCK)
            .zip(upper.par_chunks_mut(BLOCK))
            .zip(lower.par_chunks_mut(BLOCK))
            .enumerate()
            .map(|(b, ((ls, us), los))| {
                let mut moves = Vec::new();
                for o in 0..ls.len() {
                    let a = ls[o] as usize;
                    us[o] += movement[a];
                    los[o] -= if a == m1c { m2 } else { m1 };
                    let bound = half_gap[a].max(los[o]);
                    if us[o] <= bound {
                        continue;
                    }
                    let row = x.row(b * BLOCK + o);
                    us[o] = dist2(row, &centres[a * d..(a + 1) * d]).sqrt();
                    if us[o] <= bound {
                        continue;
                    }
                    let (na, d1, d2) = two_nearest(row, &centres, k, d);
                    if na as usize != a {
                        moves.push(((b * BLOCK + o) as u32, a as u32, na));
                    }
                    ls[o] = na;
                    us[o] = d1;
                    los[o] = d2;
                }
                moves
            })
            .collect();
        // Applied in block order: the sums do not depend on the thread schedule.
        let mut changed = 0;
        for (i, from, to) in moves.iter().flatten() {
            let row = x.row(*i as usize);
            let (from, to) = (*from as usize, *to as usize);
            for j in 0..d {
                let v = f64::from(row[j]);
                sums[from * d + j] -= v;
                sums[to * d + j] += v;
            }
            counts[from] -= 1;
            counts[to] += 1;
            changed += 1;
        }
        if changed == 0 {
            break;
        }
    }
    let inertia: f64 = labels
        .par_chunks(BLOCK)
        .enumerate()
        .map(|(b, ls)| {
            ls.iter()
                .enumerate()
                .map(|(o, &l)| {
                    let l = l as usize;
                    f64::from(dist2(x.row(b * BLOCK + o), &centres[l * d..(l + 1) * d]))
                })
                .sum::<f64>()
        })
        .collect::<Vec<f64>>()
        .iter()
        .sum();
    KMeansFit {
        centroids: centres.iter().map(|&v| f64::from(v)).collect(),
        labels,
        inertia,
        iterations,
        k,
        cols: d,
    }
}

/// Per-cluster sums (f64, `k * d`) and counts, from block partial sums added in block order.
fn cluster_sums(x: &Matrix, labels: &[u32], k: usize) -> (Vec<f64>, Vec<u64>) {
    let d = x.cols;
    let partials: Vec<(Vec<f64>, Vec<u64>)> = labels
        .par_chunks(BLOCK)
        .enumerate()
        .map(|(b, ls)| {
            let mut s = vec![0f64; k * d];
            let mut c = vec![0u64; k];
            for (o, &l) in ls.iter().enumerate() {
                let l = l as usize;
                c[l] += 1;
                for (acc, &v) in s[l * d..(l + 1) * d].iter_mut().zip(x.row(b * BLOCK + o)) {
                    *acc += f64::from(v);
                }
            }
            (s, c)
        })
        .collect();
    let mut sums = vec![0f64; k * d];
    let mut counts = vec![0u64; k];
    for (s, c) in &partials {
        sums.iter_mut().zip(s).for_each(|(a, b)| *a += b);
        counts.iter_mut().zip(c).for_each(|(a, b)| *a += b);
    }
    (sums, counts)
}

/// Centres from sums and counts; an empty cluster keeps its previous centre.
fn means_from(sums: &[f64], counts: &[u64], old: &[f32], d: usize) -> Vec<f32> {
    let mut out = old.to_vec();
    for (c, &n) in counts.iter().enumerate() {
        if n > 0 {
            for j in 0..d {
                out[c * d + j] = (sums[c * d + j] / n as f64) as f32;
            }
        }
    }
    out
}

/// Index of the nearest centre and the distances (not squared) to the nearest and second nearest.
/// As [`two_nearest`] with squared distances.
#[inline]
fn two_nearest_sq(row: &[f32], centres: &[f32], k: usize, d: usize) -> (u32, f32, f32) {
    let (a, d1, d2) = two_nearest(row, centres, k, d);
    (a, d1 * d1, d2 * d2)
}

#[inline]
fn two_nearest(row: &[f32], centres: &[f32], k: usize, d: usize) -> (u32, f32, f32) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked above).
        return unsafe { two_nearest_avx2(row, centres, k, d) };
    }
    two_nearest_body(row, centres, k, d)
}

#[inline(always)]
fn two_nearest_body(row: &[f32], centres: &[f32], k: usize, d: usize) -> (u32, f32, f32) {
    let (mut a, mut d1, mut d2) = (0u32, f32::INFINITY, f32::INFINITY);
    for c in 0..k {
        let dd = dist2_body(row, &centres[c * d..(c + 1) * d]);
        if dd < d1 {
            d2 = d1;
            d1 = dd;
            a = c as u32;
        } else if dd < d2 {
            d2 = dd;
        }
    }
    (a, d1.sqrt(), d2.sqrt())
}

/// Nearest centre of every row (centres as f64 row-major, as saved in a model).
pub fn assign(x: &Matrix, centroids: &[f64], k: usize) -> Vec<u32> {
    let c: Vec<f32> = centroids.iter().map(|&v| v as f32).collect();
    (0..x.rows)
        .into_par_iter()
        .map(|i| two_nearest(x.row(i), &c, k, x.cols).0)
        .collect()
}
