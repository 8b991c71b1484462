//! The RTMP chunk stream: headers, the decoder (chunks -> messages), the encoder
//! (messages -> chunks into an [`OutQueue`](crate::out_queue::OutQueue)), protocol control
//! messages and aggregate message splitting.

pub mod aggregate;
pub mod control;
pub mod decoder;
pub mod encoder;
pub mod header;
pub mod shared;

pub use aggregate::split_aggregate;
pub use control::{ControlMessage, UserControlEvent};
pub use decoder::ChunkDecoder;
pub use encoder::ChunkEncoder;
pub use shared::SharedChunks;

/// Chunk size both directions start with.
pub const DEFAULT_CHUNK_SIZE: u32 = 128;

/// Chunk stream id for protocol control messages.
pub const CSID_PROTOCOL_CONTROL: u32 = 2;
/// Chunk stream id for connection-level commands (connect, createStream ...).
pub const CSID_OVER_CONNECTION: u32 = 3;
/// Chunk stream id for stream-level commands (play, publish, onStatus ...).
pub const CSID_OVER_STREAM: u32 = 5;
/// Chunk stream id for video.
pub const CSID_VIDEO: u32 = 6;
/// Chunk stream id for audio.
pub const CSID_AUDIO: u32 = 7;

/// One complete RTMP message as it came off the chunk stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawMessage {
    /// Chunk stream id it arrived on.
    pub csid: u32,
    /// Absolute timestamp (32-bit, wrapping).
    pub timestamp: u32,
    /// Message type id (see [`control`] for the constants).
    pub type_id: u8,
    /// Message stream id.
    pub stream_id: u32,
    /// The message body.
    pub payload: bytes::Bytes,
}
