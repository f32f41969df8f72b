//! Images, as the registry holds them: DescribeImages, ListImages, BatchGetImage,
//! BatchDeleteImage, PutImage, image scans, referrers and storage classes. An image is a
//! manifest (by digest) and the tags on it.

use std::collections::BTreeMap;

use sim_aws_shapes::ecr::*;
use sim_aws_shapes::normal::Timestamp;
use simkit::registry::{self, Code, Digest, Reference};

use super::repositories::page;
use super::{Ecr, EcrError, Scope, describe_image_id};
use crate::services::Ctx;

/// Finds which image an ID names: `Ok(None)` when none does; `Err` with ECR's failure code
/// and reason when the ID itself is wrong.
fn resolve(
    ecr: &Ecr,
    scope: &Scope,
    name: &str,
    id: &ImageIdentifier,
) -> Result<Option<registry::Image>, (&'static str, String)> {
    let namespace = scope.namespace();
    let digest = match &id.image_digest {
        Some(text) => Some(
            Digest::parse(text)
                .map_err(|_| ("InvalidImageDigest", "Invalid request parameters: image digest should satisfy the regex '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'".to_string()))?,
        ),
        None => None,
    };
    let by_tag = match &id.image_tag {
        Some(tag) => ecr
            .registry
            .resolve(&namespace, name, &Reference::Tag(tag.clone())),
        None => None,
    };
    let digest = match (digest, by_tag, &id.image_tag) {
        (None, None, None) => {
            return Err((
                "MissingDigestAndTag",
                "Invalid request parameters: both tag and digest cannot be null".into(),
            ));
        }
        (Some(digest), Some(tagged), _) if digest != tagged => {
            return Err((
                "ImageTagDoesNotMatchDigest",
                "Invalid request parameters: given tag does not map to the given digest".into(),
            ));
        }
        (Some(_), None, Some(_)) => return Ok(None),
        (Some(digest), _, _) => digest,
        (None, Some(tagged), _) => tagged,
        (None, None, Some(_)) => return Ok(None),
    };
    Ok(ecr
        .registry
        .images(&namespace, name)
        .into_iter()
        .find(|image| image.digest == digest))
}

fn failure(id: &ImageIdentifier, code: &str, reason: impl Into<String>) -> ImageFailure {
    ImageFailure {
        image_id: Some(id.clone()),
        failure_code: Some(code.into()),
        failure_reason: Some(reason.into()),
    }
}

/// The size ECR reports: an image's layers, or for an index the manifest itself.
fn image_size(image: &registry::Image) -> i64 {
    let manifest = &image.manifest;
    if manifest.config_media_type.is_some() {
        manifest.layers_size as i64
    } else {
        manifest.size as i64
    }
}

impl Ecr {
    fn image_detail(
        &self,
        scope: &Scope,
        name: &str,
        image: &registry::Image,
        archived: Option<i64>,
        scanned: Option<i64>,
    ) -> ImageDetail {
        let manifest = &image.manifest;
        ImageDetail {
            registry_id: Some(scope.account_id.clone()),
            repository_name: Some(name.to_string()),
            image_digest: Some(image.digest.to_string()),
            image_tags: (!image.tags.is_empty()).then(|| image.tags.clone()),
            image_size_in_bytes: Some(image_size(image)),
            image_pushed_at: Some(Timestamp::from_millis(manifest.pushed_at)),
            image_scan_status: scanned.map(|_| ImageScanStatus {
                status: Some("COMPLETE".into()),
                description: Some("The scan was completed successfully.".into()),
            }),
            image_scan_findings_summary: scanned.map(|at| ImageScanFindingsSummary {
                image_scan_completed_at: Some(Timestamp::from_millis(at)),
                vulnerability_source_updated_at: Some(Timestamp::from_millis(at)),
                finding_severity_counts: Some(BTreeMap::new()),
            }),
            image_manifest_media_type: Some(manifest.media_type.clone()),
            artifact_media_type: manifest
                .artifact_type
                .clone()
                .or(manifest.config_media_type.clone()),
            last_recorded_pull_time: manifest.last_pulled_at.map(Timestamp::from_millis),
            subject_manifest_digest: manifest.subject.clone(),
            image_status: Some(
                if archived.is_some() {
                    "ARCHIVED"
                } else {
                    "ACTIVE"
                }
                .into(),
            ),
            last_archived_at: archived.map(Timestamp::from_millis),
            last_activated_at: None,
        }
    }

