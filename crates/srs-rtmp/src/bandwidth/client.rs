//! The client end of the bandwidth test (what SRS's `srs_bandwidth_check` does).
//!
//! Created once the connect succeeded (no createStream, no play or publish).
//! The driver then:
//!
//! 1. reports socket writes and reads: [`BandwidthClient::on_bytes_sent`],
//!    [`BandwidthClient::on_bytes_received`];
//! 2. passes each `ClientEvent::Call` to [`BandwidthClient::on_call`];
//! 3. calls [`BandwidthClient::poll`] after the events of each read and at
//!    [`BandwidthClient::next_wakeup_ms`], sends `Send` payloads with
//!    `ClientSession::send_stream_command` (message stream 0 before any
//!    createStream), and stops at `Done` (after flushing the final packet) or
//!    `Failed`.

use std::fmt;

use bytes::Bytes;
use srs_kernel::Amf0Value;

use super::{
    filler, filler_size, names, number, packet, packet_data, send_allowed_at, BandwidthReport,
};

/// Most publish filler queued but not yet written.
pub const MAX_BACKLOG: u64 = 128 * 1024;

/// How often a publish stalled on [`MAX_BACKLOG`] looks again.
const BACKLOG_RETRY_MS: u64 = 5;

/// Margin added to the announced durations when waiting for the server.
const ANSWER_MARGIN_MS: u64 = 5000;

/// The data of the client's answers: an empty object, as SRS's client sends.
fn empty() -> Amf0Value {
    Amf0Value::Object(Vec::new())
}

/// Where the client is in the test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientPhase {
    /// Connected, waiting for `onSrsBandCheckStartPlayBytes`.
    WaitingStart,
    /// Receiving the server's filler, waiting for `onSrsBandCheckStopPlayBytes`.
    Playing,
    /// Play phase over, waiting for `onSrsBandCheckStartPublishBytes`.
    WaitingPublish,
    /// Sending filler.
    Publishing,
    /// Our sending time is over, waiting for the server's `onSrsBandCheckStopPublishBytes`.
    StoppingPublish,
    /// Waiting for `onSrsBandCheckFinished`.
    WaitingReport,
    /// Report received (or failed).
    Done,
}

/// Why the test did not complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BandwidthFailure {
    /// The server never sent `onSrsBandCheckStartPlayBytes`.
    NotStarted {
        /// How long we waited.
        waited_ms: u64,
    },
    /// The server went silent in the middle of the test.
    Timeout {
        /// The phase we were in.
        phase: ClientPhase,
        /// How long we waited.
        waited_ms: u64,
    },
}

impl fmt::Display for BandwidthFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BandwidthFailure::NotStarted { waited_ms } => write!(
                f,
                "the server did not start a bandwidth test within {waited_ms} ms: \
                 is the vhost's bandcheck enabled and the key right?"
            ),
            BandwidthFailure::Timeout { phase, waited_ms } => write!(
                f,
                "the server stopped the bandwidth test: nothing for {waited_ms} ms in phase {phase:?}"
            ),
        }
    }
}

impl std::error::Error for BandwidthFailure {}

/// What the driver must do.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientAction {
    /// Send this AMF0 command (message stream 0).
    Send(Bytes),
    /// The server's report arrived; flush (the final packet) and close.
    Done(BandwidthReport),
    /// The test failed; close.
    Failed(BandwidthFailure),
}

/// What the client itself saw (the report holds the server's figures).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClientMeasurement {
    /// Bytes read between the start and the stop of the play phase.
    pub play_bytes: u64,
    /// Time between those two packets, in ms.
    pub play_time_ms: u64,
    /// Bytes written while publishing.
    pub publish_bytes: u64,
    /// Time spent publishing, in ms.
    pub publish_time_ms: u64,
}

/// The client's state machine. See the module docs for the call order.
#[derive(Debug)]
pub struct BandwidthClient {
    phase: ClientPhase,
    start_timeout_ms: u64,
    since_ms: u64,
    last_poll_ms: u64,
    sent: u64,
    received: u64,
    emitted: u64,
    phase_base: u64,
    limit_kbps: u64,
    duration_ms: u64,
    filler: Bytes,
    measured: ClientMeasurement,
    out: Vec<ClientAction>,
}

impl BandwidthClient {
    /// A client that waits up to `start_timeout_ms` for the server to start.
    pub fn new(now_ms: u64, start_timeout_ms: u64) -> Self {
        BandwidthClient {
            phase: ClientPhase::WaitingStart,
            start_timeout_ms,
            since_ms: now_ms,
            last_poll_ms: now_ms,
            sent: 0,
            received: 0,
            emitted: 0,
            phase_base: 0,
            limit_kbps: 0,
            duration_ms: 0,
            filler: Bytes::new(),
            measured: ClientMeasurement::default(),
            out: Vec::new(),
        }
    }

    /// The current phase.
    pub fn phase(&self) -> ClientPhase {
        self.phase
    }

    /// What the client measured itself.
    pub fn measured(&self) -> ClientMeasurement {
        self.measured
    }

    /// Reports `n` bytes written to the socket.
    pub fn on_bytes_sent(&mut self, n: u64) {
        self.sent += n;
    }

    /// Reports `n` bytes read from the socket.
    pub fn on_bytes_received(&mut self, n: u64) {
        self.received += n;
    }

