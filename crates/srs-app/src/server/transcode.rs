//! Transcode (`vhost { transcode [app[/stream]] { engine NAME { ... } } }`):
//! while a stream is published, one ffmpeg per enabled engine plays it from
//! this server and publishes the result (usually back here as
//! `[stream]_[engine]`).

use super::Server;
use crate::config::ffmpeg::ffmpeg_args;
use crate::ids::SourceId;
use crate::sink::safe_path::is_under;
use crate::supervisor::JobSpec;

fn group(key: &crate::stream::StreamKey) -> String {
    format!("transcode:{key}")
}

impl Server {
    /// Starts the transcodes of source `sid` (its publish began).
    pub(crate) fn start_transcodes(&mut self, sid: SourceId) {
        let Some(source) = self.registry.get(sid) else {
            return;
        };
        let key = source.key.clone();
        let vhost = std::sync::Arc::clone(&source.vhost);
        let port = self
            .local_addrs()
            .first()
            .map_or(1935, |a| a.port())
            .to_string();
        let mut jobs = Vec::new();
        let blocks = &vhost.transcode;
        // A stream that is itself an engine's output is not transcoded again
        // (live/s would otherwise give s_hd, s_hd_hd, ...).
        let is_output = blocks
            .iter()
            .flat_map(|t| t.engines.iter())
            .any(|(name, _)| !name.is_empty() && key.stream.ends_with(&format!("_{name}")));
        if is_output {
            return;
        }
        for t in blocks
            .iter()
            .filter(|t| t.enabled && t.applies_to(&key.app, &key.stream))
        {
            let input = format!(
                "rtmp://127.0.0.1:{port}/{}?vhost={}/{}",
                key.app, key.vhost, key.stream
            );
            for (name, engine) in &t.engines {
                let fill = |s: &str| {
                    s.replace("[vhost]", &key.vhost)
                        .replace("[port]", &port)
                        .replace("[app]", &key.app)
                        .replace("[stream]", &key.stream)
                        .replace("[engine]", name)
                };
                let output = fill(&engine.output);
                let log_file = self.config.ff_log_dir.join(format!(
                    "ffmpeg-transcode-{}-{}-{}-{name}.log",
                    key.vhost, key.app, key.stream
                ));
                if !is_under(&self.config.ff_log_dir, &log_file) {
                    log::error!("transcode {key} {name} refused: its log would leave ff_log_dir");
                    continue;
                }
                jobs.push(JobSpec {
                    name: format!("{key} {name}"),
                    program: t.ffmpeg.clone(),
                    args: ffmpeg_args(&input, false, engine, &output),
                    log_file,
                });
            }
        }
        if !jobs.is_empty() {
            self.ffmpeg.sync(&group(&key), jobs, self.now_ms);
        }
    }

    /// Stops the transcodes of source `sid` (its publish ended).
    pub(crate) fn stop_transcodes(&mut self, sid: SourceId) {
        let Some(source) = self.registry.get(sid) else {
            return;
        };
        let g = group(&source.key);
        self.ffmpeg.sync(&g, Vec::new(), self.now_ms);
    }
}
