use super::*;
use crate::flv::FlvReader;
use crate::ts::psi::{AUDIO_PID, PMT_PID, VIDEO_PID};
use crate::ts::testutil::demux;
use bytes::Bytes;
use std::path::PathBuf;
use std::process::Command;

/// 1 s of 160x120 x264 (High, B-frames, one GOP) + AAC LC 44.1 kHz stereo, by
/// `ffmpeg -f lavfi -i testsrc=size=160x120:rate=25 -f lavfi -i sine=frequency=440:sample_rate=44100
///  -t 1 -pix_fmt yuv420p -c:v libx264 -preset veryfast -g 25 -b:v 150k -c:a aac -b:a 32k -ac 2 -f flv`.
const H264_AAC_FLV: &[u8] = include_bytes!("../testdata/h264_aac_160x120.flv");
/// 1 s of 440 Hz sine in MP3 (libmp3lame, 32 kb/s, 44.1 kHz mono), audio-only FLV.
const MP3_FLV: &[u8] = include_bytes!("../testdata/mp3.flv");

fn read_flv(data: &[u8]) -> Vec<MediaMessage> {
    let mut r = FlvReader::new();
    r.push(data);
    let mut msgs = Vec::new();
    while let Some(m) = r.next_tag().expect("fixture parses") {
        msgs.push(m);
    }
    assert_eq!(r.buffered(), 0, "whole fixture consumed");
    msgs
}

/// Converts messages like an HLS segmenter would: a segment is opened at the first
/// message that is neither script nor sequence header, and a second segment at
/// message `cut` (if any).
fn convert(msgs: &[MediaMessage], cut: Option<usize>) -> (Vec<u8>, Vec<TsFrame>) {
    let mut c = FlvToTs::new();
    let mut out = Vec::new();
    let mut frames = Vec::new();
    let mut started = false;
    for (i, m) in msgs.iter().enumerate() {
        if !started && !m.is_script() && !m.is_sequence_header() {
            c.start_segment(&mut out);
            started = true;
        }
        if Some(i) == cut {
            c.start_segment(&mut out);
        }
        let f = c
            .push(m, u64::from(m.timestamp), &mut out)
            .expect("fixture converts");
        frames.push(f);
    }
    (out, frames)
}

fn tool(name: &str) -> Command {
    // Fails loudly (never skips) when the tool is missing.
    let probe = Command::new(name).arg("-version").output();
    match probe {
        Ok(o) if o.status.success() => Command::new(name),
        Ok(o) => panic!(
            "{name} -version failed ({}): this test needs ffmpeg/ffprobe installed",
            o.status
        ),
        Err(e) => panic!("{name} not found ({e}): this test needs ffmpeg/ffprobe installed"),
    }
}

/// Writes `ts` to a temp file; returns its path (removed by the caller).
fn temp_ts(name: &str, ts: &[u8]) -> PathBuf {
    let path = std::env::temp_dir().join(format!("srs-kernel-ts-{}-{name}.ts", std::process::id()));
    std::fs::write(&path, ts).expect("write temp ts");
    path
}

/// `ffprobe -show_streams` JSON of the file, with frame counting.
fn ffprobe(path: &PathBuf) -> String {
    let o = tool("ffprobe")
        .args([
            "-v",
            "error",
            "-count_frames",
            "-show_streams",
            "-of",
            "json",
        ])
        .arg(path)
        .output()
        .expect("run ffprobe");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "ffprobe failed: {stderr}");
    assert!(stderr.trim().is_empty(), "ffprobe complained: {stderr}");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Decodes the whole file with ffmpeg; asserts it prints nothing at `-v error`.
fn ffmpeg_decode_clean(path: &PathBuf) {
    let o = tool("ffmpeg")
        .args(["-nostdin", "-v", "error", "-i"])
        .arg(path)
        .args(["-f", "null", "-"])
        .output()
        .expect("run ffmpeg");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "ffmpeg failed: {stderr}");
    assert_eq!(stderr, "", "ffmpeg decode errors");
}

