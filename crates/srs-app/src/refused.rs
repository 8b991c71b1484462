//! Why the server refuses a client's connect, publish or play: one typed
//! reason per cause, logged as written, answered with the RTMP status code
//! its kind maps to (`srs_rtmp::session::Refusal`) or an HTTP status.

use srs_rtmp::name::BadName;
use srs_rtmp::session::Refusal;

use crate::hooks::HookKind;

/// A refusal and its cause.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// A vhost, app or stream name failed the checks.
    #[error("bad name: {0}")]
    BadName(#[from] BadName),
    /// The stream already has a publisher.
    #[error("stream {0} is already publishing")]
    StreamBusy(String),
    /// The vhost is not configured (and there is no default one).
    #[error("vhost {0} is not configured")]
    NoVhost(String),
    /// The page URL failed a refer check.
    #[error("{0}")]
    Refer(String),
    /// A hook refused, failed or timed out.
    #[error("hook {hook} {url} refused: {reason}")]
    Hook {
        /// The hook.
        hook: HookKind,
        /// The URL that refused.
        url: String,
        /// Why.
        reason: String,
    },
    /// The origin refused the token traverse.
    #[error("token traverse: {0}")]
    Token(String),
    /// The connection ended before it could be admitted.
    #[error("{0}")]
    Gone(&'static str),
}

impl Refused {
    /// The kind of RTMP refusal (which `NetStream` status code).
    pub fn rtmp(&self) -> Refusal {
        match self {
            Refused::BadName(_) => Refusal::BadName,
            Refused::StreamBusy(_) => Refusal::StreamBusy,
            Refused::NoVhost(_)
            | Refused::Refer(_)
            | Refused::Hook { .. }
            | Refused::Token(_)
            | Refused::Gone(_) => Refusal::Denied,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_follow_the_reason() {
        let busy = Refused::StreamBusy("v/live/s".into());
        assert_eq!(busy.rtmp().publish_code(), "NetStream.Publish.BadName");
        assert_eq!(busy.to_string(), "stream v/live/s is already publishing");
        let bad = Refused::from(BadName::Empty(srs_rtmp::name::NameKind::Stream));
        assert_eq!(bad.rtmp().publish_code(), "NetStream.Publish.BadName");
        let hook = Refused::Hook {
            hook: HookKind::Publish,
            url: "http://h/".into(),
            reason: "HTTP 403".into(),
        };
        assert_eq!(hook.rtmp().publish_code(), "NetStream.Publish.Denied");
        assert_eq!(
            hook.to_string(),
            "hook on_publish http://h/ refused: HTTP 403"
        );
    }
}
