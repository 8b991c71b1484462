//! Chunk stream decoder: reassembles messages from interleaved chunks.

use std::collections::HashMap;

use bytes::{Buf, BytesMut};

use super::control::{MSG_AGGREGATE, MSG_AUDIO, MSG_VIDEO};
use super::header::{BasicHeader, MessageHeader};
use super::{RawMessage, DEFAULT_CHUNK_SIZE};
use crate::RtmpError;

/// Largest chunk size the decoder accepts (the message length field is 24 bits).
pub const MAX_CHUNK_SIZE: u32 = 0x00FF_FFFF;
/// Default largest message accepted (16 MiB).
pub const DEFAULT_MAX_MESSAGE_SIZE: u32 = 16 * 1024 * 1024;
/// Default largest message other than audio, video and aggregate (commands,
/// metadata, control): 64 KiB. Real ones are a few hundred bytes; a bigger
/// one only makes the peer's decoder and ours do work for nothing.
pub const DEFAULT_MAX_COMMAND_SIZE: u32 = 64 * 1024;
/// Default largest number of chunk streams alive on one connection.
pub const DEFAULT_MAX_CHUNK_STREAMS: usize = 64;
/// A message buffer is first reserved up to this size, then grown as chunks arrive, so a
/// peer announcing huge messages cannot make us reserve memory it never sends.
const INITIAL_RESERVE: usize = 1024 * 1024;

/// State of one chunk stream: the last header and the message being reassembled.
#[derive(Debug, Default)]
struct ChunkStream {
    /// Absolute timestamp of the current (or last) message.
    timestamp: u32,
    /// Timestamp field of the last fmt 0/1/2 header (absolute for fmt 0, delta for 1/2),
    /// applied again by a fmt 3 chunk that starts a new message.
    ts_field: u32,
    /// Whether the last fmt 0/1/2 header carried an extended timestamp.
    extended: bool,
    length: u32,
    type_id: u8,
    stream_id: u32,
    /// A message is partially received.
    in_message: bool,
    payload: BytesMut,
}

impl ChunkStream {
    fn append(&mut self, data: &[u8]) {
        let need = self.payload.len() + data.len();
        if need > self.payload.capacity() {
            let target = (self.payload.capacity() * 2)
                .max(need)
                .min(self.length as usize)
                .max(need);
            let mut grown = BytesMut::with_capacity(target);
            grown.extend_from_slice(&self.payload);
            self.payload = grown;
        }
        self.payload.extend_from_slice(data);
    }
}

/// Outcome of reading one chunk header.
enum Step {
    NeedMore,
    Continue,
    Message(RawMessage),
}

/// The chunk being read: its header is consumed, `remaining` payload bytes are not.
#[derive(Debug, Clone, Copy)]
struct InChunk {
    csid: u32,
    remaining: usize,
    /// The message was aborted: drop the rest of this chunk.
    discard: bool,
}

/// Decodes chunks into [`RawMessage`]s.
///
/// Feed it the connection's input buffer with [`decode`](Self::decode) until it returns
/// `Ok(None)`. Apply a received Set Chunk Size with [`set_chunk_size`](Self::set_chunk_size)
/// and an Abort with [`abort`](Self::abort) before decoding further. Works under arbitrary
/// splits of the input: a chunk header is only consumed once complete, chunk payload bytes are
/// consumed (copied once into the message buffer) as they arrive.
#[derive(Debug)]
pub struct ChunkDecoder {
    chunk_size: u32,
    max_message_size: u32,
    max_command_size: u32,
    max_chunk_streams: usize,
    streams: HashMap<u32, ChunkStream>,
    in_chunk: Option<InChunk>,
}

impl Default for ChunkDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl ChunkDecoder {
    /// A decoder with the in chunk size 128.
    pub fn new() -> Self {
        Self {
            chunk_size: DEFAULT_CHUNK_SIZE,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            max_command_size: DEFAULT_MAX_COMMAND_SIZE,
            max_chunk_streams: DEFAULT_MAX_CHUNK_STREAMS,
            streams: HashMap::new(),
            in_chunk: None,
        }
    }

