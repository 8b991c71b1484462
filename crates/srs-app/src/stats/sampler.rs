//! [`SystemSampler`]: the periodic sample of process and system statistics
//! behind SRS's `/api/v1/summaries` and friends, with the rates (CPU use,
//! network and disk throughput) computed between two samples.
//!
//! As in SRS, every "percent" is a ratio: 0.25 means 25 %. The process's
//! CPU ratio is relative to one CPU, so a busy multi-threaded process may
//! exceed 1.

use super::procfs::{
    self, CpuStat, DiskStat, LoadAvg, MemInfo, NetDevice, NetTotals, ProcStat, SelfStat,
    SocketStat, Uptime, VmStat,
};
use super::rusage::{self, Rusage};

/// All the raw readings taken at one instant.
#[derive(Debug, Clone, Default)]
pub struct RawSample {
    /// `/proc/self/stat`.
    pub self_stat: SelfStat,
    /// `/proc/stat`.
    pub proc_stat: ProcStat,
    /// `/proc/meminfo`.
    pub meminfo: MemInfo,
    /// `/proc/loadavg`.
    pub loadavg: LoadAvg,
    /// `/proc/uptime`.
    pub uptime: Uptime,
    /// `/proc/net/dev`.
    pub net: Vec<NetDevice>,
    /// `/proc/vmstat` paging counters (disk throughput).
    pub vmstat: VmStat,
    /// `/proc/diskstats` (disk busy time).
    pub diskstats: Vec<DiskStat>,
    /// `/proc/net/sockstat` and `/proc/net/snmp`.
    pub sockets: SocketStat,
    /// `getrusage(RUSAGE_SELF)`.
    pub rusage: Rusage,
}

impl RawSample {
    /// Reads every source now; unreadable ones stay at their defaults.
    pub fn read() -> Self {
        RawSample {
            self_stat: procfs::read_self_stat(),
            proc_stat: procfs::read_proc_stat(),
            meminfo: procfs::read_meminfo(),
            loadavg: procfs::read_loadavg(),
            uptime: procfs::read_uptime(),
            net: procfs::read_net_dev(),
            vmstat: procfs::read_vmstat(),
            diskstats: procfs::read_diskstats(),
            sockets: procfs::read_sockstat(),
            rusage: rusage::read_rusage(),
        }
    }
}

/// Whether a block device counts for the disk-busy ratio (loop and RAM
/// disks do not).
fn is_real_disk(name: &str) -> bool {
    !(name.starts_with("loop") || name.starts_with("ram"))
}

/// Rate of a byte counter in kbit/s: `delta * 8 / ms`; 0 if it went back.
fn kbps(now: u64, before: u64, elapsed_ms: u64) -> u64 {
    if elapsed_ms == 0 || now < before {
        return 0;
    }
    (now - before).saturating_mul(8) / elapsed_ms
}

/// Rate of a kB counter in kB/s: `delta * 1000 / ms`; 0 if it went back.
fn kbyte_per_sec(now: u64, before: u64, elapsed_ms: u64) -> u64 {
    if elapsed_ms == 0 || now < before {
        return 0;
    }
    (now - before).saturating_mul(1000) / elapsed_ms
}

/// Keeps the latest [`RawSample`] and the rates computed against the one
/// before it. Call [`SystemSampler::sample`] once at start and then every
/// few seconds (SRS samples every ~5 s); the rates are zero until the second
/// sample.
#[derive(Debug, Clone)]
pub struct SystemSampler {
    user_hz: u64,
    page_size: u64,
    cpus: u64,
    cpus_online: u64,
    nb_samples: u64,
    sample_time_ms: u64,
    raw: RawSample,
    self_cpu_percent: f64,
    system_cpu_percent: f64,
    system_cpu_total_delta: u64,
    net_recv_kbps: u64,
    net_send_kbps: u64,
    disk_read_kbyte_per_sec: u64,
    disk_write_kbyte_per_sec: u64,
    disk_busy: f64,
}

impl Default for SystemSampler {
    fn default() -> Self {
        Self::new()
    }
}

impl SystemSampler {
    /// A sampler for this machine (clock ticks, page size and CPU counts
    /// from `sysconf`), holding no sample yet.
    pub fn new() -> Self {
        Self::with_system(
            rusage::clock_ticks_per_sec(),
            rusage::page_size(),
            rusage::cpus_configured(),
            rusage::cpus_online(),
        )
    }

