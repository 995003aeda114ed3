//! `study.toml`: the optional settings file of a study folder.
//!
//! A study folder works without it (the files carry the names of `shared/spec/INPUTS.md`). The file
//! exists for the exports a municipality cannot rename, and for the few settings that must be fixed
//! for a reproducible run. Every key is optional; unknown keys are refused with a message that names
//! them, because a misspelt setting that is silently ignored gives a wrong study.
//!
//! ```toml
//! # The date ages and "future" dates are measured against.
//! reference_date = "2024-01-01"
//! # Or only the year: the reference date is then 1 January of it.
//! # year = 2024
//! # Published counts below this are suppressed (default 10).
//! suppression_threshold = 10
//!
//! [municipality]
//! code = "GM0637"
//! name = "Zoetermeer"
//!
//! # File names, when the export is not called as INPUTS.md says (relative to the study folder).
//! [files]
//! brp = "BRP_export_2024.csv"
//! schuldhulp = "Schuldhulp 2023.csv"
//!
//! # Column names, per source: spec name = name in the file (matched ignoring case and spaces).
//! [columns.brp]
//! bsn = "BSN_nummer"
//! geboortedatum = "geb_datum"
//! ```
//!
//! The reference date rule, in order: `reference_date` when given; else 1 January of `year` when
//! given; else derived from the BRP: the first 1 January strictly after the latest
//! `datum_vestiging` or `datum_burgerlijke_staat` of the rows that passed their field checks. "Today"
//! is never used: it would make two runs on the same folder disagree.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::contract::files::{SourceSpec, SOURCES};
use crate::error::{Error, IoContext, Result};

/// File name of the optional settings file inside a study folder.
pub const STUDY_TOML: &str = "study.toml";
/// Default suppression threshold for published counts.
pub const DEFAULT_SUPPRESSION_THRESHOLD: u32 = 10;

/// The municipality a study is about (free text; shown in reports).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Municipality {
    /// CBS code, e.g. `GM0637`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// The contents of `study.toml` as written (see the module documentation for the format).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStudyToml {
    reference_date: Option<toml::Value>,
    year: Option<i32>,
    suppression_threshold: Option<u32>,
    municipality: Option<Municipality>,
    #[serde(default)]
    files: BTreeMap<String, String>,
    #[serde(default)]
    columns: BTreeMap<String, BTreeMap<String, String>>,
}

/// How the reference date of a study was chosen; reported in `summary.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferenceDateRule {
    /// Given as `reference_date` in `study.toml`.
    Explicit(NaiveDate),
    /// Given on the command line (`--peildatum`); wins over `study.toml`.
    Given(NaiveDate),
    /// 1 January of `year` in `study.toml`.
    Year(i32),
    /// Derived from the BRP (no setting given).
    DerivedFromBrp,
}

/// Checked study settings: `study.toml` when present, else the defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct StudyConfig {
    pub reference_date: ReferenceDateRule,
    pub suppression_threshold: u32,
    pub municipality: Option<Municipality>,
    /// Source name (`brp`) -> file name relative to the study folder; only overridden ones.
    file_names: BTreeMap<&'static str, String>,
    /// Source name -> spec column -> column name in the file; only overridden ones.
    column_names: BTreeMap<&'static str, BTreeMap<&'static str, String>>,
}

impl Default for StudyConfig {
    fn default() -> Self {
        StudyConfig {
            reference_date: ReferenceDateRule::DerivedFromBrp,
            suppression_threshold: DEFAULT_SUPPRESSION_THRESHOLD,
            municipality: None,
            file_names: BTreeMap::new(),
            column_names: BTreeMap::new(),
        }
    }
}

impl StudyConfig {
    /// The study's settings with the reference date given on the command line (`--peildatum`),
    /// when there is one: it wins over `study.toml` and over the date derived from the BRP.
    pub fn with_reference_date(mut self, date: Option<NaiveDate>) -> StudyConfig {
        if let Some(d) = date {
            self.reference_date = ReferenceDateRule::Given(d);
        }
        self
    }

