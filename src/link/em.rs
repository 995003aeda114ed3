//! Estimation: u from random pairs, m by expectation-maximisation over agreement patterns.
//!
//! EM runs on the *histogram* of agreement patterns, not on pairs: a million candidate pairs
//! collapse into a few hundred distinct level vectors, so each iteration costs patterns x fields.
//! As in Splink, u stays fixed at the random-pair estimate (random pairs are almost all
//! non-matches, so their agreement rates are the non-match rates); EM updates m and the share of
//! matches among the blocked pairs.

use super::fasthash::FastMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::compare::{PreparedComparison, RowIds};

/// Level counts of a set of pairs, per comparison: `counts[k][level]`.
pub type LevelCounts = Vec<Vec<u64>>;

/// u probabilities from random left x right pairs (every pair when there are at most
/// `n_samples`). Returns (u[k][level] with u[k][0] = 1 for "null", level counts, pairs used).
/// A level never seen among the sampled pairs gets half a count, so its weight stays finite.
pub fn u_from_random_pairs(
    comparisons: &[PreparedComparison],
    n_left: usize,
    n_right: usize,
    n_samples: u64,
    seed: u64,
) -> (Vec<Vec<f64>>, LevelCounts, u64) {
    let total = n_left as u64 * n_right as u64;
    let empty = || -> LevelCounts { comparisons.iter().map(|c| vec![0u64; c.n_levels]).collect() };
    let add = |mut a: LevelCounts, b: LevelCounts| {
        for (x, y) in a.iter_mut().zip(b) {
            for (p, q) in x.iter_mut().zip(y) {
                *p += q;
            }
        }
        a
    };
    let ids = RowIds::new(comparisons);
    let count_pair = |counts: &mut LevelCounts, l: usize, r: usize| {
        // On the stack for any realistic spec; a spec of more than 64 comparisons pays a
        // heap buffer per pair.
        let (mut stack, mut heap) = ([0u8; 64], Vec::new());
        let levels: &mut [u8] = if comparisons.len() <= stack.len() {
            &mut stack[..comparisons.len()]
        } else {
            heap.resize(comparisons.len(), 0);
            &mut heap
        };
        ids.levels(comparisons, l, r, levels);
        for (k, &level) in levels.iter().enumerate() {
            counts[k][level as usize] += 1;
        }
    };
    let (counts, used) = if total <= n_samples {
        let counts = (0..n_right)
            .into_par_iter()
            .fold(empty, |mut acc, r| {
                for l in 0..n_left {
                    count_pair(&mut acc, l, r);
                }
                acc
            })
            .reduce(empty, add);
        (counts, total)
    } else {
        const CHUNK: u64 = 1 << 16;
        let n_chunks = n_samples.div_ceil(CHUNK);
        let counts = (0..n_chunks)
            .into_par_iter()
            .fold(empty, |mut acc, chunk| {
                // One stream per chunk: the result does not depend on how rayon splits work.
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                rng.set_stream(chunk);
                let n = CHUNK.min(n_samples - chunk * CHUNK);
                let mut pairs: Vec<(u32, u32)> = (0..n)
                    .map(|_| {
                        let l = rng.random_range(0..n_left) as u32;
                        let r = rng.random_range(0..n_right) as u32;
                        (l, r)
                    })
                    .collect();
                // Counting does not depend on order; walking the left side in row order keeps
                // a large register's values in cache.
                pairs.sort_unstable();
                for (l, r) in pairs {
                    count_pair(&mut acc, l as usize, r as usize);
                }
                acc
            })
            .reduce(empty, add);
        (counts, n_samples)
    };
    let u = counts
        .iter()
        .map(|levels| {
            let nonnull: u64 = levels[1..].iter().sum();
            let mut u = vec![1.0; levels.len()];
            for (l, &n) in levels.iter().enumerate().skip(1) {
                u[l] = if nonnull == 0 {
                    1.0 / (levels.len() - 1) as f64
                } else if n == 0 {
                    0.5 / nonnull as f64
                } else {
                    n as f64 / nonnull as f64
                };
            }
            u
        })
        .collect();
    (u, counts, used)
}

/// Distinct agreement patterns with their pair counts, sorted by pattern (deterministic).
#[derive(Debug, Clone)]
pub struct PatternHistogram {
    /// Number of comparisons (pattern length).
    pub width: usize,
    /// Flattened patterns, `width` levels each.
    pub patterns: Vec<u8>,
    pub counts: Vec<u64>,
}

impl PatternHistogram {
    /// Aggregates flattened pair level vectors (`width` levels per pair).
    pub fn from_levels(levels: &[u8], width: usize) -> PatternHistogram {
        if width <= 8 {
            return Self::from_levels_packed(levels, width);
        }
        let mut map: FastMap<&[u8], u64> = FastMap::default();
        for pattern in levels.chunks_exact(width) {
            *map.entry(pattern).or_default() += 1;
        }
        let mut entries: Vec<(&[u8], u64)> = map.into_iter().collect();
        entries.sort_unstable();
        PatternHistogram {
            width,
            patterns: entries
                .iter()
                .flat_map(|(p, _)| p.iter().copied())
                .collect(),
            counts: entries.iter().map(|(_, c)| *c).collect(),
        }
    }

