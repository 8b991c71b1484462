//! One player's place in its source: a cursor into the source's shared
//! ring ([`MediaRing`]), the few messages it gets on its own (metadata,
//! sequence headers and the GOP cache when it joins, the headers kept by a
//! drop), and its timestamp correction. Nothing is done per player when a
//! message arrives; the player's messages are read from the ring when it is
//! written. A player that falls behind more than its queue bound loses
//! whole GOPs (its cursor jumps), never the publisher's or other players'
//! time.

use std::collections::VecDeque;

use srs_kernel::MediaMessage;
use srs_rtmp::chunk::SharedChunks;

use super::ring::{MediaRing, RingEntry};
use crate::timestamp::{Jitter, JitterMode};

/// A player never lags by more than this many payload bytes, whatever the
/// duration.
pub const MAX_QUEUE_BYTES: u64 = 32 << 20;

/// Counters of one consumer.
#[derive(Debug, Default, Clone, Copy)]
pub struct ConsumerStats {
    /// Messages dropped by the overflow policy.
    pub dropped: u64,
    /// Times the queue overflowed.
    pub overflows: u64,
}

/// The next message for a player, its timestamp corrected for it.
#[derive(Debug)]
pub enum Next<'r> {
    /// A message of this player alone.
    Own(MediaMessage),
    /// A message of the ring, shared with the other players.
    Ring {
        /// The ring's entry.
        entry: &'r RingEntry,
        /// The player's timestamp for it.
        timestamp: u32,
    },
}

impl Next<'_> {
    /// The message (the ring's has the publisher's timestamp; use
    /// [`Next::timestamp`]).
    pub fn message(&self) -> &MediaMessage {
        match self {
            Next::Own(m) => m,
            Next::Ring { entry, .. } => &entry.msg,
        }
    }

    /// The player's timestamp.
    pub fn timestamp(&self) -> u32 {
        match self {
            Next::Own(m) => m.timestamp,
            Next::Ring { timestamp, .. } => *timestamp,
        }
    }

    /// The shared RTMP form, when the message has one.
    pub fn shared(&self) -> Option<&SharedChunks> {
        match self {
            Next::Own(_) => None,
            Next::Ring { entry, .. } => entry.shared.as_ref(),
        }
    }

    /// The message with the player's timestamp (a refcount bump).
    pub fn to_message(&self) -> MediaMessage {
        let mut m = self.message().clone();
        m.timestamp = self.timestamp();
        m
    }
}

/// One player's reader of its source.
#[derive(Debug)]
pub struct Consumer {
    /// Messages for this player before the ring's (timestamps corrected).
    own: VecDeque<MediaMessage>,
    /// The next ring message for this player.
    cursor: u64,
    jitter: Jitter,
    max_duration_ms: u32,
    waiting_keyframe: bool,
    paused: bool,
    stats: ConsumerStats,
}

/// Whether a message is one a drop keeps (metadata, sequence headers).
fn is_control(m: &MediaMessage) -> bool {
    m.is_sequence_header() || m.is_script()
}

impl Consumer {
    /// A reader that lags at most `max_duration_ms` of media behind the
    /// newest message, starting at the ring's end.
    pub fn new(jitter: JitterMode, max_duration_ms: u32) -> Self {
        Consumer {
            own: VecDeque::new(),
            cursor: 0,
            jitter: Jitter::new(jitter),
            max_duration_ms: max_duration_ms.max(1),
            waiting_keyframe: false,
            paused: false,
            stats: ConsumerStats::default(),
        }
    }

    /// Queues a message for this player alone (before any ring message),
    /// correcting its timestamp.
    pub fn push_own(&mut self, msg: &MediaMessage) {
        let mut m = msg.clone();
        m.timestamp = self.jitter.correct(msg.timestamp);
        self.own.push_back(m);
    }

    /// Reads the ring from its next message on.
    pub fn start_at(&mut self, seq: u64) {
        self.cursor = seq;
    }

