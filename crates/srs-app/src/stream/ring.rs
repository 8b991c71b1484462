//! The recent messages of a source, shared by all its players.
//!
//! A message is stored once (its payload refcounted) with its RTMP chunked
//! form built once for the players' chunk size ([`SharedChunks`]); each
//! player keeps only a cursor (a sequence number) into the ring
//! (`Consumer`). The ring holds the last `span_ms` of media (a little more
//! than the longest player queue), so a player further behind than that has
//! lost what it skipped, which is what the queue bound decides anyway.

use std::collections::VecDeque;

use bytes::BytesMut;
use srs_kernel::{MediaKind, MediaMessage};
use srs_rtmp::chunk::SharedChunks;

/// Messages kept at most, whatever their duration (tiny messages).
const MAX_ENTRIES: usize = 1 << 16;
/// Payload bytes kept at most, whatever their duration.
pub const MAX_RING_BYTES: u64 = 64 << 20;
/// Kept beyond the players' queue duration, so a player is dropped by its
/// queue bound rather than by the ring forgetting.
const SPAN_MARGIN_MS: i64 = 1_000;
/// A newest timestamp this far before the oldest is a jump (a republish),
/// and the older messages are forgotten.
const BACKWARD_JUMP_MS: i64 = 1_000;

/// One message of the ring.
#[derive(Debug)]
pub struct RingEntry {
    /// The message as published (timestamps uncorrected).
    pub msg: MediaMessage,
    /// Its RTMP chunked form for the source's chunk size (`None` when the
    /// payload is too long for RTMP).
    pub shared: Option<SharedChunks>,
    /// Payload bytes pushed before this one (for the byte bound).
    before_bytes: u64,
}

/// The recent messages of one source.
#[derive(Debug)]
pub struct MediaRing {
    entries: VecDeque<RingEntry>,
    /// Sequence number of `entries[0]`.
    first_seq: u64,
    /// Payload bytes ever pushed.
    pushed_bytes: u64,
    /// Timestamp of the last message of each kind (audio, video, script),
    /// for the shared form's deltas.
    last_ts: [Option<u32>; 3],
    chunk_size: u32,
    span_ms: u32,
    seen_video: bool,
    scratch: BytesMut,
}

fn kind_index(kind: MediaKind) -> usize {
    match kind {
        MediaKind::Audio => 0,
        MediaKind::Video => 1,
        MediaKind::Script => 2,
    }
}

impl MediaRing {
    /// A ring for players whose queues hold up to `queue_ms`, chunked at
    /// `chunk_size`.
    pub fn new(queue_ms: u32, chunk_size: u32) -> MediaRing {
        MediaRing {
            entries: VecDeque::new(),
            first_seq: 0,
            pushed_bytes: 0,
            last_ts: [None; 3],
            chunk_size,
            span_ms: queue_ms,
            seen_video: false,
            scratch: BytesMut::new(),
        }
    }

    /// New settings after a reload; messages already chunked keep their
    /// form (players of another chunk size encode them on their own).
    pub fn configure(&mut self, queue_ms: u32, chunk_size: u32) {
        self.span_ms = queue_ms;
        self.chunk_size = chunk_size;
    }

    /// Appends a message of the publisher.
    pub fn push(&mut self, msg: &MediaMessage) {
        let k = kind_index(msg.kind);
        let delta = self.last_ts[k].map_or(0, |last| msg.timestamp.wrapping_sub(last));
        self.last_ts[k] = Some(msg.timestamp);
        self.seen_video |= msg.is_video();
        let shared = srs_rtmp::session::server::shared_media(
            msg.kind,
            delta,
            &msg.payload,
            self.chunk_size,
            &mut self.scratch,
        );
        self.entries.push_back(RingEntry {
            msg: msg.clone(),
            shared,
            before_bytes: self.pushed_bytes,
        });
        self.pushed_bytes += msg.payload.len() as u64;
        self.trim();
    }

    /// Forgets what is older than the span (and beyond the hard caps).
    fn trim(&mut self) {
        let Some(newest) = self.entries.back().map(|e| e.msg.timestamp) else {
            return;
        };
        let span = i64::from(self.span_ms) + SPAN_MARGIN_MS;
        while self.entries.len() > 1 {
            let Some(front) = self.entries.front() else {
                break;
            };
            let age = i64::from(newest.wrapping_sub(front.msg.timestamp) as i32);
            let too_old = age > span || age < -BACKWARD_JUMP_MS;
            let too_much = self.entries.len() > MAX_ENTRIES
                || self.pushed_bytes - front.before_bytes > MAX_RING_BYTES;
            if !too_old && !too_much {
                break;
            }
            self.entries.pop_front();
            self.first_seq += 1;
        }
    }

    /// Sequence number of the oldest message kept.
    pub fn first_seq(&self) -> u64 {
        self.first_seq
    }

    /// Sequence number the next message will get.
    pub fn end_seq(&self) -> u64 {
        self.first_seq + self.entries.len() as u64
    }

    /// The message of sequence number `seq`, while kept.
    pub fn get(&self, seq: u64) -> Option<&RingEntry> {
        let i = seq.checked_sub(self.first_seq)?;
        self.entries.get(usize::try_from(i).ok()?)
    }

    /// Messages from `seq` (included) to the end.
    pub fn from(&self, seq: u64) -> impl Iterator<Item = &RingEntry> {
        let skip = seq
            .saturating_sub(self.first_seq)
            .min(self.entries.len() as u64);
        self.entries.iter().skip(skip as usize)
    }

    /// Timestamp of the newest message.
    pub fn newest_ts(&self) -> Option<u32> {
        self.entries.back().map(|e| e.msg.timestamp)
    }

    /// Payload bytes from `seq` (included) to the end.
    pub fn bytes_from(&self, seq: u64) -> u64 {
        self.get(seq)
            .map_or(0, |e| self.pushed_bytes - e.before_bytes)
    }

    /// Whether the stream has had video (an audio-only stream has no
    /// keyframes to wait for after a drop).
    pub fn seen_video(&self) -> bool {
        self.seen_video
    }

    /// A new publish: deltas start over.
    pub fn on_publish(&mut self) {
        self.last_ts = [None; 3];
    }
}
