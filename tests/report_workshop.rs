//! The report is something a workshop can work with: plain Dutch in everything a resident reads
//! (no snake_case code outside `<code>`), every interval named "90%-interval", every active offer
//! that fits some (wijk, persona) named in the offer x persona matrix, an accessible name on
//! every chart and a caption and header scopes on every table. Checked on what the main job wrote
//! for the demo study.

mod report_common;

use std::collections::BTreeMap;

fn html() -> &'static str {
    static HTML: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HTML.get_or_init(|| std::fs::read_to_string(report_common::demo_report_file()).unwrap())
}

/// The text a reader sees: no style, no markup, no `<code>` (the analyst appendix's codes), and
/// no attribute values; entities decoded.
fn visible_text(page: &str) -> String {
    let mut s = page.to_string();
    for (open, close) in [
        ("<style", "</style>"),
        ("<code", "</code>"),
        ("<title>", "</title>"),
    ] {
        while let Some(i) = s.find(open) {
            let j = s[i..].find(close).map_or(s.len(), |j| i + j + close.len());
            s.replace_range(i..j, " ");
        }
    }
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
}

/// Words of the form `a_b` (lower case letters or digits joined by underscores).
fn snake_case_words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| {
            let parts: Vec<&str> = w.split('_').collect();
            parts.len() >= 2
                && parts.iter().all(|p| {
                    !p.is_empty()
                        && p.chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                })
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn the_detectors_see_what_they_should() {
    let text = visible_text(
        "<p>hoort bij mensen_met_schulden</p><code>invalid_bsn</code><style>a_b{}</style><p title=\"x_y\">ok</p>",
    );
    assert_eq!(snake_case_words(&text), ["mensen_met_schulden"]);
    assert!(snake_case_words("WK063700 Wijk 01, 56,3% (90%-interval 50,9–59,9%)").is_empty());
}

#[test]
fn no_code_is_visible_outside_code_elements() {
    let text = visible_text(html());
    let codes = snake_case_words(&text);
    assert!(codes.is_empty(), "codes in the visible text: {codes:?}");
    // Nor a wijkcode where a wijk name is known: the demo names every wijk.
    assert!(
        !text.contains("WK0637"),
        "a wijkcode is shown instead of a wijk name"
    );
}

#[test]
fn every_interval_is_called_a_90_percent_interval() {
    let text = visible_text(html());
    let lower = text.to_lowercase();
    let mut found = 0;
    for (i, _) in lower.match_indices("interval") {
        found += 1;
        let before = &lower[..i];
        assert!(
            before.ends_with("90%-"),
            "an interval not named 90%: …{}…",
            &text[i.saturating_sub(40)..(i + 30).min(text.len())]
        );
    }
    assert!(found >= 5, "only {found} intervals in the report");
}

/// Offer names by id from the demo's sociale kaart.
fn offer_names() -> BTreeMap<String, String> {
    let mut r = csv::Reader::from_path(report_common::demo().join("sociale_kaart.csv")).unwrap();
    let headers = r.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (id, naam) = (col("aanbod_id"), col("naam"));
    r.records()
        .map(|row| {
            let row = row.unwrap();
            (row[id].to_string(), row[naam].to_string())
        })
        .collect()
}

#[test]
fn every_fitting_offer_is_named_in_the_offer_persona_matrix() {
    let (_, out) = report_common::demo_run();
    let gaps: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("gaps.json")).unwrap()).unwrap();
    let mut fitting: Vec<String> = gaps["cells"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["fitting_offers"].as_array().unwrap().clone())
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    fitting.sort();
    fitting.dedup();
    assert!(fitting.len() >= 10, "only {} fitting offers", fitting.len());
    let page = html();
    let start = page
        .find("<table class=\"matrix stack offers\">")
        .expect("the offer x persona matrix");
    let matrix = &page[start..start + page[start..].find("</table>").unwrap()];
    let names = offer_names();
    for id in &fitting {
        let name = loneliness::report::format::escape(&names[id]);
        assert!(
            matrix.contains(&format!("<th scope=\"row\">{name}</th>")),
            "offer {id} ({name}) fits a cell but is not in the matrix"
        );
    }
    // And nothing that fits nowhere is listed as fitting.
    let rows = matrix.matches("<th scope=\"row\">").count();
    let distinct_names: std::collections::BTreeSet<&String> =
        fitting.iter().map(|id| &names[id]).collect();
    assert_eq!(rows, distinct_names.len());
}

#[test]
fn every_chart_has_an_accessible_name_and_every_table_a_caption_and_scopes() {
    let page = html();
    let mut charts = 0;
    for (i, _) in page.match_indices("<svg") {
        charts += 1;
        let tag = &page[i..i + page[i..].find('>').unwrap() + 1];
        let after = &page[i + tag.len()..];
        let named = tag.contains("aria-label=\"") && !tag.contains("aria-label=\"\"")
            || after.starts_with("<title>");
        assert!(named, "a chart without an accessible name: {tag}");
    }
    assert!(charts >= 10, "only {charts} charts");
    let tables = page.matches("<table").count();
    let captioned = page
        .match_indices("<table")
        .filter(|(i, _)| {
            let rest = &page[*i..];
            let close = rest.find('>').unwrap();
            rest[close + 1..].starts_with("<caption>")
        })
        .count();
    assert_eq!(captioned, tables, "tables without a caption");
    let headers = page.matches("<th").count() - page.matches("<thead").count();
    let scoped =
        page.matches("<th scope=\"col\"").count() + page.matches("<th scope=\"row\"").count();
    assert_eq!(scoped, headers, "header cells without a scope");
}

