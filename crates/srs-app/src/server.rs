//! The event loop: one mio poll, edge-triggered, that accepts connections,
//! reads into sessions, dispatches their events to the stream logic and
//! writes the players' queues. It only dispatches; the work lives in the
//! sessions, sources and consumers.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mio::{Events, Interest, Poll, Token, Waker};
use srs_core::log::ContextGuard;
use srs_core::{Arena, Clock, FastRng, Id, SystemClock};
use srs_kernel::MediaMessage;
use srs_rtmp::command::{ConnectCommand, ServerInfo};
use srs_rtmp::session::server::{ServerEvent, ServerSession};
use srs_rtmp::url::RequestUrl;

use crate::config::{Config, TimeJitter, VhostConfig};
use crate::error::AppError;
use crate::net::listener::Listener;
use crate::net::socket::{read_with, write_buf, ReadError};
use crate::refer;
use crate::rtmp_conn::{Role, RtmpConn};
use crate::stream::{Consumer, JitterMode, Registry, StreamKey};

const WAKER: Token = Token(usize::MAX);
const SIGNALS: Token = Token(usize::MAX - 1);
const LISTENER_BASE: usize = 1 << 62;

/// Most bytes read from one connection per readable event before others get a turn.
const READ_BUDGET: usize = 512 * 1024;
/// Encoded bytes kept ready in a player's outbound queue; the rest waits in its consumer.
const FLUSH_HIGH_WATER: usize = 256 * 1024;
/// Housekeeping interval (timeouts).
const TICK_MS: u64 = 1000;
/// A connection that has not finished connect, or an idle one, is closed after this.
const IDLE_TIMEOUT_MS: u64 = 30_000;
/// A publisher that sends nothing for this long is closed.
const PUBLISH_TIMEOUT_MS: u64 = 30_000;
/// A connection whose queued bytes make no progress for this long is closed.
const SEND_TIMEOUT_MS: u64 = 30_000;

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
    conns: Arena<RtmpConn>,
    registry: Registry,
    dirty: Vec<Id>,
    hot: Vec<Id>,
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
    next_tick_ms: u64,
}

impl Server {
    /// Binds every `listen` address of `config`. With `handle_signals`, SIGHUP
    /// reloads and SIGTERM / SIGINT stop the loop (leave it off when several
    /// servers share a process, as tests do).
    pub fn bind(config: Config, handle_signals: bool) -> Result<Server, AppError> {
        let poll = Poll::new().map_err(|e| AppError::io("create poll", e))?;
        let waker = Arc::new(
            Waker::new(poll.registry(), WAKER).map_err(|e| AppError::io("create waker", e))?,
        );
        let signals = if handle_signals {
            use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
            let mut s = signal_hook_mio::v1_0::Signals::new([SIGHUP, SIGTERM, SIGINT])
                .map_err(|e| AppError::io("install signal handlers", e))?;
            poll.registry()
                .register(&mut s, SIGNALS, Interest::READABLE)
                .map_err(|e| AppError::io("register signals", e))?;
            Some(s)
        } else {
            None
        };
        let clock = SystemClock::new();
        let mut server = Server {
            poll,
            config: Arc::new(config),
            listeners: Vec::new(),
            conns: Arena::new(),
            registry: Registry::new(),
            dirty: Vec::new(),
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
            next_tick_ms: 0,
        };
        let addrs = server.config.listen.clone();
        for addr in addrs {
            server.add_listener(addr)?;
        }
        Ok(server)
    }

    fn add_listener(&mut self, addr: SocketAddr) -> Result<(), AppError> {
        let mut l = Listener::bind(addr).map_err(|source| AppError::Listen { addr, source })?;
        let token = Token(LISTENER_BASE + self.listeners.len());
        self.poll
            .registry()
            .register(&mut l.socket, token, Interest::READABLE)
            .map_err(|e| AppError::io("register listener", e))?;
        log::info!("RTMP listen at {} (asked {})", l.local, l.configured);
        self.listeners.push(l);
        Ok(())
    }

