//! HTTP connections: requests to files, live FLV streams and the API.

use super::Server;
use crate::admission;
use crate::conn::{Proto, Role};
use crate::error::ConnError;
use crate::hooks::{self, HookKind};
use crate::http::api::ApiAnswer;
use crate::http::api_access::{self, Refusal};
use crate::http::files::{self, PathError};
use crate::http::mount::match_mount;
use crate::http::request::{self, percent_decode, Request, RequestError};
use crate::http::{console, flv_live, response, Body, HttpService, MAX_PIPELINED_INPUT};

/// The answer to an API request refused by `api_access` (SRS's error codes:
/// 401 with a Basic challenge, 403 for a cross-origin state change).
fn api_refusal(refusal: Refusal, server_id: u32) -> (ApiAnswer, Vec<(&'static str, String)>) {
    match refusal {
        Refusal::Unauthorized => (
            ApiAnswer::error(401, 401, server_id),
            vec![("WWW-Authenticate", "Basic realm=\"SRS\"".to_string())],
        ),
        Refusal::CrossOrigin => (ApiAnswer::error(403, 403, server_id), Vec::new()),
    }
}
use crate::ids::ConnId;
use crate::stream::StreamKey;

impl Server {
    /// Parses and answers the requests of HTTP connection `id`, one at a time.
    pub(crate) fn serve_http(&mut self, id: ConnId) {
        loop {
            let Some(conn) = self.conns.get_mut(id) else {
                return;
            };
            if conn.closing || matches!(conn.role, Role::Player { .. }) {
                return;
            }
            let Proto::Http(http) = &mut conn.proto else {
                return;
            };
            if http.busy() {
                return;
            }
            let parsed = request::parse(&mut http.input);
            if http.read_paused && http.input.len() < MAX_PIPELINED_INPUT {
                // Room again: read what the peer sent meanwhile.
                http.read_paused = false;
                self.hot.push(id);
            }
            let req = match parsed {
                Ok(Some(r)) => r,
                Ok(None) => return,
                Err(e) => {
                    let (status, why) = match e {
                        RequestError::Malformed(m) => (400, m),
                        RequestError::HeadTooLarge => (431, "request head too large".to_string()),
                        RequestError::BodyTooLarge => (413, "request body too large".to_string()),
                    };
                    log::warn!("bad HTTP request from {}: {why}", conn.peer);
                    http.out
                        .push(response::simple(status, "text/plain", why.as_bytes(), false).into());
                    conn.closing = true;
                    self.mark_dirty(id);
                    return;
                }
            };
            http.requests += 1;
            // What follows in the buffer is the next request's head.
            http.head_started_ms = self.now_ms;
            http.keep_alive = req.keep_alive();
            self.route(id, req);
            self.mark_dirty(id);
        }
    }

    /// Called when everything queued was written: next request or close.
    pub(crate) fn http_answer_done(&mut self, id: ConnId) {
        let Some(conn) = self.conns.get_mut(id) else {
            return;
        };
        let Proto::Http(http) = &conn.proto else {
            return;
        };
        if http.busy() || matches!(conn.role, Role::Player { .. }) {
            return;
        }
        if http.requests > 0 && !http.keep_alive {
            self.close(id, ConnError::Done("HTTP answer sent"));
            return;
        }
        self.serve_http(id);
    }

    fn route(&mut self, id: ConnId, req: Request) {
        let Some(conn) = self.conns.get_mut(id) else {
            return;
        };
        let peer = conn.peer;
        let Proto::Http(http) = &mut conn.proto else {
            return;
        };
        let keep_alive = http.keep_alive;
        log::info!(
            "HTTP {} {}{}{} from {peer}",
            req.method,
            req.path,
            if req.query.is_empty() { "" } else { "?" },
            req.query
        );
        let api = match &http.service {
            HttpService::Api => true,
            // The console calls the API on its own origin (docs/console.md).
            HttpService::Files { .. } => {
                self.config.http_api.enabled && console::is_api_path(&req.path)
            }
        };
        let cors = !api || self.config.http_api.crossdomain;
        if req.method == "OPTIONS" {
            http.out.push(response::preflight(keep_alive, cors).into());
            return;
        }
        if api {
            self.answer_api(id, &req, keep_alive, cors);
            return;
        }
        let HttpService::Files { dir } = http.service.clone() else {
            return;
        };
        if req.method != "GET" && req.method != "HEAD" {
            http.out.push(
                response::simple(405, "text/plain", b"method not allowed", keep_alive).into(),
            );
            return;
        }
        let Some(path) = percent_decode(&req.path) else {
            http.out
                .push(response::simple(403, "text/plain", b"forbidden", keep_alive).into());
            return;
        };
        if path.ends_with(".flv") && self.try_live_flv(id, &path, &req.query) {
            return;
        }
        let (root, rest) = self.file_root(&dir, &req.path);
        let on_disk = || !matches!(files::resolve(&root, &rest), Err(PathError::NotFound));
        if let Some(file) = console::lookup(&path, on_disk) {
            if let Some(Proto::Http(http)) = self.conns.get_mut(id).map(|c| &mut c.proto) {
                http.out
                    .push(console::answer(file, &req, keep_alive).into());
            }
            return;
        }
        self.serve_file(id, &root, &rest, &req);
    }

    /// Answers an API request, on the API's port or the console's calls on
    /// the HTTP port: the same access checks and routes on both.
    fn answer_api(&mut self, id: ConnId, req: &Request, keep_alive: bool, cors: bool) {
        let (answer, extra) = match api_access::check(req, self.config.http_api.auth.as_ref()) {
            Ok(()) => (self.api(req), Vec::new()),
            Err(refusal) => {
                log::warn!("API {} {} refused: {refusal:?}", req.method, req.path);
                api_refusal(refusal, self.server_id())
            }
        };
        if let Some(Proto::Http(http)) = self.conns.get_mut(id).map(|c| &mut c.proto) {
            http.out
                .push(answer.into_response(keep_alive, cors, &extra).into());
        }
    }

    /// The directory and the path within it for a request: a vhost's
    /// `http { mount; dir; }` whose mount prefixes the path (longest first),
    /// else the server's `dir`.
    fn file_root(&self, server_dir: &std::path::Path, path: &str) -> (std::path::PathBuf, String) {
        let mut best: Option<(usize, std::path::PathBuf, String)> = None;
        for v in self
            .config
            .vhosts
            .iter()
            .filter(|v| v.enabled && v.http.enabled)
        {
            let mount = v.http.mount.trim_end_matches('/');
            let Some(rest) = path.strip_prefix(mount) else {
                continue;
            };
            if !(rest.is_empty() || rest.starts_with('/')) {
                continue;
            }
            if best.as_ref().is_none_or(|(len, _, _)| mount.len() > *len) {
                let rest = if rest.is_empty() {
                    "/".to_string()
                } else {
                    rest.to_string()
                };
                best = Some((mount.len(), v.http.dir.clone(), rest));
            }
        }
        match best {
            Some((_, dir, rest)) => (dir, rest),
            None => (server_dir.to_path_buf(), path.to_string()),
        }
    }

    /// Starts a live FLV stream when `path` matches a published stream's mount.
    fn try_live_flv(&mut self, id: ConnId, path: &str, query: &str) -> bool {
        let found = self.config.vhosts.iter().find_map(|v| {
            if !v.enabled || !v.http_remux.enabled {
                return None;
            }
            let m = match_mount(&v.http_remux.mount, &v.name, path)?;
            let key = StreamKey {
                vhost: v.name.clone(),
                app: m.app,
                stream: m.stream,
            };
            let sid = self.registry.find(&key)?;
            self.registry.get(sid)?.publisher()?;
            Some((key, std::sync::Arc::clone(v)))
        });
        let Some((key, vhost)) = found else {
            return false;
        };
        let param = if query.is_empty() {
            String::new()
        } else {
            format!("?{query}")
        };
        if let Some(Proto::Http(http)) = self.conns.get_mut(id).map(|c| &mut c.proto) {
            // The connection answers nothing else from now on (and waits for hooks).
            http.body = Body::LiveFlv;
            http.keep_alive = false;
            http.play_param = param.clone();
        }
        let mut gates = Vec::new();
        if !HookKind::Play.urls(&vhost.http_hooks).is_empty() {
            let client = self.hook_client_for(id, &vhost, &key.app);
            let payload = hooks::on_stream(HookKind::Play, &client, &key.stream, &param);
            gates = Self::hook_gate(&vhost, HookKind::Play, &payload);
        }
        self.admit_request(id, &vhost, admission::Request::HttpPlay { key }, gates);
        true
    }

    /// Answers a live FLV request (checks and hooks passed) and attaches the player.
    pub(crate) fn start_live_flv(
        &mut self,
        id: ConnId,
        key: &StreamKey,
        vhost: &std::sync::Arc<crate::config::VhostConfig>,
    ) {
        let Some(conn) = self.conns.get_mut(id) else {
            return;
        };
        let peer = conn.peer;
        let Proto::Http(http) = &mut conn.proto else {
            return;
        };
        flv_live::start(&mut http.out);
        self.attach_player(id, key, vhost);
        log::info!("HTTP-FLV play {key} to {peer}");
    }

    /// Refuses an HTTP request whose answer was pending, and closes after it.
    pub(crate) fn refuse_http(&mut self, id: ConnId, status: u16, why: &str) {
        let Some(conn) = self.conns.get_mut(id) else {
            return;
        };
        log::warn!("refuse HTTP client {}: {why}", conn.peer);
        if let Proto::Http(http) = &mut conn.proto {
            http.body = Body::None;
            http.out
                .push(response::simple(status, "text/plain", why.as_bytes(), false).into());
        }
        conn.closing = true;
        self.mark_dirty(id);
    }

    fn serve_file(&mut self, id: ConnId, dir: &std::path::Path, path: &str, req: &Request) {
        let Some(Proto::Http(http)) = self.conns.get_mut(id).map(|c| &mut c.proto) else {
            return;
        };
        let keep_alive = http.keep_alive;
        let path = match files::resolve(dir, path) {
            Ok(p) => p,
            Err(PathError::Forbidden) => {
                log::warn!(
                    "HTTP path {:?} refused: outside {}",
                    req.path,
                    dir.display()
                );
                http.out
                    .push(response::simple(403, "text/plain", b"forbidden", keep_alive).into());
                return;
            }
            Err(PathError::NotFound) => {
                http.out
                    .push(response::simple(404, "text/plain", b"not found", keep_alive).into());
                return;
            }
        };
        match files::plan(&path, req) {
            Ok(plan) => {
                let length = plan.length + plan.prefix.len() as u64;
                let extra: Vec<(&str, String)> =
                    plan.extra.iter().map(|(k, v)| (*k, v.clone())).collect();
                let head = response::head(
                    plan.status,
                    plan.content_type,
                    Some(length),
                    keep_alive,
                    &extra,
                );
                http.out.push(head.into_bytes().into());
                if req.method == "HEAD" {
                    return;
                }
                http.out.push(plan.prefix.into());
                http.body = Body::File {
                    file: plan.file,
                    remaining: plan.length,
                };
            }
            Err(status) => {
                let body = response::reason(status).as_bytes();
                http.out
                    .push(response::simple(status, "text/plain", body, keep_alive).into());
            }
        }
    }
}
