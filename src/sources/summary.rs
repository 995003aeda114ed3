//! `summary.json`: what was read from each source and what happened to every row.
//!
//! Later stages extend it (`link_rate` per source); every map is a `BTreeMap` so the file is
//! byte-identical for the same input.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::config::{Municipality, ReferenceDateRule};

/// The whole summary; serialised as `OUT/summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IngestSummary {
    /// Name of the study folder (its last path component, so the file does not depend on where the
    /// folder sits).
    pub study: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub municipality: Option<Municipality>,
    pub reference_date: NaiveDate,
    /// How the reference date was chosen: `study.toml reference_date`, `study.toml year` or
    /// `derived from brp.csv (...)`.
    pub reference_date_rule: String,
    pub suppression_threshold: u32,
    /// Per source name (`brp`, ...), only sources whose file was present.
    pub sources: BTreeMap<String, SourceSummary>,
    /// Optional sources whose file is absent.
    pub absent_sources: Vec<String>,
}

/// What happened to the rows of one file. `rows_read = rows_accepted + rows_quarantined`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceSummary {
    /// File name relative to the study folder.
    pub file: String,
    pub rows_read: u64,
    pub rows_accepted: u64,
    pub rows_quarantined: u64,
    /// Reason code -> rows; only reasons that occurred.
    pub quarantine_reasons: BTreeMap<String, u64>,
    /// `utf-8`, `utf-8-bom` or `windows-1252`.
    pub encoding: String,
    /// `,` or `;`.
    pub delimiter: String,
    /// Header names the spec does not know (kept, never an error).
    pub extra_columns: Vec<String>,
    /// Optional spec columns absent from the header (their values are missing for every row).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub absent_optional_columns: Vec<String>,
    /// Share of rows linked to a resident; filled in by the linkage stage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_rate: Option<f64>,
}

impl IngestSummary {
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("summary serialises");
        s.push('\n');
        s
    }
}

pub(crate) fn rule_text(rule: ReferenceDateRule, derived_from: Option<NaiveDate>) -> String {
    match rule {
        ReferenceDateRule::Explicit(_) => "study.toml reference_date".to_string(),
        ReferenceDateRule::Given(_) => "--peildatum".to_string(),
        ReferenceDateRule::Year(y) => format!("1 January of study.toml year {y}"),
        ReferenceDateRule::DerivedFromBrp => match derived_from {
            Some(latest) => format!(
                "derived from brp.csv: first 1 January after the latest datum_vestiging or \
                 datum_burgerlijke_staat ({latest})"
            ),
            None => "derived from brp.csv".to_string(),
        },
    }
}
