//! Layers through ECR's own API (what the Docker credential helper-less clients and SDK users
//! push with): BatchCheckLayerAvailability, InitiateLayerUpload, UploadLayerPart,
//! CompleteLayerUpload, GetDownloadUrlForLayer; and GetAuthorizationToken, whose password the
//! registry takes as basic auth. Uploads are the registry's uploads, so a layer pushed here is
//! pulled through `/v2/` and the other way round.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sim_aws_shapes::ecr::*;
use sim_aws_shapes::normal::Timestamp;
use simkit::registry::{Code, Digest};

use super::access::DOWNLOAD_TOKEN_PARAMETER;
use super::{Ecr, EcrError, Scope};
use crate::services::Ctx;

/// The part size InitiateLayerUpload suggests (AWS's).
const PART_SIZE: i64 = 10_485_760;
/// How long an authorization token lasts: 12 hours.
const TOKEN_LIFETIME_MS: i64 = 12 * 3600 * 1000;
/// How long a layer download URL lasts.
const DOWNLOAD_LIFETIME_MS: i64 = 3600 * 1000;

impl Ecr {
    fn upload_not_found(scope: &Scope, name: &str, id: &str) -> EcrError {
        EcrError::UploadNotFound(format!(
            "Upload with id '{id}' is not found for repository '{name}' in registry with id '{}'",
            scope.account_id
        ))
    }

    pub(crate) async fn batch_check_layer_availability(
        &self,
        ctx: &Ctx,
        input: BatchCheckLayerAvailabilityRequest,
    ) -> Result<BatchCheckLayerAvailabilityResponse, EcrError> {
        let scope = Scope::of(ctx);
        let name = input.repository_name;
        self.repository(&scope, &name)?;
        let namespace = scope.namespace();
        let mut layers = Vec::new();
        let mut failures = Vec::new();
        for text in input.layer_digests {
            let Ok(digest) = Digest::parse(&text) else {
                failures.push(LayerFailure {
                    layer_digest: Some(text.clone()),
                    failure_code: Some("InvalidLayerDigest".into()),
                    failure_reason: Some("Invalid layer digest".into()),
                });
                continue;
            };
            match self.registry.blob_size(&namespace, &name, &digest) {
                Some(size) => layers.push(Layer {
                    layer_digest: Some(text),
                    layer_availability: Some("AVAILABLE".into()),
                    layer_size: Some(size as i64),
                    media_type: None,
                }),
                None => failures.push(LayerFailure {
                    layer_digest: Some(text),
                    failure_code: Some("MissingLayerDigest".into()),
                    failure_reason: Some("Could not find layer".into()),
                }),
            }
        }
        Ok(BatchCheckLayerAvailabilityResponse {
            layers: Some(layers),
            failures: Some(failures),
        })
    }

    pub(crate) async fn initiate_layer_upload(
        &self,
        ctx: &Ctx,
        input: InitiateLayerUploadRequest,
    ) -> Result<InitiateLayerUploadResponse, EcrError> {
        let scope = Scope::of(ctx);
        self.repository(&scope, &input.repository_name)?;
        let id = self
            .registry
            .start_upload(&scope.namespace(), &input.repository_name)?;
        Ok(InitiateLayerUploadResponse {
            upload_id: Some(id),
            part_size: Some(PART_SIZE),
        })
    }

    pub(crate) async fn upload_layer_part(
        &self,
        ctx: &Ctx,
        input: UploadLayerPartRequest,
    ) -> Result<UploadLayerPartResponse, EcrError> {
        let scope = Scope::of(ctx);
        let name = input.repository_name;
        self.repository(&scope, &name)?;
        let id = input.upload_id;
        let upload = self
            .registry
            .upload(&scope.namespace(), &name, &id)
            .ok_or_else(|| Self::upload_not_found(&scope, &name, &id))?;
        let bytes = input.layer_part_blob.0;
        let declared = input.part_last_byte - input.part_first_byte + 1;
        if input.part_first_byte != upload.offset as i64 || declared != bytes.len() as i64 {
            return Err(EcrError::InvalidLayerPart {
                message: format!(
                    "The layer part with first byte '{}' and last byte '{}' is not valid for upload '{id}'",
                    input.part_first_byte, input.part_last_byte
                ),
                registry_id: scope.account_id.clone(),
                repository_name: name,
                upload_id: id,
                last_valid_byte_received: upload.offset as i64 - 1,
            });
        }
        let offset = self
            .registry
            .append_upload_bytes(&id, upload.offset, &bytes)
            .await?;
        Ok(UploadLayerPartResponse {
            registry_id: Some(scope.account_id),
            repository_name: Some(name),
            upload_id: Some(id),
            last_byte_received: Some(offset as i64 - 1),
        })
    }

