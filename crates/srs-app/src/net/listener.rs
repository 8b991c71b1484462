//! Listening sockets for every `listen` entry.

use std::io;
use std::net::SocketAddr;

use mio::net::TcpListener;

/// A bound listener and the address it was asked for.
pub struct Listener {
    /// The socket.
    pub socket: TcpListener,
    /// The configured address (port 0 stays 0 here).
    pub configured: SocketAddr,
    /// The address actually bound.
    pub local: SocketAddr,
}

impl Listener {
    /// Binds `addr` (SO_REUSEADDR is set by mio on Unix).
    pub fn bind(addr: SocketAddr) -> io::Result<Listener> {
        let socket = TcpListener::bind(addr)?;
        let local = socket.local_addr()?;
        Ok(Listener {
            socket,
            configured: addr,
            local,
        })
    }
}
