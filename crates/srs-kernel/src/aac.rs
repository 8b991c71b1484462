//! AAC: the AudioSpecificConfig (FLV / RTMP AAC sequence header) and ADTS headers.

use crate::bits::BitReader;
use crate::error::KernelError;

const WHAT: &str = "aac audio specific config";

/// Sampling frequencies by `samplingFrequencyIndex` (0..=12).
pub const SAMPLE_RATES: [u32; 13] = [
    96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
];

/// The AudioSpecificConfig (ISO 14496-3), the payload of an FLV AAC sequence header
/// after the 2-byte audio tag header.
///
/// SBR / PS extensions are not interpreted: `object_type` stays the signalled one (5, 29).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioSpecificConfig {
    /// Audio object type: 1 Main, 2 LC, 3 SSR, 4 LTP, 5 HE (SBR), 29 HEv2 (PS), ...
    pub object_type: u8,
    /// `samplingFrequencyIndex`; 15 means an explicit rate.
    pub sample_rate_index: u8,
    /// Sampling rate in Hz.
    pub sample_rate: u32,
    /// `channelConfiguration` (0 = defined in the program config element).
    pub channels: u8,
}

impl AudioSpecificConfig {
    /// Parses the config (at least 2 bytes).
    pub fn parse(data: &[u8]) -> Result<AudioSpecificConfig, KernelError> {
        let mut r = BitReader::new(data, WHAT);
        let mut object_type = r.read_bits(5)? as u8;
        if object_type == 31 {
            object_type = 32 + r.read_bits(6)? as u8;
        }
        if object_type == 0 {
            return Err(KernelError::invalid(WHAT, "audio object type 0 (null)"));
        }
        let sample_rate_index = r.read_bits(4)? as u8;
        let sample_rate = match sample_rate_index {
            15 => r.read_bits(24)?,
            i => *SAMPLE_RATES.get(usize::from(i)).ok_or_else(|| {
                KernelError::invalid(WHAT, format!("reserved sampling frequency index {i}"))
            })?,
        };
        if sample_rate == 0 {
            return Err(KernelError::invalid(WHAT, "explicit sampling rate 0"));
        }
        let channels = r.read_bits(4)? as u8;
        Ok(AudioSpecificConfig {
            object_type,
            sample_rate_index,
            sample_rate,
            channels,
        })
    }

    /// The profile name, see [`profile_name`].
    pub fn profile_name(&self) -> &'static str {
        profile_name(self.object_type)
    }

    /// A 7-byte ADTS header (no CRC) for a raw AAC frame of `payload_len` bytes.
    ///
    /// ADTS can only signal object types 1..=4 and indexed sample rates: other object
    /// types (HE-AAC) are signalled as LC, an explicit rate as the nearest indexed one.
    /// The 13-bit frame length saturates at 8191 (AAC frames are far smaller).
    pub fn adts_header(&self, payload_len: usize) -> [u8; 7] {
        let profile = match self.object_type {
            1..=4 => self.object_type - 1,
            _ => 1,
        };
        let sfi = if self.sample_rate_index < 13 {
            self.sample_rate_index
        } else {
            nearest_rate_index(self.sample_rate)
        };
        let ch = self.channels & 0x07;
        let len = (payload_len.saturating_add(7)).min(0x1FFF) as u16;
        [
            0xFF,
            0xF1, // MPEG-4, layer 0, no CRC
            (profile << 6) | (sfi << 2) | (ch >> 2),
            ((ch & 3) << 6) | ((len >> 11) as u8 & 0x03),
            (len >> 3) as u8,
            (((len & 0x07) as u8) << 5) | 0x1F, // buffer fullness 0x7FF (VBR)
            0xFC,
        ]
    }
}

/// Index of the indexed sampling rate nearest to `rate`.
fn nearest_rate_index(rate: u32) -> u8 {
    let mut best = 0;
    for (i, r) in SAMPLE_RATES.iter().enumerate() {
        if r.abs_diff(rate) < SAMPLE_RATES[best].abs_diff(rate) {
            best = i;
        }
    }
    best as u8
}

