//! Injected identity and randomness. Service code never calls `Uuid::new_v4` or a random number
//! generator directly: it asks the [`IdGen`] it was given, so tests can make every ID repeatable.
//!
//! [`RandomIds`] is a SplitMix64 stream seeded from the operating system's hasher seed;
//! [`SequentialIds`] is a seeded stream for tests (same seed, same IDs).

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

/// A source of identifiers and random numbers.
pub trait IdGen: Send + Sync + 'static {
    /// The next 64 random bits.
    fn next_u64(&self) -> u64;

    /// A random version-4 UUID in its usual hyphenated lower-case form.
    fn uuid(&self) -> String {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.next_u64().to_le_bytes());
        bytes[8..].copy_from_slice(&self.next_u64().to_le_bytes());
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .hyphenated()
            .to_string()
    }

    /// `len` random lower-case hexadecimal digits.
    fn hex(&self, len: usize) -> String {
        let mut out = String::with_capacity(len + 16);
        while out.len() < len {
            out.push_str(&format!("{:016x}", self.next_u64()));
        }
        out.truncate(len);
        out
    }

    /// `len` random characters from `alphabet` (which must not be empty).
    fn random_word(&self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| alphabet[(self.next_u64() % alphabet.len() as u64) as usize] as char)
            .collect()
    }

    /// A random number in `[0, 1)`, for probabilistic fault injection.
    fn unit_f64(&self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// SplitMix64: tiny, fast, and good enough for identifiers (not for secrets).
fn splitmix64(state: &AtomicU64) -> u64 {
    let mut z = state
        .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Random identifiers for normal operation.
#[derive(Debug)]
pub struct RandomIds {
    state: AtomicU64,
}

impl Default for RandomIds {
    fn default() -> Self {
        // The standard library seeds `RandomState` from the operating system's entropy source.
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u64(std::process::id() as u64);
        Self {
            state: AtomicU64::new(hasher.finish()),
        }
    }
}

impl IdGen for RandomIds {
    fn next_u64(&self) -> u64 {
        splitmix64(&self.state)
    }
}

/// Repeatable identifiers for tests: the same seed gives the same sequence.
#[derive(Debug)]
pub struct SequentialIds {
    state: AtomicU64,
}

impl SequentialIds {
    pub fn new(seed: u64) -> Self {
        Self {
            state: AtomicU64::new(seed),
        }
    }
}

impl IdGen for SequentialIds {
    fn next_u64(&self) -> u64 {
        splitmix64(&self.state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_ids_repeat() {
        let (a, b) = (SequentialIds::new(7), SequentialIds::new(7));
        assert_eq!(a.uuid(), b.uuid());
        assert_eq!(a.hex(40), b.hex(40));
    }

    #[test]
    fn uuid_has_version_four_shape() {
        let id = RandomIds::default().uuid();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(RandomIds::default().uuid() != id);
    }

    #[test]
    fn hex_and_alphabet_lengths() {
        let ids = RandomIds::default();
        assert_eq!(ids.hex(5).len(), 5);
        assert_eq!(ids.hex(33).len(), 33);
        let word = ids.random_word(b"AB", 12);
        assert!(word.len() == 12 && word.chars().all(|c| c == 'A' || c == 'B'));
        let x = ids.unit_f64();
        assert!((0.0..1.0).contains(&x));
    }
}
