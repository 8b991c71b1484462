//! Response heads and small complete responses.

use std::fmt::Write;

/// The reason phrase of a status code.
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        401 => "Unauthorized",
        204 => "No Content",
        206 => "Partial Content",
        304 => "Not Modified",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Payload Too Large",
        416 => "Range Not Satisfiable",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

/// Builds a response head with `Access-Control-Allow-Origin: *` (files and
/// live streams are for any page). `content_length` None = no length
/// (stream until close).
pub fn head(
    status: u16,
    content_type: &str,
    content_length: Option<u64>,
    keep_alive: bool,
    extra: &[(&str, String)],
) -> String {
    head_cors(
        status,
        content_type,
        content_length,
        keep_alive,
        true,
        extra,
    )
}

/// [`head`] with the CORS header only when `cors`.
pub fn head_cors(
    status: u16,
    content_type: &str,
    content_length: Option<u64>,
    keep_alive: bool,
    cors: bool,
    extra: &[(&str, String)],
) -> String {
    let mut h = String::with_capacity(256);
    let _ = write!(h, "HTTP/1.1 {status} {}\r\n", reason(status));
    let _ = write!(h, "Server: SRS-RS/{}\r\n", env!("CARGO_PKG_VERSION"));
    let _ = write!(h, "Content-Type: {content_type}\r\n");
    if let Some(n) = content_length {
        let _ = write!(h, "Content-Length: {n}\r\n");
    }
    if cors {
        h.push_str("Access-Control-Allow-Origin: *\r\n");
    }
    h.push_str(if keep_alive {
        "Connection: keep-alive\r\n"
    } else {
        "Connection: close\r\n"
    });
    for (k, v) in extra {
        let _ = write!(h, "{k}: {v}\r\n");
    }
    h.push_str("\r\n");
    h
}

/// A complete response with a small body.
pub fn simple(status: u16, content_type: &str, body: &[u8], keep_alive: bool) -> Vec<u8> {
    let mut v = head(
        status,
        content_type,
        Some(body.len() as u64),
        keep_alive,
        &[],
    )
    .into_bytes();
    v.extend_from_slice(body);
    v
}

/// The answer to a CORS preflight. Only read-only methods are allowed
/// across origins: a page of another site may read, never change state.
pub fn preflight(keep_alive: bool, cors: bool) -> Vec<u8> {
    head_cors(
        200,
        "text/plain",
        Some(0),
        keep_alive,
        cors,
        &[
            ("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS".into()),
            (
                "Access-Control-Allow-Headers",
                "Content-Type, Range, Authorization".into(),
            ),
        ],
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads() {
        let h = head(
            206,
            "video/MP2T",
            Some(10),
            true,
            &[("Content-Range", "bytes 0-9/100".into())],
        );
        assert!(h.starts_with("HTTP/1.1 206 Partial Content\r\n"));
        assert!(h.contains("Content-Length: 10\r\n"));
        assert!(h.contains("Content-Range: bytes 0-9/100\r\n"));
        assert!(h.contains("Access-Control-Allow-Origin: *\r\n"));
        assert!(h.ends_with("\r\n\r\n"));
        let s = simple(404, "text/plain", b"nope", false);
        assert!(String::from_utf8_lossy(&s).ends_with("Connection: close\r\n\r\nnope"));
    }
}
