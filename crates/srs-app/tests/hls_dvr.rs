//! HLS and DVR end to end: segments, playlists, republish, audio only,
//! DVR session and segment plans, a publisher killed with -9.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::*;

struct Playlist {
    sequence: u64,
    target: u64,
    entries: Vec<(f64, String, bool)>,
}

fn parse_playlist(text: &str) -> Playlist {
    assert!(text.starts_with("#EXTM3U\n#EXT-X-VERSION:3\n"), "{text}");
    let mut p = Playlist {
        sequence: 0,
        target: 0,
        entries: Vec::new(),
    };
    let mut pending: Option<f64> = None;
    let mut disc = false;
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("#EXT-X-MEDIA-SEQUENCE:") {
            p.sequence = v.parse().expect("sequence");
        } else if let Some(v) = line.strip_prefix("#EXT-X-TARGETDURATION:") {
            p.target = v.parse().expect("target");
        } else if line == "#EXT-X-DISCONTINUITY" {
            disc = true;
        } else if let Some(v) = line.strip_prefix("#EXTINF:") {
            pending = Some(v.trim_end_matches(',').parse().expect("duration"));
        } else if !line.starts_with('#') && !line.is_empty() {
            p.entries.push((
                pending.take().expect("EXTINF before uri"),
                line.to_string(),
                disc,
            ));
            disc = false;
        }
    }
    p
}

fn hls_server(dir: &Path, window: u32) -> TestServer {
    TestServer::start(&format!(
        "http_server {{ enabled on; listen 127.0.0.1:0; dir {d}; }}\nvhost __defaultVhost__ {{ hls {{ enabled on; hls_path {d}; hls_fragment 2; hls_window {window}; }} }}\n",
        d = dir.display()
    ))
}

fn seq_of(uri: &str) -> u64 {
    uri.rsplit('-')
        .next()
        .and_then(|s| s.strip_suffix(".ts"))
        .and_then(|s| s.parse().ok())
        .expect("seq in name")
}

/// Reads the playlist and checks that every file it lists exists, retrying
/// when the playlist changed during the check.
fn check_listed_files_exist(m3u8: &Path) -> Option<Playlist> {
    for _ in 0..5 {
        let Ok(before) = std::fs::read_to_string(m3u8) else {
            return None;
        };
        let p = parse_playlist(&before);
        let missing: Vec<_> = p
            .entries
            .iter()
            .filter(|e| !m3u8.with_file_name(&e.1).exists())
            .collect();
        let after = std::fs::read_to_string(m3u8).unwrap_or_default();
        if after == before {
            assert!(
                missing.is_empty(),
                "playlist lists deleted files: {missing:?}\n{before}"
            );
            return Some(p);
        }
    }
    None
}

#[test]
fn hls_segments_play_and_the_window_slides() {
    let dir = scratch("hls-av");
    let server = hls_server(&dir, 6);
    let msgs = read_flv(&fixture_flv(14));
    let publisher = publish_in_background(server.addr, &server.url("s"), msgs, true);
    let m3u8 = dir.join("live/s.m3u8");
    let mut max_seen_seq = 0;
    for _ in 0..60 {
        std::thread::sleep(Duration::from_millis(200));
        if let Some(p) = check_listed_files_exist(&m3u8) {
            if let Some(last) = p.entries.last() {
                max_seen_seq = max_seen_seq.max(seq_of(&last.1));
            }
        }
    }
    let http = server.http.expect("http");
    let probe = ffprobe(&format!("http://{http}/live/s.m3u8"));
    let c = codecs(&probe);
    assert!(
        c.contains(&"h264".to_string()) && c.contains(&"aac".to_string()),
        "{c:?}"
    );
    let p = parse_playlist(&std::fs::read_to_string(&m3u8).expect("playlist"));
    let total: f64 = p.entries.iter().map(|e| e.0).sum();
    assert!(total <= 6.0 + 0.001, "window of 6 s: {total}");
    assert!(p.entries.len() >= 2);
    assert_eq!(
        p.sequence,
        seq_of(&p.entries[0].1),
        "media sequence is the first segment's number"
    );
    for (dur, uri, _) in &p.entries {
        // hls_fragment 2 with one keyframe per second: 2 s segments.
        assert!((dur - 2.0).abs() <= 0.5, "{uri}: {dur}");
        assert!(p.target as f64 >= *dur);
        let errors = ffmpeg_decode_errors(&dir.join("live").join(uri));
        assert!(errors.is_empty(), "{uri} decodes cleanly: {errors}");
    }
    assert!(
        !dir.join("live/s-0.ts").exists(),
        "segments that left the window are deleted"
    );
    assert!(max_seen_seq >= 4);
    publisher.join().expect("publisher");
}

