//! Our own k-means: greedy k-means++ seeding and Hamerly's accelerated Lloyd iterations, in parallel.
//!
//! Why not linfa: measured, not assumed (`benches/ecosystem_500k.rs`, docs/ecosystem.md). On the
//! 500,000 x 22 persona matrix, K 8, 4 restarts, three runs each in one process: ours 1.25 s CPU
//! (1.13-1.27), linfa-clustering 0.8 6.45 s (5.74-12.03), scikit-learn 1.9.1 4.65 s (3.94-5.23),
//! i.e. linfa 5.2x and scikit-learn 3.7x our CPU time (wall 6.4x and 5.8x), at the same inertia
//! (300,362-300,364; one linfa run 322,675) and ARI against the planted personas (0.956). Hamerly keeps
//! for every point one upper bound (distance to its centroid) and one lower bound (distance to the
//! second-closest); after the first iterations most points are settled by comparing bounds and
//! need no distance computation at all. With K <= 12 and ~25 columns this beats Elkan (K bounds
//! per point) on memory traffic. (Elkan's centre-to-centre test inside the search of a point whose
//! bounds fail cut its distances by 70% but made the fit 6% slower: its looser second-nearest
//! bounds fail more often later, and the row has been read anyway.)
//!
//! Seeding is scikit-learn's greedy k-means++ (several candidates per centre, the best kept):
//! with one candidate per centre most restarts end in clearly worse local optima, and a poor
//! optimum at one K moved the choice of K.
//!
//! Speed: rows are padded with zero columns to a multiple of 8 and distances are computed eight
//! lanes at a time, with AVX2 when the CPU has it ([`simd`]); the seeding loop keeps its running
//! sums in registers.
//!
//! Determinism: the data is cut into fixed blocks of rows; partial centroid sums are made per
//! block and added in block order, so the result does not depend on the number of threads. Ties
//! go to the lowest centroid index, restarts are seeded `seed + restart`, and the best restart
//! (lowest inertia, then lowest restart index) wins. Both distance kernels round identically, so
//! the result does not depend on the CPU either.

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
    /// Stop when no point changes cluster or the centroids' squared movement, summed, is at most
    /// `tol` times the mean column variance of the data: scikit-learn's rule, and its default
    /// [`DEFAULT_TOL`]. Relative, so it means the same on any scaling of the columns.
    pub tol: f64,
    pub seed: u64,
}

/// scikit-learn's default relative tolerance. Against an absolute 1e-8 it saves a third of the
/// iterations on the 500k study (most of them in restarts that end in a worse optimum anyway) and
/// moves the best fit's inertia by less than 1e-6 of itself.
pub const DEFAULT_TOL: f64 = 1e-4;

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

/// Which distance kernel a block of rows may use. `Isa(true)` is made only inside [`simd`], after
/// the CPU was checked, so AVX2 intrinsics behind it are sound.
#[derive(Clone, Copy)]
struct Isa(bool);

/// Runs `f` compiled for AVX2 when the CPU has it (checked at run time), else as is. Wrap whole
/// blocks of rows, not single distances: a call into a `target_feature` function cannot be
/// inlined, and per distance that call cost more than the arithmetic. `f` is inlined into the
/// AVX2 wrapper, where `Isa(true)` is a constant, so the kernel choice in [`dist2`] folds away.
#[inline(always)]
fn simd<R>(f: impl FnOnce(Isa) -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx2")]
        unsafe fn avx2<R>(f: impl FnOnce(Isa) -> R) -> R {
            f(Isa(true))
        }
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked above).
            return unsafe { avx2(f) };
        }
    }
    f(Isa(false))
}

/// Squared Euclidean distance. Both kernels accumulate eight lanes (lane `l` sums the columns
/// `l, l + 8, ...`) and reduce them in the same order, without FMA, so they round identically:
/// the result does not depend on the CPU.
#[inline(always)]
fn dist2(isa: Isa, a: &[f32], b: &[f32]) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    #[cfg(target_arch = "x86_64")]
    if isa.0 && a.len().is_multiple_of(LANES) {
        // SAFETY: `Isa(true)` exists only inside `simd`'s AVX2 path; lengths are checked.
        return unsafe { dist2_avx2(a, b) };
    }
    let _ = isa;
    dist2_lanes(a, b)
}

