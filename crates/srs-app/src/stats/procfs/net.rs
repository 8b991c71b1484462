//! `/proc/net/dev`, `/proc/net/sockstat` and `/proc/net/snmp`: network
//! devices and sockets.

use std::collections::HashMap;

use super::{as_u64, read_text};

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
