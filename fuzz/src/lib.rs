//! Helpers shared by the fuzz targets.

use bytes::{Buf, BytesMut};
use srs_rtmp::chunk::control::{self, ControlMessage};
use srs_rtmp::chunk::{ChunkDecoder, RawMessage};
use srs_rtmp::out_queue::OutQueue;

/// A small deterministic generator, seeded from the input, for piece sizes and choices.
pub struct Lcg(u64);

impl Lcg {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Self {
        Lcg(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// The next value.
    pub fn next_u32(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as u32
    }

    /// A piece size in 1..=max, biased to small sizes.
    pub fn piece(&mut self, max: usize) -> usize {
        let r = self.next_u32() as usize;
        let cap = match r & 3 {
            0 => 1,
            1 => 16,
            2 => 256,
            _ => max.max(1),
        };
        1 + (r >> 2) % cap.min(max.max(1))
    }
}

/// Splits `data` into pieces whose sizes come from `seed`.
pub fn split(data: &[u8], seed: u64) -> Vec<&[u8]> {
    let mut rng = Lcg::new(seed);
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let n = rng.piece(rest.len()).min(rest.len());
        let (a, b) = rest.split_at(n);
        out.push(a);
        rest = b;
    }
    out
}

/// A counter-based fill function: deterministic "random" bytes for the handshakes.
pub fn counter_random(seed: u8) -> impl FnMut(&mut [u8]) {
    let mut n = seed;
    move |buf: &mut [u8]| {
        for b in buf {
            *b = n;
            n = n.wrapping_mul(31).wrapping_add(7);
        }
    }
}

/// Takes every byte an outbound queue holds.
pub fn drain(q: &mut OutQueue) -> Vec<u8> {
    let mut v = Vec::with_capacity(q.remaining());
    while q.has_remaining() {
        let c = q.chunk();
        v.extend_from_slice(c);
        let n = c.len();
        q.advance(n);
    }
    v
}

/// The peer's view of a chunk stream we send: decodes it and applies the control messages
/// that change decoding, as a client would. Anything it cannot decode is a bug in our encoder.
pub struct PeerReader {
    /// The decoder.
    pub decoder: ChunkDecoder,
    /// Bytes not decoded yet.
    pub input: BytesMut,
    /// Messages decoded so far (payload lengths are bounded by the harness).
    pub messages: Vec<RawMessage>,
}

impl Default for PeerReader {
    fn default() -> Self {
        Self::new()
    }
}

impl PeerReader {
    /// A reader at the default chunk size.
    pub fn new() -> Self {
        PeerReader {
            decoder: ChunkDecoder::new(),
            input: BytesMut::new(),
            messages: Vec::new(),
        }
    }

    /// Feeds bytes and decodes every complete message; panics if our own output is corrupt.
    pub fn feed(&mut self, data: &[u8]) {
        self.input.extend_from_slice(data);
        loop {
            let msg = match self.decoder.decode(&mut self.input) {
                Ok(Some(m)) => m,
                Ok(None) => return,
                Err(e) => panic!("our own chunk stream does not decode: {e}"),
            };
            if msg.type_id == control::MSG_SET_CHUNK_SIZE {
                match ControlMessage::parse(msg.type_id, &msg.payload) {
                    Ok(Some(ControlMessage::SetChunkSize(n))) => {
                        if let Err(e) = self.decoder.set_chunk_size(n) {
                            panic!("we announced a chunk size the decoder refuses: {e}");
                        }
                    }
                    other => panic!("bad SetChunkSize from ourselves: {other:?}"),
                }
            }
            self.messages.push(msg);
        }
    }
}
