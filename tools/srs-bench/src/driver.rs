//! The one mio event loop that runs every bench connection.
//!
//! Sockets are registered once, edge-triggered, for READABLE | WRITABLE. On a
//! readable event a connection reads until `WouldBlock` into the loop's shared
//! 64 KB buffer and feeds its session; the session's events are drained at once
//! (received media is only counted) and its output is written with `writev`
//! until `WouldBlock` (the writable event resumes it). The poll timeout is the
//! nearest of: the next per-second tick, the next ramp slot, the next tag due
//! from a publisher, the end of the run.

use std::io;
use std::io::Read as _;
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};
use srs_core::FastRng;
use srs_rtmp::session::client::{ClientConfig, ClientEvent, ClientSession};

use crate::args::{stream_name, Args};
use crate::conn::{Conn, Pacer, Phase, PublishFile, Role};
use crate::procstat::{ProcSample, ProcWatcher};
use crate::stats::{mbps, Counters, FailKind, RateWindow, Rates};

/// Size of the read buffer shared by all connections.
const READ_BUF: usize = 64 * 1024;
/// Time given to publishers to fill the server's gop cache before players start.
const WARMUP: Duration = Duration::from_secs(1);
/// Players that played for less than this are left out of the per-player rates.
const MIN_RATE_WINDOW: Duration = Duration::from_secs(1);

/// One per-second progress report.
#[derive(Debug, Clone)]
pub struct Tick {
    /// Seconds since the start.
    pub elapsed: f64,
    /// Players started so far.
    pub players_started: usize,
    /// Players requested.
    pub players: usize,
    /// Players playing now.
    pub playing: usize,
    /// Publishers publishing now.
    pub publishing: usize,
    /// Players and publishers failed so far.
    pub failed: usize,
    /// Receive rates of the last second.
    pub rates: Rates,
    /// Server CPU % of the last second.
    pub server_cpu: Option<f64>,
    /// Server RSS in MB (2^20).
    pub server_rss_mb: Option<f64>,
    /// This bench's CPU % of the last second.
    pub bench_cpu: Option<f64>,
}

/// Where the run settled: every player started and either playing or failed.
#[derive(Debug, Clone)]
pub struct Steady {
    /// When.
    pub at: Instant,
    /// Player bytes received by then.
    pub player_bytes: u64,
    /// Player messages received by then.
    pub player_msgs: u64,
    /// Server sample then.
    pub server: Option<ProcSample>,
    /// This bench's sample then.
    pub bench: Option<ProcSample>,
}

/// What the run measured.
pub struct Outcome {
    /// Counters at the end.
    pub counters: Counters,
    /// Run time.
    pub elapsed: Duration,
    /// Players that received a video frame.
    pub players_with_video: usize,
    /// Receive rate of each player playing at the end (Mbps), over the settled
    /// window (or its whole playing time if the run never settled).
    pub player_mbps: Vec<f64>,
    /// Steady-state window length and rates, if any.
    pub steady_rates: Option<(Duration, Rates)>,
    /// Server: pid, CPU % over the run, CPU % over the steady window, max RSS bytes.
    pub server: Option<ServerUse>,
    /// This bench's CPU % of one core: whole run, steady window.
    pub bench_cpu: (Option<f64>, Option<f64>),
    /// First error message of each kind.
    pub examples: Vec<(FailKind, String)>,
}

/// The server's resource use.
#[derive(Debug, Clone)]
pub struct ServerUse {
    /// Its pid.
    pub pid: u32,
    /// CPU % of one core over the whole run.
    pub cpu_avg: f64,
    /// CPU % over the steady window.
    pub cpu_steady: Option<f64>,
    /// Largest RSS seen, in bytes.
    pub rss_max: u64,
}

struct Ctx {
    counters: Counters,
    names: Vec<String>,
    file: Option<PublishFile>,
    examples: Vec<(FailKind, String)>,
}

