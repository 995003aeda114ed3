//! Our hand-written models against the Rust crates and scikit-learn, on the same 500,000-resident
//! matrices, in one run (docs/ecosystem.md has the table and what was decided from it).
//!
//! Run: `cargo bench --features ecosystem-bench --bench ecosystem_500k -- [--study DIR --truth TDIR]
//! [--runs 3] [--k 8] [--only kmeans|tree|gbt]`. Without `--study` a 500,000-resident
//! municipality is generated (Zoetermeer profile, seed 7). Needs python3 with numpy and
//! scikit-learn for `benches/ecosystem_sklearn.py`, which this bench calls after its own runs.
//!
//! - **k-means** (K clusters, the persona stage's restarts, at most 300 iterations, the relative
//!   tolerance 1e-4 of the mean column variance) on the persona matrix: ours, linfa-clustering
//!   (k-means++, its absolute tolerance set to the same movement), scikit-learn's KMeans. Each run
//!   has its own seed. Quality: inertia (recomputed in f64 from each fit's centres and labels)
//!   and the adjusted Rand index against the synthetic truth's personas and against our run 1.
//! - **beslisboom** (depth 4, Gini, leaves >= 20 residents) predicting our run-1 k-means personas
//!   from the register traits, on the beslisboom's own train/hold-out split: ours (binned splits,
//!   time includes its rules), linfa-trees, smartcore and scikit-learn (exact splits). Quality:
//!   hold-out accuracy.
//! - **boosted trees** (the risk bench's settings: 200 rounds, depth 3, learning rate 0.05, L2 1,
//!   64 bins, weighted respondents): ours, forust-ml, scikit-learn's HistGradientBoosting. Time:
//!   fit on the respondents + predict every resident. Quality: 5-fold CV AUC on the same folds
//!   and the AUC against the true outcome of the non-respondents. (smartcore and linfa have no
//!   gradient boosting.)
//!
//! Every tool: wall and CPU seconds (CPU = all threads) of each run; the table prints the median
//! with the min-max spread.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

use linfa::prelude::*;
use linfa_clustering::{KMeans, KMeansInit};
use linfa_trees::{DecisionTree, SplitQuality};
use ndarray::{Array1, Array2};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use loneliness::contract::pseudonym::KeySource;
use loneliness::personas::{encode::Encoding, encode::Matrix, kmeans, select, tree};
use loneliness::risk::{self, fit::stratified_folds, gbt::Gbt, metrics};
use loneliness::sources::{ingest, StudyConfig};

mod common;
use common::{arg, cpu_seconds};

fn write_npy<T: Copy>(path: &Path, descr: &str, data: &[T], rows: usize, cols: usize) {
    let shape = if cols == 1 {
        format!("({rows},)")
    } else {
        format!("({rows}, {cols})")
    };
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("npy file"));
    f.write_all(b"\x93NUMPY\x01\x00").unwrap();
    f.write_all(&(header.len() as u16).to_le_bytes()).unwrap();
    f.write_all(header.as_bytes()).unwrap();
    let bytes = unsafe {
        std::slice::from_raw_parts(data.as_ptr() as *const u8, std::mem::size_of_val(data))
    };
    f.write_all(bytes).unwrap();
}

fn f64_npy(path: &Path, data: &[f64], rows: usize, cols: usize) {
    write_npy(path, "<f8", data, rows, cols);
}

/// One tool's runs: (wall s, CPU s, quality values in the order of the table's columns).
#[derive(Default)]
struct Runs {
    wall: Vec<f64>,
    cpu: Vec<f64>,
    quality: Vec<Vec<f64>>,
}

impl Runs {
    fn push(&mut self, wall: f64, cpu: f64, quality: Vec<f64>) {
        self.wall.push(wall);
        self.cpu.push(cpu);
        self.quality.push(quality);
    }
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s[s.len() / 2]
}

fn spread(v: &[f64], digits: usize) -> String {
    if v.iter().any(|x| x.is_nan()) {
        return "n/a".to_string();
    }
    let (lo, hi) = v
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    if (hi - lo).abs() < 0.5 * 10f64.powi(-(digits as i32)) {
        format!("{:.*}", digits, median(v))
    } else {
        format!(
            "{:.*} ({:.*}-{:.*})",
            digits,
            median(v),
            digits,
            lo,
            digits,
            hi
        )
    }
}

