//! The web console, embedded in the binary (`crates/srs-app/console/`): a
//! plain HTML page, its stylesheet and script, and the vendored players
//! (hls.js, mpegts.js) with their licenses. The HTTP server answers `/console/...`
//! from here, and `/` or `/index.html` when its directory has no `index.html`;
//! docs/console.md says why.

use std::sync::OnceLock;

use super::request::Request;
use super::response;

/// One embedded file.
pub struct ConsoleFile {
    /// Its name under `/console/`.
    pub name: &'static str,
    /// Its content type.
    pub content_type: &'static str,
    /// Its bytes.
    pub body: &'static [u8],
}

/// Compile-time table of the embedded files; `include_bytes!` needs literal paths.
macro_rules! console_files {
    ($(($name:literal, $ty:expr)),* $(,)?) => {
        &[$(ConsoleFile {
            name: $name,
            content_type: $ty,
            body: include_bytes!(concat!("../../console/", $name)),
        }),*]
    };
}

const HTML: &str = "text/html; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "application/javascript; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

/// Every file of the console. Licenses are served too: they travel with the code.
pub static FILES: &[ConsoleFile] = console_files![
    ("index.html", HTML),
    ("console.css", CSS),
    ("console.js", JS),
    ("vendor/README.md", TEXT),
    ("vendor/hls.js/hls.min.js", JS),
    ("vendor/hls.js/LICENSE", TEXT),
    ("vendor/mpegts.js/mpegts.js", JS),
    ("vendor/mpegts.js/mpegts.js.LICENSE.txt", TEXT),
    ("vendor/mpegts.js/LICENSE", TEXT),
];

/// The page's policy: its own scripts only, media from this server (MSE
/// players use `blob:` URLs and hls.js a `blob:` worker), never framed (a
/// framed kick button could be clickjacked).
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
img-src 'self' data:; media-src 'self' blob:; worker-src 'self' blob:; \
connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The embedded file a request path (decoded) names, if any. `/` and
/// `/index.html` are the console only when `index_on_disk` says the HTTP
/// directory has no page of its own; `/console` and `/console/` are the page.
pub fn lookup(path: &str, index_on_disk: impl Fn() -> bool) -> Option<&'static ConsoleFile> {
    let name = match path {
        "/" | "/index.html" if !index_on_disk() => "index.html",
        "/console" | "/console/" => "index.html",
        _ => path.strip_prefix("/console/")?,
    };
    FILES.iter().find(|f| f.name == name)
}

/// Whether the HTTP server should hand `path` (decoded) to the API: the
/// console calls the API on its own origin (see docs/console.md).
pub fn is_api_path(path: &str) -> bool {
    path == "/api/v1" || path.starts_with("/api/v1/")
}

/// The strong validator of each file: FNV-1a of its bytes, computed once.
fn etag(file: &ConsoleFile) -> &'static str {
    static TAGS: OnceLock<Vec<String>> = OnceLock::new();
    let tags = TAGS.get_or_init(|| {
        FILES
            .iter()
            .map(|f| {
                let hash = f.body.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
                    (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
                });
                format!("\"{hash:016x}\"")
            })
            .collect()
    });
    FILES
        .iter()
        .position(|f| f.name == file.name)
        .and_then(|i| tags.get(i))
        .map_or("\"\"", String::as_str)
}

/// The whole answer to a GET or HEAD of `file`: `304` when the browser's
/// copy is current, else the bytes. `no-cache` makes browsers revalidate, so
/// a new binary's console shows at once.
pub fn answer(file: &ConsoleFile, req: &Request, keep_alive: bool) -> Vec<u8> {
    let tag = etag(file);
    let extra = [
        ("ETag", tag.to_string()),
        ("Cache-Control", "no-cache".to_string()),
        ("X-Content-Type-Options", "nosniff".to_string()),
        ("Content-Security-Policy", CSP.to_string()),
    ];
    let fresh = req
        .header("if-none-match")
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag));
    let (status, body) = if fresh {
        (304, &[][..])
    } else {
        (200, file.body)
    };
    let length = if fresh { None } else { Some(body.len() as u64) };
    let mut out =
        response::head(status, file.content_type, length, keep_alive, &extra).into_bytes();
    if req.method != "HEAD" {
        out.extend_from_slice(body);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(headers: &[(&str, &str)]) -> Request {
        Request::for_test("GET", "/console/", headers)
    }

    #[test]
    fn paths() {
        let page = |p: &str, disk: bool| lookup(p, || disk).map(|f| f.name);
        assert_eq!(page("/", false), Some("index.html"));
        assert_eq!(page("/", true), None);
        assert_eq!(page("/index.html", true), None);
        assert_eq!(page("/console", true), Some("index.html"));
        assert_eq!(page("/console/", true), Some("index.html"));
        assert_eq!(page("/console/console.js", true), Some("console.js"));
        assert_eq!(
            page("/console/vendor/hls.js/hls.min.js", true),
            Some("vendor/hls.js/hls.min.js")
        );
        assert_eq!(page("/console/nope.js", false), None);
        assert_eq!(page("/console/../Cargo.toml", false), None);
        assert_eq!(page("/live/a.m3u8", false), None);
        assert!(is_api_path("/api/v1/versions"));
        assert!(!is_api_path("/api/v10"));
        assert!(!is_api_path("/live/api/v1/x.m3u8"));
    }

    #[test]
    fn types_and_sizes() {
        for f in FILES {
            assert!(!f.body.is_empty(), "{}", f.name);
            let js = f.name.ends_with(".js");
            assert_eq!(f.content_type == JS, js, "{}", f.name);
            assert_eq!(f.content_type == HTML, f.name.ends_with(".html"));
            assert_eq!(f.content_type == CSS, f.name.ends_with(".css"));
            if f.name.contains("LICENSE") || f.name.ends_with(".md") {
                assert_eq!(f.content_type, TEXT);
            }
        }
    }

    #[test]
    fn revalidation() {
        let file = lookup("/console/", || true).expect("page");
        let full = String::from_utf8_lossy(&answer(file, &get(&[]), true)).into_owned();
        assert!(full.starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(full.contains("Content-Type: text/html; charset=utf-8\r\n"));
        assert!(full.contains("frame-ancestors 'none'"));
        let tag = full
            .lines()
            .find_map(|l| l.strip_prefix("ETag: "))
            .expect("etag")
            .to_string();
        let again = answer(file, &get(&[("if-none-match", &tag)]), true);
        let again = String::from_utf8_lossy(&again);
        assert!(
            again.starts_with("HTTP/1.1 304 Not Modified\r\n"),
            "{again}"
        );
        assert!(again.ends_with("\r\n\r\n"));
    }
}
