//! Synthetic municipality generator: a complete study folder plus its ground truth.
//!
//! Real resident data can never enter the repository, so every later stage (ingest, linkage,
//! personas, risk model, offer gaps) is tested against what this module plants. The flow:
//! [`SynthParams`] -> [`SynthParams::check`] -> [`CheckedParams`] -> [`generate`] ->
//! [`SyntheticStudy`] -> [`SyntheticStudy::write`].
//!
//! The reference date is 1 January of `year`: ages are full years on that day, and every date in
//! the files (registrations, visits, provisions) lies before it. Everything random comes from
//! ChaCha8 generators seeded from `(seed, stream, index)`, one per wijk or task, so output is
//! byte-identical for the same parameters whatever the number of threads.

pub mod csv_out;
pub mod evolve;
pub mod family;
pub mod files;
pub mod names;
pub mod noisy;
pub mod offer;
pub mod outcome;
pub mod persona;
pub mod population;
pub mod profile;
pub mod survey;
pub mod truth;

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::contract::{Bsn, PseudonymKey};
use crate::error::Result;
use outcome::{Outcome, WijkTargets};
use population::{Household, Resident, WijkContext};
pub use profile::Profile;

/// Version written into the manifest; bump when the same parameters would give other files.
pub const GENERATOR_VERSION: &str = "synth-1";

/// How often the sources without a BSN (and the BRP) are corrupted. Each rate is the probability
/// per row (for `non_resident`: the share of rows about people not in the BRP). Defaults are
/// modest, in line with what linkage studies of Dutch municipal files report.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NoiseRates {
    /// One edit (substitution, deletion, insertion, transposition) in the surname.
    pub surname_typo: f64,
    /// Given names reduced to initials ("J.A.") in schuldhulp.
    pub initials: f64,
    /// Voorvoegsel glued onto the surname ("Vandenberg") or dropped ("Berg").
    pub voorvoegsel: f64,
    /// Day and month of the birth date swapped (only when both are <= 12 and differ).
    pub date_swap: f64,
    /// One part of the birth date one off (day +-1 or year +-1).
    pub date_digit: f64,
    /// The row carries the person's previous address (they moved since).
    pub previous_address: f64,
    /// One identifying field empty (postcode, huisnummer, birth date or given names).
    pub missing_value: f64,
    /// Rows about people who are not in the BRP (they must stay unlinked).
    pub non_resident: f64,
    /// BRP rows that are corrupted copies of residents with a BSN failing the eleven-test.
    pub invalid_bsn: f64,
    /// BRP rows that are exact copies of an earlier row.
    pub duplicate_row: f64,
    /// Residents without an inkomen.csv row.
    pub income_missing: f64,
    /// Survey answers left empty (per answer; see [`outcome::djg_answers`] for the rule).
    pub survey_missing: f64,
}

impl Default for NoiseRates {
    fn default() -> Self {
        NoiseRates {
            surname_typo: 0.05,
            initials: 0.25,
            voorvoegsel: 0.10,
            date_swap: 0.02,
            date_digit: 0.02,
            previous_address: 0.05,
            missing_value: 0.03,
            non_resident: 0.03,
            invalid_bsn: 0.001,
            duplicate_row: 0.001,
            income_missing: 0.02,
            survey_missing: 0.02,
        }
    }
}

impl NoiseRates {
    /// Every rate times `factor` (`--noise-scale`); the result must stay a valid rate.
    pub fn scaled(self, factor: f64) -> Result<NoiseRates> {
        crate::ensure!(factor.is_finite() && (0.0..=10.0).contains(&factor),
            Config: "--noise-scale must be between 0 and 10, got {factor}");
        let f = |x: f64| x * factor;
        Ok(NoiseRates {
            surname_typo: f(self.surname_typo),
            initials: f(self.initials).min(0.5),
            voorvoegsel: f(self.voorvoegsel),
            date_swap: f(self.date_swap),
            date_digit: f(self.date_digit),
            previous_address: f(self.previous_address),
            missing_value: f(self.missing_value),
            non_resident: f(self.non_resident),
            invalid_bsn: f(self.invalid_bsn),
            duplicate_row: f(self.duplicate_row),
            income_missing: f(self.income_missing),
            survey_missing: f(self.survey_missing),
        })
    }
}

