//! The record shape the engine links: a columnar table of optional strings with an id column.
//!
//! Columnar because every comparison reads one column across all records; an empty cell is
//! `None` (missing), which every comparison treats as neutral evidence.

use std::path::Path;

use crate::error::{Error, IoContext, Location, Result};

/// One column: all cells in one string, so scanning a 500,000-row register column is a
/// sequential read instead of 500,000 pointer chases. An empty cell is missing.
#[derive(Debug, Clone, Default)]
pub struct Column {
    text: String,
    /// End offset of each cell in `text`; a cell starts where the previous one ends.
    ends: Vec<u32>,
}

impl Column {
    /// The cell of `row`, or None when it is missing.
    #[inline]
    pub fn get(&self, row: usize) -> Option<&str> {
        let end = self.ends[row] as usize;
        let start = if row == 0 {
            0
        } else {
            self.ends[row - 1] as usize
        };
        (end > start).then(|| &self.text[start..end])
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    fn push(&mut self, cell: Option<&str>) -> Result<()> {
        self.text.push_str(cell.unwrap_or(""));
        let end = u32::try_from(self.text.len());
        crate::ensure!(end.is_ok(), Data: "a column holds more than 4 GiB of text");
        self.ends.push(end.unwrap_or(u32::MAX));
        Ok(())
    }
}

/// A table of string fields. Column names are matched case-insensitively, trimmed.
#[derive(Debug, Clone, Default)]
pub struct RecordTable {
    /// Lowercased, trimmed column names.
    names: Vec<String>,
    columns: Vec<Column>,
    rows: usize,
}

impl RecordTable {
    /// An empty table with these columns.
    pub fn new(names: &[&str]) -> RecordTable {
        RecordTable {
            names: names.iter().map(|n| n.trim().to_lowercase()).collect(),
            columns: vec![Column::default(); names.len()],
            rows: 0,
        }
    }

    /// Appends a row; empty or whitespace-only cells become missing.
    pub fn push_row<S: AsRef<str>>(&mut self, cells: &[Option<S>]) -> Result<()> {
        crate::ensure!(cells.len() == self.names.len(), Data: "row has {} cells, the table has {} columns", cells.len(), self.names.len());
        for (col, cell) in self.columns.iter_mut().zip(cells) {
            col.push(cell.as_ref().map(|s| s.as_ref().trim()))?;
        }
        self.rows += 1;
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    pub fn column_names(&self) -> &[String] {
        &self.names
    }

    /// The index of a column, matched case-insensitively.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        let wanted = name.trim().to_lowercase();
        self.names.iter().position(|n| *n == wanted)
    }

    /// A column's cells.
    pub fn column(&self, index: usize) -> &Column {
        &self.columns[index]
    }

    /// A column by name, or a Config error naming the side and the columns that exist.
    pub fn column_by_name(&self, side: &str, name: &str) -> Result<&Column> {
        match self.column_index(name) {
            Some(i) => Ok(&self.columns[i]),
            None => {
                crate::bail!(Config: "the {side} records have no column '{name}' (columns: {})", self.names.join(", "))
            }
        }
    }

    /// Reads a CSV file: header row required, `,` or `;` detected from the header, UTF-8 (BOM
    /// allowed) or Windows-1252, names case-insensitive. Ragged rows are an error naming the line.
    pub fn from_csv_path(path: &Path) -> Result<RecordTable> {
        let bytes = std::fs::read(path).at(path)?;
        let text = decode(&bytes);
        let header_line = text.lines().next().unwrap_or("");
        let delimiter = if header_line.matches(';').count() > header_line.matches(',').count() {
            b';'
        } else {
            b','
        };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            .flexible(false)
            .from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| {
                Error::input(
                    Location::file(path).line(1),
                    format!("cannot read the header row: {e}"),
                )
            })?
            .clone();
        let names: Vec<&str> = headers.iter().collect();
        crate::ensure!(!names.is_empty(), Data: "{}: no header row", path.display());
        let mut table = RecordTable::new(&names);
        let mut record = csv::StringRecord::new();
        loop {
            match reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {
                    let cells: Vec<Option<&str>> = record.iter().map(Some).collect();
                    table.push_row(&cells)?;
                }
                Err(e) => {
                    let line = e.position().map(|p| p.line()).unwrap_or(0);
                    let message = match e.kind() {
                        csv::ErrorKind::UnequalLengths {
                            expected_len, len, ..
                        } => format!("expected {expected_len} fields like the header, found {len}"),
                        _ => e.to_string(),
                    };
                    return Err(Error::input(Location::file(path).line(line), message));
                }
            }
        }
        Ok(table)
    }
}

/// UTF-8 (BOM stripped) when valid, else Windows-1252.
fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_semicolons_windows_1252_and_any_header_case() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        // "Çelik" in Windows-1252 is 0xC7 'e' 'l' 'i' 'k'.
        let mut bytes = b" ID ;Naam\n1;".to_vec();
        bytes.extend_from_slice(b"\xC7elik\n2;\n");
        std::fs::write(&path, &bytes).unwrap();
        let t = RecordTable::from_csv_path(&path).unwrap();
        assert_eq!(t.len(), 2);
        let naam = t.column_by_name("left", "NAAM").unwrap();
        assert_eq!(naam.get(0), Some("Çelik"));
        assert_eq!(naam.get(1), None);
        assert_eq!(t.column_by_name("left", "id").unwrap().get(1), Some("2"));
    }

    #[test]
    fn utf8_with_bom() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, "\u{feff}id,naam\n1,Zoë\n").unwrap();
        let t = RecordTable::from_csv_path(&path).unwrap();
        assert_eq!(t.column_by_name("left", "id").unwrap().get(0), Some("1"));
        assert_eq!(
            t.column_by_name("left", "naam").unwrap().get(0),
            Some("Zoë")
        );
    }
}
