//! Registry-wide settings of one account and region: the registry policy, scanning
//! configuration, replication and signing configurations, account settings, pull-time update
//! exclusions (one record), pull-through cache rules and repository creation templates (one
//! record each, keyed by prefix).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sim_aws_shapes::ecr::*;
use sim_aws_shapes::normal::Timestamp;

use super::repositories::page;
use super::{Ecr, EcrError, Scope};
use crate::services::Ctx;

/// A pull-through cache rule, as stored.
pub type CacheRuleRecord = PullThroughCacheRule;
/// A repository creation template, as stored.
pub type TemplateRecord = RepositoryCreationTemplate;

/// One registry's settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RegistrySettings {
    pub policy: Option<String>,
    pub scanning: Option<RegistryScanningConfiguration>,
    pub replication: Option<ReplicationConfiguration>,
    pub signing: Option<SigningConfiguration>,
    pub account_settings: BTreeMap<String, String>,
    /// Principal ARN → when it was registered.
    pub pull_time_exclusions: BTreeMap<String, i64>,
}

/// The account settings ECR knows, their allowed values, and the default.
const ACCOUNT_SETTINGS: [(&str, &[&str], &str); 3] = [
    (
        "BASIC_SCAN_TYPE_VERSION",
        &["AWS_NATIVE", "CLAIR"],
        "AWS_NATIVE",
    ),
    ("REGISTRY_POLICY_SCOPE", &["V1", "V2"], "V2"),
    ("BLOB_MOUNTING", &["ENABLED", "DISABLED"], "DISABLED"),
];

/// Upstream registries by URL: their name, and whether they need a credential.
fn upstream_of(url: &str) -> Option<(&'static str, bool)> {
    let host = url.trim_start_matches("https://").trim_end_matches('/');
    Some(match host {
        "public.ecr.aws" => ("ecr-public", false),
        "registry-1.docker.io" => ("docker-hub", true),
        "quay.io" => ("quay", false),
        "registry.k8s.io" => ("k8s", false),
        "ghcr.io" => ("github-container-registry", true),
        "registry.gitlab.com" => ("gitlab-container-registry", true),
        "cgr.dev" => ("chainguard", true),
        host if host.ends_with(".azurecr.io") => ("azure-container-registry", true),
        host if super::access::parse_registry_host(host).is_some() => ("ecr", false),
        _ => return None,
    })
}

impl Ecr {
    pub(crate) fn registry_settings(&self, scope: &Scope) -> RegistrySettings {
        self.registries.get(&scope.namespace()).unwrap_or_default()
    }

    fn change_settings<R>(
        &self,
        scope: &Scope,
        change: impl FnOnce(&mut RegistrySettings) -> Result<R, EcrError>,
    ) -> Result<R, EcrError> {
        self.registries.modify(&scope.namespace(), |slot| {
            let settings = slot.get_or_insert_with(RegistrySettings::default);
            change(settings)
        })
    }

    pub(crate) async fn put_registry_policy(
        &self,
        ctx: &Ctx,
        input: PutRegistryPolicyRequest,
    ) -> Result<PutRegistryPolicyResponse, EcrError> {
        let scope = Scope::of(ctx);
        super::repositories::check_policy(
            &input.policy_text,
            &format!(
                "arn:aws:ecr:{}:{}:repository/*",
                scope.region, scope.account_id
            ),
        )?;
        self.change_settings(&scope, |settings| {
            settings.policy = Some(input.policy_text.clone());
            Ok(())
        })?;
        Ok(PutRegistryPolicyResponse {
            registry_id: Some(scope.account_id),
            policy_text: Some(input.policy_text),
        })
    }

    fn registry_policy_not_found(scope: &Scope) -> EcrError {
        EcrError::RegistryPolicyNotFound(format!(
            "Registry policy does not exist in the registry with id '{}'",
            scope.account_id
        ))
    }

