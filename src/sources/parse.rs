//! Row parsers: one CSV row of a source into its typed record, or the first reason it fails.
//!
//! Field checks run column by column in the order each parser lists them (the spec's column
//! order); the first failing column decides the reason. Which values may be empty follows one
//! idea: a value is required only when the row is useless without it (a resident without a BSN
//! or birth date, a provision without a start); everything else may be missing, as INPUTS.md says
//! ("empty cell = missing"). Sources without a BSN keep every linkage field optional: the linkage
//! stage decides what a half-filled row is worth.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::RangeInclusive;

use chrono::NaiveDate;
use csv::ByteRecord;

use crate::contract::vocab::{
    parse_bool, AanbodStatus, BurgerlijkeStaat, DjgAnswer, Doelgroep, Element, Geslacht, Herkomst,
    Inkomensbron, Kosten, SchuldStatus, Signaal, Voorziening, Vorm,
};
use crate::contract::{Bsn, PseudoId, Pseudonymiser, Reason};

use super::dialect::ColumnMap;
use super::quarantine::safe_value;
use super::values::{
    age_on, normalise_buurtcode, normalise_language, normalise_postcode, normalise_pseudo_id,
    normalise_wijkcode, parse_count, parse_date, parse_decimal, split_huisnummer,
};
use crate::contract::records::*;

/// Oldest plausible age in years.
pub const MAX_AGE: i32 = 115;
/// Youngest age in the adult register extract.
pub const MIN_BRP_AGE: i32 = 18;

/// Why one row was refused; `column` is the spec column name (empty for whole-row reasons).
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    pub column: &'static str,
    /// Already made safe with [`safe_value`].
    pub value: String,
    pub reason: Reason,
    pub detail: String,
}

/// What parsers may look up: the areas of `gebieden.csv` and the keyed HMAC.
pub struct Context<'a> {
    /// buurtcode -> wijkcode.
    pub buurten: &'a BTreeMap<String, String>,
    pub wijken: &'a BTreeSet<String>,
    pub pseudonymiser: Option<&'a Pseudonymiser>,
}

/// A typed record of one source.
pub trait SourceRow: Sized + Send {
    /// A column whose value must be unique among accepted rows, the reason for a repeat, and what
    /// the value is called in the message.
    const UNIQUE: Option<(&'static str, Reason, &'static str)> = None;

    fn parse(cells: &Cells<'_>, ctx: &Context<'_>) -> Result<Self, Rejection>;

    /// Checks against the reference date (known only after the BRP is read).
    fn check_dates(&self, _reference: NaiveDate) -> Result<(), Rejection> {
        Ok(())
    }

    /// Checks that need the whole file (a weight against the file's median): the indices of the
    /// accepted records to quarantine, with their rejection.
    fn file_checks(_records: &[Self]) -> Vec<(usize, Rejection)> {
        Vec::new()
    }

    /// The value of [`Self::UNIQUE`]'s column.
    fn unique_value(&self) -> Option<&str> {
        None
    }

    fn set_origin(&mut self, row: u32, extra: Vec<Box<str>>);

    /// The 1-based data row number set by [`Self::set_origin`].
    fn row(&self) -> u32;
}

/// Typed access to the cells of one row by spec column name.
pub struct Cells<'a> {
    pub rec: &'a ByteRecord,
    pub map: &'a ColumnMap,
}

type Cell<T> = Result<T, Rejection>;