impl Ctx {
    fn fail(&mut self, c: &mut Conn, kind: FailKind, detail: impl FnOnce() -> String) {
        if c.phase == Phase::Failed {
            return;
        }
        match c.phase {
            Phase::Playing => self.counters.playing -= 1,
            Phase::Publishing => self.counters.publishing -= 1,
            _ => {}
        }
        match c.role {
            Role::Player => self.counters.players_failed += 1,
            Role::Publisher => self.counters.publishers_failed += 1,
        }
        self.counters.fail(kind);
        if !self.examples.iter().any(|(k, _)| *k == kind) {
            let role = match c.role {
                Role::Player => "player",
                Role::Publisher => "publisher",
            };
            self.examples.push((
                kind,
                format!("{role} of {}: {}", self.names[c.stream as usize], detail()),
            ));
        }
        c.close();
    }
}

/// The event loop and its connections.
pub struct Driver {
    args: Args,
    poll: Poll,
    addr: SocketAddr,
    config: ClientConfig,
    conns: Vec<Conn>,
    buf: Box<[u8]>,
    rng: FastRng,
    epoch: u32,
    ctx: Ctx,
    watcher: Option<ProcWatcher>,
    me: ProcWatcher,
    publishers_started: usize,
    players_started: usize,
    players_from: Option<Instant>,
}

/// Resolves the host and port of an `rtmp://host[:port]/...` URL.
fn resolve(url: &str) -> Result<SocketAddr, String> {
    let rest = url.strip_prefix("rtmp://").unwrap_or(url);
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let with_port = if authority.ends_with(']') || !authority.contains(':') {
        format!("{authority}:1935")
    } else {
        authority.to_string()
    };
    with_port
        .to_socket_addrs()
        .map_err(|e| format!("resolve {with_port}: {e}"))?
        .next()
        .ok_or_else(|| format!("resolve {with_port}: no address"))
}

