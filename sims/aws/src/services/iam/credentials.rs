//! A user's other credentials, kept in its user record: SSH public keys (for CodeCommit),
//! X.509 signing certificates, and service-specific credentials (CodeCommit and Keyspaces
//! passwords, Bedrock API keys).
//!
//! SSH keys and certificates are parsed and checked as IAM does (`keys`): RSA keys of at least
//! 2048 bits in `ssh-rsa` or PEM form, fingerprinted with MD5; PEM certificates that parse and
//! have not expired. Service passwords and API key secrets are shown once, when created or
//! reset, and never stored.
//!
//! Assumptions (AWS's wording not found recorded): a duplicate SSH key answers
//! `DuplicateSSHPublicKey` `The public key is already uploaded.`, a short key `InvalidPublicKey`
//! `Public key length must be at least 2048 bits.`, the SSH key quota is named
//! `SSHPublicKeysPerUser`, a certificate already uploaded `DuplicateCertificate`, an expired one
//! `InvalidCertificate`. The root user's signing certificates are not kept (name a user).

use serde::{Deserialize, Serialize};
use sim_aws_shapes::iam::{
    CreateServiceSpecificCredentialRequest, CreateServiceSpecificCredentialResponse,
    DeleteSSHPublicKeyRequest, DeleteServiceSpecificCredentialRequest,
    DeleteSigningCertificateRequest, GetSSHPublicKeyRequest, GetSSHPublicKeyResponse,
    ListSSHPublicKeysRequest, ListSSHPublicKeysResponse, ListServiceSpecificCredentialsRequest,
    ListServiceSpecificCredentialsResponse, ListSigningCertificatesRequest,
    ListSigningCertificatesResponse, ResetServiceSpecificCredentialRequest,
    ResetServiceSpecificCredentialResponse, SSHPublicKey, SSHPublicKeyMetadata,
    ServiceSpecificCredential, ServiceSpecificCredentialMetadata, SigningCertificate,
    UpdateSSHPublicKeyRequest, UpdateServiceSpecificCredentialRequest,
    UpdateSigningCertificateRequest, UploadSSHPublicKeyRequest, UploadSSHPublicKeyResponse,
    UploadSigningCertificateRequest, UploadSigningCertificateResponse,
};

use super::keys::{SshKeyError, parse_certificate, parse_ssh_public_key};
use super::paging::paginate;
use super::users::{Subject, User};
use super::{Iam, IamError, timestamp};
use crate::services::Ctx;

/// The most SSH public keys a user may have.
const SSH_KEYS_PER_USER: usize = 5;
/// The most signing certificates a user may have (`CertificatesPerUser`).
const CERTIFICATES_PER_USER: usize = 2;
/// The most service-specific credentials a user may have for one service.
const CREDENTIALS_PER_SERVICE: usize = 2;

/// The services that issue service-specific credentials; Bedrock's are long-term API keys.
const CREDENTIAL_SERVICES: &[&str] = &[
    "codecommit.amazonaws.com",
    "cassandra.amazonaws.com",
    "bedrock.amazonaws.com",
];

const PASSWORD_ALPHABET: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const CERTIFICATE_ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// An SSH public key, as uploaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSshKey {
    pub id: String,
    pub body: String,
    pub fingerprint: String,
    pub status: String,
    pub upload_ms: i64,
}

/// A signing certificate, as uploaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSigningCertificate {
    pub id: String,
    pub body: String,
    pub status: String,
    pub upload_ms: i64,
}

/// A service-specific credential, without its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredServiceCredential {
    pub id: String,
    pub service_name: String,
    /// `USER-at-ACCOUNT` (CodeCommit, Keyspaces) or the API key's alias (Bedrock).
    pub login: String,
    pub status: String,
    pub create_ms: i64,
    pub expiration_ms: Option<i64>,
}

impl StoredServiceCredential {
    fn is_api_key(&self) -> bool {
        self.service_name == "bedrock.amazonaws.com"
    }

    fn metadata(&self, user_name: &str) -> ServiceSpecificCredentialMetadata {
        ServiceSpecificCredentialMetadata {
            user_name: user_name.to_string(),
            status: self.status.clone(),
            service_user_name: (!self.is_api_key()).then(|| self.login.clone()),
            service_credential_alias: self.is_api_key().then(|| self.login.clone()),
            create_date: timestamp(self.create_ms),
            expiration_date: self.expiration_ms.map(timestamp),
            service_specific_credential_id: self.id.clone(),
            service_name: self.service_name.clone(),
        }
    }

