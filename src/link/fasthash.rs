//! A fast, non-cryptographic hasher for the interning maps (values, blocking keys, patterns).
//!
//! Preparing a 500,000-row register does millions of string-keyed lookups; the standard SipHash
//! is built to resist hash flooding, which these internal maps over municipal exports do not
//! need, and costs several times more. Map iteration order is never used for output (every
//! iteration over a map is sorted first).
//!
//! This is `rustc-hash`'s FxHasher, which replaced our own FxHash copy (with a murmur3
//! finaliser) after the link benches, each binary built with either hasher and run alternately
//! three times on the same machine: `link_people` (500,000 residents, 20,000 records) linked in
//! 11.9 s (9.6-12.9) against 14.7 s (12.6-15.9), 0.76-0.81x per run pair; `link_febrl` 2.86 s
//! (2.31-3.32) against 2.74 s (2.49-3.15), equal within the noise; same links, and the demo
//! run's outputs byte-identical. docs/ecosystem.md has the table.

/// A HashMap with rustc-hash's FxHasher.
pub type FastMap<K, V> = rustc_hash::FxHashMap<K, V>;
