//! A family of planted persona sets (`synth --persona-set random`), so that the persona method is
//! chosen on many structures instead of the fixed eight of the demo.
//!
//! A seeded draw takes 5-10 personas from a menu of [`MENU`] templates: the fixed eight, four
//! defined by the household rather than the person (a carer of a partner with WMO at the same
//! address, adult children living with their parents, three generations under one roof with WMO
//! for the oldest, recently separated parents living alone), and near twins that differ from a
//! menu neighbour in only two or three register traits (young couples vs working families,
//! unmarried older singles vs widowed elderly, unemployed couples vs partner carers, working
//! singles vs young singles). Every set has at least one household-defined persona, one or two
//! small ones (1-2% of adults), and every probability, age band and income band of its templates
//! is jittered (x0.75-1.25, +-3 years, +-5 percentiles), so no two sets are the same generator.
//! `--noise-scale` adds register noise on top (income source, flags and percentile drawn from the
//! population instead of the persona for a share of residents).
//!
//! Each template borrows the outcome model and the needs of one of the fixed eight (`analog`):
//! `Resident::persona` is that analog (so loneliness, the sociale kaart and the gaps work as
//! before) and `Resident::planted` is the persona's id in the drawn set, written to the truth.

use rand::seq::{IndexedRandom, SliceRandom};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::contract::vocab::{BurgerlijkeStaat, Herkomst, Inkomensbron, Voorziening};
use crate::synth::population::{
    assign_addresses, chance, pick, provision, sort_by_address, years_ago, Builder, Period,
    WijkContext, WijkPopulation,
};

use BurgerlijkeStaat as Bs;
use Inkomensbron as I;
use Voorziening as V;

/// One menu entry.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Template {
    pub code: &'static str,
    pub description: &'static str,
    /// The fixed persona (1-8) whose outcome model and needs it borrows.
    pub analog: u8,
    /// Defined by who lives in the household, not by the person's own traits.
    pub household_defined: bool,
    /// The menu entry it differs from in only two or three register traits.
    pub twin_of: Option<&'static str>,
}

pub const MENU: &[Template] = &[
    t("weduwen_wmo", "widowed, 75-95, alone, AOW, WMO household help", 1, false, None),
    t("jong_schulden", "18-30, alone, low income, debt counselling", 2, false, None),
    t("oudere_migranten", "Turkish/Moroccan couples 60-85, low income, AOW/bijstand", 3, false, None),
    t("mantelzorg_partner", "couples 45-65, mostly no children at home, middle income; one partner on a disability benefit or out of work with WMO (the other is the carer)", 4, true, None),
    t("alleenstaande_ouders", "single parents 25-45, divorced, bijstand, parenting support", 5, false, None),
    t("werkende_gezinnen", "couples 30-55 with children, working, high income", 6, false, None),
    t("vitale_gepensioneerden", "married couples 66-82, AOW, middle/high income, no WMO", 7, false, None),
    t("middelbaar_beperking", "45-66, alone, disability benefit, WMO begeleiding", 8, false, None),
    t("thuiswonende_kinderen", "parents 47-62 with adult children (18-30) at home", 2, true, None),
    t("meergeneratie", "a couple 40-62 with a parent 75-92 on WMO at the same address", 4, true, None),
    t("recent_gescheiden_ouders", "30-50, divorced within two years, living alone, parenting support", 5, true, None),
    t("jonge_stellen", "couples 24-34 without children, working, middle income", 6, false, Some("werkende_gezinnen")),
    t("alleenstaande_ouderen", "unmarried or divorced 66-85, alone, AOW, little WMO", 1, false, Some("weduwen_wmo")),
    t("werkloze_stellen", "couples 45-65, both unemployed or on bijstand, low income, no WMO", 4, false, Some("mantelzorg_partner")),
    t("werkende_alleenstaanden", "30-45, alone, working, middle income", 2, false, Some("jong_schulden")),
];

