//! Builds the [`FeatureTable`] from an ingested study and its links.
//!
//! Two passes: first every linked source is folded into small per-resident summaries (a bit mask
//! of active WMO types, the index of the inkomen row, ...) sequentially, because those tables are
//! small next to the BRP; then the rows are filled in parallel (rayon), each resident reading only
//! its own summaries. Imputation values (medians, means) are computed between the two passes from
//! the known values, so they do not depend on the row order or the number of threads.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use rayon::prelude::*;

use super::columns::Layout;
use super::FeatureTable;
use crate::contract::vocab::{BurgerlijkeStaat, Inkomensbron, SchuldStatus, Signaal};
use crate::contract::SourceKind;
use crate::error::Result;
use crate::link::StudyLinks;
use crate::sources::{Resident, Study};

/// A life event is "recent" below this many years (recent widowhood, recent divorce).
pub const RECENT_EVENT_YEARS: f64 = 2.0;

/// Another adult of the household at least this many years older (younger) is of another
/// generation: a parent (an adult child) living in. 20 years is the usual lower bound of the age
/// gap between parents and children; partners rarely differ by that much.
pub const GENERATION_YEARS: u32 = 20;

/// Income sources that mean a resident is out of work: disability, unemployment, social assistance.
const BENEFITS: [Inkomensbron; 3] = [
    Inkomensbron::Arbeidsongeschiktheid,
    Inkomensbron::Werkloosheid,
    Inkomensbron::Bijstand,
];

/// What the other adults of a resident's household (same `huishouden_id`) say about the
/// household: care, a partner out of work, generations living together. These describe a
/// situation no single person's record shows (a carer is a healthy adult next to a partner with
/// WMO), so personas defined by the household can be found.
#[derive(Debug, Clone, Copy, Default)]
struct Housemates {
    wmo: bool,
    benefit: bool,
    older_generation: bool,
    younger_generation: bool,
}

/// Builds one row per resident of `study.brp` (same order) from the study and its links.
///
/// Fails when `links` does not belong to `study` (a source's link vector has another length
/// than its table, or points past the BRP).
pub fn build(study: &Study, links: &StudyLinks) -> Result<FeatureTable> {
    let n = study.brp.len();
    let reference = study.reference_date;
    let layout = Layout::new();
    let summaries = Summaries::collect(study, links)?;

    let mut wijken: Vec<String> = study
        .gebieden
        .iter()
        .map(|b| b.wijkcode.clone())
        .chain(study.brp.iter().map(|r| r.wijkcode.clone()))
        .collect();
    wijken.sort();
    wijken.dedup();
    let wijk_index: HashMap<&str, u32> = wijken
        .iter()
        .enumerate()
        .map(|(i, w)| (w.as_str(), i as u32))
        .collect();
    let wijk: Vec<u32> = study
        .brp
        .iter()
        .map(|r| wijk_index[r.wijkcode.as_str()])
        .collect();

    // Households: index per resident, then adults and WMO users per household.
    let mut household_index: HashMap<&str, u32> = HashMap::with_capacity(n);
    let household: Vec<u32> = study
        .brp
        .iter()
        .map(|r| {
            let next = household_index.len() as u32;
            *household_index
                .entry(r.huishouden_id.as_str())
                .or_insert(next)
        })
        .collect();
    // Per household: adults, WMO users, adults on a benefit, youngest and oldest adult.
    let hh = household_index.len();
    let mut adults_per_household = vec![0u32; hh];
    let mut wmo_per_household = vec![0u32; hh];
    let mut benefit_per_household = vec![0u32; hh];
    let mut age_range = vec![(u32::MAX, 0u32); hh];
    let ages: Vec<u32> = study
        .brp
        .iter()
        .map(|r| age_on(r.geboortedatum, reference))
        .collect();
    let on_benefit: Vec<bool> = (0..n)
        .map(|i| {
            summaries.income[i]
                .and_then(|row| study.inkomen.records[row as usize].inkomensbron)
                .is_some_and(|b| BENEFITS.contains(&b))
        })
        .collect();
    for (i, &h) in household.iter().enumerate() {
        let h = h as usize;
        adults_per_household[h] += 1;
        wmo_per_household[h] += u32::from(summaries.wmo[i] != 0);
        benefit_per_household[h] += u32::from(on_benefit[i]);
        age_range[h].0 = age_range[h].0.min(ages[i]);
        age_range[h].1 = age_range[h].1.max(ages[i]);
    }
    let adults: Vec<u32> = household
        .iter()
        .map(|&h| adults_per_household[h as usize])
        .collect();
    let housemates: Vec<Housemates> = household
        .iter()
        .enumerate()
        .map(|(i, &h)| {
            let h = h as usize;
            let (youngest, oldest) = age_range[h];
            Housemates {
                wmo: wmo_per_household[h] > u32::from(summaries.wmo[i] != 0),
                benefit: benefit_per_household[h] > u32::from(on_benefit[i]),
                older_generation: oldest >= ages[i] + GENERATION_YEARS,
                younger_generation: youngest + GENERATION_YEARS <= ages[i],
            }
        })
        .collect();

    let safety: HashMap<&str, (Option<f64>, Option<f64>)> = study
        .veiligheid
        .iter()
        .map(|s| (s.buurtcode.as_str(), (s.veiligheidsindex, s.overlast)))
        .collect();
    let buurt_safety: Vec<(Option<f64>, Option<f64>)> = study
        .brp
        .iter()
        .map(|r| {
            safety
                .get(r.buurtcode.as_str())
                .copied()
                .unwrap_or((None, None))
        })
        .collect();

    let imputed = Imputation::compute(study, &summaries, &buurt_safety);

    let p = layout.features.len();
    let mut values = vec![0.0f64; n * p];
    values
        .par_chunks_mut(p.max(1))
        .take(n)
        .enumerate()
        .for_each(|(i, row)| {
            let r = &study.brp.records[i];
            fill_row(
                row,
                &layout,
                r,
                reference,
                adults[i],
                housemates[i],
                &summaries,
                i,
                study,
                buurt_safety[i],
                &imputed,
            );
        });

    Ok(FeatureTable {
        pseudo_ids: study.brp.iter().map(|r| r.pseudo_id.clone()).collect(),
        wijk,
        wijken,
        household,
        features: layout.features,
        values,
    })
}

