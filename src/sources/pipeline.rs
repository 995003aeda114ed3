//! Reading one source: rows in chunks, parsed in parallel, then decided in file order.
//!
//! The `csv` reader is sequential; parsing and HMAC-ing a row is the expensive part, so rows are
//! read into a reused chunk of `ByteRecord`s and parsed with rayon. Decisions that depend on earlier
//! rows (duplicates) are made afterwards in file order, so the outcome never depends on threads.
//!
//! Order of checks for one row (the first failing check wins):
//! 1. `ragged_row`: the row has a different number of fields than the header;
//! 2. `missing_value`: every cell of the row is empty;
//! 3. `duplicate_row`: an exact copy (field by field) of an earlier row of the same file, whatever
//!    happened to that earlier row;
//! 4. field checks, column by column in the spec's order (see `parse`);
//! 5. date checks against the reference date (`future_date`, `implausible_age`);
//! 6. uniqueness among accepted rows: `duplicate_bsn` in the BRP; a repeated buurtcode in
//!    `gebieden.csv`/`veiligheid.csv` or `aanbod_id` in `sociale_kaart.csv` is `invalid_value`.
//!
//! Exact duplicates are recognised by a 128-bit hash of the row's fields (two independent SipHash
//! passes); a false match would need a 2^-64-scale accident even at millions of rows, and keeping
//! hashes instead of rows keeps memory flat.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hasher};

use chrono::NaiveDate;
use csv::ByteRecord;
use rayon::prelude::*;

use crate::contract::Reason;
use crate::error::{Error, Location, Result};

use super::dialect::{reader, LoadedFile};
use super::parse::{Cells, Context, Rejection, SourceRow};
use super::quarantine::{safe_value, QuarantinedRow};

/// Rows per parallel chunk: large enough to amortise rayon's overhead, small enough that the
/// reused `ByteRecord`s stay in cache-friendly memory.
const CHUNK: usize = 8192;

/// A row after the parallel stage, before the in-order decisions.
pub struct Pending<T> {
    pub row: u32,
    pub line: u64,
    pub outcome: Outcome<T>,
}

pub enum Outcome<T> {
    Ragged {
        found: usize,
    },
    Empty,
    Parsed {
        hash: u128,
        result: std::result::Result<T, Rejection>,
        /// The unique column's value shown safely (for a duplicate message).
        unique_shown: String,
    },
}

/// Parses every data row of a loaded file.
pub fn read_rows<T: SourceRow>(file: &LoadedFile, ctx: &Context<'_>) -> Result<Vec<Pending<T>>> {
    let mut rdr = reader(&file.text, file.delimiter);
    let mut chunk: Vec<ByteRecord> = (0..CHUNK).map(|_| ByteRecord::new()).collect();
    let mut out = Vec::new();
    let mut header = ByteRecord::new();
    read_one(&mut rdr, &mut header, file)?;
    let mut rows_before: u32 = 0;
    loop {
        let mut n = 0;
        while n < CHUNK && read_one(&mut rdr, &mut chunk[n], file)? {
            n += 1;
        }
        let first = rows_before;
        let parsed: Vec<Pending<T>> = chunk[..n]
            .par_iter()
            .enumerate()
            .map(|(i, rec)| parse_row(rec, first + 1 + i as u32, file, ctx))
            .collect();
        out.extend(parsed);
        rows_before = rows_before
            .checked_add(n as u32)
            .ok_or_else(|| Error::input(Location::file(&file.path), "more than 4 billion rows"))?;
        if n < CHUNK {
            return Ok(out);
        }
    }
}

fn read_one(
    rdr: &mut csv::Reader<&[u8]>,
    rec: &mut ByteRecord,
    file: &LoadedFile,
) -> Result<bool> {
    rdr.read_byte_record(rec).map_err(|e| {
        let line = e.position().map_or(0, |p| p.line());
        Error::input(
            Location::file(&file.path).line(line),
            format!("cannot read the row: {e}"),
        )
    })
}

