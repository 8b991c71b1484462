//! Ingest: ffmpeg started by the server publishes a file into it, and is
//! restarted when it ends.

mod common;

use std::time::{Duration, Instant};

use common::*;

#[test]
fn an_ingested_file_is_published_and_restarted_when_it_ends() {
    require("ffmpeg");
    let logs = scratch("ingest-logs");
    let fixture = fixture_flv(3);
    let server = TestServer::start(&format!(
        "ff_log_dir {logs};\nvhost __defaultVhost__ {{\n ingest cam {{\n  enabled on;\n  input {{ type file; url {file}; }}\n  ffmpeg ffmpeg;\n  engine {{ enabled off; output rtmp://127.0.0.1:[port]/live?vhost=[vhost]/ingested; }}\n }}\n}}\n",
        logs = logs.display(),
        file = fixture.display()
    ));
    let mut player = client(server.addr, &server.url("ingested"));
    player.play().expect("play");
    player
        .get_ref()
        .set_read_timeout(Some(Duration::from_secs(8)))
        .expect("timeout");
    let start = Instant::now();
    let mut frames = 0;
    let mut keyframes = 0;
    while start.elapsed() < Duration::from_secs(11) {
        match player.read_media() {
            Ok(Some(m)) if m.is_video() && !m.is_sequence_header() => {
                frames += 1;
                keyframes += usize::from(m.is_keyframe());
            }
            Ok(Some(_)) => {}
            _ => break,
        }
    }
    // One pass of the 3 s file is 75 frames; more means ffmpeg was restarted after it ended.
    assert!(
        frames > 90,
        "the ingest published the file and was restarted: {frames} frames"
    );
    assert!(keyframes >= 4);
    let log = std::fs::read_dir(&logs)
        .expect("ff_log_dir")
        .filter_map(|e| e.ok())
        .find(|e| e.file_name().to_string_lossy() == "ffmpeg-ingest-__defaultVhost__-cam.log");
    assert!(log.is_some(), "ffmpeg's output goes to ff_log_dir");
}
