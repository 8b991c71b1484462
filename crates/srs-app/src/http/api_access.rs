//! Who may use the HTTP API: HTTP Basic credentials (SRS 5's
//! `http_api { auth { ... } }`) and the same-origin rule for requests that
//! change state (a page on another site must never kick a client).

use super::request::Request;
use crate::config::ApiAuth;

/// Why an API request is refused before it is routed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No or wrong credentials: 401 with a Basic challenge.
    Unauthorized,
    /// A state-changing request sent by a page of another origin: 403.
    CrossOrigin,
}

/// Checks `req` against the API's access rules.
pub fn check(req: &Request, auth: Option<&ApiAuth>) -> Result<(), Refusal> {
    if let Some(auth) = auth {
        if !credentials_match(req.header("authorization"), auth) {
            return Err(Refusal::Unauthorized);
        }
    }
    if changes_state(&req.method) && is_cross_origin(req) {
        return Err(Refusal::CrossOrigin);
    }
    Ok(())
}

/// Methods other than the read-only ones (kicks are DELETE).
fn changes_state(method: &str) -> bool {
    !matches!(method, "GET" | "HEAD" | "OPTIONS")
}

/// A browser names the page's origin in `Origin`; it must be this server
/// (`Host`). Clients that are not browsers (curl, scripts) send no Origin.
fn is_cross_origin(req: &Request) -> bool {
    let Some(origin) = req.header("origin") else {
        return false;
    };
    let origin_host = origin
        .split_once("://")
        .map_or(origin, |(_, rest)| rest)
        .trim_end_matches('/');
    match req.header("host") {
        Some(host) => !origin_host.eq_ignore_ascii_case(host.trim()),
        None => true,
    }
}

/// Whether an `Authorization: Basic ...` header carries these credentials.
fn credentials_match(header: Option<&str>, auth: &ApiAuth) -> bool {
    let Some(encoded) = header.and_then(|h| {
        let (scheme, value) = h.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("basic").then_some(value.trim())
    }) else {
        return false;
    };
    let Some(decoded) = base64_decode(encoded) else {
        return false;
    };
    let expected = format!("{}:{}", auth.username, auth.password);
    constant_time_eq(&decoded, expected.as_bytes())
}

/// Compares without an early exit, so timing does not tell how much matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for (i, &x) in a.iter().enumerate() {
        diff |= usize::from(x ^ b.get(i).copied().unwrap_or(!x));
    }
    diff == 0
}

/// Standard base64 (RFC 4648, with padding optional).
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let body = text.trim_end_matches('=');
    if body.len() % 4 == 1 || text.len() > 4096 {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    for group in body.as_bytes().chunks(4) {
        let mut acc = 0u32;
        for &c in group {
            acc = (acc << 6) | value(c)?;
        }
        let bits = group.len() * 6;
        acc <<= 24 - bits;
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(&bytes[1..1 + bits / 8]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: &str, headers: &[(&str, &str)]) -> Request {
        Request::for_test(method, "/api/v1/clients/1", headers)
    }

    fn admin() -> ApiAuth {
        ApiAuth {
            username: "admin".into(),
            password: "s3cret".into(),
        }
    }

    #[test]
    fn base64_round_trips_known_vectors() {
        assert_eq!(
            base64_decode("YWRtaW46czNjcmV0").as_deref(),
            Some(&b"admin:s3cret"[..])
        );
        assert_eq!(base64_decode("Zg==").as_deref(), Some(&b"f"[..]));
        assert_eq!(base64_decode("Zm8=").as_deref(), Some(&b"fo"[..]));
        assert_eq!(base64_decode("Zm9v").as_deref(), Some(&b"foo"[..]));
        assert_eq!(base64_decode("Z"), None);
        assert_eq!(base64_decode("Zm9v!"), None);
    }

    #[test]
    fn basic_credentials() {
        let a = admin();
        let ok = req("GET", &[("authorization", "Basic YWRtaW46czNjcmV0")]);
        assert_eq!(check(&ok, Some(&a)), Ok(()));
        let lower = req("GET", &[("authorization", "basic YWRtaW46czNjcmV0")]);
        assert_eq!(check(&lower, Some(&a)), Ok(()));
        for bad in [
            "",
            "Basic",
            "Basic YWRtaW46d3Jvbmc=",
            "Bearer YWRtaW46czNjcmV0",
        ] {
            let r = req("GET", &[("authorization", bad)]);
            assert_eq!(check(&r, Some(&a)), Err(Refusal::Unauthorized), "{bad}");
        }
        assert_eq!(
            check(&req("GET", &[]), Some(&a)),
            Err(Refusal::Unauthorized)
        );
        assert_eq!(check(&req("GET", &[]), None), Ok(()));
    }

    #[test]
    fn state_changes_only_from_the_same_origin() {
        let same = req(
            "DELETE",
            &[
                ("origin", "http://127.0.0.1:1985"),
                ("host", "127.0.0.1:1985"),
            ],
        );
        assert_eq!(check(&same, None), Ok(()));
        let other = req(
            "DELETE",
            &[
                ("origin", "http://evil.example"),
                ("host", "127.0.0.1:1985"),
            ],
        );
        assert_eq!(check(&other, None), Err(Refusal::CrossOrigin));
        let no_origin = req("DELETE", &[("host", "127.0.0.1:1985")]);
        assert_eq!(check(&no_origin, None), Ok(()));
        let read = req("GET", &[("origin", "http://evil.example"), ("host", "x")]);
        assert_eq!(check(&read, None), Ok(()));
    }

    #[test]
    fn comparison_is_exact() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(b"", b"a"));
    }
}
