//! What to link and how: the link specification (deserialisable from TOML, see
//! docs/link-toml.md) and its checked form.
//!
//! `LinkSpec` is what a person writes; `CheckedLinkSpec` is what the engine runs. All validation
//! happens once in [`LinkSpec::check`], so the engine never meets a threshold out of range or a
//! blocking rule without keys halfway through a long run.

use serde::{Deserialize, Serialize};

use crate::error::Result;

/// A link configuration as written in `link.toml`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkSpec {
    /// Id column of the left file (the spine, e.g. the register's pseudo_id).
    pub left_id: String,
    /// Id column of the right file (the records to link).
    pub right_id: String,
    /// Seed for the random pairs that estimate u; same seed, same result.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// true: each left record takes at most one right record (and vice versa). false
    /// (many-to-one): each right record links to at most one left record, but a left record may
    /// take several right records, e.g. one resident with three debt registrations.
    #[serde(default = "default_true")]
    pub one_to_one: bool,
    /// Link when the match probability reaches this number (0.5), or `"crossing"`: where the two
    /// classes of the fitted mixture are equally likely among the blocked pairs.
    #[serde(default)]
    pub threshold: ThresholdSpec,
    /// Field comparisons, each with ordered levels.
    pub comparisons: Vec<ComparisonSpec>,
    /// Blocking rules, OR-ed: a pair is a candidate when any rule's keys agree.
    pub blocking: Vec<BlockingRuleSpec>,
    /// How the prior (share of all left x right pairs that match) is set.
    #[serde(default)]
    pub prior: PriorSpec,
    /// Estimation settings.
    #[serde(default)]
    pub training: TrainingSpec,
}

fn default_seed() -> u64 {
    42
}
fn default_true() -> bool {
    true
}

/// `threshold = 0.5` or `threshold = "crossing"`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ThresholdSpec {
    Probability(f64),
    Rule(String),
}

impl Default for ThresholdSpec {
    fn default() -> Self {
        ThresholdSpec::Probability(0.5)
    }
}

/// One field comparison.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComparisonSpec {
    /// Name in reports and explanations; defaults to the column name.
    #[serde(default)]
    pub name: Option<String>,
    /// Column on both sides (or give `left_column` and `right_column`).
    #[serde(default)]
    pub column: Option<String>,
    #[serde(default)]
    pub left_column: Option<String>,
    #[serde(default)]
    pub right_column: Option<String>,
    /// exact | jaro_winkler | levenshtein | damerau_levenshtein | surname | given_names | date |
    /// address
    pub kind: String,
    /// jaro_winkler, surname, given_names: similarity thresholds (each level is "at least"),
    /// levenshtein, damerau_levenshtein: distances (each level is "at most").
    #[serde(default)]
    pub thresholds: Vec<f64>,
    /// Term-frequency adjustment of the exact level (a common value is weaker evidence).
    #[serde(default)]
    pub term_frequency: bool,
    /// Lower bound of the value frequency used by the term-frequency adjustment.
    #[serde(default)]
    pub term_frequency_minimum: Option<f64>,
    /// address: the house-number column (same name on both sides).
    #[serde(default)]
    pub house_number_column: Option<String>,
    /// address: how many leading characters of the postcode make an area (4 for Dutch PC4).
    #[serde(default)]
    pub area_length: Option<usize>,
}

/// Most keys one blocking rule may have.
pub const MAX_KEYS_PER_RULE: usize = 4;

/// One blocking rule: a pair is a candidate when all its keys agree.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockingRuleSpec {
    pub keys: Vec<BlockingKeySpec>,
}

/// A blocking key: a column (or a left/right column pair, to catch swapped fields) and a
/// transform. Written as a plain string `"postcode"` or a table
/// `{ column = "surname", transform = "surname_prefix", length = 3 }`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum BlockingKeySpec {
    Column(String),
    Detailed {
        #[serde(default)]
        column: Option<String>,
        #[serde(default)]
        left_column: Option<String>,
        #[serde(default)]
        right_column: Option<String>,
        #[serde(default)]
        transform: Option<String>,
        #[serde(default)]
        length: Option<usize>,
    },
}

