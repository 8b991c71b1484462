//! The streaming FLV reader: the same tags whatever the split of the input; tags re-encode
//! to a file that reads back the same; audio and video tag headers round-trip.
//!
//! Input: one control byte (whole file or bare tags, split seed), then the bytes.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use srs_fuzz::split;
use srs_kernel::flv::{AudioTagHeader, FlvHeader, FlvReader, TagHeader, VideoTagHeader};
use srs_kernel::MediaKind;

/// The tags of `pieces` and whether reading stopped on an error.
fn read(tags_only: bool, pieces: &[&[u8]]) -> (Option<FlvHeader>, Vec<(TagHeader, Bytes)>, bool) {
    let mut r = if tags_only {
        FlvReader::tags_only()
    } else {
        FlvReader::new()
    }
    .with_max_tag_size(1 << 20);
    let mut tags = Vec::new();
    let mut pushed = 0usize;
    for p in pieces {
        r.push(p);
        pushed += p.len();
        loop {
            match r.next_raw_tag() {
                Ok(Some(t)) => tags.push(t),
                Ok(None) => break,
                Err(_) => return (r.header(), tags, true),
            }
        }
        assert!(r.buffered() <= pushed);
    }
    (r.header(), tags, false)
}

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, input)) = data.split_first() else {
        return;
    };
    let tags_only = ctl & 1 != 0;
    let (header, whole, err) = read(tags_only, &[input]);
    let pieces = split(input, u64::from(ctl >> 1));
    let (header2, parts, err2) = read(tags_only, &pieces);
    assert_eq!(header, header2);
    assert_eq!(whole, parts, "tags depend on the split");
    assert_eq!(err, err2, "error depends on the split");
    if tags_only {
        assert!(header.is_none());
    }

    // Re-encode: file header (if any), then each tag with its PreviousTagSize.
    let mut file = Vec::new();
    if let Some(h) = header {
        file.extend_from_slice(&h.encode());
        file.extend_from_slice(&[0, 0, 0, 0]);
    }
    for (h, body) in &whole {
        assert_eq!(h.data_size as usize, body.len());
        assert!(h.tag_type <= 0x1f);
        file.extend_from_slice(&h.encode());
        file.extend_from_slice(body);
        file.extend_from_slice(&(body.len() as u32 + 11).to_be_bytes());

        match MediaKind::from_tag_type(h.tag_type) {
            Some(MediaKind::Video) => {
                if let Ok(v) = VideoTagHeader::parse(body) {
                    let mut enc = Vec::new();
                    v.encode(&mut enc);
                    assert_eq!(enc.len(), v.header_len());
                    assert_eq!(VideoTagHeader::parse(&enc).ok(), Some(v));
                }
            }
            Some(MediaKind::Audio) => {
                if let Ok(a) = AudioTagHeader::parse(body) {
                    let mut enc = Vec::new();
                    a.encode(&mut enc);
                    assert_eq!(enc.len(), a.header_len());
                    assert_eq!(AudioTagHeader::parse(&enc).ok(), Some(a));
                }
            }
            _ => {}
        }
    }
    let (header3, again, err3) = read(tags_only || header.is_none(), &[&file]);
    assert!(!err3, "our own re-encoding does not read");
    if !tags_only && header.is_some() {
        assert_eq!(header3, header);
    }
    assert_eq!(again, whole, "re-encode round trip");

    // The media-only view skips the other tag types and nothing else.
    let mut r = if tags_only {
        FlvReader::tags_only()
    } else {
        FlvReader::new()
    }
    .with_max_tag_size(1 << 20);
    r.push(input);
    let mut media = Vec::new();
    while let Ok(Some(m)) = r.next_tag() {
        media.push(m);
    }
    let expected: Vec<_> = whole
        .iter()
        .filter(|(h, _)| MediaKind::from_tag_type(h.tag_type).is_some())
        .collect();
    assert_eq!(media.len(), expected.len());
    for (m, (h, body)) in media.iter().zip(expected) {
        assert_eq!(m.timestamp, h.timestamp);
        assert_eq!(&m.payload, body);
    }
});
