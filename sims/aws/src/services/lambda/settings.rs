//! A function's settings beside its configuration: reserved and provisioned concurrency,
//! asynchronous invocation configs, recursion detection, runtime management, scaling; code
//! signing configs; tags on functions, code signing configs, event source mappings and
//! capacity providers; GetAccountSettings with the account's real counts.

use std::collections::BTreeMap;

use sim_aws_shapes::lambda::*;

use super::functions::page_of;
use super::{FunctionRecord, Lambda, LambdaError, ProvisionedRecord, invalid, names};
use crate::services::Ctx;

/// The account's concurrency quota, as a new AWS account has it.
const ACCOUNT_CONCURRENCY: i32 = 1000;
/// What AWS keeps unreserved: reservations may not eat into it.
const MINIMUM_UNRESERVED: i32 = 100;
/// The account's code storage quota: 75 GB.
const TOTAL_CODE_SIZE: i64 = 80_530_636_800;

/// What PutFunctionEventInvokeConfig (`replace`) or UpdateFunctionEventInvokeConfig sets.
struct EventInvokeChange {
    replace: bool,
    retries: Option<i32>,
    age: Option<i32>,
    destinations: Option<DestinationConfig>,
}

impl Lambda {
    /// Changes a function's record; not found answers Lambda's error.
    fn change_function<R>(
        &self,
        ctx: &Ctx,
        reference: &str,
        change: impl FnOnce(&mut FunctionRecord, &str) -> Result<R, LambdaError>,
    ) -> Result<R, LambdaError> {
        let function = names::parse(ctx, reference, None)?;
        self.functions
            .modify(&self.function_key(ctx, &function.name), |slot| {
                let record = slot
                    .as_mut()
                    .ok_or_else(|| names::function_not_found(ctx, &function.name, None))?;
                change(record, &function.name)
            })
    }

    fn reserved_elsewhere(&self, ctx: &Ctx, except: &str) -> i32 {
        self.functions
            .scan_prefix(&ctx.scope())
            .into_iter()
            .filter(|(_, r)| r.config.function_name.as_deref() != Some(except))
            .filter_map(|(_, r)| r.reserved_concurrency)
            .sum()
    }

    pub(crate) async fn put_function_concurrency(
        &self,
        ctx: &Ctx,
        input: PutFunctionConcurrencyRequest,
    ) -> Result<Concurrency, LambdaError> {
        let (function, _) = self.function(ctx, &input.function_name)?;
        let others = self.reserved_elsewhere(ctx, &function.name);
        if others + input.reserved_concurrent_executions > ACCOUNT_CONCURRENCY - MINIMUM_UNRESERVED
        {
            return Err(invalid(format!(
                "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [{MINIMUM_UNRESERVED}]."
            )));
        }
        self.change_function(ctx, &input.function_name, |record, _| {
            record.reserved_concurrency = Some(input.reserved_concurrent_executions);
            Ok(())
        })?;
        Ok(Concurrency {
            reserved_concurrent_executions: Some(input.reserved_concurrent_executions),
        })
    }

    pub(crate) async fn get_function_concurrency(
        &self,
        ctx: &Ctx,
        input: GetFunctionConcurrencyRequest,
    ) -> Result<GetFunctionConcurrencyResponse, LambdaError> {
        let (_, record) = self.function(ctx, &input.function_name)?;
        Ok(GetFunctionConcurrencyResponse {
            reserved_concurrent_executions: record.reserved_concurrency,
        })
    }

    pub(crate) async fn delete_function_concurrency(
        &self,
        ctx: &Ctx,
        input: DeleteFunctionConcurrencyRequest,
    ) -> Result<(), LambdaError> {
        self.change_function(ctx, &input.function_name, |record, _| {
            record.reserved_concurrency = None;
            Ok(())
        })
    }

    /// A provisioned concurrency config is for a published version or an alias.
    fn check_provisioned_qualifier(
        &self,
        ctx: &Ctx,
        reference: &str,
        qualifier: &str,
    ) -> Result<(), LambdaError> {
        if qualifier == "$LATEST" {
            return Err(invalid(
                "Provisioned Concurrency Configs cannot be applied to unpublished function versions.",
            ));
        }
        self.resolve(ctx, reference, Some(qualifier)).map(|_| ())
    }

