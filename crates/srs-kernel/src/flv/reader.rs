//! A streaming FLV reader: push bytes in, pull tags out.

use super::header::{FlvHeader, FLV_HEADER_SIZE};
use super::tag::{TagHeader, PREVIOUS_TAG_SIZE_LEN, TAG_HEADER_SIZE};
use crate::error::KernelError;
use crate::media::{MediaKind, MediaMessage};
use bytes::{Buf, Bytes, BytesMut};

/// Default limit on the data size of one tag (8 MiB).
pub const DEFAULT_MAX_TAG_SIZE: usize = 8 * 1024 * 1024;

/// A sans-IO FLV reader.
///
/// Call [`FlvReader::push`] with whatever bytes arrived, then [`FlvReader::next_tag`]
/// until it returns `Ok(None)` (need more bytes). The file header is validated first
/// and then available from [`FlvReader::header`]; PreviousTagSize fields are skipped
/// (not checked, since real files often get them wrong). Tags of unknown types are
/// skipped by `next_tag` and returned by [`FlvReader::next_raw_tag`].
#[derive(Debug)]
pub struct FlvReader {
    buf: BytesMut,
    header: Option<FlvHeader>,
    expect_header: bool,
    /// Bytes still to discard (rest of an oversized header, PreviousTagSize0).
    skip: usize,
    max_tag_size: usize,
}

impl Default for FlvReader {
    fn default() -> Self {
        Self::new()
    }
}

impl FlvReader {
    /// A reader for a whole FLV file (or stream): header first, then tags.
    pub fn new() -> Self {
        FlvReader {
            buf: BytesMut::new(),
            header: None,
            expect_header: true,
            skip: 0,
            max_tag_size: DEFAULT_MAX_TAG_SIZE,
        }
    }

    /// A reader for bare tags (each followed by its PreviousTagSize), without file header.
    pub fn tags_only() -> Self {
        FlvReader {
            expect_header: false,
            ..Self::new()
        }
    }

    /// Sets the largest accepted tag data size; bigger tags are an error.
    pub fn with_max_tag_size(mut self, max: usize) -> Self {
        self.max_tag_size = max;
        self
    }

    /// Appends input bytes.
    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// The file header, once it has been read.
    pub fn header(&self) -> Option<FlvHeader> {
        self.header
    }

    /// Bytes buffered but not yet consumed.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The next audio, video or script tag; `Ok(None)` if more bytes are needed.
    pub fn next_tag(&mut self) -> Result<Option<MediaMessage>, KernelError> {
        while let Some((h, data)) = self.next_raw_tag()? {
            if let Some(kind) = MediaKind::from_tag_type(h.tag_type) {
                return Ok(Some(MediaMessage::new(kind, h.timestamp, data)));
            }
        }
        Ok(None)
    }

