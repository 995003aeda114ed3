//! The true loneliness model, its calibration to RIVM per wijk, and De Jong Gierveld answers.
//!
//! `P(lonely) = logistic(persona intercept + individual traits + wijk effect)`, where the traits are
//! living alone, recent widowhood (< 2 years), debts, a benefit as income, limited mobility, low
//! income (percentile <= 20), informal care, little Dutch and (protective) volunteering.
//! `P(severe) = P(lonely) * logistic(persona severe intercept + traits + wijk severe effect)`, so
//! severe loneliness is nested in loneliness. The wijk effects are solved by bisection so that the
//! mean probability of the wijk's residents equals the RIVM 2020 18+ figure; when the wijk also has
//! a 65+ figure, residents aged 65+ get their own offset so that their mean equals it too (unless
//! that would push the under-65 mean outside 2-98%, in which case one offset serves everyone).

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::contract::vocab::{DjgAnswer, Inkomensbron};
use crate::synth::persona::persona;
use crate::synth::population::Resident;

pub fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// True probabilities and drawn outcomes for one resident.
#[derive(Debug, Clone, Copy, Default)]
pub struct Outcome {
    pub p_lonely: f64,
    pub p_severe: f64,
    pub lonely: bool,
    pub severe: bool,
}

fn on_benefit(r: &Resident) -> bool {
    matches!(
        r.traits.income_source,
        Some(
            Inkomensbron::Bijstand
                | Inkomensbron::Werkloosheid
                | Inkomensbron::Arbeidsongeschiktheid
        )
    )
}

/// Log-odds of loneliness before the wijk effect.
pub fn lonely_logit(r: &Resident) -> f64 {
    let t = &r.traits;
    let mut x = persona(r.persona).lonely_intercept;
    x += if r.alone { 0.4 } else { 0.0 };
    x += if t.recently_widowed { 0.9 } else { 0.0 };
    x += if t.debts { 0.5 } else { 0.0 };
    x += if on_benefit(r) { 0.35 } else { 0.0 };
    x += if t.mobility_limited { 0.45 } else { 0.0 };
    x += if t.income_percentile <= 20 { 0.25 } else { 0.0 };
    x += if t.informal_carer { 0.3 } else { 0.0 };
    x += if t.low_dutch { 0.3 } else { 0.0 };
    x -= if t.volunteer { 0.2 } else { 0.0 };
    x
}

/// Log-odds of severe loneliness given loneliness, before the wijk effect.
pub fn severe_logit(r: &Resident) -> f64 {
    let t = &r.traits;
    let mut x = persona(r.persona).severe_intercept;
    x += if r.alone { 0.3 } else { 0.0 };
    x += if t.recently_widowed { 0.6 } else { 0.0 };
    x += if t.debts { 0.4 } else { 0.0 };
    x += if t.mobility_limited { 0.3 } else { 0.0 };
    x += if t.low_dutch { 0.3 } else { 0.0 };
    x
}

/// The offset `d` with `mean(scale_i * logistic(x_i + d)) = target` (bisection; the mean is
/// increasing in `d`). Returns `None` if the target is out of reach.
fn solve_offset(x: &[f64], scale: &[f64], target: f64) -> Option<f64> {
    let n = x.len() as f64;
    let mean = |d: f64| {
        x.iter()
            .zip(scale)
            .map(|(&xi, &s)| s * logistic(xi + d))
            .sum::<f64>()
            / n
    };
    let (mut lo, mut hi) = (-20.0, 20.0);
    if x.is_empty() || mean(lo) > target || mean(hi) < target {
        return None;
    }
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if mean(mid) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(0.5 * (lo + hi))
}

