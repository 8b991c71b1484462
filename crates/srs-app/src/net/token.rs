//! What a mio token names. One enum, packed into the token's `usize` with a
//! 2-bit tag, so a connection id can never be read as a listener index (or
//! the other way round), whatever the slot's generation.

use mio::Token;

use crate::ids::ConnId;

/// The owner of a mio registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A connection of the arena.
    Conn(ConnId),
    /// The listener at this index of the server's list.
    Listener(usize),
    /// The waker that worker threads use.
    Waker,
    /// The signal pipe.
    Signals,
}

const TAG_CONN: usize = 0;
const TAG_LISTENER: usize = 1;
const TAG_WAKER: usize = 2;
const TAG_SIGNALS: usize = 3;
const TAG_BITS: u32 = 2;
/// Connection slots above this index cannot be packed (a billion connections).
pub const MAX_CONN_INDEX: u32 = (1 << (32 - TAG_BITS)) - 1;

impl TokenKind {
    /// The mio token; `None` for a connection index beyond [`MAX_CONN_INDEX`].
    pub fn token(self) -> Option<Token> {
        let v = match self {
            TokenKind::Conn(id) => {
                if id.index() > MAX_CONN_INDEX {
                    return None;
                }
                ((id.generation() as usize) << 32) | ((id.index() as usize) << TAG_BITS) | TAG_CONN
            }
            TokenKind::Listener(i) => (i << TAG_BITS) | TAG_LISTENER,
            TokenKind::Waker => TAG_WAKER,
            TokenKind::Signals => TAG_SIGNALS,
        };
        Some(Token(v))
    }

    /// What a token returned by poll names.
    pub fn of(token: Token) -> TokenKind {
        let v = token.0;
        match v & ((1 << TAG_BITS) - 1) {
            TAG_CONN => {
                let index = ((v & 0xffff_ffff) >> TAG_BITS) as u64;
                let generation = (v >> 32) as u64;
                TokenKind::Conn(ConnId::from_u64((generation << 32) | index))
            }
            TAG_LISTENER => TokenKind::Listener(v >> TAG_BITS),
            TAG_WAKER => TokenKind::Waker,
            _ => TokenKind::Signals,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips() {
        for generation in [0u64, 1, 0x3fff_ffff, 0x4000_0000, u32::MAX as u64] {
            for index in [0u64, 1, 77, MAX_CONN_INDEX as u64] {
                let id = ConnId::from_u64((generation << 32) | index);
                let t = TokenKind::Conn(id).token().expect("packs");
                assert_eq!(TokenKind::of(t), TokenKind::Conn(id));
            }
        }
        for k in [
            TokenKind::Listener(0),
            TokenKind::Listener(9),
            TokenKind::Waker,
            TokenKind::Signals,
        ] {
            assert_eq!(TokenKind::of(k.token().expect("packs")), k);
        }
    }

    #[test]
    fn a_reused_slot_is_never_a_listener() {
        // Once, a slot reused ~2^30 times made `gen << 32 | index` reach the
        // listeners' range.
        let id = ConnId::from_u64((0x4000_0000u64 << 32) | 3);
        let t = TokenKind::Conn(id).token().expect("packs");
        assert!(matches!(TokenKind::of(t), TokenKind::Conn(_)));
        assert!(TokenKind::Conn(ConnId::from_u64(MAX_CONN_INDEX as u64 + 1))
            .token()
            .is_none());
    }
}
