//! The ground-truth folder: what the generator planted, for the tests of every later stage.
//! The engine never reads it.

use std::collections::HashSet;

use serde_json::json;

use crate::contract::round6;
use crate::error::Error;
use crate::error::Result;
use crate::synth::files::{csv_bytes, iso};
use crate::synth::offer::FIT_RULE;
use crate::synth::persona::PERSONAS;
use crate::synth::{Summary, World, GENERATOR_VERSION};

/// `residents.csv`: one row per resident, sorted by pseudo_id.
pub fn residents(
    world: &World,
    respondent_set: &HashSet<usize>,
    buurt_codes: &[&String],
) -> Result<Vec<u8>> {
    let profile = &world.params.profile;
    let n = world.residents.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        world.residents[a]
            .pseudo_id
            .cmp(&world.residents[b].pseudo_id)
    });
    let rows = order.iter().map(|&i| {
        let r = &world.residents[i];
        let o = world.outcomes[i];
        vec![
            r.pseudo_id.clone(),
            profile.wijk[r.wijk].code.clone(),
            buurt_codes[r.buurt].clone(),
            r.persona.to_string(),
            format!("{:.6}", o.p_lonely),
            format!("{:.6}", o.p_severe),
            u8::from(o.lonely).to_string(),
            u8::from(o.severe).to_string(),
            u8::from(respondent_set.contains(&i)).to_string(),
            r.age.to_string(),
        ]
    });
    csv_bytes(
        &[
            "pseudo_id",
            "wijkcode",
            "buurtcode",
            "persona",
            "p_lonely",
            "p_severe",
            "lonely",
            "severe",
            "respondent",
            "age",
        ],
        rows,
        b',',
    )
}

/// `wijken.csv`: true and realised prevalence per wijk next to the RIVM figures.
pub fn wijken(world: &World) -> Result<Vec<u8>> {
    let profile = &world.params.profile;

    let mut rows = Vec::new();
    for (w, wp) in profile.wijk.iter().enumerate() {
        let (s, e) = world.wijk_ranges[w];
        let m = (e - s).max(1) as f64;
        let sum = |f: &dyn Fn(usize) -> f64, filter: &dyn Fn(usize) -> bool| -> (f64, usize) {
            let idx: Vec<usize> = (s..e).filter(|&i| filter(i)).collect();
            (idx.iter().map(|&i| f(i)).sum::<f64>(), idx.len())
        };
        let all = |_: usize| true;
        let old = |i: usize| world.residents[i].age >= 65;
        let (pl, _) = sum(&|i| world.outcomes[i].p_lonely, &all);
        let (rl, _) = sum(&|i| f64::from(u8::from(world.outcomes[i].lonely)), &all);
        let (ps, _) = sum(&|i| world.outcomes[i].p_severe, &all);
        let (rs, _) = sum(&|i| f64::from(u8::from(world.outcomes[i].severe)), &all);
        let (pl65, n65) = sum(&|i| world.outcomes[i].p_lonely, &old);
        let (ps65, _) = sum(&|i| world.outcomes[i].p_severe, &old);
        let m65 = n65.max(1) as f64;
        rows.push(vec![
            wp.code.clone(),
            (e - s).to_string(),
            pct(pl / m),
            pct(rl / m),
            pct(ps / m),
            pct(rs / m),
            opt_f(wp.lonely_18plus),
            opt_f(wp.severe_18plus),
            n65.to_string(),
            pct(pl65 / m65),
            pct(ps65 / m65),
            opt_f(wp.lonely_65plus),
            opt_f(wp.severe_65plus),
        ]);
    }
    csv_bytes(
        &[
            "wijkcode",
            "residents",
            "true_lonely_pct",
            "realised_lonely_pct",
            "true_severe_pct",
            "realised_severe_pct",
            "rivm_lonely_pct",
            "rivm_severe_pct",
            "residents_65plus",
            "true_lonely_65plus_pct",
            "true_severe_65plus_pct",
            "rivm_lonely_65plus_pct",
            "rivm_severe_65plus_pct",
        ],
        &rows,
        b',',
    )
}

/// `personas.json`: definitions, shares (target and realised, overall and per wijk), needs.
pub fn personas(world: &World) -> Result<Vec<u8>> {
    let profile = &world.params.profile;
    let n = world.residents.len();

    let mut per_wijk_counts = vec![[0usize; 8]; profile.wijk.len()];
    let mut overall = [0usize; 8];
    for r in &world.residents {
        per_wijk_counts[r.wijk][usize::from(r.persona) - 1] += 1;
        overall[usize::from(r.persona) - 1] += 1;
    }
    let personas: Vec<serde_json::Value> = PERSONAS
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let wijken: serde_json::Map<String, serde_json::Value> = profile
                .wijk
                .iter()
                .enumerate()
                .map(|(w, wp)| {
                    let (s, e) = world.wijk_ranges[w];
                    let share = per_wijk_counts[w][k] as f64 / (e - s).max(1) as f64;
                    (wp.code.clone(), json!({"target_share": round6(world.wijk_shares[w][k]), "share": round6(share), "residents": per_wijk_counts[w][k]}))
                })
                .collect();
            json!({
                "id": p.id,
                "name": p.name,
                "description": p.description,
                "defining_traits": p.defining_traits,
                "age_band": [p.age_min, p.age_max],
                "target_share": round6(world.base_shares[k]),
                "share": round6(overall[k] as f64 / n as f64),
                "residents": overall[k],
                "wijken": wijken,
                "needs": {
                    "elements": p.need.elements.iter().map(|e| e.code()).collect::<Vec<_>>(),
                    "doelgroepen": p.need.doelgroepen.iter().map(|d| d.code()).collect::<Vec<_>>(),
                    "age_min": p.need.age_min,
                    "age_max": p.need.age_max,
                    "languages": p.need.languages,
                    "costs": p.need.costs.iter().map(|c| c.code()).collect::<Vec<_>>(),
                    "mobility": p.need.mobility,
                },
            })
        })
        .collect();
    let personas_doc = json!({"fit_rule": FIT_RULE, "personas": personas});
    json_bytes(&personas_doc)
}

/// `manifest.json`: the parameters and the summary counts.
pub fn manifest(world: &World, summary: &Summary) -> Result<Vec<u8>> {
    let params = &world.params;
    let profile = &params.profile;

    let manifest = json!({
        "generator_version": GENERATOR_VERSION,
        "crate_version": env!("CARGO_PKG_VERSION"),
        "residents": params.residents,
        "seed": params.seed,
        "year": params.year,
        "base_year": params.base_year,
        "reference_date": iso(params.reference),
        "profile": profile.name,
        "gemeentecode": profile.gemeentecode,
        "sources": profile.sources,
        "noise": params.noise,
        "dialects": {
            "brp.csv": "UTF-8 with BOM, comma, YYYY-MM-DD",
            "veiligheid.csv": "UTF-8, semicolon, decimal comma",
            "huisbezoeken.csv": "Windows-1252, comma, DD-MM-YYYY",
            "other files": "UTF-8, comma, YYYY-MM-DD",
        },
        "summary": summary,
    });
    json_bytes(&manifest)
}

fn pct(x: f64) -> String {
    format!("{:.6}", 100.0 * x)
}

fn opt_f(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.1}")).unwrap_or_default()
}

fn json_bytes(v: &serde_json::Value) -> Result<Vec<u8>> {
    let mut out =
        serde_json::to_vec_pretty(v).map_err(|e| Error::Data(format!("writing JSON: {e}")))?;
    out.push(b'\n');
    Ok(out)
}
