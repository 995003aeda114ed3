//! Promises of the synthetic municipality generator, checked on its output files (independently
//! of its internals where that matters: the fit rule, the eleven-test, the DJG scoring).

use std::collections::{BTreeMap, HashMap, HashSet};

use loneliness::contract::vocab::DjgAnswer;
use loneliness::contract::{Bsn, PseudonymKey};
use loneliness::synth::{generate, NoiseRates, Profile, SynthParams, SyntheticStudy};

fn study(profile: &str, residents: usize, seed: u64) -> SyntheticStudy {
    let params = SynthParams {
        residents,
        seed,
        year: 2024,
        profile: Profile::builtin(profile).unwrap(),
        noise: NoiseRates::default(),
        base_year: None,
    }
    .check()
    .unwrap();
    generate(&params).unwrap()
}

/// Rows of a UTF-8 CSV as header-keyed maps.
fn table(bytes: &[u8], delimiter: u8) -> Vec<HashMap<String, String>> {
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF][..]).unwrap_or(bytes);
    let mut r = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(bytes);
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(str::to_string))
                .collect()
        })
        .collect()
}

fn f(s: &str) -> f64 {
    s.parse().unwrap()
}

fn check_prevalence(profile: &str) {
    let s = study(profile, 100_000, 7);
    let wijken = table(&s.truth_files["wijken.csv"], b',');
    assert_eq!(wijken.len(), Profile::builtin(profile).unwrap().wijk.len());
    let lon = Profile::builtin(profile).unwrap().loneliness;
    for w in &wijken {
        let (rivm, rivm_sev) = if w["rivm_lonely_pct"].is_empty() {
            (lon.lonely_18plus, lon.severe_18plus)
        } else {
            (f(&w["rivm_lonely_pct"]), f(&w["rivm_severe_pct"]))
        };
        let (t, ts) = (f(&w["true_lonely_pct"]), f(&w["true_severe_pct"]));
        assert!(
            (t - rivm).abs() < 0.5,
            "{profile} {}: true {t} vs RIVM {rivm}",
            w["wijkcode"]
        );
        assert!(
            (ts - rivm_sev).abs() < 0.5,
            "{profile} {}: severe {ts} vs RIVM {rivm_sev}",
            w["wijkcode"]
        );
        if !w["rivm_lonely_65plus_pct"].is_empty() {
            let t65 = f(&w["true_lonely_65plus_pct"]);
            assert!(
                (t65 - f(&w["rivm_lonely_65plus_pct"])).abs() < 1.5,
                "{profile} {} 65+: {t65}",
                w["wijkcode"]
            );
        }
        // The drawn outcomes scatter around the truth with binomial noise only.
        let n = f(&w["residents"]);
        let sd = (t / 100.0 * (1.0 - t / 100.0) / n).sqrt() * 100.0;
        assert!(
            (f(&w["realised_lonely_pct"]) - t).abs() < 5.0 * sd + 0.1,
            "{}",
            w["wijkcode"]
        );
    }
    // The truth per resident agrees with the per-wijk truth.
    let residents = table(&s.truth_files["residents.csv"], b',');
    assert_eq!(residents.len(), 100_000);
    let mut sums: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for r in &residents {
        let e = sums.entry(r["wijkcode"].clone()).or_default();
        e.0 += f(&r["p_lonely"]);
        e.1 += 1.0;
        let (p, ps) = (f(&r["p_lonely"]), f(&r["p_severe"]));
        assert!(ps <= p && (0.0..=1.0).contains(&p));
        assert!(
            r["severe"] == "0" || r["lonely"] == "1",
            "severe implies lonely"
        );
    }
    for w in &wijken {
        let (sum, n) = sums[&w["wijkcode"]];
        assert!((100.0 * sum / n - f(&w["true_lonely_pct"])).abs() < 0.01);
    }
}

#[test]
fn true_prevalence_per_wijk_matches_rivm_zoetermeer() {
    check_prevalence("zoetermeer");
}

#[test]
fn true_prevalence_per_wijk_matches_rivm_den_haag() {
    check_prevalence("den-haag");
}

