//! Hand-written SVG charts. Every text goes through [`escape`]; every number through
//! [`num`] (fixed decimals), so the same data always gives the same bytes.

use std::fmt::Write;

use super::colour::{self, Scale};
use super::format::{decimal, escape, num, pct};
use super::geo::ProjectedShape;
use super::{LinkField, ReliabilityBin, TraitBar, TraitKind, WeightBin};

const FONT: &str = "font-family=\"inherit\"";

/// One row of a ranked bar chart.
pub struct BarRow {
    pub label: String,
    pub value: Option<f64>,
    pub interval: Option<(f64, f64)>,
    /// A second figure drawn as a diamond (the RIVM reference).
    pub marker: Option<f64>,
}

/// An axis maximum: the largest value rounded up to a multiple of 10 (at least 10).
fn axis_max(values: impl Iterator<Item = f64>) -> f64 {
    let m = values.filter(|v| v.is_finite()).fold(0.0f64, f64::max);
    ((m / 10.0).ceil() * 10.0).max(10.0)
}

/// Horizontal bars in percent, coloured by `scale`, with optional interval whiskers and markers.
pub fn ranked_bars(rows: &[BarRow], scale: &Scale, marker_label: Option<&str>) -> String {
    let label_w = 300.0;
    let bar_w = 720.0;
    let value_w = 130.0;
    let row_h = 46.0;
    let top = 44.0;
    let width = label_w + bar_w + value_w;
    let height = top + row_h * rows.len() as f64 + 20.0;
    let max = axis_max(rows.iter().flat_map(|r| {
        [r.value, r.interval.map(|i| i.1), r.marker]
            .into_iter()
            .flatten()
    }));
    let x = |v: f64| label_w + bar_w * (v / max).clamp(0.0, 1.0);
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"chart\" viewBox=\"0 0 {} {}\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\" {FONT}>",
        num(width),
        num(height)
    );
    // Grid and axis labels every 10 points.
    let mut t = 0.0;
    while t <= max + 1e-9 {
        let _ = write!(
            s,
            "<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#d0d0d0\" stroke-width=\"1\"/>\
             <text x=\"{0}\" y=\"{3}\" font-size=\"18\" text-anchor=\"middle\" fill=\"#444\">{4}%</text>",
            num(x(t)),
            num(top - 6.0),
            num(height - 16.0),
            num(top - 14.0),
            decimal(t, 0)
        );
        t += 10.0;
    }
    for (i, r) in rows.iter().enumerate() {
        let y = top + row_h * i as f64;
        let cy = y + row_h / 2.0;
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"21\" text-anchor=\"end\" dominant-baseline=\"middle\" fill=\"#111\">{}</text>",
            num(label_w - 12.0),
            num(cy),
            escape(&truncate(&r.label, 26))
        );
        match r.value {
            Some(v) => {
                let _ = write!(
                    s,
                    "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"#333\" stroke-width=\"0.5\"/>",
                    num(label_w),
                    num(y + 8.0),
                    num(x(v) - label_w),
                    num(row_h - 16.0),
                    scale.colour(v)
                );
                if let Some((lo, hi)) = r.interval {
                    let _ = write!(
                        s,
                        "<path d=\"M{lo} {cy}H{hi}M{lo} {a}V{b}M{hi} {a}V{b}\" stroke=\"#000\" stroke-width=\"2.5\" fill=\"none\"/>",
                        lo = num(x(lo)),
                        hi = num(x(hi)),
                        cy = num(cy),
                        a = num(cy - 9.0),
                        b = num(cy + 9.0)
                    );
                }
                let _ = write!(
                    s,
                    "<text x=\"{}\" y=\"{}\" font-size=\"21\" font-weight=\"bold\" dominant-baseline=\"middle\" fill=\"#111\">{}</text>",
                    num(label_w + bar_w + 12.0),
                    num(cy),
                    pct(v)
                );
            }
            None => {
                let _ = write!(
                    s,
                    "<text x=\"{}\" y=\"{}\" font-size=\"18\" dominant-baseline=\"middle\" fill=\"#555\">geen schatting</text>",
                    num(label_w + 8.0),
                    num(cy)
                );
            }
        }
        if let Some(m) = r.marker {
            s.push_str(&diamond(x(m), cy, 9.0, "#ffffff", "#000000"));
        }
    }
    s.push_str("</svg>");
    if let Some(label) = marker_label {
        let _ = write!(
            s,
            "<p class=\"legend\"><svg width=\"24\" height=\"24\" viewBox=\"0 0 24 24\" xmlns=\"http://www.w3.org/2000/svg\">{}</svg> {}</p>",
            diamond(12.0, 12.0, 9.0, "#ffffff", "#000000"),
            escape(label)
        );
    }
    s
}

