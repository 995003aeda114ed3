//! `loneliness synth`: write a synthetic study folder and its ground truth.
use std::path::PathBuf;

use crate::error::Result;
use crate::synth::family::PersonaSet;
use crate::synth::{generate, NoiseRates, Profile, SynthParams};

/// Generate a synthetic municipality: a complete study folder plus its ground truth.
///
/// The reference date is 1 January of --year. Profiles hold real CBS/RIVM 2020 figures.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Study folder to write (the engine's input).
    #[arg(long)]
    pub out: PathBuf,
    /// Folder for the ground truth (never read by the engine).
    #[arg(long)]
    pub truth: PathBuf,
    /// Number of residents aged 18+.
    #[arg(long, default_value_t = 20_000)]
    pub residents: usize,
    /// Random seed; same arguments and seed give byte-identical files.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Reference year of the study (reference date = 1 January of this year).
    #[arg(long, default_value_t = 2024)]
    pub year: i32,
    /// Profile name (zoetermeer, den-haag) or path to a profile TOML file.
    #[arg(long, default_value = "zoetermeer")]
    pub profile: String,
    /// Build the municipality of this year and let it live until --year: with the same seed,
    /// the same people a few years on (aged, some moved, died or newly arrived).
    #[arg(long)]
    pub base_year: Option<i32>,
    /// `fixed` (the eight personas of the demo) or `random`: a seeded draw of 5-10 personas from
    /// a larger menu (household-defined, small and near-twin personas; see docs/personas.md).
    /// The drawn set is written to the truth's persona_set.json.
    #[arg(long, default_value = "fixed", value_parser = ["fixed", "random"])]
    pub persona_set: String,
    /// Multiplies every noise rate (linkage noise in the files; with --persona-set random also
    /// register noise in the personas' traits). 1 = the defaults.
    #[arg(long, default_value_t = 1.0)]
    pub noise_scale: f64,
    /// Write into --out and --truth even when they already hold files (they are replaced).
    #[arg(long)]
    pub force: bool,
}

/// Refuses a folder that already holds files: a typo in --out must not replace a real study's
/// brp.csv or pseudonym.key.
fn refuse_non_empty(flag: &str, dir: &std::path::Path) -> Result<()> {
    let non_empty = std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some());
    crate::ensure!(
        !non_empty,
        Config: "{flag} {} is not empty; synth refuses to replace files in it (pass --force to do so anyway)",
        dir.display()
    );
    Ok(())
}

pub fn run(args: Args) -> Result<i32> {
    if !args.force {
        refuse_non_empty("--out", &args.out)?;
        refuse_non_empty("--truth", &args.truth)?;
    }
    let params = SynthParams {
        residents: args.residents,
        seed: args.seed,
        year: args.year,
        profile: Profile::resolve(&args.profile)?,
        noise: NoiseRates::default().scaled(args.noise_scale)?,
        base_year: args.base_year,
    }
    .check()?;
    let params = if args.persona_set == "random" {
        params.with_persona_set(PersonaSet::random(args.seed, args.noise_scale))?
    } else {
        params
    };
    let study = generate(&params)?;
    study.write(&args.out, &args.truth)?;
    let s = &study.summary;
    println!(
        "synth: {} residents in {} households ({} BRP rows), {} survey respondents, {} schuldhulp and {} huisbezoeken rows, {} offers with {} planted gaps -> study {}, truth {}",
        s.residents,
        s.households,
        s.brp_rows,
        s.respondents,
        s.schuldhulp_rows,
        s.huisbezoeken_rows,
        s.offers,
        s.planted_gaps,
        args.out.display(),
        args.truth.display()
    );
    Ok(0)
}
