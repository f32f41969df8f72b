//! A GitHub App's JSON web token: RS256-signed with the app's private key, `iss` the app's ID
//! (or its client ID), `iat` in the past and `exp` at most ten minutes ahead. Each failure
//! answers GitHub's own 401 message.
//!
//! What this module must not do: accept any algorithm but RS256 (no `none`, no HMAC with the
//! public key as secret), or say which part of a signature failed.

use base64::Engine;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::signature::Verifier;
use serde_json::Value;

use crate::error::GitHubError;
use crate::model::{App, State};

/// How far a JWT's `exp` may be ahead of now, in seconds (GitHub: ten minutes).
pub const MAX_LIFETIME: i64 = 600;

/// Clock drift forgiven on `iat`, in seconds.
const DRIFT: i64 = 30;

pub const UNDECODABLE: &str = "A JSON web token could not be decoded";
pub const EXP_TOO_FAR: &str = "'Expiration time' claim ('exp') is too far in the future";
pub const EXP_PAST: &str = "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires";
pub const IAT_INVALID: &str = "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued";
pub const ISS_INVALID: &str = "'Issuer' claim ('iss') must be an Integer";

fn unauthorized(message: &str) -> GitHubError {
    GitHubError::Unauthorized(message.into())
}

/// Whether a presented token is a JWT (three base64url parts, a JSON header) rather than one
/// of GitHub's prefixed tokens.
pub fn looks_like_jwt(token: &str) -> bool {
    token.starts_with("eyJ") && token.split('.').count() == 3
}

fn decode_part(part: &str) -> Result<Vec<u8>, GitHubError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|_| unauthorized(UNDECODABLE))
}

fn json_part(part: &str) -> Result<Value, GitHubError> {
    serde_json::from_slice(&decode_part(part)?).map_err(|_| unauthorized(UNDECODABLE))
}

/// The claims GitHub reads, checked against `now` (Unix seconds).
#[derive(Debug, PartialEq, Eq)]
pub enum Issuer {
    AppId(u64),
    ClientId(String),
}

/// Checks the header and the time claims of `token` at `now` (Unix seconds); the issuer.
pub fn claims(token: &str, now: i64) -> Result<Issuer, GitHubError> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(_)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(unauthorized(UNDECODABLE));
    };
    let header = json_part(header)?;
    if header["alg"].as_str() != Some("RS256") {
        return Err(unauthorized(UNDECODABLE));
    }
    let payload = json_part(payload)?;
    let iat = payload["iat"]
        .as_i64()
        .ok_or_else(|| unauthorized(IAT_INVALID))?;
    if iat > now + DRIFT {
        return Err(unauthorized(IAT_INVALID));
    }
    let exp = payload["exp"]
        .as_i64()
        .ok_or_else(|| unauthorized(EXP_PAST))?;
    if exp <= now {
        return Err(unauthorized(EXP_PAST));
    }
    if exp > now + MAX_LIFETIME {
        return Err(unauthorized(EXP_TOO_FAR));
    }
    match &payload["iss"] {
        Value::Number(number) => number
            .as_u64()
            .map(Issuer::AppId)
            .ok_or_else(|| unauthorized(ISS_INVALID)),
        Value::String(text) => match text.parse::<u64>() {
            Ok(id) => Ok(Issuer::AppId(id)),
            Err(_) if text.starts_with("Iv") => Ok(Issuer::ClientId(text.clone())),
            Err(_) => Err(unauthorized(ISS_INVALID)),
        },
        _ => Err(unauthorized(ISS_INVALID)),
    }
}

/// The app whose private key signed `token`, if its claims hold at `now` (Unix seconds).
pub fn verify(state: &State, token: &str, now: i64) -> Result<App, GitHubError> {
    let issuer = claims(token, now)?;
    let app = match issuer {
        Issuer::AppId(id) => state.apps.get(&crate::model::id_key(id)),
        Issuer::ClientId(client_id) => state
            .apps
            .all()
            .into_iter()
            .map(|(_, app)| app)
            .find(|app| app.client_id == client_id),
    }
    .ok_or_else(|| unauthorized(UNDECODABLE))?;
    let (signed, signature) = token
        .rsplit_once('.')
        .ok_or_else(|| unauthorized(UNDECODABLE))?;
    let key = rsa::RsaPublicKey::from_pkcs1_pem(&app.public_key_pem).map_err(|error| {
        tracing::error!(%error, app = app.id, "an app's stored public key does not parse");
        GitHubError::Internal
    })?;
    let verifier = rsa::pkcs1v15::VerifyingKey::<rsa::sha2::Sha256>::new(key);
    let signature = rsa::pkcs1v15::Signature::try_from(decode_part(signature)?.as_slice())
        .map_err(|_| unauthorized(UNDECODABLE))?;
    verifier
        .verify(signed.as_bytes(), &signature)
        .map_err(|_| unauthorized(UNDECODABLE))?;
    Ok(app)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(header: Value, payload: Value) -> String {
        let encode = |v: &Value| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string().as_bytes())
        };
        format!("{}.{}.c2ln", encode(&header), encode(&payload))
    }

    #[test]
    fn time_claims_follow_githubs_rules() {
        let now = 1_000_000;
        let rs256 = serde_json::json!({"alg": "RS256", "typ": "JWT"});
        let cases = [
            (
                serde_json::json!({"iat": now - 60, "exp": now + 540, "iss": 7}),
                Ok(Issuer::AppId(7)),
            ),
            (
                serde_json::json!({"iat": now, "exp": now + 60, "iss": "7"}),
                Ok(Issuer::AppId(7)),
            ),
            (
                serde_json::json!({"iat": now, "exp": now + 60, "iss": "Iv23abc"}),
                Ok(Issuer::ClientId("Iv23abc".into())),
            ),
            (
                serde_json::json!({"iat": now, "exp": now + 601, "iss": 7}),
                Err(EXP_TOO_FAR),
            ),
            (
                serde_json::json!({"iat": now - 700, "exp": now - 1, "iss": 7}),
                Err(EXP_PAST),
            ),
            (
                serde_json::json!({"iat": now + 120, "exp": now + 300, "iss": 7}),
                Err(IAT_INVALID),
            ),
            (
                serde_json::json!({"iat": "soon", "exp": now + 300, "iss": 7}),
                Err(IAT_INVALID),
            ),
            (
                serde_json::json!({"iat": now, "exp": now + 300, "iss": "app"}),
                Err(ISS_INVALID),
            ),
            (
                serde_json::json!({"iat": now, "exp": now + 300}),
                Err(ISS_INVALID),
            ),
        ];
        for (payload, expected) in cases {
            let got = claims(&token(rs256.clone(), payload.clone()), now);
            let expected = expected.map_err(|m| GitHubError::Unauthorized(m.into()));
            assert_eq!(got, expected, "{payload}");
        }
    }

    #[test]
    fn only_rs256_is_accepted() {
        let payload = serde_json::json!({"iat": 0, "exp": 60, "iss": 1});
        for alg in ["none", "HS256", "RS512"] {
            let got = claims(&token(serde_json::json!({"alg": alg}), payload.clone()), 0);
            assert_eq!(
                got,
                Err(GitHubError::Unauthorized(UNDECODABLE.into())),
                "{alg}"
            );
        }
        assert!(!looks_like_jwt("ghp_abc"));
        assert_eq!(
            claims("eyJ.!!.x", 0),
            Err(GitHubError::Unauthorized(UNDECODABLE.into()))
        );
    }
}