    pub(crate) async fn get_registry_policy(
        &self,
        ctx: &Ctx,
        _input: GetRegistryPolicyRequest,
    ) -> Result<GetRegistryPolicyResponse, EcrError> {
        let scope = Scope::of(ctx);
        let policy = self
            .registry_settings(&scope)
            .policy
            .ok_or_else(|| Self::registry_policy_not_found(&scope))?;
        Ok(GetRegistryPolicyResponse {
            registry_id: Some(scope.account_id),
            policy_text: Some(policy),
        })
    }

    pub(crate) async fn delete_registry_policy(
        &self,
        ctx: &Ctx,
        _input: DeleteRegistryPolicyRequest,
    ) -> Result<DeleteRegistryPolicyResponse, EcrError> {
        let scope = Scope::of(ctx);
        let policy = self.change_settings(&scope, |settings| {
            settings
                .policy
                .take()
                .ok_or_else(|| Self::registry_policy_not_found(&scope))
        })?;
        Ok(DeleteRegistryPolicyResponse {
            registry_id: Some(scope.account_id),
            policy_text: Some(policy),
        })
    }

    fn scanning(settings: &RegistrySettings) -> RegistryScanningConfiguration {
        settings
            .scanning
            .clone()
            .unwrap_or(RegistryScanningConfiguration {
                scan_type: Some("BASIC".into()),
                rules: Some(Vec::new()),
            })
    }

    pub(crate) async fn get_registry_scanning_configuration(
        &self,
        ctx: &Ctx,
        _input: GetRegistryScanningConfigurationRequest,
    ) -> Result<GetRegistryScanningConfigurationResponse, EcrError> {
        let scope = Scope::of(ctx);
        let configuration = Self::scanning(&self.registry_settings(&scope));
        Ok(GetRegistryScanningConfigurationResponse {
            registry_id: Some(scope.account_id),
            scanning_configuration: Some(configuration),
        })
    }

    pub(crate) async fn put_registry_scanning_configuration(
        &self,
        ctx: &Ctx,
        input: PutRegistryScanningConfigurationRequest,
    ) -> Result<PutRegistryScanningConfigurationResponse, EcrError> {
        let scope = Scope::of(ctx);
        let configuration = RegistryScanningConfiguration {
            scan_type: Some(input.scan_type.unwrap_or_else(|| "BASIC".into())),
            rules: Some(input.rules.unwrap_or_default()),
        };
        self.change_settings(&scope, |settings| {
            settings.scanning = Some(configuration.clone());
            Ok(())
        })?;
        Ok(PutRegistryScanningConfigurationResponse {
            registry_scanning_configuration: Some(configuration),
        })
    }

    pub(crate) async fn batch_get_repository_scanning_configuration(
        &self,
        ctx: &Ctx,
        input: BatchGetRepositoryScanningConfigurationRequest,
    ) -> Result<BatchGetRepositoryScanningConfigurationResponse, EcrError> {
        let scope = Scope::of(ctx);
        let registry_rules = Self::scanning(&self.registry_settings(&scope))
            .rules
            .unwrap_or_default();
        let mut configurations = Vec::new();
        let mut failures = Vec::new();
        for name in input.repository_names {
            let Some(record) = self.repositories.get(&scope.key(&name)) else {
                failures.push(RepositoryScanningConfigurationFailure {
                    repository_name: Some(name),
                    failure_code: Some("REPOSITORY_NOT_FOUND".into()),
                    failure_reason: Some("REPOSITORY_NOT_FOUND".into()),
                });
                continue;
            };
            let applied: Option<&RegistryScanningRule> = registry_rules.iter().find(|rule| {
                rule.repository_filters
                    .iter()
                    .any(|f| super::wildcard_matches(&f.filter, &name))
            });
            let (frequency, filters) = match applied {
                Some(rule) => (rule.scan_frequency.clone(), rule.repository_filters.clone()),
                None if record.scan_on_push => ("SCAN_ON_PUSH".to_string(), Vec::new()),
                None => ("MANUAL".to_string(), Vec::new()),
            };
            configurations.push(RepositoryScanningConfiguration {
                repository_arn: Some(scope.repository_arn(&name)),
                repository_name: Some(name),
                scan_on_push: Some(record.scan_on_push),
                scan_frequency: Some(frequency),
                applied_scan_filters: Some(filters),
            });
        }
        Ok(BatchGetRepositoryScanningConfigurationResponse {
            scanning_configurations: Some(configurations),
            failures: Some(failures),
        })
    }

