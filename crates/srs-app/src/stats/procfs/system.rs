//! `/proc/stat`, `/proc/meminfo`, `/proc/loadavg`, `/proc/uptime`: the
//! machine's CPU, memory, load and uptime.

use super::{as_f64, as_u64, read_text};

/// The aggregate `cpu` line of `/proc/stat`, SRS's `SrsProcSystemStat`
/// fields, in clock ticks (`USER_HZ`). `guest_nice` is ignored, as SRS does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CpuStat {
    /// Whether a `cpu ` line was found.
    pub ok: bool,
    /// Time in user mode.
    pub user: u64,
    /// Time in user mode with low priority.
    pub nice: u64,
    /// Time in kernel mode.
    pub sys: u64,
    /// Idle time.
    pub idle: u64,
    /// Time waiting for I/O.
    pub iowait: u64,
    /// Time servicing interrupts.
    pub irq: u64,
    /// Time servicing softirqs.
    pub softirq: u64,
    /// Time stolen by the hypervisor.
    pub steal: u64,
    /// Time running guests.
    pub guest: u64,
}

impl CpuStat {
    /// Sum of all the counters (SRS's `total()`), ticks.
    pub fn total(&self) -> u64 {
        self.user
            .saturating_add(self.nice)
            .saturating_add(self.sys)
            .saturating_add(self.idle)
            .saturating_add(self.iowait)
            .saturating_add(self.irq)
            .saturating_add(self.softirq)
            .saturating_add(self.steal)
            .saturating_add(self.guest)
    }
}

/// `/proc/stat`: the aggregate cpu line and the system-wide totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProcStat {
    /// The aggregate `cpu` line.
    pub cpu: CpuStat,
    /// Context switches since boot (`ctxt`).
    pub ctxt: u64,
    /// Boot time, seconds since the epoch (`btime`).
    pub btime: u64,
    /// Forks since boot (`processes`).
    pub processes: u64,
    /// Runnable threads now (`procs_running`).
    pub procs_running: u64,
    /// Threads blocked on I/O now (`procs_blocked`).
    pub procs_blocked: u64,
}

/// Parses `/proc/stat`.
pub fn parse_proc_stat(text: &str) -> ProcStat {
    let mut r = ProcStat::default();
    for line in text.lines() {
        let mut it = line.split_whitespace();
        let key = it.next().unwrap_or("");
        match key {
            "cpu" if !r.cpu.ok => {
                let v: Vec<&str> = it.collect();
                let g = |n: usize| as_u64(v.get(n).copied());
                r.cpu = CpuStat {
                    ok: true,
                    user: g(0),
                    nice: g(1),
                    sys: g(2),
                    idle: g(3),
                    iowait: g(4),
                    irq: g(5),
                    softirq: g(6),
                    steal: g(7),
                    guest: g(8),
                };
            }
            "ctxt" => r.ctxt = as_u64(it.next()),
            "btime" => r.btime = as_u64(it.next()),
            "processes" => r.processes = as_u64(it.next()),
            "procs_running" => r.procs_running = as_u64(it.next()),
            "procs_blocked" => r.procs_blocked = as_u64(it.next()),
            _ => {}
        }
    }
    r
}

/// Reads and parses `/proc/stat` (defaults on error).
pub fn read_proc_stat() -> ProcStat {
    parse_proc_stat(&read_text("/proc/stat"))
}

// ---------------------------------------------------------------------------
// /proc/meminfo
// ---------------------------------------------------------------------------

/// `/proc/meminfo` in kB, with SRS's `SrsMemInfo` names and derived values.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[allow(non_snake_case)] // SRS's (and the kernel's) names.
pub struct MemInfo {
    /// Whether `MemTotal` was found.
    pub ok: bool,
    /// Total usable RAM, kB.
    pub MemTotal: u64,
    /// Free RAM, kB.
    pub MemFree: u64,
    /// Estimate of RAM available without swapping, kB (0 on old kernels).
    pub MemAvailable: u64,
    /// Block-device buffers, kB.
    pub Buffers: u64,
    /// Page cache, kB.
    pub Cached: u64,
    /// Total swap, kB.
    pub SwapTotal: u64,
    /// Free swap, kB.
    pub SwapFree: u64,
    /// SRS's `MemActive`: `MemTotal - MemFree`, kB.
    pub MemActive: u64,
    /// SRS's `RealInUse`: `MemActive - Buffers - Cached`, kB.
    pub RealInUse: u64,
    /// SRS's `NotInUse`: `MemTotal - RealInUse`, kB.
    pub NotInUse: u64,
    /// `RealInUse / MemTotal`, a ratio in [0, 1] as SRS reports it.
    pub percent_ram: f64,
    /// `(SwapTotal - SwapFree) / SwapTotal`, a ratio in [0, 1].
    pub percent_swap: f64,
}