    /// The credential with its newly made secret, as Create and Reset answer it.
    fn with_secret(&self, user_name: &str, secret: String) -> ServiceSpecificCredential {
        let api_key = self.is_api_key();
        ServiceSpecificCredential {
            create_date: timestamp(self.create_ms),
            expiration_date: self.expiration_ms.map(timestamp),
            service_name: self.service_name.clone(),
            service_user_name: (!api_key).then(|| self.login.clone()),
            service_password: (!api_key).then(|| secret.clone()),
            service_credential_alias: api_key.then(|| self.login.clone()),
            service_credential_secret: api_key.then_some(secret),
            service_specific_credential_id: self.id.clone(),
            user_name: user_name.to_string(),
            status: self.status.clone(),
        }
    }
}

fn no_such_ssh_key(id: &str) -> IamError {
    IamError::NoSuchEntity(format!("The Public Key with id {id} cannot be found."))
}

fn no_such_certificate(id: &str) -> IamError {
    IamError::NoSuchEntity(format!("The Certificate with id {id} cannot be found."))
}

fn no_such_credential(id: &str) -> IamError {
    IamError::NoSuchEntity(format!("No such credential {id} exists"))
}

fn unsupported_service(service_name: &str) -> IamError {
    IamError::NoSuchEntity(format!(
        "No such service {service_name} is supported for Service Specific Credentials"
    ))
}

/// The IAM user an operation acts on: named, or else the calling user.
fn owner(ctx: &Ctx, user_name: Option<String>) -> Result<String, IamError> {
    match Subject::of(ctx, user_name)? {
        Subject::User(name) => Ok(name),
        Subject::Root => Err(IamError::Validation(
            "Must specify userName when calling with non-User credentials".into(),
        )),
    }
}

impl User {
    /// Whether the user holds credentials that `DeleteUser` refuses to leave behind as
    /// "referenced objects" (SSH keys, signing certificates, service-specific credentials).
    pub fn holds_other_credentials(&self) -> bool {
        !self.ssh_public_keys.is_empty()
            || !self.signing_certificates.is_empty()
            || !self.service_credentials.is_empty()
    }
}

impl Iam {
    pub(super) async fn upload_ssh_public_key(
        &self,
        ctx: &Ctx,
        input: UploadSSHPublicKeyRequest,
    ) -> Result<UploadSSHPublicKeyResponse, IamError> {
        self.user(ctx, &input.user_name)?;
        let key =
            parse_ssh_public_key(&input.ssh_public_key_body).map_err(|error| match error {
                SshKeyError::Unrecognized => {
                    IamError::UnrecognizedPublicKeyEncoding("Invalid public key uploaded.".into())
                }
                SshKeyError::Invalid => IamError::InvalidPublicKey(
                    "Public key length must be at least 2048 bits.".into(),
                ),
            })?;
        let stored = StoredSshKey {
            id: self.unique_id("APKA"),
            body: input.ssh_public_key_body,
            fingerprint: key.fingerprint(),
            status: "Active".into(),
            upload_ms: self.now_millis(),
        };
        let user_name = self.modify_user(ctx, &input.user_name, |user| {
            if user
                .ssh_public_keys
                .iter()
                .any(|held| held.fingerprint == stored.fingerprint)
            {
                return Err(IamError::DuplicateSshPublicKey(
                    "The public key is already uploaded.".into(),
                ));
            }
            if user.ssh_public_keys.len() >= SSH_KEYS_PER_USER {
                return Err(IamError::LimitExceeded(format!(
                    "Cannot exceed quota for SSHPublicKeysPerUser: {SSH_KEYS_PER_USER}"
                )));
            }
            user.ssh_public_keys.push(stored.clone());
            Ok(user.user_name.clone())
        })?;
        Ok(UploadSSHPublicKeyResponse {
            ssh_public_key: Some(ssh_key_output(&user_name, &stored, stored.body.clone())),
        })
    }

