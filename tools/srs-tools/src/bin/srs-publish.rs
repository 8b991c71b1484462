//! srs-publish: publish an FLV file to an RTMP server in real time.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use srs_kernel::MediaMessage;
use srs_tools::args::{self, Spec};
use srs_tools::error::{run_main, Context, ToolError, ToolResult};
use srs_tools::flv_file::FlvFileReader;
use srs_tools::net;
use srs_tools::pacing::{Pacer, Status, Timeline};

const USAGE: &str = "\
Publish an FLV file to an RTMP server in real time.

Usage: srs-publish FILE.flv URL [--loop] [-q]

  FILE.flv     the file to send (H.264/AAC or any FLV codecs)
  URL          rtmp://host[:port]/app/stream
  --loop       start again at the end of the file, timestamps continuing
  -q, --quiet  no status lines on stderr
  -h, --help   show this help

Tags are sent when due by their timestamps (relative to the start); script
tags (onMetaData) are sent as data messages. A status line goes to stderr
every 5 seconds.
Example: srs-publish doc/source.200kbps.768x320.flv rtmp://127.0.0.1/live/livestream --loop";

const SPEC: Spec<'static> = Spec {
    values: &[],
    flags: &["--loop", "-q", "--quiet"],
};

fn main() -> ExitCode {
    run_main("srs-publish", run)
}

fn open(path: &str) -> ToolResult<FlvFileReader<BufReader<File>>> {
    let f = File::open(Path::new(path)).context(format!("cannot open {path}"))?;
    Ok(FlvFileReader::new(BufReader::new(f)))
}

fn run() -> ToolResult<()> {
    let parsed = args::parse(std::env::args().skip(1), &SPEC)?;
    if parsed.help {
        println!("{USAGE}");
        return Ok(());
    }
    let pos = parsed.expect_positionals(2, "FILE.flv and URL")?;
    let (path, url) = (pos[0].clone(), pos[1].clone());
    let looping = parsed.flag(&["--loop"]);
    let quiet = parsed.flag(&["-q", "--quiet"]);
    net::parse_url(&url)?;

    // Check the file before connecting, so a bad file does not touch the server.
    let mut reader = open(&path)?;
    let mut first = reader.next_tag().context(&path)?;
    if first.is_none() {
        return Err(ToolError::new(format!("{path}: no tags in the file")));
    }

    let mut client = net::connect(&url)?;
    client.publish().map_err(|e| net::rtmp_error(e, &url))?;
    if !quiet {
        eprintln!("srs-publish: publishing {path} to {url}");
    }

    let start = Instant::now();
    let mut pacer = Pacer::new(start);
    let mut timeline = Timeline::new();
    let mut status = Status::new("sent", Duration::from_secs(5), start);
    let mut pass = 1u64;
    loop {
        let tag = match first.take() {
            Some(t) => Some(t),
            None => reader.next_tag().context(&path)?,
        };
        let Some(tag) = tag else {
            if reader.truncated() > 0 && !quiet {
                eprintln!(
                    "srs-publish: {path}: ignored {} bytes of an incomplete last tag",
                    reader.truncated()
                );
            }
            if !looping {
                break;
            }
            pass += 1;
            if !quiet {
                eprintln!("srs-publish: loop {pass}: restarting {path}");
            }
            reader = open(&path)?;
            timeline.restart();
            continue;
        };
        let ts = timeline.map(tag.kind, tag.timestamp);
        pacer.wait(ts);
        // RTMP timestamps are 32-bit milliseconds and wrap after ~49 days.
        let msg = MediaMessage {
            timestamp: ts as u32,
            ..tag
        };
        client
            .write_media(&msg)
            .map_err(|e| net::rtmp_error(e, &url))?;
        if let Some(line) = status.record(msg.size(), ts, Instant::now()) {
            if !quiet {
                eprintln!("srs-publish: {line}");
            }
        }
    }
    client.unpublish().map_err(|e| net::rtmp_error(e, &url))?;
    if !quiet {
        eprintln!("srs-publish: done: {}", status.summary(Instant::now()));
    }
    Ok(())
}
