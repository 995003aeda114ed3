//! Rejected rows: one entry per rejected input row, written to `OUT/quarantine/<source>.csv`.
//!
//! Values are shown safely: a `bsn` value is masked (`*******42`), any run of 8 or more digits in
//! another column is masked the same way (a BSN typed into the wrong column must not leak), and
//! long values are cut.

use std::collections::BTreeMap;
use std::path::Path;

use crate::contract::bsn::mask;
use crate::contract::{Reason, SourceKind};
use crate::error::{Error, Result};

/// Longest value (in characters) shown in a quarantine file.
pub const MAX_VALUE_CHARS: usize = 60;

/// One rejected input row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarantinedRow {
    /// 1-based data row number (first row after the header is 1).
    pub row: u32,
    /// Physical line in the file where the row starts (the header is on line 1).
    pub line: u64,
    /// Header name of the offending column as written in the file; empty for whole-row reasons.
    pub column: String,
    /// The offending value, masked and cut (see the module documentation).
    pub value: String,
    pub reason: Reason,
    /// Human explanation: what was expected.
    pub detail: String,
}

/// Rejected rows per source, in file order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Quarantine {
    pub by_source: BTreeMap<SourceKind, Vec<QuarantinedRow>>,
}

impl Quarantine {
    pub fn rows(&self, source: SourceKind) -> &[QuarantinedRow] {
        self.by_source.get(&source).map_or(&[], Vec::as_slice)
    }

    /// Writes `dir/<source>.csv` for every source that was read (a header-only file means nothing
    /// was rejected), and removes such a file left by an earlier run for a source that is now
    /// absent, so the folder never reports rows that were not read this time.
    pub fn write(&self, dir: &Path) -> Result<()> {
        crate::io::ensure_dir(dir)?;
        for spec in crate::contract::files::SOURCES {
            let path = dir.join(format!("{}.csv", spec.name));
            match self.by_source.get(&spec.kind) {
                Some(rows) => {
                    crate::io::write_atomic(&path, &to_csv(rows).map_err(|e| Error::io(&path, e))?)?
                }
                None if path.exists() => {
                    std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?
                }
                None => {}
            }
        }
        Ok(())
    }
}

fn to_csv(rows: &[QuarantinedRow]) -> std::io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["row", "line", "column", "value", "reason", "detail"])?;
    for r in rows {
        w.write_record([
            r.row.to_string().as_str(),
            r.line.to_string().as_str(),
            &crate::io::csv_text(&r.column),
            &crate::io::csv_text(&r.value),
            r.reason.code(),
            &crate::io::csv_text(&r.detail),
        ])?;
    }
    w.into_inner().map_err(|e| e.into_error())
}

/// Shows a value of column `column` safely: BSNs masked, long digit runs masked, cut to
/// [`MAX_VALUE_CHARS`].
pub fn safe_value(column: &str, raw: &str) -> String {
    if column.eq_ignore_ascii_case("bsn") {
        let t = raw.trim();
        if t.is_ascii() && t.len() <= MAX_VALUE_CHARS {
            // Fast path (computed for every BRP row): same result as `mask`.
            let keep = t.len().min(2);
            let mut s = "*".repeat(t.len() - keep);
            s.push_str(&t[t.len() - keep..]);
            return s;
        }
        return cut(&mask(raw));
    }
    cut(&mask_digit_runs(&crate::io::strip_controls(raw)))
}

/// Masks every run of 8 or more ASCII digits but its last two, so an 8/9-digit BSN in a free-text
/// column cannot leak into a quarantine file or message. Digits joined by single separators
/// (`.`, `-`, space, `/`, `_`) count as one run, so `0112.89.363`, `617-619-438` and `618 102 140`
/// are masked too; a date shape (`2024-01-31`, `31-01-2024`) is left as it is.
pub fn mask_digit_runs(raw: &str) -> String {
    let chars: Vec<char> = raw.chars().collect();
    let is_sep = |c: char| matches!(c, '.' | '-' | ' ' | '/' | '_');
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // Extend over digits and single separators followed by a digit.
        let mut j = i;
        while j < chars.len() {
            let joins = is_sep(chars[j]) && j + 1 < chars.len() && chars[j + 1].is_ascii_digit();
            if chars[j].is_ascii_digit() || joins {
                j += 1;
            } else {
                break;
            }
        }
        let run: String = chars[i..j].iter().collect();
        let digits: String = run.chars().filter(char::is_ascii_digit).collect();
        if digits.len() >= 8 && !is_date_shape(&run) {
            out.push_str(&mask(&digits));
        } else {
            out.push_str(&run);
        }
        i = j;
    }
    out
}

fn is_date_shape(run: &str) -> bool {
    let groups: Vec<usize> = run
        .split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .collect();
    let seps: Vec<char> = run.chars().filter(|c| !c.is_ascii_digit()).collect();
    seps.len() == 2
        && seps[0] == seps[1]
        && matches!(seps[0], '-' | '/' | '.')
        && (groups == [4, 2, 2] || groups == [2, 2, 4])
}

fn cut(s: &str) -> String {
    if s.chars().count() <= MAX_VALUE_CHARS {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(MAX_VALUE_CHARS - 1).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_masked_and_cut() {
        assert_eq!(safe_value("BSN", "111222333"), "*******33");
        assert_eq!(safe_value("bsn", " 1 "), mask("1"));
        assert_eq!(safe_value("bsn", ""), mask(""));
        assert_eq!(safe_value("bsn", "12é45"), mask("12é45"));
        assert_eq!(safe_value("naam", "Jan 111222333 x"), "Jan *******33 x");
        assert_eq!(safe_value("naam", "1234567"), "1234567");
        for sep in [
            "0112.89.363",
            "617-619-438",
            "618 102 140",
            "x 61761.9438 y",
        ] {
            let shown = safe_value("naam", sep);
            assert_eq!(
                shown.chars().filter(char::is_ascii_digit).count(),
                2,
                "{sep} -> {shown}"
            );
        }
        assert_eq!(safe_value("datum", "2024-13-01"), "2024-13-01");
        assert_eq!(safe_value("datum", "31-02-2024"), "31-02-2024");
        let long = "a".repeat(100);
        assert_eq!(safe_value("naam", &long).chars().count(), MAX_VALUE_CHARS);
    }
}
