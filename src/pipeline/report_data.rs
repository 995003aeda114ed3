//! Builds the report's view model, in one place: the pipeline knows every stage, so this module
//! translates ingest (run summary, quarantine counts, wijken), linkage (link rates, survey
//! respondents per wijk), personas (cards, persona x wijk shares), the risk stage (predictions,
//! model card) and the gap check (matrices, near misses) into [`ReportData`]. The report module
//! itself only holds the view model, its formatting and rendering, and imports no stage.
//!
//! Every count goes through `contract::suppress` here (and again when rendered); every code a
//! resident could read is turned into plain Dutch here (codes stay only in the analyst appendix).

use std::collections::BTreeMap;

use crate::contract::suppress::{publish, publish_parts, share};
use crate::contract::SourceKind;
use crate::link::{LinkMethod, StudyLinks};
use crate::offer::{self, Criterion, GapReport};
use crate::personas::PersonaRun;
use crate::report::{
    self, reference, AnalystView, District, DistrictPrediction, Factor, GapCell, GapMatrix,
    GapStatus, Glance, KChoice, KEvidence, LinkField, LinkLevel, LinkageView, ModelChoice,
    ModelMetrics, MunicipalityView, OfferFit, PersonaCard, PersonaDistrictShare, QuarantineCount,
    ReferenceFigures, ReliabilityBin, ReportData, RiskCard, SourceQuality, TraitBar, TraitKind,
    WeightBin, WijkFactors, WijkGeometry,
};
use crate::residents::{FeatureKind, FeatureTable};
use crate::risk::RiskRun;
use crate::sources::{IngestSummary, Offer, Study};

/// The view model of a whole run: every stage's part, filled here and nowhere else.
#[allow(clippy::too_many_arguments)]
pub fn build(
    study: &Study,
    summary: &IngestSummary,
    links: &StudyLinks,
    personas: &PersonaRun,
    table: &FeatureTable,
    risk: &RiskRun,
    gaps: Option<&GapReport>,
    geometry: Option<WijkGeometry>,
) -> ReportData {
    let mut data =
        ReportData::from_stages(study, summary, links, table).with_personas(personas, table);
    add_persona_intervals(&mut data, study, links, table, &personas.resident_ids());
    add_risk(&mut data, risk);
    if let Some(g) = gaps {
        add_gaps(&mut data, g, study);
    }
    same_pattern_as_files(&mut data, personas, risk, gaps);
    data.geometry = geometry;
    data
}

/// One disclosure pattern with the published files: a count that `districts.csv`,
/// `personas.json` or `gaps.csv` hides (secondary suppression included) is hidden in the report
/// too, so the report and the files together give no count 1-9 away by subtraction
/// (docs/disclosure.md).
fn same_pattern_as_files(
    data: &mut report::ReportData,
    personas: &PersonaRun,
    risk: &RiskRun,
    gaps: Option<&GapReport>,
) {
    let (wijk_shown, _) = crate::risk::output::published_wijken(&risk.districts, risk.threshold);
    for (score, &shown) in risk.districts.iter().zip(&wijk_shown) {
        if let Some(d) = data
            .districts
            .iter_mut()
            .find(|d| d.wijkcode == score.wijkcode)
        {
            if !shown && score.residents > 0 {
                d.residents = None;
            }
        }
    }
    let (sizes, respondents) =
        crate::personas::output::published_sizes(&personas.profiles, personas.threshold);
    let lonely_all = data.glance.survey_lonely_pct;
    for ((p, &shown), &resp) in personas.profiles.iter().zip(&sizes).zip(&respondents) {
        let Some(card) = data.personas.iter_mut().find(|c| c.id == p.id) else {
            continue;
        };
        let hide = (
            !shown && card.residents.is_some(),
            !resp && card.respondents.is_some(),
        );
        if hide.0 {
            card.residents = None;
            card.stability = None;
        }
        if hide.1 {
            card.respondents = None;
            card.lonely_pct = None;
        }
        if hide.0 || hide.1 {
            card.story_nl = story(p, card.residents, &card.traits, card.lonely_pct, lonely_all);
        }
    }
    if let (Some(g), Some(matrix)) = (gaps, data.gaps.as_mut()) {
        let (cells, _) = crate::offer::report::published(g);
        for (c, _) in g.cells.iter().zip(&cells).filter(|(_, &shown)| !shown) {
            let cell = matrix
                .cells
                .iter_mut()
                .find(|x| x.wijkcode == c.wijkcode && x.persona == c.persona);
            if let Some(cell) = cell {
                cell.residents = None;
                cell.predicted_lonely = None;
                cell.severity = None;
            }
        }
    }
    data.refresh_glance();
    // The municipal total is published in summary.json and personas.json; the hidden wijken sum
    // to 0 or at least the threshold, so the report shows the same total.
    let total: u64 = risk.districts.iter().map(|d| d.residents as u64).sum();
    data.glance.residents = publish(total, data.suppression_threshold);
}

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
            severe_interval: score.predicted_severe_low.zip(score.predicted_severe_high),
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
                factors: wijk_factors(w),
            })
            .collect(),
        severe: Some(metrics_of(&run.model.severe, data.suppression_threshold)),
        candidates: lonely
            .candidates
            .iter()
            .map(|c| ModelChoice {
                code: c.name.clone(),
                auc: c.cv_auc,
                brier: c.cv_brier,
                chosen: c.chosen,
            })
            .collect(),
    });
    data.refresh_glance();
}

/// Factors shown per wijk, in both directions.
pub const FACTORS_EACH_WAY: usize = 3;

/// A wijk's factors as the report shows them: at most [`FACTORS_EACH_WAY`] that raise the
/// prediction, then at most as many that lower it, with plain labels and Dutch decimals, one
/// factor per meaning (`alleenwonend` and `woont alleen` are one), none that rounds to 0,0.
fn wijk_factors(w: &crate::risk::districts::WijkFactors) -> Vec<Factor> {
    let mut out: Vec<Factor> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for list in [&w.factors, &w.lowering] {
        let mut taken = 0;
        for f in list {
            if taken == FACTORS_EACH_WAY {
                break;
            }
            if f.effect_pct_points.abs() < 0.05 {
                continue;
            }
            let (label, rest) = f
                .text_nl
                .split_once(": ")
                .unwrap_or((f.text_nl.as_str(), ""));
            let label = plain_feature(label);
            if seen.contains(&label) {
                continue;
            }
            seen.push(label.clone());
            out.push(Factor {
                label_nl: if rest.is_empty() {
                    label
                } else {
                    format!("{label}: {}", dutch_decimals(rest))
                },
                contribution: f.effect_pct_points,
            });
            taken += 1;
        }
    }
    out
}

