//! Municipal scale: link a synthetic `schuldhulp`-like source onto a synthetic register of
//! 500,000 adults with `link_people` (the default Dutch-person spec, many-to-one).
//!
//! `cargo bench --bench link_people [-- --residents N] [-- --records M] [-- --noise K]`
//! Prints: pairs scored, EM iterations, recall and precision against the planted truth, time.
//! Synthetic people only (names combined from syllables, random dates and addresses).

use std::time::Instant;

use chrono::{Datelike, NaiveDate};
use loneliness::link::person::{link_people, PersonRecord};
use loneliness::link::LinkStatus;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const STEMS: &[&str] = &[
    "berg", "dijk", "veen", "broek", "meer", "bosch", "hout", "man", "hof", "kamp", "horst",
    "wijk", "stra", "sen", "ink", "ing", "ma", "ers", "huis", "land", "ir", "oglu", "el", "i",
];
const ONSETS: &[&str] = &[
    "b", "d", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "br", "kr",
    "st", "sch", "vr", "gr",
];
const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "ee", "oo", "ui", "ij", "aa"];
const VOORVOEGSELS: &[&str] = &[
    "", "", "", "", "de", "van", "van der", "van den", "ter", "in 't",
];
const GIVEN: &[&str] = &[
    "Johannes",
    "Maria",
    "Anna",
    "Pieter",
    "Cornelis",
    "Fatma",
    "Mohamed",
    "Hanneke",
    "Willem",
    "Sanne",
    "Mehmet",
    "Noah",
    "Emma",
    "Hendrik",
    "Johanna",
    "Aicha",
    "Zoë",
    "Thijs",
    "Ingrid",
    "Gerrit",
    "Fenna",
    "Bram",
    "Yasmina",
    "Dirk",
    "Wilhelmina",
    "Ahmet",
    "Lotte",
    "René",
    "Sevda",
    "Jeroen",
    "Adrianus",
    "Catharina",
    "Louise",
    "Jacobus",
    "Petronella",
    "Ali",
    "Khadija",
    "Sem",
    "Julia",
    "Daan",
];

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn person(rng: &mut ChaCha8Rng, postcodes: usize) -> PersonRecord {
    // Skewed choice: common names are common.
    let skew = |rng: &mut ChaCha8Rng, n: usize| ((rng.random::<f64>().powi(2)) * n as f64) as usize;
    // Onset + vowel + onset + stem: ~50,000 surnames, a few thousand 3-letter prefixes, the
    // common ones more common (as in the register, where de Jong is 0.5%).
    let surname = capitalise(&format!(
        "{}{}{}{}",
        ONSETS[skew(rng, ONSETS.len())],
        VOWELS[skew(rng, VOWELS.len())],
        ONSETS[rng.random_range(0..ONSETS.len())],
        STEMS[skew(rng, STEMS.len())]
    ));
    let vv = VOORVOEGSELS[rng.random_range(0..VOORVOEGSELS.len())];
    let n_given = rng.random_range(1..4);
    let given: Vec<&str> = (0..n_given)
        .map(|_| GIVEN[skew(rng, GIVEN.len())])
        .collect();
    let pc = rng.random_range(0..postcodes);
    let letters = b"ABCDEFGHJKLMNPRSTVWXZ";
    PersonRecord {
        surname: Some(surname),
        voorvoegsel: (!vv.is_empty()).then(|| vv.to_string()),
        first_names: Some(given.join(" ")),
        birth_date: NaiveDate::from_ymd_opt(
            rng.random_range(1925..2007),
            rng.random_range(1..13),
            rng.random_range(1..29),
        ),
        postcode: Some(format!(
            "{}{}{}",
            1000 + pc / 400,
            letters[(pc / 20) % 20] as char,
            letters[pc % 20] as char
        )),
        huisnummer: Some(rng.random_range(1..120).to_string()),
    }
}

