//! A minimal valid study folder in a temporary directory; each test replaces one file with a case
//! from `tests/corpus/` (or an inline variant) and asserts the exact outcome. Synthetic people
//! only: invented names, BSNs made with `Bsn::from_prefix`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use loneliness::contract::pseudonym::KeySource;
use loneliness::contract::{Bsn, PseudonymKey};
use loneliness::sources::{ingest, Ingested, QuarantinedRow, StudyConfig};
use loneliness::Result;

/// The key of every test study (exact bytes of `pseudonym.key`).
pub const KEY: &[u8] = b"test-sleutel-niet-geheim";

/// The i-th valid synthetic BSN: the same sequence as the BSNs written in `tests/corpus/`
/// (prefixes from 10000001 upward, skipping prefixes without a valid check digit).
pub fn bsn(i: usize) -> String {
    (10_000_001..)
        .filter_map(Bsn::from_prefix)
        .nth(i)
        .expect("enough BSNs")
        .expose()
}

pub fn pseudo_id(bsn: &str) -> String {
    PseudonymKey::from_bytes(KEY.to_vec())
        .unwrap()
        .pseudonymise(&Bsn::parse(bsn).unwrap())
}

pub const BRP_HEADER: &str = "bsn,geslachtsnaam,voorvoegsel,voornamen,geboortedatum,geslacht,\
postcode,huisnummer,huisnummertoevoeging,buurtcode,burgerlijke_staat,datum_burgerlijke_staat,\
huishouden_id,aantal_personen_huishouden,datum_vestiging,herkomst";

const BRP_COLUMNS: [&str; 16] = [
    "bsn",
    "geslachtsnaam",
    "voorvoegsel",
    "voornamen",
    "geboortedatum",
    "geslacht",
    "postcode",
    "huisnummer",
    "huisnummertoevoeging",
    "buurtcode",
    "burgerlijke_staat",
    "datum_burgerlijke_staat",
    "huishouden_id",
    "aantal_personen_huishouden",
    "datum_vestiging",
    "herkomst",
];

