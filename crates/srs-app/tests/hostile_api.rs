//! The HTTP API exposed safely: Basic auth, no cross-origin state changes,
//! no filesystem layout for anonymous callers.

mod common;

use common::*;

fn api_server(extra: &str) -> TestServer {
    TestServer::start(&format!(
        "http_api {{ enabled on; listen 127.0.0.1:0; {extra} }}\nvhost __defaultVhost__ {{ }}\n"
    ))
}

#[test]
fn cross_origin_pages_cannot_kick_and_anonymous_callers_see_no_paths() {
    let server = api_server("");
    let api = server.api.expect("api");
    // The preflight allows only reads across origins.
    let pre = http_request(
        api,
        "OPTIONS",
        "/api/v1/clients/1",
        &[
            "Origin: http://evil.example",
            "Access-Control-Request-Method: DELETE",
        ],
    );
    let methods = pre
        .header("access-control-allow-methods")
        .unwrap_or_default();
    assert!(!methods.contains("DELETE"), "preflight allows {methods}");
    // A DELETE that a page of another origin sends anyway is refused.
    let kick = http_request(
        api,
        "DELETE",
        "/api/v1/clients/1",
        &["Origin: http://evil.example"],
    );
    assert_eq!(kick.status, 403);
    // The same from a tool (no Origin) reaches the API (404: no such client).
    let kick = http_request(api, "DELETE", "/api/v1/clients/1", &[]);
    assert_eq!(kick.status, 404);
    // Reads stay open to pages (CORS), without argv and cwd.
    let s = http_request(api, "GET", "/api/v1/summaries", &["Origin: http://x"]);
    assert_eq!(s.status, 200);
    assert_eq!(
        s.header("access-control-allow-origin").as_deref(),
        Some("*")
    );
    let v: serde_json::Value = serde_json::from_slice(&s.body).expect("json");
    assert_eq!(v["data"]["self"]["argv"], "");
    assert_eq!(v["data"]["self"]["cwd"], "");
}

#[test]
fn basic_auth_guards_every_path() {
    let server =
        api_server("crossdomain off; auth { enabled on; username admin; password s3cret; }");
    let api = server.api.expect("api");
    for path in ["/api/v1/versions", "/api/v1/summaries", "/metrics", "/"] {
        let a = http_request(api, "GET", path, &[]);
        assert_eq!(a.status, 401, "{path}");
        assert_eq!(
            a.header("www-authenticate").as_deref(),
            Some("Basic realm=\"SRS\"")
        );
        let wrong = http_request(api, "GET", path, &["Authorization: Basic YWRtaW46d3Jvbmc="]);
        assert_eq!(wrong.status, 401, "{path}");
    }
    let ok = http_request(
        api,
        "GET",
        "/api/v1/summaries",
        &["Authorization: Basic YWRtaW46czNjcmV0"],
    );
    assert_eq!(ok.status, 200);
    assert_eq!(
        ok.header("access-control-allow-origin"),
        None,
        "crossdomain off"
    );
    let v: serde_json::Value = serde_json::from_slice(&ok.body).expect("json");
    assert_ne!(v["data"]["self"]["argv"], "", "operators see argv");
}

#[test]
fn auth_without_credentials_is_a_config_error() {
    let text = "listen 1935;\nhttp_api { enabled on; auth { enabled on; username admin; } }\n";
    let err = srs_app::config::Config::parse_str(text, std::path::Path::new("t.conf"))
        .expect_err("no password");
    let msg = err.to_string();
    assert!(
        msg.contains("t.conf:2") && msg.contains("password"),
        "{msg}"
    );
}
