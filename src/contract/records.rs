//! The typed records of the contract, one struct per file of `INPUTS.md`: what ingest hands to later
//! stages (and what the offer stage reads of the sociale kaart), kept on the ground floor so a stage
//! can name a record without importing the stage that reads it.
//!
//! Every record keeps `row` (1-based data row number in its file: the first row after the header is
//! 1, the numbering `links.csv` uses) so any later result can be traced back to the export, and
//! `extra` (the values of the file's unknown extra columns, in the order of
//! [`Table::extra_columns`]). No record holds a raw BSN: sources keyed by BSN carry only the
//! `pseudo_id` made at ingest.

use chrono::NaiveDate;

use crate::contract::vocab::{
    AanbodStatus, BurgerlijkeStaat, DjgAnswer, Doelgroep, Element, Geslacht, Herkomst,
    Inkomensbron, Kosten, SchuldStatus, Signaal, Voorziening, Vorm,
};
use crate::contract::PseudoId;

/// The accepted rows of one source plus the names of its unknown extra columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Table<T> {
    pub records: Vec<T>,
    /// Header names (as written, trimmed) of columns the spec does not know; each record's `extra`
    /// holds their values in this order.
    pub extra_columns: Vec<String>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table {
            records: Vec::new(),
            extra_columns: Vec::new(),
        }
    }
}

impl<T> Table<T> {
    pub fn len(&self) -> usize {
        self.records.len()
    }
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.records.iter()
    }
}

/// Every accepted record of a study folder. Optional files that are absent give empty tables
/// (`IngestSummary` tells absent from empty).
#[derive(Debug, Clone, PartialEq)]
pub struct Study {
    /// The date ages and "future" are measured against (see `StudyConfig` for the rule).
    pub reference_date: NaiveDate,
    pub gebieden: Table<Buurt>,
    pub brp: Table<Resident>,
    pub survey: Table<SurveyResponse>,
    pub inkomen: Table<Income>,
    pub wmo: Table<WmoProvision>,
    pub opvoed: Table<ParentingSupport>,
    pub schuldhulp: Table<DebtRegistration>,
    pub huisbezoeken: Table<HomeVisit>,
    pub veiligheid: Table<Safety>,
    pub sociale_kaart: Table<Offer>,
}

/// `gebieden.csv`: one buurt and the wijk it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct Buurt {
    /// `BU` + 8 digits, upper case.
    pub buurtcode: String,
    pub buurtnaam: Option<String>,
    /// `WK` + 6 digits, upper case.
    pub wijkcode: String,
    pub wijknaam: Option<String>,
    pub row: u32,
    pub extra: Vec<Box<str>>,
}

/// `brp.csv`: one resident aged 18+ (the spine).
#[derive(Debug, Clone, PartialEq)]
pub struct Resident {
    pub pseudo_id: PseudoId,
    pub geslachtsnaam: String,
    pub voorvoegsel: Option<String>,
    pub voornamen: Option<String>,
    pub geboortedatum: NaiveDate,
    pub geslacht: Geslacht,
    /// Normalised `1234AB`.
    pub postcode: String,
    pub huisnummer: u32,
    /// The `huisnummertoevoeging` column; when empty, a toevoeging written in `huisnummer`
    /// ("15D") is split off into it.
    pub huisnummertoevoeging: Option<String>,
    pub buurtcode: String,
    /// Joined from `gebieden.csv`.
    pub wijkcode: String,
    pub burgerlijke_staat: BurgerlijkeStaat,
    pub datum_burgerlijke_staat: Option<NaiveDate>,
    pub huishouden_id: String,
    /// At least 1; counts children who are not in this 18+ extract.
    pub aantal_personen_huishouden: u16,
    pub datum_vestiging: Option<NaiveDate>,
    pub herkomst: Herkomst,
    pub row: u32,
    pub extra: Vec<Box<str>>,
}

/// `gezondheidsmonitor.csv`: one survey respondent (already pseudonymised by a trusted party).
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyResponse {
    /// 64 lower-case hex characters.
    pub pseudo_id: PseudoId,
    /// Sample weight, > 0.
    pub weegfactor: f64,
    /// De Jong Gierveld items 1..11 (`djg[0]` is `djg01`); `None` when missing.
    pub djg: [Option<DjgAnswer>; 11],
    /// 1 (zeer goed) .. 5 (zeer slecht).
    pub ervaren_gezondheid: Option<u8>,
    pub beperking_bewegen: Option<bool>,
    pub mantelzorger: Option<bool>,
    pub vrijwilligerswerk: Option<bool>,
    pub moeite_rondkomen: Option<bool>,
    pub row: u32,
    pub extra: Vec<Box<str>>,
}