    fn provisioned_view(record: &ProvisionedRecord) -> PutProvisionedConcurrencyConfigResponse {
        PutProvisionedConcurrencyConfigResponse {
            requested_provisioned_concurrent_executions: Some(record.requested),
            available_provisioned_concurrent_executions: Some(record.requested),
            allocated_provisioned_concurrent_executions: Some(record.requested),
            status: Some("READY".into()),
            status_reason: None,
            last_modified: Some(record.last_modified.clone()),
        }
    }

    pub(crate) async fn put_provisioned_concurrency_config(
        &self,
        ctx: &Ctx,
        input: PutProvisionedConcurrencyConfigRequest,
    ) -> Result<PutProvisionedConcurrencyConfigResponse, LambdaError> {
        self.check_provisioned_qualifier(ctx, &input.function_name, &input.qualifier)?;
        let now = self.last_modified();
        self.change_function(ctx, &input.function_name, |record, _| {
            if let Some(reserved) = record.reserved_concurrency
                && input.provisioned_concurrent_executions > reserved
            {
                return Err(invalid(format!(
                    "Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function. Requested: {}, reserved: {reserved}",
                    input.provisioned_concurrent_executions
                )));
            }
            let stored = ProvisionedRecord { requested: input.provisioned_concurrent_executions, last_modified: now.clone() };
            record.provisioned.insert(input.qualifier.clone(), stored.clone());
            // Lambda answers IN_PROGRESS; the environments are ready when read back.
            let mut answer = Self::provisioned_view(&stored);
            answer.status = Some("IN_PROGRESS".into());
            answer.available_provisioned_concurrent_executions = Some(0);
            answer.allocated_provisioned_concurrent_executions = Some(0);
            Ok(answer)
        })
    }

    fn provisioned_not_found() -> LambdaError {
        LambdaError::ProvisionedConcurrencyConfigNotFound(
            "No Provisioned Concurrency Config found for this function".into(),
        )
    }

    pub(crate) async fn get_provisioned_concurrency_config(
        &self,
        ctx: &Ctx,
        input: GetProvisionedConcurrencyConfigRequest,
    ) -> Result<GetProvisionedConcurrencyConfigResponse, LambdaError> {
        let (_, record) = self.function(ctx, &input.function_name)?;
        let stored = record
            .provisioned
            .get(&input.qualifier)
            .ok_or_else(Self::provisioned_not_found)?;
        let view = Self::provisioned_view(stored);
        Ok(GetProvisionedConcurrencyConfigResponse {
            requested_provisioned_concurrent_executions: view
                .requested_provisioned_concurrent_executions,
            available_provisioned_concurrent_executions: view
                .available_provisioned_concurrent_executions,
            allocated_provisioned_concurrent_executions: view
                .allocated_provisioned_concurrent_executions,
            status: view.status,
            status_reason: view.status_reason,
            last_modified: view.last_modified,
        })
    }

    pub(crate) async fn delete_provisioned_concurrency_config(
        &self,
        ctx: &Ctx,
        input: DeleteProvisionedConcurrencyConfigRequest,
    ) -> Result<(), LambdaError> {
        self.check_provisioned_qualifier(ctx, &input.function_name, &input.qualifier)?;
        self.change_function(ctx, &input.function_name, |record, _| {
            record
                .provisioned
                .remove(&input.qualifier)
                .map(|_| ())
                .ok_or_else(Self::provisioned_not_found)
        })
    }

    pub(crate) async fn list_provisioned_concurrency_configs(
        &self,
        ctx: &Ctx,
        input: ListProvisionedConcurrencyConfigsRequest,
    ) -> Result<ListProvisionedConcurrencyConfigsResponse, LambdaError> {
        let (function, record) = self.function(ctx, &input.function_name)?;
        let entries = record
            .provisioned
            .iter()
            .map(|(qualifier, stored)| {
                let view = Self::provisioned_view(stored);
                let item = ProvisionedConcurrencyConfigListItem {
                    function_arn: Some(names::qualified_arn(ctx, &function.name, Some(qualifier))),
                    requested_provisioned_concurrent_executions: view
                        .requested_provisioned_concurrent_executions,
                    available_provisioned_concurrent_executions: view
                        .available_provisioned_concurrent_executions,
                    allocated_provisioned_concurrent_executions: view
                        .allocated_provisioned_concurrent_executions,
                    status: view.status,
                    status_reason: None,
                    last_modified: view.last_modified,
                };
                (qualifier.clone(), item)
            })
            .collect();
        let page = page_of(entries, input.marker.as_deref(), input.max_items)?;
        Ok(ListProvisionedConcurrencyConfigsResponse {
            provisioned_concurrency_configs: Some(page.items),
            next_marker: page.next,
        })
    }

