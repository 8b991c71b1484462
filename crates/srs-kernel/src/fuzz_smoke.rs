//! Deterministic smoke fuzzing: random and mutated inputs never panic any decoder.

use crate::aac::AudioSpecificConfig;
use crate::amf0;
use crate::avc::{annexb_nalus, avcc_nalus, AvcDecoderConfig, Sps};
use crate::flv::{AudioTagHeader, FlvHeader, FlvReader, TagHeader, VideoTagHeader};

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u8 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as u8
    }
}

fn feed_all(data: &[u8]) {
    let _ = amf0::decode_all(data);
    let _ = FlvHeader::parse(data);
    let _ = TagHeader::parse(data);
    let _ = VideoTagHeader::parse(data);
    let _ = AudioTagHeader::parse(data);
    let _ = AvcDecoderConfig::parse(data);
    let _ = Sps::parse(data);
    let _ = AudioSpecificConfig::parse(data);
    for len in 0..=5 {
        let _ = avcc_nalus(data, len).count();
    }
    let _ = annexb_nalus(data).count();
    for mode in [FlvReader::new(), FlvReader::tags_only()] {
        let mut r = mode;
        r.push(data);
        for _ in 0..64 {
            match r.next_tag() {
                Ok(Some(_)) => {}
                _ => break,
            }
        }
    }
}

#[test]
fn random_inputs_never_panic() {
    let mut rng = Lcg(0x5eed);
    for _ in 0..3000 {
        let len = usize::from(rng.next()) % 96;
        let data: Vec<u8> = (0..len).map(|_| rng.next()).collect();
        feed_all(&data);
    }
}

#[test]
fn mutated_valid_inputs_never_panic() {
    let seeds: Vec<Vec<u8>> = vec![
        // AMF0 connect-like object and an ECMA array.
        vec![
            2, 0, 7, b'c', b'o', b'n', b'n', b'e', b'c', b't', 0, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0, 3,
            0, 3, b'a', b'p', b'p', 2, 0, 4, b'l', b'i', b'v', b'e', 0, 0, 9, 8, 0, 0, 0, 1, 0, 1,
            b'k', 0x0A, 0, 0, 0, 1, 5, 0, 0, 9,
        ],
        // FLV file with one video tag.
        vec![
            b'F', b'L', b'V', 1, 5, 0, 0, 0, 9, 0, 0, 0, 0, 9, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0x17,
            1, 0, 0, 0, 0, 0, 0, 16,
        ],
        // SPS (x264 1280x720) and an AVC record.
        vec![
            0x67, 0x64, 0x00, 0x1f, 0xac, 0xd9, 0x40, 0x50, 0x05, 0xbb, 0x01, 0x10, 0x00, 0x00,
            0x03, 0x00, 0x10, 0x00, 0x00, 0x03, 0x03, 0x20, 0xf1, 0x83, 0x19, 0x60,
        ],
        vec![
            1, 0x64, 0, 0x1f, 0xff, 0xe1, 0, 4, 0x67, 0x64, 0, 0x1f, 1, 0, 2, 0x68, 0xeb,
        ],
    ];
    let mut rng = Lcg(42);
    for seed in &seeds {
        for _ in 0..2000 {
            let mut d = seed.clone();
            let flips = 1 + usize::from(rng.next()) % 4;
            for _ in 0..flips {
                let i = usize::from(rng.next()) % d.len();
                d[i] = rng.next();
            }
            feed_all(&d);
        }
    }
}
