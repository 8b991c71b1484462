//! The driver's side of admission and hooks: who a hook is about, the
//! calls a connection's end sends, and running what `crate::admission` asks
//! (hook jobs on the worker pool, origin checks, deadlines, verdicts).

use std::sync::Arc;

use srs_core::log::ContextGuard;

use super::timers::TimerKey;
use super::Server;
use crate::admission::{Action, Gate, Request};
use crate::config::VhostConfig;
use crate::conn::{Proto, Role};
use crate::error::ConnError;
use crate::hooks::HookKind;
use crate::hooks::{self, HookCall, HookClient};
use crate::ids::ConnId;
use crate::refused::Refused;
use crate::workers::Job;

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

    /// Admits `request` of connection `id` through `gates`; the session
    /// stays pending until the verdict.
    pub(crate) fn admit_request(
        &mut self,
        id: ConnId,
        vhost: &Arc<VhostConfig>,
        request: Request,
        gates: Vec<Gate>,
    ) {
        self.admission.admit(self.now_ms, id, vhost, request, gates);
        // A verdict given at once is followed by the caller's own event loop.
        self.run_admission(false);
    }

    /// The admission hooks of `hook` for a request of `vhost` (none when
    /// the vhost has no URL for it).
    pub(crate) fn hook_gate(vhost: &VhostConfig, hook: HookKind, payload: &str) -> Vec<Gate> {
        let calls = hooks::calls(hook, &vhost.http_hooks, payload);
        if calls.is_empty() {
            return Vec::new();
        }
        vec![Gate::Hooks {
            calls,
            timeout_ms: vhost.http_hooks.timeout_ms,
        }]
    }

    /// Sends notifications (no decision) in order.
    pub(crate) fn notify_hooks(&mut self, calls: Vec<HookCall>, timeout_ms: u64) {
        self.admission.notify(calls, timeout_ms);
        self.run_admission(false);
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

    /// Runs what the admission asks for until it asks nothing more. After a
    /// verdict that came later (`resume`: a hook job, the origin, a
    /// deadline) the input held back meanwhile is decoded; a verdict given
    /// at once is not, as the caller is decoding it (no recursion).
    pub(crate) fn run_admission(&mut self, resume: bool) {
        loop {
            let actions = self.admission.take_actions();
            if actions.is_empty() {
                return;
            }
            for action in actions {
                match action {
                    Action::CallHooks(job) => self.workers.submit(Job::Hook(job)),
                    Action::AskOrigin {
                        ticket,
                        origin,
                        connect,
                    } => self.start_token_check(ticket, origin, *connect),
                    Action::ArmDeadline { ticket, at_ms } => {
                        self.timers.arm(at_ms, TimerKey::Admission(ticket))
                    }
                    Action::Admit {
                        conn,
                        vhost,
                        request,
                    } => self.on_admitted(conn, vhost, request, resume),
                    Action::Refuse {
                        conn,
                        request,
                        refused,
                    } => self.on_refused(conn, request, refused, resume),
                }
            }
        }
    }

    fn on_admitted(&mut self, id: ConnId, vhost: Arc<VhostConfig>, request: Request, resume: bool) {
        let Some(cid) = self.conns.get(id).map(|c| c.cid) else {
            return;
        };
        let _ctx = ContextGuard::enter(cid);
        let result = match request {
            Request::Connect => self.finish_connect(id),
            Request::Publish { url, key } => self.finish_publish(id, url, vhost, key),
            Request::Play { url, key } => self.finish_play(id, url, vhost, key),
            Request::HttpPlay { key } => {
                self.start_live_flv(id, &key, &vhost);
                Ok(())
            }
        };
        self.after_verdict(id, result, resume);
    }

    fn on_refused(&mut self, id: ConnId, request: Request, refused: Refused, resume: bool) {
        let Some(cid) = self.conns.get(id).map(|c| c.cid) else {
            return;
        };
        let _ctx = ContextGuard::enter(cid);
        let result = match request {
            Request::Connect => self.reject_connect(id, &refused.to_string()),
            Request::Publish { .. } => self.reject_publish(id, &refused),
            Request::Play { .. } => self.reject_play(id, &refused),
            Request::HttpPlay { .. } => {
                self.refuse_http(id, 403, &refused.to_string());
                Ok(())
            }
        };
        self.after_verdict(id, result, resume);
    }

    fn after_verdict(&mut self, id: ConnId, result: Result<(), srs_rtmp::RtmpError>, resume: bool) {
        if let Err(e) = result {
            self.close(id, ConnError::Protocol(e));
            return;
        }
        if !resume {
            return;
        }
        // Input held back while the decision was pending is decoded now.
        self.drain_rtmp_events(id);
    }
}

impl Server {
    /// A hook job finished on the worker pool.
    pub(crate) fn on_hooks_done(&mut self, r: crate::hooks::HookResult) {
        self.admission.on_hooks_done(self.now_ms, r);
        self.run_admission(true);
    }

    /// The deadline of admission `ticket` is due.
    pub(crate) fn on_admission_deadline(&mut self, ticket: crate::admission::TicketId) {
        self.admission.on_deadline(self.now_ms, ticket);
        self.run_admission(true);
    }
}
