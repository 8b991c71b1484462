//! Writes the generated part of the seed corpora (RTMP byte streams recorded from an in-memory
//! client/server pair, handshakes, AMF0 values, requests, names). Media files, configs and
//! test vectors are copied by `scripts/fuzz.sh seeds`.
//!
//! `cargo run --example gen_seeds -- <corpus dir>` (from fuzz/).

use std::fs;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use srs_core::FastRng;
use srs_fuzz::drain;
use srs_kernel::amf0::{self, Amf0Value};
use srs_kernel::{MediaKind, MediaMessage};
use srs_rtmp::command::{self, ServerInfo};
use srs_rtmp::handshake::{ClientHandshake, ServerHandshake, C0C1_SIZE, HANDSHAKE_SIZE};
use srs_rtmp::session::client::{ClientConfig, ClientSession};
use srs_rtmp::session::server::{ServerEvent, ServerSession};

fn write(dir: &Path, target: &str, name: &str, data: &[u8]) {
    let d = dir.join(target);
    fs::create_dir_all(&d).expect("mkdir");
    fs::write(d.join(name), data).expect("write seed");
}

fn with_ctl(ctl: u8, data: &[u8]) -> Vec<u8> {
    let mut v = vec![ctl];
    v.extend_from_slice(data);
    v
}

/// Runs a client against a server; returns every byte the client sent after C0C1+C2.
fn record(publish: bool, complex: bool) -> Vec<u8> {
    let (mut cfg, stream) =
        ClientConfig::from_url("rtmp://127.0.0.1:1935/live?vhost=v.example/livestream")
            .expect("url");
    cfg.complex_handshake = complex;
    let mut c = ClientSession::new(cfg, FastRng::new(1), 1000);
    let mut s = ServerSession::new(FastRng::new(2), 2000);
    let mut sent = Vec::new();
    let mut started = false;
    for round in 0..64 {
        let to_s = drain(c.out_queue());
        let to_c = drain(s.out_queue());
        sent.extend_from_slice(&to_s);
        let _ = s.feed(&to_s);
        let _ = c.feed(&to_c);
        while let Some(ev) = s.poll_event() {
            match ev {
                ServerEvent::ConnectRequested(_) => s
                    .accept_connect(4096, &ServerInfo::default())
                    .expect("accept"),
                ServerEvent::PublishRequested { stream } => {
                    s.accept_publish(&stream).expect("publish")
                }
                ServerEvent::PlayRequested { stream, .. } => s.accept_play(&stream).expect("play"),
                _ => {}
            }
        }
        while c.poll_event().is_some() {}
        if round == 6 && !started {
            started = true;
            if publish {
                c.publish(&stream).expect("publish");
            } else {
                c.play(&stream).expect("play");
            }
        }
        if round == 12 && publish {
            let meta = command::encode_values(&[
                Amf0Value::String("@setDataFrame".into()),
                Amf0Value::String("onMetaData".into()),
                Amf0Value::EcmaArray(vec![
                    ("width".into(), Amf0Value::Number(64.0)),
                    ("encoder".into(), Amf0Value::String("Lavf".into())),
                ]),
            ]);
            let _ = c.send_media(&MediaMessage::new(MediaKind::Script, 0, meta));
            let avc = Bytes::from_static(&[
                0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x0a, 0xff, 0xe1, 0, 4, 0x67, 0x64, 0, 0x0a, 1, 0, 2,
                0x68, 0xef,
            ]);
            let _ = c.send_media(&MediaMessage::new(MediaKind::Video, 0, avc));
            let aac = Bytes::from_static(&[0xaf, 0, 0x12, 0x10]);
            let _ = c.send_media(&MediaMessage::new(MediaKind::Audio, 0, aac));
            let mut frame = vec![0x17, 1, 0, 0, 0x28, 0, 0, 1, 0x2c, 0x65];
            frame.resize(300, 0x88);
            let _ = c.send_media(&MediaMessage::new(MediaKind::Video, 40, frame.into()));
            let _ = c.send_media(&MediaMessage::new(
                MediaKind::Audio,
                0x00FF_FFFF + 5,
                Bytes::from_static(&[0xaf, 1, 0x21, 0x10]),
            ));
        }
        if round == 14 && publish {
            c.unpublish(&stream);
        }
        if round == 14 && !publish {
            c.pause(true, 100.0);
        }
    }
    sent.split_off((C0C1_SIZE + HANDSHAKE_SIZE).min(sent.len()))
}

