//! HTTP hooks on the loop: admission decisions wait in a pending table
//! while worker threads call the hook servers; notifications are sent in
//! order per connection.

use std::sync::Arc;
use std::time::Duration;

use srs_core::log::ContextGuard;
use srs_rtmp::url::RequestUrl;

use super::Server;
use crate::config::VhostConfig;
use crate::conn::{Proto, Role};
use crate::error::ConnError;
use crate::hooks::HookKind;
use crate::hooks::{self, HookCall, HookClient, HookJob, HookOutcome, HookResult};
use crate::ids::ConnId;
use crate::refused::Refused;
use crate::stream::StreamKey;
use crate::workers::Job;

/// What a connection waits for while its hooks run.
pub(crate) enum Decision {
    /// connect: the request is stored on the connection.
    Connect,
    /// publish of `key`.
    Publish {
        /// The request.
        url: RequestUrl,
        /// The stream.
        key: StreamKey,
    },
    /// HTTP-FLV play of `key`.
    HttpPlay {
        /// The stream.
        key: StreamKey,
    },
    /// play of `key`.
    Play {
        /// The request.
        url: RequestUrl,
        /// The stream.
        key: StreamKey,
    },
}

pub(crate) struct Pending {
    conn: ConnId,
    vhost: Arc<VhostConfig>,
    decision: Decision,
}

/// Counters for the metrics page.
#[derive(Debug, Default, Clone, Copy)]
pub struct HookStats {
    /// Jobs finished.
    pub jobs: u64,
    /// Calls that failed or refused.
    pub failures: u64,
    /// Admissions refused.
    pub refusals: u64,
    /// Sum of job durations, ms.
    pub total_ms: u64,
}

impl Server {
    /// Who connection `id` is, for hook payloads.
    pub(crate) fn hook_client(&mut self, id: ConnId) -> HookClient {
        let Some(conn) = self.conns.get_mut(id) else {
            return HookClient::default();
        };
        let (cid, ip) = (conn.cid, conn.peer.ip().to_string());
        let (vhost, app) = conn
            .rtmp()
            .map(|r| {
                (
                    r.vhost.as_ref().map(|v| v.name.clone()).unwrap_or_default(),
                    r.url.as_ref().map(|u| u.app.clone()).unwrap_or_default(),
                )
            })
            .unwrap_or_default();
        HookClient {
            client_id: cid,
            ip,
            vhost,
            app,
        }
    }

    /// Like [`Server::hook_client`] with the vhost and app of a stream request.
    pub(crate) fn hook_client_for(
        &mut self,
        id: ConnId,
        vhost: &VhostConfig,
        app: &str,
    ) -> HookClient {
        let mut c = self.hook_client(id);
        c.vhost = vhost.name.clone();
        c.app = app.to_string();
        c
    }

    /// Runs admission hooks; the connection's session stays pending until the answer.
    pub(crate) fn ask_hooks(
        &mut self,
        id: ConnId,
        calls: Vec<HookCall>,
        vhost: &Arc<VhostConfig>,
        decision: Decision,
    ) {
        let job_id = self.next_hook_id;
        self.next_hook_id += 1;
        self.pending_hooks.insert(
            job_id,
            Pending {
                conn: id,
                vhost: Arc::clone(vhost),
                decision,
            },
        );
        self.workers.submit(Job::Hook(HookJob {
            id: job_id,
            calls,
            decide: true,
            timeout: Duration::from_millis(vhost.http_hooks.timeout_ms),
        }));
    }

    /// Sends notifications (no decision) in order.
    pub(crate) fn notify_hooks(&mut self, calls: Vec<HookCall>, timeout_ms: u64) {
        if calls.is_empty() {
            return;
        }
        let id = self.next_hook_id;
        self.next_hook_id += 1;
        self.workers.submit(Job::Hook(HookJob {
            id,
            calls,
            decide: false,
            timeout: Duration::from_millis(timeout_ms),
        }));
    }

