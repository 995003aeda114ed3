//! Do the personas hold on municipalities the engine was not tuned on? Generates random persona
//! sets (`synth --persona-set random`: 5-10 personas drawn from a menu with household-defined,
//! small and near-twin personas, jittered parameters) at the given sizes, runs ingest, linkage,
//! the feature table and the persona stage, and prints per plant x size: planted K, chosen K, ARI,
//! the recall of every planted persona (share of its residents in its best-matching found
//! persona; `*` = it is the majority of some found persona), the bootstrap stability (Jaccard)
//! of the found personas, and seconds. The summary gives medians with quartiles over the sets.
//!
//! Run: `cargo bench --bench personas_generalise -- [--sets 20] [--first-seed 1]
//! [--sizes 40000,200000] [--noise 1.0] [--profile zoetermeer] [--cache DIR] [--all-k]
//! [--jsonl FILE] [--method kmeans|lca] [--lca-research] [--studies DIR:TRUTH,...]`. `--studies`
//! runs the same on given studies (the demo, profile studies made with `loneliness synth`)
//! instead of random sets. `--method lca` runs the latent class
//! persona method instead of k-means. `--lca-research` (with `--jsonl`) fits the latent class
//! model at every K of 4..=12 on the selection sample and writes its diagnostics (log-likelihood,
//! BIC, ICL, certainty, separation of the closest classes) with the ARI per K, for comparing K
//! rules offline; `LCA_EXTRA=col,col:cut/cut` adds flag or banded variables and
//! `LCA_POOL=resident` classifies every resident on their own instead of by household;
//! `LCA_SAMPLE`, `LCA_RESTARTS`, `LCA_SPLITS` override the stage's sample size, k-means starts and
//! split starts; `LCA_TRUTH=1` also fits from the planted labels (is a miss the search's or the
//! model's?) and `LCA_DUMP=DIR` writes the labels per K (research only). `--cache DIR` keeps the generated studies' feature tables (ingest and linkage
//! dominate the time), so another encoding or K rule reruns only the persona stage. `--all-k`
//! also fits every K of the range and records its ARI and majority rate (for comparing K rules
//! offline from the JSON lines). `--only-cache` generates the studies into the cache and stops.
//! Environment `PERSONA_WEIGHTS="term=w,..."` replaces term weights
//! of the default encoding (research only).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

mod common;

use loneliness::personas::{self, encode::Encoding, select::adjusted_rand_index, PersonaParams};
use loneliness::residents::{Feature, FeatureTable};
use loneliness::synth::{self, family::PersonaSet, NoiseRates, Profile, SynthParams};

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .map(|i| args[i + 1].clone())
}

/// A cached study: pseudo ids, wijk per resident, wijken, features, planted labels, shares,
/// household per resident.
type Cached = (
    Vec<String>,
    Vec<u32>,
    Vec<String>,
    Vec<Feature>,
    Vec<u32>,
    Vec<f64>,
    Vec<u32>,
);

/// Generates (or loads from the cache) one study's feature table and planted labels.
fn study(
    seed: u64,
    residents: usize,
    noise: f64,
    profile: &str,
    cache: &Path,
) -> (FeatureTable, Vec<u32>, Vec<f64>) {
    let key = format!("{profile}-n{residents}-s{seed}-noise{noise}-v2");
    let meta = cache.join(format!("{key}.json"));
    let values = cache.join(format!("{key}.f64"));
    if let Some(cached) = load(&meta, &values) {
        return cached;
    }
    let params = SynthParams {
        residents,
        seed,
        year: 2024,
        profile: Profile::resolve(profile).unwrap(),
        noise: NoiseRates::default().scaled(noise).unwrap(),
        base_year: None,
    }
    .check()
    .unwrap()
    .with_persona_set(PersonaSet::random(seed, noise))
    .unwrap();
    let set = params.persona_set.clone().unwrap();
    let generated = synth::generate(&params).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let (dir, truth_dir) = (tmp.path().join("study"), tmp.path().join("truth"));
    generated.write(&dir, &truth_dir).unwrap();
    let t = common::feature_table(&dir);
    let truth = common::planted_personas(&truth_dir.join("residents.csv"));
    let planted: Vec<u32> = t
        .pseudo_ids
        .iter()
        .map(|p| truth[&p.to_string()] - 1)
        .collect();
    let shares: Vec<f64> = set.personas.iter().map(|p| p.share).collect();
    save(&meta, &values, &t, &planted, &shares);
    (t, planted, shares)
}

