//! The FLV video tag data header (first 1 or 5 bytes of a video tag body).

use crate::error::KernelError;

/// The header at the start of FLV video tag data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VideoTagHeader {
    /// 1 keyframe, 2 inter frame, 3 disposable inter frame, 4 generated keyframe,
    /// 5 video info / command frame.
    pub frame_type: u8,
    /// 2 Sorenson H.263, 3 screen video, 4 VP6, 5 VP6 alpha, 6 screen video 2,
    /// 7 AVC, 12 HEVC (enhanced by convention).
    pub codec_id: u8,
    /// For AVC / HEVC: 0 sequence header, 1 NALUs, 2 end of sequence.
    pub avc_packet_type: Option<u8>,
    /// For AVC / HEVC: composition time offset in ms (signed 24 bits); 0 otherwise.
    pub composition_time: i32,
}

impl VideoTagHeader {
    /// Frame type of a keyframe.
    pub const FRAME_KEY: u8 = 1;
    /// Frame type of an inter frame.
    pub const FRAME_INTER: u8 = 2;
    /// Codec id of AVC (H.264).
    pub const CODEC_AVC: u8 = 7;
    /// Codec id of HEVC (H.265), as used by SRS and other servers.
    pub const CODEC_HEVC: u8 = 12;
    /// AVC packet type: decoder configuration record.
    pub const PACKET_SEQUENCE_HEADER: u8 = 0;
    /// AVC packet type: length-prefixed NAL units.
    pub const PACKET_NALU: u8 = 1;
    /// AVC packet type: end of sequence.
    pub const PACKET_END_OF_SEQUENCE: u8 = 2;

    /// Parses the header: 1 byte, or 5 bytes for AVC / HEVC.
    pub fn parse(data: &[u8]) -> Result<VideoTagHeader, KernelError> {
        let Some(&b0) = data.first() else {
            return Err(KernelError::truncated("flv video tag header", 1, 0));
        };
        let frame_type = b0 >> 4;
        let codec_id = b0 & 0x0f;
        if codec_id != Self::CODEC_AVC && codec_id != Self::CODEC_HEVC {
            return Ok(VideoTagHeader {
                frame_type,
                codec_id,
                avc_packet_type: None,
                composition_time: 0,
            });
        }
        let Some(b) = data.get(..5) else {
            return Err(KernelError::truncated(
                "flv avc video tag header",
                5,
                data.len(),
            ));
        };
        // Sign-extend the 24-bit composition time.
        let composition_time = i32::from_be_bytes([b[2], b[3], b[4], 0]) >> 8;
        Ok(VideoTagHeader {
            frame_type,
            codec_id,
            avc_packet_type: Some(b[1]),
            composition_time,
        })
    }

    /// Size of this header in the tag data: 5 for AVC / HEVC, else 1.
    pub fn header_len(&self) -> usize {
        if self.avc_packet_type.is_some() {
            5
        } else {
            1
        }
    }

    /// True for frame type 1 (keyframe).
    pub fn is_keyframe(&self) -> bool {
        self.frame_type == Self::FRAME_KEY
    }

    /// True for an AVC / HEVC sequence header.
    pub fn is_sequence_header(&self) -> bool {
        self.avc_packet_type == Some(Self::PACKET_SEQUENCE_HEADER)
    }

    /// Appends the header bytes (5 for AVC / HEVC, else 1).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push((self.frame_type << 4) | (self.codec_id & 0x0f));
        if let Some(t) = self.avc_packet_type {
            let c = self.composition_time.to_be_bytes();
            out.extend_from_slice(&[t, c[1], c[2], c[3]]);
        }
    }
}

/// Name of an FLV video codec id, e.g. 7 -> `"H264"`.
pub fn video_codec_name(id: u8) -> &'static str {
    match id {
        2 => "H263",
        3 => "Screen",
        4 => "VP6",
        5 => "VP6Alpha",
        6 => "Screen2",
        7 => "H264",
        12 => "HEVC",
        _ => "Other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn avc_header() {
        let h = VideoTagHeader::parse(&[0x17, 0x01, 0x00, 0x00, 0x50, 0xAA]).unwrap();
        assert_eq!(
            h,
            VideoTagHeader {
                frame_type: 1,
                codec_id: 7,
                avc_packet_type: Some(1),
                composition_time: 80,
            }
        );
        assert!(h.is_keyframe() && !h.is_sequence_header());
        assert_eq!(h.header_len(), 5);
        let mut out = Vec::new();
        h.encode(&mut out);
        assert_eq!(out, [0x17, 0x01, 0x00, 0x00, 0x50]);
    }

    #[test]
    fn negative_composition_time() {
        let h = VideoTagHeader::parse(&[0x27, 0x01, 0xFF, 0xFF, 0xD8]).unwrap();
        assert_eq!(h.composition_time, -40);
        let mut out = Vec::new();
        h.encode(&mut out);
        assert_eq!(out, [0x27, 0x01, 0xFF, 0xFF, 0xD8]);
    }

    #[test]
    fn other_codecs_and_truncation() {
        let h = VideoTagHeader::parse(&[0x22]).unwrap();
        assert_eq!((h.frame_type, h.codec_id, h.avc_packet_type), (2, 2, None));
        assert_eq!(h.header_len(), 1);
        assert!(VideoTagHeader::parse(&[]).is_err());
        for n in 1..5 {
            assert!(VideoTagHeader::parse(&[0x17, 0, 0, 0, 0][..n]).is_err());
        }
        assert_eq!(video_codec_name(7), "H264");
        assert_eq!(video_codec_name(12), "HEVC");
        assert_eq!(video_codec_name(2), "H263");
        assert_eq!(video_codec_name(0), "Other");
    }
}
