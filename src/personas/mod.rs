//! Loneliness personas: clusters of residents in similar life situations, their spread over the
//! wijken, and rules a social worker can use to tell who belongs where.
//!
//! Pipeline: the feature table is encoded ([`encode`]: z-scores, life-stage ramps and weighted
//! one-hot groups, a k-prototypes-like dissimilarity under squared Euclidean distance), the number
//! of personas is chosen on a sample by silhouette times bootstrap stability ([`select`]), the
//! final k-means ([`kmeans`], our own Hamerly implementation) runs on every resident, and each
//! persona is profiled ([`profile`]), explained by a shallow decision tree ([`tree`]) and saved as a
//! versioned model ([`model`]) that next year's run can follow ([`lineage`]).
//!
//! Why k-means on this encoding rather than a Gaussian mixture or k-prototypes: see
//! docs/personas.md (numbers on the synthetic municipality). In short: k-prototypes with one-hot
//! columns scaled by 1/sqrt(2) *is* k-means on this encoding except that centres hold category
//! frequencies instead of modes (which k-means does better with, as frequencies are the profile we
//! report anyway); a diagonal Gaussian mixture recovered the planted personas about as well but its
//! likelihood degenerates on 0/1 columns (variances collapse, BIC keeps falling with K, so it
//! cannot choose K) and it is several times slower.

pub mod encode;
pub mod kmeans;
pub mod lineage;
pub mod model;
pub mod output;
pub mod profile;
pub mod select;
pub mod tree;

use crate::error::Result;
use crate::residents::FeatureTable;
use encode::{Encoding, Matrix};
use kmeans::KMeansParams;
use select::{Candidate, SelectParams};

/// What the caller asks for.
#[derive(Debug, Clone)]
pub struct PersonaParams {
    /// A fixed number of personas; `None` chooses within `k_range`.
    pub k: Option<usize>,
    pub k_range: (usize, usize),
    pub seed: u64,
    /// k-means restarts of the final fit.
    pub n_init: usize,
    /// Residents in the sample the choice of K is made on.
    pub selection_sample: usize,
    pub silhouette_sample: usize,
    pub bootstrap_pairs: usize,
    /// Cells below this count are suppressed in published outputs.
    pub suppression_threshold: u32,
}

impl Default for PersonaParams {
    fn default() -> Self {
        PersonaParams {
            k: None,
            k_range: (4, 12),
            seed: 7,
            n_init: 4,
            selection_sample: 20_000,
            silhouette_sample: 2_000,
            bootstrap_pairs: 2,
            suppression_threshold: 10,
        }
    }
}

/// Parameters that passed [`PersonaParams::check`].
#[derive(Debug, Clone)]
pub struct CheckedParams(PersonaParams);

impl std::ops::Deref for CheckedParams {
    type Target = PersonaParams;
    fn deref(&self) -> &PersonaParams {
        &self.0
    }
}

impl PersonaParams {
    /// Validates once, up front, against the number of residents.
    pub fn check(self, residents: usize) -> Result<CheckedParams> {
        let (lo, hi) = self.k_range;
        crate::ensure!(lo >= 2 && lo <= hi, Config: "the persona range must satisfy 2 <= min <= max, got {lo}..={hi}");
        if let Some(k) = self.k {
            crate::ensure!((2..=50).contains(&k), Config: "--personas must be between 2 and 50, got {k}");
        }
        let most = self.k.unwrap_or(hi);
        crate::ensure!(
            residents >= 20 * most,
            Data: "{residents} residents are too few for {most} personas (need at least {})",
            20 * most
        );
        crate::ensure!(self.n_init >= 1, Config: "n_init must be at least 1");
        crate::ensure!(self.silhouette_sample >= 100, Config: "the silhouette sample must hold at least 100 residents");
        crate::ensure!(self.selection_sample >= 1000, Config: "the selection sample must hold at least 1000 residents");
        Ok(CheckedParams(self))
    }
}

/// The clustering result before profiling: encoding, centres and labels with persona ids.
#[derive(Debug, Clone)]
pub struct Clustering {
    pub encoding: Encoding,
    pub matrix: Matrix,
    /// `k * cols`, row-major, in persona order (persona id `i + 1` is row `i`).
    pub centroids: Vec<f64>,
    /// Persona index (0-based) per resident.
    pub labels: Vec<u32>,
    pub k: usize,
    pub inertia: f64,
    pub iterations: usize,
    /// The table that justified K (empty when K was given).
    pub candidates: Vec<Candidate>,
}

/// Encodes, chooses K (unless given) and fits the final k-means; personas are numbered by size
/// (largest first; ties by centre coordinates), so ids do not depend on k-means's label order.
pub fn cluster(
    table: &FeatureTable,
    p: &CheckedParams,
    mut progress: impl FnMut(&str),
) -> Result<Clustering> {
    let encoding = Encoding::default_spec().fit(table)?;
    let matrix = encoding.apply(table)?;
    let (k, candidates) = match p.k {
        Some(k) => (k, Vec::new()),
        None => {
            let c = select::evaluate(
                &matrix,
                SelectParams {
                    k_min: p.k_range.0,
                    k_max: p.k_range.1,
                    sample: p.selection_sample,
                    silhouette_sample: p.silhouette_sample,
                    bootstrap_pairs: p.bootstrap_pairs,
                    n_init: p.n_init.min(3),
                    seed: p.seed,
                },
                |k| progress(&format!("evaluated K = {k}")),
            );
            (select::choose(&c), c)
        }
    };
    progress(&format!("fitting {k} personas on {} residents", table.rows()));
    let fit = kmeans::fit(
        &matrix,
        KMeansParams {
            k,
            n_init: p.n_init,
            max_iter: 300,
            tol: 1e-8,
            seed: p.seed,
        },
    );
    let (centroids, labels) = order_by_size(&fit.centroids, &fit.labels, fit.k, fit.cols);
    Ok(Clustering {
        encoding,
        matrix,
        centroids,
        labels,
        k: fit.k,
        inertia: fit.inertia,
        iterations: fit.iterations,
        candidates,
    })
}

/// Renumbers clusters largest first.
pub fn order_by_size(centroids: &[f64], labels: &[u32], k: usize, d: usize) -> (Vec<f64>, Vec<u32>) {
    let mut sizes = vec![0usize; k];
    for &l in labels {
        sizes[l as usize] += 1;
    }
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&a, &b| {
        sizes[b].cmp(&sizes[a]).then_with(|| {
            centroids[a * d..(a + 1) * d]
                .iter()
                .zip(&centroids[b * d..(b + 1) * d])
                .map(|(x, y)| x.total_cmp(y))
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
        })
    });
    let mut new_of_old = vec![0u32; k];
    for (new, &old) in order.iter().enumerate() {
        new_of_old[old] = new as u32;
    }
    let centroids = order
        .iter()
        .flat_map(|&old| centroids[old * d..(old + 1) * d].iter().copied())
        .collect();
    let labels = labels.iter().map(|&l| new_of_old[l as usize]).collect();
    (centroids, labels)
}
