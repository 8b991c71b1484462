//! Admission: whether a connect, publish or play may go on.
//!
//! The synchronous checks (names, refer lists, a busy stream) are made where
//! the request arrives; what needs an answer from elsewhere is a *gate* here:
//! token traverse (the origin is asked with the client's own connect) and the
//! admission hooks (`on_connect`, `on_publish`, `on_play`). A request waits
//! in one pending table as a [`Ticket`] while its gates are passed in order,
//! each with a deadline in loop time, and ends as [`Action::Admit`] or
//! [`Action::Refuse`].
//!
//! This is plain state: it takes `now` and inputs and queues [`Action`]s for
//! the driver (the event loop) to run; it never touches a socket, a thread or
//! a clock, so its tests run in memory with virtual time.

#[cfg(test)]
mod tests;

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use srs_core::{Arena, Id};
use srs_rtmp::command::ConnectCommand;
use srs_rtmp::url::RequestUrl;

use crate::config::VhostConfig;
use crate::hooks::{HookCall, HookJob, HookKind, HookOutcome, HookResult};
use crate::ids::ConnId;
use crate::refused::Refused;
use crate::stream::StreamKey;

/// Time given to the origin to answer a token traverse.
pub(crate) const TOKEN_DEADLINE_MS: u64 = 10_000;
/// Added to the hook calls' own timeouts before the loop gives up on a job
/// (a saturated worker pool must not keep a client waiting forever).
pub(crate) const HOOK_GRACE_MS: u64 = 1_000;

/// Names the tickets' arena.
#[derive(Debug)]
pub enum TicketTag {}

/// A request waiting for its gates.
pub type TicketId = Id<TicketTag>;

/// What is being admitted.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// An RTMP connect (the request is stored on the connection).
    Connect,
    /// An RTMP publish of `key`.
    Publish {
        /// The request.
        url: RequestUrl,
        /// The stream.
        key: StreamKey,
    },
    /// An RTMP play of `key`.
    Play {
        /// The request.
        url: RequestUrl,
        /// The stream.
        key: StreamKey,
    },
    /// An HTTP-FLV play of `key`.
    HttpPlay {
        /// The stream.
        key: StreamKey,
    },
}

/// A check that needs an answer from elsewhere, passed in order.
#[derive(Debug, Clone)]
pub enum Gate {
    /// Token traverse: connect to `origin` with the client's own connect;
    /// the client is admitted when the origin accepts it.
    TokenTraverse {
        /// `host[:port]` of the origin asked.
        origin: String,
        /// The client's connect.
        connect: Box<ConnectCommand>,
    },
    /// The admission hooks: every call must allow (in order; the first
    /// refusal ends the job).
    Hooks {
        /// The calls.
        calls: Vec<HookCall>,
        /// The time allowed for each call.
        timeout_ms: u64,
    },
}

/// What the admission asks the driver to do.
#[derive(Debug)]
pub enum Action {
    /// Run a hook job on the worker pool and report its result to
    /// [`Admission::on_hooks_done`].
    CallHooks(HookJob),
    /// Ask the origin about `connect` and report the verdict to
    /// [`Admission::on_origin_verdict`] with `ticket`.
    AskOrigin {
        /// Who waits.
        ticket: TicketId,
        /// `host[:port]`.
        origin: String,
        /// The client's connect.
        connect: Box<ConnectCommand>,
    },
    /// Call [`Admission::on_deadline`] with `ticket` at `at_ms`.
    ArmDeadline {
        /// Who waits.
        ticket: TicketId,
        /// When (loop ms).
        at_ms: u64,
    },
    /// Every gate passed: go on with the request.
    Admit {
        /// The connection.
        conn: ConnId,
        /// The vhost in force.
        vhost: Arc<VhostConfig>,
        /// What was asked.
        request: Request,
    },
    /// A gate refused, failed or timed out: refuse the request.
    Refuse {
        /// The connection.
        conn: ConnId,
        /// What was asked.
        request: Request,
        /// Why.
        refused: Refused,
    },
}

