//! Parsers for single cell values in the dialects municipal exports use.
//!
//! Each returns `None` for a value it cannot read; the caller turns that into a quarantine reason,
//! because only the caller knows which column and which rule was broken.

use chrono::NaiveDate;

/// Reads `YYYY-MM-DD` or `DD-MM-YYYY` (decided per value, surrounding spaces ignored). Only real
/// calendar dates pass: `2023-02-30` is `None`.
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    let s = raw.trim().as_bytes();
    if s.len() != 10 {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let mut v = 0u32;
        for &b in &s[r] {
            if !b.is_ascii_digit() {
                return None;
            }
            v = v * 10 + u32::from(b - b'0');
        }
        Some(v)
    };
    let (y, m, d) = if s[4] == b'-' && s[7] == b'-' {
        (num(0..4)?, num(5..7)?, num(8..10)?)
    } else if s[2] == b'-' && s[5] == b'-' {
        (num(6..10)?, num(3..5)?, num(0..2)?)
    } else {
        return None;
    };
    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)
}

/// Normalises a Dutch postcode to `1234AB`: accepts lower case and one space between digits and
/// letters ("1234 ab"). The first digit is never 0.
pub fn normalise_postcode(raw: &str) -> Option<String> {
    let s = raw.trim();
    let b = s.as_bytes();
    let letters = match b.len() {
        6 => &b[4..6],
        7 if b[4] == b' ' => &b[5..7],
        _ => return None,
    };
    let digits = &b[..4];
    if !(digits.iter().all(u8::is_ascii_digit) && digits[0] != b'0') {
        return None;
    }
    if !letters.iter().all(u8::is_ascii_alphabetic) {
        return None;
    }
    let mut out = String::with_capacity(6);
    out.push_str(std::str::from_utf8(digits).ok()?);
    for &l in letters {
        out.push(char::from(l.to_ascii_uppercase()));
    }
    Some(out)
}

/// `BU` + 8 digits, any case, normalised to upper case.
pub fn normalise_buurtcode(raw: &str) -> Option<String> {
    normalise_code(raw, "BU", 8)
}

/// `WK` + 6 digits, any case, normalised to upper case.
pub fn normalise_wijkcode(raw: &str) -> Option<String> {
    normalise_code(raw, "WK", 6)
}

fn normalise_code(raw: &str, prefix: &str, digits: usize) -> Option<String> {
    let s = raw.trim();
    if s.len() != prefix.len() + digits || !s.is_char_boundary(prefix.len()) {
        return None;
    }
    let (p, d) = s.split_at(prefix.len());
    if !p.eq_ignore_ascii_case(prefix) || !d.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(format!("{prefix}{d}"))
}

/// A decimal number; a comma is read as the decimal separator when there is no dot (`7,4`), which
/// is how `;`-separated Dutch exports write decimals. Infinite and NaN values are refused.
pub fn parse_decimal(raw: &str) -> Option<f64> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    let v: f64 = if s.contains(',') {
        if s.contains('.') || s.matches(',').count() > 1 {
            return None;
        }
        s.replacen(',', ".", 1).parse().ok()?
    } else {
        s.parse().ok()?
    };
    v.is_finite().then_some(v)
}

/// A non-negative whole number (leading `+` or spaces allowed, as Rust's parser does).
pub fn parse_count(raw: &str) -> Option<u32> {
    raw.trim().parse().ok()
}

/// Splits a house number as exports write it: `15`, `15D`, `15-D`, `15 bis`, `15/2` into the number
/// (1..=99999) and the toevoeging (upper-cased letters/digits, at most 6 characters after the
/// separator). `None` when it does not start with a number.
pub fn split_huisnummer(raw: &str) -> Option<(u32, Option<String>)> {
    let s = raw.trim();
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 5 {
        return None;
    }
    let number: u32 = s[..digits].parse().ok().filter(|n| *n >= 1)?;
    let rest = s[digits..].trim_start_matches([' ', '-', '/']).trim();
    if rest.is_empty() {
        return Some((number, None));
    }
    if rest.chars().count() > 6 || !rest.chars().all(|c| c.is_alphanumeric() || c == ' ') {
        return None;
    }
    Some((number, Some(rest.to_uppercase())))
}

