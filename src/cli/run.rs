//! `loneliness run`: the main job on one study folder.
use std::path::PathBuf;

use crate::error::Result;
use crate::pipeline::{self, Progress, RunOptions};

/// Run the whole job: validate -> link -> personas -> risk -> gaps -> report.
///
/// Writes every output of the contract into OUT (summary.json, quarantine/, links.csv,
/// link_report.json, ...). Exit codes: 0 done; 1 the study or a stage failed (the message says
/// which file, line and column); 2 a usage or configuration error.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The study folder (see shared/spec/INPUTS.md; `datasets/demo` is a ready example).
    pub study: PathBuf,
    /// Output folder (created when missing; files in it are replaced).
    #[arg(long, default_value = "out")]
    pub out: PathBuf,
    /// Seed for every random step; the same input and seed give byte-identical outputs.
    #[arg(long, default_value_t = 2024)]
    pub seed: u64,
    /// Also write resident-level residents.csv (pseudonymous ids). Off by default: the engine
    /// scores districts, not people.
    #[arg(long)]
    pub export_residents: bool,
    /// Number of personas; chosen between 4 and 12 when not given (the table that justified the
    /// choice is in personas.json).
    #[arg(long, value_name = "K")]
    pub personas: Option<usize>,
    /// Continue a saved persona model (e.g. last year's OUT/models/personas.json): persona ids
    /// and names are kept where personas continue, its K is used unless --personas is given, and
    /// personas.json reports lineage and drift against it.
    #[arg(long, value_name = "FILE")]
    pub personas_model: Option<PathBuf>,
    /// No progress on stderr.
    #[arg(long, short)]
    pub quiet: bool,
    /// Print the run summary as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> Result<i32> {
    let options = RunOptions {
        study_dir: args.study.clone(),
        out_dir: args.out.clone(),
        seed: args.seed,
        export_residents: args.export_residents,
        personas: args.personas,
        personas_model: args.personas_model.clone(),
    }
    .check()?;
    let progress = if args.quiet || args.json {
        Progress::quiet()
    } else {
        Progress::auto()
    };
    let outcome = pipeline::run(&options, &progress)?;
    if args.json {
        print!("{}", outcome.ingested.summary.to_json());
        return Ok(0);
    }
    let summary = &outcome.ingested.summary;
    println!(
        "Study {} (reference date {})",
        summary.study, summary.reference_date
    );
    println!();
    println!(
        "{:<21}{:>9}{:>10}{:>13}{:>11}",
        "source", "rows", "accepted", "quarantined", "linked"
    );
    for (name, s) in &summary.sources {
        let linked = s
            .link_rate
            .map(|r| format!("{:.1}%", 100.0 * r))
            .unwrap_or_default();
        println!(
            "{:<21}{:>9}{:>10}{:>13}{:>11}",
            name, s.rows_read, s.rows_accepted, s.rows_quarantined, linked
        );
    }
    println!();
    let personas = &outcome.personas;
    println!(
        "{} personas (details, beslisboom and lineage in personas.json):",
        personas.profiles.len()
    );
    for p in &personas.profiles {
        println!(
            "  {:>2}. {:<58} {:>5.1}% of residents",
            p.id,
            p.name,
            100.0 * p.share
        );
    }
    println!();
    let total: f64 = outcome.timings.iter().map(|t| t.seconds).sum();
    let stages: Vec<String> = outcome
        .timings
        .iter()
        .map(|t| format!("{} {:.2}s", t.stage, t.seconds))
        .collect();
    println!("Stages run: {} (total {:.2}s)", stages.join(", "), total);
    if !outcome.not_yet_built.is_empty() {
        println!(
            "Not built yet, so not run: {}. Their outputs are missing from {}.",
            outcome.not_yet_built.join(", "),
            outcome.out_dir.display()
        );
    }
    println!(
        "Outputs in {}: {}",
        outcome.out_dir.display(),
        outcome.files.join(", ")
    );
    Ok(0)
}
