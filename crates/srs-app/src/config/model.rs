//! The typed config: every implemented directive parsed and checked once, defaults applied.
//!
//! Defaults are SRS 1.0's (from `full.conf` and SRS's `srs_app_config.cpp`), noted on each field.
//! A single-valued directive given twice keeps the first value (as SRS does) with a warning;
//! list directives (`listen`, `origin`, `forward`, `refer*`, `on_*`) given twice add up.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::error::{ConfigError, ConfigWarning};
use super::parser::Directive;

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

/// `time_jitter`: how timestamps of a stream are corrected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeJitter {
    /// `full` (default): start at zero and keep increasing; bad deltas become ~40 ms.
    Full,
    /// `zero`: only start at zero.
    Zero,
    /// `off`: pass timestamps through.
    Off,
}

/// `hls_on_error`: what to do when HLS fails (disk full...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HlsOnError {
    /// `ignore` (default): disable HLS for that stream, keep the publisher.
    Ignore,
    /// `disconnect`: disconnect the publisher.
    Disconnect,
    /// `continue`: keep trying to write HLS.
    Continue,
}

/// `dvr_plan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DvrPlan {
    /// `session` (default): one file per publish.
    Session,
    /// `segment`: a new file every `dvr_duration`.
    Segment,
}

/// One `vhost NAME { }` block.
#[derive(Debug, Clone, PartialEq)]
pub struct VhostConfig {
    /// The vhost name (`__defaultVhost__` for the default one).
    pub name: String,
    /// The line of `vhost NAME {` in the config file.
    pub line: usize,
    /// `enabled`: when off, every client of the vhost is rejected. Default on.
    pub enabled: bool,
    /// `chunk_size`: overrides the root one when set (see [`Config::vhost_chunk_size`]).
    pub chunk_size: Option<u32>,
    /// `mode remote` (edge) rather than `mode local` (origin, default).
    pub mode_remote: bool,
    /// `origin host[:port] ...`: the origins of an edge, in order.
    pub origin: Vec<String>,
    /// `token_traverse`: an edge checks clients' connects against the origin. Default off.
    pub token_traverse: bool,
    /// `gop_cache`: replay the last GOP to new players. Default on.
    pub gop_cache: bool,
    /// `queue_length`: per-player queue length in seconds. Default 30.
    pub queue_length_secs: f64,
    /// `refer`: page-URL domain suffixes allowed to play and publish; `None` allows all.
    pub refer_all: Option<Vec<String>>,
    /// `refer_play`: page-URL domain suffixes allowed to play; `None` allows all.
    pub refer_play: Option<Vec<String>>,
    /// `refer_publish`: page-URL domain suffixes allowed to publish; `None` allows all.
    pub refer_publish: Option<Vec<String>>,
    /// `forward host:port ...`: destinations every published stream is republished to.
    pub forward: Vec<String>,
    /// `time_jitter`. Default full.
    pub time_jitter: TimeJitter,
    /// `atc`: absolute timestamps. Default off.
    pub atc: bool,
    /// `atc_auto`: turn ATC on when metadata has `bravo_atc="true"`. Default on.
    pub atc_auto: bool,
    /// `mw_latency` (SRS 2.0): merged-write interval in milliseconds. Default 350 (SRS 2.0's).
    pub mw_latency_ms: u32,
    /// `hls { }`.
    pub hls: HlsConfig,
    /// `dvr { }`.
    pub dvr: DvrConfig,
    /// `http { }` (1.0) or `http_static { }` (2.0): serve a directory over HTTP for this vhost.
    pub http: VhostHttpConfig,
    /// `http_remux { }` (SRS 2.0): live FLV over HTTP.
    pub http_remux: HttpRemuxConfig,
    /// `http_hooks { }`.
    pub http_hooks: HooksConfig,
    /// `bandcheck { }`.
    pub bandcheck: BandcheckConfig,
    /// `transcode [scope] { }` blocks, typed at load.
    pub transcode: Vec<super::ffmpeg::TranscodeConfig>,
    /// `ingest [id] { }` blocks, typed at load.
    pub ingest: Vec<super::ffmpeg::IngestConfig>,
    /// Derived at load: the chunk size clients of this vhost get (its own
    /// `chunk_size`, else the root one).
    pub out_chunk_size: u32,
    /// Derived at load: how players' timestamps are corrected (`atc` turns
    /// correction off, else `time_jitter`).
    pub player_jitter: crate::timestamp::JitterMode,
}

