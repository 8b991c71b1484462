//! The origin server end to end with the project's own client: fan-out,
//! slow players, duplicate publishers, bad clients, timestamp wrap.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use bytes::Bytes;
use common::*;
use srs_kernel::{Amf0Value, MediaMessage};
use srs_rtmp::RtmpError;

#[test]
fn two_hundred_players_all_receive_the_whole_stream() {
    let server = TestServer::default_vhost();
    let url = server.url("fanout");
    let msgs = read_flv(&fixture_flv(4));
    let expected_video: Vec<Bytes> = msgs
        .iter()
        .filter(|m| m.is_video() && !m.is_sequence_header())
        .map(|m| m.payload.clone())
        .collect();
    const PLAYERS: usize = 200;
    let ready = Arc::new(Barrier::new(PLAYERS + 1));
    let mut threads = Vec::new();
    for _ in 0..PLAYERS {
        let ready = Arc::clone(&ready);
        let url = url.clone();
        let addr = server.addr;
        let want = expected_video.len();
        threads.push(std::thread::spawn(move || {
            let mut p = client(addr, &url);
            p.play().expect("play");
            ready.wait();
            let mut video = Vec::new();
            let mut headers = 0;
            while video.len() < want {
                match p.read_media() {
                    Ok(Some(m)) if m.is_sequence_header() => headers += 1,
                    Ok(Some(m)) if m.is_video() => video.push(m.payload),
                    Ok(Some(_)) => {}
                    _ => break,
                }
            }
            (headers, video)
        }));
    }
    // Every player waits for the publisher, which starts only now.
    ready.wait();
    let publisher = publish_in_background(server.addr, &url, msgs, true);
    for t in threads {
        let (headers, video) = t.join().expect("player thread");
        assert_eq!(headers, 2, "both sequence headers");
        assert_eq!(video.len(), expected_video.len(), "every frame delivered");
        assert!(video == expected_video, "payloads identical and in order");
    }
    publisher.join().expect("publisher");
}

#[test]
fn a_player_that_stops_reading_loses_gops_not_the_others_time() {
    let server = TestServer::start("vhost __defaultVhost__ { queue_length 2; }\n");
    let url = server.url("slow");
    // 150 frames of 256 KB, 40 ms apart, in real time: 6 s, 38 MB (51 Mbps),
    // more than the kernel's socket buffers plus a 2 s queue can hold.
    const FRAMES: u32 = 150;
    let mut msgs = vec![synthetic_video_header(0)];
    msgs.extend((0..FRAMES).map(|n| synthetic_video(n * 40, n % 25 == 0, n, 256 * 1024)));

    let mut stalled = client(server.addr, &url);
    stalled.play().expect("play");
    let fast: Vec<_> = (0..3)
        .map(|_| {
            let mut p = client(server.addr, &url);
            p.play().expect("play");
            std::thread::spawn(move || {
                let mut numbers = Vec::new();
                while numbers.len() < FRAMES as usize {
                    match p.read_media() {
                        Ok(Some(m)) if m.is_video() && !m.is_sequence_header() => {
                            numbers.push(frame_number(&m).expect("numbered"))
                        }
                        Ok(Some(_)) => {}
                        _ => break,
                    }
                }
                numbers
            })
        })
        .collect();
    let publisher = std::thread::spawn({
        let url = url.clone();
        let addr = server.addr;
        move || publish(addr, &url, &msgs, true)
    });
    for t in fast {
        let numbers = t.join().expect("fast player");
        assert_eq!(
            numbers,
            (0..FRAMES).collect::<Vec<_>>(),
            "fast players get every frame in order"
        );
    }
    let _publisher = publisher
        .join()
        .expect("publisher was never blocked by the stalled player");

    // Now the stalled player reads what is left for it.
    stalled
        .get_ref()
        .set_read_timeout(Some(Duration::from_secs(2)))
        .expect("timeout");
    let mut got: Vec<(u32, bool)> = Vec::new();
    while let Ok(Some(m)) = stalled.read_media() {
        if m.is_video() && !m.is_sequence_header() {
            got.push((frame_number(&m).expect("numbered"), m.is_keyframe()));
        }
    }
    assert!(
        got.len() < FRAMES as usize,
        "the stalled player's queue was bounded: it got {} of {FRAMES} frames",
        got.len()
    );
    for w in got.windows(2) {
        if w[1].0 != w[0].0 + 1 {
            assert!(
                w[1].1,
                "after a drop the player resumes at a keyframe: {:?} -> {:?}",
                w[0], w[1]
            );
        }
    }
}

