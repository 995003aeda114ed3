//! Latent class analysis: personas as a mixture of independent categorical distributions.
//!
//! Every resident is described by a few categorical variables ([`LcaSpec`]: age and income in
//! bands, household type, marital status, origin, source of income, and 0/1 register signals such
//! as WMO care, a housemate with WMO care or on a benefit, another generation in the household).
//! Within a persona the variables are independent; a persona is its share and, per variable, the
//! probability of each level, which is exactly the profile the report shows. The adults of one
//! household share one class ([`Pool::Household`]; a household's likelihood is its members' mean
//! log-likelihood), so a persona defined by the household (a carer and the partner with WMO,
//! parents and their adult children at home) is one class, not one per role; an unknown value
//! (no income record) is left out of the likelihood instead of being a level of its own
//! ([`Variable::unknown`]). The fit is expectation-maximisation (EM) with a small Dirichlet
//! prior, started from k-means on the indicator matrix and from splits of every class of the
//! previous K ([`fit_path`]); K is the lowest BIC + [`ENTROPY_WEIGHT`] x ICL's entropy term.
//!
//! Why this beside k-means on a weighted encoding: on the family of random persona sets
//! (`synth --persona-set random`, the whole stage with its K rule, 20 sets each at 40,000 and
//! 200,000 residents) it recovered the planted personas with median ARI 0.994 at both sizes
//! against 0.806 and 0.808 for k-means, chose the planted K in 19 and 18 of 20 sets (k-means 0 and
//! 1), and made every planted persona of >= 2% the majority of a found persona (k-means 77%);
//! docs/personas.md has the decision table, the held-out sets and why k-means stays the default.
//!
//! Speed (500,000 residents, 2 cores, whole persona stage with this method): 9.5-10.9 s over
//! four runs, of which about 7 s is the search over K on the 50,000-resident sample; cheaper
//! searches (screened starts) ran in 4.1-6.6 s but chose the planted K in 3-7 fewer of 20 sets.
//! The E and M steps are fused: one pass over the households accumulates the expected counts
//! without storing responsibilities, with class scores summed from a level-major table and
//! classes a household almost surely is not in skipped in the level counts, in fixed chunks whose
//! partial sums are added in chunk order, so the result does not depend on the number of threads.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::encode::Matrix;
use super::kmeans::{self, KMeansParams};
use crate::error::Result;
use crate::residents::FeatureTable;

/// How one categorical variable is read from the feature table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum VariableKind {
    /// A numeric column cut into bands: level `b` holds `cuts[b-1] <= x < cuts[b]`. With
    /// `missing`, residents whose 0/1 column `missing` is set form one more level.
    Bands {
        column: String,
        cuts: Vec<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        missing: Option<String>,
    },
    /// One-hot columns: the level is the first column that is set (the last when none is).
    Group { columns: Vec<String> },
    /// A 0/1 column.
    Flag { column: String },
}

/// One categorical variable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variable {
    pub name: String,
    #[serde(flatten)]
    pub kind: VariableKind,
    /// A 0/1 column that, when set, says this resident's value is not known (no income record):
    /// the variable is then left out of their likelihood instead of being a level of its own,
    /// so residents missing a record do not form a persona of their own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unknown: Option<String>,
}

/// The code of a value that is not known (see [`Variable::unknown`]): it adds nothing to a
/// resident's likelihood or to any level count.
pub const UNKNOWN: u16 = u16::MAX;

impl Variable {
    pub fn levels(&self) -> usize {
        match &self.kind {
            VariableKind::Bands { cuts, missing, .. } => {
                cuts.len() + 1 + usize::from(missing.is_some())
            }
            VariableKind::Group { columns } => columns.len(),
            VariableKind::Flag { .. } => 2,
        }
    }

    fn columns(&self) -> Vec<&str> {
        match &self.kind {
            VariableKind::Bands {
                column, missing, ..
            } => std::iter::once(column.as_str())
                .chain(missing.as_deref())
                .collect(),
            VariableKind::Group { columns } => columns.iter().map(String::as_str).collect(),
            VariableKind::Flag { column } => vec![column.as_str()],
        }
    }
}

/// The variables of the latent class model, in order, and what one class membership covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LcaSpec {
    pub variables: Vec<Variable>,
    /// `household`: the adults of one household share one class (absent in model files written
    /// before it existed, which classify every resident on their own).
    #[serde(default)]
    pub pool: Pool,
}

/// What one class membership covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pool {
    /// Every resident on their own.
    #[default]
    Resident,
    /// The adults of one household (the BRP's `huishouden_id`) together: a household's class
    /// is the one most probable for all its adults at once, and every adult gets it. A persona
    /// defined by the household (a carer and the partner they care for, parents and the adult
    /// children living with them) is then one class, not one per role.
    Household,
}

/// Residents grouped into the units one class membership covers: `rows` (table rows, unit by
/// unit) and the start of every unit in `rows`, followed by `rows.len()`.
#[derive(Debug, Clone, PartialEq)]
pub struct Units {
    pub rows: Vec<usize>,
    pub starts: Vec<u32>,
}

impl Units {
    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Every row on its own, in the order given.
    pub fn singletons(rows: Vec<usize>) -> Units {
        let starts = (0..=rows.len() as u32).collect();
        Units { rows, starts }
    }
    /// The units `which` (in that order, with repetitions).
    pub fn pick(&self, which: &[usize]) -> Units {
        let mut rows = Vec::new();
        let mut starts = Vec::with_capacity(which.len() + 1);
        for &u in which {
            starts.push(rows.len() as u32);
            rows.extend_from_slice(
                &self.rows[self.starts[u] as usize..self.starts[u + 1] as usize],
            );
        }
        starts.push(rows.len() as u32);
        Units { rows, starts }
    }
    /// A seeded sample of whole units holding about `residents` residents (all when fewer).
    pub fn sample(&self, residents: usize, rng: &mut rand_chacha::ChaCha8Rng) -> Units {
        self.pick(&sample_units(self.len(), self.rows.len(), residents, rng))
    }
    /// Labels per row of these units (as [`classify`] returns them) put back in table order.
    pub fn scatter(&self, labels: &[u32], table_rows: usize) -> Vec<u32> {
        let mut out = vec![0u32; table_rows];
        for (&r, &l) in self.rows.iter().zip(labels) {
            out[r] = l;
        }
        out
    }
}

