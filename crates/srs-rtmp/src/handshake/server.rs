//! Server side of the handshake: reads C0C1, answers S0S1S2, reads C2.

use bytes::Bytes;

use super::complex::{self, Schema};
use super::{simple, HandshakeKind, C0C1_SIZE, HANDSHAKE_SIZE, RTMP_VERSION, S0S1S2_SIZE};
use crate::RtmpError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    ReadC0C1,
    ReadC2,
    Done,
    Failed,
}

/// Server handshake state machine.
///
/// Call [`feed`](Self::feed) with received bytes; after C0C1 is complete, send what
/// [`take_output`](Self::take_output) returns (S0S1S2, 3073 bytes); once C2 has been consumed
/// [`is_done`](Self::is_done) is true and the remaining bytes belong to the chunk stream.
#[derive(Debug)]
pub struct ServerHandshake {
    state: State,
    c0c1: Vec<u8>,
    c2_received: usize,
    output: Option<Bytes>,
    kind: Option<HandshakeKind>,
    schema: Option<Schema>,
}

impl Default for ServerHandshake {
    fn default() -> Self {
        Self::new()
    }
}

impl ServerHandshake {
    /// A server handshake waiting for C0C1.
    pub fn new() -> Self {
        Self {
            state: State::ReadC0C1,
            c0c1: Vec::with_capacity(C0C1_SIZE),
            c2_received: 0,
            output: None,
            kind: None,
            schema: None,
        }
    }

    /// Feeds received bytes; returns how many were consumed. Once C0C1 is complete, the S0S1S2
    /// response (3073 bytes) becomes available from [`take_output`](Self::take_output); once C2
    /// is consumed, [`is_done`](Self::is_done) is true. Bytes after C2 are not consumed (they are
    /// chunk data for the session).
    pub fn feed(
        &mut self,
        input: &[u8],
        now_epoch: u32,
        random: &mut dyn FnMut(&mut [u8]),
    ) -> Result<usize, RtmpError> {
        let mut used = 0;
        loop {
            let rest = &input[used..];
            match self.state {
                State::Failed => {
                    return Err(RtmpError::Handshake("handshake already failed".into()))
                }
                State::Done => return Ok(used),
                State::ReadC0C1 => {
                    if rest.is_empty() {
                        return Ok(used);
                    }
                    if self.c0c1.is_empty() && rest[0] != RTMP_VERSION {
                        self.state = State::Failed;
                        return Err(RtmpError::BadC0 { found: rest[0] });
                    }
                    let n = rest.len().min(C0C1_SIZE - self.c0c1.len());
                    self.c0c1.extend_from_slice(&rest[..n]);
                    used += n;
                    if self.c0c1.len() == C0C1_SIZE {
                        match self.respond(now_epoch, random) {
                            Ok(out) => {
                                self.output = Some(out);
                                self.state = State::ReadC2;
                            }
                            Err(e) => {
                                self.state = State::Failed;
                                return Err(e);
                            }
                        }
                    }
                }
                State::ReadC2 => {
                    if rest.is_empty() {
                        return Ok(used);
                    }
                    let n = rest.len().min(HANDSHAKE_SIZE - self.c2_received);
                    self.c2_received += n;
                    used += n;
                    if self.c2_received == HANDSHAKE_SIZE {
                        self.state = State::Done;
                    }
                }
            }
        }
    }

