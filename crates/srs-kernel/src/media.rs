//! The media message passed from ingest to fan-out, with flags computed once.

use bytes::Bytes;

/// What a media message carries; the values are the FLV tag types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaKind {
    /// FLV tag type 8, RTMP message type 8.
    Audio,
    /// FLV tag type 9, RTMP message type 9.
    Video,
    /// FLV tag type 18 (AMF0 data such as `onMetaData`), RTMP message type 18.
    Script,
}

impl MediaKind {
    /// Maps an FLV tag type (8, 9, 18) to a kind; `None` for anything else.
    pub fn from_tag_type(t: u8) -> Option<Self> {
        match t {
            8 => Some(MediaKind::Audio),
            9 => Some(MediaKind::Video),
            18 => Some(MediaKind::Script),
            _ => None,
        }
    }

    /// The FLV tag type of this kind.
    pub fn tag_type(self) -> u8 {
        match self {
            MediaKind::Audio => 8,
            MediaKind::Video => 9,
            MediaKind::Script => 18,
        }
    }
}

/// Facts about a media payload, computed once on ingest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct MediaFlags(u8);

impl MediaFlags {
    /// No flags.
    pub const NONE: MediaFlags = MediaFlags(0);
    /// A video frame with FLV frame type 1 (keyframe).
    pub const KEYFRAME: MediaFlags = MediaFlags(1);
    /// An AVC/HEVC decoder configuration or an AAC AudioSpecificConfig.
    pub const SEQUENCE_HEADER: MediaFlags = MediaFlags(2);

    /// Computes the flags of a payload of the given kind. Short payloads get no flags.
    ///
    /// - video keyframe: frame type (`payload[0] >> 4`) is 1;
    /// - video sequence header: codec (`payload[0] & 0x0f`) is 7 (AVC) or 12 (HEVC)
    ///   and `payload[1] == 0`; such a payload is usually a keyframe too;
    /// - audio sequence header: sound format (`payload[0] >> 4`) is 10 (AAC) and `payload[1] == 0`.
    pub fn from_payload(kind: MediaKind, payload: &[u8]) -> MediaFlags {
        let mut f = MediaFlags::NONE;
        match (kind, payload) {
            (MediaKind::Video, [b0, rest @ ..]) => {
                if b0 >> 4 == 1 {
                    f.insert(MediaFlags::KEYFRAME);
                }
                let codec = b0 & 0x0f;
                if (codec == 7 || codec == 12) && rest.first() == Some(&0) {
                    f.insert(MediaFlags::SEQUENCE_HEADER);
                }
            }
            (MediaKind::Audio, [b0, b1, ..]) if b0 >> 4 == 10 && *b1 == 0 => {
                f.insert(MediaFlags::SEQUENCE_HEADER);
            }
            _ => {}
        }
        f
    }

    /// The raw bits.
    pub fn bits(self) -> u8 {
        self.0
    }

    /// True if all flags of `other` are set.
    pub fn contains(self, other: MediaFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// Sets the flags of `other`.
    pub fn insert(&mut self, other: MediaFlags) {
        self.0 |= other.0;
    }

    /// True if [`MediaFlags::KEYFRAME`] is set.
    pub fn is_keyframe(self) -> bool {
        self.contains(MediaFlags::KEYFRAME)
    }

    /// True if [`MediaFlags::SEQUENCE_HEADER`] is set.
    pub fn is_sequence_header(self) -> bool {
        self.contains(MediaFlags::SEQUENCE_HEADER)
    }
}

/// One audio, video or script message: an FLV tag body / RTMP message payload.
///
/// Cloning is cheap (the payload is reference counted).
#[derive(Debug, Clone)]
pub struct MediaMessage {
    /// Audio, video or script.
    pub kind: MediaKind,
    /// Timestamp in milliseconds (RTMP / FLV 32-bit time).
    pub timestamp: u32,
    /// The tag body, starting with the FLV audio / video tag header.
    pub payload: Bytes,
    /// Flags computed from the payload by [`MediaMessage::new`].
    pub flags: MediaFlags,
}

impl MediaMessage {
    /// A message whose flags are computed once from the payload.
    pub fn new(kind: MediaKind, timestamp: u32, payload: Bytes) -> Self {
        let flags = MediaFlags::from_payload(kind, &payload);
        MediaMessage {
            kind,
            timestamp,
            payload,
            flags,
        }
    }

