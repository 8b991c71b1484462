//! The one pool of worker threads for blocking work the loop must not wait
//! for: hook calls and heartbeats (HTTP), and name resolution (DNS). Threads
//! are started as needed up to [`MAX_WORKERS`]; each result goes back through
//! one channel and wakes the loop through its one `mio::Waker`.
//!
//! Disk writes are blocking work too, but they must stay in order per file,
//! so they have their own lane: [`crate::sink::DiskWorker`], one thread.

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};

use crate::hooks::pool::run_job;
use crate::hooks::{HookJob, HookResult};

/// Most worker threads (and so blocking jobs in flight at once).
pub const MAX_WORKERS: usize = 128;

/// A blocking job.
#[derive(Debug)]
pub enum Job {
    /// POST the calls of a hook job, in order.
    Hook(HookJob),
    /// Resolve `host[:port]` (RTMP's port by default) for `token`, the
    /// caller's own reference.
    Resolve {
        /// Given back with the result.
        token: u64,
        /// `host` or `host:port`.
        dest: String,
    },
}

/// A finished job.
#[derive(Debug)]
pub enum Done {
    /// A hook job's outcome.
    Hook(HookResult),
    /// A resolution: the first address, or why there is none.
    Resolved {
        /// The job's token.
        token: u64,
        /// The address.
        result: Result<SocketAddr, String>,
    },
}

/// `host:port` with the RTMP port by default.
pub fn with_port(dest: &str) -> String {
    if dest
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        dest.to_string()
    } else {
        format!("{dest}:1935")
    }
}

fn run(job: Job) -> Done {
    match job {
        Job::Hook(h) => Done::Hook(run_job(&h)),
        Job::Resolve { token, dest } => {
            let result = with_port(&dest)
                .to_socket_addrs()
                .map_err(|e| e.to_string())
                .and_then(|mut a| a.next().ok_or_else(|| "no address".to_string()));
            Done::Resolved { token, result }
        }
    }
}

/// The pool.
pub struct WorkerPool {
    jobs: Sender<Job>,
    queue: Arc<Mutex<Receiver<Job>>>,
    done_tx: Sender<Done>,
    done: Receiver<Done>,
    wake: Arc<dyn Fn() + Send + Sync>,
    idle: Arc<AtomicUsize>,
    workers: usize,
}

impl WorkerPool {
    /// A pool that calls `wake` after each result.
    pub fn new(wake: Arc<dyn Fn() + Send + Sync>) -> WorkerPool {
        let (jobs, rx) = mpsc::channel();
        let (done_tx, done) = mpsc::channel();
        WorkerPool {
            jobs,
            queue: Arc::new(Mutex::new(rx)),
            done_tx,
            done,
            wake,
            idle: Arc::new(AtomicUsize::new(0)),
            workers: 0,
        }
    }

    /// Queues a job; a worker is started when none is idle.
    pub fn submit(&mut self, job: Job) {
        if self.idle.load(Ordering::SeqCst) == 0 && self.workers < MAX_WORKERS {
            self.spawn_worker();
        }
        // Workers hold the receiver for as long as the pool lives.
        let _ = self.jobs.send(job);
    }

    fn spawn_worker(&mut self) {
        let queue = Arc::clone(&self.queue);
        let done = self.done_tx.clone();
        let wake = Arc::clone(&self.wake);
        let idle = Arc::clone(&self.idle);
        let spawned = std::thread::Builder::new()
            .name("srs-worker".into())
            .spawn(move || loop {
                idle.fetch_add(1, Ordering::SeqCst);
                let job = match queue.lock() {
                    Ok(rx) => rx.recv(),
                    Err(_) => return,
                };
                idle.fetch_sub(1, Ordering::SeqCst);
                let Ok(job) = job else { return };
                if done.send(run(job)).is_err() {
                    return;
                }
                wake();
            });
        match spawned {
            Ok(_) => self.workers += 1,
            Err(e) => log::error!("cannot start a worker thread: {e}"),
        }
    }

    /// Jobs finished since the last call.
    pub fn poll(&self) -> Vec<Done> {
        self.done.try_iter().collect()
    }

    /// Worker threads started.
    pub fn workers(&self) -> usize {
        self.workers
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn jobs_of_both_kinds_come_back_and_wake_the_loop() {
        let wakes = Arc::new(AtomicUsize::new(0));
        let w = Arc::clone(&wakes);
        let mut pool = WorkerPool::new(Arc::new(move || {
            w.fetch_add(1, Ordering::SeqCst);
        }));
        pool.submit(Job::Resolve {
            token: 7,
            dest: "127.0.0.1".into(),
        });
        pool.submit(Job::Hook(HookJob {
            id: 3,
            calls: Vec::new(),
            decide: true,
            timeout: Duration::from_secs(1),
        }));
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut done = Vec::new();
        while done.len() < 2 && Instant::now() < deadline {
            done.extend(pool.poll());
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(done.iter().any(|d| matches!(
            d,
            Done::Resolved { token: 7, result: Ok(a) } if a.port() == 1935
        )));
        assert!(done.iter().any(|d| matches!(d, Done::Hook(r) if r.id == 3)));
        assert_eq!(wakes.load(Ordering::SeqCst), 2);
        assert!(pool.workers() >= 1);
    }

    #[test]
    fn ports() {
        assert_eq!(with_port("h"), "h:1935");
        assert_eq!(with_port("h:19350"), "h:19350");
        assert_eq!(with_port("[::1]:1936"), "[::1]:1936");
    }
}
