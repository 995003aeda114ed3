//! The input/output contract of `shared/spec/INPUTS.md`, in types.
//!
//! Both the synthetic generator (which writes study folders) and the ingest stage (which reads
//! them) speak through this module, so the two cannot drift apart: file names, required columns,
//! vocabularies, the BSN eleven-test and the pseudonym function live here once.

pub mod bsn;
pub mod envelope;
pub mod files;
pub mod pseudonym;
pub mod reason;
pub mod records;
pub mod suppress;
pub mod vocab;

/// The seed of every random step when the caller gives none (linkage, restarts, refits).
pub const DEFAULT_SEED: u64 = 2024;

pub use bsn::Bsn;
pub use envelope::{round6, Envelope};
pub use files::{SourceKind, SourceSpec};
pub use pseudonym::{PseudoId, PseudonymKey, Pseudonymiser};
pub use reason::Reason;
