//! The FLV injecter (SRS's `srs_flv_injecter`): rewrites a file with an
//! `onMetaData` script tag first, carrying `duration`, `filesize`,
//! `hasKeyframes` and a `keyframes { filepositions, times }` index so that
//! players can seek.
//!
//! - The original `onMetaData` fields are kept (the first `onMetaData` tag is
//!   the source; every `onMetaData` tag is removed from the body), with
//!   `duration`, `filesize`, `hasKeyframes` and `keyframes` replaced in place
//!   or appended.
//! - Keyframes are video tags with frame type 1 that are not sequence headers
//!   or end-of-sequence markers ([`is_keyframe_frame`]).
//!   `filepositions` are byte offsets of those tags (the tag header) in the
//!   output; `times` are their timestamps in seconds.
//! - An audio-only file gets `hasKeyframes: false` and empty arrays (audio has
//!   no keyframes; seeking in it works without an index).
//! - `duration` is the span from the first to the end of the last audio or
//!   video frame: per kind, last timestamp plus that kind's smallest positive
//!   timestamp step (sequence headers excluded), the maximum over kinds,
//!   minus the first timestamp.
//!
//! Since AMF0 numbers are always 9 bytes, the metadata size does not depend on
//! the offsets: a first pass with zeros gives its size, a second one the values.

use bytes::Bytes;
use srs_kernel::amf0::{decode_all, encode_all};
use srs_kernel::flv::{file_header, previous_tag_size, TagHeader, VideoTagHeader};
use srs_kernel::{Amf0Value, MediaFlags, MediaKind};

use crate::error::{ToolError, ToolResult};
use crate::flv_file::{index_tags, TagInfo};

/// What [`inject`] found and wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct InjectReport {
    /// Number of keyframes in the index.
    pub keyframes: usize,
    /// Duration written, in seconds.
    pub duration: f64,
    /// Size of the output file in bytes.
    pub filesize: u64,
    /// True if the input had an `onMetaData` tag whose fields were kept.
    pub had_metadata: bool,
    /// Offset of the first tag after the new metadata tag.
    pub body_offset: u64,
}

/// True for the data of a video tag that is a keyframe picture: frame type 1,
/// and for AVC / HEVC a NALU packet (not a sequence header or end of sequence).
pub fn is_keyframe_frame(data: &[u8]) -> bool {
    match VideoTagHeader::parse(data) {
        Ok(h) => {
            h.is_keyframe() && matches!(h.avc_packet_type, None | Some(VideoTagHeader::PACKET_NALU))
        }
        Err(_) => false,
    }
}

/// The metadata name and properties of a script tag if it is `onMetaData`
/// (also `@setDataFrame, onMetaData, {...}`).
pub fn metadata_properties(data: &[u8]) -> Option<Vec<(String, Amf0Value)>> {
    let values = decode_all(data).ok()?;
    let mut it = values.iter();
    let mut name = it.next()?.as_str()?;
    if name == "@setDataFrame" {
        name = it.next()?.as_str()?;
    }
    if name != "onMetaData" {
        return None;
    }
    Some(match it.next() {
        Some(v) => v.properties().map(<[_]>::to_vec).unwrap_or_default(),
        None => Vec::new(),
    })
}

fn set(props: &mut Vec<(String, Amf0Value)>, key: &str, value: Amf0Value) {
    match props.iter_mut().find(|(k, _)| k == key) {
        Some((_, v)) => *v = value,
        None => props.push((key.to_string(), value)),
    }
}

