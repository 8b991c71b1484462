//! Real-time pacing by timestamps, timelines that continue across loops, and
//! the periodic status line.

use std::time::{Duration, Instant};

use srs_kernel::MediaKind;

/// Frame duration assumed before any has been measured (25 fps).
pub const DEFAULT_FRAME_MS: u32 = 40;

/// Maps the timestamps of a file to output timestamps that keep increasing
/// when the file is played again (`--loop`).
///
/// Within one pass, output = offset + (timestamp - first timestamp of the pass).
/// [`Timeline::restart`] moves the offset to the last output timestamp plus one
/// frame duration, the smallest positive step seen between two video timestamps
/// (audio when there is no video; [`DEFAULT_FRAME_MS`] when none was seen).
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    offset: u64,
    pass_base: Option<u32>,
    last_out: Option<u64>,
    last_video: Option<u32>,
    last_audio: Option<u32>,
    video_step: Option<u32>,
    audio_step: Option<u32>,
}

impl Timeline {
    /// A timeline starting at 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// The output timestamp (ms) of a tag of `kind` with file timestamp `ts`.
    pub fn map(&mut self, kind: MediaKind, ts: u32) -> u64 {
        let base = *self.pass_base.get_or_insert(ts);
        let (last, step) = match kind {
            MediaKind::Video => (&mut self.last_video, &mut self.video_step),
            MediaKind::Audio => (&mut self.last_audio, &mut self.audio_step),
            MediaKind::Script => (&mut None, &mut None),
        };
        if let Some(prev) = *last {
            if ts > prev {
                let d = ts - prev;
                *step = Some(step.map_or(d, |s: u32| s.min(d)));
            }
        }
        if kind != MediaKind::Script {
            *last = Some(ts);
        }
        let out = self.offset + u64::from(ts.saturating_sub(base));
        self.last_out = Some(self.last_out.map_or(out, |l| l.max(out)));
        out
    }

    /// The duration of one frame as measured so far.
    pub fn frame_duration(&self) -> u32 {
        self.video_step
            .or(self.audio_step)
            .unwrap_or(DEFAULT_FRAME_MS)
    }

    /// Starts a new pass of the file: its timestamps continue after the last one.
    pub fn restart(&mut self) {
        if let Some(last) = self.last_out {
            self.offset = last + u64::from(self.frame_duration());
        }
        self.pass_base = None;
        self.last_video = None;
        self.last_audio = None;
    }
}

/// Sleeps so that a message with output timestamp `ts` leaves at `start + (ts - first)`.
#[derive(Debug, Clone)]
pub struct Pacer {
    start: Instant,
    first: Option<u64>,
}

impl Pacer {
    /// A pacer whose clock starts now.
    pub fn new(start: Instant) -> Self {
        Pacer { start, first: None }
    }

    /// How long to wait at `now` before sending timestamp `ts` (zero when late).
    pub fn delay(&mut self, ts: u64, now: Instant) -> Duration {
        let first = *self.first.get_or_insert(ts);
        let due = self.start + Duration::from_millis(ts.saturating_sub(first));
        due.saturating_duration_since(now)
    }

    /// Sleeps until timestamp `ts` is due.
    pub fn wait(&mut self, ts: u64) {
        let d = self.delay(ts, Instant::now());
        if !d.is_zero() {
            std::thread::sleep(d);
        }
    }
}

/// Counts messages and bytes, and produces a status line every `interval`.
#[derive(Debug, Clone)]
pub struct Status {
    verb: &'static str,
    start: Instant,
    interval: Duration,
    last_report: Instant,
    last_bytes: u64,
    /// Messages counted.
    pub messages: u64,
    /// Payload bytes counted.
    pub bytes: u64,
    /// Last timestamp seen (ms).
    pub timestamp: u64,
}

impl Status {
    /// A counter whose lines say `verb` ("sent", "received", "relayed").
    pub fn new(verb: &'static str, interval: Duration, now: Instant) -> Self {
        Status {
            verb,
            start: now,
            interval,
            last_report: now,
            last_bytes: 0,
            messages: 0,
            bytes: 0,
            timestamp: 0,
        }
    }

