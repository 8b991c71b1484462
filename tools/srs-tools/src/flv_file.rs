//! FLV files: a tag writer over any [`Write`], a streaming tag reader over any
//! [`Read`], and a whole-file index of tags with their byte offsets.

use std::io::{self, Read, Write};

use bytes::Bytes;
use srs_kernel::flv::{
    file_header, try_encode_tag, FlvHeader, FlvReader, TagHeader, PREVIOUS_TAG_SIZE_LEN,
    TAG_HEADER_SIZE,
};
use srs_kernel::MediaMessage;

use crate::error::{ToolError, ToolResult};

/// Writes an FLV file header, then tags.
pub struct FlvWriter<W: Write> {
    out: W,
    flush_each_tag: bool,
    scratch: Vec<u8>,
    tags: u64,
    bytes: u64,
}

impl<W: Write> FlvWriter<W> {
    /// Writes the 13-byte file header (header and PreviousTagSize0).
    ///
    /// With `flush_each_tag`, the output is flushed after every tag (for pipes
    /// such as `srs-play ... | ffplay -`).
    pub fn new(
        mut out: W,
        has_audio: bool,
        has_video: bool,
        flush_each_tag: bool,
    ) -> io::Result<Self> {
        let header = file_header(has_audio, has_video);
        out.write_all(&header)?;
        if flush_each_tag {
            out.flush()?;
        }
        Ok(FlvWriter {
            out,
            flush_each_tag,
            scratch: Vec::with_capacity(64 * 1024),
            tags: 0,
            bytes: header.len() as u64,
        })
    }

    /// Appends one tag (header, payload, PreviousTagSize).
    ///
    /// Errors keep their [`io::ErrorKind`] (e.g. `BrokenPipe` when the reader of a
    /// pipe went away); a payload too large for FLV is `InvalidData`.
    pub fn write_tag(&mut self, msg: &MediaMessage) -> io::Result<()> {
        self.scratch.clear();
        try_encode_tag(msg, &mut self.scratch)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
        self.out.write_all(&self.scratch)?;
        if self.flush_each_tag {
            self.out.flush()?;
        }
        self.tags += 1;
        self.bytes += self.scratch.len() as u64;
        Ok(())
    }

    /// Flushes the output.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Tags written so far.
    pub fn tags(&self) -> u64 {
        self.tags
    }

    /// Bytes written so far, file header included.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Flushes and gives back the output.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Reads the tags of an FLV file from a [`Read`], a block at a time.
pub struct FlvFileReader<R: Read> {
    input: R,
    reader: FlvReader,
    block: Vec<u8>,
    eof: bool,
    truncated: usize,
}

impl<R: Read> FlvFileReader<R> {
    /// A reader expecting the FLV file header first.
    pub fn new(input: R) -> Self {
        FlvFileReader {
            input,
            reader: FlvReader::new(),
            block: vec![0; 64 * 1024],
            eof: false,
            truncated: 0,
        }
    }

    /// The file header, once the first tag has been asked for.
    pub fn header(&self) -> Option<FlvHeader> {
        self.reader.header()
    }

    /// The next audio, video or script tag; `None` at the end of the file.
    ///
    /// A file shorter than its header is an error; an incomplete last tag (a
    /// recording that was cut) ends the file and is reported by [`Self::truncated`].
    pub fn next_tag(&mut self) -> ToolResult<Option<MediaMessage>> {
        loop {
            if let Some(m) = self.reader.next_tag()? {
                return Ok(Some(m));
            }
            if self.eof {
                if self.reader.header().is_none() {
                    return Err(ToolError::new(
                        "not an FLV file (shorter than the FLV header)",
                    ));
                }
                self.truncated = self.reader.buffered();
                return Ok(None);
            }
            let n = match self.input.read(&mut self.block) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            };
            if n == 0 {
                self.eof = true;
            } else {
                self.reader.push(&self.block[..n]);
            }
        }
    }

    /// Bytes of an incomplete tag left at the end of the file (0 for a clean end).
    pub fn truncated(&self) -> usize {
        self.truncated
    }
}

/// One tag of an FLV file held in memory.
#[derive(Debug, Clone)]
pub struct TagInfo {
    /// Byte offset of the tag header in the file.
    pub offset: u64,
    /// The tag header.
    pub header: TagHeader,
    /// The tag data.
    pub data: Bytes,
}

