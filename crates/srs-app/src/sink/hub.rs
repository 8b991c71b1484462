//! The sinks of one source (HLS, DVR) and their error policy.
//!
//! The hub is started on each publish, fed every message and stopped on
//! unpublish; file operations go to a [`DiskLane`] (the disk worker, or a
//! recorder in tests) and what the driver must do — tell the `on_dvr` hook
//! once a file is renamed, disconnect the publisher (`hls_on_error
//! disconnect`), count an error — is queued as [`Action`]s. No socket, thread
//! or clock here: the wall clock comes in as `unix_ms`.

use std::path::PathBuf;

use srs_kernel::MediaMessage;

use super::disk::{DiskLane, Owner, SinkKind};
use super::dvr::DvrSink;
use super::hls::HlsSink;
use crate::config::{HlsOnError, VhostConfig};

/// What the hub asks the driver to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// A DVR file is being closed; once the disk renamed it (`DiskEvent::Closed`
    /// with this path), the `on_dvr` hook is told.
    DvrClosing(PathBuf),
    /// Close the publisher (`hls_on_error disconnect`).
    DisconnectPublisher(&'static str),
    /// A sink failed (for the error counters).
    Failed(SinkKind),
}

/// The sinks of one source.
#[derive(Default)]
pub struct SinkHub {
    hls: Option<HlsSink>,
    dvr: Option<DvrSink>,
    /// `vhost/app/stream`, for the log.
    name: String,
    hls_on_error: HlsOnError,
    actions: Vec<Action>,
}

impl std::fmt::Debug for SinkHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SinkHub")
            .field("name", &self.name)
            .field("hls", &self.hls.is_some())
            .field("dvr", &self.dvr.is_some())
            .finish()
    }
}

impl SinkHub {
    /// A hub with no sink; `hls` is the HLS state kept from an earlier
    /// publish of the stream (its segments and sequence continue).
    pub fn new(hls: Option<HlsSink>) -> SinkHub {
        SinkHub {
            hls,
            ..SinkHub::default()
        }
    }

    /// A publish starts: HLS continues or starts, DVR opens (each when the
    /// vhost enables it). `stream` names the source in disk jobs.
    pub fn start(&mut self, stream: u64, vhost: &VhostConfig, app: &str, name: &str) {
        let owner = |kind| Owner { stream, kind };
        self.name = format!("{}/{app}/{name}", vhost.name);
        self.hls_on_error = vhost.hls.on_error;
        if vhost.hls.enabled {
            let hls = self.hls.get_or_insert_with(|| {
                HlsSink::new(owner(SinkKind::Hls), &vhost.hls, vhost.atc, app, name)
            });
            hls.reconfigure(owner(SinkKind::Hls), &vhost.hls, app);
            hls.on_publish();
            log::info!(
                "HLS on for {}: {}, next segment {}",
                self.name,
                hls.playlist_path().display(),
                hls.next_sequence()
            );
        } else {
            self.hls = None;
        }
        self.dvr = vhost
            .dvr
            .enabled
            .then(|| DvrSink::new(owner(SinkKind::Dvr), &vhost.dvr, &vhost.name, app, name));
    }

    /// A message of the publish.
    pub fn feed(&mut self, msg: &MediaMessage, unix_ms: u64, disk: &dyn DiskLane) {
        let failure = self
            .hls
            .as_mut()
            .and_then(|hls| hls.on_media(msg, disk).err());
        let closed = self
            .dvr
            .as_mut()
            .and_then(|dvr| dvr.on_media(msg, unix_ms, disk));
        if let Some(path) = closed {
            self.actions.push(Action::DvrClosing(path));
        }
        if let Some(e) = failure {
            self.on_hls_error(&e);
        }
    }

    /// The publish ended: the open segment and file are kept.
    pub fn stop(&mut self, disk: &dyn DiskLane) {
        if let Some(hls) = self.hls.as_mut() {
            hls.on_unpublish(disk);
        }
        if let Some(path) = self.dvr.take().and_then(|mut dvr| dvr.on_unpublish(disk)) {
            self.actions.push(Action::DvrClosing(path));
        }
    }