    pub(crate) async fn describe_images(
        &self,
        ctx: &Ctx,
        input: DescribeImagesRequest,
    ) -> Result<DescribeImagesResponse, EcrError> {
        let scope = Scope::of(ctx);
        let name = input.repository_name;
        let record = self.repository(&scope, &name)?;
        let images: Vec<registry::Image> = match input.image_ids {
            Some(ids) => {
                let mut found = Vec::new();
                for id in &ids {
                    match resolve(self, &scope, &name, id) {
                        Ok(Some(image)) => found.push(image),
                        Ok(None) => return Err(scope.image_not_found(&name, id)),
                        Err((_, reason)) => return Err(EcrError::InvalidParameter(reason)),
                    }
                }
                found
            }
            None => self.registry.images(&scope.namespace(), &name),
        };
        let filter = input.filter.unwrap_or_default();
        let entries = images
            .into_iter()
            .filter(|image| match filter.tag_status.as_deref() {
                Some("TAGGED") => !image.tags.is_empty(),
                Some("UNTAGGED") => image.tags.is_empty(),
                _ => true,
            })
            .filter(|image| {
                let archived = record.archived.contains_key(image.digest.as_str());
                match filter.image_status.as_deref() {
                    Some("ARCHIVED") => archived,
                    Some("ACTIVE") => !archived,
                    _ => true,
                }
            })
            .map(|image| (image.digest.to_string(), image))
            .collect();
        let page = page(entries, input.next_token.as_deref(), input.max_results, 100)?;
        Ok(DescribeImagesResponse {
            image_details: Some(
                page.items
                    .iter()
                    .map(|image| {
                        let digest = image.digest.as_str();
                        self.image_detail(
                            &scope,
                            &name,
                            image,
                            record.archived.get(digest).copied(),
                            record.scans.get(digest).copied(),
                        )
                    })
                    .collect(),
            ),
            next_token: page.next,
        })
    }

    pub(crate) async fn list_images(
        &self,
        ctx: &Ctx,
        input: ListImagesRequest,
    ) -> Result<ListImagesResponse, EcrError> {
        let scope = Scope::of(ctx);
        let name = input.repository_name;
        let record = self.repository(&scope, &name)?;
        let filter = input.filter.unwrap_or_default();
        let mut entries = Vec::new();
        for image in self.registry.images(&scope.namespace(), &name) {
            let archived = record.archived.contains_key(image.digest.as_str());
            let status_ok = match filter.image_status.as_deref() {
                Some("ARCHIVED") => archived,
                Some("ACTIVE") => !archived,
                _ => true,
            };
            if !status_ok {
                continue;
            }
            let digest = image.digest.to_string();
            let tagged = !image.tags.is_empty();
            let (with_tags, untagged) = match filter.tag_status.as_deref() {
                Some("TAGGED") => (true, false),
                Some("UNTAGGED") => (false, true),
                _ => (true, true),
            };
            if tagged && with_tags {
                for tag in image.tags {
                    entries.push((
                        format!("{digest}\0{tag}"),
                        ImageIdentifier {
                            image_digest: Some(digest.clone()),
                            image_tag: Some(tag),
                        },
                    ));
                }
            } else if !tagged && untagged {
                entries.push((
                    digest.clone(),
                    ImageIdentifier {
                        image_digest: Some(digest),
                        image_tag: None,
                    },
                ));
            }
        }
        let page = page(entries, input.next_token.as_deref(), input.max_results, 100)?;
        Ok(ListImagesResponse {
            image_ids: Some(page.items),
            next_token: page.next,
        })
    }

