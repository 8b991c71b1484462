//! NAL unit iteration over AVCC (length-prefixed) and Annex B (start-code) data.

use crate::error::KernelError;

/// The 4-byte Annex B start code.
pub const ANNEXB_START_CODE: [u8; 4] = [0, 0, 0, 1];

/// H.264 NAL unit types.
pub mod nal_type {
    /// Coded slice of a non-IDR picture.
    pub const SLICE: u8 = 1;
    /// Coded slice of an IDR picture.
    pub const IDR: u8 = 5;
    /// Supplemental enhancement information.
    pub const SEI: u8 = 6;
    /// Sequence parameter set.
    pub const SPS: u8 = 7;
    /// Picture parameter set.
    pub const PPS: u8 = 8;
    /// Access unit delimiter.
    pub const AUD: u8 = 9;
}

/// The type (low 5 bits of the first byte) of an H.264 NAL unit; `None` if empty.
pub fn nalu_type(nalu: &[u8]) -> Option<u8> {
    nalu.first().map(|b| b & 0x1f)
}

/// Iterator over the NAL units of AVCC data (each prefixed by a big-endian length of
/// `length_size` bytes). Yields one `Err` and stops on corrupt input.
#[derive(Debug, Clone)]
pub struct AvccNalus<'a> {
    data: &'a [u8],
    length_size: u8,
    failed: bool,
}

/// Iterates the NAL units of AVCC data; `length_size` is 1..=4 (the decoder
/// configuration record's `nalu_length_size`, usually 4).
pub fn avcc_nalus(data: &[u8], length_size: u8) -> AvccNalus<'_> {
    AvccNalus {
        data,
        length_size,
        failed: false,
    }
}

impl<'a> Iterator for AvccNalus<'a> {
    type Item = Result<&'a [u8], KernelError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.data.is_empty() {
            return None;
        }
        let n = self.length_size as usize;
        if !(1..=4).contains(&n) {
            self.failed = true;
            return Some(Err(KernelError::invalid(
                "avcc nalu length size",
                format!("expected 1..=4, found {n}"),
            )));
        }
        let Some(len_bytes) = self.data.get(..n) else {
            self.failed = true;
            return Some(Err(KernelError::truncated(
                "avcc nalu length",
                n,
                self.data.len(),
            )));
        };
        let len = len_bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        let rest = &self.data[n..];
        let Some(nalu) = rest.get(..len) else {
            self.failed = true;
            return Some(Err(KernelError::truncated("avcc nalu", len, rest.len())));
        };
        self.data = &rest[len..];
        Some(Ok(nalu))
    }
}

/// Converts AVCC data to Annex B: each NAL unit is written after a 4-byte start code.
///
/// On error, `out` may hold the NAL units converted before the corrupt one.
pub fn avcc_to_annexb(data: &[u8], length_size: u8, out: &mut Vec<u8>) -> Result<(), KernelError> {
    for nalu in avcc_nalus(data, length_size) {
        let nalu = nalu?;
        out.extend_from_slice(&ANNEXB_START_CODE);
        out.extend_from_slice(nalu);
    }
    Ok(())
}

/// Iterator over the NAL units of Annex B data (separated by `00 00 01` or
/// `00 00 00 01`). Bytes before the first start code are ignored; empty units are skipped.
#[derive(Debug, Clone)]
pub struct AnnexbNalus<'a> {
    /// Data starting right after a start code (or exhausted).
    data: &'a [u8],
}

/// Position of the next `00 00 01` in `data`.
fn find_start_code(data: &[u8]) -> Option<usize> {
    data.windows(3).position(|w| w == [0, 0, 1])
}

/// Iterates the NAL units of Annex B data.
pub fn annexb_nalus(data: &[u8]) -> AnnexbNalus<'_> {
    let data = match find_start_code(data) {
        Some(p) => &data[p + 3..],
        None => &[],
    };
    AnnexbNalus { data }
}