/// Which gate a ticket waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Waiting {
    /// The hook job of this id.
    Hooks(u64),
    /// The origin's verdict.
    Origin,
}

/// A request in the pending table.
#[derive(Debug)]
struct Ticket {
    conn: ConnId,
    vhost: Arc<VhostConfig>,
    request: Request,
    /// Gates not started yet.
    gates: VecDeque<Gate>,
    /// The gate started, with its deadline.
    waiting: Waiting,
    deadline_ms: u64,
    /// The hook of the running hooks gate (for a timeout's refusal).
    hook: Option<(HookKind, String)>,
}

/// Counters for the metrics page.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct HookStats {
    /// Jobs finished.
    pub jobs: u64,
    /// Calls that failed or refused.
    pub failures: u64,
    /// Admissions refused (by a hook, the origin or a deadline).
    pub refusals: u64,
    /// Sum of job durations, ms.
    pub total_ms: u64,
}

/// The pending table and the gate pipeline.
#[derive(Default)]
pub struct Admission {
    tickets: Arena<Ticket, TicketTag>,
    /// Admission hook jobs in flight, by job id.
    jobs: HashMap<u64, TicketId>,
    next_job: u64,
    stats: HookStats,
    actions: Vec<Action>,
}

impl std::fmt::Debug for Admission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Admission")
            .field("pending", &self.tickets.len())
            .field("jobs", &self.jobs.len())
            .field("stats", &self.stats)
            .finish()
    }
}

impl Admission {
    /// An empty table.
    pub fn new() -> Admission {
        Admission::default()
    }

    /// Starts admitting `request` of `conn` through `gates` (in order). With
    /// no gate it is admitted at once.
    pub fn admit(
        &mut self,
        now_ms: u64,
        conn: ConnId,
        vhost: &Arc<VhostConfig>,
        request: Request,
        gates: Vec<Gate>,
    ) {
        let ticket = Ticket {
            conn,
            vhost: Arc::clone(vhost),
            request,
            gates: gates.into(),
            waiting: Waiting::Origin,
            deadline_ms: 0,
            hook: None,
        };
        let id = self.tickets.insert(ticket);
        self.next_gate(now_ms, id);
    }

    /// Sends notification hooks (no decision), in the order given.
    pub fn notify(&mut self, calls: Vec<HookCall>, timeout_ms: u64) {
        if calls.is_empty() {
            return;
        }
        let id = self.job_id();
        self.actions.push(Action::CallHooks(HookJob {
            id,
            calls,
            decide: false,
            timeout: Duration::from_millis(timeout_ms.max(1)),
        }));
    }

    /// A hook job finished (admission or notification).
    pub fn on_hooks_done(&mut self, now_ms: u64, result: HookResult) {
        self.stats.jobs += 1;
        self.stats.failures += u64::from(result.failures);
        self.stats.total_ms += result.elapsed_ms;
        let Some(id) = self.jobs.remove(&result.id) else {
            return;
        };
        // A ticket that gave up (deadline) no longer waits for this job.
        let waits = self
            .tickets
            .get(id)
            .is_some_and(|t| t.waiting == Waiting::Hooks(result.id));
        if !waits {
            return;
        }
        match result.outcome {
            HookOutcome::Allowed => self.next_gate(now_ms, id),
            HookOutcome::Refused { hook, url, reason } => {
                self.refuse(id, Refused::Hook { hook, url, reason })
            }
        }
    }

    /// The origin answered the token traverse of `ticket`.
    pub fn on_origin_verdict(
        &mut self,
        now_ms: u64,
        ticket: TicketId,
        verdict: Result<(), String>,
    ) {
        let waits = self
            .tickets
            .get(ticket)
            .is_some_and(|t| t.waiting == Waiting::Origin);
        if !waits {
            return;
        }
        match verdict {
            Ok(()) => {
                log::info!("token traverse: the origin accepted the client");
                self.next_gate(now_ms, ticket)
            }
            Err(why) => self.refuse(ticket, Refused::Token(why)),
        }
    }