/// A seeded sample of whole units (indices, sorted) out of `units` holding `rows` residents in
/// all, with about `residents` residents (all units when there are fewer).
fn sample_units(
    units: usize,
    rows: usize,
    residents: usize,
    rng: &mut rand_chacha::ChaCha8Rng,
) -> Vec<usize> {
    let want = (residents as f64 * units as f64 / rows.max(1) as f64).ceil() as usize;
    super::select::sample_rows(units, want, rng)
}

/// Register signals that enter as 0/1 variables (those present in the table).
pub const FLAGS: [&str; 10] = [
    "minimaregeling",
    "wmo_any",
    "household_member_wmo",
    "household_member_benefit",
    "household_older_generation",
    "household_younger_generation",
    "debt_counselling_any",
    "parenting_support_active",
    "recently_divorced",
    "recently_widowed",
];

/// The level of a one-hot group that means "not known" (`inkomensbron=onbekend`: no income
/// record); see [`Variable::unknown`].
pub const UNKNOWN_LEVEL: &str = "onbekend";

/// One-hot groups that enter as one variable each.
pub const GROUPS: [&str; 4] = [
    "huishouden",
    "burgerlijke_staat",
    "herkomst",
    "inkomensbron",
];

impl LcaSpec {
    /// The default variables, restricted to the columns `table` has: age in ten-year bands from
    /// 25 to 85, the income percentile in quintiles, the one-hot groups of [`GROUPS`] and the
    /// flags of [`FLAGS`]; no income record is unknown ([`Variable::unknown`]), not a level. The
    /// adults of a household share one class ([`Pool::Household`]).
    pub fn default_for(table: &FeatureTable) -> LcaSpec {
        let has = |c: &str| table.column_index(c).is_some();
        let mut variables = Vec::new();
        if has("age") {
            variables.push(Variable {
                name: "age".into(),
                kind: VariableKind::Bands {
                    column: "age".into(),
                    cuts: vec![25.0, 35.0, 45.0, 55.0, 65.0, 75.0, 85.0],
                    missing: None,
                },
                unknown: None,
            });
        }
        if has("income_percentile") {
            variables.push(Variable {
                name: "income_percentile".into(),
                kind: VariableKind::Bands {
                    column: "income_percentile".into(),
                    cuts: vec![20.0, 40.0, 60.0, 80.0],
                    missing: None,
                },
                unknown: has("income_missing").then(|| "income_missing".to_string()),
            });
        }
        for g in GROUPS {
            let prefix = format!("{g}=");
            let unknown = format!("{g}={UNKNOWN_LEVEL}");
            let columns: Vec<String> = table
                .features
                .iter()
                .filter(|f| f.name.starts_with(&prefix) && f.name != unknown)
                .map(|f| f.name.clone())
                .collect();
            if columns.len() >= 2 {
                variables.push(Variable {
                    name: g.into(),
                    kind: VariableKind::Group { columns },
                    unknown: has(&unknown).then_some(unknown),
                });
            }
        }
        for f in FLAGS {
            if has(f) {
                variables.push(Variable {
                    name: f.into(),
                    kind: VariableKind::Flag { column: f.into() },
                    unknown: None,
                });
            }
        }
        LcaSpec {
            variables,
            pool: Pool::Household,
        }
    }

    /// The units of `table` under this spec's [`Pool`]: households (in order of their first
    /// adult) or every resident on their own.
    pub fn units(&self, table: &FeatureTable) -> Units {
        match self.pool {
            Pool::Resident => Units::singletons((0..table.rows()).collect()),
            Pool::Household => {
                let hh = table
                    .household
                    .iter()
                    .map(|&h| h as usize + 1)
                    .max()
                    .unwrap_or(0);
                let mut count = vec![0u32; hh + 1];
                for &h in &table.household {
                    count[h as usize + 1] += 1;
                }
                for h in 0..hh {
                    count[h + 1] += count[h];
                }
                let starts = count.clone();
                let mut next = count;
                let mut rows = vec![0usize; table.rows()];
                for (r, &h) in table.household.iter().enumerate() {
                    rows[next[h as usize] as usize] = r;
                    next[h as usize] += 1;
                }
                Units { rows, starts }
            }
        }
    }

    /// Offsets of each variable's levels in the concatenated level vector, and their total.
    pub fn offsets(&self) -> (Vec<usize>, usize) {
        let mut off = Vec::with_capacity(self.variables.len());
        let mut total = 0;
        for v in &self.variables {
            off.push(total);
            total += v.levels();
        }
        (off, total)
    }

    /// The level codes of the residents of `units` (see [`LcaSpec::apply_rows`]), grouped.
    pub fn apply(&self, table: &FeatureTable, units: &Units) -> Result<Codes> {
        let mut codes = self.apply_rows(table, &units.rows)?;
        codes.units = units.starts.clone();
        Ok(codes)
    }

