//! Server logic of the srs live-streaming server: the config, the mio event
//! loop, RTMP connections, and live sources with their caches and player
//! queues.
//!
//! ```no_run
//! # use srs_app::{config::Config, server::Server};
//! let config = Config::load("conf/srs.conf".as_ref())?;
//! let mut server = Server::bind(config, true)?;
//! server.run()?;
//! # Ok::<(), srs_app::error::AppError>(())
//! ```
#![warn(missing_docs)]

pub mod admission;
pub mod config;
pub mod conn;
pub mod error;
pub mod hooks;
pub mod http;
pub mod ids;
pub mod links;
pub mod logging;
pub mod net;
pub mod process;
pub mod refer;
pub mod refused;
pub mod server;
pub mod sink;
pub mod stats;
pub mod stream;
pub mod supervisor;
pub mod timestamp;
pub mod workers;

pub use error::AppError;
pub use server::{Server, ServerHandle};