    /// Sets the in chunk size (from the peer's Set Chunk Size); accepts 1..=0xFFFFFF.
    pub fn set_chunk_size(&mut self, size: u32) -> Result<(), RtmpError> {
        if size == 0 || size > MAX_CHUNK_SIZE {
            return Err(RtmpError::ChunkSizeInvalid(size));
        }
        self.chunk_size = size;
        Ok(())
    }

    /// The current in chunk size.
    pub fn chunk_size(&self) -> u32 {
        self.chunk_size
    }

    /// Sets the largest message accepted (default 16 MiB); larger ones are an error.
    pub fn set_max_message_size(&mut self, limit: u32) {
        self.max_message_size = limit;
    }

    /// Sets the largest message of a type other than audio, video and
    /// aggregate (default [`DEFAULT_MAX_COMMAND_SIZE`]); larger ones are an error.
    pub fn set_max_command_size(&mut self, limit: u32) {
        self.max_command_size = limit;
    }

    /// Sets how many distinct chunk streams may be alive at once (default 64); a chunk on one
    /// more is an error.
    pub fn set_max_chunk_streams(&mut self, limit: usize) {
        self.max_chunk_streams = limit;
    }

    /// Abort Message: discards the partially received message of chunk stream `csid`.
    pub fn abort(&mut self, csid: u32) {
        if let Some(st) = self.streams.get_mut(&csid) {
            st.in_message = false;
            st.payload = BytesMut::new();
        }
        if let Some(ic) = self.in_chunk.as_mut() {
            if ic.csid == csid {
                ic.discard = true;
            }
        }
    }

    /// Decodes at most one complete message from the front of `buf`, consuming the bytes it
    /// used. `Ok(None)`: more bytes are needed (a partial chunk header stays in `buf`, partial
    /// payload is taken into the decoder).
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<RawMessage>, RtmpError> {
        loop {
            if let Some(mut ic) = self.in_chunk {
                let n = ic.remaining.min(buf.len());
                if n == 0 {
                    return Ok(None);
                }
                if !ic.discard {
                    let st = self.streams.get_mut(&ic.csid).ok_or_else(|| {
                        RtmpError::Protocol(format!("chunk stream {} vanished", ic.csid))
                    })?;
                    st.append(&buf[..n]);
                }
                buf.advance(n);
                ic.remaining -= n;
                if ic.remaining > 0 {
                    self.in_chunk = Some(ic);
                    return Ok(None);
                }
                self.in_chunk = None;
                if !ic.discard {
                    if let Some(msg) = self.take_if_complete(ic.csid) {
                        return Ok(Some(msg));
                    }
                }
                continue;
            }
            match self.read_header(buf)? {
                Step::NeedMore => return Ok(None),
                Step::Continue => {}
                Step::Message(msg) => return Ok(Some(msg)),
            }
        }
    }

    fn take_if_complete(&mut self, csid: u32) -> Option<RawMessage> {
        let st = self.streams.get_mut(&csid)?;
        if !st.in_message || st.payload.len() < st.length as usize {
            return None;
        }
        st.in_message = false;
        Some(RawMessage {
            csid,
            timestamp: st.timestamp,
            type_id: st.type_id,
            stream_id: st.stream_id,
            payload: std::mem::take(&mut st.payload).freeze(),
        })
    }