    /// The addresses actually bound (port 0 resolved), in config order.
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.listeners.iter().map(|l| l.local).collect()
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

    /// Runs the loop until stopped by a signal or a [`ServerHandle`].
    pub fn run(&mut self) -> Result<(), AppError> {
        let mut events = Events::with_capacity(1024);
        log::info!("server started, pid {}", std::process::id());
        while !self.stop.load(Ordering::SeqCst) {
            let timeout = if self.hot.is_empty() {
                Duration::from_millis(self.next_tick_ms.saturating_sub(self.now_ms).min(TICK_MS))
            } else {
                Duration::ZERO
            };
            if let Err(e) = self.poll.poll(&mut events, Some(timeout)) {
                if e.kind() != io::ErrorKind::Interrupted {
                    return Err(AppError::io("poll", e));
                }
            }
            self.now_ms = self.clock.now_ms();
            for event in events.iter() {
                match event.token() {
                    WAKER => {}
                    SIGNALS => self.on_signals(),
                    Token(t) if (LISTENER_BASE..SIGNALS.0).contains(&t) => {
                        self.accept(t - LISTENER_BASE)
                    }
                    Token(t) => {
                        let id = Id::from_usize(t);
                        if event.is_writable() {
                            self.flush(id);
                        }
                        if event.is_readable() || event.is_read_closed() || event.is_error() {
                            self.read(id);
                        }
                    }
                }
            }
            for id in std::mem::take(&mut self.hot) {
                self.read(id);
            }
            self.flush_dirty();
            if self.now_ms >= self.next_tick_ms {
                self.next_tick_ms = self.now_ms + TICK_MS;
                self.tick();
            }
            if self.reload.swap(false, Ordering::SeqCst) {
                self.reload_config();
            }
        }
        self.shutdown();
        Ok(())
    }

