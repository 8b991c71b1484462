//! The crate's error type.

use thiserror::Error;

/// Every error the RTMP protocol layer can report. An error closes the connection it came from.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum RtmpError {
    /// A handshake failure described in words.
    #[error("handshake: {0}")]
    Handshake(String),
    /// C0/S0 carried an unsupported RTMP version (only 3 is accepted).
    #[error("handshake: bad C0/S0 version, expected 3, found {found}")]
    BadC0 {
        /// The version byte received.
        found: u8,
    },
    /// A chunk size outside the accepted range was requested.
    #[error("invalid chunk size {0}, expected 1..=16777215")]
    ChunkSizeInvalid(u32),
    /// A message announced a length above the configured limit.
    #[error("message of {size} bytes exceeds the limit of {limit} bytes")]
    MessageTooLarge {
        /// Announced message length.
        size: u32,
        /// The configured maximum.
        limit: u32,
    },
    /// A command, data or control message longer than the command limit.
    #[error("message of type {type_id} has {size} bytes, over the limit of {limit} for commands and data")]
    CommandTooLarge {
        /// The message type.
        type_id: u8,
        /// Announced message length.
        size: u32,
        /// The limit.
        limit: u32,
    },
    /// A chunk stream that was never seen started with a header other than fmt 0.
    #[error("new chunk stream {cid} must start with fmt 0, found fmt {fmt}")]
    NewChunkStreamWithoutFmt0 {
        /// Chunk stream id.
        cid: u32,
        /// The fmt that was found.
        fmt: u8,
    },
    /// Too many chunk streams alive at once on one connection.
    #[error("too many chunk streams: limit {limit}, new cid {cid}")]
    TooManyChunkStreams {
        /// The chunk stream id that would exceed the limit.
        cid: u32,
        /// The maximum number of live chunk streams.
        limit: usize,
    },
    /// A vhost, app or stream name the server refuses (see [`crate::name`]).
    #[error(transparent)]
    BadName(#[from] crate::name::BadName),
    /// A malformed protocol message (control message, aggregate, ...).
    #[error("protocol: {0}")]
    Protocol(String),
    /// An OpenSSL failure (HMAC, DH).
    #[error("ssl: {0}")]
    Ssl(String),
    /// An error from the media kernel (AMF0, FLV ...).
    #[error(transparent)]
    Kernel(#[from] srs_kernel::KernelError),
    /// The transport failed (blocking client only).
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    /// A request was refused by the peer (blocking client only).
    #[error("refused: {code}: {description}")]
    Refused {
        /// The status code, e.g. `NetStream.Publish.BadName`.
        code: String,
        /// The peer's description.
        description: String,
    },
}

impl From<openssl::error::ErrorStack> for RtmpError {
    fn from(e: openssl::error::ErrorStack) -> Self {
        RtmpError::Ssl(e.to_string())
    }
}
