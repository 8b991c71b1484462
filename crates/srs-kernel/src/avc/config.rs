//! The AVCDecoderConfigurationRecord (ISO 14496-15), the payload of an FLV / RTMP
//! AVC sequence header after the 5-byte video tag header.

use super::nalu::ANNEXB_START_CODE;
use super::sps::Sps;
use crate::error::KernelError;
use bytes::Bytes;

const WHAT: &str = "avc decoder configuration record";

/// The AVC decoder configuration record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvcDecoderConfig {
    /// `AVCProfileIndication` (profile_idc of the SPS).
    pub profile: u8,
    /// `profile_compatibility` (constraint flags of the SPS).
    pub compatibility: u8,
    /// `AVCLevelIndication` (level_idc of the SPS).
    pub level: u8,
    /// Size in bytes of the NAL unit length prefix in frames (1, 2 or 4).
    pub nalu_length_size: u8,
    /// Sequence parameter set NAL units (with NAL header).
    pub sps: Vec<Bytes>,
    /// Picture parameter set NAL units (with NAL header).
    pub pps: Vec<Bytes>,
}

fn take<'a>(buf: &mut &'a [u8], n: usize, what: &'static str) -> Result<&'a [u8], KernelError> {
    if buf.len() < n {
        return Err(KernelError::truncated(what, n, buf.len()));
    }
    let (head, tail) = buf.split_at(n);
    *buf = tail;
    Ok(head)
}

fn parameter_sets(
    buf: &mut &[u8],
    count: usize,
    what: &'static str,
) -> Result<Vec<Bytes>, KernelError> {
    let mut sets = Vec::with_capacity(count.min(32));
    for _ in 0..count {
        let len = take(buf, 2, what)?;
        let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
        sets.push(Bytes::copy_from_slice(take(buf, len, what)?));
    }
    Ok(sets)
}

impl AvcDecoderConfig {
    /// Parses the record. Trailing data (the High-profile extension) is ignored.
    pub fn parse(data: &[u8]) -> Result<AvcDecoderConfig, KernelError> {
        let mut buf = data;
        let head = take(&mut buf, 6, WHAT)?;
        if head[0] != 1 {
            return Err(KernelError::invalid(
                WHAT,
                format!("expected configurationVersion 1, found {}", head[0]),
            ));
        }
        let nalu_length_size = (head[4] & 0x03) + 1;
        if nalu_length_size == 3 {
            return Err(KernelError::invalid(
                WHAT,
                "NAL unit length size 3 is not allowed (expected 1, 2 or 4)",
            ));
        }
        let sps = parameter_sets(&mut buf, usize::from(head[5] & 0x1f), "avc sps entry")?;
        let num_pps = take(&mut buf, 1, "avc pps count")?[0];
        let pps = parameter_sets(&mut buf, usize::from(num_pps), "avc pps entry")?;
        Ok(AvcDecoderConfig {
            profile: head[1],
            compatibility: head[2],
            level: head[3],
            nalu_length_size,
            sps,
            pps,
        })
    }

    /// Appends the encoded record (version 1, reserved bits set, no extension).
    ///
    /// At most 31 SPS and 255 PPS are written; longer parameter sets than 65535
    /// bytes are not representable and are skipped.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let fits = |s: &&Bytes| s.len() <= u16::MAX as usize;
        let sps: Vec<&Bytes> = self.sps.iter().filter(fits).take(31).collect();
        let pps: Vec<&Bytes> = self.pps.iter().filter(fits).take(255).collect();
        out.extend_from_slice(&[
            1,
            self.profile,
            self.compatibility,
            self.level,
            0xFC | (self.nalu_length_size.saturating_sub(1) & 0x03),
            0xE0 | sps.len() as u8,
        ]);
        for s in sps {
            out.extend_from_slice(&(s.len() as u16).to_be_bytes());
            out.extend_from_slice(s);
        }
        out.push(pps.len() as u8);
        for p in pps {
            out.extend_from_slice(&(p.len() as u16).to_be_bytes());
            out.extend_from_slice(p);
        }
    }

    /// Parses the first SPS.
    pub fn parse_sps(&self) -> Result<Sps, KernelError> {
        match self.sps.first() {
            Some(s) => Sps::parse(s),
            None => Err(KernelError::invalid(WHAT, "no SPS in the record")),
        }
    }

    /// Appends every SPS then every PPS in Annex B form (each after a 4-byte start
    /// code), as needed before an IDR frame in MPEG-TS.
    pub fn write_annexb_parameter_sets(&self, out: &mut Vec<u8>) {
        for s in self.sps.iter().chain(&self.pps) {
            out.extend_from_slice(&ANNEXB_START_CODE);
            out.extend_from_slice(s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// x264 High profile 1280x720 SPS and PPS.
    const SPS: [u8; 26] = [
        0x67, 0x64, 0x00, 0x1f, 0xac, 0xd9, 0x40, 0x50, 0x05, 0xbb, 0x01, 0x10, 0x00, 0x00, 0x03,
        0x00, 0x10, 0x00, 0x00, 0x03, 0x03, 0x20, 0xf1, 0x83, 0x19, 0x60,
    ];
    const PPS: [u8; 6] = [0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0];

    fn record() -> Vec<u8> {
        let mut r = vec![0x01, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0x00, SPS.len() as u8];
        r.extend_from_slice(&SPS);
        r.extend_from_slice(&[0x01, 0x00, PPS.len() as u8]);
        r.extend_from_slice(&PPS);
        r
    }

    #[test]
    fn parse_real_record() {
        let c = AvcDecoderConfig::parse(&record()).unwrap();
        assert_eq!((c.profile, c.compatibility, c.level), (100, 0, 31));
        assert_eq!(c.nalu_length_size, 4);
        assert_eq!(c.sps, vec![Bytes::from_static(&SPS)]);
        assert_eq!(c.pps, vec![Bytes::from_static(&PPS)]);
        let sps = c.parse_sps().unwrap();
        assert_eq!((sps.width, sps.height), (1280, 720));
        let mut out = Vec::new();
        c.encode(&mut out);
        assert_eq!(out, record());
    }

    #[test]
    fn truncated_at_every_length_is_error() {
        let r = record();
        for n in 0..r.len() {
            assert!(AvcDecoderConfig::parse(&r[..n]).is_err(), "cut {n}");
        }
    }

    #[test]
    fn bad_version_and_length_size() {
        let mut r = record();
        r[0] = 0;
        assert!(AvcDecoderConfig::parse(&r).is_err());
        let mut r = record();
        r[4] = 0xFE;
        assert!(AvcDecoderConfig::parse(&r).is_err());
    }

    #[test]
    fn annexb_parameter_sets() {
        let c = AvcDecoderConfig::parse(&record()).unwrap();
        let mut out = Vec::new();
        c.write_annexb_parameter_sets(&mut out);
        let mut expected = vec![0, 0, 0, 1];
        expected.extend_from_slice(&SPS);
        expected.extend_from_slice(&[0, 0, 0, 1]);
        expected.extend_from_slice(&PPS);
        assert_eq!(out, expected);
    }
}