/// The prior: pairs agreeing on the top level of every comparison in one of `rules` are counted
/// as sure matches; `recall` says which share of all true matches these rules are believed to
/// catch. prior = count / recall / (left rows x right rows).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorSpec {
    #[serde(default)]
    pub rules: Vec<Vec<String>>,
    #[serde(default = "default_recall")]
    pub recall: f64,
}

fn default_recall() -> f64 {
    0.8
}

impl Default for PriorSpec {
    fn default() -> Self {
        PriorSpec {
            rules: Vec::new(),
            recall: default_recall(),
        }
    }
}

/// Estimation settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingSpec {
    /// Random left x right pairs sampled to estimate u (all pairs when there are fewer).
    #[serde(default = "default_u_pairs")]
    pub u_sample_pairs: u64,
    #[serde(default = "default_iterations")]
    pub max_iterations: usize,
    /// EM stops when no m probability moves more than this.
    #[serde(default = "default_tolerance")]
    pub tolerance: f64,
    /// Refuse to score more candidate pairs than this (a too-loose blocking rule).
    #[serde(default = "default_max_pairs")]
    pub max_candidate_pairs: u64,
    /// Blocking rules of the EM training sessions (default: the prediction blocking rules). Each
    /// session runs EM on its rule's pairs, leaving out the comparisons on the rule's columns
    /// (they agree by construction there); a comparison's m is the match-weighted mean over the
    /// sessions that estimated it.
    #[serde(default)]
    pub em_blocking: Vec<BlockingRuleSpec>,
}

fn default_u_pairs() -> u64 {
    1_000_000
}
fn default_iterations() -> usize {
    100
}
fn default_tolerance() -> f64 {
    1e-5
}
fn default_max_pairs() -> u64 {
    50_000_000
}

impl Default for TrainingSpec {
    fn default() -> Self {
        TrainingSpec {
            u_sample_pairs: default_u_pairs(),
            max_iterations: default_iterations(),
            tolerance: default_tolerance(),
            max_candidate_pairs: default_max_pairs(),
            em_blocking: Vec::new(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Checked form

/// A comparison kind with validated parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// exact, else.
    Exact,
    /// exact, similarity >= each threshold (descending), else.
    JaroWinkler { thresholds: Vec<f64> },
    /// exact, distance <= each bound (ascending), else.
    Levenshtein { distances: Vec<usize> },
    /// as Levenshtein, with an adjacent transposition counting as one edit (optimal string
    /// alignment, the restricted Damerau-Levenshtein distance).
    DamerauLevenshtein { distances: Vec<usize> },
    /// exact after voorvoegsel and diacritics normalisation, Jaro-Winkler levels, else.
    Surname { thresholds: Vec<f64> },
    /// exact, Jaro-Winkler levels, same first name, initials compatible, else.
    GivenNames { thresholds: Vec<f64> },
    /// exact, day and month swapped, one digit off, same year, else.
    Date,
    /// postcode + house number, postcode, same area (postcode prefix), else.
    Address {
        house_number_column: Option<String>,
        area_length: usize,
    },
}

impl Kind {
    /// The kind as written in the config (`jaro_winkler`, `surname`...).
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Exact => "exact",
            Kind::JaroWinkler { .. } => "jaro_winkler",
            Kind::Levenshtein { .. } => "levenshtein",
            Kind::DamerauLevenshtein { .. } => "damerau_levenshtein",
            Kind::Surname { .. } => "surname",
            Kind::GivenNames { .. } => "given_names",
            Kind::Date => "date",
            Kind::Address { .. } => "address",
        }
    }

    /// Names of the levels after "null" (level 0), best first; the last is always "else".
    pub fn level_names(&self) -> Vec<String> {
        let mut names = vec!["exact".to_string()];
        match self {
            Kind::Exact => {}
            Kind::JaroWinkler { thresholds } | Kind::Surname { thresholds } => {
                names.extend(thresholds.iter().map(|t| format!("jaro_winkler>={t}")));
            }
            Kind::GivenNames { thresholds } => {
                names.extend(thresholds.iter().map(|t| format!("jaro_winkler>={t}")));
                names.push("same_first_name".into());
                names.push("initials_compatible".into());
            }
            Kind::Levenshtein { distances } => {
                names.extend(distances.iter().map(|d| format!("levenshtein<={d}")));
            }
            Kind::DamerauLevenshtein { distances } => {
                names.extend(distances.iter().map(|d| format!("damerau<={d}")));
            }
            Kind::Date => {
                names.extend(["day_month_swapped", "one_digit_off", "same_year"].map(String::from));
            }
            Kind::Address {
                house_number_column,
                ..
            } => {
                names = if house_number_column.is_some() {
                    vec!["postcode_house_number".into(), "postcode".into()]
                } else {
                    vec!["postcode".into()]
                };
                names.push("same_area".into());
            }
        }
        names.push("else".into());
        names
    }
}

/// A checked comparison.
#[derive(Debug, Clone)]
pub struct CheckedComparison {
    pub name: String,
    pub left_column: String,
    pub right_column: String,
    pub kind: Kind,
    pub term_frequency: bool,
    pub term_frequency_minimum: f64,
    /// "null" + `kind.level_names()`.
    pub levels: Vec<String>,
}

/// How a blocking key is derived from a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    /// The light-normalised value (trimmed, lowercased).
    Exact,
    /// The first `n` characters of the folded value.
    Prefix(usize),
    /// The surname core without voorvoegsel.
    Surname,
    /// The first `n` letters of the surname core.
    SurnamePrefix(usize),
    /// The date as YYYYMMDD.
    Date,
    /// The year of a date.
    Year,
    /// The postcode without spaces, uppercased.
    Postcode,
    /// The first `n` characters of the postcode.
    PostcodeArea(usize),
}

