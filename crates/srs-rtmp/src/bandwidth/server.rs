//! The server end of the bandwidth test.
//!
//! Created once the connect of a bandcheck client was accepted (the key in
//! its tcUrl checked). The driver then, for this connection only:
//!
//! 1. reports every socket read and write: [`BandwidthServer::on_bytes_received`]
//!    and [`BandwidthServer::on_bytes_sent`] (what `read`/`write` returned);
//! 2. passes each `ServerEvent::Call` to [`BandwidthServer::on_call`];
//! 3. after the events of a turn, and whenever `now >= next_wakeup_ms()`,
//!    calls [`BandwidthServer::poll`] and carries out the actions: `Send` goes
//!    out with `ServerSession::send_connection_command` (message stream 0),
//!    `Finished` / `Failed` end the test: flush, then close the connection;
//! 4. optionally honours [`BandwidthServer::read_allowed`] (SRS throttles its
//!    reads in the publish phase so a client cannot exceed `limit_kbps`).

use bytes::Bytes;
use srs_kernel::Amf0Value;

use super::{
    filler, filler_size, kbps, names, packet, send_allowed_at, BandwidthReport,
    DEFAULT_SAMPLE_DURATION_MS, FLASH_FINAL_WAIT_MS,
};

/// Most filler bytes queued but not yet written; the play phase waits for the
/// socket beyond that, so a slow client measures its link, not our queue.
pub const MAX_BACKLOG: u64 = 128 * 1024;

/// How often a play phase stalled on [`MAX_BACKLOG`] looks again.
const BACKLOG_RETRY_MS: u64 = 5;

/// Shortest wait for a client's answer.
const MIN_ANSWER_TIMEOUT_MS: u64 = 5000;

/// The settings of one test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BandwidthServerConfig {
    /// The vhost's `bandcheck.limit_kbps`: the play filler never exceeds it
    /// and the client is told to publish at most that much. 0 = no limit.
    pub limit_kbps: u64,
    /// Length of the play phase (SRS: 3000 ms).
    pub play_duration_ms: u64,
    /// Length of the publish phase (SRS: 3000 ms).
    pub publish_duration_ms: u64,
    /// The client is Flash (its connect had a `swfUrl`): it never sends
    /// `onSrsBandCheckStoppedPublishBytes` nor `finalClientPacket`.
    pub flash: bool,
    /// Added to `now_ms` for the report's `start_time` / `end_time`; give
    /// `unix_ms - now_ms` for SRS's Unix-epoch times.
    pub unix_offset_ms: u64,
}

impl BandwidthServerConfig {
    /// SRS's defaults (3 s phases) for a limit.
    pub fn new(limit_kbps: u64) -> Self {
        BandwidthServerConfig {
            limit_kbps,
            play_duration_ms: DEFAULT_SAMPLE_DURATION_MS,
            publish_duration_ms: DEFAULT_SAMPLE_DURATION_MS,
            flash: false,
            unix_offset_ms: 0,
        }
    }
}

/// What the driver must do.
#[derive(Debug, Clone, PartialEq)]
pub enum BandwidthAction {
    /// Send this AMF0 command on the NetConnection (message stream 0).
    Send(Bytes),
    /// The test is over: flush what is queued, then close the connection.
    Finished(BandwidthReport),
    /// The client stopped answering (or broke the protocol): close the connection.
    Failed(String),
}

/// Where the server is in the test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerPhase {
    /// Nothing sent yet (the first `poll` sends the start of the play phase).
    Idle,
    /// `onSrsBandCheckStartPlayBytes` sent, waiting for the client's answer.
    StartingPlay,
    /// Sending play filler.
    Playing,
    /// `onSrsBandCheckStopPlayBytes` sent, waiting for the client's answer.
    StoppingPlay,
    /// `onSrsBandCheckStartPublishBytes` sent, waiting for the client's answer.
    StartingPublish,
    /// Counting what the client sends.
    Publishing,
    /// `onSrsBandCheckStopPublishBytes` sent, waiting for the client's answer.
    StoppingPublish,
    /// Report sent, waiting for `finalClientPacket` (or the Flash linger).
    Reporting,
    /// Finished or failed.
    Done,
}