/// Splits ffprobe's JSON into its stream objects (crude, but the output is regular).
fn streams(json: &str) -> Vec<&str> {
    json.split("\"index\":").skip(1).collect()
}

fn field<'a>(stream: &'a str, key: &str) -> Option<&'a str> {
    let pat = format!("\"{key}\": ");
    let start = stream.find(&pat)? + pat.len();
    let rest = &stream[start..];
    let end = rest.find([',', '\n', '}']).unwrap_or(rest.len());
    Some(rest[..end].trim().trim_matches('"'))
}

/// Video messages carrying NAL units (not sequence headers nor end of sequence).
fn is_video_frame(m: &MediaMessage) -> bool {
    m.is_video()
        && VideoTagHeader::parse(&m.payload)
            .is_ok_and(|h| h.avc_packet_type == Some(VideoTagHeader::PACKET_NALU))
}

fn count_video_frames(msgs: &[MediaMessage]) -> usize {
    msgs.iter().filter(|m| is_video_frame(m)).count()
}

fn count_audio_frames(msgs: &[MediaMessage]) -> usize {
    msgs.iter()
        .filter(|m| m.is_audio() && !m.is_sequence_header())
        .count()
}

#[test]
fn h264_aac_fixture_end_to_end() {
    let msgs = read_flv(H264_AAC_FLV);
    let (ts, frames) = convert(&msgs, None);
    let d = demux(&ts);
    assert_eq!(ts.len(), d.packets * 188);
    // One PAT + PMT, listing H.264 and AAC with PCR on video.
    assert_eq!(d.sections.len(), 2);
    let pmt = &d.sections[1];
    assert_eq!(pmt.0, PMT_PID);
    assert_eq!(&pmt.1[8..10], &[0xE1, 0x00]);
    assert_eq!(
        &pmt.1[12..22],
        &[0x1B, 0xE1, 0x00, 0xF0, 0x00, 0x0F, 0xE1, 0x01, 0xF0, 0x00]
    );

    let nv = count_video_frames(&msgs);
    let na = count_audio_frames(&msgs);
    assert_eq!(nv, 25);
    let video: Vec<_> = d.pes.iter().filter(|p| p.pid == VIDEO_PID).collect();
    let audio: Vec<_> = d.pes.iter().filter(|p| p.pid == AUDIO_PID).collect();
    assert_eq!((video.len(), audio.len()), (nv, na));
    let produced_video = frames
        .iter()
        .filter(|f| matches!(f, TsFrame::Video { .. }))
        .count();
    assert_eq!(produced_video, nv);
    assert_eq!(
        frames.iter().filter(|f| **f == TsFrame::None).count(),
        msgs.len() - nv - na
    );
    // The first access unit: AUD, SPS, PPS, then the frame; keyframe with PCR.
    let first = video[0];
    assert!(first.random_access);
    assert_eq!(first.pcr, Some(first.dts));
    assert_eq!(&first.payload[..6], &AUD);
    assert_eq!(&first.payload[6..11], &[0, 0, 0, 1, 0x67]);
    // B-frames: some PES carry PTS != DTS; every video PES carries a PCR = DTS.
    assert!(video.iter().any(|p| p.pts != p.dts));
    assert!(video.iter().all(|p| p.pcr == Some(p.dts)));
    assert!(video[1..].iter().all(|p| !p.random_access));
    // Timestamps are ms * 90.
    let v_msgs: Vec<_> = msgs.iter().filter(|m| is_video_frame(m)).collect();
    for (m, p) in v_msgs.iter().zip(&video) {
        let h = VideoTagHeader::parse(&m.payload).unwrap();
        assert_eq!(p.dts, u64::from(m.timestamp) * 90);
        assert_eq!(
            p.pts as i64,
            (i64::from(m.timestamp) + i64::from(h.composition_time)) * 90
        );
    }
    // Audio: ADTS frames in bounded PES.
    for p in &audio {
        assert_eq!(&p.payload[..2], &[0xFF, 0xF1]);
        assert_eq!(usize::from(p.declared_len), p.payload.len() + 8);
        assert!(p.pcr.is_none());
    }

    let path = temp_ts("h264-aac", &ts);
    let json = ffprobe(&path);
    ffmpeg_decode_clean(&path);
    let _ = std::fs::remove_file(&path);
    let s = streams(&json);
    assert_eq!(s.len(), 2, "two streams in {json}");
    let v = s
        .iter()
        .find(|s| field(s, "codec_type") == Some("video"))
        .expect("a video stream");
    assert_eq!(field(v, "codec_name"), Some("h264"));
    assert_eq!(field(v, "width"), Some("160"));
    assert_eq!(field(v, "height"), Some("120"));
    assert_eq!(field(v, "id"), Some("0x100"));
    assert_eq!(field(v, "nb_read_frames"), Some("25"));
    let a = s
        .iter()
        .find(|s| field(s, "codec_type") == Some("audio"))
        .expect("an audio stream");
    assert_eq!(field(a, "codec_name"), Some("aac"));
    assert_eq!(field(a, "sample_rate"), Some("44100"));
    assert_eq!(field(a, "channels"), Some("2"));
    assert_eq!(field(a, "id"), Some("0x101"));
    assert_eq!(field(a, "nb_read_frames"), Some(na.to_string().as_str()));
}

