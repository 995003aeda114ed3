//! Keyed pseudonyms: `pseudo_id = lowercase hex(HMAC-SHA256(key, 9-digit BSN))`.
//!
//! The key is the exact bytes of `pseudonym.key` (nothing trimmed) or the UTF-8 bytes of
//! `LONELINESS_PSEUDONYM_KEY`; the file wins when both exist. The key is never written anywhere and
//! its `Debug` output is redacted. The library never reads the environment on its own: the caller
//! (the command line, through [`KeySource::from_env`]) passes a [`KeySource`] to ingest.

use std::path::Path;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::contract::Bsn;
use crate::error::{Error, Location, Result};

/// Name of the environment variable that may hold the key.
pub const KEY_ENV: &str = "LONELINESS_PSEUDONYM_KEY";
/// File name of the key inside a study folder.
pub const KEY_FILE: &str = "pseudonym.key";

/// A 64-character lowercase hex pseudonym.
pub type PseudoId = String;

#[derive(Clone)]
pub struct PseudonymKey(Vec<u8>);

impl std::fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PseudonymKey(<{} bytes, redacted>)", self.0.len())
    }
}

/// Where a study's pseudonym key comes from: the study's `pseudonym.key`, else a fallback the
/// caller passes in (the command line reads it from `LONELINESS_PSEUDONYM_KEY`).
#[derive(Clone, Default)]
pub struct KeySource {
    /// `Some("")` is a fallback that was set but empty: an error, not "no fallback".
    fallback: Option<Vec<u8>>,
}

impl std::fmt::Debug for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.fallback {
            Some(k) => write!(f, "KeySource(file, else <{} bytes, redacted>)", k.len()),
            None => write!(f, "KeySource(file only)"),
        }
    }
}

impl KeySource {
    /// Only the study's `pseudonym.key`.
    pub fn study_file_only() -> KeySource {
        KeySource { fallback: None }
    }

    /// The study's `pseudonym.key`, else these bytes.
    pub fn with_fallback(key: impl Into<Vec<u8>>) -> KeySource {
        KeySource {
            fallback: Some(key.into()),
        }
    }

    /// The study's `pseudonym.key`, else [`KEY_ENV`]: the one place the variable is read.
    pub fn from_env() -> KeySource {
        KeySource {
            fallback: std::env::var_os(KEY_ENV).map(|v| v.into_encoded_bytes()),
        }
    }

    /// Loads the key for a study: `STUDY/pseudonym.key` if present, else the fallback.
    pub fn load(&self, study_dir: &Path) -> Result<PseudonymKey> {
        let path = study_dir.join(KEY_FILE);
        if path.exists() {
            let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
            if bytes.is_empty() {
                return Err(Error::input(
                    Location::file(&path),
                    "the pseudonym key file is empty; it must hold the key shared with the GGD",
                ));
            }
            return Ok(PseudonymKey(bytes));
        }
        match &self.fallback {
            Some(v) if !v.is_empty() => Ok(PseudonymKey(v.clone())),
            Some(_) => Err(Error::Config(format!(
                "{KEY_ENV} is set but empty, and {} does not exist; a pseudonym key is required",
                path.display()
            ))),
            None => Err(Error::input(
                Location::file(&path),
                format!(
                    "no pseudonym key: expected the file {KEY_FILE} in the study folder or the \
                     environment variable {KEY_ENV}"
                ),
            )),
        }
    }
}

impl PseudonymKey {
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self> {
        if bytes.is_empty() {
            return Err(Error::Config("the pseudonym key is empty".into()));
        }
        Ok(PseudonymKey(bytes))
    }

    pub fn pseudonymise(&self, bsn: &Bsn) -> PseudoId {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC accepts any key length");
        mac.update(bsn.ascii());
        lower_hex(&mac.finalize().into_bytes())
    }

    /// The keyed HMAC state, prepared once. Keying hashes the padded key twice; cloning the
    /// prepared state instead halves the work per BSN, which matters at 10^6 BSNs per study.
    pub fn pseudonymiser(&self) -> Pseudonymiser {
        Pseudonymiser(Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC accepts any key length"))
    }
}

/// A prepared keyed HMAC (see [`PseudonymKey::pseudonymiser`]); gives the same pseudonyms as
/// [`PseudonymKey::pseudonymise`]. Share it between threads by reference.
#[derive(Clone)]
pub struct Pseudonymiser(Hmac<Sha256>);

impl std::fmt::Debug for Pseudonymiser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pseudonymiser(<redacted>)")
    }
}

impl Pseudonymiser {
    pub fn pseudonymise(&self, bsn: &Bsn) -> PseudoId {
        let mut mac = self.0.clone();
        mac.update(bsn.ascii());
        lower_hex(&mac.finalize().into_bytes())
    }
}

/// Lower-case hex by table lookup: the generic `hex::encode` iterator showed up in ingest profiles.
fn lower_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_an_independent_reference() {
        // Reference computed independently: python3 -c "import hmac,hashlib;
        // print(hmac.new(b'sleutel', b'111222333', hashlib.sha256).hexdigest())"
        let key = PseudonymKey::from_bytes(b"sleutel".to_vec()).unwrap();
        let id = key.pseudonymise(&Bsn::parse("111222333").unwrap());
        assert_eq!(id.len(), 64);
        assert_eq!(
            id,
            "427bb0d5f3dee647cbf1cb05e941aef349327abaa1ad3fd7bb526dcccb48c24f"
        );
        let prepared = key.pseudonymiser();
        assert_eq!(prepared.pseudonymise(&Bsn::parse("111222333").unwrap()), id);
        assert_eq!(
            prepared.pseudonymise(&Bsn::parse("123456782").unwrap()),
            key.pseudonymise(&Bsn::parse("123456782").unwrap())
        );
    }

    #[test]
    fn empty_key_is_refused_and_debug_is_redacted() {
        assert!(PseudonymKey::from_bytes(vec![]).is_err());
        let key = PseudonymKey::from_bytes(b"geheim".to_vec()).unwrap();
        assert!(!format!("{key:?}").contains("geheim"));
    }
}
