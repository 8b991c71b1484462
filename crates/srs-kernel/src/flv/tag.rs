//! The 11-byte FLV tag header.

use crate::error::KernelError;

/// Size of an FLV tag header.
pub const TAG_HEADER_SIZE: usize = 11;
/// Size of the PreviousTagSize field after each tag.
pub const PREVIOUS_TAG_SIZE_LEN: usize = 4;

/// An FLV tag header: type, data size (24 bits), timestamp (24 bits + extended
/// high byte), stream id (24 bits, always 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TagHeader {
    /// Tag type: 8 audio, 9 video, 18 script (the low 5 bits of the first byte).
    pub tag_type: u8,
    /// Size of the tag data after this header (24 bits).
    pub data_size: u32,
    /// Timestamp in milliseconds, including the extended high byte.
    pub timestamp: u32,
    /// Stream id (24 bits, 0 in valid files).
    pub stream_id: u32,
}

impl TagHeader {
    /// Parses a tag header; `Ok(None)` if fewer than 11 bytes are available.
    ///
    /// The filter / reserved bits of the first byte are dropped (`tag_type` is `byte & 0x1f`).
    pub fn parse(buf: &[u8]) -> Result<Option<TagHeader>, KernelError> {
        let Some(b) = buf.get(..TAG_HEADER_SIZE) else {
            return Ok(None);
        };
        Ok(Some(TagHeader {
            tag_type: b[0] & 0x1f,
            data_size: u32::from_be_bytes([0, b[1], b[2], b[3]]),
            timestamp: u32::from_be_bytes([b[7], b[4], b[5], b[6]]),
            stream_id: u32::from_be_bytes([0, b[8], b[9], b[10]]),
        }))
    }

    /// The 11 header bytes. `data_size` and `stream_id` are truncated to 24 bits.
    pub fn encode(&self) -> [u8; 11] {
        let s = self.data_size.to_be_bytes();
        let t = self.timestamp.to_be_bytes();
        let id = self.stream_id.to_be_bytes();
        [
            self.tag_type,
            s[1],
            s[2],
            s[3],
            t[1],
            t[2],
            t[3],
            t[0],
            id[1],
            id[2],
            id[3],
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_bytes() {
        let h = TagHeader {
            tag_type: 9,
            data_size: 0x01_02_03,
            timestamp: 0x00_0A_0B_0C,
            stream_id: 0,
        };
        let b = [9, 1, 2, 3, 0x0A, 0x0B, 0x0C, 0, 0, 0, 0];
        assert_eq!(h.encode(), b);
        assert_eq!(TagHeader::parse(&b).unwrap(), Some(h));
    }

    #[test]
    fn extended_timestamp() {
        let h = TagHeader {
            tag_type: 8,
            data_size: 5,
            timestamp: 0x12_34_56_78,
            stream_id: 0,
        };
        let b = h.encode();
        assert_eq!(&b[4..8], &[0x34, 0x56, 0x78, 0x12]);
        assert_eq!(TagHeader::parse(&b).unwrap(), Some(h));
    }

    #[test]
    fn partial_and_filter_bits() {
        let b = [0x28, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0];
        for n in 0..b.len() {
            assert_eq!(TagHeader::parse(&b[..n]).unwrap(), None);
        }
        assert_eq!(TagHeader::parse(&b).unwrap().map(|h| h.tag_type), Some(8));
    }
}