    pub(super) async fn get_ssh_public_key(
        &self,
        ctx: &Ctx,
        input: GetSSHPublicKeyRequest,
    ) -> Result<GetSSHPublicKeyResponse, IamError> {
        let user = self.user(ctx, &input.user_name)?;
        let stored = user
            .ssh_public_keys
            .iter()
            .find(|key| key.id == input.ssh_public_key_id)
            .ok_or_else(|| no_such_ssh_key(&input.ssh_public_key_id))?;
        let key = parse_ssh_public_key(&stored.body).map_err(|_| {
            IamError::ServiceFailure("A stored SSH public key no longer parses.".into())
        })?;
        let body = match input.encoding.as_str() {
            "PEM" => key.pem(),
            _ => key.openssh(),
        };
        Ok(GetSSHPublicKeyResponse {
            ssh_public_key: Some(ssh_key_output(&user.user_name, stored, body)),
        })
    }

    pub(super) async fn list_ssh_public_keys(
        &self,
        ctx: &Ctx,
        input: ListSSHPublicKeysRequest,
    ) -> Result<ListSSHPublicKeysResponse, IamError> {
        let user = self.user(ctx, &owner(ctx, input.user_name)?)?;
        let entries = user
            .ssh_public_keys
            .iter()
            .map(|key| {
                (
                    key.id.clone(),
                    SSHPublicKeyMetadata {
                        user_name: user.user_name.clone(),
                        ssh_public_key_id: key.id.clone(),
                        status: key.status.clone(),
                        upload_date: timestamp(key.upload_ms),
                    },
                )
            })
            .collect();
        let page = paginate(entries, input.marker.as_deref(), input.max_items)?;
        Ok(ListSSHPublicKeysResponse {
            ssh_public_keys: Some(page.items),
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        })
    }

    pub(super) async fn update_ssh_public_key(
        &self,
        ctx: &Ctx,
        input: UpdateSSHPublicKeyRequest,
    ) -> Result<(), IamError> {
        self.modify_user(ctx, &input.user_name, |user| {
            let key = user
                .ssh_public_keys
                .iter_mut()
                .find(|key| key.id == input.ssh_public_key_id)
                .ok_or_else(|| no_such_ssh_key(&input.ssh_public_key_id))?;
            key.status = input.status;
            Ok(())
        })
    }

    pub(super) async fn delete_ssh_public_key(
        &self,
        ctx: &Ctx,
        input: DeleteSSHPublicKeyRequest,
    ) -> Result<(), IamError> {
        self.modify_user(ctx, &input.user_name, |user| {
            let before = user.ssh_public_keys.len();
            user.ssh_public_keys
                .retain(|key| key.id != input.ssh_public_key_id);
            if user.ssh_public_keys.len() == before {
                return Err(no_such_ssh_key(&input.ssh_public_key_id));
            }
            Ok(())
        })
    }

    pub(super) async fn upload_signing_certificate(
        &self,
        ctx: &Ctx,
        input: UploadSigningCertificateRequest,
    ) -> Result<UploadSigningCertificateResponse, IamError> {
        let user_name = owner(ctx, input.user_name)?;
        self.user(ctx, &user_name)?;
        let body = input.certificate_body;
        let certificate = parse_certificate(&body).ok_or_else(|| {
            IamError::MalformedCertificate(format!("Certificate {body} is malformed."))
        })?;
        if certificate.not_after_ms < self.kit.clock().now_millis() {
            return Err(IamError::InvalidCertificate(
                "The certificate has expired.".into(),
            ));
        }
        let stored = StoredSigningCertificate {
            id: self.kit.ids().random_word(CERTIFICATE_ID_ALPHABET, 32),
            body,
            status: "Active".into(),
            upload_ms: self.now_millis(),
        };
        let duplicate = self
            .account_users(ctx)
            .iter()
            .flat_map(|user| &user.signing_certificates)
            .any(|held| held.body.trim() == stored.body.trim());
        if duplicate {
            return Err(IamError::DuplicateCertificate(
                "The certificate is already associated with an IAM user in the account.".into(),
            ));
        }
        let user_name = self.modify_user(ctx, &user_name, |user| {
            if user.signing_certificates.len() >= CERTIFICATES_PER_USER {
                return Err(IamError::LimitExceeded(format!(
                    "Cannot exceed quota for CertificatesPerUser: {CERTIFICATES_PER_USER}"
                )));
            }
            user.signing_certificates.push(stored.clone());
            Ok(user.user_name.clone())
        })?;
        Ok(UploadSigningCertificateResponse {
            certificate: certificate_output(&user_name, &stored),
        })
    }

