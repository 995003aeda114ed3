//! The clustering encoding: which features of the table enter the persona clustering, how they are
//! scaled, and how much they weigh.
//!
//! Squared Euclidean distance on this encoding is a k-prototypes-like dissimilarity: numeric terms
//! are z-scores (or life-stage ramps) times a weight, and a one-hot group scaled by 1/sqrt(2)
//! contributes exactly `weight^2` when two residents fall in different categories (the mismatch
//! count of k-prototypes), so categorical and numeric evidence are on one scale. The fitted means
//! and standard deviations are saved with the model so next year's data is encoded the same way.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::residents::FeatureTable;

/// How one encoded column is computed from feature-table columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TermKind {
    /// `(x - mean) / sd`.
    ZScore { column: String, mean: f64, sd: f64 },
    /// `clamp((x - from) / (to - from), 0, 1)`: 0 on one side of a life stage, 1 past its end.
    /// With `within` (0/1 columns), the ramp counts only for residents in one of those groups
    /// (it is multiplied by their sum): a life stage that matters in one situation only.
    Ramp {
        column: String,
        from: f64,
        to: f64,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        within: Vec<String>,
    },
    /// The sum of several 0/1 columns (a grouped category).
    Sum { columns: Vec<String> },
}

/// One encoded column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Term {
    pub name: String,
    pub weight: f64,
    #[serde(flatten)]
    pub kind: TermKind,
}

/// The full encoding, in column order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Encoding {
    pub terms: Vec<Term>,
}

/// A dense row-major f32 matrix (f32 halves the memory traffic of the distance loops; sums are
/// accumulated in f64).
#[derive(Debug, Clone)]
pub struct Matrix {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<f32>,
}

impl Matrix {
    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }
}

const ONE_HOT: f64 = std::f64::consts::FRAC_1_SQRT_2;

fn sum(name: &str, weight: f64, columns: &[&str]) -> Term {
    Term {
        name: name.into(),
        weight,
        kind: TermKind::Sum {
            columns: columns.iter().map(|c| c.to_string()).collect(),
        },
    }
}

fn ramp(name: &str, weight: f64, from: f64, to: f64, within: &[&str]) -> Term {
    Term {
        name: name.into(),
        weight,
        kind: TermKind::Ramp {
            column: "age".into(),
            from,
            to,
            within: within.iter().map(|c| c.to_string()).collect(),
        },
    }
}

fn z(column: &str, weight: f64) -> Term {
    Term {
        name: column.into(),
        weight,
        kind: TermKind::ZScore {
            column: column.into(),
            mean: 0.0,
            sd: 1.0,
        },
    }
}

impl Encoding {
    /// The default persona encoding (see docs/personas.md for the evidence behind the weights).
    ///
    /// Age enters as life-stage ramps rather than a z-score: loneliness risk is flat through middle
    /// age, and a linear age term makes k-means split large middle-aged groups by age instead of by
    /// situation. Old age (60 -> 80) counts for everyone; young adulthood (35 -> 25) only for
    /// residents who live independently (alone or as a single parent): an adult child at home
    /// shares the household's situation. Migration background is grouped (Turkish/Moroccan, the
    /// classic labour-migration groups, versus the rest) and, from 55 ("oudere migranten", the
    /// first generation, where little Dutch concentrates), is a life stage of its own. Marital
    /// status enters only where it marks a loss (widowed, divorced), income source only where it
    /// marks a situation (work, pension, a benefit).
    pub fn default_spec() -> Encoding {
        let mut terms = vec![
            ramp("oud", 2.0, 60.0, 80.0, &[]),
            z("age", 0.5),
            z("income_percentile", 0.7),
            z("household_size", 0.3),
            sum("huishouden=alleen", 1.5 * ONE_HOT, &["huishouden=alleen"]),
            sum(
                "huishouden=eenoudergezin",
                1.5 * ONE_HOT,
                &["huishouden=eenoudergezin"],
            ),
            sum(
                "huishouden=meer_volwassenen",
                1.5 * ONE_HOT,
                &[
                    "huishouden=paar",
                    "huishouden=paar_met_kinderen",
                    "huishouden=overig",
                ],
            ),
            sum(
                "burgerlijke_staat=verweduwd",
                1.0,
                &["burgerlijke_staat=verweduwd"],
            ),
            sum(
                "burgerlijke_staat=gescheiden",
                1.0,
                &["burgerlijke_staat=gescheiden"],
            ),
            sum(
                "herkomst=turks_marokkaans",
                1.5,
                &["herkomst=turkije", "herkomst=marokko"],
            ),
            ramp(
                "oudere_migrant",
                2.0,
                45.0,
                55.0,
                &["herkomst=turkije", "herkomst=marokko"],
            ),
            ramp(
                "jong_zelfstandig",
                2.0,
                35.0,
                25.0,
                &["huishouden=alleen", "huishouden=eenoudergezin"],
            ),
        ];
        // Income source where it marks a situation: work (employed or self-employed alike),
        // pension and the three benefits. `overig`, `geen` and `onbekend` say nothing about the
        // life situation and are the neutral point (all five columns 0).
        terms.push(sum(
            "inkomensbron=werk",
            ONE_HOT,
            &["inkomensbron=loon", "inkomensbron=zelfstandig"],
        ));
        for source in ["aow", "bijstand", "arbeidsongeschiktheid", "werkloosheid"] {
            let name = format!("inkomensbron={source}");
            terms.push(sum(&name, ONE_HOT, &[&name]));
        }
        for flag in [
            "minimaregeling",
            "wmo_any",
            "household_member_wmo",
            "parenting_support_active",
            "debt_counselling_any",
        ] {
            terms.push(sum(flag, 1.0, &[flag]));
        }
        Encoding { terms }
    }

