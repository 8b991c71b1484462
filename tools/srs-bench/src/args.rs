//! Command line of `srs-bench`.

use std::path::PathBuf;
use std::time::Duration;

/// Usage text printed by `--help` and on argument errors.
pub const USAGE: &str = "\
usage: srs-bench --url rtmp://HOST:PORT/APP/STREAM --players N [options]

Load-tests an RTMP server: N players (and optionally M publishers) on one event loop.

options:
  --url URL           rtmp://host:port/app/stream (required)
  --players N         players to start (default 0)
  --publish FILE.flv  publish this FLV in real time (looping, continuous timestamps)
  --publishers M      publishers of FILE.flv (default 1 with --publish)
  --streams K         streams: STREAM, STREAM_1 .. STREAM_{K-1}; players spread round robin,
                      publisher i publishes stream i (default: max(1, M))
  --ramp PER_SEC      start at most PER_SEC new connections per second (default 500)
  --duration SECS     run time in seconds, ramp included (default 30)
  --timeout SECS      a connection not playing / publishing after SECS fails (default 10)
  --server-pid PID    sample the server's CPU and RSS from /proc/PID
  --json              print the summary as one JSON object on stdout (progress on stderr)
  --cpu CORE          pin this process to CPU CORE
  --strict            exit non-zero if any player or publisher failed
  -h, --help          this text
";