/// Raw parameters, as given on the command line.
#[derive(Debug, Clone)]
pub struct SynthParams {
    pub residents: usize,
    pub seed: u64,
    pub year: i32,
    pub profile: Profile,
    pub noise: NoiseRates,
    /// Build the population of 1 January `base_year` and let it live until `year` (see
    /// [`evolve`]); `None` means the base year is `year`. Same seed, same base year, a later
    /// year: the same municipality some years on.
    pub base_year: Option<i32>,
}

/// Parameters that passed [`SynthParams::check`].
#[derive(Debug, Clone)]
pub struct CheckedParams {
    pub residents: usize,
    pub seed: u64,
    pub year: i32,
    pub reference: NaiveDate,
    pub profile: Profile,
    pub noise: NoiseRates,
    /// The year whose population is built and then aged to `year` (equal to `year` by default).
    pub base_year: i32,
    /// A drawn family of planted personas instead of the fixed eight (`--persona-set random`).
    pub persona_set: Option<family::PersonaSet>,
}

impl CheckedParams {
    /// Plants `set` instead of the fixed eight personas. Only for a study of one year: the
    /// yearly evolution ([`evolve`]) knows the fixed eight only.
    pub fn with_persona_set(mut self, set: family::PersonaSet) -> Result<CheckedParams> {
        crate::ensure!(self.base_year == self.year,
            Config: "--persona-set random builds one year only; leave out --base-year (got {} for {})", self.base_year, self.year);
        self.persona_set = Some(set);
        Ok(self)
    }
}

impl SynthParams {
    pub fn check(self) -> Result<CheckedParams> {
        let wijken = self.profile.wijk.len();
        crate::ensure!(self.residents >= 200 * wijken && self.residents <= 5_000_000,
            Config: "--residents must be between {} (200 per wijk of profile {}) and 5000000, got {}",
            200 * wijken, self.profile.name, self.residents);
        crate::ensure!((1990..=2100).contains(&self.year),
            Config: "--year must be between 1990 and 2100, got {}", self.year);
        let n = &self.noise;
        for (name, v) in [
            ("surname_typo", n.surname_typo),
            ("initials", n.initials),
            ("voorvoegsel", n.voorvoegsel),
            ("date_swap", n.date_swap),
            ("date_digit", n.date_digit),
            ("previous_address", n.previous_address),
            ("missing_value", n.missing_value),
            ("non_resident", n.non_resident),
            ("invalid_bsn", n.invalid_bsn),
            ("duplicate_row", n.duplicate_row),
            ("income_missing", n.income_missing),
            ("survey_missing", n.survey_missing),
        ] {
            crate::ensure!((0.0..=0.5).contains(&v), Config: "noise rate {name} = {v} must be between 0 and 0.5");
        }
        let base_year = self.base_year.unwrap_or(self.year);
        crate::ensure!(base_year <= self.year && self.year - base_year <= 30,
            Config: "--base-year must be at most --year and at most 30 years before it, got {base_year} for {}", self.year);
        crate::ensure!(base_year >= 1990, Config: "--base-year must be 1990 or later, got {base_year}");
        self.profile.validate()?;
        Ok(CheckedParams {
            base_year,
            residents: self.residents,
            seed: self.seed,
            year: self.year,
            reference: NaiveDate::from_ymd_opt(self.year, 1, 1).expect("checked year"),
            profile: self.profile,
            noise: self.noise,
            persona_set: None,
        })
    }
}

