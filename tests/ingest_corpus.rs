//! One test per case of `tests/corpus/`: each replaces one file of the minimal valid study and
//! asserts the exact outcome (accepted, quarantined with which reason at which row/line/column, or
//! which fatal error naming file, line and column).
mod ingest_support;

use chrono::NaiveDate;
use ingest_support::*;
use loneliness::contract::SourceKind;
use loneliness::sources::{ingest_reporting_all, Area, StudyConfig};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn q(row: u32, line: u64, column: &str, reason: &'static str) -> (u32, u64, String, &'static str) {
    (row, line, column.to_string(), reason)
}

fn fatal(t: &TestStudy) -> String {
    t.ingest().expect_err("expected a fatal error").to_string()
}

// ---- dialects -------------------------------------------------------------------------------

#[test]
fn semicolon_delimiter_is_detected() {
    let t = TestStudy::valid();
    t.use_corpus("brp.csv", "brp_semicolon.csv");
    let ing = t.ingest().unwrap();
    let s = &ing.summary.sources["brp"];
    assert_eq!(
        (s.delimiter.as_str(), s.rows_read, s.rows_accepted),
        (";", 2, 2)
    );
    assert_eq!(ing.study.brp.records[1].geslachtsnaam, "Veldkamp");
}

#[test]
fn excel_separator_line_is_honoured() {
    let t = TestStudy::valid();
    t.use_corpus("brp.csv", "brp_excel_sep.csv");
    let ing = t.ingest().unwrap();
    let s = &ing.summary.sources["brp"];
    assert_eq!((s.delimiter.as_str(), s.rows_accepted), (";", 2));
    // The header is on line 2, so the first row is on line 3.
    t.write(
        "brp.csv",
        &String::from_utf8(corpus("brp_excel_sep.csv"))
            .unwrap()
            .replacen("100000022", "100000023", 1),
    );
    let ing = t.ingest().unwrap();
    assert_eq!(
        outcome(ing.quarantine.rows(SourceKind::Brp)),
        vec![q(2, 4, "bsn", "invalid_bsn")]
    );
}

#[test]
fn utf16_is_refused_with_advice() {
    let t = TestStudy::valid();
    t.use_corpus("brp.csv", "brp_utf16.csv");
    let msg = fatal(&t);
    assert!(
        msg.contains("brp.csv, line 1: this file is UTF-16 text"),
        "{msg}"
    );
    assert!(msg.contains("CSV UTF-8"), "{msg}");
}

#[test]
fn utf8_bom_is_removed_before_the_header() {
    let t = TestStudy::valid();
    t.use_corpus("brp.csv", "brp_bom.csv");
    let ing = t.ingest().unwrap();
    assert_eq!(ing.summary.sources["brp"].encoding, "utf-8-bom");
    assert_eq!(ing.study.brp.records[0].pseudo_id, pseudo_id("100000010"));
}

#[test]
fn windows_1252_with_semicolons_dutch_dates_and_spaced_postcode() {
    let t = TestStudy::valid();
    t.use_corpus("huisbezoeken.csv", "huisbezoeken_cp1252.csv");
    let ing = t.ingest().unwrap();
    let s = &ing.summary.sources["huisbezoeken"];
    assert_eq!(
        (s.encoding.as_str(), s.delimiter.as_str()),
        ("windows-1252", ";")
    );
    let v = &ing.study.huisbezoeken.records[0];
    assert_eq!(v.naam.as_deref(), Some("Hélène François-Müller"));
    assert_eq!(v.geboortedatum, Some(date(1941, 2, 3)));
    assert_eq!(v.bezoekdatum, Some(date(2023, 5, 10)));
    assert_eq!(v.postcode.as_deref(), Some("2711AB"));
    assert_eq!(v.mantelzorger, Some(true));
}

#[test]
fn date_format_is_decided_per_value() {
    let t = TestStudy::valid();
    t.use_corpus("brp.csv", "brp_mixed_dates.csv");
    let ing = t.ingest().unwrap();
    let dates: Vec<_> = ing.study.brp.iter().map(|r| r.geboortedatum).collect();
    assert_eq!(dates, vec![date(1950, 5, 17), date(1950, 5, 17)]);
}

