//! Chunk headers: the basic header (fmt + chunk stream id, 1/2/3 bytes), the message header
//! (11/7/3/0 bytes for fmt 0/1/2/3) and the extended timestamp.

use bytes::{BufMut, BytesMut};

/// Value of the 24-bit timestamp field that announces an extended (32-bit) timestamp.
pub const EXTENDED_TIMESTAMP: u32 = 0x00FF_FFFF;
/// Smallest chunk stream id (0 and 1 are encodings of the longer basic headers).
pub const MIN_CSID: u32 = 2;
/// Largest chunk stream id (3-byte basic header).
pub const MAX_CSID: u32 = 65599;
/// Largest basic header + message header + extended timestamp, in bytes.
pub const MAX_HEADER_SIZE: usize = 3 + 11 + 4;

/// The chunk basic header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BasicHeader {
    /// Chunk type 0..=3 (which message header follows).
    pub fmt: u8,
    /// Chunk stream id 2..=65599.
    pub csid: u32,
}

impl BasicHeader {
    /// Parses a basic header from the front of `buf`; `None` if more bytes are needed.
    /// Returns the header and its size (1, 2 or 3).
    pub fn parse(buf: &[u8]) -> Option<(BasicHeader, usize)> {
        let b0 = *buf.first()?;
        let fmt = b0 >> 6;
        match b0 & 0x3F {
            0 => {
                let b1 = *buf.get(1)?;
                Some((
                    BasicHeader {
                        fmt,
                        csid: 64 + b1 as u32,
                    },
                    2,
                ))
            }
            1 => {
                let b1 = *buf.get(1)?;
                let b2 = *buf.get(2)?;
                Some((
                    BasicHeader {
                        fmt,
                        csid: 64 + b1 as u32 + ((b2 as u32) << 8),
                    },
                    3,
                ))
            }
            cs => Some((
                BasicHeader {
                    fmt,
                    csid: cs as u32,
                },
                1,
            )),
        }
    }

    /// Appends the basic header, in its shortest form. `csid` is clamped to 2..=65599.
    pub fn write(&self, out: &mut BytesMut) {
        let fmt = (self.fmt & 3) << 6;
        let csid = self.csid.clamp(MIN_CSID, MAX_CSID);
        if csid < 64 {
            out.put_u8(fmt | csid as u8);
        } else if csid < 320 {
            out.put_u8(fmt);
            out.put_u8((csid - 64) as u8);
        } else {
            let v = csid - 64;
            out.put_u8(fmt | 1);
            out.put_u8((v & 0xFF) as u8);
            out.put_u8((v >> 8) as u8);
        }
    }

    /// Size of this basic header when written.
    pub fn size(&self) -> usize {
        match self.csid.clamp(MIN_CSID, MAX_CSID) {
            0..=63 => 1,
            64..=319 => 2,
            _ => 3,
        }
    }
}

/// The message header of a chunk, as it appears on the wire for fmt 0, 1 and 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MessageHeader {
    /// The timestamp field: absolute for fmt 0, delta for fmt 1/2. Already resolved from the
    /// extended timestamp when the 24-bit field was 0xFFFFFF.
    pub timestamp: u32,
    /// Message length (fmt 0/1 only).
    pub length: u32,
    /// Message type id (fmt 0/1 only).
    pub type_id: u8,
    /// Message stream id, little-endian on the wire (fmt 0 only).
    pub stream_id: u32,
    /// Whether the 24-bit field was 0xFFFFFF and a 4-byte extended timestamp followed.
    pub extended: bool,
}

/// Size of the message header for `fmt` (without the extended timestamp).
pub fn message_header_size(fmt: u8) -> usize {
    match fmt {
        0 => 11,
        1 => 7,
        2 => 3,
        _ => 0,
    }
}

fn be24(b: &[u8]) -> u32 {
    ((b[0] as u32) << 16) | ((b[1] as u32) << 8) | b[2] as u32
}

impl MessageHeader {
    /// Parses the message header of a fmt 0, 1 or 2 chunk (with its extended timestamp) from
    /// the front of `buf`; fields absent from the fmt are left at their defaults.
    /// Returns `None` if more bytes are needed, else the header and the bytes used.
    /// For fmt 3 returns a default header and 0.
    pub fn parse(fmt: u8, buf: &[u8]) -> Option<(MessageHeader, usize)> {
        let size = message_header_size(fmt);
        let b = buf.get(..size)?;
        let mut h = MessageHeader::default();
        if fmt >= 3 {
            return Some((h, 0));
        }
        h.timestamp = be24(&b[0..3]);
        if fmt <= 1 {
            h.length = be24(&b[3..6]);
            h.type_id = b[6];
        }
        if fmt == 0 {
            h.stream_id = u32::from_le_bytes([b[7], b[8], b[9], b[10]]);
        }
        let mut used = size;
        if h.timestamp == EXTENDED_TIMESTAMP {
            let e = buf.get(size..size + 4)?;
            h.timestamp = u32::from_be_bytes([e[0], e[1], e[2], e[3]]);
            h.extended = true;
            used += 4;
        }
        Some((h, used))
    }

