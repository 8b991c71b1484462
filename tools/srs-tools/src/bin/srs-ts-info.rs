//! srs-ts-info: what an MPEG-TS file (an HLS segment) holds.

use std::process::ExitCode;

use srs_tools::args::{self, Spec};
use srs_tools::error::{run_main, Context, ToolError, ToolResult};
use srs_tools::ts_info::{inspect, stream_type_name};

const USAGE: &str = "\
Show what an MPEG-TS file holds: programs, streams, PES starts with PTS/DTS,
PCRs, continuity errors.

Usage: srs-ts-info FILE.ts [-v]

  -v, --verbose   one line per table, PES start, PCR and error
  -h, --help      show this help

Exit status 1 when the file has continuity errors or bad packets.";

const SPEC: Spec<'static> = Spec {
    values: &[],
    flags: &["-v", "--verbose"],
};

fn main() -> ExitCode {
    run_main("srs-ts-info", run)
}

fn run() -> ToolResult<()> {
    let parsed = args::parse(std::env::args().skip(1), &SPEC)?;
    if parsed.help {
        println!("{USAGE}");
        return Ok(());
    }
    let path = parsed.expect_positionals(1, "FILE")?[0].clone();
    let data = std::fs::read(&path).context(&path)?;
    let r = inspect(&data);
    if parsed.flag(&["-v", "--verbose"]) {
        for l in &r.lines {
            println!("{l}");
        }
    }
    println!("file {path}: {} packets", r.packets);
    for (program, pid) in &r.programs {
        println!("program {program}: PMT pid 0x{pid:x}");
    }
    for (t, pid) in &r.streams {
        let pes = r.pes.get(pid).copied().unwrap_or(0);
        println!(
            "stream pid 0x{pid:x}: type 0x{t:02x} {}, {pes} PES",
            stream_type_name(*t)
        );
    }
    println!("pcr {}", r.pcrs);
    println!("continuity errors {}", r.continuity_errors);
    println!("bad packets {}", r.bad_packets);
    if r.continuity_errors > 0 || r.bad_packets > 0 {
        return Err(ToolError::new("the file has errors"));
    }
    Ok(())
}
