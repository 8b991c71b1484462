//! A small non-cryptographic PRNG for protocol filler bytes (handshake
//! random blocks, ids). Anything secret must use a cryptographic source.

/// xorshift64* generator.
#[derive(Debug, Clone)]
pub struct FastRng(u64);

impl FastRng {
    /// A generator from `seed` (0 is replaced by a fixed odd constant).
    pub fn new(seed: u64) -> Self {
        FastRng(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    /// A generator seeded from the wall clock and the process id.
    pub fn from_entropy() -> Self {
        let t = crate::clock::unix_ms();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos() as u64)
            .unwrap_or(0);
        Self::new(t ^ (nanos << 20) ^ ((std::process::id() as u64) << 40))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Fills `buf` with random bytes.
    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_for_a_seed_and_fills_odd_lengths() {
        let mut a = FastRng::new(42);
        let mut b = FastRng::new(42);
        let mut x = [0u8; 13];
        let mut y = [0u8; 13];
        a.fill(&mut x);
        b.fill(&mut y);
        assert_eq!(x, y);
        assert!(x.iter().any(|&v| v != 0));
        assert_ne!(FastRng::new(1).next_u64(), FastRng::new(2).next_u64());
    }
}
