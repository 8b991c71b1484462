//! Counters of the run, per-second rates and the summary figures.

use std::time::Instant;

/// Why a connection failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FailKind {
    /// The TCP connect was refused.
    ConnectRefused,
    /// Another error while connecting (unreachable, no ports left...).
    ConnectError,
    /// Not playing / publishing within the timeout.
    Timeout,
    /// The server rejected connect, publish or play.
    Rejected,
    /// The server sent something the session could not accept.
    Protocol,
    /// The server closed the connection (EOF).
    ClosedByServer,
    /// The connection was reset.
    Reset,
    /// Another socket error.
    Io,
}

impl FailKind {
    /// Every kind, in report order.
    pub const ALL: [FailKind; 8] = [
        FailKind::ConnectRefused,
        FailKind::ConnectError,
        FailKind::Timeout,
        FailKind::Rejected,
        FailKind::Protocol,
        FailKind::ClosedByServer,
        FailKind::Reset,
        FailKind::Io,
    ];

    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            FailKind::ConnectRefused => "connect_refused",
            FailKind::ConnectError => "connect_error",
            FailKind::Timeout => "timeout",
            FailKind::Rejected => "rejected",
            FailKind::Protocol => "protocol",
            FailKind::ClosedByServer => "closed_by_server",
            FailKind::Reset => "reset",
            FailKind::Io => "io",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// Classifies a socket error (`connecting`: the TCP connect was not done yet).
    pub fn from_io(e: &std::io::Error, connecting: bool) -> FailKind {
        use std::io::ErrorKind as K;
        match e.kind() {
            K::ConnectionRefused => FailKind::ConnectRefused,
            K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe => FailKind::Reset,
            K::TimedOut => FailKind::Timeout,
            _ if connecting => FailKind::ConnectError,
            _ => FailKind::Io,
        }
    }
}

/// Running totals, updated by the driver with as little work as possible per message.
#[derive(Debug, Clone)]
pub struct Counters {
    /// Bytes read by players.
    pub player_bytes: u64,
    /// Audio / video / metadata messages received by players.
    pub player_msgs: u64,
    /// Bytes written by publishers.
    pub publisher_bytes: u64,
    /// Players playing now.
    pub playing: usize,
    /// Publishers publishing now.
    pub publishing: usize,
    /// Players that failed.
    pub players_failed: usize,
    /// Publishers that failed.
    pub publishers_failed: usize,
    errors: [u64; FailKind::ALL.len()],
    /// Time from TCP connect to the first (non sequence header) video frame, per player, in µs.
    pub first_frame_us: Vec<u64>,
    /// Players whose first video frame was not a keyframe.
    pub first_not_keyframe: usize,
}

impl Default for Counters {
    fn default() -> Self {
        Self::new()
    }
}

impl Counters {
    /// All zero.
    pub fn new() -> Self {
        Counters {
            player_bytes: 0,
            player_msgs: 0,
            publisher_bytes: 0,
            playing: 0,
            publishing: 0,
            players_failed: 0,
            publishers_failed: 0,
            errors: [0; FailKind::ALL.len()],
            first_frame_us: Vec::new(),
            first_not_keyframe: 0,
        }
    }

    /// Counts one failure.
    pub fn fail(&mut self, kind: FailKind) {
        self.errors[kind.index()] += 1;
    }

    /// Failures of one kind.
    pub fn errors_of(&self, kind: FailKind) -> u64 {
        self.errors[kind.index()]
    }

    /// Non-zero failure counts by kind name.
    pub fn errors(&self) -> Vec<(&'static str, u64)> {
        FailKind::ALL
            .iter()
            .filter(|k| self.errors_of(**k) > 0)
            .map(|k| (k.name(), self.errors_of(*k)))
            .collect()
    }
}

/// Turns running totals into per-second rates.
#[derive(Debug, Clone)]
pub struct RateWindow {
    at: Instant,
    bytes: u64,
    msgs: u64,
}

/// Rates over one window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rates {
    /// Received megabits per second (10^6).
    pub mbps: f64,
    /// Messages per second.
    pub msgs_per_sec: f64,
}

impl RateWindow {
    /// A window starting now with these totals.
    pub fn new(at: Instant, c: &Counters) -> Self {
        RateWindow {
            at,
            bytes: c.player_bytes,
            msgs: c.player_msgs,
        }
    }

    /// Rates since the window start; the window then restarts at `now`.
    pub fn roll(&mut self, now: Instant, c: &Counters) -> Rates {
        let r = self.rates(now, c);
        *self = RateWindow::new(now, c);
        r
    }

    /// Rates since the window start.
    pub fn rates(&self, now: Instant, c: &Counters) -> Rates {
        let secs = now.saturating_duration_since(self.at).as_secs_f64();
        if secs <= 0.0 {
            return Rates {
                mbps: 0.0,
                msgs_per_sec: 0.0,
            };
        }
        Rates {
            mbps: mbps(c.player_bytes - self.bytes, secs),
            msgs_per_sec: (c.player_msgs - self.msgs) as f64 / secs,
        }
    }
}

