//! Client and server sessions wired together in memory.

use bytes::{Buf, Bytes};
use srs_core::FastRng;
use srs_kernel::{Amf0Value, MediaKind, MediaMessage};

use super::client::{ClientConfig, ClientEvent, ClientSession, ClientState};
use super::server::{ServerEvent, ServerSession, ServerState};
use crate::command::{self, ServerInfo};

fn drain(q: &mut crate::out_queue::OutQueue) -> Vec<u8> {
    let mut v = Vec::with_capacity(q.remaining());
    while q.has_remaining() {
        let c = q.chunk();
        v.extend_from_slice(c);
        let n = c.len();
        q.advance(n);
    }
    v
}

/// Moves bytes both ways until neither side has output; `split` feeds in pieces of that size.
fn pump(c: &mut ClientSession, s: &mut ServerSession, split: usize) {
    loop {
        let to_server = drain(c.out_queue());
        let to_client = drain(s.out_queue());
        if to_server.is_empty() && to_client.is_empty() {
            return;
        }
        for piece in to_server.chunks(split.max(1)) {
            s.feed(piece).expect("server accepts client bytes");
        }
        for piece in to_client.chunks(split.max(1)) {
            c.feed(piece).expect("client accepts server bytes");
        }
    }
}

fn server_events(s: &mut ServerSession) -> Vec<ServerEvent> {
    std::iter::from_fn(|| s.poll_event()).collect()
}

fn client_events(c: &mut ClientSession) -> Vec<ClientEvent> {
    std::iter::from_fn(|| c.poll_event()).collect()
}

fn pair(complex: bool) -> (ClientSession, ServerSession) {
    let (mut cfg, stream) =
        ClientConfig::from_url("rtmp://127.0.0.1:1935/live/livestream").expect("url");
    assert_eq!(stream, "livestream");
    cfg.complex_handshake = complex;
    cfg.page_url = "http://example.com/p.html".into();
    (
        ClientSession::new(cfg, FastRng::new(1), 1000),
        ServerSession::new(FastRng::new(2), 2000),
    )
}

fn connect(c: &mut ClientSession, s: &mut ServerSession, split: usize) {
    pump(c, s, split);
    let ev = server_events(s);
    match &ev[..] {
        [ServerEvent::ConnectRequested(req)] => {
            assert_eq!(req.app, "live");
            assert_eq!(req.tc_url, "rtmp://127.0.0.1:1935/live");
            assert_eq!(req.page_url, "http://example.com/p.html");
        }
        other => panic!("expected one connect, got {other:?}"),
    }
    assert_eq!(s.state(), ServerState::ConnectPending);
    s.accept_connect(60000, &ServerInfo::default())
        .expect("accept");
    pump(c, s, split);
    assert!(matches!(client_events(c)[..], [ClientEvent::Connected]));
    assert_eq!(c.state(), ClientState::Connected);
}

fn video(ts: u32, key: bool, size: usize) -> MediaMessage {
    let mut p = vec![if key { 0x17 } else { 0x27 }, 1, 0, 0, 0];
    p.resize(size, 0xab);
    MediaMessage::new(MediaKind::Video, ts, Bytes::from(p))
}

#[test]
fn publish_flow_delivers_media_both_handshakes_any_split() {
    for complex in [true, false] {
        for split in [1, 7, 100, 100_000] {
            let (mut c, mut s) = pair(complex);
            connect(&mut c, &mut s, split);
            c.publish("livestream?token=1").expect("publish");
            pump(&mut c, &mut s, split);
            match &server_events(&mut s)[..] {
                [ServerEvent::PublishRequested { stream }] => {
                    assert_eq!(stream, "livestream?token=1")
                }
                other => panic!("{other:?}"),
            }
            s.accept_publish("livestream").expect("accept publish");
            pump(&mut c, &mut s, split);
            assert!(matches!(
                client_events(&mut c)[..],
                [ClientEvent::PublishStarted]
            ));
            let meta = command::encode_values(&[
                Amf0Value::String("@setDataFrame".into()),
                Amf0Value::String("onMetaData".into()),
                Amf0Value::EcmaArray(vec![("width".into(), Amf0Value::Number(320.0))]),
            ]);
            c.send_media(&MediaMessage::new(MediaKind::Script, 0, meta))
                .expect("meta");
            c.send_media(&video(0, true, 70_000)).expect("send");
            c.send_media(&video(40, false, 10)).expect("send");
            pump(&mut c, &mut s, split);
            let ev = server_events(&mut s);
            assert_eq!(ev.len(), 3, "{ev:?}");
            match &ev[0] {
                ServerEvent::Media(m) => {
                    assert!(m.is_script());
                    let v = srs_kernel::amf0::decode_all(&m.payload).expect("amf");
                    assert_eq!(v[0].as_str(), Some("onMetaData"), "@setDataFrame unwrapped");
                }
                other => panic!("{other:?}"),
            }
            match (&ev[1], &ev[2]) {
                (ServerEvent::Media(a), ServerEvent::Media(b)) => {
                    assert!(a.is_keyframe());
                    assert_eq!(a.payload.len(), 70_000);
                    assert_eq!(b.timestamp, 40);
                }
                other => panic!("{other:?}"),
            }
            c.unpublish("livestream");
            pump(&mut c, &mut s, split);
            assert!(matches!(
                server_events(&mut s)[..],
                [ServerEvent::Unpublished]
            ));
            assert_eq!(s.state(), ServerState::Connected);
        }
    }
}