/// A cached study (see [`save`]), when the cache holds it.
fn load(meta: &Path, values: &Path) -> Option<(FeatureTable, Vec<u32>, Vec<f64>)> {
    if !(meta.exists() && values.exists()) {
        return None;
    }
    let (pseudo_ids, wijk, wijken, features, planted, shares, household): Cached =
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
    let t = FeatureTable {
        pseudo_ids,
        wijk,
        wijken,
        household,
        features,
        values,
    };
    Some((t, planted, shares))
}

/// Writes a study to the cache: the metadata as JSON, the values as little-endian f64.
fn save(meta: &Path, values: &Path, t: &FeatureTable, planted: &[u32], shares: &[f64]) {
    std::fs::create_dir_all(meta.parent().unwrap()).unwrap();
    let ids: Vec<String> = t.pseudo_ids.iter().map(|p| p.to_string()).collect();
    std::fs::write(
        meta,
        serde_json::to_vec(&(
            &ids,
            &t.wijk,
            &t.wijken,
            &t.features,
            planted,
            shares,
            &t.household,
        ))
        .unwrap(),
    )
    .unwrap();
    let mut f = std::io::BufWriter::new(std::fs::File::create(values).unwrap());
    for v in &t.values {
        f.write_all(&v.to_le_bytes()).unwrap();
    }
}

/// A given study (`DIR`, its truth in `TRUTH/residents.csv`): feature table and planted labels
/// (0-based), cached like the random sets.
fn given_study(dir: &Path, truth_dir: &Path, cache: &Path) -> (FeatureTable, Vec<u32>) {
    let key = format!(
        "given-{}-v2",
        dir.to_string_lossy().replace(['/', '\\', ':'], "_")
    );
    let meta = cache.join(format!("{key}.json"));
    let values = cache.join(format!("{key}.f64"));
    if let Some((t, planted, _)) = load(&meta, &values) {
        return (t, planted);
    }
    let t = common::feature_table(dir);
    let truth = common::planted_personas(&truth_dir.join("residents.csv"));
    let planted: Vec<u32> = t
        .pseudo_ids
        .iter()
        .map(|p| truth[&p.to_string()] - 1)
        .collect();
    save(&meta, &values, &t, &planted, &[]);
    (t, planted)
}

/// Per planted persona: (share of residents, recall in its best found persona, majority of some
/// found persona).
fn recalls(planted: &[u32], found: &[u32]) -> Vec<(f64, f64, bool)> {
    let kp = *planted.iter().max().unwrap() as usize + 1;
    let kf = *found.iter().max().unwrap() as usize + 1;
    let mut table = vec![0usize; kp * kf];
    let (mut ps, mut fs) = (vec![0usize; kp], vec![0usize; kf]);
    for (&p, &f) in planted.iter().zip(found) {
        table[p as usize * kf + f as usize] += 1;
        ps[p as usize] += 1;
        fs[f as usize] += 1;
    }
    let n = planted.len() as f64;
    (0..kp)
        .map(|p| {
            let best = (0..kf).map(|f| table[p * kf + f]).max().unwrap_or(0);
            let majority = (0..kf).any(|f| 2 * table[p * kf + f] > fs[f]);
            (
                ps[p] as f64 / n,
                best as f64 / ps[p].max(1) as f64,
                majority,
            )
        })
        .collect()
}

fn quartiles(mut xs: Vec<f64>) -> String {
    if xs.is_empty() {
        return "-".into();
    }
    xs.sort_by(f64::total_cmp);
    let q = |f: f64| xs[((xs.len() - 1) as f64 * f).round() as usize];
    format!(
        "median {:.3} (quartiles {:.3}-{:.3}, min {:.3}, max {:.3})",
        q(0.5),
        q(0.25),
        q(0.75),
        xs[0],
        xs[xs.len() - 1]
    )
}

