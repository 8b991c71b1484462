//! MPEG-2 transport stream muxing for HLS: CRC32, 188-byte packets, PSI (PAT / PMT),
//! PES headers, the [`TsMuxer`] and the FLV -> TS remuxer [`FlvToTs`].
//!
//! The layout is the one of SRS 1.0 (and ffmpeg): one program, PMT on PID 0x1001,
//! H.264 video on 0x100 (stream id 0xE0), AAC (ADTS) or MP3 audio on 0x101 (stream id
//! 0xC0), PCR on the video PID (on the audio PID for audio-only streams).
//! Everything is sans-IO: packets are appended to caller-owned `Vec<u8>`s.

pub mod crc32;
pub mod muxer;
pub mod packet;
pub mod pes;
pub mod psi;
pub mod reader;
pub mod remux;

#[cfg(test)]
mod testutil;

pub use crc32::crc32_mpeg2;
pub use muxer::{TsAudioCodec, TsMuxer};
pub use packet::TS_PACKET_SIZE;
pub use psi::{AUDIO_PID, PAT_PID, PMT_PID, VIDEO_PID};
pub use reader::{parse_pat, parse_pmt, pes_timestamps, TsPacket};
pub use remux::{FlvToTs, TsFrame};
