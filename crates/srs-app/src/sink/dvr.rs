//! DVR: the stream recorded to FLV files, `[dvr_path]/[app]/[stream].[unix ms].flv`
//! (or SRS 2.0's template with `[vhost]`, `[app]`, `[stream]`, `[timestamp]`),
//! written as `.tmp` and renamed when closed. Every file starts with the
//! metadata and sequence headers, so each plays alone.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use srs_kernel::flv::{file_header, previous_tag_size, tag_header};
use srs_kernel::MediaMessage;

use super::disk::{DiskJob, DiskLane, Owner};
use super::safe_path::{is_under, template_root};
use crate::config::{DvrConfig, DvrPlan, TimeJitter};
use crate::timestamp::{Jitter, JitterMode};

/// Ids of files open in the disk worker, unique in the process.
static NEXT_FILE_ID: AtomicU64 = AtomicU64::new(1);

/// Appends are batched into jobs of about this size.
const BATCH_BYTES: usize = 64 * 1024;

struct DvrFile {
    id: u64,
    path: PathBuf,
    start_ms: u64,
    jitter: Jitter,
    pending: Vec<Bytes>,
    pending_bytes: usize,
}

/// The recorder of one stream.
pub struct DvrSink {
    owner: Owner,
    cfg: DvrConfig,
    vhost: String,
    app: String,
    stream: String,
    file: Option<DvrFile>,
    metadata: Option<MediaMessage>,
    video_header: Option<MediaMessage>,
    audio_header: Option<MediaMessage>,
    seen_video: bool,
    elapsed_base: Option<u32>,
    /// Set when this stream's files would leave `dvr_path`: nothing is recorded.
    refused: bool,
    /// A write failed or the disk fell behind: the next file starts at a
    /// keyframe (or the next audio frame of a stream without video).
    resume_at_keyframe: bool,
}

/// Bytes queued for the disk beyond which a recording stops (its file is
/// closed with what it has) and waits to start again at a keyframe: a slow
/// disk must not grow this process's memory.
pub const DVR_MAX_DISK_BACKLOG: usize = 128 * 1024 * 1024;

impl DvrSink {
    /// A recorder for `vhost/app/stream`; files open at the first message.
    pub fn new(owner: Owner, cfg: &DvrConfig, vhost: &str, app: &str, stream: &str) -> Self {
        DvrSink {
            owner,
            cfg: cfg.clone(),
            vhost: vhost.to_string(),
            app: app.to_string(),
            stream: stream.to_string(),
            file: None,
            metadata: None,
            video_header: None,
            audio_header: None,
            seen_video: false,
            elapsed_base: None,
            refused: false,
            resume_at_keyframe: false,
        }
    }

    /// The path of a file started at `unix_ms`.
    pub fn file_path(&self, unix_ms: u64) -> PathBuf {
        let p = self.cfg.path.to_string_lossy().into_owned();
        let fill = |s: &str| {
            s.replace("[vhost]", &self.vhost)
                .replace("[app]", &self.app)
                .replace("[stream]", &self.stream)
                .replace("[timestamp]", &unix_ms.to_string())
        };
        if p.ends_with(".flv") {
            PathBuf::from(fill(&p))
        } else {
            PathBuf::from(fill(&p))
                .join(&self.app)
                .join(format!("{}.{unix_ms}.flv", self.stream))
        }
    }

    fn tag(&self, msg: &MediaMessage, ts: u32) -> [Bytes; 3] {
        let size = msg.payload.len() as u32;
        [
            Bytes::copy_from_slice(&tag_header(msg.kind, ts, size)),
            msg.payload.clone(),
            Bytes::copy_from_slice(&previous_tag_size(size)),
        ]
    }

    fn open(&mut self, unix_ms: u64, stream_ms: u32, disk: &dyn DiskLane) {
        let path = self.file_path(unix_ms);
        let root = template_root(&self.cfg.path);
        if !is_under(root, &path) {
            log::error!(
                "DVR refused: the file would leave dvr_path {}",
                root.display()
            );
            self.refused = true;
            return;
        }
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let id = NEXT_FILE_ID.fetch_add(1, Ordering::Relaxed);
        disk.submit(DiskJob::Open {
            owner: self.owner,
            file: id,
            tmp: PathBuf::from(tmp),
            path: path.clone(),
        });
        let mut file = DvrFile {
            id,
            path,
            start_ms: stream_ms as u64,
            jitter: Jitter::new(match self.cfg.time_jitter {
                TimeJitter::Full => JitterMode::Full,
                TimeJitter::Zero => JitterMode::Zero,
                TimeJitter::Off => JitterMode::Off,
            }),
            pending: vec![Bytes::copy_from_slice(&file_header(true, true))],
            pending_bytes: 13,
        };
        for head in [&self.metadata, &self.video_header, &self.audio_header]
            .into_iter()
            .flatten()
        {
            for piece in self.tag(head, 0) {
                file.pending_bytes += piece.len();
                file.pending.push(piece);
            }
        }
        // The headers are at 0 and the first frame continues from there.
        file.jitter.correct(stream_ms);
        self.file = Some(file);
    }

