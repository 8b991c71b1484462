//! The RTMP server session fed an arbitrary chunk stream after a valid handshake.
//!
//! Input: one control byte (split seed and the answers to give), then the bytes the client
//! sends after C2. The harness answers every connect, publish and play it raises (accepting or
//! refusing, from the control byte) so that publishing and playing states are reached, sends
//! media to players, and decodes everything the server writes as a client would: the server's
//! own output must always be a valid chunk stream.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use srs_core::FastRng;
use srs_fuzz::{drain, split, Lcg, PeerReader};
use srs_kernel::MediaKind;
use srs_rtmp::command::ServerInfo;
use srs_rtmp::handshake::{HandshakeKind, HANDSHAKE_SIZE, RTMP_VERSION};
use srs_rtmp::session::server::{ServerEvent, ServerSession, ServerState};
use srs_rtmp::session::Refusal;
use srs_rtmp::url::RequestUrl;

const OUT_CHUNK_SIZES: [u32; 4] = [60000, 128, 1, 4096];

/// An accept_* answer: an error comes from the input decoded after it, and closes the session.
fn accepted(s: &ServerSession, r: Result<(), srs_rtmp::RtmpError>) {
    if r.is_err() {
        assert_eq!(
            s.state(),
            ServerState::Closed,
            "an error must close the session"
        );
    }
}

fn refusal(rng: &mut Lcg) -> Refusal {
    match rng.next_u32() % 3 {
        0 => Refusal::BadName,
        1 => Refusal::StreamBusy,
        _ => Refusal::Denied,
    }
}

