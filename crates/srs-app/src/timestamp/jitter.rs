//! Timestamp correction per player (SRS's `time_jitter`).
//!
//! Timestamps are 32-bit on the wire and wrap after 2^32 ms (49.7 days, or
//! 4.6 hours for encoders that start near the top). Deltas are computed
//! with wrapping arithmetic, so a wrap is just another small delta.

/// How timestamps are corrected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JitterMode {
    /// Monotonic from 0: deltas that are negative beyond a tolerance or too
    /// large are replaced by a default frame time.
    Full,
    /// Only shifted so the first message starts at 0.
    Zero,
    /// Passed through unchanged (also used for ATC).
    Off,
}

/// A backward step larger than this is a jump (republish, encoder reset), not
/// the normal interleaving of audio and video.
pub const MAX_BACKWARD_MS: i64 = 250;
/// A forward gap larger than this is a jump; shorter gaps (a low frame rate,
/// an encoder stall) are kept as they are.
pub const MAX_FORWARD_GAP_MS: i64 = 10_000;
/// Delta used in place of a jump.
pub const DEFAULT_FRAME_TIME_MS: i64 = 40;

/// The correction state of one player.
#[derive(Debug, Clone)]
pub struct Jitter {
    mode: JitterMode,
    started: bool,
    last_in: u32,
    last_out: i64,
    first_in: u32,
}

impl Jitter {
    /// A fresh corrector.
    pub fn new(mode: JitterMode) -> Self {
        Jitter {
            mode,
            started: false,
            last_in: 0,
            last_out: 0,
            first_in: 0,
        }
    }

    /// Starts over (e.g. when the publisher changes), keeping the output monotonic.
    pub fn restart(&mut self) {
        // The next input is treated as a jump from the last one, so the
        // output continues with one default frame time.
        if self.mode == JitterMode::Zero {
            self.started = false;
        }
    }

    /// The corrected timestamp for an input timestamp.
    pub fn correct(&mut self, ts: u32) -> u32 {
        match self.mode {
            JitterMode::Off => ts,
            JitterMode::Zero => {
                if !self.started {
                    self.started = true;
                    self.first_in = ts.wrapping_sub(self.last_out as u32);
                }
                let out = ts.wrapping_sub(self.first_in);
                self.last_out = out as i64;
                out
            }
            JitterMode::Full => {
                if !self.started {
                    self.started = true;
                    self.last_in = ts;
                    return self.last_out as u32;
                }
                let mut delta = ts.wrapping_sub(self.last_in) as i32 as i64;
                if !(-MAX_BACKWARD_MS..=MAX_FORWARD_GAP_MS).contains(&delta) {
                    delta = DEFAULT_FRAME_TIME_MS;
                }
                self.last_in = ts;
                self.last_out = (self.last_out + delta).max(0);
                self.last_out as u32
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_starts_at_zero_and_keeps_deltas() {
        let mut j = Jitter::new(JitterMode::Full);
        assert_eq!(j.correct(100_000), 0);
        assert_eq!(j.correct(100_040), 40);
        assert_eq!(j.correct(100_020), 20); // small a/v interleave stays
        assert_eq!(j.correct(100_080), 80);
    }

    #[test]
    fn full_replaces_jumps() {
        let mut j = Jitter::new(JitterMode::Full);
        j.correct(0);
        assert_eq!(j.correct(40), 40);
        assert_eq!(j.correct(5_000_000), 80); // forward jump
        assert_eq!(j.correct(5_000_040), 120);
        assert_eq!(j.correct(10), 160); // backward jump (republish)
    }

    #[test]
    fn full_crosses_the_32_bit_wrap_smoothly() {
        let mut j = Jitter::new(JitterMode::Full);
        let mut ts: u32 = u32::MAX - 100;
        let mut last = j.correct(ts);
        for _ in 0..10 {
            ts = ts.wrapping_add(40);
            let out = j.correct(ts);
            assert_eq!(out, last + 40);
            last = out;
        }
        assert!(ts < 1000, "input wrapped");
    }

    #[test]
    fn zero_shifts_and_off_passes() {
        let mut z = Jitter::new(JitterMode::Zero);
        assert_eq!(z.correct(5000), 0);
        assert_eq!(z.correct(5040), 40);
        let mut o = Jitter::new(JitterMode::Off);
        assert_eq!(o.correct(5000), 5000);
    }
}
