//! Repositories and what hangs on them: create, describe, delete (refused while images remain
//! unless forced), tag mutability, scanning and encryption settings, resource tags, repository
//! policies, lifecycle policies and their previews.

use sim_aws_shapes::ecr::*;
use sim_aws_shapes::normal::Timestamp;

use super::lifecycle::{self, Candidate};
use super::{Ecr, EcrError, RepositoryRecord, Scope};
use crate::policy::{self, PolicyKind};
use crate::services::{Ctx, paging};

const MAX_TAGS: usize = 50;

fn invalid_token() -> EcrError {
    EcrError::InvalidParameter(
        "Invalid parameter at 'nextToken' failed to satisfy constraint: 'Invalid token'".into(),
    )
}

/// A page of `entries` (by name) under ECR's `nextToken`.
pub(crate) fn page<T>(
    entries: Vec<(String, T)>,
    token: Option<&str>,
    max_results: Option<i32>,
    default: usize,
) -> Result<paging::Page<T>, EcrError> {
    let size = max_results.map_or(default, |n| n.max(1) as usize);
    paging::page(entries, token, size).map_err(|_| invalid_token())
}

fn check_tags(tags: &[Tag]) -> Result<(), EcrError> {
    if tags.len() > MAX_TAGS {
        return Err(EcrError::TooManyTags(format!(
            "Tags cannot exceed {MAX_TAGS} per resource"
        )));
    }
    if tags.iter().any(|tag| tag.key.starts_with("aws:")) {
        return Err(EcrError::InvalidTagParameter(
            "Tag keys cannot begin with the reserved prefix 'aws:'".into(),
        ));
    }
    Ok(())
}

/// Merges `new` into `tags`, a key's value replaced in place.
fn merge_tags(tags: &mut Vec<Tag>, new: Vec<Tag>) {
    for tag in new {
        match tags.iter_mut().find(|existing| existing.key == tag.key) {
            Some(existing) => existing.value = tag.value,
            None => tags.push(tag),
        }
    }
}

/// Checks a repository (or registry) policy. Its statements may leave `Resource` out, the
/// resource being the one the policy is on, so each is checked as if it named `resource`.
pub(crate) fn check_policy(text: &str, resource: &str) -> Result<(), EcrError> {
    let completed = complete_policy(text, resource);
    policy::check(&completed, PolicyKind::Resource).map_err(|error| {
        EcrError::InvalidParameter(format!(
            "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid repository policy provided'; {}",
            error.0
        ))
    })
}

/// The policy with `resource` written into each statement that names none (ECR's statements
/// are about the repository they are on).
pub(crate) fn complete_policy(text: &str, resource: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(mut document) => {
            let statements = match document.get_mut("Statement") {
                Some(serde_json::Value::Array(statements)) => statements.iter_mut().collect(),
                Some(statement) => vec![statement],
                None => Vec::new(),
            };
            for statement in statements {
                if let Some(statement) = statement.as_object_mut()
                    && !statement.contains_key("Resource")
                    && !statement.contains_key("NotResource")
                {
                    statement.insert("Resource".into(), resource.into());
                }
            }
            document.to_string()
        }
        Err(_) => text.to_string(),
    }
}

impl Ecr {
    pub(crate) fn repository_shape(&self, scope: &Scope, record: &RepositoryRecord) -> Repository {
        Repository {
            repository_arn: Some(scope.repository_arn(&record.name)),
            registry_id: Some(scope.account_id.clone()),
            repository_name: Some(record.name.clone()),
            repository_uri: Some(format!("{}/{}", scope.host(), record.name)),
            created_at: Some(Timestamp::from_millis(record.created_at)),
            image_tag_mutability: Some(record.image_tag_mutability.clone()),
            image_tag_mutability_exclusion_filters: record.exclusion_filters.clone(),
            image_scanning_configuration: Some(ImageScanningConfiguration {
                scan_on_push: Some(record.scan_on_push),
            }),
            encryption_configuration: Some(EncryptionConfiguration {
                encryption_type: record.encryption_type.clone(),
                kms_key: record.kms_key.clone(),
            }),
        }
    }

    /// The repository a repository ARN names in the caller's registry.
    pub(crate) fn repository_of_arn(
        &self,
        scope: &Scope,
        arn: &str,
    ) -> Result<RepositoryRecord, EcrError> {
        let name = arn
            .strip_prefix(&format!("arn:aws:ecr:{}:{}:repository/", scope.region, scope.account_id))
            .filter(|name| !name.is_empty())
            .ok_or_else(|| {
                EcrError::InvalidParameter(format!(
                    "Invalid parameter at 'resourceArn' failed to satisfy constraint: 'Invalid ARN: {arn}'"
                ))
            })?;
        self.repository(scope, name)
    }

