//! The Dutch citizen service number (BSN) and its eleven-test (elfproef).
//!
//! A BSN is 9 digits d1..d9 with 9*d1 + 8*d2 + ... + 2*d8 - 1*d9 divisible by 11 (and not all
//! zeros). Shorter numbers in exports lost their leading zeros and are left-padded to 9 digits.
//! A raw BSN is only ever held inside the ingest step; [`Bsn`] deliberately has no `Display` and
//! its `Debug` is masked so it cannot end up in a log or error message by accident.

/// A BSN that passed the eleven-test. Construct with [`Bsn::parse`].
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Bsn([u8; 9]);

/// Why a value is not a BSN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BsnError {
    NotDigits,
    WrongLength,
    ElevenTest,
}

impl BsnError {
    pub fn reason(self) -> &'static str {
        match self {
            BsnError::NotDigits => "BSN must contain only digits",
            BsnError::WrongLength => "BSN must have 8 or 9 digits",
            BsnError::ElevenTest => "BSN fails the eleven-test (elfproef)",
        }
    }
}

impl Bsn {
    /// Parses and validates a BSN. Surrounding spaces are ignored; 8-digit values are zero-padded.
    pub fn parse(raw: &str) -> Result<Bsn, BsnError> {
        let s = raw.trim();
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(BsnError::NotDigits);
        }
        if s.len() < 8 || s.len() > 9 {
            return Err(BsnError::WrongLength);
        }
        let mut digits = [b'0'; 9];
        digits[9 - s.len()..].copy_from_slice(s.as_bytes());
        if !passes_eleven_test(&digits) {
            return Err(BsnError::ElevenTest);
        }
        Ok(Bsn(digits))
    }

    /// The nine ASCII digits, zero-padded: the exact bytes the pseudonym is computed over.
    pub fn ascii(&self) -> &[u8; 9] {
        &self.0
    }

    /// Shows only the last two digits (`*******42`), for quarantine files and messages.
    pub fn masked(&self) -> String {
        mask(std::str::from_utf8(&self.0).unwrap_or(""))
    }

    /// Builds a valid BSN from the first eight digits by choosing the check digit; `None` when no
    /// check digit works (the weighted sum leaves remainder 10), so callers draw again.
    pub fn from_prefix(prefix: u32) -> Option<Bsn> {
        if prefix >= 100_000_000 {
            return None;
        }
        let mut digits = [b'0'; 9];
        let p = format!("{prefix:08}");
        digits[..8].copy_from_slice(p.as_bytes());
        let sum: u32 = (0..8)
            .map(|i| (9 - i as u32) * u32::from(digits[i] - b'0'))
            .sum();
        let check = sum % 11;
        if check == 10 {
            return None;
        }
        digits[8] = b'0' + check as u8;
        let bsn = Bsn(digits);
        (passes_eleven_test(&bsn.0)).then_some(bsn)
    }

    /// The raw digits as a string. Only for writers of synthetic input files; never for output.
    pub fn expose(&self) -> String {
        String::from_utf8_lossy(&self.0).into_owned()
    }
}

impl std::fmt::Debug for Bsn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bsn({})", self.masked())
    }
}

fn passes_eleven_test(d: &[u8; 9]) -> bool {
    if d.iter().all(|&b| b == b'0') {
        return false;
    }
    let mut sum: i64 = 0;
    for (i, &b) in d.iter().enumerate().take(8) {
        sum += (9 - i as i64) * i64::from(b - b'0');
    }
    sum -= i64::from(d[8] - b'0');
    sum % 11 == 0
}

/// Masks any value that may be a BSN, keeping only its last two characters.
pub fn mask(raw: &str) -> String {
    let chars: Vec<char> = raw.trim().chars().collect();
    let keep = chars.len().min(2);
    let hidden = chars.len() - keep;
    "*".repeat(hidden) + &chars[hidden..].iter().collect::<String>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_valid_and_invalid_numbers() {
        // 111222333: 9*1+8*1+7*1+6*2+5*2+4*2+3*3+2*3 - 3 = 66 = 6*11.
        assert!(Bsn::parse("111222333").is_ok());
        assert!(Bsn::parse(" 111222333 ").is_ok());
        assert_eq!(Bsn::parse("111222334"), Err(BsnError::ElevenTest));
        assert_eq!(Bsn::parse("12345"), Err(BsnError::WrongLength));
        assert_eq!(Bsn::parse("11122a333"), Err(BsnError::NotDigits));
        assert_eq!(Bsn::parse(""), Err(BsnError::NotDigits));
        assert_eq!(Bsn::parse("000000000"), Err(BsnError::ElevenTest));
    }

    #[test]
    fn eight_digits_are_zero_padded() {
        // 012345672: 0+8+14+18+20+20+18+14-2 = 110.
        let b = Bsn::parse("12345672").unwrap();
        assert_eq!(b.ascii(), b"012345672");
    }

    #[test]
    fn generated_numbers_pass_and_mask_hides_digits() {
        let mut made = 0;
        for p in 10_000_000..10_000_200 {
            if let Some(b) = Bsn::from_prefix(p) {
                assert!(Bsn::parse(&b.expose()).is_ok());
                made += 1;
            }
        }
        assert!(
            made > 150,
            "most prefixes give a valid check digit, got {made}"
        );
        let b = Bsn::parse("111222333").unwrap();
        assert_eq!(b.masked(), "*******33");
        assert_eq!(format!("{b:?}"), "Bsn(*******33)");
    }
}
