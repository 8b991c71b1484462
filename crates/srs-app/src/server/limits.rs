//! Connection limits. `max_connections` counts the clients of the RTMP and
//! HTTP server listeners; the API has its own small pool so an operator can
//! always get in; when the pool is full, the oldest socket that has not even
//! connected yet gives its place to the newcomer; refusals are logged once a
//! second, not once each.

use srs_rtmp::session::server::ServerState;

use super::Server;
use crate::conn::{Conn, Proto};
use crate::error::ConnError;
use crate::http::HttpService;
use crate::ids::ConnId;

/// Connections the HTTP API accepts at once, beside `max_connections`.
pub(crate) const MAX_API_CONNECTIONS: usize = 64;

/// How many connections of each kind are open.
#[derive(Debug, Default)]
pub(crate) struct ConnCounts {
    /// RTMP and HTTP server clients (what `max_connections` limits).
    pub clients: usize,
    /// HTTP API clients.
    pub api: usize,
}

/// Which pool a connection belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pool {
    Clients,
    Api,
    /// Links this server opened (forward, edge): not limited here.
    Outbound,
}

impl Pool {
    pub(crate) fn of(proto: &Proto) -> Pool {
        match proto {
            Proto::Http(h) if matches!(h.service, HttpService::Api) => Pool::Api,
            Proto::Rtmp(_) | Proto::Http(_) => Pool::Clients,
            Proto::Forward(_) => Pool::Outbound,
        }
    }
}

impl ConnCounts {
    pub(crate) fn add(&mut self, pool: Pool) {
        match pool {
            Pool::Clients => self.clients += 1,
            Pool::Api => self.api += 1,
            Pool::Outbound => {}
        }
    }

    pub(crate) fn remove(&mut self, pool: Pool) {
        match pool {
            Pool::Clients => self.clients = self.clients.saturating_sub(1),
            Pool::Api => self.api = self.api.saturating_sub(1),
            Pool::Outbound => {}
        }
    }
}

/// Refusals counted between two log lines.
#[derive(Debug, Default)]
pub(crate) struct RefusalLog {
    count: u64,
    last_line_ms: Option<u64>,
}

/// Whether a connection has not done anything a client needs yet: an RTMP
/// socket before its connect, an HTTP socket with nothing answered and
/// nothing being read.
fn before_first_request(conn: &Conn) -> bool {
    match &conn.proto {
        Proto::Rtmp(r) => matches!(
            r.session.state(),
            ServerState::Handshaking | ServerState::WaitConnect
        ),
        Proto::Http(h) => h.requests == 0 && !h.busy(),
        Proto::Forward(_) => false,
    }
}

impl Server {
    /// Whether a new connection of `pool` may be accepted, evicting the oldest
    /// idle pre-connect client when the client pool is full.
    pub(crate) fn admit(&mut self, pool: Pool, peer: std::net::SocketAddr) -> bool {
        let (used, limit) = match pool {
            Pool::Clients => (self.counts.clients, self.config.max_connections as usize),
            Pool::Api => (self.counts.api, MAX_API_CONNECTIONS),
            Pool::Outbound => return true,
        };
        if used < limit {
            return true;
        }
        if pool == Pool::Clients {
            if let Some(victim) = self.oldest_idle_client() {
                let why = "max_connections reached: the oldest idle socket makes room";
                self.close(victim, ConnError::Done(why));
                return true;
            }
        }
        self.note_refusal(peer, used, limit);
        false
    }

    fn oldest_idle_client(&self) -> Option<ConnId> {
        self.conns
            .iter()
            .filter(|(_, c)| Pool::of(&c.proto) == Pool::Clients && before_first_request(c))
            .min_by_key(|(_, c)| c.accepted_ms)
            .map(|(id, _)| id)
    }

    fn note_refusal(&mut self, peer: std::net::SocketAddr, used: usize, limit: usize) {
        if let Some(count) = self.refusals.count(self.now_ms) {
            log::warn!(
                "refuse {peer}: {used} connections reached the limit {limit} \
                 ({count} refused since the last such line)"
            );
        }
    }
}

impl RefusalLog {
    /// Counts one refusal at `now_ms`; returns the count to log when a line
    /// is due (the first, then at most one a second).
    fn count(&mut self, now_ms: u64) -> Option<u64> {
        self.count += 1;
        if self.last_line_ms.is_some_and(|t| now_ms < t + 1000) {
            return None;
        }
        self.last_line_ms = Some(now_ms);
        Some(std::mem::take(&mut self.count))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_logged_once_a_second() {
        let mut log = RefusalLog::default();
        let lines: Vec<(u64, u64)> = (0..8000u64)
            .filter_map(|i| {
                let now = 5_000 + i / 4; // 8000 refusals over 2 s
                log.count(now).map(|n| (now, n))
            })
            .collect();
        assert_eq!(
            lines,
            vec![(5_000, 1), (6_000, 4000)],
            "two lines, not 8000"
        );
    }
}