    pub(crate) async fn batch_get_image(
        &self,
        ctx: &Ctx,
        input: BatchGetImageRequest,
    ) -> Result<BatchGetImageResponse, EcrError> {
        let scope = Scope::of(ctx);
        let name = input.repository_name;
        let record = self.repository(&scope, &name)?;
        let namespace = scope.namespace();
        let mut images = Vec::new();
        let mut failures = Vec::new();
        for id in &input.image_ids {
            let image = match resolve(self, &scope, &name, id) {
                Ok(Some(image)) => image,
                Ok(None) => {
                    failures.push(failure(id, "ImageNotFound", "Requested image not found"));
                    continue;
                }
                Err((code, reason)) => {
                    failures.push(failure(id, code, reason));
                    continue;
                }
            };
            if let Some(accepted) = &input.accepted_media_types
                && !accepted.contains(&image.manifest.media_type)
            {
                failures.push(failure(
                    id,
                    "UnsupportedImageType",
                    "Image type is not supported",
                ));
                continue;
            }
            if record.archived.contains_key(image.digest.as_str()) {
                failures.push(failure(id, "ImageNotFound", "Requested image is archived"));
                continue;
            }
            self.registry
                .record_pull(&namespace, &name, &image.digest)?;
            images.push(Image {
                registry_id: Some(scope.account_id.clone()),
                repository_name: Some(name.clone()),
                image_id: Some(ImageIdentifier {
                    image_digest: Some(image.digest.to_string()),
                    image_tag: id.image_tag.clone(),
                }),
                image_manifest: Some(String::from_utf8_lossy(&image.manifest.bytes()).into_owned()),
                image_manifest_media_type: Some(image.manifest.media_type.clone()),
            });
        }
        Ok(BatchGetImageResponse {
            images: Some(images),
            failures: Some(failures),
        })
    }

    pub(crate) async fn batch_delete_image(
        &self,
        ctx: &Ctx,
        input: BatchDeleteImageRequest,
    ) -> Result<BatchDeleteImageResponse, EcrError> {
        let scope = Scope::of(ctx);
        let name = input.repository_name;
        self.repository(&scope, &name)?;
        let namespace = scope.namespace();
        let mut deleted = Vec::new();
        let mut failures = Vec::new();
        for id in &input.image_ids {
            let image = match resolve(self, &scope, &name, id) {
                Ok(Some(image)) => image,
                Ok(None) => {
                    failures.push(failure(id, "ImageNotFound", "Requested image not found"));
                    continue;
                }
                Err((code, reason)) => {
                    failures.push(failure(id, code, reason));
                    continue;
                }
            };
            let digest = image.digest.to_string();
            // A tag alone goes alone while other tags remain on the image.
            if id.image_digest.is_none()
                && let Some(tag) = &id.image_tag
                && image.tags.len() > 1
            {
                self.registry.untag(&namespace, &name, tag)?;
                deleted.push(ImageIdentifier {
                    image_digest: Some(digest),
                    image_tag: Some(tag.clone()),
                });
                continue;
            }
            let tags = self
                .registry
                .delete_manifest(&namespace, &name, &image.digest)?
                .unwrap_or_default();
            if tags.is_empty() {
                deleted.push(ImageIdentifier {
                    image_digest: Some(digest.clone()),
                    image_tag: None,
                });
            }
            for tag in tags {
                deleted.push(ImageIdentifier {
                    image_digest: Some(digest.clone()),
                    image_tag: Some(tag),
                });
            }
        }
        Ok(BatchDeleteImageResponse {
            image_ids: Some(deleted),
            failures: Some(failures),
        })
    }

