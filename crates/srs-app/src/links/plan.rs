//! Which outbound links each source wants, and their retries.
//!
//! - forward (`vhost { forward host:port ...; }`): while a stream is
//!   published here, it is republished to each destination;
//! - edge push (`mode remote; origin ...;`): while a stream is published on
//!   an edge, it is republished to one origin of the list;
//! - edge pull: while a stream of an edge has players and no local
//!   publisher, it is pulled from one origin of the list.
//!
//! A link is resolved (off the loop), connected, and when it fails or
//! closes it is tried again after [`RETRY_MS`] while it is still wanted;
//! edge links take the next origin of the list each time (round robin).
//! This is plain state driven by `now` and inputs; it queues [`Action`]s for
//! the driver and never touches a socket or a clock.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use srs_core::{Arena, Id};

use super::link::LinkKind;
use crate::config::VhostConfig;
use crate::ids::{ConnId, SourceId};

/// Delay before a failed link is tried again.
pub const RETRY_MS: u64 = 3_000;

/// Names the links' arena.
#[derive(Debug)]
pub enum LinkTag {}

/// An outbound link (forward, edge push or edge pull) of a source.
pub type LinkId = Id<LinkTag>;

/// What the plan asks the driver to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Resolve `dest` (may block: off the loop) and report to
    /// [`Links::resolved`].
    Resolve {
        /// The link.
        link: LinkId,
        /// `host[:port]`.
        dest: String,
    },
    /// Open the connection and report [`Links::attached`] or
    /// [`Links::connect_failed`].
    Connect {
        /// The link.
        link: LinkId,
        /// Its source.
        source: SourceId,
        /// What it does.
        kind: LinkKind,
        /// `host[:port]` as configured.
        dest: String,
        /// The address resolved.
        addr: SocketAddr,
    },
    /// Close a link's connection (no longer wanted).
    Close {
        /// The connection.
        conn: ConnId,
        /// Why, for the log.
        why: &'static str,
    },
    /// Call [`Links::retry_due`] for `link` at `at_ms`.
    ArmRetry {
        /// The link.
        link: LinkId,
        /// When (loop ms).
        at_ms: u64,
    },
}

/// Where a link is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Resolving,
    Connecting,
    Up(ConnId),
    Waiting,
}

#[derive(Debug)]
struct Link {
    source: SourceId,
    kind: LinkKind,
    dest: String,
    phase: Phase,
}

/// What a source asks of the cluster.
#[derive(Debug)]
struct Demand {
    vhost: Arc<VhostConfig>,
    /// A local publisher (not the edge's own pull) publishes.
    publishing: bool,
    players: usize,
    /// Round-robin position in the vhost's origin list.
    next_origin: usize,
}

/// The links of every source.
#[derive(Default)]
pub struct Links {
    links: Arena<Link, LinkTag>,
    demand: HashMap<SourceId, Demand>,
    actions: Vec<Action>,
}

impl std::fmt::Debug for Links {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Links")
            .field("links", &self.links.len())
            .field("sources", &self.demand.len())
            .finish()
    }
}

impl Links {
    /// No links.
    pub fn new() -> Links {
        Links::default()
    }

    /// A local publish started on `source`: forward it, or push it to an
    /// origin when the vhost is an edge.
    pub fn published(&mut self, source: SourceId, vhost: &Arc<VhostConfig>) {
        let d = self.demand_of(source, vhost);
        d.publishing = true;
        if vhost.mode_remote {
            if let Some(origin) = self.next_origin(source) {
                self.start(source, LinkKind::EdgePush, origin);
            }
            return;
        }
        for dest in vhost.forward.clone() {
            self.start(source, LinkKind::Forward, dest);
        }
    }