fn diamond(cx: f64, cy: f64, r: f64, fill: &str, stroke: &str) -> String {
    format!(
        "<path d=\"M{} {}L{} {}L{} {}L{} {}Z\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"2.5\"/>",
        num(cx),
        num(cy - r),
        num(cx + r),
        num(cy),
        num(cx),
        num(cy + r),
        num(cx - r),
        num(cy)
    )
}

fn truncate(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max_chars - 1).collect();
        t.push('…');
        t
    }
}

/// A horizontal gradient legend for `scale` with the range in percent.
pub fn legend(scale: &Scale, title: &str, as_share: bool, missing_label: Option<&str>) -> String {
    let mut s = String::new();
    let fmt = |v: f64| {
        if as_share {
            super::format::share(v)
        } else {
            pct(v)
        }
    };
    let _ = write!(
        s,
        "<div class=\"legend\"><span class=\"legend-title\">{}</span>\
         <svg width=\"420\" height=\"56\" viewBox=\"0 0 420 56\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\" {FONT}>\
         <defs><linearGradient id=\"g{}\" x1=\"0\" x2=\"1\" y1=\"0\" y2=\"0\">",
        escape(title),
        gradient_id(scale)
    );
    for (t, c) in scale.gradient() {
        let _ = write!(s, "<stop offset=\"{}\" stop-color=\"{c}\"/>", num(t));
    }
    let _ = write!(
        s,
        "</linearGradient></defs><rect x=\"10\" y=\"4\" width=\"400\" height=\"24\" fill=\"url(#g{})\" stroke=\"#333\" stroke-width=\"0.5\"/>\
         <text x=\"10\" y=\"50\" font-size=\"18\">{}</text>\
         <text x=\"210\" y=\"50\" font-size=\"18\" text-anchor=\"middle\">{}</text>\
         <text x=\"410\" y=\"50\" font-size=\"18\" text-anchor=\"end\">{}</text></svg>",
        gradient_id(scale),
        fmt(scale.min),
        fmt((scale.min + scale.max) / 2.0),
        fmt(scale.max)
    );
    if let Some(m) = missing_label {
        let _ = write!(
            s,
            "<span class=\"swatch\" style=\"background:{}\"></span> {}",
            colour::MISSING,
            escape(m)
        );
    }
    s.push_str("</div>");
    s
}

/// Gradient ids must be unique within the page; derive one from the scale's range and colours.
fn gradient_id(scale: &Scale) -> String {
    let first = scale.colour(scale.min);
    format!(
        "{}-{}-{}",
        first.trim_start_matches('#'),
        decimal(scale.min * 1000.0, 0).replace('.', ""),
        decimal(scale.max * 1000.0, 0).replace('.', "")
    )
}

/// A value for a map or a tile: the wijk label and its measure.
pub struct AreaValue {
    pub wijkcode: String,
    pub label: String,
    pub value: Option<f64>,
}

