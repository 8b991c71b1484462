//! The client handshake fed an arbitrary server answer, whole and in pieces.
//!
//! Input: one control byte, then the bytes the server sends (S0 S1 S2 ...). Control bit 0 asks
//! for a complex C1; bit 1 signs S1 with the FMS key (schema from bit 2) so the complex answer
//! path is reached; the rest seeds the split.
#![no_main]

use libfuzzer_sys::fuzz_target;
use srs_fuzz::{counter_random, split};
use srs_rtmp::handshake::complex::{self, Schema};
use srs_rtmp::handshake::{
    ClientHandshake, HandshakeKind, C0C1_SIZE, HANDSHAKE_SIZE, RTMP_VERSION, S0S1S2_SIZE,
};

struct Run {
    consumed: usize,
    failed: bool,
    done: bool,
    c2: Option<Vec<u8>>,
    kind: Option<HandshakeKind>,
}

fn run(complex_c1: bool, pieces: &[&[u8]]) -> Run {
    let mut rnd = counter_random(3);
    let mut hs = ClientHandshake::new(complex_c1, 77, &mut rnd);
    let c0c1 = hs.take_output().expect("C0C1 queued");
    assert_eq!(c0c1.len(), C0C1_SIZE);
    assert_eq!(c0c1[0], RTMP_VERSION);
    assert_eq!(&c0c1[1..5], &77u32.to_be_bytes());
    if complex_c1 {
        let found = complex::find_digest(&c0c1[1..], complex::FP_KEY).expect("hmac");
        assert_eq!(
            found.map(|f| f.0),
            Some(Schema::Schema0),
            "complex C1 not signed"
        );
    }
    let mut consumed = 0;
    let mut failed = false;
    let mut c2 = None;
    for p in pieces {
        match hs.feed(p, &mut rnd) {
            Ok(n) => {
                assert!(n <= p.len());
                consumed += n;
                if let Some(o) = hs.take_output() {
                    assert!(c2.is_none(), "two C2");
                    c2 = Some(o.to_vec());
                }
                if n < p.len() {
                    assert!(hs.is_done());
                }
            }
            Err(_) => {
                failed = true;
                assert!(hs.feed(&[RTMP_VERSION], &mut rnd).is_err());
                break;
            }
        }
    }
    Run {
        consumed,
        failed,
        done: hs.is_done(),
        c2,
        kind: hs.kind(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    let complex_c1 = ctl & 1 != 0;
    let mut input = rest.to_vec();
    if ctl & 2 != 0 && input.len() > HANDSHAKE_SIZE {
        let schema = if ctl & 4 == 0 {
            Schema::Schema0
        } else {
            Schema::Schema1
        };
        let s1 = &mut input[1..1 + HANDSHAKE_SIZE];
        if let Some(pos) = complex::digest_position(s1, schema) {
            let d = complex::hmac_sha256(complex::FMS_KEY, &[&s1[..pos], &s1[pos + 32..]])
                .expect("hmac");
            s1[pos..pos + 32].copy_from_slice(&d);
        }
    }

    let whole = run(complex_c1, &[&input]);
    if input.is_empty() {
        assert!(!whole.failed && whole.consumed == 0 && whole.c2.is_none());
        return;
    }
    if input[0] != RTMP_VERSION {
        assert!(whole.failed, "bad S0 accepted");
        return;
    }
    assert!(!whole.failed, "valid S0 refused");
    assert_eq!(whole.consumed, input.len().min(S0S1S2_SIZE));
    assert_eq!(whole.done, input.len() >= S0S1S2_SIZE);
    if whole.done {
        let s1 = &input[1..1 + HANDSHAKE_SIZE];
        let c2 = whole.c2.as_deref().expect("C2 queued when done");
        assert_eq!(c2.len(), HANDSHAKE_SIZE);
        let found = if complex_c1 {
            complex::find_digest(s1, complex::FMS_KEY).expect("hmac")
        } else {
            None
        };
        match (whole.kind, found) {
            (Some(HandshakeKind::Simple), None) => assert_eq!(c2, s1, "simple C2 must echo S1"),
            (Some(HandshakeKind::Complex), Some((_, s1_digest))) => assert!(
                complex::validate_c2s2(c2, &complex::FP_KEY_FULL, &s1_digest).expect("hmac"),
                "C2 signature does not validate"
            ),
            (kind, found) => panic!("kind {kind:?} with S1 digest {found:?}"),
        }
    } else {
        assert!(whole.c2.is_none() && whole.kind.is_none());
    }

    let pieces = split(&input, u64::from(ctl >> 3));
    let parts = run(complex_c1, &pieces);
    assert_eq!(parts.failed, whole.failed);
    assert_eq!(parts.consumed, whole.consumed);
    assert_eq!(parts.done, whole.done);
    assert_eq!(parts.kind, whole.kind);
    assert_eq!(parts.c2, whole.c2, "C2 depends on the split");
});
