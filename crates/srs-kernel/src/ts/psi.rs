//! Program specific information: the PAT and PMT sections (with CRC32), each written
//! as one packet with pointer field 0.

use super::crc32::crc32_mpeg2;
use super::packet::{write_payload_unit, AdaptationField, ContinuityCounter, Fill};

/// PID of the program association table.
pub const PAT_PID: u16 = 0x0000;
/// PID of the program map table of program 1.
pub const PMT_PID: u16 = 0x1001;
/// PID of the video elementary stream (H.264).
pub const VIDEO_PID: u16 = 0x0100;
/// PID of the audio elementary stream (AAC or MP3).
pub const AUDIO_PID: u16 = 0x0101;
/// The program number of the only program.
pub const PROGRAM_NUMBER: u16 = 1;
/// The transport stream id written in the PAT.
pub const TRANSPORT_STREAM_ID: u16 = 1;

/// Elementary stream types of the PMT.
pub mod stream_type {
    /// MPEG-1 audio (MP3); ffmpeg and SRS use 0x04 (MPEG-2 audio) for MP3 too.
    pub const MP3: u8 = 0x04;
    /// AAC with ADTS transport (ISO 13818-7).
    pub const AAC: u8 = 0x0F;
    /// H.264 (ISO 14496-10).
    pub const H264: u8 = 0x1B;
}

/// One elementary stream listed in a PMT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PmtStream {
    /// The `stream_type`, see [`stream_type`].
    pub stream_type: u8,
    /// The PID carrying the stream.
    pub pid: u16,
}

/// Appends the 4-byte CRC32 of `section[start..]` (the whole section so far).
fn finish_section(section: &mut Vec<u8>, start: usize) {
    let crc = crc32_mpeg2(&section[start..]);
    section.extend_from_slice(&crc.to_be_bytes());
}

/// Writes the common long-form section header: table id, section length (12 bits,
/// counts the bytes after it including the CRC), table id extension, version,
/// current_next_indicator 1, section numbers 0.
fn section_header(out: &mut Vec<u8>, table_id: u8, body_len: usize, extension: u16, version: u8) {
    // 5 bytes of header after the length field, the body, 4 bytes of CRC.
    let len = (5 + body_len + 4) as u16 & 0x0FFF;
    out.push(table_id);
    // section_syntax_indicator 1, '0', reserved 11.
    out.extend_from_slice(&(0xB000 | len).to_be_bytes());
    out.extend_from_slice(&extension.to_be_bytes());
    // reserved 11, version_number (5 bits), current_next_indicator 1.
    out.push(0xC0 | ((version & 0x1F) << 1) | 0x01);
    out.extend_from_slice(&[0x00, 0x00]); // section_number, last_section_number
}

/// Appends the PAT section (program [`PROGRAM_NUMBER`] -> `pmt_pid`) with its CRC.
pub fn pat_section(pmt_pid: u16, out: &mut Vec<u8>) {
    let start = out.len();
    section_header(out, 0x00, 4, TRANSPORT_STREAM_ID, 0);
    out.extend_from_slice(&PROGRAM_NUMBER.to_be_bytes());
    out.extend_from_slice(&(0xE000 | (pmt_pid & 0x1FFF)).to_be_bytes());
    finish_section(out, start);
}

/// Appends the PMT section of program [`PROGRAM_NUMBER`] with its CRC.
///
/// `version` (0..=31) should change whenever the list of streams changes.
/// No descriptors are written. At most 33 streams fit in one packet; more are dropped.
pub fn pmt_section(pcr_pid: u16, streams: &[PmtStream], version: u8, out: &mut Vec<u8>) {
    let streams = &streams[..streams.len().min(33)];
    let start = out.len();
    section_header(out, 0x02, 4 + 5 * streams.len(), PROGRAM_NUMBER, version);
    out.extend_from_slice(&(0xE000 | (pcr_pid & 0x1FFF)).to_be_bytes());
    out.extend_from_slice(&[0xF0, 0x00]); // reserved 1111, program_info_length 0
    for s in streams {
        out.push(s.stream_type);
        out.extend_from_slice(&(0xE000 | (s.pid & 0x1FFF)).to_be_bytes());
        out.extend_from_slice(&[0xF0, 0x00]); // reserved 1111, ES_info_length 0
    }
    finish_section(out, start);
}