    pub(crate) async fn put_image(
        &self,
        ctx: &Ctx,
        input: PutImageRequest,
    ) -> Result<PutImageResponse, EcrError> {
        let scope = Scope::of(ctx);
        let name = input.repository_name;
        self.repository(&scope, &name)?;
        let namespace = scope.namespace();
        let bytes = input.image_manifest.as_bytes();
        let digest = Digest::of(bytes);
        if let Some(given) = &input.image_digest
            && *given != digest.as_str()
        {
            return Err(EcrError::ImageDigestDoesNotMatch(format!(
                "Provided image digest '{given}' does not match actual image digest '{digest}'."
            )));
        }
        let tag = input.image_tag.clone();
        let existing = self.registry.manifest(&namespace, &name, &digest).is_some();
        let tag_target = tag.as_ref().and_then(|tag| {
            self.registry
                .resolve(&namespace, &name, &Reference::Tag(tag.clone()))
        });
        if existing && (tag.is_none() || tag_target.as_ref() == Some(&digest)) {
            return Err(EcrError::ImageAlreadyExists(format!(
                "Image with digest '{digest}' and tag '{}' already exists in the repository with name '{name}' in registry with id '{}'",
                tag.as_deref().unwrap_or("null"),
                scope.account_id
            )));
        }
        let reference = match &tag {
            Some(tag) => Reference::Tag(tag.clone()),
            None => Reference::Digest(digest.clone()),
        };
        let media_type = input.image_manifest_media_type.clone();
        let stored = self
            .registry
            .put_manifest(&namespace, &name, &reference, media_type.as_deref(), bytes)
            .await
            .map_err(|error| match error.code {
                Code::ManifestBlobUnknown => {
                    let missing = error.detail.get("digest").and_then(|d| d.as_str()).unwrap_or_default().to_string();
                    if media_type.as_deref().is_some_and(|t| t.contains("index") || t.contains("list")) {
                        EcrError::ReferencedImagesNotFound(format!(
                            "Images with digests '[{missing}]' required for pushing image into repository with name '{name}' in the registry with id '{}' do not exist",
                            scope.account_id
                        ))
                    } else {
                        EcrError::LayersNotFound(format!(
                            "Layers with digests '[{missing}]' required for pushing image into repository with name '{name}' in the registry with id '{}' do not exist",
                            scope.account_id
                        ))
                    }
                }
                Code::TagInvalid => EcrError::ImageTagAlreadyExists(error.message),
                Code::ManifestInvalid | Code::SizeInvalid | Code::DigestInvalid => EcrError::InvalidParameter(
                    "Invalid parameter at 'ImageManifest' failed to satisfy constraint: 'Invalid JSON syntax'".into(),
                ),
                _ => EcrError::Server(error.message),
            })?;
        let manifest = self.registry.manifest(&namespace, &name, &stored);
        Ok(PutImageResponse {
            image: Some(Image {
                registry_id: Some(scope.account_id.clone()),
                repository_name: Some(name),
                image_id: Some(ImageIdentifier {
                    image_digest: Some(stored.to_string()),
                    image_tag: tag,
                }),
                image_manifest: Some(input.image_manifest),
                image_manifest_media_type: manifest.map(|m| m.media_type),
            }),
        })
    }

    /// The image an ID names, or ECR's ImageNotFoundException.
    fn find_image(
        &self,
        scope: &Scope,
        name: &str,
        id: &ImageIdentifier,
    ) -> Result<registry::Image, EcrError> {
        match resolve(self, scope, name, id) {
            Ok(Some(image)) => Ok(image),
            Ok(None) => Err(scope.image_not_found(name, id)),
            Err((_, reason)) => Err(EcrError::InvalidParameter(reason)),
        }
    }

