//! Service settings (GetServiceSetting, UpdateServiceSetting, ResetServiceSetting): the
//! account-level switches SSM documents, each with AWS's default until the account changes it.

use serde::{Deserialize, Serialize};
use sim_aws_shapes::normal::Timestamp;
use sim_aws_shapes::ssm::{
    GetServiceSettingRequest, GetServiceSettingResult, ResetServiceSettingRequest,
    ResetServiceSettingResult, ServiceSetting, UpdateServiceSettingRequest,
    UpdateServiceSettingResult,
};

use super::{Ssm, SsmError};
use crate::services::Ctx;

/// Each setting SSM has, with its default value and the values it accepts (any when empty).
const SETTINGS: &[(&str, &str, &[&str])] = &[
    (
        "/ssm/automation/customer-script-log-destination",
        "NONE",
        &["NONE", "CloudWatch"],
    ),
    ("/ssm/automation/customer-script-log-group-name", "", &[]),
    (
        "/ssm/documents/console/public-sharing-permission",
        "Enable",
        &["Enable", "Disable"],
    ),
    (
        "/ssm/managed-instance/activation-tier",
        "standard",
        &["standard", "advanced"],
    ),
    (
        "/ssm/managed-instance/default-ec2-instance-management-role",
        "",
        &[],
    ),
    (
        "/ssm/opsinsights/opscenter",
        "Disabled",
        &["Enabled", "Disabled"],
    ),
    (
        "/ssm/parameter-store/default-parameter-tier",
        "Standard",
        &["Standard", "Advanced", "Intelligent-Tiering"],
    ),
    (
        "/ssm/parameter-store/high-throughput-enabled",
        "false",
        &["true", "false"],
    ),
];

/// A setting the account changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingRecord {
    pub value: String,
    pub modified: i64,
    pub user: String,
}

fn not_found(id: &str) -> SsmError {
    SsmError::new(
        "ServiceSettingNotFound",
        format!("No setting was found for the setting ID {id}."),
    )
}

/// The setting a request names, by path (`/ssm/...`) or ARN.
fn resolve(
    ctx: &Ctx,
    id: &str,
) -> Result<(&'static str, &'static str, &'static [&'static str]), SsmError> {
    let path = match id.strip_prefix(&ctx.arn("ssm", "servicesetting")) {
        Some(path) => path,
        None => id,
    };
    SETTINGS
        .iter()
        .find(|(known, _, _)| *known == path)
        .copied()
        .ok_or_else(|| not_found(id))
}

impl Ssm {
    fn setting_key(ctx: &Ctx, path: &str) -> String {
        format!("{}{path}", ctx.scope())
    }

    fn service_setting(&self, ctx: &Ctx, path: &str, default: &str) -> ServiceSetting {
        let stored = self.settings.get(&Self::setting_key(ctx, path));
        ServiceSetting {
            setting_id: Some(path.to_owned()),
            setting_value: Some(
                stored
                    .as_ref()
                    .map_or_else(|| default.to_owned(), |s| s.value.clone()),
            ),
            last_modified_date: Some(Timestamp(stored.as_ref().map_or(0, |s| s.modified))),
            last_modified_user: Some(
                stored
                    .as_ref()
                    .map_or_else(|| "System".to_owned(), |s| s.user.clone()),
            ),
            arn: Some(ctx.arn("ssm", &format!("servicesetting{path}"))),
            status: Some(
                if stored.is_some() {
                    "Customized"
                } else {
                    "Default"
                }
                .to_owned(),
            ),
        }
    }

    pub(super) async fn get_service_setting(
        &self,
        ctx: &Ctx,
        input: GetServiceSettingRequest,
    ) -> Result<GetServiceSettingResult, SsmError> {
        let (path, default, _) = resolve(ctx, &input.setting_id)?;
        Ok(GetServiceSettingResult {
            service_setting: Some(self.service_setting(ctx, path, default)),
        })
    }

    pub(super) async fn update_service_setting(
        &self,
        ctx: &Ctx,
        input: UpdateServiceSettingRequest,
    ) -> Result<UpdateServiceSettingResult, SsmError> {
        let (path, _, accepted) = resolve(ctx, &input.setting_id)?;
        if !accepted.is_empty() && !accepted.contains(&input.setting_value.as_str()) {
            return Err(SsmError::validation(format!(
                "The value {} is not valid for the setting {path}. Valid values: {}.",
                input.setting_value,
                accepted.join(", ")
            )));
        }
        self.settings.insert(
            &Self::setting_key(ctx, path),
            SettingRecord {
                value: input.setting_value,
                modified: self.now(),
                user: ctx.caller.arn.clone(),
            },
        )?;
        Ok(UpdateServiceSettingResult {})
    }

    pub(super) async fn reset_service_setting(
        &self,
        ctx: &Ctx,
        input: ResetServiceSettingRequest,
    ) -> Result<ResetServiceSettingResult, SsmError> {
        let (path, default, _) = resolve(ctx, &input.setting_id)?;
        self.settings.remove(&Self::setting_key(ctx, path))?;
        Ok(ResetServiceSettingResult {
            service_setting: Some(self.service_setting(ctx, path, default)),
        })
    }
}