    fn respond(
        &mut self,
        now_epoch: u32,
        random: &mut dyn FnMut(&mut [u8]),
    ) -> Result<Bytes, RtmpError> {
        let c1 = &self.c0c1[1..];
        let mut out = Vec::with_capacity(S0S1S2_SIZE);
        out.push(RTMP_VERSION);
        if let Some((schema, c1_digest)) = complex::find_digest(c1, complex::FP_KEY)? {
            let public_key = complex::dh_public_key()?;
            let (s1, _) = complex::build_c1s1(
                now_epoch,
                complex::SERVER_VERSION,
                schema,
                &public_key,
                complex::FMS_KEY,
                random,
            )?;
            let s2 = complex::build_c2s2(&complex::FMS_KEY_FULL, &c1_digest, random)?;
            out.extend_from_slice(&s1);
            out.extend_from_slice(&s2);
            self.kind = Some(HandshakeKind::Complex);
            self.schema = Some(schema);
            log::debug!("complex handshake, {schema:?}");
        } else {
            out.extend_from_slice(&simple::build_c1s1(now_epoch, random));
            out.extend_from_slice(&simple::build_c2s2(c1));
            self.kind = Some(HandshakeKind::Simple);
            log::debug!("complex handshake digest not found, simple handshake");
        }
        Ok(Bytes::from(out))
    }

    /// Takes the bytes to send (S0S1S2), if any are pending.
    pub fn take_output(&mut self) -> Option<Bytes> {
        self.output.take()
    }

    /// Whether C2 has been consumed (the handshake is over).
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// The handshake form chosen, once C0C1 has been processed.
    pub fn kind(&self) -> Option<HandshakeKind> {
        self.kind
    }

    /// The client's schema, for a complex handshake.
    pub fn schema(&self) -> Option<Schema> {
        self.schema
    }