    /// Counts one message; returns a status line when one is due.
    pub fn record(&mut self, size: usize, timestamp: u64, now: Instant) -> Option<String> {
        self.messages += 1;
        self.bytes += size as u64;
        self.timestamp = timestamp;
        let since = now.saturating_duration_since(self.last_report);
        if since < self.interval {
            return None;
        }
        let kbps = kbps(self.bytes - self.last_bytes, since);
        self.last_report = now;
        self.last_bytes = self.bytes;
        Some(self.line(kbps, now))
    }

    /// The final line: totals and the average rate.
    pub fn summary(&self, now: Instant) -> String {
        let avg = kbps(self.bytes, now.saturating_duration_since(self.start));
        self.line(avg, now)
    }

    fn line(&self, kbps: u64, now: Instant) -> String {
        format!(
            "{} {} msgs, {} KB, {} kbps, stream time {:.1}s, elapsed {:.1}s",
            self.verb,
            self.messages,
            self.bytes / 1024,
            kbps,
            self.timestamp as f64 / 1000.0,
            now.saturating_duration_since(self.start).as_secs_f64()
        )
    }
}

/// Kilobits per second of `bytes` over `elapsed` (0 for no time).
pub fn kbps(bytes: u64, elapsed: Duration) -> u64 {
    (bytes * 8)
        .checked_div(elapsed.as_millis() as u64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeline_continues_across_loops() {
        let mut t = Timeline::new();
        let pass = [
            (MediaKind::Script, 0),
            (MediaKind::Video, 0),
            (MediaKind::Audio, 0),
            (MediaKind::Audio, 23),
            (MediaKind::Video, 40),
            (MediaKind::Audio, 46),
            (MediaKind::Video, 80),
        ];
        let first: Vec<u64> = pass.iter().map(|&(k, ts)| t.map(k, ts)).collect();
        assert_eq!(first, [0, 0, 0, 23, 40, 46, 80]);
        assert_eq!(t.frame_duration(), 40);
        t.restart();
        let second: Vec<u64> = pass.iter().map(|&(k, ts)| t.map(k, ts)).collect();
        assert_eq!(second, [120, 120, 120, 143, 160, 166, 200]);
        t.restart();
        assert_eq!(t.map(MediaKind::Video, 0), 240);
    }

    #[test]
    fn timeline_with_nonzero_start_and_audio_only() {
        let mut t = Timeline::new();
        assert_eq!(t.map(MediaKind::Audio, 1000), 0);
        assert_eq!(t.map(MediaKind::Audio, 1023), 23);
        assert_eq!(t.frame_duration(), 23);
        // A timestamp going backwards within a pass is clamped to the pass start.
        assert_eq!(t.map(MediaKind::Audio, 500), 0);
        t.restart();
        assert_eq!(t.map(MediaKind::Audio, 1000), 46);
        assert_eq!(Timeline::new().frame_duration(), DEFAULT_FRAME_MS);
    }

    #[test]
    fn pacer_delays() {
        let start = Instant::now();
        let mut p = Pacer::new(start);
        assert_eq!(p.delay(5000, start), Duration::ZERO);
        assert_eq!(p.delay(5100, start), Duration::from_millis(100));
        assert_eq!(
            p.delay(5100, start + Duration::from_millis(30)),
            Duration::from_millis(70)
        );
        assert_eq!(
            p.delay(5100, start + Duration::from_secs(1)),
            Duration::ZERO
        );
    }

    #[test]
    fn status_lines() {
        let t0 = Instant::now();
        let mut s = Status::new("sent", Duration::from_secs(5), t0);
        assert!(s.record(1000, 0, t0 + Duration::from_secs(1)).is_none());
        let line = s
            .record(124_000, 5000, t0 + Duration::from_secs(5))
            .unwrap();
        // 125000 bytes in 5 s = 200 kbps.
        assert!(
            line.contains("sent 2 msgs") && line.contains("200 kbps"),
            "{line}"
        );
        assert!(s.record(10, 5040, t0 + Duration::from_secs(6)).is_none());
        let sum = s.summary(t0 + Duration::from_secs(10));
        assert!(sum.contains("3 msgs"), "{sum}");
        assert_eq!(kbps(1000, Duration::ZERO), 0);
    }
}