#[test]
fn two_segments_keep_counters_and_both_play() {
    let msgs = read_flv(H264_AAC_FLV);
    let cut = msgs.len() / 2;
    let (ts, _) = convert(&msgs, Some(cut));
    // demux() asserts continuity across the segment boundary.
    let d = demux(&ts);
    assert_eq!(d.sections.len(), 4);
    // The second segment starts with PAT + PMT and its counters continue.
    let pos = ts
        .chunks(188)
        .enumerate()
        .filter(|(_, p)| p[1] == 0x40 && p[2] == 0x00)
        .map(|(i, _)| i * 188)
        .nth(1)
        .expect("second PAT");
    assert_eq!(ts[pos + 3] & 0x0F, 1, "PAT counter continues");
    let path = temp_ts("two-segments", &ts);
    let json = ffprobe(&path);
    ffmpeg_decode_clean(&path);
    let _ = std::fs::remove_file(&path);
    assert_eq!(streams(&json).len(), 2);
}

#[test]
fn segment_opened_before_sequence_headers_gets_new_pmt() {
    let msgs = read_flv(H264_AAC_FLV);
    let mut c = FlvToTs::new();
    let mut out = Vec::new();
    c.start_segment(&mut out); // PMT lists nothing yet
    for m in &msgs {
        c.push(m, u64::from(m.timestamp), &mut out).unwrap();
    }
    let d = demux(&out);
    let pmts: Vec<_> = d.sections.iter().filter(|s| s.0 == PMT_PID).collect();
    // Empty PMT (v0); both sequence headers precede the first frame, so one updated
    // PMT (v1) listing both streams is written before it.
    assert_eq!(pmts.len(), 2);
    assert_eq!(pmts[0].1[5], 0xC1);
    assert_eq!(pmts[1].1[5], 0xC3);
    assert_eq!(pmts[1].1.len(), 3 + 5 + 4 + 2 * 5 + 4);
    let path = temp_ts("late-pmt", &out);
    let json = ffprobe(&path);
    let _ = std::fs::remove_file(&path);
    assert_eq!(streams(&json).len(), 2, "{json}");
}