/// The map: projected shapes filled by `scale`, labelled with name and value.
pub fn map(
    shapes: &[ProjectedShape],
    values: &[AreaValue],
    scale: &Scale,
    w: f64,
    h: f64,
) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"map\" viewBox=\"0 0 {} {}\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\" {FONT}>",
        num(w),
        num(h)
    );
    let find = |code: &str| values.iter().find(|v| v.wijkcode == code);
    for shape in shapes {
        let v = find(&shape.wijkcode).and_then(|a| a.value);
        let fill = v.map_or(colour::MISSING.to_string(), |v| scale.colour(v));
        let _ = write!(
            s,
            "<path d=\"{}\" fill=\"{fill}\" fill-rule=\"evenodd\" stroke=\"#ffffff\" stroke-width=\"2\"><title>{}</title></path>",
            shape.path,
            escape(&find(&shape.wijkcode).map_or(shape.wijkcode.clone(), |a| a.label.clone()))
        );
    }
    for shape in shapes {
        let Some(a) = find(&shape.wijkcode) else {
            continue;
        };
        let (x, y) = shape.label_at;
        let value = a.value.map_or("–".to_string(), pct);
        let ink = a.value.map_or("#111111", |v| scale.text_colour(v));
        let _ = write!(
            s,
            "<text x=\"{x}\" y=\"{y1}\" font-size=\"18\" text-anchor=\"middle\" fill=\"{ink}\">{}</text>\
             <text x=\"{x}\" y=\"{y2}\" font-size=\"24\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"{ink}\">{value}</text>",
            escape(&truncate(&a.label, 18)),
            x = num(x),
            y1 = num(y - 4.0),
            y2 = num(y + 22.0)
        );
    }
    s.push_str("</svg>");
    s
}

/// The tile grid: one labelled square per wijk, in wijkcode order, when no map is supplied.
pub fn tile_grid(values: &[AreaValue], scale: &Scale) -> String {
    let n = values.len().max(1);
    let cols = (n as f64).sqrt().ceil() as usize;
    let rows = n.div_ceil(cols);
    let (tw, th, gap) = (300.0, 150.0, 10.0);
    let w = cols as f64 * (tw + gap) + gap;
    let h = rows as f64 * (th + gap) + gap;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"tiles\" viewBox=\"0 0 {} {}\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\" {FONT}>",
        num(w),
        num(h)
    );
    for (i, a) in values.iter().enumerate() {
        let x = gap + (i % cols) as f64 * (tw + gap);
        let y = gap + (i / cols) as f64 * (th + gap);
        let (fill, ink) = match a.value {
            Some(v) => (scale.colour(v), scale.text_colour(v)),
            None => (colour::MISSING.to_string(), "#111111"),
        };
        let value = a.value.map_or("–".to_string(), pct);
        let _ = write!(
            s,
            "<rect x=\"{x}\" y=\"{y}\" width=\"{tw}\" height=\"{th}\" rx=\"8\" fill=\"{fill}\"/>\
             <text x=\"{tx}\" y=\"{y1}\" font-size=\"22\" text-anchor=\"middle\" fill=\"{ink}\">{}</text>\
             <text x=\"{tx}\" y=\"{y3}\" font-size=\"40\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"{ink}\">{value}</text>",
            escape(&truncate(&a.label, 22)),
            x = num(x),
            y = num(y),
            tw = num(tw),
            th = num(th),
            tx = num(x + tw / 2.0),
            y1 = num(y + 38.0),
            y3 = num(y + 118.0)
        );
    }
    s.push_str("</svg>");
    s
}

