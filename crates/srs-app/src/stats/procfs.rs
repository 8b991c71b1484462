//! Parsers for the Linux `/proc` files SRS samples, plus readers for the
//! real files.
//!
//! Every parser takes the file's text and never panics: a missing or garbled
//! field reads as zero, and each struct carries an `ok` flag telling whether
//! the text looked like the file at all. Every reader returns the default
//! (all zeros, `ok == false`) when the file cannot be read.

use std::collections::HashMap;

/// Reads a whole file as text, replacing bytes that are not UTF-8 (a process
/// name may hold any bytes); an unreadable file reads as empty text.
pub fn read_text(path: &str) -> String {
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => String::new(),
    }
}

/// Parses an unsigned number; anything else reads as 0.
fn as_u64(s: Option<&str>) -> u64 {
    s.and_then(|s| s.trim().parse::<u64>().ok()).unwrap_or(0)
}

/// Parses a signed number; anything else reads as 0.
fn as_i64(s: Option<&str>) -> i64 {
    s.and_then(|s| s.trim().parse::<i64>().ok()).unwrap_or(0)
}

/// Parses a decimal number; anything else (or a non-finite value) reads as 0.
fn as_f64(s: Option<&str>) -> f64 {
    s.and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite())
        .unwrap_or(0.0)
}

// ---------------------------------------------------------------------------
// /proc/self/stat
// ---------------------------------------------------------------------------

/// One process's `/proc/[pid]/stat`, with SRS's `SrsProcSelfStat` field
/// names (see `man 5 proc`). Times are in clock ticks (`USER_HZ`), `rss` in
/// pages, `vsize` in bytes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SelfStat {
    /// Whether the text looked like a stat line (a pid was found).
    pub ok: bool,
    /// (1) Process id.
    pub pid: i64,
    /// (2) Executable name, without the surrounding parentheses.
    pub comm: String,
    /// (3) State: R, S, D, Z, T, ... (`'0'` when unknown, as SRS).
    pub state: char,
    /// (4) Parent pid.
    pub ppid: i64,
    /// (5) Process group.
    pub pgrp: i64,
    /// (6) Session id.
    pub session: i64,
    /// (7) Controlling terminal.
    pub tty_nr: i64,
    /// (8) Foreground process group of the terminal.
    pub tpgid: i64,
    /// (9) Kernel flags.
    pub flags: u64,
    /// (10) Minor faults.
    pub minflt: u64,
    /// (11) Minor faults of waited-for children.
    pub cminflt: u64,
    /// (12) Major faults.
    pub majflt: u64,
    /// (13) Major faults of waited-for children.
    pub cmajflt: u64,
    /// (14) User-mode time, ticks.
    pub utime: u64,
    /// (15) Kernel-mode time, ticks.
    pub stime: u64,
    /// (16) Children's user-mode time, ticks.
    pub cutime: i64,
    /// (17) Children's kernel-mode time, ticks.
    pub cstime: i64,
    /// (18) Scheduling priority.
    pub priority: i64,
    /// (19) Nice value.
    pub nice: i64,
    /// (20) Number of threads.
    pub num_threads: i64,
    /// (21) Obsolete, always 0.
    pub itrealvalue: i64,
    /// (22) Start time after boot, ticks.
    pub starttime: u64,
    /// (23) Virtual memory size, bytes.
    pub vsize: u64,
    /// (24) Resident set size, pages.
    pub rss: i64,
    /// (25) Soft limit on rss, bytes.
    pub rsslim: u64,
    /// (26) Address above which program text can run.
    pub startcode: u64,
    /// (27) Address below which program text can run.
    pub endcode: u64,
    /// (28) Bottom of the stack.
    pub startstack: u64,
    /// (29) Stack pointer.
    pub kstkesp: u64,
    /// (30) Instruction pointer.
    pub kstkeip: u64,
    /// (31) Pending signals bitmap (obsolete).
    pub signal: u64,
    /// (32) Blocked signals bitmap (obsolete).
    pub blocked: u64,
    /// (33) Ignored signals bitmap (obsolete).
    pub sigignore: u64,
    /// (34) Caught signals bitmap (obsolete).
    pub sigcatch: u64,
    /// (35) Wait channel.
    pub wchan: u64,
    /// (36) Pages swapped (not maintained).
    pub nswap: u64,
    /// (37) Children's nswap (not maintained).
    pub cnswap: u64,
    /// (38) Signal sent to the parent at death.
    pub exit_signal: i64,
    /// (39) CPU last run on.
    pub processor: i64,
    /// (40) Real-time priority.
    pub rt_priority: u64,
    /// (41) Scheduling policy.
    pub policy: u64,
    /// (42) Aggregated block I/O delays, ticks.
    pub delayacct_blkio_ticks: u64,
    /// (43) Guest time, ticks.
    pub guest_time: u64,
    /// (44) Children's guest time, ticks.
    pub cguest_time: i64,
}

