//! The main job: every stage in order, from a study folder to the output folder.
//!
//! `validate -> link -> features -> personas -> ...` — each stage is called through its own small
//! public surface; this module only sequences them, reports progress and writes the run summary.
//! Stages that are not built yet are listed in [`RunOutcome::not_yet_built`] so the CLI can say so
//! instead of pretending.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::error::{Error, Result};
use crate::link::{link_study, StudyLinks};
use crate::personas::{self, model::PersonaModel, PersonaParams, PersonaRun};
use crate::residents::FeatureTable;
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
    /// A fixed number of personas (`None`: chosen by the persona stage).
    pub personas: Option<usize>,
    /// A saved persona model to continue: its ids and names are kept, its K is used unless
    /// `personas` is given, and lineage against it is reported.
    pub personas_model: Option<PathBuf>,
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
        if let Some(path) = &self.personas_model {
            crate::ensure!(path.is_file(), Config: "--personas-model {} is not a file", path.display());
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
    pub table: FeatureTable,
    pub personas: PersonaRun,
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

    let start = Instant::now();
    let step = progress.stage("features", "building the resident feature table");
    let table = crate::residents::build(&ingested.study, &links)?;
    step.finish();
    timed("features", start);

    let start = Instant::now();
    let previous = opts
        .personas_model
        .as_deref()
        .map(PersonaModel::load)
        .transpose()?;
    let step = progress.stage("personas", "clustering residents into personas");
    let params = PersonaParams {
        k: opts.personas.or(previous.as_ref().map(|m| m.k)),
        seed: opts.seed,
        suppression_threshold: ingested.summary.suppression_threshold,
        ..PersonaParams::default()
    }
    .check(table.rows())?;
    let persona_run = personas::run(
        &ingested.study,
        &links,
        &table,
        &params,
        previous.as_ref(),
        |m| step.message(m),
    )?;
    step.finish();
    timed("personas", start);

    let step = progress.stage("write", "writing outputs");
    ingested.write(&opts.out_dir)?;
    crate::link::study::write_outputs(&ingested.study, &links, &opts.out_dir)?;
    personas::output::write(&persona_run, &table, &opts.out_dir, false)?;
    persona_run
        .model
        .save(&opts.out_dir.join("models").join("personas.json"))?;
    write_residents(
        &opts.out_dir,
        opts.export_residents,
        &table,
        &persona_run.resident_ids(),
    )?;
    step.finish();

    Ok(RunOutcome {
        files: list_files(&opts.out_dir),
        ingested,
        links,
        table,
        personas: persona_run,
        out_dir: opts.out_dir.clone(),
        timings,
        not_yet_built: vec!["risk", "gaps", "report"],
    })
}

/// `residents.csv` (`pseudo_id,wijkcode,persona`, the contract's resident-level file) only when
/// asked; without the flag a stale copy from an earlier run is removed, so resident-level data
/// never outlives the run that was asked for it.
fn write_residents(
    out_dir: &Path,
    export: bool,
    table: &FeatureTable,
    persona: &[u32],
) -> Result<()> {
    use std::io::Write;
    let path = out_dir.join("residents.csv");
    if !export {
        if path.exists() {
            std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        }
        return Ok(());
    }
    let mut csv = Vec::with_capacity(table.rows() * 100);
    writeln!(csv, "pseudo_id,wijkcode,persona").expect("memory");
    for ((id, &w), p) in table.pseudo_ids.iter().zip(&table.wijk).zip(persona) {
        writeln!(csv, "{id},{},{p}", table.wijken[w as usize]).expect("memory");
    }
    crate::io::write_atomic(&path, &csv)
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
