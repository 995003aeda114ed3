//! Persona profiles: size, the traits that set each persona apart, loneliness among its survey
//! respondents, and a short Dutch name and description made from those traits.
//!
//! Loneliness among a persona's respondents uses the frame's scored survey
//! ([`crate::residents::Survey`], scored once by [`crate::residents::djg`]), so personas, the risk
//! model and the report count the same respondents the same way.

use serde::{Deserialize, Serialize};

use crate::residents::{FeatureKind, FeatureTable, Survey};

/// One trait of a persona compared with the whole population.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trait {
    pub feature: String,
    pub label_nl: String,
    /// Share (flags, one-hot) or mean (numeric) within the persona.
    pub persona: f64,
    pub population: f64,
    /// Difference in population standard deviations (the ranking key).
    pub standardized_difference: f64,
}

/// Loneliness among the persona's linked survey respondents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Loneliness {
    /// Respondents with a usable DJG score.
    pub respondents: usize,
    /// Weighted share lonely (DJG >= 3), percent; `None` when respondents are below the
    /// suppression threshold.
    pub lonely_pct: Option<f64>,
}

/// One persona as reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub id: u32,
    pub name: String,
    pub description: String,
    pub residents: usize,
    pub share: f64,
    pub mean_age: f64,
    /// The traits that set it apart, strongest first.
    pub distinguishing_traits: Vec<Trait>,
    pub loneliness: Loneliness,
    /// Bootstrap Jaccard of the persona (Hennig; [`super::stability`]): >= 0.75 stable, < 0.6
    /// uncertain. `None` until computed (the persona run always fills it).
    pub stability: Option<f64>,
}

impl Profile {
    /// Hennig's reading of [`Profile::stability`] in plain Dutch, for the summary and the report.
    pub fn stability_label(&self) -> Option<&'static str> {
        self.stability.map(|j| {
            if j >= super::stability::STABLE {
                "stabiel"
            } else if j >= super::stability::UNCERTAIN {
                "redelijk stabiel"
            } else {
                "onzeker: komt bij herhaald trekken niet steeds terug"
            }
        })
    }
}

/// Means per persona (rows) and for the population (last row), for every feature.
fn means(table: &FeatureTable, labels: &[u32], k: usize) -> (Vec<Vec<f64>>, Vec<usize>) {
    let p = table.cols();
    let mut sums = vec![vec![0f64; p]; k + 1];
    let mut counts = vec![0usize; k + 1];
    for (i, &l) in labels.iter().enumerate() {
        let row = table.row(i);
        for c in [l as usize, k] {
            counts[c] += 1;
            for (s, v) in sums[c].iter_mut().zip(row) {
                *s += v;
            }
        }
    }
    for (s, &c) in sums.iter_mut().zip(&counts) {
        s.iter_mut().for_each(|v| *v /= c.max(1) as f64);
    }
    (sums, counts)
}

/// Profiles every persona. `names` (when given, from a previous model) wins over generated names.
pub fn profile(
    table: &FeatureTable,
    labels: &[u32],
    k: usize,
    survey: &Survey,
    threshold: u32,
) -> Vec<Profile> {
    let (m, counts) = means(table, labels, k);
    let pop = &m[k];
    let p = table.cols();
    // Population standard deviation per feature.
    let mut var = vec![0f64; p];
    for i in 0..table.rows() {
        for (j, v) in table.row(i).iter().enumerate() {
            var[j] += (v - pop[j]).powi(2);
        }
    }
    let sd: Vec<f64> = var
        .iter()
        .map(|v| (v / table.rows().max(1) as f64).sqrt())
        .collect();
    let lonely = survey_loneliness(survey, labels, k);
    let age = table.column_index("age");
    let mut profiles: Vec<Profile> = (0..k)
        .map(|c| {
            let mut traits: Vec<Trait> = table
                .features
                .iter()
                .enumerate()
                .filter(|(j, f)| {
                    sd[*j] > 0.0 && !f.name.ends_with("_missing") && !f.name.starts_with("buurt_")
                })
                .map(|(j, f)| Trait {
                    feature: f.name.clone(),
                    label_nl: f.label_nl.clone(),
                    persona: m[c][j],
                    population: pop[j],
                    standardized_difference: (m[c][j] - pop[j]) / sd[j],
                })
                .filter(|t| {
                    let kind = table.features[table.column_index(&t.feature).unwrap()].kind;
                    kind == FeatureKind::Numeric
                        || t.persona >= 0.2
                        || t.standardized_difference < 0.0
                })
                .collect();
            traits.sort_by(|a, b| {
                b.standardized_difference
                    .abs()
                    .total_cmp(&a.standardized_difference.abs())
                    .then_with(|| a.feature.cmp(&b.feature))
            });
            traits.truncate(8);
            let (respondents, weight, lonely_weight) = lonely[c];
            Profile {
                id: c as u32 + 1,
                name: String::new(),
                description: String::new(),
                residents: counts[c],
                share: counts[c] as f64 / counts[k].max(1) as f64,
                mean_age: age.map_or(0.0, |j| m[c][j]),
                distinguishing_traits: traits,
                loneliness: Loneliness {
                    respondents,
                    lonely_pct: (respondents >= threshold as usize && weight > 0.0)
                        .then(|| 100.0 * lonely_weight / weight),
                },
                stability: None,
            }
        })
        .collect();
    let names = unique_names(table, &m, k);
    for (c, prof) in profiles.iter_mut().enumerate() {
        prof.name = names[c].clone();
        prof.description = describe(table, &m[c], pop, prof);
    }
    profiles
}

