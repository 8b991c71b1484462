//! Checks on the names a client chooses: vhost, app and stream.
//!
//! These names end up in file paths (HLS, DVR), playlists, log lines and
//! hook payloads, so a server must refuse the dangerous ones where they
//! enter. The rules:
//! - no control characters (NUL, newline, ...) and no `\` anywhere;
//! - a stream is one path segment: no `/`, and not `.` or `..`;
//! - an app may have several `/`-separated segments, none empty, `.` or `..`;
//! - a vhost is a host name or address: letters, digits, `-`, `_`, `.`,
//!   `:`, `[`, `]` (IPv6), with no `..`;
//! - each has a length cap that keeps derived file names (`[stream]-[seq].ts`,
//!   `[stream].[unix ms].flv.tmp`) under the usual 255-byte file name limit.

use std::fmt;

/// Longest vhost accepted, in bytes (a DNS name's limit).
pub const MAX_VHOST_LEN: usize = 253;
/// Longest app accepted, in bytes.
pub const MAX_APP_LEN: usize = 200;
/// Longest stream name accepted, in bytes.
pub const MAX_STREAM_LEN: usize = 200;

/// Which name a check was about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// The virtual host.
    Vhost,
    /// The application.
    App,
    /// The stream.
    Stream,
}

impl fmt::Display for NameKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NameKind::Vhost => "vhost",
            NameKind::App => "app",
            NameKind::Stream => "stream",
        })
    }
}

/// Why a name was refused. The message never repeats the name itself, so it
/// is safe to log and to send back to the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadName {
    /// The name is empty.
    #[error("empty {0} name")]
    Empty(NameKind),
    /// The name is longer than its cap.
    #[error("{kind} name of {len} bytes is longer than {max}")]
    TooLong {
        /// The name's kind.
        kind: NameKind,
        /// Its length in bytes.
        len: usize,
        /// The cap.
        max: usize,
    },
    /// A control character (including NUL and newlines) or a backslash.
    #[error("{0} name has a control character or a backslash")]
    ForbiddenChar(NameKind),
    /// A `/` in a stream name or a vhost.
    #[error("{0} name has a '/'")]
    Slash(NameKind),
    /// A `.` or `..` segment, or an empty segment in an app.
    #[error("{0} name has an empty, '.' or '..' segment")]
    DotSegment(NameKind),
    /// A vhost with a character a host name cannot have.
    #[error("vhost name has a character a host cannot have")]
    NotAHost,
}

fn common(kind: NameKind, name: &str, max: usize) -> Result<(), BadName> {
    if name.is_empty() {
        return Err(BadName::Empty(kind));
    }
    if name.len() > max {
        return Err(BadName::TooLong {
            kind,
            len: name.len(),
            max,
        });
    }
    if name.chars().any(|c| c.is_control() || c == '\\') {
        return Err(BadName::ForbiddenChar(kind));
    }
    Ok(())
}

fn dot_or_empty(segment: &str) -> bool {
    segment.is_empty() || segment == "." || segment == ".."
}

/// Checks a stream name (without its `?query`).
pub fn check_stream(name: &str) -> Result<(), BadName> {
    common(NameKind::Stream, name, MAX_STREAM_LEN)?;
    if name.contains('/') {
        return Err(BadName::Slash(NameKind::Stream));
    }
    if dot_or_empty(name) {
        return Err(BadName::DotSegment(NameKind::Stream));
    }
    Ok(())
}

/// Checks an app name (without its `?query`); `live` and `live/sub` pass.
pub fn check_app(name: &str) -> Result<(), BadName> {
    common(NameKind::App, name, MAX_APP_LEN)?;
    if name.split('/').any(dot_or_empty) {
        return Err(BadName::DotSegment(NameKind::App));
    }
    Ok(())
}

