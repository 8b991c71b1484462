//! srs-publish, srs-play and srs-ingest-rtmp against an in-process server.

mod common;

use common::{fixture_flv, read_flv, scratch, Running, TestServer};
use srs_kernel::{MediaKind, MediaMessage};

fn count(msgs: &[MediaMessage], kind: MediaKind) -> usize {
    msgs.iter().filter(|m| m.kind == kind).count()
}

fn sequence_header(msgs: &[MediaMessage], kind: MediaKind) -> Option<&MediaMessage> {
    msgs.iter()
        .find(|m| m.kind == kind && m.is_sequence_header())
}

fn assert_increasing(msgs: &[MediaMessage], kind: MediaKind) {
    let ts: Vec<u32> = msgs
        .iter()
        .filter(|m| m.kind == kind)
        .map(|m| m.timestamp)
        .collect();
    assert!(ts.len() > 1);
    assert!(
        ts.windows(2).all(|w| w[0] <= w[1]),
        "{kind:?} timestamps go backwards: {ts:?}"
    );
    assert!(ts.last() > ts.first(), "{kind:?} timestamps do not advance");
}

#[test]
fn publish_file_and_record_it() {
    let fixture = fixture_flv(4);
    let source = read_flv(&fixture);
    let server = TestServer::default_vhost();
    let url = server.url("livestream");
    let dir = scratch("record");
    let rec = dir.join("rec.flv");
    let rec_arg = rec.to_str().expect("utf-8 path");

    // The player joins first, so it gets every message from the start.
    let mut player = Running::spawn("srs-play", &[&url, "-o", rec_arg, "--duration", "8"]);
    player.wait_line("playing", 10);

    let publisher = Running::spawn("srs-publish", &[fixture.to_str().expect("utf-8"), &url]);
    let started = std::time::Instant::now();
    let (ok, stderr) = publisher.finish(20);
    assert!(ok, "srs-publish failed: {stderr:#?}");
    // Paced in real time: a 4 s file takes about 4 s.
    let took = started.elapsed().as_secs_f64();
    assert!((3.5..8.0).contains(&took), "publish took {took:.2}s");
    assert!(
        stderr.iter().any(|l| l.contains("done: sent")),
        "{stderr:#?}"
    );

    let (ok, stderr) = player.finish(20);
    assert!(ok, "srs-play failed: {stderr:#?}");
    assert!(
        stderr.iter().any(|l| l.contains("duration reached")),
        "{stderr:#?}"
    );

    let got = read_flv(&rec);
    for kind in [MediaKind::Video, MediaKind::Audio] {
        let (want, have) = (count(&source, kind), count(&got, kind));
        assert!(
            have + 2 >= want && have <= want + 2,
            "{kind:?}: sent {want}, recorded {have}"
        );
        let a = sequence_header(&source, kind).expect("fixture has a sequence header");
        let b = sequence_header(&got, kind).expect("recording has a sequence header");
        assert_eq!(a.payload, b.payload, "{kind:?} sequence header differs");
        assert_increasing(&got, kind);
    }
    assert!(got
        .iter()
        .any(|m| m.kind == MediaKind::Video && m.is_keyframe() && !m.is_sequence_header()));
    // Same frames in the same order: compare the video payloads one by one.
    let video = |msgs: &[MediaMessage]| -> Vec<bytes::Bytes> {
        msgs.iter()
            .filter(|m| m.kind == MediaKind::Video)
            .map(|m| m.payload.clone())
            .collect()
    };
    let (sv, gv) = (video(&source), video(&got));
    let n = sv.len().min(gv.len());
    assert!(n > 90);
    assert_eq!(sv[..n], gv[..n], "video payloads differ");
}

#[test]
fn play_stops_after_count_and_writes_stdout() {
    let fixture = fixture_flv(4);
    let server = TestServer::default_vhost();
    let url = server.url("counted");
    let publisher = Running::spawn(
        "srs-publish",
        &[fixture.to_str().expect("utf-8"), &url, "--loop", "-q"],
    );
    // Wait for the publisher to be live, then play to stdout.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let out = common::run(
        "srs-play",
        &[&url, "--count", "30", "--duration", "15", "-q"],
    );
    drop(publisher);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut r = srs_kernel::flv::FlvReader::new();
    r.push(&out.stdout);
    let mut media = 0;
    while let Some(m) = r.next_tag().expect("valid flv on stdout") {
        if m.kind != MediaKind::Script {
            media += 1;
        }
    }
    assert_eq!(media, 30);
    assert_eq!(r.buffered(), 0, "stdout ends on a tag boundary");
}

