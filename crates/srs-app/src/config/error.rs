//! Errors and warnings of config loading.
//!
//! Every message names the file and line, and for directive problems the directive:
//! `FILE:LINE: directive "NAME": message`, or for syntax errors `FILE:LINE: message`.

use std::fmt;
use std::path::PathBuf;

/// A config file that cannot be used. The server refuses to start (or to reload) with it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read; the cause is the `source()`.
    #[error("{}: cannot read config file", file.display())]
    Io {
        /// The config file.
        file: PathBuf,
        /// The IO error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid UTF-8.
    #[error("{}:{line}: invalid UTF-8 (byte offset {offset}); config files must be UTF-8 text", file.display())]
    InvalidUtf8 {
        /// The config file.
        file: PathBuf,
        /// The line of the first invalid byte (1-based).
        line: usize,
        /// The byte offset of the first invalid byte in the file.
        offset: usize,
    },
    /// The text does not follow the `directive args;` / `name args { ... }` syntax.
    #[error("{}:{line}: {message}", file.display())]
    Syntax {
        /// The config file.
        file: PathBuf,
        /// The line of the problem (1-based).
        line: usize,
        /// What is wrong, e.g. `unexpected "}"`.
        message: String,
    },
    /// A directive is unknown, misplaced or has a bad value.
    #[error("{}:{line}: directive \"{directive}\": {message}", file.display())]
    Directive {
        /// The config file.
        file: PathBuf,
        /// The line of the directive (1-based).
        line: usize,
        /// The directive's name.
        directive: String,
        /// What is wrong, e.g. `invalid value "abc", expected an integer 128..65536`.
        message: String,
    },
}

impl ConfigError {
    /// The line the error refers to, if any (IO errors have none).
    pub fn line(&self) -> Option<usize> {
        match self {
            ConfigError::Io { .. } => None,
            ConfigError::InvalidUtf8 { line, .. }
            | ConfigError::Syntax { line, .. }
            | ConfigError::Directive { line, .. } => Some(*line),
        }
    }

    /// The name of the directive the error refers to, if any.
    pub fn directive(&self) -> Option<&str> {
        match self {
            ConfigError::Directive { directive, .. } => Some(directive),
            _ => None,
        }
    }
}

/// A problem that does not stop the server: a directive that SRS knows but this server does not
/// implement yet (ignored), a duplicate directive (the first one wins, as in SRS), a recovered
/// missing `;`. The caller logs them (`Display` gives `FILE:LINE: directive "NAME": message`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigWarning {
    /// The config file.
    pub file: PathBuf,
    /// The line of the directive (1-based).
    pub line: usize,
    /// The directive's name.
    pub directive: String,
    /// What was done about it, e.g. `directive "transcode" is not supported yet, ignored`.
    pub message: String,
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: directive \"{}\": {}",
            self.file.display(),
            self.line,
            self.directive,
            self.message
        )
    }
}
