//! File dialects: encoding, delimiter and header of one export.
//!
//! Rules (INPUTS.md "File dialect"):
//! - Encoding: a UTF-8 byte-order mark means UTF-8 (`utf-8-bom`); else bytes that are valid UTF-8
//!   are UTF-8; anything else is read as Windows-1252 (every byte sequence is valid there, so a
//!   file is never refused for its encoding).
//! - A file holding a NUL byte is not a text file: a fatal error naming its line.
//! - An empty file (0 bytes, or only a BOM, spaces and line breaks) has no header: a fatal error.
//!   A file with a header and no rows is valid and has 0 rows.
//! - Delimiter: whichever of `;` and `,` occurs more often outside quotes in the header line
//!   (`,` on a tie, including a one-column header); an Excel `sep=;` first line decides it instead.
//! - UTF-16 (Excel's "Unicode text") is refused with a message saying how to re-save the file.
//! - Header names are matched ignoring case and surrounding spaces; `study.toml` may map a spec
//!   column to another header name. A missing required column is fatal; a missing optional column
//!   leaves its values missing; unknown columns are kept as extra columns. A spec column present
//!   twice is fatal (which one would be meant?).

use std::path::{Path, PathBuf};

use crate::contract::SourceSpec;
use crate::error::{Error, IoContext, Location};

use super::config::StudyConfig;

/// How a file's bytes were decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Windows1252,
}

impl Encoding {
    pub fn code(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf8Bom => "utf-8-bom",
            Encoding::Windows1252 => "windows-1252",
        }
    }
}

/// A source file read into memory as UTF-8 text, with its detected dialect and header.
#[derive(Debug)]
pub struct LoadedFile {
    pub path: PathBuf,
    /// File name relative to the study folder (for summaries).
    pub file_name: String,
    /// The text as UTF-8 bytes, BOM removed.
    pub text: Vec<u8>,
    pub encoding: Encoding,
    pub delimiter: u8,
    pub columns: ColumnMap,
}

/// Where each spec column sits in the file, and which columns are extra.
#[derive(Debug, Clone)]
pub struct ColumnMap {
    /// Spec column name, its field index when present, and the header as written in the file.
    spec: Vec<(&'static str, Option<usize>, String)>,
    /// Field index and header name of each unknown column.
    pub extra: Vec<(usize, String)>,
    /// Number of fields in the header.
    pub width: usize,
    /// Physical line of the header (1 unless blank lines precede it).
    pub header_line: u64,
}

impl ColumnMap {
    /// Field index of a spec column; `None` when the (optional) column is absent.
    #[inline]
    pub fn index(&self, column: &str) -> Option<usize> {
        // Called for every cell: compare length and first byte before the bytes.
        let (len, first) = (column.len(), column.as_bytes().first());
        self.spec
            .iter()
            .find(|(name, _, _)| {
                name.len() == len && name.as_bytes().first() == first && *name == column
            })
            .and_then(|(_, idx, _)| *idx)
    }

    /// The header of a spec column as the file writes it (the spec name when absent).
    pub fn header<'a>(&'a self, column: &'a str) -> &'a str {
        self.spec
            .iter()
            .find(|(name, _, _)| *name == column)
            .map_or(column, |(name, idx, written)| {
                if idx.is_some() {
                    written.as_str()
                } else {
                    name
                }
            })
    }

    /// Optional spec columns the file lacks.
    pub fn absent_columns(&self) -> Vec<String> {
        self.spec
            .iter()
            .filter(|(_, idx, _)| idx.is_none())
            .map(|(name, _, _)| name.to_string())
            .collect()
    }

