//! Account settings: per principal (a user, a role, or the root user, whose settings are the
//! account's defaults), per Region. A principal's effective value of a setting is its own, else
//! the root user's, else the value ECS uses when nobody set one.
//!
//! The settings with behaviour here: `containerInsights` is the default of new clusters'
//! setting of that name. The long ARN formats are stored and listed; the simulator's ARNs are
//! always the long ones, which AWS made the only format for new resources.

use sim_aws_shapes::ecs::{
    DeleteAccountSettingRequest, DeleteAccountSettingResponse, ListAccountSettingsRequest,
    ListAccountSettingsResponse, PutAccountSettingDefaultRequest, PutAccountSettingDefaultResponse,
    PutAccountSettingRequest, PutAccountSettingResponse, Setting,
};

use super::{Ecs, EcsError, page};
use crate::services::Ctx;

/// A stored setting: the shape ECS answers with.
pub type SettingRecord = Setting;

/// Every setting, with the value ECS uses when nobody set one.
const DEFAULTS: [(&str, &str); 11] = [
    ("awsvpcTrunking", "disabled"),
    ("containerInsights", "disabled"),
    ("containerInstanceLongArnFormat", "enabled"),
    ("defaultLogDriverMode", "non-blocking"),
    ("fargateEventWindows", "disabled"),
    ("fargateFIPSMode", "disabled"),
    ("fargateTaskRetirementWaitPeriod", "7"),
    ("guardDutyActivate", "off"),
    ("serviceLongArnFormat", "enabled"),
    ("tagResourceAuthorization", "on"),
    ("taskLongArnFormat", "enabled"),
];

/// The values a setting accepts.
fn allowed_values(name: &str) -> &'static [&'static str] {
    match name {
        "containerInsights" => &["enabled", "disabled", "enhanced"],
        "fargateTaskRetirementWaitPeriod" => &["0", "7", "14"],
        "defaultLogDriverMode" => &["blocking", "non-blocking"],
        "tagResourceAuthorization" => &["on", "off"],
        "guardDutyActivate" => &["on", "off"],
        _ => &["enabled", "disabled"],
    }
}

fn default_of(name: &str) -> &'static str {
    DEFAULTS
        .iter()
        .find(|(setting, _)| *setting == name)
        .map_or("disabled", |(_, value)| value)
}

/// Who manages a setting: AWS manages `guardDutyActivate`, users the rest.
fn kind_of(name: &str) -> &'static str {
    if name == "guardDutyActivate" {
        "aws_managed"
    } else {
        "user"
    }
}

fn check_value(name: &str, value: &str) -> Result<(), EcsError> {
    if name == "guardDutyActivate" {
        return Err(EcsError::InvalidParameter(
            "guardDutyActivate is a read-only setting: GuardDuty manages it on your behalf.".into(),
        ));
    }
    let allowed = allowed_values(name);
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(EcsError::InvalidParameter(format!(
            "Invalid value {value} for setting {name}. Valid values are: {}.",
            allowed.join(", ")
        )))
    }
}

impl Ecs {
    fn root_arn(ctx: &Ctx) -> String {
        format!("arn:aws:iam::{}:root", ctx.account_id)
    }

    fn setting_key(ctx: &Ctx, principal: &str, name: &str) -> String {
        format!("{}{principal}\u{0}{name}", ctx.scope())
    }

    fn stored_setting(&self, ctx: &Ctx, principal: &str, name: &str) -> Option<Setting> {
        self.settings.get(&Self::setting_key(ctx, principal, name))
    }

    /// The setting that applies to `principal`: its own, the account's, or ECS's default.
    fn effective(&self, ctx: &Ctx, principal: &str, name: &str) -> Setting {
        let root = Self::root_arn(ctx);
        self.stored_setting(ctx, principal, name)
            .or_else(|| self.stored_setting(ctx, &root, name))
            .unwrap_or_else(|| Setting {
                name: Some(name.to_string()),
                value: Some(default_of(name).to_string()),
                principal_arn: Some(root),
                r#type: Some(kind_of(name).to_string()),
            })
    }

    /// The value of `name` that applies to the caller.
    pub(super) fn effective_setting(&self, ctx: &Ctx, name: &str) -> String {
        self.effective(ctx, &ctx.caller.arn, name)
            .value
            .unwrap_or_default()
    }