/// `29.7` -> `29,7` wherever a point stands between two digits.
fn dutch_decimals(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let digit = |j: Option<usize>| {
                j.and_then(|j| chars.get(j))
                    .is_some_and(char::is_ascii_digit)
            };
            if c == '.' && digit(i.checked_sub(1)) && digit(Some(i + 1)) {
                ','
            } else {
                c
            }
        })
        .collect()
}

/// The 90%-interval, in percent, of a weighted proportion `p` (0..1) with weights summing to
/// `weight` and their squares to `weight_sq`: Wilson's score interval on Kish's effective sample
/// size `n = weight² / weight_sq`. Wilson stays inside 0-100% and behaves near 0% and 100%,
/// where the plain normal interval does not; the effective sample size carries the loss of
/// precision from unequal survey weights.
pub fn wilson90(p: f64, weight: f64, weight_sq: f64) -> Option<(f64, f64)> {
    if !(weight > 0.0 && weight_sq > 0.0 && (0.0..=1.0).contains(&p)) {
        return None;
    }
    let n = weight * weight / weight_sq;
    let z = crate::risk::districts::Z90;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = z / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some((
        100.0 * (centre - half).max(0.0),
        100.0 * (centre + half).min(1.0),
    ))
}

/// Each persona card's loneliness figure gets its 90%-interval ([`wilson90`]) from the weights of
/// the persona's respondents: the first linked response per resident, with a usable score, as
/// the persona stage counts them. The figure itself stays the stage's.
fn add_persona_intervals(
    data: &mut report::ReportData,
    study: &Study,
    links: &StudyLinks,
    table: &FeatureTable,
    persona_of_row: &[u32],
) {
    let Some(l) = links.get(SourceKind::Gezondheidsmonitor) else {
        return;
    };
    // The feature table has one row per BRP record, in register order.
    if persona_of_row.len() != table.rows() {
        return;
    }
    let mut seen = vec![false; table.rows()];
    let mut by: BTreeMap<u32, SurveyTally> = BTreeMap::new();
    for (r, resident) in study.survey.iter().zip(&l.resident) {
        let Some(i) = resident.map(|i| i as usize) else {
            continue;
        };
        if i >= seen.len() || std::mem::replace(&mut seen[i], true) {
            continue;
        }
        let Some(score) = crate::residents::djg::score(&r.djg) else {
            continue;
        };
        by.entry(persona_of_row[i])
            .or_default()
            .add(r.weegfactor, &score);
    }
    for card in &mut data.personas {
        card.lonely_interval = match (card.lonely_pct, by.get(&card.id)) {
            (Some(p), Some(t)) => wilson90(p / 100.0, t.weight, t.weight_sq),
            _ => None,
        };
    }
}

/// The appendix's linkage charts: per source linked without a BSN, the match weights of the
/// candidate pairs (small bins merged, see [`published_bins`]), the threshold, and m and u per
/// comparison level with plain Dutch labels.
fn linkage_views(links: &StudyLinks, threshold: u32) -> Vec<LinkageView> {
    links
        .sources
        .values()
        .filter_map(|l| {
            let r = l.report.as_deref()?;
            Some(LinkageView {
                source: l.source.name().to_string(),
                threshold_weight: r.threshold.match_weight,
                threshold_probability: r.threshold.match_probability,
                candidate_pairs: publish(r.candidate_pairs, threshold),
                histogram: published_bins(&r.weight_histogram, threshold),
                fields: r
                    .comparisons
                    .iter()
                    .map(|c| LinkField {
                        code: c.name.clone(),
                        label_nl: link_field_nl(&c.name),
                        levels: c
                            .levels
                            .iter()
                            .filter(|lv| lv.level != "null")
                            .map(|lv| LinkLevel {
                                code: lv.level.clone(),
                                label_nl: link_level_nl(&lv.level),
                                m: lv.m,
                                u: lv.u,
                                match_weight: lv.match_weight,
                            })
                            .collect(),
                    })
                    .collect(),
            })
        })
        .collect()
}

/// The match-weight histogram as it may be published: counts of candidate pairs (not of people,
/// but published counts all the same) are 0 or at least the threshold. A bin of 1 to threshold -
/// 1 pairs is merged with the bins after it until the merged bin reaches the threshold; a small
/// remainder at the high end joins the bins before it, back to the last non-empty one. Every
/// pair stays in exactly one shown bin, so the total is the sum of what is shown and no small
/// count can be derived from it. When all pairs together stay below the threshold, nothing is shown.
pub fn published_bins(bins: &[crate::link::model::HistogramBin], threshold: u32) -> Vec<WeightBin> {
    let t = u64::from(threshold);
    let mut out: Vec<(f64, f64, u64)> = Vec::new();
    let mut open: Option<(f64, f64, u64)> = None;
    for b in bins {
        open = match open {
            None if b.pairs == 0 || b.pairs >= t => {
                out.push((b.from, b.to, b.pairs));
                None
            }
            None => Some((b.from, b.to, b.pairs)),
            Some((from, _, n)) => Some((from, b.to, n + b.pairs)),
        };
        if let Some(o) = open.filter(|o| o.2 >= t) {
            out.push(o);
            open = None;
        }
    }
    if let Some(mut rest) = open {
        while let Some(last) = out.pop() {
            rest = (last.0, rest.1, rest.2 + last.2);
            if last.2 > 0 {
                break;
            }
        }
        if rest.2 < t {
            return Vec::new();
        }
        out.push(rest);
    }
    out.into_iter()
        .map(|(from, to, n)| WeightBin {
            from,
            to,
            pairs: publish(n, threshold),
        })
        .collect()
}

/// A compared field of the person linkage model in plain Dutch.
fn link_field_nl(code: &str) -> String {
    match code {
        "surname" => "achternaam".to_string(),
        "first_names" => "voornamen".to_string(),
        "birth_date" => "geboortedatum".to_string(),
        "address" => "adres".to_string(),
        "postcode" => "postcode".to_string(),
        other => other.replace('_', " "),
    }
}

