//! The tag table printed by `srs-flv dump`.

use std::fmt::Write as _;

use srs_kernel::aac::AudioSpecificConfig;
use srs_kernel::amf0::decode_all;
use srs_kernel::avc::AvcDecoderConfig;
use srs_kernel::flv::{
    audio_codec_name, sound_rate_hz, video_codec_name, AudioTagHeader, VideoTagHeader,
};
use srs_kernel::Amf0Value;

use crate::flv_file::{FlvIndex, TagInfo};

/// The column titles of [`tag_line`].
pub const TABLE_HEADER: &str =
    "index  offset      type    size      timestamp  key  codec  details";

/// One line describing a tag: index, offset, type, size, timestamp, keyframe
/// flag, codec, and details (decoded sequence headers, script name).
pub fn tag_line(index: usize, tag: &TagInfo) -> String {
    let (kind, key, codec, details) = match tag.header.tag_type {
        8 => {
            let (codec, details) = audio_details(&tag.data);
            ("audio", "-", codec, details)
        }
        9 => {
            let (key, codec, details) = video_details(&tag.data);
            ("video", if key { "key" } else { "-" }, codec, details)
        }
        18 => ("script", "-", "AMF0", script_details(&tag.data)),
        t => ("other", "-", "-", format!("tag type {t}")),
    };
    format!(
        "{index:<6} {:<11} {kind:<7} {:<9} {:<10} {key:<4} {codec:<6} {details}",
        tag.offset,
        tag.data.len(),
        tag.header.timestamp
    )
    .trim_end()
    .to_string()
}

fn video_details(data: &[u8]) -> (bool, &'static str, String) {
    let h = match VideoTagHeader::parse(data) {
        Ok(h) => h,
        Err(e) => return (false, "?", format!("bad video tag: {e}")),
    };
    let codec = video_codec_name(h.codec_id);
    let details = match h.avc_packet_type {
        Some(VideoTagHeader::PACKET_SEQUENCE_HEADER) if h.codec_id == VideoTagHeader::CODEC_AVC => {
            avc_config(data.get(h.header_len()..).unwrap_or_default())
        }
        Some(VideoTagHeader::PACKET_SEQUENCE_HEADER) => "sequence header".to_string(),
        Some(VideoTagHeader::PACKET_END_OF_SEQUENCE) => "end of sequence".to_string(),
        Some(_) => format!("nalu cts={}", h.composition_time),
        None => String::new(),
    };
    (h.is_keyframe(), codec, details)
}

/// Describes an AVC decoder configuration record: profile, level and size from the SPS.
pub fn avc_config(record: &[u8]) -> String {
    let config = match AvcDecoderConfig::parse(record) {
        Ok(c) => c,
        Err(e) => return format!("sequence header (bad record: {e})"),
    };
    match config.parse_sps() {
        Ok(sps) => format!(
            "sequence header: AVC profile {}({}) level {}({}) {}x{}",
            sps.profile_name(),
            sps.profile_idc,
            sps.level_name(),
            sps.level_idc,
            sps.width,
            sps.height
        ),
        Err(e) => format!(
            "sequence header: AVC profile {} level {} (bad SPS: {e})",
            config.profile, config.level
        ),
    }
}

fn audio_details(data: &[u8]) -> (&'static str, String) {
    let h = match AudioTagHeader::parse(data) {
        Ok(h) => h,
        Err(e) => return ("?", format!("bad audio tag: {e}")),
    };
    let codec = audio_codec_name(h.sound_format);
    let details = if h.is_sequence_header() {
        aac_config(data.get(h.header_len()..).unwrap_or_default())
    } else if h.aac_packet_type.is_some() {
        String::new()
    } else {
        format!(
            "{}Hz {}bit {}",
            sound_rate_hz(h.sound_rate),
            if h.sound_size == 1 { 16 } else { 8 },
            if h.sound_type == 1 { "stereo" } else { "mono" }
        )
    };
    (codec, details)
}

/// Describes an AAC AudioSpecificConfig: object type, sample rate, channels.
pub fn aac_config(asc: &[u8]) -> String {
    match AudioSpecificConfig::parse(asc) {
        Ok(c) => format!(
            "sequence header: AAC object type {}({}) {}Hz {}ch",
            c.profile_name(),
            c.object_type,
            c.sample_rate,
            c.channels
        ),
        Err(e) => format!("sequence header (bad config: {e})"),
    }
}

fn script_details(data: &[u8]) -> String {
    let values = match decode_all(data) {
        Ok(v) => v,
        Err(e) => return format!("bad AMF0: {e}"),
    };
    let names: Vec<&str> = values.iter().map_while(Amf0Value::as_str).collect();
    let name = if names.is_empty() {
        "(no name)".to_string()
    } else {
        names.join(" ")
    };
    match values.iter().find_map(Amf0Value::properties) {
        Some(props) => format!("{name} ({} properties)", props.len()),
        None => name,
    }
}

