//! Tests of the whole config pipeline on small texts.

use std::net::SocketAddr;
use std::path::Path;

use super::*;

fn parse(text: &str) -> Result<Config, String> {
    Config::parse_str(text, Path::new("conf/srs.conf")).map_err(|e| e.to_string())
}

fn err(text: &str) -> String {
    match parse(text) {
        Ok(_) => panic!("expected an error for {text:?}"),
        Err(e) => e,
    }
}

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

#[test]
fn defaults() {
    let c = parse("").unwrap();
    assert_eq!(c.listen, vec![addr("0.0.0.0:1935")]);
    assert_eq!(c.pid, Path::new("./objs/srs.pid"));
    assert_eq!(c.chunk_size, 60000);
    assert_eq!(c.max_connections, 1000);
    assert!(c.daemon);
    assert_eq!(c.log_tank, LogTank::File);
    assert_eq!(c.log_level, LogLevel::Trace);
    assert_eq!(c.log_file, Path::new("./objs/srs.log"));
    assert_eq!(c.ff_log_dir, Path::new("./objs"));
    assert_eq!(c.pithy_print, PithyPrint::default());
    assert_eq!(c.pithy_print.edge_ms, 10_000);
    assert!(!c.http_api.enabled);
    assert_eq!(c.http_api.listen, addr("0.0.0.0:1985"));
    assert!(!c.http_server.enabled);
    assert_eq!(c.http_server.listen, addr("0.0.0.0:8080"));
    assert_eq!(c.http_server.dir, Path::new("./objs/nginx/html"));
    assert!(!c.heartbeat.enabled);
    assert_eq!(c.heartbeat.interval_ms, 9900);
    assert_eq!(c.heartbeat.url, "http://127.0.0.1:8085/api/v1/servers");
    assert!(c.vhosts.is_empty());
    assert!(c.warnings.is_empty());
    assert_eq!(c.file, Path::new("conf/srs.conf"));

    let c = parse("vhost v {}").unwrap();
    let v = &c.vhosts[0];
    assert_eq!(
        **v,
        VhostConfig {
            line: 1,
            ..VhostConfig::with_defaults("v")
        }
    );
    assert!(v.enabled && v.gop_cache && v.atc_auto && !v.atc && !v.mode_remote);
    assert_eq!(v.queue_length_secs, 30.0);
    assert_eq!(v.time_jitter, TimeJitter::Full);
    assert_eq!(v.mw_latency_ms, 350);
    assert_eq!((v.hls.fragment_secs, v.hls.window_secs), (10.0, 60.0));
    assert_eq!(v.hls.on_error, HlsOnError::Ignore);
    assert_eq!(
        (v.dvr.plan, v.dvr.duration_secs, v.dvr.wait_keyframe),
        (DvrPlan::Session, 30, true)
    );
    assert_eq!(v.http.mount, "/");
    assert_eq!(
        (v.bandcheck.interval_secs, v.bandcheck.limit_kbps),
        (30.0, 1000)
    );
    assert_eq!(v.refer_all, None);
    assert_eq!(c.vhost_chunk_size(v), 60000);
}

#[test]
fn listen_forms() {
    let c = parse("listen 1935 127.0.0.1:1936;\nlisten [::1]:1937;").unwrap();
    assert_eq!(
        c.listen,
        vec![
            addr("0.0.0.0:1935"),
            addr("127.0.0.1:1936"),
            addr("[::1]:1937")
        ]
    );
    for bad in ["0", "65536", "abc", "1.2.3.4", "localhost:1935", "-1"] {
        assert_eq!(
            err(&format!("\nlisten 1935 {bad};")),
            format!(
                "conf/srs.conf:2: directive \"listen\": invalid value \"{bad}\", expected a port 1..65535 or ip:port"
            )
        );
    }
    assert_eq!(
        err("listen;"),
        "conf/srs.conf:1: directive \"listen\": expected at least 1 argument, found 0 arguments"
    );
    assert_eq!(
        err("listen 1935;\nlisten 1935;"),
        "conf/srs.conf:2: directive \"listen\": address 0.0.0.0:1935 is given twice"
    );
}