    pub(crate) async fn create_repository(
        &self,
        ctx: &Ctx,
        input: CreateRepositoryRequest,
    ) -> Result<CreateRepositoryResponse, EcrError> {
        let scope = Scope::of(ctx);
        let tags = input.tags.unwrap_or_default();
        check_tags(&tags)?;
        let mutability = input
            .image_tag_mutability
            .unwrap_or_else(|| "MUTABLE".into());
        let filters = input.image_tag_mutability_exclusion_filters;
        check_exclusions(&mutability, filters.as_deref())?;
        let encryption = input.encryption_configuration;
        let encryption_type = encryption
            .as_ref()
            .map_or_else(|| "AES256".to_string(), |e| e.encryption_type.clone());
        let kms_key = match (&encryption_type[..], encryption.and_then(|e| e.kms_key)) {
            ("AES256", Some(_)) => {
                return Err(EcrError::InvalidParameter(
                    "Invalid parameter: KMS key should not be provided when encryption type is AES256.".into(),
                ));
            }
            ("KMS", None) => Some(format!(
                "arn:aws:kms:{}:{}:alias/aws/ecr",
                scope.region, scope.account_id
            )),
            (_, key) => key,
        };
        let record = RepositoryRecord {
            name: input.repository_name.clone(),
            created_at: self.now(),
            image_tag_mutability: mutability,
            exclusion_filters: filters,
            scan_on_push: input
                .image_scanning_configuration
                .and_then(|c| c.scan_on_push)
                .unwrap_or(false),
            encryption_type,
            kms_key,
            tags,
            policy: None,
            lifecycle_policy: None,
            lifecycle_preview: None,
            scans: Default::default(),
            archived: Default::default(),
            activated: Default::default(),
        };
        let name = input.repository_name;
        self.repositories.modify(&scope.key(&name), |slot| {
            if slot.is_some() {
                return Err(EcrError::RepositoryAlreadyExists(format!(
                    "The repository with name '{name}' already exists in the registry with id '{}'",
                    scope.account_id
                )));
            }
            *slot = Some(record.clone());
            Ok(())
        })?;
        Ok(CreateRepositoryResponse {
            repository: Some(self.repository_shape(&scope, &record)),
        })
    }

    pub(crate) async fn describe_repositories(
        &self,
        ctx: &Ctx,
        input: DescribeRepositoriesRequest,
    ) -> Result<DescribeRepositoriesResponse, EcrError> {
        let scope = Scope::of(ctx);
        let records: Vec<(String, RepositoryRecord)> = match input.repository_names {
            Some(names) => names
                .iter()
                .map(|name| self.repository(&scope, name).map(|r| (name.clone(), r)))
                .collect::<Result<_, _>>()?,
            None => self
                .repositories
                .scan_prefix(&scope.prefix())
                .into_iter()
                .map(|(_, record)| (record.name.clone(), record))
                .collect(),
        };
        let page = page(
            records,
            input.next_token.as_deref(),
            input.max_results,
            1000,
        )?;
        Ok(DescribeRepositoriesResponse {
            repositories: Some(
                page.items
                    .iter()
                    .map(|record| self.repository_shape(&scope, record))
                    .collect(),
            ),
            next_token: page.next,
        })
    }

    pub(crate) async fn delete_repository(
        &self,
        ctx: &Ctx,
        input: DeleteRepositoryRequest,
    ) -> Result<DeleteRepositoryResponse, EcrError> {
        let scope = Scope::of(ctx);
        let name = input.repository_name;
        let record = self.repository(&scope, &name)?;
        let namespace = scope.namespace();
        if !input.force.unwrap_or(false) && !self.registry.images(&namespace, &name).is_empty() {
            return Err(EcrError::RepositoryNotEmpty(format!(
                "The repository with name '{name}' in registry with id '{}' cannot be deleted because it still contains images",
                scope.account_id
            )));
        }
        self.repositories.remove(&scope.key(&name))?;
        self.registry.delete_repository(&namespace, &name)?;
        Ok(DeleteRepositoryResponse {
            repository: Some(self.repository_shape(&scope, &record)),
        })
    }