impl VhostConfig {
    /// Computes the derived settings once, at load (`root_chunk_size`: the
    /// root `chunk_size`).
    pub fn derive(&mut self, root_chunk_size: u32) {
        use crate::timestamp::JitterMode;
        self.out_chunk_size = self.chunk_size.unwrap_or(root_chunk_size);
        self.player_jitter = if self.atc {
            JitterMode::Off
        } else {
            match self.time_jitter {
                TimeJitter::Full => JitterMode::Full,
                TimeJitter::Zero => JitterMode::Zero,
                TimeJitter::Off => JitterMode::Off,
            }
        };
    }

    /// A vhost with every setting at its default.
    pub fn with_defaults(name: &str) -> VhostConfig {
        VhostConfig {
            name: name.to_string(),
            line: 0,
            enabled: true,
            chunk_size: None,
            out_chunk_size: 60_000,
            player_jitter: crate::timestamp::JitterMode::Full,
            mode_remote: false,
            origin: Vec::new(),
            token_traverse: false,
            gop_cache: true,
            queue_length_secs: 30.0,
            refer_all: None,
            refer_play: None,
            refer_publish: None,
            forward: Vec::new(),
            time_jitter: TimeJitter::Full,
            atc: false,
            atc_auto: true,
            mw_latency_ms: 350,
            hls: HlsConfig::default(),
            dvr: DvrConfig::default(),
            http: VhostHttpConfig::default(),
            http_remux: HttpRemuxConfig::default(),
            http_hooks: HooksConfig::default(),
            bandcheck: BandcheckConfig::default(),
            transcode: Vec::new(),
            ingest: Vec::new(),
        }
    }
}

/// `hls { }` of a vhost.
#[derive(Debug, Clone, PartialEq)]
pub struct HlsConfig {
    /// `enabled`. Default off.
    pub enabled: bool,
    /// `hls_path`: root of `[app]/[stream].m3u8`. Default `./objs/nginx/html`.
    pub path: PathBuf,
    /// `hls_fragment`: segment target duration in seconds (> 0). Default 10.
    pub fragment_secs: f64,
    /// `hls_window`: playlist total duration in seconds (> 0). Default 60.
    pub window_secs: f64,
    /// `hls_on_error`. Default ignore.
    pub on_error: HlsOnError,
}

impl Default for HlsConfig {
    fn default() -> Self {
        HlsConfig {
            enabled: false,
            path: PathBuf::from("./objs/nginx/html"),
            fragment_secs: 10.0,
            window_secs: 60.0,
            on_error: HlsOnError::Ignore,
        }
    }
}

/// `dvr { }` of a vhost.
#[derive(Debug, Clone, PartialEq)]
pub struct DvrConfig {
    /// `enabled`. Default off.
    pub enabled: bool,
    /// `dvr_path`: root of `[app]/[stream].[ms].flv`. Default `./objs/nginx/html`.
    pub path: PathBuf,
    /// `dvr_plan`. Default session.
    pub plan: DvrPlan,
    /// `dvr_duration`: segment length in seconds for the segment plan (>= 1). Default 30.
    pub duration_secs: u32,
    /// `dvr_wait_keyframe`: cut segments at keyframes. Default on.
    pub wait_keyframe: bool,
    /// `time_jitter` inside `dvr`: timestamp correction of the recorded file. Default full.
    pub time_jitter: TimeJitter,
}

impl Default for DvrConfig {
    fn default() -> Self {
        DvrConfig {
            enabled: false,
            path: PathBuf::from("./objs/nginx/html"),
            plan: DvrPlan::Session,
            duration_secs: 30,
            wait_keyframe: true,
            time_jitter: TimeJitter::Full,
        }
    }
}

/// `http { }` (`http_static` in 2.0) of a vhost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VhostHttpConfig {
    /// `enabled`. Default off.
    pub enabled: bool,
    /// `mount`: URL prefix. Default `/`.
    pub mount: String,
    /// `dir`: directory served. Default `./objs/nginx/html`.
    pub dir: PathBuf,
}

impl Default for VhostHttpConfig {
    fn default() -> Self {
        VhostHttpConfig {
            enabled: false,
            mount: "/".to_string(),
            dir: PathBuf::from("./objs/nginx/html"),
        }
    }
}

