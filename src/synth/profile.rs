//! Municipality profiles: the real figures a synthetic municipality is calibrated to.
//!
//! A profile is a TOML file. The builtins (`zoetermeer`, `den-haag`) are shipped in
//! `datasets/profiles/` and embedded in the binary; `datasets/profiles/extract_profile.py` regenerates them
//! from `../shared/data` and `tests/synth_profiles.rs` checks that the shipped numbers still equal
//! the data. The format (every percentage is 0-100):
//!
//! ```toml
//! name = "zoetermeer"            # used in the manifest
//! gemeentecode = "GM0637"        # GM + 4 digits
//! gemeentenaam = "Zoetermeer"
//! sources = ["CBS/RIVM, Gezondheid per wijk en buurt 2020", "CBS, Kerncijfers wijken en buurten 2020"]
//! postcode_start = 2711          # first 4-digit postcode area; buurt i gets postcode_start + i
//!
//! [structure]                    # CBS Kerncijfers 2020, % of all inhabitants / households
//! inwoners = 125285.0
//! huishoudens = 56027.0
//! age_0_15 = 17.0                # also age_15_25, age_25_45, age_45_65, age_65_plus
//! ongehuwd = 47.0                # also gehuwd, gescheiden, verweduwd
//! eenpersoonshuishoudens = 34.0  # also huishoudens_zonder_kinderen, huishoudens_met_kinderen
//! westers = 11.0                 # also marokko, antillen, suriname, turkije, overig_niet_westers
//!
//! [loneliness]                   # RIVM 2020, municipality: % lonely (DJG >= 3), severe (>= 9)
//! lonely_18plus = 49.2
//! severe_18plus = 11.7
//! lonely_65plus = 49.9           # optional
//! severe_65plus = 10.3           # optional
//!
//! [[wijk]]                       # one per wijk
//! code = "WK063700"
//! name = "Wijk 00"
//! weight = 1.0                   # relative number of adult residents (invented: not in the data)
//! lonely_18plus = 53.8           # optional: absent when RIVM suppressed the wijk; the wijk is
//! severe_18plus = 13.7           #   then calibrated to the municipal figure
//! lonely_65plus = 54.1           # optional
//! severe_65plus = 12.1           # optional
//! buurten = ["BU06370001", "BU06370002"]   # real buurt codes, starting with the wijk's digits
//! ```

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, IoContext, Location, Result};

const ZOETERMEER: &str = include_str!("../../datasets/profiles/zoetermeer.toml");
const DEN_HAAG: &str = include_str!("../../datasets/profiles/den-haag.toml");

/// Names accepted by [`Profile::builtin`].
pub const BUILTIN_PROFILES: &[&str] = &["zoetermeer", "den-haag"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: String,
    pub gemeentecode: String,
    pub gemeentenaam: String,
    pub sources: Vec<String>,
    pub postcode_start: u32,
    pub structure: Structure,
    pub loneliness: Loneliness,
    pub wijk: Vec<WijkProfile>,
}

/// Municipal structure (CBS Kerncijfers wijken en buurten 2020).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Structure {
    pub inwoners: f64,
    pub huishoudens: f64,
    pub age_0_15: f64,
    pub age_15_25: f64,
    pub age_25_45: f64,
    pub age_45_65: f64,
    pub age_65_plus: f64,
    pub ongehuwd: f64,
    pub gehuwd: f64,
    pub gescheiden: f64,
    pub verweduwd: f64,
    pub eenpersoonshuishoudens: f64,
    pub huishoudens_zonder_kinderen: f64,
    pub huishoudens_met_kinderen: f64,
    pub westers: f64,
    pub marokko: f64,
    pub antillen: f64,
    pub suriname: f64,
    pub turkije: f64,
    pub overig_niet_westers: f64,
}

/// Municipal loneliness (RIVM 2020).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Loneliness {
    pub lonely_18plus: f64,
    pub severe_18plus: f64,
    pub lonely_65plus: Option<f64>,
    pub severe_65plus: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WijkProfile {
    pub code: String,
    pub name: String,
    pub weight: f64,
    pub lonely_18plus: Option<f64>,
    pub severe_18plus: Option<f64>,
    pub lonely_65plus: Option<f64>,
    pub severe_65plus: Option<f64>,
    pub buurten: Vec<String>,
}

impl WijkProfile {
    /// The 18+ % lonely this wijk is calibrated to (the municipal figure when RIVM suppressed it).
    pub fn target_lonely(&self, gemeente: &Loneliness) -> f64 {
        self.lonely_18plus.unwrap_or(gemeente.lonely_18plus)
    }
    pub fn target_severe(&self, gemeente: &Loneliness) -> f64 {
        self.severe_18plus.unwrap_or(gemeente.severe_18plus)
    }
}

impl Profile {
    /// A profile shipped with the crate: `zoetermeer` (GM0637) or `den-haag` (GM0518).
    pub fn builtin(name: &str) -> Result<Profile> {
        let text = match name {
            "zoetermeer" => ZOETERMEER,
            "den-haag" => DEN_HAAG,
            other => crate::bail!(
                Config: "unknown profile '{other}': expected one of {} or a path to a .toml file",
                BUILTIN_PROFILES.join(", ")
            ),
        };
        Profile::parse(text, Path::new(&format!("datasets/profiles/{name}.toml")))
    }

    /// Reads a profile TOML file (format in the module documentation).
    pub fn from_file(path: &Path) -> Result<Profile> {
        let text = std::fs::read_to_string(path).at(path)?;
        Profile::parse(&text, path)
    }