/// The portable kernel (and the reference for [`dist2_avx2`]).
#[inline(always)]
fn dist2_lanes(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; LANES];
    let (ca, cb) = (a.chunks(LANES), b.chunks(LANES));
    for (x, y) in ca.zip(cb) {
        for l in 0..x.len() {
            let d = x[l] - y[l];
            acc[l] += d * d;
        }
    }
    let lo = [
        acc[0] + acc[4],
        acc[1] + acc[5],
        acc[2] + acc[6],
        acc[3] + acc[7],
    ];
    (lo[0] + lo[2]) + (lo[1] + lo[3])
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn dist2_avx2(a: &[f32], b: &[f32]) -> f32 {
    use std::arch::x86_64::*;
    let mut acc = _mm256_setzero_ps();
    for i in (0..a.len()).step_by(LANES) {
        // SAFETY: `i + 8 <= len` (len is a multiple of 8) for both slices.
        let (x, y) = unsafe {
            (
                _mm256_loadu_ps(a.as_ptr().add(i)),
                _mm256_loadu_ps(b.as_ptr().add(i)),
            )
        };
        let d = _mm256_sub_ps(x, y);
        acc = _mm256_add_ps(acc, _mm256_mul_ps(d, d));
    }
    let lo = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
    let h = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
    _mm_cvtss_f32(_mm_add_ss(h, _mm_shuffle_ps(h, h, 1)))
}

/// Fits `n_init` restarts and keeps the best.
pub fn fit(x: &Matrix, p: KMeansParams) -> KMeansFit {
    let p = absolute_tol(x, p);
    let px = padded(x);
    let mut best: Option<KMeansFit> = None;
    for r in 0..p.n_init.max(1) {
        let f = fit_once(&px, p, p.seed.wrapping_add(r as u64));
        if best.as_ref().is_none_or(|b| f.inertia < b.inertia) {
            best = Some(f);
        }
    }
    unpadded(best.expect("at least one restart"), x.cols)
}

/// `p` with its relative tolerance turned into the absolute one the iterations compare with.
fn absolute_tol(x: &Matrix, p: KMeansParams) -> KMeansParams {
    KMeansParams {
        tol: p.tol * mean_variance(x),
        ..p
    }
}

/// Columns are padded with zeros to a multiple of this: a distance is then whole 8-lane chunks,
/// with no scalar tail (22 columns left a serial tail of 6 that cost more than the other 16).
const LANES: usize = 8;

/// `x` with every row padded with zero columns to a multiple of [`LANES`]. Zeros change neither
/// distances nor means; the copy (4 bytes per padding cell) is made once per fit, for all restarts.
fn padded(x: &Matrix) -> std::borrow::Cow<'_, Matrix> {
    if x.cols.is_multiple_of(LANES) {
        return std::borrow::Cow::Borrowed(x);
    }
    let stride = x.cols.div_ceil(LANES) * LANES;
    let mut data = vec![0f32; x.rows * stride];
    data.par_chunks_mut(stride)
        .zip(x.data.par_chunks(x.cols))
        .for_each(|(to, from)| to[..from.len()].copy_from_slice(from));
    std::borrow::Cow::Owned(Matrix {
        rows: x.rows,
        cols: stride,
        data,
    })
}

/// Centres (f64, `cols` wide) as f32 rows padded to `stride`.
fn padded_centres(centres: &[f64], cols: usize, stride: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(centres.len() / cols.max(1) * stride);
    for c in centres.chunks(cols.max(1)) {
        out.extend(c.iter().map(|&v| v as f32));
        out.resize(out.len() + stride - c.len(), 0.0);
    }
    out
}

/// Drops the padding columns from a fit's centroids.
fn unpadded(mut fit: KMeansFit, cols: usize) -> KMeansFit {
    if fit.cols != cols {
        fit.centroids = fit
            .centroids
            .chunks(fit.cols)
            .flat_map(|c| c[..cols].iter().copied())
            .collect();
        fit.cols = cols;
    }
    fit
}