    /// Changes repository `name` with `change`; the record as changed.
    pub(crate) fn change_repository(
        &self,
        scope: &Scope,
        name: &str,
        change: impl FnOnce(&mut RepositoryRecord) -> Result<(), EcrError>,
    ) -> Result<RepositoryRecord, EcrError> {
        self.repositories.modify(&scope.key(name), |slot| {
            let record = slot
                .as_mut()
                .ok_or_else(|| scope.repository_not_found(name))?;
            change(record)?;
            Ok(record.clone())
        })
    }

    pub(crate) async fn put_image_tag_mutability(
        &self,
        ctx: &Ctx,
        input: PutImageTagMutabilityRequest,
    ) -> Result<PutImageTagMutabilityResponse, EcrError> {
        let scope = Scope::of(ctx);
        check_exclusions(
            &input.image_tag_mutability,
            input.image_tag_mutability_exclusion_filters.as_deref(),
        )?;
        let record = self.change_repository(&scope, &input.repository_name, |record| {
            record.image_tag_mutability = input.image_tag_mutability.clone();
            record.exclusion_filters = input.image_tag_mutability_exclusion_filters.clone();
            Ok(())
        })?;
        Ok(PutImageTagMutabilityResponse {
            registry_id: Some(scope.account_id),
            repository_name: Some(record.name),
            image_tag_mutability: Some(record.image_tag_mutability),
            image_tag_mutability_exclusion_filters: record.exclusion_filters,
        })
    }

    pub(crate) async fn put_image_scanning_configuration(
        &self,
        ctx: &Ctx,
        input: PutImageScanningConfigurationRequest,
    ) -> Result<PutImageScanningConfigurationResponse, EcrError> {
        let scope = Scope::of(ctx);
        let scan_on_push = input
            .image_scanning_configuration
            .scan_on_push
            .unwrap_or(false);
        let record = self.change_repository(&scope, &input.repository_name, |record| {
            record.scan_on_push = scan_on_push;
            Ok(())
        })?;
        Ok(PutImageScanningConfigurationResponse {
            registry_id: Some(scope.account_id),
            repository_name: Some(record.name),
            image_scanning_configuration: Some(ImageScanningConfiguration {
                scan_on_push: Some(record.scan_on_push),
            }),
        })
    }

    pub(crate) async fn tag_resource(
        &self,
        ctx: &Ctx,
        input: TagResourceRequest,
    ) -> Result<TagResourceResponse, EcrError> {
        let scope = Scope::of(ctx);
        let name = self.repository_of_arn(&scope, &input.resource_arn)?.name;
        self.change_repository(&scope, &name, |record| {
            let mut tags = record.tags.clone();
            merge_tags(&mut tags, input.tags);
            check_tags(&tags)?;
            record.tags = tags;
            Ok(())
        })?;
        Ok(TagResourceResponse {})
    }

    pub(crate) async fn untag_resource(
        &self,
        ctx: &Ctx,
        input: UntagResourceRequest,
    ) -> Result<UntagResourceResponse, EcrError> {
        let scope = Scope::of(ctx);
        let name = self.repository_of_arn(&scope, &input.resource_arn)?.name;
        self.change_repository(&scope, &name, |record| {
            record.tags.retain(|tag| !input.tag_keys.contains(&tag.key));
            Ok(())
        })?;
        Ok(UntagResourceResponse {})
    }

    pub(crate) async fn list_tags_for_resource(
        &self,
        ctx: &Ctx,
        input: ListTagsForResourceRequest,
    ) -> Result<ListTagsForResourceResponse, EcrError> {
        let scope = Scope::of(ctx);
        let record = self.repository_of_arn(&scope, &input.resource_arn)?;
        Ok(ListTagsForResourceResponse {
            tags: Some(record.tags),
        })
    }

    pub(crate) async fn set_repository_policy(
        &self,
        ctx: &Ctx,
        input: SetRepositoryPolicyRequest,
    ) -> Result<SetRepositoryPolicyResponse, EcrError> {
        let scope = Scope::of(ctx);
        self.repository(&scope, &input.repository_name)?;
        check_policy(
            &input.policy_text,
            &scope.repository_arn(&input.repository_name),
        )?;
        let record = self.change_repository(&scope, &input.repository_name, |record| {
            record.policy = Some(input.policy_text.clone());
            Ok(())
        })?;
        Ok(SetRepositoryPolicyResponse {
            registry_id: Some(scope.account_id),
            repository_name: Some(record.name),
            policy_text: record.policy,
        })
    }