    /// The level code of every resident `rows` of `table` and variable (`rows * variables`,
    /// row-major), as offsets into the concatenated level vector; every resident its own unit.
    pub fn apply_rows(&self, table: &FeatureTable, rows: &[usize]) -> Result<Codes> {
        let column = |c: &str| {
            table.column_index(c).ok_or_else(|| {
                crate::error::Error::Data(format!(
                    "the persona model needs the column '{c}', which the feature table lacks"
                ))
            })
        };
        let mut idx: Vec<Vec<usize>> = Vec::with_capacity(self.variables.len());
        let mut unknown: Vec<Option<usize>> = Vec::with_capacity(self.variables.len());
        for v in &self.variables {
            idx.push(v.columns().into_iter().map(column).collect::<Result<_>>()?);
            unknown.push(v.unknown.as_deref().map(column).transpose()?);
        }
        crate::ensure!(
            self.offsets().1 < UNKNOWN as usize,
            Config: "the persona model has too many levels"
        );
        let (off, levels) = self.offsets();
        let vars = self.variables.len();
        let mut codes = vec![0u16; rows.len() * vars];
        for (i, &r) in rows.iter().enumerate() {
            let row = table.row(r);
            for (v, var) in self.variables.iter().enumerate() {
                if unknown[v].is_some_and(|j| row[j] >= 0.5) {
                    codes[i * vars + v] = UNKNOWN;
                    continue;
                }
                let cols = &idx[v];
                let level = match &var.kind {
                    VariableKind::Bands { cuts, missing, .. } => {
                        if missing.is_some() && row[cols[1]] >= 0.5 {
                            cuts.len() + 1
                        } else {
                            let x = row[cols[0]];
                            cuts.iter().take_while(|&&c| x >= c).count()
                        }
                    }
                    VariableKind::Group { .. } => cols
                        .iter()
                        .position(|&j| row[j] >= 0.5)
                        .unwrap_or(cols.len() - 1),
                    VariableKind::Flag { .. } => usize::from(row[cols[0]] >= 0.5),
                };
                codes[i * vars + v] = (off[v] + level) as u16;
            }
        }
        Ok(Codes::new(rows.len(), vars, levels, codes))
    }
}

/// Residents as level codes: `rows * vars`, each an index into the `levels` concatenated levels,
/// grouped into units (consecutive rows that share one class: a household, or one resident).
#[derive(Debug, Clone)]
pub struct Codes {
    pub rows: usize,
    pub vars: usize,
    pub levels: usize,
    pub data: Vec<u16>,
    /// The first row of every unit, followed by `rows`.
    pub units: Vec<u32>,
}

impl Codes {
    /// Codes with every row its own unit.
    pub fn new(rows: usize, vars: usize, levels: usize, data: Vec<u16>) -> Codes {
        Codes {
            rows,
            vars,
            levels,
            data,
            units: (0..=rows as u32).collect(),
        }
    }

    pub fn row(&self, i: usize) -> &[u16] {
        &self.data[i * self.vars..(i + 1) * self.vars]
    }

    pub fn n_units(&self) -> usize {
        self.units.len() - 1
    }

    /// The residents of unit `u`.
    pub fn members(&self, u: usize) -> usize {
        (self.units[u + 1] - self.units[u]) as usize
    }

    /// The codes of all rows of unit `u`, one after the other.
    pub fn unit(&self, u: usize) -> &[u16] {
        &self.data[self.units[u] as usize * self.vars..self.units[u + 1] as usize * self.vars]
    }

    /// A seeded sample of whole units holding about `residents` residents (all when fewer).
    pub fn sample(&self, residents: usize, rng: &mut rand_chacha::ChaCha8Rng) -> Codes {
        self.subset(&sample_units(self.n_units(), self.rows, residents, rng))
    }

    /// The units `which` (with repetitions), in that order.
    pub fn subset(&self, which: &[usize]) -> Codes {
        let mut data = Vec::new();
        let mut units = Vec::with_capacity(which.len() + 1);
        for &u in which {
            units.push((data.len() / self.vars.max(1)) as u32);
            data.extend_from_slice(self.unit(u));
        }
        let rows = data.len() / self.vars.max(1);
        units.push(rows as u32);
        Codes {
            rows,
            vars: self.vars,
            levels: self.levels,
            data,
            units,
        }
    }

    /// The 0/1 indicator matrix (one column per level), for the k-means starts.
    pub fn indicators(&self) -> Matrix {
        let mut data = vec![0f32; self.rows * self.levels];
        for i in 0..self.rows {
            for &c in self.row(i) {
                if c != UNKNOWN {
                    data[i * self.levels + c as usize] = 1.0;
                }
            }
        }
        Matrix {
            rows: self.rows,
            cols: self.levels,
            data,
        }
    }
}

/// Fit settings.
#[derive(Debug, Clone, Copy)]
pub struct LcaParams {
    pub k: usize,
    /// k-means starts, each followed by `start_iter` EM steps; the best is continued.
    pub restarts: usize,
    /// Along a path of K, how many of the previous K's largest classes are tried split in two.
    pub splits: usize,
    pub start_iter: usize,
    pub max_iter: usize,
    /// Stop when the log-likelihood improves by less than `tol * |logL|`.
    pub tol: f64,
    /// Dirichlet prior added to every expected level count.
    pub prior: f64,
    pub seed: u64,
}

impl LcaParams {
    pub fn new(k: usize, seed: u64) -> LcaParams {
        LcaParams {
            k,
            restarts: 4,
            splits: SPLITS,
            start_iter: 30,
            max_iter: 300,
            tol: 1e-7,
            prior: 0.1,
            seed,
        }
    }
}

/// A fitted latent class model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LcaModel {
    pub k: usize,
    /// Log class shares (`k`).
    pub log_share: Vec<f64>,
    /// Log level probabilities per class (`k * levels`, row-major), each variable's block
    /// summing to one.
    pub log_prob: Vec<f64>,
    pub levels: usize,
    /// Log-likelihood of the data the model was fitted on, and EM steps taken.
    pub loglik: f64,
    pub iterations: usize,
}

/// A class's posterior below this adds nothing to the level counts (it still counts in the class
/// total): it skips most of a pass's additions, as certainty is typically above 0.99.
const NEGLIGIBLE: f64 = 1e-12;

/// Rows per chunk of the fused E/M pass (fixed, so sums do not depend on the thread count).
const CHUNK: usize = 1024;

/// Expected counts of one pass: `k * levels` level counts, `k` class counts, the log-likelihood.
struct Pass {
    counts: Vec<f64>,
    class: Vec<f64>,
    loglik: f64,
}

