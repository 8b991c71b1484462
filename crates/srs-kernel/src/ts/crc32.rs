//! The MPEG-2 CRC32 that ends every PSI section (ISO 13818-1 annex A):
//! polynomial 0x04C11DB7, initial value 0xFFFFFFFF, no bit reflection, no final xor.

/// The CRC table, one entry per byte value, computed at compile time.
const TABLE: [u32; 256] = make_table();

const fn make_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = (i as u32) << 24;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 0x8000_0000 != 0 {
                (crc << 1) ^ 0x04C1_1DB7
            } else {
                crc << 1
            };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
}

/// The MPEG-2 CRC32 of `data`.
///
/// A section followed by its own CRC (big endian) has a CRC of 0, which is how
/// demuxers check it.
pub fn crc32_mpeg2(data: &[u8]) -> u32 {
    data.iter().fold(0xFFFF_FFFF, |crc, &b| {
        (crc << 8) ^ TABLE[usize::from((crc >> 24) as u8 ^ b)]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_value() {
        // The standard "check" value of CRC-32/MPEG-2.
        assert_eq!(crc32_mpeg2(b"123456789"), 0x0376_E6E7);
        assert_eq!(crc32_mpeg2(&[]), 0xFFFF_FFFF);
    }

    #[test]
    fn known_pat_section() {
        // The PAT of ffmpeg / SRS: program 1 -> PMT PID 0x1001, CRC 2E 70 19 05.
        let section = [
            0x00, 0xB0, 0x0D, 0x00, 0x01, 0xC1, 0x00, 0x00, 0x00, 0x01, 0xF0, 0x01,
        ];
        assert_eq!(crc32_mpeg2(&section), 0x2E70_1905);
        // With its CRC appended the remainder is 0.
        let mut whole = section.to_vec();
        whole.extend_from_slice(&[0x2E, 0x70, 0x19, 0x05]);
        assert_eq!(crc32_mpeg2(&whole), 0);
    }
}
