//! srs-bandwidth-check against the in-process server (a `bandcheck` vhost)
//! and against a minimal reference driver of `srs_rtmp::bandwidth::BandwidthServer`.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use bytes::Buf;
use srs_core::FastRng;
use srs_rtmp::bandwidth::{
    BandwidthAction, BandwidthReport, BandwidthServer, BandwidthServerConfig,
};
use srs_rtmp::command::ServerInfo;
use srs_rtmp::session::server::{ServerEvent, ServerSession};

mod common;

use common::TestServer;

const KEY: &str = "35c9b402c12a7246868752e2878f7e0e";

fn bandcheck_config(limit_kbps: u32) -> String {
    format!(
        "vhost __defaultVhost__ {{ }}\n\
         vhost bandcheck.srs.com {{\n\
             enabled on;\n\
             chunk_size 65000;\n\
             bandcheck {{\n\
                 enabled on;\n\
                 key \"{KEY}\";\n\
                 interval 30;\n\
                 limit_kbps {limit_kbps};\n\
             }}\n\
         }}\n"
    )
}

fn url(addr: SocketAddr, key: &str, vhost: &str) -> String {
    format!(
        "rtmp://127.0.0.1:{}/app?key={key}&vhost={vhost}",
        addr.port()
    )
}

fn check(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_srs-bandwidth-check"))
        .args(args)
        .output()
        .expect("run srs-bandwidth-check")
}

/// Runs the tool with --json and returns the parsed figures.
fn check_json(url: &str) -> serde_json::Value {
    let out = check(&[url, "--json"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "srs-bandwidth-check failed: {stderr}\n{stdout}"
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("bad json {stdout:?}: {e}"))
}

fn assert_near_limit(v: &serde_json::Value, limit: u64) {
    for key in ["play_kbps", "publish_kbps"] {
        let kbps = v[key].as_u64().unwrap_or_else(|| panic!("{key} in {v}"));
        assert!(
            kbps * 100 >= limit * 80 && kbps * 100 <= limit * 120,
            "{key} = {kbps}, limit {limit}: {v}"
        );
    }
    for key in ["play_duration", "publish_duration"] {
        let ms = v[key].as_u64().unwrap_or_else(|| panic!("{key} in {v}"));
        assert!((2500..4000).contains(&ms), "{key} = {ms}: {v}");
    }
    assert_eq!(v["code"], 0);
    assert!(v["play_bytes"].as_u64().unwrap_or(0) > 0, "{v}");
    assert!(v["publish_bytes"].as_u64().unwrap_or(0) > 0, "{v}");
}

#[test]
fn bandcheck_vhost_4000_kbps_and_the_interval() {
    let server = TestServer::start(&bandcheck_config(4000));
    let u = url(server.addr, KEY, "bandcheck.srs.com");
    let v = check_json(&u);
    assert_near_limit(&v, 4000);

    // A second check within `interval` (30 s) is refused, as in SRS.
    let out = check(&[&u]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "second check within the interval: {stderr}"
    );
}

#[test]
fn bandcheck_vhost_1000_kbps_text_output() {
    let server = TestServer::start(&bandcheck_config(1000));
    let out = check(&[&url(server.addr, KEY, "bandcheck.srs.com")]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}\n{stdout}");
    let kbps_of = |prefix: &str| -> u64 {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix} line in {stdout}"));
        line[prefix.len()..]
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("bad line {line}"))
    };
    for prefix in ["play:", "publish:"] {
        let kbps = kbps_of(prefix);
        assert!(
            (800..=1200).contains(&kbps),
            "{prefix} {kbps} kbps\n{stdout}"
        );
    }
    assert!(
        stderr.contains("play phase") && stderr.contains("publish phase"),
        "{stderr}"
    );
}

