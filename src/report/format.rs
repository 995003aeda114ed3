//! Dutch number formatting and HTML escaping for the report.
//!
//! Numbers use the Dutch conventions (`20.000`, `49,2%`): a dot in a rendered number is always a
//! thousands separator, never a decimal point.

/// Escapes text for HTML element content and attribute values (also SVG).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// An integer with dots between thousands: `20000` -> `20.000`.
pub fn int(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// A decimal number with a comma: `decimal(49.25, 1)` -> `49,3` (negative values keep their sign,
/// `-0,0` prints as `0,0`).
pub fn decimal(x: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, x);
    let s = if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_string()
    } else {
        s
    };
    match s.split_once('.') {
        Some((whole, frac)) => {
            let (sign, whole) = whole.strip_prefix('-').map_or(("", whole), |w| ("-", w));
            format!("{sign}{},{frac}", int(whole.parse().unwrap_or(0)))
        }
        None => {
            let (sign, whole) = s.strip_prefix('-').map_or(("", s.as_str()), |w| ("-", w));
            format!("{sign}{}", int(whole.parse().unwrap_or(0)))
        }
    }
}

/// A percentage already in percent: `pct(49.25)` -> `49,3%`.
pub fn pct(x: f64) -> String {
    format!("{}%", decimal(x, 1))
}

/// A share 0..1 as a percentage without decimals: `share(0.123)` -> `12%`.
pub fn share(x: f64) -> String {
    format!("{}%", decimal(100.0 * x, 0))
}

/// A number for an SVG attribute: two decimals, no trailing noise, always a dot.
pub fn num(x: f64) -> String {
    let s = format!("{:.2}", x);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<script>"a" & 'b'</script>"#),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
        assert_eq!(escape("Wijk 00 – Oost"), "Wijk 00 – Oost");
    }

    #[test]
    fn dutch_numbers() {
        assert_eq!(int(0), "0");
        assert_eq!(int(999), "999");
        assert_eq!(int(1000), "1.000");
        assert_eq!(int(20000), "20.000");
        assert_eq!(int(1234567), "1.234.567");
        assert_eq!(decimal(49.25, 1), "49,2");
        assert_eq!(decimal(1234.5, 1), "1.234,5");
        assert_eq!(decimal(-0.04, 1), "0,0");
        assert_eq!(decimal(-2.5, 1), "-2,5");
        assert_eq!(decimal(7.0, 0), "7");
        assert_eq!(pct(11.2), "11,2%");
        assert_eq!(share(0.1234), "12%");
        assert_eq!(num(1.5), "1.5");
        assert_eq!(num(2.0), "2");
        assert_eq!(num(-0.001), "0");
    }
}