    /// Reads `STUDY/study.toml` when it exists, else returns the defaults.
    pub fn load(study_dir: &Path) -> Result<StudyConfig> {
        let path = study_dir.join(STUDY_TOML);
        if !path.exists() {
            return Ok(StudyConfig::default());
        }
        let text = std::fs::read_to_string(&path).at(&path)?;
        StudyConfig::parse(&text, &path)
    }

    /// Parses the text of a `study.toml`; `path` only names the file in messages.
    pub fn parse(text: &str, path: &Path) -> Result<StudyConfig> {
        let raw: RawStudyToml = toml::from_str(text)
            .map_err(|e| Error::Config(format!("{}: {}", path.display(), e.to_string().trim())))?;
        let at = |msg: String| Error::Config(format!("{}: {msg}", path.display()));

        let reference_date = match (raw.reference_date, raw.year) {
            (Some(_), Some(_)) => {
                return Err(at(
                    "give either `reference_date` or `year`, not both".to_string()
                ))
            }
            (Some(value), None) => {
                let d = match &value {
                    toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => {
                        dt.date.and_then(|date| {
                            NaiveDate::from_ymd_opt(
                                i32::from(date.year),
                                u32::from(date.month),
                                u32::from(date.day),
                            )
                        })
                    }
                    toml::Value::String(s) => crate::sources::values::parse_date(s),
                    _ => None,
                };
                let d = d.ok_or_else(|| {
                    at(format!(
                        "`reference_date` must be a calendar date like 2024-01-01, got {value}"
                    ))
                })?;
                ReferenceDateRule::Explicit(d)
            }
            (None, Some(year)) => {
                if !(1900..=2200).contains(&year) {
                    return Err(at(format!(
                        "`year` must be between 1900 and 2200, got {year}"
                    )));
                }
                ReferenceDateRule::Year(year)
            }
            (None, None) => ReferenceDateRule::DerivedFromBrp,
        };

        let suppression_threshold = raw
            .suppression_threshold
            .unwrap_or(DEFAULT_SUPPRESSION_THRESHOLD);
        if suppression_threshold < 1 {
            return Err(at("`suppression_threshold` must be at least 1".to_string()));
        }

        let mut file_names = BTreeMap::new();
        for (source, file) in raw.files {
            let spec = known_source(&source).map_err(|m| at(format!("[files] {m}")))?;
            if file.trim().is_empty() {
                return Err(at(format!("[files] {source} is empty; give a file name")));
            }
            // A study reads only its own folder: no absolute paths, no way up.
            let inside = Path::new(&file).components().all(|c| {
                matches!(
                    c,
                    std::path::Component::Normal(_) | std::path::Component::CurDir
                )
            });
            if !inside {
                return Err(at(format!(
                    "[files] {source} must name a file inside the study folder (no absolute path, no `..`)"
                )));
            }
            file_names.insert(spec.name, file);
        }

        let mut column_names = BTreeMap::new();
        for (source, renames) in raw.columns {
            let spec = known_source(&source).map_err(|m| at(format!("[columns.{source}] {m}")))?;
            let mut checked = BTreeMap::new();
            for (column, in_file) in renames {
                let spec_column = spec
                    .required_columns
                    .iter()
                    .chain(spec.optional_columns)
                    .find(|c| c.eq_ignore_ascii_case(column.trim()))
                    .ok_or_else(|| {
                        at(format!(
                            "[columns.{}] `{column}` is not a column of {}; expected one of: {}",
                            spec.name,
                            spec.file_name,
                            spec.required_columns
                                .iter()
                                .chain(spec.optional_columns)
                                .copied()
                                .collect::<Vec<_>>()
                                .join(", ")
                        ))
                    })?;
                if in_file.trim().is_empty() {
                    return Err(at(format!(
                        "[columns.{}] `{column}` maps to an empty column name",
                        spec.name
                    )));
                }
                checked.insert(*spec_column, in_file);
            }
            column_names.insert(spec.name, checked);
        }

        Ok(StudyConfig {
            reference_date,
            suppression_threshold,
            municipality: raw.municipality,
            file_names,
            column_names,
        })
    }

