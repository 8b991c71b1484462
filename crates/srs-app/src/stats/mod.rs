//! System statistics for the HTTP API, compatible with SRS's
//! `/api/v1/summaries`, `/rusages`, `/self_proc_stats`,
//! `/system_proc_stats`, `/meminfos`, `/authors` and `/requests`.
//!
//! - [`procfs`]: parsers of the Linux `/proc` files (pure, on text) and
//!   readers of the real files.
//! - [`rusage`]: `getrusage(RUSAGE_SELF)` and `sysconf` values.
//! - [`sampler`]: [`SystemSampler`], sampled by the server's timer every few
//!   seconds, computing CPU, network and disk rates between samples.
//! - [`api_json`]: the JSON answers, with SRS's field names.
//!
//! As in SRS, "percent" values are ratios: 0.25 means 25 %.

pub mod api_json;
pub mod procfs;
pub mod rusage;
pub mod sampler;

pub use api_json::{
    api_index, api_root, api_v1_index, authors, meminfos, requests, rusages, self_proc_stats,
    summaries, system_proc_stats, ServerTotals,
};
pub use sampler::{RawSample, SystemSampler};
