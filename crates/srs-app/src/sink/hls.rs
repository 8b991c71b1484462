//! HLS: MPEG-TS segments cut at keyframes and a sliding m3u8 playlist, as
//! SRS writes them (`[hls_path]/[app]/[stream].m3u8`, `[stream]-[seq].ts`).
//! Segments are built in memory on the loop and written by the disk worker.

use std::collections::VecDeque;
use std::fmt::Write;
use std::path::PathBuf;

use bytes::Bytes;
use srs_kernel::ts::FlvToTs;
use srs_kernel::MediaMessage;

use super::disk::{DiskJob, DiskLane, Owner};
use super::safe_path::is_under;
use crate::config::HlsConfig;
use crate::timestamp::Timeline;

/// A segment is cut, keyframe or not, once it is this many times
/// `hls_fragment` long: a publisher that stops sending keyframes must not
/// grow one segment (and this process) without end.
pub const MAX_SEGMENT_FRAGMENTS: u64 = 3;

/// A segment is also cut at this size, whatever its duration.
pub const MAX_SEGMENT_BYTES: usize = 64 * 1024 * 1024;

/// Bytes queued for the disk beyond which finished segments are dropped
/// (with a warning) instead of queued: a slow disk must not grow memory.
pub const HLS_MAX_DISK_BACKLOG: usize = 64 * 1024 * 1024;

/// A finished segment listed in the playlist.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// Sequence number (file `[stream]-[seq].ts`).
    pub seq: u64,
    /// Duration in ms.
    pub duration_ms: u64,
    /// Preceded by `#EXT-X-DISCONTINUITY`.
    pub discontinuity: bool,
}

struct OpenSegment {
    seq: u64,
    start_ms: u64,
    last_ms: u64,
    buf: Vec<u8>,
    frames: u32,
    discontinuity: bool,
}

/// The HLS muxer of one stream.
pub struct HlsSink {
    owner: Owner,
    root: PathBuf,
    dir: PathBuf,
    stream: String,
    fragment_ms: u64,
    window_ms: u64,
    remux: FlvToTs,
    timeline: Timeline,
    current: Option<OpenSegment>,
    segments: VecDeque<Segment>,
    next_seq: u64,
    pending_discontinuity: bool,
    seen_video: bool,
    max_segment_bytes: usize,
    /// Set by the `ignore` error policy: no more HLS for this publish.
    pub disabled: bool,
}

impl HlsSink {
    /// A sink writing under `[hls_path]/[app]/`.
    pub fn new(owner: Owner, cfg: &HlsConfig, atc: bool, app: &str, stream: &str) -> Self {
        HlsSink {
            owner,
            root: cfg.path.clone(),
            dir: cfg.path.join(app),
            stream: stream.to_string(),
            fragment_ms: (cfg.fragment_secs * 1000.0) as u64,
            window_ms: (cfg.window_secs * 1000.0) as u64,
            remux: FlvToTs::new(),
            timeline: Timeline::new(atc),
            current: None,
            segments: VecDeque::new(),
            next_seq: 0,
            pending_discontinuity: false,
            seen_video: false,
            max_segment_bytes: MAX_SEGMENT_BYTES,
            disabled: false,
        }
    }

    /// Applies (possibly reloaded) settings for the next publish.
    pub fn reconfigure(&mut self, owner: Owner, cfg: &HlsConfig, app: &str) {
        self.owner = owner;
        self.root = cfg.path.clone();
        self.dir = cfg.path.join(app);
        self.fragment_ms = (cfg.fragment_secs * 1000.0) as u64;
        self.window_ms = (cfg.window_secs * 1000.0) as u64;
    }

    /// A (re)publish starts: a stream that already has segments marks a discontinuity.
    pub fn on_publish(&mut self) {
        self.disabled = false;
        self.pending_discontinuity = !self.segments.is_empty();
        self.timeline.restart();
        self.seen_video = false;
        self.remux = FlvToTs::new();
    }

    /// The playlist path.
    pub fn playlist_path(&self) -> PathBuf {
        self.dir.join(format!("{}.m3u8", self.stream))
    }

    /// Whether the playlist and segments stay below `hls_path`.
    fn paths_are_safe(&self) -> bool {
        is_under(&self.root, &self.playlist_path()) && is_under(&self.root, &self.segment_path(0))
    }

    fn segment_path(&self, seq: u64) -> PathBuf {
        self.dir.join(format!("{}-{seq}.ts", self.stream))
    }

    /// The sequence number of the next segment.
    pub fn next_sequence(&self) -> u64 {
        self.next_seq
    }

    /// The segments in the playlist.
    pub fn segments(&self) -> &VecDeque<Segment> {
        &self.segments
    }