#[derive(Debug, Clone)]
pub struct CheckedBlockingKey {
    pub left_column: String,
    pub right_column: String,
    pub transform: Transform,
}

#[derive(Debug, Clone)]
pub struct CheckedBlockingRule {
    pub keys: Vec<CheckedBlockingKey>,
    /// Human-readable, for reports: "surname_prefix(3)(surname) & year(birth_date)".
    pub description: String,
}

/// When a pair becomes a link.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Threshold {
    Probability(f64),
    /// Where the fitted in-block mixture's two classes are equally likely.
    Crossing,
}

/// A validated link specification.
#[derive(Debug, Clone)]
pub struct CheckedLinkSpec {
    pub left_id: String,
    pub right_id: String,
    pub seed: u64,
    pub one_to_one: bool,
    pub threshold: Threshold,
    pub comparisons: Vec<CheckedComparison>,
    pub blocking: Vec<CheckedBlockingRule>,
    /// Blocking rules of the EM training sessions.
    pub training_blocking: Vec<CheckedBlockingRule>,
    /// Indices into `comparisons`, per prior rule.
    pub prior_rules: Vec<Vec<usize>>,
    pub prior_recall: f64,
    pub training: TrainingSpec,
}

impl CheckedLinkSpec {
    /// Every column this spec reads from one side (`left = true`) or the other, sorted, each
    /// once: the id, compared columns, house-number columns and blocking-key columns.
    pub fn columns(&self, left: bool) -> Vec<String> {
        let pick = |l: &String, r: &String| if left { l.clone() } else { r.clone() };
        let mut out = vec![if left {
            self.left_id.clone()
        } else {
            self.right_id.clone()
        }];
        for c in &self.comparisons {
            out.push(pick(&c.left_column, &c.right_column));
            if let Kind::Address {
                house_number_column: Some(h),
                ..
            } = &c.kind
            {
                out.push(h.clone());
            }
        }
        for rule in self.blocking.iter().chain(&self.training_blocking) {
            for k in &rule.keys {
                out.push(pick(&k.left_column, &k.right_column));
            }
        }
        let mut out: Vec<String> = out.into_iter().map(|c| c.trim().to_lowercase()).collect();
        out.sort();
        out.dedup();
        out
    }
}

