//! Public-key material IAM accepts: SSH public keys (`ssh-rsa` lines or PEM `PUBLIC KEY` /
//! `RSA PUBLIC KEY` blocks, as `UploadSSHPublicKey` takes them), X.509 certificates in PEM
//! (signing and server certificates, certificate chains), and PEM private keys (PKCS#1 RSA,
//! SEC1 EC, PKCS#8), enough to tell whether a private key belongs to a certificate.
//!
//! An SSH key's fingerprint is the MD5 digest of its `ssh-rsa` wire form, as colon-separated hex
//! (what `ssh-keygen -l -E md5` prints and IAM answers); a PEM key gets the same fingerprint as
//! the `ssh-rsa` line of the same key. IAM takes RSA keys of at least 2048 bits only.
//!
//! Certificates are parsed with `x509-parser`; private keys with a small DER walk of their
//! structure (only the public parts are read).
//!
//! What this module must not do: keep state or know IAM's records.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use md5::{Digest, Md5};
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::PublicKey;
use x509_parser::x509::SubjectPublicKeyInfo;

/// The smallest RSA key IAM takes, in bits.
const MIN_RSA_BITS: usize = 2048;

/// Why an SSH public key is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SshKeyError {
    /// Neither an `ssh-rsa` line nor a PEM RSA public key.
    Unrecognized,
    /// An RSA key, but not one IAM takes (too short).
    Invalid,
}

/// An RSA public key: exponent and modulus, big-endian, without leading zeros.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RsaPublicKey {
    pub exponent: Vec<u8>,
    pub modulus: Vec<u8>,
}

fn trim_zeros(bytes: &[u8]) -> Vec<u8> {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes[start..].to_vec()
}

impl RsaPublicKey {
    fn new(exponent: &[u8], modulus: &[u8]) -> Self {
        Self {
            exponent: trim_zeros(exponent),
            modulus: trim_zeros(modulus),
        }
    }

    pub fn bits(&self) -> usize {
        match self.modulus.first() {
            Some(first) => self.modulus.len() * 8 - first.leading_zeros() as usize,
            None => 0,
        }
    }

    /// The key's `ssh-rsa` wire form (RFC 4253: string, mpint e, mpint n).
    fn ssh_blob(&self) -> Vec<u8> {
        let mut blob = Vec::new();
        let mut put = |bytes: &[u8]| {
            blob.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
            blob.extend_from_slice(bytes);
        };
        put(b"ssh-rsa");
        put(&mpint(&self.exponent));
        put(&mpint(&self.modulus));
        blob
    }

    /// `ssh-rsa BASE64`.
    pub fn openssh(&self) -> String {
        format!("ssh-rsa {}", STANDARD.encode(self.ssh_blob()))
    }

    /// A PEM `PUBLIC KEY` block (X.509 SubjectPublicKeyInfo).
    pub fn pem(&self) -> String {
        let rsa_key = der(
            0x30,
            &[der_integer(&self.modulus), der_integer(&self.exponent)].concat(),
        );
        // rsaEncryption (1.2.840.113549.1.1.1) with NULL parameters.
        let algorithm = der(
            0x30,
            &[
                der(
                    0x06,
                    &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01],
                ),
                vec![0x05, 0x00],
            ]
            .concat(),
        );
        let bits = der(0x03, &[&[0u8][..], &rsa_key].concat());
        let spki = der(0x30, &[algorithm, bits].concat());
        pem_block("PUBLIC KEY", &spki)
    }

    /// The MD5 fingerprint of the `ssh-rsa` form, as colon-separated hex.
    pub fn fingerprint(&self) -> String {
        let digest = Md5::digest(self.ssh_blob());
        digest
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect::<Vec<_>>()
            .join(":")
    }
}

/// An SSH mpint: big-endian, with a zero byte in front when the top bit is set.
fn mpint(bytes: &[u8]) -> Vec<u8> {
    match bytes.first() {
        Some(first) if first & 0x80 != 0 => [&[0u8][..], bytes].concat(),
        _ => bytes.to_vec(),
    }
}

fn der_length(length: usize) -> Vec<u8> {
    if length < 0x80 {
        return vec![length as u8];
    }
    let bytes = trim_zeros(&(length as u64).to_be_bytes());
    [vec![0x80 | bytes.len() as u8], bytes].concat()
}

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    [vec![tag], der_length(content.len()), content.to_vec()].concat()
}

fn der_integer(unsigned: &[u8]) -> Vec<u8> {
    der(0x02, &mpint(unsigned))
}

fn pem_block(label: &str, der: &[u8]) -> String {
    let encoded = STANDARD.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for line in encoded.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
}