#[test]
fn a_wrong_key_or_no_bandcheck_fails_with_a_clear_message() {
    let server = TestServer::start(&bandcheck_config(1000));
    // Wrong key: SRS drops the connection; either way the tool must say why.
    let out = check(&[
        &url(server.addr, "wrong", "bandcheck.srs.com"),
        "--timeout",
        "2",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("key") || stderr.contains("refused"),
        "{stderr}"
    );

    // A vhost without bandcheck: a plain connection, the test never starts.
    let started = Instant::now();
    let out = check(&[
        &url(server.addr, KEY, "__defaultVhost__"),
        "--timeout",
        "1",
        "--json",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("did not start a bandwidth test")
            && stderr.contains("bandcheck enabled and the key right"),
        "{stderr}"
    );
    assert!(stdout.starts_with("{\"code\":1"), "{stdout}");
    assert!(started.elapsed() < Duration::from_secs(8));
}

#[test]
fn usage_errors() {
    let out = check(&["--help"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Usage: srs-bandwidth-check URL"));
    assert_eq!(check(&[]).status.code(), Some(2));
    assert_eq!(check(&["http://x/app"]).status.code(), Some(2));
    assert_eq!(
        check(&["rtmp://h/app", "--timeout", "x"]).status.code(),
        Some(2)
    );
}

// ------------------------------------------------------------------------------------------
// A minimal reference driver: one non-blocking connection served by ServerSession +
// BandwidthServer, the way the server's loop integrates them.

fn serve_one(listener: TcpListener, limit_kbps: u64) -> Option<BandwidthReport> {
    let (mut tcp, _) = listener.accept().ok()?;
    tcp.set_nonblocking(true).ok()?;
    tcp.set_nodelay(true).ok()?;
    let origin = Instant::now();
    let now = || origin.elapsed().as_millis() as u64;
    let mut session = ServerSession::new(FastRng::new(7), 0);
    let mut bw: Option<BandwidthServer> = None;
    let mut buf = vec![0u8; 64 * 1024];
    let mut finished: Option<BandwidthReport> = None;
    loop {
        assert!(now() < 30_000, "reference driver stuck");
        let mut moved = false;
        let mut eof = false;
        // Read until WouldBlock (honouring the optional read throttle).
        while bw.as_ref().is_none_or(|b| b.read_allowed(now())) {
            match tcp.read(&mut buf) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(n) => {
                    moved = true;
                    if let Some(b) = bw.as_mut() {
                        b.on_bytes_received(n as u64);
                    }
                    session.feed(&buf[..n]).ok()?;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(_) => return finished,
            }
            while let Some(e) = session.poll_event() {
                match e {
                    ServerEvent::ConnectRequested(req) => {
                        if !req.tc_url.contains(&format!("key={KEY}")) {
                            return None;
                        }
                        session.accept_connect(65000, &ServerInfo::default()).ok()?;
                        bw = Some(BandwidthServer::new(
                            BandwidthServerConfig::new(limit_kbps),
                            now(),
                        ));
                    }
                    ServerEvent::Call { name, args, .. } => {
                        if let Some(b) = bw.as_mut() {
                            b.on_call(&name, &args, now());
                        }
                    }
                    _ => {}
                }
            }
        }
        if let Some(b) = bw.as_mut() {
            for action in b.poll(now()) {
                match action {
                    BandwidthAction::Send(p) => session.send_connection_command(p),
                    BandwidthAction::Finished(r) => finished = Some(r),
                    BandwidthAction::Failed(why) => panic!("{why}"),
                }
            }
        }
        if eof {
            // The client leaves right after finalClientPacket.
            return finished;
        }
        let out = session.out_queue();
        while out.has_remaining() {
            match tcp.write(out.chunk()) {
                Ok(n) => {
                    out.advance(n);
                    moved = true;
                    if let Some(b) = bw.as_mut() {
                        b.on_bytes_sent(n as u64);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(_) => return finished,
            }
        }
        if finished.is_some() && !session.out_queue().has_remaining() {
            return finished;
        }
        if !moved {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

#[test]
fn reference_driver_reports_what_the_tool_prints() {
    for limit in [4000u64, 1000] {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let server = std::thread::spawn(move || serve_one(listener, limit));
        let v = check_json(&url(addr, KEY, "bandcheck.srs.com"));
        eprintln!("limit {limit}: {v}");
        assert_near_limit(&v, limit);
        let report = server
            .join()
            .expect("driver thread")
            .expect("driver finished");
        assert_eq!(v["play_kbps"].as_u64(), Some(report.play_kbps));
        assert_eq!(v["publish_kbps"].as_u64(), Some(report.publish_kbps));
        assert_eq!(v["play_bytes"].as_u64(), Some(report.play_bytes));
        assert_eq!(v["publish_bytes"].as_u64(), Some(report.publish_bytes));
    }
}
