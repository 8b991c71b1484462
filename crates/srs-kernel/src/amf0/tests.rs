use super::*;
use crate::error::KernelError;
use bytes::Bytes;

fn connect_bytes() -> Vec<u8> {
    let mut b = vec![0x02, 0x00, 0x07];
    b.extend_from_slice(b"connect");
    b.extend_from_slice(&[0x00, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0]);
    b.extend_from_slice(&[0x03, 0x00, 0x03]);
    b.extend_from_slice(b"app");
    b.extend_from_slice(&[0x02, 0x00, 0x04]);
    b.extend_from_slice(b"live");
    b.extend_from_slice(&[0x00, 0x05]);
    b.extend_from_slice(b"tcUrl");
    b.extend_from_slice(&[0x02, 0x00, 0x15]);
    b.extend_from_slice(b"rtmp://127.0.0.1/live");
    b.extend_from_slice(&[0x00, 0x00, 0x09]);
    b
}

fn connect_values() -> Vec<Amf0Value> {
    vec![
        Amf0Value::string("connect"),
        Amf0Value::Number(1.0),
        Amf0Value::object(vec![
            ("app", "live".into()),
            ("tcUrl", "rtmp://127.0.0.1/live".into()),
        ]),
    ]
}

fn all_types() -> Vec<Amf0Value> {
    vec![
        Amf0Value::Number(-12.5),
        Amf0Value::Boolean(true),
        Amf0Value::Boolean(false),
        Amf0Value::string("héllo"),
        Amf0Value::object(vec![("a", Amf0Value::Null), ("", 1.0.into())]),
        Amf0Value::Null,
        Amf0Value::Undefined,
        Amf0Value::Reference(0x1234),
        Amf0Value::ecma_array(vec![
            ("duration", 0.0.into()),
            ("nested", Amf0Value::object(vec![("x", true.into())])),
        ]),
        Amf0Value::StrictArray(vec![1.0.into(), "two".into(), Amf0Value::Undefined]),
        Amf0Value::Date {
            millis: 1_700_000_000_000.0,
            timezone: -60,
        },
        Amf0Value::LongString("long".into()),
    ]
}

#[test]
fn connect_command_exact_bytes() {
    let mut out = Vec::new();
    encode_all(&connect_values(), &mut out);
    assert_eq!(out, connect_bytes());
    assert_eq!(decode_all(&connect_bytes()).unwrap(), connect_values());
    let total: usize = connect_values().iter().map(Amf0Value::encoded_len).sum();
    assert_eq!(total, out.len());
}

