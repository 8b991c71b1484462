//! One RTMP client connection: its socket, protocol session, identity and
//! role (publisher or player with its queue).

use std::net::SocketAddr;
use std::sync::Arc;

use mio::net::TcpStream;
use srs_core::Id;
use srs_rtmp::session::server::ServerSession;
use srs_rtmp::url::RequestUrl;

use crate::config::VhostConfig;
use crate::stream::Consumer;

/// What a connection does for its source.
#[derive(Debug)]
pub enum Role {
    /// Connected (or not even that), neither publishing nor playing.
    Idle,
    /// Publishing to the source.
    Publisher(Id),
    /// Playing the source through its queue.
    Player {
        /// The source played.
        source: Id,
        /// The player's queue.
        consumer: Box<Consumer>,
    },
}

/// An RTMP client connection.
pub struct RtmpConn {
    /// Context id for the log (SRS's cid).
    pub cid: u64,
    /// The socket.
    pub socket: TcpStream,
    /// The peer address.
    pub peer: SocketAddr,
    /// The protocol state machine.
    pub session: ServerSession,
    /// Where the client wants to go, once connected.
    pub url: Option<RequestUrl>,
    /// The vhost in force, once connected.
    pub vhost: Option<Arc<VhostConfig>>,
    /// Page URL from connect (refer checks).
    pub page_url: String,
    /// Publisher, player or neither.
    pub role: Role,
    /// Close once the outbound queue is flushed (after a rejection).
    pub closing: bool,
    /// Queued in the server's dirty list for a flush this turn.
    pub dirty: bool,
    /// Bytes written to the socket.
    pub bytes_out: u64,
    /// Monotonic ms of the last byte received.
    pub last_read_ms: u64,
    /// Monotonic ms of the last write progress (or of when the queue became non-empty).
    pub last_write_ms: u64,
    /// Monotonic ms when the connection was accepted.
    pub accepted_ms: u64,
}

impl RtmpConn {
    /// The source this connection publishes or plays, if any.
    pub fn source(&self) -> Option<Id> {
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
}
