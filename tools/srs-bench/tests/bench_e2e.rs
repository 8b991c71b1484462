//! End to end: the in-process server, one publisher of an ffmpeg-made FLV and 50
//! players from the `srs-bench` binary; the JSON summary must show every player
//! playing and starting on a keyframe.

use std::path::{Path, PathBuf};
use std::process::Command;

use srs_app::config::Config;
use srs_app::Server;

/// A 5 s 320x240 H.264 + AAC FLV with a keyframe every 25 frames.
fn fixture(dir: &Path) -> PathBuf {
    let out = dir.join("fixture.flv");
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args(["-f", "lavfi", "-i", "testsrc=size=320x240:rate=25"])
        .args(["-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=44100"])
        .args([
            "-t", "5", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "25",
        ])
        .args(["-c:a", "aac", "-b:a", "64k", "-f", "flv"])
        .arg(&out)
        .status();
    match status {
        Ok(s) if s.success() => out,
        Ok(s) => panic!("ffmpeg failed to make the test FLV ({s}); it needs libx264 and aac"),
        Err(e) => panic!(
            "this test needs ffmpeg on PATH to make its FLV fixture (apt-get install ffmpeg): {e}"
        ),
    }
}

#[test]
fn fifty_players_one_publisher_json() {
    let dir = std::env::temp_dir().join(format!("srs-bench-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let flv = fixture(&dir);

    let config = Config::parse_str(
        "listen 127.0.0.1:0;\ndaemon off;\nvhost __defaultVhost__ { }\n",
        Path::new("t.conf"),
    )
    .expect("config");
    let mut server = Server::bind(config, false).expect("bind");
    let addr = server.local_addrs()[0];
    let handle = server.handle();
    let thread = std::thread::spawn(move || server.run());

    let url = format!("rtmp://{addr}/live/bench");
    let out = Command::new(env!("CARGO_BIN_EXE_srs-bench"))
        .args([
            "--url",
            &url,
            "--players",
            "50",
            "--duration",
            "4",
            "--json",
        ])
        .arg("--publish")
        .arg(&flv)
        .arg("--server-pid")
        .arg(std::process::id().to_string())
        .output()
        .expect("run srs-bench");
    handle.stop();
    thread.join().expect("server thread").expect("server run");
    let _ = std::fs::remove_dir_all(&dir);

    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "srs-bench failed: {stderr}");
    let v: serde_json::Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("summary is not JSON ({e}): {stdout}\n{stderr}"));
    let ctx = format!("summary: {v:#}\nprogress:\n{stderr}");
    assert_eq!(v["players_requested"], 50, "{ctx}");
    assert_eq!(v["players_playing"], 50, "{ctx}");
    assert_eq!(v["players_failed"], 0, "{ctx}");
    assert_eq!(v["publishers_publishing"], 1, "{ctx}");
    assert_eq!(v["players_with_video"], 50, "{ctx}");
    assert_eq!(v["first_video_keyframe_all"], true, "{ctx}");
    assert_eq!(v["first_video_not_keyframe"], 0, "{ctx}");
    assert!(v["aggregate_mbps"].as_f64().unwrap_or(0.0) > 0.0, "{ctx}");
    assert!(v["first_frame_p50_ms"].as_f64().is_some(), "{ctx}");
    assert!(
        v["errors"].as_object().is_some_and(|e| e.is_empty()),
        "{ctx}"
    );
    // The server ran in this process: its CPU and RSS were sampled.
    assert!(
        v["server_rss_max_mb"].as_f64().unwrap_or(0.0) > 0.0,
        "{ctx}"
    );
}
