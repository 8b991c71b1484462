//! FLV: file header, tag header, a streaming reader, writer helpers and the
//! audio / video tag data headers.

mod audio;
mod header;
mod reader;
mod tag;
mod video;
mod writer;

pub use audio::{audio_codec_name, sound_rate_hz, AudioTagHeader};
pub use header::{FlvHeader, FLV_HEADER_SIZE};
pub use reader::{FlvReader, DEFAULT_MAX_TAG_SIZE};
pub use tag::{TagHeader, PREVIOUS_TAG_SIZE_LEN, TAG_HEADER_SIZE};
pub use video::{video_codec_name, VideoTagHeader};
pub use writer::{
    encode_tag, file_header, previous_tag_size, tag_header, try_encode_tag, MAX_TAG_DATA_SIZE,
};
