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
    GapStatus, Glance, KChoice, ModelChoice, ModelMetrics, MunicipalityView, OfferFit, PersonaCard,
    PersonaDistrictShare, QuarantineCount, ReferenceFigures, ReliabilityBin, ReportData, RiskCard,
    SourceQuality, TraitBar, TraitKind, WijkFactors, WijkGeometry,
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
    let mut data = ReportData::from_stages(study, summary, links).with_personas(personas, table);
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
            analyst: AnalystView::default(),
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
                silhouette: c.silhouette,
                stability: c.stability,
                inertia_gain: c.inertia_gain,
                chosen: c.k == run.profiles.len(),
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