/// Full years between two dates (the age on `at` of someone born on `born`).
pub fn age_on(born: NaiveDate, at: NaiveDate) -> i32 {
    use chrono::Datelike;
    let mut age = at.year() - born.year();
    if (at.month(), at.day()) < (born.month(), born.day()) {
        age -= 1;
    }
    age
}

/// An ISO 639-1 code: two ASCII letters, normalised to lower case.
pub fn normalise_language(raw: &str) -> Option<String> {
    let s = raw.trim();
    (s.len() == 2 && s.bytes().all(|b| b.is_ascii_alphabetic())).then(|| s.to_ascii_lowercase())
}

/// A 64-character hex pseudonym, normalised to lower case.
pub fn normalise_pseudo_id(raw: &str) -> Option<String> {
    let s = raw.trim();
    (s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())).then(|| s.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn dates_in_both_formats_and_only_real_ones() {
        assert_eq!(parse_date("1950-03-07"), Some(d(1950, 3, 7)));
        assert_eq!(parse_date(" 07-03-1950 "), Some(d(1950, 3, 7)));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2024-02-29"), Some(d(2024, 2, 29)));
        assert_eq!(parse_date("1950-3-7"), None);
        assert_eq!(parse_date("07/03/1950"), None);
        assert_eq!(parse_date("19500307"), None);
        assert_eq!(parse_date("1950-13-01"), None);
        assert_eq!(parse_date("ééééé"), None);
    }

    #[test]
    fn postcodes_are_normalised() {
        assert_eq!(normalise_postcode("2711ab").as_deref(), Some("2711AB"));
        assert_eq!(normalise_postcode(" 2711 AB ").as_deref(), Some("2711AB"));
        assert_eq!(normalise_postcode("0711AB"), None);
        assert_eq!(normalise_postcode("2711  AB"), None);
        assert_eq!(normalise_postcode("27111AB"), None);
        assert_eq!(normalise_postcode("2711A1"), None);
        assert_eq!(normalise_postcode("2711ÄB"), None);
    }

    #[test]
    fn codes_numbers_and_ages() {
        assert_eq!(
            normalise_buurtcode("bu06370001").as_deref(),
            Some("BU06370001")
        );
        assert_eq!(normalise_buurtcode("BU0637001"), None);
        assert_eq!(normalise_wijkcode("WK063700").as_deref(), Some("WK063700"));
        assert_eq!(normalise_wijkcode("ÄK063700"), None);
        assert_eq!(parse_decimal("7,4"), Some(7.4));
        assert_eq!(parse_decimal("7.4"), Some(7.4));
        assert_eq!(parse_decimal("1.234,5"), None);
        assert_eq!(parse_decimal("NaN"), None);
        assert_eq!(parse_count("12"), Some(12));
        assert_eq!(parse_count("-1"), None);
        assert_eq!(age_on(d(2000, 6, 15), d(2018, 6, 14)), 17);
        assert_eq!(age_on(d(2000, 6, 15), d(2018, 6, 15)), 18);
        assert_eq!(normalise_language("TR").as_deref(), Some("tr"));
        assert_eq!(split_huisnummer("15"), Some((15, None)));
        assert_eq!(split_huisnummer(" 15D"), Some((15, Some("D".into()))));
        assert_eq!(split_huisnummer("15-d"), Some((15, Some("D".into()))));
        assert_eq!(split_huisnummer("15 bis"), Some((15, Some("BIS".into()))));
        assert_eq!(split_huisnummer("15/2"), Some((15, Some("2".into()))));
        assert_eq!(split_huisnummer("0"), None);
        assert_eq!(split_huisnummer("D15"), None);
        assert_eq!(split_huisnummer("15 achterhuis links"), None);
        assert_eq!(normalise_language("tur"), None);
    }
}