#[test]
fn survey_answers_score_into_the_true_class() {
    let s = study("zoetermeer", 30_000, 11);
    let survey = table(&s.study_files["gezondheidsmonitor.csv"], b',');
    let truth: HashMap<String, HashMap<String, String>> = table(&s.truth_files["survey.csv"], b',')
        .into_iter()
        .map(|r| (r["pseudo_id"].clone(), r))
        .collect();
    assert_eq!(survey.len(), truth.len());
    let n_brp = truth.values().filter(|t| t["in_brp"] == "1").count();
    assert!(
        (1200..=1800).contains(&n_brp),
        "about 5% of 30,000: {n_brp}"
    );
    assert!(truth.values().any(|t| t["in_brp"] == "0"));
    let (mut missing, mut answers, mut weight_sum) = (0, 0, 0.0);
    for row in &survey {
        let t = &truth[&row["pseudo_id"]];
        let mut score = 0;
        let mut row_missing = 0;
        for item in 1..=11 {
            let raw = &row[&format!("djg{item:02}")];
            answers += 1;
            if raw.is_empty() {
                row_missing += 1;
                continue;
            }
            let a = DjgAnswer::parse_any(raw).unwrap();
            // Independent scoring: emotional items 2,3,5,6,9,10 score on ja/min_of_meer,
            // social items 1,4,7,8,11 on nee/min_of_meer.
            let negative = [2, 3, 5, 6, 9, 10].contains(&item);
            score += match (negative, a) {
                (_, DjgAnswer::MinOfMeer) => 1,
                (true, DjgAnswer::Ja) | (false, DjgAnswer::Nee) => 1,
                _ => 0,
            };
        }
        missing += row_missing;
        assert!(row_missing <= 2);
        let (lonely, severe) = (t["lonely"] == "1", t["severe"] == "1");
        for s in [score, score + row_missing] {
            assert_eq!(s >= 3, lonely, "score {s} vs lonely {lonely}");
            assert_eq!(s >= 9, severe, "score {s} vs severe {severe}");
        }
        let truth_score: u32 = t["djg_score"].parse().unwrap();
        assert_eq!(truth_score >= 3, lonely);
        if t["in_brp"] == "1" {
            weight_sum += f(&row["weegfactor"]);
        }
    }
    let rate = missing as f64 / answers as f64;
    assert!(rate > 0.005 && rate < 0.03, "missing answers {rate}");
    assert!(
        (weight_sum / n_brp as f64 - 1.0).abs() < 1e-3,
        "weights are normalised to mean 1"
    );
}

#[test]
fn brp_bsns_are_valid_except_the_planted_quarantine_rows() {
    let s = study("zoetermeer", 20_000, 5);
    let brp = table(&s.study_files["brp.csv"], b',');
    let quarantine: HashMap<usize, String> = table(&s.truth_files["quarantine.csv"], b',')
        .into_iter()
        .map(|r| (r["row"].parse().unwrap(), r["reason"].clone()))
        .collect();
    let mut seen_rows: HashSet<Vec<(String, String)>> = HashSet::new();
    let mut bsns = HashSet::new();
    let (mut invalid, mut dups) = (0, 0);
    for (k, row) in brp.iter().enumerate() {
        let row_no = k + 1;
        let mut key: Vec<(String, String)> =
            row.iter().map(|(a, b)| (a.clone(), b.clone())).collect();
        key.sort();
        let valid = Bsn::parse(&row["bsn"]).is_ok();
        let duplicate = !seen_rows.insert(key);
        match quarantine.get(&row_no).map(String::as_str) {
            Some("invalid_bsn") => {
                assert!(!valid, "row {row_no}");
                invalid += 1;
            }
            Some("duplicate_row") => {
                assert!(duplicate && valid, "row {row_no} repeats an earlier row");
                dups += 1;
            }
            Some(other) => panic!("unexpected reason {other}"),
            None => {
                assert!(valid && !duplicate, "row {row_no} should be clean");
                assert!(bsns.insert(row["bsn"].clone()), "BSNs are unique");
            }
        }
    }
    assert_eq!(bsns.len(), 20_000);
    assert_eq!((invalid, dups), (20, 20));
}

