//! The HTTP API's routes on the server's state: SRS 1.0's system pages,
//! SRS 2.0's vhosts / streams / clients (with DELETE to kick a client),
//! and `/metrics` for Prometheus.

use serde_json::{json, Value};

use super::Server;
use crate::conn::{Proto, Role};
use crate::error::ConnError;
use crate::http::api::{ApiAnswer, MetricsText, ERROR_NOT_EXISTS, ERROR_NOT_FOUND};
use crate::http::request::Request;
use crate::ids::ConnId;
use crate::stats::{self, ServerTotals};

impl Server {
    /// Answers one API request.
    pub(crate) fn api(&mut self, req: &Request) -> ApiAnswer {
        let sid = self.server_id();
        let path = req.path.trim_end_matches('/');
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        match (req.method.as_str(), parts.as_slice()) {
            ("GET", []) => ApiAnswer::json(stats::api_root(sid)),
            ("GET", ["api"]) => ApiAnswer::json(stats::api_index(sid)),
            ("GET", ["api", "v1"]) => ApiAnswer::json(stats::api_v1_index(sid)),
            ("GET", ["api", "v1", "versions"]) => ApiAnswer::json(versions(sid)),
            ("GET", ["api", "v1", "summaries"]) => {
                let mut totals = self.totals();
                if self.config.http_api.auth.is_none() {
                    // The command line and working directory tell an attacker
                    // where files are: only for authenticated operators.
                    totals.argv.clear();
                    totals.cwd.clear();
                }
                let mut answer = stats::summaries(&self.sampler, &totals);
                // The console builds its publish and play URLs from these.
                answer["data"]["self"]["listen"] = self.listen_json();
                ApiAnswer::json(answer)
            }
            ("GET", ["api", "v1", "rusages"]) => {
                ApiAnswer::json(stats::rusages(sid, &self.sampler))
            }
            ("GET", ["api", "v1", "self_proc_stats"]) => {
                ApiAnswer::json(stats::self_proc_stats(sid, &self.sampler))
            }
            ("GET", ["api", "v1", "system_proc_stats"]) => {
                ApiAnswer::json(stats::system_proc_stats(sid, &self.sampler))
            }
            ("GET", ["api", "v1", "meminfos"]) => {
                ApiAnswer::json(stats::meminfos(sid, &self.sampler))
            }
            ("GET", ["api", "v1", "authors"]) => ApiAnswer::json(stats::authors(sid)),
            (m, ["api", "v1", "requests"]) => {
                let uri = if req.query.is_empty() {
                    req.path.clone()
                } else {
                    format!("{}?{}", req.path, req.query)
                };
                let body = String::from_utf8_lossy(&req.body);
                ApiAnswer::json(stats::requests(
                    sid,
                    env!("CARGO_PKG_VERSION"),
                    m,
                    &uri,
                    &req.path,
                    &req.headers,
                    &body,
                ))
            }
            ("GET", ["api", "v1", "vhosts"]) => {
                ApiAnswer::json(json!({"code": 0, "server": sid, "vhosts": self.vhosts_json()}))
            }
            ("GET", ["api", "v1", "vhosts", id]) => {
                match self.vhosts_json().into_iter().find(|v| id_matches(v, id)) {
                    Some(v) => ApiAnswer::json(json!({"code": 0, "server": sid, "vhost": v})),
                    None => ApiAnswer::error(404, ERROR_NOT_EXISTS, sid),
                }
            }
            ("GET", ["api", "v1", "streams"]) => {
                ApiAnswer::json(json!({"code": 0, "server": sid, "streams": self.streams_json()}))
            }
            ("GET", ["api", "v1", "streams", id]) => {
                match self.streams_json().into_iter().find(|v| id_matches(v, id)) {
                    Some(v) => ApiAnswer::json(json!({"code": 0, "server": sid, "stream": v})),
                    None => ApiAnswer::error(404, ERROR_NOT_EXISTS, sid),
                }
            }
            ("GET", ["api", "v1", "clients"]) => {
                ApiAnswer::json(json!({"code": 0, "server": sid, "clients": self.clients_json()}))
            }
            ("GET", ["api", "v1", "clients", id]) => {
                match self.clients_json().into_iter().find(|v| id_matches(v, id)) {
                    Some(v) => ApiAnswer::json(json!({"code": 0, "server": sid, "client": v})),
                    None => ApiAnswer::error(404, ERROR_NOT_EXISTS, sid),
                }
            }
            ("DELETE", ["api", "v1", "clients", id]) => {
                let target = id.parse::<u64>().ok().and_then(|cid| self.conn_by_cid(cid));
                match target {
                    Some(conn) => {
                        self.close(conn, ConnError::Done("kicked by the HTTP API"));
                        ApiAnswer::json(json!({"code": 0, "server": sid}))
                    }
                    None => ApiAnswer::error(404, ERROR_NOT_EXISTS, sid),
                }
            }
            ("GET", ["metrics"]) => ApiAnswer::metrics(self.metrics_text()),
            _ => ApiAnswer::error(404, ERROR_NOT_FOUND, sid),
        }
    }

