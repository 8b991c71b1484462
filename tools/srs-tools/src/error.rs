//! The error type of the tools and the `main` wrapper.

use std::fmt;
use std::process::ExitCode;

/// One failure of a tool, printed as a single line on stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolError {
    /// What went wrong, in one line.
    pub message: String,
    /// True when the command line was wrong (exit code 2, with a usage hint).
    pub usage: bool,
}

/// Result of a tool step.
pub type ToolResult<T> = Result<T, ToolError>;

impl ToolError {
    /// A runtime failure (exit code 1).
    pub fn new(message: impl Into<String>) -> Self {
        ToolError {
            message: message.into(),
            usage: false,
        }
    }

    /// A command-line mistake (exit code 2).
    pub fn usage(message: impl Into<String>) -> Self {
        ToolError {
            message: message.into(),
            usage: true,
        }
    }

    /// Prefixes the message with some context, e.g. the file or URL involved.
    pub fn context(self, what: impl fmt::Display) -> Self {
        ToolError {
            message: format!("{what}: {}", self.message),
            usage: self.usage,
        }
    }
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ToolError {}

impl From<std::io::Error> for ToolError {
    fn from(e: std::io::Error) -> Self {
        ToolError::new(e.to_string())
    }
}

impl From<srs_rtmp::RtmpError> for ToolError {
    fn from(e: srs_rtmp::RtmpError) -> Self {
        ToolError::new(e.to_string())
    }
}

impl From<srs_kernel::KernelError> for ToolError {
    fn from(e: srs_kernel::KernelError) -> Self {
        ToolError::new(e.to_string())
    }
}

/// Adds context to the error of a result.
pub trait Context<T> {
    /// Prefixes the error message with `what`.
    fn context(self, what: impl fmt::Display) -> ToolResult<T>;
}

impl<T, E: Into<ToolError>> Context<T> for Result<T, E> {
    fn context(self, what: impl fmt::Display) -> ToolResult<T> {
        self.map_err(|e| e.into().context(what))
    }
}

/// Runs a tool's body: prints `tool: error: ...` on failure and returns the exit code
/// (0 success, 1 runtime failure, 2 bad command line).
pub fn run_main(tool: &str, body: impl FnOnce() -> ToolResult<()>) -> ExitCode {
    match body() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.usage => {
            eprintln!("{tool}: error: {e} (try `{tool} --help`)");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("{tool}: error: {e}");
            ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_and_kinds() {
        let e = ToolError::new("boom").context("file.flv");
        assert_eq!(e.to_string(), "file.flv: boom");
        assert!(!e.usage);
        assert!(ToolError::usage("bad").context("x").usage);
        let r: Result<(), std::io::Error> = Err(std::io::ErrorKind::NotFound.into());
        let e = r.context("open a.flv").unwrap_err();
        assert!(e.message.starts_with("open a.flv: "), "{e}");
    }
}