/// A comparison level in plain Dutch.
fn link_level_nl(code: &str) -> String {
    if let Some(t) = code.strip_prefix("jaro_winkler>=") {
        return format!("bijna gelijk (≥ {})", t.replace('.', ","));
    }
    if let Some(d) = code.strip_prefix("levenshtein<=") {
        return format!("hooguit {d} tekens anders");
    }
    if let Some(d) = code.strip_prefix("damerau<=") {
        return format!("hooguit {d} tekens anders of verwisseld");
    }
    match code {
        "exact" => "gelijk",
        "same_first_name" => "zelfde eerste voornaam",
        "initials_compatible" => "voorletters passen",
        "day_month_swapped" => "dag en maand verwisseld",
        "one_digit_off" => "één cijfer anders",
        "same_year" => "zelfde jaar",
        "postcode_house_number" => "zelfde postcode + huisnummer",
        "postcode" => "zelfde postcode",
        "same_area" => "zelfde postcodegebied (PC4)",
        "else" => "anders",
        "null" => "ontbreekt",
        other => return other.replace('_', " "),
    }
    .to_string()
}

fn metrics_of(m: &crate::risk::model::OutcomeModel, threshold: u32) -> ModelMetrics {
    ModelMetrics {
        model: model_in_dutch(&m.spec.name()),
        auc: m.metrics.auc,
        brier: m.metrics.brier,
        calibration_intercept: m.metrics.calibration_intercept,
        calibration_slope: m.metrics.calibration_slope,
        reliability: m
            .metrics
            .reliability
            .iter()
            .map(|b| ReliabilityBin {
                mean_predicted: b.mean_predicted,
                observed: b.observed,
                n: publish(b.respondents as u64, threshold),
            })
            .collect(),
    }
}

fn model_in_dutch(name: &str) -> String {
    if name.starts_with("logistic") {
        "logistische regressie met regularisatie".to_string()
    } else if name.starts_with("gbt") {
        "gradient-boosted beslisbomen".to_string()
    } else if name.starts_with("blend") {
        "gemiddelde van logistische regressie en beslisbomen".to_string()
    } else {
        "ander model (zie de bijlage)".to_string()
    }
}

/// The gap matrix with its near misses, the offer x persona matrix, and each persona's needs
/// and fitting offers on its card. Every code becomes plain Dutch here.
pub fn add_gaps(data: &mut report::ReportData, gaps: &GapReport, study: &Study) {
    let threshold = data.suppression_threshold;
    let offers: BTreeMap<&str, &Offer> = study
        .sociale_kaart
        .iter()
        .map(|o| (o.aanbod_id.as_str(), o))
        .collect();
    let names = AreaNames::of(study);
    let name_of = |id: &str| offers.get(id).map_or(id.to_string(), |o| o.naam.clone());
    let cells: Vec<GapCell> = gaps
        .cells
        .iter()
        .map(|c| {
            let needs = gaps.needs.iter().find(|n| n.persona == c.persona);
            let mut near: Vec<&offer::NearMiss> = c.near_misses.iter().collect();
            // The cheapest fixes first (criterion order), then by name: stable and readable.
            near.sort_by(|a, b| {
                criterion_rank(a.criterion)
                    .cmp(&criterion_rank(b.criterion))
                    .then_with(|| a.naam.cmp(&b.naam))
            });
            GapCell {
                wijkcode: c.wijkcode.clone(),
                persona: c.persona,
                status: match c.status {
                    offer::Status::Covered => GapStatus::Covered,
                    offer::Status::Thin => GapStatus::Thin,
                    offer::Status::Gap => GapStatus::Gap,
                },
                residents: publish(c.residents as u64, threshold),
                fitting_offers: c.fitting_offers.len() as u32,
                capacity: (c.capacity_unknown == 0).then_some(c.capacity_per_week),
                severity: (!c.suppressed).then_some(c.severity),
                near_misses: near
                    .iter()
                    .map(|n| report::NearMiss {
                        offer: n.naam.clone(),
                        reason_nl: match (offers.get(n.aanbod_id.as_str()), needs) {
                            (Some(o), Some(needs)) => {
                                near_miss_nl(o, needs, n.criterion, &c.wijkcode, &names)
                            }
                            _ => plain_sentence(&n.explanation_nl),
                        },
                    })
                    .collect(),
                // Residents suppressed: their predicted count is not shown either.
                predicted_lonely: (!c.suppressed)
                    .then(|| publish(c.predicted_lonely.round() as u64, threshold))
                    .flatten(),
                offer_names: c.fitting_offers.iter().map(|id| name_of(id)).collect(),
            }
        })
        .collect();
    // The offer x persona matrix: every offer that fits some cell, and in how many wijken per persona.
    let mut fits: BTreeMap<&str, BTreeMap<u32, u32>> = BTreeMap::new();
    for c in &gaps.cells {
        for id in &c.fitting_offers {
            *fits
                .entry(id.as_str())
                .or_default()
                .entry(c.persona)
                .or_default() += 1;
        }
    }
    let mut offer_rows: Vec<OfferFit> = fits
        .iter()
        .map(|(id, by)| OfferFit {
            name: name_of(id),
            personas: data
                .personas
                .iter()
                .map(|p| (p.id, by.get(&p.id).copied().unwrap_or(0)))
                .collect(),
            capacity: offers
                .get(id)
                .and_then(|o| o.capaciteit_per_week)
                .map(u64::from),
        })
        .collect();
    offer_rows.sort_by(|a, b| a.name.cmp(&b.name));
    for card in &mut data.personas {
        let mut fitting: Vec<String> = offer_rows
            .iter()
            .filter(|o| o.personas.iter().any(|&(p, n)| p == card.id && n > 0))
            .map(|o| o.name.clone())
            .collect();
        fitting.dedup();
        card.fitting_offers = fitting;
        if let Some(needs) = gaps.needs.iter().find(|n| n.persona == card.id) {
            card.needs_nl = needs_nl(needs);
        }
    }
    data.gaps = Some(GapMatrix {
        cells,
        method_nl: Some(format!(
            "Een aanbod past bij een persona in een wijk als het actief is, de wijk bedient (of de \
             hele gemeente en bereikbaar is), de leeftijden overlappen, de doelgroep, taal, kosten \
             en toegankelijkheid passen en het minstens één werkzaam element levert dat de \
             persona nodig heeft. Dun: er past aanbod, maar de plaatsen per week zijn minder dan \
             {}% van de voorspeld eenzame inwoners. Gat: er past niets.",
            crate::report::format::decimal(100.0 * gaps.thin_below, 0)
        )),
        offers: offer_rows,
    });
}

