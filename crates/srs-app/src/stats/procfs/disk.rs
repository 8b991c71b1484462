//! `/proc/vmstat` and `/proc/diskstats`: paging and disk activity.

use super::{as_u64, read_text};

/// The paging counters of `/proc/vmstat` SRS uses for disk throughput.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VmStat {
    /// Whether `pgpgin` was found.
    pub ok: bool,
    /// kB paged in from disk since boot.
    pub pgpgin: u64,
    /// kB paged out to disk since boot.
    pub pgpgout: u64,
}

/// Parses `/proc/vmstat`.
pub fn parse_vmstat(text: &str) -> VmStat {
    let mut r = VmStat::default();
    for line in text.lines() {
        let mut it = line.split_whitespace();
        match it.next() {
            Some("pgpgin") => {
                r.pgpgin = as_u64(it.next());
                r.ok = true;
            }
            Some("pgpgout") => r.pgpgout = as_u64(it.next()),
            _ => {}
        }
    }
    r
}

/// Reads and parses `/proc/vmstat` (defaults on error).
pub fn read_vmstat() -> VmStat {
    parse_vmstat(&read_text("/proc/vmstat"))
}

/// One block device of `/proc/diskstats` (SRS's `SrsDiskStat` names).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiskStat {
    /// Device name, e.g. `sda`.
    pub name: String,
    /// Reads completed.
    pub rd_ios: u64,
    /// Reads merged.
    pub rd_merges: u64,
    /// Sectors read.
    pub rd_sectors: u64,
    /// Milliseconds spent reading.
    pub rd_ticks: u64,
    /// Writes completed.
    pub wr_ios: u64,
    /// Writes merged.
    pub wr_merges: u64,
    /// Sectors written.
    pub wr_sectors: u64,
    /// Milliseconds spent writing.
    pub wr_ticks: u64,
    /// I/Os in progress now.
    pub nb_current: u64,
    /// Milliseconds spent doing I/O (the device was busy).
    pub ticks: u64,
    /// Weighted milliseconds spent doing I/O.
    pub aveq: u64,
}

/// Parses `/proc/diskstats`; lines with fewer than 14 fields are skipped.
pub fn parse_diskstats(text: &str) -> Vec<DiskStat> {
    let mut out = Vec::new();
    for line in text.lines() {
        let v: Vec<&str> = line.split_whitespace().collect();
        if v.len() < 14 {
            continue;
        }
        let g = |n: usize| as_u64(v.get(n).copied());
        out.push(DiskStat {
            name: v[2].to_string(),
            rd_ios: g(3),
            rd_merges: g(4),
            rd_sectors: g(5),
            rd_ticks: g(6),
            wr_ios: g(7),
            wr_merges: g(8),
            wr_sectors: g(9),
            wr_ticks: g(10),
            nb_current: g(11),
            ticks: g(12),
            aveq: g(13),
        });
    }
    out
}

/// Reads and parses `/proc/diskstats` (empty on error).
pub fn read_diskstats() -> Vec<DiskStat> {
    parse_diskstats(&read_text("/proc/diskstats"))
}

// ---------------------------------------------------------------------------
// /proc/net/sockstat, /proc/net/snmp
// ---------------------------------------------------------------------------
