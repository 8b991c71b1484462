//! Forward (`vhost { forward host:port ...; }`): every stream published on
//! the vhost is republished to each destination with the same app and
//! stream, by an outbound RTMP client on the loop; a destination that fails
//! is retried every 3 s while the publisher lives.

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::mpsc::{Receiver, Sender};

use srs_core::log::ContextGuard;
use srs_core::{FastRng, Id};
use srs_rtmp::session::client::{ClientConfig, ClientEvent, ClientSession, ClientState};

use super::Server;
use crate::conn::{Conn, Proto, Role};
use crate::stream::{Consumer, JitterMode, StreamKey};

/// Delay before a failed destination is tried again.
pub(crate) const RETRY_MS: u64 = 3_000;

/// An outbound publish to one destination.
pub struct ForwardState {
    /// The client session.
    pub session: ClientSession,
    /// `host:port` as configured.
    pub dest: String,
    /// The stream forwarded.
    pub key: StreamKey,
    /// The non-blocking connect finished.
    pub connected: bool,
}

/// A destination name resolved off the loop.
pub(crate) struct Resolved {
    source: Id,
    dest: String,
    result: Result<SocketAddr, String>,
}

/// Resolver results and the sender handed to resolver threads.
pub(crate) struct Resolver {
    pub tx: Sender<Resolved>,
    pub rx: Receiver<Resolved>,
}

impl Resolver {
    pub(crate) fn new() -> Self {
        let (tx, rx) = std::sync::mpsc::channel();
        Resolver { tx, rx }
    }
}

/// `host:port` with the RTMP port by default.
fn with_port(dest: &str) -> String {
    if dest
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        dest.to_string()
    } else {
        format!("{dest}:1935")
    }
}

impl Server {
    /// Starts forwarding source `sid` to every destination of its vhost.
    pub(crate) fn start_forwards(&mut self, sid: Id) {
        let Some(source) = self.registry.get(sid) else {
            return;
        };
        for dest in source.vhost.forward.clone() {
            self.resolve_forward(sid, dest);
        }
    }

    /// Resolves `dest` on a thread (DNS may block); the loop connects when it is done.
    fn resolve_forward(&mut self, sid: Id, dest: String) {
        let tx = self.resolver.tx.clone();
        let waker = std::sync::Arc::clone(&self.waker);
        let spawned = std::thread::Builder::new()
            .name("srs-resolve".into())
            .spawn(move || {
                let result = with_port(&dest)
                    .to_socket_addrs()
                    .map_err(|e| e.to_string())
                    .and_then(|mut a| a.next().ok_or_else(|| "no address".to_string()));
                let _ = tx.send(Resolved {
                    source: sid,
                    dest,
                    result,
                });
                let _ = waker.wake();
            });
        if let Err(e) = spawned {
            log::error!("forward: cannot start a resolver thread: {e}");
        }
    }

    /// Connects the forwards whose destinations were resolved.
    pub(crate) fn on_resolved(&mut self) {
        while let Ok(r) = self.resolver.rx.try_recv() {
            let publishing = self
                .registry
                .get(r.source)
                .is_some_and(|s| s.publisher().is_some());
            if !publishing {
                continue;
            }
            match r.result {
                Ok(addr) => self.connect_forward(r.source, r.dest, addr),
                Err(e) => {
                    log::warn!("forward to {}: cannot resolve: {e}; retry in 3 s", r.dest);
                    self.forward_retries
                        .push((self.now_ms + RETRY_MS, r.source, r.dest));
                }
            }
        }
    }

    fn connect_forward(&mut self, sid: Id, dest: String, addr: SocketAddr) {
        let Some(source) = self.registry.get(sid) else {
            return;
        };
        let key = source.key.clone();
        let vhost = std::sync::Arc::clone(&source.vhost);
        let socket = match mio::net::TcpStream::connect(addr) {
            Ok(s) => s,
            Err(e) => {
                log::warn!("forward {key} to {dest}: connect: {e}; retry in 3 s");
                self.forward_retries
                    .push((self.now_ms + RETRY_MS, sid, dest));
                return;
            }
        };
        let config = ClientConfig {
            tc_url: format!(
                "rtmp://{}/{}?vhost={}",
                with_port(&dest),
                key.app,
                key.vhost
            ),
            app: key.app.clone(),
            page_url: String::new(),
            swf_url: String::new(),
            flash_ver: format!("SRS-RS/{}", env!("CARGO_PKG_VERSION")),
            complex_handshake: true,
            out_chunk_size: self.config.vhost_chunk_size(&vhost),
        };
        let session = ClientSession::new(
            config,
            FastRng::new(self.rng.next_u64()),
            (srs_core::clock::unix_ms() / 1000) as u32,
        );
        let cid = self.next_cid;
        self.next_cid += 1;
        let proto = Proto::Forward(Box::new(ForwardState {
            session,
            dest: dest.clone(),
            key: key.clone(),
            connected: false,
        }));
        let _ctx = ContextGuard::enter(cid);
        let Some(id) = self.insert_conn(cid, socket, addr, proto) else {
            self.forward_retries
                .push((self.now_ms + RETRY_MS, sid, dest));
            return;
        };
        if let Some(source) = self.registry.get_mut(sid) {
            source.forwarders.push(id);
        }
        log::info!("forward {key} to {dest} ({addr})");
        // The C0C1 is queued; it goes out once the socket is connected.
        self.mark_dirty(id);
    }

