//! Housekeeping: on the loop's 1 s tick timeouts, pithy print and ffmpeg
//! supervision; statistics sampling and the heartbeat on their own timers.

use srs_core::log::ContextGuard;

use super::{
    Server, CONNECT_DEADLINE_MS, HTTP_HEAD_DEADLINE_MS, IDLE_TIMEOUT_MS, PUBLISH_TIMEOUT_MS,
    SEND_TIMEOUT_MS,
};
use crate::conn::{Proto, Role};
use crate::error::ConnError;
use srs_rtmp::session::server::ServerState;

impl Server {
    /// Samples system and stream statistics for the API (every 5 s).
    pub(crate) fn sample_stats(&mut self) {
        self.sampler.sample(self.unix_ms);
        for (_, source) in self.registry.iter_mut() {
            source.sample(self.now_ms);
        }
        let totals = self.totals();
        let (t, i, o) = self.counters.sampled;
        if t > 0 && self.now_ms > t {
            let ms = self.now_ms - t;
            self.counters.recv_kbps = totals.recv_bytes.saturating_sub(i) * 8 / ms;
            self.counters.send_kbps = totals.send_bytes.saturating_sub(o) * 8 / ms;
        }
        self.counters.sampled = (self.now_ms, totals.recv_bytes, totals.send_bytes);
    }

    /// Posts the heartbeat (`heartbeat { enabled on; }`); its timer calls it.
    pub(crate) fn heartbeat(&mut self) {
        let hb = &self.config.heartbeat;
        if !hb.enabled {
            return;
        }
        let mut body = serde_json::json!({"device_id": hb.device_id, "ip": local_ip()});
        if hb.summaries {
            body["summaries"] = crate::stats::summaries(&self.sampler, &self.totals());
        }
        let calls = vec![crate::hooks::HookCall {
            hook: crate::hooks::HookKind::Heartbeat,
            url: hb.url.clone(),
            payload: body.to_string(),
        }];
        let timeout = hb.interval_ms.max(1000);
        self.notify_hooks(calls, timeout);
    }

    /// SRS's pithy print: a status line per publisher and player every
    /// `pithy_print` interval, under the connection's context id.
    fn pithy_print(&mut self) {
        let now = self.now_ms;
        let pp = self.config.pithy_print;
        for (_, conn) in self.conns.iter_mut() {
            let (stage, interval) = match &conn.role {
                Role::Publisher(_) => ("<- CPB", pp.publish_ms),
                Role::Player { .. } => ("-> PLA", pp.play_ms),
                Role::Idle => continue,
            };
            let (t, i, o) = conn.pithy;
            if now.saturating_sub(t) < interval.max(1000) {
                continue;
            }
            let ms = now.saturating_sub(t).max(1);
            let queued = match &conn.role {
                Role::Player { source, consumer } => self
                    .registry
                    .get(*source)
                    .map_or(0, |s| consumer.queued(&s.ring)),
                _ => 0,
            };
            let _ctx = ContextGuard::enter(conn.cid);
            log::info!(
                "{stage} time={} ms, ikbps={}, okbps={}, queue={queued} msgs",
                now.saturating_sub(conn.accepted_ms),
                (conn.bytes_in - i) * 8 / ms,
                (conn.bytes_out - o) * 8 / ms,
            );
            conn.pithy = (now, conn.bytes_in, conn.bytes_out);
        }
    }

    pub(crate) fn tick(&mut self) {
        self.ffmpeg.tick(self.now_ms);
        self.pithy_print();
        let now = self.now_ms;
        let mut expired = Vec::new();
        for (id, conn) in self.conns.iter_mut() {
            let since_read = now.saturating_sub(conn.last_read_ms);
            let since_write = now.saturating_sub(conn.last_write_ms);
            let idle = match &conn.proto {
                Proto::Http(h) => !h.busy(),
                Proto::Rtmp(_) | Proto::Forward(_) => true,
            };
            let pending = !conn.out_queue().is_empty();
            let since_accept = now.saturating_sub(conn.accepted_ms);
            let before_connect = match &conn.proto {
                Proto::Rtmp(r) => matches!(
                    r.session.state(),
                    ServerState::Handshaking | ServerState::WaitConnect
                ),
                Proto::Http(_) | Proto::Forward(_) => false,
            };
            let head_overdue = match &conn.proto {
                Proto::Http(h) => {
                    !h.busy()
                        && !h.input.is_empty()
                        && now.saturating_sub(h.head_started_ms) > HTTP_HEAD_DEADLINE_MS
                }
                Proto::Rtmp(_) | Proto::Forward(_) => false,
            };
            let reason = match &conn.role {
                _ if before_connect && since_accept > CONNECT_DEADLINE_MS => {
                    Some("no connect within the deadline after accept")
                }
                _ if head_overdue => Some("request head not complete within the deadline"),
                _ if pending && since_write > SEND_TIMEOUT_MS => {
                    Some("send timeout: the peer does not read")
                }
                Role::Publisher(_) if since_read > PUBLISH_TIMEOUT_MS => {
                    Some("publish timeout: no data")
                }
                Role::Idle if idle && since_read > IDLE_TIMEOUT_MS => Some("idle timeout"),
                _ => None,
            };
            if let Some(r) = reason {
                expired.push((id, r, conn.cid));
            }
        }
        for (id, reason, cid) in expired {
            let _ctx = ContextGuard::enter(cid);
            self.close(id, ConnError::Timeout(reason));
        }
    }
}

/// This machine's address on its default route (for the heartbeat), found
/// without sending anything; 127.0.0.1 when there is no route.
fn local_ip() -> String {
    std::net::UdpSocket::bind("0.0.0.0:0")
        .and_then(|s| {
            s.connect("8.8.8.8:80")?;
            s.local_addr()
        })
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|_| "127.0.0.1".into())
}
