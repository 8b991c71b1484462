//! The transport stream muxer: one program with an H.264 video stream and an AAC or
//! MP3 audio stream, written packet by packet into caller-owned buffers.

use super::packet::{write_payload_unit, AdaptationField, ContinuityCounter, Fill};
use super::pes::{write_pes_header, STREAM_ID_AUDIO, STREAM_ID_VIDEO};
use super::psi::{
    pat_section, pmt_section, stream_type, write_section_packet, PmtStream, AUDIO_PID, PAT_PID,
    PMT_PID, VIDEO_PID,
};

/// The audio codec carried on [`AUDIO_PID`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TsAudioCodec {
    /// AAC in ADTS frames (stream type 0x0F).
    Aac,
    /// MP3 frames (stream type 0x04).
    Mp3,
}

impl TsAudioCodec {
    /// The PMT stream type of this codec.
    pub fn stream_type(self) -> u8 {
        match self {
            TsAudioCodec::Aac => stream_type::AAC,
            TsAudioCodec::Mp3 => stream_type::MP3,
        }
    }
}

/// A sans-IO MPEG-TS muxer for one program (PAT -> PMT [`PMT_PID`] -> video
/// [`VIDEO_PID`] and audio [`AUDIO_PID`]).
///
/// It keeps the continuity counter of every PID across calls (and so across segment
/// files). Call [`TsMuxer::write_tables`] at the start of every segment, then
/// [`TsMuxer::write_video`] / [`TsMuxer::write_audio`] per access unit. Every call
/// appends whole 188-byte packets.
///
/// The PCR is carried on the video PID (PCR = DTS of the video PES) when there is
/// video, else on the audio PID (PCR = PTS of the audio PES).
#[derive(Debug, Clone)]
pub struct TsMuxer {
    has_video: bool,
    audio: Option<TsAudioCodec>,
    pmt_version: u8,
    /// True once a PMT was written: later stream changes bump its version.
    tables_written: bool,
    cc_pat: ContinuityCounter,
    cc_pmt: ContinuityCounter,
    cc_video: ContinuityCounter,
    cc_audio: ContinuityCounter,
    /// Scratch space for PES headers and PSI sections.
    scratch: Vec<u8>,
}

impl TsMuxer {
    /// A muxer whose PMT lists video if `has_video` and the given audio codec.
    pub fn new(has_video: bool, audio: Option<TsAudioCodec>) -> Self {
        TsMuxer {
            has_video,
            audio,
            pmt_version: 0,
            tables_written: false,
            cc_pat: ContinuityCounter::new(),
            cc_pmt: ContinuityCounter::new(),
            cc_video: ContinuityCounter::new(),
            cc_audio: ContinuityCounter::new(),
            scratch: Vec::with_capacity(192),
        }
    }

    /// True if the PMT lists a video stream.
    pub fn has_video(&self) -> bool {
        self.has_video
    }

    /// The audio codec listed in the PMT, if any.
    pub fn audio(&self) -> Option<TsAudioCodec> {
        self.audio
    }

    /// Changes the streams listed by the next PMT. When they differ from those of an
    /// already written PMT, its `version_number` is incremented (mod 32), so demuxers
    /// that read the old one pick up the change. Continuity counters are kept.
    pub fn set_streams(&mut self, has_video: bool, audio: Option<TsAudioCodec>) {
        if (has_video, audio) != (self.has_video, self.audio) {
            self.has_video = has_video;
            self.audio = audio;
            if self.tables_written {
                self.pmt_version = (self.pmt_version + 1) & 0x1F;
            }
        }
    }

    /// The PID that carries the PCR: video if there is video, else audio.
    pub fn pcr_pid(&self) -> u16 {
        if self.has_video || self.audio.is_none() {
            VIDEO_PID
        } else {
            AUDIO_PID
        }
    }

