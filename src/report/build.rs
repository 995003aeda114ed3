//! Fills a [`ReportData`] from the stages that exist before the risk and gap stages: ingest
//! (run summary, quarantine counts, wijken), linkage (link rates, survey respondents per wijk) and
//! personas (cards, persona x wijk shares). The risk and gap stages convert their own results into
//! [`super::RiskCard`], [`super::GapMatrix`] and [`super::DistrictPrediction`]; call
//! [`ReportData::refresh_glance`] after filling predictions.

use std::collections::BTreeMap;

use super::suppress::{publish, publish_parts, share};
use super::*;
use crate::contract::SourceKind;
use crate::link::{LinkMethod, StudyLinks};
use crate::personas::PersonaRun;
use crate::residents::{FeatureKind, FeatureTable};
use crate::sources::{IngestSummary, Study};

/// How many traits a persona card shows.
pub const TRAITS_PER_PERSONA: usize = 5;

impl ReportData {
    /// The report skeleton for an ingested, linked study: municipality, wijken with residents,
    /// survey figures and RIVM reference figures, and data quality. Link rates come from `links`
    /// (not from the summary) so the caller need not have filled them in.
    pub fn from_stages(study: &Study, summary: &IngestSummary, links: &StudyLinks) -> ReportData {
        let threshold = summary.suppression_threshold;
        let (configured_code, configured_name) = summary
            .municipality
            .as_ref()
            .map_or((None, None), |m| (m.code.clone(), m.name.clone()));
        let mut wijken: BTreeMap<&str, Option<&str>> = BTreeMap::new();
        for b in study.gebieden.iter() {
            let name = wijken.entry(b.wijkcode.as_str()).or_insert(None);
            if name.is_none() {
                *name = b.wijknaam.as_deref();
            }
        }
        let code = configured_code.or_else(|| {
            let mut codes: Vec<String> = wijken
                .keys()
                .filter_map(|w| reference::gemeente_of_wijk(w))
                .collect();
            codes.dedup();
            (codes.len() == 1).then(|| codes.remove(0))
        });
        let rivm: BTreeMap<String, reference::ReferenceArea> = code
            .as_deref()
            .map(reference::rivm_wijken)
            .unwrap_or_default()
            .into_iter()
            .map(|a| (a.code.clone(), a))
            .collect();
        let gemeente = code.as_deref().and_then(reference::rivm_gemeente);
        let name = configured_name.or_else(|| gemeente.as_ref().map(|g| g.gemeentenaam.clone()));

        let mut residents: BTreeMap<&str, u64> = BTreeMap::new();
        for r in study.brp.iter() {
            *residents.entry(r.wijkcode.as_str()).or_default() += 1;
        }
        let survey = survey_by_wijk(study, links);
        let total = survey
            .values()
            .fold(SurveyTally::default(), |a, b| a.plus(b));
        // The respondents per wijk add up to the total shown at a glance: secondary suppression
        // keeps one small wijk from being the total minus the others.
        let respondents = publish_parts(
            &wijken
                .keys()
                .map(|w| survey.get(w).map_or(0, |s| s.n))
                .collect::<Vec<u64>>(),
            publish(total.n, threshold).is_some(),
            threshold,
        );
        let districts: Vec<District> = wijken
            .iter()
            .zip(respondents)
            .map(|((&w, &naam), respondents)| {
                let s = survey.get(w).copied().unwrap_or_default();
                let shown = respondents.filter(|&n| n > 0);
                District {
                    wijkcode: w.to_string(),
                    wijknaam: naam.map(str::to_string),
                    residents: publish(residents.get(w).copied().unwrap_or(0), threshold),
                    prediction: None,
                    respondents,
                    survey_lonely_pct: shown.map(|_| 100.0 * s.lonely_w / s.weight),
                    survey_severe_pct: shown.map(|_| 100.0 * s.severe_w / s.weight),
                    rivm_lonely_pct: rivm.get(w).and_then(|a| a.lonely_pct),
                    rivm_severe_pct: rivm.get(w).and_then(|a| a.severe_pct),
                }
            })
            .collect();

        let data_quality = summary
            .sources
            .iter()
            .map(|(name, s)| {
                let kind = crate::contract::files::SOURCES
                    .iter()
                    .find(|spec| spec.name == name)
                    .map(|spec| spec.kind);
                let l = kind.and_then(|k| links.get(k));
                let rows = PublishedRows::of(s, threshold);
                SourceQuality {
                    source: name.clone(),
                    file: s.file.clone(),
                    rows_read: rows.read,
                    rows_accepted: rows.accepted,
                    rows_quarantined: rows.quarantined,
                    reasons: rows.reasons,
                    link_rate: l.map(|l| l.link_rate()),
                    link_method: l.map(|l| {
                        match l.method {
                            LinkMethod::Pseudonym => "pseudoniem",
                            LinkMethod::Probabilistic => "probabilistisch",
                        }
                        .to_string()
                    }),
                }
            })
            .collect();

        let mut data = ReportData {
            municipality: MunicipalityView { code, name },
            study: summary.study.clone(),
            reference_date: summary.reference_date.to_string(),
            suppression_threshold: threshold,
            glance: Glance {
                respondents: publish(total.n, threshold),
                survey_lonely_pct: publish(total.n, threshold)
                    .filter(|&n| n > 0)
                    .map(|_| 100.0 * total.lonely_w / total.weight),
                ..Glance::default()
            },
            districts,
            personas: Vec::new(),
            persona_districts: Vec::new(),
            gaps: None,
            risk: None,
            reference: gemeente.map(|g| ReferenceFigures {
                source: reference::RIVM2020_SOURCE.to_string(),
                gemeente_lonely_pct: g.lonely_pct,
                gemeente_severe_pct: g.severe_pct,
            }),
            data_quality,
            geometry: None,
        };
        data.refresh_glance();
        data
    }

