//! Households and residents (18+) with their hidden traits, wijk by wijk.
//!
//! Every household belongs to one persona and all of its adult members share that persona (a
//! partner of a working-family parent is a working-family parent too). `aantal_personen_huishouden`
//! counts children under 18, who are not in the BRP extract (it lists residents aged 18+ only).
//! Adult children living with their parents are not generated: every adult heads or partners a
//! household. Ages are full years on the reference date (1 January of the study year).

use chrono::{Datelike, Duration, NaiveDate};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::contract::vocab::{BurgerlijkeStaat, Geslacht, Herkomst, Inkomensbron, Voorziening};
use crate::contract::Bsn;
use crate::synth::names::NamePools;
use crate::synth::persona::PERSONAS;
use crate::synth::profile::Profile;

/// A postal address: `postcode` is `1234AB`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Address {
    pub postcode: String,
    pub huisnummer: u32,
    pub toevoeging: String,
}

#[derive(Debug, Clone)]
pub struct Household {
    /// Index of the wijk in the profile.
    pub wijk: usize,
    /// Global buurt index (profile order).
    pub buurt: usize,
    pub address: Address,
    /// Persons including children under 18.
    pub size: u32,
    pub persona: u8,
    /// Date the household settled at this address.
    pub vestiging: NaiveDate,
}

/// One WMO provision.
#[derive(Debug, Clone)]
pub struct Provision {
    pub kind: Voorziening,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
}

/// A period of support with an optional end.
#[derive(Debug, Clone)]
pub struct Period {
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
}

/// Traits the engine never sees directly; they drive the outcome model and the sources.
#[derive(Debug, Clone, Default)]
pub struct Traits {
    pub mobility_limited: bool,
    pub informal_carer: bool,
    /// Receives informal care (reported at 75+ home visits).
    pub has_carer: bool,
    /// Household income percentile 1-100 (shared by the household).
    pub income_percentile: u8,
    pub income_source: Option<Inkomensbron>,
    pub minimaregeling: bool,
    pub debts: bool,
    pub wmo: Vec<Provision>,
    pub parenting_support: Option<Period>,
    /// Little Dutch: shows up as a language need (persona 3).
    pub low_dutch: bool,
    pub volunteer: bool,
    /// Self-rated health 1 (very good) .. 5 (very bad).
    pub health: u8,
    /// Widowed less than two years before the reference date.
    pub recently_widowed: bool,
}

#[derive(Debug, Clone)]
pub struct Resident {
    /// Index into the household list.
    pub household: usize,
    pub wijk: usize,
    pub buurt: usize,
    pub persona: u8,
    /// The persona planted in the truth: equal to `persona` for the fixed eight; with
    /// `--persona-set random` the id in the drawn set, while `persona` is the fixed persona whose
    /// outcome model and needs it borrows (see [`crate::synth::family`]).
    pub planted: u8,
    pub sex: Geslacht,
    pub birth: NaiveDate,
    pub age: u32,
    pub herkomst: Herkomst,
    pub voorvoegsel: &'static str,
    pub geslachtsnaam: &'static str,
    pub voornamen: String,
    pub staat: BurgerlijkeStaat,
    pub staat_datum: Option<NaiveDate>,
    pub alone: bool,
    pub traits: Traits,
    pub bsn: Option<Bsn>,
    pub pseudo_id: String,
}

/// Full years between `birth` and `on`.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age.max(0) as u32
}

/// A birth date giving exactly `age` full years on `reference` (1 January).
fn birth_for_age(reference: NaiveDate, age: u32, rng: &mut ChaCha8Rng) -> NaiveDate {
    let year = reference.year() - age as i32 - 1;
    let start = NaiveDate::from_ymd_opt(year, 1, 2).expect("valid year");
    let days_in_year = if NaiveDate::from_ymd_opt(year, 2, 29).is_some() {
        365
    } else {
        364
    };
    start + Duration::days(rng.random_range(0..days_in_year))
}