const fn t(
    code: &'static str,
    description: &'static str,
    analog: u8,
    household_defined: bool,
    twin_of: Option<&'static str>,
) -> Template {
    Template {
        code,
        description,
        analog,
        household_defined,
        twin_of,
    }
}

/// One drawn persona of a set.
#[derive(Debug, Clone, Serialize)]
pub struct Planted {
    /// 1-based id in the set (the truth's `persona` column).
    pub id: u8,
    pub template: usize,
    pub code: &'static str,
    pub share: f64,
    /// Multipliers on the template's probabilities (x0.75-1.25) and shifts of its bands.
    pub prob_factor: f64,
    pub age_shift: i32,
    pub income_shift: i32,
}

/// A drawn set of personas plus the register noise level.
#[derive(Debug, Clone, Serialize)]
pub struct PersonaSet {
    pub seed: u64,
    pub noise_scale: f64,
    pub personas: Vec<Planted>,
}

impl PersonaSet {
    /// Draws a set: 5-10 templates, at least one household-defined, often a near-twin pair, one
    /// or two small personas (1-2% of adults) and jittered parameters.
    pub fn random(seed: u64, noise_scale: f64) -> PersonaSet {
        let mut rng = crate::synth::task_rng(seed, crate::synth::stream::PERSONA_SET, 0);
        let k = rng.random_range(5..=10usize);
        let mut chosen: Vec<usize> = Vec::new();
        let household: Vec<usize> = (0..MENU.len())
            .filter(|&i| MENU[i].household_defined)
            .collect();
        chosen.push(
            *household
                .choose(&mut rng)
                .expect("menu has household personas"),
        );
        if chance(&mut rng, 0.6) {
            let twins: Vec<usize> = (0..MENU.len())
                .filter(|&i| MENU[i].twin_of.is_some())
                .collect();
            let a = *twins.choose(&mut rng).expect("menu has twins");
            let b = MENU
                .iter()
                .position(|m| Some(m.code) == MENU[a].twin_of)
                .expect("twin in menu");
            for i in [a, b] {
                if !chosen.contains(&i) {
                    chosen.push(i);
                }
            }
        }
        let mut rest: Vec<usize> = (0..MENU.len()).filter(|i| !chosen.contains(i)).collect();
        rest.shuffle(&mut rng);
        while chosen.len() < k {
            chosen.push(rest.pop().expect("menu larger than 10"));
        }
        let n_small = rng.random_range(1..=2usize);
        let mut small: Vec<usize> = (0..chosen.len()).collect();
        small.shuffle(&mut rng);
        small.truncate(n_small);
        let small_share: Vec<f64> = small.iter().map(|_| rng.random_range(0.01..0.02)).collect();
        let left = 1.0 - small_share.iter().sum::<f64>();
        let weights: Vec<f64> = (0..chosen.len())
            .map(|i| {
                if small.contains(&i) {
                    0.0
                } else {
                    rng.random_range(0.4..2.0)
                }
            })
            .collect();
        let wsum: f64 = weights.iter().sum();
        let personas = chosen
            .iter()
            .enumerate()
            .map(|(i, &m)| {
                let share = match small.iter().position(|&s| s == i) {
                    Some(j) => small_share[j],
                    None => left * weights[i] / wsum,
                };
                Planted {
                    id: i as u8 + 1,
                    template: m,
                    code: MENU[m].code,
                    share,
                    prob_factor: rng.random_range(0.75..1.25),
                    age_shift: rng.random_range(-3..=3),
                    income_shift: rng.random_range(-5..=5),
                }
            })
            .collect();
        PersonaSet {
            seed,
            noise_scale,
            personas,
        }
    }

    /// Adult counts per planted persona for a wijk of `n` adults (largest remainder).
    fn counts(&self, n: usize) -> Vec<usize> {
        let exact: Vec<f64> = self.personas.iter().map(|p| p.share * n as f64).collect();
        let mut out: Vec<usize> = exact.iter().map(|e| e.floor() as usize).collect();
        let mut order: Vec<usize> = (0..exact.len()).collect();
        order.sort_by(|&a, &b| {
            (exact[b] - exact[b].floor())
                .total_cmp(&(exact[a] - exact[a].floor()))
                .then(a.cmp(&b))
        });
        let left = n - out.iter().sum::<usize>();
        for &i in order.iter().take(left) {
            out[i] += 1;
        }
        out
    }
}

