//! The complex (digest) handshake: block layouts of both schemas, HMAC-SHA256 digests, the
//! 1024-bit DH public key (RFC 2409 group 2) and the C2/S2 signatures.
//!
//! C1/S1 = time(4) + version(4) + two 764-byte blocks. Schema 0 puts the key block first,
//! schema 1 the digest block first.
//! - digest block: offset(4) + random(off) + digest(32) + random(728 - off); off = sum of
//!   the 4 offset bytes % 728.
//! - key block: random(off) + key(128) + random(632 - off) + offset(4); off = sum % 632.

use openssl::bn::BigNum;
use openssl::dh::Dh;
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::sign::Signer;

use super::HANDSHAKE_SIZE;
use crate::RtmpError;

/// The 32 bytes that follow both Adobe keys in their full form.
const KEY_TAIL: [u8; 32] = [
    0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8, 0x2E, 0x00, 0xD0, 0xD1, 0x02, 0x9E, 0x7E, 0x57,
    0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80, 0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE,
];

/// "Genuine Adobe Flash Player 001" + the 32-byte tail (62 bytes); the first 30 bytes sign C1.
pub const FP_KEY_FULL: [u8; 62] = concat_key(b"Genuine Adobe Flash Player 001");
/// The 30-byte Flash Player key that signs C1.
pub const FP_KEY: &[u8] = b"Genuine Adobe Flash Player 001";
/// "Genuine Adobe Flash Media Server 001" + the 32-byte tail (68 bytes); the first 36 sign S1.
pub const FMS_KEY_FULL: [u8; 68] = concat_key(b"Genuine Adobe Flash Media Server 001");
/// The 36-byte Flash Media Server key that signs S1.
pub const FMS_KEY: &[u8] = b"Genuine Adobe Flash Media Server 001";

/// Version field the server puts in a complex S1.
pub const SERVER_VERSION: u32 = 0x0100_0504;
/// Version field the client puts in a complex C1.
pub const CLIENT_VERSION: u32 = 0x8000_0702;

/// Size of one block (key or digest) of C1/S1.
pub const BLOCK_SIZE: usize = 764;
/// Size of an HMAC-SHA256 digest.
pub const DIGEST_SIZE: usize = 32;
/// Size of the DH public key in the key block.
pub const KEY_SIZE: usize = 128;
/// Size of the random part of C2/S2 (the rest is its 32-byte signature).
pub const C2S2_RANDOM_SIZE: usize = HANDSHAKE_SIZE - DIGEST_SIZE;

const fn concat_key<const N: usize>(short: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    let mut i = 0;
    while i < short.len() {
        out[i] = short[i];
        i += 1;
    }
    let mut j = 0;
    while j < KEY_TAIL.len() {
        out[i + j] = KEY_TAIL[j];
        j += 1;
    }
    out
}

/// Order of the two 764-byte blocks in C1/S1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// Key block first, then the digest block.
    Schema0,
    /// Digest block first, then the key block.
    Schema1,
}

impl Schema {
    fn key_block_start(self) -> usize {
        match self {
            Schema::Schema0 => 8,
            Schema::Schema1 => 8 + BLOCK_SIZE,
        }
    }

    fn digest_block_start(self) -> usize {
        match self {
            Schema::Schema0 => 8 + BLOCK_SIZE,
            Schema::Schema1 => 8,
        }
    }
}

fn sum4(b: &[u8]) -> usize {
    b.iter().take(4).map(|&x| x as usize).sum()
}

/// Position of the 32-byte digest inside a 1536-byte C1/S1 for the given schema.
/// Returns `None` if `c1s1` is shorter than 1536 bytes.
pub fn digest_position(c1s1: &[u8], schema: Schema) -> Option<usize> {
    if c1s1.len() < HANDSHAKE_SIZE {
        return None;
    }
    let start = schema.digest_block_start();
    let off = sum4(c1s1.get(start..start + 4)?) % (BLOCK_SIZE - 4 - DIGEST_SIZE);
    Some(start + 4 + off)
}