/// Parses `/proc/[pid]/stat`. The name (field 2) may hold spaces and
/// parentheses, so it is taken between the first `(` and the last `)`.
pub fn parse_self_stat(text: &str) -> SelfStat {
    let text = text.trim();
    let (pid_text, comm, rest): (&str, String, Vec<&str>) = match (text.find('('), text.rfind(')'))
    {
        (Some(open), Some(close)) if open < close => (
            &text[..open],
            text[open + 1..close].to_string(),
            text[close + 1..].split_whitespace().collect(),
        ),
        _ => {
            // No parenthesised name: take the tokens as they come.
            let mut tokens = text.split_whitespace();
            let pid = tokens.next().unwrap_or("");
            let comm = tokens
                .next()
                .unwrap_or("")
                .trim_matches(|c| c == '(' || c == ')')
                .to_string();
            (pid, comm, tokens.collect())
        }
    };

    // rest[0] is field 3 (state); field n is rest[n - 3].
    let f = |n: usize| rest.get(n - 3).copied();
    let u = |n: usize| as_u64(f(n));
    let i = |n: usize| as_i64(f(n));

    let pid = as_i64(Some(pid_text));
    SelfStat {
        ok: pid > 0,
        pid,
        comm,
        state: f(3).and_then(|s| s.chars().next()).unwrap_or('0'),
        ppid: i(4),
        pgrp: i(5),
        session: i(6),
        tty_nr: i(7),
        tpgid: i(8),
        flags: u(9),
        minflt: u(10),
        cminflt: u(11),
        majflt: u(12),
        cmajflt: u(13),
        utime: u(14),
        stime: u(15),
        cutime: i(16),
        cstime: i(17),
        priority: i(18),
        nice: i(19),
        num_threads: i(20),
        itrealvalue: i(21),
        starttime: u(22),
        vsize: u(23),
        rss: i(24),
        rsslim: u(25),
        startcode: u(26),
        endcode: u(27),
        startstack: u(28),
        kstkesp: u(29),
        kstkeip: u(30),
        signal: u(31),
        blocked: u(32),
        sigignore: u(33),
        sigcatch: u(34),
        wchan: u(35),
        nswap: u(36),
        cnswap: u(37),
        exit_signal: i(38),
        processor: i(39),
        rt_priority: u(40),
        policy: u(41),
        delayacct_blkio_ticks: u(42),
        guest_time: u(43),
        cguest_time: i(44),
    }
}

/// Reads and parses `/proc/self/stat` (defaults on error).
pub fn read_self_stat() -> SelfStat {
    parse_self_stat(&read_text("/proc/self/stat"))
}

// ---------------------------------------------------------------------------
// /proc/stat
// ---------------------------------------------------------------------------

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

/// One interface of `/proc/net/dev`, SRS's `SrsNetworkDevices` names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetDevice {
    /// Interface name, e.g. `eth0`.
    pub name: String,
    /// Received bytes.
    pub rbytes: u64,
    /// Received packets.
    pub rpackets: u64,
    /// Receive errors.
    pub rerrs: u64,
    /// Received packets dropped.
    pub rdrop: u64,
    /// Receive FIFO errors.
    pub rfifo: u64,
    /// Receive frame errors.
    pub rframe: u64,
    /// Compressed packets received.
    pub rcompressed: u64,
    /// Multicast frames received.
    pub rmulticast: u64,
    /// Sent bytes.
    pub sbytes: u64,
    /// Sent packets.
    pub spackets: u64,
    /// Send errors.
    pub serrs: u64,
    /// Sent packets dropped.
    pub sdrop: u64,
    /// Send FIFO errors.
    pub sfifo: u64,
    /// Collisions.
    pub scolls: u64,
    /// Carrier losses.
    pub scarrier: u64,
    /// Compressed packets sent.
    pub scompressed: u64,
}

