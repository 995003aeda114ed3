#![allow(clippy::needless_range_loop)]
//! Issue 15, case 1 as a property: on synthetic studies (not the demo) of several sizes and seeds
//! and with random `--personas K`, no resident count 1-9 can be read or derived by subtraction
//! from the published tables and totals together: `persona_districts.csv` (wijk x persona),
//! `gaps.csv`/`gaps.json` (the same cells, persona sizes), `districts.csv` (wijk sizes),
//! `personas.json` (persona sizes, grand total) and `summary.json` (persona shares, total).
//!
//! The truth comes from `--export-residents`; the attacker's view is rebuilt from the published
//! files only and checked with linear algebra (a hidden count is derivable exactly when its unit
//! vector lies in the row space of the row and column equations restricted to the hidden counts).
mod privacy_support;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use privacy_support::*;

fn csv_rows(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// The published value of a count: `None` when empty.
fn num(v: &str) -> Option<u64> {
    (!v.is_empty()).then(|| v.parse().unwrap())
}

fn rank(rows: &[Vec<f64>], nv: usize) -> usize {
    let mut a = rows.to_vec();
    let mut rank = 0;
    for col in 0..nv {
        let Some(p) = (rank..a.len()).max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))
        else {
            break;
        };
        if a[p][col].abs() < 1e-9 {
            continue;
        }
        a.swap(rank, p);
        for i in 0..a.len() {
            if i != rank {
                let f = a[i][col] / a[rank][col];
                if f != 0.0 {
                    for j in 0..nv {
                        a[i][j] -= f * a[rank][j];
                    }
                }
            }
        }
        rank += 1;
    }
    rank
}

