//! The error type of the server crate.

use std::io;
use std::path::PathBuf;

use crate::config::ConfigError;

/// Errors that stop the server (a single connection's errors never do).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    /// The config file is wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Binding a listen address failed.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: std::net::SocketAddr,
        /// Why.
        source: io::Error,
    },
    /// The pid file cannot be written or is locked by another instance.
    #[error("pid file {path}: {reason}")]
    PidFile {
        /// The pid file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// Another system call failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// Why it failed.
        source: io::Error,
    },
}

impl AppError {
    /// Wraps an io error with what was being done.
    pub fn io(what: impl Into<String>, source: io::Error) -> AppError {
        AppError::Io {
            what: what.into(),
            source,
        }
    }
}