/// One phase's figures.
#[derive(Debug, Clone, Copy, Default)]
struct Sample {
    bytes: u64,
    ms: u64,
}

/// The server's state machine. See the module docs for the call order.
#[derive(Debug)]
pub struct BandwidthServer {
    config: BandwidthServerConfig,
    phase: ServerPhase,
    /// When the current phase (or wait) began.
    since_ms: u64,
    last_poll_ms: u64,
    start_ms: u64,
    end_ms: u64,
    /// Socket bytes written / read, as reported by the driver.
    sent: u64,
    received: u64,
    /// Bytes of the packets this machine handed out.
    emitted: u64,
    /// `sent` / `received` when the current phase began.
    phase_base: u64,
    filler: Bytes,
    play: Sample,
    publish: Sample,
    out: Vec<BandwidthAction>,
}

impl BandwidthServer {
    /// A test that starts at the first [`poll`](Self::poll).
    pub fn new(config: BandwidthServerConfig, now_ms: u64) -> Self {
        let filler = filler(names::PLAYING, filler_size(config.limit_kbps));
        BandwidthServer {
            config,
            phase: ServerPhase::Idle,
            since_ms: now_ms,
            last_poll_ms: now_ms,
            start_ms: now_ms,
            end_ms: now_ms,
            sent: 0,
            received: 0,
            emitted: 0,
            phase_base: 0,
            filler,
            play: Sample::default(),
            publish: Sample::default(),
            out: Vec::new(),
        }
    }

    /// The current phase.
    pub fn phase(&self) -> ServerPhase {
        self.phase
    }

    /// True once `Finished` or `Failed` was returned.
    pub fn is_done(&self) -> bool {
        self.phase == ServerPhase::Done
    }

    /// The settings.
    pub fn config(&self) -> &BandwidthServerConfig {
        &self.config
    }

    /// Reports `n` bytes written to the socket (any message, any time).
    pub fn on_bytes_sent(&mut self, n: u64) {
        self.sent += n;
    }

    /// Reports `n` bytes read from the socket (any message, any time).
    pub fn on_bytes_received(&mut self, n: u64) {
        self.received += n;
    }

    /// False while the client publishes faster than `limit_kbps`: a driver
    /// that wants SRS's read throttling stops reading until then (and polls
    /// again at [`next_wakeup_ms`](Self::next_wakeup_ms)).
    pub fn read_allowed(&self, now_ms: u64) -> bool {
        match self.read_allowed_at() {
            Some(at) => now_ms >= at,
            None => true,
        }
    }

    fn read_allowed_at(&self) -> Option<u64> {
        if self.phase != ServerPhase::Publishing || self.config.limit_kbps == 0 {
            return None;
        }
        let got = self.received - self.phase_base;
        Some(send_allowed_at(
            self.since_ms,
            got,
            0,
            self.config.limit_kbps,
        ))
    }

    /// A call from the client (`ServerEvent::Call`). Answers are queued for
    /// the next [`poll`](Self::poll); unknown or out-of-order calls are
    /// ignored, as SRS does (filler included).
    pub fn on_call(&mut self, name: &str, args: &[Amf0Value], now_ms: u64) {
        let _ = args;
        match (self.phase, name) {
            (ServerPhase::StartingPlay, names::STARTING_PLAY) => {
                self.begin(ServerPhase::Playing, now_ms, self.sent);
            }
            (ServerPhase::StoppingPlay, names::STOPPED_PLAY) => self.start_publish(now_ms),
            (ServerPhase::StartingPublish, names::STARTING_PUBLISH) => {
                self.begin(ServerPhase::Publishing, now_ms, self.received);
            }
            (ServerPhase::Publishing, names::STOP_PUBLISH) => self.stop_publish(now_ms),
            (ServerPhase::StoppingPublish, names::STOPPED_PUBLISH) => self.report(now_ms),
            (ServerPhase::Reporting, names::FINAL) if !self.config.flash => self.finish(),
            _ => {}
        }
    }

