//! The typed form of `ingest` blocks and their transcode `engine`, read from
//! the directive tree kept in the vhost model.

use std::path::PathBuf;

use super::error::ConfigError;
use super::parser::Directive;

/// Where an ingest reads from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputType {
    /// A file, read in real time (`-re`) and restarted when it ends.
    File,
    /// A stream URL (RTMP, HTTP...).
    Stream,
}

/// An `engine { }` block: the ffmpeg encoding options.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EngineConfig {
    /// `enabled`: off means copy both streams.
    pub enabled: bool,
    /// `iformat`.
    pub iformat: Option<String>,
    /// `vfilter { key value; }`: options placed before the video codec.
    pub vfilter: Vec<(String, String)>,
    /// `vcodec` (`copy`, `libx264`, `vn`...).
    pub vcodec: Option<String>,
    /// `vbitrate` in kbps.
    pub vbitrate: Option<String>,
    /// `vfps`.
    pub vfps: Option<String>,
    /// `vwidth`.
    pub vwidth: Option<String>,
    /// `vheight`.
    pub vheight: Option<String>,
    /// `vthreads`.
    pub vthreads: Option<String>,
    /// `vprofile`.
    pub vprofile: Option<String>,
    /// `vpreset`.
    pub vpreset: Option<String>,
    /// `vparams { key value; }`.
    pub vparams: Vec<(String, String)>,
    /// `acodec` (`copy`, `libfdk_aac`, `an`...).
    pub acodec: Option<String>,
    /// `abitrate` in kbps.
    pub abitrate: Option<String>,
    /// `asample_rate`.
    pub asample_rate: Option<String>,
    /// `achannels`.
    pub achannels: Option<String>,
    /// `aparams { key value; }`.
    pub aparams: Vec<(String, String)>,
    /// `oformat` (default flv).
    pub oformat: Option<String>,
    /// `output` with `[vhost]`, `[port]`, `[app]`, `[stream]`, `[engine]`.
    pub output: String,
}

/// An `ingest ID { }` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestConfig {
    /// The id (unique in the server; may be empty, as in SRS's demo.conf).
    pub id: String,
    /// `enabled`.
    pub enabled: bool,
    /// `input { type; }`.
    pub input_type: InputType,
    /// `input { url; }`.
    pub url: String,
    /// `ffmpeg`: the program to run.
    pub ffmpeg: PathBuf,
    /// `engine { }`.
    pub engine: EngineConfig,
    /// Line of the block (for messages).
    pub line: usize,
}

fn one(d: &Directive) -> Result<String, ConfigError> {
    match d.args.as_slice() {
        [v] => Ok(v.clone()),
        _ => Err(d.error("expects exactly one value")),
    }
}

fn pairs(d: &Directive) -> Vec<(String, String)> {
    d.children
        .iter()
        .map(|c| (c.name.clone(), c.args.join(" ")))
        .collect()
}

fn flag(d: &Directive) -> Result<bool, ConfigError> {
    match one(d)?.as_str() {
        "on" => Ok(true),
        "off" => Ok(false),
        v => Err(d.error(format!("invalid value {v:?}, expected on or off"))),
    }
}

/// Reads an `engine` block.
pub fn engine(b: &Directive) -> Result<EngineConfig, ConfigError> {
    let mut e = EngineConfig::default();
    for d in &b.children {
        match d.name.as_str() {
            "enabled" => e.enabled = flag(d)?,
            "iformat" => e.iformat = Some(one(d)?),
            "vfilter" => e.vfilter = pairs(d),
            "vcodec" => e.vcodec = Some(one(d)?),
            "vbitrate" => e.vbitrate = Some(one(d)?),
            "vfps" => e.vfps = Some(one(d)?),
            "vwidth" => e.vwidth = Some(one(d)?),
            "vheight" => e.vheight = Some(one(d)?),
            "vthreads" => e.vthreads = Some(one(d)?),
            "vprofile" => e.vprofile = Some(one(d)?),
            "vpreset" => e.vpreset = Some(one(d)?),
            "vparams" => e.vparams = pairs(d),
            "acodec" => e.acodec = Some(one(d)?),
            "abitrate" => e.abitrate = Some(one(d)?),
            "asample_rate" => e.asample_rate = Some(one(d)?),
            "achannels" => e.achannels = Some(one(d)?),
            "aparams" => e.aparams = pairs(d),
            "oformat" => e.oformat = Some(one(d)?),
            "output" => e.output = one(d)?,
            _ => {}
        }
    }
    if e.enabled && e.output.is_empty() {
        return Err(b.error("an enabled engine needs an \"output\""));
    }
    Ok(e)
}

