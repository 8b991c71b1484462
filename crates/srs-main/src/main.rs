//! `srs`: the live-streaming server binary. Parses arguments, loads the
//! config, sets up logging and the process, and runs the server.

use std::error::Error;
use std::path::PathBuf;
use std::process::ExitCode;

use srs_app::config::Config;
use srs_app::process::{daemonize, PidFile};
use srs_app::{logging, Server};

const USAGE: &str = "\
Usage: srs [-h] [-v] [-t] [-c <file>]
  -h, --help       show this help and exit
  -v, -V, --version  show the version and exit
  -t               test the config file and exit
  -c <file>        use the config file (default conf/srs.conf)";

struct Args {
    config: PathBuf,
    test_only: bool,
}

enum Parsed {
    Run(Args),
    Exit(ExitCode),
}

fn parse_args() -> Parsed {
    let mut args = Args {
        config: PathBuf::from("conf/srs.conf"),
        test_only: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return Parsed::Exit(ExitCode::SUCCESS);
            }
            "-v" | "-V" | "--version" => {
                println!("{}", env!("CARGO_PKG_VERSION"));
                return Parsed::Exit(ExitCode::SUCCESS);
            }
            "-t" => args.test_only = true,
            "-c" => match it.next() {
                Some(f) => args.config = PathBuf::from(f),
                None => {
                    eprintln!("srs: -c needs a file\n{USAGE}");
                    return Parsed::Exit(ExitCode::from(2));
                }
            },
            other => {
                eprintln!("srs: unknown argument {other:?}\n{USAGE}");
                return Parsed::Exit(ExitCode::from(2));
            }
        }
    }
    Parsed::Run(args)
}

/// Prints an error with its whole `source()` chain.
fn report(context: &str, e: &dyn Error) {
    let mut line = format!("srs: {context}{e}");
    let mut source = e.source();
    while let Some(s) = source {
        line.push_str(&format!(": {s}"));
        source = s.source();
    }
    eprintln!("{line}");
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Parsed::Run(a) => a,
        Parsed::Exit(code) => return code,
    };
    let config = match Config::load(&args.config) {
        Ok(c) => c,
        Err(e) => {
            report("", &e);
            if args.test_only {
                eprintln!(
                    "srs: configuration file {} test failed",
                    args.config.display()
                );
            }
            return ExitCode::FAILURE;
        }
    };
    if args.test_only {
        for w in &config.warnings {
            eprintln!("srs: warning: {w}");
        }
        println!(
            "srs: the configuration file {} syntax is ok",
            args.config.display()
        );
        println!(
            "srs: configuration file {} test is successful",
            args.config.display()
        );
        return ExitCode::SUCCESS;
    }
    if config.daemon {
        if let Err(e) = daemonize() {
            report("", &e);
            return ExitCode::FAILURE;
        }
    }
    if let Err(e) = logging::apply(&config) {
        report(&format!("log file {}: ", config.log_file.display()), &e);
        return ExitCode::FAILURE;
    }
    for w in &config.warnings {
        log::warn!("{w}");
    }
    log::info!(
        "srs {} starting with {}",
        env!("CARGO_PKG_VERSION"),
        args.config.display()
    );
    let _pid = match PidFile::acquire(&config.pid) {
        Ok(p) => p,
        Err(e) => {
            log::error!("{e}");
            report("", &e);
            return ExitCode::FAILURE;
        }
    };
    let mut server = match Server::bind(config, true) {
        Ok(s) => s,
        Err(e) => {
            log::error!("{e}");
            report("", &e);
            return ExitCode::FAILURE;
        }
    };
    match server.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log::error!("{e}");
            report("", &e);
            ExitCode::FAILURE
        }
    }
}
