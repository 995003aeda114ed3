//! The planted loneliness personas: who they are, how common they are per wijk, what they need.
//!
//! Personas differ in REGISTER-VISIBLE traits (age, household, marital status, origin, income
//! source, WMO, parenting support, debt counselling) so that clustering on linked register features
//! can recover them. Each persona also has a loneliness intercept (log-odds) and a list of needs
//! that the synthetic sociale kaart is designed against.

use serde::Serialize;

use crate::contract::vocab::{Doelgroep, Element, Kosten};
use crate::synth::profile::{Profile, WijkProfile};

/// What an offer must satisfy to fit a persona (the fit rule is in [`crate::synth::offer`]).
#[derive(Debug, Clone, Serialize)]
pub struct Need {
    /// The offer must contain at least one of these effective elements.
    pub elements: &'static [Element],
    /// The offer's doelgroepen must contain one of these (`iedereen` counts only if listed here).
    pub doelgroepen: &'static [Doelgroep],
    /// The offer's age range must overlap this band.
    pub age_min: u32,
    pub age_max: u32,
    /// The offer must be given in at least one of these languages.
    pub languages: &'static [&'static str],
    /// The offer's cost level must be one of these.
    pub costs: &'static [Kosten],
    /// If true the offer must be wheelchair accessible, arrange transport or come to the home.
    pub mobility: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PersonaDef {
    pub id: u8,
    pub name: &'static str,
    pub description: &'static str,
    /// The register-visible traits that define the persona.
    pub defining_traits: &'static [&'static str],
    /// Age band of the persona's core members (partners may fall slightly outside).
    pub age_min: u32,
    pub age_max: u32,
    /// Loneliness log-odds before individual traits and the wijk effect.
    pub lonely_intercept: f64,
    /// Log-odds of severe loneliness given loneliness, before traits and the wijk effect.
    pub severe_intercept: f64,
    /// +1 for personas more common in lonelier wijken, -1 for less common, 0 neutral.
    pub risk_direction: f64,
    pub need: Need,
}

use Doelgroep as D;
use Element as E;
use Kosten as K;

const LOW_COST: &[Kosten] = &[K::Gratis, K::Laag];
const ANY_COST: &[Kosten] = &[K::Gratis, K::Laag, K::Regulier, K::Indicatie];