fn answer(
    s: &mut ServerSession,
    rng: &mut Lcg,
    peer: &mut PeerReader,
    url: &mut Option<RequestUrl>,
) {
    while let Some(ev) = s.poll_event() {
        let accept = rng.next_u32() & 7 != 0;
        match ev {
            ServerEvent::ConnectRequested(c) => {
                assert_eq!(s.state(), ServerState::ConnectPending);
                // a decision for another state is refused and changes nothing
                assert!(s.accept_publish("x").is_err());
                assert!(s.accept_play("x").is_err());
                assert_eq!(s.state(), ServerState::ConnectPending);
                *url = RequestUrl::from_connect(&c.tc_url, &c.app).ok();
                if accept && url.is_some() {
                    let size = OUT_CHUNK_SIZES[(rng.next_u32() % 4) as usize];
                    // accepting decodes the input that waited: its errors close the session
                    let r = s.accept_connect(size, &ServerInfo::default());
                    accepted(s, r);
                } else {
                    s.reject_connect("no").expect("reject in ConnectPending");
                    assert_eq!(s.state(), ServerState::Closed);
                }
            }
            ServerEvent::PublishRequested { stream } => {
                assert_eq!(s.state(), ServerState::PublishPending);
                assert!(s.accept_play(&stream).is_err());
                assert!(s.accept_connect(128, &ServerInfo::default()).is_err());
                assert_eq!(s.state(), ServerState::PublishPending);
                let named = url.as_mut().is_some_and(|u| u.set_stream(&stream).is_ok());
                if accept && named {
                    let r = s.accept_publish(&stream);
                    accepted(s, r);
                } else {
                    s.reject_publish(refusal(rng), "no")
                        .expect("reject in PublishPending");
                    assert_eq!(s.state(), ServerState::Closed);
                }
            }
            ServerEvent::PlayRequested { stream, .. } => {
                assert_eq!(s.state(), ServerState::PlayPending);
                assert!(s.accept_publish(&stream).is_err());
                assert_eq!(s.state(), ServerState::PlayPending);
                let named = url.as_mut().is_some_and(|u| u.set_stream(&stream).is_ok());
                if accept && named {
                    let r = s.accept_play(&stream);
                    accepted(s, r);
                    let payload = Bytes::from_static(&[0x17, 0, 0, 0, 0, 1, 2, 3]);
                    s.send_media(MediaKind::Video, 40, &payload);
                    s.send_media(
                        MediaKind::Audio,
                        0xFFFF_FFF0,
                        &Bytes::from_static(&[0xAF, 1]),
                    );
                    s.send_media(MediaKind::Script, 0, &Bytes::new());
                } else {
                    s.reject_play(refusal(rng), "no")
                        .expect("reject in PlayPending");
                    assert_eq!(s.state(), ServerState::Closed);
                }
            }
            ServerEvent::Call { transaction_id, .. } => s.answer_unknown_call(transaction_id),
            ServerEvent::Media(m) => {
                assert!(m.payload.len() <= 16 * 1024 * 1024);
            }
            ServerEvent::Unpublished | ServerEvent::PlayStopped | ServerEvent::Paused(_) => {}
        }
        if s.state() == ServerState::Playing && rng.next_u32() & 3 == 0 {
            s.send_stream_eof();
        }
        peer.feed(&drain(s.out_queue()));
        peer.messages.clear();
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, input)) = data.split_first() else {
        return;
    };
    let mut rng = Lcg::new(u64::from(ctl));
    let mut s = ServerSession::new(FastRng::new(1), 1000);
    assert_eq!(s.state(), ServerState::Handshaking);

    // A simple handshake (C1 carries no valid digest), then the fuzzed chunk stream, split.
    let mut stream = vec![RTMP_VERSION];
    stream.resize(1 + 2 * HANDSHAKE_SIZE, 0);
    let handshake_len = stream.len();
    stream.extend_from_slice(input);

    let mut peer = PeerReader::new();
    let mut url = None;
    let mut fed = 0usize;
    let mut bytes_in = 0u64;
    let mut s0s1s2 = Vec::new();
    for piece in split(&stream, u64::from(ctl >> 2)) {
        let before = s.state();
        let r = s.feed(piece);
        fed += piece.len();
        bytes_in += piece.len() as u64;
        assert_eq!(s.bytes_in(), bytes_in);
        let out = drain(s.out_queue());
        let want = (1 + 2 * HANDSHAKE_SIZE - s0s1s2.len()).min(out.len());
        s0s1s2.extend_from_slice(&out[..want]);
        peer.feed(&out[want..]);
        match r {
            Ok(()) => {
                if fed >= handshake_len {
                    assert_ne!(s.state(), ServerState::Handshaking);
                    assert_eq!(s.handshake_kind(), Some(HandshakeKind::Simple));
                } else {
                    assert_eq!(s.state(), ServerState::Handshaking);
                }
            }
            Err(_) => {
                assert_ne!(
                    before,
                    ServerState::Closed,
                    "a closed session returned an error"
                );
                assert_eq!(
                    s.state(),
                    ServerState::Closed,
                    "an error must close the session"
                );
                assert!(s.feed(b"more").is_ok(), "a closed session ignores input");
                bytes_in += 4;
            }
        }
        answer(&mut s, &mut rng, &mut peer, &mut url);
        // a pass that queued too many events leaves input for a later turn
        while s.has_backlog() {
            let r = s.process_backlog();
            accepted(&s, r);
            answer(&mut s, &mut rng, &mut peer, &mut url);
        }
        assert!(!s.has_backlog() || s.state() == ServerState::Closed);
        peer.feed(&drain(s.out_queue()));
        peer.messages.clear();
        if s.state() == ServerState::Closed {
            break;
        }
    }
    if fed > HANDSHAKE_SIZE {
        assert_eq!(s0s1s2.len(), 1 + 2 * HANDSHAKE_SIZE, "S0S1S2 after C0C1");
        assert_eq!(s0s1s2[0], RTMP_VERSION);
        // simple handshake: S2 echoes C1
        assert!(s0s1s2[1 + HANDSHAKE_SIZE..].iter().all(|&b| b == 0));
    } else {
        assert!(s0s1s2.is_empty());
    }
});
