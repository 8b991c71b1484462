//! Applies the config's logging directives to the traceable logger.

use srs_core::log::{self, Level, Tank};

use crate::config::{Config, LogLevel, LogTank};

/// The logger level for a config level.
pub fn level(l: LogLevel) -> Level {
    match l {
        LogLevel::Verbose => Level::Verbose,
        LogLevel::Info => Level::Info,
        LogLevel::Trace => Level::Trace,
        LogLevel::Warn => Level::Warn,
        LogLevel::Error => Level::Error,
    }
}

/// Installs or updates the logger from `srs_log_tank`, `srs_log_file` and `srs_log_level`.
pub fn apply(config: &Config) -> std::io::Result<()> {
    let tank = match config.log_tank {
        LogTank::Console => Tank::Console,
        LogTank::File => Tank::File(config.log_file.clone()),
    };
    log::configure(level(config.log_level), &tank)
}
