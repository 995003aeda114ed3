//! The pseudonym key may come from LONELINESS_PSEUDONYM_KEY; the study's key file wins when both
//! exist. A separate test binary, because it changes the process environment.
mod ingest_support;

use ingest_support::*;

#[test]
fn key_from_environment_and_file_wins() {
    let t = TestStudy::valid();
    t.remove("pseudonym.key");
    std::env::set_var(
        "LONELINESS_PSEUDONYM_KEY",
        std::str::from_utf8(KEY).unwrap(),
    );
    let ing = t.ingest().unwrap();
    assert_eq!(ing.study.brp.records[0].pseudo_id, pseudo_id(&bsn(0)));

    std::env::set_var("LONELINESS_PSEUDONYM_KEY", "a different key");
    t.write_bytes("pseudonym.key", KEY);
    let ing = t.ingest().unwrap();
    assert_eq!(ing.study.brp.records[0].pseudo_id, pseudo_id(&bsn(0)));

    t.remove("pseudonym.key");
    let ing = t.ingest().unwrap();
    assert_ne!(ing.study.brp.records[0].pseudo_id, pseudo_id(&bsn(0)));

    std::env::set_var("LONELINESS_PSEUDONYM_KEY", "");
    let msg = t.ingest().unwrap_err().to_string();
    assert!(
        msg.contains("LONELINESS_PSEUDONYM_KEY is set but empty"),
        "{msg}"
    );
    std::env::remove_var("LONELINESS_PSEUDONYM_KEY");
}
