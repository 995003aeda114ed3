//! Field comparisons: each turns a pair of cells into a small level index.
//!
//! Level 0 is "null" (a value missing on either side: neutral evidence, weight 0); level 1 is
//! always "exact"; the last level is "else". Values are normalised and interned once per distinct
//! value (shared dictionary for both sides), so an exact agreement is an integer comparison and
//! only disagreeing pairs pay for a string similarity.

use super::fasthash::FastMap;

use super::normalize::{self, GivenNamesKey, SurnameKey};
use super::similarity::{self, jaro_winkler_upper_bound, Profile};
use super::spec::{CheckedComparison, Kind};
use super::table::RecordTable;
use crate::error::Result;

/// Id of a missing value.
pub const NULL_ID: u32 = u32::MAX;

#[derive(Debug, Clone)]
enum Value {
    Text(Box<str>),
    Surname(SurnameKey),
    Given(GivenNamesKey),
    Date([u8; 8]),
    /// Index into `PreparedComparison::postcodes`; the (postcode, area, house number) ids live
    /// in `address_ids`.
    Address(u32),
}

/// One comparison, prepared for a pair of tables.
#[derive(Debug, Clone)]
pub struct PreparedComparison {
    pub name: String,
    pub kind: Kind,
    /// Number of levels including "null".
    pub n_levels: usize,
    pub left_ids: Vec<u32>,
    pub right_ids: Vec<u32>,
    values: Vec<Value>,
    /// Surname kind only: per value id, interned (core, merged) ids, so the exact test is two
    /// integer comparisons instead of two string comparisons.
    surname_ids: Vec<(u32, u32)>,
    /// Per value id, for the Jaro-Winkler kinds: letter profiles of the compared string(s)
    /// (surnames: core and merged; given names: full), to skip hopeless pairs cheaply.
    profiles: Vec<[Profile; 2]>,
    /// Given names only: interned id of the first given name per value id.
    first_ids: Vec<u32>,
    /// Address only: interned (postcode, area, house number) ids per value id, NULL_ID = none.
    address_ids: Vec<[u32; 3]>,
    /// Address only: normalised postcode per postcode id (for term frequencies).
    postcodes: Vec<String>,
    /// Per value id: the value's frequency among the left (register) records, when the
    /// comparison has term-frequency adjustment.
    pub term_frequency: Option<Vec<f64>>,
    pub term_frequency_minimum: f64,
}

