//! The saved persona model: a versioned JSON envelope under `models/`.
//!
//! It holds everything needed to place next year's residents in this year's personas without the
//! old data: the feature schema, the encoding with its fitted scaling, the centres, the persona ids
//! and names, the seed and metrics, a fingerprint of the training matrix, and the persona shares
//! per wijk (for drift; cells below the suppression threshold are stored empty). A file of another
//! format or version is refused with an explanation instead of being half-read.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::encode::Encoding;
use super::select::Candidate;
use crate::error::{Error, IoContext, Result};
use crate::residents::FeatureTable;

pub const FORMAT: &str = "loneliness-persona-model";
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelPersona {
    pub id: u32,
    pub name: String,
    pub share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelMetrics {
    pub inertia_per_resident: f64,
    pub iterations: usize,
    pub tree_accuracy: f64,
    /// The table that justified K (empty when K was given).
    pub selection: Vec<Candidate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonaModel {
    pub format: String,
    pub version: u32,
    pub created_by: String,
    /// The reference date of the study the model was fitted on.
    pub reference_date: String,
    pub seed: u64,
    pub k: usize,
    /// Feature names of the table the model was fitted on, in order.
    pub schema: Vec<String>,
    pub encoding: Encoding,
    /// One row per persona, in the order of `personas`.
    pub centroids: Vec<Vec<f64>>,
    pub personas: Vec<ModelPersona>,
    /// The next free persona id (ids are never reused).
    pub next_id: u32,
    /// sha256 of the feature matrix (little-endian f64 bytes, row-major).
    pub training_fingerprint: String,
    pub residents: usize,
    pub metrics: ModelMetrics,
    /// Persona id -> wijkcode -> share of the wijk's residents (`None` when suppressed).
    pub district_shares: BTreeMap<u32, BTreeMap<String, Option<f64>>>,
}

/// sha256 over the feature values, the fingerprint of the training data.
pub fn fingerprint(table: &FeatureTable) -> String {
    let mut h = Sha256::new();
    for f in &table.features {
        h.update(f.name.as_bytes());
        h.update([0]);
    }
    for v in &table.values {
        h.update(v.to_le_bytes());
    }
    hex::encode(h.finalize())
}

impl PersonaModel {
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_vec_pretty(self).expect("the model serialises");
        crate::io::write_atomic(path, &json)
    }

    /// Reads a model, explaining a file of another format or version.
    pub fn load(path: &Path) -> Result<PersonaModel> {
        let bad = |message: String| Error::Model {
            path: path.to_path_buf(),
            message,
        };
        let text = std::fs::read_to_string(path).at(path)?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| bad(format!("not JSON ({e}); expected a persona model written by `loneliness personas --model-out`")))?;
        match value.get("format").and_then(|f| f.as_str()) {
            Some(FORMAT) => {}
            Some(other) => {
                return Err(bad(format!(
                    "is a '{other}' file, not a persona model (format '{FORMAT}')"
                )))
            }
            None => {
                return Err(bad(format!(
                    "has no 'format' field; expected a persona model (format '{FORMAT}', version {VERSION})"
                )))
            }
        }
        let version = value.get("version").and_then(|v| v.as_u64());
        if version != Some(u64::from(VERSION)) {
            return Err(bad(format!(
                "is version {}, this build reads version {VERSION}; refit the personas on last year's study with this build, or use the build that wrote it",
                version.map_or("(missing)".to_string(), |v| v.to_string())
            )));
        }
        let model: PersonaModel = serde_json::from_value(value)
            .map_err(|e| bad(format!("damaged or incomplete persona model: {e}")))?;
        crate::ensure!(
            model.centroids.len() == model.k
                && model.personas.len() == model.k
                && model.centroids.iter().all(|c| c.len() == model.encoding.terms.len()),
            Data: "model {}: centroids, personas and encoding disagree in size",
            path.display()
        );
        Ok(model)
    }
}
