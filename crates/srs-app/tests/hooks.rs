//! HTTP hooks end to end against a recording hook server in the test.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;
use srs_rtmp::blocking::Client;
use srs_rtmp::RtmpError;

/// A hook server: `/allow` answers `0`, `/json` answers `{"code":0}`,
/// `/deny` answers `{"code":1}`, `/error` answers 500, `/slow` answers `0` after 1 s.
struct HookServer {
    addr: SocketAddr,
    posts: Arc<Mutex<Vec<(String, Value)>>>,
}

impl HookServer {
    fn start() -> HookServer {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = l.local_addr().expect("addr");
        let posts = Arc::new(Mutex::new(Vec::new()));
        let p = Arc::clone(&posts);
        std::thread::spawn(move || {
            for s in l.incoming() {
                let Ok(mut s) = s else { continue };
                let p = Arc::clone(&p);
                std::thread::spawn(move || {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    let (path, body) = loop {
                        let Ok(n) = s.read(&mut chunk) else { return };
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        let text = String::from_utf8_lossy(&buf).into_owned();
                        let Some(end) = text.find("\r\n\r\n") else {
                            continue;
                        };
                        let len: usize = text[..end]
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        if buf.len() < end + 4 + len {
                            continue;
                        }
                        let path = text.split_whitespace().nth(1).unwrap_or("").to_string();
                        break (path, text[end + 4..end + 4 + len].to_string());
                    };
                    if let Ok(v) = serde_json::from_str(&body) {
                        if let Ok(mut posts) = p.lock() {
                            posts.push((path.clone(), v));
                        }
                    }
                    let (status, answer) = match path.as_str() {
                        "/allow" => ("200 OK", "0"),
                        "/json" => ("200 OK", r#"{"code":0}"#),
                        "/deny" => ("200 OK", r#"{"code":1}"#),
                        "/slow" => {
                            std::thread::sleep(Duration::from_secs(1));
                            ("200 OK", "0")
                        }
                        _ => ("500 Internal Server Error", "no"),
                    };
                    let _ = s.write_all(
                        format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}", answer.len())
                            .as_bytes(),
                    );
                });
            }
        });
        HookServer { addr, posts }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn actions_of(&self, client_id: u64) -> Vec<String> {
        self.posts
            .lock()
            .map(|p| {
                p.iter()
                    .filter(|(_, v)| v["client_id"].as_u64() == Some(client_id))
                    .filter_map(|(_, v)| v["action"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn find(&self, action: &str, stream: &str) -> Option<Value> {
        self.posts.lock().ok().and_then(|p| {
            p.iter()
                .find(|(_, v)| {
                    v["action"] == action && (stream.is_empty() || v["stream"] == stream)
                })
                .map(|(_, v)| v.clone())
        })
    }
}

fn hooked_server(hooks: &HookServer, publish: &str, play: &str) -> TestServer {
    TestServer::start(&format!(
        "max_connections 3000;\nvhost __defaultVhost__ {{ http_hooks {{ enabled on; timeout 5; on_connect {c}; on_publish {publish}; on_unpublish {a}; on_play {play}; on_stop {a}; on_close {a}; }} }}\nvhost fast.test {{ }}\n",
        c = hooks.url("/allow"),
        a = hooks.url("/allow"),
    ))
}

#[test]
fn refused_publish_stops_ffmpeg_and_allowed_one_proceeds_with_payloads_in_order() {
    require("ffmpeg");
    let hooks = HookServer::start();
    // Two on_publish URLs: both must allow; the second denies streams named "deny*".
    let server = hooked_server(
        &hooks,
        &format!("{} {}", hooks.url("/json"), hooks.url("/allow")),
        &hooks.url("/allow"),
    );
    // A separate hook server: client ids restart at 100 in every server.
    let deny_hooks = HookServer::start();
    let denied = TestServer::start(&format!(
        "vhost __defaultVhost__ {{ http_hooks {{ enabled on; on_publish {} {}; }} }}\n",
        deny_hooks.url("/allow"),
        deny_hooks.url("/deny")
    ));
    let start = Instant::now();
    let status = Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-re",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=160x120:rate=10",
        ])
        .args([
            "-t",
            "20",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-f",
            "flv",
            &denied.url("refused"),
        ])
        .stdin(Stdio::null())
        .status()
        .expect("ffmpeg");
    assert!(!status.success(), "ffmpeg's publish is refused");
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "refused at once, not after the 20 s input"
    );

    let mut publisher = client(server.addr, &server.url("ok?token=abc"));
    publisher.publish().expect("allowed publish proceeds");
    let mut player = client(server.addr, &server.url("ok"));
    player.play().expect("allowed play proceeds");
    drop(player);
    drop(publisher);
    let connect = hooks.find("on_connect", "").expect("on_connect posted");
    for key in ["client_id", "ip", "vhost", "app", "tcUrl", "pageUrl"] {
        assert!(
            connect.get(key).is_some(),
            "on_connect has {key}: {connect}"
        );
    }
    assert_eq!(connect["vhost"], "__defaultVhost__");
    assert_eq!(connect["app"], "live");
    let publish = hooks.find("on_publish", "ok").expect("on_publish posted");
    assert_eq!(publish["param"], "?token=abc");
    assert_eq!(publish["ip"], "127.0.0.1");
    let pub_id = publish["client_id"].as_u64().expect("client id");
    assert!(
        wait_until(5, || hooks.actions_of(pub_id).len() >= 5),
        "all hooks of the publisher arrived: {:?}",
        hooks.actions_of(pub_id)
    );
    // on_publish goes to two URLs, so it appears twice.
    assert_eq!(
        hooks.actions_of(pub_id),
        vec![
            "on_connect",
            "on_publish",
            "on_publish",
            "on_unpublish",
            "on_close"
        ],
        "hooks in the order of the events"
    );
    let play = hooks.find("on_play", "ok").expect("on_play");
    let play_id = play["client_id"].as_u64().expect("id");
    assert!(wait_until(5, || hooks
        .actions_of(play_id)
        .ends_with(&["on_stop".into(), "on_close".into()])));
    let close = hooks.find("on_close", "").expect("on_close");
    assert!(close["send_bytes"].as_u64().is_some() && close["recv_bytes"].as_u64().is_some());
}

#[test]
fn refused_play_stops_ffprobe_and_errors_refuse_too() {
    require("ffprobe");
    let hooks = HookServer::start();
    let server = hooked_server(&hooks, &hooks.url("/allow"), &hooks.url("/deny"));
    let _publisher = publish_in_background(
        server.addr,
        &server.url("p"),
        read_flv(&fixture_flv(4)),
        true,
    );
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-rw_timeout", "5000000", &server.url("p")])
        .output()
        .expect("ffprobe");
    assert!(!out.status.success(), "ffprobe is refused");
    let mut c = client(server.addr, &server.url("p"));
    assert!(matches!(c.play(), Err(RtmpError::Refused { .. })));

    // A hook server that answers 500, or none at all, refuses.
    let dead = TcpListener::bind("127.0.0.1:0").expect("bind");
    let dead_url = format!("http://{}/", dead.local_addr().expect("addr"));
    drop(dead);
    for url in [hooks.url("/error"), dead_url] {
        let s = TestServer::start(&format!(
            "vhost __defaultVhost__ {{ http_hooks {{ enabled on; on_connect {url}; }} }}\n"
        ));
        match Client::connect(tcp(s.addr), &s.url("x")) {
            Err(RtmpError::Refused { code, .. }) => {
                assert_eq!(code, "NetConnection.Connect.Rejected")
            }
            other => panic!("{url}: connect must be refused, got {:?}", other.err()),
        }
    }
}

#[test]
fn a_thousand_slow_hooks_do_not_slow_other_streams() {
    let hooks = HookServer::start();
    let server = TestServer::start(&format!(
        "max_connections 3000;\nvhost __defaultVhost__ {{ http_hooks {{ enabled on; on_connect {}; }} }}\nvhost fast.test {{ mw_latency 0; }}\n",
        hooks.url("/slow")
    ));
    let port = server.addr.port();
    let fast_url = format!("rtmp://127.0.0.1:{port}/live?vhost=fast.test/f");
    let publisher = publish_in_background(server.addr, &fast_url, read_flv(&fixture_flv(12)), true);
    let mut player = client(server.addr, &fast_url);
    player.play().expect("play");
    let gaps = std::thread::spawn(move || {
        let mut last = Instant::now();
        let mut worst = Duration::ZERO;
        let mut frames = 0;
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(9) {
            match player.read_media() {
                Ok(Some(m)) if m.is_video() => {
                    if frames > 30 {
                        worst = worst.max(last.elapsed());
                    }
                    last = Instant::now();
                    frames += 1;
                }
                Ok(Some(_)) => {}
                _ => break,
            }
        }
        (worst, frames)
    });
    std::thread::sleep(Duration::from_millis(1500));
    let connected = Arc::new(AtomicUsize::new(0));
    let storm: Vec<_> = (0..1000)
        .map(|_| {
            let connected = Arc::clone(&connected);
            let url = server.url("slow");
            let addr = server.addr;
            std::thread::spawn(move || {
                let s = std::net::TcpStream::connect(addr).expect("connect");
                let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
                if Client::connect(s, &url).is_ok() {
                    connected.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    let (worst, frames) = gaps.join().expect("player");
    for t in storm {
        let _ = t.join();
    }
    assert_eq!(
        connected.load(Ordering::SeqCst),
        1000,
        "every slow-hooked connect was allowed"
    );
    assert!(
        frames > 150,
        "the other stream kept playing: {frames} frames"
    );
    assert!(
        // Frames come every 40 ms (mw_latency 0); a loop blocked by the 1 s
        // hooks would stall for seconds. The margin is for a loaded 2-core CI machine.
        worst < Duration::from_millis(1000),
        "no stall on the other stream: worst gap {worst:?}"
    );
    publisher.join().expect("publisher");
}

#[test]
fn http_flv_players_are_admitted_by_on_play_too() {
    let hooks = HookServer::start();
    let conf = |play: &str| {
        format!(
            "http_server {{ enabled on; listen 127.0.0.1:0; dir /tmp; }}\nvhost __defaultVhost__ {{ http_remux {{ enabled on; }} http_hooks {{ enabled on; on_play {play}; on_stop {stop}; }} }}\n",
            stop = hooks.url("/allow")
        )
    };
    let denied = TestServer::start(&conf(&hooks.url("/deny")));
    let _p1 = publish_in_background(
        denied.addr,
        &denied.url("h"),
        read_flv(&fixture_flv(4)),
        true,
    );
    let a = http_get(denied.http.expect("http"), "/live/h.flv?token=x");
    assert_eq!(
        a.status, 403,
        "a refused on_play refuses the HTTP-FLV player"
    );

    let allowed = TestServer::start(&conf(&hooks.url("/allow")));
    let _p2 = publish_in_background(
        allowed.addr,
        &allowed.url("h2"),
        read_flv(&fixture_flv(4)),
        true,
    );
    let mut s = tcp(allowed.http.expect("http"));
    s.write_all(b"GET /live/h2.flv?token=y HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("send");
    let mut head = [0u8; 64];
    let n = s.read(&mut head).expect("read");
    assert!(
        String::from_utf8_lossy(&head[..n]).starts_with("HTTP/1.1 200"),
        "allowed"
    );
    drop(s);
    let play = hooks
        .find("on_play", "h2")
        .expect("on_play posted for HTTP-FLV");
    assert_eq!(play["param"], "?token=y");
    assert!(
        wait_until(5, || hooks.find("on_stop", "h2").is_some()),
        "on_stop when the HTTP-FLV player leaves"
    );
}
