//! 64-bit stream time for sinks: 32-bit RTMP timestamps unwrapped, either
//! passed through (ATC) or corrected to a monotonic line (SRS's jitter).

use super::jitter::{Jitter, JitterMode};

/// Maps message timestamps to a 64-bit millisecond timeline.
#[derive(Debug, Clone)]
pub struct Timeline {
    jitter: Jitter,
    last32: Option<u32>,
    ext: u64,
}

impl Timeline {
    /// `atc`: absolute timestamps (only unwrapped); otherwise corrected from 0.
    pub fn new(atc: bool) -> Self {
        Timeline {
            jitter: Jitter::new(if atc {
                JitterMode::Off
            } else {
                JitterMode::Full
            }),
            last32: None,
            ext: 0,
        }
    }

    /// The publisher changed: the corrected line continues.
    pub fn restart(&mut self) {
        self.jitter.restart();
    }

    /// The 64-bit time of a message timestamp.
    pub fn map(&mut self, ts: u32) -> u64 {
        let t = self.jitter.correct(ts);
        match self.last32 {
            None => self.ext = t as u64,
            Some(last) => {
                let delta = t.wrapping_sub(last) as i32 as i64;
                self.ext = (self.ext as i64 + delta).max(0) as u64;
            }
        }
        self.last32 = Some(t);
        self.ext
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atc_unwraps_32_bits() {
        let mut t = Timeline::new(true);
        assert_eq!(t.map(u32::MAX - 10), (u32::MAX - 10) as u64);
        assert_eq!(t.map(29), u32::MAX as u64 + 30);
    }

    #[test]
    fn corrected_starts_at_zero() {
        let mut t = Timeline::new(false);
        assert_eq!(t.map(5000), 0);
        assert_eq!(t.map(5040), 40);
    }
}
