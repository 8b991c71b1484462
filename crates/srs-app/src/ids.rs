//! The typed ids of the server's arenas: a connection id cannot be passed
//! where a source id is expected.

use srs_core::Id;

/// A connection (client, HTTP request stream or outbound link).
pub type ConnId = Id<crate::conn::Conn>;

/// A live source (one `vhost/app/stream`).
pub type SourceId = Id<crate::stream::Source>;
