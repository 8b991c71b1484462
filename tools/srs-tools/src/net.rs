//! From an RTMP URL to a connected blocking client.

use std::io;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use srs_rtmp::blocking::Client;
use srs_rtmp::session::client::ClientConfig;
use srs_rtmp::url::RequestUrl;
use srs_rtmp::RtmpError;

use crate::error::{ToolError, ToolResult};

/// How long to wait for the TCP connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Read / write timeout while handshaking and connecting.
pub const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// The parts of `rtmp://host[:port]/app/stream` a tool needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Host to connect to (without IPv6 brackets).
    pub host: String,
    /// TCP port (1935 when the URL has none).
    pub port: u16,
    /// The application.
    pub app: String,
    /// The stream name, with any `?params`.
    pub stream: String,
}

/// Parses and checks an RTMP URL; the stream part is required.
pub fn parse_url(url: &str) -> ToolResult<Target> {
    let (config, stream) =
        ClientConfig::from_url(url).map_err(|e| ToolError::usage(format!("bad URL: {e}")))?;
    let req = RequestUrl::from_connect(&config.tc_url, "")
        .map_err(|e| ToolError::usage(format!("bad URL {url:?}: {e}")))?;
    if stream.is_empty() {
        return Err(ToolError::usage(format!(
            "URL {url:?} has no stream, expected rtmp://host[:port]/app/stream"
        )));
    }
    let host = req
        .host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    Ok(Target {
        host,
        port: req.port,
        app: config.app,
        stream,
    })
}

/// Opens a TCP connection to `host:port` (trying each resolved address) with
/// [`IO_TIMEOUT`] read and write timeouts and Nagle disabled.
pub fn connect_tcp(host: &str, port: u16) -> ToolResult<TcpStream> {
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| ToolError::new(format!("cannot resolve {host}: {e}")))?
        .collect();
    let mut last = None;
    for addr in &addrs {
        match TcpStream::connect_timeout(addr, CONNECT_TIMEOUT) {
            Ok(s) => {
                s.set_read_timeout(Some(IO_TIMEOUT))?;
                s.set_write_timeout(Some(IO_TIMEOUT))?;
                s.set_nodelay(true)?;
                return Ok(s);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        Some(e) => ToolError::new(format!("cannot connect to {host}:{port}: {e}")),
        None => ToolError::new(format!("{host} resolved to no address")),
    })
}

/// Connects to the URL: TCP, handshake and RTMP `connect` to its app.
/// Call `play()` or `publish()` on the result.
pub fn connect(url: &str) -> ToolResult<Client<TcpStream>> {
    let target = parse_url(url)?;
    let tcp = connect_tcp(&target.host, target.port)?;
    Client::connect(tcp, url).map_err(|e| rtmp_error(e, url))
}

/// Describes an RTMP failure with the URL it concerns.
pub fn rtmp_error(e: RtmpError, url: &str) -> ToolError {
    match e {
        RtmpError::Refused { code, description } => ToolError::new(format!(
            "{url}: refused by the server: {code} ({description})"
        )),
        other => ToolError::new(format!("{url}: {other}")),
    }
}

/// True when the error is a read timeout (the stream is still usable: nothing was consumed).
pub fn is_timeout(e: &RtmpError) -> bool {
    match e {
        RtmpError::Io(io) => matches!(
            io.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
        ),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let t = parse_url("rtmp://127.0.0.1:19350/live/livestream").unwrap();
        assert_eq!(
            t,
            Target {
                host: "127.0.0.1".into(),
                port: 19350,
                app: "live".into(),
                stream: "livestream".into()
            }
        );
        let t = parse_url("rtmp://example.com/live/s?vhost=v").unwrap();
        assert_eq!((t.port, t.stream.as_str()), (1935, "s?vhost=v"));
        let t = parse_url("rtmp://[::1]:1936/live/s").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("::1", 1936));
        for bad in [
            "http://h/live/s",
            "rtmp://h/live",
            "rtmp://h:notaport/live/s",
            "rtmp:///live/s",
            "nonsense",
        ] {
            let e = parse_url(bad).unwrap_err();
            assert!(e.usage, "{bad}: {e}");
        }
    }

    #[test]
    fn timeouts_are_recognised() {
        assert!(is_timeout(&RtmpError::Io(io::ErrorKind::WouldBlock.into())));
        assert!(is_timeout(&RtmpError::Io(io::ErrorKind::TimedOut.into())));
        assert!(!is_timeout(&RtmpError::Io(
            io::ErrorKind::ConnectionReset.into()
        )));
        assert!(!is_timeout(&RtmpError::Protocol("x".into())));
    }

    #[test]
    fn refused_message() {
        let e = rtmp_error(
            RtmpError::Refused {
                code: "NetStream.Publish.BadName".into(),
                description: "busy".into(),
            },
            "rtmp://h/a/s",
        );
        assert!(e.message.contains("NetStream.Publish.BadName"), "{e}");
    }
}
