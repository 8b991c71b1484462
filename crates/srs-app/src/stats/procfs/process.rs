//! `/proc/self/stat`: this process's CPU times, memory and threads.

use super::{as_i64, as_u64, read_text};

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