fn noisy(p: &PersonRecord, rng: &mut ChaCha8Rng, postcodes: usize) -> PersonRecord {
    let mut q = p.clone();
    match rng.random_range(0..8) {
        0 => {}
        1 => {
            let mut s: Vec<char> = p.surname.clone().unwrap().chars().collect();
            let i = rng.random_range(1..s.len());
            s[i] = if s[i] == 'e' { 'a' } else { 'e' };
            q.surname = Some(s.into_iter().collect());
        }
        2 => {
            q.first_names = p.first_names.as_ref().map(|g| {
                g.split_whitespace()
                    .map(|t| format!("{}.", t.chars().next().unwrap()))
                    .collect()
            })
        }
        3 => {
            if let Some(v) = &p.voorvoegsel {
                q.surname = Some(format!("{}, {v}", p.surname.clone().unwrap()));
                q.voorvoegsel = None;
            }
        }
        4 => {
            let d = p.birth_date.unwrap();
            if d.day() <= 12 {
                q.birth_date = NaiveDate::from_ymd_opt(d.year(), d.day(), d.month());
            }
        }
        5 => {
            let moved = person(rng, postcodes);
            q.postcode = moved.postcode;
            q.huisnummer = moved.huisnummer;
        }
        6 => q.first_names = None,
        _ => {
            let d = p.birth_date.unwrap();
            q.birth_date = NaiveDate::from_ymd_opt(d.year() + 1, d.month(), d.day());
        }
    }
    q
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str, default: usize| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let residents = value("--residents", 500_000);
    let records = value("--records", 20_000);
    // Noise operations per copied record (1: one kind of error each; 2: two at once).
    let noise = value("--noise", 1);
    let postcodes = residents / 25;
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let spine: Vec<PersonRecord> = (0..residents)
        .map(|_| person(&mut rng, postcodes))
        .collect();
    let mut source = Vec::with_capacity(records);
    let mut truth = Vec::with_capacity(records);
    for i in 0..records {
        if i % 10 == 9 {
            source.push(person(&mut rng, postcodes));
            truth.push(None);
        } else {
            let row = rng.random_range(0..residents);
            let mut copy = spine[row].clone();
            for _ in 0..noise {
                copy = noisy(&copy, &mut rng, postcodes);
            }
            source.push(copy);
            truth.push(Some(row));
        }
    }

    let started = Instant::now();
    let (links, report) = link_people(&spine, &source, 42).expect("link");
    let seconds = started.elapsed().as_secs_f64();

    let (mut tp, mut fp, mut fn_) = (0, 0, 0);
    let mut missed: std::collections::BTreeMap<&str, usize> = Default::default();
    for (row, want) in links.rows.iter().zip(&truth) {
        if want.is_some() && row.status != LinkStatus::Linked {
            *missed.entry(row.status.code()).or_default() += 1;
        }
        let got = (row.status == LinkStatus::Linked)
            .then_some(row.left_row)
            .flatten();
        match (want, got) {
            (Some(w), Some(g)) if *w == g => tp += 1,
            (_, Some(_)) => fp += 1,
            (Some(_), None) => fn_ += 1,
            (None, None) => {}
        }
    }
    println!("link_people: {residents} residents, {records} records, {noise} noise operation(s) per copy");
    println!("  pairs scored       {}", links.pairs_scored);
    println!(
        "  EM                 {} iterations over {} sessions",
        report.em.iterations,
        report.em.sessions.len()
    );
    println!("  linked             {}", links.linked);
    println!(
        "  precision {:.4} recall {:.4} (tp {tp}, fp {fp}, fn {fn_}; fp includes look-alikes)",
        tp as f64 / (tp + fp).max(1) as f64,
        tp as f64 / (tp + fn_).max(1) as f64
    );
    println!("  missed true pairs by status: {missed:?}");
    println!("  time (tables, blocking, training, scoring, assignment) {seconds:.2} s");
}
