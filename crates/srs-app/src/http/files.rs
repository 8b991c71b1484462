//! Static files under a directory: safe path resolution, content types,
//! byte ranges, and `?start=` for FLV files.

use std::fs::File;
use std::io::{Seek, SeekFrom};
use std::path::{Component, Path, PathBuf};

use super::request::{percent_decode, Request};

/// The content type of a file name.
pub fn content_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
    {
        "m3u8" => "application/vnd.apple.mpegurl",
        "ts" => "video/MP2T",
        "flv" => "video/x-flv",
        "mp4" => "video/mp4",
        "mp3" => "audio/mpeg",
        "aac" => "audio/aac",
        "html" | "htm" => "text/html",
        "js" => "application/javascript",
        "css" => "text/css",
        "json" => "application/json",
        "txt" | "log" => "text/plain",
        "xml" => "text/xml",
        "ico" => "image/x-icon",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "swf" => "application/x-shockwave-flash",
        _ => "application/octet-stream",
    }
}

/// Why a path cannot be served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathError {
    /// Escapes the directory or is malformed (403).
    Forbidden,
    /// Does not exist (404).
    NotFound,
}

/// Resolves a request path (percent-encoded) to a file under `root`.
/// `..`, backslashes, NUL and symlinks out of `root` are refused.
pub fn resolve(root: &Path, raw_path: &str) -> Result<PathBuf, PathError> {
    let decoded = percent_decode(raw_path).ok_or(PathError::Forbidden)?;
    if decoded.contains('\\') || !decoded.starts_with('/') {
        return Err(PathError::Forbidden);
    }
    let mut rel = PathBuf::new();
    for comp in Path::new(&decoded).components() {
        match comp {
            Component::RootDir => {}
            Component::Normal(p) => rel.push(p),
            Component::CurDir => {}
            Component::ParentDir | Component::Prefix(_) => return Err(PathError::Forbidden),
        }
    }
    let root = root.canonicalize().map_err(|_| PathError::NotFound)?;
    let mut full = root.join(&rel);
    if full.is_dir() {
        full.push("index.html");
    }
    let real = full.canonicalize().map_err(|_| PathError::NotFound)?;
    if !real.starts_with(&root) {
        return Err(PathError::Forbidden);
    }
    if !real.is_file() {
        return Err(PathError::NotFound);
    }
    Ok(real)
}

/// A range that cannot be served (416).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsatisfiable;

/// A byte range request: `bytes=a-b`, `bytes=a-`, `bytes=-n`.
/// `Ok(None)` = no range; `Err` = unsatisfiable (416).
pub fn parse_range(header: Option<&str>, size: u64) -> Result<Option<(u64, u64)>, Unsatisfiable> {
    let Some(h) = header else { return Ok(None) };
    let spec = h.trim().strip_prefix("bytes=").ok_or(Unsatisfiable)?;
    if spec.contains(',') {
        // Multipart ranges are not served; the whole file is a valid answer.
        return Ok(None);
    }
    let (a, b) = spec.split_once('-').ok_or(Unsatisfiable)?;
    let (start, end) = match (a.trim(), b.trim()) {
        ("", n) => {
            let n: u64 = n.parse().map_err(|_| Unsatisfiable)?;
            if n == 0 {
                return Err(Unsatisfiable);
            }
            (
                size.saturating_sub(n),
                size.checked_sub(1).ok_or(Unsatisfiable)?,
            )
        }
        (a, "") => (
            a.parse().map_err(|_| Unsatisfiable)?,
            size.checked_sub(1).ok_or(Unsatisfiable)?,
        ),
        (a, b) => {
            let a: u64 = a.parse().map_err(|_| Unsatisfiable)?;
            let b: u64 = b.parse().map_err(|_| Unsatisfiable)?;
            (a, b.min(size.saturating_sub(1)))
        }
    };
    if start >= size || start > end {
        return Err(Unsatisfiable);
    }
    Ok(Some((start, end)))
}

/// What to send for a file request.
pub struct FilePlan {
    /// The open file, positioned at the first byte to send.
    pub file: File,
    /// Bytes of the file to send.
    pub length: u64,
    /// Status (200 or 206).
    pub status: u16,
    /// Content type.
    pub content_type: &'static str,
    /// Extra headers (Content-Range, Accept-Ranges).
    pub extra: Vec<(&'static str, String)>,
    /// Bytes sent before the file data (the FLV header for `?start=`).
    pub prefix: Vec<u8>,
}

/// Most bytes read from the start of an FLV file to find its header tags.
const MAX_FLV_HEAD: usize = 4 << 20;

/// The beginning of an FLV file up to its first media frame: the file header
/// and the leading metadata and sequence-header tags.
fn flv_head(file: &mut File) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    file.seek(SeekFrom::Start(0))?;
    let mut data = Vec::new();
    file.take(MAX_FLV_HEAD as u64).read_to_end(&mut data)?;
    Ok(data[..flv_head_len(&data)].to_vec())
}

/// The length of the header part of FLV bytes `data` (see [`flv_head`]);
/// a tag cut by the end of `data` ends it.
fn flv_head_len(data: &[u8]) -> usize {
    let mut pos = 13; // file header + the first previous-tag-size
    if data.len() < pos || &data[..3] != b"FLV" {
        return 0;
    }
    while let Some(h) = data.get(pos..pos + 11) {
        let size = u32::from_be_bytes([0, h[1], h[2], h[3]]) as usize;
        let Some(body) = data.get(pos + 11..pos + 11 + size) else {
            break;
        };
        let header_tag = match h[0] {
            18 => true,
            9 => body.len() > 1 && body[0] & 0x0f == 7 && body[1] == 0,
            8 => body.len() > 1 && body[0] >> 4 == 10 && body[1] == 0,
            _ => false,
        };
        if !header_tag || data.len() < pos + 15 + size {
            break;
        }
        pos += 15 + size;
    }
    pos
}