    /// The deadline armed for `ticket` is due: a gate still unanswered refuses.
    pub fn on_deadline(&mut self, now_ms: u64, ticket: TicketId) {
        let Some(t) = self.tickets.get(ticket) else {
            return;
        };
        // A later gate has its own, later deadline.
        if now_ms < t.deadline_ms {
            return;
        }
        let refused = match (&t.waiting, &t.hook) {
            (Waiting::Hooks(_), Some((hook, url))) => Refused::Hook {
                hook: *hook,
                url: url.clone(),
                reason: "no answer in time".into(),
            },
            (Waiting::Hooks(_), None) => Refused::Gone("hooks without calls"),
            (Waiting::Origin, _) => Refused::Token("the origin did not answer in time".into()),
        };
        self.refuse(ticket, refused);
    }

    /// Connection `conn` is gone: its requests are dropped (late answers are
    /// ignored).
    pub fn forget(&mut self, conn: ConnId) {
        let gone: Vec<TicketId> = self
            .tickets
            .iter()
            .filter(|(_, t)| t.conn == conn)
            .map(|(id, _)| id)
            .collect();
        for id in gone {
            self.tickets.remove(id);
        }
    }

    /// The actions queued since the last call, in order.
    pub fn take_actions(&mut self) -> Vec<Action> {
        std::mem::take(&mut self.actions)
    }

    /// Requests waiting for a gate.
    pub fn pending(&self) -> usize {
        self.tickets.len()
    }

    /// Hook counters.
    pub fn stats(&self) -> HookStats {
        self.stats
    }

    fn job_id(&mut self) -> u64 {
        self.next_job += 1;
        self.next_job
    }

    /// Starts the next gate of `id`, or admits it when none is left.
    fn next_gate(&mut self, now_ms: u64, id: TicketId) {
        let Some(gate) = self.tickets.get_mut(id).and_then(|t| t.gates.pop_front()) else {
            if let Some(t) = self.tickets.remove(id) {
                self.actions.push(Action::Admit {
                    conn: t.conn,
                    vhost: t.vhost,
                    request: t.request,
                });
            }
            return;
        };
        let job = self.job_id();
        let Some(t) = self.tickets.get_mut(id) else {
            return;
        };
        match gate {
            Gate::TokenTraverse { origin, connect } => {
                t.waiting = Waiting::Origin;
                t.hook = None;
                t.deadline_ms = now_ms + TOKEN_DEADLINE_MS;
                self.actions.push(Action::AskOrigin {
                    ticket: id,
                    origin,
                    connect,
                });
            }
            Gate::Hooks { calls, timeout_ms } => {
                if calls.is_empty() {
                    return self.next_gate(now_ms, id);
                }
                t.waiting = Waiting::Hooks(job);
                t.hook = calls.first().map(|c| (c.hook, c.url.clone()));
                t.deadline_ms = now_ms + timeout_ms * calls.len() as u64 + HOOK_GRACE_MS;
                self.jobs.insert(job, id);
                self.actions.push(Action::CallHooks(HookJob {
                    id: job,
                    calls,
                    decide: true,
                    timeout: Duration::from_millis(timeout_ms),
                }));
            }
        }
        let at_ms = t.deadline_ms;
        self.actions.push(Action::ArmDeadline { ticket: id, at_ms });
    }

    fn refuse(&mut self, id: TicketId, refused: Refused) {
        let Some(t) = self.tickets.remove(id) else {
            return;
        };
        if let Waiting::Hooks(job) = t.waiting {
            self.jobs.remove(&job);
        }
        self.stats.refusals += 1;
        self.actions.push(Action::Refuse {
            conn: t.conn,
            request: t.request,
            refused,
        });
    }
}
