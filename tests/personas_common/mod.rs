//! Shared helpers for the persona tests: run the persona stage on a study folder like the CLI does.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::Path;

use loneliness::contract::pseudonym::KeySource;
use loneliness::personas::{self, model::PersonaModel, PersonaParams, PersonaRun};
use loneliness::pipeline;
use loneliness::residents::FeatureTable;
use loneliness::sources::StudyConfig;

pub struct Ran {
    pub run: PersonaRun,
    pub table: FeatureTable,
}

pub fn run_study(dir: &Path, k: Option<usize>, seed: u64, previous: Option<&PersonaModel>) -> Ran {
    let config = StudyConfig::load(dir).unwrap();
    let frame = pipeline::prepare(dir, &config, &KeySource::from_env(), seed, |_| {})
        .unwrap()
        .frame;
    let params = PersonaParams {
        k,
        seed,
        suppression_threshold: config.suppression_threshold,
        ..PersonaParams::default()
    }
    .check(frame.table.rows())
    .unwrap();
    let run = personas::run(&frame, &params, previous, |_| {}).unwrap();
    Ran {
        run,
        table: frame.table,
    }
}

/// pseudo_id -> planted persona, from a truth folder's residents.csv.
pub fn truth(path: &Path) -> HashMap<String, u32> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let h = r.headers().unwrap().clone();
    let id = h.iter().position(|c| c == "pseudo_id").unwrap();
    let p = h.iter().position(|c| c == "persona").unwrap();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (rec[id].to_string(), rec[p].parse().unwrap())
        })
        .collect()
}

/// pseudo_id -> persona id of this run.
pub fn assignments(ran: &Ran) -> HashMap<String, u32> {
    ran.table
        .pseudo_ids
        .iter()
        .cloned()
        .zip(ran.run.resident_ids())
        .collect()
}