/// A date `years` (fractional, drawn in [lo, hi)) before the reference date.
pub(crate) fn years_ago(reference: NaiveDate, lo: f64, hi: f64, rng: &mut ChaCha8Rng) -> NaiveDate {
    let y = lo + (hi - lo) * rng.random::<f64>();
    reference - Duration::days((y * 365.25).round() as i64).max(Duration::days(1))
}

pub(crate) fn pick<T: Copy>(rng: &mut ChaCha8Rng, options: &[(T, f64)]) -> T {
    let total: f64 = options.iter().map(|o| o.1).sum();
    let mut x = rng.random::<f64>() * total;
    for &(v, w) in options {
        if x < w {
            return v;
        }
        x -= w;
    }
    options[options.len() - 1].0
}

pub(crate) fn chance(rng: &mut ChaCha8Rng, p: f64) -> bool {
    rng.random::<f64>() < p
}

/// Shares of the seven herkomst groups for the whole population (CBS structure).
pub fn herkomst_shares(profile: &Profile) -> Vec<(Herkomst, f64)> {
    let s = &profile.structure;
    let migrant =
        s.westers + s.marokko + s.turkije + s.suriname + s.antillen + s.overig_niet_westers;
    vec![
        (Herkomst::Nederland, (100.0 - migrant).max(1.0)),
        (Herkomst::Westers, s.westers),
        (Herkomst::Marokko, s.marokko),
        (Herkomst::Turkije, s.turkije),
        (Herkomst::Suriname, s.suriname),
        (Herkomst::Antillen, s.antillen),
        (Herkomst::OverigNietWesters, s.overig_niet_westers),
    ]
}

/// What a wijk worker needs to build people.
pub struct WijkContext<'a> {
    pub profile: &'a Profile,
    pub names: &'a NamePools,
    pub reference: NaiveDate,
    pub herkomst: &'a [(Herkomst, f64)],
    /// Global index of the wijk's first buurt.
    pub first_buurt: usize,
}

/// The households and residents of one wijk; household indices are local to the wijk.
pub struct WijkPopulation {
    pub households: Vec<Household>,
    pub residents: Vec<Resident>,
}

/// Adult counts per persona for a wijk of `n` adults: largest remainder, couple-only personas
/// (4, 7) rounded down to even counts with the spare adult going to the young singles.
pub fn persona_counts(n: usize, shares: &[f64; 8]) -> [usize; 8] {
    let mut counts = [0usize; 8];
    let mut rema: Vec<(usize, f64)> = Vec::new();
    let mut used = 0;
    for i in 0..8 {
        let exact = n as f64 * shares[i];
        counts[i] = exact.floor() as usize;
        used += counts[i];
        rema.push((i, exact - exact.floor()));
    }
    rema.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    for &(i, _) in rema.iter().take(n - used) {
        counts[i] += 1;
    }
    for i in [3, 6] {
        if counts[i] % 2 == 1 {
            counts[i] -= 1;
            counts[1] += 1;
        }
    }
    counts
}

pub(crate) struct Builder<'a, 'b> {
    pub(crate) ctx: &'b WijkContext<'a>,
    pub(crate) wijk: usize,
    pub(crate) rng: &'b mut ChaCha8Rng,
    pub(crate) out: WijkPopulation,
}

impl Builder<'_, '_> {
    pub(crate) fn reference(&self) -> NaiveDate {
        self.ctx.reference
    }

    pub(crate) fn herkomst_general(&mut self) -> Herkomst {
        pick(self.rng, self.ctx.herkomst)
    }

    pub(crate) fn sex(&mut self, p_female: f64) -> Geslacht {
        let x = self.rng.random::<f64>();
        if x < 0.001 {
            Geslacht::Onbekend
        } else if x < 0.001 + p_female {
            Geslacht::Vrouw
        } else {
            Geslacht::Man
        }
    }