#[test]
fn aac_only_stream() {
    let msgs: Vec<_> = read_flv(H264_AAC_FLV)
        .into_iter()
        .filter(|m| m.is_audio())
        .collect();
    let (ts, frames) = convert(&msgs, None);
    assert!(frames
        .iter()
        .all(|f| matches!(f, TsFrame::Audio { .. } | TsFrame::None)));
    let d = demux(&ts);
    // PCR on the audio PID, PMT lists AAC only.
    let pmt = &d.sections[1].1;
    assert_eq!(&pmt[8..10], &[0xE1, 0x01]);
    assert_eq!(&pmt[12..17], &[0x0F, 0xE1, 0x01, 0xF0, 0x00]);
    assert_eq!(pmt.len(), 12 + 5 + 4);
    assert!(d
        .pes
        .iter()
        .all(|p| p.pid == AUDIO_PID && p.pcr == Some(p.pts)));

    let path = temp_ts("aac-only", &ts);
    let json = ffprobe(&path);
    ffmpeg_decode_clean(&path);
    let _ = std::fs::remove_file(&path);
    let s = streams(&json);
    assert_eq!(s.len(), 1, "{json}");
    assert_eq!(field(s[0], "codec_type"), Some("audio"));
    assert_eq!(field(s[0], "codec_name"), Some("aac"));
}

#[test]
fn mp3_only_stream() {
    let msgs = read_flv(MP3_FLV);
    let (ts, _) = convert(&msgs, None);
    let d = demux(&ts);
    // MP3 is only known at its first frame: the segment opened just before it gets
    // an empty PMT, then PAT + PMT listing MP3 right before the first frame.
    let pmt = &d.sections.last().expect("tables").1;
    assert_eq!(
        &pmt[8..17],
        &[0xE1, 0x01, 0xF0, 0x00, 0x04, 0xE1, 0x01, 0xF0, 0x00]
    );
    assert_eq!(d.pes.len(), count_audio_frames(&msgs));
    let path = temp_ts("mp3-only", &ts);
    let json = ffprobe(&path);
    ffmpeg_decode_clean(&path);
    let _ = std::fs::remove_file(&path);
    let s = streams(&json);
    assert_eq!(s.len(), 1, "{json}");
    assert_eq!(field(s[0], "codec_name"), Some("mp3"));
}

// ---- Byte-level unit tests ----

const SPS: [u8; 4] = [0x67, 0x64, 0x00, 0x0C];
const PPS: [u8; 3] = [0x68, 0xEB, 0xE3];

fn video(payload: Vec<u8>) -> MediaMessage {
    MediaMessage::new(MediaKind::Video, 0, Bytes::from(payload))
}

fn audio(payload: Vec<u8>) -> MediaMessage {
    MediaMessage::new(MediaKind::Audio, 0, Bytes::from(payload))
}

fn avc_seq_header(sps: &[u8]) -> MediaMessage {
    let mut p = vec![0x17, 0x00, 0, 0, 0, 0x01, 0x64, 0x00, 0x0C, 0xFF, 0xE1];
    p.extend_from_slice(&(sps.len() as u16).to_be_bytes());
    p.extend_from_slice(sps);
    p.extend_from_slice(&[0x01, 0x00, PPS.len() as u8]);
    p.extend_from_slice(&PPS);
    video(p)
}

/// An AVC NALU message with composition time `cts` and 4-byte-length NAL units.
fn avc_frame(key: bool, cts: i32, nalus: &[&[u8]]) -> MediaMessage {
    let c = cts.to_be_bytes();
    let mut p = vec![if key { 0x17 } else { 0x27 }, 0x01, c[1], c[2], c[3]];
    for n in nalus {
        p.extend_from_slice(&(n.len() as u32).to_be_bytes());
        p.extend_from_slice(n);
    }
    video(p)
}

/// The payload of the single PES in `ts`.
fn only_pes(ts: &[u8]) -> crate::ts::testutil::Pes {
    let mut d = demux(ts);
    assert_eq!(d.pes.len(), 1);
    d.pes.remove(0)
}

