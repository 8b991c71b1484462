//! The PES packet header: start code, stream id, length, flags, PTS / DTS.

/// Stream id of the (first) video elementary stream.
pub const STREAM_ID_VIDEO: u8 = 0xE0;
/// Stream id of the (first) audio elementary stream.
pub const STREAM_ID_AUDIO: u8 = 0xC0;

/// Largest PES header written by [`write_pes_header`] (PTS and DTS).
pub const MAX_PES_HEADER_SIZE: usize = 19;

/// Timestamps are 33-bit: they wrap at 2^33 (about 26.5 hours at 90 kHz).
const TIMESTAMP_MODULUS: u64 = 1 << 33;

/// Appends a 5-byte PTS or DTS field: a 4-bit prefix, then the 33-bit timestamp in
/// pieces of 3, 15 and 15 bits, each followed by a marker bit.
fn write_timestamp(out: &mut Vec<u8>, prefix: u8, ts: u64) {
    let ts = ts % TIMESTAMP_MODULUS;
    out.extend_from_slice(&[
        (prefix << 4) | ((((ts >> 30) & 0x07) as u8) << 1) | 0x01,
        (ts >> 22) as u8,
        ((((ts >> 15) & 0x7F) as u8) << 1) | 0x01,
        (ts >> 7) as u8,
        (((ts & 0x7F) as u8) << 1) | 0x01,
    ]);
}

/// Appends a PES header for a payload of `payload_len` bytes.
///
/// - `pts` / `dts` are in 90 kHz units, taken modulo 2^33; only the PTS is written when
///   they are equal, both otherwise.
/// - `bounded`: when true, `PES_packet_length` is the real length if it fits in 16 bits
///   (0 otherwise); when false it is 0 (unbounded, as used for video).
/// - `data_alignment_indicator` is set (the payload starts with an access unit).
pub fn write_pes_header(
    out: &mut Vec<u8>,
    stream_id: u8,
    pts: u64,
    dts: u64,
    payload_len: usize,
    bounded: bool,
) {
    let pts = pts % TIMESTAMP_MODULUS;
    let dts = dts % TIMESTAMP_MODULUS;
    let with_dts = pts != dts;
    let header_data_len: usize = if with_dts { 10 } else { 5 };
    // PES_packet_length counts the bytes after itself: 2 flag bytes, the header data
    // length byte, the header data and the payload.
    let packet_len = if bounded {
        u16::try_from(3 + header_data_len).map_or(0, |h| {
            u16::try_from(payload_len)
                .ok()
                .and_then(|p| h.checked_add(p))
                .unwrap_or(0)
        })
    } else {
        0
    };
    out.extend_from_slice(&[0x00, 0x00, 0x01, stream_id]);
    out.extend_from_slice(&packet_len.to_be_bytes());
    // '10', scrambling 00, priority 0, data_alignment_indicator 1, copyright 0, original 0.
    out.push(0x84);
    // PTS_DTS_flags, no ESCR / rate / trick mode / copy info / CRC / extension.
    out.push(if with_dts { 0xC0 } else { 0x80 });
    out.push(header_data_len as u8);
    if with_dts {
        write_timestamp(out, 0x3, pts);
        write_timestamp(out, 0x1, dts);
    } else {
        write_timestamp(out, 0x2, pts);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pts_only_audio() {
        let mut out = Vec::new();
        // PTS 90000 = 0x15F90: bits 32..30 = 0, 29..15 = 2, 14..0 = 0x5F90.
        write_pes_header(&mut out, STREAM_ID_AUDIO, 90_000, 90_000, 100, true);
        assert_eq!(
            out,
            [
                0x00, 0x00, 0x01, 0xC0, // start code, audio stream id
                0x00, 0x6C, // length 3 + 5 + 100 = 108
                0x84, 0x80, 0x05, // alignment, PTS only, 5 bytes of header data
                0x21, 0x00, 0x05, 0xBF, 0x21, // '0010' PTS
            ]
        );
    }

    #[test]
    fn pts_and_dts_video() {
        let mut out = Vec::new();
        // PTS 0x1_8000_0003 (33 bits set at the top), DTS 3600.
        write_pes_header(&mut out, STREAM_ID_VIDEO, 0x1_8000_0003, 3600, 5000, false);
        assert_eq!(
            out,
            [
                0x00, 0x00, 0x01, 0xE0, // video stream id
                0x00, 0x00, // unbounded
                0x84, 0xC0, 0x0A, // alignment, PTS + DTS, 10 bytes
                // '0011', bits 32..30 = 110, marker: 0011 110 1
                0x3D, 0x00, 0x01, 0x00, 0x07, //
                // '0001', DTS 3600 = 0xE10: 29..15 = 0, 14..0 = 0xE10
                0x11, 0x00, 0x01, 0x1C, 0x21,
            ]
        );
        assert_eq!(out.len(), MAX_PES_HEADER_SIZE);
    }

    #[test]
    fn timestamps_wrap_at_33_bits() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        write_pes_header(
            &mut a,
            STREAM_ID_VIDEO,
            (1 << 33) + 90_000,
            1 << 33,
            10,
            false,
        );
        write_pes_header(&mut b, STREAM_ID_VIDEO, 90_000, 0, 10, false);
        assert_eq!(a, b);
        // Equal after the wrap: PTS only.
        a.clear();
        write_pes_header(&mut a, STREAM_ID_AUDIO, 1 << 33, 0, 0, true);
        assert_eq!(a[7], 0x80);
        assert_eq!(&a[9..], &[0x21, 0x00, 0x01, 0x00, 0x01]);
        // All ones.
        a.clear();
        write_pes_header(
            &mut a,
            STREAM_ID_AUDIO,
            (1 << 33) - 1,
            (1 << 33) - 1,
            0,
            true,
        );
        assert_eq!(&a[9..], &[0x2F, 0xFF, 0xFF, 0xFF, 0xFF]);
    }

    #[test]
    fn audio_length_overflow_is_unbounded() {
        let mut out = Vec::new();
        write_pes_header(&mut out, STREAM_ID_AUDIO, 0, 0, 65_535 - 8, true);
        assert_eq!(&out[4..6], &[0xFF, 0xFF]);
        out.clear();
        write_pes_header(&mut out, STREAM_ID_AUDIO, 0, 0, 65_535 - 7, true);
        assert_eq!(&out[4..6], &[0x00, 0x00]);
        out.clear();
        write_pes_header(&mut out, STREAM_ID_AUDIO, 0, 0, usize::MAX, true);
        assert_eq!(&out[4..6], &[0x00, 0x00]);
    }
}