    pub(crate) async fn put_replication_configuration(
        &self,
        ctx: &Ctx,
        input: PutReplicationConfigurationRequest,
    ) -> Result<PutReplicationConfigurationResponse, EcrError> {
        let scope = Scope::of(ctx);
        let configuration = input.replication_configuration;
        for rule in &configuration.rules {
            for destination in &rule.destinations {
                if destination.region == scope.region && destination.registry_id == scope.account_id
                {
                    return Err(EcrError::InvalidParameter(
                        "Invalid parameter at 'replicationConfiguration' failed to satisfy constraint: 'Replication destination cannot be the same as the source registry'".into(),
                    ));
                }
            }
        }
        self.change_settings(&scope, |settings| {
            settings.replication = Some(configuration.clone());
            Ok(())
        })?;
        Ok(PutReplicationConfigurationResponse {
            replication_configuration: Some(configuration),
        })
    }

    pub(crate) async fn describe_registry(
        &self,
        ctx: &Ctx,
        _input: DescribeRegistryRequest,
    ) -> Result<DescribeRegistryResponse, EcrError> {
        let scope = Scope::of(ctx);
        let replication = self
            .registry_settings(&scope)
            .replication
            .unwrap_or(ReplicationConfiguration { rules: Vec::new() });
        Ok(DescribeRegistryResponse {
            registry_id: Some(scope.account_id),
            replication_configuration: Some(replication),
        })
    }

    pub(crate) async fn get_account_setting(
        &self,
        ctx: &Ctx,
        input: GetAccountSettingRequest,
    ) -> Result<GetAccountSettingResponse, EcrError> {
        let scope = Scope::of(ctx);
        let (name, _, default) = account_setting(&input.name)?;
        let value = self
            .registry_settings(&scope)
            .account_settings
            .get(name)
            .cloned()
            .unwrap_or_else(|| default.to_string());
        Ok(GetAccountSettingResponse {
            name: Some(input.name),
            value: Some(value),
        })
    }

    pub(crate) async fn put_account_setting(
        &self,
        ctx: &Ctx,
        input: PutAccountSettingRequest,
    ) -> Result<PutAccountSettingResponse, EcrError> {
        let scope = Scope::of(ctx);
        let (name, values, _) = account_setting(&input.name)?;
        if !values.contains(&input.value.as_str()) {
            return Err(EcrError::Validation(format!(
                "Invalid value '{}' for account setting '{name}'. Valid values are: {}",
                input.value,
                values.join(", ")
            )));
        }
        self.change_settings(&scope, |settings| {
            settings
                .account_settings
                .insert(name.to_string(), input.value.clone());
            Ok(())
        })?;
        Ok(PutAccountSettingResponse {
            name: Some(input.name),
            value: Some(input.value),
        })
    }

    pub(crate) async fn put_signing_configuration(
        &self,
        ctx: &Ctx,
        input: PutSigningConfigurationRequest,
    ) -> Result<PutSigningConfigurationResponse, EcrError> {
        let scope = Scope::of(ctx);
        let configuration = input.signing_configuration;
        self.change_settings(&scope, |settings| {
            settings.signing = Some(configuration.clone());
            Ok(())
        })?;
        Ok(PutSigningConfigurationResponse {
            signing_configuration: Some(configuration),
        })
    }

    fn signing_not_found(scope: &Scope) -> EcrError {
        EcrError::SigningConfigurationNotFound(format!(
            "Signing configuration does not exist in the registry with id '{}'",
            scope.account_id
        ))
    }

    pub(crate) async fn get_signing_configuration(
        &self,
        ctx: &Ctx,
        _input: GetSigningConfigurationRequest,
    ) -> Result<GetSigningConfigurationResponse, EcrError> {
        let scope = Scope::of(ctx);
        let configuration = self
            .registry_settings(&scope)
            .signing
            .ok_or_else(|| Self::signing_not_found(&scope))?;
        Ok(GetSigningConfigurationResponse {
            registry_id: Some(scope.account_id),
            signing_configuration: Some(configuration),
        })
    }

