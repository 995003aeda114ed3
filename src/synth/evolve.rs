//! The same municipality a year later: the people of the base year, aged, with the year's events.
//!
//! `--base-year B --year Y` builds the population of 1 January B (exactly what `--year B` gives)
//! and lets it live through the years up to 1 January Y. Each year, per wijk: some households
//! leave the municipality (5% of young singles, 1.5% of others); residents die with an
//! age-dependent probability (0.1% under 50 up to 12% at 85+); a surviving partner becomes widowed
//! (and, living alone, joins persona 1 at 70+ or persona 8 below; with children at home, persona
//! 5); a quarter of the adult children at home aged 25-26 move out into their own home (persona 2);
//! about 7% of households move house within their wijk; newcomers drawn from the wijk's persona mix
//! replace everyone who died or left, so the number of residents stays the same. People keep their
//! BSN (and so their pseudonym); newcomers get new ones. The wijk effects of the loneliness model
//! are solved on the base year and then kept, so prevalence drifts with the population's make-up.

use chrono::{Duration, NaiveDate};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::contract::vocab::{BurgerlijkeStaat, Inkomensbron};
use crate::contract::Bsn;
use crate::synth::population::{
    age_on, build_households, letter_pairs, persona_counts, sort_by_address, Address, Household,
    Resident, WijkContext, WijkPopulation,
};

/// Addresses never handed out before: letter pairs from the end of the alphabet, numbers from 300.
pub struct FreshAddresses {
    used: Vec<usize>,
    pairs: Vec<[u8; 2]>,
}

impl FreshAddresses {
    pub fn new(buurten: usize) -> Self {
        FreshAddresses {
            used: vec![0; buurten],
            pairs: letter_pairs(),
        }
    }

    fn next(&mut self, postcode_start: u32, buurt: usize) -> Address {
        let c = self.used[buurt];
        self.used[buurt] += 1;
        let pair = self.pairs[self.pairs.len() - 1 - (c / 40) % self.pairs.len()];
        let slot = (c % 40) as u32;
        Address {
            postcode: format!(
                "{:04}{}{}",
                postcode_start as usize + buurt,
                pair[0] as char,
                pair[1] as char
            ),
            huisnummer: 300 + slot + (slot / 10) * 2 + 100 * (c / (40 * self.pairs.len())) as u32,
            toevoeging: String::new(),
        }
    }
}

fn death_probability(age: u32) -> f64 {
    match age {
        0..=49 => 0.001,
        50..=64 => 0.004,
        65..=74 => 0.012,
        75..=84 => 0.04,
        _ => 0.12,
    }
}

fn date_in_year(to: NaiveDate, rng: &mut ChaCha8Rng) -> NaiveDate {
    to - Duration::days(rng.random_range(1..=365))
}

