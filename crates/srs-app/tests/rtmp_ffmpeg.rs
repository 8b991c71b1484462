//! Interop with ffmpeg and ffprobe: publish H.264 + AAC, probe, record.

mod common;

use std::process::Command;
use std::time::Duration;

use common::*;

#[test]
fn ffmpeg_publishes_ffprobe_sees_both_streams_and_ffmpeg_records() {
    require("ffprobe");
    let server = TestServer::default_vhost();
    let url = server.url("ffmpeg");
    let mut publisher = ffmpeg_publish(&url, Some(12));
    std::thread::sleep(Duration::from_millis(2500));

    let probe = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_streams",
            "-of",
            "json",
            "-rw_timeout",
            "10000000",
            &url,
        ])
        .output()
        .expect("run ffprobe");
    assert!(
        probe.status.success(),
        "ffprobe failed: {}",
        String::from_utf8_lossy(&probe.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&probe.stdout).expect("ffprobe json");
    let streams = json["streams"].as_array().expect("streams");
    let video = streams
        .iter()
        .find(|s| s["codec_type"] == "video")
        .expect("a video stream");
    let audio = streams
        .iter()
        .find(|s| s["codec_type"] == "audio")
        .expect("an audio stream");
    assert_eq!(video["codec_name"], "h264");
    assert_eq!(video["width"], 320);
    assert_eq!(video["height"], 240);
    assert_eq!(audio["codec_name"], "aac");
    assert_eq!(audio["sample_rate"], "44100");
    assert_eq!(streams.len(), 2, "no extra data stream: {streams:?}");

    let dir = scratch("ffmpeg-record");
    let out = dir.join("rec.flv");
    let rec = Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-rw_timeout",
            "10000000",
            "-i",
            &url,
        ])
        .args(["-t", "3", "-c", "copy"])
        .arg(&out)
        .output()
        .expect("run ffmpeg record");
    assert!(
        rec.status.success(),
        "record failed: {}",
        String::from_utf8_lossy(&rec.stderr)
    );
    let tags = read_flv(&out);
    // AVC NALU packets only: ffmpeg's FLV muxer ends with an end-of-sequence tag (type 2).
    let videos: Vec<_> = tags
        .iter()
        .filter(|m| m.is_video() && m.payload.get(1) == Some(&1))
        .collect();
    let audios: Vec<_> = tags
        .iter()
        .filter(|m| m.is_audio() && !m.is_sequence_header())
        .collect();
    assert!(
        videos.len() >= 50,
        "about 3 s of 25 fps video, got {}",
        videos.len()
    );
    assert!(
        audios.len() >= 100,
        "about 3 s of AAC frames, got {}",
        audios.len()
    );
    assert!(videos[0].is_keyframe(), "recording starts at a keyframe");
    for w in videos.windows(2) {
        assert!(
            w[1].timestamp > w[0].timestamp,
            "video timestamps increase: {} then {}",
            w[0].timestamp,
            w[1].timestamp
        );
    }
    for w in audios.windows(2) {
        assert!(w[1].timestamp > w[0].timestamp, "audio timestamps increase");
    }
    let _ = publisher.kill();
    let _ = publisher.wait();
}

#[test]
fn own_client_plays_ffmpeg_stream_with_metadata_headers_and_keyframe_first() {
    let server = TestServer::default_vhost();
    let url = server.url("gop");
    let mut publisher = ffmpeg_publish(&url, Some(10));
    // Let a GOP or two go by so the player joins mid-stream from the gop cache.
    std::thread::sleep(Duration::from_millis(2300));
    let mut player = client(server.addr, &url);
    player.play().expect("play");
    let mut got = Vec::new();
    while got.len() < 30 {
        match player.read_media().expect("read") {
            Some(m) => got.push(m),
            None => break,
        }
    }
    assert!(got[0].is_script(), "metadata first");
    let meta = srs_kernel::amf0::decode_all(&got[0].payload).expect("amf0");
    assert_eq!(meta[0].as_str(), Some("onMetaData"));
    assert_eq!(meta[1].get("width").and_then(|v| v.as_f64()), Some(320.0));
    assert!(
        got[1].is_video() && got[1].is_sequence_header(),
        "video sequence header second"
    );
    assert!(
        got[2].is_audio() && got[2].is_sequence_header(),
        "audio sequence header third"
    );
    let first_frame = got
        .iter()
        .find(|m| m.is_video() && !m.is_sequence_header())
        .expect("video");
    assert!(
        first_frame.is_keyframe(),
        "first video frame is a keyframe (gop cache)"
    );
    assert!(
        first_frame.timestamp < 100,
        "timeline starts near 0, got {}",
        first_frame.timestamp
    );
    let _ = publisher.kill();
    let _ = publisher.wait();
}

#[test]
fn ffmpeg_9_plays_without_warnings() {
    let ff9 = modern_ffmpeg();
    let server = TestServer::default_vhost();
    let url = server.url("modern");
    let mut publisher = ffmpeg_publish(&url, Some(8));
    std::thread::sleep(std::time::Duration::from_secs(2));
    let out = std::process::Command::new(&ff9)
        .args([
            "-hide_banner",
            "-loglevel",
            "warning",
            "-i",
            &url,
            "-t",
            "2",
        ])
        .args(["-f", "null", "-"])
        .output()
        .expect("run ffmpeg 9");
    let _ = publisher.kill();
    let _ = publisher.wait();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "ffmpeg 9 played: {log}");
    assert!(
        !log.contains("Unexpected reply"),
        "ffmpeg 9 understood every answer: {log}"
    );
}
