//! The driver side of connections: accepting, reading into sessions with
//! budgets and back-pressure, and writing outbound queues (merged writes,
//! writable interest only while a write is blocked).

use std::io;
use std::net::SocketAddr;

use mio::Interest;
use srs_core::log::ContextGuard;
use srs_core::FastRng;
use srs_rtmp::chunk::decoder::DEFAULT_MAX_MESSAGE_SIZE;
use srs_rtmp::session::server::ServerSession;

use super::limits::Pool;
use super::{
    forward, token_of, Server, FLUSH_HIGH_WATER, MAX_UNREAD_OUTPUT, MAX_UNREAD_PIECES, READ_BUDGET,
};
use crate::conn::{Conn, Proto, Role, RtmpState};
use crate::error::ConnError;
use crate::http::{HttpState, MAX_PIPELINED_INPUT};
use crate::ids::ConnId;
use crate::net::listener::ListenerKind;
use crate::net::socket::{read_with, write_buf, Flow, ReadError, ReadOutcome};
use crate::net::token::TokenKind;
use crate::stream::Registry;

impl Server {
    pub(super) fn accept(&mut self, index: usize) {
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
            let proto = match &listener.kind {
                ListenerKind::Rtmp => Proto::Rtmp(Box::new(RtmpState {
                    session: ServerSession::new(
                        FastRng::new(self.rng.next_u64()),
                        (self.unix_ms / 1000) as u32,
                    ),
                    url: None,
                    vhost: None,
                    page_url: String::new(),
                    bandwidth: None,
                    play_duration_ms: 0,
                })),
                ListenerKind::Http(service) => {
                    Proto::Http(Box::new(HttpState::new(service.clone())))
                }
            };
            let cid = self.next_cid;
            self.next_cid += 1;
            let _ctx = ContextGuard::enter(cid);
            if !self.admit(Pool::of(&proto), peer) {
                continue;
            }
            if self.insert_conn(cid, socket, peer, proto).is_some() {
                log::info!("accept client {peer}, {} connections", self.conns.len());
            }
        }
    }

    /// Stores a new connection and registers its socket (readable and
    /// writable, edge-triggered). `None` when the registration failed.
    pub(crate) fn insert_conn(
        &mut self,
        cid: u64,
        socket: mio::net::TcpStream,
        peer: SocketAddr,
        proto: Proto,
    ) -> Option<ConnId> {
        let _ = socket.set_nodelay(true);
        let now = self.now_ms;
        self.counts.add(Pool::of(&proto));
        let id = self.conns.insert(Conn {
            cid,
            socket,
            peer,
            role: Role::Idle,
            proto,
            closing: false,
            dirty: false,
            bytes_out: 0,
            bytes_in: 0,
            last_read_ms: now,
            last_write_ms: now,
            accepted_ms: now,
            merge_ms: 0,
            next_flush_ms: 0,
            pithy: (now, 0, 0),
            want_writable: false,
        });
        let conn = self.conns.get_mut(id)?;
        // Outbound links wait for their connect to finish: writable from the start.
        conn.want_writable = matches!(conn.proto, Proto::Forward(_));
        let interest = if conn.want_writable {
            Interest::READABLE | Interest::WRITABLE
        } else {
            Interest::READABLE
        };
        let registered = match TokenKind::Conn(id).token() {
            Some(token) => self
                .poll
                .registry()
                .register(&mut conn.socket, token, interest),
            None => Err(io::Error::other("connection slot beyond the token range")),
        };
        if let Err(e) = registered {
            log::warn!("register {peer} failed: {e}");
            if let Some(c) = self.conns.remove(id) {
                self.counts.remove(Pool::of(&c.proto));
            }
            return None;
        }
        Some(id)
    }

    pub(super) fn read(&mut self, id: ConnId) {
        let Some(conn) = self.conns.get_mut(id) else {
            return;
        };
        let _ctx = ContextGuard::enter(conn.cid);
        let result = match &mut conn.proto {
            Proto::Rtmp(rtmp) => {
                let session = &mut rtmp.session;
                match session.process_backlog() {
                    Err(e) => Err(ConnError::Protocol(e)),
                    // Events of the backlog first; the socket waits.
                    Ok(()) if session.has_backlog() => Ok(ReadOutcome {
                        budget_exhausted: true,
                        ..ReadOutcome::default()
                    }),
                    Ok(()) => {
                        read_with(&mut conn.socket, &mut self.read_buf, READ_BUDGET, |data| {
                            session.feed(data)?;
                            Ok::<_, srs_rtmp::RtmpError>(if session.has_backlog() {
                                Flow::Pause
                            } else {
                                Flow::More
                            })
                        })
                        .map_err(|e| match e {
                            ReadError::Io(e) => ConnError::Read(e),
                            ReadError::Sink(e) => ConnError::Protocol(e),
                        })
                    }
                }
            }
            Proto::Forward(fw) => {
                let session = &mut fw.session;
                read_with(&mut conn.socket, &mut self.read_buf, READ_BUDGET, |data| {
                    session.feed(data).map(|()| Flow::More)
                })
                .map_err(|e| match e {
                    ReadError::Io(e) => ConnError::Read(e),
                    ReadError::Sink(e) => ConnError::Protocol(e),
                })
            }
            Proto::Http(http) if http.input.len() >= MAX_PIPELINED_INPUT => {
                // Answers first; serve_http resumes reading.
                http.read_paused = true;
                Ok(ReadOutcome::default())
            }
            Proto::Http(http) => {
                if http.input.is_empty() {
                    http.head_started_ms = self.now_ms;
                }
                let input = &mut http.input;
                read_with(&mut conn.socket, &mut self.read_buf, READ_BUDGET, |data| {
                    input.extend_from_slice(data);
                    Ok::<_, std::convert::Infallible>(if input.len() >= MAX_PIPELINED_INPUT {
                        Flow::Pause
                    } else {
                        Flow::More
                    })
                })
                .map_err(|e| match e {
                    ReadError::Io(e) => ConnError::Read(e),
                    ReadError::Sink(e) => match e {},
                })
            }
        };
        let outcome = match result {
            Ok(o) => o,
            Err(why) => {
                self.drain_events(id);
                self.close(id, why);
                return;
            }
        };
        if outcome.read > 0 {
            conn.last_read_ms = self.now_ms;
            conn.bytes_in += outcome.read as u64;
            if let Some(bw) = conn.rtmp().and_then(|r| r.bandwidth.as_mut()) {
                bw.on_bytes_received(outcome.read as u64);
            }
        }
        self.drain_events(id);
        if let Some(queued) = self.unread_output(id) {
            self.close(id, ConnError::NotReading { queued });
            return;
        }
        if outcome.eof {
            self.close(id, ConnError::PeerClosed);
            return;
        }
        if outcome.budget_exhausted {
            self.hot.push(id);
        }
        self.mark_dirty(id);
    }

    /// The bytes queued for an RTMP peer, when more than it may have: its
    /// input makes answers (pongs, acks, results) and it never reads them.
    /// HTTP answers one request at a time, so it needs no such cap.
    pub(super) fn unread_output(&mut self, id: ConnId) -> Option<usize> {
        let conn = self.conns.get_mut(id)?;
        let cap = match (&conn.proto, &conn.role) {
            (Proto::Http(_), _) => return None,
            // A player's queue also holds media: up to the flush mark plus one message.
            (_, Role::Player { .. }) => {
                MAX_UNREAD_OUTPUT + FLUSH_HIGH_WATER + DEFAULT_MAX_MESSAGE_SIZE as usize
            }
            _ => MAX_UNREAD_OUTPUT,
        };
        let queued = conn.out_queue_len();
        // Tiny answers cost far more memory than their bytes: count pieces too.
        let pieces = conn.out_queue().segments();
        (queued > cap || pieces > MAX_UNREAD_PIECES).then_some(queued)
    }

    pub(crate) fn mark_dirty(&mut self, id: ConnId) {
        if let Some(conn) = self.conns.get_mut(id) {
            if !conn.dirty {
                conn.dirty = true;
                self.dirty.push(id);
            }
        }
    }

    pub(super) fn flush_dirty(&mut self) {
        if self.now_ms >= self.next_merge_ms {
            // Merged writes that are due go back to the dirty list.
            self.next_merge_ms = u64::MAX;
            let due = std::mem::take(&mut self.deferred);
            self.dirty.extend(due);
        }
        let mut dirty = std::mem::take(&mut self.dirty);
        for &id in &dirty {
            let Some(conn) = self.conns.get(id) else {
                continue;
            };
            if conn.next_flush_ms > self.now_ms && conn.out_queue_len() == 0 {
                // Not due: wait so this player's messages go out together.
                self.next_merge_ms = self.next_merge_ms.min(conn.next_flush_ms);
                self.deferred.push(id);
                continue;
            }
            self.flush(id);
        }
        dirty.clear();
        if self.dirty.is_empty() {
            // Keep the allocation for the next turn.
            self.dirty = dirty;
        }
    }

    /// The socket has room again. Edge-triggered epoll also reports this after
    /// every ACK; a player with nothing half-written waits for its merged
    /// write instead of writing one message at a time.
    pub(super) fn on_writable(&mut self, id: ConnId) {
        let Some(conn) = self.conns.get(id) else {
            return;
        };
        let streaming_file = matches!(&conn.proto, Proto::Http(h) if matches!(h.body, crate::http::Body::File { .. }));
        if conn.out_queue_len() > 0 || streaming_file || conn.closing {
            self.flush(id);
        }
    }

    /// Moves queued media or file data into the connection's outbound queue
    /// and writes as much as the socket takes.
    pub(super) fn flush(&mut self, id: ConnId) {
        let Some(conn) = self.conns.get_mut(id) else {
            return;
        };
        conn.dirty = false;
        if conn.merge_ms > 0 {
            conn.next_flush_ms = self.now_ms + conn.merge_ms;
        }
        loop {
            if let Err(why) = fill_out_queue(conn, &self.registry) {
                let _ctx = ContextGuard::enter(conn.cid);
                self.close(id, ConnError::FileBody(why));
                return;
            }
            if conn.out_queue().is_empty() {
                break;
            }
            match forward::forward_connect_state(conn) {
                Ok(true) => {}
                // Still connecting: the writable event comes when it is done.
                Ok(false) => return,
                Err(why) => {
                    let _ctx = ContextGuard::enter(conn.cid);
                    self.close(id, ConnError::Link(why));
                    return;
                }
            }
            let Conn { socket, proto, .. } = conn;
            let out = match proto {
                Proto::Rtmp(r) => r.session.out_queue(),
                Proto::Http(h) => &mut h.out,
                Proto::Forward(f) => f.session.out_queue(),
            };
            match write_buf(socket, out) {
                Ok(o) => {
                    if o.written > 0 {
                        conn.bytes_out += o.written as u64;
                        conn.last_write_ms = self.now_ms;
                        if let Some(bw) = conn.rtmp().and_then(|r| r.bandwidth.as_mut()) {
                            bw.on_bytes_sent(o.written as u64);
                        }
                        if let Role::Player { source, .. } = &conn.role {
                            if let Some(s) = self.registry.get_mut(*source) {
                                s.add_bytes_out(o.written as u64);
                            }
                        }
                    }
                    if o.blocked {
                        if !conn.want_writable {
                            conn.want_writable = true;
                            let _ = self.poll.registry().reregister(
                                &mut conn.socket,
                                token_of(TokenKind::Conn(id)),
                                Interest::READABLE | Interest::WRITABLE,
                            );
                        }
                        return;
                    }
                }
                Err(e) => {
                    let _ctx = ContextGuard::enter(conn.cid);
                    self.close(id, ConnError::Write(e));
                    return;
                }
            }
        }
        // Nothing pending: the send timer restarts when data is next queued.
        conn.last_write_ms = self.now_ms;
        if conn.want_writable && forward::forward_connect_state(conn) == Ok(true) {
            conn.want_writable = false;
            let _ = self.poll.registry().reregister(
                &mut conn.socket,
                token_of(TokenKind::Conn(id)),
                Interest::READABLE,
            );
        }
        if conn.closing {
            let _ctx = ContextGuard::enter(conn.cid);
            self.close(id, ConnError::Done("closed after the answer"));
            return;
        }
        if matches!(conn.proto, Proto::Http(_)) {
            // The next pipelined request is logged under its connection's id.
            let _ctx = ContextGuard::enter(conn.cid);
            self.http_answer_done(id);
        }
    }
}

