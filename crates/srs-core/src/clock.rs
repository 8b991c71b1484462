//! Time sources. Protocol code never reads the system clock itself: the
//! driver passes `now` in, and tests drive a [`ManualClock`].

use std::cell::Cell;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// A source of monotonic and wall-clock time in milliseconds.
pub trait Clock {
    /// Monotonic milliseconds since an arbitrary origin (never goes back).
    fn now_ms(&self) -> u64;
    /// Milliseconds since the Unix epoch (wall clock; may jump).
    fn unix_ms(&self) -> u64;
}

/// The real clock.
pub struct SystemClock {
    origin: Instant,
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl SystemClock {
    /// A clock whose monotonic origin is now.
    pub fn new() -> Self {
        SystemClock {
            origin: Instant::now(),
        }
    }
}

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        self.origin.elapsed().as_millis() as u64
    }

    fn unix_ms(&self) -> u64 {
        unix_ms()
    }
}

/// Milliseconds since the Unix epoch from the system clock (0 if it is before 1970).
pub fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// A clock moved by hand, for deterministic tests.
#[derive(Default)]
pub struct ManualClock {
    now: Cell<u64>,
    unix_base: u64,
}

impl ManualClock {
    /// A manual clock at monotonic 0 whose wall clock starts at `unix_base` ms.
    pub fn new(unix_base: u64) -> Self {
        ManualClock {
            now: Cell::new(0),
            unix_base,
        }
    }

    /// Moves time forward by `ms`.
    pub fn advance(&self, ms: u64) {
        self.now.set(self.now.get() + ms);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> u64 {
        self.now.get()
    }

    fn unix_ms(&self) -> u64 {
        self.unix_base + self.now.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = ManualClock::new(1_000_000);
        assert_eq!(c.now_ms(), 0);
        c.advance(250);
        assert_eq!(c.now_ms(), 250);
        assert_eq!(c.unix_ms(), 1_000_250);
    }

    #[test]
    fn system_clock_is_monotonic_and_after_2020() {
        let c = SystemClock::new();
        let a = c.now_ms();
        let b = c.now_ms();
        assert!(b >= a);
        assert!(c.unix_ms() > 1_577_836_800_000);
    }
}
