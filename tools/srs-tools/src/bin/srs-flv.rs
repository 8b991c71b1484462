//! srs-flv: dump the tags of an FLV file, or inject a keyframe index for seeking.

use std::io::Write;
use std::process::ExitCode;

use srs_tools::args::{self, Spec};
use srs_tools::dump::dump;
use srs_tools::error::{run_main, Context, ToolError, ToolResult};
use srs_tools::flv_file::index_tags;
use srs_tools::inject::inject;

const USAGE: &str = "\
Inspect or fix FLV files.

Usage: srs-flv dump FILE
       srs-flv inject FILE OUT

  dump FILE        print one line per tag: index, offset, type, size, timestamp,
                   keyframe flag, codec; decoded AVC/AAC sequence headers
                   (profile, level, size; object type, rate, channels) and
                   script data names and properties
  inject FILE OUT  write OUT with an onMetaData tag first holding the original
                   metadata plus duration, filesize, hasKeyframes and
                   keyframes { filepositions, times } so players can seek
  -h, --help       show this help";

const SPEC: Spec<'static> = Spec {
    values: &[],
    flags: &[],
};

fn main() -> ExitCode {
    run_main("srs-flv", run)
}

fn read(path: &str) -> ToolResult<Vec<u8>> {
    std::fs::read(path).context(format!("cannot read {path}"))
}

fn run() -> ToolResult<()> {
    let parsed = args::parse(std::env::args().skip(1), &SPEC)?;
    if parsed.help {
        println!("{USAGE}");
        return Ok(());
    }
    match parsed.positionals.first().map(String::as_str) {
        Some("dump") => {
            let path = &parsed.expect_positionals(2, "dump FILE")?[1];
            let data = read(path)?;
            let index = index_tags(&data).context(path)?;
            let mut stdout = std::io::stdout().lock();
            match stdout.write_all(dump(&index).as_bytes()) {
                // `srs-flv dump x | head` closes the pipe early: not a failure.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.context("stdout"),
            }
        }
        Some("inject") => {
            let pos = parsed.expect_positionals(3, "inject FILE OUT")?;
            let (path, out) = (&pos[1], &pos[2]);
            let data = read(path)?;
            let (bytes, report) = inject(&data).context(path)?;
            std::fs::write(out, &bytes).context(format!("cannot write {out}"))?;
            eprintln!(
                "srs-flv: wrote {out}: {} bytes, duration {:.3}s, {} keyframes{}",
                report.filesize,
                report.duration,
                report.keyframes,
                if report.had_metadata {
                    ", original metadata kept"
                } else {
                    ""
                }
            );
            Ok(())
        }
        Some(other) => Err(ToolError::usage(format!(
            "unknown command {other:?}, expected dump or inject"
        ))),
        None => Err(ToolError::usage("missing command, expected dump or inject")),
    }
}
