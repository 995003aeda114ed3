//! Synthetic municipality generator.