#[test]
fn headers_ignore_case_and_spaces_and_extra_columns_are_kept() {
    let t = TestStudy::valid();
    t.use_corpus("brp.csv", "brp_messy_header.csv");
    let ing = t.ingest().unwrap();
    assert_eq!(ing.summary.sources["brp"].rows_accepted, 2);
    assert_eq!(ing.summary.sources["brp"].extra_columns, vec!["Opmerking"]);
    assert_eq!(ing.study.brp.extra_columns, vec!["Opmerking"]);
    assert_eq!(&*ing.study.brp.records[0].extra[0], "eerste");
    assert_eq!(&*ing.study.brp.records[1].extra[0], "");
}

#[test]
fn decimal_commas_in_semicolon_files() {
    let t = TestStudy::valid();
    t.use_corpus("veiligheid.csv", "veiligheid_decimal_comma.csv");
    let ing = t.ingest().unwrap();
    let v: Vec<_> = ing
        .study
        .veiligheid
        .iter()
        .map(|s| (s.veiligheidsindex, s.overlast))
        .collect();
    assert_eq!(v, vec![(Some(7.4), Some(2.5)), (Some(6.0), Some(10.0))]);
    assert_eq!(
        outcome(ing.quarantine.rows(SourceKind::Veiligheid)),
        vec![q(3, 4, "veiligheidsindex", "invalid_value")]
    );
}

#[test]
fn crlf_line_endings_give_the_right_physical_lines() {
    let t = TestStudy::valid();
    t.use_corpus("brp.csv", "brp_crlf.csv");
    let ing = t.ingest().unwrap();
    assert_eq!(
        outcome(ing.quarantine.rows(SourceKind::Brp)),
        vec![q(2, 3, "bsn", "invalid_bsn"), q(5, 7, "bsn", "invalid_bsn")]
    );
    let r = &ing.study.brp.records;
    assert_eq!(r[1].geslachtsnaam, "Veld\r\nkamp");
    // A toevoeging written in huisnummer is split off unless the toevoeging column is filled.
    let addr: Vec<_> = r
        .iter()
        .map(|x| (x.huisnummer, x.huisnummertoevoeging.as_deref()))
        .collect();
    assert_eq!(addr, vec![(12, Some("A")), (3, Some("b")), (12, Some("C"))]);
}

// ---- file structure -------------------------------------------------------------------------

#[test]
fn empty_file_is_fatal_and_names_the_file() {
    let t = TestStudy::valid();
    t.use_corpus("brp.csv", "brp_empty.csv");
    let msg = fatal(&t);
    assert!(msg.contains("brp.csv, line 1: the file is empty"), "{msg}");
    assert!(msg.contains("expected a header row"), "{msg}");
    t.use_corpus("brp.csv", "brp_blank_lines.csv");
    assert!(fatal(&t).contains("the file is empty"));
}

#[test]
fn header_only_file_is_valid_with_zero_rows() {
    let t = TestStudy::valid();
    t.use_corpus("inkomen.csv", "inkomen_header_only.csv");
    let ing = t.ingest().unwrap();
    let s = &ing.summary.sources["inkomen"];
    assert_eq!(
        (s.rows_read, s.rows_accepted, s.rows_quarantined),
        (0, 0, 0)
    );
    assert!(ing.is_usable());
}

#[test]
fn required_source_with_zero_rows_is_not_usable() {
    let t = TestStudy::valid();
    t.write("brp.csv", &brp(&[]));
    t.write("study.toml", "year = 2024\n");
    let ing = t.ingest().unwrap();
    assert!(!ing.is_usable());
    assert_eq!(ing.unusable_sources(), vec!["brp"]);
}

#[test]
fn ragged_rows_are_quarantined_and_the_rest_kept() {
    let t = TestStudy::valid();
    t.use_corpus("brp.csv", "brp_ragged.csv");
    let ing = t.ingest().unwrap();
    assert_eq!(
        outcome(ing.quarantine.rows(SourceKind::Brp)),
        vec![q(2, 3, "", "ragged_row"), q(3, 4, "", "ragged_row")]
    );
    let rows: Vec<u32> = ing.study.brp.iter().map(|r| r.row).collect();
    assert_eq!(rows, vec![1, 4]);
    let detail = &ing.quarantine.rows(SourceKind::Brp)[1].detail;
    assert_eq!(detail, "expected 16 fields like the header, found 17");
}

