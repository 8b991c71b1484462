//! FLV (RTMP) messages to MPEG-TS: H.264 AVCC -> Annex B with AUD and parameter sets,
//! raw AAC -> ADTS, MP3 as is, millisecond timestamps -> 90 kHz.

use super::muxer::{TsAudioCodec, TsMuxer};
use crate::aac::AudioSpecificConfig;
use crate::avc::{avcc_nalus, nal_type, nalu_type, AvcDecoderConfig, ANNEXB_START_CODE};
use crate::error::KernelError;
use crate::flv::{audio_codec_name, video_codec_name, AudioTagHeader, VideoTagHeader};
use crate::media::{MediaKind, MediaMessage};

/// The access unit delimiter written first in every video access unit
/// (`primary_pic_type` 7: any slice type).
const AUD: [u8; 6] = [0x00, 0x00, 0x00, 0x01, 0x09, 0xF0];

/// FLV sound format of "MP3 8 kHz".
const FORMAT_MP3_8K: u8 = 14;

/// Largest raw AAC frame an ADTS header can describe (13-bit length, 7-byte header).
const MAX_AAC_FRAME: usize = 0x1FFF - 7;

/// What one message pushed into [`FlvToTs`] produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TsFrame {
    /// Nothing was written: a sequence header, script data, an empty or
    /// end-of-sequence message, or a frame before its sequence header.
    None,
    /// A video access unit was written.
    Video {
        /// True for a keyframe (FLV frame type 1 or an IDR slice).
        keyframe: bool,
        /// Its decoding timestamp in milliseconds.
        dts_ms: u64,
    },
    /// An audio frame was written.
    Audio {
        /// Its timestamp in milliseconds.
        dts_ms: u64,
    },
}

/// Turns FLV-format [`MediaMessage`]s (RTMP payloads) into MPEG-TS packets.
///
/// Usage per segment file: [`FlvToTs::start_segment`] (PAT + PMT), then
/// [`FlvToTs::push`] for every message. The PMT lists the streams whose codec is known
/// when it is written; if a new stream appears (or a codec changes) after tables
/// were written, `push` writes a new PAT + PMT (next PMT version) before the frame, so
/// a segment opened before the sequence headers arrived stays playable. Continuity
/// counters run on across segments.
#[derive(Debug, Clone)]
pub struct FlvToTs {
    muxer: TsMuxer,
    avc: Option<AvcDecoderConfig>,
    aac: Option<AudioSpecificConfig>,
    audio_codec: Option<TsAudioCodec>,
    config_changed: bool,
    tables_written: bool,
    /// The Annex B access unit or ADTS frame being built.
    scratch: Vec<u8>,
}

impl Default for FlvToTs {
    fn default() -> Self {
        Self::new()
    }
}

impl FlvToTs {
    /// A converter that knows no codec yet.
    pub fn new() -> Self {
        FlvToTs {
            muxer: TsMuxer::new(false, None),
            avc: None,
            aac: None,
            audio_codec: None,
            config_changed: false,
            tables_written: false,
            scratch: Vec::new(),
        }
    }

    /// Feeds one message with its 64-bit (already unwrapped, ms) timestamp; appends TS
    /// packets to `out`.
    ///
    /// - Sequence headers update the stored AVC / AAC configs and produce nothing.
    /// - Script messages, empty payloads and AVC end-of-sequence are ignored.
    /// - Video NAL units are converted AVCC -> Annex B with an AUD (`00 00 00 01 09 F0`)
    ///   first (AUDs of the input are dropped), and the SPS / PPS of the config are
    ///   inserted before every keyframe (FLV frame type 1 or IDR slice) access unit
    ///   unless it already carries an SPS. pts = (dts + composition_time) * 90.
    /// - Raw AAC frames get an ADTS header from the AudioSpecificConfig; MP3 frames are
    ///   carried as they are.
    /// - Frames before their sequence header are skipped ([`TsFrame::None`]).
    ///
    /// Codecs other than H.264 / AAC / MP3 give [`KernelError::Invalid`]; corrupt tag
    /// headers, sequence headers or NAL unit lengths give an error too. On error
    /// nothing is appended to `out` (the caller decides what to do).
    pub fn push(
        &mut self,
        msg: &MediaMessage,
        timestamp_ms: u64,
        out: &mut Vec<u8>,
    ) -> Result<TsFrame, KernelError> {
        if msg.payload.is_empty() {
            return Ok(TsFrame::None);
        }
        match msg.kind {
            MediaKind::Script => Ok(TsFrame::None),
            MediaKind::Video => self.push_video(&msg.payload, timestamp_ms, out),
            MediaKind::Audio => self.push_audio(&msg.payload, timestamp_ms, out),
        }
    }

