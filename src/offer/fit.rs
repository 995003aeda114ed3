//! The fit rule: does one offer fit one persona in one wijk, and if not, on which criteria does
//! it fail?
//!
//! An offer fits persona P in wijk W when every criterion holds:
//! - `status`: it is active (`actief`; an empty status counts as active: the map lists it);
//! - `gebied`: it lists W, or a buurt of W, or serves the whole `gemeente` and is reachable from
//!   W: for a persona that needs accessible offers a gemeente-wide offer must arrange transport or
//!   come to the people (online, huisbezoek);
//! - `leeftijd`: its age range (empty bounds: 0 and 120) overlaps P's core ages;
//! - `doelgroep`: it is for `iedereen` (or names no doelgroep), or names one of P's doelgroepen;
//! - `taal`: it is given in one of P's languages (no `talen`: Dutch);
//! - `kosten`: its cost level is one P can bear (an empty cost level counts as `regulier`);
//! - `toegankelijkheid`: when P needs accessible offers: wheelchair accessible, transport arranged,
//!   or at home (`huisbezoek`, `online`);
//! - `elementen`: it delivers at least one of P's elements.
//!
//! The criteria are bits of a [`Failures`] mask, so the check is a few integer operations per
//! (offer, persona) and near misses (exactly one bit) fall out for free.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::contract::records::{Area, Offer};
use crate::contract::vocab::{AanbodStatus, Doelgroep, Kosten, Vorm};

use super::needs::Needs;

/// One criterion of the fit rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    Status,
    Gebied,
    Leeftijd,
    Doelgroep,
    Taal,
    Kosten,
    Toegankelijkheid,
    Elementen,
}