/// Reads an `ingest ID { }` block.
pub fn ingest(b: &Directive) -> Result<IngestConfig, ConfigError> {
    // SRS's own demo.conf has an ingest without an id: it is allowed.
    let id = match b.args.as_slice() {
        [] => String::new(),
        [id] => id.clone(),
        _ => return Err(b.error("ingest takes one id: ingest ID { ... }")),
    };
    let enabled = b.child("enabled").map(flag).transpose()?.unwrap_or(false);
    let input = b
        .child("input")
        .ok_or_else(|| b.error("ingest needs an input { type; url; }"))?;
    let input_type = match input.child("type").map(one).transpose()?.as_deref() {
        None | Some("file") => InputType::File,
        Some("stream") => InputType::Stream,
        Some(other) => {
            let d = input.child("type").unwrap_or(input);
            return Err(d.error(format!(
                "input type {other:?} is not supported, expected file or stream"
            )));
        }
    };
    let url = input
        .child("url")
        .map(one)
        .transpose()?
        .ok_or_else(|| input.error("input needs a url"))?;
    let ffmpeg = PathBuf::from(
        b.child("ffmpeg")
            .map(one)
            .transpose()?
            .unwrap_or_else(|| "ffmpeg".into()),
    );
    let engine_block = b
        .child("engine")
        .ok_or_else(|| b.error("ingest needs an engine { output; }"))?;
    if engine_block.child("output").is_none() {
        return Err(engine_block.error("the ingest's engine needs an \"output\""));
    }
    Ok(IngestConfig {
        id,
        enabled,
        input_type,
        url,
        ffmpeg,
        engine: engine(engine_block)?,
        line: b.line,
    })
}

/// A `transcode [scope] { }` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscodeConfig {
    /// Empty (every stream), `app` or `app/stream`.
    pub scope: String,
    /// `enabled`.
    pub enabled: bool,
    /// `ffmpeg`: the program to run.
    pub ffmpeg: PathBuf,
    /// The enabled engines, by name.
    pub engines: Vec<(String, EngineConfig)>,
}

impl TranscodeConfig {
    /// Whether the block applies to `app/stream`.
    pub fn applies_to(&self, app: &str, stream: &str) -> bool {
        match self.scope.split_once('/') {
            _ if self.scope.is_empty() => true,
            Some((a, s)) => a == app && s == stream,
            None => self.scope == app,
        }
    }
}

/// Reads a `transcode [scope] { }` block (disabled engines are left out).
pub fn transcode(b: &Directive) -> Result<TranscodeConfig, ConfigError> {
    let scope = match b.args.as_slice() {
        [] => String::new(),
        [s] => s.clone(),
        _ => return Err(b.error("transcode takes one scope: transcode [app[/stream]] { ... }")),
    };
    let enabled = b.child("enabled").map(flag).transpose()?.unwrap_or(false);
    let ffmpeg = PathBuf::from(
        b.child("ffmpeg")
            .map(one)
            .transpose()?
            .unwrap_or_else(|| "ffmpeg".into()),
    );
    let mut engines = Vec::new();
    for d in b.children.iter().filter(|d| d.name == "engine") {
        let e = engine(d)?;
        if e.enabled {
            engines.push((d.arg0().unwrap_or_default().to_string(), e));
        }
    }
    Ok(TranscodeConfig {
        scope,
        enabled,
        ffmpeg,
        engines,
    })
}

