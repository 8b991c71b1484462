//! The hooks SRS defines, as one enum: names for payloads and logs, and the
//! URL list of each in a vhost's config.

use std::fmt;

use crate::config::HooksConfig;

/// One of SRS's HTTP hooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HookKind {
    /// A client connects (decides).
    Connect,
    /// A client's connection ends.
    Close,
    /// A client publishes (decides).
    Publish,
    /// A publish ends.
    Unpublish,
    /// A client plays (decides).
    Play,
    /// A play ends.
    Stop,
    /// A DVR file is done.
    Dvr,
    /// The periodic heartbeat (its URL is the `heartbeat` block's).
    Heartbeat,
}

impl HookKind {
    /// The name in payloads (`action`) and in the config.
    pub fn name(self) -> &'static str {
        match self {
            HookKind::Connect => "on_connect",
            HookKind::Close => "on_close",
            HookKind::Publish => "on_publish",
            HookKind::Unpublish => "on_unpublish",
            HookKind::Play => "on_play",
            HookKind::Stop => "on_stop",
            HookKind::Dvr => "on_dvr",
            HookKind::Heartbeat => "heartbeat",
        }
    }

    /// Whether the answer decides admission.
    pub fn decides(self) -> bool {
        matches!(self, HookKind::Connect | HookKind::Publish | HookKind::Play)
    }

    /// The URLs configured for this hook (empty when hooks are off).
    pub fn urls(self, hooks: &HooksConfig) -> &[String] {
        if !hooks.enabled {
            return &[];
        }
        match self {
            HookKind::Connect => &hooks.on_connect,
            HookKind::Close => &hooks.on_close,
            HookKind::Publish => &hooks.on_publish,
            HookKind::Unpublish => &hooks.on_unpublish,
            HookKind::Play => &hooks.on_play,
            HookKind::Stop => &hooks.on_stop,
            HookKind::Dvr => &hooks.on_dvr,
            HookKind::Heartbeat => &[],
        }
    }
}

impl fmt::Display for HookKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_urls() {
        let mut h = HooksConfig {
            on_publish: vec!["http://a/".into()],
            ..HooksConfig::default()
        };
        assert!(HookKind::Publish.urls(&h).is_empty(), "hooks off");
        h.enabled = true;
        assert_eq!(HookKind::Publish.urls(&h), ["http://a/".to_string()]);
        assert!(HookKind::Play.urls(&h).is_empty());
        assert_eq!(HookKind::Unpublish.to_string(), "on_unpublish");
        assert!(HookKind::Connect.decides() && !HookKind::Dvr.decides());
    }
}
