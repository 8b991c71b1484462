//! Token traverse (`vhost { mode remote; origin ...; token_traverse on; }`):
//! an edge asks the origin whether a client may connect, by connecting to it
//! with the client's own connect parameters, before answering the client.
//! The admission (`crate::admission`) holds the client's ticket and its
//! deadline; this is the link that asks, and its verdict.

use std::net::SocketAddr;

use srs_core::FastRng;
use srs_rtmp::command::ConnectCommand;
use srs_rtmp::session::client::{ClientConfig, ClientEvent, ClientSession};

use super::Server;
use crate::admission::TicketId;
use crate::conn::Proto;
use crate::error::ConnError;
use crate::ids::ConnId;
use crate::links::{LinkKind, LinkState};

impl Server {
    /// Asks `origin` about the connect of admission `ticket`. The origin's
    /// name is resolved off the loop.
    pub(crate) fn start_token_check(
        &mut self,
        ticket: TicketId,
        origin: String,
        connect: ConnectCommand,
    ) {
        if origin.is_empty() {
            return self.token_verdict(ticket, Err("no origin".into()));
        }
        self.resolve_token_origin(ticket, origin, connect);
    }

    /// The origin of `ticket`'s token check was resolved: connect to it.
    pub(crate) fn token_resolved(
        &mut self,
        ticket: TicketId,
        c: ConnectCommand,
        dest: String,
        result: Result<SocketAddr, String>,
    ) {
        let addr = match result {
            Ok(a) => a,
            Err(e) => {
                return self
                    .token_verdict(ticket, Err(format!("cannot resolve origin {dest}: {e}")))
            }
        };
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
            Err(e) => return self.token_verdict(ticket, Err(format!("connect {dest}: {e}"))),
        };
        let session = ClientSession::new(
            config,
            FastRng::new(self.rng.next_u64()),
            (self.unix_ms / 1000) as u32,
        );
        let key = crate::stream::StreamKey {
            vhost: String::new(),
            app: String::new(),
            stream: String::new(),
        };
        let proto = Proto::Forward(Box::new(LinkState {
            session,
            dest: dest.clone(),
            key,
            connected: false,
            kind: LinkKind::TokenCheck,
            ticket: Some(ticket),
            link: None,
        }));
        let cid = self.next_cid;
        self.next_cid += 1;
        match self.insert_conn(cid, socket, addr, proto) {
            Some(link) => {
                log::info!("token traverse: asking origin {dest}");
                self.mark_dirty(link);
            }
            None => self.token_verdict(ticket, Err("cannot register the origin connection".into())),
        }
    }

    /// An event of token-check link `link` (for `ticket`): the origin
    /// answered the connect.
    pub(crate) fn on_token_event(&mut self, link: ConnId, ticket: TicketId, event: ClientEvent) {
        let verdict = match event {
            ClientEvent::Connected => Ok(()),
            ClientEvent::Rejected { code, description } => {
                Err(format!("origin refused: {code} {description}"))
            }
            _ => return,
        };
        // The verdict first: the link's close reports "no answer", which a
        // decided ticket ignores.
        self.token_verdict(ticket, verdict);
        self.close(link, ConnError::Done("token traverse answered"));
    }

    /// Token-check link for `ticket` closed (without an answer, or after it:
    /// a decided ticket ignores a second verdict).
    pub(crate) fn token_link_closed(&mut self, ticket: TicketId) {
        self.token_verdict(ticket, Err("the origin closed the connection".into()));
    }

    fn token_verdict(&mut self, ticket: TicketId, verdict: Result<(), String>) {
        self.admission
            .on_origin_verdict(self.now_ms, ticket, verdict);
        self.run_admission(true);
    }
}
