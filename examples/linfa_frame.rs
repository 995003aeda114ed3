//! The resident frame in the Rust ML ecosystem: fit a linfa model on it and compare it with the
//! engine's personas.
//!
//!     cargo run --release --features ecosystem --example linfa_frame [STUDY]
//!
//! 1. `pipeline::prepare` reads, links and builds the frame of a study (default: the demo).
//! 2. The engine's persona stage clusters the residents; the saved persona model implements
//!    linfa's `Predict`, so `model.predict(&frame.features())` gives every resident's persona.
//! 3. A linfa-trees decision tree learns the personas from the raw features (`Frame::features`, an
//!    `ndarray` view without copying) on half of the residents; its agreement on the other half is
//!    set beside the engine's own beslisboom (depth 4).
//! 4. A second tree is fitted on `Frame::dataset(Outcome::Lonely)`, the weighted survey
//!    respondents, and scored against the survey outcome.
//!
//! It prints the figures and exits non-zero when the pieces disagree (the persona model's
//! prediction must reproduce the stage's labels exactly).

use std::path::PathBuf;

use linfa::prelude::*;
use linfa_trees::DecisionTree;
use loneliness::contract::pseudonym::KeySource;
use loneliness::personas::{self, PersonaParams};
use loneliness::residents::Outcome;
use loneliness::sources::StudyConfig;
use ndarray::{Array1, Axis};

fn main() -> loneliness::Result<()> {
    let study = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("datasets/demo"), PathBuf::from);
    let config = StudyConfig::load(&study)?;
    let seed = loneliness::pipeline::DEFAULT_SEED;
    let frame =
        loneliness::pipeline::prepare(&study, &config, &KeySource::from_env(), seed, |_| {})?.frame;
    let x = frame.features();
    println!(
        "frame: {} residents x {} features, {} scored respondents",
        x.nrows(),
        x.ncols(),
        frame.survey.scored().count()
    );

    // The engine's personas, and the saved model through linfa's Predict.
    let params = PersonaParams {
        suppression_threshold: config.suppression_threshold,
        ..PersonaParams::default()
    }
    .check(frame.table.rows())?;
    let run = personas::run(&frame, &params, None, |_| {})?;
    let engine: Array1<u32> = run.resident_ids().into();
    let predicted: Array1<u32> = run.model.predict(&x);
    let same = predicted
        .iter()
        .zip(&engine)
        .filter(|(a, b)| a == b)
        .count();
    println!(
        "engine personas: K = {}; the saved model's linfa predict reproduces {same} of {} labels",
        run.clustering.k,
        engine.len()
    );

    // A linfa decision tree learns the personas from the raw features: even rows train, odd test.
    let (train_rows, test_rows): (Vec<usize>, Vec<usize>) =
        (0..x.nrows()).partition(|i| i % 2 == 0);
    let labels = engine.mapv(|id| id as usize);
    let train = Dataset::new(
        x.select(Axis(0), &train_rows),
        labels.select(Axis(0), &train_rows),
    );
    let test_x = x.select(Axis(0), &test_rows);
    let test_y = labels.select(Axis(0), &test_rows);
    let mut agreement = Vec::new();
    for depth in [4, 8] {
        let tree = DecisionTree::params()
            .max_depth(Some(depth))
            .fit(&train)
            .map_err(|e| loneliness::Error::Data(format!("linfa-trees: {e}")))?;
        let hits = tree
            .predict(&test_x)
            .iter()
            .zip(&test_y)
            .filter(|(a, b)| a == b)
            .count();
        let share = hits as f64 / test_rows.len() as f64;
        agreement.push(share);
        println!(
            "linfa-trees decision tree, depth {depth}: {:.1}% of held-out residents in the engine's persona",
            100.0 * share
        );
    }
    println!(
        "engine beslisboom, depth 4: {:.1}% on its own held-out residents",
        100.0 * run.tree.accuracy
    );

    // The weighted survey dataset: a tree for loneliness, scored on the respondents themselves.
    let survey = frame.dataset(Outcome::Lonely);
    let tree = DecisionTree::params()
        .max_depth(Some(4))
        .fit(&survey)
        .map_err(|e| loneliness::Error::Data(format!("linfa-trees: {e}")))?;
    let pred = tree.predict(survey.records());
    let w = survey.weights().expect("survey weights");
    let (mut hit, mut total) = (0.0f64, 0.0f64);
    for ((p, t), w) in pred.iter().zip(survey.targets()).zip(w) {
        total += f64::from(*w);
        if p == t {
            hit += f64::from(*w);
        }
    }
    println!(
        "linfa-trees on Frame::dataset(lonely): {} respondents, weighted accuracy {:.1}% (in sample)",
        survey.nsamples(),
        100.0 * hit / total
    );

    let ok = same == engine.len() && agreement.iter().all(|a| *a > 0.5);
    if !ok {
        eprintln!("the linfa view of the frame disagrees with the engine");
        std::process::exit(1);
    }
    Ok(())
}
