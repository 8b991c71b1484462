//! AMF0: decode every value; what decodes re-encodes to bytes that decode to the same values
//! (compared by their encoding, so NaN payloads count as equal), `encoded_len` is exact, and
//! value-by-value decoding agrees with `decode_all`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use srs_kernel::amf0::{self, Amf0Value};

fn check_lens(v: &Amf0Value) {
    assert_eq!(v.encoded_len(), v.to_bytes().len(), "encoded_len of {v:?}");
}

fuzz_target!(|data: &[u8]| {
    let all = amf0::decode_all(data);

    // One value at a time gives the same values and stops at the same place.
    let mut cur = data;
    let mut one_by_one = Vec::new();
    let mut failed = false;
    while !cur.is_empty() {
        let before = cur;
        match amf0::decode(&mut cur) {
            Ok(v) => {
                assert!(cur.len() < before.len(), "decode consumed nothing");
                one_by_one.push(v);
            }
            Err(_) => {
                assert_eq!(cur, before, "a failed decode must not advance");
                failed = true;
                break;
            }
        }
    }
    let values = match all {
        Ok(values) => {
            assert!(!failed, "decode_all succeeded where decode failed");
            values
        }
        Err(_) => {
            assert!(failed, "decode_all failed where decode succeeded");
            return;
        }
    };
    let mut first = Vec::new();
    amf0::encode_all(&values, &mut first);
    let mut second = Vec::new();
    amf0::encode_all(&one_by_one, &mut second);
    assert_eq!(first, second, "decode and decode_all disagree");

    let mut total = 0;
    for v in &values {
        check_lens(v);
        total += v.encoded_len();
    }
    assert_eq!(total, first.len());

    let again = amf0::decode_all(&first).expect("our own encoding must decode");
    assert_eq!(again.len(), values.len());
    let mut reencoded = Vec::new();
    amf0::encode_all(&again, &mut reencoded);
    assert_eq!(reencoded, first, "encode(decode(encode(v))) != encode(v)");
    for (a, b) in again.iter().zip(&values) {
        // equal unless a NaN hides inside (NaN != NaN); the encodings were compared above
        if a != b {
            assert_eq!(a.to_bytes(), b.to_bytes());
        }
    }
});
