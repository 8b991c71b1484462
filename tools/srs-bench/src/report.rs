//! Per-second lines and the end summary, as text or one JSON object.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use crate::args::Args;
use crate::driver::{Outcome, Tick};
use crate::stats::{latency_ms, mbps, min_avg_max};

/// One progress line.
pub fn tick_line(t: &Tick) -> String {
    let mut s = format!(
        "[{:>6.1}s] playing {}/{} (started {}) publishing {} failed {} | recv {:.2} Mbps {:.0} msgs/s",
        t.elapsed,
        t.playing,
        t.players,
        t.players_started,
        t.publishing,
        t.failed,
        t.rates.mbps,
        t.rates.msgs_per_sec
    );
    if let Some(cpu) = t.server_cpu {
        let _ = write!(s, " | server cpu {cpu:.1}%");
    }
    if let Some(rss) = t.server_rss_mb {
        let _ = write!(s, " rss {rss:.1} MB");
    }
    if let Some(cpu) = t.bench_cpu {
        let _ = write!(s, " | bench cpu {cpu:.1}%");
    }
    s
}

/// The end summary. Flat on purpose: scripts pick fields with `jq -r .name`.
/// Rates are in Mbps (10^6 bits/s), sizes in MB (2^20 bytes), times in ms.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// The base URL.
    pub url: String,
    /// Number of streams.
    pub streams: usize,
    /// Run time in seconds.
    pub duration_secs: f64,
    /// Players asked for.
    pub players_requested: usize,
    /// Players playing at the end.
    pub players_playing: usize,
    /// Players that failed.
    pub players_failed: usize,
    /// Players that received a (non sequence header) video frame.
    pub players_with_video: usize,
    /// Publishers asked for.
    pub publishers_requested: usize,
    /// Publishers publishing at the end.
    pub publishers_publishing: usize,
    /// Publishers that failed.
    pub publishers_failed: usize,
    /// Players with a first-frame latency.
    pub first_frame_samples: usize,
    /// First-frame latency (TCP connect to first video frame) p50, ms.
    pub first_frame_p50_ms: Option<f64>,
    /// p90, ms.
    pub first_frame_p90_ms: Option<f64>,
    /// p99, ms.
    pub first_frame_p99_ms: Option<f64>,
    /// max, ms.
    pub first_frame_max_ms: Option<f64>,
    /// Every player that got video got a keyframe first (false if none got video).
    pub first_video_keyframe_all: bool,
    /// Players whose first video frame was not a keyframe.
    pub first_video_not_keyframe: usize,
    /// Per-player receive rate of the players playing at the end, over the settled window
    /// (over their playing time if the run never settled; windows under 1 s left out): min.
    pub player_mbps_min: Option<f64>,
    /// avg.
    pub player_mbps_avg: Option<f64>,
    /// max.
    pub player_mbps_max: Option<f64>,
    /// Players in the per-player rates.
    pub player_mbps_samples: usize,
    /// All player bytes over the whole run.
    pub aggregate_mbps: f64,
    /// All player bytes after the run settled (every player playing or failed).
    pub steady_mbps: Option<f64>,
    /// Length of the settled window, s.
    pub steady_secs: Option<f64>,
    /// Messages per second received by all players, settled window (else whole run).
    pub msgs_per_sec: f64,
    /// Bytes received by all players.
    pub received_bytes: u64,
    /// Bytes sent by all publishers.
    pub published_bytes: u64,
    /// Server pid sampled.
    pub server_pid: Option<u32>,
    /// Server CPU % of one core, whole run.
    pub server_cpu_avg_percent: Option<f64>,
    /// Server CPU % of one core, settled window.
    pub server_cpu_steady_percent: Option<f64>,
    /// Server max RSS, MB.
    pub server_rss_max_mb: Option<f64>,
    /// This bench's own CPU % of one core, whole run.
    pub bench_cpu_avg_percent: Option<f64>,
    /// This bench's own CPU % of one core, settled window.
    pub bench_cpu_steady_percent: Option<f64>,
    /// Failures by kind.
    pub errors: BTreeMap<String, u64>,
    /// The first failure of each kind, for diagnosis.
    pub error_examples: BTreeMap<String, String>,
}

fn round(v: f64, digits: i32) -> f64 {
    let p = 10f64.powi(digits);
    (v * p).round() / p
}

