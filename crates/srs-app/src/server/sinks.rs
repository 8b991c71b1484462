//! The driver's side of HLS and DVR: each source's `SinkHub` is started on
//! publish, fed every message and stopped on unpublish; this runs what the
//! hubs ask (the `on_dvr` hook once a file is renamed, disconnecting a
//! publisher, error counters) and routes the disk worker's reports.

use srs_kernel::MediaMessage;

use super::Server;
use crate::error::ConnError;
use crate::hooks::{self, HookKind};
use crate::ids::SourceId;
use crate::sink::hub::Action;
use crate::sink::{DiskEvent, SinkKind};

impl Server {
    /// A publish starts on source `sid`: HLS continues or starts, DVR opens.
    pub(crate) fn start_sinks(&mut self, sid: SourceId) {
        let Some(source) = self.registry.get_mut(sid) else {
            return;
        };
        let (vhost, key) = (std::sync::Arc::clone(&source.vhost), &source.key);
        source
            .sinks
            .start(sid.to_u64(), &vhost, &key.app, &key.stream);
        self.run_sink_actions(sid);
    }

    /// Feeds the sinks of source `sid`.
    pub(crate) fn feed_sinks(&mut self, sid: SourceId, msg: &MediaMessage) {
        let Some(source) = self.registry.get_mut(sid) else {
            return;
        };
        source.sinks.feed(msg, self.unix_ms, &self.disk);
        self.run_sink_actions(sid);
    }

    /// The publish of source `sid` ended: the open segment and file are kept.
    pub(crate) fn stop_sinks(&mut self, sid: SourceId) {
        let Some(source) = self.registry.get_mut(sid) else {
            return;
        };
        source.sinks.stop(&self.disk);
        self.run_sink_actions(sid);
    }

    /// Runs what the hub of source `sid` asks for.
    fn run_sink_actions(&mut self, sid: SourceId) {
        let Some(source) = self.registry.get_mut(sid) else {
            return;
        };
        for action in source.sinks.take_actions() {
            match action {
                Action::DvrClosing(path) => self.dvr_file_closing(sid, path),
                Action::Failed(SinkKind::Hls) => self.counters.hls_errors += 1,
                Action::Failed(SinkKind::Dvr) => self.counters.dvr_errors += 1,
                Action::DisconnectPublisher(why) => {
                    let publisher = self.registry.get(sid).and_then(|s| s.publisher());
                    if let Some(publisher) = publisher {
                        self.close(publisher, ConnError::Done(why));
                    }
                }
            }
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
                    match self.registry.get_mut(sid) {
                        Some(source) => {
                            source.sinks.on_disk_error(owner.kind, file, &message);
                            self.run_sink_actions(sid);
                        }
                        None => {
                            match owner.kind {
                                SinkKind::Hls => self.counters.hls_errors += 1,
                                SinkKind::Dvr => self.counters.dvr_errors += 1,
                            }
                            log::error!("a finished stream: {owner:?} error: {message}");
                        }
                    }
                }
            }
        }
    }
}
