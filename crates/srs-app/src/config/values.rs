//! Reading directive values: the typed readers every part of the model
//! uses (one value, flags, choices, numbers, paths, addresses, URLs), each
//! error naming the file, line and directive.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use super::error::{ConfigError, ConfigWarning};
use super::model::ListenAddr;
use super::parser::Directive;

pub(super) fn any_port(port: u16) -> ListenAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port)
}

// ------------------------------------------------------------------------------------------------
// Building the model from a checked tree.

pub(super) type Result<T> = std::result::Result<T, ConfigError>;

/// Reads directives of one block; collects duplicate warnings.
pub(super) struct Reader<'w> {
    pub(super) warnings: &'w mut Vec<ConfigWarning>,
}

impl Reader<'_> {
    /// The first directive `name` of `block` (SRS uses the first); later ones are warned about.
    pub(super) fn first<'d>(
        &mut self,
        block: &'d [Directive],
        name: &str,
    ) -> Option<&'d Directive> {
        let mut found = block.iter().filter(|d| d.name == name);
        let first = found.next()?;
        for dup in found {
            self.warnings.push(dup.warning(format!(
                "duplicate directive ignored, the one of line {} is used",
                first.line
            )));
        }
        Some(first)
    }

    /// The first of two alias blocks (`a` wins over `b`).
    pub(super) fn first_of<'d>(
        &mut self,
        block: &'d [Directive],
        a: &str,
        b: &str,
    ) -> Option<&'d Directive> {
        let da = self.first(block, a);
        let db = self.first(block, b);
        match (da, db) {
            (Some(x), Some(y)) => {
                self.warnings.push(y.warning(format!(
                    "ignored, \"{}\" of line {} is used (they are the same block)",
                    x.name, x.line
                )));
                Some(x)
            }
            (x, y) => x.or(y),
        }
    }
}

/// Every directive `name` of `block`.
pub(super) fn all<'d>(
    block: &'d [Directive],
    name: &'d str,
) -> impl Iterator<Item = &'d Directive> + 'd {
    block.iter().filter(move |d| d.name == name)
}

pub(super) fn opt<T>(
    d: Option<&Directive>,
    f: impl FnOnce(&Directive) -> Result<T>,
) -> Result<Option<T>> {
    d.map(f).transpose()
}

pub(super) fn count_error(d: &Directive, expected: &str) -> ConfigError {
    let n = d.args.len();
    let s = if n == 1 { "" } else { "s" };
    d.error(format!("expected {expected}, found {n} argument{s}"))
}

/// The single argument of a leaf.
pub(super) fn one(d: &Directive) -> Result<&str> {
    match d.args.as_slice() {
        [a] => Ok(a),
        _ => Err(count_error(d, "1 argument")),
    }
}

/// The arguments of a list directive (at least one).
pub(super) fn some(d: &Directive) -> Result<&[String]> {
    if d.args.is_empty() {
        return Err(count_error(d, "at least 1 argument"));
    }
    Ok(&d.args)
}

/// A block taking no arguments.
pub(super) fn no_args(d: &Directive) -> Result<()> {
    match d.args.first() {
        None => Ok(()),
        Some(a) => Err(d.error(format!(
            "expected no arguments before \"{{\", found \"{a}\""
        ))),
    }
}

pub(super) fn invalid(d: &Directive, value: &str, expected: &str) -> ConfigError {
    d.error(format!("invalid value \"{value}\", expected {expected}"))
}

pub(super) fn flag(d: &Directive) -> Result<bool> {
    match one(d)? {
        "on" => Ok(true),
        "off" => Ok(false),
        v => Err(invalid(d, v, "\"on\" or \"off\"")),
    }
}

pub(super) fn choice<T: Copy>(d: &Directive, choices: &[(&str, T)]) -> Result<T> {
    let v = one(d)?;
    if let Some((_, t)) = choices.iter().find(|(name, _)| *name == v) {
        return Ok(*t);
    }
    let list: Vec<String> = choices.iter().map(|(n, _)| format!("\"{n}\"")).collect();
    Err(invalid(d, v, &format!("one of {}", list.join(", "))))
}

