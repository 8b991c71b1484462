//! The admission pipeline in memory: virtual time, answers given by the test.

use std::path::Path;
use std::sync::Arc;

use srs_core::Arena;
use srs_rtmp::command::ConnectCommand;

use super::*;
use crate::config::Config;
use crate::hooks::HookOutcome;
use crate::ids::ConnTag;

fn vhost() -> Arc<VhostConfig> {
    let config = Config::parse_str(
        "vhost __defaultVhost__ { http_hooks { enabled on; on_publish http://a/ http://b/; } }",
        Path::new("t.conf"),
    )
    .expect("config");
    Arc::clone(config.vhost("__defaultVhost__").expect("vhost"))
}

fn conns(n: usize) -> Vec<ConnId> {
    let mut arena: Arena<(), ConnTag> = Arena::new();
    (0..n).map(|_| arena.insert(())).collect()
}

fn publish() -> Request {
    Request::Publish {
        url: srs_rtmp::url::RequestUrl::from_connect("rtmp://h/live", "live").expect("url"),
        key: StreamKey {
            vhost: "__defaultVhost__".into(),
            app: "live".into(),
            stream: "s".into(),
        },
    }
}

fn hook_gate(urls: &[&str]) -> Gate {
    Gate::Hooks {
        calls: urls
            .iter()
            .map(|u| HookCall {
                hook: HookKind::Publish,
                url: (*u).into(),
                payload: "{}".into(),
            })
            .collect(),
        timeout_ms: 2_000,
    }
}

fn token_gate() -> Gate {
    Gate::TokenTraverse {
        origin: "origin:1935".into(),
        connect: Box::new(ConnectCommand {
            transaction_id: 1.0,
            app: "live".into(),
            tc_url: "rtmp://edge/live?token=t".into(),
            page_url: String::new(),
            swf_url: String::new(),
            object_encoding: 0.0,
            args: None,
        }),
    }
}

fn done(id: u64, outcome: HookOutcome) -> HookResult {
    HookResult {
        id,
        failures: u32::from(outcome != HookOutcome::Allowed),
        outcome,
        elapsed_ms: 5,
    }
}

/// The hook job of the actions (there must be exactly one), and the deadline armed.
fn hook_job(actions: &[Action]) -> (HookJob, u64) {
    let jobs: Vec<&HookJob> = actions
        .iter()
        .filter_map(|a| match a {
            Action::CallHooks(j) => Some(j),
            _ => None,
        })
        .collect();
    assert_eq!(jobs.len(), 1, "one hook job in {actions:?}");
    let deadline = actions
        .iter()
        .find_map(|a| match a {
            Action::ArmDeadline { at_ms, .. } => Some(*at_ms),
            _ => None,
        })
        .expect("a deadline");
    (jobs[0].clone(), deadline)
}

#[test]
fn no_gate_admits_at_once() {
    let (mut a, c, v) = (Admission::new(), conns(1)[0], vhost());
    a.admit(0, c, &v, Request::Connect, Vec::new());
    let actions = a.take_actions();
    assert!(
        matches!(&actions[..], [Action::Admit { conn, request: Request::Connect, .. }] if *conn == c)
    );
    assert_eq!(a.pending(), 0);
}

#[test]
fn hooks_that_allow_admit_and_calls_keep_their_order() {
    let (mut a, c, v) = (Admission::new(), conns(1)[0], vhost());
    a.admit(
        1_000,
        c,
        &v,
        publish(),
        vec![hook_gate(&["http://a/", "http://b/"])],
    );
    let (job, deadline) = hook_job(&a.take_actions());
    assert!(job.decide);
    let urls: Vec<&str> = job.calls.iter().map(|c| c.url.as_str()).collect();
    assert_eq!(urls, ["http://a/", "http://b/"]);
    // Two calls of 2 s each, and the grace.
    assert_eq!(deadline, 1_000 + 2 * 2_000 + HOOK_GRACE_MS);
    assert_eq!(a.pending(), 1);
    a.on_hooks_done(1_050, done(job.id, HookOutcome::Allowed));
    let actions = a.take_actions();
    assert!(matches!(
        &actions[..],
        [Action::Admit {
            request: Request::Publish { .. },
            ..
        }]
    ));
    assert_eq!(a.pending(), 0);
    assert_eq!(a.stats().jobs, 1);
    assert_eq!(a.stats().refusals, 0);
}

