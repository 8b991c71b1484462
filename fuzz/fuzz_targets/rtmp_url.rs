//! The RTMP request identity and the checks on the names a client chooses:
//! `RequestUrl::from_connect(tcUrl, app)`, `set_stream(name)`, and `check_vhost`,
//! `check_app`, `check_stream` from `srs_rtmp::name`.
//!
//! Input: tcUrl, app and stream name separated by NUL bytes (lossy UTF-8). Checks that every
//! accepted name obeys the documented rules (so it is safe in a file path), that the parts found
//! are consistent with the input, and that a refused stream leaves the request unchanged.
#![no_main]

use std::path::{Component, Path};

use libfuzzer_sys::fuzz_target;
use srs_rtmp::name::{
    check_app, check_stream, check_vhost, MAX_APP_LEN, MAX_STREAM_LEN, MAX_VHOST_LEN,
};
use srs_rtmp::url::{query_value, RequestUrl, DEFAULT_PORT};

fn no_forbidden_char(s: &str) -> bool {
    !s.is_empty() && !s.chars().any(|c| c.is_control() || c == '\\')
}

fn dot_or_empty(seg: &str) -> bool {
    seg.is_empty() || seg == "." || seg == ".."
}

/// The names, checked against the rules independently of the implementation.
fn check_names(s: &str) {
    if check_stream(s).is_ok() {
        assert!(
            no_forbidden_char(s) && s.len() <= MAX_STREAM_LEN,
            "stream {s:?}"
        );
        assert!(!s.contains('/') && !dot_or_empty(s), "stream {s:?}");
    }
    if check_app(s).is_ok() {
        assert!(no_forbidden_char(s) && s.len() <= MAX_APP_LEN, "app {s:?}");
        assert!(!s.split('/').any(dot_or_empty), "app {s:?}");
    }
    if check_vhost(s).is_ok() {
        assert!(
            no_forbidden_char(s) && s.len() <= MAX_VHOST_LEN,
            "vhost {s:?}"
        );
        assert!(
            s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.:[]".contains(c)),
            "vhost {s:?}"
        );
        assert!(!s.contains("..") && s != ".", "vhost {s:?}");
    }
}

/// A path built from accepted names stays under its root.
fn stays_under_root(vhost: &str, app: &str, stream: &str) {
    let p = Path::new("/srv/hls")
        .join(vhost)
        .join(app)
        .join(format!("{stream}-1.ts"));
    assert!(p.starts_with("/srv/hls"), "{p:?}");
    for c in p.components().skip(1) {
        assert!(
            matches!(c, Component::Normal(_)),
            "{p:?} has a {c:?} component"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\0');
    let tc_url = parts.next().unwrap_or_default();
    let app = parts.next().unwrap_or_default();
    let stream = parts.next().unwrap_or_default();
    for s in [tc_url, app, stream] {
        check_names(s);
    }

    let Ok(mut url) = RequestUrl::from_connect(tc_url, app) else {
        return;
    };
    assert!(tc_url.starts_with(&format!("{}://", url.schema)));
    assert!(!url.host.is_empty());
    assert!(tc_url.contains(&url.host));
    let authority = tc_url
        .split_once("://")
        .map(|(_, r)| r.split('/').next().unwrap_or_default())
        .unwrap_or_default();
    if !authority.contains(':') {
        assert_eq!(url.port, DEFAULT_PORT);
    }
    assert_eq!(check_app(&url.app), Ok(()), "accepted app {:?}", url.app);
    assert_eq!(
        check_vhost(&url.vhost),
        Ok(()),
        "accepted vhost {:?}",
        url.vhost
    );
    assert!(!url.app.contains('?'), "app {:?}", url.app);
    assert!(url.param.is_empty() || url.param.starts_with('?'));
    assert!(url.stream.is_empty());
    if url.vhost != url.host {
        // a `vhost` parameter of the app field or of the tcUrl
        assert!(
            tc_url.contains(&url.vhost) || app.contains(&url.vhost),
            "vhost {:?} from nowhere",
            url.vhost
        );
    }
    let before = url.clone();

    if url.set_stream(stream).is_err() {
        assert_eq!(url, before, "a refused stream changed the request");
        return;
    }
    assert_eq!(
        check_stream(&url.stream),
        Ok(()),
        "accepted stream {:?}",
        url.stream
    );
    assert_eq!(
        check_vhost(&url.vhost),
        Ok(()),
        "accepted vhost {:?}",
        url.vhost
    );
    assert!(!url.stream.contains('?'), "stream {:?}", url.stream);
    assert!(url.param.is_empty() || url.param.starts_with('?'));
    assert_eq!(url.app, before.app);
    assert_eq!(url.host, before.host);
    assert_eq!(url.port, before.port);
    if url.vhost != before.vhost {
        let q = url.param.trim_start_matches('?');
        assert_eq!(query_value(q, "vhost"), Some(url.vhost.as_str()));
    }
    assert_eq!(
        url.stream_key(),
        format!("{}/{}/{}", url.vhost, url.app, url.stream)
    );
    stays_under_root(&url.vhost, &url.app, &url.stream);

    // Setting the bare stream name again changes nothing.
    let name = url.stream.clone();
    let mut again = url.clone();
    assert!(again.set_stream(&name).is_ok());
    assert_eq!(again, url);
});
