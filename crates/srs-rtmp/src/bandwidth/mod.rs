//! SRS's RTMP bandwidth test (the `bandcheck` vhost), both ends, sans-IO.
//!
//! A client connects to a vhost whose `bandcheck` is enabled, with `key=...`
//! in its tcUrl, and publishes or plays nothing. The server then drives the
//! test with commands on the NetConnection (message stream 0):
//!
//! ```text
//! server                                        client
//!   onSrsBandCheckStartPlayBytes {limit_kbps, duration_ms, interval_ms}  ->
//!                                      <-  onSrsBandCheckStartingPlayBytes
//!   onSrsBandCheckPlaying {"0": "...", ...}  (filler, at most limit_kbps)  ->
//!   onSrsBandCheckStopPlayBytes {.., duration_delta, bytes_delta}  ->
//!                                      <-  onSrsBandCheckStoppedPlayBytes
//!   onSrsBandCheckStartPublishBytes {limit_kbps, duration_ms, interval_ms}  ->
//!                                      <-  onSrsBandCheckStartingPublishBytes
//!                                      <-  onSrsBandCheckPublishing (filler, at most limit_kbps)
//!                                      <-  onSrsBandCheckStopPublishBytes (client's duration is over)
//!   onSrsBandCheckStopPublishBytes {.., duration_delta, bytes_delta}  ->
//!                                      <-  onSrsBandCheckStoppedPublishBytes (not Flash)
//!   onSrsBandCheckFinished {start_time, end_time, play_kbps, publish_kbps,
//!                           play_bytes, publish_bytes, play_time, publish_time}  ->
//!                                      <-  finalClientPacket (not Flash)
//! ```
//!
//! Every packet is an AMF0 command `name, 0 (transaction id), null, {data}`,
//! sent on message stream 0, chunk stream 5. The play figures are what the
//! server wrote to the socket during its play phase, the publish figures what
//! it read during its publish phase; `kbps = bytes * 8 / milliseconds`.
//!
//! [`BandwidthServer`] and [`BandwidthClient`] are plain state machines: they
//! take the time (`now_ms`, any monotonic millisecond clock), the peer's calls
//! and the byte counters of the connection, and return packets to send and
//! the final outcome. They never touch a socket or a clock.

mod client;
mod server;

#[cfg(test)]
mod tests;

use bytes::Bytes;
use srs_kernel::Amf0Value;

pub use client::{BandwidthClient, BandwidthFailure, ClientAction, ClientMeasurement, ClientPhase};
pub use server::{BandwidthAction, BandwidthServer, BandwidthServerConfig, ServerPhase};

use crate::command;

/// The command names of the test, as SRS spells them.
pub mod names {
    /// Server -> client: the play phase starts (`limit_kbps`, `duration_ms`, `interval_ms`).
    pub const START_PLAY: &str = "onSrsBandCheckStartPlayBytes";
    /// Client -> server: ready to receive.
    pub const STARTING_PLAY: &str = "onSrsBandCheckStartingPlayBytes";
    /// Server -> client: the play phase is over (with the server's figures).
    pub const STOP_PLAY: &str = "onSrsBandCheckStopPlayBytes";
    /// Client -> server: acknowledges the end of the play phase.
    pub const STOPPED_PLAY: &str = "onSrsBandCheckStoppedPlayBytes";
    /// Server -> client: the publish phase starts (`limit_kbps`, `duration_ms`, `interval_ms`).
    pub const START_PUBLISH: &str = "onSrsBandCheckStartPublishBytes";
    /// Client -> server: starts sending filler.
    pub const STARTING_PUBLISH: &str = "onSrsBandCheckStartingPublishBytes";
    /// Both ways: the client's sending time is over / the server's publish phase is over.
    pub const STOP_PUBLISH: &str = "onSrsBandCheckStopPublishBytes";
    /// Client -> server: acknowledges the end of the publish phase (Flash never sends it).
    pub const STOPPED_PUBLISH: &str = "onSrsBandCheckStoppedPublishBytes";
    /// Server -> client: the report.
    pub const FINISHED: &str = "onSrsBandCheckFinished";
    /// Client -> server: the report arrived (Flash never sends it).
    pub const FINAL: &str = "finalClientPacket";
    /// Server -> client filler of the play phase.
    pub const PLAYING: &str = "onSrsBandCheckPlaying";
    /// Client -> server filler of the publish phase.
    pub const PUBLISHING: &str = "onSrsBandCheckPublishing";
}

/// Length of each phase when the server is not told otherwise (SRS: 3 s).
pub const DEFAULT_SAMPLE_DURATION_MS: u64 = 3000;

/// How long the server lingers after the report for a Flash client, which
/// closes the connection itself (SRS: 600 ms).
pub const FLASH_FINAL_WAIT_MS: u64 = 600;

/// The text repeated in filler packets (SRS sends the same kind of strings).
const FILLER_TEXT: &str = "SRS band check data from server's playing......";

