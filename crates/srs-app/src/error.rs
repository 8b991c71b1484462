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

/// Why one connection ends: its own error or a normal end. Logged with the
/// connection's context id; never stops the server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnError {
    /// Reading the socket failed.
    #[error("read error: {0}")]
    Read(io::Error),
    /// Writing the socket failed.
    #[error("write error: {0}")]
    Write(io::Error),
    /// The peer broke the RTMP protocol (or a limit of it).
    #[error("protocol error: {0}")]
    Protocol(#[from] srs_rtmp::RtmpError),
    /// The peer closed its side.
    #[error("peer closed the connection")]
    PeerClosed,
    /// The peer does not read what is queued for it.
    #[error("peer does not read: {queued} bytes of answers queued for it")]
    NotReading {
        /// Bytes queued.
        queued: usize,
    },
    /// A deadline passed (handshake, request head, idle, publish, send).
    #[error("{0}")]
    Timeout(&'static str),
    /// The connection was refused admission.
    #[error("refused: {0}")]
    Refused(#[from] crate::refused::Refused),
    /// A file being sent as an HTTP body failed.
    #[error("{0}")]
    FileBody(String),
    /// An outbound link (forward, edge, token check) failed.
    #[error("{0}")]
    Link(String),
    /// The bandwidth test failed.
    #[error("bandcheck failed: {0}")]
    Bandcheck(String),
    /// A normal end: the answer was sent, the stream ended, a kick, a
    /// shutdown, room made for a newcomer...
    #[error("{0}")]
    Done(&'static str),
}
