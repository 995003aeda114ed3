//! Do the 90% district intervals cover, and how close are the district estimates to what the
//! data allow? Over many synthetic studies (both profiles, several sizes and seeds).
//!
//! `cargo bench --bench risk_coverage -- [--max-residents N] [--bootstrap B] [--only PROFILE]`
//!
//! Per study: generate the municipality in memory (its truth included), write the study folder,
//! ingest, link, build the feature table and train the risk stage exactly as `run` does. Then per
//! wijk, against the true prevalence (mean true probability of the wijk's residents):
//! - coverage: is the truth inside the 90% interval (lonely and severely lonely)?
//! - district MAE of the engine;
//! - the bound: the *true* log-odds of every resident without the wijk effect (the generator's
//!   model), with the overall level and each wijk's effect estimated from the same respondents,
//!   weights and empirical-Bayes shrinkage the engine uses. Its MAE is what an engine that knew
//!   the individual model exactly would reach; engine MAE / bound MAE says how much of the
//!   district error is the register model's.
//!
//! Prints one line per study, then the coverage per profile and size, all wijken together, and
//! the spread (min, quartiles, median, max) of the MAE ratio.

use std::collections::HashMap;
use std::time::Instant;

use loneliness::contract::pseudonym::KeySource;
use loneliness::risk::{self, fit, logistic::sigmoid, RiskParams};
use loneliness::sources::{ingest, StudyConfig};
use loneliness::synth::{build_world, files, outcome};

mod common;
use common::arg;

struct StudyResult {
    profile: String,
    residents: usize,
    wijken: usize,
    covered: usize,
    covered_severe: usize,
    mae: f64,
    bound_mae: f64,
    mean_width: f64,
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (h - lo as f64)
}

fn one(profile: &str, residents: usize, seed: u64, bootstrap: usize) -> StudyResult {
    let world = build_world(&common::synth_params(residents, profile, seed)).expect("world");
    let tmp = tempfile::tempdir().expect("temp dir");
    let (study_dir, truth_dir) = (tmp.path().join("study"), tmp.path().join("truth"));
    files::render(&world)
        .expect("render")
        .write(&study_dir, &truth_dir)
        .expect("write");
    let config = StudyConfig::load(&study_dir).unwrap();
    let study = ingest(&study_dir, &config, &KeySource::from_env())
        .unwrap()
        .study;
    let links = loneliness::link::link_study(&study, 7).unwrap();
    let frame = loneliness::residents::Frame::build(&study, &links).unwrap();
    let table = &frame.table;
    let rp = RiskParams {
        bootstrap,
        ..RiskParams::default()
    }
    .check()
    .unwrap();
    let t = Instant::now();
    let run = risk::train(&frame, &rp, |_| {}).unwrap();
    let stage_s = t.elapsed().as_secs_f64();

    // The truth per wijk: mean true probability over the world's residents.
    let codes: Vec<&String> = world.params.profile.wijk.iter().map(|w| &w.code).collect();
    let mut truth: HashMap<&str, (f64, f64, usize)> = HashMap::new();
    for (r, o) in world.residents.iter().zip(&world.outcomes) {
        let e = truth.entry(codes[r.wijk].as_str()).or_default();
        e.0 += o.p_lonely;
        e.1 += o.p_severe;
        e.2 += 1;
    }

    // The bound: true log-odds without the wijk effect, level and wijk effects from respondents.
    let resident_of: HashMap<&str, usize> = world
        .residents
        .iter()
        .enumerate()
        .map(|(i, r)| (r.pseudo_id.as_str(), i))
        .collect();
    let n = table.rows();
    let (mut rows, mut y, mut w) = (Vec::new(), vec![0.0; n], vec![0.0; n]);
    for (r, score) in frame.survey.scored() {
        rows.push(r.row);
        y[r.row] = f64::from(u8::from(score.lonely()));
        w[r.row] = r.weight;
    }
    let true_logit = |row: usize| -> f64 {
        let i = resident_of[table.pseudo_ids[row].as_str()];
        outcome::lonely_logit(&world.residents[i])
    };
    let f: Vec<f64> = rows.iter().map(|&r| true_logit(r)).collect();
    let mut level = 0.0;
    for _ in 0..50 {
        let (mut g, mut h) = (0.0, 0.0);
        for (q, &r) in rows.iter().enumerate() {
            let p = sigmoid(f[q] + level);
            g += w[r] * (y[r] - p);
            h += w[r] * p * (1.0 - p);
        }
        level += g / h;
        if (g / h).abs() < 1e-12 {
            break;
        }
    }
    let fl: Vec<f64> = f.iter().map(|v| v + level).collect();
    let data = fit::Data {
        x: &table.values,
        features: &table.features,
        y,
        w,
        rows: rows.clone(),
        wijk: &table.wijk,
        wijken: &table.wijken,
        binned: None,
    };
    let all: Vec<usize> = (0..rows.len()).collect();
    let (u, _) = fit::area_effects(&fl, &data, &all, table.wijken.len());
    let index_of: HashMap<&str, usize> = table
        .wijken
        .iter()
        .enumerate()
        .map(|(k, c)| (c.as_str(), k))
        .collect();
    let mut bound: HashMap<&str, f64> = HashMap::new();
    for r in &world.residents {
        let code = codes[r.wijk].as_str();
        let uw = index_of.get(code).map_or(0.0, |&k| u[k]);
        *bound.entry(code).or_default() += sigmoid(outcome::lonely_logit(r) + level + uw);
    }

    let (mut covered, mut covered_severe, mut err, mut berr, mut width, mut k) =
        (0, 0, 0.0, 0.0, 0.0, 0);
    let mut bias = 0.0;
    for d in &run.districts {
        let Some(&(pl, ps, m)) = truth.get(d.wijkcode.as_str()) else {
            continue;
        };
        let (tl, ts) = (100.0 * pl / m as f64, 100.0 * ps / m as f64);
        let b = 100.0 * bound[d.wijkcode.as_str()] / m as f64;
        let (lo, hi) = (
            d.predicted_lonely_low.unwrap(),
            d.predicted_lonely_high.unwrap(),
        );
        let (slo, shi) = (
            d.predicted_severe_low.unwrap(),
            d.predicted_severe_high.unwrap(),
        );
        covered += usize::from(lo <= tl && tl <= hi);
        covered_severe += usize::from(slo <= ts && ts <= shi);
        err += (d.predicted_lonely_pct - tl).abs();
        bias += d.predicted_lonely_pct - tl;
        berr += (b - tl).abs();
        width += hi - lo;
        k += 1;
    }
    let res = StudyResult {
        profile: profile.to_string(),
        residents,
        wijken: k,
        covered,
        covered_severe,
        mae: err / k as f64,
        bound_mae: berr / k as f64,
        mean_width: width / k as f64,
    };
    println!(
        "{:<10} {:>7} {:>4} {:>5} {:>6} {:<34} {:>6.3} {:>5.2} {:>+5.2} {:>5.2} {:>5.2} {:>3}/{:<3} {:>3}/{:<3} {:>5.2} {:>6.1}",
        profile,
        residents,
        seed,
        k,
        rows.len(),
        run.model.lonely.spec.name().chars().take(34).collect::<String>(),
        run.model.lonely.metrics.auc,
        res.mae,
        bias / k as f64,
        res.bound_mae,
        res.mae / res.bound_mae,
        covered,
        k,
        covered_severe,
        k,
        res.mean_width,
        stage_s
    );
    res
}

