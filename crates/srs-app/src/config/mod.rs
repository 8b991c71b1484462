//! The config file: SRS's nginx-style syntax, read once into a typed [`Config`].
//!
//! Layers, each in its own file:
//! - `lexer`: text to tokens (words, quoted strings, `;`, `{`, `}`; `#` comments).
//! - [`parser`]: tokens to a generic tree of [`Directive`]s, each with its file and line.
//! - [`known`]: the table of every directive SRS knows, and which ones this server implements.
//! - [`validate`]: the tree against the table (unknown = error, unsupported = warning).
//! - [`model`]: the typed [`Config`] with SRS's defaults and value checks; [`vhost`] its
//!   vhosts; `values` the readers of directive values shared by both.
//!
//! ```no_run
//! # use srs_app::config::Config;
//! let config = Config::load("conf/srs.conf".as_ref())?;
//! for w in &config.warnings {
//!     log::warn!("{w}");
//! }
//! # Ok::<(), srs_app::config::ConfigError>(())
//! ```

pub mod changes;
mod error;
pub mod ffmpeg;
pub mod known;
mod lexer;
pub mod model;
pub mod parser;
pub mod validate;
mod values;
pub mod vhost;

use std::path::Path;
use std::sync::Arc;

pub use error::{ConfigError, ConfigWarning};
pub use model::{
    ApiAuth, Config, HeartbeatConfig, HttpApiConfig, HttpServerConfig, ListenAddr, LogLevel,
    LogTank, PithyPrint, DEFAULT_VHOST, MAX_CHUNK_SIZE, MIN_CHUNK_SIZE,
};
pub use parser::Directive;
pub use vhost::{
    BandcheckConfig, DvrConfig, DvrPlan, HlsConfig, HlsOnError, HooksConfig, HttpRemuxConfig,
    TimeJitter, VhostConfig, VhostHttpConfig,
};

impl Config {
    /// Reads and parses a config file. The file must be UTF-8.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let bytes = std::fs::read(path).map_err(|source| ConfigError::Io {
            file: path.to_path_buf(),
            source,
        })?;
        let text = match std::str::from_utf8(&bytes) {
            Ok(t) => t,
            Err(e) => {
                let offset = e.valid_up_to();
                let line = 1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count();
                return Err(ConfigError::InvalidUtf8 {
                    file: path.to_path_buf(),
                    line,
                    offset,
                });
            }
        };
        Config::parse_str(text, path)
    }

    /// Parses config text; `file` names it in messages and becomes [`Config::file`].
    pub fn parse_str(text: &str, file: &Path) -> Result<Config, ConfigError> {
        let parsed = parser::parse(text, file, &validate::is_directive)?;
        let mut warnings = parsed.warnings;
        validate::check(&parsed.directives, &mut warnings)?;
        model::build(file, &parsed.directives, warnings)
    }

    /// The vhost with exactly this name (enabled or not).
    pub fn vhost(&self, name: &str) -> Option<&Arc<VhostConfig>> {
        self.vhosts.iter().find(|v| v.name == name)
    }

    /// The vhost serving a client that asked for `host`.
    ///
    /// - A vhost named `host` (ASCII case ignored, as for DNS names) is used if enabled; if it
    ///   is disabled the client is rejected (`None`), as in SRS: `enabled off` denies access even
    ///   when a default vhost exists.
    /// - Otherwise `__defaultVhost__` is used, if configured and enabled.
    /// - Otherwise `None`: the connection is rejected.
    pub fn resolve_vhost(&self, host: &str) -> Option<&Arc<VhostConfig>> {
        let exact = self
            .vhosts
            .iter()
            .find(|v| v.name.eq_ignore_ascii_case(host));
        let v = match exact {
            Some(v) => v,
            None => self.vhost(DEFAULT_VHOST)?,
        };
        v.enabled.then_some(v)
    }

    /// The chunk size for clients of `v`: its own `chunk_size`, else the root
    /// one (derived at load: [`VhostConfig::out_chunk_size`]).
    pub fn vhost_chunk_size(&self, v: &VhostConfig) -> u32 {
        v.out_chunk_size
    }
}

#[cfg(test)]
mod tests;