#[test]
fn a_hook_refusal_refuses_with_the_hook_named() {
    let (mut a, c, v) = (Admission::new(), conns(1)[0], vhost());
    a.admit(0, c, &v, publish(), vec![hook_gate(&["http://a/"])]);
    let (job, _) = hook_job(&a.take_actions());
    let refused = HookOutcome::Refused {
        hook: HookKind::Publish,
        url: "http://a/".into(),
        reason: "HTTP 403".into(),
    };
    a.on_hooks_done(10, done(job.id, refused));
    let actions = a.take_actions();
    let [Action::Refuse { conn, refused, .. }] = &actions[..] else {
        panic!("one refusal expected: {actions:?}");
    };
    assert_eq!(*conn, c);
    assert_eq!(refused.rtmp().publish_code(), "NetStream.Publish.Denied");
    assert_eq!(
        refused.to_string(),
        "hook on_publish http://a/ refused: HTTP 403"
    );
    assert_eq!(a.stats().refusals, 1);
    assert_eq!(a.stats().failures, 1);
}

#[test]
fn a_hook_that_never_answers_is_refused_at_its_deadline_and_a_late_answer_is_ignored() {
    let (mut a, c, v) = (Admission::new(), conns(1)[0], vhost());
    a.admit(0, c, &v, publish(), vec![hook_gate(&["http://a/"])]);
    let actions = a.take_actions();
    let (job, deadline) = hook_job(&actions);
    let ticket = actions
        .iter()
        .find_map(|a| match a {
            Action::ArmDeadline { ticket, .. } => Some(*ticket),
            _ => None,
        })
        .expect("ticket");
    // Early: nothing happens.
    a.on_deadline(deadline - 1, ticket);
    assert!(a.take_actions().is_empty());
    a.on_deadline(deadline, ticket);
    let actions = a.take_actions();
    let [Action::Refuse { refused, .. }] = &actions[..] else {
        panic!("a refusal expected: {actions:?}");
    };
    assert!(
        refused.to_string().contains("no answer in time"),
        "{refused}"
    );
    // The worker's answer comes after the deadline: no second verdict.
    a.on_hooks_done(deadline + 5, done(job.id, HookOutcome::Allowed));
    assert!(a.take_actions().is_empty());
    assert_eq!(a.pending(), 0);
}

#[test]
fn a_closed_connection_gets_no_verdict() {
    let (mut a, ids, v) = (Admission::new(), conns(2), vhost());
    a.admit(0, ids[0], &v, publish(), vec![hook_gate(&["http://a/"])]);
    a.admit(0, ids[1], &v, publish(), vec![hook_gate(&["http://a/"])]);
    let jobs: Vec<u64> = a
        .take_actions()
        .iter()
        .filter_map(|a| match a {
            Action::CallHooks(j) => Some(j.id),
            _ => None,
        })
        .collect();
    a.forget(ids[0]);
    a.on_hooks_done(5, done(jobs[0], HookOutcome::Allowed));
    assert!(a.take_actions().is_empty());
    a.on_hooks_done(6, done(jobs[1], HookOutcome::Allowed));
    let actions = a.take_actions();
    assert!(matches!(&actions[..], [Action::Admit { conn, .. }] if *conn == ids[1]));
}

