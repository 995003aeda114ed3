//! Published reference figures: RIVM's small-area estimates of loneliness (2020, 18+) per gemeente
//! and wijk, shipped with the engine in `datasets/reference/rivm2020_wijken.csv` (compiled in, so
//! the report needs no file at run time). The file is extracted from the open data by
//! `datasets/reference/extract_rivm2020.py`; a test re-derives it from `../shared/data` when that
//! folder is present.

use serde::{Deserialize, Serialize};

/// The shipped extract.
pub const RIVM2020_CSV: &str = include_str!("../../datasets/reference/rivm2020_wijken.csv");

/// Citation shown in the report.
pub const RIVM2020_SOURCE: &str =
    "CBS/RIVM, Gezondheid per wijk en buurt 2020 (StatLine 50090NED), 18 jaar en ouder, CC BY 4.0";

/// One published area: a gemeente or a wijk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferenceArea {
    pub gemeentecode: String,
    pub gemeentenaam: String,
    /// `GM....` for the gemeente, `WK......` for a wijk.
    pub code: String,
    /// % lonely (De Jong Gierveld >= 3); `None` where RIVM suppressed the figure.
    pub lonely_pct: Option<f64>,
    /// % severely lonely (score >= 9).
    pub severe_pct: Option<f64>,
}

fn all() -> impl Iterator<Item = (String, ReferenceArea)> {
    let mut reader = csv::Reader::from_reader(RIVM2020_CSV.as_bytes());
    let rows: Vec<_> = reader
        .records()
        .map(|r| r.expect("the shipped reference file is valid CSV"))
        .collect();
    rows.into_iter().map(|r| {
        let fig = |s: &str| s.trim().parse::<f64>().ok();
        (
            r[2].to_string(),
            ReferenceArea {
                gemeentecode: r[0].to_string(),
                gemeentenaam: r[1].to_string(),
                code: r[3].to_string(),
                lonely_pct: fig(&r[4]),
                severe_pct: fig(&r[5]),
            },
        )
    })
}

/// The wijken of a gemeente (`GM0637`), in the order RIVM publishes them; empty for an unknown code.
pub fn rivm_wijken(gemeentecode: &str) -> Vec<ReferenceArea> {
    all()
        .filter(|(level, a)| level == "wijk" && a.gemeentecode.eq_ignore_ascii_case(gemeentecode))
        .map(|(_, a)| a)
        .collect()
}

/// The gemeente's own figure.
pub fn rivm_gemeente(gemeentecode: &str) -> Option<ReferenceArea> {
    all()
        .find(|(level, a)| level == "gemeente" && a.gemeentecode.eq_ignore_ascii_case(gemeentecode))
        .map(|(_, a)| a)
}

/// The gemeente code a CBS wijkcode belongs to: `WK063700` -> `GM0637`.
pub fn gemeente_of_wijk(wijkcode: &str) -> Option<String> {
    let digits = wijkcode.strip_prefix("WK")?;
    (digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| format!("GM{}", &digits[..4]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoetermeer_has_its_nine_wijken() {
        let w = rivm_wijken("GM0637");
        assert_eq!(w.len(), 9);
        assert_eq!(w[0].code, "WK063700");
        assert_eq!(w[0].lonely_pct, Some(53.8));
        assert_eq!(w[0].severe_pct, Some(13.7));
        let g = rivm_gemeente("GM0637").unwrap();
        assert_eq!(g.gemeentenaam, "Zoetermeer");
        assert_eq!(g.lonely_pct, Some(49.2));
        assert!(rivm_wijken("GM9999").is_empty());
        assert_eq!(rivm_wijken("GM0518").len(), 44);
    }

    #[test]
    fn wijkcode_names_its_gemeente() {
        assert_eq!(gemeente_of_wijk("WK063700").as_deref(), Some("GM0637"));
        assert_eq!(gemeente_of_wijk("WK0637"), None);
        assert_eq!(gemeente_of_wijk("BU06370001"), None);
    }
}