    /// The on_unpublish / on_stop calls for the role connection `id` leaves.
    pub(crate) fn role_end_calls(&mut self, id: ConnId) -> (Vec<HookCall>, u64) {
        let none = (Vec::new(), 0);
        let Some(conn) = self.conns.get_mut(id) else {
            return none;
        };
        let (hook, source) = match conn.role {
            Role::Publisher(s) => (HookKind::Unpublish, s),
            Role::Player { source, .. } => (HookKind::Stop, source),
            Role::Idle => return none,
        };
        // RTMP clients carry their request; an HTTP-FLV player has its source's.
        let (vhost, app, stream, param) = match &mut conn.proto {
            Proto::Rtmp(rtmp) => {
                let (Some(vhost), Some(url)) = (rtmp.vhost.clone(), rtmp.url.clone()) else {
                    return none;
                };
                (vhost, url.app, url.stream, url.param)
            }
            Proto::Http(http) => {
                let param = http.play_param.clone();
                let Some(s) = self.registry.get(source) else {
                    return none;
                };
                (
                    Arc::clone(&s.vhost),
                    s.key.app.clone(),
                    s.key.stream.clone(),
                    param,
                )
            }
            Proto::Forward(_) => return none,
        };
        if hook.urls(&vhost.http_hooks).is_empty() {
            return none;
        }
        let client = self.hook_client_for(id, &vhost, &app);
        let payload = hooks::on_stream(hook, &client, &stream, &param);
        (
            hooks::calls(hook, &vhost.http_hooks, &payload),
            vhost.http_hooks.timeout_ms,
        )
    }

    /// The on_close calls of connection `id`.
    pub(crate) fn close_calls(&mut self, id: ConnId) -> (Vec<HookCall>, u64) {
        let Some(conn) = self.conns.get_mut(id) else {
            return (Vec::new(), 0);
        };
        let (send, recv) = (conn.bytes_out, conn.bytes_in);
        let Some(vhost) = conn.rtmp().and_then(|r| r.vhost.clone()) else {
            return (Vec::new(), 0);
        };
        if !vhost.http_hooks.enabled {
            return (Vec::new(), 0);
        }
        let client = self.hook_client(id);
        let payload = hooks::on_close(&client, send, recv);
        (
            hooks::calls(HookKind::Close, &vhost.http_hooks, &payload),
            vhost.http_hooks.timeout_ms,
        )
    }

    /// Applies a finished hook job.
    pub(crate) fn on_hook_result(&mut self, r: HookResult) {
        self.hook_stats.jobs += 1;
        self.hook_stats.failures += r.failures as u64;
        self.hook_stats.total_ms += r.elapsed_ms;
        let Some(p) = self.pending_hooks.remove(&r.id) else {
            return;
        };
        let Some(cid) = self.conns.get(p.conn).map(|c| c.cid) else {
            return;
        };
        let _ctx = ContextGuard::enter(cid);
        let id = p.conn;
        let result = match r.outcome {
            HookOutcome::Allowed => match p.decision {
                Decision::Connect => self.finish_connect(id),
                Decision::Publish { url, key } => self.finish_publish(id, url, p.vhost, key),
                Decision::Play { url, key } => self.finish_play(id, url, p.vhost, key),
                Decision::HttpPlay { key } => {
                    self.start_live_flv(id, &key, &p.vhost);
                    Ok(())
                }
            },
            HookOutcome::Refused { hook, url, reason } => {
                self.hook_stats.refusals += 1;
                let refused = Refused::Hook { hook, url, reason };
                let why = refused.to_string();
                match p.decision {
                    Decision::Connect => self.reject_connect(id, &why),
                    Decision::Publish { .. } => self.reject_publish(id, &refused),
                    Decision::Play { .. } => self.reject_play(id, &refused),
                    Decision::HttpPlay { .. } => {
                        self.refuse_http(id, 403, &why);
                        Ok(())
                    }
                }
            }
        };
        if let Err(e) = result {
            self.close(id, ConnError::Protocol(e));
            return;
        }
        // Input held back while the decision was pending is decoded now.
        self.drain_rtmp_events(id);
    }
}
