//! SRS's traceable log: every line is
//! `[YYYY-MM-DD hh:mm:ss.ms][level][pid][cid] message`, where `cid` is the
//! context id of the connection being served, so a client's whole life can
//! be found with one grep.
//!
//! The driver sets the context id ([`set_context_id`] / [`ContextGuard`])
//! before it hands work to a connection; every `log` macro call made while
//! serving it carries that id.

use std::cell::Cell;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// SRS's log levels, from the most to the least verbose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Everything, including per-message details.
    Verbose,
    /// Informational details.
    Info,
    /// The normal operating level: one line per significant event.
    Trace,
    /// Something went wrong but the server continues.
    Warn,
    /// An error of a connection or of the server.
    Error,
}

impl Level {
    /// Parses SRS's level names (`verbose`, `info`, `trace`, `warn`, `error`).
    pub fn parse(name: &str) -> Option<Level> {
        Some(match name {
            "verbose" => Level::Verbose,
            "info" => Level::Info,
            "trace" => Level::Trace,
            "warn" => Level::Warn,
            "error" => Level::Error,
            _ => return None,
        })
    }

    /// The `log` crate filter that lets this level and the less verbose ones through.
    pub fn filter(self) -> log::LevelFilter {
        match self {
            Level::Verbose => log::LevelFilter::Trace,
            Level::Info => log::LevelFilter::Debug,
            Level::Trace => log::LevelFilter::Info,
            Level::Warn => log::LevelFilter::Warn,
            Level::Error => log::LevelFilter::Error,
        }
    }

    fn from_log(level: log::Level) -> Level {
        match level {
            log::Level::Trace => Level::Verbose,
            log::Level::Debug => Level::Info,
            log::Level::Info => Level::Trace,
            log::Level::Warn => Level::Warn,
            log::Level::Error => Level::Error,
        }
    }

    /// The name SRS prints for the level.
    pub fn name(self) -> &'static str {
        match self {
            Level::Verbose => "verbose",
            Level::Info => "info",
            Level::Trace => "trace",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

/// Where log lines go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tank {
    /// Standard output.
    Console,
    /// Appended to a file (reopened by [`reopen`], e.g. after logrotate and SIGHUP).
    File(PathBuf),
}

thread_local! {
    static CONTEXT_ID: Cell<u64> = const { Cell::new(0) };
}

/// Sets the context id of the current thread and returns the previous one.
pub fn set_context_id(cid: u64) -> u64 {
    CONTEXT_ID.with(|c| c.replace(cid))
}

/// The context id of the current thread (0 for the server itself).
pub fn context_id() -> u64 {
    CONTEXT_ID.with(|c| c.get())
}

/// Sets a context id for the guard's lifetime, restoring the previous one on drop.
pub struct ContextGuard {
    previous: u64,
}

impl ContextGuard {
    /// Enters the context `cid`.
    pub fn enter(cid: u64) -> ContextGuard {
        ContextGuard {
            previous: set_context_id(cid),
        }
    }
}

impl Drop for ContextGuard {
    fn drop(&mut self) {
        set_context_id(self.previous);
    }
}

enum Sink {
    Console,
    File { path: PathBuf, file: File },
}

struct TraceLogger {
    sink: Mutex<Sink>,
}

static LOGGER: TraceLogger = TraceLogger {
    sink: Mutex::new(Sink::Console),
};
static INSTALLED: AtomicBool = AtomicBool::new(false);

fn open_append(path: &Path) -> io::Result<File> {
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir)?;
        }
    }
    OpenOptions::new().create(true).append(true).open(path)
}

/// Installs the traceable logger (first call) or changes its level and tank
/// (later calls, e.g. on reload). Fails only when the log file cannot be opened.
pub fn configure(level: Level, tank: &Tank) -> io::Result<()> {
    let sink = match tank {
        Tank::Console => Sink::Console,
        Tank::File(path) => Sink::File {
            path: path.clone(),
            file: open_append(path)?,
        },
    };
    if let Ok(mut s) = LOGGER.sink.lock() {
        *s = sink;
    }
    if !INSTALLED.swap(true, Ordering::SeqCst) {
        // Another logger may have been installed by a host program; then ours stays unused.
        let _ = log::set_logger(&LOGGER);
    }
    log::set_max_level(level.filter());
    Ok(())
}