    pub(crate) fn household(&mut self, persona: u8, size: u32, vestiging: NaiveDate) -> usize {
        self.out.households.push(Household {
            wijk: self.wijk,
            buurt: 0,
            address: Address {
                postcode: String::new(),
                huisnummer: 0,
                toevoeging: String::new(),
            },
            size,
            persona,
            vestiging,
        });
        self.out.households.len() - 1
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn person(
        &mut self,
        household: usize,
        persona: u8,
        age: u32,
        sex: Geslacht,
        herkomst: Herkomst,
        staat: BurgerlijkeStaat,
        staat_datum: Option<NaiveDate>,
        alone: bool,
    ) -> usize {
        let reference = self.reference();
        let birth = birth_for_age(reference, age, self.rng);
        let (voorvoegsel, geslachtsnaam) = self.ctx.names.surname(herkomst, self.rng);
        let name_sex = if sex == Geslacht::Onbekend {
            if chance(self.rng, 0.5) {
                Geslacht::Vrouw
            } else {
                Geslacht::Man
            }
        } else {
            sex
        };
        let voornamen = self.ctx.names.given_names(herkomst, name_sex, self.rng);
        self.out.residents.push(Resident {
            household,
            wijk: self.wijk,
            buurt: 0,
            persona,
            planted: persona,
            sex,
            birth,
            age,
            herkomst,
            voorvoegsel,
            geslachtsnaam,
            voornamen,
            staat,
            staat_datum,
            alone,
            traits: Traits::default(),
            bsn: None,
            pseudo_id: String::new(),
        });
        self.out.residents.len() - 1
    }

    /// Marriage date: at 20-35 years of age of the younger partner, never in the future.
    fn marriage_date(&mut self, younger_age: u32) -> NaiveDate {
        let at = self.rng.random_range(20..=35).min(younger_age.max(19)) as f64;
        let ago = (younger_age as f64 - at).max(0.2);
        years_ago(self.reference(), ago * 0.8, ago, self.rng)
    }

    pub(crate) fn couple(
        &mut self,
        persona: u8,
        age_lo: u32,
        age_hi: u32,
        herkomst: Herkomst,
        size: u32,
        vest: (f64, f64),
    ) -> (usize, usize) {
        let a = self.rng.random_range(age_lo..=age_hi);
        let gap: i32 = self.rng.random_range(-3..=6);
        let b = (a as i32 - gap).clamp(18, 99) as u32;
        let same_sex = chance(self.rng, 0.03);
        let s1 = if same_sex {
            self.sex(0.5)
        } else {
            Geslacht::Man
        };
        let s2 = if same_sex { s1 } else { Geslacht::Vrouw };
        let h2 = if chance(self.rng, 0.9) {
            herkomst
        } else {
            self.herkomst_general()
        };
        // Many Dutch couples live together unmarried (ongehuwd samenwonend).
        let x = self.rng.random::<f64>();
        let staat = match persona {
            6 if x < 0.35 => BurgerlijkeStaat::Ongehuwd,
            6 if x < 0.45 => BurgerlijkeStaat::Partnerschap,
            4 if x < 0.15 => BurgerlijkeStaat::Ongehuwd,
            _ => BurgerlijkeStaat::Gehuwd,
        };
        let married = self.marriage_date(a.min(b));
        let married = (staat != BurgerlijkeStaat::Ongehuwd).then_some(married);
        let vestiging = years_ago(
            self.reference(),
            vest.0,
            vest.1.min(a.min(b) as f64 - 18.0).max(vest.0 + 0.1),
            self.rng,
        );
        let hh = self.household(persona, size, vestiging);
        let p1 = self.person(hh, persona, a, s1, herkomst, staat, married, false);
        let p2 = self.person(hh, persona, b, s2, h2, staat, married, false);
        (p1, p2)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn single(
        &mut self,
        persona: u8,
        age: u32,
        sex: Geslacht,
        herkomst: Herkomst,
        staat: BurgerlijkeStaat,
        staat_datum: Option<NaiveDate>,
        size: u32,
        vest: (f64, f64),
    ) -> usize {
        let hi = vest.1.min(age as f64 - 18.0).max(vest.0 + 0.1);
        let vestiging = years_ago(self.reference(), vest.0, hi, self.rng);
        let hh = self.household(persona, size, vestiging);
        self.person(
            hh,
            persona,
            age,
            sex,
            herkomst,
            staat,
            staat_datum,
            size == 1,
        )
    }

    fn build(&mut self, counts: &[usize; 8]) {
        let reference = self.reference();
        // Persona 3: older migrant couples (some widowed, alone).
        let (tr, ma) = (
            self.ctx.profile.structure.turkije,
            self.ctx.profile.structure.marokko,
        );
        let mut left = counts[2];
        while left > 0 {
            let h = if self.rng.random::<f64>() * (tr + ma).max(0.1) < tr {
                Herkomst::Turkije
            } else {
                Herkomst::Marokko
            };
            if left >= 2 && chance(self.rng, 0.85) {
                self.couple(3, 60, 85, h, 2, (5.0, 35.0));
                left -= 2;
            } else {
                let age = self.rng.random_range(62..=88);
                let widowed = years_ago(reference, 0.3, 15.0, self.rng);
                let sex = self.sex(0.7);
                self.single(
                    3,
                    age,
                    sex,
                    h,
                    BurgerlijkeStaat::Verweduwd,
                    Some(widowed),
                    1,
                    (5.0, 35.0),
                );
                left -= 1;
            }
        }
        // Persona 4: carer couples; persona 6: working families; persona 7: vital retirees.
        for _ in 0..counts[3] / 2 {
            let h = self.herkomst_general();
            let size = if chance(self.rng, 0.6) {
                2
            } else {
                self.rng.random_range(3..=4)
            };
            self.couple(4, 46, 65, h, size, (3.0, 30.0));
        }
        // Working families; one in five has an adult child (18-24) at home, who belongs to the
        // family's persona. A spare adult goes to the young singles.
        let mut left = counts[5];
        while left >= 2 {
            let h = self.herkomst_general();
            if left >= 3 && chance(self.rng, 0.2) {
                let size = pick(self.rng, &[(3, 0.45), (4, 0.4), (5, 0.15)]);
                let (p1, _) = self.couple(6, 44, 56, h, size, (3.0, 20.0));
                let hh = self.out.residents[p1].household;
                let age = self.rng.random_range(18..=24);
                let sex = self.sex(0.5);
                self.person(hh, 6, age, sex, h, BurgerlijkeStaat::Ongehuwd, None, false);
                left -= 3;
            } else {
                let size = pick(self.rng, &[(3, 0.4), (4, 0.42), (5, 0.18)]);
                self.couple(6, 32, 55, h, size, (0.5, 15.0));
                left -= 2;
            }
        }
        let spare_young = left;
        for _ in 0..counts[6] / 2 {
            let h = if chance(self.rng, 0.85) {
                Herkomst::Nederland
            } else {
                self.herkomst_general()
            };
            self.couple(7, 66, 82, h, 2, (5.0, 45.0));
        }
        // Persona 5: single parents.
        for _ in 0..counts[4] {
            let h = self.herkomst_general();
            let age = self.rng.random_range(25..=45);
            let sex = self.sex(0.85);
            let size = pick(self.rng, &[(2, 0.45), (3, 0.38), (4, 0.17)]);
            let (staat, date) = if chance(self.rng, 0.7) {
                (
                    BurgerlijkeStaat::Gescheiden,
                    Some(years_ago(
                        reference,
                        0.2,
                        (age as f64 - 22.0).clamp(0.5, 10.0),
                        self.rng,
                    )),
                )
            } else {
                (BurgerlijkeStaat::Ongehuwd, None)
            };
            self.single(5, age, sex, h, staat, date, size, (0.2, 8.0));
        }
        // Persona 1: widowed elderly alone (mostly Dutch origin, mostly women).
        for _ in 0..counts[0] {
            let h = if chance(self.rng, 0.85) {
                Herkomst::Nederland
            } else {
                self.herkomst_general()
            };
            let age = 75 + (20.0 * self.rng.random::<f64>().powf(1.4)) as u32;
            let sex = self.sex(0.72);
            let widowed = if chance(self.rng, 0.16) {
                years_ago(reference, 0.1, 1.95, self.rng)
            } else {
                years_ago(
                    reference,
                    2.05,
                    (age as f64 - 55.0).clamp(3.0, 25.0),
                    self.rng,
                )
            };
            self.single(
                1,
                age,
                sex,
                h,
                BurgerlijkeStaat::Verweduwd,
                Some(widowed),
                1,
                (5.0, 50.0),
            );
        }
        // Persona 8: middle-aged singles with health limits.
        for _ in 0..counts[7] {
            let h = self.herkomst_general();
            let age = self.rng.random_range(45..=66);
            let sex = self.sex(0.5);
            let (staat, date) = if chance(self.rng, 0.65) {
                (
                    BurgerlijkeStaat::Gescheiden,
                    Some(years_ago(reference, 1.0, 20.0, self.rng)),
                )
            } else {
                (BurgerlijkeStaat::Ongehuwd, None)
            };
            self.single(8, age, sex, h, staat, date, 1, (1.0, 20.0));
        }
        // Persona 2: young singles.
        for _ in 0..counts[1] + spare_young {
            let h = self.herkomst_general();
            let age = self.rng.random_range(18..=30);
            let sex = self.sex(0.5);
            let (staat, date) = if age >= 24 && chance(self.rng, 0.04) {
                (
                    BurgerlijkeStaat::Gescheiden,
                    Some(years_ago(reference, 0.2, 3.0, self.rng)),
                )
            } else {
                (BurgerlijkeStaat::Ongehuwd, None)
            };
            self.single(2, age, sex, h, staat, date, 1, (0.1, 6.0));
        }
    }
}

/// Draws every hidden trait for the residents of one wijk (household-level traits shared).
fn draw_traits(pop: &mut WijkPopulation, reference: NaiveDate, rng: &mut ChaCha8Rng) {
    let n_households = pop.households.len();
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); n_households];
    for (i, r) in pop.residents.iter().enumerate() {
        members[r.household].push(i);
    }
    for (h, ids) in members.iter().enumerate() {
        let persona = pop.households[h].persona;
        let size = pop.households[h].size;
        let (lo, hi) = match persona {
            1 => (12, 60),
            2 => (3, 40),
            3 => (2, 30),
            4 => (25, 70),
            5 => (2, 28),
            6 => (55, 99),
            7 => (35, 95),
            _ => (5, 40),
        };
        let a = rng.random_range(lo..=hi);
        let b = rng.random_range(lo..=hi);
        let percentile = ((a + b) / 2).clamp(1, 100) as u8;
        let minima_p = match persona {
            1 => 0.12,
            2 => 0.3,
            3 => 0.5,
            4 => 0.08,
            5 => 0.7,
            6 => 0.01,
            7 => 0.03,
            _ => 0.35,
        };
        let minima = percentile <= 35 && chance(rng, minima_p * 1.3);
        let debts_p = match persona {
            1 => 0.02,
            2 => 0.5,
            3 => 0.05,
            4 => 0.04,
            5 => 0.3,
            6 => 0.01,
            7 => 0.01,
            _ => 0.15,
        };
        let debts = chance(rng, debts_p);
        for (k, &i) in ids.iter().enumerate() {
            let age = pop.residents[i].age;
            // Persona 4: member 0 is the carer, member 1 the partner cared for.
            let cared_for = persona == 4 && k == 1;
            let dutch_origin = pop.residents[i].herkomst == Herkomst::Nederland;
            let t = &mut pop.residents[i].traits;
            t.income_percentile = percentile;
            t.minimaregeling = minima;
            t.debts = debts;
            t.income_source = Some(match persona {
                1 => Inkomensbron::Aow,
                2 => pick(
                    rng,
                    &[
                        (Inkomensbron::Loon, 45.0),
                        (Inkomensbron::Bijstand, 25.0),
                        (Inkomensbron::Werkloosheid, 12.0),
                        (Inkomensbron::Geen, 13.0),
                        (Inkomensbron::Zelfstandig, 5.0),
                    ],
                ),
                3 if age >= 67 => pick(
                    rng,
                    &[(Inkomensbron::Aow, 75.0), (Inkomensbron::Bijstand, 25.0)],
                ),
                3 => pick(
                    rng,
                    &[
                        (Inkomensbron::Bijstand, 45.0),
                        (Inkomensbron::Arbeidsongeschiktheid, 35.0),
                        (Inkomensbron::Loon, 20.0),
                    ],
                ),
                4 if cared_for => pick(
                    rng,
                    &[
                        (Inkomensbron::Arbeidsongeschiktheid, 70.0),
                        (Inkomensbron::Loon, 15.0),
                        (Inkomensbron::Geen, 15.0),
                    ],
                ),
                4 => pick(
                    rng,
                    &[
                        (Inkomensbron::Loon, 70.0),
                        (Inkomensbron::Zelfstandig, 10.0),
                        (Inkomensbron::Geen, 20.0),
                    ],
                ),
                5 => pick(
                    rng,
                    &[
                        (Inkomensbron::Bijstand, 50.0),
                        (Inkomensbron::Loon, 45.0),
                        (Inkomensbron::Overig, 5.0),
                    ],
                ),
                6 if k >= 2 => pick(
                    rng,
                    &[
                        (Inkomensbron::Loon, 55.0),
                        (Inkomensbron::Geen, 35.0),
                        (Inkomensbron::Overig, 10.0),
                    ],
                ),
                6 => pick(
                    rng,
                    &[
                        (Inkomensbron::Loon, 88.0),
                        (Inkomensbron::Zelfstandig, 12.0),
                    ],
                ),
                7 if age >= 67 => Inkomensbron::Aow,
                7 => Inkomensbron::Overig,
                _ => pick(
                    rng,
                    &[
                        (Inkomensbron::Arbeidsongeschiktheid, 70.0),
                        (Inkomensbron::Bijstand, 20.0),
                        (Inkomensbron::Loon, 10.0),
                    ],
                ),
            });
            let mobility_p = match persona {
                1 => 0.6,
                2 => 0.03,
                3 => 0.3,
                4 if cared_for => 0.9,
                4 => 0.05,
                5 => 0.05,
                6 => 0.03,
                7 => 0.06,
                _ => 0.5,
            };
            t.mobility_limited = chance(rng, mobility_p);
            t.informal_carer = match persona {
                4 => !cared_for,
                1 => chance(rng, 0.03),
                3 => chance(rng, 0.1),
                7 => chance(rng, 0.12),
                6 => chance(rng, 0.08),
                _ => chance(rng, 0.05),
            };
            t.has_carer = t.mobility_limited && chance(rng, 0.55);
            t.low_dutch = match persona {
                3 => chance(rng, 0.75),
                _ => !dutch_origin && chance(rng, 0.04),
            };
            t.volunteer = chance(
                rng,
                match persona {
                    7 => 0.4,
                    6 => 0.2,
                    4 => 0.15,
                    1 => 0.08,
                    _ => 0.1,
                },
            );
            let wmo_p = match persona {
                1 => 0.85,
                2 => 0.08,
                3 => 0.2,
                4 if cared_for => 0.9,
                4 => 0.05,
                5 => 0.06,
                6 => 0.01,
                7 => 0.03,
                _ => 0.5,
            };
            if chance(rng, wmo_p) {
                let menu: &[(Voorziening, f64)] = match persona {
                    1 => &[
                        (Voorziening::HuishoudelijkeHulp, 0.8),
                        (Voorziening::Hulpmiddel, 0.4),
                        (Voorziening::Vervoer, 0.35),
                        (Voorziening::Woningaanpassing, 0.15),
                        (Voorziening::Dagbesteding, 0.05),
                    ],
                    3 => &[
                        (Voorziening::HuishoudelijkeHulp, 0.5),
                        (Voorziening::Hulpmiddel, 0.5),
                        (Voorziening::Vervoer, 0.2),
                    ],
                    4 => &[
                        (Voorziening::Dagbesteding, 0.5),
                        (Voorziening::Vervoer, 0.5),
                        (Voorziening::Hulpmiddel, 0.5),
                        (Voorziening::Woningaanpassing, 0.25),
                        (Voorziening::Begeleiding, 0.3),
                    ],
                    8 => &[
                        (Voorziening::Begeleiding, 0.8),
                        (Voorziening::Dagbesteding, 0.25),
                        (Voorziening::Vervoer, 0.15),
                        (Voorziening::Hulpmiddel, 0.15),
                    ],
                    6 | 7 => &[(Voorziening::Hulpmiddel, 1.0)],
                    _ => &[(Voorziening::Begeleiding, 1.0)],
                };
                for &(kind, p) in menu {
                    if chance(rng, p) {
                        t.wmo.push(provision(kind, reference, rng));
                    }
                }
                if t.wmo.is_empty() {
                    t.wmo.push(provision(menu[0].0, reference, rng));
                }
            }
            let parenting_p = match persona {
                5 => 0.7,
                6 => 0.05,
                4 if size > 2 => 0.03,
                _ => 0.0,
            };
            if chance(rng, parenting_p) {
                let start = years_ago(reference, 0.1, 3.0, rng);
                let end = if chance(rng, 0.4) {
                    let days = (reference - start).num_days().max(2);
                    Some(start + Duration::days(rng.random_range(1..days)))
                } else {
                    None
                };
                t.parenting_support = Some(Period { start, end });
            }
            let base_health: f64 = match persona {
                1 => 3.2,
                3 => 3.0,
                8 => 3.4,
                4 if cared_for => 3.6,
                6 | 7 => 1.8,
                _ => 2.3,
            };
            let h = base_health
                + if t.mobility_limited { 0.6 } else { 0.0 }
                + rng.random_range(-1.0..1.0);
            t.health = h.round().clamp(1.0, 5.0) as u8;
            let r = &pop.residents[i];
            let recent = r.staat == BurgerlijkeStaat::Verweduwd
                && r.staat_datum
                    .is_some_and(|d| (reference - d).num_days() < 730);
            pop.residents[i].traits.recently_widowed = recent;
        }
    }
}

