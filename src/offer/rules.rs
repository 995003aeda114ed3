//! The need rules: how a persona's profile turns into the needs its offer is checked against.
//!
//! The rules live in a TOML file so a municipality can change them without code: the defaults are
//! `src/offer/needs.toml` (compiled in), a user file replaces them whole. [`NeedRules::load`] and
//! [`NeedRules::defaults`] validate once (every trait names features of the feature table, every
//! vocabulary value is a spec spelling, shares and quantiles are in range), so the check itself
//! cannot meet a bad rule. docs/gaps.md explains every key.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::contract::vocab::{Doelgroep, Element, Herkomst, Kosten};
use crate::error::{Error, IoContext, Result};
use crate::residents::FeatureTable;

/// The shipped defaults.
pub const DEFAULT_TOML: &str = include_str!("needs.toml");

/// The rules file as written (also echoed into `gaps.json`, so a result says which rules made it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesFile {
    pub version: u32,
    pub age: AgeSection,
    pub capacity: CapacitySection,
    pub languages: LanguageSection,
    pub traits: BTreeMap<String, TraitDef>,
    pub rules: Vec<RuleDef>,
    pub fallback: FallbackSection,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgeSection {
    pub core_quantiles: [f64; 2],
    pub weight_by_risk: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapacitySection {
    pub thin_below: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanguageSection {
    pub default: Vec<String>,
    pub min_share: f64,
    pub min_age: f64,
    /// herkomst code -> ISO 639-1 languages.
    pub herkomst: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TraitDef {
    pub label_nl: String,
    #[serde(default)]
    pub all: Vec<ConditionDef>,
    #[serde(default)]
    pub any: Vec<ConditionDef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionDef {
    pub feature: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub below: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    #[serde(rename = "trait")]
    pub trait_name: String,
    pub min_share: f64,
    #[serde(default)]
    pub elements: Vec<String>,
    #[serde(default)]
    pub doelgroepen: Vec<String>,
    #[serde(default)]
    pub mobility: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub costs: Option<Vec<String>>,
    #[serde(default)]
    pub allow_costs: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FallbackSection {
    pub elements: Vec<String>,
}

/// One feature condition, resolved to a column of the feature table.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub column: usize,
    pub at_least: Option<f64>,
    pub below: Option<f64>,
}

impl Condition {
    #[inline]
    pub fn holds(&self, row: &[f64]) -> bool {
        let v = row[self.column];
        match (self.at_least, self.below) {
            (None, None) => v >= 0.5,
            (lo, hi) => lo.is_none_or(|lo| v >= lo) && hi.is_none_or(|hi| v < hi),
        }
    }
}

/// A trait with resolved conditions.
#[derive(Debug, Clone, PartialEq)]
pub struct Trait {
    pub name: String,
    pub label_nl: String,
    pub all: Vec<Condition>,
    pub any: Vec<Condition>,
}

impl Trait {
    #[inline]
    pub fn holds(&self, row: &[f64]) -> bool {
        self.all.iter().all(|c| c.holds(row))
            && (self.any.is_empty() || self.any.iter().any(|c| c.holds(row)))
    }
}

/// A rule with typed vocabularies; `trait_index` points into [`NeedRules::traits`].
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub trait_index: usize,
    pub min_share: f64,
    pub elements: Vec<Element>,
    pub doelgroepen: Vec<Doelgroep>,
    pub mobility: bool,
    pub costs: Option<Vec<Kosten>>,
    pub allow_costs: Vec<Kosten>,
}

/// Validated need rules, resolved against the feature table layout.
#[derive(Debug, Clone, PartialEq)]
pub struct NeedRules {
    /// The file as written.
    pub file: RulesFile,
    pub core_quantiles: (f64, f64),
    pub weight_by_risk: bool,
    pub thin_below: f64,
    pub default_languages: Vec<String>,
    pub language_min_share: f64,
    pub language_min_age: f64,
    /// Herkomst (by [`Herkomst::index`]) -> languages, for the herkomsten listed.
    pub herkomst_languages: Vec<(Herkomst, Vec<String>)>,
    /// Column of `herkomst=<code>` per listed herkomst (same order) and of `age`.
    pub herkomst_columns: Vec<usize>,
    pub age_column: usize,
    pub traits: Vec<Trait>,
    pub rules: Vec<Rule>,
    pub fallback_elements: Vec<Element>,
}

impl NeedRules {
    /// The shipped defaults (`src/offer/needs.toml`).
    pub fn defaults() -> Result<NeedRules> {
        NeedRules::parse(DEFAULT_TOML, "the default need rules")
    }

    /// A user rules file (replaces the defaults whole).
    pub fn load(path: &Path) -> Result<NeedRules> {
        let text = std::fs::read_to_string(path).at(path)?;
        NeedRules::parse(&text, &path.display().to_string())
    }

    /// Parses and validates rules text; `origin` names it in messages.
    pub fn parse(text: &str, origin: &str) -> Result<NeedRules> {
        let file: RulesFile = toml::from_str(text)
            .map_err(|e| Error::Config(format!("{origin}: {}", e.message())))?;
        NeedRules::check(file, origin)
    }

    /// Validates a rules file against the vocabularies and the feature table layout.
    pub fn check(file: RulesFile, origin: &str) -> Result<NeedRules> {
        let bad = |msg: String| Error::Config(format!("{origin}: {msg}"));
        if file.version != 1 {
            return Err(bad(format!(
                "version {} is not supported (expected 1)",
                file.version
            )));
        }
        let [lo, hi] = file.age.core_quantiles;
        if !(0.0..=1.0).contains(&lo) || !(0.0..=1.0).contains(&hi) || lo >= hi {
            return Err(bad(format!(
                "[age] core_quantiles must be two shares 0 <= low < high <= 1, got [{lo}, {hi}]"
            )));
        }
        let thin = file.capacity.thin_below;
        if !(thin.is_finite() && thin >= 0.0) {
            return Err(bad(format!(
                "[capacity] thin_below must be 0 or more, got {thin}"
            )));
        }
        let layout = FeatureTable::layout();
        let column = |name: &str, wher: &str| {
            layout.iter().position(|f| f.name == name).ok_or_else(|| {
                bad(format!(
                    "{wher}: unknown feature '{name}' (the features are listed in docs/features.md)"
                ))
            })
        };
        let lang = |code: &String, wher: &str| -> Result<String> {
            let c = code.trim().to_ascii_lowercase();
            if c.len() == 2 && c.bytes().all(|b| b.is_ascii_lowercase()) {
                Ok(c)
            } else {
                Err(bad(format!(
                    "{wher}: '{code}' is not a two-letter ISO 639-1 language code"
                )))
            }
        };
        let share = |v: f64, wher: &str| -> Result<f64> {
            if v > 0.0 && v <= 1.0 {
                Ok(v)
            } else {
                Err(bad(format!("{wher}: a share must be in (0, 1], got {v}")))
            }
        };
        let default_languages = file
            .languages
            .default
            .iter()
            .map(|c| lang(c, "[languages] default"))
            .collect::<Result<Vec<_>>>()?;
        if default_languages.is_empty() {
            return Err(bad(
                "[languages] default must name at least one language".into()
            ));
        }
        let language_min_share = share(file.languages.min_share, "[languages] min_share")?;
        let mut herkomst_languages = Vec::new();
        let mut herkomst_columns = Vec::new();
        for (code, langs) in &file.languages.herkomst {
            let h = Herkomst::parse(code).ok_or_else(|| {
                bad(format!(
                    "[languages.herkomst] '{code}' is not a herkomst; expected one of {}",
                    Herkomst::CODES.join(", ")
                ))
            })?;
            let langs = langs
                .iter()
                .map(|l| lang(l, "[languages.herkomst]"))
                .collect::<Result<Vec<_>>>()?;
            herkomst_columns.push(column(&format!("herkomst={}", h.code()), "[languages]")?);
            herkomst_languages.push((h, langs));
        }
        let age_column = column("age", "[age]")?;
        let mut traits = Vec::new();
        for (name, def) in &file.traits {
            let wher = format!("[traits.{name}]");
            if def.all.is_empty() && def.any.is_empty() {
                return Err(bad(format!(
                    "{wher} needs at least one condition in all or any"
                )));
            }
            let resolve = |c: &ConditionDef| -> Result<Condition> {
                Ok(Condition {
                    column: column(&c.feature, &wher)?,
                    at_least: c.at_least,
                    below: c.below,
                })
            };
            traits.push(Trait {
                name: name.clone(),
                label_nl: def.label_nl.clone(),
                all: def.all.iter().map(resolve).collect::<Result<_>>()?,
                any: def.any.iter().map(resolve).collect::<Result<_>>()?,
            });
        }
        let elements = |v: &[String], wher: &str| -> Result<Vec<Element>> {
            let mut out = Vec::new();
            for e in v {
                let e = Element::parse(e).ok_or_else(|| {
                    bad(format!(
                        "{wher}: '{e}' is not an element; expected one of {}",
                        Element::CODES.join(", ")
                    ))
                })?;
                if !out.contains(&e) {
                    out.push(e);
                }
            }
            Ok(out)
        };
        let costs = |v: &[String], wher: &str| -> Result<Vec<Kosten>> {
            v.iter()
                .map(|k| {
                    Kosten::parse(k).ok_or_else(|| {
                        bad(format!(
                            "{wher}: '{k}' is not a cost level; expected one of {}",
                            Kosten::CODES.join(", ")
                        ))
                    })
                })
                .collect()
        };
        let mut rules = Vec::new();
        for (i, r) in file.rules.iter().enumerate() {
            let wher = format!("[[rules]] #{} (trait {})", i + 1, r.trait_name);
            let trait_index = traits
                .iter()
                .position(|t| t.name == r.trait_name)
                .ok_or_else(|| bad(format!("{wher}: no [traits.{}] defines it", r.trait_name)))?;
            let doelgroepen = r
                .doelgroepen
                .iter()
                .map(|d| {
                    Doelgroep::parse(d).ok_or_else(|| {
                        bad(format!(
                            "{wher}: '{d}' is not a doelgroep; expected one of {}",
                            Doelgroep::CODES.join(", ")
                        ))
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let restricted = r.costs.as_deref().map(|c| costs(c, &wher)).transpose()?;
            if restricted.as_ref().is_some_and(|c| c.is_empty()) {
                return Err(bad(format!("{wher}: costs = [] would let nothing fit")));
            }
            rules.push(Rule {
                trait_index,
                min_share: share(r.min_share, &wher)?,
                elements: elements(&r.elements, &wher)?,
                doelgroepen,
                mobility: r.mobility,
                costs: restricted,
                allow_costs: costs(&r.allow_costs, &wher)?,
            });
        }
        let fallback_elements = elements(&file.fallback.elements, "[fallback]")?;
        if fallback_elements.is_empty() {
            return Err(bad(
                "[fallback] elements must name at least one element".into()
            ));
        }
        Ok(NeedRules {
            core_quantiles: (lo, hi),
            weight_by_risk: file.age.weight_by_risk,
            thin_below: thin,
            default_languages,
            language_min_share,
            language_min_age: file.languages.min_age,
            herkomst_languages,
            herkomst_columns,
            age_column,
            traits,
            rules,
            fallback_elements,
            file,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate() {
        let r = NeedRules::defaults().unwrap();
        assert!(r.traits.len() >= 10);
        assert_eq!(r.rules.len(), r.file.rules.len());
        assert_eq!(r.default_languages, ["nl"]);
    }

    #[test]
    fn bad_rules_are_refused_with_the_place() {
        let broken = DEFAULT_TOML.replace("feature = \"living_alone\"", "feature = \"alleen\"");
        let e = NeedRules::parse(&broken, "x.toml").unwrap_err().to_string();
        assert!(
            e.contains("[traits.living_alone]") && e.contains("'alleen'"),
            "{e}"
        );
        let broken = DEFAULT_TOML.replace("\"sociale_vaardigheden\"", "\"vaardigheden\"");
        let e = NeedRules::parse(&broken, "x.toml").unwrap_err().to_string();
        assert!(e.contains("not an element"), "{e}");
        let broken = DEFAULT_TOML.replace("[0.10, 0.90]", "[0.9, 0.1]");
        assert!(NeedRules::parse(&broken, "x.toml").is_err());
        let broken = DEFAULT_TOML.replace("thin_below = 0.05", "thin_below = 0.05\nextra = 1");
        assert!(NeedRules::parse(&broken, "x.toml").is_err());
    }
}