    /// A builtin name, or else a path to a TOML file.
    pub fn resolve(name_or_path: &str) -> Result<Profile> {
        if BUILTIN_PROFILES.contains(&name_or_path) {
            Profile::builtin(name_or_path)
        } else if name_or_path.ends_with(".toml") || Path::new(name_or_path).exists() {
            Profile::from_file(Path::new(name_or_path))
        } else {
            Profile::builtin(name_or_path)
        }
    }

    fn parse(text: &str, path: &Path) -> Result<Profile> {
        let profile: Profile = toml::from_str(text).map_err(|e| {
            Error::input(
                Location::file(path),
                format!("not a valid profile: {}", e.message()),
            )
        })?;
        profile.validate().map_err(|e| match e {
            Error::Config(m) => Error::input(Location::file(path), m),
            other => other,
        })?;
        Ok(profile)
    }

    /// Checks codes, ranges and that every buurt belongs to its wijk, once, up front.
    pub fn validate(&self) -> Result<()> {
        let gm = &self.gemeentecode;
        crate::ensure!(is_code(gm, "GM", 4), Config: "gemeentecode '{gm}' is not GM + 4 digits");
        crate::ensure!(!self.wijk.is_empty(), Config: "the profile has no [[wijk]] entries");
        let total_buurten: usize = self.wijk.iter().map(|w| w.buurten.len()).sum();
        crate::ensure!(
            (1000..=9999).contains(&self.postcode_start)
                && self.postcode_start as usize + total_buurten <= 10_000,
            Config: "postcode_start {} leaves no room for {total_buurten} buurt postcode areas \
                     (must be 1000..9999)", self.postcode_start
        );
        let s = &self.structure;
        for (name, v) in [
            ("age_65_plus", s.age_65_plus),
            ("age_0_15", s.age_0_15),
            ("age_15_25", s.age_15_25),
            ("eenpersoonshuishoudens", s.eenpersoonshuishoudens),
            ("verweduwd", s.verweduwd),
            ("gescheiden", s.gescheiden),
            ("turkije", s.turkije),
            ("marokko", s.marokko),
        ] {
            crate::ensure!((0.0..=100.0).contains(&v), Config: "structure.{name} = {v} is not a percentage");
        }
        crate::ensure!(s.inwoners > 0.0 && s.huishoudens > 0.0,
            Config: "structure.inwoners and structure.huishoudens must be positive");
        check_pct(
            "loneliness.lonely_18plus",
            Some(self.loneliness.lonely_18plus),
        )?;
        check_pct(
            "loneliness.severe_18plus",
            Some(self.loneliness.severe_18plus),
        )?;
        let mut seen = std::collections::BTreeSet::new();
        for w in &self.wijk {
            let code = &w.code;
            crate::ensure!(is_code(code, "WK", 6) && code[2..6] == gm[2..6],
                Config: "wijk code '{code}' is not WK + 6 digits starting with {}", &gm[2..]);
            crate::ensure!(seen.insert(code.clone()), Config: "wijk {code} is listed twice");
            crate::ensure!(w.weight > 0.0 && w.weight.is_finite(),
                Config: "wijk {code}: weight must be positive, got {}", w.weight);
            crate::ensure!(!w.buurten.is_empty(), Config: "wijk {code} has no buurten");
            for b in &w.buurten {
                crate::ensure!(is_code(b, "BU", 8) && b[2..8] == code[2..8],
                    Config: "buurt '{b}' of wijk {code} is not BU + 8 digits starting with {}", &code[2..]);
                crate::ensure!(seen.insert(b.clone()), Config: "buurt {b} is listed twice");
            }
            for (name, v) in [
                ("lonely_18plus", w.lonely_18plus),
                ("severe_18plus", w.severe_18plus),
                ("lonely_65plus", w.lonely_65plus),
                ("severe_65plus", w.severe_65plus),
            ] {
                check_pct(&format!("wijk {code}: {name}"), v)?;
            }
            let (l, sv) = (
                w.target_lonely(&self.loneliness),
                w.target_severe(&self.loneliness),
            );
            crate::ensure!(sv.total_cmp(&l).is_lt(), Config: "wijk {code}: severe % ({sv}) must be below lonely % ({l})");
        }
        Ok(())
    }
}

fn check_pct(name: &str, v: Option<f64>) -> Result<()> {
    if let Some(v) = v {
        crate::ensure!(v > 0.0 && v < 100.0, Config: "{name} = {v} must be a percentage strictly between 0 and 100");
    }
    Ok(())
}

fn is_code(s: &str, prefix: &str, digits: usize) -> bool {
    s.len() == prefix.len() + digits
        && s.starts_with(prefix)
        && s[prefix.len()..].bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_parse_and_have_the_documented_wijken() {
        let z = Profile::builtin("zoetermeer").unwrap();
        assert_eq!(z.gemeentecode, "GM0637");
        assert_eq!(z.wijk.len(), 9);
        assert_eq!(z.wijk.iter().map(|w| w.buurten.len()).sum::<usize>(), 26);
        let d = Profile::builtin("den-haag").unwrap();
        assert_eq!(d.wijk.len(), 44);
        assert_eq!(d.wijk.iter().map(|w| w.buurten.len()).sum::<usize>(), 114);
        assert!(Profile::builtin("utrecht").is_err());
    }

    #[test]
    fn a_buurt_outside_its_wijk_is_refused() {
        let mut z = Profile::builtin("zoetermeer").unwrap();
        z.wijk[0].buurten.push("BU06379999".into());
        let err = z.validate().unwrap_err().to_string();
        assert!(err.contains("BU06379999"), "{err}");
    }
}
