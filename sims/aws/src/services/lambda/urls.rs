//! Function URLs: CreateFunctionUrlConfig, GetFunctionUrlConfig, UpdateFunctionUrlConfig,
//! DeleteFunctionUrlConfig, ListFunctionUrlConfigs. A URL is
//! `https://URLID.lambda-url.REGION.on.aws/`; the simulator serves it on its own port for
//! requests whose Host header names it (see `crate::lambda_endpoints`).

use sim_aws_shapes::lambda::{
    CreateFunctionUrlConfigRequest, CreateFunctionUrlConfigResponse,
    DeleteFunctionUrlConfigRequest, FunctionUrlConfig, GetFunctionUrlConfigRequest,
    GetFunctionUrlConfigResponse, ListFunctionUrlConfigsRequest, ListFunctionUrlConfigsResponse,
    UpdateFunctionUrlConfigRequest, UpdateFunctionUrlConfigResponse,
};

use super::functions::page_of;
use super::{Lambda, LambdaError, UrlRecord, UrlTarget, invalid, names};
use crate::services::Ctx;

fn url_not_found() -> LambdaError {
    LambdaError::ResourceNotFound("The resource you requested does not exist.".into())
}

impl Lambda {
    /// The function and qualifier (`""` unqualified) a URL request names; a version number is
    /// refused, as Lambda refuses it.
    fn url_owner(
        &self,
        ctx: &Ctx,
        reference: &str,
        qualifier: Option<&str>,
    ) -> Result<(String, String), LambdaError> {
        let function = names::parse(ctx, reference, qualifier)?;
        if let Some(q) = function.qualifier.as_deref()
            && names::is_version(q)
            && q != "$LATEST"
        {
            return Err(invalid(
                "1 validation error detected: Value '".to_string()
                    + q
                    + "' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)",
            ));
        }
        self.resolve(ctx, reference, qualifier)?;
        Ok((function.name, function.qualifier.unwrap_or_default()))
    }

    /// The target a URL ID leads to.
    pub fn url_target(&self, url_id: &str) -> Option<UrlTarget> {
        self.url_targets.get(url_id)
    }

    pub(crate) async fn create_function_url_config(
        &self,
        ctx: &Ctx,
        input: CreateFunctionUrlConfigRequest,
    ) -> Result<CreateFunctionUrlConfigResponse, LambdaError> {
        let (name, qualifier) =
            self.url_owner(ctx, &input.function_name, input.qualifier.as_deref())?;
        let url_id = self
            .kit
            .ids()
            .random_word(b"abcdefghijklmnopqrstuvwxyz0123456789", 32);
        let now = self.last_modified();
        let config = FunctionUrlConfig {
            function_url: format!("https://{url_id}.lambda-url.{}.on.aws/", ctx.region),
            function_arn: names::qualified_arn(
                ctx,
                &name,
                (!qualifier.is_empty()).then_some(qualifier.as_str()),
            ),
            creation_time: now.clone(),
            last_modified_time: now,
            cors: input.cors.clone(),
            auth_type: input.auth_type.clone(),
            invoke_mode: Some(
                input
                    .invoke_mode
                    .clone()
                    .unwrap_or_else(|| "BUFFERED".into()),
            ),
        };
        let target = UrlTarget {
            account_id: ctx.account_id.clone(),
            region: ctx.region.clone(),
            function: name.clone(),
            qualifier: qualifier.clone(),
        };
        let key = self.function_key(ctx, &name);
        self.kit.store().transaction(|txn| {
            txn.modify(&self.functions, &key, |slot| {
                let record = slot.as_mut().ok_or_else(|| names::function_not_found(ctx, &name, None))?;
                if record.urls.contains_key(&qualifier) {
                    return Err(LambdaError::ResourceConflict(format!(
                        "Failed to create function url config for [functionArn = {}]. Error message:  FunctionUrlConfig exists for this Lambda function",
                        config.function_arn
                    )));
                }
                record.urls.insert(qualifier.clone(), UrlRecord { url_id: url_id.clone(), config: config.clone() });
                Ok(())
            })?;
            txn.insert(&self.url_targets, &url_id, target.clone())?;
            Ok::<_, LambdaError>(())
        })?;
        Ok(CreateFunctionUrlConfigResponse {
            function_url: config.function_url,
            function_arn: config.function_arn,
            auth_type: config.auth_type,
            cors: config.cors,
            creation_time: config.creation_time,
            invoke_mode: config.invoke_mode,
        })
    }

