//! Ingest: read, validate and pseudonymise a study folder.
//!
//! Municipal exports are messy, and an analyst must be able to trust that every row was either used
//! or reported. So every data row of every file ends in exactly one of two places: a typed record in
//! [`Study`], or a line in [`Quarantine`] with a reason code from `contract::Reason`
//! (`rows_read = rows_accepted + rows_quarantined` per source in [`IngestSummary`]). Problems that
//! make a whole file unusable (a missing required file or column, a file that is not text, an
//! empty file, no pseudonym key) are fatal [`Error::Input`]s naming the file, line and column.
//!
//! Raw BSNs exist only inside the row parser: each becomes `pseudo_id` = HMAC-SHA256 with the
//! study's key on the spot, and quarantine files show them masked.
//!
//! Usage:
//! ```no_run
//! # fn main() -> loneliness::Result<()> {
//! use loneliness::contract::pseudonym::KeySource;
//! use loneliness::sources::{ingest, StudyConfig};
//! let dir = std::path::Path::new("datasets/demo");
//! let config = StudyConfig::load(dir)?;
//! let ingested = ingest(dir, &config, &KeySource::study_file_only())?;
//! println!("{} residents", ingested.study.brp.len());
//! ingested.write(std::path::Path::new("out"))?;
//! # Ok(()) }
//! ```
//!
//! The rules live next to the code they govern: file dialects in [`dialect`], what each column
//! must hold in [`parse`], the order of checks in [`pipeline`], `study.toml` and the reference date
//! in [`config`].

pub mod config;
pub mod dialect;
pub mod parse;
pub mod pipeline;
pub mod quarantine;
pub mod summary;
pub mod values;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{Datelike, NaiveDate};

use crate::contract::files::{LinkKey, SOURCES};
use crate::contract::pseudonym::KeySource;
use crate::contract::{PseudoId, PseudonymKey, SourceKind};
use crate::error::{Error, Location, Result};

pub use crate::contract::records::*;
pub use config::{Municipality, ReferenceDateRule, StudyConfig};
pub use quarantine::{Quarantine, QuarantinedRow};
pub use summary::{IngestSummary, SourceSummary};

use dialect::LoadedFile;
use parse::Context;
use pipeline::{decide, read_rows, Outcome, Pending};

/// Below this share of survey respondents linking to the BRP, `validate` says the pseudonym key
/// is probably wrong (a right key links most respondents; a wrong one links none).
pub const MIN_SURVEY_LINK_RATE: f64 = 0.05;

/// The result of ingest: typed tables, rejected rows and the summary of both.
#[derive(Debug, Clone, PartialEq)]
pub struct Ingested {
    pub study: Study,
    pub quarantine: Quarantine,
    pub summary: IngestSummary,
}

impl Ingested {
    /// Writes `out_dir/summary.json` and `out_dir/quarantine/<source>.csv` (one per source read).
    pub fn write(&self, out_dir: &Path) -> Result<()> {
        crate::io::ensure_dir(out_dir)?;
        self.quarantine.write(&out_dir.join("quarantine"))?;
        crate::io::write_atomic(
            &out_dir.join("summary.json"),
            self.summary.to_json().as_bytes(),
        )
    }

    /// True when the study can be analysed: every required source has at least one accepted row.
    pub fn is_usable(&self) -> bool {
        self.unusable_sources().is_empty()
    }

    /// Warnings that make a study unusable although every required source has rows: a required
    /// source most of whose rows were quarantined (a wrong reference date, a shifted column), and
    /// survey `pseudo_id`s that (almost) never match a BRP resident (a wrong pseudonym key).
    pub fn doubts(&self) -> Vec<String> {
        let mut out = Vec::new();
        for spec in SOURCES.iter().filter(|s| s.required) {
            if let Some(x) = self.summary.sources.get(spec.name) {
                if x.rows_read >= 20 && x.rows_quarantined * 2 > x.rows_read {
                    out.push(format!(
                        "{}: more than half of the rows were quarantined; check the reference date \
                         ({}) and the columns before running",
                        spec.name, self.study.reference_date
                    ));
                }
            }
        }
        let survey = &self.study.survey.records;
        if survey.len() >= 20 && !self.study.brp.records.is_empty() {
            let brp: std::collections::HashSet<&PseudoId> = self
                .study
                .brp
                .records
                .iter()
                .map(|r| &r.pseudo_id)
                .collect();
            let linked = survey.iter().filter(|r| brp.contains(&r.pseudo_id)).count();
            let rate = linked as f64 / survey.len() as f64;
            if rate < MIN_SURVEY_LINK_RATE {
                out.push(format!(
                    "gezondheidsmonitor: only {:.1}% of the respondents' pseudo_ids match a BRP \
                     resident; the pseudonym key (pseudonym.key or LONELINESS_PSEUDONYM_KEY) is \
                     probably not the key the GGD's trusted third party used",
                    100.0 * rate
                ));
            }
        }
        out
    }