#[test]
fn files_come_in_the_promised_dialects() {
    let s = study("zoetermeer", 20_000, 3);
    assert!(s.study_files["brp.csv"].starts_with(&[0xEF, 0xBB, 0xBF]));
    let hb = &s.study_files["huisbezoeken.csv"];
    assert!(
        std::str::from_utf8(hb).is_err(),
        "Windows-1252 with diacritics is not UTF-8"
    );
    let (text, _, bad) = encoding_rs::WINDOWS_1252.decode(hb);
    assert!(!bad);
    assert!(text.chars().any(|c| "éëçöüïèÉ".contains(c)));
    let first = text.lines().nth(1).unwrap();
    let date = first.split(',').nth(1).unwrap();
    assert!(
        date.len() == 10 && &date[2..3] == "-" && &date[5..6] == "-",
        "DD-MM-YYYY: {date}"
    );
    let veiligheid = std::str::from_utf8(&s.study_files["veiligheid.csv"]).unwrap();
    assert!(veiligheid.starts_with("buurtcode;veiligheidsindex;overlast"));
    let row = veiligheid.lines().nth(1).unwrap();
    assert!(
        row.split(';').nth(1).unwrap().contains(','),
        "decimal comma: {row}"
    );
    let key = &s.study_files["pseudonym.key"];
    assert_eq!(key.len(), 64);
    for name in [
        "gebieden.csv",
        "inkomen.csv",
        "wmo.csv",
        "gezondheidsmonitor.csv",
        "sociale_kaart.csv",
        "schuldhulp.csv",
    ] {
        let bytes = &s.study_files[name];
        assert!(
            std::str::from_utf8(bytes).is_ok() && !bytes.starts_with(&[0xEF]),
            "{name}"
        );
    }
    // Every contract column is present in every file.
    for spec in loneliness::contract::files::SOURCES {
        let bytes = &s.study_files[spec.file_name];
        let (text, _, _) = if spec.file_name == "huisbezoeken.csv" {
            encoding_rs::WINDOWS_1252.decode(bytes)
        } else {
            encoding_rs::UTF_8.decode(bytes)
        };
        let header = text.lines().next().unwrap().trim_start_matches('\u{feff}');
        let cols: Vec<&str> = header.split([',', ';']).collect();
        for c in spec.required_columns.iter().chain(spec.optional_columns) {
            assert!(cols.contains(c), "{} lacks {c}", spec.file_name);
        }
    }
}

#[test]
fn persona_shares_per_wijk_are_near_their_targets() {
    let s = study("den-haag", 60_000, 2);
    let doc: serde_json::Value = serde_json::from_slice(&s.truth_files["personas.json"]).unwrap();
    let personas = doc["personas"].as_array().unwrap();
    assert_eq!(personas.len(), 8);
    let mut differ = false;
    for p in personas {
        let mut shares = Vec::new();
        for (code, w) in p["wijken"].as_object().unwrap() {
            let (share, target) = (
                w["share"].as_f64().unwrap(),
                w["target_share"].as_f64().unwrap(),
            );
            assert!(
                (share - target).abs() < 0.01,
                "persona {} in {code}: {share} vs {target}",
                p["id"]
            );
            shares.push(target);
        }
        let (lo, hi) = shares
            .iter()
            .fold((1.0f64, 0.0f64), |(a, b), &x| (a.min(x), b.max(x)));
        differ |= hi > 1.5 * lo;
    }
    assert!(differ, "persona shares differ between wijken");
}

