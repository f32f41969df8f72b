//! Functions and their versions: CreateFunction (zip, S3 location or image), GetFunction (with
//! a code location the simulator serves), GetFunctionConfiguration, ListFunctions (Marker and
//! MaxItems), UpdateFunctionCode, UpdateFunctionConfiguration, DeleteFunction, PublishVersion,
//! ListVersionsByFunction. `State` goes Pending → Active and `LastUpdateStatus` InProgress →
//! Successful just after the answer, as the SDK waiters expect.

use std::collections::BTreeMap;
use std::time::Duration;

use sim_aws_shapes::lambda::{
    Concurrency, CreateFunctionRequest, DeleteFunctionRequest, DeleteFunctionResponse,
    EnvironmentResponse, EphemeralStorage, FunctionCodeLocation, FunctionConfiguration,
    GetFunctionConfigurationRequest, GetFunctionRequest, GetFunctionResponse, ImageConfigResponse,
    Layer, ListFunctionsRequest, ListFunctionsResponse, ListVersionsByFunctionRequest,
    ListVersionsByFunctionResponse, LoggingConfig, PublishVersionRequest, SnapStartResponse,
    TracingConfigResponse, UpdateFunctionCodeRequest, UpdateFunctionConfigurationRequest,
};
use sim_aws_shapes::normal::Blob;

use super::names::{self, FunctionRef};
use super::{CodeRecord, FunctionRecord, Lambda, LambdaError, VersionRecord, code, invalid};
use crate::services::{Ctx, paging};

/// What a page of Lambda's listings holds when MaxItems is absent.
pub(super) const DEFAULT_PAGE: usize = 50;

impl Lambda {
    pub(super) fn function_key(&self, ctx: &Ctx, name: &str) -> String {
        format!("{}{name}", ctx.scope())
    }

    pub(super) fn version_key(&self, ctx: &Ctx, name: &str, version: u64) -> String {
        format!("{}{name}\0{}", ctx.scope(), names::version_suffix(version))
    }

    /// The function a request names, or Lambda's not-found error.
    pub(super) fn function(
        &self,
        ctx: &Ctx,
        reference: &str,
    ) -> Result<(FunctionRef, FunctionRecord), LambdaError> {
        let function = names::parse(ctx, reference, None)?;
        let record = self
            .functions
            .get(&self.function_key(ctx, &function.name))
            .ok_or_else(|| names::function_not_found(ctx, &function.name, None))?;
        Ok((function, record))
    }

    /// The configuration and code a qualifier selects: `$LATEST`, a version, or an alias (its
    /// primary version).
    pub(super) fn resolve(
        &self,
        ctx: &Ctx,
        reference: &str,
        qualifier: Option<&str>,
    ) -> Result<(FunctionRecord, VersionRecord), LambdaError> {
        let function = names::parse(ctx, reference, qualifier)?;
        let record = self
            .functions
            .get(&self.function_key(ctx, &function.name))
            .ok_or_else(|| {
                names::function_not_found(ctx, &function.name, function.qualifier.as_deref())
            })?;
        let latest = || VersionRecord {
            config: record.config.clone(),
            code: record.code.clone(),
            image_config: record.image_config.clone(),
        };
        let Some(qualifier) = function.qualifier.as_deref() else {
            return Ok((record.clone(), latest()));
        };
        let version = if names::is_version(qualifier) {
            qualifier.to_string()
        } else {
            let alias = self
                .aliases
                .get(&format!("{}{}\0{qualifier}", ctx.scope(), function.name))
                .ok_or_else(|| names::function_not_found(ctx, &function.name, Some(qualifier)))?;
            alias.function_version.unwrap_or_default()
        };
        if version == "$LATEST" {
            return Ok((record.clone(), latest()));
        }
        let number: u64 = version.parse().unwrap_or(0);
        let stored = self
            .versions
            .get(&self.version_key(ctx, &function.name, number))
            .ok_or_else(|| names::function_not_found(ctx, &function.name, Some(qualifier)))?;
        Ok((record, stored))
    }

