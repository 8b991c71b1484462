//! What `srs-ts-info` reports about an MPEG-TS file: its programs and
//! streams, every PES start with PTS/DTS, the PCRs, and continuity errors.

use std::collections::HashMap;
use std::fmt::Write;

use srs_kernel::ts::{parse_pat, parse_pmt, pes_timestamps, TsPacket, TS_PACKET_SIZE};

/// The summary of a file.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TsReport {
    /// Packets read.
    pub packets: u64,
    /// `(program_number, pmt_pid)` of the PAT.
    pub programs: Vec<(u16, u16)>,
    /// `(stream_type, pid)` of the PMTs.
    pub streams: Vec<(u8, u16)>,
    /// PES starts per PID.
    pub pes: HashMap<u16, u64>,
    /// PCRs seen.
    pub pcrs: u64,
    /// Packets whose continuity counter did not follow the previous one of
    /// their PID (and no discontinuity was signalled).
    pub continuity_errors: u64,
    /// Packets that could not be parsed (a cut last packet included).
    pub bad_packets: u64,
    /// A line per event (tables, PES starts, errors), for `--verbose`.
    pub lines: Vec<String>,
}

/// The name of a PMT stream type.
pub fn stream_type_name(t: u8) -> &'static str {
    match t {
        0x1b => "H.264",
        0x24 => "HEVC",
        0x0f => "AAC",
        0x03 | 0x04 => "MP3",
        0x06 => "private (PES)",
        _ => "other",
    }
}

/// Reads `data` as 188-byte packets.
pub fn inspect(data: &[u8]) -> TsReport {
    let mut r = TsReport::default();
    let mut cc: HashMap<u16, u8> = HashMap::new();
    let mut pmt_pids: Vec<u16> = Vec::new();
    for (i, p) in data.chunks(TS_PACKET_SIZE).enumerate() {
        let pkt = match TsPacket::parse(p) {
            Ok(pkt) => pkt,
            Err(e) => {
                r.bad_packets += 1;
                r.lines.push(format!("packet {i}: {e}"));
                continue;
            }
        };
        r.packets += 1;
        if pkt.has_payload {
            if let Some(&last) = cc.get(&pkt.pid) {
                if pkt.continuity != (last + 1) & 0x0f && !pkt.discontinuity && pkt.pid != 0x1fff {
                    r.continuity_errors += 1;
                    r.lines.push(format!(
                        "packet {i}: pid 0x{:x} continuity {} after {last}",
                        pkt.pid, pkt.continuity
                    ));
                }
            }
            cc.insert(pkt.pid, pkt.continuity);
        }
        if let Some(pcr) = pkt.pcr {
            r.pcrs += 1;
            r.lines.push(format!(
                "packet {i}: pid 0x{:x} pcr {pcr} ({:.3} s)",
                pkt.pid,
                pcr as f64 / 27_000_000.0
            ));
        }
        if !pkt.unit_start {
            continue;
        }
        if pkt.pid == 0 {
            if let Ok(programs) = parse_pat(pkt.payload) {
                if r.programs.is_empty() {
                    r.lines.push(format!("packet {i}: PAT {programs:?}"));
                }
                pmt_pids = programs.iter().map(|p| p.1).collect();
                r.programs = programs;
            }
        } else if pmt_pids.contains(&pkt.pid) {
            if let Ok((pcr_pid, streams)) = parse_pmt(pkt.payload) {
                if r.streams.is_empty() {
                    let mut l = format!("packet {i}: PMT pcr pid 0x{pcr_pid:x}");
                    for (t, pid) in &streams {
                        let _ = write!(l, ", pid 0x{pid:x} {}", stream_type_name(*t));
                    }
                    r.lines.push(l);
                }
                r.streams = streams;
            }
        } else {
            *r.pes.entry(pkt.pid).or_default() += 1;
            match pes_timestamps(pkt.payload) {
                Ok((sid, pts, dts)) => r.lines.push(format!(
                    "packet {i}: pid 0x{:x} PES stream 0x{sid:x} pts {} dts {}",
                    pkt.pid,
                    pts.map_or("-".into(), |v| v.to_string()),
                    dts.map_or("-".into(), |v| v.to_string())
                )),
                Err(e) => r
                    .lines
                    .push(format!("packet {i}: pid 0x{:x}: {e}", pkt.pid)),
            }
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use srs_kernel::ts::{TsAudioCodec, TsMuxer};

    #[test]
    fn reports_tables_pes_and_continuity_errors() {
        let mut m = TsMuxer::new(true, Some(TsAudioCodec::Aac));
        let mut ts = Vec::new();
        m.write_tables(&mut ts);
        m.write_video(3600, 0, true, &[0, 0, 0, 1, 0x65, 1], &mut ts);
        m.write_audio(1800, &[0xff, 0xf1, 0x50, 0x80, 1, 0x7f, 0xfc, 1], &mut ts);
        let r = inspect(&ts);
        assert_eq!(r.programs.len(), 1);
        assert_eq!(r.streams.len(), 2);
        assert_eq!(r.pes.values().sum::<u64>(), 2);
        assert!(r.pcrs >= 1);
        assert_eq!((r.continuity_errors, r.bad_packets), (0, 0));
        // Drop a packet of the video PID's next PES: a continuity error.
        m.write_video(7200, 3600, false, &vec![9u8; 400], &mut ts);
        let cut: Vec<u8> = ts[..ts.len() - 2 * TS_PACKET_SIZE]
            .iter()
            .chain(&ts[ts.len() - TS_PACKET_SIZE..])
            .copied()
            .collect();
        assert_eq!(inspect(&cut).continuity_errors, 1);
        assert_eq!(inspect(&cut[..cut.len() - 5]).bad_packets, 1);
    }
}
