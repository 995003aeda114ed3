//! Wijk polygons for the report's map, read from a GeoJSON file (`wijken.geojson` in the study
//! folder, or `--geo FILE`).
//!
//! Any CRS works: when every coordinate lies within longitude/latitude bounds the file is taken as
//! WGS84 degrees and projected equirectangularly (longitude scaled by the cosine of the mean
//! latitude, which is exact enough for one municipality); otherwise the coordinates are taken as
//! planar metres (RD New, EPSG:28992) and only scaled. Either way the shapes are fitted into the
//! drawing box with their aspect ratio kept and north up.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, IoContext, Location, Result};

/// Properties that may hold the wijkcode, tried in this order (case-insensitive).
pub const CODE_PROPERTIES: &[&str] = &["wijkcode", "wk_code", "statcode", "code", "id"];

/// The wijken of one file, in file order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WijkGeometry {
    pub shapes: Vec<WijkShape>,
}

/// One wijk: polygons, each a list of rings (outer first, then holes), each a list of `[x, y]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WijkShape {
    pub wijkcode: String,
    pub polygons: Vec<Vec<Vec<[f64; 2]>>>,
}

/// A shape in drawing coordinates: an SVG path and a point for its label.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectedShape {
    pub wijkcode: String,
    pub path: String,
    pub label_at: (f64, f64),
}

/// The geometry for a study: `explicit` when given, else `study_dir/wijken.geojson` when present.
pub fn for_study(study_dir: &Path, explicit: Option<&Path>) -> Result<Option<WijkGeometry>> {
    match explicit {
        Some(p) => load(p).map(Some),
        None => {
            let p = study_dir.join("wijken.geojson");
            if p.is_file() {
                load(&p).map(Some)
            } else {
                Ok(None)
            }
        }
    }
}

/// Reads a GeoJSON FeatureCollection of (Multi)Polygons with a wijkcode property.
pub fn load(path: &Path) -> Result<WijkGeometry> {
    let text = std::fs::read_to_string(path).at(path)?;
    from_geojson(&text).map_err(|m| Error::input(Location::file(path), m))
}

/// Parses GeoJSON text; the error message says which feature is wrong and why.
pub fn from_geojson(text: &str) -> std::result::Result<WijkGeometry, String> {
    let root: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let features = match root.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => root
            .get("features")
            .and_then(Value::as_array)
            .ok_or("a FeatureCollection without a \"features\" array")?
            .clone(),
        Some("Feature") => vec![root.clone()],
        _ => return Err("expected a GeoJSON FeatureCollection of wijk polygons".to_string()),
    };
    let mut shapes = Vec::new();
    for (i, f) in features.iter().enumerate() {
        let n = i + 1;
        let code = wijkcode(f).ok_or_else(|| {
            format!(
                "feature {n} has no wijkcode: expected one of the properties {}",
                CODE_PROPERTIES.join(", ")
            )
        })?;
        let geom = f
            .get("geometry")
            .filter(|g| !g.is_null())
            .ok_or_else(|| format!("feature {n} ({code}) has no geometry"))?;
        let coords = geom.get("coordinates");
        let polygons = match (geom.get("type").and_then(Value::as_str), coords) {
            (Some("Polygon"), Some(c)) => {
                vec![polygon(c).map_err(|m| format!("feature {n} ({code}): {m}"))?]
            }
            (Some("MultiPolygon"), Some(Value::Array(ps))) => ps
                .iter()
                .map(polygon)
                .collect::<std::result::Result<_, _>>()
                .map_err(|m| format!("feature {n} ({code}): {m}"))?,
            (t, _) => {
                return Err(format!(
                    "feature {n} ({code}): expected a Polygon or MultiPolygon, got {}",
                    t.unwrap_or("no type")
                ))
            }
        };
        shapes.push(WijkShape {
            wijkcode: code,
            polygons,
        });
    }
    if shapes.is_empty() {
        return Err("the file holds no wijk polygons".to_string());
    }
    Ok(WijkGeometry { shapes })
}