/// Prints a markdown table: tool, wall, CPU, wall ratio to the first row, quality columns.
fn table(title: &str, quality_names: &[(&str, usize)], rows: &[(&str, &Runs)]) {
    println!("\n{title}\n");
    let mut head = "| tool | wall s | CPU s | wall / ours |".to_string();
    for (q, _) in quality_names {
        head.push_str(&format!(" {q} |"));
    }
    println!("{head}");
    println!("|---|---|---|---|{}", "---|".repeat(quality_names.len()));
    let base = median(&rows[0].1.wall);
    for (name, r) in rows {
        let mut line = format!(
            "| {name} | {} | {} | {:.2} |",
            spread(&r.wall, 2),
            spread(&r.cpu, 2),
            median(&r.wall) / base
        );
        for (qi, (_, digits)) in quality_names.iter().enumerate() {
            let v: Vec<f64> = r.quality.iter().map(|q| q[qi]).collect();
            line.push_str(&format!(" {} |", spread(&v, *digits)));
        }
        println!("{line}");
    }
}

fn inertia(x: &Matrix, centres: &[f64], labels: &[usize]) -> f64 {
    let c = x.cols;
    (0..x.rows)
        .into_par_iter()
        .map(|i| {
            let (row, l) = (x.row(i), labels[i]);
            (0..c)
                .map(|j| (row[j] as f64 - centres[l * c + j]).powi(2))
                .sum::<f64>()
        })
        .sum()
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, f64, f64) {
    let (t, c) = (Instant::now(), cpu_seconds());
    let r = f();
    (r, t.elapsed().as_secs_f64(), cpu_seconds() - c)
}