#[test]
fn token_traverse_then_hooks_in_order() {
    let (mut a, c, v) = (Admission::new(), conns(1)[0], vhost());
    a.admit(
        0,
        c,
        &v,
        Request::Connect,
        vec![token_gate(), hook_gate(&["http://a/"])],
    );
    let actions = a.take_actions();
    // The origin is asked first; no hook runs before it answers.
    let ticket = match &actions[..] {
        [Action::AskOrigin {
            ticket,
            origin,
            connect,
        }, Action::ArmDeadline { at_ms, .. }] => {
            assert_eq!(origin, "origin:1935");
            assert_eq!(connect.tc_url, "rtmp://edge/live?token=t");
            assert_eq!(*at_ms, TOKEN_DEADLINE_MS);
            *ticket
        }
        other => panic!("ask the origin first: {other:?}"),
    };
    a.on_origin_verdict(300, ticket, Ok(()));
    let (job, deadline) = hook_job(&a.take_actions());
    assert_eq!(deadline, 300 + 2_000 + HOOK_GRACE_MS);
    // A timer before the hooks' deadline (an earlier gate's) changes nothing.
    a.on_deadline(deadline - 1, ticket);
    assert!(a.take_actions().is_empty());
    a.on_hooks_done(400, done(job.id, HookOutcome::Allowed));
    assert!(matches!(
        &a.take_actions()[..],
        [Action::Admit {
            request: Request::Connect,
            ..
        }]
    ));
    // The token gate's own deadline comes after the verdict: nothing happens.
    a.on_deadline(TOKEN_DEADLINE_MS, ticket);
    assert!(a.take_actions().is_empty());
}

#[test]
fn token_traverse_refused_or_silent_origin_refuses_the_connect() {
    let (mut a, ids, v) = (Admission::new(), conns(2), vhost());
    a.admit(0, ids[0], &v, Request::Connect, vec![token_gate()]);
    a.admit(0, ids[1], &v, Request::Connect, vec![token_gate()]);
    let tickets: Vec<TicketId> = a
        .take_actions()
        .iter()
        .filter_map(|a| match a {
            Action::AskOrigin { ticket, .. } => Some(*ticket),
            _ => None,
        })
        .collect();
    a.on_origin_verdict(
        10,
        tickets[0],
        Err("origin refused: NetConnection.Connect.Rejected".into()),
    );
    let actions = a.take_actions();
    let [Action::Refuse { conn, refused, .. }] = &actions[..] else {
        panic!("{actions:?}");
    };
    assert_eq!(*conn, ids[0]);
    assert_eq!(refused.rtmp(), srs_rtmp::session::Refusal::Denied);
    assert!(refused
        .to_string()
        .starts_with("token traverse: origin refused"));
    a.on_deadline(TOKEN_DEADLINE_MS, tickets[1]);
    let actions = a.take_actions();
    assert!(
        matches!(&actions[..], [Action::Refuse { conn, refused: Refused::Token(_), .. }] if *conn == ids[1])
    );
    // A verdict after the deadline changes nothing.
    a.on_origin_verdict(TOKEN_DEADLINE_MS + 1, tickets[1], Ok(()));
    assert!(a.take_actions().is_empty());
}

#[test]
fn notifications_are_one_job_in_the_order_given_and_count_in_stats() {
    let mut a = Admission::new();
    let call = |hook, url: &str| HookCall {
        hook,
        url: url.into(),
        payload: "{}".into(),
    };
    a.notify(
        vec![
            call(HookKind::Unpublish, "http://a/"),
            call(HookKind::Close, "http://a/"),
        ],
        500,
    );
    a.notify(Vec::new(), 500);
    let actions = a.take_actions();
    let [Action::CallHooks(job)] = &actions[..] else {
        panic!("{actions:?}");
    };
    assert!(!job.decide);
    let hooks: Vec<HookKind> = job.calls.iter().map(|c| c.hook).collect();
    assert_eq!(hooks, [HookKind::Unpublish, HookKind::Close]);
    a.on_hooks_done(1, done(job.id, HookOutcome::Allowed));
    assert!(a.take_actions().is_empty());
    assert_eq!(a.stats().jobs, 1);
}
