//! The result of the gap check and its two files: `gaps.csv` (one row per wijk and persona, the
//! contract's columns first) and `gaps.json` (everything, including each persona's needs and the
//! rules used). Counts of cells below the suppression threshold are written as empty cells.

use std::path::Path;

use serde::Serialize;

use crate::contract::round6;
use crate::error::{Error, Result};

use super::fit::Criterion;
use super::needs::Needs;
use super::rules::RulesFile;

/// The status of one (wijk, persona).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// At least one fitting offer with enough capacity (or capacity unknown).
    Covered,
    /// Fitting offers, but their weekly capacity for this cell is far below the need.
    Thin,
    /// No fitting offer.
    Gap,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Covered => "covered",
            Status::Thin => "thin",
            Status::Gap => "gap",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// An offer that fails exactly one criterion for a gap: the cheapest fix.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NearMiss {
    pub aanbod_id: String,
    pub naam: String,
    pub criterion: Criterion,
    pub explanation_nl: String,
}

/// One (wijk, persona).
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub wijkcode: String,
    pub persona: u32,
    pub persona_name: String,
    pub residents: usize,
    /// Sum of the predicted loneliness probabilities of its residents.
    pub predicted_lonely: f64,
    /// Fitting offers, in offer order.
    pub fitting_offers: Vec<String>,
    /// Weekly capacity of the fitting offers (those that state one), in total.
    pub capacity_per_week: u64,
    /// The part of that capacity this cell can count on: each offer's places shared over the cells
    /// it fits in proportion to their predicted lonely residents.
    pub capacity_share: f64,
    /// Fitting offers without a stated capacity (the cell is then never called thin).
    pub capacity_unknown: usize,
    pub status: Status,
    /// The rule behind the status, in Dutch (empty for covered).
    pub status_rule: String,
    /// Predicted lonely residents left without a fitting offer: all of them for a gap, those beyond
    /// the capacity share for a thin cell, 0 when covered.
    pub severity: f64,
    /// 1 = most severe: published gaps by severity first, then thin cells by severity.
    pub rank: Option<usize>,
    /// Fewer residents than the suppression threshold: counts are not published.
    pub suppressed: bool,
    /// For gaps: offers failing exactly one criterion.
    pub near_misses: Vec<NearMiss>,
}

/// The whole check.
#[derive(Debug, Clone, PartialEq)]
pub struct GapReport {
    pub wijken: Vec<String>,
    /// Per persona, in id order.
    pub needs: Vec<Needs>,
    /// Sorted by wijkcode, then persona id.
    pub cells: Vec<Cell>,
    pub offers_checked: usize,
    pub offers_active: usize,
    pub rules: RulesFile,
    pub thin_below: f64,
    pub suppression_threshold: u32,
}

impl GapReport {
    pub fn cell(&self, wijkcode: &str, persona: u32) -> Option<&Cell> {
        self.cells
            .iter()
            .find(|c| c.wijkcode == wijkcode && c.persona == persona)
    }

    pub fn count(&self, status: Status) -> usize {
        self.cells.iter().filter(|c| c.status == status).count()
    }
}

fn opt<T: ToString>(show: bool, v: T) -> String {
    if show {
        v.to_string()
    } else {
        String::new()
    }
}

/// `gaps.csv` as bytes.
pub fn to_csv(report: &GapReport) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| Error::Data(format!("writing gaps.csv: {e}"));
    w.write_record([
        "wijkcode",
        "persona",
        "residents",
        "fitting_offers",
        "status",
        "persona_name",
        "predicted_lonely",
        "capacity_per_week",
        "capacity_share",
        "severity",
        "rank",
        "status_rule",
        "fitting_offer_ids",
        "near_misses",
    ])
    .map_err(err)?;
    for c in &report.cells {
        let show = !c.suppressed;
        w.write_record([
            c.wijkcode.clone(),
            c.persona.to_string(),
            opt(show, c.residents),
            c.fitting_offers.len().to_string(),
            c.status.to_string(),
            c.persona_name.clone(),
            opt(show, round6(c.predicted_lonely)),
            c.capacity_per_week.to_string(),
            opt(show, round6(c.capacity_share)),
            opt(show, round6(c.severity)),
            c.rank.map_or(String::new(), |r| r.to_string()),
            // The thin rule quotes the lonely count: hidden with it.
            opt(show || c.status != Status::Thin, &c.status_rule),
            c.fitting_offers.join(";"),
            c.near_misses
                .iter()
                .map(|m| format!("{}:{}", m.aanbod_id, m.criterion))
                .collect::<Vec<_>>()
                .join(";"),
        ])
        .map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| Error::Data(format!("writing gaps.csv: {e}")))
}