/// Parses `/proc/meminfo` and computes SRS's derived values.
pub fn parse_meminfo(text: &str) -> MemInfo {
    let mut r = MemInfo::default();
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let v = as_u64(value.split_whitespace().next());
        match key.trim() {
            "MemTotal" => {
                r.MemTotal = v;
                r.ok = true;
            }
            "MemFree" => r.MemFree = v,
            "MemAvailable" => r.MemAvailable = v,
            "Buffers" => r.Buffers = v,
            "Cached" => r.Cached = v,
            "SwapTotal" => r.SwapTotal = v,
            "SwapFree" => r.SwapFree = v,
            _ => {}
        }
    }
    r.MemActive = r.MemTotal.saturating_sub(r.MemFree);
    r.RealInUse = r
        .MemActive
        .saturating_sub(r.Buffers)
        .saturating_sub(r.Cached);
    r.NotInUse = r.MemTotal.saturating_sub(r.RealInUse);
    if r.MemTotal > 0 {
        r.percent_ram = r.RealInUse as f64 / r.MemTotal as f64;
    }
    if r.SwapTotal > 0 {
        r.percent_swap = r.SwapTotal.saturating_sub(r.SwapFree) as f64 / r.SwapTotal as f64;
    }
    r
}

/// Reads and parses `/proc/meminfo` (defaults on error).
pub fn read_meminfo() -> MemInfo {
    parse_meminfo(&read_text("/proc/meminfo"))
}

// ---------------------------------------------------------------------------
// /proc/loadavg, /proc/uptime
// ---------------------------------------------------------------------------

/// `/proc/loadavg`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LoadAvg {
    /// Whether three load values were found.
    pub ok: bool,
    /// Load average over 1 minute.
    pub load_1m: f64,
    /// Load average over 5 minutes.
    pub load_5m: f64,
    /// Load average over 15 minutes.
    pub load_15m: f64,
    /// Runnable scheduling entities now.
    pub running: u64,
    /// Scheduling entities that exist.
    pub total: u64,
}

/// Parses `/proc/loadavg`, e.g. `0.19 0.75 0.78 1/81 17777`.
pub fn parse_loadavg(text: &str) -> LoadAvg {
    let v: Vec<&str> = text.split_whitespace().collect();
    let (running, total) = v
        .get(3)
        .and_then(|s| s.split_once('/'))
        .map(|(a, b)| (as_u64(Some(a)), as_u64(Some(b))))
        .unwrap_or((0, 0));
    LoadAvg {
        ok: v.len() >= 3,
        load_1m: as_f64(v.first().copied()),
        load_5m: as_f64(v.get(1).copied()),
        load_15m: as_f64(v.get(2).copied()),
        running,
        total,
    }
}

/// Reads and parses `/proc/loadavg` (defaults on error).
pub fn read_loadavg() -> LoadAvg {
    parse_loadavg(&read_text("/proc/loadavg"))
}

/// `/proc/uptime`, in seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Uptime {
    /// Whether two values were found.
    pub ok: bool,
    /// Seconds since boot (SRS's `os_uptime`).
    pub uptime: f64,
    /// Idle seconds summed over all CPUs (SRS's `os_ilde_time`).
    pub idle_time: f64,
}

/// Parses `/proc/uptime`, e.g. `2193.14 3529.58`.
pub fn parse_uptime(text: &str) -> Uptime {
    let v: Vec<&str> = text.split_whitespace().collect();
    Uptime {
        ok: v.len() >= 2,
        uptime: as_f64(v.first().copied()),
        idle_time: as_f64(v.get(1).copied()),
    }
}

/// Reads and parses `/proc/uptime` (defaults on error).
pub fn read_uptime() -> Uptime {
    parse_uptime(&read_text("/proc/uptime"))
}

// ---------------------------------------------------------------------------
// /proc/net/dev
// ---------------------------------------------------------------------------