/// One wijk lives through the year before `ctx.reference`; returns the new population and the
/// number of residents who left or died (replaced by newcomers).
pub fn evolve_wijk(
    ctx: &WijkContext,
    wijk: usize,
    shares: &[f64; 8],
    pop: WijkPopulation,
    fresh: &mut FreshAddresses,
    next_bsn: &mut dyn FnMut() -> Bsn,
    rng: &mut ChaCha8Rng,
) -> WijkPopulation {
    let to = ctx.reference;
    let postcode_start = ctx.profile.postcode_start;
    let n_buurten = ctx.profile.wijk[wijk].buurten.len();
    let WijkPopulation {
        mut households,
        residents,
    } = pop;
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); households.len()];
    for (i, r) in residents.iter().enumerate() {
        members[r.household].push(i);
    }
    let mut gone = vec![false; residents.len()];
    let mut residents = residents;
    let mut vacated: Vec<(usize, Address)> = Vec::new();
    let mut household_gone = vec![false; households.len()];
    let mut new_households: Vec<Household> = Vec::new();
    let mut movers_out: Vec<(usize, Household)> = Vec::new();
    for h in 0..households.len() {
        let persona = households[h].persona;
        // The whole household leaves the municipality.
        if rng.random::<f64>() < if persona == 2 { 0.05 } else { 0.015 } {
            for &i in &members[h] {
                gone[i] = true;
            }
            household_gone[h] = true;
            vacated.push((households[h].buurt, households[h].address.clone()));
            continue;
        }
        let dead: Vec<usize> = members[h]
            .iter()
            .copied()
            .filter(|&i| rng.random::<f64>() < death_probability(age_on(residents[i].birth, to)))
            .collect();
        for &i in &dead {
            gone[i] = true;
        }
        let survivors: Vec<usize> = members[h].iter().copied().filter(|&i| !gone[i]).collect();
        if survivors.is_empty() {
            household_gone[h] = true;
            vacated.push((households[h].buurt, households[h].address.clone()));
            continue;
        }
        if !dead.is_empty() {
            households[h].size = households[h]
                .size
                .saturating_sub(dead.len() as u32)
                .max(survivors.len() as u32);
            // In a couple household a dead member aged 27+ is a partner (children are younger).
            let partner_died = matches!(persona, 3 | 4 | 6 | 7)
                && dead.iter().any(|&i| age_on(residents[i].birth, to) >= 27);
            if partner_died {
                let when = date_in_year(to, rng);
                for &i in &survivors {
                    let r = &mut residents[i];
                    if matches!(
                        r.staat,
                        BurgerlijkeStaat::Gehuwd | BurgerlijkeStaat::Partnerschap
                    ) {
                        r.staat = BurgerlijkeStaat::Verweduwd;
                        r.staat_datum = Some(when);
                    }
                }
            }
            if survivors.len() == 1 {
                let i = survivors[0];
                let alone = households[h].size == 1;
                let age = age_on(residents[i].birth, to);
                let new_persona = match (alone, age) {
                    (true, 70..) => 1,
                    (true, _) => 8,
                    (false, _) => 5,
                };
                households[h].persona = new_persona;
                residents[i].persona = new_persona;
                residents[i].alone = alone;
            }
        }
        // An adult child (25-26) moves out into a home of their own.
        for &i in &survivors {
            let r = &residents[i];
            let adults = survivors.len();
            if persona == 6
                && adults >= 3
                && r.staat == BurgerlijkeStaat::Ongehuwd
                && (25..=26).contains(&age_on(r.birth, to))
                && rng.random::<f64>() < 0.25
            {
                let buurt = households[h].buurt;
                let address = fresh.next(postcode_start, buurt);
                households[h].size = households[h].size.saturating_sub(1).max(2);
                movers_out.push((
                    i,
                    Household {
                        wijk,
                        buurt,
                        address,
                        size: 1,
                        persona: 2,
                        vestiging: date_in_year(to, rng),
                    },
                ));
            }
        }
        // The household moves house within the wijk.
        if rng.random::<f64>() < 0.07 {
            let buurt = ctx.first_buurt + rng.random_range(0..n_buurten);
            vacated.push((households[h].buurt, households[h].address.clone()));
            households[h].buurt = buurt;
            households[h].address = fresh.next(postcode_start, buurt);
            households[h].vestiging = date_in_year(to, rng);
        }
    }
    // Children who moved out become young singles in their own household.
    for (i, hh) in movers_out {
        let r = &mut residents[i];
        r.persona = 2;
        r.alone = true;
        r.traits.income_percentile = rng.random_range(5..=40);
        r.traits.income_source = Some(if rng.random::<f64>() < 0.7 {
            Inkomensbron::Loon
        } else {
            Inkomensbron::Werkloosheid
        });
        r.traits.parenting_support = None;
        new_households.push(hh);
        r.household = households.len() + new_households.len() - 1;
    }
    households.extend(new_households);
    household_gone.resize(households.len(), false);

    // Newcomers replace everyone who left or died, moving into vacated homes first.
    let departed = gone.iter().filter(|&&g| g).count();
    let counts = persona_counts(departed, shares);
    let mut newcomers = build_households(ctx, wijk, &counts, rng);
    vacated.shuffle(rng);
    for hh in newcomers.households.iter_mut() {
        let (buurt, address) = match vacated.pop() {
            Some(v) => v,
            None => {
                let buurt = ctx.first_buurt + rng.random_range(0..n_buurten);
                (buurt, fresh.next(postcode_start, buurt))
            }
        };
        hh.buurt = buurt;
        hh.address = address;
        hh.vestiging = date_in_year(to, rng);
    }

    // Keep the living residents and households, then add the newcomers.
    let mut new_index = vec![usize::MAX; households.len()];
    let mut kept_households = Vec::new();
    for (h, hh) in households.into_iter().enumerate() {
        if !household_gone[h] {
            new_index[h] = kept_households.len();
            kept_households.push(hh);
        }
    }
    let mut kept: Vec<Resident> = residents
        .into_iter()
        .zip(gone)
        .filter(|(_, g)| !g)
        .map(|(mut r, _)| {
            r.household = new_index[r.household];
            r
        })
        .collect();
    let offset = kept_households.len();
    kept_households.extend(newcomers.households);
    for mut r in newcomers.residents {
        r.household += offset;
        r.bsn = Some(next_bsn());
        kept.push(r);
    }
    for r in kept.iter_mut() {
        r.buurt = kept_households[r.household].buurt;
        r.age = age_on(r.birth, to);
        r.traits.recently_widowed = r.staat == BurgerlijkeStaat::Verweduwd
            && r.staat_datum.is_some_and(|d| (to - d).num_days() < 730);
    }
    sort_by_address(WijkPopulation {
        households: kept_households,
        residents: kept,
    })
}