/// Per-resident facts gathered from the linked sources.
struct Summaries {
    /// Index of the resident's inkomen row (the last one if several).
    income: Vec<Option<u32>>,
    /// Bit `Voorziening::index()` set when that WMO type is active on the reference date.
    wmo: Vec<u8>,
    /// Bit 0: any schuldhulp row; bit 1: an active one.
    debt: Vec<u8>,
    parenting: Vec<bool>,
    /// Bit 0: visited; bit 1: loneliness signal; bit 2: mantelzorger.
    visit: Vec<u8>,
}

fn source_links(
    links: &StudyLinks,
    kind: SourceKind,
    records: usize,
    n: usize,
) -> Result<Option<&[Option<u32>]>> {
    let Some(source) = links.get(kind) else {
        crate::ensure!(
            records == 0,
            Data: "the links hold nothing for {kind:?} although the study has {records} of its rows; link the study first"
        );
        return Ok(None);
    };
    crate::ensure!(
        source.resident.len() == records,
        Data: "the links of {kind:?} cover {} rows but the study has {records}; were the links made from another study?",
        source.resident.len()
    );
    crate::ensure!(
        source.resident.iter().flatten().all(|&r| (r as usize) < n),
        Data: "the links of {kind:?} point past the {n} BRP residents; were the links made from another study?"
    );
    Ok(Some(&source.resident))
}

fn active_on(start: NaiveDate, end: Option<NaiveDate>, on: NaiveDate) -> bool {
    start <= on && end.is_none_or(|e| e >= on)
}

