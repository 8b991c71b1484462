//! `srs-bench`: an RTMP load tester (players and publishers on one mio event loop),
//! after SRS's srs-bench / st_load. See `srs-bench --help`.

mod args;
mod conn;
mod driver;
mod procstat;
mod report;
mod stats;

use std::io::Write;
use std::process::ExitCode;

use args::Parsed;
use driver::Driver;
use report::Summary;

/// Pins this process to one CPU.
fn pin_to_cpu(cpu: usize) -> Result<(), String> {
    if cpu >= libc::CPU_SETSIZE as usize {
        return Err(format!("--cpu {cpu}: out of range"));
    }
    // SAFETY: cpu_set_t is plain data, valid when zeroed; CPU_SET is given an index below
    // CPU_SETSIZE (checked above); sched_setaffinity reads `size_of::<cpu_set_t>()` bytes
    // from a valid reference and pid 0 means this thread (the only one).
    let rc = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set)
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(format!("--cpu {cpu}: {}", std::io::Error::last_os_error()))
    }
}

/// Raises the open-file soft limit to the hard limit (one socket per connection).
fn raise_fd_limit() {
    // SAFETY: rlimit is plain data; getrlimit / setrlimit read and write a valid reference.
    unsafe {
        let mut lim: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}

fn main() -> ExitCode {
    let args = match args::parse(std::env::args().skip(1)) {
        Ok(Parsed::Run(a)) => a,
        Ok(Parsed::Help) => {
            print!("{}", args::USAGE);
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("srs-bench: {e}\n\n{}", args::USAGE);
            return ExitCode::from(2);
        }
    };
    if let Some(cpu) = args.cpu {
        if let Err(e) = pin_to_cpu(cpu) {
            eprintln!("srs-bench: {e}");
            return ExitCode::from(2);
        }
    }
    raise_fd_limit();
    let driver = match Driver::new(args.clone()) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("srs-bench: {e}");
            return ExitCode::from(2);
        }
    };
    let json = args.json;
    let outcome = driver.run(|t| {
        let line = report::tick_line(t);
        if json {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    });
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => {
            eprintln!("srs-bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    let summary = Summary::new(&args, outcome);
    let mut out = std::io::stdout().lock();
    let _ = if json {
        writeln!(out, "{}", summary.json())
    } else {
        write!(out, "{}", summary.text())
    };
    let _ = out.flush();
    if args.strict && summary.any_failed() {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