/// `http_remux { }` of a vhost (SRS 2.0): serves live streams as FLV over HTTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRemuxConfig {
    /// `enabled`. Default off.
    pub enabled: bool,
    /// `mount`: URL template with `[vhost]`, `[app]` and `[stream]`. Default
    /// `[vhost]/[app]/[stream].flv`; `[vhost]` is dropped for `__defaultVhost__`.
    pub mount: String,
}

impl Default for HttpRemuxConfig {
    fn default() -> Self {
        HttpRemuxConfig {
            enabled: false,
            mount: "[vhost]/[app]/[stream].flv".to_string(),
        }
    }
}

/// `http_hooks { }` of a vhost: each event is POSTed to every URL of its list, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HooksConfig {
    /// `timeout` (this server's addition): seconds a hook call may take; a call
    /// that takes longer counts as a refusal. Default 10.
    pub timeout_ms: u64,
    /// `enabled`. Default off.
    pub enabled: bool,
    /// `on_connect` URLs.
    pub on_connect: Vec<String>,
    /// `on_close` URLs.
    pub on_close: Vec<String>,
    /// `on_publish` URLs.
    pub on_publish: Vec<String>,
    /// `on_unpublish` URLs.
    pub on_unpublish: Vec<String>,
    /// `on_play` URLs.
    pub on_play: Vec<String>,
    /// `on_stop` URLs.
    pub on_stop: Vec<String>,
    /// `on_dvr` URLs (SRS 2.0).
    pub on_dvr: Vec<String>,
}

impl Default for HooksConfig {
    fn default() -> Self {
        HooksConfig {
            timeout_ms: 10_000,
            enabled: false,
            on_connect: Vec::new(),
            on_close: Vec::new(),
            on_publish: Vec::new(),
            on_unpublish: Vec::new(),
            on_play: Vec::new(),
            on_stop: Vec::new(),
            on_dvr: Vec::new(),
        }
    }
}

/// `bandcheck { }` of a vhost.
#[derive(Debug, Clone, PartialEq)]
pub struct BandcheckConfig {
    /// `enabled`. Default off.
    pub enabled: bool,
    /// `key`: the key clients must send. Default empty.
    pub key: String,
    /// `interval`: seconds between two checks (> 0). Default 30.
    pub interval_secs: f64,
    /// `limit_kbps`: the most bandwidth a check may use. Default 1000.
    pub limit_kbps: u32,
}

impl Default for BandcheckConfig {
    fn default() -> Self {
        BandcheckConfig {
            enabled: false,
            key: String::new(),
            interval_secs: 30.0,
            limit_kbps: 1000,
        }
    }
}

fn any_port(port: u16) -> ListenAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port)
}

// ------------------------------------------------------------------------------------------------
// Building the model from a checked tree.

type Result<T> = std::result::Result<T, ConfigError>;

/// Reads directives of one block; collects duplicate warnings.
struct Reader<'w> {
    warnings: &'w mut Vec<ConfigWarning>,
}

impl Reader<'_> {
    /// The first directive `name` of `block` (SRS uses the first); later ones are warned about.
    fn first<'d>(&mut self, block: &'d [Directive], name: &str) -> Option<&'d Directive> {
        let mut found = block.iter().filter(|d| d.name == name);
        let first = found.next()?;
        for dup in found {
            self.warnings.push(dup.warning(format!(
                "duplicate directive ignored, the one of line {} is used",
                first.line
            )));
        }
        Some(first)
    }

    /// The first of two alias blocks (`a` wins over `b`).
    fn first_of<'d>(&mut self, block: &'d [Directive], a: &str, b: &str) -> Option<&'d Directive> {
        let da = self.first(block, a);
        let db = self.first(block, b);
        match (da, db) {
            (Some(x), Some(y)) => {
                self.warnings.push(y.warning(format!(
                    "ignored, \"{}\" of line {} is used (they are the same block)",
                    x.name, x.line
                )));
                Some(x)
            }
            (x, y) => x.or(y),
        }
    }
}

/// Every directive `name` of `block`.
fn all<'d>(block: &'d [Directive], name: &'d str) -> impl Iterator<Item = &'d Directive> + 'd {
    block.iter().filter(move |d| d.name == name)
}

fn opt<T>(d: Option<&Directive>, f: impl FnOnce(&Directive) -> Result<T>) -> Result<Option<T>> {
    d.map(f).transpose()
}

