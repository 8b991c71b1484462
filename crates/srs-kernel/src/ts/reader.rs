//! Reading MPEG-TS: packet headers, PCR, PAT/PMT and PES timestamps, for
//! inspection tools (`srs-ts-info`). Every parser takes bytes and never
//! panics; a malformed packet is an error.

use super::packet::TS_PACKET_SIZE;
use crate::error::KernelError;

/// One 188-byte packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TsPacket<'a> {
    /// Packet identifier.
    pub pid: u16,
    /// `payload_unit_start_indicator`: a PES or section starts here.
    pub unit_start: bool,
    /// `continuity_counter` (counts packets with payload, per PID).
    pub continuity: u8,
    /// Whether the packet carries a payload.
    pub has_payload: bool,
    /// `discontinuity_indicator` of the adaptation field.
    pub discontinuity: bool,
    /// Program clock reference in 27 MHz units, when present.
    pub pcr: Option<u64>,
    /// The payload.
    pub payload: &'a [u8],
}

const WHAT: &str = "ts packet";

impl<'a> TsPacket<'a> {
    /// Parses one packet (exactly [`TS_PACKET_SIZE`] bytes).
    pub fn parse(p: &'a [u8]) -> Result<TsPacket<'a>, KernelError> {
        if p.len() != TS_PACKET_SIZE {
            return Err(KernelError::truncated(WHAT, TS_PACKET_SIZE, p.len()));
        }
        if p[0] != 0x47 {
            return Err(KernelError::invalid(
                WHAT,
                format!("sync byte 0x{:02x}, expected 0x47", p[0]),
            ));
        }
        let pid = (u16::from(p[1] & 0x1f) << 8) | u16::from(p[2]);
        let afc = (p[3] >> 4) & 0x03;
        let mut pos = 4;
        let (mut pcr, mut discontinuity) = (None, false);
        if afc & 0x02 != 0 {
            let len = usize::from(p[4]);
            if 5 + len > TS_PACKET_SIZE {
                return Err(KernelError::invalid(
                    WHAT,
                    format!("adaptation field of {len} bytes"),
                ));
            }
            if len > 0 {
                let flags = p[5];
                discontinuity = flags & 0x80 != 0;
                if flags & 0x10 != 0 && len >= 7 {
                    let b = &p[6..12];
                    let base = (u64::from(b[0]) << 25)
                        | (u64::from(b[1]) << 17)
                        | (u64::from(b[2]) << 9)
                        | (u64::from(b[3]) << 1)
                        | u64::from(b[4] >> 7);
                    let ext = (u64::from(b[4] & 0x01) << 8) | u64::from(b[5]);
                    pcr = Some(base * 300 + ext);
                }
            }
            pos = 5 + len;
        }
        let has_payload = afc & 0x01 != 0;
        Ok(TsPacket {
            pid,
            unit_start: p[1] & 0x40 != 0,
            continuity: p[3] & 0x0f,
            has_payload,
            discontinuity,
            pcr,
            payload: if has_payload { &p[pos..] } else { &[] },
        })
    }
}

/// The body of a PSI section starting in `payload` (after the pointer
/// field), up to its CRC: `(table_id, bytes after the 8-byte header)`.
fn section(payload: &[u8]) -> Result<(u8, &[u8]), KernelError> {
    let pointer = usize::from(*payload.first().ok_or(KernelError::truncated("psi", 1, 0))?);
    let s = payload.get(1 + pointer..).ok_or(KernelError::truncated(
        "psi pointer",
        1 + pointer,
        payload.len(),
    ))?;
    if s.len() < 3 {
        return Err(KernelError::truncated("psi section", 3, s.len()));
    }
    let len = (usize::from(s[1] & 0x0f) << 8) | usize::from(s[2]);
    let body = s
        .get(8..3 + len.saturating_sub(4).max(5))
        .ok_or(KernelError::truncated("psi section", 3 + len, s.len()))?;
    Ok((s[0], body))
}

/// The PMT PIDs of a PAT: `(program_number, pmt_pid)`.
pub fn parse_pat(payload: &[u8]) -> Result<Vec<(u16, u16)>, KernelError> {
    let (table, body) = section(payload)?;
    if table != 0 {
        return Err(KernelError::invalid("pat", format!("table id {table}")));
    }
    Ok(body
        .chunks_exact(4)
        .map(|e| {
            (
                u16::from_be_bytes([e[0], e[1]]),
                u16::from_be_bytes([e[2] & 0x1f, e[3]]),
            )
        })
        .collect())
}

/// The elementary streams of a PMT: `(stream_type, pid)`, and the PCR PID.
pub fn parse_pmt(payload: &[u8]) -> Result<(u16, Vec<(u8, u16)>), KernelError> {
    let (table, body) = section(payload)?;
    if table != 2 || body.len() < 4 {
        return Err(KernelError::invalid("pmt", format!("table id {table}")));
    }
    let pcr_pid = u16::from_be_bytes([body[0] & 0x1f, body[1]]);
    let info_len = (usize::from(body[2] & 0x0f) << 8) | usize::from(body[3]);
    let mut rest = body.get(4 + info_len..).unwrap_or_default();
    let mut streams = Vec::new();
    while rest.len() >= 5 {
        let es_len = (usize::from(rest[3] & 0x0f) << 8) | usize::from(rest[4]);
        streams.push((rest[0], u16::from_be_bytes([rest[1] & 0x1f, rest[2]])));
        rest = rest.get(5 + es_len..).unwrap_or_default();
    }
    Ok((pcr_pid, streams))
}

/// The stream id, PTS and DTS (90 kHz) of a PES header at the start of
/// `payload`.
pub fn pes_timestamps(payload: &[u8]) -> Result<(u8, Option<u64>, Option<u64>), KernelError> {
    if payload.len() < 9 || payload[..3] != [0, 0, 1] {
        return Err(KernelError::invalid("pes", "no start code"));
    }
    let flags = payload[7] >> 6;
    let ts = |b: &[u8]| -> Option<u64> {
        let b = b.get(..5)?;
        Some(
            (u64::from(b[0] >> 1 & 0x07) << 30)
                | (u64::from(b[1]) << 22)
                | (u64::from(b[2] >> 1) << 15)
                | (u64::from(b[3]) << 7)
                | u64::from(b[4] >> 1),
        )
    };
    let pts = if flags & 0x02 != 0 {
        ts(&payload[9..])
    } else {
        None
    };
    let dts = if flags == 0x03 {
        payload.get(14..).and_then(ts)
    } else {
        None
    };
    Ok((payload[3], pts, dts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ts::{TsAudioCodec, TsMuxer};

    #[test]
    fn reads_back_what_the_muxer_writes() {
        let mut m = TsMuxer::new(true, Some(TsAudioCodec::Aac));
        let mut out = Vec::new();
        m.write_tables(&mut out);
        m.write_video(93_600, 90_000, true, &[0, 0, 0, 1, 0x65, 1, 2, 3], &mut out);
        let packets: Vec<TsPacket<'_>> = out
            .chunks(TS_PACKET_SIZE)
            .map(|p| TsPacket::parse(p).expect("packet"))
            .collect();
        let pat = parse_pat(packets[0].payload).expect("pat");
        assert_eq!(pat.len(), 1);
        let pmt = packets
            .iter()
            .find(|p| p.pid == pat[0].1)
            .expect("pmt packet");
        let (pcr_pid, streams) = parse_pmt(pmt.payload).expect("pmt");
        assert!(streams.iter().any(|&(t, _)| t == 0x1b), "H.264 stream");
        assert!(streams.iter().any(|&(t, _)| t == 0x0f), "AAC stream");
        let video = packets
            .iter()
            .find(|p| p.pid == pcr_pid && p.unit_start)
            .expect("video pes");
        assert!(video.pcr.is_some(), "PCR on the video PID");
        let (sid, pts, dts) = pes_timestamps(video.payload).expect("pes");
        assert_eq!((sid, pts, dts), (0xe0, Some(93_600), Some(90_000)));
    }

    #[test]
    fn garbage_is_an_error_never_a_panic() {
        let mut p = vec![0x47u8; TS_PACKET_SIZE];
        p[3] = 0x30;
        p[4] = 200;
        assert!(TsPacket::parse(&p).is_err());
        assert!(TsPacket::parse(&p[..10]).is_err());
        for n in 0..20 {
            let junk = vec![0xffu8; n];
            let _ = parse_pat(&junk);
            let _ = parse_pmt(&junk);
            let _ = pes_timestamps(&junk);
        }
    }
}