impl Summaries {
    fn collect(study: &Study, links: &StudyLinks) -> Result<Summaries> {
        let n = study.brp.len();
        let on = study.reference_date;
        let mut s = Summaries {
            income: vec![None; n],
            wmo: vec![0; n],
            debt: vec![0; n],
            parenting: vec![false; n],
            visit: vec![0; n],
        };
        if let Some(l) = source_links(links, SourceKind::Inkomen, study.inkomen.len(), n)? {
            for (row, r) in l.iter().enumerate() {
                if let Some(r) = r {
                    s.income[*r as usize] = Some(row as u32);
                }
            }
        }
        if let Some(l) = source_links(links, SourceKind::Wmo, study.wmo.len(), n)? {
            for (rec, r) in study.wmo.iter().zip(l) {
                if let Some(r) = r {
                    if active_on(rec.startdatum, rec.einddatum, on) {
                        s.wmo[*r as usize] |= 1 << rec.voorziening.index();
                    }
                }
            }
        }
        let opvoed = study.opvoed.len();
        if let Some(l) = source_links(links, SourceKind::Opvoedondersteuning, opvoed, n)? {
            for (rec, r) in study.opvoed.iter().zip(l) {
                if let Some(r) = r {
                    if active_on(rec.startdatum, rec.einddatum, on) {
                        s.parenting[*r as usize] = true;
                    }
                }
            }
        }
        let year_ago = on - chrono::Duration::days(365);
        if let Some(l) = source_links(links, SourceKind::Schuldhulp, study.schuldhulp.len(), n)? {
            for (rec, r) in study.schuldhulp.iter().zip(l) {
                if let Some(r) = r {
                    let active = match rec.status {
                        Some(SchuldStatus::Aanmelding | SchuldStatus::Traject) => true,
                        Some(_) => false,
                        None => rec.aanmelddatum.is_some_and(|d| d >= year_ago && d <= on),
                    };
                    s.debt[*r as usize] |= 1 | (u8::from(active) << 1);
                }
            }
        }
        let visits = study.huisbezoeken.len();
        if let Some(l) = source_links(links, SourceKind::Huisbezoeken, visits, n)? {
            for (rec, r) in study.huisbezoeken.iter().zip(l) {
                if let Some(r) = r {
                    let signal = rec.signaal_eenzaamheid == Some(Signaal::Ja);
                    let carer = rec.mantelzorger == Some(true);
                    s.visit[*r as usize] |= 1 | (u8::from(signal) << 1) | (u8::from(carer) << 2);
                }
            }
        }
        Ok(s)
    }
}

/// Values used in place of missing ones, computed from the known values of the whole study.
struct Imputation {
    income_percentile: f64,
    years_at_address: f64,
    safety_index: f64,
    nuisance: f64,
}

fn median(mut xs: Vec<f64>, fallback: f64) -> f64 {
    if xs.is_empty() {
        return fallback;
    }
    let mid = xs.len() / 2;
    let (_, m, _) = xs.select_nth_unstable_by(mid, f64::total_cmp);
    *m
}

fn mean(xs: impl Iterator<Item = f64>, fallback: f64) -> f64 {
    let (sum, count) = xs.fold((0.0, 0usize), |(s, c), x| (s + x, c + 1));
    if count == 0 {
        fallback
    } else {
        sum / count as f64
    }
}

impl Imputation {
    fn compute(
        study: &Study,
        s: &Summaries,
        buurt_safety: &[(Option<f64>, Option<f64>)],
    ) -> Imputation {
        let percentiles: Vec<f64> = s
            .income
            .iter()
            .flatten()
            .filter_map(|&row| study.inkomen.records[row as usize].huishoudinkomen_percentiel)
            .map(f64::from)
            .collect();
        let at_address: Vec<f64> = study
            .brp
            .iter()
            .filter_map(|r| r.datum_vestiging)
            .map(|d| years_between(d, study.reference_date))
            .collect();
        Imputation {
            income_percentile: median(percentiles, 50.0),
            years_at_address: median(at_address, 0.0),
            safety_index: mean(buurt_safety.iter().filter_map(|x| x.0), 5.0),
            nuisance: mean(buurt_safety.iter().filter_map(|x| x.1), 5.0),
        }
    }
}

/// Fractional years from `from` to `to` (negative when `from` is later).
pub fn years_between(from: NaiveDate, to: NaiveDate) -> f64 {
    (to - from).num_days() as f64 / 365.25
}

/// Full years between `birth` and `on`.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age.max(0) as u32
}

/// Household type index into [`super::columns::HOUSEHOLD_TYPES`].
fn household_type(size: u16, adults: u32) -> usize {
    let size = u32::from(size);
    match (size, adults) {
        (1, _) => 0,
        (s, a) if s < a => 4,
        (2, 2) => 1,
        (s, 2) if s > 2 => 2,
        (s, 1) if s > 1 => 3,
        _ => 4,
    }
}