/// The blocks of a PEM text, as (label, DER bytes), in order; `None` if it is not PEM.
fn pem_blocks(text: &str) -> Option<Vec<(String, Vec<u8>)>> {
    let mut blocks = Vec::new();
    let mut lines = text.lines().map(str::trim).filter(|line| !line.is_empty());
    while let Some(line) = lines.next() {
        let label = line
            .strip_prefix("-----BEGIN ")?
            .strip_suffix("-----")?
            .to_string();
        let end = format!("-----END {label}-----");
        let mut encoded = String::new();
        loop {
            let line = lines.next()?;
            if line == end {
                break;
            }
            // Encapsulated headers (`Proc-Type: ...`) mean an encrypted key: not taken.
            if line.contains(':') {
                return None;
            }
            encoded.push_str(line);
        }
        blocks.push((label, STANDARD.decode(encoded).ok()?));
    }
    (!blocks.is_empty()).then_some(blocks)
}

/// One DER element: (tag, content, rest). Only definite lengths, as DER has.
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, mut rest) = rest.split_first()?;
    let length = if first < 0x80 {
        usize::from(first)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let (bytes, after) = rest.split_at(count);
        rest = after;
        bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
    };
    if rest.len() < length {
        return None;
    }
    let (content, rest) = rest.split_at(length);
    Some((tag, content, rest))
}

/// The elements of a DER SEQUENCE's content.
fn elements(mut content: &[u8]) -> Option<Vec<(u8, &[u8])>> {
    let mut items = Vec::new();
    while !content.is_empty() {
        let (tag, value, rest) = tlv(content)?;
        items.push((tag, value));
        content = rest;
    }
    Some(items)
}

/// The RSA key of an `RSAPublicKey` DER (PKCS#1: SEQUENCE { n, e }).
fn pkcs1_public(der: &[u8]) -> Option<RsaPublicKey> {
    let (0x30, content, _) = tlv(der)? else {
        return None;
    };
    match elements(content)?.as_slice() {
        [(0x02, modulus), (0x02, exponent)] => Some(RsaPublicKey::new(exponent, modulus)),
        _ => None,
    }
}

/// The RSA key of a SubjectPublicKeyInfo DER, if it is an RSA key.
fn spki_rsa(der: &[u8]) -> Option<RsaPublicKey> {
    let (_, spki) = SubjectPublicKeyInfo::from_der(der).ok()?;
    match spki.parsed().ok()? {
        PublicKey::RSA(rsa) => Some(RsaPublicKey::new(rsa.exponent, rsa.modulus)),
        _ => None,
    }
}

/// Parses an SSH public key body as `UploadSSHPublicKey` takes it.
pub(crate) fn parse_ssh_public_key(body: &str) -> Result<RsaPublicKey, SshKeyError> {
    let body = body.trim();
    let key = if body.starts_with("-----BEGIN") {
        let blocks = pem_blocks(body).ok_or(SshKeyError::Unrecognized)?;
        match blocks.as_slice() {
            [(label, der)] if label == "PUBLIC KEY" => spki_rsa(der),
            [(label, der)] if label == "RSA PUBLIC KEY" => pkcs1_public(der),
            _ => None,
        }
        .ok_or(SshKeyError::Unrecognized)?
    } else {
        let mut fields = body.split_whitespace();
        if fields.next() != Some("ssh-rsa") {
            return Err(SshKeyError::Unrecognized);
        }
        let blob = fields
            .next()
            .and_then(|encoded| STANDARD.decode(encoded).ok())
            .ok_or(SshKeyError::Unrecognized)?;
        parse_ssh_blob(&blob).ok_or(SshKeyError::Unrecognized)?
    };
    if key.bits() < MIN_RSA_BITS {
        return Err(SshKeyError::Invalid);
    }
    Ok(key)
}

/// The RSA key of an `ssh-rsa` wire blob.
fn parse_ssh_blob(blob: &[u8]) -> Option<RsaPublicKey> {
    let mut rest = blob;
    let mut next = || {
        let (length, after) = rest.split_at_checked(4)?;
        let length = u32::from_be_bytes(length.try_into().ok()?) as usize;
        let (value, after) = after.split_at_checked(length)?;
        rest = after;
        Some(value)
    };
    if next()? != b"ssh-rsa" {
        return None;
    }
    let exponent = next()?;
    let modulus = next()?;
    Some(RsaPublicKey::new(exponent, modulus))
}