impl PreparedComparison {
    /// Normalises and interns both sides' column(s).
    pub fn prepare<'t>(
        c: &CheckedComparison,
        left: &'t RecordTable,
        right: &'t RecordTable,
    ) -> Result<PreparedComparison> {
        if let Kind::Address {
            house_number_column,
            area_length,
        } = &c.kind
        {
            return Self::prepare_address(
                c,
                left,
                right,
                house_number_column.as_deref(),
                *area_length,
            );
        }
        let mut dict: FastMap<String, u32> = FastMap::default();
        let mut values: Vec<Value> = Vec::new();
        // Registers repeat values (a few ten thousand surnames over 500,000 rows): normalise each
        // distinct raw cell once.
        let mut by_raw: FastMap<&str, u32> = FastMap::default();
        let mut side_ids = |side: &str, table: &'t RecordTable, column: &str| -> Result<Vec<u32>> {
            let cells = table.column_by_name(side, column)?;
            let mut ids = Vec::with_capacity(cells.len());
            for row in 0..cells.len() {
                let Some(raw) = cells.get(row) else {
                    ids.push(NULL_ID);
                    continue;
                };
                if let Some(&id) = by_raw.get(raw) {
                    ids.push(id);
                    continue;
                }
                let id = match prepare_value(&c.kind, raw) {
                    None => NULL_ID,
                    Some((key, value)) => match dict.get(&key) {
                        Some(&id) => id,
                        None => {
                            let id = values.len() as u32;
                            values.push(value);
                            dict.insert(key, id);
                            id
                        }
                    },
                };
                by_raw.insert(raw, id);
                ids.push(id);
            }
            Ok(ids)
        };
        let left_ids = side_ids("left", left, &c.left_column)?;
        let right_ids = side_ids("right", right, &c.right_column)?;
        let mut surname_ids = Vec::new();
        if matches!(c.kind, Kind::Surname { .. }) {
            let mut dict: FastMap<&str, u32> = FastMap::default();
            for v in &values {
                if let Value::Surname(k) = v {
                    let next = dict.len() as u32;
                    let core = *dict.entry(k.core.as_str()).or_insert(next);
                    let next = dict.len() as u32;
                    let merged = *dict.entry(k.merged.as_str()).or_insert(next);
                    surname_ids.push((core, merged));
                }
            }
        }
        let mut profiles = Vec::new();
        let mut first_ids = Vec::new();
        // One interning map per part: (part, string) -> dense id.
        let mut intern: FastMap<(u8, &str), u32> = FastMap::default();
        fn id_of<'v>(intern: &mut FastMap<(u8, &'v str), u32>, part: u8, s: &'v str) -> u32 {
            let next = intern.len() as u32;
            *intern.entry((part, s)).or_insert(next)
        }
        for v in &values {
            match v {
                Value::Text(t) => profiles.push([Profile::of(t); 2]),
                Value::Surname(k) => profiles.push([Profile::of(&k.core), Profile::of(&k.merged)]),
                Value::Given(g) => {
                    profiles.push([Profile::of(&g.full); 2]);
                    first_ids.push(id_of(&mut intern, 0, &g.first));
                }
                Value::Address(_) => {}
                Value::Date(_) => {}
            }
        }
        let mut prepared = PreparedComparison {
            name: c.name.clone(),
            kind: c.kind.clone(),
            n_levels: c.levels.len(),
            left_ids,
            right_ids,
            values,
            surname_ids,
            profiles,
            first_ids,
            address_ids: Vec::new(),
            postcodes: Vec::new(),
            term_frequency: None,
            term_frequency_minimum: c.term_frequency_minimum,
        };
        if c.term_frequency {
            prepared.term_frequency = Some(prepared.left_frequencies());
        }
        Ok(prepared)
    }

    /// Addresses: nearly every (postcode, house number) is distinct in a register, so they are
    /// not normalised as one string; postcode and house number are interned separately (each
    /// distinct raw cell normalised once) and the pair of ids is the value.
    fn prepare_address<'t>(
        c: &CheckedComparison,
        left: &'t RecordTable,
        right: &'t RecordTable,
        house_column: Option<&str>,
        area_length: usize,
    ) -> Result<PreparedComparison> {
        let mut postcodes: Vec<String> = Vec::new();
        let mut postcode_ids: FastMap<String, u32> = FastMap::default();
        let mut areas: Vec<u32> = Vec::new();
        let mut area_ids: FastMap<String, u32> = FastMap::default();
        let mut house_ids: FastMap<String, u32> = FastMap::default();
        let mut raw_postcode: FastMap<&str, u32> = FastMap::default();
        let mut raw_house: FastMap<&str, u32> = FastMap::default();
        let mut pairs: FastMap<(u32, u32), u32> = FastMap::default();
        let mut values: Vec<Value> = Vec::new();
        let mut address_ids: Vec<[u32; 3]> = Vec::new();
        let mut side_ids = |side: &str, table: &'t RecordTable, column: &str| -> Result<Vec<u32>> {
            let cells = table.column_by_name(side, column)?;
            let house = house_column
                .map(|h| table.column_by_name(side, h))
                .transpose()?;
            let mut ids = Vec::with_capacity(cells.len());
            for row in 0..cells.len() {
                let pc = cells.get(row).map_or(NULL_ID, |raw| {
                    *raw_postcode
                        .entry(raw)
                        .or_insert_with(|| match normalize::postcode(raw) {
                            None => NULL_ID,
                            Some(pc) => {
                                let next = postcodes.len() as u32;
                                *postcode_ids.entry(pc.clone()).or_insert_with(|| {
                                    let area = pc.get(..area_length).map_or(NULL_ID, |a| {
                                        let next = area_ids.len() as u32;
                                        *area_ids.entry(a.to_string()).or_insert(next)
                                    });
                                    postcodes.push(pc);
                                    areas.push(area);
                                    next
                                })
                            }
                        })
                });
                if pc == NULL_ID {
                    ids.push(NULL_ID);
                    continue;
                }
                let hn = house.and_then(|h| h.get(row)).map_or(NULL_ID, |raw| {
                    *raw_house.entry(raw).or_insert_with(|| {
                        normalize::house_number(raw).map_or(NULL_ID, |h| {
                            let next = house_ids.len() as u32;
                            *house_ids.entry(h).or_insert(next)
                        })
                    })
                });
                let id = *pairs.entry((pc, hn)).or_insert_with(|| {
                    values.push(Value::Address(pc));
                    address_ids.push([pc, areas[pc as usize], hn]);
                    values.len() as u32 - 1
                });
                ids.push(id);
            }
            Ok(ids)
        };
        let left_ids = side_ids("left", left, &c.left_column)?;
        let right_ids = side_ids("right", right, &c.right_column)?;
        let mut prepared = PreparedComparison {
            name: c.name.clone(),
            kind: c.kind.clone(),
            n_levels: c.levels.len(),
            left_ids,
            right_ids,
            values,
            surname_ids: Vec::new(),
            profiles: Vec::new(),
            first_ids: Vec::new(),
            address_ids,
            postcodes,
            term_frequency: None,
            term_frequency_minimum: c.term_frequency_minimum,
        };
        if c.term_frequency {
            prepared.term_frequency = Some(prepared.left_frequencies());
        }
        Ok(prepared)
    }

    /// Frequency of each value among the non-missing left values. Surnames count by their core
    /// (without voorvoegsel), the same key the exact level compares.
    fn left_frequencies(&self) -> Vec<f64> {
        let tf_key = |v: &Value| -> String {
            match v {
                Value::Surname(s) => s.core.clone(),
                Value::Text(t) => t.to_string(),
                Value::Given(g) => g.full.clone(),
                Value::Date(d) => String::from_utf8_lossy(d).into_owned(),
                Value::Address(pc) => self.postcodes[*pc as usize].clone(),
            }
        };
        let keys: Vec<String> = self.values.iter().map(tf_key).collect();
        let mut counts: FastMap<&str, u64> = FastMap::default();
        let mut total = 0u64;
        for &id in &self.left_ids {
            if id != NULL_ID {
                *counts.entry(keys[id as usize].as_str()).or_default() += 1;
                total += 1;
            }
        }
        keys.iter()
            .map(|k| {
                let n = counts.get(k.as_str()).copied().unwrap_or(0);
                if total == 0 {
                    0.0
                } else {
                    n as f64 / total as f64
                }
            })
            .collect()
    }

    /// The level of left row `l` against right row `r`.
    #[inline]
    pub fn level(&self, l: usize, r: usize) -> u8 {
        let (a, b) = (self.left_ids[l], self.right_ids[r]);
        if a == NULL_ID || b == NULL_ID {
            return 0;
        }
        self.level_of_ids(a, b)
    }

    /// The level of two interned values.
    pub fn level_of_ids(&self, a: u32, b: u32) -> u8 {
        let last = (self.n_levels - 1) as u8;
        if let Kind::Address { .. } = self.kind {
            return address_level(
                self.address_ids[a as usize],
                self.address_ids[b as usize],
                last,
            );
        }
        if a == b {
            return 1;
        }
        let (va, vb) = (&self.values[a as usize], &self.values[b as usize]);
        // Skips the Jaro-Winkler computation when even the best case stays below the lowest
        // threshold (most random pairs).
        let hopeless = |side: usize, thresholds: &[f64]| {
            let lowest = thresholds.last().copied().unwrap_or(1.0);
            jaro_winkler_upper_bound(
                &self.profiles[a as usize][side],
                &self.profiles[b as usize][side],
            ) < lowest
        };
        match (&self.kind, va, vb) {
            (Kind::Exact, _, _) => last,
            (Kind::JaroWinkler { thresholds }, Value::Text(x), Value::Text(y)) => {
                if hopeless(0, thresholds) {
                    return last;
                }
                similarity_level(similarity::jaro_winkler(x, y), thresholds, last)
            }
            (Kind::Levenshtein { distances }, Value::Text(x), Value::Text(y)) => {
                distance_level(x, y, distances, last, false)
            }
            (Kind::DamerauLevenshtein { distances }, Value::Text(x), Value::Text(y)) => {
                distance_level(x, y, distances, last, true)
            }
            (Kind::Surname { thresholds }, Value::Surname(x), Value::Surname(y)) => {
                let (ix, iy) = (self.surname_ids[a as usize], self.surname_ids[b as usize]);
                if ix.0 == iy.0 || ix.1 == iy.1 {
                    return 1;
                }
                let mut s = 0.0f64;
                if !hopeless(0, thresholds) {
                    s = similarity::jaro_winkler(&x.core, &y.core);
                }
                if (ix.0 != ix.1 || iy.0 != iy.1) && !hopeless(1, thresholds) {
                    // A voorvoegsel on either side: the merged spellings may be closer.
                    s = s.max(similarity::jaro_winkler(&x.merged, &y.merged));
                }
                similarity_level(s, thresholds, last)
            }
            (Kind::GivenNames { thresholds }, Value::Given(x), Value::Given(y)) => {
                let same_first = self.first_ids[a as usize] == self.first_ids[b as usize];
                // The bound only matters when both sides have full names.
                let hopeless = !x.initials_only && !y.initials_only && hopeless(0, thresholds);
                given_names_level(x, y, same_first, hopeless, thresholds, last)
            }
            (Kind::Date, Value::Date(x), Value::Date(y)) => date_level(x, y),
            _ => last,
        }
    }

    /// Term-frequency of the left value of row `l` (bounded below), when enabled.
    #[inline]
    pub fn left_term_frequency(&self, l: usize) -> Option<f64> {
        let tf = self.term_frequency.as_ref()?;
        let id = self.left_ids[l];
        (id != NULL_ID).then(|| tf[id as usize].max(self.term_frequency_minimum))
    }
}

