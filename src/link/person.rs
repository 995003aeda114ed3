//! The Dutch-person adapter: link sources without a BSN (`schuldhulp`, `huisbezoeken`) to the
//! register spine by name, birth date and address.
//!
//! Ingest turns each source's rows into [`PersonRecord`]s (for `huisbezoeken`, whose name is one
//! free-text field, via [`parse_full_name`]); [`link_people`] links them with [`default_spec`].
//! Ids never enter these records: the result refers to rows (`RightLink::left_row` indexes the
//! spine slice, `right_row` the records slice), so the caller maps rows to pseudo_ids itself.

use chrono::{Datelike, NaiveDate};

use super::model::{Linker, Links, Report};
use super::normalize::{SURNAME_PARTICLES, VOORVOEGSEL_TOKENS};
use super::spec::LinkSpec;
use super::table::RecordTable;
use crate::error::Result;

/// A person as the linker sees them. Every field may be missing (neutral evidence).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonRecord {
    /// Geslachtsnaam, with or without the voorvoegsel ("Berg", "van der Berg", "Berg, van der").
    pub surname: Option<String>,
    /// Voorvoegsel when the source keeps it apart ("van der"); joined in front of the surname.
    pub voorvoegsel: Option<String>,
    /// Given names or initials ("Johannes Adrianus", "J.A.").
    pub first_names: Option<String>,
    pub birth_date: Option<NaiveDate>,
    /// "1234AB" (spaces and case do not matter).
    pub postcode: Option<String>,
    /// House number, with or without addition ("12", "12a"); only the number is compared.
    pub huisnummer: Option<String>,
}

impl PersonRecord {
    /// A record from a one-field full name such as "J.A. de Vries" (see [`parse_full_name`]).
    pub fn from_full_name(
        full_name: &str,
        birth_date: Option<NaiveDate>,
        postcode: Option<String>,
        huisnummer: Option<String>,
    ) -> PersonRecord {
        let name = parse_full_name(full_name);
        PersonRecord {
            surname: name.surname,
            voorvoegsel: name.voorvoegsel,
            first_names: name.first_names,
            birth_date,
            postcode,
            huisnummer,
        }
    }
}

/// A free-text name split into its parts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedName {
    pub first_names: Option<String>,
    /// Lowercase, as the BRP writes it ("van den").
    pub voorvoegsel: Option<String>,
    pub surname: Option<String>,
}

/// Salutations and titles that free-text names in visit logs start with ("Mevr. A. de Vries").
const TITLES: &[&str] = &[
    "dhr", "mevr", "mw", "mevrouw", "meneer", "heer", "mr", "dr", "drs", "ir", "ing", "prof",
];

fn is_title(token: &str) -> bool {
    TITLES.contains(&token.trim_end_matches('.').to_lowercase().as_str())
}

fn is_voorvoegsel(token: &str) -> bool {
    VOORVOEGSEL_TOKENS.contains(&token.to_lowercase().as_str())
}

fn is_initial(token: &str) -> bool {
    token.contains('.') || token.chars().count() == 1
}

fn some_joined(tokens: &[&str]) -> Option<String> {
    (!tokens.is_empty()).then(|| tokens.join(" "))
}