/// The level probabilities level-major (`levels * k`), so one resident's class scores are a sum
/// of whole rows (contiguous, vectorisable); the additions per class are in the same order as
/// class-major, so the result is bit-identical.
fn level_major(m: &LcaModel) -> Vec<f64> {
    let (k, l) = (m.k, m.levels);
    let mut t = vec![0.0; l * k];
    for c in 0..k {
        for j in 0..l {
            t[j * k + c] = m.log_prob[c * l + j];
        }
    }
    t
}

/// Posterior class probabilities of one unit (the codes of its residents, one after the other)
/// into `out` (`lpt` from [`level_major`]); returns the log-likelihood term.
#[inline]
fn posterior(m: &LcaModel, lpt: &[f64], row: &[u16], members: usize, out: &mut [f64]) -> f64 {
    let k = m.k;
    if members == 1 {
        out.copy_from_slice(&m.log_share);
    } else {
        out.fill(0.0);
    }
    for &code in row {
        if code == UNKNOWN {
            continue;
        }
        let t = &lpt[code as usize * k..(code as usize + 1) * k];
        for (o, &v) in out.iter_mut().zip(t) {
            *o += v;
        }
    }
    if members > 1 {
        // A household is one observation: its members' mean log-likelihood, so that what its
        // adults share (a household income, partners' ages) is not counted once per adult.
        let w = 1.0 / members as f64;
        for (o, &s) in out.iter_mut().zip(&m.log_share) {
            *o = s + *o * w;
        }
    }
    let top = out.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut total = 0.0;
    for o in out.iter_mut() {
        *o = (*o - top).exp();
        total += *o;
    }
    for o in out.iter_mut() {
        *o /= total;
    }
    top + total.ln()
}

fn pass(m: &LcaModel, x: &Codes) -> Pass {
    let (k, l) = (m.k, m.levels);
    let lpt = level_major(m);
    let parts: Vec<Pass> = (0..x.n_units().div_ceil(CHUNK))
        .into_par_iter()
        .map(|ch| {
            let mut p = Pass {
                counts: vec![0.0; k * l],
                class: vec![0.0; k],
                loglik: 0.0,
            };
            let mut r = vec![0.0; k];
            for u in ch * CHUNK..((ch + 1) * CHUNK).min(x.n_units()) {
                let row = x.unit(u);
                let members = x.members(u);
                p.loglik += posterior(m, &lpt, row, members, &mut r);
                for (c, &rc) in r.iter().enumerate() {
                    p.class[c] += rc;
                    // Most residents belong to one class almost surely: the others' share of
                    // their levels is below what f64 sums of thousands of residents keep.
                    if rc < NEGLIGIBLE {
                        continue;
                    }
                    let counts = &mut p.counts[c * l..(c + 1) * l];
                    let w = if members == 1 {
                        rc
                    } else {
                        rc / members as f64
                    };
                    for &code in row {
                        if code != UNKNOWN {
                            counts[code as usize] += w;
                        }
                    }
                }
            }
            p
        })
        .collect();
    let mut total = Pass {
        counts: vec![0.0; k * l],
        class: vec![0.0; k],
        loglik: 0.0,
    };
    for p in parts {
        for (t, v) in total.counts.iter_mut().zip(&p.counts) {
            *t += v;
        }
        for (t, v) in total.class.iter_mut().zip(&p.class) {
            *t += v;
        }
        total.loglik += p.loglik;
    }
    total
}

/// The M step: shares and level probabilities from expected counts with a Dirichlet prior.
fn maximise(
    spec_levels: &[usize],
    k: usize,
    counts: &[f64],
    class: &[f64],
    prior: f64,
) -> (Vec<f64>, Vec<f64>) {
    let l: usize = spec_levels.iter().sum();
    let n: f64 = class.iter().sum::<f64>() + 1e-9 * k as f64;
    let log_share = class.iter().map(|&c| ((c + 1e-9) / n).ln()).collect();
    let mut log_prob = vec![0.0; k * l];
    for c in 0..k {
        let mut off = 0;
        for &g in spec_levels {
            let block = &counts[c * l + off..c * l + off + g];
            let total: f64 = block.iter().sum::<f64>() + prior * g as f64;
            for (j, &v) in block.iter().enumerate() {
                log_prob[c * l + off + j] = ((v + prior) / total).ln();
            }
            off += g;
        }
    }
    (log_share, log_prob)
}

/// Runs EM from `m` for at most `iters` steps; returns the improved model.
pub fn em(
    spec_levels: &[usize],
    x: &Codes,
    mut m: LcaModel,
    iters: usize,
    tol: f64,
    prior: f64,
) -> LcaModel {
    let mut old = f64::NEG_INFINITY;
    for _ in 0..iters {
        let p = pass(&m, x);
        let (log_share, log_prob) = maximise(spec_levels, m.k, &p.counts, &p.class, prior);
        m.log_share = log_share;
        m.log_prob = log_prob;
        m.iterations += 1;
        // `p.loglik` is the likelihood of the parameters before this step.
        m.loglik = p.loglik;
        if p.loglik - old < tol * p.loglik.abs() {
            break;
        }
        old = p.loglik;
    }
    m
}

/// A model from hard labels (0.9 on the label, the rest spread evenly), as EM's start.
pub fn from_labels(
    spec_levels: &[usize],
    x: &Codes,
    labels: &[u32],
    k: usize,
    prior: f64,
) -> LcaModel {
    let l = x.levels;
    let soft = 0.1 / k as f64;
    let mut counts = vec![0.0; k * l];
    let mut class = vec![0.0; k];
    let mut overall = vec![0.0; l];
    for (i, &label) in labels.iter().enumerate().take(x.rows) {
        let c = label as usize;
        class[c] += 0.9;
        for &code in x.row(i).iter().filter(|&&code| code != UNKNOWN) {
            counts[c * l + code as usize] += 0.9;
            overall[code as usize] += 1.0;
        }
    }
    for c in 0..k {
        class[c] += soft * x.rows as f64;
        for j in 0..l {
            counts[c * l + j] += soft * overall[j];
        }
    }
    let (log_share, log_prob) = maximise(spec_levels, k, &counts, &class, prior);
    LcaModel {
        k,
        log_share,
        log_prob,
        levels: l,
        loglik: f64::NEG_INFINITY,
        iterations: 0,
    }
}

