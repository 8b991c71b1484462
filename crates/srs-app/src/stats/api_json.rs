//! Builders of SRS's HTTP API answers for the system statistics, with SRS's
//! exact field names (`srs_app_http_api.cpp`, `srs_api_dump_summaries`).
//!
//! Every answer is `{"code": 0, "server": <server id>, ...}`; the data
//! answers put their fields under `"data"`, the index pages under `"urls"`.
//! As in SRS, "percent" values are ratios (0.25 means 25 %).

use serde_json::{json, Map, Value};

use super::sampler::SystemSampler;

/// SRS's success code.
pub const CODE_OK: i64 = 0;

/// What the server knows about itself, filled by the server for
/// `/api/v1/summaries`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerTotals {
    /// Server version, e.g. `1.0.0`.
    pub version: String,
    /// Process id; also the `server` id of the answer.
    pub pid: u32,
    /// When the server started, Unix ms.
    pub start_unix_ms: u64,
    /// Now, Unix ms.
    pub now_unix_ms: u64,
    /// Open client connections (SRS's `conn_srs`).
    pub connections: u64,
    /// Bytes received from clients since start.
    pub recv_bytes: u64,
    /// Bytes sent to clients since start.
    pub send_bytes: u64,
    /// Current receive rate from clients, kbit/s.
    pub recv_kbps: u64,
    /// Current send rate to clients, kbit/s.
    pub send_kbps: u64,
    /// The command line, space separated.
    pub argv: String,
    /// The working directory.
    pub cwd: String,
}

/// `{"code": 0, "server": id, "data": data}`.
fn answer(server_id: u32, data: Value) -> Value {
    json!({"code": CODE_OK, "server": server_id, "data": data})
}

/// `{"code": 0, "server": id, "urls": urls}`.
fn index(server_id: u32, urls: Value) -> Value {
    json!({"code": CODE_OK, "server": server_id, "urls": urls})
}

/// `/` of the API port: `{"code":0, "urls": {"api": ...}}`.
pub fn api_root(server_id: u32) -> Value {
    index(server_id, json!({"api": "the api root"}))
}

/// `/api`: `{"code":0, "urls": {"v1": ...}}`.
pub fn api_index(server_id: u32) -> Value {
    index(server_id, json!({"v1": "the api version 1.0"}))
}

/// `/api/v1`: the children of the v1 API, with SRS's descriptions
/// (SRS 1.0's list plus the 2.0 `vhosts`, `streams` and `clients`).
pub fn api_v1_index(server_id: u32) -> Value {
    index(
        server_id,
        json!({
            "versions": "the version of SRS",
            "summaries": "the summary(pid, argv, pwd, cpu, mem) of SRS",
            "rusages": "the rusage of SRS",
            "self_proc_stats": "the self process stats",
            "system_proc_stats": "the system process stats",
            "meminfos": "the meminfo of system",
            "authors": "the primary authors and contributors",
            "requests": "the request itself, for http debug",
            "vhosts": "dumps vhost to json",
            "streams": "dumps streams to json",
            "clients": "dumps clients to json, DELETE /api/v1/clients/ID kicks one",
        }),
    )
}

