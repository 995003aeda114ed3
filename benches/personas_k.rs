//! How well the automatic choice of the number of personas works, on synthetic studies with known
//! planted personas: per study the selection table, the chosen K, the adjusted Rand index (ARI)
//! against the planted personas, and per planted persona the best-matching found persona (recall =
//! share of the planted persona's residents in it, precision = share of the found persona that is
//! planted there). With `--all-k` the final fit is also made at every K of the range (ARI per K).
//!
//! Run: `cargo bench --bench personas_k -- STUDY_DIR:TRUTH_DIR [STUDY_DIR:TRUTH_DIR ...]
//! [--all-k] [--cache DIR]`. Make studies with `loneliness synth --out S --truth T --residents N
//! --seed X [--profile den-haag]`. `--cache DIR` keeps each study's feature table (after ingest
//! and linkage, which dominate the time) so a rerun goes straight to the persona stage.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

mod common;

use loneliness::personas::{self, select::adjusted_rand_index, PersonaParams};
use loneliness::residents::{Feature, FeatureTable};

/// A cached table: pseudo ids, wijk per resident, wijken, features, household per resident.
type Cached = (Vec<String>, Vec<u32>, Vec<String>, Vec<Feature>, Vec<u32>);

/// The feature table of a study, from the cache when it holds one.
fn table(study: &Path, cache: Option<&Path>) -> FeatureTable {
    let key = study
        .to_string_lossy()
        .replace(['/', '\\', ':'], "_")
        .trim_matches('_')
        .to_string();
    // v2: the cache holds the household of every resident.
    let cached = cache.map(|c| {
        (
            c.join(format!("{key}-v2.json")),
            c.join(format!("{key}-v2.f64")),
        )
    });
    if let Some((meta, values)) = &cached {
        if meta.exists() && values.exists() {
            let (pseudo_ids, wijk, wijken, features, household): Cached =
                serde_json::from_slice(&std::fs::read(meta).unwrap()).unwrap();
            let mut bytes = Vec::new();
            std::fs::File::open(values)
                .unwrap()
                .read_to_end(&mut bytes)
                .unwrap();
            let values = bytes
                .chunks_exact(8)
                .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
                .collect();
            return FeatureTable {
                pseudo_ids,
                wijk,
                wijken,
                household,
                features,
                values,
            };
        }
    }
    let t = common::feature_table(study);
    if let Some((meta, values)) = &cached {
        std::fs::create_dir_all(meta.parent().unwrap()).unwrap();
        std::fs::write(
            meta,
            serde_json::to_vec(&(&t.pseudo_ids, &t.wijk, &t.wijken, &t.features, &t.household))
                .unwrap(),
        )
        .unwrap();
        let mut f = std::io::BufWriter::new(std::fs::File::create(values).unwrap());
        for v in &t.values {
            f.write_all(&v.to_le_bytes()).unwrap();
        }
    }
    t
}

/// Per planted persona: (planted id, size, best found persona, recall, precision).
fn matches(planted: &[u32], found: &[u32]) -> Vec<(u32, usize, u32, f64, f64)> {
    let kp = *planted.iter().max().unwrap() as usize + 1;
    let kf = *found.iter().max().unwrap() as usize + 1;
    let mut table = vec![0usize; kp * kf];
    let (mut ps, mut fs) = (vec![0usize; kp], vec![0usize; kf]);
    for (&p, &f) in planted.iter().zip(found) {
        table[p as usize * kf + f as usize] += 1;
        ps[p as usize] += 1;
        fs[f as usize] += 1;
    }
    (0..kp)
        .filter(|&p| ps[p] > 0)
        .map(|p| {
            let best = (0..kf)
                .max_by_key(|&f| (table[p * kf + f], kf - f))
                .unwrap();
            let n = table[p * kf + best] as f64;
            (
                p as u32,
                ps[p],
                best as u32 + 1,
                n / ps[p] as f64,
                n / fs[best].max(1) as f64,
            )
        })
        .collect()
}

