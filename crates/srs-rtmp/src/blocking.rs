//! A blocking RTMP client on top of [`ClientSession`], for tools and tests:
//! publish or play with a few lines over any `Read + Write` stream (a TCP
//! stream with read/write timeouts set by the caller). The sans-IO core does
//! not depend on this module; it only reads the wall clock for the
//! handshake's time field and seeds its filler bytes from it.
//!
//! ```no_run
//! use srs_rtmp::blocking::Client;
//! fn play(tcp: impl std::io::Read + std::io::Write) -> Result<(), srs_rtmp::RtmpError> {
//!     let mut client = Client::connect(tcp, "rtmp://127.0.0.1/live/livestream")?;
//!     client.play()?;
//!     while let Some(msg) = client.read_media()? {
//!         println!("{:?} {} {} bytes", msg.kind, msg.timestamp, msg.payload.len());
//!     }
//!     Ok(())
//! }
//! ```

use std::collections::VecDeque;
use std::io::{self, Read, Write};

use bytes::Buf;
use srs_core::FastRng;
use srs_kernel::MediaMessage;

use crate::error::RtmpError;
use crate::session::client::{ClientConfig, ClientEvent, ClientSession};

/// A connected RTMP client that blocks on its stream.
pub struct Client<S: Read + Write> {
    stream: S,
    session: ClientSession,
    stream_name: String,
    read_buf: Vec<u8>,
    media: VecDeque<MediaMessage>,
    eof: bool,
}

impl<S: Read + Write> Client<S> {
    /// Handshakes and connects to the app of `url` (`rtmp://host[:port]/app/stream`).
    pub fn connect(stream: S, url: &str) -> Result<Self, RtmpError> {
        let (config, stream_name) = ClientConfig::from_url(url)?;
        Self::connect_with(stream, config, &stream_name)
    }

    /// Like [`Client::connect`] with a full config (page URL, handshake kind...).
    pub fn connect_with(
        stream: S,
        config: ClientConfig,
        stream_name: &str,
    ) -> Result<Self, RtmpError> {
        let epoch = (srs_core::clock::unix_ms() / 1000) as u32;
        let session = ClientSession::new(config, FastRng::from_entropy(), epoch);
        let mut client = Client {
            stream,
            session,
            stream_name: stream_name.to_string(),
            read_buf: vec![0; 64 * 1024],
            media: VecDeque::new(),
            eof: false,
        };
        client.wait_for(|e| matches!(e, ClientEvent::Connected))?;
        Ok(client)
    }

    /// The stream name taken from the URL (may carry `?params`).
    pub fn stream_name(&self) -> &str {
        &self.stream_name
    }

    /// Publishes the URL's stream; returns once the server said Publish.Start.
    pub fn publish(&mut self) -> Result<(), RtmpError> {
        let name = self.stream_name.clone();
        self.session.publish(&name)?;
        self.wait_for(|e| matches!(e, ClientEvent::PublishStarted))
    }

    /// Plays the URL's stream; returns once the server said Play.Start.
    pub fn play(&mut self) -> Result<(), RtmpError> {
        let name = self.stream_name.clone();
        self.session.play(&name)?;
        self.wait_for(|e| matches!(e, ClientEvent::PlayStarted))
    }

    /// Plays the URL's stream for `duration_ms` (the play's duration argument,
    /// as rtmpdump's `--stop` sends it); returns once the server said Play.Start.
    pub fn play_for(&mut self, duration_ms: f64) -> Result<(), RtmpError> {
        let name = self.stream_name.clone();
        self.session.play_for(&name, duration_ms)?;
        self.wait_for(|e| matches!(e, ClientEvent::PlayStarted))
    }

    /// Sends one audio, video or script message (publishing).
    pub fn write_media(&mut self, msg: &MediaMessage) -> Result<(), RtmpError> {
        self.session.send_media(msg)?;
        self.flush()
    }

    /// Queues a message without writing it yet; call [`Client::flush`] later.
    pub fn queue_media(&mut self, msg: &MediaMessage) -> Result<(), RtmpError> {
        self.session.send_media(msg)
    }

    /// The next media message (playing); `None` when the server closed or the stream ended.
    pub fn read_media(&mut self) -> Result<Option<MediaMessage>, RtmpError> {
        loop {
            if let Some(m) = self.media.pop_front() {
                return Ok(Some(m));
            }
            if self.eof {
                return Ok(None);
            }
            self.read_some()?;
            self.drain_events()?;
        }
    }

    /// Sends a pause or resume while playing.
    pub fn pause(&mut self, pause: bool) -> Result<(), RtmpError> {
        self.session.pause(pause, 0.0);
        self.flush()
    }

    /// Stops publishing (FCUnpublish, deleteStream) and keeps the connection.
    pub fn unpublish(&mut self) -> Result<(), RtmpError> {
        let name = self.stream_name.clone();
        self.session.unpublish(&name);
        self.flush()
    }

    /// Writes everything queued.
    pub fn flush(&mut self) -> Result<(), RtmpError> {
        let out = self.session.out_queue();
        while out.has_remaining() {
            let n = self.stream.write(out.chunk())?;
            if n == 0 {
                return Err(RtmpError::Io(io::ErrorKind::WriteZero.into()));
            }
            out.advance(n);
        }
        self.stream.flush()?;
        Ok(())
    }

    /// The underlying stream (e.g. to change timeouts).
    pub fn get_ref(&self) -> &S {
        &self.stream
    }

    /// The chunk size the server announced.
    pub fn peer_chunk_size(&self) -> u32 {
        self.session.peer_chunk_size()
    }

    /// Total bytes received.
    pub fn bytes_in(&self) -> u64 {
        self.session.bytes_in()
    }

    fn read_some(&mut self) -> Result<(), RtmpError> {
        self.flush()?;
        let n = match self.stream.read(&mut self.read_buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        if n == 0 {
            self.eof = true;
            return Ok(());
        }
        self.session.feed(&self.read_buf[..n])?;
        self.flush()
    }

    /// Moves media events to the media queue; returns other events.
    fn drain_events(&mut self) -> Result<Vec<ClientEvent>, RtmpError> {
        let mut others = Vec::new();
        while let Some(e) = self.session.poll_event() {
            match e {
                ClientEvent::Media(m) => self.media.push_back(m),
                ClientEvent::Rejected { code, description } => {
                    return Err(RtmpError::Refused { code, description })
                }
                other => others.push(other),
            }
        }
        Ok(others)
    }

    fn wait_for(&mut self, done: impl Fn(&ClientEvent) -> bool) -> Result<(), RtmpError> {
        self.flush()?;
        loop {
            if self.drain_events()?.iter().any(&done) {
                return Ok(());
            }
            if self.eof {
                return Err(RtmpError::Io(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "server closed the connection",
                )));
            }
            self.read_some()?;
        }
    }
}
