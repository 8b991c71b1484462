//! The typed config: every implemented directive parsed and checked once, defaults applied.
//!
//! Defaults are SRS 1.0's (from `full.conf` and SRS's `srs_app_config.cpp`), noted on each field.
//! A single-valued directive given twice keeps the first value (as SRS does) with a warning;
//! list directives (`listen`, `origin`, `forward`, `refer*`, `on_*`) given twice add up.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::error::ConfigWarning;
use super::parser::Directive;
use super::values::*;
use super::vhost::*;

/// An address to listen on. `listen 1935;` means `0.0.0.0:1935`; SRS 2.0 also allows
/// `listen 127.0.0.1:1935;` (and `[::1]:1935` works too).
pub type ListenAddr = SocketAddr;

/// The name of the vhost used for clients whose vhost is not configured.
pub const DEFAULT_VHOST: &str = "__defaultVhost__";

/// The smallest chunk size (RTMP's initial one).
pub const MIN_CHUNK_SIZE: u32 = 128;
/// The largest chunk size SRS accepts.
pub const MAX_CHUNK_SIZE: u32 = 65536;

/// The whole config.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The file it was read from (used in messages and for reload).
    pub file: PathBuf,
    /// `listen`: RTMP listen addresses, in order, from all `listen` lines. Default `0.0.0.0:1935`.
    pub listen: Vec<ListenAddr>,
    /// `pid`: the pid file. Default `./objs/srs.pid`.
    pub pid: PathBuf,
    /// `chunk_size`: the chunk size sent to clients, 128..=65536. Default 60000.
    pub chunk_size: u32,
    /// `max_connections`: excess sockets are closed at accept. Default 1000.
    pub max_connections: u32,
    /// `daemon`: whether to fork into the background. SRS's default is `on` (kept here); the
    /// project's own `conf/` files set `off`.
    pub daemon: bool,
    /// `srs_log_tank`: where logs go. SRS's default is `file` (kept here).
    pub log_tank: LogTank,
    /// `srs_log_level`. Default `trace`.
    pub log_level: LogLevel,
    /// `srs_log_file`: the log file when `srs_log_tank file`. Default `./objs/srs.log`.
    pub log_file: PathBuf,
    /// `ff_log_dir`: ffmpeg log directory. Default `./objs`.
    pub ff_log_dir: PathBuf,
    /// `pithy_print { }`: intervals of the periodic status log lines.
    pub pithy_print: PithyPrint,
    /// `http_api { }`.
    pub http_api: HttpApiConfig,
    /// `http_stream { }` (1.0) or `http_server { }` (2.0); `http_stream` wins when both are given.
    pub http_server: HttpServerConfig,
    /// `heartbeat { }`.
    pub heartbeat: HeartbeatConfig,
    /// The `vhost` blocks in file order (names are unique, ignoring ASCII case).
    pub vhosts: Vec<Arc<VhostConfig>>,
    /// The warnings of loading (unsupported directives ignored, duplicates...), for the caller
    /// to log.
    pub warnings: Vec<ConfigWarning>,
}

/// `srs_log_tank`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogTank {
    /// `console`: log to stdout/stderr.
    Console,
    /// `file`: log to `srs_log_file` (SRS's default).
    File,
}

/// `srs_log_level`, from the most to the least verbose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// `verbose`
    Verbose,
    /// `info`
    Info,
    /// `trace` (default)
    Trace,
    /// `warn`
    Warn,
    /// `error`
    Error,
}

/// `pithy_print { }`: intervals in milliseconds of the periodic status lines. All default to
/// 10000 ms (full.conf).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PithyPrint {
    /// `publish`
    pub publish_ms: u64,
    /// `play`
    pub play_ms: u64,
    /// `forwarder`
    pub forwarder_ms: u64,
    /// `encoder`
    pub encoder_ms: u64,
    /// `ingester`
    pub ingester_ms: u64,
    /// `hls`
    pub hls_ms: u64,
    /// `edge`
    pub edge_ms: u64,
}

impl Default for PithyPrint {
    fn default() -> Self {
        PithyPrint {
            publish_ms: 10_000,
            play_ms: 10_000,
            forwarder_ms: 10_000,
            encoder_ms: 10_000,
            ingester_ms: 10_000,
            hls_ms: 10_000,
            edge_ms: 10_000,
        }
    }
}