#[allow(clippy::too_many_arguments)]
fn fill_row(
    row: &mut [f64],
    c: &Layout,
    r: &Resident,
    on: NaiveDate,
    adults: u32,
    housemates: Housemates,
    s: &Summaries,
    i: usize,
    study: &Study,
    safety: (Option<f64>, Option<f64>),
    imputed: &Imputation,
) {
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    let age = age_on(r.geboortedatum, on);
    row[c.age] = f64::from(age);
    row[c.sex + r.geslacht.index()] = 1.0;
    row[c.household_size] = f64::from(r.aantal_personen_huishouden);
    row[c.adults_in_household] = f64::from(adults);
    row[c.household_type + household_type(r.aantal_personen_huishouden, adults)] = 1.0;
    row[c.living_alone] = flag(r.aantal_personen_huishouden == 1);

    row[c.marital + r.burgerlijke_staat.index()] = 1.0;
    let since = match r.datum_burgerlijke_staat {
        Some(d) => years_between(d, on).max(0.0),
        None => (f64::from(age) - 18.0).max(0.0),
    };
    row[c.years_marital] = since;
    row[c.marital_date_missing] = flag(r.datum_burgerlijke_staat.is_none());
    let recent = r.datum_burgerlijke_staat.is_some() && since < RECENT_EVENT_YEARS;
    row[c.recently_widowed] = flag(recent && r.burgerlijke_staat == BurgerlijkeStaat::Verweduwd);
    row[c.recently_divorced] = flag(recent && r.burgerlijke_staat == BurgerlijkeStaat::Gescheiden);
    match r.datum_vestiging {
        Some(d) => row[c.years_at_address] = years_between(d, on).max(0.0),
        None => {
            row[c.years_at_address] = imputed.years_at_address;
            row[c.address_date_missing] = 1.0;
        }
    }
    row[c.herkomst + r.herkomst.index()] = 1.0;

    let income = s.income[i].map(|row| &study.inkomen.records[row as usize]);
    match income.and_then(|x| x.huishoudinkomen_percentiel) {
        Some(pct) => row[c.income_percentile] = f64::from(pct),
        None => {
            row[c.income_percentile] = imputed.income_percentile;
            row[c.income_missing] = 1.0;
        }
    }
    let source = income
        .and_then(|x| x.inkomensbron)
        .map_or(Inkomensbron::ALL.len(), |b| b.index());
    row[c.income_source + source] = 1.0;
    row[c.minimaregeling] = flag(income.and_then(|x| x.minimaregeling) == Some(true));

    let wmo = s.wmo[i];
    row[c.wmo_any] = flag(wmo != 0);
    for k in 0..crate::contract::vocab::Voorziening::ALL.len() {
        row[c.wmo + k] = flag(wmo & (1 << k) != 0);
    }
    row[c.household_wmo] = flag(housemates.wmo);
    row[c.household_benefit] = flag(housemates.benefit);
    row[c.household_older_generation] = flag(housemates.older_generation);
    row[c.household_younger_generation] = flag(housemates.younger_generation);
    row[c.debt_active] = flag(s.debt[i] & 2 != 0);
    row[c.debt_ever] = flag(s.debt[i] & 1 != 0);
    row[c.parenting_active] = flag(s.parenting[i]);
    row[c.home_visit] = flag(s.visit[i] & 1 != 0);
    row[c.home_visit_signal] = flag(s.visit[i] & 2 != 0);
    row[c.home_visit_carer] = flag(s.visit[i] & 4 != 0);

    let index = safety.0.unwrap_or(imputed.safety_index);
    row[c.safety_index] = index;
    row[c.nuisance] = safety.1.unwrap_or(imputed.nuisance);
    row[c.safety_missing] = flag(safety.0.is_none() || safety.1.is_none());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn household_types() {
        assert_eq!(household_type(1, 1), 0);
        assert_eq!(household_type(2, 2), 1);
        assert_eq!(household_type(4, 2), 2);
        assert_eq!(household_type(3, 1), 3);
        assert_eq!(household_type(3, 3), 4);
        assert_eq!(household_type(1, 2), 0);
        assert_eq!(household_type(2, 3), 4);
    }

    #[test]
    fn ages_and_years() {
        let on = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        assert_eq!(age_on(NaiveDate::from_ymd_opt(1950, 1, 1).unwrap(), on), 74);
        assert_eq!(age_on(NaiveDate::from_ymd_opt(1950, 1, 2).unwrap(), on), 73);
        let y = years_between(NaiveDate::from_ymd_opt(2022, 1, 1).unwrap(), on);
        assert!((y - 2.0).abs() < 0.01);
        assert_eq!(median(vec![3.0, 1.0, 2.0], 9.0), 2.0);
        assert_eq!(median(vec![], 9.0), 9.0);
    }
}
