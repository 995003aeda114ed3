//! The candidate pairs of one left/right pair of tables, blocked and compared: what both the
//! m training ([`super::train`]) and the fitted model ([`super::model`]) score. It sits below both
//! so neither has to import the other.

use rayon::prelude::*;

use super::blocking::{block, CandidatePairs};
use super::compare::{PreparedComparison, RowIds};
use super::spec::CheckedLinkSpec;
use super::table::RecordTable;
use crate::error::Result;

/// Comparisons prepared and pairs blocked and compared, for one left/right pair of tables.
pub(crate) struct Scoring {
    pub(crate) comparisons: Vec<PreparedComparison>,
    pub(crate) pairs: CandidatePairs,
    /// Flattened levels, `comparisons.len()` per pair.
    pub(crate) levels: Vec<u8>,
}

impl Scoring {
    pub(crate) fn new(
        spec: &CheckedLinkSpec,
        left: &RecordTable,
        right: &RecordTable,
    ) -> Result<Scoring> {
        crate::ensure!(!left.is_empty(), Data: "the left records are empty: nothing to link to");
        crate::ensure!(!right.is_empty(), Data: "the right records are empty: nothing to link");
        let mut clock = PhaseClock::new();
        left.column_by_name("left", &spec.left_id)?;
        right.column_by_name("right", &spec.right_id)?;
        let comparisons = spec
            .comparisons
            .iter()
            .map(|c| {
                let p = PreparedComparison::prepare(c, left, right);
                clock.lap(&format!("  (prepare {})", c.name));
                p
            })
            .collect::<Result<Vec<_>>>()?;
        let pairs = block(
            &spec.blocking,
            left,
            right,
            spec.training.max_candidate_pairs,
        )?;
        clock.lap(&format!(
            "  (blocking: {} pairs, per rule {:?})",
            pairs.len(),
            pairs.per_rule
        ));
        let levels = compute_levels(&comparisons, &pairs);
        clock.lap("  (compare pairs)");
        Ok(Scoring {
            comparisons,
            pairs,
            levels,
        })
    }

    pub(crate) fn pattern(&self, p: usize) -> &[u8] {
        let w = self.comparisons.len();
        &self.levels[p * w..(p + 1) * w]
    }
}

/// Phase timings on stderr when `LONELINESS_LINK_TIMING` is set: for profiling runs only, never
/// part of an output file (outputs must not depend on the clock).
pub(crate) struct PhaseClock {
    last: Option<(std::time::Instant, f64)>,
}

/// CPU seconds of this process (user + system), from /proc; 0 where unavailable.
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let after = s.rsplit_once(')')?.1;
            let fields: Vec<&str> = after.split_whitespace().collect();
            let ticks: f64 =
                fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
            Some(ticks / 100.0)
        })
        .unwrap_or(0.0)
}

impl PhaseClock {
    pub(crate) fn new() -> PhaseClock {
        PhaseClock {
            last: std::env::var_os("LONELINESS_LINK_TIMING")
                .map(|_| (std::time::Instant::now(), cpu_seconds())),
        }
    }
    pub(crate) fn lap(&mut self, label: &str) {
        if let Some((wall, cpu)) = self.last {
            let now = cpu_seconds();
            let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
            let kib = |key: &str| {
                status
                    .lines()
                    .find(|l| l.starts_with(key))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(0)
                    / 1024
            };
            eprintln!(
                "link timing: {label}: {:.3} s wall, {:.2} s cpu, rss {} MiB (peak {} MiB)",
                wall.elapsed().as_secs_f64(),
                now - cpu,
                kib("VmRSS:"),
                kib("VmHWM:")
            );
            self.last = Some((std::time::Instant::now(), now));
        }
    }
}

/// Levels of every comparison for every pair, flattened, in pair order.
///
/// Pairs are compared in blocking order, in parallel chunks written straight into place.
/// (Reordering them by left row first, to walk the register in order, cost more in the sort and
/// the scatter back than it saved in cache misses: measured on the 500,000-resident study.)
/// The value ids are read row by row ([`RowIds`]).
pub(crate) fn compute_levels(
    comparisons: &[PreparedComparison],
    pairs: &CandidatePairs,
) -> Vec<u8> {
    const CHUNK: usize = 4096;
    let width = comparisons.len();
    let ids = RowIds::new(comparisons);
    let mut levels = vec![0u8; pairs.len() * width];
    levels
        .par_chunks_mut(width * CHUNK)
        .enumerate()
        .for_each(|(chunk, out)| {
            for (i, row) in out.chunks_exact_mut(width).enumerate() {
                let p = chunk * CHUNK + i;
                let (l, r) = (pairs.left[p] as usize, pairs.right[p] as usize);
                ids.levels(comparisons, l, r, row);
            }
        });
    levels
}
