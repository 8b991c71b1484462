//! HTTP-FLV mounts: `[vhost]/[app]/[stream].flv` templates matched against
//! request paths.

use srs_rtmp::name::{check_app, check_stream};

/// A request path matched to a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountMatch {
    /// The app.
    pub app: String,
    /// The stream.
    pub stream: String,
}

/// Matches `path` (decoded, starting with `/`) against a vhost's mount
/// template. `[vhost]` is the vhost's name, or nothing for `__defaultVhost__`.
pub fn match_mount(template: &str, vhost: &str, path: &str) -> Option<MountMatch> {
    let template = if vhost == crate::config::DEFAULT_VHOST {
        template.replace("[vhost]/", "").replace("[vhost]", "")
    } else {
        template.replace("[vhost]", vhost)
    };
    let t: Vec<&str> = template.trim_start_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    if t.len() != p.len() {
        return None;
    }
    let mut app = String::new();
    let mut stream = String::new();
    for (ts, ps) in t.iter().zip(&p) {
        if let Some(pos) = ts.find('[') {
            let (prefix, rest) = ts.split_at(pos);
            let end = rest.find(']')?;
            let var = &rest[1..end];
            let suffix = &rest[end + 1..];
            let value = ps.strip_prefix(prefix)?.strip_suffix(suffix)?;
            match var {
                "app" => app = value.to_string(),
                "stream" => stream = value.to_string(),
                _ => return None,
            }
        } else if ts != ps {
            return None;
        }
    }
    // Names from a URL are as untrusted as names from an RTMP client.
    if check_app(&app).is_err() || check_stream(&stream).is_err() {
        return None;
    }
    Some(MountMatch { app, stream })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_vhost_drops_the_vhost_part() {
        let m = match_mount(
            "[vhost]/[app]/[stream].flv",
            "__defaultVhost__",
            "/live/livestream.flv",
        );
        assert_eq!(
            m,
            Some(MountMatch {
                app: "live".into(),
                stream: "livestream".into()
            })
        );
        assert_eq!(
            match_mount(
                "[vhost]/[app]/[stream].flv",
                "__defaultVhost__",
                "/live/s.ts"
            ),
            None
        );
        assert_eq!(
            match_mount(
                "[vhost]/[app]/[stream].flv",
                "__defaultVhost__",
                "/a/b/s.flv"
            ),
            None
        );
    }

    #[test]
    fn unsafe_names_do_not_match() {
        let t = "[vhost]/[app]/[stream].flv";
        let d = "__defaultVhost__";
        for p in [
            "/../s.flv",
            "/live/...flv",
            "/live/a\nb.flv",
            "/live/a\\b.flv",
            "/./s.flv",
        ] {
            assert_eq!(match_mount(t, d, p), None, "{p:?}");
        }
        let long = format!("/live/{}.flv", "s".repeat(201));
        assert_eq!(match_mount(t, d, &long), None);
    }

    #[test]
    fn named_vhost_and_fixed_parts() {
        let m = match_mount(
            "[vhost]/[app]/[stream].flv",
            "demo.com",
            "/demo.com/live/s.flv",
        )
        .expect("match");
        assert_eq!(m.stream, "s");
        assert_eq!(
            match_mount(
                "[vhost]/[app]/[stream].flv",
                "demo.com",
                "/other.com/live/s.flv"
            ),
            None
        );
        let m = match_mount(
            "/flv/[app]/[stream].flv",
            "__defaultVhost__",
            "/flv/live/x.flv",
        )
        .expect("match");
        assert_eq!(m.app, "live");
        assert_eq!(
            match_mount(
                "/flv/[app]/[stream].flv",
                "__defaultVhost__",
                "/flv/live/.flv"
            ),
            None
        );
    }
}