    /// Advances the test and returns what to do, in order.
    pub fn poll(&mut self, now_ms: u64) -> Vec<BandwidthAction> {
        self.last_poll_ms = now_ms;
        match self.phase {
            ServerPhase::Idle => {
                self.start_ms = now_ms;
                let data = self.start_data(self.config.play_duration_ms);
                self.send(packet(names::START_PLAY, data));
                self.begin(ServerPhase::StartingPlay, now_ms, 0);
            }
            ServerPhase::Playing => self.play(now_ms),
            ServerPhase::Publishing => {
                if now_ms >= self.since_ms + self.config.publish_duration_ms {
                    self.stop_publish(now_ms);
                }
            }
            ServerPhase::Reporting => {
                let linger = if self.config.flash {
                    FLASH_FINAL_WAIT_MS
                } else {
                    self.answer_timeout()
                };
                // A client that never sends finalClientPacket still got its
                // report: SRS ignores that error.
                if now_ms >= self.since_ms + linger {
                    self.finish();
                }
            }
            ServerPhase::StartingPlay
            | ServerPhase::StoppingPlay
            | ServerPhase::StartingPublish
            | ServerPhase::StoppingPublish => {
                if now_ms >= self.since_ms + self.answer_timeout() {
                    let what = match self.phase {
                        ServerPhase::StartingPlay => names::STARTING_PLAY,
                        ServerPhase::StoppingPlay => names::STOPPED_PLAY,
                        ServerPhase::StartingPublish => names::STARTING_PUBLISH,
                        _ => names::STOPPED_PUBLISH,
                    };
                    self.phase = ServerPhase::Done;
                    self.out.push(BandwidthAction::Failed(format!(
                        "bandwidth test: no {what} from the client within {} ms",
                        self.answer_timeout()
                    )));
                }
            }
            ServerPhase::Done => {}
        }
        std::mem::take(&mut self.out)
    }

    /// When [`poll`](Self::poll) has something to do next (`None` once done).
    pub fn next_wakeup_ms(&self) -> Option<u64> {
        if !self.out.is_empty() {
            return Some(self.last_poll_ms);
        }
        match self.phase {
            ServerPhase::Idle => Some(self.since_ms),
            ServerPhase::Playing => {
                let end = self.since_ms + self.config.play_duration_ms;
                let next = if self.backlog() + self.filler.len() as u64 > MAX_BACKLOG {
                    self.last_poll_ms + BACKLOG_RETRY_MS
                } else {
                    send_allowed_at(
                        self.since_ms,
                        self.committed(),
                        self.filler.len() as u64,
                        self.config.limit_kbps,
                    )
                };
                Some(next.min(end))
            }
            ServerPhase::Publishing => {
                let end = self.since_ms + self.config.publish_duration_ms;
                Some(match self.read_allowed_at() {
                    Some(at) if at > self.last_poll_ms => at.min(end),
                    _ => end,
                })
            }
            ServerPhase::Reporting if self.config.flash => {
                Some(self.since_ms + FLASH_FINAL_WAIT_MS)
            }
            ServerPhase::Done => None,
            _ => Some(self.since_ms + self.answer_timeout()),
        }
    }

    fn answer_timeout(&self) -> u64 {
        let longest = self
            .config
            .play_duration_ms
            .max(self.config.publish_duration_ms);
        (2 * longest).max(MIN_ANSWER_TIMEOUT_MS)
    }

    fn begin(&mut self, phase: ServerPhase, now_ms: u64, base: u64) {
        self.phase = phase;
        self.since_ms = now_ms;
        self.phase_base = base;
    }

