//! The two kinds of JSON web token the runner service handles.
//!
//! - **The runner's client assertion** (`RS256`), which `POST …/_apis/oauth2/token` receives
//!   as `client_assertion`: signed with the private key whose public half the runner
//!   registered with its agent, issued and subject to the agent's client ID, for the token
//!   URL as audience, living at most five minutes. [`verify_assertion`] checks all of it and
//!   answers the `error_description` the service gives for what failed.
//! - **Tokens the service issues** (`HS256` with the hub's signing key): the registration
//!   token the bootstrap answers, the agent's access token, and the job's access token. Every
//!   `_apis` endpoint but `connectionData` requires one ([`verify_issued`]).
//!
//! What this module must not do: read the clock (times come in), or accept an unsigned token
//! (`alg: none`) or a token signed with another algorithm than the one its kind uses.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::{hmac, signature};
use serde_json::{Value, json};

/// The longest lifetime the service accepts for a client assertion (`exp - nbf`).
pub const MAX_ASSERTION_SECONDS: i64 = 300;

/// Why a client assertion was refused: the OAuth `error_description`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

fn refused(text: impl Into<String>) -> Refused {
    Refused(text.into())
}

/// The three parts of a compact JWT, decoded: header, claims, signed input, signature.
fn split(token: &str) -> Option<(Value, Value, &str, Vec<u8>)> {
    let mut parts = token.split('.');
    let (header, claims, sig) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let decode = |part: &str| URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok();
    let header: Value = serde_json::from_slice(&decode(header)?).ok()?;
    let claims: Value = serde_json::from_slice(&decode(claims)?).ok()?;
    let signed_len = token.len() - sig.len() - 1;
    Some((header, claims, &token[..signed_len], decode(sig)?))
}

/// .NET's `DateTime` text for an instant, as the service's messages print it.
fn dotnet_time(seconds: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .map(|t| {
            format!(
                "{}/{}/{} {}:{:02}:{:02} {}",
                u8::from(t.month()),
                t.day(),
                t.year(),
                match t.hour() % 12 {
                    0 => 12,
                    h => h,
                },
                t.minute(),
                t.second(),
                if t.hour() < 12 { "AM" } else { "PM" }
            )
        })
        .unwrap_or_default()
}

/// The registered public key of an agent: big-endian exponent and modulus, base64 as the
/// runner sends them (`authorization.publicKey`).
#[derive(Debug, Clone)]
pub struct PublicKey {
    pub exponent: Vec<u8>,
    pub modulus: Vec<u8>,
}

impl PublicKey {
    pub fn from_base64(exponent: &str, modulus: &str) -> Option<Self> {
        Some(Self {
            exponent: STANDARD.decode(exponent).ok()?,
            modulus: STANDARD.decode(modulus).ok()?,
        })
    }
}

/// Checks a runner's client assertion for `client_id` against `key`, with `audience` the token
/// URL, at `now_seconds`. `Ok` with the token's `jti`.
pub fn verify_assertion(
    assertion: &str,
    client_id: &str,
    key: &PublicKey,
    audience: &str,
    now_seconds: i64,
) -> Result<(), Refused> {
    let (header, claims, signed, sig) =
        split(assertion).ok_or_else(|| refused("The client assertion is not a valid JWT."))?;
    if header.get("alg").and_then(Value::as_str) != Some("RS256") {
        return Err(refused("The client assertion must be signed with RS256."));
    }
    let components = signature::RsaPublicKeyComponents {
        n: &key.modulus,
        e: &key.exponent,
    };
    components
        .verify(
            &signature::RSA_PKCS1_2048_8192_SHA256,
            signed.as_bytes(),
            &sig,
        )
        .map_err(|_| refused("The client assertion signature is not valid."))?;
    let text = |name: &str| claims.get(name).and_then(Value::as_str).unwrap_or_default();
    let number = |name: &str| claims.get(name).and_then(Value::as_i64);
    if !text("iss").eq_ignore_ascii_case(client_id) || !text("sub").eq_ignore_ascii_case(client_id)
    {
        return Err(refused(format!(
            "The client assertion issuer and subject must be the client ID {client_id}."
        )));
    }
    if !audience_matches(text("aud"), audience) {
        return Err(refused(format!(
            "The client assertion audience {} is not valid. The audience must be {audience}.",
            text("aud")
        )));
    }
    let (Some(not_before), Some(expires)) = (number("nbf"), number("exp")) else {
        return Err(refused("The client assertion must carry nbf and exp."));
    };
    if expires - not_before > MAX_ASSERTION_SECONDS {
        let lifetime = expires - not_before;
        return Err(refused(format!(
            "Bearer token lifetime {:02}:{:02}:{:02} is greater than the allowed maximum lifetime 00:05:00",
            lifetime / 3600,
            lifetime / 60 % 60,
            lifetime % 60
        )));
    }
    if expires <= now_seconds {
        return Err(refused(format!(
            "The bearer token expired on {}. Current server time is {}.",
            dotnet_time(expires),
            dotnet_time(now_seconds)
        )));
    }
    if not_before > now_seconds + 300 {
        return Err(refused(format!(
            "The bearer token is not valid until {}. Current server time is {}.",
            dotnet_time(not_before),
            dotnet_time(now_seconds)
        )));
    }
    Ok(())
}