#[test]
fn play_flow_receives_media_and_pause() {
    let (mut c, mut s) = pair(true);
    connect(&mut c, &mut s, 4096);
    c.play("livestream").expect("play");
    pump(&mut c, &mut s, 4096);
    match &server_events(&mut s)[..] {
        [ServerEvent::PlayRequested { stream, start, .. }] => {
            assert_eq!(stream, "livestream");
            assert_eq!(*start, -2.0);
        }
        other => panic!("{other:?}"),
    }
    s.accept_play("livestream").expect("accept play");
    let key = video(1000, true, 200);
    s.send_media(MediaKind::Video, 0, &key.payload);
    s.send_media(MediaKind::Video, 40, &video(1040, false, 300).payload);
    pump(&mut c, &mut s, 4096);
    let ev = client_events(&mut c);
    assert!(
        matches!(ev[0], ClientEvent::Status { ref code } if code == "NetStream.Play.Reset"),
        "{ev:?}"
    );
    assert!(matches!(ev[1], ClientEvent::PlayStarted), "{ev:?}");
    let media: Vec<&MediaMessage> = ev
        .iter()
        .filter_map(|e| match e {
            ClientEvent::Media(m) => Some(m),
            _ => None,
        })
        .collect();
    assert_eq!(media.len(), 2);
    assert!(media[0].is_keyframe());
    assert_eq!(media[0].payload, key.payload);
    assert_eq!(media[1].timestamp, 40);
    c.pause(true, 40.0);
    pump(&mut c, &mut s, 4096);
    assert!(matches!(
        server_events(&mut s)[..],
        [ServerEvent::Paused(true)]
    ));
    let ev = client_events(&mut c);
    assert!(ev
        .iter()
        .any(|e| matches!(e, ClientEvent::Status { code } if code == "NetStream.Pause.Notify")));
    assert!(ev.iter().any(|e| matches!(e, ClientEvent::StreamEof)));
}

