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
    /// The latent class model's table that justified K (empty when K was given or for k-means).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lca_selection: Vec<super::lca::Candidate>,
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
    /// One row per persona, in the order of `personas`: the mean encoded resident (k-means: the
    /// centre residents are assigned to).
    pub centroids: Vec<Vec<f64>>,
    /// The latent class model, classes in the order of `personas`; when present, residents are
    /// placed by it rather than at the nearest centre.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lca: Option<super::lca::Fitted>,
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
                .all(|c| c.len() == self.encoding.terms.len())
            && self.lca.as_ref().is_none_or(|f| {
                f.model.k == self.k
                    && f.model.log_share.len() == self.k
                    && f.model.levels == f.spec.offsets().1
                    && f.model.log_prob.len() == self.k * f.model.levels
            });
        if agree {
            Ok(())
        } else {
            Err("its centroids, personas and encoding disagree in size".into())
        }
    }
}

impl PersonaModel {
    /// The method that fitted the model.
    pub fn method(&self) -> super::Method {
        if self.lca.is_some() {
            super::Method::Lca
        } else {
            super::Method::Kmeans
        }
    }

    /// Writes the model in its envelope, atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        crate::contract::envelope::save(self, path)
    }

    /// Reads a model, explaining a file of another format or version.
    pub fn load(path: &Path) -> Result<PersonaModel> {
        crate::contract::envelope::load(path)
    }
}

impl PersonaModel {
    /// The persona id of every row of `x` (residents x features, in the model's `schema` order):
    /// its most probable class under the latent class model, or (k-means models) encoded with the
    /// saved scaling and placed at the nearest saved centre. The same rule as
    /// the persona stage's final assignment, for a matrix from anywhere (another year's frame, an
    /// analyst's own selection of rows). A matrix says nothing of households, so a latent class
    /// model that pools them places every row on its own here; [`PersonaModel::assign_table`]
    /// places a feature table's households as the persona stage does.
    pub fn assign<S: ndarray::Data<Elem = f64>>(
        &self,
        x: &ndarray::ArrayBase<S, ndarray::Ix2>,
    ) -> Result<Vec<u32>> {
        crate::ensure!(
            x.ncols() == self.schema.len(),
            Data: "the matrix has {} columns, the persona model's schema {}",
            x.ncols(),
            self.schema.len()
        );
        let features = self
            .schema
            .iter()
            .map(|name| crate::residents::Feature {
                name: name.clone(),
                group: name.clone(),
                kind: crate::residents::FeatureKind::Numeric,
                label_nl: String::new(),
                description: String::new(),
            })
            .collect();
        let table = crate::residents::FeatureTable {
            pseudo_ids: vec![String::new(); x.nrows()],
            wijk: vec![0; x.nrows()],
            wijken: Vec::new(),
            // A bare matrix says nothing of households: every row is placed on its own.
            household: (0..x.nrows() as u32).collect(),
            features,
            values: x.iter().copied().collect(),
        };
        self.assign_table(&table)
    }

    /// The persona id of every resident of `table` (columns by name, households as the table
    /// has them): the persona stage's final assignment.
    pub fn assign_table(&self, table: &crate::residents::FeatureTable) -> Result<Vec<u32>> {
        let labels = match &self.lca {
            Some(f) => f.classify(table)?,
            None => {
                let matrix = self.encoding.apply(table)?;
                super::kmeans::assign(&matrix, &self.centroids.concat(), self.k)
            }
        };
        Ok(labels
            .into_iter()
            .map(|l| self.personas[l as usize].id)
            .collect())
    }
}

/// linfa's `Predict`: `model.predict(&frame.features())` gives each resident's persona id, so the
/// saved personas plug into any linfa pipeline (see `examples/linfa_frame.rs`).
impl<S: ndarray::Data<Elem = f64>>
    linfa::traits::PredictInplace<ndarray::ArrayBase<S, ndarray::Ix2>, ndarray::Array1<u32>>
    for PersonaModel
{
    fn predict_inplace(
        &self,
        x: &ndarray::ArrayBase<S, ndarray::Ix2>,
        y: &mut ndarray::Array1<u32>,
    ) {
        assert_eq!(x.nrows(), y.len(), "one target per row");
        let ids = self
            .assign(x)
            .unwrap_or_else(|e| panic!("persona model cannot predict this matrix: {e}"));
        y.assign(&ndarray::Array1::from(ids));
    }

    fn default_target(&self, x: &ndarray::ArrayBase<S, ndarray::Ix2>) -> ndarray::Array1<u32> {
        ndarray::Array1::zeros(x.nrows())
    }
}
