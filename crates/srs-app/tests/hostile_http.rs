//! HTTP and connection-level hostility: pipelining floods, ambiguous
//! Content-Length, and peers that trickle bytes to hold a socket.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::*;

/// A file server of its own (tests run in parallel; each needs its own dir).
fn file_server(name: &str) -> TestServer {
    let dir = scratch(name);
    std::fs::write(dir.join("a.txt"), "hello").expect("write");
    TestServer::start(&format!(
        "http_server {{ enabled on; listen 127.0.0.1:0; dir {}; }}\nvhost __defaultVhost__ {{ }}\n",
        dir.display()
    ))
}

/// Reads until `n` answers with status `status` arrived or `secs` passed;
/// returns how many arrived.
fn count_answers(s: &mut TcpStream, status: &str, n: usize, secs: u64) -> usize {
    let deadline = Instant::now() + Duration::from_secs(secs);
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    let needle = format!("HTTP/1.1 {status}");
    let mut text = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    let count = |t: &[u8]| {
        t.windows(needle.len())
            .filter(|w| *w == needle.as_bytes())
            .count()
    };
    while Instant::now() < deadline && count(&text) < n {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(k) => text.extend_from_slice(&buf[..k]),
            Err(_) => {}
        }
    }
    count(&text)
}

#[test]
fn pipelined_requests_are_answered_at_once_and_without_a_cap() {
    let server = file_server("pipelined");
    let http = server.http.expect("http");
    // Ten requests in one write: once they took a second each.
    let mut s = tcp(http);
    let one = b"GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n";
    s.write_all(&one.repeat(10)).expect("send");
    let started = Instant::now();
    assert_eq!(count_answers(&mut s, "200", 10, 5), 10);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "ten pipelined answers took {:?}",
        started.elapsed()
    );
    // More than the 72 KiB of buffered input that once closed the connection
    // unanswered: every request is answered, in order, one at a time.
    let mut s = tcp(http);
    let n = (200 * 1024) / one.len();
    let writer = {
        let mut w = s.try_clone().expect("clone");
        let body = one.repeat(n);
        std::thread::spawn(move || w.write_all(&body))
    };
    assert_eq!(count_answers(&mut s, "200", n, 30), n);
    writer.join().expect("writer").expect("all sent");
}

#[test]
fn ambiguous_content_length_is_refused() {
    let server = file_server("content-length");
    let http = server.http.expect("http");
    for cl in [
        "Content-Length: +5",
        "Content-Length: 5a",
        "Content-Length: 5\r\nContent-Length: 7",
    ] {
        let raw = format!("POST /a.txt HTTP/1.1\r\nHost: x\r\n{cl}\r\n\r\nhellohello");
        let a = http_raw(http, raw.as_bytes());
        assert_eq!(a.status, 400, "{cl:?}");
    }
}

/// Sends `first`, then one byte of `rest` every 2 s; returns how long the
/// server kept the socket open (None: still open after `secs`).
fn trickle(mut s: TcpStream, first: &[u8], rest: &[u8], secs: u64) -> Option<Duration> {
    let started = Instant::now();
    let _ = s.write_all(first);
    s.set_read_timeout(Some(Duration::from_millis(100)))
        .expect("timeout");
    let mut i = 0;
    let mut next_byte = Instant::now() + Duration::from_secs(2);
    let mut buf = [0u8; 4096];
    while started.elapsed() < Duration::from_secs(secs) {
        match s.read(&mut buf) {
            Ok(0) => return Some(started.elapsed()),
            Err(e)
                if e.kind() != std::io::ErrorKind::WouldBlock
                    && e.kind() != std::io::ErrorKind::TimedOut =>
            {
                return Some(started.elapsed())
            }
            _ => {}
        }
        if Instant::now() >= next_byte && i < rest.len() {
            if s.write_all(&rest[i..i + 1]).is_err() {
                return Some(started.elapsed());
            }
            i += 1;
            next_byte += Duration::from_secs(2);
        }
    }
    None
}

#[test]
fn slow_peers_meet_absolute_deadlines() {
    let server = file_server("slowloris");
    let http = server.http.expect("http");
    let rtmp = server.addr;
    // An HTTP head sent a byte at a time, each within the idle timeout.
    let http_peer = std::thread::spawn(move || {
        trickle(
            tcp(http),
            b"GET /a.txt HTTP/1.1\r\n",
            &b"X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"[..],
            25,
        )
    });
    // An RTMP handshake sent the same way.
    let rtmp_peer = std::thread::spawn(move || {
        let c0c1 = vec![3u8; 1537];
        trickle(tcp(rtmp), &c0c1[..10], &c0c1[10..], 25)
    });
    for (what, peer) in [("http", http_peer), ("rtmp", rtmp_peer)] {
        let held = peer.join().expect("peer");
        assert!(
            held.is_some_and(|d| d < Duration::from_secs(15)),
            "{what} slowloris held the socket for {held:?}"
        );
    }
    // An honest client is served as before.
    assert_eq!(http_get(http, "/a.txt").status, 200);
}
