//! The synthetic sociale kaart, designed per (wijk, persona), with planted gaps and near misses.
//!
//! The fit rule (also written into the truth's `personas.json`): an offer fits persona P in wijk W
//! when it is `actief`; its `gebied` is `gemeente`, lists W or lists a buurt of W; its age range
//! overlaps P's age band; its `doelgroepen` contain one of P's doelgroepen; its `talen` contain one
//! of P's languages; its `kosten` is one P can bear; when P has a mobility need it is wheelchair
//! accessible, arranges transport or comes to the home (`vorm` = huisbezoek); and its `elementen`
//! contain one of P's elements.
//!
//! Design: about one active offer per 400 residents. Every persona gets offers over groups of the
//! wijken where it lives; a few (wijk, persona) pairs are left without any fitting offer (planted
//! gaps, 3-6), and any offer that happens to fit a gap pair has that wijk removed from its area.
//! For some gaps a near miss is planted: an offer that fails on exactly one criterion.

use rand::seq::{IndexedRandom, SliceRandom};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::contract::vocab::{AanbodStatus, Doelgroep, Element, Kosten, Vorm};
use crate::error::Result;
use crate::synth::persona::{Need, PERSONAS};
use crate::synth::{stream, task_rng, World};

pub const FIT_RULE: &str = "An offer fits persona P in wijk W when: status is actief; gebied is \
'gemeente', lists W or lists a buurt of W; [leeftijd_min, leeftijd_max] overlaps P's age band; \
doelgroepen contain one of P's doelgroepen; talen contain one of P's languages; kosten is one of \
P's costs; if P has a mobility need: rolstoeltoegankelijk or vervoer or vorm = huisbezoek; \
elementen contain one of P's elements.";

#[derive(Debug, Clone)]
pub struct Offer {
    pub id: String,
    pub naam: String,
    pub organisatie: String,
    pub omschrijving: String,
    pub elementen: Vec<Element>,
    pub doelgroepen: Vec<Doelgroep>,
    pub leeftijd_min: u32,
    pub leeftijd_max: u32,
    pub talen: Vec<&'static str>,
    pub kosten: Kosten,
    pub rolstoeltoegankelijk: bool,
    pub vervoer: bool,
    pub vorm: Vorm,
    /// Wijkcodes served, or `None` for the whole gemeente.
    pub gebied: Option<Vec<String>>,
    pub capaciteit: u32,
    pub status: AanbodStatus,
    /// The persona it was designed for.
    pub designed_for: u8,
    /// Planted as a near miss for (wijk index, persona id, the one criterion it fails).
    pub near_miss_for: Option<(usize, u8, &'static str)>,
}

/// The criteria of the fit rule an offer fails for a persona need in a wijk (empty = fits).
pub fn failures(offer: &Offer, need: &Need, wijk: &str, buurten: &[String]) -> Vec<&'static str> {
    let mut out = Vec::new();
    if offer.status != AanbodStatus::Actief {
        out.push("status");
    }
    let area_ok = match &offer.gebied {
        None => true,
        Some(codes) => codes.iter().any(|c| c == wijk || buurten.contains(c)),
    };
    if !area_ok {
        out.push("gebied");
    }
    if offer.leeftijd_min > need.age_max || offer.leeftijd_max < need.age_min {
        out.push("leeftijd");
    }
    if !offer
        .doelgroepen
        .iter()
        .any(|d| need.doelgroepen.contains(d))
    {
        out.push("doelgroep");
    }
    if !offer.talen.iter().any(|t| need.languages.contains(t)) {
        out.push("taal");
    }
    if !need.costs.contains(&offer.kosten) {
        out.push("kosten");
    }
    if need.mobility
        && !(offer.rolstoeltoegankelijk || offer.vervoer || offer.vorm == Vorm::Huisbezoek)
    {
        out.push("toegankelijkheid");
    }
    if !offer.elementen.iter().any(|e| need.elements.contains(e)) {
        out.push("elementen");
    }
    out
}

