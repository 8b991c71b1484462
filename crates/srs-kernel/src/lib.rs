//! Media formats for the srs live-streaming server.
//!
//! Everything in this crate is sans-IO: decoders take byte slices and return values,
//! encoders append bytes to a caller-owned buffer. Streaming decoders follow one rule:
//! `Ok(None)` means "need more bytes", `Err` means the input is corrupt.
//!
//! Modules:
//! - [`amf0`]: AMF0 values (RTMP commands and metadata).
//! - [`media`]: the one [`MediaMessage`] type passed between ingest and fan-out.
//! - [`flv`]: FLV file header, tag header, streaming reader, writer helpers,
//!   and the audio / video tag data headers.
//! - [`avc`]: H.264 decoder configuration record, SPS, NALU iteration, AVCC <-> Annex B.
//! - [`aac`]: AudioSpecificConfig and ADTS headers.
//! - [`bits`]: a bit reader with exp-Golomb support, shared by the codec parsers.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod aac;
pub mod amf0;
pub mod avc;
pub mod bits;
pub mod error;
pub mod flv;
pub mod media;
pub mod ts;

pub use amf0::Amf0Value;
pub use error::KernelError;
pub use media::{MediaFlags, MediaKind, MediaMessage};

#[cfg(test)]
mod fuzz_smoke;
