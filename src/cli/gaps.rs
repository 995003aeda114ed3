//! `loneliness gaps`: the gap check, and the workshop's what-if with proposed offers.
use std::path::PathBuf;

use crate::error::Result;
use crate::pipeline::{self, WhatIfOptions};

/// Check every persona against the local offer per wijk, and try proposed changes to it.
///
/// Runs the main job (like `loneliness run`, with the same outputs) and, with --add-offers or
/// --drop-offers, checks again with the proposed sociale kaart: OUT/whatif/gaps.csv,
/// OUT/whatif/gaps.json and OUT/whatif/changes.json list which gaps close and which open.
/// Reuse saved models (--personas-model, --risk-model) so a workshop's reruns change only the
/// offer.
///
/// Example:  loneliness gaps datasets/demo --out out --add-offers voorstel.csv --drop-offers SK0637-0002
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub run: super::run::Args,
    /// Proposed offers to add: a CSV in the format of sociale_kaart.csv (validated like it; bad
    /// rows are quarantined and counted).
    #[arg(long, value_name = "FILE")]
    pub add_offers: Option<PathBuf>,
    /// Offer ids (aanbod_id) to drop, comma-separated.
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub drop_offers: Vec<String>,
}

pub fn run(args: Args) -> Result<i32> {
    let mut options = args.run.options();
    if args.add_offers.is_some() || !args.drop_offers.is_empty() {
        options.whatif = Some(WhatIfOptions {
            add_offers: args.add_offers.clone(),
            drop_offers: args
                .drop_offers
                .iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
        });
    }
    let outcome = pipeline::run(&options.check()?, &args.run.progress())?;
    crate::ensure!(
        outcome.gaps.is_some(),
        Data: "{} has no sociale_kaart.csv: there is no offer to check",
        args.run.study.display()
    );
    if args.run.json {
        let gaps = outcome.gaps.as_ref().expect("checked above");
        let gaps: serde_json::Value =
            serde_json::from_str(&crate::offer::report::to_json(gaps)?).expect("gaps.json parses");
        let json = serde_json::json!({
            "gaps": gaps,
            "whatif": outcome.whatif.as_ref().map(|w| &w.changes),
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&json).expect("serialises")
        );
        return Ok(0);
    }
    print!("{}", super::run::one_screen(&outcome));
    if let Some(w) = &outcome.whatif {
        println!("\nWhat-if with the proposed offers (details in OUT/whatif/):");
        if w.quarantined > 0 {
            println!(
                "  {} row(s) of the proposed offers were rejected (see OUT/whatif/changes.json)",
                w.quarantined
            );
        }
        print!("{}", crate::offer::summary(&w.changes));
    }
    Ok(0)
}