/// Megabits per second (10^6 bits) of `bytes` over `secs`.
pub fn mbps(bytes: u64, secs: f64) -> f64 {
    if secs <= 0.0 {
        0.0
    } else {
        bytes as f64 * 8.0 / secs / 1e6
    }
}

/// The `p`-th percentile (0..=100) of sorted values, nearest-rank method.
pub fn percentile(sorted: &[u64], p: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    debug_assert!(sorted.windows(2).all(|w| w[0] <= w[1]), "sorted input");
    let rank = (p.clamp(0.0, 100.0) / 100.0 * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// p50 / p90 / p99 / max of a latency sample, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LatencyMs {
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Largest.
    pub max: f64,
}

/// Percentiles of microsecond samples (sorted in place), in milliseconds.
pub fn latency_ms(samples_us: &mut [u64]) -> Option<LatencyMs> {
    samples_us.sort_unstable();
    let ms = |p: f64| percentile(samples_us, p).map(|v| v as f64 / 1000.0);
    Some(LatencyMs {
        p50: ms(50.0)?,
        p90: ms(90.0)?,
        p99: ms(99.0)?,
        max: ms(100.0)?,
    })
}

/// min / avg / max of a sample.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MinAvgMax {
    /// Smallest.
    pub min: f64,
    /// Mean.
    pub avg: f64,
    /// Largest.
    pub max: f64,
}

/// min / avg / max, `None` for an empty sample.
pub fn min_avg_max(values: &[f64]) -> Option<MinAvgMax> {
    if values.is_empty() {
        return None;
    }
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let avg = values.iter().sum::<f64>() / values.len() as f64;
    Some(MinAvgMax { min, avg, max })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn percentiles_nearest_rank() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), Some(50));
        assert_eq!(percentile(&v, 90.0), Some(90));
        assert_eq!(percentile(&v, 99.0), Some(99));
        assert_eq!(percentile(&v, 100.0), Some(100));
        assert_eq!(percentile(&v, 0.0), Some(1));
        assert_eq!(percentile(&[7], 50.0), Some(7));
        assert_eq!(percentile(&[7], 99.0), Some(7));
        assert_eq!(percentile(&[], 50.0), None);
        // Nearest rank: p50 of 4 values is the 2nd, p90 the 4th.
        assert_eq!(percentile(&[10, 20, 30, 40], 50.0), Some(20));
        assert_eq!(percentile(&[10, 20, 30, 40], 90.0), Some(40));
        assert_eq!(percentile(&[10, 20, 30, 40], 75.0), Some(30));
    }

    #[test]
    fn latency_sorts_and_converts() {
        let mut v = vec![5000, 1000, 3000, 2000, 4000];
        let l = latency_ms(&mut v).unwrap();
        assert_eq!(l.p50, 3.0);
        assert_eq!(l.p90, 5.0);
        assert_eq!(l.p99, 5.0);
        assert_eq!(l.max, 5.0);
        assert_eq!(latency_ms(&mut []), None);
    }

    #[test]
    fn min_avg_max_values() {
        let m = min_avg_max(&[1.0, 2.0, 6.0]).unwrap();
        assert_eq!((m.min, m.avg, m.max), (1.0, 3.0, 6.0));
        assert_eq!(min_avg_max(&[]), None);
    }

    #[test]
    fn rates_and_errors() {
        let t0 = Instant::now();
        let mut c = Counters::new();
        let mut w = RateWindow::new(t0, &c);
        c.player_bytes += 250_000;
        c.player_msgs += 100;
        let r = w.roll(t0 + Duration::from_secs(2), &c);
        assert!((r.mbps - 1.0).abs() < 1e-9);
        assert!((r.msgs_per_sec - 50.0).abs() < 1e-9);
        assert_eq!(w.rates(t0 + Duration::from_secs(3), &c).mbps, 0.0);
        c.fail(FailKind::Timeout);
        c.fail(FailKind::Timeout);
        c.fail(FailKind::Rejected);
        assert_eq!(c.errors(), vec![("timeout", 2), ("rejected", 1)]);
        assert_eq!(mbps(125_000, 1.0), 1.0);
        assert_eq!(mbps(1, 0.0), 0.0);
    }

    #[test]
    fn io_error_kinds() {
        use std::io::{Error, ErrorKind};
        let e = |k| Error::from(k);
        assert_eq!(
            FailKind::from_io(&e(ErrorKind::ConnectionRefused), true),
            FailKind::ConnectRefused
        );
        assert_eq!(
            FailKind::from_io(&e(ErrorKind::ConnectionReset), false),
            FailKind::Reset
        );
        assert_eq!(
            FailKind::from_io(&e(ErrorKind::AddrNotAvailable), true),
            FailKind::ConnectError
        );
        assert_eq!(
            FailKind::from_io(&e(ErrorKind::AddrNotAvailable), false),
            FailKind::Io
        );
    }
}