    /// The path of a source's file: the `[files]` override or the spec's name.
    pub fn file_path(&self, study_dir: &Path, spec: &SourceSpec) -> PathBuf {
        study_dir.join(self.file_name(spec))
    }

    /// The file name of a source relative to the study folder.
    pub fn file_name(&self, spec: &SourceSpec) -> String {
        self.file_names
            .get(spec.name)
            .cloned()
            .unwrap_or_else(|| spec.file_name.to_string())
    }

    /// The header name a spec column carries in this study's file.
    pub fn column_name(&self, spec: &SourceSpec, column: &'static str) -> String {
        self.column_names
            .get(spec.name)
            .and_then(|m| m.get(column))
            .cloned()
            .unwrap_or_else(|| column.to_string())
    }
}

fn known_source(name: &str) -> std::result::Result<&'static SourceSpec, String> {
    SOURCES
        .iter()
        .find(|s| s.name.eq_ignore_ascii_case(name.trim()))
        .ok_or_else(|| {
            let names: Vec<&str> = SOURCES.iter().map(|s| s.name).collect();
            let wanted = name.trim().to_ascii_lowercase();
            let nearest = names
                .iter()
                .map(|n| (strsim::damerau_levenshtein(n, &wanted), *n))
                .min()
                .filter(|(distance, _)| *distance <= 2)
                .map(|(_, n)| format!(" (did you mean `{n}`?)"))
                .unwrap_or_default();
            format!(
                "`{name}` is not a source{nearest}; expected one of: {}",
                names.join(", ")
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::SourceKind;

    fn parse(text: &str) -> Result<StudyConfig> {
        StudyConfig::parse(text, Path::new("study.toml"))
    }

    #[test]
    fn empty_file_gives_defaults() {
        assert_eq!(parse("").unwrap(), StudyConfig::default());
    }

    #[test]
    fn full_example_parses() {
        let c = parse(
            r#"
reference_date = 2024-01-01
suppression_threshold = 15
[municipality]
code = "GM0637"
name = "Zoetermeer"
[files]
brp = "BRP_export_2024.csv"
[columns.brp]
bsn = "BSN_nummer"
"#,
        )
        .unwrap();
        assert_eq!(
            c.reference_date,
            ReferenceDateRule::Explicit(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap())
        );
        assert_eq!(c.suppression_threshold, 15);
        let brp = SourceKind::Brp.spec();
        assert_eq!(c.file_name(brp), "BRP_export_2024.csv");
        assert_eq!(c.column_name(brp, "bsn"), "BSN_nummer");
        assert_eq!(c.column_name(brp, "postcode"), "postcode");
    }

    #[test]
    fn reference_date_may_be_quoted_but_must_be_a_date() {
        let c = parse("reference_date = \"01-07-2023\"").unwrap();
        assert_eq!(
            c.reference_date,
            ReferenceDateRule::Explicit(NaiveDate::from_ymd_opt(2023, 7, 1).unwrap())
        );
        let err = parse("reference_date = \"2023-02-30\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("calendar date"), "{err}");
        let err = parse("reference_date = 2024-01-01T10:00:00")
            .unwrap_err()
            .to_string();
        assert!(err.contains("calendar date"), "{err}");
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = parse("refrence_date = 2024-01-01").unwrap_err().to_string();
        assert!(err.contains("refrence_date"), "{err}");
        let err = parse("[files]\nbrpp = \"x.csv\"").unwrap_err().to_string();
        assert!(err.contains("did you mean `brp`"), "{err}");
        let err = parse("[columns.brp]\nbsnn = \"x\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("`bsnn` is not a column"), "{err}");
        let err = parse("year = 2024\nreference_date = 2024-01-01")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not both"), "{err}");
    }
}
