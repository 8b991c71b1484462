//! Where a stream goes besides its players: HLS segments and DVR files,
//! written by the disk worker so the loop never waits for the disk.

pub mod disk;
pub mod dvr;
pub mod hls;
pub mod hub;
pub mod safe_path;

pub use disk::{DiskEvent, DiskJob, DiskLane, DiskWorker, Owner, SinkKind};
pub use dvr::DvrSink;
pub use hls::HlsSink;
pub use hub::SinkHub;
