//! RTMP sessions: sans-IO state machines for both ends of a connection.
//!
//! Call order for either side: [`feed`](server::ServerSession::feed) the
//! bytes read from the socket, drain events with `poll_event` until it
//! returns `None`, answer decisions (`accept_*` / `reject_*`, possibly much
//! later), drain events again, then write what the outbound queue holds.

pub mod client;
pub mod refusal;
pub mod server;

pub use refusal::Refusal;
mod transport;

/// Message stream id used for the one NetStream of a connection (SRS uses 1).
pub const STREAM_ID: u32 = 1;

/// Chunk stream ids used when sending, as SRS does.
pub mod csid {
    /// Protocol control messages.
    pub const PROTOCOL_CONTROL: u32 = 2;
    /// NetConnection commands (connect, createStream answers).
    pub const CONNECTION: u32 = 3;
    /// NetStream commands and data (onStatus, metadata).
    pub const STREAM: u32 = 5;
    /// Video.
    pub const VIDEO: u32 = 6;
    /// Audio.
    pub const AUDIO: u32 = 7;
}

/// Acknowledgement window and peer bandwidth the server announces after connect.
pub const DEFAULT_WINDOW_ACK_SIZE: u32 = 2_500_000;

/// Input kept while a decision (connect, publish, play) is pending; a peer that
/// sends more before the answer is misbehaving.
pub const MAX_PENDING_INPUT: usize = 1 << 20;

/// Most events one pass of [`ServerSession::feed`] queues; the rest of the
/// input waits for [`ServerSession::process_backlog`], so one peer sending a
/// flood of tiny messages cannot hold the driver's loop.
pub const MAX_EVENTS_PER_PASS: usize = 1024;

#[cfg(test)]
mod tests;
