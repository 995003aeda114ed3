//! The workshop report: one self-contained Dutch HTML file (`OUT/report.html`) with inline CSS and
//! SVG, readable on a projector and printable, that makes no request to any other host.
//!
//! The report renders a plain, serialisable view model ([`ReportData`]) and nothing else, so it
//! does not depend on how the stages compute their results: the pipeline (which knows every
//! stage) fills it in one place, `pipeline::report_data`; this module holds the view model, the
//! formatting and the rendering, and imports no stage. Every published count passes through
//! [`suppress::publish`] when the view model is built and again when it is rendered, so a count
//! between 1 and the suppression threshold can never reach the page.

pub mod colour;
pub mod format;
pub mod geo;
mod html;
pub mod reference;
pub use crate::contract::suppress;
mod svg;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::Result;
pub use geo::WijkGeometry;

/// File name of the report inside the output folder.
pub const FILE_NAME: &str = "report.html";

/// Everything the report shows, and nothing more.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportData {
    pub municipality: MunicipalityView,
    /// Name of the study folder.
    pub study: String,
    /// `YYYY-MM-DD`.
    pub reference_date: String,
    /// Counts below this are not shown.
    pub suppression_threshold: u32,
    pub glance: Glance,
    /// One row per wijk, in wijkcode order (the report ranks them itself).
    pub districts: Vec<District>,
    /// In persona id order.
    pub personas: Vec<PersonaCard>,
    /// Share of each wijk's residents per persona (`None`: suppressed).
    pub persona_districts: Vec<PersonaDistrictShare>,
    /// The gap check; `None` when the stage did not run.
    pub gaps: Option<GapMatrix>,
    /// The risk model card; `None` when the stage did not run.
    pub risk: Option<RiskCard>,
    /// The municipality's published RIVM figure (per wijk figures sit in [`District`]).
    pub reference: Option<ReferenceFigures>,
    /// Per source, in source order.
    pub data_quality: Vec<SourceQuality>,
    /// Wijk polygons for the map; without them the report draws a labelled tile grid.
    pub geometry: Option<WijkGeometry>,
    /// The analyst appendix (K choice); empty parts are left out.
    #[serde(default)]
    pub analyst: AnalystView,
    /// `true` when the study is synthetic (the report then says so on every page header).
    #[serde(default)]
    pub synthetic: bool,
}

/// What only analysts need: the evidence behind the number of personas and the linkage.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AnalystView {
    pub k_choice: Vec<KChoice>,
    /// One per source linked without a BSN (Fellegi-Sunter), in source order.
    #[serde(default)]
    pub linkage: Vec<LinkageView>,
}

/// The fitted linkage model of one source, for the Splink-style charts: the match weights of the
/// scored candidate pairs (with the threshold) and m and u per comparison level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkageView {
    /// The source's code (`schuldhulp`), shown as code.
    pub source: String,
    /// Match weight (log2 of the odds) at which a pair becomes a link.
    pub threshold_weight: f64,
    pub threshold_probability: f64,
    /// Candidate pairs scored at fit time (the histogram's total).
    pub candidate_pairs: Option<u64>,
    /// Candidate pairs per match-weight bin, low to high. Bins are one bit wide unless a small
    /// count was merged with its neighbours (see [`WeightBin`]).
    pub histogram: Vec<WeightBin>,
    /// Per compared field, its levels (without "null").
    pub fields: Vec<LinkField>,
}

/// Candidate pairs with a match weight in `[from, to)`. Every count is 0 or at least the
/// suppression threshold: a bin with 1 to threshold - 1 pairs is merged with the bins after it
/// (the last with the bins before it) until it is not, so no small count is shown or derivable
/// from the total.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightBin {
    pub from: f64,
    pub to: f64,
    pub pairs: Option<u64>,
}

/// One compared field of a linkage model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkField {
    /// The model's name (`birth_date`), shown as code.
    pub code: String,
    /// In plain Dutch (geboortedatum).
    pub label_nl: String,
    pub levels: Vec<LinkLevel>,
}

/// One comparison level: how often matches (m) and non-matches (u) land on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkLevel {
    /// The model's name (`day_month_swapped`), shown as code.
    pub code: String,
    /// In plain Dutch (dag en maand verwisseld).
    pub label_nl: String,
    pub m: f64,
    pub u: f64,
    /// log2(m/u).
    pub match_weight: f64,
}

/// One K tried by the persona stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KChoice {
    pub k: usize,
    pub chosen: bool,
    pub evidence: KEvidence,
}

/// What the persona stage measured for one K, by method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum KEvidence {
    KMeans {
        silhouette: f64,
        /// Mean adjusted Rand index between bootstrap refits.
        stability: f64,
        /// Share of the remaining variation the K-th persona explains.
        inertia_gain: f64,
    },
    LatentClass {
        /// Share of the remaining misfit (log-likelihood) the K-th persona removes.
        gain: f64,
        /// The lowest mean certainty of a persona among its residents.
        certainty: f64,
        /// The criterion K is chosen by, minus the lowest of the table (0 = chosen).
        above_lowest: f64,
    },
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MunicipalityView {
    /// CBS code (`GM0637`).
    pub code: Option<String>,
    pub name: Option<String>,
}

