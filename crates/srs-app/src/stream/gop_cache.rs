//! The last group of pictures, replayed to a new player so its first video
//! frame is a keyframe and it starts at once instead of waiting for the
//! next one.

use srs_kernel::MediaMessage;

/// A cached GOP larger than this is dropped (a stream with keyframes too
/// rare to cache); the cache starts again at the next keyframe.
pub const MAX_GOP_BYTES: usize = 32 << 20;

/// Audio messages in a row, with no video, after which the stream is taken
/// as audio only and the cached video GOP is dropped (SRS #124: a late player
/// must not get stale video). About 2.7 s of 44.1 kHz AAC, as SRS guesses.
pub const PURE_AUDIO_GUESS: usize = 115;

/// Messages since the last video keyframe.
#[derive(Debug, Default)]
pub struct GopCache {
    messages: Vec<MediaMessage>,
    bytes: usize,
    has_keyframe: bool,
    audio_since_video: usize,
}

impl GopCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Offers a message (sequence headers and metadata are cached elsewhere).
    pub fn push(&mut self, msg: &MediaMessage) {
        if msg.is_sequence_header() || msg.is_script() {
            return;
        }
        if msg.is_video() {
            self.audio_since_video = 0;
        } else if msg.is_audio() {
            self.audio_since_video += 1;
            if self.audio_since_video > PURE_AUDIO_GUESS && self.has_keyframe {
                // The video stopped: its last GOP is stale now.
                self.clear();
            }
        }
        if msg.is_video() && msg.is_keyframe() {
            self.clear();
            self.has_keyframe = true;
        }
        if !self.has_keyframe {
            // Pure audio, or video before its first keyframe: nothing useful to replay.
            return;
        }
        self.bytes += msg.payload.len();
        if self.bytes > MAX_GOP_BYTES {
            self.clear();
            return;
        }
        self.messages.push(msg.clone());
    }

    /// Forgets everything (unpublish, stale video).
    pub fn clear(&mut self) {
        self.messages.clear();
        self.bytes = 0;
        self.has_keyframe = false;
    }

    /// The cached messages, keyframe first.
    pub fn messages(&self) -> &[MediaMessage] {
        &self.messages
    }

    /// Payload bytes held.
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::test_media::{audio, video, video_header};

    #[test]
    fn video_that_stops_is_dropped_and_pure_audio_is_not_cached() {
        let mut g = GopCache::new();
        g.push(&video(0, true));
        for i in 0..PURE_AUDIO_GUESS as u32 {
            g.push(&audio(10 + i * 23));
        }
        assert_eq!(
            g.messages().len(),
            1 + PURE_AUDIO_GUESS,
            "audio between frames is kept"
        );
        g.push(&audio(5000));
        assert!(g.messages().is_empty(), "the stale GOP is dropped");
        for i in 0..1000u32 {
            g.push(&audio(5000 + i * 23));
        }
        assert!(
            g.messages().is_empty(),
            "audio alone stays out of the cache"
        );
        assert_eq!(g.bytes(), 0);
        g.push(&video(30_000, true));
        assert_eq!(g.messages().len(), 1, "the video comes back");
    }

    #[test]
    fn keeps_only_the_last_gop() {
        let mut g = GopCache::new();
        g.push(&audio(0));
        g.push(&video(0, false));
        assert!(g.messages().is_empty(), "nothing before the first keyframe");
        g.push(&video(40, true));
        g.push(&audio(50));
        g.push(&video(80, false));
        assert_eq!(g.messages().len(), 3);
        g.push(&video(120, true));
        assert_eq!(g.messages().len(), 1);
        assert!(g.messages()[0].is_keyframe());
        assert_eq!(g.messages()[0].timestamp, 120);
    }

    #[test]
    fn sequence_headers_are_not_cached() {
        let mut g = GopCache::new();
        g.push(&video(0, true));
        g.push(&video_header(0));
        assert_eq!(g.messages().len(), 1);
        g.clear();
        assert_eq!(g.bytes(), 0);
    }
}
