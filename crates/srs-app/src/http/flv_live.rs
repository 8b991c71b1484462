//! Live FLV over HTTP: the response head, the FLV file header, and one tag
//! per message with the payload shared, not copied.

use srs_kernel::flv::{file_header, previous_tag_size, tag_header};
use srs_kernel::MediaMessage;
use srs_rtmp::out_queue::OutQueue;

use super::response;

/// Queues the response head and FLV file header of a live stream.
pub fn start(out: &mut OutQueue) {
    let head = response::head(
        200,
        "video/x-flv",
        None,
        false,
        &[("Cache-Control", "no-cache".into())],
    );
    out.push_small(head.as_bytes());
    out.push_small(&file_header(true, true));
}

/// Queues one FLV tag of `msg` at `timestamp` (the player's): 11 header
/// bytes, the shared payload, 4 size bytes.
pub fn queue_tag(out: &mut OutQueue, msg: &MediaMessage, timestamp: u32) {
    let size = msg.payload.len() as u32;
    out.push_small(&tag_header(msg.kind, timestamp, size));
    out.push(msg.payload.clone());
    out.push_small(&previous_tag_size(size));
}