    pub(super) async fn list_signing_certificates(
        &self,
        ctx: &Ctx,
        input: ListSigningCertificatesRequest,
    ) -> Result<ListSigningCertificatesResponse, IamError> {
        let user = self.user(ctx, &owner(ctx, input.user_name)?)?;
        let entries = user
            .signing_certificates
            .iter()
            .map(|certificate| {
                (
                    certificate.id.clone(),
                    certificate_output(&user.user_name, certificate),
                )
            })
            .collect();
        let page = paginate(entries, input.marker.as_deref(), input.max_items)?;
        Ok(ListSigningCertificatesResponse {
            certificates: page.items,
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        })
    }

    pub(super) async fn update_signing_certificate(
        &self,
        ctx: &Ctx,
        input: UpdateSigningCertificateRequest,
    ) -> Result<(), IamError> {
        let user_name = owner(ctx, input.user_name)?;
        self.modify_user(ctx, &user_name, |user| {
            let certificate = user
                .signing_certificates
                .iter_mut()
                .find(|certificate| certificate.id == input.certificate_id)
                .ok_or_else(|| no_such_certificate(&input.certificate_id))?;
            certificate.status = input.status;
            Ok(())
        })
    }

    pub(super) async fn delete_signing_certificate(
        &self,
        ctx: &Ctx,
        input: DeleteSigningCertificateRequest,
    ) -> Result<(), IamError> {
        let user_name = owner(ctx, input.user_name)?;
        self.modify_user(ctx, &user_name, |user| {
            let before = user.signing_certificates.len();
            user.signing_certificates
                .retain(|certificate| certificate.id != input.certificate_id);
            if user.signing_certificates.len() == before {
                return Err(no_such_certificate(&input.certificate_id));
            }
            Ok(())
        })
    }

    /// A new secret for a credential of `service_name`.
    fn service_secret(&self, service_name: &str) -> String {
        let ids = self.kit.ids();
        if service_name == "bedrock.amazonaws.com" {
            format!("ABSK{}", ids.random_word(PASSWORD_ALPHABET, 128))
        } else {
            ids.random_word(PASSWORD_ALPHABET, 44)
        }
    }

    pub(super) async fn create_service_specific_credential(
        &self,
        ctx: &Ctx,
        input: CreateServiceSpecificCredentialRequest,
    ) -> Result<CreateServiceSpecificCredentialResponse, IamError> {
        let user = self.user(ctx, &input.user_name)?;
        let service_name = input.service_name;
        if !CREDENTIAL_SERVICES.contains(&service_name.as_str()) {
            return Err(unsupported_service(&service_name));
        }
        let api_key = service_name == "bedrock.amazonaws.com";
        if input.credential_age_days.is_some() && !api_key {
            return Err(IamError::InvalidInput(format!(
                "CredentialAgeDays is not supported for service {service_name}."
            )));
        }
        let now = self.now_millis();
        let login = if api_key {
            format!(
                "BedrockAPIKey-{}-at-{}",
                self.kit
                    .ids()
                    .random_word(b"abcdefghijklmnopqrstuvwxyz0123456789", 4),
                ctx.account_id
            )
        } else {
            format!("{}-at-{}", user.user_name, ctx.account_id)
        };
        let stored = StoredServiceCredential {
            id: self.unique_id("ACCA"),
            service_name: service_name.clone(),
            login,
            status: "Active".into(),
            create_ms: now,
            expiration_ms: input
                .credential_age_days
                .map(|days| now + i64::from(days) * 86_400_000),
        };
        let user_name = self.modify_user(ctx, &input.user_name, |user| {
            let held = user
                .service_credentials
                .iter()
                .filter(|held| held.service_name == service_name)
                .count();
            if held >= CREDENTIALS_PER_SERVICE {
                return Err(IamError::LimitExceeded(format!(
                    "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: \
                     {CREDENTIALS_PER_SERVICE}"
                )));
            }
            user.service_credentials.push(stored.clone());
            Ok(user.user_name.clone())
        })?;
        let secret = self.service_secret(&service_name);
        Ok(CreateServiceSpecificCredentialResponse {
            service_specific_credential: Some(stored.with_secret(&user_name, secret)),
        })
    }

