//! Outbound RTMP links: what each kind does and the state a link connection
//! carries. The server's `forward`, `token` and `media` code drive them.

use srs_rtmp::session::client::ClientSession;

use crate::stream::StreamKey;

/// What an outbound link does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// Republishes a local publish to a forward destination.
    Forward,
    /// Republishes a publish on an edge to its origin.
    EdgePush,
    /// Plays a stream from the origin for an edge's players.
    EdgePull,
    /// Connects to the origin with a client's parameters (token traverse).
    TokenCheck,
}

impl LinkKind {
    /// The name in log lines.
    pub fn name(self) -> &'static str {
        match self {
            LinkKind::Forward => "forward",
            LinkKind::EdgePush => "edge push",
            LinkKind::EdgePull => "edge pull",
            LinkKind::TokenCheck => "token traverse",
        }
    }
}

/// The state of an outbound RTMP client connection (one kind of
/// connection protocol, `Proto::Forward`).
pub struct LinkState {
    /// The client session.
    pub session: ClientSession,
    /// `host:port` as configured.
    pub dest: String,
    /// The stream.
    pub key: StreamKey,
    /// The non-blocking connect finished.
    pub connected: bool,
    /// Forward, edge push, edge pull or token check.
    pub kind: LinkKind,
    /// The admission a token check answers.
    pub ticket: Option<crate::admission::TicketId>,
    /// The link of the plan (forward, edge push, edge pull).
    pub link: Option<super::LinkId>,
}
