//! What-if for workshops: propose offers (add, drop), rerun the check, see which gaps close and
//! which open.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::contract::records::Offer;
use crate::error::Result;

use super::report::{GapReport, Status};

/// The offers after dropping `drop` (by `aanbod_id`) and adding `add`.
///
/// Unknown ids in `drop` are an error naming them (a typo would otherwise silently change
/// nothing); an added id that is still in the offer after the drop, or is added twice, is an error
/// too. Dropping an id and adding it again replaces that offer.
pub fn whatif(base: &[Offer], add: Vec<Offer>, drop: &[String]) -> Result<Vec<Offer>> {
    let known: BTreeSet<&str> = base.iter().map(|o| o.aanbod_id.as_str()).collect();
    let unknown: Vec<&str> = drop
        .iter()
        .map(|d| d.trim())
        .filter(|d| !known.contains(d))
        .collect();
    crate::ensure!(
        unknown.is_empty(),
        Config: "--drop-offers names offers that are not in the sociale kaart: {}",
        unknown.join(", ")
    );
    let dropped: BTreeSet<&str> = drop.iter().map(|d| d.trim()).collect();
    let mut out: Vec<Offer> = base
        .iter()
        .filter(|o| !dropped.contains(o.aanbod_id.as_str()))
        .cloned()
        .collect();
    let mut ids: BTreeSet<String> = out.iter().map(|o| o.aanbod_id.clone()).collect();
    let mut collisions = Vec::new();
    for o in &add {
        if !ids.insert(o.aanbod_id.clone()) {
            collisions.push(o.aanbod_id.clone());
        }
    }
    crate::ensure!(
        collisions.is_empty(),
        Config: "the proposed offers reuse aanbod_id(s) already in the sociale kaart (drop them first to replace them): {}",
        collisions.join(", ")
    );
    out.extend(add);
    Ok(out)
}

/// How one (wijk, persona) changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Was a gap, is not any more.
    Closed,
    /// Is a gap now, was not before.
    Opened,
    /// Another status change (covered <-> thin).
    Changed,
}

/// One changed cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub wijkcode: String,
    pub persona: u32,
    pub persona_name: String,
    pub kind: ChangeKind,
    pub before: Option<Status>,
    pub after: Option<Status>,
    /// Offers that fit now and did not before, and the reverse.
    pub offers_gained: Vec<String>,
    pub offers_lost: Vec<String>,
}

/// The cells whose status differs between two checks, sorted by kind, then wijk and persona.
pub fn compare(before: &GapReport, after: &GapReport) -> Vec<Change> {
    // (wijk, persona) -> cell index before and after.
    type Pair = (Option<usize>, Option<usize>);
    let mut keys: BTreeMap<(&str, u32), Pair> = BTreeMap::new();
    for (i, c) in before.cells.iter().enumerate() {
        keys.entry((&c.wijkcode, c.persona)).or_default().0 = Some(i);
    }
    for (i, c) in after.cells.iter().enumerate() {
        keys.entry((&c.wijkcode, c.persona)).or_default().1 = Some(i);
    }
    let mut out = Vec::new();
    for ((wijk, persona), (b, a)) in keys {
        let b = b.map(|i| &before.cells[i]);
        let a = a.map(|i| &after.cells[i]);
        let (sb, sa) = (b.map(|c| c.status), a.map(|c| c.status));
        if sb == sa {
            continue;
        }
        let kind = match (sb, sa) {
            (Some(Status::Gap), _) => ChangeKind::Closed,
            (_, Some(Status::Gap)) => ChangeKind::Opened,
            _ => ChangeKind::Changed,
        };
        let fit_b: BTreeSet<&String> = b.iter().flat_map(|c| &c.fitting_offers).collect();
        let fit_a: BTreeSet<&String> = a.iter().flat_map(|c| &c.fitting_offers).collect();
        out.push(Change {
            wijkcode: wijk.to_string(),
            persona,
            persona_name: a.or(b).map(|c| c.persona_name.clone()).unwrap_or_default(),
            kind,
            before: sb,
            after: sa,
            offers_gained: fit_a.difference(&fit_b).map(|s| s.to_string()).collect(),
            offers_lost: fit_b.difference(&fit_a).map(|s| s.to_string()).collect(),
        });
    }
    out.sort_by(|x, y| (x.kind, &x.wijkcode, x.persona).cmp(&(y.kind, &y.wijkcode, y.persona)));
    out
}

/// A readable summary of the changes, one line per cell.
pub fn summary(changes: &[Change]) -> String {
    use std::fmt::Write;
    if changes.is_empty() {
        return "geen wijzigingen: elke wijk en persona houdt dezelfde status\n".to_string();
    }
    let mut s = String::new();
    let count = |k: ChangeKind| changes.iter().filter(|c| c.kind == k).count();
    let _ = writeln!(
        s,
        "{} gat(en) gesloten, {} gat(en) geopend, {} andere wijziging(en)",
        count(ChangeKind::Closed),
        count(ChangeKind::Opened),
        count(ChangeKind::Changed)
    );
    let show = |st: Option<Status>| st.map_or("-".to_string(), |s| s.to_string());
    for c in changes {
        let label = match c.kind {
            ChangeKind::Closed => "gesloten",
            ChangeKind::Opened => "geopend",
            ChangeKind::Changed => "gewijzigd",
        };
        let mut why = Vec::new();
        if !c.offers_gained.is_empty() {
            why.push(format!("nu passend: {}", c.offers_gained.join(", ")));
        }
        if !c.offers_lost.is_empty() {
            why.push(format!("niet meer passend: {}", c.offers_lost.join(", ")));
        }
        let _ = writeln!(
            s,
            "  {label:<9} {} persona {} ({}): {} -> {}{}",
            c.wijkcode,
            c.persona,
            c.persona_name,
            show(c.before),
            show(c.after),
            if why.is_empty() {
                String::new()
            } else {
                format!(" ({})", why.join("; "))
            }
        );
    }
    s
}
