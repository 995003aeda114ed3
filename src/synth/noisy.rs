//! The two sources without a BSN (schuldhulp, huisbezoeken), with realistic corruptions.
//!
//! Each row is about a resident (linked in the truth) or, at rate `non_resident`, about someone
//! not in the BRP (unlinked in the truth). Corruptions are drawn independently per row at the
//! [`NoiseRates`](crate::synth::NoiseRates) and listed in the truth's `noise` column:
//! `typo`, `initials`, `voorvoegsel_merged`, `voorvoegsel_dropped`, `date_swap`, `date_digit`,
//! `previous_address`, `missing_<field>`, `non_resident`. Both files carry the house number
//! addition in an extra `huisnummertoevoeging` column, so `huisnummer` stays numeric.

use chrono::{Datelike, Duration, NaiveDate};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::contract::vocab::{Geslacht, Herkomst, SchuldStatus, Signaal};
use crate::synth::names::NamePools;
use crate::synth::population::{herkomst_shares, Address};
use crate::synth::{stream, task_rng, World};

/// The identifying fields of a row, after corruption.
#[derive(Debug, Clone)]
pub struct Identity {
    /// Voorvoegsel included as the source system stores it ("de Vries").
    pub surname: String,
    pub given: String,
    pub birth: Option<NaiveDate>,
    pub postcode: String,
    pub huisnummer: String,
    /// Written to an extra `huisnummertoevoeging` column (the contract keeps extra columns).
    pub toevoeging: String,
}

#[derive(Debug, Clone)]
pub struct SchuldhulpRow {
    pub id: Identity,
    pub aanmelddatum: NaiveDate,
    pub status: SchuldStatus,
    pub resident: Option<usize>,
    pub noise: Vec<&'static str>,
}

#[derive(Debug, Clone)]
pub struct HuisbezoekRow {
    /// Free text: initials, voorvoegsel and surname ("J.A. de Vries").
    pub naam: String,
    pub birth: Option<NaiveDate>,
    pub postcode: String,
    pub huisnummer: String,
    pub toevoeging: String,
    pub bezoekdatum: NaiveDate,
    pub signaal: Signaal,
    pub mantelzorger: bool,
    pub resident: Option<usize>,
    pub noise: Vec<&'static str>,
}

/// "Jan Pieter" -> "J.P.".
pub fn initials(given: &str) -> String {
    given
        .split_whitespace()
        .filter_map(|n| n.chars().next())
        .map(|c| format!("{c}."))
        .collect()
}

fn join_surname(voorvoegsel: &str, name: &str) -> String {
    if voorvoegsel.is_empty() {
        name.to_string()
    } else {
        format!("{voorvoegsel} {name}")
    }
}

/// One random edit of a name, never touching the first letter, always changing it.
fn typo(name: &str, rng: &mut ChaCha8Rng) -> String {
    let chars: Vec<char> = name.chars().collect();
    if chars.len() < 3 {
        return format!("{name}{}", ['e', 'n', 's'][rng.random_range(0..3)]);
    }
    const LETTERS: &[char] = &[
        'a', 'e', 'i', 'o', 'u', 'n', 'r', 's', 't', 'l', 'k', 'd', 'm',
    ];
    for _ in 0..10 {
        let mut c = chars.clone();
        let pos = rng.random_range(1..c.len());
        match rng.random_range(0..4) {
            0 => c[pos] = LETTERS[rng.random_range(0..LETTERS.len())],
            1 => {
                c.remove(pos);
            }
            2 => c.insert(pos, LETTERS[rng.random_range(0..LETTERS.len())]),
            _ if pos + 1 < c.len() => c.swap(pos, pos + 1),
            _ => c.swap(pos - 1, pos),
        }
        let out: String = c.into_iter().collect();
        if out != name {
            return out;
        }
    }
    format!("{name}e")
}