    /// Handles the events of forward connection `id`.
    pub(crate) fn drain_forward_events(&mut self, id: Id) {
        loop {
            let Some(conn) = self.conns.get_mut(id) else {
                return;
            };
            let Proto::Forward(fw) = &mut conn.proto else {
                return;
            };
            let Some(event) = fw.session.poll_event() else {
                return;
            };
            match event {
                ClientEvent::Connected => {
                    let stream = fw.key.stream.clone();
                    if let Err(e) = fw.session.publish(&stream) {
                        self.close(id, &format!("forward publish: {e}"));
                        return;
                    }
                }
                ClientEvent::PublishStarted => {
                    let key = fw.key.clone();
                    log::info!("forward {key} to {}: publishing", fw.dest);
                    self.attach_forwarder(id, &key);
                }
                ClientEvent::Rejected { code, description } => {
                    self.close(
                        id,
                        &format!("forward refused by the destination: {code} {description}"),
                    );
                    return;
                }
                _ => {}
            }
            self.mark_dirty(id);
        }
    }

    /// The destination accepted the publish: the forwarder becomes a "player"
    /// of the source with the original timestamps, starting from the caches.
    fn attach_forwarder(&mut self, id: Id, key: &StreamKey) {
        let Some(sid) = self.registry.find(key) else {
            return;
        };
        let Some(source) = self.registry.get_mut(sid) else {
            return;
        };
        let mut consumer = Consumer::new(
            JitterMode::Off,
            (source.vhost.queue_length_secs * 1000.0) as u32,
        );
        source.prime_consumer(&mut consumer);
        source.add_player(id);
        if let Some(conn) = self.conns.get_mut(id) {
            conn.role = Role::Player {
                source: sid,
                consumer: Box::new(consumer),
            };
        }
    }

    /// A forward connection closed: retry while its source is still published.
    pub(crate) fn forward_closed(&mut self, id: Id, conn: &Conn) {
        let Proto::Forward(fw) = &conn.proto else {
            return;
        };
        let Some(sid) = self.registry.find(&fw.key) else {
            return;
        };
        let Some(source) = self.registry.get_mut(sid) else {
            return;
        };
        let Some(pos) = source.forwarders.iter().position(|f| *f == id) else {
            return;
        };
        source.forwarders.swap_remove(pos);
        if source.publisher().is_some() {
            log::info!("forward {} to {}: retry in 3 s", fw.key, fw.dest);
            self.forward_retries
                .push((self.now_ms + RETRY_MS, sid, fw.dest.clone()));
        }
    }

    /// The publish of source `sid` ended: its forwards close without retry.
    pub(crate) fn stop_forwards(&mut self, sid: Id) {
        let Some(source) = self.registry.get_mut(sid) else {
            return;
        };
        let forwarders = std::mem::take(&mut source.forwarders);
        self.forward_retries.retain(|(_, s, _)| *s != sid);
        for f in forwarders {
            self.close(f, "the forwarded stream was unpublished");
        }
    }

    /// Retries that are due.
    pub(crate) fn retry_forwards(&mut self) {
        let now = self.now_ms;
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.forward_retries)
            .into_iter()
            .partition(|(t, _, _)| *t <= now);
        self.forward_retries = later;
        for (_, sid, dest) in due {
            if self
                .registry
                .get(sid)
                .is_some_and(|s| s.publisher().is_some())
            {
                self.resolve_forward(sid, dest);
            }
        }
    }
}

/// Whether a forward connection's non-blocking connect is done: `Ok(true)`
/// connected, `Ok(false)` still connecting, `Err` failed.
pub(crate) fn forward_connect_state(conn: &mut Conn) -> Result<bool, String> {
    let Proto::Forward(fw) = &mut conn.proto else {
        return Ok(true);
    };
    if fw.connected {
        return Ok(true);
    }
    if let Ok(Some(e)) | Err(e) = conn.socket.take_error() {
        return Err(format!("forward connect to {}: {e}", fw.dest));
    }
    match conn.socket.peer_addr() {
        Ok(_) => {
            fw.connected = true;
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotConnected => Ok(false),
        Err(e) => Err(format!("forward connect to {}: {e}", fw.dest)),
    }
}

/// Moves a publishing forwarder's queue into its session.
pub(crate) fn fill_forward(fw: &mut ForwardState, consumer: &mut Consumer, high_water: usize) {
    if fw.session.state() != ClientState::Publishing {
        return;
    }
    while fw.session.out_queue().len() < high_water {
        let Some(m) = consumer.pop() else { break };
        // Publishing is checked above, so sending cannot fail.
        let _ = fw.session.send_media(&m);
    }
}
