//! CPU time and resident memory of another process, from `/proc/PID/stat` and
//! `/proc/PID/status`.

use std::time::Instant;

/// One reading of a process.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProcSample {
    /// When it was read.
    pub at: Instant,
    /// utime + stime, in clock ticks.
    pub cpu_ticks: u64,
    /// Resident set size in bytes (VmRSS).
    pub rss_bytes: u64,
}

/// utime + stime (fields 14 and 15) of a `/proc/PID/stat` line, in clock ticks.
///
/// The command name (field 2) is in parentheses and may hold spaces or `)`,
/// so fields are counted from the last `)`.
pub fn parse_stat_cpu_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    // After the `)`, the first field is field 3 (state): field n is at index n - 3.
    let mut fields = rest.split_ascii_whitespace();
    let utime: u64 = fields.nth(14 - 3)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// VmRSS of a `/proc/PID/status` text, in bytes.
pub fn parse_status_rss_bytes(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let mut parts = line["VmRSS:".len()..].split_ascii_whitespace();
    let value: u64 = parts.next()?.parse().ok()?;
    let unit = match parts.next().unwrap_or("kB") {
        "kB" | "KB" | "kb" => 1024,
        "mB" | "MB" => 1024 * 1024,
        "B" => 1,
        _ => return None,
    };
    Some(value * unit)
}

/// Clock ticks per second (`sysconf(_SC_CLK_TCK)`).
pub fn clock_ticks_per_sec() -> u64 {
    // SAFETY: sysconf only reads a configuration value; it has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 {
        t as u64
    } else {
        100
    }
}

/// Samples one process.
#[derive(Debug, Clone)]
pub struct ProcWatcher {
    pid: u32,
    ticks_per_sec: u64,
}

impl ProcWatcher {
    /// A watcher of `pid`.
    pub fn new(pid: u32) -> Self {
        ProcWatcher {
            pid,
            ticks_per_sec: clock_ticks_per_sec(),
        }
    }

    /// The watched pid.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Reads the process now; `None` if it is gone or unreadable.
    pub fn sample(&self) -> Option<ProcSample> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).ok()?;
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).ok()?;
        Some(ProcSample {
            at: Instant::now(),
            cpu_ticks: parse_stat_cpu_ticks(&stat)?,
            rss_bytes: parse_status_rss_bytes(&status)?,
        })
    }

    /// CPU use between two samples, in percent of one core.
    pub fn cpu_percent(&self, from: &ProcSample, to: &ProcSample) -> f64 {
        let secs = to.at.saturating_duration_since(from.at).as_secs_f64();
        if secs <= 0.0 {
            return 0.0;
        }
        let ticks = to.cpu_ticks.saturating_sub(from.cpu_ticks) as f64;
        ticks / self.ticks_per_sec as f64 / secs * 100.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const STAT: &str = "12345 (srs) S 1 12345 12345 0 -1 4194560 1234 0 0 0 250 75 0 0 20 0 1 0 \
                        98765 123456789 4321 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 0 0 0 0 0 0";

    #[test]
    fn stat_cpu_ticks() {
        assert_eq!(parse_stat_cpu_ticks(STAT), Some(325));
        // A command name with spaces and parentheses.
        let odd = STAT.replace("(srs)", "(my (odd) name)");
        assert_eq!(parse_stat_cpu_ticks(&odd), Some(325));
        assert_eq!(parse_stat_cpu_ticks("12 (x) S 1 2"), None);
        assert_eq!(parse_stat_cpu_ticks("garbage"), None);
    }

    #[test]
    fn status_rss() {
        let status = "Name:\tsrs\nState:\tS (sleeping)\nVmPeak:\t  200000 kB\nVmRSS:\t   51200 kB\nThreads:\t1\n";
        assert_eq!(parse_status_rss_bytes(status), Some(51200 * 1024));
        assert_eq!(parse_status_rss_bytes("Name:\tx\n"), None);
        assert_eq!(parse_status_rss_bytes("VmRSS:\tabc kB\n"), None);
    }

    #[test]
    fn cpu_percent_from_samples() {
        let w = ProcWatcher {
            pid: 1,
            ticks_per_sec: 100,
        };
        let t0 = Instant::now();
        let a = ProcSample {
            at: t0,
            cpu_ticks: 1000,
            rss_bytes: 0,
        };
        let b = ProcSample {
            at: t0 + Duration::from_secs(2),
            cpu_ticks: 1050,
            rss_bytes: 0,
        };
        assert!((w.cpu_percent(&a, &b) - 25.0).abs() < 1e-9);
        assert_eq!(w.cpu_percent(&b, &a), 0.0);
    }

    #[test]
    fn sample_self() {
        let w = ProcWatcher::new(std::process::id());
        let s = w.sample().expect("own /proc entry");
        assert!(s.rss_bytes > 0);
        assert_eq!(w.pid(), std::process::id());
    }
}
