//! One error type for the whole engine.
//!
//! Every fallible function returns [`Result`]. Errors name *where* (file, line, column) and *what
//! was expected*, because the people who read them are analysts holding a municipal export, not
//! developers holding a debugger. Use [`ensure!`](crate::ensure) for one-line checks and
//! [`bail!`](crate::bail) for early exits.

use std::path::{Path, PathBuf};

/// Where in an input file a problem sits. Lines are 1-based physical lines of the file (the header
/// is line 1), so an analyst can open the file in an editor and jump there.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    pub file: PathBuf,
    pub line: Option<u64>,
    pub column: Option<String>,
}

impl Location {
    pub fn file(file: impl AsRef<Path>) -> Self {
        Location {
            file: file.as_ref().to_path_buf(),
            line: None,
            column: None,
        }
    }
    pub fn line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }
    pub fn column(mut self, column: impl Into<String>) -> Self {
        self.column = Some(column.into());
        self
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column '{column}'")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input cannot be used at all: a missing required file or column, a file that is not CSV.
    #[error("{location}: {message}")]
    Input { location: Location, message: String },

    /// A setting, argument or configuration value is out of range or inconsistent.
    #[error("invalid setting: {0}")]
    Config(String),

    /// A saved model cannot be used (wrong kind, wrong version, wrong schema).
    #[error("model {path}: {message}")]
    Model { path: PathBuf, message: String },

    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    /// A computation could not proceed with the data it was given (too few rows, no variance...).
    #[error("{0}")]
    Data(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn input(location: Location, message: impl Into<String>) -> Self {
        Error::Input {
            location,
            message: message.into(),
        }
    }
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }
    /// Process exit code for this error: 2 for usage/config problems, 1 for everything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Config(_) => 2,
            _ => 1,
        }
    }
}

/// Return early with an error built from the remaining arguments unless `cond` holds.
///
/// `ensure!(k >= 2, Config: "--personas must be at least 2, got {k}")`
/// `ensure!(n > 0, Data: "no survey respondents could be linked")`
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $kind:ident: $($fmt:tt)+) => {
        if !$cond {
            return Err($crate::error::Error::$kind(format!($($fmt)+)));
        }
    };
}

/// Return early with an error of the given kind.
#[macro_export]
macro_rules! bail {
    ($kind:ident: $($fmt:tt)+) => {
        return Err($crate::error::Error::$kind(format!($($fmt)+)))
    };
}

/// Helpers to attach a path to `std::io` results.
pub trait IoContext<T> {
    fn at(self, path: impl AsRef<Path>) -> Result<T>;
}

impl<T> IoContext<T> for std::result::Result<T, std::io::Error> {
    fn at(self, path: impl AsRef<Path>) -> Result<T> {
        self.map_err(|e| Error::io(path, e))
    }
}