/// Writes one PSI section as a packet of PID `pid`: pointer field 0, the section,
/// then `0xFF` fill. The section must fit in one packet (183 bytes), which
/// [`pat_section`] and [`pmt_section`] guarantee.
pub fn write_section_packet(
    out: &mut Vec<u8>,
    pid: u16,
    cc: &mut ContinuityCounter,
    section: &[u8],
) {
    write_payload_unit(
        out,
        pid,
        cc,
        &AdaptationField::default(),
        Fill::Payload,
        &[0x00],
        section,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pat_packet_exact() {
        let mut section = Vec::new();
        pat_section(PMT_PID, &mut section);
        let mut out = Vec::new();
        let mut cc = ContinuityCounter::new();
        write_section_packet(&mut out, PAT_PID, &mut cc, &section);
        let mut expected = vec![
            0x47, 0x40, 0x00, 0x10, // sync, PUSI + PID 0, payload only, cc 0
            0x00, // pointer field
            0x00, // table_id: PAT
            0xB0, 0x0D, // syntax 1, '0', reserved, section_length 13
            0x00, 0x01, // transport_stream_id 1
            0xC1, // reserved, version 0, current_next 1
            0x00, 0x00, // section_number, last_section_number
            0x00, 0x01, // program_number 1
            0xF0, 0x01, // reserved 111, PMT PID 0x1001
            0x2E, 0x70, 0x19, 0x05, // CRC32
        ];
        expected.resize(188, 0xFF);
        assert_eq!(out, expected);
        assert_eq!(cc.value(), 1);
    }

    #[test]
    fn pmt_h264_aac_exact() {
        let mut section = Vec::new();
        let streams = [
            PmtStream {
                stream_type: stream_type::H264,
                pid: VIDEO_PID,
            },
            PmtStream {
                stream_type: stream_type::AAC,
                pid: AUDIO_PID,
            },
        ];
        pmt_section(VIDEO_PID, &streams, 0, &mut section);
        let mut out = Vec::new();
        let mut cc = ContinuityCounter::new();
        write_section_packet(&mut out, PMT_PID, &mut cc, &section);
        let mut expected = vec![
            0x47, 0x50, 0x01, 0x10, // sync, PUSI + PID 0x1001, payload only, cc 0
            0x00, // pointer field
            0x02, // table_id: PMT
            0xB0, 0x17, // section_length 23 = 5 + 4 + 2 * 5 + 4
            0x00, 0x01, // program_number 1
            0xC1, // version 0, current_next 1
            0x00, 0x00, // section numbers
            0xE1, 0x00, // reserved 111, PCR PID 0x100
            0xF0, 0x00, // program_info_length 0
            0x1B, 0xE1, 0x00, 0xF0, 0x00, // H.264 on 0x100
            0x0F, 0xE1, 0x01, 0xF0, 0x00, // AAC on 0x101
            0x2F, 0x44, 0xB9, 0x9B, // CRC32 (the same as ffmpeg's and SRS's PMT)
        ];
        expected.resize(188, 0xFF);
        assert_eq!(out, expected);
    }

    #[test]
    fn pmt_audio_only_and_versions() {
        let mp3 = [PmtStream {
            stream_type: stream_type::MP3,
            pid: AUDIO_PID,
        }];
        let mut section = Vec::new();
        pmt_section(AUDIO_PID, &mp3, 3, &mut section);
        assert_eq!(
            &section[..section.len() - 4],
            &[
                0x02, 0xB0, 0x12, // section_length 18 = 5 + 4 + 5 + 4
                0x00, 0x01, //
                0xC7, // reserved 11, version 3, current_next 1
                0x00, 0x00, //
                0xE1, 0x01, // PCR PID 0x101
                0xF0, 0x00, //
                0x04, 0xE1, 0x01, 0xF0, 0x00, // MP3 on 0x101
            ]
        );
        // A section with its CRC checks to 0.
        assert_eq!(crc32_mpeg2(&section), 0);
        // No streams at all is still a valid section.
        section.clear();
        pmt_section(0x1FFF, &[], 0, &mut section);
        assert_eq!(section.len(), 3 + 9 + 4);
        assert_eq!(crc32_mpeg2(&section), 0);
    }
}
