//! The 188-byte transport stream packet: header, adaptation field (PCR, random access,
//! stuffing) and the splitting of one PES packet or PSI section into packets.

/// Size of every transport stream packet.
pub const TS_PACKET_SIZE: usize = 188;

/// The sync byte that starts every packet.
pub const SYNC_BYTE: u8 = 0x47;

/// Size of the packet header (sync byte, flags + PID, adaptation control + counter).
const HEADER_SIZE: usize = 4;

/// Bytes after the header: adaptation field plus payload.
const BODY_SIZE: usize = TS_PACKET_SIZE - HEADER_SIZE;

/// The PCR modulus: the 33-bit base wraps at 2^33.
const PCR_BASE_MODULUS: u64 = 1 << 33;

/// A 4-bit continuity counter of one PID.
///
/// The value in a packet header is the current one; it is incremented after every
/// packet that carries payload (all packets written by this module do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ContinuityCounter(u8);

impl ContinuityCounter {
    /// A counter starting at 0.
    pub const fn new() -> Self {
        ContinuityCounter(0)
    }

    /// The value the next packet will carry (0..=15).
    pub fn value(self) -> u8 {
        self.0
    }

    /// Returns the current value and advances the counter modulo 16.
    pub fn advance(&mut self) -> u8 {
        let v = self.0;
        self.0 = (self.0 + 1) & 0x0F;
        v
    }
}

/// What goes into the adaptation field of the first packet of a payload unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AdaptationField {
    /// Sets `random_access_indicator` (a keyframe starts in this packet).
    pub random_access: bool,
    /// A program clock reference in 90 kHz units (the 33-bit base; the 9-bit
    /// extension is written as 0). Taken modulo 2^33.
    pub pcr: Option<u64>,
}

impl AdaptationField {
    /// True when neither flag nor PCR is set (no adaptation field needed).
    pub fn is_empty(&self) -> bool {
        !self.random_access && self.pcr.is_none()
    }

    /// Size of the field with its length byte, without stuffing; 0 when empty.
    fn min_len(&self) -> usize {
        if self.is_empty() {
            0
        } else {
            // length byte + flags byte + optional 6-byte PCR
            2 + if self.pcr.is_some() { 6 } else { 0 }
        }
    }
}

/// How the last packet of a payload unit is filled up to 188 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// Stuffing bytes in the adaptation field (required for PES packets).
    AdaptationField,
    /// `0xFF` bytes after the payload (allowed for PSI sections only).
    Payload,
}

/// Appends the 6 PCR bytes: 33-bit base, 6 reserved bits (1), 9-bit extension.
fn write_pcr(out: &mut Vec<u8>, pcr: u64, ext: u16) {
    let base = pcr % PCR_BASE_MODULUS;
    let ext = ext & 0x1FF;
    out.extend_from_slice(&[
        (base >> 25) as u8,
        (base >> 17) as u8,
        (base >> 9) as u8,
        (base >> 1) as u8,
        (((base & 1) as u8) << 7) | 0x7E | (ext >> 8) as u8,
        ext as u8,
    ]);
}

/// Appends an adaptation field of exactly `total` bytes (length byte included):
/// the flags of `af` (for the first packet only), then `0xFF` stuffing.
///
/// `total` is at least `af.min_len()` and at least 1.
fn write_adaptation_field(out: &mut Vec<u8>, af: &AdaptationField, total: usize) {
    // adaptation_field_length counts the bytes after itself.
    out.push((total - 1) as u8);
    if total == 1 {
        return; // a single length byte of 0: one byte of stuffing
    }
    let mut flags = 0u8;
    if af.random_access {
        flags |= 0x40;
    }
    if af.pcr.is_some() {
        flags |= 0x10;
    }
    out.push(flags);
    if let Some(pcr) = af.pcr {
        write_pcr(out, pcr, 0);
    }
    let used = af.min_len().max(2);
    out.resize(out.len() + (total - used), 0xFF);
}

/// Reads from two slices as if they were one.
struct Chain<'a> {
    parts: [&'a [u8]; 2],
}

impl Chain<'_> {
    fn remaining(&self) -> usize {
        self.parts[0].len() + self.parts[1].len()
    }

    /// Moves `n` bytes (at most `remaining()`) to `out`.
    fn copy_to(&mut self, out: &mut Vec<u8>, mut n: usize) {
        for part in &mut self.parts {
            let k = n.min(part.len());
            let (head, tail) = part.split_at(k);
            out.extend_from_slice(head);
            *part = tail;
            n -= k;
        }
    }
}