    /// The zip or image a request gives: inline, from an S3 object, or an image URI.
    fn code_from(
        &self,
        zip: Option<Blob>,
        s3: Option<S3Location<'_>>,
        image_uri: Option<String>,
    ) -> Result<CodeRecord, LambdaError> {
        let zip = match (zip, s3) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "Please provide either a zip file or an S3 location, not both.",
                ));
            }
            (Some(zip), None) => Some(zip.0),
            (None, Some(location)) => Some(self.package_from_s3(location)?),
            (None, None) => None,
        };
        match (zip, image_uri) {
            (Some(zip), None) => {
                code::check(&zip).map_err(|error| invalid(error.to_string()))?;
                Ok(CodeRecord {
                    zip: Some(zip),
                    ..CodeRecord::default()
                })
            }
            (None, Some(image)) => Ok(CodeRecord {
                zip: None,
                resolved_image_uri: Some(self.resolve_image(&image)?),
                image_uri: Some(image),
            }),
            (Some(_), Some(_)) => Err(invalid(
                "Please provide either a zip file or an image URI, not both.",
            )),
            (None, None) => Err(invalid("Please do not provide an empty code location.")),
        }
    }

    /// The image an `ImageUri` names, pinned to the digest its tag names now, with Lambda's
    /// errors for a URI that is not an ECR image with a tag or digest, and for an image the
    /// registry does not hold.
    fn resolve_image(&self, image: &str) -> Result<String, LambdaError> {
        if !crate::services::ecr::names_ecr_image(image) {
            return Err(invalid(format!(
                "Source image {image} is not valid. Provide a valid source image."
            )));
        }
        let located = self.locate_image(image).map_err(|_| {
            invalid(format!(
                "Source image {image} does not exist. Provide a valid source image."
            ))
        })?;
        Ok(crate::services::ecr::pinned_image(
            image,
            &located.manifest_digest,
        ))
    }

    /// A deployment package read from the simulator's S3, with the error Lambda quotes when
    /// the read fails (`Error occurred while GetObject. S3 Error Code: NoSuchKey. ...`). A
    /// bucket in another region answers S3's `PermanentRedirect`, as Lambda reports it.
    pub(super) fn package_from_s3(&self, location: S3Location<'_>) -> Result<Vec<u8>, LambdaError> {
        let quoted = |code: &str, message: &str| {
            invalid(format!(
                "Error occurred while GetObject. S3 Error Code: {code}. S3 Error Message: {message}"
            ))
        };
        if let Some(bucket) = self.s3.bucket_record(location.bucket)
            && bucket.region != location.region
        {
            return Err(quoted(
                "PermanentRedirect",
                &format!(
                    "The bucket is in this region: {}. Please use this region to retry the request",
                    bucket.region
                ),
            ));
        }
        let Some(key) = location.key else {
            return Err(quoted("NoSuchKey", "The specified key does not exist."));
        };
        self.s3
            .read_object(
                location.bucket,
                key,
                location.version,
                code::MAX_UNZIPPED_BYTES,
            )
            .map_err(|error| {
                let (code, message) = error.code_and_message();
                quoted(code, &message)
            })
    }

    fn layer_refs(&self, ctx: &Ctx, arns: &[String]) -> Result<Vec<Layer>, LambdaError> {
        arns.iter()
            .map(|arn| {
                let record = self
                    .layer_by_version_arn(ctx, arn)
                    .ok_or_else(|| invalid(format!("Layer version {arn} does not exist.")))?;
                Ok(Layer {
                    arn: Some(arn.clone()),
                    code_size: Some(record.zip.as_ref().map_or(0, Vec::len) as i64),
                    ..Layer::default()
                })
            })
            .collect()
    }

    /// Flips a function's `State` to Active and `LastUpdateStatus` to Successful, just after
    /// the answer that showed them Pending/InProgress.
    fn settle(&self, key: String) {
        let Some(lambda) = self.arc() else { return };
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let settled = lambda.functions.update(&key, |record| {
                let config = &mut record.config;
                config.state = Some("Active".into());
                config.state_reason = None;
                config.state_reason_code = None;
                config.last_update_status = Some("Successful".into());
                config.last_update_status_reason = None;
                config.last_update_status_reason_code = None;
            });
            if let Err(error) = settled {
                tracing::error!(%error, "could not activate a Lambda function");
            }
        });
    }

    pub(crate) async fn create_function(
        &self,
        ctx: &Ctx,
        input: CreateFunctionRequest,
    ) -> Result<FunctionConfiguration, LambdaError> {
        let function = names::parse(ctx, &input.function_name, None)?;
        let key = self.function_key(ctx, &function.name);
        let package_type = input.package_type.clone().unwrap_or_else(|| "Zip".into());
        if package_type == "Zip" && (input.runtime.is_none() || input.handler.is_none()) {
            return Err(invalid(
                "Runtime and Handler are mandatory parameters for functions created with deployment packages.",
            ));
        }
        if self.iam.role_by_arn(&input.role).is_none() {
            return Err(invalid(
                "The role defined for the function cannot be assumed by Lambda.",
            ));
        }
        let code = self.code_from(
            input.code.zip_file.clone(),
            S3Location::of(
                ctx,
                input.code.s3_bucket.as_deref(),
                input.code.s3_key.as_deref(),
                input.code.s3_object_version.as_deref(),
            ),
            input.code.image_uri.clone(),
        )?;
        if (package_type == "Image") != code.image_uri.is_some() {
            return Err(invalid(format!(
                "Please provide {} for PackageType {package_type}.",
                if package_type == "Image" {
                    "an image URI"
                } else {
                    "a zip file"
                }
            )));
        }
        let layers = self.layer_refs(ctx, input.layers.as_deref().unwrap_or_default())?;
        let zip_bytes = code.zip.as_deref().unwrap_or_default();
        let config = FunctionConfiguration {
            function_name: Some(function.name.clone()),
            function_arn: Some(names::function_arn(ctx, &function.name)),
            runtime: input.runtime.clone(),
            role: Some(input.role.clone()),
            handler: input.handler.clone(),
            code_size: Some(zip_bytes.len() as i64),
            description: Some(input.description.clone().unwrap_or_default()),
            timeout: Some(input.timeout.unwrap_or(3)),
            memory_size: Some(input.memory_size.unwrap_or(128)),
            last_modified: Some(self.last_modified()),
            code_sha256: Some(code_sha256(&code)),
            version: Some("$LATEST".into()),
            environment: input.environment.as_ref().map(|env| EnvironmentResponse {
                variables: Some(env.variables.clone().unwrap_or_default()),
                error: None,
            }),
            tracing_config: Some(TracingConfigResponse {
                mode: Some(
                    input
                        .tracing_config
                        .as_ref()
                        .and_then(|t| t.mode.clone())
                        .unwrap_or_else(|| "PassThrough".into()),
                ),
            }),
            dead_letter_config: input.dead_letter_config.clone(),
            kms_key_arn: input.kms_key_arn.clone(),
            revision_id: Some(self.revision()),
            layers: (!layers.is_empty()).then_some(layers),
            state: Some("Pending".into()),
            state_reason: Some("The function is being created.".into()),
            state_reason_code: Some("Creating".into()),
            package_type: Some(package_type),
            image_config_response: input.image_config.clone().map(|image_config| {
                ImageConfigResponse {
                    image_config: Some(image_config),
                    error: None,
                }
            }),
            architectures: Some(
                input
                    .architectures
                    .clone()
                    .unwrap_or_else(|| vec!["x86_64".into()]),
            ),
            ephemeral_storage: Some(
                input
                    .ephemeral_storage
                    .clone()
                    .unwrap_or(EphemeralStorage { size: 512 }),
            ),
            snap_start: Some(SnapStartResponse {
                apply_on: Some(
                    input
                        .snap_start
                        .as_ref()
                        .and_then(|s| s.apply_on.clone())
                        .unwrap_or_else(|| "None".into()),
                ),
                optimization_status: Some("Off".into()),
            }),
            logging_config: Some(logging_config(input.logging_config.clone(), &function.name)),
            file_system_configs: input.file_system_configs.clone(),
            ..FunctionConfiguration::default()
        };
        let record = FunctionRecord {
            config,
            code,
            image_config: input.image_config.clone(),
            tags: input.tags.clone().unwrap_or_default(),
            reserved_concurrency: None,
            last_version: 0,
            policies: BTreeMap::new(),
            urls: BTreeMap::new(),
            event_invoke_configs: BTreeMap::new(),
            provisioned: BTreeMap::new(),
            recursive_loop: "Terminate".into(),
            runtime_management: BTreeMap::new(),
            code_signing_config_arn: input.code_signing_config_arn.clone(),
            scaling: BTreeMap::new(),
        };
        self.functions.modify(&key, |slot| {
            if slot.is_some() {
                return Err(LambdaError::ResourceConflict(format!(
                    "Function already exist: {}",
                    function.name
                )));
            }
            *slot = Some(record.clone());
            Ok(())
        })?;
        let mut answer = record.config.clone();
        if input.publish == Some(true) {
            let published = self.publish(ctx, &function.name, None, None)?;
            answer.version = published.version;
            answer.function_arn = published.function_arn;
        }
        self.settle(key);
        Ok(answer)
    }

    pub(crate) async fn get_function(
        &self,
        ctx: &Ctx,
        input: GetFunctionRequest,
    ) -> Result<GetFunctionResponse, LambdaError> {
        let (record, version) =
            self.resolve(ctx, &input.function_name, input.qualifier.as_deref())?;
        let name = record.config.function_name.clone().unwrap_or_default();
        let code = match &version.code.image_uri {
            Some(image) => FunctionCodeLocation {
                repository_type: Some("ECR".into()),
                image_uri: Some(image.clone()),
                resolved_image_uri: Some(
                    version
                        .code
                        .resolved_image_uri
                        .clone()
                        .unwrap_or_else(|| image.clone()),
                ),
                ..FunctionCodeLocation::default()
            },
            None => FunctionCodeLocation {
                repository_type: Some("S3".into()),
                location: Some(self.code_location(ctx, &name, &version)),
                ..FunctionCodeLocation::default()
            },
        };
        let qualified = names::parse(ctx, &input.function_name, input.qualifier.as_deref())?;
        Ok(GetFunctionResponse {
            configuration: Some(self.shown(ctx, &qualified, version.config)),
            code: Some(code),
            tags: (qualified.qualifier.is_none() && !record.tags.is_empty())
                .then(|| record.tags.clone()),
            concurrency: record.reserved_concurrency.map(|reserved| Concurrency {
                reserved_concurrent_executions: Some(reserved),
            }),
            tags_error: None,
        })
    }

    /// A configuration as a qualified Get shows it: an alias's ARN is the alias's.
    fn shown(
        &self,
        ctx: &Ctx,
        function: &FunctionRef,
        mut config: FunctionConfiguration,
    ) -> FunctionConfiguration {
        if let Some(qualifier) = &function.qualifier
            && !names::is_version(qualifier)
        {
            config.function_arn = Some(names::qualified_arn(ctx, &function.name, Some(qualifier)));
        }
        config
    }

    /// Where GetFunction's `Code.Location` points: a URL of the simulator that answers the zip.
    fn code_location(&self, ctx: &Ctx, name: &str, version: &VersionRecord) -> String {
        let which = version
            .config
            .version
            .clone()
            .unwrap_or_else(|| "$LATEST".into());
        format!(
            "{}/_sockerless/lambda/code/{}/{}/{name}/{}",
            self.endpoint(),
            ctx.account_id,
            ctx.region,
            which.replace('$', "%24")
        )
    }

    /// The zip the code location URL names.
    pub fn code_zip(
        &self,
        account_id: &str,
        region: &str,
        name: &str,
        version: &str,
    ) -> Option<Vec<u8>> {
        let key = format!("{account_id}/{region}/{name}");
        if version == "$LATEST" {
            return self.functions.get(&key)?.code.zip;
        }
        let number: u64 = version.parse().ok()?;
        self.versions
            .get(&format!("{key}\0{}", names::version_suffix(number)))?
            .code
            .zip
    }

    pub(crate) async fn get_function_configuration(
        &self,
        ctx: &Ctx,
        input: GetFunctionConfigurationRequest,
    ) -> Result<FunctionConfiguration, LambdaError> {
        let (_, version) = self.resolve(ctx, &input.function_name, input.qualifier.as_deref())?;
        let qualified = names::parse(ctx, &input.function_name, input.qualifier.as_deref())?;
        Ok(self.shown(ctx, &qualified, version.config))
    }

    pub(crate) async fn list_functions(
        &self,
        ctx: &Ctx,
        input: ListFunctionsRequest,
    ) -> Result<ListFunctionsResponse, LambdaError> {
        let all_versions = input.function_version.as_deref() == Some("ALL");
        let mut entries = Vec::new();
        for (key, record) in self.functions.scan_prefix(&ctx.scope()) {
            if key[ctx.scope().len()..].contains('\0') {
                continue;
            }
            let name = record.config.function_name.clone().unwrap_or_default();
            entries.push((format!("{name}\0$LATEST"), record.config.clone()));
            if all_versions {
                for (_, version) in self.versions.scan_prefix(&format!("{key}\0")) {
                    let number = version.config.version.clone().unwrap_or_default();
                    entries.push((format!("{name}\0{:0>10}", number), version.config));
                }
            }
        }
        let page = page_of(entries, input.marker.as_deref(), input.max_items)?;
        Ok(ListFunctionsResponse {
            functions: Some(page.items),
            next_marker: page.next,
        })
    }

    pub(crate) async fn update_function_code(
        &self,
        ctx: &Ctx,
        input: UpdateFunctionCodeRequest,
    ) -> Result<FunctionConfiguration, LambdaError> {
        let (function, record) = self.function(ctx, &input.function_name)?;
        let has_zip = input.zip_file.is_some() || input.s3_bucket.is_some();
        match record.config.package_type.as_deref() {
            Some("Image") if has_zip || input.image_uri.is_none() => {
                return Err(invalid(
                    "Please provide ImageUri when updating a function with packageType Image.",
                ));
            }
            Some("Zip") | None if input.image_uri.is_some() => {
                return Err(invalid(
                    "Please don't provide ImageUri when updating a function with packageType Zip.",
                ));
            }
            _ => {}
        }
        let code = self.code_from(
            input.zip_file.clone(),
            S3Location::of(
                ctx,
                input.s3_bucket.as_deref(),
                input.s3_key.as_deref(),
                input.s3_object_version.as_deref(),
            ),
            input.image_uri.clone(),
        )?;
        check_revision(&record, input.revision_id.as_deref())?;
        if input.dry_run == Some(true) {
            return Ok(record.config);
        }
        let key = self.function_key(ctx, &function.name);
        let last_modified = self.last_modified();
        let revision = self.revision();
        let updated = self
            .functions
            .update(&key, |record| {
                let zip = code.zip.as_deref().unwrap_or_default();
                record.config.code_size = Some(zip.len() as i64);
                record.config.code_sha256 = Some(code_sha256(&code));
                if let Some(architectures) = &input.architectures {
                    record.config.architectures = Some(architectures.clone());
                }
                record.code = code.clone();
                in_progress(&mut record.config, last_modified.clone(), revision.clone());
                record.config.clone()
            })?
            .ok_or_else(|| names::function_not_found(ctx, &function.name, None))?;
        self.environments.retire_function(&key);
        let mut answer = updated;
        if input.publish == Some(true) {
            let published = self.publish(ctx, &function.name, None, None)?;
            answer.version = published.version;
            answer.function_arn = published.function_arn;
        }
        self.settle(key);
        Ok(answer)
    }

    pub(crate) async fn update_function_configuration(
        &self,
        ctx: &Ctx,
        input: UpdateFunctionConfigurationRequest,
    ) -> Result<FunctionConfiguration, LambdaError> {
        let (function, record) = self.function(ctx, &input.function_name)?;
        check_revision(&record, input.revision_id.as_deref())?;
        if let Some(role) = &input.role
            && self.iam.role_by_arn(role).is_none()
        {
            return Err(invalid(
                "The role defined for the function cannot be assumed by Lambda.",
            ));
        }
        let layers = match &input.layers {
            Some(arns) => Some(self.layer_refs(ctx, arns)?),
            None => None,
        };
        let key = self.function_key(ctx, &function.name);
        let last_modified = self.last_modified();
        let revision = self.revision();
        let updated = self
            .functions
            .update(&key, |record| {
                let config = &mut record.config;
                let input = input.clone();
                if let Some(role) = input.role {
                    config.role = Some(role);
                }
                if let Some(handler) = input.handler {
                    config.handler = Some(handler);
                }
                if let Some(description) = input.description {
                    config.description = Some(description);
                }
                if let Some(timeout) = input.timeout {
                    config.timeout = Some(timeout);
                }
                if let Some(memory) = input.memory_size {
                    config.memory_size = Some(memory);
                }
                if let Some(runtime) = input.runtime {
                    config.runtime = Some(runtime);
                }
                if let Some(environment) = input.environment {
                    config.environment = Some(EnvironmentResponse {
                        variables: Some(environment.variables.unwrap_or_default()),
                        error: None,
                    });
                }
                if let Some(dead_letter) = input.dead_letter_config {
                    config.dead_letter_config = Some(dead_letter);
                }
                if let Some(kms) = input.kms_key_arn {
                    config.kms_key_arn = Some(kms);
                }
                if let Some(tracing) = input.tracing_config {
                    config.tracing_config = Some(TracingConfigResponse { mode: tracing.mode });
                }
                if let Some(layers) = layers.clone() {
                    config.layers = (!layers.is_empty()).then_some(layers);
                }
                if let Some(file_systems) = input.file_system_configs {
                    config.file_system_configs = Some(file_systems);
                }
                if let Some(image_config) = input.image_config {
                    config.image_config_response = Some(ImageConfigResponse {
                        image_config: Some(image_config.clone()),
                        error: None,
                    });
                    record.image_config = Some(image_config);
                }
                if let Some(storage) = input.ephemeral_storage {
                    config.ephemeral_storage = Some(storage);
                }
                if let Some(logging) = input.logging_config {
                    config.logging_config = Some(logging_config(Some(logging), &function.name));
                }
                in_progress(config, last_modified.clone(), revision.clone());
                config.clone()
            })?
            .ok_or_else(|| names::function_not_found(ctx, &function.name, None))?;
        self.environments.retire_function(&key);
        self.settle(key);
        Ok(updated)
    }

    pub(crate) async fn delete_function(
        &self,
        ctx: &Ctx,
        input: DeleteFunctionRequest,
    ) -> Result<DeleteFunctionResponse, LambdaError> {
        let function = names::parse(ctx, &input.function_name, input.qualifier.as_deref())?;
        let key = self.function_key(ctx, &function.name);
        if !self.functions.contains(&key) {
            return Err(names::function_not_found(ctx, &function.name, None));
        }
        match function.qualifier.as_deref() {
            None | Some("$LATEST") if function.qualifier.is_none() => {
                let children = format!("{key}\0");
                let urls: Vec<String> = self
                    .functions
                    .get(&key)
                    .map(|record| record.urls.values().map(|url| url.url_id.clone()).collect())
                    .unwrap_or_default();
                self.kit.store().transaction(|txn| {
                    txn.remove(&self.functions, &key)?;
                    txn.remove_prefix(&self.versions, &children)?;
                    txn.remove_prefix(&self.aliases, &children)?;
                    for url in &urls {
                        txn.remove(&self.url_targets, url)?;
                    }
                    Ok::<_, LambdaError>(())
                })?;
                self.environments.retire_function(&key);
            }
            Some("$LATEST") => {
                return Err(invalid(
                    "$LATEST version cannot be deleted without deleting the function.",
                ));
            }
            Some(qualifier) if names::is_version(qualifier) => {
                let number: u64 = qualifier.parse().unwrap_or(0);
                let in_use = self
                    .aliases
                    .scan_prefix(&format!("{key}\0"))
                    .into_iter()
                    .find(|(_, alias)| {
                        let routed = alias
                            .routing_config
                            .as_ref()
                            .and_then(|r| r.additional_version_weights.as_ref())
                            .is_some_and(|weights| weights.contains_key(qualifier));
                        alias.function_version.as_deref() == Some(qualifier) || routed
                    });
                if let Some((_, alias)) = in_use {
                    return Err(LambdaError::ResourceConflict(format!(
                        "Unable to delete version because the following aliases reference it: [{}]",
                        alias.name.unwrap_or_default()
                    )));
                }
                self.versions
                    .remove(&self.version_key(ctx, &function.name, number))?;
            }
            Some(_) => {
                return Err(invalid(
                    "Deletion of aliases is not supported via DeleteFunction. Use DeleteAlias instead.",
                ));
            }
            None => {}
        }
        Ok(DeleteFunctionResponse {
            status_code: Some(204),
        })
    }

    pub(crate) async fn publish_version(
        &self,
        ctx: &Ctx,
        input: PublishVersionRequest,
    ) -> Result<FunctionConfiguration, LambdaError> {
        let (function, record) = self.function(ctx, &input.function_name)?;
        check_revision(&record, input.revision_id.as_deref())?;
        if let Some(sha) = &input.code_sha256
            && record.config.code_sha256.as_ref() != Some(sha)
        {
            return Err(invalid(format!(
                "CodeSHA256 ({sha}) is different from current CodeSHA256 in $LATEST ({}). Please try again with the CodeSHA256 in $LATEST.",
                record.config.code_sha256.clone().unwrap_or_default()
            )));
        }
        self.publish(ctx, &function.name, input.description, Some(&record))
    }

    /// Publishes `$LATEST` as the next version, or answers the last version when nothing
    /// changed since it was published (as Lambda does).
    fn publish(
        &self,
        ctx: &Ctx,
        name: &str,
        description: Option<String>,
        _seen: Option<&FunctionRecord>,
    ) -> Result<FunctionConfiguration, LambdaError> {
        let key = self.function_key(ctx, name);
        let last_modified = self.last_modified();
        let revision = self.revision();
        self.kit.store().transaction(|txn| {
            let record = txn
                .get(&self.functions, &key)?
                .ok_or_else(|| names::function_not_found(ctx, name, None))?;
            if record.last_version > 0
                && let Some(previous) = txn.get(
                    &self.versions,
                    &self.version_key(ctx, name, record.last_version),
                )?
                && previous.config.code_sha256 == record.config.code_sha256
                && same_settings(&previous.config, &record.config)
            {
                return Ok(previous.config);
            }
            let number = record.last_version + 1;
            let mut config = record.config.clone();
            config.version = Some(number.to_string());
            config.function_arn = Some(names::qualified_arn(ctx, name, Some(&number.to_string())));
            config.last_modified = Some(last_modified.clone());
            config.revision_id = Some(revision.clone());
            config.state = Some("Active".into());
            config.state_reason = None;
            config.state_reason_code = None;
            config.last_update_status = Some("Successful".into());
            config.last_update_status_reason = None;
            config.last_update_status_reason_code = None;
            if let Some(description) = &description {
                config.description = Some(description.clone());
            }
            txn.insert(
                &self.versions,
                &self.version_key(ctx, name, number),
                VersionRecord {
                    config: config.clone(),
                    code: record.code.clone(),
                    image_config: record.image_config.clone(),
                },
            )?;
            txn.modify(&self.functions, &key, |slot| {
                if let Some(record) = slot.as_mut() {
                    record.last_version = number;
                    record.config.revision_id = Some(revision.clone());
                }
                Ok::<_, LambdaError>(())
            })?;
            Ok(config)
        })
    }

    pub(crate) async fn list_versions_by_function(
        &self,
        ctx: &Ctx,
        input: ListVersionsByFunctionRequest,
    ) -> Result<ListVersionsByFunctionResponse, LambdaError> {
        let (function, record) = self.function(ctx, &input.function_name)?;
        let key = self.function_key(ctx, &function.name);
        let mut entries = vec![("0000000000".to_string(), record.config)];
        for (version_key, version) in self.versions.scan_prefix(&format!("{key}\0")) {
            let suffix = version_key
                .rsplit('\0')
                .next()
                .unwrap_or_default()
                .to_string();
            entries.push((format!("1{suffix}"), version.config));
        }
        let page = page_of(entries, input.marker.as_deref(), input.max_items)?;
        Ok(ListVersionsByFunctionResponse {
            versions: Some(page.items),
            next_marker: page.next,
        })
    }
}