#[test]
fn audio_only_hls_and_republish_discontinuity() {
    let dir = scratch("hls-audio");
    let server = hls_server(&dir, 60);
    let audio = read_flv(&fixture_audio_only(10));
    let first = publish_in_background(server.addr, &server.url("a"), audio.clone(), true);
    let c = first.join().expect("first publish");
    drop(c);
    std::thread::sleep(Duration::from_millis(500));
    let m3u8 = dir.join("live/a.m3u8");
    let p1 = parse_playlist(&std::fs::read_to_string(&m3u8).expect("playlist"));
    for (dur, uri, _) in &p1.entries[..p1.entries.len() - 1] {
        assert!(
            *dur >= 4.0 - 0.1,
            "audio-only segments are >= 2 x hls_fragment: {uri} {dur}"
        );
    }
    let probe = ffprobe(&dir.join("live").join(&p1.entries[0].1).to_string_lossy());
    assert_eq!(codecs(&probe), vec!["aac".to_string()], "audio-only TS");
    let last_seq = seq_of(&p1.entries.last().expect("segments").1);

    let second = publish_in_background(server.addr, &server.url("a"), audio, true);
    second.join().expect("second publish");
    std::thread::sleep(Duration::from_millis(500));
    let text = std::fs::read_to_string(&m3u8).expect("playlist");
    let p2 = parse_playlist(&text);
    let firsts: Vec<u64> = p2.entries.iter().map(|e| seq_of(&e.1)).collect();
    assert!(
        firsts.windows(2).all(|w| w[1] == w[0] + 1),
        "sequence continues: {firsts:?}"
    );
    let after: Vec<_> = p2
        .entries
        .iter()
        .filter(|e| seq_of(&e.1) > last_seq)
        .collect();
    assert!(
        !after.is_empty(),
        "segments of the republish after {last_seq}:\n{text}"
    );
    assert!(
        after[0].2,
        "the first segment of the republish has a discontinuity:\n{text}"
    );
    assert!(text.contains("#EXT-X-DISCONTINUITY"));
}

fn dvr_server(dir: &Path, plan: &str) -> TestServer {
    TestServer::start(&format!(
        "vhost __defaultVhost__ {{ dvr {{ enabled on; dvr_path {}; dvr_plan {plan}; dvr_duration 2; dvr_wait_keyframe on; }} }}\n",
        dir.display()
    ))
}