#[test]
fn root_values() {
    let c = parse(
        "chunk_size 128; max_connections 5; daemon off; srs_log_tank console;\n\
         srs_log_level warn; srs_log_file 'my logs/x.log'; pid /run/srs.pid; ff_log_dir /dev/null;\n\
         pithy_print { publish 1000; play 2000; }\n\
         http_api { enabled on; listen 127.0.0.1:1986; }\n\
         http_server { enabled on; listen 8081; dir /srv; }\n\
         heartbeat { enabled on; interval 0.3; url http://h/x; device_id \"my dev\"; summaries on; }",
    )
    .unwrap();
    assert_eq!(c.chunk_size, 128);
    assert_eq!(c.max_connections, 5);
    assert!(!c.daemon);
    assert_eq!(c.log_tank, LogTank::Console);
    assert_eq!(c.log_level, LogLevel::Warn);
    assert_eq!(c.log_file, Path::new("my logs/x.log"));
    assert_eq!(c.pid, Path::new("/run/srs.pid"));
    assert_eq!(c.ff_log_dir, Path::new("/dev/null"));
    assert_eq!(c.pithy_print.publish_ms, 1000);
    assert_eq!(c.pithy_print.play_ms, 2000);
    assert!(c.http_api.enabled);
    assert_eq!(c.http_api.listen, addr("127.0.0.1:1986"));
    assert_eq!(
        c.http_server,
        HttpServerConfig {
            enabled: true,
            listen: addr("0.0.0.0:8081"),
            dir: "/srv".into()
        }
    );
    assert_eq!(
        c.heartbeat,
        HeartbeatConfig {
            enabled: true,
            interval_ms: 300,
            url: "http://h/x".into(),
            device_id: "my dev".into(),
            summaries: true
        }
    );
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn bad_values_name_the_directive() {
    let cases = [
        ("chunk_size abc;", "chunk_size", "invalid value \"abc\", expected an integer 128..65536"),
        ("chunk_size 127;", "chunk_size", "invalid value \"127\", expected an integer 128..65536"),
        ("chunk_size 65537;", "chunk_size", "invalid value \"65537\", expected an integer 128..65536"),
        ("chunk_size 128 256;", "chunk_size", "expected 1 argument, found 2 arguments"),
        ("daemon yes;", "daemon", "invalid value \"yes\", expected \"on\" or \"off\""),
        ("max_connections 0;", "max_connections", "invalid value \"0\", expected an integer >= 1"),
        (
            "srs_log_tank syslog;",
            "srs_log_tank",
            "invalid value \"syslog\", expected one of \"console\", \"file\"",
        ),
        (
            "srs_log_level debug;",
            "srs_log_level",
            "invalid value \"debug\", expected one of \"verbose\", \"info\", \"trace\", \"warn\", \"error\"",
        ),
        ("heartbeat { interval 0; }", "interval", "invalid value \"0\", expected a number of seconds > 0"),
        ("heartbeat { url ftp://x; }", "url", "invalid value \"ftp://x\", expected an http:// URL"),
        ("vhost v { gop_cache 1; }", "gop_cache", "invalid value \"1\", expected \"on\" or \"off\""),
        ("vhost v { chunk_size 99999; }", "chunk_size", "invalid value \"99999\", expected an integer 128..65536"),
        (
            "vhost v { time_jitter fast; }",
            "time_jitter",
            "invalid value \"fast\", expected one of \"full\", \"zero\", \"off\"",
        ),
        ("vhost v { queue_length -1; }", "queue_length", "invalid value \"-1\", expected a number of seconds >= 0"),
        ("vhost v { queue_length nan; }", "queue_length", "invalid value \"nan\", expected a number of seconds >= 0"),
        ("vhost v { mode edge; }", "mode", "invalid value \"edge\", expected one of \"local\", \"remote\""),
        ("vhost v { mode remote; }", "mode", "\"mode remote\" needs an \"origin\" directive in the vhost"),
        ("vhost v { origin a:b; }", "origin", "invalid value \"a:b\", expected host[:port]"),
        ("vhost v { forward :1935; }", "forward", "invalid value \":1935\", expected host[:port]"),
        ("vhost v { hls { hls_fragment 0; } }", "hls_fragment", "invalid value \"0\", expected a number of seconds > 0"),
        (
            "vhost v { hls { hls_on_error stop; } }",
            "hls_on_error",
            "invalid value \"stop\", expected one of \"ignore\", \"disconnect\", \"continue\"",
        ),
        (
            "vhost v { dvr { dvr_plan append; } }",
            "dvr_plan",
            "invalid value \"append\", expected one of \"session\", \"segment\"",
        ),
        ("vhost v { dvr { dvr_duration 0; } }", "dvr_duration", "invalid value \"0\", expected an integer >= 1"),
        ("vhost v { http { mount hls; } }", "mount", "invalid value \"hls\", expected a path starting with \"/\""),
        (
            "vhost v { http_hooks { on_play localhost/x; } }",
            "on_play",
            "invalid value \"localhost/x\", expected an http:// URL",
        ),
        ("vhost v { bandcheck { limit_kbps x; } }", "limit_kbps", "invalid value \"x\", expected an integer >= 1"),
        ("vhost v { hls on; }", "hls", "expected a block \"{ ... }\""),
        ("vhost v { gop_cache { } }", "gop_cache", "takes no block, expected \";\" after its arguments"),
        ("vhost { }", "vhost", "expected 1 argument (the vhost name), found 0 arguments"),
        ("vhost a b { }", "vhost", "expected 1 argument (the vhost name), found 2 arguments"),
        ("vhost v { hls x { } }", "hls", "expected no arguments before \"{\", found \"x\""),
        ("pid '';", "pid", "expected a path, found an empty string"),
    ];
    for (text, directive, message) in cases {
        assert_eq!(
            err(text),
            format!("conf/srs.conf:1: directive \"{directive}\": {message}"),
            "for {text}"
        );
    }
}

#[test]
fn error_accessors() {
    let e = Config::parse_str("\n\nchunk_size x;", Path::new("a.conf")).unwrap_err();
    assert_eq!(e.line(), Some(3));
    assert_eq!(e.directive(), Some("chunk_size"));
    assert!(matches!(e, ConfigError::Directive { .. }));
}

#[test]
fn unknown_directives() {
    assert_eq!(
        err("listen 1935;\n\nfoo bar;"),
        "conf/srs.conf:3: directive \"foo\": unknown directive at top level"
    );
    assert_eq!(
        err("include other.conf;"),
        "conf/srs.conf:1: directive \"include\": unknown directive at top level (SRS has no \"include\")"
    );
    assert_eq!(
        err("vhost v {\n  hls {\n    hls_size 3;\n  }\n}"),
        "conf/srs.conf:3: directive \"hls_size\": unknown directive in block \"hls\""
    );
    assert_eq!(
        err("gop_cache off;"),
        "conf/srs.conf:1: directive \"gop_cache\": unknown directive at top level (it belongs in block \"vhost\")"
    );
    assert_eq!(
        err("vhost v { daemon off; }"),
        "conf/srs.conf:1: directive \"daemon\": unknown directive in block \"vhost\" (it belongs at top level)"
    );
    // Unknown inside an unsupported block is still an error.
    assert_eq!(
        err("vhost v {\n transcode {\n  engine e { vbitrat 1; }\n }\n}"),
        "conf/srs.conf:3: directive \"vbitrat\": unknown directive in block \"engine\""
    );
    // Free blocks (ffmpeg options) take anything.
    let c =
        parse("vhost v { transcode { engine e { vparams { anything 1 2; x { y; } } } } }").unwrap();
    assert_eq!(c.vhosts[0].transcode.len(), 1);
}

#[test]
fn unsupported_directives_warn() {
    let c = parse(
        "stats {\n network 0;\n}\nvhost v {\n  debug_srs_upnode on;\n  mr { enabled on; latency 350; }\n  \
         hls { enabled on; hls_m3u8_file x; }\n  transcode live { enabled on; engine { enabled off; } }\n  \
         ingest { enabled on; input { type file; url x; } engine { output o; } }\n}",
    )
    .unwrap();
    let w: Vec<String> = c.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        w,
        vec![
            "conf/srs.conf:1: directive \"stats\": not supported yet, ignored",
            "conf/srs.conf:5: directive \"debug_srs_upnode\": not supported yet, ignored",
            "conf/srs.conf:6: directive \"mr\": (SRS 2.0) not supported yet, ignored",
            "conf/srs.conf:7: directive \"hls_m3u8_file\": (SRS 2.0) not supported yet, ignored",
        ]
    );
    let v = &c.vhosts[0];
    assert!(v.hls.enabled);
    assert_eq!(v.transcode[0].scope, "live");
    assert_eq!(
        v.ingest[0].input_type,
        crate::config::ffmpeg::InputType::File
    );
}

