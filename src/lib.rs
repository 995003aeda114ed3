//! `loneliness`: from unlinked municipal sources to loneliness personas, district scores and gaps
//! in the local offer.
//!
//! The modules follow the data's path; each stage knows only the stages before it:
//!
//! | module | stage |
//! |---|---|
//! | [`contract`] | the input/output contract (`shared/spec/INPUTS.md`) in types |
//! | [`sources`] | read and validate a study folder, pseudonymise BSNs, quarantine bad rows |
//! | [`link`] | deterministic and probabilistic (Fellegi-Sunter) record linkage |
//! | [`residents`] | the resident feature table built from the linked sources |
//! | [`personas`] | loneliness personas: k-means, profiles, beslisboom, lineage |
//! | [`risk`] | the risk model trained on the GGD survey and the district scores |
//! | [`offer`] | each persona checked against the sociale kaart per wijk: gaps, near misses, what-if |
//! | [`report`] | the self-contained HTML workshop report |
//! | [`pipeline`] | `loneliness run`: the stages in order |
//! | [`synth`] | the synthetic municipality generator with ground truth (test bed, not a stage) |
//! | [`cli`] | the thin command-line layer |

pub mod cli;
pub mod contract;
pub mod error;
pub mod io;
pub mod link;
pub mod offer;
pub mod personas;
pub mod pipeline;
pub mod report;
pub mod residents;
pub mod risk;
pub mod sources;
pub mod synth;

pub use error::{Error, Result};
