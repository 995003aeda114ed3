//! The rendered demo report: every section present, no small count in any table cell, no raw BSN,
//! no reference to another host, byte-identical on a second render, and the map drawn from GeoJSON.

mod report_common;

use std::sync::OnceLock;

use loneliness::report::{self, geo, ReportData};

fn data() -> &'static ReportData {
    static DATA: OnceLock<ReportData> = OnceLock::new();
    DATA.get_or_init(report_common::demo_report)
}

/// The report.html the main job wrote for the demo (checked to equal a render of its data).
fn html() -> &'static str {
    static HTML: OnceLock<String> = OnceLock::new();
    HTML.get_or_init(|| std::fs::read_to_string(report_common::demo_report_file()).unwrap())
}

#[test]
fn the_written_report_is_the_render_of_its_data() {
    assert!(html() == report::render(data()));
}

/// The text of every `<td>` and `<th>` cell: inner tags removed, entities decoded, trimmed.
fn table_cells(html: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let lower = html.to_ascii_lowercase();
    let mut at = 0;
    while let Some(off) = lower[at..].find("<t") {
        let start = at + off;
        let tag = &lower[start + 1..(start + 4).min(lower.len())];
        if !(tag.starts_with("td") || tag.starts_with("th")) || tag.starts_with("the") {
            at = start + 2;
            continue;
        }
        let name = &tag[..2];
        let open_end = start + lower[start..].find('>').expect("tag closes");
        let close = format!("</{name}>");
        let end = open_end + lower[open_end..].find(&close).expect("cell closes");
        let inner = &html[open_end + 1..end];
        // Strip nested tags.
        let mut text = String::new();
        let mut in_tag = false;
        for c in inner.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                _ if !in_tag => text.push(c),
                _ => {}
            }
        }
        let text = text
            .replace("&nbsp;", " ")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&");
        cells.push(text.trim().to_string());
        at = end + close.len();
    }
    cells
}

/// A cell that is a plain integer (Dutch thousands separators allowed), as a number.
fn plain_integer(cell: &str) -> Option<u64> {
    let digits: String = cell.chars().filter(|&c| c != '.' && c != ' ').collect();
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().unwrap())
}

#[test]
fn the_extractor_finds_cells_and_integers() {
    let cells = table_cells(
        "<table><thead><tr><th class=\"num\">A</th></tr></thead><tbody><tr><td>1.234</td><td><b>7</b></td><TD>3,5%</TD></tr></tbody></table>",
    );
    assert_eq!(cells, ["A", "1.234", "7", "3,5%"]);
    assert_eq!(plain_integer("1.234"), Some(1234));
    assert_eq!(plain_integer("7"), Some(7));
    assert_eq!(plain_integer("3,5%"), None);
    assert_eq!(plain_integer("–"), None);
}

#[test]
fn no_table_cell_shows_a_count_between_1_and_9() {
    let cells = table_cells(html());
    assert!(cells.len() > 200, "only {} cells found", cells.len());
    let threshold = data().suppression_threshold as u64;
    let small: Vec<&String> = cells
        .iter()
        .filter(|c| plain_integer(c).is_some_and(|n| n > 0 && n < threshold))
        .collect();
    assert!(small.is_empty(), "small counts in table cells: {small:?}");
    // The demo has small quarantine counts; they must be there as suppressed cells.
    assert!(cells.iter().any(|c| c == "–"));
    let integers = cells.iter().filter(|c| plain_integer(c).is_some()).count();
    assert!(
        integers > 20,
        "only {integers} integer cells: the check saw too little"
    );
}

#[test]
fn no_raw_bsn_appears() {
    let bsns = report_common::demo_bsns();
    assert!(bsns.len() >= 20_000, "read only {} BSNs", bsns.len());
    let page = html();
    let leaked: Vec<&String> = bsns.iter().filter(|b| page.contains(b.as_str())).collect();
    assert!(
        leaked.is_empty(),
        "raw BSNs in the report: {:?}",
        &leaked[..leaked.len().min(5)]
    );
    // No pseudonym either: 64 hex characters in a row.
    let mut run = 0;
    for c in page.chars() {
        run = if c.is_ascii_hexdigit() { run + 1 } else { 0 };
        assert!(run < 64, "a pseudonym-like hex string is in the report");
    }
}

#[test]
fn no_reference_to_another_host() {
    let page = html();
    let mut rest = page;
    let mut urls = Vec::new();
    while let Some(i) = rest.find("http") {
        let tail = &rest[i..];
        if tail.starts_with("http://") || tail.starts_with("https://") {
            let before = &rest[..i];
            if !(tail.starts_with("http://www.w3.org/2000/svg\"") && before.ends_with("xmlns=\"")) {
                urls.push(tail.chars().take(60).collect::<String>());
            }
        }
        rest = &rest[i + 4..];
    }
    assert!(urls.is_empty(), "URLs in the report: {urls:?}");
    for bad in [
        "<script", "<link", "<iframe", "<img", "@import", "url(http", "src=\"",
    ] {
        assert!(!page.contains(bad), "the report contains {bad}");
    }
    assert!(page.contains(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
    ));
}