    /// A sampler with the given clock ticks per second (`USER_HZ`), page
    /// size in bytes and CPU counts (for tests or other machines).
    pub fn with_system(user_hz: u64, page_size: u64, cpus: u64, cpus_online: u64) -> Self {
        SystemSampler {
            user_hz: user_hz.max(1),
            page_size,
            cpus,
            cpus_online,
            nb_samples: 0,
            sample_time_ms: 0,
            raw: RawSample::default(),
            self_cpu_percent: 0.0,
            system_cpu_percent: 0.0,
            system_cpu_total_delta: 0,
            net_recv_kbps: 0,
            net_send_kbps: 0,
            disk_read_kbyte_per_sec: 0,
            disk_write_kbyte_per_sec: 0,
            disk_busy: 0.0,
        }
    }

    /// Reads every source now and updates the rates. `now_ms` is the time
    /// in milliseconds (use Unix-epoch ms: it is reported as `sample_time`).
    pub fn sample(&mut self, now_ms: u64) {
        self.ingest(now_ms, RawSample::read());
    }

    /// Takes `raw` as the sample at `now_ms` and computes the rates against
    /// the previous sample. If time did not move forward, the rates keep
    /// their previous values.
    pub fn ingest(&mut self, now_ms: u64, raw: RawSample) {
        let elapsed_ms = now_ms.saturating_sub(self.sample_time_ms);
        if self.nb_samples > 0 && elapsed_ms > 0 {
            self.update_rates(&raw, elapsed_ms);
        }
        self.raw = raw;
        self.sample_time_ms = now_ms;
        self.nb_samples += 1;
    }

    fn update_rates(&mut self, raw: &RawSample, elapsed_ms: u64) {
        let old = &self.raw;

        // System CPU: 1 - idle / total over the interval (SRS's formula).
        let (o, n): (&CpuStat, &CpuStat) = (&old.proc_stat.cpu, &raw.proc_stat.cpu);
        if o.ok && n.ok && o.total() > 0 {
            let total = n.total().saturating_sub(o.total());
            self.system_cpu_total_delta = total;
            if total > 0 {
                let idle = n.idle.saturating_sub(o.idle);
                self.system_cpu_percent = (1.0 - idle as f64 / total as f64).clamp(0.0, 1.0);
            }
        }

        // Process CPU: ticks used / ticks elapsed on one CPU.
        if old.self_stat.ok && raw.self_stat.ok {
            let before = old.self_stat.utime.saturating_add(old.self_stat.stime);
            let now = raw.self_stat.utime.saturating_add(raw.self_stat.stime);
            let used = now.saturating_sub(before) as f64;
            self.self_cpu_percent = used * 1000.0 / elapsed_ms as f64 / self.user_hz as f64;
        }

        // Network, every interface but lo.
        let (o, n) = (
            procfs::net_totals_excluding_lo(&old.net),
            procfs::net_totals_excluding_lo(&raw.net),
        );
        self.net_recv_kbps = kbps(n.rbytes, o.rbytes, elapsed_ms);
        self.net_send_kbps = kbps(n.sbytes, o.sbytes, elapsed_ms);

        // Disk throughput from the paging counters (kB), as SRS.
        if old.vmstat.ok && raw.vmstat.ok {
            self.disk_read_kbyte_per_sec =
                kbyte_per_sec(raw.vmstat.pgpgin, old.vmstat.pgpgin, elapsed_ms);
            self.disk_write_kbyte_per_sec =
                kbyte_per_sec(raw.vmstat.pgpgout, old.vmstat.pgpgout, elapsed_ms);
        }

        // Disk busy: the busiest real disk's I/O milliseconds per elapsed
        // millisecond. (SRS sums only the disks named in its config and
        // reports 0 otherwise; this needs no config.)
        let mut busy: f64 = 0.0;
        for d in raw.diskstats.iter().filter(|d| is_real_disk(&d.name)) {
            if let Some(p) = old.diskstats.iter().find(|p| p.name == d.name) {
                let ticks = d.ticks.saturating_sub(p.ticks);
                busy = busy.max(ticks as f64 / elapsed_ms as f64);
            }
        }
        self.disk_busy = busy.clamp(0.0, 1.0);
    }

    /// Whether at least one sample was taken and its main sources (rusage,
    /// self stat, system stat, meminfo, uptime, loadavg) read fine.
    pub fn is_ok(&self) -> bool {
        let r = &self.raw;
        self.nb_samples > 0
            && r.rusage.ok
            && r.self_stat.ok
            && r.proc_stat.cpu.ok
            && r.meminfo.ok
            && r.uptime.ok
            && r.loadavg.ok
    }

    /// Number of samples taken.
    pub fn nb_samples(&self) -> u64 {
        self.nb_samples
    }

    /// Time of the latest sample, ms (0 before the first).
    pub fn sample_time_ms(&self) -> u64 {
        self.sample_time_ms
    }

    /// The latest raw readings.
    pub fn raw(&self) -> &RawSample {
        &self.raw
    }

