//! The typed config of a vhost: its settings, its HLS, DVR, HTTP, hooks and
//! bandwidth-test blocks, and how they are read from the tree.

use std::path::PathBuf;

use super::model::{MAX_CHUNK_SIZE, MIN_CHUNK_SIZE};
use super::parser::Directive;
use super::values::*;

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HlsOnError {
    /// `ignore` (default): disable HLS for that stream, keep the publisher.
    #[default]
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

pub(super) const JITTER: &[(&str, TimeJitter)] = &[
    ("full", TimeJitter::Full),
    ("zero", TimeJitter::Zero),
    ("off", TimeJitter::Off),
];

pub(super) fn build_vhost(r: &mut Reader<'_>, d: &Directive) -> Result<VhostConfig> {
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
