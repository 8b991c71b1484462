//! Outbound RTMP links on the loop, for the cluster features:
//!
//! - forward (`vhost { forward host:port ...; }`): every stream published on
//!   the vhost is republished to each destination;
//! - edge push (`mode remote; origin ...;`): a stream published on an edge
//!   is republished to one origin of the list;
//! - edge pull: a stream played on an edge is pulled from one origin of the
//!   list while it has players.
//!
//! A link that fails is retried every 3 s while it is still wanted; edge
//! links take the next origin of the list on each retry (round robin).

use std::net::SocketAddr;

use srs_core::log::ContextGuard;
use srs_core::FastRng;
use srs_rtmp::session::client::{ClientConfig, ClientEvent, ClientSession, ClientState};

use super::Server;
use crate::conn::{Conn, Proto, Role};
use crate::error::ConnError;
use crate::ids::{ConnId, SourceId};
use crate::link::{LinkKind, LinkState};
use crate::stream::{Consumer, JitterMode, StreamKey};
use crate::workers::Job;

/// Delay before a failed link is tried again.
pub(crate) const RETRY_MS: u64 = 3_000;

/// Who waits for a name to be resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Waiter {
    /// A source's forward or edge link.
    Source(SourceId),
    /// A client whose token check connects to the origin.
    Client(ConnId),
}

/// A name being resolved by the worker pool, and who waits for it.
pub(crate) struct Resolving {
    waiter: Waiter,
    dest: String,
    kind: LinkKind,
}

/// A link waiting for its retry (its timer is `TimerKey::LinkRetry`).
pub(crate) struct Retry {
    source: SourceId,
    dest: String,
    kind: LinkKind,
}

impl Server {
    /// A publish started on source `sid`: forward it, or push it to the
    /// origin when the vhost is an edge.
    pub(crate) fn start_forwards(&mut self, sid: SourceId) {
        let Some(source) = self.registry.get(sid) else {
            return;
        };
        if source.vhost.mode_remote {
            if let Some(origin) = self.next_origin(sid) {
                self.resolve_link(Waiter::Source(sid), origin, LinkKind::EdgePush);
            }
            return;
        }
        for dest in source.vhost.forward.clone() {
            self.resolve_link(Waiter::Source(sid), dest, LinkKind::Forward);
        }
    }

    /// A player joined source `sid` on an edge vhost: pull the stream from
    /// the origin unless it is published here or already being pulled.
    pub(crate) fn maybe_start_edge_pull(&mut self, sid: SourceId) {
        let Some(source) = self.registry.get_mut(sid) else {
            return;
        };
        if !source.vhost.mode_remote || source.publisher().is_some() || source.edge_pulling {
            return;
        }
        source.edge_pulling = true;
        if let Some(origin) = self.next_origin(sid) {
            self.resolve_link(Waiter::Source(sid), origin, LinkKind::EdgePull);
        }
    }

    /// The next origin of source `sid`'s vhost, round robin.
    fn next_origin(&mut self, sid: SourceId) -> Option<String> {
        let source = self.registry.get_mut(sid)?;
        let origins = &source.vhost.origin;
        if origins.is_empty() {
            return None;
        }
        let origin = origins[source.edge_origin % origins.len()].clone();
        source.edge_origin += 1;
        Some(origin)
    }

    /// Whether a link of `kind` for source `sid` is still wanted.
    fn link_wanted(&self, sid: SourceId, kind: LinkKind) -> bool {
        let Some(source) = self.registry.get(sid) else {
            return false;
        };
        match kind {
            // Pushed only while a local publisher (not the edge's own pull) publishes.
            LinkKind::Forward | LinkKind::EdgePush => {
                source.publisher().is_some() && source.publisher() != source.edge_pull
            }
            LinkKind::EdgePull => !source.players().is_empty() && source.publisher().is_none(),
            LinkKind::TokenCheck => false,
        }
    }

    /// Resolves `dest` on the worker pool (DNS may block); the loop connects
    /// when it is done.
    pub(crate) fn resolve_link(&mut self, waiter: Waiter, dest: String, kind: LinkKind) {
        let token = self.next_resolve_token;
        self.next_resolve_token += 1;
        self.workers.submit(Job::Resolve {
            token,
            dest: dest.clone(),
        });
        self.resolving
            .insert(token, Resolving { waiter, dest, kind });
    }

    fn schedule_retry(&mut self, sid: SourceId, dest: String, kind: LinkKind) {
        let id = self.next_retry_id;
        self.next_retry_id += 1;
        self.link_retries.insert(
            id,
            Retry {
                source: sid,
                dest,
                kind,
            },
        );
        self.timers.arm(
            self.now_ms + RETRY_MS,
            super::timers::TimerKey::LinkRetry(id),
        );
    }