/// Parsed command line.
#[derive(Debug, Clone, PartialEq)]
pub struct Args {
    /// The base URL (its stream part names stream 0).
    pub url: String,
    /// Players to start.
    pub players: usize,
    /// FLV file to publish.
    pub publish: Option<PathBuf>,
    /// Publishers of that file.
    pub publishers: usize,
    /// Number of streams.
    pub streams: usize,
    /// New connections per second.
    pub ramp: u32,
    /// Total run time.
    pub duration: Duration,
    /// Time a connection may take to reach playing / publishing.
    pub timeout: Duration,
    /// Server process to sample.
    pub server_pid: Option<u32>,
    /// JSON summary on stdout.
    pub json: bool,
    /// CPU to pin to.
    pub cpu: Option<usize>,
    /// Exit non-zero on any failure.
    pub strict: bool,
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Parsed {
    /// Run the bench.
    Run(Args),
    /// Print the usage and exit 0.
    Help,
}

fn num<T: std::str::FromStr>(flag: &str, v: &str) -> Result<T, String> {
    v.parse()
        .map_err(|_| format!("{flag}: {v:?} is not a valid number"))
}

/// Parses the arguments after the program name.
pub fn parse<I: IntoIterator<Item = String>>(argv: I) -> Result<Parsed, String> {
    let mut url = None;
    let mut players = 0usize;
    let mut publish = None;
    let mut publishers = None;
    let mut streams = None;
    let mut ramp = 500u32;
    let mut duration = 30.0f64;
    let mut timeout = 10.0f64;
    let mut server_pid = None;
    let mut json = false;
    let mut cpu = None;
    let mut strict = false;
    let mut it = argv.into_iter();
    while let Some(flag) = it.next() {
        // Accept both `--flag value` and `--flag=value`.
        let (flag, inline) = match flag.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (flag, None),
        };
        let mut value = || -> Result<String, String> {
            match inline.clone() {
                Some(v) => Ok(v),
                None => it.next().ok_or_else(|| format!("{flag} needs a value")),
            }
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Parsed::Help),
            "--url" => url = Some(value()?),
            "--players" => players = num(&flag, &value()?)?,
            "--publish" => publish = Some(PathBuf::from(value()?)),
            "--publishers" => publishers = Some(num(&flag, &value()?)?),
            "--streams" => streams = Some(num(&flag, &value()?)?),
            "--ramp" => ramp = num(&flag, &value()?)?,
            "--duration" => duration = num(&flag, &value()?)?,
            "--timeout" => timeout = num(&flag, &value()?)?,
            "--server-pid" => server_pid = Some(num(&flag, &value()?)?),
            "--cpu" => cpu = Some(num(&flag, &value()?)?),
            "--json" => json = true,
            "--strict" => strict = true,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let url = url.ok_or("--url is required")?;
    if !url.starts_with("rtmp://") {
        return Err(format!("--url {url:?} is not an rtmp:// URL"));
    }
    let publishers = match (&publish, publishers) {
        (None, Some(m)) if m > 0 => return Err("--publishers needs --publish FILE".into()),
        (None, _) => 0,
        (Some(_), m) => m.unwrap_or(1),
    };
    let streams = streams.unwrap_or(publishers.max(1));
    if streams == 0 {
        return Err("--streams must be at least 1".into());
    }
    if publishers > streams {
        return Err(format!(
            "--publishers {publishers} > --streams {streams}: one publisher per stream"
        ));
    }
    if ramp == 0 {
        return Err("--ramp must be at least 1".into());
    }
    if !(duration > 0.0 && duration.is_finite()) {
        return Err("--duration must be positive".into());
    }
    if !(timeout > 0.0 && timeout.is_finite()) {
        return Err("--timeout must be positive".into());
    }
    if players == 0 && publishers == 0 {
        return Err("nothing to do: give --players N and/or --publish FILE".into());
    }
    Ok(Parsed::Run(Args {
        url,
        players,
        publish,
        publishers,
        streams,
        ramp,
        duration: Duration::from_secs_f64(duration),
        timeout: Duration::from_secs_f64(timeout),
        server_pid,
        json,
        cpu,
        strict,
    }))
}

/// The name of stream `i` given the base stream `name` (`name`, `name_1`, `name_2`...).
/// A query string (`name?vhost=x`) stays at the end.
pub fn stream_name(base: &str, i: usize) -> String {
    if i == 0 {
        return base.to_string();
    }
    match base.split_once('?') {
        Some((name, query)) => format!("{name}_{i}?{query}"),
        None => format!("{base}_{i}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(a: &[&str]) -> Result<Args, String> {
        match parse(a.iter().map(|s| s.to_string()))? {
            Parsed::Run(a) => Ok(a),
            Parsed::Help => Err("help".into()),
        }
    }

    #[test]
    fn defaults_and_values() {
        let a = run(&["--url", "rtmp://h/live/s", "--players", "10"]).unwrap();
        assert_eq!(a.players, 10);
        assert_eq!(a.publishers, 0);
        assert_eq!(a.streams, 1);
        assert_eq!(a.ramp, 500);
        assert_eq!(a.duration, Duration::from_secs(30));
        let a = run(&[
            "--url=rtmp://h/live/s",
            "--players=4",
            "--publish",
            "x.flv",
            "--publishers",
            "2",
            "--json",
            "--cpu",
            "1",
        ])
        .unwrap();
        assert_eq!(a.publishers, 2);
        assert_eq!(a.streams, 2);
        assert!(a.json);
        assert_eq!(a.cpu, Some(1));
    }

    #[test]
    fn errors() {
        assert!(run(&["--players", "1"]).is_err());
        assert!(run(&["--url", "http://x/a/b", "--players", "1"]).is_err());
        assert!(run(&["--url", "rtmp://x/a/b", "--players", "x"]).is_err());
        assert!(run(&["--url", "rtmp://x/a/b", "--publishers", "2"]).is_err());
        assert!(run(&[
            "--url",
            "rtmp://x/a/b",
            "--publish",
            "f",
            "--publishers",
            "3",
            "--streams",
            "2"
        ])
        .is_err());
        assert!(run(&["--url", "rtmp://x/a/b"]).is_err());
        assert!(run(&["--url", "rtmp://x/a/b", "--bogus"]).is_err());
        assert!(matches!(
            parse(["--help".to_string()]).unwrap(),
            Parsed::Help
        ));
    }

    #[test]
    fn stream_names() {
        assert_eq!(stream_name("live", 0), "live");
        assert_eq!(stream_name("live", 2), "live_2");
        assert_eq!(stream_name("live?vhost=a", 1), "live_1?vhost=a");
    }
}