    /// Required sources without a single accepted row.
    pub fn unusable_sources(&self) -> Vec<&'static str> {
        SOURCES
            .iter()
            .filter(|s| s.required)
            .filter(|s| {
                self.summary
                    .sources
                    .get(s.name)
                    .is_none_or(|x| x.rows_accepted == 0)
            })
            .map(|s| s.name)
            .collect()
    }
}

/// Reads and validates a study folder; the first fatal problem is the error.
pub fn ingest(study_dir: &Path, config: &StudyConfig, keys: &KeySource) -> Result<Ingested> {
    ingest_reporting_all(study_dir, config, keys).map_err(|errors| {
        errors
            .into_iter()
            .next()
            .unwrap_or_else(|| Error::Data("ingest failed without a reason".into()))
    })
}

/// As [`ingest`], but returns every fatal problem found before any row was read (all missing files
/// and columns at once), so `loneliness validate` can list them in one go.
pub fn ingest_reporting_all(
    study_dir: &Path,
    config: &StudyConfig,
    keys: &KeySource,
) -> std::result::Result<Ingested, Vec<Error>> {
    if !study_dir.is_dir() {
        return Err(vec![Error::input(
            Location::file(study_dir),
            "not a folder; expected a study folder holding brp.csv, gebieden.csv, ...",
        )]);
    }
    let mut errors = Vec::new();
    let mut files: BTreeMap<SourceKind, LoadedFile> = BTreeMap::new();
    let mut absent = Vec::new();
    for spec in SOURCES {
        let path = config.file_path(study_dir, spec);
        if !path.exists() {
            if spec.required {
                errors.push(Error::input(
                    Location::file(&path),
                    format!(
                        "missing required file; expected {} (one row per {}) in the study folder",
                        config.file_name(spec),
                        what_a_row_is(spec.kind)
                    ),
                ));
            } else {
                absent.push(spec.name.to_string());
            }
            continue;
        }
        match dialect::load(study_dir, spec, config) {
            Ok(file) => {
                files.insert(spec.kind, file);
            }
            Err(mut e) => errors.append(&mut e),
        }
    }
    let needs_key = SOURCES.iter().any(|s| {
        matches!(s.link_key, LinkKey::Bsn | LinkKey::PseudoId)
            && config.file_path(study_dir, s).exists()
    });
    let key = if needs_key {
        match keys.load(study_dir) {
            Ok(k) => Some(k),
            Err(e) => {
                errors.push(e);
                None
            }
        }
    } else {
        None
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    read_study(study_dir, config, files, absent, key).map_err(|e| vec![e])
}

/// A `sociale_kaart`-shaped file read on its own, e.g. offers proposed in a workshop.
#[derive(Debug, Clone, PartialEq)]
pub struct OfferFile {
    pub offers: Table<Offer>,
    /// Rejected rows, with the same reasons as in ingest.
    pub quarantine: Vec<QuarantinedRow>,
    pub rows_read: u64,
}

/// Reads one offers file with exactly the parsing, validation and quarantine rules of
/// `sociale_kaart.csv` in [`ingest`]: areas are checked against the study's `gebieden`, `study.toml`
/// column names apply, repeated `aanbod_id`s within the file are quarantined. Fatal problems
/// (missing file or required column, not a text file) are the error.
pub fn read_offers(path: &Path, gebieden: &[Buurt], config: &StudyConfig) -> Result<OfferFile> {
    let spec = SourceKind::SocialeKaart.spec();
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let file = dialect::load_path(path.to_path_buf(), file_name, spec, config).map_err(|e| {
        e.into_iter()
            .next()
            .unwrap_or_else(|| Error::Data("reading offers failed without a reason".into()))
    })?;
    let buurten: BTreeMap<String, String> = gebieden
        .iter()
        .map(|b| (b.buurtcode.clone(), b.wijkcode.clone()))
        .collect();
    let wijken: BTreeSet<String> = gebieden.iter().map(|b| b.wijkcode.clone()).collect();
    let ctx = Context {
        buurten: &buurten,
        wijken: &wijken,
        pseudonymiser: None,
    };
    // Offers carry no dates, so the reference date plays no part.
    let decided = decide::<Offer>(read_rows(&file, &ctx)?, &file, None);
    Ok(OfferFile {
        offers: Table {
            records: decided.records,
            extra_columns: file.columns.extra_names(),
        },
        quarantine: decided.quarantine,
        rows_read: decided.rows_read,
    })
}

fn what_a_row_is(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::Gebieden => "buurt",
        SourceKind::Brp => "resident aged 18+",
        SourceKind::Gezondheidsmonitor => "survey respondent",
        _ => "record",
    }
}