/// `/api/v1/summaries`, SRS's `srs_api_dump_summaries`. The server id is
/// `srv.pid`.
///
/// Besides SRS's fields, `system` also carries `net_recv_kbps`,
/// `net_send_kbps` (every interface but `lo`), `srs_recv_kbps` and
/// `srs_send_kbps`. SRS splits interfaces into internet and intranet by
/// address; here `net_*_bytes` count every interface but `lo` and
/// `net_*i_bytes` count `lo`.
pub fn summaries(sampler: &SystemSampler, srv: &ServerTotals) -> Value {
    let raw = sampler.raw();
    let net = sampler.net_totals();
    let lo = sampler.net_lo_totals();
    let mem = &raw.meminfo;
    // Seconds with one decimal, as SRS 1.0 prints it.
    let srs_uptime = (srv.now_unix_ms.saturating_sub(srv.start_unix_ms) / 100) as f64 / 10.0;
    let ppid = if raw.self_stat.ok {
        raw.self_stat.ppid
    } else {
        0
    };
    answer(
        srv.pid,
        json!({
            "ok": sampler.is_ok(),
            "now_ms": srv.now_unix_ms,
            "self": {
                "version": srv.version,
                "pid": srv.pid,
                "ppid": ppid,
                "argv": srv.argv,
                "cwd": srv.cwd,
                // Current resident memory (SRS reports the peak ru_maxrss).
                "mem_kbyte": sampler.self_rss_kbyte(),
                "mem_percent": sampler.mem_percent(),
                "cpu_percent": sampler.self_cpu_percent(),
                "srs_uptime": srs_uptime,
            },
            "system": {
                "cpu_percent": sampler.system_cpu_percent(),
                "disk_read_KBps": sampler.disk_read_kbyte_per_sec(),
                "disk_write_KBps": sampler.disk_write_kbyte_per_sec(),
                "disk_busy_percent": sampler.disk_busy(),
                "mem_ram_kbyte": mem.MemTotal,
                "mem_ram_percent": mem.percent_ram,
                "mem_swap_kbyte": mem.SwapTotal,
                "mem_swap_percent": mem.percent_swap,
                "cpus": sampler.cpus(),
                "cpus_online": sampler.cpus_online(),
                "uptime": raw.uptime.uptime,
                "ilde_time": raw.uptime.idle_time, // SRS's spelling.
                "load_1m": raw.loadavg.load_1m,
                "load_5m": raw.loadavg.load_5m,
                "load_15m": raw.loadavg.load_15m,
                "net_sample_time": sampler.sample_time_ms(),
                "net_recv_bytes": net.rbytes,
                "net_send_bytes": net.sbytes,
                "net_recvi_bytes": lo.rbytes,
                "net_sendi_bytes": lo.sbytes,
                "net_recv_kbps": sampler.net_recv_kbps(),
                "net_send_kbps": sampler.net_send_kbps(),
                "srs_sample_time": srv.now_unix_ms,
                "srs_recv_bytes": srv.recv_bytes,
                "srs_send_bytes": srv.send_bytes,
                "srs_recv_kbps": srv.recv_kbps,
                "srs_send_kbps": srv.send_kbps,
                "conn_sys": raw.sockets.conn_sys(),
                "conn_sys_et": raw.sockets.tcp_estab,
                "conn_sys_tw": raw.sockets.tcp_tw,
                "conn_sys_udp": raw.sockets.udp_inuse,
                "conn_srs": srv.connections,
            },
        }),
    )
}

/// `/api/v1/rusages`: `getrusage(RUSAGE_SELF)`; `ru_utime` and `ru_stime`
/// in whole seconds, as SRS.
pub fn rusages(server_id: u32, sampler: &SystemSampler) -> Value {
    let r = &sampler.raw().rusage;
    answer(
        server_id,
        json!({
            "ok": r.ok,
            "sample_time": sampler.sample_time_ms(),
            "ru_utime": r.ru_utime_sec(),
            "ru_stime": r.ru_stime_sec(),
            "ru_maxrss": r.ru_maxrss,
            "ru_ixrss": r.ru_ixrss,
            "ru_idrss": r.ru_idrss,
            "ru_isrss": r.ru_isrss,
            "ru_minflt": r.ru_minflt,
            "ru_majflt": r.ru_majflt,
            "ru_nswap": r.ru_nswap,
            "ru_inblock": r.ru_inblock,
            "ru_oublock": r.ru_oublock,
            "ru_msgsnd": r.ru_msgsnd,
            "ru_msgrcv": r.ru_msgrcv,
            "ru_nsignals": r.ru_nsignals,
            "ru_nvcsw": r.ru_nvcsw,
            "ru_nivcsw": r.ru_nivcsw,
        }),
    )
}