#[test]
fn quoted_newline_keeps_rows_and_physical_lines_apart() {
    let t = TestStudy::valid();
    t.use_corpus("brp.csv", "brp_quoted_newline.csv");
    let ing = t.ingest().unwrap();
    assert_eq!(
        ing.study.brp.records[0].geslachtsnaam,
        "Testdorp\nTweede regel"
    );
    assert_eq!(ing.study.brp.records[1].row, 2);
    let rows = ing.quarantine.rows(SourceKind::Brp);
    assert_eq!(outcome(rows), vec![q(3, 5, "bsn", "invalid_bsn")]);
    assert_eq!(rows[0].value, "*23");
}

#[test]
fn a_row_of_empty_cells_is_a_missing_value() {
    let t = TestStudy::valid();
    t.use_corpus("brp.csv", "brp_empty_row.csv");
    let ing = t.ingest().unwrap();
    assert_eq!(
        outcome(ing.quarantine.rows(SourceKind::Brp)),
        vec![q(2, 3, "", "missing_value")]
    );
}

#[test]
fn missing_required_column_names_file_line_and_column() {
    let t = TestStudy::valid();
    t.use_corpus("brp.csv", "brp_missing_column.csv");
    let msg = fatal(&t);
    assert!(
        msg.contains("brp.csv, line 1, column 'geslacht': missing required column 'geslacht'"),
        "{msg}"
    );
}

#[test]
fn all_missing_columns_and_files_are_reported_at_once() {
    let t = TestStudy::valid();
    t.use_corpus("brp.csv", "brp_missing_two_columns.csv");
    t.remove("gezondheidsmonitor.csv");
    let config = StudyConfig::load(t.path()).unwrap();
    let errors: Vec<String> = ingest_reporting_all(
        t.path(),
        &config,
        &loneliness::contract::pseudonym::KeySource::from_env(),
    )
    .unwrap_err()
    .iter()
    .map(ToString::to_string)
    .collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(errors[0].contains("column 'geslacht'"), "{errors:?}");
    assert!(errors[1].contains("column 'herkomst'"), "{errors:?}");
    assert!(
        errors[2].contains("gezondheidsmonitor.csv: missing required file"),
        "{errors:?}"
    );
}

#[test]
fn unrecognised_delimiter_gets_a_hint() {
    let t = TestStudy::valid();
    t.use_corpus("brp.csv", "brp_tab_separated.csv");
    let msg = fatal(&t);
    assert!(msg.contains("column 'bsn'"), "{msg}");
    assert!(msg.contains("delimiter was not recognised"), "{msg}");
}

#[test]
fn binary_file_is_fatal_with_its_line() {
    let t = TestStudy::valid();
    t.use_corpus("brp.csv", "brp_binary.csv");
    let msg = fatal(&t);
    assert!(
        msg.contains("brp.csv, line 2: this is not a text file"),
        "{msg}"
    );
}

#[test]
fn missing_files_and_key() {
    let t = TestStudy::valid();
    let out = tempfile::tempdir().unwrap();
    t.ingest().unwrap().write(out.path()).unwrap();
    assert!(out.path().join("quarantine/veiligheid.csv").exists());
    t.remove("veiligheid.csv");
    t.remove("sociale_kaart.csv");
    let ing = t.ingest().unwrap();
    ing.write(out.path()).unwrap();
    // No stale quarantine file of the earlier run for a source that is now absent.
    assert!(!out.path().join("quarantine/veiligheid.csv").exists());
    assert!(out.path().join("quarantine/brp.csv").exists());
    assert_eq!(
        ing.summary.absent_sources,
        vec!["veiligheid", "sociale_kaart"]
    );
    assert!(!ing.summary.sources.contains_key("veiligheid"));
    assert!(ing.study.veiligheid.is_empty());

    t.remove("gebieden.csv");
    let msg = fatal(&t);
    assert!(msg.contains("gebieden.csv: missing required file"), "{msg}");

    if std::env::var_os("LONELINESS_PSEUDONYM_KEY").is_none() {
        let t = TestStudy::valid();
        t.remove("pseudonym.key");
        let msg = fatal(&t);
        assert!(msg.contains("pseudonym.key: no pseudonym key"), "{msg}");
        t.write("pseudonym.key", "");
        let msg = fatal(&t);
        assert!(msg.contains("pseudonym key file is empty"), "{msg}");
    }
}