/// Plans the answer for a file: ranges, `?start=N` on FLV files.
pub fn plan(path: &Path, req: &Request) -> Result<FilePlan, u16> {
    let mut file = File::open(path).map_err(|_| 404u16)?;
    let size = file.metadata().map_err(|_| 404u16)?.len();
    let content_type = content_type(path);
    let mut extra = vec![("Accept-Ranges", "bytes".to_string())];
    let is_flv = content_type == "video/x-flv";
    if let Some(start) = req.query_param("start").filter(|_| is_flv) {
        // SRS's FLV VOD seek: the byte offset of a tag; an FLV header is prepended
        // so the answer is a playable file.
        let start: u64 = start.parse().map_err(|_| 400u16)?;
        if start >= size {
            return Err(416);
        }
        // The file's header, metadata and sequence headers go first (as SRS
        // sends them), so a player can decode from the keyframe at `start`.
        let head = flv_head(&mut file).map_err(|_| 500u16)?;
        let (start, prefix) = if start <= head.len() as u64 {
            (0, Vec::new())
        } else {
            (start, head)
        };
        file.seek(SeekFrom::Start(start)).map_err(|_| 500u16)?;
        return Ok(FilePlan {
            file,
            length: size - start,
            status: 200,
            content_type,
            extra: Vec::new(),
            prefix,
        });
    }
    match parse_range(req.header("range"), size) {
        Ok(None) => Ok(FilePlan {
            file,
            length: size,
            status: 200,
            content_type,
            extra,
            prefix: Vec::new(),
        }),
        Ok(Some((a, b))) => {
            file.seek(SeekFrom::Start(a)).map_err(|_| 500u16)?;
            extra.push(("Content-Range", format!("bytes {a}-{b}/{size}")));
            Ok(FilePlan {
                file,
                length: b - a + 1,
                status: 206,
                content_type,
                extra,
                prefix: Vec::new(),
            })
        }
        Err(Unsatisfiable) => Err(416),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flv_head_stops_at_the_first_frame() {
        let mut f = srs_kernel::flv::file_header(true, true).to_vec();
        let tag = |f: &mut Vec<u8>, t: u8, body: &[u8]| {
            f.extend_from_slice(&srs_kernel::flv::tag_header(
                match t {
                    8 => srs_kernel::MediaKind::Audio,
                    9 => srs_kernel::MediaKind::Video,
                    _ => srs_kernel::MediaKind::Script,
                },
                0,
                body.len() as u32,
            ));
            f.extend_from_slice(body);
            f.extend_from_slice(&srs_kernel::flv::previous_tag_size(body.len() as u32));
        };
        tag(&mut f, 18, &[2, 0, 1, b'x']);
        tag(&mut f, 9, &[0x17, 0, 0, 0, 0, 1]);
        tag(&mut f, 8, &[0xaf, 0, 0x12]);
        let head = f.len();
        tag(&mut f, 9, &[0x17, 1, 0, 0, 0, 9]);
        tag(&mut f, 8, &[0xaf, 1, 7]);
        assert_eq!(flv_head_len(&f), head);
        // A header tag cut by the end of the read: the head ends before it.
        assert_eq!(flv_head_len(&f[..head - 2]), head - 18);
        assert_eq!(flv_head_len(b"not an flv at all"), 0);
    }

    #[test]
    fn ranges() {
        assert_eq!(parse_range(None, 100), Ok(None));
        assert_eq!(parse_range(Some("bytes=0-9"), 100), Ok(Some((0, 9))));
        assert_eq!(parse_range(Some("bytes=90-"), 100), Ok(Some((90, 99))));
        assert_eq!(parse_range(Some("bytes=-10"), 100), Ok(Some((90, 99))));
        assert_eq!(parse_range(Some("bytes=50-500"), 100), Ok(Some((50, 99))));
        assert_eq!(parse_range(Some("bytes=100-"), 100), Err(Unsatisfiable));
        assert_eq!(parse_range(Some("bytes=9-3"), 100), Err(Unsatisfiable));
        assert_eq!(parse_range(Some("items=1-2"), 100), Err(Unsatisfiable));
        assert_eq!(parse_range(Some("bytes=0-1,5-6"), 100), Ok(None));
    }

    #[test]
    fn traversal_is_refused() {
        let dir = std::env::temp_dir().join(format!("srs-files-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("live")).expect("dir");
        std::fs::write(dir.join("live/a.m3u8"), "#EXTM3U\n").expect("file");
        let ok = resolve(&dir, "/live/a.m3u8").expect("served");
        assert!(ok.ends_with("live/a.m3u8"));
        assert_eq!(content_type(&ok), "application/vnd.apple.mpegurl");
        for bad in [
            "/../etc/passwd",
            "/live/../../etc/passwd",
            "/%2e%2e/%2e%2e/etc/passwd",
            "/live/..%2f..%2fetc",
            "/a\\b",
            "/%00",
        ] {
            assert_eq!(resolve(&dir, bad), Err(PathError::Forbidden), "{bad}");
        }
        assert_eq!(resolve(&dir, "/live/none.ts"), Err(PathError::NotFound));
        #[cfg(unix)]
        {
            let _ = std::os::unix::fs::symlink("/etc", dir.join("escape"));
            assert_eq!(resolve(&dir, "/escape/passwd"), Err(PathError::Forbidden));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