/// Refills a connection's outbound queue from what it streams: its source's
/// ring (as RTMP chunks, shared when it can, or FLV tags) or a file body.
fn fill_out_queue(conn: &mut Conn, registry: &Registry) -> Result<(), String> {
    let ring = match &conn.role {
        Role::Player { source, .. } => registry.get(*source).map(|s| &s.ring),
        _ => None,
    };
    match (&mut conn.proto, &mut conn.role, ring) {
        (Proto::Rtmp(rtmp), Role::Player { consumer, .. }, Some(ring)) => {
            while rtmp.session.out_queue().len() < FLUSH_HIGH_WATER {
                let Some(next) = consumer.pop(ring) else {
                    break;
                };
                // The shared form falls back to this player's own encoding
                // when it is not in step.
                if let Some(shared) = next.shared() {
                    rtmp.session.send_shared_media(shared, next.timestamp());
                } else {
                    let m = next.message();
                    rtmp.session
                        .send_media(m.kind, next.timestamp(), &m.payload);
                }
            }
            Ok(())
        }
        (Proto::Http(http), Role::Player { consumer, .. }, Some(ring)) => {
            while http.out.len() < FLUSH_HIGH_WATER {
                let Some(next) = consumer.pop(ring) else {
                    break;
                };
                crate::http::flv_live::queue_tag(&mut http.out, next.message(), next.timestamp());
            }
            Ok(())
        }
        (Proto::Http(http), _, _) => {
            if http.out.len() < FLUSH_HIGH_WATER {
                match http.refill_file() {
                    Ok(true) => Ok(()),
                    Ok(false) => Err("file shorter than announced".into()),
                    Err(e) => Err(format!("file read error: {e}")),
                }
            } else {
                Ok(())
            }
        }
        (Proto::Forward(fw), Role::Player { consumer, .. }, Some(ring)) => {
            forward::fill_forward(fw, consumer, ring, FLUSH_HIGH_WATER);
            Ok(())
        }
        (Proto::Rtmp(_), _, _) | (Proto::Forward(_), _, _) => Ok(()),
    }
}
