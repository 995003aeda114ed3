//! `loneliness run`: the main job on one study folder.
use std::path::PathBuf;

use crate::error::Result;
use crate::pipeline::{self, Progress, RunOptions, RunOutcome};

/// Run the whole job: validate -> link -> personas -> risk -> gaps -> report.
///
/// Writes every output of the contract into OUT: summary.json, quarantine/, links.csv,
/// link_report.json, personas.json, persona_districts.csv, districts.csv, risk_report.json,
/// gaps.csv, gaps.json, report.html (the workshop report, open it in a browser) and the fitted
/// models in OUT/models/ (personas.json, risk.json) for next year's --personas-model and for
/// `loneliness score`. Counts below the suppression threshold (10, or study.toml) are empty.
///
/// Exit codes: 0 done; 1 the study or a stage failed (the message says which file, line and
/// column); 2 a usage or configuration error.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The study folder (see shared/spec/INPUTS.md; `datasets/demo` is a ready example).
    pub study: PathBuf,
    /// Output folder (created when missing). The output set is written beside it and swapped in
    /// whole; your own files in it are kept.
    #[arg(long, default_value = "out")]
    pub out: PathBuf,
    /// Seed for every random step; the same input and seed give byte-identical outputs.
    #[arg(long, default_value_t = pipeline::DEFAULT_SEED)]
    pub seed: u64,
    /// The reference date (peildatum, YYYY-MM-DD) ages and durations are measured on; wins over
    /// study.toml's reference_date/year and over the date derived from brp.csv.
    #[arg(long, value_name = "DATE")]
    pub peildatum: Option<chrono::NaiveDate>,
    /// Number of personas; chosen between 4 and 12 when not given (the table that justified the
    /// choice is in personas.json).
    #[arg(long, value_name = "K")]
    pub personas: Option<usize>,
    /// How personas are found: k-means on the weighted encoding (default), or a latent class
    /// model on categorical register variables (research; see docs/personas.md). With
    /// --personas-model the saved model's method is used unless this is given.
    #[arg(long, value_enum, value_name = "METHOD")]
    pub persona_method: Option<crate::personas::Method>,
    /// Continue a saved persona model (e.g. last year's OUT/models/personas.json): persona ids
    /// and names are kept where personas continue, its K is used unless --personas is given, and
    /// personas.json reports lineage and drift against it.
    #[arg(long, value_name = "FILE")]
    pub personas_model: Option<PathBuf>,
    /// Score with a saved risk model (OUT/models/risk.json of an earlier run) instead of training
    /// one: the yearly monitor between two GGD surveys.
    #[arg(long, value_name = "FILE")]
    pub risk_model: Option<PathBuf>,
    /// Need rules for the gap check (TOML; default: the shipped rules, see docs/gaps.md).
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// GeoJSON of the wijken for the report's map (default: wijken.geojson in the study folder;
    /// without one the report draws a tile grid).
    #[arg(long, value_name = "FILE")]
    pub geo: Option<PathBuf>,
    /// Also write resident-level residents.csv (pseudo_id, wijkcode, persona, risk). Off by
    /// default: the engine scores districts, not people.
    #[arg(long)]
    pub export_residents: bool,
    /// No progress on stderr.
    #[arg(long, short)]
    pub quiet: bool,
    /// Print summary.json on stdout instead of the readable summary.
    #[arg(long)]
    pub json: bool,
}

impl Args {
    pub(crate) fn options(&self) -> RunOptions {
        RunOptions {
            study_dir: self.study.clone(),
            out_dir: self.out.clone(),
            keys: crate::contract::pseudonym::KeySource::from_env(),
            seed: self.seed,
            reference_date: self.peildatum,
            export_residents: self.export_residents,
            personas: self.personas,
            persona_method: self.persona_method,
            personas_model: self.personas_model.clone(),
            risk_model: self.risk_model.clone(),
            need_rules: self.rules.clone(),
            geo: self.geo.clone(),
            whatif: None,
        }
    }

    pub(crate) fn progress(&self) -> Progress {
        if self.quiet || self.json {
            Progress::quiet()
        } else {
            Progress::auto()
        }
    }
}

pub fn run(args: Args) -> Result<i32> {
    let options = args.options().check()?;
    let outcome = pipeline::run(&options, &args.progress())?;
    if args.json {
        let path = outcome.out_dir.join("summary.json");
        let text = std::fs::read_to_string(&path).map_err(|e| crate::error::Error::io(&path, e))?;
        print!("{text}");
        return Ok(0);
    }
    print!("{}", one_screen(&outcome));
    Ok(0)
}