#[test]
fn exact_bytes_per_type() {
    let cases: Vec<(Amf0Value, Vec<u8>)> = vec![
        (
            Amf0Value::Number(1.0),
            vec![0, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0],
        ),
        (Amf0Value::Boolean(true), vec![1, 1]),
        (Amf0Value::Boolean(false), vec![1, 0]),
        (Amf0Value::string("ab"), vec![2, 0, 2, b'a', b'b']),
        (Amf0Value::Object(vec![]), vec![3, 0, 0, 9]),
        (Amf0Value::Null, vec![5]),
        (Amf0Value::Undefined, vec![6]),
        (Amf0Value::Reference(2), vec![7, 0, 2]),
        (
            Amf0Value::ecma_array(vec![("k", Amf0Value::Null)]),
            vec![8, 0, 0, 0, 1, 0, 1, b'k', 5, 0, 0, 9],
        ),
        (
            Amf0Value::StrictArray(vec![Amf0Value::Null, Amf0Value::Boolean(true)]),
            vec![0x0A, 0, 0, 0, 2, 5, 1, 1],
        ),
        (
            Amf0Value::Date {
                millis: 0.0,
                timezone: 1,
            },
            vec![0x0B, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
        ),
        (
            Amf0Value::LongString("x".into()),
            vec![0x0C, 0, 0, 0, 1, b'x'],
        ),
        (
            Amf0Value::AvmPlus(Bytes::from_static(&[0x06, 0x05, b'a', b'b'])),
            vec![0x11, 0x06, 0x05, b'a', b'b'],
        ),
    ];
    for (value, bytes) in cases {
        assert_eq!(value.to_bytes(), bytes, "encode {value:?}");
        assert_eq!(value.encoded_len(), bytes.len(), "len {value:?}");
        let mut cur = &bytes[..];
        assert_eq!(decode(&mut cur).unwrap(), value, "decode {bytes:?}");
        assert!(cur.is_empty());
    }
}

#[test]
fn round_trip_all_types() {
    let values = all_types();
    let mut out = Vec::new();
    encode_all(&values, &mut out);
    assert_eq!(decode_all(&out).unwrap(), values);
    for v in &values {
        assert_eq!(v.encoded_len(), v.to_bytes().len());
    }
}

#[test]
fn decode_advances_slice() {
    let bytes = connect_bytes();
    let mut cur = &bytes[..];
    assert_eq!(decode(&mut cur).unwrap().as_str(), Some("connect"));
    assert_eq!(decode(&mut cur).unwrap().as_f64(), Some(1.0));
    let obj = decode(&mut cur).unwrap();
    assert_eq!(obj.get("app").and_then(Amf0Value::as_str), Some("live"));
    assert!(cur.is_empty());
}

#[test]
fn truncated_at_every_length_is_error() {
    // Each value alone (AvmPlus excluded: it takes whatever is left).
    for v in all_types().into_iter().chain(connect_values()) {
        let bytes = v.to_bytes();
        for n in 0..bytes.len() {
            let mut cur = &bytes[..n];
            let r = decode(&mut cur);
            assert!(r.is_err(), "{v:?} cut at {n} decoded as {r:?}");
            assert_eq!(cur.len(), n, "slice must not advance on error");
        }
    }
    // decode_all never panics on any prefix.
    let bytes = connect_bytes();
    for n in 0..=bytes.len() {
        let _ = decode_all(&bytes[..n]);
    }
}

#[test]
fn deep_nesting_is_error() {
    let mut deep = Vec::new();
    for _ in 0..10_000 {
        deep.extend_from_slice(&[3, 0, 1, b'a']);
    }
    assert!(matches!(
        decode_all(&deep),
        Err(KernelError::TooDeep { .. })
    ));
    let mut arrays = Vec::new();
    for _ in 0..10_000 {
        arrays.extend_from_slice(&[0x0A, 0, 0, 0, 1]);
    }
    assert!(matches!(
        decode_all(&arrays),
        Err(KernelError::TooDeep { .. })
    ));
    // At the limit it still works.
    let mut v = Amf0Value::Null;
    for _ in 0..MAX_DEPTH {
        v = Amf0Value::object(vec![("a", v)]);
    }
    assert_eq!(decode_all(&v.to_bytes()).unwrap(), vec![v]);
}

#[test]
fn ecma_array_count_mismatch_is_tolerated() {
    // Declares 5 properties, carries 1.
    let bytes = [8, 0, 0, 0, 5, 0, 1, b'k', 1, 1, 0, 0, 9];
    assert_eq!(
        decode_all(&bytes).unwrap(),
        vec![Amf0Value::ecma_array(vec![("k", true.into())])]
    );
    // Declares 0, carries 2.
    let bytes = [8, 0, 0, 0, 0, 0, 1, b'a', 5, 0, 1, b'b', 6, 0, 0, 9];
    assert_eq!(
        decode_all(&bytes).unwrap(),
        vec![Amf0Value::ecma_array(vec![
            ("a", Amf0Value::Null),
            ("b", Amf0Value::Undefined)
        ])]
    );
}

#[test]
fn huge_declared_counts_do_not_preallocate() {
    let bytes = [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 5];
    assert!(decode_all(&bytes).is_err());
    let bytes = [0x0C, 0xFF, 0xFF, 0xFF, 0xFF, b'a'];
    assert!(matches!(
        decode_all(&bytes),
        Err(KernelError::Truncated { .. })
    ));
}

#[test]
fn invalid_utf8_is_lossy() {
    let bytes = [2, 0, 3, b'a', 0xFF, b'b'];
    assert_eq!(
        decode_all(&bytes).unwrap(),
        vec![Amf0Value::string("a\u{FFFD}b")]
    );
}

#[test]
fn bad_markers_are_errors() {
    assert!(decode_all(&[0x09]).is_err());
    assert!(decode_all(&[0x04]).is_err());
    assert!(decode_all(&[0x0D]).is_err());
    assert!(decode_all(&[0xFF]).is_err());
}

#[test]
fn avmplus_takes_the_rest() {
    let bytes = [2, 0, 1, b'x', 0x11, 0x0A, 0x0B, 0x01];
    let v = decode_all(&bytes).unwrap();
    assert_eq!(
        v,
        vec![
            Amf0Value::string("x"),
            Amf0Value::AvmPlus(Bytes::from_static(&[0x0A, 0x0B, 0x01]))
        ]
    );
}

#[test]
fn long_string_value_encodes_as_long_string() {
    let s = "a".repeat(70_000);
    let v = Amf0Value::string(s.clone());
    let b = v.to_bytes();
    assert_eq!(b[0], marker::LONG_STRING);
    assert_eq!(b.len(), v.encoded_len());
    assert_eq!(decode_all(&b).unwrap(), vec![Amf0Value::LongString(s)]);
}

#[test]
fn value_count_is_capped() {
    // One byte per null on the wire: without a cap this decodes to ~32x its size.
    let nulls = vec![marker::NULL; MAX_VALUES + 1];
    assert!(matches!(
        decode_all(&nulls),
        Err(KernelError::TooMany { limit, .. }) if limit == MAX_VALUES
    ));
    assert_eq!(
        decode_all(&nulls[1..]).map(|v| v.len()).ok(),
        Some(MAX_VALUES)
    );
    // Nested values count too.
    let mut arr = vec![marker::STRICT_ARRAY];
    arr.extend_from_slice(&((MAX_VALUES) as u32).to_be_bytes());
    arr.extend(std::iter::repeat_n(marker::NULL, MAX_VALUES));
    assert!(decode_all(&arr).is_err());
}
