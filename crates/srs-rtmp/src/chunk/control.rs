//! Message type ids and the protocol control messages (Set Chunk Size, Abort, Acknowledgement,
//! User Control, Window Acknowledgement Size, Set Peer Bandwidth).

use bytes::{BufMut, Bytes, BytesMut};

use crate::RtmpError;

/// Set Chunk Size.
pub const MSG_SET_CHUNK_SIZE: u8 = 1;
/// Abort Message.
pub const MSG_ABORT: u8 = 2;
/// Acknowledgement.
pub const MSG_ACK: u8 = 3;
/// User Control Message.
pub const MSG_USER_CONTROL: u8 = 4;
/// Window Acknowledgement Size.
pub const MSG_WINDOW_ACK_SIZE: u8 = 5;
/// Set Peer Bandwidth.
pub const MSG_SET_PEER_BANDWIDTH: u8 = 6;
/// Audio data.
pub const MSG_AUDIO: u8 = 8;
/// Video data.
pub const MSG_VIDEO: u8 = 9;
/// AMF3 data message.
pub const MSG_AMF3_DATA: u8 = 15;
/// AMF3 shared object.
pub const MSG_AMF3_SHARED_OBJECT: u8 = 16;
/// AMF3 command message.
pub const MSG_AMF3_COMMAND: u8 = 17;
/// AMF0 data message (metadata).
pub const MSG_AMF0_DATA: u8 = 18;
/// AMF0 shared object.
pub const MSG_AMF0_SHARED_OBJECT: u8 = 19;
/// AMF0 command message.
pub const MSG_AMF0_COMMAND: u8 = 20;
/// Aggregate message.
pub const MSG_AGGREGATE: u8 = 22;

/// Set Peer Bandwidth limit type: hard.
pub const PEER_BANDWIDTH_HARD: u8 = 0;
/// Set Peer Bandwidth limit type: soft.
pub const PEER_BANDWIDTH_SOFT: u8 = 1;
/// Set Peer Bandwidth limit type: dynamic.
pub const PEER_BANDWIDTH_DYNAMIC: u8 = 2;

/// User control event type: Stream Begin.
pub const UC_STREAM_BEGIN: u16 = 0;
/// User control event type: Stream EOF.
pub const UC_STREAM_EOF: u16 = 1;
/// User control event type: Stream Dry.
pub const UC_STREAM_DRY: u16 = 2;
/// User control event type: Set Buffer Length.
pub const UC_SET_BUFFER_LENGTH: u16 = 3;
/// User control event type: Stream Is Recorded.
pub const UC_STREAM_IS_RECORDED: u16 = 4;
/// User control event type: Ping Request.
pub const UC_PING_REQUEST: u16 = 6;
/// User control event type: Ping Response.
pub const UC_PING_RESPONSE: u16 = 7;

/// A User Control Message event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserControlEvent {
    /// A stream became functional (stream id).
    StreamBegin(u32),
    /// Playback of a stream ended (stream id).
    StreamEof(u32),
    /// No more data on a stream for now (stream id).
    StreamDry(u32),
    /// The client's buffer length for a stream.
    SetBufferLength {
        /// Stream id.
        stream_id: u32,
        /// Buffer length in milliseconds.
        millis: u32,
    },
    /// The stream is a recorded stream (stream id).
    StreamIsRecorded(u32),
    /// Ping request with the sender's timestamp.
    PingRequest(u32),
    /// Ping response echoing the request's timestamp.
    PingResponse(u32),
    /// Any other event, kept raw.
    Other {
        /// Event type.
        event_type: u16,
        /// Event data.
        data: Bytes,
    },
}

/// A protocol control message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlMessage {
    /// Set Chunk Size (type 1).
    SetChunkSize(u32),
    /// Abort Message (type 2): chunk stream id whose partial message to discard.
    Abort(u32),
    /// Acknowledgement (type 3): sequence number (bytes received so far).
    Acknowledgement(u32),
    /// Window Acknowledgement Size (type 5).
    WindowAckSize(u32),
    /// Set Peer Bandwidth (type 6).
    SetPeerBandwidth {
        /// Window size.
        size: u32,
        /// Limit type: 0 hard, 1 soft, 2 dynamic.
        limit_type: u8,
    },
    /// User Control Message (type 4).
    UserControl(UserControlEvent),
}

fn be32(payload: &[u8], at: usize, what: &str) -> Result<u32, RtmpError> {
    payload
        .get(at..at + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| {
            RtmpError::Protocol(format!(
                "{what}: expected at least {} bytes, found {}",
                at + 4,
                payload.len()
            ))
        })
}

