//! The shipped profiles hold the real CBS/RIVM 2020 figures: re-extract them from ../shared/data
//! (when that folder exists next to the repository) and compare.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use loneliness::synth::Profile;

fn data_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    dir.join("rivm-gezondheid-2012-2016-2020/RIVM_gezondheid2020_18plus.csv")
        .exists()
        .then_some(dir)
}

fn read(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = r
        .headers()
        .unwrap()
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    r.records()
        .map(|rec| {
            header
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(|v| v.trim().to_string()))
                .collect()
        })
        .collect()
}

fn num(s: &str) -> Option<f64> {
    (!s.is_empty()).then(|| s.parse().unwrap())
}

fn check(name: &str, gm: &str) {
    let Some(dir) = data_dir() else {
        println!("note: ../shared/data is absent; the {name} profile is not re-checked against the source data");
        return;
    };
    let profile = Profile::builtin(name).unwrap();
    assert_eq!(profile.gemeentecode, gm);
    assert!(profile
        .sources
        .iter()
        .any(|s| s == "CBS/RIVM, Gezondheid per wijk en buurt 2020"));
    assert!(profile
        .sources
        .iter()
        .any(|s| s == "CBS, Kerncijfers wijken en buurten 2020"));
    let rivm = |age: &str| -> BTreeMap<String, BTreeMap<String, String>> {
        read(&dir.join(format!(
            "rivm-gezondheid-2012-2016-2020/RIVM_gezondheid2020_{age}.csv"
        )))
        .into_iter()
        .filter(|r| r["Codering_3"].get(2..6) == Some(&gm[2..6]))
        .map(|r| (r["Codering_3"].clone(), r))
        .collect()
    };
    let (r18, r65) = (rivm("18plus"), rivm("65plus"));
    let g = &r18[gm];
    assert_eq!(
        num(&g["Eenzaam_28"]),
        Some(profile.loneliness.lonely_18plus)
    );
    assert_eq!(
        num(&g["ErnstigZeerErnstigEenzaam_29"]),
        Some(profile.loneliness.severe_18plus)
    );
    assert_eq!(
        num(&r65[gm]["Eenzaam_28"]),
        profile.loneliness.lonely_65plus
    );
    assert_eq!(
        num(&r65[gm]["ErnstigZeerErnstigEenzaam_29"]),
        profile.loneliness.severe_65plus
    );
    let wijken: Vec<&String> = r18
        .iter()
        .filter(|(_, r)| r["SoortRegio_2"] == "Wijk")
        .map(|(c, _)| c)
        .collect();
    assert_eq!(wijken.len(), profile.wijk.len());
    for (code, w) in wijken.iter().zip(&profile.wijk) {
        assert_eq!(*code, &w.code);
        assert_eq!(num(&r18[*code]["Eenzaam_28"]), w.lonely_18plus, "{code}");
        assert_eq!(
            num(&r18[*code]["ErnstigZeerErnstigEenzaam_29"]),
            w.severe_18plus,
            "{code}"
        );
        if w.lonely_18plus.is_some() {
            assert_eq!(
                num(&r65[*code]["Eenzaam_28"]),
                w.lonely_65plus,
                "{code} 65+"
            );
            assert_eq!(
                num(&r65[*code]["ErnstigZeerErnstigEenzaam_29"]),
                w.severe_65plus,
                "{code} 65+"
            );
        }
        let buurten: Vec<&String> = r18
            .iter()
            .filter(|(c, r)| r["SoortRegio_2"] == "Buurt" && c[2..8] == code[2..8])
            .map(|(c, _)| c)
            .collect();
        assert_eq!(
            buurten,
            w.buurten.iter().collect::<Vec<_>>(),
            "{code} buurten"
        );
    }
    let kwb = read(&dir.join("kwb-2020-gemeenten/kwb2020_gemeenten_attributes.csv"));
    let k = kwb.iter().find(|r| r["GM_CODE"] == gm).unwrap();
    let s = &profile.structure;
    for (value, column) in [
        (s.inwoners, "Aantal inwoners"),
        (s.huishoudens, "Aantal huishoudens"),
        (s.age_0_15, "Personen 0 tot 15 jaar (%)"),
        (s.age_15_25, "Personen 15 tot 25 jaar (%)"),
        (s.age_25_45, "Personen 25 tot 45 jaar (%)"),
        (s.age_45_65, "Personen 45 tot 65 jaar (%)"),
        (s.age_65_plus, "Personen 65 jaar en ouder (%)"),
        (s.ongehuwd, "Ongehuwd (%)"),
        (s.gehuwd, "Gehuwd (%)"),
        (s.gescheiden, "Gescheiden (%)"),
        (s.verweduwd, "Verweduwd (%)"),
        (s.eenpersoonshuishoudens, "Eenpersoonshuishoudens (%)"),
        (
            s.huishoudens_zonder_kinderen,
            "Huishoudens zonder kinderen (%)",
        ),
        (s.huishoudens_met_kinderen, "Huishoudens met kinderen (%)"),
        (
            s.westers,
            "Westerse migratieachtergrond (% van aantal inwoners)",
        ),
        (
            s.marokko,
            "Marokkaanse migratieachtergrond (% van aantal inwoners)",
        ),
        (
            s.antillen,
            "Nederlands Antilliaanse en Arubaanse migratieachtergrond (% van aantal inwoners)",
        ),
        (
            s.suriname,
            "Surinaamse migratieachtergrond (% van aantal inwoners)",
        ),
        (
            s.turkije,
            "Turkse migratieachtergrond (% van aantal inwoners)",
        ),
        (
            s.overig_niet_westers,
            "Overige niet-westerse migratieachtergrond (% van aantal inwoners)",
        ),
    ] {
        assert_eq!(num(&k[column]), Some(value), "{name}: {column}");
    }
}

#[test]
fn zoetermeer_profile_equals_the_source_data() {
    check("zoetermeer", "GM0637");
}

#[test]
fn den_haag_profile_equals_the_source_data() {
    check("den-haag", "GM0518");
}