/// `inkomen.csv`: household income of one resident.
#[derive(Debug, Clone, PartialEq)]
pub struct Income {
    pub pseudo_id: PseudoId,
    /// 1..100.
    pub huishoudinkomen_percentiel: Option<u8>,
    pub inkomensbron: Option<Inkomensbron>,
    pub minimaregeling: Option<bool>,
    pub row: u32,
    pub extra: Vec<Box<str>>,
}

/// `wmo.csv`: one social-support provision (a resident may have several).
#[derive(Debug, Clone, PartialEq)]
pub struct WmoProvision {
    pub pseudo_id: PseudoId,
    pub voorziening: Voorziening,
    pub startdatum: NaiveDate,
    /// `None` = ongoing.
    pub einddatum: Option<NaiveDate>,
    pub row: u32,
    pub extra: Vec<Box<str>>,
}

/// `opvoedondersteuning.csv`: one parenting-support trajectory of a parent.
#[derive(Debug, Clone, PartialEq)]
pub struct ParentingSupport {
    pub pseudo_id: PseudoId,
    pub startdatum: NaiveDate,
    pub einddatum: Option<NaiveDate>,
    pub row: u32,
    pub extra: Vec<Box<str>>,
}

/// `schuldhulp.csv`: one debt-counselling registration. No BSN: linked later on name, birth date
/// and address, so names are kept exactly as given (trimmed) and every linkage field may be missing.
#[derive(Debug, Clone, PartialEq)]
pub struct DebtRegistration {
    /// May include the voorvoegsel ("van der Berg").
    pub geslachtsnaam: Option<String>,
    /// May be initials only ("J.A.").
    pub voornamen: Option<String>,
    pub geboortedatum: Option<NaiveDate>,
    pub postcode: Option<String>,
    pub huisnummer: Option<u32>,
    /// Split off `huisnummer` when written together ("15D" -> 15 + "D"); upper case.
    pub huisnummertoevoeging: Option<String>,
    pub aanmelddatum: Option<NaiveDate>,
    pub status: Option<SchuldStatus>,
    pub row: u32,
    pub extra: Vec<Box<str>>,
}

/// `huisbezoeken.csv`: one home visit to a resident aged 75+. No BSN (see [`DebtRegistration`]).
#[derive(Debug, Clone, PartialEq)]
pub struct HomeVisit {
    /// One free-text field, e.g. "J.A. de Vries".
    pub naam: Option<String>,
    pub geboortedatum: Option<NaiveDate>,
    pub postcode: Option<String>,
    pub huisnummer: Option<u32>,
    /// Split off `huisnummer` when written together ("15D" -> 15 + "D"); upper case.
    pub huisnummertoevoeging: Option<String>,
    pub bezoekdatum: Option<NaiveDate>,
    pub signaal_eenzaamheid: Option<Signaal>,
    pub mantelzorger: Option<bool>,
    pub row: u32,
    pub extra: Vec<Box<str>>,
}

/// `veiligheid.csv`: safety figures of one buurt.
#[derive(Debug, Clone, PartialEq)]
pub struct Safety {
    pub buurtcode: String,
    /// 0..10, higher is safer.
    pub veiligheidsindex: Option<f64>,
    /// 0..10.
    pub overlast: Option<f64>,
    pub row: u32,
    pub extra: Vec<Box<str>>,
}

/// The area an offer serves.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Area {
    /// The whole municipality.
    Gemeente,
    /// A wijkcode listed in `gebieden.csv`.
    Wijk(String),
    /// A buurtcode listed in `gebieden.csv`.
    Buurt(String),
}

/// `sociale_kaart.csv`: one offer of the local social map.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    pub aanbod_id: String,
    pub naam: String,
    pub organisatie: Option<String>,
    pub omschrijving: Option<String>,
    /// In the order written, without repeats.
    pub elementen: Vec<Element>,
    pub doelgroepen: Vec<Doelgroep>,
    pub leeftijd_min: Option<u8>,
    pub leeftijd_max: Option<u8>,
    /// ISO 639-1 codes, lower case.
    pub talen: Vec<String>,
    pub kosten: Option<Kosten>,
    pub rolstoeltoegankelijk: Option<bool>,
    /// Transport arranged.
    pub vervoer: Option<bool>,
    pub vorm: Option<Vorm>,
    /// At least one area.
    pub gebied: Vec<Area>,
    pub capaciteit_per_week: Option<u32>,
    /// `None` when not given (treat as active or not: the gap stage decides and documents it).
    pub status: Option<AanbodStatus>,
    pub row: u32,
    pub extra: Vec<Box<str>>,
}
