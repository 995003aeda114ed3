//! `loneliness synth`: write a synthetic study folder and its ground truth.
use std::path::PathBuf;

use crate::error::Result;

/// Generate a synthetic municipality: a complete study folder plus its ground truth.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Study folder to write (the engine's input).
    #[arg(long)]
    pub out: PathBuf,
    /// Folder for the ground truth (never read by the engine).
    #[arg(long)]
    pub truth: PathBuf,
    /// Number of residents aged 18+.
    #[arg(long, default_value_t = 20_000)]
    pub residents: usize,
    /// Random seed; same arguments and seed give byte-identical files.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Reference year of the study.
    #[arg(long, default_value_t = 2024)]
    pub year: i32,
    /// Profile name (zoetermeer, den-haag) or path to a profile TOML file.
    #[arg(long, default_value = "zoetermeer")]
    pub profile: String,
}

pub fn run(_args: Args) -> Result<i32> {
    crate::bail!(Config: "synth is not built yet")
}