#[test]
fn the_workshop_parts_are_there() {
    let page = html();
    for id in ["samenvatting", "wijken", "beperkingen", "bijlage"] {
        assert!(
            page.contains(&format!("<section id=\"{id}\"")),
            "section {id} missing"
        );
    }
    let d = report_common::demo_report();
    for p in &d.personas {
        assert!(!p.story_nl.is_empty(), "{} has no story", p.name);
        assert!(!p.needs_nl.is_empty(), "{} has no needs", p.name);
    }
    // Every gap names its predicted lonely residents, not only its residents.
    let gaps = d.gaps.as_ref().unwrap();
    for c in gaps
        .cells
        .iter()
        .filter(|c| c.status == loneliness::report::GapStatus::Gap && c.residents.is_some())
    {
        let n = c
            .predicted_lonely
            .expect("a published gap has its predicted lonely");
        assert!(page.contains(&format!(
            "ongeveer <b>{} voorspeld eenzame inwoners</b>",
            loneliness::report::format::int(n)
        )));
    }
}

/// The `<svg …>…</svg>` elements whose accessible name starts with `name`.
fn charts_named<'a>(page: &'a str, name: &str) -> Vec<&'a str> {
    let needle = format!(
        "<svg aria-label=\"{}",
        loneliness::report::format::escape(name)
    );
    page.match_indices(&needle)
        .map(|(i, _)| &page[i..i + page[i..].find("</svg>").unwrap()])
        .collect()
}

#[test]
fn the_appendix_has_linkage_charts_per_probabilistic_source() {
    let (d, out) = report_common::demo_run();
    let links: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("link_report.json")).unwrap())
            .unwrap();
    let probabilistic: Vec<&str> = links
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, v)| v["method"] == "probabilistic")
        .map(|(k, _)| k.as_str())
        .collect();
    assert!(
        probabilistic.len() >= 2,
        "the demo links schuldhulp and huisbezoeken without a BSN: {probabilistic:?}"
    );
    let mut shown: Vec<&str> = d
        .analyst
        .linkage
        .iter()
        .map(|l| l.source.as_str())
        .collect();
    shown.sort();
    assert_eq!(
        shown, probabilistic,
        "one linkage view per probabilistic source"
    );
    let page = html();
    let appendix = &page[page.find("<section id=\"bijlage\"").unwrap()..];
    let appendix = &appendix[..appendix.find("</section>").unwrap()];
    let t = d.suppression_threshold as u64;
    for l in &d.analyst.linkage {
        let code = format!("<code>{}</code>", l.source);
        assert!(
            appendix.contains(&code),
            "{} is not named in the appendix",
            l.source
        );
        // Its name in the chart's accessible name: the histogram and one m/u chart per field.
        let start = appendix.find(&code).unwrap();
        let name = appendix[..start]
            .rsplit("<b>")
            .next()
            .unwrap()
            .split("</b>")
            .next()
            .unwrap()
            .to_string();
        let hist = charts_named(appendix, &format!("Histogram: kandidaatparen van {name}"));
        assert_eq!(hist.len(), 1, "no match-weight histogram for {name}");
        assert!(hist[0].contains("drempel"), "the threshold is not marked");
        let mu = charts_named(appendix, "Staafdiagram: m- en u-kans per niveau van ");
        let mine = mu
            .iter()
            .filter(|c| c.contains(&format!("bij {name}\"")))
            .count();
        assert_eq!(mine, l.fields.len(), "m/u charts of {name}");
        assert!(l.fields.len() >= 3 && l.fields.iter().all(|f| f.levels.len() >= 2));
        // Published pair counts: 0 or at least the threshold, adding up to the total shown.
        assert!(!l.histogram.is_empty());
        let mut sum = 0;
        for b in &l.histogram {
            let n = b.pairs.expect("every shown bin has its count");
            assert!(n == 0 || n >= t, "a bin of {n} pairs in {}", l.source);
            sum += n;
        }
        assert_eq!(Some(sum), l.candidate_pairs);
        let raw: u64 = links[&l.source]["model"]["weight_histogram"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["pairs"].as_u64().unwrap())
            .sum();
        assert_eq!(sum, raw, "merging bins loses no pair");
    }
}

/// The KPI tiles at a glance, as visible text, one per tile.
fn kpi_tiles(page: &str) -> Vec<String> {
    let start = page.find("<div class=\"tiles-row\">").unwrap();
    let row = &page[start..start + page[start..].find("</div>\n").unwrap()];
    row.split("<div class=\"kpi\">")
        .skip(1)
        .map(visible_text)
        .collect()
}