    /// True for a video keyframe.
    pub fn is_keyframe(&self) -> bool {
        self.flags.is_keyframe()
    }

    /// True for an AVC/HEVC or AAC sequence header.
    pub fn is_sequence_header(&self) -> bool {
        self.flags.is_sequence_header()
    }

    /// True for video.
    pub fn is_video(&self) -> bool {
        self.kind == MediaKind::Video
    }

    /// True for audio.
    pub fn is_audio(&self) -> bool {
        self.kind == MediaKind::Audio
    }

    /// True for script data (metadata).
    pub fn is_script(&self) -> bool {
        self.kind == MediaKind::Script
    }

    /// Payload size in bytes.
    pub fn size(&self) -> usize {
        self.payload.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(kind: MediaKind, p: &'static [u8]) -> MediaMessage {
        MediaMessage::new(kind, 0, Bytes::from_static(p))
    }

    #[test]
    fn kinds() {
        for k in [MediaKind::Audio, MediaKind::Video, MediaKind::Script] {
            assert_eq!(MediaKind::from_tag_type(k.tag_type()), Some(k));
        }
        assert_eq!(MediaKind::from_tag_type(0), None);
        assert_eq!(MediaKind::from_tag_type(17), None);
    }

    #[test]
    fn video_flags() {
        let seq = msg(MediaKind::Video, &[0x17, 0x00, 0, 0, 0, 1]);
        assert!(seq.is_keyframe() && seq.is_sequence_header() && seq.is_video());
        let key = msg(MediaKind::Video, &[0x17, 0x01, 0, 0, 0]);
        assert!(key.is_keyframe() && !key.is_sequence_header());
        let inter = msg(MediaKind::Video, &[0x27, 0x01, 0, 0, 0]);
        assert!(!inter.is_keyframe() && !inter.is_sequence_header());
        let hevc = msg(MediaKind::Video, &[0x1C, 0x00]);
        assert!(hevc.is_sequence_header());
        // Non-AVC codec with a zero second byte is not a sequence header.
        let h263 = msg(MediaKind::Video, &[0x12, 0x00]);
        assert!(h263.is_keyframe() && !h263.is_sequence_header());
        // One byte: keyframe bit readable, no seq header.
        let short = msg(MediaKind::Video, &[0x17]);
        assert!(short.is_keyframe() && !short.is_sequence_header());
    }

    #[test]
    fn audio_flags() {
        let seq = msg(MediaKind::Audio, &[0xAF, 0x00, 0x12, 0x10]);
        assert!(seq.is_sequence_header() && !seq.is_keyframe() && seq.is_audio());
        let raw = msg(MediaKind::Audio, &[0xAF, 0x01, 0x21]);
        assert!(!raw.is_sequence_header());
        let mp3 = msg(MediaKind::Audio, &[0x2F, 0x00]);
        assert!(!mp3.is_sequence_header());
        assert!(!msg(MediaKind::Audio, &[0xAF]).is_sequence_header());
    }

    #[test]
    fn empty_and_script_have_no_flags() {
        for k in [MediaKind::Audio, MediaKind::Video, MediaKind::Script] {
            assert_eq!(msg(k, &[]).flags, MediaFlags::NONE);
        }
        let s = msg(MediaKind::Script, &[0x17, 0x00]);
        assert_eq!(s.flags, MediaFlags::default());
        assert!(s.is_script());
    }
}