/// Offsets for the under-65 and 65+ residents of a wijk so that the overall mean hits `target`
/// and, if given, the 65+ mean hits `target_65`.
fn solve_two_groups(
    x: &[f64],
    scale: &[f64],
    old: &[bool],
    target: f64,
    target_65: Option<f64>,
) -> (f64, f64) {
    let single = || {
        let d = solve_offset(x, scale, target).unwrap_or(0.0);
        (d, d)
    };
    let Some(t65) = target_65 else {
        return single();
    };
    let split = |want_old: bool| -> (Vec<f64>, Vec<f64>) {
        x.iter()
            .zip(scale)
            .zip(old)
            .filter(|(_, &o)| o == want_old)
            .map(|((&a, &b), _)| (a, b))
            .unzip()
    };
    let (xo, so) = split(true);
    let (xy, sy) = split(false);
    if xo.is_empty() || xy.is_empty() {
        return single();
    }
    let n = x.len() as f64;
    let young_target = (n * target - xo.len() as f64 * t65) / xy.len() as f64;
    if !(0.02..=0.98).contains(&young_target) {
        return single();
    }
    match (
        solve_offset(&xy, &sy, young_target),
        solve_offset(&xo, &so, t65),
    ) {
        (Some(dy), Some(dold)) => (dy, dold),
        _ => single(),
    }
}

/// The calibration targets of one wijk, as fractions.
#[derive(Debug, Clone, Copy)]
pub struct WijkTargets {
    pub lonely: f64,
    pub severe: f64,
    pub lonely_65: Option<f64>,
    pub severe_65: Option<f64>,
}

/// The wijk effects (log-odds offsets) for residents under 65 and 65+.
#[derive(Debug, Clone, Copy, Default)]
pub struct WijkOffsets {
    pub lonely_young: f64,
    pub lonely_old: f64,
    pub severe_young: f64,
    pub severe_old: f64,
}

/// Solves the wijk effects so that the wijk's residents meet the targets.
pub fn calibrate(residents: &[Resident], targets: WijkTargets) -> WijkOffsets {
    let x: Vec<f64> = residents.iter().map(lonely_logit).collect();
    let old: Vec<bool> = residents.iter().map(|r| r.age >= 65).collect();
    let ones = vec![1.0; x.len()];
    let (dy, dold) = solve_two_groups(&x, &ones, &old, targets.lonely, targets.lonely_65);
    let p_lonely: Vec<f64> = x
        .iter()
        .zip(&old)
        .map(|(&xi, &o)| logistic(xi + if o { dold } else { dy }))
        .collect();
    let y: Vec<f64> = residents.iter().map(severe_logit).collect();
    let (sy, sold) = solve_two_groups(&y, &p_lonely, &old, targets.severe, targets.severe_65);
    WijkOffsets {
        lonely_young: dy,
        lonely_old: dold,
        severe_young: sy,
        severe_old: sold,
    }
}

/// True probabilities under the given wijk effects, and outcomes drawn from them.
pub fn draw(residents: &[Resident], offsets: &WijkOffsets, rng: &mut ChaCha8Rng) -> Vec<Outcome> {
    residents
        .iter()
        .map(|r| {
            let old = r.age >= 65;
            let p_lonely = logistic(
                lonely_logit(r)
                    + if old {
                        offsets.lonely_old
                    } else {
                        offsets.lonely_young
                    },
            );
            let cond = logistic(
                severe_logit(r)
                    + if old {
                        offsets.severe_old
                    } else {
                        offsets.severe_young
                    },
            );
            let lonely = rng.random::<f64>() < p_lonely;
            let severe = lonely && rng.random::<f64>() < cond;
            Outcome {
                p_lonely,
                p_severe: p_lonely * cond,
                lonely,
                severe,
            }
        })
        .collect()
}

/// Calibrates and draws the outcomes of one wijk's residents (in their order).
pub fn wijk_outcomes(
    residents: &[Resident],
    targets: WijkTargets,
    rng: &mut ChaCha8Rng,
) -> Vec<Outcome> {
    let offsets = calibrate(residents, targets);
    draw(residents, &offsets, rng)
}

/// The eleven items in order; `true` for the emotional, negatively worded items 2, 3, 5, 6, 9, 10.
pub const DJG_NEGATIVE: [bool; 11] = [
    false, true, true, false, true, true, false, false, true, true, false,
];

/// Scores one answer: negative items score 1 on `ja` and `min_of_meer`, positive items on `nee`
/// and `min_of_meer` (De Jong Gierveld & Van Tilburg scoring).
pub fn item_score(item: usize, answer: DjgAnswer) -> u32 {
    match (DJG_NEGATIVE[item], answer) {
        (true, DjgAnswer::Ja | DjgAnswer::MinOfMeer) => 1,
        (false, DjgAnswer::Nee | DjgAnswer::MinOfMeer) => 1,
        _ => 0,
    }
}