impl LinkSpec {
    /// Parse a TOML document.
    pub fn from_toml(text: &str) -> Result<LinkSpec> {
        toml::from_str(text).map_err(|e| crate::error::Error::Config(format!("link config: {e}")))
    }

    /// Validate everything once.
    pub fn check(&self) -> Result<CheckedLinkSpec> {
        crate::ensure!(!self.left_id.trim().is_empty(), Config: "left_id must name a column");
        crate::ensure!(!self.right_id.trim().is_empty(), Config: "right_id must name a column");
        crate::ensure!(!self.comparisons.is_empty(), Config: "at least one comparison is needed");
        crate::ensure!(!self.blocking.is_empty(), Config: "at least one blocking rule is needed (without blocking every pair would be scored)");
        let threshold = match &self.threshold {
            ThresholdSpec::Probability(p) => {
                crate::ensure!(*p > 0.0 && *p < 1.0, Config: "threshold must be a probability strictly between 0 and 1, got {p}");
                Threshold::Probability(*p)
            }
            ThresholdSpec::Rule(r) if r == "crossing" => Threshold::Crossing,
            ThresholdSpec::Rule(r) => {
                crate::bail!(Config: "threshold must be a probability like 0.5 or \"crossing\", got \"{r}\"")
            }
        };
        let mut comparisons = Vec::with_capacity(self.comparisons.len());
        let mut radix: u128 = 1;
        for (i, c) in self.comparisons.iter().enumerate() {
            let checked = check_comparison(i, c)?;
            crate::ensure!(
                !comparisons.iter().any(|o: &CheckedComparison| o.name == checked.name),
                Config: "comparison name '{}' is used twice; give one of them a `name`", checked.name
            );
            radix *= checked.levels.len() as u128;
            comparisons.push(checked);
        }
        crate::ensure!(radix <= u64::MAX as u128, Config: "too many comparison levels in total for one agreement pattern");
        let blocking = self
            .blocking
            .iter()
            .enumerate()
            .map(|(i, r)| check_blocking_rule(i, r))
            .collect::<Result<Vec<_>>>()?;
        crate::ensure!(blocking.len() <= super::blocking::MAX_BLOCKING_RULES, Config: "at most {} blocking rules, got {}", super::blocking::MAX_BLOCKING_RULES, blocking.len());
        let training_blocking = if self.training.em_blocking.is_empty() {
            blocking.clone()
        } else {
            self.training
                .em_blocking
                .iter()
                .enumerate()
                .map(|(i, r)| check_blocking_rule(i, r))
                .collect::<Result<Vec<_>>>()?
        };
        let mut prior_rules = Vec::new();
        for rule in &self.prior.rules {
            crate::ensure!(!rule.is_empty(), Config: "a prior rule must name at least one comparison");
            let mut idx = Vec::new();
            for name in rule {
                let Some(k) = comparisons.iter().position(|c| &c.name == name) else {
                    crate::bail!(Config: "prior rule names comparison '{name}', which is not defined")
                };
                idx.push(k);
            }
            prior_rules.push(idx);
        }
        crate::ensure!(self.prior.recall > 0.0 && self.prior.recall <= 1.0, Config: "prior.recall must be in (0, 1], got {}", self.prior.recall);
        let t = &self.training;
        crate::ensure!(t.u_sample_pairs >= 1000, Config: "training.u_sample_pairs must be at least 1000, got {}", t.u_sample_pairs);
        crate::ensure!(t.max_iterations >= 1, Config: "training.max_iterations must be at least 1");
        crate::ensure!(t.tolerance > 0.0 && t.tolerance < 0.1, Config: "training.tolerance must be in (0, 0.1), got {}", t.tolerance);
        crate::ensure!(t.max_candidate_pairs >= 1, Config: "training.max_candidate_pairs must be at least 1");
        Ok(CheckedLinkSpec {
            left_id: self.left_id.trim().to_string(),
            right_id: self.right_id.trim().to_string(),
            seed: self.seed,
            one_to_one: self.one_to_one,
            threshold,
            comparisons,
            blocking,
            training_blocking,
            prior_rules,
            prior_recall: self.prior.recall,
            training: self.training.clone(),
        })
    }
}

