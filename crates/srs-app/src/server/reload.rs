//! Reloading the config (SIGHUP): logging, listeners, vhosts, ingests.

use std::sync::Arc;

use mio::Interest;

use super::{token_of, wanted_listeners, Server};
use crate::config::Config;
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
        self.config = Arc::new(new);
        self.registry.refresh_vhosts(&self.config);
        self.sync_ingests();
        log::info!("reload done: {} vhosts", self.config.vhosts.len());
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
