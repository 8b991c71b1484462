//! Token traverse (`vhost { mode remote; origin ...; token_traverse on; }`):
//! an edge asks the origin whether a client may connect, by connecting to it
//! with the client's own connect parameters, before answering the client.

use std::net::SocketAddr;
use std::sync::Arc;

use srs_core::log::ContextGuard;
use srs_core::FastRng;
use srs_rtmp::command::ConnectCommand;
use srs_rtmp::session::client::{ClientConfig, ClientEvent, ClientSession};

use super::forward::Waiter;
use super::Server;
use crate::config::VhostConfig;
use crate::conn::Proto;
use crate::error::ConnError;
use crate::ids::ConnId;
use crate::link::{LinkKind, LinkState};

/// A client waiting for the origin's verdict.
pub(crate) struct TokenCheck {
    client: ConnId,
    connect: ConnectCommand,
    vhost: Arc<VhostConfig>,
}

impl Server {
    /// Asks the first origin about client `id`'s connect; the client waits.
    /// The origin's name is resolved off the loop.
    pub(crate) fn start_token_check(
        &mut self,
        id: ConnId,
        c: ConnectCommand,
        vhost: Arc<VhostConfig>,
    ) {
        let Some(origin) = vhost.origin.first().cloned() else {
            self.token_verdict(
                TokenCheck {
                    client: id,
                    connect: c,
                    vhost,
                },
                Err("no origin".into()),
            );
            return;
        };
        self.token_resolving.insert(
            id,
            TokenCheck {
                client: id,
                connect: c,
                vhost,
            },
        );
        self.resolve_link(Waiter::Client(id), origin, LinkKind::TokenCheck);
    }

    /// The origin of client `id`'s token check was resolved: connect to it.
    pub(crate) fn token_resolved(
        &mut self,
        id: ConnId,
        dest: String,
        result: Result<SocketAddr, String>,
    ) {
        let Some(check) = self.token_resolving.remove(&id) else {
            return;
        };
        let addr = match result {
            Ok(a) => a,
            Err(e) => {
                return self.token_verdict(check, Err(format!("cannot resolve origin {dest}: {e}")))
            }
        };
        let c = &check.connect;
        let app_with_params = if c.app.is_empty() {
            c.tc_url
                .rsplit_once('/')
                .map(|(_, a)| a.to_string())
                .unwrap_or_default()
        } else {
            c.app.clone()
        };
        let config = ClientConfig {
            tc_url: format!("rtmp://{addr}/{app_with_params}"),
            app: app_with_params,
            page_url: c.page_url.clone(),
            swf_url: c.swf_url.clone(),
            flash_ver: format!("SRS-RS/{}", env!("CARGO_PKG_VERSION")),
            complex_handshake: true,
            out_chunk_size: 4096,
        };
        let socket = match mio::net::TcpStream::connect(addr) {
            Ok(s) => s,
            Err(e) => return self.token_verdict(check, Err(format!("connect {dest}: {e}"))),
        };
        let session = ClientSession::new(
            config,
            FastRng::new(self.rng.next_u64()),
            (self.unix_ms / 1000) as u32,
        );
        let key = crate::stream::StreamKey {
            vhost: check.vhost.name.clone(),
            app: String::new(),
            stream: String::new(),
        };
        let proto = Proto::Forward(Box::new(LinkState {
            session,
            dest: dest.clone(),
            key,
            connected: false,
            kind: LinkKind::TokenCheck,
        }));
        let cid = self.next_cid;
        self.next_cid += 1;
        match self.insert_conn(cid, socket, addr, proto) {
            Some(link) => {
                log::info!("token traverse: asking origin {dest}");
                self.token_checks.insert(link, check);
                self.mark_dirty(link);
            }
            None => self.token_verdict(check, Err("cannot register the origin connection".into())),
        }
    }

    /// An event of a token-check link: the origin answered the connect.
    pub(crate) fn on_token_event(&mut self, link: ConnId, event: ClientEvent) {
        let verdict = match event {
            ClientEvent::Connected => Ok(()),
            ClientEvent::Rejected { code, description } => {
                Err(format!("origin refused: {code} {description}"))
            }
            _ => return,
        };
        if let Some(check) = self.token_checks.remove(&link) {
            self.token_verdict(check, verdict);
        }
        self.close(link, ConnError::Done("token traverse answered"));
    }

    /// A token-check link closed without an answer.
    pub(crate) fn token_link_closed(&mut self, link: ConnId) {
        if let Some(check) = self.token_checks.remove(&link) {
            self.token_verdict(check, Err("the origin closed the connection".into()));
        }
    }

    fn token_verdict(&mut self, check: TokenCheck, verdict: Result<(), String>) {
        let id = check.client;
        let Some(cid) = self.conns.get(id).map(|c| c.cid) else {
            return;
        };
        let _ctx = ContextGuard::enter(cid);
        let result = match verdict {
            Ok(()) => {
                log::info!("token traverse: the origin accepted the client");
                self.connect_after_checks(id, &check.connect, &check.vhost)
            }
            Err(why) => {
                let why = format!("token traverse: {why}");
                self.reject_connect(id, &why)
            }
        };
        if let Err(e) = result {
            self.close(id, ConnError::Protocol(e));
            return;
        }
        self.drain_rtmp_events(id);
    }
}