/// The one-screen summary: rows, link rates, personas, top districts, gaps, where the files are.
pub(crate) fn one_screen(outcome: &RunOutcome) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let summary = &outcome.ingested.summary;
    let _ = writeln!(
        s,
        "Study {} (reference date {}), {} residents\n",
        summary.study,
        summary.reference_date,
        outcome.frame.table.rows()
    );
    let _ = writeln!(
        s,
        "{:<21}{:>9}{:>10}{:>13}{:>11}",
        "source", "rows", "accepted", "quarantined", "linked"
    );
    for (name, src) in &summary.sources {
        let linked = src
            .link_rate
            .map(|r| format!("{:.1}%", 100.0 * r))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "{:<21}{:>9}{:>10}{:>13}{:>11}",
            name, src.rows_read, src.rows_accepted, src.rows_quarantined, linked
        );
    }
    // Each absent optional source once, in validate's words (summary.json: absent_sources).
    if !summary.absent_sources.is_empty() {
        let _ = writeln!(
            s,
            "Not present (optional): {}",
            summary.absent_sources.join(", ")
        );
    }
    let personas = &outcome.personas;
    let _ = writeln!(
        s,
        "\n{} personas (profiles, beslisboom and lineage in personas.json):",
        personas.profiles.len()
    );
    // The disclosure pattern of personas.json: a hidden size has no share here either (share x
    // residents would give it back).
    let (shown, _) =
        crate::personas::output::published_sizes(&personas.profiles, personas.threshold);
    for (p, shown) in personas.profiles.iter().zip(shown) {
        let share = if shown {
            format!("{:>5.1}% of residents", 100.0 * p.share)
        } else {
            "    – (a small group)".to_string()
        };
        let _ = writeln!(s, "  {:>2}. {:<58} {share}", p.id, p.name);
    }
    let risk = &outcome.risk;
    let mut ranked: Vec<_> = risk
        .districts
        .iter()
        .filter(|d| d.residents >= risk.threshold as usize)
        .collect();
    ranked.sort_by(|a, b| {
        b.predicted_lonely_pct
            .total_cmp(&a.predicted_lonely_pct)
            .then(a.wijkcode.cmp(&b.wijkcode))
    });
    let _ = writeln!(
        s,
        "\nRisk model: {} (cross-validated AUC {:.3}){}; highest predicted loneliness:",
        risk.model.lonely.spec.name(),
        risk.model.lonely.metrics.auc,
        if risk.scored_with_saved_model {
            ", saved model"
        } else {
            ""
        }
    );
    for d in ranked.iter().take(5) {
        let interval = match (d.predicted_lonely_low, d.predicted_lonely_high) {
            (Some(lo), Some(hi)) => format!(" (90%-interval {lo:.1}-{hi:.1})"),
            _ => String::new(),
        };
        let _ = writeln!(
            s,
            "  {:<10} {:<28} {:>5.1}% lonely{interval}, {:>4.1}% severely",
            d.wijkcode,
            d.wijknaam.as_deref().unwrap_or(""),
            d.predicted_lonely_pct,
            d.predicted_severe_pct
        );
    }
    if let Some(g) = &outcome.gaps {
        use crate::offer::Status;
        let _ = writeln!(
            s,
            "\nOffer check over {} (wijk, persona) cells: {} covered, {} thin, {} gap; worst gaps:",
            g.cells.len(),
            g.count(Status::Covered),
            g.count(Status::Thin),
            g.count(Status::Gap)
        );
        let mut worst: Vec<_> = g
            .cells
            .iter()
            .filter(|c| c.status == Status::Gap && !c.suppressed)
            .collect();
        worst.sort_by(|a, b| b.severity.total_cmp(&a.severity));
        for c in worst.iter().take(5) {
            let _ = writeln!(
                s,
                "  {:<10} persona {:>2} {:<50} {:>6.0} lonely residents without offer",
                c.wijkcode, c.persona, c.persona_name, c.severity
            );
        }
    }
    for skipped in &outcome.skipped {
        let _ = writeln!(s, "\nNot run: {skipped}.");
    }
    let total: f64 = outcome.timings.iter().map(|t| t.seconds).sum();
    let stages: Vec<String> = outcome
        .timings
        .iter()
        .map(|t| format!("{} {:.1}s", t.stage, t.seconds))
        .collect();
    let _ = writeln!(s, "\nStages: {} (total {:.1}s)", stages.join(", "), total);
    let _ = writeln!(
        s,
        "Report: {}\nOutputs in {}: {}",
        outcome.out_dir.join(crate::report::FILE_NAME).display(),
        outcome.out_dir.display(),
        outcome.files.join(", ")
    );
    s
}
