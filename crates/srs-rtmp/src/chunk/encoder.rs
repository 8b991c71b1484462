//! Chunk stream encoder: splits messages into chunks, headers into the queue's scratch
//! buffer, payloads as zero-copy slices.

use std::collections::HashMap;

use bytes::{BufMut, Bytes};

use super::header::{BasicHeader, MessageHeader, EXTENDED_TIMESTAMP, MAX_CSID, MIN_CSID};
use super::shared::SharedChunks;
use super::DEFAULT_CHUNK_SIZE;
use crate::out_queue::OutQueue;

/// Largest message the 24-bit length field can describe.
pub const MAX_MESSAGE_LENGTH: usize = 0x00FF_FFFF;

/// Header of the last message sent on one chunk stream.
#[derive(Debug, Clone, Copy)]
struct LastHeader {
    timestamp: u32,
    length: u32,
    type_id: u8,
    stream_id: u32,
}

/// Encodes messages into chunks.
///
/// Header choice per chunk stream: fmt 0 for the first message, a stream id change or a
/// timestamp going backwards; fmt 1 when the length or type changes; else fmt 2. Continuation
/// chunks are fmt 3 and repeat the extended timestamp when there is one (Adobe behaviour).
#[derive(Debug)]
pub struct ChunkEncoder {
    chunk_size: u32,
    streams: HashMap<u32, LastHeader>,
}

impl Default for ChunkEncoder {
    fn default() -> Self {
        Self::new()
    }
}

impl ChunkEncoder {
    /// An encoder with the out chunk size 128.
    pub fn new() -> Self {
        Self {
            chunk_size: DEFAULT_CHUNK_SIZE,
            streams: HashMap::new(),
        }
    }

    /// Sets the out chunk size (call after queueing the Set Chunk Size message). Clamped to
    /// 1..=0x7FFFFFFF.
    pub fn set_chunk_size(&mut self, size: u32) {
        self.chunk_size = size.clamp(1, 0x7FFF_FFFF);
    }

    /// The current out chunk size.
    pub fn chunk_size(&self) -> u32 {
        self.chunk_size
    }

    /// Forgets the header state of every chunk stream, so each next message starts with fmt 0.
    pub fn reset(&mut self) {
        self.streams.clear();
    }

    /// Appends one message: header bytes are written into the queue's scratch buffer and pushed
    /// as `Bytes`; payload slices are pushed as `payload.slice(..)` (zero copy).
    ///
    /// `csid` is clamped to 2..=65599. A payload longer than 0xFFFFFF bytes cannot be described
    /// by the length field: it is dropped with an error log.
    pub fn encode(
        &mut self,
        csid: u32,
        timestamp: u32,
        type_id: u8,
        stream_id: u32,
        payload: &Bytes,
        out: &mut OutQueue,
    ) {
        if payload.len() > MAX_MESSAGE_LENGTH {
            log::error!(
                "dropping message of {} bytes (type {type_id}): longer than {MAX_MESSAGE_LENGTH}",
                payload.len()
            );
            return;
        }
        let csid = csid.clamp(MIN_CSID, MAX_CSID);
        let length = payload.len() as u32;
        let (fmt, field) = match self.streams.get(&csid) {
            Some(last) if last.stream_id == stream_id => {
                let delta = timestamp.wrapping_sub(last.timestamp);
                if delta >= 0x8000_0000 {
                    (0, timestamp)
                } else if last.length != length || last.type_id != type_id {
                    (1, delta)
                } else {
                    (2, delta)
                }
            }
            _ => (0, timestamp),
        };
        self.streams.insert(
            csid,
            LastHeader {
                timestamp,
                length,
                type_id,
                stream_id,
            },
        );

        let scratch = out.header_scratch();
        BasicHeader { fmt, csid }.write(scratch);
        MessageHeader {
            timestamp: field,
            length,
            type_id,
            stream_id,
            extended: field >= EXTENDED_TIMESTAMP,
        }
        .write(fmt, scratch);
        let header = scratch.split().freeze();
        out.push(header);

        let chunk_size = self.chunk_size as usize;
        let mut offset = 0;
        while offset < payload.len() {
            if offset > 0 {
                let scratch = out.header_scratch();
                BasicHeader { fmt: 3, csid }.write(scratch);
                if field >= EXTENDED_TIMESTAMP {
                    scratch.put_u32(field);
                }
                let header = scratch.split().freeze();
                out.push(header);
            }
            let end = payload.len().min(offset + chunk_size);
            out.push(payload.slice(offset..end));
            offset = end;
        }
    }

    /// Appends a message of `timestamp` from its shared form: when this
    /// connection's previous message on the chunk stream is `shared.delta()`
    /// ms before (same message stream, same chunk size), the shared pieces
    /// are queued as they are (no byte written for this connection);
    /// otherwise the message is encoded for this connection alone.
    /// Returns whether the shared pieces were used.
    pub fn encode_shared(
        &mut self,
        shared: &SharedChunks,
        timestamp: u32,
        stream_id: u32,
        out: &mut OutQueue,
    ) -> bool {
        let csid = shared.csid();
        let length = shared.payload().len() as u32;
        let fits = self.chunk_size == shared.chunk_size() && shared.delta() < 0x8000_0000;
        match self.streams.get_mut(&csid) {
            Some(last)
                if fits
                    && last.stream_id == stream_id
                    && timestamp.wrapping_sub(last.timestamp) == shared.delta() =>
            {
                *last = LastHeader {
                    timestamp,
                    length,
                    type_id: shared.type_id(),
                    stream_id,
                };
                shared.for_each_piece(|piece| out.push(piece));
                true
            }
            _ => {
                self.encode(
                    csid,
                    timestamp,
                    shared.type_id(),
                    stream_id,
                    shared.payload(),
                    out,
                );
                false
            }
        }
    }
}