    fn event_invoke_owner(
        &self,
        ctx: &Ctx,
        reference: &str,
        qualifier: Option<&str>,
    ) -> Result<(String, String), LambdaError> {
        let function = names::parse(ctx, reference, qualifier)?;
        self.resolve(ctx, reference, qualifier)?;
        let qualifier = function.qualifier.unwrap_or_else(|| "$LATEST".into());
        Ok((function.name, qualifier))
    }

    fn put_event_invoke(
        &self,
        ctx: &Ctx,
        reference: &str,
        qualifier: Option<&str>,
        change: EventInvokeChange,
    ) -> Result<FunctionEventInvokeConfig, LambdaError> {
        let EventInvokeChange {
            replace,
            retries,
            age,
            destinations,
        } = change;
        let (name, qualifier) = self.event_invoke_owner(ctx, reference, qualifier)?;
        let now = self.now_millis();
        self.change_function(ctx, &name, |record, _| {
            let existing = record.event_invoke_configs.get(&qualifier).cloned();
            if !replace && existing.is_none() {
                return Err(LambdaError::ResourceNotFound(format!(
                    "The function {} doesn't have an EventInvokeConfig",
                    names::qualified_arn(ctx, &name, Some(&qualifier))
                )));
            }
            let base = if replace {
                FunctionEventInvokeConfig::default()
            } else {
                existing.unwrap_or_default()
            };
            let config = FunctionEventInvokeConfig {
                last_modified: Some(sim_aws_shapes::normal::Timestamp::from_millis(now)),
                function_arn: Some(names::qualified_arn(ctx, &name, Some(&qualifier))),
                maximum_retry_attempts: retries.or(base.maximum_retry_attempts),
                maximum_event_age_in_seconds: age.or(base.maximum_event_age_in_seconds),
                destination_config: Some(destinations.or(base.destination_config).unwrap_or(
                    DestinationConfig {
                        on_success: Some(OnSuccess::default()),
                        on_failure: Some(OnFailure::default()),
                    },
                )),
            };
            record
                .event_invoke_configs
                .insert(qualifier.clone(), config.clone());
            Ok(config)
        })
    }

    pub(crate) async fn put_function_event_invoke_config(
        &self,
        ctx: &Ctx,
        input: PutFunctionEventInvokeConfigRequest,
    ) -> Result<FunctionEventInvokeConfig, LambdaError> {
        self.put_event_invoke(
            ctx,
            &input.function_name,
            input.qualifier.as_deref(),
            EventInvokeChange {
                replace: true,
                retries: input.maximum_retry_attempts,
                age: input.maximum_event_age_in_seconds,
                destinations: input.destination_config,
            },
        )
    }

    pub(crate) async fn update_function_event_invoke_config(
        &self,
        ctx: &Ctx,
        input: UpdateFunctionEventInvokeConfigRequest,
    ) -> Result<FunctionEventInvokeConfig, LambdaError> {
        self.put_event_invoke(
            ctx,
            &input.function_name,
            input.qualifier.as_deref(),
            EventInvokeChange {
                replace: false,
                retries: input.maximum_retry_attempts,
                age: input.maximum_event_age_in_seconds,
                destinations: input.destination_config,
            },
        )
    }

    pub(crate) async fn get_function_event_invoke_config(
        &self,
        ctx: &Ctx,
        input: GetFunctionEventInvokeConfigRequest,
    ) -> Result<FunctionEventInvokeConfig, LambdaError> {
        let (name, qualifier) =
            self.event_invoke_owner(ctx, &input.function_name, input.qualifier.as_deref())?;
        let (_, record) = self.function(ctx, &name)?;
        record
            .event_invoke_configs
            .get(&qualifier)
            .cloned()
            .ok_or_else(|| {
                LambdaError::ResourceNotFound(format!(
                    "The function {} doesn't have an EventInvokeConfig",
                    names::qualified_arn(ctx, &name, Some(&qualifier))
                ))
            })
    }