/// Whether two configurations differ only in what publishing changes (a version's own
/// description included).
fn same_settings(left: &FunctionConfiguration, right: &FunctionConfiguration) -> bool {
    let strip = |config: &FunctionConfiguration| FunctionConfiguration {
        description: None,
        version: None,
        function_arn: None,
        last_modified: None,
        revision_id: None,
        state: None,
        state_reason: None,
        state_reason_code: None,
        last_update_status: None,
        last_update_status_reason: None,
        last_update_status_reason_code: None,
        ..config.clone()
    };
    strip(left) == strip(right)
}

/// `CodeSha256`: of the zip as uploaded, or, for an image, the hex of its manifest digest.
fn code_sha256(code: &CodeRecord) -> String {
    match (&code.resolved_image_uri, &code.image_uri) {
        (Some(resolved), _) => resolved.rsplit_once("@sha256:").map_or_else(
            || code::sha256_hex(resolved.as_bytes()),
            |(_, hex)| hex.to_string(),
        ),
        (None, Some(image)) => code::sha256_hex(image.as_bytes()),
        (None, None) => code::sha256_base64(code.zip.as_deref().unwrap_or_default()),
    }
}

fn in_progress(config: &mut FunctionConfiguration, last_modified: String, revision: String) {
    config.last_modified = Some(last_modified);
    config.revision_id = Some(revision);
    config.last_update_status = Some("InProgress".into());
    config.last_update_status_reason = Some("The function is being created.".into());
    config.last_update_status_reason_code = Some("Creating".into());
}

