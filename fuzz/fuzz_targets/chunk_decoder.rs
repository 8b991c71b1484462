//! The chunk decoder alone: the same messages whatever the split of the input, and the
//! messages it decodes survive a re-encode with the chunk encoder.
//!
//! Input: one control byte (initial chunk size, split seed), then the chunk stream.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use srs_fuzz::split;
use srs_rtmp::chunk::control::ControlMessage;
use srs_rtmp::chunk::{ChunkDecoder, ChunkEncoder, RawMessage};
use srs_rtmp::out_queue::OutQueue;

const CHUNK_SIZES: [u32; 8] = [128, 1, 2, 7, 60, 4096, 65536, 0x00FF_FFFF];

/// Decodes `pieces` as a connection would: Set Chunk Size and Abort are applied.
/// Returns the messages and whether decoding stopped on an error.
fn decode(chunk_size: u32, pieces: &[&[u8]]) -> (Vec<RawMessage>, bool) {
    let mut dec = ChunkDecoder::new();
    dec.set_chunk_size(chunk_size).expect("valid size");
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    for p in pieces {
        buf.extend_from_slice(p);
        loop {
            let before = buf.len();
            match dec.decode(&mut buf) {
                Ok(Some(m)) => {
                    match ControlMessage::parse(m.type_id, &m.payload) {
                        Ok(Some(ControlMessage::SetChunkSize(n))) => {
                            if dec.set_chunk_size(n).is_err() {
                                out.push(m);
                                return (out, true);
                            }
                            assert_eq!(dec.chunk_size(), n);
                        }
                        Ok(Some(ControlMessage::Abort(cid))) => dec.abort(cid),
                        _ => {}
                    }
                    out.push(m);
                }
                Ok(None) => {
                    assert!(buf.len() <= before);
                    break;
                }
                Err(_) => return (out, true),
            }
        }
    }
    (out, false)
}

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, input)) = data.split_first() else {
        return;
    };
    let chunk_size = CHUNK_SIZES[usize::from(ctl & 7)];
    let (whole, whole_err) = decode(chunk_size, &[input]);
    let pieces = split(input, u64::from(ctl >> 3));
    let (parts, parts_err) = decode(chunk_size, &pieces);
    assert_eq!(whole, parts, "messages depend on the split");
    assert_eq!(whole_err, parts_err, "error depends on the split");

    for m in &whole {
        assert!((2..=65599).contains(&m.csid), "csid {}", m.csid);
    }

    // Re-encode what was decoded (control messages as plain messages) and decode it again
    // without interpreting anything: the same messages must come out.
    let out_size = CHUNK_SIZES[usize::from((ctl >> 3) & 7)];
    let mut enc = ChunkEncoder::new();
    enc.set_chunk_size(out_size);
    let mut q = OutQueue::new();
    for m in &whole {
        enc.encode(
            m.csid,
            m.timestamp,
            m.type_id,
            m.stream_id,
            &m.payload,
            &mut q,
        );
    }
    let bytes = srs_fuzz::drain(&mut q);
    let mut dec = ChunkDecoder::new();
    dec.set_chunk_size(out_size).expect("valid size");
    dec.set_max_chunk_streams(usize::MAX);
    let mut buf = BytesMut::from(&bytes[..]);
    let mut again = Vec::new();
    loop {
        match dec.decode(&mut buf) {
            Ok(Some(m)) => again.push(m),
            Ok(None) => break,
            Err(e) => panic!("re-encoded stream does not decode: {e}"),
        }
    }
    assert!(buf.is_empty(), "{} bytes left over", buf.len());
    assert_eq!(again, whole, "re-encode round trip");
});
