//! Non-blocking reads and vectored writes on edge-triggered sockets.

use std::io::{self, IoSlice, Read, Write};

use bytes::Buf;

/// Most buffers handed to one `writev`.
pub const MAX_IOVECS: usize = 64;

/// What a write pass achieved.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WriteOutcome {
    /// Bytes written.
    pub written: usize,
    /// True when the socket said WouldBlock (wait for the writable event).
    pub blocked: bool,
}

/// Writes as much of `out` as the socket takes, with `writev` of up to
/// [`MAX_IOVECS`] buffers at a time.
pub fn write_buf<W: Write, B: Buf>(socket: &mut W, out: &mut B) -> io::Result<WriteOutcome> {
    let mut outcome = WriteOutcome::default();
    while out.has_remaining() {
        let result = {
            let mut iov = [IoSlice::new(&[]); MAX_IOVECS];
            let n = out.chunks_vectored(&mut iov);
            socket.write_vectored(&iov[..n])
        };
        match result {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    "socket accepted no bytes",
                ))
            }
            Ok(n) => {
                out.advance(n);
                outcome.written += n;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                outcome.blocked = true;
                break;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(outcome)
}

/// What a read pass found.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ReadOutcome {
    /// Bytes read.
    pub read: usize,
    /// The peer closed its side.
    pub eof: bool,
    /// The budget ran out before WouldBlock: more may be waiting, and no new
    /// edge will come for it.
    pub budget_exhausted: bool,
}

/// What the consumer of a read pass wants next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Keep reading.
    More,
    /// Stop this pass: the consumer has enough unprocessed input. The outcome
    /// says `budget_exhausted`, so the driver comes back on a later turn.
    Pause,
}

/// Reads until WouldBlock, EOF, `budget` bytes or a [`Flow::Pause`], handing
/// each piece to `sink`. A `sink` error stops the pass and is returned.
pub fn read_with<R: Read, E>(
    socket: &mut R,
    buf: &mut [u8],
    budget: usize,
    mut sink: impl FnMut(&[u8]) -> Result<Flow, E>,
) -> Result<ReadOutcome, ReadError<E>> {
    let mut outcome = ReadOutcome::default();
    loop {
        if outcome.read >= budget {
            outcome.budget_exhausted = true;
            return Ok(outcome);
        }
        match socket.read(buf) {
            Ok(0) => {
                outcome.eof = true;
                return Ok(outcome);
            }
            Ok(n) => {
                outcome.read += n;
                if sink(&buf[..n]).map_err(ReadError::Sink)? == Flow::Pause {
                    outcome.budget_exhausted = true;
                    return Ok(outcome);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(outcome),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ReadError::Io(e)),
        }
    }
}

/// Why a read pass stopped with an error.
#[derive(Debug)]
pub enum ReadError<E> {
    /// The socket failed.
    Io(io::Error),
    /// The consumer of the bytes refused them.
    Sink(E),
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use std::collections::VecDeque;

    /// A socket that takes at most `cap` bytes per call and then blocks.
    struct Throttled {
        written: Vec<u8>,
        cap: usize,
        calls_left: usize,
    }

    impl Write for Throttled {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.write_vectored(&[IoSlice::new(buf)])
        }
        fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
            if self.calls_left == 0 {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            self.calls_left -= 1;
            let mut n = 0;
            for b in bufs {
                let take = (self.cap - n).min(b.len());
                self.written.extend_from_slice(&b[..take]);
                n += take;
                if n == self.cap {
                    break;
                }
            }
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn writes_across_buffers_until_blocked() {
        let mut q: VecDeque<u8> = (0u8..100).collect();
        let mut s = Throttled {
            written: vec![],
            cap: 30,
            calls_left: 2,
        };
        let o = write_buf(&mut s, &mut q).expect("write");
        assert_eq!(
            o,
            WriteOutcome {
                written: 60,
                blocked: true
            }
        );
        assert_eq!(s.written, (0u8..60).collect::<Vec<_>>());
        assert_eq!(q.len(), 40);
        let mut b = Bytes::from_static(b"tail");
        s.calls_left = 5;
        let o = write_buf(&mut s, &mut b).expect("write");
        assert_eq!(
            o,
            WriteOutcome {
                written: 4,
                blocked: false
            }
        );
    }

    #[test]
    fn reads_until_eof_or_budget() {
        let data = vec![7u8; 1000];
        let mut src = &data[..];
        let mut buf = [0u8; 128];
        let mut got = 0;
        let o = read_with(&mut src, &mut buf, 300, |b: &[u8]| -> Result<Flow, ()> {
            got += b.len();
            Ok(Flow::More)
        })
        .expect("read");
        assert!(o.budget_exhausted);
        assert_eq!(o.read, 384);
        assert_eq!(got, 384);
        let o = read_with(&mut src, &mut buf, 10_000, |_: &[u8]| -> Result<Flow, ()> {
            Ok(Flow::More)
        })
        .expect("read");
        assert!(o.eof);
        assert_eq!(o.read, 616);
        let mut src3 = &data[..];
        let o = read_with(
            &mut src3,
            &mut buf,
            10_000,
            |_: &[u8]| -> Result<Flow, ()> { Ok(Flow::Pause) },
        )
        .expect("read");
        assert!(o.budget_exhausted && !o.eof);
        assert_eq!(o.read, 128, "one piece, then the pause");
        let mut src2 = &data[..];
        let r = read_with(&mut src2, &mut buf, 10_000, |_: &[u8]| Err("refused"));
        assert!(matches!(r, Err(ReadError::Sink("refused"))));
    }
}
