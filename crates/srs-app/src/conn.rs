//! One client connection of any protocol: the socket, timers, its role for a
//! source (publisher or player with a queue), and the protocol state.

use std::net::SocketAddr;
use std::sync::Arc;

use mio::net::TcpStream;
use srs_rtmp::out_queue::OutQueue;
use srs_rtmp::session::server::ServerSession;
use srs_rtmp::url::RequestUrl;

use crate::config::VhostConfig;
use crate::ids::SourceId;
use crate::links::LinkState;
use crate::stream::Consumer;

/// What a connection does for its source.
#[derive(Debug)]
pub enum Role {
    /// Neither publishing nor playing.
    Idle,
    /// Publishing to the source.
    Publisher(SourceId),
    /// Playing the source through its queue.
    Player {
        /// The source played.
        source: SourceId,
        /// The player's queue.
        consumer: Box<Consumer>,
    },
}

/// The RTMP side of a connection.
pub struct RtmpState {
    /// The protocol state machine.
    pub session: ServerSession,
    /// Where the client wants to go, once connected.
    pub url: Option<RequestUrl>,
    /// The vhost in force, once connected.
    pub vhost: Option<Arc<VhostConfig>>,
    /// Page URL from connect (refer checks).
    pub page_url: String,
    /// The bandwidth test this connection runs (bandcheck vhosts).
    pub bandwidth: Option<Box<srs_rtmp::bandwidth::BandwidthServer>>,
    /// The `duration` of the play request in milliseconds (librtmp's `--stop`;
    /// SRS reads it as milliseconds too), 0 for "until the end".
    pub play_duration_ms: u64,
}

/// The protocol spoken on a connection.
pub enum Proto {
    /// An RTMP client.
    Rtmp(Box<RtmpState>),
    /// An HTTP client (files, live FLV, API).
    Http(Box<crate::http::HttpState>),
    /// An outbound publish to a forward destination.
    Forward(Box<LinkState>),
}

/// A client connection.
pub struct Conn {
    /// Context id for the log (SRS's cid).
    pub cid: u64,
    /// The socket.
    pub socket: TcpStream,
    /// The peer address.
    pub peer: SocketAddr,
    /// Publisher, player or neither.
    pub role: Role,
    /// Protocol state.
    pub proto: Proto,
    /// Close once the outbound queue is flushed.
    pub closing: bool,
    /// Queued in the server's dirty list for a flush this turn.
    pub dirty: bool,
    /// Bytes written to the socket.
    pub bytes_out: u64,
    /// Bytes read from the socket.
    pub bytes_in: u64,
    /// Monotonic ms of the last byte received.
    pub last_read_ms: u64,
    /// Monotonic ms of the last write progress (or of when the queue became non-empty).
    pub last_write_ms: u64,
    /// Monotonic ms when the connection was accepted.
    pub accepted_ms: u64,
    /// Merged-write interval of a player (vhost `mw_latency`), 0 = write at once.
    pub merge_ms: u64,
    /// A player's queue is not written before this time (monotonic ms), so
    /// many messages go out in one `writev`.
    pub next_flush_ms: u64,
    /// Time and byte counters at the last pithy print: (ms, in, out).
    pub pithy: (u64, u64, u64),
    /// Registered for writable events too. Only while a write is blocked (or
    /// an outbound connect is in progress): otherwise every ACK would wake the loop.
    pub want_writable: bool,
}

impl Conn {
    /// The source this connection publishes or plays, if any.
    pub fn source(&self) -> Option<SourceId> {
        match &self.role {
            Role::Idle => None,
            Role::Publisher(s) => Some(*s),
            Role::Player { source, .. } => Some(*source),
        }
    }

    /// The player's queue, if playing.
    pub fn consumer_mut(&mut self) -> Option<&mut Consumer> {
        match &mut self.role {
            Role::Player { consumer, .. } => Some(consumer),
            _ => None,
        }
    }

    /// Bytes waiting to be written.
    pub fn out_queue(&mut self) -> &mut OutQueue {
        match &mut self.proto {
            Proto::Rtmp(r) => r.session.out_queue(),
            Proto::Http(h) => &mut h.out,
            Proto::Forward(f) => f.session.out_queue(),
        }
    }

    /// Bytes waiting to be written.
    pub fn out_queue_len(&self) -> usize {
        match &self.proto {
            Proto::Rtmp(r) => r.session.out_queue_len(),
            Proto::Http(h) => h.out.len(),
            Proto::Forward(f) => f.session.out_queue_len(),
        }
    }

    /// The RTMP state, if this is an RTMP connection.
    pub fn rtmp(&mut self) -> Option<&mut RtmpState> {
        match &mut self.proto {
            Proto::Rtmp(r) => Some(r),
            Proto::Http(_) | Proto::Forward(_) => None,
        }
    }
}