/// "van den" + "Berg" -> "Vandenberg".
fn glued(voorvoegsel: &str, name: &str) -> String {
    let all: String = voorvoegsel
        .chars()
        .chain(name.chars())
        .filter(|c| c.is_alphanumeric())
        .collect();
    let mut chars = all.chars();
    match chars.next() {
        Some(f) => f
            .to_uppercase()
            .chain(chars.flat_map(|c| c.to_lowercase()))
            .collect(),
        None => String::new(),
    }
}

fn swap_day_month(d: NaiveDate) -> Option<NaiveDate> {
    (d.day() <= 12 && d.day() != d.month())
        .then(|| NaiveDate::from_ymd_opt(d.year(), d.day(), d.month()))
        .flatten()
}

fn digit_off(d: NaiveDate, rng: &mut ChaCha8Rng) -> NaiveDate {
    let step = if rng.random::<bool>() { 1 } else { -1 };
    if rng.random::<bool>() {
        d.with_year(d.year() + step)
            .unwrap_or(d + Duration::days(1))
    } else {
        let day = d.day() as i32 + step;
        NaiveDate::from_ymd_opt(d.year(), d.month(), day.max(1) as u32)
            .filter(|&x| x != d)
            .unwrap_or(d + Duration::days(1))
    }
}

struct Corruptor<'a> {
    world: &'a World,
    rng: ChaCha8Rng,
}

/// The real identity of resident `i`, corrupted per the noise rates.
struct Raw {
    voorvoegsel: String,
    name: String,
    given: String,
    birth: NaiveDate,
    address: Address,
}

impl Corruptor<'_> {
    fn resident_raw(&self, i: usize) -> Raw {
        let r = &self.world.residents[i];
        Raw {
            voorvoegsel: r.voorvoegsel.to_string(),
            name: r.geslachtsnaam.to_string(),
            given: r.voornamen.clone(),
            birth: r.birth,
            address: self.world.households[r.household].address.clone(),
        }
    }

    /// Applies the corruptions; `allow_initials` is false where initials are the normal format.
    fn corrupt(
        &mut self,
        raw: &Raw,
        own_household: usize,
        allow_initials: bool,
    ) -> (Identity, Vec<&'static str>) {
        let n = self.world.params.noise;
        let rng = &mut self.rng;
        let mut noise = Vec::new();
        let mut name = raw.name.clone();
        let voorvoegsel = raw.voorvoegsel.clone();
        if rng.random::<f64>() < n.surname_typo {
            name = typo(&name, rng);
            noise.push("typo");
        }
        let mut surname = join_surname(&voorvoegsel, &name);
        if !voorvoegsel.is_empty() && rng.random::<f64>() < n.voorvoegsel {
            if rng.random::<bool>() {
                surname = glued(&voorvoegsel, &name);
                noise.push("voorvoegsel_merged");
            } else {
                surname = name.clone();
                noise.push("voorvoegsel_dropped");
            }
        }
        let mut given = raw.given.clone();
        if allow_initials && rng.random::<f64>() < n.initials {
            given = initials(&given);
            noise.push("initials");
        }
        let mut birth = Some(raw.birth);
        if rng.random::<f64>() < n.date_swap {
            if let Some(s) = swap_day_month(raw.birth) {
                birth = Some(s);
                noise.push("date_swap");
            }
        }
        if rng.random::<f64>() < n.date_digit {
            birth = Some(digit_off(birth.unwrap_or(raw.birth), rng));
            noise.push("date_digit");
        }
        let mut address = raw.address.clone();
        if rng.random::<f64>() < n.previous_address && self.world.households.len() > 1 {
            let mut other = rng.random_range(0..self.world.households.len());
            if other == own_household {
                other = (other + 1) % self.world.households.len();
            }
            address = self.world.households[other].address.clone();
            noise.push("previous_address");
        }
        let mut postcode = address.postcode.clone();
        let mut huisnummer = address.huisnummer.to_string();
        let mut toevoeging = address.toevoeging.clone();
        if rng.random::<f64>() < n.missing_value {
            match rng.random_range(0..4) {
                0 => {
                    postcode.clear();
                    noise.push("missing_postcode");
                }
                1 => {
                    huisnummer.clear();
                    toevoeging.clear();
                    noise.push("missing_huisnummer");
                }
                2 => {
                    birth = None;
                    noise.push("missing_geboortedatum");
                }
                _ => {
                    given.clear();
                    noise.push("missing_voornamen");
                }
            }
        }
        (
            Identity {
                surname,
                given,
                birth,
                postcode,
                huisnummer,
                toevoeging,
            },
            noise,
        )
    }

    /// Someone who does not live in the municipality's BRP (address numbers 500+ are never used).
    fn outsider(&mut self, names: &NamePools, age_lo: u32, age_hi: u32) -> Raw {
        let world = self.world;
        let rng = &mut self.rng;
        let shares = herkomst_shares(&world.params.profile);
        let total: f64 = shares.iter().map(|s| s.1).sum();
        let mut x = rng.random::<f64>() * total;
        let mut h = Herkomst::Nederland;
        for &(k, w) in &shares {
            if x < w {
                h = k;
                break;
            }
            x -= w;
        }
        let sex = if rng.random::<bool>() {
            Geslacht::Vrouw
        } else {
            Geslacht::Man
        };
        let (v, name) = names.surname(h, rng);
        let given = names.given_names(h, sex, rng);
        let age = rng.random_range(age_lo..=age_hi);
        let reference = world.params.reference;
        let birth = NaiveDate::from_ymd_opt(reference.year() - age as i32 - 1, 1, 2)
            .expect("valid")
            + Duration::days(rng.random_range(0..364));
        let template = &world.households[rng.random_range(0..world.households.len())].address;
        Raw {
            voorvoegsel: v.to_string(),
            name: name.to_string(),
            given,
            birth,
            address: Address {
                postcode: template.postcode.clone(),
                huisnummer: rng.random_range(500..900),
                toevoeging: String::new(),
            },
        }
    }
}