    fn send(&mut self, payload: Bytes) {
        self.emitted += payload.len() as u64;
        self.out.push(BandwidthAction::Send(payload));
    }

    /// Emitted but not yet written (an under-estimate: chunk headers and
    /// control messages count as written).
    fn backlog(&self) -> u64 {
        self.emitted.saturating_sub(self.sent)
    }

    /// Bytes of the play phase written or on their way.
    fn committed(&self) -> u64 {
        (self.sent - self.phase_base) + self.backlog()
    }

    fn start_data(&self, duration_ms: u64) -> Amf0Value {
        let n = |v: u64| Amf0Value::Number(v as f64);
        Amf0Value::object(vec![
            ("limit_kbps", n(self.config.limit_kbps)),
            ("duration_ms", n(duration_ms)),
            ("interval_ms", n(0)),
        ])
    }

    fn stop_data(&self, duration_ms: u64, sample: Sample) -> Amf0Value {
        let n = |v: u64| Amf0Value::Number(v as f64);
        Amf0Value::object(vec![
            ("duration_ms", n(duration_ms)),
            ("interval_ms", n(0)),
            ("duration_delta", n(sample.ms)),
            ("bytes_delta", n(sample.bytes)),
        ])
    }

    fn play(&mut self, now_ms: u64) {
        let elapsed = now_ms.saturating_sub(self.since_ms);
        if elapsed >= self.config.play_duration_ms {
            self.play = Sample {
                bytes: self.sent - self.phase_base,
                ms: elapsed,
            };
            let data = self.stop_data(self.config.play_duration_ms, self.play);
            self.send(packet(names::STOP_PLAY, data));
            self.begin(ServerPhase::StoppingPlay, now_ms, 0);
            return;
        }
        let len = self.filler.len() as u64;
        while self.backlog() + len <= MAX_BACKLOG
            && now_ms
                >= send_allowed_at(self.since_ms, self.committed(), len, self.config.limit_kbps)
        {
            let f = self.filler.clone();
            self.send(f);
        }
    }

    fn start_publish(&mut self, now_ms: u64) {
        let data = self.start_data(self.config.publish_duration_ms);
        self.send(packet(names::START_PUBLISH, data));
        self.begin(ServerPhase::StartingPublish, now_ms, 0);
    }

    fn stop_publish(&mut self, now_ms: u64) {
        self.publish = Sample {
            bytes: self.received - self.phase_base,
            ms: now_ms.saturating_sub(self.since_ms),
        };
        let data = self.stop_data(self.config.publish_duration_ms, self.publish);
        self.send(packet(names::STOP_PUBLISH, data));
        if self.config.flash {
            // Flash never answers: its queue is full of publish filler.
            self.report(now_ms);
        } else {
            self.begin(ServerPhase::StoppingPublish, now_ms, 0);
        }
    }

    fn report_value(&self) -> BandwidthReport {
        BandwidthReport {
            start_time_ms: self.start_ms + self.config.unix_offset_ms,
            end_time_ms: self.end_ms + self.config.unix_offset_ms,
            play_kbps: kbps(self.play.bytes, self.play.ms),
            publish_kbps: kbps(self.publish.bytes, self.publish.ms),
            play_bytes: self.play.bytes,
            publish_bytes: self.publish.bytes,
            play_time_ms: self.play.ms,
            publish_time_ms: self.publish.ms,
        }
    }

    fn report(&mut self, now_ms: u64) {
        self.end_ms = now_ms;
        let data = self.report_value().to_amf0();
        self.send(packet(names::FINISHED, data));
        self.begin(ServerPhase::Reporting, now_ms, 0);
    }

    fn finish(&mut self) {
        self.phase = ServerPhase::Done;
        let report = self.report_value();
        self.out.push(BandwidthAction::Finished(report));
    }
}
