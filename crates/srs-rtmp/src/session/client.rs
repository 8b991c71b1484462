//! The client end of an RTMP connection (tools, edge pulls, forwarders).
//!
//! ```text
//! Handshaking -> Connecting -> Connected -> (publish) CreatingStream -> PublishStarting -> Publishing
//!                                         -> (play)    CreatingStream -> PlayStarting    -> Playing
//! ```
//! The session sends `connect` by itself once the handshake is done; call
//! [`ClientSession::publish`] or [`ClientSession::play`] after the
//! [`ClientEvent::Connected`] event.

use std::collections::VecDeque;

use bytes::Bytes;
use srs_core::FastRng;
use srs_kernel::{Amf0Value, MediaKind, MediaMessage};

use crate::chunk::control::{self, ControlMessage, UserControlEvent};
use crate::chunk::split_aggregate;
use crate::chunk::RawMessage;
use crate::command::{self, Command};
use crate::error::RtmpError;
use crate::handshake::ClientHandshake;
use crate::out_queue::OutQueue;
use crate::session::transport::Transport;
use crate::session::{csid, MAX_PENDING_INPUT};

/// What the client connects to and how it presents itself.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientConfig {
    /// `rtmp://host[:port]/app[?query]`.
    pub tc_url: String,
    /// The application (path of the tcUrl).
    pub app: String,
    /// pageUrl sent in connect (for refer checks); empty to omit.
    pub page_url: String,
    /// swfUrl sent in connect; empty to omit.
    pub swf_url: String,
    /// flashVer sent in connect.
    pub flash_ver: String,
    /// Use the complex (digest) handshake.
    pub complex_handshake: bool,
    /// Chunk size the client announces for what it sends.
    pub out_chunk_size: u32,
}

impl ClientConfig {
    /// A config for `rtmp://host[:port]/app[/stream]`: returns the config and the stream part.
    pub fn from_url(url: &str) -> Result<(ClientConfig, String), RtmpError> {
        let rest = url
            .strip_prefix("rtmp://")
            .ok_or_else(|| RtmpError::Protocol(format!("{url:?} is not an rtmp:// URL")))?;
        let (authority, path) = rest
            .split_once('/')
            .ok_or_else(|| RtmpError::Protocol(format!("{url:?} has no app")))?;
        // The app is the first path element (with the query of the whole URL
        // staying on the stream); the stream is the rest.
        let (app, stream) = match path.split_once('/') {
            Some((a, s)) => (a.to_string(), s.to_string()),
            None => (path.to_string(), String::new()),
        };
        if authority.is_empty() || app.is_empty() {
            return Err(RtmpError::Protocol(format!(
                "{url:?} needs a host and an app"
            )));
        }
        Ok((
            ClientConfig {
                tc_url: format!("rtmp://{authority}/{app}"),
                app,
                page_url: String::new(),
                swf_url: String::new(),
                flash_ver: "LNX 9,0,124,2".into(),
                complex_handshake: true,
                out_chunk_size: 60000,
            },
            stream,
        ))
    }
}

/// Where the client session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientState {
    /// Exchanging the handshake.
    Handshaking,
    /// connect sent, waiting for its answer.
    Connecting,
    /// Connected; publish or play may be called.
    Connected,
    /// createStream sent.
    CreatingStream,
    /// publish sent, waiting for NetStream.Publish.Start.
    PublishStarting,
    /// Publishing: send media with [`ClientSession::send_media`].
    Publishing,
    /// play sent, waiting for NetStream.Play.Start.
    PlayStarting,
    /// Playing: media arrives as events.
    Playing,
    /// Rejected or failed.
    Closed,
}

/// What the server answered or sent.
#[derive(Debug, Clone)]
pub enum ClientEvent {
    /// connect succeeded.
    Connected,
    /// The server refused (connect `_error` or an error onStatus).
    Rejected {
        /// The status code, e.g. `NetConnection.Connect.Rejected`.
        code: String,
        /// The server's description.
        description: String,
    },
    /// NetStream.Publish.Start received.
    PublishStarted,
    /// NetStream.Play.Start received.
    PlayStarted,
    /// Another onStatus (e.g. Play.Reset, Pause.Notify, Unpublish).
    Status {
        /// The status code.
        code: String,
    },
    /// Audio, video or script data from the server.
    Media(MediaMessage),
    /// The server said the played stream ended (StreamEOF).
    StreamEof,
    /// Any other command from the server.
    Call {
        /// Command name.
        name: String,
        /// Transaction id.
        transaction_id: f64,
        /// Arguments after the command object.
        args: Vec<Amf0Value>,
    },
}

