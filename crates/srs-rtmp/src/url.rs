//! The request identity of an RTMP client: vhost, app and stream, found from
//! the connect's `tcUrl` and the stream name the way SRS does.
//!
//! `rtmp://host[:port]/app[?query]`: the vhost is the host unless a `vhost`
//! parameter overrides it, in the app or the stream part. Old clients that
//! cannot send `?` write `...vhost...name` or use `,` / `&&` separators.

use crate::error::RtmpError;
use crate::name::{check_app, check_stream, check_vhost, BadName};

/// Default RTMP port.
pub const DEFAULT_PORT: u16 = 1935;

/// Where a client wants to go.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RequestUrl {
    /// `rtmp` (or whatever the URL said).
    pub schema: String,
    /// Host part of the tcUrl.
    pub host: String,
    /// Port of the tcUrl (1935 by default).
    pub port: u16,
    /// Virtual host: the host, or the `vhost` parameter.
    pub vhost: String,
    /// Application, without parameters.
    pub app: String,
    /// Stream name, without parameters; empty until a publish/play.
    pub stream: String,
    /// Query parameters as sent, including the leading `?` (empty when none).
    pub param: String,
}

/// Turns SRS's alternative separators into a plain query string.
fn normalize_query(q: &str) -> String {
    q.replace("...", "?")
        .replace("&&", "&")
        .replace(',', "&")
        .replace("vhost?", "vhost=")
}

/// Splits `name[?query]` (also `name...query`) into the name and the normalized query (without `?`).
fn split_query(s: &str) -> (String, String) {
    let normalized = s.replacen("...", "?", 1);
    match normalized.split_once('?') {
        Some((name, q)) => (name.to_string(), normalize_query(q)),
        None => (normalized, String::new()),
    }
}

/// Looks up `key` in a query string `a=b&c=d` (also `vhost?x` after normalization).
pub fn query_value<'a>(query: &'a str, key: &str) -> Option<&'a str> {
    query
        .split(['&', '?'])
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v)
}

