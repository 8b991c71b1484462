//! `getrusage(RUSAGE_SELF)` with SRS's `SrsRusage` field names, and the few
//! `sysconf` values the statistics need.

/// The process's resource usage, as `struct rusage` names it.
///
/// SRS's `/api/v1/rusages` prints `ru_utime` and `ru_stime` as whole seconds
/// (`tv_sec`); the microseconds are kept here too. On Linux `ru_maxrss` is
/// the peak resident set size in kB.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rusage {
    /// Whether `getrusage` succeeded.
    pub ok: bool,
    /// User CPU time, microseconds.
    pub ru_utime_us: u64,
    /// System CPU time, microseconds.
    pub ru_stime_us: u64,
    /// Peak resident set size, kB.
    pub ru_maxrss: i64,
    /// Integral shared memory size (unused on Linux).
    pub ru_ixrss: i64,
    /// Integral unshared data size (unused on Linux).
    pub ru_idrss: i64,
    /// Integral unshared stack size (unused on Linux).
    pub ru_isrss: i64,
    /// Page reclaims (soft page faults).
    pub ru_minflt: i64,
    /// Page faults (hard page faults).
    pub ru_majflt: i64,
    /// Swaps (unused on Linux).
    pub ru_nswap: i64,
    /// Block input operations.
    pub ru_inblock: i64,
    /// Block output operations.
    pub ru_oublock: i64,
    /// IPC messages sent (unused on Linux).
    pub ru_msgsnd: i64,
    /// IPC messages received (unused on Linux).
    pub ru_msgrcv: i64,
    /// Signals received (unused on Linux).
    pub ru_nsignals: i64,
    /// Voluntary context switches.
    pub ru_nvcsw: i64,
    /// Involuntary context switches.
    pub ru_nivcsw: i64,
}

impl Rusage {
    /// User CPU time in whole seconds, as SRS prints `ru_utime`.
    pub fn ru_utime_sec(&self) -> u64 {
        self.ru_utime_us / 1_000_000
    }

    /// System CPU time in whole seconds, as SRS prints `ru_stime`.
    pub fn ru_stime_sec(&self) -> u64 {
        self.ru_stime_us / 1_000_000
    }
}

/// Microseconds of a `timeval`; negative parts read as zero.
fn timeval_us(tv: libc::timeval) -> u64 {
    let sec = u64::try_from(tv.tv_sec).unwrap_or(0);
    let usec = u64::try_from(tv.tv_usec).unwrap_or(0);
    sec.saturating_mul(1_000_000).saturating_add(usec)
}

/// Widens a C `long` (64 bits on 64-bit Linux, 32 on 32-bit targets).
#[allow(clippy::unnecessary_cast)] // Not a no-op where `c_long` is `i32`.
fn long(v: libc::c_long) -> i64 {
    v as i64
}

/// Calls `getrusage(RUSAGE_SELF)`; all zeros (`ok == false`) on failure.
pub fn read_rusage() -> Rusage {
    let mut ru = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: `ru` points to writable memory the size of a `rusage`, which
    // getrusage fills. A zeroed `rusage` (integers and `timeval`s only) is
    // already a valid value, so `assume_init` is sound even if the call fails.
    let (rc, ru) = unsafe {
        let rc = libc::getrusage(libc::RUSAGE_SELF, ru.as_mut_ptr());
        (rc, ru.assume_init())
    };
    if rc != 0 {
        return Rusage::default();
    }
    Rusage {
        ok: true,
        ru_utime_us: timeval_us(ru.ru_utime),
        ru_stime_us: timeval_us(ru.ru_stime),
        ru_maxrss: long(ru.ru_maxrss),
        ru_ixrss: long(ru.ru_ixrss),
        ru_idrss: long(ru.ru_idrss),
        ru_isrss: long(ru.ru_isrss),
        ru_minflt: long(ru.ru_minflt),
        ru_majflt: long(ru.ru_majflt),
        ru_nswap: long(ru.ru_nswap),
        ru_inblock: long(ru.ru_inblock),
        ru_oublock: long(ru.ru_oublock),
        ru_msgsnd: long(ru.ru_msgsnd),
        ru_msgrcv: long(ru.ru_msgrcv),
        ru_nsignals: long(ru.ru_nsignals),
        ru_nvcsw: long(ru.ru_nvcsw),
        ru_nivcsw: long(ru.ru_nivcsw),
    }
}

/// `sysconf(name)`, or `None` when it fails or is not positive.
fn sysconf_positive(name: libc::c_int) -> Option<u64> {
    // SAFETY: sysconf only reads a configuration value; it takes no pointers.
    let v = unsafe { libc::sysconf(name) };
    u64::try_from(v).ok().filter(|v| *v > 0)
}

/// Clock ticks per second of `/proc` times (`USER_HZ`); 100 if unknown.
pub fn clock_ticks_per_sec() -> u64 {
    sysconf_positive(libc::_SC_CLK_TCK).unwrap_or(100)
}

/// Memory page size in bytes; 4096 if unknown.
pub fn page_size() -> u64 {
    sysconf_positive(libc::_SC_PAGESIZE).unwrap_or(4096)
}

/// Number of configured processors (SRS's `cpus`); 0 if unknown.
pub fn cpus_configured() -> u64 {
    sysconf_positive(libc::_SC_NPROCESSORS_CONF).unwrap_or(0)
}

/// Number of online processors (SRS's `cpus_online`); 0 if unknown.
pub fn cpus_online() -> u64 {
    sysconf_positive(libc::_SC_NPROCESSORS_ONLN).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn getrusage_self() {
        // Burn a little CPU and memory so the counters move.
        let v: Vec<u64> = (0..100_000).collect();
        assert_eq!(v.iter().sum::<u64>(), 4_999_950_000);
        let r = read_rusage();
        assert!(r.ok);
        assert!(r.ru_maxrss > 0);
        assert!(r.ru_minflt > 0);
        assert_eq!(r.ru_utime_sec(), r.ru_utime_us / 1_000_000);
    }

    #[test]
    fn sysconf_values() {
        assert!(clock_ticks_per_sec() > 0);
        assert!(page_size() >= 4096);
        assert!(cpus_configured() >= 1);
        assert!(cpus_online() >= 1);
    }

    #[test]
    fn seconds_truncate() {
        let r = Rusage {
            ru_utime_us: 2_999_999,
            ru_stime_us: 1_000_000,
            ..Rusage::default()
        };
        assert_eq!(r.ru_utime_sec(), 2);
        assert_eq!(r.ru_stime_sec(), 1);
    }
}
