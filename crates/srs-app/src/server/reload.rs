//! Reloading the config (SIGHUP): logging, listeners, vhosts, ingests.

use std::sync::Arc;

use mio::Interest;

use super::{token_of, wanted_listeners, Server};
use crate::config::changes::vhost_changes;
use crate::config::Config;
use crate::conn::Proto;
use crate::error::ConnError;
use crate::net::listener::Listener;
use crate::net::token::TokenKind;
use crate::supervisor::JobSpec;

impl Server {
    /// Starts, restarts or stops the ingest ffmpeg processes to match the config.
    pub(crate) fn sync_ingests(&mut self) {
        let port = self.local_addrs().first().map_or(1935, |a| a.port());
        let jobs = ingest_jobs(&self.config, port);
        self.ffmpeg.sync("ingest", jobs, self.now_ms);
    }

    pub(crate) fn reload_config(&mut self) {
        let path = self.config.file.clone();
        let new = match Config::load(&path) {
            Ok(c) => c,
            Err(e) => {
                log::error!("reload failed, keeping the running config: {e}");
                return;
            }
        };
        for w in &new.warnings {
            log::warn!("{w}");
        }
        // Listeners: bind the new ones first; if one fails, nothing changes
        // (the old listeners and config stay, so the server keeps its ports).
        let wanted = wanted_listeners(&new);
        let mut fresh = Vec::new();
        for (addr, kind) in &wanted {
            if self.listeners.iter().any(|l| l.configured == *addr) {
                continue;
            }
            match Listener::bind(*addr, kind.clone()) {
                Ok(l) => fresh.push(l),
                Err(e) => {
                    log::error!(
                        "reload failed, keeping the running config and listeners: \
                         cannot listen on {addr}: {e}"
                    );
                    return;
                }
            }
        }
        let mut kept = Vec::new();
        for mut l in std::mem::take(&mut self.listeners) {
            // Same address: the socket stays, serving what the new config says.
            if let Some((_, kind)) = wanted.iter().find(|(a, _)| *a == l.configured) {
                l.kind = kind.clone();
                kept.push(l);
            } else {
                let _ = self.poll.registry().deregister(&mut l.socket);
                log::info!("reload: stop listening on {}", l.local);
            }
        }
        for (i, l) in kept.iter_mut().enumerate() {
            let _ = self.poll.registry().reregister(
                &mut l.socket,
                token_of(TokenKind::Listener(i)),
                Interest::READABLE,
            );
        }
        self.listeners = kept;
        for l in fresh {
            if let Err(e) = self.register_listener(l) {
                log::error!("reload: {e}");
            }
        }
        if let Err(e) = crate::logging::apply(&new) {
            log::error!("reload: logging: {e}");
        }
        let changes = vhost_changes(&self.config, &new);
        self.config = Arc::new(new);
        self.registry.refresh_vhosts(&self.config);
        for name in &changes.added {
            log::info!("reload: vhost {name} added");
        }
        if !changes.gone.is_empty() {
            self.close_clients_of(&changes.gone);
        }
        self.sync_ingests();
        log::info!("reload done: {} vhosts", self.config.vhosts.len());
    }

    /// Closes every client of the vhosts `gone` (removed or disabled by a
    /// reload), as SRS does: publishers, players (RTMP and HTTP-FLV) and links.
    fn close_clients_of(&mut self, gone: &[String]) {
        let of_gone = |name: &str| gone.iter().any(|g| g == name);
        let mut victims = Vec::new();
        for (id, conn) in self.conns.iter_mut() {
            let source_vhost = conn
                .source()
                .and_then(|sid| self.registry.get(sid))
                .map(|s| s.key.vhost.as_str());
            let rtmp_vhost = match &conn.proto {
                Proto::Rtmp(r) => r.vhost.as_ref().map(|v| v.name.as_str()),
                _ => None,
            };
            if rtmp_vhost.or(source_vhost).is_some_and(of_gone) {
                victims.push(id);
            }
        }
        for name in gone {
            log::warn!("reload: vhost {name} removed or disabled, closing its clients");
        }
        for id in victims {
            self.close(id, ConnError::Done("its vhost was removed by a reload"));
        }
    }
}

/// The ffmpeg jobs of every enabled `ingest` of every enabled vhost; `[vhost]`
/// and `[port]` (the first RTMP port actually bound) are filled in the output.
fn ingest_jobs(config: &Config, port: u16) -> Vec<JobSpec> {
    use crate::config::ffmpeg::{ffmpeg_args, InputType};
    let mut jobs = Vec::new();
    for vhost in config.vhosts.iter().filter(|v| v.enabled) {
        for i in vhost.ingest.iter().filter(|i| i.enabled) {
            let output = i
                .engine
                .output
                .replace("[vhost]", &vhost.name)
                .replace("[port]", &port.to_string())
                .replace("[engine]", "");
            let id = if i.id.is_empty() {
                "ingest"
            } else {
                i.id.as_str()
            };
            jobs.push(JobSpec {
                name: format!("{}/{id}", vhost.name),
                program: i.ffmpeg.clone(),
                args: ffmpeg_args(&i.url, i.input_type == InputType::File, &i.engine, &output),
                log_file: config
                    .ff_log_dir
                    .join(format!("ffmpeg-ingest-{}-{id}.log", vhost.name)),
            });
        }
    }
    jobs
}