fn count_error(d: &Directive, expected: &str) -> ConfigError {
    let n = d.args.len();
    let s = if n == 1 { "" } else { "s" };
    d.error(format!("expected {expected}, found {n} argument{s}"))
}

/// The single argument of a leaf.
fn one(d: &Directive) -> Result<&str> {
    match d.args.as_slice() {
        [a] => Ok(a),
        _ => Err(count_error(d, "1 argument")),
    }
}

/// The arguments of a list directive (at least one).
fn some(d: &Directive) -> Result<&[String]> {
    if d.args.is_empty() {
        return Err(count_error(d, "at least 1 argument"));
    }
    Ok(&d.args)
}

/// A block taking no arguments.
fn no_args(d: &Directive) -> Result<()> {
    match d.args.first() {
        None => Ok(()),
        Some(a) => Err(d.error(format!(
            "expected no arguments before \"{{\", found \"{a}\""
        ))),
    }
}

fn invalid(d: &Directive, value: &str, expected: &str) -> ConfigError {
    d.error(format!("invalid value \"{value}\", expected {expected}"))
}

fn flag(d: &Directive) -> Result<bool> {
    match one(d)? {
        "on" => Ok(true),
        "off" => Ok(false),
        v => Err(invalid(d, v, "\"on\" or \"off\"")),
    }
}

fn choice<T: Copy>(d: &Directive, choices: &[(&str, T)]) -> Result<T> {
    let v = one(d)?;
    if let Some((_, t)) = choices.iter().find(|(name, _)| *name == v) {
        return Ok(*t);
    }
    let list: Vec<String> = choices.iter().map(|(n, _)| format!("\"{n}\"")).collect();
    Err(invalid(d, v, &format!("one of {}", list.join(", "))))
}

/// An integer in `min..=max` (`max` `None`: no upper bound but `u32::MAX`).
fn int(d: &Directive, min: u64, max: Option<u64>) -> Result<u64> {
    let v = one(d)?;
    let expected = match max {
        Some(max) => format!("an integer {min}..{max}"),
        None => format!("an integer >= {min}"),
    };
    let upper = max.unwrap_or(u64::from(u32::MAX));
    match v.parse::<u64>() {
        Ok(n) if (min..=upper).contains(&n) => Ok(n),
        _ => Err(invalid(d, v, &expected)),
    }
}

fn int_u32(d: &Directive, min: u32, max: Option<u32>) -> Result<u32> {
    let n = int(d, u64::from(min), max.map(u64::from))?;
    u32::try_from(n).map_err(|_| invalid(d, &d.args[0], "a smaller integer"))
}

/// A decimal number of seconds, `> 0` (`positive`) or `>= 0`, at most a year.
fn seconds(d: &Directive, positive: bool) -> Result<f64> {
    let v = one(d)?;
    let expected = if positive {
        "a number of seconds > 0"
    } else {
        "a number of seconds >= 0"
    };
    match v.parse::<f64>() {
        Ok(n) if n.is_finite() && n <= 31_536_000.0 && (n > 0.0 || (!positive && n == 0.0)) => {
            Ok(n)
        }
        _ => Err(invalid(d, v, expected)),
    }
}

fn path(d: &Directive) -> Result<PathBuf> {
    match one(d)? {
        "" => Err(d.error("expected a path, found an empty string")),
        p => Ok(PathBuf::from(p)),
    }
}

/// `1935` -> `0.0.0.0:1935`; `ip:port` (port 0 with an ip = any free port); bare port 1..65535.
fn listen_addr(d: &Directive, v: &str) -> Result<ListenAddr> {
    let expected = "a port 1..65535 or ip:port";
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        return match v.parse::<u16>() {
            Ok(p) if p > 0 => Ok(any_port(p)),
            _ => Err(invalid(d, v, expected)),
        };
    }
    // `ip:0` asks the system for a free port (tests; the bound port is logged).
    v.parse::<SocketAddr>().map_err(|_| invalid(d, v, expected))
}

/// `host[:port]` (port 1..65535 when given; anything after `/` or `?` is not checked).
fn host_port(d: &Directive, v: &str) -> Result<String> {
    let expected = "host[:port]";
    let hp = v.split(['/', '?']).next().unwrap_or("");
    let host = match hp.rsplit_once(':') {
        Some((host, port)) => match port.parse::<u16>() {
            Ok(p) if p > 0 => host,
            _ => return Err(invalid(d, v, expected)),
        },
        None => hp,
    };
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(invalid(d, v, expected));
    }
    Ok(v.to_string())
}

