//! `loneliness validate`: read a study folder, report per source what was accepted and rejected.
use std::io::IsTerminal;
use std::path::PathBuf;

use crate::error::Result;
use crate::sources::{ingest_reporting_all, Ingested, StudyConfig};

/// Check a study folder: every file read, every row accepted or quarantined with its reason.
///
/// Exits 0 when the study is usable, 1 when a fatal problem was found or a required source has
/// no accepted rows.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The study folder.
    pub study: PathBuf,
    /// Write summary.json and quarantine/ here.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print the summary as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// The reference date (peildatum, YYYY-MM-DD) ages and durations are measured on; wins over
    /// study.toml's reference_date/year and over the date derived from brp.csv.
    #[arg(long, value_name = "DATE")]
    pub peildatum: Option<chrono::NaiveDate>,
}

pub fn run(args: Args) -> Result<i32> {
    let config = StudyConfig::load(&args.study)?.with_reference_date(args.peildatum);
    let style = Style::detect();
    let ingested = match ingest_reporting_all(
        &args.study,
        &config,
        &crate::contract::pseudonym::KeySource::from_env(),
    ) {
        Ok(i) => i,
        Err(errors) => {
            let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
            if args.json {
                let json = serde_json::json!({ "usable": false, "fatal": messages });
                println!("{}", serde_json::to_string_pretty(&json).expect("json"));
            } else {
                for m in &messages {
                    println!("{} {m}", style.bad("fatal:"));
                }
                println!(
                    "\n{} fix the problem{} above and run validate again.",
                    style.bad("The study is not usable:"),
                    if messages.len() == 1 { "" } else { "s" }
                );
            }
            return Ok(1);
        }
    };
    if let Some(out) = &args.out {
        // Swapped in whole, like every output set (crate::io::staging).
        let set = crate::io::staging::OutputSet::begin(out, crate::io::staging::VALIDATE_FILES)?;
        ingested.write(set.dir())?;
        set.commit()?;
    }
    if args.json {
        print!("{}", ingested.summary.to_json());
    } else {
        print!("{}", render_table(&ingested, &args, style));
    }
    Ok(if ingested.is_usable() && ingested.doubts().is_empty() {
        0
    } else {
        1
    })
}

/// Bold/red only on a terminal, and never when `NO_COLOR` is set.
#[derive(Debug, Clone, Copy)]
struct Style {
    colour: bool,
}

impl Style {
    fn detect() -> Style {
        Style {
            colour: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        }
    }
    fn paint(self, code: &str, s: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn bold(self, s: &str) -> String {
        self.paint("1", s)
    }
    fn bad(self, s: &str) -> String {
        self.paint("1;31", s)
    }
    fn good(self, s: &str) -> String {
        self.paint("1;32", s)
    }
}

fn render_table(ingested: &Ingested, args: &Args, style: Style) -> String {
    use std::fmt::Write;
    let s = &ingested.summary;
    let mut out = String::new();
    let _ = writeln!(out, "Study folder:   {}", args.study.display());
    if let Some(m) = &s.municipality {
        let name = [m.name.as_deref(), m.code.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        let _ = writeln!(out, "Municipality:   {name}");
    }
    let _ = writeln!(
        out,
        "Reference date: {} ({})\n",
        s.reference_date, s.reference_date_rule
    );

    let header = [
        "source",
        "file",
        "enc",
        "sep",
        "rows",
        "accepted",
        "quarantined",
        "top reasons",
    ];
    let mut rows: Vec<[String; 8]> = Vec::new();
    for spec in crate::contract::files::SOURCES {
        let Some(src) = s.sources.get(spec.name) else {
            continue;
        };
        let mut reasons: Vec<(&String, &u64)> = src.quarantine_reasons.iter().collect();
        reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let mut top: Vec<String> = reasons
            .iter()
            .take(3)
            .map(|(r, n)| format!("{r} {n}"))
            .collect();
        if reasons.len() > 3 {
            top.push(format!("+{} more", reasons.len() - 3));
        }
        rows.push([
            spec.name.to_string(),
            src.file.clone(),
            src.encoding.clone(),
            src.delimiter.clone(),
            src.rows_read.to_string(),
            src.rows_accepted.to_string(),
            src.rows_quarantined.to_string(),
            top.join(", "),
        ]);
    }
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let numeric = |i: usize| (4..=6).contains(&i);
    let line = |cells: Vec<String>| -> String {
        let mut l = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let pad = widths[i].saturating_sub(cell.chars().count());
            if i + 1 == cells.len() {
                l.push_str(cell);
            } else if numeric(i) {
                l.push_str(&" ".repeat(pad));
                l.push_str(cell);
                l.push_str("  ");
            } else {
                l.push_str(cell);
                l.push_str(&" ".repeat(pad + 2));
            }
        }
        l.trim_end().to_string()
    };
    let _ = writeln!(
        out,
        "{}",
        style.bold(&line(header.iter().map(|h| h.to_string()).collect()))
    );
    for r in rows {
        let _ = writeln!(out, "{}", line(r.to_vec()));
    }
    if !s.absent_sources.is_empty() {
        let _ = writeln!(
            out,
            "\nNot present (optional): {}",
            s.absent_sources.join(", ")
        );
    }
    for (name, src) in &s.sources {
        if !src.absent_optional_columns.is_empty() {
            let _ = writeln!(
                out,
                "{name}: optional columns absent: {}",
                src.absent_optional_columns.join(", ")
            );
        }
        if !src.extra_columns.is_empty() {
            let _ = writeln!(
                out,
                "{name}: extra columns kept: {}",
                src.extra_columns.join(", ")
            );
        }
    }
    if let Some(dir) = &args.out {
        let _ = writeln!(
            out,
            "\nWrote {} and {}",
            dir.join("summary.json").display(),
            dir.join("quarantine").display()
        );
    } else if s.sources.values().any(|x| x.rows_quarantined > 0) {
        let _ = writeln!(
            out,
            "\nRun with --out DIR to see every rejected row with its reason in DIR/quarantine/."
        );
    }
    let unusable = ingested.unusable_sources();
    let doubts = ingested.doubts();
    for d in &doubts {
        let _ = writeln!(out, "{} {d}", style.bad("problem:"));
    }
    if unusable.is_empty() && !doubts.is_empty() {
        let _ = writeln!(
            out,
            "\n{} fix the problem{} above and run validate again.",
            style.bad("The study is not usable:"),
            if doubts.len() == 1 { "" } else { "s" }
        );
    } else if unusable.is_empty() {
        let _ = writeln!(out, "\n{}", style.good("The study is usable."));
    } else {
        let _ = writeln!(
            out,
            "\n{} no accepted rows in required source{} {}.",
            style.bad("The study is not usable:"),
            if unusable.len() == 1 { "" } else { "s" },
            unusable.join(", ")
        );
    }
    out
}
