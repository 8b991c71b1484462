//! The typed ids of the server's arenas: a connection id cannot be passed
//! where a source id is expected. The marker types keep this module (and the
//! modules that only need ids) free of imports of what the ids name.

use srs_core::Id;

/// Names the connections' arena (`Arena<Conn, ConnTag>`).
#[derive(Debug)]
pub enum ConnTag {}

/// Names the sources' arena (`Arena<Source, SourceTag>`).
#[derive(Debug)]
pub enum SourceTag {}

/// A connection (client, HTTP request stream or outbound link).
pub type ConnId = Id<ConnTag>;

/// A live source (one `vhost/app/stream`).
pub type SourceId = Id<SourceTag>;