/// The municipality at a glance.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Glance {
    pub residents: Option<u64>,
    /// Residents predicted lonely (sum over wijken of residents x predicted share).
    pub predicted_lonely: Option<u64>,
    pub predicted_lonely_pct: Option<f64>,
    pub predicted_severe: Option<u64>,
    pub predicted_severe_pct: Option<f64>,
    /// Linked survey respondents with a usable loneliness score.
    pub respondents: Option<u64>,
    /// Weighted % lonely among those respondents.
    pub survey_lonely_pct: Option<f64>,
    pub districts: usize,
    pub personas: usize,
    /// 90%-interval of `predicted_lonely_pct`: the residents-weighted mean of the wijken's lower
    /// and upper bounds (as if every wijk erred the same way at once: conservative).
    #[serde(default)]
    pub predicted_lonely_interval: Option<(f64, f64)>,
    #[serde(default)]
    pub predicted_severe_interval: Option<(f64, f64)>,
    /// 90%-interval of `survey_lonely_pct` (Wilson on the Kish effective sample size).
    #[serde(default)]
    pub survey_lonely_interval: Option<(f64, f64)>,
    /// Weighted % severely lonely among the respondents, with its 90%-interval.
    #[serde(default)]
    pub survey_severe_pct: Option<f64>,
    #[serde(default)]
    pub survey_severe_interval: Option<(f64, f64)>,
}

/// One wijk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct District {
    pub wijkcode: String,
    pub wijknaam: Option<String>,
    pub residents: Option<u64>,
    /// The risk model's estimate; `None` when the stage did not run.
    pub prediction: Option<DistrictPrediction>,
    /// Linked respondents in the wijk with a usable score.
    pub respondents: Option<u64>,
    /// Weighted % lonely / severely lonely among them (`None` when respondents are suppressed).
    pub survey_lonely_pct: Option<f64>,
    pub survey_severe_pct: Option<f64>,
    /// 90%-intervals of the two survey figures (Wilson on the Kish effective sample size);
    /// `None` with the figure.
    #[serde(default)]
    pub survey_lonely_interval: Option<(f64, f64)>,
    #[serde(default)]
    pub survey_severe_interval: Option<(f64, f64)>,
    /// RIVM 2020, % of residents 18+.
    pub rivm_lonely_pct: Option<f64>,
    pub rivm_severe_pct: Option<f64>,
}

impl District {
    /// "Wijknaam (WK063700)" or the code alone.
    pub fn label(&self) -> String {
        match &self.wijknaam {
            Some(n) if !n.is_empty() && n != &self.wijkcode => n.clone(),
            _ => self.wijkcode.clone(),
        }
    }
}

/// Predicted prevalence in a wijk, percent of its residents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DistrictPrediction {
    pub lonely_pct: f64,
    pub lonely_low_pct: f64,
    pub lonely_high_pct: f64,
    pub severe_pct: Option<f64>,
    /// The 90%-interval of the severe figure, when the stage computed one.
    #[serde(default)]
    pub severe_interval: Option<(f64, f64)>,
}

/// One persona card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonaCard {
    pub id: u32,
    pub name: String,
    pub description: String,
    pub residents: Option<u64>,
    /// Share of all residents, 0..1.
    pub share: f64,
    pub mean_age: f64,
    /// The traits that set it apart, strongest first.
    pub traits: Vec<TraitBar>,
    /// Weighted % lonely among linked respondents (`None` when suppressed).
    pub lonely_pct: Option<f64>,
    /// Its 90%-interval (Wilson on the Kish effective sample size); `None` with the figure.
    #[serde(default)]
    pub lonely_interval: Option<(f64, f64)>,
    pub respondents: Option<u64>,
    /// The beslisboom rules that lead to this persona, in Dutch, most useful first.
    pub rules: Vec<String>,
    /// Bootstrap Jaccard stability of the persona (0..1); `None` when not computed.
    #[serde(default)]
    pub stability: Option<f64>,
    /// A short story in plain Dutch generated from the profile.
    #[serde(default)]
    pub story_nl: String,
    /// What the persona needs from an offer, in plain Dutch.
    #[serde(default)]
    pub needs_nl: Vec<String>,
    /// Names of the offers that fit the persona in at least one wijk, alphabetical.
    #[serde(default)]
    pub fitting_offers: Vec<String>,
}

