//! Text normalisation for comparisons and blocking keys.
//!
//! Municipal sources spell the same person differently: "Çelik" vs "Celik", "van der Berg" vs
//! "Berg, van der" vs "Vanderberg", "J.A." vs "Johannes Adrianus", "1980-03-04" vs "04-03-1980".
//! Everything here maps such spellings onto comparable keys *before* any pair is scored, once per
//! distinct value, so the per-pair work stays a cheap id comparison or one string similarity.

/// Dutch voorvoegsels (surname prefixes) as single tokens. A multi-word voorvoegsel such as
/// "van der" or "in 't" is a run of these tokens. "el", "al", "ben", "bin", "ait", "ou", "abou"
/// are *not* here: in the BRP they are part of Moroccan and Arabic surnames ("El Idrissi" is
/// stored as geslachtsnaam "El Idrissi" without voorvoegsel), so stripping them would merge
/// different families.
pub const VOORVOEGSEL_TOKENS: &[&str] = &[
    "van", "de", "der", "den", "het", "'t", "ter", "ten", "te", "in", "op", "aan", "bij", "onder",
    "uit", "voor", "'s", "d'", "l'", "la", "le", "du", "des", "da", "di", "dos", "del", "von",
    "zu", "vd",
];

/// Particles that begin a surname of Arabic or Berber origin. They are not voorvoegsels, but in
/// a free-text full name they mark where the surname starts ("Mohamed El Amrani").
pub const SURNAME_PARTICLES: &[&str] = &[
    "el", "al", "ben", "bin", "ait", "abou", "abu", "ou", "ibn", "bou",
];

/// ASCII transliteration via `deunicode`, skipped for text that is ASCII already (most cells).
fn to_ascii(raw: &str) -> std::borrow::Cow<'_, str> {
    if raw.is_ascii() {
        std::borrow::Cow::Borrowed(raw)
    } else {
        std::borrow::Cow::Owned(deunicode::deunicode(raw))
    }
}

/// Lowercase ASCII folding: diacritics removed via `deunicode` ("Çelik" -> "celik", "Zoë" ->
/// "zoe"), letters and digits kept, every other run of characters becomes one space, trimmed.
pub fn fold(raw: &str) -> String {
    let ascii = to_ascii(raw);
    let mut out = String::with_capacity(ascii.len());
    let mut pending_space = false;
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c.to_ascii_lowercase());
        } else {
            pending_space = true;
        }
    }
    out
}

/// Trim, lowercase and collapse internal whitespace, keeping punctuation. Used by the generic
/// `exact`, `jaro_winkler` and `levenshtein` comparisons, where the column may be an id or a code
/// whose punctuation matters.
pub fn light(raw: &str) -> String {
    raw.split_whitespace()
        .map(|t| t.to_lowercase())
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_voorvoegsel(token: &str) -> bool {
    VOORVOEGSEL_TOKENS.contains(&token)
}

/// A surname reduced to comparable keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurnameKey {
    /// Letters of the surname without its leading voorvoegsel: "van der Berg" -> "berg",
    /// "Berg-Jansen" -> "bergjansen".
    pub core: String,
    /// All letters including the voorvoegsel, spaces removed: "van der Berg" -> "vanderberg",
    /// which equals the merged spelling "Vanderberg".
    pub merged: String,
}

/// Normalise a surname that may carry its voorvoegsel in front ("van der Berg") or behind a comma
/// ("Berg, van der"), or merged into one word ("Vanderberg").
pub fn surname_key(raw: &str) -> Option<SurnameKey> {
    let lowered = to_ascii(raw).to_ascii_lowercase();
    // "Berg, van der" -> "van der berg"
    let reordered = match lowered.split_once(',') {
        Some((surname, prefix)) => format!("{} {}", prefix.trim(), surname.trim()),
        None => lowered,
    };
    let tokens: Vec<String> = reordered
        .split(|c: char| c.is_whitespace())
        .map(|t| {
            t.chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '\'' || *c == '-')
                .collect::<String>()
        })
        .filter(|t| !t.is_empty() && t != "-")
        .collect();
    if tokens.is_empty() {
        return None;
    }
    let mut start = 0;
    while start + 1 < tokens.len() && is_voorvoegsel(tokens[start].as_str()) {
        start += 1;
    }
    let letters = |ts: &[String]| -> String {
        ts.iter()
            .flat_map(|t| t.chars())
            .filter(|c| c.is_ascii_alphanumeric())
            .collect()
    };
    let core = letters(&tokens[start..]);
    let merged = letters(&tokens);
    if merged.is_empty() {
        return None;
    }
    Some(SurnameKey {
        core: if core.is_empty() {
            merged.clone()
        } else {
            core
        },
        merged,
    })
}

/// Given names reduced to comparable keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GivenNamesKey {
    /// Folded names joined by single spaces: "Johannes Adrianus".
    pub full: String,
    /// The first given name ("johannes"), or its initial when only initials are known.
    pub first: String,
    /// One letter per given name: "ja" for both "J.A." and "Johannes Adrianus".
    pub initials: String,
    /// True when the source only had initials ("J.A.", "J A", "J."): then only the initials can
    /// be compared.
    pub initials_only: bool,
}