    pub(crate) async fn delete_signing_configuration(
        &self,
        ctx: &Ctx,
        _input: DeleteSigningConfigurationRequest,
    ) -> Result<DeleteSigningConfigurationResponse, EcrError> {
        let scope = Scope::of(ctx);
        let configuration = self.change_settings(&scope, |settings| {
            settings
                .signing
                .take()
                .ok_or_else(|| Self::signing_not_found(&scope))
        })?;
        Ok(DeleteSigningConfigurationResponse {
            registry_id: Some(scope.account_id),
            signing_configuration: Some(configuration),
        })
    }

    pub(crate) async fn register_pull_time_update_exclusion(
        &self,
        ctx: &Ctx,
        input: RegisterPullTimeUpdateExclusionRequest,
    ) -> Result<RegisterPullTimeUpdateExclusionResponse, EcrError> {
        let scope = Scope::of(ctx);
        let now = self.now();
        let arn = input.principal_arn;
        self.change_settings(&scope, |settings| {
            if settings.pull_time_exclusions.contains_key(&arn) {
                return Err(EcrError::ExclusionAlreadyExists(format!(
                    "The principal '{arn}' is already excluded from pull time updates."
                )));
            }
            settings.pull_time_exclusions.insert(arn.clone(), now);
            Ok(())
        })?;
        Ok(RegisterPullTimeUpdateExclusionResponse {
            principal_arn: Some(arn),
            created_at: Some(Timestamp::from_millis(now)),
        })
    }

    pub(crate) async fn deregister_pull_time_update_exclusion(
        &self,
        ctx: &Ctx,
        input: DeregisterPullTimeUpdateExclusionRequest,
    ) -> Result<DeregisterPullTimeUpdateExclusionResponse, EcrError> {
        let scope = Scope::of(ctx);
        let arn = input.principal_arn;
        self.change_settings(&scope, |settings| {
            settings
                .pull_time_exclusions
                .remove(&arn)
                .map(|_| ())
                .ok_or_else(|| {
                    EcrError::ExclusionNotFound(format!(
                        "The principal '{arn}' is not excluded from pull time updates."
                    ))
                })
        })?;
        Ok(DeregisterPullTimeUpdateExclusionResponse {
            principal_arn: Some(arn),
        })
    }

    pub(crate) async fn list_pull_time_update_exclusions(
        &self,
        ctx: &Ctx,
        input: ListPullTimeUpdateExclusionsRequest,
    ) -> Result<ListPullTimeUpdateExclusionsResponse, EcrError> {
        let scope = Scope::of(ctx);
        let entries = self
            .registry_settings(&scope)
            .pull_time_exclusions
            .into_keys()
            .map(|arn| (arn.clone(), arn))
            .collect();
        let page = page(entries, input.next_token.as_deref(), input.max_results, 100)?;
        Ok(ListPullTimeUpdateExclusionsResponse {
            pull_time_update_exclusions: Some(page.items),
            next_token: page.next,
        })
    }

    fn cache_rule_not_found(scope: &Scope, prefix: &str) -> EcrError {
        EcrError::PullThroughCacheRuleNotFound(format!(
            "The pull through cache rule with prefix '{prefix}' does not exist in the registry with id '{}'",
            scope.account_id
        ))
    }