/// A seeded generator for one task: `stream` names the purpose, `index` the wijk or chunk.
pub(crate) fn task_rng(seed: u64, stream: u64, index: u64) -> ChaCha8Rng {
    fn mix(mut z: u64) -> u64 {
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    ChaCha8Rng::seed_from_u64(mix(
        seed ^ mix(stream.wrapping_mul(0x1_0000_0001) ^ mix(index))
    ))
}

/// The RNG streams, so no two tasks share a sequence.
pub(crate) mod stream {
    pub const POPULATION: u64 = 1;
    pub const OUTCOME: u64 = 2;
    pub const SURVEY: u64 = 3;
    pub const BRP: u64 = 4;
    pub const SOURCES: u64 = 5;
    pub const SCHULDHULP: u64 = 6;
    pub const HUISBEZOEKEN: u64 = 7;
    pub const OFFER: u64 = 8;
    pub const BSN: u64 = 9;
    pub const EVOLVE: u64 = 10;
    pub const PERSONA_SET: u64 = 11;
}

/// The pseudonym key of a synthetic study: 64 hex characters derived from the seed (so the study
/// is reproducible), written to `pseudonym.key` without a newline.
pub fn derived_key(seed: u64) -> String {
    hex::encode(Sha256::digest(
        format!("loneliness synthetic pseudonym key, seed {seed}").as_bytes(),
    ))
}

/// The generated municipality in memory, before it is turned into files.
pub struct World {
    pub params: CheckedParams,
    pub key: PseudonymKey,
    pub key_text: String,
    pub households: Vec<Household>,
    pub residents: Vec<Resident>,
    pub outcomes: Vec<Outcome>,
    /// `[start, end)` of each wijk's residents in `residents`.
    pub wijk_ranges: Vec<(usize, usize)>,
    /// Persona target shares per wijk.
    pub wijk_shares: Vec<[f64; 8]>,
    pub base_shares: [f64; 8],
    /// Valid BSNs not given to anyone (for survey respondents outside the BRP).
    pub spare_bsns: Vec<Bsn>,
}

/// Counts for the one-line summary.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub residents: usize,
    pub households: usize,
    pub brp_rows: usize,
    pub respondents: usize,
    pub schuldhulp_rows: usize,
    pub huisbezoeken_rows: usize,
    pub offers: usize,
    pub planted_gaps: usize,
}

/// A generated study: file name -> bytes, for the study folder and the truth folder.
pub struct SyntheticStudy {
    pub study_files: BTreeMap<String, Vec<u8>>,
    pub truth_files: BTreeMap<String, Vec<u8>>,
    pub summary: Summary,
}

impl SyntheticStudy {
    /// Writes both folders atomically, file by file (creating them if needed).
    pub fn write(&self, study_dir: &Path, truth_dir: &Path) -> Result<()> {
        crate::ensure!(study_dir != truth_dir,
            Config: "the study folder and the truth folder must differ (the engine must never read the truth)");
        crate::io::ensure_dir(study_dir)?;
        crate::io::ensure_dir(truth_dir)?;
        for (name, bytes) in &self.study_files {
            crate::io::write_atomic(&study_dir.join(name), bytes)?;
        }
        for (name, bytes) in &self.truth_files {
            crate::io::write_atomic(&truth_dir.join(name), bytes)?;
        }
        Ok(())
    }
}

/// Splits `total` over `weights` by largest remainder.
fn apportion(total: usize, weights: &[f64]) -> Vec<usize> {
    let sum: f64 = weights.iter().sum();
    let exact: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut out: Vec<usize> = exact.iter().map(|e| e.floor() as usize).collect();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        (exact[b] - exact[b].floor())
            .total_cmp(&(exact[a] - exact[a].floor()))
            .then(a.cmp(&b))
    });
    let left = total - out.iter().sum::<usize>();
    for &i in order.iter().take(left) {
        out[i] += 1;
    }
    out
}