/// The loneliness class of a DJG score: 0 not lonely (0-2), 1 lonely (3-8), 2 severe (9-11).
pub fn djg_class(score: u32) -> u8 {
    match score {
        0..=2 => 0,
        3..=8 => 1,
        _ => 2,
    }
}

/// Eleven answers (`None` = missing) and the full latent score for a respondent of a class.
///
/// An answer is left missing (about `missing_rate` of answers, at most two per respondent) only
/// when the class is the same whatever the missing answer would have been: the score of the
/// observed items and that score plus the number of missing items fall in the same class. So an
/// engine that scores observed items only, or imputes the missing ones either way, finds the class.
pub fn djg_answers(
    lonely: bool,
    severe: bool,
    missing_rate: f64,
    rng: &mut ChaCha8Rng,
) -> ([Option<DjgAnswer>; 11], u32) {
    let score: u32 = if severe {
        9 + pick_weighted(rng, &[0.45, 0.35, 0.2])
    } else if lonely {
        3 + pick_weighted(rng, &[0.25, 0.22, 0.18, 0.15, 0.11, 0.09])
    } else {
        pick_weighted(rng, &[0.45, 0.33, 0.22])
    };
    // Choose which items score 1: a random subset of size `score`.
    let mut items: Vec<usize> = (0..11).collect();
    for i in 0..11 {
        let j = rng.random_range(i..11);
        items.swap(i, j);
    }
    let mut scored = [false; 11];
    for &i in &items[..score as usize] {
        scored[i] = true;
    }
    let mut answers: [Option<DjgAnswer>; 11] = [None; 11];
    for i in 0..11 {
        let mild = rng.random::<f64>() < 0.35;
        answers[i] = Some(match (DJG_NEGATIVE[i], scored[i]) {
            (true, true) => {
                if mild {
                    DjgAnswer::MinOfMeer
                } else {
                    DjgAnswer::Ja
                }
            }
            (true, false) => DjgAnswer::Nee,
            (false, true) => {
                if mild {
                    DjgAnswer::MinOfMeer
                } else {
                    DjgAnswer::Nee
                }
            }
            (false, false) => DjgAnswer::Ja,
        });
    }
    let class = djg_class(score);
    let mut missing = 0u32;
    let mut observed = score;
    for i in 0..11 {
        if missing < 2 && rng.random::<f64>() < missing_rate {
            let obs_if_missing = observed - u32::from(scored[i]);
            if djg_class(obs_if_missing) == class
                && djg_class(obs_if_missing + missing + 1) == class
            {
                answers[i] = None;
                observed = obs_if_missing;
                missing += 1;
            }
        }
    }
    (answers, score)
}

fn pick_weighted(rng: &mut ChaCha8Rng, weights: &[f64]) -> u32 {
    let mut x = rng.random::<f64>() * weights.iter().sum::<f64>();
    for (i, &w) in weights.iter().enumerate() {
        if x < w {
            return i as u32;
        }
        x -= w;
    }
    (weights.len() - 1) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn bisection_hits_the_target() {
        let x: Vec<f64> = (0..1000).map(|i| (i as f64 / 250.0) - 2.0).collect();
        let s = vec![1.0; x.len()];
        let d = solve_offset(&x, &s, 0.3).unwrap();
        let m = x.iter().map(|&v| logistic(v + d)).sum::<f64>() / 1000.0;
        assert!((m - 0.3).abs() < 1e-9);
        assert!(solve_offset(&x, &s, 1.5).is_none());
    }

    #[test]
    fn answers_score_into_their_class_with_missing_items() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let mut missing = 0;
        for k in 0..3000 {
            let (lonely, severe) = [(false, false), (true, false), (true, true)][k % 3];
            let (answers, score) = djg_answers(lonely, severe, 0.05, &mut rng);
            let observed: u32 = answers
                .iter()
                .enumerate()
                .filter_map(|(i, a)| a.map(|a| item_score(i, a)))
                .sum();
            let n_missing = answers.iter().filter(|a| a.is_none()).count() as u32;
            missing += n_missing;
            let want = (k % 3) as u8;
            assert_eq!(djg_class(score), want);
            assert_eq!(djg_class(observed), want);
            assert_eq!(djg_class(observed + n_missing), want);
        }
        assert!(missing > 300, "some answers are missing: {missing}");
    }
}