fn criterion_rank(c: Criterion) -> usize {
    Criterion::ALL
        .iter()
        .position(|&x| x == c)
        .unwrap_or(usize::MAX)
}

/// Wijk and buurt names from `gebieden.csv`, for sentences that would otherwise hold codes.
struct AreaNames {
    names: BTreeMap<String, String>,
}

impl AreaNames {
    fn of(study: &Study) -> AreaNames {
        let mut names = BTreeMap::new();
        for b in study.gebieden.iter() {
            if let Some(n) = b.wijknaam.as_deref().filter(|n| !n.is_empty()) {
                names
                    .entry(b.wijkcode.clone())
                    .or_insert_with(|| n.to_string());
            }
            if let Some(n) = b.buurtnaam.as_deref().filter(|n| !n.is_empty()) {
                names
                    .entry(b.buurtcode.clone())
                    .or_insert_with(|| format!("buurt {n}"));
            }
        }
        AreaNames { names }
    }

    fn get(&self, code: &str) -> String {
        self.names
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }
}

/// "a, b of c".
fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} of {last}", init.join(", ")),
    }
}

/// "a, b en c".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} en {last}", init.join(", ")),
    }
}

/// A vocabulary code in plain Dutch (`mensen_met_schulden` -> `mensen met schulden`).
pub fn plain_code(code: &str) -> String {
    match code {
        "overig_niet_westers" => "andere niet-westerse herkomst".to_string(),
        "aow" => "AOW".to_string(),
        "wmo" => "Wmo".to_string(),
        "laag" => "een lage eigen bijdrage".to_string(),
        "regulier" => "de gewone prijs".to_string(),
        "indicatie" => "een indicatie".to_string(),
        "huisbezoek" => "huisbezoek".to_string(),
        other => other.replace('_', " "),
    }
}

/// An ISO 639 language code as the Dutch name of the language.
pub fn language_nl(code: &str) -> String {
    let name = match code.to_ascii_lowercase().as_str() {
        "nl" => "Nederlands",
        "en" => "Engels",
        "ar" => "Arabisch",
        "tr" => "Turks",
        "ber" | "zgh" | "tzm" => "Berbers (Tamazight)",
        "pap" => "Papiaments",
        "srn" => "Sranantongo",
        "hi" => "Hindi",
        "pl" => "Pools",
        "bg" => "Bulgaars",
        "ro" => "Roemeens",
        "so" => "Somalisch",
        "ti" => "Tigrinya",
        "fa" => "Perzisch",
        "uk" => "Oekraïens",
        "ru" => "Russisch",
        "zh" => "Chinees",
        "es" => "Spaans",
        "pt" => "Portugees",
        "de" => "Duits",
        "fr" => "Frans",
        "it" => "Italiaans",
        "ur" => "Urdu",
        "ku" => "Koerdisch",
        _ => return format!("de taal met code {}", code.to_ascii_uppercase()),
    };
    name.to_string()
}