/// Research mode (env `PERSONA_WEIGHTS="term=weight,..."`): the default encoding with some term
/// weights replaced, fitted at every K of the default range; prints ARI per K and the matches at
/// the planted K. Not the production path. With `--choose` the weighted encoding goes through the
/// production choice of K instead.
fn weighted(spec: &str) -> loneliness::personas::encode::Encoding {
    let mut enc = loneliness::personas::encode::Encoding::default_spec();
    for kv in spec.split(',').filter(|s| !s.is_empty()) {
        let (name, w) = kv.rsplit_once('=').unwrap();
        let term = enc
            .terms
            .iter_mut()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("no term {name}"));
        term.weight = w.parse().unwrap();
    }
    enc
}

fn experiment(table: &FeatureTable, planted: &[u32], spec: &str) {
    use loneliness::personas::kmeans;
    let enc = weighted(spec);
    let enc_terms: Vec<String> = enc.terms.iter().map(|t| t.name.clone()).collect();
    let m = enc.fit(table).unwrap().apply(table).unwrap();
    let planted_k = *planted.iter().max().unwrap() as usize;
    let mut line = format!("[{spec}] ARI per K:");
    for k in 4..=12 {
        let fit = kmeans::fit(
            &m,
            kmeans::KMeansParams {
                k,
                n_init: std::env::var("N_INIT").map_or(4, |v| v.parse().unwrap()),
                max_iter: 300,
                tol: kmeans::DEFAULT_TOL,
                seed: 7,
            },
        );
        let _ = std::fmt::Write::write_fmt(
            &mut line,
            format_args!(
                " {k}:{:.3}({:.3})",
                adjusted_rand_index(planted, &fit.labels),
                fit.inertia / table.rows() as f64
            ),
        );
        if k == planted_k {
            let ms: Vec<String> = matches(planted, &fit.labels)
                .iter()
                .map(|(p, _, f, r, pr)| format!("{p}->{f} {r:.2}/{pr:.2}"))
                .collect();
            println!("  at K {k}: {}", ms.join("  "));
            let age = table.column_index("age").unwrap();
            for c in 0..k as u32 {
                let rows: Vec<usize> = (0..table.rows()).filter(|&i| fit.labels[i] == c).collect();
                let mean_age =
                    rows.iter().map(|&i| table.row(i)[age]).sum::<f64>() / rows.len().max(1) as f64;
                let mut comp = vec![0usize; planted_k + 1];
                for &i in &rows {
                    comp[planted[i] as usize] += 1;
                }
                let mut parts: Vec<(usize, usize)> = comp
                    .iter()
                    .copied()
                    .enumerate()
                    .filter(|x| x.1 > 0)
                    .collect();
                parts.sort_by_key(|p| std::cmp::Reverse(p.1));
                let parts: Vec<String> = parts
                    .iter()
                    .take(4)
                    .map(|(p, n)| format!("p{p}:{:.0}%", 100.0 * *n as f64 / rows.len() as f64))
                    .collect();
                println!(
                    "    found {}: {} residents, mean age {mean_age:.0}, {}",
                    c + 1,
                    rows.len(),
                    parts.join(" ")
                );
                if std::env::var("SHOW_CENTRES").is_ok() {
                    let cs: Vec<String> = enc_terms
                        .iter()
                        .enumerate()
                        .map(|(j, t)| format!("{t}={:.2}", fit.centroids[c as usize * m.cols + j]))
                        .collect();
                    println!("      {}", cs.join(" "));
                }
            }
        }
    }
    println!("{line}");
}

