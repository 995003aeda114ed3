//! The minimal valid study ingests completely, typed as the spec says, deterministically.
mod ingest_support;

use chrono::NaiveDate;
use ingest_support::*;
use loneliness::contract::vocab::{DjgAnswer, Element, Geslacht, Voorziening};
use loneliness::sources::Area;

#[test]
fn valid_study_is_read_completely() {
    let t = TestStudy::valid();
    let ing = t.ingest().unwrap();
    let s = &ing.study;
    assert_eq!(
        s.reference_date,
        NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()
    );
    assert!(ing
        .summary
        .reference_date_rule
        .contains("derived from brp.csv"));
    for (name, src) in &ing.summary.sources {
        assert_eq!(src.rows_quarantined, 0, "{name}: {:?}", ing.quarantine);
        assert_eq!(src.rows_read, src.rows_accepted, "{name}");
        assert_eq!(src.encoding, "utf-8");
        assert_eq!(src.delimiter, ",");
    }
    assert_eq!(ing.summary.sources.len(), 10);
    assert!(ing.summary.absent_sources.is_empty());
    assert!(ing.is_usable());

    assert_eq!(s.gebieden.len(), 3);
    assert_eq!(s.brp.len(), 5);
    let r = &s.brp.records[0];
    assert_eq!(r.pseudo_id, pseudo_id(&bsn(0)));
    assert_eq!(r.row, 1);
    assert_eq!(r.wijkcode, "WK063700");
    assert_eq!(r.geslacht, Geslacht::Vrouw);
    assert_eq!(r.voorvoegsel.as_deref(), Some("van"));
    assert_eq!(s.brp.records[1].voorvoegsel, None);
    assert_eq!(
        r.geboortedatum,
        NaiveDate::from_ymd_opt(1940, 5, 17).unwrap()
    );

    let q = &s.survey.records[1];
    assert_eq!(q.djg[0], Some(DjgAnswer::Nee));
    assert_eq!(q.djg[9], None);
    assert_eq!(q.weegfactor, 0.75);
    assert_eq!(q.beperking_bewegen, Some(true));
    assert_eq!(
        s.wmo.records[0].voorziening,
        Voorziening::HuishoudelijkeHulp
    );
    assert_eq!(s.wmo.records[0].einddatum, None);
    assert_eq!(s.wmo.records[0].pseudo_id, pseudo_id(&bsn(2)));
    assert_eq!(s.schuldhulp.records[1].geboortedatum, None);
    assert_eq!(s.veiligheid.records[0].veiligheidsindex, Some(7.4));
    let offer = &s.sociale_kaart.records[0];
    assert_eq!(
        offer.elementen,
        vec![Element::Ontmoeten, Element::Bezigheden]
    );
    assert_eq!(offer.gebied, vec![Area::Wijk("WK063700".into())]);
    assert_eq!(s.sociale_kaart.records[1].talen, vec!["nl", "tr"]);
    assert_eq!(s.sociale_kaart.records[1].gebied, vec![Area::Gemeente]);
}

#[test]
fn outputs_are_byte_identical_across_runs() {
    let t = TestStudy::valid();
    t.write(
        "brp.csv",
        &brp(&[
            brp_row(0, &[]),
            brp_row(1, &[("bsn", "100000011")]),
            brp_row(2, &[]),
            brp_row(2, &[]),
        ]),
    );
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    t.ingest().unwrap().write(a.path()).unwrap();
    t.ingest().unwrap().write(b.path()).unwrap();
    let mut names: Vec<_> = walk(a.path());
    names.sort();
    assert!(names.len() >= 11, "{names:?}");
    for n in names {
        let x = std::fs::read(a.path().join(&n)).unwrap();
        let y = std::fs::read(b.path().join(&n)).unwrap();
        assert_eq!(x, y, "{n} differs between runs");
    }
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            for n in walk(&p) {
                out.push(format!("{}/{n}", e.file_name().to_string_lossy()));
            }
        } else {
            out.push(e.file_name().to_string_lossy().into_owned());
        }
    }
    out
}