    fn repository_policy_not_found(scope: &Scope, name: &str) -> EcrError {
        EcrError::RepositoryPolicyNotFound(format!(
            "Repository policy does not exist for the repository with name '{name}' in the registry with id '{}'",
            scope.account_id
        ))
    }

    pub(crate) async fn get_repository_policy(
        &self,
        ctx: &Ctx,
        input: GetRepositoryPolicyRequest,
    ) -> Result<GetRepositoryPolicyResponse, EcrError> {
        let scope = Scope::of(ctx);
        let record = self.repository(&scope, &input.repository_name)?;
        let policy = record
            .policy
            .ok_or_else(|| Self::repository_policy_not_found(&scope, &record.name))?;
        Ok(GetRepositoryPolicyResponse {
            registry_id: Some(scope.account_id),
            repository_name: Some(record.name),
            policy_text: Some(policy),
        })
    }

    pub(crate) async fn delete_repository_policy(
        &self,
        ctx: &Ctx,
        input: DeleteRepositoryPolicyRequest,
    ) -> Result<DeleteRepositoryPolicyResponse, EcrError> {
        let scope = Scope::of(ctx);
        let mut removed = None;
        self.change_repository(&scope, &input.repository_name, |record| {
            removed = record.policy.take();
            removed
                .as_ref()
                .map(|_| ())
                .ok_or_else(|| Self::repository_policy_not_found(&scope, &record.name))
        })?;
        Ok(DeleteRepositoryPolicyResponse {
            registry_id: Some(scope.account_id.clone()),
            repository_name: Some(input.repository_name),
            policy_text: removed,
        })
    }

    fn lifecycle_not_found(scope: &Scope, name: &str) -> EcrError {
        EcrError::LifecyclePolicyNotFound(format!(
            "Lifecycle policy does not exist for the repository with name '{name}' in the registry with id '{}'",
            scope.account_id
        ))
    }

    pub(crate) async fn put_lifecycle_policy(
        &self,
        ctx: &Ctx,
        input: PutLifecyclePolicyRequest,
    ) -> Result<PutLifecyclePolicyResponse, EcrError> {
        let scope = Scope::of(ctx);
        self.repository(&scope, &input.repository_name)?;
        lifecycle::parse(&input.lifecycle_policy_text).map_err(EcrError::InvalidParameter)?;
        let record = self.change_repository(&scope, &input.repository_name, |record| {
            record.lifecycle_policy = Some(input.lifecycle_policy_text.clone());
            Ok(())
        })?;
        Ok(PutLifecyclePolicyResponse {
            registry_id: Some(scope.account_id),
            repository_name: Some(record.name),
            lifecycle_policy_text: record.lifecycle_policy,
        })
    }

    pub(crate) async fn get_lifecycle_policy(
        &self,
        ctx: &Ctx,
        input: GetLifecyclePolicyRequest,
    ) -> Result<GetLifecyclePolicyResponse, EcrError> {
        let scope = Scope::of(ctx);
        let record = self.repository(&scope, &input.repository_name)?;
        let text = record
            .lifecycle_policy
            .ok_or_else(|| Self::lifecycle_not_found(&scope, &record.name))?;
        Ok(GetLifecyclePolicyResponse {
            registry_id: Some(scope.account_id),
            repository_name: Some(record.name),
            lifecycle_policy_text: Some(text),
            last_evaluated_at: Some(Timestamp::from_millis(0)),
        })
    }

    pub(crate) async fn delete_lifecycle_policy(
        &self,
        ctx: &Ctx,
        input: DeleteLifecyclePolicyRequest,
    ) -> Result<DeleteLifecyclePolicyResponse, EcrError> {
        let scope = Scope::of(ctx);
        let mut removed = None;
        self.change_repository(&scope, &input.repository_name, |record| {
            removed = record.lifecycle_policy.take();
            removed
                .as_ref()
                .map(|_| ())
                .ok_or_else(|| Self::lifecycle_not_found(&scope, &record.name))
        })?;
        Ok(DeleteLifecyclePolicyResponse {
            registry_id: Some(scope.account_id.clone()),
            repository_name: Some(input.repository_name),
            lifecycle_policy_text: removed,
            last_evaluated_at: Some(Timestamp::from_millis(0)),
        })
    }