impl Driver {
    /// Prepares a run: parses the URL, loads the file to publish.
    pub fn new(args: Args) -> Result<Driver, String> {
        let (config, stream) = ClientConfig::from_url(&args.url).map_err(|e| e.to_string())?;
        if stream.is_empty() {
            return Err(format!("{}: the URL has no stream name", args.url));
        }
        let addr = resolve(&args.url)?;
        let file = match &args.publish {
            Some(p) => Some(PublishFile::load(p)?),
            None => None,
        };
        let names = (0..args.streams).map(|i| stream_name(&stream, i)).collect();
        let epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as u32)
            .unwrap_or(0);
        Ok(Driver {
            poll: Poll::new().map_err(|e| format!("create poll: {e}"))?,
            addr,
            config,
            conns: Vec::with_capacity(args.players + args.publishers),
            buf: vec![0u8; READ_BUF].into_boxed_slice(),
            rng: FastRng::from_entropy(),
            epoch,
            ctx: Ctx {
                counters: Counters::new(),
                names,
                file,
                examples: Vec::new(),
            },
            watcher: args.server_pid.map(ProcWatcher::new),
            me: ProcWatcher::new(std::process::id()),
            publishers_started: 0,
            players_started: 0,
            players_from: None,
            args,
        })
    }

    /// Runs for the configured duration, calling `on_tick` every second.
    pub fn run(mut self, mut on_tick: impl FnMut(&Tick)) -> Result<Outcome, String> {
        let mut events = Events::with_capacity(1024);
        let start = Instant::now();
        let end = start + self.args.duration;
        let second = Duration::from_secs(1);
        let mut next_tick = start + second;
        let mut window = RateWindow::new(start, &self.ctx.counters);
        let first_sample = self.watcher.as_ref().and_then(|w| w.sample());
        let mut last_sample = first_sample;
        let mut rss_max = first_sample.map(|s| s.rss_bytes).unwrap_or(0);
        let me_first = self.me.sample();
        let mut me_last = me_first;
        let mut steady: Option<Steady> = None;
        if self.args.publishers == 0 {
            self.players_from = Some(start);
        }
        loop {
            let now = Instant::now();
            if now >= end {
                break;
            }
            self.start_connections(now, start);
            self.pump_publishers(now);
            if steady.is_none() && self.settled() {
                // Per-player rates are measured from here on: the gop-cache burst
                // each player gets at its start stays out of them.
                for c in &mut self.conns {
                    if c.phase == Phase::Playing {
                        c.rate_since = Some(now);
                        c.rate_bytes = c.bytes;
                    }
                }
                steady = Some(Steady {
                    at: now,
                    player_bytes: self.ctx.counters.player_bytes,
                    player_msgs: self.ctx.counters.player_msgs,
                    server: self.watcher.as_ref().and_then(|w| w.sample()),
                    bench: self.me.sample(),
                });
            }
            if now >= next_tick {
                self.check_timeouts(now);
                let sample = self.watcher.as_ref().and_then(|w| w.sample());
                let cpu = match (&self.watcher, &last_sample, &sample) {
                    (Some(w), Some(a), Some(b)) => Some(w.cpu_percent(a, b)),
                    _ => None,
                };
                if let Some(s) = sample {
                    rss_max = rss_max.max(s.rss_bytes);
                    last_sample = Some(s);
                }
                let me = self.me.sample();
                let bench_cpu = match (&me_last, &me) {
                    (Some(a), Some(b)) => Some(self.me.cpu_percent(a, b)),
                    _ => None,
                };
                if me.is_some() {
                    me_last = me;
                }
                let c = &self.ctx.counters;
                on_tick(&Tick {
                    elapsed: now.duration_since(start).as_secs_f64(),
                    players_started: self.players_started,
                    players: self.args.players,
                    playing: c.playing,
                    publishing: c.publishing,
                    failed: c.players_failed + c.publishers_failed,
                    rates: window.roll(now, c),
                    server_cpu: cpu,
                    server_rss_mb: sample.map(|s| s.rss_bytes as f64 / 1048576.0),
                    bench_cpu,
                });
                while next_tick <= now {
                    next_tick += second;
                }
            }
            let mut wake = end.min(next_tick);
            if let Some(t) = self.next_ramp_slot(start) {
                wake = wake.min(t);
            }
            if let Some(t) = self.next_publish_due() {
                wake = wake.min(t);
            }
            let timeout = wake.saturating_duration_since(Instant::now());
            match self.poll.poll(&mut events, Some(timeout)) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(format!("poll: {e}")),
            }
            for ev in events.iter() {
                let i = ev.token().0;
                let closing = ev.is_read_closed() || ev.is_error();
                let read = match (ev.is_readable() || closing, closing) {
                    (false, _) => Read::No,
                    (true, false) => Read::UntilShort,
                    (true, true) => Read::UntilWouldBlock,
                };
                self.on_ready(i, read);
            }
        }
        let now = Instant::now();
        let final_sample = self.watcher.as_ref().and_then(|w| w.sample());
        let me_final = self.me.sample();
        let bench_cpu = match (me_first, me_final) {
            (Some(a), Some(b)) => (
                Some(self.me.cpu_percent(&a, &b)),
                steady
                    .as_ref()
                    .and_then(|s| s.bench.as_ref())
                    .filter(|s| b.at.saturating_duration_since(s.at) >= MIN_RATE_WINDOW)
                    .map(|s| self.me.cpu_percent(s, &b)),
            ),
            _ => (None, None),
        };
        if let Some(s) = final_sample {
            rss_max = rss_max.max(s.rss_bytes);
        }
        let c = &self.ctx.counters;
        let steady_rates = steady.as_ref().and_then(|s| {
            let d = now.saturating_duration_since(s.at);
            (d >= MIN_RATE_WINDOW).then(|| {
                let secs = d.as_secs_f64();
                (
                    d,
                    Rates {
                        mbps: mbps(c.player_bytes - s.player_bytes, secs),
                        msgs_per_sec: (c.player_msgs - s.player_msgs) as f64 / secs,
                    },
                )
            })
        });
        let server = match (&self.watcher, first_sample, final_sample) {
            (Some(w), Some(a), Some(b)) => Some(ServerUse {
                pid: w.pid(),
                cpu_avg: w.cpu_percent(&a, &b),
                cpu_steady: steady
                    .as_ref()
                    .and_then(|s| s.server.as_ref())
                    .filter(|s| b.at.saturating_duration_since(s.at) >= MIN_RATE_WINDOW)
                    .map(|s| w.cpu_percent(s, &b)),
                rss_max,
            }),
            _ => None,
        };
        let mut player_mbps = Vec::new();
        let mut players_with_video = 0;
        for conn in &self.conns {
            if conn.role != Role::Player {
                continue;
            }
            if conn.got_video {
                players_with_video += 1;
            }
            if let (Phase::Playing, Some(since)) = (conn.phase, conn.rate_since) {
                let d = now.saturating_duration_since(since);
                if d >= MIN_RATE_WINDOW {
                    player_mbps.push(mbps(conn.bytes - conn.rate_bytes, d.as_secs_f64()));
                }
            }
        }
        // Close every socket now, before the report is printed.
        self.conns.clear();
        Ok(Outcome {
            counters: self.ctx.counters,
            elapsed: now.duration_since(start),
            players_with_video,
            player_mbps,
            steady_rates,
            server,
            bench_cpu,
            examples: self.ctx.examples,
        })
    }

    /// Every player started, none still connecting.
    fn settled(&self) -> bool {
        let c = &self.ctx.counters;
        self.players_started == self.args.players
            && self.args.players > 0
            && c.playing + c.players_failed == self.args.players
    }

    /// How many connections the ramp allows by `now`, counted from `from`.
    fn ramp_allowed(&self, from: Instant, now: Instant) -> usize {
        let secs = now.saturating_duration_since(from).as_secs_f64();
        (secs * f64::from(self.args.ramp)) as usize + 1
    }

    fn next_ramp_slot(&self, start: Instant) -> Option<Instant> {
        let slot = |from: Instant, n: usize| {
            from + Duration::from_secs_f64(n as f64 / f64::from(self.args.ramp))
        };
        if self.publishers_started < self.args.publishers {
            return Some(slot(start, self.publishers_started));
        }
        let from = self.players_from?;
        (self.players_started < self.args.players).then(|| slot(from, self.players_started))
    }

    fn start_connections(&mut self, now: Instant, start: Instant) {
        if self.publishers_started < self.args.publishers {
            let allowed = self.ramp_allowed(start, now).min(self.args.publishers);
            while self.publishers_started < allowed {
                let stream = self.publishers_started as u32;
                self.connect(Role::Publisher, stream);
                self.publishers_started += 1;
            }
        }
        if self.players_from.is_none()
            && self.publishers_started == self.args.publishers
            && self.ctx.counters.publishing + self.ctx.counters.publishers_failed
                == self.args.publishers
        {
            let warmup = if self.ctx.counters.publishing > 0 {
                WARMUP
            } else {
                Duration::ZERO
            };
            self.players_from = Some(now + warmup);
        }
        let Some(from) = self.players_from else {
            return;
        };
        if now < from || self.players_started >= self.args.players {
            return;
        }
        let allowed = self.ramp_allowed(from, now).min(self.args.players);
        while self.players_started < allowed {
            let stream = (self.players_started % self.args.streams) as u32;
            self.connect(Role::Player, stream);
            self.players_started += 1;
        }
    }

    fn connect(&mut self, role: Role, stream: u32) {
        let token = Token(self.conns.len());
        let started = Instant::now();
        let result = TcpStream::connect(self.addr).and_then(|mut sock| {
            self.poll.registry().register(
                &mut sock,
                token,
                Interest::READABLE | Interest::WRITABLE,
            )?;
            Ok(sock)
        });
        match result {
            Ok(sock) => {
                let _ = sock.set_nodelay(true);
                let session = ClientSession::new(
                    self.config.clone(),
                    FastRng::new(self.rng.next_u64()),
                    self.epoch,
                );
                self.conns
                    .push(Conn::new(role, stream, sock, session, started));
            }
            Err(e) => {
                let mut c = Conn::failed(role, stream, started);
                c.phase = Phase::Connecting;
                self.ctx.fail(&mut c, FailKind::from_io(&e, true), || {
                    format!("connect {}: {e}", self.addr)
                });
                self.conns.push(c);
            }
        }
    }

    fn check_timeouts(&mut self, now: Instant) {
        let timeout = self.args.timeout;
        for c in &mut self.conns {
            if matches!(c.phase, Phase::Connecting | Phase::Rtmp)
                && now.saturating_duration_since(c.started) > timeout
            {
                let phase = c.phase;
                let state = c.session.as_ref().map(|s| s.state());
                self.ctx.fail(c, FailKind::Timeout, || {
                    format!("no answer after {timeout:?} ({phase:?}, session {state:?})")
                });
            }
        }
    }

    fn next_publish_due(&self) -> Option<Instant> {
        let file = self.ctx.file.as_ref()?;
        self.conns
            .iter()
            .take(self.publishers_started)
            .filter_map(|c| c.pacer.as_ref().map(|p| p.next_due(file)))
            .min()
    }

    fn pump_publishers(&mut self, now: Instant) {
        for i in 0..self.publishers_started.min(self.conns.len()) {
            if self.conns[i].phase == Phase::Publishing {
                pump(&mut self.conns[i], now, &mut self.ctx);
            }
        }
    }

    fn on_ready(&mut self, i: usize, read: Read) {
        let Some(c) = self.conns.get_mut(i) else {
            return;
        };
        let ctx = &mut self.ctx;
        if c.phase == Phase::Failed {
            return;
        }
        if c.phase == Phase::Connecting {
            let Some(sock) = c.sock.as_ref() else {
                return;
            };
            match sock.take_error() {
                Ok(Some(e)) | Err(e) => {
                    return ctx.fail(c, FailKind::from_io(&e, true), || format!("connect: {e}"))
                }
                Ok(None) => {}
            }
            match sock.peer_addr() {
                Ok(_) => c.phase = Phase::Rtmp,
                Err(e) if e.kind() == io::ErrorKind::NotConnected => return,
                Err(e) => {
                    return ctx.fail(c, FailKind::from_io(&e, true), || format!("connect: {e}"))
                }
            }
        }
        if read != Read::No {
            read_all(c, &mut self.buf, ctx, read);
        }
        flush(c, ctx);
    }
}

