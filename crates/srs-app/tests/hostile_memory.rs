//! Peers that try to grow the server's memory or hold its loop: each is
//! closed alone, early, and the stream next to it plays on.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::*;

/// The tests of this file measure the process's RSS: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn rss_mb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("proc status");
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("VmRSS");
    kb / 1024
}

/// Writes `block` until the peer closes or `limit` bytes went out; returns
/// the bytes written and whether the peer closed.
fn write_until_closed(s: &mut TcpStream, block: &[u8], limit: usize) -> (usize, bool) {
    let mut sent = 0;
    while sent < limit {
        match s.write(block) {
            Ok(0) | Err(_) => return (sent, true),
            Ok(n) => sent += n,
        }
    }
    (sent, false)
}

/// Whether the server closed `s` (EOF or reset) within `secs`; drains what it sent.
fn closed_within(s: &mut TcpStream, secs: u64) -> bool {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let _ = s.set_read_timeout(Some(Duration::from_millis(200)));
    let mut buf = vec![0u8; 1 << 16];
    while Instant::now() < deadline {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => return true,
        }
    }
    false
}

/// A player of a steady stream on the same server, reporting the longest gap
/// between two of its frames while `during` runs.
fn longest_gap_while(server: &TestServer, during: impl FnOnce()) -> Duration {
    let msgs: Vec<_> = std::iter::once(synthetic_video_header(0))
        .chain((0..200u32).map(|i| synthetic_video(i * 40, i % 25 == 0, i, 500)))
        .collect();
    let url = server.url("steady");
    let publisher = publish_in_background(server.addr, &url, msgs, true);
    let mut player = client(server.addr, &url);
    player.play().expect("play");
    let (tx, rx) = std::sync::mpsc::channel();
    let watcher = std::thread::spawn(move || {
        let mut last = Instant::now();
        let mut longest = Duration::ZERO;
        let mut frames = 0;
        while rx.try_recv().is_err() {
            match player.read_media() {
                Ok(Some(_)) => {
                    longest = longest.max(last.elapsed());
                    last = Instant::now();
                    frames += 1;
                }
                _ => break,
            }
        }
        (longest, frames)
    });
    std::thread::sleep(Duration::from_millis(500));
    during();
    std::thread::sleep(Duration::from_millis(500));
    let _ = tx.send(());
    let (longest, frames) = watcher.join().expect("watcher");
    drop(publisher.join());
    assert!(frames > 10, "the steady player got {frames} frames");
    longest
}

#[test]
fn a_peer_that_never_reads_its_pongs_is_closed() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let server = TestServer::default_vhost();
    let before = rss_mb();
    let mut s = raw_handshaken(server.addr);
    // The first ping has a full header; the rest repeat it with a 1-byte
    // fmt 3 header: 7 bytes each, each answered by a pong never read.
    let first = chunked(2, 4, &[0, 6, 0, 0, 0, 1]);
    let rest = [0xC2u8, 0, 6, 0, 0, 0, 1].repeat(150_000);
    let _ = s.write_all(&first);
    let (sent, closed) = write_until_closed(&mut s, &rest, 32 << 20);
    assert!(closed, "still open after {sent} bytes of pings");
    let grown = rss_mb().saturating_sub(before);
    assert!(grown < 64, "RSS grew by {grown} MB");
    // The server goes on.
    let mut c = client(server.addr, &server.url("after"));
    c.publish().expect("publish after the flood");
}

#[test]
fn a_huge_command_is_refused_at_its_header() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let server = TestServer::default_vhost();
    let before = rss_mb();
    let mut s = raw_handshaken(server.addr);
    // A 16 MiB AMF0 command (type 20) of nulls.
    let len: u32 = (16 << 20) - 1;
    let l = len.to_be_bytes();
    let header = [0x03, 0, 0, 0, l[1], l[2], l[3], 20, 0, 0, 0, 0];
    s.write_all(&header).expect("header");
    let nulls = vec![5u8; 1 << 20];
    let (sent, _) = write_until_closed(&mut s, &nulls, 16 << 20);
    assert!(closed_within(&mut s, 5), "closed after {sent} bytes");
    let grown = rss_mb().saturating_sub(before);
    assert!(grown < 64, "RSS grew by {grown} MB");
}

#[test]
fn an_aggregate_of_a_million_tags_closes_its_publisher_alone() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let server = TestServer::default_vhost();
    let before = rss_mb();
    let gap = longest_gap_while(&server, || {
        let mut hostile = client(server.addr, &server.url("hostile"));
        hostile.publish().expect("publish");
        // 16 MiB of empty audio tags: 11-byte header + 4-byte back pointer.
        let tag = [8u8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11];
        let payload = tag.repeat((16 << 20) / tag.len());
        let mut enc = srs_rtmp::chunk::ChunkEncoder::new();
        enc.set_chunk_size(60000);
        let mut q = srs_rtmp::out_queue::OutQueue::new();
        enc.encode(9, 0, 22, 1, &bytes::Bytes::from(payload), &mut q);
        let mut s: &TcpStream = hostile.get_ref();
        while bytes::Buf::has_remaining(&q) {
            let c = bytes::Buf::chunk(&q);
            let n = match s.write(c) {
                Ok(n) if n > 0 => n,
                _ => break,
            };
            bytes::Buf::advance(&mut q, n);
        }
        let mut s = s.try_clone().expect("clone");
        assert!(
            closed_within(&mut s, 10),
            "the aggregate's publisher is closed"
        );
    });
    assert!(
        gap < Duration::from_secs(1),
        "the other stream stalled {gap:?}"
    );
    let grown = rss_mb().saturating_sub(before);
    assert!(grown < 100, "RSS grew by {grown} MB");
}

#[test]
fn a_flood_of_tiny_messages_does_not_hold_the_loop() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let server = TestServer::default_vhost();
    let gap = longest_gap_while(&server, || {
        let mut flooder = client(server.addr, &server.url("flood"));
        flooder.publish().expect("publish");
        // Empty audio messages with a 1-byte header each: 8 MiB of them.
        let mut block = Vec::new();
        let first = {
            let mut enc = srs_rtmp::chunk::ChunkEncoder::new();
            let mut q = srs_rtmp::out_queue::OutQueue::new();
            enc.encode(9, 0, 8, 1, &bytes::Bytes::from_static(&[0xaf]), &mut q);
            let mut v = Vec::new();
            while bytes::Buf::has_remaining(&q) {
                let c = bytes::Buf::chunk(&q);
                v.extend_from_slice(c);
                let n = c.len();
                bytes::Buf::advance(&mut q, n);
            }
            v
        };
        block.extend_from_slice(&first);
        // fmt 3 on csid 9 repeats length 1, type 8: header byte + payload byte.
        block.extend([0xC9u8, 0xaf].repeat(4 << 20));
        let mut s: &TcpStream = flooder.get_ref();
        let _ = s.write_all(&block);
    });
    assert!(
        gap < Duration::from_secs(1),
        "the other stream stalled {gap:?}"
    );
}