    pub(crate) async fn create_pull_through_cache_rule(
        &self,
        ctx: &Ctx,
        input: CreatePullThroughCacheRuleRequest,
    ) -> Result<CreatePullThroughCacheRuleResponse, EcrError> {
        let scope = Scope::of(ctx);
        let (upstream, needs_credential) =
            upstream_of(&input.upstream_registry_url).ok_or_else(|| {
                EcrError::UnsupportedUpstreamRegistry(format!(
                    "The upstream registry URL '{}' is not supported.",
                    input.upstream_registry_url
                ))
            })?;
        if let Some(given) = &input.upstream_registry
            && given != upstream
        {
            return Err(EcrError::InvalidParameter(format!(
                "Invalid parameter: upstreamRegistry '{given}' does not match the upstream registry URL '{}'",
                input.upstream_registry_url
            )));
        }
        if needs_credential && input.credential_arn.is_none() {
            return Err(EcrError::InvalidParameter(format!(
                "Invalid parameter: a credentialArn is required for the upstream registry '{upstream}'"
            )));
        }
        if let Some(arn) = &input.credential_arn
            && !arn.contains(":secret:ecr-pullthroughcache/")
        {
            return Err(EcrError::InvalidParameter(
                "Invalid parameter: the credentialArn must name a secret whose name begins with 'ecr-pullthroughcache/'".into(),
            ));
        }
        let prefix = input.ecr_repository_prefix;
        let rule = PullThroughCacheRule {
            ecr_repository_prefix: Some(prefix.clone()),
            upstream_registry_url: Some(input.upstream_registry_url),
            created_at: Some(Timestamp::from_millis(self.now())),
            registry_id: Some(scope.account_id.clone()),
            credential_arn: input.credential_arn,
            custom_role_arn: input.custom_role_arn,
            upstream_repository_prefix: input.upstream_repository_prefix,
            upstream_registry: Some(upstream.to_string()),
            updated_at: None,
        };
        self.cache_rules.modify(&scope.key(&prefix), |slot| {
            if slot.is_some() {
                return Err(EcrError::PullThroughCacheRuleAlreadyExists(format!(
                    "A pull through cache rule with prefix '{prefix}' already exists in the registry with id '{}'",
                    scope.account_id
                )));
            }
            *slot = Some(rule.clone());
            Ok(())
        })?;
        Ok(CreatePullThroughCacheRuleResponse {
            ecr_repository_prefix: rule.ecr_repository_prefix,
            upstream_registry_url: rule.upstream_registry_url,
            created_at: rule.created_at,
            registry_id: rule.registry_id,
            upstream_registry: rule.upstream_registry,
            credential_arn: rule.credential_arn,
            custom_role_arn: rule.custom_role_arn,
            upstream_repository_prefix: rule.upstream_repository_prefix,
        })
    }

    pub(crate) async fn describe_pull_through_cache_rules(
        &self,
        ctx: &Ctx,
        input: DescribePullThroughCacheRulesRequest,
    ) -> Result<DescribePullThroughCacheRulesResponse, EcrError> {
        let scope = Scope::of(ctx);
        let entries = named_or_all(
            &self.cache_rules,
            &scope,
            input.ecr_repository_prefixes,
            Self::cache_rule_not_found,
        )?;
        let page = page(entries, input.next_token.as_deref(), input.max_results, 100)?;
        Ok(DescribePullThroughCacheRulesResponse {
            pull_through_cache_rules: Some(page.items),
            next_token: page.next,
        })
    }

    pub(crate) async fn delete_pull_through_cache_rule(
        &self,
        ctx: &Ctx,
        input: DeletePullThroughCacheRuleRequest,
    ) -> Result<DeletePullThroughCacheRuleResponse, EcrError> {
        let scope = Scope::of(ctx);
        let prefix = input.ecr_repository_prefix;
        let rule = self
            .cache_rules
            .remove(&scope.key(&prefix))?
            .ok_or_else(|| Self::cache_rule_not_found(&scope, &prefix))?;
        Ok(DeletePullThroughCacheRuleResponse {
            ecr_repository_prefix: rule.ecr_repository_prefix,
            upstream_registry_url: rule.upstream_registry_url,
            created_at: rule.created_at,
            registry_id: rule.registry_id,
            credential_arn: rule.credential_arn,
            custom_role_arn: rule.custom_role_arn,
            upstream_repository_prefix: rule.upstream_repository_prefix,
        })
    }