/// Duration in ms of the frames of `tags` (see the module docs).
fn duration_ms(tags: &[&TagInfo]) -> u64 {
    let mut first: Option<u32> = None;
    let mut end = 0u64;
    for kind in [MediaKind::Audio, MediaKind::Video] {
        let mut last: Option<u32> = None;
        let mut step: Option<u32> = None;
        for t in tags.iter().filter(|t| t.header.tag_type == kind.tag_type()) {
            let ts = t.header.timestamp;
            first = Some(first.map_or(ts, |f| f.min(ts)));
            if MediaFlags::from_payload(kind, &t.data).is_sequence_header() {
                // Sequence headers share the first frame's time: no step.
                continue;
            }
            if let Some(prev) = last {
                if ts > prev {
                    step = Some(step.map_or(ts - prev, |s| s.min(ts - prev)));
                }
            }
            last = Some(last.map_or(ts, |l| l.max(ts)));
        }
        if let Some(l) = last {
            end = end.max(u64::from(l) + u64::from(step.unwrap_or(0)));
        } else if let Some(f) = first {
            end = end.max(u64::from(f));
        }
    }
    end.saturating_sub(u64::from(first.unwrap_or(0)))
}

fn encode_metadata(props: &[(String, Amf0Value)]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_all(
        &[
            Amf0Value::string("onMetaData"),
            Amf0Value::EcmaArray(props.to_vec()),
        ],
        &mut out,
    );
    out
}

fn push_tag(out: &mut Vec<u8>, tag_type: u8, timestamp: u32, data: &[u8]) -> ToolResult<()> {
    let size = u32::try_from(data.len())
        .ok()
        .filter(|&s| s <= 0x00FF_FFFF)
        .ok_or_else(|| ToolError::new(format!("tag of {} bytes is too large", data.len())))?;
    let header = TagHeader {
        tag_type,
        data_size: size,
        timestamp,
        stream_id: 0,
    };
    out.extend_from_slice(&header.encode());
    out.extend_from_slice(data);
    out.extend_from_slice(&previous_tag_size(size));
    Ok(())
}

/// Rewrites the FLV file `input` with an `onMetaData` keyframe index first.
pub fn inject(input: &[u8]) -> ToolResult<(Vec<u8>, InjectReport)> {
    let index = index_tags(input)?;
    let mut original: Option<Vec<(String, Amf0Value)>> = None;
    let mut body: Vec<&TagInfo> = Vec::with_capacity(index.tags.len());
    for tag in &index.tags {
        if tag.header.tag_type == MediaKind::Script.tag_type() {
            if let Some(props) = metadata_properties(&tag.data) {
                original.get_or_insert(props);
                continue;
            }
        }
        body.push(tag);
    }
    let has_audio = body.iter().any(|t| t.header.tag_type == 8);
    let has_video = body.iter().any(|t| t.header.tag_type == 9);
    let keyframes: Vec<&TagInfo> = body
        .iter()
        .copied()
        .filter(|t| t.header.tag_type == 9 && is_keyframe_frame(&t.data))
        .collect();
    let duration = duration_ms(&body) as f64 / 1000.0;
    let had_metadata = original.is_some();
    let base = original.unwrap_or_default();

    let build = |positions: &[f64], filesize: f64| {
        let mut props = base.clone();
        set(&mut props, "duration", Amf0Value::Number(duration));
        set(&mut props, "filesize", Amf0Value::Number(filesize));
        set(
            &mut props,
            "hasKeyframes",
            Amf0Value::Boolean(!keyframes.is_empty()),
        );
        let times = keyframes
            .iter()
            .map(|t| Amf0Value::Number(f64::from(t.header.timestamp) / 1000.0))
            .collect();
        let positions = positions.iter().map(|&p| Amf0Value::Number(p)).collect();
        set(
            &mut props,
            "keyframes",
            Amf0Value::object(vec![
                ("filepositions", Amf0Value::StrictArray(positions)),
                ("times", Amf0Value::StrictArray(times)),
            ]),
        );
        encode_metadata(&props)
    };

    // Pass 1: the metadata size, which numbers do not change.
    let meta_len = build(&vec![0.0; keyframes.len()], 0.0).len() as u64;
    let header_len = file_header(true, true).len() as u64;
    let body_offset = header_len + 11 + meta_len + 4;
    let mut offset = body_offset;
    let mut positions = Vec::with_capacity(keyframes.len());
    let mut kf = keyframes.iter().peekable();
    for tag in &body {
        if kf.peek().is_some_and(|k| std::ptr::eq(**k, *tag)) {
            positions.push(offset as f64);
            kf.next();
        }
        offset += tag.file_size();
    }
    let filesize = offset;

    // Pass 2: the real values.
    let meta = build(&positions, filesize as f64);
    if meta.len() as u64 != meta_len {
        return Err(ToolError::new(format!(
            "internal error: metadata size changed from {meta_len} to {}",
            meta.len()
        )));
    }
    let mut out = Vec::with_capacity(filesize as usize);
    out.extend_from_slice(&file_header(
        has_audio || index.header.has_audio,
        has_video || index.header.has_video,
    ));
    push_tag(&mut out, MediaKind::Script.tag_type(), 0, &meta)?;
    for tag in &body {
        push_tag(
            &mut out,
            tag.header.tag_type,
            tag.header.timestamp,
            &tag.data,
        )?;
    }
    debug_assert_eq!(out.len() as u64, filesize);
    Ok((
        out,
        InjectReport {
            keyframes: keyframes.len(),
            duration,
            filesize,
            had_metadata,
            body_offset,
        },
    ))
}

