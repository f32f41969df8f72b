//! Keys and certificates made with openssl and ssh-keygen for these tests only (testdata/);
//! the expected fingerprint is what `ssh-keygen -l -E md5` printed for rsa.pub.

use super::*;

const RSA_KEY: &str = include_str!("testdata/rsa.pem");
const RSA_PKCS8: &str = include_str!("testdata/rsa_pk8.pem");
const RSA_PUBLIC_PEM: &str = include_str!("testdata/rsa_pub.pem");
const RSA_SSH: &str = include_str!("testdata/rsa.pub");
const RSA_CERT: &str = include_str!("testdata/cert.pem");
const RSA_OTHER_KEY: &str = include_str!("testdata/other.pem");
const SMALL_SSH: &str = include_str!("testdata/small.pub");
const EC_KEY: &str = include_str!("testdata/ec.pem");
const EC_CERT: &str = include_str!("testdata/ec_cert.pem");
const CA_CERT: &str = include_str!("testdata/ca_cert.pem");
const LEAF_KEY: &str = include_str!("testdata/leaf.pem");
const LEAF_CERT: &str = include_str!("testdata/leaf_cert.pem");

const RSA_FINGERPRINT: &str = "70:05:92:90:8e:c6:e5:64:ad:7d:18:ee:f4:a1:b7:68";

#[test]
fn ssh_keys_parse_in_both_encodings_with_one_fingerprint() {
    let from_line = parse_ssh_public_key(RSA_SSH).unwrap_or_else(|e| panic!("{e:?}"));
    let from_pem = parse_ssh_public_key(RSA_PUBLIC_PEM).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(from_line, from_pem);
    assert_eq!(from_line.bits(), 2048);
    assert_eq!(from_line.fingerprint(), RSA_FINGERPRINT);
    assert_eq!(from_line.openssh(), RSA_SSH.trim());
    assert_eq!(from_line.pem(), RSA_PUBLIC_PEM);
}

#[test]
fn ssh_keys_iam_does_not_take_are_refused() {
    let cases = [
        (SMALL_SSH, SshKeyError::Invalid),
        (
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHq5mW5pQ6Gh3Z1kBkQ1kQ1kQ1kQ1kQ1kQ1kQ1kQ1kQ1",
            SshKeyError::Unrecognized,
        ),
        ("ssh-rsa not-base64!", SshKeyError::Unrecognized),
        ("my-user-name", SshKeyError::Unrecognized),
        (RSA_CERT, SshKeyError::Unrecognized),
    ];
    for (body, expected) in cases {
        assert_eq!(parse_ssh_public_key(body), Err(expected), "{body}");
    }
}

#[test]
fn certificates_parse_with_expiry_and_key() {
    let cert = parse_certificate(RSA_CERT).unwrap_or_else(|| panic!("certificate"));
    assert_eq!(cert.not_after_ms, 2_111_957_065_000);
    let key = private_key_public_part(RSA_KEY).unwrap_or_else(|| panic!("key"));
    assert_eq!(cert.public_part, key);
    assert_eq!(private_key_public_part(RSA_PKCS8), Some(key));
    assert_ne!(
        private_key_public_part(RSA_OTHER_KEY),
        Some(cert.public_part.clone())
    );
    let ec = parse_certificate(EC_CERT).unwrap_or_else(|| panic!("EC certificate"));
    assert_eq!(private_key_public_part(EC_KEY), Some(ec.public_part));
    assert_eq!(parse_certificate("invalid-certificate-body"), None);
    assert_eq!(parse_certificate(&format!("{RSA_CERT}{EC_CERT}")), None);
    assert_eq!(parse_certificate(RSA_KEY), None);
    assert_eq!(private_key_public_part(RSA_CERT), None);
}

#[test]
fn chains_name_their_issuers() {
    let leaf = parse_certificate(LEAF_CERT).unwrap_or_else(|| panic!("leaf"));
    let chain = parse_certificates(CA_CERT).unwrap_or_else(|| panic!("chain"));
    assert_eq!(leaf.issuer, chain[0].subject);
    assert_eq!(private_key_public_part(LEAF_KEY), Some(leaf.public_part));
}
