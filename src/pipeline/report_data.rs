//! Fills the report's view model from the stage results. The report renders plain data and
//! knows nothing of how the stages compute; this is the one place that translates risk and gap
//! results into it, so neither stage depends on the report.

use crate::offer::{self, GapReport};
use crate::report::{
    self, DistrictPrediction, Factor, GapCell, GapMatrix, GapStatus, ReliabilityBin, RiskCard,
    WijkFactors,
};
use crate::risk::RiskRun;

/// Predictions per wijk and the risk model card.
pub fn add_risk(data: &mut report::ReportData, run: &RiskRun) {
    let threshold = data.suppression_threshold as usize;
    for d in &mut data.districts {
        let Some(score) = run.districts.iter().find(|s| s.wijkcode == d.wijkcode) else {
            continue;
        };
        // A wijk whose residents are suppressed gets no prediction either: a percentage of a
        // handful of people is as revealing as their count.
        if score.residents < threshold {
            continue;
        }
        d.prediction = Some(DistrictPrediction {
            lonely_pct: score.predicted_lonely_pct,
            lonely_low_pct: score
                .predicted_lonely_low
                .unwrap_or(score.predicted_lonely_pct),
            lonely_high_pct: score
                .predicted_lonely_high
                .unwrap_or(score.predicted_lonely_pct),
            severe_pct: Some(score.predicted_severe_pct),
        });
    }
    let lonely = &run.model.lonely;
    let m = &lonely.metrics;
    data.risk = Some(RiskCard {
        model: model_in_dutch(&lonely.spec.name()),
        auc: m.auc,
        brier: m.brier,
        calibration_intercept: m.calibration_intercept,
        calibration_slope: m.calibration_slope,
        evaluated_on: crate::contract::suppress::publish(
            m.respondents as u64,
            data.suppression_threshold,
        ),
        reliability: m
            .reliability
            .iter()
            .map(|b| ReliabilityBin {
                mean_predicted: b.mean_predicted,
                observed: b.observed,
                n: crate::contract::suppress::publish(
                    b.respondents as u64,
                    data.suppression_threshold,
                ),
            })
            .collect(),
        contribution_unit: "procentpunt".to_string(),
        factors: run
            .factors
            .iter()
            .map(|w| WijkFactors {
                wijkcode: w.wijkcode.clone(),
                factors: w
                    .factors
                    .iter()
                    .map(|f| Factor {
                        label_nl: f.text_nl.clone(),
                        contribution: f.effect_pct_points,
                    })
                    .collect(),
            })
            .collect(),
    });
    data.refresh_glance();
}

fn model_in_dutch(name: &str) -> String {
    if name.starts_with("logistic") {
        format!("logistische regressie met L2-regularisatie ({name})")
    } else if name.starts_with("gbt") {
        format!("gradient-boosted beslisbomen ({name})")
    } else if name.starts_with("blend") {
        format!("gemiddelde van logistische regressie en beslisbomen ({name})")
    } else {
        name.to_string()
    }
}

/// The gap matrix with its near misses.
pub fn add_gaps(data: &mut report::ReportData, gaps: &GapReport) {
    let threshold = data.suppression_threshold;
    data.gaps = Some(GapMatrix {
        cells: gaps
            .cells
            .iter()
            .map(|c| GapCell {
                wijkcode: c.wijkcode.clone(),
                persona: c.persona,
                status: match c.status {
                    offer::Status::Covered => GapStatus::Covered,
                    offer::Status::Thin => GapStatus::Thin,
                    offer::Status::Gap => GapStatus::Gap,
                },
                residents: crate::contract::suppress::publish(c.residents as u64, threshold),
                fitting_offers: c.fitting_offers.len() as u32,
                capacity: (c.capacity_unknown == 0).then_some(c.capacity_per_week),
                severity: (!c.suppressed).then_some(c.severity),
                near_misses: c
                    .near_misses
                    .iter()
                    .map(|n| report::NearMiss {
                        offer: n.naam.clone(),
                        reason_nl: n.explanation_nl.clone(),
                    })
                    .collect(),
            })
            .collect(),
        method_nl: Some(format!(
            "Een aanbod past bij een persona in een wijk als het actief is, de wijk bedient (of de \
             hele gemeente en bereikbaar is), de leeftijden overlappen, de doelgroep, taal, kosten \
             en toegankelijkheid passen en het minstens één werkzaam element levert dat de \
             persona nodig heeft. Dun: er past aanbod, maar de capaciteit per week is minder dan \
             {:.0}% van de voorspeld eenzame inwoners. Tekort: er past niets.",
            100.0 * gaps.thin_below
        )),
    });
}
