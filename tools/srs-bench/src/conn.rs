//! The state of one bench connection (player or publisher), and the publisher's
//! real-time pacing of an FLV file.
//!
//! A connection is kept small: the socket, the boxed [`ClientSession`], a few
//! counters and instants. Nothing is buffered per connection by the bench
//! itself: reads go through the driver's shared buffer, received messages are
//! only counted.

use std::io::{self, IoSlice, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use bytes::Buf;
use mio::net::TcpStream;
use srs_kernel::flv::FlvReader;
use srs_kernel::MediaMessage;
use srs_rtmp::session::client::ClientSession;

/// What a connection does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Plays its stream.
    Player,
    /// Publishes the FLV file to its stream.
    Publisher,
}

/// Where a connection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// TCP connect in progress.
    Connecting,
    /// TCP connected; handshake, connect, createStream, play / publish in progress.
    Rtmp,
    /// NetStream.Play.Start received.
    Playing,
    /// NetStream.Publish.Start received.
    Publishing,
    /// Failed (counted once); socket and session dropped.
    Failed,
}

/// One connection.
pub struct Conn {
    /// Player or publisher.
    pub role: Role,
    /// Index of its stream.
    pub stream: u32,
    /// Where it is.
    pub phase: Phase,
    /// The socket (dropped on failure).
    pub sock: Option<TcpStream>,
    /// The RTMP session (dropped on failure).
    pub session: Option<Box<ClientSession>>,
    /// When the TCP connect started.
    pub started: Instant,
    /// Start of the per-connection rate window: when playing / publishing
    /// started, moved to the settling point of the run.
    pub rate_since: Option<Instant>,
    /// Bytes read (players) or written (publishers) so far.
    pub bytes: u64,
    /// `bytes` at `rate_since`.
    pub rate_bytes: u64,
    /// A (non sequence header) video frame was received.
    pub got_video: bool,
    /// The publisher's position in the file.
    pub pacer: Option<Pacer>,
}

impl Conn {
    /// A connection whose TCP connect just started.
    pub fn new(
        role: Role,
        stream: u32,
        sock: TcpStream,
        session: ClientSession,
        started: Instant,
    ) -> Conn {
        Conn {
            role,
            stream,
            phase: Phase::Connecting,
            sock: Some(sock),
            session: Some(Box::new(session)),
            started,
            rate_since: None,
            bytes: 0,
            rate_bytes: 0,
            got_video: false,
            pacer: None,
        }
    }

    /// A connection that failed before it had a socket.
    pub fn failed(role: Role, stream: u32, started: Instant) -> Conn {
        Conn {
            role,
            stream,
            phase: Phase::Failed,
            sock: None,
            session: None,
            started,
            rate_since: None,
            bytes: 0,
            rate_bytes: 0,
            got_video: false,
            pacer: None,
        }
    }

    /// Drops the socket (closing it) and the session.
    pub fn close(&mut self) {
        self.phase = Phase::Failed;
        self.sock = None;
        self.session = None;
        self.pacer = None;
    }