fn parse_row<T: SourceRow>(
    rec: &ByteRecord,
    row: u32,
    file: &LoadedFile,
    ctx: &Context<'_>,
) -> Pending<T> {
    let line = rec.position().map_or(0, |p| p.line());
    let map = &file.columns;
    let outcome = if rec.len() != map.width {
        Outcome::Ragged { found: rec.len() }
    } else if rec.iter().all(|f| f.trim_ascii().is_empty()) {
        Outcome::Empty
    } else {
        let cells = Cells { rec, map };
        let result = T::parse(&cells, ctx).map(|mut t| {
            let extra = map
                .extra
                .iter()
                .map(|(i, _)| {
                    String::from_utf8_lossy(rec.get(*i).unwrap_or_default())
                        .trim()
                        .into()
                })
                .collect();
            t.set_origin(row, extra);
            t
        });
        let unique_shown = match T::UNIQUE {
            Some((col, _, _)) if result.is_ok() => safe_value(col, cells.raw(col)),
            _ => String::new(),
        };
        Outcome::Parsed {
            hash: hash_fields(rec.iter()),
            result,
            unique_shown,
        }
    };
    Pending { row, line, outcome }
}

/// 128-bit hash of a sequence of byte strings (field boundaries included).
pub fn hash_fields<'a>(fields: impl Iterator<Item = &'a [u8]> + Clone) -> u128 {
    let half = |salt: u64| {
        let mut h = DefaultHasher::new();
        h.write_u64(salt);
        for f in fields.clone() {
            h.write_usize(f.len());
            h.write(f);
        }
        h.finish()
    };
    (u128::from(half(0x9E37_79B9_7F4A_7C15)) << 64) | u128::from(half(0xD1B5_4A32_D192_ED03))
}

/// The accepted records and rejected rows of one source.
pub struct Decided<T> {
    pub records: Vec<T>,
    pub quarantine: Vec<QuarantinedRow>,
    pub rows_read: u64,
}

/// Makes the in-order decisions (duplicates, dates, uniqueness) for parsed rows. `reference` is
/// `None` only for `gebieden.csv`, which is read before the reference date is known and has no
/// dates.
pub fn decide<T: SourceRow>(
    pending: Vec<Pending<T>>,
    file: &LoadedFile,
    reference: Option<NaiveDate>,
) -> Decided<T> {
    let rows_read = pending.len() as u64;
    let mut records = Vec::with_capacity(pending.len());
    let mut quarantine = Vec::new();
    let mut seen_rows: HashMap<u128, u32> = HashMap::with_capacity(pending.len());
    let mut seen_keys: HashMap<u128, u32> = HashMap::new();
    let width = file.columns.width;
    for p in pending {
        let mut reject = |column: &str, value: String, reason: Reason, detail: String| {
            quarantine.push(QuarantinedRow {
                row: p.row,
                line: p.line,
                column: column.to_string(),
                value,
                reason,
                detail,
            })
        };
        match p.outcome {
            Outcome::Ragged { found } => reject(
                "",
                String::new(),
                Reason::RaggedRow,
                format!("expected {width} fields like the header, found {found}"),
            ),
            Outcome::Empty => reject(
                "",
                String::new(),
                Reason::MissingValue,
                "every cell of the row is empty".to_string(),
            ),
            Outcome::Parsed {
                hash,
                result,
                unique_shown,
            } => {
                if let Some(first) = seen_rows.get(&hash) {
                    reject(
                        "",
                        String::new(),
                        Reason::DuplicateRow,
                        format!("exact copy of row {first} (the first copy is kept)"),
                    );
                    continue;
                }
                seen_rows.insert(hash, p.row);
                let checked = result.and_then(|t| match reference {
                    Some(date) => t.check_dates(date).map(|()| t),
                    None => Ok(t),
                });
                let record = match checked {
                    Ok(t) => t,
                    Err(r) => {
                        reject(file.columns.header(r.column), r.value, r.reason, r.detail);
                        continue;
                    }
                };
                if let (Some((col, reason, what)), Some(value)) = (T::UNIQUE, record.unique_value())
                {
                    let key = hash_fields(std::iter::once(value.as_bytes()));
                    if let Some(first) = seen_keys.get(&key) {
                        reject(
                            file.columns.header(col),
                            unique_shown,
                            reason,
                            format!("{what} already on row {first} (the first row is kept)"),
                        );
                        continue;
                    }
                    seen_keys.insert(key, p.row);
                }
                records.push(record);
            }
        }
    }
    Decided {
        records,
        quarantine,
        rows_read,
    }
}
