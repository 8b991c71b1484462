//! RTMP connections: session events to stream actions.

use std::sync::Arc;

use srs_rtmp::command::ConnectCommand;
use srs_rtmp::session::server::ServerEvent;
use srs_rtmp::url::RequestUrl;
use srs_rtmp::RtmpError;

use super::bandwidth::Bandcheck;
use super::timers::TimerKey;
use super::Server;
use crate::admission::{Gate, Request};
use crate::config::VhostConfig;
use crate::error::ConnError;
use crate::hooks::{self, HookKind};
use crate::ids::ConnId;
use crate::refer;
use crate::refused::Refused;
use crate::stream::StreamKey;

/// A client's free text (URLs of a connect) as logged: at most 256 bytes, so
/// a 64 KiB tcUrl cannot make every connect write a 64 KiB log line.
fn clip(text: &str) -> &str {
    const MAX: usize = 256;
    if text.len() <= MAX {
        return text;
    }
    let mut end = MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

impl Server {
    /// Handles every pending event of RTMP connection `id`.
    pub(crate) fn drain_rtmp_events(&mut self, id: ConnId) {
        loop {
            let Some(rtmp) = self.conns.get_mut(id).and_then(|c| c.rtmp()) else {
                return;
            };
            let Some(event) = rtmp.session.poll_event() else {
                return;
            };
            let result = match event {
                ServerEvent::ConnectRequested(c) => self.on_connect(id, c),
                ServerEvent::PublishRequested { stream } => self.on_publish(id, &stream),
                ServerEvent::PlayRequested {
                    stream, duration, ..
                } => {
                    if duration.is_finite() && duration > 0.0 {
                        rtmp.play_duration_ms = duration as u64;
                    }
                    self.on_play(id, &stream)
                }
                ServerEvent::Unpublished | ServerEvent::PlayStopped => {
                    let (calls, timeout) = self.role_end_calls(id);
                    self.stop_role(id);
                    self.notify_hooks(calls, timeout);
                    Ok(())
                }
                ServerEvent::Paused(paused) => {
                    if let Some(c) = self.conns.get_mut(id).and_then(|c| c.consumer_mut()) {
                        c.set_paused(paused);
                    }
                    log::info!("player {}", if paused { "paused" } else { "resumed" });
                    self.mark_dirty(id);
                    Ok(())
                }
                ServerEvent::Media(msg) => {
                    self.on_publisher_media(id, msg);
                    Ok(())
                }
                ServerEvent::Call {
                    name,
                    transaction_id,
                    args,
                } => {
                    if let Some(bw) = rtmp.bandwidth.as_mut() {
                        // Bandwidth test packets use transaction id 0: no answer.
                        bw.on_call(&name, &args, self.now_ms);
                        self.drive_bandwidth(id);
                    } else {
                        log::info!("ignore call {name}, answer _result");
                        rtmp.session.answer_unknown_call(transaction_id);
                    }
                    Ok(())
                }
            };
            if let Err(e) = result {
                self.close(id, ConnError::Protocol(e));
                return;
            }
        }
    }

    /// Refuses the pending connect of `id` with `_error` and closes it once
    /// the answer is written.
    pub(crate) fn reject_connect(&mut self, id: ConnId, why: &str) -> Result<(), RtmpError> {
        let rejected = self
            .conns
            .get_mut(id)
            .and_then(|c| c.rtmp())
            .map(|r| r.session.reject_connect(why));
        self.refuse(id, why);
        rejected.unwrap_or(Ok(()))
    }

    /// Logs the refusal; the connection closes once the answer is written.
    pub(crate) fn refuse(&mut self, id: ConnId, why: &str) {
        if let Some(conn) = self.conns.get_mut(id) {
            log::warn!("refuse client {}: {why}", conn.peer);
            conn.closing = true;
        }
        self.mark_dirty(id);
    }

    fn on_connect(&mut self, id: ConnId, c: ConnectCommand) -> Result<(), RtmpError> {
        let Some(conn) = self.conns.get_mut(id) else {
            return Ok(());
        };
        let peer = conn.peer;
        let Some(rtmp) = conn.rtmp() else {
            return Ok(());
        };
        let url = match RequestUrl::from_connect(&c.tc_url, &c.app) {
            Ok(u) => u,
            Err(e) => {
                rtmp.session.reject_connect(&e.to_string())?;
                self.refuse(id, &e.to_string());
                return Ok(());
            }
        };
        log::info!(
            "connect app={} tcUrl={} pageUrl={} swfUrl={} vhost={} ip={}",
            url.app,
            clip(&c.tc_url),
            clip(&c.page_url),
            clip(&c.swf_url),
            url.vhost,
            peer.ip()
        );
        let vhost = match self.config.resolve_vhost(&url.vhost) {
            Some(v) => Arc::clone(v),
            None => {
                let why = format!(
                    "vhost {} is not configured and there is no enabled __defaultVhost__",
                    url.vhost
                );
                rtmp.session.reject_connect(&why)?;
                self.refuse(id, &why);
                return Ok(());
            }
        };
        if let Err(why) = refer::check(&c.page_url, &[("refer", &vhost.refer_all)]) {
            rtmp.session.reject_connect(&why)?;
            self.refuse(id, &why);
            return Ok(());
        }
        rtmp.page_url = c.page_url.clone();
        rtmp.url = Some(url);
        rtmp.vhost = Some(Arc::clone(&vhost));
        if !matches!(self.try_bandcheck(id, &c, &vhost)?, Bandcheck::No) {
            return Ok(());
        }
        let mut gates = Vec::new();
        if vhost.mode_remote && vhost.token_traverse {
            gates.push(Gate::TokenTraverse {
                origin: vhost.origin.first().cloned().unwrap_or_default(),
                connect: Box::new(c.clone()),
            });
        }
        if !HookKind::Connect.urls(&vhost.http_hooks).is_empty() {
            let client = self.hook_client(id);
            let payload = hooks::on_connect(&client, &c.tc_url, &c.page_url);
            gates.extend(Self::hook_gate(&vhost, HookKind::Connect, &payload));
        }
        self.admit_request(id, &vhost, Request::Connect, gates);
        Ok(())
    }

    /// Answers the pending connect (checks and hooks passed).
    pub(crate) fn finish_connect(&mut self, id: ConnId) -> Result<(), RtmpError> {
        let Some(conn) = self.conns.get_mut(id) else {
            return Ok(());
        };
        let cid = conn.cid;
        let Some(rtmp) = conn.rtmp() else {
            return Ok(());
        };
        let Some(vhost) = rtmp.vhost.clone() else {
            return Ok(());
        };
        let mut info = self.server_info.clone();
        info.connection_id = cid;
        rtmp.session
            .accept_connect(self.config.vhost_chunk_size(&vhost), &info)?;
        self.mark_dirty(id);
        Ok(())
    }

    /// The request and vhost for a publish/play of `stream` on connection `id`,
    /// with the vhost's refer lists checked (`list` = refer_play or refer_publish).
    fn stream_request(
        &mut self,
        id: ConnId,
        stream: &str,
        list: fn(&VhostConfig) -> (&'static str, &Option<Vec<String>>),
    ) -> Result<(RequestUrl, Arc<VhostConfig>), Refused> {
        let gone = Refused::Gone("the connection is not a connected RTMP client");
        let conn = self.conns.get_mut(id).ok_or(gone.clone())?;
        let rtmp = conn.rtmp().ok_or(gone.clone())?;
        let mut url = rtmp.url.clone().ok_or(gone)?;
        url.set_stream(stream)?;
        let vhost = self
            .config
            .resolve_vhost(&url.vhost)
            .cloned()
            .ok_or_else(|| Refused::NoVhost(url.vhost.clone()))?;
        let (name, specific) = list(&vhost);
        refer::check(
            &rtmp.page_url,
            &[("refer", &vhost.refer_all), (name, specific)],
        )
        .map_err(Refused::Refer)?;
        Ok((url, vhost))
    }

    fn on_publish(&mut self, id: ConnId, stream: &str) -> Result<(), RtmpError> {
        let request = self.stream_request(id, stream, |v| ("refer_publish", &v.refer_publish));
        let checked = request.and_then(|(url, vhost)| {
            let key = StreamKey {
                vhost: vhost.name.clone(),
                app: url.app.clone(),
                stream: url.stream.clone(),
            };
            let busy = self
                .registry
                .find(&key)
                .and_then(|sid| self.registry.get(sid))
                .is_some_and(|s| s.publisher().is_some());
            if busy {
                return Err(Refused::StreamBusy(key.to_string()));
            }
            Ok((url, vhost, key))
        });
        match checked {
            Err(why) => self.reject_publish(id, &why),
            Ok((url, vhost, key)) => {
                let mut gates = Vec::new();
                if !HookKind::Publish.urls(&vhost.http_hooks).is_empty() {
                    let client = self.hook_client_for(id, &vhost, &url.app);
                    let payload =
                        hooks::on_stream(HookKind::Publish, &client, &url.stream, &url.param);
                    gates = Self::hook_gate(&vhost, HookKind::Publish, &payload);
                }
                self.admit_request(id, &vhost, Request::Publish { url, key }, gates);
                Ok(())
            }
        }
    }

    pub(crate) fn reject_publish(&mut self, id: ConnId, why: &Refused) -> Result<(), RtmpError> {
        let text = why.to_string();
        if let Some(rtmp) = self.conns.get_mut(id).and_then(|c| c.rtmp()) {
            rtmp.session.reject_publish(why.rtmp(), &text)?;
        }
        self.refuse(id, &text);
        Ok(())
    }

    /// Attaches the publisher and answers (checks and hooks passed).
    pub(crate) fn finish_publish(
        &mut self,
        id: ConnId,
        url: RequestUrl,
        vhost: Arc<VhostConfig>,
        key: StreamKey,
    ) -> Result<(), RtmpError> {
        if let Err(why) = self.attach_publisher(id, &key, &vhost) {
            return self.reject_publish(id, &why);
        }
        let Some(conn) = self.conns.get_mut(id) else {
            return Ok(());
        };
        let peer = conn.peer;
        let Some(rtmp) = conn.rtmp() else {
            return Ok(());
        };
        log::info!("publish {key} param={:?} from {peer}", url.param);
        rtmp.session.accept_publish(&url.stream)?;
        rtmp.url = Some(url);
        rtmp.vhost = Some(vhost);
        self.mark_dirty(id);
        Ok(())
    }

    fn on_play(&mut self, id: ConnId, stream: &str) -> Result<(), RtmpError> {
        let (url, vhost) = match self.stream_request(id, stream, |v| ("refer_play", &v.refer_play))
        {
            Ok(r) => r,
            Err(why) => return self.reject_play(id, &why),
        };
        let key = StreamKey {
            vhost: vhost.name.clone(),
            app: url.app.clone(),
            stream: url.stream.clone(),
        };
        let mut gates = Vec::new();
        if !HookKind::Play.urls(&vhost.http_hooks).is_empty() {
            let client = self.hook_client_for(id, &vhost, &url.app);
            let payload = hooks::on_stream(HookKind::Play, &client, &url.stream, &url.param);
            gates = Self::hook_gate(&vhost, HookKind::Play, &payload);
        }
        self.admit_request(id, &vhost, Request::Play { url, key }, gates);
        Ok(())
    }

    pub(crate) fn reject_play(&mut self, id: ConnId, why: &Refused) -> Result<(), RtmpError> {
        let text = why.to_string();
        if let Some(rtmp) = self.conns.get_mut(id).and_then(|c| c.rtmp()) {
            rtmp.session.reject_play(why.rtmp(), &text)?;
        }
        self.refuse(id, &text);
        Ok(())
    }

    /// Answers the play and attaches the player (checks and hooks passed).
    pub(crate) fn finish_play(
        &mut self,
        id: ConnId,
        url: RequestUrl,
        vhost: Arc<VhostConfig>,
        key: StreamKey,
    ) -> Result<(), RtmpError> {
        // The play answers go out before any media: accept first, then attach.
        let Some(conn) = self.conns.get_mut(id) else {
            return Ok(());
        };
        let peer = conn.peer;
        let Some(rtmp) = conn.rtmp() else {
            return Ok(());
        };
        rtmp.session.accept_play(&url.stream)?;
        let duration_ms = rtmp.play_duration_ms;
        let param = url.param.clone();
        rtmp.url = Some(url);
        rtmp.vhost = Some(Arc::clone(&vhost));
        let live = self.attach_player(id, &key, &vhost);
        if duration_ms > 0 {
            // SRS ends a play of `duration` ms by closing the connection.
            self.timers
                .arm(self.now_ms + duration_ms, TimerKey::PlayEnd(id));
        }
        log::info!(
            "play {key} param={param:?} to {peer}{}",
            if live {
                ""
            } else {
                ", waiting for a publisher"
            }
        );
        Ok(())
    }
}