/// Builds the population, its identifiers and its true outcomes.
pub fn build_world(params: &CheckedParams) -> Result<World> {
    let profile = &params.profile;
    let names = names::NamePools::new();
    let herkomst = population::herkomst_shares(profile);
    let base = persona::base_shares(profile);
    let weights: Vec<f64> = profile.wijk.iter().map(|w| w.weight).collect();
    let sizes = apportion(params.residents, &weights);
    let shares: Vec<[f64; 8]> = persona::all_wijk_shares(profile, &base);
    let mut first_buurt = Vec::with_capacity(profile.wijk.len());
    let mut acc = 0;
    for w in &profile.wijk {
        first_buurt.push(acc);
        acc += w.buurten.len();
    }
    let base_reference = NaiveDate::from_ymd_opt(params.base_year, 1, 1).expect("checked year");
    let ctx_for = |w: usize, reference: NaiveDate| WijkContext {
        profile,
        names: &names,
        reference,
        herkomst: &herkomst,
        first_buurt: first_buurt[w],
    };
    let mut pops: Vec<population::WijkPopulation> = (0..profile.wijk.len())
        .into_par_iter()
        .map(|w| {
            let mut rng = task_rng(params.seed, stream::POPULATION, w as u64);
            if let Some(set) = &params.persona_set {
                return family::build_wijk(&ctx_for(w, base_reference), w, set, sizes[w], &mut rng);
            }
            let counts = population::persona_counts(sizes[w], &shares[w]);
            population::build_wijk(&ctx_for(w, base_reference), w, &counts, &mut rng)
        })
        .collect();
    let total: usize = pops.iter().map(|p| p.residents.len()).sum();
    crate::ensure!(total == params.residents,
        Data: "generated {total} residents instead of {}", params.residents);

    // Unique valid BSNs: a fixed affine walk over the 8-digit prefixes, skipping those without a
    // check digit. 48271 is coprime with 90,000,000, so no prefix repeats.
    let mut bsn_rng = task_rng(params.seed, stream::BSN, 0);
    let offset: u64 = rand::Rng::random_range(&mut bsn_rng, 0..90_000_000);
    let mut j: u64 = 0;
    let mut next_bsn = || loop {
        let prefix = 10_000_000 + (48_271 * j + offset) % 90_000_000;
        j += 1;
        if let Some(b) = Bsn::from_prefix(prefix as u32) {
            return b;
        }
    };
    for r in pops.iter_mut().flat_map(|p| p.residents.iter_mut()) {
        r.bsn = Some(next_bsn());
    }

    let lon = &profile.loneliness;
    let targets: Vec<WijkTargets> = profile
        .wijk
        .iter()
        .map(|wp| {
            let suppressed = wp.lonely_18plus.is_none();
            let pick = |own: Option<f64>, gemeente: Option<f64>| {
                if suppressed { gemeente } else { own }.map(|v| v / 100.0)
            };
            WijkTargets {
                lonely: wp.target_lonely(lon) / 100.0,
                severe: wp.target_severe(lon) / 100.0,
                lonely_65: pick(wp.lonely_65plus, lon.lonely_65plus),
                severe_65: pick(wp.severe_65plus, lon.severe_65plus),
            }
        })
        .collect();
    // The wijk effects are solved on the base-year population.
    let offsets: Vec<outcome::WijkOffsets> = pops
        .par_iter()
        .zip(&targets)
        .map(|(p, &t)| outcome::calibrate(&p.residents, t))
        .collect();
    let mut fresh = evolve::FreshAddresses::new(acc);
    for year in params.base_year..params.year {
        let reference = NaiveDate::from_ymd_opt(year + 1, 1, 1).expect("checked year");
        for (w, pop) in pops.iter_mut().enumerate() {
            let mut rng = task_rng(params.seed, stream::EVOLVE, (year as u64) << 16 | w as u64);
            let taken = std::mem::replace(
                pop,
                population::WijkPopulation {
                    households: Vec::new(),
                    residents: Vec::new(),
                },
            );
            *pop = evolve::evolve_wijk(
                &ctx_for(w, reference),
                w,
                &shares[w],
                taken,
                &mut fresh,
                &mut next_bsn,
                &mut rng,
            );
        }
    }

    let mut households = Vec::new();
    let mut residents = Vec::with_capacity(params.residents);
    let mut wijk_ranges = Vec::new();
    for pop in pops {
        let offset = households.len();
        let start = residents.len();
        households.extend(pop.households);
        residents.extend(pop.residents.into_iter().map(|mut r| {
            r.household += offset;
            r
        }));
        wijk_ranges.push((start, residents.len()));
    }
    let spare_bsns: Vec<Bsn> = (0..(params.residents / 100 + 50))
        .map(|_| next_bsn())
        .collect();
    let key_text = derived_key(params.seed);
    let key = PseudonymKey::from_bytes(key_text.as_bytes().to_vec())?;
    residents.par_iter_mut().for_each(|r| {
        r.pseudo_id = key.pseudonymise(r.bsn.as_ref().expect("assigned above"));
    });

    let outcomes: Vec<Outcome> = wijk_ranges
        .par_iter()
        .enumerate()
        .map(|(w, &(s, e))| {
            let mut rng = task_rng(params.seed, stream::OUTCOME, w as u64);
            outcome::draw(&residents[s..e], &offsets[w], &mut rng)
        })
        .collect::<Vec<_>>()
        .into_iter()
        .flatten()
        .collect();

    Ok(World {
        params: params.clone(),
        key,
        key_text,
        households,
        residents,
        outcomes,
        wijk_ranges,
        wijk_shares: shares,
        base_shares: base,
        spare_bsns,
    })
}

/// Generates the whole study and its truth in memory.
pub fn generate(params: &CheckedParams) -> Result<SyntheticStudy> {
    let world = build_world(params)?;
    files::render(&world)
}