/// Per persona: (respondents scored, total weight, weight of the lonely).
fn survey_loneliness(survey: &Survey, labels: &[u32], k: usize) -> Vec<(usize, f64, f64)> {
    let mut out = vec![(0usize, 0f64, 0f64); k];
    for (r, score) in survey.scored() {
        let Some(&c) = labels.get(r.row) else {
            continue;
        };
        let o = &mut out[c as usize];
        o.0 += 1;
        o.1 += r.weight;
        if score.lonely() {
            o.2 += r.weight;
        }
    }
    out
}

fn get(table: &FeatureTable, m: &[f64], name: &str) -> f64 {
    table.column_index(name).map_or(0.0, |j| m[j])
}

/// Phrases for a persona name: (phrase, strength) for traits clearly above the population.
fn phrases(table: &FeatureTable, m: &[f64], pop: &[f64]) -> Vec<(&'static str, f64)> {
    const CANDIDATES: &[(&str, &str)] = &[
        ("household_member_wmo", "die zorgen voor een huisgenoot"),
        ("wmo=huishoudelijke_hulp", "met thuiszorg"),
        ("wmo=begeleiding", "met WMO-begeleiding"),
        ("wmo_any", "met WMO-ondersteuning"),
        ("debt_counselling_any", "met schulden"),
        ("parenting_support_active", "met opvoedondersteuning"),
        ("inkomensbron=bijstand", "in de bijstand"),
        (
            "inkomensbron=arbeidsongeschiktheid",
            "met een arbeidsongeschiktheidsuitkering",
        ),
        ("minimaregeling", "met een minimaregeling"),
        ("burgerlijke_staat=gescheiden", "na een scheiding"),
        ("inkomensbron=loon", "met werk"),
        ("inkomensbron=aow", "met AOW"),
    ];
    let mut out: Vec<(&str, f64)> = CANDIDATES
        .iter()
        .filter_map(|(f, phrase)| {
            let (v, base) = (get(table, m, f), get(table, pop, f));
            (v >= 0.3 && v >= 1.4 * base).then_some((*phrase, v / base.max(1e-3)))
        })
        .collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    out
}

fn base_name(table: &FeatureTable, m: &[f64]) -> String {
    let age = get(table, m, "age");
    let alone = get(table, m, "living_alone");
    let widowed = get(table, m, "burgerlijke_staat=verweduwd");
    let single_parent = get(table, m, "huishouden=eenoudergezin");
    let migrant = get(table, m, "herkomst=turkije") + get(table, m, "herkomst=marokko");
    let size = get(table, m, "household_size");
    // Adults of two generations under one roof (a household-level persona): parents with the
    // adult children living with them when the parents' side (with a younger adult at home)
    // outnumbers the other, a couple with a parent living in when the other side does.
    let (younger, older) = (
        get(table, m, "household_younger_generation"),
        get(table, m, "household_older_generation"),
    );
    let generations = get(table, m, "huishouden=overig") >= 0.5 && younger + older >= 0.5;
    let noun = if alone >= 0.6 && widowed >= 0.5 {
        "weduwen en weduwnaars"
    } else if alone >= 0.6 {
        "alleenwonenden"
    } else if get(table, m, "huishouden=overig") >= 0.5 && age < 30.0 {
        "jongvolwassenen die bij hun ouders wonen"
    } else if generations && younger >= older {
        "gezinnen met thuiswonende volwassen kinderen"
    } else if generations {
        "huishoudens met een inwonende ouder"
    } else if single_parent >= 0.5 {
        "alleenstaande ouders"
    } else if size >= 3.0 {
        "gezinnen"
    } else if get(table, m, "huishouden=paar") >= 0.5 {
        "stellen"
    } else {
        "huishoudens"
    };
    let origin = if migrant >= 0.5 {
        "Turks-Marokkaanse "
    } else {
        ""
    };
    let (prefix, suffix) = if noun.starts_with("jongvolwassenen") || generations {
        ("", "")
    } else if age < 30.0 {
        ("jonge ", "")
    } else if age < 45.0 {
        ("", "")
    } else if age < 62.0 {
        ("", " van middelbare leeftijd")
    } else if age < 75.0 {
        ("oudere ", "")
    } else {
        ("hoogbejaarde ", "")
    };
    let name = format!("{prefix}{origin}{noun}{suffix}");
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}

