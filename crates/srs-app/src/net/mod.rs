//! Socket plumbing for the event loop: listeners, reads into sessions and
//! vectored writes of outbound queues.

pub mod listener;
pub mod socket;
pub mod token;
