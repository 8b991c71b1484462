//! The client loop of `srs-bandwidth-check`: SRS's bandwidth test over a
//! non-blocking `TcpStream`, driving [`srs_rtmp::bandwidth::BandwidthClient`].
//!
//! One thread: each turn reads until `WouldBlock`, hands the server's calls
//! to the state machine, polls it, writes until `WouldBlock`, then sleeps
//! about a millisecond when nothing moved. Reads and writes never wait on each
//! other, so the publish filler goes out while the server's answers come in.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use bytes::Buf;
use srs_core::FastRng;
use srs_rtmp::bandwidth::{
    BandwidthClient, BandwidthReport, ClientAction, ClientMeasurement, ClientPhase,
};
use srs_rtmp::session::client::{ClientConfig, ClientEvent, ClientSession};
use srs_rtmp::url::RequestUrl;

use crate::error::{ToolError, ToolResult};
use crate::net;

/// Settings of one check.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// How long to wait for the handshake and the connect answer.
    pub connect_timeout: Duration,
    /// How long to wait, once connected, for the server to start the test.
    pub start_timeout: Duration,
    /// Upper bound for the whole check.
    pub total_timeout: Duration,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            connect_timeout: Duration::from_secs(10),
            start_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_secs(60),
        }
    }
}

/// What a successful check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckOutcome {
    /// The server's report.
    pub report: BandwidthReport,
    /// What this client saw itself.
    pub measured: ClientMeasurement,
    /// Wall time from the TCP connection to the report, in ms.
    pub elapsed_ms: u64,
}

impl CheckOutcome {
    /// SRS-like JSON (the fields `srs_bandwidth_check` prints, plus bytes and times).
    pub fn to_json(&self) -> String {
        let r = &self.report;
        format!(
            "{{\"code\":0, \"duration\":{}, \"play_duration\":{}, \"publish_duration\":{}, \
             \"play_kbps\":{}, \"publish_kbps\":{}, \"play_bytes\":{}, \"publish_bytes\":{}, \
             \"start_time\":{}, \"end_time\":{}}}",
            r.end_time_ms.saturating_sub(r.start_time_ms),
            r.play_time_ms,
            r.publish_time_ms,
            r.play_kbps,
            r.publish_kbps,
            r.play_bytes,
            r.publish_bytes,
            r.start_time_ms,
            r.end_time_ms
        )
    }

    /// The human-readable lines.
    pub fn to_text(&self) -> String {
        let r = &self.report;
        format!(
            "play:     {} kbps ({} bytes in {} ms)\n\
             publish:  {} kbps ({} bytes in {} ms)\n\
             duration: {} ms ({}+{}), check took {} ms",
            r.play_kbps,
            r.play_bytes,
            r.play_time_ms,
            r.publish_kbps,
            r.publish_bytes,
            r.publish_time_ms,
            r.end_time_ms.saturating_sub(r.start_time_ms),
            r.play_time_ms,
            r.publish_time_ms,
            self.elapsed_ms
        )
    }
}

/// JSON for a failure, with SRS's non-zero `code`.
pub fn failure_json(message: &str) -> String {
    let escaped: String = message
        .chars()
        .flat_map(|c| match c {
            '"' => vec!['\\', '"'],
            '\\' => vec!['\\', '\\'],
            c if (c as u32) < 0x20 => vec![' '],
            c => vec![c],
        })
        .collect();
    format!("{{\"code\":1, \"msg\":\"{escaped}\"}}")
}

/// Parses a bandwidth URL `rtmp://host[:port]/app?key=...&vhost=...`: the
/// client config (tcUrl with the query) and the address to connect to.
pub fn parse_url(url: &str) -> ToolResult<(ClientConfig, String, u16)> {
    let (config, _stream) =
        ClientConfig::from_url(url).map_err(|e| ToolError::usage(format!("bad URL: {e}")))?;
    let req = RequestUrl::from_connect(&config.tc_url, &config.app)
        .map_err(|e| ToolError::usage(format!("bad URL {url:?}: {e}")))?;
    let host = req
        .host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    Ok((config, host, req.port))
}