#[test]
fn rejected_connect_and_publish_reach_the_client() {
    let (mut c, mut s) = pair(false);
    pump(&mut c, &mut s, 1000);
    assert_eq!(server_events(&mut s).len(), 1);
    s.reject_connect("no such vhost").expect("reject");
    pump(&mut c, &mut s, 1000);
    match &client_events(&mut c)[..] {
        [ClientEvent::Rejected { code, description }] => {
            assert_eq!(code, "NetConnection.Connect.Rejected");
            assert_eq!(description, "no such vhost");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(s.state(), ServerState::Closed);

    let (mut c, mut s) = pair(false);
    connect(&mut c, &mut s, 1000);
    c.publish("taken").expect("publish");
    pump(&mut c, &mut s, 1000);
    let _ = server_events(&mut s);
    s.reject_publish(crate::session::Refusal::StreamBusy, "already publishing")
        .expect("reject");
    pump(&mut c, &mut s, 1000);
    assert!(matches!(&client_events(&mut c)[..],
        [ClientEvent::Rejected { code, .. }] if code == "NetStream.Publish.BadName"));
    assert!(
        s.accept_publish("x").is_err(),
        "no decision pending any more"
    );
}

#[test]
fn server_acknowledges_after_the_window() {
    let (mut c, mut s) = pair(false);
    connect(&mut c, &mut s, 100_000);
    // The client announces a small window so the server must acknowledge.
    let (t, p) = crate::chunk::ControlMessage::WindowAckSize(5000).encode();
    c.out_queue().push({
        let mut enc = crate::chunk::ChunkEncoder::new();
        enc.set_chunk_size(60000);
        let mut q = crate::out_queue::OutQueue::new();
        enc.encode(2, 0, t, 0, &p, &mut q);
        Bytes::from(drain(&mut q))
    });
    c.publish("s").expect("publish");
    pump(&mut c, &mut s, 100_000);
    let _ = server_events(&mut s);
    s.accept_publish("s").expect("accept");
    pump(&mut c, &mut s, 100_000);
    let before = drain(s.out_queue());
    assert!(before.is_empty());
    for i in 0..10 {
        c.send_media(&video(i * 40, i == 0, 1000)).expect("send");
    }
    let bytes = drain(c.out_queue());
    s.feed(&bytes).expect("feed");
    let ack = drain(s.out_queue());
    // One Acknowledgement (type 3) on chunk stream 2, which already carried
    // control messages, so a fmt 1 header (1 + 7 bytes), then the sequence number.
    assert_eq!(ack.len(), 8 + 4, "{ack:02x?}");
    assert_eq!(ack[0], 0x42);
    assert_eq!(ack[7], 3);
    let seq = u32::from_be_bytes([ack[8], ack[9], ack[10], ack[11]]);
    assert_eq!(seq as u64, s.bytes_in());
}

#[test]
fn chunk_size_changes_apply_both_ways() {
    let (mut c, mut s) = pair(true);
    connect(&mut c, &mut s, 333);
    // The client announced 60000 before connect, the server 4096 at accept; both decode large messages.
    c.publish("big").expect("publish");
    pump(&mut c, &mut s, 333);
    let _ = server_events(&mut s);
    s.accept_publish("big").expect("accept");
    pump(&mut c, &mut s, 333);
    let _ = client_events(&mut c);
    c.send_media(&video(0, true, 200_000)).expect("send");
    let bytes = drain(c.out_queue());
    // 200000 bytes in chunks of 60000: 4 chunks, 3 one-byte continuation headers.
    assert_eq!(bytes.len(), 12 + 200_000 + 3);
    s.feed(&bytes).expect("feed");
    match &server_events(&mut s)[..] {
        [ServerEvent::Media(m)] => assert_eq!(m.payload.len(), 200_000),
        other => panic!("{other:?}"),
    }
}

#[test]
fn garbage_and_bad_commands_are_errors_not_panics() {
    let mut s = ServerSession::new(FastRng::new(3), 0);
    assert!(s.feed(&[0x06; 1537]).is_err(), "bad C0");
    let (mut c, mut s) = pair(false);
    pump(&mut c, &mut s, 1000);
    let _ = server_events(&mut s);
    s.accept_connect(128, &ServerInfo::default())
        .expect("accept");
    // fmt 1 on a never-seen chunk stream 9 is a protocol error.
    assert!(s.feed(&[0x49, 0, 0, 0, 0, 0, 4, 20]).is_err());
    assert_eq!(s.state(), ServerState::Closed);
    // Random bytes after a good handshake never panic.
    let mut rng = FastRng::new(9);
    for _ in 0..200 {
        let (mut c, mut s) = pair(false);
        pump(&mut c, &mut s, 1000);
        let mut junk = vec![0u8; 300];
        rng.fill(&mut junk);
        let _ = s.feed(&junk);
    }
}

#[test]
fn a_flood_of_messages_is_processed_in_bounded_passes() {
    use crate::session::MAX_EVENTS_PER_PASS;
    let (mut c, mut s) = pair(false);
    connect(&mut c, &mut s, 100_000);
    c.publish("livestream").expect("publish");
    pump(&mut c, &mut s, 100_000);
    let _ = server_events(&mut s);
    s.accept_publish("livestream").expect("accept publish");
    pump(&mut c, &mut s, 100_000);
    let total = MAX_EVENTS_PER_PASS * 2 + 10;
    for i in 0..total {
        c.send_media(&video(i as u32, false, 9)).expect("send");
    }
    let wire = drain(c.out_queue());
    s.feed(&wire).expect("feed");
    let mut seen = 0;
    let mut passes = 0;
    loop {
        let batch = server_events(&mut s).len();
        assert!(batch <= MAX_EVENTS_PER_PASS, "{batch} events in one pass");
        seen += batch;
        passes += 1;
        if !s.has_backlog() {
            break;
        }
        s.process_backlog().expect("backlog");
    }
    assert_eq!(seen, total);
    assert_eq!(passes, 3);
}

#[test]
fn get_stream_length_is_answered_with_a_number() {
    use crate::chunk::ChunkEncoder;
    let (mut c, mut s) = pair(false);
    connect(&mut c, &mut s, 100_000);
    let call = command::encode_values(&[
        Amf0Value::String("getStreamLength".into()),
        Amf0Value::Number(5.0),
        Amf0Value::Null,
        Amf0Value::String("livestream".into()),
    ]);
    let mut q = crate::out_queue::OutQueue::new();
    ChunkEncoder::new().encode(3, 0, 20, 0, &call, &mut q);
    s.feed(&drain(&mut q)).expect("feed");
    assert!(
        server_events(&mut s).is_empty(),
        "answered by the session itself"
    );
    let out = drain(s.out_queue());
    // One chunk (far below the chunk size): the payload is contiguous.
    let expected = command::encode_values(&[
        Amf0Value::String("_result".into()),
        Amf0Value::Number(5.0),
        Amf0Value::Null,
        Amf0Value::Number(0.0),
    ]);
    assert!(
        out.windows(expected.len()).any(|w| w == &expected[..]),
        "ffmpeg reads _result, the transaction, null, then a number"
    );
}
