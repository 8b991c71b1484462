//! A tiny command-line parser: positionals, `--flag`, `--opt VALUE` / `--opt=VALUE`.
//!
//! `-h` / `--help` always parse as the help flag; `--` ends the options; a lone `-`
//! is a positional (or an option value, e.g. `-o -` for stdout).

use crate::error::{ToolError, ToolResult};

/// Which options a tool accepts. Names include their dashes (`"-o"`, `"--duration"`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Spec<'a> {
    /// Options that take a value.
    pub values: &'a [&'a str],
    /// Options without a value.
    pub flags: &'a [&'a str],
}

/// A parsed command line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    /// Arguments that are not options, in order.
    pub positionals: Vec<String>,
    /// Options with values, in order (`name`, `value`).
    pub values: Vec<(String, String)>,
    /// Flags seen, in order.
    pub flags: Vec<String>,
    /// `-h` or `--help` was given.
    pub help: bool,
}

/// Parses `args` (without the program name) against `spec`.
pub fn parse<I, S>(args: I, spec: &Spec<'_>) -> ToolResult<Parsed>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let mut out = Parsed::default();
    let mut it = args.into_iter().map(Into::into);
    let mut options_done = false;
    while let Some(arg) = it.next() {
        if options_done || arg == "-" || !arg.starts_with('-') {
            out.positionals.push(arg);
            continue;
        }
        if arg == "--" {
            options_done = true;
            continue;
        }
        if arg == "-h" || arg == "--help" {
            out.help = true;
            continue;
        }
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        if spec.values.contains(&name.as_str()) {
            let value = match inline {
                Some(v) => v,
                None => it
                    .next()
                    .ok_or_else(|| ToolError::usage(format!("option {name} needs a value")))?,
            };
            out.values.push((name, value));
        } else if spec.flags.contains(&name.as_str()) {
            if inline.is_some() {
                return Err(ToolError::usage(format!("option {name} takes no value")));
            }
            out.flags.push(name);
        } else {
            return Err(ToolError::usage(format!("unknown option {arg}")));
        }
    }
    Ok(out)
}

impl Parsed {
    /// The last value of any of `names` (aliases such as `-o` and `--output`).
    pub fn value(&self, names: &[&str]) -> Option<&str> {
        self.values
            .iter()
            .rev()
            .find(|(n, _)| names.contains(&n.as_str()))
            .map(|(_, v)| v.as_str())
    }

    /// True if any of `names` was given as a flag.
    pub fn flag(&self, names: &[&str]) -> bool {
        self.flags.iter().any(|f| names.contains(&f.as_str()))
    }

    /// The value of `names` parsed as a number (`u64`, `f64`, ...), if given.
    pub fn number<T: std::str::FromStr>(&self, names: &[&str]) -> ToolResult<Option<T>> {
        match self.value(names) {
            None => Ok(None),
            Some(v) => v.parse::<T>().map(Some).map_err(|_| {
                ToolError::usage(format!("option {} expects a number, got {v:?}", names[0]))
            }),
        }
    }

    /// Checks the number of positionals and returns them; `what` names them for the error.
    pub fn expect_positionals(&self, n: usize, what: &str) -> ToolResult<&[String]> {
        if self.positionals.len() < n {
            return Err(ToolError::usage(format!(
                "missing argument: expected {what}"
            )));
        }
        if self.positionals.len() > n {
            return Err(ToolError::usage(format!(
                "unexpected argument {:?}",
                self.positionals[n]
            )));
        }
        Ok(&self.positionals)
    }
}

/// Parses a duration in seconds (`10`, `2.5`); must be positive and finite.
pub fn parse_seconds(text: &str, option: &str) -> ToolResult<std::time::Duration> {
    match text.parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 && s < 1e9 => Ok(std::time::Duration::from_secs_f64(s)),
        _ => Err(ToolError::usage(format!(
            "option {option} expects a positive number of seconds, got {text:?}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: Spec<'static> = Spec {
        values: &["-o", "--output", "--duration"],
        flags: &["--loop", "-q"],
    };

    #[test]
    fn positionals_values_flags() {
        let p = parse(
            ["rtmp://h/a/s", "-o", "-", "--duration=2.5", "--loop", "x"],
            &SPEC,
        )
        .unwrap();
        assert_eq!(p.positionals, ["rtmp://h/a/s", "x"]);
        assert_eq!(p.value(&["-o", "--output"]), Some("-"));
        assert_eq!(p.number::<f64>(&["--duration"]).unwrap(), Some(2.5));
        assert!(p.flag(&["--loop"]));
        assert!(!p.flag(&["-q"]));
        assert!(!p.help);
    }

    #[test]
    fn help_and_double_dash() {
        let p = parse(["--help"], &SPEC).unwrap();
        assert!(p.help);
        let p = parse(["--", "-o"], &SPEC).unwrap();
        assert_eq!(p.positionals, ["-o"]);
    }

    #[test]
    fn errors_are_usage_errors() {
        let e = parse(["--nope"], &SPEC).unwrap_err();
        assert!(e.usage && e.message.contains("--nope"));
        let e = parse(["-o"], &SPEC).unwrap_err();
        assert!(e.usage && e.message.contains("needs a value"));
        let e = parse(["--loop=1"], &SPEC).unwrap_err();
        assert!(e.usage);
        let p = parse(["--duration", "abc"], &SPEC).unwrap();
        assert!(p.number::<f64>(&["--duration"]).unwrap_err().usage);
        let p = parse(["a", "b"], &SPEC).unwrap();
        assert!(p.expect_positionals(1, "URL").is_err());
        assert!(p.expect_positionals(3, "URL").is_err());
        assert_eq!(p.expect_positionals(2, "URL").unwrap().len(), 2);
    }

    #[test]
    fn seconds() {
        assert_eq!(
            parse_seconds("1.5", "--d").unwrap(),
            std::time::Duration::from_millis(1500)
        );
        for bad in ["0", "-1", "x", "inf", "NaN"] {
            assert!(parse_seconds(bad, "--d").is_err(), "{bad}");
        }
    }
}
