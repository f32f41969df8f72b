//! JSON Web Tokens as STS reads web identity tokens: the three base64url parts, the claims,
//! and the signature checked against the issuer's JWK set (RS256/384/512, ES256/384).
//!
//! What this module must not do: fetch keys or decide trust; it checks bytes against keys.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use serde_json::{Map, Value};

/// A decoded (not yet verified) token.
#[derive(Debug, Clone)]
pub struct Token {
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
    signing_input: String,
    signature: Vec<u8>,
}

impl Token {
    pub fn decode(text: &str) -> Option<Token> {
        let mut parts = text.trim().split('.');
        let (header, claims, signature) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let object = |part: &str| -> Option<Map<String, Value>> {
            let bytes = URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()?;
            match serde_json::from_slice(&bytes).ok()? {
                Value::Object(map) => Some(map),
                _ => None,
            }
        };
        Some(Token {
            header: object(header)?,
            claims: object(claims)?,
            signing_input: format!("{header}.{claims}"),
            signature: URL_SAFE_NO_PAD
                .decode(signature.trim_end_matches('='))
                .ok()?,
        })
    }

    pub fn claim_str(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }

    /// `aud` as a list (a token may carry one audience or several).
    pub fn audiences(&self) -> Vec<&str> {
        match self.claims.get("aud") {
            Some(Value::String(audience)) => vec![audience.as_str()],
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// A numeric date claim (`exp`, `iat`, `nbf`) in epoch seconds.
    pub fn seconds(&self, name: &str) -> Option<i64> {
        match self.claims.get(name)? {
            Value::Number(number) => number
                .as_i64()
                .or_else(|| number.as_f64().map(|seconds| seconds as i64)),
            _ => None,
        }
    }

    /// Whether a key of `jwks` (a JWK set) signed the token: the key named by `kid`, or, when
    /// the header names none, any key of the set.
    pub fn signed_by(&self, jwks: &Value) -> bool {
        let Some(algorithm) = self.header.get("alg").and_then(Value::as_str) else {
            return false;
        };
        let kid = self.header.get("kid").and_then(Value::as_str);
        let Some(keys) = jwks.get("keys").and_then(Value::as_array) else {
            return false;
        };
        keys.iter()
            .filter(|key| kid.is_none() || key.get("kid").and_then(Value::as_str) == kid)
            .any(|key| self.verify_with(algorithm, key))
    }

    fn verify_with(&self, algorithm: &str, key: &Value) -> bool {
        let field = |name: &str| {
            key.get(name)
                .and_then(Value::as_str)
                .and_then(|text| URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).ok())
        };
        let message = self.signing_input.as_bytes();
        match (algorithm, key.get("kty").and_then(Value::as_str)) {
            ("RS256" | "RS384" | "RS512", Some("RSA")) => {
                let (Some(n), Some(e)) = (field("n"), field("e")) else {
                    return false;
                };
                let parameters = match algorithm {
                    "RS256" => &signature::RSA_PKCS1_2048_8192_SHA256,
                    "RS384" => &signature::RSA_PKCS1_2048_8192_SHA384,
                    _ => &signature::RSA_PKCS1_2048_8192_SHA512,
                };
                RsaPublicKeyComponents { n: &n, e: &e }
                    .verify(parameters, message, &self.signature)
                    .is_ok()
            }
            ("ES256" | "ES384", Some("EC")) => {
                let (Some(x), Some(y)) = (field("x"), field("y")) else {
                    return false;
                };
                let mut point = vec![4u8];
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                let parameters = if algorithm == "ES256" {
                    &signature::ECDSA_P256_SHA256_FIXED
                } else {
                    &signature::ECDSA_P384_SHA384_FIXED
                };
                UnparsedPublicKey::new(parameters, &point)
                    .verify(message, &self.signature)
                    .is_ok()
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use ring::rand::SystemRandom;
    use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};

    use super::*;

    fn b64(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    #[test]
    fn es256_tokens_verify_against_their_key_only() {
        let random = SystemRandom::new();
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &random).expect("a key");
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &random)
                .expect("a pair");
        let public = pair.public_key().as_ref();
        let jwks = serde_json::json!({"keys": [{"kty": "EC", "kid": "k1", "crv": "P-256",
            "x": b64(&public[1..33]), "y": b64(&public[33..65])}]});
        let header = b64(br#"{"alg":"ES256","kid":"k1","typ":"JWT"}"#);
        let claims = b64(br#"{"iss":"https://issuer","aud":["a","b"],"sub":"s","exp":2000000000}"#);
        let input = format!("{header}.{claims}");
        let signature = pair.sign(&random, input.as_bytes()).expect("signed");
        let token =
            Token::decode(&format!("{input}.{}", b64(signature.as_ref()))).expect("decodes");
        assert!(token.signed_by(&jwks));
        assert_eq!(token.audiences(), ["a", "b"]);
        assert_eq!(token.seconds("exp"), Some(2_000_000_000));
        let other_kid = serde_json::json!({"keys": [{"kty": "EC", "kid": "k2", "x": "", "y": ""}]});
        assert!(!token.signed_by(&other_kid));
        let tampered_claims =
            b64(br#"{"iss":"https://issuer","aud":"a","sub":"root","exp":2000000000}"#);
        let tampered = Token::decode(&format!(
            "{header}.{tampered_claims}.{}",
            b64(signature.as_ref())
        ))
        .expect("decodes");
        assert!(!tampered.signed_by(&jwks));
        assert!(Token::decode("not-a-token").is_none());
    }
}
