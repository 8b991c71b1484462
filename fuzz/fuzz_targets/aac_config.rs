//! AAC: AudioSpecificConfig parsing and the ADTS header built from it.
//!
//! A config that parses has a known rate; the 7-byte ADTS header built from it for any
//! payload length decodes (as an ADTS reader would) to the config's profile, rate index,
//! channels and the frame length.
#![no_main]

use libfuzzer_sys::fuzz_target;
use srs_kernel::aac::{AudioSpecificConfig, SAMPLE_RATES};

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        let _ = AudioSpecificConfig::parse(data);
        return;
    }
    // The first two bytes pick a payload length, the rest is the config.
    let payload_len = usize::from(u16::from_be_bytes([data[0], data[1]])) * 3;
    let Ok(asc) = AudioSpecificConfig::parse(&data[2..]) else {
        return;
    };
    assert!(asc.object_type >= 1 && asc.object_type <= 32 + 63);
    assert!(asc.sample_rate > 0);
    assert!(asc.channels <= 15);
    if asc.sample_rate_index < 13 {
        assert_eq!(
            asc.sample_rate,
            SAMPLE_RATES[usize::from(asc.sample_rate_index)]
        );
    } else {
        assert_eq!(asc.sample_rate_index, 15);
        assert!(asc.sample_rate < 1 << 24);
    }
    let _ = asc.profile_name();

    let h = asc.adts_header(payload_len);
    assert_eq!(h[0], 0xFF);
    assert_eq!(h[1] & 0xF6, 0xF0, "sync word / layer"); // 0xFFF, layer 0
    assert_eq!(h[1] & 1, 1, "protection absent");
    let profile = h[2] >> 6;
    let sfi = (h[2] >> 2) & 0x0F;
    let ch = ((h[2] & 1) << 2) | (h[3] >> 6);
    let len = (usize::from(h[3] & 3) << 11) | (usize::from(h[4]) << 3) | usize::from(h[5] >> 5);
    assert_eq!(h[2] & 2, 0, "private bit");
    let expected_profile = match asc.object_type {
        1..=4 => asc.object_type - 1,
        _ => 1,
    };
    assert_eq!(profile, expected_profile);
    assert!(sfi < 13, "ADTS rate index {sfi}");
    if asc.sample_rate_index < 13 {
        assert_eq!(sfi, asc.sample_rate_index);
    } else {
        // the nearest indexed rate: no other index is closer
        let d = SAMPLE_RATES[usize::from(sfi)].abs_diff(asc.sample_rate);
        assert!(SAMPLE_RATES
            .iter()
            .all(|r| r.abs_diff(asc.sample_rate) >= d));
    }
    assert_eq!(ch, asc.channels & 7);
    assert_eq!(len, (payload_len + 7).min(0x1FFF));
    assert_eq!(h[5] & 0x1F, 0x1F);
    assert_eq!(h[6], 0xFC);
});