fn http_url(d: &Directive, v: &str) -> Result<String> {
    if v.len() > "http://".len() && v.starts_with("http://") {
        Ok(v.to_string())
    } else {
        Err(invalid(d, v, "an http:// URL"))
    }
}

fn list(
    block: &[Directive],
    name: &str,
    f: impl Fn(&Directive, &str) -> Result<String>,
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for d in all(block, name) {
        for a in some(d)? {
            out.push(f(d, a)?);
        }
    }
    Ok(out)
}

/// Like [`list`], `None` when the directive is absent.
fn opt_list(block: &[Directive], name: &str) -> Result<Option<Vec<String>>> {
    if all(block, name).next().is_none() {
        return Ok(None);
    }
    list(block, name, |d, a| {
        if a.is_empty() {
            Err(d.error("expected a domain, found an empty string"))
        } else {
            Ok(a.to_string())
        }
    })
    .map(Some)
}

const JITTER: &[(&str, TimeJitter)] = &[
    ("full", TimeJitter::Full),
    ("zero", TimeJitter::Zero),
    ("off", TimeJitter::Off),
];

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

fn build_vhost(r: &mut Reader<'_>, d: &Directive) -> Result<VhostConfig> {
    let name = match d.args.as_slice() {
        [n] if !n.is_empty() && !n.contains(char::is_whitespace) => n.clone(),
        [n] => return Err(invalid(d, n, "a vhost name")),
        _ => return Err(count_error(d, "1 argument (the vhost name)")),
    };
    let mut v = VhostConfig::with_defaults(&name);
    v.line = d.line;
    let c = &d.children;

    if let Some(x) = opt(r.first(c, "enabled"), flag)? {
        v.enabled = x;
    }
    v.chunk_size = opt(r.first(c, "chunk_size"), |d| {
        int_u32(d, MIN_CHUNK_SIZE, Some(MAX_CHUNK_SIZE))
    })?;
    let mode = r.first(c, "mode");
    if let Some(m) = opt(mode, |d| choice(d, &[("local", false), ("remote", true)]))? {
        v.mode_remote = m;
    }
    v.origin = list(c, "origin", host_port)?;
    if let (true, Some(m)) = (v.mode_remote && v.origin.is_empty(), mode) {
        return Err(m.error("\"mode remote\" needs an \"origin\" directive in the vhost"));
    }
    if let Some(x) = opt(r.first(c, "token_traverse"), flag)? {
        v.token_traverse = x;
    }
    if let Some(x) = opt(r.first(c, "gop_cache"), flag)? {
        v.gop_cache = x;
    }
    if let Some(x) = opt(r.first(c, "queue_length"), |d| seconds(d, false))? {
        v.queue_length_secs = x;
    }
    v.refer_all = opt_list(c, "refer")?;
    v.refer_play = opt_list(c, "refer_play")?;
    v.refer_publish = opt_list(c, "refer_publish")?;
    v.forward = list(c, "forward", host_port)?;
    if let Some(x) = opt(r.first(c, "time_jitter"), |d| choice(d, JITTER))? {
        v.time_jitter = x;
    }
    if let Some(x) = opt(r.first(c, "atc"), flag)? {
        v.atc = x;
    }
    if let Some(x) = opt(r.first(c, "atc_auto"), flag)? {
        v.atc_auto = x;
    }
    if let Some(x) = opt(r.first(c, "mw_latency"), |d| int_u32(d, 0, Some(60_000)))? {
        v.mw_latency_ms = x;
    }

    if let Some(b) = r.first(c, "hls") {
        no_args(b)?;
        let c = &b.children;
        let h = &mut v.hls;
        h.enabled = opt(r.first(c, "enabled"), flag)?.unwrap_or(false);
        if let Some(x) = opt(r.first(c, "hls_path"), path)? {
            h.path = x;
        }
        if let Some(x) = opt(r.first(c, "hls_fragment"), |d| seconds(d, true))? {
            h.fragment_secs = x;
        }
        if let Some(x) = opt(r.first(c, "hls_window"), |d| seconds(d, true))? {
            h.window_secs = x;
        }
        let on_error = [
            ("ignore", HlsOnError::Ignore),
            ("disconnect", HlsOnError::Disconnect),
            ("continue", HlsOnError::Continue),
        ];
        if let Some(x) = opt(r.first(c, "hls_on_error"), |d| choice(d, &on_error))? {
            h.on_error = x;
        }
    }

    if let Some(b) = r.first(c, "dvr") {
        no_args(b)?;
        let c = &b.children;
        let dv = &mut v.dvr;
        dv.enabled = opt(r.first(c, "enabled"), flag)?.unwrap_or(false);
        if let Some(x) = opt(r.first(c, "dvr_path"), path)? {
            dv.path = x;
        }
        let plans = [("session", DvrPlan::Session), ("segment", DvrPlan::Segment)];
        if let Some(x) = opt(r.first(c, "dvr_plan"), |d| choice(d, &plans))? {
            dv.plan = x;
        }
        if let Some(x) = opt(r.first(c, "dvr_duration"), |d| int_u32(d, 1, None))? {
            dv.duration_secs = x;
        }
        if let Some(x) = opt(r.first(c, "dvr_wait_keyframe"), flag)? {
            dv.wait_keyframe = x;
        }
        if let Some(x) = opt(r.first(c, "time_jitter"), |d| choice(d, JITTER))? {
            dv.time_jitter = x;
        }
    }

    if let Some(b) = r.first_of(c, "http", "http_static") {
        no_args(b)?;
        let c = &b.children;
        let h = &mut v.http;
        h.enabled = opt(r.first(c, "enabled"), flag)?.unwrap_or(false);
        let mount = |d: &Directive| match one(d)? {
            m if m.starts_with('/') => Ok(m.to_string()),
            m => Err(invalid(d, m, "a path starting with \"/\"")),
        };
        if let Some(m) = opt(r.first(c, "mount"), mount)? {
            h.mount = m;
        }
        if let Some(x) = opt(r.first(c, "dir"), path)? {
            h.dir = x;
        }
    }

    if let Some(b) = r.first(c, "http_remux") {
        no_args(b)?;
        let c = &b.children;
        let h = &mut v.http_remux;
        h.enabled = opt(r.first(c, "enabled"), flag)?.unwrap_or(false);
        let mount = |d: &Directive| match one(d)? {
            m if m.ends_with(".flv") && m.contains("[stream]") => Ok(m.to_string()),
            m => Err(invalid(
                d,
                m,
                "a template ending in .flv with [stream], e.g. [vhost]/[app]/[stream].flv",
            )),
        };
        if let Some(m) = opt(r.first(c, "mount"), mount)? {
            h.mount = m;
        }
    }

    if let Some(b) = r.first(c, "http_hooks") {
        no_args(b)?;
        let c = &b.children;
        let h = &mut v.http_hooks;
        h.enabled = opt(r.first(c, "enabled"), flag)?.unwrap_or(false);
        h.on_connect = list(c, "on_connect", http_url)?;
        h.on_close = list(c, "on_close", http_url)?;
        h.on_publish = list(c, "on_publish", http_url)?;
        h.on_unpublish = list(c, "on_unpublish", http_url)?;
        h.on_play = list(c, "on_play", http_url)?;
        h.on_stop = list(c, "on_stop", http_url)?;
        h.on_dvr = list(c, "on_dvr", http_url)?;
        if let Some(x) = opt(r.first(c, "timeout"), |d| seconds(d, true))? {
            h.timeout_ms = (x * 1000.0) as u64;
        }
    }

    if let Some(b) = r.first(c, "bandcheck") {
        no_args(b)?;
        let c = &b.children;
        let bc = &mut v.bandcheck;
        bc.enabled = opt(r.first(c, "enabled"), flag)?.unwrap_or(false);
        if let Some(k) = opt(r.first(c, "key"), |d| one(d).map(str::to_string))? {
            bc.key = k;
        }
        if let Some(x) = opt(r.first(c, "interval"), |d| seconds(d, true))? {
            bc.interval_secs = x;
        }
        if let Some(x) = opt(r.first(c, "limit_kbps"), |d| int_u32(d, 1, None))? {
            bc.limit_kbps = x;
        }
    }

    v.transcode = all(c, "transcode")
        .map(super::ffmpeg::transcode)
        .collect::<Result<_>>()?;
    // Checked now so `srs -t` reports a bad block with its line.
    v.ingest = all(c, "ingest")
        .map(super::ffmpeg::ingest)
        .collect::<Result<_>>()?;
    Ok(v)
}