    /// Clock ticks per second used for the process CPU ratio.
    pub fn user_hz(&self) -> u64 {
        self.user_hz
    }

    /// Configured processors (SRS's `cpus`).
    pub fn cpus(&self) -> u64 {
        self.cpus
    }

    /// Online processors (SRS's `cpus_online`).
    pub fn cpus_online(&self) -> u64 {
        self.cpus_online
    }

    /// The process's CPU use over the last interval, ratio of one CPU.
    pub fn self_cpu_percent(&self) -> f64 {
        self.self_cpu_percent
    }

    /// The system's CPU use over the last interval, ratio in [0, 1].
    pub fn system_cpu_percent(&self) -> f64 {
        self.system_cpu_percent
    }

    /// Ticks that passed on all CPUs over the last interval.
    pub fn system_cpu_total_delta(&self) -> u64 {
        self.system_cpu_total_delta
    }

    /// Received kbit/s over the last interval, every interface but `lo`.
    pub fn net_recv_kbps(&self) -> u64 {
        self.net_recv_kbps
    }

    /// Sent kbit/s over the last interval, every interface but `lo`.
    pub fn net_send_kbps(&self) -> u64 {
        self.net_send_kbps
    }

    /// Byte and packet totals of every interface but `lo`.
    pub fn net_totals(&self) -> NetTotals {
        procfs::net_totals_excluding_lo(&self.raw.net)
    }

    /// Byte and packet totals of the loopback interface `lo`.
    pub fn net_lo_totals(&self) -> NetTotals {
        procfs::net_totals(&self.raw.net, |name| name == "lo")
    }

    /// Disk read throughput over the last interval, kB/s.
    pub fn disk_read_kbyte_per_sec(&self) -> u64 {
        self.disk_read_kbyte_per_sec
    }

    /// Disk write throughput over the last interval, kB/s.
    pub fn disk_write_kbyte_per_sec(&self) -> u64 {
        self.disk_write_kbyte_per_sec
    }

    /// Share of the last interval the busiest disk was busy, in [0, 1].
    pub fn disk_busy(&self) -> f64 {
        self.disk_busy
    }

    /// The process's resident memory now, kB (from `/proc/self/stat`; the
    /// peak `ru_maxrss` if that was unreadable).
    pub fn self_rss_kbyte(&self) -> u64 {
        let rss_pages = u64::try_from(self.raw.self_stat.rss).unwrap_or(0);
        let kb = rss_pages.saturating_mul(self.page_size) / 1024;
        if kb > 0 {
            kb
        } else {
            u64::try_from(self.raw.rusage.ru_maxrss).unwrap_or(0)
        }
    }

