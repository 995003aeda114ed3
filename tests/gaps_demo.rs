//! The gap check on the demo study against its planted truth: planted gaps are found for the
//! persona that matches the planted one, planted covered pairs are never gaps, and a proposed
//! offer built from a planted persona's needs closes its gap. The truth's p_lonely stands in for
//! the risk model's predictions.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::OnceLock;

use loneliness::contract::pseudonym::KeySource;
use loneliness::contract::vocab::{AanbodStatus, Doelgroep, Element, Kosten, Vorm};
use loneliness::offer::{self, GapInput, GapReport, NeedRules, PersonaRef, Status};
use loneliness::personas::{self, PersonaParams};
use loneliness::residents::Frame;
use loneliness::sources::{Area, Offer, Study, StudyConfig};

struct Demo {
    study: Study,
    config: StudyConfig,
    frame: Frame,
    personas: Vec<PersonaRef>,
    labels: Vec<u32>,
    p_lonely: Vec<f64>,
    /// Found persona id -> planted persona id (majority of its residents).
    planted_of: BTreeMap<u32, u32>,
    /// Found persona id -> (majority planted persona, its share of the found persona's residents).
    purity: BTreeMap<u32, (u32, f64)>,
    /// Found persona id -> share of its majority planted persona's residents that it holds.
    recall: BTreeMap<u32, f64>,
    rules: NeedRules,
}

fn demo() -> &'static Demo {
    static DEMO: OnceLock<Demo> = OnceLock::new();
    DEMO.get_or_init(|| {
        let dir = Path::new("datasets/demo");
        let config = StudyConfig::load(dir).unwrap();
        let prepared =
            loneliness::pipeline::prepare(dir, &config, &KeySource::from_env(), 7, |_| {}).unwrap();
        let (study, frame) = (prepared.ingested.study, prepared.frame);
        let table = &frame.table;
        let params = PersonaParams {
            suppression_threshold: config.suppression_threshold,
            ..PersonaParams::default()
        }
        .check(table.rows())
        .unwrap();
        let run = personas::run(&frame, &params, None, |_| {}).unwrap();
        let labels = run.resident_ids();
        let truth = truth_residents();
        let p_lonely: Vec<f64> = table
            .pseudo_ids
            .iter()
            .map(|id| truth[id.as_str()].1)
            .collect();
        let mut overlap: BTreeMap<u32, BTreeMap<u32, usize>> = BTreeMap::new();
        for (id, &found) in table.pseudo_ids.iter().zip(&labels) {
            *overlap
                .entry(found)
                .or_default()
                .entry(truth[id.as_str()].0)
                .or_default() += 1;
        }
        println!("found persona -> residents per planted persona: {overlap:?}");
        let purity: BTreeMap<u32, (u32, f64)> = overlap
            .iter()
            .map(|(&f, m)| {
                let best = m
                    .iter()
                    .max_by_key(|(&p, &n)| (n, std::cmp::Reverse(p)))
                    .unwrap();
                let total: usize = m.values().sum();
                (f, (*best.0, *best.1 as f64 / total as f64))
            })
            .collect();
        let mut planted_total: BTreeMap<u32, usize> = BTreeMap::new();
        for m in overlap.values() {
            for (&p, &n) in m {
                *planted_total.entry(p).or_default() += n;
            }
        }
        let recall = purity
            .iter()
            .map(|(&f, &(p, _))| (f, overlap[&f][&p] as f64 / planted_total[&p] as f64))
            .collect();
        let planted_of = purity.iter().map(|(&f, &(p, _))| (f, p)).collect();
        Demo {
            personas: offer::personas_of(&run),
            study,
            config,
            frame,
            labels,
            p_lonely,
            planted_of,
            purity,
            recall,
            rules: NeedRules::defaults().unwrap(),
        }
    })
}

/// pseudo_id -> (planted persona, p_lonely).
fn truth_residents() -> HashMap<String, (u32, f64)> {
    let mut r = csv::Reader::from_path("datasets/demo-truth/residents.csv").unwrap();
    let h = r.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|c| c == n).unwrap();
    let (id, persona, p) = (col("pseudo_id"), col("persona"), col("p_lonely"));
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (
                rec[id].to_string(),
                (rec[persona].parse().unwrap(), rec[p].parse().unwrap()),
            )
        })
        .collect()
}

/// (wijkcode, planted persona, planted status) from the truth's gaps.csv.
fn planted_cells() -> Vec<(String, u32, String)> {
    let mut r = csv::Reader::from_path("datasets/demo-truth/gaps.csv").unwrap();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (
                rec[0].to_string(),
                rec[1].parse().unwrap(),
                rec[2].to_string(),
            )
        })
        .collect()
}

