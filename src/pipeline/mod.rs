//! The main job: every stage in order, from a study folder to the output folder.
//!
//! `validate -> link -> ...` — each stage is called through its own small public surface; this
//! module only sequences them, reports progress and writes the run summary. Stages that are not
//! built yet are listed in [`RunOutcome::not_yet_built`] so the CLI can say so instead of pretending.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::error::{Error, Result};
use crate::link::{link_study, StudyLinks};
use crate::sources::{ingest, Ingested, StudyConfig};

mod progress;
pub use progress::Progress;

/// Raw options of a run (the CLI fills these; [`RunOptions::check`] validates them once).
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub study_dir: PathBuf,
    pub out_dir: PathBuf,
    /// Seed for every random step (u sampling in linkage, restarts, bootstraps).
    pub seed: u64,
    /// Write resident-level `residents.csv` (pseudonymous; off by default).
    pub export_residents: bool,
}

/// Options that passed validation.
#[derive(Debug, Clone)]
pub struct CheckedRunOptions(RunOptions);

impl RunOptions {
    pub fn check(self) -> Result<CheckedRunOptions> {
        crate::ensure!(
            self.study_dir.is_dir(),
            Config: "study folder {} does not exist or is not a folder",
            self.study_dir.display()
        );
        crate::ensure!(
            self.out_dir != self.study_dir,
            Config: "--out must differ from the study folder: outputs never overwrite the inputs"
        );
        if self.out_dir.exists() && !self.out_dir.is_dir() {
            return Err(Error::Config(format!(
                "--out {} exists and is not a folder",
                self.out_dir.display()
            )));
        }
        Ok(CheckedRunOptions(self))
    }
}

/// A stage and how long it took.
#[derive(Debug, Clone)]
pub struct StageTiming {
    pub stage: &'static str,
    pub seconds: f64,
}

/// Everything a caller needs to summarise a run.
#[derive(Debug)]
pub struct RunOutcome {
    pub ingested: Ingested,
    pub links: StudyLinks,
    pub out_dir: PathBuf,
    pub timings: Vec<StageTiming>,
    /// Files written, relative to `out_dir`, sorted.
    pub files: Vec<String>,
    /// Stages of the full job that this build does not have yet.
    pub not_yet_built: Vec<&'static str>,
}

/// Runs every built stage on the study and writes its outputs.
pub fn run(options: &CheckedRunOptions, progress: &Progress) -> Result<RunOutcome> {
    let opts = &options.0;
    let mut timings = Vec::new();
    let mut timed = |stage: &'static str, start: Instant| {
        timings.push(StageTiming {
            stage,
            seconds: start.elapsed().as_secs_f64(),
        })
    };

    let start = Instant::now();
    let step = progress.stage("validate", "reading and validating the sources");
    let config = StudyConfig::load(&opts.study_dir)?;
    let mut ingested = ingest(&opts.study_dir, &config)?;
    crate::ensure!(
        ingested.is_usable(),
        Data: "the study is not usable: no accepted rows in {} (run `loneliness validate {}` for details)",
        ingested.unusable_sources().join(", "),
        opts.study_dir.display()
    );
    step.finish();
    timed("validate", start);

    let start = Instant::now();
    let step = progress.stage("link", "linking sources to the register");
    let links = link_study(&ingested.study, opts.seed)?;
    for (kind, source_links) in &links.sources {
        if let Some(summary) = ingested.summary.sources.get_mut(kind.name()) {
            summary.link_rate = Some(round6(source_links.link_rate()));
        }
    }
    step.finish();
    timed("link", start);

    let step = progress.stage("write", "writing outputs");
    ingested.write(&opts.out_dir)?;
    crate::link::study::write_outputs(&ingested.study, &links, &opts.out_dir)?;
    step.finish();

    Ok(RunOutcome {
        files: list_files(&opts.out_dir),
        ingested,
        links,
        out_dir: opts.out_dir.clone(),
        timings,
        not_yet_built: vec!["personas", "risk", "gaps", "report"],
    })
}

/// Rates are written with six decimals so the summary does not depend on float printing noise.
fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

fn list_files(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(base, &path, out);
            } else if let Ok(rel) = path.strip_prefix(base) {
                out.push(rel.display().to_string());
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, dir, &mut files);
    files.sort();
    files
}