    pub fn extra_names(&self) -> Vec<String> {
        self.extra.iter().map(|(_, n)| n.clone()).collect()
    }
}

/// Reads, decodes and checks the header of one source file. Returns every fatal problem found
/// (all missing columns at once, so an analyst can fix the export in one go).
pub fn load(
    study_dir: &Path,
    spec: &SourceSpec,
    config: &StudyConfig,
) -> std::result::Result<LoadedFile, Vec<Error>> {
    load_path(
        config.file_path(study_dir, spec),
        config.file_name(spec),
        spec,
        config,
    )
}

/// [`load`] for a file at any path (a proposed `sociale_kaart` outside the study folder):
/// the same decoding, dialect detection and header checks, with `config`'s column names.
pub fn load_path(
    path: PathBuf,
    file_name: String,
    spec: &SourceSpec,
    config: &StudyConfig,
) -> std::result::Result<LoadedFile, Vec<Error>> {
    let bytes = std::fs::read(&path).at(&path).map_err(|e| vec![e])?;
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(vec![Error::input(
            Location::file(&path).line(1),
            "this file is UTF-16 text (Excel's \"Unicode text\"); expected UTF-8 or Windows-1252: \
             save it as \"CSV UTF-8\"",
        )]);
    }
    let (mut text, encoding) = decode(bytes);
    if let Some(pos) = text.iter().position(|&b| b == 0) {
        let line = 1 + text[..pos].iter().filter(|&&b| b == b'\n').count() as u64;
        return Err(vec![Error::input(
            Location::file(&path).line(line),
            format!(
                "this is not a text file (binary data at byte {}); expected a CSV export with a \
                 header row",
                pos + 1
            ),
        )]);
    }
    if text.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(vec![Error::input(
            Location::file(&path).line(1),
            format!(
                "the file is empty; expected a header row with the columns {}",
                spec.required_columns.join(", ")
            ),
        )]);
    }
    let delimiter = take_excel_separator_line(&mut text).unwrap_or_else(|| detect_delimiter(&text));
    let mut reader = reader(&text, delimiter);
    let mut header = csv::ByteRecord::new();
    // Cannot fail on an in-memory slice with ByteRecord; a failure would still be reported.
    let got = reader.read_byte_record(&mut header).map_err(|e| {
        vec![Error::input(
            Location::file(&path).line(1),
            format!("cannot read the header row: {e}"),
        )]
    })?;
    if !got {
        return Err(vec![Error::input(
            Location::file(&path).line(1),
            "no header row; expected a header row".to_string(),
        )]);
    }
    let header_line = LineCounter::default()
        .locate(&text, header.position().map_or(0, |p| p.byte()))
        .0;
    let columns = map_columns(&header, header_line, spec, config, &path, delimiter)?;
    Ok(LoadedFile {
        path,
        file_name,
        text,
        encoding,
        delimiter,
        columns,
    })
}

/// A CSV reader over decoded text with the settings every source uses: no automatic header
/// (the header is read and checked by hand), flexible field counts (ragged rows are reported, not
/// fatal).
pub fn reader(text: &[u8], delimiter: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text)
}

/// Decodes file bytes per the module's rules.
pub fn decode(mut bytes: Vec<u8>) -> (Vec<u8>, Encoding) {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
        return match String::from_utf8(bytes) {
            Ok(s) => (s.into_bytes(), Encoding::Utf8Bom),
            // A BOM followed by invalid UTF-8: read the rest as Windows-1252 rather than fail.
            Err(e) => (windows_1252(&e.into_bytes()), Encoding::Windows1252),
        };
    }
    if std::str::from_utf8(&bytes).is_ok() {
        (bytes, Encoding::Utf8)
    } else {
        (windows_1252(&bytes), Encoding::Windows1252)
    }
}

fn windows_1252(bytes: &[u8]) -> Vec<u8> {
    let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
    text.into_owned().into_bytes()
}

/// Excel writes `sep=;` as the first line of some CSV exports. When present, it decides the
/// delimiter and is blanked out: its bytes become `\r` (a line break the reader skips, and not a
/// line feed, so physical line numbers of the rows stay right).
pub fn take_excel_separator_line(text: &mut [u8]) -> Option<u8> {
    let end = text.iter().position(|&b| b == b'\n').unwrap_or(text.len());
    let line = text[..end].strip_suffix(b"\r").unwrap_or(&text[..end]);
    let delimiter = match line {
        [s, e, p, b'=', d] if [s, e, p].map(u8::to_ascii_lowercase) == [b's', b'e', b'p'] => *d,
        _ => return None,
    };
    if !matches!(delimiter, b',' | b';') {
        return None;
    }
    text[..end].fill(b'\r');
    Some(delimiter)
}

/// `;` or `,`: whichever occurs more often outside quotes on the first non-blank line.
pub fn detect_delimiter(text: &[u8]) -> u8 {
    let start = text
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    let (mut semi, mut comma, mut quoted) = (0usize, 0usize, false);
    for &b in &text[start..] {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            b';' if !quoted => semi += 1,
            b',' if !quoted => comma += 1,
            _ => {}
        }
    }
    if semi > comma {
        b';'
    } else {
        b','
    }
}