fn main() {
    let only = arg("--only");
    let wants = |part: &str| only.as_deref().is_none_or(|o| o == part);
    let runs: usize = arg("--runs").map_or(3, |r| r.parse().expect("--runs N"));
    let k: usize = arg("--k").map_or(8, |v| v.parse().expect("--k K"));
    let n_init = loneliness::personas::PersonaParams::default().n_init;

    let tmp = tempfile::tempdir().expect("temp dir");
    let (study_dir, truth_dir) = common::study_500k(tmp.path());
    let truth_dir = truth_dir.expect("--truth DIR with --study");
    let config = StudyConfig::load(&study_dir).unwrap();
    let study = ingest(&study_dir, &config, &KeySource::from_env())
        .unwrap()
        .study;
    let links = loneliness::link::link_study(&study, 7).unwrap();
    let frame = loneliness::residents::Frame::build(&study, &links).unwrap();
    let table_ = &frame.table;
    let (n, p) = (table_.rows(), table_.cols());

    // The synthetic truth per resident: persona and the lonely outcome.
    let mut truth: HashMap<String, (u32, f64)> = HashMap::new();
    let mut r = csv::Reader::from_path(truth_dir.join("residents.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |c: &str| h.iter().position(|x| x == c).unwrap();
    let (ci, cp, cl) = (col("pseudo_id"), col("persona"), col("lonely"));
    for rec in r.records() {
        let rec = rec.unwrap();
        truth.insert(
            rec[ci].to_string(),
            (rec[cp].parse().unwrap(), rec[cl].parse().unwrap()),
        );
    }

    let dir = tmp.path().join("sk");
    std::fs::create_dir_all(&dir).unwrap();
    let (mut ours_km, mut linfa_km) = (Runs::default(), Runs::default());
    let (mut ours_tree, mut linfa_tree, mut smart_tree) =
        (Runs::default(), Runs::default(), Runs::default());
    let (mut ours_gbt, mut forust_gbt) = (Runs::default(), Runs::default());
    let (mut ours_cv, mut forust_cv) = (0.0, 0.0);

    // ---- k-means ----
    let matrix = Encoding::default_spec()
        .fit(table_)
        .unwrap()
        .apply(table_)
        .unwrap();
    let truth_persona: Vec<u32> = table_
        .pseudo_ids
        .iter()
        .map(|id| truth.get(id.as_str()).map_or(0, |t| t.0))
        .collect();
    // Our run-1 fit is also the reference for the ARIs and the tree's personas.
    let reference = kmeans::fit(
        &matrix,
        kmeans::KMeansParams {
            k,
            n_init,
            max_iter: 300,
            tol: kmeans::DEFAULT_TOL,
            seed: 7,
        },
    );
    if wants("kmeans") {
        let (rows, cols) = (matrix.rows, matrix.cols);
        let mean_var = (0..cols)
            .map(|j| {
                let m = (0..rows).map(|i| matrix.row(i)[j] as f64).sum::<f64>() / rows as f64;
                (0..rows)
                    .map(|i| (matrix.row(i)[j] as f64 - m).powi(2))
                    .sum::<f64>()
                    / rows as f64
            })
            .sum::<f64>()
            / cols as f64;
        for run in 0..runs {
            let (fit, wall, cpu) = timed(|| {
                kmeans::fit(
                    &matrix,
                    kmeans::KMeansParams {
                        k,
                        n_init,
                        max_iter: 300,
                        tol: kmeans::DEFAULT_TOL,
                        seed: 7 + run as u64,
                    },
                )
            });
            let labels: Vec<usize> = fit.labels.iter().map(|&l| l as usize).collect();
            ours_km.push(
                wall,
                cpu,
                vec![
                    inertia(&matrix, &fit.centroids, &labels),
                    fit.iterations as f64,
                    select::adjusted_rand_index(&fit.labels, &truth_persona),
                    select::adjusted_rand_index(&fit.labels, &reference.labels),
                ],
            );
        }
        let x = Array2::from_shape_vec((rows, cols), matrix.data.clone()).unwrap();
        let data = DatasetBase::from(x.clone());
        // linfa stops when the Euclidean norm of the centres' movement is below its tolerance;
        // scikit-learn's (and our) rule is squared movement <= 1e-4 x mean column variance.
        let linfa_tol = (kmeans::DEFAULT_TOL * mean_var).sqrt() as f32;
        for run in 0..runs {
            let rng = <rand_xoshiro::Xoshiro256Plus as rand_xoshiro::rand_core::SeedableRng>::seed_from_u64(7 + run as u64);
            let (model, wall, cpu) = timed(|| {
                KMeans::params_with_rng(k, rng)
                    .n_runs(n_init)
                    .max_n_iterations(300)
                    .tolerance(linfa_tol)
                    .init_method(KMeansInit::KMeansPlusPlus)
                    .fit(&data)
                    .expect("linfa k-means")
            });
            let labels: Vec<usize> = model.predict(&x).to_vec();
            let centres: Vec<f64> = model.centroids().iter().map(|&v| v as f64).collect();
            let l32: Vec<u32> = labels.iter().map(|&l| l as u32).collect();
            linfa_km.push(
                wall,
                cpu,
                vec![
                    inertia(&matrix, &centres, &labels),
                    f64::NAN,
                    select::adjusted_rand_index(&l32, &truth_persona),
                    select::adjusted_rand_index(&l32, &reference.labels),
                ],
            );
        }
        write_npy(
            &dir.join("matrix.npy"),
            "<f4",
            &matrix.data,
            matrix.rows,
            matrix.cols,
        );
        write_npy(
            &dir.join("truth_persona.npy"),
            "<u4",
            &truth_persona,
            matrix.rows,
            1,
        );
        write_npy(
            &dir.join("ours_labels.npy"),
            "<u4",
            &reference.labels,
            matrix.rows,
            1,
        );
        std::fs::write(
            dir.join("kmeans.json"),
            format!("{{\"k\": {k}, \"n_init\": {n_init}}}"),
        )
        .unwrap();
    }

    // ---- beslisboom ----
    if wants("tree") {
        let names: Vec<String> = (1..=k).map(|c| format!("P{c}")).collect();
        let ids: Vec<u32> = (1..=k as u32).collect();
        let seed = 7;
        for _ in 0..runs {
            let (t, wall, cpu) =
                timed(|| tree::fit(table_, &reference.labels, k, &names, &ids, seed));
            ours_tree.push(wall, cpu, vec![t.accuracy]);
        }
        // The same split as tree::fit.
        let cols: Vec<usize> = tree::TREE_FEATURES
            .iter()
            .filter_map(|f| table_.column_index(f))
            .collect();
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x7ee);
        let mut order: Vec<usize> = (0..n).collect();
        rand::seq::SliceRandom::shuffle(&mut order[..], &mut rng);
        let n_train = (n * 4 / 5).min(100_000);
        let mut train = order[..n_train].to_vec();
        let mut holdout = order[n_train..].to_vec();
        holdout.truncate(100_000);
        train.sort_unstable();
        holdout.sort_unstable();
        let rows_of = |rows: &[usize]| -> Vec<f64> {
            rows.iter()
                .flat_map(|&i| {
                    let row = table_.row(i);
                    cols.iter().map(move |&j| row[j])
                })
                .collect()
        };
        let (xtr, xho) = (rows_of(&train), rows_of(&holdout));
        let ytr: Vec<usize> = train
            .iter()
            .map(|&i| reference.labels[i] as usize)
            .collect();
        let yho: Vec<usize> = holdout
            .iter()
            .map(|&i| reference.labels[i] as usize)
            .collect();
        let accuracy = |pred: &[usize]| {
            pred.iter().zip(&yho).filter(|(a, b)| a == b).count() as f64 / yho.len() as f64
        };
        let c = cols.len();
        for _ in 0..runs {
            let (pred, wall, cpu) = timed(|| {
                let x = Array2::from_shape_vec((train.len(), c), xtr.clone()).unwrap();
                let ds = Dataset::new(x, Array1::from(ytr.clone()));
                let model = DecisionTree::params()
                    .split_quality(SplitQuality::Gini)
                    .max_depth(Some(tree::MAX_DEPTH))
                    .min_weight_leaf(20.0)
                    .fit(&ds)
                    .expect("linfa tree");
                let xh = Array2::from_shape_vec((holdout.len(), c), xho.clone()).unwrap();
                model.predict(&xh).to_vec()
            });
            linfa_tree.push(wall, cpu, vec![accuracy(&pred)]);
        }
        use smartcore::linalg::basic::matrix::DenseMatrix;
        use smartcore::tree::decision_tree_classifier::{
            DecisionTreeClassifier, DecisionTreeClassifierParameters,
        };
        for _ in 0..runs {
            let (pred, wall, cpu) = timed(|| {
                let x = DenseMatrix::new(train.len(), c, xtr.clone(), false).unwrap();
                let y: Vec<u32> = ytr.iter().map(|&v| v as u32).collect();
                let params = DecisionTreeClassifierParameters::default()
                    .with_max_depth(tree::MAX_DEPTH as u16)
                    .with_min_samples_leaf(20);
                let model = DecisionTreeClassifier::fit(&x, &y, params).expect("smartcore tree");
                let xh = DenseMatrix::new(holdout.len(), c, xho.clone(), false).unwrap();
                let pred: Vec<u32> = model.predict(&xh).expect("smartcore predict");
                pred.into_iter().map(|v| v as usize).collect::<Vec<_>>()
            });
            smart_tree.push(wall, cpu, vec![accuracy(&pred)]);
        }
        let mut all = xtr.clone();
        all.extend_from_slice(&xho);
        f64_npy(
            &dir.join("tree_x.npy"),
            &all,
            train.len() + holdout.len(),
            c,
        );
        let yall: Vec<f64> = ytr.iter().chain(&yho).map(|&v| v as f64).collect();
        f64_npy(&dir.join("tree_y.npy"), &yall, yall.len(), 1);
        std::fs::write(
            dir.join("tree.json"),
            format!(
                "{{\"n_train\": {}, \"max_depth\": {}, \"min_leaf\": 20}}",
                train.len(),
                tree::MAX_DEPTH
            ),
        )
        .unwrap();
    }

    // ---- boosted trees ----
    let gbt_params = risk::gbt::GbtParams {
        rounds: 200,
        ..risk::gbt::GbtParams::default()
    };
    if wants("gbt") {
        // Respondents, outcomes and weights as benches/risk_500k.rs takes them.
        let (mut rows, mut y, mut w) = (Vec::new(), vec![0.0; n], vec![0.0; n]);
        for (r, score) in frame.survey.scored() {
            rows.push(r.row);
            y[r.row] = f64::from(u8::from(score.lonely()));
            w[r.row] = r.weight;
        }
        let ys: Vec<f64> = rows.iter().map(|&r| y[r]).collect();
        let folds = stratified_folds(&ys, 5, 7);
        let holdout: Vec<usize> = (0..n)
            .filter(|&i| w[i] == 0.0 && truth.contains_key(table_.pseudo_ids[i].as_str()))
            .collect();
        let y_all: Vec<f64> = (0..n)
            .map(|i| {
                truth
                    .get(table_.pseudo_ids[i].as_str())
                    .map_or(-1.0, |t| t.1)
            })
            .collect();
        let yh: Vec<f64> = holdout.iter().map(|&i| y_all[i]).collect();
        let auc_on = |s: &[f64]| {
            metrics::auc(&holdout.iter().map(|&i| s[i]).collect::<Vec<_>>(), &yh).unwrap()
        };
        let x = &table_.values;
        // Column-major copies for forust (made outside the timed part).
        let col_major = |rows: &[usize]| -> Vec<f64> {
            (0..p)
                .flat_map(|j| rows.iter().map(move |&i| x[i * p + j]))
                .collect()
        };
        let everyone: Vec<usize> = (0..n).collect();
        let x_all_cm = col_major(&everyone);
        let forust = || {
            forust_ml::GradientBooster::default()
                .set_iterations(gbt_params.rounds)
                .set_learning_rate(gbt_params.learning_rate as f32)
                .set_max_depth(gbt_params.depth)
                .set_l2(gbt_params.lambda as f32)
                .set_min_leaf_weight(gbt_params.min_child_hessian as f32)
                .set_nbins(risk::gbt::MAX_BINS as u16)
        };
        let forust_fit = |train: &[usize], cm: &[f64]| {
            let yt: Vec<f64> = train.iter().map(|&i| y[i]).collect();
            let wsum: f64 = train.iter().map(|&i| w[i]).sum();
            let wt: Vec<f64> = train
                .iter()
                .map(|&i| w[i] * train.len() as f64 / wsum)
                .collect();
            let mut m = forust();
            m.fit(&forust_ml::Matrix::new(cm, train.len(), p), &yt, &wt, None)
                .expect("forust fit");
            m
        };
        let resp_cm = col_major(&rows);
        for _ in 0..runs {
            let (pred, wall, cpu) = timed(|| {
                let gb = Gbt::fit(x, p, &y, &w, &rows, &gbt_params);
                (0..n)
                    .into_par_iter()
                    .map(|i| gb.logit(table_.row(i)))
                    .collect::<Vec<f64>>()
            });
            ours_gbt.push(wall, cpu, vec![auc_on(&pred)]);
            let (pred, wall, cpu) = timed(|| {
                let m = forust_fit(&rows, &resp_cm);
                m.predict(&forust_ml::Matrix::new(&x_all_cm, n, p), true)
            });
            forust_gbt.push(wall, cpu, vec![auc_on(&pred)]);
        }
        // 5-fold CV AUC on the same folds (not timed).
        let mut cv = [0.0f64; 2];
        for f in 0..5 {
            let train: Vec<usize> = (0..rows.len())
                .filter(|&q| folds[q] != f)
                .map(|q| rows[q])
                .collect();
            let test: Vec<usize> = (0..rows.len())
                .filter(|&q| folds[q] == f)
                .map(|q| rows[q])
                .collect();
            let yt: Vec<f64> = test.iter().map(|&i| y[i]).collect();
            let gb = Gbt::fit(x, p, &y, &w, &train, &gbt_params);
            let po: Vec<f64> = test.iter().map(|&i| gb.logit(table_.row(i))).collect();
            cv[0] += metrics::auc(&po, &yt).unwrap() / 5.0;
            let m = forust_fit(&train, &col_major(&train));
            let pf = m.predict(
                &forust_ml::Matrix::new(&col_major(&test), test.len(), p),
                true,
            );
            cv[1] += metrics::auc(&pf, &yt).unwrap() / 5.0;
        }
        (ours_cv, forust_cv) = (cv[0], cv[1]);

        f64_npy(&dir.join("x_all.npy"), x, n, p);
        let resp_f: Vec<f64> = rows.iter().map(|&r| r as f64).collect();
        f64_npy(&dir.join("resp.npy"), &resp_f, rows.len(), 1);
        f64_npy(&dir.join("y.npy"), &ys, rows.len(), 1);
        let wr: Vec<f64> = rows.iter().map(|&r| w[r]).collect();
        f64_npy(&dir.join("w.npy"), &wr, rows.len(), 1);
        let ff: Vec<f64> = folds.iter().map(|&f| f as f64).collect();
        f64_npy(&dir.join("folds.npy"), &ff, rows.len(), 1);
        f64_npy(&dir.join("y_all.npy"), &y_all, n, 1);
        let hf: Vec<f64> = holdout.iter().map(|&i| i as f64).collect();
        f64_npy(&dir.join("holdout.npy"), &hf, holdout.len(), 1);
        std::fs::write(
            dir.join("gbt.json"),
            format!(
                "{{\"rounds\": {}, \"depth\": {}, \"learning_rate\": {}, \"l2\": {}}}",
                gbt_params.rounds, gbt_params.depth, gbt_params.learning_rate, gbt_params.lambda
            ),
        )
        .unwrap();
    }

    // ---- scikit-learn, same run ----
    let out = std::process::Command::new("python3")
        .arg("benches/ecosystem_sklearn.py")
        .arg(&dir)
        .arg(runs.to_string())
        .output()
        .expect("python3 runs");
    if !out.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&out.stderr));
        panic!("the scikit-learn script failed (pip install scikit-learn numpy)");
    }
    let sk: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let sk_runs = |part: &serde_json::Value, quality: &[&str]| {
        let mut r = Runs::default();
        for run in part.as_array().unwrap() {
            let f = |k: &str| run[k].as_f64().unwrap_or(f64::NAN);
            r.push(
                f("wall_s"),
                f("cpu_s"),
                quality.iter().map(|q| f(q)).collect(),
            );
        }
        r
    };
    let version = sk["version"].as_str().unwrap_or("?");
    let sk_name = format!("scikit-learn {version}");

    println!(
        "{n} residents, persona matrix {} x {}, {runs} runs per tool; CPU = all threads",
        matrix.rows, matrix.cols
    );
    if wants("kmeans") {
        let sk_km = sk_runs(
            &sk["kmeans"],
            &["inertia", "iterations", "ari_truth", "ari_ours"],
        );
        table(
            &format!("k-means, K {k}, {n_init} restarts, at most 300 iterations, relative tolerance 1e-4 (seeds differ per run)"),
            &[("inertia", 0), ("iterations (best restart)", 0), ("ARI vs truth", 4), ("ARI vs ours run 1", 4)],
            &[("ours", &ours_km), ("linfa-clustering 0.8", &linfa_km), (&sk_name, &sk_km)],
        );
    }
    if wants("tree") {
        let sk_tree = sk_runs(&sk["tree"], &["accuracy"]);
        table(
            &format!(
                "beslisboom (depth {}, Gini, leaf >= 20) on our k-means personas",
                tree::MAX_DEPTH
            ),
            &[("hold-out accuracy", 4)],
            &[
                ("ours (binned)", &ours_tree),
                ("linfa-trees 0.8", &linfa_tree),
                ("smartcore 0.7", &smart_tree),
                (&sk_name, &sk_tree),
            ],
        );
    }
    if wants("gbt") {
        let sk_gbt = sk_runs(&sk["gbt"]["runs"], &["holdout_auc"]);
        let sk_cv = sk["gbt"]["cv_auc"].as_f64().unwrap_or(f64::NAN);
        table(
            &format!(
                "boosted trees ({} rounds, depth {}, learning rate {}, L2 {}, 64 bins): fit on respondents + predict everyone",
                gbt_params.rounds, gbt_params.depth, gbt_params.learning_rate, gbt_params.lambda
            ),
            &[("AUC non-respondents", 4)],
            &[("ours", &ours_gbt), ("forust-ml 0.8", &forust_gbt), (&sk_name, &sk_gbt)],
        );
        println!("\n5-fold CV AUC on the respondents (same folds): ours {ours_cv:.4}, forust-ml {forust_cv:.4}, scikit-learn {sk_cv:.4}");
    }
}