enum Intent {
    Publish(String),
    /// Stream name and the play's duration (ms as librtmp sends it; -1: until the end).
    Play(String, f64),
}

/// The client end of one RTMP connection.
pub struct ClientSession {
    config: ClientConfig,
    state: ClientState,
    handshake: ClientHandshake,
    transport: Transport,
    events: VecDeque<ClientEvent>,
    rng: FastRng,
    intent: Option<Intent>,
    create_stream_tid: f64,
    stream_id: u32,
    next_tid: f64,
}

const CONNECT_TID: f64 = 1.0;

impl ClientSession {
    /// Starts a session: the C0C1 is queued at once.
    pub fn new(config: ClientConfig, mut rng: FastRng, epoch: u32) -> Self {
        let mut handshake =
            ClientHandshake::new(config.complex_handshake, epoch, &mut |buf: &mut [u8]| {
                rng.fill(buf)
            });
        let mut transport = Transport::new();
        if let Some(c0c1) = handshake.take_output() {
            transport.out.push(c0c1);
        }
        ClientSession {
            config,
            state: ClientState::Handshaking,
            handshake,
            transport,
            events: VecDeque::new(),
            rng,
            intent: None,
            create_stream_tid: 0.0,
            stream_id: 0,
            next_tid: 2.0,
        }
    }

    /// The current state.
    pub fn state(&self) -> ClientState {
        self.state
    }

    /// Number of bytes waiting to be written.
    pub fn out_queue_len(&self) -> usize {
        self.transport.out.len()
    }

    /// Bytes waiting to be written, as a `bytes::Buf` for `writev`.
    pub fn out_queue(&mut self) -> &mut OutQueue {
        &mut self.transport.out
    }

    /// The chunk size the server announced for what it sends.
    pub fn peer_chunk_size(&self) -> u32 {
        self.transport.decoder.chunk_size()
    }

