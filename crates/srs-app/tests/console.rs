//! The embedded web console on the HTTP server's port: the page and its
//! scripts, files on disk winning over it, and the API answered on the same
//! origin with the API's own access rules (docs/console.md).

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;

/// `http_server` on `dir` and `http_api`, with `api_extra` inside `http_api`.
fn console_server(dir: &Path, api_extra: &str) -> TestServer {
    TestServer::start(&format!(
        "http_server {{ enabled on; listen 127.0.0.1:0; dir {}; }}\n\
         http_api {{ enabled on; listen 127.0.0.1:0; {api_extra} }}\n\
         vhost __defaultVhost__ {{ }}\n",
        dir.display()
    ))
}

fn json(a: &HttpAnswer) -> Value {
    serde_json::from_slice(&a.body).unwrap_or(Value::Null)
}

fn embedded(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("console")
        .join(name);
    std::fs::read(&path).expect("console file in the crate")
}

#[test]
fn page_scripts_and_licenses_are_served_from_the_binary() {
    let dir = scratch("console-page");
    let server = console_server(&dir, "");
    let http = server.http.expect("http listener");
    for path in ["/", "/index.html", "/console", "/console/"] {
        let a = http_request(http, "GET", path, &[]);
        assert_eq!(a.status, 200, "{path}");
        assert_eq!(
            a.header("content-type").as_deref(),
            Some("text/html; charset=utf-8"),
            "{path}"
        );
        assert_eq!(a.body, embedded("index.html"), "{path}");
        let csp = a.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    }
    for (path, file, ty) in [
        (
            "/console/console.js",
            "console.js",
            "application/javascript; charset=utf-8",
        ),
        (
            "/console/console.css",
            "console.css",
            "text/css; charset=utf-8",
        ),
        (
            "/console/vendor/hls.js/hls.min.js",
            "vendor/hls.js/hls.min.js",
            "application/javascript; charset=utf-8",
        ),
        (
            "/console/vendor/mpegts.js/mpegts.js",
            "vendor/mpegts.js/mpegts.js",
            "application/javascript; charset=utf-8",
        ),
        (
            "/console/vendor/hls.js/LICENSE",
            "vendor/hls.js/LICENSE",
            "text/plain; charset=utf-8",
        ),
    ] {
        let a = http_request(http, "GET", path, &[]);
        assert_eq!(a.status, 200, "{path}");
        assert_eq!(a.header("content-type").as_deref(), Some(ty), "{path}");
        assert_eq!(a.body, embedded(file), "{path}");
    }
    // HEAD: the head only; a known ETag: 304.
    let head = http_request(http, "HEAD", "/console/console.js", &[]);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    let tag = head.header("etag").expect("etag");
    let again = http_request(
        http,
        "GET",
        "/console/console.js",
        &[&format!("If-None-Match: {tag}")],
    );
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    assert_eq!(
        http_request(http, "GET", "/console/missing.js", &[]).status,
        404
    );
    assert_eq!(http_request(http, "POST", "/console/", &[]).status, 405);
}

#[test]
fn files_on_disk_win_over_the_console() {
    let dir = scratch("console-disk");
    std::fs::create_dir_all(dir.join("live")).expect("mkdir");
    std::fs::write(dir.join("index.html"), "the operator's page").expect("write");
    std::fs::write(dir.join("live/s.m3u8"), "#EXTM3U\n").expect("write");
    let server = console_server(&dir, "");
    let http = server.http.expect("http listener");
    for path in ["/", "/index.html"] {
        let a = http_request(http, "GET", path, &[]);
        assert_eq!(a.status, 200, "{path}");
        assert_eq!(a.body, b"the operator's page", "{path}");
    }
    let hls = http_request(http, "GET", "/live/s.m3u8", &[]);
    assert_eq!(hls.status, 200);
    assert_eq!(hls.body, b"#EXTM3U\n");
    // The console keeps its own prefix.
    let page = http_request(http, "GET", "/console/", &[]);
    assert_eq!(page.body, embedded("index.html"));
}