    fn flush(&mut self, disk: &dyn DiskLane) {
        if let Some(f) = self.file.as_mut() {
            if !f.pending.is_empty() {
                disk.submit(DiskJob::Append {
                    file: f.id,
                    data: std::mem::take(&mut f.pending),
                });
                f.pending_bytes = 0;
            }
        }
    }

    /// Closes the current file; returns its final path.
    fn close(&mut self, disk: &dyn DiskLane) -> Option<PathBuf> {
        self.flush(disk);
        let f = self.file.take()?;
        disk.submit(DiskJob::Close {
            file: f.id,
            path: f.path.clone(),
        });
        Some(f.path)
    }

    /// Records one message; `unix_ms` names new files. Returns the path of a
    /// file this message closed (segment plan).
    pub fn on_media(
        &mut self,
        msg: &MediaMessage,
        unix_ms: u64,
        disk: &dyn DiskLane,
    ) -> Option<PathBuf> {
        if self.refused {
            return None;
        }
        if msg.is_script() {
            self.metadata = Some(without_file_fields(msg));
        } else if msg.is_sequence_header() {
            if msg.is_video() {
                self.video_header = Some(msg.clone());
            } else {
                self.audio_header = Some(msg.clone());
            }
        }
        if msg.is_video() {
            self.seen_video = true;
        }
        let mut closed = None;
        let base = *self.elapsed_base.get_or_insert(msg.timestamp);
        let stream_ms = msg.timestamp.wrapping_sub(base);
        if let (DvrPlan::Segment, Some(f)) = (self.cfg.plan, &self.file) {
            let elapsed = (stream_ms as u64).saturating_sub(f.start_ms);
            let at_boundary = !self.cfg.wait_keyframe
                || !self.seen_video
                || (msg.is_video() && msg.is_keyframe() && !msg.is_sequence_header());
            if elapsed >= self.cfg.duration_secs as u64 * 1000 && at_boundary {
                closed = self.close(disk);
            }
        }
        if self.file.is_some() && disk.backlog_bytes() > DVR_MAX_DISK_BACKLOG {
            log::warn!(
                "DVR: {} bytes wait for the disk; the file is closed and recording \
                 resumes at a keyframe",
                disk.backlog_bytes()
            );
            closed = self.close(disk);
            self.resume_at_keyframe = true;
        }
        if self.file.is_none() {
            if msg.is_script() || msg.is_sequence_header() {
                // Kept above; the next file starts with them.
                return closed;
            }
            let frame_starts_file = !self.resume_at_keyframe
                || if self.seen_video {
                    msg.is_video() && msg.is_keyframe()
                } else {
                    msg.is_audio()
                };
            if !frame_starts_file || disk.backlog_bytes() > DVR_MAX_DISK_BACKLOG {
                return closed;
            }
            self.resume_at_keyframe = false;
            self.open(unix_ms, stream_ms, disk);
        }
        let ts = self.file.as_mut().map(|f| f.jitter.correct(stream_ms))?;
        let pieces = self.tag(msg, ts);
        let f = self.file.as_mut()?;
        for piece in pieces {
            f.pending_bytes += piece.len();
            f.pending.push(piece);
        }
        if f.pending_bytes >= BATCH_BYTES || msg.is_keyframe() {
            self.flush(disk);
        }
        closed
    }

    /// The disk worker reported a failure of file `file`: it closed that file
    /// (keeping what was written); the next one opens at a keyframe.
    pub fn on_disk_error(&mut self, file: u64) {
        if self.file.as_ref().is_some_and(|f| f.id == file) {
            self.file = None;
            self.resume_at_keyframe = true;
        }
    }

    /// The publish ended: the file is closed and renamed; returns its path.
    pub fn on_unpublish(&mut self, disk: &dyn DiskLane) -> Option<PathBuf> {
        self.elapsed_base = None;
        self.close(disk)
    }
}