/// The eight planted personas, id 1..=8.
pub const PERSONAS: &[PersonaDef] = &[
    PersonaDef {
        id: 1,
        name: "Alleenstaande weduwen en weduwnaars met WMO",
        description: "Older widowed people (75+) living alone, often with limited mobility and \
                      household help from the WMO; some lost their partner recently.",
        defining_traits: &[
            "age 75-95",
            "verweduwd",
            "one-person household",
            "aow",
            "wmo huishoudelijke_hulp",
        ],
        age_min: 75,
        age_max: 95,
        lonely_intercept: 0.55,
        severe_intercept: -0.9,
        risk_direction: 1.0,
        need: Need {
            elements: &[
                E::BetekenisvolContact,
                E::PraktischOndersteunen,
                E::Ontmoeten,
            ],
            doelgroepen: &[D::Ouderen, D::Alleenwonenden, D::Rouwenden],
            age_min: 75,
            age_max: 95,
            languages: &["nl"],
            costs: &[K::Gratis, K::Laag, K::Indicatie],
            mobility: true,
        },
    },
    PersonaDef {
        id: 2,
        name: "Jonge alleenwonenden met schulden",
        description: "Young adults (18-30) living alone on a low income; many are in debt \
                      counselling.",
        defining_traits: &[
            "age 18-30",
            "ongehuwd",
            "one-person household",
            "low income",
            "schuldhulp",
        ],
        age_min: 18,
        age_max: 30,
        lonely_intercept: 0.15,
        severe_intercept: -1.2,
        risk_direction: 1.0,
        need: Need {
            elements: &[E::SocialeVaardigheden, E::Bezigheden, E::Ontmoeten],
            doelgroepen: &[D::Jongeren, D::MensenMetSchulden, D::Alleenwonenden],
            age_min: 18,
            age_max: 30,
            languages: &["nl"],
            costs: LOW_COST,
            mobility: false,
        },
    },
    PersonaDef {
        id: 3,
        name: "Oudere migranten met weinig Nederlands",
        description: "Older couples (60+) with a Turkish or Moroccan background, low income (AOW, \
                      often incomplete, or bijstand) and little Dutch.",
        defining_traits: &[
            "age 58-85",
            "herkomst turkije/marokko",
            "gehuwd couple",
            "low income",
            "aow/bijstand",
        ],
        age_min: 58,
        age_max: 85,
        lonely_intercept: 0.75,
        severe_intercept: -0.7,
        risk_direction: 1.0,
        need: Need {
            elements: &[
                E::Ontmoeten,
                E::BetekenisvolContact,
                E::PraktischOndersteunen,
            ],
            doelgroepen: &[D::Migranten, D::Ouderen],
            age_min: 58,
            age_max: 85,
            languages: &["tr", "ar"],
            costs: LOW_COST,
            mobility: false,
        },
    },
    PersonaDef {
        id: 4,
        name: "Overbelaste mantelzorgers",
        description: "Couples aged 45-65 where one partner cares for the other; the partner \
                      receives WMO support (dagbesteding, vervoer, hulpmiddelen).",
        defining_traits: &[
            "age 45-65",
            "gehuwd couple",
            "wmo in the household",
            "mantelzorger",
        ],
        age_min: 45,
        age_max: 65,
        lonely_intercept: 0.1,
        severe_intercept: -1.3,
        risk_direction: 0.0,
        need: Need {
            elements: &[
                E::RealistischeVerwachtingen,
                E::PraktischOndersteunen,
                E::BetekenisvolContact,
            ],
            doelgroepen: &[D::Mantelzorgers],
            age_min: 45,
            age_max: 65,
            languages: &["nl"],
            costs: ANY_COST,
            mobility: false,
        },
    },
    PersonaDef {
        id: 5,
        name: "Alleenstaande ouders met een laag inkomen",
        description: "Single parents aged 25-45, mostly divorced, on bijstand or a low wage, with \
                      minimaregeling and parenting support.",
        defining_traits: &[
            "age 25-45",
            "gescheiden",
            "single parent household",
            "bijstand",
            "minimaregeling",
            "opvoedondersteuning",
        ],
        age_min: 25,
        age_max: 45,
        lonely_intercept: 0.3,
        severe_intercept: -1.1,
        risk_direction: 1.0,
        need: Need {
            elements: &[
                E::Ontmoeten,
                E::PraktischOndersteunen,
                E::SocialeVaardigheden,
            ],
            doelgroepen: &[D::Ouders, D::MensenMetSchulden],
            age_min: 25,
            age_max: 45,
            languages: &["nl"],
            costs: LOW_COST,
            mobility: false,
        },
    },
    PersonaDef {
        id: 6,
        name: "Werkende gezinnen",
        description: "Married or partnered couples aged 28-55, working, with children at home and \
                      a high income; low risk.",
        defining_traits: &[
            "age 28-55",
            "gehuwd/partnerschap couple",
            "3-5 persons",
            "loon",
            "high income",
        ],
        age_min: 28,
        age_max: 55,
        lonely_intercept: -0.95,
        severe_intercept: -2.0,
        risk_direction: -1.0,
        need: Need {
            elements: &[E::Ontmoeten, E::Bezigheden],
            doelgroepen: &[D::Iedereen, D::Ouders],
            age_min: 28,
            age_max: 55,
            languages: &["nl"],
            costs: ANY_COST,
            mobility: false,
        },
    },
    PersonaDef {
        id: 7,
        name: "Vitale gepensioneerden",
        description: "Married couples aged 65-82 on AOW with a middle or high income and no WMO; \
                      many volunteer.",
        defining_traits: &[
            "age 65-82",
            "gehuwd couple",
            "aow",
            "middle/high income",
            "no wmo",
        ],
        age_min: 65,
        age_max: 82,
        lonely_intercept: -0.65,
        severe_intercept: -1.8,
        risk_direction: -1.0,
        need: Need {
            elements: &[E::BetekenisvolleRollen, E::Bezigheden, E::Ontmoeten],
            doelgroepen: &[D::Ouderen, D::Iedereen],
            age_min: 65,
            age_max: 82,
            languages: &["nl"],
            costs: ANY_COST,
            mobility: false,
        },
    },
    PersonaDef {
        id: 8,
        name: "Alleenwonenden van middelbare leeftijd met beperkingen",
        description: "People aged 45-65 living alone with health limits, on a disability benefit \
                      (arbeidsongeschiktheid) or bijstand, some with WMO begeleiding.",
        defining_traits: &[
            "age 45-66",
            "ongehuwd/gescheiden",
            "one-person household",
            "arbeidsongeschiktheid",
            "wmo begeleiding",
        ],
        age_min: 45,
        age_max: 66,
        lonely_intercept: 0.45,
        severe_intercept: -1.0,
        risk_direction: 1.0,
        need: Need {
            elements: &[
                E::Bezigheden,
                E::BetekenisvolleRollen,
                E::PraktischOndersteunen,
            ],
            doelgroepen: &[D::MensenMetBeperking, D::Alleenwonenden],
            age_min: 45,
            age_max: 66,
            languages: &["nl"],
            costs: &[K::Gratis, K::Laag, K::Indicatie],
            mobility: true,
        },
    },
];

pub fn persona(id: u8) -> &'static PersonaDef {
    &PERSONAS[usize::from(id) - 1]
}

