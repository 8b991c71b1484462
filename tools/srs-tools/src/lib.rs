//! Shared pieces of the client tools (`srs-play`, `srs-publish`,
//! `srs-ingest-rtmp`, `srs-flv`), kept here so they can be tested without
//! starting processes.
//!
//! - [`args`]: a tiny command-line parser (no external dependency).
//! - [`error`]: the tools' error type and the `main` wrapper that prints one
//!   line on stderr and exits non-zero.
//! - [`net`]: RTMP URL to TCP connection, with timeouts, and a connected
//!   [`srs_rtmp::blocking::Client`].
//! - [`flv_file`]: FLV writer over any `std::io::Write`, FLV reader over any
//!   `std::io::Read`, and a whole-file tag index with byte offsets.
//! - [`pacing`]: real-time pacing by timestamps, loop timelines and the
//!   periodic status line.
//! - [`inject`]: the FLV injecter (onMetaData with duration, filesize and
//!   a keyframe index).
//! - [`dump`]: the human-readable tag table of `srs-flv dump`.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod args;
pub mod bandwidth;
pub mod detect;
pub mod dump;
pub mod error;
pub mod flv_file;
pub mod inject;
pub mod net;
pub mod pacing;
pub mod ts_info;

pub use error::{ToolError, ToolResult};