/// The public half of a key, as certificates and private keys both reveal it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PublicPart {
    Rsa(RsaPublicKey),
    /// An elliptic-curve point, as encoded in the key (uncompressed or compressed).
    Ec(Vec<u8>),
    /// Another algorithm: compared by its SubjectPublicKeyInfo bits.
    Other(Vec<u8>),
}

/// A certificate's facts IAM answers or checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Certificate {
    /// `NotAfter`, in milliseconds since the epoch (a server certificate's `Expiration`).
    pub not_after_ms: i64,
    pub subject: Vec<u8>,
    pub issuer: Vec<u8>,
    pub public_part: PublicPart,
}

fn certificate_of(der: &[u8]) -> Option<Certificate> {
    let (rest, cert) = X509Certificate::from_der(der).ok()?;
    if !rest.is_empty() {
        return None;
    }
    let spki = cert.public_key();
    let public_part = match spki.parsed().ok()? {
        PublicKey::RSA(rsa) => PublicPart::Rsa(RsaPublicKey::new(rsa.exponent, rsa.modulus)),
        PublicKey::EC(point) => PublicPart::Ec(point.data().to_vec()),
        _ => PublicPart::Other(spki.subject_public_key.data.to_vec()),
    };
    Some(Certificate {
        not_after_ms: cert.validity().not_after.timestamp() * 1000,
        subject: cert.subject().as_raw().to_vec(),
        issuer: cert.issuer().as_raw().to_vec(),
        public_part,
    })
}

/// The certificates of a PEM text: every block must be a `CERTIFICATE` that parses.
pub(crate) fn parse_certificates(pem: &str) -> Option<Vec<Certificate>> {
    pem_blocks(pem)?
        .into_iter()
        .map(|(label, der)| (label == "CERTIFICATE").then(|| certificate_of(&der))?)
        .collect()
}

/// The one certificate of a PEM text.
pub(crate) fn parse_certificate(pem: &str) -> Option<Certificate> {
    match parse_certificates(pem)?.as_slice() {
        [only] => Some(only.clone()),
        _ => None,
    }
}

/// The public half of a PEM private key (PKCS#1 `RSA PRIVATE KEY`, SEC1 `EC PRIVATE KEY`, or
/// PKCS#8 `PRIVATE KEY`); `None` if it is not one, or encrypted.
pub(crate) fn private_key_public_part(pem: &str) -> Option<PublicPart> {
    let blocks = pem_blocks(pem)?;
    // An EC key often comes after an `EC PARAMETERS` block.
    let (label, der) = blocks
        .into_iter()
        .find(|(label, _)| label.ends_with("PRIVATE KEY"))?;
    match label.as_str() {
        "RSA PRIVATE KEY" => rsa_private(&der),
        "EC PRIVATE KEY" => ec_private(&der),
        "PRIVATE KEY" => pkcs8_private(&der),
        _ => None,
    }
}

/// RSAPrivateKey ::= SEQUENCE { version, n, e, d, ... }.
fn rsa_private(der: &[u8]) -> Option<PublicPart> {
    let (0x30, content, _) = tlv(der)? else {
        return None;
    };
    match elements(content)?.as_slice() {
        [(0x02, _), (0x02, modulus), (0x02, exponent), ..] => {
            Some(PublicPart::Rsa(RsaPublicKey::new(exponent, modulus)))
        }
        _ => None,
    }
}

/// ECPrivateKey ::= SEQUENCE { version, privateKey, [0] parameters OPTIONAL,
/// [1] publicKey BIT STRING OPTIONAL }: the public point, which keys carry in practice.
fn ec_private(der: &[u8]) -> Option<PublicPart> {
    let (0x30, content, _) = tlv(der)? else {
        return None;
    };
    let public = elements(content)?
        .into_iter()
        .find(|(tag, _)| *tag == 0xa1)
        .map(|(_, value)| value)?;
    let (0x03, bits, _) = tlv(public)? else {
        return None;
    };
    // A BIT STRING starts with the count of unused bits.
    Some(PublicPart::Ec(bits.get(1..)?.to_vec()))
}

/// PrivateKeyInfo ::= SEQUENCE { version, AlgorithmIdentifier, privateKey OCTET STRING }.
fn pkcs8_private(der: &[u8]) -> Option<PublicPart> {
    let (0x30, content, _) = tlv(der)? else {
        return None;
    };
    match elements(content)?.as_slice() {
        [(0x02, _), (0x30, algorithm), (0x04, key), ..] => {
            let (0x06, oid, _) = tlv(algorithm)? else {
                return None;
            };
            match oid {
                // rsaEncryption
                [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01] => rsa_private(key),
                // id-ecPublicKey
                [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01] => ec_private(key),
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;