/// Splits a free-text Dutch full name: "J.A. de Vries" -> (J.A., de, Vries); "Anna van den
/// Berg-Jansen" -> (Anna, van den, Berg-Jansen); "M. El Idrissi" -> (M., -, El Idrissi);
/// "Fatma Yilmaz" -> (Fatma, -, Yilmaz); "Vries, J.A. de" -> (J.A., de, Vries).
///
/// Rules, in order: leading titles ("Dhr.", "Mevr.", "Dr.") are dropped. A comma means "surname, given names [voorvoegsel]". Otherwise the first run
/// of voorvoegsel tokens that leaves a surname behind starts the voorvoegsel (a name may start
/// with it: "de Vries"). Without one, an Arabic/Berber particle (el, al, ben, ait, ...) after the
/// first token starts the surname, which keeps it ("El Idrissi" is the BRP surname). Otherwise
/// leading initials are the given names, or else all but the last token are.
pub fn parse_full_name(raw: &str) -> ParsedName {
    let raw = raw.trim();
    if let Some((surname, rest)) = raw.split_once(',') {
        let tokens: Vec<&str> = rest.split_whitespace().collect();
        let mut cut = tokens.len();
        while cut > 0 && is_voorvoegsel(tokens[cut - 1]) {
            cut -= 1;
        }
        let vv: Vec<String> = tokens[cut..].iter().map(|t| t.to_lowercase()).collect();
        return ParsedName {
            first_names: some_joined(&tokens[..cut]),
            voorvoegsel: (!vv.is_empty()).then(|| vv.join(" ")),
            surname: Some(surname.trim().to_string()).filter(|s| !s.is_empty()),
        };
    }
    // "J.A.de Vries": initials glued to the next word are split after the last dot.
    let mut tokens: Vec<&str> = raw
        .split_whitespace()
        .flat_map(|t| match t.rfind('.') {
            Some(i) if i + 2 < t.len() && t[i + 1..].chars().all(char::is_alphabetic) => {
                vec![&t[..=i], &t[i + 1..]]
            }
            _ => vec![t],
        })
        .collect();
    while tokens.len() > 1 && is_title(tokens[0]) {
        tokens.remove(0);
    }
    let n = tokens.len();
    if n <= 1 {
        return ParsedName {
            surname: some_joined(&tokens),
            ..ParsedName::default()
        };
    }
    if let Some(start) = (0..n - 1).find(|&i| is_voorvoegsel(tokens[i])) {
        let mut end = start;
        while end + 1 < n && is_voorvoegsel(tokens[end]) {
            end += 1;
        }
        let vv: Vec<String> = tokens[start..end]
            .iter()
            .map(|t| t.to_lowercase())
            .collect();
        return ParsedName {
            first_names: some_joined(&tokens[..start]),
            voorvoegsel: Some(vv.join(" ")),
            surname: some_joined(&tokens[end..]),
        };
    }
    if let Some(start) =
        (1..n - 1).find(|&i| SURNAME_PARTICLES.contains(&tokens[i].to_lowercase().as_str()))
    {
        return ParsedName {
            first_names: some_joined(&tokens[..start]),
            voorvoegsel: None,
            surname: some_joined(&tokens[start..]),
        };
    }
    let initials = tokens.iter().take_while(|t| is_initial(t)).count();
    let split = if initials > 0 && initials < n {
        initials
    } else {
        n - 1
    };
    ParsedName {
        first_names: some_joined(&tokens[..split]),
        voorvoegsel: None,
        surname: some_joined(&tokens[split..]),
    }
}

/// The link specification for people, as TOML (also the example in docs/link-toml.md).
pub const DEFAULT_SPEC_TOML: &str = r#"
left_id = "id"
right_id = "id"
seed = 42
# Many-to-one: each source row links to at most one resident; a resident may have several rows
# (repeat debt registrations, yearly home visits).
one_to_one = false
threshold = 0.5

[[comparisons]]
column = "surname"
kind = "surname"
thresholds = [0.92, 0.88]
term_frequency = true

[[comparisons]]
column = "first_names"
kind = "given_names"
thresholds = [0.92, 0.88]

[[comparisons]]
column = "birth_date"
kind = "date"

[[comparisons]]
name = "address"
column = "postcode"
kind = "address"
house_number_column = "huisnummer"
area_length = 4

[[blocking]]
keys = [{ column = "postcode", transform = "postcode" }]

[[blocking]]
keys = [{ column = "birth_date", transform = "date" }]

[[blocking]]
keys = [
  { column = "surname", transform = "surname_prefix", length = 3 },
  { column = "birth_date", transform = "year" },
]

[prior]
rules = [["surname", "birth_date", "address"]]
recall = 0.8
"#;

/// The ready specification for Dutch persons: surname (voorvoegsel- and diacritics-aware, term
/// frequency), given names (initials-aware), birth date (swaps and typos), address (postcode +
/// house number, postcode, PC4); blocking on postcode, birth date, and surname prefix + birth
/// year; many-to-one.
pub fn default_spec() -> LinkSpec {
    LinkSpec::from_toml(DEFAULT_SPEC_TOML).expect("the built-in person spec is valid TOML")
}

const COLUMNS: [&str; 6] = [
    "id",
    "surname",
    "first_names",
    "birth_date",
    "postcode",
    "huisnummer",
];

/// A person's fields borrowed from wherever the caller keeps them, so a 500,000-resident
/// register becomes a record table without first cloning every name into a [`PersonRecord`].
/// The fields mean what they mean on [`PersonRecord`].
#[derive(Debug, Clone, Copy, Default)]
pub struct PersonFields<'a> {
    pub surname: Option<&'a str>,
    pub voorvoegsel: Option<&'a str>,
    pub first_names: Option<&'a str>,
    pub birth_date: Option<NaiveDate>,
    pub postcode: Option<&'a str>,
    pub huisnummer: Option<&'a str>,
}