impl Criterion {
    pub const ALL: [Criterion; 8] = [
        Criterion::Status,
        Criterion::Gebied,
        Criterion::Leeftijd,
        Criterion::Doelgroep,
        Criterion::Taal,
        Criterion::Kosten,
        Criterion::Toegankelijkheid,
        Criterion::Elementen,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Criterion::Status => "status",
            Criterion::Gebied => "gebied",
            Criterion::Leeftijd => "leeftijd",
            Criterion::Doelgroep => "doelgroep",
            Criterion::Taal => "taal",
            Criterion::Kosten => "kosten",
            Criterion::Toegankelijkheid => "toegankelijkheid",
            Criterion::Elementen => "elementen",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl std::fmt::Display for Criterion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// The failed criteria of one (offer, persona, wijk) as a bit mask; empty = fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Failures(pub u8);

impl Failures {
    pub fn fits(self) -> bool {
        self.0 == 0
    }
    pub fn count(self) -> u32 {
        self.0.count_ones()
    }
    pub fn has(self, c: Criterion) -> bool {
        self.0 & c.bit() != 0
    }
    pub fn with(self, c: Criterion, failed: bool) -> Failures {
        if failed {
            Failures(self.0 | c.bit())
        } else {
            self
        }
    }
    pub fn criteria(self) -> Vec<Criterion> {
        Criterion::ALL
            .into_iter()
            .filter(|&c| self.has(c))
            .collect()
    }
}

/// Whether the offer is active (empty status counts as active).
pub fn is_active(offer: &Offer) -> bool {
    offer.status != Some(AanbodStatus::Inactief)
}

/// Whether the offer comes to the people (no travel needed).
fn at_home(offer: &Offer) -> bool {
    matches!(offer.vorm, Some(Vorm::Huisbezoek) | Some(Vorm::Online))
}

/// Every criterion except `gebied`, which depends on the wijk.
pub fn persona_failures(offer: &Offer, needs: &Needs) -> Failures {
    let (lo, hi) = (
        offer.leeftijd_min.unwrap_or(0),
        offer.leeftijd_max.unwrap_or(120),
    );
    let age_ok = lo <= needs.age_max && hi >= needs.age_min;
    let group_ok = offer.doelgroepen.is_empty()
        || offer.doelgroepen.contains(&Doelgroep::Iedereen)
        || offer
            .doelgroepen
            .iter()
            .any(|d| needs.doelgroepen.contains(d));
    let lang_ok = if offer.talen.is_empty() {
        needs.languages.iter().any(|l| l == "nl")
    } else {
        offer.talen.iter().any(|t| needs.languages.contains(t))
    };
    let cost_ok = needs
        .costs
        .contains(&offer.kosten.unwrap_or(Kosten::Regulier));
    let access_ok = !needs.mobility
        || offer.rolstoeltoegankelijk == Some(true)
        || offer.vervoer == Some(true)
        || at_home(offer);
    let element_ok = offer.elementen.iter().any(|e| needs.elements.contains(e));
    Failures::default()
        .with(Criterion::Status, !is_active(offer))
        .with(Criterion::Leeftijd, !age_ok)
        .with(Criterion::Doelgroep, !group_ok)
        .with(Criterion::Taal, !lang_ok)
        .with(Criterion::Kosten, !cost_ok)
        .with(Criterion::Toegankelijkheid, !access_ok)
        .with(Criterion::Elementen, !element_ok)
}

/// Whether a gemeente-wide offer can be reached by this persona from any wijk.
pub fn reachable(offer: &Offer, needs: &Needs) -> bool {
    !needs.mobility || offer.vervoer == Some(true) || at_home(offer)
}

/// The `gebied` criterion: the offer serves wijk `wijk` (whose buurten are `buurten`).
pub fn serves(offer: &Offer, needs: &Needs, wijk: &str, buurten: &BTreeSet<String>) -> bool {
    offer.gebied.iter().any(|a| match a {
        Area::Gemeente => reachable(offer, needs),
        Area::Wijk(w) => w == wijk,
        Area::Buurt(b) => buurten.contains(b),
    })
}

/// All failed criteria of one offer for one persona in one wijk.
pub fn failures(offer: &Offer, needs: &Needs, wijk: &str, buurten: &BTreeSet<String>) -> Failures {
    persona_failures(offer, needs).with(Criterion::Gebied, !serves(offer, needs, wijk, buurten))
}

fn list<T: std::fmt::Display>(v: &[T]) -> String {
    v.iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// One Dutch sentence on why `offer` fails `criterion` for this persona in `wijk`.
pub fn explain(offer: &Offer, needs: &Needs, criterion: Criterion, wijk: &str) -> String {
    let naam = &offer.naam;
    match criterion {
        Criterion::Status => format!("'{naam}' staat op inactief."),
        Criterion::Gebied => {
            let areas: Vec<String> = offer
                .gebied
                .iter()
                .map(|a| match a {
                    Area::Gemeente => "de hele gemeente".to_string(),
                    Area::Wijk(w) | Area::Buurt(w) => w.clone(),
                })
                .collect();
            if offer.gebied.contains(&Area::Gemeente) {
                format!(
                    "'{naam}' is voor de hele gemeente maar regelt geen vervoer en komt niet aan \
                     huis, terwijl deze persona slecht ter been is."
                )
            } else {
                format!("'{naam}' bedient {}, niet {wijk}.", areas.join(", "))
            }
        }
        Criterion::Leeftijd => format!(
            "'{naam}' is voor {}-{} jaar; de kern van deze persona is {}-{} jaar.",
            offer.leeftijd_min.unwrap_or(0),
            offer.leeftijd_max.unwrap_or(120),
            needs.age_min,
            needs.age_max
        ),
        Criterion::Doelgroep => format!(
            "'{naam}' richt zich op {}; deze persona hoort bij {}.",
            list(&offer.doelgroepen),
            if needs.doelgroepen.is_empty() {
                "geen bijzondere doelgroep (alleen aanbod voor iedereen past)".to_string()
            } else {
                list(&needs.doelgroepen)
            }
        ),
        Criterion::Taal => format!(
            "'{naam}' wordt gegeven in {}; deze persona heeft aanbod nodig in {}.",
            if offer.talen.is_empty() {
                "nl".to_string()
            } else {
                list(&offer.talen)
            },
            needs.languages.join(" of ")
        ),
        Criterion::Kosten => format!(
            "'{naam}' kost {}; voor deze persona passen alleen {}.",
            offer
                .kosten
                .map_or("onbekend (telt als regulier)".into(), |k| k.to_string()),
            list(&needs.costs)
        ),
        Criterion::Toegankelijkheid => format!(
            "'{naam}' is niet rolstoeltoegankelijk, regelt geen vervoer en komt niet aan huis, \
             terwijl deze persona slecht ter been is."
        ),
        Criterion::Elementen => format!(
            "'{naam}' biedt {}; deze persona heeft baat bij {}.",
            if offer.elementen.is_empty() {
                "geen werkzaam element".to_string()
            } else {
                list(&offer.elementen)
            },
            list(&needs.elements)
        ),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::contract::vocab::Element;

    /// A persona of older migrants with a mobility need, and an offer that fits it in WK000001.
    pub(crate) fn needs() -> Needs {
        Needs {
            persona: 1,
            persona_name: "test".into(),
            residents: 100,
            age_min: 60,
            age_max: 85,
            elements: vec![Element::Ontmoeten, Element::BetekenisvolContact],
            doelgroepen: vec![Doelgroep::Ouderen, Doelgroep::Migranten],
            languages: vec!["tr".into(), "ar".into()],
            costs: vec![Kosten::Gratis, Kosten::Laag],
            mobility: true,
            traits: vec![],
            reasons_nl: vec![],
        }
    }

    pub(crate) fn offer() -> Offer {
        Offer {
            aanbod_id: "A1".into(),
            naam: "Theeochtend".into(),
            organisatie: None,
            omschrijving: None,
            elementen: vec![Element::Ontmoeten],
            doelgroepen: vec![Doelgroep::Migranten],
            leeftijd_min: Some(55),
            leeftijd_max: Some(90),
            talen: vec!["tr".into(), "nl".into()],
            kosten: Some(Kosten::Gratis),
            rolstoeltoegankelijk: Some(true),
            vervoer: Some(false),
            vorm: Some(Vorm::Groep),
            gebied: vec![Area::Wijk("WK000001".into())],
            capaciteit_per_week: Some(20),
            status: Some(AanbodStatus::Actief),
            row: 1,
            extra: vec![],
        }
    }

    fn buurten() -> BTreeSet<String> {
        ["BU00000101".to_string()].into_iter().collect()
    }

    fn fails(o: &Offer, n: &Needs) -> Vec<Criterion> {
        failures(o, n, "WK000001", &buurten()).criteria()
    }

    #[test]
    fn the_base_offer_fits() {
        assert!(fails(&offer(), &needs()).is_empty());
    }

    #[test]
    fn status_inactive_fails_empty_counts_as_active() {
        let mut o = offer();
        o.status = Some(AanbodStatus::Inactief);
        assert_eq!(fails(&o, &needs()), [Criterion::Status]);
        o.status = None;
        assert!(fails(&o, &needs()).is_empty());
    }

    #[test]
    fn area_wijk_buurt_and_gemeente_with_reachability() {
        let n = needs();
        let mut o = offer();
        o.gebied = vec![Area::Wijk("WK000002".into())];
        assert_eq!(fails(&o, &n), [Criterion::Gebied]);
        o.gebied = vec![Area::Buurt("BU00000101".into())];
        assert!(fails(&o, &n).is_empty(), "a buurt of the wijk serves it");
        o.gebied = vec![Area::Buurt("BU00000201".into())];
        assert_eq!(fails(&o, &n), [Criterion::Gebied]);
        // Gemeente-wide group meeting without transport: not reachable for a mobility need...
        o.gebied = vec![Area::Gemeente];
        assert_eq!(fails(&o, &n), [Criterion::Gebied]);
        // ...reachable with transport, online or at home, or without the need.
        o.vervoer = Some(true);
        assert!(fails(&o, &n).is_empty());
        o.vervoer = Some(false);
        o.vorm = Some(Vorm::Huisbezoek);
        assert!(fails(&o, &n).is_empty());
        o.vorm = Some(Vorm::Groep);
        let mut walking = n.clone();
        walking.mobility = false;
        assert!(fails(&o, &walking).is_empty());
    }

    #[test]
    fn age_range_must_overlap_core_ages() {
        let n = needs();
        let mut o = offer();
        o.leeftijd_min = Some(18);
        o.leeftijd_max = Some(59);
        assert_eq!(fails(&o, &n), [Criterion::Leeftijd]);
        o.leeftijd_max = Some(60);
        assert!(fails(&o, &n).is_empty(), "touching the band overlaps");
        o.leeftijd_min = Some(86);
        o.leeftijd_max = None;
        assert_eq!(fails(&o, &n), [Criterion::Leeftijd]);
        o.leeftijd_min = None;
        assert!(fails(&o, &n).is_empty(), "open bounds");
    }

    #[test]
    fn target_group_iedereen_or_shared() {
        let n = needs();
        let mut o = offer();
        o.doelgroepen = vec![Doelgroep::Jongeren, Doelgroep::Ouders];
        assert_eq!(fails(&o, &n), [Criterion::Doelgroep]);
        o.doelgroepen.push(Doelgroep::Iedereen);
        assert!(fails(&o, &n).is_empty());
        o.doelgroepen = vec![];
        assert!(fails(&o, &n).is_empty(), "no doelgroep = open to all");
        o.doelgroepen = vec![Doelgroep::Ouderen];
        assert!(fails(&o, &n).is_empty());
    }

    #[test]
    fn language_must_be_spoken() {
        let n = needs();
        let mut o = offer();
        o.talen = vec!["nl".into()];
        assert_eq!(fails(&o, &n), [Criterion::Taal]);
        o.talen = vec![];
        assert_eq!(fails(&o, &n), [Criterion::Taal], "no talen means Dutch");
        o.talen = vec!["ar".into()];
        assert!(fails(&o, &n).is_empty());
        let mut dutch = n.clone();
        dutch.languages = vec!["nl".into()];
        o.talen = vec![];
        assert!(fails(&o, &dutch).is_empty());
    }

    #[test]
    fn cost_must_be_bearable() {
        let n = needs();
        let mut o = offer();
        o.kosten = Some(Kosten::Regulier);
        assert_eq!(fails(&o, &n), [Criterion::Kosten]);
        o.kosten = None;
        assert_eq!(
            fails(&o, &n),
            [Criterion::Kosten],
            "unknown counts as regulier"
        );
        o.kosten = Some(Kosten::Laag);
        assert!(fails(&o, &n).is_empty());
    }

    #[test]
    fn accessibility_for_a_mobility_need() {
        let n = needs();
        let mut o = offer();
        o.rolstoeltoegankelijk = Some(false);
        assert_eq!(fails(&o, &n), [Criterion::Toegankelijkheid]);
        o.rolstoeltoegankelijk = None;
        assert_eq!(fails(&o, &n), [Criterion::Toegankelijkheid]);
        o.vervoer = Some(true);
        assert!(fails(&o, &n).is_empty());
        o.vervoer = None;
        o.vorm = Some(Vorm::Online);
        assert!(fails(&o, &n).is_empty());
        o.vorm = Some(Vorm::Individueel);
        let mut walking = n.clone();
        walking.mobility = false;
        assert!(fails(&o, &walking).is_empty());
    }

    #[test]
    fn at_least_one_needed_element() {
        let n = needs();
        let mut o = offer();
        o.elementen = vec![Element::SocialeVaardigheden, Element::Bezigheden];
        assert_eq!(fails(&o, &n), [Criterion::Elementen]);
        o.elementen = vec![];
        assert_eq!(fails(&o, &n), [Criterion::Elementen]);
        o.elementen = vec![Element::Bezigheden, Element::BetekenisvolContact];
        assert!(fails(&o, &n).is_empty());
    }

    #[test]
    fn explanations_name_the_failure() {
        let mut o = offer();
        o.gebied = vec![Area::Wijk("WK000002".into())];
        let s = explain(&o, &needs(), Criterion::Gebied, "WK000001");
        assert!(s.contains("WK000002") && s.contains("niet WK000001"), "{s}");
        let s = explain(&o, &needs(), Criterion::Taal, "WK000001");
        assert!(s.contains("tr of ar"), "{s}");
    }
}