fn wijkcode(feature: &Value) -> Option<String> {
    let props = feature.get("properties")?.as_object()?;
    for want in CODE_PROPERTIES {
        for (k, v) in props {
            if k.eq_ignore_ascii_case(want) {
                if let Some(s) = v.as_str() {
                    let s = s.trim();
                    if !s.is_empty() {
                        return Some(s.to_string());
                    }
                }
            }
        }
    }
    None
}

fn polygon(v: &Value) -> std::result::Result<Vec<Vec<[f64; 2]>>, String> {
    let rings = v.as_array().ok_or("polygon coordinates are not an array")?;
    rings
        .iter()
        .map(|ring| {
            let pts = ring.as_array().ok_or("a ring is not an array")?;
            let ring: Vec<[f64; 2]> = pts
                .iter()
                .map(|p| match p.as_array().map(|a| a.as_slice()) {
                    Some([x, y, ..]) => match (x.as_f64(), y.as_f64()) {
                        (Some(x), Some(y)) if x.is_finite() && y.is_finite() => Ok([x, y]),
                        _ => Err("a coordinate is not a number".to_string()),
                    },
                    _ => Err("a position needs two numbers".to_string()),
                })
                .collect::<std::result::Result<_, _>>()?;
            if ring.len() < 3 {
                return Err("a ring has fewer than 3 positions".to_string());
            }
            Ok(ring)
        })
        .collect()
}

/// True when every coordinate can be longitude/latitude in degrees.
pub fn is_lon_lat(g: &WijkGeometry) -> bool {
    points(g).all(|[x, y]| x.abs() <= 180.0 && y.abs() <= 90.0)
}

fn points(g: &WijkGeometry) -> impl Iterator<Item = [f64; 2]> + '_ {
    g.shapes
        .iter()
        .flat_map(|s| s.polygons.iter().flatten().flatten().copied())
}

/// Projects the shapes into a `width` x `height` box with `margin` on every side.
pub fn project(g: &WijkGeometry, width: f64, height: f64, margin: f64) -> Vec<ProjectedShape> {
    let lon_lat = is_lon_lat(g);
    let (mut lat_sum, mut count) = (0.0, 0usize);
    for [_, y] in points(g) {
        lat_sum += y;
        count += 1;
    }
    let kx = if lon_lat {
        (lat_sum / count.max(1) as f64).to_radians().cos()
    } else {
        1.0
    };
    let planar = |[x, y]: [f64; 2]| [x * kx, y];
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for p in points(g).map(planar) {
        x0 = x0.min(p[0]);
        x1 = x1.max(p[0]);
        y0 = y0.min(p[1]);
        y1 = y1.max(p[1]);
    }
    let (w, h) = ((x1 - x0).max(1e-12), (y1 - y0).max(1e-12));
    let scale = ((width - 2.0 * margin) / w).min((height - 2.0 * margin) / h);
    let ox = margin + ((width - 2.0 * margin) - w * scale) / 2.0;
    let oy = margin + ((height - 2.0 * margin) - h * scale) / 2.0;
    // North up: y grows downwards in SVG.
    let to_box = |p: [f64; 2]| {
        let q = planar(p);
        ((q[0] - x0) * scale + ox, (y1 - q[1]) * scale + oy)
    };
    g.shapes
        .iter()
        .map(|s| {
            let mut path = String::new();
            let mut best = (0.0f64, None);
            for poly in &s.polygons {
                for (r, ring) in poly.iter().enumerate() {
                    let pts: Vec<(f64, f64)> = ring.iter().map(|&p| to_box(p)).collect();
                    for (i, (x, y)) in pts.iter().enumerate() {
                        path.push(if i == 0 { 'M' } else { 'L' });
                        path.push_str(&format!(
                            "{} {}",
                            super::format::num(*x),
                            super::format::num(*y)
                        ));
                    }
                    path.push('Z');
                    if r == 0 {
                        let (area, c) = area_centroid(&pts);
                        if area.abs() > best.0 {
                            best = (area.abs(), c);
                        }
                    }
                }
            }
            let label_at = best.1.unwrap_or((width / 2.0, height / 2.0));
            ProjectedShape {
                wijkcode: s.wijkcode.clone(),
                path,
                label_at,
            }
        })
        .collect()
}