pub(crate) fn provision(
    kind: Voorziening,
    reference: NaiveDate,
    rng: &mut ChaCha8Rng,
) -> Provision {
    let start = years_ago(reference, 0.05, 8.0, rng);
    let end = if chance(rng, 0.2) {
        let days = (reference - start).num_days().max(2);
        Some(start + Duration::days(rng.random_range(1..days)))
    } else {
        None
    };
    Provision { kind, start, end }
}

const POSTCODE_LETTERS: &[u8] = b"ABCDEGHJKLMNPRSTVWXZ";

/// The letter pairs of a 4-digit area, in order, without the pairs Dutch postcodes never use.
pub(crate) fn letter_pairs() -> Vec<[u8; 2]> {
    let mut out = Vec::new();
    for &a in POSTCODE_LETTERS {
        for &b in POSTCODE_LETTERS {
            if a == b'S' && matches!(b, b'A' | b'D' | b'S') {
                continue;
            }
            out.push([a, b]);
        }
    }
    out
}

/// Spreads households over the wijk's buurten and gives each a unique address: one invented
/// 4-digit area per buurt, letters per street block, house numbers (with A-D for flats).
pub(crate) fn assign_addresses(
    ctx: &WijkContext,
    wijk: usize,
    pop: &mut WijkPopulation,
    rng: &mut ChaCha8Rng,
) {
    use rand::seq::SliceRandom;
    let buurten = &ctx.profile.wijk[wijk].buurten;
    // Invented, fixed buurt sizes: 0.6-1.4 from the buurt code, so they do not move with the seed.
    let weights: Vec<f64> = buurten
        .iter()
        .map(|b| {
            0.6 + 0.8
                * (b.bytes()
                    .fold(7u64, |h, c| h.wrapping_mul(31).wrapping_add(c as u64))
                    % 1000) as f64
                / 1000.0
        })
        .collect();
    let mut order: Vec<usize> = (0..pop.households.len()).collect();
    order.shuffle(rng);
    let mut per_buurt: Vec<Vec<usize>> = vec![Vec::new(); buurten.len()];
    let total: f64 = weights.iter().sum();
    for h in order {
        let mut x = rng.random::<f64>() * total;
        let mut k = 0;
        while k + 1 < weights.len() && x >= weights[k] {
            x -= weights[k];
            k += 1;
        }
        per_buurt[k].push(h);
    }
    let pairs = letter_pairs();
    for (k, households) in per_buurt.iter().enumerate() {
        let buurt = ctx.first_buurt + k;
        let area = ctx.profile.postcode_start as usize + buurt;
        let per_pair = 40.max(households.len().div_ceil(pairs.len() - 10));
        for (j, &h) in households.iter().enumerate() {
            let pair = pairs[j / per_pair];
            let slot = (j % per_pair) as u32;
            // Every third block is flats: four homes (A-D) per house number.
            let (huisnummer, toevoeging) = if (j / per_pair) % 3 == 2 {
                (
                    1 + 2 * (slot / 4),
                    ["A", "B", "C", "D"][(slot % 4) as usize].to_string(),
                )
            } else {
                (1 + slot + (slot / 10) * 2, String::new())
            };
            pop.households[h].buurt = buurt;
            pop.households[h].address = Address {
                postcode: format!("{area:04}{}{}", pair[0] as char, pair[1] as char),
                huisnummer,
                toevoeging,
            };
        }
    }
    for r in pop.residents.iter_mut() {
        r.buurt = pop.households[r.household].buurt;
    }
}