    fn store_setting(
        &self,
        ctx: &Ctx,
        principal: &str,
        name: &str,
        value: &str,
    ) -> Result<Setting, EcsError> {
        check_value(name, value)?;
        let setting = Setting {
            name: Some(name.to_string()),
            value: Some(value.to_string()),
            principal_arn: Some(principal.to_string()),
            r#type: Some(kind_of(name).to_string()),
        };
        self.settings
            .insert(&Self::setting_key(ctx, principal, name), setting.clone())?;
        Ok(setting)
    }

    pub(super) async fn put_account_setting(
        &self,
        ctx: &Ctx,
        input: PutAccountSettingRequest,
    ) -> Result<PutAccountSettingResponse, EcsError> {
        let principal = input
            .principal_arn
            .unwrap_or_else(|| ctx.caller.arn.clone());
        let root = Self::root_arn(ctx);
        if input.name == "fargateFIPSMode" {
            return Err(EcsError::InvalidParameter(
                "fargateFIPSMode can only be set for the account, with PutAccountSettingDefault."
                    .into(),
            ));
        }
        if input.name == "fargateTaskRetirementWaitPeriod" && principal != root {
            return Err(EcsError::InvalidParameter(
                "fargateTaskRetirementWaitPeriod can only be set by the root user for the account."
                    .into(),
            ));
        }
        let setting = self.store_setting(ctx, &principal, &input.name, &input.value)?;
        Ok(PutAccountSettingResponse {
            setting: Some(setting),
        })
    }

    pub(super) async fn put_account_setting_default(
        &self,
        ctx: &Ctx,
        input: PutAccountSettingDefaultRequest,
    ) -> Result<PutAccountSettingDefaultResponse, EcsError> {
        let root = Self::root_arn(ctx);
        let setting = self.store_setting(ctx, &root, &input.name, &input.value)?;
        Ok(PutAccountSettingDefaultResponse {
            setting: Some(setting),
        })
    }

    pub(super) async fn delete_account_setting(
        &self,
        ctx: &Ctx,
        input: DeleteAccountSettingRequest,
    ) -> Result<DeleteAccountSettingResponse, EcsError> {
        let principal = input
            .principal_arn
            .unwrap_or_else(|| ctx.caller.arn.clone());
        if input.name == "guardDutyActivate" {
            return Err(EcsError::InvalidParameter(
                "guardDutyActivate is a read-only setting: GuardDuty manages it on your behalf."
                    .into(),
            ));
        }
        let removed = self
            .settings
            .remove(&Self::setting_key(ctx, &principal, &input.name))?;
        // Without a setting of its own, the principal is answered with the value it now gets.
        let setting = removed.unwrap_or_else(|| Setting {
            principal_arn: Some(principal.clone()),
            ..self.effective(ctx, &principal, &input.name)
        });
        Ok(DeleteAccountSettingResponse {
            setting: Some(setting),
        })
    }

    pub(super) async fn list_account_settings(
        &self,
        ctx: &Ctx,
        input: ListAccountSettingsRequest,
    ) -> Result<ListAccountSettingsResponse, EcsError> {
        if input.value.is_some() && input.name.is_none() {
            return Err(EcsError::InvalidParameter(
                "The value parameter requires that the name parameter also be specified.".into(),
            ));
        }
        let principal = input
            .principal_arn
            .unwrap_or_else(|| ctx.caller.arn.clone());
        let settings: Vec<Setting> = if input.effective_settings.unwrap_or(false) {
            DEFAULTS
                .iter()
                .map(|(name, _)| self.effective(ctx, &principal, name))
                .collect()
        } else {
            self.settings
                .scan_prefix(&format!("{}{principal}\u{0}", ctx.scope()))
                .into_iter()
                .map(|(_, setting)| setting)
                .collect()
        };
        let selected = settings
            .into_iter()
            .filter(|s| input.name.is_none() || s.name == input.name)
            .filter(|s| input.value.is_none() || s.value == input.value)
            .map(|s| (s.name.clone().unwrap_or_default(), s))
            .collect();
        let (settings, next_token) =
            page(selected, input.next_token.as_deref(), input.max_results, 10)?;
        Ok(ListAccountSettingsResponse {
            settings: Some(settings),
            next_token,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_checked_per_setting() {
        assert!(check_value("containerInsights", "enhanced").is_ok());
        assert!(check_value("serviceLongArnFormat", "enhanced").is_err());
        assert!(check_value("fargateTaskRetirementWaitPeriod", "14").is_ok());
        assert!(check_value("fargateTaskRetirementWaitPeriod", "3").is_err());
        assert!(check_value("guardDutyActivate", "on").is_err());
        assert_eq!(default_of("taskLongArnFormat"), "enabled");
        assert_eq!(kind_of("guardDutyActivate"), "aws_managed");
    }
}
