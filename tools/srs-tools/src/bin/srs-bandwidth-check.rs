//! srs-bandwidth-check: measure the bandwidth to an SRS server with its
//! RTMP bandwidth test (a vhost with `bandcheck` enabled).

use std::process::ExitCode;

use srs_tools::args::{self, parse_seconds, Spec};
use srs_tools::bandwidth::{check, failure_json, CheckOptions};
use srs_tools::error::{run_main, ToolResult};

const USAGE: &str = "\
Measure the bandwidth between this host and an SRS server (RTMP bandwidth test).

Usage: srs-bandwidth-check URL [--json] [--timeout SECS] [-q]

  URL             rtmp://host[:port]/app?key=KEY&vhost=VHOST, where VHOST has
                  `bandcheck { enabled on; key KEY; }` (`,` also separates
                  the parameters, as in SRS's examples)
  --json          print one line of SRS-like JSON on stdout instead of text
                  (on failure: {\"code\":1, \"msg\":...})
  --timeout SECS  give up if the server has not started the test after SECS
                  seconds (default 5)
  -q, --quiet     no progress lines on stderr
  -h, --help      show this help

The server sends filler for a few seconds (play: the download speed), then
this tool sends filler (publish: the upload speed), both capped at the vhost's
limit_kbps; the figures printed are the server's report:
  play:     kbps, bytes and milliseconds the server sent
  publish:  kbps, bytes and milliseconds the server received
Example:
  srs-bandwidth-check 'rtmp://127.0.0.1:1935/app?key=35c9b402c12a7246868752e2878f7e0e&vhost=bandcheck.srs.com'";

const SPEC: Spec<'static> = Spec {
    values: &["--timeout"],
    flags: &["--json", "-q", "--quiet"],
};

fn main() -> ExitCode {
    run_main("srs-bandwidth-check", run)
}

fn run() -> ToolResult<()> {
    let parsed = args::parse(std::env::args().skip(1), &SPEC)?;
    if parsed.help {
        println!("{USAGE}");
        return Ok(());
    }
    let url = parsed.expect_positionals(1, "URL")?[0].clone();
    let json = parsed.flag(&["--json"]);
    let quiet = parsed.flag(&["-q", "--quiet"]);
    let mut options = CheckOptions::default();
    if let Some(v) = parsed.value(&["--timeout"]) {
        options.start_timeout = parse_seconds(v, "--timeout")?;
    }
    srs_tools::bandwidth::parse_url(&url)?;
    if !quiet {
        eprintln!("srs-bandwidth-check: checking {url}");
    }
    let outcome = check(&url, &options, |line| {
        if !quiet {
            eprintln!("srs-bandwidth-check: {line}");
        }
    });
    match outcome {
        Ok(o) if json => println!("{}", o.to_json()),
        Ok(o) => println!("{}", o.to_text()),
        Err(e) => {
            if json {
                println!("{}", failure_json(&e.message));
            }
            return Err(e);
        }
    }
    Ok(())
}