#[test]
fn study_toml_renames_files_and_columns() {
    let t = TestStudy::valid();
    let text = String::from_utf8(corpus("brp_semicolon.csv"))
        .unwrap()
        .replacen("bsn;", "BSN_nummer;", 1);
    t.remove("brp.csv");
    t.write("BRP export 2024.csv", &text);
    t.write(
        "study.toml",
        "reference_date = 2023-06-30\n[municipality]\ncode = \"GM0637\"\n\
         [files]\nbrp = \"BRP export 2024.csv\"\n[columns.brp]\nbsn = \"bsn_nummer\"\n",
    );
    let ing = t.ingest().unwrap();
    assert_eq!(ing.summary.sources["brp"].file, "BRP export 2024.csv");
    assert_eq!(ing.summary.sources["brp"].rows_accepted, 2);
    assert_eq!(ing.study.reference_date, date(2023, 6, 30));
    assert_eq!(ing.summary.reference_date_rule, "study.toml reference_date");

    // A renamed column that is absent is reported under its file name.
    t.write(
        "study.toml",
        "[files]\nbrp = \"BRP export 2024.csv\"\n[columns.brp]\nbsn = \"nummer\"\n",
    );
    let msg = fatal(&t);
    assert!(
        msg.contains("column 'nummer': missing required column 'bsn' (named 'nummer'"),
        "{msg}"
    );

    t.write(
        "study.toml",
        "[files]\nbrp = \"BRP export 2024.csv\"\n[columns.brp]\nbsn = \"bsn_nummer\"\nvoornamen = \"geslachtsnaam\"\n",
    );
    let msg = fatal(&t);
    assert!(
        msg.contains("header 'geslachtsnaam' would serve both 'geslachtsnaam' and 'voornamen'"),
        "{msg}"
    );

    t.write("study.toml", "[files]\nbpr = \"x.csv\"\n");
    let msg = fatal(&t);
    assert!(msg.contains("did you mean `brp`"), "{msg}");
}

// ---- row checks -----------------------------------------------------------------------------

#[test]
fn invalid_bsns_are_quarantined_masked() {
    let t = TestStudy::valid();
    t.use_corpus("brp.csv", "brp_invalid_bsn.csv");
    let ing = t.ingest().unwrap();
    let rows = ing.quarantine.rows(SourceKind::Brp);
    assert_eq!(
        outcome(rows),
        vec![
            q(2, 3, "bsn", "invalid_bsn"),
            q(3, 4, "bsn", "invalid_bsn"),
            q(4, 5, "bsn", "invalid_bsn")
        ]
    );
    let values: Vec<&str> = rows.iter().map(|r| r.value.as_str()).collect();
    assert_eq!(values, vec!["*******11", "**AB", "*****67"]);
    let details: Vec<&str> = rows.iter().map(|r| r.detail.as_str()).collect();
    assert_eq!(
        details,
        vec![
            "BSN fails the eleven-test (elfproef)",
            "BSN must contain only digits",
            "BSN must have 8 or 9 digits"
        ]
    );
    assert_eq!(
        ing.summary.sources["brp"].quarantine_reasons["invalid_bsn"],
        3
    );
}

#[test]
fn duplicate_bsns_keep_the_first_row_and_compare_zero_padded() {
    let t = TestStudy::valid();
    t.use_corpus("brp.csv", "brp_duplicate_bsn.csv");
    let ing = t.ingest().unwrap();
    let rows = ing.quarantine.rows(SourceKind::Brp);
    assert_eq!(
        outcome(rows),
        vec![
            q(3, 4, "bsn", "duplicate_bsn"),
            q(5, 6, "bsn", "duplicate_bsn")
        ]
    );
    assert_eq!(rows[0].value, "*******10");
    assert_eq!(
        rows[0].detail,
        "BSN already on row 1 (the first row is kept)"
    );
    assert_eq!(
        rows[1].detail,
        "BSN already on row 4 (the first row is kept)"
    );
    assert_eq!(ing.study.brp.records[0].geslachtsnaam, "Testdorp");
}

#[test]
fn exact_duplicate_rows_keep_the_first_copy_even_when_it_was_rejected() {
    let t = TestStudy::valid();
    t.use_corpus("brp.csv", "brp_duplicate_row.csv");
    let ing = t.ingest().unwrap();
    assert_eq!(
        outcome(ing.quarantine.rows(SourceKind::Brp)),
        vec![
            q(3, 4, "", "duplicate_row"),
            q(4, 5, "bsn", "invalid_bsn"),
            q(5, 6, "", "duplicate_row")
        ]
    );
    assert_eq!(
        ing.quarantine.rows(SourceKind::Brp)[2].detail,
        "exact copy of row 4 (the first copy is kept)"
    );
}