impl<'a> Cells<'a> {
    /// The raw text of a column; `""` when the optional column is absent.
    pub fn raw(&self, col: &'static str) -> &'a str {
        self.map
            .index(col)
            .and_then(|i| self.rec.get(i))
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("")
    }

    /// The trimmed text, `None` when empty.
    pub fn opt(&self, col: &'static str) -> Option<&'a str> {
        let s = self.raw(col).trim();
        (!s.is_empty()).then_some(s)
    }

    pub fn req(&self, col: &'static str) -> Cell<&'a str> {
        self.opt(col).ok_or_else(|| {
            self.reject(
                col,
                Reason::MissingValue,
                format!("{} is empty; this row cannot be used without it", col),
            )
        })
    }

    pub fn reject(
        &self,
        col: &'static str,
        reason: Reason,
        detail: impl Into<String>,
    ) -> Rejection {
        Rejection {
            column: col,
            value: safe_value(col, self.raw(col)),
            reason,
            detail: detail.into(),
        }
    }

    /// The trimmed text with control characters (ESC, ...) dropped: names reach a terminal, the
    /// HTML report and CSV files.
    pub fn text(&self, col: &'static str) -> Option<String> {
        self.opt(col)
            .map(crate::io::strip_controls)
            .filter(|s| !s.trim().is_empty())
    }

    pub fn date(&self, col: &'static str) -> Cell<Option<NaiveDate>> {
        match self.opt(col) {
            None => Ok(None),
            Some(s) => parse_date(s).map(Some).ok_or_else(|| {
                self.reject(
                    col,
                    Reason::InvalidDate,
                    "expected a calendar date as YYYY-MM-DD or DD-MM-YYYY",
                )
            }),
        }
    }

    pub fn req_date(&self, col: &'static str) -> Cell<NaiveDate> {
        self.req(col)?;
        Ok(self.date(col)?.expect("checked non-empty"))
    }

    pub fn vocab<V: Vocab>(&self, col: &'static str) -> Cell<Option<V>> {
        match self.opt(col) {
            None => Ok(None),
            Some(s) => V::parse_code(s).map(Some).ok_or_else(|| {
                self.reject(
                    col,
                    Reason::InvalidValue,
                    format!("expected one of: {}", V::codes().join(", ")),
                )
            }),
        }
    }

    pub fn req_vocab<V: Vocab>(&self, col: &'static str) -> Cell<V> {
        self.req(col)?;
        Ok(self.vocab(col)?.expect("checked non-empty"))
    }

    pub fn boolean(&self, col: &'static str) -> Cell<Option<bool>> {
        match self.opt(col) {
            None => Ok(None),
            Some(s) => parse_bool(s).map(Some).ok_or_else(|| {
                self.reject(
                    col,
                    Reason::InvalidValue,
                    "expected a boolean: ja/nee, 1/0 or true/false",
                )
            }),
        }
    }

    /// A whole number within `range`.
    pub fn count(&self, col: &'static str, range: RangeInclusive<u32>) -> Cell<Option<u32>> {
        match self.opt(col) {
            None => Ok(None),
            Some(s) => parse_count(s)
                .filter(|v| range.contains(v))
                .map(Some)
                .ok_or_else(|| {
                    self.reject(
                        col,
                        Reason::InvalidValue,
                        format!(
                            "expected a whole number from {} to {}",
                            range.start(),
                            range.end()
                        ),
                    )
                }),
        }
    }

    pub fn req_count(&self, col: &'static str, range: RangeInclusive<u32>) -> Cell<u32> {
        self.req(col)?;
        Ok(self.count(col, range)?.expect("checked non-empty"))
    }

    /// A decimal number within `range` (decimal comma allowed).
    pub fn decimal(&self, col: &'static str, range: RangeInclusive<f64>) -> Cell<Option<f64>> {
        match self.opt(col) {
            None => Ok(None),
            Some(s) => parse_decimal(s)
                .filter(|v| range.contains(v))
                .map(Some)
                .ok_or_else(|| {
                    self.reject(
                        col,
                        Reason::InvalidValue,
                        format!(
                            "expected a number from {} to {} (decimal point or comma)",
                            range.start(),
                            range.end()
                        ),
                    )
                }),
        }
    }

    /// A house number with an optional toevoeging written after it (`15D`, `15-D`, `15 bis`).
    pub fn huisnummer(&self, col: &'static str) -> Cell<Option<(u32, Option<String>)>> {
        match self.opt(col) {
            None => Ok(None),
            Some(s) => split_huisnummer(s).map(Some).ok_or_else(|| {
                self.reject(
                    col,
                    Reason::InvalidValue,
                    "expected a house number from 1 to 99999, optionally followed by a \
                     toevoeging (15, 15D, 15-2, 15 bis)",
                )
            }),
        }
    }

    pub fn postcode(&self, col: &'static str) -> Cell<Option<String>> {
        match self.opt(col) {
            None => Ok(None),
            Some(s) => normalise_postcode(s).map(Some).ok_or_else(|| {
                self.reject(
                    col,
                    Reason::InvalidPostcode,
                    "expected a Dutch postcode: 4 digits (not starting with 0) and 2 letters, \
                     like 2711AB",
                )
            }),
        }
    }

    pub fn req_postcode(&self, col: &'static str) -> Cell<String> {
        self.req(col)?;
        Ok(self.postcode(col)?.expect("checked non-empty"))
    }

    /// Checks the BSN and returns only its pseudonym: the raw number never leaves this function.
    pub fn pseudonymised_bsn(&self, col: &'static str, ctx: &Context<'_>) -> Cell<PseudoId> {
        let raw = self.req(col)?;
        let bsn = Bsn::parse(raw).map_err(|e| self.reject(col, Reason::InvalidBsn, e.reason()))?;
        let key = ctx
            .pseudonymiser
            .expect("ingest loads the key before reading any file with a bsn column");
        Ok(key.pseudonymise(&bsn))
    }

    /// A buurtcode listed in `gebieden.csv`; returns (buurtcode, wijkcode).
    pub fn known_buurt(&self, col: &'static str, ctx: &Context<'_>) -> Cell<(String, String)> {
        let raw = self.req(col)?;
        let code = normalise_buurtcode(raw).ok_or_else(|| {
            self.reject(
                col,
                Reason::InvalidValue,
                "expected a buurtcode: BU followed by 8 digits",
            )
        })?;
        match ctx.buurten.get(&code) {
            Some(wijk) => Ok((code, wijk.clone())),
            None => Err(self.reject(
                col,
                Reason::UnknownBuurtcode,
                format!("{code} is not listed in gebieden.csv"),
            )),
        }
    }

    /// A `;`-separated list of vocabulary codes, in the order written, without repeats.
    pub fn vocab_list<V: Vocab + PartialEq>(&self, col: &'static str) -> Cell<Vec<V>> {
        let mut out = Vec::new();
        for piece in self.list(col) {
            let v = V::parse_code(piece).ok_or_else(|| {
                self.reject(
                    col,
                    Reason::InvalidValue,
                    format!(
                        "'{}' is not allowed; expected ';'-separated values from: {}",
                        safe_value(col, piece),
                        V::codes().join(", ")
                    ),
                )
            })?;
            if !out.contains(&v) {
                out.push(v);
            }
        }
        Ok(out)
    }

    /// The non-empty trimmed pieces of a `;`-separated cell.
    pub fn list(&self, col: &'static str) -> impl Iterator<Item = &'a str> {
        self.raw(col)
            .split(';')
            .map(str::trim)
            .filter(|p| !p.is_empty())
    }
}

/// The vocabularies of `contract::vocab`, usable generically.
pub trait Vocab: Copy {
    fn parse_code(raw: &str) -> Option<Self>;
    fn codes() -> &'static [&'static str];
}

macro_rules! impl_vocab {
    ($($t:ty),+) => {$(
        impl Vocab for $t {
            fn parse_code(raw: &str) -> Option<Self> { <$t>::parse(raw) }
            fn codes() -> &'static [&'static str] { <$t>::CODES }
        }
    )+};
}
impl_vocab!(
    Geslacht,
    BurgerlijkeStaat,
    Herkomst,
    Inkomensbron,
    Voorziening,
    SchuldStatus,
    Signaal,
    Element,
    Doelgroep,
    Kosten,
    Vorm,
    AanbodStatus
);

fn check_birth(
    born: Option<NaiveDate>,
    reference: NaiveDate,
    min_age: Option<i32>,
) -> Result<(), Rejection> {
    let Some(born) = born else { return Ok(()) };
    let col = "geboortedatum";
    // Formatted only on rejection: this runs for every row.
    let value = || born.to_string();
    if born > reference {
        return Err(Rejection {
            column: col,
            value: value(),
            reason: Reason::FutureDate,
            detail: format!("birth date after the reference date {reference}"),
        });
    }
    let age = age_on(born, reference);
    if age > MAX_AGE {
        return Err(Rejection {
            column: col,
            value: value(),
            reason: Reason::ImplausibleAge,
            detail: format!("age {age} on {reference}; at most {MAX_AGE} is plausible"),
        });
    }
    if let Some(min) = min_age {
        if age < min {
            return Err(Rejection {
                column: col,
                value: value(),
                reason: Reason::ImplausibleAge,
                detail: format!(
                    "age {age} on {reference}; this register extract lists residents aged {min}+"
                ),
            });
        }
    }
    Ok(())
}

fn not_after(
    col: &'static str,
    date: Option<NaiveDate>,
    reference: NaiveDate,
) -> Result<(), Rejection> {
    match date {
        Some(d) if d > reference => Err(Rejection {
            column: col,
            value: d.to_string(),
            reason: Reason::FutureDate,
            detail: format!("date after the reference date {reference}"),
        }),
        _ => Ok(()),
    }
}

fn end_not_before_start(
    cells: &Cells<'_>,
    start: NaiveDate,
    end: Option<NaiveDate>,
) -> Result<(), Rejection> {
    match end {
        Some(e) if e < start => Err(cells.reject(
            "einddatum",
            Reason::InvalidValue,
            format!("einddatum is before startdatum {start}"),
        )),
        _ => Ok(()),
    }
}

impl SourceRow for Buurt {
    const UNIQUE: Option<(&'static str, Reason, &'static str)> =
        Some(("buurtcode", Reason::InvalidValue, "buurtcode"));

    fn parse(c: &Cells<'_>, _ctx: &Context<'_>) -> Result<Self, Rejection> {
        let buurtcode = normalise_buurtcode(c.req("buurtcode")?).ok_or_else(|| {
            c.reject(
                "buurtcode",
                Reason::InvalidValue,
                "expected a buurtcode: BU followed by 8 digits",
            )
        })?;
        let buurtnaam = c.text("buurtnaam");
        let wijkcode = normalise_wijkcode(c.req("wijkcode")?).ok_or_else(|| {
            c.reject(
                "wijkcode",
                Reason::InvalidValue,
                "expected a wijkcode: WK followed by 6 digits",
            )
        })?;
        Ok(Buurt {
            buurtcode,
            buurtnaam,
            wijkcode,
            wijknaam: c.text("wijknaam"),
            row: 0,
            extra: Vec::new(),
        })
    }

    fn unique_value(&self) -> Option<&str> {
        Some(&self.buurtcode)
    }

    fn set_origin(&mut self, row: u32, extra: Vec<Box<str>>) {
        self.row = row;
        self.extra = extra;
    }

    fn row(&self) -> u32 {
        self.row
    }
}

impl SourceRow for Resident {
    const UNIQUE: Option<(&'static str, Reason, &'static str)> =
        Some(("bsn", Reason::DuplicateBsn, "BSN"));

    fn parse(c: &Cells<'_>, ctx: &Context<'_>) -> Result<Self, Rejection> {
        let pseudo_id = c.pseudonymised_bsn("bsn", ctx)?;
        let geslachtsnaam = c.req("geslachtsnaam")?.to_string();
        let voorvoegsel = c.text("voorvoegsel");
        let voornamen = c.text("voornamen");
        let geboortedatum = c.req_date("geboortedatum")?;
        let geslacht = c.req_vocab("geslacht")?;
        let postcode = c.req_postcode("postcode")?;
        c.req("huisnummer")?;
        let (huisnummer, written_with_number) = c.huisnummer("huisnummer")?.expect("non-empty");
        let huisnummertoevoeging = c.text("huisnummertoevoeging").or(written_with_number);
        let (buurtcode, wijkcode) = c.known_buurt("buurtcode", ctx)?;
        let burgerlijke_staat = c.req_vocab("burgerlijke_staat")?;
        let datum_burgerlijke_staat = c.date("datum_burgerlijke_staat")?;
        let huishouden_id = c.req("huishouden_id")?.to_string();
        let aantal_personen_huishouden = c.req_count("aantal_personen_huishouden", 1..=99)? as u16;
        let datum_vestiging = c.date("datum_vestiging")?;
        let herkomst = c.req_vocab("herkomst")?;
        Ok(Resident {
            pseudo_id,
            geslachtsnaam,
            voorvoegsel,
            voornamen,
            geboortedatum,
            geslacht,
            postcode,
            huisnummer,
            huisnummertoevoeging,
            buurtcode,
            wijkcode,
            burgerlijke_staat,
            datum_burgerlijke_staat,
            huishouden_id,
            aantal_personen_huishouden,
            datum_vestiging,
            herkomst,
            row: 0,
            extra: Vec::new(),
        })
    }

    fn check_dates(&self, reference: NaiveDate) -> Result<(), Rejection> {
        check_birth(Some(self.geboortedatum), reference, Some(MIN_BRP_AGE))?;
        not_after(
            "datum_burgerlijke_staat",
            self.datum_burgerlijke_staat,
            reference,
        )?;
        not_after("datum_vestiging", self.datum_vestiging, reference)
    }

    fn unique_value(&self) -> Option<&str> {
        Some(&self.pseudo_id)
    }

    fn set_origin(&mut self, row: u32, extra: Vec<Box<str>>) {
        self.row = row;
        self.extra = extra;
    }

    fn row(&self) -> u32 {
        self.row
    }
}

/// The largest sample weight a respondent can have: one respondent standing for more residents
/// than the largest Dutch municipality has is a typing or pasting error.
pub const MAX_WEIGHT: f64 = 1_000_000.0;

/// A weight above this multiple of the file's median weight is quarantined as `absurd_weight`.
pub const MAX_WEIGHT_PER_MEDIAN: f64 = 50.0;

/// `weegfactor`: a finite number above 0 and at most [`MAX_WEIGHT`].
fn weight(c: &Cells<'_>) -> Cell<f64> {
    let raw = c.req("weegfactor")?;
    let v = super::values::parse_decimal(raw).ok_or_else(|| {
        c.reject(
            "weegfactor",
            Reason::InvalidValue,
            "expected a sample weight: a finite number above 0 (decimal point or comma)",
        )
    })?;
    if v <= 0.0 {
        return Err(c.reject(
            "weegfactor",
            Reason::InvalidValue,
            "expected a sample weight above 0",
        ));
    }
    if v > MAX_WEIGHT {
        return Err(c.reject(
            "weegfactor",
            Reason::AbsurdWeight,
            "expected a sample weight of at most 1000000 (one respondent cannot stand for more \
             residents than a municipality has); a BSN or an amount pasted into the column?",
        ));
    }
    Ok(v)
}

/// The indices of respondents whose weight is more than [`MAX_WEIGHT_PER_MEDIAN`] times the
/// median weight of the accepted respondents, each with its rejection (`value` still empty: the
/// caller fills it from the file).
pub fn absurd_weights(records: &[SurveyResponse]) -> Vec<(usize, Rejection)> {
    let mut weights: Vec<f64> = records.iter().map(|r| r.weegfactor).collect();
    if weights.is_empty() {
        return Vec::new();
    }
    weights.sort_unstable_by(f64::total_cmp);
    let n = weights.len();
    let median = (weights[(n - 1) / 2] + weights[n / 2]) / 2.0;
    let limit = MAX_WEIGHT_PER_MEDIAN * median;
    records
        .iter()
        .enumerate()
        .filter(|(_, r)| r.weegfactor > limit)
        .map(|(i, _)| {
            (
                i,
                Rejection {
                    column: "weegfactor",
                    value: String::new(),
                    reason: Reason::AbsurdWeight,
                    detail: format!(
                        "more than {MAX_WEIGHT_PER_MEDIAN} times the median weight of the file \
                         ({}); a BSN or an amount pasted into the column?",
                        crate::contract::round6(median)
                    ),
                },
            )
        })
        .collect()
}

const DJG_COLUMNS: [&str; 11] = [
    "djg01", "djg02", "djg03", "djg04", "djg05", "djg06", "djg07", "djg08", "djg09", "djg10",
    "djg11",
];

impl SourceRow for SurveyResponse {
    /// One row per respondent: a second row with the same pseudonym would count them twice.
    const UNIQUE: Option<(&'static str, Reason, &'static str)> =
        Some(("pseudo_id", Reason::InvalidValue, "pseudo_id"));

    fn unique_value(&self) -> Option<&str> {
        Some(&self.pseudo_id)
    }

    fn file_checks(records: &[Self]) -> Vec<(usize, Rejection)> {
        absurd_weights(records)
    }

    fn parse(c: &Cells<'_>, _ctx: &Context<'_>) -> Result<Self, Rejection> {
        let pseudo_id = normalise_pseudo_id(c.req("pseudo_id")?).ok_or_else(|| {
            c.reject(
                "pseudo_id",
                Reason::InvalidValue,
                "expected a pseudonym of 64 hexadecimal characters",
            )
        })?;
        let weegfactor = weight(c)?;
        let mut djg = [None; 11];
        for (slot, col) in djg.iter_mut().zip(DJG_COLUMNS) {
            *slot = match c.opt(col) {
                None => None,
                Some(s) => Some(DjgAnswer::parse_any(s).ok_or_else(|| {
                    c.reject(
                        col,
                        Reason::InvalidValue,
                        "expected ja, min_of_meer, nee (or 1, 2, 3)",
                    )
                })?),
            };
        }
        Ok(SurveyResponse {
            pseudo_id,
            weegfactor,
            djg,
            ervaren_gezondheid: c.count("ervaren_gezondheid", 1..=5)?.map(|v| v as u8),
            beperking_bewegen: c.boolean("beperking_bewegen")?,
            mantelzorger: c.boolean("mantelzorger")?,
            vrijwilligerswerk: c.boolean("vrijwilligerswerk")?,
            moeite_rondkomen: c.boolean("moeite_rondkomen")?,
            row: 0,
            extra: Vec::new(),
        })
    }

    fn set_origin(&mut self, row: u32, extra: Vec<Box<str>>) {
        self.row = row;
        self.extra = extra;
    }

    fn row(&self) -> u32 {
        self.row
    }
}

impl SourceRow for Income {
    /// One row per resident (INPUTS.md): a second income for the same BSN is refused.
    const UNIQUE: Option<(&'static str, Reason, &'static str)> =
        Some(("bsn", Reason::DuplicateBsn, "BSN"));

    fn unique_value(&self) -> Option<&str> {
        Some(&self.pseudo_id)
    }

    fn parse(c: &Cells<'_>, ctx: &Context<'_>) -> Result<Self, Rejection> {
        Ok(Income {
            pseudo_id: c.pseudonymised_bsn("bsn", ctx)?,
            huishoudinkomen_percentiel: c
                .count("huishoudinkomen_percentiel", 1..=100)?
                .map(|v| v as u8),
            inkomensbron: c.vocab("inkomensbron")?,
            minimaregeling: c.boolean("minimaregeling")?,
            row: 0,
            extra: Vec::new(),
        })
    }

    fn set_origin(&mut self, row: u32, extra: Vec<Box<str>>) {
        self.row = row;
        self.extra = extra;
    }

    fn row(&self) -> u32 {
        self.row
    }
}

impl SourceRow for WmoProvision {
    fn parse(c: &Cells<'_>, ctx: &Context<'_>) -> Result<Self, Rejection> {
        let pseudo_id = c.pseudonymised_bsn("bsn", ctx)?;
        let voorziening = c.req_vocab("voorziening")?;
        let startdatum = c.req_date("startdatum")?;
        let einddatum = c.date("einddatum")?;
        end_not_before_start(c, startdatum, einddatum)?;
        Ok(WmoProvision {
            pseudo_id,
            voorziening,
            startdatum,
            einddatum,
            row: 0,
            extra: Vec::new(),
        })
    }

    fn set_origin(&mut self, row: u32, extra: Vec<Box<str>>) {
        self.row = row;
        self.extra = extra;
    }

    fn row(&self) -> u32 {
        self.row
    }
}

impl SourceRow for ParentingSupport {
    fn parse(c: &Cells<'_>, ctx: &Context<'_>) -> Result<Self, Rejection> {
        let pseudo_id = c.pseudonymised_bsn("bsn", ctx)?;
        let startdatum = c.req_date("startdatum")?;
        let einddatum = c.date("einddatum")?;
        end_not_before_start(c, startdatum, einddatum)?;
        Ok(ParentingSupport {
            pseudo_id,
            startdatum,
            einddatum,
            row: 0,
            extra: Vec::new(),
        })
    }

    fn set_origin(&mut self, row: u32, extra: Vec<Box<str>>) {
        self.row = row;
        self.extra = extra;
    }

    fn row(&self) -> u32 {
        self.row
    }
}

impl SourceRow for DebtRegistration {
    fn parse(c: &Cells<'_>, _ctx: &Context<'_>) -> Result<Self, Rejection> {
        let geboortedatum = c.date("geboortedatum")?;
        let postcode = c.postcode("postcode")?;
        let huisnummer = c.huisnummer("huisnummer")?;
        Ok(DebtRegistration {
            geslachtsnaam: c.text("geslachtsnaam"),
            voornamen: c.text("voornamen"),
            geboortedatum,
            postcode,
            huisnummer: huisnummer.as_ref().map(|h| h.0),
            huisnummertoevoeging: huisnummer.and_then(|h| h.1),
            aanmelddatum: c.date("aanmelddatum")?,
            status: c.vocab("status")?,
            row: 0,
            extra: Vec::new(),
        })
    }

    fn check_dates(&self, reference: NaiveDate) -> Result<(), Rejection> {
        check_birth(self.geboortedatum, reference, None)
    }

    fn set_origin(&mut self, row: u32, extra: Vec<Box<str>>) {
        self.row = row;
        self.extra = extra;
    }

    fn row(&self) -> u32 {
        self.row
    }
}

impl SourceRow for HomeVisit {
    fn parse(c: &Cells<'_>, _ctx: &Context<'_>) -> Result<Self, Rejection> {
        let geboortedatum = c.date("geboortedatum")?;
        let postcode = c.postcode("postcode")?;
        let huisnummer = c.huisnummer("huisnummer")?;
        Ok(HomeVisit {
            naam: c.text("naam"),
            geboortedatum,
            postcode,
            huisnummer: huisnummer.as_ref().map(|h| h.0),
            huisnummertoevoeging: huisnummer.and_then(|h| h.1),
            bezoekdatum: c.date("bezoekdatum")?,
            signaal_eenzaamheid: c.vocab("signaal_eenzaamheid")?,
            mantelzorger: c.boolean("mantelzorger")?,
            row: 0,
            extra: Vec::new(),
        })
    }

    fn check_dates(&self, reference: NaiveDate) -> Result<(), Rejection> {
        check_birth(self.geboortedatum, reference, None)
    }

    fn set_origin(&mut self, row: u32, extra: Vec<Box<str>>) {
        self.row = row;
        self.extra = extra;
    }

    fn row(&self) -> u32 {
        self.row
    }
}

impl SourceRow for Safety {
    const UNIQUE: Option<(&'static str, Reason, &'static str)> =
        Some(("buurtcode", Reason::InvalidValue, "buurtcode"));

    fn parse(c: &Cells<'_>, ctx: &Context<'_>) -> Result<Self, Rejection> {
        let (buurtcode, _) = c.known_buurt("buurtcode", ctx)?;
        Ok(Safety {
            buurtcode,
            veiligheidsindex: c.decimal("veiligheidsindex", 0.0..=10.0)?,
            overlast: c.decimal("overlast", 0.0..=10.0)?,
            row: 0,
            extra: Vec::new(),
        })
    }

    fn unique_value(&self) -> Option<&str> {
        Some(&self.buurtcode)
    }

    fn set_origin(&mut self, row: u32, extra: Vec<Box<str>>) {
        self.row = row;
        self.extra = extra;
    }

    fn row(&self) -> u32 {
        self.row
    }
}

impl SourceRow for Offer {
    const UNIQUE: Option<(&'static str, Reason, &'static str)> =
        Some(("aanbod_id", Reason::InvalidValue, "aanbod_id"));

    fn parse(c: &Cells<'_>, ctx: &Context<'_>) -> Result<Self, Rejection> {
        let aanbod_id = c.req("aanbod_id")?.to_string();
        let naam = c.req("naam")?.to_string();
        let organisatie = c.text("organisatie");
        let omschrijving = c.text("omschrijving");
        let elementen = c.vocab_list("elementen")?;
        let doelgroepen = c.vocab_list("doelgroepen")?;
        let leeftijd_min = c.count("leeftijd_min", 0..=120)?.map(|v| v as u8);
        let leeftijd_max = c.count("leeftijd_max", 0..=120)?.map(|v| v as u8);
        if let (Some(lo), Some(hi)) = (leeftijd_min, leeftijd_max) {
            if hi < lo {
                return Err(c.reject(
                    "leeftijd_max",
                    Reason::InvalidValue,
                    format!("leeftijd_max is below leeftijd_min {lo}"),
                ));
            }
        }
        let mut talen = Vec::new();
        for piece in c.list("talen") {
            let lang = normalise_language(piece).ok_or_else(|| {
                c.reject(
                    "talen",
                    Reason::InvalidValue,
                    "expected ';'-separated two-letter ISO 639-1 codes like nl;tr",
                )
            })?;
            if !talen.contains(&lang) {
                talen.push(lang);
            }
        }
        let kosten = c.vocab("kosten")?;
        let rolstoeltoegankelijk = c.boolean("rolstoeltoegankelijk")?;
        let vervoer = c.boolean("vervoer")?;
        let vorm = c.vocab("vorm")?;
        c.req("gebied")?;
        let mut gebied = Vec::new();
        for piece in c.list("gebied") {
            let area = if piece.eq_ignore_ascii_case("gemeente") {
                Area::Gemeente
            } else if let Some(code) = normalise_wijkcode(piece) {
                if !ctx.wijken.contains(&code) {
                    return Err(c.reject(
                        "gebied",
                        Reason::UnknownBuurtcode,
                        format!("wijkcode {code} is not listed in gebieden.csv"),
                    ));
                }
                Area::Wijk(code)
            } else if let Some(code) = normalise_buurtcode(piece) {
                if !ctx.buurten.contains_key(&code) {
                    return Err(c.reject(
                        "gebied",
                        Reason::UnknownBuurtcode,
                        format!("buurtcode {code} is not listed in gebieden.csv"),
                    ));
                }
                Area::Buurt(code)
            } else {
                return Err(c.reject(
                    "gebied",
                    Reason::InvalidValue,
                    "expected 'gemeente' or ';'-separated wijkcodes (WK + 6 digits) or \
                     buurtcodes (BU + 8 digits)",
                ));
            };
            if !gebied.contains(&area) {
                gebied.push(area);
            }
        }
        let capaciteit_per_week = c.count("capaciteit_per_week", 0..=1_000_000)?;
        let status = c.vocab("status")?;
        Ok(Offer {
            aanbod_id,
            naam,
            organisatie,
            omschrijving,
            elementen,
            doelgroepen,
            leeftijd_min,
            leeftijd_max,
            talen,
            kosten,
            rolstoeltoegankelijk,
            vervoer,
            vorm,
            gebied,
            capaciteit_per_week,
            status,
            row: 0,
            extra: Vec::new(),
        })
    }

    fn unique_value(&self) -> Option<&str> {
        Some(&self.aanbod_id)
    }

    fn set_origin(&mut self, row: u32, extra: Vec<Box<str>>) {
        self.row = row;
        self.extra = extra;
    }

    fn row(&self) -> u32 {
        self.row
    }
}