/// Fits a latent class model with `p.k` classes from `p.restarts` k-means starts ([`fit_path`]
/// with one K).
pub fn fit(spec: &LcaSpec, x: &Codes, p: LcaParams) -> LcaModel {
    fit_path(spec, x, &[p.k], p, |_| {})
        .pop()
        .expect("one K, one model")
}

/// Hard labels (most probable class of its unit) and their posterior probability, per row of
/// `x`.
pub fn classify(m: &LcaModel, x: &Codes) -> (Vec<u32>, Vec<f64>) {
    let lpt = level_major(m);
    let out: Vec<(u32, f64)> = (0..x.n_units())
        .into_par_iter()
        .with_min_len(CHUNK)
        .map_init(
            || vec![0.0; m.k],
            |r, u| {
                posterior(m, &lpt, x.unit(u), x.members(u), r);
                let (mut best, mut pb) = (0usize, f64::NEG_INFINITY);
                for (c, &v) in r.iter().enumerate() {
                    if v > pb {
                        best = c;
                        pb = v;
                    }
                }
                (best as u32, pb)
            },
        )
        .collect();
    let mut labels = Vec::with_capacity(x.rows);
    let mut certainty = Vec::with_capacity(x.rows);
    for (u, (l, pb)) in out.into_iter().enumerate() {
        labels.extend(std::iter::repeat_n(l, x.members(u)));
        certainty.extend(std::iter::repeat_n(pb, x.members(u)));
    }
    (labels, certainty)
}

/// Fit diagnostics used to choose the number of classes.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Diagnostics {
    pub k: usize,
    pub loglik: f64,
    pub parameters: usize,
    pub bic: f64,
    /// BIC plus twice the classification entropy (integrated completed likelihood).
    pub icl: f64,
    /// 1 - entropy / (n ln K): 1 when every unit belongs to one class for certain.
    pub entropy_r2: f64,
    /// The lowest mean posterior probability of a class among the units assigned to it.
    pub min_avepp: f64,
    /// The smallest class's share of the units (by hard label).
    pub min_share: f64,
}

/// Diagnostics of `m` on `x`.
pub fn diagnostics(spec: &LcaSpec, m: &LcaModel, x: &Codes) -> Diagnostics {
    let k = m.k;
    let lpt = level_major(m);
    let per_level: usize = spec.variables.iter().map(|v| v.levels() - 1).sum();
    let parameters = k - 1 + k * per_level;
    let n = x.n_units() as f64;
    let mut r = vec![0.0; k];
    let mut loglik = 0.0;
    let mut entropy = 0.0;
    let mut pp = vec![0.0; k];
    let mut size = vec![0usize; k];
    for u in 0..x.n_units() {
        loglik += posterior(m, &lpt, x.unit(u), x.members(u), &mut r);
        let mut best = 0;
        for c in 0..k {
            if r[c] > 0.0 {
                entropy -= r[c] * r[c].ln();
            }
            if r[c] > r[best] {
                best = c;
            }
        }
        pp[best] += r[best];
        size[best] += 1;
    }
    let bic = -2.0 * loglik + parameters as f64 * n.ln();
    Diagnostics {
        k,
        loglik,
        parameters,
        bic,
        icl: bic + 2.0 * entropy,
        entropy_r2: if k > 1 {
            1.0 - entropy / (n * (k as f64).ln())
        } else {
            1.0
        },
        min_avepp: (0..k)
            .filter(|&c| size[c] > 0)
            .map(|c| pp[c] / size[c] as f64)
            .fold(1.0, f64::min),
        min_share: size.iter().copied().min().unwrap_or(0) as f64 / n.max(1.0),
    }
}

/// Fits every K of `ks` (increasing) in turn. Each K starts from `p.restarts` k-means starts and
/// from splits of the previous K's fit (each of its `p.splits` largest classes, by default all,
/// cut in two by 2-means), a short EM from each, the best log-likelihood continued to convergence. Starting from the
/// previous fit keeps the likelihood path near-monotone in K, so criteria that compare
/// neighbouring K are not thrown off by one unlucky start.
pub fn fit_path(
    spec: &LcaSpec,
    x: &Codes,
    ks: &[usize],
    p: LcaParams,
    mut progress: impl FnMut(usize),
) -> Vec<LcaModel> {
    let levels = spec.level_sizes();
    let ind = x.indicators();
    let mut out: Vec<LcaModel> = Vec::with_capacity(ks.len());
    for &k in ks {
        let mut starts: Vec<Vec<u32>> = Vec::new();
        for r in 0..p.restarts.max(1) {
            let km = kmeans::fit(
                &ind,
                KMeansParams {
                    k,
                    n_init: 1,
                    max_iter: 20,
                    tol: kmeans::DEFAULT_TOL,
                    seed: p.seed.wrapping_mul(100).wrapping_add((k * 16 + r) as u64),
                },
            );
            starts.push(km.labels);
        }
        if let Some(prev) = out.last().filter(|m| m.k + 1 == k) {
            let (labels, _) = classify(prev, x);
            let mut size = vec![0usize; prev.k];
            for &l in &labels {
                size[l as usize] += 1;
            }
            let mut order: Vec<usize> = (0..prev.k).collect();
            order.sort_by(|&a, &b| size[b].cmp(&size[a]).then(a.cmp(&b)));
            for &c in order.iter().take(p.splits) {
                let members: Vec<usize> =
                    (0..x.rows).filter(|&i| labels[i] as usize == c).collect();
                if members.len() < 20 {
                    continue;
                }
                let sub = super::select::subset(&ind, &members);
                let two = kmeans::fit(
                    &sub,
                    KMeansParams {
                        k: 2,
                        n_init: 2,
                        max_iter: 50,
                        tol: kmeans::DEFAULT_TOL,
                        seed: p.seed.wrapping_add(c as u64),
                    },
                );
                let mut split = labels.clone();
                for (j, &i) in members.iter().enumerate() {
                    if two.labels[j] == 1 {
                        split[i] = (k - 1) as u32;
                    }
                }
                starts.push(split);
            }
        }
        // The short EMs run side by side; the best log-likelihood wins, the earlier start on a
        // tie, whatever the thread count. (Screening the starts after 3 steps and going on with
        // the best 2-3, or screening on a part of the sample, halved the time but chose the
        // planted K in 13-17 of 20 random sets instead of 19-20: docs/personas.md.)
        let tried: Vec<LcaModel> = starts
            .par_iter()
            .map(|labels| {
                let start = from_labels(&levels, x, labels, k, p.prior);
                em(&levels, x, start, p.start_iter, 1e-6, p.prior)
            })
            .collect();
        let mut best: Option<LcaModel> = None;
        for cand in tried {
            if best.as_ref().is_none_or(|b| cand.loglik > b.loglik) {
                best = Some(cand);
            }
        }
        let best = best.expect("at least one start");
        out.push(em(&levels, x, best, p.max_iter, p.tol, p.prior));
        progress(k);
    }
    out
}

