//! Aliases: CreateAlias, GetAlias, UpdateAlias (with RevisionId), DeleteAlias, ListAliases.
//! An alias points at a published version (or `$LATEST`) and may route a share of invocations
//! to one other version (`RoutingConfig.AdditionalVersionWeights`).

use sim_aws_shapes::lambda::{
    AliasConfiguration, AliasRoutingConfiguration, CreateAliasRequest, DeleteAliasRequest,
    GetAliasRequest, ListAliasesRequest, ListAliasesResponse, UpdateAliasRequest,
};

use super::functions::page_of;
use super::names;
use super::{Lambda, LambdaError, invalid};
use crate::services::Ctx;

impl Lambda {
    fn alias_key(&self, ctx: &Ctx, function: &str, alias: &str) -> String {
        format!("{}{function}\0{alias}", ctx.scope())
    }

    fn alias_arn(ctx: &Ctx, function: &str, alias: &str) -> String {
        names::qualified_arn(ctx, function, Some(alias))
    }

    /// Checks that `version` exists (`$LATEST` or a published number) and that routing sends
    /// its extra share to one other published version.
    fn check_alias_target(
        &self,
        ctx: &Ctx,
        function: &str,
        version: &str,
        routing: Option<&AliasRoutingConfiguration>,
    ) -> Result<(), LambdaError> {
        let exists = |version: &str| {
            version == "$LATEST"
                || version
                    .parse::<u64>()
                    .is_ok_and(|n| self.versions.contains(&self.version_key(ctx, function, n)))
        };
        if !exists(version) {
            return Err(names::function_not_found(ctx, function, Some(version)));
        }
        if let Some(weights) = routing.and_then(|r| r.additional_version_weights.as_ref()) {
            if weights.len() > 1 {
                return Err(invalid(
                    "Number of items in AdditionalVersionWeights cannot be greater than 1",
                ));
            }
            for (other, weight) in weights {
                if !(0.0..=1.0).contains(weight) {
                    return Err(invalid("Invalid function version weight."));
                }
                if other == version {
                    return Err(invalid(format!(
                        "Invalid function version {other}. Function version {other} is already included in routing configuration."
                    )));
                }
                if other == "$LATEST" || version == "$LATEST" {
                    return Err(invalid(
                        "$LATEST is not supported for an alias pointing to more than 1 version",
                    ));
                }
                if !exists(other) {
                    return Err(names::function_not_found(ctx, function, Some(other)));
                }
            }
        }
        Ok(())
    }

    pub(crate) async fn create_alias(
        &self,
        ctx: &Ctx,
        input: CreateAliasRequest,
    ) -> Result<AliasConfiguration, LambdaError> {
        let (function, _) = self.function(ctx, &input.function_name)?;
        if names::is_version(&input.name) {
            return Err(invalid(format!("Alias name {} is not valid.", input.name)));
        }
        self.check_alias_target(
            ctx,
            &function.name,
            &input.function_version,
            input.routing_config.as_ref(),
        )?;
        let arn = Self::alias_arn(ctx, &function.name, &input.name);
        let alias = AliasConfiguration {
            alias_arn: Some(arn.clone()),
            name: Some(input.name.clone()),
            function_version: Some(input.function_version.clone()),
            description: Some(input.description.clone().unwrap_or_default()),
            routing_config: input.routing_config.clone(),
            revision_id: Some(self.revision()),
        };
        self.aliases
            .modify(&self.alias_key(ctx, &function.name, &input.name), |slot| {
                if slot.is_some() {
                    return Err(LambdaError::ResourceConflict(format!(
                        "Alias already exists: {arn}"
                    )));
                }
                *slot = Some(alias.clone());
                Ok(())
            })?;
        Ok(alias)
    }

    fn alias_not_found(ctx: &Ctx, function: &str, alias: &str) -> LambdaError {
        LambdaError::ResourceNotFound(format!(
            "Cannot find alias arn: {}",
            Self::alias_arn(ctx, function, alias)
        ))
    }

    pub(crate) async fn get_alias(
        &self,
        ctx: &Ctx,
        input: GetAliasRequest,
    ) -> Result<AliasConfiguration, LambdaError> {
        let (function, _) = self.function(ctx, &input.function_name)?;
        self.aliases
            .get(&self.alias_key(ctx, &function.name, &input.name))
            .ok_or_else(|| Self::alias_not_found(ctx, &function.name, &input.name))
    }

    pub(crate) async fn update_alias(
        &self,
        ctx: &Ctx,
        input: UpdateAliasRequest,
    ) -> Result<AliasConfiguration, LambdaError> {
        let (function, _) = self.function(ctx, &input.function_name)?;
        let key = self.alias_key(ctx, &function.name, &input.name);
        let current = self
            .aliases
            .get(&key)
            .ok_or_else(|| Self::alias_not_found(ctx, &function.name, &input.name))?;
        if let Some(revision) = &input.revision_id
            && current.revision_id.as_ref() != Some(revision)
        {
            return Err(LambdaError::PreconditionFailed(
                "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id".into(),
            ));
        }
        let version = input
            .function_version
            .clone()
            .or(current.function_version.clone())
            .unwrap_or_default();
        let routing = input
            .routing_config
            .clone()
            .or(current.routing_config.clone());
        self.check_alias_target(ctx, &function.name, &version, routing.as_ref())?;
        let revision = self.revision();
        self.aliases
            .update(&key, |alias| {
                alias.function_version = Some(version.clone());
                if let Some(description) = &input.description {
                    alias.description = Some(description.clone());
                }
                if input.routing_config.is_some() {
                    alias.routing_config = input.routing_config.clone();
                }
                alias.revision_id = Some(revision.clone());
                alias.clone()
            })?
            .ok_or_else(|| Self::alias_not_found(ctx, &function.name, &input.name))
    }

    pub(crate) async fn delete_alias(
        &self,
        ctx: &Ctx,
        input: DeleteAliasRequest,
    ) -> Result<(), LambdaError> {
        let (function, _) = self.function(ctx, &input.function_name)?;
        self.aliases
            .remove(&self.alias_key(ctx, &function.name, &input.name))?;
        Ok(())
    }

    pub(crate) async fn list_aliases(
        &self,
        ctx: &Ctx,
        input: ListAliasesRequest,
    ) -> Result<ListAliasesResponse, LambdaError> {
        let (function, _) = self.function(ctx, &input.function_name)?;
        let entries = self
            .aliases
            .scan_prefix(&format!("{}{}\0", ctx.scope(), function.name))
            .into_iter()
            .filter(|(_, alias)| {
                input.function_version.is_none() || alias.function_version == input.function_version
            })
            .map(|(key, alias)| {
                (
                    key.rsplit('\0').next().unwrap_or_default().to_string(),
                    alias,
                )
            })
            .collect();
        let page = page_of(entries, input.marker.as_deref(), input.max_items)?;
        Ok(ListAliasesResponse {
            aliases: Some(page.items),
            next_marker: page.next,
        })
    }
}