    pub(crate) async fn delete_function_event_invoke_config(
        &self,
        ctx: &Ctx,
        input: DeleteFunctionEventInvokeConfigRequest,
    ) -> Result<(), LambdaError> {
        let (name, qualifier) =
            self.event_invoke_owner(ctx, &input.function_name, input.qualifier.as_deref())?;
        self.change_function(ctx, &name, |record, _| {
            record
                .event_invoke_configs
                .remove(&qualifier)
                .map(|_| ())
                .ok_or_else(|| {
                    LambdaError::ResourceNotFound(format!(
                        "The function {} doesn't have an EventInvokeConfig",
                        names::qualified_arn(ctx, &name, Some(&qualifier))
                    ))
                })
        })
    }

    pub(crate) async fn list_function_event_invoke_configs(
        &self,
        ctx: &Ctx,
        input: ListFunctionEventInvokeConfigsRequest,
    ) -> Result<ListFunctionEventInvokeConfigsResponse, LambdaError> {
        let (_, record) = self.function(ctx, &input.function_name)?;
        let entries = record.event_invoke_configs.into_iter().collect();
        let page = page_of(entries, input.marker.as_deref(), input.max_items)?;
        Ok(ListFunctionEventInvokeConfigsResponse {
            function_event_invoke_configs: Some(page.items),
            next_marker: page.next,
        })
    }

    pub(crate) async fn get_function_recursion_config(
        &self,
        ctx: &Ctx,
        input: GetFunctionRecursionConfigRequest,
    ) -> Result<GetFunctionRecursionConfigResponse, LambdaError> {
        let (_, record) = self.function(ctx, &input.function_name)?;
        Ok(GetFunctionRecursionConfigResponse {
            recursive_loop: Some(record.recursive_loop),
        })
    }

    pub(crate) async fn put_function_recursion_config(
        &self,
        ctx: &Ctx,
        input: PutFunctionRecursionConfigRequest,
    ) -> Result<PutFunctionRecursionConfigResponse, LambdaError> {
        self.change_function(ctx, &input.function_name, |record, _| {
            record.recursive_loop = input.recursive_loop.clone();
            Ok(())
        })?;
        Ok(PutFunctionRecursionConfigResponse {
            recursive_loop: Some(input.recursive_loop),
        })
    }

    pub(crate) async fn get_runtime_management_config(
        &self,
        ctx: &Ctx,
        input: GetRuntimeManagementConfigRequest,
    ) -> Result<GetRuntimeManagementConfigResponse, LambdaError> {
        let function = names::parse(ctx, &input.function_name, input.qualifier.as_deref())?;
        let (record, _) = self.resolve(ctx, &input.function_name, input.qualifier.as_deref())?;
        let qualifier = function
            .qualifier
            .clone()
            .unwrap_or_else(|| "$LATEST".into());
        let (mode, arn) = record
            .runtime_management
            .get(&qualifier)
            .cloned()
            .unwrap_or_else(|| ("Auto".into(), None));
        Ok(GetRuntimeManagementConfigResponse {
            update_runtime_on: Some(mode),
            runtime_version_arn: arn,
            function_arn: Some(names::qualified_arn(
                ctx,
                &function.name,
                function.qualifier.as_deref(),
            )),
        })
    }

    pub(crate) async fn put_runtime_management_config(
        &self,
        ctx: &Ctx,
        input: PutRuntimeManagementConfigRequest,
    ) -> Result<PutRuntimeManagementConfigResponse, LambdaError> {
        let function = names::parse(ctx, &input.function_name, input.qualifier.as_deref())?;
        self.resolve(ctx, &input.function_name, input.qualifier.as_deref())?;
        match (input.update_runtime_on.as_str(), &input.runtime_version_arn) {
            ("Manual", None) => {
                return Err(invalid(
                    "RuntimeVersionArn must be specified when UpdateRuntimeOn is Manual.",
                ));
            }
            ("Auto" | "FunctionUpdate", Some(_)) => {
                return Err(invalid(
                    "RuntimeVersionArn may only be specified when UpdateRuntimeOn is Manual.",
                ));
            }
            _ => {}
        }
        let qualifier = function
            .qualifier
            .clone()
            .unwrap_or_else(|| "$LATEST".into());
        self.change_function(ctx, &function.name, |record, _| {
            record.runtime_management.insert(
                qualifier.clone(),
                (
                    input.update_runtime_on.clone(),
                    input.runtime_version_arn.clone(),
                ),
            );
            Ok(())
        })?;
        Ok(PutRuntimeManagementConfigResponse {
            update_runtime_on: input.update_runtime_on,
            function_arn: names::qualified_arn(ctx, &function.name, function.qualifier.as_deref()),
            runtime_version_arn: input.runtime_version_arn,
        })
    }

