//! `loneliness personas`: find the loneliness personas of a study and where they live.
use std::path::PathBuf;
use std::time::Instant;

use crate::contract::pseudonym::KeySource;
use crate::error::Result;
use crate::personas::{self, model::PersonaModel, PersonaParams};
use crate::pipeline;
use crate::sources::StudyConfig;

/// Find loneliness personas (clusters of residents in similar situations), their spread over the
/// wijken and a decision tree that tells who belongs where.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The study folder (brp.csv, gebieden.csv, ...).
    pub study_dir: PathBuf,
    /// Output folder for personas.json and persona_districts.csv.
    #[arg(long)]
    pub out: PathBuf,
    /// Number of personas; chosen between 4 and 12 when not given.
    #[arg(long)]
    pub personas: Option<usize>,
    /// How personas are found: k-means on the weighted encoding (default), or a latent class
    /// model on categorical register variables (research; see docs/personas.md). With
    /// --previous the saved model's method is used unless this is given.
    #[arg(long, value_enum, value_name = "METHOD")]
    pub persona_method: Option<personas::Method>,
    /// Random seed (linkage, sampling, k-means restarts).
    #[arg(long, default_value_t = crate::pipeline::DEFAULT_SEED)]
    pub seed: u64,
    /// Where to save the persona model (for next year's --previous).
    #[arg(long)]
    pub model_out: Option<PathBuf>,
    /// Last year's persona model: keep its persona ids and names where personas continue.
    #[arg(long)]
    pub previous: Option<PathBuf>,
    /// Also write OUT/residents.csv (pseudo_id, wijkcode, persona): resident-level data.
    #[arg(long)]
    pub export_residents: bool,
    /// The reference date (peildatum, YYYY-MM-DD) ages and durations are measured on; wins over
    /// study.toml's reference_date/year and over the date derived from brp.csv.
    #[arg(long, value_name = "DATE")]
    pub peildatum: Option<chrono::NaiveDate>,
}

pub fn run(args: Args) -> Result<i32> {
    let started = Instant::now();
    let previous = args
        .previous
        .as_deref()
        .map(PersonaModel::load)
        .transpose()?;
    let config = StudyConfig::load(&args.study_dir)?.with_reference_date(args.peildatum);
    pipeline::check_out_dir(&args.study_dir, &args.out)?;
    let params = PersonaParams {
        k: args.personas,
        method: args
            .persona_method
            .or(previous.as_ref().map(PersonaModel::method))
            .unwrap_or_default(),
        seed: args.seed,
        suppression_threshold: config.suppression_threshold,
        ..PersonaParams::default()
    };
    params.check_settings()?;
    let bar = super::spinner();
    let prepared = pipeline::prepare(
        &args.study_dir,
        &config,
        &KeySource::from_env(),
        args.seed,
        |m| bar.set_message(m.to_string()),
    )?;
    let frame = &prepared.frame;
    let params = params.check(frame.table.rows())?;
    let result = personas::run(frame, &params, previous.as_ref(), |m| {
        bar.set_message(m.to_string())
    })?;
    bar.set_message("writing outputs");
    let set = crate::io::staging::OutputSet::begin(&args.out, crate::io::staging::PERSONA_FILES)?;
    personas::output::write(&result, &frame.table, set.dir(), args.export_residents)?;
    set.commit()?;
    if let Some(path) = &args.model_out {
        result.model.save(path)?;
    }
    bar.finish_and_clear();
    print!("{}", personas::summary(&result));
    super::print_wrote(started, &args.out, args.model_out.as_deref());
    Ok(0)
}
