//! All live sources, found by `vhost/app/stream`.

use std::collections::HashMap;
use std::sync::Arc;

use srs_core::Arena;

use super::source::{Source, StreamKey};
use crate::config::VhostConfig;
use crate::ids::{SourceId, SourceTag};
use crate::sink::{HlsSink, SinkHub};

/// The sources of the server.
#[derive(Default)]
pub struct Registry {
    sources: Arena<Source, SourceTag>,
    by_key: HashMap<StreamKey, SourceId>,
    /// HLS state of streams whose source went away, so a republish continues
    /// the sequence numbers (with a discontinuity) instead of overwriting files.
    dormant_hls: HashMap<StreamKey, HlsSink>,
}

/// Dormant HLS states kept at most; beyond, an arbitrary one is forgotten.
const MAX_DORMANT_HLS: usize = 4096;

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// The source of `key`, created when missing.
    pub fn find_or_create(&mut self, key: &StreamKey, vhost: &Arc<VhostConfig>) -> SourceId {
        if let Some(&id) = self.by_key.get(key) {
            if let Some(source) = self.sources.get_mut(id) {
                // Settings may have changed by a reload since the source was made.
                source.set_vhost(Arc::clone(vhost));
            }
            return id;
        }
        let mut source = Source::new(key.clone(), Arc::clone(vhost));
        source.sinks = SinkHub::new(self.dormant_hls.remove(key));
        let id = self.sources.insert(source);
        self.by_key.insert(key.clone(), id);
        id
    }

    /// The source of `key`, if it exists.
    pub fn find(&self, key: &StreamKey) -> Option<SourceId> {
        self.by_key.get(key).copied()
    }

    /// The source of `id`.
    pub fn get(&self, id: SourceId) -> Option<&Source> {
        self.sources.get(id)
    }

    /// The source of `id`, mutably.
    pub fn get_mut(&mut self, id: SourceId) -> Option<&mut Source> {
        self.sources.get_mut(id)
    }

    /// Removes the source when nobody uses it any more.
    pub fn remove_if_idle(&mut self, id: SourceId) {
        if self.sources.get(id).is_some_and(|s| s.is_idle()) {
            if let Some(mut source) = self.sources.remove(id) {
                self.by_key.remove(&source.key);
                if let Some(hls) = source.sinks.take_hls() {
                    if self.dormant_hls.len() >= MAX_DORMANT_HLS {
                        if let Some(k) = self.dormant_hls.keys().next().cloned() {
                            self.dormant_hls.remove(&k);
                        }
                    }
                    self.dormant_hls.insert(source.key, hls);
                }
            }
        }
    }

    /// Number of sources.
    pub fn len(&self) -> usize {
        self.sources.len()
    }

    /// True when there is no source.
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }

    /// Points every source at its vhost's settings in a reloaded config.
    pub fn refresh_vhosts(&mut self, config: &crate::config::Config) {
        for (_, source) in self.sources.iter_mut() {
            if let Some(v) = config.vhost(&source.key.vhost) {
                source.set_vhost(Arc::clone(v));
            }
        }
    }

    /// All sources, mutably.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (SourceId, &mut Source)> {
        self.sources.iter_mut()
    }

    /// All sources.
    pub fn iter(&self) -> impl Iterator<Item = (SourceId, &Source)> {
        self.sources.iter()
    }
}
