//! Record linkage: a generic Fellegi-Sunter linker (blocking, u from random pairs, m by EM over
//! agreement patterns, term-frequency adjustment, one-to-one or many-to-one assignment) and a
//! Dutch-person adapter for sources without a BSN (`schuldhulp`, `huisbezoeken`).
//!
//! Flow: [`LinkSpec`] (TOML) -> [`LinkSpec::check`] -> [`CheckedLinkSpec`] ->
//! [`Linker::fit`] -> [`FittedModel`] -> [`FittedModel::link`] -> [`Links`], with
//! [`FittedModel::report`] for the m/u table, weights, EM iterations and weight histogram.
//! The engine only ever sees pseudonymous ids: BSNs never reach it.

pub mod assign;
pub mod blocking;
pub mod compare;
pub mod em;
pub mod fasthash;
pub mod model;
pub mod normalize;
pub mod person;
pub mod report;
mod scoring;
pub mod similarity;
pub mod spec;
pub mod study;
pub mod table;
mod train;

pub use assign::LinkStatus;
pub use model::{FieldContribution, FittedModel, Linker, Links, Report, RightLink, ScoredPair};
pub use spec::{CheckedLinkSpec, LinkSpec};
pub use study::{link_study, LinkMethod, SourceLinks, StudyLinks};
pub use table::RecordTable;