fn read_study(
    study_dir: &Path,
    config: &StudyConfig,
    files: BTreeMap<SourceKind, LoadedFile>,
    absent: Vec<String>,
    key: Option<PseudonymKey>,
) -> Result<Ingested> {
    let pseudonymiser = key.map(|k| k.pseudonymiser());
    let mut quarantine = Quarantine::default();
    let mut sources = BTreeMap::new();

    let no_buurten = BTreeMap::new();
    let no_wijken = BTreeSet::new();
    let area_free = Context {
        buurten: &no_buurten,
        wijken: &no_wijken,
        pseudonymiser: pseudonymiser.as_ref(),
    };
    let gebieden_file = &files[&SourceKind::Gebieden];
    let gebieden = decide::<Buurt>(read_rows(gebieden_file, &area_free)?, gebieden_file, None);
    let gebieden = finish(
        gebieden,
        gebieden_file,
        SourceKind::Gebieden,
        &mut quarantine,
        &mut sources,
    );

    let buurten: BTreeMap<String, String> = gebieden
        .iter()
        .map(|b| (b.buurtcode.clone(), b.wijkcode.clone()))
        .collect();
    let wijken: BTreeSet<String> = gebieden.iter().map(|b| b.wijkcode.clone()).collect();
    let ctx = Context {
        buurten: &buurten,
        wijken: &wijken,
        pseudonymiser: pseudonymiser.as_ref(),
    };

    let brp_file = &files[&SourceKind::Brp];
    let brp_pending: Vec<Pending<Resident>> = read_rows(brp_file, &ctx)?;
    let (reference_date, latest) = reference_date(config, &brp_pending, brp_file)?;
    let brp = decide(brp_pending, brp_file, Some(reference_date));
    let brp = finish(
        brp,
        brp_file,
        SourceKind::Brp,
        &mut quarantine,
        &mut sources,
    );

    // After the BRP the remaining sources are independent: read them concurrently so one
    // source's sequential steps (CSV scanning, in-order decisions) overlap another's parsing.
    // Results are booked in spec order, so the outcome does not depend on scheduling.
    let run = |kind: SourceKind| files.get(&kind).map(|file| (file, kind));
    let r = reference_date;
    let ((survey, inkomen), (wmo, (opvoed, small))) = rayon::join(
        || {
            rayon::join(
                || decided::<SurveyResponse>(run(SourceKind::Gezondheidsmonitor), &ctx, r),
                || decided::<Income>(run(SourceKind::Inkomen), &ctx, r),
            )
        },
        || {
            rayon::join(
                || decided::<WmoProvision>(run(SourceKind::Wmo), &ctx, r),
                || {
                    (
                        decided::<ParentingSupport>(run(SourceKind::Opvoedondersteuning), &ctx, r),
                        (
                            decided::<DebtRegistration>(run(SourceKind::Schuldhulp), &ctx, r),
                            decided::<HomeVisit>(run(SourceKind::Huisbezoeken), &ctx, r),
                            decided::<Safety>(run(SourceKind::Veiligheid), &ctx, r),
                            decided::<Offer>(run(SourceKind::SocialeKaart), &ctx, r),
                        ),
                    )
                },
            )
        },
    );
    let (schuldhulp, huisbezoeken, veiligheid, sociale_kaart) = small;
    macro_rules! book {
        ($d:expr) => {
            book_source($d?, &mut quarantine, &mut sources)
        };
    }
    let survey = book!(survey);
    let inkomen = book!(inkomen);
    let wmo = book!(wmo);
    let opvoed = book!(opvoed);
    let schuldhulp = book!(schuldhulp);
    let huisbezoeken = book!(huisbezoeken);
    let veiligheid = book!(veiligheid);
    let sociale_kaart = book!(sociale_kaart);

    let summary = IngestSummary {
        study: study_dir
            .canonicalize()
            .ok()
            .as_deref()
            .unwrap_or(study_dir)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        municipality: config.municipality.clone(),
        reference_date,
        reference_date_rule: summary::rule_text(config.reference_date, latest),
        suppression_threshold: config.suppression_threshold,
        sources,
        absent_sources: absent,
    };
    Ok(Ingested {
        study: Study {
            reference_date,
            gebieden,
            brp,
            survey,
            inkomen,
            wmo,
            opvoed,
            schuldhulp,
            huisbezoeken,
            veiligheid,
            sociale_kaart,
        },
        quarantine,
        summary,
    })
}

