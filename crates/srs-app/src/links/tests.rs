//! The link plan in memory: virtual time, connections and names made up.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use srs_core::Arena;

use super::plan::{Action, Links, RETRY_MS};
use super::LinkKind;
use crate::config::{Config, VhostConfig};
use crate::ids::{ConnId, ConnTag, SourceId, SourceTag};

fn vhost(body: &str) -> Arc<VhostConfig> {
    let text = format!("vhost __defaultVhost__ {{ {body} }}");
    let config = Config::parse_str(&text, Path::new("t.conf")).expect("config");
    Arc::clone(config.vhost("__defaultVhost__").expect("vhost"))
}

fn source() -> SourceId {
    let mut a: Arena<(), SourceTag> = Arena::new();
    a.insert(())
}

struct Conns(Arena<(), ConnTag>);

impl Conns {
    fn new() -> Conns {
        Conns(Arena::new())
    }
    fn open(&mut self) -> ConnId {
        self.0.insert(())
    }
}

fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// The only action queued, which must be a `Resolve`: (link, dest).
fn resolve(links: &mut Links) -> (super::LinkId, String) {
    match &links.take_actions()[..] {
        [Action::Resolve { link, dest }] => (*link, dest.clone()),
        other => panic!("one Resolve expected: {other:?}"),
    }
}

#[test]
fn edge_pull_fails_over_to_the_next_origin_after_the_retry_interval_and_stops_with_the_last_player()
{
    let v = vhost("mode remote; origin a:1935 b:1935;");
    let (mut links, sid, mut conns) = (Links::new(), source(), Conns::new());
    links.player_joined(sid, &v, false);
    let (link, dest) = resolve(&mut links);
    assert_eq!(dest, "a:1935", "the first origin first");
    // A second player shares the pull.
    links.player_joined(sid, &v, false);
    assert!(links.take_actions().is_empty());
    links.resolved(0, link, Ok(addr(1)));
    let actions = links.take_actions();
    assert!(matches!(
        &actions[..],
        [Action::Connect { kind: LinkKind::EdgePull, dest, .. }] if dest == "a:1935"
    ));
    let dead = conns.open();
    links.attached(link, dead);
    // The first origin is dead: the connection fails at 100 ms.
    links.closed(100, link);
    let actions = links.take_actions();
    assert_eq!(
        actions,
        [Action::ArmRetry {
            link,
            at_ms: 100 + RETRY_MS
        }]
    );
    assert_eq!(links.pull_of(sid), None);
    links.retry_due(link);
    let (again, dest) = resolve(&mut links);
    assert_eq!(
        (again, dest.as_str()),
        (link, "b:1935"),
        "the second origin"
    );
    links.resolved(100 + RETRY_MS, link, Ok(addr(2)));
    assert!(matches!(
        &links.take_actions()[..],
        [Action::Connect { dest, .. }] if dest == "b:1935"
    ));
    let pull = conns.open();
    links.attached(link, pull);
    assert_eq!(links.pull_of(sid), Some(pull));
    links.player_left(sid);
    assert!(links.take_actions().is_empty(), "one player is left");
    links.player_left(sid);
    assert_eq!(
        links.take_actions(),
        [Action::Close {
            conn: pull,
            why: "edge pull: no players left"
        }]
    );
    assert_eq!(links.count(sid), 0);
    // A late close report of the pull changes nothing.
    links.closed(9_000, link);
    assert!(links.take_actions().is_empty());
}

#[test]
fn a_pull_is_given_up_when_the_players_leave_during_its_retry() {
    let v = vhost("mode remote; origin a:1935;");
    let (mut links, sid) = (Links::new(), source());
    links.player_joined(sid, &v, false);
    let (link, _) = resolve(&mut links);
    links.resolved(0, link, Err("no such host".into()));
    assert!(
        matches!(&links.take_actions()[..], [Action::ArmRetry { at_ms, .. }] if *at_ms == RETRY_MS)
    );
    links.player_left(sid);
    links.retry_due(link);
    assert!(links.take_actions().is_empty(), "not wanted any more");
    assert_eq!(links.count(sid), 0);
}

#[test]
fn forward_retries_every_interval_while_published_and_stops_on_unpublish() {
    let v = vhost("forward 127.0.0.1:19350 10.0.0.1:1935;");
    let (mut links, sid, mut conns) = (Links::new(), source(), Conns::new());
    links.published(sid, &v);
    let actions = links.take_actions();
    let dests: Vec<&str> = actions
        .iter()
        .map(|a| match a {
            Action::Resolve { dest, .. } => dest.as_str(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(dests, ["127.0.0.1:19350", "10.0.0.1:1935"]);
    let (first, second) = match &actions[..] {
        [Action::Resolve { link: a, .. }, Action::Resolve { link: b, .. }] => (*a, *b),
        _ => unreachable!(),
    };
    // The first destination is down: a retry every 3 s, to the same destination.
    let mut now = 0;
    links.resolved(now, first, Ok(addr(19350)));
    links.take_actions();
    for _ in 0..3 {
        links.connect_failed(now, first);
        assert_eq!(
            links.take_actions(),
            [Action::ArmRetry {
                link: first,
                at_ms: now + RETRY_MS
            }]
        );
        now += RETRY_MS;
        links.retry_due(first);
        let (link, dest) = resolve(&mut links);
        assert_eq!((link, dest.as_str()), (first, "127.0.0.1:19350"));
        links.resolved(now, first, Ok(addr(19350)));
        links.take_actions();
    }
    let up = conns.open();
    links.attached(first, up);
    // The second is waiting for its retry when the publish ends.
    links.resolved(now, second, Err("unreachable".into()));
    links.take_actions();
    links.unpublished(sid);
    assert_eq!(
        links.take_actions(),
        [Action::Close {
            conn: up,
            why: "the forwarded stream was unpublished"
        }]
    );
    links.retry_due(second);
    assert!(links.take_actions().is_empty(), "no retry after unpublish");
    assert_eq!(links.count(sid), 0);
}

#[test]
fn edge_push_goes_round_robin_over_the_origins() {
    let v = vhost("mode remote; origin a:1 b:2 c:3;");
    let (mut links, sid, mut conns) = (Links::new(), source(), Conns::new());
    links.published(sid, &v);
    let (link, dest) = resolve(&mut links);
    assert_eq!(dest, "a:1");
    let mut seen = vec![dest];
    for i in 0..3u64 {
        links.resolved(i, link, Ok(addr(1)));
        links.take_actions();
        let c = conns.open();
        links.attached(link, c);
        links.closed(i * 10_000, link);
        links.take_actions();
        links.retry_due(link);
        seen.push(resolve(&mut links).1);
    }
    assert_eq!(seen, ["a:1", "b:2", "c:3", "a:1"]);
    // An edge with a local publish does not pull for its players.
    links.player_joined(sid, &v, true);
    assert!(links.take_actions().is_empty());
}

#[test]
fn origins_do_not_pull_and_vhosts_without_forward_do_nothing() {
    let v = vhost("");
    let (mut links, sid) = (Links::new(), source());
    links.player_joined(sid, &v, false);
    links.published(sid, &v);
    assert!(links.take_actions().is_empty());
    links.unpublished(sid);
    links.player_left(sid);
    assert_eq!(links.count(sid), 0);
}