/// The value ids of all comparisons laid out row by row, for comparing many pairs.
///
/// Each comparison keeps its ids in a column of its own; a pair of a 500,000-row register then
/// costs one scattered read per comparison before any comparing starts. Row by row, a pair
/// reads one cache line per side (measured: clearly less CPU in the 500k study's compare phase).
pub(crate) struct RowIds {
    width: usize,
    left: Vec<u32>,
    right: Vec<u32>,
}

impl RowIds {
    pub(crate) fn new(comparisons: &[PreparedComparison]) -> RowIds {
        let width = comparisons.len();
        let row_major = |ids: &dyn Fn(&PreparedComparison) -> &[u32]| -> Vec<u32> {
            let n = comparisons.first().map_or(0, |c| ids(c).len());
            let mut out = vec![NULL_ID; n * width];
            for (k, c) in comparisons.iter().enumerate() {
                for (row, &id) in ids(c).iter().enumerate() {
                    out[row * width + k] = id;
                }
            }
            out
        };
        RowIds {
            width,
            left: row_major(&|c| &c.left_ids),
            right: row_major(&|c| &c.right_ids),
        }
    }

    /// The levels of left row `l` against right row `r`, one per comparison, into `out`.
    #[inline]
    pub(crate) fn levels(
        &self,
        comparisons: &[PreparedComparison],
        l: usize,
        r: usize,
        out: &mut [u8],
    ) {
        let w = self.width;
        let a = &self.left[l * w..(l + 1) * w];
        let b = &self.right[r * w..(r + 1) * w];
        for (k, c) in comparisons.iter().enumerate() {
            out[k] = if a[k] == NULL_ID || b[k] == NULL_ID {
                0
            } else {
                c.level_of_ids(a[k], b[k])
            };
        }
    }
}