/// A persona's traits: per trait a bar for the persona and one for the whole population.
pub fn trait_bars(traits: &[TraitBar]) -> String {
    let (label_h, bar_h, gap) = (26.0, 20.0, 14.0);
    let block = label_h + 2.0 * bar_h + gap;
    let (x0, bar_w) = (0.0, 470.0);
    let w = 620.0;
    let h = block * traits.len() as f64;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"traits\" viewBox=\"0 0 {} {}\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\" {FONT}>",
        num(w),
        num(h.max(1.0))
    );
    for (i, t) in traits.iter().enumerate() {
        let y = block * i as f64;
        let (max, fmt): (f64, Box<dyn Fn(f64) -> String>) = match t.kind {
            TraitKind::Share => (1.0, Box::new(super::format::share)),
            TraitKind::Mean => (
                (t.persona.max(t.population) * 1.15).max(1e-9),
                Box::new(|v| decimal(v, 1)),
            ),
        };
        let len = |v: f64| bar_w * (v / max).clamp(0.0, 1.0);
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"19\" fill=\"#111\">{}</text>",
            num(x0),
            num(y + 19.0),
            escape(&truncate(&t.label_nl, 50))
        );
        for (j, (v, c, who)) in [
            (t.persona, colour::PERSONA, "persona"),
            (t.population, colour::POPULATION, "iedereen"),
        ]
        .into_iter()
        .enumerate()
        {
            let by = y + label_h + j as f64 * bar_h;
            let _ = write!(
                s,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{c}\"><title>{who}</title></rect>\
                 <text x=\"{}\" y=\"{}\" font-size=\"16\" dominant-baseline=\"middle\" fill=\"#111\">{}</text>",
                num(x0),
                num(by + 1.0),
                num(len(v).max(1.0)),
                num(bar_h - 3.0),
                num(x0 + len(v).max(1.0) + 8.0),
                num(by + bar_h / 2.0),
                fmt(v)
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// The calibration (reliability) plot: observed against mean predicted per bin, with the diagonal.
pub fn calibration(bins: &[ReliabilityBin]) -> String {
    let (size, m) = (520.0, 70.0);
    let inner = size - m - 34.0;
    let x = |v: f64| m + inner * v.clamp(0.0, 1.0);
    let y = |v: f64| 20.0 + inner * (1.0 - v.clamp(0.0, 1.0));
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"calibration\" viewBox=\"0 0 {0} {0}\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\" {FONT}>",
        num(size)
    );
    for i in 0..=5 {
        let v = i as f64 / 5.0;
        let _ = write!(
            s,
            "<line x1=\"{a}\" x2=\"{b}\" y1=\"{yv}\" y2=\"{yv}\" stroke=\"#e0e0e0\"/>\
             <line x1=\"{xv}\" x2=\"{xv}\" y1=\"{c}\" y2=\"{d}\" stroke=\"#e0e0e0\"/>\
             <text x=\"{tx}\" y=\"{yv}\" font-size=\"16\" text-anchor=\"end\" dominant-baseline=\"middle\">{l}</text>\
             <text x=\"{xv}\" y=\"{ty}\" font-size=\"16\" text-anchor=\"middle\">{l}</text>",
            a = num(x(0.0)),
            b = num(x(1.0)),
            yv = num(y(v)),
            xv = num(x(v)),
            c = num(y(0.0)),
            d = num(y(1.0)),
            tx = num(m - 8.0),
            ty = num(y(0.0) + 22.0),
            l = super::format::share(v)
        );
    }
    let _ = write!(
        s,
        "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#777\" stroke-dasharray=\"6 5\" stroke-width=\"2\"/>\
         <text x=\"{}\" y=\"{}\" font-size=\"17\" text-anchor=\"middle\">voorspelde kans</text>\
         <text x=\"16\" y=\"{}\" font-size=\"17\" text-anchor=\"middle\" transform=\"rotate(-90 16 {})\">waargenomen aandeel</text>",
        num(x(0.0)),
        num(y(0.0)),
        num(x(1.0)),
        num(y(1.0)),
        num(m + inner / 2.0),
        num(size - 4.0),
        num(20.0 + inner / 2.0),
        num(20.0 + inner / 2.0)
    );
    let mut line = String::new();
    for (i, b) in bins.iter().enumerate() {
        line.push(if i == 0 { 'M' } else { 'L' });
        let _ = write!(line, "{} {}", num(x(b.mean_predicted)), num(y(b.observed)));
    }
    if !line.is_empty() {
        let _ = write!(
            s,
            "<path d=\"{line}\" fill=\"none\" stroke=\"{}\" stroke-width=\"3\"/>",
            colour::PERSONA
        );
    }
    for b in bins {
        let _ = write!(
            s,
            "<circle cx=\"{}\" cy=\"{}\" r=\"8\" fill=\"{}\" stroke=\"#fff\" stroke-width=\"2\"/>",
            num(x(b.mean_predicted)),
            num(y(b.observed)),
            colour::PERSONA
        );
    }
    s.push_str("</svg>");
    s
}

/// A probability as a short Dutch percentage that stays readable for tiny values
/// (`0,93` -> `93%`, `0,0042` -> `0,42%`).
pub fn small_pct(p: f64) -> String {
    let v = 100.0 * p;
    if v >= 10.0 {
        format!("{}%", decimal(v, 0))
    } else if v >= 1.0 {
        format!("{}%", decimal(v, 1))
    } else if v >= 0.01 {
        format!("{}%", decimal(v, 2))
    } else {
        "< 0,01%".to_string()
    }
}

/// The match-weight histogram of a linkage model (as Splink draws it): candidate pairs per bin of
/// match weight, on a logarithmic axis because non-matches outnumber matches by orders of
/// magnitude, with the link threshold as a dashed line. A bar's height is its pairs per unit of
/// weight, so a merged (wider) bin is not drawn taller than its neighbours for being wide. Bars at
/// or above the threshold are blue, below it grey.
pub fn weight_histogram(bins: &[WeightBin], threshold: f64, threshold_label: &str) -> String {
    let (w, h) = (720.0, 340.0);
    let (left, right, top, bottom) = (100.0, 16.0, 44.0, 62.0);
    let shown: Vec<(&WeightBin, u64)> = bins
        .iter()
        .filter_map(|b| b.pairs.filter(|&n| n > 0).map(|n| (b, n)))
        .collect();
    let lo = bins
        .iter()
        .map(|b| b.from)
        .fold(threshold, f64::min)
        .floor();
    let hi = bins.iter().map(|b| b.to).fold(threshold, f64::max).ceil();
    let span = (hi - lo).max(1.0);
    let x = |v: f64| left + (w - left - right) * ((v - lo) / span).clamp(0.0, 1.0);
    let density = |b: &WeightBin, n: u64| n as f64 / (b.to - b.from).max(1e-9);
    let top_exp = shown
        .iter()
        .map(|&(b, n)| density(b, n).log10())
        .fold(1.0f64, f64::max)
        .ceil();
    let bottom_exp = shown
        .iter()
        .map(|&(b, n)| density(b, n).log10())
        .fold(0.0f64, f64::min)
        .floor();
    let y = |e: f64| {
        top + (h - top - bottom)
            * (1.0 - ((e - bottom_exp) / (top_exp - bottom_exp).max(1.0)).clamp(0.0, 1.0))
    };
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"chart linkage\" viewBox=\"0 0 {} {}\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\" {FONT}>",
        num(w),
        num(h)
    );
    // Powers of ten on the vertical axis.
    let mut e = bottom_exp;
    while e <= top_exp + 1e-9 {
        let label = if e >= 0.0 {
            super::format::int(10f64.powf(e).round() as u64)
        } else {
            decimal(10f64.powf(e), (-e) as usize)
        };
        let _ = write!(
            s,
            "<line x1=\"{}\" x2=\"{}\" y1=\"{yv}\" y2=\"{yv}\" stroke=\"#e0e0e0\"/>\
             <text x=\"{}\" y=\"{yv}\" font-size=\"17\" text-anchor=\"end\" dominant-baseline=\"middle\" fill=\"#444\">{}</text>",
            num(left),
            num(w - right),
            num(left - 8.0),
            escape(&label),
            yv = num(y(e)),
        );
        e += 1.0;
    }
    // Weight ticks every 5 (every 10 on a wide range).
    let step = if span > 40.0 { 10.0 } else { 5.0 };
    let mut t = (lo / step).ceil() * step;
    while t <= hi + 1e-9 {
        let _ = write!(
            s,
            "<line x1=\"{xv}\" x2=\"{xv}\" y1=\"{}\" y2=\"{}\" stroke=\"#888\"/>\
             <text x=\"{xv}\" y=\"{}\" font-size=\"17\" text-anchor=\"middle\" fill=\"#444\">{}</text>",
            num(h - bottom),
            num(h - bottom + 6.0),
            num(h - bottom + 24.0),
            decimal(t, 0),
            xv = num(x(t)),
        );
        t += step;
    }
    for &(b, n) in &shown {
        let yt = y(density(b, n).log10());
        let above = (b.from + b.to) / 2.0 >= threshold;
        let _ = write!(
            s,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"#fff\" stroke-width=\"1\"/>",
            num(x(b.from)),
            num(yt),
            num((x(b.to) - x(b.from)).max(1.0)),
            num((h - bottom - yt).max(0.0)),
            if above { colour::M_PROBABILITY } else { colour::POPULATION }
        );
    }
    let tx = x(threshold);
    let anchor = if tx > w / 2.0 { "end" } else { "start" };
    let _ = write!(
        s,
        "<line x1=\"{tx}\" x2=\"{tx}\" y1=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"3\" stroke-dasharray=\"8 5\"/>\
         <text x=\"{}\" y=\"{}\" font-size=\"18\" font-weight=\"bold\" text-anchor=\"{anchor}\" fill=\"#111\">{}</text>\
         <line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"#333\"/>\
         <text x=\"{}\" y=\"{}\" font-size=\"17\" text-anchor=\"middle\" fill=\"#111\">koppelgewicht (log2 van de kansverhouding op dezelfde persoon)</text>\
         <text x=\"18\" y=\"{}\" font-size=\"17\" text-anchor=\"middle\" transform=\"rotate(-90 18 {})\" fill=\"#111\">paren (log-schaal)</text>",
        num(top - 8.0),
        num(h - bottom),
        colour::RAISES,
        num(if anchor == "end" { tx - 8.0 } else { tx + 8.0 }),
        num(top - 16.0),
        escape(threshold_label),
        num(left),
        num(w - right),
        num(h - bottom),
        num(h - bottom),
        num(left + (w - left - right) / 2.0),
        num(h - 10.0),
        num(top + (h - top - bottom) / 2.0),
        num(top + (h - top - bottom) / 2.0),
        tx = num(tx),
    );
    s.push_str("</svg>");
    s
}