    fn conn_by_cid(&self, cid: u64) -> Option<ConnId> {
        self.conns
            .iter()
            .find(|(_, c)| c.cid == cid)
            .map(|(id, _)| id)
    }

    /// Totals for `/summaries`.
    pub(crate) fn totals(&self) -> ServerTotals {
        let (live_in, live_out) = self
            .conns
            .iter()
            .fold((0, 0), |(i, o), (_, c)| (i + c.bytes_in, o + c.bytes_out));
        ServerTotals {
            version: env!("CARGO_PKG_VERSION").into(),
            pid: std::process::id(),
            start_unix_ms: self.start_unix_ms,
            now_unix_ms: self.unix_ms,
            connections: self.conns.len() as u64,
            recv_bytes: self.counters.closed_bytes_in + live_in,
            send_bytes: self.counters.closed_bytes_out + live_out,
            recv_kbps: self.counters.recv_kbps,
            send_kbps: self.counters.send_kbps,
            argv: std::env::args().collect::<Vec<_>>().join(" "),
            cwd: std::env::current_dir()
                .map(|d| d.display().to_string())
                .unwrap_or_default(),
        }
    }

    /// The bound ports: `{"rtmp": [1935], "http": 8080, "api": 1985}`
    /// (`http` / `api` null when off).
    fn listen_json(&self) -> Value {
        let port = |a: Option<std::net::SocketAddr>| a.map(|a| a.port());
        let rtmp: Vec<u16> = self.local_addrs().iter().map(|a| a.port()).collect();
        json!({"rtmp": rtmp, "http": port(self.http_server_addr()), "api": port(self.http_api_addr())})
    }

    /// The API id of a vhost (its index in the config), `None` when unknown.
    fn vhost_index(&self, name: &str) -> Option<usize> {
        self.config.vhosts.iter().position(|v| v.name == name)
    }