/// An integer in `min..=max` (`max` `None`: no upper bound but `u32::MAX`).
pub(super) fn int(d: &Directive, min: u64, max: Option<u64>) -> Result<u64> {
    let v = one(d)?;
    let expected = match max {
        Some(max) => format!("an integer {min}..{max}"),
        None => format!("an integer >= {min}"),
    };
    let upper = max.unwrap_or(u64::from(u32::MAX));
    match v.parse::<u64>() {
        Ok(n) if (min..=upper).contains(&n) => Ok(n),
        _ => Err(invalid(d, v, &expected)),
    }
}

pub(super) fn int_u32(d: &Directive, min: u32, max: Option<u32>) -> Result<u32> {
    let n = int(d, u64::from(min), max.map(u64::from))?;
    u32::try_from(n).map_err(|_| invalid(d, &d.args[0], "a smaller integer"))
}

/// A decimal number of seconds, `> 0` (`positive`) or `>= 0`, at most a year.
pub(super) fn seconds(d: &Directive, positive: bool) -> Result<f64> {
    let v = one(d)?;
    let expected = if positive {
        "a number of seconds > 0"
    } else {
        "a number of seconds >= 0"
    };
    match v.parse::<f64>() {
        Ok(n) if n.is_finite() && n <= 31_536_000.0 && (n > 0.0 || (!positive && n == 0.0)) => {
            Ok(n)
        }
        _ => Err(invalid(d, v, expected)),
    }
}

pub(super) fn path(d: &Directive) -> Result<PathBuf> {
    match one(d)? {
        "" => Err(d.error("expected a path, found an empty string")),
        p => Ok(PathBuf::from(p)),
    }
}

/// `1935` -> `0.0.0.0:1935`; `ip:port` (port 0 with an ip = any free port); bare port 1..65535.
pub(super) fn listen_addr(d: &Directive, v: &str) -> Result<ListenAddr> {
    let expected = "a port 1..65535 or ip:port";
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        return match v.parse::<u16>() {
            Ok(p) if p > 0 => Ok(any_port(p)),
            _ => Err(invalid(d, v, expected)),
        };
    }
    // `ip:0` asks the system for a free port (tests; the bound port is logged).
    v.parse::<SocketAddr>().map_err(|_| invalid(d, v, expected))
}

/// `host[:port]` (port 1..65535 when given; anything after `/` or `?` is not checked).
pub(super) fn host_port(d: &Directive, v: &str) -> Result<String> {
    let expected = "host[:port]";
    let hp = v.split(['/', '?']).next().unwrap_or("");
    let host = match hp.rsplit_once(':') {
        Some((host, port)) => match port.parse::<u16>() {
            Ok(p) if p > 0 => host,
            _ => return Err(invalid(d, v, expected)),
        },
        None => hp,
    };
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(invalid(d, v, expected));
    }
    Ok(v.to_string())
}

pub(super) fn http_url(d: &Directive, v: &str) -> Result<String> {
    if v.len() > "http://".len() && v.starts_with("http://") {
        Ok(v.to_string())
    } else {
        Err(invalid(d, v, "an http:// URL"))
    }
}

pub(super) fn list(
    block: &[Directive],
    name: &str,
    f: impl Fn(&Directive, &str) -> Result<String>,
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for d in all(block, name) {
        for a in some(d)? {
            out.push(f(d, a)?);
        }
    }
    Ok(out)
}

/// Like [`list`], `None` when the directive is absent.
pub(super) fn opt_list(block: &[Directive], name: &str) -> Result<Option<Vec<String>>> {
    if all(block, name).next().is_none() {
        return Ok(None);
    }
    list(block, name, |d, a| {
        if a.is_empty() {
            Err(d.error("expected a domain, found an empty string"))
        } else {
            Ok(a.to_string())
        }
    })
    .map(Some)
}
