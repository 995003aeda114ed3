//! Issue 15: hostile and careless inputs on a copy of a small synthetic study (not the demo).
mod privacy_support;

use privacy_support::*;

#[test]
fn one_future_date_keeps_the_reference_date_and_is_quarantined() {
    let c = copy();
    c.set("brp.csv", 7, "datum_vestiging", "2099-01-01");
    let o = c.validate(&["--json", "--out", c.out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let s = c.out_file("summary.json");
    assert!(s.contains("2024-01-01"), "reference date moved: {s}");
    assert!(s.contains("\"future_date\": 1"), "{s}");
}

#[test]
fn a_header_less_file_is_named_without_its_first_line() {
    let c = copy();
    let brp = c.read("brp.csv");
    let first_data = brp.lines().nth(1).unwrap().to_string();
    c.write(
        "brp.csv",
        &brp.lines().skip(1).collect::<Vec<_>>().join("\n"),
    );
    let o = c.validate(&[]);
    assert!(!o.status.success());
    let t = text(&o);
    assert!(t.contains("looks like data, not a header"), "{t}");
    for value in first_data.split(',').filter(|v| v.len() >= 4) {
        assert!(!t.contains(value), "{value} echoed in: {t}");
    }
}

#[test]
fn bsns_with_separators_and_formulas_do_not_reach_quarantine() {
    let c = copy();
    let b = valid_bsn(17);
    let dotted = format!("{}.{}.{}", &b[..4], &b[4..6], &b[6..]);
    let dashed = format!("{}-{}-{}", &b[..3], &b[3..6], &b[6..]);
    c.set("brp.csv", 3, "postcode", &dotted);
    c.set("brp.csv", 4, "herkomst", &dashed);
    c.set("brp.csv", 5, "geslacht", "=1+1");
    let o = c.validate(&["--out", c.out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let q = c.out_file("quarantine/brp.csv");
    assert!(
        !q.contains(&b[..7]) && !q.contains(&dotted) && !q.contains(&dashed),
        "{q}"
    );
    assert!(
        !q.lines().any(|l| l.split(',').any(|f| f.starts_with('='))),
        "{q}"
    );
    assert!(q.contains("'=1+1"), "{q}");
}

#[test]
fn a_wrong_pseudonym_key_fails_validate_and_names_the_key() {
    let c = copy();
    c.write("pseudonym.key", "not the key of the trusted third party");
    let o = c.validate(&[]);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("pseudonym key"), "{}", text(&o));
}

#[test]
fn the_untouched_study_is_usable() {
    let c = copy();
    let o = c.validate(&[]);
    assert!(o.status.success(), "{}", text(&o));
}
