//! The server end of an RTMP connection.
//!
//! ```text
//! Handshaking -> WaitConnect -> ConnectPending -> Connected <-> {PublishPending -> Publishing,
//!                                                              PlayPending -> Playing}
//! ```
//! Decisions (connect, publish, play) are events; the caller answers them
//! with `accept_*` / `reject_*` whenever it knows (an HTTP hook may take a
//! second). While a decision is pending, no further input is decoded.

mod answers;

pub use answers::shared_media;

use std::collections::VecDeque;

use bytes::Bytes;
use srs_core::FastRng;
use srs_kernel::{Amf0Value, MediaKind, MediaMessage};

use crate::chunk::control::{self, ControlMessage, UserControlEvent};
use crate::chunk::split_aggregate;
use crate::chunk::RawMessage;
use crate::command::{self, Command, ConnectCommand};
use crate::error::RtmpError;
use crate::handshake::{HandshakeKind, ServerHandshake};
use crate::out_queue::OutQueue;
use crate::session::transport::Transport;
use crate::session::{csid, MAX_EVENTS_PER_PASS, MAX_PENDING_INPUT, STREAM_ID};

/// Where the server session is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerState {
    /// Exchanging C0C1/S0S1S2/C2.
    Handshaking,
    /// Waiting for the connect command.
    WaitConnect,
    /// A connect was received; the application decides.
    ConnectPending,
    /// Connected, no stream published or played.
    Connected,
    /// A publish was received; the application decides.
    PublishPending,
    /// The client publishes; media arrives as events.
    Publishing,
    /// A play was received; the application decides.
    PlayPending,
    /// The client plays; the application sends media.
    Playing,
    /// A fatal error or a rejection: nothing more is decoded.
    Closed,
}

/// What the client asked for or sent.
#[derive(Debug, Clone)]
pub enum ServerEvent {
    /// The client sent connect: answer with [`ServerSession::accept_connect`] or [`ServerSession::reject_connect`].
    ConnectRequested(ConnectCommand),
    /// The client wants to publish `stream` (name with query): answer with `accept_publish` / `reject_publish`.
    PublishRequested {
        /// Stream name with its query string.
        stream: String,
    },
    /// The client wants to play `stream`: answer with `accept_play` / `reject_play`.
    PlayRequested {
        /// Stream name with its query string.
        stream: String,
        /// Start position requested (seconds).
        start: f64,
        /// Duration requested, as sent: librtmp (rtmpdump `--stop`) and SRS use
        /// milliseconds; -1 or absent means until the end.
        duration: f64,
    },
    /// The publisher stopped publishing (FCUnpublish, closeStream or deleteStream); the connection stays.
    Unpublished,
    /// The player stopped playing (closeStream or deleteStream); the connection stays.
    PlayStopped,
    /// The player paused (true) or resumed (false).
    Paused(bool),
    /// Audio, video or metadata (`onMetaData`, unwrapped from `@setDataFrame`) from the publisher.
    Media(MediaMessage),
    /// A command the session does not handle itself (e.g. bandwidth-check answers).
    Call {
        /// Command name.
        name: String,
        /// Transaction id.
        transaction_id: f64,
        /// Arguments after the command object.
        args: Vec<Amf0Value>,
    },
}

/// The server end of one RTMP connection. See the module docs for the call order.
pub struct ServerSession {
    state: ServerState,
    /// Dropped once done: its buffers are not needed for the connection's life.
    handshake: Option<Box<ServerHandshake>>,
    handshake_kind: Option<HandshakeKind>,
    transport: Transport,
    events: VecDeque<ServerEvent>,
    rng: FastRng,
    epoch: u32,
    connect_tid: f64,
    object_encoding: f64,
    pending_tid: f64,
    /// A pass stopped at [`MAX_EVENTS_PER_PASS`] with input left.
    backlog: bool,
}

