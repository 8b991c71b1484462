//! The project's own example configs (conf/*.conf): each loads with no
//! warning (every directive in them is implemented) and says what its
//! comments promise.

use std::path::{Path, PathBuf};

use srs_app::config::{Config, DvrPlan, DEFAULT_VHOST};

fn conf(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../conf")
        .join(name)
}

fn load(name: &str) -> Config {
    let c = Config::load(&conf(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let warnings: Vec<String> = c.warnings.iter().map(ToString::to_string).collect();
    assert!(warnings.is_empty(), "{name}: {warnings:?}");
    c
}

#[test]
fn every_project_config_loads_without_warnings() {
    let mut names: Vec<String> = std::fs::read_dir(conf(""))
        .expect("conf/")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".conf"))
        .collect();
    names.sort();
    for wanted in [
        "bandwidth.conf",
        "dvr.conf",
        "edge.conf",
        "forward.conf",
        "hls.conf",
        "hooks.conf",
        "http-api.conf",
        "ingest.conf",
        "origin.conf",
        "rtmp.conf",
        "srs.conf",
        "transcode.conf",
    ] {
        assert!(names.iter().any(|n| n == wanted), "conf/{wanted} exists");
    }
    for n in &names {
        let c = load(n);
        assert!(!c.vhosts.is_empty(), "{n}");
        assert!(!c.daemon, "{n}: examples run in the foreground");
    }
}

#[test]
fn the_default_config_shows_everything() {
    let c = load("srs.conf");
    assert_eq!(c.listen[0].port(), 1935);
    assert!(c.http_api.enabled && c.http_api.listen.port() == 1985);
    assert!(c.http_server.enabled && c.http_server.listen.port() == 8080);
    let v = c.vhost(DEFAULT_VHOST).expect("default vhost");
    assert!(v.hls.enabled);
    assert_eq!(
        v.hls.path, c.http_server.dir,
        "HLS is served by the HTTP server"
    );
    assert!(v.http_remux.enabled);
    assert_eq!(v.http_remux.mount, "[vhost]/[app]/[stream].flv");
}

#[test]
fn feature_configs_enable_their_feature() {
    let rtmp = load("rtmp.conf");
    assert!(!rtmp.http_api.enabled && !rtmp.http_server.enabled);
    let dvr = load("dvr.conf");
    let d = &dvr.vhost(DEFAULT_VHOST).expect("vhost").dvr;
    assert!(d.enabled && d.plan == DvrPlan::Segment && d.duration_secs == 30);
    let edge = load("edge.conf");
    let e = edge.vhost(DEFAULT_VHOST).expect("vhost");
    assert!(e.mode_remote && e.origin.len() == 2);
    assert_eq!(
        load("origin.conf").listen[0].port(),
        19350,
        "edge.conf's first origin"
    );
    assert_eq!(
        load("forward.conf")
            .vhost(DEFAULT_VHOST)
            .expect("vhost")
            .forward,
        ["127.0.0.1:19350"]
    );
    let t = load("transcode.conf");
    let tr = &t.vhost(DEFAULT_VHOST).expect("vhost").transcode[0];
    assert!(tr.enabled && tr.scope == "live" && tr.engines.len() == 1);
    let i = load("ingest.conf");
    assert!(i.vhost(DEFAULT_VHOST).expect("vhost").ingest[0].enabled);
    let api = load("http-api.conf");
    assert!(api.http_api.auth.is_some());
    assert!(api.http_api.listen.ip().is_loopback());
    let hooks = load("hooks.conf");
    let h = &hooks.vhost(DEFAULT_VHOST).expect("vhost").http_hooks;
    assert!(h.enabled && h.on_publish.len() == 1 && h.on_dvr.len() == 1);
    let bw = load("bandwidth.conf");
    assert!(
        bw.vhost("bandcheck.srs.com")
            .expect("vhost")
            .bandcheck
            .enabled
    );
}