/// `PreconditionFailedException` when a client's RevisionId is not the current one.
pub(super) fn check_revision(
    record: &FunctionRecord,
    given: Option<&str>,
) -> Result<(), LambdaError> {
    match given {
        Some(given) if Some(given) != record.config.revision_id.as_deref() => {
            Err(LambdaError::PreconditionFailed(
                "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id".into(),
            ))
        }
        _ => Ok(()),
    }
}

fn logging_config(given: Option<LoggingConfig>, name: &str) -> LoggingConfig {
    let given = given.unwrap_or_default();
    let format = given.log_format.unwrap_or_else(|| "Text".into());
    let json = format == "JSON";
    LoggingConfig {
        log_group: Some(
            given
                .log_group
                .unwrap_or_else(|| format!("/aws/lambda/{name}")),
        ),
        application_log_level: given
            .application_log_level
            .or_else(|| json.then(|| "INFO".into())),
        system_log_level: given
            .system_log_level
            .or_else(|| json.then(|| "INFO".into())),
        log_format: Some(format),
    }
}

/// One page of a Lambda listing: `MaxItems` (1 to 10,000; 50 by default) after `Marker`.
pub(super) fn page_of<T>(
    entries: Vec<(String, T)>,
    marker: Option<&str>,
    max_items: Option<i32>,
) -> Result<paging::Page<T>, LambdaError> {
    let size = max_items.map_or(DEFAULT_PAGE, |n| n.clamp(1, 10_000) as usize);
    paging::page(entries, marker, size).map_err(|_| invalid("Invalid marker."))
}

/// Where a deployment package lies in S3 (`S3Bucket`, `S3Key`, `S3ObjectVersion`), and the
/// region of the function that reads it.
#[derive(Debug, Clone, Copy)]
pub(super) struct S3Location<'a> {
    pub bucket: &'a str,
    pub key: Option<&'a str>,
    pub version: Option<&'a str>,
    pub region: &'a str,
}

impl<'a> S3Location<'a> {
    /// The location a request names, if it names a bucket.
    pub fn of(
        ctx: &'a Ctx,
        bucket: Option<&'a str>,
        key: Option<&'a str>,
        version: Option<&'a str>,
    ) -> Option<Self> {
        Some(Self {
            bucket: bucket?,
            key,
            version,
            region: &ctx.region,
        })
    }
}
