//! What `srs-detect-rtmp` learns about a stream from its first messages:
//! codecs, picture size, audio rate and channels, and when each arrived.

use srs_kernel::aac::AudioSpecificConfig;
use srs_kernel::avc::AvcDecoderConfig;
use srs_kernel::flv::{AudioTagHeader, VideoTagHeader};
use srs_kernel::MediaMessage;

/// What was found so far.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct StreamInfo {
    /// Video codec name (`H.264`, `HEVC`, `codec N`).
    pub video: Option<String>,
    /// Picture size from the AVC sequence header's SPS.
    pub size: Option<(u32, u32)>,
    /// Audio codec name (`AAC`, `MP3`, `codec N`).
    pub audio: Option<String>,
    /// Sample rate (Hz) and channels from the AAC sequence header.
    pub audio_config: Option<(u32, u8)>,
    /// Whether a video keyframe (not a sequence header) arrived.
    pub keyframe: bool,
    /// Audio and video messages seen.
    pub frames: u64,
}

fn video_codec(id: u8) -> String {
    match id {
        7 => "H.264".into(),
        12 => "HEVC".into(),
        other => format!("codec {other}"),
    }
}

fn audio_codec(format: u8) -> String {
    match format {
        10 => "AAC".into(),
        2 => "MP3".into(),
        other => format!("codec {other}"),
    }
}

impl StreamInfo {
    /// Learns from one message.
    pub fn on_message(&mut self, m: &MediaMessage) {
        if m.is_video() {
            self.frames += 1;
            if let Ok(h) = VideoTagHeader::parse(&m.payload) {
                self.video.get_or_insert_with(|| video_codec(h.codec_id));
            }
            if m.is_sequence_header() {
                let size = m
                    .payload
                    .get(5..)
                    .and_then(|c| AvcDecoderConfig::parse(c).ok())
                    .and_then(|c| c.parse_sps().ok())
                    .map(|s| (s.width, s.height));
                if size.is_some() {
                    self.size = size;
                }
            } else if m.is_keyframe() {
                self.keyframe = true;
            }
        } else if m.is_audio() {
            self.frames += 1;
            if let Ok(h) = AudioTagHeader::parse(&m.payload) {
                self.audio
                    .get_or_insert_with(|| audio_codec(h.sound_format));
            }
            if m.is_sequence_header() {
                if let Some(c) = m
                    .payload
                    .get(2..)
                    .and_then(|c| AudioSpecificConfig::parse(c).ok())
                {
                    self.audio_config = Some((c.sample_rate, c.channels));
                }
            }
        }
    }

    /// Enough to describe the stream: a keyframe, and the audio config when
    /// there is audio.
    pub fn complete(&self) -> bool {
        let video_done = self.video.is_none() || self.keyframe;
        let audio_done = self.audio.is_none() || self.audio_config.is_some();
        self.frames > 0 && video_done && audio_done && (self.keyframe || self.audio.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use srs_kernel::MediaKind;

    #[test]
    fn learns_codecs_and_configs() {
        let mut i = StreamInfo::default();
        assert!(!i.complete());
        // AAC LC 44.1 kHz stereo.
        let aac = MediaMessage::new(
            MediaKind::Audio,
            0,
            Bytes::from_static(&[0xaf, 0, 0x12, 0x10]),
        );
        i.on_message(&aac);
        assert_eq!(i.audio.as_deref(), Some("AAC"));
        assert_eq!(i.audio_config, Some((44100, 2)));
        let key = MediaMessage::new(
            MediaKind::Video,
            0,
            Bytes::from_static(&[0x17, 1, 0, 0, 0, 0, 0, 0, 1, 0x65]),
        );
        i.on_message(&key);
        assert_eq!(i.video.as_deref(), Some("H.264"));
        assert!(i.keyframe && i.complete());
    }
}