    /// Writes PAT/PMT for a new segment (the muxer keeps its continuity counters across
    /// segments). The PMT lists video if an AVC config is known, and audio if an AAC
    /// config is known or MP3 frames were seen.
    pub fn start_segment(&mut self, out: &mut Vec<u8>) {
        self.muxer.set_streams(self.avc.is_some(), self.audio_codec);
        self.muxer.write_tables(out);
        self.tables_written = true;
    }

    /// True once an AVC sequence header has been seen.
    pub fn has_video(&self) -> bool {
        self.avc.is_some()
    }

    /// True once an AAC sequence header or an MP3 frame has been seen.
    pub fn has_audio(&self) -> bool {
        self.audio_codec.is_some()
    }

    /// The current AVC decoder configuration, if any.
    pub fn avc_config(&self) -> Option<&AvcDecoderConfig> {
        self.avc.as_ref()
    }

    /// The current AAC AudioSpecificConfig, if any.
    pub fn aac_config(&self) -> Option<&AudioSpecificConfig> {
        self.aac.as_ref()
    }

    /// True when the codec config changed since the last call (for
    /// `#EXT-X-DISCONTINUITY`); resets the flag.
    ///
    /// A change is a sequence header that differs from the stored one, or an audio
    /// codec switch between AAC and MP3. The first config of each stream is not a
    /// change, nor is a repeated identical sequence header.
    pub fn take_config_changed(&mut self) -> bool {
        std::mem::take(&mut self.config_changed)
    }

    /// Rewrites PAT + PMT when the known streams differ from those of the last PMT
    /// (only once a segment has been started).
    fn refresh_tables(&mut self, out: &mut Vec<u8>) {
        let known = (self.avc.is_some(), self.audio_codec);
        if self.tables_written && known != (self.muxer.has_video(), self.muxer.audio()) {
            self.start_segment(out);
        }
    }

    fn set_audio_codec(&mut self, codec: TsAudioCodec) {
        if self.audio_codec.is_some_and(|c| c != codec) {
            self.config_changed = true;
        }
        self.audio_codec = Some(codec);
    }

