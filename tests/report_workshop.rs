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
