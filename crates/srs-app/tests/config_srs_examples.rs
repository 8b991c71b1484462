//! SRS 1.0's own example configs must load with warnings only, and their values must come out
//! right. They are read from the shared reference folder beside the checkout (not copied into
//! the repository): an extra compatibility check that runs where that folder exists (CI) and
//! says plainly that it did not run where it does not.

use std::path::{Path, PathBuf};

use srs_app::config::{
    Config, ConfigError, DvrPlan, HlsOnError, LogLevel, LogTank, TimeJitter, DEFAULT_VHOST,
};

const SRS_CONF_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/srs-conf-1.0");

/// Whether SRS's configs are beside the checkout; says so when they are not.
fn have_srs_confs(test: &str) -> bool {
    let here = Path::new(SRS_CONF_DIR).is_dir();
    if !here {
        eprintln!(
            "NOT RUN: {test}: SRS 1.0's example configs are not at {SRS_CONF_DIR} \
             (this extra compatibility check runs where ../shared exists, as in CI)"
        );
    }
    here
}

fn conf(name: &str) -> PathBuf {
    Path::new(SRS_CONF_DIR).join(name)
}

fn load(name: &str) -> Config {
    match Config::load(&conf(name)) {
        Ok(c) => c,
        Err(e) => panic!("{name}: {e}"),
    }
}

fn warnings(c: &Config) -> Vec<String> {
    c.warnings.iter().map(ToString::to_string).collect()
}

#[test]
fn every_example_config_loads() {
    if !have_srs_confs("every_example_config_loads") {
        return;
    }
    let mut names: Vec<_> = std::fs::read_dir(SRS_CONF_DIR)
        .expect("the SRS 1.0 example configs")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "conf"))
        .collect();
    names.sort();
    assert!(names.len() >= 20, "found only {names:?}");
    for p in &names {
        let c = Config::load(p).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.file, *p);
        assert!(!c.vhosts.is_empty(), "{}", p.display());
        assert!(
            c.resolve_vhost("any.host").is_some(),
            "{}: default vhost",
            p.display()
        );
        for w in &c.warnings {
            assert_eq!(w.file, *p);
            assert!(w.line > 0);
        }
    }
}

#[test]
fn full_conf_root_values() {
    if !have_srs_confs("full_conf_root_values") {
        return;
    }
    let c = load("full.conf");
    assert_eq!(c.listen, vec!["0.0.0.0:1935".parse().unwrap()]);
    assert_eq!(c.pid, Path::new("./objs/srs.pid"));
    assert_eq!(c.chunk_size, 60000);
    assert_eq!(c.ff_log_dir, Path::new("./objs"));
    assert_eq!(c.log_tank, LogTank::File);
    assert_eq!(c.log_level, LogLevel::Trace);
    assert_eq!(c.log_file, Path::new("./objs/srs.log"));
    assert_eq!(c.max_connections, 1000);
    assert!(c.daemon);
    assert!(!c.heartbeat.enabled);
    assert_eq!(c.heartbeat.interval_ms, 9300);
    assert_eq!(c.heartbeat.url, "http://127.0.0.1:8085/api/v1/servers");
    assert_eq!(c.heartbeat.device_id, "my-srs-device");
    assert!(!c.heartbeat.summaries);
    assert!(c.http_api.enabled);
    assert_eq!(c.http_api.listen.port(), 1985);
    assert!(c.http_server.enabled);
    assert_eq!(c.http_server.listen.port(), 8080);
    assert_eq!(c.http_server.dir, Path::new("./objs/nginx/html"));
    assert_eq!(c.pithy_print.publish_ms, 10000);
    assert_eq!(c.pithy_print.edge_ms, 10000);
}

