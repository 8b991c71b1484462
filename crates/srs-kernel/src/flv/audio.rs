//! The FLV audio tag data header (first 1 or 2 bytes of an audio tag body).

use crate::error::KernelError;

/// The header at the start of FLV audio tag data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioTagHeader {
    /// Sound format (codec), e.g. 2 MP3, 10 AAC, 11 Speex.
    pub sound_format: u8,
    /// 0 5.5 kHz, 1 11 kHz, 2 22 kHz, 3 44 kHz (AAC always says 3).
    pub sound_rate: u8,
    /// 0 8-bit, 1 16-bit samples.
    pub sound_size: u8,
    /// 0 mono, 1 stereo.
    pub sound_type: u8,
    /// For AAC: 0 sequence header (AudioSpecificConfig), 1 raw frame.
    pub aac_packet_type: Option<u8>,
}

impl AudioTagHeader {
    /// Sound format of AAC.
    pub const FORMAT_AAC: u8 = 10;
    /// Sound format of MP3.
    pub const FORMAT_MP3: u8 = 2;
    /// AAC packet type: AudioSpecificConfig.
    pub const PACKET_SEQUENCE_HEADER: u8 = 0;
    /// AAC packet type: raw AAC frame.
    pub const PACKET_RAW: u8 = 1;

    /// Parses the header: 1 byte, or 2 bytes for AAC.
    pub fn parse(data: &[u8]) -> Result<AudioTagHeader, KernelError> {
        let Some(&b0) = data.first() else {
            return Err(KernelError::truncated("flv audio tag header", 1, 0));
        };
        let sound_format = b0 >> 4;
        let aac_packet_type = if sound_format == Self::FORMAT_AAC {
            match data.get(1) {
                Some(&t) => Some(t),
                None => return Err(KernelError::truncated("flv aac audio tag header", 2, 1)),
            }
        } else {
            None
        };
        Ok(AudioTagHeader {
            sound_format,
            sound_rate: (b0 >> 2) & 3,
            sound_size: (b0 >> 1) & 1,
            sound_type: b0 & 1,
            aac_packet_type,
        })
    }

    /// Size of this header in the tag data: 2 for AAC, else 1.
    pub fn header_len(&self) -> usize {
        if self.aac_packet_type.is_some() {
            2
        } else {
            1
        }
    }

    /// True for an AAC sequence header.
    pub fn is_sequence_header(&self) -> bool {
        self.aac_packet_type == Some(Self::PACKET_SEQUENCE_HEADER)
    }

    /// Appends the header bytes (2 for AAC, else 1).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(
            (self.sound_format << 4)
                | ((self.sound_rate & 3) << 2)
                | ((self.sound_size & 1) << 1)
                | (self.sound_type & 1),
        );
        if let Some(t) = self.aac_packet_type {
            out.push(t);
        }
    }
}

/// Name of an FLV sound format, e.g. 10 -> `"AAC"`, 2 -> `"MP3"`.
pub fn audio_codec_name(id: u8) -> &'static str {
    match id {
        0 => "LinearPCMPlatformEndian",
        1 => "ADPCM",
        2 => "MP3",
        3 => "LinearPCMLittleEndian",
        4 => "Nellymoser16kHzMono",
        5 => "Nellymoser8kHzMono",
        6 => "Nellymoser",
        7 => "G711ALaw",
        8 => "G711MuLaw",
        9 => "Reserved",
        10 => "AAC",
        11 => "Speex",
        14 => "MP3-8kHz",
        15 => "DeviceSpecific",
        _ => "Other",
    }
}

/// The nominal rate in Hz of an FLV sound rate field (0..=3); 0 for other values.
pub fn sound_rate_hz(rate: u8) -> u32 {
    match rate {
        0 => 5512,
        1 => 11025,
        2 => 22050,
        3 => 44100,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aac_header() {
        let h = AudioTagHeader::parse(&[0xAF, 0x00, 0x12, 0x10]).unwrap();
        assert_eq!(
            h,
            AudioTagHeader {
                sound_format: 10,
                sound_rate: 3,
                sound_size: 1,
                sound_type: 1,
                aac_packet_type: Some(0),
            }
        );
        assert!(h.is_sequence_header());
        assert_eq!(h.header_len(), 2);
        let mut out = Vec::new();
        h.encode(&mut out);
        assert_eq!(out, [0xAF, 0x00]);
    }

    #[test]
    fn mp3_header_and_errors() {
        let h = AudioTagHeader::parse(&[0x2E]).unwrap();
        assert_eq!(
            (
                h.sound_format,
                h.sound_rate,
                h.sound_size,
                h.sound_type,
                h.aac_packet_type
            ),
            (2, 3, 1, 0, None)
        );
        assert_eq!(h.header_len(), 1);
        assert!(AudioTagHeader::parse(&[]).is_err());
        assert!(AudioTagHeader::parse(&[0xAF]).is_err());
        assert_eq!(audio_codec_name(10), "AAC");
        assert_eq!(audio_codec_name(2), "MP3");
        assert_eq!(audio_codec_name(12), "Other");
        assert_eq!(sound_rate_hz(3), 44100);
        assert_eq!(sound_rate_hz(4), 0);
    }
}