    pub(crate) async fn start_lifecycle_policy_preview(
        &self,
        ctx: &Ctx,
        input: StartLifecyclePolicyPreviewRequest,
    ) -> Result<StartLifecyclePolicyPreviewResponse, EcrError> {
        let scope = Scope::of(ctx);
        let record = self.repository(&scope, &input.repository_name)?;
        let text = match input.lifecycle_policy_text.or(record.lifecycle_policy) {
            Some(text) => text,
            None => return Err(Self::lifecycle_not_found(&scope, &record.name)),
        };
        lifecycle::parse(&text).map_err(EcrError::InvalidParameter)?;
        self.change_repository(&scope, &record.name, |record| {
            record.lifecycle_preview = Some(text.clone());
            Ok(())
        })?;
        Ok(StartLifecyclePolicyPreviewResponse {
            registry_id: Some(scope.account_id),
            repository_name: Some(record.name),
            lifecycle_policy_text: Some(text),
            status: Some("IN_PROGRESS".into()),
        })
    }

    pub(crate) async fn get_lifecycle_policy_preview(
        &self,
        ctx: &Ctx,
        input: GetLifecyclePolicyPreviewRequest,
    ) -> Result<GetLifecyclePolicyPreviewResponse, EcrError> {
        let scope = Scope::of(ctx);
        let record = self.repository(&scope, &input.repository_name)?;
        let text = record.lifecycle_preview.clone().ok_or_else(|| {
            EcrError::LifecyclePolicyPreviewNotFound(format!(
                "There is no dry run for the repository with name '{}' in the registry with id '{}'",
                record.name, scope.account_id
            ))
        })?;
        let rules = lifecycle::parse(&text).map_err(EcrError::InvalidParameter)?;
        let images = self.registry.images(&scope.namespace(), &record.name);
        let candidates: Vec<Candidate> = images
            .iter()
            .map(|image| Candidate {
                digest: image.digest.to_string(),
                tags: image.tags.clone(),
                pushed_at: image.manifest.pushed_at,
            })
            .collect();
        let expiries = lifecycle::evaluate(&rules, &candidates, self.now());
        let wanted_status = input.filter.and_then(|f| f.tag_status);
        let results: Vec<(String, LifecyclePolicyPreviewResult)> = expiries
            .iter()
            .filter_map(|expiry| {
                let image = candidates.iter().find(|c| c.digest == expiry.digest)?;
                let keep = match wanted_status.as_deref() {
                    Some("TAGGED") => !image.tags.is_empty(),
                    Some("UNTAGGED") => image.tags.is_empty(),
                    _ => true,
                };
                keep.then(|| {
                    (
                        image.digest.clone(),
                        LifecyclePolicyPreviewResult {
                            image_tags: (!image.tags.is_empty()).then(|| image.tags.clone()),
                            image_digest: Some(image.digest.clone()),
                            image_pushed_at: Some(Timestamp::from_millis(image.pushed_at)),
                            action: Some(LifecyclePolicyRuleAction {
                                r#type: Some("EXPIRE".into()),
                                target_storage_class: None,
                            }),
                            applied_rule_priority: Some(expiry.priority as i32),
                            storage_class: Some("STANDARD".into()),
                        },
                    )
                })
            })
            .collect();
        let total = results.len() as i32;
        let page = page(results, input.next_token.as_deref(), input.max_results, 100)?;
        Ok(GetLifecyclePolicyPreviewResponse {
            registry_id: Some(scope.account_id),
            repository_name: Some(record.name),
            lifecycle_policy_text: Some(text),
            status: Some("COMPLETE".into()),
            next_token: page.next,
            preview_results: Some(page.items),
            summary: Some(LifecyclePolicyPreviewSummary {
                expiring_image_total_count: Some(total),
                transitioning_image_total_counts: None,
            }),
        })
    }
}

/// Exclusion filters go with the `_WITH_EXCLUSION` settings only.
fn check_exclusions(
    mutability: &str,
    filters: Option<&[ImageTagMutabilityExclusionFilter]>,
) -> Result<(), EcrError> {
    let with_exclusion = mutability.ends_with("_WITH_EXCLUSION");
    match (with_exclusion, filters.is_some_and(|f| !f.is_empty())) {
        (true, false) => Err(EcrError::InvalidParameter(
            "Invalid parameter: imageTagMutabilityExclusionFilters must be specified when imageTagMutability is IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION.".into(),
        )),
        (false, true) => Err(EcrError::InvalidParameter(
            "Invalid parameter: imageTagMutabilityExclusionFilters can only be specified when imageTagMutability is IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION.".into(),
        )),
        _ => Ok(()),
    }
}