/// How far to read a socket on an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Read {
    /// Not readable.
    No,
    /// Until a read returns less than the buffer: a short read of a TCP socket
    /// means its receive queue is empty, and data arriving later raises a new
    /// edge. This saves the `EAGAIN` read, half of all reads at steady state.
    UntilShort,
    /// Until `WouldBlock` or EOF: the peer closed or the socket has an error,
    /// and no further edge will come for it.
    UntilWouldBlock,
}

/// Reads as `mode` says, feeding the session and handling its events.
fn read_all(c: &mut Conn, buf: &mut [u8], ctx: &mut Ctx, mode: Read) {
    loop {
        let Some(sock) = c.sock.as_mut() else {
            return;
        };
        match sock.read(buf) {
            Ok(0) => {
                let phase = c.phase;
                return ctx.fail(c, FailKind::ClosedByServer, || {
                    format!("server closed the connection ({phase:?})")
                });
            }
            Ok(n) => {
                if c.role == Role::Player {
                    c.bytes += n as u64;
                    ctx.counters.player_bytes += n as u64;
                }
                let Some(session) = c.session.as_mut() else {
                    return;
                };
                if let Err(e) = session.feed(&buf[..n]) {
                    return ctx.fail(c, FailKind::Protocol, || e.to_string());
                }
                on_events(c, ctx);
                if c.phase == Phase::Failed || (mode == Read::UntilShort && n < buf.len()) {
                    return;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                let kind = FailKind::from_io(&e, c.phase == Phase::Connecting);
                return ctx.fail(c, kind, || format!("read: {e}"));
            }
        }
    }
}

/// Writes queued output; a write error fails the connection.
fn flush(c: &mut Conn, ctx: &mut Ctx) {
    if c.phase == Phase::Failed {
        return;
    }
    let before = c.bytes;
    match c.flush() {
        Ok(_) => {
            if c.role == Role::Publisher {
                ctx.counters.publisher_bytes += c.bytes - before;
            }
        }
        Err(e) => ctx.fail(c, FailKind::from_io(&e, false), || format!("write: {e}")),
    }
}

/// Drains the session's events. Media is only counted.
fn on_events(c: &mut Conn, ctx: &mut Ctx) {
    loop {
        let Some(session) = c.session.as_mut() else {
            return;
        };
        let Some(ev) = session.poll_event() else {
            return;
        };
        match ev {
            ClientEvent::Media(m) => {
                if c.role != Role::Player {
                    continue;
                }
                ctx.counters.player_msgs += 1;
                if !c.got_video && m.is_video() && !m.is_sequence_header() {
                    c.got_video = true;
                    let latency = c.started.elapsed();
                    ctx.counters.first_frame_us.push(latency.as_micros() as u64);
                    if !m.is_keyframe() {
                        ctx.counters.first_not_keyframe += 1;
                    }
                }
            }
            ClientEvent::Connected => {
                let name = &ctx.names[c.stream as usize];
                let r = match c.role {
                    Role::Player => session.play(name),
                    Role::Publisher => session.publish(name),
                };
                if let Err(e) = r {
                    return ctx.fail(c, FailKind::Protocol, || e.to_string());
                }
            }
            ClientEvent::PlayStarted => {
                c.phase = Phase::Playing;
                c.rate_since = Some(Instant::now());
                c.rate_bytes = c.bytes;
                ctx.counters.playing += 1;
            }
            ClientEvent::PublishStarted => {
                c.phase = Phase::Publishing;
                let now = Instant::now();
                c.rate_since = Some(now);
                c.rate_bytes = c.bytes;
                c.pacer = Some(Pacer::new(now));
                ctx.counters.publishing += 1;
                pump(c, now, ctx);
            }
            ClientEvent::Rejected { code, description } => {
                return ctx.fail(c, FailKind::Rejected, || format!("{code}: {description}"));
            }
            ClientEvent::Status { .. } | ClientEvent::StreamEof | ClientEvent::Call { .. } => {}
            #[allow(unreachable_patterns)]
            _ => {}
        }
    }
}

/// Sends every tag due for a publisher, then flushes.
fn pump(c: &mut Conn, now: Instant, ctx: &mut Ctx) {
    let (Some(file), Some(pacer), Some(session)) =
        (ctx.file.as_ref(), c.pacer.as_mut(), c.session.as_mut())
    else {
        return;
    };
    if let Err(e) = pacer.pump(now, file, |m| session.send_media(m)) {
        return ctx.fail(c, FailKind::Protocol, || e.to_string());
    }
    flush(c, ctx);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_urls() {
        assert_eq!(
            resolve("rtmp://127.0.0.1/live/s").unwrap(),
            "127.0.0.1:1935".parse().unwrap()
        );
        assert_eq!(
            resolve("rtmp://127.0.0.1:19350/live/s?vhost=x").unwrap(),
            "127.0.0.1:19350".parse().unwrap()
        );
        assert_eq!(
            resolve("rtmp://[::1]:1940/live").unwrap(),
            "[::1]:1940".parse().unwrap()
        );
    }
}
