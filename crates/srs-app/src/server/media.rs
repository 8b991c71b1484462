//! Publishers and players attached to sources, and the fan-out of media.

use std::sync::Arc;

use srs_kernel::MediaMessage;

use super::Server;
use crate::config::VhostConfig;
use crate::conn::Role;
use crate::ids::ConnId;
use crate::refused::Refused;
use crate::stream::source::queue_ms;
use crate::stream::{Consumer, StreamKey};

impl Server {
    /// Makes `id` the publisher of `key`; `Err` when the stream already has one.
    pub(crate) fn attach_publisher(
        &mut self,
        id: ConnId,
        key: &StreamKey,
        vhost: &Arc<VhostConfig>,
    ) -> Result<(), Refused> {
        let sid = self.registry.find_or_create(key, vhost);
        let now = self.now_ms.max(1);
        let Some(source) = self.registry.get_mut(sid) else {
            return Err(Refused::Gone("the source vanished"));
        };
        if source.created_ms == 0 {
            source.created_ms = now;
        }
        if !source.start_publish(id) {
            return Err(Refused::StreamBusy(key.to_string()));
        }
        for &pid in source.players() {
            if let Some(c) = self.conns.get_mut(pid).and_then(|p| p.consumer_mut()) {
                c.on_republish();
            }
        }
        if let Some(conn) = self.conns.get_mut(id) {
            conn.role = Role::Publisher(sid);
        }
        self.start_sinks(sid);
        self.start_forwards(sid);
        self.start_transcodes(sid);
        Ok(())
    }

    /// Makes `id` a player of `key`: its queue starts with the source's
    /// metadata, sequence headers and GOP cache. Returns whether the source
    /// has a publisher now.
    pub(crate) fn attach_player(
        &mut self,
        id: ConnId,
        key: &StreamKey,
        vhost: &Arc<VhostConfig>,
    ) -> bool {
        let sid = self.registry.find_or_create(key, vhost);
        let Some(source) = self.registry.get_mut(sid) else {
            return false;
        };
        if source.created_ms == 0 {
            source.created_ms = self.now_ms.max(1);
        }
        let mut consumer = Consumer::new(vhost.player_jitter, queue_ms(vhost));
        source.prime_consumer(&mut consumer);
        source.add_player(id);
        let live = source.publisher().is_some();
        if let Some(conn) = self.conns.get_mut(id) {
            conn.role = Role::Player {
                source: sid,
                consumer: Box::new(consumer),
            };
            // The first write (headers and GOP cache) goes at once; later ones merge.
            conn.merge_ms = vhost.mw_latency_ms as u64;
            conn.next_flush_ms = 0;
        }
        self.mark_dirty(id);
        self.links.player_joined(sid, vhost, live);
        self.run_links();
        live
    }

    /// Detaches `id` from its source (unpublish, stop playing, close).
    pub(crate) fn stop_role(&mut self, id: ConnId) {
        let Some(conn) = self.conns.get_mut(id) else {
            return;
        };
        // A link (the edge's pull, a forward) is not a local publisher or player.
        let local = !matches!(conn.proto, crate::conn::Proto::Forward(_));
        match std::mem::replace(&mut conn.role, Role::Idle) {
            Role::Idle => {}
            Role::Publisher(sid) => {
                self.stop_sinks(sid);
                if local {
                    self.links.unpublished(sid);
                    self.run_links();
                }
                self.stop_transcodes(sid);
                if let Some(source) = self.registry.get_mut(sid) {
                    log::info!("unpublish {}", source.key);
                    source.stop_publish(id);
                }
                self.registry.remove_if_idle(sid);
            }
            Role::Player { source, consumer } => {
                self.counters.closed_dropped += consumer.stats().dropped;
                if let Some(s) = self.registry.get_mut(source) {
                    log::info!("stop playing {}", s.key);
                    s.remove_player(id);
                }
                if local {
                    self.links.player_left(source);
                    self.run_links();
                }
                self.registry.remove_if_idle(source);
            }
        }
    }

    /// A message from publisher `id`: update the source's caches, queue it
    /// for every player (a refcount bump each) and mark them for a flush.
    pub(crate) fn on_publisher_media(&mut self, id: ConnId, msg: MediaMessage) {
        let Some(Role::Publisher(sid)) = self.conns.get(id).map(|c| &c.role) else {
            return;
        };
        let sid = *sid;
        self.feed_sinks(sid, &msg);
        let Some(source) = self.registry.get_mut(sid) else {
            return;
        };
        source.publish_message(&msg);
        // Players read the ring when they are written: only mark them.
        for &pid in source.players() {
            let Some(player) = self.conns.get_mut(pid) else {
                continue;
            };
            if !player.dirty {
                player.dirty = true;
                self.dirty.push(pid);
            }
        }
    }
}
