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
header.top h1 { font-size: 2.6rem; margin: 0 0 6px; line-height: 1.15; overflow-wrap: anywhere; }
header.top p { margin: 4px 0; font-size: 1.1rem; color: #e8eef5; }
.synthetic { display: inline-block; background: #e69f00; color: #000; font-weight: 700; padding: 4px 12px; font-size: 1.1rem; border: 2px solid #000; }
nav { max-width: 1500px; margin: 0 auto; padding: 14px 40px; display: flex; flex-wrap: wrap; gap: 10px 22px;
  border-bottom: 1px solid var(--line); font-size: 0.95rem; }
nav a { color: var(--accent); text-decoration: none; }
section { padding-top: 30px; border-top: 3px solid #1d3557; margin-top: 46px; }
section:first-of-type { border-top: none; margin-top: 10px; }
h2 { font-size: 1.8rem; margin: 0 0 14px; }
h3 { font-size: 1.3rem; margin: 22px 0 8px; }
h2, h3, h4 { overflow-wrap: anywhere; }
p.lead { font-size: 1.05rem; color: var(--muted); max-width: 1100px; margin-top: 0; }
.note { font-size: 0.9rem; color: var(--muted); }
ul.findings { font-size: 1.1rem; max-width: 1100px; }
ul.findings li { margin-bottom: 8px; }
.tiles-row { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 260px), 1fr)); gap: 18px; margin: 10px 0 26px; }
.kpi { background: var(--band); border-left: 8px solid var(--accent); padding: 16px 20px; }
.kpi .v { font-size: 2.5rem; font-weight: 700; line-height: 1.1; }
.kpi .l { font-size: 1rem; color: var(--muted); }
.kpi .s { font-size: 0.9rem; color: var(--muted); }
table { border-collapse: collapse; margin: 10px 0 18px; font-size: 0.95rem; max-width: 100%; }
caption { text-align: left; font-weight: 600; padding: 4px 0 6px; caption-side: top; }
th, td { padding: 7px 12px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: var(--band); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
td.sup { color: var(--muted); text-align: center; }
table.wide { width: 100%; }
table.metrics { width: 100%; }
tbody tr:nth-child(even) td { background: #fafbfc; }
table.matrix { width: 100%; table-layout: fixed; }
table.matrix td { text-align: center; font-weight: 600; }
table.matrix th { font-size: 0.8rem; vertical-align: bottom; hyphens: auto; }
table.matrix tbody th { font-size: 0.9rem; vertical-align: middle; }
table.offers td { font-weight: 400; }
table.offers thead th:first-child { width: 30%; }
table.offers tbody th { font-weight: 400; font-size: 0.85rem; }
code { font-size: 0.85em; background: var(--band); padding: 0 3px; overflow-wrap: anywhere; }
svg { display: block; max-width: 100%; height: auto; }
svg.map, svg.tiles { max-width: 1100px; }
svg.calibration { max-width: 520px; }
svg.traits { max-width: 620px; }
.legend { display: flex; align-items: center; flex-wrap: wrap; gap: 10px 14px; font-size: 0.9rem; margin: 6px 0 16px; }
.legend svg { display: inline-block; }
.legend-title { font-weight: 600; }
.swatch { display: inline-block; width: 22px; height: 22px; border: 1px solid #888; vertical-align: middle; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 560px), 1fr)); gap: 24px; }
.card { border: 2px solid var(--line); border-top: 10px solid var(--accent); padding: 16px 22px; break-inside: avoid; min-width: 0; }
.card h3 { margin-top: 0; }
.card h4 { margin: 14px 0 4px; }
.card .story { font-size: 1.05rem; }
.card .facts { display: flex; flex-wrap: wrap; gap: 6px 26px; font-size: 1rem; margin: 8px 0 12px; }
.card .facts b { font-size: 1.25rem; }
.card ul { padding-left: 20px; margin: 4px 0; }
.card ul.rules { font-size: 0.9rem; color: #333; }
.mark { display: inline-block; padding: 2px 10px; font-size: 0.9rem; font-weight: 600; border: 2px solid; }
.mark.stable { border-color: #009e73; }
.mark.fair { border-color: #0072b2; }
.mark.uncertain { border-color: #d55e00; background: #fff1e6; }
.two { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 480px), 1fr)); gap: 30px; align-items: start; }
.swatch.covered, table.matrix td.covered { background: #d6f0e7; }
.swatch.thin, table.matrix td.thin { background: #fbe8c2; }
.swatch.gap, table.matrix td.gap { background: #f6cdb4; }
ul.gaps li { margin-bottom: 12px; }
details.wijk { border-bottom: 1px solid var(--line); padding: 8px 0; }
details.wijk summary { cursor: pointer; font-size: 1.05rem; }
details.wijk summary b { font-size: 1.15rem; }
ul.factors { list-style: none; padding: 0; margin: 4px 0 10px; max-width: 1100px; }
ul.factors li { display: grid; grid-template-columns: 4.2em minmax(3em, 9em) 1fr; gap: 4px 10px; align-items: center; margin: 3px 0; }
ul.factors .fv { text-align: right; font-weight: 700; font-variant-numeric: tabular-nums; }
ul.factors .fb { display: block; height: 14px; background: #f0f0f0; }
ul.factors .fb span { display: block; height: 14px; }
ul.factors li.up .fb span { background: #d55e00; }
ul.factors li.down .fb span { background: #0072b2; }
.swatch.up { background: #d55e00; }
.swatch.down { background: #0072b2; }
.linkage-fields { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 420px), 1fr)); gap: 10px 30px; }
svg.linkage { max-width: 900px; }
figure.linkage-hist { margin: 0 0 12px; }
figure.linkage-hist figcaption { font-size: 0.9rem; margin-bottom: 4px; }
svg.mu { max-width: 600px; }
dl.glossary dt { font-weight: 700; margin-top: 10px; }
dl.glossary dd { margin: 2px 0 0 0; max-width: 1100px; }
.missing { background: #fff7e0; border-left: 8px solid #e69f00; padding: 12px 18px; }
footer { max-width: 1500px; margin: 40px auto 0; padding: 16px 40px; color: var(--muted); font-size: 0.85rem; border-top: 1px solid var(--line); }
@media screen and (max-width: 900px) {
  html { font-size: 17px; }
  main { padding: 0 14px 40px; }
  header.top { padding: 20px 14px 16px; }
  header.top h1 { font-size: 1.7rem; }
  nav { padding: 10px 14px; }
  h2 { font-size: 1.45rem; }
  .kpi .v { font-size: 1.9rem; }
  .wide-only { display: none; }
  table { width: 100%; table-layout: fixed; font-size: 0.8rem; }
  th, td { padding: 4px 5px; }
  td.num { white-space: normal; }
  .opt { display: none; }
  table.stack, table.stack tbody, table.stack tr, table.stack td, table.stack tbody th { display: block; width: auto; }
  table.stack thead { display: none; }
  table.stack tr { border-bottom: 2px solid #1d3557; padding: 4px 0; }
  table.stack td { text-align: left; border: none; font-weight: 400; }
  table.stack td::before { content: attr(data-label) ": "; font-weight: 600; }
  table.stack td.empty { display: none; }
  .card { padding: 12px 12px; }
}
@page { size: A4; margin: 12mm 11mm; }
@media print {
  html { font-size: 9.5pt; }
  nav, .screen-only, .no-print { display: none; }
  td br { display: none; }
  header.top { background: none; color: #000; padding: 0 0 6px; border-bottom: 3px solid #000; }
  header.top p { color: #000; }
  header.top h1 { font-size: 20pt; }
  main { padding: 0; max-width: none; }
  section { border-top: 2px solid #000; margin-top: 14px; padding-top: 8px; }
  h2 { font-size: 15pt; margin-bottom: 6px; }
  h3 { font-size: 11.5pt; margin: 10px 0 4px; }
  h2, h3, h4, caption { break-after: avoid; }
  .kpi .v { font-size: 18pt; }
  .tiles-row { grid-template-columns: repeat(4, 1fr); gap: 8px; margin: 6px 0 10px; }
  .kpi { padding: 6px 10px; }
  table { width: 100%; font-size: 8pt; margin: 4px 0 8px; line-height: 1.2; }
  th, td { padding: 1px 4px; white-space: normal; }
  td.num { white-space: nowrap; }
  tr, svg, .kpi, figure, li { break-inside: avoid; }
  table.matrix th { font-size: 7pt; }
  table.offers { font-size: 7pt; }
  table.offers tbody th { font-size: 7pt; }
  table.offers td, table.offers th { padding: 0 3px; }
  table.offers thead th:first-child { width: 40%; }
  table.offers .pname, table.offers .unit { display: none; }
  ul.gaps { font-size: 8.5pt; }
  ul.gaps li { margin-bottom: 4px; }
  p.lead { margin-bottom: 4px; }
  svg.chart { max-height: 240mm; width: auto; margin: 0 auto; }
  svg.map, svg.tiles { max-height: 150mm; width: auto; }
  svg.traits { max-width: 120mm; }
  svg.calibration { max-width: 80mm; }
  .cards { display: block; }
  .card { break-before: page; border: 1px solid #000; border-top: 6px solid var(--accent); padding: 8px 12px; }
  .cards > .card:first-child { break-before: auto; }
  details.wijk { padding: 2px 0; }
  details.wijk summary { font-size: 8pt; }
  details.wijk summary b { font-size: 8.5pt; }
  .two { grid-template-columns: 1fr 1fr; gap: 6mm; }
  .wijk-list { columns: 2; column-gap: 8mm; }
  th, .kpi, .covered, .thin, .gap, td, .mark, .synthetic { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .synthetic { font-size: 11pt; }
  .linkage-fields { grid-template-columns: 1fr 1fr; gap: 2mm 6mm; }
  figure.linkage-hist { margin: 0; break-inside: avoid; }
  .linkage-source h4 { margin: 4px 0 0; }
  .linkage-source .legend { margin: 2px 0 4px; }
  dl.glossary { columns: 2; column-gap: 8mm; }
  dl.glossary dt { break-after: avoid; }
  dl.glossary dd { break-inside: avoid; }
  footer { display: none; }
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
        "absurd_weight" => "onwaarschijnlijke weegfactor",
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
         <title>Eenzaamheid in {p} – werkrapport{synthetic_title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        p = escape(&place),
        synthetic_title = if d.synthetic {
            " (synthetische gegevens)"
        } else {
            ""
        }
    );
    let synthetic = if d.synthetic {
        "<p class=\"synthetic-banner\"><span class=\"synthetic\">Synthetische gegevens — geen echte inwoners</span></p>"
    } else {
        ""
    };
    let _ = write!(
        s,
        "<header class=\"top\"><div class=\"inner\"><p>Werkrapport eenzaamheid</p><h1>Eenzaamheid in {}</h1>\
         <p>Peildatum {} · aantallen onder {t} zijn niet getoond</p>{synthetic}</div></header>\n",
        escape(&place),
        escape(&dutch_date(&d.reference_date)),
    );
    s.push_str(
        "<nav aria-label=\"Inhoud\"><a href=\"#samenvatting\">Wat valt op</a><a href=\"#overzicht\">In één oogopslag</a>\
         <a href=\"#kaart\">Kaart</a><a href=\"#personas\">Persona's</a><a href=\"#persona-wijk\">Persona's per wijk</a>\
         <a href=\"#gaten\">Aanbod en gaten</a><a href=\"#wijken\">Per wijk</a><a href=\"#risicomodel\">Risicomodel</a>\
         <a href=\"#referentie\">Referentiecijfers</a><a href=\"#datakwaliteit\">Datakwaliteit</a>\
         <a href=\"#beperkingen\">Beperkingen en begrippen</a><a href=\"#bijlage\">Bijlage voor analisten</a>\
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
    summary(&mut s, d, &label, t);
    glance(&mut s, d, &place, t);
    map_section(&mut s, d);
    personas(&mut s, d, t);
    persona_districts(&mut s, d, &label);
    gaps(&mut s, d, &label, t);
    wijken(&mut s, d, t);
    risk(&mut s, d, t);
    reference(&mut s, d, t);
    data_quality(&mut s, d, t);
    limits(&mut s, d);
    appendix(&mut s, d, t);
    privacy(&mut s, d);
    let _ = write!(
        s,
        "</main>\n<footer>Gemaakt door loneliness {} uit de studie <code>{}</code>. Dit bestand is volledig op zichzelf staand: \
         het laadt niets van internet en kan vanaf schijf worden geopend en afgedrukt.</footer>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
        escape(&d.study)
    );
    accessible(s)
}

/// Every chart gets an accessible name (the legends' small swatches are named "legenda") and
/// every header cell a scope: `col` in a table head, `row` in its body.
fn accessible(doc: String) -> String {
    let mut out = String::with_capacity(doc.len() + doc.len() / 20);
    let mut rest = doc.as_str();
    let mut in_head = false;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest.find('>').map_or(rest.len(), |e| e + 1);
        let tag = &rest[..end];
        if tag.starts_with("<thead") {
            in_head = true;
        } else if tag.starts_with("</thead") {
            in_head = false;
        }
        if (tag.starts_with("<th>") || tag.starts_with("<th ")) && !tag.contains("scope=") {
            let scope = if in_head { "col" } else { "row" };
            let _ = write!(out, "<th scope=\"{scope}\"{}", &tag[3..]);
        } else if tag.starts_with("<svg ") && !tag.contains("aria-label=") {
            let _ = write!(out, "<svg aria-label=\"legenda\" {}", &tag[5..]);
        } else {
            out.push_str(tag);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// An SVG chart with its accessible name.
fn named(svg: String, name: &str) -> String {
    match svg.strip_prefix("<svg ") {
        Some(rest) => format!("<svg aria-label=\"{}\" {rest}", escape(name)),
        None => svg,
    }
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

/// "56,3% (90%-interval 50,9–59,9%)".
fn with_interval(value: f64, interval: Option<(f64, f64)>) -> String {
    match interval {
        Some((lo, hi)) => format!(
            "{} (90%-interval {}–{})",
            pct(value),
            decimal(lo, 1),
            pct(hi)
        ),
        None => pct(value),
    }
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

/// District indices, highest measure first (then wijkcode).
fn ranked_order(d: &ReportData, values: &[Option<f64>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..d.districts.len()).collect();
    order.sort_by(|&a, &b| {
        match (values[a], values[b]) {
            (Some(x), Some(y)) => y.total_cmp(&x),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }
        .then_with(|| d.districts[a].wijkcode.cmp(&d.districts[b].wijkcode))
    });
    order
}

fn persona_label(d: &ReportData, id: u32) -> String {
    d.personas
        .iter()
        .find(|p| p.id == id)
        .map_or(format!("persona {id}"), |p| format!("{id}. {}", p.name))
}

/// The executive summary: what stands out, in sentences.
fn summary(s: &mut String, d: &ReportData, label: &dyn Fn(&str) -> String, t: u32) {
    section_start(
        s,
        "samenvatting",
        "Wat valt op",
        "De belangrijkste uitkomsten in een paar zinnen; de rest van het rapport onderbouwt ze.",
    );
    let mut items: Vec<String> = Vec::new();
    let g = &d.glance;
    if let (Some(p), Some(n)) = (g.predicted_lonely_pct, recheck(g.predicted_lonely, t)) {
        let severe = match (g.predicted_severe_pct, recheck(g.predicted_severe, t)) {
            (Some(sp), Some(sn)) => format!(
                ", van wie ongeveer {} ({}) ernstig",
                int(sn),
                inline_interval(sp, g.predicted_severe_interval)
            ),
            _ => String::new(),
        };
        items.push(format!(
            "Volgens het risicomodel voelen ongeveer <b>{} volwassenen ({})</b> zich eenzaam{severe}.",
            int(n),
            inline_interval(p, g.predicted_lonely_interval)
        ));
    }
    let (_, values) = district_measure(d);
    let order = ranked_order(d, &values);
    let top: Vec<String> = order
        .iter()
        .take(3)
        .filter_map(|&i| {
            let w = &d.districts[i];
            w.prediction.as_ref().map(|p| {
                format!(
                    "{}: {}",
                    escape(&w.label()),
                    with_interval(p.lonely_pct, Some((p.lonely_low_pct, p.lonely_high_pct)))
                )
            })
        })
        .collect();
    if !top.is_empty() {
        items.push(format!(
            "De meeste eenzaamheid wordt voorspeld in {}.",
            and_list(&top)
        ));
    }
    if let Some(m) = &d.gaps {
        let mut worst: Vec<&GapCell> = m
            .cells
            .iter()
            .filter(|c| c.status == GapStatus::Gap && c.severity.is_some())
            .collect();
        worst.sort_by(|a, b| {
            b.severity
                .unwrap_or(0.0)
                .total_cmp(&a.severity.unwrap_or(0.0))
                .then_with(|| a.wijkcode.cmp(&b.wijkcode))
        });
        let gaps = m
            .cells
            .iter()
            .filter(|c| c.status == GapStatus::Gap)
            .count();
        let thin = m
            .cells
            .iter()
            .filter(|c| c.status == GapStatus::Thin)
            .count();
        items.push(format!(
            "Van de {} combinaties van wijk en persona is er bij {} geen passend aanbod (gat) en bij {} te weinig plaatsen (dun).",
            m.cells.len(),
            gaps,
            thin
        ));
        if let Some(c) = worst.first() {
            let lonely = recheck(c.predicted_lonely, t).map_or(String::new(), |n| {
                format!(
                    ": ongeveer {} voorspeld eenzame inwoners zonder passend aanbod",
                    int(n)
                )
            });
            items.push(format!(
                "Het grootste gat: <b>{}</b> in <b>{}</b>{lonely}.",
                escape(&persona_label(d, c.persona)),
                escape(&label(&c.wijkcode))
            ));
        }
    }
    if let Some(p) = d
        .personas
        .iter()
        .filter(|p| p.lonely_pct.is_some())
        .max_by(|a, b| {
            a.lonely_pct
                .unwrap_or(0.0)
                .total_cmp(&b.lonely_pct.unwrap_or(0.0))
        })
    {
        items.push(format!(
            "De persona met de meeste eenzaamheid is <b>{}</b>: {} van de deelnemers aan de GGD-vragenlijst in deze groep voelt zich eenzaam.",
            escape(&persona_label(d, p.id)),
            with_interval(p.lonely_pct.unwrap_or(0.0), p.lonely_interval)
        ));
    }
    if let Some(r) = &d.risk {
        items.push(format!(
            "Het risicomodel onderscheidt eenzame van niet-eenzame inwoners redelijk, niet perfect (AUC {}; 0,5 is gokken, 1 is perfect): gebruik de cijfers per wijk als richting, niet als meting. Zie <a href=\"#beperkingen\">Beperkingen</a>.",
            decimal(r.auc, 2)
        ));
    }
    if items.is_empty() {
        not_available(s, "De samenvatting");
    } else {
        s.push_str("<ul class=\"findings\">");
        for i in items {
            let _ = write!(s, "<li>{i}</li>");
        }
        s.push_str("</ul>\n");
    }
    s.push_str("</section>\n");
}

/// "a, b en c".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} en {last}", init.join(", ")),
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
    // Without a figure: did the model not run, or is the group too small to show?
    let no_figure = if d.risk.is_some() {
        "te weinig inwoners om te tonen"
    } else {
        "risicomodel niet berekend in deze run"
    };
    let predicted_sub = |n: Option<u64>, interval: Option<(f64, f64)>| -> String {
        match recheck(n, t) {
            Some(n) => {
                let people = format!("ongeveer {} inwoners", int(n));
                match interval {
                    Some(iv) => format!("90%-interval {} · {people}", range(iv)),
                    None => people,
                }
            }
            None => no_figure.to_string(),
        }
    };
    kpi(
        s,
        g.predicted_lonely_pct.map_or("–".to_string(), pct),
        "voorspeld eenzaam",
        predicted_sub(g.predicted_lonely, g.predicted_lonely_interval),
    );
    kpi(
        s,
        g.predicted_severe_pct.map_or("–".to_string(), pct),
        "voorspeld ernstig eenzaam",
        predicted_sub(g.predicted_severe, g.predicted_severe_interval),
    );
    kpi(
        s,
        g.survey_lonely_pct.map_or("–".to_string(), pct),
        "eenzaam in de GGD-monitor",
        match g
            .survey_lonely_interval
            .filter(|_| g.survey_lonely_pct.is_some())
        {
            Some(iv) => format!(
                "90%-interval {} · {} gekoppelde respondenten",
                range(iv),
                count_text(g.respondents, t)
            ),
            None => format!("{} gekoppelde respondenten", count_text(g.respondents, t)),
        },
    );
    s.push_str("</div>\n");
    s.push_str(
        "<p class=\"note\">Het 90%-interval van de hele gemeente telt de grenzen van de wijken op, alsof alle wijken \
         tegelijk dezelfde kant op afwijken (ze delen één model): eerder te ruim dan te krap. Het 90%-interval van de \
         GGD-monitor is berekend volgens Wilson, rekening houdend met de weging van de respondenten.</p>\n",
    );

    let (measure, values) = district_measure(d);
    let scale = Scale::prevalence(values.iter().flatten().copied());
    let order = ranked_order(d, &values);
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
    s.push_str("<div class=\"wide-only\">");
    s.push_str(&named(
        svg::ranked_bars(
            &rows,
            &scale,
            rows.iter()
                .any(|r| r.marker.is_some())
                .then_some("RIVM 2020, gepubliceerd % eenzaam"),
        ),
        &format!(
            "Staafdiagram: wijken gerangschikt naar {measure}, met 90%-interval en het RIVM-cijfer"
        ),
    ));
    if has_interval {
        s.push_str(
            "<p class=\"note\">De zwarte streep is het 90%-interval van de schatting: met 90% zekerheid ligt het \
             werkelijke percentage daartussen.</p>\n",
        );
    }
    s.push_str("</div>");
    let _ = write!(
        s,
        "<table class=\"ranked wide no-print\"><caption>Wijken gerangschikt: {}</caption><thead><tr><th>Wijk</th>\
         <th class=\"num\">Inwoners 18+</th><th class=\"num\">Voorspeld eenzaam (90%-interval)</th>\
         <th class=\"num\">Voorspeld ernstig eenzaam (90%-interval)</th>\
         <th class=\"num opt\">Respondenten</th><th class=\"num\">Eenzaam in enquête (90%-interval)</th><th class=\"num opt\">RIVM 2020</th></tr></thead><tbody>\n",
        escape(measure)
    );
    for &i in &order {
        let w = &d.districts[i];
        let p = w.prediction.as_ref();
        let _ = write!(
            s,
            "<tr><td>{}</td>{}{}{}{}{}{}</tr>\n",
            escape(&w.label()),
            count_cell(w.residents, t),
            match p {
                Some(p) => format!(
                    "<td class=\"num\">{}</td>",
                    interval_cell(p.lonely_pct, Some((p.lonely_low_pct, p.lonely_high_pct)))
                ),
                None => "<td class=\"sup\">–</td>".to_string(),
            },
            match p.and_then(|p| p.severe_pct.map(|v| (v, p.severe_interval))) {
                Some((v, iv)) => format!("<td class=\"num\">{}</td>", interval_cell(v, iv)),
                None => "<td class=\"sup\">–</td>".to_string(),
            },
            count_cell(w.respondents, t).replace("<td class=\"", "<td class=\"opt "),
            survey_cell(w.survey_lonely_pct, w.survey_lonely_interval),
            pct_cell(w.rivm_lonely_pct).replace("<td class=\"", "<td class=\"opt ")
        );
    }
    s.push_str("</tbody></table>\n</section>\n");
}

/// "56,3%; 90%-interval 50,9–59,9%", for inside parentheses.
fn inline_interval(value: f64, interval: Option<(f64, f64)>) -> String {
    match interval {
        Some(iv) => format!("{}; 90%-interval {}", pct(value), range(iv)),
        None => pct(value),
    }
}

/// "50,9–59,9%".
fn range((lo, hi): (f64, f64)) -> String {
    format!("{}–{}", decimal(lo, 1), pct(hi))
}

/// A survey figure with its 90%-interval in a table cell; a dash when suppressed (then there is
/// no interval either).
fn survey_cell(value: Option<f64>, interval: Option<(f64, f64)>) -> String {
    match value {
        Some(v) => format!("<td class=\"num\">{}</td>", interval_cell(v, interval)),
        None => "<td class=\"sup\">–</td>".to_string(),
    }
}

/// "56,3%<br>90%-interval 50,9–59,9%" for a table cell.
fn interval_cell(value: f64, interval: Option<(f64, f64)>) -> String {
    match interval {
        Some((lo, hi)) => format!(
            "<b>{}</b> <br><span class=\"note\">90%-interval {}–{}</span>",
            pct(value),
            decimal(lo, 1),
            pct(hi)
        ),
        None => pct(value),
    }
}

fn map_section(s: &mut String, d: &ReportData) {
    let (measure, values) = district_measure(d);
    // Without shapes the tiles only repeat the ranking: then the section stays off paper.
    let _ = write!(
        s,
        "<section id=\"kaart\"{}>\n<h2>Kaart van de wijken</h2>\n<p class=\"lead\">{}</p>\n",
        if d.geometry.is_none() {
            " class=\"no-print\""
        } else {
            ""
        },
        escape(&format!(
            "Elke wijk gekleurd naar {measure}: hoe donkerder, hoe meer eenzaamheid."
        ))
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
    let name = format!("Kaart: de wijken gekleurd naar {measure}");
    match &d.geometry {
        Some(g) => {
            let shapes = geo::project(g, 1100.0, 760.0, 20.0);
            s.push_str(&named(
                svg::map(&shapes, &areas, &scale, 1100.0, 760.0),
                &name,
            ));
            let unmatched: Vec<String> = d
                .districts
                .iter()
                .filter(|w| !shapes.iter().any(|p| p.wijkcode == w.wijkcode))
                .map(|w| w.label())
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
            // Tiles in wijkcode order carry no geography: on paper the ranked chart says the same.
            s.push_str("<div class=\"wide-only no-print\">");
            s.push_str(&named(svg::tile_grid(&areas, &scale), &name));
            s.push_str("</div>");
            s.push_str(
                "<p class=\"note\">Geen wijkkaart meegegeven: elke wijk is een tegel. Op een smal scherm en op papier \
                 staan de cijfers in de rangschikking hierboven.</p>\n",
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
         Elke kaart vertelt wie ze zijn, wat ze nodig hebben en welk aanbod past. De balken vergelijken de persona \
         (blauw) met alle inwoners (grijs).",
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
        persona_card(s, d, p, t);
    }
    s.push_str("</div>\n</section>\n");
}

/// Fitting offers named on a persona card (the offer x persona matrix has them all), so a card
/// stays one printed page.
const OFFERS_ON_CARD: usize = 12;

fn persona_card(s: &mut String, d: &ReportData, p: &PersonaCard, t: u32) {
    let lonely = match (p.lonely_pct, recheck(p.respondents, t)) {
        (Some(x), Some(n)) => format!(
            "<b>{}</b> eenzaam ({}van {} deelnemers GGD-vragenlijst)",
            pct(x),
            p.lonely_interval
                .map_or(String::new(), |iv| format!("90%-interval {}; ", range(iv))),
            int(n)
        ),
        _ => "eenzaamheid: te weinig deelnemers aan de GGD-vragenlijst".to_string(),
    };
    let mark = p.stability.map_or(String::new(), |st| {
        let (class, text) = stability_word(st);
        format!(
            "<p><span class=\"mark {class}\">{}</span> <span class=\"note\">(stabiliteit {})</span></p>",
            escape(text),
            decimal(st, 2)
        )
    });
    let _ = write!(
        s,
        "<article class=\"card\" id=\"persona-{}\"><h3>{}. {}</h3>{mark}\
         <div class=\"facts\"><span><b>{}</b> inwoners</span><span><b>{}</b> van alle inwoners</span>\
         <span>gemiddeld <b>{}</b> jaar</span><span>{lonely}</span></div>",
        p.id,
        p.id,
        escape(&p.name),
        count_text(p.residents, t),
        share(p.share),
        decimal(p.mean_age, 0),
    );
    if !p.story_nl.is_empty() {
        let _ = write!(s, "<p class=\"story\">{}</p>", escape(&p.story_nl));
    } else if !p.description.is_empty() {
        let _ = write!(s, "<p class=\"story\">{}</p>", escape(&p.description));
    }
    if !p.traits.is_empty() {
        s.push_str(&named(
            svg::trait_bars(&p.traits),
            &format!(
                "Staafdiagram: wat {} onderscheidt van alle inwoners",
                p.name
            ),
        ));
    }
    if !p.needs_nl.is_empty() {
        s.push_str("<h4>Wat deze groep nodig heeft</h4><ul>");
        for n in &p.needs_nl {
            let _ = write!(s, "<li>{}</li>", escape(n));
        }
        s.push_str("</ul>");
    }
    if d.gaps.is_some() {
        s.push_str("<h4>Aanbod dat past</h4>");
        if p.fitting_offers.is_empty() {
            s.push_str("<p>Geen enkel aanbod op de sociale kaart past bij deze groep.</p>");
        } else {
            let shown = &p.fitting_offers[..p.fitting_offers.len().min(OFFERS_ON_CARD)];
            let more = p.fitting_offers.len() - shown.len();
            let _ = write!(
                s,
                "<p>{}{}</p>",
                escape(&shown.join(" · ")),
                if more > 0 {
                    format!(
                        " · en nog {more} (zie <a href=\"#gaten\">Welk aanbod past bij welke persona</a>)"
                    )
                } else {
                    String::new()
                }
            );
        }
    }
    if !p.rules.is_empty() {
        s.push_str("<h4>Zo herkent u iemand uit deze groep</h4><ul class=\"rules\">");
        for r in &p.rules {
            let _ = write!(s, "<li>{}</li>", escape(r));
        }
        s.push_str("</ul>");
    }
    s.push_str("</article>\n");
}

fn persona_header(s: &mut String, d: &ReportData, first: &str) {
    let _ = write!(s, "<thead><tr><th>{}</th>", escape(first));
    for p in &d.personas {
        let _ = write!(
            s,
            "<th>{}.<span class=\"pname\"> {}</span></th>",
            p.id,
            escape(&p.name)
        );
    }
    s.push_str("</tr></thead>");
}

/// Wijkcodes in the order of the ranking (highest predicted loneliness first), then any others.
fn ranked_wijken<'a>(d: &'a ReportData, extra: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let (_, values) = district_measure(d);
    let mut w: Vec<&str> = ranked_order(d, &values)
        .into_iter()
        .map(|i| d.districts[i].wijkcode.as_str())
        .collect();
    for c in extra {
        if !w.contains(&c) {
            w.push(c);
        }
    }
    w
}

fn persona_districts(s: &mut String, d: &ReportData, label: &dyn Fn(&str) -> String) {
    section_start(
        s,
        "persona-wijk",
        "Persona's per wijk",
        "Welk deel van de inwoners van elke wijk bij elke persona hoort (een rij telt op tot 100%). \
         De wijken staan op volgorde van voorspelde eenzaamheid, de hoogste bovenaan.",
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
    let wijken = ranked_wijken(d, d.persona_districts.iter().map(|c| c.wijkcode.as_str()));
    s.push_str("<table class=\"matrix stack\"><caption>Aandeel van elke persona in de inwoners van de wijk</caption>");
    persona_header(s, d, "Wijk");
    s.push_str("<tbody>\n");
    for w in wijken {
        let _ = write!(s, "<tr><th>{}</th>", escape(&label(w)));
        for p in &d.personas {
            let dl = escape(&format!("{}. {}", p.id, p.name));
            match cells.get(&(w, p.id)).copied().flatten() {
                Some(x) => {
                    let _ = write!(
                        s,
                        "<td data-label=\"{dl}\" style=\"background:{};color:{}\">{}</td>",
                        scale.colour(x),
                        scale.text_colour(x),
                        share(x)
                    );
                }
                None => {
                    let _ = write!(
                        s,
                        "<td data-label=\"{dl}\" class=\"sup\" style=\"background:{}\">–</td>",
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

/// Near misses shown per gap; the rest are in `gaps.json`.
const NEAR_MISSES_SHOWN: usize = 3;

fn gaps(s: &mut String, d: &ReportData, label: &dyn Fn(&str) -> String, t: u32) {
    section_start(
        s,
        "gaten",
        "Aanbod en gaten",
        "Voor elke persona in elke wijk: is er passend aanbod op de sociale kaart (gedekt), te weinig plaatsen (dun) \
         of niets (gat)? Daaronder welk aanbod bij welke persona past, en bij elk gat het aanbod dat bijna past en waarom niet.",
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
    let wijken = ranked_wijken(d, m.cells.iter().map(|c| c.wijkcode.as_str()));
    let _ = write!(
        s,
        "<p class=\"legend\"><span class=\"swatch covered\" style=\"border-color:{}\"></span> ✓ gedekt \
         <span class=\"swatch thin\" style=\"border-color:{}\"></span> ◐ dun: te weinig plaatsen \
         <span class=\"swatch gap\" style=\"border-color:{}\"></span> ✗ gat: niets past \
         <span class=\"swatch\" style=\"background:{}\"></span> niet beoordeeld</p>\n",
        colour::COVERED,
        colour::THIN,
        colour::GAP,
        colour::MISSING
    );
    s.push_str("<table class=\"matrix stack\"><caption>Aanbod per wijk en persona (wijken op volgorde van voorspelde eenzaamheid)</caption>");
    persona_header(s, d, "Wijk");
    s.push_str("<tbody>\n");
    for w in &wijken {
        let _ = write!(s, "<tr><th>{}</th>", escape(&label(w)));
        for p in &d.personas {
            let dl = escape(&format!("{}. {}", p.id, p.name));
            match cells.get(&(*w, p.id)) {
                Some(c) => {
                    let (class, sym, word) = status_word(c.status);
                    let _ = write!(
                        s,
                        "<td data-label=\"{dl}\" class=\"{class}\">{sym} {word}</td>"
                    );
                }
                None => {
                    let _ = write!(
                        s,
                        "<td data-label=\"{dl}\" class=\"sup\" style=\"background:{}\">–</td>",
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

    // The offer x persona matrix for the municipality.
    if !m.offers.is_empty() {
        let n_wijken = wijken.len() as u32;
        s.push_str(
            "<h3>Welk aanbod past bij welke persona</h3><p class=\"note\">Per aanbod: bij welke persona het past, \
             en in hoeveel wijken (het getal; \"overal\" = in alle wijken). Alleen actief aanbod dat ergens past staat hier; \
             op papier staan boven de kolommen alleen de nummers van de persona's.</p>",
        );
        s.push_str("<table class=\"matrix stack offers\"><caption>Aanbod x persona, hele gemeente</caption>");
        persona_header(s, d, "Aanbod");
        s.push_str("<tbody>\n");
        for o in &m.offers {
            let _ = write!(s, "<tr><th>{}</th>", escape(&o.name));
            for p in &d.personas {
                let dl = escape(&format!("{}. {}", p.id, p.name));
                let n = o
                    .personas
                    .iter()
                    .find(|(id, _)| *id == p.id)
                    .map_or(0, |x| x.1);
                if n == 0 {
                    let _ = write!(s, "<td data-label=\"{dl}\" class=\"empty\"></td>");
                } else if n >= n_wijken {
                    let _ = write!(s, "<td data-label=\"{dl}\" class=\"covered\">✓ overal</td>");
                } else {
                    let _ = write!(
                        s,
                        "<td data-label=\"{dl}\" class=\"covered\">✓ {}<span class=\"unit\"> {}</span></td>",
                        n,
                        if n == 1 { "wijk" } else { "wijken" }
                    );
                }
            }
            s.push_str("</tr>\n");
        }
        s.push_str("</tbody></table>\n");
    }

    let mut open: Vec<&GapCell> = m
        .cells
        .iter()
        .filter(|c| c.status == GapStatus::Gap)
        .collect();
    open.sort_by(|a, b| {
        b.severity
            .unwrap_or(0.0)
            .total_cmp(&a.severity.unwrap_or(0.0))
            .then_with(|| a.wijkcode.cmp(&b.wijkcode))
            .then_with(|| a.persona.cmp(&b.persona))
    });
    // Thin cells: one line per persona naming its wijken with their predicted lonely residents.
    let mut thin: BTreeMap<u32, Vec<&GapCell>> = BTreeMap::new();
    for c in &m.cells {
        if c.status == GapStatus::Thin {
            thin.entry(c.persona).or_default().push(c);
        }
    }
    if open.is_empty() && thin.is_empty() {
        s.push_str("<p>Geen gaten of dunne plekken gevonden.</p>\n</section>\n");
        return;
    }
    if !open.is_empty() {
        s.push_str("<h3>Gaten, de ernstigste eerst</h3><ul class=\"gaps\">\n");
    }
    for c in &open {
        let lonely = match (recheck(c.predicted_lonely, t), recheck(c.residents, t)) {
            (Some(l), Some(r)) => format!(
                ": ongeveer <b>{} voorspeld eenzame inwoners</b> (van de {} in deze groep) zonder passend aanbod",
                int(l),
                int(r)
            ),
            (None, Some(r)) => format!(" ({} inwoners)", int(r)),
            _ => " (een kleine groep)".to_string(),
        };
        let _ = write!(
            s,
            "<li><b>✗ {} in {}</b>{lonely}.",
            escape(&persona_label(d, c.persona)),
            escape(&label(&c.wijkcode))
        );
        if !c.near_misses.is_empty() {
            s.push_str("<br>Bijna passend:<ul>");
            for nm in c.near_misses.iter().take(NEAR_MISSES_SHOWN) {
                let _ = write!(
                    s,
                    "<li><b>{}</b> {}</li>",
                    escape(&nm.offer),
                    escape(&nm.reason_nl)
                );
            }
            let more = c.near_misses.len().saturating_sub(NEAR_MISSES_SHOWN);
            if more > 0 {
                let _ = write!(
                    s,
                    "<li class=\"note\">en nog {} {} (in gaps.json)</li>",
                    more,
                    if more == 1 {
                        "ander aanbod"
                    } else {
                        "andere aanbiedingen"
                    }
                );
            }
            s.push_str("</ul>");
        }
        s.push_str("</li>\n");
    }
    if !open.is_empty() {
        s.push_str("</ul>\n");
    }
    if !thin.is_empty() {
        s.push_str(
            "<h3>Dunne plekken per persona</h3><p class=\"note\">Dun: er past aanbod, maar met te weinig plaatsen per week \
             voor het aantal voorspeld eenzame inwoners. Per wijk: voorspeld eenzaam / plaatsen per week.</p><ul class=\"gaps\">\n",
        );
        for (persona, cells) in &thin {
            let mut cells = cells.clone();
            cells.sort_by(|a, b| {
                b.severity
                    .unwrap_or(0.0)
                    .total_cmp(&a.severity.unwrap_or(0.0))
                    .then_with(|| a.wijkcode.cmp(&b.wijkcode))
            });
            let items: Vec<String> = cells
                .iter()
                .map(|c| {
                    let lonely = recheck(c.predicted_lonely, t).map_or("–".to_string(), int);
                    let cap = c.capacity.map_or("onbekend".to_string(), int);
                    format!("{} ({lonely} / {cap})", label(&c.wijkcode))
                })
                .collect();
            let _ = write!(
                s,
                "<li><b>◐ {}</b>: {}</li>\n",
                escape(&persona_label(d, *persona)),
                escape(&items.join(", "))
            );
        }
        s.push_str("</ul>\n");
    }
    s.push_str("</section>\n");
}

/// Per wijk: its figures, its personas, what raises and lowers its prediction, its gaps and the
/// offers that fit each persona there. Each wijk folds open on screen; print shows the summary line.
fn wijken(s: &mut String, d: &ReportData, t: u32) {
    section_start(
        s,
        "wijken",
        "Per wijk",
        "Elke wijk apart: de cijfers, welke persona's er wonen, wat de voorspelling verhoogt of verlaagt, de gaten \
         en het aanbod dat per persona past. Klik op een wijk om hem open te klappen.",
    );
    if d.risk.as_ref().is_some_and(|r| !r.factors.is_empty()) {
        s.push_str(
            "<p class=\"legend no-print\"><span class=\"legend-title\">Factoren per wijk:</span> \
             <span class=\"swatch up\"></span> verhoogt de voorspelling \
             <span class=\"swatch down\"></span> verlaagt de voorspelling \
             (procentpunt tegenover de hele gemeente; het model telt ze op, het zijn geen oorzaken)</p>\n",
        );
    }
    let (_, values) = district_measure(d);
    let order = ranked_order(d, &values);
    let factors: BTreeMap<&str, &WijkFactors> = d
        .risk
        .iter()
        .flat_map(|r| r.factors.iter())
        .map(|w| (w.wijkcode.as_str(), w))
        .collect();
    s.push_str("<div class=\"wijk-list\">");
    for i in order {
        let w = &d.districts[i];
        let cells: Vec<&GapCell> = d
            .gaps
            .iter()
            .flat_map(|m| m.cells.iter())
            .filter(|c| c.wijkcode == w.wijkcode)
            .collect();
        let n_gaps = cells.iter().filter(|c| c.status == GapStatus::Gap).count();
        let n_thin = cells.iter().filter(|c| c.status == GapStatus::Thin).count();
        // A wijk without a figure while the model ran is a wijk too small to show.
        let figure = match (&w.prediction, &d.risk) {
            (Some(p), _) => format!("{} voorspeld eenzaam", pct(p.lonely_pct)),
            (None, Some(_)) if recheck(w.residents, t).is_none_or(|n| n > 0) => {
                "te weinig inwoners om te tonen".to_string()
            }
            (None, Some(_)) => "geen inwoners".to_string(),
            (None, None) => "geen voorspelling (risicomodel niet berekend)".to_string(),
        };
        let gap_text = if d.gaps.is_some() {
            format!(
                " · {} {}, {} dun",
                n_gaps,
                if n_gaps == 1 { "gat" } else { "gaten" },
                n_thin
            )
        } else {
            String::new()
        };
        let _ = write!(
            s,
            "<details class=\"wijk\" id=\"wijk-{}\"><summary><b>{}</b> · {figure}{gap_text}</summary>",
            escape(&w.wijkcode),
            escape(&w.label())
        );
        if let Some(p) = &w.prediction {
            let _ = write!(
                s,
                "<p>{} inwoners van 18+. Voorspeld eenzaam: {}.",
                count_text(w.residents, t),
                with_interval(p.lonely_pct, Some((p.lonely_low_pct, p.lonely_high_pct)))
            );
            if let Some(sv) = p.severe_pct {
                let _ = write!(
                    s,
                    " Ernstig eenzaam: {}.",
                    with_interval(sv, p.severe_interval)
                );
            }
            if let Some(r) = w.rivm_lonely_pct {
                let _ = write!(s, " RIVM 2020: {}.", pct(r));
            }
            s.push_str("</p>");
        }
        if let Some(v) = w.survey_lonely_pct {
            let _ = write!(
                s,
                "<p>Eenzaam onder de gekoppelde respondenten van de GGD-monitor: {}.</p>",
                with_interval(v, w.survey_lonely_interval)
            );
        }
        let mut shares: Vec<(u32, f64)> = d
            .persona_districts
            .iter()
            .filter(|c| c.wijkcode == w.wijkcode)
            .filter_map(|c| c.share.map(|x| (c.persona, x)))
            .collect();
        shares.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        if !shares.is_empty() {
            let top: Vec<String> = shares
                .iter()
                .take(3)
                .map(|(p, x)| format!("{} ({})", persona_label(d, *p), share(*x)))
                .collect();
            let _ = write!(s, "<p>Grootste persona's: {}.</p>", escape(&and_list(&top)));
        }
        if let Some(f) = factors.get(w.wijkcode.as_str()) {
            factor_list(s, f);
        }
        if !cells.is_empty() {
            s.push_str("<ul>");
            for c in &cells {
                let (_, sym, word) = status_word(c.status);
                let offers = if c.offer_names.is_empty() {
                    "geen passend aanbod".to_string()
                } else {
                    c.offer_names.join(" · ")
                };
                let _ = write!(
                    s,
                    "<li>{sym} {word}: <b>{}</b> — {}</li>",
                    escape(&persona_label(d, c.persona)),
                    escape(&offers)
                );
            }
            s.push_str("</ul>");
        }
        s.push_str("</details>\n");
    }
    s.push_str("</div>\n</section>\n");
}

/// A wijk's factors as bars: what raises its prediction (vermillion, to the right of the sign)
/// and what lowers it (blue), in percentage points against the whole municipality.
fn factor_list(s: &mut String, f: &WijkFactors) {
    let max = f
        .factors
        .iter()
        .map(|x| x.contribution.abs())
        .fold(0.0f64, f64::max)
        .max(1e-9);
    let group = |s: &mut String, raising: bool| {
        let items: Vec<&Factor> = f
            .factors
            .iter()
            .filter(|x| (x.contribution > 0.0) == raising && x.contribution != 0.0)
            .collect();
        if items.is_empty() {
            return false;
        }
        let _ = write!(
            s,
            "<p class=\"factors-head\">{}</p><ul class=\"factors\">",
            if raising {
                "Verhoogt de voorspelling (procentpunt tegenover de hele gemeente):"
            } else {
                "Verlaagt de voorspelling (procentpunt tegenover de hele gemeente):"
            }
        );
        for x in items {
            let sign = if raising { "+" } else { "" };
            let _ = write!(
                s,
                "<li class=\"{}\"><span class=\"fv\">{sign}{}</span><span class=\"fb\"><span style=\"width:{}%\"></span></span><span class=\"fl\">{}</span></li>",
                if raising { "up" } else { "down" },
                decimal(x.contribution, 1),
                decimal((100.0 * x.contribution.abs() / max).clamp(2.0, 100.0), 0),
                escape(&x.label_nl)
            );
        }
        s.push_str("</ul>");
        true
    };
    let up = group(s, true);
    let down = group(s, false);
    if !up && !down {
        s.push_str("<p>Geen opvallende factoren tegenover de hele gemeente.</p>");
    }
}

fn model_metrics_table(s: &mut String, r: &RiskCard, t: u32) {
    let severe = r.severe.as_ref();
    let cell = |x: Option<f64>, dec: usize| {
        x.map_or("<td class=\"sup\">–</td>".to_string(), |v| {
            format!("<td class=\"num\">{}</td>", decimal(v, dec))
        })
    };
    let _ = write!(
        s,
        "<table class=\"metrics\"><caption>Hoe goed de modellen zijn (kruisvalidatie)</caption>\
         <thead><tr><th>Maat</th><th class=\"num\">Eenzaam</th><th class=\"num\">Ernstig eenzaam</th></tr></thead><tbody>\
         <tr><th>Gekozen model</th><td>{}</td><td>{}</td></tr>\
         <tr><th>AUC (onderscheidend vermogen, 0,5 = gokken, 1 = perfect)</th>{}{}</tr>\
         <tr><th>Brier-score (lager is beter)</th>{}{}</tr>\
         <tr><th>Kalibratie: intercept (ideaal 0)</th>{}{}</tr>\
         <tr><th>Kalibratie: helling (ideaal 1)</th>{}{}</tr>\
         <tr><th>Getoetst op respondenten</th>{}<td></td></tr>\
         </tbody></table>",
        escape(&r.model),
        escape(severe.map_or("–", |m| m.model.as_str())),
        cell(Some(r.auc), 3),
        cell(severe.map(|m| m.auc), 3),
        cell(Some(r.brier), 3),
        cell(severe.map(|m| m.brier), 3),
        cell(Some(r.calibration_intercept), 2),
        cell(severe.map(|m| m.calibration_intercept), 2),
        cell(Some(r.calibration_slope), 2),
        cell(severe.map(|m| m.calibration_slope), 2),
        count_cell(r.evaluated_on, t)
    );
}

fn risk(s: &mut String, d: &ReportData, t: u32) {
    section_start(
        s,
        "risicomodel",
        "Risicomodel",
        "Het model schat voor elke inwoner de kans op eenzaamheid uit de gekoppelde registers, geleerd op de \
         respondenten van de GGD-monitor. Hier staat hoe goed het dat doet; wat per wijk de doorslag geeft staat \
         bij Per wijk.",
    );
    let Some(r) = &d.risk else {
        not_available(s, "Het risicomodel");
        s.push_str("</section>\n");
        return;
    };
    s.push_str("<div class=\"two\"><div>");
    model_metrics_table(s, r, t);
    s.push_str("</div><div><h3>Kalibratie (eenzaam)</h3>");
    s.push_str(&named(
        svg::calibration(&r.reliability),
        "Kalibratiegrafiek: waargenomen tegen voorspeld aandeel eenzaam per groep respondenten",
    ));
    s.push_str(
        "<p class=\"note\">Elke stip is een groep respondenten met een vergelijkbare voorspelde kans. \
         Op de stippellijn klopt de voorspelling precies. De tabellen staan in de bijlage.</p>",
    );
    s.push_str("</div></div>\n");
    let any_down = r
        .factors
        .iter()
        .flat_map(|w| &w.factors)
        .any(|f| f.contribution < 0.0);
    if !r.factors.is_empty() && !any_down {
        s.push_str(
            "<p class=\"note\">Per wijk toont het model de factoren die de voorspelling het sterkst verhogen; \
             bij deze run zat daar geen verlagende factor tussen. Een wijk met weinig eenzaamheid heeft dus vooral \
             minder van die factoren dan gemiddeld.</p>\n",
        );
    }
    s.push_str("</section>\n");
}

fn reference(s: &mut String, d: &ReportData, t: u32) {
    section_start(
        s,
        "referentie",
        "Referentiecijfers",
        "Onze schatting naast de cijfers die het RIVM publiceert (schatting uit de Gezondheidsmonitor 2020). \
         Grote verschillen zijn een reden om beide cijfers kritisch te bekijken. De RIVM-cijfers per wijk staan \
         ook in de tabel bij In één oogopslag.",
    );
    let Some(r) = &d.reference else {
        s.push_str(
            "<p class=\"missing\">Voor deze gemeente zijn geen RIVM-wijkcijfers meegeleverd \
             (onbekende of ontbrekende gemeentecode).</p>\n</section>\n",
        );
        return;
    };
    s.push_str(
        "<table class=\"wide\"><caption>Eenzaamheid: onze schatting, de GGD-enquête en het RIVM</caption>\
         <thead><tr><th>Gebied</th><th class=\"num\">Onze schatting</th><th class=\"num\">GGD-enquête</th>\
         <th class=\"num opt\">Respondenten</th><th class=\"num\">RIVM 2020</th><th class=\"num\">Verschil (procentpunt)</th>\
         <th class=\"num opt\">Ernstig: ons</th><th class=\"num opt\">Ernstig: RIVM</th></tr></thead><tbody>\n",
    );
    let opt = |cell: String| cell.replace("<td class=\"", "<td class=\"opt ");
    let _ = write!(
        s,
        "<tr><th>Hele gemeente</th>{}{}{}{}{}{}{}</tr>\n",
        match d.glance.predicted_lonely_pct {
            Some(v) => format!(
                "<td class=\"num\">{}</td>",
                interval_cell(v, d.glance.predicted_lonely_interval)
            ),
            None => "<td class=\"sup\">–</td>".to_string(),
        },
        survey_cell(d.glance.survey_lonely_pct, d.glance.survey_lonely_interval),
        opt(count_cell(d.glance.respondents, t)),
        pct_cell(r.gemeente_lonely_pct),
        diff_cell(d.glance.predicted_lonely_pct, r.gemeente_lonely_pct),
        opt(pct_cell(d.glance.predicted_severe_pct)),
        opt(pct_cell(r.gemeente_severe_pct))
    );
    // Per wijk only where ours and RIVM's differ by 5 points or more: the rest is in the ranking.
    let mut shown = 0;
    for w in &d.districts {
        let ours = w.prediction.as_ref().map(|p| p.lonely_pct);
        let big = matches!((ours, w.rivm_lonely_pct), (Some(a), Some(b)) if (a - b).abs() >= 5.0);
        if !big {
            continue;
        }
        shown += 1;
        let _ = write!(
            s,
            "<tr><td>{}</td>{}{}{}{}{}{}{}</tr>\n",
            escape(&w.label()),
            pct_cell(ours),
            survey_cell(w.survey_lonely_pct, w.survey_lonely_interval),
            opt(count_cell(w.respondents, t)),
            pct_cell(w.rivm_lonely_pct),
            diff_cell(ours, w.rivm_lonely_pct),
            opt(pct_cell(w.prediction.as_ref().and_then(|p| p.severe_pct))),
            opt(pct_cell(w.rivm_severe_pct))
        );
    }
    let _ = write!(
        s,
        "</tbody></table>\n<p class=\"note\">{} Bron: {}. Eenzaam: score 3 of hoger op de De Jong Gierveld-schaal; \
         ernstig eenzaam: 9 of hoger.</p>\n</section>\n",
        if shown == 0 {
            "Geen wijk verschilt 5 procentpunt of meer van het RIVM-cijfer.".to_string()
        } else {
            "Per wijk staan hier alleen de wijken die 5 procentpunt of meer van het RIVM-cijfer verschillen.".to_string()
        },
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

/// A source's name in plain Dutch.
fn source_nl(code: &str) -> String {
    match code {
        "gebieden" => "Wijken en buurten",
        "brp" => "Basisregistratie Personen (BRP)",
        "gezondheidsmonitor" => "GGD-gezondheidsmonitor",
        "inkomen" => "Inkomen",
        "wmo" => "Wmo-voorzieningen",
        "opvoedondersteuning" => "Opvoedondersteuning",
        "schuldhulp" => "Schuldhulpverlening",
        "huisbezoeken" => "Huisbezoeken 75+",
        "veiligheid" => "Veiligheid per buurt",
        "sociale_kaart" => "Sociale kaart",
        other => return other.replace('_', " "),
    }
    .to_string()
}

fn data_quality(s: &mut String, d: &ReportData, t: u32) {
    section_start(
        s,
        "datakwaliteit",
        "Datakwaliteit",
        "Wat er uit elk bronbestand is gelezen, wat is afgekeurd (en waarom), en welk deel aan een inwoner is gekoppeld.",
    );
    s.push_str(
        "<table class=\"wide\"><caption>Regels per bron</caption><thead><tr><th>Bron</th><th class=\"opt\">Bestand</th><th class=\"num\">Regels gelezen</th>\
         <th class=\"num\">Geaccepteerd</th><th class=\"num\">Afgekeurd</th><th>Koppeling</th>\
         <th class=\"num\">Gekoppeld</th></tr></thead><tbody>\n",
    );
    for q in &d.data_quality {
        let _ = write!(
            s,
            "<tr><td>{}</td><td class=\"opt\"><code>{}</code></td>{}{}{}<td>{}</td>{}</tr>\n",
            escape(&source_nl(&q.source)),
            escape(&q.file),
            count_cell(q.rows_read, t),
            count_cell(q.rows_accepted, t),
            count_cell(q.rows_quarantined, t),
            escape(match q.link_method.as_deref() {
                Some("pseudoniem") => "op pseudoniem",
                Some("probabilistisch") => "op naam, geboortedatum en adres",
                Some(other) => other,
                None => "–",
            }),
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
            "<table class=\"wide\"><caption>Afgekeurde regels per reden</caption><thead><tr><th>Bron</th><th>Reden</th><th class=\"opt\">Code</th>\
             <th class=\"num\">Regels</th></tr></thead><tbody>\n",
        );
        for (q, r) in reasons {
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{}</td><td class=\"opt\"><code>{}</code></td>{}</tr>\n",
                escape(&source_nl(&q.source)),
                reason_nl(&r.reason),
                escape(&r.reason),
                count_cell(r.rows, t)
            );
        }
        s.push_str("</tbody></table>\n");
    }
    s.push_str(
        "<p class=\"note\">Afgekeurde regels staan met hun reden in de map quarantine van de uitvoer; \
         gekoppeld is het deel van de geaccepteerde regels dat aan een inwoner uit de BRP is toegewezen.</p>\n</section>\n",
    );
}

/// What the figures can and cannot carry, and the words the report uses.
fn limits(s: &mut String, d: &ReportData) {
    section_start(
        s,
        "beperkingen",
        "Beperkingen en begrippen",
        "Wat deze cijfers wel en niet kunnen dragen, en wat de woorden in dit rapport betekenen.",
    );
    let auc = d
        .risk
        .as_ref()
        .map_or("onbekend".to_string(), |r| decimal(r.auc, 2));
    let _ = write!(
        s,
        "<ul>\
         <li>Het risicomodel kent alleen wat in de registers staat (leeftijd, huishouden, inkomen, zorg, \
         schuldhulp, verhuizingen). Wat mensen voelen, hun netwerk en hun gezondheid staan er niet in. Het onderscheidend \
         vermogen (AUC {auc}) is daarom beperkt: goed genoeg om wijken en groepen te vergelijken, niet om individuen aan te wijzen.</li>\
         <li>Het model leert van de deelnemers aan de GGD-gezondheidsmonitor; wie die vragenlijst niet invult, lijkt \
         misschien niet op wie dat wel doet.</li>\
         <li>Het 90%-interval per wijk geeft de onzekerheid van het model weer; het zegt niets over fouten in de \
         registers zelf.</li>\
         <li>De RIVM-cijfers gaan over 2020; de peildatum van deze studie is {}. Verschillen kunnen ook door de tijd komen.</li>\
         <li>Persona's zijn een vereenvoudiging: niet iedereen in een groep lijkt op de beschrijving, en een \
         indeling met een andere steekproef kan iets anders uitvallen (zie de stabiliteit op de kaarten, als die is berekend).</li>\
         <li>De toets van het aanbod kijkt alleen naar wat op de sociale kaart staat; informeel aanbod (buren, kerk, \
         vereniging) ontbreekt.</li>\
         {}\
         </ul>",
        escape(&dutch_date(&d.reference_date)),
        if d.synthetic {
            "<li><b>Dit rapport is gemaakt met synthetische gegevens</b>: er zitten geen echte inwoners in.</li>"
        } else {
            "<li>Is de studie synthetisch (zoals de meegeleverde demo), dan gaan de cijfers niet over echte inwoners.</li>"
        }
    );
    s.push_str(
        "<h3>Begrippen</h3><dl class=\"glossary\">\
         <dt>Eenzaam, ernstig eenzaam</dt><dd>Score 3 of hoger (eenzaam) en 9 of hoger (ernstig eenzaam) op de \
         De Jong Gierveld-schaal van 11 vragen, zoals het RIVM die gebruikt.</dd>\
         <dt>Voorspeld eenzaam</dt><dd>Het aandeel volwassenen dat zich volgens het risicomodel eenzaam voelt: de \
         gemiddelde kans over alle inwoners van een wijk.</dd>\
         <dt>90%-interval</dt><dd>Het gebied waarin het werkelijke percentage met 90% zekerheid ligt. Bij de \
         voorspelling: de onzekerheid van het model per wijk (voor de hele gemeente de wijken opgeteld). Bij de \
         GGD-monitor en de persona's: volgens Wilson, op het gewogen aandeel, met de effectieve steekproefomvang \
         van Kish (ongelijke gewichten maken het 90%-interval breder).</dd>\
         <dt>Persona</dt><dd>Een groep inwoners die op elkaar lijken, gevonden met een clustermethode (k-means) op de registergegevens.</dd>\
         <dt>Stabiliteit</dt><dd>Hoe vaak een persona terugkomt als de indeling op een andere steekproef wordt \
         herhaald (0 tot 1): vanaf 0,75 stabiel, onder 0,6 onzeker.</dd>\
         <dt>Gedekt, dun, gat</dt><dd>Gedekt: er is passend aanbod met genoeg plaatsen. Dun: er is passend aanbod, \
         maar te weinig plaatsen per week voor het aantal voorspeld eenzame inwoners. Gat: er past niets.</dd>\
         <dt>Bijna passend</dt><dd>Aanbod dat op precies één punt niet past (bijvoorbeeld de taal of de wijk): vaak de \
         goedkoopste oplossing voor een gat.</dd>\
         <dt>Koppelgewicht</dt><dd>Hoe sterk de overeenkomst in naam, geboortedatum en adres erop wijst dat twee regels \
         dezelfde persoon zijn (log2 van de kansverhouding); boven de drempel worden ze gekoppeld. \
         \"Bijna gelijk (≥ 0,92)\" betekent een Jaro-Winkler-gelijkenis van de namen van minstens 0,92 (1 is gelijk).</dd>\
         <dt>AUC</dt><dd>De kans dat het model een willekeurige eenzame inwoner een hogere kans geeft dan een \
         willekeurige niet-eenzame: 0,5 is gokken, 1 is perfect.</dd>\
         <dt>Kalibratie</dt><dd>Of voorspelde kansen kloppen met wat wordt waargenomen: bij 40% voorspeld is 40% echt eenzaam.</dd>\
         <dt>Streepje (–)</dt><dd>Een aantal onder de drempel of een percentage over zo'n kleine groep: niet getoond om \
         inwoners te beschermen.</dd>\
         </dl>\n</section>\n",
    );
}

/// For analysts: the evidence behind the choices, with the stages' own codes.
fn appendix(s: &mut String, d: &ReportData, t: u32) {
    section_start(
        s,
        "bijlage",
        "Bijlage voor analisten",
        "De onderbouwing van de keuzes: het aantal persona's, de koppeling van bronnen zonder BSN, het risicomodel en de kalibratie van beide modellen. \
         Codes staan zoals de software ze gebruikt.",
    );
    linkage(s, d);
    // The two choice tables side by side (on paper too).
    s.push_str("<div class=\"two\"><div>");
    let latent = |k: &KChoice| match k.evidence {
        KEvidence::LatentClass {
            gain,
            certainty,
            above_lowest,
        } => Some((gain, certainty, above_lowest)),
        KEvidence::KMeans { .. } => None,
    };
    let kmeans = |k: &KChoice| match k.evidence {
        KEvidence::KMeans {
            silhouette,
            stability,
            inertia_gain,
        } => Some((silhouette, stability, inertia_gain)),
        KEvidence::LatentClass { .. } => None,
    };
    if d.analyst.k_choice.iter().any(|k| latent(k).is_some()) {
        s.push_str(
            "<table class=\"wide\"><caption>Keuze van het aantal persona's (K), latente-klassenmodel</caption><thead><tr><th class=\"num\">K</th>\
             <th class=\"num\">Winst in log-likelihood</th><th class=\"num\">Zekerheid (laagste persona)</th>\
             <th class=\"num\">Criterium boven het laagste</th><th>Gekozen</th></tr></thead><tbody>",
        );
        for k in &d.analyst.k_choice {
            let Some((gain, certainty, above_lowest)) = latent(k) else {
                continue;
            };
            let _ = write!(
                s,
                "<tr><td class=\"num\">K = {}</td><td class=\"num\">{}%</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                k.k,
                decimal(100.0 * gain, 1),
                decimal(certainty, 2),
                decimal(above_lowest, 0),
                if k.chosen { "✓" } else { "" }
            );
        }
        s.push_str("</tbody></table>\n");
    } else if !d.analyst.k_choice.is_empty() {
        s.push_str(
            "<table class=\"wide\"><caption>Keuze van het aantal persona's (K)</caption><thead><tr><th class=\"num\">K</th>\
             <th class=\"num\">Silhouet</th><th class=\"num\">Stabiliteit (ARI)</th><th class=\"num\">Winst in verklaarde variatie</th>\
             <th>Gekozen</th></tr></thead><tbody>",
        );
        for k in &d.analyst.k_choice {
            let Some((silhouette, stability, inertia_gain)) = kmeans(k) else {
                continue;
            };
            let _ = write!(
                s,
                "<tr><td class=\"num\">K = {}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                k.k,
                decimal(silhouette, 3),
                decimal(stability, 3),
                share(inertia_gain),
                if k.chosen { "✓" } else { "" }
            );
        }
        s.push_str("</tbody></table>\n");
    }
    s.push_str("</div><div>");
    let Some(r) = &d.risk else {
        s.push_str("</div></div>\n</section>\n");
        return;
    };
    if !r.candidates.is_empty() {
        s.push_str(
            "<table class=\"wide\"><caption>Keuze van het risicomodel (eenzaam), kruisvalidatie</caption><thead><tr><th>Model</th>\
             <th class=\"num\">AUC</th><th class=\"num\">Brier</th><th>Gekozen</th></tr></thead><tbody>",
        );
        for c in &r.candidates {
            let _ = write!(
                s,
                "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                escape(&c.code),
                decimal(c.auc, 3),
                decimal(c.brier, 4),
                if c.chosen { "✓" } else { "" }
            );
        }
        s.push_str("</tbody></table>\n");
    }
    s.push_str("</div></div>\n");
    let bins = |s: &mut String, title: &str, bins: &[ReliabilityBin]| {
        if bins.is_empty() {
            return;
        }
        let _ = write!(
            s,
            "<table><caption>{}</caption><thead><tr><th class=\"num\">Gemiddeld voorspeld</th>\
             <th class=\"num\">Waargenomen</th><th class=\"num\">Respondenten</th></tr></thead><tbody>",
            escape(title)
        );
        for b in bins {
            let _ = write!(
                s,
                "<tr><td class=\"num\">{}</td><td class=\"num\">{}</td>{}</tr>",
                pct(100.0 * b.mean_predicted),
                pct(100.0 * b.observed),
                count_cell(b.n, t)
            );
        }
        s.push_str("</tbody></table>\n");
    };
    // The plot is in the risk section; on paper the tables would only repeat it.
    s.push_str("<div class=\"two no-print\"><div>");
    bins(s, "Kalibratie: eenzaam", &r.reliability);
    s.push_str("</div><div>");
    if let Some(sv) = &r.severe {
        bins(s, "Kalibratie: ernstig eenzaam", &sv.reliability);
    }
    s.push_str("</div></div>\n</section>\n");
}

/// The linkage charts of the appendix, per source linked without a BSN (Splink's two standard
/// views): the match weights of all candidate pairs with the threshold (the sources side by
/// side), then per source m and u per comparison level of each field (small multiples), with the
/// numbers in a table on screen.
fn linkage(s: &mut String, d: &ReportData) {
    if d.analyst.linkage.is_empty() {
        return;
    }
    let t = d.suppression_threshold;
    let _ = write!(
        s,
        "<h3>Koppeling op naam, geboortedatum en adres</h3><p class=\"note\">Bronnen zonder BSN zijn met een \
         Fellegi-Sunter-model aan de BRP gekoppeld. Per bron: hoe de kandidaatparen over het koppelgewicht vallen \
         (grijs onder de drempel, blauw erboven; een goed model heeft twee gescheiden bulten) en per veld hoe vaak echte \
         paren (m, blauw) en toevallige paren (u, oranje) op elk niveau van overeenkomst uitkomen. Aantallen paren onder \
         {t} worden met de buurbalken samengevoegd, zodat geen klein aantal te zien of terug te rekenen is; een \
         samengevoegde balk is breder en zijn hoogte is het aantal paren per eenheid gewicht.</p>\n<div class=\"two\">"
    );
    for v in &d.analyst.linkage {
        let name = source_nl(&v.source);
        let _ = write!(
            s,
            "<figure class=\"linkage-hist\"><figcaption><b>{}</b> (<code>{}</code>): {} kandidaatparen; \
             drempel: koppelgewicht {} (kans {} dat het dezelfde persoon is).</figcaption>",
            escape(&name),
            escape(&v.source),
            count_text(v.candidate_pairs, t),
            decimal(v.threshold_weight, 1),
            pct(100.0 * v.threshold_probability)
        );
        if v.histogram.is_empty() {
            s.push_str("<p class=\"note\">Te weinig kandidaatparen om de verdeling te tonen.</p>");
        } else {
            let bins: Vec<WeightBin> = v
                .histogram
                .iter()
                .map(|b| WeightBin {
                    pairs: recheck(b.pairs, t),
                    ..b.clone()
                })
                .collect();
            s.push_str(&named(
                svg::weight_histogram(
                    &bins,
                    v.threshold_weight,
                    &format!("drempel {}", decimal(v.threshold_weight, 1)),
                ),
                &format!("Histogram: kandidaatparen van {name} naar koppelgewicht, met de drempel"),
            ));
        }
        s.push_str("</figure>");
    }
    s.push_str("</div>\n");
    for v in &d.analyst.linkage {
        let name = source_nl(&v.source);
        let _ = write!(
            s,
            "<div class=\"linkage-source\"><h4>m en u per veld: {}</h4><p class=\"legend\"><span class=\"swatch\" style=\"background:{}\"></span> m: echte paren \
             <span class=\"swatch\" style=\"background:{}\"></span> u: toevallige paren (gewicht: log2 van m/u)</p>",
            escape(&name),
            colour::M_PROBABILITY,
            colour::U_PROBABILITY
        );
        s.push_str("<div class=\"linkage-fields\">");
        for f in &v.fields {
            s.push_str(&named(
                svg::m_u_bars(f),
                &format!(
                    "Staafdiagram: m- en u-kans per niveau van {} bij {name}",
                    f.label_nl
                ),
            ));
        }
        s.push_str("</div>");
        let _ = write!(
            s,
            "<table class=\"wide no-print\"><caption>m, u en koppelgewicht per niveau: {}</caption><thead><tr>\
             <th>Veld</th><th>Niveau</th><th class=\"opt\">Code</th><th class=\"num\">m</th><th class=\"num\">u</th>\
             <th class=\"num\">Gewicht</th></tr></thead><tbody>",
            escape(&name)
        );
        for f in &v.fields {
            for l in &f.levels {
                let _ = write!(
                    s,
                    "<tr><td>{}</td><td>{}</td><td class=\"opt\"><code>{}</code> <code>{}</code></td>\
                     <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                    escape(&f.label_nl),
                    escape(&l.label_nl),
                    escape(&f.code),
                    escape(&l.code),
                    escape(&svg::small_pct(l.m)),
                    escape(&svg::small_pct(l.u)),
                    decimal(l.match_weight, 2)
                );
            }
        }
        s.push_str("</tbody></table></div>\n");
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn data_with(stability: Option<f64>) -> ReportData {
        ReportData {
            municipality: MunicipalityView::default(),
            study: "test".into(),
            reference_date: "2024-01-01".into(),
            suppression_threshold: 10,
            glance: Glance::default(),
            districts: vec![],
            personas: vec![PersonaCard {
                id: 1,
                name: "Jonge alleenwonenden".into(),
                description: String::new(),
                residents: Some(120),
                share: 0.1,
                mean_age: 24.0,
                traits: vec![],
                lonely_pct: None,
                lonely_interval: None,
                respondents: None,
                rules: vec![],
                stability,
                story_nl: "Een verhaal.".into(),
                needs_nl: vec!["Heeft baat bij ontmoeten.".into()],
                fitting_offers: vec![],
            }],
            persona_districts: vec![],
            gaps: None,
            risk: None,
            reference: None,
            data_quality: vec![],
            geometry: None,
            analyst: AnalystView::default(),
            synthetic: false,
        }
    }

    #[test]
    fn a_persona_card_marks_its_stability_in_plain_dutch() {
        let uncertain = document(&data_with(Some(0.52)));
        assert!(uncertain.contains("<span class=\"mark uncertain\">onzeker"));
        assert!(uncertain.contains("(stabiliteit 0,52)"));
        let fair = document(&data_with(Some(0.7)));
        assert!(fair.contains("<span class=\"mark fair\">redelijk stabiel"));
        let stable = document(&data_with(Some(0.75)));
        assert!(stable.contains("<span class=\"mark stable\">stabiel"));
        let none = document(&data_with(None));
        assert!(!none.contains("class=\"mark"));
        assert!(none.contains("Heeft baat bij ontmoeten."));
    }

    #[test]
    fn charts_get_names_and_header_cells_scopes() {
        let doc = accessible(
            "<table><thead><tr><th>A</th></tr></thead><tbody><tr><th class=\"x\">B</th></tr></tbody></table>\
             <svg viewBox=\"0 0 1 1\"></svg><svg aria-label=\"kaart\" viewBox=\"0 0 1 1\"></svg>"
                .to_string(),
        );
        assert!(doc.contains("<th scope=\"col\">A</th>"));
        assert!(doc.contains("<th scope=\"row\" class=\"x\">B</th>"));
        assert!(doc.contains("<svg aria-label=\"legenda\" viewBox"));
        assert!(doc.contains("<svg aria-label=\"kaart\" viewBox"));
    }
}