#[test]
fn full_conf_vhosts() {
    if !have_srs_confs("full_conf_vhosts") {
        return;
    }
    let c = load("full.conf");
    let names: Vec<&str> = c.vhosts.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names[0], DEFAULT_VHOST);
    assert_eq!(names.len(), 27, "{names:?}");
    let v = |n: &str| c.vhost(n).unwrap_or_else(|| panic!("vhost {n}"));

    let edge = v("same.edge.srs.com");
    assert!(edge.mode_remote);
    assert_eq!(edge.origin, vec!["127.0.0.1:1935", "localhost:1935"]);
    assert!(!edge.token_traverse);

    let dvr = &v("dvr.srs.com").dvr;
    assert!(dvr.enabled);
    assert_eq!(dvr.path, Path::new("./objs/nginx/html"));
    assert_eq!(dvr.plan, DvrPlan::Session);
    assert_eq!(dvr.duration_secs, 30);
    assert!(dvr.wait_keyframe);
    assert_eq!(dvr.time_jitter, TimeJitter::Full);

    let ingest = v("ingest.srs.com");
    assert_eq!(ingest.ingest.len(), 1);
    assert_eq!(ingest.ingest[0].id, "livestream");

    let http = &v("http.srs.com").http;
    assert!(http.enabled);
    assert_eq!(http.mount, "/hls");
    assert_eq!(http.dir, Path::new("./objs/nginx/html/hls"));

    let hls = &v("with-hls.srs.com").hls;
    assert!(hls.enabled);
    assert_eq!((hls.fragment_secs, hls.window_secs), (10.0, 60.0));
    assert_eq!(hls.on_error, HlsOnError::Ignore);
    assert!(!v("no-hls.srs.com").hls.enabled);

    let hooks = &v("hooks.callback.srs.com").http_hooks;
    assert!(hooks.enabled);
    assert_eq!(
        hooks.on_connect,
        vec![
            "http://127.0.0.1:8085/api/v1/clients",
            "http://localhost:8085/api/v1/clients"
        ]
    );
    assert_eq!(hooks.on_stop.len(), 2);
    assert_eq!(
        hooks.on_unpublish[1],
        "http://localhost:8085/api/v1/streams"
    );
    assert!(hooks.on_dvr.is_empty());

    let min = v("min.delay.com");
    assert!(!min.gop_cache);
    assert_eq!(min.queue_length_secs, 10.0);

    let refer = v("refer.anti_suck.com");
    let list = Some(vec!["github.com".to_string(), "github.io".to_string()]);
    assert_eq!(refer.refer_all, list);
    assert_eq!(refer.refer_publish, list);
    assert_eq!(refer.refer_play, list);
    assert_eq!(v(DEFAULT_VHOST).refer_all, None);

    assert_eq!(
        v("same.vhost.forward.srs.com").forward,
        vec!["127.0.0.1:1936", "127.0.0.1:1937"]
    );

    let all = v("all.transcode.srs.com");
    assert_eq!(all.transcode.len(), 1);
    let engines: Vec<&str> = all.transcode[0]
        .engines
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(
        engines,
        ["ffsuper", "ffhd", "ffsd", "fffast", "vcopy", "acopy", "copy"]
    );
    assert_eq!(
        v("stream.transcode.srs.com").transcode[0].scope,
        "live/livestream"
    );

    let band = v("bandcheck.srs.com");
    assert!(band.enabled);
    assert_eq!(band.chunk_size, Some(65000));
    assert_eq!(c.vhost_chunk_size(band), 65000);
    assert!(band.bandcheck.enabled);
    assert_eq!(band.bandcheck.key, "35c9b402c12a7246868752e2878f7e0e");
    assert_eq!(band.bandcheck.interval_secs, 30.0);
    assert_eq!(band.bandcheck.limit_kbps, 4000);

    assert_eq!(c.vhost_chunk_size(v("chunksize.srs.com")), 128);
    assert_eq!(c.vhost_chunk_size(v(DEFAULT_VHOST)), 60000);
    assert_eq!(v("jitter.srs.com").time_jitter, TimeJitter::Full);
    let atc = v("atc.srs.com");
    assert!(atc.atc && atc.atc_auto);
    assert!(!v(DEFAULT_VHOST).atc);

    assert!(!v("removed.srs.com").enabled);
    assert!(c.resolve_vhost("removed.srs.com").is_none());
    assert_eq!(c.resolve_vhost("unknown.com").unwrap().name, DEFAULT_VHOST);
}

#[test]
fn full_conf_warnings() {
    if !have_srs_confs("full_conf_warnings") {
        return;
    }
    let c = load("full.conf");
    let w = warnings(&c);
    let has = |s: &str| w.iter().any(|x| x.ends_with(s));
    assert!(
        has("directive \"stats\": not supported yet, ignored"),
        "{w:#?}"
    );
    assert!(
        !has("directive \"transcode\": not supported yet, ignored"),
        "transcode is built"
    );
    assert!(
        !has("directive \"ingest\": not supported yet, ignored"),
        "ingest is built"
    );
    assert!(
        has("directive \"debug_srs_upnode\": not supported yet, ignored"),
        "{w:#?}"
    );
    // One warning per unsupported block, none for their children.
    let got: Vec<(&str, usize)> = c
        .warnings
        .iter()
        .map(|w| (w.directive.as_str(), w.line))
        .collect();
    // Directives parsed but without effect are warned about too (srs -t never stays silent).
    let expected = vec![
        ("stats", 86),
        ("debug_srs_upnode", 418),
        ("atc_auto", 928),
        ("forwarder", 951),
        ("encoder", 954),
        ("ingester", 957),
        ("hls", 960),
        ("edge", 963),
    ];
    assert_eq!(got, expected);
    assert!(
        w.iter().all(|x| x.ends_with("not supported yet, ignored")),
        "{w:#?}"
    );
    let first = &c.warnings[0];
    assert_eq!(first.directive, "stats");
    assert_eq!(first.line, 86);
    assert!(w[0].starts_with(&format!("{}:86: ", conf("full.conf").display())));
}

