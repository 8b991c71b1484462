//! Parsers for the Linux `/proc` files SRS samples, plus readers for the
//! real files.
//!
//! Every parser takes the file's text and never panics: a missing or garbled
//! field reads as zero, and each struct carries an `ok` flag telling whether
//! the text looked like the file at all. Every reader returns the default
//! (all zeros, `ok == false`) when the file cannot be read.

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

mod disk;
mod net;
mod process;
mod system;

pub use disk::*;
pub use net::*;
pub use process::*;
pub use system::*;

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