/// The fit rule, written again from the truth's description (not the generator's code).
fn fits(
    offer: &HashMap<String, String>,
    need: &serde_json::Value,
    wijk: &str,
    buurt_wijk: &HashMap<String, String>,
) -> Vec<&'static str> {
    let list = |k: &str| -> Vec<String> {
        offer[k]
            .split(';')
            .filter(|x| !x.is_empty())
            .map(str::to_string)
            .collect()
    };
    let strs = |k: &str| -> Vec<String> {
        need[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    let mut fail = Vec::new();
    if offer["status"] != "actief" {
        fail.push("status");
    }
    let area = list("gebied");
    if !(area == ["gemeente"]
        || area
            .iter()
            .any(|a| a == wijk || buurt_wijk.get(a).is_some_and(|w| w == wijk)))
    {
        fail.push("gebied");
    }
    let (lo, hi): (u64, u64) = (
        offer["leeftijd_min"].parse().unwrap(),
        offer["leeftijd_max"].parse().unwrap(),
    );
    if lo > need["age_max"].as_u64().unwrap() || hi < need["age_min"].as_u64().unwrap() {
        fail.push("leeftijd");
    }
    if !list("doelgroepen")
        .iter()
        .any(|d| strs("doelgroepen").contains(d))
    {
        fail.push("doelgroep");
    }
    if !list("talen").iter().any(|t| strs("languages").contains(t)) {
        fail.push("taal");
    }
    if !strs("costs").contains(&offer["kosten"]) {
        fail.push("kosten");
    }
    if need["mobility"].as_bool().unwrap()
        && !(offer["rolstoeltoegankelijk"] == "ja"
            || offer["vervoer"] == "ja"
            || offer["vorm"] == "huisbezoek")
    {
        fail.push("toegankelijkheid");
    }
    if !list("elementen")
        .iter()
        .any(|e| strs("elements").contains(e))
    {
        fail.push("elementen");
    }
    fail
}

#[test]
fn planted_gaps_are_unserved_and_covered_pairs_served() {
    for (profile, n) in [("zoetermeer", 20_000), ("den-haag", 50_000)] {
        let s = study(profile, n, 4);
        let offers = table(&s.study_files["sociale_kaart.csv"], b',');
        let active = offers.iter().filter(|o| o["status"] == "actief").count();
        assert!(
            (n / 400 - n / 2000..=n / 400 + n / 1000 + 60).contains(&active),
            "{profile}: {active} active offers"
        );
        assert!(offers.iter().any(|o| o["status"] == "inactief"));
        let buurt_wijk: HashMap<String, String> = table(&s.study_files["gebieden.csv"], b',')
            .into_iter()
            .map(|r| (r["buurtcode"].clone(), r["wijkcode"].clone()))
            .collect();
        let doc: serde_json::Value =
            serde_json::from_slice(&s.truth_files["personas.json"]).unwrap();
        let needs: HashMap<String, serde_json::Value> = doc["personas"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["id"].to_string(), p["needs"].clone()))
            .collect();
        let by_id: HashMap<&str, &HashMap<String, String>> = offers
            .iter()
            .map(|o| (o["aanbod_id"].as_str(), o))
            .collect();
        let gaps = table(&s.truth_files["gaps.csv"], b',');
        let planted: Vec<_> = gaps.iter().filter(|g| g["planted"] == "gap").collect();
        assert!(
            (3..=6).contains(&planted.len()),
            "{profile}: {} gaps",
            planted.len()
        );
        let mut near_misses = 0;
        for g in &gaps {
            let need = &needs[&g["persona"]];
            let fitting = offers
                .iter()
                .filter(|o| fits(o, need, &g["wijkcode"], &buurt_wijk).is_empty())
                .count();
            if g["planted"] == "gap" {
                assert_eq!(
                    fitting, 0,
                    "{profile} {} persona {} is a planted gap",
                    g["wijkcode"], g["persona"]
                );
                for nm in g["near_misses"].split(';').filter(|x| !x.is_empty()) {
                    let (id, criterion) = nm.split_once(':').unwrap();
                    assert_eq!(
                        fits(by_id[id], need, &g["wijkcode"], &buurt_wijk),
                        vec![criterion],
                        "{nm}"
                    );
                    near_misses += 1;
                }
            } else {
                assert!(
                    fitting > 0,
                    "{profile} {} persona {} is covered",
                    g["wijkcode"],
                    g["persona"]
                );
                for id in g["designed_offers"].split(';').filter(|x| !x.is_empty()) {
                    assert!(fits(by_id[id], need, &g["wijkcode"], &buurt_wijk).is_empty());
                }
            }
        }
        assert!(near_misses >= 1, "{profile}: some gaps have a near miss");
    }
}