/// Normalises one cell for a comparison kind: (dictionary key, value), or None when the cell
/// holds nothing comparable (counts as missing).
fn prepare_value(kind: &Kind, raw: &str) -> Option<(String, Value)> {
    match kind {
        Kind::Exact
        | Kind::JaroWinkler { .. }
        | Kind::Levenshtein { .. }
        | Kind::DamerauLevenshtein { .. } => {
            let v = normalize::light(raw);
            (!v.is_empty()).then(|| (v.clone(), Value::Text(v.into())))
        }
        Kind::Surname { .. } => {
            let k = normalize::surname_key(raw)?;
            Some((format!("{}|{}", k.core, k.merged), Value::Surname(k)))
        }
        Kind::GivenNames { .. } => {
            let k = normalize::given_names_key(raw)?;
            Some((k.full.clone(), Value::Given(k)))
        }
        Kind::Date => {
            let d = normalize::date_digits(raw)?;
            Some((String::from_utf8_lossy(&d).into_owned(), Value::Date(d)))
        }
        Kind::Address { .. } => unreachable!("addresses are prepared by prepare_address"),
    }
}

fn similarity_level(s: f64, thresholds: &[f64], last: u8) -> u8 {
    thresholds
        .iter()
        .position(|t| s >= *t)
        .map_or(last, |i| 2 + i as u8)
}