#[test]
fn every_section_is_present_and_filled() {
    let page = html();
    for id in [
        "overzicht",
        "kaart",
        "personas",
        "persona-wijk",
        "gaten",
        "risicomodel",
        "referentie",
        "datakwaliteit",
        "privacy",
    ] {
        assert!(
            page.contains(&format!("<section id=\"{id}\"")),
            "section {id} missing"
        );
    }
    assert!(!page.contains("niet berekend"), "a section was left empty");
    let d = data();
    assert_eq!(d.municipality.code.as_deref(), Some("GM0637"));
    assert_eq!(d.municipality.name.as_deref(), Some("Zoetermeer"));
    assert_eq!(d.districts.len(), 9);
    assert!(d.districts.iter().all(|w| w.rivm_lonely_pct.is_some()));
    assert!(d.districts.iter().all(|w| w.survey_lonely_pct.is_some()));
    assert!(d.personas.len() >= 4);
    for p in &d.personas {
        assert!(
            page.contains(&report::format::escape(&p.name)),
            "{}",
            p.name
        );
        assert!(!p.traits.is_empty() && !p.rules.is_empty(), "{}", p.name);
    }
    // RIVM's Zoetermeer figure and a wijk figure, as published, beside our estimates.
    assert!(page.contains("49,2%") && page.contains("53,8%"));
    // The tile grid is drawn when no GeoJSON is given.
    assert!(page.contains("class=\"tiles\" viewBox"));
    assert!(page.contains("✗ gat"));
    assert_eq!(d.glance.residents, accepted_brp(d));
}

fn accepted_brp(d: &ReportData) -> Option<u64> {
    d.data_quality
        .iter()
        .find(|q| q.source == "brp")
        .and_then(|q| q.rows_accepted)
}

#[test]
fn rendering_is_deterministic_and_writing_is_atomic() {
    assert_eq!(report::render(data()), html());
    let dir = tempfile::tempdir().unwrap();
    let path = report::write(data(), dir.path()).unwrap();
    assert_eq!(path, dir.path().join("report.html"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), html());
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(files.len(), 1);
    // The view model round-trips through JSON (the integrator may save and reload it).
    let json = serde_json::to_string(data()).unwrap();
    let back: ReportData = serde_json::from_str(&json).unwrap();
    assert_eq!(report::render(&back), html());
}

#[test]
fn a_geojson_of_the_wijken_draws_a_map() {
    // Squares in lon/lat around Zoetermeer, one per wijk.
    let features: Vec<String> = data()
        .districts
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let (x, y) = (4.45 + 0.02 * (i % 3) as f64, 52.04 + 0.015 * (i / 3) as f64);
            format!(
                r#"{{"type":"Feature","properties":{{"wijkcode":"{}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},{y}],[{},{y}],[{},{}],[{x},{}],[{x},{y}]]]}}}}"#,
                d.wijkcode,
                x + 0.02,
                x + 0.02,
                y + 0.015,
                y + 0.015
            )
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("wijken.geojson"),
        format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            features.join(",")
        ),
    )
    .unwrap();
    let mut d = data().clone();
    d.geometry = geo::for_study(dir.path(), None).unwrap();
    assert!(d.geometry.is_some());
    let page = report::render(&d);
    assert!(page.contains("class=\"map\" viewBox"));
    assert!(!page.contains("class=\"tiles\" viewBox"));
    assert_eq!(page.matches("fill-rule=\"evenodd\"").count(), 9);
    // Kept for a look in a browser.
    let keep = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("report_html");
    std::fs::create_dir_all(&keep).unwrap();
    std::fs::write(keep.join("report-with-map.html"), &page).unwrap();
    // Without the file and without --geo there is no geometry.
    let empty = tempfile::tempdir().unwrap();
    assert!(geo::for_study(empty.path(), None).unwrap().is_none());
}

#[test]
fn hostile_text_is_escaped() {
    let mut d = data().clone();
    d.personas[0].name = "<script>alert('x')</script>".to_string();
    d.districts[0].wijknaam = Some("A & B \"Oost\"".to_string());
    let page = report::render(&d);
    assert!(!page.contains("<script>"));
    assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assert!(page.contains("A &amp; B &quot;Oost&quot;"));
}

#[test]
fn a_small_count_filled_in_by_hand_is_still_suppressed() {
    let mut d = data().clone();
    d.districts[0].residents = Some(7);
    d.data_quality[0].rows_quarantined = Some(3);
    let cells = table_cells(&report::render(&d));
    assert!(!cells.iter().any(|c| c == "7" || c == "3"));
}
