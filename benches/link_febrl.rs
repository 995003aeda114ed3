//! FEBRL4 with the generic linker: pairs scored, true pairs reached by blocking, precision,
//! recall and F1 at the threshold, and time from reading the CSVs to all pairs scored and linked
//! (training included), median of several runs.
//!
//! `cargo bench --bench link_febrl [-- --json] [-- --runs N] [-- --data DIR] [-- --config FILE]`
//! Data default: ../shared/data/febrl (relative to the repository root). Config default:
//! benches/febrl4.toml (benches/febrl4_splink_model.toml is Splink's demo model alone). Compare with `benches/link_febrl.sh`, which also runs Splink.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Instant;

use loneliness::link::{LinkSpec, LinkStatus, Linker, RecordTable};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let json = args.iter().any(|a| a == "--json");
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let runs: usize = value("--runs").and_then(|r| r.parse().ok()).unwrap_or(5);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let data = value("--data")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/data/febrl"));
    let config_path = value("--config")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("benches/febrl4.toml"));
    let config = std::fs::read_to_string(&config_path).expect("config");
    let spec = LinkSpec::from_toml(&config)
        .and_then(|s| s.check())
        .expect("valid config");

    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let started = Instant::now();
        let left = RecordTable::from_csv_path(&data.join("febrl4_a.csv")).expect("febrl4_a.csv");
        let right = RecordTable::from_csv_path(&data.join("febrl4_b.csv")).expect("febrl4_b.csv");
        let (model, links) = Linker::fit_link(&spec, &left, &right, spec.seed).expect("link");
        times.push(started.elapsed().as_secs_f64());
        last = Some((left, right, model, links));
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let (left, right, model, links) = last.expect("at least one run");

    let truth_text = std::fs::read_to_string(data.join("febrl4_truth.csv")).expect("truth");
    let truth: HashSet<(String, String)> = truth_text
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(','))
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    let id = |t: &RecordTable, row: usize| -> String {
        let col = t.column_index("rec_id").expect("rec_id");
        t.column(col).get(row).unwrap_or("").to_string()
    };

    // Assigned links (one-to-one) at the configured threshold.
    let mut tp = 0usize;
    let mut fp = 0usize;
    for r in &links.rows {
        if r.status == LinkStatus::Linked {
            let pair = (id(&left, r.left_row.unwrap()), id(&right, r.right_row));
            if truth.contains(&pair) {
                tp += 1;
            } else {
                fp += 1;
            }
        }
    }
    let f1 = |tp: usize, fp: usize| {
        let precision = if tp + fp > 0 {
            tp as f64 / (tp + fp) as f64
        } else {
            0.0
        };
        let recall = tp as f64 / truth.len() as f64;
        let f1 = if tp > 0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        (precision, recall, f1)
    };
    let (precision, recall, f1_linked) = f1(tp, fp);

    // Pairwise, as Splink evaluates: every candidate pair at or above the threshold.
    let scored = model.scored_pairs(&left, &right).expect("scored pairs");
    let is_true: Vec<bool> = scored
        .iter()
        .map(|p| {
            truth.contains(&(
                id(&left, p.left_row as usize),
                id(&right, p.right_row as usize),
            ))
        })
        .collect();
    let reached = is_true.iter().filter(|&&t| t).count();
    let pairwise = |threshold: f64| {
        let (mut tp, mut fp) = (0, 0);
        for (p, &t) in scored.iter().zip(&is_true) {
            if p.match_probability >= threshold {
                if t {
                    tp += 1;
                } else {
                    fp += 1;
                }
            }
        }
        f1(tp, fp)
    };
    let threshold = links.threshold_probability;
    let (pw_precision, pw_recall, pw_f1) = pairwise(threshold);
    let best_pairwise_f1 = (1..100)
        .map(|t| pairwise(t as f64 / 100.0).2)
        .fold(0.0, f64::max);

    let report = model.report();
    if json {
        println!(
            "{}",
            serde_json::json!({
                "tool": "loneliness",
                "config": config_path.display().to_string(),
                "pairs_scored": links.pairs_scored,
                "true_pairs_reached": reached,
                "threshold": threshold,
                "precision": pw_precision,
                "recall": pw_recall,
                "f1": pw_f1,
                "best_f1": best_pairwise_f1,
                "linked_precision": precision,
                "linked_recall": recall,
                "linked_f1": f1_linked,
                "em_iterations": report.em.iterations,
                "seconds_median": median,
                "seconds_all": times,
            })
        );
    } else {
        println!(
            "FEBRL4 with the generic linker ({runs} runs, {})",
            config_path.display()
        );
        println!("  pairs scored            {}", links.pairs_scored);
        println!("  true pairs reached      {reached} of {}", truth.len());
        println!(
            "  EM iterations           {} ({} sessions)",
            report.em.iterations,
            report.em.sessions.len()
        );
        println!("  pairwise at p >= {threshold:.2}  precision {pw_precision:.4} recall {pw_recall:.4} F1 {pw_f1:.4} (best over thresholds {best_pairwise_f1:.4})");
        println!("  one-to-one links        precision {precision:.4} recall {recall:.4} F1 {f1_linked:.4}");
        println!("  time (read CSVs -> linked), median {median:.3} s; all {times:.3?}");
    }
}
