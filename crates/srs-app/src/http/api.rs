//! The HTTP API answers (`http_api { enabled on; listen 1985; }`): SRS's
//! JSON, every one `{"code": 0, ...}`, and the Prometheus text format.

use serde_json::{json, Value};

use super::response;

/// SRS's error code for an unknown API path.
pub const ERROR_NOT_FOUND: i64 = 3011;
/// SRS's error code for an unknown stream, client or vhost id.
pub const ERROR_NOT_EXISTS: i64 = 1063;

/// An API answer: HTTP status, content type and body.
pub struct ApiAnswer {
    /// HTTP status.
    pub status: u16,
    /// Content type.
    pub content_type: &'static str,
    /// The body.
    pub body: String,
}

impl ApiAnswer {
    /// A 200 JSON answer.
    pub fn json(body: Value) -> Self {
        ApiAnswer {
            status: 200,
            content_type: "application/json",
            body: body.to_string(),
        }
    }

    /// A JSON error answer `{"code": code, "server": id}`.
    pub fn error(status: u16, code: i64, server_id: u32) -> Self {
        ApiAnswer {
            status,
            content_type: "application/json",
            body: json!({"code": code, "server": server_id}).to_string(),
        }
    }

    /// A Prometheus text answer.
    pub fn metrics(text: String) -> Self {
        ApiAnswer {
            status: 200,
            content_type: "text/plain; version=0.0.4",
            body: text,
        }
    }

    /// The whole HTTP response; CORS headers when `cors` (`crossdomain on`),
    /// plus `extra` headers.
    pub fn into_response(self, keep_alive: bool, cors: bool, extra: &[(&str, String)]) -> Vec<u8> {
        let mut v = response::head_cors(
            self.status,
            self.content_type,
            Some(self.body.len() as u64),
            keep_alive,
            cors,
            extra,
        )
        .into_bytes();
        v.extend_from_slice(self.body.as_bytes());
        v
    }
}

/// Builds a Prometheus text exposition: each metric family once, with its
/// help and type, then its samples.
#[derive(Default)]
pub struct MetricsText {
    out: String,
}

/// Escapes a label value for the text format.
fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl MetricsText {
    /// Starts a family.
    pub fn family(&mut self, name: &str, kind: &str, help: &str) -> &mut Self {
        self.out
            .push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
        self
    }

    /// Adds a sample of the current family.
    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) -> &mut Self {
        self.out.push_str(name);
        if !labels.is_empty() {
            let inner: Vec<String> = labels
                .iter()
                .map(|(k, v)| format!("{k}=\"{}\"", escape_label(v)))
                .collect();
            self.out.push('{');
            self.out.push_str(&inner.join(","));
            self.out.push('}');
        }
        self.out.push_str(&format!(" {value}\n"));
        self
    }

    /// A family with one unlabelled sample.
    pub fn single(&mut self, name: &str, kind: &str, help: &str, value: f64) -> &mut Self {
        self.family(name, kind, help).sample(name, &[], value)
    }

    /// The text.
    pub fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_text_shape() {
        let mut m = MetricsText::default();
        m.single("srs_connections", "gauge", "Open connections.", 3.0);
        m.family("srs_stream_recv_kbps", "gauge", "Receive rate.")
            .sample("srs_stream_recv_kbps", &[("stream", "a\"b")], 512.0);
        let t = m.finish();
        assert!(t.contains("# TYPE srs_connections gauge\nsrs_connections 3\n"));
        assert!(t.contains("srs_stream_recv_kbps{stream=\"a\\\"b\"} 512\n"));
    }
}
