//! H.264 sequence parameter set: profile, level and picture dimensions.

use crate::bits::{remove_emulation_prevention, BitReader};
use crate::error::KernelError;

const WHAT: &str = "avc sps";

/// The fields of an H.264 SPS needed by a streaming server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sps {
    /// `profile_idc`, e.g. 66 Baseline, 77 Main, 100 High.
    pub profile_idc: u8,
    /// The `constraint_set0..5` flags byte.
    pub constraint_flags: u8,
    /// `level_idc`, e.g. 31 for level 3.1.
    pub level_idc: u8,
    /// `seq_parameter_set_id`.
    pub sps_id: u32,
    /// `chroma_format_idc`: 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4.
    pub chroma_format_idc: u8,
    /// `separate_colour_plane_flag` (4:4:4 only).
    pub separate_colour_plane: bool,
    /// Luma bit depth (8 + `bit_depth_luma_minus8`).
    pub bit_depth_luma: u8,
    /// Chroma bit depth (8 + `bit_depth_chroma_minus8`).
    pub bit_depth_chroma: u8,
    /// `frame_mbs_only_flag`: false for interlaced-capable streams.
    pub frame_mbs_only: bool,
    /// `frame_crop_left_offset`, in crop units.
    pub crop_left: u32,
    /// `frame_crop_right_offset`, in crop units.
    pub crop_right: u32,
    /// `frame_crop_top_offset`, in crop units.
    pub crop_top: u32,
    /// `frame_crop_bottom_offset`, in crop units.
    pub crop_bottom: u32,
    /// Display width in pixels (after cropping).
    pub width: u32,
    /// Display height in pixels (after cropping).
    pub height: u32,
}

/// Profiles whose SPS carries chroma format, bit depths and scaling lists.
fn has_chroma_info(profile_idc: u8) -> bool {
    matches!(
        profile_idc,
        100 | 110 | 122 | 244 | 44 | 83 | 86 | 118 | 128 | 138 | 139 | 134 | 135
    )
}

fn skip_scaling_list(r: &mut BitReader<'_>, size: usize) -> Result<(), KernelError> {
    let mut last: i32 = 8;
    let mut next: i32 = 8;
    for _ in 0..size {
        if next != 0 {
            let delta = r.read_se()?;
            if !(-128..=127).contains(&delta) {
                return Err(KernelError::invalid(
                    WHAT,
                    format!("delta_scale {delta} out of -128..=127"),
                ));
            }
            next = (last + delta + 256) % 256;
        }
        if next != 0 {
            last = next;
        }
    }
    Ok(())
}

fn ue_max(r: &mut BitReader<'_>, max: u32, field: &str) -> Result<u32, KernelError> {
    let v = r.read_ue()?;
    if v > max {
        return Err(KernelError::invalid(
            WHAT,
            format!("{field} = {v}, expected at most {max}"),
        ));
    }
    Ok(v)
}

