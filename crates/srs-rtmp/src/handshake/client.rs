//! Client side of the handshake (edge, forward, tools): sends C0C1, reads S0S1S2, sends C2.

use bytes::Bytes;

use super::complex::{self, Schema};
use super::{simple, HandshakeKind, HANDSHAKE_SIZE, RTMP_VERSION, S0S1S2_SIZE};
use crate::RtmpError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    ReadS0S1S2,
    Done,
    Failed,
}

/// Client handshake state machine.
///
/// [`new`](Self::new) queues C0C1; send it, then [`feed`](Self::feed) received bytes until
/// [`is_done`](Self::is_done), and send C2 from [`take_output`](Self::take_output). Bytes after
/// S2 are not consumed.
#[derive(Debug)]
pub struct ClientHandshake {
    state: State,
    complex: bool,
    s0s1s2: Vec<u8>,
    output: Option<Bytes>,
    kind: Option<HandshakeKind>,
}

impl ClientHandshake {
    /// Starts a handshake; C0C1 is ready in [`take_output`](Self::take_output).
    /// `complex = true` builds a complex C1 (version 0x80000702, schema 0, digest signed with
    /// the Flash Player key); otherwise a simple C1. If the DH key cannot be generated the
    /// client falls back to a simple C1.
    pub fn new(complex: bool, now_epoch: u32, random: &mut dyn FnMut(&mut [u8])) -> Self {
        let c1 = if complex {
            complex::dh_public_key().and_then(|key| {
                complex::build_c1s1(
                    now_epoch,
                    complex::CLIENT_VERSION,
                    Schema::Schema0,
                    &key,
                    complex::FP_KEY,
                    random,
                )
            })
        } else {
            Err(RtmpError::Handshake("simple requested".into()))
        };
        let (complex, c1) = match c1 {
            Ok((c1, _)) => (true, c1),
            Err(e) => {
                if complex {
                    log::warn!("complex C1 failed ({e}), sending a simple C1");
                }
                (false, simple::build_c1s1(now_epoch, random))
            }
        };
        let mut out = Vec::with_capacity(1 + HANDSHAKE_SIZE);
        out.push(RTMP_VERSION);
        out.extend_from_slice(&c1);
        Self {
            state: State::ReadS0S1S2,
            complex,
            s0s1s2: Vec::with_capacity(S0S1S2_SIZE),
            output: Some(Bytes::from(out)),
            kind: None,
        }
    }

    /// Feeds received bytes; returns how many were consumed. Once S0S1S2 (3073 bytes) is
    /// complete, C2 is queued and [`is_done`](Self::is_done) is true; later bytes are not
    /// consumed.
    pub fn feed(
        &mut self,
        input: &[u8],
        random: &mut dyn FnMut(&mut [u8]),
    ) -> Result<usize, RtmpError> {
        match self.state {
            State::Failed => Err(RtmpError::Handshake("handshake already failed".into())),
            State::Done => Ok(0),
            State::ReadS0S1S2 => {
                if input.is_empty() {
                    return Ok(0);
                }
                if self.s0s1s2.is_empty() && input[0] != RTMP_VERSION {
                    self.state = State::Failed;
                    return Err(RtmpError::BadC0 { found: input[0] });
                }
                let n = input.len().min(S0S1S2_SIZE - self.s0s1s2.len());
                self.s0s1s2.extend_from_slice(&input[..n]);
                if self.s0s1s2.len() == S0S1S2_SIZE {
                    match self.respond(random) {
                        Ok(c2) => {
                            self.output = Some(c2);
                            self.state = State::Done;
                        }
                        Err(e) => {
                            self.state = State::Failed;
                            return Err(e);
                        }
                    }
                }
                Ok(n)
            }
        }
    }

    fn respond(&mut self, random: &mut dyn FnMut(&mut [u8])) -> Result<Bytes, RtmpError> {
        let s1 = &self.s0s1s2[1..1 + HANDSHAKE_SIZE];
        let found = if self.complex {
            complex::find_digest(s1, complex::FMS_KEY)?
        } else {
            None
        };
        let c2 = match found {
            Some((_, s1_digest)) => {
                self.kind = Some(HandshakeKind::Complex);
                complex::build_c2s2(&complex::FP_KEY_FULL, &s1_digest, random)?
            }
            None => {
                self.kind = Some(HandshakeKind::Simple);
                simple::build_c2s2(s1)
            }
        };
        Ok(Bytes::from(c2))
    }

    /// Takes the bytes to send (C0C1 first, then C2), if any are pending.
    pub fn take_output(&mut self) -> Option<Bytes> {
        self.output.take()
    }

