//! HTTP on the event loop: request parsing, static files (HLS playlists and
//! segments, FLV files), live FLV streams, the API, and the embedded web console.

pub mod api;
pub mod api_access;
pub mod console;
pub mod files;
pub mod flv_live;
pub mod mount;
pub mod request;
pub mod response;

use std::fs::File;
use std::io::Read;
use std::path::PathBuf;

use bytes::{Bytes, BytesMut};
use srs_rtmp::out_queue::OutQueue;

/// Bytes of a file read per refill of the outbound queue.
const FILE_CHUNK: usize = 64 * 1024;

/// Which service a listener offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpService {
    /// `http_server` / `http_stream`: files under `dir`, and live FLV mounts.
    Files {
        /// The document root.
        dir: PathBuf,
    },
    /// `http_api`: the RESTful API.
    Api,
}

/// What follows the response head.
pub enum Body {
    /// Nothing (the whole answer is queued).
    None,
    /// The rest of a file.
    File {
        /// The open file, positioned.
        file: File,
        /// Bytes still to send.
        remaining: u64,
    },
    /// A live FLV stream: tags come from the connection's consumer.
    LiveFlv,
}

/// The HTTP side of a connection.
pub struct HttpState {
    /// The service of the listener it came from.
    pub service: HttpService,
    /// Bytes received and not parsed yet.
    pub input: BytesMut,
    /// Bytes to write.
    pub out: OutQueue,
    /// What is being streamed after the head.
    pub body: Body,
    /// Keep the connection after the current answer.
    pub keep_alive: bool,
    /// Requests answered on this connection.
    pub requests: u64,
    /// Query of a live FLV play (`?token=...`), for hook payloads.
    pub play_param: String,
    /// Reading stopped because [`MAX_PIPELINED_INPUT`] bytes wait unparsed;
    /// it resumes once answers have taken some of them.
    pub read_paused: bool,
    /// When the first byte of the request head being received arrived.
    pub head_started_ms: u64,
}

/// Unparsed input an HTTP connection may hold (pipelined requests wait there
/// and are answered one at a time); beyond it the peer is not read until
/// answers catch up.
pub const MAX_PIPELINED_INPUT: usize = request::MAX_HEAD + request::MAX_BODY;

impl HttpState {
    /// A fresh connection of `service`.
    pub fn new(service: HttpService) -> Self {
        HttpState {
            service,
            input: BytesMut::with_capacity(1024),
            out: OutQueue::new(),
            body: Body::None,
            keep_alive: false,
            requests: 0,
            play_param: String::new(),
            read_paused: false,
            head_started_ms: 0,
        }
    }

    /// True while an answer is still being sent.
    pub fn busy(&self) -> bool {
        !matches!(self.body, Body::None) || !self.out.is_empty()
    }

    /// Moves the next piece of a file body into the outbound queue.
    /// Returns false when the file ended early (a truncated answer: close).
    pub fn refill_file(&mut self) -> std::io::Result<bool> {
        let Body::File { file, remaining } = &mut self.body else {
            return Ok(true);
        };
        if *remaining == 0 {
            self.body = Body::None;
            return Ok(true);
        }
        let want = (*remaining).min(FILE_CHUNK as u64) as usize;
        let mut buf = vec![0u8; want];
        let mut filled = 0;
        while filled < want {
            let n = file.read(&mut buf[filled..])?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        if filled == 0 {
            self.body = Body::None;
            return Ok(false);
        }
        buf.truncate(filled);
        *remaining -= filled as u64;
        self.out.push(Bytes::from(buf));
        if *remaining == 0 {
            self.body = Body::None;
        }
        Ok(true)
    }
}