/// The `keyframes` index of an `onMetaData` script tag: (filepositions, times).
pub fn keyframe_index(script: &Bytes) -> Option<(Vec<f64>, Vec<f64>)> {
    let props = metadata_properties(script)?;
    let kf = props.iter().find(|(k, _)| k == "keyframes")?.1.clone();
    let numbers = |key: &str| -> Option<Vec<f64>> {
        match kf.get(key)? {
            Amf0Value::StrictArray(v) => v.iter().map(Amf0Value::as_f64).collect(),
            _ => None,
        }
    };
    Some((numbers("filepositions")?, numbers("times")?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flv_file::FlvWriter;
    use srs_kernel::MediaMessage;

    fn msg(kind: MediaKind, ts: u32, p: &[u8]) -> MediaMessage {
        MediaMessage::new(kind, ts, Bytes::copy_from_slice(p))
    }

    fn file(msgs: &[MediaMessage]) -> Vec<u8> {
        let mut w = FlvWriter::new(Vec::new(), true, true, false).unwrap();
        for m in msgs {
            w.write_tag(m).unwrap();
        }
        w.into_inner().unwrap()
    }

    fn meta(props: Vec<(&str, Amf0Value)>) -> MediaMessage {
        let mut p = Vec::new();
        encode_all(
            &[
                Amf0Value::string("onMetaData"),
                Amf0Value::ecma_array(props),
            ],
            &mut p,
        );
        MediaMessage::new(MediaKind::Script, 0, p.into())
    }

    fn av_file() -> Vec<u8> {
        let mut msgs = vec![
            meta(vec![("width", 320.0.into()), ("duration", 0.0.into())]),
            msg(MediaKind::Video, 0, &[0x17, 0, 0, 0, 0, 1, 2, 3]),
            msg(MediaKind::Audio, 0, &[0xAF, 0, 0x12, 0x10]),
        ];
        for i in 0..50u32 {
            let key = i % 25 == 0;
            msgs.push(msg(
                MediaKind::Video,
                i * 40,
                &[if key { 0x17 } else { 0x27 }, 1, 0, 0, 0, i as u8],
            ));
            msgs.push(msg(MediaKind::Audio, i * 40 + 5, &[0xAF, 1, i as u8]));
        }
        file(&msgs)
    }

    #[test]
    fn index_points_at_keyframes() {
        let (out, report) = inject(&av_file()).unwrap();
        assert_eq!(report.keyframes, 2);
        assert!(report.had_metadata);
        assert_eq!(report.filesize, out.len() as u64);
        // Video ends at 1960 + 40, audio at 1965 + 40.
        assert!(
            (report.duration - 2.005).abs() < 1e-9,
            "{}",
            report.duration
        );
        let idx = index_tags(&out).unwrap();
        let first = &idx.tags[0];
        assert_eq!(first.header.tag_type, 18);
        assert_eq!(idx.tags[1].offset, report.body_offset);
        let props = metadata_properties(&first.data).unwrap();
        let get = |k: &str| props.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        assert_eq!(get("width"), Some(Amf0Value::Number(320.0)));
        assert_eq!(get("duration"), Some(Amf0Value::Number(report.duration)));
        assert_eq!(get("filesize"), Some(Amf0Value::Number(out.len() as f64)));
        assert_eq!(get("hasKeyframes"), Some(Amf0Value::Boolean(true)));
        // "duration" stays where it was (second), the rest is appended.
        assert_eq!(props[1].0, "duration");
        let (pos, times) = keyframe_index(&first.data).unwrap();
        assert_eq!(times, [0.0, 1.0]);
        for p in &pos {
            let tag = idx.tags.iter().find(|t| t.offset == *p as u64).unwrap();
            assert_eq!(tag.header.tag_type, 9);
            assert_eq!(tag.data[0], 0x17);
            assert_eq!(tag.data[1], 1, "not the sequence header");
        }
        // Only one onMetaData in the output.
        let metas = idx
            .tags
            .iter()
            .filter(|t| metadata_properties(&t.data).is_some())
            .count();
        assert_eq!(metas, 1);
    }

    #[test]
    fn injecting_twice_is_stable() {
        let (once, _) = inject(&av_file()).unwrap();
        let (twice, _) = inject(&once).unwrap();
        assert_eq!(once, twice);
    }

    #[test]
    fn without_metadata_and_audio_only() {
        let msgs: Vec<_> = (0..10u32)
            .map(|i| msg(MediaKind::Audio, i * 23, &[0x2F, i as u8]))
            .collect();
        let (out, report) = inject(&file(&msgs)).unwrap();
        assert!(!report.had_metadata);
        assert_eq!(report.keyframes, 0);
        assert!((report.duration - 0.23).abs() < 1e-9);
        let idx = index_tags(&out).unwrap();
        assert_eq!(idx.tags.len(), 11);
        let props = metadata_properties(&idx.tags[0].data).unwrap();
        assert!(props.contains(&("hasKeyframes".to_string(), Amf0Value::Boolean(false))));
        let (pos, times) = keyframe_index(&idx.tags[0].data).unwrap();
        assert!(pos.is_empty() && times.is_empty());
    }

    #[test]
    fn set_data_frame_metadata_and_other_scripts() {
        let mut p = Vec::new();
        encode_all(
            &[
                Amf0Value::string("@setDataFrame"),
                Amf0Value::string("onMetaData"),
                Amf0Value::object(vec![("encoder", "x".into())]),
            ],
            &mut p,
        );
        let mut cue = Vec::new();
        encode_all(
            &[Amf0Value::string("onCuePoint"), Amf0Value::Null],
            &mut cue,
        );
        let msgs = vec![
            MediaMessage::new(MediaKind::Script, 0, p.into()),
            MediaMessage::new(MediaKind::Script, 0, cue.clone().into()),
            msg(MediaKind::Video, 0, &[0x17, 1, 0, 0, 0, 9]),
            msg(MediaKind::Video, 40, &[0x17, 2, 0, 0, 0]),
        ];
        let (out, report) = inject(&file(&msgs)).unwrap();
        assert!(report.had_metadata);
        let idx = index_tags(&out).unwrap();
        assert_eq!(idx.tags.len(), 4);
        let props = metadata_properties(&idx.tags[0].data).unwrap();
        assert_eq!(props[0], ("encoder".to_string(), Amf0Value::string("x")));
        assert_eq!(&idx.tags[1].data[..], &cue[..]);
        assert_eq!(
            keyframe_index(&idx.tags[0].data).unwrap().0,
            [idx.tags[2].offset as f64]
        );
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(inject(b"not an flv file at all").is_err());
    }
}