/// Classes of the previous K that [`fit_path`] tries splitting, largest first: all of them. A
/// small persona hidden in a class is found by splitting that class, whatever its size; with
/// the three largest only, the fit at the planted K was worse than the planted structure itself
/// in 6 of 20 random sets (docs/personas.md).
pub const SPLITS: usize = usize::MAX;

/// Residents (in whole households) the latent class model chooses K on: small personas need
/// the evidence. On the research path at 200,000 residents the criterion chose the planted K in
/// 16 of 20 random sets with 20,000 (three misses a planted persona of 1-2% left out) and in 20
/// of 20 with 50,000 (docs/personas.md). This replaces `PersonaParams::selection_sample` (the
/// k-means sample) for this method.
pub const SELECTION_SAMPLE: usize = 50_000;

/// How far apart two classes are, per variable: the total variation distance between their level
/// distributions (0 = the same, 1 = no level in common).
pub fn separation(spec: &LcaSpec, m: &LcaModel, a: usize, b: usize) -> Vec<f64> {
    let (off, l) = spec.offsets();
    spec.variables
        .iter()
        .zip(&off)
        .map(|(v, &o)| {
            (o..o + v.levels())
                .map(|j| (m.log_prob[a * l + j].exp() - m.log_prob[b * l + j].exp()).abs())
                .sum::<f64>()
                / 2.0
        })
        .collect()
}

impl LcaSpec {
    /// Levels per variable, in order.
    pub fn level_sizes(&self) -> Vec<usize> {
        self.variables.iter().map(Variable::levels).collect()
    }
}

/// A fitted latent class model with the variables it reads; classes in persona order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fitted {
    pub spec: LcaSpec,
    pub model: LcaModel,
}

impl Fitted {
    /// The same model with its classes in `order` (`order[new] = old`).
    pub fn permuted(&self, order: &[usize]) -> Fitted {
        let l = self.model.levels;
        let mut m = self.model.clone();
        m.k = order.len();
        m.log_share = order.iter().map(|&o| self.model.log_share[o]).collect();
        m.log_prob = order
            .iter()
            .flat_map(|&o| self.model.log_prob[o * l..(o + 1) * l].iter().copied())
            .collect();
        Fitted {
            spec: self.spec.clone(),
            model: m,
        }
    }

    /// The most probable class of every resident of `table` (of their household, when the
    /// model pools households), in table order.
    pub fn classify(&self, table: &FeatureTable) -> Result<Vec<u32>> {
        let units = self.spec.units(table);
        let (labels, _) = classify(&self.model, &self.spec.apply(table, &units)?);
        Ok(units.scatter(&labels, table.rows()))
    }
}

/// The evidence for one K of the latent class model (on the selection sample).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub k: usize,
    /// Mean log-likelihood per unit: per resident, where a household counts as one resident
    /// with its adults' mean (the name is kept for the model files).
    pub loglik_per_resident: f64,
    /// `1 - logL(K) / logL(K-1)`: the share of the remaining misfit the K-th persona removes (0
    /// for the first K of the range).
    pub gain: f64,
    pub bic: f64,
    /// The lowest mean certainty of a class among its residents (see [`Diagnostics`]). (No class
    /// sizes here: this table is published, and a sample count could be small.)
    pub min_avepp: f64,
    /// What K is chosen by, lowest wins: BIC plus [`ENTROPY_WEIGHT`] times the classification
    /// entropy term of ICL (absent in model files written before it existed).
    #[serde(default)]
    pub criterion: f64,
}

/// The share of ICL's entropy term (twice the classification entropy) added to BIC in the
/// criterion K is chosen by: 0 is BIC, 1 is ICL. BIC adds a class for every real but small
/// departure from independence inside a persona (two personas where one was planted); ICL
/// refuses a small persona that overlaps a near twin. Chosen on 20 random persona sets at
/// 40,000 and 200,000 residents and confirmed on 20 others (docs/personas.md).
pub const ENTROPY_WEIGHT: f64 = 0.25;

/// Column titles of the selection table (see [`table_row`]).
pub fn table_header() -> String {
    " K  logL/resident    gain  certainty(min)  criterion - lowest".to_string()
}

/// One line of the selection table, aligned with [`table_header`]; `lowest` is the lowest
/// criterion of the table.
pub fn table_row(c: &Candidate, lowest: f64) -> String {
    format!(
        "{:>2}  {:>13.4}  {:>5.2}%  {:>14.3}  {:>18.0}",
        c.k,
        c.loglik_per_resident,
        100.0 * c.gain,
        c.min_avepp,
        c.criterion - lowest
    )
}