    /// Muxes one message; `Err` is a muxing failure for the error policy.
    pub fn on_media(&mut self, msg: &MediaMessage, disk: &dyn DiskLane) -> Result<(), String> {
        if self.disabled || msg.is_script() {
            return Ok(());
        }
        if !self.paths_are_safe() {
            self.disabled = true;
            return Err(format!(
                "files of this stream would leave hls_path {}: HLS refused",
                self.root.display()
            ));
        }
        let t = self.timeline.map(msg.timestamp);
        if msg.is_video() {
            self.seen_video = true;
        }
        let frame = !msg.is_sequence_header();
        let key = msg.is_video() && msg.is_keyframe() && frame;
        let mut overlong = None;
        if let Some(cur) = &self.current {
            let elapsed = t.saturating_sub(cur.start_ms);
            let cut = if self.seen_video {
                key && elapsed >= self.fragment_ms
            } else {
                msg.is_audio() && frame && elapsed >= 2 * self.fragment_ms
            };
            if !cut
                && (elapsed >= MAX_SEGMENT_FRAGMENTS * self.fragment_ms
                    || cur.buf.len() >= self.max_segment_bytes)
            {
                overlong = Some(format!(
                    "segment {} reached {elapsed} ms and {} bytes without a keyframe: cut; \
                     frames are dropped until the next keyframe",
                    cur.seq,
                    cur.buf.len()
                ));
            }
            if cut || overlong.is_some() {
                self.close_segment(t, disk);
            }
        }
        if self.current.is_none() && frame && (key || !self.seen_video) {
            self.open_segment(t);
        }
        let mut scratch = Vec::new();
        let out = match self.current.as_mut() {
            Some(cur) => &mut cur.buf,
            None => &mut scratch,
        };
        self.remux
            .push(msg, t, out)
            .map_err(|e| format!("HLS mux {}: {e}", self.stream))?;
        if self.remux.take_config_changed() {
            // New codec settings: a new segment, announced as a discontinuity.
            if self.current.as_ref().is_some_and(|c| c.frames > 0) {
                self.close_segment(t, disk);
            }
            self.pending_discontinuity = true;
        }
        if let Some(cur) = self.current.as_mut() {
            if frame {
                cur.frames += 1;
                cur.last_ms = t;
            }
        }
        match overlong {
            Some(why) => Err(why),
            None => Ok(()),
        }
    }

    fn open_segment(&mut self, t: u64) {
        let mut buf = Vec::with_capacity(256 * 1024);
        self.remux.start_segment(&mut buf);
        self.current = Some(OpenSegment {
            seq: self.next_seq,
            start_ms: t,
            last_ms: t,
            buf,
            frames: 0,
            discontinuity: std::mem::take(&mut self.pending_discontinuity),
        });
        self.next_seq += 1;
    }

    /// Writes the open segment (ending at `end_ms`), then the playlist, then
    /// removes segments that left the window (so the playlist on disk never
    /// lists a deleted file).
    fn close_segment(&mut self, end_ms: u64, disk: &dyn DiskLane) {
        let Some(cur) = self.current.take() else {
            return;
        };
        if cur.frames == 0 {
            self.next_seq = cur.seq;
            self.pending_discontinuity |= cur.discontinuity;
            return;
        }
        let duration_ms = end_ms.saturating_sub(cur.start_ms).max(1);
        if disk.backlog_bytes() > HLS_MAX_DISK_BACKLOG {
            // The disk is behind: this segment is lost, not memory grown.
            log::warn!(
                "HLS {}: segment {} dropped, {} bytes already wait for the disk",
                self.stream,
                cur.seq,
                disk.backlog_bytes()
            );
            self.pending_discontinuity = true;
            return;
        }
        disk.submit(DiskJob::WriteFile {
            owner: self.owner,
            path: self.segment_path(cur.seq),
            data: vec![Bytes::from(cur.buf)],
        });
        self.segments.push_back(Segment {
            seq: cur.seq,
            duration_ms,
            discontinuity: cur.discontinuity,
        });
        let mut removed = Vec::new();
        while self.segments.len() > 1
            && self.segments.iter().map(|s| s.duration_ms).sum::<u64>() > self.window_ms
        {
            if let Some(old) = self.segments.pop_front() {
                removed.push(old.seq);
            }
        }
        let (head, entries) = self.playlist_parts();
        disk.submit(DiskJob::WritePlaylist {
            owner: self.owner,
            path: self.playlist_path(),
            head,
            entries: entries
                .into_iter()
                .map(|(seq, lines)| (self.segment_path(seq), lines))
                .collect(),
        });
        for seq in removed {
            disk.submit(DiskJob::Remove {
                owner: self.owner,
                path: self.segment_path(seq),
            });
        }
    }