/// Register traits of one household member.
struct Spec {
    income: (i32, i32),
    sources: &'static [(Inkomensbron, f64)],
    minima: f64,
    debts: f64,
    wmo: f64,
    menu: &'static [(Voorziening, f64)],
    parenting: f64,
    mobility: f64,
}

#[allow(clippy::too_many_arguments)]
const fn spec(
    income: (i32, i32),
    sources: &'static [(Inkomensbron, f64)],
    minima: f64,
    debts: f64,
    wmo: f64,
    menu: &'static [(Voorziening, f64)],
    parenting: f64,
    mobility: f64,
) -> Spec {
    Spec {
        income,
        sources,
        minima,
        debts,
        wmo,
        menu,
        parenting,
        mobility,
    }
}

const HELP: &[(Voorziening, f64)] = &[
    (V::HuishoudelijkeHulp, 0.8),
    (V::Hulpmiddel, 0.4),
    (V::Vervoer, 0.35),
];
const CARE: &[(Voorziening, f64)] = &[
    (V::Dagbesteding, 0.5),
    (V::Vervoer, 0.5),
    (V::Hulpmiddel, 0.5),
    (V::Begeleiding, 0.3),
];
const GUIDE: &[(Voorziening, f64)] = &[(V::Begeleiding, 0.8), (V::Dagbesteding, 0.25)];
const AID: &[(Voorziening, f64)] = &[(V::Hulpmiddel, 1.0)];
const WORK: &[(Inkomensbron, f64)] = &[(I::Loon, 88.0), (I::Zelfstandig, 12.0)];
const AOW: &[(Inkomensbron, f64)] = &[(I::Aow, 1.0)];