#[test]
fn ingest_relays_to_another_stream() {
    let fixture = fixture_flv(4);
    let server = TestServer::default_vhost();
    let (src, dst) = (server.url("source"), server.url("relayed"));
    let dir = scratch("ingest");
    let rec = dir.join("relayed.flv");

    let mut ingest = Running::spawn("srs-ingest-rtmp", &[&src, &dst, "--duration", "9"]);
    ingest.wait_line("relaying", 10);
    let mut player = Running::spawn(
        "srs-play",
        &[&dst, "-o", rec.to_str().expect("utf-8"), "--duration", "7"],
    );
    player.wait_line("playing", 10);
    let publisher = Running::spawn(
        "srs-publish",
        &[fixture.to_str().expect("utf-8"), &src, "-q"],
    );
    let (ok, stderr) = publisher.finish(20);
    assert!(ok, "srs-publish failed: {stderr:#?}");
    let (ok, stderr) = player.finish(20);
    assert!(ok, "srs-play failed: {stderr:#?}");
    let (ok, stderr) = ingest.finish(20);
    assert!(ok, "srs-ingest-rtmp failed: {stderr:#?}");

    let got = read_flv(&rec);
    let frames = got
        .iter()
        .filter(|m| m.kind == MediaKind::Video && !m.is_sequence_header())
        .count();
    assert!(frames >= 90, "relayed {frames} video frames");
    let source = read_flv(&fixture);
    assert_eq!(
        sequence_header(&source, MediaKind::Video).map(|m| &m.payload),
        sequence_header(&got, MediaKind::Video).map(|m| &m.payload)
    );
}

#[test]
fn ingest_fails_when_output_is_refused() {
    let fixture = fixture_flv(4);
    let server = TestServer::default_vhost();
    let (src, busy) = (server.url("in"), server.url("busy"));
    // Someone already publishes "busy": the relay's publish must be refused.
    let publisher = Running::spawn(
        "srs-publish",
        &[fixture.to_str().expect("utf-8"), &busy, "--loop", "-q"],
    );
    std::thread::sleep(std::time::Duration::from_millis(1000));
    let out = common::run("srs-ingest-rtmp", &[&src, &busy, "--duration", "5"]);
    drop(publisher);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("srs-ingest-rtmp: error:") && err.contains("busy"),
        "{err}"
    );
}

#[test]
fn play_ends_cleanly_when_stdout_reader_goes_away() {
    use std::io::Read;
    use std::process::Stdio;
    let fixture = fixture_flv(4);
    let server = TestServer::default_vhost();
    let url = server.url("piped");
    let publisher = Running::spawn(
        "srs-publish",
        &[fixture.to_str().expect("utf-8"), &url, "--loop", "-q"],
    );
    std::thread::sleep(std::time::Duration::from_millis(1000));
    // Like `srs-play URL | ffplay -` where ffplay quits after a while.
    let mut child = common::tool("srs-play")
        .args([url.as_str(), "--duration", "20"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn srs-play");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut head = [0u8; 4096];
    stdout.read_exact(&mut head).expect("some FLV on stdout");
    assert_eq!(&head[..3], b"FLV");
    drop(stdout);
    let started = std::time::Instant::now();
    let out = child.wait_with_output().expect("wait");
    drop(publisher);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("output closed"), "{err}");
    assert!(
        started.elapsed().as_secs() < 10,
        "srs-play noticed the closed pipe late"
    );
}

#[test]
fn detect_reports_a_live_stream_and_fails_on_a_missing_one() {
    let fixture = fixture_flv(4);
    let server = TestServer::default_vhost();
    let url = server.url("watched");
    let publisher = Running::spawn(
        "srs-publish",
        &[fixture.to_str().expect("utf-8"), &url, "--loop", "-q"],
    );
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let out = common::run("srs-detect-rtmp", &[&url, "--timeout", "10"]);
    drop(publisher);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in [
        "video H.264 320x240",
        "audio AAC 44100 Hz 1 ch",
        "first keyframe ",
        "connect ",
    ] {
        assert!(text.contains(line), "{line:?} in:\n{text}");
    }
    let missing = common::run(
        "srs-detect-rtmp",
        &[&server.url("nobody"), "--timeout", "1"],
    );
    assert_eq!(missing.status.code(), Some(1), "exit 1 when nothing plays");
    assert!(String::from_utf8_lossy(&missing.stdout).contains("first packet none"));
    let usage = common::run("srs-detect-rtmp", &[]);
    assert_eq!(usage.status.code(), Some(2));
}