    /// Terms not in the default encoding that a bench may switch on by name (research only).
    pub fn optional_term(name: &str) -> Option<Term> {
        let flag = |c: &str| Some(sum(c, 1.0, &[c]));
        match name {
            "recently_divorced" | "recently_widowed" | "living_alone" => flag(name),
            // The household as its members see it: a housemate out of work, living with another
            // generation (docs/personas.md: they help on the random persona sets, but any weight
            // moves the choice of K on the demo or a profile, so they stay out of the default).
            "household_member_benefit"
            | "household_older_generation"
            | "household_younger_generation" => flag(name),
            "huishouden=overig" | "huishouden=paar" | "huishouden=paar_met_kinderen" => {
                Some(sum(name, ONE_HOT, &[name]))
            }
            "adults_in_household" => Some(z(name, 1.0)),
            "zorg_in_huis" => Some(sum(name, 1.0, &["wmo_any", "household_member_wmo"])),
            "midden" => Some(ramp(name, 1.0, 40.0, 50.0, &[])),
            _ => None,
        }
    }

    /// Fits the z-score means and standard deviations on `table`.
    pub fn fit(mut self, table: &FeatureTable) -> Result<Encoding> {
        for term in &mut self.terms {
            if let TermKind::ZScore { column, mean, sd } = &mut term.kind {
                let j = column_of(table, column)?;
                let n = table.rows().max(1) as f64;
                let m = (0..table.rows()).map(|i| table.row(i)[j]).sum::<f64>() / n;
                let v = (0..table.rows())
                    .map(|i| (table.row(i)[j] - m).powi(2))
                    .sum::<f64>()
                    / n;
                *mean = m;
                *sd = if v > 0.0 { v.sqrt() } else { 1.0 };
            }
        }
        Ok(self)
    }

    /// Encodes every resident of `table` with the fitted parameters.
    pub fn apply(&self, table: &FeatureTable) -> Result<Matrix> {
        enum Op {
            Z(usize, f64, f64),
            Ramp(usize, f64, f64, Vec<usize>),
            Sum(Vec<usize>),
        }
        let ops: Vec<(Op, f64)> = self
            .terms
            .iter()
            .map(|t| {
                let op = match &t.kind {
                    TermKind::ZScore { column, mean, sd } => {
                        Op::Z(column_of(table, column)?, *mean, *sd)
                    }
                    TermKind::Ramp {
                        column,
                        from,
                        to,
                        within,
                    } => Op::Ramp(
                        column_of(table, column)?,
                        *from,
                        *to,
                        within
                            .iter()
                            .map(|c| column_of(table, c))
                            .collect::<Result<_>>()?,
                    ),
                    TermKind::Sum { columns } => Op::Sum(
                        columns
                            .iter()
                            .map(|c| column_of(table, c))
                            .collect::<Result<_>>()?,
                    ),
                };
                Ok((op, t.weight))
            })
            .collect::<Result<_>>()?;
        let cols = ops.len();
        let mut data = vec![0f32; table.rows() * cols];
        use rayon::prelude::*;
        data.par_chunks_mut(cols.max(1))
            .enumerate()
            .for_each(|(i, out)| {
                let row = table.row(i);
                for (k, (op, w)) in ops.iter().enumerate() {
                    let v = match op {
                        Op::Z(j, m, s) => (row[*j] - m) / s,
                        Op::Ramp(j, from, to, within) => {
                            let r = ((row[*j] - from) / (to - from)).clamp(0.0, 1.0);
                            if within.is_empty() {
                                r
                            } else {
                                r * within.iter().map(|&w| row[w]).sum::<f64>()
                            }
                        }
                        Op::Sum(js) => js.iter().map(|&j| row[j]).sum(),
                    };
                    out[k] = (v * w) as f32;
                }
            });
        Ok(Matrix {
            rows: table.rows(),
            cols,
            data,
        })
    }
}

fn column_of(table: &FeatureTable, name: &str) -> Result<usize> {
    table.column_index(name).ok_or_else(|| {
        crate::error::Error::Data(format!(
            "the persona encoding needs feature '{name}', which the feature table does not have"
        ))
    })
}