/// Position of the 128-byte DH public key inside a 1536-byte C1/S1 for the given schema.
/// Returns `None` if `c1s1` is shorter than 1536 bytes.
pub fn key_position(c1s1: &[u8], schema: Schema) -> Option<usize> {
    if c1s1.len() < HANDSHAKE_SIZE {
        return None;
    }
    let start = schema.key_block_start();
    let off_at = start + BLOCK_SIZE - 4;
    let off = sum4(c1s1.get(off_at..off_at + 4)?) % (BLOCK_SIZE - KEY_SIZE - 4);
    Some(start + off)
}

/// HMAC-SHA256 of the concatenation of `parts` with `key`.
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Result<[u8; 32], RtmpError> {
    let pkey = PKey::hmac(key)?;
    let mut signer = Signer::new(MessageDigest::sha256(), &pkey)?;
    for p in parts {
        signer.update(p)?;
    }
    let v = signer.sign_to_vec()?;
    let mut out = [0u8; 32];
    if v.len() != out.len() {
        return Err(RtmpError::Ssl(format!(
            "HMAC-SHA256 gave {} bytes",
            v.len()
        )));
    }
    out.copy_from_slice(&v);
    Ok(out)
}

/// Digest of a C1/S1 computed over every byte except the 32 digest bytes at `pos`.
fn compute_digest(c1s1: &[u8], pos: usize, key: &[u8]) -> Result<[u8; 32], RtmpError> {
    let before = c1s1
        .get(..pos)
        .ok_or_else(|| RtmpError::Handshake("digest position out of range".into()))?;
    let after = c1s1
        .get(pos + DIGEST_SIZE..HANDSHAKE_SIZE)
        .ok_or_else(|| RtmpError::Handshake("digest position out of range".into()))?;
    hmac_sha256(key, &[before, after])
}

/// If the digest of `c1s1` laid out with `schema` validates with `key` (the 30-byte FP key for
/// C1, the 36-byte FMS key for S1), returns it.
pub fn validate_digest(
    c1s1: &[u8],
    schema: Schema,
    key: &[u8],
) -> Result<Option<[u8; 32]>, RtmpError> {
    let Some(pos) = digest_position(c1s1, schema) else {
        return Ok(None);
    };
    let expected = compute_digest(c1s1, pos, key)?;
    let found = &c1s1[pos..pos + DIGEST_SIZE];
    if openssl::memcmp::eq(&expected, found) {
        Ok(Some(expected))
    } else {
        Ok(None)
    }
}

/// Tries schema 0, then schema 1; returns the schema and digest that validate with `key`.
pub fn find_digest(c1s1: &[u8], key: &[u8]) -> Result<Option<(Schema, [u8; 32])>, RtmpError> {
    for schema in [Schema::Schema0, Schema::Schema1] {
        if let Some(d) = validate_digest(c1s1, schema, key)? {
            return Ok(Some((schema, d)));
        }
    }
    Ok(None)
}

/// Generates a 1024-bit DH key pair on the RFC 2409 group 2 prime (g = 2) and returns the
/// public key, left-padded with zeros to 128 bytes.
pub fn dh_public_key() -> Result<[u8; KEY_SIZE], RtmpError> {
    let p = BigNum::get_rfc2409_prime_1024()?;
    let g = BigNum::from_u32(2)?;
    let dh = Dh::from_pqg(p, None, g)?.generate_key()?;
    let public = dh.public_key().to_vec();
    let mut out = [0u8; KEY_SIZE];
    if public.len() > KEY_SIZE {
        return Err(RtmpError::Ssl(format!(
            "DH public key of {} bytes, expected at most {KEY_SIZE}",
            public.len()
        )));
    }
    out[KEY_SIZE - public.len()..].copy_from_slice(&public);
    Ok(out)
}