#[test]
fn duplicates() {
    let c = parse(
        "max_connections 1000;\nmax_connections 2000;\nvhost v { gop_cache off; gop_cache on; }",
    )
    .unwrap();
    assert_eq!(c.max_connections, 1000);
    assert!(!c.vhosts[0].gop_cache);
    let w: Vec<String> = c.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        w,
        vec![
            "conf/srs.conf:2: directive \"max_connections\": duplicate directive ignored, the one of line 1 is used",
            "conf/srs.conf:3: directive \"gop_cache\": duplicate directive ignored, the one of line 3 is used",
        ]
    );
    assert_eq!(
        err("vhost a.com {}\n\nvhost A.com {}"),
        "conf/srs.conf:3: directive \"vhost\": duplicate vhost \"A.com\", already defined on line 1"
    );
    // Aliases: http_stream wins over http_server, http over http_static.
    let c = parse("http_server { listen 1; }\nhttp_stream { listen 2; }\nvhost v { http_static { mount /a; } http { mount /b; } }")
        .unwrap();
    assert_eq!(c.http_server.listen.port(), 2);
    assert_eq!(c.vhosts[0].http.mount, "/b");
    assert_eq!(c.warnings.len(), 2);
    assert_eq!(
        c.warnings[0].to_string(),
        "conf/srs.conf:1: directive \"http_server\": ignored, \"http_stream\" of line 2 is used (they are the same block)"
    );
    // List directives add up.
    let c = parse("vhost v { forward a:1 b:2; forward c; refer x; refer y z; }").unwrap();
    assert_eq!(c.vhosts[0].forward, vec!["a:1", "b:2", "c"]);
    assert_eq!(
        c.vhosts[0].refer_all,
        Some(vec!["x".into(), "y".into(), "z".into()])
    );
}