    /// Scaling configs belong to functions on a capacity provider.
    fn check_scaling(
        &self,
        ctx: &Ctx,
        reference: &str,
        qualifier: &str,
    ) -> Result<(String, FunctionRecord), LambdaError> {
        let function = names::parse(ctx, reference, Some(qualifier))?;
        let (record, version) = self.resolve(ctx, reference, Some(qualifier))?;
        if version.config.capacity_provider_config.is_none() {
            return Err(invalid(
                "Function scaling configuration is only supported for functions that use a capacity provider.",
            ));
        }
        Ok((function.name, record))
    }

    pub(crate) async fn get_function_scaling_config(
        &self,
        ctx: &Ctx,
        input: GetFunctionScalingConfigRequest,
    ) -> Result<GetFunctionScalingConfigResponse, LambdaError> {
        let (name, record) = self.check_scaling(ctx, &input.function_name, &input.qualifier)?;
        let config = record.scaling.get(&input.qualifier).cloned();
        Ok(GetFunctionScalingConfigResponse {
            function_arn: Some(names::qualified_arn(ctx, &name, Some(&input.qualifier))),
            applied_function_scaling_config: config.clone(),
            requested_function_scaling_config: config,
        })
    }

    pub(crate) async fn put_function_scaling_config(
        &self,
        ctx: &Ctx,
        input: PutFunctionScalingConfigRequest,
    ) -> Result<PutFunctionScalingConfigResponse, LambdaError> {
        let (name, _) = self.check_scaling(ctx, &input.function_name, &input.qualifier)?;
        self.change_function(ctx, &name, |record, _| {
            record.scaling.insert(
                input.qualifier.clone(),
                input.function_scaling_config.clone().unwrap_or_default(),
            );
            Ok(())
        })?;
        Ok(PutFunctionScalingConfigResponse {
            function_state: Some("Active".into()),
        })
    }

    fn code_signing_key(&self, ctx: &Ctx, arn: &str) -> Result<String, LambdaError> {
        let id = arn.rsplit(':').next().unwrap_or(arn);
        let id = id.strip_prefix("code-signing-config/").unwrap_or(id);
        let key = format!("{}{id}", ctx.scope());
        if self.code_signing.contains(&key) {
            Ok(key)
        } else {
            Err(LambdaError::ResourceNotFound(format!(
                "The code signing configuration cannot be found. Check that the provided configuration is not deleted: {arn}."
            )))
        }
    }

    pub(crate) async fn create_code_signing_config(
        &self,
        ctx: &Ctx,
        input: CreateCodeSigningConfigRequest,
    ) -> Result<CreateCodeSigningConfigResponse, LambdaError> {
        let id = format!("csc-{}", self.kit.ids().hex(17));
        let config = CodeSigningConfig {
            code_signing_config_id: id.clone(),
            code_signing_config_arn: ctx.arn("lambda", &format!("code-signing-config:{id}")),
            description: Some(input.description.unwrap_or_default()),
            allowed_publishers: input.allowed_publishers,
            code_signing_policies: input.code_signing_policies.unwrap_or(CodeSigningPolicies {
                untrusted_artifact_on_deployment: Some("Warn".into()),
            }),
            last_modified: self.last_modified(),
        };
        self.code_signing
            .insert(&format!("{}{id}", ctx.scope()), config.clone())?;
        Ok(CreateCodeSigningConfigResponse {
            code_signing_config: config,
        })
    }

    pub(crate) async fn get_code_signing_config(
        &self,
        ctx: &Ctx,
        input: GetCodeSigningConfigRequest,
    ) -> Result<GetCodeSigningConfigResponse, LambdaError> {
        let key = self.code_signing_key(ctx, &input.code_signing_config_arn)?;
        let config = self
            .code_signing
            .get(&key)
            .ok_or_else(|| invalid("code signing config vanished"))?;
        Ok(GetCodeSigningConfigResponse {
            code_signing_config: config,
        })
    }