    pub(crate) async fn complete_layer_upload(
        &self,
        ctx: &Ctx,
        input: CompleteLayerUploadRequest,
    ) -> Result<CompleteLayerUploadResponse, EcrError> {
        let scope = Scope::of(ctx);
        let name = input.repository_name;
        self.repository(&scope, &name)?;
        let namespace = scope.namespace();
        let id = input.upload_id;
        let upload = self
            .registry
            .upload(&namespace, &name, &id)
            .ok_or_else(|| Self::upload_not_found(&scope, &name, &id))?;
        if upload.offset == 0 {
            return Err(EcrError::EmptyUpload(format!(
                "The upload with id '{id}' does not contain any layer parts."
            )));
        }
        let text = input.layer_digests.first().cloned().unwrap_or_default();
        let digest = Digest::parse(&text)
            .map_err(|_| EcrError::InvalidLayer(format!("Invalid layer digest '{text}'")))?;
        if self
            .registry
            .blob_size(&namespace, &name, &digest)
            .is_some()
        {
            self.registry.cancel_upload(&id)?;
            return Err(EcrError::LayerAlreadyExists(format!(
                "Layer with digest '{digest}' already exists in the repository with name '{name}' in registry with id '{}'",
                scope.account_id
            )));
        }
        self.registry
            .complete_upload(&id, &digest)
            .await
            .map_err(|error| match error.code {
                Code::DigestInvalid => EcrError::InvalidLayer(format!(
                    "The layer digest calculated for upload '{id}' did not match the provided layer digest '{digest}'"
                )),
                _ => EcrError::Server(error.message),
            })?;
        Ok(CompleteLayerUploadResponse {
            registry_id: Some(scope.account_id),
            repository_name: Some(name),
            upload_id: Some(id),
            layer_digest: Some(digest.to_string()),
        })
    }

    pub(crate) async fn get_download_url_for_layer(
        &self,
        ctx: &Ctx,
        input: GetDownloadUrlForLayerRequest,
    ) -> Result<GetDownloadUrlForLayerResponse, EcrError> {
        let scope = Scope::of(ctx);
        let name = input.repository_name;
        self.repository(&scope, &name)?;
        let missing = || {
            EcrError::LayersNotFound(format!(
                "The layer with digest '{}' does not exist in the repository with name '{name}' in the registry with id '{}'",
                input.layer_digest, scope.account_id
            ))
        };
        let digest = Digest::parse(&input.layer_digest).map_err(|_| {
            EcrError::InvalidParameter(
                "Invalid parameter at 'layerDigest' failed to satisfy constraint: 'Invalid digest'"
                    .into(),
            )
        })?;
        self.registry
            .blob_size(&scope.namespace(), &name, &digest)
            .ok_or_else(missing)?;
        let (password, _) = self.access.issue(&scope.account_id, DOWNLOAD_LIFETIME_MS)?;
        Ok(GetDownloadUrlForLayerResponse {
            download_url: Some(format!(
                "{}/v2/{name}/blobs/{digest}?{DOWNLOAD_TOKEN_PARAMETER}={password}",
                self.endpoint()
            )),
            layer_digest: Some(digest.to_string()),
        })
    }

    pub(crate) async fn get_authorization_token(
        &self,
        ctx: &Ctx,
        input: GetAuthorizationTokenRequest,
    ) -> Result<GetAuthorizationTokenResponse, EcrError> {
        let scope = Scope::of(ctx);
        let registries = input
            .registry_ids
            .unwrap_or_else(|| vec![scope.account_id.clone()]);
        let mut data = Vec::new();
        for registry in registries {
            let (password, expires_at) = self.access.issue(&registry, TOKEN_LIFETIME_MS)?;
            data.push(AuthorizationData {
                authorization_token: Some(STANDARD.encode(format!("AWS:{password}"))),
                expires_at: Some(Timestamp::from_millis(expires_at)),
                proxy_endpoint: Some(format!(
                    "https://{registry}.dkr.ecr.{}.amazonaws.com",
                    scope.region
                )),
            });
        }
        Ok(GetAuthorizationTokenResponse {
            authorization_data: Some(data),
        })
    }
}
