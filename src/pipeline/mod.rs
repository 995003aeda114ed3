//! The main job: every stage in order, from a study folder to the output folder.
//!
//! `validate -> link -> features -> personas -> risk -> gaps -> report` — each stage is called
//! through its own small public surface; this module only sequences them, reports progress,
//! translates stage results for the report ([`report_data`]) and writes the run summary.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use crate::contract::pseudonym::KeySource;
use crate::contract::round6;
use crate::error::{Error, Result};
use crate::link::{link_study, StudyLinks};
use crate::offer::{self, GapReport, NeedRules};
use crate::personas::{self, model::PersonaModel, PersonaParams, PersonaRun};
use crate::residents::Frame;
use crate::risk::{self, model::RiskModel, RiskParams, RiskRun};
use crate::sources::{ingest, Ingested, StudyConfig};

mod progress;
mod report_data;
pub use progress::Progress;

/// The seed of every command when none is given, so `run`, `personas`, `risk` and `score` link and
/// fit alike by default.
pub const DEFAULT_SEED: u64 = crate::contract::DEFAULT_SEED;

/// Raw options of a run (the CLI fills these; [`RunOptions::check`] validates them once).
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub study_dir: PathBuf,
    pub out_dir: PathBuf,
    /// Where the pseudonym key comes from (the study's `pseudonym.key`, else a fallback).
    pub keys: KeySource,
    /// Seed for every random step (u sampling in linkage, restarts, bootstraps).
    pub seed: u64,
    /// The reference date (`--peildatum`); wins over `study.toml` and the derived date.
    pub reference_date: Option<chrono::NaiveDate>,
    /// Write resident-level `residents.csv` (pseudonymous; off by default).
    pub export_residents: bool,
    /// A fixed number of personas (`None`: chosen by the persona stage).
    pub personas: Option<usize>,
    /// How personas are found (`None`: the method of `personas_model` when given, else the
    /// default).
    pub persona_method: Option<personas::Method>,
    /// A saved persona model to continue: its ids and names are kept, its K is used unless
    /// `personas` is given, and lineage against it is reported.
    pub personas_model: Option<PathBuf>,
    /// A saved risk model: score the study with it instead of training (no survey needed).
    pub risk_model: Option<PathBuf>,
    /// The need rules of the gap check (`None`: the shipped defaults).
    pub need_rules: Option<PathBuf>,
    /// Wijk polygons for the report's map (`None`: `wijken.geojson` in the study, if any).
    pub geo: Option<PathBuf>,
    /// A what-if on the offer: proposed offers to add and offer ids to drop.
    pub whatif: Option<WhatIfOptions>,
}