#[test]
fn sequence_headers_produce_nothing_and_frames_wait_for_them() {
    let mut c = FlvToTs::new();
    let mut out = Vec::new();
    let idr: &[u8] = &[0x65, 0x88, 0x80];
    assert_eq!(
        c.push(&avc_frame(true, 0, &[idr]), 0, &mut out),
        Ok(TsFrame::None)
    );
    assert_eq!(
        c.push(&audio(vec![0xAF, 0x01, 0x21, 0x00]), 0, &mut out),
        Ok(TsFrame::None)
    );
    assert!(!c.has_video() && !c.has_audio());
    assert_eq!(
        c.push(&avc_seq_header(&SPS), 0, &mut out),
        Ok(TsFrame::None)
    );
    assert_eq!(
        c.push(&audio(vec![0xAF, 0x00, 0x12, 0x10]), 0, &mut out),
        Ok(TsFrame::None)
    );
    let script = MediaMessage::new(MediaKind::Script, 0, Bytes::from_static(&[2, 0, 1, b'x']));
    assert_eq!(c.push(&script, 0, &mut out), Ok(TsFrame::None));
    assert!(out.is_empty());
    assert!(c.has_video() && c.has_audio());
    assert_eq!(c.avc_config().map(|a| a.sps.len()), Some(1));
    assert_eq!(c.aac_config().map(|a| a.sample_rate), Some(44100));
    assert!(!c.take_config_changed(), "first configs are not a change");
    // Empty payloads and end of sequence are ignored.
    assert_eq!(c.push(&video(vec![]), 0, &mut out), Ok(TsFrame::None));
    assert_eq!(
        c.push(&video(vec![0x17, 0x02, 0, 0, 0]), 0, &mut out),
        Ok(TsFrame::None)
    );
    assert!(out.is_empty());
}

#[test]
fn keyframe_gets_aud_sps_pps_and_timestamps() {
    let mut c = FlvToTs::new();
    let mut out = Vec::new();
    c.push(&avc_seq_header(&SPS), 0, &mut out).unwrap();
    let sei: &[u8] = &[0x06, 0x05, 0x01];
    let idr: &[u8] = &[0x65, 0x88, 0x80, 0x40];
    let aud: &[u8] = &[0x09, 0x10];
    let f = c
        .push(&avc_frame(true, 80, &[aud, sei, idr]), 1000, &mut out)
        .unwrap();
    assert_eq!(
        f,
        TsFrame::Video {
            keyframe: true,
            dts_ms: 1000
        }
    );
    let pes = only_pes(&out);
    let mut expected = AUD.to_vec();
    expected.extend_from_slice(&[0, 0, 0, 1]);
    expected.extend_from_slice(&SPS);
    expected.extend_from_slice(&[0, 0, 0, 1]);
    expected.extend_from_slice(&PPS);
    expected.extend_from_slice(&[0, 0, 0, 1]);
    expected.extend_from_slice(sei);
    expected.extend_from_slice(&[0, 0, 0, 1]);
    expected.extend_from_slice(idr);
    assert_eq!(pes.payload, expected, "input AUD dropped, ours first");
    assert_eq!((pes.dts, pes.pts), (90_000, 97_200));
    assert_eq!(pes.pcr, Some(90_000));
    assert!(pes.random_access);
    assert_eq!(pes.declared_len, 0);

    // An inter frame: AUD then the slice, no parameter sets; negative cts.
    out.clear();
    let slice: &[u8] = &[0x41, 0x9A, 0x02];
    let f = c
        .push(&avc_frame(false, -40, &[slice]), 1040, &mut out)
        .unwrap();
    assert_eq!(
        f,
        TsFrame::Video {
            keyframe: false,
            dts_ms: 1040
        }
    );
    let pes = only_pes(&out);
    assert_eq!(pes.payload, [&AUD[..], &[0, 0, 0, 1], slice].concat());
    assert_eq!((pes.dts, pes.pts), (1040 * 90, 1000 * 90));
    assert!(!pes.random_access);

    // A keyframe carrying its own SPS / PPS: nothing inserted.
    out.clear();
    let own_sps: &[u8] = &[0x67, 0x42, 0x00, 0x1E];
    c.push(&avc_frame(true, 0, &[own_sps, &PPS, idr]), 2000, &mut out)
        .unwrap();
    let pes = only_pes(&out);
    assert_eq!(
        pes.payload,
        [
            &AUD[..],
            &[0, 0, 0, 1],
            own_sps,
            &[0, 0, 0, 1],
            &PPS,
            &[0, 0, 0, 1],
            idr
        ]
        .concat()
    );
    // Frame type 2 with an IDR slice is still a keyframe.
    out.clear();
    let f = c
        .push(&avc_frame(false, 0, &[idr]), 3000, &mut out)
        .unwrap();
    assert_eq!(
        f,
        TsFrame::Video {
            keyframe: true,
            dts_ms: 3000
        }
    );
    // Negative pts is clamped to the dts.
    out.clear();
    c.push(&avc_frame(false, -40, &[slice]), 0, &mut out)
        .unwrap();
    let pes = only_pes(&out);
    assert_eq!((pes.dts, pes.pts), (0, 0));
}