/// Name of an AAC audio object type: 1 "Main", 2 "LC", 3 "SSR", 4 "LTP", 5 "HE",
/// 29 "HEv2"; `"Other"` for the rest.
pub fn profile_name(object_type: u8) -> &'static str {
    match object_type {
        1 => "Main",
        2 => "LC",
        3 => "SSR",
        4 => "LTP",
        5 => "HE",
        29 => "HEv2",
        _ => "Other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lc_44100_stereo() {
        let c = AudioSpecificConfig::parse(&[0x12, 0x10]).unwrap();
        assert_eq!(
            c,
            AudioSpecificConfig {
                object_type: 2,
                sample_rate_index: 4,
                sample_rate: 44100,
                channels: 2,
            }
        );
        assert_eq!(c.profile_name(), "LC");
    }

    #[test]
    fn lc_48000_stereo() {
        let c = AudioSpecificConfig::parse(&[0x11, 0x90]).unwrap();
        assert_eq!((c.object_type, c.sample_rate, c.channels), (2, 48000, 2));
        assert_eq!(c.sample_rate_index, 3);
    }

    #[test]
    fn escape_and_explicit_rate() {
        // object type 31 + 6 bits (=42 -> 10), index 15 + 24-bit rate 22050, 1 channel.
        // bits: 11111 001010 1111 000000000101011000100010 0001
        let bits = "11111001010111100000000010101100010001000010000";
        let mut bytes = Vec::new();
        for chunk in bits.as_bytes().chunks(8) {
            let mut b = 0u8;
            for (i, c) in chunk.iter().enumerate() {
                b |= u8::from(*c == b'1') << (7 - i);
            }
            bytes.push(b);
        }
        let c = AudioSpecificConfig::parse(&bytes).unwrap();
        assert_eq!(
            (
                c.object_type,
                c.sample_rate_index,
                c.sample_rate,
                c.channels
            ),
            (42, 15, 22050, 1)
        );
        // ADTS gets the nearest indexed rate.
        assert_eq!((c.adts_header(0)[2] >> 2) & 0x0F, 7);
    }

    #[test]
    fn bad_configs() {
        assert!(AudioSpecificConfig::parse(&[]).is_err());
        assert!(AudioSpecificConfig::parse(&[0x12]).is_err());
        assert!(AudioSpecificConfig::parse(&[0x16, 0x90]).is_err()); // index 13
        assert!(AudioSpecificConfig::parse(&[0x02, 0x10]).is_err()); // type 0
        assert_eq!(profile_name(1), "Main");
        assert_eq!(profile_name(3), "SSR");
        assert_eq!(profile_name(5), "HE");
        assert_eq!(profile_name(29), "HEv2");
        assert_eq!(profile_name(0), "Other");
    }

    #[test]
    fn adts_header_matches_ffmpeg() {
        // First ADTS header of `ffmpeg -f lavfi -i sine -ac 2 -c:a aac -f adts`: a
        // 345-byte frame (338 payload bytes), LC, 44100 Hz, stereo.
        let c = AudioSpecificConfig::parse(&[0x12, 0x10]).unwrap();
        assert_eq!(
            c.adts_header(338),
            [0xFF, 0xF1, 0x50, 0x80, 0x2B, 0x3F, 0xFC]
        );
        // 48 kHz, 1 channel, big frame: length bits spill into byte 3.
        let c = AudioSpecificConfig::parse(&[0x11, 0x88]).unwrap();
        let h = c.adts_header(2048 - 7);
        assert_eq!(h, [0xFF, 0xF1, 0x4C, 0x41, 0x00, 0x1F, 0xFC]);
        // HE-AAC is signalled as LC.
        let he = AudioSpecificConfig {
            object_type: 5,
            ..c
        };
        assert_eq!(he.adts_header(0)[2] >> 6, 1);
        // Saturates instead of wrapping.
        let h = c.adts_header(usize::MAX);
        assert_eq!(
            ((u16::from(h[3]) & 3) << 11) | (u16::from(h[4]) << 3) | (u16::from(h[5]) >> 5),
            0x1FFF
        );
    }
}
