//! Names chosen by clients never reach the disk unchecked: traversal,
//! control characters and overlong names are refused where they enter.

mod common;

use std::path::Path;

use common::*;
use srs_rtmp::RtmpError;

fn sinks_server(root: &Path) -> TestServer {
    TestServer::start(&format!(
        "http_server {{ enabled on; listen 127.0.0.1:0; dir {d}; }}\n\
         vhost __defaultVhost__ {{\n\
           hls {{ enabled on; hls_path {d}/hls; hls_fragment 1; }}\n\
           dvr {{ enabled on; dvr_path {d}/dvr; dvr_plan session; }}\n\
           http_remux {{ enabled on; mount [vhost]/[app]/[stream].flv; }}\n\
         }}\n",
        d = root.display()
    ))
}

/// Real H.264/AAC (HLS needs codecs it can remux).
fn media() -> Vec<srs_kernel::MediaMessage> {
    read_flv(&fixture_flv(3))
}

/// Every file below `dir`, as paths relative to it.
fn files_below(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else if let Ok(rel) = p.strip_prefix(dir) {
                out.push(rel.display().to_string());
            }
        }
    }
    out.sort();
    out
}

fn refused_publish(server: &TestServer, url: &str) -> String {
    let mut c = client(server.addr, url);
    match c.publish() {
        Err(RtmpError::Refused { code, .. }) => code,
        other => panic!("publish of {url:?} must be refused, got {other:?}"),
    }
}

#[test]
fn traversal_and_control_characters_in_names_are_refused() {
    let scratch_dir = scratch("hostile-names");
    let root = scratch_dir.join("root");
    std::fs::create_dir_all(&root).expect("root");
    let server = sinks_server(&root);
    let port = server.addr.port();

    // Stream names: a second path segment, dot segments, control characters,
    // a vhost parameter with a traversal, a name too long for a file.
    let long = "s".repeat(300);
    for stream in [
        "../../y",
        "..",
        "a%2F..",
        "x\ny",
        "#EXTM3U\n#EXT-X-ENDLIST",
        "back\\slash",
        "s?vhost=../../etc",
        long.as_str(),
    ] {
        let url = format!("rtmp://127.0.0.1:{port}/live/{stream}");
        if stream == "a%2F.." {
            // Percent signs are ordinary characters in RTMP names: allowed.
            let mut c = client(server.addr, &url);
            c.publish().expect("percent is a plain character");
            continue;
        }
        assert_eq!(
            refused_publish(&server, &url),
            "NetStream.Publish.BadName",
            "{stream:?}"
        );
    }

    // Apps: the connect itself is refused.
    for app in ["..", ".", "a\nb"] {
        let url = format!("rtmp://127.0.0.1:{port}/{app}/s");
        let answer = srs_rtmp::blocking::Client::connect(tcp(server.addr), &url);
        assert!(answer.is_err(), "connect to app {app:?} must be refused");
    }

    // Players get Play.Failed.
    let mut player = client(server.addr, &format!("rtmp://127.0.0.1:{port}/live/../x"));
    match player.play() {
        Err(RtmpError::Refused { code, .. }) => assert_eq!(code, "NetStream.Play.Failed"),
        other => panic!("play must be refused, got {other:?}"),
    }

    // HTTP-FLV paths go through the same checks.
    let http = server.http.expect("http server");
    for path in ["/live/..%2f..%2fy.flv", "/live/a%0ab.flv", "/../live/s.flv"] {
        let a = http_get(http, path);
        assert!(a.status >= 400, "{path}: {}", a.status);
    }

    // A good stream still records, and only below the roots.
    let good = format!("rtmp://127.0.0.1:{port}/live/good");
    drop(publish(server.addr, &good, &media(), false));
    assert!(
        wait_until(10, || files_below(&root)
            .iter()
            .any(|f| f.starts_with("dvr/live/good."))
            && files_below(&root).iter().any(|f| f == "hls/live/good.m3u8")),
        "good stream recorded: {:?}",
        files_below(&root)
    );
    drop(server);
    let outside: Vec<String> = files_below(&scratch_dir)
        .into_iter()
        .filter(|f| !f.starts_with("root/hls/live/") && !f.starts_with("root/dvr/live/"))
        .collect();
    assert!(outside.is_empty(), "files outside the roots: {outside:?}");
    let _ = std::fs::remove_dir_all(&scratch_dir);
}