    fn push_video(
        &mut self,
        payload: &[u8],
        timestamp_ms: u64,
        out: &mut Vec<u8>,
    ) -> Result<TsFrame, KernelError> {
        let h = VideoTagHeader::parse(payload)?;
        if h.codec_id != VideoTagHeader::CODEC_AVC {
            return Err(KernelError::invalid(
                "flv video codec for ts",
                format!(
                    "expected H.264 (7), found {} ({})",
                    h.codec_id,
                    video_codec_name(h.codec_id)
                ),
            ));
        }
        let body = payload.get(h.header_len()..).unwrap_or_default();
        match h.avc_packet_type {
            Some(VideoTagHeader::PACKET_SEQUENCE_HEADER) => {
                let config = AvcDecoderConfig::parse(body)?;
                if self.avc.as_ref().is_some_and(|old| *old != config) {
                    self.config_changed = true;
                }
                self.avc = Some(config);
                return Ok(TsFrame::None);
            }
            Some(VideoTagHeader::PACKET_NALU) => {}
            _ => return Ok(TsFrame::None),
        }
        let Some(config) = &self.avc else {
            return Ok(TsFrame::None);
        };
        let length_size = config.nalu_length_size;

        // First pass: validate and look for SPS / IDR / anything to carry.
        let (mut has_sps, mut has_idr, mut has_data) = (false, false, false);
        for nalu in avcc_nalus(body, length_size) {
            match nalu_type(nalu?) {
                Some(nal_type::SPS) => has_sps = true,
                Some(nal_type::IDR) => has_idr = true,
                Some(nal_type::AUD) | None => continue,
                Some(_) => {}
            }
            has_data = true;
        }
        if !has_data {
            return Ok(TsFrame::None);
        }
        let keyframe = h.is_keyframe() || has_idr;

        self.scratch.clear();
        self.scratch.extend_from_slice(&AUD);
        if keyframe && !has_sps {
            config.write_annexb_parameter_sets(&mut self.scratch);
        }
        // Second pass: the input was validated above, so errors cannot occur here.
        for nalu in avcc_nalus(body, length_size).flatten() {
            if matches!(nalu_type(nalu), Some(nal_type::AUD) | None) {
                continue;
            }
            self.scratch.extend_from_slice(&ANNEXB_START_CODE);
            self.scratch.extend_from_slice(nalu);
        }

        let pts_ms = timestamp_ms
            .checked_add_signed(i64::from(h.composition_time))
            .unwrap_or(timestamp_ms);
        // 2^64 is a multiple of 2^33, so wrapping keeps the 33-bit timestamp right.
        let dts = timestamp_ms.wrapping_mul(90);
        let pts = pts_ms.wrapping_mul(90);
        self.refresh_tables(out);
        self.muxer
            .write_video(pts, dts, keyframe, &self.scratch, out);
        Ok(TsFrame::Video {
            keyframe,
            dts_ms: timestamp_ms,
        })
    }

    fn push_audio(
        &mut self,
        payload: &[u8],
        timestamp_ms: u64,
        out: &mut Vec<u8>,
    ) -> Result<TsFrame, KernelError> {
        let h = AudioTagHeader::parse(payload)?;
        let body = payload.get(h.header_len()..).unwrap_or_default();
        match h.sound_format {
            AudioTagHeader::FORMAT_AAC => match h.aac_packet_type {
                Some(AudioTagHeader::PACKET_SEQUENCE_HEADER) => {
                    let config = AudioSpecificConfig::parse(body)?;
                    if self.aac.is_some_and(|old| old != config) {
                        self.config_changed = true;
                    }
                    self.aac = Some(config);
                    self.set_audio_codec(TsAudioCodec::Aac);
                    Ok(TsFrame::None)
                }
                Some(AudioTagHeader::PACKET_RAW) => {
                    let Some(config) = self.aac else {
                        return Ok(TsFrame::None);
                    };
                    if body.is_empty() {
                        return Ok(TsFrame::None);
                    }
                    if body.len() > MAX_AAC_FRAME {
                        return Err(KernelError::TooLarge {
                            what: "raw aac frame for adts",
                            size: body.len(),
                            limit: MAX_AAC_FRAME,
                        });
                    }
                    self.scratch.clear();
                    self.scratch
                        .extend_from_slice(&config.adts_header(body.len()));
                    self.scratch.extend_from_slice(body);
                    self.refresh_tables(out);
                    self.muxer
                        .write_audio(timestamp_ms.wrapping_mul(90), &self.scratch, out);
                    Ok(TsFrame::Audio {
                        dts_ms: timestamp_ms,
                    })
                }
                _ => Ok(TsFrame::None),
            },
            AudioTagHeader::FORMAT_MP3 | FORMAT_MP3_8K => {
                if self.audio_codec == Some(TsAudioCodec::Aac) {
                    self.aac = None;
                }
                self.set_audio_codec(TsAudioCodec::Mp3);
                if body.is_empty() {
                    return Ok(TsFrame::None);
                }
                self.refresh_tables(out);
                self.muxer
                    .write_audio(timestamp_ms.wrapping_mul(90), body, out);
                Ok(TsFrame::Audio {
                    dts_ms: timestamp_ms,
                })
            }
            other => Err(KernelError::invalid(
                "flv audio codec for ts",
                format!(
                    "expected AAC (10) or MP3 (2), found {other} ({})",
                    audio_codec_name(other)
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests;