#[test]
fn missing_semicolon_in_srs_examples_is_recovered() {
    if !have_srs_confs("missing_semicolon_in_srs_examples_is_recovered") {
        return;
    }
    for (name, line) in [("edge.token.traverse.conf", 5), ("http.heartbeat.conf", 4)] {
        let c = load(name);
        assert_eq!(c.listen, vec!["0.0.0.0:1935".parse().unwrap()], "{name}");
        assert_eq!(c.max_connections, 1000);
        let w = &c.warnings[0];
        assert_eq!((w.directive.as_str(), w.line), ("listen", line));
        assert_eq!(
            w.message,
            format!(
                "missing \";\" at the end of line {line}, \
                 assumed before directive \"max_connections\" of line {}",
                line + 1
            )
        );
    }
    let c = load("http.heartbeat.conf");
    assert!(c.heartbeat.enabled && c.heartbeat.summaries);
    assert_eq!(c.heartbeat.interval_ms, 9300);
    assert!(load("edge.token.traverse.conf").vhosts[0].token_traverse);
}

#[test]
fn other_examples_values() {
    if !have_srs_confs("other_examples_values") {
        return;
    }
    let demo = load("demo.conf");
    // demo.conf sets max_connections twice; SRS uses the first.
    assert_eq!(demo.max_connections, 1000);
    assert!(warnings(&demo)
        .iter()
        .any(|w| w.contains("\"max_connections\": duplicate")));
    assert_eq!(
        demo.vhost("demo.srs.com").unwrap().forward,
        vec!["127.0.0.1:19350"]
    );
    assert_eq!(demo.vhost("players_chat").unwrap().transcode.len(), 1);

    let seg = load("dvr.segment.conf");
    assert_eq!(seg.vhosts[0].dvr.plan, DvrPlan::Segment);
    let console = load("console.conf");
    assert_eq!(console.log_tank, LogTank::Console);
    assert!(!console.daemon);
    let rt = load("realtime.conf");
    assert!(!rt.vhosts[0].gop_cache);
    assert_eq!(rt.vhosts[0].queue_length_secs, 10.0);
    let slave = load("forward.slave.conf");
    assert_eq!(slave.listen[0].port(), 19350);
    assert_eq!(slave.pid, Path::new("./objs/srs.slave.pid"));
    let hls = load("demo.19350.conf");
    assert_eq!(hls.vhosts[0].hls.fragment_secs, 5.0);
    assert_eq!(
        hls.vhosts[0].hls.path,
        Path::new("./objs/nginx/html/forward")
    );
    assert!(load("rtmp.conf").warnings.is_empty());
    assert!(load("srs.conf")
        .warnings
        .iter()
        .all(|w| w.directive == "stats"));
}

#[test]
fn truncated_full_conf_never_panics() {
    if !have_srs_confs("truncated_full_conf_never_panics") {
        return;
    }
    let text = std::fs::read_to_string(conf("full.conf")).expect("full.conf");
    let file = Path::new("full.conf");
    // Every prefix ending at a line break, and every character prefix of the first 4000 bytes.
    let mut errors = 0;
    for (i, _) in text.match_indices('\n') {
        if Config::parse_str(&text[..i], file).is_err() {
            errors += 1;
        }
    }
    assert!(errors > 0);
    for (i, _) in text.char_indices().take(4000) {
        if let Err(e) = Config::parse_str(&text[..i], file) {
            // Every error names the file and a line inside the text.
            let line = e.line().expect("a line");
            assert!(
                line >= 1 && line <= text[..i].lines().count().max(1) + 1,
                "{e}"
            );
        }
    }
    // Every suffix too (starts in the middle of blocks).
    for (i, _) in text.match_indices('\n') {
        let _ = Config::parse_str(&text[i..], file);
    }
}

fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let p = std::env::temp_dir().join(format!("srs-config-test-{}-{name}", std::process::id()));
    std::fs::write(&p, bytes).expect("write temp file");
    p
}

#[test]
fn invalid_utf8_is_a_clear_error() {
    if !have_srs_confs("invalid_utf8_is_a_clear_error") {
        return;
    }
    let p = temp_file("bad-utf8.conf", b"listen 1935;\n# caf\xe9\nvhost a {}\n");
    let e = Config::load(&p).unwrap_err();
    let _ = std::fs::remove_file(&p);
    assert!(
        matches!(
            e,
            ConfigError::InvalidUtf8 {
                line: 2,
                offset: 18,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        format!(
            "{}:2: invalid UTF-8 (byte offset 18); config files must be UTF-8 text",
            p.display()
        )
    );
    // Arbitrary bytes never panic.
    let mut x: u32 = 7;
    let bytes: Vec<u8> = (0..4096)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (x >> 16) as u8
        })
        .collect();
    let p = temp_file("junk.conf", &bytes);
    let r = Config::load(&p);
    let _ = std::fs::remove_file(&p);
    assert!(r.is_err());
}

#[test]
fn missing_file_is_an_io_error() {
    let p = Path::new("/nonexistent/dir/srs.conf");
    let e = Config::load(p).unwrap_err();
    assert_eq!(
        e.to_string(),
        "/nonexistent/dir/srs.conf: cannot read config file"
    );
    assert!(std::error::Error::source(&e).is_some());
    assert_eq!(e.line(), None);
}