    /// Appends the message header for `fmt` (0, 1 or 2; nothing for 3), followed by the
    /// extended timestamp when `timestamp >= 0xFFFFFF`. `length` is truncated to 24 bits.
    pub fn write(&self, fmt: u8, out: &mut BytesMut) {
        if fmt >= 3 {
            return;
        }
        let ext = self.timestamp >= EXTENDED_TIMESTAMP;
        let field = if ext {
            EXTENDED_TIMESTAMP
        } else {
            self.timestamp
        };
        out.put_uint(field as u64, 3);
        if fmt <= 1 {
            out.put_uint((self.length & 0x00FF_FFFF) as u64, 3);
            out.put_u8(self.type_id);
        }
        if fmt == 0 {
            out.put_u32_le(self.stream_id);
        }
        if ext {
            out.put_u32(self.timestamp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(fmt: u8, csid: u32) -> Vec<u8> {
        let mut b = BytesMut::new();
        BasicHeader { fmt, csid }.write(&mut b);
        b.to_vec()
    }

    #[test]
    fn basic_header_vectors() {
        let cases: &[(u8, u32, &[u8])] = &[
            (0, 2, &[0x02]),
            (1, 3, &[0x43]),
            (2, 63, &[0xBF]),
            (3, 4, &[0xC4]),
            (0, 64, &[0x00, 0x00]),
            (1, 319, &[0x40, 0xFF]),
            (3, 100, &[0xC0, 36]),
            (0, 320, &[0x01, 0x00, 0x01]),
            (2, 65599, &[0x81, 0xFF, 0xFF]),
            (3, 1000, &[0xC1, 0xA8, 0x03]),
        ];
        for &(fmt, csid, bytes) in cases {
            assert_eq!(basic(fmt, csid), bytes, "write fmt {fmt} csid {csid}");
            let h = BasicHeader { fmt, csid };
            assert_eq!(h.size(), bytes.len());
            assert_eq!(BasicHeader::parse(bytes), Some((h, bytes.len())));
            // incomplete
            assert_eq!(BasicHeader::parse(&bytes[..bytes.len() - 1]), None);
        }
        // the 3-byte form can also encode small ids
        assert_eq!(
            BasicHeader::parse(&[0x01, 0x00, 0x00]),
            Some((BasicHeader { fmt: 0, csid: 64 }, 3))
        );
    }

    #[test]
    fn message_header_vectors() {
        // fmt 0: ts 0x010203, len 0x000100, type 9, stream id 1 (LE)
        let fmt0 = [
            0x01, 0x02, 0x03, 0x00, 0x01, 0x00, 0x09, 0x01, 0x00, 0x00, 0x00,
        ];
        let h0 = MessageHeader {
            timestamp: 0x010203,
            length: 0x100,
            type_id: 9,
            stream_id: 1,
            extended: false,
        };
        assert_eq!(MessageHeader::parse(0, &fmt0), Some((h0, 11)));
        let mut out = BytesMut::new();
        h0.write(0, &mut out);
        assert_eq!(&out[..], &fmt0);

        // fmt 1: delta 40, len 5, type 8
        let fmt1 = [0x00, 0x00, 0x28, 0x00, 0x00, 0x05, 0x08];
        let h1 = MessageHeader {
            timestamp: 40,
            length: 5,
            type_id: 8,
            ..Default::default()
        };
        assert_eq!(MessageHeader::parse(1, &fmt1), Some((h1, 7)));
        let mut out = BytesMut::new();
        h1.write(1, &mut out);
        assert_eq!(&out[..], &fmt1);

        // fmt 2: delta 33
        let fmt2 = [0x00, 0x00, 0x21];
        let h2 = MessageHeader {
            timestamp: 33,
            ..Default::default()
        };
        assert_eq!(MessageHeader::parse(2, &fmt2), Some((h2, 3)));
        let mut out = BytesMut::new();
        h2.write(2, &mut out);
        assert_eq!(&out[..], &fmt2);

        // fmt 3: nothing
        assert_eq!(
            MessageHeader::parse(3, &[]),
            Some((MessageHeader::default(), 0))
        );
        let mut out = BytesMut::new();
        h2.write(3, &mut out);
        assert!(out.is_empty());

        // incomplete
        for n in 0..11 {
            assert_eq!(MessageHeader::parse(0, &fmt0[..n]), None);
        }
    }

    #[test]
    fn extended_timestamp_vectors() {
        let h = MessageHeader {
            timestamp: 0x1234_5678,
            length: 3,
            type_id: 20,
            stream_id: 0,
            extended: true,
        };
        let mut out = BytesMut::new();
        h.write(0, &mut out);
        let expected = [
            0xFF, 0xFF, 0xFF, 0, 0, 3, 20, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78,
        ];
        assert_eq!(&out[..], &expected);
        assert_eq!(MessageHeader::parse(0, &expected), Some((h, 15)));
        assert_eq!(MessageHeader::parse(0, &expected[..14]), None);

        // exactly 0xFFFFFF also goes to the extended field
        let h2 = MessageHeader {
            timestamp: EXTENDED_TIMESTAMP,
            extended: true,
            ..Default::default()
        };
        let mut out = BytesMut::new();
        h2.write(2, &mut out);
        assert_eq!(&out[..], &[0xFF, 0xFF, 0xFF, 0x00, 0xFF, 0xFF, 0xFF]);
        assert_eq!(MessageHeader::parse(2, &out), Some((h2, 7)));
    }
}
