//! The resident feature table: one row per accepted BRP resident, built from the linked sources.
//!
//! This is the hand-over point between linkage and the analytical stages (personas, risk): they
//! see numbers with documented meanings, never names or addresses. Row `i` is resident `i` of
//! `study.brp.records`, the same index [`crate::link::StudyLinks`] uses.
//!
//! The values here are *raw* encodings (ages in years, 0/1 flags, one-hot categories, percentiles);
//! scaling for clustering or regression is fitted by the stage that needs it and saved with its model.

use crate::contract::PseudoId;

mod build;
pub mod columns;
pub mod djg;
mod frame;

pub use build::{age_on, build, years_between, RECENT_EVENT_YEARS};
pub use frame::{Areas, Frame, Outcome, Respondent, Survey};

/// What kind of value a feature column holds; decides how stages scale and describe it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeatureKind {
    /// A number on its own scale (age, years at address, percentile).
    Numeric,
    /// 0 or 1.
    Flag,
    /// 0 or 1, one column of a one-hot encoded category (`group` names the category).
    OneHot,
}

/// One column of the feature table.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Feature {
    /// Stable machine name, e.g. `age`, `living_alone`, `herkomst=turkije`.
    pub name: String,
    /// The category a one-hot column belongs to (`herkomst`), else the name itself.
    pub group: String,
    pub kind: FeatureKind,
    /// Plain Dutch label for reports ("woont alleen", "leeftijd").
    pub label_nl: String,
    /// What it means and where it comes from (source file and rule).
    pub description: String,
}

/// The feature table. `values` is row-major: `values[i * features.len() + j]`.
#[derive(Debug, Clone)]
pub struct FeatureTable {
    pub pseudo_ids: Vec<PseudoId>,
    /// Index into `wijken` per resident.
    pub wijk: Vec<u32>,
    /// Wijkcodes, sorted.
    pub wijken: Vec<String>,
    /// The household of every resident: a dense index (0, 1, ... in order of first appearance)
    /// of the BRP's `huishouden_id`, so that a persona stage can treat the adults of one
    /// household as one unit. Internal only: never written to an output.
    pub household: Vec<u32>,
    pub features: Vec<Feature>,
    pub values: Vec<f64>,
}

impl FeatureTable {
    pub fn rows(&self) -> usize {
        self.pseudo_ids.len()
    }
    pub fn cols(&self) -> usize {
        self.features.len()
    }
    pub fn row(&self, i: usize) -> &[f64] {
        let p = self.cols();
        &self.values[i * p..(i + 1) * p]
    }
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.features.iter().position(|f| f.name == name)
    }
}

impl FeatureTable {
    /// The values of one column, in resident order.
    pub fn column(&self, j: usize) -> Vec<f64> {
        let p = self.cols();
        (0..self.rows()).map(|i| self.values[i * p + j]).collect()
    }

    /// The feature list as a Markdown table (name, kind, Dutch label, meaning); the body of
    /// `docs/features.md`, generated so the documentation cannot drift from the code.
    pub fn features_markdown(features: &[Feature]) -> String {
        let mut out =
            String::from("| name | kind | label (nl) | meaning and source |\n|---|---|---|---|\n");
        for f in features {
            let kind = match f.kind {
                FeatureKind::Numeric => "numeric",
                FeatureKind::Flag => "flag",
                FeatureKind::OneHot => "one-hot",
            };
            out.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                f.name, kind, f.label_nl, f.description
            ));
        }
        out
    }

    /// sha256 over the feature names and values: the fingerprint of a training matrix, saved in
    /// the models so a later run can tell which data they were fitted on.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for f in &self.features {
            h.update(f.name.as_bytes());
            h.update([0]);
        }
        for v in &self.values {
            h.update(v.to_le_bytes());
        }
        hex::encode(h.finalize())
    }

    /// The feature metadata of the current layout, without building a table.
    pub fn layout() -> Vec<Feature> {
        columns::Layout::new().features
    }
}