/// An older sentence from a stage, with its codes made readable (the fallback when the offer is
/// not at hand).
fn plain_sentence(text: &str) -> String {
    text.split(' ')
        .map(|w| {
            if w.contains('_') {
                w.replace('_', " ")
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Why an offer misses a persona in a wijk, in plain Dutch, without repeating the offer's name.
fn near_miss_nl(
    o: &Offer,
    needs: &offer::Needs,
    criterion: Criterion,
    wijk: &str,
    names: &AreaNames,
) -> String {
    use crate::sources::Area;
    let labels = |codes: Vec<&str>| -> Vec<String> { codes.into_iter().map(plain_code).collect() };
    match criterion {
        Criterion::Status => "staat op de sociale kaart als niet actief.".to_string(),
        Criterion::Gebied => {
            if o.gebied.contains(&Area::Gemeente) {
                "is voor de hele gemeente, maar regelt geen vervoer en komt niet aan huis, terwijl \
                 deze groep vaak slecht ter been is."
                    .to_string()
            } else {
                let areas: Vec<String> = o
                    .gebied
                    .iter()
                    .map(|a| match a {
                        Area::Gemeente => "de hele gemeente".to_string(),
                        Area::Wijk(w) | Area::Buurt(w) => names.get(w),
                    })
                    .collect();
                format!(
                    "wordt alleen gegeven in {}, niet in {}.",
                    and_list(&areas),
                    names.get(wijk)
                )
            }
        }
        Criterion::Leeftijd => format!(
            "is voor {} tot {} jaar; deze groep is vooral {} tot {} jaar.",
            o.leeftijd_min.unwrap_or(0),
            o.leeftijd_max.unwrap_or(120),
            needs.age_min,
            needs.age_max
        ),
        Criterion::Doelgroep => format!(
            "richt zich op {}; deze groep hoort bij {}.",
            and_list(&labels(o.doelgroepen.iter().map(|d| d.code()).collect())),
            if needs.doelgroepen.is_empty() {
                "geen bijzondere doelgroep (alleen aanbod voor iedereen past)".to_string()
            } else {
                and_list(&labels(
                    needs.doelgroepen.iter().map(|d| d.code()).collect(),
                ))
            }
        ),
        Criterion::Taal => {
            let given: Vec<String> = if o.talen.is_empty() {
                vec![language_nl("nl")]
            } else {
                o.talen.iter().map(|t| language_nl(t)).collect()
            };
            let needed: Vec<String> = needs.languages.iter().map(|t| language_nl(t)).collect();
            format!(
                "wordt gegeven in het {}; deze groep heeft aanbod nodig in het {}.",
                and_list(&given),
                or_list(&needed)
            )
        }
        Criterion::Kosten => format!(
            "vraagt {}; voor deze groep past alleen aanbod dat {} is.",
            o.kosten.map_or(
                "een onbekende prijs (telt als de gewone prijs)".to_string(),
                |k| {
                    match k.code() {
                        "gratis" => "niets".to_string(),
                        other => plain_code(other),
                    }
                }
            ),
            or_list(
                &needs
                    .costs
                    .iter()
                    .map(|k| match k.code() {
                        "gratis" => "gratis".to_string(),
                        "laag" => "goedkoop".to_string(),
                        "indicatie" => "met een indicatie te krijgen".to_string(),
                        _ => "tegen de gewone prijs".to_string(),
                    })
                    .collect::<Vec<_>>()
            )
        ),
        Criterion::Toegankelijkheid => "is niet rolstoeltoegankelijk, regelt geen vervoer en komt \
             niet aan huis, terwijl deze groep vaak slecht ter been is."
            .to_string(),
        Criterion::Elementen => format!(
            "biedt {}; deze groep heeft vooral baat bij {}.",
            if o.elementen.is_empty() {
                "geen werkzaam element dat op de sociale kaart staat".to_string()
            } else {
                and_list(&labels(o.elementen.iter().map(|e| e.code()).collect()))
            },
            or_list(&labels(needs.elements.iter().map(|e| e.code()).collect()))
        ),
    }
}

/// What a persona needs from an offer, one plain Dutch line per criterion.
fn needs_nl(n: &offer::Needs) -> Vec<String> {
    let mut out = Vec::new();
    let codes = |v: Vec<&str>| -> Vec<String> { v.into_iter().map(plain_code).collect() };
    if !n.elements.is_empty() {
        out.push(format!(
            "Heeft baat bij aanbod dat zorgt voor {}.",
            or_list(&codes(n.elements.iter().map(|e| e.code()).collect()))
        ));
    }
    if !n.doelgroepen.is_empty() {
        out.push(format!(
            "Aanbod voor iedereen past, of aanbod speciaal voor {}.",
            or_list(&codes(n.doelgroepen.iter().map(|e| e.code()).collect()))
        ));
    }
    if n.languages.iter().any(|l| l != "nl") {
        out.push(format!(
            "Aanbod in het {}.",
            or_list(
                &n.languages
                    .iter()
                    .map(|l| language_nl(l))
                    .collect::<Vec<_>>()
            )
        ));
    }
    if !n.costs.is_empty() && n.costs.len() < 4 {
        out.push(format!(
            "Kosten: {}.",
            or_list(
                &n.costs
                    .iter()
                    .map(|k| match k.code() {
                        "gratis" => "gratis".to_string(),
                        "laag" => "goedkoop".to_string(),
                        "indicatie" => "met een indicatie".to_string(),
                        _ => "de gewone prijs".to_string(),
                    })
                    .collect::<Vec<_>>()
            )
        ));
    }
    if n.mobility {
        out.push(
            "Bereikbaar voor wie slecht ter been is: rolstoeltoegankelijk, met vervoer, aan huis \
             of online."
                .to_string(),
        );
    }
    out.push(format!(
        "Leeftijd: vooral {} tot {} jaar.",
        n.age_min, n.age_max
    ));
    out
}

/// How many traits a persona card shows.
pub const TRAITS_PER_PERSONA: usize = 5;

impl ReportData {
    /// The report skeleton for an ingested, linked study: municipality, wijken with residents,
    /// survey figures and RIVM reference figures, and data quality. Link rates come from `links`
    /// (not from the summary) so the caller need not have filled them in. The residents per
    /// wijk come from the feature table (one row per BRP record, in register order), not from
    /// the BRP records, which `run` releases once the table is built.
    pub fn from_stages(
        study: &Study,
        summary: &IngestSummary,
        links: &StudyLinks,
        table: &FeatureTable,
    ) -> ReportData {
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
        for &k in &table.wijk {
            *residents
                .entry(table.wijken[k as usize].as_str())
                .or_default() += 1;
        }
        let survey = survey_by_wijk(study, links, table);
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
                    survey_lonely_pct: shown.map(|_| s.lonely().0),
                    survey_severe_pct: shown.map(|_| s.severe().0),
                    survey_lonely_interval: shown.and_then(|_| s.lonely().1),
                    survey_severe_interval: shown.and_then(|_| s.severe().1),
                    rivm_lonely_pct: rivm.get(w).and_then(|a| a.lonely_pct),
                    rivm_severe_pct: rivm.get(w).and_then(|a| a.severe_pct),
                }
            })
            .collect();

        let survey_shown = publish(total.n, threshold).filter(|&n| n > 0);
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
                survey_lonely_pct: survey_shown.map(|_| total.lonely().0),
                survey_lonely_interval: survey_shown.and_then(|_| total.lonely().1),
                survey_severe_pct: survey_shown.map(|_| total.severe().0),
                survey_severe_interval: survey_shown.and_then(|_| total.severe().1),
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
            analyst: AnalystView {
                k_choice: Vec::new(),
                linkage: linkage_views(links, threshold),
            },
            synthetic: false,
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
        let lonely_all = self.glance.survey_lonely_pct;
        self.personas = run
            .profiles
            .iter()
            .map(|p| {
                let traits = plain_traits(&p.distinguishing_traits, &kinds);
                let residents = publish(p.residents as u64, threshold);
                let respondents = publish(p.loneliness.respondents as u64, threshold);
                let lonely_pct = respondents.filter(|&n| n > 0).and(p.loneliness.lonely_pct);
                PersonaCard {
                    id: p.id,
                    name: p.name.clone(),
                    // The profile's own description repeats the size and traits with raw counts;
                    // the card tells its story from suppressed figures instead.
                    description: String::new(),
                    story_nl: story(p, residents, &traits, lonely_pct, lonely_all),
                    residents,
                    share: p.share,
                    mean_age: p.mean_age,
                    traits,
                    lonely_pct,
                    lonely_interval: None,
                    respondents,
                    rules: rules_for(&run.tree.rules, p.id, threshold),
                    // Hennig's bootstrap Jaccard, from the persona stage; like personas.json, not
                    // shown for a persona whose size is suppressed.
                    stability: residents.and(p.stability),
                    needs_nl: Vec::new(),
                    fitting_offers: Vec::new(),
                }
            })
            .collect();
        self.analyst.k_choice = run
            .model
            .metrics
            .selection
            .iter()
            .map(|c| KChoice {
                k: c.k,
                chosen: c.k == run.profiles.len(),
                evidence: KEvidence::KMeans {
                    silhouette: c.silhouette,
                    stability: c.stability,
                    inertia_gain: c.inertia_gain,
                },
            })
            .chain(run.model.metrics.lca_selection.iter().map(|c| KChoice {
                k: c.k,
                chosen: c.k == run.profiles.len(),
                evidence: KEvidence::LatentClass {
                    gain: c.gain,
                    certainty: c.min_avepp,
                    above_lowest: c.criterion
                        - crate::personas::lca::lowest_criterion(&run.model.metrics.lca_selection),
                },
            }))
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
    /// filled the predictions). Predicted counts are residents x predicted share, summed over the
    /// wijken whose residents are shown: a suppressed wijk is in neither the residents nor the
    /// prediction, so the municipality still has its figure when one wijk is too small to show.
    /// The 90%-interval of the municipality is the same sum over the wijken's bounds: as if every
    /// wijk erred the same way at once, which is conservative (the wijken share the model).
    pub fn refresh_glance(&mut self) {
        let t = self.suppression_threshold;
        let residents: u64 = self.districts.iter().filter_map(|d| d.residents).sum();
        let with_people: Vec<&District> = self
            .districts
            .iter()
            .filter(|d| d.residents.is_some_and(|n| n > 0))
            .collect();
        let all_predicted =
            !with_people.is_empty() && with_people.iter().all(|d| d.prediction.is_some());
        let sum = |f: &dyn Fn(&DistrictPrediction) -> Option<f64>| -> Option<f64> {
            if !all_predicted {
                return None;
            }
            let mut sum = 0.0;
            for d in &with_people {
                sum += d.residents? as f64 * f(d.prediction.as_ref()?)? / 100.0;
            }
            Some(sum)
        };
        let lonely = sum(&|p| Some(p.lonely_pct)).map(|x| x.round() as u64);
        let severe = sum(&|p| p.severe_pct).map(|x| x.round() as u64);
        let pct_of = |n: Option<u64>| n.and_then(|n| share(n, residents, t)).map(|s| 100.0 * s);
        // An interval around a shown percentage only, and only when the wijken had one.
        let interval = |pct: Option<f64>, lo: Option<f64>, hi: Option<f64>| {
            let (pct, lo, hi) = (pct?, lo?, hi?);
            let (lo, hi) = (100.0 * lo / residents as f64, 100.0 * hi / residents as f64);
            (hi - lo > 1e-9).then(|| (lo.min(pct), hi.max(pct)))
        };
        self.glance.residents = publish(residents, t);
        self.glance.predicted_lonely = lonely.and_then(|n| publish(n, t));
        self.glance.predicted_severe = severe.and_then(|n| publish(n, t));
        self.glance.predicted_lonely_pct = pct_of(lonely);
        self.glance.predicted_severe_pct = pct_of(severe);
        self.glance.predicted_lonely_interval = interval(
            self.glance.predicted_lonely_pct,
            sum(&|p| Some(p.lonely_low_pct)),
            sum(&|p| Some(p.lonely_high_pct)),
        );
        self.glance.predicted_severe_interval = interval(
            self.glance.predicted_severe_pct,
            sum(&|p| p.severe_interval.map(|i| i.0)),
            sum(&|p| p.severe_interval.map(|i| i.1)),
        );
        self.glance.districts = self.districts.len();
        self.glance.personas = self.personas.len();
    }
}

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

/// The beslisboom rules for a persona as a social worker can use them: the reliable rules
/// (right for at least 75% of their group) largest first, at most two; when none is that
/// reliable, the best one with how often it is right. Group sizes are suppressed like every count.
fn rules_for(rules: &[crate::personas::tree::Rule], persona: u32, threshold: u32) -> Vec<String> {
    let mut mine: Vec<&crate::personas::tree::Rule> =
        rules.iter().filter(|r| r.persona == persona).collect();
    mine.sort_by(|a, b| {
        b.residents
            .cmp(&a.residents)
            .then_with(|| b.purity.total_cmp(&a.purity))
    });
    let reliable: Vec<&crate::personas::tree::Rule> = mine
        .iter()
        .copied()
        .filter(|r| r.purity >= 0.75)
        .take(2)
        .collect();
    let chosen = if reliable.is_empty() {
        mine.iter()
            .copied()
            .max_by(|a, b| a.purity.total_cmp(&b.purity))
            .into_iter()
            .collect()
    } else {
        reliable
    };
    chosen
        .into_iter()
        .map(|r| rule_text(r, threshold))
        .collect()
}

fn rule_text(r: &crate::personas::tree::Rule, threshold: u32) -> String {
    let when = if r.conditions.is_empty() {
        "iedereen".to_string()
    } else {
        and_list(&plain_conditions(&r.conditions))
    };
    let right = crate::report::format::decimal(100.0 * r.purity, 0);
    match publish(r.residents as u64, threshold).filter(|&n| n > 0) {
        Some(n) => format!(
            "Wie {when}: in {right} van de 100 gevallen hoort die bij deze persona ({} inwoners).",
            crate::report::format::int(n)
        ),
        None => format!(
            "Wie {when}: in {right} van de 100 gevallen (een kleine groep, minder dan {threshold} inwoners)."
        ),
    }
}

/// A feature's label as the beslisboom and the profile write it, in plain Dutch.
fn plain_feature(label: &str) -> String {
    match label {
        "inkomenspercentiel" => "inkomenspositie (0 = laagste, 100 = hoogste inkomen)".to_string(),
        "huishoudgrootte" => "personen in het huishouden".to_string(),
        "jaren sinds wijziging burgerlijke staat" => {
            "jaren sinds trouwen, scheiden of weduwe/weduwnaar worden".to_string()
        }
        "jaren op dit adres" => "jaren op hetzelfde adres".to_string(),
        "volwassenen in huishouden" => "volwassenen in het huishouden".to_string(),
        "alleenwonend" => "woont alleen".to_string(),
        "inkomen uit aow" => "inkomen uit AOW".to_string(),
        "WMO-voorziening" => "een Wmo-voorziening".to_string(),
        "nederland" => "Nederlandse herkomst".to_string(),
        "marokko" => "Marokkaanse herkomst".to_string(),
        "turkije" => "Turkse herkomst".to_string(),
        "suriname" => "Surinaamse herkomst".to_string(),
        "antillen" => "Antilliaanse herkomst".to_string(),
        "westers" => "westerse migratieachtergrond".to_string(),
        "overig_niet_westers" | "overig niet westers" => {
            "andere niet-westerse herkomst".to_string()
        }
        other => plain_sentence(other),
    }
}

/// Beslisboom conditions in plain Dutch: `X: ja` -> X, `X: nee` -> not X, and the two bounds of
/// one number merged (`leeftijd 32 of hoger` + `leeftijd lager dan 67` -> `leeftijd 32 tot 67`).
fn plain_conditions(conditions: &[String]) -> Vec<String> {
    let mut bounds: BTreeMap<String, (Option<String>, Option<String>)> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut out: Vec<(String, String)> = Vec::new();
    for c in conditions {
        if let Some(f) = c.strip_suffix(": ja") {
            out.push((c.clone(), plain_feature(f)));
        } else if let Some(f) = c.strip_suffix(": nee") {
            let label = plain_feature(f);
            let text = if label == "woont alleen" {
                "woont niet alleen".to_string()
            } else {
                format!("geen {label}")
            };
            out.push((c.clone(), text));
        } else if let Some(f) = c.strip_suffix(" of hoger") {
            if let Some((feat, v)) = f.rsplit_once(' ') {
                let e = bounds.entry(feat.to_string()).or_default();
                // The later condition of a path is the tighter one.
                e.0 = Some(v.to_string());
                if !order.contains(&feat.to_string()) {
                    order.push(feat.to_string());
                    out.push((format!("#{feat}"), String::new()));
                }
            }
        } else if let Some((feat, v)) = c.split_once(" lager dan ") {
            let e = bounds.entry(feat.to_string()).or_default();
            e.1 = Some(v.to_string());
            if !order.contains(&feat.to_string()) {
                order.push(feat.to_string());
                out.push((format!("#{feat}"), String::new()));
            }
        } else {
            out.push((c.clone(), plain_sentence(c)));
        }
    }
    out.into_iter()
        .map(|(key, text)| match key.strip_prefix('#') {
            Some(feat) => {
                let label = plain_feature(feat);
                match bounds.get(feat).cloned().unwrap_or_default() {
                    (Some(lo), Some(hi)) => format!("{label} van {lo} tot {hi}"),
                    (Some(lo), None) => format!("{label} {lo} of meer"),
                    (None, Some(hi)) => format!("{label} onder {hi}"),
                    (None, None) => label,
                }
            }
            None => text,
        })
        .collect()
}

/// The persona's traits with plain labels, one trait per meaning (`alleenwonend` and `woont
/// alleen` are the same), shown on the card.
fn plain_traits(
    traits: &[crate::personas::profile::Trait],
    kinds: &BTreeMap<&str, FeatureKind>,
) -> Vec<TraitBar> {
    let mut out: Vec<TraitBar> = Vec::new();
    for t in traits {
        let label = plain_feature(&t.label_nl);
        if out.iter().any(|o| o.label_nl == label) {
            continue;
        }
        out.push(TraitBar {
            label_nl: label,
            persona: t.persona,
            population: t.population,
            kind: match kinds.get(t.feature.as_str()) {
                Some(FeatureKind::Numeric) => TraitKind::Mean,
                _ => TraitKind::Share,
            },
        });
        if out.len() == TRAITS_PER_PERSONA {
            break;
        }
    }
    out
}

/// A short story in plain Dutch from the profile: who they are, what sets them apart, how
/// lonely they are compared with everyone. Only suppressed figures and shares appear.
fn story(
    p: &crate::personas::profile::Profile,
    residents: Option<u64>,
    traits: &[TraitBar],
    lonely_pct: Option<f64>,
    lonely_all: Option<f64>,
) -> String {
    use crate::report::format::{decimal, int};
    let mut s = match residents.filter(|&n| n > 0) {
        Some(n) => format!(
            "Ongeveer {} volwassen inwoners ({} van alle volwassenen) horen bij deze groep. ",
            int(round_for_story(n)),
            crate::report::format::share(p.share)
        ),
        None => "Een kleine groep inwoners. ".to_string(),
    };
    s.push_str(&format!(
        "Ze zijn gemiddeld {} jaar. ",
        decimal(p.mean_age, 0)
    ));
    let more: Vec<String> = traits
        .iter()
        .filter(|t| t.kind == TraitKind::Share && t.persona > t.population)
        .map(|t| {
            format!(
                "{} ({} tegen {} van iedereen)",
                t.label_nl,
                crate::report::format::share(t.persona),
                crate::report::format::share(t.population)
            )
        })
        .collect();
    let less: Vec<String> = traits
        .iter()
        .filter(|t| t.kind == TraitKind::Share && t.persona < t.population)
        .map(|t| t.label_nl.clone())
        .collect();
    if !more.is_empty() {
        s.push_str(&format!("Vaker dan gemiddeld: {}. ", and_list(&more)));
    }
    if !less.is_empty() {
        s.push_str(&format!("Minder vaak: {}. ", and_list(&less)));
    }
    match (lonely_pct, lonely_all) {
        (Some(x), Some(all)) => {
            let cmp = if x > all + 5.0 {
                "duidelijk meer dan"
            } else if x < all - 5.0 {
                "minder dan"
            } else {
                "ongeveer evenveel als"
            };
            s.push_str(&format!(
                "Van wie de GGD-vragenlijst invulde, voelt {} zich eenzaam: {cmp} gemiddeld in de gemeente ({}).",
                crate::report::format::pct(x),
                crate::report::format::pct(all)
            ));
        }
        (Some(x), None) => s.push_str(&format!(
            "Van wie de GGD-vragenlijst invulde, voelt {} zich eenzaam.",
            crate::report::format::pct(x)
        )),
        _ => s.push_str(
            "Te weinig deelnemers aan de GGD-vragenlijst om iets over hun eenzaamheid te zeggen.",
        ),
    }
    s
}

/// A group size for a sentence: to the nearest ten (tens of people read better than units).
fn round_for_story(n: u64) -> u64 {
    ((n + 5) / 10 * 10).max(10)
}

/// Usable survey answers in one wijk: respondents and weighted sums.
#[derive(Debug, Clone, Copy, Default)]
struct SurveyTally {
    n: u64,
    weight: f64,
    /// Sum of the squared weights (Kish's effective sample size).
    weight_sq: f64,
    lonely_w: f64,
    severe_w: f64,
}

impl SurveyTally {
    fn plus(self, o: &SurveyTally) -> SurveyTally {
        SurveyTally {
            n: self.n + o.n,
            weight: self.weight + o.weight,
            weight_sq: self.weight_sq + o.weight_sq,
            lonely_w: self.lonely_w + o.lonely_w,
            severe_w: self.severe_w + o.severe_w,
        }
    }

    fn add(&mut self, weight: f64, score: &crate::residents::djg::DjgScore) {
        self.n += 1;
        self.weight += weight;
        self.weight_sq += weight * weight;
        if score.lonely() {
            self.lonely_w += weight;
        }
        if score.severely_lonely() {
            self.severe_w += weight;
        }
    }

    /// % lonely and its 90%-interval.
    fn lonely(&self) -> (f64, Option<(f64, f64)>) {
        let p = self.lonely_w / self.weight;
        (100.0 * p, wilson90(p, self.weight, self.weight_sq))
    }

    /// % severely lonely and its 90%-interval.
    fn severe(&self) -> (f64, Option<(f64, f64)>) {
        let p = self.severe_w / self.weight;
        (100.0 * p, wilson90(p, self.weight, self.weight_sq))
    }
}

/// Linked respondents per wijk with a usable De Jong Gierveld score (lonely >= 3, severe >= 9,
/// the RIVM definitions), weighted by `weegfactor`.
fn survey_by_wijk<'a>(
    study: &Study,
    links: &StudyLinks,
    table: &'a FeatureTable,
) -> BTreeMap<&'a str, SurveyTally> {
    let mut out: BTreeMap<&str, SurveyTally> = BTreeMap::new();
    let Some(l) = links.get(SourceKind::Gezondheidsmonitor) else {
        return out;
    };
    for (r, resident) in study.survey.iter().zip(&l.resident) {
        let (Some(i), Some(score)) = (resident, crate::residents::djg::score(&r.djg)) else {
            continue;
        };
        let Some(&k) = table.wijk.get(*i as usize) else {
            continue;
        };
        out.entry(table.wijken[k as usize].as_str())
            .or_default()
            .add(r.weegfactor, &score);
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

    fn bins(counts: &[u64]) -> Vec<crate::link::model::HistogramBin> {
        counts
            .iter()
            .enumerate()
            .map(|(i, &pairs)| crate::link::model::HistogramBin {
                from: i as f64 - 5.0,
                to: i as f64 - 4.0,
                pairs,
            })
            .collect()
    }

    #[test]
    fn small_histogram_bins_are_merged_until_none_is_below_the_threshold() {
        let counts = [3, 0, 12, 500, 0, 0, 4, 2, 0, 7, 40, 25, 1];
        let shown = published_bins(&bins(&counts), 10);
        // Every pair is in exactly one shown bin, and every shown count is 0 or >= 10.
        let total: u64 = shown.iter().map(|b| b.pairs.unwrap()).sum();
        assert_eq!(total, counts.iter().sum::<u64>());
        assert!(shown
            .iter()
            .all(|b| matches!(b.pairs, Some(0) | Some(10..))));
        // Contiguous, from the first edge to the last.
        assert_eq!(shown[0].from, -5.0);
        assert_eq!(shown.last().unwrap().to, counts.len() as f64 - 5.0);
        assert!(shown.windows(2).all(|w| w[0].to == w[1].from));
        // 3 + 0 + 12 merge; 500 stays; 4 + 2 + 0 + 7 merge; the last 1 joins the 25 before it.
        let got: Vec<(f64, u64)> = shown.iter().map(|b| (b.from, b.pairs.unwrap())).collect();
        assert_eq!(
            got,
            [
                (-5.0, 15),
                (-2.0, 500),
                (-1.0, 0),
                (0.0, 0),
                (1.0, 13),
                (5.0, 40),
                (6.0, 26)
            ]
        );
        // Fewer pairs than the threshold in all: nothing is shown.
        assert!(published_bins(&bins(&[2, 0, 3]), 10).is_empty());
    }

    #[test]
    fn survey_intervals_are_wilson_on_the_effective_sample_size() {
        // 100 equal weights, p = 0.5: 41.9% to 58.1%.
        let (lo, hi) = wilson90(0.5, 100.0, 100.0).unwrap();
        assert!(
            (lo - 41.88).abs() < 0.05 && (hi - 58.12).abs() < 0.05,
            "{lo} {hi}"
        );
        // Unequal weights (same sum, larger sum of squares) give a wider interval.
        let (lo2, hi2) = wilson90(0.5, 100.0, 200.0).unwrap();
        assert!(lo2 < lo && hi2 > hi);
        // Inside 0-100% at the edges, and nothing without weight.
        let (lo, hi) = wilson90(0.0, 20.0, 20.0).unwrap();
        assert!(lo == 0.0 && hi > 0.0 && hi < 20.0);
        assert_eq!(wilson90(0.3, 0.0, 0.0), None);
    }

    #[test]
    fn factors_read_in_plain_dutch_both_ways() {
        let f = |text: &str, pp: f64| crate::risk::districts::Factor {
            group: "g".into(),
            feature: "f".into(),
            text_nl: text.into(),
            effect_pct_points: pp,
            log_odds: pp / 10.0,
        };
        let w = crate::risk::districts::WijkFactors {
            wijkcode: "WK000001".into(),
            factors: vec![
                f("alleenwonend: 64% van de inwoners, 30% in de gemeente", 2.8),
                f("woont alleen: 64% van de inwoners, 30% in de gemeente", 1.5),
                f(
                    "leeftijd: gemiddeld 44.0 in de wijk, 50.1 in de gemeente",
                    0.01,
                ),
            ],
            lowering: vec![f(
                "inkomenspercentiel: gemiddeld 69.5 in de wijk, 59.2 in de gemeente",
                -5.0,
            )],
            area_effect_pct_points: 0.0,
        };
        let shown = wijk_factors(&w);
        let labels: Vec<&str> = shown.iter().map(|f| f.label_nl.as_str()).collect();
        assert_eq!(
            labels,
            [
                "woont alleen: 64% van de inwoners, 30% in de gemeente",
                "inkomenspositie (0 = laagste, 100 = hoogste inkomen): gemiddeld 69,5 in de wijk, 59,2 in de gemeente"
            ]
        );
        assert_eq!(shown[1].contribution, -5.0);
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