fn sides(
    what: &str,
    column: &Option<String>,
    left: &Option<String>,
    right: &Option<String>,
) -> Result<(String, String)> {
    match (column, left, right) {
        (Some(c), None, None) => Ok((c.trim().to_string(), c.trim().to_string())),
        (None, Some(l), Some(r)) => Ok((l.trim().to_string(), r.trim().to_string())),
        _ => {
            crate::bail!(Config: "{what}: give either `column` or both `left_column` and `right_column`")
        }
    }
}

fn similarity_thresholds(what: &str, raw: &[f64], default: &[f64]) -> Result<Vec<f64>> {
    let t = if raw.is_empty() {
        default.to_vec()
    } else {
        raw.to_vec()
    };
    for w in t.windows(2) {
        let descending = w[0] > w[1];
        crate::ensure!(descending, Config: "{what}: thresholds must be strictly descending, got {t:?}");
    }
    for x in &t {
        crate::ensure!(*x > 0.0 && *x < 1.0, Config: "{what}: similarity thresholds must be in (0, 1), got {x}");
    }
    Ok(t)
}

fn distance_thresholds(what: &str, raw: &[f64]) -> Result<Vec<usize>> {
    let t: Vec<f64> = if raw.is_empty() {
        vec![1.0, 2.0]
    } else {
        raw.to_vec()
    };
    let mut out = Vec::new();
    for x in &t {
        crate::ensure!(x.fract() == 0.0 && *x >= 1.0 && *x <= 10.0, Config: "{what}: distances must be whole numbers from 1 to 10, got {x}");
        out.push(*x as usize);
    }
    for w in out.windows(2) {
        crate::ensure!(w[0] < w[1], Config: "{what}: distances must be strictly ascending, got {out:?}");
    }
    Ok(out)
}

fn check_comparison(i: usize, c: &ComparisonSpec) -> Result<CheckedComparison> {
    let what = format!(
        "comparison {} ({})",
        i + 1,
        c.name.clone().or(c.column.clone()).unwrap_or_default()
    );
    let (left_column, right_column) = sides(&what, &c.column, &c.left_column, &c.right_column)?;
    crate::ensure!(!left_column.is_empty() && !right_column.is_empty(), Config: "{what}: empty column name");
    let name = c.name.clone().unwrap_or_else(|| left_column.clone());
    let kind = match c.kind.as_str() {
        "exact" => Kind::Exact,
        "jaro_winkler" => Kind::JaroWinkler {
            thresholds: similarity_thresholds(&what, &c.thresholds, &[0.92, 0.88, 0.7])?,
        },
        "levenshtein" => Kind::Levenshtein {
            distances: distance_thresholds(&what, &c.thresholds)?,
        },
        "damerau_levenshtein" => Kind::DamerauLevenshtein {
            distances: distance_thresholds(&what, &c.thresholds)?,
        },
        "surname" => Kind::Surname {
            thresholds: similarity_thresholds(&what, &c.thresholds, &[0.92, 0.88])?,
        },
        "given_names" => Kind::GivenNames {
            thresholds: similarity_thresholds(&what, &c.thresholds, &[0.92, 0.88])?,
        },
        "date" => Kind::Date,
        "address" => {
            let area_length = c.area_length.unwrap_or(4);
            crate::ensure!((1..=10).contains(&area_length), Config: "{what}: area_length must be 1..=10, got {area_length}");
            Kind::Address {
                house_number_column: c.house_number_column.as_ref().map(|h| h.trim().to_string()),
                area_length,
            }
        }
        other => {
            crate::bail!(Config: "{what}: unknown kind '{other}', expected one of exact, jaro_winkler, levenshtein, damerau_levenshtein, surname, given_names, date, address")
        }
    };
    crate::ensure!(
        c.house_number_column.is_none() || matches!(kind, Kind::Address { .. }),
        Config: "{what}: house_number_column only applies to kind = \"address\""
    );
    crate::ensure!(
        c.thresholds.is_empty() || !matches!(kind, Kind::Exact | Kind::Date | Kind::Address { .. }),
        Config: "{what}: kind '{}' takes no thresholds", c.kind
    );
    let term_frequency_minimum = c.term_frequency_minimum.unwrap_or(1e-4);
    crate::ensure!(term_frequency_minimum > 0.0 && term_frequency_minimum < 1.0, Config: "{what}: term_frequency_minimum must be in (0, 1)");
    let mut levels = vec!["null".to_string()];
    levels.extend(kind.level_names());
    crate::ensure!(levels.len() <= 16, Config: "{what}: at most 14 levels besides null and else");
    Ok(CheckedComparison {
        name,
        left_column,
        right_column,
        kind,
        term_frequency: c.term_frequency,
        term_frequency_minimum,
        levels,
    })
}

