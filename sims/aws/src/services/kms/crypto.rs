//! KMS's cryptography, pure: the ciphertext blob (which key, which key material, nonce, sealed
//! data), AES-256-GCM sealing with the encryption context as authenticated data, ECDSA key
//! pairs and signatures, HMAC. Nothing here reads the store or knows about requests.
//!
//! Blob layout (ours; AWS's is opaque to clients too): `0x01`, the 36-character key ID, the
//! material index (u32, big-endian), the 12-byte nonce, then the sealed bytes with their tag.
//! Carrying the key ID is what lets Decrypt find the key without a `KeyId`.

use std::collections::BTreeMap;

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{self, EcdsaKeyPair, KeyPair};

const VERSION: u8 = 1;
const KEY_ID_LEN: usize = 36;
const NONCE_LEN: usize = 12;
const HEADER_LEN: usize = 1 + KEY_ID_LEN + 4 + NONCE_LEN;

/// A ciphertext blob this KMS did not make, or one that does not open (wrong context,
/// tampered bytes, another key's blob).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unopenable;

/// The parts of a ciphertext blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope<'a> {
    pub key_id: &'a str,
    pub material: u32,
    nonce: [u8; NONCE_LEN],
    sealed: &'a [u8],
}

/// `len` bytes from the system's secure generator (key material, data keys, GenerateRandom).
pub fn random_bytes(len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    // The system generator fails only if the OS has no entropy source at all.
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the operating system's random generator is available");
    bytes
}

/// The authenticated data of an encryption context: its pairs in key order, length-prefixed,
/// so that no two different contexts serialize alike.
fn context_aad(context: &BTreeMap<String, String>) -> Vec<u8> {
    let mut aad = Vec::new();
    for (key, value) in context {
        for part in [key, value] {
            aad.extend_from_slice(&(part.len() as u32).to_be_bytes());
            aad.extend_from_slice(part.as_bytes());
        }
    }
    aad
}

fn sealing_key(secret: &[u8]) -> Option<LessSafeKey> {
    UnboundKey::new(&AES_256_GCM, secret)
        .ok()
        .map(LessSafeKey::new)
}

/// Seals `plaintext` under `secret` (32 bytes) and frames it as a blob naming `key_id` and the
/// material index.
pub fn seal(
    key_id: &str,
    material: u32,
    secret: &[u8],
    plaintext: &[u8],
    context: &BTreeMap<String, String>,
) -> Vec<u8> {
    let key = sealing_key(secret).expect("key material is 32 bytes");
    let nonce_bytes: [u8; NONCE_LEN] = random_bytes(NONCE_LEN)
        .try_into()
        .expect("asked for exactly NONCE_LEN bytes");
    let mut sealed = plaintext.to_vec();
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce_bytes),
        Aad::from(context_aad(context)),
        &mut sealed,
    )
    .expect("AES-GCM seals any plaintext below 64 GiB");
    let mut blob = Vec::with_capacity(HEADER_LEN + sealed.len());
    blob.push(VERSION);
    let mut id = key_id.as_bytes().to_vec();
    id.resize(KEY_ID_LEN, b' ');
    blob.extend_from_slice(&id);
    blob.extend_from_slice(&material.to_be_bytes());
    blob.extend_from_slice(&nonce_bytes);
    blob.extend_from_slice(&sealed);
    blob
}

/// Reads a blob's frame (without opening it).
pub fn envelope(blob: &[u8]) -> Result<Envelope<'_>, Unopenable> {
    if blob.len() < HEADER_LEN + AES_256_GCM.tag_len() || blob[0] != VERSION {
        return Err(Unopenable);
    }
    let key_id = std::str::from_utf8(&blob[1..1 + KEY_ID_LEN])
        .map_err(|_| Unopenable)?
        .trim_end();
    let material_at = 1 + KEY_ID_LEN;
    let material = u32::from_be_bytes(
        blob[material_at..material_at + 4]
            .try_into()
            .map_err(|_| Unopenable)?,
    );
    let nonce = blob[material_at + 4..HEADER_LEN]
        .try_into()
        .map_err(|_| Unopenable)?;
    Ok(Envelope {
        key_id,
        material,
        nonce,
        sealed: &blob[HEADER_LEN..],
    })
}

/// Opens a blob's sealed bytes under `secret` with `context` as authenticated data.
pub fn open(
    envelope: &Envelope<'_>,
    secret: &[u8],
    context: &BTreeMap<String, String>,
) -> Result<Vec<u8>, Unopenable> {
    let key = sealing_key(secret).ok_or(Unopenable)?;
    let mut buffer = envelope.sealed.to_vec();
    let plaintext = key
        .open_in_place(
            Nonce::assume_unique_for_key(envelope.nonce),
            Aad::from(context_aad(context)),
            &mut buffer,
        )
        .map_err(|_| Unopenable)?;
    Ok(plaintext.to_vec())
}

/// The elliptic curves KMS offers for signing that this simulator can generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    P256,
    P384,
}

impl Curve {
    /// The curve of a KMS key spec (`ECC_NIST_P256`, `ECC_NIST_P384`).
    pub fn of_spec(spec: &str) -> Option<Self> {
        match spec {
            "ECC_NIST_P256" => Some(Self::P256),
            "ECC_NIST_P384" => Some(Self::P384),
            _ => None,
        }
    }