/// How many of the latest BRP dates the derived reference date ignores: 5, or 0.1% of the rows
/// when that is more. A register extract settles hundreds of people a year, so the true latest
/// year is reached by far more rows; a handful of typos is not.
pub fn robust_rank(n: usize) -> usize {
    5.max(n / 1000)
}

/// Applies the reference-date rule of [`config`]; also returns the latest BRP date when derived.
fn reference_date(
    config: &StudyConfig,
    brp: &[Pending<Resident>],
    brp_file: &LoadedFile,
) -> Result<(NaiveDate, Option<NaiveDate>)> {
    match config.reference_date {
        ReferenceDateRule::Explicit(d) | ReferenceDateRule::Given(d) => Ok((d, None)),
        ReferenceDateRule::Year(y) => NaiveDate::from_ymd_opt(y, 1, 1)
            .map(|d| (d, None))
            .ok_or_else(|| Error::Config(format!("year {y} has no 1 January"))),
        ReferenceDateRule::DerivedFromBrp => {
            let mut dates: Vec<NaiveDate> = brp
                .iter()
                .filter_map(|p| match &p.outcome {
                    Outcome::Parsed { result: Ok(r), .. } => {
                        r.datum_vestiging.max(r.datum_burgerlijke_staat)
                    }
                    _ => None,
                })
                .collect();
            // Robust to a few wrong rows: not the latest date but the one that at least
            // `robust_rank(n)` rows reach (a 2099 typo moves nothing; those rows are then
            // quarantined as future dates).
            dates.sort_unstable_by(|a, b| b.cmp(a));
            let latest = dates
                .get(robust_rank(dates.len()).min(dates.len().saturating_sub(1)))
                .copied()
                .ok_or_else(|| {
                    Error::input(
                        Location::file(&brp_file.path),
                        "cannot derive the reference date: no row has a valid datum_vestiging \
                         or datum_burgerlijke_staat; set reference_date (or year) in study.toml",
                    )
                })?;
            let next = NaiveDate::from_ymd_opt(latest.year() + 1, 1, 1).ok_or_else(|| {
                Error::input(
                    Location::file(&brp_file.path),
                    format!(
                        "latest date {latest} is too far in the future to derive a reference date"
                    ),
                )
            })?;
            Ok((next, Some(latest)))
        }
    }
}

/// Reads and decides one source when its file is present.
type DecidedSource<'f, T> = Option<(pipeline::Decided<T>, &'f LoadedFile, SourceKind)>;

fn decided<'f, T: parse::SourceRow>(
    source: Option<(&'f LoadedFile, SourceKind)>,
    ctx: &Context<'_>,
    reference: NaiveDate,
) -> Result<DecidedSource<'f, T>> {
    source
        .map(|(file, kind)| {
            let pending = read_rows(file, ctx)?;
            Ok((decide::<T>(pending, file, Some(reference)), file, kind))
        })
        .transpose()
}

/// [`finish`] for a source that may be absent (an empty table then).
fn book_source<T>(
    decided: DecidedSource<'_, T>,
    quarantine: &mut Quarantine,
    sources: &mut BTreeMap<String, SourceSummary>,
) -> Table<T> {
    match decided {
        Some((d, file, kind)) => finish(d, file, kind, quarantine, sources),
        None => Table::default(),
    }
}

/// Books a decided source into the quarantine and the summary and returns its table.
fn finish<T>(
    decided: pipeline::Decided<T>,
    file: &LoadedFile,
    kind: SourceKind,
    quarantine: &mut Quarantine,
    sources: &mut BTreeMap<String, SourceSummary>,
) -> Table<T> {
    let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
    for q in &decided.quarantine {
        *reasons.entry(q.reason.code().to_string()).or_default() += 1;
    }
    sources.insert(
        kind.name().to_string(),
        SourceSummary {
            file: file.file_name.clone(),
            rows_read: decided.rows_read,
            rows_accepted: decided.records.len() as u64,
            rows_quarantined: decided.quarantine.len() as u64,
            quarantine_reasons: reasons,
            encoding: file.encoding.code().to_string(),
            delimiter: char::from(file.delimiter).to_string(),
            extra_columns: file.columns.extra_names(),
            absent_optional_columns: file.columns.absent_columns(),
            link_rate: None,
        },
    );
    quarantine.by_source.insert(kind, decided.quarantine);
    Table {
        records: decided.records,
        extra_columns: file.columns.extra_names(),
    }
}