/// Proposed changes to the sociale kaart for a what-if gap check.
#[derive(Debug, Clone, Default)]
pub struct WhatIfOptions {
    /// A CSV in the format of `sociale_kaart.csv` with offers to add.
    pub add_offers: Option<PathBuf>,
    /// `aanbod_id`s to drop.
    pub drop_offers: Vec<String>,
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
        check_out_dir(&self.study_dir, &self.out_dir)?;
        if self.out_dir.exists() && !self.out_dir.is_dir() {
            return Err(Error::Config(format!(
                "--out {} exists and is not a folder",
                self.out_dir.display()
            )));
        }
        for (flag, path) in [
            ("--personas-model", &self.personas_model),
            ("--risk-model", &self.risk_model),
            ("--rules", &self.need_rules),
            ("--geo", &self.geo),
        ] {
            if let Some(path) = path {
                crate::ensure!(path.is_file(), Config: "{flag} {} is not a file", path.display());
            }
        }
        // Settings that need no data fail now, not after minutes of linkage and training.
        PersonaParams {
            k: self.personas,
            ..PersonaParams::default()
        }
        .check_settings()?;
        if let Some(w) = &self.whatif {
            crate::ensure!(
                w.add_offers.is_some() || !w.drop_offers.is_empty(),
                Config: "a what-if needs --add-offers FILE or --drop-offers IDS"
            );
            if let Some(path) = &w.add_offers {
                crate::ensure!(path.is_file(), Config: "--add-offers {} is not a file", path.display());
            }
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

/// The what-if's result: the check with the proposed offers and what changed.
#[derive(Debug)]
pub struct WhatIf {
    pub report: GapReport,
    pub changes: Vec<offer::Change>,
    /// Rows of the added-offers file that were quarantined (with reasons in `whatif.json`).
    pub quarantined: usize,
}

/// Everything a caller needs to summarise a run.
#[derive(Debug)]
pub struct RunOutcome {
    /// The ingest result; its BRP, `inkomen`, `wmo` and `opvoedondersteuning` records are
    /// released once the feature table is built (the frame holds what later stages need).
    pub ingested: Ingested,
    pub links: StudyLinks,
    pub frame: Frame,
    pub personas: PersonaRun,
    pub risk: RiskRun,
    /// `None` when the study has no sociale kaart.
    pub gaps: Option<GapReport>,
    pub whatif: Option<WhatIf>,
    /// What `report.html` shows (the view model it was rendered from).
    pub report: crate::report::ReportData,
    pub out_dir: PathBuf,
    pub timings: Vec<StageTiming>,
    /// Files written, relative to `out_dir`, sorted.
    pub files: Vec<String>,
    /// Stages of the full job that did not run, and why.
    pub skipped: Vec<String>,
}

/// Runs every stage on the study and writes its outputs.
pub fn run(options: &CheckedRunOptions, progress: &Progress) -> Result<RunOutcome> {
    let opts = &options.0;
    let mut timings = Vec::new();
    let mut timed = |stage: &'static str, start: Instant| {
        timings.push(StageTiming {
            stage,
            seconds: start.elapsed().as_secs_f64(),
        })
    };
    // Load every saved artefact first: a bad model file should fail before minutes of work.
    let previous = opts
        .personas_model
        .as_deref()
        .map(PersonaModel::load)
        .transpose()?;
    let risk_model = opts
        .risk_model
        .as_deref()
        .map(RiskModel::load)
        .transpose()?;
    let rules = match &opts.need_rules {
        Some(path) => NeedRules::load(path)?,
        None => NeedRules::defaults()?,
    };
    let geometry = crate::report::geo::for_study(&opts.study_dir, opts.geo.as_deref())?;

    let start = Instant::now();
    let step = progress.stage("validate", "reading and validating the sources");
    let config = StudyConfig::load(&opts.study_dir)?.with_reference_date(opts.reference_date);
    let mut ingested = read_study(&opts.study_dir, &config, &opts.keys)?;
    return_free_memory();
    let threshold = ingested.summary.suppression_threshold;
    // The what-if's offers are read and checked now, before the long stages: a typo in
    // --drop-offers or a bad --add-offers file fails in seconds, not after training.
    let has_offer = ingested.summary.sources.contains_key("sociale_kaart");
    let proposed = match &opts.whatif {
        Some(w) => {
            crate::ensure!(
                has_offer,
                Config: "a what-if needs the study's sociale_kaart.csv, and {} has none",
                opts.study_dir.display()
            );
            let (added, quarantined) = match &w.add_offers {
                Some(path) => {
                    let file = crate::sources::read_offers(
                        path,
                        &ingested.study.gebieden.records,
                        &config,
                    )?;
                    (file.offers.records, file.quarantine.len())
                }
                None => (Vec::new(), 0),
            };
            let base = &ingested.study.sociale_kaart.records;
            Some((offer::whatif(base, added, &w.drop_offers)?, quarantined))
        }
        None => None,
    };
    step.finish();
    timed("validate", start);

    let start = Instant::now();
    let step = progress.stage("link", "linking sources to the register");
    let links = link(&mut ingested, opts.seed)?;
    step.finish();
    timed("link", start);

    let start = Instant::now();
    let step = progress.stage("features", "building the resident feature table");
    let frame = Frame::build(&ingested.study, &links)?;
    let table = &frame.table;
    release_raw_records(&mut ingested);
    step.finish();
    timed("features", start);

    let start = Instant::now();
    let step = progress.stage("personas", "clustering residents into personas");
    let params = PersonaParams {
        k: opts.personas.or(previous.as_ref().map(|m| m.k)),
        method: opts
            .persona_method
            .or(previous.as_ref().map(PersonaModel::method))
            .unwrap_or_default(),
        seed: opts.seed,
        suppression_threshold: threshold,
        ..PersonaParams::default()
    }
    .check(table.rows())?;
    let persona_run = personas::run(&frame, &params, previous.as_ref(), |m| step.message(m))?;
    let persona_of_row = persona_run.resident_ids();
    step.finish();
    timed("personas", start);

    let start = Instant::now();
    let risk_run = match &risk_model {
        Some(model) => {
            let step = progress.stage("risk", "scoring residents with the saved risk model");
            let r = risk::score(&frame, model, threshold)?;
            step.finish();
            r
        }
        None => {
            let step = progress.stage("risk", "training the risk model on the survey");
            let params = RiskParams {
                seed: opts.seed,
                suppression_threshold: threshold,
                ..RiskParams::default()
            }
            .check()?;
            let r = risk::train(&frame, &params, |m| step.message(m))?;
            step.finish();
            r
        }
    };
    timed("risk", start);

    let start = Instant::now();
    let mut skipped = Vec::new();
    let check = |offers: &[crate::sources::Offer]| {
        offer::check(&offer::GapInput {
            frame: &frame,
            offers,
            personas: &offer::personas_of(&persona_run),
            persona_of_row: &persona_of_row,
            lonely_probability: &risk_run.p_lonely,
            rules: &rules,
            suppression_threshold: threshold,
        })
    };
    let (gaps, whatif) = if has_offer {
        let step = progress.stage("gaps", "checking every persona against the local offer");
        let base = &ingested.study.sociale_kaart.records;
        let gaps = check(base)?;
        let whatif = match proposed {
            Some((proposed, quarantined)) => {
                step.message("rerunning the check with the proposed offers");
                let report = check(&proposed)?;
                let changes = offer::compare(&gaps, &report);
                Some(WhatIf {
                    report,
                    changes,
                    quarantined,
                })
            }
            None => None,
        };
        step.finish();
        (Some(gaps), whatif)
    } else {
        crate::ensure!(
            opts.whatif.is_none(),
            Data: "a what-if needs the study's sociale_kaart.csv, which {} does not have",
            opts.study_dir.display()
        );
        // The absent file itself is named once, in the summary's "Not present" line.
        skipped.push("gaps (no offer to check)".to_string());
        (None, None)
    };
    timed("gaps", start);

    let start = Instant::now();
    let step = progress.stage("report", "writing the outputs and the report");
    // Written into a staging folder and swapped in whole (crate::io::staging): a failure or a
    // kill from here on leaves the previous output set as it was.
    let set = crate::io::staging::OutputSet::begin(&opts.out_dir, crate::io::staging::RUN_FILES)?;
    let out = set.dir();
    ingested.write(out)?;
    crate::link::study::write_outputs(&ingested.study, &table.pseudo_ids, &links, out)?;
    personas::output::write(&persona_run, table, out, false)?;
    risk::output::write(&risk_run, out)?;
    let models = out.join("models");
    persona_run.model.save(&models.join("personas.json"))?;
    if risk_model.is_none() {
        risk_run.model.save(&models.join("risk.json"))?;
    }
    if let Some(g) = &gaps {
        offer::write(g, out)?;
    }
    if let Some(w) = &whatif {
        write_whatif(w, out)?;
    }
    write_residents(
        out,
        opts.export_residents,
        table,
        &persona_of_row,
        &risk_run.p_lonely,
    )?;
    let mut data = report_data::build(
        &ingested.study,
        &ingested.summary,
        &links,
        &persona_run,
        table,
        &risk_run,
        gaps.as_ref(),
        geometry,
    );
    data.synthetic = crate::contract::files::is_synthetic(&opts.study_dir);
    crate::report::write(&data, out)?;
    let summary = RunSummary::new(&ingested, &persona_run, &risk_run, gaps.as_ref());
    crate::io::write_atomic(&out.join("summary.json"), summary.to_json().as_bytes())?;
    set.commit()?;
    step.finish();
    timed("report", start);

    Ok(RunOutcome {
        files: list_files(&opts.out_dir),
        ingested,
        links,
        frame,
        personas: persona_run,
        risk: risk_run,
        gaps,
        whatif,
        report: data,
        out_dir: opts.out_dir.clone(),
        timings,
        skipped,
    })
}

/// Releases the raw records no stage after the feature table reads: the BRP (the table has its
/// pseudonyms and wijken, in register order) and the sources folded into the table (`inkomen`,
/// `wmo`, `opvoedondersteuning`). At a million residents they are about a gigabyte beside the
/// table and the personas' and risk stage's work. Kept: `gebieden`, the survey, `schuldhulp`,
/// `huisbezoeken` (row numbers for `links.csv`), `veiligheid` and the sociale kaart, all small.
///
/// The records were allocated string by string during ingest; freed, they leave free pages
/// inside the heap that glibc keeps unless asked, so the pages are handed back explicitly
/// ([`return_free_memory`]).
fn release_raw_records(ingested: &mut Ingested) {
    let study = &mut ingested.study;
    drop(std::mem::take(&mut study.brp));
    drop(std::mem::take(&mut study.inkomen));
    drop(std::mem::take(&mut study.wmo));
    drop(std::mem::take(&mut study.opvoed));
    return_free_memory();
}

/// Hands free heap pages back to the system (glibc keeps freed memory for reuse unless asked:
/// the file texts and parse buffers of ingest, the records released after the feature table).
fn return_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free heap pages to the system; it has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Refuses an output folder that is the study folder or lies inside it, compared as real paths
/// (symlinks and `..` resolved), so outputs can never overwrite an input file.
pub fn check_out_dir(study_dir: &Path, out_dir: &Path) -> Result<()> {
    let study = study_dir
        .canonicalize()
        .map_err(|e| Error::io(study_dir, e))?;
    let out = crate::io::real_path(out_dir).map_err(|e| Error::io(out_dir, e))?;
    crate::ensure!(
        !out.starts_with(&study),
        Config: "--out {} is (inside) the study folder {}: outputs never go where the inputs are; choose another folder",
        out_dir.display(),
        study_dir.display()
    );
    Ok(())
}

/// A study read, linked and turned into the frame: what the single-stage commands (`personas`,
/// `risk`, `score`) start from. [`run`] takes the same three steps, with a stage between them.
#[derive(Debug)]
pub struct Prepared {
    pub ingested: Ingested,
    pub links: StudyLinks,
    pub frame: Frame,
}

/// Ingest (refusing a study without accepted rows in a required source), link, build the frame;
/// `progress` hears which step runs.
pub fn prepare(
    study_dir: &Path,
    config: &StudyConfig,
    keys: &KeySource,
    seed: u64,
    progress: impl Fn(&str),
) -> Result<Prepared> {
    progress("reading the study");
    let mut ingested = read_study(study_dir, config, keys)?;
    progress("linking the sources");
    let links = link(&mut ingested, seed)?;
    progress("building the feature table");
    let frame = Frame::build(&ingested.study, &links)?;
    Ok(Prepared {
        ingested,
        links,
        frame,
    })
}

/// Ingests a study and refuses one with no accepted rows in a required source.
fn read_study(study_dir: &Path, config: &StudyConfig, keys: &KeySource) -> Result<Ingested> {
    let ingested = ingest(study_dir, config, keys)?;
    crate::ensure!(
        ingested.is_usable(),
        Data: "the study is not usable: no accepted rows in {} (run `loneliness validate {}` for details)",
        ingested.unusable_sources().join(", "),
        study_dir.display()
    );
    Ok(ingested)
}

/// Links every source to the register and records each source's link rate in the summary.
fn link(ingested: &mut Ingested, seed: u64) -> Result<StudyLinks> {
    let links = link_study(&ingested.study, seed)?;
    for (kind, source_links) in &links.sources {
        if let Some(summary) = ingested.summary.sources.get_mut(kind.name()) {
            summary.link_rate = Some(round6(source_links.link_rate()));
        }
    }
    Ok(links)
}

/// `summary.json`: the contract's per-source figures plus one short section per later stage, so
/// an analyst (or a script) sees the whole run in one file. Nothing here depends on timing.
#[derive(Debug, Serialize)]
pub struct RunSummary<'a> {
    #[serde(flatten)]
    pub ingest: &'a crate::sources::IngestSummary,
    pub residents: usize,
    pub personas: Vec<PersonaLine>,
    pub risk: RiskLine,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gaps: Option<GapLine>,
}

