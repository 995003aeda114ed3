//! The HTML document: sections in the order a workshop walks through them.

// Markup lines end in an explicit `\n` inside longer format strings; `writeln!` would hide it.
#![allow(clippy::write_with_newline)]

use std::collections::BTreeMap;
use std::fmt::Write;

use super::colour::{self, Scale};
use super::format::{decimal, escape, int, pct, share};
use super::suppress::recheck;
use super::svg::{self, AreaValue, BarRow};
use super::*;

/// Blocks every request the page could make: anything but inline styles and `data:` images is
/// refused by the browser (and logged as a console error, which the browser test looks for).
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const STYLE: &str = r#"
:root { --ink:#111; --muted:#555; --line:#d5d5d5; --band:#f4f6f8; --accent:#0072b2; }
* { box-sizing: border-box; }
html { font-size: 20px; }
body { margin: 0; color: var(--ink); background: #fff;
  font-family: "Segoe UI", "Noto Sans", "DejaVu Sans", Helvetica, Arial, sans-serif; line-height: 1.45; }
main { max-width: 1500px; margin: 0 auto; padding: 0 40px 60px; }
header.top { background: #1d3557; color: #fff; padding: 36px 40px 28px; }
header.top .inner { max-width: 1500px; margin: 0 auto; }
header.top h1 { font-size: 2.6rem; margin: 0 0 6px; line-height: 1.15; }
header.top p { margin: 4px 0; font-size: 1.1rem; color: #e8eef5; }
nav { max-width: 1500px; margin: 0 auto; padding: 14px 40px; display: flex; flex-wrap: wrap; gap: 10px 22px;
  border-bottom: 1px solid var(--line); font-size: 0.95rem; }
nav a { color: var(--accent); text-decoration: none; }
section { padding-top: 30px; border-top: 3px solid #1d3557; margin-top: 46px; }
section:first-of-type { border-top: none; margin-top: 10px; }
h2 { font-size: 1.8rem; margin: 0 0 14px; }
h3 { font-size: 1.3rem; margin: 22px 0 8px; }
p.lead { font-size: 1.05rem; color: var(--muted); max-width: 1100px; margin-top: 0; }
.note { font-size: 0.9rem; color: var(--muted); }
.tiles-row { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 18px; margin: 10px 0 26px; }
.kpi { background: var(--band); border-left: 8px solid var(--accent); padding: 16px 20px; }
.kpi .v { font-size: 2.5rem; font-weight: 700; line-height: 1.1; }
.kpi .l { font-size: 1rem; color: var(--muted); }
.kpi .s { font-size: 0.9rem; color: var(--muted); }
table { border-collapse: collapse; margin: 10px 0 18px; font-size: 0.95rem; }
th, td { padding: 7px 12px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: var(--band); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.sup { color: var(--muted); text-align: center; }
table.matrix tbody th, table.ranked td:first-child { white-space: nowrap; }
table.metrics { width: 100%; }
tbody tr:nth-child(even) td { background: #fafbfc; }
table.matrix td { text-align: center; white-space: nowrap; font-weight: 600; }
table.matrix th.p { font-size: 0.8rem; max-width: 170px; vertical-align: bottom; }
svg { display: block; max-width: 100%; height: auto; }
svg.map, svg.tiles { max-width: 1100px; }
svg.calibration { max-width: 520px; }
.legend { display: flex; align-items: center; flex-wrap: wrap; gap: 10px 14px; font-size: 0.9rem; margin: 6px 0 16px; }
.legend svg { display: inline-block; }
.legend-title { font-weight: 600; }
.swatch { display: inline-block; width: 22px; height: 22px; border: 1px solid #888; vertical-align: middle; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(640px, 1fr)); gap: 24px; }
.card { border: 2px solid var(--line); border-top: 10px solid var(--accent); padding: 16px 22px; break-inside: avoid; }
.card h3 { margin-top: 0; }
.card .facts { display: flex; flex-wrap: wrap; gap: 6px 26px; font-size: 1rem; margin: 8px 0 12px; }
.card .facts b { font-size: 1.25rem; }
.card ul.rules { font-size: 0.9rem; color: #333; padding-left: 20px; }
.two { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 30px; align-items: start; }
.grid3 { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 10px 28px; }
.swatch.covered, table.matrix td.covered { background: #d6f0e7; }
.swatch.thin, table.matrix td.thin { background: #fbe8c2; }
.swatch.gap, table.matrix td.gap { background: #f6cdb4; }
ul.gaps li { margin-bottom: 10px; }
.missing { background: #fff7e0; border-left: 8px solid #e69f00; padding: 12px 18px; }
footer { max-width: 1500px; margin: 40px auto 0; padding: 16px 40px; color: var(--muted); font-size: 0.85rem; border-top: 1px solid var(--line); }
@media print {
  html { font-size: 11pt; }
  nav { display: none; }
  header.top { background: none; color: #000; padding: 0 0 10px; border-bottom: 3px solid #000; }
  header.top p { color: #000; }
  main { padding: 0; max-width: none; }
  section { break-before: page; border-top: none; margin-top: 0; }
  section:first-of-type { break-before: auto; }
  .card, table, svg { break-inside: avoid; }
  th, .kpi, .covered, .thin, .gap, td { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"#;

const MONTHS: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];

/// `2024-01-01` -> `1 januari 2024` (the text as given when it is not a date).
fn dutch_date(iso: &str) -> String {
    let parts: Vec<&str> = iso.split('-').collect();
    if let [y, m, d] = parts[..] {
        if let (Ok(m), Ok(d)) = (m.parse::<usize>(), d.parse::<u32>()) {
            if (1..=12).contains(&m) {
                return format!("{d} {} {y}", MONTHS[m - 1]);
            }
        }
    }
    iso.to_string()
}

fn reason_nl(code: &str) -> &'static str {
    match code {
        "invalid_bsn" => "ongeldig BSN",
        "duplicate_bsn" => "BSN komt dubbel voor",
        "duplicate_row" => "dubbele regel",
        "ragged_row" => "verkeerd aantal kolommen",
        "missing_value" => "verplichte waarde ontbreekt",
        "invalid_value" => "ongeldige waarde",
        "invalid_date" => "ongeldige datum",
        "future_date" => "datum na de peildatum",
        "implausible_age" => "onwaarschijnlijke leeftijd",
        "invalid_postcode" => "ongeldige postcode",
        "unknown_buurtcode" => "onbekende buurtcode",
        _ => "overig",
    }
}

/// Renders the whole document.
pub fn document(d: &ReportData) -> String {
    let t = d.suppression_threshold;
    let place = d
        .municipality
        .name
        .clone()
        .or_else(|| d.municipality.code.clone())
        .unwrap_or_else(|| d.study.clone());
    let mut s = String::with_capacity(64 * 1024);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"nl\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Eenzaamheid in {p} – werkrapport</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        p = escape(&place)
    );
    let code = d
        .municipality
        .code
        .as_deref()
        .map(|c| format!(" ({})", escape(c)))
        .unwrap_or_default();
    let _ = write!(
        s,
        "<header class=\"top\"><div class=\"inner\"><p>Werkrapport eenzaamheid</p><h1>Eenzaamheid in {}{code}</h1>\
         <p>Peildatum {} · studie {} · aantallen onder {t} zijn niet getoond</p></div></header>\n",
        escape(&place),
        escape(&dutch_date(&d.reference_date)),
        escape(&d.study)
    );
    s.push_str(
        "<nav><a href=\"#overzicht\">In één oogopslag</a><a href=\"#kaart\">Kaart</a>\
         <a href=\"#personas\">Persona's</a><a href=\"#persona-wijk\">Persona's per wijk</a>\
         <a href=\"#gaten\">Aanbod en gaten</a><a href=\"#risicomodel\">Risicomodel</a>\
         <a href=\"#referentie\">Referentiecijfers</a><a href=\"#datakwaliteit\">Datakwaliteit</a>\
         <a href=\"#privacy\">Privacy</a></nav>\n<main>\n",
    );
    let labels: BTreeMap<&str, String> = d
        .districts
        .iter()
        .map(|w| (w.wijkcode.as_str(), w.label()))
        .collect();
    let label = |code: &str| {
        labels
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_string())
    };
    glance(&mut s, d, &place, t);
    map_section(&mut s, d);
    personas(&mut s, d, t);
    persona_districts(&mut s, d, &label);
    gaps(&mut s, d, &label, t);
    risk(&mut s, d, &label, t);
    reference(&mut s, d, t);
    data_quality(&mut s, d, t);
    privacy(&mut s, d);
    let _ = write!(
        s,
        "</main>\n<footer>Gemaakt door loneliness {} uit de studie {}. Dit bestand is volledig op zichzelf staand: \
         het laadt niets van internet en kan vanaf schijf worden geopend en afgedrukt.</footer>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
        escape(&d.study)
    );
    s
}

/// A table cell for a count: suppressed counts (and counts that should have been) show a dash.
fn count_cell(n: Option<u64>, t: u32) -> String {
    match recheck(n, t) {
        Some(n) => format!("<td class=\"num\">{}</td>", int(n)),
        None => format!("<td class=\"sup\" title=\"minder dan {t} of onbekend\">–</td>"),
    }
}

fn pct_cell(x: Option<f64>) -> String {
    match x {
        Some(x) => format!("<td class=\"num\">{}</td>", pct(x)),
        None => "<td class=\"sup\">–</td>".to_string(),
    }
}

fn count_text(n: Option<u64>, t: u32) -> String {
    recheck(n, t).map_or("–".to_string(), int)
}

fn section_start(s: &mut String, id: &str, title: &str, lead: &str) {
    let _ = write!(
        s,
        "<section id=\"{id}\">\n<h2>{}</h2>\n<p class=\"lead\">{}</p>\n",
        escape(title),
        escape(lead)
    );
}

fn not_available(s: &mut String, what: &str) {
    let _ = write!(
        s,
        "<p class=\"missing\">{} is in deze run niet berekend.</p>\n",
        escape(what)
    );
}

/// The measure the map and the ranking show: the model's prediction when there is one, else the
/// survey figure (named as such).
fn district_measure(d: &ReportData) -> (&'static str, Vec<Option<f64>>) {
    if d.districts.iter().any(|w| w.prediction.is_some()) {
        (
            "voorspeld % eenzaam (18+)",
            d.districts
                .iter()
                .map(|w| w.prediction.as_ref().map(|p| p.lonely_pct))
                .collect(),
        )
    } else {
        (
            "% eenzaam onder respondenten van de GGD-monitor",
            d.districts.iter().map(|w| w.survey_lonely_pct).collect(),
        )
    }
}

fn glance(s: &mut String, d: &ReportData, place: &str, t: u32) {
    section_start(
        s,
        "overzicht",
        "In één oogopslag",
        &format!(
            "Hoeveel inwoners van {place} zich eenzaam voelen volgens het risicomodel, en welke wijken het meest."
        ),
    );
    let g = &d.glance;
    s.push_str("<div class=\"tiles-row\">");
    let kpi = |s: &mut String, value: String, label: &str, sub: String| {
        let _ = write!(
            s,
            "<div class=\"kpi\"><div class=\"v\">{}</div><div class=\"l\">{}</div><div class=\"s\">{}</div></div>",
            escape(&value),
            escape(label),
            escape(&sub)
        );
    };
    kpi(
        s,
        count_text(g.residents, t),
        "inwoners van 18 jaar en ouder",
        format!("in {} wijken", g.districts),
    );
    kpi(
        s,
        g.predicted_lonely_pct.map_or("–".to_string(), pct),
        "voorspeld eenzaam",
        g.predicted_lonely
            .and_then(|n| recheck(Some(n), t))
            .map_or("risicomodel niet beschikbaar".to_string(), |n| {
                format!("ongeveer {} inwoners", int(n))
            }),
    );
    kpi(
        s,
        g.predicted_severe_pct.map_or("–".to_string(), pct),
        "voorspeld ernstig eenzaam",
        g.predicted_severe
            .and_then(|n| recheck(Some(n), t))
            .map_or("risicomodel niet beschikbaar".to_string(), |n| {
                format!("ongeveer {} inwoners", int(n))
            }),
    );
    kpi(
        s,
        g.survey_lonely_pct.map_or("–".to_string(), pct),
        "eenzaam in de GGD-monitor",
        format!("{} gekoppelde respondenten", count_text(g.respondents, t)),
    );
    s.push_str("</div>\n");

    let (measure, values) = district_measure(d);
    let scale = Scale::prevalence(values.iter().flatten().copied());
    let mut order: Vec<usize> = (0..d.districts.len()).collect();
    order.sort_by(|&a, &b| {
        let (va, vb) = (values[a], values[b]);
        match (va, vb) {
            (Some(x), Some(y)) => y.total_cmp(&x),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }
        .then_with(|| d.districts[a].wijkcode.cmp(&d.districts[b].wijkcode))
    });
    let _ = write!(s, "<h3>Wijken gerangschikt: {}</h3>\n", escape(measure));
    let rows: Vec<BarRow> = order
        .iter()
        .map(|&i| {
            let w = &d.districts[i];
            BarRow {
                label: w.label(),
                value: values[i],
                interval: w
                    .prediction
                    .as_ref()
                    .map(|p| (p.lonely_low_pct, p.lonely_high_pct)),
                marker: w.rivm_lonely_pct,
            }
        })
        .collect();
    let has_interval = rows.iter().any(|r| r.interval.is_some());
    s.push_str(&svg::ranked_bars(
        &rows,
        &scale,
        rows.iter()
            .any(|r| r.marker.is_some())
            .then_some("RIVM 2020, gepubliceerd % eenzaam"),
    ));
    if has_interval {
        s.push_str("<p class=\"note\">De zwarte streep is het onzekerheidsinterval van de schatting.</p>\n");
    }
    s.push_str(
        "<table class=\"ranked\"><thead><tr><th>Wijk</th><th>Wijkcode</th><th class=\"num\">Inwoners 18+</th>\
         <th class=\"num\">Voorspeld eenzaam</th><th class=\"num\">Interval</th><th class=\"num\">Voorspeld ernstig eenzaam</th>\
         <th class=\"num\">Respondenten</th><th class=\"num\">Eenzaam in enquête</th></tr></thead><tbody>\n",
    );
    for &i in &order {
        let w = &d.districts[i];
        let p = w.prediction.as_ref();
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td>{}{}{}{}{}{}</tr>\n",
            escape(&w.label()),
            escape(&w.wijkcode),
            count_cell(w.residents, t),
            pct_cell(p.map(|p| p.lonely_pct)),
            match p {
                Some(p) => format!(
                    "<td class=\"num\">{}–{}</td>",
                    decimal(p.lonely_low_pct, 1),
                    pct(p.lonely_high_pct)
                ),
                None => "<td class=\"sup\">–</td>".to_string(),
            },
            pct_cell(p.and_then(|p| p.severe_pct)),
            count_cell(w.respondents, t),
            pct_cell(w.survey_lonely_pct)
        );
    }
    s.push_str("</tbody></table>\n</section>\n");
}

fn map_section(s: &mut String, d: &ReportData) {
    let (measure, values) = district_measure(d);
    section_start(
        s,
        "kaart",
        "Kaart van de wijken",
        &format!("Elke wijk gekleurd naar {measure}: hoe donkerder, hoe meer eenzaamheid."),
    );
    let scale = Scale::prevalence(values.iter().flatten().copied());
    let areas: Vec<AreaValue> = d
        .districts
        .iter()
        .zip(&values)
        .map(|(w, v)| AreaValue {
            wijkcode: w.wijkcode.clone(),
            label: w.label(),
            value: *v,
        })
        .collect();
    match &d.geometry {
        Some(g) => {
            let shapes = geo::project(g, 1100.0, 760.0, 20.0);
            s.push_str(&svg::map(&shapes, &areas, &scale, 1100.0, 760.0));
            let unmatched: Vec<&str> = d
                .districts
                .iter()
                .filter(|w| !shapes.iter().any(|p| p.wijkcode == w.wijkcode))
                .map(|w| w.wijkcode.as_str())
                .collect();
            if !unmatched.is_empty() {
                let _ = write!(
                    s,
                    "<p class=\"note\">Niet op de kaart (geen vorm in het GeoJSON-bestand): {}.</p>\n",
                    escape(&unmatched.join(", "))
                );
            }
        }
        None => {
            s.push_str(&svg::tile_grid(&areas, &scale));
            s.push_str(
                "<p class=\"note\">Geen wijkkaart meegegeven (wijken.geojson in de studiemap of --geo BESTAND): \
                 elke wijk is een tegel, op volgorde van wijkcode.</p>\n",
            );
        }
    }
    s.push_str(&svg::legend(&scale, measure, false, Some("geen cijfer")));
    s.push_str("</section>\n");
}

fn personas(s: &mut String, d: &ReportData, t: u32) {
    section_start(
        s,
        "personas",
        "Persona's",
        "Groepen inwoners die op elkaar lijken in leeftijd, huishouden, inkomen, zorg en levensgebeurtenissen. \
         De balken vergelijken de persona (blauw) met alle inwoners (grijs).",
    );
    if d.personas.is_empty() {
        not_available(s, "De persona-indeling");
        s.push_str("</section>\n");
        return;
    }
    let _ = write!(
        s,
        "<p class=\"legend\"><span class=\"swatch\" style=\"background:{}\"></span> persona \
         <span class=\"swatch\" style=\"background:{}\"></span> alle inwoners</p>\n<div class=\"cards\">\n",
        colour::PERSONA,
        colour::POPULATION
    );
    for p in &d.personas {
        let lonely = match (p.lonely_pct, recheck(p.respondents, t)) {
            (Some(x), Some(n)) => format!("<b>{}</b> eenzaam (n = {})", pct(x), int(n)),
            _ => "eenzaamheid: te weinig respondenten".to_string(),
        };
        let _ = write!(
            s,
            "<article class=\"card\"><h3>{}. {}</h3>{}\
             <div class=\"facts\"><span><b>{}</b> inwoners</span><span><b>{}</b> van alle inwoners</span>\
             <span>gemiddeld <b>{}</b> jaar</span><span>{lonely}</span></div>{}",
            p.id,
            escape(&p.name),
            if p.description.is_empty() {
                String::new()
            } else {
                format!("<p>{}</p>", escape(&p.description))
            },
            count_text(p.residents, t),
            share(p.share),
            decimal(p.mean_age, 0),
            svg::trait_bars(&p.traits)
        );
        if !p.rules.is_empty() {
            s.push_str("<h4>Beslisregels (wie hoort bij deze persona)</h4><ul class=\"rules\">");
            for r in &p.rules {
                let _ = write!(s, "<li>{}</li>", escape(r));
            }
            s.push_str("</ul>");
        }
        s.push_str("</article>\n");
    }
    s.push_str("</div>\n</section>\n");
}

fn persona_header(s: &mut String, d: &ReportData) {
    s.push_str("<thead><tr><th>Wijk</th>");
    for p in &d.personas {
        let _ = write!(s, "<th class=\"p\">{}. {}</th>", p.id, escape(&p.name));
    }
    s.push_str("</tr></thead>");
}

fn persona_districts(s: &mut String, d: &ReportData, label: &dyn Fn(&str) -> String) {
    section_start(
        s,
        "persona-wijk",
        "Persona's per wijk",
        "Welk deel van de inwoners van elke wijk bij elke persona hoort (een rij telt op tot 100%).",
    );
    if d.persona_districts.is_empty() || d.personas.is_empty() {
        not_available(s, "De verdeling van persona's over de wijken");
        s.push_str("</section>\n");
        return;
    }
    let cells: BTreeMap<(&str, u32), Option<f64>> = d
        .persona_districts
        .iter()
        .map(|c| ((c.wijkcode.as_str(), c.persona), c.share))
        .collect();
    let scale = Scale::shares(cells.values().flatten().copied());
    let wijken: Vec<&str> = {
        let mut w: Vec<&str> = d.districts.iter().map(|w| w.wijkcode.as_str()).collect();
        for c in &d.persona_districts {
            if !w.contains(&c.wijkcode.as_str()) {
                w.push(&c.wijkcode);
            }
        }
        w
    };
    s.push_str("<table class=\"matrix\">");
    persona_header(s, d);
    s.push_str("<tbody>\n");
    for w in wijken {
        let _ = write!(s, "<tr><th>{}</th>", escape(&label(w)));
        for p in &d.personas {
            match cells.get(&(w, p.id)).copied().flatten() {
                Some(x) => {
                    let _ = write!(
                        s,
                        "<td style=\"background:{};color:{}\">{}</td>",
                        scale.colour(x),
                        scale.text_colour(x),
                        share(x)
                    );
                }
                None => {
                    let _ = write!(
                        s,
                        "<td class=\"sup\" style=\"background:{}\">–</td>",
                        colour::MISSING
                    );
                }
            }
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody></table>\n");
    s.push_str(&svg::legend(
        &scale,
        "aandeel van de wijk",
        true,
        Some("te weinig inwoners om te tonen"),
    ));
    s.push_str("</section>\n");
}

fn status_word(st: GapStatus) -> (&'static str, &'static str, &'static str) {
    match st {
        GapStatus::Covered => ("covered", "✓", "gedekt"),
        GapStatus::Thin => ("thin", "◐", "dun"),
        GapStatus::Gap => ("gap", "✗", "gat"),
    }
}

fn gaps(s: &mut String, d: &ReportData, label: &dyn Fn(&str) -> String, t: u32) {
    section_start(
        s,
        "gaten",
        "Aanbod en gaten",
        "Voor elke persona in elke wijk: is er passend aanbod op de sociale kaart (gedekt), te weinig (dun) \
         of niets (gat)? Bij elk gat staat het aanbod dat bijna past en waarom het niet past.",
    );
    let Some(m) = &d.gaps else {
        not_available(s, "De toets van het aanbod");
        s.push_str("</section>\n");
        return;
    };
    let cells: BTreeMap<(&str, u32), &GapCell> = m
        .cells
        .iter()
        .map(|c| ((c.wijkcode.as_str(), c.persona), c))
        .collect();
    let mut wijken: Vec<&str> = d.districts.iter().map(|w| w.wijkcode.as_str()).collect();
    for c in &m.cells {
        if !wijken.contains(&c.wijkcode.as_str()) {
            wijken.push(&c.wijkcode);
        }
    }
    let _ = write!(
        s,
        "<p class=\"legend\"><span class=\"swatch covered\" style=\"border-color:{}\"></span> ✓ gedekt \
         <span class=\"swatch thin\" style=\"border-color:{}\"></span> ◐ dun \
         <span class=\"swatch gap\" style=\"border-color:{}\"></span> ✗ gat \
         <span class=\"swatch\" style=\"background:{}\"></span> niet beoordeeld</p>\n",
        colour::COVERED,
        colour::THIN,
        colour::GAP,
        colour::MISSING
    );
    s.push_str("<table class=\"matrix\">");
    persona_header(s, d);
    s.push_str("<tbody>\n");
    for w in &wijken {
        let _ = write!(s, "<tr><th>{}</th>", escape(&label(w)));
        for p in &d.personas {
            match cells.get(&(*w, p.id)) {
                Some(c) => {
                    let (class, sym, word) = status_word(c.status);
                    let _ = write!(s, "<td class=\"{class}\">{sym} {word}</td>");
                }
                None => {
                    let _ = write!(
                        s,
                        "<td class=\"sup\" style=\"background:{}\">–</td>",
                        colour::MISSING
                    );
                }
            }
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody></table>\n");
    if let Some(method) = &m.method_nl {
        let _ = write!(s, "<p class=\"note\">{}</p>\n", escape(method));
    }
    let names: BTreeMap<u32, &str> = d.personas.iter().map(|p| (p.id, p.name.as_str())).collect();
    let mut open: Vec<&GapCell> = m
        .cells
        .iter()
        .filter(|c| {
            c.status == GapStatus::Gap || (c.status == GapStatus::Thin && !c.near_misses.is_empty())
        })
        .collect();
    // Thin cells without near misses: one line per persona naming its wijken.
    let mut thin: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for c in &m.cells {
        if c.status == GapStatus::Thin && c.near_misses.is_empty() {
            thin.entry(c.persona).or_default().push(label(&c.wijkcode));
        }
    }
    open.sort_by(|a, b| {
        b.status
            .cmp(&a.status)
            .then_with(|| {
                b.severity
                    .unwrap_or(0.0)
                    .total_cmp(&a.severity.unwrap_or(0.0))
            })
            .then_with(|| a.wijkcode.cmp(&b.wijkcode))
            .then_with(|| a.persona.cmp(&b.persona))
    });
    if open.is_empty() && thin.is_empty() {
        s.push_str("<p>Geen gaten of dunne plekken gevonden.</p>\n</section>\n");
        return;
    }
    s.push_str("<h3>Gaten en dunne plekken, de ernstigste eerst</h3><ul class=\"gaps\">\n");
    for c in open {
        let (_, sym, word) = status_word(c.status);
        let persona = names
            .get(&c.persona)
            .map_or(format!("persona {}", c.persona), |n| {
                format!("{}. {n}", c.persona)
            });
        let residents =
            recheck(c.residents, t).map_or(String::new(), |n| format!(", {} inwoners", int(n)));
        let offers = match c.fitting_offers {
            0 => "geen passend aanbod".to_string(),
            1 => "één passend aanbod".to_string(),
            n => format!("{n} passende aanbiedingen"),
        };
        let capacity = c.capacity.map_or(String::new(), |n| {
            format!(" ({} plaatsen per week)", int(n))
        });
        let _ = write!(
            s,
            "<li><b>{sym} {word}: {} × {}</b>{residents} — {offers}{capacity}",
            escape(&label(&c.wijkcode)),
            escape(&persona)
        );
        if !c.near_misses.is_empty() {
            s.push_str("<br>Bijna passend:<ul>");
            for nm in &c.near_misses {
                let _ = write!(
                    s,
                    "<li><i>{}</i>: {}</li>",
                    escape(&nm.offer),
                    escape(&nm.reason_nl)
                );
            }
            s.push_str("</ul>");
        }
        s.push_str("</li>\n");
    }
    for (persona, wijken) in &thin {
        let persona = names
            .get(persona)
            .map_or(format!("persona {persona}"), |n| format!("{persona}. {n}"));
        let _ = write!(
            s,
            "<li><b>◐ dun: {}</b> in {}</li>\n",
            escape(&persona),
            escape(&wijken.join(", "))
        );
    }
    s.push_str("</ul>\n</section>\n");
}

fn risk(s: &mut String, d: &ReportData, label: &dyn Fn(&str) -> String, t: u32) {
    section_start(
        s,
        "risicomodel",
        "Risicomodel",
        "Het model schat voor elke inwoner de kans op eenzaamheid uit de gekoppelde registers, geleerd op de \
         respondenten van de GGD-monitor. Hier staat hoe goed het dat doet en wat per wijk de doorslag geeft.",
    );
    let Some(r) = &d.risk else {
        not_available(s, "Het risicomodel");
        s.push_str("</section>\n");
        return;
    };
    s.push_str("<div class=\"two\"><div>");
    let _ = write!(
        s,
        "<table class=\"metrics\"><tbody>\
         <tr><th>Gekozen model</th><td>{}</td></tr>\
         <tr><th>AUC (onderscheidend vermogen, 0,5 = gokken, 1 = perfect)</th><td class=\"num\">{}</td></tr>\
         <tr><th>Brier-score (lager is beter)</th><td class=\"num\">{}</td></tr>\
         <tr><th>Kalibratie: intercept (ideaal 0)</th><td class=\"num\">{}</td></tr>\
         <tr><th>Kalibratie: helling (ideaal 1)</th><td class=\"num\">{}</td></tr>\
         <tr><th>Getoetst op respondenten</th>{}</tr>\
         </tbody></table>",
        escape(&r.model),
        decimal(r.auc, 3),
        decimal(r.brier, 3),
        decimal(r.calibration_intercept, 2),
        decimal(r.calibration_slope, 2),
        count_cell(r.evaluated_on, t)
    );
    s.push_str("</div><div><h3>Kalibratie</h3>");
    s.push_str(&svg::calibration(&r.reliability));
    s.push_str(
        "<p class=\"note\">Elke stip is een groep respondenten met een vergelijkbare voorspelde kans. \
         Op de stippellijn klopt de voorspelling precies.</p>",
    );
    s.push_str("</div></div>\n");
    if !r.reliability.is_empty() {
        s.push_str(
            "<table><thead><tr><th class=\"num\">Gemiddeld voorspeld</th>\
             <th class=\"num\">Waargenomen</th><th class=\"num\">Respondenten</th></tr></thead><tbody>",
        );
        for b in &r.reliability {
            let _ = write!(
                s,
                "<tr><td class=\"num\">{}</td><td class=\"num\">{}</td>{}</tr>",
                pct(100.0 * b.mean_predicted),
                pct(100.0 * b.observed),
                count_cell(b.n, t)
            );
        }
        s.push_str("</tbody></table>\n");
    }
    if !r.factors.is_empty() {
        let _ = write!(
            s,
            "<h3>Factoren per wijk</h3><p class=\"note\">Bijdrage aan de voorspelde eenzaamheid in {} \
             ten opzichte van de hele gemeente; oranje verhoogt, blauw verlaagt.</p><div class=\"grid3\">",
            escape(&r.contribution_unit)
        );
        let max_abs = r
            .factors
            .iter()
            .flat_map(|w| &w.factors)
            .map(|f| f.contribution.abs())
            .fold(0.0f64, f64::max);
        for w in &r.factors {
            let _ = write!(
                s,
                "<div><h4>{}</h4>{}</div>",
                escape(&label(&w.wijkcode)),
                svg::factor_bars(&w.factors, max_abs, &r.contribution_unit)
            );
        }
        s.push_str("</div>\n");
    }
    s.push_str("</section>\n");
}

fn reference(s: &mut String, d: &ReportData, t: u32) {
    section_start(
        s,
        "referentie",
        "Referentiecijfers",
        "Onze schatting naast de cijfers die het RIVM per wijk publiceert (schatting uit de Gezondheidsmonitor 2020). \
         Grote verschillen zijn een reden om beide cijfers kritisch te bekijken.",
    );
    let Some(r) = &d.reference else {
        s.push_str(
            "<p class=\"missing\">Voor deze gemeente zijn geen RIVM-wijkcijfers meegeleverd \
             (onbekende of ontbrekende gemeentecode).</p>\n</section>\n",
        );
        return;
    };
    s.push_str(
        "<table><thead><tr><th>Gebied</th><th class=\"num\">Onze schatting</th><th class=\"num\">GGD-enquête</th>\
         <th class=\"num\">Respondenten</th><th class=\"num\">RIVM 2020</th><th class=\"num\">Verschil (punt)</th>\
         <th class=\"num\">Ernstig: ons</th><th class=\"num\">Ernstig: RIVM</th></tr></thead><tbody>\n",
    );
    let _ = write!(
        s,
        "<tr><th>Hele gemeente</th>{}{}{}{}{}{}{}</tr>\n",
        pct_cell(d.glance.predicted_lonely_pct),
        pct_cell(d.glance.survey_lonely_pct),
        count_cell(d.glance.respondents, t),
        pct_cell(r.gemeente_lonely_pct),
        diff_cell(d.glance.predicted_lonely_pct, r.gemeente_lonely_pct),
        pct_cell(d.glance.predicted_severe_pct),
        pct_cell(r.gemeente_severe_pct)
    );
    for w in &d.districts {
        let ours = w.prediction.as_ref().map(|p| p.lonely_pct);
        let _ = write!(
            s,
            "<tr><td>{}</td>{}{}{}{}{}{}{}</tr>\n",
            escape(&w.label()),
            pct_cell(ours),
            pct_cell(w.survey_lonely_pct),
            count_cell(w.respondents, t),
            pct_cell(w.rivm_lonely_pct),
            diff_cell(ours, w.rivm_lonely_pct),
            pct_cell(w.prediction.as_ref().and_then(|p| p.severe_pct)),
            pct_cell(w.rivm_severe_pct)
        );
    }
    let _ = write!(
        s,
        "</tbody></table>\n<p class=\"note\">Bron: {}. Eenzaam: score 3 of hoger op de De Jong Gierveld-schaal; \
         ernstig eenzaam: 9 of hoger.</p>\n</section>\n",
        escape(&r.source)
    );
}

fn diff_cell(ours: Option<f64>, theirs: Option<f64>) -> String {
    match (ours, theirs) {
        (Some(a), Some(b)) => {
            let d = a - b;
            let sign = if d > 0.05 { "+" } else { "" };
            format!("<td class=\"num\">{sign}{}</td>", decimal(d, 1))
        }
        _ => "<td class=\"sup\">–</td>".to_string(),
    }
}

fn data_quality(s: &mut String, d: &ReportData, t: u32) {
    section_start(
        s,
        "datakwaliteit",
        "Datakwaliteit",
        "Wat er uit elk bronbestand is gelezen, wat is afgekeurd (en waarom), en welk deel aan een inwoner is gekoppeld.",
    );
    s.push_str(
        "<table><thead><tr><th>Bron</th><th>Bestand</th><th class=\"num\">Regels gelezen</th>\
         <th class=\"num\">Geaccepteerd</th><th class=\"num\">Afgekeurd</th><th>Koppeling</th>\
         <th class=\"num\">Gekoppeld</th></tr></thead><tbody>\n",
    );
    for q in &d.data_quality {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td>{}{}{}<td>{}</td>{}</tr>\n",
            escape(&q.source),
            escape(&q.file),
            count_cell(q.rows_read, t),
            count_cell(q.rows_accepted, t),
            count_cell(q.rows_quarantined, t),
            escape(q.link_method.as_deref().unwrap_or("–")),
            match q.link_rate {
                Some(r) => format!("<td class=\"num\">{}</td>", pct(100.0 * r)),
                None => "<td class=\"sup\">–</td>".to_string(),
            }
        );
    }
    s.push_str("</tbody></table>\n");
    let reasons: Vec<(&SourceQuality, &QuarantineCount)> = d
        .data_quality
        .iter()
        .flat_map(|q| q.reasons.iter().map(move |r| (q, r)))
        .collect();
    if reasons.is_empty() {
        s.push_str("<p>Geen regels afgekeurd.</p>\n");
    } else {
        s.push_str(
            "<h3>Afgekeurde regels per reden</h3><table><thead><tr><th>Bron</th><th>Reden</th><th>Code</th>\
             <th class=\"num\">Regels</th></tr></thead><tbody>\n",
        );
        for (q, r) in reasons {
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{}</td><td>{}</td>{}</tr>\n",
                escape(&q.source),
                reason_nl(&r.reason),
                escape(&r.reason),
                count_cell(r.rows, t)
            );
        }
        s.push_str("</tbody></table>\n");
    }
    s.push_str(
        "<p class=\"note\">Afgekeurde regels staan met hun reden in de map quarantine/ van de uitvoer; \
         gekoppeld is het deel van de geaccepteerde regels dat aan een inwoner uit de BRP is toegewezen.</p>\n</section>\n",
    );
}

fn privacy(s: &mut String, d: &ReportData) {
    let t = d.suppression_threshold;
    section_start(
        s,
        "privacy",
        "Privacy",
        "Dit rapport bevat alleen tellingen en percentages over groepen, nooit gegevens over één inwoner.",
    );
    let _ = write!(
        s,
        "<ul>\
         <li>Aantallen van 1 tot en met {} worden niet getoond (drempel {t}); in tabellen staat dan een streepje (–). \
         Percentages over zo'n kleine groep worden ook niet getoond.</li>\
         <li>Er staat geen BSN, naam, adres of geboortedatum in dit rapport. BSN's zijn bij het inlezen vervangen \
         door een sleutel-afhankelijk pseudoniem; ook dat pseudoniem staat niet in het rapport.</li>\
         <li>Persona's, kaarten en tabellen gaan over groepen van minstens {t} inwoners; gegevens per inwoner \
         worden alleen op uitdrukkelijk verzoek apart weggeschreven en nooit in dit rapport.</li>\
         <li>Het bestand laadt niets van internet (geen lettertypen, scripts of kaarttegels) en werkt zonder netwerk.</li>\
         </ul>\n</section>\n",
        t.saturating_sub(1)
    );
}