    /// The process's resident memory as a ratio of total RAM, in [0, 1].
    pub fn mem_percent(&self) -> f64 {
        let total = self.raw.meminfo.MemTotal;
        if total == 0 {
            return 0.0;
        }
        self.self_rss_kbyte() as f64 / total as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(
        self_ticks: (u64, u64),
        cpu: (u64, u64, u64),
        net: (u64, u64),
        lo: u64,
        vm: (u64, u64),
        disk_ticks: u64,
    ) -> RawSample {
        let (user, sys, idle) = cpu;
        RawSample {
            self_stat: SelfStat {
                ok: true,
                pid: 42,
                utime: self_ticks.0,
                stime: self_ticks.1,
                rss: 2560, // pages
                ..SelfStat::default()
            },
            proc_stat: ProcStat {
                cpu: CpuStat {
                    ok: true,
                    user,
                    sys,
                    idle,
                    ..CpuStat::default()
                },
                ..ProcStat::default()
            },
            meminfo: procfs::parse_meminfo("MemTotal: 1024000 kB\nMemFree: 512000 kB\n"),
            loadavg: procfs::parse_loadavg("0.5 0.4 0.3 1/100 7"),
            uptime: procfs::parse_uptime("100.5 180.25"),
            net: vec![
                NetDevice {
                    name: "lo".into(),
                    rbytes: lo,
                    sbytes: lo,
                    ..NetDevice::default()
                },
                NetDevice {
                    name: "eth0".into(),
                    rbytes: net.0,
                    sbytes: net.1,
                    ..NetDevice::default()
                },
            ],
            vmstat: VmStat {
                ok: true,
                pgpgin: vm.0,
                pgpgout: vm.1,
            },
            diskstats: vec![
                DiskStat {
                    name: "loop0".into(),
                    ticks: disk_ticks * 10,
                    ..DiskStat::default()
                },
                DiskStat {
                    name: "sda".into(),
                    ticks: disk_ticks,
                    ..DiskStat::default()
                },
            ],
            sockets: SocketStat::default(),
            rusage: Rusage {
                ok: true,
                ru_maxrss: 20000,
                ..Rusage::default()
            },
        }
    }

    #[test]
    fn rates_between_two_samples() {
        let mut s = SystemSampler::with_system(100, 4096, 4, 2);
        s.ingest(
            10_000,
            raw(
                (100, 50),
                (1000, 500, 8500),
                (1_000_000, 2_000_000),
                0,
                (100, 200),
                1000,
            ),
        );
        // Nothing to compare with yet.
        assert_eq!(s.self_cpu_percent(), 0.0);
        assert_eq!(s.system_cpu_percent(), 0.0);
        assert_eq!(s.net_recv_kbps(), 0);
        assert!(s.is_ok());

        // 5 s later: the process used 150 ticks (1.5 s of CPU) = 30 % of a
        // CPU; the system used 300 of 1000 ticks = 30 %; eth0 received
        // 625000 bytes = 1000 kbit/s and sent 1250000 bytes = 2000 kbit/s;
        // lo moved a lot, which is ignored; 500 kB paged in = 100 kB/s;
        // sda busy 2500 of 5000 ms = 50 %.
        s.ingest(
            15_000,
            raw(
                (200, 100),
                (1200, 600, 9200),
                (1_625_000, 3_250_000),
                999_999_999,
                (600, 1200),
                3500,
            ),
        );
        assert!((s.self_cpu_percent() - 0.30).abs() < 1e-9);
        assert!((s.system_cpu_percent() - 0.30).abs() < 1e-9);
        assert_eq!(s.system_cpu_total_delta(), 1000);
        assert_eq!(s.net_recv_kbps(), 1000);
        assert_eq!(s.net_send_kbps(), 2000);
        assert_eq!(s.disk_read_kbyte_per_sec(), 100);
        assert_eq!(s.disk_write_kbyte_per_sec(), 200);
        assert!((s.disk_busy() - 0.5).abs() < 1e-9);
        assert_eq!(s.sample_time_ms(), 15_000);
        assert_eq!(s.nb_samples(), 2);
        assert_eq!(s.net_totals().rbytes, 1_625_000);
        assert_eq!(s.net_lo_totals().rbytes, 999_999_999);

        // Memory: 2560 pages of 4 kB = 10240 kB of 1024000 kB = 1 %.
        assert_eq!(s.self_rss_kbyte(), 10240);
        assert!((s.mem_percent() - 0.01).abs() < 1e-9);
        assert_eq!((s.cpus(), s.cpus_online()), (4, 2));
    }

    #[test]
    fn counters_going_back_and_stalled_clock() {
        let mut s = SystemSampler::with_system(100, 4096, 1, 1);
        s.ingest(
            1000,
            raw((10, 10), (100, 100, 800), (5000, 5000), 0, (10, 10), 10),
        );
        s.ingest(
            2000,
            raw((20, 10), (150, 100, 850), (6000, 6000), 0, (20, 20), 20),
        );
        assert_eq!(s.net_recv_kbps(), 8);
        assert!((s.system_cpu_percent() - 0.5).abs() < 1e-9);
        // Interface counters reset: no negative or huge rate.
        s.ingest(3000, raw((30, 10), (200, 100, 900), (10, 10), 0, (5, 5), 5));
        assert_eq!(s.net_recv_kbps(), 0);
        assert_eq!(s.disk_read_kbyte_per_sec(), 0);
        assert_eq!(s.disk_busy(), 0.0);
        // Same timestamp again: rates are kept, no division by zero.
        s.ingest(3000, raw((90, 90), (900, 900, 900), (10, 10), 0, (5, 5), 5));
        assert!((s.system_cpu_percent() - 0.5).abs() < 1e-9);
        assert!(s.self_cpu_percent().is_finite());
    }

    #[test]
    fn empty_samples_are_harmless() {
        let mut s = SystemSampler::with_system(0, 0, 0, 0);
        s.ingest(1, RawSample::default());
        s.ingest(2, RawSample::default());
        assert!(!s.is_ok());
        assert_eq!(s.self_cpu_percent(), 0.0);
        assert_eq!(s.system_cpu_percent(), 0.0);
        assert_eq!(s.mem_percent(), 0.0);
        assert_eq!(s.self_rss_kbyte(), 0);
    }

    #[test]
    fn real_machine() {
        let mut s = SystemSampler::new();
        s.sample(1_000);
        s.sample(1_100);
        assert!(s.is_ok());
        assert_eq!(s.raw().self_stat.pid, i64::from(std::process::id()));
        assert!(s.self_rss_kbyte() > 0);
        assert!(s.mem_percent() > 0.0 && s.mem_percent() < 1.0);
        assert!(s.cpus() >= 1);
        assert!((0.0..=1.0).contains(&s.system_cpu_percent()));
    }
}