#[test]
fn syntax_errors() {
    assert_eq!(
        err("listen 1935;\n}\n"),
        "conf/srs.conf:2: unexpected \"}\""
    );
    assert_eq!(
        err("vhost v {\n  gop_cache off;\n"),
        "conf/srs.conf:2: unexpected end of file, expecting \"}\" to close block \"vhost\" of line 1"
    );
    assert_eq!(
        err("vhost v {\n  gop_cache off\n}\n"),
        "conf/srs.conf:2: directive \"gop_cache\": missing \";\" before \"}\" of line 3"
    );
    assert_eq!(
        err("listen 1935;\nchunk_size 128"),
        "conf/srs.conf:2: directive \"chunk_size\": unexpected end of file, expecting \";\" or \"{\""
    );
    // A missing ';' followed by a word that is not a directive: the word is an extra argument.
    assert_eq!(
        err("chunk_size 128\n  256;"),
        "conf/srs.conf:1: directive \"chunk_size\": expected 1 argument, found 2 arguments"
    );
    assert_eq!(
        err("vhost v {\n  refer 'a.com;\n}\n"),
        "conf/srs.conf:2: unterminated quoted string, expecting a closing \"'\""
    );
    assert_eq!(err("a { ;"), "conf/srs.conf:1: unexpected \";\"");
}

#[test]
fn missing_semicolon_before_a_directive_is_recovered() {
    let c = parse(
        "listen 1935\nmax_connections 1000;\nvhost v {\n  gop_cache off\n  queue_length 10;\n}",
    )
    .unwrap();
    assert_eq!(c.listen, vec![addr("0.0.0.0:1935")]);
    assert_eq!(c.max_connections, 1000);
    assert!(!c.vhosts[0].gop_cache);
    assert_eq!(c.vhosts[0].queue_length_secs, 10.0);
    let w: Vec<String> = c.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        w,
        vec![
            "conf/srs.conf:1: directive \"listen\": missing \";\" at the end of line 1, assumed before directive \"max_connections\" of line 2",
            "conf/srs.conf:4: directive \"gop_cache\": missing \";\" at the end of line 4, assumed before directive \"queue_length\" of line 5",
        ]
    );
}

#[test]
fn quoted_args_and_comments() {
    let c = parse(
        "# header\nvhost \"v\" { # open\n  bandcheck {\n    key \"a b;{c}#d\"; # trailing\n  }\n  \
         refer 'x.com' \"y.com\";\n}\n# end",
    )
    .unwrap();
    let v = &c.vhosts[0];
    assert_eq!(v.name, "v");
    assert_eq!(v.bandcheck.key, "a b;{c}#d");
    assert_eq!(v.refer_all, Some(vec!["x.com".into(), "y.com".into()]));
}