impl Summary {
    /// Builds the summary of a run.
    pub fn new(args: &Args, mut o: Outcome) -> Summary {
        let c = &mut o.counters;
        let secs = o.elapsed.as_secs_f64();
        let lat = latency_ms(&mut c.first_frame_us);
        let per_player = min_avg_max(&o.player_mbps);
        let r3 = |v: f64| round(v, 3);
        let steady_rates = o.steady_rates;
        Summary {
            url: args.url.clone(),
            streams: args.streams,
            duration_secs: r3(secs),
            players_requested: args.players,
            players_playing: c.playing,
            players_failed: c.players_failed,
            players_with_video: o.players_with_video,
            publishers_requested: args.publishers,
            publishers_publishing: c.publishing,
            publishers_failed: c.publishers_failed,
            first_frame_samples: c.first_frame_us.len(),
            first_frame_p50_ms: lat.map(|l| r3(l.p50)),
            first_frame_p90_ms: lat.map(|l| r3(l.p90)),
            first_frame_p99_ms: lat.map(|l| r3(l.p99)),
            first_frame_max_ms: lat.map(|l| r3(l.max)),
            first_video_keyframe_all: o.players_with_video > 0 && c.first_not_keyframe == 0,
            first_video_not_keyframe: c.first_not_keyframe,
            player_mbps_min: per_player.map(|m| r3(m.min)),
            player_mbps_avg: per_player.map(|m| r3(m.avg)),
            player_mbps_max: per_player.map(|m| r3(m.max)),
            player_mbps_samples: o.player_mbps.len(),
            aggregate_mbps: r3(mbps(c.player_bytes, secs)),
            steady_mbps: steady_rates.map(|(_, r)| r3(r.mbps)),
            steady_secs: steady_rates.map(|(d, _)| r3(d.as_secs_f64())),
            msgs_per_sec: r3(match steady_rates {
                Some((_, r)) => r.msgs_per_sec,
                None if secs > 0.0 => c.player_msgs as f64 / secs,
                None => 0.0,
            }),
            received_bytes: c.player_bytes,
            published_bytes: c.publisher_bytes,
            server_pid: o.server.as_ref().map(|s| s.pid),
            server_cpu_avg_percent: o.server.as_ref().map(|s| round(s.cpu_avg, 2)),
            server_cpu_steady_percent: o
                .server
                .as_ref()
                .and_then(|s| s.cpu_steady)
                .map(|v| round(v, 2)),
            server_rss_max_mb: o.server.as_ref().map(|s| r3(s.rss_max as f64 / 1048576.0)),
            bench_cpu_avg_percent: o.bench_cpu.0.map(|v| round(v, 2)),
            bench_cpu_steady_percent: o.bench_cpu.1.map(|v| round(v, 2)),
            errors: c
                .errors()
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            error_examples: o
                .examples
                .iter()
                .map(|(k, v)| (k.name().to_string(), v.clone()))
                .collect(),
        }
    }

    /// Any player or publisher failed.
    pub fn any_failed(&self) -> bool {
        self.players_failed > 0 || self.publishers_failed > 0
    }

    /// The summary as one line of JSON.
    pub fn json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// The summary as text.
    pub fn text(&self) -> String {
        let opt = |v: Option<f64>, unit: &str| match v {
            Some(v) => format!("{v:.2}{unit}"),
            None => "-".to_string(),
        };
        let mut s = String::new();
        let _ = writeln!(s, "=== srs-bench summary: {} ===", self.url);
        let _ = writeln!(
            s,
            "duration {:.1}s, streams {}",
            self.duration_secs, self.streams
        );
        let _ = writeln!(
            s,
            "players: requested {} playing {} failed {} (with video {})",
            self.players_requested,
            self.players_playing,
            self.players_failed,
            self.players_with_video
        );
        if self.publishers_requested > 0 {
            let _ = writeln!(
                s,
                "publishers: requested {} publishing {} failed {} (sent {:.1} MB)",
                self.publishers_requested,
                self.publishers_publishing,
                self.publishers_failed,
                self.published_bytes as f64 / 1048576.0
            );
        }
        let _ = writeln!(
            s,
            "first frame (connect -> first video frame, {} players): p50 {} p90 {} p99 {} max {}",
            self.first_frame_samples,
            opt(self.first_frame_p50_ms, " ms"),
            opt(self.first_frame_p90_ms, " ms"),
            opt(self.first_frame_p99_ms, " ms"),
            opt(self.first_frame_max_ms, " ms"),
        );
        let _ = writeln!(
            s,
            "first video frame a keyframe for every player: {} ({} not)",
            if self.first_video_keyframe_all {
                "yes"
            } else {
                "NO"
            },
            self.first_video_not_keyframe
        );
        let _ = writeln!(
            s,
            "per-player receive ({} players): min {} avg {} max {}",
            self.player_mbps_samples,
            opt(self.player_mbps_min, " Mbps"),
            opt(self.player_mbps_avg, " Mbps"),
            opt(self.player_mbps_max, " Mbps"),
        );
        let _ = writeln!(
            s,
            "aggregate receive: {:.2} Mbps whole run, {} settled ({} s), {:.0} msgs/s",
            self.aggregate_mbps,
            opt(self.steady_mbps, " Mbps"),
            opt(self.steady_secs, ""),
            self.msgs_per_sec
        );
        if let Some(pid) = self.server_pid {
            let _ = writeln!(
                s,
                "server pid {pid}: cpu avg {} settled {} rss max {}",
                opt(self.server_cpu_avg_percent, "%"),
                opt(self.server_cpu_steady_percent, "%"),
                opt(self.server_rss_max_mb, " MB"),
            );
        }
        if let Some(cpu) = self.bench_cpu_avg_percent {
            let _ = writeln!(
                s,
                "bench cpu avg {cpu:.2}% settled {}",
                opt(self.bench_cpu_steady_percent, "%")
            );
        }
        if self.errors.is_empty() {
            let _ = writeln!(s, "errors: none");
        } else {
            let list: Vec<String> = self
                .errors
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            let _ = writeln!(s, "errors: {}", list.join(", "));
            for (k, v) in &self.error_examples {
                let _ = writeln!(s, "  first {k}: {v}");
            }
        }
        s
    }
}