/// `/api/v1/self_proc_stats`: `/proc/self/stat`. `comm` keeps the
/// parentheses, as SRS's `%s` scan of the file gives it.
pub fn self_proc_stats(server_id: u32, sampler: &SystemSampler) -> Value {
    let u = &sampler.raw().self_stat;
    // Built from a list: one json! with this many keys exceeds the macro
    // recursion limit.
    let fields: Vec<(&str, Value)> = vec![
        ("ok", json!(u.ok)),
        ("sample_time", json!(sampler.sample_time_ms())),
        ("percent", json!(sampler.self_cpu_percent())),
        ("pid", json!(u.pid)),
        ("comm", json!(format!("({})", u.comm))),
        ("state", json!(u.state.to_string())),
        ("ppid", json!(u.ppid)),
        ("pgrp", json!(u.pgrp)),
        ("session", json!(u.session)),
        ("tty_nr", json!(u.tty_nr)),
        ("tpgid", json!(u.tpgid)),
        ("flags", json!(u.flags)),
        ("minflt", json!(u.minflt)),
        ("cminflt", json!(u.cminflt)),
        ("majflt", json!(u.majflt)),
        ("cmajflt", json!(u.cmajflt)),
        ("utime", json!(u.utime)),
        ("stime", json!(u.stime)),
        ("cutime", json!(u.cutime)),
        ("cstime", json!(u.cstime)),
        ("priority", json!(u.priority)),
        ("nice", json!(u.nice)),
        ("num_threads", json!(u.num_threads)),
        ("itrealvalue", json!(u.itrealvalue)),
        ("starttime", json!(u.starttime)),
        ("vsize", json!(u.vsize)),
        ("rss", json!(u.rss)),
        ("rsslim", json!(u.rsslim)),
        ("startcode", json!(u.startcode)),
        ("endcode", json!(u.endcode)),
        ("startstack", json!(u.startstack)),
        ("kstkesp", json!(u.kstkesp)),
        ("kstkeip", json!(u.kstkeip)),
        ("signal", json!(u.signal)),
        ("blocked", json!(u.blocked)),
        ("sigignore", json!(u.sigignore)),
        ("sigcatch", json!(u.sigcatch)),
        ("wchan", json!(u.wchan)),
        ("nswap", json!(u.nswap)),
        ("cnswap", json!(u.cnswap)),
        ("exit_signal", json!(u.exit_signal)),
        ("processor", json!(u.processor)),
        ("rt_priority", json!(u.rt_priority)),
        ("policy", json!(u.policy)),
        ("delayacct_blkio_ticks", json!(u.delayacct_blkio_ticks)),
        ("guest_time", json!(u.guest_time)),
        ("cguest_time", json!(u.cguest_time)),
    ];
    let data: Map<String, Value> = fields
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    answer(server_id, Value::Object(data))
}

/// `/api/v1/system_proc_stats`: the `cpu` line of `/proc/stat`.
pub fn system_proc_stats(server_id: u32, sampler: &SystemSampler) -> Value {
    let s = &sampler.raw().proc_stat.cpu;
    answer(
        server_id,
        json!({
            "ok": s.ok,
            "sample_time": sampler.sample_time_ms(),
            "percent": sampler.system_cpu_percent(),
            "user": s.user,
            "nice": s.nice,
            "sys": s.sys,
            "idle": s.idle,
            "iowait": s.iowait,
            "irq": s.irq,
            "softirq": s.softirq,
            "steal": s.steal,
            "guest": s.guest,
        }),
    )
}

/// `/api/v1/meminfos`: `/proc/meminfo` in kB with SRS's derived values.
pub fn meminfos(server_id: u32, sampler: &SystemSampler) -> Value {
    let m = &sampler.raw().meminfo;
    answer(
        server_id,
        json!({
            "ok": m.ok,
            "sample_time": sampler.sample_time_ms(),
            "percent_ram": m.percent_ram,
            "percent_swap": m.percent_swap,
            "MemActive": m.MemActive,
            "RealInUse": m.RealInUse,
            "NotInUse": m.NotInUse,
            "MemTotal": m.MemTotal,
            "MemFree": m.MemFree,
            "Buffers": m.Buffers,
            "Cached": m.Cached,
            "SwapTotal": m.SwapTotal,
            "SwapFree": m.SwapFree,
        }),
    )
}

/// The primary authors of this project.
pub const PRIMARY_AUTHORS: &str = "srs-rs developers";
/// The license of this project.
pub const LICENSE: &str = "MIT";
/// The project's home (SRS's `RTMP_SIG_SRS_URL`), from the workspace manifest.
pub const PROJECT_LINK: &str = env!("CARGO_PKG_REPOSITORY");
/// Where the contributors are listed.
pub const CONTRIBUTORS_LINK: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/graphs/contributors");
/// The contributors of this project.
pub const CONTRIBUTORS: &str = "srs-rs developers; a rewrite of SRS's behaviour, \
    whose authors (winlin and contributors) designed the API it follows";

/// `/api/v1/authors`, with the keys of SRS 1.0 (`primary_authors`,
/// `contributors_link`, `contributors`) and 2.0 (`primary`, `authors`,
/// `license`).
pub fn authors(server_id: u32) -> Value {
    answer(
        server_id,
        json!({
            "primary": PRIMARY_AUTHORS,
            "authors": PRIMARY_AUTHORS,
            "primary_authors": PRIMARY_AUTHORS,
            "license": LICENSE,
            "contributors_link": CONTRIBUTORS_LINK,
            "contributors": CONTRIBUTORS,
        }),
    )
}