    /// The publish ended (or its publisher vanished): the open segment is
    /// written so everything received is kept.
    pub fn on_unpublish(&mut self, disk: &dyn DiskLane) {
        if let Some(cur) = &self.current {
            // The last frame lasts about as long as the one before it; 40 ms is close enough.
            let end = cur.last_ms + if cur.frames > 1 { 40 } else { 0 };
            self.close_segment(end, disk);
        }
    }

    /// The m3u8 text.
    pub fn playlist(&self) -> String {
        let (mut text, entries) = self.playlist_parts();
        for (_, lines) in entries {
            text.push_str(&lines);
        }
        text
    }

    /// The playlist's head and, per segment, its sequence number and lines
    /// (the disk worker leaves out segments whose file is missing).
    fn playlist_parts(&self) -> (String, Vec<(u64, String)>) {
        let target = self
            .segments
            .iter()
            .map(|s| s.duration_ms.div_ceil(1000))
            .max()
            .unwrap_or(1)
            .max(1);
        let first = self.segments.front().map_or(0, |s| s.seq);
        let head = format!(
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-MEDIA-SEQUENCE:{first}\n#EXT-X-TARGETDURATION:{target}\n"
        );
        let entries = self
            .segments
            .iter()
            .map(|s| {
                let mut lines = String::with_capacity(64);
                if s.discontinuity {
                    lines.push_str("#EXT-X-DISCONTINUITY\n");
                }
                let _ = write!(
                    lines,
                    "#EXTINF:{:.3},\n{}-{}.ts\n",
                    s.duration_ms as f64 / 1000.0,
                    uri_escaped(&self.stream),
                    s.seq
                );
                (s.seq, lines)
            })
            .collect();
        (head, entries)
    }
}

