//! Helpers of the tools' tests: running the tool binaries. The server, the
//! fixtures and the clients come from the shared `srs-testkit` crate.
#![allow(dead_code, unused_imports)]

pub use srs_testkit::{fixture_flv, read_flv, require, scratch, TestServer};

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::sync::OnceLock;
use std::thread::JoinHandle;
use std::time::Duration;

/// A command for one of the tool binaries.
pub fn tool(name: &str) -> Command {
    let path = match name {
        "srs-play" => env!("CARGO_BIN_EXE_srs-play"),
        "srs-publish" => env!("CARGO_BIN_EXE_srs-publish"),
        "srs-ingest-rtmp" => env!("CARGO_BIN_EXE_srs-ingest-rtmp"),
        "srs-flv" => env!("CARGO_BIN_EXE_srs-flv"),
        "srs-detect-rtmp" => env!("CARGO_BIN_EXE_srs-detect-rtmp"),
        "srs-ts-info" => env!("CARGO_BIN_EXE_srs-ts-info"),
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
