//! The HTTP server: static files, ranges, traversal, keep-alive, HTTP-FLV live.

mod common;

use std::io::{Read, Write};
use std::process::Command;
use std::time::Duration;

use common::*;
use srs_kernel::flv::FlvReader;

fn server_with_files() -> (TestServer, std::path::PathBuf) {
    let dir = scratch("http-files");
    std::fs::create_dir_all(dir.join("live")).expect("dir");
    std::fs::write(dir.join("live/a.m3u8"), "#EXTM3U\n#EXT-X-VERSION:3\n").expect("write");
    let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(dir.join("live/seg-1.ts"), &data).expect("write");
    std::fs::write(dir.join("index.html"), "<html>hi</html>").expect("write");
    let conf = format!(
        "http_server {{ enabled on; listen 127.0.0.1:0; dir {}; }}\nvhost __defaultVhost__ {{ http_remux {{ enabled on; mount [vhost]/[app]/[stream].flv; }} }}\n",
        dir.display()
    );
    (TestServer::start(&conf), dir)
}

#[test]
fn static_files_types_ranges_and_keep_alive() {
    let (server, _dir) = server_with_files();
    let http = server.http.expect("http server");
    let a = http_get(http, "/live/a.m3u8");
    assert_eq!(a.status, 200);
    assert_eq!(
        a.header("content-type").as_deref(),
        Some("application/vnd.apple.mpegurl")
    );
    assert_eq!(
        a.header("access-control-allow-origin").as_deref(),
        Some("*")
    );
    assert!(a.body.starts_with(b"#EXTM3U"));
    let ts = http_get(http, "/live/seg-1.ts");
    assert_eq!(ts.header("content-type").as_deref(), Some("video/MP2T"));
    assert_eq!(ts.body.len(), 10_000);
    assert_eq!(http_get(http, "/").body, b"<html>hi</html>");

    let r = http_raw(
        http,
        b"GET /live/seg-1.ts HTTP/1.1\r\nRange: bytes=100-199\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(r.status, 206);
    assert_eq!(
        r.header("content-range").as_deref(),
        Some("bytes 100-199/10000")
    );
    let expect: Vec<u8> = (100..200u32).map(|i| (i % 251) as u8).collect();
    assert_eq!(r.body, expect);
    let r = http_raw(
        http,
        b"GET /live/seg-1.ts HTTP/1.1\r\nRange: bytes=-10\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(r.body.len(), 10);
    let r = http_raw(
        http,
        b"GET /live/seg-1.ts HTTP/1.1\r\nRange: bytes=20000-\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(r.status, 416);
    let mut s = tcp(http);
    s.write_all(b"HEAD /live/seg-1.ts HTTP/1.1\r\nConnection: close\r\n\r\n")
        .expect("send");
    let mut all = Vec::new();
    s.read_to_end(&mut all).expect("read");
    let text = String::from_utf8_lossy(&all);
    assert!(text.contains("Content-Length: 10000\r\n"), "{text}");
    assert!(text.ends_with("\r\n\r\n"), "HEAD has no body");

    // Two requests on one keep-alive connection, then a third pipelined pair.
    let mut s = tcp(http);
    s.write_all(b"GET /live/a.m3u8 HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("send");
    assert_eq!(read_http_answer(&mut s).status, 200);
    s.write_all(
        b"GET /live/seg-1.ts HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n",
    )
    .expect("send");
    assert_eq!(read_http_answer(&mut s).body.len(), 10_000);
    assert_eq!(read_http_answer(&mut s).status, 404);
}

#[test]
fn traversal_and_bad_requests_are_refused() {
    let (server, _dir) = server_with_files();
    let http = server.http.expect("http server");
    for path in [
        "/../../etc/passwd",
        "/live/../../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        "/live/..%2f..%2f..%2fetc%2fpasswd",
        "/..%5c..%5cetc%5cpasswd",
        "/%00",
    ] {
        let a = http_get(http, path);
        assert!(a.status == 403 || a.status == 404, "{path}: {}", a.status);
        assert!(
            !String::from_utf8_lossy(&a.body).contains("root:"),
            "{path} leaked a file"
        );
    }
    let mut huge = b"GET / HTTP/1.1\r\nX: ".to_vec();
    huge.extend(std::iter::repeat_n(b'a', 20_000));
    huge.extend_from_slice(b"\r\n\r\n");
    let mut s = tcp(http);
    let _ = s.write_all(&huge);
    let a = read_http_answer(&mut s);
    assert!(
        a.status == 431 || a.status == 0,
        "oversized head refused: {}",
        a.status
    );
    assert_eq!(http_raw(http, b"\x01\x02garbage\r\n\r\n").status, 400);
    assert_eq!(
        http_raw(
            http,
            b"POST /live/a.m3u8 HTTP/1.1\r\nConnection: close\r\n\r\n"
        )
        .status,
        405
    );
    // The server still serves after all that.
    assert_eq!(http_get(http, "/live/a.m3u8").status, 200);
}

#[test]
fn flv_files_seek_with_start() {
    let (server, dir) = server_with_files();
    let http = server.http.expect("http server");
    let fixture = fixture_flv(3);
    std::fs::copy(&fixture, dir.join("live/vod.flv")).expect("copy");
    let whole = std::fs::read(&fixture).expect("read");
    let tags = read_flv(&fixture);
    // The byte offset of the second video keyframe tag.
    let mut pos = 13usize;
    let mut offset = None;
    let mut keys = 0;
    for t in &tags {
        if t.is_video() && t.is_keyframe() && !t.is_sequence_header() {
            keys += 1;
            if keys == 2 {
                offset = Some(pos);
                break;
            }
        }
        pos += 11 + t.payload.len() + 4;
    }
    let offset = offset.expect("two keyframes");
    let a = http_get(http, &format!("/live/vod.flv?start={offset}"));
    assert_eq!(a.status, 200);
    assert_eq!(&a.body[..3], b"FLV", "an FLV header is prepended");
    // SRS's answer: the file's header, metadata and sequence headers, then the
    // data from the offset.
    let head_tags: Vec<_> = tags
        .iter()
        .take_while(|t| t.is_script() || t.is_sequence_header())
        .collect();
    let head_len = 13
        + head_tags
            .iter()
            .map(|t| 11 + t.payload.len() + 4)
            .sum::<usize>();
    assert_eq!(&a.body[..head_len], &whole[..head_len]);
    assert_eq!(&a.body[head_len..], &whole[offset..]);
    let mut r = FlvReader::new();
    r.push(&a.body);
    let got: Vec<_> = std::iter::from_fn(|| r.next_tag().ok().flatten()).collect();
    assert!(got[0].is_script(), "metadata first");
    assert!(got
        .iter()
        .take(head_tags.len())
        .filter(|t| !t.is_script())
        .all(|t| t.is_sequence_header()));
    assert!(
        got[head_tags.len()].is_keyframe(),
        "then the keyframe at the offset"
    );
    // It decodes from that point.
    require("ffprobe");
    let out = dir.join("seek.flv");
    std::fs::write(&out, &a.body).expect("write");
    assert_eq!(
        codecs(&ffprobe(&out.display().to_string())),
        ["h264", "aac"]
    );
    assert_eq!(ffmpeg_decode_errors(&out), "", "no decode errors");
}

#[test]
fn http_flv_live_plays_in_ffprobe_and_raw() {
    require("ffprobe");
    let (server, _dir) = server_with_files();
    let http = server.http.expect("http server");
    assert_eq!(
        http_get(http, "/live/none.flv").status,
        404,
        "no publisher, no stream"
    );
    let msgs = read_flv(&fixture_flv(8));
    let publisher = publish_in_background(server.addr, &server.url("hf"), msgs, true);
    std::thread::sleep(Duration::from_millis(1500));

    let probe = Command::new("ffprobe")
        .args(["-v", "error", "-show_streams", "-of", "json"])
        .arg(format!("http://{http}/live/hf.flv"))
        .output()
        .expect("ffprobe");
    assert!(
        probe.status.success(),
        "{}",
        String::from_utf8_lossy(&probe.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&probe.stdout).expect("json");
    let codecs: Vec<&str> = json["streams"]
        .as_array()
        .expect("streams")
        .iter()
        .filter_map(|s| s["codec_name"].as_str())
        .collect();
    assert!(
        codecs.contains(&"h264") && codecs.contains(&"aac"),
        "{codecs:?}"
    );

    let mut s = tcp(http);
    s.write_all(b"GET /live/hf.flv HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("send");
    let mut reader = FlvReader::new();
    let mut got = Vec::new();
    let mut buf = [0u8; 65536];
    let mut head_done = false;
    let mut head = Vec::new();
    while got.len() < 40 {
        let n = s.read(&mut buf).expect("read");
        assert!(n > 0, "stream ended early");
        let mut data = &buf[..n];
        if !head_done {
            head.extend_from_slice(data);
            let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") else {
                continue;
            };
            let text = String::from_utf8_lossy(&head[..end]).into_owned();
            assert!(text.starts_with("HTTP/1.1 200"), "{text}");
            assert!(text.contains("video/x-flv"));
            reader.push(&head[end + 4..]);
            head_done = true;
            data = &[];
        }
        reader.push(data);
        while let Some(m) = reader.next_tag().expect("valid flv") {
            got.push(m);
        }
    }
    assert!(got[0].is_script());
    assert!(got[1].is_video() && got[1].is_sequence_header());
    assert!(got[2].is_audio() && got[2].is_sequence_header());
    let first = got
        .iter()
        .find(|m| m.is_video() && !m.is_sequence_header())
        .expect("video");
    assert!(first.is_keyframe(), "gop cache start");
    drop(s);
    publisher.join().expect("publisher");
}

#[test]
fn vhost_http_mounts_serve_their_own_directory() {
    let root = scratch("http-root");
    let vod = scratch("http-vod");
    std::fs::write(root.join("a.txt"), "root").expect("write");
    std::fs::write(vod.join("a.txt"), "vod").expect("write");
    let server = TestServer::start(&format!(
        "http_server {{ enabled on; listen 127.0.0.1:0; dir {}; }}\nvhost __defaultVhost__ {{ }}\nvhost vod.test {{ http {{ enabled on; mount /vod; dir {}; }} }}\n",
        root.display(),
        vod.display()
    ));
    let http = server.http.expect("http server");
    assert_eq!(http_get(http, "/a.txt").body, b"root");
    assert_eq!(
        http_get(http, "/vod/a.txt").body,
        b"vod",
        "the vhost's mount serves its dir"
    );
    assert_eq!(
        http_get(http, "/vodka/a.txt").status,
        404,
        "a mount is a whole path segment"
    );
    let a = http_get(http, "/vod/../a.txt");
    assert!(
        a.status == 403 || a.status == 404,
        "no escape from the mount: {}",
        a.status
    );
    assert_eq!(http_get(http, "/vod/%2e%2e/a.txt").status, 403);
}
