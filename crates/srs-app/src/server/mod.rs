//! The event loop: one mio poll, edge-triggered, that accepts connections,
//! reads into protocol state machines, dispatches their events to the
//! stream logic and writes queued bytes. It only dispatches; the work lives
//! in the sessions, sources and consumers (see the sibling modules).

mod api;
mod bandwidth;
mod conn_io;
mod forward;
mod hooks;
mod housekeeping;
mod http;
mod limits;
mod media;
mod reload;
mod rtmp;
mod sinks;
mod timers;
mod token;
mod transcode;

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mio::{Events, Interest, Poll, Token, Waker};
use srs_core::log::ContextGuard;
use srs_core::{Arena, Clock, FastRng, SystemClock};
use srs_rtmp::command::ServerInfo;

use crate::admission::Admission;
use crate::config::Config;
use crate::conn::{Conn, Proto};
use crate::error::{AppError, ConnError};
use crate::http::HttpService;
use crate::ids::{ConnId, ConnTag};
use crate::links::Links;
use crate::net::listener::{Listener, ListenerKind};
use crate::net::token::TokenKind;
use crate::sink::DiskWorker;
use crate::stats::SystemSampler;
use crate::stream::Registry;
use crate::supervisor::Supervisor;
use crate::workers::{Done, WorkerPool};
use limits::{ConnCounts, Pool, RefusalLog};
use timers::{TimerKey, Timers};

/// Most bytes read from one connection per readable event before others get a turn.
const READ_BUDGET: usize = 512 * 1024;
/// Encoded bytes kept ready in a player's outbound queue; the rest waits in its consumer.
const FLUSH_HIGH_WATER: usize = 256 * 1024;
/// Answers (pongs, acks, results) queued for an RTMP peer that does not read
/// them, beyond which it is closed.
const MAX_UNREAD_OUTPUT: usize = 4 * 1024 * 1024;
/// Pieces (a header or a payload each) queued for an RTMP peer beyond which
/// it is closed: 32 768 pongs of 18 bytes hold ~4 MiB of bookkeeping. A
/// player's queue of merged media stays far below (a few thousand).
const MAX_UNREAD_PIECES: usize = 65_536;
/// Housekeeping interval (timeouts).
const TICK_MS: u64 = 1000;
/// A connection that is neither publishing nor playing and sends nothing for this long is closed.
const IDLE_TIMEOUT_MS: u64 = 30_000;
/// A publisher that sends nothing for this long is closed.
const PUBLISH_TIMEOUT_MS: u64 = 30_000;
/// Statistics for the API are sampled this often.
const SAMPLE_MS: u64 = 5_000;
/// A connection whose queued bytes make no progress for this long is closed.
const SEND_TIMEOUT_MS: u64 = 30_000;
/// An RTMP client must finish the handshake and send connect this soon after
/// it was accepted, however slowly it trickles bytes (slowloris).
const CONNECT_DEADLINE_MS: u64 = 10_000;
/// An HTTP request head must be complete this soon after its first byte.
const HTTP_HEAD_DEADLINE_MS: u64 = 10_000;

/// Controls a running server from another thread (tests, embedding programs).
#[derive(Clone)]
pub struct ServerHandle {
    waker: Arc<Waker>,
    stop: Arc<AtomicBool>,
    reload: Arc<AtomicBool>,
}

impl ServerHandle {
    /// Asks the loop to close everything and return from `run`.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.waker.wake();
    }

    /// Asks the loop to reload its config file (as SIGHUP does).
    pub fn reload(&self) {
        self.reload.store(true, Ordering::SeqCst);
        let _ = self.waker.wake();
    }
}

/// The server: listeners, connections and sources on one event loop.
pub struct Server {
    poll: Poll,
    config: Arc<Config>,
    listeners: Vec<Listener>,
    conns: Arena<Conn, ConnTag>,
    registry: Registry,
    dirty: Vec<ConnId>,
    /// Players whose merged write is not due yet (they stay marked dirty).
    deferred: Vec<ConnId>,
    /// When the earliest deferred player is due.
    next_merge_ms: u64,
    /// Per-connection wake-ups (bandwidth test pacing): (due ms, connection).
    timers: Timers,
    hot: Vec<ConnId>,
    read_buf: Vec<u8>,
    clock: SystemClock,
    now_ms: u64,
    rng: FastRng,
    next_cid: u64,
    signals: Option<signal_hook_mio::v1_0::Signals>,
    waker: Arc<Waker>,
    stop: Arc<AtomicBool>,
    reload: Arc<AtomicBool>,
    server_info: ServerInfo,
    disk: DiskWorker,
    workers: WorkerPool,
    /// Requests waiting for their gates (token traverse, hooks).
    admission: Admission,
    dvr_hooks: HashMap<std::path::PathBuf, (Vec<crate::hooks::HookCall>, u64)>,
    sampler: SystemSampler,
    counters: Counters,
    counts: ConnCounts,
    refusals: RefusalLog,
    start_unix_ms: u64,
    /// The wall clock, read once per loop turn (file names, API times).
    unix_ms: u64,
    /// When each bandcheck vhost last ran a test.
    last_bandcheck_ms: HashMap<String, u64>,
    /// Names being resolved, by worker job token.
    resolving: HashMap<u64, forward::Resolving>,
    next_resolve_token: u64,
    /// ffmpeg processes of `ingest` blocks.
    ffmpeg: Supervisor,
    /// Which outbound links (forward, edge) each source wants.
    links: Links,
}