/// Builds a complex C1 or S1: `time + version + blocks` in `schema`, with `public_key` in the
/// key block and a digest signed with `digest_key` (30-byte FP key for C1, 36-byte FMS key
/// for S1). Returns the 1536 bytes and the digest.
pub fn build_c1s1(
    now_epoch: u32,
    version: u32,
    schema: Schema,
    public_key: &[u8; KEY_SIZE],
    digest_key: &[u8],
    random: &mut dyn FnMut(&mut [u8]),
) -> Result<(Vec<u8>, [u8; 32]), RtmpError> {
    let mut out = vec![0u8; HANDSHAKE_SIZE];
    random(&mut out[8..]);
    out[..4].copy_from_slice(&now_epoch.to_be_bytes());
    out[4..8].copy_from_slice(&version.to_be_bytes());
    let kpos =
        key_position(&out, schema).ok_or_else(|| RtmpError::Handshake("C1/S1 too short".into()))?;
    out[kpos..kpos + KEY_SIZE].copy_from_slice(public_key);
    let dpos = digest_position(&out, schema)
        .ok_or_else(|| RtmpError::Handshake("C1/S1 too short".into()))?;
    let digest = compute_digest(&out, dpos, digest_key)?;
    out[dpos..dpos + DIGEST_SIZE].copy_from_slice(&digest);
    Ok((out, digest))
}

/// Builds a complex C2 or S2: `random(1504) + HMAC(HMAC(full_key, peer_digest), random)`.
/// For S2 `full_key` is the 68-byte FMS key and `peer_digest` the C1 digest; for C2 the
/// 62-byte FP key and the S1 digest.
pub fn build_c2s2(
    full_key: &[u8],
    peer_digest: &[u8; 32],
    random: &mut dyn FnMut(&mut [u8]),
) -> Result<Vec<u8>, RtmpError> {
    let mut out = vec![0u8; HANDSHAKE_SIZE];
    random(&mut out[..C2S2_RANDOM_SIZE]);
    let temp_key = hmac_sha256(full_key, &[peer_digest])?;
    let sig = hmac_sha256(&temp_key, &[&out[..C2S2_RANDOM_SIZE]])?;
    out[C2S2_RANDOM_SIZE..].copy_from_slice(&sig);
    Ok(out)
}

