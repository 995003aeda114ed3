//! A persona's needs, derived from its residents with the [`NeedRules`].
//!
//! One pass over the residents fills a [`PersonaAggregate`] per persona (a weighted age histogram,
//! trait counts, older residents per herkomst); [`derive`] turns it into [`Needs`] and writes down
//! in Dutch why each need is there, so a workshop can see (and contest) the reasoning.

use serde::{Serialize, Serializer};

use crate::contract::vocab::{Doelgroep, Element, Kosten};

use super::rules::NeedRules;

/// Ages 0..=120 in whole years.
pub const AGES: usize = 121;

/// What one pass over the residents of a persona collects.
#[derive(Debug, Clone)]
pub struct PersonaAggregate {
    pub residents: usize,
    /// Weight per age in years (1 per resident, or its predicted loneliness probability).
    pub age_weight: Vec<f64>,
    /// Residents with each trait (order of [`NeedRules::traits`]).
    pub trait_counts: Vec<usize>,
    /// Residents of each listed herkomst aged `min_age` or older (order of
    /// [`NeedRules::herkomst_languages`]).
    pub own_language_counts: Vec<usize>,
}

impl PersonaAggregate {
    pub fn new(rules: &NeedRules) -> Self {
        PersonaAggregate {
            residents: 0,
            age_weight: vec![0.0; AGES],
            trait_counts: vec![0; rules.traits.len()],
            own_language_counts: vec![0; rules.herkomst_languages.len()],
        }
    }

    /// Adds one resident (`row` of the feature table, `p` its predicted loneliness probability).
    #[inline]
    pub fn add(&mut self, rules: &NeedRules, row: &[f64], p: f64) {
        self.residents += 1;
        let age = row[rules.age_column];
        let bin = age.round().clamp(0.0, (AGES - 1) as f64) as usize;
        self.age_weight[bin] += if rules.weight_by_risk { p } else { 1.0 };
        for (count, t) in self.trait_counts.iter_mut().zip(&rules.traits) {
            *count += usize::from(t.holds(row));
        }
        if age >= rules.language_min_age {
            for (count, &col) in self
                .own_language_counts
                .iter_mut()
                .zip(&rules.herkomst_columns)
            {
                *count += usize::from(row[col] >= 0.5);
            }
        }
    }
}

fn codes<S: Serializer, T: std::fmt::Display>(v: &[T], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(|x| x.to_string()))
}

/// Share of a persona's residents with one trait.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraitShare {
    #[serde(rename = "trait")]
    pub name: String,
    pub label_nl: String,
    pub share: f64,
}

/// What an offer must give a persona to fit it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Needs {
    pub persona: u32,
    pub persona_name: String,
    pub residents: usize,
    /// Core ages (see `[age]` in the rules).
    pub age_min: u8,
    pub age_max: u8,
    /// The offer must deliver at least one of these.
    #[serde(serialize_with = "codes")]
    pub elements: Vec<Element>,
    /// The persona belongs to these target groups (an offer for `iedereen` fits every persona).
    #[serde(serialize_with = "codes")]
    pub doelgroepen: Vec<Doelgroep>,
    /// The offer must be given in at least one of these.
    pub languages: Vec<String>,
    /// Cost levels the persona can bear.
    #[serde(serialize_with = "codes")]
    pub costs: Vec<Kosten>,
    /// The offer must be wheelchair accessible, arrange transport, or come to the home / be online.
    pub mobility: bool,
    pub traits: Vec<TraitShare>,
    /// Why: one Dutch sentence per need.
    pub reasons_nl: Vec<String>,
}

fn pct(x: f64) -> String {
    format!("{:.0}%", 100.0 * x)
}

/// Weighted quantile of an age histogram: the smallest age whose cumulative weight reaches `q`.
fn quantile(weights: &[f64], q: f64) -> usize {
    let total: f64 = weights.iter().sum();
    if total <= 0.0 {
        return 0;
    }
    let mut cum = 0.0;
    for (age, w) in weights.iter().enumerate() {
        cum += w;
        if cum >= q * total - 1e-9 * total {
            return age;
        }
    }
    weights.len() - 1
}

fn push_unique<T: PartialEq + Copy>(into: &mut Vec<T>, items: &[T]) {
    for &i in items {
        if !into.contains(&i) {
            into.push(i);
        }
    }
}

