//! Reading one source: rows in chunks, parsed in parallel, then decided in file order.
//!
//! The `csv` reader is sequential; parsing and HMAC-ing a row is the expensive part, so rows are
//! read into a reused chunk of `ByteRecord`s and parsed with rayon while the next chunk is read.
//! Decisions that depend on earlier rows (repeated rows and keys) are made afterwards in file
//! order, so the outcome never depends on threads.
//!
//! Order of checks for one row (the first failing check wins):
//! 1. `ragged_row`: the row has a different number of fields than the header;
//! 2. `missing_value`: every cell of the row is empty;
//! 3. `duplicate_row`: an exact copy (field by field) of an earlier row of the same file, whatever
//!    happened to that earlier row;
//! 4. field checks, column by column in the spec's order (see `parse`);
//! 5. date checks against the reference date (`future_date`, `implausible_age`);
//! 6. uniqueness among accepted rows: `duplicate_bsn` in the BRP and in `inkomen.csv` (one row per
//!    resident); a repeated `pseudo_id` in the survey, buurtcode in `gebieden.csv`/`veiligheid.csv`
//!    or `aanbod_id` in `sociale_kaart.csv` is `invalid_value`;
//! 7. checks against the whole file: a survey weight more than 50 times the file's median weight
//!    is `absurd_weight` (a weight above 1,000,000 already is at step 4).
//!
//! Exact copies of rows are found with a fast 64-bit hash of the row's fields; every hash match is
//! then verified by re-reading both rows from the file text and comparing them field by field, so
//! a hash collision can never quarantine a row that is not a real copy. Keeping hashes and byte offsets
//! instead of rows keeps memory flat. Unique values (BSN pseudonyms, buurtcodes) are verified
//! against the accepted record the same way.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use chrono::NaiveDate;
use csv::ByteRecord;
use rayon::prelude::*;

use crate::contract::Reason;
use crate::error::{Error, Location, Result};

use super::dialect::{reader, LineCounter, LoadedFile};
use super::parse::{Cells, Context, Rejection, SourceRow};
use super::quarantine::{safe_value, QuarantinedRow};

/// Rows per parallel chunk: large enough to amortise rayon's overhead, small enough that the
/// reused `ByteRecord`s stay in cache-friendly memory.
const CHUNK: usize = 8192;

/// A row after the parallel stage, before the in-order decisions.
pub struct Pending<T> {
    pub row: u32,
    pub line: u64,
    /// Byte offset of the row in the decoded text (to re-read it when its hash matches another).
    pub start: u64,
    pub outcome: Outcome<T>,
}

pub enum Outcome<T> {
    Ragged {
        found: usize,
    },
    Empty,
    Parsed {
        hash: u64,
        result: std::result::Result<T, Rejection>,
    },
}

/// Parses every data row of a loaded file. Reading the next chunk (sequential) overlaps with
/// parsing the current one (parallel).
pub fn read_rows<T: SourceRow>(file: &LoadedFile, ctx: &Context<'_>) -> Result<Vec<Pending<T>>> {
    let mut rdr = reader(&file.text, file.delimiter);
    let mut current = Chunk::new();
    let mut next = Chunk::new();
    let mut lines = LineCounter::default();
    // Sized up front from the line count: growing a vector of large rows by doubling would copy
    // every row again (a quoted line break only makes this an overestimate).
    let mut out = Vec::with_capacity(file.text.iter().filter(|&&b| b == b'\n').count() + 1);
    let mut header = ByteRecord::new();
    read_one(&mut rdr, &mut header, file)?;
    current.fill(&mut rdr, &mut lines, file)?;
    let mut rows_before: u32 = 0;
    loop {
        let first = rows_before;
        let n = current.len;
        let more = n == CHUNK;
        let (filled, parsed) = rayon::join(
            || {
                if more {
                    next.fill(&mut rdr, &mut lines, file)
                } else {
                    Ok(())
                }
            },
            || {
                (0..n)
                    .into_par_iter()
                    .map(|i| {
                        let (line, start) = current.at[i];
                        parse_row(
                            &current.records[i],
                            first + 1 + i as u32,
                            line,
                            start,
                            file,
                            ctx,
                        )
                    })
                    .collect::<Vec<Pending<T>>>()
            },
        );
        out.extend(parsed);
        rows_before = rows_before
            .checked_add(n as u32)
            .ok_or_else(|| Error::input(Location::file(&file.path), "more than 4 billion rows"))?;
        if !more {
            return Ok(out);
        }
        filled?;
        std::mem::swap(&mut current, &mut next);
    }
}

/// A reused buffer of rows with their (line, byte offset).
struct Chunk {
    records: Vec<ByteRecord>,
    at: Vec<(u64, u64)>,
    len: usize,
}

impl Chunk {
    fn new() -> Chunk {
        Chunk {
            records: (0..CHUNK).map(|_| ByteRecord::new()).collect(),
            at: vec![(0, 0); CHUNK],
            len: 0,
        }
    }