#[derive(Debug, Serialize)]
pub struct PersonaLine {
    pub id: u32,
    pub name: String,
    /// Empty when the disclosure rule hides the persona's size (share x residents would give it).
    pub share: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct RiskLine {
    pub model: String,
    pub scored_with_saved_model: bool,
    pub cv_auc: f64,
    pub predicted_lonely_pct: f64,
    pub predicted_severe_pct: f64,
    /// Wijken by predicted % lonely, highest first.
    pub districts_ranked: Vec<(String, f64)>,
}

#[derive(Debug, Serialize)]
pub struct GapLine {
    pub covered: usize,
    pub thin: usize,
    pub gap: usize,
    /// The worst gaps first: wijkcode, persona, severity.
    pub worst: Vec<(String, u32, f64)>,
}

impl<'a> RunSummary<'a> {
    pub fn new(
        ingested: &'a Ingested,
        personas: &PersonaRun,
        risk: &RiskRun,
        gaps: Option<&GapReport>,
    ) -> RunSummary<'a> {
        let residents: usize = risk.districts.iter().map(|d| d.residents).sum();
        let mean = |f: &dyn Fn(&crate::risk::districts::DistrictScore) -> f64| {
            round6(
                risk.districts
                    .iter()
                    .map(|d| f(d) * d.residents as f64)
                    .sum::<f64>()
                    / residents.max(1) as f64,
            )
        };
        // The same disclosure pattern as districts.csv and personas.json.
        let (wijk_shown, _) =
            crate::risk::output::published_wijken(&risk.districts, risk.threshold);
        let (persona_shown, _) =
            crate::personas::output::published_sizes(&personas.profiles, personas.threshold);
        let mut ranked: Vec<(String, f64)> = risk
            .districts
            .iter()
            .zip(&wijk_shown)
            .filter(|(_, &shown)| shown)
            .map(|(d, _)| (d.wijkcode.clone(), round6(d.predicted_lonely_pct)))
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        RunSummary {
            ingest: &ingested.summary,
            residents,
            personas: personas
                .profiles
                .iter()
                .zip(&persona_shown)
                .map(|(p, &shown)| PersonaLine {
                    id: p.id,
                    name: p.name.clone(),
                    share: shown.then(|| round6(p.share)),
                })
                .collect(),
            risk: RiskLine {
                model: risk.model.lonely.spec.name(),
                scored_with_saved_model: risk.scored_with_saved_model,
                cv_auc: round6(risk.model.lonely.metrics.auc),
                predicted_lonely_pct: mean(&|d| d.predicted_lonely_pct),
                predicted_severe_pct: mean(&|d| d.predicted_severe_pct),
                districts_ranked: ranked,
            },
            gaps: gaps.map(|g| {
                let (shown, _) = offer::report::published(g);
                let mut worst: Vec<(String, u32, f64)> = g
                    .cells
                    .iter()
                    .zip(&shown)
                    .filter(|(c, &shown)| c.status == offer::Status::Gap && shown)
                    .map(|(c, _)| (c.wijkcode.clone(), c.persona, round6(c.severity)))
                    .collect();
                worst.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
                GapLine {
                    covered: g.count(offer::Status::Covered),
                    thin: g.count(offer::Status::Thin),
                    gap: g.count(offer::Status::Gap),
                    worst,
                }
            }),
        }
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("summary serialises");
        s.push('\n');
        s
    }
}