/// `http_api { }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpApiConfig {
    /// `enabled`. Default off.
    pub enabled: bool,
    /// `listen`: port or ip:port. Default `0.0.0.0:1985`.
    pub listen: ListenAddr,
    /// `crossdomain`: CORS headers on API answers (read-only methods only).
    /// Default on.
    pub crossdomain: bool,
    /// `auth { enabled on; username U; password P; }` (SRS 5): HTTP Basic on
    /// every API path. None when off.
    pub auth: Option<ApiAuth>,
}

/// The credentials of the HTTP API.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiAuth {
    /// `username`.
    pub username: String,
    /// `password`.
    pub password: String,
}

impl std::fmt::Debug for ApiAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never in a log line or a panic message.
        write!(
            f,
            "ApiAuth {{ username: {:?}, password: <hidden> }}",
            self.username
        )
    }
}

impl Default for HttpApiConfig {
    fn default() -> Self {
        HttpApiConfig {
            enabled: false,
            listen: any_port(1985),
            crossdomain: true,
            auth: None,
        }
    }
}

/// `http_stream { }` / `http_server { }`: the embedded HTTP server for HLS and static files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpServerConfig {
    /// `enabled`. Default off.
    pub enabled: bool,
    /// `listen`: port or ip:port. Default `0.0.0.0:8080`.
    pub listen: ListenAddr,
    /// `dir`: document root. Default `./objs/nginx/html`.
    pub dir: PathBuf,
}

impl Default for HttpServerConfig {
    fn default() -> Self {
        HttpServerConfig {
            enabled: false,
            listen: any_port(8080),
            dir: PathBuf::from("./objs/nginx/html"),
        }
    }
}

/// `heartbeat { }`: POST `{device_id, ip[, summaries]}` to `url` every `interval`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeartbeatConfig {
    /// `enabled`. Default off.
    pub enabled: bool,
    /// `interval`: given in seconds (a decimal number, > 0), kept in milliseconds.
    /// Default 9.9 s = 9900 ms.
    pub interval_ms: u64,
    /// `url`. Default `http://127.0.0.1:8085/api/v1/servers`.
    pub url: String,
    /// `device_id`. Default empty.
    pub device_id: String,
    /// `summaries`: add `/api/v1/summaries` data to the request. Default off.
    pub summaries: bool,
}

impl Default for HeartbeatConfig {
    fn default() -> Self {
        HeartbeatConfig {
            enabled: false,
            interval_ms: 9900,
            url: "http://127.0.0.1:8085/api/v1/servers".to_string(),
            device_id: String::new(),
            summaries: false,
        }
    }
}