    /// The local publish of `source` ended: its forwards and pushes close
    /// without retry.
    pub fn unpublished(&mut self, source: SourceId) {
        if let Some(d) = self.demand.get_mut(&source) {
            d.publishing = false;
        }
        self.drop_unwanted(source, "the forwarded stream was unpublished");
        // A local publish on an edge may have kept players from a pull.
        self.maybe_pull(source);
        self.forget_if_idle(source);
    }

    /// A player joined `source`; `live` when the source has a publisher
    /// (local or the pull). An edge starts pulling when nothing publishes.
    pub fn player_joined(&mut self, source: SourceId, vhost: &Arc<VhostConfig>, live: bool) {
        let d = self.demand_of(source, vhost);
        d.players += 1;
        if !live {
            self.maybe_pull(source);
        }
    }

    /// A player left `source`: with none left, an edge stops pulling.
    pub fn player_left(&mut self, source: SourceId) {
        if let Some(d) = self.demand.get_mut(&source) {
            d.players = d.players.saturating_sub(1);
        }
        self.drop_unwanted(source, "edge pull: no players left");
        self.forget_if_idle(source);
    }

    /// The name of `link` was resolved (or not).
    pub fn resolved(&mut self, now_ms: u64, link: LinkId, result: Result<SocketAddr, String>) {
        let Some(l) = self.links.get(link) else {
            return;
        };
        if l.phase != Phase::Resolving {
            return;
        }
        if !self.wanted(link) {
            self.remove(link);
            return;
        }
        match result {
            Ok(addr) => {
                let Some(l) = self.links.get_mut(link) else {
                    return;
                };
                l.phase = Phase::Connecting;
                self.actions.push(Action::Connect {
                    link,
                    source: l.source,
                    kind: l.kind,
                    dest: l.dest.clone(),
                    addr,
                });
            }
            Err(e) => {
                log::warn!(
                    "{} to {}: cannot resolve: {e}; retry in 3 s",
                    l.kind.name(),
                    l.dest
                );
                self.wait(now_ms, link, false);
            }
        }
    }

    /// The driver opened `link`'s connection `conn` (it may still be
    /// connecting; a failure later is reported by [`Links::closed`]).
    pub fn attached(&mut self, link: LinkId, conn: ConnId) {
        if let Some(l) = self.links.get_mut(link) {
            l.phase = Phase::Up(conn);
        }
    }

    /// The connection of `link` could not be opened.
    pub fn connect_failed(&mut self, now_ms: u64, link: LinkId) {
        self.wait(now_ms, link, false);
    }

    /// The connection of `link` closed: retried while still wanted, an edge
    /// link with the next origin.
    pub fn closed(&mut self, now_ms: u64, link: LinkId) {
        let Some(l) = self.links.get(link) else {
            return;
        };
        if !matches!(l.phase, Phase::Up(_) | Phase::Connecting) {
            return;
        }
        let source = l.source;
        if self.wanted(link) {
            log::info!("{} to {}: retry in 3 s", l.kind.name(), l.dest);
            self.wait(now_ms, link, true);
        } else {
            self.remove(link);
            self.forget_if_idle(source);
        }
    }

    /// The retry of `link` is due.
    pub fn retry_due(&mut self, link: LinkId) {
        let Some(l) = self.links.get_mut(link) else {
            return;
        };
        if l.phase != Phase::Waiting {
            return;
        }
        let source = l.source;
        if !self.wanted(link) {
            self.remove(link);
            self.forget_if_idle(source);
            return;
        }
        if let Some(l) = self.links.get_mut(link) {
            l.phase = Phase::Resolving;
            let dest = l.dest.clone();
            self.actions.push(Action::Resolve { link, dest });
        }
    }

    /// The connection of the edge pull of `source`, while it is open.
    pub fn pull_of(&self, source: SourceId) -> Option<ConnId> {
        self.links.iter().find_map(|(_, l)| match l.phase {
            Phase::Up(conn) if l.source == source && l.kind == LinkKind::EdgePull => Some(conn),
            _ => None,
        })
    }