impl Sps {
    /// Parses an SPS NAL unit, including its one-byte NAL header (type 7),
    /// with emulation-prevention bytes still in place.
    pub fn parse(nalu: &[u8]) -> Result<Sps, KernelError> {
        let Some(&nal_header) = nalu.first() else {
            return Err(KernelError::truncated(WHAT, 1, 0));
        };
        if nal_header & 0x1f != 7 {
            return Err(KernelError::invalid(
                WHAT,
                format!("expected NAL unit type 7, found {}", nal_header & 0x1f),
            ));
        }
        let rbsp = remove_emulation_prevention(&nalu[1..]);
        let mut r = BitReader::new(&rbsp, WHAT);

        let profile_idc = r.read_bits(8)? as u8;
        let constraint_flags = r.read_bits(8)? as u8;
        let level_idc = r.read_bits(8)? as u8;
        let sps_id = ue_max(&mut r, 31, "seq_parameter_set_id")?;

        let mut chroma_format_idc = 1u8;
        let mut separate_colour_plane = false;
        let mut bit_depth_luma = 8u8;
        let mut bit_depth_chroma = 8u8;
        if has_chroma_info(profile_idc) {
            chroma_format_idc = ue_max(&mut r, 3, "chroma_format_idc")? as u8;
            if chroma_format_idc == 3 {
                separate_colour_plane = r.read_flag()?;
            }
            bit_depth_luma = 8 + ue_max(&mut r, 6, "bit_depth_luma_minus8")? as u8;
            bit_depth_chroma = 8 + ue_max(&mut r, 6, "bit_depth_chroma_minus8")? as u8;
            let _qpprime_y_zero_transform_bypass = r.read_flag()?;
            if r.read_flag()? {
                // seq_scaling_matrix_present_flag
                let lists = if chroma_format_idc == 3 { 12 } else { 8 };
                for i in 0..lists {
                    if r.read_flag()? {
                        skip_scaling_list(&mut r, if i < 6 { 16 } else { 64 })?;
                    }
                }
            }
        }

        let _log2_max_frame_num_minus4 = ue_max(&mut r, 12, "log2_max_frame_num_minus4")?;
        let poc_type = ue_max(&mut r, 2, "pic_order_cnt_type")?;
        if poc_type == 0 {
            ue_max(&mut r, 12, "log2_max_pic_order_cnt_lsb_minus4")?;
        } else if poc_type == 1 {
            let _delta_pic_order_always_zero = r.read_flag()?;
            r.read_se()?; // offset_for_non_ref_pic
            r.read_se()?; // offset_for_top_to_bottom_field
            let cycle = ue_max(&mut r, 255, "num_ref_frames_in_pic_order_cnt_cycle")?;
            for _ in 0..cycle {
                r.read_se()?;
            }
        }
        let _max_num_ref_frames = r.read_ue()?;
        let _gaps_in_frame_num_allowed = r.read_flag()?;
        let width_mbs = u64::from(r.read_ue()?) + 1;
        let height_map_units = u64::from(r.read_ue()?) + 1;
        let frame_mbs_only = r.read_flag()?;
        if !frame_mbs_only {
            let _mb_adaptive_frame_field = r.read_flag()?;
        }
        let _direct_8x8_inference = r.read_flag()?;
        let (mut crop_left, mut crop_right, mut crop_top, mut crop_bottom) = (0, 0, 0, 0);
        if r.read_flag()? {
            crop_left = r.read_ue()?;
            crop_right = r.read_ue()?;
            crop_top = r.read_ue()?;
            crop_bottom = r.read_ue()?;
        }
        // VUI and the rest are not needed.

        // ChromaArrayType is 0 for monochrome and separate colour planes.
        let chroma_array_type = if separate_colour_plane {
            0
        } else {
            chroma_format_idc
        };
        let (sub_width_c, sub_height_c) = match chroma_array_type {
            1 => (2u64, 2u64),
            2 => (2, 1),
            _ => (1, 1), // 4:4:4 and ChromaArrayType 0: crop unit of one sample
        };
        let field_factor = if frame_mbs_only { 1u64 } else { 2 };
        let crop_unit_x = sub_width_c;
        let crop_unit_y = sub_height_c * field_factor;

        let full_width = width_mbs * 16;
        let full_height = height_map_units * 16 * field_factor;
        let crop_x = (u64::from(crop_left) + u64::from(crop_right)) * crop_unit_x;
        let crop_y = (u64::from(crop_top) + u64::from(crop_bottom)) * crop_unit_y;
        if crop_x >= full_width || crop_y >= full_height {
            return Err(KernelError::invalid(
                WHAT,
                format!(
                    "cropping {crop_x}x{crop_y} leaves nothing of the coded size {full_width}x{full_height}"
                ),
            ));
        }
        let to_u32 = |v: u64| {
            u32::try_from(v)
                .map_err(|_| KernelError::invalid(WHAT, format!("picture dimension {v} too large")))
        };
        Ok(Sps {
            profile_idc,
            constraint_flags,
            level_idc,
            sps_id,
            chroma_format_idc,
            separate_colour_plane,
            bit_depth_luma,
            bit_depth_chroma,
            frame_mbs_only,
            crop_left,
            crop_right,
            crop_top,
            crop_bottom,
            width: to_u32(full_width - crop_x)?,
            height: to_u32(full_height - crop_y)?,
        })
    }

    /// The profile name, see [`profile_name`].
    pub fn profile_name(&self) -> &'static str {
        profile_name(self.profile_idc)
    }

    /// The level name, see [`level_name`].
    pub fn level_name(&self) -> &'static str {
        level_name(self.level_idc)
    }
}

/// Name of an H.264 `profile_idc`: 66 Baseline, 77 Main, 88 Extended, 100 High,
/// 110 High10, 122 High422, 244 High444; `"Other"` for the rest.
pub fn profile_name(profile: u8) -> &'static str {
    match profile {
        66 => "Baseline",
        77 => "Main",
        88 => "Extended",
        100 => "High",
        110 => "High10",
        122 => "High422",
        244 => "High444",
        _ => "Other",
    }
}

/// Name of an H.264 `level_idc`, e.g. 31 -> `"3.1"`, 9 -> `"1b"`; `"Other"` if unknown.
pub fn level_name(level: u8) -> &'static str {
    match level {
        9 => "1b",
        10 => "1",
        11 => "1.1",
        12 => "1.2",
        13 => "1.3",
        20 => "2",
        21 => "2.1",
        22 => "2.2",
        30 => "3",
        31 => "3.1",
        32 => "3.2",
        40 => "4",
        41 => "4.1",
        42 => "4.2",
        50 => "5",
        51 => "5.1",
        52 => "5.2",
        60 => "6",
        61 => "6.1",
        62 => "6.2",
        _ => "Other",
    }
}

#[cfg(test)]
mod tests;
