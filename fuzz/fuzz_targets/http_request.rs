//! The HTTP request parser: the same requests whatever the split of the input (a keep-alive
//! connection's pipelined requests), consistent fields, and `percent_decode` inverting a
//! percent-encoding.
//!
//! Input: one control byte (split seed), then the bytes a client sends.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use srs_app::http::request::{parse, percent_decode, Request, MAX_BODY, MAX_HEAD};
use srs_fuzz::split;

/// Parses every request of `pieces`; the requests and whether parsing stopped on an error.
fn run(pieces: &[&[u8]]) -> (Vec<Request>, bool) {
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    for p in pieces {
        buf.extend_from_slice(p);
        loop {
            let before = buf.len();
            match parse(&mut buf) {
                Ok(Some(r)) => {
                    assert!(buf.len() < before, "a request consumed nothing");
                    out.push(r);
                }
                Ok(None) => {
                    assert_eq!(buf.len(), before, "need-more consumed bytes");
                    break;
                }
                Err(_) => return (out, true),
            }
        }
    }
    (out, false)
}

fn encode_all(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, input)) = data.split_first() else {
        return;
    };
    let (whole, err) = run(&[input]);
    let pieces = split(input, u64::from(ctl));
    let (parts, err2) = run(&pieces);
    assert_eq!(whole, parts, "requests depend on the split");
    assert_eq!(err, err2, "error depends on the split");

    for r in &whole {
        assert!(r.body.len() <= MAX_BODY);
        assert!(r.method.len() + r.path.len() + r.query.len() <= MAX_HEAD);
        assert!(!r.path.contains('?'));
        assert!(r.minor_version <= 1);
        for (n, _) in &r.headers {
            assert_eq!(n, &n.to_ascii_lowercase());
        }
        let _ = r.keep_alive();
        if let Some((k, v)) = r.query.split('&').next().and_then(|kv| kv.split_once('=')) {
            // the first parameter of that name
            if !r.query.split('&').any(|kv| kv == k) {
                assert_eq!(r.query_param(k), Some(v));
            }
        }
        match percent_decode(&r.path) {
            Some(p) => {
                assert!(!p.contains('\0'));
                assert_eq!(percent_decode(&encode_all(&p)).as_deref(), Some(p.as_str()));
                if !r.path.contains('%') {
                    assert_eq!(p, r.path);
                }
            }
            None => assert!(r.path.contains('%') || r.path.contains('\0')),
        }
    }
    // percent_decode on arbitrary text
    if let Ok(s) = std::str::from_utf8(input) {
        if let Some(d) = percent_decode(s) {
            assert!(d.len() <= s.len());
            assert!(!d.contains('\0'));
        }
    }
});
