//! The second wall against path traversal: whatever names a client chose,
//! a sink only writes below its configured root. Names are checked where they
//! enter (`srs_rtmp::name`); this check catches anything that slipped past.

use std::path::{Component, Path};

/// Whether `path` lies strictly below `root`, judged on the words of the
/// paths alone (no `..`, no absolute jump, no prefix after the root; `.`
/// components are ignored). Symlinks an operator placed under the root are
/// the operator's choice and are not followed here.
pub fn is_under(root: &Path, path: &Path) -> bool {
    let root = plain(root);
    let path = plain(path);
    if path.len() <= root.len() || path[..root.len()] != root[..] {
        return false;
    }
    path[root.len()..]
        .iter()
        .all(|c| matches!(c, Component::Normal(_)))
}

fn plain(p: &Path) -> Vec<Component<'_>> {
    p.components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

/// The fixed directory part of a path template such as
/// `/data/[vhost]/[app]/[stream].flv`: the components before the first one
/// with a `[variable]`.
pub fn template_root(template: &Path) -> &Path {
    let mut root = template;
    for ancestor in template.ancestors() {
        root = ancestor;
        if !ancestor.to_string_lossy().contains('[') {
            break;
        }
    }
    root
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn below_the_root_passes() {
        assert!(is_under(Path::new("./objs"), Path::new("objs/live/s.m3u8")));
        assert!(is_under(Path::new("/data"), Path::new("/data/a/b/c.ts")));
    }

    #[test]
    fn escapes_are_caught() {
        let root = Path::new("./objs/nginx/html");
        for p in [
            "./objs/nginx/html/../x/s.ts",
            "./objs/nginx/html/live/../../y.ts",
            "./objs/nginx",
            "./objs/nginx/html",
            "/etc/passwd",
            "./objs/nginx/htmlx/s.ts",
        ] {
            assert!(!is_under(root, Path::new(p)), "{p}");
        }
        // Joining an absolute name replaces the whole path.
        let absolute = format!("/tmp/{}", "x.ts");
        assert!(!is_under(root, &root.join(absolute)));
    }

    #[test]
    fn template_roots() {
        assert_eq!(
            template_root(Path::new("/data/[vhost]/[app]/[stream].flv")),
            Path::new("/data")
        );
        assert_eq!(
            template_root(Path::new("./objs/dvr")),
            Path::new("./objs/dvr")
        );
        assert_eq!(
            template_root(Path::new("/d/[app]-[stream].flv")),
            Path::new("/d")
        );
    }
}
