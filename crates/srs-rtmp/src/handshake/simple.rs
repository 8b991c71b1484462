//! The simple (plain) handshake: C1/S1 = time(4) + zero(4) + random(1528), C2/S2 echo the peer.

use super::HANDSHAKE_SIZE;

/// Builds a simple C1 or S1: `time(4) + zero(4) + random(1528)`.
pub fn build_c1s1(now_epoch: u32, random: &mut dyn FnMut(&mut [u8])) -> Vec<u8> {
    let mut out = vec![0u8; HANDSHAKE_SIZE];
    out[..4].copy_from_slice(&now_epoch.to_be_bytes());
    random(&mut out[8..]);
    out
}

/// Builds a simple C2 or S2: an echo of the peer's C1/S1.
pub fn build_c2s2(peer_c1s1: &[u8]) -> Vec<u8> {
    peer_c1s1.to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_s1_layout() {
        let s1 = build_c1s1(0x01020304, &mut |b: &mut [u8]| b.fill(0xAB));
        assert_eq!(s1.len(), HANDSHAKE_SIZE);
        assert_eq!(&s1[..8], &[1, 2, 3, 4, 0, 0, 0, 0]);
        assert!(s1[8..].iter().all(|&b| b == 0xAB));
        assert_eq!(build_c2s2(&s1), s1);
    }
}
