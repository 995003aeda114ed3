//! The lineage's Hungarian assignment (`personas::lineage::hungarian`, f64 costs) against
//! `pathfinding::kuhn_munkres::kuhn_munkres_min` (integer costs: ours scaled by 1e6 and rounded),
//! in the same run, on the sizes the lineage meets (K old x K new personas, K <= 16).
//!
//! Run: `cargo bench --features ecosystem-bench --bench ecosystem_assign [-- --matrices N]`.
//! For every size: N random cost matrices (squared distances between random centres in 20
//! dimensions, as the lineage builds them), microseconds per assignment for both (median of 3
//! passes, min-max), and on how many matrices the two totals (in f64) differ by more than 1e-9.

use std::time::Instant;

use loneliness::personas::lineage::hungarian;
use pathfinding::kuhn_munkres::kuhn_munkres_min;
use pathfinding::matrix::Matrix;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

mod common;
use common::arg;

fn main() {
    let count: usize = arg("--matrices").map_or(20_000, |v| v.parse().expect("--matrices N"));
    println!("| K | ours µs | pathfinding µs | pathfinding / ours | totals differing |");
    println!("|---|---|---|---|---|");
    for k in [4usize, 8, 12, 16] {
        let mut rng = ChaCha8Rng::seed_from_u64(k as u64);
        let costs: Vec<Vec<Vec<f64>>> = (0..count)
            .map(|_| {
                let centre = |rng: &mut ChaCha8Rng| -> Vec<f64> {
                    (0..20).map(|_| rng.random_range(-2.0..2.0)).collect()
                };
                let old: Vec<Vec<f64>> = (0..k).map(|_| centre(&mut rng)).collect();
                let new: Vec<Vec<f64>> = (0..k).map(|_| centre(&mut rng)).collect();
                old.iter()
                    .map(|o| {
                        new.iter()
                            .map(|c| o.iter().zip(c).map(|(a, b)| (a - b).powi(2)).sum())
                            .collect()
                    })
                    .collect()
            })
            .collect();
        let scaled: Vec<Matrix<i64>> = costs
            .iter()
            .map(|c| {
                Matrix::from_rows(c.iter().map(|r| {
                    r.iter()
                        .map(|&v| (v * 1e6).round() as i64)
                        .collect::<Vec<_>>()
                }))
                .unwrap()
            })
            .collect();
        let (mut ours_t, mut pf_t) = (Vec::new(), Vec::new());
        let (mut ours_a, mut pf_a) = (Vec::new(), Vec::new());
        for _ in 0..3 {
            let t = Instant::now();
            ours_a = costs.iter().map(|c| hungarian(c)).collect::<Vec<_>>();
            ours_t.push(t.elapsed().as_secs_f64() * 1e6 / count as f64);
            let t = Instant::now();
            pf_a = scaled
                .iter()
                .map(|m| kuhn_munkres_min(m).1)
                .collect::<Vec<_>>();
            pf_t.push(t.elapsed().as_secs_f64() * 1e6 / count as f64);
        }
        let total = |c: &[Vec<f64>], a: &[usize]| -> f64 {
            a.iter().enumerate().map(|(i, &j)| c[i][j]).sum()
        };
        let differ = (0..count)
            .filter(|&m| (total(&costs[m], &ours_a[m]) - total(&costs[m], &pf_a[m])).abs() > 1e-9)
            .count();
        let med = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[1]
        };
        let (lo_o, hi_o) = (
            ours_t.iter().cloned().fold(f64::INFINITY, f64::min),
            ours_t.iter().cloned().fold(0.0, f64::max),
        );
        let (lo_p, hi_p) = (
            pf_t.iter().cloned().fold(f64::INFINITY, f64::min),
            pf_t.iter().cloned().fold(0.0, f64::max),
        );
        let (mo, mp) = (med(&mut ours_t), med(&mut pf_t));
        println!(
            "| {k} | {mo:.2} ({lo_o:.2}-{hi_o:.2}) | {mp:.2} ({lo_p:.2}-{hi_p:.2}) | {:.2} | {differ} of {count} |",
            mp / mo
        );
    }
}
