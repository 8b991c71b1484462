use super::*;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn dims(sps_hex: &str) -> Sps {
    Sps::parse(&hex(sps_hex)).unwrap()
}

// SPS below come from ffmpeg + libx264 (`-f h264` output, testsrc input).

#[test]
fn x264_320x240_high() {
    let s = dims("6764000dacd94141fb011000000300100000030320f1429960");
    assert_eq!((s.width, s.height), (320, 240));
    assert_eq!((s.profile_idc, s.level_idc), (100, 13));
    assert_eq!((s.profile_name(), s.level_name()), ("High", "1.3"));
    assert_eq!(s.chroma_format_idc, 1);
    assert!(s.frame_mbs_only);
}

#[test]
fn x264_1280x720_high() {
    let s = dims("6764001facd9405005bb011000000300100000030320f1831960");
    assert_eq!((s.width, s.height), (1280, 720));
    assert_eq!((s.profile_name(), s.level_name()), ("High", "3.1"));
    assert_eq!(s.crop_bottom, 0);
}

#[test]
fn x264_1920x1080_high_is_cropped() {
    let s = dims("67640028acd940780227e5c044000003000400000300c83c60c658");
    assert_eq!((s.width, s.height), (1920, 1080));
    // 1088 coded rows, 4 crop units of 2 rows.
    assert_eq!((s.crop_top, s.crop_bottom), (0, 4));
    assert_eq!(s.level_name(), "4");
}

#[test]
fn x264_1920x1080_high444() {
    let s = dims("67f40028919b280f0044fc4e0220000003002000000641e30632c0");
    assert_eq!(s.profile_idc, 244);
    assert_eq!(s.profile_name(), "High444");
    assert_eq!(s.chroma_format_idc, 3);
    assert_eq!((s.width, s.height), (1920, 1080));
    // 4:4:4: crop unit is one row.
    assert_eq!(s.crop_bottom, 8);
}

#[test]
fn x264_1920x1080_high422_10bit() {
    let s = dims("677a0028b6cd940780227e27011000000300100000030320f1831960");
    assert_eq!((s.profile_idc, s.chroma_format_idc), (122, 2));
    assert_eq!((s.bit_depth_luma, s.bit_depth_chroma), (10, 10));
    assert_eq!((s.width, s.height), (1920, 1080));
}

#[test]
fn x264_640x360_baseline() {
    let s = dims("6742c01ed900a02ff97011000003000100000300320f162e48");
    assert_eq!((s.profile_name(), s.level_name()), ("Baseline", "3"));
    assert_eq!((s.width, s.height), (640, 360));
}

#[test]
fn x264_720x576_interlaced() {
    let s = dims("6764001eacd940b424d8088000000300800000190f8a14cb");
    assert!(!s.frame_mbs_only);
    assert_eq!((s.width, s.height), (720, 576));
}

/// Writes bits MSB first, exp-Golomb codes, and emulation prevention.
struct BitWriter {
    bits: Vec<bool>,
}

impl BitWriter {
    fn new() -> Self {
        BitWriter { bits: Vec::new() }
    }
    fn bits(&mut self, v: u32, n: u32) {
        for i in (0..n).rev() {
            self.bits.push((v >> i) & 1 == 1);
        }
    }
    fn ue(&mut self, v: u32) {
        let x = u64::from(v) + 1;
        let len = 64 - x.leading_zeros();
        self.bits(0, len - 1);
        for i in (0..len).rev() {
            self.bits.push((x >> i) & 1 == 1);
        }
    }
    fn se(&mut self, v: i32) {
        let k = if v > 0 {
            2 * v as u32 - 1
        } else {
            (-2 * v) as u32
        };
        self.ue(k);
    }
    /// RBSP trailing bits, bytes, emulation prevention.
    fn finish(mut self) -> Vec<u8> {
        self.bits.push(true);
        while self.bits.len() & 7 != 0 {
            self.bits.push(false);
        }
        let rbsp: Vec<u8> = self
            .bits
            .chunks(8)
            .map(|c| c.iter().fold(0u8, |a, &b| (a << 1) | u8::from(b)))
            .collect();
        let mut out = vec![0x67];
        let mut zeros = 0;
        for b in rbsp {
            if zeros >= 2 && b <= 3 {
                out.push(3);
                zeros = 0;
            }
            zeros = if b == 0 { zeros + 1 } else { 0 };
            out.push(b);
        }
        out
    }
}