impl<'a> Iterator for AnnexbNalus<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        while !self.data.is_empty() {
            let (mut nalu, rest) = match find_start_code(self.data) {
                Some(p) => (&self.data[..p], &self.data[p + 3..]),
                None => (self.data, &[][..]),
            };
            self.data = rest;
            // Trailing zeros belong to a 4-byte start code or trailing_zero_8bits.
            while let [head @ .., 0] = nalu {
                nalu = head;
            }
            if !nalu.is_empty() {
                return Some(nalu);
            }
        }
        None
    }
}

/// Converts Annex B data to AVCC with 4-byte lengths.
pub fn annexb_to_avcc(data: &[u8], out: &mut Vec<u8>) -> Result<(), KernelError> {
    for nalu in annexb_nalus(data) {
        let len = u32::try_from(nalu.len()).map_err(|_| KernelError::TooLarge {
            what: "annexb nalu",
            size: nalu.len(),
            limit: u32::MAX as usize,
        })?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(nalu);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const AVCC: [u8; 15] = [
        0, 0, 0, 2, 0x09, 0xF0, // AUD
        0, 0, 0, 5, 0x65, 0x88, 0x84, 0x00, 0x21, // IDR
    ];

    #[test]
    fn iterate_avcc() {
        let n: Vec<_> = avcc_nalus(&AVCC, 4).collect::<Result<_, _>>().unwrap();
        assert_eq!(
            n,
            vec![&[0x09, 0xF0][..], &[0x65, 0x88, 0x84, 0x00, 0x21][..]]
        );
        assert_eq!(nalu_type(n[0]), Some(nal_type::AUD));
        assert_eq!(nalu_type(n[1]), Some(nal_type::IDR));
        assert_eq!(nalu_type(&[]), None);
        let two: Vec<_> = avcc_nalus(&[0, 1, 0x67, 0, 2, 0x68, 0xEE], 2)
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(two, vec![&[0x67][..], &[0x68, 0xEE][..]]);
    }

    #[test]
    fn avcc_errors_at_every_truncation() {
        for cut in 1..AVCC.len() {
            if cut == 6 {
                continue; // a NALU boundary
            }
            let r: Result<Vec<_>, _> = avcc_nalus(&AVCC[..cut], 4).collect();
            assert!(r.is_err(), "cut {cut}");
        }
        assert!(avcc_nalus(&AVCC, 0).next().unwrap().is_err());
        assert!(avcc_nalus(&AVCC, 5).next().unwrap().is_err());
        let mut it = avcc_nalus(&[0, 0, 0, 9, 1], 4);
        assert!(it.next().unwrap().is_err());
        assert!(it.next().is_none());
    }

    #[test]
    fn annexb_round_trip() {
        let mut annexb = Vec::new();
        avcc_to_annexb(&AVCC, 4, &mut annexb).unwrap();
        assert_eq!(
            annexb,
            [0, 0, 0, 1, 0x09, 0xF0, 0, 0, 0, 1, 0x65, 0x88, 0x84, 0x00, 0x21]
        );
        let mut back = Vec::new();
        annexb_to_avcc(&annexb, &mut back).unwrap();
        assert_eq!(back, AVCC);
        assert!(avcc_to_annexb(&AVCC[..8], 4, &mut Vec::new()).is_err());
    }

    #[test]
    fn annexb_three_byte_codes_and_garbage() {
        let data = [
            0xAA, 0, 0, 1, 0x67, 0x42, 0, 0, 1, 0x68, 0, 0, 0, 0, 1, 0x65, 0x01, 0, 0,
        ];
        let n: Vec<_> = annexb_nalus(&data).collect();
        assert_eq!(n, vec![&[0x67, 0x42][..], &[0x68][..], &[0x65, 0x01][..]]);
        assert_eq!(annexb_nalus(&[1, 2, 3]).count(), 0);
        assert_eq!(annexb_nalus(&[0, 0, 1]).count(), 0);
    }
}
