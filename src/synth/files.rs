//! Turns a generated world into the study folder (and, with [`crate::synth::truth`], the truth
//! folder), byte for byte.
//!
//! Dialects, as real exports differ: `brp.csv` is UTF-8 with a byte-order mark; `veiligheid.csv`
//! is `;`-separated with decimal commas ("7,4"); `huisbezoeken.csv` is Windows-1252 encoded with
//! DD-MM-YYYY dates; every other file is plain UTF-8, comma-separated, YYYY-MM-DD. Floats in the
//! truth use fixed formatting; every file is written in a defined order.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rand::Rng;

use crate::contract::files::GEZONDHEIDSMONITOR_COLUMNS;
use crate::contract::{Bsn, Reason};
use crate::error::{Error, Result};
use crate::synth::csv_out::{csv_bytes, csv_bytes_with, iso};
use crate::synth::names::NamePools;
use crate::synth::offer::{design_offers, Offer};
use crate::synth::persona::PERSONAS;
use crate::synth::{noisy, stream, survey, task_rng, truth, Summary, SyntheticStudy, World};

fn dmy(d: NaiveDate) -> String {
    d.format("%d-%m-%Y").to_string()
}

fn opt_iso(d: Option<NaiveDate>) -> String {
    d.map(iso).unwrap_or_default()
}

fn jn(b: bool) -> &'static str {
    if b {
        "ja"
    } else {
        "nee"
    }
}

fn with_bom(bytes: Vec<u8>) -> Vec<u8> {
    let mut out = vec![0xEF, 0xBB, 0xBF];
    out.extend(bytes);
    out
}