    /// Reads up to [`CHUNK`] rows.
    fn fill(
        &mut self,
        rdr: &mut csv::Reader<&[u8]>,
        lines: &mut LineCounter,
        file: &LoadedFile,
    ) -> Result<()> {
        self.len = 0;
        while self.len < CHUNK && read_one(rdr, &mut self.records[self.len], file)? {
            let byte = self.records[self.len].position().map_or(0, |p| p.byte());
            self.at[self.len] = lines.locate(&file.text, byte);
            self.len += 1;
        }
        Ok(())
    }
}

fn read_one(rdr: &mut csv::Reader<&[u8]>, rec: &mut ByteRecord, file: &LoadedFile) -> Result<bool> {
    rdr.read_byte_record(rec).map_err(|e| {
        let byte = e.position().map_or(0, |p| p.byte());
        let line = LineCounter::default().locate(&file.text, byte).0;
        Error::input(
            Location::file(&file.path).line(line),
            format!("cannot read the row: {e}"),
        )
    })
}

fn parse_row<T: SourceRow>(
    rec: &ByteRecord,
    row: u32,
    line: u64,
    start: u64,
    file: &LoadedFile,
    ctx: &Context<'_>,
) -> Pending<T> {
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
        Outcome::Parsed {
            hash: hash_fields(rec.iter()),
            result,
        }
    };
    Pending {
        row,
        line,
        start,
        outcome,
    }
}

/// 64-bit hash of a sequence of byte strings, field boundaries included: a folded multiply per
/// 8 bytes (the wyhash/foldhash idea). Not cryptographic; every match is verified by the caller.
pub fn hash_fields<'a>(fields: impl Iterator<Item = &'a [u8]>) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    #[inline]
    fn fold(a: u64, b: u64) -> u64 {
        let m = u128::from(a) * u128::from(b);
        (m as u64) ^ ((m >> 64) as u64)
    }
    let mut h: u64 = 0xD1B5_4A32_D192_ED03;
    for f in fields {
        h = fold(h ^ f.len() as u64, K);
        let mut chunks = f.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
            h = fold(h ^ w, K ^ 0xA076_1D64_78BD_642F);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut buf = [0u8; 8];
            buf[..rest.len()].copy_from_slice(rest);
            h = fold(h ^ u64::from_le_bytes(buf), K ^ 0xE703_7ED1_A0B4_28DB);
        }
    }
    fold(h, K)
}

/// A `Hasher` for keys that already are good 64-bit hashes.
#[derive(Default)]
struct PassThrough(u64);
impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}
type HashedMap<V> = HashMap<u64, V, BuildHasherDefault<PassThrough>>;

/// The fields of the row starting at byte `start` of the decoded text.
fn row_at(file: &LoadedFile, start: u64) -> ByteRecord {
    let mut rec = ByteRecord::new();
    let text = file.text.get(start as usize..).unwrap_or_default();
    // The row was read before from the same bytes; reading it again cannot fail.
    let _ = reader(text, file.delimiter).read_byte_record(&mut rec);
    rec
}

/// Earlier rows by hash: the first (row, byte offset) per hash, plus rare true collisions.
#[derive(Default)]
struct SeenRows {
    first: HashedMap<(u32, u64)>,
    collided: Vec<(u64, u32, u64)>,
}

impl SeenRows {
    /// The row number of an earlier exact copy of the row at `start`, or records it as seen.
    fn copy_of(&mut self, file: &LoadedFile, hash: u64, row: u32, start: u64) -> Option<u32> {
        let Some(&(first_row, first_start)) = self.first.get(&hash) else {
            self.first.insert(hash, (row, start));
            return None;
        };
        let this = row_at(file, start);
        let same = |other: u64| row_at(file, other).iter().eq(this.iter());
        if same(first_start) {
            return Some(first_row);
        }
        let earlier = self
            .collided
            .iter()
            .find(|(h, _, s)| *h == hash && same(*s))
            .map(|(_, r, _)| *r);
        if earlier.is_none() {
            self.collided.push((hash, row, start));
        }
        earlier
    }
}

/// The accepted records and rejected rows of one source.
pub struct Decided<T> {
    pub records: Vec<T>,
    pub quarantine: Vec<QuarantinedRow>,
    pub rows_read: u64,
}