/// The lowest criterion of a selection table.
pub fn lowest_criterion(candidates: &[Candidate]) -> f64 {
    candidates
        .iter()
        .map(|c| c.criterion)
        .fold(f64::INFINITY, f64::min)
}

/// The selection table of a fitted path (increasing K).
pub fn candidates(spec: &LcaSpec, path: &[LcaModel], x: &Codes) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::with_capacity(path.len());
    for m in path {
        let d = diagnostics(spec, m, x);
        let criterion = d.bic + ENTROPY_WEIGHT * (d.icl - d.bic);
        let gain = match out.last() {
            Some(prev) if prev.k + 1 == m.k => {
                1.0 - d.loglik / (prev.loglik_per_resident * x.n_units() as f64)
            }
            _ => 0.0,
        };
        out.push(Candidate {
            k: m.k,
            loglik_per_resident: d.loglik / x.n_units().max(1) as f64,
            gain,
            bic: d.bic,
            min_avepp: d.min_avepp,
            criterion,
        });
    }
    out
}

/// The K of the lowest criterion (the smaller K on a tie).
pub fn choose(candidates: &[Candidate]) -> usize {
    let mut best: Option<&Candidate> = None;
    for c in candidates {
        if best.is_none_or(|b| c.criterion < b.criterion) {
            best = Some(c);
        }
    }
    best.map_or(2, |c| c.k)
}

/// Settings of the persona stage's fits: k-means starts per K on the selection sample, EM steps.
pub const SELECTION_RESTARTS: usize = 2;
pub const START_ITER: usize = 20;
pub const SAMPLE_ITER: usize = 300;
/// EM steps on all residents from the sample's fit (stops earlier at convergence).
pub const FINAL_ITER: usize = 50;

