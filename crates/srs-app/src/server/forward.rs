//! Outbound RTMP links on the loop, for the cluster features:
//!
//! - forward (`vhost { forward host:port ...; }`): every stream published on
//!   the vhost is republished to each destination;
//! - edge push (`mode remote; origin ...;`): a stream published on an edge
//!   is republished to one origin of the list;
//! - edge pull: a stream played on an edge is pulled from one origin of the
//!   list while it has players.
//!
//! Which links are wanted and when they are retried is decided by the plan
//! (`crate::links::plan`); this is the driver's side: names resolved on the
//! worker pool, sockets, client sessions, and what a link's events do.

use std::net::SocketAddr;
use std::sync::Arc;

use srs_core::log::ContextGuard;
use srs_core::FastRng;
use srs_rtmp::command::ConnectCommand;
use srs_rtmp::session::client::{ClientConfig, ClientEvent, ClientSession, ClientState};

use super::timers::TimerKey;
use super::Server;
use crate::admission::TicketId;
use crate::conn::{Conn, Proto, Role};
use crate::error::ConnError;
use crate::ids::{ConnId, SourceId};
use crate::links::plan::Action as LinkAction;
use crate::links::{LinkId, LinkKind, LinkState};
use crate::stream::ring::MediaRing;
use crate::stream::source::queue_ms;
use crate::stream::{Consumer, JitterMode, StreamKey};
use crate::workers::Job;

/// Who waits for a name to be resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Waiter {
    /// A forward or edge link of the link plan.
    Link(LinkId),
    /// An admission whose token check connects to the origin.
    Ticket(TicketId),
}

/// A name being resolved by the worker pool, and who waits for it.
pub(crate) struct Resolving {
    waiter: Waiter,
    dest: String,
    /// The client's connect, for a token check.
    connect: Option<Box<ConnectCommand>>,
}

impl Server {
    /// A local publish started on source `sid`: forward it, or push it to
    /// the origin when the vhost is an edge.
    pub(crate) fn start_forwards(&mut self, sid: SourceId) {
        let Some(vhost) = self.registry.get(sid).map(|s| Arc::clone(&s.vhost)) else {
            return;
        };
        self.links.published(sid, &vhost);
        self.run_links();
    }

    /// Runs what the link plan asks for.
    pub(crate) fn run_links(&mut self) {
        loop {
            let actions = self.links.take_actions();
            if actions.is_empty() {
                return;
            }
            for action in actions {
                match action {
                    LinkAction::Resolve { link, dest } => self.resolve(Resolving {
                        waiter: Waiter::Link(link),
                        dest,
                        connect: None,
                    }),
                    LinkAction::Connect {
                        link,
                        source,
                        kind,
                        dest,
                        addr,
                    } => self.connect_link(link, source, dest, addr, kind),
                    LinkAction::Close { conn, why } => self.close(conn, ConnError::Done(why)),
                    LinkAction::ArmRetry { link, at_ms } => {
                        self.timers.arm(at_ms, TimerKey::LinkRetry(link))
                    }
                }
            }
        }
    }

    /// Resolves the origin a token check of `ticket` asks.
    pub(crate) fn resolve_token_origin(
        &mut self,
        ticket: TicketId,
        dest: String,
        connect: ConnectCommand,
    ) {
        self.resolve(Resolving {
            waiter: Waiter::Ticket(ticket),
            dest,
            connect: Some(Box::new(connect)),
        });
    }

    /// Resolves a name on the worker pool (DNS may block); the loop goes on
    /// when it is done.
    fn resolve(&mut self, r: Resolving) {
        let token = self.next_resolve_token;
        self.next_resolve_token += 1;
        self.workers.submit(Job::Resolve {
            token,
            dest: r.dest.clone(),
        });
        self.resolving.insert(token, r);
    }

    /// Connects the link whose destination (job `token`) was resolved.
    pub(crate) fn on_resolved(&mut self, token: u64, result: Result<SocketAddr, String>) {
        let Some(r) = self.resolving.remove(&token) else {
            return;
        };
        match r.waiter {
            Waiter::Ticket(ticket) => {
                if let Some(connect) = r.connect {
                    self.token_resolved(ticket, *connect, r.dest, result);
                }
            }
            Waiter::Link(link) => {
                self.links.resolved(self.now_ms, link, result);
                self.run_links();
            }
        }
    }

    fn connect_link(
        &mut self,
        link: LinkId,
        sid: SourceId,
        dest: String,
        addr: SocketAddr,
        kind: LinkKind,
    ) {
        let Some(source) = self.registry.get(sid) else {
            self.links.connect_failed(self.now_ms, link);
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
                self.links.connect_failed(self.now_ms, link);
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
            ticket: None,
            link: Some(link),
        }));
        let _ctx = ContextGuard::enter(cid);
        let Some(id) = self.insert_conn(cid, socket, addr, proto) else {
            self.links.connect_failed(self.now_ms, link);
            return;
        };
        self.links.attached(link, id);
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
            if let Some(ticket) = fw.ticket {
                self.on_token_event(id, ticket, event);
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
        let mut consumer = Consumer::new(JitterMode::Off, queue_ms(&source.vhost));
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

    /// An outbound link closed: the plan retries it while it is wanted.
    pub(crate) fn forward_closed(&mut self, conn: &Conn) {
        let Proto::Forward(fw) = &conn.proto else {
            return;
        };
        if let Some(ticket) = fw.ticket {
            self.token_link_closed(ticket);
        }
        if let Some(link) = fw.link {
            self.links.closed(self.now_ms, link);
            self.run_links();
        }
    }

    /// The retry of `link` is due.
    pub(crate) fn retry_link(&mut self, link: LinkId) {
        self.links.retry_due(link);
        self.run_links();
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

/// Moves what a publishing link has to send into its session.
pub(crate) fn fill_forward(
    fw: &mut LinkState,
    consumer: &mut Consumer,
    ring: &MediaRing,
    high_water: usize,
) {
    if fw.session.state() != ClientState::Publishing {
        return;
    }
    while fw.session.out_queue().len() < high_water {
        let Some(next) = consumer.pop(ring) else {
            break;
        };
        // Publishing is checked above, so sending cannot fail.
        let _ = fw.session.send_media(&next.to_message());
    }
}
