//! Fetching an OpenID Connect provider's discovery document (`/.well-known/openid-configuration`)
//! and its JWK set, over HTTPS whose server certificate is trusted by thumbprint: the SHA-1 of
//! the top certificate the server presents must be one of the provider's registered
//! thumbprints, as IAM documents for OIDC providers. A provider with no thumbprints is not
//! trusted (the simulator carries no public CA library).
//!
//! What this module must not do: follow redirects, read unbounded bodies, or wait forever.

use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Empty, Limited};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

/// How long a fetch may take, connection to last byte.
const TIMEOUT: Duration = Duration::from_secs(5);
/// The largest document accepted.
const MAX_BODY: usize = 1 << 20;

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("not an https URL: {0}")]
    Url(String),
    #[error("connecting: {0}")]
    Connect(String),
    #[error("the server answered {0}")]
    Status(u16),
    #[error("the answer is not JSON")]
    NotJson,
    #[error("timed out")]
    Timeout,
}

#[derive(Debug)]
struct Thumbprints {
    allowed: Vec<String>,
    crypto: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Thumbprints {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let top = intermediates.last().unwrap_or(end_entity);
        let digest = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, top.as_ref());
        let thumbprint = hex::encode(digest.as_ref());
        if self
            .allowed
            .iter()
            .any(|allowed| allowed.eq_ignore_ascii_case(&thumbprint))
        {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(format!(
                "certificate thumbprint {thumbprint} is not registered"
            )))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.crypto.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.crypto.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.crypto
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// GETs `url` (https only) and parses the answer as JSON.
pub async fn fetch_json(
    url: &str,
    thumbprints: &[String],
) -> Result<serde_json::Value, FetchError> {
    tokio::time::timeout(TIMEOUT, fetch(url, thumbprints))
        .await
        .map_err(|_| FetchError::Timeout)?
}

async fn fetch(url: &str, thumbprints: &[String]) -> Result<serde_json::Value, FetchError> {
    let rest = url
        .strip_prefix("https://")
        .ok_or_else(|| FetchError::Url(url.to_string()))?;
    let (authority, path) = match rest.find('/') {
        Some(index) => (&rest[..index], &rest[index..]),
        None => (rest, "/"),
    };
    let (host, port) = simkit::context::split_authority(authority);
    let port = port.unwrap_or(443);
    let connect = |error: &dyn std::fmt::Display| FetchError::Connect(error.to_string());
    let crypto = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(crypto.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| connect(&e))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Thumbprints {
            allowed: thumbprints.to_vec(),
            crypto,
        }))
        .with_no_client_auth();
    let server_name = ServerName::try_from(host.clone()).map_err(|e| connect(&e))?;
    let tcp = tokio::net::TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| connect(&e))?;
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(server_name, tcp)
        .await
        .map_err(|e| connect(&e))?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tls))
            .await
            .map_err(|e| connect(&e))?;
    let driver = tokio::spawn(async move {
        let _ = connection.await;
    });
    let request = http::Request::get(path)
        .header(http::header::HOST, authority)
        .header(http::header::ACCEPT, "application/json")
        .body(Empty::<bytes::Bytes>::new())
        .map_err(|e| connect(&e))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| connect(&e))?;
    let status = response.status().as_u16();
    let body = Limited::new(response.into_body(), MAX_BODY)
        .collect()
        .await
        .map_err(|e| connect(&*e))?
        .to_bytes();
    driver.abort();
    if status != 200 {
        return Err(FetchError::Status(status));
    }
    serde_json::from_slice(&body).map_err(|_| FetchError::NotJson)
}