/// Parses `/proc/net/dev`: one [`NetDevice`] per interface line (the two
/// header lines and lines without a `name:` are skipped).
pub fn parse_net_dev(text: &str) -> Vec<NetDevice> {
    let mut out = Vec::new();
    for line in text.lines() {
        if line.contains('|') {
            continue; // header
        }
        let Some((name, rest)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim();
        if name.is_empty() {
            continue;
        }
        let v: Vec<&str> = rest.split_whitespace().collect();
        let g = |n: usize| as_u64(v.get(n).copied());
        out.push(NetDevice {
            name: name.to_string(),
            rbytes: g(0),
            rpackets: g(1),
            rerrs: g(2),
            rdrop: g(3),
            rfifo: g(4),
            rframe: g(5),
            rcompressed: g(6),
            rmulticast: g(7),
            sbytes: g(8),
            spackets: g(9),
            serrs: g(10),
            sdrop: g(11),
            sfifo: g(12),
            scolls: g(13),
            scarrier: g(14),
            scompressed: g(15),
        });
    }
    out
}

/// Reads and parses `/proc/net/dev` (empty on error).
pub fn read_net_dev() -> Vec<NetDevice> {
    parse_net_dev(&read_text("/proc/net/dev"))
}

/// Byte and packet totals over several interfaces.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NetTotals {
    /// Received bytes.
    pub rbytes: u64,
    /// Sent bytes.
    pub sbytes: u64,
    /// Received packets.
    pub rpackets: u64,
    /// Sent packets.
    pub spackets: u64,
}

/// Sums the interfaces for which `keep(name)` holds.
pub fn net_totals(devices: &[NetDevice], keep: impl Fn(&str) -> bool) -> NetTotals {
    let mut t = NetTotals::default();
    for d in devices.iter().filter(|d| keep(&d.name)) {
        t.rbytes = t.rbytes.saturating_add(d.rbytes);
        t.sbytes = t.sbytes.saturating_add(d.sbytes);
        t.rpackets = t.rpackets.saturating_add(d.rpackets);
        t.spackets = t.spackets.saturating_add(d.spackets);
    }
    t
}

/// Sums every interface except the loopback `lo`.
pub fn net_totals_excluding_lo(devices: &[NetDevice]) -> NetTotals {
    net_totals(devices, |name| name != "lo")
}

// ---------------------------------------------------------------------------
// /proc/vmstat, /proc/diskstats
// ---------------------------------------------------------------------------

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

/// System socket counts, as SRS's `conn_sys*` fields need them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SocketStat {
    /// Whether `/proc/net/sockstat` held a `TCP:` line.
    pub ok: bool,
    /// `sockets: used`.
    pub sockets_used: u64,
    /// `TCP: inuse`.
    pub tcp_inuse: u64,
    /// `TCP: orphan`.
    pub tcp_orphan: u64,
    /// `TCP: tw`, sockets in TIME_WAIT.
    pub tcp_tw: u64,
    /// `TCP: alloc`, TCP sockets allocated.
    pub tcp_alloc: u64,
    /// `TCP: mem`, pages.
    pub tcp_mem: u64,
    /// `UDP: inuse`.
    pub udp_inuse: u64,
    /// `Tcp: CurrEstab` of `/proc/net/snmp`: established connections.
    pub tcp_estab: u64,
}

impl SocketStat {
    /// SRS's `conn_sys`: allocated TCP sockets plus TIME_WAIT ones.
    pub fn conn_sys(&self) -> u64 {
        self.tcp_alloc.saturating_add(self.tcp_tw)
    }
}

/// Parses `key value key value ...` after a `Name:` prefix.
fn pairs(rest: &str) -> HashMap<&str, u64> {
    let v: Vec<&str> = rest.split_whitespace().collect();
    v.chunks(2)
        .filter(|c| c.len() == 2)
        .map(|c| (c[0], as_u64(Some(c[1]))))
        .collect()
}