#[test]
fn the_kpi_tiles_show_a_90_percent_interval() {
    let tiles = kpi_tiles(html());
    for label in [
        "voorspeld eenzaam",
        "voorspeld ernstig eenzaam",
        "eenzaam in de GGD-monitor",
    ] {
        let tile = tiles
            .iter()
            .find(|t| t.contains(&format!(" {label} ")))
            .unwrap_or_else(|| panic!("no tile {label}: {tiles:?}"));
        assert!(
            tile.contains("90%-interval") && tile.contains('–'),
            "tile {label} without a 90%-interval: {tile}"
        );
    }
    // The interval holds the figure.
    let g = &report_common::demo_report().glance;
    for (v, iv) in [
        (g.predicted_lonely_pct, g.predicted_lonely_interval),
        (g.predicted_severe_pct, g.predicted_severe_interval),
        (g.survey_lonely_pct, g.survey_lonely_interval),
    ] {
        let (v, (lo, hi)) = (v.unwrap(), iv.unwrap());
        assert!(lo <= v && v <= hi && lo < hi, "{lo} {v} {hi}");
    }
    // Survey estimates per wijk and persona loneliness carry theirs.
    let d = report_common::demo_report();
    assert!(d
        .districts
        .iter()
        .all(|w| w.survey_lonely_pct.is_some() == w.survey_lonely_interval.is_some()));
    assert!(d.personas.iter().any(|p| p.lonely_interval.is_some()));
    assert!(d
        .personas
        .iter()
        .all(|p| p.lonely_pct.is_some() || p.lonely_interval.is_none()));
}

#[test]
fn the_demo_report_shows_the_synthetic_banner() {
    let banner = "Synthetische gegevens — geen echte inwoners";
    let page = html();
    let header = &page[page.find("<header").unwrap()..page.find("</header>").unwrap()];
    assert!(header.contains(banner), "no synthetic banner in the header");
    // Not hidden on paper: neither it nor its paragraph carries a class print leaves out.
    let at = header.find(banner).unwrap();
    let p = &header[header[..at].rfind("<p").unwrap()..at];
    assert!(!p.contains("no-print") && !p.contains("screen-only"), "{p}");
    // A study without the marker file gets no banner.
    let mut real = report_common::demo_report();
    real.synthetic = false;
    assert!(!loneliness::report::render(&real).contains(banner));
}

#[test]
fn factors_per_wijk_show_what_lowers_the_prediction_too() {
    let (d, out) = report_common::demo_run();
    let risk: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("risk_report.json")).unwrap())
            .unwrap();
    assert!(
        risk["factors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| !w["lowering"].as_array().unwrap().is_empty()),
        "risk_report.json names no lowering factor"
    );
    let r = d.risk.as_ref().unwrap();
    assert!(r
        .factors
        .iter()
        .flat_map(|w| &w.factors)
        .any(|f| f.contribution < 0.0));
    // The lowest wijk (the last fold-out block, in order of predicted loneliness) is explained by
    // at least one lowering factor, drawn in blue under its own heading.
    let page = html();
    let blocks: Vec<&str> = page
        .match_indices("<details class=\"wijk\"")
        .map(|(i, _)| &page[i..i + page[i..].find("</details>").unwrap()])
        .collect();
    let lowest = blocks.last().unwrap();
    assert!(
        lowest.contains("Verlaagt de voorspelling") && lowest.contains("<li class=\"down\">"),
        "the lowest wijk shows no lowering factor"
    );
    assert!(page.contains(".swatch.down { background: #0072b2; }"));
    assert!(page.contains("<span class=\"swatch down\"></span> verlaagt de voorspelling"));
}

#[test]
fn a_suppressed_wijk_is_not_called_a_missing_model() {
    assert!(!html().contains("niet beschikbaar"));
    // The demo with one wijk suppressed, as the pipeline suppresses it (no residents, no figures).
    let mut d = report_common::demo_report();
    let w = &mut d.districts[0];
    let name = w.label();
    w.residents = None;
    w.prediction = None;
    w.respondents = None;
    w.survey_lonely_pct = None;
    w.survey_severe_pct = None;
    w.survey_lonely_interval = None;
    w.survey_severe_interval = None;
    d.refresh_glance();
    assert!(
        d.glance.predicted_lonely_pct.is_some(),
        "the municipality keeps its figure"
    );
    let page = loneliness::report::render(&d);
    assert!(!page.contains("niet beschikbaar"));
    assert!(kpi_tiles(&page)
        .iter()
        .any(|t| t.contains(" voorspeld eenzaam ") && t.contains("90%-interval")));
    let block = &page[page.find(&format!("<b>{name}</b> · ")).unwrap()..];
    assert!(
        block[..block.find("</summary>").unwrap()].contains("te weinig inwoners om te tonen"),
        "the suppressed wijk does not say why it has no figure"
    );
    // Without a risk stage it says so instead.
    d.risk = None;
    for w in &mut d.districts {
        w.prediction = None;
    }
    d.refresh_glance();
    let page = loneliness::report::render(&d);
    assert!(page.contains("risicomodel niet berekend"));
}
