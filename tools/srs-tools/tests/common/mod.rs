//! Shared helpers of the tools' tests: an in-process server on a free port,
//! FLV fixtures made with ffmpeg, and running the tool binaries.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::sync::OnceLock;
use std::thread::JoinHandle;
use std::time::Duration;

use srs_app::config::Config;
use srs_app::{Server, ServerHandle};
use srs_kernel::flv::FlvReader;
use srs_kernel::MediaMessage;

/// A server running on its own thread, stopped on drop.
pub struct TestServer {
    pub addr: SocketAddr,
    handle: ServerHandle,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Starts a server with only a default vhost on 127.0.0.1:0.
    pub fn start() -> TestServer {
        Self::with_config("vhost __defaultVhost__ { }\n")
    }

    /// Starts a server on 127.0.0.1:0 with the vhosts (and other directives) of `body`.
    pub fn with_config(body: &str) -> TestServer {
        let text = format!("listen 127.0.0.1:0;\ndaemon off;\nsrs_log_tank console;\n{body}");
        let config = Config::parse_str(&text, Path::new("test.conf")).expect("test config parses");
        let server = Server::bind(config, false).expect("server binds");
        let addr = server.local_addrs()[0];
        let handle = server.handle();
        let thread = std::thread::spawn(move || {
            let mut server = server;
            server.run().expect("server runs");
        });
        TestServer {
            addr,
            handle,
            thread: Some(thread),
        }
    }

    pub fn url(&self, stream: &str) -> String {
        format!("rtmp://127.0.0.1:{}/live/{stream}", self.addr.port())
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.handle.stop();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Fails loudly when an external tool is missing: these tests never skip.
pub fn require(tool: &str) {
    let ok = Command::new(tool)
        .arg("-version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        ok,
        "{tool} is required by this test; install it with `apt-get install ffmpeg`"
    );
}

/// A scratch directory unique to this test process and `name`.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("srs-tools-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// A 320x240 25 fps H.264 + 44.1 kHz AAC FLV of `secs` seconds, keyframe every second.
pub fn fixture_flv(secs: u32) -> PathBuf {
    static FIXTURES: OnceLock<std::sync::Mutex<std::collections::HashMap<u32, PathBuf>>> =
        OnceLock::new();
    let map = FIXTURES.get_or_init(Default::default);
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(p) = map.get(&secs) {
        return p.clone();
    }
    require("ffmpeg");
    let dir = scratch(&format!("fixture-{secs}"));
    let path = dir.join("av.flv");
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args([
            "-f",
            "lavfi",
            "-i",
            &format!("testsrc=size=320x240:rate=25:duration={secs}"),
        ])
        .args([
            "-f",
            "lavfi",
            "-i",
            &format!("sine=frequency=440:sample_rate=44100:duration={secs}"),
        ])
        .args([
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-g",
            "25",
            "-pix_fmt",
            "yuv420p",
        ])
        .args(["-c:a", "aac", "-b:a", "64k", "-f", "flv"])
        .arg(&path)
        .status()
        .expect("run ffmpeg");
    assert!(status.success(), "ffmpeg made the fixture");
    map.insert(secs, path.clone());
    path
}

/// Every audio, video and script tag of an FLV file.
pub fn read_flv(path: &Path) -> Vec<MediaMessage> {
    let data = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let mut r = FlvReader::new();
    r.push(&data);
    let mut out = Vec::new();
    while let Some(m) = r.next_tag().expect("valid flv") {
        out.push(m);
    }
    out
}

/// A command for one of the tool binaries.
pub fn tool(name: &str) -> Command {
    let path = match name {
        "srs-play" => env!("CARGO_BIN_EXE_srs-play"),
        "srs-publish" => env!("CARGO_BIN_EXE_srs-publish"),
        "srs-ingest-rtmp" => env!("CARGO_BIN_EXE_srs-ingest-rtmp"),
        "srs-flv" => env!("CARGO_BIN_EXE_srs-flv"),
        other => panic!("no tool {other}"),
    };
    Command::new(path)
}

/// Runs a tool to completion and captures its output.
pub fn run(name: &str, args: &[&str]) -> Output {
    tool(name)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run {name}: {e}"))
}

/// A running tool whose stderr lines are collected by a thread.
pub struct Running {
    pub child: Child,
    lines: mpsc::Receiver<String>,
    pub stderr: Vec<String>,
}

impl Running {
    /// Starts a tool with stderr piped (stdout inherited unless set by the caller).
    pub fn spawn(name: &str, args: &[&str]) -> Running {
        let mut child = tool(name)
            .args(args)
            .stdin(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {name}: {e}"));
        let stderr = child.stderr.take().expect("stderr piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Running {
            child,
            lines: rx,
            stderr: Vec::new(),
        }
    }

    /// Waits for a stderr line containing `needle`; panics with the stderr seen after `secs`.
    pub fn wait_line(&mut self, needle: &str, secs: u64) {
        let deadline = std::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let found = line.contains(needle);
                    self.stderr.push(line);
                    if found {
                        return;
                    }
                }
                Err(_) => panic!("no stderr line with {needle:?}; stderr: {:#?}", self.stderr),
            }
        }
    }

    /// Waits for the process to exit (killing it after `secs`); returns success and all stderr.
    pub fn finish(mut self, secs: u64) -> (bool, Vec<String>) {
        let deadline = std::time::Instant::now() + Duration::from_secs(secs);
        let status = loop {
            if let Some(s) = self.child.try_wait().expect("try_wait") {
                break Some(s);
            }
            if std::time::Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        // The reader thread ends at EOF once the process is gone.
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(2)) {
            self.stderr.push(line);
        }
        let ok = status.is_some_and(|s| s.success());
        (ok, std::mem::take(&mut self.stderr))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