impl ControlMessage {
    /// Whether `type_id` is a protocol control message type (1..=6).
    pub fn is_control(type_id: u8) -> bool {
        (MSG_SET_CHUNK_SIZE..=MSG_SET_PEER_BANDWIDTH).contains(&type_id)
    }

    /// Parses a protocol control message. `Ok(None)` if `type_id` is not one (1..=6);
    /// `Err` if the payload is too short. Extra trailing bytes are ignored.
    pub fn parse(type_id: u8, payload: &[u8]) -> Result<Option<ControlMessage>, RtmpError> {
        let m = match type_id {
            MSG_SET_CHUNK_SIZE => ControlMessage::SetChunkSize(be32(payload, 0, "SetChunkSize")?),
            MSG_ABORT => ControlMessage::Abort(be32(payload, 0, "Abort")?),
            MSG_ACK => ControlMessage::Acknowledgement(be32(payload, 0, "Acknowledgement")?),
            MSG_WINDOW_ACK_SIZE => {
                ControlMessage::WindowAckSize(be32(payload, 0, "WindowAckSize")?)
            }
            MSG_SET_PEER_BANDWIDTH => ControlMessage::SetPeerBandwidth {
                size: be32(payload, 0, "SetPeerBandwidth")?,
                // some peers omit the limit type; treat it as dynamic
                limit_type: payload.get(4).copied().unwrap_or(PEER_BANDWIDTH_DYNAMIC),
            },
            MSG_USER_CONTROL => ControlMessage::UserControl(parse_user_control(payload)?),
            _ => return Ok(None),
        };
        Ok(Some(m))
    }

    /// Encodes the message: its type id and payload.
    pub fn encode(&self) -> (u8, Bytes) {
        let mut b = BytesMut::with_capacity(10);
        let type_id = match self {
            ControlMessage::SetChunkSize(v) => {
                b.put_u32(*v);
                MSG_SET_CHUNK_SIZE
            }
            ControlMessage::Abort(v) => {
                b.put_u32(*v);
                MSG_ABORT
            }
            ControlMessage::Acknowledgement(v) => {
                b.put_u32(*v);
                MSG_ACK
            }
            ControlMessage::WindowAckSize(v) => {
                b.put_u32(*v);
                MSG_WINDOW_ACK_SIZE
            }
            ControlMessage::SetPeerBandwidth { size, limit_type } => {
                b.put_u32(*size);
                b.put_u8(*limit_type);
                MSG_SET_PEER_BANDWIDTH
            }
            ControlMessage::UserControl(ev) => {
                encode_user_control(ev, &mut b);
                MSG_USER_CONTROL
            }
        };
        (type_id, b.freeze())
    }
}

fn parse_user_control(payload: &[u8]) -> Result<UserControlEvent, RtmpError> {
    let t = payload.get(..2).ok_or_else(|| {
        RtmpError::Protocol(format!(
            "UserControl: expected at least 2 bytes, found {}",
            payload.len()
        ))
    })?;
    let event_type = u16::from_be_bytes([t[0], t[1]]);
    let ev = match event_type {
        UC_STREAM_BEGIN => UserControlEvent::StreamBegin(be32(payload, 2, "StreamBegin")?),
        UC_STREAM_EOF => UserControlEvent::StreamEof(be32(payload, 2, "StreamEOF")?),
        UC_STREAM_DRY => UserControlEvent::StreamDry(be32(payload, 2, "StreamDry")?),
        UC_SET_BUFFER_LENGTH => UserControlEvent::SetBufferLength {
            stream_id: be32(payload, 2, "SetBufferLength")?,
            millis: be32(payload, 6, "SetBufferLength")?,
        },
        UC_STREAM_IS_RECORDED => {
            UserControlEvent::StreamIsRecorded(be32(payload, 2, "StreamIsRecorded")?)
        }
        UC_PING_REQUEST => UserControlEvent::PingRequest(be32(payload, 2, "PingRequest")?),
        UC_PING_RESPONSE => UserControlEvent::PingResponse(be32(payload, 2, "PingResponse")?),
        _ => UserControlEvent::Other {
            event_type,
            data: Bytes::copy_from_slice(&payload[2..]),
        },
    };
    Ok(ev)
}