    pub(crate) async fn update_code_signing_config(
        &self,
        ctx: &Ctx,
        input: UpdateCodeSigningConfigRequest,
    ) -> Result<UpdateCodeSigningConfigResponse, LambdaError> {
        let key = self.code_signing_key(ctx, &input.code_signing_config_arn)?;
        let now = self.last_modified();
        let config = self
            .code_signing
            .update(&key, |config| {
                if let Some(description) = input.description {
                    config.description = Some(description);
                }
                if let Some(publishers) = input.allowed_publishers {
                    config.allowed_publishers = publishers;
                }
                if let Some(policies) = input.code_signing_policies {
                    config.code_signing_policies = policies;
                }
                config.last_modified = now;
                config.clone()
            })?
            .ok_or_else(|| invalid("code signing config vanished"))?;
        Ok(UpdateCodeSigningConfigResponse {
            code_signing_config: config,
        })
    }

    fn functions_using(&self, ctx: &Ctx, arn: &str) -> Vec<String> {
        self.functions
            .scan_prefix(&ctx.scope())
            .into_iter()
            .filter(|(_, record)| record.code_signing_config_arn.as_deref() == Some(arn))
            .filter_map(|(_, record)| record.config.function_arn)
            .collect()
    }

    pub(crate) async fn delete_code_signing_config(
        &self,
        ctx: &Ctx,
        input: DeleteCodeSigningConfigRequest,
    ) -> Result<DeleteCodeSigningConfigResponse, LambdaError> {
        let key = self.code_signing_key(ctx, &input.code_signing_config_arn)?;
        if !self
            .functions_using(ctx, &input.code_signing_config_arn)
            .is_empty()
        {
            return Err(LambdaError::ResourceConflict("The code signing configuration cannot be deleted because it is used by one or more functions.".into()));
        }
        self.code_signing.remove(&key)?;
        Ok(DeleteCodeSigningConfigResponse {})
    }

    pub(crate) async fn list_code_signing_configs(
        &self,
        ctx: &Ctx,
        input: ListCodeSigningConfigsRequest,
    ) -> Result<ListCodeSigningConfigsResponse, LambdaError> {
        let entries = self.code_signing.scan_prefix(&ctx.scope());
        let page = page_of(entries, input.marker.as_deref(), input.max_items)?;
        Ok(ListCodeSigningConfigsResponse {
            code_signing_configs: Some(page.items),
            next_marker: page.next,
        })
    }

    pub(crate) async fn list_functions_by_code_signing_config(
        &self,
        ctx: &Ctx,
        input: ListFunctionsByCodeSigningConfigRequest,
    ) -> Result<ListFunctionsByCodeSigningConfigResponse, LambdaError> {
        self.code_signing_key(ctx, &input.code_signing_config_arn)?;
        let entries = self
            .functions_using(ctx, &input.code_signing_config_arn)
            .into_iter()
            .map(|arn| (arn.clone(), arn))
            .collect();
        let page = page_of(entries, input.marker.as_deref(), input.max_items)?;
        Ok(ListFunctionsByCodeSigningConfigResponse {
            function_arns: Some(page.items),
            next_marker: page.next,
        })
    }

    pub(crate) async fn put_function_code_signing_config(
        &self,
        ctx: &Ctx,
        input: PutFunctionCodeSigningConfigRequest,
    ) -> Result<PutFunctionCodeSigningConfigResponse, LambdaError> {
        self.code_signing_key(ctx, &input.code_signing_config_arn)
            .map_err(|_| {
                LambdaError::CodeSigningConfigNotFound(format!(
                    "Code signing configuration {} not found.",
                    input.code_signing_config_arn
                ))
            })?;
        let name = self.change_function(ctx, &input.function_name, |record, name| {
            record.code_signing_config_arn = Some(input.code_signing_config_arn.clone());
            Ok(name.to_string())
        })?;
        Ok(PutFunctionCodeSigningConfigResponse {
            code_signing_config_arn: input.code_signing_config_arn,
            function_name: name,
        })
    }