    /// Total bytes received.
    pub fn bytes_in(&self) -> u64 {
        self.transport.bytes_in()
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<ClientEvent> {
        self.events.pop_front()
    }

    /// Feeds bytes read from the socket. An error means the connection must be closed.
    pub fn feed(&mut self, data: &[u8]) -> Result<(), RtmpError> {
        if self.state == ClientState::Closed {
            return Ok(());
        }
        self.transport.count_in(data.len());
        if self.state == ClientState::Handshaking {
            let rng = &mut self.rng;
            let used = self
                .handshake
                .feed(data, &mut |buf: &mut [u8]| rng.fill(buf))?;
            if let Some(out) = self.handshake.take_output() {
                self.transport.out.push(out);
            }
            if !self.handshake.is_done() {
                return Ok(());
            }
            self.transport.input.extend_from_slice(&data[used..]);
            self.send_connect();
        } else {
            self.transport.input.extend_from_slice(data);
        }
        if self.transport.input.len() > MAX_PENDING_INPUT && self.state != ClientState::Playing {
            // Only a playing client legitimately receives a lot; anything else is a broken server.
            self.state = ClientState::Closed;
            return Err(RtmpError::Protocol(
                "server sent too much before answering".into(),
            ));
        }
        let result = self.process();
        if result.is_err() {
            self.state = ClientState::Closed;
        }
        result
    }

    fn send_connect(&mut self) {
        self.transport
            .set_out_chunk_size(self.config.out_chunk_size);
        let s = |v: &str| Amf0Value::String(v.to_string());
        let mut props = vec![
            ("app", s(&self.config.app)),
            ("flashVer", s(&self.config.flash_ver)),
            ("tcUrl", s(&self.config.tc_url)),
            ("fpad", Amf0Value::Boolean(false)),
            ("capabilities", Amf0Value::Number(15.0)),
            ("audioCodecs", Amf0Value::Number(4071.0)),
            ("videoCodecs", Amf0Value::Number(252.0)),
            ("videoFunction", Amf0Value::Number(1.0)),
            ("objectEncoding", Amf0Value::Number(0.0)),
        ];
        if !self.config.page_url.is_empty() {
            props.push(("pageUrl", s(&self.config.page_url)));
        }
        if !self.config.swf_url.is_empty() {
            props.push(("swfUrl", s(&self.config.swf_url)));
        }
        let payload =
            command::client_command("connect", CONNECT_TID, Amf0Value::object(props), vec![]);
        self.send_command(csid::CONNECTION, 0, payload);
        self.state = ClientState::Connecting;
    }

    fn send_command(&mut self, cid: u32, stream_id: u32, payload: Bytes) {
        self.transport
            .send(cid, 0, control::MSG_AMF0_COMMAND, stream_id, &payload);
    }

    fn tid(&mut self) -> f64 {
        let t = self.next_tid;
        self.next_tid += 1.0;
        t
    }

    fn expect_connected(&self, call: &str) -> Result<(), RtmpError> {
        if self.state == ClientState::Connected {
            Ok(())
        } else {
            Err(RtmpError::Protocol(format!(
                "{call} in state {:?}, expected Connected",
                self.state
            )))
        }
    }

    /// Starts publishing `stream` (FMLE style: releaseStream, FCPublish, createStream, publish).
    pub fn publish(&mut self, stream: &str) -> Result<(), RtmpError> {
        self.expect_connected("publish")?;
        let s = Amf0Value::String(stream.to_string());
        for name in ["releaseStream", "FCPublish"] {
            let tid = self.tid();
            let payload = command::client_command(name, tid, Amf0Value::Null, vec![s.clone()]);
            self.send_command(csid::CONNECTION, 0, payload);
        }
        self.create_stream(Intent::Publish(stream.to_string()));
        Ok(())
    }

    /// Starts playing `stream` (createStream, play).
    pub fn play(&mut self, stream: &str) -> Result<(), RtmpError> {
        self.expect_connected("play")?;
        self.create_stream(Intent::Play(stream.to_string(), -1.0));
        Ok(())
    }

    /// Plays `stream` for `duration_ms` (the play command's duration, as
    /// librtmp's `--stop` sends it); the server ends the play after it.
    pub fn play_for(&mut self, stream: &str, duration_ms: f64) -> Result<(), RtmpError> {
        self.expect_connected("play")?;
        self.create_stream(Intent::Play(stream.to_string(), duration_ms));
        Ok(())
    }

    fn create_stream(&mut self, intent: Intent) {
        self.create_stream_tid = self.tid();
        let payload = command::client_command(
            "createStream",
            self.create_stream_tid,
            Amf0Value::Null,
            vec![],
        );
        self.send_command(csid::CONNECTION, 0, payload);
        self.intent = Some(intent);
        self.state = ClientState::CreatingStream;
    }

    /// Sends a pause (true) or resume (false) while playing.
    pub fn pause(&mut self, pause: bool, position_ms: f64) {
        let payload = command::client_command(
            "pause",
            0.0,
            Amf0Value::Null,
            vec![Amf0Value::Boolean(pause), Amf0Value::Number(position_ms)],
        );
        self.send_command(csid::STREAM, self.stream_id, payload);
    }

    /// Sends a media or script message while publishing.
    pub fn send_media(&mut self, msg: &MediaMessage) -> Result<(), RtmpError> {
        if self.state != ClientState::Publishing {
            return Err(RtmpError::Protocol(format!(
                "send_media in state {:?}, expected Publishing",
                self.state
            )));
        }
        let (cid, type_id) = match msg.kind {
            MediaKind::Audio => (csid::AUDIO, control::MSG_AUDIO),
            MediaKind::Video => (csid::VIDEO, control::MSG_VIDEO),
            MediaKind::Script => (csid::STREAM, control::MSG_AMF0_DATA),
        };
        self.transport
            .send(cid, msg.timestamp, type_id, self.stream_id, &msg.payload);
        Ok(())
    }

    /// Sends a command on the NetStream (e.g. bandwidth-check answers).
    pub fn send_stream_command(&mut self, payload: Bytes) {
        self.send_command(csid::STREAM, self.stream_id, payload);
    }

    /// Ends a publish with FCUnpublish and deleteStream; the connection stays usable.
    pub fn unpublish(&mut self, stream: &str) {
        let tid = self.tid();
        let payload = command::client_command(
            "FCUnpublish",
            tid,
            Amf0Value::Null,
            vec![Amf0Value::String(stream.to_string())],
        );
        self.send_command(csid::CONNECTION, 0, payload);
        let tid = self.tid();
        let payload = command::client_command(
            "deleteStream",
            tid,
            Amf0Value::Null,
            vec![Amf0Value::Number(self.stream_id as f64)],
        );
        self.send_command(csid::CONNECTION, 0, payload);
        self.state = ClientState::Connected;
    }

    fn process(&mut self) -> Result<(), RtmpError> {
        while self.state != ClientState::Closed {
            let Some(msg) = self.transport.next_message()? else {
                return Ok(());
            };
            self.on_message(msg)?;
        }
        Ok(())
    }

    fn on_message(&mut self, msg: RawMessage) -> Result<(), RtmpError> {
        match msg.type_id {
            control::MSG_AMF0_COMMAND => self.on_command(Command::parse(&msg.payload)?),
            control::MSG_AMF3_COMMAND => {
                self.on_command(Command::parse(msg.payload.get(1..).unwrap_or_default())?)
            }
            control::MSG_AUDIO | control::MSG_VIDEO | control::MSG_AMF0_DATA => {
                let kind = match msg.type_id {
                    control::MSG_AUDIO => MediaKind::Audio,
                    control::MSG_VIDEO => MediaKind::Video,
                    _ => MediaKind::Script,
                };
                if kind == MediaKind::Script && command::normalize_metadata(&msg.payload).is_none()
                {
                    return Ok(()); // |RtmpSampleAccess, onStatus data and friends
                }
                self.events.push_back(ClientEvent::Media(MediaMessage::new(
                    kind,
                    msg.timestamp,
                    msg.payload,
                )));
                Ok(())
            }
            control::MSG_AGGREGATE => {
                for sub in split_aggregate(&msg)? {
                    self.on_message(sub)?;
                }
                Ok(())
            }
            control::MSG_USER_CONTROL => {
                if let Ok(Some(ControlMessage::UserControl(UserControlEvent::StreamEof(_)))) =
                    ControlMessage::parse(msg.type_id, &msg.payload)
                {
                    self.events.push_back(ClientEvent::StreamEof);
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn on_command(&mut self, cmd: Command) -> Result<(), RtmpError> {
        match cmd {
            Command::Response {
                success,
                transaction_id,
                values,
            } => {
                if transaction_id == CONNECT_TID && self.state == ClientState::Connecting {
                    if success {
                        self.state = ClientState::Connected;
                        self.events.push_back(ClientEvent::Connected);
                    } else {
                        self.reject(
                            values.get(1).unwrap_or(&Amf0Value::Null),
                            "NetConnection.Connect.Rejected",
                        );
                    }
                } else if transaction_id == self.create_stream_tid
                    && self.state == ClientState::CreatingStream
                {
                    if !success {
                        self.reject(
                            values.get(1).unwrap_or(&Amf0Value::Null),
                            "NetStream.CreateStream.Failed",
                        );
                        return Ok(());
                    }
                    let id = values.get(1).and_then(|v| v.as_f64()).unwrap_or(1.0);
                    self.stream_id = id as u32;
                    let tid = self.tid();
                    match self.intent.take() {
                        Some(Intent::Publish(name)) => {
                            let payload = command::client_command(
                                "publish",
                                tid,
                                Amf0Value::Null,
                                vec![Amf0Value::String(name), Amf0Value::String("live".into())],
                            );
                            self.send_command(csid::STREAM, self.stream_id, payload);
                            self.state = ClientState::PublishStarting;
                        }
                        Some(Intent::Play(name, duration)) => {
                            let mut args = vec![Amf0Value::String(name), Amf0Value::Number(-2.0)];
                            if duration >= 0.0 {
                                args.push(Amf0Value::Number(duration));
                            }
                            let payload =
                                command::client_command("play", tid, Amf0Value::Null, args);
                            self.send_command(csid::STREAM, self.stream_id, payload);
                            self.state = ClientState::PlayStarting;
                        }
                        None => {}
                    }
                }
                Ok(())
            }
            Command::OnStatus { info } => {
                let code = info
                    .get("code")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string();
                let level = info
                    .get("level")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default();
                if level == "error" {
                    self.reject(&info, &code);
                } else if code == "NetStream.Publish.Start"
                    && self.state == ClientState::PublishStarting
                {
                    self.state = ClientState::Publishing;
                    self.events.push_back(ClientEvent::PublishStarted);
                } else if code == "NetStream.Play.Start" && self.state == ClientState::PlayStarting
                {
                    self.state = ClientState::Playing;
                    self.events.push_back(ClientEvent::PlayStarted);
                } else {
                    self.events.push_back(ClientEvent::Status { code });
                }
                Ok(())
            }
            Command::Other {
                name,
                transaction_id,
                args,
            } => {
                if name != "onBWDone" && name != "onFCPublish" && name != "onFCUnpublish" {
                    self.events.push_back(ClientEvent::Call {
                        name,
                        transaction_id,
                        args,
                    });
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn reject(&mut self, info: &Amf0Value, default_code: &str) {
        let code = info
            .get("code")
            .and_then(|v| v.as_str())
            .unwrap_or(default_code)
            .to_string();
        let description = info
            .get("description")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string();
        self.state = ClientState::Closed;
        self.events
            .push_back(ClientEvent::Rejected { code, description });
    }
}