/// A compact rendering of an AMF0 value; long arrays are summarised.
pub fn amf0_short(v: &Amf0Value) -> String {
    match v {
        Amf0Value::Number(n) => format!("{n}"),
        Amf0Value::Boolean(b) => format!("{b}"),
        Amf0Value::String(s) | Amf0Value::LongString(s) => format!("{s:?}"),
        Amf0Value::Null => "null".into(),
        Amf0Value::Undefined => "undefined".into(),
        Amf0Value::Reference(r) => format!("ref {r}"),
        Amf0Value::Date { millis, .. } => format!("date {millis}"),
        Amf0Value::AvmPlus(b) => format!("amf3 ({} bytes)", b.len()),
        Amf0Value::StrictArray(items) if items.len() > 8 => format!("[{} items]", items.len()),
        Amf0Value::StrictArray(items) => {
            let parts: Vec<String> = items.iter().map(amf0_short).collect();
            format!("[{}]", parts.join(", "))
        }
        Amf0Value::Object(props) | Amf0Value::EcmaArray(props) => {
            let parts: Vec<String> = props
                .iter()
                .map(|(k, v)| format!("{k}: {}", amf0_short(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

/// The whole dump: file header, table, script properties under their tag, summary.
pub fn dump(index: &FlvIndex) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "FLV header: audio={} video={}",
        index.header.has_audio, index.header.has_video
    );
    let _ = writeln!(out, "{TABLE_HEADER}");
    let (mut audio, mut video, mut keys, mut script) = (0usize, 0usize, 0usize, 0usize);
    let (mut first, mut last) = (None::<u32>, 0u32);
    for (i, tag) in index.tags.iter().enumerate() {
        let _ = writeln!(out, "{}", tag_line(i, tag));
        match tag.header.tag_type {
            8 => audio += 1,
            9 => {
                video += 1;
                if crate::inject::is_keyframe_frame(&tag.data) {
                    keys += 1;
                }
            }
            18 => {
                script += 1;
                if let Ok(values) = decode_all(&tag.data) {
                    for props in values.iter().filter_map(Amf0Value::properties) {
                        for (k, v) in props {
                            let _ = writeln!(out, "       {k}: {}", amf0_short(v));
                        }
                    }
                }
            }
            _ => {}
        }
        if matches!(tag.header.tag_type, 8 | 9) {
            first = Some(first.map_or(tag.header.timestamp, |f| f.min(tag.header.timestamp)));
            last = last.max(tag.header.timestamp);
        }
    }
    let _ = writeln!(
        out,
        "summary: {} tags: {video} video ({keys} keyframes), {audio} audio, {script} script; timestamps {}..{} ms",
        index.tags.len(),
        first.unwrap_or(0),
        last
    );
    if index.trailing > 0 {
        let _ = writeln!(
            out,
            "warning: {} bytes of an incomplete tag at the end",
            index.trailing
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use srs_kernel::flv::TagHeader;

    fn tag(tag_type: u8, ts: u32, data: &'static [u8]) -> TagInfo {
        TagInfo {
            offset: 13,
            header: TagHeader {
                tag_type,
                data_size: data.len() as u32,
                timestamp: ts,
                stream_id: 0,
            },
            data: Bytes::from_static(data),
        }
    }

    #[test]
    fn audio_lines() {
        let l = tag_line(1, &tag(8, 0, &[0xAF, 0, 0x12, 0x10]));
        assert!(l.contains("audio") && l.contains("AAC"), "{l}");
        assert!(l.contains("LC(2) 44100Hz 2ch"), "{l}");
        let l = tag_line(2, &tag(8, 26, &[0x2F, 0xFF]));
        assert!(
            l.contains("MP3") && l.contains("44100Hz 16bit stereo"),
            "{l}"
        );
        let l = tag_line(3, &tag(8, 26, &[]));
        assert!(l.contains("bad audio tag"), "{l}");
    }

    #[test]
    fn video_lines() {
        let l = tag_line(4, &tag(9, 40, &[0x27, 1, 0, 0, 0x28, 0, 0]));
        assert!(
            l.contains("video") && l.contains("H264") && l.contains("cts=40"),
            "{l}"
        );
        assert!(!l.contains("key"), "{l}");
        let l = tag_line(5, &tag(9, 0, &[0x17, 0, 0, 0, 0, 1, 0x42]));
        assert!(l.contains(" key ") && l.contains("bad record"), "{l}");
    }

    #[test]
    fn script_lines_and_values() {
        let l = tag_line(
            0,
            &tag(
                18,
                0,
                &[
                    2, 0, 10, b'o', b'n', b'M', b'e', b't', b'a', b'D', b'a', b't', b'a', 5,
                ],
            ),
        );
        assert!(l.contains("script") && l.contains("onMetaData"), "{l}");
        let arr = Amf0Value::StrictArray((0..20).map(|i| Amf0Value::Number(i as f64)).collect());
        assert_eq!(amf0_short(&arr), "[20 items]");
        let o = Amf0Value::object(vec![("a", 1.0.into()), ("b", "x".into())]);
        assert_eq!(amf0_short(&o), "{a: 1, b: \"x\"}");
    }
}