/// One small multiple of the m and u chart: per comparison level of a field a row with the
/// level's name, a bar for m (how often true matches land on the level) above one for u (how
/// often non-matches do), 0-100%, and the level's match weight at the right.
pub fn m_u_bars(field: &LinkField) -> String {
    let (row_h, head) = (30.0, 30.0);
    let (w, bars_x, bars_w) = (600.0, 250.0, 240.0);
    let h = head + row_h * field.levels.len() as f64 + 4.0;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"mu\" viewBox=\"0 0 {} {}\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\" {FONT}>\
         <text x=\"0\" y=\"20\" font-size=\"19\" font-weight=\"bold\" fill=\"#111\">{}</text>\
         <text x=\"{}\" y=\"20\" font-size=\"15\" text-anchor=\"end\" fill=\"#444\">gewicht</text>\
         <line x1=\"{bx}\" x2=\"{bx}\" y1=\"{}\" y2=\"{}\" stroke=\"#888\"/>",
        num(w),
        num(h),
        escape(&field.label_nl),
        num(w),
        num(head - 2.0),
        num(h - 2.0),
        bx = num(bars_x),
    );
    for (i, l) in field.levels.iter().enumerate() {
        let y = head + row_h * i as f64;
        let weight = if l.match_weight > 0.0 {
            format!("+{}", decimal(l.match_weight, 1))
        } else {
            decimal(l.match_weight, 1)
        };
        let _ = write!(
            s,
            "<text x=\"0\" y=\"{cy}\" font-size=\"16\" dominant-baseline=\"middle\" fill=\"#111\">{}</text>\
             <text x=\"{}\" y=\"{cy}\" font-size=\"16\" font-weight=\"bold\" text-anchor=\"end\" dominant-baseline=\"middle\" fill=\"#111\">{}</text>",
            escape(&truncate(&l.label_nl, 28)),
            num(w),
            weight,
            cy = num(y + row_h / 2.0),
        );
        for (j, (v, c, who)) in [
            (l.m, colour::M_PROBABILITY, "m"),
            (l.u, colour::U_PROBABILITY, "u"),
        ]
        .into_iter()
        .enumerate()
        {
            let by = y + 3.0 + j as f64 * 12.0;
            let len = (bars_w * v.clamp(0.0, 1.0)).max(1.0);
            let _ = write!(
                s,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"11\" fill=\"{c}\"/>\
                 <text x=\"{}\" y=\"{}\" font-size=\"13\" dominant-baseline=\"middle\" fill=\"#111\">{who} {}</text>",
                num(bars_x),
                num(by),
                num(len),
                num(bars_x + len + 5.0),
                num(by + 6.0),
                escape(&small_pct(v))
            );
        }
    }
    s.push_str("</svg>");
    s
}