    /// The next tag of any type with its header; `Ok(None)` if more bytes are needed.
    pub fn next_raw_tag(&mut self) -> Result<Option<(TagHeader, Bytes)>, KernelError> {
        if self.expect_header {
            let Some((header, offset)) = FlvHeader::parse_with_offset(&self.buf)? else {
                return Ok(None);
            };
            self.buf.advance(FLV_HEADER_SIZE);
            self.header = Some(header);
            self.expect_header = false;
            self.skip = (offset as usize - FLV_HEADER_SIZE) + PREVIOUS_TAG_SIZE_LEN;
        }
        if self.skip > 0 {
            let n = self.skip.min(self.buf.len());
            self.buf.advance(n);
            self.skip -= n;
            if self.skip > 0 {
                return Ok(None);
            }
        }
        let Some(h) = TagHeader::parse(&self.buf)? else {
            return Ok(None);
        };
        let size = h.data_size as usize;
        if size > self.max_tag_size {
            return Err(KernelError::TooLarge {
                what: "flv tag",
                size,
                limit: self.max_tag_size,
            });
        }
        let need = TAG_HEADER_SIZE + size + PREVIOUS_TAG_SIZE_LEN;
        if self.buf.len() < need {
            self.buf.reserve(need - self.buf.len());
            return Ok(None);
        }
        self.buf.advance(TAG_HEADER_SIZE);
        let data = self.buf.split_to(size).freeze();
        self.buf.advance(PREVIOUS_TAG_SIZE_LEN);
        Ok(Some((h, data)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flv::writer::{encode_tag, file_header};
    use crate::media::MediaKind;

    fn tags() -> Vec<MediaMessage> {
        vec![
            MediaMessage::new(
                MediaKind::Script,
                0,
                Bytes::from_static(&[
                    2, 0, 10, b'o', b'n', b'M', b'e', b't', b'a', b'D', b'a', b't', b'a',
                ]),
            ),
            MediaMessage::new(
                MediaKind::Video,
                0,
                Bytes::from_static(&[0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f]),
            ),
            MediaMessage::new(
                MediaKind::Audio,
                0x0123_4567,
                Bytes::from_static(&[0xAF, 1, 0x21, 0x10]),
            ),
        ]
    }

    fn file() -> Vec<u8> {
        let mut f = file_header(true, true).to_vec();
        for t in tags() {
            encode_tag(&t, &mut f);
        }
        f
    }

    type Summary = (MediaKind, u32, Bytes, bool, bool);

    fn summary(m: &MediaMessage) -> Summary {
        (
            m.kind,
            m.timestamp,
            m.payload.clone(),
            m.is_keyframe(),
            m.is_sequence_header(),
        )
    }

    fn drain(r: &mut FlvReader, out: &mut Vec<Summary>) {
        while let Some(m) = r.next_tag().unwrap() {
            out.push(summary(&m));
        }
    }

    fn expected() -> Vec<Summary> {
        tags().iter().map(summary).collect()
    }

    #[test]
    fn whole_file() {
        let mut r = FlvReader::new();
        assert_eq!(r.header(), None);
        r.push(&file());
        let mut got = Vec::new();
        drain(&mut r, &mut got);
        assert_eq!(got, expected());
        assert_eq!(
            r.header(),
            Some(FlvHeader {
                has_audio: true,
                has_video: true
            })
        );
        assert_eq!(r.buffered(), 0);
        assert_eq!(got[2].1, 0x0123_4567);
        assert!(got[1].3 && got[1].4);
    }

    #[test]
    fn split_at_every_offset() {
        let f = file();
        for cut in 0..=f.len() {
            let mut r = FlvReader::new();
            let mut got = Vec::new();
            r.push(&f[..cut]);
            drain(&mut r, &mut got);
            r.push(&f[cut..]);
            drain(&mut r, &mut got);
            assert_eq!(got, expected(), "cut at {cut}");
        }
    }

    #[test]
    fn byte_by_byte() {
        let mut r = FlvReader::new();
        let mut got = Vec::new();
        for b in file() {
            r.push(&[b]);
            drain(&mut r, &mut got);
        }
        assert_eq!(got, expected());
    }

    #[test]
    fn bad_signature() {
        let mut r = FlvReader::new();
        r.push(b"FLX\x01\x05\0\0\0\x09\0\0\0\0");
        assert!(r.next_tag().is_err());
        let mut r = FlvReader::new();
        r.push(b"X");
        assert!(r.next_tag().is_err());
    }

    #[test]
    fn oversized_tag_is_error() {
        let mut r = FlvReader::new().with_max_tag_size(3);
        let mut f = file_header(false, true).to_vec();
        f.extend_from_slice(&[9, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0]);
        r.push(&f);
        assert!(matches!(
            r.next_tag(),
            Err(KernelError::TooLarge {
                size: 4,
                limit: 3,
                ..
            })
        ));
    }

    #[test]
    fn unknown_tags_skipped_and_larger_data_offset() {
        let mut f = vec![
            b'F', b'L', b'V', 1, 1, 0, 0, 0, 12, 0xEE, 0xEE, 0xEE, 0, 0, 0, 0,
        ];
        f.extend_from_slice(&[15, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0xAA, 0, 0, 0, 12]);
        encode_tag(&tags()[1], &mut f);
        let mut r = FlvReader::new();
        r.push(&f);
        let m = r.next_tag().unwrap().unwrap();
        assert!(m.is_video() && m.is_keyframe());
        assert_eq!(r.next_tag().unwrap().map(|m| m.kind), None);
    }

    #[test]
    fn tags_only_mode() {
        let mut f = Vec::new();
        for t in tags() {
            encode_tag(&t, &mut f);
        }
        let mut r = FlvReader::tags_only();
        r.push(&f);
        let mut got = Vec::new();
        drain(&mut r, &mut got);
        assert_eq!(got, expected());
        assert_eq!(r.header(), None);
    }
}