fn main() {
    let dir = PathBuf::from(std::env::args().nth(1).expect("corpus dir"));

    // RTMP chunk streams after the handshake.
    for (name, publish, complex) in [
        ("publish", true, false),
        ("play", false, false),
        ("publish_complex", true, true),
    ] {
        let bytes = record(publish, complex);
        for ctl in [0u8, 0x55] {
            let file = format!("{name}_{ctl:02x}");
            write(&dir, "server_session", &file, &with_ctl(ctl, &bytes));
            write(&dir, "chunk_decoder", &file, &with_ctl(ctl, &bytes));
        }
    }

    // Handshakes: a real server answer for the client target, a real complex and a simple
    // C0C1 for the server target.
    for (complex, ctl) in [(true, 1u8), (false, 0u8)] {
        let mut rnd = srs_fuzz::counter_random(5);
        let mut client = ClientHandshake::new(complex, 7, &mut rnd);
        let c0c1 = client.take_output().expect("c0c1");
        let mut server = ServerHandshake::new();
        server.feed(&c0c1, 9, &mut rnd).expect("feed");
        let s0s1s2 = server.take_output().expect("s0s1s2");
        let mut input = c0c1.to_vec();
        input.extend_from_slice(&[0x5a; HANDSHAKE_SIZE]);
        write(
            &dir,
            "handshake_server",
            &format!("c0c1c2_{complex}"),
            &with_ctl(0, &input),
        );
        let mut answer = s0s1s2.to_vec();
        answer.extend_from_slice(b"\x02\x00\x00");
        write(
            &dir,
            "handshake_client",
            &format!("s0s1s2_{complex}"),
            &with_ctl(ctl, &answer),
        );
    }
    write(&dir, "handshake_server", "bad_c0", &[0, 6, 1, 2, 3]);
    write(&dir, "handshake_server", "signed_schema1", &{
        let mut v = vec![3u8, 3];
        v.extend((0..HANDSHAKE_SIZE * 2).map(|i| (i * 13) as u8));
        v
    });

    // AMF0: a connect command, metadata, every marker.
    let connect = command::encode_values(&[
        Amf0Value::String("connect".into()),
        Amf0Value::Number(1.0),
        Amf0Value::object(vec![
            ("app", Amf0Value::String("live".into())),
            ("tcUrl", Amf0Value::String("rtmp://127.0.0.1/live".into())),
            ("objectEncoding", Amf0Value::Number(0.0)),
        ]),
        Amf0Value::Null,
    ]);
    write(&dir, "amf0", "connect", &connect);
    let mut every = Vec::new();
    amf0::encode_all(
        &[
            Amf0Value::Number(f64::NAN),
            Amf0Value::Boolean(true),
            Amf0Value::String("s".into()),
            Amf0Value::Object(vec![("".into(), Amf0Value::Null)]),
            Amf0Value::Undefined,
            Amf0Value::Reference(3),
            Amf0Value::ecma_array(vec![("duration", Amf0Value::Number(0.0))]),
            Amf0Value::StrictArray(vec![Amf0Value::Number(1.0), Amf0Value::Null]),
            Amf0Value::Date {
                millis: 1.5e12,
                timezone: -60,
            },
            Amf0Value::LongString("long".into()),
            Amf0Value::AvmPlus(Bytes::from_static(&[0x06, 0x05, b'a', b'b'])),
        ],
        &mut every,
    );
    write(&dir, "amf0", "every_marker", &every);

    // HTTP requests.
    for (name, req) in [
        ("get_m3u8", &b"GET /live/livestream.m3u8?token=1&x HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nConnection: keep-alive\r\n\r\n"[..]),
        ("pipelined", b"GET /api/v1/versions HTTP/1.1\r\nHost: a\r\n\r\nPOST /api/v1/clients HTTP/1.0\r\nContent-Length: 5\r\n\r\nhelloGET /live/a%20b.flv HTTP/1.1\r\n\r\n"),
        ("post_body", b"POST /api/v1/streams?vhost=__defaultVhost__ HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"action\":1}\n"),
        ("chunked", b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    ] {
        write(&dir, "http_request", name, &with_ctl(3, req));
    }

    // RTMP URLs: tcUrl NUL app NUL stream.
    for (i, u) in [
        "rtmp://127.0.0.1:1935/live\0live\0livestream",
        "rtmp://demo.srs.com/live/\0\0livestream?vhost=other.com&token=abc",
        "rtmp://127.0.0.1/live...vhost...demo.com\0live...vhost...demo.com\0s",
        "rtmp://[::1]:19350/a/b?vhost=v\0\0x..y,vhost,w&&k=1",
        "rtmp://h/live\0../etc\0/etc/passwd",
        "rtmp://127.0.0.1/live?vhost=v.example\0live?token=1\0s",
    ]
    .iter()
    .enumerate()
    {
        write(&dir, "rtmp_url", &format!("url{i}"), u.as_bytes());
    }

    // AAC AudioSpecificConfig (2 bytes of payload length first).
    for (name, asc) in [
        ("lc_44100_stereo", &[0, 100, 0x12, 0x10][..]),
        ("lc_48000_mono", &[0, 1, 0x11, 0x88]),
        ("he_explicit_rate", &[1, 0, 0x2f, 0x80, 0x5d, 0xc0, 0x10]),
        ("escape_object_type", &[0, 0, 0xf8, 0x11, 0x90]),
    ] {
        write(&dir, "aac_config", name, asc);
    }
}