/// The metadata without `duration` and `filesize`: a publisher streaming a
/// file sends the whole file's values, which would be wrong for each
/// recording (players then trust the timestamps).
fn without_file_fields(msg: &MediaMessage) -> MediaMessage {
    use srs_kernel::amf0::{self, Amf0Value};
    let Ok(mut values) = amf0::decode_all(&msg.payload) else {
        return msg.clone();
    };
    let Some(props) = values.get_mut(1).and_then(|v| match v {
        Amf0Value::Object(p) | Amf0Value::EcmaArray(p) => Some(p),
        _ => None,
    }) else {
        return msg.clone();
    };
    props.retain(|(k, _)| k != "duration" && k != "filesize");
    let mut out = Vec::with_capacity(msg.payload.len());
    amf0::encode_all(&values, &mut out);
    let mut m = msg.clone();
    m.payload = Bytes::from(out);
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::{DiskWorker, SinkKind};

    const TEST_OWNER: Owner = Owner {
        stream: 1,
        kind: SinkKind::Dvr,
    };

    #[test]
    fn file_paths_default_layout_and_srs2_template() {
        let mut cfg = DvrConfig {
            path: PathBuf::from("./objs/nginx/html"),
            ..DvrConfig::default()
        };
        let d = DvrSink::new(TEST_OWNER, &cfg, "__defaultVhost__", "live", "livestream");
        assert_eq!(
            d.file_path(1_700_000_000_123),
            PathBuf::from("./objs/nginx/html/live/livestream.1700000000123.flv")
        );
        cfg.path = PathBuf::from("/data/[vhost]/[app]/[stream]-[timestamp].flv");
        let d = DvrSink::new(TEST_OWNER, &cfg, "demo.com", "live", "s");
        assert_eq!(
            d.file_path(42),
            PathBuf::from("/data/demo.com/live/s-42.flv")
        );
    }

    #[test]
    fn names_that_escape_dvr_path_record_nothing() {
        use srs_kernel::MediaKind;
        let dir = std::env::temp_dir().join(format!("srs-dvr-escape-{}", std::process::id()));
        let disk = DiskWorker::start(std::sync::Arc::new(|| {})).expect("disk");
        let msg = MediaMessage::new(MediaKind::Audio, 0, Bytes::from_static(&[0xaf, 1, 0]));
        for (template, app, stream) in [
            (dir.join("root"), "../x", "s"),
            (dir.join("root"), "live", "../../y"),
            (dir.join("root/[app]/[stream].flv"), "..", "s"),
            (dir.join("root/[stream].flv"), "live", "../z"),
        ] {
            let cfg = DvrConfig {
                path: template,
                ..DvrConfig::default()
            };
            let mut d = DvrSink::new(TEST_OWNER, &cfg, "v", app, stream);
            assert_eq!(d.on_media(&msg, 1, &disk), None);
            assert!(d.refused, "{app} {stream}");
            assert_eq!(d.on_unpublish(&disk), None);
        }
        drop(disk);
        assert!(!dir.exists(), "nothing written near {}", dir.display());
    }

    #[test]
    fn metadata_loses_file_fields() {
        use srs_kernel::amf0::{self, Amf0Value};
        use srs_kernel::MediaKind;
        let mut payload = Vec::new();
        amf0::encode_all(
            &[
                Amf0Value::String("onMetaData".into()),
                Amf0Value::EcmaArray(vec![
                    ("duration".into(), Amf0Value::Number(6.0)),
                    ("width".into(), Amf0Value::Number(320.0)),
                    ("filesize".into(), Amf0Value::Number(1e6)),
                ]),
            ],
            &mut payload,
        );
        let m = MediaMessage::new(MediaKind::Script, 0, Bytes::from(payload));
        let out = amf0::decode_all(&without_file_fields(&m).payload).expect("amf0");
        assert_eq!(out[1].get("width").and_then(|v| v.as_f64()), Some(320.0));
        assert!(out[1].get("duration").is_none() && out[1].get("filesize").is_none());
    }

    #[test]
    fn a_slow_disk_closes_the_file_and_resumes_at_a_keyframe() {
        use srs_kernel::MediaKind;
        let dir = std::env::temp_dir().join(format!("srs-dvr-slow-{}", std::process::id()));
        let disk = DiskWorker::start(std::sync::Arc::new(|| {})).expect("disk");
        let cfg = DvrConfig {
            path: dir.clone(),
            ..DvrConfig::default()
        };
        let video = |ts: u32, key: bool| {
            let p: &'static [u8] = if key {
                &[0x17, 1, 0, 0, 0]
            } else {
                &[0x27, 1, 0, 0, 0]
            };
            MediaMessage::new(MediaKind::Video, ts, Bytes::from_static(p))
        };
        let mut d = DvrSink::new(TEST_OWNER, &cfg, "v", "live", "s");
        assert_eq!(d.on_media(&video(0, true), 1, &disk), None);
        assert!(d.file.is_some());
        disk.pretend_backlog(DVR_MAX_DISK_BACKLOG + 1);
        let closed = d.on_media(&video(40, false), 2, &disk);
        assert!(closed.is_some(), "the file is closed");
        disk.pretend_backlog(0);
        assert_eq!(d.on_media(&video(80, false), 3, &disk), None);
        assert!(d.file.is_none(), "no file starts on an inter frame");
        assert_eq!(d.on_media(&video(120, true), 4, &disk), None);
        assert!(d.file.is_some(), "a new file at the keyframe");
        // A write error reported for the current file does the same.
        let id = d.file.as_ref().map(|f| f.id).expect("file");
        d.on_disk_error(id + 1000);
        assert!(d.file.is_some(), "another file's error is not ours");
        d.on_disk_error(id);
        assert!(d.file.is_none());
        assert_eq!(d.on_media(&video(160, false), 5, &disk), None);
        assert!(d.file.is_none());
        drop(disk);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