    /// Up to eight comparisons: each pattern packed big-endian into one u64, so hashing and
    /// sorting work on integers instead of byte slices (same order: equal-length big-endian
    /// packing sorts like the bytes). Millions of candidate pairs go through here.
    fn from_levels_packed(levels: &[u8], width: usize) -> PatternHistogram {
        let pack = |pattern: &[u8]| pattern.iter().fold(0u64, |acc, &b| acc << 8 | b as u64);
        let mut map: FastMap<u64, u64> = FastMap::default();
        for pattern in levels.chunks_exact(width) {
            *map.entry(pack(pattern)).or_default() += 1;
        }
        let mut entries: Vec<(u64, u64)> = map.into_iter().collect();
        entries.sort_unstable();
        PatternHistogram {
            width,
            patterns: entries
                .iter()
                .flat_map(|&(key, _)| (0..width).rev().map(move |i| (key >> (8 * i)) as u8))
                .collect(),
            counts: entries.iter().map(|&(_, c)| c).collect(),
        }
    }

    pub fn len(&self) -> usize {
        self.counts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    pub fn pattern(&self, i: usize) -> &[u8] {
        &self.patterns[i * self.width..(i + 1) * self.width]
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }
}

/// The outcome of EM.
#[derive(Debug, Clone)]
pub struct EmFit {
    /// m[k][level], m[k][0] = 1 ("null" is neutral).
    pub m: Vec<Vec<f64>>,
    /// Share of matches among the pairs EM saw.
    pub lambda: f64,
    pub iterations: usize,
    pub converged: bool,
}

/// Smallest m probability kept, so that a level unseen among matches keeps a finite weight.
pub const M_FLOOR: f64 = 1e-6;

/// Starting m: most mass on "exact", halving per level, a little on "else".
pub fn initial_m(n_levels: usize) -> Vec<f64> {
    let mut m = vec![1.0; n_levels];
    let graded = n_levels - 2; // levels 1..n_levels-1 excluding "else"
    let mut mass = 0.0;
    for (i, value) in m.iter_mut().enumerate().skip(1).take(graded) {
        *value = 0.5f64.powi(i as i32 - 1);
        mass += *value;
    }
    let scale = 0.95 / mass;
    for value in m.iter_mut().skip(1).take(graded) {
        *value *= scale;
    }
    m[n_levels - 1] = 0.05;
    m
}

/// Expectation-maximisation with fixed u over a pattern histogram. Only comparisons with
/// `estimate[k]` get new m values; the others keep `m_start` (set their levels to 0 in the
/// histogram to leave them out of the likelihood, as for the fields a training block conditions on).
pub fn expectation_maximisation(
    hist: &PatternHistogram,
    u: &[Vec<f64>],
    estimate: &[bool],
    m_start: Vec<Vec<f64>>,
    lambda_start: f64,
    max_iterations: usize,
    tolerance: f64,
) -> EmFit {
    let width = hist.width;
    let mut m = m_start;
    let mut lambda = lambda_start.clamp(1e-6, 1.0 - 1e-6);
    let total = hist.total() as f64;
    let mut iterations = 0;
    let mut converged = false;
    while iterations < max_iterations {
        iterations += 1;
        let mut acc: Vec<Vec<f64>> = m.iter().map(|l| vec![0.0; l.len()]).collect();
        let mut matches = 0.0;
        for p in 0..hist.len() {
            let pattern = hist.pattern(p);
            let (mut pm, mut pu) = (lambda, 1.0 - lambda);
            for k in 0..width {
                let l = pattern[k] as usize;
                pm *= m[k][l];
                pu *= u[k][l];
            }
            let posterior = if pm + pu > 0.0 { pm / (pm + pu) } else { 0.0 };
            let weight = hist.counts[p] as f64 * posterior;
            matches += weight;
            for k in 0..width {
                acc[k][pattern[k] as usize] += weight;
            }
        }
        let mut change: f64 = 0.0;
        for k in 0..width {
            let nonnull: f64 = acc[k][1..].iter().sum();
            if !estimate[k] || nonnull <= 0.0 {
                continue;
            }
            for l in 1..m[k].len() {
                let new = (acc[k][l] / nonnull).max(M_FLOOR);
                change = change.max((new - m[k][l]).abs());
                m[k][l] = new;
            }
        }
        let new_lambda = (matches / total).clamp(1e-9, 1.0 - 1e-9);
        change = change.max((new_lambda - lambda).abs());
        lambda = new_lambda;
        if change < tolerance {
            converged = true;
            break;
        }
    }
    EmFit {
        m,
        lambda,
        iterations,
        converged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_histogram_equals_the_byte_slice_one() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for width in 1..=8 {
            let levels: Vec<u8> = (0..width * 500).map(|_| rng.random_range(0..4)).collect();
            let packed = PatternHistogram::from_levels(&levels, width);
            let mut map: FastMap<&[u8], u64> = FastMap::default();
            for pattern in levels.chunks_exact(width) {
                *map.entry(pattern).or_default() += 1;
            }
            let mut entries: Vec<(&[u8], u64)> = map.into_iter().collect();
            entries.sort_unstable();
            let patterns: Vec<u8> = entries.iter().flat_map(|(p, _)| p.to_vec()).collect();
            let counts: Vec<u64> = entries.iter().map(|(_, c)| *c).collect();
            assert_eq!(packed.patterns, patterns);
            assert_eq!(packed.counts, counts);
        }
    }

    #[test]
    fn initial_m_sums_to_one() {
        for n in 3..8 {
            let m = initial_m(n);
            let s: f64 = m[1..].iter().sum();
            assert!((s - 1.0).abs() < 1e-12, "{m:?}");
        }
    }

    #[test]
    fn histogram_groups_patterns() {
        let h = PatternHistogram::from_levels(&[1, 2, 1, 2, 3, 0], 2);
        assert_eq!(h.len(), 2);
        assert_eq!(h.pattern(0), &[1, 2]);
        assert_eq!(h.counts, vec![2, 1]);
    }
}
