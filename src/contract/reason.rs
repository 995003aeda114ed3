//! Why a row was quarantined. These codes appear in `summary.json` (`quarantine_reasons`), in
//! `quarantine/<source>.csv` and in the synthetic ground truth, so they are part of the contract.

vocabulary_reason! {
    /// The BSN is not 8-9 digits or fails the eleven-test.
    InvalidBsn => "invalid_bsn",
    /// A second row with a BSN already in the BRP spine (the first row is kept).
    DuplicateBsn => "duplicate_bsn",
    /// An exact copy of an earlier row of the same file (the first is kept).
    DuplicateRow => "duplicate_row",
    /// The row has more or fewer fields than the header.
    RaggedRow => "ragged_row",
    /// A value the row cannot do without is empty.
    MissingValue => "missing_value",
    /// A value outside the column's vocabulary or type (not a number, not ja/nee...).
    InvalidValue => "invalid_value",
    /// Not a date in YYYY-MM-DD or DD-MM-YYYY, or not a calendar date.
    InvalidDate => "invalid_date",
    /// A date after the study's reference date (a birth in the future).
    FutureDate => "future_date",
    /// An age that cannot be (over 115, or under 18 in the adult register).
    ImplausibleAge => "implausible_age",
    /// Not a Dutch postcode (1234AB).
    InvalidPostcode => "invalid_postcode",
    /// A buurtcode that `gebieden.csv` does not list.
    UnknownBuurtcode => "unknown_buurtcode",
    /// A survey weight no respondent can have: above 1,000,000 (more residents than a Dutch
    /// municipality has) or more than 50 times the median weight of the file (a BSN or an
    /// amount pasted into `weegfactor`).
    AbsurdWeight => "absurd_weight",
}

macro_rules! vocabulary_reason {
    ($($(#[$meta:meta])* $variant:ident => $code:literal),+ $(,)?) => {
        /// A quarantine reason code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Reason { $($(#[$meta])* $variant),+ }

        impl Reason {
            pub const ALL: &'static [Reason] = &[$(Reason::$variant),+];
            pub fn code(self) -> &'static str {
                match self { $(Reason::$variant => $code),+ }
            }
            pub fn parse(raw: &str) -> Option<Reason> {
                match raw.trim() { $($code => Some(Reason::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for Reason {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}
use vocabulary_reason;
