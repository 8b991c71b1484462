//! Command-line behaviour: help, bad arguments, unreachable servers.

mod common;

use common::run;

#[test]
fn help_exits_zero() {
    for tool in ["srs-play", "srs-publish", "srs-ingest-rtmp", "srs-flv"] {
        for flag in ["--help", "-h"] {
            let out = run(tool, &[flag]);
            assert!(out.status.success(), "{tool} {flag}");
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                text.contains("Usage: ") && text.contains(tool),
                "{tool}: {text}"
            );
        }
    }
}

fn assert_usage_error(tool: &str, args: &[&str], needle: &str) {
    let out = run(tool, args);
    assert_eq!(out.status.code(), Some(2), "{tool} {args:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(&format!("{tool}: error: ")) && err.contains(needle),
        "{tool} {args:?}: {err}"
    );
    assert_eq!(err.lines().count(), 1, "one line: {err}");
}

#[test]
fn bad_urls_and_arguments() {
    assert_usage_error("srs-play", &["http://127.0.0.1/live/s"], "rtmp://");
    assert_usage_error("srs-play", &["rtmp://127.0.0.1/live"], "no stream");
    assert_usage_error("srs-play", &[], "missing argument");
    assert_usage_error(
        "srs-play",
        &["rtmp://h/a/s", "--duration", "x"],
        "--duration",
    );
    assert_usage_error("srs-play", &["rtmp://h/a/s", "--bogus"], "--bogus");
    assert_usage_error("srs-publish", &["a.flv", "not-a-url"], "bad URL");
    assert_usage_error("srs-publish", &["a.flv"], "missing argument");
    assert_usage_error(
        "srs-ingest-rtmp",
        &["rtmp://h/live/a", "rtmp://h:x/live/b"],
        "bad",
    );
    assert_usage_error("srs-flv", &["frobnicate", "x.flv"], "unknown command");
    assert_usage_error("srs-flv", &[], "missing command");
}

#[test]
fn unreachable_server_and_missing_file() {
    // Port 1 on localhost: nothing listens.
    let out = run(
        "srs-play",
        &["rtmp://127.0.0.1:1/live/s", "--duration", "1"],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot connect to 127.0.0.1:1"), "{err}");

    let out = run(
        "srs-publish",
        &["/nonexistent.flv", "rtmp://127.0.0.1:1/live/s"],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot open /nonexistent.flv"), "{err}");
}