/// The latent class persona fit: K chosen on the selection sample along the path of K, the chosen
/// (or last year's) model refined by EM on every resident, classes ordered largest first.
pub fn cluster(
    table: &FeatureTable,
    p: &super::CheckedParams,
    encoding: super::encode::Encoding,
    matrix: Matrix,
    previous: Option<&super::model::PersonaModel>,
    mut progress: impl FnMut(&str),
) -> Result<super::Clustering> {
    use rand::SeedableRng;
    let prev = previous.and_then(|m| m.lca.as_ref());
    let spec = prev.map_or_else(|| LcaSpec::default_for(table), |f| f.spec.clone());
    crate::ensure!(!spec.variables.is_empty(), Data: "the feature table has none of the persona model's variables");
    let units = spec.units(table);
    let codes = spec.apply(table, &units)?;
    let levels = spec.level_sizes();
    let params = LcaParams {
        restarts: SELECTION_RESTARTS,
        splits: SPLITS,
        start_iter: START_ITER,
        max_iter: SAMPLE_ITER,
        tol: 1e-7,
        prior: 0.1,
        seed: p.seed,
        k: 0,
    };
    // Last year's classes (the largest K of them) are the start when there are enough of them.
    let last_year = |k: usize| {
        prev.filter(|f| f.model.k >= k).map(|f| {
            let mut order: Vec<usize> = (0..f.model.k).collect();
            order.sort_by(|&a, &b| {
                f.model.log_share[b]
                    .total_cmp(&f.model.log_share[a])
                    .then(a.cmp(&b))
            });
            order.truncate(k);
            let mut m = f.permuted(&order).model;
            let total: f64 = m.log_share.iter().map(|v| v.exp()).sum();
            m.log_share.iter_mut().for_each(|v| *v -= total.ln());
            m.iterations = 0;
            m
        })
    };
    // The sample's path of K: to choose K, or to start from when last year cannot.
    let sample_path = |ks: &[usize], progress: &mut dyn FnMut(&str)| {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(p.seed);
        let sample = codes.sample(SELECTION_SAMPLE, &mut rng);
        let path = fit_path(&spec, &sample, ks, params, |k| {
            progress(&format!("evaluated K = {k}"))
        });
        (path, sample)
    };
    let (k, candidates, start) = match p.k {
        Some(k) => match last_year(k) {
            Some(m) => (k, Vec::new(), m),
            None => {
                let (mut path, _) = sample_path(&[k], &mut progress);
                (k, Vec::new(), path.pop().expect("one K, one model"))
            }
        },
        None => {
            let ks: Vec<usize> = (p.k_range.0..=p.k_range.1).collect();
            let (mut path, sample) = sample_path(&ks, &mut progress);
            let c = candidates(&spec, &path, &sample);
            let k = choose(&c);
            let fitted = path.swap_remove(ks.iter().position(|&x| x == k).expect("K on the path"));
            (k, c, last_year(k).unwrap_or(fitted))
        }
    };
    progress(&format!(
        "fitting {k} personas on {} residents",
        table.rows()
    ));
    let model = em(&levels, &codes, start, FINAL_ITER, 1e-7, params.prior);
    let labels = units.scatter(&classify(&model, &codes).0, table.rows());
    // Centres in the encoding (for the model file, lineage and the inertia).
    let d = matrix.cols;
    let mut sums = vec![0f64; k * d];
    let mut counts = vec![0usize; k];
    for (i, &l) in labels.iter().enumerate() {
        counts[l as usize] += 1;
        for (s, &v) in sums[l as usize * d..(l as usize + 1) * d]
            .iter_mut()
            .zip(matrix.row(i))
        {
            *s += f64::from(v);
        }
    }
    for c in 0..k {
        for s in &mut sums[c * d..(c + 1) * d] {
            *s /= counts[c].max(1) as f64;
        }
    }
    let order = super::size_order(&sums, &labels, k, d);
    let mut new_of_old = vec![0u32; k];
    for (new, &old) in order.iter().enumerate() {
        new_of_old[old] = new as u32;
    }
    let centroids: Vec<f64> = order
        .iter()
        .flat_map(|&o| sums[o * d..(o + 1) * d].iter().copied())
        .collect();
    let labels: Vec<u32> = labels.iter().map(|&l| new_of_old[l as usize]).collect();
    let inertia = labels
        .iter()
        .enumerate()
        .map(|(i, &l)| {
            matrix
                .row(i)
                .iter()
                .zip(&centroids[l as usize * d..(l as usize + 1) * d])
                .map(|(&x, &c)| (f64::from(x) - c).powi(2))
                .sum::<f64>()
        })
        .sum();
    let iterations = model.iterations;
    let fitted = Fitted { spec, model }.permuted(&order);
    Ok(super::Clustering {
        encoding,
        matrix,
        centroids,
        labels,
        k,
        inertia,
        iterations,
        candidates: Vec::new(),
        lca_candidates: candidates,
        lca: Some(fitted),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// `k` planted classes over 8 variables of 4 levels; each class favours one level per
    /// variable with probability `p`. Returns the spec, codes and the planted labels.
    fn planted(k: usize, n: usize, p: f64, seed: u64) -> (LcaSpec, Codes, Vec<u32>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let vars = 8;
        let favourite: Vec<Vec<usize>> = (0..k)
            .map(|_| (0..vars).map(|_| rng.random_range(0..4)).collect())
            .collect();
        let spec = LcaSpec {
            variables: (0..vars)
                .map(|v| Variable {
                    name: format!("v{v}"),
                    unknown: None,
                    kind: VariableKind::Group {
                        columns: (0..4).map(|l| format!("v{v}={l}")).collect(),
                    },
                })
                .collect(),
            pool: Pool::Resident,
        };
        let mut data = Vec::with_capacity(n * vars);
        let mut labels = Vec::with_capacity(n);
        for _ in 0..n {
            let c = rng.random_range(0..k);
            labels.push(c as u32);
            for (v, &fav) in favourite[c].iter().enumerate() {
                let level = if rng.random::<f64>() < p {
                    fav
                } else {
                    rng.random_range(0..4)
                };
                data.push((v * 4 + level) as u16);
            }
        }
        let codes = Codes::new(n, vars, vars * 4, data);
        (spec, codes, labels)
    }

    #[test]
    fn recovers_planted_classes_and_their_number() {
        let (spec, x, truth) = planted(5, 6000, 0.8, 1);
        let path = fit_path(&spec, &x, &[3, 4, 5, 6, 7], LcaParams::new(0, 3), |_| {});
        let c = candidates(&spec, &path, &x);
        assert_eq!(choose(&c), 5, "{c:?}");
        let (labels, _) = classify(&path[2], &x);
        let ari = super::super::select::adjusted_rand_index(&truth, &labels);
        assert!(ari > 0.95, "ARI {ari}");
        // Each level block is a distribution.
        let m = &path[2];
        for class in 0..m.k {
            for v in 0..8 {
                let s: f64 = (0..4)
                    .map(|l| m.log_prob[class * m.levels + v * 4 + l].exp())
                    .sum();
                assert!((s - 1.0).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn households_are_one_unit_and_unknown_values_count_for_nothing() {
        // Households of two whose members play different roles: the class fixes each role's
        // favourite levels. Pooled, the classes are household types (4), not roles (8).
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let (k, vars, households) = (4usize, 8usize, 3000usize);
        let favourite: Vec<Vec<Vec<usize>>> = (0..k)
            .map(|_| {
                (0..2)
                    .map(|_| (0..vars).map(|_| rng.random_range(0..4)).collect())
                    .collect()
            })
            .collect();
        let (mut data, mut truth) = (Vec::new(), Vec::new());
        for _ in 0..households {
            let c = rng.random_range(0..k);
            for fav in &favourite[c] {
                truth.push(c as u32);
                for (v, &f) in fav.iter().enumerate() {
                    let level = if rng.random::<f64>() < 0.8 {
                        f
                    } else {
                        rng.random_range(0..4)
                    };
                    // 5% of values unknown: they must not make a class of their own.
                    let code = if rng.random::<f64>() < 0.05 {
                        UNKNOWN
                    } else {
                        (v * 4 + level) as u16
                    };
                    data.push(code);
                }
            }
        }
        let mut x = Codes::new(2 * households, vars, vars * 4, data);
        x.units = (0..=households as u32).map(|h| 2 * h).collect();
        let spec = planted(2, 10, 0.8, 1).0;
        let path = fit_path(&spec, &x, &[2, 3, 4, 5, 6], LcaParams::new(0, 3), |_| {});
        let c = candidates(&spec, &path, &x);
        assert_eq!(choose(&c), k, "{c:?}");
        let (labels, _) = classify(&path[2], &x);
        assert!(labels.chunks(2).all(|h| h[0] == h[1]));
        let ari = super::super::select::adjusted_rand_index(&truth, &labels);
        assert!(ari > 0.95, "ARI {ari}");
    }

    #[test]
    fn the_fit_does_not_depend_on_the_thread_count() {
        let (spec, x, _) = planted(4, 3 * CHUNK + 17, 0.7, 2);
        // Residents alone, and in households of one to three.
        let mut households = x.clone();
        households.units = (0..=x.rows as u32)
            .filter(|&r| r % 6 != 1 && r % 6 != 4 && r % 6 != 5 || r == x.rows as u32)
            .collect();
        for x in [x, households] {
            let fit_in = |threads: usize| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap()
                    .install(|| fit(&spec, &x, LcaParams::new(4, 9)))
            };
            let (one, two) = (fit_in(1), fit_in(2));
            assert_eq!(one, two);
            assert_eq!(classify(&one, &x), classify(&two, &x));
        }
    }

    #[test]
    fn permuting_classes_permutes_their_residents() {
        let (spec, x, _) = planted(3, 2000, 0.8, 4);
        let f = Fitted {
            spec: spec.clone(),
            model: fit(&spec, &x, LcaParams::new(3, 1)),
        };
        let (before, _) = classify(&f.model, &x);
        let order = [2usize, 0, 1];
        let (after, _) = classify(&f.permuted(&order).model, &x);
        for (b, a) in before.iter().zip(&after) {
            assert_eq!(order[*a as usize], *b as usize);
        }
    }
}
