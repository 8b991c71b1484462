//! srs-play: play an RTMP stream and write it as FLV to a file or stdout.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use srs_tools::args::{self, parse_seconds, Spec};
use srs_tools::error::{run_main, Context, ToolError, ToolResult};
use srs_tools::flv_file::FlvWriter;
use srs_tools::net;
use srs_tools::pacing::Status;

const USAGE: &str = "\
Play an RTMP stream and write it as FLV.

Usage: srs-play URL [-o FILE] [--duration SECS] [--count N] [-q]

  URL                rtmp://host[:port]/app/stream
  -o, --output FILE  write the FLV to FILE; `-` or no -o writes to stdout
  --duration SECS    stop after SECS seconds of playing
  --count N          stop after N audio/video messages (metadata not counted)
  -q, --quiet        no status lines on stderr
  -h, --help         show this help

Stops when the server closes the connection, or on --duration / --count.
Example: srs-play rtmp://127.0.0.1/live/livestream | ffplay -";

const SPEC: Spec<'static> = Spec {
    values: &["-o", "--output", "--duration", "--count"],
    flags: &["-q", "--quiet"],
};

/// How often the read loop wakes up to check --duration.
const POLL: Duration = Duration::from_millis(200);

fn main() -> ExitCode {
    run_main("srs-play", run)
}

fn run() -> ToolResult<()> {
    let parsed = args::parse(std::env::args().skip(1), &SPEC)?;
    if parsed.help {
        println!("{USAGE}");
        return Ok(());
    }
    let url = parsed.expect_positionals(1, "URL")?[0].clone();
    let duration = parsed
        .value(&["--duration"])
        .map(|v| parse_seconds(v, "--duration"))
        .transpose()?;
    let count: Option<u64> = parsed.number(&["--count"])?;
    if count == Some(0) {
        return Err(ToolError::usage("--count must be at least 1"));
    }
    let quiet = parsed.flag(&["-q", "--quiet"]);
    let output = parsed.value(&["-o", "--output"]).unwrap_or("-").to_string();
    net::parse_url(&url)?;

    let out: Box<dyn Write> = if output == "-" {
        Box::new(io::stdout().lock())
    } else {
        let f = File::create(&output).context(format!("cannot create {output}"))?;
        Box::new(BufWriter::new(f))
    };
    let to_stdout = output == "-";

    let mut client = net::connect(&url)?;
    client.play().map_err(|e| net::rtmp_error(e, &url))?;
    let start = Instant::now();
    let deadline = duration.map(|d| start + d);
    client.get_ref().set_read_timeout(Some(POLL))?;
    if !quiet {
        eprintln!("srs-play: playing {url}");
    }

    let mut writer = FlvWriter::new(out, true, true, to_stdout).context(&output)?;
    let mut status = Status::new("received", Duration::from_secs(5), start);
    let mut media = 0u64;
    let reason = loop {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break "duration reached";
        }
        let msg = match client.read_media() {
            Ok(Some(m)) => m,
            Ok(None) => break "server closed the connection",
            Err(e) if net::is_timeout(&e) => continue,
            Err(e) => return Err(net::rtmp_error(e, &url)),
        };
        match writer.write_tag(&msg) {
            Ok(()) => {}
            // The reader of our stdout went away (e.g. ffplay closed): a normal end.
            Err(e) if to_stdout && e.kind() == io::ErrorKind::BrokenPipe => break "output closed",
            Err(e) => return Err(ToolError::from(e).context(&output)),
        }
        if !msg.is_script() {
            media += 1;
        }
        let line = status.record(msg.size(), u64::from(msg.timestamp), Instant::now());
        if let (Some(line), false) = (line, quiet) {
            eprintln!("srs-play: {line}");
        }
        if count.is_some_and(|n| media >= n) {
            break "count reached";
        }
    };
    if let Err(e) = writer.flush() {
        if !(to_stdout && e.kind() == io::ErrorKind::BrokenPipe) {
            return Err(ToolError::from(e).context(&output));
        }
    }
    if !quiet {
        eprintln!(
            "srs-play: stopped ({reason}): {}",
            status.summary(Instant::now())
        );
    }
    Ok(())
}
