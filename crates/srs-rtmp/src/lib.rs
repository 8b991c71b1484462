//! Sans-IO RTMP protocol stack: handshake, chunk stream, protocol control,
//! typed commands, and client and server sessions.
//!
//! Nothing here does IO or reads a clock: a driver feeds bytes in, drains
//! events, and writes the outbound queue (which implements `bytes::Buf`, so
//! it goes straight into `writev`). See [`session`] for the call order.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod bandwidth;
pub mod blocking;
pub mod chunk;
pub mod command;
pub mod error;
pub mod handshake;
pub mod name;
pub mod out_queue;
pub mod session;
pub mod url;

pub use error::RtmpError;
