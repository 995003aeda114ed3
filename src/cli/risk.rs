//! `loneliness risk`: train the risk model on the survey respondents and score every wijk.
use std::path::PathBuf;
use std::time::Instant;

use crate::contract::pseudonym::KeySource;
use crate::error::Result;
use crate::pipeline;
use crate::risk::{self, ModelChoice, RiskParams};
use crate::sources::StudyConfig;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ModelArg {
    /// Cross-validation chooses (the logistic baseline unless trees are clearly better).
    Auto,
    /// Weighted, L2-regularised logistic regression only.
    Logistic,
    /// Gradient-boosted trees only.
    Gbt,
}

/// Train the loneliness risk model on the GGD survey respondents (De Jong Gierveld scale, sample
/// weights), predict every resident from register data and score every wijk: predicted % lonely
/// and % severely lonely with 90% intervals, the direct survey estimate, and the factors that
/// raise loneliness in each wijk.
///
/// Writes OUT/districts.csv and OUT/risk_report.json (cross-validated AUC, Brier score,
/// calibration, reliability table, model choice). Save the model with --model-out and score
/// next year's register extract with `loneliness score` (no new survey needed).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The study folder (brp.csv, gezondheidsmonitor.csv, ...).
    pub study_dir: PathBuf,
    /// Output folder for districts.csv and risk_report.json.
    #[arg(long)]
    pub out: PathBuf,
    /// Where to save the trained model (e.g. models/risk-2024.json).
    #[arg(long)]
    pub model_out: Option<PathBuf>,
    /// Random seed (linkage, folds, bootstrap).
    #[arg(long, default_value_t = crate::pipeline::DEFAULT_SEED)]
    pub seed: u64,
    /// Which learner the model choice may pick.
    #[arg(long, value_enum, default_value_t = ModelArg::Auto)]
    pub model: ModelArg,
    /// Folds of the stratified cross-validation.
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// Bootstrap refits for the 90% intervals (0: analytic intervals, no refits).
    #[arg(long, default_value_t = 0)]
    pub bootstrap: usize,
    /// The reference date (peildatum, YYYY-MM-DD) ages and durations are measured on; wins over
    /// study.toml's reference_date/year and over the date derived from brp.csv.
    #[arg(long, value_name = "DATE")]
    pub peildatum: Option<chrono::NaiveDate>,
}

pub fn run(args: Args) -> Result<i32> {
    let started = Instant::now();
    let config = StudyConfig::load(&args.study_dir)?.with_reference_date(args.peildatum);
    pipeline::check_out_dir(&args.study_dir, &args.out)?;
    let params = RiskParams {
        seed: args.seed,
        folds: args.folds,
        bootstrap: args.bootstrap,
        suppression_threshold: config.suppression_threshold,
        model: match args.model {
            ModelArg::Auto => ModelChoice::Auto,
            ModelArg::Logistic => ModelChoice::Logistic,
            ModelArg::Gbt => ModelChoice::Gbt,
        },
        ..RiskParams::default()
    }
    .check()?;
    let bar = super::spinner();
    let prepared = pipeline::prepare(
        &args.study_dir,
        &config,
        &KeySource::from_env(),
        args.seed,
        |m| bar.set_message(m.to_string()),
    )?;
    let result = risk::train(&prepared.frame, &params, |m| bar.set_message(m.to_string()))?;
    bar.set_message("writing outputs");
    let set = crate::io::staging::OutputSet::begin(&args.out, crate::io::staging::RISK_FILES)?;
    risk::output::write(&result, set.dir())?;
    set.commit()?;
    if let Some(path) = &args.model_out {
        result.model.save(path)?;
    }
    bar.finish_and_clear();
    print!("{}", risk::summary(&result));
    super::print_wrote(started, &args.out, args.model_out.as_deref());
    Ok(0)
}
