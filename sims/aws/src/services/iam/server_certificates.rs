//! Server certificates (`UploadServerCertificate` and friends): a PEM certificate, the private
//! key that belongs to it, and an optional chain, stored by name per account with tags.
//!
//! Uploads are checked as IAM checks them (`keys`): the body must be one PEM certificate, the
//! private key a PEM key whose public half is the certificate's (`KeyPairMismatch` otherwise),
//! and each certificate of the chain must be the issuer of the one before it, the first the
//! body's issuer (AWS's "Unable to validate certificate chain" message, with the index). The
//! private key is not kept: IAM never returns it. `Expiration` is the certificate's `NotAfter`.
//!
//! Assumption: AWS's `KeyPairMismatch` wording was not found recorded; the quota name is
//! `ServerCertificatesPerAccount`.

use serde::{Deserialize, Serialize};
use sim_aws_shapes::iam::{
    DeleteServerCertificateRequest, GetServerCertificateRequest, GetServerCertificateResponse,
    ListServerCertificateTagsRequest, ListServerCertificateTagsResponse,
    ListServerCertificatesRequest, ListServerCertificatesResponse, ServerCertificate,
    ServerCertificateMetadata, Tag, TagServerCertificateRequest, UntagServerCertificateRequest,
    UpdateServerCertificateRequest, UploadServerCertificateRequest,
    UploadServerCertificateResponse,
};

use super::keys::{parse_certificate, parse_certificates, private_key_public_part};
use super::paging::paginate;
use super::tags::{TagKeys, initial_tags, merge_tags, page_tags, present, remove_tags};
use super::{Iam, IamError, account_prefix, key, timestamp, under};
use crate::services::Ctx;

/// How server certificates treat tag keys.
const CERTIFICATE_TAGS: TagKeys = TagKeys::CaseInsensitive;

/// IAM's default quota of server certificates per account.
const CERTIFICATES_PER_ACCOUNT: usize = 20;

/// A stored server certificate (without its private key).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredServerCertificate {
    pub account_id: String,
    pub name: String,
    pub path: String,
    pub id: String,
    pub arn: String,
    pub upload_ms: i64,
    pub expiration_ms: i64,
    pub body: String,
    pub chain: Option<String>,
    pub tags: Vec<Tag>,
}

impl StoredServerCertificate {
    fn metadata(&self) -> ServerCertificateMetadata {
        ServerCertificateMetadata {
            path: self.path.clone(),
            server_certificate_name: self.name.clone(),
            server_certificate_id: self.id.clone(),
            arn: self.arn.clone(),
            upload_date: Some(timestamp(self.upload_ms)),
            expiration: Some(timestamp(self.expiration_ms)),
        }
    }
}

fn no_such_certificate(name: &str) -> IamError {
    IamError::NoSuchEntity(format!(
        "The Server Certificate with name {name} cannot be found."
    ))
}

fn unparsable() -> IamError {
    IamError::MalformedCertificate(
        "Unable to parse certificate. Please ensure the certificate is in PEM format.".into(),
    )
}

/// Checks a body, its private key and its chain as IAM does; answers the body's `NotAfter`.
fn check_upload(body: &str, private_key: &str, chain: Option<&str>) -> Result<i64, IamError> {
    let certificate = parse_certificate(body).ok_or_else(unparsable)?;
    let key = private_key_public_part(private_key).ok_or_else(unparsable)?;
    if key != certificate.public_part {
        return Err(IamError::KeyPairMismatch(
            "The public key certificate and the private key do not match.".into(),
        ));
    }
    if let Some(chain) = chain {
        let chain = parse_certificates(chain).ok_or_else(unparsable)?;
        let mut issued = &certificate;
        for (index, issuer) in chain.iter().enumerate() {
            if issued.issuer != issuer.subject {
                return Err(IamError::MalformedCertificate(format!(
                    "Unable to validate certificate chain. The certificate chain must start \
                     with the immediate signing certificate, followed by any intermediaries in \
                     order. The index within the chain of the invalid certificate is: {index}"
                )));
            }
            issued = issuer;
        }
    }
    Ok(certificate.not_after_ms)
}

impl Iam {
    fn server_certificate(
        &self,
        ctx: &Ctx,
        name: &str,
    ) -> Result<StoredServerCertificate, IamError> {
        self.server_certificates
            .get(&key(&ctx.account_id, name))
            .ok_or_else(|| no_such_certificate(name))
    }

