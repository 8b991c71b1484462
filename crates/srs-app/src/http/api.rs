//! The HTTP API (`http_api { enabled on; listen 1985; }`): SRS's JSON
//! answers, every one `{"code": 0, ...}`.

use serde_json::{json, Value};

use super::request::Request;
use super::response;
use crate::server::Server;

/// SRS's error code for an unknown API path.
pub const ERROR_NOT_FOUND: i64 = 3011;

/// An API answer: HTTP status and JSON body.
pub struct ApiAnswer {
    /// HTTP status.
    pub status: u16,
    /// The JSON body.
    pub body: Value,
}

impl ApiAnswer {
    fn ok(body: Value) -> Self {
        ApiAnswer { status: 200, body }
    }

    /// The whole HTTP response.
    pub fn into_response(self, keep_alive: bool) -> Vec<u8> {
        let text = self.body.to_string();
        response::simple(self.status, "application/json", text.as_bytes(), keep_alive)
    }
}

/// Answers one API request.
pub fn handle(server: &Server, req: &Request) -> ApiAnswer {
    let path = req.path.trim_end_matches('/');
    match (req.method.as_str(), path) {
        ("GET", "/api/v1/versions") => {
            let version = env!("CARGO_PKG_VERSION");
            let mut parts = version.split('.').map(|p| p.parse::<u64>().unwrap_or(0));
            ApiAnswer::ok(json!({
                "code": 0,
                "server": server.server_id(),
                "data": {
                    "major": parts.next().unwrap_or(0),
                    "minor": parts.next().unwrap_or(0),
                    "revision": parts.next().unwrap_or(0),
                    "version": version,
                }
            }))
        }
        _ => ApiAnswer {
            status: 404,
            body: json!({"code": ERROR_NOT_FOUND, "server": server.server_id()}),
        },
    }
}