impl<'a> From<&'a PersonRecord> for PersonFields<'a> {
    fn from(p: &'a PersonRecord) -> Self {
        PersonFields {
            surname: p.surname.as_deref(),
            voorvoegsel: p.voorvoegsel.as_deref(),
            first_names: p.first_names.as_deref(),
            birth_date: p.birth_date,
            postcode: p.postcode.as_deref(),
            huisnummer: p.huisnummer.as_deref(),
        }
    }
}

/// People as a record table (ids are row numbers).
pub fn person_table(people: &[PersonRecord]) -> Result<RecordTable> {
    person_table_from(people.iter().map(PersonFields::from))
}

/// People as a record table (ids are row numbers), from borrowed fields.
pub fn person_table_from<'a>(
    people: impl Iterator<Item = PersonFields<'a>>,
) -> Result<RecordTable> {
    let mut table = RecordTable::new(&COLUMNS);
    let (mut id, mut surname, mut date) = (String::new(), String::new(), String::new());
    for (row, p) in people.enumerate() {
        use std::fmt::Write as _;
        id.clear();
        write!(id, "{row}").expect("writing to a String");
        // "voorvoegsel surname" as one field: the surname comparison normalises every spelling.
        surname.clear();
        for part in [p.voorvoegsel, p.surname].into_iter().flatten() {
            let part = part.trim();
            if !part.is_empty() {
                if !surname.is_empty() {
                    surname.push(' ');
                }
                surname.push_str(part);
            }
        }
        date.clear();
        if let Some(d) = p.birth_date {
            write!(date, "{:04}{:02}{:02}", d.year(), d.month(), d.day())
                .expect("writing to a String");
        }
        table.push_row(&[
            Some(id.as_str()),
            Some(surname.as_str()),
            p.first_names,
            Some(date.as_str()),
            p.postcode,
            p.huisnummer,
        ])?;
    }
    Ok(table)
}

/// The register spine as a record table, built once and linked to any number of sources: the
/// study links two sources to the same 500,000 residents.
#[derive(Debug, Clone)]
pub struct PreparedSpine {
    table: RecordTable,
}

impl PreparedSpine {
    /// Fails when the spine is empty.
    pub fn new<'a>(spine: impl Iterator<Item = PersonFields<'a>>) -> Result<PreparedSpine> {
        let table = person_table_from(spine)?;
        crate::ensure!(!table.is_empty(), Data: "the register spine is empty");
        Ok(PreparedSpine { table })
    }

    /// Residents on the spine.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// Links `records` (a source without BSN) onto the spine with [`default_spec`]. In the
    /// result, `left_row` indexes the spine and `right_row` indexes `records`.
    pub fn link(&self, records: &[PersonRecord], seed: u64) -> Result<(Links, Report)> {
        crate::ensure!(!records.is_empty(), Data: "no records to link");
        let spec = default_spec().check()?;
        let right = person_table(records)?;
        let (model, links) = Linker::fit_link(&spec, &self.table, &right, seed)?;
        Ok((links, model.report().clone()))
    }
}

/// Links `records` (a source without BSN) onto the register `spine` with [`default_spec`].
/// In the result, `left_row` indexes `spine` and `right_row` indexes `records`. To link several
/// sources to one spine, prepare it once with [`PreparedSpine`].
pub fn link_people(
    spine: &[PersonRecord],
    records: &[PersonRecord],
    seed: u64,
) -> Result<(Links, Report)> {
    crate::ensure!(!records.is_empty(), Data: "no records to link");
    PreparedSpine::new(spine.iter().map(PersonFields::from))?.link(records, seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(
        raw: &str,
    ) -> (
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
    ) {
        let p = parse_full_name(raw);
        let leak = |s: Option<String>| s.map(|s| &*Box::leak(s.into_boxed_str()));
        (leak(p.first_names), leak(p.voorvoegsel), leak(p.surname))
    }

    #[test]
    fn parses_the_brief_examples() {
        assert_eq!(
            parts("J.A. de Vries"),
            (Some("J.A."), Some("de"), Some("Vries"))
        );
        assert_eq!(parts("Fatma Yilmaz"), (Some("Fatma"), None, Some("Yilmaz")));
        assert_eq!(
            parts("M. El Idrissi"),
            (Some("M."), None, Some("El Idrissi"))
        );
        assert_eq!(
            parts("Anna van den Berg-Jansen"),
            (Some("Anna"), Some("van den"), Some("Berg-Jansen"))
        );
    }
}