/// Checks a vhost (a host name, an IPv4 address or a bracketed IPv6 one).
pub fn check_vhost(name: &str) -> Result<(), BadName> {
    common(NameKind::Vhost, name, MAX_VHOST_LEN)?;
    if name.contains('/') {
        return Err(BadName::Slash(NameKind::Vhost));
    }
    let host_char = |c: char| c.is_ascii_alphanumeric() || "-_.:[]".contains(c);
    if !name.chars().all(host_char) {
        return Err(BadName::NotAHost);
    }
    if name.contains("..") || name == "." {
        return Err(BadName::DotSegment(NameKind::Vhost));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_names_pass() {
        for s in [
            "livestream",
            "a.b-c_d",
            "stream 1",
            "直播",
            "x..y",
            ".hidden",
        ] {
            assert_eq!(check_stream(s), Ok(()), "{s}");
        }
        for a in ["live", "live/sub", "a.b"] {
            assert_eq!(check_app(a), Ok(()), "{a}");
        }
        for v in [
            "__defaultVhost__",
            "demo.srs.com",
            "127.0.0.1",
            "[::1]",
            "h-1",
        ] {
            assert_eq!(check_vhost(v), Ok(()), "{v}");
        }
    }

    #[test]
    fn traversal_is_refused() {
        assert_eq!(
            check_stream("../../y"),
            Err(BadName::Slash(NameKind::Stream))
        );
        assert_eq!(
            check_stream(".."),
            Err(BadName::DotSegment(NameKind::Stream))
        );
        assert_eq!(
            check_stream("."),
            Err(BadName::DotSegment(NameKind::Stream))
        );
        assert_eq!(check_stream("a/b"), Err(BadName::Slash(NameKind::Stream)));
        for a in [
            "../x", "live/..", "live//x", "/live", "live/", "./live", "..",
        ] {
            assert_eq!(check_app(a), Err(BadName::DotSegment(NameKind::App)), "{a}");
        }
        assert_eq!(
            check_vhost("a..b"),
            Err(BadName::DotSegment(NameKind::Vhost))
        );
        assert_eq!(check_vhost("a/b"), Err(BadName::Slash(NameKind::Vhost)));
    }

    #[test]
    fn control_characters_and_backslash_are_refused() {
        for s in [
            "a\nb",
            "a\rb",
            "a\0b",
            "a\\b",
            "\u{7f}",
            "a\u{85}b",
            "#EXT\n#EXTINF",
        ] {
            assert_eq!(
                check_stream(s),
                Err(BadName::ForbiddenChar(NameKind::Stream)),
                "{s:?}"
            );
            assert_eq!(
                check_app(s),
                Err(BadName::ForbiddenChar(NameKind::App)),
                "{s:?}"
            );
        }
        assert_eq!(
            check_vhost("a\nb"),
            Err(BadName::ForbiddenChar(NameKind::Vhost))
        );
        assert_eq!(check_vhost("a b"), Err(BadName::NotAHost));
        assert_eq!(check_vhost("a%2f"), Err(BadName::NotAHost));
    }

    #[test]
    fn lengths_are_capped() {
        let long = "s".repeat(MAX_STREAM_LEN + 1);
        assert!(matches!(
            check_stream(&long),
            Err(BadName::TooLong { len, .. }) if len == MAX_STREAM_LEN + 1
        ));
        assert_eq!(check_stream(&long[1..]), Ok(()));
        assert!(check_app(&"a".repeat(MAX_APP_LEN + 1)).is_err());
        assert!(check_vhost(&"v".repeat(MAX_VHOST_LEN + 1)).is_err());
        assert_eq!(check_stream(""), Err(BadName::Empty(NameKind::Stream)));
        assert_eq!(check_app(""), Err(BadName::Empty(NameKind::App)));
    }

    #[test]
    fn messages_do_not_echo_the_name() {
        let e = check_stream("evil\nname").expect_err("refused");
        assert!(!e.to_string().contains("evil"));
    }
}