/// Households and residents of one persona mix with their traits, not yet given addresses
/// (the start of [`build_wijk`], and the newcomers of a later year).
pub fn build_households(
    ctx: &WijkContext,
    wijk: usize,
    counts: &[usize; 8],
    rng: &mut ChaCha8Rng,
) -> WijkPopulation {
    let mut b = Builder {
        ctx,
        wijk,
        rng,
        out: WijkPopulation {
            households: Vec::new(),
            residents: Vec::new(),
        },
    };
    b.build(counts);
    let mut pop = b.out;
    draw_traits(&mut pop, ctx.reference, rng);
    pop
}

/// Builds the population of one wijk with its own seeded RNG.
pub fn build_wijk(
    ctx: &WijkContext,
    wijk: usize,
    counts: &[usize; 8],
    rng: &mut ChaCha8Rng,
) -> WijkPopulation {
    let mut pop = build_households(ctx, wijk, counts, rng);
    assign_addresses(ctx, wijk, &mut pop, rng);
    sort_by_address(pop)
}

/// File order: households by buurt and address, members in their order within the household.
pub fn sort_by_address(mut pop: WijkPopulation) -> WijkPopulation {
    let mut idx: Vec<usize> = (0..pop.households.len()).collect();
    idx.sort_by(|&a, &b| {
        (pop.households[a].buurt, &pop.households[a].address)
            .cmp(&(pop.households[b].buurt, &pop.households[b].address))
    });
    let mut new_pos = vec![0usize; idx.len()];
    for (new, &old) in idx.iter().enumerate() {
        new_pos[old] = new;
    }
    let households: Vec<Household> = idx.iter().map(|&i| pop.households[i].clone()).collect();
    for r in pop.residents.iter_mut() {
        r.household = new_pos[r.household];
    }
    pop.residents.sort_by_key(|r| r.household);
    WijkPopulation {
        households,
        residents: pop.residents,
    }
}

/// Sanity: the persona table and the count logic agree on eight personas.
pub const PERSONA_COUNT: usize = 8;
const _: () = assert!(PERSONAS.len() == PERSONA_COUNT);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up_and_couples_are_even() {
        let shares = [0.05, 0.1, 0.011, 0.08, 0.044, 0.5, 0.18, 0.035];
        for n in [37, 1000, 2221, 55_555] {
            let c = persona_counts(n, &shares);
            assert_eq!(c.iter().sum::<usize>(), n);
            assert!(c[3].is_multiple_of(2) && c[6].is_multiple_of(2));
        }
    }

    #[test]
    fn ages_are_exact_on_the_reference_date() {
        let reference = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let mut rng = <ChaCha8Rng as rand::SeedableRng>::seed_from_u64(3);
        for age in [18, 30, 75, 99] {
            for _ in 0..200 {
                assert_eq!(
                    age_on(birth_for_age(reference, age, &mut rng), reference),
                    age
                );
            }
        }
    }

    #[test]
    fn letter_pairs_skip_forbidden_ones() {
        let p = letter_pairs();
        assert_eq!(p.len(), 397);
        assert!(!p.contains(b"SS") && !p.contains(b"SA") && !p.contains(b"SD"));
    }
}