    /// Whether S0S1S2 has been consumed and C2 queued.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// The handshake form the server answered with, once S0S1S2 has been processed.
    pub fn kind(&self) -> Option<HandshakeKind> {
        self.kind
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handshake::complex::tests::counter_random;
    use crate::handshake::complex::{FMS_KEY, FP_KEY, FP_KEY_FULL};
    use crate::handshake::{ServerHandshake, C0C1_SIZE};

    fn pair(complex: bool) -> (ClientHandshake, ServerHandshake, Vec<u8>) {
        let mut crnd = counter_random(11);
        let mut srnd = counter_random(22);
        let mut client = ClientHandshake::new(complex, 500, &mut crnd);
        let mut server = ServerHandshake::new();
        let c0c1 = client.take_output().unwrap();
        assert_eq!(c0c1.len(), C0C1_SIZE);
        assert_eq!(server.feed(&c0c1, 600, &mut srnd).unwrap(), C0C1_SIZE);
        let mut s0s1s2 = server.take_output().unwrap().to_vec();
        s0s1s2.extend_from_slice(b"tail");
        let n = client.feed(&s0s1s2, &mut crnd).unwrap();
        assert_eq!(n, S0S1S2_SIZE);
        assert!(client.is_done());
        let c2 = client.take_output().unwrap();
        assert_eq!(server.feed(&c2, 600, &mut srnd).unwrap(), HANDSHAKE_SIZE);
        assert!(server.is_done());
        (client, server, c2.to_vec())
    }

    #[test]
    fn complex_in_memory() {
        let mut crnd = counter_random(11);
        let mut c = ClientHandshake::new(true, 500, &mut crnd);
        let c0c1 = c.take_output().unwrap();
        assert_eq!(&c0c1[5..9], &complex::CLIENT_VERSION.to_be_bytes());
        assert_eq!(
            complex::find_digest(&c0c1[1..], FP_KEY)
                .unwrap()
                .map(|d| d.0),
            Some(Schema::Schema0)
        );
        let (client, server, c2) = pair(true);
        assert_eq!(client.kind(), Some(HandshakeKind::Complex));
        assert_eq!(server.kind(), Some(HandshakeKind::Complex));
        assert_eq!(c2.len(), HANDSHAKE_SIZE);
    }

    #[test]
    fn complex_c2_signature() {
        // Check C2 against the S1 digest computed independently.
        let mut crnd = counter_random(5);
        let mut srnd = counter_random(6);
        let mut client = ClientHandshake::new(true, 1, &mut crnd);
        let mut server = ServerHandshake::new();
        server
            .feed(&client.take_output().unwrap(), 2, &mut srnd)
            .unwrap();
        let s = server.take_output().unwrap();
        let (_, s1_digest) = complex::find_digest(&s[1..1 + HANDSHAKE_SIZE], FMS_KEY)
            .unwrap()
            .unwrap();
        client.feed(&s, &mut crnd).unwrap();
        let c2 = client.take_output().unwrap();
        assert!(complex::validate_c2s2(&c2, &FP_KEY_FULL, &s1_digest).unwrap());
    }

    #[test]
    fn simple_in_memory() {
        let (client, server, _) = pair(false);
        assert_eq!(client.kind(), Some(HandshakeKind::Simple));
        assert_eq!(server.kind(), Some(HandshakeKind::Simple));
    }

    #[test]
    fn complex_client_accepts_simple_server() {
        let mut crnd = counter_random(1);
        let mut client = ClientHandshake::new(true, 0, &mut crnd);
        let _ = client.take_output();
        let mut s = vec![3u8];
        let s1 = simple::build_c1s1(7, &mut counter_random(2));
        s.extend_from_slice(&s1);
        s.extend_from_slice(&[0u8; HANDSHAKE_SIZE]);
        // byte by byte
        let mut n = 0;
        for b in &s {
            n += client.feed(std::slice::from_ref(b), &mut crnd).unwrap();
        }
        assert_eq!(n, S0S1S2_SIZE);
        assert!(client.is_done());
        assert_eq!(client.kind(), Some(HandshakeKind::Simple));
        assert_eq!(&client.take_output().unwrap()[..], &s1[..]);
    }

    #[test]
    fn bad_s0() {
        let mut crnd = counter_random(1);
        let mut client = ClientHandshake::new(false, 0, &mut crnd);
        let err = client.feed(&[9, 9], &mut crnd).unwrap_err();
        assert!(matches!(err, RtmpError::BadC0 { found: 9 }));
    }
}