/// Makes the in-order decisions (repeated rows, dates, uniqueness) for parsed rows. `reference` is
/// `None` only for sources without dates: `gebieden.csv` (read before the reference date is known)
/// and an offers file read on its own.
pub fn decide<T: SourceRow>(
    pending: Vec<Pending<T>>,
    file: &LoadedFile,
    reference: Option<NaiveDate>,
) -> Decided<T> {
    let rows_read = pending.len() as u64;
    let mut records: Vec<T> = Vec::with_capacity(pending.len());
    let mut quarantine = Vec::new();
    let mut seen_rows = SeenRows::default();
    // Unique value hash -> index into `records` of its first holder (verified by comparing
    // values), plus true collisions.
    let mut seen_keys: HashedMap<usize> = HashedMap::default();
    let mut key_collided: Vec<(u64, usize)> = Vec::new();
    let width = file.columns.width;
    // (line, byte offset) of each accepted record, for the file-level checks below.
    let mut origin: Vec<(u64, u64)> = Vec::with_capacity(pending.len());
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
            Outcome::Parsed { hash, result } => {
                if let Some(first) = seen_rows.copy_of(file, hash, p.row, p.start) {
                    reject(
                        "",
                        String::new(),
                        Reason::DuplicateRow,
                        format!("exact copy of row {first} (the first copy is kept)"),
                    );
                    continue;
                }
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
                    let same = |i: usize| records[i].unique_value() == Some(value);
                    let earlier = match seen_keys.get(&key) {
                        None => {
                            seen_keys.insert(key, records.len());
                            None
                        }
                        Some(&i) if same(i) => Some(i),
                        Some(_) => {
                            let found = key_collided
                                .iter()
                                .find(|(k, i)| *k == key && same(*i))
                                .map(|(_, i)| *i);
                            if found.is_none() {
                                key_collided.push((key, records.len()));
                            }
                            found
                        }
                    };
                    if let Some(i) = earlier {
                        let first_row = records[i].row();
                        // The raw value is re-read from the file (rare path), shown safely.
                        let this = row_at(file, p.start);
                        let raw = file
                            .columns
                            .index(col)
                            .and_then(|i| this.get(i))
                            .map(String::from_utf8_lossy)
                            .unwrap_or_default();
                        reject(
                            file.columns.header(col),
                            safe_value(col, &raw),
                            reason,
                            format!("{what} already on row {first_row} (the first row is kept)"),
                        );
                        continue;
                    }
                }
                records.push(record);
                origin.push((p.line, p.start));
            }
        }
    }
    // 7. checks against the whole file (a survey weight far above the file's median).
    let flagged = T::file_checks(&records);
    if !flagged.is_empty() {
        let mut drop = vec![false; records.len()];
        for (i, r) in flagged {
            drop[i] = true;
            let (line, start) = origin[i];
            let this = row_at(file, start);
            let raw = file
                .columns
                .index(r.column)
                .and_then(|c| this.get(c))
                .map(String::from_utf8_lossy)
                .unwrap_or_default();
            quarantine.push(QuarantinedRow {
                row: records[i].row(),
                line,
                column: file.columns.header(r.column).to_string(),
                value: safe_value(r.column, &raw),
                reason: r.reason,
                detail: r.detail,
            });
        }
        let mut keep = drop.iter().map(|d| !d);
        records.retain(|_| keep.next().unwrap_or(true));
        quarantine.sort_by_key(|q| q.row);
    }
    Decided {
        records,
        quarantine,
        rows_read,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::SourceKind;
    use crate::sources::config::StudyConfig;

    fn loaded(text: &str) -> (tempfile::TempDir, LoadedFile) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("veiligheid.csv"), text).unwrap();
        let spec = SourceKind::Veiligheid.spec();
        let file = crate::sources::dialect::load(dir.path(), spec, &StudyConfig::default())
            .unwrap_or_else(|e| panic!("{e:?}"));
        (dir, file)
    }

    fn starts(file: &LoadedFile) -> Vec<u64> {
        let mut rdr = reader(&file.text, file.delimiter);
        let mut rec = ByteRecord::new();
        let mut out = Vec::new();
        while rdr.read_byte_record(&mut rec).unwrap() {
            out.push(rec.position().unwrap().byte());
        }
        out[1..].to_vec()
    }

    #[test]
    fn forced_hash_collisions_are_verified_field_by_field() {
        let (_dir, file) =
            loaded("buurtcode,veiligheidsindex,overlast\nBU1,1,2\nBU2,1,2\n\"BU1\",1,2\nBU2,1,2\n");
        let s = starts(&file);
        let mut seen = SeenRows::default();
        // Every row gets the same (fake) hash: only real copies may be reported.
        assert_eq!(seen.copy_of(&file, 7, 1, s[0]), None);
        assert_eq!(seen.copy_of(&file, 7, 2, s[1]), None);
        // Quoting does not change the fields: row 3 is a copy of row 1.
        assert_eq!(seen.copy_of(&file, 7, 3, s[2]), Some(1));
        assert_eq!(seen.copy_of(&file, 7, 4, s[3]), Some(2));
    }

    #[test]
    fn field_boundaries_are_part_of_the_hash() {
        let a: [&[u8]; 2] = [b"ab", b"c"];
        let b: [&[u8]; 2] = [b"a", b"bc"];
        assert_ne!(hash_fields(a.into_iter()), hash_fields(b.into_iter()));
        let long: [&[u8]; 1] = [b"0123456789abcdefXYZ"];
        let long2: [&[u8]; 1] = [b"0123456789abcdefXYz"];
        assert_ne!(
            hash_fields(long.into_iter()),
            hash_fields(long2.into_iter())
        );
    }
}