fn encode_user_control(ev: &UserControlEvent, b: &mut BytesMut) {
    match ev {
        UserControlEvent::StreamBegin(v) => {
            b.put_u16(UC_STREAM_BEGIN);
            b.put_u32(*v);
        }
        UserControlEvent::StreamEof(v) => {
            b.put_u16(UC_STREAM_EOF);
            b.put_u32(*v);
        }
        UserControlEvent::StreamDry(v) => {
            b.put_u16(UC_STREAM_DRY);
            b.put_u32(*v);
        }
        UserControlEvent::SetBufferLength { stream_id, millis } => {
            b.put_u16(UC_SET_BUFFER_LENGTH);
            b.put_u32(*stream_id);
            b.put_u32(*millis);
        }
        UserControlEvent::StreamIsRecorded(v) => {
            b.put_u16(UC_STREAM_IS_RECORDED);
            b.put_u32(*v);
        }
        UserControlEvent::PingRequest(v) => {
            b.put_u16(UC_PING_REQUEST);
            b.put_u32(*v);
        }
        UserControlEvent::PingResponse(v) => {
            b.put_u16(UC_PING_RESPONSE);
            b.put_u32(*v);
        }
        UserControlEvent::Other { event_type, data } => {
            b.put_u16(*event_type);
            b.extend_from_slice(data);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(m: ControlMessage, type_id: u8, bytes: &[u8]) {
        let (t, p) = m.encode();
        assert_eq!(t, type_id, "{m:?}");
        assert_eq!(&p[..], bytes, "{m:?}");
        assert_eq!(ControlMessage::parse(t, &p).unwrap(), Some(m));
    }

    #[test]
    fn control_round_trips() {
        round_trip(ControlMessage::SetChunkSize(60000), 1, &[0, 0, 0xEA, 0x60]);
        round_trip(ControlMessage::Abort(6), 2, &[0, 0, 0, 6]);
        round_trip(
            ControlMessage::Acknowledgement(0x01020304),
            3,
            &[1, 2, 3, 4],
        );
        round_trip(
            ControlMessage::WindowAckSize(2_500_000),
            5,
            &[0, 0x26, 0x25, 0xA0],
        );
        round_trip(
            ControlMessage::SetPeerBandwidth {
                size: 2_500_000,
                limit_type: PEER_BANDWIDTH_DYNAMIC,
            },
            6,
            &[0, 0x26, 0x25, 0xA0, 2],
        );
    }

    #[test]
    fn user_control_round_trips() {
        use UserControlEvent::*;
        let uc = |e| ControlMessage::UserControl(e);
        round_trip(uc(StreamBegin(1)), 4, &[0, 0, 0, 0, 0, 1]);
        round_trip(uc(StreamEof(1)), 4, &[0, 1, 0, 0, 0, 1]);
        round_trip(uc(StreamDry(2)), 4, &[0, 2, 0, 0, 0, 2]);
        round_trip(
            uc(SetBufferLength {
                stream_id: 1,
                millis: 3000,
            }),
            4,
            &[0, 3, 0, 0, 0, 1, 0, 0, 0x0B, 0xB8],
        );
        round_trip(uc(StreamIsRecorded(1)), 4, &[0, 4, 0, 0, 0, 1]);
        round_trip(
            uc(PingRequest(0xAABBCCDD)),
            4,
            &[0, 6, 0xAA, 0xBB, 0xCC, 0xDD],
        );
        round_trip(uc(PingResponse(7)), 4, &[0, 7, 0, 0, 0, 7]);
        round_trip(
            uc(Other {
                event_type: 0x1A,
                data: Bytes::from_static(&[0, 1]),
            }),
            4,
            &[0, 0x1A, 0, 1],
        );
    }

    #[test]
    fn parse_errors_and_non_control() {
        assert!(ControlMessage::parse(1, &[0, 0, 1]).is_err());
        assert!(ControlMessage::parse(4, &[0]).is_err());
        assert!(ControlMessage::parse(4, &[0, 3, 0, 0, 0, 1, 0]).is_err());
        assert!(ControlMessage::parse(4, &[0, 6, 1]).is_err());
        assert_eq!(ControlMessage::parse(MSG_VIDEO, &[1, 2, 3]).unwrap(), None);
        assert_eq!(ControlMessage::parse(MSG_AMF0_COMMAND, &[]).unwrap(), None);
        // peer bandwidth without limit type, trailing bytes
        assert_eq!(
            ControlMessage::parse(6, &[0, 0, 0, 9]).unwrap(),
            Some(ControlMessage::SetPeerBandwidth {
                size: 9,
                limit_type: PEER_BANDWIDTH_DYNAMIC
            })
        );
        assert_eq!(
            ControlMessage::parse(5, &[0, 0, 0, 9, 0xFF]).unwrap(),
            Some(ControlMessage::WindowAckSize(9))
        );
        assert!(ControlMessage::is_control(1));
        assert!(ControlMessage::is_control(6));
        assert!(!ControlMessage::is_control(8));
        assert!(!ControlMessage::is_control(0));
    }
}
