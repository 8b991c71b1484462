//! Small media messages for the stream module's unit tests.

use bytes::Bytes;
use srs_kernel::{MediaKind, MediaMessage};

/// An AVC frame (keyframe or inter frame) of 8 bytes.
pub fn video(ts: u32, key: bool) -> MediaMessage {
    let first = if key { 0x17 } else { 0x27 };
    MediaMessage::new(
        MediaKind::Video,
        ts,
        Bytes::from(vec![first, 1, 0, 0, 0, 1, 2, 3]),
    )
}

/// An AAC raw frame.
pub fn audio(ts: u32) -> MediaMessage {
    MediaMessage::new(MediaKind::Audio, ts, Bytes::from_static(&[0xaf, 1, 7, 7]))
}

/// An AVC sequence header.
pub fn video_header(ts: u32) -> MediaMessage {
    MediaMessage::new(
        MediaKind::Video,
        ts,
        Bytes::from_static(&[0x17, 0, 0, 0, 0, 1]),
    )
}