/// Narrows `offer` within its own persona's needs so that it stops fitting `gap_need` in the
/// gap wijk. Narrowing only removes options, so the offer still fits its own persona and any
/// earlier separation holds. Returns false when no single narrowing separates them.
fn separate(offer: &mut Offer, gap_need: &Need, wijk: &str, buurten: &[String]) -> bool {
    let own = &PERSONAS[usize::from(offer.designed_for) - 1].need;
    let mut attempts: Vec<Offer> = Vec::new();
    let only_own: Vec<Doelgroep> = own
        .doelgroepen
        .iter()
        .filter(|d| !gap_need.doelgroepen.contains(d))
        .copied()
        .collect();
    if !only_own.is_empty() {
        let mut o = offer.clone();
        o.doelgroepen.retain(|d| only_own.contains(d));
        if o.doelgroepen.is_empty() {
            o.doelgroepen.push(only_own[0]);
        }
        attempts.push(o);
    }
    if own.age_max < gap_need.age_min || own.age_min > gap_need.age_max {
        let mut o = offer.clone();
        o.leeftijd_min = o.leeftijd_min.max(own.age_min);
        o.leeftijd_max = o.leeftijd_max.min(own.age_max);
        attempts.push(o);
    }
    let langs: Vec<&'static str> = own
        .languages
        .iter()
        .filter(|l| !gap_need.languages.contains(l))
        .copied()
        .collect();
    if !langs.is_empty() {
        let mut o = offer.clone();
        o.talen.retain(|t| langs.contains(t));
        if o.talen.is_empty() {
            o.talen.push(langs[0]);
        }
        attempts.push(o);
    }
    let elems: Vec<Element> = own
        .elements
        .iter()
        .filter(|e| !gap_need.elements.contains(e))
        .copied()
        .collect();
    if !elems.is_empty() {
        let mut o = offer.clone();
        o.elementen.retain(|e| elems.contains(e));
        if o.elementen.is_empty() {
            o.elementen.push(elems[0]);
        }
        attempts.push(o);
    }
    for o in attempts {
        if !failures(&o, gap_need, wijk, buurten).is_empty() {
            *offer = o;
            return true;
        }
    }
    false
}

