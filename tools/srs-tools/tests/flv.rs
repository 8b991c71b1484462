//! srs-flv dump and inject on an ffmpeg-made file, checked with ffprobe / ffmpeg.

mod common;

use std::process::Command;

use common::{fixture_flv, require, run, scratch};
use srs_tools::flv_file::index_tags;
use srs_tools::inject::{keyframe_index, metadata_properties};

#[test]
fn dump_prints_a_line_per_tag_with_codecs() {
    let fixture = fixture_flv(4);
    let out = run("srs-flv", &["dump", fixture.to_str().expect("utf-8")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8 output");
    let tags = index_tags(&std::fs::read(&fixture).expect("read fixture"))
        .expect("flv")
        .tags;
    let tag_lines = text
        .lines()
        .filter(|l| {
            l.split_whitespace()
                .next()
                .is_some_and(|w| w.parse::<usize>().is_ok())
        })
        .count();
    assert_eq!(tag_lines, tags.len(), "{text}");
    for needle in ["H264", "AAC", "320x240", "onMetaData", "44100Hz", "key"] {
        assert!(text.contains(needle), "dump lacks {needle}:\n{text}");
    }
    let seq = text
        .lines()
        .find(|l| l.contains("320x240"))
        .expect("AVC line");
    assert!(seq.contains("video") && seq.contains("profile"), "{seq}");
}

#[test]
fn inject_makes_a_seekable_file() {
    require("ffprobe");
    let fixture = fixture_flv(4);
    let dir = scratch("inject");
    let out_path = dir.join("injected.flv");
    let out = run(
        "srs-flv",
        &[
            "inject",
            fixture.to_str().expect("utf-8"),
            out_path.to_str().expect("utf-8"),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // ffprobe reads the right duration.
    let probe = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_format",
            "-show_streams",
            "-of",
            "json",
        ])
        .arg(&out_path)
        .output()
        .expect("run ffprobe");
    assert!(
        probe.status.success(),
        "{}",
        String::from_utf8_lossy(&probe.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&probe.stdout).expect("ffprobe json");
    let duration: f64 = json["format"]["duration"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("format.duration");
    assert!((duration - 4.0).abs() <= 0.2, "duration {duration}");
    let streams = json["streams"].as_array().expect("streams");
    assert!(streams
        .iter()
        .any(|s| s["codec_name"] == "h264" && s["width"] == 320));
    assert!(streams.iter().any(|s| s["codec_name"] == "aac"));

    // The metadata is first and its index points at the video keyframes of OUT.
    let data = std::fs::read(&out_path).expect("read output");
    let index = index_tags(&data).expect("output parses");
    let meta = &index.tags[0];
    assert_eq!(meta.header.tag_type, 18);
    let props = metadata_properties(&meta.data).expect("onMetaData first");
    let get = |k: &str| props.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(
        get("filesize").and_then(|v| v.as_f64()),
        Some(data.len() as f64)
    );
    assert_eq!(get("hasKeyframes").and_then(|v| v.as_bool()), Some(true));
    let meta_duration = get("duration").and_then(|v| v.as_f64()).expect("duration");
    assert!(
        (meta_duration - 4.0).abs() <= 0.2,
        "metadata duration {meta_duration}"
    );
    // The fixture's own fields survive.
    assert_eq!(get("width").and_then(|v| v.as_f64()), Some(320.0));

    let (positions, times) = keyframe_index(&meta.data).expect("keyframes index");
    let keyframes: Vec<_> = index
        .tags
        .iter()
        .filter(|t| {
            // Frame type 1 and an AVC NALU packet (not a sequence header / end of sequence).
            t.header.tag_type == 9 && t.data.len() > 1 && t.data[0] >> 4 == 1 && t.data[1] == 1
        })
        .collect();
    // -g 25: at least one keyframe per second (x264 may add scene-cut ones).
    assert!(keyframes.len() >= 4, "{} keyframes", keyframes.len());
    assert_eq!(times.len(), keyframes.len());
    assert_eq!(positions.len(), keyframes.len());
    for ((pos, time), kf) in positions.iter().zip(&times).zip(&keyframes) {
        let tag = index
            .tags
            .iter()
            .find(|t| t.offset as f64 == *pos)
            .unwrap_or_else(|| panic!("no tag at {pos}"));
        assert_eq!(tag.header.tag_type, 9);
        assert_eq!(tag.data[0] >> 4, 1, "a keyframe");
        assert_eq!(tag.offset, kf.offset);
        assert_eq!(*time, f64::from(kf.header.timestamp) / 1000.0);
    }
    // Same media as the input, after the new metadata.
    let input = index_tags(&std::fs::read(&fixture).expect("fixture")).expect("flv");
    let media = |tags: &[srs_tools::flv_file::TagInfo]| -> Vec<(u8, u32, bytes::Bytes)> {
        tags.iter()
            .filter(|t| t.header.tag_type != 18)
            .map(|t| (t.header.tag_type, t.header.timestamp, t.data.clone()))
            .collect()
    };
    assert!(
        media(&input.tags) == media(&index.tags),
        "media tags changed"
    );

    // Seeking works.
    let seek = Command::new("ffmpeg")
        .args(["-v", "error", "-ss", "2", "-i"])
        .arg(&out_path)
        .args(["-frames:v", "1", "-f", "null", "-"])
        .output()
        .expect("run ffmpeg");
    assert!(
        seek.status.success(),
        "{}",
        String::from_utf8_lossy(&seek.stderr)
    );
}

#[test]
fn bad_files_fail_with_a_message() {
    let dir = scratch("badflv");
    let bad = dir.join("bad.flv");
    std::fs::write(&bad, b"this is not flv").expect("write");
    for args in [
        vec!["dump", bad.to_str().expect("utf-8")],
        vec![
            "inject",
            bad.to_str().expect("utf-8"),
            "/tmp/never-written.flv",
        ],
        vec!["dump", "/nonexistent/file.flv"],
    ] {
        let out = run("srs-flv", &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with("srs-flv: error:") && err.lines().count() == 1,
            "{err}"
        );
    }
}

#[test]
fn ts_info_reads_an_ffmpeg_segment() {
    require("ffmpeg");
    let dir = scratch("ts-info");
    let ts = dir.join("seg.ts");
    let ok = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i"])
        .arg(fixture_flv(2))
        .args(["-c", "copy", "-f", "mpegts"])
        .arg(&ts)
        .status()
        .expect("ffmpeg")
        .success();
    assert!(ok, "ffmpeg wrote a TS file");
    let out = common::run("srs-ts-info", &[ts.to_str().expect("utf-8"), "-v"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("H.264") && text.contains("AAC"), "{text}");
    assert!(text.contains("continuity errors 0"), "{text}");
    assert!(text.contains(" PES stream 0xe0 pts "), "{text}");
    // A damaged copy: one packet dropped from the middle.
    let data = std::fs::read(&ts).expect("read");
    let mid = (data.len() / 188 / 2) * 188;
    let mut cut = data[..mid].to_vec();
    cut.extend_from_slice(&data[mid + 188..]);
    let bad = dir.join("bad.ts");
    std::fs::write(&bad, cut).expect("write");
    let out = common::run("srs-ts-info", &[bad.to_str().expect("utf-8")]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "errors are reported in the status"
    );
}