    fn url_config(
        &self,
        ctx: &Ctx,
        reference: &str,
        qualifier: Option<&str>,
    ) -> Result<FunctionUrlConfig, LambdaError> {
        let (name, qualifier) = self.url_owner(ctx, reference, qualifier)?;
        let record = self
            .functions
            .get(&self.function_key(ctx, &name))
            .ok_or_else(|| names::function_not_found(ctx, &name, None))?;
        record
            .urls
            .get(&qualifier)
            .map(|url| url.config.clone())
            .ok_or_else(url_not_found)
    }

    pub(crate) async fn get_function_url_config(
        &self,
        ctx: &Ctx,
        input: GetFunctionUrlConfigRequest,
    ) -> Result<GetFunctionUrlConfigResponse, LambdaError> {
        let config = self.url_config(ctx, &input.function_name, input.qualifier.as_deref())?;
        Ok(GetFunctionUrlConfigResponse {
            function_url: config.function_url,
            function_arn: config.function_arn,
            auth_type: config.auth_type,
            cors: config.cors,
            creation_time: config.creation_time,
            last_modified_time: config.last_modified_time,
            invoke_mode: config.invoke_mode,
        })
    }

    pub(crate) async fn update_function_url_config(
        &self,
        ctx: &Ctx,
        input: UpdateFunctionUrlConfigRequest,
    ) -> Result<UpdateFunctionUrlConfigResponse, LambdaError> {
        let (name, qualifier) =
            self.url_owner(ctx, &input.function_name, input.qualifier.as_deref())?;
        let now = self.last_modified();
        let config = self
            .functions
            .modify(&self.function_key(ctx, &name), |slot| {
                let record = slot
                    .as_mut()
                    .ok_or_else(|| names::function_not_found(ctx, &name, None))?;
                let url = record.urls.get_mut(&qualifier).ok_or_else(url_not_found)?;
                if let Some(auth) = &input.auth_type {
                    url.config.auth_type = auth.clone();
                }
                if let Some(cors) = &input.cors {
                    url.config.cors = Some(cors.clone());
                }
                if let Some(mode) = &input.invoke_mode {
                    url.config.invoke_mode = Some(mode.clone());
                }
                url.config.last_modified_time = now.clone();
                Ok::<_, LambdaError>(url.config.clone())
            })?;
        Ok(UpdateFunctionUrlConfigResponse {
            function_url: config.function_url,
            function_arn: config.function_arn,
            auth_type: config.auth_type,
            cors: config.cors,
            creation_time: config.creation_time,
            last_modified_time: config.last_modified_time,
            invoke_mode: config.invoke_mode,
        })
    }

    pub(crate) async fn delete_function_url_config(
        &self,
        ctx: &Ctx,
        input: DeleteFunctionUrlConfigRequest,
    ) -> Result<(), LambdaError> {
        let (name, qualifier) =
            self.url_owner(ctx, &input.function_name, input.qualifier.as_deref())?;
        let key = self.function_key(ctx, &name);
        self.kit.store().transaction(|txn| {
            let removed = txn.modify(&self.functions, &key, |slot| {
                let record = slot
                    .as_mut()
                    .ok_or_else(|| names::function_not_found(ctx, &name, None))?;
                record.urls.remove(&qualifier).ok_or_else(url_not_found)
            })?;
            txn.remove(&self.url_targets, &removed.url_id)?;
            Ok::<_, LambdaError>(())
        })
    }

    pub(crate) async fn list_function_url_configs(
        &self,
        ctx: &Ctx,
        input: ListFunctionUrlConfigsRequest,
    ) -> Result<ListFunctionUrlConfigsResponse, LambdaError> {
        let (_, record) = self.function(ctx, &input.function_name)?;
        let entries = record
            .urls
            .into_iter()
            .map(|(qualifier, url)| (qualifier, url.config))
            .collect();
        let page = page_of(entries, input.marker.as_deref(), input.max_items)?;
        Ok(ListFunctionUrlConfigsResponse {
            function_url_configs: page.items,
            next_marker: page.next,
        })
    }
}