/// The test's result, as the server reports it in `onSrsBandCheckFinished`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BandwidthReport {
    /// When the test started (the server's clock, Unix milliseconds when the
    /// server was given its offset).
    pub start_time_ms: u64,
    /// When the test ended (same clock).
    pub end_time_ms: u64,
    /// Download speed: what the server sent during the play phase, in kbit/s.
    pub play_kbps: u64,
    /// Upload speed: what the server received during the publish phase, in kbit/s.
    pub publish_kbps: u64,
    /// Bytes the server sent during the play phase.
    pub play_bytes: u64,
    /// Bytes the server received during the publish phase.
    pub publish_bytes: u64,
    /// Actual length of the play phase, in ms.
    pub play_time_ms: u64,
    /// Actual length of the publish phase, in ms.
    pub publish_time_ms: u64,
}

impl BandwidthReport {
    /// The data object of `onSrsBandCheckFinished`, with SRS's field names.
    pub fn to_amf0(&self) -> Amf0Value {
        let n = |v: u64| Amf0Value::Number(v as f64);
        Amf0Value::object(vec![
            ("start_time", n(self.start_time_ms)),
            ("end_time", n(self.end_time_ms)),
            ("play_kbps", n(self.play_kbps)),
            ("publish_kbps", n(self.publish_kbps)),
            ("play_bytes", n(self.play_bytes)),
            ("publish_bytes", n(self.publish_bytes)),
            ("play_time", n(self.play_time_ms)),
            ("publish_time", n(self.publish_time_ms)),
        ])
    }

    /// Reads the data object of `onSrsBandCheckFinished`; missing or
    /// non-numeric fields read as 0, as in SRS's client.
    pub fn from_amf0(data: &Amf0Value) -> BandwidthReport {
        let n = |k: &str| number(data, k).unwrap_or(0);
        BandwidthReport {
            start_time_ms: n("start_time"),
            end_time_ms: n("end_time"),
            play_kbps: n("play_kbps"),
            publish_kbps: n("publish_kbps"),
            play_bytes: n("play_bytes"),
            publish_bytes: n("publish_bytes"),
            play_time_ms: n("play_time"),
            publish_time_ms: n("publish_time"),
        }
    }
}

/// `bytes * 8 / ms`, i.e. kbit/s (SRS's formula); 0 for an empty duration.
pub fn kbps(bytes: u64, ms: u64) -> u64 {
    (bytes * 8).checked_div(ms).unwrap_or(0)
}

/// Encodes one bandwidth packet: `name, 0, null, data`.
pub fn packet(name: &str, data: Amf0Value) -> Bytes {
    command::client_command(name, 0.0, Amf0Value::Null, vec![data])
}

/// The data object of a received bandwidth packet: the first object among
/// the values after the transaction id (the command object is `null`), or `Null`.
pub fn packet_data(args: &[Amf0Value]) -> &Amf0Value {
    static NULL: Amf0Value = Amf0Value::Null;
    args.iter()
        .find(|v| matches!(v, Amf0Value::Object(_) | Amf0Value::EcmaArray(_)))
        .unwrap_or(&NULL)
}

/// A non-negative number field of a data object.
fn number(data: &Amf0Value, key: &str) -> Option<u64> {
    let v = data.get(key)?.as_f64()?;
    (v.is_finite() && v >= 0.0).then_some(v as u64)
}

/// A filler packet of about `target` bytes: an object of numbered strings,
/// like SRS's `onSrsBandCheckPlaying` / `onSrsBandCheckPublishing`.
pub fn filler(name: &str, target: usize) -> Bytes {
    // The head (name, 0, null, object marker and end) is about the name plus
    // 20 bytes; each property costs 2 (key length) + key + 3 (string) + text.
    let mut size = name.len() + 20;
    let mut props: Vec<(String, Amf0Value)> = Vec::new();
    while props.is_empty() || size < target {
        let key = props.len().to_string();
        size += 2 + key.len() + 3 + FILLER_TEXT.len();
        props.push((key, Amf0Value::String(FILLER_TEXT.to_string())));
    }
    packet(name, Amf0Value::Object(props))
}

/// Size of the filler packets for a rate: about 10 ms worth of data, between
/// 1 KiB and 32 KiB (small enough for any chunk size, few enough wakeups).
pub fn filler_size(limit_kbps: u64) -> usize {
    // kbit/s * 10 ms / 8 = bytes per 10 ms.
    let per_10ms = limit_kbps.saturating_mul(10) / 8;
    (per_10ms as usize).clamp(1024, 32 * 1024)
}

/// When the next filler of `len` bytes may go, for a rate-limited phase that
/// started at `start_ms` and has committed `committed` bytes: the first
/// instant at which `(committed + len) * 8 <= limit_kbps * elapsed_ms`.
fn send_allowed_at(start_ms: u64, committed: u64, len: u64, limit_kbps: u64) -> u64 {
    if limit_kbps == 0 {
        return start_ms;
    }
    let bits = (committed + len) * 8;
    start_ms + bits.div_ceil(limit_kbps)
}