    pub(super) async fn list_service_specific_credentials(
        &self,
        ctx: &Ctx,
        input: ListServiceSpecificCredentialsRequest,
    ) -> Result<ListServiceSpecificCredentialsResponse, IamError> {
        if let Some(service_name) = &input.service_name
            && !CREDENTIAL_SERVICES.contains(&service_name.as_str())
        {
            return Err(unsupported_service(service_name));
        }
        let users = if input.all_users == Some(true) {
            if input.user_name.is_some() {
                return Err(IamError::InvalidInput(
                    "AllUsers cannot be specified together with UserName.".into(),
                ));
            }
            self.account_users(ctx)
        } else {
            vec![self.user(ctx, &owner(ctx, input.user_name)?)?]
        };
        let entries = users
            .iter()
            .flat_map(|user| {
                user.service_credentials
                    .iter()
                    .map(move |credential| (user.user_name.as_str(), credential))
            })
            .filter(|(_, credential)| {
                input
                    .service_name
                    .as_deref()
                    .is_none_or(|name| credential.service_name == name)
            })
            .map(|(user_name, credential)| {
                (
                    format!("{}/{}", user_name.to_ascii_lowercase(), credential.id),
                    credential.metadata(user_name),
                )
            })
            .collect();
        let page = paginate(entries, input.marker.as_deref(), input.max_items)?;
        Ok(ListServiceSpecificCredentialsResponse {
            service_specific_credentials: Some(page.items),
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        })
    }

    pub(super) async fn update_service_specific_credential(
        &self,
        ctx: &Ctx,
        input: UpdateServiceSpecificCredentialRequest,
    ) -> Result<(), IamError> {
        let user_name = owner(ctx, input.user_name)?;
        self.modify_user(ctx, &user_name, |user| {
            let credential = user
                .service_credentials
                .iter_mut()
                .find(|credential| credential.id == input.service_specific_credential_id)
                .ok_or_else(|| no_such_credential(&input.service_specific_credential_id))?;
            credential.status = input.status;
            Ok(())
        })
    }

    pub(super) async fn reset_service_specific_credential(
        &self,
        ctx: &Ctx,
        input: ResetServiceSpecificCredentialRequest,
    ) -> Result<ResetServiceSpecificCredentialResponse, IamError> {
        let user = self.user(ctx, &owner(ctx, input.user_name)?)?;
        let credential = user
            .service_credentials
            .iter()
            .find(|credential| credential.id == input.service_specific_credential_id)
            .ok_or_else(|| no_such_credential(&input.service_specific_credential_id))?;
        let secret = self.service_secret(&credential.service_name);
        Ok(ResetServiceSpecificCredentialResponse {
            service_specific_credential: Some(credential.with_secret(&user.user_name, secret)),
        })
    }

    pub(super) async fn delete_service_specific_credential(
        &self,
        ctx: &Ctx,
        input: DeleteServiceSpecificCredentialRequest,
    ) -> Result<(), IamError> {
        let user_name = owner(ctx, input.user_name)?;
        self.modify_user(ctx, &user_name, |user| {
            let before = user.service_credentials.len();
            user.service_credentials
                .retain(|credential| credential.id != input.service_specific_credential_id);
            if user.service_credentials.len() == before {
                return Err(no_such_credential(&input.service_specific_credential_id));
            }
            Ok(())
        })
    }
}

fn ssh_key_output(user_name: &str, stored: &StoredSshKey, body: String) -> SSHPublicKey {
    SSHPublicKey {
        user_name: user_name.to_string(),
        ssh_public_key_id: stored.id.clone(),
        fingerprint: stored.fingerprint.clone(),
        ssh_public_key_body: body,
        status: stored.status.clone(),
        upload_date: Some(timestamp(stored.upload_ms)),
    }
}

fn certificate_output(user_name: &str, stored: &StoredSigningCertificate) -> SigningCertificate {
    SigningCertificate {
        user_name: user_name.to_string(),
        certificate_id: stored.id.clone(),
        certificate_body: stored.body.clone(),
        status: stored.status.clone(),
        upload_date: Some(timestamp(stored.upload_ms)),
    }
}