    fn vhosts_json(&self) -> Vec<Value> {
        self.config
            .vhosts
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let sources: Vec<_> = self
                    .registry
                    .iter()
                    .filter(|(_, s)| s.key.vhost == v.name)
                    .collect();
                let clients: usize = sources
                    .iter()
                    .map(|(_, s)| s.players().len() + usize::from(s.publisher().is_some()))
                    .sum();
                let (recv, send) = sources.iter().fold((0, 0), |(r, s), (_, src)| {
                    (r + src.stats().bytes_in, s + src.stats().bytes_out)
                });
                let (rk, sk) = sources.iter().fold((0, 0), |(r, s), (_, src)| {
                    (r + src.stats().recv_kbps, s + src.stats().send_kbps)
                });
                json!({
                    "id": i, "name": v.name, "enabled": v.enabled, "clients": clients,
                    "streams": sources.len(), "send_bytes": send, "recv_bytes": recv,
                    "kbps": {"recv_30s": rk, "send_30s": sk},
                    "hls": {"enabled": v.hls.enabled, "fragment": v.hls.fragment_secs},
                    "http_remux": {"enabled": v.http_remux.enabled, "mount": v.http_remux.mount},
                })
            })
            .collect()
    }

    fn streams_json(&self) -> Vec<Value> {
        self.registry
            .iter()
            .map(|(_, s)| {
                let st = s.stats();
                let publisher_cid = s.publisher().and_then(|p| self.conns.get(p)).map(|c| c.cid);
                let video = s.video.as_ref().map(|v| {
                    json!({"codec": v.codec, "profile": v.profile, "level": v.level, "width": v.width, "height": v.height})
                });
                let audio = s.audio.as_ref().map(|a| {
                    json!({"codec": a.codec, "sample_rate": a.sample_rate, "channel": a.channels, "profile": a.profile})
                });
                json!({
                    "id": s.id, "name": s.key.stream, "vhost": self.vhost_index(&s.key.vhost),
                    "vhost_name": s.key.vhost, "app": s.key.app,
                    // When the source appeared, in Unix ms (the monotonic clock starts with the server).
                    "live_ms": self.start_unix_ms + s.created_ms,
                    "clients": s.players().len() + usize::from(s.publisher().is_some()),
                    "frames": st.video_frames, "send_bytes": st.bytes_out, "recv_bytes": st.bytes_in,
                    "kbps": {"recv_30s": st.recv_kbps, "send_30s": st.send_kbps},
                    "publish": {"active": publisher_cid.is_some(), "cid": publisher_cid},
                    "video": video, "audio": audio,
                })
            })
            .collect()
    }

    fn clients_json(&self) -> Vec<Value> {
        self.conns
            .iter()
            .map(|(_, c)| {
                let (kind, publish, stream) = match &c.role {
                    Role::Idle => ("Idle", false, None),
                    Role::Publisher(s) => ("fmle-publish", true, self.registry.get(*s)),
                    Role::Player { source, .. } => (
                        if matches!(c.proto, Proto::Forward(_)) {
                            "forward"
                        } else if matches!(c.proto, Proto::Http(_)) { "flv-play" } else { "Play" },
                        false,
                        self.registry.get(*source),
                    ),
                };
                let (vhost, app, tc_url, page_url, url) = match &c.proto {
                    Proto::Rtmp(r) => (
                        r.vhost.as_ref().map(|v| v.name.clone()).unwrap_or_default(),
                        r.url.as_ref().map(|u| u.app.clone()).unwrap_or_default(),
                        r.url.as_ref().map(|u| format!("{}://{}:{}/{}", u.schema, u.host, u.port, u.app)).unwrap_or_default(),
                        r.page_url.clone(),
                        r.url.as_ref().map(|u| format!("/{}/{}", u.app, u.stream)).unwrap_or_default(),
                    ),
                    Proto::Http(_) => {
                        let key = stream.map(|s| s.key.clone());
                        (
                            key.as_ref().map(|k| k.vhost.clone()).unwrap_or_default(),
                            key.as_ref().map(|k| k.app.clone()).unwrap_or_default(),
                            String::new(),
                            String::new(),
                            key.as_ref().map(|k| format!("/{}/{}.flv", k.app, k.stream)).unwrap_or_default(),
                        )
                    }
                    Proto::Forward(f) => (
                        f.key.vhost.clone(),
                        f.key.app.clone(),
                        format!("rtmp://{}/{}", f.dest, f.key.app),
                        String::new(),
                        format!("/{}/{}", f.key.app, f.key.stream),
                    ),
                };
                json!({
                    "id": c.cid, "vhost": self.vhost_index(&vhost), "vhost_name": vhost, "app": app,
                    "stream": stream.map(|s| s.id), "ip": c.peer.ip().to_string(), "pageUrl": page_url,
                    "swfUrl": "", "tcUrl": tc_url, "url": url, "type": kind, "publish": publish,
                    "alive": self.now_ms.saturating_sub(c.accepted_ms) as f64 / 1000.0,
                    "send_bytes": c.bytes_out, "recv_bytes": c.bytes_in,
                })
            })
            .collect()
    }

    fn metrics_text(&self) -> String {
        let totals = self.totals();
        let mut m = MetricsText::default();
        m.single(
            "srs_connections",
            "gauge",
            "Open client connections.",
            self.conns.len() as f64,
        );
        m.single(
            "srs_streams",
            "gauge",
            "Live sources (published or waited for).",
            self.registry.len() as f64,
        );
        m.single(
            "srs_receive_bytes_total",
            "counter",
            "Bytes received from clients.",
            totals.recv_bytes as f64,
        );
        m.single(
            "srs_send_bytes_total",
            "counter",
            "Bytes sent to clients.",
            totals.send_bytes as f64,
        );
        m.single(
            "srs_dropped_messages_total",
            "counter",
            "Messages dropped by player queues that overflowed.",
            self.dropped_total() as f64,
        );
        m.single(
            "srs_hls_errors_total",
            "counter",
            "HLS muxing and disk errors.",
            self.counters.hls_errors as f64,
        );
        m.single(
            "srs_dvr_errors_total",
            "counter",
            "DVR disk errors.",
            self.counters.dvr_errors as f64,
        );
        m.single(
            "srs_hook_calls_total",
            "counter",
            "Hook jobs finished.",
            self.admission.stats().jobs as f64,
        );
        m.single(
            "srs_hook_failures_total",
            "counter",
            "Hook calls that failed, refused or timed out.",
            self.admission.stats().failures as f64,
        );
        m.single(
            "srs_hook_refusals_total",
            "counter",
            "Admissions refused by hooks.",
            self.admission.stats().refusals as f64,
        );
        m.single(
            "srs_hook_latency_seconds_total",
            "counter",
            "Time spent in hook jobs.",
            self.admission.stats().total_ms as f64 / 1000.0,
        );
        m.single(
            "srs_cpu_ratio",
            "gauge",
            "Process CPU use (1 = one core), last sample.",
            self.sampler.self_cpu_percent(),
        );
        m.single(
            "srs_memory_rss_bytes",
            "gauge",
            "Resident memory.",
            (self.sampler.self_rss_kbyte() * 1024) as f64,
        );
        let streams: Vec<_> = self.registry.iter().map(|(_, s)| s).collect();
        let label = |s: &crate::stream::Source| {
            [s.key.vhost.clone(), s.key.app.clone(), s.key.stream.clone()]
        };
        for (name, help, f) in [
            (
                "srs_stream_recv_kbps",
                "Stream receive rate, kbps.",
                (|s: &crate::stream::Source| s.stats().recv_kbps as f64)
                    as fn(&crate::stream::Source) -> f64,
            ),
            (
                "srs_stream_send_kbps",
                "Stream send rate to all players, kbps.",
                |s| s.stats().send_kbps as f64,
            ),
            ("srs_stream_players", "Players of the stream.", |s| {
                s.players().len() as f64
            }),
            (
                "srs_stream_publishing",
                "1 while the stream has a publisher.",
                |s| f64::from(u8::from(s.publisher().is_some())),
            ),
        ] {
            m.family(name, "gauge", help);
            for s in &streams {
                let [v, a, st] = label(s);
                m.sample(name, &[("vhost", &v), ("app", &a), ("stream", &st)], f(s));
            }
        }
        m.finish()
    }

    /// Messages dropped by player queues, live and closed.
    fn dropped_total(&self) -> u64 {
        let live: u64 = self
            .conns
            .iter()
            .filter_map(|(_, c)| match &c.role {
                Role::Player { consumer, .. } => Some(consumer.stats().dropped),
                _ => None,
            })
            .sum();
        live + self.counters.closed_dropped
    }
}

fn versions(sid: u32) -> Value {
    let version = env!("CARGO_PKG_VERSION");
    let mut parts = version.split('.').map(|p| p.parse::<u64>().unwrap_or(0));
    json!({
        "code": 0,
        "server": sid,
        "data": {
            "major": parts.next().unwrap_or(0),
            "minor": parts.next().unwrap_or(0),
            "revision": parts.next().unwrap_or(0),
            "version": version,
        }
    })
}

/// True when the JSON object's numeric `id` is the path's id.
fn id_matches(v: &Value, id: &str) -> bool {
    id.parse::<u64>()
        .ok()
        .is_some_and(|n| v["id"].as_u64() == Some(n))
}