/// Splits one payload unit (a PES packet, or a pointer field plus PSI section) into
/// 188-byte packets of PID `pid` appended to `out`.
///
/// The payload is `head` followed by `data` (so a PES header need not be copied
/// in front of the frame). The first packet has `payload_unit_start_indicator` set and
/// carries `af` in its adaptation field; the last packet is filled with `fill`, so the
/// unit ends exactly on a packet boundary. Every packet carries payload and takes the
/// next value of `cc`. An empty payload writes nothing.
pub fn write_payload_unit(
    out: &mut Vec<u8>,
    pid: u16,
    cc: &mut ContinuityCounter,
    af: &AdaptationField,
    fill: Fill,
    head: &[u8],
    data: &[u8],
) {
    let mut payload = Chain {
        parts: [head, data],
    };
    let mut first = true;
    while payload.remaining() > 0 {
        let packet_start = out.len();
        let first_af = if first {
            *af
        } else {
            AdaptationField::default()
        };
        let af_min = first_af.min_len();
        let room = BODY_SIZE - af_min;
        let remaining = payload.remaining();
        let (af_len, payload_len) = if remaining >= room {
            (af_min, room)
        } else if fill == Fill::AdaptationField {
            (BODY_SIZE - remaining, remaining)
        } else {
            (af_min, remaining)
        };
        let pusi = if first { 0x40 } else { 0x00 };
        let afc = if af_len > 0 { 0x30 } else { 0x10 };
        out.extend_from_slice(&[
            SYNC_BYTE,
            pusi | ((pid >> 8) as u8 & 0x1F),
            pid as u8,
            afc | cc.advance(),
        ]);
        if af_len > 0 {
            write_adaptation_field(out, &first_af, af_len);
        }
        payload.copy_to(out, payload_len);
        // Fill::Payload: pad the rest of the packet (PSI stuffing).
        out.resize(packet_start + TS_PACKET_SIZE, 0xFF);
        first = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decoded view of one packet, for checks.
    struct View<'a> {
        pusi: bool,
        pid: u16,
        cc: u8,
        af: Option<&'a [u8]>,
        payload: &'a [u8],
    }

    fn view(p: &[u8]) -> View<'_> {
        assert_eq!(p.len(), TS_PACKET_SIZE);
        assert_eq!(p[0], SYNC_BYTE);
        let afc = (p[3] >> 4) & 3;
        let (af, rest) = if afc & 2 != 0 {
            let len = usize::from(p[4]);
            (Some(&p[4..5 + len]), &p[5 + len..])
        } else {
            (None, &p[4..])
        };
        View {
            pusi: p[1] & 0x40 != 0,
            pid: u16::from_be_bytes([p[1] & 0x1F, p[2]]),
            cc: p[3] & 0x0F,
            af,
            payload: if afc & 1 != 0 { rest } else { &[] },
        }
    }

    #[test]
    fn counter_wraps() {
        let mut cc = ContinuityCounter::new();
        let values: Vec<u8> = (0..18).map(|_| cc.advance()).collect();
        assert_eq!(&values[..3], &[0, 1, 2]);
        assert_eq!(&values[15..], &[15, 0, 1]);
        assert_eq!(cc.value(), 2);
    }

    #[test]
    fn pcr_bytes() {
        let mut out = Vec::new();
        // base = 0x1_2345_6789 (33 bits), ext = 0x155
        write_pcr(&mut out, 0x1_2345_6789, 0x155);
        // base >> 25 = 0x91, >> 17 = 0xA2 (low 8 bits), >> 9 = 0xB3, >> 1 = 0xC4,
        // then bit0 of base (1) | reserved 111111 | ext bit 8 (1), ext low 8 = 0x55.
        assert_eq!(out, [0x91, 0xA2, 0xB3, 0xC4, 0xFF, 0x55]);
        out.clear();
        // Wraps modulo 2^33.
        write_pcr(&mut out, (1 << 33) + 1, 0);
        assert_eq!(out, [0, 0, 0, 0, 0xFE, 0]);
    }

    #[test]
    fn single_packet_with_pcr_and_stuffing() {
        let mut out = Vec::new();
        let mut cc = ContinuityCounter::new();
        let af = AdaptationField {
            random_access: true,
            pcr: Some(90_000),
        };
        write_payload_unit(
            &mut out,
            0x100,
            &mut cc,
            &af,
            Fill::AdaptationField,
            &[1, 2],
            &[3],
        );
        assert_eq!(out.len(), 188);
        // 47, PUSI + PID 0x100, AF + payload with cc 0
        assert_eq!(&out[..4], &[0x47, 0x41, 0x00, 0x30]);
        // AF length 184 - 1 (length byte) - 3 (payload) = 180; flags RAI + PCR.
        assert_eq!(&out[4..6], &[180, 0x50]);
        // PCR 90000 = 0x15F90: >> 9 = 0xAF, >> 1 = 0xAFC8, base bit 0 = 0.
        assert_eq!(&out[6..12], &[0x00, 0x00, 0xAF, 0xC8, 0x7E, 0x00]);
        assert!(out[12..185].iter().all(|&b| b == 0xFF));
        assert_eq!(&out[185..], &[1, 2, 3]);
        assert_eq!(cc.value(), 1);
    }

    #[test]
    fn pcr_field_exact() {
        let mut out = Vec::new();
        let af = AdaptationField {
            random_access: false,
            pcr: Some(90_000),
        };
        write_adaptation_field(&mut out, &af, 8);
        assert_eq!(out, [7, 0x10, 0x00, 0x00, 0xAF, 0xC8, 0x7E, 0x00]);
    }

    #[test]
    fn one_and_two_bytes_of_stuffing() {
        // 183 bytes of payload: one byte of stuffing = a lone length byte 0.
        let data = vec![0xAB; 183];
        let mut out = Vec::new();
        let mut cc = ContinuityCounter::new();
        let none = AdaptationField::default();
        write_payload_unit(
            &mut out,
            0x101,
            &mut cc,
            &none,
            Fill::AdaptationField,
            &[],
            &data,
        );
        assert_eq!(out.len(), 188);
        assert_eq!(&out[..5], &[0x47, 0x41, 0x01, 0x30, 0x00]);
        assert_eq!(&out[5..], &data[..]);
        // 182 bytes: length 1 and a flags byte 0.
        out.clear();
        write_payload_unit(
            &mut out,
            0x101,
            &mut cc,
            &none,
            Fill::AdaptationField,
            &data[..100],
            &data[100..182],
        );
        assert_eq!(&out[..6], &[0x47, 0x41, 0x01, 0x31, 0x01, 0x00]);
        assert_eq!(&out[6..], &data[..182]);
        // 184 bytes: no adaptation field at all.
        out.clear();
        let data = vec![0xCD; 184];
        write_payload_unit(
            &mut out,
            0x101,
            &mut cc,
            &none,
            Fill::AdaptationField,
            &data,
            &[],
        );
        assert_eq!(&out[..4], &[0x47, 0x41, 0x01, 0x12]);
        assert_eq!(&out[4..], &data[..]);
    }

    #[test]
    fn every_length_ends_on_a_packet_boundary() {
        let data: Vec<u8> = (0..1200u32).map(|i| (i * 7) as u8).collect();
        let mut cc = ContinuityCounter::new();
        let mut expected_cc = 0u8;
        for len in 1..data.len() {
            for af in [
                AdaptationField::default(),
                AdaptationField {
                    random_access: true,
                    pcr: Some(len as u64 * 3000),
                },
            ] {
                let mut out = Vec::new();
                let split = len.min(19);
                write_payload_unit(
                    &mut out,
                    0x100,
                    &mut cc,
                    &af,
                    Fill::AdaptationField,
                    &data[..split],
                    &data[split..len],
                );
                assert_eq!(out.len() % TS_PACKET_SIZE, 0, "len {len}");
                let mut joined = Vec::new();
                for (i, p) in out.chunks(TS_PACKET_SIZE).enumerate() {
                    let v = view(p);
                    assert_eq!(v.pid, 0x100);
                    assert_eq!(v.pusi, i == 0);
                    assert_eq!(v.cc, expected_cc);
                    expected_cc = (expected_cc + 1) & 0x0F;
                    if i == 0 && !af.is_empty() {
                        let f = v.af.expect("adaptation field on the first packet");
                        assert_eq!(f[1], 0x50, "RAI + PCR flags");
                    }
                    assert!(!v.payload.is_empty());
                    joined.extend_from_slice(v.payload);
                }
                assert_eq!(joined, &data[..len], "len {len}");
            }
        }
    }

    #[test]
    fn payload_fill_for_psi() {
        let mut out = Vec::new();
        let mut cc = ContinuityCounter::new();
        write_payload_unit(
            &mut out,
            0,
            &mut cc,
            &AdaptationField::default(),
            Fill::Payload,
            &[0x00],
            &[0xAA, 0xBB],
        );
        assert_eq!(out.len(), 188);
        assert_eq!(&out[..7], &[0x47, 0x40, 0x00, 0x10, 0x00, 0xAA, 0xBB]);
        assert!(out[7..].iter().all(|&b| b == 0xFF));
        // Nothing for an empty payload, and the counter does not move.
        write_payload_unit(
            &mut out,
            0,
            &mut cc,
            &AdaptationField::default(),
            Fill::Payload,
            &[],
            &[],
        );
        assert_eq!(out.len(), 188);
        assert_eq!(cc.value(), 1);
    }
}
