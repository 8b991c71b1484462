//! srs-detect-rtmp: checks that an RTMP stream plays, for monitoring.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use srs_tools::args::{self, parse_seconds, Spec};
use srs_tools::detect::StreamInfo;
use srs_tools::error::{run_main, ToolError, ToolResult};
use srs_tools::net;

const USAGE: &str = "\
Check that an RTMP stream plays: connect, play, wait for its first keyframe.

Usage: srs-detect-rtmp URL [--timeout SECS]

  URL              rtmp://host[:port]/app/stream
  --timeout SECS   give up after SECS seconds (default 10)
  -h, --help       show this help

Prints the time to connect, to start playing, to the first packet and to the
first keyframe, and the stream's codecs, picture size and audio config.
Exit status: 0 the stream plays, 1 it does not (or nothing came in time),
2 bad usage. Example (a monitoring check):
  srs-detect-rtmp rtmp://127.0.0.1/live/livestream --timeout 5 || alert";

const SPEC: Spec<'static> = Spec {
    values: &["--timeout"],
    flags: &[],
};

fn main() -> ExitCode {
    run_main("srs-detect-rtmp", run)
}

fn ms(d: Duration) -> u128 {
    d.as_millis()
}

fn run() -> ToolResult<()> {
    let parsed = args::parse(std::env::args().skip(1), &SPEC)?;
    if parsed.help {
        println!("{USAGE}");
        return Ok(());
    }
    let url = parsed.expect_positionals(1, "URL")?[0].clone();
    let timeout = parsed
        .value(&["--timeout"])
        .map(|v| parse_seconds(v, "--timeout"))
        .transpose()?
        .unwrap_or(Duration::from_secs(10));
    net::parse_url(&url)?;
    let start = Instant::now();
    let mut client = net::connect(&url)?;
    let connected = start.elapsed();
    client.play().map_err(|e| net::rtmp_error(e, &url))?;
    let playing = start.elapsed();
    client
        .get_ref()
        .set_read_timeout(Some(Duration::from_millis(200)))?;
    let mut info = StreamInfo::default();
    let mut first_packet = None;
    let mut first_keyframe = None;
    while !info.complete() {
        if start.elapsed() > timeout {
            break;
        }
        match client.read_media() {
            Ok(Some(m)) => {
                first_packet.get_or_insert_with(|| start.elapsed());
                info.on_message(&m);
                if info.keyframe {
                    first_keyframe.get_or_insert_with(|| start.elapsed());
                }
            }
            Ok(None) => break,
            Err(e) if net::is_timeout(&e) => {}
            Err(e) => return Err(net::rtmp_error(e, &url)),
        }
    }
    println!("url {url}");
    println!("connect {} ms", ms(connected));
    println!("play {} ms", ms(playing));
    match first_packet {
        Some(t) => println!("first packet {} ms", ms(t)),
        None => println!("first packet none"),
    }
    match first_keyframe {
        Some(t) => println!("first keyframe {} ms", ms(t)),
        None => println!("first keyframe none"),
    }
    let size = info
        .size
        .map(|(w, h)| format!(" {w}x{h}"))
        .unwrap_or_default();
    println!("video {}{size}", info.video.as_deref().unwrap_or("none"));
    let audio_config = info
        .audio_config
        .map(|(r, c)| format!(" {r} Hz {c} ch"))
        .unwrap_or_default();
    println!(
        "audio {}{audio_config}",
        info.audio.as_deref().unwrap_or("none")
    );
    if !info.complete() {
        return Err(ToolError::new(format!(
            "the stream did not play within {} s",
            timeout.as_secs_f64()
        )));
    }
    Ok(())
}