fn map_columns(
    header: &csv::ByteRecord,
    header_line: u64,
    spec: &SourceSpec,
    config: &StudyConfig,
    path: &Path,
    delimiter: u8,
) -> std::result::Result<ColumnMap, Vec<Error>> {
    let names: Vec<String> = header
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let n = String::from_utf8_lossy(f).trim().to_string();
            if n.is_empty() {
                format!("(unnamed column {})", i + 1)
            } else {
                n
            }
        })
        .collect();
    let at = |column: &str| Location::file(path).line(header_line).column(column);
    // A file without its header row: its first line is a resident's data, which must not be
    // echoed. It looks like data when no known column name is in it and a field holds a digit.
    let known = |n: &String| {
        spec.required_columns
            .iter()
            .chain(spec.optional_columns.iter())
            .any(|c| n.eq_ignore_ascii_case(config.column_name(spec, c).trim()))
    };
    if !names.iter().any(known) && names.iter().any(|n| n.chars().any(|c| c.is_ascii_digit())) {
        return Err(vec![Error::input(
            Location::file(path).line(header_line),
            format!(
                "the first line looks like data, not a header: expected a header row naming the \
                 columns ({} ...); its values are not shown because they may describe a person",
                spec.required_columns
                    .iter()
                    .take(4)
                    .map(|c| config.column_name(spec, c))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        )]);
    }
    let mut errors = Vec::new();
    let mut used = vec![false; names.len()];
    let mut mapped = Vec::new();
    for (required, column) in spec
        .required_columns
        .iter()
        .map(|c| (true, *c))
        .chain(spec.optional_columns.iter().map(|c| (false, *c)))
    {
        let wanted = config.column_name(spec, column);
        let hits: Vec<usize> = names
            .iter()
            .enumerate()
            .filter(|(_, n)| n.eq_ignore_ascii_case(wanted.trim()))
            .map(|(i, _)| i)
            .collect();
        match hits.as_slice() {
            [] if required => {
                let renamed = if wanted != column {
                    format!(" (named '{wanted}' by study.toml)")
                } else {
                    String::new()
                };
                let hint = if names.len() == 1 {
                    format!(
                        "; the header has a single column, so the delimiter was not recognised \
                         (expected ',' or ';', detected '{}')",
                        char::from(delimiter)
                    )
                } else {
                    String::new()
                };
                errors.push(Error::input(
                    at(&wanted),
                    format!(
                        "missing required column '{column}'{renamed}; found columns: {}{hint}",
                        shown_names(&names)
                    ),
                ));
                mapped.push((column, None, wanted));
            }
            [] => mapped.push((column, None, wanted)),
            [i] if used[*i] => {
                let other = mapped
                    .iter()
                    .find(|(_, idx, _)| *idx == Some(*i))
                    .map_or("another column", |(name, _, _)| *name);
                errors.push(Error::input(
                    at(&names[*i]),
                    format!(
                        "header '{}' would serve both '{other}' and '{column}'; check [columns.{}] \
                         in study.toml",
                        names[*i], spec.name
                    ),
                ));
                mapped.push((column, None, wanted));
            }
            [i] => {
                used[*i] = true;
                mapped.push((column, Some(*i), names[*i].clone()));
            }
            many => {
                errors.push(Error::input(
                    at(&wanted),
                    format!(
                        "column '{wanted}' appears {} times in the header (fields {}); expected \
                         it once",
                        many.len(),
                        many.iter()
                            .map(|i| (i + 1).to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
                mapped.push((column, None, wanted));
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let extra = names
        .iter()
        .enumerate()
        .filter(|(i, _)| !used[*i])
        .map(|(i, n)| (i, n.clone()))
        .collect();
    Ok(ColumnMap {
        spec: mapped,
        extra,
        width: names.len(),
        header_line,
    })
}

/// The header names for a message, cut and with digit runs masked: a file without a header row
/// has a data row there, and its BSN must not end up in an error message.
fn shown_names(names: &[String]) -> String {
    let shown: Vec<String> = names
        .iter()
        .take(40)
        .map(|n| super::quarantine::safe_value("", n))
        .collect();
    let more = names.len().saturating_sub(40);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// Physical line numbers of records, counted from byte offsets.
///
/// The `csv` crate's own line numbers are off by one in CRLF files, and a record's byte offset may
/// point at a skipped line break before it; so the record's first content byte is found by
/// skipping CR/LF bytes, and its line is 1 + the line feeds before that byte. Records arrive in
/// file order, so counting continues from the previous record (linear in the file size).
#[derive(Debug, Default, Clone)]
pub struct LineCounter {
    byte: usize,
    newlines: u64,
}

impl LineCounter {
    /// Returns (line, first content byte) of a record whose `csv` position is `record_byte`.
    pub fn locate(&mut self, text: &[u8], record_byte: u64) -> (u64, u64) {
        let mut start = (record_byte as usize).min(text.len());
        while start < text.len() && matches!(text[start], b'\r' | b'\n') {
            start += 1;
        }
        if start >= self.byte {
            self.newlines += text[self.byte..start]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
        } else {
            self.newlines = text[..start].iter().filter(|&&b| b == b'\n').count() as u64;
        }
        self.byte = start;
        (self.newlines + 1, start as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_are_detected() {
        assert_eq!(decode(b"a,b\n".to_vec()).1, Encoding::Utf8);
        let (t, e) = decode(b"\xEF\xBB\xBFa,b\n".to_vec());
        assert_eq!((t.as_slice(), e), (&b"a,b\n"[..], Encoding::Utf8Bom));
        let (t, e) = decode(b"Ren\xe9\n".to_vec());
        assert_eq!(e, Encoding::Windows1252);
        assert_eq!(String::from_utf8(t).unwrap(), "René\n");
    }

    #[test]
    fn lines_are_right_for_crlf_blank_lines_and_quoted_newlines() {
        for (text, want) in [
            (&b"h1,h2\r\na,b\r\nc,d\r\n"[..], vec![1, 2, 3]),
            (b"h1,h2\r\n\r\n\r\na,b\r\nc,d\r\n", vec![1, 4, 5]),
            (b"h1,h2\n\n\na,b\nc,d\n", vec![1, 4, 5]),
            (b"\n\nh1,h2\na,\"x\ny\"\nc,d", vec![3, 4, 6]),
            (b"h1,h2\r\na,\"x\r\ny\"\r\n,d\r\n", vec![1, 2, 4]),
        ] {
            let mut rdr = reader(text, b',');
            let mut rec = csv::ByteRecord::new();
            let mut counter = LineCounter::default();
            let mut lines = Vec::new();
            while rdr.read_byte_record(&mut rec).unwrap() {
                lines.push(counter.locate(text, rec.position().unwrap().byte()).0);
            }
            assert_eq!(lines, want, "{}", String::from_utf8_lossy(text));
        }
    }

    #[test]
    fn excel_separator_line_sets_the_delimiter_and_keeps_line_numbers() {
        let mut text = b"sep=;\r\na;b\r\n1;2\r\n".to_vec();
        assert_eq!(take_excel_separator_line(&mut text), Some(b';'));
        let mut rdr = reader(&text, b';');
        let mut rec = csv::ByteRecord::new();
        let mut counter = LineCounter::default();
        let mut got = Vec::new();
        while rdr.read_byte_record(&mut rec).unwrap() {
            let line = counter.locate(&text, rec.position().unwrap().byte()).0;
            got.push((line, rec.iter().map(|f| f.to_vec()).collect::<Vec<_>>()));
        }
        assert_eq!(
            got,
            vec![
                (2, vec![b"a".to_vec(), b"b".to_vec()]),
                (3, vec![b"1".to_vec(), b"2".to_vec()])
            ]
        );
        let mut plain = b"bsn,sep\n".to_vec();
        assert_eq!(take_excel_separator_line(&mut plain), None);
        assert_eq!(plain, b"bsn,sep\n");
    }

    #[test]
    fn delimiter_counts_outside_quotes() {
        assert_eq!(detect_delimiter(b"a;b;c\n1,2;3"), b';');
        assert_eq!(detect_delimiter(b"a,b,\"c;d;e\"\n"), b',');
        assert_eq!(detect_delimiter(b"\n\na;b\n"), b';');
        assert_eq!(detect_delimiter(b"abc\n"), b',');
    }
}
