//! Shared helpers for the report tests: the demo study run through ingest -> link -> residents ->
//! personas, with the risk and gap parts filled from the demo's ground truth.
//!
//! TEST DATA ONLY: the "predictions", the risk model card and the gap matrix below are stand-ins
//! made from `datasets/demo-truth` (true prevalence per wijk, true probabilities, planted gaps) so
//! the report can be rendered with every section before the risk and gap stages exist. They are not
//! what the engine reports.
#![allow(dead_code)]

#[path = "../personas_common/mod.rs"]
mod personas_common;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use loneliness::report::{
    self, DistrictPrediction, Factor, GapCell, GapMatrix, GapStatus, NearMiss, ReliabilityBin,
    ReportData, RiskCard, WijkFactors,
};
use loneliness::sources::{ingest, StudyConfig};

pub fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/demo")
}

pub fn truth_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/demo-truth")
}

fn rows(path: &Path) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let h: Vec<String> = r
        .headers()
        .unwrap()
        .iter()
        .map(|c| c.trim_start_matches('\u{feff}').to_string())
        .collect();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            h.iter()
                .cloned()
                .zip(rec.iter().map(str::to_string))
                .collect()
        })
        .collect()
}

/// The report of the demo study from the stages on main, plus truth-based stand-ins (see above).
pub fn demo_report() -> ReportData {
    let dir = demo();
    let config = StudyConfig::load(&dir).unwrap();
    let ingested = ingest(&dir, &config).unwrap();
    let links = loneliness::link::link_study(&ingested.study, 7).unwrap();
    let ran = personas_common::run_study(&dir, None, 7, None);
    let mut data = ReportData::from_stages(&ingested.study, &ingested.summary, &links)
        .with_personas(&ran.run, &ran.table);

    // Stand-in predictions: the true prevalence per wijk with a +-2 point interval.
    let wijken: BTreeMap<String, HashMap<String, String>> = rows(&truth_dir().join("wijken.csv"))
        .into_iter()
        .map(|r| (r["wijkcode"].clone(), r))
        .collect();
    for d in &mut data.districts {
        if let Some(w) = wijken.get(&d.wijkcode) {
            let p: f64 = w["true_lonely_pct"].parse().unwrap();
            d.prediction = Some(DistrictPrediction {
                lonely_pct: p,
                lonely_low_pct: p - 2.0,
                lonely_high_pct: p + 2.0,
                severe_pct: Some(w["true_severe_pct"].parse().unwrap()),
            });
        }
    }
    data.refresh_glance();

    // Stand-in risk card: the true probabilities of the respondents, scored against their outcome.
    let residents = rows(&truth_dir().join("residents.csv"));
    let mut scored: Vec<(f64, f64)> = residents
        .iter()
        .filter(|r| r["respondent"] == "1")
        .map(|r| (r["p_lonely"].parse().unwrap(), r["lonely"].parse().unwrap()))
        .collect();
    scored.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n = scored.len();
    let brier = scored.iter().map(|(p, y)| (p - y).powi(2)).sum::<f64>() / n as f64;
    let positives = scored.iter().filter(|s| s.1 > 0.5).count();
    let mut rank_sum = 0.0;
    for (i, s) in scored.iter().enumerate() {
        if s.1 > 0.5 {
            rank_sum += (i + 1) as f64;
        }
    }
    let pos = positives as f64;
    let auc = (rank_sum - pos * (pos + 1.0) / 2.0) / (pos * (n as f64 - pos));
    let bins: Vec<ReliabilityBin> = scored
        .chunks(n.div_ceil(10))
        .map(|c| ReliabilityBin {
            mean_predicted: c.iter().map(|s| s.0).sum::<f64>() / c.len() as f64,
            observed: c.iter().map(|s| s.1).sum::<f64>() / c.len() as f64,
            n: report::suppress::publish(c.len() as u64, data.suppression_threshold),
        })
        .collect();
    // Factors per wijk: how far each persona's share in the wijk is from its municipal share.
    let mut factors = Vec::new();
    for d in &data.districts {
        let mut f: Vec<Factor> = data
            .personas
            .iter()
            .filter_map(|p| {
                let s = data
                    .persona_districts
                    .iter()
                    .find(|c| c.persona == p.id && c.wijkcode == d.wijkcode)?
                    .share?;
                Some(Factor {
                    label_nl: p.name.clone(),
                    contribution: 100.0 * (s - p.share),
                })
            })
            .collect();
        f.sort_by(|a, b| b.contribution.abs().total_cmp(&a.contribution.abs()));
        f.truncate(4);
        factors.push(WijkFactors {
            wijkcode: d.wijkcode.clone(),
            factors: f,
        });
    }
    data.risk = Some(RiskCard {
        model: "testgegevens: de ware kansen van de synthetische gemeente".to_string(),
        auc,
        brier,
        calibration_intercept: 0.0,
        calibration_slope: 1.0,
        evaluated_on: report::suppress::publish(n as u64, data.suppression_threshold),
        reliability: bins,
        contribution_unit: "procentpunt".to_string(),
        factors,
    });

    // Stand-in gaps: the planted gaps, mapped to this run's personas by majority.
    let truth_persona: HashMap<&str, u32> = residents
        .iter()
        .map(|r| (r["pseudo_id"].as_str(), r["persona"].parse().unwrap()))
        .collect();
    let mut votes: BTreeMap<u32, BTreeMap<u32, usize>> = BTreeMap::new();
    for (pid, id) in ran.table.pseudo_ids.iter().zip(ran.run.resident_ids()) {
        if let Some(&t) = truth_persona.get(pid.as_str()) {
            *votes.entry(id).or_default().entry(t).or_default() += 1;
        }
    }
    let majority: BTreeMap<u32, u32> = votes
        .iter()
        .map(|(&id, v)| (id, *v.iter().max_by_key(|(_, &c)| c).unwrap().0))
        .collect();
    let offers: HashMap<String, String> = rows(&demo().join("sociale_kaart.csv"))
        .into_iter()
        .map(|r| (r["aanbod_id"].clone(), r["naam"].clone()))
        .collect();
    let planted: HashMap<(String, u32), HashMap<String, String>> =
        rows(&truth_dir().join("gaps.csv"))
            .into_iter()
            .map(|r| ((r["wijkcode"].clone(), r["persona"].parse().unwrap()), r))
            .collect();
    let mut cells = Vec::new();
    for d in &data.districts {
        for p in &data.personas {
            let Some(g) = planted.get(&(d.wijkcode.clone(), majority[&p.id])) else {
                continue;
            };
            let designed = g["designed_offers"]
                .split(';')
                .filter(|s| !s.is_empty())
                .count();
            let status = match (g["planted"].as_str(), designed) {
                ("gap", _) => GapStatus::Gap,
                (_, 1) => GapStatus::Thin,
                _ => GapStatus::Covered,
            };
            let near_misses = g["near_misses"]
                .split(';')
                .filter_map(|m| m.split_once(':'))
                .map(|(id, why)| NearMiss {
                    offer: offers.get(id).cloned().unwrap_or_else(|| id.to_string()),
                    reason_nl: match why {
                        "gebied" => "komt niet in deze wijk".to_string(),
                        "taal" => "wordt niet in de taal van deze groep aangeboden".to_string(),
                        other => format!("past niet op: {other}"),
                    },
                })
                .collect();
            cells.push(GapCell {
                wijkcode: d.wijkcode.clone(),
                persona: p.id,
                status,
                residents: None,
                fitting_offers: designed as u32,
                capacity: None,
                severity: Some(if status == GapStatus::Gap { 1.0 } else { 0.0 }),
                near_misses,
            });
        }
    }
    data.gaps = Some(GapMatrix {
        cells,
        method_nl: Some(
            "Testgegevens: de geplante gaten van de synthetische gemeente.".to_string(),
        ),
    });
    data
}

/// Renders the demo report into `dir` and returns the file.
pub fn write_demo_report(dir: &Path) -> PathBuf {
    report::write(&demo_report(), dir).unwrap()
}

/// Every raw BSN of the demo's input files (any file with a `bsn` column).
pub fn demo_bsns() -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(demo()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "csv") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let mut lines = text.lines();
        let Some(header) = lines.next() else { continue };
        let header = header.trim_start_matches('\u{feff}');
        let sep = if header.contains(';') { ';' } else { ',' };
        let Some(col) = header
            .split(sep)
            .position(|c| c.trim().eq_ignore_ascii_case("bsn"))
        else {
            continue;
        };
        for line in lines {
            if let Some(v) = line.split(sep).nth(col) {
                let v = v.trim().trim_matches('"');
                if v.len() >= 8 && v.bytes().all(|b| b.is_ascii_digit()) {
                    out.push(v.to_string());
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}