/// Derives one persona's needs from its aggregate.
pub fn derive(agg: &PersonaAggregate, rules: &NeedRules, persona: u32, name: &str) -> Needs {
    let n = agg.residents.max(1) as f64;
    let mut reasons = Vec::new();
    // With risk weights that are all zero, fall back to counting residents is impossible here
    // (the histogram holds only weights), so an all-zero histogram gives the full age range.
    let total: f64 = agg.age_weight.iter().sum();
    let (age_min, age_max) = if total > 0.0 {
        (
            quantile(&agg.age_weight, rules.core_quantiles.0),
            quantile(&agg.age_weight, rules.core_quantiles.1),
        )
    } else {
        (0, AGES - 1)
    };
    reasons.push(format!(
        "kernleeftijd {age_min}-{age_max} jaar (het {:.0}e tot {:.0}e percentiel van de leeftijden{})",
        100.0 * rules.core_quantiles.0,
        100.0 * rules.core_quantiles.1,
        if rules.weight_by_risk {
            ", gewogen naar de voorspelde kans op eenzaamheid"
        } else {
            ""
        }
    ));
    let traits: Vec<TraitShare> = rules
        .traits
        .iter()
        .zip(&agg.trait_counts)
        .map(|(t, &c)| TraitShare {
            name: t.name.clone(),
            label_nl: t.label_nl.clone(),
            share: crate::contract::round6(c as f64 / n),
        })
        .collect();
    let mut elements = Vec::new();
    let mut doelgroepen = Vec::new();
    let mut mobility = false;
    let mut restricted: Option<Vec<Kosten>> = None;
    let mut allowed_extra: Vec<Kosten> = Vec::new();
    for rule in &rules.rules {
        let t = &rules.traits[rule.trait_index];
        let share = agg.trait_counts[rule.trait_index] as f64 / n;
        if agg.residents == 0 || share < rule.min_share {
            continue;
        }
        push_unique(&mut elements, &rule.elements);
        push_unique(&mut doelgroepen, &rule.doelgroepen);
        mobility |= rule.mobility;
        if let Some(c) = &rule.costs {
            restricted = Some(match restricted {
                None => c.clone(),
                Some(prev) => prev.into_iter().filter(|k| c.contains(k)).collect(),
            });
        }
        push_unique(&mut allowed_extra, &rule.allow_costs);
        let mut what = Vec::new();
        if !rule.elements.is_empty() {
            what.push(format!(
                "elementen {}",
                rule.elements
                    .iter()
                    .map(|e| e.code())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if !rule.doelgroepen.is_empty() {
            what.push(format!(
                "doelgroep {}",
                rule.doelgroepen
                    .iter()
                    .map(|d| d.code())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if rule.mobility {
            what.push("toegankelijk aanbod (rolstoel, vervoer, aan huis of online)".into());
        }
        if let Some(c) = &rule.costs {
            what.push(format!(
                "kosten alleen {}",
                c.iter().map(|k| k.code()).collect::<Vec<_>>().join(", ")
            ));
        }
        if !rule.allow_costs.is_empty() {
            what.push(format!(
                "ook {}",
                rule.allow_costs
                    .iter()
                    .map(|k| k.code())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        reasons.push(format!(
            "{} {} (regel: vanaf {}): {}",
            pct(share),
            t.label_nl,
            pct(rule.min_share),
            what.join("; ")
        ));
    }
    if elements.is_empty() {
        elements = rules.fallback_elements.clone();
        reasons.push(format!(
            "geen regel gaf een element: de standaardelementen {}",
            elements
                .iter()
                .map(|e| e.code())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let mut costs: Vec<Kosten> = restricted.unwrap_or_else(|| Kosten::ALL.to_vec());
    push_unique(&mut costs, &allowed_extra);
    costs.sort();
    let mut languages: Vec<String> = Vec::new();
    for ((h, langs), &count) in rules
        .herkomst_languages
        .iter()
        .zip(&agg.own_language_counts)
    {
        let share = count as f64 / n;
        if agg.residents > 0 && share >= rules.language_min_share {
            for l in langs {
                if !languages.contains(l) {
                    languages.push(l.clone());
                }
            }
            reasons.push(format!(
                "{} is {}+ met herkomst {} (regel: vanaf {}): aanbod in {}",
                pct(share),
                rules.language_min_age,
                h.code(),
                pct(rules.language_min_share),
                langs.join(" of ")
            ));
        }
    }
    if languages.is_empty() {
        languages = rules.default_languages.clone();
    }
    Needs {
        persona,
        persona_name: name.to_string(),
        residents: agg.residents,
        age_min: age_min as u8,
        age_max: age_max as u8,
        elements,
        doelgroepen,
        languages,
        costs,
        mobility,
        traits,
        reasons_nl: reasons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_quantiles_follow_the_weights() {
        let mut w = vec![0.0; AGES];
        w[20] = 1.0;
        w[80] = 9.0;
        assert_eq!(quantile(&w, 0.05), 20);
        assert_eq!(quantile(&w, 0.10), 20);
        assert_eq!(quantile(&w, 0.11), 80);
        assert_eq!(quantile(&w, 0.9), 80);
    }

    #[test]
    fn own_language_replaces_dutch_for_older_migrants() {
        let rules = NeedRules::defaults().unwrap();
        let mut agg = PersonaAggregate::new(&rules);
        agg.residents = 100;
        agg.age_weight[70] = 100.0;
        let tr = rules
            .herkomst_languages
            .iter()
            .position(|(h, _)| h.code() == "turkije")
            .unwrap();
        agg.own_language_counts[tr] = 29;
        assert_eq!(derive(&agg, &rules, 1, "x").languages, ["nl"]);
        agg.own_language_counts[tr] = 30;
        let n = derive(&agg, &rules, 1, "x");
        assert_eq!(n.languages, ["tr"]);
        assert!(n.reasons_nl.iter().any(|r| r.contains("herkomst turkije")));
    }

    #[test]
    fn costs_restrict_then_allow() {
        let rules = NeedRules::defaults().unwrap();
        let mut agg = PersonaAggregate::new(&rules);
        agg.residents = 10;
        agg.age_weight[40] = 1.0;
        let idx = |name: &str| rules.traits.iter().position(|t| t.name == name).unwrap();
        assert_eq!(derive(&agg, &rules, 1, "x").costs, Kosten::ALL);
        agg.trait_counts[idx("low_income")] = 5;
        assert_eq!(
            derive(&agg, &rules, 1, "x").costs,
            [Kosten::Gratis, Kosten::Laag]
        );
        agg.trait_counts[idx("wmo")] = 5;
        assert_eq!(
            derive(&agg, &rules, 1, "x").costs,
            [Kosten::Gratis, Kosten::Laag, Kosten::Indicatie]
        );
        agg.trait_counts[idx("limited_mobility")] = 3;
        assert!(derive(&agg, &rules, 1, "x").mobility);
    }
}
