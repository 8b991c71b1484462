//! Outbound RTMP links of the cluster features: forward, edge push, edge
//! pull and token traverse. [`plan::Links`] decides which links a source
//! wants and when a failed one is tried again (plain state, tested in
//! memory); [`link::LinkState`] is what a link connection carries; the
//! driver (`server/forward.rs`, `server/token.rs`) runs the sockets.

pub mod link;
pub mod plan;
#[cfg(test)]
mod tests;

pub use link::{LinkKind, LinkState};
pub use plan::{LinkId, Links};
