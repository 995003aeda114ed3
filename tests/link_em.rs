//! EM recovers known m probabilities from simulated agreement patterns.

use loneliness::link::em::{expectation_maximisation, initial_m, PatternHistogram};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn draw(rng: &mut ChaCha8Rng, probabilities: &[f64]) -> u8 {
    // probabilities over levels 1..; level 0 (null) is drawn separately.
    let x: f64 = rng.random();
    let mut acc = 0.0;
    for (i, p) in probabilities.iter().enumerate() {
        acc += p;
        if x < acc {
            return i as u8 + 1;
        }
    }
    probabilities.len() as u8
}

#[test]
fn em_recovers_m_with_u_fixed() {
    // Four comparisons with known m and u over their non-null levels.
    let m_true: Vec<Vec<f64>> = vec![
        vec![0.80, 0.12, 0.05, 0.03],
        vec![0.70, 0.20, 0.10],
        vec![0.90, 0.04, 0.03, 0.02, 0.01],
        vec![0.85, 0.15],
    ];
    let u_true: Vec<Vec<f64>> = vec![
        vec![0.01, 0.02, 0.07, 0.90],
        vec![0.05, 0.10, 0.85],
        vec![0.002, 0.001, 0.007, 0.09, 0.90],
        vec![0.10, 0.90],
    ];
    let lambda = 0.15;
    let null_rate = 0.05;
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let width = m_true.len();
    let n = 200_000;
    let mut levels = Vec::with_capacity(n * width);
    for _ in 0..n {
        let is_match = rng.random_bool(lambda);
        for k in 0..width {
            let level = if rng.random_bool(null_rate) {
                0
            } else if is_match {
                draw(&mut rng, &m_true[k])
            } else {
                draw(&mut rng, &u_true[k])
            };
            levels.push(level);
        }
    }
    let hist = PatternHistogram::from_levels(&levels, width);
    assert!(hist.len() < 400, "patterns aggregate: {}", hist.len());
    let u: Vec<Vec<f64>> = u_true
        .iter()
        .map(|l| std::iter::once(1.0).chain(l.iter().copied()).collect())
        .collect();
    let m_start = m_true.iter().map(|l| initial_m(l.len() + 1)).collect();
    let fit = expectation_maximisation(&hist, &u, &[true; 4], m_start, 0.5, 500, 1e-7);
    assert!(
        fit.converged,
        "EM did not converge in {} iterations",
        fit.iterations
    );
    assert!((fit.lambda - lambda).abs() < 0.01, "lambda {}", fit.lambda);
    for (k, m_k) in m_true.iter().enumerate() {
        for (l, want) in m_k.iter().enumerate() {
            let got = fit.m[k][l + 1];
            assert!(
                (got - want).abs() < 0.02,
                "m[{k}][{}] = {got}, want {want}",
                l + 1
            );
        }
    }
}

#[test]
fn fields_left_out_keep_their_m() {
    let hist = PatternHistogram::from_levels(&[1, 0, 2, 0, 1, 0], 2);
    let u = vec![vec![1.0, 0.1, 0.9], vec![1.0, 0.1, 0.9]];
    let start = vec![initial_m(3), vec![1.0, 0.3, 0.7]];
    let fit = expectation_maximisation(&hist, &u, &[true, false], start, 0.5, 50, 1e-6);
    assert_eq!(fit.m[1], vec![1.0, 0.3, 0.7]);
}