fn encoding(table: &FeatureTable) -> Option<Encoding> {
    let spec = std::env::var("PERSONA_WEIGHTS").ok()?;
    let mut enc = Encoding::default_spec();
    for kv in spec.split(',').filter(|s| !s.is_empty()) {
        let (name, w) = kv.rsplit_once('=').unwrap();
        match enc.terms.iter_mut().find(|t| t.name == name) {
            Some(term) => term.weight = w.parse().unwrap(),
            None => {
                let mut t =
                    Encoding::optional_term(name).unwrap_or_else(|| panic!("no term {name}"));
                t.weight = w.parse().unwrap();
                enc.terms.push(t);
            }
        }
    }
    Some(enc.fit(table).unwrap())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let sets: u64 = arg(&args, "--sets").map_or(20, |v| v.parse().unwrap());
    let first: u64 = arg(&args, "--first-seed").map_or(1, |v| v.parse().unwrap());
    let noise: f64 = arg(&args, "--noise").map_or(1.0, |v| v.parse().unwrap());
    let profile = arg(&args, "--profile").unwrap_or_else(|| "zoetermeer".into());
    // `--studies DIR:TRUTH,...`: given studies (the demo, profile studies) instead of random sets.
    let studies: Vec<(PathBuf, PathBuf)> = arg(&args, "--studies")
        .map(|v| {
            v.split(',')
                .map(|st| {
                    let (d, t) = st.split_once(':').expect("--studies DIR:TRUTH_DIR,...");
                    (PathBuf::from(d), PathBuf::from(t))
                })
                .collect()
        })
        .unwrap_or_default();
    let sizes: Vec<usize> = arg(&args, "--sizes")
        .unwrap_or_else(|| "40000,200000".into())
        .split(',')
        .map(|s| s.parse().unwrap())
        .collect();
    let cache = arg(&args, "--cache").map_or_else(
        || std::env::temp_dir().join("personas_generalise_cache"),
        PathBuf::from,
    );
    let all_k = args.iter().any(|a| a == "--all-k");
    let only_cache = args.iter().any(|a| a == "--only-cache");
    let lca_research = args.iter().any(|a| a == "--lca-research");
    let method = match arg(&args, "--method").as_deref() {
        None | Some("kmeans") => personas::Method::Kmeans,
        Some("lca") => personas::Method::Lca,
        Some(other) => panic!("--method kmeans|lca, got {other}"),
    };
    let mut jsonl = arg(&args, "--jsonl").map(|p| std::fs::File::create(p).unwrap());
    println!(
        "set   residents  planted K  chosen K    ARI  stab(min)  secs  recall per planted persona (share% recall, * = majority of a found persona)"
    );
    let sizes = if studies.is_empty() { sizes } else { vec![0] };
    for &n in &sizes {
        let (mut aris, mut right_k, mut maj, mut big, mut secs) =
            (Vec::new(), 0usize, 0usize, 0usize, Vec::new());
        let mut studies_with_all_big = 0usize;
        let jobs: Vec<u64> = if studies.is_empty() {
            (first..first + sets).collect()
        } else {
            (0..studies.len() as u64).collect()
        };
        for seed in jobs {
            let (table, planted) = match studies.get(seed as usize) {
                Some((dir, truth)) => given_study(dir, truth, &cache),
                None => {
                    let (t, p, _) = study(seed, n, noise, &profile, &cache);
                    (t, p)
                }
            };
            let n = table.rows();
            if only_cache {
                continue;
            }
            if let Some(f) = jsonl.as_mut().filter(|_| lca_research) {
                research_lca(&table, &planted, seed, n, f);
                continue;
            }
            let planted_k = *planted.iter().max().unwrap() as usize + 1;
            let params = PersonaParams {
                method,
                ..PersonaParams::default()
            }
            .check(table.rows())
            .unwrap();
            let t = Instant::now();
            let c = match encoding(&table) {
                Some(enc) => personas::cluster_with(&table, &params, enc, None, |_| {}),
                None => personas::cluster(&table, &params, None, |_| {}),
            }
            .unwrap();
            let stability = match &c.lca {
                Some(f) => personas::stability::per_persona_lca(f, &table, params.seed).unwrap(),
                None => personas::stability::per_persona(&c.matrix, &c.centroids, c.k, params.seed),
            };
            let s = t.elapsed().as_secs_f64();
            let ari = adjusted_rand_index(&planted, &c.labels);
            let rec = recalls(&planted, &c.labels);
            let cells: Vec<String> = rec
                .iter()
                .map(|(share, r, m)| {
                    format!("{:.1}%:{r:.2}{}", 100.0 * share, if *m { "*" } else { "" })
                })
                .collect();
            let min_stab = stability.iter().copied().fold(f64::INFINITY, f64::min);
            println!(
                "{seed:>3}  {n:>10}  {planted_k:>9}  {:>8}  {ari:.3}  {min_stab:>9.2}  {s:>4.1}  {}",
                c.k,
                cells.join(" ")
            );
            aris.push(ari);
            secs.push(s);
            right_k += usize::from(c.k == planted_k);
            let mut all = true;
            for &(share, _, m) in &rec {
                if share >= 0.02 {
                    big += 1;
                    maj += usize::from(m);
                    all &= m;
                }
            }
            studies_with_all_big += usize::from(all);
            let mut per_k = Vec::new();
            if all_k {
                for k in params.k_range.0..=params.k_range.1 {
                    let p = PersonaParams {
                        k: Some(k),
                        ..PersonaParams::default()
                    }
                    .check(table.rows())
                    .unwrap();
                    let ck = match encoding(&table) {
                        Some(enc) => personas::cluster_with(&table, &p, enc, None, |_| {}),
                        None => personas::cluster(&table, &p, None, |_| {}),
                    }
                    .unwrap();
                    let r = recalls(&planted, &ck.labels);
                    let big: Vec<&(f64, f64, bool)> = r.iter().filter(|x| x.0 >= 0.02).collect();
                    per_k.push(serde_json::json!({
                        "k": k,
                        "ari": adjusted_rand_index(&planted, &ck.labels),
                        "majority": big.iter().filter(|x| x.2).count() as f64 / big.len().max(1) as f64,
                    }));
                }
            }
            if let Some(f) = jsonl.as_mut() {
                let cands: Vec<serde_json::Value> = c
                    .candidates
                    .iter()
                    .map(|x| {
                        serde_json::json!({"k": x.k, "gain": x.inertia_gain, "stability": x.stability,
                            "silhouette": x.silhouette, "inertia": x.inertia_per_resident})
                    })
                    .collect();
                let line = serde_json::json!({
                    "seed": seed, "n": n, "planted_k": planted_k, "chosen_k": c.k, "ari": ari,
                    "recall": rec.iter().map(|x| serde_json::json!([x.0, x.1, x.2])).collect::<Vec<_>>(),
                    "stability": stability, "seconds": s, "candidates": cands, "per_k": per_k,
                });
                writeln!(f, "{line}").unwrap();
            }
        }
        println!(
            "\n{n} residents, {sets} sets, noise {noise}: ARI {}; planted K chosen in {}/{sets} ({:.0}%); planted personas >= 2% that are the majority of a found persona: {maj}/{big} ({:.1}%), all of them in {studies_with_all_big}/{sets} studies; persona stage seconds {}\n",
            quartiles(aris),
            right_k,
            100.0 * right_k as f64 / sets as f64,
            100.0 * maj as f64 / big.max(1) as f64,
            quartiles(secs)
        );
    }
}

