//! What a stream carries, read from its sequence headers: for logs, the
//! API and the metrics.

use srs_kernel::aac::AudioSpecificConfig;
use srs_kernel::avc::AvcDecoderConfig;
use srs_kernel::flv::{
    audio_codec_name, sound_rate_hz, video_codec_name, AudioTagHeader, VideoTagHeader,
};
use srs_kernel::MediaMessage;

/// Video of a stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VideoInfo {
    /// `H264`, `HEVC`...
    pub codec: String,
    /// `High`, `Main`... (H.264)
    pub profile: String,
    /// `3.1`... (H.264)
    pub level: String,
    /// Width in pixels (from the SPS), 0 when unknown.
    pub width: u32,
    /// Height in pixels, 0 when unknown.
    pub height: u32,
}

/// Audio of a stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AudioInfo {
    /// `AAC`, `MP3`...
    pub codec: String,
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Channels.
    pub channels: u8,
    /// `LC`, `HE`... (AAC)
    pub profile: String,
}

/// Parses a video sequence header (or any video message for non-AVC codecs).
pub fn video_info(msg: &MediaMessage) -> Option<VideoInfo> {
    let h = VideoTagHeader::parse(&msg.payload).ok()?;
    let mut info = VideoInfo {
        codec: video_codec_name(h.codec_id).to_string(),
        ..VideoInfo::default()
    };
    if h.codec_id == 7 && msg.is_sequence_header() {
        let config = AvcDecoderConfig::parse(msg.payload.get(5..)?).ok()?;
        info.profile = srs_kernel::avc::profile_name(config.profile).to_string();
        info.level = srs_kernel::avc::level_name(config.level).to_string();
        if let Ok(sps) = config.parse_sps() {
            info.width = sps.width;
            info.height = sps.height;
        }
    }
    Some(info)
}

/// Parses an audio sequence header (or any audio message for non-AAC codecs).
pub fn audio_info(msg: &MediaMessage) -> Option<AudioInfo> {
    let h = AudioTagHeader::parse(&msg.payload).ok()?;
    let mut info = AudioInfo {
        codec: audio_codec_name(h.sound_format).to_string(),
        sample_rate: sound_rate_hz(h.sound_rate),
        channels: if h.sound_type == 1 { 2 } else { 1 },
        profile: String::new(),
    };
    if h.sound_format == 10 && msg.is_sequence_header() {
        let asc = AudioSpecificConfig::parse(msg.payload.get(2..)?).ok()?;
        info.sample_rate = asc.sample_rate;
        info.channels = asc.channels;
        info.profile = asc.profile_name().to_string();
    }
    Some(info)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use srs_kernel::MediaKind;

    #[test]
    fn aac_header() {
        let m = MediaMessage::new(
            MediaKind::Audio,
            0,
            Bytes::from_static(&[0xaf, 0, 0x12, 0x10]),
        );
        let a = audio_info(&m).expect("aac");
        assert_eq!(
            (
                a.codec.as_str(),
                a.sample_rate,
                a.channels,
                a.profile.as_str()
            ),
            ("AAC", 44100, 2, "LC")
        );
        assert_eq!(
            audio_info(&MediaMessage::new(MediaKind::Audio, 0, Bytes::new())),
            None
        );
    }
}
