//! The GGD health-monitor sample: stratified, unequal inclusion probabilities, weights.
//!
//! Inclusion probability = base x wijk factor (0.6-1.4, drawn per wijk) x age factor (1.8 for
//! 65+, as the GGD oversamples older people), with the base chosen so that about 5% of adults are
//! drawn (Poisson sampling). `weegfactor` = 1 / inclusion probability, normalised to mean 1 over
//! the BRP respondents. A few respondents (0.5%, at least 3) are not in the BRP (moved away or
//! registered elsewhere): their `pseudo_id` is the pseudonym of a valid BSN nobody in the BRP has.

use rand::Rng;

use crate::contract::vocab::DjgAnswer;
use crate::synth::outcome::{djg_answers, djg_class};
use crate::synth::{stream, task_rng, World};

/// One row of `gezondheidsmonitor.csv` plus its truth.
#[derive(Debug, Clone)]
pub struct Respondent {
    pub pseudo_id: String,
    /// Index of the resident, `None` for respondents outside the BRP.
    pub resident: Option<usize>,
    pub weight: f64,
    pub answers: [Option<DjgAnswer>; 11],
    pub djg_score: u32,
    pub lonely: bool,
    pub severe: bool,
    pub ervaren_gezondheid: Option<u8>,
    pub beperking_bewegen: Option<bool>,
    pub mantelzorger: Option<bool>,
    pub vrijwilligerswerk: Option<bool>,
    pub moeite_rondkomen: Option<bool>,
}

/// Draws the sample; respondents are sorted by `pseudo_id`, as a third party would deliver them.
pub fn draw(world: &World) -> Vec<Respondent> {
    let params = &world.params;
    let mut rng = task_rng(params.seed, stream::SURVEY, 0);
    let wijk_factor: Vec<f64> = (0..world.wijk_ranges.len())
        .map(|_| 0.6 + 0.8 * rng.random::<f64>())
        .collect();
    let factor = |i: usize| -> f64 {
        let r = &world.residents[i];
        wijk_factor[r.wijk] * if r.age >= 65 { 1.8 } else { 1.0 }
    };
    let n = world.residents.len();
    let total: f64 = (0..n).map(factor).sum();
    let base = 0.05 * n as f64 / total;
    let mut chosen: Vec<(usize, f64)> = Vec::new();
    for i in 0..n {
        let pi = (base * factor(i)).min(0.9);
        if rng.random::<f64>() < pi {
            chosen.push((i, pi));
        }
    }
    let inv_sum: f64 = chosen.iter().map(|c| 1.0 / c.1).sum();
    let norm = chosen.len() as f64 / inv_sum;
    let missing = params.noise.survey_missing;
    let mut out = Vec::with_capacity(chosen.len() + 10);
    for &(i, pi) in &chosen {
        let r = &world.residents[i];
        let o = world.outcomes[i];
        let (answers, score) = djg_answers(o.lonely, o.severe, missing, &mut rng);
        let t = &r.traits;
        let mut maybe = |v: bool, flip: f64| -> Option<bool> {
            if rng.random::<f64>() < missing {
                None
            } else {
                Some(v ^ (rng.random::<f64>() < flip))
            }
        };
        let beperking = maybe(t.mobility_limited, 0.05);
        let mantelzorger = maybe(t.informal_carer, 0.03);
        let vrijwilliger = maybe(t.volunteer, 0.03);
        let rondkomen = maybe(
            t.debts || t.minimaregeling || t.income_percentile <= 15,
            0.08,
        );
        let gezondheid = (rng.random::<f64>() >= missing).then_some(t.health);
        out.push(Respondent {
            pseudo_id: r.pseudo_id.clone(),
            resident: Some(i),
            weight: norm / pi,
            answers,
            djg_score: score,
            lonely: o.lonely,
            severe: o.severe,
            ervaren_gezondheid: gezondheid,
            beperking_bewegen: beperking,
            mantelzorger,
            vrijwilligerswerk: vrijwilliger,
            moeite_rondkomen: rondkomen,
        });
    }
    let outsiders = (chosen.len() / 200).max(3).min(world.spare_bsns.len());
    let lonely_rate = params.profile.loneliness.lonely_18plus / 100.0;
    let severe_rate =
        params.profile.loneliness.severe_18plus / params.profile.loneliness.lonely_18plus;
    for bsn in world.spare_bsns.iter().take(outsiders) {
        let lonely = rng.random::<f64>() < lonely_rate;
        let severe = lonely && rng.random::<f64>() < severe_rate;
        let (answers, score) = djg_answers(lonely, severe, missing, &mut rng);
        debug_assert_eq!(djg_class(score), u8::from(lonely) + u8::from(severe));
        out.push(Respondent {
            pseudo_id: world.key.pseudonymise(bsn),
            resident: None,
            weight: 0.5 + 1.5 * rng.random::<f64>(),
            answers,
            djg_score: score,
            lonely,
            severe,
            ervaren_gezondheid: Some(rng.random_range(1..=4)),
            beperking_bewegen: Some(rng.random::<f64>() < 0.1),
            mantelzorger: Some(rng.random::<f64>() < 0.13),
            vrijwilligerswerk: Some(rng.random::<f64>() < 0.25),
            moeite_rondkomen: Some(rng.random::<f64>() < 0.14),
        });
    }
    out.sort_by(|a, b| a.pseudo_id.cmp(&b.pseudo_id));
    out
}
