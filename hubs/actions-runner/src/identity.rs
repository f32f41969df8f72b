//! The runner's identity: its RSA key, the agent it registers in the Default pool with the
//! key's public half, and the OAuth exchange that trades an RS256 client assertion signed with
//! the key for an access token, as the runner's `VssOAuthJwtBearerClientCredential` does.
//!
//! What this module must not do: send the private key anywhere, or sign an assertion that
//! lives longer than the service's five-minute limit.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use http::Method;
use rsa::pkcs1v15::SigningKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, rand_core::OsRng};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::RunnerError;
use crate::client::{Body, Http, bearer};
use crate::service::{Locations, locations};

/// The runner version the service is told (the official runner's current series).
pub const RUNNER_VERSION: &str = "2.330.0";

/// A registered agent and what it needs to sign in.
pub struct Agent {
    pub pool_id: u64,
    pub agent_id: u64,
    pub name: String,
    pub client_id: String,
    pub authorization_url: String,
    pub key: RsaPrivateKey,
}

/// A new 2048-bit key, as the runner makes at `config.sh`.
pub fn new_key() -> Result<RsaPrivateKey, RunnerError> {
    RsaPrivateKey::new(&mut OsRng, 2048)
        .map_err(|e| RunnerError::Config(format!("could not make the runner's RSA key: {e}")))
}

fn big_endian_b64(number: &rsa::BigUint) -> String {
    STANDARD.encode(number.to_bytes_be())
}

/// Finds the Default pool and adds the agent to it (`POST …/pools/{id}/agents`).
pub async fn register(
    http: &Http,
    service: &Locations,
    registration_token: &str,
    name: &str,
    labels: &[String],
    key: RsaPrivateKey,
) -> Result<Agent, RunnerError> {
    let auth = bearer(registration_token);
    let pools = http
        .send(
            Method::GET,
            &service.url(locations::POOLS, &[])?,
            Some(&auth),
            Body::Empty,
        )
        .await?
        .expect(&[200], "agent pools")?;
    let pool_id = pools["value"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["isInternal"] == Value::Bool(true))
        .or_else(|| pools["value"].get(0))
        .and_then(|p| p["id"].as_u64())
        .ok_or_else(|| RunnerError::Protocol("the service lists no agent pool".into()))?;
    let pool = pool_id.to_string();
    let public = key.to_public_key();
    let mut all_labels = vec![
        json!({"name": "self-hosted", "type": "system"}),
        json!({"name": "Linux", "type": "system"}),
        json!({"name": std::env::consts::ARCH.replace("x86_64", "X64").replace("aarch64", "ARM64"), "type": "system"}),
    ];
    all_labels.extend(labels.iter().map(|l| json!({"name": l, "type": "user"})));
    let body = json!({
        "name": name,
        "version": RUNNER_VERSION,
        "osDescription": "Linux",
        "maxParallelism": 1,
        "ephemeral": false,
        "disableUpdate": true,
        "status": 0,
        "provisioningState": null,
        "authorization": {"publicKey": {
            "exponent": big_endian_b64(public.e()),
            "modulus": big_endian_b64(public.n()),
        }},
        "labels": all_labels,
    });
    let agent = http
        .send(
            Method::POST,
            &service.url(locations::AGENTS, &[("poolId", &pool)])?,
            Some(&auth),
            Body::Json(body),
        )
        .await?
        .expect(&[200], "add the runner")?;
    let authorization = &agent["authorization"];
    Ok(Agent {
        pool_id,
        agent_id: agent["id"]
            .as_u64()
            .ok_or_else(|| RunnerError::Protocol("the added agent has no id".into()))?,
        name: name.to_string(),
        client_id: authorization["clientId"]
            .as_str()
            .ok_or_else(|| RunnerError::Protocol("the added agent has no clientId".into()))?
            .to_string(),
        authorization_url: authorization["authorizationUrl"]
            .as_str()
            .ok_or_else(|| RunnerError::Protocol("the added agent has no authorizationUrl".into()))?
            .to_string(),
        key,
    })
}

/// An RS256 client assertion: issuer and subject the client ID, audience the token URL, five
/// minutes of life (the service's maximum).
pub fn assertion(agent: &Agent, now_seconds: i64, jti: &str) -> Result<String, RunnerError> {
    let header = URL_SAFE_NO_PAD.encode(json!({"alg": "RS256", "typ": "JWT"}).to_string());
    let claims = URL_SAFE_NO_PAD.encode(
        json!({
            "iss": agent.client_id,
            "sub": agent.client_id,
            "aud": agent.authorization_url,
            "jti": jti,
            "nbf": now_seconds,
            "iat": now_seconds,
            "exp": now_seconds + 300,
        })
        .to_string(),
    );
    let signing_input = format!("{header}.{claims}");
    let signer = SigningKey::<Sha256>::new(agent.key.clone());
    let signature = signer
        .try_sign(signing_input.as_bytes())
        .map_err(|e| RunnerError::Config(format!("could not sign the client assertion: {e}")))?;
    Ok(format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature.to_bytes())
    ))
}

/// An access token and when to renew it (seconds from the exchange).
pub struct AccessToken {
    pub token: String,
    pub expires_in: u64,
}

/// `POST authorizationUrl` with the `client_credentials` grant and a fresh assertion.
pub async fn exchange(
    http: &Http,
    agent: &Agent,
    now_seconds: i64,
    jti: &str,
) -> Result<AccessToken, RunnerError> {
    let granted = http
        .send(
            Method::POST,
            &agent.authorization_url,
            None,
            Body::Form(vec![
                ("grant_type".into(), "client_credentials".into()),
                (
                    "client_assertion_type".into(),
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".into(),
                ),
                (
                    "client_assertion".into(),
                    assertion(agent, now_seconds, jti)?,
                ),
            ]),
        )
        .await?
        .expect(&[200], "the OAuth token exchange")?;
    Ok(AccessToken {
        token: granted["access_token"]
            .as_str()
            .ok_or_else(|| RunnerError::Protocol("the token answer has no access_token".into()))?
            .to_string(),
        expires_in: granted["expires_in"].as_u64().unwrap_or(3600),
    })
}