    /// Adds the persona cards and the persona x wijk shares of a persona run on `table`.
    pub fn with_personas(mut self, run: &PersonaRun, table: &FeatureTable) -> ReportData {
        let threshold = self.suppression_threshold;
        let kinds: BTreeMap<&str, FeatureKind> = table
            .features
            .iter()
            .map(|f| (f.name.as_str(), f.kind))
            .collect();
        self.personas = run
            .profiles
            .iter()
            .map(|p| PersonaCard {
                id: p.id,
                name: p.name.clone(),
                // The profile's own description repeats the size and traits with raw counts; the
                // card shows those as suppressed figures and bars instead.
                description: String::new(),
                residents: publish(p.residents as u64, threshold),
                share: p.share,
                mean_age: p.mean_age,
                traits: p
                    .distinguishing_traits
                    .iter()
                    .take(TRAITS_PER_PERSONA)
                    .map(|t| TraitBar {
                        label_nl: t.label_nl.clone(),
                        persona: t.persona,
                        population: t.population,
                        kind: match kinds.get(t.feature.as_str()) {
                            Some(FeatureKind::Numeric) => TraitKind::Mean,
                            _ => TraitKind::Share,
                        },
                    })
                    .collect(),
                lonely_pct: p.loneliness.lonely_pct,
                respondents: publish(p.loneliness.respondents as u64, threshold),
                rules: run
                    .tree
                    .rules
                    .iter()
                    .filter(|r| r.persona == p.id)
                    .map(|r| rule_text(r, threshold))
                    .collect(),
            })
            .collect();
        self.persona_districts = run
            .model
            .district_shares
            .iter()
            .flat_map(|(&persona, by_wijk)| {
                by_wijk.iter().map(move |(w, &s)| PersonaDistrictShare {
                    persona,
                    wijkcode: w.clone(),
                    share: s,
                })
            })
            .collect();
        self.refresh_glance();
        self
    }

    /// Recomputes the at-a-glance totals from the districts and personas (after the risk stage
    /// filled the predictions). Predicted counts are residents x predicted share, summed.
    pub fn refresh_glance(&mut self) {
        let t = self.suppression_threshold;
        let residents: u64 = self.districts.iter().filter_map(|d| d.residents).sum();
        let all_known = self.districts.iter().all(|d| d.residents.is_some());
        let predicted = |f: &dyn Fn(&DistrictPrediction) -> Option<f64>| -> Option<u64> {
            let mut sum = 0.0;
            for d in &self.districts {
                let (Some(n), Some(p)) = (d.residents, d.prediction.as_ref()) else {
                    return None;
                };
                sum += n as f64 * f(p)? / 100.0;
            }
            Some(sum.round() as u64)
        };
        let lonely = if all_known && !self.districts.is_empty() {
            predicted(&|p| Some(p.lonely_pct))
        } else {
            None
        };
        let severe = if all_known && !self.districts.is_empty() {
            predicted(&|p| p.severe_pct)
        } else {
            None
        };
        self.glance.residents = publish(residents, t);
        self.glance.predicted_lonely = lonely.and_then(|n| publish(n, t));
        self.glance.predicted_severe = severe.and_then(|n| publish(n, t));
        self.glance.predicted_lonely_pct = lonely
            .and_then(|n| share(n, residents, t))
            .map(|s| 100.0 * s);
        self.glance.predicted_severe_pct = severe
            .and_then(|n| share(n, residents, t))
            .map(|s| 100.0 * s);
        self.glance.districts = self.districts.len();
        self.glance.personas = self.personas.len();
    }
}

/// A beslisboom rule in words, with its group size suppressed like every other count.
/// A source's row counts as the report may show them.
struct PublishedRows {
    read: Option<u64>,
    accepted: Option<u64>,
    quarantined: Option<u64>,
    reasons: Vec<QuarantineCount>,
}

