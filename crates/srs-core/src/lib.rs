//! System helpers shared by every layer of the srs server: a generational
//! arena with `Copy` ids, a clock abstraction (system and manual), SRS's
//! traceable logger with a per-connection context id, and a small PRNG for
//! protocol filler bytes.
#![warn(missing_docs)]

pub mod arena;
pub mod clock;
pub mod log;
pub mod rng;

pub use arena::{Arena, Id};
pub use clock::{Clock, ManualClock, SystemClock};
pub use rng::FastRng;