/// Municipal persona shares of adults (18+), derived from the CBS structure of the profile.
///
/// A transparent heuristic, not a fit: the one-person share of adults is split into widowed
/// elderly (persona 1, about the widowed share of adults), middle-aged singles with limits (a
/// quarter of the rest) and young singles; the 65+ share goes to persona 1, the older part of
/// persona 3 and vital retirees; persona 3 is 30% of adults with a Turkish or Moroccan background;
/// single parents are a third of the divorced; carers 8%; working families take the rest.
pub fn base_shares(profile: &Profile) -> [f64; 8] {
    let s = &profile.structure;
    // Adults: everyone 15+ minus the 15-17 year olds (3 of the 10 years of the 15-25 band).
    let adult = 1.0 - (s.age_0_15 + 0.3 * s.age_15_25) / 100.0;
    let a65 = s.age_65_plus / 100.0 / adult;
    let alone =
        (s.eenpersoonshuishoudens / 100.0 * s.huishoudens / (s.inwoners * adult)).clamp(0.08, 0.6);
    let widowed = s.verweduwd / 100.0 / adult;
    let divorced = s.gescheiden / 100.0 / adult;
    let p1 = widowed.min(a65 * 0.4).min(alone * 0.5).max(0.01);
    let p3 = ((s.turkije + s.marokko) / 100.0 / adult * 0.3).max(0.004);
    let p7 = (a65 - p1 - 0.7 * p3).max(0.02);
    let p8 = 0.25 * (alone - p1);
    let p2 = alone - p1 - p8;
    let p5 = (divorced / 3.0).max(0.01);
    let p4 = 0.08;
    let p6 = (1.0 - (p1 + p2 + p3 + p4 + p5 + p7 + p8)).max(0.05);
    let raw = [p1, p2, p3, p4, p5, p6, p7, p8];
    let total: f64 = raw.iter().sum();
    raw.map(|x| x / total)
}

/// Persona shares for one wijk: the municipal shares tilted towards the risk personas in wijken
/// that RIVM finds lonelier than the municipality (and away from them in less lonely ones).
///
/// `share ∝ base · exp(0.5 · z · direction)` with `z = (wijk % - municipal %) / 5` clamped to
/// [-2, 2]. The wijk's loneliness effect in the outcome model does the rest of the calibration.
pub fn wijk_shares(profile: &Profile, base: &[f64; 8], wijk: &WijkProfile) -> [f64; 8] {
    let z = ((wijk.target_lonely(&profile.loneliness) - profile.loneliness.lonely_18plus) / 5.0)
        .clamp(-2.0, 2.0);
    let mut out = [0.0; 8];
    for (i, p) in PERSONAS.iter().enumerate() {
        out[i] = base[i] * (0.5 * z * p.risk_direction).exp();
    }
    let total: f64 = out.iter().sum();
    out.map(|x| x / total)
}

/// Tilted persona shares for every wijk, raked so that their weighted mean over the wijken equals
/// the municipal base shares (the tilt moves people between wijken, not in or out of the city).
pub fn all_wijk_shares(profile: &Profile, base: &[f64; 8]) -> Vec<[f64; 8]> {
    let total_weight: f64 = profile.wijk.iter().map(|w| w.weight).sum();
    let mut adjusted = *base;
    let mut shares: Vec<[f64; 8]> = Vec::new();
    for _ in 0..50 {
        shares = profile
            .wijk
            .iter()
            .map(|w| wijk_shares(profile, &adjusted, w))
            .collect();
        let mut mean = [0.0; 8];
        for (w, s) in profile.wijk.iter().zip(&shares) {
            for k in 0..8 {
                mean[k] += s[k] * w.weight / total_weight;
            }
        }
        for k in 0..8 {
            adjusted[k] *= base[k] / mean[k];
        }
    }
    shares
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_are_distributions_and_differ_by_wijk() {
        for name in ["zoetermeer", "den-haag"] {
            let p = Profile::builtin(name).unwrap();
            let base = base_shares(&p);
            assert!((base.iter().sum::<f64>() - 1.0).abs() < 1e-9);
            assert!(base.iter().all(|&x| x > 0.003), "{name}: {base:?}");
            let lonely = p
                .wijk
                .iter()
                .max_by(|a, b| {
                    a.target_lonely(&p.loneliness)
                        .total_cmp(&b.target_lonely(&p.loneliness))
                })
                .unwrap();
            let least = p
                .wijk
                .iter()
                .min_by(|a, b| {
                    a.target_lonely(&p.loneliness)
                        .total_cmp(&b.target_lonely(&p.loneliness))
                })
                .unwrap();
            let (hi, lo) = (
                wijk_shares(&p, &base, lonely),
                wijk_shares(&p, &base, least),
            );
            assert!(hi[0] > lo[0] && hi[5] < lo[5], "{name}: {hi:?} vs {lo:?}");
        }
        assert!(PERSONAS
            .iter()
            .enumerate()
            .all(|(i, p)| usize::from(p.id) == i + 1));
    }
}