    /// PAT + PMT, written at the start of every segment file.
    pub fn write_tables(&mut self, out: &mut Vec<u8>) {
        self.scratch.clear();
        pat_section(PMT_PID, &mut self.scratch);
        write_section_packet(out, PAT_PID, &mut self.cc_pat, &self.scratch);

        let mut streams = [PmtStream {
            stream_type: 0,
            pid: 0,
        }; 2];
        let mut n = 0;
        if self.has_video {
            streams[n] = PmtStream {
                stream_type: stream_type::H264,
                pid: VIDEO_PID,
            };
            n += 1;
        }
        if let Some(codec) = self.audio {
            streams[n] = PmtStream {
                stream_type: codec.stream_type(),
                pid: AUDIO_PID,
            };
            n += 1;
        }
        self.scratch.clear();
        pmt_section(
            self.pcr_pid(),
            &streams[..n],
            self.pmt_version,
            &mut self.scratch,
        );
        write_section_packet(out, PMT_PID, &mut self.cc_pmt, &self.scratch);
        self.tables_written = true;
    }

    /// One access unit of Annex B H.264 (the caller has added AUD/SPS/PPS), times in
    /// 90 kHz (taken modulo 2^33).
    ///
    /// The first packet carries the PCR (= `dts`) and, for a keyframe, the
    /// random access indicator. The PES is unbounded (`PES_packet_length` 0).
    pub fn write_video(
        &mut self,
        pts: u64,
        dts: u64,
        keyframe: bool,
        annexb: &[u8],
        out: &mut Vec<u8>,
    ) {
        self.scratch.clear();
        write_pes_header(
            &mut self.scratch,
            STREAM_ID_VIDEO,
            pts,
            dts,
            annexb.len(),
            false,
        );
        let af = AdaptationField {
            random_access: keyframe,
            pcr: (self.pcr_pid() == VIDEO_PID).then_some(dts),
        };
        write_payload_unit(
            out,
            VIDEO_PID,
            &mut self.cc_video,
            &af,
            Fill::AdaptationField,
            &self.scratch,
            annexb,
        );
    }

