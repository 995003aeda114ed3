//! `loneliness link`: the generic probabilistic linker on any two CSV files.
use std::path::PathBuf;

use crate::error::Result;

/// Link two CSV files with a Fellegi-Sunter model described in a TOML file.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Left file (for example the register).
    #[arg(long)]
    pub left: PathBuf,
    /// Right file (the records to link).
    #[arg(long)]
    pub right: PathBuf,
    /// Link configuration: id columns, comparisons, blocking rules.
    #[arg(long)]
    pub config: PathBuf,
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(_args: Args) -> Result<i32> {
    crate::bail!(Config: "link is not built yet")
}
