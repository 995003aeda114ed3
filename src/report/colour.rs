//! Colour scales of the report. All are colour-blind safe: viridis for prevalence (light = low,
//! dark = high), ColorBrewer Blues for shares, Okabe-Ito colours for the gap status (always
//! shown with a symbol and a word as well, never by colour alone).

/// A sequential scale: a value in `[min, max]` maps to a colour between the stops.
#[derive(Debug, Clone, PartialEq)]
pub struct Scale {
    pub min: f64,
    pub max: f64,
    stops: &'static [(u8, u8, u8)],
}

/// Viridis, reversed so the highest prevalence is darkest.
const VIRIDIS_REVERSED: &[(u8, u8, u8)] = &[
    (0xfd, 0xe7, 0x25),
    (0xad, 0xdc, 0x30),
    (0x5e, 0xc9, 0x62),
    (0x28, 0xae, 0x80),
    (0x21, 0x91, 0x8c),
    (0x2c, 0x72, 0x8e),
    (0x3b, 0x52, 0x8b),
    (0x47, 0x2d, 0x7b),
    (0x44, 0x01, 0x54),
];

/// ColorBrewer Blues (9 classes).
const BLUES: &[(u8, u8, u8)] = &[
    (0xf7, 0xfb, 0xff),
    (0xde, 0xeb, 0xf7),
    (0xc6, 0xdb, 0xef),
    (0x9e, 0xca, 0xe1),
    (0x6b, 0xae, 0xd6),
    (0x42, 0x92, 0xc6),
    (0x21, 0x71, 0xb5),
    (0x08, 0x51, 0x9c),
    (0x08, 0x30, 0x6b),
];

/// Okabe-Ito colours for covered / thin / gap.
pub const COVERED: &str = "#009e73";
pub const THIN: &str = "#e69f00";
pub const GAP: &str = "#d55e00";
/// Colour of a suppressed or missing value.
pub const MISSING: &str = "#e6e6e6";
/// The persona colour in trait bars and the population grey beside it.
pub const PERSONA: &str = "#0072b2";
pub const POPULATION: &str = "#9a9a9a";
/// Factors that raise the prediction (Okabe-Ito vermillion) and that lower it (blue).
pub const RAISES: &str = "#d55e00";
pub const LOWERS: &str = "#0072b2";
/// Linkage charts: m (matches, blue) beside u (non-matches, orange); pairs below the threshold
/// grey, at or above it blue.
pub const M_PROBABILITY: &str = "#0072b2";
pub const U_PROBABILITY: &str = "#e69f00";

impl Scale {
    /// Prevalence scale over the given values, widened to whole multiples of 5 percent(points) so
    /// the legend reads well; a single value gets a 5-point wide domain.
    pub fn prevalence(values: impl IntoIterator<Item = f64>) -> Scale {
        let (min, max) = nice_bounds(values, 5.0);
        Scale {
            min,
            max,
            stops: VIRIDIS_REVERSED,
        }
    }

    /// Share scale from 0 to the largest value (rounded up to a multiple of 0.05).
    pub fn shares(values: impl IntoIterator<Item = f64>) -> Scale {
        let max = values.into_iter().fold(0.0f64, f64::max);
        let max = ((max / 0.05).ceil() * 0.05).max(0.05);
        Scale {
            min: 0.0,
            max,
            stops: BLUES,
        }
    }

    /// Position of `x` on the scale, 0..1 (clamped).
    pub fn position(&self, x: f64) -> f64 {
        if self.max <= self.min {
            return 0.5;
        }
        ((x - self.min) / (self.max - self.min)).clamp(0.0, 1.0)
    }

    /// `#rrggbb` for `x`.
    pub fn colour(&self, x: f64) -> String {
        let (r, g, b) = self.rgb(x);
        format!("#{r:02x}{g:02x}{b:02x}")
    }

    fn rgb(&self, x: f64) -> (u8, u8, u8) {
        let t = self.position(x) * (self.stops.len() - 1) as f64;
        let i = (t.floor() as usize).min(self.stops.len() - 2);
        let f = t - i as f64;
        let (a, b) = (self.stops[i], self.stops[i + 1]);
        let mix = |p: u8, q: u8| (p as f64 + (q as f64 - p as f64) * f).round() as u8;
        (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }

    /// Black or white, whichever reads better on the colour of `x`.
    pub fn text_colour(&self, x: f64) -> &'static str {
        text_on(self.rgb(x))
    }

    /// Evenly spaced legend stops: (offset 0..1, colour).
    pub fn gradient(&self) -> Vec<(f64, String)> {
        let n = self.stops.len() - 1;
        (0..=n)
            .map(|i| {
                let t = i as f64 / n as f64;
                (t, self.colour(self.min + t * (self.max - self.min)))
            })
            .collect()
    }
}

fn nice_bounds(values: impl IntoIterator<Item = f64>, step: f64) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.into_iter().filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 100.0);
    }
    let lo = (lo / step).floor() * step;
    let mut hi = (hi / step).ceil() * step;
    if hi <= lo {
        hi = lo + step;
    }
    (lo, hi)
}

/// Relative luminance (WCAG) decides black or white text.
fn text_on((r, g, b): (u8, u8, u8)) -> &'static str {
    let lin = |c: u8| {
        let c = c as f64 / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let l = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    if l > 0.22 {
        "#111111"
    } else {
        "#ffffff"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prevalence_scale_runs_light_to_dark_over_nice_bounds() {
        let s = Scale::prevalence([38.0, 53.8, 45.4]);
        assert_eq!((s.min, s.max), (35.0, 55.0));
        assert_eq!(s.colour(35.0), "#fde725");
        assert_eq!(s.colour(55.0), "#440154");
        assert_eq!(s.colour(100.0), "#440154");
        assert_eq!(s.text_colour(35.0), "#111111");
        assert_eq!(s.text_colour(55.0), "#ffffff");
        // Halfway is the middle stop exactly.
        assert_eq!(s.colour(45.0), "#21918c");
        let g = s.gradient();
        assert_eq!(g.len(), 9);
        assert_eq!(g[0].1, "#fde725");
    }

    #[test]
    fn single_value_and_empty_scales_are_usable() {
        let s = Scale::prevalence([40.0]);
        assert_eq!((s.min, s.max), (40.0, 45.0));
        let e = Scale::prevalence(std::iter::empty());
        assert_eq!((e.min, e.max), (0.0, 100.0));
        let b = Scale::shares([0.12, 0.31]);
        assert!((b.max - 0.35).abs() < 1e-9);
        assert_eq!(b.colour(0.0), "#f7fbff");
    }
}