#[test]
fn second_publisher_is_refused_until_the_first_leaves() {
    let server = TestServer::default_vhost();
    let url = server.url("dup");
    let mut first = client(server.addr, &url);
    first.publish().expect("first publish");
    let mut second = client(server.addr, &url);
    match second.publish() {
        Err(RtmpError::Refused { code, .. }) => assert_eq!(code, "NetStream.Publish.BadName"),
        other => panic!("second publisher must be refused, got {other:?}"),
    }
    // The first unpublishes but keeps its connection: a third client may publish.
    first.unpublish().expect("unpublish");
    let mut third = client(server.addr, &url);
    let ok = wait_until(5, || true) && third.publish().is_ok();
    assert!(ok, "publish after unpublish");
    drop(third);
    // After the publisher's connection closes, the stream can be published again.
    let republished = wait_until(5, || {
        let mut c = client(server.addr, &url);
        c.publish().is_ok()
    });
    assert!(republished, "publish after the publisher disconnected");
}

/// True when the server closes `s` within a few seconds.
fn closed_by_server(mut s: TcpStream) -> bool {
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut buf = [0u8; 65536];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
}

#[test]
fn bad_clients_are_closed_alone_and_the_stream_goes_on() {
    let server = TestServer::default_vhost();
    let url = server.url("sturdy");
    let msgs = read_flv(&fixture_flv(6));
    let publisher = publish_in_background(server.addr, &url, msgs, true);
    let received = Arc::new(AtomicUsize::new(0));
    let player = {
        let received = Arc::clone(&received);
        let mut p = client(server.addr, &url);
        p.play().expect("play");
        std::thread::spawn(move || {
            while let Ok(Some(_)) = p.read_media() {
                received.fetch_add(1, Ordering::SeqCst);
            }
        })
    };

    // Garbage instead of a handshake.
    let mut s = tcp(server.addr);
    s.write_all(&[0xde; 2000]).expect("send garbage");
    assert!(closed_by_server(s), "garbage closes the connection");

    // A bad C0 version byte.
    let mut s = tcp(server.addr);
    let mut c0c1 = vec![0u8; 1537];
    c0c1[0] = 6;
    s.write_all(&c0c1).expect("send bad c0");
    assert!(closed_by_server(s), "bad C0 closes the connection");

    // An oversized chunk size.
    let mut s = raw_handshaken(server.addr);
    s.write_all(&chunked(2, 1, &0x0100_0000u32.to_be_bytes()))
        .expect("send chunk size");
    assert!(
        closed_by_server(s),
        "oversized chunk size closes the connection"
    );

    // A connect without tcUrl.
    let mut s = raw_handshaken(server.addr);
    let mut cmd = Vec::new();
    srs_kernel::amf0::encode_all(
        &[
            Amf0Value::String("connect".into()),
            Amf0Value::Number(1.0),
            Amf0Value::object(vec![("app", Amf0Value::String("live".into()))]),
        ],
        &mut cmd,
    );
    s.write_all(&chunked(3, 20, &cmd)).expect("send connect");
    assert!(
        closed_by_server(s),
        "connect without tcUrl closes the connection"
    );

    // A message cut short, then the client goes away.
    let mut s = raw_handshaken(server.addr);
    let whole = chunked(3, 20, &cmd);
    s.write_all(&whole[..whole.len() / 2]).expect("send half");
    s.shutdown(std::net::Shutdown::Write).expect("shutdown");
    assert!(
        closed_by_server(s),
        "a truncated message then EOF closes the connection"
    );

    // A chunk stream that starts with a fmt 3 header (nothing to continue).
    let mut s = raw_handshaken(server.addr);
    s.write_all(&[0xc4, 1, 2, 3, 4]).expect("send fmt 3");
    assert!(
        closed_by_server(s),
        "fmt 3 on a new chunk stream closes the connection"
    );

    let before = received.load(Ordering::SeqCst);
    assert!(before > 0, "the player was receiving");
    assert!(
        wait_until(5, || received.load(Ordering::SeqCst) > before + 20),
        "the player keeps receiving after the bad clients"
    );
    publisher.join().expect("publisher finished its stream");
    drop(server);
    player.join().expect("player");
}