/// High profile 4:2:0 1920x1080 with scaling matrices and poc type 1.
fn synthetic_sps(with_scaling: bool) -> Vec<u8> {
    let mut w = BitWriter::new();
    w.bits(100, 8);
    w.bits(0, 8);
    w.bits(40, 8);
    w.ue(0); // sps id
    w.ue(1); // chroma_format_idc
    w.ue(0); // bit depth luma - 8
    w.ue(0); // bit depth chroma - 8
    w.bits(0, 1); // qpprime
    w.bits(u32::from(with_scaling), 1);
    if with_scaling {
        // list 0 (4x4): deltas until nextScale hits 0: 8 + (-8) = 0 stops reading.
        w.bits(1, 1);
        w.se(4);
        w.se(-12);
        for _ in 1..6 {
            w.bits(0, 1);
        }
        // list 6 (8x8): 64 explicit deltas of 0.
        w.bits(1, 1);
        for _ in 0..64 {
            w.se(0);
        }
        w.bits(0, 1); // list 7
    }
    w.ue(0); // log2_max_frame_num - 4
    w.ue(1); // poc type 1
    w.bits(0, 1);
    w.se(-3);
    w.se(7);
    w.ue(2);
    w.se(1);
    w.se(-1);
    w.ue(4); // max_num_ref_frames
    w.bits(0, 1);
    w.ue(119); // 120 mbs
    w.ue(67); // 68 map units
    w.bits(1, 1); // frame_mbs_only
    w.bits(1, 1); // direct_8x8
    w.bits(1, 1); // cropping
    w.ue(0);
    w.ue(0);
    w.ue(0);
    w.ue(4);
    w.bits(0, 1); // vui
    w.finish()
}

#[test]
fn synthetic_with_scaling_lists() {
    for scaling in [false, true] {
        let s = Sps::parse(&synthetic_sps(scaling)).unwrap();
        assert_eq!((s.width, s.height), (1920, 1080), "scaling {scaling}");
        assert_eq!(s.level_name(), "4");
    }
}

#[test]
fn truncated_sps_never_panics() {
    let full = synthetic_sps(true);
    for n in 0..full.len() {
        // Trailing fields (VUI) are optional to us, so only require no panic
        // and an error when the dimensions are cut.
        let r = Sps::parse(&full[..n]);
        if n < full.len() - 3 {
            assert!(r.is_err(), "cut {n}");
        }
    }
    let real = hex("6764001facd9405005bb011000000300100000030320f1831960");
    for n in 0..real.len() {
        let _ = Sps::parse(&real[..n]);
    }
}

#[test]
fn bad_sps() {
    assert!(Sps::parse(&[]).is_err());
    assert!(Sps::parse(&[0x68, 0x64, 0, 0x1f]).is_err());
    // Huge exp-Golomb values are errors, not overflows.
    assert!(Sps::parse(&[0x67, 0x42, 0, 0x1f, 0, 0, 0, 0, 0, 0, 0, 0]).is_err());
    assert_eq!(profile_name(77), "Main");
    assert_eq!(profile_name(88), "Extended");
    assert_eq!(profile_name(110), "High10");
    assert_eq!(profile_name(1), "Other");
    assert_eq!(level_name(9), "1b");
    assert_eq!(level_name(51), "5.1");
    assert_eq!(level_name(99), "Other");
}
