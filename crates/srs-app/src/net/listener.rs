//! Listening sockets for every `listen` entry and the HTTP services.

use std::io;
use std::net::SocketAddr;

use mio::net::TcpListener;

use crate::http::HttpService;

/// What a listener serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenerKind {
    /// RTMP clients.
    Rtmp,
    /// HTTP clients of a service.
    Http(HttpService),
}

/// A bound listener and the address it was asked for.
pub struct Listener {
    /// The socket.
    pub socket: TcpListener,
    /// The configured address (port 0 stays 0 here).
    pub configured: SocketAddr,
    /// The address actually bound.
    pub local: SocketAddr,
    /// What it serves.
    pub kind: ListenerKind,
}

impl Listener {
    /// Binds `addr` (SO_REUSEADDR is set by mio on Unix).
    pub fn bind(addr: SocketAddr, kind: ListenerKind) -> io::Result<Listener> {
        let socket = TcpListener::bind(addr)?;
        let local = socket.local_addr()?;
        Ok(Listener {
            socket,
            configured: addr,
            local,
            kind,
        })
    }
}