/// Checks the signature of a complex C2/S2 (see [`build_c2s2`] for the keys).
pub fn validate_c2s2(
    c2s2: &[u8],
    full_key: &[u8],
    peer_digest: &[u8; 32],
) -> Result<bool, RtmpError> {
    if c2s2.len() < HANDSHAKE_SIZE {
        return Ok(false);
    }
    let temp_key = hmac_sha256(full_key, &[peer_digest])?;
    let sig = hmac_sha256(&temp_key, &[&c2s2[..C2S2_RANDOM_SIZE]])?;
    Ok(openssl::memcmp::eq(
        &sig,
        &c2s2[C2S2_RANDOM_SIZE..HANDSHAKE_SIZE],
    ))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The Flash Player C0C1 test vector, decoded from hex.
    pub(crate) fn flash_c0c1() -> Vec<u8> {
        // Kept in the crate (testdata/), so the tests need nothing beside it.
        let text = include_str!("../../testdata/flash_c0c1.hex");
        let digits: Vec<u8> = text.bytes().filter(|b| b.is_ascii_hexdigit()).collect();
        digits
            .chunks(2)
            .map(|p| {
                let s = std::str::from_utf8(p).expect("hex");
                u8::from_str_radix(s, 16).expect("hex")
            })
            .collect()
    }

    /// A deterministic "random" source for tests.
    pub(crate) fn counter_random(seed: u8) -> impl FnMut(&mut [u8]) {
        let mut state = seed as u32;
        move |buf: &mut [u8]| {
            for b in buf {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                *b = (state >> 16) as u8;
            }
        }
    }

    #[test]
    fn keys() {
        assert_eq!(FP_KEY.len(), 30);
        assert_eq!(FMS_KEY.len(), 36);
        assert_eq!(&FP_KEY_FULL[..30], FP_KEY);
        assert_eq!(&FMS_KEY_FULL[..36], FMS_KEY);
        assert_eq!(&FP_KEY_FULL[30..], &KEY_TAIL);
        assert_eq!(&FMS_KEY_FULL[36..], &KEY_TAIL);
        assert_eq!(FMS_KEY_FULL[67], 0xAE);
    }

    #[test]
    fn dh_prime_is_rfc2409_group2() {
        let p = BigNum::get_rfc2409_prime_1024().unwrap();
        let expected = BigNum::from_hex_str(
            "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1\
             29024E088A67CC74020BBEA63B139B22514A08798E3404DD\
             EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245\
             E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED\
             EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381\
             FFFFFFFFFFFFFFFF",
        )
        .unwrap();
        assert_eq!(p, expected);
        let k = dh_public_key().unwrap();
        assert_eq!(k.len(), 128);
        assert_ne!(k, [0u8; 128]);
    }

    #[test]
    fn flash_vector_is_complex_schema0() {
        let c0c1 = flash_c0c1();
        assert_eq!(c0c1.len(), 1537);
        assert_eq!(c0c1[0], 3);
        let c1 = &c0c1[1..];
        assert_eq!(&c1[4..8], &CLIENT_VERSION.to_be_bytes());
        let schema0 = validate_digest(c1, Schema::Schema0, FP_KEY).unwrap();
        assert!(schema0.is_some(), "schema 0 digest must validate");
        assert!(validate_digest(c1, Schema::Schema1, FP_KEY)
            .unwrap()
            .is_none());
        let (schema, digest) = find_digest(c1, FP_KEY).unwrap().unwrap();
        assert_eq!(schema, Schema::Schema0);
        let pos = digest_position(c1, Schema::Schema0).unwrap();
        assert_eq!(&c1[pos..pos + 32], &digest);
        // the FMS key must not validate a client's C1
        assert!(find_digest(c1, FMS_KEY).unwrap().is_none());
    }

    #[test]
    fn build_and_validate_both_schemas() {
        let key = [7u8; KEY_SIZE];
        for schema in [Schema::Schema0, Schema::Schema1] {
            let (s1, digest) = build_c1s1(
                99,
                SERVER_VERSION,
                schema,
                &key,
                FMS_KEY,
                &mut counter_random(1),
            )
            .unwrap();
            assert_eq!(&s1[..4], &99u32.to_be_bytes());
            assert_eq!(&s1[4..8], &SERVER_VERSION.to_be_bytes());
            let kpos = key_position(&s1, schema).unwrap();
            assert_eq!(&s1[kpos..kpos + KEY_SIZE], &key);
            assert_eq!(validate_digest(&s1, schema, FMS_KEY).unwrap(), Some(digest));
            assert_eq!(find_digest(&s1, FMS_KEY).unwrap(), Some((schema, digest)));
            assert!(find_digest(&s1, FP_KEY).unwrap().is_none());
            let s2 = build_c2s2(&FMS_KEY_FULL, &digest, &mut counter_random(2)).unwrap();
            assert!(validate_c2s2(&s2, &FMS_KEY_FULL, &digest).unwrap());
            assert!(!validate_c2s2(&s2, &FP_KEY_FULL, &digest).unwrap());
        }
    }

    #[test]
    fn short_input_never_panics() {
        assert_eq!(digest_position(&[0u8; 10], Schema::Schema0), None);
        assert_eq!(key_position(&[0u8; 10], Schema::Schema1), None);
        assert!(find_digest(&[0u8; 100], FP_KEY).unwrap().is_none());
        assert!(!validate_c2s2(&[0u8; 5], &FMS_KEY_FULL, &[0; 32]).unwrap());
    }
}