/// The audience must be the token URL; scheme and host case and a trailing slash do not count.
fn audience_matches(claimed: &str, audience: &str) -> bool {
    claimed
        .trim_end_matches('/')
        .eq_ignore_ascii_case(audience.trim_end_matches('/'))
}

/// What a token the service issued stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    /// The bootstrap's token: may register agents in the repository.
    Registration { repo_id: u64 },
    /// An agent's access token: sessions, messages, its job requests.
    Agent { agent_id: u64 },
    /// A job's access token (`SystemVssConnection`): its plan's timeline, logs and events.
    Job { request_id: u64 },
}

impl Grant {
    fn subject(&self) -> String {
        match self {
            Grant::Registration { repo_id } => format!("registration:{repo_id}"),
            Grant::Agent { agent_id } => format!("agent:{agent_id}"),
            Grant::Job { request_id } => format!("job:{request_id}"),
        }
    }

    fn parse(subject: &str) -> Option<Self> {
        let (kind, id) = subject.split_once(':')?;
        let id: u64 = id.parse().ok()?;
        Some(match kind {
            "registration" => Grant::Registration { repo_id: id },
            "agent" => Grant::Agent { agent_id: id },
            "job" => Grant::Job { request_id: id },
            _ => return None,
        })
    }
}

/// Issues a token for `grant`, valid `lifetime_seconds` from `now_seconds`.
pub fn issue(
    key: &[u8],
    grant: &Grant,
    now_seconds: i64,
    lifetime_seconds: i64,
    jti: &str,
    scope: Option<&str>,
) -> String {
    let header = URL_SAFE_NO_PAD.encode(json!({"typ": "JWT", "alg": "HS256"}).to_string());
    let mut claims = json!({
        "sub": grant.subject(),
        "iss": "bleephub",
        "aud": "vso:runner",
        "nbf": now_seconds,
        "exp": now_seconds + lifetime_seconds,
        "jti": jti,
    });
    if let Some(scope) = scope {
        claims["scp"] = Value::String(scope.to_string());
    }
    let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signed = format!("{header}.{claims}");
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), signed.as_bytes());
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
}

/// The grant of a token this service issued, if its signature holds and it has not expired.
pub fn verify_issued(key: &[u8], token: &str, now_seconds: i64) -> Option<Grant> {
    let (header, claims, signed, sig) = split(token)?;
    if header.get("alg").and_then(Value::as_str) != Some("HS256") {
        return None;
    }
    hmac::verify(
        &hmac::Key::new(hmac::HMAC_SHA256, key),
        signed.as_bytes(),
        &sig,
    )
    .ok()?;
    if claims.get("exp").and_then(Value::as_i64)? <= now_seconds {
        return None;
    }
    Grant::parse(claims.get("sub").and_then(Value::as_str)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_tokens_round_trip_and_refuse_tampering() {
        let key = b"0123456789abcdef";
        let token = issue(key, &Grant::Agent { agent_id: 7 }, 1000, 60, "j", None);
        assert_eq!(
            verify_issued(key, &token, 1010),
            Some(Grant::Agent { agent_id: 7 })
        );
        assert_eq!(verify_issued(key, &token, 1060), None, "expired");
        assert_eq!(verify_issued(b"another key", &token, 1010), None);
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(json!({"sub": "agent:8", "exp": 5000}).to_string());
        parts[1] = &forged;
        assert_eq!(verify_issued(key, &parts.join("."), 1010), None);
        let unsigned = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode(r#"{"sub":"agent:7","exp":5000}"#)
        );
        assert_eq!(verify_issued(key, &unsigned, 1010), None);
    }

    #[test]
    fn assertion_refusals_name_what_failed() {
        let key = PublicKey {
            exponent: vec![1, 0, 1],
            modulus: vec![0xC5; 256],
        };
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
        let claims = URL_SAFE_NO_PAD.encode(r#"{"iss":"c","sub":"c"}"#);
        let token = format!("{header}.{claims}.AAAA");
        assert_eq!(
            verify_assertion(&token, "c", &key, "http://h/t", 0),
            Err(refused("The client assertion must be signed with RS256."))
        );
        assert_eq!(
            verify_assertion("nonsense", "c", &key, "http://h/t", 0),
            Err(refused("The client assertion is not a valid JWT."))
        );
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","typ":"JWT"}"#);
        let token = format!("{header}.{claims}.AAAA");
        assert_eq!(
            verify_assertion(&token, "c", &key, "http://h/t", 0),
            Err(refused("The client assertion signature is not valid."))
        );
    }

    #[test]
    fn dotnet_times_print_as_the_service_prints_them() {
        assert_eq!(dotnet_time(0), "1/1/1970 12:00:00 AM");
        assert_eq!(dotnet_time(13 * 3600 + 5), "1/1/1970 1:00:05 PM");
    }
}