    pub(crate) async fn get_function_code_signing_config(
        &self,
        ctx: &Ctx,
        input: GetFunctionCodeSigningConfigRequest,
    ) -> Result<GetFunctionCodeSigningConfigResponse, LambdaError> {
        let (function, record) = self.function(ctx, &input.function_name)?;
        Ok(GetFunctionCodeSigningConfigResponse {
            code_signing_config_arn: record.code_signing_config_arn.unwrap_or_default(),
            function_name: function.name,
        })
    }

    pub(crate) async fn delete_function_code_signing_config(
        &self,
        ctx: &Ctx,
        input: DeleteFunctionCodeSigningConfigRequest,
    ) -> Result<(), LambdaError> {
        self.change_function(ctx, &input.function_name, |record, _| {
            record.code_signing_config_arn = None;
            Ok(())
        })
    }

    /// The tags of whatever `arn` names: a function (unqualified), an event source mapping,
    /// a code signing config or a capacity provider.
    fn with_tags<R>(
        &self,
        ctx: &Ctx,
        arn: &str,
        change: impl FnOnce(&mut BTreeMap<String, String>) -> Result<R, LambdaError>,
    ) -> Result<R, LambdaError> {
        let parts: Vec<&str> = arn.split(':').collect();
        match parts.as_slice() {
            ["arn", _, "lambda", _, _, "function", name] => {
                self.change_function(ctx, arn, |record, _| {
                    let _ = name;
                    change(&mut record.tags)
                })
            }
            ["arn", _, "lambda", _, _, "function", ..] => Err(invalid(
                "Tags on function aliases and versions are not supported. Please specify a function ARN.",
            )),
            ["arn", _, "lambda", _, _, "event-source-mapping", uuid] => {
                self.mapping_tags(ctx, uuid, change)
            }
            _ => Err(invalid(format!("Invalid resource ARN: {arn}"))),
        }
    }

    pub(crate) async fn tag_resource(
        &self,
        ctx: &Ctx,
        input: TagResourceRequest,
    ) -> Result<(), LambdaError> {
        self.with_tags(ctx, &input.resource, |tags| {
            tags.extend(input.tags.clone());
            if tags.len() > 50 {
                return Err(invalid("Number of tags exceeds resource tag limit."));
            }
            Ok(())
        })
    }

    pub(crate) async fn untag_resource(
        &self,
        ctx: &Ctx,
        input: UntagResourceRequest,
    ) -> Result<(), LambdaError> {
        self.with_tags(ctx, &input.resource, |tags| {
            for key in &input.tag_keys {
                tags.remove(key);
            }
            Ok(())
        })
    }

    pub(crate) async fn list_tags(
        &self,
        ctx: &Ctx,
        input: ListTagsRequest,
    ) -> Result<ListTagsResponse, LambdaError> {
        let tags = self.with_tags(ctx, &input.resource, |tags| Ok(tags.clone()))?;
        Ok(ListTagsResponse { tags: Some(tags) })
    }

    pub(crate) async fn get_account_settings(
        &self,
        ctx: &Ctx,
        _input: GetAccountSettingsRequest,
    ) -> Result<GetAccountSettingsResponse, LambdaError> {
        let functions = self.functions.scan_prefix(&ctx.scope());
        let versions = self.versions.scan_prefix(&ctx.scope());
        let layers = self.layers.scan_prefix(&ctx.scope());
        let code_size: i64 = functions
            .iter()
            .map(|(_, r)| r.config.code_size.unwrap_or(0))
            .sum::<i64>()
            + versions
                .iter()
                .map(|(_, v)| v.config.code_size.unwrap_or(0))
                .sum::<i64>()
            + layers
                .iter()
                .map(|(_, l)| l.zip.as_ref().map_or(0, Vec::len) as i64)
                .sum::<i64>();
        let reserved: i32 = functions
            .iter()
            .filter_map(|(_, r)| r.reserved_concurrency)
            .sum();
        Ok(GetAccountSettingsResponse {
            account_limit: Some(AccountLimit {
                total_code_size: Some(TOTAL_CODE_SIZE),
                code_size_unzipped: Some(super::code::MAX_UNZIPPED_BYTES as i64),
                code_size_zipped: Some(52_428_800),
                concurrent_executions: Some(ACCOUNT_CONCURRENCY),
                unreserved_concurrent_executions: Some(ACCOUNT_CONCURRENCY - reserved),
            }),
            account_usage: Some(AccountUsage {
                total_code_size: Some(code_size),
                function_count: Some(functions.len() as i64),
            }),
        })
    }
}