    /// Connects the link whose destination (job `token`) was resolved.
    pub(crate) fn on_resolved(&mut self, token: u64, result: Result<SocketAddr, String>) {
        let Some(r) = self.resolving.remove(&token) else {
            return;
        };
        let sid = match r.waiter {
            Waiter::Client(id) => {
                self.token_resolved(id, r.dest, result);
                return;
            }
            Waiter::Source(sid) => sid,
        };
        if !self.link_wanted(sid, r.kind) {
            self.link_given_up(sid, r.kind);
            return;
        }
        match result {
            Ok(addr) => self.connect_link(sid, r.dest, addr, r.kind),
            Err(e) => {
                log::warn!(
                    "{} to {}: cannot resolve: {e}; retry in 3 s",
                    r.kind.name(),
                    r.dest
                );
                self.schedule_retry(sid, r.dest, r.kind);
            }
        }
    }

    /// A pull that is no longer wanted frees its source for a later one.
    fn link_given_up(&mut self, sid: SourceId, kind: LinkKind) {
        if kind == LinkKind::EdgePull {
            if let Some(source) = self.registry.get_mut(sid) {
                source.edge_pulling = source.edge_pull.is_some();
            }
        }
    }

    fn connect_link(&mut self, sid: SourceId, dest: String, addr: SocketAddr, kind: LinkKind) {
        let Some(source) = self.registry.get(sid) else {
            return;
        };
        let key = source.key.clone();
        let vhost = std::sync::Arc::clone(&source.vhost);
        let socket = match mio::net::TcpStream::connect(addr) {
            Ok(s) => s,
            Err(e) => {
                log::warn!(
                    "{} {key} to {dest}: connect: {e}; retry in 3 s",
                    kind.name()
                );
                self.schedule_retry(sid, dest, kind);
                return;
            }
        };
        let config = ClientConfig {
            tc_url: format!(
                "rtmp://{}/{}?vhost={}",
                crate::workers::with_port(&dest),
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
            (self.unix_ms / 1000) as u32,
        );
        let cid = self.next_cid;
        self.next_cid += 1;
        let proto = Proto::Forward(Box::new(LinkState {
            session,
            dest: dest.clone(),
            key: key.clone(),
            connected: false,
            kind,
        }));
        let _ctx = ContextGuard::enter(cid);
        let Some(id) = self.insert_conn(cid, socket, addr, proto) else {
            self.schedule_retry(sid, dest, kind);
            return;
        };
        if let Some(source) = self.registry.get_mut(sid) {
            match kind {
                LinkKind::EdgePull => source.edge_pull = Some(id),
                LinkKind::Forward | LinkKind::EdgePush | LinkKind::TokenCheck => {
                    source.forwarders.push(id)
                }
            }
        }
        log::info!("{} {key} to {dest} ({addr})", kind.name());
        // The C0C1 is queued; it goes out once the socket is connected.
        self.mark_dirty(id);
    }

    /// Handles the events of outbound link `id`.
    pub(crate) fn drain_forward_events(&mut self, id: ConnId) {
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
            let kind = fw.kind;
            if kind == LinkKind::TokenCheck {
                self.on_token_event(id, event);
                continue;
            }
            match event {
                ClientEvent::Connected => {
                    let stream = fw.key.stream.clone();
                    let asked = if kind == LinkKind::EdgePull {
                        fw.session.play(&stream)
                    } else {
                        fw.session.publish(&stream)
                    };
                    if let Err(e) = asked {
                        self.close(id, ConnError::Link(format!("{}: {e}", kind.name())));
                        return;
                    }
                }
                ClientEvent::PublishStarted => {
                    let key = fw.key.clone();
                    log::info!("{} {key} to {}: publishing", kind.name(), fw.dest);
                    self.attach_forwarder(id, &key);
                }
                ClientEvent::PlayStarted => {
                    let key = fw.key.clone();
                    log::info!("edge pull {key} from {}: playing", fw.dest);
                    if let Err(why) = self.attach_edge_pull(id, &key) {
                        self.close(id, ConnError::Link(why));
                        return;
                    }
                }
                ClientEvent::Media(msg) => self.on_publisher_media(id, msg),
                ClientEvent::Rejected { code, description } => {
                    let why = format!(
                        "{} refused by {}: {code} {description}",
                        kind.name(),
                        fw.dest
                    );
                    self.close(id, ConnError::Link(why));
                    return;
                }
                _ => {}
            }
            self.mark_dirty(id);
        }
    }