fn main() {
    let max: usize = arg("--max-residents").map_or(500_000, |v| v.parse().unwrap());
    let bootstrap: usize = arg("--bootstrap").map_or(0, |v| v.parse().unwrap());
    let only = arg("--only");
    // 15 studies per profile: many small, a few large (seeds differ per size).
    let plan: Vec<(usize, Vec<u64>)> = vec![
        (20_000, vec![1, 2, 3, 4, 5, 6]),
        (40_000, vec![11, 12, 13, 14]),
        (60_000, vec![21, 22]),
        (100_000, vec![31, 32]),
        (500_000, vec![41]),
    ];
    println!(
        "{:<10} {:>7} {:>4} {:>5} {:>6} {:<34} {:>6} {:>5} {:>5} {:>5} {:>5} {:>7} {:>7} {:>5} {:>6}",
        "profile",
        "resid.",
        "seed",
        "wijk",
        "resp.",
        "lonely model",
        "CV AUC",
        "MAE",
        "bias",
        "bound",
        "ratio",
        "cover",
        "severe",
        "width",
        "risk s"
    );
    let mut results = Vec::new();
    for profile in ["zoetermeer", "den-haag"] {
        if only.as_deref().is_some_and(|o| o != profile) {
            continue;
        }
        for (size, seeds) in &plan {
            if *size > max {
                continue;
            }
            for &seed in seeds {
                results.push(one(profile, *size, seed, bootstrap));
            }
        }
    }
    println!(
        "\n90% interval coverage ({} intervals)",
        if bootstrap > 0 {
            format!("{bootstrap} bootstrap refits")
        } else {
            "analytic".to_string()
        }
    );
    let line = |label: &str, sel: &dyn Fn(&StudyResult) -> bool| {
        let (c, cs, k, s) = results
            .iter()
            .filter(|r| sel(r))
            .fold((0, 0, 0, 0), |a, r| {
                (
                    a.0 + r.covered,
                    a.1 + r.covered_severe,
                    a.2 + r.wijken,
                    a.3 + 1,
                )
            });
        if k > 0 {
            println!(
                "{label:<28} {s:>3} studies {k:>5} wijken  lonely {c:>5} ({:.1}%)  severe {cs:>5} ({:.1}%)",
                100.0 * c as f64 / k as f64,
                100.0 * cs as f64 / k as f64
            );
        }
    };
    for profile in ["zoetermeer", "den-haag"] {
        for (size, _) in &plan {
            line(&format!("{profile} {size}"), &|r| {
                r.profile == profile && r.residents == *size
            });
        }
        line(&format!("{profile} all"), &|r| r.profile == profile);
    }
    line("all", &|_| true);
    let mut ratios: Vec<f64> = results.iter().map(|r| r.mae / r.bound_mae).collect();
    ratios.sort_by(f64::total_cmp);
    if !ratios.is_empty() {
        println!(
            "engine MAE / bound MAE over {} studies: min {:.2}, q1 {:.2}, median {:.2}, q3 {:.2}, max {:.2}",
            ratios.len(),
            ratios[0],
            quantile(&ratios, 0.25),
            quantile(&ratios, 0.5),
            quantile(&ratios, 0.75),
            ratios[ratios.len() - 1]
        );
        let mean_w: f64 = results.iter().map(|r| r.mean_width).sum::<f64>() / results.len() as f64;
        println!("mean interval width {mean_w:.2} points");
    }
}
