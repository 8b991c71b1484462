//! A live stream: its publisher, the caches a late player needs (metadata,
//! sequence headers, the last GOP) and the ids of its players.

use std::sync::Arc;

use srs_kernel::MediaMessage;

use std::sync::atomic::{AtomicU64, Ordering};

use super::codec::{audio_info, video_info, AudioInfo, VideoInfo};
use super::consumer::Consumer;
use super::gop_cache::GopCache;
use super::ring::MediaRing;
use crate::config::VhostConfig;
use crate::ids::ConnId;
use crate::sink::SinkHub;

static NEXT_SOURCE_ID: AtomicU64 = AtomicU64::new(1);

/// `vhost/app/stream`: the identity of a source.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StreamKey {
    /// Resolved vhost name (e.g. `__defaultVhost__`).
    pub vhost: String,
    /// Application.
    pub app: String,
    /// Stream name without parameters.
    pub stream: String,
}

impl std::fmt::Display for StreamKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.vhost, self.app, self.stream)
    }
}

/// Counters of a source.
#[derive(Debug, Default, Clone, Copy)]
pub struct SourceStats {
    /// Payload bytes sent to players.
    pub bytes_out: u64,
    /// Receive rate over the last sample period, kbps.
    pub recv_kbps: u64,
    /// Send rate over the last sample period, kbps.
    pub send_kbps: u64,
    /// Media messages received from publishers.
    pub messages: u64,
    /// Video frames received.
    pub video_frames: u64,
    /// Payload bytes received.
    pub bytes_in: u64,
}

/// One live stream.
pub struct Source {
    /// Identity.
    pub key: StreamKey,
    /// The vhost settings in force for this source.
    pub vhost: Arc<VhostConfig>,
    publisher: Option<ConnId>,
    metadata: Option<MediaMessage>,
    video_sequence_header: Option<MediaMessage>,
    audio_sequence_header: Option<MediaMessage>,
    gop: GopCache,
    players: Vec<ConnId>,
    stats: SourceStats,
    /// A number unique in the process (the API's stream id).
    pub id: u64,
    /// Monotonic ms when the source was created.
    pub created_ms: u64,
    /// Video of the current publish.
    pub video: Option<VideoInfo>,
    /// Audio of the current publish.
    pub audio: Option<AudioInfo>,
    sampled: (u64, u64, u64),
    /// HLS and DVR of the source, with their error policy.
    pub sinks: SinkHub,
    /// The recent messages, read by every player through its cursor.
    pub ring: MediaRing,
}

impl Source {
    /// A source with no publisher and no players.
    pub fn new(key: StreamKey, vhost: Arc<VhostConfig>) -> Self {
        let ring = MediaRing::new(queue_ms(&vhost), vhost.out_chunk_size);
        Source {
            key,
            vhost,
            publisher: None,
            metadata: None,
            video_sequence_header: None,
            audio_sequence_header: None,
            gop: GopCache::new(),
            players: Vec::new(),
            stats: SourceStats::default(),
            sinks: SinkHub::default(),
            ring,
            id: NEXT_SOURCE_ID.fetch_add(1, Ordering::Relaxed),
            created_ms: 0,
            video: None,
            audio: None,
            sampled: (0, 0, 0),
        }
    }

    /// The publishing connection, if any.
    pub fn publisher(&self) -> Option<ConnId> {
        self.publisher
    }

    /// Claims the source for a publisher; false when it already has one.
    pub fn start_publish(&mut self, conn: ConnId) -> bool {
        if self.publisher.is_some() {
            return false;
        }
        self.publisher = Some(conn);
        true
    }

    /// Releases the source; the caches of the old publish are dropped so a
    /// new publisher's codec settings are not mixed with the old ones.
    pub fn stop_publish(&mut self, conn: ConnId) {
        if self.publisher == Some(conn) {
            self.publisher = None;
            self.metadata = None;
            self.video_sequence_header = None;
            self.audio_sequence_header = None;
            self.video = None;
            self.audio = None;
            self.gop.clear();
        }
    }