    /// The disk worker reported that a job of `kind` failed (`file`: the
    /// DVR file it closed).
    pub fn on_disk_error(&mut self, kind: SinkKind, file: Option<u64>, message: &str) {
        match kind {
            SinkKind::Hls => self.on_hls_error(message),
            SinkKind::Dvr => {
                if let (Some(dvr), Some(file)) = (self.dvr.as_mut(), file) {
                    dvr.on_disk_error(file);
                }
                self.actions.push(Action::Failed(SinkKind::Dvr));
                log::error!(
                    "{}: DVR error: {message}; a new file starts at the next keyframe",
                    self.name
                );
            }
        }
    }

    /// The HLS muxer, while HLS is on.
    pub fn hls(&self) -> Option<&HlsSink> {
        self.hls.as_ref()
    }

    /// Takes the HLS state (kept when the source goes away, for a republish).
    pub fn take_hls(&mut self) -> Option<HlsSink> {
        self.hls.take()
    }

    /// Whether a DVR recorder runs.
    pub fn recording(&self) -> bool {
        self.dvr.is_some()
    }

    /// The actions queued since the last call, in order.
    pub fn take_actions(&mut self) -> Vec<Action> {
        std::mem::take(&mut self.actions)
    }

    fn on_hls_error(&mut self, what: &str) {
        let policy = self.hls_on_error;
        self.actions.push(Action::Failed(SinkKind::Hls));
        log::error!("{}: HLS error: {what} (hls_on_error {policy:?})", self.name);
        match policy {
            HlsOnError::Ignore => {
                if let Some(h) = self.hls.as_mut() {
                    h.disabled = true;
                }
                log::warn!("{}: HLS stopped for this publish; RTMP goes on", self.name);
            }
            HlsOnError::Continue => {}
            HlsOnError::Disconnect => {
                self.actions
                    .push(Action::DisconnectPublisher("hls_on_error disconnect"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! The hub in memory: disk jobs recorded, failures reported by the test.

    use std::cell::RefCell;
    use std::path::Path;

    use bytes::Bytes;
    use srs_kernel::MediaKind;

    use super::*;
    use crate::config::Config;
    use crate::sink::DiskJob;

    #[derive(Default)]
    struct Recorder {
        jobs: RefCell<Vec<DiskJob>>,
    }

    impl DiskLane for Recorder {
        fn submit(&self, job: DiskJob) {
            self.jobs.borrow_mut().push(job);
        }
        fn backlog_bytes(&self) -> usize {
            0
        }
    }

    impl Recorder {
        fn take(&self) -> Vec<DiskJob> {
            std::mem::take(&mut self.jobs.borrow_mut())
        }
    }

    fn vhost(body: &str) -> std::sync::Arc<VhostConfig> {
        let text = format!("vhost __defaultVhost__ {{ {body} }}");
        let config = Config::parse_str(&text, Path::new("t.conf")).expect("config");
        std::sync::Arc::clone(config.vhost("__defaultVhost__").expect("vhost"))
    }

    fn hls_vhost(on_error: &str) -> std::sync::Arc<VhostConfig> {
        vhost(&format!(
            "hls {{ enabled on; hls_path /srv/hls; hls_fragment 2; hls_on_error {on_error}; }}"
        ))
    }

    fn aac(ts: u32, header: bool) -> MediaMessage {
        let payload: &'static [u8] = if header {
            &[0xaf, 0, 0x12, 0x10]
        } else {
            &[0xaf, 1, 0x21, 0x10, 0x04, 0x60, 0x8c, 0x1c]
        };
        MediaMessage::new(MediaKind::Audio, ts, Bytes::from_static(payload))
    }

    fn avc(ts: u32, key: bool) -> MediaMessage {
        let first = if key { 0x17 } else { 0x27 };
        MediaMessage::new(
            MediaKind::Video,
            ts,
            Bytes::from(vec![first, 1, 0, 0, 0, 0, 0, 0, 1, 0x65]),
        )
    }

    /// Feeds `secs` of audio from `from_ms`; returns the HLS segment files written.
    fn feed_audio(hub: &mut SinkHub, disk: &Recorder, from_ms: u32, secs: u32) -> usize {
        for i in 0..(secs * 1000 / 23) {
            hub.feed(&aac(from_ms + i * 23, false), 0, disk);
        }
        disk.take()
            .iter()
            .filter(|j| matches!(j, DiskJob::WriteFile { path, .. } if path.extension().is_some_and(|e| e == "ts")))
            .count()
    }

    fn started(v: &VhostConfig, disk: &Recorder) -> SinkHub {
        let mut hub = SinkHub::new(None);
        hub.start(7, v, "live", "s");
        hub.feed(&aac(0, true), 0, disk);
        hub
    }

    #[test]
    fn hls_on_error_ignore_stops_hls_for_the_publish_and_keeps_the_publisher() {
        let (v, disk) = (hls_vhost("ignore"), Recorder::default());
        let mut hub = started(&v, &disk);
        assert!(
            feed_audio(&mut hub, &disk, 0, 10) >= 2,
            "segments are written"
        );
        hub.take_actions();
        hub.on_disk_error(SinkKind::Hls, None, "No space left on device");
        assert_eq!(hub.take_actions(), [Action::Failed(SinkKind::Hls)]);
        assert_eq!(feed_audio(&mut hub, &disk, 10_000, 10), 0, "HLS is off");
        // The next publish starts HLS again.
        hub.stop(&disk);
        hub.start(7, &v, "live", "s");
        hub.feed(&aac(0, true), 0, &disk);
        assert!(feed_audio(&mut hub, &disk, 0, 10) >= 2);
    }

    #[test]
    fn hls_on_error_disconnect_asks_to_close_the_publisher() {
        let (v, disk) = (hls_vhost("disconnect"), Recorder::default());
        let mut hub = started(&v, &disk);
        hub.on_disk_error(SinkKind::Hls, None, "EIO");
        assert_eq!(
            hub.take_actions(),
            [
                Action::Failed(SinkKind::Hls),
                Action::DisconnectPublisher("hls_on_error disconnect")
            ]
        );
    }

    #[test]
    fn hls_on_error_continue_keeps_writing() {
        let (v, disk) = (hls_vhost("continue"), Recorder::default());
        let mut hub = started(&v, &disk);
        hub.on_disk_error(SinkKind::Hls, None, "EIO");
        assert_eq!(hub.take_actions(), [Action::Failed(SinkKind::Hls)]);
        assert!(feed_audio(&mut hub, &disk, 0, 10) >= 2);
    }

    #[test]
    fn a_dvr_error_resumes_in_a_new_file_at_the_next_keyframe_and_stop_reports_the_file() {
        let v = vhost("dvr { enabled on; dvr_plan session; dvr_path /srv/dvr/[stream].flv; }");
        let disk = Recorder::default();
        let mut hub = SinkHub::new(None);
        hub.start(7, &v, "live", "s");
        assert!(hub.recording());
        hub.feed(&avc(0, true), 1_000, &disk);
        let opened: Vec<u64> = disk
            .take()
            .iter()
            .filter_map(|j| match j {
                DiskJob::Open { file, path, .. } => {
                    assert_eq!(path, Path::new("/srv/dvr/s.flv"));
                    Some(*file)
                }
                _ => None,
            })
            .collect();
        assert_eq!(opened.len(), 1);
        hub.on_disk_error(SinkKind::Dvr, Some(opened[0]), "No space left on device");
        assert_eq!(hub.take_actions(), [Action::Failed(SinkKind::Dvr)]);
        hub.feed(&avc(40, false), 1_040, &disk);
        let opens = |jobs: Vec<DiskJob>| {
            jobs.iter()
                .filter(|j| matches!(j, DiskJob::Open { .. }))
                .count()
        };
        assert_eq!(opens(disk.take()), 0, "no file until a keyframe");
        hub.feed(&avc(80, true), 1_080, &disk);
        assert_eq!(opens(disk.take()), 1, "a new file at the keyframe");
        hub.stop(&disk);
        assert_eq!(
            hub.take_actions(),
            [Action::DvrClosing("/srv/dvr/s.flv".into())]
        );
        assert!(disk
            .take()
            .iter()
            .any(|j| matches!(j, DiskJob::Close { .. })));
        assert!(!hub.recording());
    }
}