/// The member specs of a template: `role` 0 = first adult, 1 = partner, 2 = other adults.
fn member_spec(code: &str, role: usize) -> Spec {
    match (code, role) {
        ("weduwen_wmo", _) => spec((12, 60), AOW, 0.12, 0.02, 0.85, HELP, 0.0, 0.6),
        ("jong_schulden", _) => spec(
            (3, 40),
            &[
                (I::Loon, 45.0),
                (I::Bijstand, 25.0),
                (I::Werkloosheid, 12.0),
                (I::Geen, 13.0),
            ],
            0.3,
            0.5,
            0.08,
            GUIDE,
            0.0,
            0.03,
        ),
        ("oudere_migranten", _) => spec(
            (2, 30),
            &[
                (I::Aow, 60.0),
                (I::Bijstand, 30.0),
                (I::Arbeidsongeschiktheid, 10.0),
            ],
            0.5,
            0.05,
            0.2,
            HELP,
            0.0,
            0.3,
        ),
        ("mantelzorg_partner", 1) => spec(
            (25, 65),
            &[
                (I::Arbeidsongeschiktheid, 55.0),
                (I::Werkloosheid, 20.0),
                (I::Geen, 25.0),
            ],
            0.08,
            0.04,
            0.75,
            CARE,
            0.0,
            0.8,
        ),
        ("mantelzorg_partner", _) => spec(
            (25, 65),
            &[(I::Loon, 60.0), (I::Zelfstandig, 10.0), (I::Geen, 30.0)],
            0.08,
            0.04,
            0.05,
            CARE,
            0.03,
            0.05,
        ),
        ("alleenstaande_ouders", _) => spec(
            (2, 28),
            &[(I::Bijstand, 50.0), (I::Loon, 45.0), (I::Overig, 5.0)],
            0.7,
            0.3,
            0.06,
            GUIDE,
            0.7,
            0.05,
        ),
        ("werkende_gezinnen", _) => spec((55, 99), WORK, 0.01, 0.01, 0.01, AID, 0.05, 0.03),
        ("vitale_gepensioneerden", _) => spec((35, 95), AOW, 0.03, 0.01, 0.03, AID, 0.0, 0.06),
        ("middelbaar_beperking", _) => spec(
            (5, 40),
            &[
                (I::Arbeidsongeschiktheid, 70.0),
                (I::Bijstand, 20.0),
                (I::Loon, 10.0),
            ],
            0.35,
            0.15,
            0.5,
            GUIDE,
            0.0,
            0.5,
        ),
        ("thuiswonende_kinderen", 2) => spec(
            (40, 90),
            &[(I::Loon, 50.0), (I::Geen, 35.0), (I::Overig, 15.0)],
            0.02,
            0.05,
            0.03,
            GUIDE,
            0.0,
            0.03,
        ),
        ("thuiswonende_kinderen", _) => spec((40, 90), WORK, 0.02, 0.02, 0.02, AID, 0.02, 0.04),
        ("meergeneratie", 2) => spec((20, 70), AOW, 0.05, 0.01, 0.85, HELP, 0.0, 0.7),
        ("meergeneratie", _) => spec(
            (20, 70),
            &[(I::Loon, 70.0), (I::Geen, 20.0), (I::Zelfstandig, 10.0)],
            0.05,
            0.03,
            0.04,
            AID,
            0.03,
            0.05,
        ),
        ("recent_gescheiden_ouders", _) => spec(
            (15, 60),
            &[
                (I::Loon, 70.0),
                (I::Werkloosheid, 15.0),
                (I::Bijstand, 15.0),
            ],
            0.2,
            0.15,
            0.03,
            GUIDE,
            0.45,
            0.04,
        ),
        ("jonge_stellen", _) => spec((40, 85), WORK, 0.02, 0.03, 0.01, AID, 0.0, 0.02),
        ("alleenstaande_ouderen", _) => spec((20, 60), AOW, 0.1, 0.02, 0.15, HELP, 0.0, 0.2),
        ("werkloze_stellen", _) => spec(
            (5, 35),
            &[
                (I::Werkloosheid, 45.0),
                (I::Bijstand, 45.0),
                (I::Geen, 10.0),
            ],
            0.5,
            0.15,
            0.03,
            GUIDE,
            0.03,
            0.08,
        ),
        _ => spec((40, 85), WORK, 0.02, 0.03, 0.03, GUIDE, 0.0, 0.03),
    }
}

/// The population-wide mix used for register noise.
const NOISE_SOURCES: &[(Inkomensbron, f64)] = &[
    (I::Loon, 45.0),
    (I::Aow, 20.0),
    (I::Bijstand, 6.0),
    (I::Arbeidsongeschiktheid, 6.0),
    (I::Werkloosheid, 4.0),
    (I::Zelfstandig, 6.0),
    (I::Overig, 5.0),
    (I::Geen, 8.0),
];

