//! `loneliness validate`: read a study folder, report per source what was accepted and rejected.
use std::path::PathBuf;

use crate::error::Result;

/// Check a study folder: every file read, every row accepted or quarantined with its reason.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The study folder.
    pub study: PathBuf,
    /// Write summary.json and quarantine/ here.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print the summary as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub fn run(_args: Args) -> Result<i32> {
    crate::bail!(Config: "validate is not built yet")
}