/// A file name as a relative URI: everything but unreserved characters is
/// percent-encoded, so no name can start a tag (`#`) or break a line.
fn uri_escaped(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::{DiskWorker, SinkKind};

    const TEST_OWNER: Owner = Owner {
        stream: 1,
        kind: SinkKind::Hls,
    };
    use srs_kernel::MediaKind;
    use std::sync::Arc;

    fn aac(ts: u32, header: bool) -> MediaMessage {
        let payload: &'static [u8] = if header {
            &[0xaf, 0, 0x12, 0x10]
        } else {
            &[0xaf, 1, 0x21, 0x10, 0x04, 0x60, 0x8c, 0x1c]
        };
        MediaMessage::new(MediaKind::Audio, ts, Bytes::from_static(payload))
    }

    fn publish_audio(sink: &mut HlsSink, disk: &dyn DiskLane, secs: u32) {
        sink.on_publish();
        sink.on_media(&aac(0, true), disk).expect("header");
        for i in 0..(secs * 1000 / 23) {
            sink.on_media(&aac(i * 23, false), disk).expect("frame");
        }
        sink.on_unpublish(disk);
    }

    #[test]
    fn republish_continues_the_sequence_with_a_discontinuity() {
        let dir = std::env::temp_dir().join(format!("srs-hls-unit-{}", std::process::id()));
        let mut disk = DiskWorker::start(Arc::new(|| {})).expect("disk");
        let cfg = HlsConfig {
            path: dir.clone(),
            fragment_secs: 2.0,
            window_secs: 60.0,
            ..HlsConfig::default()
        };
        let mut sink = HlsSink::new(TEST_OWNER, &cfg, false, "live", "a");
        publish_audio(&mut sink, &disk, 10);
        let first: Vec<u64> = sink.segments().iter().map(|s| s.seq).collect();
        assert_eq!(first, vec![0, 1, 2], "4 s audio-only segments");
        publish_audio(&mut sink, &disk, 10);
        let all: Vec<(u64, bool)> = sink
            .segments()
            .iter()
            .map(|s| (s.seq, s.discontinuity))
            .collect();
        assert_eq!(
            all,
            vec![
                (0, false),
                (1, false),
                (2, false),
                (3, true),
                (4, false),
                (5, false)
            ]
        );
        disk.shutdown();
        let text = std::fs::read_to_string(dir.join("live/a.m3u8")).expect("playlist");
        assert!(text.contains("#EXT-X-DISCONTINUITY\n#EXTINF:4.0"), "{text}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn names_that_escape_hls_path_write_nothing() {
        let dir = std::env::temp_dir().join(format!("srs-hls-escape-{}", std::process::id()));
        let mut disk = DiskWorker::start(Arc::new(|| {})).expect("disk");
        let cfg = HlsConfig {
            path: dir.join("root"),
            ..HlsConfig::default()
        };
        for (app, stream) in [("../x", "s"), ("live", "../../y"), ("live", "/tmp/z")] {
            let mut sink = HlsSink::new(TEST_OWNER, &cfg, false, app, stream);
            sink.on_publish();
            assert!(
                sink.on_media(&aac(0, true), &disk).is_err(),
                "{app} {stream}"
            );
            assert!(sink.disabled);
            assert!(sink.on_media(&aac(10, false), &disk).is_ok());
        }
        disk.shutdown();
        assert!(
            !dir.exists(),
            "nothing written anywhere under {}",
            dir.display()
        );
    }

    #[test]
    fn playlist_uris_are_escaped() {
        assert_eq!(uri_escaped("live-stream_1.x~"), "live-stream_1.x~");
        assert_eq!(uri_escaped("#EXT x"), "%23EXT%20x");
        assert_eq!(uri_escaped("é"), "%C3%A9");
    }

    fn avc(ts: u32, kind: u8, size: usize) -> MediaMessage {
        let p = match kind {
            0 => vec![
                0x17, 0, 0, 0, 0, 1, 0x42, 0, 0x1e, 0xff, 0xe1, 0, 4, 0x67, 0x42, 0, 0x1e, 1, 0, 4,
                0x68, 0xce, 0x38, 0x80,
            ],
            1 => vec![0x17, 1, 0, 0, 0, 0, 0, 0, 5, 0x65, 1, 2, 3, 4],
            _ => {
                let mut p = vec![0x27, 1, 0, 0, 0];
                p.extend_from_slice(&(size as u32 - 9).to_be_bytes());
                p.push(0x41);
                p.resize(size, 0xab);
                p
            }
        };
        MediaMessage::new(MediaKind::Video, ts, Bytes::from(p))
    }

    #[test]
    fn a_stream_without_keyframes_is_cut_by_duration_and_size() {
        let dir = std::env::temp_dir().join(format!("srs-hls-overlong-{}", std::process::id()));
        let mut disk = DiskWorker::start(Arc::new(|| {})).expect("disk");
        let cfg = HlsConfig {
            path: dir.clone(),
            fragment_secs: 1.0,
            window_secs: 600.0,
            ..HlsConfig::default()
        };
        // By duration: one keyframe, then 10 s of inter frames.
        let mut sink = HlsSink::new(TEST_OWNER, &cfg, false, "live", "d");
        sink.on_publish();
        sink.on_media(&avc(0, 0, 0), &disk).expect("header");
        sink.on_media(&avc(0, 1, 0), &disk).expect("key");
        let mut errors = 0;
        for i in 1..250u32 {
            if sink.on_media(&avc(i * 40, 2, 100), &disk).is_err() {
                errors += 1;
            }
        }
        assert_eq!(errors, 1, "one warning for the overlong segment");
        let segs: Vec<u64> = sink.segments().iter().map(|s| s.duration_ms).collect();
        assert_eq!(segs, vec![3000], "cut at 3 x hls_fragment");
        assert!(sink.current.is_none(), "no segment until the next keyframe");
        sink.on_media(&avc(10_000, 1, 0), &disk).expect("key");
        assert!(sink.current.is_some());

        // By size: a low cap stands in for the 64 MiB one.
        let mut sink = HlsSink::new(TEST_OWNER, &cfg, false, "live", "s");
        sink.max_segment_bytes = 100_000;
        sink.on_publish();
        sink.on_media(&avc(0, 0, 0), &disk).expect("header");
        sink.on_media(&avc(0, 1, 0), &disk).expect("key");
        let mut cut_at = None;
        for i in 1..50u32 {
            if sink.on_media(&avc(i, 2, 10_000), &disk).is_err() {
                cut_at = Some(i);
                break;
            }
        }
        assert!(
            cut_at.is_some_and(|i| i <= 12),
            "cut near 100 kB: {cut_at:?}"
        );
        disk.shutdown();
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_slow_disk_loses_segments_not_memory() {
        let dir = std::env::temp_dir().join(format!("srs-hls-slow-{}", std::process::id()));
        let disk = DiskWorker::start(Arc::new(|| {})).expect("disk");
        let cfg = HlsConfig {
            path: dir.clone(),
            fragment_secs: 1.0,
            window_secs: 600.0,
            ..HlsConfig::default()
        };
        let mut sink = HlsSink::new(TEST_OWNER, &cfg, false, "live", "slow");
        sink.on_publish();
        disk.pretend_backlog(HLS_MAX_DISK_BACKLOG + 1);
        sink.on_media(&aac(0, true), &disk).expect("header");
        for i in 0..200u32 {
            sink.on_media(&aac(i * 23, false), &disk).expect("frame");
        }
        assert!(sink.segments().is_empty(), "every segment dropped");
        disk.pretend_backlog(0);
        for i in 200..400u32 {
            sink.on_media(&aac(i * 23, false), &disk).expect("frame");
        }
        let kept: Vec<(u64, bool)> = sink
            .segments()
            .iter()
            .map(|s| (s.seq, s.discontinuity))
            .collect();
        assert_eq!(kept.first(), Some(&(2, true)), "{kept:?}");
        drop(disk);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
