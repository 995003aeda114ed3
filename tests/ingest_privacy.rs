//! No raw BSN of the input survives ingest: not in any output file, not in the typed records, not
//! in an error message.
mod ingest_support;

use ingest_support::*;

/// Every way a BSN of `rows` could be written: 9 digits, and without the leading zero.
fn forms(bsns: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for b in bsns {
        out.push(b.clone());
        if let Some(short) = b.strip_prefix('0') {
            out.push(short.to_string());
        }
    }
    out
}

fn files_under(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn no_raw_bsn_in_outputs_or_records() {
    let t = TestStudy::valid();
    let valid: Vec<String> = (0..8).map(bsn).collect();
    let rows = vec![
        brp_row(0, &[]),
        brp_row(1, &[]),
        brp_row(2, &[("bsn", "012345672")]),
        // An invalid BSN (fails the eleven-test), a duplicate BSN and an exact duplicate row.
        brp_row(3, &[("bsn", "100000011")]),
        brp_row(4, &[("bsn", &valid[0]), ("geslachtsnaam", "Anders")]),
        brp_row(1, &[]),
        // A BSN typed into the wrong column, and a row rejected for another column.
        brp_row(5, &[("herkomst", &valid[5])]),
        brp_row(6, &[("postcode", "9999")]),
        brp_row(7, &[("geboortedatum", "2090-01-01")]),
    ];
    t.write("brp.csv", &brp(&rows));
    t.write(
        "inkomen.csv",
        &format!(
            "bsn,huishoudinkomen_percentiel,inkomensbron,minimaregeling\n{},45,loon,nee\n{},101,loon,nee\n{},45,loon,nee\n",
            valid[0], valid[1], "100000023"
        ),
    );
    let ing = t.ingest().unwrap();
    assert!(
        ing.quarantine
            .rows(loneliness::contract::SourceKind::Brp)
            .len()
            >= 6
    );
    let out = tempfile::tempdir().unwrap();
    ing.write(out.path()).unwrap();

    let mut all = valid.clone();
    all.extend(["012345672", "100000011", "100000023"].map(String::from));
    let needles = forms(&all);
    let mut files = Vec::new();
    files_under(out.path(), &mut files);
    assert!(files.len() >= 11, "{files:?}");
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for n in &needles {
            assert!(
                !text.contains(n.as_str()),
                "{} contains a raw BSN",
                f.display()
            );
        }
    }
    let debug = format!("{ing:?}");
    for n in &needles {
        assert!(!debug.contains(n.as_str()), "typed records hold a raw BSN");
    }
    // The masked form is what the quarantine shows instead.
    let q = std::fs::read_to_string(out.path().join("quarantine/brp.csv")).unwrap();
    assert!(q.contains("*******11,invalid_bsn"), "{q}");
}

#[test]
fn a_file_without_header_does_not_leak_its_first_row_into_the_error() {
    let t = TestStudy::valid();
    t.write("brp.csv", &format!("{}\n", brp_row(0, &[])));
    let msg = t.ingest().unwrap_err().to_string();
    assert!(msg.contains("looks like data, not a header"), "{msg}");
    assert!(!msg.contains(&bsn(0)), "{msg}");
}
