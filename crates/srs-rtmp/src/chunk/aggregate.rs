//! Aggregate messages (type 22): a sequence of FLV-like tags, split into their sub-messages.

use super::RawMessage;
use crate::RtmpError;

/// Size of a sub-message header (FLV tag header).
const TAG_HEADER_SIZE: usize = 11;
/// Size of the back pointer after each sub-message.
const BACK_POINTER_SIZE: usize = 4;

/// Most sub-messages one aggregate may carry. Encoders put a few hundred
/// milliseconds of media in one (tens of messages); a peer packing a million
/// empty tags into 16 MiB only wants to make us build a million events.
pub const MAX_AGGREGATE_MESSAGES: usize = 1024;

/// Splits an aggregate message into its sub-messages.
///
/// Each sub-message is an 11-byte tag header (type, 24-bit size, 24-bit timestamp + 8-bit
/// upper timestamp, 24-bit stream id) + data + a 4-byte back pointer (the back pointer of the
/// last one may be missing). Timestamps are re-based: the first sub-message gets the
/// aggregate's timestamp, the others keep their offset from the first (wrapping). Stream id
/// and chunk stream id come from the aggregate. Payloads are zero-copy slices.
pub fn split_aggregate(msg: &RawMessage) -> Result<Vec<RawMessage>, RtmpError> {
    let p = &msg.payload;
    let mut out = Vec::new();
    let mut pos = 0;
    let mut delta: Option<u32> = None;
    while pos < p.len() {
        let h = p.get(pos..pos + TAG_HEADER_SIZE).ok_or_else(|| {
            RtmpError::Protocol(format!(
                "aggregate: sub-message header at {pos} needs {TAG_HEADER_SIZE} bytes, found {}",
                p.len() - pos
            ))
        })?;
        let type_id = h[0];
        let size = ((h[1] as usize) << 16) | ((h[2] as usize) << 8) | h[3] as usize;
        let ts = ((h[7] as u32) << 24) | ((h[4] as u32) << 16) | ((h[5] as u32) << 8) | h[6] as u32;
        let data_start = pos + TAG_HEADER_SIZE;
        let data_end = data_start + size;
        if data_end > p.len() {
            return Err(RtmpError::Protocol(format!(
                "aggregate: sub-message at {pos} declares {size} bytes, found {}",
                p.len() - data_start
            )));
        }
        if out.len() == MAX_AGGREGATE_MESSAGES {
            return Err(RtmpError::Protocol(format!(
                "aggregate of {} bytes has more than {MAX_AGGREGATE_MESSAGES} sub-messages",
                p.len()
            )));
        }
        let d = *delta.get_or_insert(msg.timestamp.wrapping_sub(ts));
        out.push(RawMessage {
            csid: msg.csid,
            timestamp: ts.wrapping_add(d),
            type_id,
            stream_id: msg.stream_id,
            payload: p.slice(data_start..data_end),
        });
        let rest = p.len() - data_end;
        if rest != 0 && rest < BACK_POINTER_SIZE {
            return Err(RtmpError::Protocol(format!(
                "aggregate: back pointer at {data_end} needs {BACK_POINTER_SIZE} bytes, found {rest}"
            )));
        }
        pos = data_end + BACK_POINTER_SIZE.min(rest);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::{BufMut, Bytes, BytesMut};

    fn tag(b: &mut BytesMut, type_id: u8, ts: u32, data: &[u8], back_pointer: bool) {
        b.put_u8(type_id);
        b.put_uint(data.len() as u64, 3);
        b.put_uint((ts & 0xFF_FFFF) as u64, 3);
        b.put_u8((ts >> 24) as u8);
        b.put_uint(0, 3);
        b.extend_from_slice(data);
        if back_pointer {
            b.put_u32(11 + data.len() as u32);
        }
    }

    #[test]
    fn split_rebases_timestamps() {
        let mut b = BytesMut::new();
        tag(&mut b, 9, 0x0100_0010, &[0x17, 1, 2], true);
        tag(&mut b, 8, 0x0100_0030, &[0xAF, 1], true);
        tag(&mut b, 9, 0x0100_0050, &[], false);
        let agg = RawMessage {
            csid: 6,
            timestamp: 1000,
            type_id: 22,
            stream_id: 1,
            payload: b.freeze(),
        };
        let subs = split_aggregate(&agg).unwrap();
        assert_eq!(subs.len(), 3);
        assert_eq!(subs[0].timestamp, 1000);
        assert_eq!(subs[1].timestamp, 1032);
        assert_eq!(subs[2].timestamp, 1064);
        assert_eq!(subs[0].type_id, 9);
        assert_eq!(subs[1].type_id, 8);
        assert_eq!(&subs[0].payload[..], &[0x17, 1, 2]);
        assert_eq!(&subs[1].payload[..], &[0xAF, 1]);
        assert!(subs[2].payload.is_empty());
        assert!(subs.iter().all(|m| m.stream_id == 1 && m.csid == 6));
    }

    #[test]
    fn split_wraps_and_errors() {
        let mut b = BytesMut::new();
        tag(&mut b, 8, 10, &[1], true);
        tag(&mut b, 8, 30, &[2], true);
        let agg = RawMessage {
            csid: 7,
            timestamp: u32::MAX - 5,
            type_id: 22,
            stream_id: 1,
            payload: b.clone().freeze(),
        };
        let subs = split_aggregate(&agg).unwrap();
        assert_eq!(subs[0].timestamp, u32::MAX - 5);
        assert_eq!(subs[1].timestamp, 14);

        // every truncation is either a clean prefix or an error, never a panic
        let full = b.freeze();
        for n in 0..full.len() {
            let m = RawMessage {
                payload: full.slice(..n),
                ..agg.clone()
            };
            let r = split_aggregate(&m);
            match n {
                0 => assert!(r.unwrap().is_empty()),
                12 | 16 => assert_eq!(r.unwrap().len(), 1),
                28 => assert_eq!(r.unwrap().len(), 2),
                _ => assert!(r.is_err(), "n = {n}"),
            }
        }
        assert!(split_aggregate(&RawMessage {
            payload: Bytes::from_static(&[8, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 1]),
            ..agg
        })
        .is_err());
    }

    #[test]
    fn sub_message_count_is_capped() {
        let mut b = BytesMut::new();
        for i in 0..MAX_AGGREGATE_MESSAGES as u32 {
            tag(&mut b, 8, i, &[], true);
        }
        let mut agg = RawMessage {
            csid: 6,
            timestamp: 0,
            type_id: 22,
            stream_id: 1,
            payload: b.clone().freeze(),
        };
        assert_eq!(
            split_aggregate(&agg).map(|v| v.len()).ok(),
            Some(MAX_AGGREGATE_MESSAGES)
        );
        tag(&mut b, 8, 0, &[], true);
        agg.payload = b.freeze();
        assert!(split_aggregate(&agg).is_err());
    }
}