fn flv_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|r| r.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn duration_of(path: &Path) -> f64 {
    let probe = ffprobe(&path.to_string_lossy());
    probe["format"]["duration"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .expect("duration")
}

#[test]
fn dvr_session_and_segment_plans_make_playable_files() {
    let msgs = read_flv(&fixture_flv(6));
    for plan in ["session", "segment"] {
        let dir = scratch(&format!("dvr-{plan}"));
        let server = dvr_server(&dir, plan);
        let publisher = publish_in_background(server.addr, &server.url("rec"), msgs.clone(), true);
        drop(publisher.join().expect("publisher"));
        let live = dir.join("live");
        assert!(
            wait_until(5, || flv_files(&live)
                .iter()
                .all(|p| p.extension().is_some_and(|e| e == "flv"))
                && !flv_files(&live).is_empty()),
            "files closed and renamed"
        );
        drop(server);
        let files = flv_files(&live);
        if plan == "session" {
            assert_eq!(files.len(), 1, "{files:?}");
        } else {
            assert!(files.len() >= 3, "segments of ~2 s: {files:?}");
        }
        let mut total = 0.0;
        for f in &files {
            let name = f.file_name().and_then(|n| n.to_str()).expect("name");
            assert!(name.starts_with("rec.") && name.ends_with(".flv"), "{name}");
            let tags = read_flv(f);
            assert!(tags[0].is_script(), "{name} starts with metadata");
            assert!(
                tags[1].is_sequence_header() && tags[2].is_sequence_header(),
                "{name} has both headers"
            );
            let first_frame = tags
                .iter()
                .find(|m| m.is_video() && !m.is_sequence_header())
                .expect("video");
            assert!(first_frame.is_keyframe(), "{name} starts at a keyframe");
            assert!(ffmpeg_decode_errors(f).is_empty(), "{name} decodes");
            total += duration_of(f);
        }
        assert!(
            (total - 6.0).abs() <= 1.0,
            "{plan}: durations add up to the publish ({total})"
        );
    }
}

#[test]
fn dvr_file_survives_a_killed_publisher() {
    require("ffmpeg");
    let dir = scratch("dvr-kill");
    let server = dvr_server(&dir, "session");
    let mut ffmpeg = ffmpeg_publish(&server.url("killed"), None);
    std::thread::sleep(Duration::from_secs(4));
    let _ = Command::new("kill")
        .args(["-9", &ffmpeg.id().to_string()])
        .status();
    let _ = ffmpeg.wait();
    let live = dir.join("live");
    assert!(
        wait_until(10, || {
            let f = flv_files(&live);
            f.len() == 1 && f[0].extension().is_some_and(|e| e == "flv")
        }),
        "the file is closed when the publisher vanishes: {:?}",
        flv_files(&live)
    );
    let f = &flv_files(&live)[0];
    let d = duration_of(f);
    assert!(d > 2.0, "most of the 4 s are kept: {d}");
    assert!(ffmpeg_decode_errors(f).is_empty());
}

#[test]
fn hls_disk_errors_follow_hls_on_error() {
    // A path under /proc cannot be created: every HLS write fails.
    for (policy, publisher_survives) in
        [("ignore", true), ("continue", true), ("disconnect", false)]
    {
        let server = TestServer::start(&format!(
            "vhost __defaultVhost__ {{ hls {{ enabled on; hls_path /proc/srs-no-such-dir; hls_fragment 1; hls_on_error {policy}; }} }}\n"
        ));
        let url = server.url("e");
        let mut player = client(server.addr, &url);
        player.play().expect("play");
        let publisher = std::thread::spawn({
            let url = url.clone();
            let addr = server.addr;
            move || {
                let mut c = client(addr, &url);
                c.publish().expect("publish");
                let msgs = read_flv(&fixture_flv(6));
                let start = std::time::Instant::now();
                for m in &msgs {
                    let due = Duration::from_millis(m.timestamp as u64);
                    if let Some(wait) = due.checked_sub(start.elapsed()) {
                        std::thread::sleep(wait);
                    }
                    if c.write_media(m).is_err() {
                        return false;
                    }
                }
                // The server closes a disconnected publisher: reading sees the end.
                c.get_ref()
                    .set_read_timeout(Some(Duration::from_secs(2)))
                    .expect("timeout");
                !matches!(c.read_media(), Ok(None))
            }
        });
        let mut frames = 0;
        player
            .get_ref()
            .set_read_timeout(Some(Duration::from_secs(3)))
            .expect("timeout");
        while let Ok(Some(m)) = player.read_media() {
            if m.is_video() {
                frames += 1;
            }
            if frames >= 140 {
                break;
            }
        }
        let survived = publisher.join().expect("publisher thread");
        assert_eq!(survived, publisher_survives, "hls_on_error {policy}");
        if publisher_survives {
            assert!(
                frames >= 140,
                "{policy}: RTMP players keep getting the stream ({frames} frames)"
            );
        } else {
            assert!(
                frames < 140,
                "{policy}: the stream stopped with its publisher ({frames} frames)"
            );
        }
    }
}
