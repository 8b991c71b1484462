//! `srs`: the live-streaming server binary. Parses arguments, loads the
//! config, sets up logging and the process, and runs the server.

use std::error::Error;
use std::path::PathBuf;
use std::process::ExitCode;

use srs_app::config::Config;
use srs_app::process::{daemonize, PidFile};
use srs_app::{logging, Server};

const USAGE: &str = "\
Usage: srs [-h|-?] [-v|-V] [-t] -c <file>
  -h, -?, --help      show this help and exit
  -v, -V, --version   show the version and exit
  -t                  test the config file and exit
  -c <file>           use the config file (also -c<file>; flags combine: -tc <file>)
With no arguments, srs shows this help (as SRS does).
Signals: SIGHUP reloads the config, SIGUSR1 reopens the log file (logrotate),
SIGTERM, SIGINT and SIGUSR2 stop the server cleanly.";

#[derive(Debug, PartialEq, Eq)]
struct Args {
    config: PathBuf,
    test_only: bool,
}

#[derive(Debug, PartialEq, Eq)]
enum Parsed {
    Run(Args),
    Help,
    Version,
    Error(String),
}

/// SRS's command line: flags may be combined (`-tc FILE`) and `-c` may be
/// glued to its file (`-cFILE`).
fn parse_args(argv: &[String]) -> Parsed {
    if argv.is_empty() {
        return Parsed::Help;
    }
    let mut config = None;
    let mut test_only = false;
    let mut it = argv.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--help" => return Parsed::Help,
            "--version" => return Parsed::Version,
            _ => {}
        }
        let Some(flags) = a
            .strip_prefix('-')
            .filter(|f| !f.is_empty() && !f.starts_with('-'))
        else {
            return Parsed::Error(format!("unknown argument {a:?}"));
        };
        for (i, flag) in flags.char_indices() {
            match flag {
                'h' | '?' => return Parsed::Help,
                'v' | 'V' => return Parsed::Version,
                't' => test_only = true,
                'c' => {
                    let glued = &flags[i + 1..];
                    let file = if glued.is_empty() {
                        match it.next() {
                            Some(f) => f.clone(),
                            None => return Parsed::Error("-c needs a file".into()),
                        }
                    } else {
                        glued.to_string()
                    };
                    config = Some(PathBuf::from(file));
                    break;
                }
                other => return Parsed::Error(format!("unknown flag -{other}")),
            }
        }
    }
    match config {
        Some(config) => Parsed::Run(Args { config, test_only }),
        None => Parsed::Error("no config file: give -c <file>".into()),
    }
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
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse_args(&argv) {
        Parsed::Run(a) => a,
        Parsed::Help => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Parsed::Version => {
            println!("{}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Parsed::Error(e) => {
            eprintln!("srs: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Parsed {
        parse_args(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    fn run(config: &str, test_only: bool) -> Parsed {
        Parsed::Run(Args {
            config: PathBuf::from(config),
            test_only,
        })
    }

    #[test]
    fn srs_command_lines() {
        assert_eq!(parse(&[]), Parsed::Help);
        for h in ["-h", "-?", "--help"] {
            assert_eq!(parse(&[h]), Parsed::Help, "{h}");
        }
        for v in ["-v", "-V", "--version"] {
            assert_eq!(parse(&[v]), Parsed::Version, "{v}");
        }
        assert_eq!(parse(&["-c", "a.conf"]), run("a.conf", false));
        assert_eq!(parse(&["-ca.conf"]), run("a.conf", false));
        assert_eq!(parse(&["-t", "-c", "a.conf"]), run("a.conf", true));
        assert_eq!(parse(&["-tc", "a.conf"]), run("a.conf", true));
        assert_eq!(parse(&["-tca.conf"]), run("a.conf", true));
        assert!(matches!(parse(&["-c"]), Parsed::Error(_)));
        assert!(matches!(parse(&["-t"]), Parsed::Error(_)));
        assert!(matches!(parse(&["-x"]), Parsed::Error(_)));
        assert!(matches!(parse(&["--bogus"]), Parsed::Error(_)));
        assert!(matches!(parse(&["a.conf"]), Parsed::Error(_)));
    }
}
