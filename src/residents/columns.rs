//! The column layout of the feature table: which features exist, in which order, with their
//! metadata. Kept apart from the builder so the layout (what later stages and saved models refer
//! to by name) can be read in one place.

use super::{Feature, FeatureKind};
use crate::contract::vocab::{BurgerlijkeStaat, Geslacht, Herkomst, Inkomensbron, Voorziening};

/// Household types derived from the BRP household size and the number of adults (18+) of the
/// household present in the extract.
pub const HOUSEHOLD_TYPES: [(&str, &str, &str); 5] = [
    (
        "alleen",
        "alleenwonend",
        "one-person household (aantal_personen_huishouden = 1)",
    ),
    (
        "paar",
        "paar zonder kinderen",
        "two persons, both adults in the extract",
    ),
    (
        "paar_met_kinderen",
        "paar met kinderen",
        "two adults in the extract and more persons in the household (minor children)",
    ),
    (
        "eenoudergezin",
        "eenoudergezin",
        "one adult in the extract and more persons in the household (minor children)",
    ),
    (
        "overig",
        "overig meerpersoonshuishouden",
        "three or more adults in the extract (for example adult children at home), or a household \
         size below the number of adults found",
    ),
];

/// Column positions of every feature, resolved once so the per-resident loop writes by index.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub features: Vec<Feature>,
    pub age: usize,
    pub sex: usize,
    pub household_size: usize,
    pub adults_in_household: usize,
    pub household_type: usize,
    pub living_alone: usize,
    pub marital: usize,
    pub years_marital: usize,
    pub marital_date_missing: usize,
    pub recently_widowed: usize,
    pub recently_divorced: usize,
    pub years_at_address: usize,
    pub address_date_missing: usize,
    pub herkomst: usize,
    pub income_percentile: usize,
    pub income_missing: usize,
    pub income_source: usize,
    pub minimaregeling: usize,
    pub wmo_any: usize,
    pub wmo: usize,
    pub household_wmo: usize,
    pub household_benefit: usize,
    pub household_older_generation: usize,
    pub household_younger_generation: usize,
    pub debt_active: usize,
    pub debt_ever: usize,
    pub parenting_active: usize,
    pub home_visit: usize,
    pub home_visit_signal: usize,
    pub home_visit_carer: usize,
    pub safety_index: usize,
    pub nuisance: usize,
    pub safety_missing: usize,
}

struct Push<'a>(&'a mut Vec<Feature>);

impl Push<'_> {
    fn one(&mut self, name: &str, kind: FeatureKind, label: &str, description: &str) -> usize {
        self.0.push(Feature {
            name: name.to_string(),
            group: name.to_string(),
            kind,
            label_nl: label.to_string(),
            description: description.to_string(),
        });
        self.0.len() - 1
    }
    /// One-hot columns `group=code`; returns the first column's index.
    fn one_hot(&mut self, group: &str, items: &[(String, String, String)]) -> usize {
        let first = self.0.len();
        for (code, label, description) in items {
            self.0.push(Feature {
                name: format!("{group}={code}"),
                group: group.to_string(),
                kind: FeatureKind::OneHot,
                label_nl: label.clone(),
                description: description.clone(),
            });
        }
        first
    }
}

fn vocab_items(
    codes: &[&str],
    label: impl Fn(&str) -> String,
    what: &str,
) -> Vec<(String, String, String)> {
    codes
        .iter()
        .map(|c| (c.to_string(), label(c), format!("{what} is '{c}'")))
        .collect()
}