impl RequestUrl {
    /// Parses the connect's tcUrl and app. The app field of the command object
    /// wins over the path of the tcUrl when present. The app and vhost must
    /// pass [`crate::name`]'s checks.
    pub fn from_connect(tc_url: &str, app_field: &str) -> Result<RequestUrl, RtmpError> {
        let (schema, rest) = tc_url
            .split_once("://")
            .ok_or_else(|| RtmpError::Protocol(format!("tcUrl {tc_url:?} has no schema")))?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => {
                let port = p.parse::<u16>().map_err(|_| {
                    RtmpError::Protocol(format!("tcUrl {tc_url:?} has a bad port {p:?}"))
                })?;
                (h.to_string(), port)
            }
            _ => (authority.to_string(), DEFAULT_PORT),
        };
        if host.is_empty() {
            return Err(RtmpError::Protocol(format!("tcUrl {tc_url:?} has no host")));
        }
        let app_source = if app_field.is_empty() {
            path
        } else {
            app_field
        };
        let (app, query) = split_query(app_source.trim_matches('/'));
        let mut url = RequestUrl {
            schema: schema.to_string(),
            host: host.clone(),
            port,
            vhost: host,
            app,
            stream: String::new(),
            param: if query.is_empty() {
                String::new()
            } else {
                format!("?{query}")
            },
        };
        // The vhost parameter may be in the app field or only in the tcUrl
        // (rtmp://ip/live?vhost=X with app "live"): SRS 1.0 takes either.
        let (_, tc_query) = split_query(path.trim_matches('/'));
        let vhost = query_value(&query, "vhost")
            .filter(|v| !v.is_empty())
            .or_else(|| query_value(&tc_query, "vhost").filter(|v| !v.is_empty()));
        if let Some(v) = vhost {
            url.vhost = v.to_string();
        }
        if url.param.is_empty() && !tc_query.is_empty() {
            url.param = format!("?{tc_query}");
        }
        check_app(&url.app)?;
        check_vhost(&url.vhost)?;
        Ok(url)
    }

    /// Sets the stream from a publish/play name, which may carry its own parameters
    /// (`stream?vhost=x&token=y`); a `vhost` there overrides the connect's.
    /// A stream or vhost that fails [`crate::name`]'s checks leaves `self`
    /// unchanged.
    pub fn set_stream(&mut self, name: &str) -> Result<(), BadName> {
        let (stream, query) = split_query(name);
        check_stream(&stream)?;
        let vhost = query_value(&query, "vhost").filter(|v| !v.is_empty());
        if let Some(v) = vhost {
            check_vhost(v)?;
        }
        if let Some(v) = vhost {
            self.vhost = v.to_string();
        }
        self.stream = stream;
        if !query.is_empty() {
            self.param = format!("?{query}");
        }
        Ok(())
    }

    /// The `vhost/app/stream` key of the stream.
    pub fn stream_key(&self) -> String {
        format!("{}/{}/{}", self.vhost, self.app, self.stream)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_tc_url() {
        let u = RequestUrl::from_connect("rtmp://127.0.0.1:19350/live", "live").expect("parses");
        assert_eq!(u.host, "127.0.0.1");
        assert_eq!(u.port, 19350);
        assert_eq!(u.vhost, "127.0.0.1");
        assert_eq!(u.app, "live");
        assert_eq!(u.param, "");
    }

    #[test]
    fn default_port_and_app_from_path() {
        let u = RequestUrl::from_connect("rtmp://demo.srs.com/live/", "").expect("parses");
        assert_eq!(u.port, 1935);
        assert_eq!(u.app, "live");
        assert_eq!(u.vhost, "demo.srs.com");
    }

    #[test]
    fn vhost_overrides() {
        let u = RequestUrl::from_connect(
            "rtmp://127.0.0.1/live?vhost=demo.com",
            "live?vhost=demo.com",
        )
        .expect("parses");
        assert_eq!(u.vhost, "demo.com");
        assert_eq!(u.app, "live");
        let u = RequestUrl::from_connect(
            "rtmp://127.0.0.1/live...vhost...demo.com",
            "live...vhost...demo.com",
        )
        .expect("parses");
        assert_eq!(u.app, "live");
        assert_eq!(u.vhost, "demo.com");
        let mut u = RequestUrl::from_connect("rtmp://127.0.0.1/live", "live").expect("parses");
        u.set_stream("livestream?vhost=other.com&token=abc")
            .expect("valid");
        assert_eq!(u.stream, "livestream");
        assert_eq!(u.vhost, "other.com");
        assert_eq!(u.param, "?vhost=other.com&token=abc");
        assert_eq!(u.stream_key(), "other.com/live/livestream");
    }

    #[test]
    fn vhost_from_the_tc_url_when_the_app_field_has_none() {
        let u = RequestUrl::from_connect("rtmp://127.0.0.1/live?vhost=demo.com", "live")
            .expect("parses");
        assert_eq!((u.app.as_str(), u.vhost.as_str()), ("live", "demo.com"));
        assert_eq!(u.param, "?vhost=demo.com");
        // The app field's own parameter wins.
        let u =
            RequestUrl::from_connect("rtmp://127.0.0.1/live?vhost=tc.com", "live?vhost=app.com")
                .expect("parses");
        assert_eq!(u.vhost, "app.com");
    }

    #[test]
    fn dangerous_names_are_refused() {
        assert!(RequestUrl::from_connect("rtmp://h/../x", "").is_err());
        assert!(RequestUrl::from_connect("rtmp://h/live", "../x").is_err());
        assert!(RequestUrl::from_connect("rtmp://h/live", "li\nve").is_err());
        assert!(RequestUrl::from_connect("rtmp://h/live?vhost=a/b", "").is_err());
        let mut u = RequestUrl::from_connect("rtmp://h/live", "live").expect("parses");
        assert!(u.set_stream("../../y").is_err());
        assert!(u.set_stream("a\nb").is_err());
        assert!(u.set_stream("s?vhost=../..").is_err());
        assert_eq!(u.stream, "");
        assert_eq!(u.vhost, "h");
        assert!(u.set_stream("s?vhost=ok.com").is_ok());
        assert_eq!(u.stream_key(), "ok.com/live/s");
    }

    #[test]
    fn bad_urls_are_errors() {
        assert!(RequestUrl::from_connect("127.0.0.1/live", "live").is_err());
        assert!(RequestUrl::from_connect("rtmp://:1935/live", "live").is_err());
        assert!(RequestUrl::from_connect("rtmp://h:99999/live", "live").is_err());
    }
}