/// Parses `/proc/net/sockstat` and `/proc/net/snmp` (either may be empty).
pub fn parse_sockstat(sockstat: &str, snmp: &str) -> SocketStat {
    let mut r = SocketStat::default();
    for line in sockstat.lines() {
        let Some((key, rest)) = line.split_once(':') else {
            continue;
        };
        let p = pairs(rest);
        let get = |k: &str| p.get(k).copied().unwrap_or(0);
        match key.trim() {
            "sockets" => r.sockets_used = get("used"),
            "TCP" => {
                r.ok = true;
                r.tcp_inuse = get("inuse");
                r.tcp_orphan = get("orphan");
                r.tcp_tw = get("tw");
                r.tcp_alloc = get("alloc");
                r.tcp_mem = get("mem");
            }
            "UDP" => r.udp_inuse = get("inuse"),
            _ => {}
        }
    }
    // The first `Tcp:` line names the columns, the second holds the values.
    let mut tcp = snmp.lines().filter(|l| l.starts_with("Tcp:"));
    if let (Some(names), Some(values)) = (tcp.next(), tcp.next()) {
        let names = names.split_whitespace().skip(1);
        let values = values.split_whitespace().skip(1);
        for (name, value) in names.zip(values) {
            if name == "CurrEstab" {
                r.tcp_estab = as_u64(Some(value));
            }
        }
    }
    r
}