/// Everything the truth needs about the offer design.
pub struct OfferDesign {
    pub offers: Vec<Offer>,
    /// Per wijk and persona (index 0..8): residents of that persona.
    pub presence: Vec<[usize; 8]>,
    /// Planted gap pairs (wijk index, persona id).
    pub gaps: Vec<(usize, u8)>,
    /// Near misses: (wijk index, persona id, offer id, criterion).
    pub near_misses: Vec<(usize, u8, String, &'static str)>,
}

const NAMES: [&[&str]; 8] = [
    &[
        "Koffieochtend voor ouderen",
        "Maatje aan huis",
        "Rouwcafé",
        "Ouderenbezoek",
        "Eetgroep 75+",
    ],
    &[
        "Jongerencafé",
        "Schuldenvrij samen",
        "Sportmaatje",
        "Kookclub voor starters",
    ],
    &[
        "Theeochtend voor oudere migranten",
        "Ontmoetingsgroep senioren",
        "Praatgroep in eigen taal",
    ],
    &[
        "Mantelzorgcafé",
        "Respijtmaatje",
        "Lotgenotengroep mantelzorgers",
    ],
    &[
        "Ouders in de wijk",
        "Koffie en speelochtend",
        "Steunpunt alleenstaande ouders",
    ],
    &[
        "Buurtbarbecue",
        "Gezinnensportclub",
        "Moestuin voor gezinnen",
    ],
    &[
        "Vrijwilligerspunt 65+",
        "Wandelgroep",
        "Seniorenkoor",
        "Leesclub",
    ],
    &[
        "Dagactiviteiten op maat",
        "Werkplaats voor iedereen",
        "Ontmoetingscentrum",
    ],
];

const ORGANISATIONS: &[&str] = &[
    "Welzijnsorganisatie",
    "Buurtwerk",
    "Wijkteam",
    "Vrijwilligerscentrale",
    "Bibliotheek",
    "Sportvereniging",
    "Zelforganisatie",
    "Mantelzorgsteunpunt",
    "Buurthuis",
];

/// An offer designed to fit persona `p` (1-based), serving `gebied`.
fn design(p: u8, gebied: Option<Vec<String>>, area_label: &str, rng: &mut ChaCha8Rng) -> Offer {
    let def = &PERSONAS[usize::from(p) - 1];
    let need = &def.need;
    let how_many = rng.random_range(1..=2);
    let mut elementen: Vec<Element> = need
        .elements
        .choose_multiple(rng, how_many)
        .copied()
        .collect();
    if rng.random::<f64>() < 0.3 {
        let extra = *Element::ALL.choose(rng).expect("seven elements");
        if !elementen.contains(&extra) {
            elementen.push(extra);
        }
    }
    let mut doelgroepen = vec![*need.doelgroepen.choose(rng).expect("non-empty")];
    if rng.random::<f64>() < 0.3 {
        let extra = *need.doelgroepen.choose(rng).expect("non-empty");
        if !doelgroepen.contains(&extra) {
            doelgroepen.push(extra);
        }
    }
    let mut talen: Vec<&'static str> =
        vec![need.languages.choose(rng).copied().expect("non-empty")];
    if talen[0] != "nl" {
        talen.push("nl");
    } else if rng.random::<f64>() < 0.15 {
        talen.push("en");
    }
    let kosten = *need.costs.choose(rng).expect("non-empty");
    let (mut rolstoel, mut vervoer, mut vorm) = (
        rng.random::<f64>() < 0.5,
        rng.random::<f64>() < 0.1,
        *[Vorm::Groep, Vorm::Groep, Vorm::Individueel, Vorm::Online]
            .choose(rng)
            .expect("forms"),
    );
    if need.mobility {
        match rng.random_range(0..3) {
            0 => rolstoel = true,
            1 => vervoer = true,
            _ => vorm = Vorm::Huisbezoek,
        }
        if vorm == Vorm::Online {
            vorm = Vorm::Groep;
        }
    }
    let naam = format!(
        "{} {}",
        NAMES[usize::from(p) - 1].choose(rng).expect("names"),
        area_label
    );
    let organisatie = format!(
        "{} {}",
        ORGANISATIONS.choose(rng).expect("orgs"),
        area_label
    );
    Offer {
        id: String::new(),
        omschrijving: format!(
            "Aanbod voor: {}",
            def.description.split(['.', ',']).next().unwrap_or("")
        ),
        naam,
        organisatie,
        elementen,
        doelgroepen,
        leeftijd_min: need.age_min.saturating_sub(rng.random_range(0..6)).max(18),
        leeftijd_max: (need.age_max + rng.random_range(0..10)).min(120),
        talen,
        kosten,
        rolstoeltoegankelijk: rolstoel,
        vervoer,
        vorm,
        gebied,
        capaciteit: rng.random_range(5..=40),
        status: AanbodStatus::Actief,
        designed_for: p,
        near_miss_for: None,
    }
}

/// Designs the sociale kaart for a generated world.
pub fn design_offers(world: &World) -> Result<OfferDesign> {
    let profile = &world.params.profile;
    let mut rng = task_rng(world.params.seed, stream::OFFER, 0);
    let n_wijken = profile.wijk.len();
    let mut presence = vec![[0usize; 8]; n_wijken];
    for r in &world.residents {
        presence[r.wijk][usize::from(r.persona) - 1] += 1;
    }
    // Planted gaps among pairs with at least 10 residents, at most two per persona.
    let mut candidates: Vec<(usize, u8)> = (0..n_wijken)
        .flat_map(|w| (1..=8u8).map(move |p| (w, p)))
        .filter(|&(w, p)| presence[w][usize::from(p) - 1] >= 10)
        .collect();
    candidates.shuffle(&mut rng);
    let pairs_present = (0..n_wijken)
        .flat_map(|w| presence[w].iter())
        .filter(|&&c| c > 0)
        .count();
    let wanted = ((pairs_present as f64 * 0.06).round() as usize).clamp(3, 6);
    let mut gaps: Vec<(usize, u8)> = Vec::new();
    for &(w, p) in &candidates {
        if gaps.len() == wanted {
            break;
        }
        let same_persona = gaps.iter().filter(|g| g.1 == p).count();
        let persona_wijken = (0..n_wijken)
            .filter(|&x| presence[x][usize::from(p) - 1] > 0)
            .count();
        if same_persona < 2 && same_persona + 1 < persona_wijken {
            gaps.push((w, p));
        }
    }
    gaps.sort();
    let is_gap = |w: usize, p: u8| gaps.contains(&(w, p));

    let target_total = (world.residents.len() / 400).max(8);
    let per_persona = (target_total as f64 / 8.0).max(1.0);
    let mut offers: Vec<Offer> = Vec::new();
    for p in 1..=8u8 {
        let wijken: Vec<usize> = (0..n_wijken)
            .filter(|&w| presence[w][usize::from(p) - 1] > 0 && !is_gap(w, p))
            .collect();
        if wijken.is_empty() {
            continue;
        }
        let k = per_persona.round().max(1.0) as usize;
        if k <= wijken.len() {
            let group = wijken.len().div_ceil(k);
            for chunk in wijken.chunks(group) {
                let codes: Vec<String> = chunk
                    .iter()
                    .map(|&w| profile.wijk[w].code.clone())
                    .collect();
                let label = chunk
                    .iter()
                    .map(|&w| profile.wijk[w].name.clone())
                    .collect::<Vec<_>>()
                    .join(", ");
                offers.push(design(p, Some(codes), &label, &mut rng));
            }
        } else {
            let per_wijk = k.div_ceil(wijken.len());
            for &w in &wijken {
                for _ in 0..per_wijk {
                    offers.push(design(
                        p,
                        Some(vec![profile.wijk[w].code.clone()]),
                        &profile.wijk[w].name,
                        &mut rng,
                    ));
                }
            }
        }
        if !gaps.iter().any(|g| g.1 == p) {
            offers.push(design(p, None, &profile.gemeentenaam, &mut rng));
        }
    }
    // A few inactive offers (ended projects still listed).
    let inactive = (offers.len() / 30).max(1);
    for _ in 0..inactive {
        let mut o = offers.choose(&mut rng).expect("offers exist").clone();
        o.status = AanbodStatus::Inactief;
        offers.push(o);
    }
    // Near misses for two of every three gaps.
    for (k, &(w, p)) in gaps.iter().enumerate() {
        if k % 3 == 2 {
            continue;
        }
        let criterion = ["gebied", "taal", "status"][k % 3 + usize::from(k >= 3) % 2];
        let wp = &profile.wijk[w];
        let mut o = design(p, Some(vec![wp.code.clone()]), &wp.name, &mut rng);
        match criterion {
            "gebied" => {
                let neighbour = (1..n_wijken)
                    .flat_map(|d| [w + d, w + n_wijken - d])
                    .map(|x| x % n_wijken)
                    .find(|&x| x != w && !is_gap(x, p));
                match neighbour {
                    Some(x) => o.gebied = Some(vec![profile.wijk[x].code.clone()]),
                    None => continue,
                }
            }
            "taal" => {
                let need = &PERSONAS[usize::from(p) - 1].need;
                o.talen = if need.languages.contains(&"nl") {
                    vec!["en"]
                } else {
                    vec!["nl"]
                };
            }
            _ => o.status = AanbodStatus::Inactief,
        }
        o.near_miss_for = Some((w, p, criterion));
        offers.push(o);
    }
    // An offer that happens to fit a gap pair is narrowed (doelgroepen, ages, languages or
    // elements restricted to its own persona's needs) until it no longer does; if nothing
    // separates the two personas, the gap wijk is removed from its area.
    // A separation may swap in a doelgroep, language or element, so repeat until no offer fits
    // any gap; after a few passes only shrink areas, which always terminates.
    let all_codes: Vec<String> = profile.wijk.iter().map(|w| w.code.clone()).collect();
    for pass in 0..20 {
        let mut changed = false;
        for &(w, p) in &gaps {
            let wp = &profile.wijk[w];
            let gap_need = &PERSONAS[usize::from(p) - 1].need;
            for o in offers.iter_mut() {
                if !failures(o, gap_need, &wp.code, &wp.buurten).is_empty() {
                    continue;
                }
                changed = true;
                if pass >= 5 || !separate(o, gap_need, &wp.code, &wp.buurten) {
                    let area = o.gebied.get_or_insert_with(|| all_codes.clone());
                    area.retain(|c| c != &wp.code && !wp.buurten.contains(c));
                }
            }
        }
        if !changed {
            break;
        }
    }
    offers.retain(|o| o.gebied.as_ref().is_none_or(|g| !g.is_empty()));
    // A covered pair that lost its offers to the shrinking gets a dedicated offer, separated from
    // the gaps of its wijk.
    for (w, wp) in profile.wijk.iter().enumerate() {
        for p in 1..=8u8 {
            if presence[w][usize::from(p) - 1] == 0 || is_gap(w, p) {
                continue;
            }
            let need = &PERSONAS[usize::from(p) - 1].need;
            if offers
                .iter()
                .any(|o| failures(o, need, &wp.code, &wp.buurten).is_empty())
            {
                continue;
            }
            let wijk_gaps: Vec<&Need> = gaps
                .iter()
                .filter(|g| g.0 == w)
                .map(|g| &PERSONAS[usize::from(g.1) - 1].need)
                .collect();
            for _ in 0..50 {
                let mut o = design(p, Some(vec![wp.code.clone()]), &wp.name, &mut rng);
                for _ in 0..5 {
                    for g in &wijk_gaps {
                        if failures(&o, g, &wp.code, &wp.buurten).is_empty() {
                            separate(&mut o, g, &wp.code, &wp.buurten);
                        }
                    }
                }
                let clean = wijk_gaps
                    .iter()
                    .all(|g| !failures(&o, g, &wp.code, &wp.buurten).is_empty());
                if clean && failures(&o, need, &wp.code, &wp.buurten).is_empty() {
                    offers.push(o);
                    break;
                }
            }
        }
    }
    // Stable ids in a sorted order: by designed persona, then area, then name.
    offers.sort_by(|a, b| {
        (a.designed_for, &a.gebied, &a.naam).cmp(&(b.designed_for, &b.gebied, &b.naam))
    });
    let prefix = &profile.gemeentecode[2..];
    for (i, o) in offers.iter_mut().enumerate() {
        o.id = format!("SK{prefix}-{:04}", i + 1);
    }
    let mut near_misses = Vec::new();
    for o in &offers {
        if let Some((w, p, criterion)) = o.near_miss_for {
            let wp = &profile.wijk[w];
            let need = &PERSONAS[usize::from(p) - 1].need;
            if failures(o, need, &wp.code, &wp.buurten) == [criterion] {
                near_misses.push((w, p, o.id.clone(), criterion));
            }
        }
    }
    near_misses.sort();
    // Verify the design: every gap unserved, every other present pair served.
    for (w, wp) in profile.wijk.iter().enumerate() {
        for p in 1..=8u8 {
            if presence[w][usize::from(p) - 1] == 0 {
                continue;
            }
            let need = &PERSONAS[usize::from(p) - 1].need;
            let fitting = offers
                .iter()
                .filter(|o| failures(o, need, &wp.code, &wp.buurten).is_empty())
                .count();
            if is_gap(w, p) {
                crate::ensure!(fitting == 0, Data: "internal: planted gap {} persona {p} has {fitting} fitting offers", wp.code);
            } else {
                crate::ensure!(fitting > 0, Data: "internal: {} persona {p} has no fitting offer", wp.code);
            }
        }
    }
    Ok(OfferDesign {
        offers,
        presence,
        gaps,
        near_misses,
    })
}
