//! HTTP hooks (`vhost { http_hooks { on_connect ...; } }`): SRS's JSON
//! payloads POSTed to each URL of a hook, in order, on worker threads.
//! `on_connect`, `on_publish` and `on_play` decide admission.

pub mod http_client;
pub mod kind;
pub mod pool;

use serde_json::json;

pub use kind::HookKind;
pub use pool::{HookCall, HookJob, HookOutcome, HookResult};

/// Who a hook is about.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HookClient {
    /// The connection's context id.
    pub client_id: u64,
    /// Peer IP.
    pub ip: String,
    /// Resolved vhost.
    pub vhost: String,
    /// Application.
    pub app: String,
}

/// `on_connect` payload.
pub fn on_connect(c: &HookClient, tc_url: &str, page_url: &str) -> String {
    json!({"action": "on_connect", "client_id": c.client_id, "ip": c.ip, "vhost": c.vhost,
           "app": c.app, "tcUrl": tc_url, "pageUrl": page_url})
    .to_string()
}

/// `on_close` payload.
pub fn on_close(c: &HookClient, send_bytes: u64, recv_bytes: u64) -> String {
    json!({"action": "on_close", "client_id": c.client_id, "ip": c.ip, "vhost": c.vhost,
           "app": c.app, "send_bytes": send_bytes, "recv_bytes": recv_bytes})
    .to_string()
}

/// `on_publish`, `on_unpublish`, `on_play`, `on_stop` payloads.
pub fn on_stream(action: HookKind, c: &HookClient, stream: &str, param: &str) -> String {
    json!({"action": action.name(), "client_id": c.client_id, "ip": c.ip, "vhost": c.vhost,
           "app": c.app, "stream": stream, "param": param})
    .to_string()
}

/// `on_dvr` payload.
pub fn on_dvr(c: &HookClient, stream: &str, param: &str, cwd: &str, file: &str) -> String {
    json!({"action": "on_dvr", "client_id": c.client_id, "ip": c.ip, "vhost": c.vhost,
           "app": c.app, "stream": stream, "param": param, "cwd": cwd, "file": file})
    .to_string()
}

/// The calls of one hook: one per URL configured for it (none when hooks
/// are off).
pub fn calls(hook: HookKind, hooks: &crate::config::HooksConfig, payload: &str) -> Vec<HookCall> {
    hook.urls(hooks)
        .iter()
        .map(|u| HookCall {
            hook,
            url: u.clone(),
            payload: payload.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_have_srs_fields() {
        let c = HookClient {
            client_id: 107,
            ip: "127.0.0.1".into(),
            vhost: "__defaultVhost__".into(),
            app: "live".into(),
        };
        let v: serde_json::Value =
            serde_json::from_str(&on_connect(&c, "rtmp://h/live", "")).expect("json");
        assert_eq!(v["action"], "on_connect");
        assert_eq!(v["client_id"], 107);
        assert_eq!(v["tcUrl"], "rtmp://h/live");
        let v: serde_json::Value =
            serde_json::from_str(&on_stream(HookKind::Play, &c, "s", "?t=1")).expect("json");
        assert_eq!(v["stream"], "s");
        assert_eq!(v["param"], "?t=1");
        let v: serde_json::Value = serde_json::from_str(&on_close(&c, 10, 20)).expect("json");
        assert_eq!(
            (v["send_bytes"].as_u64(), v["recv_bytes"].as_u64()),
            (Some(10), Some(20))
        );
        let v: serde_json::Value =
            serde_json::from_str(&on_dvr(&c, "s", "", "/srv", "./a.flv")).expect("json");
        assert_eq!(v["file"], "./a.flv");
        let hooks = crate::config::HooksConfig {
            enabled: true,
            on_play: vec!["http://a/".into(), "http://b/".into()],
            ..Default::default()
        };
        assert_eq!(calls(HookKind::Play, &hooks, "{}").len(), 2);
        assert!(calls(HookKind::Stop, &hooks, "{}").is_empty());
    }
}
