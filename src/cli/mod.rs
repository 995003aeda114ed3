//! The command-line layer: parse (clap), validate once into settings, call the library.
//!
//! Each subcommand lives in its own file with its raw arguments (`Args`) and a `run` that turns
//! them into the library's checked settings. Exit codes: 0 success, 1 the input or a stage failed
//! (or, for `validate`, the study is not usable), 2 a usage or configuration error.

use clap::{Parser, Subcommand};

mod gaps;
mod link;
mod personas;
mod risk;
mod run;
mod score;
mod synth;
mod validate;

/// Find loneliness personas per district, score districts and check the local offer for gaps.
///
/// A study folder holds one municipality's exports (see the README and shared/spec/INPUTS.md).
/// Start with `loneliness synth` to make a synthetic one, then `loneliness validate` it.
#[derive(Debug, Parser)]
#[command(name = "loneliness", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Run(run::Args),
    Synth(synth::Args),
    Validate(validate::Args),
    Link(link::Args),
    Personas(personas::Args),
    Risk(risk::Args),
    Score(score::Args),
    Gaps(gaps::Args),
}

/// A spinner on stderr for the single-stage commands.
pub(crate) fn spinner() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

/// The last line of the single-stage commands: how long it took and where the files went.
pub(crate) fn print_wrote(
    started: std::time::Instant,
    out: &std::path::Path,
    model: Option<&std::path::Path>,
) {
    println!(
        "time {:.1} s; wrote {}{}",
        started.elapsed().as_secs_f64(),
        out.display(),
        model
            .map(|p| format!(" and {}", p.display()))
            .unwrap_or_default()
    );
}

/// Parses the process arguments, runs the command and returns the exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Synth(args) => synth::run(args),
        Command::Validate(args) => validate::run(args),
        Command::Link(args) => link::run(args),
        Command::Personas(args) => personas::run(args),
        Command::Risk(args) => risk::run(args),
        Command::Score(args) => score::run(args),
        Command::Gaps(args) => gaps::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err}");
            err.exit_code()
        }
    }
}