    /// KMS's one signing algorithm for the curve.
    pub fn signing_algorithm(self) -> &'static str {
        match self {
            Self::P256 => "ECDSA_SHA_256",
            Self::P384 => "ECDSA_SHA_384",
        }
    }

    fn signing(self) -> &'static signature::EcdsaSigningAlgorithm {
        match self {
            Self::P256 => &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
            Self::P384 => &signature::ECDSA_P384_SHA384_ASN1_SIGNING,
        }
    }

    fn verifying(self) -> &'static signature::EcdsaVerificationAlgorithm {
        match self {
            Self::P256 => &signature::ECDSA_P256_SHA256_ASN1,
            Self::P384 => &signature::ECDSA_P384_SHA384_ASN1,
        }
    }

    /// The DER prefix of a SubjectPublicKeyInfo for an uncompressed point on the curve.
    fn spki_prefix(self) -> &'static [u8] {
        match self {
            Self::P256 => &[
                0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06,
                0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
            ],
            Self::P384 => &[
                0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06,
                0x05, 0x2b, 0x81, 0x04, 0x00, 0x22, 0x03, 0x62, 0x00,
            ],
        }
    }
}

/// A new key pair on `curve`: its PKCS#8 private key and its DER SubjectPublicKeyInfo (what
/// GetPublicKey returns).
pub fn new_key_pair(curve: Curve) -> (Vec<u8>, Vec<u8>) {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(curve.signing(), &rng)
        .expect("ECDSA key generation needs only the system random generator");
    let pair = EcdsaKeyPair::from_pkcs8(curve.signing(), pkcs8.as_ref(), &rng)
        .expect("a freshly generated PKCS#8 key parses");
    let mut spki = curve.spki_prefix().to_vec();
    spki.extend_from_slice(pair.public_key().as_ref());
    (pkcs8.as_ref().to_vec(), spki)
}

/// The DER (ASN.1) ECDSA signature of `message` under the PKCS#8 key.
pub fn sign(curve: Curve, pkcs8: &[u8], message: &[u8]) -> Option<Vec<u8>> {
    let rng = SystemRandom::new();
    let pair = EcdsaKeyPair::from_pkcs8(curve.signing(), pkcs8, &rng).ok()?;
    pair.sign(&rng, message)
        .ok()
        .map(|signature| signature.as_ref().to_vec())
}

/// Whether `signature` is a valid signature of `message` by the key whose SubjectPublicKeyInfo
/// is `spki`.
pub fn verify(curve: Curve, spki: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let point = &spki[curve.spki_prefix().len().min(spki.len())..];
    signature::UnparsedPublicKey::new(curve.verifying(), point)
        .verify(message, signature)
        .is_ok()
}

/// The HMAC algorithm of a KMS MAC algorithm name (`HMAC_SHA_256`, ...); HMAC_SHA_224 is not
/// offered by the cryptography library.
pub fn hmac_algorithm(name: &str) -> Option<ring::hmac::Algorithm> {
    match name {
        "HMAC_SHA_256" => Some(ring::hmac::HMAC_SHA256),
        "HMAC_SHA_384" => Some(ring::hmac::HMAC_SHA384),
        "HMAC_SHA_512" => Some(ring::hmac::HMAC_SHA512),
        _ => None,
    }
}

pub fn mac(algorithm: ring::hmac::Algorithm, secret: &[u8], message: &[u8]) -> Vec<u8> {
    let key = ring::hmac::Key::new(algorithm, secret);
    ring::hmac::sign(&key, message).as_ref().to_vec()
}

pub fn mac_valid(
    algorithm: ring::hmac::Algorithm,
    secret: &[u8],
    message: &[u8],
    tag: &[u8],
) -> bool {
    let key = ring::hmac::Key::new(algorithm, secret);
    ring::hmac::verify(&key, message, tag).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";

    fn context(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_blob_opens_only_with_its_context_and_secret() {
        let secret = random_bytes(32);
        let ctx = context(&[("purpose", "test")]);
        let blob = seal(KEY_ID, 3, &secret, b"hello", &ctx);
        let frame = envelope(&blob).unwrap();
        assert_eq!(frame.key_id, KEY_ID);
        assert_eq!(frame.material, 3);
        assert_eq!(open(&frame, &secret, &ctx).unwrap(), b"hello");
        assert_eq!(
            open(&frame, &secret, &context(&[("purpose", "other")])),
            Err(Unopenable)
        );
        assert_eq!(open(&frame, &secret, &BTreeMap::new()), Err(Unopenable));
        assert_eq!(open(&frame, &random_bytes(32), &ctx), Err(Unopenable));
        let mut tampered = blob.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert_eq!(
            open(&envelope(&tampered).unwrap(), &secret, &ctx),
            Err(Unopenable)
        );
        assert_eq!(envelope(b"short"), Err(Unopenable));
    }

    #[test]
    fn contexts_that_concatenate_alike_differ() {
        assert_ne!(
            context_aad(&context(&[("ab", "c")])),
            context_aad(&context(&[("a", "bc")]))
        );
    }

    #[test]
    fn ecdsa_signatures_verify_only_for_their_message() {
        for curve in [Curve::P256, Curve::P384] {
            let (private, public) = new_key_pair(curve);
            let signature = sign(curve, &private, b"message").unwrap();
            assert!(verify(curve, &public, b"message", &signature));
            assert!(!verify(curve, &public, b"other", &signature));
        }
    }

    #[test]
    fn macs_verify_only_for_their_message() {
        let algorithm = hmac_algorithm("HMAC_SHA_256").unwrap();
        let secret = random_bytes(32);
        let tag = mac(algorithm, &secret, b"m");
        assert!(mac_valid(algorithm, &secret, b"m", &tag));
        assert!(!mac_valid(algorithm, &secret, b"n", &tag));
    }
}
