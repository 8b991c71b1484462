//! The server handshake fed arbitrary bytes, whole and in pieces.
//!
//! Input: one control byte, then the bytes the client sends (C0 C1 C2 ...). Control bit 0
//! signs C1 with the Flash Player key (schema from bit 1) so the complex handshake is reached
//! with arbitrary layouts; the rest seeds the split of the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use srs_fuzz::{counter_random, split};
use srs_rtmp::handshake::complex::{self, Schema};
use srs_rtmp::handshake::{
    HandshakeKind, ServerHandshake, C0C1_SIZE, HANDSHAKE_SIZE, RTMP_VERSION, S0S1S2_SIZE,
};

const EPOCH: u32 = 0x0102_0304;

struct Run {
    consumed: usize,
    failed: bool,
    done: bool,
    output: Vec<u8>,
    kind: Option<HandshakeKind>,
    schema: Option<Schema>,
    client_time: Option<u32>,
}

fn run(pieces: &[&[u8]]) -> Run {
    let mut hs = ServerHandshake::new();
    let mut rnd = counter_random(9);
    let mut consumed = 0;
    let mut failed = false;
    let mut output = Vec::new();
    for p in pieces {
        match hs.feed(p, EPOCH, &mut rnd) {
            Ok(n) => {
                assert!(n <= p.len(), "consumed {n} of {}", p.len());
                consumed += n;
                if let Some(o) = hs.take_output() {
                    assert!(output.is_empty(), "two outputs");
                    output.extend_from_slice(&o);
                }
                if n < p.len() {
                    // only the bytes after C2 are left
                    assert!(hs.is_done());
                }
            }
            Err(_) => {
                failed = true;
                // a failed handshake stays failed
                assert!(hs.feed(&[RTMP_VERSION], EPOCH, &mut rnd).is_err());
                break;
            }
        }
    }
    if hs.is_done() {
        assert_eq!(hs.feed(b"xyz", EPOCH, &mut rnd).ok(), Some(0));
    }
    Run {
        consumed,
        failed,
        done: hs.is_done(),
        output,
        kind: hs.kind(),
        schema: hs.schema(),
        client_time: hs.client_time(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    let mut input = rest.to_vec();
    if ctl & 1 != 0 && input.len() >= C0C1_SIZE {
        let schema = if ctl & 2 == 0 {
            Schema::Schema0
        } else {
            Schema::Schema1
        };
        let c1 = &mut input[1..C0C1_SIZE];
        if let Some(pos) = complex::digest_position(c1, schema) {
            let d = complex::hmac_sha256(complex::FP_KEY, &[&c1[..pos], &c1[pos + 32..]])
                .expect("hmac");
            c1[pos..pos + 32].copy_from_slice(&d);
        }
    }

    let whole = run(&[&input]);
    // Expected outcome, from the input alone.
    if input.is_empty() {
        assert!(!whole.failed && whole.consumed == 0 && whole.output.is_empty());
        return;
    }
    if input[0] != RTMP_VERSION {
        assert!(whole.failed, "bad C0 accepted");
        return;
    }
    assert!(!whole.failed, "valid C0 refused");
    assert_eq!(whole.consumed, input.len().min(C0C1_SIZE + HANDSHAKE_SIZE));
    assert_eq!(whole.done, input.len() >= C0C1_SIZE + HANDSHAKE_SIZE);
    if input.len() < C0C1_SIZE {
        assert!(whole.output.is_empty() && whole.kind.is_none() && whole.client_time.is_none());
    } else {
        let c1 = &input[1..C0C1_SIZE];
        let out = &whole.output;
        assert_eq!(out.len(), S0S1S2_SIZE);
        assert_eq!(out[0], RTMP_VERSION);
        assert_eq!(&out[1..5], &EPOCH.to_be_bytes());
        assert_eq!(
            whole.client_time,
            Some(u32::from_be_bytes([c1[0], c1[1], c1[2], c1[3]]))
        );
        let s1 = &out[1..1 + HANDSHAKE_SIZE];
        let s2 = &out[1 + HANDSHAKE_SIZE..];
        let found = complex::find_digest(c1, complex::FP_KEY).expect("hmac");
        match whole.kind {
            Some(HandshakeKind::Simple) => {
                assert!(found.is_none(), "valid C1 digest answered simple");
                assert_eq!(s2, c1, "simple S2 must echo C1");
            }
            Some(HandshakeKind::Complex) => {
                let (schema, c1_digest) = found.expect("complex without a valid C1 digest");
                assert_eq!(whole.schema, Some(schema));
                assert!(
                    complex::validate_digest(s1, schema, complex::FMS_KEY)
                        .expect("hmac")
                        .is_some(),
                    "S1 digest does not validate"
                );
                assert!(
                    complex::validate_c2s2(s2, &complex::FMS_KEY_FULL, &c1_digest).expect("hmac"),
                    "S2 signature does not validate"
                );
            }
            None => panic!("C0C1 complete but no kind"),
        }
    }

    // Same outcome fed in pieces.
    let pieces = split(&input, u64::from(ctl >> 2));
    let parts = run(&pieces);
    assert_eq!(parts.failed, whole.failed);
    assert_eq!(parts.consumed, whole.consumed);
    assert_eq!(parts.done, whole.done);
    assert_eq!(parts.kind, whole.kind);
    assert_eq!(parts.schema, whole.schema);
    assert_eq!(parts.client_time, whole.client_time);
    assert_eq!(parts.output.len(), whole.output.len());
    if whole.kind == Some(HandshakeKind::Simple) {
        assert_eq!(parts.output, whole.output);
    } else if !whole.output.is_empty() {
        // the DH key in S1 is random; S0, time, version and S2 are not
        assert_eq!(&parts.output[..9], &whole.output[..9]);
        assert_eq!(
            &parts.output[1 + HANDSHAKE_SIZE..],
            &whole.output[1 + HANDSHAKE_SIZE..]
        );
    }
});