/// Builds one household of a planted persona; returns the number of adults added. With
/// `left == 1` a household of two or more adults is replaced by its first member living alone.
fn household(b: &mut Builder, p: &Planted, left: usize) -> Vec<(usize, usize)> {
    let m = &MENU[p.template];
    let a = m.analog;
    let s = p.age_shift;
    let age = |lo: i32, hi: i32| ((lo + s).max(18) as u32, (hi + s).max(19) as u32);
    let reference = b.reference();
    let h = b.herkomst_general();
    let single = |b: &mut Builder, lo: i32, hi: i32, staat: Bs, recent: bool, size: u32| {
        let (lo, hi) = age(lo, hi);
        let years = b.rng.random_range(lo..=hi);
        let sex = b.sex(0.55);
        let date = match staat {
            Bs::Ongehuwd => None,
            _ if recent => Some(years_ago(reference, 0.1, 1.9, b.rng)),
            _ => Some(years_ago(reference, 2.1, 20.0, b.rng)),
        };
        let herkomst = b.herkomst_general();
        b.single(a, years, sex, herkomst, staat, date, size, (0.3, 20.0))
    };
    if left == 1
        && !matches!(
            m.code,
            "weduwen_wmo"
                | "jong_schulden"
                | "alleenstaande_ouders"
                | "middelbaar_beperking"
                | "recent_gescheiden_ouders"
                | "alleenstaande_ouderen"
                | "werkende_alleenstaanden"
        )
    {
        let i = single(b, 45, 65, Bs::Gescheiden, false, 1);
        return vec![(i, 0)];
    }
    let couple = |b: &mut Builder, lo: i32, hi: i32, herkomst: Herkomst, size: u32| {
        let (lo, hi) = age(lo, hi);
        b.couple(a, lo, hi, herkomst, size, (1.0, 25.0))
    };
    match m.code {
        "weduwen_wmo" => {
            let recent = chance(b.rng, 0.16);
            vec![(single(b, 75, 95, Bs::Verweduwd, recent, 1), 0)]
        }
        "jong_schulden" => vec![(single(b, 18, 30, Bs::Ongehuwd, false, 1), 0)],
        "alleenstaande_ouders" => {
            let size = pick(b.rng, &[(2, 0.45), (3, 0.38), (4, 0.17)]);
            let staat = if chance(b.rng, 0.7) {
                Bs::Gescheiden
            } else {
                Bs::Ongehuwd
            };
            vec![(single(b, 25, 45, staat, false, size), 0)]
        }
        "middelbaar_beperking" => {
            let staat = if chance(b.rng, 0.65) {
                Bs::Gescheiden
            } else {
                Bs::Ongehuwd
            };
            vec![(single(b, 45, 66, staat, false, 1), 0)]
        }
        "recent_gescheiden_ouders" => vec![(single(b, 30, 50, Bs::Gescheiden, true, 1), 0)],
        "alleenstaande_ouderen" => {
            let staat = if chance(b.rng, 0.5) {
                Bs::Gescheiden
            } else {
                Bs::Ongehuwd
            };
            vec![(single(b, 66, 85, staat, false, 1), 0)]
        }
        "werkende_alleenstaanden" => vec![(single(b, 30, 45, Bs::Ongehuwd, false, 1), 0)],
        "oudere_migranten" => {
            let hk = if chance(b.rng, 0.55) {
                Herkomst::Turkije
            } else {
                Herkomst::Marokko
            };
            let (x, y) = couple(b, 60, 85, hk, 2);
            vec![(x, 0), (y, 1)]
        }
        "mantelzorg_partner" => {
            let size = if chance(b.rng, 0.75) {
                2
            } else {
                b.rng.random_range(3..=4)
            };
            let (x, y) = couple(b, 46, 65, h, size);
            vec![(x, 0), (y, 1)]
        }
        "werkloze_stellen" => {
            let size = if chance(b.rng, 0.75) { 2 } else { 3 };
            let (x, y) = couple(b, 46, 65, h, size);
            vec![(x, 0), (y, 1)]
        }
        "werkende_gezinnen" => {
            let size = pick(b.rng, &[(3, 0.4), (4, 0.42), (5, 0.18)]);
            let (x, y) = couple(b, 32, 55, h, size);
            vec![(x, 0), (y, 1)]
        }
        "jonge_stellen" => {
            let (x, y) = couple(b, 24, 34, h, 2);
            vec![(x, 0), (y, 1)]
        }
        "vitale_gepensioneerden" => {
            let hk = if chance(b.rng, 0.85) {
                Herkomst::Nederland
            } else {
                h
            };
            let (x, y) = couple(b, 66, 82, hk, 2);
            vec![(x, 0), (y, 1)]
        }
        "thuiswonende_kinderen" => {
            let kids = if left >= 4 && chance(b.rng, 0.3) {
                2
            } else {
                1
            };
            let minors = pick(b.rng, &[(0u32, 0.6), (1, 0.3), (2, 0.1)]);
            let (x, y) = couple(b, 47, 62, h, 2 + kids as u32 + minors);
            let hh = b.out.residents[x].household;
            let mut out = vec![(x, 0), (y, 1)];
            for _ in 0..kids {
                let (lo, hi) = age(18, 30);
                let years = b.rng.random_range(lo..=hi.min(lo + 12));
                let sex = b.sex(0.5);
                let i = b.person(hh, a, years, sex, h, Bs::Ongehuwd, None, false);
                out.push((i, 2));
            }
            out
        }
        "meergeneratie" => {
            let minors = pick(b.rng, &[(0u32, 0.5), (1, 0.3), (2, 0.2)]);
            let (x, y) = couple(b, 40, 62, h, 3 + minors);
            let hh = b.out.residents[x].household;
            let (lo, hi) = age(75, 92);
            let years = b.rng.random_range(lo..=hi);
            let sex = b.sex(0.7);
            let date = Some(years_ago(reference, 1.0, 15.0, b.rng));
            let i = b.person(hh, a, years, sex, h, Bs::Verweduwd, date, false);
            vec![(x, 0), (y, 1), (i, 2)]
        }
        other => unreachable!("menu entry {other} has no household rule"),
    }
}

