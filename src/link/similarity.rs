//! String similarities on the hot path, without allocation.
//!
//! Estimating u scores a million random pairs, almost all of them disagreeing, so the fuzzy
//! comparisons dominate the run time. These byte-level versions give the same numbers as `strsim`
//! (tested against it) for ASCII strings up to 64 bytes, which is every folded name, postcode and
//! id; anything else falls back to `strsim`.

const MAX: usize = 64;

/// Jaro-Winkler similarity, identical to `strsim::jaro_winkler` (prefix boost above 0.7, prefix
/// of at most 4, scaling 0.1).
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if !(a.is_ascii() && b.is_ascii()) || x.len() > MAX || y.len() > MAX {
        return strsim::jaro_winkler(a, b);
    }
    let sim = jaro_bytes(x, y);
    if sim > 0.7 {
        let prefix = x.iter().zip(y).take(4).take_while(|(p, q)| p == q).count();
        sim + 0.1 * prefix as f64 * (1.0 - sim)
    } else {
        sim
    }
}

fn jaro_bytes(a: &[u8], b: &[u8]) -> f64 {
    let (la, lb) = (a.len(), b.len());
    if la == 0 && lb == 0 {
        return 1.0;
    }
    if la == 0 || lb == 0 {
        return 0.0;
    }
    let range = (la.max(lb) / 2).saturating_sub(1);
    let mut a_flag = [false; MAX];
    let mut b_flag = [false; MAX];
    let mut matches = 0usize;
    for i in 0..la {
        let lo = i.saturating_sub(range);
        let hi = (i + range + 1).min(lb);
        for j in lo..hi {
            if !b_flag[j] && a[i] == b[j] {
                a_flag[i] = true;
                b_flag[j] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut j = 0;
    for i in 0..la {
        if a_flag[i] {
            while !b_flag[j] {
                j += 1;
            }
            if a[i] != b[j] {
                transpositions += 1;
            }
            j += 1;
        }
    }
    let m = matches as f64;
    let t = (transpositions / 2) as f64;
    (m / la as f64 + m / lb as f64 + (m - t) / m) / 3.0
}

/// A string's letter counts, for a cheap upper bound on Jaro-Winkler: most random pairs share
/// too few letters to reach the lowest threshold, and then the full comparison is skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    /// Counts per bin: a-z, 0-9 together, space, everything else (saturating).
    hist: [u8; 32],
    /// Length in characters.
    len: u32,
    /// The first four characters ('\0' past the end): the Winkler prefix boost of a pair is
    /// known exactly from these, and random pairs rarely share a first letter.
    prefix: [char; 4],
}

impl Profile {
    pub fn of(s: &str) -> Profile {
        let mut hist = [0u8; 32];
        let mut len = 0u32;
        let mut prefix = ['\0'; 4];
        for c in s.chars() {
            if let Some(slot) = prefix.get_mut(len as usize) {
                *slot = c;
            }
            let bin = match c {
                'a'..='z' => c as usize - 'a' as usize,
                'A'..='Z' => c as usize - 'A' as usize,
                '0'..='9' => 26,
                ' ' => 27,
                _ => 28,
            };
            hist[bin] = hist[bin].saturating_add(1);
            len += 1;
        }
        Profile { hist, len, prefix }
    }
}

/// An upper bound of `jaro_winkler(a, b)` from the two profiles. Jaro counts matched characters
/// m, each matching an equal character, so m <= sum over bins of min(count a, count b) (bins
/// that lump characters together only raise the bound); with no transpositions and the pair's
/// own common prefix (at most four characters, as Winkler counts it) this bounds the similarity
/// from above. ('\0' padding of strings shorter than four can only lengthen the prefix, which
/// loosens the bound but keeps it valid.)
pub fn jaro_winkler_upper_bound(a: &Profile, b: &Profile) -> f64 {
    if a.len == 0 || b.len == 0 {
        return if a.len == b.len { 1.0 } else { 0.0 };
    }
    let common: u32 = a
        .hist
        .iter()
        .zip(&b.hist)
        .map(|(x, y)| (*x).min(*y) as u32)
        .sum();
    let m = common.min(a.len).min(b.len) as f64;
    let (la, lb) = (a.len as f64, b.len as f64);
    let jaro = (m / la + m / lb + 1.0) / 3.0;
    if m == 0.0 {
        0.0
    } else if jaro > 0.7 {
        let prefix = a
            .prefix
            .iter()
            .zip(&b.prefix)
            .take_while(|(x, y)| x == y)
            .count();
        jaro + 0.1 * prefix as f64 * (1.0 - jaro)
    } else {
        jaro
    }
}

/// Levenshtein distance, or with `transpositions` the optimal-string-alignment distance
/// (restricted Damerau-Levenshtein: an adjacent swap costs one edit, no substring is edited
/// twice). Equals `strsim::levenshtein` / `strsim::osa_distance`.
pub fn edit_distance(a: &str, b: &str, transpositions: bool) -> usize {
    bounded_edit_distance(a, b, transpositions, usize::MAX)
}

/// As [`edit_distance`], but stops as soon as the distance must exceed `bound` and then returns
/// `bound + 1`: comparisons only ask "at most 1? at most 2?".
pub fn bounded_edit_distance(a: &str, b: &str, transpositions: bool, bound: usize) -> usize {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if !(a.is_ascii() && b.is_ascii()) || x.len() >= MAX || y.len() >= MAX {
        let d = if transpositions {
            strsim::osa_distance(a, b)
        } else {
            strsim::levenshtein(a, b)
        };
        return d.min(bound.saturating_add(1));
    }
    let (n, m) = (x.len(), y.len());
    if n == 0 || m == 0 {
        return n.max(m).min(bound.saturating_add(1));
    }
    // Three rows of the DP table (i-2, i-1, i), rotated by index, cells fit in a byte.
    const W: usize = MAX + 1;
    let mut rows = [0u8; 3 * W];
    for j in 0..=m {
        rows[W + j] = j as u8;
    }
    let (mut two_ago, mut prev, mut cur) = (0, W, 2 * W);
    let mut prev_min = 0u8;
    for i in 1..=n {
        rows[cur] = i as u8;
        let mut row_min = rows[cur];
        for j in 1..=m {
            let cost = u8::from(x[i - 1] != y[j - 1]);
            let mut best = (rows[prev + j] + 1)
                .min(rows[cur + j - 1] + 1)
                .min(rows[prev + j - 1] + cost);
            if transpositions && i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1] {
                best = best.min(rows[two_ago + j - 2] + 1);
            }
            rows[cur + j] = best;
            row_min = row_min.min(best);
        }
        // Every later cell is at least min(this row's minimum, the previous row's minimum + 1)
        // (the + 1 term comes from a transposition reaching back two rows).
        let floor = if transpositions {
            row_min.min(prev_min + 1)
        } else {
            row_min
        };
        if floor as usize > bound {
            return bound + 1;
        }
        prev_min = row_min;
        let old = two_ago;
        two_ago = prev;
        prev = cur;
        cur = old;
    }
    (rows[prev + m] as usize).min(bound.saturating_add(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn agrees_with_strsim_on_random_strings() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let alphabet = b"abcde";
        let word = |rng: &mut rand_chacha::ChaCha8Rng| -> String {
            let n = rng.random_range(0..9);
            (0..n)
                .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
                .collect()
        };
        for _ in 0..5000 {
            let (a, b) = (word(&mut rng), word(&mut rng));
            assert!(
                (jaro_winkler(&a, &b) - strsim::jaro_winkler(&a, &b)).abs() < 1e-12,
                "{a} {b}"
            );
            let bound = jaro_winkler_upper_bound(&Profile::of(&a), &Profile::of(&b));
            assert!(bound >= jaro_winkler(&a, &b), "{a} {b}");
            assert_eq!(
                edit_distance(&a, &b, false),
                strsim::levenshtein(&a, &b),
                "{a} {b}"
            );
            assert_eq!(
                edit_distance(&a, &b, true),
                strsim::osa_distance(&a, &b),
                "{a} {b}"
            );
            for bound in 0..4 {
                let want = strsim::osa_distance(&a, &b).min(bound + 1);
                assert_eq!(
                    bounded_edit_distance(&a, &b, true, bound),
                    want,
                    "{a} {b} {bound}"
                );
                let want = strsim::levenshtein(&a, &b).min(bound + 1);
                assert_eq!(
                    bounded_edit_distance(&a, &b, false, bound),
                    want,
                    "{a} {b} {bound}"
                );
            }
        }
    }
}