/// Reopens the log file (after it was rotated away). No-op for the console.
pub fn reopen() -> io::Result<()> {
    if let Ok(mut s) = LOGGER.sink.lock() {
        if let Sink::File { path, file } = &mut *s {
            *file = open_append(path)?;
        }
    }
    Ok(())
}

/// Formats the local time of `unix_ms` as `YYYY-MM-DD hh:mm:ss.mmm`.
pub fn format_local_time(unix_ms: u64) -> String {
    let secs = (unix_ms / 1000) as libc::time_t;
    let millis = unix_ms % 1000;
    // SAFETY: `tm` is plain old data, zero is a valid bit pattern for it, and
    // localtime_r only writes into the struct we pass; both pointers are valid
    // for the duration of the call.
    let tm = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&secs, &mut tm).is_null() {
            return format!("@{unix_ms}");
        }
        tm
    };
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}",
        tm.tm_year + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        millis
    )
}

/// Formats one log line (with trailing newline) the way SRS does. Control
/// characters in the message are escaped (`\n` becomes the two characters
/// `\` `n`), so text a client chose cannot forge or split log lines.
pub fn format_line(
    unix_ms: u64,
    level: Level,
    pid: u32,
    cid: u64,
    msg: &dyn std::fmt::Display,
) -> String {
    let mut line = format!(
        "[{}][{}][{}][{}] ",
        format_local_time(unix_ms),
        level.name(),
        pid,
        cid,
    );
    push_escaped(&mut line, &msg.to_string());
    line.push('\n');
    line
}

/// Appends `text` with its control characters escaped.
pub fn push_escaped(out: &mut String, text: &str) {
    if !text.chars().any(char::is_control) {
        out.push_str(text);
        return;
    }
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                use std::fmt::Write;
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
}

impl log::Log for TraceLogger {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &log::Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let line = format_line(
            crate::clock::unix_ms(),
            Level::from_log(record.level()),
            std::process::id(),
            context_id(),
            record.args(),
        );
        if let Ok(mut sink) = self.sink.lock() {
            // A failing log write has nowhere to be reported; dropping the line is all we can do.
            let _ = match &mut *sink {
                Sink::Console => io::stdout().lock().write_all(line.as_bytes()),
                Sink::File { file, .. } => file.write_all(line.as_bytes()),
            };
        }
    }

    fn flush(&self) {
        if let Ok(mut sink) = self.sink.lock() {
            let _ = match &mut *sink {
                Sink::Console => io::stdout().flush(),
                Sink::File { file, .. } => file.flush(),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_has_srs_shape() {
        let line = format_line(1_700_000_000_123, Level::Trace, 42, 7, &"hello");
        // [YYYY-MM-DD hh:mm:ss.mmm][trace][42][7] hello
        assert!(line.starts_with('['));
        assert_eq!(&line[20..], ".123][trace][42][7] hello\n");
        assert_eq!(&line[5..6], "-");
        assert_eq!(
            line.len(),
            "[2023-11-14 22:13:20.123][trace][42][7] hello\n".len()
        );
        assert!(line.ends_with("][trace][42][7] hello\n"));
    }

    #[test]
    fn control_characters_cannot_forge_lines() {
        let line = format_line(
            0,
            Level::Warn,
            1,
            2,
            &"app=live\n[2023-11-14][error][1][2] forged\r\0\u{1b}[31m",
        );
        assert_eq!(line.matches('\n').count(), 1, "{line}");
        assert!(line.ends_with("app=live\\n[2023-11-14][error][1][2] forged\\r\\u{0}\\u{1b}[31m\n"));
        assert!(!line.contains('\r') && !line.contains('\0'));
    }

    #[test]
    fn levels_parse_and_order() {
        assert_eq!(Level::parse("trace"), Some(Level::Trace));
        assert_eq!(Level::parse("loud"), None);
        assert!(Level::Verbose < Level::Error);
        assert_eq!(Level::Warn.filter(), log::LevelFilter::Warn);
        assert_eq!(Level::from_log(log::Level::Info), Level::Trace);
    }

    #[test]
    fn context_guard_restores() {
        set_context_id(3);
        {
            let _g = ContextGuard::enter(9);
            assert_eq!(context_id(), 9);
        }
        assert_eq!(context_id(), 3);
    }
}
