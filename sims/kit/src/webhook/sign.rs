//! The HMAC digests forges sign webhook bodies with, as lower-case hex. The forge decides which
//! headers carry them and how they are prefixed (GitHub: `X-Hub-Signature-256: sha256=…` and
//! `X-Hub-Signature: sha1=…`).

use hmac::{Hmac, Mac};

/// HMAC-SHA256 of `body` keyed with `secret`.
pub fn hmac_sha256_hex(secret: &[u8], body: &[u8]) -> String {
    // HMAC takes keys of any length, so `new_from_slice` cannot fail here.
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// HMAC-SHA1 of `body` keyed with `secret` (GitHub's older `X-Hub-Signature`).
pub fn hmac_sha1_hex(secret: &[u8], body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<sha1::Sha1>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_match_github_documented_example() {
        // GitHub's "Validating webhook deliveries" page: secret "It's a Secret to Everybody",
        // payload "Hello, World!".
        assert_eq!(
            hmac_sha256_hex(b"It's a Secret to Everybody", b"Hello, World!"),
            "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        );
        // RFC 2202 test case 2 for HMAC-SHA1.
        assert_eq!(
            hmac_sha1_hex(b"Jefe", b"what do ya want for nothing?"),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
    }
}