#[test]
fn buurtcodes_must_be_known_in_gebieden() {
    let t = TestStudy::valid();
    t.use_corpus("brp.csv", "brp_unknown_buurtcode.csv");
    let ing = t.ingest().unwrap();
    assert_eq!(
        outcome(ing.quarantine.rows(SourceKind::Brp)),
        vec![
            q(2, 3, "buurtcode", "unknown_buurtcode"),
            q(3, 4, "buurtcode", "invalid_value")
        ]
    );
    let last = &ing.study.brp.records[1];
    assert_eq!(
        (last.buurtcode.as_str(), last.wijkcode.as_str()),
        ("BU06370101", "WK063701")
    );
}

#[test]
fn vocabularies_are_case_insensitive_and_closed() {
    let t = TestStudy::valid();
    t.use_corpus("brp.csv", "brp_wrong_vocabulary.csv");
    let ing = t.ingest().unwrap();
    let rows = ing.quarantine.rows(SourceKind::Brp);
    assert_eq!(
        outcome(rows),
        vec![
            q(2, 3, "herkomst", "invalid_value"),
            q(3, 4, "burgerlijke_staat", "invalid_value")
        ]
    );
    assert_eq!(rows[0].value, "marokkaans");
    assert!(rows[0]
        .detail
        .starts_with("expected one of: nederland, westers"));
    assert_eq!(ing.study.brp.len(), 1);
}

#[test]
fn postcodes_are_normalised_or_rejected() {
    let t = TestStudy::valid();
    t.use_corpus("brp.csv", "brp_postcode.csv");
    let ing = t.ingest().unwrap();
    assert_eq!(ing.study.brp.records[0].postcode, "2711AB");
    assert_eq!(
        outcome(ing.quarantine.rows(SourceKind::Brp)),
        vec![
            q(2, 3, "postcode", "invalid_postcode"),
            q(3, 4, "postcode", "missing_value")
        ]
    );
}

#[test]
fn impossible_dates_against_the_reference_date() {
    let t = TestStudy::valid();
    t.use_corpus("brp.csv", "brp_impossible_dates.csv");
    let ing = t.ingest().unwrap();
    assert_eq!(ing.study.reference_date, date(2024, 1, 1));
    let rows = ing.quarantine.rows(SourceKind::Brp);
    assert_eq!(
        outcome(rows),
        vec![
            q(2, 3, "geboortedatum", "future_date"),
            q(3, 4, "geboortedatum", "implausible_age"),
            q(4, 5, "geboortedatum", "implausible_age"),
            q(5, 6, "geboortedatum", "invalid_date")
        ]
    );
    assert_eq!(
        rows[1].detail,
        "age 124 on 2024-01-01; at most 115 is plausible"
    );
    // Born 2005-12-31: 18 on the reference date 2024-01-01, so kept.
    assert_eq!(ing.study.brp.records.last().unwrap().row, 6);
}

#[test]
fn gebieden_rejects_repeated_and_malformed_buurtcodes() {
    let t = TestStudy::valid();
    t.use_corpus("gebieden.csv", "gebieden_duplicate.csv");
    let ing = t.ingest().unwrap();
    let rows = ing.quarantine.rows(SourceKind::Gebieden);
    assert_eq!(
        outcome(rows),
        vec![
            q(4, 5, "buurtcode", "invalid_value"),
            q(5, 6, "buurtcode", "invalid_value")
        ]
    );
    assert_eq!(
        rows[0].detail,
        "buurtcode already on row 1 (the first row is kept)"
    );
    assert_eq!(ing.study.gebieden.len(), 3);
}