    /// Reads one chunk header if it is complete and sets `in_chunk` (an empty message is
    /// returned right away).
    fn read_header(&mut self, buf: &mut BytesMut) -> Result<Step, RtmpError> {
        let Some((bh, bsize)) = BasicHeader::parse(buf) else {
            return Ok(Step::NeedMore);
        };
        let BasicHeader { fmt, csid } = bh;
        let existing = self.streams.get(&csid);
        if existing.is_none() {
            if !(fmt == 0 || (csid == 2 && fmt == 1)) {
                return Err(RtmpError::NewChunkStreamWithoutFmt0 { cid: csid, fmt });
            }
            if self.streams.len() >= self.max_chunk_streams {
                return Err(RtmpError::TooManyChunkStreams {
                    cid: csid,
                    limit: self.max_chunk_streams,
                });
            }
        }
        let rest = &buf[bsize..];
        let Some((mh, msize)) = MessageHeader::parse(fmt, rest) else {
            return Ok(Step::NeedMore);
        };
        let mut header_len = bsize + msize;
        if fmt == 3 {
            if let Some(st) = existing.filter(|st| st.extended) {
                // Some peers repeat the extended timestamp in fmt 3 chunks, others (ffmpeg,
                // librtmp) do not: the 4 bytes are the repetition if they equal it.
                let expect = st.ts_field.to_be_bytes();
                let avail = &rest[..rest.len().min(4)];
                if avail.len() < 4 {
                    if avail == &expect[..avail.len()] {
                        return Ok(Step::NeedMore);
                    }
                } else if avail == expect {
                    header_len += 4;
                }
            }
        }

        let max_message_size = self.max_message_size;
        let max_command_size = self.max_command_size;
        let st = self.streams.entry(csid).or_default();
        if st.in_message {
            match fmt {
                0 => {
                    return Err(RtmpError::Protocol(format!(
                        "fmt 0 chunk on chunk stream {csid} while a message of {} bytes has {} \
                         received",
                        st.length,
                        st.payload.len()
                    )))
                }
                1 if mh.length != st.length => {
                    return Err(RtmpError::Protocol(format!(
                        "fmt 1 chunk on chunk stream {csid} changes the message length from {} \
                         to {} mid-message",
                        st.length, mh.length
                    )))
                }
                // a continuation; the header repeats what we have
                _ => {}
            }
        } else {
            match fmt {
                0 => {
                    st.timestamp = mh.timestamp;
                    st.ts_field = mh.timestamp;
                    st.extended = mh.extended;
                    st.length = mh.length;
                    st.type_id = mh.type_id;
                    st.stream_id = mh.stream_id;
                }
                1 => {
                    st.ts_field = mh.timestamp;
                    st.timestamp = st.timestamp.wrapping_add(mh.timestamp);
                    st.extended = mh.extended;
                    st.length = mh.length;
                    st.type_id = mh.type_id;
                }
                2 => {
                    st.ts_field = mh.timestamp;
                    st.timestamp = st.timestamp.wrapping_add(mh.timestamp);
                    st.extended = mh.extended;
                }
                _ => {
                    st.timestamp = st.timestamp.wrapping_add(st.ts_field);
                }
            }
            if st.length > max_message_size {
                return Err(RtmpError::MessageTooLarge {
                    size: st.length,
                    limit: max_message_size,
                });
            }
            let media = matches!(st.type_id, MSG_AUDIO | MSG_VIDEO | MSG_AGGREGATE);
            if !media && st.length > max_command_size {
                return Err(RtmpError::CommandTooLarge {
                    type_id: st.type_id,
                    size: st.length,
                    limit: max_command_size,
                });
            }
            st.in_message = true;
            st.payload = BytesMut::with_capacity((st.length as usize).min(INITIAL_RESERVE));
        }
        let remaining = (st.length as usize)
            .saturating_sub(st.payload.len())
            .min(self.chunk_size as usize);
        buf.advance(header_len);
        self.in_chunk = Some(InChunk {
            csid,
            remaining,
            discard: false,
        });
        if remaining == 0 {
            // empty message: complete right away
            self.in_chunk = None;
            if let Some(msg) = self.take_if_complete(csid) {
                return Ok(Step::Message(msg));
            }
        }
        Ok(Step::Continue)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chunk::control::{ControlMessage, MSG_SET_CHUNK_SIZE};
    use crate::chunk::ChunkEncoder;
    use crate::out_queue::OutQueue;
    use bytes::{BufMut, Bytes};

    fn msg(csid: u32, timestamp: u32, type_id: u8, stream_id: u32, payload: &[u8]) -> RawMessage {
        RawMessage {
            csid,
            timestamp,
            type_id,
            stream_id,
            payload: Bytes::copy_from_slice(payload),
        }
    }

    fn pattern(n: usize, seed: u8) -> Vec<u8> {
        (0..n)
            .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
            .collect()
    }

    /// Compares message lists without dumping whole payloads.
    fn same(got: &[RawMessage], expected: &[RawMessage], what: &str) {
        let summary = |v: &[RawMessage]| -> Vec<(u32, u32, u8, u32, usize)> {
            v.iter()
                .map(|m| (m.csid, m.timestamp, m.type_id, m.stream_id, m.payload.len()))
                .collect()
        };
        assert_eq!(summary(got), summary(expected), "{what}");
        assert!(got == expected, "payloads differ: {what}");
    }

    /// Decodes everything in `parts` fed in order, applying Set Chunk Size messages.
    fn decode_parts(parts: &[&[u8]]) -> Result<Vec<RawMessage>, RtmpError> {
        let mut d = ChunkDecoder::new();
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for p in parts {
            buf.extend_from_slice(p);
            while let Some(m) = d.decode(&mut buf)? {
                if m.type_id == MSG_SET_CHUNK_SIZE {
                    if let Some(ControlMessage::SetChunkSize(n)) =
                        ControlMessage::parse(m.type_id, &m.payload)?
                    {
                        d.set_chunk_size(n)?;
                    }
                }
                out.push(m);
            }
        }
        assert!(buf.is_empty(), "unconsumed bytes: {}", buf.len());
        Ok(out)
    }

    fn drain(q: &mut OutQueue) -> Vec<u8> {
        let n = q.remaining();
        q.copy_to_bytes(n).to_vec()
    }

    /// Segments of one encoded message, grouped per chunk (header + payload slice).
    fn encoded_chunks(enc: &mut ChunkEncoder, m: &RawMessage) -> Vec<Vec<u8>> {
        let mut q = OutQueue::new();
        enc.encode(
            m.csid,
            m.timestamp,
            m.type_id,
            m.stream_id,
            &m.payload,
            &mut q,
        );
        let mut chunks = Vec::new();
        while !q.is_empty() {
            let mut c = q.chunk().to_vec();
            let n = c.len();
            q.advance(n);
            if !q.is_empty() {
                let p = q.chunk().to_vec();
                q.advance(p.len());
                c.extend_from_slice(&p);
            }
            chunks.push(c);
        }
        chunks
    }

    /// A stream with several cids, two interleaved messages and a chunk size change.
    fn multi_stream() -> (Vec<u8>, Vec<RawMessage>) {
        let mut enc = ChunkEncoder::new();
        let mut wire = Vec::new();
        let mut expected = Vec::new();
        let add = |enc: &mut ChunkEncoder,
                   wire: &mut Vec<u8>,
                   expected: &mut Vec<RawMessage>,
                   m: RawMessage| {
            for c in encoded_chunks(enc, &m) {
                wire.extend_from_slice(&c);
            }
            expected.push(m);
        };
        add(
            &mut enc,
            &mut wire,
            &mut expected,
            msg(3, 0, 20, 0, &pattern(200, 1)),
        );
        add(
            &mut enc,
            &mut wire,
            &mut expected,
            msg(2, 0, 5, 0, &[0, 0x26, 0x25, 0xA0]),
        );
        // interleave a video message (3 chunks) and an audio message (2 chunks)
        let v = msg(6, 40, 9, 1, &pattern(300, 2));
        let a = msg(7, 41, 8, 1, &pattern(200, 3));
        let vc = encoded_chunks(&mut enc, &v);
        let ac = encoded_chunks(&mut enc, &a);
        assert_eq!((vc.len(), ac.len()), (3, 2));
        for c in [&vc[0], &ac[0], &vc[1], &ac[1], &vc[2]] {
            wire.extend_from_slice(c);
        }
        // audio completes first
        expected.push(a);
        expected.push(v);
        // chunk size change to 1000 mid-stream
        let (t, p) = ControlMessage::SetChunkSize(1000).encode();
        add(&mut enc, &mut wire, &mut expected, msg(2, 50, t, 0, &p));
        enc.set_chunk_size(1000);
        add(
            &mut enc,
            &mut wire,
            &mut expected,
            msg(6, 80, 9, 1, &pattern(2500, 4)),
        );
        add(
            &mut enc,
            &mut wire,
            &mut expected,
            msg(7, 81, 8, 1, &pattern(200, 5)),
        );
        add(
            &mut enc,
            &mut wire,
            &mut expected,
            msg(7, 104, 8, 1, &pattern(200, 6)),
        );
        add(&mut enc, &mut wire, &mut expected, msg(7, 127, 8, 1, &[]));
        add(
            &mut enc,
            &mut wire,
            &mut expected,
            msg(400, 1, 18, 1, &pattern(10, 7)),
        );
        add(
            &mut enc,
            &mut wire,
            &mut expected,
            msg(320, 3, 18, 1, &pattern(10, 9)),
        );
        add(
            &mut enc,
            &mut wire,
            &mut expected,
            msg(65599, 2, 18, 1, &pattern(1500, 8)),
        );
        (wire, expected)
    }

    #[test]
    fn multi_message_stream() {
        let (wire, expected) = multi_stream();
        same(&decode_parts(&[&wire]).unwrap(), &expected, "whole");
    }

    #[test]
    fn multi_message_stream_split_everywhere() {
        let (wire, expected) = multi_stream();
        for split in 0..=wire.len() {
            let got = decode_parts(&[&wire[..split], &wire[split..]]).unwrap();
            same(&got, &expected, &format!("split at {split}"));
        }
        let bytes: Vec<&[u8]> = wire.chunks(1).collect();
        same(&decode_parts(&bytes).unwrap(), &expected, "byte by byte");
    }

    #[test]
    fn round_trip_sizes() {
        for chunk_size in [128u32, 60000] {
            let mut enc = ChunkEncoder::new();
            enc.set_chunk_size(chunk_size);
            let mut dec = ChunkDecoder::new();
            dec.set_chunk_size(chunk_size).unwrap();
            let mut q = OutQueue::new();
            let mut expected = Vec::new();
            let mut ts = 0u32;
            for (i, size) in [0usize, 1, 127, 128, 129, 100_000, 129, 0]
                .iter()
                .enumerate()
            {
                ts += 33;
                let m = msg(6, ts, 9, 1, &pattern(*size, i as u8));
                enc.encode(
                    m.csid,
                    m.timestamp,
                    m.type_id,
                    m.stream_id,
                    &m.payload,
                    &mut q,
                );
                expected.push(m);
            }
            let mut buf = BytesMut::from(&drain(&mut q)[..]);
            let mut got = Vec::new();
            while let Some(m) = dec.decode(&mut buf).unwrap() {
                got.push(m);
            }
            assert!(buf.is_empty());
            same(&got, &expected, &format!("chunk size {chunk_size}"));
        }
    }

    #[test]
    fn zero_copy_payload_frozen_once() {
        let mut wire = Vec::new();
        let mut enc = ChunkEncoder::new();
        for c in encoded_chunks(&mut enc, &msg(6, 0, 9, 1, &pattern(1000, 1))) {
            wire.extend_from_slice(&c);
        }
        let mut dec = ChunkDecoder::new();
        let mut buf = BytesMut::from(&wire[..]);
        let m = dec.decode(&mut buf).unwrap().unwrap();
        assert_eq!(m.payload.len(), 1000);
        assert_eq!(&m.payload[..], &pattern(1000, 1)[..]);
    }

    /// fmt 0 with an extended timestamp, 200 bytes at chunk size 128, continuation chunk with
    /// or without the repeated extended timestamp.
    fn ext_ts_wire(repeat: bool, ts: u32) -> Vec<u8> {
        let payload = pattern(200, 9);
        let mut w = vec![0x06, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 200, 9, 1, 0, 0, 0];
        w.extend_from_slice(&ts.to_be_bytes());
        w.extend_from_slice(&payload[..128]);
        w.push(0xC6);
        if repeat {
            w.extend_from_slice(&ts.to_be_bytes());
        }
        w.extend_from_slice(&payload[128..]);
        // a second message: fmt 3 new message (ext field = absolute ts of fmt 0 -> doubled)
        w.push(0xC6);
        w.extend_from_slice(&ts.to_be_bytes());
        w.extend_from_slice(&payload[..128]);
        w.push(0xC6);
        if repeat {
            w.extend_from_slice(&ts.to_be_bytes());
        }
        w.extend_from_slice(&payload[128..]);
        w
    }

    #[test]
    fn extended_timestamp_with_and_without_repetition() {
        let ts = 0x0100_0000;
        for repeat in [true, false] {
            let wire = ext_ts_wire(repeat, ts);
            let expected = vec![
                msg(6, ts, 9, 1, &pattern(200, 9)),
                msg(6, ts.wrapping_mul(2), 9, 1, &pattern(200, 9)),
            ];
            for split in 0..=wire.len() {
                let got = decode_parts(&[&wire[..split], &wire[split..]]).unwrap();
                same(&got, &expected, &format!("repeat {repeat} split {split}"));
            }
        }
    }

    #[test]
    fn encoder_repeats_extended_timestamp() {
        let mut enc = ChunkEncoder::new();
        let mut q = OutQueue::new();
        let payload = Bytes::from(pattern(200, 9));
        enc.encode(6, 0x0100_0000, 9, 1, &payload, &mut q);
        let w = drain(&mut q);
        assert_eq!(w, ext_ts_wire(true, 0x0100_0000)[..w.len()]);
    }

    #[test]
    fn timestamps_wrap_through_deltas() {
        // fmt 0 at 0xFFFFFF00 (extended), then fmt 2 deltas of 0x80 crossing 2^32, then fmt 3
        let mut w = vec![0x04, 0xFF, 0xFF, 0xFF, 0, 0, 1, 8, 1, 0, 0, 0];
        w.extend_from_slice(&0xFFFF_FF00u32.to_be_bytes());
        w.push(0xAA);
        w.extend_from_slice(&[0x84, 0x00, 0x00, 0x80, 0xBB]); // fmt 2 delta 0x80
        w.extend_from_slice(&[0x84, 0x00, 0x00, 0x80, 0xCC]); // -> 0x00000000
        w.extend_from_slice(&[0xC4, 0xDD]); // fmt 3: +0x80 -> 0x80
        w.extend_from_slice(&[0x44, 0x00, 0x00, 0x10, 0, 0, 2, 8, 1, 2]); // fmt 1 +0x10 len 2
        let got = decode_parts(&[&w]).unwrap();
        let ts: Vec<u32> = got.iter().map(|m| m.timestamp).collect();
        assert_eq!(ts, [0xFFFF_FF00, 0xFFFF_FF80, 0, 0x80, 0x90]);
        assert_eq!(&got[4].payload[..], &[1, 2]);

        // and through the encoder: deltas crossing 2^32 round trip
        let mut enc = ChunkEncoder::new();
        let mut q = OutQueue::new();
        let stamps = [0xFFFF_FFF0u32, 0xFFFF_FFFF, 5, 40, 0x0100_0000, 0x0200_0001];
        for &t in &stamps {
            enc.encode(7, t, 8, 1, &Bytes::from_static(&[1, 2, 3]), &mut q);
        }
        let wire = drain(&mut q);
        let got = decode_parts(&[&wire]).unwrap();
        let ts: Vec<u32> = got.iter().map(|m| m.timestamp).collect();
        assert_eq!(ts, stamps);
    }

    #[test]
    fn new_chunk_stream_must_start_with_fmt0() {
        // fmt 1 on new cid 3
        let w = [0x43, 0, 0, 0, 0, 0, 4, 20, 1, 2, 3, 4];
        assert!(matches!(
            decode_parts(&[&w]),
            Err(RtmpError::NewChunkStreamWithoutFmt0 { cid: 3, fmt: 1 })
        ));
        for fmt in [2u8, 3] {
            let w = [(fmt << 6) | 5, 0, 0, 0, 0];
            assert!(matches!(
                decode_parts(&[&w]),
                Err(RtmpError::NewChunkStreamWithoutFmt0 { cid: 5, fmt: f }) if f == fmt
            ));
        }
        // cid 2 with fmt 1 is fine (librtmp ping)
        let w = [0x42, 0, 0, 0, 0, 0, 6, 4, 0, 6, 0, 0, 0, 9];
        let got = decode_parts(&[&w]).unwrap();
        assert_eq!(got, vec![msg(2, 0, 4, 0, &[0, 6, 0, 0, 0, 9])]);
    }

    #[test]
    fn message_too_large() {
        let mut d = ChunkDecoder::new();
        d.set_max_message_size(1000);
        let mut buf = BytesMut::from(&[0x06, 0, 0, 0, 0x00, 0x03, 0xE9, 9, 1, 0, 0, 0][..]);
        assert!(matches!(
            d.decode(&mut buf),
            Err(RtmpError::MessageTooLarge {
                size: 1001,
                limit: 1000
            })
        ));
        // default limit 16 MiB: 0xFFFFFF is fine to announce
        let mut d = ChunkDecoder::new();
        let mut buf = BytesMut::from(&[0x06, 0, 0, 0, 0xFF, 0xFF, 0xFF, 9, 1, 0, 0, 0][..]);
        assert!(d.decode(&mut buf).unwrap().is_none());
    }

    #[test]
    fn commands_and_data_are_capped_at_64k() {
        let header = |type_id: u8, len: u32| {
            let l = len.to_be_bytes();
            BytesMut::from(&[0x03, 0, 0, 0, l[1], l[2], l[3], type_id, 0, 0, 0, 0][..])
        };
        for type_id in [20u8, 17, 18, 15, 19, 4] {
            let mut d = ChunkDecoder::new();
            assert!(matches!(
                d.decode(&mut header(type_id, DEFAULT_MAX_COMMAND_SIZE + 1)),
                Err(RtmpError::CommandTooLarge { type_id: t, .. }) if t == type_id
            ));
            let mut d = ChunkDecoder::new();
            assert!(d
                .decode(&mut header(type_id, DEFAULT_MAX_COMMAND_SIZE))
                .is_ok());
        }
        for type_id in [8u8, 9, 22] {
            let mut d = ChunkDecoder::new();
            assert!(d.decode(&mut header(type_id, 1 << 20)).is_ok(), "{type_id}");
        }
    }

    #[test]
    fn chunk_size_limits() {
        let mut d = ChunkDecoder::new();
        assert_eq!(d.chunk_size(), 128);
        assert!(matches!(
            d.set_chunk_size(0),
            Err(RtmpError::ChunkSizeInvalid(0))
        ));
        assert!(d.set_chunk_size(0x0100_0000).is_err());
        assert!(d.set_chunk_size(0x7FFF_FFFF).is_err());
        d.set_chunk_size(0x00FF_FFFF).unwrap();
        d.set_chunk_size(1).unwrap();
        assert_eq!(d.chunk_size(), 1);
        // chunk size 1 still decodes
        let mut enc = ChunkEncoder::new();
        enc.set_chunk_size(1);
        let mut q = OutQueue::new();
        enc.encode(300, 7, 20, 0, &Bytes::from_static(b"hello"), &mut q);
        let mut buf = BytesMut::from(&drain(&mut q)[..]);
        assert_eq!(
            d.decode(&mut buf).unwrap(),
            Some(msg(300, 7, 20, 0, b"hello"))
        );
    }

    #[test]
    fn abort_discards_partial_message() {
        let payload = pattern(300, 1);
        let mut w = vec![0x06, 0, 0, 10, 0, 0x01, 0x2C, 9, 1, 0, 0, 0];
        w.extend_from_slice(&payload[..128]);
        let mut d = ChunkDecoder::new();
        let mut buf = BytesMut::from(&w[..]);
        assert!(d.decode(&mut buf).unwrap().is_none());
        d.abort(6);
        // next message on cid 6 is a fresh fmt 1 message of 3 bytes
        let mut buf = BytesMut::from(&[0x46, 0, 0, 5, 0, 0, 3, 9, 7, 8, 9][..]);
        assert_eq!(
            d.decode(&mut buf).unwrap(),
            Some(msg(6, 15, 9, 1, &[7, 8, 9]))
        );

        // abort in the middle of a chunk drops the rest of that chunk
        let mut d = ChunkDecoder::new();
        let mut buf = BytesMut::from(&w[..50]);
        assert!(d.decode(&mut buf).unwrap().is_none());
        d.abort(6);
        let mut rest = BytesMut::from(&w[50..]);
        rest.extend_from_slice(&[0x46, 0, 0, 5, 0, 0, 1, 9, 0xAB]);
        assert_eq!(
            d.decode(&mut rest).unwrap(),
            Some(msg(6, 15, 9, 1, &[0xAB]))
        );
        d.abort(99); // unknown: no effect
    }

    #[test]
    fn too_many_chunk_streams() {
        let mut d = ChunkDecoder::new();
        d.set_max_chunk_streams(3);
        let mut buf = BytesMut::new();
        for cid in 3..6u8 {
            buf.extend_from_slice(&[cid, 0, 0, 0, 0, 0, 1, 8, 1, 0, 0, 0, 0xAA]);
        }
        for _ in 0..3 {
            assert!(d.decode(&mut buf).unwrap().is_some());
        }
        buf.extend_from_slice(&[6, 0, 0, 0, 0, 0, 1, 8, 1, 0, 0, 0, 0xAA]);
        assert!(matches!(
            d.decode(&mut buf),
            Err(RtmpError::TooManyChunkStreams { cid: 6, limit: 3 })
        ));
    }

    #[test]
    fn fmt0_mid_message_is_error() {
        let mut w = vec![0x06, 0, 0, 10, 0, 0x01, 0x2C, 9, 1, 0, 0, 0];
        w.extend_from_slice(&[0u8; 128]);
        w.extend_from_slice(&[0x06, 0, 0, 10, 0, 0x01, 0x2C, 9, 1, 0, 0, 0]);
        assert!(matches!(decode_parts(&[&w]), Err(RtmpError::Protocol(_))));
    }

    #[test]
    fn garbage_never_panics() {
        let mut seed = 12345u32;
        for round in 0..300 {
            let mut d = ChunkDecoder::new();
            if round % 2 == 0 {
                d.set_chunk_size(1 + round as u32 % 200).unwrap();
            }
            let mut buf = BytesMut::new();
            for _ in 0..2000 {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                let b = (seed >> 16) as u8;
                // bias towards valid-ish headers
                buf.put_u8(if round % 3 == 0 { b & 0xC7 } else { b });
            }
            for _ in 0..100 {
                match d.decode(&mut buf) {
                    Ok(Some(_)) => {}
                    Ok(None) | Err(_) => break,
                }
            }
        }
    }
}