    pub(crate) async fn start_image_scan(
        &self,
        ctx: &Ctx,
        input: StartImageScanRequest,
    ) -> Result<StartImageScanResponse, EcrError> {
        let scope = Scope::of(ctx);
        let name = input.repository_name;
        self.repository(&scope, &name)?;
        let image = self.find_image(&scope, &name, &input.image_id)?;
        if image.manifest.config_media_type.is_none() {
            return Err(EcrError::UnsupportedImageType(format!(
                "The image with imageId {} is of an unsupported image type: image index",
                describe_image_id(&input.image_id)
            )));
        }
        let now = self.now();
        self.change_repository(&scope, &name, |record| {
            record.scans.insert(image.digest.to_string(), now);
            Ok(())
        })?;
        Ok(StartImageScanResponse {
            registry_id: Some(scope.account_id),
            repository_name: Some(name),
            image_id: Some(ImageIdentifier {
                image_digest: Some(image.digest.to_string()),
                image_tag: input.image_id.image_tag,
            }),
            image_scan_status: Some(ImageScanStatus {
                status: Some("IN_PROGRESS".into()),
                description: None,
            }),
        })
    }

    pub(crate) async fn describe_image_scan_findings(
        &self,
        ctx: &Ctx,
        input: DescribeImageScanFindingsRequest,
    ) -> Result<DescribeImageScanFindingsResponse, EcrError> {
        let scope = Scope::of(ctx);
        let name = input.repository_name;
        let record = self.repository(&scope, &name)?;
        let image = self.find_image(&scope, &name, &input.image_id)?;
        let completed = record.scans.get(image.digest.as_str()).copied().ok_or_else(|| {
            EcrError::ScanNotFound(format!(
                "Image scan does not exist for the image with '{}' in the repository with name '{name}' in the registry with id '{}'",
                describe_image_id(&input.image_id),
                scope.account_id
            ))
        })?;
        Ok(DescribeImageScanFindingsResponse {
            registry_id: Some(scope.account_id),
            repository_name: Some(name),
            image_id: Some(ImageIdentifier {
                image_digest: Some(image.digest.to_string()),
                image_tag: input.image_id.image_tag,
            }),
            image_scan_status: Some(ImageScanStatus {
                status: Some("COMPLETE".into()),
                description: Some("The scan was completed successfully.".into()),
            }),
            image_scan_findings: Some(ImageScanFindings {
                image_scan_completed_at: Some(Timestamp::from_millis(completed)),
                vulnerability_source_updated_at: Some(Timestamp::from_millis(completed)),
                finding_severity_counts: Some(BTreeMap::new()),
                findings: Some(Vec::new()),
                enhanced_findings: None,
            }),
            next_token: None,
        })
    }

    pub(crate) async fn list_image_referrers(
        &self,
        ctx: &Ctx,
        input: ListImageReferrersRequest,
    ) -> Result<ListImageReferrersResponse, EcrError> {
        let scope = Scope::of(ctx);
        let name = input.repository_name;
        self.repository(&scope, &name)?;
        let subject = Digest::parse(&input.subject_id.image_digest).map_err(|_| {
            EcrError::InvalidParameter("Invalid parameter at 'subjectId.imageDigest' failed to satisfy constraint: 'Invalid digest'".into())
        })?;
        let wanted = input.filter.and_then(|f| f.artifact_types);
        let entries = self
            .registry
            .referrers(&scope.namespace(), &name, &subject)
            .into_iter()
            .filter_map(|image| {
                let manifest = &image.manifest;
                let artifact_type = manifest
                    .artifact_type
                    .clone()
                    .or(manifest.config_media_type.clone());
                if let Some(wanted) = &wanted
                    && !artifact_type.as_ref().is_some_and(|t| wanted.contains(t))
                {
                    return None;
                }
                let annotations = serde_json::from_slice::<serde_json::Value>(&manifest.bytes())
                    .ok()
                    .and_then(|value| value.get("annotations").cloned())
                    .and_then(|value| serde_json::from_value(value).ok());
                Some((
                    image.digest.to_string(),
                    ImageReferrer {
                        digest: image.digest.to_string(),
                        media_type: manifest.media_type.clone(),
                        artifact_type,
                        size: manifest.size as i64,
                        annotations,
                        artifact_status: Some("ACTIVE".into()),
                    },
                ))
            })
            .collect();
        let page = page(entries, input.next_token.as_deref(), input.max_results, 50)?;
        Ok(ListImageReferrersResponse {
            referrers: Some(page.items),
            next_token: page.next,
        })
    }