impl Layout {
    pub fn new() -> Layout {
        use FeatureKind::{Flag, Numeric};
        let mut features = Vec::new();
        let mut p = Push(&mut features);
        let age = p.one(
            "age",
            Numeric,
            "leeftijd",
            "Age in full years on the reference date (brp.geboortedatum).",
        );
        let sex = p.one_hot(
            "geslacht",
            &Geslacht::ALL
                .iter()
                .map(|g| {
                    let label = match g {
                        Geslacht::Man => "man",
                        Geslacht::Vrouw => "vrouw",
                        Geslacht::Onbekend => "geslacht onbekend",
                    };
                    (
                        g.code().to_string(),
                        label.to_string(),
                        format!("brp.geslacht is {g}"),
                    )
                })
                .collect::<Vec<_>>(),
        );
        let household_size = p.one(
            "household_size",
            Numeric,
            "huishoudgrootte",
            "brp.aantal_personen_huishouden (counts minor children not in the 18+ extract).",
        );
        let adults_in_household = p.one(
            "adults_in_household",
            Numeric,
            "volwassenen in huishouden",
            "Number of residents in the BRP extract (18+) with the same huishouden_id.",
        );
        let household_type = p.one_hot(
            "huishouden",
            &HOUSEHOLD_TYPES
                .iter()
                .map(|(c, l, d)| (c.to_string(), l.to_string(), d.to_string()))
                .collect::<Vec<_>>(),
        );
        let living_alone = p.one(
            "living_alone",
            Flag,
            "woont alleen",
            "1 when brp.aantal_personen_huishouden = 1 (same as huishouden=alleen; kept as its \
             own flag because every stage asks for it).",
        );
        let marital = p.one_hot(
            "burgerlijke_staat",
            &vocab_items(
                BurgerlijkeStaat::CODES,
                |c| c.to_string(),
                "brp.burgerlijke_staat",
            ),
        );
        let years_marital = p.one(
            "years_since_marital_change",
            Numeric,
            "jaren sinds wijziging burgerlijke staat",
            "Years between brp.datum_burgerlijke_staat and the reference date. Missing date: \
             imputed as years since the 18th birthday (the state is assumed held since adulthood; \
             typical for ongehuwd), with marital_date_missing = 1.",
        );
        let marital_date_missing = p.one(
            "marital_date_missing",
            Flag,
            "datum burgerlijke staat onbekend",
            "1 when brp.datum_burgerlijke_staat is empty (see years_since_marital_change).",
        );
        let recently_widowed = p.one(
            "recently_widowed",
            Flag,
            "recent verweduwd",
            "Life event: verweduwd with datum_burgerlijke_staat less than 2 years before the \
             reference date.",
        );
        let recently_divorced = p.one(
            "recently_divorced",
            Flag,
            "recent gescheiden",
            "Life event: gescheiden with datum_burgerlijke_staat less than 2 years before the \
             reference date.",
        );
        let years_at_address = p.one(
            "years_at_address",
            Numeric,
            "jaren op dit adres",
            "Years between brp.datum_vestiging and the reference date. Missing date: imputed with \
             the median of the known values, with address_date_missing = 1.",
        );
        let address_date_missing = p.one(
            "address_date_missing",
            Flag,
            "vestigingsdatum onbekend",
            "1 when brp.datum_vestiging is empty.",
        );
        let herkomst = p.one_hot(
            "herkomst",
            &vocab_items(Herkomst::CODES, |c| c.replace('_', " "), "brp.herkomst"),
        );
        let income_percentile = p.one(
            "income_percentile",
            Numeric,
            "inkomenspercentiel",
            "inkomen.huishoudinkomen_percentiel (1-100). No inkomen row or empty percentile: \
             imputed with the median of the known values, with income_missing = 1.",
        );
        let income_missing = p.one(
            "income_missing",
            Flag,
            "inkomen onbekend",
            "1 when the resident has no inkomen row or its percentile is empty.",
        );
        let mut sources: Vec<(String, String, String)> = vocab_items(
            Inkomensbron::CODES,
            |c| format!("inkomen uit {}", c.replace('_', " ")),
            "inkomen.inkomensbron",
        );
        sources.push((
            "onbekend".into(),
            "inkomensbron onbekend".into(),
            "no inkomen row or an empty inkomensbron".into(),
        ));
        let income_source = p.one_hot("inkomensbron", &sources);
        let minimaregeling = p.one(
            "minimaregeling",
            Flag,
            "minimaregeling",
            "inkomen.minimaregeling = ja (empty or no inkomen row counts as nee).",
        );
        let wmo_any = p.one(
            "wmo_any",
            Flag,
            "WMO-voorziening",
            "At least one wmo provision active on the reference date (startdatum <= date and \
             einddatum empty or >= date).",
        );
        let wmo = p.one_hot(
            "wmo",
            &Voorziening::CODES
                .iter()
                .map(|c| {
                    (
                        c.to_string(),
                        format!("WMO {}", c.replace('_', " ")),
                        format!("an active wmo provision '{c}' on the reference date"),
                    )
                })
                .collect::<Vec<_>>(),
        );
        // WMO types are not exclusive: they are flags sharing a group, not one-hot.
        for f in &mut p.0[wmo..wmo + Voorziening::ALL.len()] {
            f.kind = Flag;
        }
        let household_wmo = p.one(
            "household_member_wmo",
            Flag,
            "huisgenoot met WMO",
            "Another adult of the same household (huishouden_id) has an active wmo provision: a \
             sign of caring for a partner or parent at home.",
        );
        let household_benefit = p.one(
            "household_member_benefit",
            Flag,
            "huisgenoot zonder werk",
            "Another adult of the same household has a disability, unemployment or social \
             assistance benefit as income source (inkomen.inkomensbron): a partner out of work, \
             often the one who is cared for.",
        );
        let household_older_generation = p.one(
            "household_older_generation",
            Flag,
            "woont met een oudere generatie",
            "Another adult of the same household is at least 20 years older (a parent living in: \
             a multi-generation household).",
        );
        let household_younger_generation = p.one(
            "household_younger_generation",
            Flag,
            "woont met volwassen kind",
            "Another adult of the same household is at least 20 years younger (an adult child \
             living at home).",
        );
        let debt_active = p.one(
            "debt_counselling_active",
            Flag,
            "in schuldhulpverlening",
            "A linked schuldhulp row with status aanmelding or traject (empty status: counted \
             when aanmelddatum is within a year before the reference date).",
        );
        let debt_ever = p.one(
            "debt_counselling_any",
            Flag,
            "bekend bij schuldhulp",
            "Any linked schuldhulp row, whatever its status.",
        );
        let parenting_active = p.one(
            "parenting_support_active",
            Flag,
            "opvoedondersteuning",
            "An opvoedondersteuning trajectory active on the reference date.",
        );
        let home_visit = p.one(
            "home_visit",
            Flag,
            "huisbezoek gehad",
            "At least one linked huisbezoeken row (75+ home visits).",
        );
        let home_visit_signal = p.one(
            "home_visit_loneliness_signal",
            Flag,
            "signaal eenzaamheid bij huisbezoek",
            "A linked home visit with signaal_eenzaamheid = ja.",
        );
        let home_visit_carer = p.one(
            "home_visit_mantelzorger",
            Flag,
            "mantelzorger (huisbezoek)",
            "A linked home visit with mantelzorger = ja.",
        );
        let safety_index = p.one(
            "buurt_veiligheidsindex",
            Numeric,
            "veiligheidsindex buurt",
            "veiligheid.veiligheidsindex of the resident's buurt (0-10, higher is safer). Missing \
             buurt or value: the resident-weighted mean of the known buurten, with \
             safety_missing = 1.",
        );
        let nuisance = p.one(
            "buurt_overlast",
            Numeric,
            "overlast buurt",
            "veiligheid.overlast of the resident's buurt (0-10). Missing: the resident-weighted \
             mean of the known buurten, with safety_missing = 1.",
        );
        let safety_missing = p.one(
            "safety_missing",
            Flag,
            "veiligheidscijfers onbekend",
            "1 when the resident's buurt has no veiligheid row or a value in it is empty.",
        );
        Layout {
            features,
            age,
            sex,
            household_size,
            adults_in_household,
            household_type,
            living_alone,
            marital,
            years_marital,
            marital_date_missing,
            recently_widowed,
            recently_divorced,
            years_at_address,
            address_date_missing,
            herkomst,
            income_percentile,
            income_missing,
            income_source,
            minimaregeling,
            wmo_any,
            wmo,
            household_wmo,
            household_benefit,
            household_older_generation,
            household_younger_generation,
            debt_active,
            debt_ever,
            parenting_active,
            home_visit,
            home_visit_signal,
            home_visit_carer,
            safety_index,
            nuisance,
            safety_missing,
        }
    }
}
