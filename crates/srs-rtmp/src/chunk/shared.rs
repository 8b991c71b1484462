//! A message chunked once for every receiver of a stream.
//!
//! A server that sends one stream to many players would otherwise build the
//! same chunk headers once per player. [`SharedChunks`] holds a message in
//! the form most players can take as is: a type-1 header (timestamp *delta*,
//! length, type), the payload split at the chunk size with type-3 headers
//! between the pieces. A delta does not depend on where a player's timeline
//! starts, so every player whose previous message on that chunk stream is
//! `delta` milliseconds before this one shares the same bytes (refcounted);
//! [`ChunkEncoder::encode_shared`](super::ChunkEncoder::encode_shared)
//! checks that per player and falls back to encoding the message for that
//! player alone (its first message, after a drop, or a corrected timestamp).

use bytes::{BufMut, Bytes, BytesMut};

use super::encoder::MAX_MESSAGE_LENGTH;
use super::header::{BasicHeader, MessageHeader, EXTENDED_TIMESTAMP, MAX_CSID, MIN_CSID};

/// One message in its shared chunked form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedChunks {
    csid: u32,
    type_id: u8,
    delta: u32,
    chunk_size: u32,
    /// Basic header (fmt 1) and message header, with the extended timestamp
    /// when the delta needs one.
    header: Bytes,
    /// The header of each continuation chunk (fmt 3, extended timestamp
    /// repeated when there is one).
    continuation: Bytes,
    payload: Bytes,
}

impl SharedChunks {
    /// Chunks `payload` (type `type_id`) for chunk stream `csid` with
    /// `delta` ms since the previous message of the stream on that chunk
    /// stream, at `chunk_size`. Header bytes are carved from `scratch` (kept
    /// by the caller so building needs no allocation per message). `None`
    /// when the payload is too long for the 24-bit length field.
    pub fn new(
        csid: u32,
        type_id: u8,
        delta: u32,
        payload: Bytes,
        chunk_size: u32,
        scratch: &mut BytesMut,
    ) -> Option<SharedChunks> {
        if payload.len() > MAX_MESSAGE_LENGTH {
            return None;
        }
        let csid = csid.clamp(MIN_CSID, MAX_CSID);
        let chunk_size = chunk_size.clamp(1, 0x7FFF_FFFF);
        if scratch.capacity() - scratch.len() < 64 {
            scratch.reserve(4096);
        }
        BasicHeader { fmt: 1, csid }.write(scratch);
        MessageHeader {
            timestamp: delta,
            length: payload.len() as u32,
            type_id,
            stream_id: 0,
            extended: delta >= EXTENDED_TIMESTAMP,
        }
        .write(1, scratch);
        let header = scratch.split().freeze();
        BasicHeader { fmt: 3, csid }.write(scratch);
        if delta >= EXTENDED_TIMESTAMP {
            scratch.put_u32(delta);
        }
        let continuation = scratch.split().freeze();
        Some(SharedChunks {
            csid,
            type_id,
            delta,
            chunk_size,
            header,
            continuation,
            payload,
        })
    }

    /// The chunk stream.
    pub fn csid(&self) -> u32 {
        self.csid
    }

    /// The message type.
    pub fn type_id(&self) -> u8 {
        self.type_id
    }

    /// Milliseconds since the previous message on the chunk stream.
    pub fn delta(&self) -> u32 {
        self.delta
    }

    /// The chunk size the payload is split at.
    pub fn chunk_size(&self) -> u32 {
        self.chunk_size
    }

    /// The message body.
    pub fn payload(&self) -> &Bytes {
        &self.payload
    }

    /// Calls `push` with each piece of the chunked message, in order (clones
    /// of shared buffers: a refcount bump each).
    pub fn for_each_piece(&self, mut push: impl FnMut(Bytes)) {
        push(self.header.clone());
        let size = self.chunk_size as usize;
        let mut offset = 0;
        while offset < self.payload.len() {
            if offset > 0 {
                push(self.continuation.clone());
            }
            let end = self.payload.len().min(offset + size);
            push(self.payload.slice(offset..end));
            offset = end;
        }
    }
}

#[cfg(test)]
mod tests {
    use bytes::Buf;

    use super::*;
    use crate::chunk::{ChunkDecoder, ChunkEncoder, RawMessage};
    use crate::out_queue::OutQueue;

    const VIDEO: (u32, u8) = (6, 9);
    const AUDIO: (u32, u8) = (7, 8);

    /// A stream of (chunk stream, type, timestamp, payload length).
    fn stream() -> Vec<(u32, u8, u32, usize)> {
        let mut v = Vec::new();
        for i in 0..40u32 {
            v.push((VIDEO.0, VIDEO.1, i * 40, 300 + (i as usize * 37) % 900));
            v.push((AUDIO.0, AUDIO.1, i * 40 + 3, 20 + (i as usize % 5)));
        }
        // A jump beyond the 24-bit field: extended timestamps in the deltas.
        v.push((VIDEO.0, VIDEO.1, 40 * 40 + 0x0100_0000, 700));
        v.push((VIDEO.0, VIDEO.1, 41 * 40 + 0x0100_0000, 50));
        v
    }