    /// Writes the session's queued output with `writev` until it is empty or the
    /// socket would block. Returns the bytes written.
    pub fn flush(&mut self) -> io::Result<usize> {
        let (Some(sock), Some(session)) = (self.sock.as_mut(), self.session.as_mut()) else {
            return Ok(0);
        };
        let q = session.out_queue();
        let mut total = 0;
        while q.has_remaining() {
            let mut iov = [IoSlice::new(&[]); 64];
            let n = q.chunks_vectored(&mut iov);
            match sock.write_vectored(&iov[..n]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(k) => {
                    q.advance(k);
                    total += k;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if self.role == Role::Publisher {
            self.bytes += total as u64;
        }
        Ok(total)
    }
}

/// An FLV file loaded once and shared by every publisher.
pub struct PublishFile {
    /// `(time from the first tag in ms, message)`, in file order.
    msgs: Vec<(u64, MediaMessage)>,
    /// Length of one loop in ms: the last tag's time plus one frame interval.
    loop_ms: u64,
}

impl PublishFile {
    /// Reads a whole FLV file.
    pub fn load(path: &Path) -> Result<PublishFile, String> {
        let data = std::fs::read(path).map_err(|e| format!("read {}: {e}", path.display()))?;
        Self::parse(&data).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses FLV bytes.
    pub fn parse(data: &[u8]) -> Result<PublishFile, String> {
        let mut reader = FlvReader::new();
        reader.push(data);
        let mut tags = Vec::new();
        while let Some(m) = reader.next_tag().map_err(|e| format!("bad FLV: {e}"))? {
            tags.push(m);
        }
        if !tags.iter().any(|m| m.is_video() || m.is_audio()) {
            return Err("no audio or video tags".into());
        }
        let first = tags.iter().map(|m| m.timestamp).min().unwrap_or(0);
        let msgs: Vec<(u64, MediaMessage)> = tags
            .into_iter()
            .map(|m| (u64::from(m.timestamp - first), m))
            .collect();
        let last = msgs.iter().map(|(t, _)| *t).max().unwrap_or(0);
        // One frame interval: the average video frame spacing, else 40 ms.
        let video: Vec<u64> = msgs
            .iter()
            .filter(|(_, m)| m.is_video() && !m.is_sequence_header())
            .map(|(t, _)| *t)
            .collect();
        let interval = match (video.first(), video.last()) {
            (Some(a), Some(b)) if video.len() > 1 && b > a => (b - a) / (video.len() as u64 - 1),
            _ => 40,
        };
        Ok(PublishFile {
            msgs,
            loop_ms: last + interval.max(1),
        })
    }
}

/// A publisher's position: sends each tag when its time has come, looping the
/// file with continuous timestamps. Metadata and sequence headers are sent in
/// the first loop only.
#[derive(Debug, Clone)]
pub struct Pacer {
    t0: Instant,
    next: usize,
    loops: u64,
}

impl Pacer {
    /// Starts at the first tag, with time 0 at `t0`.
    pub fn new(t0: Instant) -> Pacer {
        Pacer {
            t0,
            next: 0,
            loops: 0,
        }
    }

    fn due_ms(&self, file: &PublishFile) -> u64 {
        file.msgs[self.next].0 + self.loops * file.loop_ms
    }

    /// When the next tag is due.
    pub fn next_due(&self, file: &PublishFile) -> Instant {
        self.t0 + Duration::from_millis(self.due_ms(file))
    }

    /// Hands every tag due at `now` to `send`, with its continuous timestamp.
    /// Returns the number of tags sent.
    pub fn pump<E>(
        &mut self,
        now: Instant,
        file: &PublishFile,
        mut send: impl FnMut(&MediaMessage) -> Result<(), E>,
    ) -> Result<usize, E> {
        let elapsed = now.saturating_duration_since(self.t0).as_millis() as u64;
        let mut sent = 0;
        loop {
            let due = self.due_ms(file);
            if due > elapsed {
                return Ok(sent);
            }
            let m = &file.msgs[self.next].1;
            let repeat_only = m.is_script() || m.is_sequence_header();
            if self.loops == 0 || !repeat_only {
                let mut out = m.clone();
                out.timestamp = due as u32; // RTMP time wraps at 2^32 ms
                send(&out)?;
                sent += 1;
            }
            self.next += 1;
            if self.next == file.msgs.len() {
                self.next = 0;
                self.loops += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use srs_kernel::flv::{encode_tag, file_header};
    use srs_kernel::MediaKind;

    fn flv(tags: &[(MediaKind, u32, &[u8])]) -> Vec<u8> {
        let mut out = file_header(true, true).to_vec();
        for (kind, ts, payload) in tags {
            let m = MediaMessage::new(*kind, *ts, bytes::Bytes::copy_from_slice(payload));
            encode_tag(&m, &mut out);
        }
        out
    }

    #[test]
    fn pacing_loops_with_continuous_timestamps() {
        let data = flv(&[
            (
                MediaKind::Script,
                0,
                b"\x02\x00\x0aonMetaData\x08\x00\x00\x00\x00\x00\x00\x09",
            ),
            (MediaKind::Video, 0, &[0x17, 0, 0, 0, 0]),
            (MediaKind::Video, 0, &[0x17, 1, 0, 0, 0]),
            (MediaKind::Audio, 10, &[0xaf, 1]),
            (MediaKind::Video, 40, &[0x27, 1, 0, 0, 0]),
            (MediaKind::Video, 80, &[0x27, 1, 0, 0, 0]),
        ]);
        let file = PublishFile::parse(&data).unwrap();
        assert_eq!(file.msgs.len(), 6);
        assert_eq!(file.loop_ms, 120);
        let t0 = Instant::now();
        let mut p = Pacer::new(t0);
        let mut got = Vec::new();
        let mut send = |m: &MediaMessage| -> Result<(), ()> {
            got.push((m.kind, m.timestamp, m.is_sequence_header()));
            Ok(())
        };
        assert_eq!(p.pump(t0, &file, &mut send), Ok(3));
        assert_eq!(p.next_due(&file), t0 + Duration::from_millis(10));
        assert_eq!(
            p.pump(t0 + Duration::from_millis(79), &file, &mut send),
            Ok(2)
        );
        // Second loop: no metadata, no sequence header; timestamps go on from 120.
        assert_eq!(
            p.pump(t0 + Duration::from_millis(200), &file, &mut send),
            Ok(5)
        );
        let ts: Vec<u32> = got.iter().map(|g| g.1).collect();
        assert_eq!(ts, vec![0, 0, 0, 10, 40, 80, 120, 130, 160, 200]);
        assert!(!got[6].2 && got[6].0 == MediaKind::Video);
        assert_eq!(p.next_due(&file), t0 + Duration::from_millis(240));
    }

    #[test]
    fn rejects_empty_or_bad_files() {
        assert!(PublishFile::parse(&file_header(true, true)).is_err());
        assert!(PublishFile::parse(b"not an flv file at all").is_err());
    }
}