/// Reads and parses `/proc/net/sockstat` and `/proc/net/snmp`.
pub fn read_sockstat() -> SocketStat {
    parse_sockstat(
        &read_text("/proc/net/sockstat"),
        &read_text("/proc/net/snmp"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // Captured from a real Linux machine (`cat /proc/self/stat`).
    const SELF_STAT: &str = "17773 (cat) R 17771 17771 15625 0 -1 4194304 98 0 0 0 0 0 0 0 \
        20 0 1 0 219313 3133440 393 18446744073709551615 94353456701440 94353456721321 \
        140723366725600 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 94353456737328 94353456738944 \
        94354254200832 140723366730466 140723366730486 140723366730486 140723366731755 0\n";

    #[test]
    fn self_stat_real_sample() {
        let s = parse_self_stat(SELF_STAT);
        assert!(s.ok);
        assert_eq!(s.pid, 17773);
        assert_eq!(s.comm, "cat");
        assert_eq!(s.state, 'R');
        assert_eq!(s.ppid, 17771);
        assert_eq!(s.pgrp, 17771);
        assert_eq!(s.session, 15625);
        assert_eq!(s.tpgid, -1);
        assert_eq!(s.flags, 4194304);
        assert_eq!(s.minflt, 98);
        assert_eq!(s.priority, 20);
        assert_eq!(s.nice, 0);
        assert_eq!(s.num_threads, 1);
        assert_eq!(s.starttime, 219313);
        assert_eq!(s.vsize, 3133440);
        assert_eq!(s.rss, 393);
        assert_eq!(s.rsslim, u64::MAX);
        assert_eq!(s.exit_signal, 17);
        assert_eq!(s.processor, 1);
        assert_eq!(s.guest_time, 0);
        assert_eq!(s.cguest_time, 0);
    }

    #[test]
    fn self_stat_weird_comm() {
        let text = "4242 (my (weird) name) S 1 4242 4242 0 -1 4194560 1200 0 3 0 \
            250 75 4 2 20 0 7 0 99999 123456789 2048 18446744073709551615";
        let s = parse_self_stat(text);
        assert_eq!(s.pid, 4242);
        assert_eq!(s.comm, "my (weird) name");
        assert_eq!(s.state, 'S');
        assert_eq!(s.ppid, 1);
        assert_eq!(s.majflt, 3);
        assert_eq!(s.utime, 250);
        assert_eq!(s.stime, 75);
        assert_eq!(s.cutime, 4);
        assert_eq!(s.cstime, 2);
        assert_eq!(s.num_threads, 7);
        assert_eq!(s.rss, 2048);
        // Fields past the end of a truncated line read as zero.
        assert_eq!(s.startcode, 0);
        assert_eq!(s.cguest_time, 0);
    }

    #[test]
    fn self_stat_garbage() {
        for text in [
            "",
            "garbage",
            "(((",
            ")x(",
            "12 (a) ",
            "x (y) z w v",
            "-5 (n) R",
        ] {
            let s = parse_self_stat(text);
            assert!(!s.ok || s.pid > 0, "{text}");
            assert_eq!(s.utime, 0);
        }
        let s = parse_self_stat("12 (a) R notanumber 5");
        assert_eq!(s.pid, 12);
        assert_eq!(s.ppid, 0);
        assert_eq!(s.pgrp, 5);
        assert_eq!(parse_self_stat("").state, '0');
    }

    const PROC_STAT: &str = "cpu  46968 0 25925 352958 948 0 9211 95 0 0
cpu0 21085 0 12912 179081 161 0 4922 46 0 0
cpu1 25882 0 13012 173876 786 0 4289 49 0 0
intr 3160539 0 9 0 0 0
ctxt 4657059
btime 1795498927
processes 50239
procs_running 1
procs_blocked 0
softirq 2216468 0 557019 0 0 0 0 1 0 0 1659448
";

    #[test]
    fn proc_stat_real_sample() {
        let p = parse_proc_stat(PROC_STAT);
        assert!(p.cpu.ok);
        assert_eq!(p.cpu.user, 46968);
        assert_eq!(p.cpu.sys, 25925);
        assert_eq!(p.cpu.idle, 352958);
        assert_eq!(p.cpu.iowait, 948);
        assert_eq!(p.cpu.softirq, 9211);
        assert_eq!(p.cpu.steal, 95);
        assert_eq!(p.cpu.guest, 0);
        assert_eq!(p.cpu.total(), 46968 + 25925 + 352958 + 948 + 9211 + 95);
        assert_eq!(p.ctxt, 4657059);
        assert_eq!(p.btime, 1795498927);
        assert_eq!(p.processes, 50239);
        assert_eq!(p.procs_running, 1);
    }

    #[test]
    fn proc_stat_garbage() {
        let p = parse_proc_stat("cpu 1 x\nctxt\nbtime zz\n");
        assert!(p.cpu.ok);
        assert_eq!(p.cpu.user, 1);
        assert_eq!(p.cpu.nice, 0);
        assert_eq!(p.ctxt, 0);
        assert!(!parse_proc_stat("").cpu.ok);
        assert!(!parse_proc_stat("cpu0 1 2 3").cpu.ok);
    }

    const MEMINFO: &str = "MemTotal:       24683656 kB
MemFree:        23138328 kB
MemAvailable:   24320844 kB
Buffers:            4208 kB
Cached:          1349588 kB
SwapCached:            0 kB
Active:           660516 kB
Inactive:         690820 kB
SwapTotal:       2097148 kB
SwapFree:        1048574 kB
";

    #[test]
    fn meminfo_real_sample() {
        let m = parse_meminfo(MEMINFO);
        assert!(m.ok);
        assert_eq!(m.MemTotal, 24683656);
        assert_eq!(m.MemFree, 23138328);
        assert_eq!(m.MemAvailable, 24320844);
        assert_eq!(m.Buffers, 4208);
        assert_eq!(m.Cached, 1349588);
        assert_eq!(m.SwapTotal, 2097148);
        assert_eq!(m.SwapFree, 1048574);
        assert_eq!(m.MemActive, 24683656 - 23138328);
        assert_eq!(m.RealInUse, 24683656 - 23138328 - 4208 - 1349588);
        assert_eq!(m.NotInUse, m.MemTotal - m.RealInUse);
        assert!((m.percent_ram - m.RealInUse as f64 / m.MemTotal as f64).abs() < 1e-12);
        assert!((m.percent_swap - 0.5).abs() < 1e-3);
    }

    #[test]
    fn meminfo_garbage() {
        let m = parse_meminfo("MemTotal: lots\nCached\n: 5\nMemFree: 10 kB\n");
        assert!(m.ok);
        assert_eq!(m.MemTotal, 0);
        assert_eq!(m.MemActive, 0);
        assert_eq!(m.percent_ram, 0.0);
        // Cached larger than in-use memory must not underflow.
        let m = parse_meminfo("MemTotal: 100 kB\nMemFree: 10 kB\nCached: 500 kB\n");
        assert_eq!(m.RealInUse, 0);
        assert_eq!(m.NotInUse, 100);
        assert!(!parse_meminfo("").ok);
    }

    #[test]
    fn loadavg_and_uptime() {
        let l = parse_loadavg("0.19 0.75 0.78 1/81 17777\n");
        assert!(l.ok);
        assert_eq!((l.load_1m, l.load_5m, l.load_15m), (0.19, 0.75, 0.78));
        assert_eq!((l.running, l.total), (1, 81));
        let l = parse_loadavg("nan x");
        assert!(!l.ok);
        assert_eq!(l.load_1m, 0.0);
        let u = parse_uptime("2193.14 3529.58\n");
        assert!(u.ok);
        assert_eq!((u.uptime, u.idle_time), (2193.14, 3529.58));
        let u = parse_uptime("");
        assert!(!u.ok);
        assert_eq!(u.uptime, 0.0);
    }

    const NET_DEV: &str = "Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 31769558921 37118234    0    0    0     0          0         0 31769558921 37118234    0    0    0     0       0          0
  ifb0:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0
  eth0: 145958005    5252    0    2    0     0          0         7   232865    2777    1    0    0     0       0          0
";

    #[test]
    fn net_dev_real_sample() {
        let d = parse_net_dev(NET_DEV);
        assert_eq!(d.len(), 3);
        assert_eq!(d[0].name, "lo");
        assert_eq!(d[0].rbytes, 31769558921);
        assert_eq!(d[2].name, "eth0");
        assert_eq!(d[2].rbytes, 145958005);
        assert_eq!(d[2].rpackets, 5252);
        assert_eq!(d[2].rdrop, 2);
        assert_eq!(d[2].rmulticast, 7);
        assert_eq!(d[2].sbytes, 232865);
        assert_eq!(d[2].spackets, 2777);
        assert_eq!(d[2].serrs, 1);
        let t = net_totals_excluding_lo(&d);
        assert_eq!(t.rbytes, 145958005);
        assert_eq!(t.sbytes, 232865);
        assert_eq!(t.rpackets, 5252);
        assert_eq!(t.spackets, 2777);
    }

    #[test]
    fn net_dev_garbage() {
        let d = parse_net_dev("eth1:12 x\nnonsense\n : 5\nwlan0:1 2 3\n");
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].name, "eth1");
        assert_eq!(d[0].rbytes, 12);
        assert_eq!(d[0].rpackets, 0);
        assert_eq!(d[1].rerrs, 3);
        assert_eq!(d[1].sbytes, 0);
        assert!(parse_net_dev("").is_empty());
    }

    #[test]
    fn vmstat_diskstats() {
        let v = parse_vmstat("nr_free_pages 5\npgpgin 7042733\npgpgout 5086340\npswpin 0\n");
        assert!(v.ok);
        assert_eq!((v.pgpgin, v.pgpgout), (7042733, 5086340));
        assert!(!parse_vmstat("pgpgout 5").ok);
        let d = parse_diskstats(
            "   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n \
             259       0 nvme0n1 81265 19473 7262046 21874 126447 96548 10184770 85432 0 79124 120015 0 0 0 0\n \
             bad line\n",
        );
        assert_eq!(d.len(), 2);
        assert_eq!(d[1].name, "nvme0n1");
        assert_eq!(d[1].rd_ios, 81265);
        assert_eq!(d[1].rd_sectors, 7262046);
        assert_eq!(d[1].wr_sectors, 10184770);
        assert_eq!(d[1].ticks, 79124);
        assert_eq!(d[1].aveq, 120015);
    }

    #[test]
    fn sockstat_snmp() {
        let sockstat = "sockets: used 12
TCP: inuse 2 orphan 0 tw 54 alloc 3 mem 103
UDP: inuse 4 mem 0
UDPLITE: inuse 0
RAW: inuse 0
FRAG: inuse 0 memory 0
";
        let snmp = "Ip: Forwarding DefaultTTL
Ip: 1 64
Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors
Tcp: 1 200 120000 -1 27776 27741 16 39121 9 37123436 37112631 8364 0 24018 0
Udp: InDatagrams
Udp: 5
";
        let s = parse_sockstat(sockstat, snmp);
        assert!(s.ok);
        assert_eq!(s.sockets_used, 12);
        assert_eq!(s.tcp_inuse, 2);
        assert_eq!(s.tcp_tw, 54);
        assert_eq!(s.tcp_alloc, 3);
        assert_eq!(s.udp_inuse, 4);
        assert_eq!(s.tcp_estab, 9);
        assert_eq!(s.conn_sys(), 57);
        let s = parse_sockstat("TCP: inuse\nUDP:", "Tcp: CurrEstab");
        assert!(s.ok);
        assert_eq!(s.tcp_inuse, 0);
        assert_eq!(s.tcp_estab, 0);
        assert_eq!(parse_sockstat("", ""), SocketStat::default());
    }

    #[test]
    fn real_proc_on_this_machine() {
        let s = read_self_stat();
        assert!(s.ok);
        assert_eq!(s.pid, i64::from(std::process::id()));
        assert!(s.rss > 0);
        assert!(s.num_threads >= 1);
        assert!(read_proc_stat().cpu.total() > 0);
        assert!(read_meminfo().MemTotal > 0);
        assert!(read_uptime().uptime > 0.0);
        assert!(read_loadavg().ok);
        assert!(read_net_dev().iter().any(|d| d.name == "lo"));
    }
}
