//! A small blocking HTTP/1.1 client for hook and heartbeat POSTs, used on
//! worker threads only.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// Largest answer body read from a hook server.
const MAX_ANSWER: usize = 64 * 1024;

/// `http://host[:port]/path?query` split up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpUrl {
    /// Host name or address.
    pub host: String,
    /// Port (80 by default).
    pub port: u16,
    /// Path with query, starting with `/`.
    pub path: String,
}

impl HttpUrl {
    /// Parses an `http://` URL; `https://` is refused with a clear message.
    pub fn parse(url: &str) -> Result<HttpUrl, String> {
        if url.starts_with("https://") {
            return Err(format!("{url}: https hooks are not supported, use http://"));
        }
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| format!("{url}: not an http:// URL"))?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (h, p.parse::<u16>().map_err(|_| format!("{url}: bad port"))?),
            None => (authority, 80),
        };
        if host.is_empty() {
            return Err(format!("{url}: no host"));
        }
        Ok(HttpUrl {
            host: host.to_string(),
            port,
            path: path.to_string(),
        })
    }
}

/// An answer: status and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// HTTP status code.
    pub status: u16,
    /// The body (at most 64 KiB).
    pub body: String,
}

/// POSTs `body` as JSON; the whole exchange must finish within `timeout`.
pub fn post_json(url: &str, body: &str, timeout: Duration) -> Result<Answer, String> {
    let u = HttpUrl::parse(url)?;
    let deadline = Instant::now() + timeout;
    let addrs: Vec<_> = (u.host.as_str(), u.port)
        .to_socket_addrs()
        .map_err(|e| format!("resolve {}: {e}", u.host))?
        .collect();
    let addr = addrs
        .first()
        .ok_or_else(|| format!("resolve {}: no address", u.host))?;
    let mut s =
        TcpStream::connect_timeout(addr, timeout).map_err(|e| format!("connect {addr}: {e}"))?;
    let left = |d: Instant| {
        d.saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1))
    };
    s.set_write_timeout(Some(left(deadline)))
        .map_err(|e| e.to_string())?;
    let request = format!(
        "POST {} HTTP/1.1\r\nHost: {}:{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\nUser-Agent: SRS-RS/{}\r\n\r\n{body}",
        u.path,
        u.host,
        u.port,
        body.len(),
        env!("CARGO_PKG_VERSION")
    );
    s.write_all(request.as_bytes())
        .map_err(|e| format!("send: {e}"))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        s.set_read_timeout(Some(left(deadline)))
            .map_err(|e| e.to_string())?;
        if Instant::now() >= deadline {
            return Err(format!("no answer within {} ms", timeout.as_millis()));
        }
        match s.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                if let Some(a) = complete_answer(&buf)? {
                    return Ok(a);
                }
                if buf.len() > MAX_ANSWER {
                    return Err("answer too large".into());
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Err(format!("no answer within {} ms", timeout.as_millis()))
            }
            Err(e) => return Err(format!("read: {e}")),
        }
    }
    complete_answer(&buf)?.map_or_else(
        || {
            parse_head(&buf).map(|(status, head_len)| Answer {
                status,
                body: String::from_utf8_lossy(&buf[head_len..]).into_owned(),
            })
        },
        Ok,
    )
}

fn parse_head(buf: &[u8]) -> Result<(u16, usize), String> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut resp = httparse::Response::new(&mut headers);
    match resp.parse(buf) {
        Ok(httparse::Status::Complete(n)) => Ok((resp.code.unwrap_or(0), n)),
        Ok(httparse::Status::Partial) => Err("connection closed before the answer's head".into()),
        Err(e) => Err(format!("bad answer: {e}")),
    }
}

/// The answer once its head and Content-Length body are in `buf`.
fn complete_answer(buf: &[u8]) -> Result<Option<Answer>, String> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut resp = httparse::Response::new(&mut headers);
    let head_len = match resp.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(format!("bad answer: {e}")),
    };
    let status = resp.code.unwrap_or(0);
    let length = resp
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("content-length"))
        .and_then(|h| std::str::from_utf8(h.value).ok())
        .and_then(|v| v.trim().parse::<usize>().ok());
    match length {
        Some(n) if buf.len() >= head_len + n => Ok(Some(Answer {
            status,
            body: String::from_utf8_lossy(&buf[head_len..head_len + n]).into_owned(),
        })),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn urls() {
        assert_eq!(
            HttpUrl::parse("http://127.0.0.1:8085/api/v1/clients").expect("url"),
            HttpUrl {
                host: "127.0.0.1".into(),
                port: 8085,
                path: "/api/v1/clients".into()
            }
        );
        assert_eq!(HttpUrl::parse("http://h").expect("url").path, "/");
        assert!(HttpUrl::parse("https://h/x")
            .expect_err("https")
            .contains("not supported"));
        assert!(HttpUrl::parse("ftp://h").is_err());
    }

    fn serve_once(answer: &'static [u8], delay: Duration) -> String {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = l.local_addr().expect("addr");
        std::thread::spawn(move || {
            if let Ok((mut s, _)) = l.accept() {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf);
                std::thread::sleep(delay);
                let _ = s.write_all(answer);
            }
        });
        format!("http://{addr}/hook")
    }

    #[test]
    fn posts_and_reads_answers() {
        let url = serve_once(
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n0",
            Duration::ZERO,
        );
        let a = post_json(&url, "{}", Duration::from_secs(2)).expect("answer");
        assert_eq!(
            a,
            Answer {
                status: 200,
                body: "0".into()
            }
        );
        let url = serve_once(b"HTTP/1.0 403 Forbidden\r\n\r\nno", Duration::ZERO);
        let a = post_json(&url, "{}", Duration::from_secs(2)).expect("answer");
        assert_eq!((a.status, a.body.as_str()), (403, "no"));
    }

    #[test]
    fn slow_and_missing_servers_are_errors() {
        let url = serve_once(
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n0",
            Duration::from_millis(800),
        );
        let e = post_json(&url, "{}", Duration::from_millis(200)).expect_err("timeout");
        assert!(e.contains("no answer"), "{e}");
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = l.local_addr().expect("addr");
        drop(l);
        assert!(post_json(&format!("http://{addr}/"), "{}", Duration::from_secs(1)).is_err());
    }
}
