//! `loneliness score`: score a study's wijken with a saved risk model (no new survey needed).
use std::path::PathBuf;
use std::time::Instant;

use crate::contract::pseudonym::KeySource;
use crate::error::Result;
use crate::pipeline;
use crate::risk::{self, model::RiskModel};
use crate::sources::StudyConfig;

/// Score every resident and wijk of a (newer) register extract with a risk model saved by
/// `loneliness risk --model-out`: the yearly monitor between GGD survey rounds.
///
/// Writes OUT/districts.csv and OUT/risk_report.json like `loneliness risk`; the intervals come
/// from the model's bootstrap refits and the wijk effects from its training year. When the study
/// holds a gezondheidsmonitor.csv, the direct survey estimates are filled in beside the
/// predictions. The feature table must have the model's schema (same build of the engine).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The study folder (brp.csv, gebieden.csv, ...).
    pub study_dir: PathBuf,
    /// The saved risk model (e.g. models/risk-2024.json).
    #[arg(long)]
    pub model: PathBuf,
    /// Output folder for districts.csv and risk_report.json.
    #[arg(long)]
    pub out: PathBuf,
    /// Random seed for the linkage of the sources without BSN.
    #[arg(long, default_value_t = crate::pipeline::DEFAULT_SEED)]
    pub seed: u64,
    /// The reference date (peildatum, YYYY-MM-DD) ages and durations are measured on; wins over
    /// study.toml's reference_date/year and over the date derived from brp.csv.
    #[arg(long, value_name = "DATE")]
    pub peildatum: Option<chrono::NaiveDate>,
}

pub fn run(args: Args) -> Result<i32> {
    let started = Instant::now();
    let model = RiskModel::load(&args.model)?;
    let config = StudyConfig::load(&args.study_dir)?.with_reference_date(args.peildatum);
    pipeline::check_out_dir(&args.study_dir, &args.out)?;
    let prepared = pipeline::prepare(
        &args.study_dir,
        &config,
        &KeySource::from_env(),
        args.seed,
        |_| {},
    )?;
    let result = risk::score(&prepared.frame, &model, config.suppression_threshold).map_err(
        |e| match e {
            crate::error::Error::Data(m) => crate::error::Error::Model {
                path: args.model.clone(),
                message: m,
            },
            other => other,
        },
    )?;
    let set = crate::io::staging::OutputSet::begin(&args.out, crate::io::staging::RISK_FILES)?;
    risk::output::write(&result, set.dir())?;
    set.commit()?;
    print!("{}", risk::summary(&result));
    super::print_wrote(started, &args.out, None);
    Ok(0)
}