#[test]
fn vhost_resolution() {
    let c = parse(
        "chunk_size 4096;\nvhost __defaultVhost__ { }\nvhost a.com { chunk_size 128; }\nvhost off.com { enabled off; }",
    )
    .unwrap();
    assert_eq!(c.resolve_vhost("a.com").unwrap().name, "a.com");
    assert_eq!(c.resolve_vhost("A.COM").unwrap().name, "a.com");
    assert_eq!(c.resolve_vhost("b.com").unwrap().name, DEFAULT_VHOST);
    assert_eq!(c.resolve_vhost("127.0.0.1").unwrap().name, DEFAULT_VHOST);
    assert!(
        c.resolve_vhost("off.com").is_none(),
        "a disabled vhost rejects, no fallback"
    );
    assert_eq!(c.vhost("off.com").unwrap().name, "off.com");
    assert!(c.vhost("A.COM").is_none());
    assert_eq!(c.vhost_chunk_size(c.vhost("a.com").unwrap()), 128);
    assert_eq!(c.vhost_chunk_size(c.vhost(DEFAULT_VHOST).unwrap()), 4096);

    let c = parse("vhost a.com { }").unwrap();
    assert!(c.resolve_vhost("b.com").is_none());
    let c = parse("vhost a.com { }\nvhost __defaultVhost__ { enabled off; }").unwrap();
    assert!(c.resolve_vhost("b.com").is_none());
    assert!(c.resolve_vhost("a.com").is_some());
}

#[test]
fn never_panics_on_junk() {
    let junk = [
        "",
        ";",
        "{",
        "}",
        "{{{{",
        "}}}}",
        "\"",
        "'",
        "#",
        "a",
        "a {",
        "a }",
        "a ;;",
        "\u{0}\u{1}\u{7f}",
        "vhost",
        "vhost {",
        "vhost x {",
        "vhost x { hls {",
        "listen \"",
        "listen '\n\n",
        "é ü 中文;",
        "vhost x { hls { enabled on; } } }",
        "a\"b\";",
        "\"a\"b;",
        "\r\r\r",
        "chunk_size 99999999999999999999999;",
        "heartbeat { interval 1e308; }",
        "heartbeat { interval inf; }",
        "vhost \"\" {}",
    ];
    for j in junk {
        let _ = Config::parse_str(j, Path::new("j.conf"));
    }
    // Pseudo-random strings over the config alphabet.
    let alphabet: Vec<char> = "ab ;{}#'\"\n\t\\é".chars().collect();
    let mut x: u32 = 12345;
    for _ in 0..2000 {
        let mut s = String::new();
        for _ in 0..(x % 40) {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            s.push(alphabet[(x >> 16) as usize % alphabet.len()]);
        }
        let _ = Config::parse_str(&s, Path::new("j.conf"));
    }
}

#[test]
fn derived_vhost_settings_are_computed_at_load() {
    use crate::timestamp::JitterMode;
    let c = Config::parse_str(
        "chunk_size 4096;\nvhost a { }\nvhost b { chunk_size 128; time_jitter zero; }\nvhost c { atc on; time_jitter full; }\n",
        Path::new("t.conf"),
    )
    .expect("config");
    let v = |n: &str| c.vhost(n).expect("vhost");
    assert_eq!(v("a").out_chunk_size, 4096, "inherits the root chunk_size");
    assert_eq!(v("b").out_chunk_size, 128);
    assert_eq!(v("a").player_jitter, JitterMode::Full);
    assert_eq!(v("b").player_jitter, JitterMode::Zero);
    assert_eq!(
        v("c").player_jitter,
        JitterMode::Off,
        "atc turns correction off"
    );
}

#[test]
fn directives_that_do_nothing_are_warned_about() {
    let c = parse("pithy_print { edge 2000; hls 1000; }\nvhost v { atc_auto on; }").unwrap();
    let w: Vec<String> = c.warnings.iter().map(ToString::to_string).collect();
    for d in ["edge", "hls", "atc_auto"] {
        assert!(
            w.iter()
                .any(|x| x.contains(&format!("\"{d}\": not supported yet, ignored"))),
            "{d}: {w:?}"
        );
    }
}