/// Signed area and centroid of a ring (shoelace); the centroid is `None` for a degenerate ring.
fn area_centroid(pts: &[(f64, f64)]) -> (f64, Option<(f64, f64)>) {
    let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for i in 0..pts.len() {
        let (x0, y0) = pts[i];
        let (x1, y1) = pts[(i + 1) % pts.len()];
        let cross = x0 * y1 - x1 * y0;
        a += cross;
        cx += (x0 + x1) * cross;
        cy += (y0 + y1) * cross;
    }
    a /= 2.0;
    if a.abs() < 1e-9 {
        return (0.0, None);
    }
    (a, Some((cx / (6.0 * a), cy / (6.0 * a))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(code: &str, x: f64, y: f64, s: f64) -> String {
        format!(
            r#"{{"type":"Feature","properties":{{"WK_CODE":"{code}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},{y}],[{x2},{y}],[{x2},{y2}],[{x},{y2}],[{x},{y}]]]}}}}"#,
            x2 = x + s,
            y2 = y + s
        )
    }

    /// The first coordinates of an SVG path are within 0.05 px of `want`.
    fn close(path: &str, want: &[f64]) {
        let got: Vec<f64> = path
            .split(['M', 'L', 'Z', ' '])
            .filter(|t| !t.is_empty())
            .map(|t| t.parse().unwrap())
            .collect();
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 0.05, "{path} vs {want:?}");
        }
    }

    #[test]
    fn reads_polygons_and_the_code_property() {
        let text = format!(
            r#"{{"type":"FeatureCollection","features":[{},{}]}}"#,
            square("WK000100", 4.0, 52.0, 0.01),
            square("WK000101", 4.01, 52.0, 0.01)
        );
        let g = from_geojson(&text).unwrap();
        assert_eq!(g.shapes.len(), 2);
        assert_eq!(g.shapes[1].wijkcode, "WK000101");
        assert!(is_lon_lat(&g));
    }

    #[test]
    fn explains_what_is_wrong() {
        let no_code = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":null}]}"#;
        assert!(from_geojson(no_code)
            .unwrap_err()
            .contains("feature 1 has no wijkcode"));
        let point = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"WK1"},"geometry":{"type":"Point","coordinates":[1,2]}}]}"#;
        assert!(from_geojson(point).unwrap_err().contains("got Point"));
        assert!(from_geojson("[1,2]").is_err());
    }

    #[test]
    fn lon_lat_is_projected_with_the_cosine_and_north_up() {
        // Two squares of 0.01 degrees side by side at 60 degrees north: each is half as wide as
        // high once projected.
        let text = format!(
            r#"{{"type":"FeatureCollection","features":[{},{}]}}"#,
            square("A", 10.0, 60.0, 0.01),
            square("B", 10.01, 60.0, 0.01)
        );
        let g = from_geojson(&text).unwrap();
        let p = project(&g, 200.0, 200.0, 0.0);
        // Total extent: 0.02 deg * cos(60) = 0.01 wide, 0.01 high: fills the square box.
        close(
            &p[0].path,
            &[0.0, 200.0, 100.0, 200.0, 100.0, 0.0, 0.0, 0.0],
        );
        let (x, y) = p[1].label_at;
        assert!(
            (x - 150.0).abs() < 0.05 && (y - 100.0).abs() < 0.05,
            "{x} {y}"
        );
    }

    #[test]
    fn rd_new_metres_are_only_scaled() {
        let text = format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            square("WK063700", 90000.0, 450000.0, 2000.0)
        );
        let g = from_geojson(&text).unwrap();
        assert!(!is_lon_lat(&g));
        let p = project(&g, 300.0, 100.0, 10.0);
        // 2 km square into an 80 px high box, centred horizontally.
        close(
            &p[0].path,
            &[110.0, 90.0, 190.0, 90.0, 190.0, 10.0, 110.0, 10.0],
        );
    }
}
