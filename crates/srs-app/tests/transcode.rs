//! Transcode: a published stream is re-encoded by ffmpeg into another stream.

mod common;

use std::time::Duration;

use common::*;

#[test]
fn a_published_stream_is_transcoded_while_it_lives() {
    require("ffprobe");
    let logs = scratch("transcode-logs");
    let server = TestServer::start(&format!(
        "ff_log_dir {};\nvhost __defaultVhost__ {{\n transcode live {{\n  enabled on;\n  ffmpeg ffmpeg;\n  engine small {{\n   enabled on; vcodec libx264; vbitrate 200; vwidth 160; vheight 120; vpreset ultrafast; vprofile baseline;\n   acodec copy;\n   output rtmp://127.0.0.1:[port]/[app]?vhost=[vhost]/[stream]_[engine];\n  }}\n }}\n}}\n",
        logs.display()
    ));
    let publisher = publish_in_background(
        server.addr,
        &server.url("s"),
        read_flv(&fixture_flv(12)),
        true,
    );
    // ffmpeg needs a moment to start, play and publish the result.
    let mut probe = serde_json::Value::Null;
    let found = wait_until(10, || {
        probe = ffprobe_try(&server.url("s_small"));
        !probe.is_null()
    });
    assert!(found, "the transcoded stream s_small appears");
    let video = probe["streams"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["codec_type"] == "video").cloned())
        .expect("video");
    assert_eq!(
        (video["width"].as_u64(), video["height"].as_u64()),
        (Some(160), Some(120)),
        "{video}"
    );
    assert_eq!(video["codec_name"], "h264");
    drop(publisher.join().expect("publisher"));
    // The publisher left: its transcode stops, so s_small has no publisher any more.
    std::thread::sleep(Duration::from_secs(2));
    let mut player = client(server.addr, &server.url("s_small"));
    player.play().expect("play");
    player
        .get_ref()
        .set_read_timeout(Some(Duration::from_secs(3)))
        .expect("timeout");
    let mut frames = 0;
    while let Ok(Some(m)) = player.read_media() {
        if m.is_video() && !m.is_sequence_header() {
            frames += 1;
        }
    }
    assert!(
        frames < 5,
        "the transcode stopped with its source ({frames} frames after)"
    );
}

/// ffprobe's streams of a live URL, or Null when it cannot read it (yet).
fn ffprobe_try(url: &str) -> serde_json::Value {
    let out = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-rw_timeout",
            "3000000",
            "-show_streams",
            "-of",
            "json",
            url,
        ])
        .output();
    match out {
        Ok(o) if o.status.success() => {
            let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_default();
            let has_video = v["streams"]
                .as_array()
                .is_some_and(|s| s.iter().any(|s| s["codec_type"] == "video"));
            if has_video {
                v
            } else {
                serde_json::Value::Null
            }
        }
        _ => serde_json::Value::Null,
    }
}