    fn on_signals(&mut self) {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
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
                SIGTERM | SIGINT => {
                    log::info!("signal {sig}: shutting down");
                    self.stop.store(true, Ordering::SeqCst);
                }
                _ => {}
            }
        }
    }

    fn accept(&mut self, index: usize) {
        loop {
            let Some(listener) = self.listeners.get(index) else {
                return;
            };
            let (socket, peer) = match listener.socket.accept() {
                Ok(s) => s,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    // EMFILE and friends: the loop goes on; the listener fires again later.
                    log::warn!("accept on {} failed: {e}", listener.local);
                    return;
                }
            };
            let cid = self.next_cid;
            self.next_cid += 1;
            let _ctx = ContextGuard::enter(cid);
            if self.conns.len() >= self.config.max_connections as usize {
                log::warn!(
                    "refuse {peer}: {} connections reached max_connections {}",
                    self.conns.len(),
                    self.config.max_connections
                );
                continue;
            }
            let _ = socket.set_nodelay(true);
            let session = ServerSession::new(
                FastRng::new(self.rng.next_u64()),
                (srs_core::clock::unix_ms() / 1000) as u32,
            );
            let now = self.now_ms;
            let id = self.conns.insert(RtmpConn {
                cid,
                socket,
                peer,
                session,
                url: None,
                vhost: None,
                page_url: String::new(),
                role: Role::Idle,
                closing: false,
                dirty: false,
                bytes_out: 0,
                last_read_ms: now,
                last_write_ms: now,
                accepted_ms: now,
            });
            let registered = match self.conns.get_mut(id) {
                Some(conn) => self.poll.registry().register(
                    &mut conn.socket,
                    Token(id.to_usize()),
                    Interest::READABLE | Interest::WRITABLE,
                ),
                None => Ok(()),
            };
            if let Err(e) = registered {
                log::warn!("register {peer} failed: {e}");
                self.conns.remove(id);
                continue;
            }
            log::info!("accept client {peer}, {} connections", self.conns.len());
        }
    }

    fn read(&mut self, id: Id) {
        let Some(conn) = self.conns.get_mut(id) else {
            return;
        };
        let _ctx = ContextGuard::enter(conn.cid);
        let session = &mut conn.session;
        let result = read_with(&mut conn.socket, &mut self.read_buf, READ_BUDGET, |data| {
            session.feed(data)
        });
        let outcome = match result {
            Ok(o) => o,
            Err(ReadError::Io(e)) => {
                self.close(id, &format!("read error: {e}"));
                return;
            }
            Err(ReadError::Sink(e)) => {
                self.drain_events(id);
                self.close(id, &format!("protocol error: {e}"));
                return;
            }
        };
        if outcome.read > 0 {
            conn.last_read_ms = self.now_ms;
        }
        self.drain_events(id);
        if outcome.eof {
            self.close(id, "peer closed the connection");
            return;
        }
        if outcome.budget_exhausted {
            self.hot.push(id);
        }
        self.mark_dirty(id);
    }

    fn mark_dirty(&mut self, id: Id) {
        if let Some(conn) = self.conns.get_mut(id) {
            if !conn.dirty {
                conn.dirty = true;
                self.dirty.push(id);
            }
        }
    }

    fn drain_events(&mut self, id: Id) {
        loop {
            let Some(conn) = self.conns.get_mut(id) else {
                return;
            };
            let Some(event) = conn.session.poll_event() else {
                return;
            };
            let result = match event {
                ServerEvent::ConnectRequested(c) => self.on_connect(id, c),
                ServerEvent::PublishRequested { stream } => self.on_publish(id, &stream),
                ServerEvent::PlayRequested { stream, .. } => self.on_play(id, &stream),
                ServerEvent::Unpublished | ServerEvent::PlayStopped => {
                    self.stop_role(id);
                    Ok(())
                }
                ServerEvent::Paused(paused) => {
                    if let Some(c) = conn.consumer_mut() {
                        c.set_paused(paused);
                    }
                    log::info!("player {}", if paused { "paused" } else { "resumed" });
                    self.mark_dirty(id);
                    Ok(())
                }
                ServerEvent::Media(msg) => {
                    self.on_publisher_media(id, msg);
                    Ok(())
                }
                ServerEvent::Call {
                    name,
                    transaction_id,
                    ..
                } => {
                    log::info!("ignore call {name}, answer _result");
                    conn.session.answer_unknown_call(transaction_id);
                    Ok(())
                }
            };
            if let Err(e) = result {
                self.close(id, &format!("protocol error: {e}"));
                return;
            }
        }
    }

    /// Rejects with a log line; the connection closes once the answer is written.
    fn refuse(&mut self, id: Id, why: &str) {
        if let Some(conn) = self.conns.get_mut(id) {
            log::warn!("refuse client {}: {why}", conn.peer);
            conn.closing = true;
        }
        self.mark_dirty(id);
    }

    fn on_connect(&mut self, id: Id, c: ConnectCommand) -> Result<(), srs_rtmp::RtmpError> {
        let Some(conn) = self.conns.get_mut(id) else {
            return Ok(());
        };
        let url = match RequestUrl::from_connect(&c.tc_url, &c.app) {
            Ok(u) => u,
            Err(e) => {
                conn.session.reject_connect(&e.to_string())?;
                self.refuse(id, &e.to_string());
                return Ok(());
            }
        };
        log::info!(
            "connect app={} tcUrl={} pageUrl={} swfUrl={} vhost={} ip={}",
            url.app,
            c.tc_url,
            c.page_url,
            c.swf_url,
            url.vhost,
            conn.peer.ip()
        );
        let Some(vhost) = self.config.resolve_vhost(&url.vhost).cloned() else {
            let why = format!(
                "vhost {} is not configured and there is no enabled __defaultVhost__",
                url.vhost
            );
            conn.session.reject_connect(&why)?;
            self.refuse(id, &why);
            return Ok(());
        };
        if let Err(why) = refer::check(&c.page_url, &[("refer", &vhost.refer_all)]) {
            conn.session.reject_connect(&why)?;
            self.refuse(id, &why);
            return Ok(());
        }
        let mut info = self.server_info.clone();
        info.connection_id = conn.cid;
        conn.session
            .accept_connect(self.config.vhost_chunk_size(&vhost), &info)?;
        conn.page_url = c.page_url;
        conn.url = Some(url);
        conn.vhost = Some(vhost);
        self.mark_dirty(id);
        Ok(())
    }

    /// The request and vhost for a publish/play of `stream` on connection `id`.
    fn stream_request(
        &self,
        id: Id,
        stream: &str,
    ) -> Result<(RequestUrl, Arc<VhostConfig>), String> {
        let conn = self.conns.get(id).ok_or("connection gone")?;
        let mut url = conn.url.clone().ok_or("not connected")?;
        url.set_stream(stream);
        if url.stream.is_empty() {
            return Err(format!("empty stream name in {stream:?}"));
        }
        let vhost = self
            .config
            .resolve_vhost(&url.vhost)
            .cloned()
            .ok_or_else(|| format!("vhost {} is not configured", url.vhost))?;
        Ok((url, vhost))
    }

    fn on_publish(&mut self, id: Id, stream: &str) -> Result<(), srs_rtmp::RtmpError> {
        let request = self.stream_request(id, stream).and_then(|(url, vhost)| {
            let page = self
                .conns
                .get(id)
                .map(|c| c.page_url.as_str())
                .unwrap_or_default();
            refer::check(
                page,
                &[
                    ("refer", &vhost.refer_all),
                    ("refer_publish", &vhost.refer_publish),
                ],
            )?;
            Ok((url, vhost))
        });
        let (url, vhost) = match request {
            Ok(r) => r,
            Err(why) => {
                if let Some(conn) = self.conns.get_mut(id) {
                    conn.session
                        .reject_publish("NetStream.Publish.Denied", &why)?;
                }
                self.refuse(id, &why);
                return Ok(());
            }
        };
        let key = StreamKey {
            vhost: vhost.name.clone(),
            app: url.app.clone(),
            stream: url.stream.clone(),
        };
        let sid = self.registry.find_or_create(&key, &vhost);
        let Some(source) = self.registry.get_mut(sid) else {
            return Ok(());
        };
        if !source.start_publish(id) {
            let why = format!("stream {key} is already publishing");
            if let Some(conn) = self.conns.get_mut(id) {
                conn.session
                    .reject_publish("NetStream.Publish.BadName", &why)?;
            }
            self.refuse(id, &why);
            return Ok(());
        }
        for &pid in source.players() {
            if let Some(c) = self.conns.get_mut(pid).and_then(|p| p.consumer_mut()) {
                c.on_republish();
            }
        }
        let Some(conn) = self.conns.get_mut(id) else {
            return Ok(());
        };
        log::info!("publish {key} param={:?} from {}", url.param, conn.peer);
        conn.session.accept_publish(&url.stream)?;
        conn.role = Role::Publisher(sid);
        conn.url = Some(url);
        conn.vhost = Some(vhost);
        self.mark_dirty(id);
        Ok(())
    }

    fn on_play(&mut self, id: Id, stream: &str) -> Result<(), srs_rtmp::RtmpError> {
        let request = self.stream_request(id, stream).and_then(|(url, vhost)| {
            let page = self
                .conns
                .get(id)
                .map(|c| c.page_url.as_str())
                .unwrap_or_default();
            refer::check(
                page,
                &[
                    ("refer", &vhost.refer_all),
                    ("refer_play", &vhost.refer_play),
                ],
            )?;
            Ok((url, vhost))
        });
        let (url, vhost) = match request {
            Ok(r) => r,
            Err(why) => {
                if let Some(conn) = self.conns.get_mut(id) {
                    conn.session.reject_play("NetStream.Play.Failed", &why)?;
                }
                self.refuse(id, &why);
                return Ok(());
            }
        };
        let key = StreamKey {
            vhost: vhost.name.clone(),
            app: url.app.clone(),
            stream: url.stream.clone(),
        };
        let sid = self.registry.find_or_create(&key, &vhost);
        let Some(source) = self.registry.get_mut(sid) else {
            return Ok(());
        };
        let mode = if vhost.atc {
            JitterMode::Off
        } else {
            match vhost.time_jitter {
                TimeJitter::Full => JitterMode::Full,
                TimeJitter::Zero => JitterMode::Zero,
                TimeJitter::Off => JitterMode::Off,
            }
        };
        let mut consumer = Consumer::new(mode, (vhost.queue_length_secs * 1000.0) as u32);
        source.prime_consumer(&mut consumer);
        source.add_player(id);
        let waiting = source.publisher().is_none();
        let Some(conn) = self.conns.get_mut(id) else {
            return Ok(());
        };
        log::info!(
            "play {key} param={:?} to {}{}",
            url.param,
            conn.peer,
            if waiting {
                ", waiting for a publisher"
            } else {
                ""
            }
        );
        conn.session.accept_play(&url.stream)?;
        conn.role = Role::Player {
            source: sid,
            consumer: Box::new(consumer),
        };
        conn.url = Some(url);
        conn.vhost = Some(vhost);
        self.mark_dirty(id);
        Ok(())
    }

    fn stop_role(&mut self, id: Id) {
        let Some(conn) = self.conns.get_mut(id) else {
            return;
        };
        match std::mem::replace(&mut conn.role, Role::Idle) {
            Role::Idle => {}
            Role::Publisher(sid) => {
                if let Some(source) = self.registry.get_mut(sid) {
                    log::info!("unpublish {}", source.key);
                    source.stop_publish(id);
                }
                self.registry.remove_if_idle(sid);
            }
            Role::Player { source, .. } => {
                if let Some(s) = self.registry.get_mut(source) {
                    log::info!("stop playing {}", s.key);
                    s.remove_player(id);
                }
                self.registry.remove_if_idle(source);
            }
        }
    }

    fn on_publisher_media(&mut self, id: Id, msg: MediaMessage) {
        let Some(Role::Publisher(sid)) = self.conns.get(id).map(|c| &c.role) else {
            return;
        };
        let sid = *sid;
        let Some(source) = self.registry.get_mut(sid) else {
            return;
        };
        source.on_media(&msg);
        for &pid in source.players() {
            let Some(player) = self.conns.get_mut(pid) else {
                continue;
            };
            if let Some(c) = player.consumer_mut() {
                c.enqueue(&msg);
            }
            if !player.dirty {
                player.dirty = true;
                self.dirty.push(pid);
            }
        }
    }

    fn flush_dirty(&mut self) {
        // Flushing may dirty nothing new, but take the list so closes during it are safe.
        let dirty = std::mem::take(&mut self.dirty);
        for &id in &dirty {
            self.flush(id);
        }
        let mut dirty = dirty;
        dirty.clear();
        if self.dirty.is_empty() {
            self.dirty = dirty;
        }
    }

    /// Moves a player's queue into its outbound queue and writes as much as the socket takes.
    fn flush(&mut self, id: Id) {
        let Some(conn) = self.conns.get_mut(id) else {
            return;
        };
        conn.dirty = false;
        loop {
            if let Role::Player { consumer, .. } = &mut conn.role {
                while conn.session.out_queue().len() < FLUSH_HIGH_WATER {
                    let Some(m) = consumer.pop() else { break };
                    conn.session.send_media(m.kind, m.timestamp, &m.payload);
                }
            }
            if conn.session.out_queue().is_empty() {
                break;
            }
            match write_buf(&mut conn.socket, conn.session.out_queue()) {
                Ok(o) => {
                    if o.written > 0 {
                        conn.bytes_out += o.written as u64;
                        conn.last_write_ms = self.now_ms;
                    }
                    if o.blocked {
                        return;
                    }
                }
                Err(e) => {
                    let _ctx = ContextGuard::enter(conn.cid);
                    self.close(id, &format!("write error: {e}"));
                    return;
                }
            }
        }
        // Nothing pending: the send timer restarts when data is next queued.
        conn.last_write_ms = self.now_ms;
        if conn.closing {
            self.close(id, "closed after refusal");
        }
    }

    fn close(&mut self, id: Id, reason: &str) {
        self.stop_role(id);
        let Some(mut conn) = self.conns.remove(id) else {
            return;
        };
        let _ctx = ContextGuard::enter(conn.cid);
        let _ = self.poll.registry().deregister(&mut conn.socket);
        log::info!(
            "close client {}: {reason}; recv {} bytes, send {} bytes, {} ms",
            conn.peer,
            conn.session.bytes_in(),
            conn.bytes_out,
            self.now_ms.saturating_sub(conn.accepted_ms)
        );
    }

    fn tick(&mut self) {
        let now = self.now_ms;
        let mut expired = Vec::new();
        for (id, conn) in self.conns.iter_mut() {
            let since_read = now.saturating_sub(conn.last_read_ms);
            let since_write = now.saturating_sub(conn.last_write_ms);
            let reason = match &conn.role {
                _ if !conn.session.out_queue().is_empty() && since_write > SEND_TIMEOUT_MS => {
                    Some("send timeout: the peer does not read")
                }
                Role::Publisher(_) if since_read > PUBLISH_TIMEOUT_MS => {
                    Some("publish timeout: no data")
                }
                Role::Idle if since_read > IDLE_TIMEOUT_MS => Some("idle timeout"),
                _ => None,
            };
            if let Some(r) = reason {
                expired.push((id, r, conn.cid));
            }
        }
        for (id, reason, cid) in expired {
            let _ctx = ContextGuard::enter(cid);
            self.close(id, reason);
        }
    }

    fn reload_config(&mut self) {
        let path = self.config.file.clone();
        let new = match Config::load(&path) {
            Ok(c) => c,
            Err(e) => {
                log::error!("reload failed, keeping the running config: {e}");
                return;
            }
        };
        for w in &new.warnings {
            log::warn!("{w}");
        }
        if let Err(e) = crate::logging::apply(&new) {
            log::error!("reload: logging: {e}");
        }
        // Listeners: close the ones gone, open the new ones.
        let wanted = new.listen.clone();
        let mut kept = Vec::new();
        for mut l in std::mem::take(&mut self.listeners) {
            if wanted.contains(&l.configured) {
                kept.push(l);
            } else {
                let _ = self.poll.registry().deregister(&mut l.socket);
                log::info!("reload: stop listening on {}", l.local);
            }
        }
        for (i, l) in kept.iter_mut().enumerate() {
            let _ = self.poll.registry().reregister(
                &mut l.socket,
                Token(LISTENER_BASE + i),
                Interest::READABLE,
            );
        }
        self.listeners = kept;
        for addr in wanted {
            if !self.listeners.iter().any(|l| l.configured == addr) {
                if let Err(e) = self.add_listener(addr) {
                    log::error!("reload: {e}");
                }
            }
        }
        self.config = Arc::new(new);
        self.registry.refresh_vhosts(&self.config);
        log::info!("reload done: {} vhosts", self.config.vhosts.len());
    }

    fn shutdown(&mut self) {
        for id in self.conns.ids() {
            self.close(id, "server shutdown");
        }
        log::info!("server stopped");
    }

    /// Number of open client connections.
    pub fn connection_count(&self) -> usize {
        self.conns.len()
    }
}