/// Normalise given names, recognising initials ("J.A.", "J. A.", "J A").
pub fn given_names_key(raw: &str) -> Option<GivenNamesKey> {
    let folded = fold(raw);
    let tokens: Vec<&str> = folded.split(' ').filter(|t| !t.is_empty()).collect();
    if tokens.is_empty() {
        return None;
    }
    let initials: String = tokens.iter().filter_map(|t| t.chars().next()).collect();
    let initials_only = tokens.iter().all(|t| t.len() == 1);
    Some(GivenNamesKey {
        full: tokens.join(" "),
        first: tokens[0].to_string(),
        initials,
        initials_only,
    })
}

/// True when one side's initials are a prefix of the other's and at least one side is initials
/// only: "J.A." fits "Johannes Adrianus" and "Johannes", "J." fits "Jan Willem", "P." does not
/// fit "Johannes".
pub fn initials_compatible(a: &GivenNamesKey, b: &GivenNamesKey) -> bool {
    if !(a.initials_only || b.initials_only) {
        return false;
    }
    let (short, long) = if a.initials.len() <= b.initials.len() {
        (&a.initials, &b.initials)
    } else {
        (&b.initials, &a.initials)
    };
    !short.is_empty() && long.starts_with(short.as_str())
}

/// A date as its eight digits YYYYMMDD, from `YYYYMMDD`, `YYYY-MM-DD` or `DD-MM-YYYY` (also with
/// `/` or `.`). The calendar is *not* checked: "19800231" is kept, because a typo'd date is still
/// evidence (one digit off), and FEBRL-style sources carry such dates on purpose.
pub fn date_digits(raw: &str) -> Option<[u8; 8]> {
    let raw = raw.trim();
    let parts: Vec<&str> = raw
        .split(['-', '/', '.'])
        .filter(|p| !p.is_empty())
        .collect();
    let digits: String = match parts.as_slice() {
        [single] if single.len() == 8 => (*single).to_string(),
        [y, m, d] if y.len() == 4 && m.len() <= 2 && d.len() <= 2 => {
            format!("{y}{m:0>2}{d:0>2}")
        }
        [d, m, y] if y.len() == 4 && m.len() <= 2 && d.len() <= 2 => {
            format!("{y}{m:0>2}{d:0>2}")
        }
        _ => return None,
    };
    let bytes = digits.as_bytes();
    if bytes.len() != 8 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut out = [0u8; 8];
    out.copy_from_slice(bytes);
    Some(out)
}

/// A postcode without spaces, uppercased: "1234 ab" -> "1234AB".
pub fn postcode(raw: &str) -> Option<String> {
    let pc: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (!pc.is_empty()).then_some(pc)
}

/// A house number's number, without its addition: "12", "12a", "12-A" and "12 bis" all give
/// "12". The register keeps the addition (huisnummertoevoeging) apart and most other sources
/// drop it or glue it on, so only the number is comparable across sources; the names and birth
/// date tell apart two residents of 12a and 12b. A value without digits is kept as letters.
pub fn house_number(raw: &str) -> Option<String> {
    let trimmed = raw.trim_start();
    let digits: String = trimmed.chars().take_while(|c| c.is_ascii_digit()).collect();
    let digits = digits.trim_start_matches('0');
    if !digits.is_empty() {
        return Some(digits.to_string());
    }
    let hn: String = raw
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (!hn.is_empty()).then_some(hn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voorvoegsel_spellings_share_keys() {
        let a = surname_key("van der Berg").unwrap();
        let b = surname_key("Berg, van der").unwrap();
        let c = surname_key("Vanderberg").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.core, "berg");
        assert_eq!(a.merged, c.merged);
        assert_eq!(surname_key("El Idrissi").unwrap().core, "elidrissi");
        assert_eq!(surname_key("Van").unwrap().core, "van");
        assert_eq!(surname_key("Çelik").unwrap().core, "celik");
        assert_eq!(surname_key("in 't Veld").unwrap().core, "veld");
    }

    #[test]
    fn initials_are_recognised() {
        let ja = given_names_key("J.A.").unwrap();
        let full = given_names_key("Johannes Adrianus").unwrap();
        assert!(ja.initials_only && !full.initials_only);
        assert_eq!(ja.initials, full.initials);
        assert!(initials_compatible(&ja, &full));
        assert!(!initials_compatible(&given_names_key("P.").unwrap(), &full));
    }

    #[test]
    fn house_numbers_compare_without_addition() {
        for raw in ["12", "12a", "12-A", "12 bis", " 012"] {
            assert_eq!(house_number(raw).as_deref(), Some("12"), "{raw}");
        }
        assert_eq!(house_number("A").as_deref(), Some("a"));
        assert_eq!(house_number(" "), None);
    }

    #[test]
    fn dates_in_three_formats() {
        assert_eq!(&date_digits("1980-03-04").unwrap(), b"19800304");
        assert_eq!(&date_digits("04-03-1980").unwrap(), b"19800304");
        assert_eq!(&date_digits("19800231").unwrap(), b"19800231");
        assert!(date_digits("1980").is_none());
    }
}
