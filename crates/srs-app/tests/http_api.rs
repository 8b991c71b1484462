//! The HTTP API, /metrics and the heartbeat, end to end.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use serde_json::Value;

fn get_json(addr: std::net::SocketAddr, path: &str) -> (u16, Value) {
    let a = http_get(addr, path);
    let v = serde_json::from_slice(&a.body).unwrap_or(Value::Null);
    (a.status, v)
}

fn delete(addr: std::net::SocketAddr, path: &str) -> (u16, Value) {
    let a = http_raw(
        addr,
        format!("DELETE {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
    );
    (
        a.status,
        serde_json::from_slice(&a.body).unwrap_or(Value::Null),
    )
}

/// A strict check of the Prometheus text format; returns (name, labels, value) samples.
fn parse_prometheus(text: &str) -> Vec<(String, String, f64)> {
    let mut typed = std::collections::HashSet::new();
    let mut samples = Vec::new();
    let name_ok = |n: &str| {
        !n.is_empty()
            && n.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    };
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut it = rest.split_whitespace();
            let name = it.next().expect("type name");
            let kind = it.next().expect("type kind");
            assert!(name_ok(name), "metric name {name:?}");
            assert!(
                ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                "{line}"
            );
            assert!(
                typed.insert(name.to_string()),
                "TYPE given twice for {name}"
            );
            continue;
        }
        if line.starts_with("# HELP ") || line.is_empty() {
            continue;
        }
        assert!(!line.starts_with('#'), "unknown comment {line}");
        let (series, value) = line.rsplit_once(' ').expect("series and value");
        let value: f64 = value.parse().expect("numeric value");
        let (name, labels) = match series.find('{') {
            Some(i) => {
                assert!(series.ends_with('}'), "{line}");
                (&series[..i], &series[i + 1..series.len() - 1])
            }
            None => (series, ""),
        };
        assert!(name_ok(name), "{line}");
        assert!(typed.contains(name), "sample before its TYPE: {line}");
        // labels: k="v" pairs, values with \\ \" \n escapes only
        let mut chars = labels.chars().peekable();
        while chars.peek().is_some() {
            let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
            assert!(name_ok(&key), "label name {key:?} in {line}");
            assert_eq!(chars.next(), Some('"'), "{line}");
            loop {
                match chars.next().expect("unterminated label value") {
                    '\\' => assert!(matches!(chars.next(), Some('\\' | '"' | 'n')), "{line}"),
                    '"' => break,
                    _ => {}
                }
            }
            match chars.next() {
                Some(',') | None => {}
                other => panic!("bad label separator {other:?} in {line}"),
            }
        }
        samples.push((name.to_string(), labels.to_string(), value));
    }
    samples
}

