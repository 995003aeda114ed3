//! CSV and date formatting shared by the study files ([`super::files`]) and the truth
//! ([`super::truth`]). It lives below both so that neither imports the other for it (the two
//! used to import each other: files -> truth for the truth folder, truth -> files for these).

use chrono::NaiveDate;

use crate::error::{Error, Result};

pub(crate) fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Writes rows as CSV with the given delimiter into UTF-8 bytes.
pub(crate) fn csv_bytes<I, R>(header: &[&str], rows: I, delimiter: u8) -> Result<Vec<u8>>
where
    I: IntoIterator<Item = R>,
    R: IntoIterator,
    R::Item: AsRef<[u8]>,
{
    csv_bytes_with(header, rows, delimiter, csv::Terminator::Any(b'\n'))
}

/// As [`csv_bytes`] with a chosen line ending (the Windows export uses CRLF).
pub(crate) fn csv_bytes_with<I, R>(
    header: &[&str],
    rows: I,
    delimiter: u8,
    terminator: csv::Terminator,
) -> Result<Vec<u8>>
where
    I: IntoIterator<Item = R>,
    R: IntoIterator,
    R::Item: AsRef<[u8]>,
{
    let mut w = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .terminator(terminator)
        .from_writer(Vec::new());
    let err = |e: csv::Error| Error::Data(format!("writing CSV: {e}"));
    w.write_record(header).map_err(err)?;
    for r in rows {
        w.write_record(r).map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| Error::Data(format!("writing CSV: {e}")))
}
