//! A strict little demuxer used by the tests to check what the muxer wrote.

use super::packet::{SYNC_BYTE, TS_PACKET_SIZE};
use super::psi::{PAT_PID, PMT_PID};
use std::collections::HashMap;

/// One reassembled PES packet.
#[derive(Debug, Default, Clone)]
pub struct Pes {
    pub pid: u16,
    pub stream_id: u8,
    pub pts: u64,
    pub dts: u64,
    pub pcr: Option<u64>,
    pub random_access: bool,
    pub payload: Vec<u8>,
    /// PES_packet_length as written.
    pub declared_len: u16,
}

/// Everything found in a transport stream.
#[derive(Debug, Default)]
pub struct Demuxed {
    pub packets: usize,
    pub pes: Vec<Pes>,
    /// PSI sections (without pointer field and fill) by PID, in order.
    pub sections: Vec<(u16, Vec<u8>)>,
}

fn timestamp(b: &[u8]) -> u64 {
    assert_eq!(b[0] & 1, 1, "marker");
    assert_eq!(b[2] & 1, 1, "marker");
    assert_eq!(b[4] & 1, 1, "marker");
    (u64::from(b[0] >> 1) & 7) << 30
        | u64::from(b[1]) << 22
        | u64::from(b[2] >> 1) << 15
        | u64::from(b[3]) << 7
        | u64::from(b[4] >> 1)
}

fn finish(mut pes: Pes, data: Vec<u8>) -> Pes {
    assert_eq!(&data[..3], &[0, 0, 1], "PES start code");
    pes.stream_id = data[3];
    pes.declared_len = u16::from_be_bytes([data[4], data[5]]);
    assert_eq!(data[6], 0x84, "marker bits + data alignment");
    let hlen = usize::from(data[8]);
    match data[7] {
        0x80 => {
            assert_eq!(hlen, 5);
            assert_eq!(data[9] >> 4, 2);
            pes.pts = timestamp(&data[9..14]);
            pes.dts = pes.pts;
        }
        0xC0 => {
            assert_eq!(hlen, 10);
            assert_eq!(data[9] >> 4, 3);
            assert_eq!(data[14] >> 4, 1);
            pes.pts = timestamp(&data[9..14]);
            pes.dts = timestamp(&data[14..19]);
        }
        f => panic!("unexpected PES flags {f:#x}"),
    }
    if pes.declared_len != 0 {
        assert_eq!(usize::from(pes.declared_len), data.len() - 6, "PES length");
    }
    pes.payload = data[9 + hlen..].to_vec();
    pes
}

/// Demuxes `ts`, asserting packet size, sync bytes and per-PID continuity.
pub fn demux(ts: &[u8]) -> Demuxed {
    assert_eq!(ts.len() % TS_PACKET_SIZE, 0, "whole packets only");
    let mut out = Demuxed::default();
    let mut cc: HashMap<u16, u8> = HashMap::new();
    let mut open: HashMap<u16, (Pes, Vec<u8>)> = HashMap::new();
    for p in ts.chunks(TS_PACKET_SIZE) {
        out.packets += 1;
        assert_eq!(p[0], SYNC_BYTE);
        let pusi = p[1] & 0x40 != 0;
        let pid = u16::from_be_bytes([p[1] & 0x1F, p[2]]);
        let afc = (p[3] >> 4) & 3;
        assert_ne!(afc, 0);
        assert_eq!(afc & 1, 1, "every packet carries payload");
        let counter = p[3] & 0x0F;
        if let Some(prev) = cc.insert(pid, counter) {
            assert_eq!(counter, (prev + 1) & 0x0F, "continuity of pid {pid:#x}");
        }
        let mut pcr = None;
        let mut random_access = false;
        let payload = if afc & 2 != 0 {
            let len = usize::from(p[4]);
            assert!(len <= 183);
            if len > 0 {
                let flags = p[5];
                random_access = flags & 0x40 != 0;
                if flags & 0x10 != 0 {
                    let b = &p[6..12];
                    pcr = Some(
                        u64::from(b[0]) << 25
                            | u64::from(b[1]) << 17
                            | u64::from(b[2]) << 9
                            | u64::from(b[3]) << 1
                            | u64::from(b[4] >> 7),
                    );
                    assert_eq!(b[4] & 0x7E, 0x7E, "PCR reserved bits");
                }
            }
            &p[5 + len..]
        } else {
            &p[4..]
        };
        if pid == PAT_PID || pid == PMT_PID {
            assert!(pusi);
            assert_eq!(payload[0], 0, "pointer field");
            let len = usize::from(u16::from_be_bytes([payload[2], payload[3]]) & 0x0FFF);
            let section = &payload[1..4 + len];
            assert_eq!(super::crc32::crc32_mpeg2(section), 0, "section CRC");
            assert!(payload[4 + len..].iter().all(|&b| b == 0xFF));
            out.sections.push((pid, section.to_vec()));
            continue;
        }
        if pusi {
            if let Some((pes, data)) = open.remove(&pid) {
                out.pes.push(finish(pes, data));
            }
            let pes = Pes {
                pid,
                pcr,
                random_access,
                ..Pes::default()
            };
            open.insert(pid, (pes, payload.to_vec()));
        } else {
            assert!(pcr.is_none() && !random_access);
            let (_, data) = open.get_mut(&pid).expect("continuation of an open PES");
            data.extend_from_slice(payload);
        }
    }
    // The last PES of each PID ends with the stream; order per PID is kept.
    let mut rest: Vec<_> = open.into_iter().collect();
    rest.sort_by_key(|(pid, _)| *pid);
    for (_, (pes, data)) in rest {
        out.pes.push(finish(pes, data));
    }
    out
}