#[derive(Serialize)]
struct JsonCell<'a> {
    wijkcode: &'a str,
    persona: u32,
    persona_name: &'a str,
    residents: Option<usize>,
    predicted_lonely: Option<f64>,
    status: Status,
    status_rule: &'a str,
    fitting_offers: &'a [String],
    capacity_per_week: u64,
    capacity_share: Option<f64>,
    capacity_unknown: usize,
    severity: Option<f64>,
    rank: Option<usize>,
    near_misses: &'a [NearMiss],
}

#[derive(Serialize)]
struct JsonReport<'a> {
    format: &'static str,
    version: u32,
    suppression_threshold: u32,
    offers_checked: usize,
    offers_active: usize,
    counts: std::collections::BTreeMap<&'static str, usize>,
    fit_rule: &'static str,
    needs: Vec<serde_json::Value>,
    cells: Vec<JsonCell<'a>>,
    rules: &'a RulesFile,
}

/// The fit rule in one sentence (also in docs/gaps.md).
pub const FIT_RULE: &str = "An offer fits persona P in wijk W when: it is active; it lists W or a \
buurt of W, or serves the gemeente and is reachable (no mobility need, transport arranged, online \
or huisbezoek); its age range overlaps P's core ages; it is for iedereen or one of P's doelgroepen; \
it is given in one of P's languages; its cost is one P can bear; if P needs accessible offers it is \
wheelchair accessible, arranges transport or comes to the home (huisbezoek, online); and it \
delivers one of P's elements.";

/// `gaps.json` as text.
pub fn to_json(report: &GapReport) -> Result<String> {
    let cells = report
        .cells
        .iter()
        .map(|c| {
            let show = !c.suppressed;
            JsonCell {
                wijkcode: &c.wijkcode,
                persona: c.persona,
                persona_name: &c.persona_name,
                residents: show.then_some(c.residents),
                predicted_lonely: show.then(|| round6(c.predicted_lonely)),
                status: c.status,
                status_rule: if show || c.status != Status::Thin {
                    &c.status_rule
                } else {
                    ""
                },
                fitting_offers: &c.fitting_offers,
                capacity_per_week: c.capacity_per_week,
                capacity_share: show.then(|| round6(c.capacity_share)),
                capacity_unknown: c.capacity_unknown,
                severity: show.then(|| round6(c.severity)),
                rank: c.rank,
                near_misses: &c.near_misses,
            }
        })
        .collect();
    let counts = [Status::Covered, Status::Thin, Status::Gap]
        .into_iter()
        .map(|s| (s.code(), report.count(s)))
        .collect();
    let json = JsonReport {
        format: "loneliness-gaps",
        version: 1,
        suppression_threshold: report.suppression_threshold,
        offers_checked: report.offers_checked,
        offers_active: report.offers_active,
        counts,
        fit_rule: FIT_RULE,
        needs: report
            .needs
            .iter()
            .map(|n| {
                let mut v = serde_json::to_value(n)
                    .map_err(|e| Error::Data(format!("writing gaps.json: {e}")))?;
                if n.residents < report.suppression_threshold as usize {
                    v["residents"] = serde_json::Value::Null;
                }
                Ok(v)
            })
            .collect::<Result<_>>()?,
        cells,
        rules: &report.rules,
    };
    let mut s = serde_json::to_string_pretty(&json)
        .map_err(|e| Error::Data(format!("writing gaps.json: {e}")))?;
    s.push('\n');
    Ok(s)
}

/// Writes `out_dir/gaps.csv` and `out_dir/gaps.json` (atomically).
pub fn write(report: &GapReport, out_dir: &Path) -> Result<()> {
    crate::io::ensure_dir(out_dir)?;
    crate::io::write_atomic(&out_dir.join("gaps.csv"), &to_csv(report)?)?;
    crate::io::write_atomic(&out_dir.join("gaps.json"), to_json(report)?.as_bytes())
}