    /// The destination accepted the publish: the link becomes a "player"
    /// of the source with the original timestamps, starting from the caches.
    fn attach_forwarder(&mut self, id: ConnId, key: &StreamKey) {
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

    /// The origin plays the stream to us: the pull becomes the source's
    /// publisher (HLS/DVR of the edge run; nothing is pushed back).
    fn attach_edge_pull(&mut self, id: ConnId, key: &StreamKey) -> Result<(), String> {
        let sid = self.registry.find(key).ok_or("the edge source is gone")?;
        let source = self
            .registry
            .get_mut(sid)
            .ok_or("the edge source is gone")?;
        if !source.start_publish(id) {
            return Err(format!("edge pull {key}: the stream is published locally"));
        }
        for &pid in source.players() {
            if let Some(c) = self.conns.get_mut(pid).and_then(|p| p.consumer_mut()) {
                c.on_republish();
            }
        }
        if let Some(conn) = self.conns.get_mut(id) {
            conn.role = Role::Publisher(sid);
        }
        self.start_sinks(sid);
        Ok(())
    }

    /// An outbound link closed: retry while it is still wanted.
    pub(crate) fn forward_closed(&mut self, id: ConnId, conn: &Conn) {
        let Proto::Forward(fw) = &conn.proto else {
            return;
        };
        if fw.kind == LinkKind::TokenCheck {
            self.token_link_closed(id);
            return;
        }
        let Some(sid) = self.registry.find(&fw.key) else {
            return;
        };
        let Some(source) = self.registry.get_mut(sid) else {
            return;
        };
        match fw.kind {
            LinkKind::EdgePull => {
                if source.edge_pull != Some(id) {
                    return;
                }
                source.edge_pull = None;
                source.edge_pulling = false;
                if !source.players().is_empty() {
                    source.edge_pulling = true;
                    log::info!(
                        "edge pull {} from {}: retry in 3 s with the next origin",
                        fw.key,
                        fw.dest
                    );
                    if let Some(origin) = self.next_origin(sid) {
                        self.schedule_retry(sid, origin, LinkKind::EdgePull);
                    }
                }
            }
            kind => {
                let Some(pos) = source.forwarders.iter().position(|f| *f == id) else {
                    return;
                };
                source.forwarders.swap_remove(pos);
                if self.link_wanted(sid, kind) {
                    log::info!("{} {} to {}: retry in 3 s", kind.name(), fw.key, fw.dest);
                    let dest = if kind == LinkKind::EdgePush {
                        self.next_origin(sid).unwrap_or_else(|| fw.dest.clone())
                    } else {
                        fw.dest.clone()
                    };
                    self.schedule_retry(sid, dest, kind);
                }
            }
        }
    }

    /// The publish of source `sid` ended: its forwards close without retry.
    pub(crate) fn stop_forwards(&mut self, sid: SourceId) {
        let Some(source) = self.registry.get_mut(sid) else {
            return;
        };
        let forwarders = std::mem::take(&mut source.forwarders);
        self.link_retries
            .retain(|_, r| r.source != sid || r.kind == LinkKind::EdgePull);
        for f in forwarders {
            self.close(f, ConnError::Done("the forwarded stream was unpublished"));
        }
    }

    /// The last player of source `sid` left: an edge stops pulling.
    pub(crate) fn maybe_stop_edge_pull(&mut self, sid: SourceId) {
        let Some(source) = self.registry.get(sid) else {
            return;
        };
        if !source.players().is_empty() {
            return;
        }
        if let Some(pull) = source.edge_pull {
            self.close(pull, ConnError::Done("edge pull: no players left"));
        }
    }

    /// Retry `id` is due (cancelled retries are gone from the table).
    pub(crate) fn retry_link(&mut self, id: u64) {
        let Some(r) = self.link_retries.remove(&id) else {
            return;
        };
        if self.link_wanted(r.source, r.kind) {
            self.resolve_link(Waiter::Source(r.source), r.dest, r.kind);
        } else {
            self.link_given_up(r.source, r.kind);
        }
    }
}

/// Whether an outbound link's non-blocking connect is done: `Ok(true)`
/// connected, `Ok(false)` still connecting, `Err` failed.
pub(crate) fn forward_connect_state(conn: &mut Conn) -> Result<bool, String> {
    let Proto::Forward(fw) = &mut conn.proto else {
        return Ok(true);
    };
    if fw.connected {
        return Ok(true);
    }
    if let Ok(Some(e)) | Err(e) = conn.socket.take_error() {
        return Err(format!("{} connect to {}: {e}", fw.kind.name(), fw.dest));
    }
    match conn.socket.peer_addr() {
        Ok(_) => {
            fw.connected = true;
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotConnected => Ok(false),
        Err(e) => Err(format!("{} connect to {}: {e}", fw.kind.name(), fw.dest)),
    }
}

/// Moves a publishing link's queue into its session.
pub(crate) fn fill_forward(fw: &mut LinkState, consumer: &mut Consumer, high_water: usize) {
    if fw.session.state() != ClientState::Publishing {
        return;
    }
    while fw.session.out_queue().len() < high_water {
        let Some(m) = consumer.pop() else { break };
        // Publishing is checked above, so sending cannot fail.
        let _ = fw.session.send_media(&m);
    }
}
