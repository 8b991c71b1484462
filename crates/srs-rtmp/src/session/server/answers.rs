//! The driver's answers to a pending connect, publish or play (accept or
//! refuse, decided later, e.g. after a hook) and what it sends to a player.

use bytes::Bytes;
use srs_kernel::{Amf0Value, MediaKind};

use super::{ServerSession, ServerState};
use crate::chunk::control::{self, ControlMessage, UserControlEvent};
use crate::chunk::SharedChunks;
use crate::command::{self, ServerInfo};
use crate::error::RtmpError;
use crate::session::refusal::Refusal;
use crate::session::{csid, DEFAULT_WINDOW_ACK_SIZE, STREAM_ID};

impl ServerSession {
    pub(super) fn expect_state(&self, expected: ServerState, call: &str) -> Result<(), RtmpError> {
        if self.state == expected {
            Ok(())
        } else {
            Err(RtmpError::Protocol(format!(
                "{call} in state {:?}, expected {expected:?}",
                self.state
            )))
        }
    }

    /// Accepts the pending connect: window, peer bandwidth, chunk size, `_result`, `onBWDone`.
    pub fn accept_connect(
        &mut self,
        out_chunk_size: u32,
        server: &ServerInfo,
    ) -> Result<(), RtmpError> {
        self.expect_state(ServerState::ConnectPending, "accept_connect")?;
        self.transport
            .send_control(ControlMessage::WindowAckSize(DEFAULT_WINDOW_ACK_SIZE));
        self.transport
            .send_control(ControlMessage::SetPeerBandwidth {
                size: DEFAULT_WINDOW_ACK_SIZE,
                limit_type: 2,
            });
        self.transport.set_out_chunk_size(out_chunk_size);
        let answer = command::connect_result(self.connect_tid, self.object_encoding, server);
        self.send_command(csid::CONNECTION, 0, answer);
        self.send_command(csid::CONNECTION, 0, command::on_bw_done());
        self.state = ServerState::Connected;
        self.process()
    }

    /// Refuses the pending connect with `_error`; the caller closes the
    /// connection once the queue is flushed.
    pub fn reject_connect(&mut self, description: &str) -> Result<(), RtmpError> {
        self.expect_state(ServerState::ConnectPending, "reject_connect")?;
        let answer = command::connect_rejected(self.connect_tid, description);
        self.send_command(csid::CONNECTION, 0, answer);
        self.state = ServerState::Closed;
        Ok(())
    }

    /// Accepts the pending publish: `onFCPublish` and `onStatus(NetStream.Publish.Start)`.
    pub fn accept_publish(&mut self, stream: &str) -> Result<(), RtmpError> {
        self.expect_state(ServerState::PublishPending, "accept_publish")?;
        let desc = format!("Started publishing stream {stream}.");
        self.send_command(
            csid::STREAM,
            STREAM_ID,
            command::on_fc("onFCPublish", "NetStream.Publish.Start", &desc),
        );
        self.send_status(
            "status",
            "NetStream.Publish.Start",
            &desc,
            vec![("clientid", Amf0Value::String("ASAICiss".into()))],
        );
        self.state = ServerState::Publishing;
        self.process()
    }

    /// Refuses the pending publish with an error onStatus (`code`, e.g.
    /// `NetStream.Publish.BadName`); the caller closes the connection after the flush.
    pub fn reject_publish(&mut self, why: Refusal, description: &str) -> Result<(), RtmpError> {
        self.reject_stream(
            ServerState::PublishPending,
            "reject_publish",
            why.publish_code(),
            description,
        )
    }