    /// Updates the caches with a message from the publisher.
    pub fn on_media(&mut self, msg: &MediaMessage) {
        self.stats.messages += 1;
        self.stats.bytes_in += msg.payload.len() as u64;
        if msg.is_script() {
            self.metadata = Some(msg.clone());
            return;
        }
        if msg.is_sequence_header() {
            if msg.is_video() {
                self.video = video_info(msg);
                self.video_sequence_header = Some(msg.clone());
            } else {
                self.audio = audio_info(msg);
                self.audio_sequence_header = Some(msg.clone());
            }
            return;
        }
        if self.video.is_none() && msg.is_video() {
            self.video = video_info(msg);
        }
        if self.audio.is_none() && msg.is_audio() {
            self.audio = audio_info(msg);
        }
        if msg.is_video() {
            self.stats.video_frames += 1;
        }
        if self.vhost.gop_cache {
            self.gop.push(msg);
        }
    }

    /// Takes a message of the publisher: caches, then the shared ring.
    pub fn publish_message(&mut self, msg: &MediaMessage) {
        self.on_media(msg);
        self.ring.push(msg);
    }

    /// Points the source at its vhost's settings (after a reload).
    pub fn set_vhost(&mut self, vhost: Arc<VhostConfig>) {
        self.ring.configure(queue_ms(&vhost), vhost.out_chunk_size);
        self.vhost = vhost;
    }

    /// Queues what a new player needs before live messages: metadata,
    /// sequence headers, then the cached GOP.
    pub fn prime_consumer(&self, consumer: &mut Consumer) {
        consumer.start_at(self.ring.end_seq());
        let heads = [
            &self.metadata,
            &self.video_sequence_header,
            &self.audio_sequence_header,
        ];
        // The headers go out stamped with the first cached frame's time, so
        // the player's timeline starts at that keyframe, not at the publish.
        let base = self.gop.messages().first().map(|m| m.timestamp);
        for m in heads.into_iter().flatten() {
            match base {
                Some(ts) => {
                    let mut head = m.clone();
                    head.timestamp = ts;
                    consumer.push_own(&head);
                }
                None => consumer.push_own(m),
            }
        }
        for m in self.gop.messages() {
            consumer.push_own(m);
        }
    }

    /// Adds a player.
    pub fn add_player(&mut self, conn: ConnId) {
        if !self.players.contains(&conn) {
            self.players.push(conn);
        }
    }

    /// Removes a player.
    pub fn remove_player(&mut self, conn: ConnId) {
        if let Some(i) = self.players.iter().position(|&p| p == conn) {
            self.players.swap_remove(i);
        }
    }

    /// The players' connection ids.
    pub fn players(&self) -> &[ConnId] {
        &self.players
    }

    /// True when nobody uses the source any more.
    pub fn is_idle(&self) -> bool {
        self.publisher.is_none() && self.players.is_empty()
    }

    /// Cached metadata, if any.
    pub fn metadata(&self) -> Option<&MediaMessage> {
        self.metadata.as_ref()
    }

    /// Cached video sequence header, if any.
    pub fn video_sequence_header(&self) -> Option<&MediaMessage> {
        self.video_sequence_header.as_ref()
    }

    /// Cached audio sequence header, if any.
    pub fn audio_sequence_header(&self) -> Option<&MediaMessage> {
        self.audio_sequence_header.as_ref()
    }

    /// Counters.
    pub fn stats(&self) -> SourceStats {
        self.stats
    }

    /// Counts payload bytes sent to a player.
    pub fn add_bytes_out(&mut self, n: u64) {
        self.stats.bytes_out += n;
    }

    /// Updates the kbps figures from the counters (called every few seconds).
    pub fn sample(&mut self, now_ms: u64) {
        // The first period runs from the source's creation.
        let (t, i, o) = if self.sampled.0 == 0 {
            (self.created_ms, 0, 0)
        } else {
            self.sampled
        };
        if t > 0 && now_ms > t {
            let ms = now_ms - t;
            self.stats.recv_kbps = (self.stats.bytes_in - i) * 8 / ms;
            self.stats.send_kbps = (self.stats.bytes_out - o) * 8 / ms;
        }
        self.sampled = (now_ms, self.stats.bytes_in, self.stats.bytes_out);
    }
}

/// How far behind the newest message a player of `vhost` may fall.
pub fn queue_ms(vhost: &VhostConfig) -> u32 {
    (vhost.queue_length_secs * 1000.0) as u32
}