    fn modify_server_certificate<R>(
        &self,
        ctx: &Ctx,
        name: &str,
        change: impl FnOnce(&mut StoredServerCertificate) -> Result<R, IamError>,
    ) -> Result<R, IamError> {
        self.server_certificates
            .modify(&key(&ctx.account_id, name), |slot| match slot {
                Some(certificate) => change(certificate),
                None => Err(no_such_certificate(name)),
            })
    }

    /// The account's server certificates, by name.
    pub(crate) fn account_server_certificates(&self, ctx: &Ctx) -> Vec<StoredServerCertificate> {
        self.server_certificates
            .scan_prefix(&account_prefix(&ctx.account_id))
            .into_iter()
            .map(|(_, certificate)| certificate)
            .collect()
    }

    pub(super) async fn upload_server_certificate(
        &self,
        ctx: &Ctx,
        input: UploadServerCertificateRequest,
    ) -> Result<UploadServerCertificateResponse, IamError> {
        let tags = initial_tags(input.tags, CERTIFICATE_TAGS)?;
        let expiration_ms = check_upload(
            &input.certificate_body,
            &input.private_key,
            input.certificate_chain.as_deref(),
        )?;
        let path = input.path.unwrap_or_else(|| "/".into());
        let name = input.server_certificate_name;
        let stored = StoredServerCertificate {
            account_id: ctx.account_id.clone(),
            arn: format!(
                "arn:aws:iam::{}:server-certificate{path}{name}",
                ctx.account_id
            ),
            name: name.clone(),
            path,
            id: self.unique_id("ASCA"),
            upload_ms: self.now_millis(),
            expiration_ms,
            body: input.certificate_body,
            chain: input.certificate_chain,
            tags,
        };
        self.transaction(|txn| {
            let certificate_key = key(&ctx.account_id, &name);
            if txn.contains(&self.server_certificates, &certificate_key)? {
                return Err(IamError::EntityAlreadyExists(format!(
                    "The Server Certificate with name {name} already exists."
                )));
            }
            let held = txn
                .scan_prefix(&self.server_certificates, &account_prefix(&ctx.account_id))?
                .len();
            if held >= CERTIFICATES_PER_ACCOUNT {
                return Err(IamError::LimitExceeded(format!(
                    "Cannot exceed quota for ServerCertificatesPerAccount: \
                     {CERTIFICATES_PER_ACCOUNT}"
                )));
            }
            txn.insert(&self.server_certificates, &certificate_key, stored.clone())?;
            Ok(())
        })?;
        Ok(UploadServerCertificateResponse {
            server_certificate_metadata: Some(stored.metadata()),
            tags: present(&stored.tags),
        })
    }

    pub(super) async fn get_server_certificate(
        &self,
        ctx: &Ctx,
        input: GetServerCertificateRequest,
    ) -> Result<GetServerCertificateResponse, IamError> {
        let stored = self.server_certificate(ctx, &input.server_certificate_name)?;
        Ok(GetServerCertificateResponse {
            server_certificate: ServerCertificate {
                server_certificate_metadata: stored.metadata(),
                certificate_body: stored.body,
                certificate_chain: stored.chain,
                tags: Some(stored.tags),
            },
        })
    }

    pub(super) async fn list_server_certificates(
        &self,
        ctx: &Ctx,
        input: ListServerCertificatesRequest,
    ) -> Result<ListServerCertificatesResponse, IamError> {
        let entries = self
            .account_server_certificates(ctx)
            .into_iter()
            .filter(|certificate| under(&certificate.path, input.path_prefix.as_deref()))
            .map(|certificate| {
                (
                    certificate.name.to_ascii_lowercase(),
                    certificate.metadata(),
                )
            })
            .collect();
        let page = paginate(entries, input.marker.as_deref(), input.max_items)?;
        Ok(ListServerCertificatesResponse {
            server_certificate_metadata_list: page.items,
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        })
    }

