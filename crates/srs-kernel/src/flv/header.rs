//! The 9-byte FLV file header.

use crate::error::KernelError;

/// Size of the FLV file header (without PreviousTagSize0).
pub const FLV_HEADER_SIZE: usize = 9;

/// The FLV file header: `"FLV"`, version 1, flags, data offset.
///
/// In a file it is followed by PreviousTagSize0, four zero bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FlvHeader {
    /// Flag 0x04: the file has audio tags.
    pub has_audio: bool,
    /// Flag 0x01: the file has video tags.
    pub has_video: bool,
}

impl FlvHeader {
    /// The 9 header bytes (data offset 9).
    pub fn encode(&self) -> [u8; 9] {
        let flags = (u8::from(self.has_audio) << 2) | u8::from(self.has_video);
        [b'F', b'L', b'V', 1, flags, 0, 0, 0, 9]
    }

    /// Parses the header; `Ok(None)` if fewer than 9 bytes are available.
    ///
    /// A wrong signature is reported as soon as the first bytes are seen.
    pub fn parse(buf: &[u8]) -> Result<Option<FlvHeader>, KernelError> {
        Ok(Self::parse_with_offset(buf)?.map(|(h, _)| h))
    }

    /// Like [`FlvHeader::parse`], also returning the data offset (at least 9): where the
    /// first PreviousTagSize field starts.
    pub fn parse_with_offset(buf: &[u8]) -> Result<Option<(FlvHeader, u32)>, KernelError> {
        let sig_len = buf.len().min(3);
        if buf[..sig_len] != b"FLV"[..sig_len] {
            return Err(KernelError::invalid(
                "flv header",
                format!("expected signature \"FLV\", found {:02x?}", &buf[..sig_len]),
            ));
        }
        if buf.len() < FLV_HEADER_SIZE {
            return Ok(None);
        }
        if buf[3] != 1 {
            return Err(KernelError::invalid(
                "flv header",
                format!("expected version 1, found {}", buf[3]),
            ));
        }
        let offset = u32::from_be_bytes([buf[5], buf[6], buf[7], buf[8]]);
        if (offset as usize) < FLV_HEADER_SIZE {
            return Err(KernelError::invalid(
                "flv header",
                format!("data offset {offset} is smaller than the header size 9"),
            ));
        }
        let header = FlvHeader {
            has_audio: buf[4] & 0x04 != 0,
            has_video: buf[4] & 0x01 != 0,
        };
        Ok(Some((header, offset)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_exact_bytes() {
        let h = FlvHeader {
            has_audio: true,
            has_video: true,
        };
        assert_eq!(h.encode(), [0x46, 0x4C, 0x56, 1, 5, 0, 0, 0, 9]);
        let v = FlvHeader {
            has_audio: false,
            has_video: true,
        };
        assert_eq!(v.encode()[4], 1);
        let a = FlvHeader {
            has_audio: true,
            has_video: false,
        };
        assert_eq!(a.encode()[4], 4);
    }

    #[test]
    fn parse_round_trip_and_partial() {
        for (a, v) in [(false, false), (true, false), (false, true), (true, true)] {
            let h = FlvHeader {
                has_audio: a,
                has_video: v,
            };
            let b = h.encode();
            assert_eq!(FlvHeader::parse(&b).unwrap(), Some(h));
            for n in 0..b.len() {
                assert_eq!(FlvHeader::parse(&b[..n]).unwrap(), None);
            }
        }
    }

    #[test]
    fn bad_input() {
        assert!(FlvHeader::parse(b"FLX").is_err());
        assert!(FlvHeader::parse(b"G").is_err());
        assert!(FlvHeader::parse(&[b'F', b'L', b'V', 2, 5, 0, 0, 0, 9]).is_err());
        assert!(FlvHeader::parse(&[b'F', b'L', b'V', 1, 5, 0, 0, 0, 8]).is_err());
        assert_eq!(
            FlvHeader::parse_with_offset(&[b'F', b'L', b'V', 1, 1, 0, 0, 0, 12]).unwrap(),
            Some((
                FlvHeader {
                    has_audio: false,
                    has_video: true
                },
                12
            ))
        );
    }
}