fn check_with(d: &Demo, offers: &[Offer]) -> GapReport {
    offer::check(&GapInput {
        frame: &d.frame,
        offers,
        personas: &d.personas,
        persona_of_row: &d.labels,
        lonely_probability: &d.p_lonely,
        rules: &d.rules,
        suppression_threshold: d.config.suppression_threshold,
    })
    .unwrap()
}

fn describe(d: &Demo, report: &GapReport) -> String {
    let mut s = String::new();
    for n in &report.needs {
        s += &format!(
            "found {} (planted {:?}) {}: ages {}-{}, elements {:?}, doelgroepen {:?}, talen {:?}, costs {:?}, mobility {}\n",
            n.persona,
            d.planted_of.get(&n.persona),
            n.persona_name,
            n.age_min,
            n.age_max,
            n.elements,
            n.doelgroepen,
            n.languages,
            n.costs,
            n.mobility
        );
        s += &format!(
            "    traits {:?}\n",
            n.traits
                .iter()
                .map(|t| format!("{} {:.2}", t.name, t.share))
                .collect::<Vec<_>>()
        );
    }
    for c in report.cells.iter().filter(|c| c.status != Status::Covered) {
        s += &format!(
            "  {} {} {} {} residents {} lonely {:.1} near misses {:?}\n",
            c.wijkcode,
            c.persona,
            c.status,
            c.status_rule,
            c.residents,
            c.predicted_lonely,
            c.near_misses
                .iter()
                .map(|m| format!("{}:{}", m.aanbod_id, m.criterion))
                .collect::<Vec<_>>()
        );
    }
    s
}

/// A found persona stands for planted persona P when P is its largest group and either at least
/// this share of its residents are P, or it holds at least [`RECALLED`] of P's residents. A persona
/// that mixes two planted ones evenly has the needs of neither and cannot be held to P's gaps; one
/// that gathers nearly all of P plus a few similar residents (older migrants of other ages) can.
const PURE: f64 = 2.0 / 3.0;
const RECALLED: f64 = 0.8;

fn stands_for(d: &Demo, found: u32, planted: u32) -> bool {
    let (p, share) = d.purity[&found];
    p == planted && (share >= PURE || d.recall[&found] >= RECALLED)
}

/// Planted gap cells and the found personas that stand for the planted one (empty: not learned).
fn planted_gap_matches(d: &Demo) -> Vec<(String, u32, Vec<u32>)> {
    planted_cells()
        .into_iter()
        .filter(|(_, _, status)| status == "gap")
        .map(|(wijk, planted, _)| {
            let found = d
                .purity
                .keys()
                .copied()
                .filter(|&f| stands_for(d, f, planted))
                .collect();
            (wijk, planted, found)
        })
        .collect()
}