/// A valid BRP row for synthetic resident `i`, with some columns replaced.
pub fn brp_row(i: usize, overrides: &[(&str, &str)]) -> String {
    let surnames = [
        "Testdorp",
        "Bakkersma",
        "Oudewater",
        "Veldkamp",
        "Zandvoorde",
    ];
    let given = ["Anna", "Bram", "Cor", "Dirk", "Eva"];
    let defaults = [
        bsn(i),
        surnames[i % 5].to_string(),
        if i.is_multiple_of(2) {
            "van".into()
        } else {
            String::new()
        },
        given[i % 5].to_string(),
        format!("19{}-05-17", 40 + i % 50),
        if i.is_multiple_of(2) {
            "V".into()
        } else {
            "M".into()
        },
        "2711AB".into(),
        (i + 1).to_string(),
        String::new(),
        "BU06370001".into(),
        "gehuwd".into(),
        "1985-06-01".into(),
        format!("H{i}"),
        "2".into(),
        "2023-03-01".into(),
        "nederland".into(),
    ];
    BRP_COLUMNS
        .iter()
        .zip(defaults)
        .map(|(col, default)| {
            overrides
                .iter()
                .find(|(c, _)| c == col)
                .map_or(default, |(_, v)| v.to_string())
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// A BRP file: the header plus the given rows.
pub fn brp(rows: &[String]) -> String {
    let mut s = String::from(BRP_HEADER);
    s.push('\n');
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s
}

pub struct TestStudy {
    pub dir: tempfile::TempDir,
}

impl TestStudy {
    /// Five residents in two wijken, and one or more rows in every optional file.
    pub fn valid() -> TestStudy {
        let t = TestStudy {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::write(t.path().join("pseudonym.key"), KEY).unwrap();
        t.write(
            "gebieden.csv",
            "buurtcode,buurtnaam,wijkcode,wijknaam\n\
             BU06370001,Buurt 01,WK063700,Wijk 00\n\
             BU06370002,Buurt 02,WK063700,Wijk 00\n\
             BU06370101,Buurt 11,WK063701,Wijk 01\n",
        );
        t.write(
            "brp.csv",
            &brp(&(0..5).map(|i| brp_row(i, &[])).collect::<Vec<_>>()),
        );
        t.write(
            "gezondheidsmonitor.csv",
            &format!(
                "pseudo_id,weegfactor,djg01,djg02,djg03,djg04,djg05,djg06,djg07,djg08,djg09,\
                 djg10,djg11,ervaren_gezondheid,beperking_bewegen,mantelzorger,\
                 vrijwilligerswerk,moeite_rondkomen\n\
                 {},1.25,ja,nee,nee,ja,nee,nee,ja,ja,nee,nee,ja,2,nee,ja,nee,nee\n\
                 {},0.75,3,1,2,3,1,1,3,2,1,,3,4,1,0,0,1\n",
                pseudo_id(&bsn(0)),
                pseudo_id(&bsn(1))
            ),
        );
        t.write(
            "inkomen.csv",
            &format!(
                "bsn,huishoudinkomen_percentiel,inkomensbron,minimaregeling\n\
                 {},45,loon,nee\n{},8,bijstand,ja\n",
                bsn(0),
                bsn(1)
            ),
        );
        t.write(
            "wmo.csv",
            &format!(
                "bsn,voorziening,startdatum,einddatum\n\
                 {},huishoudelijke_hulp,2021-02-01,\n{},vervoer,2019-01-01,2022-12-31\n",
                bsn(2),
                bsn(2)
            ),
        );
        t.write(
            "opvoedondersteuning.csv",
            &format!("bsn,startdatum,einddatum\n{},2022-09-01,\n", bsn(3)),
        );
        t.write(
            "schuldhulp.csv",
            "geslachtsnaam,voornamen,geboortedatum,postcode,huisnummer,aanmelddatum,status\n\
             van Testdorp,A.,1940-05-17,2711AB,1,2023-03-01,traject\n\
             Onbekendveld,Piet,,,,2023-04-01,aanmelding\n",
        );
        t.write(
            "huisbezoeken.csv",
            "naam,geboortedatum,postcode,huisnummer,bezoekdatum,signaal_eenzaamheid,mantelzorger\n\
             C. Oudewater,1942-05-17,2711AB,3,2023-05-10,ja,nee\n",
        );
        t.write(
            "veiligheid.csv",
            "buurtcode,veiligheidsindex,overlast\n\
             BU06370001,7.4,2.1\nBU06370002,6.0,3.5\nBU06370101,8.1,1.0\n",
        );
        t.write(
            "sociale_kaart.csv",
            "aanbod_id,naam,organisatie,omschrijving,elementen,doelgroepen,leeftijd_min,\
             leeftijd_max,talen,kosten,rolstoeltoegankelijk,vervoer,vorm,gebied,\
             capaciteit_per_week,status\n\
             A1,Koffie-ochtend,Welzijn Test,Samen koffie,ontmoeten;bezigheden,ouderen,65,,nl,\
             gratis,ja,nee,groep,WK063700,20,actief\n\
             A2,Maatjes,Welzijn Test,Een maatje,betekenisvol_contact,iedereen,18,,nl;tr,laag,\
             nee,nee,individueel,gemeente,5,actief\n",
        );
        t
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.path().join(name)
    }

    pub fn write(&self, name: &str, contents: &str) {
        self.write_bytes(name, contents.as_bytes());
    }

    pub fn write_bytes(&self, name: &str, contents: &[u8]) {
        std::fs::write(self.file(name), contents).unwrap();
    }

    /// Replaces `name` with `tests/corpus/<case>`.
    pub fn use_corpus(&self, name: &str, case: &str) {
        self.write_bytes(name, &corpus(case));
    }

    pub fn remove(&self, name: &str) {
        std::fs::remove_file(self.file(name)).unwrap();
    }

    pub fn ingest(&self) -> Result<Ingested> {
        let config = StudyConfig::load(self.path())?;
        ingest(self.path(), &config, &KeySource::from_env())
    }
}

pub fn corpus_path(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(case)
}

pub fn corpus(case: &str) -> Vec<u8> {
    std::fs::read(corpus_path(case)).unwrap_or_else(|e| panic!("corpus {case}: {e}"))
}

/// (row, line, column, reason) of each quarantined row: the parts a test asserts exactly.
pub fn outcome(rows: &[QuarantinedRow]) -> Vec<(u32, u64, String, &'static str)> {
    rows.iter()
        .map(|q| (q.row, q.line, q.column.clone(), q.reason.code()))
        .collect()
}
