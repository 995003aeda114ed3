//! The latent class persona method (`--persona-method lca`): on a random persona set (another
//! world than the demo's) it recovers the planted personas better than k-means; on the demo its
//! model file places residents as the run did, next year's run follows it, and two runs are
//! byte-identical.

mod personas_common;

use std::path::Path;

use loneliness::contract::pseudonym::KeySource;
use loneliness::personas::{self, select::adjusted_rand_index, Method, PersonaParams};
use loneliness::pipeline;
use loneliness::sources::StudyConfig;
use loneliness::synth::{family::PersonaSet, generate, NoiseRates, Profile, SynthParams};
use personas_common::truth;

fn run(
    dir: &Path,
    method: Method,
    previous: Option<&personas::model::PersonaModel>,
) -> (personas::PersonaRun, loneliness::residents::Frame) {
    run_k(dir, method, None, previous)
}

/// [`run`] with a fixed number of personas (`run --personas-model` fixes it to last year's).
fn run_k(
    dir: &Path,
    method: Method,
    k: Option<usize>,
    previous: Option<&personas::model::PersonaModel>,
) -> (personas::PersonaRun, loneliness::residents::Frame) {
    let config = StudyConfig::load(dir).unwrap();
    let frame = pipeline::prepare(dir, &config, &KeySource::from_env(), 7, |_| {})
        .unwrap()
        .frame;
    let params = PersonaParams {
        method,
        k,
        seed: 7,
        suppression_threshold: config.suppression_threshold,
        ..PersonaParams::default()
    }
    .check(frame.table.rows())
    .unwrap();
    let run = personas::run(&frame, &params, previous, |_| {}).unwrap();
    (run, frame)
}

#[test]
fn on_a_random_persona_set_the_latent_class_model_beats_k_means() {
    let tmp = tempfile::tempdir().unwrap();
    let params = SynthParams {
        residents: 20_000,
        seed: 2,
        year: 2024,
        profile: Profile::builtin("zoetermeer").unwrap(),
        noise: NoiseRates::default(),
        base_year: None,
    }
    .check()
    .unwrap()
    .with_persona_set(PersonaSet::random(2, 1.0))
    .unwrap();
    let (study, truth_dir) = (tmp.path().join("study"), tmp.path().join("truth"));
    generate(&params)
        .unwrap()
        .write(&study, &truth_dir)
        .unwrap();
    let truth = truth(&truth_dir.join("residents.csv"));
    let ari = |method| {
        let (r, frame) = run(&study, method, None);
        let planted: Vec<u32> = frame.table.pseudo_ids.iter().map(|p| truth[p]).collect();
        adjusted_rand_index(&planted, &r.clustering.labels)
    };
    let (lca, kmeans) = (ari(Method::Lca), ari(Method::Kmeans));
    assert!(
        lca >= 0.85 && lca > kmeans,
        "ARI latent classes {lca}, k-means {kmeans}"
    );
}

#[test]
fn demo_model_places_residents_as_the_run_did_and_next_year_follows_it() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/demo");
    if !dir.join("brp.csv").exists() {
        return;
    }
    let (first, frame) = run(&dir, Method::Lca, None);
    let model = &first.model;
    assert!(model.lca.is_some() && !model.metrics.lca_selection.is_empty());
    assert!(first.profiles.iter().all(|p| p.stability.is_some()));
    // The saved model places every resident in the persona the run gave them (by household, as
    // the run did); from a bare matrix (no households) every resident alone, mostly the same.
    assert_eq!(
        model.assign_table(&frame.table).unwrap(),
        first.resident_ids()
    );
    let x = ndarray::Array2::from_shape_vec(
        (frame.table.rows(), frame.table.cols()),
        frame.table.values.clone(),
    )
    .unwrap();
    let alone = model.assign(&x).unwrap();
    let same = alone
        .iter()
        .zip(first.resident_ids())
        .filter(|(a, b)| **a == *b)
        .count() as f64
        / alone.len() as f64;
    assert!(same >= 0.9, "{same} placed alike without households");
    // Through a file: the same model, and a second run is byte-identical.
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("personas.json");
    model.save(&path).unwrap();
    let loaded = personas::model::PersonaModel::load(&path).unwrap();
    assert_eq!(&loaded, model);
    let (again, _) = run(&dir, Method::Lca, None);
    assert_eq!(
        serde_json::to_string(&again.model).unwrap(),
        serde_json::to_string(model).unwrap()
    );
    // Next year (here: the same study) every persona continues under its id and name, whether K
    // is chosen again or fixed to last year's (then EM starts from last year's classes directly).
    let (fixed, _) = run_k(&dir, loaded.method(), Some(loaded.k), Some(&loaded));
    assert_eq!(fixed.ids, first.ids);
    let (a, b) = (fixed.resident_ids(), first.resident_ids());
    let same = a.iter().zip(&b).filter(|(x, y)| x == y).count() as f64 / a.len() as f64;
    assert!(same >= 0.99, "{same} of the residents keep their persona");
    let (next, _) = run(&dir, loaded.method(), Some(&loaded));
    let lineage = next.lineage.as_ref().unwrap();
    assert_eq!(next.ids, first.ids);
    assert_eq!(lineage.events.len(), first.ids.len());
    assert!(next
        .profiles
        .iter()
        .zip(&first.profiles)
        .all(|(a, b)| a.name == b.name && a.id == b.id));
}