/// Selection settings from the environment (`SEL_SAMPLE`, `SEL_SILHOUETTE`, `SEL_PAIRS`,
/// `SEL_RESTARTS`), for comparing settings without rebuilding.
fn selection_params(mut p: PersonaParams) -> PersonaParams {
    let get = |name: &str| {
        std::env::var(name)
            .ok()
            .map(|v| v.parse::<usize>().unwrap())
    };
    if let Some(v) = get("SEL_SAMPLE") {
        p.selection_sample = v;
    }
    if let Some(v) = get("SEL_SILHOUETTE") {
        p.silhouette_sample = v;
    }
    if let Some(v) = get("SEL_PAIRS") {
        p.bootstrap_pairs = v;
    }
    if let Some(v) = get("SEL_RESTARTS") {
        p.selection_restarts = v;
    }
    p
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let all_k = args.iter().any(|a| a == "--all-k");
    let cache = args
        .iter()
        .position(|a| a == "--cache")
        .map(|i| PathBuf::from(&args[i + 1]));
    let studies: Vec<(PathBuf, PathBuf)> = args
        .iter()
        .filter(|a| a.contains(':') && !a.starts_with("--"))
        .map(|a| {
            let (s, t) = a.split_once(':').unwrap();
            (PathBuf::from(s), PathBuf::from(t))
        })
        .collect();
    let mut summary = Vec::new();
    for (study, truth_dir) in &studies {
        let t0 = Instant::now();
        let table = table(study, cache.as_deref());
        let truth = common::planted_personas(&truth_dir.join("residents.csv"));
        let planted: Vec<u32> = table.pseudo_ids.iter().map(|p| truth[p]).collect();
        let planted_k = {
            let mut p = planted.clone();
            p.sort_unstable();
            p.dedup();
            p.len()
        };
        let load_s = t0.elapsed().as_secs_f64();
        let weights = std::env::var("PERSONA_WEIGHTS").ok();
        let choose = args.iter().any(|a| a == "--choose");
        if let (Some(spec), false) = (&weights, choose) {
            experiment(&table, &planted, spec);
            continue;
        }
        let params = selection_params(PersonaParams::default())
            .check(table.rows())
            .unwrap();
        let t = Instant::now();
        let c = match &weights {
            Some(spec) => {
                let enc = weighted(spec).fit(&table).unwrap();
                personas::cluster_with(&table, &params, enc, None, |_| {})
            }
            None => personas::cluster(&table, &params, None, |_| {}),
        }
        .unwrap();
        let stage_s = t.elapsed().as_secs_f64();
        let ari = adjusted_rand_index(&planted, &c.labels);
        println!(
            "\n== {} ({} residents, {planted_k} planted; load {load_s:.1} s, clustering incl. choice of K {stage_s:.1} s)",
            study.display(),
            table.rows()
        );
        println!(" {}", personas::select::table_header());
        for cand in &c.candidates {
            let mark = if cand.k == c.k { "  <- chosen" } else { "" };
            println!(" {}{mark}", personas::select::table_row(cand));
        }
        println!("chosen K {} (planted {planted_k}), ARI {ari:.3}", c.k);
        let found: Vec<u32> = c.labels.clone();
        println!(" planted  size  best found  recall  precision");
        let mut worst = f64::INFINITY;
        for (p, n, f, r, pr) in matches(&planted, &found) {
            worst = worst.min(r);
            println!(" {p:>7}  {n:>6}  {f:>10}  {r:>6.3}  {pr:>9.3}");
        }
        if all_k {
            let mut line = String::from("ARI of the final fit per K:");
            for k in params.k_range.0..=params.k_range.1 {
                let p = PersonaParams {
                    k: Some(k),
                    ..PersonaParams::default()
                }
                .check(table.rows())
                .unwrap();
                let c = personas::cluster(&table, &p, None, |_| {}).unwrap();
                let _ = std::fmt::Write::write_fmt(
                    &mut line,
                    format_args!(" {k}:{:.3}", adjusted_rand_index(&planted, &c.labels)),
                );
            }
            println!("{line}");
        }
        summary.push((
            study.display().to_string(),
            table.rows(),
            c.k,
            planted_k,
            ari,
            worst,
            stage_s,
        ));
    }
    println!("\nstudy  residents  chosen K  planted K  ARI  worst recall  clustering s");
    for (s, n, k, pk, ari, worst, secs) in summary {
        println!("{s}  {n}  {k}  {pk}  {ari:.3}  {worst:.3}  {secs:.1}");
    }
}