#[test]
fn survey_rows_are_checked() {
    let t = TestStudy::valid();
    t.use_corpus("gezondheidsmonitor.csv", "gezondheidsmonitor_bad.csv");
    let ing = t.ingest().unwrap();
    assert_eq!(
        outcome(ing.quarantine.rows(SourceKind::Gezondheidsmonitor)),
        vec![
            q(2, 3, "pseudo_id", "invalid_value"),
            q(3, 4, "djg01", "invalid_value"),
            q(4, 5, "weegfactor", "invalid_value"),
            q(5, 6, "weegfactor", "missing_value"),
            q(6, 7, "pseudo_id", "invalid_value")
        ]
    );
    assert_eq!(
        ing.quarantine.rows(SourceKind::Gezondheidsmonitor)[4].detail,
        "pseudo_id already on row 1 (the first row is kept)"
    );
    assert_eq!(ing.study.survey.records[0].pseudo_id, "a".repeat(64));
    assert_eq!(
        ing.summary.sources["gezondheidsmonitor"].absent_optional_columns,
        vec![
            "ervaren_gezondheid",
            "beperking_bewegen",
            "mantelzorger",
            "vrijwilligerswerk",
            "moeite_rondkomen"
        ]
    );
}

#[test]
fn inkomen_has_one_row_per_resident() {
    let t = TestStudy::valid();
    t.write(
        "inkomen.csv",
        &format!(
            "bsn,huishoudinkomen_percentiel,inkomensbron,minimaregeling\n\
             {0},45,loon,nee\n{1},8,bijstand,ja\n{0},50,loon,nee\n{1},,,\n",
            bsn(0),
            bsn(1)
        ),
    );
    let ing = t.ingest().unwrap();
    assert_eq!(
        outcome(ing.quarantine.rows(SourceKind::Inkomen)),
        vec![
            q(3, 4, "bsn", "duplicate_bsn"),
            q(4, 5, "bsn", "duplicate_bsn")
        ]
    );
    assert_eq!(
        ing.study.inkomen.records[0].huishoudinkomen_percentiel,
        Some(45)
    );
}

#[test]
fn wmo_rows_are_checked() {
    let t = TestStudy::valid();
    t.use_corpus("wmo.csv", "wmo_bad.csv");
    let ing = t.ingest().unwrap();
    assert_eq!(
        outcome(ing.quarantine.rows(SourceKind::Wmo)),
        vec![
            q(1, 2, "einddatum", "invalid_value"),
            q(2, 3, "voorziening", "invalid_value"),
            q(3, 4, "startdatum", "missing_value")
        ]
    );
    let w = &ing.study.wmo.records[0];
    assert_eq!(
        (w.startdatum, w.einddatum),
        (date(2022, 2, 1), Some(date(2022, 12, 31)))
    );
}

#[test]
fn sociale_kaart_rows_are_checked() {
    let t = TestStudy::valid();
    t.use_corpus("sociale_kaart.csv", "sociale_kaart_bad.csv");
    let ing = t.ingest().unwrap();
    assert_eq!(
        outcome(ing.quarantine.rows(SourceKind::SocialeKaart)),
        vec![
            q(2, 3, "elementen", "invalid_value"),
            q(3, 4, "gebied", "unknown_buurtcode"),
            q(4, 5, "leeftijd_max", "invalid_value"),
            q(5, 6, "aanbod_id", "invalid_value"),
            q(6, 7, "gebied", "missing_value")
        ]
    );
    let o = &ing.study.sociale_kaart.records[0];
    assert_eq!(o.elementen.len(), 2);
    assert_eq!(o.talen, vec!["nl"]);
    assert_eq!(
        o.gebied,
        vec![
            Area::Wijk("WK063700".into()),
            Area::Buurt("BU06370101".into())
        ]
    );
}

#[test]
fn schuldhulp_keeps_partial_rows_and_rejects_bad_values() {
    let t = TestStudy::valid();
    t.use_corpus("schuldhulp.csv", "schuldhulp_bad.csv");
    let ing = t.ingest().unwrap();
    assert_eq!(
        outcome(ing.quarantine.rows(SourceKind::Schuldhulp)),
        vec![
            q(1, 2, "geboortedatum", "invalid_date"),
            q(2, 3, "geboortedatum", "implausible_age"),
            q(4, 5, "status", "invalid_value"),
            q(6, 7, "huisnummer", "invalid_value")
        ]
    );
    let last = &ing.study.schuldhulp.records[1];
    assert_eq!(
        (last.huisnummer, last.huisnummertoevoeging.as_deref()),
        (Some(15), Some("D"))
    );
    let d = &ing.study.schuldhulp.records[0];
    assert_eq!(d.row, 3);
    assert_eq!(
        (d.postcode.clone(), d.huisnummer, d.status),
        (None, None, None)
    );
    assert_eq!(d.geboortedatum, Some(date(1985, 3, 5)));
}
