//! `loneliness link`: the generic probabilistic linker on any two CSV files.
use std::path::PathBuf;
use std::time::Instant;

use crate::error::{Error, IoContext, Location, Result};
use crate::link::{LinkSpec, Linker, Links, RecordTable};

/// Link two CSV files with a Fellegi-Sunter model described in a TOML file.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Left file (for example the register).
    #[arg(long)]
    pub left: PathBuf,
    /// Right file (the records to link).
    #[arg(long)]
    pub right: PathBuf,
    /// Link configuration: id columns, comparisons, blocking rules.
    #[arg(long)]
    pub config: PathBuf,
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(args: Args) -> Result<i32> {
    let started = Instant::now();
    let text = std::fs::read_to_string(&args.config).at(&args.config)?;
    let spec = LinkSpec::from_toml(&text)
        .map_err(|e| crate::error::Error::Config(format!("{}: {e}", args.config.display())))?
        .check()?;
    let left = RecordTable::from_csv_path(&args.left)?;
    let right = RecordTable::from_csv_path(&args.right)?;
    for (path, table, is_left) in [(&args.left, &left, true), (&args.right, &right, false)] {
        for column in spec.columns(is_left) {
            ensure_column(path, table, &column)?;
        }
    }
    let (model, links) = Linker::fit_link(&spec, &left, &right, spec.seed)?;
    let set = crate::io::staging::OutputSet::begin(&args.out, crate::io::staging::LINK_FILES)?;
    let out = set.dir();
    crate::io::write_atomic(&out.join("links.csv"), links_csv(&links).as_bytes())?;
    crate::io::write_atomic(
        &out.join("link_explanations.csv"),
        explanations_csv(&links, model.report().prior.match_weight).as_bytes(),
    )?;
    let report = serde_json::to_string_pretty(model.report())
        .map_err(|e| crate::error::Error::Data(format!("cannot serialise the report: {e}")))?;
    crate::io::write_atomic(&out.join("link_report.json"), report.as_bytes())?;
    set.commit()?;
    let r = model.report();
    println!(
        "linked {} of {} right records (left file: {} records)",
        links.linked, r.right_rows, r.left_rows
    );
    println!(
        "pairs scored {}, EM iterations {}{}, prior {:.3e}, threshold p >= {:.3}",
        links.pairs_scored,
        r.em.iterations,
        if r.em.converged {
            ""
        } else {
            " (not converged)"
        },
        r.prior.lambda,
        r.threshold.match_probability
    );
    println!(
        "time {:.2} s; wrote links.csv, link_explanations.csv and link_report.json to {}",
        started.elapsed().as_secs_f64(),
        args.out.display()
    );
    Ok(0)
}

/// `right_id,left_id,match_probability,match_weight,status`, one row per right record, sorted by
/// right id (then right row). The probability and weight of an unlinked row are those of its
/// strongest candidate, so reviewers can see near misses.
pub fn links_csv(links: &Links) -> String {
    let mut rows: Vec<_> = links.rows.iter().collect();
    rows.sort_by(|a, b| {
        a.right_id
            .cmp(&b.right_id)
            .then(a.right_row.cmp(&b.right_row))
    });
    let mut out = csv::WriterBuilder::new().from_writer(Vec::new());
    out.write_record([
        "right_id",
        "left_id",
        "match_probability",
        "match_weight",
        "status",
    ])
    .expect("writing to memory");
    for r in rows {
        let weight = if r.match_weight.is_finite() {
            format!("{:.4}", r.match_weight)
        } else {
            String::new()
        };
        out.write_record([
            r.right_id.as_deref().unwrap_or(""),
            r.left_id.as_deref().unwrap_or(""),
            &format!("{:.6}", r.match_probability),
            &weight,
            r.status.code(),
        ])
        .expect("writing to memory");
    }
    String::from_utf8(out.into_inner().expect("in memory")).expect("utf-8 in, utf-8 out")
}

/// Why each right record matched (or nearly did): per comparison the level reached and the weight
/// it added, next to the prior weight they all start from. One row per right record that had a
/// candidate, sorted like links.csv; the weights add up to `match_weight`.
pub fn explanations_csv(links: &Links, prior_weight: f64) -> String {
    let mut rows: Vec<_> = links
        .rows
        .iter()
        .filter(|r| !r.contributions.is_empty())
        .collect();
    rows.sort_by(|a, b| {
        a.right_id
            .cmp(&b.right_id)
            .then(a.right_row.cmp(&b.right_row))
    });
    let mut out = csv::WriterBuilder::new().from_writer(Vec::new());
    let mut header = vec![
        "right_id".to_string(),
        "left_id".to_string(),
        "status".to_string(),
        "match_probability".to_string(),
        "match_weight".to_string(),
        "prior_weight".to_string(),
    ];
    if let Some(first) = rows.first() {
        for c in &first.contributions {
            header.push(format!("{}_level", c.comparison));
            header.push(format!("{}_weight", c.comparison));
        }
    }
    out.write_record(&header).expect("writing to memory");
    for r in rows {
        let mut record = vec![
            r.right_id.as_deref().unwrap_or("").to_string(),
            r.left_id.as_deref().unwrap_or("").to_string(),
            r.status.code().to_string(),
            format!("{:.6}", r.match_probability),
            format!("{:.4}", r.match_weight),
            format!("{prior_weight:.4}"),
        ];
        for c in &r.contributions {
            record.push(c.level.clone());
            record.push(format!("{:.4}", c.weight));
        }
        out.write_record(&record).expect("writing to memory");
    }
    String::from_utf8(out.into_inner().expect("in memory")).expect("utf-8 in, utf-8 out")
}

/// A column the config names must be in the file: the error names file, column and what exists.
fn ensure_column(path: &std::path::Path, table: &RecordTable, column: &str) -> Result<()> {
    if table.column_index(column).is_some() {
        return Ok(());
    }
    Err(Error::input(
        Location::file(path).line(1).column(column),
        format!(
            "the header has no column '{column}' named in the link config; it has: {}",
            table.column_names().join(", ")
        ),
    ))
}