#[test]
fn frames_of_only_auds_produce_nothing_and_corrupt_frames_error() {
    let mut c = FlvToTs::new();
    let mut out = Vec::new();
    c.push(&avc_seq_header(&SPS), 0, &mut out).unwrap();
    let aud: &[u8] = &[0x09, 0x10];
    assert_eq!(
        c.push(&avc_frame(false, 0, &[aud]), 0, &mut out),
        Ok(TsFrame::None)
    );
    // A NALU length running past the end: error, nothing written.
    let bad = video(vec![0x27, 0x01, 0, 0, 0, 0, 0, 0, 9, 0x41, 0x00]);
    assert!(c.push(&bad, 0, &mut out).is_err());
    // Truncated AVC tag header.
    assert!(c.push(&video(vec![0x27, 0x01]), 0, &mut out).is_err());
    // Corrupt sequence header.
    assert!(c
        .push(&video(vec![0x17, 0x00, 0, 0, 0, 0x02]), 0, &mut out)
        .is_err());
    assert!(out.is_empty());
    assert!(c.has_video(), "the old config is kept");
}

#[test]
fn other_codecs_are_invalid() {
    let mut c = FlvToTs::new();
    let mut out = Vec::new();
    let hevc = video(vec![0x1C, 0x00, 0, 0, 0, 1]);
    assert!(matches!(
        c.push(&hevc, 0, &mut out),
        Err(KernelError::Invalid { .. })
    ));
    let h263 = video(vec![0x22, 0x00]);
    assert!(matches!(
        c.push(&h263, 0, &mut out),
        Err(KernelError::Invalid { .. })
    ));
    let speex = audio(vec![0xB6, 0x01, 0x02]);
    let err = c.push(&speex, 0, &mut out).unwrap_err();
    assert!(err.to_string().contains("Speex"), "{err}");
    assert!(out.is_empty());
}

#[test]
fn aac_frames_get_adts() {
    let mut c = FlvToTs::new();
    let mut out = Vec::new();
    c.push(&audio(vec![0xAF, 0x00, 0x12, 0x10]), 0, &mut out)
        .unwrap();
    c.start_segment(&mut out);
    let raw = vec![0x21; 338];
    let mut msg = vec![0xAF, 0x01];
    msg.extend_from_slice(&raw);
    let f = c.push(&audio(msg), 23, &mut out).unwrap();
    assert_eq!(f, TsFrame::Audio { dts_ms: 23 });
    let pes = only_pes(&out);
    // ADTS header of a 338-byte LC 44.1 kHz stereo frame (as checked in aac.rs).
    assert_eq!(
        &pes.payload[..7],
        &[0xFF, 0xF1, 0x50, 0x80, 0x2B, 0x3F, 0xFC]
    );
    assert_eq!(&pes.payload[7..], &raw[..]);
    assert_eq!(pes.pts, 23 * 90);
    assert_eq!(pes.pcr, Some(23 * 90), "audio-only: PCR on audio");
    // Too big for ADTS.
    let mut big = vec![0xAF, 0x01];
    big.resize(2 + 8185, 0);
    assert!(matches!(
        c.push(&audio(big), 0, &mut Vec::new()),
        Err(KernelError::TooLarge { .. })
    ));
}