    /// A call from the server (`ClientEvent::Call`); answers are queued for
    /// the next [`poll`](Self::poll). Filler and unexpected calls are ignored.
    pub fn on_call(&mut self, name: &str, args: &[Amf0Value], now_ms: u64) {
        match (self.phase, name) {
            (ClientPhase::WaitingStart, names::START_PLAY) => {
                let data = packet_data(args);
                self.duration_ms = number(data, "duration_ms").unwrap_or(0);
                self.send(packet(names::STARTING_PLAY, empty()));
                self.begin(ClientPhase::Playing, now_ms, self.received);
            }
            (ClientPhase::Playing, names::STOP_PLAY) => {
                self.measured.play_bytes = self.received - self.phase_base;
                self.measured.play_time_ms = now_ms.saturating_sub(self.since_ms);
                self.send(packet(names::STOPPED_PLAY, empty()));
                self.begin(ClientPhase::WaitingPublish, now_ms, 0);
            }
            (ClientPhase::WaitingPublish, names::START_PUBLISH) => {
                let data = packet_data(args);
                self.limit_kbps = number(data, "limit_kbps").unwrap_or(0);
                self.duration_ms = number(data, "duration_ms").unwrap_or(0);
                self.filler = filler(names::PUBLISHING, filler_size(self.limit_kbps));
                self.send(packet(names::STARTING_PUBLISH, empty()));
                self.begin(ClientPhase::Publishing, now_ms, self.sent);
            }
            (ClientPhase::Publishing | ClientPhase::StoppingPublish, names::STOP_PUBLISH) => {
                if self.phase == ClientPhase::Publishing {
                    self.end_publish(now_ms);
                }
                self.send(packet(names::STOPPED_PUBLISH, empty()));
                self.begin(ClientPhase::WaitingReport, now_ms, 0);
            }
            (ClientPhase::WaitingReport | ClientPhase::StoppingPublish, names::FINISHED) => {
                let report = BandwidthReport::from_amf0(packet_data(args));
                self.send(packet(names::FINAL, empty()));
                self.phase = ClientPhase::Done;
                self.out.push(ClientAction::Done(report));
            }
            _ => {}
        }
    }

    /// Advances the test and returns what to do, in order.
    pub fn poll(&mut self, now_ms: u64) -> Vec<ClientAction> {
        self.last_poll_ms = now_ms;
        match self.phase {
            ClientPhase::Publishing => self.publish(now_ms),
            ClientPhase::Done => {}
            phase => {
                if now_ms >= self.since_ms + self.wait_limit() {
                    let waited_ms = now_ms - self.since_ms;
                    let failure = if phase == ClientPhase::WaitingStart {
                        BandwidthFailure::NotStarted { waited_ms }
                    } else {
                        BandwidthFailure::Timeout { phase, waited_ms }
                    };
                    self.phase = ClientPhase::Done;
                    self.out.push(ClientAction::Failed(failure));
                }
            }
        }
        std::mem::take(&mut self.out)
    }

    /// When [`poll`](Self::poll) has something to do next (`None` once done).
    pub fn next_wakeup_ms(&self) -> Option<u64> {
        if !self.out.is_empty() {
            return Some(self.last_poll_ms);
        }
        match self.phase {
            ClientPhase::Done => None,
            ClientPhase::Publishing => {
                let end = self.since_ms + self.duration_ms;
                let len = self.filler.len() as u64;
                let next = if self.backlog() + len > MAX_BACKLOG {
                    self.last_poll_ms + BACKLOG_RETRY_MS
                } else {
                    send_allowed_at(self.since_ms, self.committed(), len, self.limit_kbps)
                };
                Some(next.min(end))
            }
            _ => Some(self.since_ms + self.wait_limit()),
        }
    }

    fn wait_limit(&self) -> u64 {
        match self.phase {
            ClientPhase::WaitingStart => self.start_timeout_ms,
            _ => 2 * self.duration_ms + ANSWER_MARGIN_MS,
        }
    }

    fn begin(&mut self, phase: ClientPhase, now_ms: u64, base: u64) {
        self.phase = phase;
        self.since_ms = now_ms;
        self.phase_base = base;
    }

    fn send(&mut self, payload: Bytes) {
        self.emitted += payload.len() as u64;
        self.out.push(ClientAction::Send(payload));
    }

    fn backlog(&self) -> u64 {
        self.emitted.saturating_sub(self.sent)
    }

    fn committed(&self) -> u64 {
        (self.sent - self.phase_base) + self.backlog()
    }

    fn publish(&mut self, now_ms: u64) {
        if now_ms >= self.since_ms + self.duration_ms {
            self.end_publish(now_ms);
            self.send(packet(names::STOP_PUBLISH, empty()));
            self.begin(ClientPhase::StoppingPublish, now_ms, 0);
            return;
        }
        let len = self.filler.len() as u64;
        while self.backlog() + len <= MAX_BACKLOG
            && now_ms >= send_allowed_at(self.since_ms, self.committed(), len, self.limit_kbps)
        {
            let f = self.filler.clone();
            self.send(f);
        }
    }

    fn end_publish(&mut self, now_ms: u64) {
        self.measured.publish_bytes = self.sent - self.phase_base;
        self.measured.publish_time_ms = now_ms.saturating_sub(self.since_ms);
    }
}
