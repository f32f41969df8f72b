//! TLS on the same port as plain HTTP. An [`Authority`] is a CA generated at start (or reloaded
//! from the state directory, so trust survives a restart); it issues a server certificate for
//! whatever name a client asks for in SNI, always alongside `localhost`, `*.localhost`,
//! `127.0.0.1` and `::1`. So `https://localhost:4568`, `https://sts.amazonaws.com` reached
//! through a proxy, and `https://NAME.azurecr.io` all verify against the one CA file a client
//! is told to trust (`--ca-out`).
//!
//! The server sniffs the first byte of each connection: `0x16` (a TLS handshake record) means
//! TLS, anything else is plain HTTP.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

/// The first byte of a TLS connection: a handshake record.
pub const TLS_HANDSHAKE_BYTE: u8 = 0x16;

const CA_CERT_FILE: &str = "ca.pem";
const CA_KEY_FILE: &str = "ca-key.pem";
const BASE_NAMES: [&str; 4] = ["localhost", "*.localhost", "127.0.0.1", "::1"];
/// Issued certificates kept per name; a client that tries thousands of names gets the default.
const MAX_CACHED_NAMES: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("generating a certificate: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("CA file {path}: {source}")]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("building the TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
}

/// A certificate authority that issues the simulators' server certificates.
pub struct Authority {
    ca_pem: String,
    issuer: Issuer<'static, KeyPair>,
    /// One key for every server certificate: only the names differ.
    leaf_key: KeyPair,
    issued: Mutex<HashMap<String, Arc<CertifiedKey>>>,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authority").finish_non_exhaustive()
    }
}

fn ca_params() -> Result<CertificateParams, TlsError> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, "Sockerless local CA");
    name.push(DnType::OrganizationName, "Sockerless");
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    Ok(params)
}

impl Authority {
    /// A new CA, in memory only.
    pub fn generate() -> Result<Self, TlsError> {
        let key = KeyPair::generate()?;
        let params = ca_params()?;
        let ca_pem = params.self_signed(&key)?.pem();
        Self::from_parts(ca_pem, key)
    }

    /// The CA kept in `dir`, or a new one written there.
    pub fn load_or_generate(dir: &Path) -> Result<Self, TlsError> {
        let (cert_path, key_path) = (dir.join(CA_CERT_FILE), dir.join(CA_KEY_FILE));
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| TlsError::Io { path, source }
        };
        if let (Ok(ca_pem), Ok(key_pem)) = (
            std::fs::read_to_string(&cert_path),
            std::fs::read_to_string(&key_path),
        ) {
            return Self::from_parts(ca_pem, KeyPair::from_pem(&key_pem)?);
        }
        let authority = Self::generate()?;
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        write_private(&key_path, authority.issuer.key().serialize_pem().as_bytes())
            .map_err(io(&key_path))?;
        std::fs::write(&cert_path, &authority.ca_pem).map_err(io(&cert_path))?;
        Ok(authority)
    }

    fn from_parts(ca_pem: String, key: KeyPair) -> Result<Self, TlsError> {
        // The issuer's name and key are all a signature needs; the CA certificate a client
        // trusts carries the same name and key.
        let issuer = Issuer::new(ca_params()?, key);
        Ok(Self {
            ca_pem,
            issuer,
            leaf_key: KeyPair::generate()?,
            issued: Mutex::default(),
        })
    }

    /// The CA certificate, PEM-encoded: what clients must trust.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// Writes the CA certificate to `path` (creating its directory).
    pub fn write_ca(&self, path: &Path) -> Result<(), TlsError> {
        let io = |source| TlsError::Io {
            path: path.to_path_buf(),
            source,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        std::fs::write(path, &self.ca_pem).map_err(io)
    }

    /// A certificate for `name` plus the base names, issued once and cached.
    fn certified_key(&self, name: &str) -> Result<Arc<CertifiedKey>, TlsError> {
        let mut issued = self.issued.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(key) = issued.get(name) {
            return Ok(key.clone());
        }
        let mut names: Vec<String> = BASE_NAMES.iter().map(|n| n.to_string()).collect();
        if !name.is_empty() && !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
        let mut params = CertificateParams::new(names)?;
        params.distinguished_name = DistinguishedName::new();
        params.distinguished_name.push(
            DnType::CommonName,
            if name.is_empty() { "localhost" } else { name },
        );
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        let cert = params.signed_by(&self.leaf_key, &self.issuer)?;
        let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.leaf_key.serialize_der()));
        let signing_key = rustls::crypto::ring::sign::any_supported_type(&key_der)?;
        let chain = vec![
            cert.der().clone(),
            CertificateDer::from(pem_to_der(&self.ca_pem)),
        ];
        let certified = Arc::new(CertifiedKey::new(chain, signing_key));
        if issued.len() < MAX_CACHED_NAMES {
            issued.insert(name.to_string(), certified.clone());
        }
        Ok(certified)
    }

    /// A rustls server configuration that answers every SNI name (HTTP/2 and HTTP/1.1 by ALPN).
    pub fn server_config(self: &Arc<Self>) -> Result<Arc<rustls::ServerConfig>, TlsError> {
        // Issue the default certificate now so a broken authority fails at start, not mid-handshake.
        self.certified_key("")?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(Resolver(self.clone())));
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

fn pem_to_der(pem: &str) -> Vec<u8> {
    use base64::Engine;
    let body: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    // The PEM is our own CA's, written by rcgen: it always decodes.
    base64::engine::general_purpose::STANDARD
        .decode(body.trim())
        .unwrap_or_default()
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)
}

struct Resolver(Arc<Authority>);

impl std::fmt::Debug for Resolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Resolver")
    }
}

impl ResolvesServerCert for Resolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let name = hello.server_name().unwrap_or("").to_ascii_lowercase();
        match self.0.certified_key(&name) {
            Ok(key) => Some(key),
            Err(error) => {
                tracing::error!(%error, server_name = %name, "could not issue a certificate");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authority_persists_and_issues_per_name() {
        let dir = tempfile::tempdir().unwrap();
        let first = Arc::new(Authority::load_or_generate(dir.path()).unwrap());
        let second = Authority::load_or_generate(dir.path()).unwrap();
        assert_eq!(
            first.ca_pem(),
            second.ca_pem(),
            "a restart keeps the CA clients trust"
        );
        assert!(first.ca_pem().starts_with("-----BEGIN CERTIFICATE-----"));
        let a = first.certified_key("sts.amazonaws.com").unwrap();
        let b = first.certified_key("sts.amazonaws.com").unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(a.cert.len(), 2, "leaf and CA");
        first.server_config().unwrap();
    }

    #[test]
    fn pem_decodes_to_der() {
        let authority = Authority::generate().unwrap();
        let der = pem_to_der(authority.ca_pem());
        assert_eq!(der[0], 0x30, "a DER SEQUENCE");
    }
}