/// Research: the latent class model at every K of 4..=12, fitted on a 20,000-resident sample as
/// the persona stage does, its diagnostics on the sample and ARI / majority on all residents.
fn research_lca(table: &FeatureTable, planted: &[u32], seed: u64, n: usize, f: &mut std::fs::File) {
    use loneliness::personas::lca;
    use rand::SeedableRng;
    let mut spec = lca::LcaSpec::default_for(table);
    for name in std::env::var("LCA_EXTRA")
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
    {
        let kind = match name.split_once(':') {
            Some((col, cuts)) => lca::VariableKind::Bands {
                column: col.into(),
                cuts: cuts.split('/').map(|c| c.parse().unwrap()).collect(),
                missing: None,
            },
            None => lca::VariableKind::Flag {
                column: name.into(),
            },
        };
        spec.variables.push(lca::Variable {
            name: name.into(),
            kind,
            unknown: None,
        });
    }
    if std::env::var("LCA_POOL").as_deref() == Ok("resident") {
        spec.pool = lca::Pool::Resident;
    }
    let units = spec.units(table);
    let codes = spec.apply(table, &units).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let sample_residents: f64 =
        std::env::var("LCA_SAMPLE").map_or(lca::SELECTION_SAMPLE as f64, |v| v.parse().unwrap());
    let want = (sample_residents * codes.n_units() as f64 / codes.rows as f64).ceil() as usize;
    let which = personas::select::sample_rows(codes.n_units(), want, &mut rng);
    let sample = codes.subset(&which);
    let planted_k = *planted.iter().max().unwrap() as usize + 1;
    let ks: Vec<usize> = (4..=12).collect();
    let t = Instant::now();
    let restarts: usize =
        std::env::var("LCA_RESTARTS").map_or(lca::SELECTION_RESTARTS, |v| v.parse().unwrap());
    // The persona stage's settings (lca::cluster), unless overridden for research.
    let p = lca::LcaParams {
        restarts,
        splits: std::env::var("LCA_SPLITS").map_or(lca::SPLITS, |v| v.parse().unwrap()),
        start_iter: lca::START_ITER,
        max_iter: lca::SAMPLE_ITER,
        tol: 1e-7,
        ..lca::LcaParams::new(4, 7)
    };
    let path = lca::fit_path(&spec, &sample, &ks, p, |_| {});
    let secs = t.elapsed().as_secs_f64();
    let levels: Vec<usize> = spec.variables.iter().map(|v| v.levels()).collect();
    if std::env::var("LCA_TRUTH").is_ok() {
        // The planted labels as the start: is the planted structure a better fit than the one
        // the path found at the planted K (a search problem) or not (a model problem)?
        let sample_rows: Vec<usize> = which
            .iter()
            .flat_map(|&u| {
                units.rows[units.starts[u] as usize..units.starts[u + 1] as usize].to_vec()
            })
            .collect();
        let truth: Vec<u32> = sample_rows.iter().map(|&r| planted[r]).collect();
        let start = lca::from_labels(&levels, &sample, &truth, planted_k, 0.1);
        let m = lca::em(&levels, &sample, start, 200, 1e-7, 0.1);
        let d = lca::diagnostics(&spec, &m, &sample);
        let at = path
            .iter()
            .find(|m| m.k == planted_k)
            .map(|m| lca::diagnostics(&spec, m, &sample));
        let full = lca::em(&levels, &codes, m.clone(), 20, 1e-7, 0.1);
        let labels = units.scatter(&lca::classify(&full, &codes).0, table.rows());
        println!(
            "truth-start set {seed}: K {planted_k} logL {:.1} (path {:.1}) ARI {:.3}",
            d.loglik,
            at.map_or(f64::NAN, |a| a.loglik),
            adjusted_rand_index(planted, &labels)
        );
    }
    for m in path {
        let k = m.k;
        let d = lca::diagnostics(&spec, &m, &sample);
        let mut sep = serde_json::Map::new();
        for th in [0.2, 0.3, 0.4, 0.5] {
            let mut worst = usize::MAX;
            for a in 0..k {
                for b in a + 1..k {
                    let s = lca::separation(&spec, &m, a, b);
                    worst = worst.min(s.iter().filter(|&&x| x >= th).count());
                }
            }
            sep.insert(format!("{th}"), worst.into());
        }
        let mut min_sum = f64::INFINITY;
        let mut min_max = f64::INFINITY;
        for a in 0..k {
            for b in a + 1..k {
                let s = lca::separation(&spec, &m, a, b);
                min_sum = min_sum.min(s.iter().sum());
                min_max = min_max.min(s.iter().copied().fold(0.0, f64::max));
            }
        }
        let full = lca::em(&levels, &codes, m.clone(), 20, 1e-7, 0.1);
        let labels = units.scatter(&lca::classify(&full, &codes).0, table.rows());
        if let Ok(dir) = std::env::var("LCA_DUMP") {
            std::fs::write(
                format!("{dir}/labels-n{n}-s{seed}-k{k}.json"),
                serde_json::to_vec(&labels).unwrap(),
            )
            .unwrap();
        }
        let r = recalls(planted, &labels);
        let big: Vec<&(f64, f64, bool)> = r.iter().filter(|x| x.0 >= 0.02).collect();
        let line = serde_json::json!({
            "seed": seed, "n": n, "planted_k": planted_k, "k": k,
            "ari": adjusted_rand_index(planted, &labels),
            "majority": big.iter().filter(|x| x.2).count() as f64 / big.len().max(1) as f64,
            "diag": d, "iterations": m.iterations, "seconds": secs,
            "sep": sep, "min_sum": min_sum, "min_max": min_max,
        });
        writeln!(f, "{line}").unwrap();
    }
    println!("set {seed} n {n}: {secs:.1}s");
}
