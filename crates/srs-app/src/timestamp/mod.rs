//! Timestamp math shared by streams (players' jitter correction) and sinks
//! (HLS and DVR timelines). It sits below both, so neither imports the other
//! for it.

pub mod jitter;
pub mod timeline;

pub use jitter::{Jitter, JitterMode};
pub use timeline::Timeline;