#[test]
fn config_changes_are_reported_once() {
    let mut c = FlvToTs::new();
    let mut out = Vec::new();
    c.push(&avc_seq_header(&SPS), 0, &mut out).unwrap();
    c.push(&avc_seq_header(&SPS), 0, &mut out).unwrap();
    assert!(!c.take_config_changed(), "identical header repeated");
    c.push(&avc_seq_header(&[0x67, 0x42, 0x00, 0x1E]), 0, &mut out)
        .unwrap();
    assert!(c.take_config_changed());
    assert!(!c.take_config_changed(), "flag was reset");
    c.push(&audio(vec![0xAF, 0x00, 0x12, 0x10]), 0, &mut out)
        .unwrap();
    assert!(!c.take_config_changed());
    c.push(&audio(vec![0xAF, 0x00, 0x11, 0x90]), 0, &mut out)
        .unwrap();
    assert!(c.take_config_changed());
    // Switching AAC -> MP3 is a change and drops the AAC config.
    c.push(&audio(vec![0x2E, 0xFF, 0xFB]), 0, &mut out).unwrap();
    assert!(c.take_config_changed());
    assert!(c.aac_config().is_none() && c.has_audio());
    assert!(out.is_empty() || out.len() % 188 == 0);
}

#[test]
fn mp3_frames_are_carried_as_is() {
    let mut c = FlvToTs::new();
    let mut out = Vec::new();
    let frame = [0xFF, 0xFB, 0x50, 0xC4, 0x00, 0x01];
    let mut msg = vec![0x2F];
    msg.extend_from_slice(&frame);
    assert_eq!(
        c.push(&audio(msg), 40, &mut out),
        Ok(TsFrame::Audio { dts_ms: 40 })
    );
    let pes = only_pes(&out);
    assert_eq!(pes.payload, frame);
    assert!(c.has_audio() && !c.has_video());
}

#[test]
fn new_stream_after_start_rewrites_tables() {
    let mut c = FlvToTs::new();
    let mut out = Vec::new();
    c.push(&audio(vec![0xAF, 0x00, 0x12, 0x10]), 0, &mut out)
        .unwrap();
    c.start_segment(&mut out);
    c.push(&audio(vec![0xAF, 0x01, 0x21]), 0, &mut out).unwrap();
    assert_eq!(demux(&out).sections.len(), 2);
    // Video appears: the next video frame is preceded by PAT + PMT v1 with both.
    c.push(&avc_seq_header(&SPS), 0, &mut out).unwrap();
    let idr: &[u8] = &[0x65, 0x88];
    c.push(&avc_frame(true, 0, &[idr]), 40, &mut out).unwrap();
    let d = demux(&out);
    assert_eq!(d.sections.len(), 4);
    let pmt = &d.sections[3].1;
    assert_eq!(pmt[5], 0xC3, "version 1");
    assert_eq!(&pmt[8..10], &[0xE1, 0x00], "PCR moves to video");
    assert_eq!(pmt[12], 0x1B);
    assert_eq!(pmt[17], 0x0F);
    // Without a started segment nothing but the frames is written.
    let mut c = FlvToTs::new();
    let mut out = Vec::new();
    c.push(&avc_seq_header(&SPS), 0, &mut out).unwrap();
    c.push(&avc_frame(true, 0, &[idr]), 0, &mut out).unwrap();
    assert!(demux(&out).sections.is_empty());
}
