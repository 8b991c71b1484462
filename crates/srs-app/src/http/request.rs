//! Incremental HTTP/1.x request parsing with httparse, with limits.

use bytes::{Buf, BytesMut};

/// Largest request head (request line + headers) accepted.
pub const MAX_HEAD: usize = 8 * 1024;
/// Largest request body accepted.
pub const MAX_BODY: usize = 64 * 1024;
const MAX_HEADERS: usize = 48;

/// A parsed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `POST`...
    pub method: String,
    /// Path without the query, still percent-encoded.
    pub path: String,
    /// Query string without `?` (empty when none).
    pub query: String,
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    pub minor_version: u8,
    /// Header names lower-cased, in order.
    pub headers: Vec<(String, String)>,
    /// The body (Content-Length bytes).
    pub body: Vec<u8>,
}

impl Request {
    /// The first header of that (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the connection stays open after the answer.
    pub fn keep_alive(&self) -> bool {
        let conn = self.header("connection").map(|v| v.to_ascii_lowercase());
        match self.minor_version {
            0 => conn.as_deref() == Some("keep-alive"),
            _ => conn.as_deref() != Some("close"),
        }
    }

    /// The value of a query parameter.
    pub fn query_param(&self, key: &str) -> Option<&str> {
        self.query
            .split('&')
            .filter_map(|kv| kv.split_once('=').or(Some((kv, ""))))
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }
}

/// Why a request was refused before routing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError {
    /// Malformed request (400).
    Malformed(String),
    /// Head larger than [`MAX_HEAD`] (431).
    HeadTooLarge,
    /// Body larger than [`MAX_BODY`] (413).
    BodyTooLarge,
}

/// Parses one request from the front of `buf`, consuming it; `Ok(None)` = need more bytes.
pub fn parse(buf: &mut BytesMut) -> Result<Option<Request>, RequestError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    let head_len = match req.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => {
            return if buf.len() > MAX_HEAD {
                Err(RequestError::HeadTooLarge)
            } else {
                Ok(None)
            };
        }
        Err(httparse::Error::TooManyHeaders) => return Err(RequestError::HeadTooLarge),
        Err(e) => return Err(RequestError::Malformed(e.to_string())),
    };
    if head_len > MAX_HEAD {
        return Err(RequestError::HeadTooLarge);
    }
    let method = req.method.unwrap_or_default().to_string();
    let target = req.path.unwrap_or_default();
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (target.to_string(), String::new()),
    };
    let headers: Vec<(String, String)> = req
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_ascii_lowercase(),
                String::from_utf8_lossy(h.value).into_owned(),
            )
        })
        .collect();
    let minor_version = req.version.unwrap_or(1);
    if headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && !v.eq_ignore_ascii_case("identity"))
    {
        return Err(RequestError::Malformed(
            "chunked request bodies are not supported".into(),
        ));
    }
    let body_len = content_length(&headers)?;
    if body_len > MAX_BODY {
        return Err(RequestError::BodyTooLarge);
    }
    if buf.len() < head_len + body_len {
        return Ok(None);
    }
    buf.advance(head_len);
    let body = buf.split_to(body_len).to_vec();
    Ok(Some(Request {
        method,
        path,
        query,
        minor_version,
        headers,
        body,
    }))
}

/// Decodes `%XX` escapes; `None` for a bad escape or a decoded NUL.
pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    if out.contains(&0) {
        return None;
    }
    String::from_utf8(out).ok()
}

/// The body length: every Content-Length header must be plain digits and
/// all must agree (RFC 9110 section 8.6); anything else is how request
/// smuggling starts, so it is refused.
fn content_length(headers: &[(String, String)]) -> Result<usize, RequestError> {
    let mut found: Option<usize> = None;
    for (_, v) in headers.iter().filter(|(n, _)| n == "content-length") {
        let v = v.trim();
        let n = (!v.is_empty() && v.len() <= 19 && v.bytes().all(|b| b.is_ascii_digit()))
            .then(|| v.parse::<usize>().ok())
            .flatten()
            .ok_or_else(|| RequestError::Malformed(format!("bad Content-Length {v:?}")))?;
        if found.is_some_and(|f| f != n) {
            return Err(RequestError::Malformed(
                "conflicting Content-Length headers".into(),
            ));
        }
        found = Some(n);
    }
    Ok(found.unwrap_or(0))
}

#[cfg(test)]
impl Request {
    /// An HTTP/1.1 request without query or body, for unit tests.
    pub(crate) fn for_test(method: &str, path: &str, headers: &[(&str, &str)]) -> Request {
        Request {
            method: method.into(),
            path: path.into(),
            query: String::new(),
            minor_version: 1,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_split_at_every_offset() {
        let raw = b"GET /live/s.m3u8?x=1&y HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.0\r\n\r\n";
        for split in 0..raw.len() {
            let mut buf = BytesMut::new();
            buf.extend_from_slice(&raw[..split]);
            let mut got = Vec::new();
            if let Some(r) = parse(&mut buf).expect("valid") {
                got.push(r);
            }
            buf.extend_from_slice(&raw[split..]);
            while let Some(r) = parse(&mut buf).expect("valid") {
                got.push(r);
            }
            assert_eq!(got.len(), 2, "split {split}");
            assert_eq!(got[0].path, "/live/s.m3u8");
            assert_eq!(got[0].query_param("x"), Some("1"));
            assert_eq!(got[0].query_param("y"), Some(""));
            assert_eq!(got[0].body, b"abc");
            assert!(got[0].keep_alive());
            assert!(!got[1].keep_alive());
            assert!(buf.is_empty());
        }
    }

    #[test]
    fn limits_and_garbage() {
        let mut buf = BytesMut::from(&b"GET / HTTP/1.1\r\nX: "[..]);
        buf.extend_from_slice(&vec![b'a'; MAX_HEAD + 10]);
        assert_eq!(parse(&mut buf), Err(RequestError::HeadTooLarge));
        let mut buf = BytesMut::from(&b"POST / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n"[..]);
        assert_eq!(parse(&mut buf), Err(RequestError::BodyTooLarge));
        let mut buf = BytesMut::from(&b"\x00\x01\x02 garbage\r\n\r\n"[..]);
        assert!(matches!(parse(&mut buf), Err(RequestError::Malformed(_))));
    }

    #[test]
    fn content_length_is_strict() {
        for bad in [
            "Content-Length: +5",
            "Content-Length: -1",
            "Content-Length: 5x",
            "Content-Length: 0x5",
            "Content-Length: 5 5",
            "Content-Length:",
            "Content-Length: 5\r\nContent-Length: 6",
            "Content-Length: 99999999999999999999999",
        ] {
            let raw = format!("POST / HTTP/1.1\r\n{bad}\r\n\r\nhello");
            let mut buf = BytesMut::from(raw.as_bytes());
            assert!(
                matches!(parse(&mut buf), Err(RequestError::Malformed(_))),
                "{bad:?}"
            );
        }
        let raw = "POST / HTTP/1.1\r\nContent-Length: 5\r\ncontent-length:  5 \r\n\r\nhello";
        let mut buf = BytesMut::from(raw.as_bytes());
        let r = parse(&mut buf)
            .expect("equal duplicates pass")
            .expect("complete");
        assert_eq!(r.body, b"hello");
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("/a%20b").as_deref(), Some("/a b"));
        assert_eq!(percent_decode("/%2e%2e/etc").as_deref(), Some("/../etc"));
        assert_eq!(percent_decode("/%zz"), None);
        assert_eq!(percent_decode("/a%00"), None);
        assert_eq!(percent_decode("/a%2"), None);
    }
}