impl TagInfo {
    /// Bytes the tag takes in a file: header, data and PreviousTagSize.
    pub fn file_size(&self) -> u64 {
        (TAG_HEADER_SIZE + self.data.len() + PREVIOUS_TAG_SIZE_LEN) as u64
    }
}

/// Every tag of an FLV file, with offsets.
#[derive(Debug, Clone)]
pub struct FlvIndex {
    /// The file header.
    pub header: FlvHeader,
    /// Tags in file order, of any type.
    pub tags: Vec<TagInfo>,
    /// Bytes of an incomplete tag at the end (0 for a clean end).
    pub trailing: usize,
}

/// Indexes a whole FLV file held in memory.
pub fn index_tags(data: &[u8]) -> ToolResult<FlvIndex> {
    let mut reader = FlvReader::new();
    reader.push(data);
    let mut tags = Vec::new();
    while let Some((header, body)) = reader.next_raw_tag()? {
        let end = (data.len() - reader.buffered()) as u64;
        let offset =
            end - TAG_HEADER_SIZE as u64 - body.len() as u64 - PREVIOUS_TAG_SIZE_LEN as u64;
        tags.push(TagInfo {
            offset,
            header,
            data: body,
        });
    }
    let header = reader
        .header()
        .ok_or_else(|| ToolError::new("not an FLV file (shorter than the FLV header)"))?;
    Ok(FlvIndex {
        header,
        tags,
        trailing: reader.buffered(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use srs_kernel::MediaKind;

    fn sample() -> Vec<MediaMessage> {
        vec![
            MediaMessage::new(MediaKind::Script, 0, Bytes::from_static(&[2, 0, 1, b'x'])),
            MediaMessage::new(MediaKind::Video, 0, Bytes::from_static(&[0x17, 0, 0, 0, 0])),
            MediaMessage::new(MediaKind::Audio, 10, Bytes::from_static(&[0xAF, 1, 9, 9])),
            MediaMessage::new(
                MediaKind::Video,
                40,
                Bytes::from_static(&[0x27, 1, 0, 0, 0, 7]),
            ),
        ]
    }

    fn write_sample() -> Vec<u8> {
        let mut w = FlvWriter::new(Vec::new(), true, true, false).unwrap();
        for m in sample() {
            w.write_tag(&m).unwrap();
        }
        assert_eq!(w.tags(), 4);
        let bytes = w.bytes();
        let out = w.into_inner().unwrap();
        assert_eq!(bytes, out.len() as u64);
        out
    }

    #[test]
    fn write_then_read_back() {
        let file = write_sample();
        assert_eq!(&file[..3], b"FLV");
        let mut r = FlvFileReader::new(&file[..]);
        let mut got = Vec::new();
        while let Some(m) = r.next_tag().unwrap() {
            got.push(m);
        }
        assert_eq!(r.truncated(), 0);
        let want = sample();
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(
                (g.kind, g.timestamp, &g.payload),
                (w.kind, w.timestamp, &w.payload)
            );
        }
    }

    #[test]
    fn truncated_tail_ends_the_file() {
        let file = write_sample();
        let cut = &file[..file.len() - 3];
        let mut r = FlvFileReader::new(cut);
        let mut n = 0;
        while r.next_tag().unwrap().is_some() {
            n += 1;
        }
        assert_eq!(n, 3);
        assert!(r.truncated() > 0);
    }

    #[test]
    fn not_flv() {
        assert!(FlvFileReader::new(&b"FL"[..]).next_tag().is_err());
        assert!(FlvFileReader::new(&b"GIF89a-not-an-flv"[..])
            .next_tag()
            .is_err());
        assert!(index_tags(b"").is_err());
    }

    #[test]
    fn index_offsets_point_at_tag_headers() {
        let file = write_sample();
        let idx = index_tags(&file).unwrap();
        assert_eq!(idx.tags.len(), 4);
        assert_eq!(idx.trailing, 0);
        assert_eq!(idx.tags[0].offset, 13);
        for t in &idx.tags {
            let at = t.offset as usize;
            let h = TagHeader::parse(&file[at..]).unwrap().unwrap();
            assert_eq!(h, t.header);
        }
        let last = idx.tags.last().unwrap();
        assert_eq!(last.offset + last.file_size(), file.len() as u64);
    }
}