fn distance_level(x: &str, y: &str, distances: &[usize], last: u8, damerau: bool) -> u8 {
    let max = *distances.last().unwrap_or(&0);
    let length = |s: &str| {
        if s.is_ascii() {
            s.len()
        } else {
            s.chars().count()
        }
    };
    if length(x).abs_diff(length(y)) > max {
        return last;
    }
    let d = similarity::bounded_edit_distance(x, y, damerau, max);
    distances
        .iter()
        .position(|m| d <= *m)
        .map_or(last, |i| 2 + i as u8)
}

/// Jaro-Winkler levels (only when both sides have full names), same first name, initials
/// compatible, else. Exact agreement (same interned value) is handled by the caller.
fn given_names_level(
    x: &GivenNamesKey,
    y: &GivenNamesKey,
    same_first: bool,
    hopeless: bool,
    thresholds: &[f64],
    last: u8,
) -> u8 {
    let n = thresholds.len() as u8;
    if !x.initials_only && !y.initials_only {
        if !hopeless {
            let s = similarity::jaro_winkler(&x.full, &y.full);
            if let Some(i) = thresholds.iter().position(|t| s >= *t) {
                return 2 + i as u8;
            }
        }
        if same_first {
            return 2 + n;
        }
        return last;
    }
    if normalize::initials_compatible(x, y) {
        return 3 + n;
    }
    last
}

/// exact (handled by the caller), day and month swapped, one digit off (Hamming 1 on YYYYMMDD),
/// same year, else.
fn date_level(x: &[u8; 8], y: &[u8; 8]) -> u8 {
    let (wx, wy) = (u64::from_le_bytes(*x), u64::from_le_bytes(*y));
    if wx == wy {
        return 1;
    }
    let differing_bytes = {
        let d = wx ^ wy;
        (0..8).filter(|i| (d >> (8 * i)) & 0xff != 0).count()
    };
    if x[..4] == y[..4] && x[4..6] == y[6..8] && x[6..8] == y[4..6] {
        return 2;
    }
    if differing_bytes == 1 {
        return 3;
    }
    if x[..4] == y[..4] {
        return 4;
    }
    5
}

/// [postcode, area, house number] ids; levels with a house-number column are [pc+hn, pc, area,
/// else] (1..=4), without it [pc, area, else] (1..=3); `last` tells which.
fn address_level(a: [u32; 3], b: [u32; 3], last: u8) -> u8 {
    let with_house = last == 4;
    if a[0] == b[0] {
        if !with_house {
            return 1;
        }
        return if a[2] != NULL_ID && a[2] == b[2] {
            1
        } else {
            2
        };
    }
    if a[1] != NULL_ID && a[1] == b[1] {
        last - 1
    } else {
        last
    }
}