fn windows_1252(bytes: Vec<u8>) -> Result<Vec<u8>> {
    let text = String::from_utf8(bytes).map_err(|e| Error::Data(format!("internal: {e}")))?;
    let (out, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
    crate::ensure!(!unmappable, Data: "internal: a name is not representable in Windows-1252");
    Ok(out.into_owned())
}

/// Copies a BSN with one digit changed: a single changed digit always fails the eleven-test,
/// because every weight (9..2, -1) is non-zero and smaller than the prime 11.
fn corrupt_bsn(bsn: &Bsn, rng: &mut impl Rng) -> String {
    let mut digits: Vec<u8> = bsn.expose().into_bytes();
    let pos = rng.random_range(0..9);
    let old = digits[pos] - b'0';
    let new = (old + rng.random_range(1..10)) % 10;
    digits[pos] = b'0' + new;
    String::from_utf8(digits).expect("ascii digits")
}

pub fn render(world: &World) -> Result<SyntheticStudy> {
    let params = &world.params;
    let profile = &params.profile;
    let names = NamePools::new();
    let mut study: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut truth: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut summary = Summary {
        residents: world.residents.len(),
        households: world.households.len(),
        ..Summary::default()
    };

    // gebieden.csv
    let mut rows = Vec::new();
    for w in &profile.wijk {
        for b in &w.buurten {
            rows.push(vec![
                b.clone(),
                format!("Buurt {}", &b[6..]),
                w.code.clone(),
                w.name.clone(),
            ]);
        }
    }
    study.insert(
        "gebieden.csv".into(),
        csv_bytes(
            &["buurtcode", "buurtnaam", "wijkcode", "wijknaam"],
            &rows,
            b',',
        )?,
    );
    let buurt_codes: Vec<&String> = profile.wijk.iter().flat_map(|w| w.buurten.iter()).collect();

    // brp.csv with planted invalid-BSN copies and exact duplicates.
    let mut rng = task_rng(params.seed, stream::BRP, 0);
    let brp_row = |i: usize| -> Vec<String> {
        let r = &world.residents[i];
        let h = &world.households[r.household];
        vec![
            r.bsn.as_ref().expect("assigned").expose(),
            r.geslachtsnaam.to_string(),
            r.voorvoegsel.to_string(),
            r.voornamen.clone(),
            iso(r.birth),
            r.sex.code().to_string(),
            h.address.postcode.clone(),
            h.address.huisnummer.to_string(),
            h.address.toevoeging.clone(),
            buurt_codes[r.buurt].clone(),
            r.staat.code().to_string(),
            opt_iso(r.staat_datum),
            format!("H{:08}", r.household + 1),
            h.size.to_string(),
            iso(h.vestiging),
            r.herkomst.code().to_string(),
        ]
    };
    let n = world.residents.len();
    let planted = |rate: f64| {
        if rate <= 0.0 {
            0
        } else {
            ((n as f64 * rate).round() as usize).max(1)
        }
    };
    let (n_invalid, n_dup) = (
        planted(params.noise.invalid_bsn),
        planted(params.noise.duplicate_row),
    );
    // Entries: (position key, tie-break, resident, replacement BSN, reason); rows are rendered
    // only while writing, so a 500,000-row BRP is never held as strings twice.
    type Entry = (usize, usize, usize, Option<String>, Option<Reason>);
    let mut entries: Vec<Entry> = (0..n).map(|i| (i, 0, i, None, None)).collect();
    let mut picked = std::collections::BTreeSet::new();
    while picked.len() < (n_invalid + n_dup).min(n) {
        picked.insert(rng.random_range(0..n));
    }
    let mut picked: Vec<usize> = picked.into_iter().collect();
    use rand::seq::SliceRandom;
    picked.shuffle(&mut rng);
    for (k, &i) in picked.iter().enumerate() {
        if k < n_invalid {
            let bad = corrupt_bsn(world.residents[i].bsn.as_ref().expect("assigned"), &mut rng);
            debug_assert!(Bsn::parse(&bad).is_err());
            entries.push((
                rng.random_range(0..n),
                1 + k,
                i,
                Some(bad),
                Some(Reason::InvalidBsn),
            ));
        } else {
            entries.push((
                rng.random_range(i..n),
                1 + k,
                i,
                None,
                Some(Reason::DuplicateRow),
            ));
        }
    }
    entries.sort_by_key(|e| (e.0, e.1));
    let mut quarantine = Vec::new();
    for (row_no, e) in entries.iter().enumerate() {
        if let Some(reason) = e.4 {
            quarantine.push(vec![
                "brp".to_string(),
                (row_no + 1).to_string(),
                reason.code().to_string(),
            ]);
        }
    }
    summary.brp_rows = entries.len();
    let brp_cols = crate::contract::SourceKind::Brp.spec().required_columns;
    let brp_rows = entries.iter().map(|e| {
        let mut row = brp_row(e.2);
        if let Some(bad) = &e.3 {
            row[0] = bad.clone();
        }
        row
    });
    study.insert(
        "brp.csv".into(),
        with_bom(csv_bytes(brp_cols, brp_rows, b',')?),
    );
    drop(entries);

    // inkomen.csv, wmo.csv, opvoedondersteuning.csv: sorted by BSN.
    let mut by_bsn: Vec<usize> = (0..n).collect();
    by_bsn.sort_by_cached_key(|&i| world.residents[i].bsn.as_ref().expect("assigned").expose());
    let mut rng = task_rng(params.seed, stream::SOURCES, 0);
    let (mut ink, mut wmo, mut opv) = (Vec::new(), Vec::new(), Vec::new());
    for &i in &by_bsn {
        let r = &world.residents[i];
        let bsn = r.bsn.as_ref().expect("assigned").expose();
        let t = &r.traits;
        if rng.random::<f64>() >= params.noise.income_missing {
            ink.push(vec![
                bsn.clone(),
                t.income_percentile.to_string(),
                t.income_source
                    .map(|s| s.code())
                    .unwrap_or("geen")
                    .to_string(),
                jn(t.minimaregeling).to_string(),
            ]);
        }
        let mut provisions: Vec<_> = t.wmo.iter().collect();
        provisions.sort_by_key(|p| (p.start, p.kind));
        for p in provisions {
            wmo.push(vec![
                bsn.clone(),
                p.kind.code().to_string(),
                iso(p.start),
                opt_iso(p.end),
            ]);
        }
        if let Some(p) = &t.parenting_support {
            opv.push(vec![bsn.clone(), iso(p.start), opt_iso(p.end)]);
        }
    }
    study.insert(
        "inkomen.csv".into(),
        csv_bytes(
            &[
                "bsn",
                "huishoudinkomen_percentiel",
                "inkomensbron",
                "minimaregeling",
            ],
            &ink,
            b',',
        )?,
    );
    study.insert(
        "wmo.csv".into(),
        csv_bytes(
            &["bsn", "voorziening", "startdatum", "einddatum"],
            &wmo,
            b',',
        )?,
    );
    study.insert(
        "opvoedondersteuning.csv".into(),
        csv_bytes(&["bsn", "startdatum", "einddatum"], &opv, b',')?,
    );

    // veiligheid.csv: `;` with decimal commas; safer where RIVM finds less loneliness.
    let mut rows = Vec::new();
    let gem = profile.loneliness.lonely_18plus;
    for w in &profile.wijk {
        let d = w.target_lonely(&profile.loneliness) - gem;
        for b in &w.buurten {
            let vi = (7.4 - 0.09 * d + 0.5 * (rng.random::<f64>() - 0.5)).clamp(0.0, 10.0);
            let ov = (3.0 + 0.12 * d + 0.8 * (rng.random::<f64>() - 0.5)).clamp(0.0, 10.0);
            rows.push(vec![
                b.clone(),
                format!("{vi:.1}").replace('.', ","),
                format!("{ov:.1}").replace('.', ","),
            ]);
        }
    }
    study.insert(
        "veiligheid.csv".into(),
        csv_bytes(&["buurtcode", "veiligheidsindex", "overlast"], &rows, b';')?,
    );

    // gezondheidsmonitor.csv
    let respondents = survey::draw(world);
    summary.respondents = respondents.len();
    let mut rows = Vec::new();
    let mut survey_truth = Vec::new();
    for s in &respondents {
        let mut row = vec![s.pseudo_id.clone(), format!("{:.6}", s.weight)];
        row.extend(
            s.answers
                .iter()
                .map(|a| a.map(|a| a.code().to_string()).unwrap_or_default()),
        );
        row.push(
            s.ervaren_gezondheid
                .map(|g| g.to_string())
                .unwrap_or_default(),
        );
        for b in [
            s.beperking_bewegen,
            s.mantelzorger,
            s.vrijwilligerswerk,
            s.moeite_rondkomen,
        ] {
            row.push(b.map(|b| jn(b).to_string()).unwrap_or_default());
        }
        rows.push(row);
        survey_truth.push(vec![
            s.pseudo_id.clone(),
            u8::from(s.resident.is_some()).to_string(),
            s.djg_score.to_string(),
            u8::from(s.lonely).to_string(),
            u8::from(s.severe).to_string(),
        ]);
    }
    study.insert(
        "gezondheidsmonitor.csv".into(),
        csv_bytes(GEZONDHEIDSMONITOR_COLUMNS, &rows, b',')?,
    );
    truth.insert(
        "survey.csv".into(),
        csv_bytes(
            &["pseudo_id", "in_brp", "djg_score", "lonely", "severe"],
            &survey_truth,
            b',',
        )?,
    );

    // schuldhulp.csv (UTF-8, ISO dates) and huisbezoeken.csv (Windows-1252, DD-MM-YYYY).
    let mut links = Vec::new();
    let pid = |r: Option<usize>| {
        r.map(|i| world.residents[i].pseudo_id.clone())
            .unwrap_or_default()
    };
    let sh = noisy::schuldhulp(world, &names);
    summary.schuldhulp_rows = sh.len();
    let mut rows = Vec::new();
    for (k, r) in sh.iter().enumerate() {
        rows.push(vec![
            r.id.surname.clone(),
            r.id.given.clone(),
            opt_iso(r.id.birth),
            r.id.postcode.clone(),
            r.id.huisnummer.clone(),
            r.id.toevoeging.clone(),
            iso(r.aanmelddatum),
            r.status.code().to_string(),
        ]);
        links.push(vec![
            "schuldhulp".to_string(),
            (k + 1).to_string(),
            pid(r.resident),
            r.noise.join(";"),
        ]);
    }
    study.insert(
        "schuldhulp.csv".into(),
        csv_bytes(
            &[
                "geslachtsnaam",
                "voornamen",
                "geboortedatum",
                "postcode",
                "huisnummer",
                "huisnummertoevoeging",
                "aanmelddatum",
                "status",
            ],
            &rows,
            b',',
        )?,
    );
    let hb = noisy::huisbezoeken(world, &names);
    summary.huisbezoeken_rows = hb.len();
    let mut rows = Vec::new();
    for (k, r) in hb.iter().enumerate() {
        rows.push(vec![
            r.naam.clone(),
            r.birth.map(dmy).unwrap_or_default(),
            r.postcode.clone(),
            r.huisnummer.clone(),
            r.toevoeging.clone(),
            dmy(r.bezoekdatum),
            r.signaal.code().to_string(),
            jn(r.mantelzorger).to_string(),
        ]);
        links.push(vec![
            "huisbezoeken".to_string(),
            (k + 1).to_string(),
            pid(r.resident),
            r.noise.join(";"),
        ]);
    }
    study.insert(
        "huisbezoeken.csv".into(),
        windows_1252(csv_bytes_with(
            &[
                "naam",
                "geboortedatum",
                "postcode",
                "huisnummer",
                "huisnummertoevoeging",
                "bezoekdatum",
                "signaal_eenzaamheid",
                "mantelzorger",
            ],
            &rows,
            b',',
            csv::Terminator::CRLF,
        )?)?,
    );
    truth.insert(
        "links.csv".into(),
        csv_bytes(&["source", "row", "pseudo_id", "noise"], &links, b',')?,
    );
    truth.insert(
        "quarantine.csv".into(),
        csv_bytes(&["source", "row", "reason"], &quarantine, b',')?,
    );

    // sociale_kaart.csv and gaps.csv
    let design = design_offers(world)?;
    summary.offers = design.offers.len();
    summary.planted_gaps = design.gaps.len();
    let rows: Vec<Vec<String>> = design.offers.iter().map(offer_row).collect();
    study.insert(
        "sociale_kaart.csv".into(),
        csv_bytes(
            crate::contract::SourceKind::SocialeKaart
                .spec()
                .required_columns,
            &rows,
            b',',
        )?,
    );
    let mut rows = Vec::new();
    for (w, wp) in profile.wijk.iter().enumerate() {
        for p in 1..=8u8 {
            if design.presence[w][usize::from(p) - 1] == 0 {
                continue;
            }
            let gap = design.gaps.contains(&(w, p));
            let need = &PERSONAS[usize::from(p) - 1].need;
            let designed: Vec<&str> = design
                .offers
                .iter()
                .filter(|o| {
                    o.designed_for == p
                        && crate::synth::offer::failures(o, need, &wp.code, &wp.buurten).is_empty()
                })
                .map(|o| o.id.as_str())
                .collect();
            let near: Vec<String> = design
                .near_misses
                .iter()
                .filter(|m| m.0 == w && m.1 == p)
                .map(|m| format!("{}:{}", m.2, m.3))
                .collect();
            rows.push(vec![
                wp.code.clone(),
                p.to_string(),
                if gap { "gap" } else { "covered" }.to_string(),
                designed.join(";"),
                near.join(";"),
            ]);
        }
    }
    truth.insert(
        "gaps.csv".into(),
        csv_bytes(
            &[
                "wijkcode",
                "persona",
                "planted",
                "designed_offers",
                "near_misses",
            ],
            &rows,
            b',',
        )?,
    );

    let respondent_set: std::collections::HashSet<usize> =
        respondents.iter().filter_map(|s| s.resident).collect();
    truth.insert(
        "residents.csv".into(),
        truth::residents(world, &respondent_set, &buurt_codes)?,
    );
    truth.insert("wijken.csv".into(), truth::wijken(world)?);
    truth.insert("personas.json".into(), truth::personas(world)?);
    if let Some(set) = &world.params.persona_set {
        truth.insert("persona_set.json".into(), truth::persona_set(world, set)?);
    }
    truth.insert("manifest.json".into(), truth::manifest(world, &summary)?);

    study.insert("pseudonym.key".into(), world.key_text.as_bytes().to_vec());
    // Marks the folder as synthetic, so the report can say so (`contract::files::is_synthetic`).
    study.insert(
        crate::contract::files::SYNTHETIC_MARKER.into(),
        crate::contract::files::SYNTHETIC_MARKER_TEXT
            .as_bytes()
            .to_vec(),
    );
    Ok(SyntheticStudy {
        study_files: study,
        truth_files: truth,
        summary,
    })
}

fn offer_row(o: &Offer) -> Vec<String> {
    let join = |v: Vec<&str>| v.join(";");
    vec![
        o.id.clone(),
        o.naam.clone(),
        o.organisatie.clone(),
        o.omschrijving.clone(),
        join(o.elementen.iter().map(|e| e.code()).collect()),
        join(o.doelgroepen.iter().map(|d| d.code()).collect()),
        o.leeftijd_min.to_string(),
        o.leeftijd_max.to_string(),
        o.talen.join(";"),
        o.kosten.code().to_string(),
        jn(o.rolstoeltoegankelijk).to_string(),
        jn(o.vervoer).to_string(),
        o.vorm.code().to_string(),
        o.gebied
            .as_ref()
            .map(|g| g.join(";"))
            .unwrap_or_else(|| "gemeente".to_string()),
        o.capaciteit.to_string(),
        o.status.code().to_string(),
    ]
}