impl ServerSession {
    /// A session for a freshly accepted connection. `rng` fills handshake
    /// random bytes; `epoch` is the time field of S1.
    pub fn new(rng: FastRng, epoch: u32) -> Self {
        ServerSession {
            state: ServerState::Handshaking,
            handshake: Some(Box::new(ServerHandshake::new())),
            handshake_kind: None,
            transport: Transport::new(),
            events: VecDeque::new(),
            rng,
            epoch,
            connect_tid: 1.0,
            object_encoding: 0.0,
            pending_tid: 0.0,
            backlog: false,
        }
    }

    /// The current state.
    pub fn state(&self) -> ServerState {
        self.state
    }

    /// Simple or complex handshake, once known.
    pub fn handshake_kind(&self) -> Option<HandshakeKind> {
        self.handshake_kind
    }

    /// Total bytes received.
    pub fn bytes_in(&self) -> u64 {
        self.transport.bytes_in()
    }

    /// Number of bytes waiting to be written.
    pub fn out_queue_len(&self) -> usize {
        self.transport.out.len()
    }

    /// Bytes waiting to be written, as a `bytes::Buf` for `writev`.
    pub fn out_queue(&mut self) -> &mut OutQueue {
        &mut self.transport.out
    }

    /// Whether input is left unprocessed because a pass queued
    /// [`MAX_EVENTS_PER_PASS`] events. The driver should drain the events,
    /// stop reading this peer, and call [`Self::process_backlog`] on a later
    /// turn of its loop.
    pub fn has_backlog(&self) -> bool {
        self.backlog
    }