fn wrap_messages() -> Vec<MediaMessage> {
    let start = u32::MAX - 2000;
    let mut msgs = vec![synthetic_video_header(start)];
    msgs.extend(
        (0..100u32).map(|n| synthetic_video(start.wrapping_add(n * 40), n % 25 == 0, n, 500)),
    );
    msgs
}

fn play_video_timestamps(addr: std::net::SocketAddr, url: &str, frames: usize) -> Vec<u32> {
    let mut p = client(addr, url);
    p.play().expect("play");
    let mut ts = Vec::new();
    while ts.len() < frames {
        match p.read_media() {
            Ok(Some(m)) if m.is_video() && !m.is_sequence_header() => ts.push(m.timestamp),
            Ok(Some(_)) => {}
            _ => break,
        }
    }
    ts
}

#[test]
fn timestamps_crossing_2_pow_32_play_without_a_jump() {
    let server =
        TestServer::start("vhost __defaultVhost__ { }\nvhost raw.test { time_jitter off; }\n");
    for (mode, url) in [
        ("full", server.url("wrap")),
        (
            "off",
            format!(
                "rtmp://127.0.0.1:{}/live?vhost=raw.test/wrap",
                server.addr.port()
            ),
        ),
    ] {
        let player = {
            let url = url.clone();
            let addr = server.addr;
            std::thread::spawn(move || play_video_timestamps(addr, &url, 100))
        };
        std::thread::sleep(Duration::from_millis(300));
        let _publisher = publish(server.addr, &url, &wrap_messages(), false);
        let ts = player.join().expect("player");
        assert_eq!(ts.len(), 100, "{mode}: every frame arrives");
        for w in ts.windows(2) {
            assert_eq!(
                w[1].wrapping_sub(w[0]),
                40,
                "{mode}: steady 40 ms steps, got {} -> {}",
                w[0],
                w[1]
            );
        }
        if mode == "off" {
            assert!(
                ts[0] > u32::MAX - 3000 && ts[99] < 3000,
                "off passes the wrap through: {} .. {}",
                ts[0],
                ts[99]
            );
        } else {
            assert!(
                ts[99] < 5000,
                "full starts near 0 and never wraps: {}",
                ts[99]
            );
        }
    }
}

#[test]
fn a_play_with_a_duration_ends_after_it() {
    let server = TestServer::default_vhost();
    let url = server.url("timed");
    let msgs: Vec<_> = std::iter::once(synthetic_video_header(0))
        .chain((0..250u32).map(|i| synthetic_video(i * 40, i % 25 == 0, i, 300)))
        .collect();
    let publisher = publish_in_background(server.addr, &url, msgs, true);
    let mut player = client(server.addr, &url);
    let started = std::time::Instant::now();
    player.play_for(1500.0).expect("play");
    let mut frames = 0;
    while let Ok(Some(_)) = player.read_media() {
        frames += 1;
    }
    let played = started.elapsed();
    assert!(frames > 10, "{frames} frames before the end");
    assert!(
        played >= std::time::Duration::from_millis(1400)
            && played < std::time::Duration::from_secs(5),
        "the server ended the play after its 1.5 s duration, not the stream's 10 s: {played:?}"
    );
    drop(publisher.join());
}
