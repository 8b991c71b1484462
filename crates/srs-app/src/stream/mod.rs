//! Live streams: registry, sources with their caches, per-player queues,
//! GOP cache and timestamp correction.

pub mod codec;
pub mod consumer;
#[cfg(test)]
mod fanout_tests;
pub mod gop_cache;
pub mod registry;
pub mod ring;
pub mod source;
#[cfg(test)]
mod test_media;

pub use crate::timestamp::JitterMode;
pub use consumer::Consumer;
pub use registry::Registry;
pub use source::{Source, StreamKey};