    /// The next message to write, unless paused or caught up.
    pub fn pop<'r>(&mut self, ring: &'r MediaRing) -> Option<Next<'r>> {
        if self.paused {
            return None;
        }
        if let Some(m) = self.own.pop_front() {
            return Some(Next::Own(m));
        }
        loop {
            let entry = match ring.get(self.cursor) {
                Some(e) => e,
                // Fell off the ring's start while not reading.
                None if self.cursor < ring.first_seq() => {
                    self.overflow(ring);
                    return self.own.pop_front().map(Next::Own);
                }
                None => return None,
            };
            let msg = &entry.msg;
            if !is_control(msg) && self.lags(ring, msg) {
                self.overflow(ring);
                return self.own.pop_front().map(Next::Own);
            }
            self.cursor += 1;
            // Every message moves the jitter, dropped ones too, so the
            // timeline stays continuous across a drop.
            let timestamp = self.jitter.correct(msg.timestamp);
            if self.waiting_keyframe && !is_control(msg) {
                if msg.is_video() && msg.is_keyframe() {
                    self.waiting_keyframe = false;
                } else {
                    self.stats.dropped += 1;
                    continue;
                }
            }
            return Some(Next::Ring { entry, timestamp });
        }
    }

    /// Whether the player, about to read `msg`, is further behind the
    /// ring's newest message than its bound.
    fn lags(&self, ring: &MediaRing, msg: &MediaMessage) -> bool {
        // Audio and video interleave: the newest message may be a little
        // older than this one, which is no lag at all.
        let span = ring.newest_ts().map_or(0, |newest| {
            (newest.wrapping_sub(msg.timestamp) as i32).max(0) as u32
        });
        span > self.max_duration_ms || ring.bytes_from(self.cursor) > MAX_QUEUE_BYTES
    }

    /// Skips to the ring's end keeping the metadata and sequence headers it
    /// skips, and waits for the next keyframe.
    fn overflow(&mut self, ring: &MediaRing) {
        let mut kept: [Option<MediaMessage>; 3] = [None, None, None];
        let mut skipped = 0u64;
        for e in ring.from(self.cursor) {
            let timestamp = self.jitter.correct(e.msg.timestamp);
            if is_control(&e.msg) {
                let slot = if e.msg.is_script() {
                    0
                } else if e.msg.is_video() {
                    1
                } else {
                    2
                };
                let mut m = e.msg.clone();
                m.timestamp = timestamp;
                kept[slot] = Some(m);
            } else {
                skipped += 1;
            }
        }
        // What fell off the ring's start is lost too.
        skipped += ring.first_seq().saturating_sub(self.cursor);
        self.own.extend(kept.into_iter().flatten());
        self.cursor = ring.end_seq();
        self.stats.dropped += skipped;
        self.stats.overflows += 1;
        // An audio-only stream has no keyframes to wait for.
        self.waiting_keyframe = ring.seen_video();
    }

    /// Messages waiting for this player.
    pub fn queued(&self, ring: &MediaRing) -> usize {
        self.own.len() + ring.end_seq().saturating_sub(self.cursor) as usize
    }

    /// True when there is something to write.
    pub fn has_ready(&self, ring: &MediaRing) -> bool {
        !self.paused && (!self.own.is_empty() || self.cursor < ring.end_seq())
    }

    /// Pauses or resumes delivery (the cursor waits, bounded by the ring).
    pub fn set_paused(&mut self, paused: bool) {
        self.paused = paused;
    }

    /// True while paused.
    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// The publisher changed: timestamps of the new one continue the old line.
    pub fn on_republish(&mut self) {
        self.jitter.restart();
    }

    /// Drop counters.
    pub fn stats(&self) -> ConsumerStats {
        self.stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::test_media::{audio, video, video_header as sh};

    fn drain(c: &mut Consumer, ring: &MediaRing) -> Vec<(u32, bool, bool)> {
        std::iter::from_fn(|| c.pop(ring))
            .map(|n| {
                let m = n.message();
                (n.timestamp(), m.is_video(), m.is_keyframe())
            })
            .collect()
    }

    #[test]
    fn overflow_drops_to_next_keyframe_and_keeps_headers() {
        let mut ring = MediaRing::new(1000, 4096);
        let mut c = Consumer::new(JitterMode::Off, 1000);
        ring.push(&sh(0));
        ring.push(&video(0, true));
        for i in 1..=30 {
            ring.push(&video(i * 40, false));
        }
        // 1200 ms behind > 1000 ms: overflowed after the header.
        let got = drain(&mut c, &ring);
        assert_eq!(got.len(), 1, "only the header: {got:?}");
        assert!(c.stats().overflows >= 1);
        ring.push(&video(1240, false));
        ring.push(&audio(1250));
        assert!(drain(&mut c, &ring).is_empty(), "waits for a keyframe");
        ring.push(&video(1280, true));
        ring.push(&audio(1290));
        assert_eq!(
            drain(&mut c, &ring),
            [(1280, true, true), (1290, false, false)]
        );
        assert_eq!(c.stats().dropped, 31 + 2);
    }

    #[test]
    fn a_drop_keeps_the_headers_it_skips() {
        let mut ring = MediaRing::new(1000, 4096);
        let mut c = Consumer::new(JitterMode::Off, 1000);
        ring.push(&video(0, true));
        for i in 1..=10 {
            ring.push(&video(i * 40, false));
        }
        // A new sequence header in the part the player will skip.
        ring.push(&sh(440));
        for i in 12..=40 {
            ring.push(&video(i * 40, i % 10 == 0));
        }
        let first = c.pop(&ring).expect("the header kept");
        assert!(first.message().is_sequence_header());
        assert_eq!(c.stats().overflows, 1);
        assert!(c.pop(&ring).is_none(), "then waits for the next keyframe");
    }

    #[test]
    fn audio_only_overflow_does_not_wait_for_keyframes() {
        let mut ring = MediaRing::new(500, 4096);
        let mut c = Consumer::new(JitterMode::Off, 500);
        for i in 0..20 {
            ring.push(&audio(i * 46));
        }
        assert!(c.pop(&ring).is_none());
        assert!(c.stats().overflows >= 1);
        ring.push(&audio(2000));
        assert!(c.pop(&ring).is_some());
    }

    #[test]
    fn paused_reader_holds_and_jitter_applies() {
        let mut ring = MediaRing::new(30_000, 4096);
        let mut c = Consumer::new(JitterMode::Full, 30_000);
        c.set_paused(true);
        ring.push(&video(90_000, true));
        ring.push(&video(90_040, false));
        assert!(c.pop(&ring).is_none());
        assert!(!c.has_ready(&ring));
        c.set_paused(false);
        assert_eq!(c.pop(&ring).map(|n| n.timestamp()), Some(0));
        assert_eq!(c.pop(&ring).map(|n| n.timestamp()), Some(40));
        assert_eq!(c.queued(&ring), 0);
    }

    #[test]
    fn own_messages_come_first_then_the_ring_shared() {
        let mut ring = MediaRing::new(10_000, 4096);
        let mut c = Consumer::new(JitterMode::Full, 10_000);
        c.push_own(&sh(5_000));
        c.start_at(ring.end_seq());
        ring.push(&video(5_000, true));
        let first = c.pop(&ring).expect("own");
        assert!(matches!(first, Next::Own(_)));
        let second = c.pop(&ring).expect("ring");
        assert!(second.shared().is_some(), "the ring's chunked form");
        assert_eq!((first.timestamp(), second.timestamp()), (0, 0));
    }
}
