//! FLV writing helpers: file header, tag header, PreviousTagSize, whole tags.

use super::header::FlvHeader;
use super::tag::{TagHeader, TAG_HEADER_SIZE};
use crate::error::KernelError;
use crate::media::{MediaKind, MediaMessage};

/// Largest tag data size the 24-bit size field can hold.
pub const MAX_TAG_DATA_SIZE: usize = 0x00FF_FFFF;

/// The FLV file header followed by PreviousTagSize0 (four zero bytes).
pub fn file_header(has_audio: bool, has_video: bool) -> [u8; 13] {
    let h = FlvHeader {
        has_audio,
        has_video,
    }
    .encode();
    let mut out = [0u8; 13];
    out[..9].copy_from_slice(&h);
    out
}

/// The 11-byte tag header for a tag of `kind` with `size` data bytes (stream id 0).
pub fn tag_header(kind: MediaKind, timestamp: u32, size: u32) -> [u8; 11] {
    TagHeader {
        tag_type: kind.tag_type(),
        data_size: size,
        timestamp,
        stream_id: 0,
    }
    .encode()
}

/// The PreviousTagSize field written after a tag with `data_size` data bytes
/// (the tag header size, 11, plus the data size).
pub fn previous_tag_size(data_size: u32) -> [u8; 4] {
    data_size
        .saturating_add(TAG_HEADER_SIZE as u32)
        .to_be_bytes()
}

/// Appends one tag: header, payload, PreviousTagSize.
///
/// A payload larger than [`MAX_TAG_DATA_SIZE`] cannot be represented (RTMP messages
/// never are that large); such a message is not written. Use [`try_encode_tag`] to
/// get an error instead.
pub fn encode_tag(msg: &MediaMessage, out: &mut Vec<u8>) {
    let _ = try_encode_tag(msg, out);
}

/// Appends one tag, or fails without writing anything if the payload is larger
/// than [`MAX_TAG_DATA_SIZE`].
pub fn try_encode_tag(msg: &MediaMessage, out: &mut Vec<u8>) -> Result<(), KernelError> {
    let len = msg.payload.len();
    if len > MAX_TAG_DATA_SIZE {
        return Err(KernelError::TooLarge {
            what: "flv tag data",
            size: len,
            limit: MAX_TAG_DATA_SIZE,
        });
    }
    let size = len as u32;
    out.reserve(TAG_HEADER_SIZE + len + 4);
    out.extend_from_slice(&tag_header(msg.kind, msg.timestamp, size));
    out.extend_from_slice(&msg.payload);
    out.extend_from_slice(&previous_tag_size(size));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    #[test]
    fn exact_bytes() {
        assert_eq!(
            file_header(true, false),
            [b'F', b'L', b'V', 1, 4, 0, 0, 0, 9, 0, 0, 0, 0]
        );
        assert_eq!(
            tag_header(MediaKind::Audio, 0x0100_0002, 3),
            [8, 0, 0, 3, 0, 0, 2, 1, 0, 0, 0]
        );
        assert_eq!(previous_tag_size(3), [0, 0, 0, 14]);
        let m = MediaMessage::new(
            MediaKind::Video,
            40,
            Bytes::from_static(&[0x27, 1, 0, 0, 0]),
        );
        let mut out = Vec::new();
        encode_tag(&m, &mut out);
        assert_eq!(
            out,
            [9, 0, 0, 5, 0, 0, 40, 0, 0, 0, 0, 0x27, 1, 0, 0, 0, 0, 0, 0, 16]
        );
    }

    #[test]
    fn oversized_is_not_written() {
        let m = MediaMessage::new(
            MediaKind::Video,
            0,
            Bytes::from(vec![0u8; MAX_TAG_DATA_SIZE + 1]),
        );
        let mut out = Vec::new();
        assert!(try_encode_tag(&m, &mut out).is_err());
        encode_tag(&m, &mut out);
        assert!(out.is_empty());
    }
}