fn outsider_count(rows: usize, rate: f64) -> usize {
    if rate <= 0.0 {
        0
    } else {
        ((rows as f64 * rate / (1.0 - rate)).round() as usize).max(1)
    }
}

fn date_within(reference: NaiveDate, days_back: i64, rng: &mut ChaCha8Rng) -> NaiveDate {
    reference - Duration::days(rng.random_range(1..=days_back))
}

/// Debt-counselling registrations: 85% of households with debts, one registration each.
pub fn schuldhulp(world: &World, names: &NamePools) -> Vec<SchuldhulpRow> {
    let mut c = Corruptor {
        world,
        rng: task_rng(world.params.seed, stream::SCHULDHULP, 0),
    };
    let reference = world.params.reference;
    let mut rows = Vec::new();
    // Debts are a household matter: one member (the first adult listed) registers.
    let mut registered = vec![false; world.households.len()];
    for i in 0..world.residents.len() {
        let h = world.residents[i].household;
        if !world.residents[i].traits.debts || registered[h] {
            continue;
        }
        registered[h] = true;
        if c.rng.random::<f64>() >= 0.85 {
            continue;
        }
        let raw = c.resident_raw(i);
        let (id, noise) = c.corrupt(&raw, world.residents[i].household, true);
        let aanmelddatum = date_within(reference, 3 * 365, &mut c.rng);
        let status = pick_status(&mut c.rng);
        rows.push(SchuldhulpRow {
            id,
            aanmelddatum,
            status,
            resident: Some(i),
            noise,
        });
    }
    for _ in 0..outsider_count(rows.len(), world.params.noise.non_resident) {
        let raw = c.outsider(names, 18, 66);
        let (id, mut noise) = c.corrupt(&raw, usize::MAX, true);
        noise.insert(0, "non_resident");
        let aanmelddatum = date_within(reference, 3 * 365, &mut c.rng);
        let status = pick_status(&mut c.rng);
        rows.push(SchuldhulpRow {
            id,
            aanmelddatum,
            status,
            resident: None,
            noise,
        });
    }
    rows.shuffle(&mut c.rng);
    rows.sort_by_key(|r| r.aanmelddatum);
    rows
}

