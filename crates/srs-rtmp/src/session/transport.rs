//! The chunk-stream plumbing both session roles share: input buffer,
//! chunk decoder and encoder, outbound queue, acknowledgements and the
//! protocol control messages that need no decision.

use bytes::{Bytes, BytesMut};

use crate::chunk::control::{self, ControlMessage, UserControlEvent};
use crate::chunk::{ChunkDecoder, ChunkEncoder, RawMessage};
use crate::error::RtmpError;
use crate::out_queue::OutQueue;
use crate::session::csid;

/// Smallest and largest chunk size a peer may announce (SRS's limits).
pub const PEER_CHUNK_SIZE_RANGE: std::ops::RangeInclusive<u32> = 128..=65536;

/// Chunk-level state of one connection.
pub(crate) struct Transport {
    pub input: BytesMut,
    pub decoder: ChunkDecoder,
    pub encoder: ChunkEncoder,
    pub out: OutQueue,
    peer_window: u32,
    in_bytes: u64,
    last_ack: u64,
}

impl Transport {
    pub fn new() -> Self {
        Transport {
            // Most connections (players) send little after connect: no
            // buffer until there is something to keep.
            input: BytesMut::new(),
            decoder: ChunkDecoder::new(),
            encoder: ChunkEncoder::new(),
            out: OutQueue::new(),
            peer_window: 0,
            in_bytes: 0,
            last_ack: 0,
        }
    }

    /// Counts bytes received (handshake included) for acknowledgements.
    pub fn count_in(&mut self, n: usize) {
        self.in_bytes += n as u64;
    }

    /// Total bytes received.
    pub fn bytes_in(&self) -> u64 {
        self.in_bytes
    }

    /// Queues one message for sending.
    pub fn send(
        &mut self,
        csid: u32,
        timestamp: u32,
        type_id: u8,
        stream_id: u32,
        payload: &Bytes,
    ) {
        self.encoder
            .encode(csid, timestamp, type_id, stream_id, payload, &mut self.out);
    }

    /// Queues a protocol control or user control message.
    pub fn send_control(&mut self, msg: ControlMessage) {
        let (type_id, payload) = msg.encode();
        self.send(csid::PROTOCOL_CONTROL, 0, type_id, 0, &payload);
    }

    /// Announces and switches to a new outbound chunk size.
    pub fn set_out_chunk_size(&mut self, size: u32) {
        self.send_control(ControlMessage::SetChunkSize(size));
        self.encoder.set_chunk_size(size);
    }

    /// Decodes the next message, handling the control messages that need no
    /// decision (chunk size, abort, window, acknowledgement, ping). Returns
    /// the other messages, user control events included.
    pub fn next_message(&mut self) -> Result<Option<RawMessage>, RtmpError> {
        loop {
            let msg = match self.decoder.decode(&mut self.input)? {
                Some(m) => m,
                None => {
                    self.maybe_ack();
                    return Ok(None);
                }
            };
            if !matches!(
                msg.type_id,
                control::MSG_SET_CHUNK_SIZE
                    | control::MSG_ABORT
                    | control::MSG_ACK
                    | control::MSG_WINDOW_ACK_SIZE
                    | control::MSG_SET_PEER_BANDWIDTH
                    | control::MSG_USER_CONTROL
            ) {
                self.maybe_ack();
                return Ok(Some(msg));
            }
            let Some(control) = ControlMessage::parse(msg.type_id, &msg.payload)? else {
                self.maybe_ack();
                return Ok(Some(msg));
            };
            match control {
                ControlMessage::SetChunkSize(size) => {
                    if !PEER_CHUNK_SIZE_RANGE.contains(&size) {
                        return Err(RtmpError::ChunkSizeInvalid(size));
                    }
                    self.decoder.set_chunk_size(size)?;
                }
                ControlMessage::Abort(cid) => self.decoder.abort(cid),
                ControlMessage::WindowAckSize(size) => self.peer_window = size,
                ControlMessage::Acknowledgement(_) | ControlMessage::SetPeerBandwidth { .. } => {}
                ControlMessage::UserControl(UserControlEvent::PingRequest(t)) => {
                    self.send_control(ControlMessage::UserControl(UserControlEvent::PingResponse(
                        t,
                    )));
                }
                ControlMessage::UserControl(_) => {
                    self.maybe_ack();
                    return Ok(Some(msg));
                }
            }
        }
    }

    fn maybe_ack(&mut self) {
        if self.peer_window > 0 && self.in_bytes - self.last_ack >= self.peer_window as u64 {
            self.last_ack = self.in_bytes;
            // The sequence number is the byte count modulo 2^32, as the spec says.
            self.send_control(ControlMessage::Acknowledgement(self.in_bytes as u32));
        }
    }
}