/// `whatif/gaps.csv` (the check with the proposed offers) and `whatif/changes.json`.
fn write_whatif(w: &WhatIf, out_dir: &Path) -> Result<()> {
    let dir = out_dir.join("whatif");
    crate::io::ensure_dir(&dir)?;
    offer::write(&w.report, &dir)?;
    #[derive(Serialize)]
    struct Changes<'a> {
        added_offers_quarantined: usize,
        changes: &'a [offer::Change],
    }
    let json = serde_json::to_vec_pretty(&Changes {
        added_offers_quarantined: w.quarantined,
        changes: &w.changes,
    })
    .expect("changes serialise");
    crate::io::write_atomic(&dir.join("changes.json"), &json)
}

/// `residents.csv` (`pseudo_id,wijkcode,persona,risk`, the contract's resident-level file) only
/// when asked; without the flag a stale copy from an earlier run is removed, so resident-level
/// data never outlives the run that was asked for it.
fn write_residents(
    out_dir: &Path,
    export: bool,
    table: &crate::residents::FeatureTable,
    persona: &[u32],
    risk: &[f64],
) -> Result<()> {
    use std::io::Write;
    let path = out_dir.join("residents.csv");
    if !export {
        if path.exists() {
            std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        }
        return Ok(());
    }
    let mut csv = Vec::with_capacity(table.rows() * 110);
    writeln!(csv, "pseudo_id,wijkcode,persona,risk").expect("memory");
    for (((id, &w), p), r) in table
        .pseudo_ids
        .iter()
        .zip(&table.wijk)
        .zip(persona)
        .zip(risk)
    {
        writeln!(csv, "{id},{},{p},{r:.6}", table.wijken[w as usize]).expect("memory");
    }
    crate::io::write_atomic(&path, &csv)
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
