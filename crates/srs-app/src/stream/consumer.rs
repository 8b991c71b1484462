//! The queue of one player: messages of its source waiting to be written,
//! with timestamps corrected for this player and a bound on how much it may
//! hold. A player that cannot keep up loses whole GOPs, never the
//! publisher's or other players' time.

use std::collections::VecDeque;

use srs_kernel::MediaMessage;

use crate::timestamp::{Jitter, JitterMode};

/// A queue never holds more payload bytes than this, whatever its duration.
pub const MAX_QUEUE_BYTES: usize = 32 << 20;

/// Counters of one consumer.
#[derive(Debug, Default, Clone, Copy)]
pub struct ConsumerStats {
    /// Messages dropped by the overflow policy.
    pub dropped: u64,
    /// Times the queue overflowed.
    pub overflows: u64,
}

/// One player's queue.
#[derive(Debug)]
pub struct Consumer {
    queue: VecDeque<MediaMessage>,
    bytes: usize,
    jitter: Jitter,
    max_duration_ms: u32,
    waiting_keyframe: bool,
    seen_video: bool,
    paused: bool,
    stats: ConsumerStats,
}

impl Consumer {
    /// A queue holding at most `max_duration_ms` of media.
    pub fn new(jitter: JitterMode, max_duration_ms: u32) -> Self {
        Consumer {
            queue: VecDeque::new(),
            bytes: 0,
            jitter: Jitter::new(jitter),
            max_duration_ms: max_duration_ms.max(1),
            waiting_keyframe: false,
            seen_video: false,
            paused: false,
            stats: ConsumerStats::default(),
        }
    }

    /// Adds a message (a refcount bump of its payload) after correcting its timestamp.
    pub fn enqueue(&mut self, msg: &MediaMessage) {
        if msg.is_video() {
            self.seen_video = true;
        }
        // Every message moves the jitter, dropped ones too, so the timeline
        // stays continuous across a drop.
        let timestamp = self.jitter.correct(msg.timestamp);
        let control = msg.is_sequence_header() || msg.is_script();
        if !control {
            let span = self.media_start().map_or(0, |start| {
                timestamp.wrapping_sub(start).min(i32::MAX as u32)
            });
            if span > self.max_duration_ms || self.bytes + msg.payload.len() > MAX_QUEUE_BYTES {
                self.overflow();
            }
            if self.waiting_keyframe {
                if msg.is_video() && msg.is_keyframe() {
                    self.waiting_keyframe = false;
                } else {
                    self.stats.dropped += 1;
                    return;
                }
            }
        }
        let mut m = msg.clone();
        m.timestamp = timestamp;
        self.bytes += m.payload.len();
        self.queue.push_back(m);
    }

    /// Timestamp of the oldest queued audio/video message (headers and
    /// metadata kept by an overflow sit in front and do not count).
    fn media_start(&self) -> Option<u32> {
        self.queue
            .iter()
            .find(|m| !(m.is_sequence_header() || m.is_script()))
            .map(|m| m.timestamp)
    }

    /// Keeps only metadata and sequence headers and waits for the next keyframe.
    fn overflow(&mut self) {
        let before = self.queue.len();
        self.queue
            .retain(|m| m.is_sequence_header() || m.is_script());
        self.bytes = self.queue.iter().map(|m| m.payload.len()).sum();
        self.stats.dropped += (before - self.queue.len()) as u64;
        self.stats.overflows += 1;
        // An audio-only stream has no keyframes to wait for.
        self.waiting_keyframe = self.seen_video;
    }

    /// Time span of the queued audio and video.
    pub fn duration_ms(&self) -> u32 {
        match (self.media_start(), self.queue.back()) {
            (Some(a), Some(b)) => b.timestamp.wrapping_sub(a).min(i32::MAX as u32),
            _ => 0,
        }
    }

    /// The next message to write, unless paused.
    pub fn pop(&mut self) -> Option<MediaMessage> {
        if self.paused {
            return None;
        }
        let m = self.queue.pop_front()?;
        self.bytes -= m.payload.len();
        Some(m)
    }

    /// True when there is something to write.
    pub fn has_ready(&self) -> bool {
        !self.paused && !self.queue.is_empty()
    }

    /// Pauses or resumes delivery (queueing goes on, bounded).
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

    /// Messages queued.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// True when the queue is empty.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Payload bytes queued.
    pub fn bytes(&self) -> usize {
        self.bytes
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

    #[test]
    fn overflow_drops_to_next_keyframe_and_keeps_headers() {
        let mut c = Consumer::new(JitterMode::Off, 1000);
        c.enqueue(&sh(0));
        c.enqueue(&video(0, true));
        for i in 1..=30 {
            c.enqueue(&video(i * 40, false));
        }
        // 1200 ms > 1000 ms: overflowed, only the header is kept.
        assert_eq!(c.len(), 1);
        assert!(c.stats().overflows >= 1);
        c.enqueue(&video(1240, false));
        c.enqueue(&audio(1250));
        assert_eq!(c.len(), 1, "waits for a keyframe");
        c.enqueue(&video(1280, true));
        c.enqueue(&audio(1290));
        assert_eq!(c.len(), 3);
        let first = c.pop().expect("header");
        assert!(first.is_sequence_header());
        assert!(c.pop().expect("keyframe").is_keyframe());
    }

    #[test]
    fn audio_only_overflow_does_not_wait_for_keyframes() {
        let mut c = Consumer::new(JitterMode::Off, 500);
        for i in 0..20 {
            c.enqueue(&audio(i * 46));
        }
        assert!(c.stats().overflows >= 1);
        c.enqueue(&audio(2000));
        assert!(!c.is_empty());
        assert!(c.duration_ms() <= 500);
    }

    #[test]
    fn paused_queue_holds_and_jitter_applies() {
        let mut c = Consumer::new(JitterMode::Full, 30_000);
        c.set_paused(true);
        c.enqueue(&video(90_000, true));
        c.enqueue(&video(90_040, false));
        assert!(c.pop().is_none());
        assert!(!c.has_ready());
        c.set_paused(false);
        assert_eq!(c.pop().map(|m| m.timestamp), Some(0));
        assert_eq!(c.pop().map(|m| m.timestamp), Some(40));
        assert_eq!(c.bytes(), 0);
    }
}
