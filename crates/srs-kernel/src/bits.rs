//! A big-endian bit reader with exp-Golomb codes, and RBSP extraction for H.264.

use crate::error::KernelError;

/// Reads bits most-significant first from a byte slice.
#[derive(Debug, Clone)]
pub struct BitReader<'a> {
    data: &'a [u8],
    /// Position in bits from the start of `data`.
    pos: usize,
    what: &'static str,
}

impl<'a> BitReader<'a> {
    /// A reader over `data`; `what` names the structure in errors.
    pub fn new(data: &'a [u8], what: &'static str) -> Self {
        BitReader { data, pos: 0, what }
    }

    /// Bits left to read.
    pub fn remaining_bits(&self) -> usize {
        (self.data.len() * 8).saturating_sub(self.pos)
    }

    /// Reads one bit.
    pub fn read_bit(&mut self) -> Result<bool, KernelError> {
        let byte = self.pos / 8;
        let b = *self
            .data
            .get(byte)
            .ok_or_else(|| KernelError::truncated(self.what, byte + 1, self.data.len()))?;
        let bit = (b >> (7 - (self.pos % 8))) & 1;
        self.pos += 1;
        Ok(bit == 1)
    }

    /// Reads a flag (one bit) as a bool; same as [`BitReader::read_bit`].
    pub fn read_flag(&mut self) -> Result<bool, KernelError> {
        self.read_bit()
    }

    /// Reads `n` bits (at most 32) as an unsigned number.
    pub fn read_bits(&mut self, n: u32) -> Result<u32, KernelError> {
        if n > 32 {
            return Err(KernelError::invalid(
                self.what,
                format!("cannot read {n} bits at once (max 32)"),
            ));
        }
        if (n as usize) > self.remaining_bits() {
            return Err(KernelError::truncated(
                self.what,
                (self.pos + n as usize).div_ceil(8),
                self.data.len(),
            ));
        }
        let mut v: u64 = 0;
        for _ in 0..n {
            v = (v << 1) | u64::from(self.read_bit()?);
        }
        Ok(v as u32)
    }

    /// Skips `n` bits.
    pub fn skip_bits(&mut self, n: usize) -> Result<(), KernelError> {
        if n > self.remaining_bits() {
            return Err(KernelError::truncated(
                self.what,
                (self.pos + n).div_ceil(8),
                self.data.len(),
            ));
        }
        self.pos += n;
        Ok(())
    }

    /// Reads an unsigned exp-Golomb code, `ue(v)`.
    pub fn read_ue(&mut self) -> Result<u32, KernelError> {
        let mut zeros = 0u32;
        while !self.read_bit()? {
            zeros += 1;
            if zeros > 31 {
                return Err(KernelError::invalid(
                    self.what,
                    "exp-Golomb code longer than 32 bits",
                ));
            }
        }
        let rest = u64::from(self.read_bits(zeros)?);
        let v = (1u64 << zeros) - 1 + rest;
        u32::try_from(v).map_err(|_| {
            KernelError::invalid(self.what, format!("exp-Golomb value {v} overflows u32"))
        })
    }

    /// Reads a signed exp-Golomb code, `se(v)`.
    pub fn read_se(&mut self) -> Result<i32, KernelError> {
        let k = i64::from(self.read_ue()?);
        let v = if k % 2 == 1 { (k + 1) / 2 } else { -(k / 2) };
        // |v| <= 2^31, only +2^31 does not fit.
        i32::try_from(v)
            .map_err(|_| KernelError::invalid(self.what, format!("se(v) value {v} overflows i32")))
    }
}

/// Removes H.264/H.265 emulation-prevention bytes: every `00 00 03` becomes `00 00`.
pub fn remove_emulation_prevention(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut zeros = 0usize;
    for &b in data {
        if zeros >= 2 && b == 3 {
            zeros = 0;
            continue;
        }
        if b == 0 {
            zeros += 1;
        } else {
            zeros = 0;
        }
        out.push(b);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_bits_and_ue_se() {
        // 1 | 010 | 011 | 00100 | 00101 -> ue 0,1,2,3 ; then se from 00101 (k=4 -> -2)
        // bits: 1 010 011 00100 00101 0000000 = 1010 0110 0100 0010 1000 0000
        let data = [0b1010_0110, 0b0100_0010, 0b1000_0000];
        let mut r = BitReader::new(&data, "test");
        assert_eq!(r.read_ue().unwrap(), 0);
        assert_eq!(r.read_ue().unwrap(), 1);
        assert_eq!(r.read_ue().unwrap(), 2);
        assert_eq!(r.read_ue().unwrap(), 3);
        assert_eq!(r.read_se().unwrap(), -2);
        assert_eq!(r.remaining_bits(), 7);
        assert!(r.read_bits(8).is_err());
        assert_eq!(r.read_bits(7).unwrap(), 0);
        assert!(r.read_bit().is_err());
    }

    #[test]
    fn ue_too_long_is_error() {
        let data = [0u8; 8];
        assert!(BitReader::new(&data, "t").read_ue().is_err());
        let data = [0u8, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff];
        // 39 zeros then 1 -> too long
        assert!(BitReader::new(&data, "t").read_ue().is_err());
    }

    #[test]
    fn ue_max_value() {
        // 31 zeros, 1, then 31 ones -> 2^32 - 2 + ... = 2^31 - 1 + 2^31 - 1 = 0xFFFF_FFFE
        let data = [0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe];
        assert_eq!(BitReader::new(&data, "t").read_ue().unwrap(), 0xFFFF_FFFE);
    }

    #[test]
    fn emulation_prevention() {
        assert_eq!(
            remove_emulation_prevention(&[0, 0, 3, 1, 0, 0, 3, 0, 0, 3]),
            vec![0, 0, 1, 0, 0, 0, 0]
        );
        assert_eq!(
            remove_emulation_prevention(&[0, 3, 0, 0, 0, 3]),
            vec![0, 3, 0, 0, 0]
        );
    }
}