impl PublishedRows {
    /// Rows read = accepted + quarantined, and quarantined = the sum of its reasons: secondary
    /// suppression ([`publish_parts`]) keeps a small count from being recovered by subtraction.
    fn of(s: &crate::sources::SourceSummary, threshold: u32) -> PublishedRows {
        let read = publish(s.rows_read, threshold);
        let split = publish_parts(
            &[s.rows_accepted, s.rows_quarantined],
            read.is_some(),
            threshold,
        );
        let counts: Vec<u64> = s.quarantine_reasons.values().copied().collect();
        let reasons = publish_parts(&counts, split[1].is_some(), threshold);
        PublishedRows {
            read,
            accepted: split[0],
            quarantined: split[1],
            reasons: s
                .quarantine_reasons
                .keys()
                .zip(reasons)
                .map(|(reason, rows)| QuarantineCount {
                    reason: reason.clone(),
                    rows,
                })
                .collect(),
        }
    }
}

fn rule_text(r: &crate::personas::tree::Rule, threshold: u32) -> String {
    let when = if r.conditions.is_empty() {
        "altijd".to_string()
    } else {
        r.conditions.join(" en ")
    };
    match publish(r.residents as u64, threshold).filter(|&n| n > 0) {
        Some(n) => format!(
            "Als {when}: klopt voor {}% van de {} inwoners in deze groep.",
            super::format::decimal(100.0 * r.purity, 0),
            super::format::int(n)
        ),
        None => format!("Als {when}: een kleine groep (minder dan {threshold} inwoners)."),
    }
}

/// Usable survey answers in one wijk: respondents and weighted sums.
#[derive(Debug, Clone, Copy, Default)]
struct SurveyTally {
    n: u64,
    weight: f64,
    lonely_w: f64,
    severe_w: f64,
}

impl SurveyTally {
    fn plus(self, o: &SurveyTally) -> SurveyTally {
        SurveyTally {
            n: self.n + o.n,
            weight: self.weight + o.weight,
            lonely_w: self.lonely_w + o.lonely_w,
            severe_w: self.severe_w + o.severe_w,
        }
    }
}

/// Linked respondents per wijk with a usable De Jong Gierveld score (lonely >= 3, severe >= 9,
/// the RIVM definitions), weighted by `weegfactor`.
fn survey_by_wijk<'a>(study: &'a Study, links: &StudyLinks) -> BTreeMap<&'a str, SurveyTally> {
    let mut out: BTreeMap<&str, SurveyTally> = BTreeMap::new();
    let Some(l) = links.get(SourceKind::Gezondheidsmonitor) else {
        return out;
    };
    for (r, resident) in study.survey.iter().zip(&l.resident) {
        let (Some(i), Some(score)) = (resident, crate::residents::djg::score(&r.djg)) else {
            continue;
        };
        let Some(res) = study.brp.records.get(*i as usize) else {
            continue;
        };
        let t = out.entry(res.wijkcode.as_str()).or_default();
        t.n += 1;
        t.weight += r.weegfactor;
        if score.lonely() {
            t.lonely_w += r.weegfactor;
        }
        if score.severely_lonely() {
            t.severe_w += r.weegfactor;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(read: u64, reasons: &[(&str, u64)]) -> crate::sources::SourceSummary {
        let quarantined: u64 = reasons.iter().map(|r| r.1).sum();
        crate::sources::SourceSummary {
            file: "brp.csv".into(),
            rows_read: read,
            rows_accepted: read - quarantined,
            rows_quarantined: quarantined,
            quarantine_reasons: reasons.iter().map(|&(r, n)| (r.to_string(), n)).collect(),
            encoding: "utf-8".into(),
            delimiter: ",".into(),
            extra_columns: vec![],
            absent_optional_columns: vec![],
            link_rate: None,
        }
    }

    #[test]
    fn no_small_quarantine_count_can_be_recovered_by_subtraction() {
        // 4 quarantined rows: shown read and accepted would give them away.
        let r = PublishedRows::of(&summary(120, &[("invalid_bsn", 4)]), 10);
        assert_eq!((r.read, r.accepted, r.quarantined), (Some(120), None, None));
        assert_eq!(r.reasons[0].rows, None);
        // 43 quarantined, one reason of 3: the smallest other reason goes with it.
        let r = PublishedRows::of(
            &summary(
                500,
                &[("duplicate_row", 26), ("invalid_bsn", 14), ("bad_date", 3)],
            ),
            10,
        );
        assert_eq!((r.accepted, r.quarantined), (Some(457), Some(43)));
        let by: BTreeMap<&str, Option<u64>> = r
            .reasons
            .iter()
            .map(|q| (q.reason.as_str(), q.rows))
            .collect();
        assert_eq!(by["duplicate_row"], Some(26));
        assert_eq!(by["invalid_bsn"], None);
        assert_eq!(by["bad_date"], None);
    }
}
