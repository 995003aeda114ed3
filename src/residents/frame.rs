//! [`Frame`]: the one hand-over from linkage to the analysis stages.
//!
//! `personas`, `risk` and `offer` take a `Frame` and nothing of `sources` or `link`: the feature
//! table (one row per accepted BRP resident), the areas those residents live in, and the linked
//! survey respondents with their sample weight and De Jong Gierveld score. Building it once means
//! the survey is linked, deduplicated and scored in one place, so the persona profiles, the risk
//! model and the report count the same respondents the same way.
//!
//! For analysts the frame speaks the Rust array ecosystem: [`Frame::features`] is an
//! `ndarray::ArrayView2` over the table's own buffer (no copy) and [`Frame::dataset`] a
//! `linfa::Dataset` of the scored respondents with their survey weights, ready for any linfa
//! algorithm (`examples/linfa_frame.rs` fits one and compares it with the engine's personas).

use chrono::NaiveDate;
use ndarray::{Array1, Array2, ArrayView2};

use super::djg::{self, DjgScore};
use super::FeatureTable;
use crate::contract::records::{Buurt, Study};
use crate::contract::SourceKind;
use crate::error::Result;
use crate::link::StudyLinks;

/// One linked survey respondent: feature-table row, sample weight, De Jong Gierveld score
/// (`None` when more than [`djg::MAX_MISSING`] items are missing).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Respondent {
    pub row: usize,
    pub weight: f64,
    pub score: Option<DjgScore>,
}

/// The survey as the analysis stages see it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Survey {
    /// One per resident with a linked response (the first response in survey order wins), in
    /// survey order.
    pub respondents: Vec<Respondent>,
}

impl Survey {
    /// The respondents with a usable score.
    pub fn scored(&self) -> impl Iterator<Item = (&Respondent, DjgScore)> {
        self.respondents
            .iter()
            .filter_map(|r| r.score.map(|s| (r, s)))
    }
}

/// The areas of the study: `gebieden.csv` and the wijk names in the table's wijk order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Areas {
    pub buurten: Vec<Buurt>,
    /// Per entry of [`FeatureTable::wijken`]: its name in `gebieden.csv`, if given.
    pub wijknamen: Vec<Option<String>>,
}

impl Areas {
    fn of(buurten: &[Buurt], wijken: &[String]) -> Areas {
        let wijknamen = wijken
            .iter()
            .map(|code| {
                buurten
                    .iter()
                    .find(|b| &b.wijkcode == code)
                    .and_then(|b| b.wijknaam.clone())
            })
            .collect();
        Areas {
            buurten: buurten.to_vec(),
            wijknamen,
        }
    }
}

/// A survey outcome for [`Frame::dataset`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// De Jong Gierveld total >= 3.
    Lonely,
    /// De Jong Gierveld total >= 9.
    SeverelyLonely,
}

impl Outcome {
    pub fn of(self, score: &DjgScore) -> bool {
        match self {
            Outcome::Lonely => score.lonely(),
            Outcome::SeverelyLonely => score.severely_lonely(),
        }
    }
}

/// The resident feature table with its areas and survey: the input of every analysis stage.
#[derive(Debug, Clone)]
pub struct Frame {
    pub table: FeatureTable,
    pub areas: Areas,
    pub survey: Survey,
    /// The date ages and durations were measured on.
    pub reference_date: NaiveDate,
}

impl Frame {
    /// Builds the feature table and collects the linked survey respondents.
    pub fn build(study: &Study, links: &StudyLinks) -> Result<Frame> {
        let table = super::build(study, links)?;
        let survey_links = links.get(SourceKind::Gezondheidsmonitor);
        let survey = Survey::collect(study, |i| {
            survey_links.and_then(|l| l.resident.get(i).copied().flatten().map(|r| r as usize))
        });
        Ok(Frame::new(
            table,
            &study.gebieden.records,
            survey,
            study.reference_date,
        ))
    }

    /// A frame from parts (a table built elsewhere, a survey matched by other means).
    pub fn new(
        table: FeatureTable,
        buurten: &[Buurt],
        survey: Survey,
        reference_date: NaiveDate,
    ) -> Frame {
        let areas = Areas::of(buurten, &table.wijken);
        Frame {
            table,
            areas,
            survey,
            reference_date,
        }
    }

    /// The feature matrix (residents x features), a view of the table's own buffer.
    pub fn features(&self) -> ArrayView2<'_, f64> {
        ArrayView2::from_shape((self.table.rows(), self.table.cols()), &self.table.values)
            .expect("the feature table is rows x cols")
    }

    /// The scored respondents as a weighted `linfa::Dataset`: their feature rows, the outcome as
    /// the target and the survey weight of each (linfa weights are `f32`), with the feature names.
    pub fn dataset(&self, outcome: Outcome) -> linfa::Dataset<f64, bool, ndarray::Ix1> {
        let x = self.features();
        let scored: Vec<(&Respondent, DjgScore)> = self.survey.scored().collect();
        let mut records = Array2::zeros((scored.len(), self.table.cols()));
        for (i, (r, _)) in scored.iter().enumerate() {
            records.row_mut(i).assign(&x.row(r.row));
        }
        let targets: Array1<bool> = scored.iter().map(|(_, s)| outcome.of(s)).collect();
        let weights: Array1<f32> = scored.iter().map(|(r, _)| r.weight as f32).collect();
        linfa::Dataset::new(records, targets)
            .with_weights(weights)
            .with_feature_names(self.table.features.iter().map(|f| f.name.clone()).collect())
    }

    /// Wijk name (or code when it has none) of wijk index `w`.
    pub fn wijk_label(&self, w: usize) -> &str {
        self.areas.wijknamen[w]
            .as_deref()
            .unwrap_or(&self.table.wijken[w])
    }
}

impl Survey {
    /// Respondents of `study.survey` whose row `i` links to resident `resident_of(i)`.
    pub fn collect(study: &Study, resident_of: impl Fn(usize) -> Option<usize>) -> Survey {
        let mut seen = std::collections::BTreeSet::new();
        let mut respondents = Vec::new();
        for (i, s) in study.survey.iter().enumerate() {
            if let Some(row) = resident_of(i) {
                if seen.insert(row) {
                    respondents.push(Respondent {
                        row,
                        weight: s.weegfactor,
                        score: djg::score(&s.djg),
                    });
                }
            }
        }
        Survey { respondents }
    }
}