    /// Accepts the pending play: StreamBegin, Play.Reset, Play.Start,
    /// `|RtmpSampleAccess`. Media follows with [`send_media`](Self::send_media).
    pub fn accept_play(&mut self, stream: &str) -> Result<(), RtmpError> {
        self.expect_state(ServerState::PlayPending, "accept_play")?;
        self.transport
            .send_control(ControlMessage::UserControl(UserControlEvent::StreamBegin(
                STREAM_ID,
            )));
        let reset = format!("Playing and resetting stream {stream}.");
        let start = format!("Started playing stream {stream}.");
        for (code, desc) in [
            ("NetStream.Play.Reset", reset),
            ("NetStream.Play.Start", start),
        ] {
            self.send_status(
                "status",
                code,
                &desc,
                vec![("details", Amf0Value::String(stream.to_string()))],
            );
        }
        // SRS also sends onStatus(NetStream.Data.Start) as a data message here;
        // ffmpeg turns it into a bogus data stream, and Flash needs only this one.
        let access = command::sample_access();
        self.transport
            .send(csid::STREAM, 0, control::MSG_AMF0_DATA, STREAM_ID, &access);
        self.state = ServerState::Playing;
        self.process()
    }

    /// Refuses the pending play with an error onStatus; the caller closes after the flush.
    pub fn reject_play(&mut self, why: Refusal, description: &str) -> Result<(), RtmpError> {
        self.reject_stream(
            ServerState::PlayPending,
            "reject_play",
            why.play_code(),
            description,
        )
    }

    /// Queues one media message for a player with the timestamp given (the
    /// caller's jitter-corrected one). Only chunk headers are written; the
    /// payload is shared.
    pub fn send_media(&mut self, kind: MediaKind, timestamp: u32, payload: &Bytes) {
        let (cid, type_id) = media_stream(kind);
        self.transport
            .send(cid, timestamp, type_id, STREAM_ID, payload);
    }

    /// Queues a media message from its shared form (see
    /// [`shared_media`]) with this player's `timestamp`: the shared pieces
    /// when this player is in step with the stream, else its own encoding.
    /// Returns whether the shared pieces were used.
    pub fn send_shared_media(&mut self, shared: &SharedChunks, timestamp: u32) -> bool {
        self.transport
            .encoder
            .encode_shared(shared, timestamp, STREAM_ID, &mut self.transport.out)
    }

    /// Sends a command on the connection's NetStream (bandwidth test, custom calls).
    pub fn send_stream_command(&mut self, payload: Bytes) {
        self.send_command(csid::STREAM, STREAM_ID, payload);
    }

    /// Sends a command on the NetConnection (message stream 0, chunk stream 5),
    /// as SRS sends its bandwidth-test packets.
    pub fn send_connection_command(&mut self, payload: Bytes) {
        self.send_command(csid::STREAM, 0, payload);
    }

    /// Sends a user control StreamEOF, e.g. when a played stream's publisher left.
    pub fn send_stream_eof(&mut self) {
        self.transport
            .send_control(ControlMessage::UserControl(UserControlEvent::StreamEof(
                STREAM_ID,
            )));
    }
}

/// The chunk stream and message type a player gets media of `kind` on.
fn media_stream(kind: MediaKind) -> (u32, u8) {
    match kind {
        MediaKind::Audio => (csid::AUDIO, control::MSG_AUDIO),
        MediaKind::Video => (csid::VIDEO, control::MSG_VIDEO),
        MediaKind::Script => (csid::STREAM, control::MSG_AMF0_DATA),
    }
}

/// Builds the shared chunked form of a media message for every player of a
/// stream ([`ServerSession::send_shared_media`]): `delta` is the time since
/// the stream's previous message of the same `kind`, `chunk_size` the
/// players' out chunk size, `scratch` a buffer the caller keeps for header
/// bytes. `None` when the payload is too long for RTMP.
pub fn shared_media(
    kind: MediaKind,
    delta: u32,
    payload: &Bytes,
    chunk_size: u32,
    scratch: &mut bytes::BytesMut,
) -> Option<SharedChunks> {
    let (cid, type_id) = media_stream(kind);
    SharedChunks::new(cid, type_id, delta, payload.clone(), chunk_size, scratch)
}
