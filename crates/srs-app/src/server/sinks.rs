//! HLS and DVR attached to sources: started on publish, fed every message,
//! finished on unpublish; disk errors follow the vhost's policy.

use srs_kernel::MediaMessage;

use super::Server;
use crate::config::HlsOnError;
use crate::error::ConnError;
use crate::hooks::{self, HookKind};
use crate::ids::SourceId;
use crate::sink::{DiskEvent, DvrSink, HlsSink, Owner, SinkKind};

/// The owner of a source's disk jobs.
fn owner_of(sid: SourceId, kind: SinkKind) -> Owner {
    Owner {
        stream: sid.to_u64(),
        kind,
    }
}

impl Server {
    /// A publish starts on source `sid`: HLS continues or starts, DVR opens.
    pub(crate) fn start_sinks(&mut self, sid: SourceId) {
        let Some(source) = self.registry.get_mut(sid) else {
            return;
        };
        let vhost = std::sync::Arc::clone(&source.vhost);
        let key = source.key.clone();
        if vhost.hls.enabled {
            let hls = source.hls.get_or_insert_with(|| {
                HlsSink::new(
                    owner_of(sid, SinkKind::Hls),
                    &vhost.hls,
                    vhost.atc,
                    &key.app,
                    &key.stream,
                )
            });
            hls.reconfigure(owner_of(sid, SinkKind::Hls), &vhost.hls, &key.app);
            hls.on_publish();
            log::info!(
                "HLS on for {key}: {}, next segment {}",
                hls.playlist_path().display(),
                hls.next_sequence()
            );
        } else {
            source.hls = None;
        }
        source.dvr = vhost.dvr.enabled.then(|| {
            DvrSink::new(
                owner_of(sid, SinkKind::Dvr),
                &vhost.dvr,
                &key.vhost,
                &key.app,
                &key.stream,
            )
        });
    }

    /// Feeds the sinks of source `sid`.
    pub(crate) fn feed_sinks(&mut self, sid: SourceId, msg: &MediaMessage) {
        let Some(source) = self.registry.get_mut(sid) else {
            return;
        };
        let mut failure = None;
        if let Some(hls) = source.hls.as_mut() {
            if let Err(e) = hls.on_media(msg, &self.disk) {
                failure = Some(e);
            }
        }
        let closed = source
            .dvr
            .as_mut()
            .and_then(|dvr| dvr.on_media(msg, self.unix_ms, &self.disk));
        if let Some(path) = closed {
            self.dvr_file_closing(sid, path);
        }
        if let Some(e) = failure {
            self.on_hls_error(sid, &e);
        }
    }

    /// The publish of source `sid` ended: the open segment and file are kept.
    pub(crate) fn stop_sinks(&mut self, sid: SourceId) {
        let Some(source) = self.registry.get_mut(sid) else {
            return;
        };
        if let Some(hls) = source.hls.as_mut() {
            hls.on_unpublish(&self.disk);
        }
        let closed = source
            .dvr
            .take()
            .and_then(|mut dvr| dvr.on_unpublish(&self.disk));
        if let Some(path) = closed {
            self.dvr_file_closing(sid, path);
        }
    }

    /// A DVR file of source `sid` is being closed: once it is renamed, the
    /// on_dvr hook is told.
    fn dvr_file_closing(&mut self, sid: SourceId, path: std::path::PathBuf) {
        let Some(source) = self.registry.get(sid) else {
            return;
        };
        let vhost = std::sync::Arc::clone(&source.vhost);
        if HookKind::Dvr.urls(&vhost.http_hooks).is_empty() {
            return;
        }
        let Some(publisher) = source.publisher() else {
            return;
        };
        let client = self.hook_client(publisher);
        let (stream, param) = self
            .conns
            .get_mut(publisher)
            .and_then(|c| c.rtmp())
            .and_then(|r| r.url.as_ref().map(|u| (u.stream.clone(), u.param.clone())))
            .unwrap_or_default();
        let cwd = std::env::current_dir()
            .map(|d| d.display().to_string())
            .unwrap_or_default();
        let payload = hooks::on_dvr(&client, &stream, &param, &cwd, &path.display().to_string());
        let calls = hooks::calls(HookKind::Dvr, &vhost.http_hooks, &payload);
        self.dvr_hooks
            .insert(path, (calls, vhost.http_hooks.timeout_ms));
    }

    fn on_hls_error(&mut self, sid: SourceId, what: &str) {
        let Some(source) = self.registry.get_mut(sid) else {
            return;
        };
        let policy = source.vhost.hls.on_error;
        self.counters.hls_errors += 1;
        log::error!(
            "{}: HLS error: {what} (hls_on_error {policy:?})",
            source.key
        );
        match policy {
            HlsOnError::Ignore => {
                if let Some(h) = source.hls.as_mut() {
                    h.disabled = true;
                }
                log::warn!("{}: HLS stopped for this publish; RTMP goes on", source.key);
            }
            HlsOnError::Continue => {}
            HlsOnError::Disconnect => {
                if let Some(publisher) = source.publisher() {
                    self.close(publisher, ConnError::Done("hls_on_error disconnect"));
                }
            }
        }
    }

    /// Handles what the disk worker reported.
    pub(crate) fn on_disk_events(&mut self) {
        for event in self.disk.poll_events() {
            match event {
                DiskEvent::Closed { path, .. } => {
                    log::info!("DVR file closed: {}", path.display());
                    if let Some((calls, timeout)) = self.dvr_hooks.remove(&path) {
                        self.notify_hooks(calls, timeout);
                    }
                }
                DiskEvent::Error {
                    owner,
                    file,
                    message,
                } => {
                    let sid = SourceId::from_u64(owner.stream);
                    if owner.kind == SinkKind::Hls {
                        self.on_hls_error(sid, &message);
                    } else {
                        let source = self.registry.get_mut(sid);
                        let key = source
                            .as_ref()
                            .map_or_else(|| "a finished stream".into(), |s| s.key.to_string());
                        if let (Some(dvr), Some(file)) = (source.and_then(|s| s.dvr.as_mut()), file)
                        {
                            dvr.on_disk_error(file);
                        }
                        self.counters.dvr_errors += 1;
                        log::error!(
                            "{key}: DVR error: {message}; a new file starts at the next keyframe"
                        );
                    }
                }
            }
        }
    }
}