/// The ffmpeg arguments (after the program name) of a job, SRS's order:
/// `[-re] [-f iformat] -i INPUT [vfilter] -vcodec ... [vparams] -acodec ... [aparams] -f oformat -y OUTPUT`.
/// With the engine disabled both streams are copied.
pub fn ffmpeg_args(input: &str, realtime: bool, e: &EngineConfig, output: &str) -> Vec<String> {
    let mut a: Vec<String> = Vec::new();
    let mut push = |v: &[&str]| a.extend(v.iter().map(|s| s.to_string()));
    if realtime {
        push(&["-re"]);
    }
    if let Some(f) = &e.iformat {
        push(&["-f", f]);
    }
    push(&["-i", input]);
    if !e.enabled {
        push(&["-vcodec", "copy", "-acodec", "copy"]);
    } else {
        for (k, v) in &e.vfilter {
            push(&[&format!("-{k}"), v]);
        }
        match e.vcodec.as_deref() {
            Some("vn") => push(&["-vn"]),
            None | Some("copy") => push(&["-vcodec", "copy"]),
            Some(codec) => {
                push(&["-vcodec", codec]);
                if let Some(b) = &e.vbitrate {
                    push(&["-b:v", &format!("{b}k")]);
                }
                if let Some(f) = &e.vfps {
                    push(&["-r", f]);
                }
                if let (Some(w), Some(h)) = (&e.vwidth, &e.vheight) {
                    push(&["-s", &format!("{w}x{h}"), "-aspect", &format!("{w}:{h}")]);
                }
                if let Some(t) = &e.vthreads {
                    push(&["-threads", t]);
                }
                if let Some(p) = &e.vprofile {
                    push(&["-profile:v", p]);
                }
                if let Some(p) = &e.vpreset {
                    push(&["-preset", p]);
                }
                for (k, v) in &e.vparams {
                    push(&[&format!("-{k}"), v]);
                }
            }
        }
        match e.acodec.as_deref() {
            Some("an") => push(&["-an"]),
            None | Some("copy") => push(&["-acodec", "copy"]),
            Some(codec) => {
                push(&["-acodec", codec]);
                if let Some(b) = &e.abitrate {
                    push(&["-b:a", &format!("{b}k")]);
                }
                if let Some(r) = &e.asample_rate {
                    push(&["-ar", r]);
                }
                if let Some(c) = &e.achannels {
                    push(&["-ac", c]);
                }
                for (k, v) in &e.aparams {
                    push(&[&format!("-{k}"), v]);
                }
            }
        }
    }
    push(&["-f", e.oformat.as_deref().unwrap_or("flv"), "-y", output]);
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use std::path::Path;

    #[test]
    fn ingest_blocks_and_arguments() {
        let c = Config::parse_str(
            "vhost v { ingest cam { enabled on; input { type stream; url rtmp://a/b/c; } ffmpeg /usr/bin/ffmpeg;
               engine { enabled on; vcodec libx264; vbitrate 800; vfps 25; vwidth 640; vheight 360; vthreads 2;
                        vprofile main; vpreset fast; vparams { g 50; } acodec aac; abitrate 64; asample_rate 44100;
                        achannels 2; output rtmp://127.0.0.1:[port]/live?vhost=[vhost]/cam; } } }",
            Path::new("t.conf"),
        )
        .expect("config");
        let i = &c.vhosts[0].ingest[0];
        assert_eq!(
            (i.id.as_str(), i.enabled, i.input_type),
            ("cam", true, InputType::Stream)
        );
        let args = ffmpeg_args(&i.url, false, &i.engine, "rtmp://o/live/cam");
        assert_eq!(
            args.join(" "),
            "-i rtmp://a/b/c -vcodec libx264 -b:v 800k -r 25 -s 640x360 -aspect 640:360 -threads 2 -profile:v main \
             -preset fast -g 50 -acodec aac -b:a 64k -ar 44100 -ac 2 -f flv -y rtmp://o/live/cam"
        );
        let copy = EngineConfig {
            output: "x".into(),
            ..EngineConfig::default()
        };
        assert_eq!(
            ffmpeg_args("a.flv", true, &copy, "rtmp://o/l/s").join(" "),
            "-re -i a.flv -vcodec copy -acodec copy -f flv -y rtmp://o/l/s"
        );
    }

    #[test]
    fn transcode_scopes_and_engines() {
        let c = Config::parse_str(
            "vhost v { transcode live/s { enabled on; ffmpeg ff; engine a { enabled on; output o; } engine b { enabled off; output o; } } }",
            Path::new("t.conf"),
        )
        .expect("config");
        let t = &c.vhosts[0].transcode[0];
        assert_eq!(t.engines.len(), 1, "disabled engines are left out");
        assert!(
            t.applies_to("live", "s") && !t.applies_to("live", "x") && !t.applies_to("other", "s")
        );
        let all = TranscodeConfig {
            scope: String::new(),
            ..t.clone()
        };
        assert!(all.applies_to("any", "thing"));
        let app = TranscodeConfig {
            scope: "live".into(),
            ..t.clone()
        };
        assert!(app.applies_to("live", "x") && !app.applies_to("l", "x"));
    }

    #[test]
    fn ingest_errors_name_the_line() {
        let e = Config::parse_str(
            "vhost v {\n ingest x {\n enabled on;\n engine { output o; }\n }\n}",
            Path::new("t.conf"),
        )
        .expect_err("no input");
        assert!(e.to_string().starts_with("t.conf:2:"), "{e}");
        assert!(e.to_string().contains("input"), "{e}");
    }
}
