//! srs-ingest-rtmp: play one RTMP stream and publish it to another (relay).

use std::process::ExitCode;
use std::time::{Duration, Instant};

use srs_tools::args::{self, parse_seconds, Spec};
use srs_tools::error::{run_main, ToolError, ToolResult};
use srs_tools::net;
use srs_tools::pacing::Status;

const USAGE: &str = "\
Relay an RTMP stream: play IN_URL and publish every message to OUT_URL.

Usage: srs-ingest-rtmp IN_URL OUT_URL [--duration SECS] [-q]

  IN_URL           rtmp://host[:port]/app/stream to play
  OUT_URL          rtmp://host[:port]/app/stream to publish
  --duration SECS  stop (successfully) after SECS seconds
  -q, --quiet      no status lines on stderr
  -h, --help       show this help

Exits non-zero when either side fails, including when the input server
closes the connection.
Example: srs-ingest-rtmp rtmp://origin/live/cam rtmp://127.0.0.1/live/cam";

const SPEC: Spec<'static> = Spec {
    values: &["--duration"],
    flags: &["-q", "--quiet"],
};

/// How often the read loop wakes up to check --duration.
const POLL: Duration = Duration::from_millis(200);

fn main() -> ExitCode {
    run_main("srs-ingest-rtmp", run)
}

fn run() -> ToolResult<()> {
    let parsed = args::parse(std::env::args().skip(1), &SPEC)?;
    if parsed.help {
        println!("{USAGE}");
        return Ok(());
    }
    let pos = parsed.expect_positionals(2, "IN_URL and OUT_URL")?;
    let (in_url, out_url) = (pos[0].clone(), pos[1].clone());
    let duration = parsed
        .value(&["--duration"])
        .map(|v| parse_seconds(v, "--duration"))
        .transpose()?;
    let quiet = parsed.flag(&["-q", "--quiet"]);
    net::parse_url(&in_url)?;
    net::parse_url(&out_url)?;

    let mut input = net::connect(&in_url)?;
    input.play().map_err(|e| net::rtmp_error(e, &in_url))?;
    let mut output = net::connect(&out_url)?;
    output.publish().map_err(|e| net::rtmp_error(e, &out_url))?;
    input.get_ref().set_read_timeout(Some(POLL))?;
    if !quiet {
        eprintln!("srs-ingest-rtmp: relaying {in_url} -> {out_url}");
    }

    let start = Instant::now();
    let deadline = duration.map(|d| start + d);
    let mut status = Status::new("relayed", Duration::from_secs(5), start);
    loop {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        let msg = match input.read_media() {
            Ok(Some(m)) => m,
            Ok(None) => {
                return Err(ToolError::new(format!(
                    "{in_url}: the server closed the connection after {}",
                    status.summary(Instant::now())
                )))
            }
            Err(e) if net::is_timeout(&e) => continue,
            Err(e) => return Err(net::rtmp_error(e, &in_url)),
        };
        output
            .write_media(&msg)
            .map_err(|e| net::rtmp_error(e, &out_url))?;
        if let Some(line) = status.record(msg.size(), u64::from(msg.timestamp), Instant::now()) {
            if !quiet {
                eprintln!("srs-ingest-rtmp: {line}");
            }
        }
    }
    output
        .unpublish()
        .map_err(|e| net::rtmp_error(e, &out_url))?;
    if !quiet {
        eprintln!("srs-ingest-rtmp: done: {}", status.summary(Instant::now()));
    }
    Ok(())
}