/// Names from traits, made unique by adding phrases (then a number as a last resort).
fn unique_names(table: &FeatureTable, m: &[Vec<f64>], k: usize) -> Vec<String> {
    let pop = &m[k];
    let bases: Vec<String> = (0..k).map(|c| base_name(table, &m[c])).collect();
    let extras: Vec<Vec<&str>> = (0..k)
        .map(|c| {
            phrases(table, &m[c], pop)
                .into_iter()
                .map(|p| p.0)
                .collect()
        })
        .collect();
    let mut names: Vec<String> = (0..k)
        .map(|c| match extras[c].first() {
            Some(p) => format!("{} {p}", bases[c]),
            None => bases[c].clone(),
        })
        .collect();
    for extra in 1..3 {
        for c in 0..k {
            let dup = (0..k).any(|o| o != c && names[o] == names[c]);
            if dup {
                if let Some(p) = extras[c].get(extra) {
                    let p = if names[c].contains(" met ") {
                        p.trim_start_matches("met ")
                    } else {
                        p
                    };
                    names[c] = format!("{} en {p}", names[c]);
                }
            }
        }
    }
    for c in 0..k {
        let same = (0..c).filter(|&o| names[o] == names[c]).count();
        if same > 0 {
            names[c] = format!("{} ({})", names[c], same + 1);
        }
    }
    names
}

fn pct(x: f64) -> String {
    format!("{:.0}%", 100.0 * x)
}

fn describe(table: &FeatureTable, m: &[f64], pop: &[f64], p: &Profile) -> String {
    let mut s = format!(
        "{} inwoners ({} van de volwassenen), gemiddeld {:.0} jaar. {} woont alleen, {} heeft een \
         WMO-voorziening; het gemiddelde inkomenspercentiel is {:.0} (gemeente {:.0}).",
        p.residents,
        pct(p.share),
        p.mean_age,
        pct(get(table, m, "living_alone")),
        pct(get(table, m, "wmo_any")),
        get(table, m, "income_percentile"),
        get(table, pop, "income_percentile"),
    );
    let marks: Vec<String> = p
        .distinguishing_traits
        .iter()
        .filter(|t| t.standardized_difference > 0.0 && t.feature != "age")
        .take(4)
        .map(|t| {
            let kind = table.features[table.column_index(&t.feature).unwrap()].kind;
            if kind == FeatureKind::Numeric {
                format!(
                    "{} {:.1} (gemeente {:.1})",
                    t.label_nl, t.persona, t.population
                )
            } else {
                format!(
                    "{} {} (gemeente {})",
                    t.label_nl,
                    pct(t.persona),
                    pct(t.population)
                )
            }
        })
        .collect();
    if !marks.is_empty() {
        s.push_str(&format!(" Kenmerkend: {}.", marks.join(", ")));
    }
    match p.loneliness.lonely_pct {
        Some(x) => s.push_str(&format!(
            " Van de {} gekoppelde respondenten van de gezondheidsmonitor is {:.0}% eenzaam (De Jong Gierveld 3 of hoger, gewogen).",
            p.loneliness.respondents, x
        )),
        None => s.push_str(" Te weinig gekoppelde respondenten van de gezondheidsmonitor om eenzaamheid te schatten."),
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::residents::{Feature, FeatureKind};

    fn table(names: &[&str]) -> FeatureTable {
        FeatureTable {
            pseudo_ids: Vec::new(),
            wijk: Vec::new(),
            wijken: Vec::new(),
            household: Vec::new(),
            features: names
                .iter()
                .map(|n| Feature {
                    name: n.to_string(),
                    group: n.to_string(),
                    kind: FeatureKind::Numeric,
                    label_nl: String::new(),
                    description: String::new(),
                })
                .collect(),
            values: Vec::new(),
        }
    }

    #[test]
    fn two_generations_under_one_roof_are_named_by_which_side_outnumbers() {
        let t = table(&[
            "age",
            "household_size",
            "huishouden=overig",
            "household_younger_generation",
            "household_older_generation",
        ]);
        // Parents (a younger adult at home) outnumber their adult children.
        let parents = [42.0, 3.4, 0.9, 0.6, 0.35];
        assert_eq!(
            base_name(&t, &parents),
            "Gezinnen met thuiswonende volwassen kinderen"
        );
        // A couple (an older adult at home) outnumbers the parent living in.
        let couple = [62.0, 3.0, 0.9, 0.33, 0.62];
        assert_eq!(
            base_name(&t, &couple),
            "Huishoudens met een inwonende ouder"
        );
        // A family with young children only: the generations do not apply.
        let family = [40.0, 4.0, 0.1, 0.0, 0.0];
        assert_eq!(base_name(&t, &family), "Gezinnen");
    }
}