    /// Audio (ADTS AAC frames, or MP3 frames), pts in 90 kHz (taken modulo 2^33).
    ///
    /// The PES length is the real one when it fits in 16 bits. Without video the first
    /// packet carries the PCR (= `pts`) and the random access indicator.
    pub fn write_audio(&mut self, pts: u64, data: &[u8], out: &mut Vec<u8>) {
        self.scratch.clear();
        write_pes_header(
            &mut self.scratch,
            STREAM_ID_AUDIO,
            pts,
            pts,
            data.len(),
            true,
        );
        let carries_pcr = self.pcr_pid() == AUDIO_PID;
        let af = AdaptationField {
            random_access: carries_pcr,
            pcr: carries_pcr.then_some(pts),
        };
        write_payload_unit(
            out,
            AUDIO_PID,
            &mut self.cc_audio,
            &af,
            Fill::AdaptationField,
            &self.scratch,
            data,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{demux, Demuxed};
    use super::*;

    fn frame(len: usize, seed: u8) -> Vec<u8> {
        (0..len)
            .map(|i| (i as u8).wrapping_mul(31) ^ seed)
            .collect()
    }

    #[test]
    fn tables_then_frames_round_trip() {
        let mut m = TsMuxer::new(true, Some(TsAudioCodec::Aac));
        let mut out = Vec::new();
        m.write_tables(&mut out);
        assert_eq!(out.len(), 2 * 188);
        // PAT then PMT (exact bytes are checked in psi.rs).
        assert_eq!(&out[..4], &[0x47, 0x40, 0x00, 0x10]);
        assert_eq!(&out[188..192], &[0x47, 0x50, 0x01, 0x10]);

        let mut frames = Vec::new();
        for i in 0..40u64 {
            // Sizes around packet boundaries and big ones.
            let vlen = [1, 165, 166, 167, 184, 1000, 30_000, 70_000][(i % 8) as usize];
            let v = frame(vlen, i as u8);
            m.write_video(i * 3600 + 7200, i * 3600, i % 10 == 0, &v, &mut out);
            let alen = [1, 170, 171, 172, 400][(i % 5) as usize];
            let a = frame(alen, !(i as u8));
            m.write_audio(i * 2090, &a, &mut out);
            frames.push((v, a));
        }
        let Demuxed { pes, packets, .. } = demux(&out);
        assert_eq!(out.len(), packets * 188);
        let video: Vec<_> = pes.iter().filter(|p| p.pid == VIDEO_PID).collect();
        let audio: Vec<_> = pes.iter().filter(|p| p.pid == AUDIO_PID).collect();
        assert_eq!((video.len(), audio.len()), (40, 40));
        for (i, (v, a)) in frames.iter().enumerate() {
            let i64_ = i as u64;
            let pv = video[i];
            assert_eq!(pv.stream_id, STREAM_ID_VIDEO);
            assert_eq!(pv.pts, i64_ * 3600 + 7200);
            assert_eq!(pv.dts, i64_ * 3600);
            assert_eq!(pv.pcr, Some(i64_ * 3600), "PCR on every video PES start");
            assert_eq!(pv.random_access, i % 10 == 0);
            assert_eq!(&pv.payload, v);
            let pa = audio[i];
            assert_eq!(pa.stream_id, STREAM_ID_AUDIO);
            assert_eq!((pa.pts, pa.dts), (i64_ * 2090, i64_ * 2090));
            assert_eq!(pa.pcr, None, "PCR is on video");
            assert_eq!(&pa.payload, a);
        }
    }

    #[test]
    fn audio_only_pcr_on_audio() {
        let mut m = TsMuxer::new(false, Some(TsAudioCodec::Mp3));
        assert_eq!(m.pcr_pid(), AUDIO_PID);
        let mut out = Vec::new();
        m.write_tables(&mut out);
        // PMT: PCR PID 0x101, one MP3 stream.
        assert_eq!(&out[188 + 13..188 + 15], &[0xE1, 0x01]);
        assert_eq!(&out[188 + 17..188 + 22], &[0x04, 0xE1, 0x01, 0xF0, 0x00]);
        m.write_audio(1234, &frame(500, 1), &mut out);
        let d = demux(&out);
        assert_eq!(d.pes.len(), 1);
        assert_eq!(d.pes[0].pcr, Some(1234));
        assert!(d.pes[0].random_access);
    }

    #[test]
    fn counters_continue_across_segments_and_pmt_version() {
        let mut m = TsMuxer::new(false, Some(TsAudioCodec::Aac));
        let mut out = Vec::new();
        for _ in 0..20 {
            m.write_tables(&mut out);
            m.write_audio(0, &frame(300, 0), &mut out);
        }
        // demux() checks the counters of each PID increase by one mod 16.
        let d = demux(&out);
        assert_eq!(d.pes.len(), 20);
        // PMT version: 0 until the streams change, then 1; unchanged sets keep it.
        assert_eq!(out[188 + 10], 0xC1);
        // Changes before the first PMT do not count.
        let mut fresh = TsMuxer::new(false, None);
        fresh.set_streams(true, None);
        let mut first = Vec::new();
        fresh.write_tables(&mut first);
        assert_eq!(first[188 + 10], 0xC1);
        m.set_streams(true, Some(TsAudioCodec::Aac));
        m.set_streams(true, Some(TsAudioCodec::Aac));
        let mut seg = Vec::new();
        m.write_tables(&mut seg);
        assert_eq!(seg[188 + 10], 0xC3);
        assert_eq!(&seg[188 + 13..188 + 15], &[0xE1, 0x00]);
        assert!(m.has_video());
        assert_eq!(m.audio(), Some(TsAudioCodec::Aac));
    }
}