/// Greedy k-means++ seeding (Arthur & Vassilvitskii 2007, as in scikit-learn): for each next
/// centre `2 + ln k` candidates are drawn with probability proportional to the squared distance to
/// the nearest centre chosen so far, and the candidate that leaves the smallest total squared
/// distance is kept. Plain k-means++ (one candidate) lands in visibly worse local optima on our
/// matrices: on the 500k study 396k inertia against 301k.
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
        .par_chunks_mut(BLOCK)
        .zip(second.par_chunks_mut(BLOCK))
        .zip(label.par_chunks_mut(BLOCK))
        .enumerate()
        .for_each(|(b, ((n1, n2), ls))| {
            simd(
                #[inline(always)]
                |isa| {
                    for o in 0..ls.len() {
                        let (a, d1, d2) =
                            two_nearest(isa, x.row(b * BLOCK + o), &centres, start, d);
                        (ls[o], n1[o], n2[o]) = (a, d1 * d1, d2 * d2);
                    }
                },
            )
        });
    let trials = (2 + (k as f64).ln() as usize).min(MAX_TRIALS);
    // Squared distance of every point to every candidate of the current round, row-major
    // `n * trials`.
    let mut cand_dist = vec![0f32; n * trials];
    for c in start..k {
        let block_sums: Vec<f64> = nearest
            .par_chunks(BLOCK)
            .map(|b| b.iter().map(|&v| f64::from(v)).sum())
            .collect();
        let total: f64 = block_sums.iter().sum();
        let candidates: Vec<usize> = (0..trials)
            .map(|_| {
                if total <= 0.0 {
                    rng.random_range(0..n)
                } else {
                    draw_weighted(&nearest, &block_sums, rng.random::<f64>() * total)
                }
            })
            .collect();
        let cand_rows: Vec<f32> = candidates
            .iter()
            .flat_map(|&i| x.row(i).iter().copied())
            .collect();
        // Potential (total squared distance to the nearest centre) per candidate, from block
        // partial sums added in block order.
        let potentials: Vec<Vec<f64>> = cand_dist
            .par_chunks_mut(BLOCK * trials)
            .zip(nearest.par_chunks(BLOCK))
            .enumerate()
            .map(|(b, (cd, near))| {
                let block = CandidateBlock {
                    x,
                    first: b * BLOCK,
                    near,
                    cand_rows: &cand_rows,
                };
                simd(
                    #[inline(always)]
                    |isa| match trials {
                        1 => block.potentials::<1>(isa, cd).to_vec(),
                        2 => block.potentials::<2>(isa, cd).to_vec(),
                        3 => block.potentials::<3>(isa, cd).to_vec(),
                        4 => block.potentials::<4>(isa, cd).to_vec(),
                        5 => block.potentials::<5>(isa, cd).to_vec(),
                        6 => block.potentials::<6>(isa, cd).to_vec(),
                        7 => block.potentials::<7>(isa, cd).to_vec(),
                        _ => block.potentials::<MAX_TRIALS>(isa, cd).to_vec(),
                    },
                )
            })
            .collect();
        let mut best = 0;
        let mut best_pot = f64::INFINITY;
        for t in 0..trials {
            let pot: f64 = potentials.iter().map(|p| p[t]).sum();
            if pot < best_pot {
                (best, best_pot) = (t, pot);
            }
        }
        centres.extend_from_slice(&cand_rows[best * d..(best + 1) * d]);
        nearest
            .par_chunks_mut(BLOCK)
            .zip(second.par_chunks_mut(BLOCK))
            .zip(label.par_chunks_mut(BLOCK))
            .zip(cand_dist.par_chunks(BLOCK * trials))
            .for_each(|(((n1, n2), ls), cd)| {
                for o in 0..ls.len() {
                    let dd = cd[o * trials + best];
                    if dd < n1[o] {
                        (n2[o], n1[o], ls[o]) = (n1[o], dd, c as u32);
                    } else if dd < n2[o] {
                        n2[o] = dd;
                    }
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

/// Candidates per seeding round at most (`2 + ln k` passes it only for K > 400).
const MAX_TRIALS: usize = 8;

/// One block of rows in a seeding round: what is needed to price every candidate.
struct CandidateBlock<'a> {
    x: &'a Matrix,
    /// Index of the block's first row.
    first: usize,
    /// Squared distance of each row to its nearest centre.
    near: &'a [f32],
    /// The candidates' rows, `T * cols`.
    cand_rows: &'a [f32],
}

impl CandidateBlock<'_> {
    /// Per candidate, the block's total squared distance to the nearest centre if that candidate
    /// were added; fills `cd` (row-major, `T` per row) with the squared distance of each row to
    /// each candidate. `T` is a constant so the `T` running sums stay in registers: summing into a
    /// slice indexed by a run-time count made every add wait for the previous store.
    ///
    /// Every distance is computed exactly. Skipping rows by the triangle inequality (a row whose
    /// centre is more than twice its distance from a candidate cannot move to it) saved no time
    /// here, and the lower bounds it leaves for the second-nearest distance made Hamerly's first
    /// iterations fail more bounds: the whole fit was 15-20% slower with it.
    #[inline(always)]
    fn potentials<const T: usize>(&self, isa: Isa, cd: &mut [f32]) -> [f64; T] {
        let d = self.x.cols;
        let mut pot = [0f64; T];
        for (o, &d1) in self.near.iter().enumerate() {
            let row = self.x.row(self.first + o);
            for t in 0..T {
                let dd = dist2(isa, row, &self.cand_rows[t * d..(t + 1) * d]);
                cd[o * T + t] = dd;
                pot[t] += f64::from(dd.min(d1));
            }
        }
        pot
    }
}

/// The point where the running sum of `weights` passes `target` (`block_sums` are the weights'
/// sums per [`BLOCK`], so only one block is scanned).
fn draw_weighted(weights: &[f32], block_sums: &[f64], mut target: f64) -> usize {
    for (b, &s) in block_sums.iter().enumerate() {
        if target >= s {
            target -= s;
            continue;
        }
        let lo = b * BLOCK;
        for (i, &v) in weights[lo..(lo + BLOCK).min(weights.len())]
            .iter()
            .enumerate()
        {
            target -= f64::from(v);
            if target < 0.0 {
                return lo + i;
            }
        }
    }
    // Rounding left a sliver: the last point with any weight.
    weights
        .iter()
        .rposition(|&v| v > 0.0)
        .unwrap_or(weights.len() - 1)
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
    let p = absolute_tol(x, p);
    let px = padded(x);
    let given = padded_centres(initial, x.cols, px.cols);
    unpadded(fit_seeded(&px, p, p.seed, &given), x.cols)
}

fn fit_once(x: &Matrix, p: KMeansParams, seed: u64) -> KMeansFit {
    fit_seeded(x, p, seed, &[])
}

fn fit_seeded(x: &Matrix, p: KMeansParams, seed: u64, given: &[f32]) -> KMeansFit {
    let (d, k) = (x.cols, p.k.min(x.rows).max(1));
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let seeded = seed_centres(x, k, given, &mut rng);
    let mut centres = seeded.centres;
    let mut labels = seeded.labels;
    let mut upper: Vec<f32> = seeded.nearest.par_iter().map(|v| v.sqrt()).collect();
    let mut lower: Vec<f32> = seeded.second.par_iter().map(|v| v.sqrt()).collect();
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
                    Isa(false),
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
                        Isa(false),
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
                simd(
                    #[inline(always)]
                    |isa| {
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
                            us[o] = dist2(isa, row, &centres[a * d..(a + 1) * d]).sqrt();
                            if us[o] <= bound {
                                continue;
                            }
                            let (na, d1, d2) = two_nearest(isa, row, &centres, k, d);
                            if na as usize != a {
                                moves.push(((b * BLOCK + o) as u32, a as u32, na));
                            }
                            ls[o] = na;
                            us[o] = d1;
                            los[o] = d2;
                        }
                        moves
                    },
                )
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
            simd(
                #[inline(always)]
                |isa| {
                    ls.iter()
                        .enumerate()
                        .map(|(o, &l)| {
                            let l = l as usize;
                            f64::from(dist2(
                                isa,
                                x.row(b * BLOCK + o),
                                &centres[l * d..(l + 1) * d],
                            ))
                        })
                        .sum::<f64>()
                },
            )
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

/// Mean over the columns of each column's variance (of the unpadded matrix).
fn mean_variance(x: &Matrix) -> f64 {
    let (n, d) = (x.rows, x.cols);
    if n == 0 || d == 0 {
        return 0.0;
    }
    let (sums, _) = cluster_sums(x, &vec![0; n], 1);
    let mean: Vec<f64> = sums.iter().map(|s| s / n as f64).collect();
    let partials: Vec<f64> = x
        .data
        .par_chunks(BLOCK * d)
        .map(|b| {
            b.chunks(d)
                .map(|row| {
                    row.iter()
                        .zip(&mean)
                        .map(|(&v, m)| (f64::from(v) - m).powi(2))
                        .sum::<f64>()
                })
                .sum()
        })
        .collect();
    partials.iter().sum::<f64>() / n as f64 / d as f64
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
#[inline(always)]
fn two_nearest(isa: Isa, row: &[f32], centres: &[f32], k: usize, d: usize) -> (u32, f32, f32) {
    let (mut a, mut d1, mut d2) = (0u32, f32::INFINITY, f32::INFINITY);
    for c in 0..k {
        let dd = dist2(isa, row, &centres[c * d..(c + 1) * d]);
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
    let px = padded(x);
    let c = padded_centres(centroids, x.cols, px.cols);
    let x = &*px;
    let mut labels = vec![0u32; x.rows];
    labels
        .par_chunks_mut(BLOCK)
        .enumerate()
        .for_each(|(b, ls)| {
            simd(
                #[inline(always)]
                |isa| {
                    for (o, l) in ls.iter_mut().enumerate() {
                        *l = two_nearest(isa, x.row(b * BLOCK + o), &c, k, x.cols).0;
                    }
                },
            )
        });
    labels
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` points around `k` well-separated centres in `d` columns, with the planted labels.
    fn blobs(n: usize, k: usize, d: usize, seed: u64) -> (Matrix, Vec<u32>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let centres: Vec<f32> = (0..k * d).map(|_| rng.random_range(-10.0..10.0)).collect();
        let mut data = Vec::with_capacity(n * d);
        let mut truth = Vec::with_capacity(n);
        for i in 0..n {
            let c = i % k;
            truth.push(c as u32);
            data.extend((0..d).map(|j| centres[c * d + j] + rng.random_range(-1.0f32..1.0)));
        }
        (
            Matrix {
                rows: n,
                cols: d,
                data,
            },
            truth,
        )
    }

    fn params(k: usize, seed: u64) -> KMeansParams {
        KMeansParams {
            k,
            n_init: 2,
            max_iter: 300,
            tol: DEFAULT_TOL,
            seed,
        }
    }

    #[test]
    fn both_distance_kernels_round_identically() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for d in [8, 16, 24, 32] {
            for _ in 0..200 {
                let a: Vec<f32> = (0..d).map(|_| rng.random_range(-3.0..3.0)).collect();
                let b: Vec<f32> = (0..d).map(|_| rng.random_range(-3.0..3.0)).collect();
                let portable = dist2(Isa(false), &a, &b);
                let wrapped = simd(|isa| dist2(isa, &a, &b));
                assert_eq!(portable.to_bits(), wrapped.to_bits(), "d = {d}");
                let exact: f64 = a
                    .iter()
                    .zip(&b)
                    .map(|(x, y)| (f64::from(*x) - f64::from(*y)).powi(2))
                    .sum();
                assert!((f64::from(portable) - exact).abs() < 1e-4 * exact.max(1.0));
            }
        }
    }

    #[test]
    fn recovers_planted_blobs_with_odd_column_counts() {
        for d in [5, 22] {
            let (x, truth) = blobs(4000, 6, d, 4);
            let fit = fit(&x, params(6, 9));
            assert_eq!(fit.cols, d);
            assert_eq!(fit.centroids.len(), 6 * d);
            assert!(
                super::super::select::adjusted_rand_index(&fit.labels, &truth) > 0.99,
                "d = {d}"
            );
            // The saved centroids assign exactly as the fit did.
            assert_eq!(assign(&x, &fit.centroids, 6), fit.labels);
        }
    }

    #[test]
    fn greedy_seeding_beats_single_candidate_seeding() {
        // Many overlapping blobs: single-candidate k-means++ often puts two centres in one blob.
        // Compare the seeding alone (before any Lloyd step), summed over seeds.
        let (x, _) = blobs(6000, 12, 8, 5);
        let (mut greedy, mut plain) = (0f64, 0f64);
        for seed in 0..10 {
            let s = seed_centres(&x, 12, &[], &mut ChaCha8Rng::seed_from_u64(seed));
            greedy += s.nearest.iter().map(|&v| f64::from(v)).sum::<f64>();
            // Plain k-means++ for reference: the first candidate of each round.
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let mut centres = x.row(rng.random_range(0..x.rows)).to_vec();
            let mut near: Vec<f32> = (0..x.rows)
                .map(|i| dist2(Isa(false), x.row(i), &centres[..8]))
                .collect();
            for _ in 1..12 {
                let total: f64 = near.iter().map(|&v| f64::from(v)).sum();
                let mut target = rng.random::<f64>() * total;
                let pick = near
                    .iter()
                    .position(|&v| {
                        target -= f64::from(v);
                        target < 0.0
                    })
                    .unwrap_or(x.rows - 1);
                centres.extend_from_slice(x.row(pick));
                let c = &centres[centres.len() - 8..];
                for (i, v) in near.iter_mut().enumerate() {
                    *v = v.min(dist2(Isa(false), x.row(i), c));
                }
            }
            plain += near.iter().map(|&v| f64::from(v)).sum::<f64>();
        }
        assert!(
            greedy < 0.8 * plain,
            "greedy {greedy:.0} vs plain {plain:.0}"
        );
    }

    #[test]
    fn same_seed_same_fit_and_warm_start_keeps_given_centres_order() {
        let (x, _) = blobs(5000, 5, 22, 6);
        let a = fit(&x, params(5, 3));
        let b = fit(&x, params(5, 3));
        assert_eq!(a.labels, b.labels);
        assert_eq!(
            a.centroids.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            b.centroids.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
        // Starting from the fitted centres converges at once and keeps their order.
        let warm = fit_from(&x, params(5, 11), &a.centroids);
        assert_eq!(warm.labels, a.labels);
        assert!(warm.iterations <= 2);
    }
}