#[test]
fn api_answers_streams_clients_kick_and_metrics() {
    let server = TestServer::start(
        "http_api { enabled on; listen 127.0.0.1:0; }\nvhost __defaultVhost__ { }\n",
    );
    let api = server.api.expect("api listener");
    let publisher = publish_in_background(
        server.addr,
        &server.url("s"),
        read_flv(&fixture_flv(14)),
        true,
    );
    let mut player = client(server.addr, &server.url("s"));
    player.play().expect("play");
    let reader = std::thread::spawn(move || {
        let mut n = 0;
        while let Ok(Some(_)) = player.read_media() {
            n += 1;
        }
        n
    });
    std::thread::sleep(Duration::from_secs(7));

    let (status, v) = get_json(api, "/api/v1/versions");
    assert_eq!(status, 200);
    assert_eq!(v["code"], 0);
    assert_eq!(v["data"]["version"], env!("CARGO_PKG_VERSION"));
    let (_, v) = get_json(api, "/api/v1/summaries");
    assert_eq!(v["code"], 0);
    assert_eq!(
        v["data"]["self"]["pid"].as_u64(),
        Some(std::process::id() as u64)
    );
    assert!(
        v["data"]["system"]["conn_srs"]
            .as_u64()
            .is_some_and(|n| n >= 2),
        "{v}"
    );
    for path in [
        "rusages",
        "self_proc_stats",
        "system_proc_stats",
        "meminfos",
        "authors",
        "requests",
        "vhosts",
    ] {
        let (status, v) = get_json(api, &format!("/api/v1/{path}"));
        assert_eq!((status, v["code"].as_i64()), (200, Some(0)), "{path}: {v}");
    }
    let (_, v) = get_json(api, "/api/v1/streams");
    let streams = v["streams"].as_array().expect("streams");
    let s = streams.iter().find(|s| s["name"] == "s").expect("stream s");
    assert_eq!(s["app"], "live");
    assert_eq!(s["publish"]["active"], true);
    assert_eq!(s["video"]["codec"], "H264");
    assert_eq!(
        (s["video"]["width"].as_u64(), s["video"]["height"].as_u64()),
        (Some(320), Some(240))
    );
    assert_eq!(s["audio"]["codec"], "AAC");
    assert_eq!(s["audio"]["sample_rate"], 44100);
    assert!(
        s["kbps"]["recv_30s"].as_u64().is_some_and(|k| k > 10),
        "kbps measured: {s}"
    );
    assert_eq!(s["clients"], 2);
    let stream_id = s["id"].clone();
    let (status, one) = get_json(api, &format!("/api/v1/streams/{stream_id}"));
    assert_eq!((status, one["stream"]["name"].as_str()), (200, Some("s")));

    let (_, v) = get_json(api, "/api/v1/clients");
    let clients = v["clients"].as_array().expect("clients");
    let player_entry = clients
        .iter()
        .find(|c| c["type"] == "Play")
        .expect("the player is listed");
    assert!(
        clients.iter().any(|c| c["publish"] == true),
        "the publisher is listed"
    );
    assert_eq!(player_entry["stream"], stream_id);
    let player_id = player_entry["id"].as_u64().expect("id");

    let metrics = http_get(api, "/metrics");
    assert_eq!(metrics.status, 200);
    assert!(metrics
        .header("content-type")
        .is_some_and(|t| t.starts_with("text/plain")));
    let samples = parse_prometheus(&String::from_utf8_lossy(&metrics.body));
    let value = |name: &str| samples.iter().find(|s| s.0 == name).map(|s| s.2);
    assert!(value("srs_connections").is_some_and(|v| v >= 2.0));
    assert!(value("srs_receive_bytes_total").is_some_and(|v| v > 0.0));
    assert!(samples
        .iter()
        .any(|s| s.0 == "srs_stream_recv_kbps" && s.1.contains("stream=\"s\"") && s.2 > 0.0));
    for name in [
        "srs_hook_failures_total",
        "srs_dropped_messages_total",
        "srs_hls_errors_total",
        "srs_dvr_errors_total",
    ] {
        assert!(value(name).is_some(), "{name} exported");
    }

    let (status, v) = delete(api, &format!("/api/v1/clients/{player_id}"));
    assert_eq!((status, v["code"].as_i64()), (200, Some(0)));
    let frames = reader.join().expect("reader");
    assert!(frames > 10, "the player played until kicked");
    let (_, v) = get_json(api, "/api/v1/clients");
    assert!(
        !v["clients"]
            .as_array()
            .expect("clients")
            .iter()
            .any(|c| c["id"] == player_id),
        "the kicked player is gone"
    );
    let (status, v) = delete(api, "/api/v1/clients/999999");
    assert_eq!((status, v["code"].as_i64()), (404, Some(1063)));
    let (status, v) = get_json(api, "/api/v1/nothing");
    assert_eq!((status, v["code"].as_i64()), (404, Some(3011)));
    let a = http_get(api, "/api/v1/versions");
    assert_eq!(
        a.header("access-control-allow-origin").as_deref(),
        Some("*")
    );
    publisher.join().expect("publisher");
}

#[test]
fn heartbeat_posts_device_id_and_summaries() {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/api/v1/servers", l.local_addr().expect("addr"));
    let got = Arc::new(Mutex::new(Vec::<String>::new()));
    let g = Arc::clone(&got);
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let mut buf = vec![0u8; 65536];
            let mut n = 0;
            let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
            while let Ok(k) = s.read(&mut buf[n..]) {
                if k == 0 {
                    break;
                }
                n += k;
                let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                if let Some(end) = text.find("\r\n\r\n") {
                    let len: usize = text[..end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if n >= end + 4 + len {
                        if let Ok(mut g) = g.lock() {
                            g.push(text[end + 4..end + 4 + len].to_string());
                        }
                        break;
                    }
                }
            }
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n0");
        }
    });
    let _server = TestServer::start(&format!(
        "heartbeat {{ enabled on; interval 1; url {url}; device_id \"my-device\"; summaries on; }}\nvhost __defaultVhost__ {{ }}\n"
    ));
    assert!(
        wait_until(10, || got.lock().map(|g| g.len() >= 2).unwrap_or(false)),
        "two heartbeats"
    );
    let first: Value = serde_json::from_str(&got.lock().expect("lock")[0]).expect("json");
    assert_eq!(first["device_id"], "my-device");
    assert!(first["ip"]
        .as_str()
        .is_some_and(|ip| ip.parse::<std::net::IpAddr>().is_ok()));
    assert_eq!(first["summaries"]["code"], 0);
}