/// Runs the whole check against `url`; `progress` gets one line per step.
pub fn check(
    url: &str,
    options: &CheckOptions,
    mut progress: impl FnMut(&str),
) -> ToolResult<CheckOutcome> {
    let (config, host, port) = parse_url(url)?;
    let started = Instant::now();
    let now = || started.elapsed().as_millis() as u64;
    let tcp = net::connect_tcp(&host, port)?;
    tcp.set_nonblocking(true)?;
    progress(&format!("connected to {host}:{port}"));
    let epoch = (srs_core::clock::unix_ms() / 1000) as u32;
    let mut session = ClientSession::new(config, FastRng::from_entropy(), epoch);
    let mut io = Io {
        tcp,
        buf: vec![0; 64 * 1024],
    };
    let mut bw: Option<BandwidthClient> = None;
    let mut result: Option<BandwidthReport> = None;
    let deadline = options.total_timeout.as_millis() as u64;
    let connect_deadline = options.connect_timeout.as_millis() as u64;
    let start_timeout = options.start_timeout.as_millis() as u64;
    let mut last_phase = None;
    loop {
        let t = now();
        if t >= deadline {
            return Err(ToolError::new(format!(
                "the bandwidth check did not finish within {} s",
                options.total_timeout.as_secs()
            )));
        }
        if bw.is_none() && t >= connect_deadline {
            return Err(ToolError::new(format!(
                "no answer to connect within {} s",
                options.connect_timeout.as_secs()
            )));
        }
        let mut moved = false;

        // Read everything available.
        loop {
            match io.read() {
                Ok(Some(data)) => {
                    moved = true;
                    if let Some(b) = bw.as_mut() {
                        b.on_bytes_received(data.len() as u64);
                    }
                    session.feed(&data)?;
                }
                Ok(None) => break,
                Err(Eof) => {
                    if result.is_some() {
                        break;
                    }
                    return Err(ToolError::new(closed_message(
                        bw.as_ref().map(|b| b.phase()),
                    )));
                }
            }
            while let Some(e) = session.poll_event() {
                match e {
                    ClientEvent::Connected => {
                        progress("connect accepted, waiting for the server to start the test");
                        bw = Some(BandwidthClient::new(now(), start_timeout));
                    }
                    ClientEvent::Rejected { code, description } => {
                        return Err(ToolError::new(format!(
                            "refused by the server: {code} ({description})"
                        )))
                    }
                    ClientEvent::Call { name, args, .. } => {
                        if let Some(b) = bw.as_mut() {
                            b.on_call(&name, &args, now());
                        }
                    }
                    _ => {}
                }
            }
        }

        // Advance the test.
        if let Some(b) = bw.as_mut() {
            for action in b.poll(now()) {
                match action {
                    ClientAction::Send(p) => session.send_stream_command(p),
                    ClientAction::Done(report) => result = Some(report),
                    ClientAction::Failed(f) => return Err(ToolError::new(f.to_string())),
                }
            }
            let phase = b.phase();
            if last_phase != Some(phase) {
                last_phase = Some(phase);
                if let Some(line) = phase_line(phase) {
                    progress(line);
                }
            }
        }

        // Write what we can.
        let out = session.out_queue();
        while out.has_remaining() {
            match io.tcp.write(out.chunk()) {
                Ok(0) => return Err(ToolError::new("the server closed the connection")),
                Ok(n) => {
                    out.advance(n);
                    moved = true;
                    if let Some(b) = bw.as_mut() {
                        b.on_bytes_sent(n as u64);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(ToolError::new(format!("write to the server: {e}"))),
            }
        }
        let flushed = !session.out_queue().has_remaining();

        if let (Some(report), true) = (result, flushed) {
            let measured = bw.as_ref().map(|b| b.measured()).unwrap_or_default();
            return Ok(CheckOutcome {
                report,
                measured,
                elapsed_ms: now(),
            });
        }
        if !moved {
            let wake = bw.as_ref().and_then(|b| b.next_wakeup_ms());
            let wait = match wake {
                Some(w) => w.saturating_sub(now()).min(1),
                None => 1,
            };
            if wait > 0 {
                std::thread::sleep(Duration::from_millis(wait));
            }
        }
    }
}

fn phase_line(phase: ClientPhase) -> Option<&'static str> {
    Some(match phase {
        ClientPhase::Playing => "play phase: receiving from the server",
        ClientPhase::Publishing => "publish phase: sending to the server",
        ClientPhase::WaitingReport => "waiting for the report",
        _ => return None,
    })
}

fn closed_message(phase: Option<ClientPhase>) -> String {
    match phase {
        None => "the server closed the connection before answering connect: \
                 is the vhost's bandcheck enabled and the key right?"
            .to_string(),
        Some(ClientPhase::WaitingStart) => "the server closed the connection without starting \
                                           a bandwidth test: is the vhost's bandcheck enabled \
                                           and the key right? (a server also refuses a check \
                                           within `interval` seconds of the previous one)"
            .to_string(),
        Some(p) => format!("the server closed the connection during the test (phase {p:?})"),
    }
}

/// The socket reader: `Ok(None)` = nothing more for now.
struct Io {
    tcp: TcpStream,
    buf: Vec<u8>,
}

/// The peer closed (or reset) the connection.
struct Eof;

impl Io {
    fn read(&mut self) -> Result<Option<Vec<u8>>, Eof> {
        loop {
            match self.tcp.read(&mut self.buf) {
                Ok(0) => return Err(Eof),
                Ok(n) => return Ok(Some(self.buf[..n].to_vec())),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(None),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => return Err(Eof),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let (c, host, port) = parse_url(
            "rtmp://127.0.0.1:19350/app?key=35c9b402c12a7246868752e2878f7e0e&vhost=bandcheck.srs.com",
        )
        .expect("parses");
        assert_eq!((host.as_str(), port), ("127.0.0.1", 19350));
        assert!(c.tc_url.contains("key=35c9b402c12a7246868752e2878f7e0e"));
        let (_, host, port) = parse_url("rtmp://example.com/app?key=k,vhost=v").expect("parses");
        assert_eq!((host.as_str(), port), ("example.com", 1935));
        for bad in ["http://h/app", "rtmp://h", "rtmp://h:x/app", "nonsense"] {
            assert!(parse_url(bad).unwrap_err().usage, "{bad}");
        }
    }

    #[test]
    fn json_and_text() {
        let o = CheckOutcome {
            report: BandwidthReport {
                start_time_ms: 1000,
                end_time_ms: 7005,
                play_kbps: 3990,
                publish_kbps: 3980,
                play_bytes: 1_496_000,
                publish_bytes: 1_492_000,
                play_time_ms: 3000,
                publish_time_ms: 2999,
            },
            measured: ClientMeasurement::default(),
            elapsed_ms: 6100,
        };
        let j = o.to_json();
        assert!(j.starts_with("{\"code\":0, \"duration\":6005,"), "{j}");
        assert!(j.contains("\"play_kbps\":3990") && j.contains("\"publish_kbps\":3980"));
        let t = o.to_text();
        assert!(
            t.contains("play:     3990 kbps (1496000 bytes in 3000 ms)"),
            "{t}"
        );
        assert_eq!(
            failure_json("a \"b\"\n"),
            "{\"code\":1, \"msg\":\"a \\\"b\\\" \"}"
        );
    }
}