fn check_blocking_rule(i: usize, r: &BlockingRuleSpec) -> Result<CheckedBlockingRule> {
    let what = format!("blocking rule {}", i + 1);
    crate::ensure!(!r.keys.is_empty(), Config: "{what}: needs at least one key");
    crate::ensure!(r.keys.len() <= MAX_KEYS_PER_RULE, Config: "{what}: at most {} keys", MAX_KEYS_PER_RULE);
    let mut keys = Vec::new();
    for k in &r.keys {
        let (left_column, right_column, transform, length) = match k {
            BlockingKeySpec::Column(c) => (c.trim().to_string(), c.trim().to_string(), None, None),
            BlockingKeySpec::Detailed {
                column,
                left_column,
                right_column,
                transform,
                length,
            } => {
                let (l, r) = sides(&what, column, left_column, right_column)?;
                (l, r, transform.clone(), *length)
            }
        };
        let n = |default: usize| -> Result<usize> {
            let n = length.unwrap_or(default);
            crate::ensure!((1..=20).contains(&n), Config: "{what}: length must be 1..=20, got {n}");
            Ok(n)
        };
        let transform = match transform.as_deref().unwrap_or("exact") {
            "exact" => Transform::Exact,
            "prefix" => Transform::Prefix(n(3)?),
            "surname" => Transform::Surname,
            "surname_prefix" => Transform::SurnamePrefix(n(3)?),
            "date" => Transform::Date,
            "year" => Transform::Year,
            "postcode" => Transform::Postcode,
            "postcode_area" => Transform::PostcodeArea(n(4)?),
            other => {
                crate::bail!(Config: "{what}: unknown transform '{other}', expected exact, prefix, surname, surname_prefix, date, year, postcode or postcode_area")
            }
        };
        crate::ensure!(
            length.is_none() || matches!(transform, Transform::Prefix(_) | Transform::SurnamePrefix(_) | Transform::PostcodeArea(_)),
            Config: "{what}: `length` only applies to prefix, surname_prefix and postcode_area"
        );
        keys.push(CheckedBlockingKey {
            left_column,
            right_column,
            transform,
        });
    }
    let description = keys
        .iter()
        .map(|k| {
            let col = if k.left_column == k.right_column {
                k.left_column.clone()
            } else {
                format!("l.{} = r.{}", k.left_column, k.right_column)
            };
            match k.transform {
                Transform::Exact => col,
                Transform::Prefix(n) => format!("prefix{n}({col})"),
                Transform::Surname => format!("surname({col})"),
                Transform::SurnamePrefix(n) => format!("surname_prefix{n}({col})"),
                Transform::Date => format!("date({col})"),
                Transform::Year => format!("year({col})"),
                Transform::Postcode => format!("postcode({col})"),
                Transform::PostcodeArea(n) => format!("postcode_area{n}({col})"),
            }
        })
        .collect::<Vec<_>>()
        .join(" & ");
    Ok(CheckedBlockingRule { keys, description })
}