    /// Processes input left by a pass that hit the event limit.
    pub fn process_backlog(&mut self) -> Result<(), RtmpError> {
        if !self.backlog || self.state == ServerState::Closed {
            return Ok(());
        }
        self.backlog = false;
        self.process()
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<ServerEvent> {
        self.events.pop_front()
    }

    /// Feeds bytes read from the socket. An error means the connection must be closed.
    pub fn feed(&mut self, data: &[u8]) -> Result<(), RtmpError> {
        if self.state == ServerState::Closed {
            return Ok(());
        }
        self.transport.count_in(data.len());
        if self.state == ServerState::Handshaking {
            let Some(handshake) = self.handshake.as_mut() else {
                return Err(RtmpError::Handshake("no handshake state".into()));
            };
            let rng = &mut self.rng;
            let used = handshake.feed(data, self.epoch, &mut |buf: &mut [u8]| rng.fill(buf))?;
            if let Some(out) = handshake.take_output() {
                self.transport.out.push(out);
            }
            if !handshake.is_done() {
                return Ok(());
            }
            self.handshake_kind = handshake.kind();
            self.handshake = None;
            self.state = ServerState::WaitConnect;
            self.transport.input.extend_from_slice(&data[used..]);
        } else {
            self.transport.input.extend_from_slice(data);
        }
        self.process()
    }

    fn is_pending(&self) -> bool {
        matches!(
            self.state,
            ServerState::ConnectPending | ServerState::PublishPending | ServerState::PlayPending
        )
    }

    fn process(&mut self) -> Result<(), RtmpError> {
        let result = self.process_inner();
        if result.is_err() {
            self.state = ServerState::Closed;
        }
        result
    }

    fn process_inner(&mut self) -> Result<(), RtmpError> {
        while !self.is_pending() && self.state != ServerState::Closed {
            if self.events.len() >= MAX_EVENTS_PER_PASS {
                self.backlog = true;
                return Ok(());
            }
            let Some(msg) = self.transport.next_message()? else {
                return Ok(());
            };
            self.on_message(msg)?;
        }
        if self.is_pending() && self.transport.input.len() > MAX_PENDING_INPUT {
            return Err(RtmpError::Protocol(format!(
                "peer sent {} bytes while a decision was pending",
                self.transport.input.len()
            )));
        }
        Ok(())
    }

    fn on_message(&mut self, msg: RawMessage) -> Result<(), RtmpError> {
        match msg.type_id {
            control::MSG_AMF0_COMMAND => self.on_command(Command::parse(&msg.payload)?),
            control::MSG_AMF3_COMMAND => {
                // AMF3 commands carry a format byte, then AMF0 values.
                let body = msg.payload.get(1..).unwrap_or_default();
                self.on_command(Command::parse(body)?)
            }
            control::MSG_AUDIO | control::MSG_VIDEO => {
                self.on_media(msg.type_id, msg.timestamp, msg.payload);
                Ok(())
            }
            control::MSG_AMF0_DATA | control::MSG_AMF3_DATA => {
                let body = if msg.type_id == control::MSG_AMF3_DATA {
                    msg.payload.slice(msg.payload.len().min(1)..)
                } else {
                    msg.payload.clone()
                };
                if self.state == ServerState::Publishing {
                    if let Some(meta) = command::normalize_metadata(&body) {
                        self.events.push_back(ServerEvent::Media(MediaMessage::new(
                            MediaKind::Script,
                            msg.timestamp,
                            meta,
                        )));
                    }
                }
                Ok(())
            }
            control::MSG_AGGREGATE => {
                for sub in split_aggregate(&msg)? {
                    if matches!(sub.type_id, control::MSG_AUDIO | control::MSG_VIDEO) {
                        self.on_media(sub.type_id, sub.timestamp, sub.payload);
                    }
                }
                Ok(())
            }
            // User control events from a client (SetBufferLength...) need no answer.
            _ => Ok(()),
        }
    }

    fn on_media(&mut self, type_id: u8, timestamp: u32, payload: Bytes) {
        if self.state != ServerState::Publishing {
            return;
        }
        let kind = if type_id == control::MSG_AUDIO {
            MediaKind::Audio
        } else {
            MediaKind::Video
        };
        self.events.push_back(ServerEvent::Media(MediaMessage::new(
            kind, timestamp, payload,
        )));
    }

    fn send_command(&mut self, csid: u32, stream_id: u32, payload: Bytes) {
        self.transport
            .send(csid, 0, control::MSG_AMF0_COMMAND, stream_id, &payload);
    }

    /// Sends `onStatus({level, code, description, ...extra})` on the NetStream.
    fn send_status(
        &mut self,
        level: &str,
        code: &str,
        description: &str,
        extra: Vec<(&str, Amf0Value)>,
    ) {
        let payload = command::on_status(command::status_info(level, code, description, extra));
        self.send_command(csid::STREAM, STREAM_ID, payload);
    }

    /// Refuses the pending publish or play with an error onStatus; nothing
    /// more is decoded and the caller closes the connection after the flush.
    fn reject_stream(
        &mut self,
        pending: ServerState,
        call: &str,
        code: &str,
        description: &str,
    ) -> Result<(), RtmpError> {
        self.expect_state(pending, call)?;
        self.send_status("error", code, description, vec![]);
        self.state = ServerState::Closed;
        Ok(())
    }

    fn on_command(&mut self, cmd: Command) -> Result<(), RtmpError> {
        if self.state == ServerState::WaitConnect {
            return match cmd {
                Command::Connect(c) => {
                    self.connect_tid = c.transaction_id;
                    self.object_encoding = c.object_encoding;
                    self.state = ServerState::ConnectPending;
                    self.events.push_back(ServerEvent::ConnectRequested(c));
                    Ok(())
                }
                other => Err(RtmpError::Protocol(format!(
                    "expected connect as the first command, got {other:?}"
                ))),
            };
        }
        match cmd {
            Command::Connect(_) => Err(RtmpError::Protocol("connect sent twice".into())),
            Command::ReleaseStream { transaction_id, .. }
            | Command::FcPublish { transaction_id, .. } => {
                self.send_command(
                    csid::CONNECTION,
                    0,
                    command::result(transaction_id, Amf0Value::Undefined),
                );
                Ok(())
            }
            Command::CreateStream { transaction_id } => {
                self.send_command(
                    csid::CONNECTION,
                    0,
                    command::result(transaction_id, Amf0Value::Number(STREAM_ID as f64)),
                );
                Ok(())
            }
            Command::Publish {
                transaction_id,
                stream,
                ..
            } => {
                self.expect_idle("publish")?;
                self.pending_tid = transaction_id;
                self.state = ServerState::PublishPending;
                self.events
                    .push_back(ServerEvent::PublishRequested { stream });
                Ok(())
            }
            Command::Play {
                transaction_id,
                stream,
                start,
                duration,
            } => {
                self.expect_idle("play")?;
                self.pending_tid = transaction_id;
                self.state = ServerState::PlayPending;
                self.events.push_back(ServerEvent::PlayRequested {
                    stream,
                    start,
                    duration,
                });
                Ok(())
            }
            Command::FcUnpublish { transaction_id, .. } => {
                if self.state == ServerState::Publishing {
                    self.state = ServerState::Connected;
                    self.events.push_back(ServerEvent::Unpublished);
                    self.send_command(
                        csid::STREAM,
                        STREAM_ID,
                        command::on_fc(
                            "onFCUnpublish",
                            "NetStream.Unpublish.Success",
                            "Stop publishing",
                        ),
                    );
                    self.send_command(
                        csid::STREAM,
                        STREAM_ID,
                        command::result(transaction_id, Amf0Value::Undefined),
                    );
                    self.send_status(
                        "status",
                        "NetStream.Unpublish.Success",
                        "Stream is now unpublished",
                        vec![],
                    );
                }
                Ok(())
            }
            Command::DeleteStream { .. } | Command::CloseStream { .. } => {
                self.stop_stream();
                Ok(())
            }
            Command::Pause { pause, .. } => {
                if self.state == ServerState::Playing {
                    self.send_pause_answer(pause);
                    self.events.push_back(ServerEvent::Paused(pause));
                }
                Ok(())
            }
            Command::Response { .. } | Command::OnStatus { .. } => Ok(()),
            // ffmpeg 6+ asks before playing and warns unless the answer is
            // `_result(tid, null, <number>)`; a live stream has no length: 0.
            Command::Other {
                name,
                transaction_id,
                ..
            } if name == "getStreamLength" => {
                self.send_command(
                    csid::CONNECTION,
                    0,
                    command::result(transaction_id, Amf0Value::Number(0.0)),
                );
                Ok(())
            }
            Command::Other {
                name,
                transaction_id,
                args,
            } => {
                self.events.push_back(ServerEvent::Call {
                    name,
                    transaction_id,
                    args,
                });
                Ok(())
            }
        }
    }

    /// Answers an unknown call with `_result(tid, null, null)`, as SRS does.
    pub fn answer_unknown_call(&mut self, transaction_id: f64) {
        if transaction_id > 0.0 {
            self.send_command(
                csid::CONNECTION,
                0,
                command::result(transaction_id, Amf0Value::Null),
            );
        }
    }

    fn expect_idle(&self, what: &str) -> Result<(), RtmpError> {
        if self.state == ServerState::Connected {
            Ok(())
        } else {
            Err(RtmpError::Protocol(format!(
                "{what} in state {:?}, expected Connected",
                self.state
            )))
        }
    }

    fn stop_stream(&mut self) {
        match self.state {
            ServerState::Publishing => {
                self.state = ServerState::Connected;
                self.events.push_back(ServerEvent::Unpublished);
            }
            ServerState::Playing => {
                self.state = ServerState::Connected;
                self.events.push_back(ServerEvent::PlayStopped);
            }
            _ => {}
        }
    }

    fn send_pause_answer(&mut self, pause: bool) {
        let (code, desc, event) = if pause {
            (
                "NetStream.Pause.Notify",
                "Paused stream.",
                UserControlEvent::StreamEof(STREAM_ID),
            )
        } else {
            (
                "NetStream.Unpause.Notify",
                "Unpaused stream.",
                UserControlEvent::StreamBegin(STREAM_ID),
            )
        };
        self.send_status("status", code, desc, vec![]);
        self.transport
            .send_control(ControlMessage::UserControl(event));
    }
}