fn check_run(seed: u64, residents: usize, k: usize) -> usize {
    let (dir, study) = generate(residents, seed);
    let out = dir.path().join("out");
    let o = cli(&[
        "run",
        study.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--personas",
        &k.to_string(),
        "--seed",
        &seed.to_string(),
        "--export-residents",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let read = |n: &str| std::fs::read_to_string(out.join(n)).unwrap();

    // The truth.
    let mut truth: BTreeMap<(String, u32), u64> = BTreeMap::new();
    for r in csv_rows(&read("residents.csv")) {
        *truth
            .entry((r["wijkcode"].clone(), r["persona"].parse().unwrap()))
            .or_default() += 1;
    }
    let wijken: BTreeSet<String> = truth.keys().map(|k| k.0.clone()).collect();
    let personas: BTreeSet<u32> = truth.keys().map(|k| k.1).collect();
    let wijken: Vec<String> = wijken.into_iter().collect();
    let personas: Vec<u32> = personas.into_iter().collect();
    let (nr, nc) = (wijken.len(), personas.len());
    let t = |r: usize, c: usize| {
        truth
            .get(&(wijken[r].clone(), personas[c]))
            .copied()
            .unwrap_or(0)
    };
    let row_t: Vec<u64> = (0..nr).map(|r| (0..nc).map(|c| t(r, c)).sum()).collect();
    let col_t: Vec<u64> = (0..nc).map(|c| (0..nr).map(|r| t(r, c)).sum()).collect();
    let grand: u64 = row_t.iter().sum();

    // What is published, cell by cell (a count published anywhere is known).
    let mut cell: HashMap<(usize, usize), u64> = HashMap::new();
    let known =
        |map: &mut HashMap<(usize, usize), u64>, key: (usize, usize), v: u64, what: &str| {
            let want = if key.0 == nr && key.1 == nc {
                grand
            } else if key.0 == nr {
                col_t[key.1]
            } else if key.1 == nc {
                row_t[key.0]
            } else {
                t(key.0, key.1)
            };
            assert_eq!(v, want, "{what} publishes a wrong count at {key:?}");
            assert!(
                v == 0 || v >= 10,
                "{what} publishes the small count {v} at {key:?}"
            );
            map.insert(key, v);
        };
    let wi = |w: &str| wijken.iter().position(|x| x == w);
    let pi = |p: u32| personas.iter().position(|&x| x == p).unwrap();
    for r in csv_rows(&read("persona_districts.csv")) {
        let Some(w) = wi(&r["wijkcode"]) else {
            continue;
        };
        let p = pi(r["persona"].parse().unwrap());
        if let Some(v) = num(&r["residents"]) {
            known(&mut cell, (w, p), v, "persona_districts.csv");
        }
        // A share with a hidden wijk total gives the total back (count / share).
        if !r["share"].is_empty() {
            assert!(num(&r["residents"]).is_some());
        }
    }
    for r in csv_rows(&read("gaps.csv")) {
        let Some(w) = wi(&r["wijkcode"]) else {
            continue;
        };
        if let Some(v) = num(&r["residents"]) {
            known(
                &mut cell,
                (w, pi(r["persona"].parse().unwrap())),
                v,
                "gaps.csv",
            );
        }
    }
    for r in csv_rows(&read("districts.csv")) {
        if let (Some(w), Some(v)) = (wi(&r["wijkcode"]), num(&r["residents"])) {
            known(&mut cell, (w, nc), v, "districts.csv");
        }
    }
    let pj: serde_json::Value = serde_json::from_str(&read("personas.json")).unwrap();
    known(
        &mut cell,
        (nr, nc),
        pj["residents"].as_u64().unwrap(),
        "personas.json",
    );
    for p in pj["personas"].as_array().unwrap() {
        if let Some(v) = p["residents"].as_u64() {
            known(
                &mut cell,
                (nr, pi(p["id"].as_u64().unwrap() as u32)),
                v,
                "personas.json",
            );
        }
    }
    let gj: serde_json::Value = serde_json::from_str(&read("gaps.json")).unwrap();
    for n in gj["needs"].as_array().unwrap() {
        if let Some(v) = n["residents"].as_u64() {
            known(
                &mut cell,
                (nr, pi(n["persona"].as_u64().unwrap() as u32)),
                v,
                "gaps.json",
            );
        }
    }
    let sj: serde_json::Value = serde_json::from_str(&read("summary.json")).unwrap();
    let total = sj["residents"].as_u64().unwrap();
    known(&mut cell, (nr, nc), total, "summary.json");
    for p in sj["personas"].as_array().unwrap() {
        if let Some(share) = p["share"].as_f64() {
            let v = (share * total as f64).round() as u64;
            known(
                &mut cell,
                (nr, pi(p["id"].as_u64().unwrap() as u32)),
                v,
                "summary.json share",
            );
        }
    }

    // The attacker's equations over the hidden counts.
    let mut vars: HashMap<(usize, usize), usize> = HashMap::new();
    let mut names = Vec::new();
    for r in 0..=nr {
        for c in 0..=nc {
            if !cell.contains_key(&(r, c)) {
                vars.insert((r, c), names.len());
                names.push((r, c));
            }
        }
    }
    let nv = names.len();
    let mut eqs = Vec::new();
    let mut line = |members: Vec<((usize, usize), f64)>| {
        let mut row = vec![0.0; nv];
        let mut known_sum = 0.0;
        for (k, s) in members {
            match vars.get(&k) {
                Some(&i) => row[i] += s,
                None => known_sum -= s * cell[&k] as f64,
            }
        }
        eqs.push((row, known_sum));
    };
    for r in 0..=nr {
        let mut v: Vec<_> = (0..nc).map(|c| ((r, c), 1.0)).collect();
        v.push(((r, nc), -1.0));
        line(v);
    }
    for c in 0..=nc {
        let mut v: Vec<_> = (0..nr).map(|r| ((r, c), 1.0)).collect();
        v.push(((nr, c), -1.0));
        line(v);
    }
    let value = |(r, c): (usize, usize)| match (r == nr, c == nc) {
        (true, true) => grand,
        (true, false) => col_t[c],
        (false, true) => row_t[r],
        _ => t(r, c),
    };
    let a: Vec<Vec<f64>> = eqs.iter().map(|e| e.0.clone()).collect();
    let base = rank(&a, nv);
    for (i, &key) in names.iter().enumerate() {
        let mut with = a.clone();
        let mut unit = vec![0.0; nv];
        unit[i] = 1.0;
        with.push(unit);
        let v = value(key);
        assert!(
            rank(&with, nv) != base || v == 0 || v >= 10,
            "seed {seed} K {k}: the hidden count {v} at {key:?} is derivable from the published ones"
        );
    }
    // Each single equation: the hidden counts in it sum to a known number, never 1-9 of people.
    for (row, sum) in &eqs {
        let members: Vec<usize> = (0..nv).filter(|&i| row[i] != 0.0).collect();
        let all_positive = members.iter().all(|&i| row[i] > 0.0);
        if all_positive && !members.is_empty() {
            let s = sum.round() as i64;
            assert!(
                s == 0 || s >= 10,
                "seed {seed} K {k}: hidden counts {members:?} sum to {s}, known by subtraction"
            );
        }
    }
    names.len()
}

#[test]
fn no_small_count_is_derivable_from_the_published_tables() {
    // Seeds, sizes and K drawn from a fixed generator: random, but the same every run.
    let mut state = 0x5eed_u64;
    let mut next = |m: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % m
    };
    let mut hidden = 0;
    for _ in 0..3 {
        let seed = 100 + next(10_000);
        let residents = [2500, 3000, 4000][next(3) as usize];
        let k = 4 + next(10) as usize;
        hidden += check_run(seed, residents, k);
    }
    assert!(hidden > 0, "the studies should have hidden some counts");
}
