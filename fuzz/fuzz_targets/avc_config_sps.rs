//! H.264: AVCDecoderConfigurationRecord and SPS parsing, NAL unit iteration.
//!
//! - A record that parses re-encodes to one that parses to the same record.
//! - An SPS that parses has consistent dimensions, and a minimal SPS rebuilt from its fields
//!   (with emulation prevention) parses back to the same fields.
//! - AVCC and Annex B iteration agree after a conversion.
//!
//! Input: one control byte (what the rest is), then the bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use srs_kernel::avc::{annexb_nalus, annexb_to_avcc, avcc_nalus, avcc_to_annexb};
use srs_kernel::avc::{AvcDecoderConfig, Sps};

struct BitWriter {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl BitWriter {
    fn new() -> Self {
        BitWriter {
            out: Vec::new(),
            acc: 0,
            n: 0,
        }
    }
    fn bits(&mut self, v: u64, n: u32) {
        for i in (0..n).rev() {
            self.acc = (self.acc << 1) | ((v >> i) & 1);
            self.n += 1;
            if self.n == 8 {
                self.out.push(self.acc as u8);
                self.acc = 0;
                self.n = 0;
            }
        }
    }
    fn flag(&mut self, b: bool) {
        self.bits(u64::from(b), 1);
    }
    fn ue(&mut self, v: u64) {
        let x = v + 1;
        let len = 64 - x.leading_zeros();
        self.bits(0, len - 1);
        self.bits(x, len);
    }
    /// rbsp_stop_one_bit and alignment.
    fn finish(mut self) -> Vec<u8> {
        self.bits(1, 1);
        while self.n != 0 {
            self.bits(0, 1);
        }
        self.out
    }
}

fn has_chroma_info(profile_idc: u8) -> bool {
    matches!(
        profile_idc,
        100 | 110 | 122 | 244 | 44 | 83 | 86 | 118 | 128 | 138 | 139 | 134 | 135
    )
}

/// Inserts emulation-prevention bytes.
fn escape(rbsp: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(rbsp.len() + 8);
    let mut zeros = 0;
    for &b in rbsp {
        if zeros >= 2 && b <= 3 {
            out.push(3);
            zeros = 0;
        }
        zeros = if b == 0 { zeros + 1 } else { 0 };
        out.push(b);
    }
    out
}

fn check_sps(sps: &Sps) {
    assert!(sps.width > 0 && sps.height > 0);
    assert!(sps.sps_id <= 31);
    assert!(sps.chroma_format_idc <= 3);
    assert!((8..=14).contains(&sps.bit_depth_luma));
    assert!((8..=14).contains(&sps.bit_depth_chroma));
    let chroma_array_type = if sps.separate_colour_plane {
        0
    } else {
        sps.chroma_format_idc
    };
    let (sw, sh) = match chroma_array_type {
        1 => (2u64, 2u64),
        2 => (2, 1),
        _ => (1, 1),
    };
    let field = if sps.frame_mbs_only { 1u64 } else { 2 };
    let full_w = u64::from(sps.width) + (u64::from(sps.crop_left) + u64::from(sps.crop_right)) * sw;
    let full_h =
        u64::from(sps.height) + (u64::from(sps.crop_top) + u64::from(sps.crop_bottom)) * sh * field;
    assert_eq!(full_w % 16, 0, "{sps:?}");
    assert_eq!(full_h % (16 * field), 0, "{sps:?}");

    // Rebuild a minimal SPS with the same fields.
    let mut w = BitWriter::new();
    w.bits(u64::from(sps.profile_idc), 8);
    w.bits(u64::from(sps.constraint_flags), 8);
    w.bits(u64::from(sps.level_idc), 8);
    w.ue(u64::from(sps.sps_id));
    if has_chroma_info(sps.profile_idc) {
        w.ue(u64::from(sps.chroma_format_idc));
        if sps.chroma_format_idc == 3 {
            w.flag(sps.separate_colour_plane);
        }
        w.ue(u64::from(sps.bit_depth_luma - 8));
        w.ue(u64::from(sps.bit_depth_chroma - 8));
        w.flag(false); // qpprime_y_zero_transform_bypass
        w.flag(false); // no scaling matrix
    }
    w.ue(0); // log2_max_frame_num_minus4
    w.ue(2); // pic_order_cnt_type
    w.ue(1); // max_num_ref_frames
    w.flag(false);
    w.ue(full_w / 16 - 1);
    w.ue(full_h / (16 * field) - 1);
    w.flag(sps.frame_mbs_only);
    if !sps.frame_mbs_only {
        w.flag(false);
    }
    w.flag(true); // direct_8x8_inference
    let crop = sps.crop_left | sps.crop_right | sps.crop_top | sps.crop_bottom != 0;
    w.flag(crop);
    if crop {
        w.ue(u64::from(sps.crop_left));
        w.ue(u64::from(sps.crop_right));
        w.ue(u64::from(sps.crop_top));
        w.ue(u64::from(sps.crop_bottom));
    }
    w.flag(false); // vui_parameters_present
    let mut nalu = vec![0x67];
    nalu.extend_from_slice(&escape(&w.finish()));
    let again = Sps::parse(&nalu).expect("rebuilt SPS must parse");
    let mut expected = *sps;
    if !has_chroma_info(sps.profile_idc) {
        expected.chroma_format_idc = 1;
    }
    assert_eq!(again, expected, "rebuilt SPS {nalu:02x?}");
}

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, input)) = data.split_first() else {
        return;
    };
    match ctl % 3 {
        0 => {
            if let Ok(cfg) = AvcDecoderConfig::parse(input) {
                assert!(matches!(cfg.nalu_length_size, 1 | 2 | 4));
                assert!(cfg.sps.len() <= 31 && cfg.pps.len() <= 255);
                let mut enc = Vec::new();
                cfg.encode(&mut enc);
                let again = AvcDecoderConfig::parse(&enc).expect("our record must parse");
                assert_eq!(again, cfg);
                if let Ok(sps) = cfg.parse_sps() {
                    check_sps(&sps);
                }
                let mut annexb = Vec::new();
                cfg.write_annexb_parameter_sets(&mut annexb);
                assert_eq!(
                    annexb.len(),
                    cfg.sps
                        .iter()
                        .chain(&cfg.pps)
                        .map(|s| s.len() + 4)
                        .sum::<usize>()
                );
            }
        }
        1 => {
            if let Ok(sps) = Sps::parse(input) {
                check_sps(&sps);
            }
        }
        _ => {
            // AVCC with the length size from the control byte.
            let len_size = 1 + (ctl >> 2) % 5; // 1..=5, 5 is refused
            let nalus: Vec<&[u8]> = avcc_nalus(input, len_size)
                .take_while(|r| r.is_ok())
                .map(|r| r.expect("ok"))
                .collect();
            let total_ok = avcc_nalus(input, len_size).all(|r| r.is_ok());
            let mut annexb = Vec::new();
            let conv = avcc_to_annexb(input, len_size, &mut annexb);
            assert_eq!(conv.is_ok(), total_ok);
            assert_eq!(
                annexb.len(),
                nalus.iter().map(|n| n.len() + 4).sum::<usize>()
            );
            if len_size == 5 {
                assert!(nalus.is_empty() && (input.is_empty() || !total_ok));
            }

            // Annex B: iterate, convert to AVCC, iterate again: the same units.
            let units: Vec<&[u8]> = annexb_nalus(input).collect();
            for u in &units {
                assert!(!u.is_empty() && u.last() != Some(&0));
                assert!(!u.windows(3).any(|w| w == [0, 0, 1]));
            }
            let mut avcc = Vec::new();
            annexb_to_avcc(input, &mut avcc).expect("small input");
            let back: Vec<&[u8]> = avcc_nalus(&avcc, 4).map(|r| r.expect("ours")).collect();
            assert_eq!(back, units);
            let mut annexb2 = Vec::new();
            avcc_to_annexb(&avcc, 4, &mut annexb2).expect("ours");
            let units2: Vec<&[u8]> = annexb_nalus(&annexb2).collect();
            assert_eq!(units2, units, "annex b units change after a round trip");
        }
    }
});