#[test]
fn the_api_answers_on_the_http_port_and_kicks_same_origin_only() {
    let dir = scratch("console-api");
    let server = console_server(&dir, "");
    let http = server.http.expect("http listener");
    let versions = http_request(http, "GET", "/api/v1/versions", &[]);
    assert_eq!(versions.status, 200);
    assert_eq!(json(&versions)["code"], 0);
    assert_eq!(
        json(&versions)["data"]["version"],
        env!("CARGO_PKG_VERSION")
    );
    // The ports the console builds its URLs from.
    let listen = json(&http_request(http, "GET", "/api/v1/summaries", &[]))["data"]["self"]
        ["listen"]
        .clone();
    assert_eq!(listen["rtmp"][0], server.addr.port());
    assert_eq!(listen["http"], http.port());
    let vhosts = json(&http_request(http, "GET", "/api/v1/vhosts", &[]));
    assert_eq!(vhosts["vhosts"][0]["http_remux"]["enabled"], false);

    // An RTMP client to kick.
    let mut victim = client(server.addr, &server.url("s"));
    let rtmp_client = || {
        json(&http_request(http, "GET", "/api/v1/clients", &[]))["clients"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| {
                c["tcUrl"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("rtmp://"))
            })
            .and_then(|c| c["id"].as_u64())
    };
    let id = rtmp_client().expect("the RTMP client is listed");
    let path = format!("/api/v1/clients/{id}");
    let other = http_request(http, "DELETE", &path, &["Origin: http://evil.example"]);
    assert_eq!(other.status, 403, "a page of another site cannot kick");
    assert_eq!(rtmp_client(), Some(id));
    let origin = format!("Origin: http://{http}");
    let kick = http_request(http, "DELETE", &path, &[&origin]);
    assert_eq!(kick.status, 200, "{}", String::from_utf8_lossy(&kick.body));
    assert_eq!(json(&kick)["code"], 0);
    assert!(wait_until(5, || rtmp_client().is_none()), "client gone");
    assert!(victim.play().is_err(), "the kicked connection is closed");
}

#[test]
fn without_http_api_the_http_port_has_no_api() {
    let dir = scratch("console-noapi");
    let server = TestServer::start(&format!(
        "http_server {{ enabled on; listen 127.0.0.1:0; dir {}; }}\nvhost __defaultVhost__ {{ }}\n",
        dir.display()
    ));
    let http = server.http.expect("http listener");
    assert_eq!(
        http_request(http, "GET", "/api/v1/versions", &[]).status,
        404
    );
    assert_eq!(
        http_request(http, "DELETE", "/api/v1/clients/1", &[]).status,
        405
    );
    assert_eq!(http_request(http, "GET", "/console/", &[]).status, 200);
}

#[test]
fn with_auth_the_api_on_the_http_port_asks_for_credentials() {
    let dir = scratch("console-auth");
    let server = console_server(
        &dir,
        "auth { enabled on; username admin; password s3cret; }",
    );
    let http = server.http.expect("http listener");
    // The page itself holds nothing secret: it loads and asks (login form).
    assert_eq!(http_request(http, "GET", "/console/", &[]).status, 200);
    let none = http_request(http, "GET", "/api/v1/streams", &[]);
    assert_eq!(none.status, 401);
    assert!(none
        .header("www-authenticate")
        .is_some_and(|v| v.starts_with("Basic")));
    // admin:wrong, then admin:s3cret
    let wrong = http_request(
        http,
        "GET",
        "/api/v1/streams",
        &["Authorization: Basic YWRtaW46d3Jvbmc="],
    );
    assert_eq!(wrong.status, 401);
    let right = http_request(
        http,
        "GET",
        "/api/v1/streams",
        &["Authorization: Basic YWRtaW46czNjcmV0"],
    );
    assert_eq!(right.status, 200);
    assert_eq!(json(&right)["code"], 0);
    // A kick without credentials is refused before anything happens.
    let kick = http_request(http, "DELETE", "/api/v1/clients/1", &[]);
    assert_eq!(kick.status, 401);
}
