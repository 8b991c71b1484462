//! The RTMP handshake (C0C1C2 / S0S1S2), simple and complex (digest) forms.
//!
//! Both sides are sans-IO state machines: feed received bytes, take the bytes to send.
//! Randomness comes in through a `random: &mut dyn FnMut(&mut [u8])` fill function and the
//! time through a `u32` epoch value. (OpenSSL generates the DH key pair of the complex
//! handshake internally.)

pub mod client;
pub mod complex;
pub mod server;
pub mod simple;

pub use client::ClientHandshake;
pub use complex::Schema;
pub use server::ServerHandshake;

/// The only RTMP version accepted in C0/S0.
pub const RTMP_VERSION: u8 = 3;
/// Size of C1, C2, S1 and S2.
pub const HANDSHAKE_SIZE: usize = 1536;
/// Size of C0 + C1.
pub const C0C1_SIZE: usize = 1 + HANDSHAKE_SIZE;
/// Size of S0 + S1 + S2.
pub const S0S1S2_SIZE: usize = 1 + 2 * HANDSHAKE_SIZE;

/// Which handshake form was negotiated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandshakeKind {
    /// Plain handshake: S1 is random, S2 echoes C1.
    Simple,
    /// Digest handshake with HMAC-SHA256 and a DH public key.
    Complex,
}