/// The residents of one wijk for a drawn set, with addresses, in file order.
pub fn build_wijk(
    ctx: &WijkContext,
    wijk: usize,
    set: &PersonaSet,
    n: usize,
    rng: &mut ChaCha8Rng,
) -> WijkPopulation {
    let counts = set.counts(n);
    let mut b = Builder {
        ctx,
        wijk,
        rng: &mut *rng,
        out: WijkPopulation {
            households: Vec::new(),
            residents: Vec::new(),
        },
    };
    let mut members: Vec<(usize, usize, usize)> = Vec::new(); // (resident, role, planted index)
    for (pi, p) in set.personas.iter().enumerate() {
        let mut left = counts[pi];
        while left > 0 {
            let before = b.out.residents.len();
            let added = household(&mut b, p, left);
            // A household larger than what is left is trimmed back to what fits.
            let take = added.len().min(left);
            if take < added.len() {
                b.out.residents.truncate(before + take);
            }
            for &(i, role) in added.iter().take(take) {
                members.push((i, role, pi));
            }
            left -= take;
        }
    }
    let mut pop = b.out;
    let reference = ctx.reference;
    // Household-level income draws, keyed by household.
    let mut household_income: Vec<Option<(u8, bool, bool)>> = vec![None; pop.households.len()];
    let noise = set.noise_scale;
    for &(i, role, pi) in &members {
        let p = &set.personas[pi];
        let sp = member_spec(p.code, role);
        let f = p.prob_factor;
        let pr = |x: f64| (x * f).clamp(0.0, 0.97);
        let hh = pop.residents[i].household;
        let (percentile, minima, debts) = *household_income[hh].get_or_insert_with(|| {
            let (lo, hi) = (sp.income.0 + p.income_shift, sp.income.1 + p.income_shift);
            let (lo, hi) = (lo.clamp(1, 99), hi.clamp(2, 100).max(lo + 1));
            let x = rng_mid(rng, lo, hi);
            let x = (x + (noise * 8.0 * (rng.random::<f64>() - 0.5) * 2.0) as i32).clamp(1, 100);
            let minima = x <= 35 && chance(rng, pr(sp.minima) * 1.3);
            let debts = chance(rng, pr(sp.debts));
            (x as u8, minima, debts)
        });
        let noisy = |rng: &mut ChaCha8Rng| chance(rng, (0.04 * noise).min(0.5));
        let t = &mut pop.residents[i].traits;
        t.income_percentile = percentile;
        t.minimaregeling = minima || noisy(rng);
        t.debts = debts || noisy(rng);
        t.income_source = Some(if noisy(rng) {
            pick(rng, NOISE_SOURCES)
        } else {
            pick(rng, sp.sources)
        });
        t.mobility_limited = chance(rng, pr(sp.mobility));
        t.informal_carer = match (p.code, role) {
            ("mantelzorg_partner", 0) | ("meergeneratie", 0 | 1) => chance(rng, 0.8),
            _ => chance(rng, 0.05),
        };
        t.has_carer = t.mobility_limited && chance(rng, 0.55);
        t.low_dutch = if p.code == "oudere_migranten" {
            chance(rng, 0.75)
        } else {
            chance(rng, 0.02)
        };
        t.volunteer = chance(rng, 0.12);
        if chance(rng, pr(sp.wmo)) || noisy(rng) {
            for &(kind, q) in sp.menu {
                if chance(rng, q) {
                    t.wmo.push(provision(kind, reference, rng));
                }
            }
            if t.wmo.is_empty() {
                t.wmo.push(provision(sp.menu[0].0, reference, rng));
            }
        }
        if chance(rng, pr(sp.parenting)) || (noisy(rng) && chance(rng, 0.3)) {
            let start = years_ago(reference, 0.1, 3.0, rng);
            t.parenting_support = Some(Period { start, end: None });
        }
        let base = if t.mobility_limited { 3.2 } else { 2.2 };
        t.health = (base + rng.random_range(-1.0..1.0f64))
            .round()
            .clamp(1.0, 5.0) as u8;
        let r = &pop.residents[i];
        let recent = r.staat == Bs::Verweduwd
            && r.staat_datum
                .is_some_and(|d| (reference - d).num_days() < 730);
        pop.residents[i].traits.recently_widowed = recent;
        pop.residents[i].planted = p.id;
    }
    // Households trimmed to fewer adults keep their size at least the adults present.
    let mut adults = vec![0u32; pop.households.len()];
    for r in &pop.residents {
        adults[r.household] += 1;
    }
    for (h, hh) in pop.households.iter_mut().enumerate() {
        hh.size = hh.size.max(adults[h]);
    }
    // Drop households left without members after trimming.
    let keep: Vec<bool> = adults.iter().map(|&a| a > 0).collect();
    if keep.iter().any(|k| !k) {
        let mut new_index = vec![usize::MAX; keep.len()];
        let mut households = Vec::new();
        for (h, hh) in pop.households.into_iter().enumerate() {
            if keep[h] {
                new_index[h] = households.len();
                households.push(hh);
            }
        }
        for r in pop.residents.iter_mut() {
            r.household = new_index[r.household];
        }
        pop.households = households;
    }
    assign_addresses(ctx, wijk, &mut pop, rng);
    sort_by_address(pop)
}

