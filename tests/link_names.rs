//! Name normalisation and the free-text name parser.

use loneliness::link::normalize::{given_names_key, surname_key};
use loneliness::link::person::{parse_full_name, ParsedName};

fn parsed(first: Option<&str>, vv: Option<&str>, surname: Option<&str>) -> ParsedName {
    ParsedName {
        first_names: first.map(String::from),
        voorvoegsel: vv.map(String::from),
        surname: surname.map(String::from),
    }
}

#[test]
fn voorvoegsel_spellings_normalise_to_one_surname() {
    let forms = [
        "van der Berg",
        "Berg, van der",
        "VAN DER BERG",
        "van  der berg",
    ];
    let keys: Vec<_> = forms.iter().map(|f| surname_key(f).unwrap()).collect();
    assert!(
        keys.iter()
            .all(|k| k.core == "berg" && k.merged == "vanderberg"),
        "{keys:?}"
    );
    assert_eq!(surname_key("Vanderberg").unwrap().merged, "vanderberg");
    assert_eq!(surname_key("in 't Veld").unwrap().core, "veld");
    assert_eq!(surname_key("Veld, in 't").unwrap().core, "veld");
    assert_eq!(surname_key("ter Horst").unwrap().core, "horst");
    assert_eq!(
        surname_key("van den Berg-Jansen").unwrap().core,
        "bergjansen"
    );
}

#[test]
fn diacritics_fold_away() {
    assert_eq!(surname_key("Öztürk").unwrap().core, "ozturk");
    assert_eq!(surname_key("Çelik").unwrap().core, "celik");
    assert_eq!(given_names_key("Zoë Aïcha").unwrap().full, "zoe aicha");
    assert_eq!(given_names_key("René").unwrap().full, "rene");
}

#[test]
fn arabic_particles_are_part_of_the_surname() {
    assert_eq!(surname_key("El Idrissi").unwrap().core, "elidrissi");
    assert_eq!(surname_key("Ben Ali").unwrap().core, "benali");
}

#[test]
fn initials_in_every_spelling() {
    for raw in ["J.A.", "J. A.", "J A", "j.a"] {
        let k = given_names_key(raw).unwrap();
        assert!(k.initials_only, "{raw}");
        assert_eq!(k.initials, "ja", "{raw}");
    }
    let full = given_names_key("Johannes Adrianus").unwrap();
    assert!(!full.initials_only);
    assert_eq!(full.initials, "ja");
    assert_eq!(full.first, "johannes");
}

#[test]
fn full_names_split_into_parts() {
    let cases = [
        (
            "J.A. de Vries",
            parsed(Some("J.A."), Some("de"), Some("Vries")),
        ),
        ("Fatma Yilmaz", parsed(Some("Fatma"), None, Some("Yilmaz"))),
        (
            "M. El Idrissi",
            parsed(Some("M."), None, Some("El Idrissi")),
        ),
        (
            "Mohamed El Amrani",
            parsed(Some("Mohamed"), None, Some("El Amrani")),
        ),
        (
            "Anna van den Berg-Jansen",
            parsed(Some("Anna"), Some("van den"), Some("Berg-Jansen")),
        ),
        (
            "Anna Maria Jansen",
            parsed(Some("Anna Maria"), None, Some("Jansen")),
        ),
        (
            "P. in 't Veld",
            parsed(Some("P."), Some("in 't"), Some("Veld")),
        ),
        (
            "Kees Van der Meer",
            parsed(Some("Kees"), Some("van der"), Some("Meer")),
        ),
        ("de Vries", parsed(None, Some("de"), Some("Vries"))),
        (
            "Vries, J.A. de",
            parsed(Some("J.A."), Some("de"), Some("Vries")),
        ),
        ("Yilmaz", parsed(None, None, Some("Yilmaz"))),
        (
            "Mevr. A. de Vries",
            parsed(Some("A."), Some("de"), Some("Vries")),
        ),
        ("Dhr. Jan Bakker", parsed(Some("Jan"), None, Some("Bakker"))),
        (
            "J.A.de Vries",
            parsed(Some("J.A."), Some("de"), Some("Vries")),
        ),
        ("P.Jansen", parsed(Some("P."), None, Some("Jansen"))),
        ("  ", parsed(None, None, None)),
    ];
    for (raw, want) in cases {
        assert_eq!(parse_full_name(raw), want, "{raw}");
    }
}