/// `/api/v1/requests`: echoes the request, as SRS:
/// `data: {uri, path, METHOD, headers: {name: value}, server: {sigature,
/// name, version, link, time}}`. A non-empty body is echoed as `body`
/// (SRS does not). A repeated header keeps its last value.
pub fn requests(
    server_id: u32,
    version: &str,
    method: &str,
    uri: &str,
    path: &str,
    headers: &[(String, String)],
    body: &str,
) -> Value {
    let mut h = Map::new();
    for (name, value) in headers {
        h.insert(name.clone(), Value::String(value.clone()));
    }
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0);
    let mut data = json!({
        "uri": uri,
        "path": path,
        "METHOD": method.to_ascii_uppercase(),
        "headers": Value::Object(h),
        "server": {
            "sigature": "SRS", // SRS's spelling.
            "name": "SRS",
            "version": version,
            "link": PROJECT_LINK,
            "time": now_ms,
        },
    });
    if !body.is_empty() {
        if let Some(obj) = data.as_object_mut() {
            obj.insert("body".to_string(), Value::String(body.to_string()));
        }
    }
    answer(server_id, data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::procfs;
    use crate::stats::sampler::RawSample;

    fn assert_keys(v: &Value, keys: &[&str]) {
        let obj = v.as_object().expect("an object");
        for k in keys {
            assert!(obj.contains_key(*k), "missing key {k} in {v}");
        }
    }

    fn assert_head(v: &Value, server_id: u32) {
        assert_eq!(v["code"], 0);
        assert_eq!(v["server"], server_id);
    }

    fn sampler() -> SystemSampler {
        let mut s = SystemSampler::with_system(100, 4096, 2, 2);
        let raw = |ticks: u64, idle: u64| {
            RawSample {
            self_stat: procfs::parse_self_stat(&format!(
                "4242 (my (weird) name) S 1 4242 4242 0 -1 0 0 0 0 0 {ticks} 0 0 0 20 0 3 0 9 1000 256"
            )),
            proc_stat: procfs::parse_proc_stat(&format!("cpu  100 0 100 {idle} 0 0 0 0 0 0\n")),
            meminfo: procfs::parse_meminfo("MemTotal: 2048000 kB\nMemFree: 1024000 kB\n"),
            loadavg: procfs::parse_loadavg("1.5 1.0 0.5 2/300 99"),
            uptime: procfs::parse_uptime("3600.25 7000.5"),
            net: procfs::parse_net_dev("lo: 10 1 0 0 0 0 0 0 20 2\neth0: 100 3 0 0 0 0 0 0 200 4\n"),
            sockets: procfs::parse_sockstat("TCP: inuse 2 orphan 0 tw 5 alloc 3 mem 1\nUDP: inuse 1\n", ""),
            rusage: crate::stats::rusage::Rusage {
                ok: true,
                ru_utime_us: 2_500_000,
                ru_maxrss: 9000,
                ..Default::default()
            },
            ..RawSample::default()
        }
        };
        s.ingest(1_000, raw(10, 1000));
        s.ingest(6_000, raw(60, 1100));
        s
    }

    #[test]
    fn summaries_shape() {
        let s = sampler();
        let srv = ServerTotals {
            version: "1.0.0".into(),
            pid: 4242,
            start_unix_ms: 1_000_000,
            now_unix_ms: 1_012_345,
            connections: 7,
            recv_bytes: 1000,
            send_bytes: 2000,
            recv_kbps: 30,
            send_kbps: 40,
            argv: "./srs -c srs.conf".into(),
            cwd: "/srv".into(),
        };
        let v = summaries(&s, &srv);
        assert_head(&v, 4242);
        let data = &v["data"];
        assert_keys(data, &["ok", "now_ms", "self", "system"]);
        assert_keys(
            &data["self"],
            &[
                "version",
                "pid",
                "ppid",
                "argv",
                "cwd",
                "mem_kbyte",
                "mem_percent",
                "cpu_percent",
                "srs_uptime",
            ],
        );
        assert_keys(
            &data["system"],
            &[
                "cpu_percent",
                "disk_read_KBps",
                "disk_write_KBps",
                "disk_busy_percent",
                "mem_ram_kbyte",
                "mem_ram_percent",
                "mem_swap_kbyte",
                "mem_swap_percent",
                "cpus",
                "cpus_online",
                "uptime",
                "ilde_time",
                "load_1m",
                "load_5m",
                "load_15m",
                "net_sample_time",
                "net_recv_bytes",
                "net_send_bytes",
                "net_recvi_bytes",
                "net_sendi_bytes",
                "net_recv_kbps",
                "net_send_kbps",
                "srs_sample_time",
                "srs_recv_bytes",
                "srs_send_bytes",
                "srs_recv_kbps",
                "srs_send_kbps",
                "conn_sys",
                "conn_sys_et",
                "conn_sys_tw",
                "conn_sys_udp",
                "conn_srs",
            ],
        );
        assert_eq!(data["ok"], true);
        assert_eq!(data["now_ms"], 1_012_345);
        assert_eq!(data["self"]["ppid"], 1);
        assert_eq!(data["self"]["argv"], "./srs -c srs.conf");
        assert_eq!(data["self"]["mem_kbyte"], 1024); // 256 pages of 4 kB
        assert_eq!(data["self"]["srs_uptime"], 12.3);
        assert_eq!(data["self"]["cpu_percent"], 0.1); // 50 ticks in 5 s
        let sys = &data["system"];
        assert_eq!(sys["mem_ram_kbyte"], 2048000);
        assert_eq!(sys["mem_ram_percent"], 0.5);
        assert_eq!(sys["cpus"], 2);
        assert_eq!(sys["uptime"], 3600.25);
        assert_eq!(sys["ilde_time"], 7000.5);
        assert_eq!(sys["load_1m"], 1.5);
        assert_eq!(sys["net_recv_bytes"], 100);
        assert_eq!(sys["net_send_bytes"], 200);
        assert_eq!(sys["net_recvi_bytes"], 10);
        assert_eq!(sys["net_sample_time"], 6_000);
        assert_eq!(sys["srs_recv_bytes"], 1000);
        assert_eq!(sys["srs_send_kbps"], 40);
        assert_eq!(sys["conn_sys"], 8);
        assert_eq!(sys["conn_sys_tw"], 5);
        assert_eq!(sys["conn_sys_udp"], 1);
        assert_eq!(sys["conn_srs"], 7);
        // 100 idle ticks of 100 elapsed: the system was idle.
        assert_eq!(sys["cpu_percent"], 0.0);
    }

    #[test]
    fn rusages_shape() {
        let v = rusages(9, &sampler());
        assert_head(&v, 9);
        assert_keys(
            &v["data"],
            &[
                "ok",
                "sample_time",
                "ru_utime",
                "ru_stime",
                "ru_maxrss",
                "ru_ixrss",
                "ru_idrss",
                "ru_isrss",
                "ru_minflt",
                "ru_majflt",
                "ru_nswap",
                "ru_inblock",
                "ru_oublock",
                "ru_msgsnd",
                "ru_msgrcv",
                "ru_nsignals",
                "ru_nvcsw",
                "ru_nivcsw",
            ],
        );
        assert_eq!(v["data"]["ru_utime"], 2);
        assert_eq!(v["data"]["ru_maxrss"], 9000);
        assert_eq!(v["data"]["ok"], true);
    }

    #[test]
    fn self_proc_stats_shape() {
        let v = self_proc_stats(9, &sampler());
        assert_head(&v, 9);
        assert_keys(
            &v["data"],
            &[
                "ok",
                "sample_time",
                "percent",
                "pid",
                "comm",
                "state",
                "ppid",
                "pgrp",
                "session",
                "tty_nr",
                "tpgid",
                "flags",
                "minflt",
                "cminflt",
                "majflt",
                "cmajflt",
                "utime",
                "stime",
                "cutime",
                "cstime",
                "priority",
                "nice",
                "num_threads",
                "itrealvalue",
                "starttime",
                "vsize",
                "rss",
                "rsslim",
                "startcode",
                "endcode",
                "startstack",
                "kstkesp",
                "kstkeip",
                "signal",
                "blocked",
                "sigignore",
                "sigcatch",
                "wchan",
                "nswap",
                "cnswap",
                "exit_signal",
                "processor",
                "rt_priority",
                "policy",
                "delayacct_blkio_ticks",
                "guest_time",
                "cguest_time",
            ],
        );
        assert_eq!(v["data"]["comm"], "(my (weird) name)");
        assert_eq!(v["data"]["state"], "S");
        assert_eq!(v["data"]["pid"], 4242);
        assert_eq!(v["data"]["num_threads"], 3);
    }

    #[test]
    fn system_proc_stats_and_meminfos_shape() {
        let s = sampler();
        let v = system_proc_stats(9, &s);
        assert_head(&v, 9);
        assert_keys(
            &v["data"],
            &[
                "ok",
                "sample_time",
                "percent",
                "user",
                "nice",
                "sys",
                "idle",
                "iowait",
                "irq",
                "softirq",
                "steal",
                "guest",
            ],
        );
        assert_eq!(v["data"]["idle"], 1100);
        let v = meminfos(9, &s);
        assert_head(&v, 9);
        assert_keys(
            &v["data"],
            &[
                "ok",
                "sample_time",
                "percent_ram",
                "percent_swap",
                "MemActive",
                "RealInUse",
                "NotInUse",
                "MemTotal",
                "MemFree",
                "Buffers",
                "Cached",
                "SwapTotal",
                "SwapFree",
            ],
        );
        assert_eq!(v["data"]["MemTotal"], 2048000);
        assert_eq!(v["data"]["RealInUse"], 1024000);
    }

    #[test]
    fn authors_and_indexes() {
        let v = authors(3);
        assert_head(&v, 3);
        assert_keys(
            &v["data"],
            &[
                "primary",
                "authors",
                "primary_authors",
                "license",
                "contributors_link",
                "contributors",
            ],
        );
        assert_eq!(v["data"]["license"], "MIT");
        assert_eq!(v["data"]["primary"], "srs-rs developers");

        let v = api_root(3);
        assert_head(&v, 3);
        assert_keys(&v["urls"], &["api"]);
        let v = api_index(3);
        assert_head(&v, 3);
        assert_keys(&v["urls"], &["v1"]);
        let v = api_v1_index(3);
        assert_head(&v, 3);
        assert_keys(
            &v["urls"],
            &[
                "versions",
                "summaries",
                "rusages",
                "self_proc_stats",
                "system_proc_stats",
                "meminfos",
                "authors",
                "requests",
            ],
        );
    }

    #[test]
    fn requests_echo() {
        let headers = vec![
            ("Host".to_string(), "127.0.0.1:1985".to_string()),
            ("User-Agent".to_string(), "curl/8.0".to_string()),
        ];
        let v = requests(
            5,
            "1.0.0",
            "get",
            "/api/v1/requests?a=b",
            "/api/v1/requests",
            &headers,
            "",
        );
        assert_head(&v, 5);
        let d = &v["data"];
        assert_keys(d, &["uri", "path", "METHOD", "headers", "server"]);
        assert_eq!(d["METHOD"], "GET");
        assert_eq!(d["uri"], "/api/v1/requests?a=b");
        assert_eq!(d["path"], "/api/v1/requests");
        assert_eq!(d["headers"]["Host"], "127.0.0.1:1985");
        assert_eq!(d["headers"]["User-Agent"], "curl/8.0");
        assert_keys(
            &d["server"],
            &["sigature", "name", "version", "link", "time"],
        );
        assert_eq!(d["server"]["version"], "1.0.0");
        assert!(d["server"]["time"].as_u64().unwrap_or(0) > 0);
        assert!(d.get("body").is_none());

        let v = requests(5, "1.0.0", "POST", "/x", "/x", &[], "{\"a\":1}");
        assert_eq!(v["data"]["METHOD"], "POST");
        assert_eq!(v["data"]["body"], "{\"a\":1}");
    }

    #[test]
    fn real_machine_summaries() {
        let mut s = SystemSampler::new();
        s.sample(1);
        let srv = ServerTotals {
            pid: std::process::id(),
            ..ServerTotals::default()
        };
        let v = summaries(&s, &srv);
        assert_eq!(v["data"]["ok"], true);
        assert_eq!(v["data"]["self"]["pid"], std::process::id());
        assert!(v["data"]["self"]["mem_kbyte"].as_u64().unwrap_or(0) > 0);
        assert!(v["data"]["system"]["mem_ram_kbyte"].as_u64().unwrap_or(0) > 0);
        let v = self_proc_stats(srv.pid, &s);
        assert_eq!(v["data"]["pid"], std::process::id());
        assert!(v["data"]["rss"].as_i64().unwrap_or(0) > 0);
    }
}
