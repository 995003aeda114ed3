//! The persona stage on 500,000 residents, including the choice of K, plus our k-means alone on
//! the encoded matrix (for the comparison with scikit-learn, see `benches/personas_500k.sh`).
//!
//! Run: `cargo bench --bench personas_500k -- [--study DIR] [--npy FILE] [--json]`. Without
//! `--study` a 500,000-resident municipality is generated (seed 7) into a temporary folder. The
//! encoded matrix is written to `--npy` (default: a temp file) as float32 for the sklearn script.
//! Prints CPU-independent wall times; ingest and linkage are reported but are not the persona stage.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use loneliness::contract::pseudonym::KeySource;
use loneliness::personas::{self, encode::Encoding, kmeans, PersonaParams};
use loneliness::sources::{ingest, StudyConfig};

mod common;
use common::{arg, cpu_seconds};

fn write_npy(path: &std::path::Path, m: &personas::encode::Matrix) {
    let mut header = format!(
        "{{'descr': '<f4', 'fortran_order': False, 'shape': ({}, {}), }}",
        m.rows, m.cols
    );
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("npy file"));
    f.write_all(b"\x93NUMPY\x01\x00").unwrap();
    f.write_all(&(header.len() as u16).to_le_bytes()).unwrap();
    f.write_all(header.as_bytes()).unwrap();
    for v in &m.data {
        f.write_all(&v.to_le_bytes()).unwrap();
    }
}

fn main() {
    let json = std::env::args().any(|a| a == "--json");
    let tmp = tempfile::tempdir().expect("temp dir");
    let (study_dir, _) = common::study_500k(tmp.path());
    let npy = arg("--npy")
        .map(PathBuf::from)
        .unwrap_or_else(|| tmp.path().join("matrix.npy"));

    let t = Instant::now();
    let config = StudyConfig::load(&study_dir).unwrap();
    let study = ingest(&study_dir, &config, &KeySource::from_env())
        .unwrap()
        .study;
    let ingest_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let links = loneliness::link::link_study(&study, 7).unwrap();
    let link_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let frame = loneliness::residents::Frame::build(&study, &links).unwrap();
    let table = &frame.table;
    let features_s = t.elapsed().as_secs_f64();

    let params = PersonaParams::default().check(table.rows()).unwrap();
    let t = Instant::now();
    let run = personas::run(&frame, &params, None, |_| {}).unwrap();
    let stage_s = t.elapsed().as_secs_f64();
    let k = run.clustering.k;

    // Our k-means alone on the same matrix, same K and n_init as the sklearn script; best of 3.
    let matrix = Encoding::default_spec()
        .fit(table)
        .unwrap()
        .apply(table)
        .unwrap();
    write_npy(&npy, &matrix);
    let mut kmeans_s = f64::INFINITY;
    let mut kmeans_cpu_s = f64::INFINITY;
    let mut inertia = 0.0;
    let mut iterations = 0;
    for r in 0..3 {
        let t = Instant::now();
        let c = cpu_seconds();
        let fit = kmeans::fit(
            &matrix,
            kmeans::KMeansParams {
                k,
                n_init: params.n_init,
                max_iter: 300,
                tol: kmeans::DEFAULT_TOL,
                seed: 7 + r,
            },
        );
        kmeans_s = kmeans_s.min(t.elapsed().as_secs_f64());
        kmeans_cpu_s = kmeans_cpu_s.min(cpu_seconds() - c);
        inertia = fit.inertia;
        iterations = fit.iterations;
    }
    if json {
        println!(
            "{{\"residents\": {}, \"cols\": {}, \"k\": {k}, \"n_init\": {}, \"npy\": \"{}\", \"ingest_s\": {ingest_s:.3}, \"link_s\": {link_s:.3}, \"features_s\": {features_s:.3}, \"persona_stage_s\": {stage_s:.3}, \"kmeans_s\": {kmeans_s:.3}, \"kmeans_cpu_s\": {kmeans_cpu_s:.2}, \"kmeans_inertia\": {inertia:.1}, \"kmeans_iterations\": {iterations}}}",
            table.rows(), matrix.cols, params.n_init, npy.display()
        );
        // Keep the matrix for the sklearn script when it lives in our temp dir.
        if arg("--npy").is_none() {
            let _ = tmp.keep();
        }
    } else {
        println!(
            "residents {}, encoded columns {}, chosen K {k}",
            table.rows(),
            matrix.cols
        );
        println!("ingest {ingest_s:.2} s, linkage {link_s:.2} s, feature table {features_s:.3} s");
        println!("persona stage (choice of K, final fit, profiles, beslisboom, model): {stage_s:.2} s (target < 20 s)");
        println!("k-means alone (K {k}, n_init {}), best of 3: {kmeans_s:.3} s wall, {kmeans_cpu_s:.2} s CPU, {iterations} iterations, inertia {inertia:.1}", params.n_init);
        println!("matrix for scikit-learn: {}", npy.display());
    }
}
