//! Arbitrary bytes as a source file never panic: they give a clear fatal error or rows that are
//! each accepted or quarantined.
mod ingest_support;

use ingest_support::*;
use loneliness::contract::SourceKind;
use loneliness::sources::Ingested;
use loneliness::Error;
use proptest::prelude::*;

fn check_accounting(ing: &Ingested) {
    for (name, s) in &ing.summary.sources {
        assert_eq!(s.rows_read, s.rows_accepted + s.rows_quarantined, "{name}");
        let counted: u64 = s.quarantine_reasons.values().sum();
        assert_eq!(counted, s.rows_quarantined, "{name}");
    }
    for rows in ing.quarantine.by_source.values() {
        assert!(rows.windows(2).all(|w| w[0].row < w[1].row));
    }
}

fn check_error(e: &Error, file: &str) {
    match e {
        Error::Input { location, message } => {
            assert!(location.file.ends_with(file), "{e}");
            assert!(!message.is_empty());
        }
        other => panic!("unexpected error kind: {other}"),
    }
}

/// Bytes that look like CSV more often than uniform noise does.
fn csvish() -> impl Strategy<Value = Vec<u8>> {
    let pieces = prop::collection::vec(
        prop_oneof![
            Just(b",".to_vec()),
            Just(b";".to_vec()),
            Just(b"\"".to_vec()),
            Just(b"\n".to_vec()),
            Just(b"\r\n".to_vec()),
            Just(b" ".to_vec()),
            Just("é".as_bytes().to_vec()),
            Just(vec![0xE9]),
            Just(b"100000010".to_vec()),
            Just(b"BU06370001".to_vec()),
            Just(b"1950-01-02".to_vec()),
            Just(b"ja".to_vec()),
            "[a-z0-9]{1,6}".prop_map(String::into_bytes),
        ],
        0..80,
    );
    pieces.prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_as_brp_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let t = TestStudy::valid();
        t.write_bytes("brp.csv", &bytes);
        match t.ingest() {
            Ok(ing) => check_accounting(&ing),
            Err(e) => check_error(&e, "brp.csv"),
        }
    }

    #[test]
    fn csv_like_rows_after_a_valid_header_are_all_accounted_for(body in csvish()) {
        let t = TestStudy::valid();
        let mut bytes = format!("{BRP_HEADER}\n").into_bytes();
        bytes.extend_from_slice(&body);
        t.write_bytes("brp.csv", &bytes);
        t.write("study.toml", "year = 2024\n");
        let ing = t.ingest().unwrap();
        check_accounting(&ing);
        let s = &ing.summary.sources["brp"];
        prop_assert_eq!(s.rows_accepted as usize, ing.study.brp.len());
        prop_assert_eq!(s.rows_quarantined as usize, ing.quarantine.rows(SourceKind::Brp).len());
    }

    #[test]
    fn csv_like_bytes_in_every_optional_source(body in csvish(), which in 0usize..7) {
        let names = [
            "inkomen.csv", "wmo.csv", "opvoedondersteuning.csv", "schuldhulp.csv",
            "huisbezoeken.csv", "veiligheid.csv", "sociale_kaart.csv",
        ];
        let t = TestStudy::valid();
        t.write_bytes(names[which], &body);
        match t.ingest() {
            Ok(ing) => check_accounting(&ing),
            Err(e) => check_error(&e, names[which]),
        }
    }
}
