//! ffmpeg processes started and watched from the event loop (ingest and
//! transcode): each job is started, checked every tick, restarted 3 s after
//! it dies, and stopped when its group no longer wants it or the server stops.
//! A group is `ingest` or one transcoded stream.

use std::fs::OpenOptions;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// Delay before a dead job is started again.
pub const RESTART_MS: u64 = 3_000;

/// What should run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobSpec {
    /// Unique name (`vhost/ingest-id`), for logs and reload.
    pub name: String,
    /// The program.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
    /// Where its stdout and stderr go.
    pub log_file: PathBuf,
}

struct Job {
    group: String,
    spec: JobSpec,
    child: Option<Child>,
    start_at: u64,
    restarts: u64,
}

/// The running jobs.
#[derive(Default)]
pub struct Supervisor {
    jobs: Vec<Job>,
}

impl Supervisor {
    /// No jobs.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes the jobs of `group` match `wanted` (start, reload, publish,
    /// unpublish): new jobs start at once, changed ones restart, removed ones
    /// stop. Other groups are untouched.
    pub fn sync(&mut self, group: &str, wanted: Vec<JobSpec>, now_ms: u64) {
        let mut keep = Vec::new();
        for mut job in std::mem::take(&mut self.jobs) {
            if job.group != group || wanted.contains(&job.spec) {
                keep.push(job);
            } else {
                log::info!(
                    "ffmpeg {}: removed from the config, stopping",
                    job.spec.name
                );
                stop(&mut job);
            }
        }
        self.jobs = keep;
        for spec in wanted {
            if !self.jobs.iter().any(|j| j.group == group && j.spec == spec) {
                self.jobs.push(Job {
                    group: group.to_string(),
                    spec,
                    child: None,
                    start_at: now_ms,
                    restarts: 0,
                });
            }
        }
        self.tick(now_ms);
    }

    /// Checks every job: reaps the dead, starts the due.
    pub fn tick(&mut self, now_ms: u64) {
        for job in &mut self.jobs {
            if let Some(child) = job.child.as_mut() {
                match child.try_wait() {
                    Ok(None) => continue,
                    Ok(Some(status)) => {
                        log::warn!("ffmpeg {} exited ({status}); restart in 3 s", job.spec.name);
                    }
                    Err(e) => {
                        log::warn!("ffmpeg {}: wait failed: {e}; restart in 3 s", job.spec.name)
                    }
                }
                job.child = None;
                job.start_at = now_ms + RESTART_MS;
                job.restarts += 1;
            }
            if job.child.is_none() && now_ms >= job.start_at {
                start(job, now_ms);
            }
        }
    }

    /// Stops every job (server shutdown).
    pub fn shutdown(&mut self) {
        for job in &mut self.jobs {
            stop(job);
        }
        self.jobs.clear();
    }

    /// Process ids of the running jobs, by name.
    pub fn pids(&self) -> Vec<(String, u32)> {
        self.jobs
            .iter()
            .filter_map(|j| j.child.as_ref().map(|c| (j.spec.name.clone(), c.id())))
            .collect()
    }
}

impl Drop for Supervisor {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn start(job: &mut Job, now_ms: u64) {
    let log = job
        .spec
        .log_file
        .parent()
        .map(std::fs::create_dir_all)
        .transpose()
        .and_then(|_| {
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(&job.spec.log_file)
        });
    let (out, err) = match log.and_then(|f| Ok((f.try_clone()?, f))) {
        Ok((a, b)) => (Stdio::from(a), Stdio::from(b)),
        Err(e) => {
            log::warn!(
                "ffmpeg {}: log file {}: {e}; output discarded",
                job.spec.name,
                job.spec.log_file.display()
            );
            (Stdio::null(), Stdio::null())
        }
    };
    match Command::new(&job.spec.program)
        .args(&job.spec.args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
    {
        Ok(child) => {
            log::info!(
                "ffmpeg {} started, pid {}: {} {}",
                job.spec.name,
                child.id(),
                job.spec.program.display(),
                job.spec.args.join(" ")
            );
            job.child = Some(child);
        }
        Err(e) => {
            log::error!(
                "ffmpeg {}: cannot start {}: {e}; retry in 3 s",
                job.spec.name,
                job.spec.program.display()
            );
            job.start_at = now_ms + RESTART_MS;
        }
    }
}

fn stop(job: &mut Job) {
    if let Some(mut child) = job.child.take() {
        // kill() sends SIGKILL; ffmpeg publishing over RTMP needs no clean shutdown.
        let _ = child.kill();
        let _ = child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, args: &[&str]) -> JobSpec {
        JobSpec {
            name: name.into(),
            program: PathBuf::from("sh"),
            args: args.iter().map(|s| s.to_string()).collect(),
            log_file: std::env::temp_dir().join(format!("srs-sup-{}.log", std::process::id())),
        }
    }

    #[test]
    fn restarts_dead_jobs_and_stops_removed_ones() {
        let mut s = Supervisor::new();
        let quick = spec("quick", &["-c", "sleep 0.1; exit 3"]);
        let long = spec("long", &["-c", "sleep 30"]);
        s.sync("other", vec![spec("other", &["-c", "sleep 30"])], 0);
        s.sync("g", vec![quick.clone(), long], 0);
        assert_eq!(s.pids().len(), 3);
        std::thread::sleep(std::time::Duration::from_millis(500));
        s.tick(100);
        assert_eq!(s.pids().len(), 2, "the dead job waits for its restart");
        s.tick(100 + RESTART_MS);
        assert_eq!(s.pids().len(), 3, "restarted after 3 s");
        let pid_of = |s: &Supervisor, name: &str| {
            s.pids()
                .into_iter()
                .find(|(n, _)| n == name)
                .map(|(_, p)| p)
        };
        let long_pid = pid_of(&s, "long").expect("long");
        s.sync("g", vec![quick], 5000);
        assert!(
            !std::path::Path::new(&format!("/proc/{long_pid}")).exists(),
            "removed job killed and reaped"
        );
        assert!(pid_of(&s, "other").is_some(), "other groups untouched");
        s.shutdown();
        assert!(s.pids().is_empty());
    }
}