/// The mean of two uniform draws in `[lo, hi]` (a triangular band, as the fixed personas use).
fn rng_mid(rng: &mut ChaCha8Rng, lo: i32, hi: i32) -> i32 {
    (rng.random_range(lo..=hi) + rng.random_range(lo..=hi)) / 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_vary_hold_a_household_persona_and_small_ones() {
        let mut ks = std::collections::BTreeSet::new();
        for seed in 0..40 {
            let s = PersonaSet::random(seed, 1.0);
            let k = s.personas.len();
            assert!((5..=10).contains(&k), "seed {seed}: {k}");
            ks.insert(k);
            assert!(s
                .personas
                .iter()
                .any(|p| MENU[p.template].household_defined));
            assert!(s.personas.iter().any(|p| p.share < 0.021));
            let total: f64 = s.personas.iter().map(|p| p.share).sum();
            assert!((total - 1.0).abs() < 1e-9);
            let mut codes: Vec<&str> = s.personas.iter().map(|p| p.code).collect();
            codes.sort();
            codes.dedup();
            assert_eq!(codes.len(), k, "seed {seed}: a template drawn twice");
        }
        assert!(ks.len() >= 4, "K barely varies: {ks:?}");
        for (n, c) in [(37usize, 0u64), (1000, 1), (55_555, 2)] {
            let s = PersonaSet::random(c, 1.0);
            assert_eq!(s.counts(n).iter().sum::<usize>(), n);
        }
    }
}
