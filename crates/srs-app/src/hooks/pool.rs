//! Worker threads that make hook calls, so the event loop never waits on
//! a hook server. Results come back through a channel and wake the loop.

use super::kind::HookKind;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::http_client::post_json;

/// Most worker threads (and so hook calls in flight at once).
pub const MAX_WORKERS: usize = 128;

/// One POST of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookCall {
    /// The hook.
    pub hook: HookKind,
    /// The URL.
    pub url: String,
    /// The JSON body.
    pub payload: String,
}

/// Calls made in order by one worker.
#[derive(Debug, Clone)]
pub struct HookJob {
    /// Id given back with the result.
    pub id: u64,
    /// The calls, in order.
    pub calls: Vec<HookCall>,
    /// Admission: stop at the first refusal and report it.
    pub decide: bool,
    /// Time allowed for each call.
    pub timeout: Duration,
}

/// How a job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookOutcome {
    /// Every call answered HTTP 200 with `0` or `{"code": 0}`.
    Allowed,
    /// A call refused, failed or timed out.
    Refused {
        /// The hook.
        hook: HookKind,
        /// The URL that refused.
        url: String,
        /// Why.
        reason: String,
    },
}

/// A finished job.
#[derive(Debug, Clone)]
pub struct HookResult {
    /// The job's id.
    pub id: u64,
    /// Allowed or refused.
    pub outcome: HookOutcome,
    /// Time the calls took.
    pub elapsed_ms: u64,
    /// Calls that failed (also counted for non-admission jobs).
    pub failures: u32,
}

/// True when an answer allows: status 200 and body `0` or JSON `{"code": 0}`.
pub fn is_allowed(status: u16, body: &str) -> bool {
    if status != 200 {
        return false;
    }
    let body = body.trim();
    if body == "0" {
        return true;
    }
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("code").and_then(|c| c.as_i64()))
        == Some(0)
}

fn run_job(job: &HookJob) -> HookResult {
    let start = Instant::now();
    let mut failures = 0;
    let mut outcome = HookOutcome::Allowed;
    for call in &job.calls {
        let verdict = match post_json(&call.url, &call.payload, job.timeout) {
            Ok(a) if is_allowed(a.status, &a.body) => Ok(()),
            Ok(a) => Err(format!(
                "answered {} {:?}",
                a.status,
                a.body.chars().take(100).collect::<String>()
            )),
            Err(e) => Err(e),
        };
        if let Err(reason) = verdict {
            failures += 1;
            if job.decide {
                outcome = HookOutcome::Refused {
                    hook: call.hook,
                    url: call.url.clone(),
                    reason,
                };
                break;
            }
            log::warn!("hook {} {} failed: {reason}", call.hook, call.url);
        }
    }
    HookResult {
        id: job.id,
        outcome,
        elapsed_ms: start.elapsed().as_millis() as u64,
        failures,
    }
}

/// The pool: threads are started as needed, up to [`MAX_WORKERS`].
pub struct HookPool {
    jobs: Sender<HookJob>,
    queue: Arc<Mutex<Receiver<HookJob>>>,
    results_tx: Sender<HookResult>,
    results: Receiver<HookResult>,
    wake: Arc<dyn Fn() + Send + Sync>,
    idle: Arc<AtomicUsize>,
    workers: usize,
}

impl HookPool {
    /// A pool that calls `wake` after each result.
    pub fn new(wake: Arc<dyn Fn() + Send + Sync>) -> HookPool {
        let (jobs, rx) = mpsc::channel();
        let (results_tx, results) = mpsc::channel();
        HookPool {
            jobs,
            queue: Arc::new(Mutex::new(rx)),
            results_tx,
            results,
            wake,
            idle: Arc::new(AtomicUsize::new(0)),
            workers: 0,
        }
    }

    /// Queues a job; a worker is started when none is idle.
    pub fn submit(&mut self, job: HookJob) {
        if self.idle.load(Ordering::SeqCst) == 0 && self.workers < MAX_WORKERS {
            self.spawn_worker();
        }
        // Workers hold the receiver for as long as the pool lives.
        let _ = self.jobs.send(job);
    }

    fn spawn_worker(&mut self) {
        let queue = Arc::clone(&self.queue);
        let results = self.results_tx.clone();
        let wake = Arc::clone(&self.wake);
        let idle = Arc::clone(&self.idle);
        let spawned = std::thread::Builder::new()
            .name("srs-hook".into())
            .spawn(move || loop {
                idle.fetch_add(1, Ordering::SeqCst);
                let job = match queue.lock() {
                    Ok(rx) => rx.recv(),
                    Err(_) => return,
                };
                idle.fetch_sub(1, Ordering::SeqCst);
                let Ok(job) = job else { return };
                let result = run_job(&job);
                if results.send(result).is_err() {
                    return;
                }
                wake();
            });
        match spawned {
            Ok(_) => self.workers += 1,
            Err(e) => log::error!("cannot start a hook worker: {e}"),
        }
    }

    /// Results finished since the last call.
    pub fn poll_results(&self) -> Vec<HookResult> {
        self.results.try_iter().collect()
    }

    /// Worker threads started.
    pub fn workers(&self) -> usize {
        self.workers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_rule() {
        assert!(is_allowed(200, "0"));
        assert!(is_allowed(200, " 0\n"));
        assert!(is_allowed(200, r#"{"code": 0}"#));
        assert!(is_allowed(200, r#"{"code":0,"data":1}"#));
        assert!(!is_allowed(200, r#"{"code": 1}"#));
        assert!(!is_allowed(200, ""));
        assert!(!is_allowed(200, "ok"));
        assert!(!is_allowed(500, "0"));
    }

    #[test]
    fn refused_connection_refuses_admission() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/hook", l.local_addr().expect("addr"));
        drop(l);
        let (tx, rx) = mpsc::channel();
        let tx = Mutex::new(tx);
        let mut pool = HookPool::new(Arc::new(move || {
            if let Ok(t) = tx.lock() {
                let _ = t.send(());
            }
        }));
        pool.submit(HookJob {
            id: 7,
            calls: vec![HookCall {
                hook: HookKind::Connect,
                url,
                payload: "{}".into(),
            }],
            decide: true,
            timeout: Duration::from_secs(1),
        });
        rx.recv_timeout(Duration::from_secs(5)).expect("woken");
        let results = pool.poll_results();
        assert_eq!(results.len(), 1);
        assert_eq!(results[0].id, 7);
        assert!(matches!(
            results[0].outcome,
            HookOutcome::Refused {
                hook: HookKind::Connect,
                ..
            }
        ));
        assert_eq!(pool.workers(), 1);
    }
}