/// Server-wide counters for the API and metrics.
#[derive(Debug, Default)]
struct Counters {
    closed_bytes_in: u64,
    closed_bytes_out: u64,
    closed_dropped: u64,
    hls_errors: u64,
    dvr_errors: u64,
    recv_kbps: u64,
    send_kbps: u64,
    sampled: (u64, u64, u64),
}

/// The token of a registration whose id always packs (waker, signals,
/// listeners, and connections already registered once).
fn token_of(kind: TokenKind) -> Token {
    kind.token().unwrap_or(Token(usize::MAX))
}

/// Every address the config asks to listen on, with what it serves.
fn wanted_listeners(config: &Config) -> Vec<(SocketAddr, ListenerKind)> {
    let mut v: Vec<(SocketAddr, ListenerKind)> = config
        .listen
        .iter()
        .map(|a| (*a, ListenerKind::Rtmp))
        .collect();
    if config.http_server.enabled {
        v.push((
            config.http_server.listen,
            ListenerKind::Http(HttpService::Files {
                dir: config.http_server.dir.clone(),
            }),
        ));
    }
    if config.http_api.enabled {
        v.push((config.http_api.listen, ListenerKind::Http(HttpService::Api)));
    }
    v
}

impl Server {
    /// Binds every listen address of `config` (RTMP, HTTP server, HTTP API).
    /// With `handle_signals`, SIGHUP reloads and SIGTERM / SIGINT stop the
    /// loop (leave it off when several servers share a process, as tests do).
    pub fn bind(config: Config, handle_signals: bool) -> Result<Server, AppError> {
        let poll = Poll::new().map_err(|e| AppError::io("create poll", e))?;
        let waker = Arc::new(
            Waker::new(poll.registry(), token_of(TokenKind::Waker))
                .map_err(|e| AppError::io("create waker", e))?,
        );
        let signals = if handle_signals {
            use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM, SIGUSR1, SIGUSR2, SIGXFSZ};
            // SIGXFSZ (a file over the size limit) would kill the process;
            // caught, the write fails with EFBIG and that one sink recovers.
            let wanted = [SIGHUP, SIGTERM, SIGINT, SIGUSR1, SIGUSR2, SIGXFSZ];
            let mut s = signal_hook_mio::v1_0::Signals::new(wanted)
                .map_err(|e| AppError::io("install signal handlers", e))?;
            poll.registry()
                .register(&mut s, token_of(TokenKind::Signals), Interest::READABLE)
                .map_err(|e| AppError::io("register signals", e))?;
            Some(s)
        } else {
            None
        };
        let clock = SystemClock::new();
        let disk_waker = Arc::clone(&waker);
        let disk = DiskWorker::start(Arc::new(move || {
            let _ = disk_waker.wake();
        }))
        .map_err(|e| AppError::io("start the disk worker", e))?;
        let pool_waker = Arc::clone(&waker);
        let workers = WorkerPool::new(Arc::new(move || {
            let _ = pool_waker.wake();
        }));
        let mut server = Server {
            poll,
            config: Arc::new(config),
            listeners: Vec::new(),
            conns: Arena::new(),
            registry: Registry::new(),
            dirty: Vec::new(),
            deferred: Vec::new(),
            next_merge_ms: u64::MAX,
            timers: Timers::default(),
            hot: Vec::new(),
            read_buf: vec![0u8; 64 * 1024],
            now_ms: clock.now_ms(),
            clock,
            rng: FastRng::from_entropy(),
            next_cid: 100,
            signals,
            waker,
            stop: Arc::new(AtomicBool::new(false)),
            reload: Arc::new(AtomicBool::new(false)),
            server_info: ServerInfo {
                signature: format!("SRS-RS/{}", env!("CARGO_PKG_VERSION")),
                server: "SRS-RS".into(),
                version: env!("CARGO_PKG_VERSION").into(),
                connection_id: 0,
                pid: std::process::id(),
            },
            disk,
            workers,
            admission: Admission::new(),
            dvr_hooks: HashMap::new(),
            sampler: SystemSampler::new(),
            counters: Counters::default(),
            counts: ConnCounts::default(),
            refusals: RefusalLog::default(),
            start_unix_ms: srs_core::clock::unix_ms(),
            unix_ms: srs_core::clock::unix_ms(),
            last_bandcheck_ms: HashMap::new(),
            resolving: HashMap::new(),
            next_resolve_token: 0,
            ffmpeg: Supervisor::new(),
            links: Links::new(),
        };
        for (addr, kind) in wanted_listeners(&server.config) {
            server.add_listener(addr, kind)?;
        }
        server.sync_ingests();
        let now = server.now_ms;
        for key in [TimerKey::Tick, TimerKey::Sample, TimerKey::Heartbeat] {
            server.timers.arm(now, key);
        }
        Ok(server)
    }

    fn add_listener(&mut self, addr: SocketAddr, kind: ListenerKind) -> Result<(), AppError> {
        let l = Listener::bind(addr, kind).map_err(|source| AppError::Listen { addr, source })?;
        self.register_listener(l)
    }

    /// Registers a bound listener with the loop.
    fn register_listener(&mut self, mut l: Listener) -> Result<(), AppError> {
        let token = token_of(TokenKind::Listener(self.listeners.len()));
        self.poll
            .registry()
            .register(&mut l.socket, token, Interest::READABLE)
            .map_err(|e| AppError::io("register listener", e))?;
        let what = match &l.kind {
            ListenerKind::Rtmp => "RTMP".to_string(),
            ListenerKind::Http(HttpService::Api) => "HTTP API".to_string(),
            ListenerKind::Http(HttpService::Files { dir }) => {
                format!("HTTP server (dir {})", dir.display())
            }
        };
        log::info!("{what} listen at {} (asked {})", l.local, l.configured);
        self.listeners.push(l);
        Ok(())
    }

    /// The RTMP addresses actually bound (port 0 resolved), in config order.
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.listeners
            .iter()
            .filter(|l| l.kind == ListenerKind::Rtmp)
            .map(|l| l.local)
            .collect()
    }

    /// The address of the HTTP file server, if enabled.
    pub fn http_server_addr(&self) -> Option<SocketAddr> {
        self.listeners
            .iter()
            .find(|l| matches!(l.kind, ListenerKind::Http(HttpService::Files { .. })))
            .map(|l| l.local)
    }

    /// The address of the HTTP API, if enabled.
    pub fn http_api_addr(&self) -> Option<SocketAddr> {
        self.listeners
            .iter()
            .find(|l| l.kind == ListenerKind::Http(HttpService::Api))
            .map(|l| l.local)
    }

    /// A handle to stop or reload the server from another thread.
    pub fn handle(&self) -> ServerHandle {
        ServerHandle {
            waker: Arc::clone(&self.waker),
            stop: Arc::clone(&self.stop),
            reload: Arc::clone(&self.reload),
        }
    }

    /// The config in force.
    pub fn config(&self) -> &Arc<Config> {
        &self.config
    }

    /// This server's id in API answers (its pid).
    pub fn server_id(&self) -> u32 {
        self.server_info.pid
    }

    /// Number of open client connections.
    pub fn connection_count(&self) -> usize {
        self.conns.len()
    }

    /// Runs the loop until stopped by a signal or a [`ServerHandle`].
    pub fn run(&mut self) -> Result<(), AppError> {
        let mut events = Events::with_capacity(1024);
        log::info!("server started, pid {}", std::process::id());
        while !self.stop.load(Ordering::SeqCst) {
            // Work left from the last turn (input over a budget, answers
            // queued while flushing) runs at once, not after the next tick.
            let timeout = if self.hot.is_empty() && self.dirty.is_empty() {
                let timer = self.timers.next_deadline().unwrap_or(u64::MAX);
                let due = self.next_merge_ms.min(timer);
                Duration::from_millis(due.saturating_sub(self.now_ms).min(TICK_MS))
            } else {
                Duration::ZERO
            };
            if let Err(e) = self.poll.poll(&mut events, Some(timeout)) {
                if e.kind() != io::ErrorKind::Interrupted {
                    return Err(AppError::io("poll", e));
                }
            }
            self.now_ms = self.clock.now_ms();
            self.unix_ms = srs_core::clock::unix_ms();
            for event in events.iter() {
                match TokenKind::of(event.token()) {
                    TokenKind::Waker => {}
                    TokenKind::Signals => self.on_signals(),
                    TokenKind::Listener(index) => self.accept(index),
                    TokenKind::Conn(id) => {
                        if event.is_writable() {
                            self.on_writable(id);
                        }
                        if event.is_readable() || event.is_read_closed() || event.is_error() {
                            self.read(id);
                        }
                    }
                }
            }
            self.on_disk_events();
            self.on_worker_results();
            self.run_timers();
            for id in std::mem::take(&mut self.hot) {
                self.read(id);
            }
            self.flush_dirty();
            if self.reload.swap(false, Ordering::SeqCst) {
                self.reload_config();
            }
        }
        self.shutdown();
        Ok(())
    }

    fn on_signals(&mut self) {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM, SIGUSR1, SIGUSR2};
        let Some(signals) = self.signals.as_mut() else {
            return;
        };
        let pending: Vec<i32> = signals.pending().collect();
        for sig in pending {
            match sig {
                SIGHUP => {
                    log::info!("SIGHUP: reloading {}", self.config.file.display());
                    self.reload.store(true, Ordering::SeqCst);
                }
                SIGTERM | SIGINT | SIGUSR2 => {
                    log::info!("signal {sig}: shutting down");
                    self.stop.store(true, Ordering::SeqCst);
                }
                SIGUSR1 => match srs_core::log::reopen() {
                    Ok(()) => log::info!("SIGUSR1: log file reopened"),
                    Err(e) => log::error!("SIGUSR1: cannot reopen the log file: {e}"),
                },
                _ => {}
            }
        }
    }

    /// Applies what the worker pool finished: hook verdicts, resolved names.
    fn on_worker_results(&mut self) {
        for done in self.workers.poll() {
            match done {
                Done::Hook(r) => self.on_hooks_done(r),
                Done::Resolved { token, result } => self.on_resolved(token, result),
            }
        }
    }

    fn drain_events(&mut self, id: ConnId) {
        match self.conns.get(id).map(|c| &c.proto) {
            Some(Proto::Rtmp(_)) => self.drain_rtmp_events(id),
            Some(Proto::Http(_)) => self.serve_http(id),
            Some(Proto::Forward(_)) => self.drain_forward_events(id),
            None => {}
        }
    }

    /// Wakes connection `id` at `at_ms` (monotonic).
    pub(crate) fn schedule(&mut self, id: ConnId, at_ms: u64) {
        self.timers.arm(at_ms, TimerKey::Conn(id));
    }

    fn run_timers(&mut self) {
        while let Some(key) = self.timers.pop_due(self.now_ms) {
            let now = self.now_ms;
            match key {
                TimerKey::Tick => {
                    self.timers.arm(now + TICK_MS, TimerKey::Tick);
                    self.tick();
                }
                TimerKey::Sample => {
                    self.timers.arm(now + SAMPLE_MS, TimerKey::Sample);
                    self.sample_stats();
                }
                TimerKey::Heartbeat => {
                    let every = self.config.heartbeat.interval_ms.max(1000);
                    self.timers.arm(now + every, TimerKey::Heartbeat);
                    self.heartbeat();
                }
                TimerKey::Conn(id) => self.on_timer(id),
                TimerKey::LinkRetry(retry) => self.retry_link(retry),
                TimerKey::Admission(ticket) => self.on_admission_deadline(ticket),
                TimerKey::PlayEnd(id) => {
                    let playing = self
                        .conns
                        .get(id)
                        .is_some_and(|c| matches!(c.role, crate::conn::Role::Player { .. }));
                    if playing {
                        self.close(id, ConnError::Done("the play's duration was reached"));
                    }
                }
            }
        }
    }

    pub(crate) fn close(&mut self, id: ConnId, reason: ConnError) {
        let (mut calls, role_timeout) = self.role_end_calls(id);
        let (close_calls, close_timeout) = self.close_calls(id);
        calls.extend(close_calls);
        self.stop_role(id);
        self.admission.forget(id);
        self.notify_hooks(calls, role_timeout.max(close_timeout).max(1));
        let Some(mut conn) = self.conns.remove(id) else {
            return;
        };
        self.counts.remove(Pool::of(&conn.proto));
        let _ctx = ContextGuard::enter(conn.cid);
        let _ = self.poll.registry().deregister(&mut conn.socket);
        self.forward_closed(&conn);
        self.counters.closed_bytes_in += conn.bytes_in;
        self.counters.closed_bytes_out += conn.bytes_out;
        log::info!(
            "close client {}: {reason}; recv {} bytes, send {} bytes, {} ms",
            conn.peer,
            conn.bytes_in,
            conn.bytes_out,
            self.now_ms.saturating_sub(conn.accepted_ms)
        );
    }

    fn shutdown(&mut self) {
        for id in self.conns.ids() {
            self.close(id, ConnError::Done("server shutdown"));
        }
        self.ffmpeg.shutdown();
        // Every HLS segment and DVR file is on disk before the process exits.
        self.disk.shutdown();
        self.on_disk_events();
        log::info!("server stopped");
    }
}
