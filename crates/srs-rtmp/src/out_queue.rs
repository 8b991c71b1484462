//! Outbound byte queue of one connection.
//!
//! A queue of [`Bytes`] segments implementing [`bytes::Buf`], so the driver can hand it to
//! `writev` through [`Buf::chunks_vectored`]. Chunk headers are written into a scratch
//! [`BytesMut`] reserved in big blocks and split off, so steady state needs no allocation
//! per message; payloads are queued as zero-copy slices.

use std::collections::VecDeque;
use std::io::IoSlice;

use bytes::{Buf, Bytes, BytesMut};

/// Size of the blocks reserved for the header scratch buffer.
/// Header bytes are carved from blocks of this size; small, because every
/// player keeps one, and a merged write needs only a few hundred bytes.
const SCRATCH_BLOCK: usize = 1024;

/// Outbound bytes of one connection: a queue of `Bytes` that implements `bytes::Buf`
/// so it feeds `writev` (`chunks_vectored`).
#[derive(Debug, Default)]
pub struct OutQueue {
    segments: VecDeque<Bytes>,
    len: usize,
    headers: BytesMut,
}

impl OutQueue {
    /// Creates an empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a segment (empty segments are skipped).
    pub fn push(&mut self, b: Bytes) {
        if b.is_empty() {
            return;
        }
        self.len += b.len();
        self.segments.push_back(b);
    }

    /// Number of bytes queued.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no bytes are queued.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of queued segments.
    pub fn segments(&self) -> usize {
        self.segments.len()
    }

    /// Scratch buffer for chunk headers. Write into it, then `split().freeze()` and [`push`](Self::push).
    /// Capacity is reserved in 1 KiB blocks so most calls do not allocate.
    pub fn header_scratch(&mut self) -> &mut BytesMut {
        if self.headers.capacity() - self.headers.len() < 64 {
            self.headers.reserve(SCRATCH_BLOCK);
        }
        &mut self.headers
    }

    /// Copies a few header bytes into the scratch block and queues them
    /// (no allocation per call in steady state).
    pub fn push_small(&mut self, bytes: &[u8]) {
        let scratch = self.header_scratch();
        scratch.extend_from_slice(bytes);
        let b = scratch.split().freeze();
        self.push(b);
    }

    /// Drops every queued byte.
    pub fn clear(&mut self) {
        self.segments.clear();
        self.len = 0;
    }
}

impl Buf for OutQueue {
    fn remaining(&self) -> usize {
        self.len
    }

    fn chunk(&self) -> &[u8] {
        self.segments.front().map(|b| &b[..]).unwrap_or(&[])
    }

    fn advance(&mut self, mut cnt: usize) {
        assert!(cnt <= self.len, "advance past the end of OutQueue");
        self.len -= cnt;
        while cnt > 0 {
            let Some(front) = self.segments.front_mut() else {
                break;
            };
            if cnt >= front.len() {
                cnt -= front.len();
                self.segments.pop_front();
            } else {
                front.advance(cnt);
                cnt = 0;
            }
        }
    }

    fn chunks_vectored<'a>(&'a self, dst: &mut [IoSlice<'a>]) -> usize {
        let mut n = 0;
        for (slot, seg) in dst.iter_mut().zip(self.segments.iter()) {
            *slot = IoSlice::new(seg);
            n += 1;
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_skips_empty_and_counts() {
        let mut q = OutQueue::new();
        assert!(q.is_empty());
        q.push(Bytes::new());
        q.push(Bytes::from_static(b"abc"));
        q.push(Bytes::from_static(b""));
        q.push(Bytes::from_static(b"defg"));
        assert_eq!(q.len(), 7);
        assert_eq!(q.segments(), 2);
        assert_eq!(q.remaining(), 7);
        assert_eq!(q.chunk(), b"abc");
    }

    #[test]
    fn advance_across_segments() {
        let mut q = OutQueue::new();
        q.push(Bytes::from_static(b"abc"));
        q.push(Bytes::from_static(b"de"));
        q.push(Bytes::from_static(b"fghi"));
        q.advance(4);
        assert_eq!(q.remaining(), 5);
        assert_eq!(q.segments(), 2);
        assert_eq!(q.chunk(), b"e");
        q.advance(1);
        assert_eq!(q.chunk(), b"fghi");
        q.advance(2);
        assert_eq!(q.chunk(), b"hi");
        let mut rest = vec![0u8; 2];
        q.copy_to_slice(&mut rest);
        assert_eq!(&rest, b"hi");
        assert!(q.is_empty());
        assert_eq!(q.segments(), 0);
        assert_eq!(q.chunk(), b"");
    }

    #[test]
    fn chunks_vectored_fills_up_to_dst_len() {
        let mut q = OutQueue::new();
        for s in [&b"a"[..], b"bb", b"ccc", b"dddd"] {
            q.push(Bytes::copy_from_slice(s));
        }
        let mut dst = [IoSlice::new(&[]); 2];
        assert_eq!(q.chunks_vectored(&mut dst), 2);
        assert_eq!(&*dst[0], b"a");
        assert_eq!(&*dst[1], b"bb");
        let mut dst = [IoSlice::new(&[]); 8];
        assert_eq!(q.chunks_vectored(&mut dst), 4);
        assert_eq!(&*dst[3], b"dddd");
        let all = q.copy_to_bytes(10);
        assert_eq!(&all[..], b"abbcccdddd");
    }

    #[test]
    fn header_scratch_split_freeze() {
        let mut q = OutQueue::new();
        let s = q.header_scratch();
        s.extend_from_slice(&[1, 2, 3]);
        let h = s.split().freeze();
        q.push(h);
        q.header_scratch().extend_from_slice(&[4]);
        let h2 = q.header_scratch().split().freeze();
        q.push(h2);
        assert_eq!(q.copy_to_bytes(4), Bytes::from_static(&[1, 2, 3, 4]));
    }
}