fn pick_status(rng: &mut ChaCha8Rng) -> SchuldStatus {
    match rng.random::<f64>() {
        x if x < 0.15 => SchuldStatus::Aanmelding,
        x if x < 0.60 => SchuldStatus::Traject,
        x if x < 0.85 => SchuldStatus::Afgerond,
        _ => SchuldStatus::Uitgevallen,
    }
}

/// Home visits to 35% of residents aged 75+ in the two years before the reference date.
pub fn huisbezoeken(world: &World, names: &NamePools) -> Vec<HuisbezoekRow> {
    let mut c = Corruptor {
        world,
        rng: task_rng(world.params.seed, stream::HUISBEZOEKEN, 0),
    };
    let reference = world.params.reference;
    let mut rows = Vec::new();
    let signaal = |lonely: bool, rng: &mut ChaCha8Rng| {
        let x = rng.random::<f64>();
        match (lonely, x) {
            (true, x) if x < 0.6 => Signaal::Ja,
            (true, x) if x < 0.75 => Signaal::Onbekend,
            (true, _) => Signaal::Nee,
            (false, x) if x < 0.08 => Signaal::Ja,
            (false, x) if x < 0.2 => Signaal::Onbekend,
            (false, _) => Signaal::Nee,
        }
    };
    for i in 0..world.residents.len() {
        if world.residents[i].age < 75 || c.rng.random::<f64>() >= 0.35 {
            continue;
        }
        let raw = c.resident_raw(i);
        let (id, noise) = c.corrupt(&raw, world.residents[i].household, false);
        let naam = visit_name(&id);
        let sig = signaal(world.outcomes[i].lonely, &mut c.rng);
        rows.push(HuisbezoekRow {
            naam,
            birth: id.birth,
            postcode: id.postcode,
            huisnummer: id.huisnummer,
            toevoeging: id.toevoeging,
            bezoekdatum: date_within(reference, 2 * 365, &mut c.rng),
            signaal: sig,
            mantelzorger: world.residents[i].traits.has_carer,
            resident: Some(i),
            noise,
        });
    }
    for _ in 0..outsider_count(rows.len(), world.params.noise.non_resident) {
        let raw = c.outsider(names, 75, 95);
        let (id, mut noise) = c.corrupt(&raw, usize::MAX, false);
        noise.insert(0, "non_resident");
        let naam = visit_name(&id);
        let lonely = c.rng.random::<f64>() < 0.5;
        let sig = signaal(lonely, &mut c.rng);
        rows.push(HuisbezoekRow {
            naam,
            birth: id.birth,
            postcode: id.postcode,
            huisnummer: id.huisnummer,
            toevoeging: id.toevoeging,
            bezoekdatum: date_within(reference, 2 * 365, &mut c.rng),
            signaal: sig,
            mantelzorger: c.rng.random::<f64>() < 0.3,
            resident: None,
            noise,
        });
    }
    rows.shuffle(&mut c.rng);
    rows.sort_by_key(|r| r.bezoekdatum);
    rows
}

/// "J.A. de Vries": initials then the surname as corrupted (voorvoegsel kept unless dropped or
/// glued). A missing given name leaves only the surname.
fn visit_name(id: &Identity) -> String {
    let ini = initials(&id.given);
    if ini.is_empty() {
        id.surname.clone()
    } else {
        format!("{ini} {}", id.surname)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn name_corruptions() {
        assert_eq!(initials("Jan Pieter"), "J.P.");
        assert_eq!(glued("van den", "Berg"), "Vandenberg");
        assert_eq!(glued("van 't", "Hof"), "Vanthof");
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..200 {
            let t = typo("Jansen", &mut rng);
            assert_ne!(t, "Jansen");
            assert!(t.starts_with('J'));
            assert!(strsim::levenshtein(&t, "Jansen") <= 2);
        }
        let d = NaiveDate::from_ymd_opt(1950, 3, 7).unwrap();
        assert_eq!(swap_day_month(d), NaiveDate::from_ymd_opt(1950, 7, 3));
        assert_eq!(
            swap_day_month(NaiveDate::from_ymd_opt(1950, 3, 17).unwrap()),
            None
        );
    }
}
