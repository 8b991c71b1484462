//! H.264 / AVC: the decoder configuration record (FLV / RTMP video sequence header),
//! SPS parsing (profile, level, dimensions), NAL unit iteration and AVCC <-> Annex B.

mod config;
mod nalu;
mod sps;

pub use config::AvcDecoderConfig;
pub use nalu::{
    annexb_nalus, annexb_to_avcc, avcc_nalus, avcc_to_annexb, nal_type, nalu_type, AnnexbNalus,
    AvccNalus, ANNEXB_START_CODE,
};
pub use sps::{level_name, profile_name, Sps};