    /// Links of `source` (any phase).
    pub fn count(&self, source: SourceId) -> usize {
        self.links
            .iter()
            .filter(|(_, l)| l.source == source)
            .count()
    }

    /// The actions queued since the last call, in order.
    pub fn take_actions(&mut self) -> Vec<Action> {
        std::mem::take(&mut self.actions)
    }

    fn demand_of(&mut self, source: SourceId, vhost: &Arc<VhostConfig>) -> &mut Demand {
        let d = self.demand.entry(source).or_insert_with(|| Demand {
            vhost: Arc::clone(vhost),
            publishing: false,
            players: 0,
            next_origin: 0,
        });
        // A reload may have changed the vhost since.
        d.vhost = Arc::clone(vhost);
        d
    }

    fn next_origin(&mut self, source: SourceId) -> Option<String> {
        let d = self.demand.get_mut(&source)?;
        let origins = &d.vhost.origin;
        if origins.is_empty() {
            return None;
        }
        let origin = origins[d.next_origin % origins.len()].clone();
        d.next_origin += 1;
        Some(origin)
    }

    fn maybe_pull(&mut self, source: SourceId) {
        let Some(d) = self.demand.get(&source) else {
            return;
        };
        let pulling = self
            .links
            .iter()
            .any(|(_, l)| l.source == source && l.kind == LinkKind::EdgePull);
        if !d.vhost.mode_remote || d.publishing || d.players == 0 || pulling {
            return;
        }
        if let Some(origin) = self.next_origin(source) {
            self.start(source, LinkKind::EdgePull, origin);
        }
    }

    fn start(&mut self, source: SourceId, kind: LinkKind, dest: String) {
        let link = self.links.insert(Link {
            source,
            kind,
            dest: dest.clone(),
            phase: Phase::Resolving,
        });
        self.actions.push(Action::Resolve { link, dest });
    }

    fn wanted(&self, link: LinkId) -> bool {
        let Some(l) = self.links.get(link) else {
            return false;
        };
        let Some(d) = self.demand.get(&l.source) else {
            return false;
        };
        match l.kind {
            LinkKind::Forward | LinkKind::EdgePush => d.publishing,
            LinkKind::EdgePull => d.players > 0 && !d.publishing,
            LinkKind::TokenCheck => false,
        }
    }

    /// `link` waits for its retry; `next_origin` moves an edge link on.
    fn wait(&mut self, now_ms: u64, link: LinkId, next_origin: bool) {
        let Some(l) = self.links.get(link) else {
            return;
        };
        let (source, edge) = (l.source, l.kind != LinkKind::Forward);
        let dest = if next_origin && edge {
            self.next_origin(source)
        } else {
            None
        };
        if let Some(l) = self.links.get_mut(link) {
            l.phase = Phase::Waiting;
            if let Some(dest) = dest {
                l.dest = dest;
            }
        }
        self.actions.push(Action::ArmRetry {
            link,
            at_ms: now_ms + RETRY_MS,
        });
    }

    /// Closes or forgets every link of `source` that is no longer wanted.
    fn drop_unwanted(&mut self, source: SourceId, why: &'static str) {
        let unwanted: Vec<LinkId> = self
            .links
            .iter()
            .filter(|(_, l)| l.source == source)
            .map(|(id, _)| id)
            .filter(|id| !self.wanted(*id))
            .collect();
        for link in unwanted {
            if let Some(Link {
                phase: Phase::Up(conn),
                ..
            }) = self.remove(link)
            {
                self.actions.push(Action::Close { conn, why });
            }
        }
    }

    fn remove(&mut self, link: LinkId) -> Option<Link> {
        self.links.remove(link)
    }

    fn forget_if_idle(&mut self, source: SourceId) {
        let idle = self
            .demand
            .get(&source)
            .is_some_and(|d| !d.publishing && d.players == 0);
        if idle && self.count(source) == 0 {
            self.demand.remove(&source);
        }
    }
}