    pub(crate) async fn update_pull_through_cache_rule(
        &self,
        ctx: &Ctx,
        input: UpdatePullThroughCacheRuleRequest,
    ) -> Result<UpdatePullThroughCacheRuleResponse, EcrError> {
        let scope = Scope::of(ctx);
        let prefix = input.ecr_repository_prefix;
        let now = Timestamp::from_millis(self.now());
        let rule = self.cache_rules.modify(&scope.key(&prefix), |slot| {
            let rule = slot
                .as_mut()
                .ok_or_else(|| Self::cache_rule_not_found(&scope, &prefix))?;
            if input.credential_arn.is_some() {
                rule.credential_arn = input.credential_arn.clone();
            }
            if input.custom_role_arn.is_some() {
                rule.custom_role_arn = input.custom_role_arn.clone();
            }
            rule.updated_at = Some(now);
            Ok::<_, EcrError>(rule.clone())
        })?;
        Ok(UpdatePullThroughCacheRuleResponse {
            ecr_repository_prefix: rule.ecr_repository_prefix,
            registry_id: rule.registry_id,
            updated_at: rule.updated_at,
            credential_arn: rule.credential_arn,
            custom_role_arn: rule.custom_role_arn,
            upstream_repository_prefix: rule.upstream_repository_prefix,
        })
    }

    pub(crate) async fn validate_pull_through_cache_rule(
        &self,
        ctx: &Ctx,
        input: ValidatePullThroughCacheRuleRequest,
    ) -> Result<ValidatePullThroughCacheRuleResponse, EcrError> {
        let scope = Scope::of(ctx);
        let prefix = input.ecr_repository_prefix;
        let rule = self
            .cache_rules
            .get(&scope.key(&prefix))
            .ok_or_else(|| Self::cache_rule_not_found(&scope, &prefix))?;
        Ok(ValidatePullThroughCacheRuleResponse {
            ecr_repository_prefix: rule.ecr_repository_prefix,
            registry_id: rule.registry_id,
            upstream_registry_url: rule.upstream_registry_url,
            credential_arn: rule.credential_arn,
            custom_role_arn: rule.custom_role_arn,
            upstream_repository_prefix: rule.upstream_repository_prefix,
            is_valid: Some(false),
            failure: Some("Unable to reach the upstream registry: the simulator does not connect to upstream registries.".into()),
        })
    }

    fn template_not_found(scope: &Scope, prefix: &str) -> EcrError {
        EcrError::TemplateNotFound(format!(
            "The repository creation template with prefix '{prefix}' does not exist in the registry with id '{}'",
            scope.account_id
        ))
    }

    pub(crate) async fn create_repository_creation_template(
        &self,
        ctx: &Ctx,
        input: CreateRepositoryCreationTemplateRequest,
    ) -> Result<CreateRepositoryCreationTemplateResponse, EcrError> {
        let scope = Scope::of(ctx);
        check_template_policies(
            input.repository_policy.as_deref(),
            input.lifecycle_policy.as_deref(),
        )?;
        let now = Timestamp::from_millis(self.now());
        let prefix = input.prefix;
        let template = RepositoryCreationTemplate {
            prefix: Some(prefix.clone()),
            description: input.description,
            encryption_configuration: Some(input.encryption_configuration.unwrap_or(
                EncryptionConfigurationForRepositoryCreationTemplate {
                    encryption_type: "AES256".into(),
                    kms_key: None,
                },
            )),
            resource_tags: Some(input.resource_tags.unwrap_or_default()),
            image_tag_mutability: Some(
                input
                    .image_tag_mutability
                    .unwrap_or_else(|| "MUTABLE".into()),
            ),
            image_tag_mutability_exclusion_filters: input.image_tag_mutability_exclusion_filters,
            repository_policy: input.repository_policy,
            lifecycle_policy: input.lifecycle_policy,
            applied_for: Some(input.applied_for),
            custom_role_arn: input.custom_role_arn,
            created_at: Some(now),
            updated_at: Some(now),
        };
        self.templates.modify(&scope.key(&prefix), |slot| {
            if slot.is_some() {
                return Err(EcrError::TemplateAlreadyExists(format!(
                    "The repository creation template with prefix '{prefix}' already exists in the registry with id '{}'",
                    scope.account_id
                )));
            }
            *slot = Some(template.clone());
            Ok(())
        })?;
        Ok(CreateRepositoryCreationTemplateResponse {
            registry_id: Some(scope.account_id),
            repository_creation_template: Some(template),
        })
    }

