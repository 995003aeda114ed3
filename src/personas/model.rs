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

use super::encode::Encoding;
use super::select::Candidate;
use crate::error::Result;

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

impl crate::contract::Envelope for PersonaModel {
    const FORMAT: &'static str = FORMAT;
    const VERSION: u32 = VERSION;
    const WHAT: &'static str = "persona model";
    const ON_OTHER_VERSION: &'static str =
        "refit the personas on last year's study with this build, or use the build that wrote it";
    const WRITTEN_BY: &'static str = "`loneliness personas --model-out`";
    const PRETTY: bool = true;

    fn check(&self) -> std::result::Result<(), String> {
        let agree = self.centroids.len() == self.k
            && self.personas.len() == self.k
            && self
                .centroids
                .iter()
                .all(|c| c.len() == self.encoding.terms.len());
        if agree {
            Ok(())
        } else {
            Err("its centroids, personas and encoding disagree in size".into())
        }
    }
}

impl PersonaModel {
    /// Writes the model in its envelope, atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        crate::contract::envelope::save(self, path)
    }

    /// Reads a model, explaining a file of another format or version.
    pub fn load(path: &Path) -> Result<PersonaModel> {
        crate::contract::envelope::load(path)
    }
}