    /// The client's C1 time field, once C0C1 is complete.
    pub fn client_time(&self) -> Option<u32> {
        let t = self.c0c1.get(1..5)?;
        if self.c0c1.len() < C0C1_SIZE {
            return None;
        }
        Some(u32::from_be_bytes([t[0], t[1], t[2], t[3]]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handshake::complex::tests::{counter_random, flash_c0c1};
    use crate::handshake::complex::{FMS_KEY, FMS_KEY_FULL, FP_KEY};

    fn run_split(input: &[u8], split: usize) -> (ServerHandshake, Vec<u8>) {
        let mut hs = ServerHandshake::new();
        let mut rnd = counter_random(9);
        let mut out = Vec::new();
        let a = hs.feed(&input[..split], 1000, &mut rnd).unwrap();
        assert_eq!(a, split);
        if let Some(o) = hs.take_output() {
            out.extend_from_slice(&o);
        }
        let b = hs.feed(&input[split..], 1000, &mut rnd).unwrap();
        if let Some(o) = hs.take_output() {
            out.extend_from_slice(&o);
        }
        assert_eq!(a + b, C0C1_SIZE + HANDSHAKE_SIZE);
        (hs, out)
    }

    #[test]
    fn flash_vector_complex() {
        let c0c1 = flash_c0c1();
        let (_, c1_digest) = complex::find_digest(&c0c1[1..], FP_KEY).unwrap().unwrap();
        let mut input = c0c1.clone();
        input.extend_from_slice(&[0x55; HANDSHAKE_SIZE]);
        input.extend_from_slice(b"chunkdata");
        let mut hs = ServerHandshake::new();
        let mut rnd = counter_random(3);
        assert!(hs.kind().is_none());
        let n = hs.feed(&input, 1234, &mut rnd).unwrap();
        assert_eq!(n, input.len() - b"chunkdata".len());
        assert!(hs.is_done());
        assert_eq!(hs.kind(), Some(HandshakeKind::Complex));
        assert_eq!(hs.schema(), Some(Schema::Schema0));
        let out = hs.take_output().unwrap();
        assert!(hs.take_output().is_none());
        assert_eq!(out.len(), S0S1S2_SIZE);
        assert_eq!(out[0], 3);
        let s1 = &out[1..1 + HANDSHAKE_SIZE];
        let s2 = &out[1 + HANDSHAKE_SIZE..];
        assert_eq!(&s1[..4], &1234u32.to_be_bytes());
        assert_eq!(&s1[4..8], &complex::SERVER_VERSION.to_be_bytes());
        let s1_digest = complex::validate_digest(s1, Schema::Schema0, FMS_KEY).unwrap();
        assert!(
            s1_digest.is_some(),
            "S1 digest must validate with the FMS key"
        );
        assert!(complex::validate_c2s2(s2, &FMS_KEY_FULL, &c1_digest).unwrap());
        // feeding after done consumes nothing
        assert_eq!(hs.feed(b"more", 0, &mut rnd).unwrap(), 0);
    }

    #[test]
    fn bad_c0_is_error() {
        for c0 in [0u8, 6, 0x16, 0x47, 0xFF] {
            let mut hs = ServerHandshake::new();
            let err = hs.feed(&[c0, 0, 0], 0, &mut counter_random(0)).unwrap_err();
            assert!(matches!(err, RtmpError::BadC0 { found } if found == c0));
            assert!(hs.feed(&[3], 0, &mut counter_random(0)).is_err());
        }
    }

    #[test]
    fn garbage_c1_falls_back_to_simple() {
        let mut input = vec![3u8];
        let mut rnd = counter_random(77);
        let mut c1 = vec![0u8; HANDSHAKE_SIZE];
        rnd(&mut c1);
        input.extend_from_slice(&c1);
        input.extend_from_slice(&[0u8; HANDSHAKE_SIZE]);
        let mut hs = ServerHandshake::new();
        let n = hs.feed(&input, 42, &mut counter_random(1)).unwrap();
        assert_eq!(n, input.len());
        assert!(hs.is_done());
        assert_eq!(hs.kind(), Some(HandshakeKind::Simple));
        assert_eq!(
            hs.client_time(),
            Some(u32::from_be_bytes([c1[0], c1[1], c1[2], c1[3]]))
        );
        let out = hs.take_output().unwrap();
        assert_eq!(out.len(), S0S1S2_SIZE);
        assert_eq!(&out[1..5], &42u32.to_be_bytes());
        assert_eq!(&out[5..9], &[0, 0, 0, 0]);
        assert_eq!(&out[1 + HANDSHAKE_SIZE..], &c1[..]);
    }

    #[test]
    fn split_at_every_offset_simple() {
        let mut input = vec![3u8];
        input.extend((0..HANDSHAKE_SIZE).map(|i| i as u8));
        input.extend((0..HANDSHAKE_SIZE).map(|i| (i * 7) as u8));
        let (_, reference) = run_split(&input, input.len());
        for split in 0..=input.len() {
            let (hs, out) = run_split(&input, split);
            assert!(hs.is_done());
            assert_eq!(hs.kind(), Some(HandshakeKind::Simple));
            assert_eq!(out, reference, "split {split}");
        }
    }

    #[test]
    fn split_at_every_offset_complex() {
        let mut input = flash_c0c1();
        input.extend_from_slice(&[1u8; HANDSHAKE_SIZE]);
        let (_, reference) = run_split(&input, input.len());
        // S0 + S1 time/version are deterministic, and S2 only depends on random and C1.
        for split in 0..=input.len() {
            let (hs, out) = run_split(&input, split);
            assert!(hs.is_done());
            assert_eq!(hs.kind(), Some(HandshakeKind::Complex));
            assert_eq!(out.len(), reference.len());
            assert_eq!(&out[..9], &reference[..9]);
            assert_eq!(&out[1 + HANDSHAKE_SIZE..], &reference[1 + HANDSHAKE_SIZE..]);
            assert!(complex::validate_digest(
                &out[1..1 + HANDSHAKE_SIZE],
                Schema::Schema0,
                FMS_KEY
            )
            .unwrap()
            .is_some());
        }
    }

    #[test]
    fn byte_by_byte() {
        let mut input = flash_c0c1();
        input.extend_from_slice(&[1u8; HANDSHAKE_SIZE]);
        input.push(0xEE);
        let mut hs = ServerHandshake::new();
        let mut rnd = counter_random(9);
        let mut consumed = 0;
        for b in &input {
            consumed += hs.feed(std::slice::from_ref(b), 0, &mut rnd).unwrap();
        }
        assert_eq!(consumed, input.len() - 1);
        assert!(hs.is_done());
        assert_eq!(hs.take_output().unwrap().len(), S0S1S2_SIZE);
    }
}