/// How a persona's bootstrap stability reads: below 0.6 uncertain, from 0.75 stable.
pub fn stability_word(stability: f64) -> (&'static str, &'static str) {
    if stability >= 0.75 {
        (
            "stable",
            "stabiel: komt bij herhaalde indeling steeds terug",
        )
    } else if stability >= 0.6 {
        (
            "fair",
            "redelijk stabiel: komt bij herhaalde indeling meestal terug",
        )
    } else {
        (
            "uncertain",
            "onzeker: deze groep komt bij herhaalde indeling niet steeds terug, gebruik hem met voorzichtigheid",
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TraitKind {
    /// A share 0..1, drawn on a 0-100% axis.
    Share,
    /// A mean on the feature's own scale (age, years, percentile).
    Mean,
}

/// One trait: the persona's value beside the population's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraitBar {
    pub label_nl: String,
    pub persona: f64,
    pub population: f64,
    pub kind: TraitKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonaDistrictShare {
    pub persona: u32,
    pub wijkcode: String,
    /// 0..1 of the wijk's residents; `None` when the cell count is suppressed.
    pub share: Option<f64>,
}

/// How well the local offer serves a persona in a wijk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GapStatus {
    Covered,
    Thin,
    Gap,
}

/// The gap check: one cell per (wijk, persona).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GapMatrix {
    pub cells: Vec<GapCell>,
    /// One sentence on how covered / thin / gap were decided (shown under the matrix).
    pub method_nl: Option<String>,
    /// Active offers that fit at least one cell, with the personas they fit (the offer x persona
    /// matrix), alphabetical by name.
    #[serde(default)]
    pub offers: Vec<OfferFit>,
}

/// One active offer and where it fits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfferFit {
    pub name: String,
    /// Per persona id: the number of wijken where it fits that persona (0: nowhere).
    pub personas: Vec<(u32, u32)>,
    /// Places per week, when stated (not a count of people).
    pub capacity: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GapCell {
    pub wijkcode: String,
    pub persona: u32,
    pub status: GapStatus,
    /// Residents of the persona in the wijk.
    pub residents: Option<u64>,
    /// Offers that fit every need of the persona and reach the wijk.
    pub fitting_offers: u32,
    /// Places per week of those offers, when known.
    pub capacity: Option<u64>,
    /// Larger is worse; the report lists gaps by severity.
    pub severity: Option<f64>,
    pub near_misses: Vec<NearMiss>,
    /// Predicted lonely residents in the cell (rounded, suppressed like every count).
    #[serde(default)]
    pub predicted_lonely: Option<u64>,
    /// Names of the fitting offers, in offer order.
    #[serde(default)]
    pub offer_names: Vec<String>,
}

/// An offer that almost fits, and why it does not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NearMiss {
    pub offer: String,
    /// A Dutch sentence naming the failed criterion.
    pub reason_nl: String,
}

/// The risk model card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskCard {
    /// Chosen model, in words ("logistische regressie met L2").
    pub model: String,
    pub auc: f64,
    pub brier: f64,
    pub calibration_intercept: f64,
    pub calibration_slope: f64,
    /// Respondents the metrics were computed on (held out).
    pub evaluated_on: Option<u64>,
    pub reliability: Vec<ReliabilityBin>,
    /// What a factor contribution means ("procentpunt", "log-odds").
    pub contribution_unit: String,
    pub factors: Vec<WijkFactors>,
    /// The severe-loneliness model's cross-validated metrics.
    #[serde(default)]
    pub severe: Option<ModelMetrics>,
    /// The models compared by cross-validation (analyst appendix).
    #[serde(default)]
    pub candidates: Vec<ModelChoice>,
}

/// Cross-validated metrics of one outcome model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelMetrics {
    pub model: String,
    pub auc: f64,
    pub brier: f64,
    pub calibration_intercept: f64,
    pub calibration_slope: f64,
    pub reliability: Vec<ReliabilityBin>,
}

/// One candidate model of the risk stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelChoice {
    /// The stage's own name (shown as code in the appendix).
    pub code: String,
    pub auc: f64,
    pub brier: f64,
    pub chosen: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityBin {
    /// 0..1.
    pub mean_predicted: f64,
    /// 0..1.
    pub observed: f64,
    pub n: Option<u64>,
}

/// The factors that raise (positive contribution) or lower (negative) predicted loneliness in a
/// wijk: the raising ones strongest first, then the lowering ones strongest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WijkFactors {
    pub wijkcode: String,
    pub factors: Vec<Factor>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Factor {
    pub label_nl: String,
    pub contribution: f64,
}

/// The municipality's published RIVM figures (18+).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferenceFigures {
    /// Citation shown under the comparison.
    pub source: String,
    pub gemeente_lonely_pct: Option<f64>,
    pub gemeente_severe_pct: Option<f64>,
}

/// What happened to the rows of one source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceQuality {
    pub source: String,
    pub file: String,
    pub rows_read: Option<u64>,
    pub rows_accepted: Option<u64>,
    pub rows_quarantined: Option<u64>,
    /// Reason code and rows, reasons in code order.
    pub reasons: Vec<QuarantineCount>,
    /// Share of accepted rows linked to a resident (linked sources only).
    pub link_rate: Option<f64>,
    /// `pseudoniem` or `probabilistisch`.
    pub link_method: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuarantineCount {
    pub reason: String,
    pub rows: Option<u64>,
}

/// The report as one HTML document. Byte-identical for equal data.
pub fn render(data: &ReportData) -> String {
    html::document(data)
}

/// Writes `out_dir/report.html` atomically and returns its path.
pub fn write(data: &ReportData, out_dir: &Path) -> Result<PathBuf> {
    let path = out_dir.join(FILE_NAME);
    crate::io::write_atomic(&path, render(data).as_bytes())?;
    Ok(path)
}