/// Builds the typed config from a tree that passed [`super::validate::check`].
pub(crate) fn build(
    file: &Path,
    root: &[Directive],
    mut warnings: Vec<ConfigWarning>,
) -> Result<Config> {
    let mut r = Reader {
        warnings: &mut warnings,
    };

    let mut listen = Vec::new();
    for d in all(root, "listen") {
        for a in some(d)? {
            let addr = listen_addr(d, a)?;
            if listen.contains(&addr) {
                return Err(d.error(format!("address {addr} is given twice")));
            }
            listen.push(addr);
        }
    }
    if listen.is_empty() {
        listen.push(any_port(1935));
    }

    let pid = opt(r.first(root, "pid"), path)?.unwrap_or_else(|| PathBuf::from("./objs/srs.pid"));
    let chunk_size = opt(r.first(root, "chunk_size"), |d| {
        int_u32(d, MIN_CHUNK_SIZE, Some(MAX_CHUNK_SIZE))
    })?
    .unwrap_or(60000);
    let max_connections =
        opt(r.first(root, "max_connections"), |d| int_u32(d, 1, None))?.unwrap_or(1000);
    let daemon = opt(r.first(root, "daemon"), flag)?.unwrap_or(true);
    let log_tank = opt(r.first(root, "srs_log_tank"), |d| {
        choice(d, &[("console", LogTank::Console), ("file", LogTank::File)])
    })?
    .unwrap_or(LogTank::File);
    let log_level = opt(r.first(root, "srs_log_level"), |d| {
        choice(
            d,
            &[
                ("verbose", LogLevel::Verbose),
                ("info", LogLevel::Info),
                ("trace", LogLevel::Trace),
                ("warn", LogLevel::Warn),
                ("error", LogLevel::Error),
            ],
        )
    })?
    .unwrap_or(LogLevel::Trace);
    let log_file = opt(r.first(root, "srs_log_file"), path)?
        .unwrap_or_else(|| PathBuf::from("./objs/srs.log"));
    let ff_log_dir =
        opt(r.first(root, "ff_log_dir"), path)?.unwrap_or_else(|| PathBuf::from("./objs"));

    let mut pithy_print = PithyPrint::default();
    if let Some(b) = r.first(root, "pithy_print") {
        no_args(b)?;
        let c = &b.children;
        let ms = |d: &Directive| int(d, 1, None);
        let p = &mut pithy_print;
        for (name, slot) in [
            ("publish", &mut p.publish_ms),
            ("play", &mut p.play_ms),
            ("forwarder", &mut p.forwarder_ms),
            ("encoder", &mut p.encoder_ms),
            ("ingester", &mut p.ingester_ms),
            ("hls", &mut p.hls_ms),
            ("edge", &mut p.edge_ms),
        ] {
            if let Some(v) = opt(r.first(c, name), ms)? {
                *slot = v;
            }
        }
    }

    let mut http_api = HttpApiConfig::default();
    if let Some(b) = r.first(root, "http_api") {
        no_args(b)?;
        let c = &b.children;
        http_api.enabled = opt(r.first(c, "enabled"), flag)?.unwrap_or(false);
        if let Some(l) = opt(r.first(c, "listen"), |d| listen_addr(d, one(d)?))? {
            http_api.listen = l;
        }
        http_api.crossdomain = opt(r.first(c, "crossdomain"), flag)?.unwrap_or(true);
        if let Some(a) = r.first(c, "auth") {
            no_args(a)?;
            let ac = &a.children;
            if opt(r.first(ac, "enabled"), flag)?.unwrap_or(false) {
                let mut text = |name: &str| -> Result<String> {
                    match r.first(ac, name) {
                        Some(d) if !one(d)?.is_empty() => Ok(one(d)?.to_string()),
                        Some(d) => Err(d.error(format!("{name} must not be empty"))),
                        None => Err(a.error(format!("auth enabled without a {name}"))),
                    }
                };
                http_api.auth = Some(ApiAuth {
                    username: text("username")?,
                    password: text("password")?,
                });
            }
        }
    }

    let mut http_server = HttpServerConfig::default();
    if let Some(b) = r.first_of(root, "http_stream", "http_server") {
        no_args(b)?;
        let c = &b.children;
        http_server.enabled = opt(r.first(c, "enabled"), flag)?.unwrap_or(false);
        if let Some(l) = opt(r.first(c, "listen"), |d| listen_addr(d, one(d)?))? {
            http_server.listen = l;
        }
        if let Some(dir) = opt(r.first(c, "dir"), path)? {
            http_server.dir = dir;
        }
    }

    let mut heartbeat = HeartbeatConfig::default();
    if let Some(b) = r.first(root, "heartbeat") {
        no_args(b)?;
        let c = &b.children;
        heartbeat.enabled = opt(r.first(c, "enabled"), flag)?.unwrap_or(false);
        if let Some(s) = opt(r.first(c, "interval"), |d| seconds(d, true))? {
            // Rounded to the millisecond, at least 1 ms.
            heartbeat.interval_ms = ((s * 1000.0).round() as u64).max(1);
        }
        if let Some(u) = opt(r.first(c, "url"), |d| http_url(d, one(d)?))? {
            heartbeat.url = u;
        }
        if let Some(id) = opt(r.first(c, "device_id"), |d| one(d).map(str::to_string))? {
            heartbeat.device_id = id;
        }
        heartbeat.summaries = opt(r.first(c, "summaries"), flag)?.unwrap_or(false);
    }

    let mut vhosts: Vec<Arc<VhostConfig>> = Vec::new();
    for d in all(root, "vhost") {
        let mut v = build_vhost(&mut r, d)?;
        v.derive(chunk_size);
        if let Some(other) = vhosts.iter().find(|o| o.name.eq_ignore_ascii_case(&v.name)) {
            return Err(d.error(format!(
                "duplicate vhost \"{}\", already defined on line {}",
                v.name, other.line
            )));
        }
        vhosts.push(Arc::new(v));
    }

    Ok(Config {
        file: file.to_path_buf(),
        listen,
        pid,
        chunk_size,
        max_connections,
        daemon,
        log_tank,
        log_level,
        log_file,
        ff_log_dir,
        pithy_print,
        http_api,
        http_server,
        heartbeat,
        vhosts,
        warnings,
    })
}
