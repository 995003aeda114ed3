//! The model-file envelope: every saved model is a JSON object with `format` and `version` at the
//! top, written atomically and read back with an explanation instead of a serde error when the
//! file is something else, of another version, damaged, or holds numbers no fit can produce.
//!
//! One implementation for every model (personas, risk), in the manner of burn's recorder: the
//! model type says what it is ([`Envelope`]); [`save`] and [`load`] do the rest.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{Error, IoContext, Result};

/// A floating-point value in a model file larger than this in magnitude is refused: no scaling,
/// coefficient, centre or threshold the engine fits comes near it, and a file that holds one was
/// edited or damaged.
pub const MAX_MODEL_VALUE: f64 = 1e9;

/// A model type that is saved in the envelope.
pub trait Envelope: Serialize + DeserializeOwned {
    /// The `format` field, e.g. `loneliness-risk-model`.
    const FORMAT: &'static str;
    /// The `version` this build writes and reads.
    const VERSION: u32;
    /// What it is, in words: "risk model".
    const WHAT: &'static str;
    /// What a user does with a file of another version.
    const ON_OTHER_VERSION: &'static str;
    /// The command that writes it ("`loneliness risk --model-out`").
    const WRITTEN_BY: &'static str;
    /// Pretty-printed (small, read by people) or compact.
    const PRETTY: bool;

    /// Checks of the parts' sizes after reading; the message says what disagrees.
    fn check(&self) -> std::result::Result<(), String> {
        Ok(())
    }
}

/// Writes `model` atomically (temporary file, then rename).
pub fn save<T: Envelope>(model: &T, path: &Path) -> Result<()> {
    let json = if T::PRETTY {
        serde_json::to_vec_pretty(model)
    } else {
        serde_json::to_vec(model)
    }
    .expect("the model serialises");
    crate::io::write_atomic(path, &json)
}

/// Reads a model, explaining a file of another format or version, a damaged one, or one with a
/// number out of range.
pub fn load<T: Envelope>(path: &Path) -> Result<T> {
    let bad = |message: String| Error::Model {
        path: path.to_path_buf(),
        message,
    };
    let (format, version, what) = (T::FORMAT, T::VERSION, T::WHAT);
    let text = std::fs::read_to_string(path).at(path)?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        bad(format!(
            "not JSON ({e}); expected a {what} written by {}",
            T::WRITTEN_BY
        ))
    })?;
    match value.get("format").and_then(|f| f.as_str()) {
        Some(f) if f == format => {}
        Some(other) => {
            return Err(bad(format!(
                "is a '{}' file, not a {what} (format '{format}')",
                shown(other)
            )))
        }
        None => {
            return Err(bad(format!(
                "has no 'format' field; expected a {what} (format '{format}', version {version})"
            )))
        }
    }
    let found = value.get("version").and_then(|v| v.as_u64());
    if found != Some(u64::from(version)) {
        return Err(bad(format!(
            "is version {}, this build reads version {version}; {}",
            found.map_or("(missing)".to_string(), |v| v.to_string()),
            T::ON_OTHER_VERSION
        )));
    }
    if let Some(at) = out_of_range(&value, &mut String::new()) {
        return Err(bad(format!(
            "holds a number beyond +-{MAX_MODEL_VALUE:e} at {at}; the file was edited or damaged, refit the {what}"
        )));
    }
    let model: T = serde_json::from_value(value)
        .map_err(|e| bad(format!("damaged or incomplete {what}: {e}")))?;
    model
        .check()
        .map_err(|m| bad(format!("damaged {what}: {m}")))?;
    Ok(model)
}

/// A format name as read, when it looks like one (never an arbitrary string from the file).
fn shown(format: &str) -> &str {
    let plain = format.len() <= 40
        && format
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if plain {
        format
    } else {
        "another"
    }
}

/// The JSON path of the first floating-point value out of range, if any.
fn out_of_range(value: &serde_json::Value, at: &mut String) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::Number(n) if n.is_f64() => {
            let x = n.as_f64().unwrap_or(f64::INFINITY);
            (!x.is_finite() || x.abs() > MAX_MODEL_VALUE).then(|| at.clone())
        }
        Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| {
            let len = at.len();
            at.push_str(&format!("[{i}]"));
            let found = out_of_range(v, at);
            at.truncate(len);
            found
        }),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let len = at.len();
            at.push('.');
            at.push_str(k);
            let found = out_of_range(v, at);
            at.truncate(len);
            found
        }),
        _ => None,
    }
}

/// Rounds to 6 decimals: published fractions and model numbers stay short and byte-stable.
/// `+ 0.0` turns a negative zero into 0, so it prints as `0.0`, never `-0.0`.
pub fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6 + 0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Serialize, serde::Deserialize, PartialEq)]
    struct Toy {
        format: String,
        version: u32,
        centres: Vec<f64>,
    }

    impl Envelope for Toy {
        const FORMAT: &'static str = "toy-model";
        const VERSION: u32 = 2;
        const WHAT: &'static str = "toy model";
        const ON_OTHER_VERSION: &'static str = "refit it";
        const WRITTEN_BY: &'static str = "the test";
        const PRETTY: bool = true;
        fn check(&self) -> std::result::Result<(), String> {
            if self.centres.is_empty() {
                return Err("no centres".into());
            }
            Ok(())
        }
    }

    fn toy(centres: Vec<f64>) -> Toy {
        Toy {
            format: "toy-model".into(),
            version: 2,
            centres,
        }
    }

    fn error_of(text: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.json");
        std::fs::write(&p, text).unwrap();
        load::<Toy>(&p).unwrap_err().to_string()
    }

    #[test]
    fn a_saved_model_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.json");
        save(&toy(vec![1.5, -2.0]), &p).unwrap();
        assert_eq!(load::<Toy>(&p).unwrap(), toy(vec![1.5, -2.0]));
    }

    #[test]
    fn every_mismatch_is_explained() {
        assert!(error_of("[1,").contains("not JSON"));
        assert!(error_of(r#"{"format":"other","version":2}"#).contains("not a toy model"));
        assert!(error_of(r#"{"version":2}"#).contains("no 'format' field"));
        let v = error_of(r#"{"format":"toy-model","version":1,"centres":[1.0]}"#);
        assert!(v.contains("version 1") && v.contains("refit it"), "{v}");
        let big = error_of(r#"{"format":"toy-model","version":2,"centres":[1.0, 1e300]}"#);
        assert!(big.contains(".centres[1]"), "{big}");
        assert!(error_of(r#"{"format":"toy-model","version":2}"#).contains("incomplete"));
        assert!(
            error_of(r#"{"format":"toy-model","version":2,"centres":[]}"#).contains("no centres")
        );
    }
}
