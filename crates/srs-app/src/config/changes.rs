//! What a reload changes in the vhosts: the ones that appear and the ones
//! that go (removed, or `enabled off`). SRS 1.0 closes the clients of a vhost
//! that goes; the running server applies this in `server/reload.rs`.

use super::Config;

/// Vhost names added and gone between two configs, in config order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VhostChanges {
    /// Enabled in the new config, absent or disabled in the old one.
    pub added: Vec<String>,
    /// Enabled in the old config, absent or disabled in the new one.
    pub gone: Vec<String>,
}

/// The names of the enabled vhosts of `config`.
fn enabled(config: &Config) -> impl Iterator<Item = &str> {
    config
        .vhosts
        .iter()
        .filter(|v| v.enabled)
        .map(|v| v.name.as_str())
}

/// Compares the enabled vhosts of `old` and `new`.
pub fn vhost_changes(old: &Config, new: &Config) -> VhostChanges {
    let is_in = |config: &Config, name: &str| enabled(config).any(|n| n == name);
    VhostChanges {
        added: enabled(new)
            .filter(|n| !is_in(old, n))
            .map(str::to_string)
            .collect(),
        gone: enabled(old)
            .filter(|n| !is_in(new, n))
            .map(str::to_string)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn config(vhosts: &str) -> Config {
        Config::parse_str(vhosts, Path::new("t.conf")).expect("config")
    }

    #[test]
    fn added_removed_and_disabled_vhosts() {
        let old = config("vhost a { } vhost b { } vhost c { enabled off; } vhost d { }");
        let new = config("vhost a { } vhost b { enabled off; } vhost c { } vhost e { }");
        let changes = vhost_changes(&old, &new);
        assert_eq!(changes.added, ["c", "e"]);
        assert_eq!(changes.gone, ["b", "d"]);
        assert_eq!(vhost_changes(&new, &new), VhostChanges::default());
    }
}