#[test]
fn same_arguments_give_identical_bytes() {
    let a = study("zoetermeer", 5_000, 99);
    let b = study("zoetermeer", 5_000, 99);
    assert_eq!(
        a.study_files.keys().collect::<Vec<_>>(),
        b.study_files.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &a.study_files {
        assert!(bytes == &b.study_files[name], "{name} differs between runs");
    }
    for (name, bytes) in &a.truth_files {
        assert!(
            bytes == &b.truth_files[name],
            "truth {name} differs between runs"
        );
    }
    let c = study("zoetermeer", 5_000, 100);
    assert_ne!(a.study_files["brp.csv"], c.study_files["brp.csv"]);
    assert_ne!(
        a.study_files["pseudonym.key"],
        c.study_files["pseudonym.key"]
    );
}

#[test]
fn truth_links_point_at_real_residents() {
    let s = study("zoetermeer", 20_000, 8);
    let key = PseudonymKey::from_bytes(s.study_files["pseudonym.key"].clone()).unwrap();
    let brp = table(&s.study_files["brp.csv"], b',');
    let by_pid: HashMap<String, &HashMap<String, String>> = brp
        .iter()
        .filter_map(|r| {
            Bsn::parse(&r["bsn"])
                .ok()
                .map(|b| (key.pseudonymise(&b), r))
        })
        .collect();
    let residents: HashSet<String> = table(&s.truth_files["residents.csv"], b',')
        .into_iter()
        .map(|r| r["pseudo_id"].clone())
        .collect();
    assert_eq!(by_pid.len(), residents.len());
    assert!(by_pid.keys().all(|p| residents.contains(p)));
    let links = table(&s.truth_files["links.csv"], b',');
    let schuld = table(&s.study_files["schuldhulp.csv"], b',');
    let (hb_text, _, _) = encoding_rs::WINDOWS_1252.decode(&s.study_files["huisbezoeken.csv"]);
    let visits = table(hb_text.as_bytes(), b',');
    assert_eq!(links.len(), schuld.len() + visits.len());
    for r in schuld.iter().chain(&visits) {
        assert!(
            r["huisnummer"].is_empty() || r["huisnummer"].parse::<u32>().is_ok(),
            "numeric huisnummer"
        );
    }
    let (mut clean, mut outsiders) = (0, 0);
    for l in &links {
        let row: usize = l["row"].parse().unwrap();
        let noise: Vec<&str> = l["noise"].split(';').filter(|x| !x.is_empty()).collect();
        if l["pseudo_id"].is_empty() {
            assert_eq!(noise.first(), Some(&"non_resident"));
            outsiders += 1;
            continue;
        }
        let person = by_pid[&l["pseudo_id"]];
        let full_surname = if person["voorvoegsel"].is_empty() {
            person["geslachtsnaam"].clone()
        } else {
            format!("{} {}", person["voorvoegsel"], person["geslachtsnaam"])
        };
        if noise.is_empty() {
            clean += 1;
            if l["source"] == "schuldhulp" {
                let r = &schuld[row - 1];
                assert_eq!(r["geslachtsnaam"], full_surname);
                assert_eq!(r["voornamen"], person["voornamen"]);
                assert_eq!(r["geboortedatum"], person["geboortedatum"]);
                assert_eq!(r["postcode"], person["postcode"]);
                assert_eq!(r["huisnummer"], person["huisnummer"]);
                assert_eq!(r["huisnummertoevoeging"], person["huisnummertoevoeging"]);
            } else {
                let r = &visits[row - 1];
                assert!(
                    r["naam"].ends_with(&full_surname),
                    "{} vs {full_surname}",
                    r["naam"]
                );
                let b = &person["geboortedatum"];
                assert_eq!(
                    r["geboortedatum"],
                    format!("{}-{}-{}", &b[8..10], &b[5..7], &b[0..4])
                );
                assert_eq!(r["postcode"], person["postcode"]);
            }
        }
    }
    assert!(clean as f64 > 0.6 * links.len() as f64);
    let share = outsiders as f64 / links.len() as f64;
    assert!((0.015..0.05).contains(&share), "non-residents {share}");
}