    fn payload(n: usize, seed: u32) -> Bytes {
        Bytes::from((0..n).map(|i| (i as u32 ^ seed) as u8).collect::<Vec<u8>>())
    }

    /// The shared forms, as a source builds them (delta per chunk stream).
    fn shared(chunk_size: u32) -> Vec<(u32, SharedChunks)> {
        let mut scratch = BytesMut::new();
        let mut last = std::collections::HashMap::new();
        stream()
            .into_iter()
            .enumerate()
            .map(|(i, (csid, type_id, ts, len))| {
                let prev: u32 = *last.get(&csid).unwrap_or(&ts);
                last.insert(csid, ts);
                let s = SharedChunks::new(
                    csid,
                    type_id,
                    ts.wrapping_sub(prev),
                    payload(len, i as u32),
                    chunk_size,
                    &mut scratch,
                )
                .expect("fits");
                (ts, s)
            })
            .collect()
    }

    fn bytes_of(mut q: OutQueue) -> Vec<u8> {
        let mut v = Vec::new();
        while q.has_remaining() {
            let c = q.chunk().to_vec();
            q.advance(c.len());
            v.extend_from_slice(&c);
        }
        v
    }

    fn decode(bytes: &[u8], chunk_size: u32, split: usize) -> Vec<RawMessage> {
        let mut d = ChunkDecoder::new();
        d.set_chunk_size(chunk_size).expect("chunk size");
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for piece in [&bytes[..split], &bytes[split..]] {
            buf.extend_from_slice(piece);
            while let Some(m) = d.decode(&mut buf).expect("decodes") {
                out.push(m);
            }
        }
        out
    }

    /// Sends the stream from message `from` on, with timestamps shifted by
    /// `-offset`; returns the bytes and how many messages were shared.
    fn play(chunk_size: u32, from: usize, offset: u32, skip: Option<usize>) -> (Vec<u8>, usize) {
        let mut enc = ChunkEncoder::new();
        enc.set_chunk_size(chunk_size);
        let mut q = OutQueue::new();
        let mut used = 0;
        for (i, (ts, s)) in shared(256).iter().enumerate().skip(from) {
            if Some(i) == skip {
                continue;
            }
            if enc.encode_shared(s, ts.wrapping_sub(offset), 1, &mut q) {
                used += 1;
            }
        }
        (bytes_of(q), used)
    }

    #[test]
    fn a_player_in_step_shares_every_message_after_its_first_on_each_chunk_stream() {
        let (bytes, used) = play(256, 0, 0, None);
        let n = stream().len();
        assert_eq!(used, n - 2, "one own message per chunk stream");
        let got = decode(&bytes, 256, bytes.len() / 2);
        assert_eq!(got.len(), n);
        let mut expected = shared(256);
        for (m, (ts, s)) in got.iter().zip(expected.drain(..)) {
            assert_eq!((m.timestamp, m.type_id, m.stream_id), (ts, s.type_id(), 1));
            assert_eq!(&m.payload, s.payload());
        }
    }

    #[test]
    fn shared_bytes_decode_split_at_every_offset() {
        let (bytes, _) = play(256, 0, 0, None);
        let whole = decode(&bytes, 256, 0);
        for split in (0..bytes.len()).step_by(97) {
            assert_eq!(decode(&bytes, 256, split), whole, "split at {split}");
        }
    }

    #[test]
    fn a_late_player_with_its_own_timeline_still_shares() {
        // Joins at message 10, its clock starts at that message's time.
        let from = 10;
        let base = stream()[from].2;
        let (bytes, used) = play(256, from, base, None);
        assert_eq!(used, stream().len() - from - 2);
        let got = decode(&bytes, 256, 0);
        assert_eq!(got[0].timestamp, 0);
        assert_eq!(got[1].timestamp, stream()[from + 1].2 - base);
    }

    #[test]
    fn a_skipped_message_makes_the_next_on_its_chunk_stream_own_then_sharing_resumes() {
        let (bytes, used) = play(256, 0, 0, Some(20));
        // Message 20 is video: the next video message cannot use its delta.
        assert_eq!(used, stream().len() - 1 - 3);
        let got = decode(&bytes, 256, 0);
        assert_eq!(got.len(), stream().len() - 1);
        let ts: Vec<u32> = got.iter().map(|m| m.timestamp).collect();
        let mut expected: Vec<u32> = stream().iter().map(|m| m.2).collect();
        expected.remove(20);
        assert_eq!(ts, expected);
    }

    #[test]
    fn another_chunk_size_is_encoded_per_player() {
        let (bytes, used) = play(128, 0, 0, None);
        assert_eq!(used, 0);
        assert_eq!(decode(&bytes, 128, 0).len(), stream().len());
    }

    #[test]
    fn too_long_a_payload_is_refused() {
        let big = Bytes::from(vec![0u8; MAX_MESSAGE_LENGTH + 1]);
        assert!(SharedChunks::new(6, 9, 0, big, 4096, &mut BytesMut::new()).is_none());
    }
}