    pub(crate) async fn describe_repository_creation_templates(
        &self,
        ctx: &Ctx,
        input: DescribeRepositoryCreationTemplatesRequest,
    ) -> Result<DescribeRepositoryCreationTemplatesResponse, EcrError> {
        let scope = Scope::of(ctx);
        let entries = named_or_all(
            &self.templates,
            &scope,
            input.prefixes,
            Self::template_not_found,
        )?;
        let page = page(entries, input.next_token.as_deref(), input.max_results, 100)?;
        Ok(DescribeRepositoryCreationTemplatesResponse {
            registry_id: Some(scope.account_id),
            repository_creation_templates: Some(page.items),
            next_token: page.next,
        })
    }

    pub(crate) async fn update_repository_creation_template(
        &self,
        ctx: &Ctx,
        input: UpdateRepositoryCreationTemplateRequest,
    ) -> Result<UpdateRepositoryCreationTemplateResponse, EcrError> {
        let scope = Scope::of(ctx);
        check_template_policies(
            input.repository_policy.as_deref(),
            input.lifecycle_policy.as_deref(),
        )?;
        let now = Timestamp::from_millis(self.now());
        let prefix = input.prefix.clone();
        let template = self.templates.modify(&scope.key(&prefix), |slot| {
            let template = slot.as_mut().ok_or_else(|| Self::template_not_found(&scope, &prefix))?;
            macro_rules! set {
                ($($field:ident),*) => { $(if input.$field.is_some() { template.$field = input.$field.clone(); })* };
            }
            set!(description, encryption_configuration, resource_tags, image_tag_mutability, image_tag_mutability_exclusion_filters, repository_policy, lifecycle_policy, applied_for, custom_role_arn);
            template.updated_at = Some(now);
            Ok::<_, EcrError>(template.clone())
        })?;
        Ok(UpdateRepositoryCreationTemplateResponse {
            registry_id: Some(scope.account_id),
            repository_creation_template: Some(template),
        })
    }

    pub(crate) async fn delete_repository_creation_template(
        &self,
        ctx: &Ctx,
        input: DeleteRepositoryCreationTemplateRequest,
    ) -> Result<DeleteRepositoryCreationTemplateResponse, EcrError> {
        let scope = Scope::of(ctx);
        let template = self
            .templates
            .remove(&scope.key(&input.prefix))?
            .ok_or_else(|| Self::template_not_found(&scope, &input.prefix))?;
        Ok(DeleteRepositoryCreationTemplateResponse {
            registry_id: Some(scope.account_id),
            repository_creation_template: Some(template),
        })
    }
}

fn account_setting(
    name: &str,
) -> Result<(&'static str, &'static [&'static str], &'static str), EcrError> {
    ACCOUNT_SETTINGS
        .iter()
        .find(|(known, _, _)| *known == name)
        .copied()
        .ok_or_else(|| {
            EcrError::Validation(format!(
                "Invalid account setting name '{name}'. Valid names are: BASIC_SCAN_TYPE_VERSION, REGISTRY_POLICY_SCOPE, BLOB_MOUNTING"
            ))
        })
}

fn check_template_policies(
    repository_policy: Option<&str>,
    lifecycle_policy: Option<&str>,
) -> Result<(), EcrError> {
    if let Some(text) = repository_policy {
        super::repositories::check_policy(text, "*")?;
    }
    if let Some(text) = lifecycle_policy {
        super::lifecycle::parse(text).map_err(EcrError::InvalidParameter)?;
    }
    Ok(())
}

/// The records a Describe call names (each must exist, else `missing`'s error), or every record
/// of the registry when it names none; keyed for paging.
fn named_or_all<
    V: Clone + serde::Serialize + serde::de::DeserializeOwned + Send + Sync + 'static,
>(
    records: &simkit::store::Collection<V>,
    scope: &Scope,
    names: Option<Vec<String>>,
    missing: impl Fn(&Scope, &str) -> EcrError,
) -> Result<Vec<(String, V)>, EcrError> {
    match names {
        Some(names) => names
            .into_iter()
            .map(|name| match records.get(&scope.key(&name)) {
                Some(record) => Ok((name, record)),
                None => Err(missing(scope, &name)),
            })
            .collect(),
        None => Ok(records.scan_prefix(&scope.prefix())),
    }
}