    pub(super) async fn update_server_certificate(
        &self,
        ctx: &Ctx,
        input: UpdateServerCertificateRequest,
    ) -> Result<(), IamError> {
        self.transaction(|txn| {
            let old_key = key(&ctx.account_id, &input.server_certificate_name);
            let mut stored = txn
                .get(&self.server_certificates, &old_key)?
                .ok_or_else(|| no_such_certificate(&input.server_certificate_name))?;
            if let Some(path) = input.new_path {
                stored.path = path;
            }
            if let Some(new_name) = input.new_server_certificate_name {
                let new_key = key(&ctx.account_id, &new_name);
                if new_key != old_key && txn.contains(&self.server_certificates, &new_key)? {
                    return Err(IamError::EntityAlreadyExists(format!(
                        "The Server Certificate with name {new_name} already exists."
                    )));
                }
                stored.name = new_name;
            }
            stored.arn = format!(
                "arn:aws:iam::{}:server-certificate{}{}",
                ctx.account_id, stored.path, stored.name
            );
            txn.remove(&self.server_certificates, &old_key)?;
            txn.insert(
                &self.server_certificates,
                &key(&ctx.account_id, &stored.name),
                stored,
            )?;
            Ok(())
        })
    }

    pub(super) async fn delete_server_certificate(
        &self,
        ctx: &Ctx,
        input: DeleteServerCertificateRequest,
    ) -> Result<(), IamError> {
        self.server_certificates
            .remove(&key(&ctx.account_id, &input.server_certificate_name))?
            .map(|_| ())
            .ok_or_else(|| no_such_certificate(&input.server_certificate_name))
    }

    pub(super) async fn tag_server_certificate(
        &self,
        ctx: &Ctx,
        input: TagServerCertificateRequest,
    ) -> Result<(), IamError> {
        self.modify_server_certificate(ctx, &input.server_certificate_name, |certificate| {
            merge_tags(&mut certificate.tags, input.tags, CERTIFICATE_TAGS)
        })
    }

    pub(super) async fn untag_server_certificate(
        &self,
        ctx: &Ctx,
        input: UntagServerCertificateRequest,
    ) -> Result<(), IamError> {
        self.modify_server_certificate(ctx, &input.server_certificate_name, |certificate| {
            remove_tags(&mut certificate.tags, &input.tag_keys, CERTIFICATE_TAGS);
            Ok(())
        })
    }

    pub(super) async fn list_server_certificate_tags(
        &self,
        ctx: &Ctx,
        input: ListServerCertificateTagsRequest,
    ) -> Result<ListServerCertificateTagsResponse, IamError> {
        let stored = self.server_certificate(ctx, &input.server_certificate_name)?;
        let page = page_tags(
            stored.tags,
            CERTIFICATE_TAGS,
            input.marker.as_deref(),
            input.max_items,
        )?;
        Ok(ListServerCertificateTagsResponse {
            tags: page.items,
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSA_KEY: &str = include_str!("keys/testdata/rsa.pem");
    const RSA_CERT: &str = include_str!("keys/testdata/cert.pem");
    const OTHER_KEY: &str = include_str!("keys/testdata/other.pem");
    const CA_CERT: &str = include_str!("keys/testdata/ca_cert.pem");
    const LEAF_KEY: &str = include_str!("keys/testdata/leaf.pem");
    const LEAF_CERT: &str = include_str!("keys/testdata/leaf_cert.pem");

    fn code(result: Result<i64, IamError>) -> String {
        match result {
            Ok(_) => "ok".into(),
            Err(error) => format!("{error:?}")
                .split('(')
                .next()
                .unwrap_or_default()
                .to_string(),
        }
    }

    #[test]
    fn uploads_are_checked_as_iam_checks_them() {
        let cases = [
            (RSA_CERT, RSA_KEY, None, "ok"),
            (LEAF_CERT, LEAF_KEY, Some(CA_CERT), "ok"),
            (RSA_CERT, OTHER_KEY, None, "KeyPairMismatch"),
            ("not a certificate", RSA_KEY, None, "MalformedCertificate"),
            (RSA_CERT, "not a key", None, "MalformedCertificate"),
            (LEAF_CERT, LEAF_KEY, Some(RSA_CERT), "MalformedCertificate"),
        ];
        for (body, private_key, chain, expected) in cases {
            assert_eq!(code(check_upload(body, private_key, chain)), expected);
        }
        let chain_error = check_upload(LEAF_CERT, LEAF_KEY, Some(RSA_CERT));
        assert!(
            matches!(chain_error, Err(IamError::MalformedCertificate(m)) if m.ends_with("is: 0"))
        );
    }
}
