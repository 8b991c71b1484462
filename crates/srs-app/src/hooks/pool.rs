//! Hook jobs: the calls of one event, made in order on a thread of the
//! server's worker pool (`crate::workers`), so the loop never waits on a
//! hook server.

use super::kind::HookKind;
use std::time::{Duration, Instant};

use super::http_client::post_json;

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

/// Makes the calls of `job` in order (on a worker thread: it blocks).
pub(crate) fn run_job(job: &HookJob) -> HookResult {
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
        let result = run_job(&HookJob {
            id: 7,
            calls: vec![HookCall {
                hook: HookKind::Connect,
                url,
                payload: "{}".into(),
            }],
            decide: true,
            timeout: Duration::from_secs(1),
        });
        assert_eq!(result.id, 7);
        assert_eq!(result.failures, 1);
        assert!(matches!(
            result.outcome,
            HookOutcome::Refused {
                hook: HookKind::Connect,
                ..
            }
        ));
    }
}