    pub(crate) async fn update_image_storage_class(
        &self,
        ctx: &Ctx,
        input: UpdateImageStorageClassRequest,
    ) -> Result<UpdateImageStorageClassResponse, EcrError> {
        let scope = Scope::of(ctx);
        let name = input.repository_name;
        self.repository(&scope, &name)?;
        let image = self.find_image(&scope, &name, &input.image_id)?;
        let digest = image.digest.to_string();
        let now = self.now();
        let archive = input.target_storage_class == "ARCHIVE";
        self.change_repository(&scope, &name, |record| {
            if archive {
                record.archived.insert(digest.clone(), now);
            } else {
                record.archived.remove(&digest);
                record.activated.insert(digest.clone(), now);
            }
            Ok(())
        })?;
        Ok(UpdateImageStorageClassResponse {
            registry_id: Some(scope.account_id),
            repository_name: Some(name),
            image_id: Some(ImageIdentifier {
                image_digest: Some(digest),
                image_tag: input.image_id.image_tag,
            }),
            image_status: Some(if archive { "ARCHIVED" } else { "ACTIVATING" }.into()),
        })
    }

    pub(crate) async fn describe_image_replication_status(
        &self,
        ctx: &Ctx,
        input: DescribeImageReplicationStatusRequest,
    ) -> Result<DescribeImageReplicationStatusResponse, EcrError> {
        let scope = Scope::of(ctx);
        let name = input.repository_name;
        self.repository(&scope, &name)?;
        let image = self.find_image(&scope, &name, &input.image_id)?;
        let settings = self.registry_settings(&scope);
        let statuses = settings
            .replication
            .iter()
            .flat_map(|configuration| configuration.rules.iter())
            .filter(|rule| {
                rule.repository_filters.as_ref().is_none_or(|filters| {
                    filters.iter().any(|f| name.starts_with(f.filter.as_str()))
                })
            })
            .flat_map(|rule| rule.destinations.iter())
            .map(|destination| ImageReplicationStatus {
                region: Some(destination.region.clone()),
                registry_id: Some(destination.registry_id.clone()),
                status: Some("FAILED".into()),
                failure_code: Some("Replication is not performed by this simulator".into()),
            })
            .collect();
        Ok(DescribeImageReplicationStatusResponse {
            repository_name: Some(name),
            image_id: Some(ImageIdentifier {
                image_digest: Some(image.digest.to_string()),
                image_tag: input.image_id.image_tag,
            }),
            replication_statuses: Some(statuses),
        })
    }

    pub(crate) async fn describe_image_signing_status(
        &self,
        ctx: &Ctx,
        input: DescribeImageSigningStatusRequest,
    ) -> Result<DescribeImageSigningStatusResponse, EcrError> {
        let scope = Scope::of(ctx);
        let name = input.repository_name;
        self.repository(&scope, &name)?;
        let image = self.find_image(&scope, &name, &input.image_id)?;
        let settings = self.registry_settings(&scope);
        let statuses = settings
            .signing
            .iter()
            .flat_map(|configuration| configuration.rules.iter())
            .filter(|rule| {
                rule.repository_filters.as_ref().is_none_or(|filters| {
                    filters
                        .iter()
                        .any(|f| super::wildcard_matches(&f.filter, &name))
                })
            })
            .map(|rule| ImageSigningStatus {
                signing_profile_arn: Some(rule.signing_profile_arn.clone()),
                failure_code: Some("SigningProfileNotFound".into()),
                failure_reason: Some("AWS Signer is not available in this simulator".into()),
                status: Some("FAILED".into()),
            })
            .collect();
        Ok(DescribeImageSigningStatusResponse {
            repository_name: Some(name),
            image_id: Some(ImageIdentifier {
                image_digest: Some(image.digest.to_string()),
                image_tag: input.image_id.image_tag,
            }),
            registry_id: Some(scope.account_id),
            signing_statuses: Some(statuses),
        })
    }
}