#[test]
fn planted_gaps_are_found_and_covered_pairs_are_not_gaps() {
    let d = demo();
    let report = check_with(d, &d.study.sociale_kaart.records);
    let diagnostics = describe(d, &report);
    println!("{diagnostics}");
    let mut wrong = Vec::new();
    // No planted covered pair is a gap for any found persona whose majority is that planted one.
    for (wijk, planted, status) in planted_cells() {
        if status != "covered" {
            continue;
        }
        for (&f, _) in d.planted_of.iter().filter(|(_, &p)| p == planted) {
            if report.cell(&wijk, f).map(|c| c.status) == Some(Status::Gap) {
                wrong.push(format!(
                    "{wijk} planted covered for persona {planted}: found persona {f} is a gap"
                ));
            }
        }
    }
    // Every planted gap is a gap for each found persona that stands for the planted one.
    let mut checked = 0;
    for (wijk, planted, found) in planted_gap_matches(d) {
        for f in found {
            checked += 1;
            let cell = report.cell(&wijk, f);
            if cell.map(|c| c.status) != Some(Status::Gap) {
                wrong.push(format!(
                    "{wijk} planted gap for persona {planted}: found persona {f} is {:?} (fitting: {:?})",
                    cell.map(|c| c.status),
                    cell.map(|c| &c.fitting_offers)
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}\n{diagnostics}");
    assert!(
        checked >= planted_cells().iter().filter(|c| c.2 == "gap").count(),
        "not every planted gap has a learned persona\n{diagnostics}"
    );
}

/// The done-when in full: the personas stage learns every planted gap persona, so every planted
/// gap is checked above.
#[test]
fn every_planted_gap_persona_is_learned() {
    let d = demo();
    let missing: Vec<String> = planted_gap_matches(d)
        .into_iter()
        .filter(|(_, _, found)| found.is_empty())
        .map(|(wijk, planted, _)| format!("{wijk} planted persona {planted}"))
        .collect();
    assert!(
        missing.is_empty(),
        "no found persona stands for the planted persona of {missing:?}; found persona -> \
         (largest planted persona, its share): {:?}, share of it held: {:?}",
        d.purity,
        d.recall
    );
}

/// An offer designed from a planted persona's needs (the truth's personas.json) for one wijk.
fn offer_for_planted(planted: u32, wijk: &str, id: &str) -> Offer {
    let text = std::fs::read_to_string("datasets/demo-truth/personas.json").unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let p = v["personas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == planted)
        .unwrap();
    let needs = &p["needs"];
    let strs = |k: &str| -> Vec<String> {
        needs[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect()
    };
    Offer {
        aanbod_id: id.to_string(),
        naam: format!("Voorstel voor persona {planted}"),
        organisatie: None,
        omschrijving: None,
        elementen: strs("elements")
            .iter()
            .map(|e| Element::parse(e).unwrap())
            .collect(),
        doelgroepen: strs("doelgroepen")
            .iter()
            .map(|d| Doelgroep::parse(d).unwrap())
            .collect(),
        leeftijd_min: Some(needs["age_min"].as_u64().unwrap() as u8),
        leeftijd_max: Some(needs["age_max"].as_u64().unwrap() as u8),
        talen: strs("languages"),
        kosten: Some(Kosten::parse(&strs("costs")[0]).unwrap()),
        rolstoeltoegankelijk: Some(needs["mobility"].as_bool().unwrap()),
        vervoer: Some(false),
        vorm: Some(Vorm::Groep),
        gebied: vec![Area::Wijk(wijk.to_string())],
        capaciteit_per_week: Some(30),
        status: Some(AanbodStatus::Actief),
        row: 1,
        extra: vec![],
    }
}

#[test]
fn a_fitting_proposed_offer_closes_a_planted_gap() {
    let d = demo();
    let base = &d.study.sociale_kaart.records;
    let before = check_with(d, base);
    // Every planted gap whose persona was learned and reported as a gap.
    let mut tried = 0;
    for (wijk, planted, status) in planted_cells() {
        if status != "gap" {
            continue;
        }
        let Some(found) = d
            .purity
            .keys()
            .copied()
            .find(|&f| stands_for(d, f, planted))
        else {
            continue;
        };
        if before.cell(&wijk, found).map(|c| c.status) != Some(Status::Gap) {
            continue;
        }
        tried += 1;
        let proposal = offer_for_planted(planted, &wijk, "NIEUW-1");
        let offers = offer::whatif(base, vec![proposal], &[]).unwrap();
        let after = check_with(d, &offers);
        let changes = offer::compare(&before, &after);
        println!("{}", offer::summary(&changes));
        let closed = changes
            .iter()
            .find(|c| c.wijkcode == wijk && c.persona == found);
        let closed = closed.unwrap_or_else(|| {
            panic!(
                "adding an offer built from planted persona {planted}'s needs did not change \
                 {wijk} persona {found}: {:?}\n{}",
                after.cell(&wijk, found),
                describe(d, &after)
            )
        });
        assert_eq!(closed.kind, offer::ChangeKind::Closed);
        assert_eq!(closed.offers_gained, ["NIEUW-1"]);
        // No gap opens by adding an offer.
        assert!(changes.iter().all(|c| c.kind != offer::ChangeKind::Opened));
        // Dropping it again restores the original result.
        let back = offer::whatif(&offers, vec![], &["NIEUW-1".to_string()]).unwrap();
        assert_eq!(check_with(d, &back), before);
    }
    assert!(tried > 0, "no planted gap was found to try a proposal on");
}

#[test]
fn whatif_refuses_unknown_drops_and_colliding_ids() {
    let d = demo();
    let base = &d.study.sociale_kaart.records;
    let e = offer::whatif(base, vec![], &["SK-BESTAAT-NIET".into()]).unwrap_err();
    assert!(e.to_string().contains("SK-BESTAAT-NIET"), "{e}");
    let mut dup = base[0].clone();
    dup.naam = "kopie".into();
    let e = offer::whatif(base, vec![dup.clone()], &[]).unwrap_err();
    assert!(e.to_string().contains(&base[0].aanbod_id), "{e}");
    // Drop + add with the same id replaces it.
    let replaced = offer::whatif(base, vec![dup], &[base[0].aanbod_id.clone()]).unwrap();
    assert_eq!(replaced.len(), base.len());
    assert!(replaced.iter().any(|o| o.naam == "kopie"));
}

#[test]
fn proposed_offers_file_is_validated_like_the_sociale_kaart() {
    let d = demo();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nieuw.csv");
    let text = "aanbod_id;naam;organisatie;omschrijving;elementen;doelgroepen;leeftijd_min;leeftijd_max;talen;kosten;rolstoeltoegankelijk;vervoer;vorm;gebied;capaciteit_per_week;status\n\
        N1;Theeochtend;;;ontmoeten;migranten;55;90;tr;gratis;ja;nee;groep;WK063704;25;actief\n\
        N2;Elders;;;ontmoeten;migranten;55;90;tr;gratis;ja;nee;groep;WK999999;25;actief\n\
        N3;Vreemd element;;;koken;migranten;55;90;tr;gratis;ja;nee;groep;WK063704;25;actief\n\
        N1;Dubbel;;;ontmoeten;migranten;55;90;tr;gratis;ja;nee;groep;WK063704;25;actief\n";
    std::fs::write(&path, text).unwrap();
    let read =
        loneliness::sources::read_offers(&path, &d.study.gebieden.records, &d.config).unwrap();
    assert_eq!(read.rows_read, 4);
    assert_eq!(read.offers.len(), 1);
    assert_eq!(read.offers.records[0].aanbod_id, "N1");
    let reasons: Vec<(u32, String)> = read
        .quarantine
        .iter()
        .map(|q| (q.row, q.reason.code().to_string()))
        .collect();
    assert_eq!(
        reasons,
        [
            (2, "unknown_buurtcode".to_string()),
            (3, "invalid_value".to_string()),
            (4, "invalid_value".to_string())
        ]
    );
    let missing = dir.path().join("leeg.csv");
    std::fs::write(&missing, "aanbod_id;naam\nX;Y\n").unwrap();
    let e = loneliness::sources::read_offers(&missing, &d.study.gebieden.records, &d.config)
        .unwrap_err();
    assert!(e.to_string().contains("missing required column"), "{e}");
}

#[test]
fn outputs_are_suppressed_and_reproducible() {
    let d = demo();
    let report = check_with(d, &d.study.sociale_kaart.records);
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    offer::write(&report, a.path()).unwrap();
    offer::write(&check_with(d, &d.study.sociale_kaart.records), b.path()).unwrap();
    for f in ["gaps.csv", "gaps.json"] {
        assert_eq!(
            std::fs::read(a.path().join(f)).unwrap(),
            std::fs::read(b.path().join(f)).unwrap(),
            "{f} differs between runs"
        );
    }
    let mut r = csv::Reader::from_path(a.path().join("gaps.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    assert_eq!(
        h.iter().take(5).collect::<Vec<_>>(),
        [
            "wijkcode",
            "persona",
            "residents",
            "fitting_offers",
            "status"
        ]
    );
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len(), report.cells.len());
    for (row, cell) in rows.iter().zip(&report.cells) {
        assert!(["covered", "thin", "gap"].contains(&&row[4]));
        if cell.residents < 10 {
            assert_eq!(&row[2], "", "a count below 10 is published");
            assert_eq!(&row[6], "");
        } else {
            assert_eq!(row[2].parse::<usize>().unwrap(), cell.residents);
        }
        assert_eq!(row[3].parse::<usize>().unwrap(), cell.fitting_offers.len());
    }
    // Every gap cell lists near misses that fail on exactly one criterion, explained in Dutch.
    for c in report.cells.iter().filter(|c| c.status == Status::Gap) {
        let needs = report
            .needs
            .iter()
            .find(|n| n.persona == c.persona)
            .unwrap();
        let buurten: std::collections::BTreeSet<String> = d
            .study
            .gebieden
            .iter()
            .filter(|b| b.wijkcode == c.wijkcode)
            .map(|b| b.buurtcode.clone())
            .collect();
        for m in &c.near_misses {
            assert!(m.explanation_nl.contains(&m.naam), "{m:?}");
            let o = d
                .study
                .sociale_kaart
                .iter()
                .find(|o| o.aanbod_id == m.aanbod_id)
                .unwrap();
            assert_eq!(
                offer::fit::failures(o, needs, &c.wijkcode, &buurten).criteria(),
                [m.criterion]
            );
        }
    }
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(a.path().join("gaps.json")).unwrap()).unwrap();
    assert_eq!(json["needs"].as_array().unwrap().len(), d.personas.len());
    assert!(json["rules"]["rules"].as_array().unwrap().len() > 5);
}
