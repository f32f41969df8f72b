//! Account-wide views: `GetAccountSummary` (real counts and IAM's quotas), the credential report
//! (`GenerateCredentialReport`, `GetCredentialReport`: a real CSV of the root user and every
//! user, with AWS's columns and its `N/A`, `no_information` and `not_supported` values), and
//! `GetAccountAuthorizationDetails` (users, groups, roles and managed policies with everything
//! attached to them, filtered and paged with one marker across the four lists).
//!
//! A report is generated at once and kept in the account's store for four hours, as AWS keeps
//! it; the first `GenerateCredentialReport` answers `STARTED` (AWS's answer when no report
//! exists), later ones `COMPLETE` until the report is four hours old.
//!
//! Limits: the root user has no password, MFA or signing certificates in the simulator.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sim_aws_shapes::iam::{
    AttachedPolicy, GenerateCredentialReportResponse, GetAccountAuthorizationDetailsRequest,
    GetAccountAuthorizationDetailsResponse, GetAccountSummaryResponse, GetCredentialReportResponse,
    GroupDetail, ManagedPolicyDetail, PolicyDetail, PolicyVersion, RoleDetail, RoleLastUsed,
    UserDetail,
};
use sim_aws_shapes::normal::Blob;

use super::access_keys::StoredAccessKey;
use super::instance_profiles::ProfileTags;
use super::paging::paginate;
use super::policies::{Policy, PolicyArn, Usage};
use super::roles::boundary;
use super::users::User;
use super::{Iam, IamError, encode_document, timestamp};
use crate::services::Ctx;

/// How long a credential report stays current (AWS: four hours).
const REPORT_LIFETIME_MS: i64 = 4 * 3600 * 1000;

/// A generated credential report, kept per account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialReport {
    pub generated_ms: i64,
    pub csv: String,
}

/// The credential report's columns, in AWS's order.
const REPORT_COLUMNS: &[&str] = &[
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_1_last_used_region",
    "access_key_1_last_used_service",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
    "access_key_2_last_used_region",
    "access_key_2_last_used_service",
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
];

/// A time as the credential report writes it: `2016-03-24T21:02:59+00:00`.
fn report_time(millis: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(millis.div_euclid(1000))
        .ok()
        .and_then(|time| {
            time.format(time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second]+00:00"
            ))
            .ok()
        })
        .unwrap_or_else(|| "N/A".into())
}

/// The eight columns of one access key slot.
fn key_columns(key: Option<&StoredAccessKey>) -> [String; 5] {
    let Some(key) = key else {
        return [
            "false".into(),
            "N/A".into(),
            "N/A".into(),
            "N/A".into(),
            "N/A".into(),
        ];
    };
    let (date, region, service) = match &key.last_used {
        Some(used) => (
            report_time(used.date_ms),
            used.region.clone(),
            used.service_name.clone(),
        ),
        None => ("N/A".into(), "N/A".into(), "N/A".into()),
    };
    [
        (key.status == "Active").to_string(),
        report_time(key.create_date_ms),
        date,
        region,
        service,
    ]
}

/// One CSV field, quoted when it must be.
fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

impl Iam {
    /// The access keys of a user (or of the root user, `None`), oldest first.
    fn report_keys(&self, ctx: &Ctx, user: Option<&User>) -> Vec<StoredAccessKey> {
        let mut keys: Vec<(String, StoredAccessKey)> = match user {
            Some(user) => user
                .access_key_ids
                .iter()
                .filter_map(|id| Some((id.clone(), self.access_keys.get(id)?)))
                .collect(),
            None => self
                .access_keys
                .all()
                .into_iter()
                .filter(|(_, key)| key.account_id == ctx.account_id && key.user_name.is_none())
                .collect(),
        };
        keys.sort_by(|(left_id, left), (right_id, right)| {
            (left.create_date_ms, left_id).cmp(&(right.create_date_ms, right_id))
        });
        keys.into_iter().map(|(_, key)| key).collect()
    }

    /// The report's rows: the root user first, then every user by name.
    fn credential_report_csv(&self, ctx: &Ctx) -> String {
        let settings = self.account_settings(ctx);
        let max_age_days = settings
            .password_policy
            .as_ref()
            .and_then(|policy| policy.max_password_age);
        let mfa_users: Vec<String> = self
            .account_mfa_devices(ctx)
            .into_iter()
            .filter_map(|device| device.user_name.map(|name| name.to_ascii_lowercase()))
            .collect();
        let mut rows = vec![REPORT_COLUMNS.join(",")];
        let root_keys = self.report_keys(ctx, None);
        let mut root = vec![
            "<root_account>".to_string(),
            format!("arn:aws:iam::{}:root", ctx.account_id),
            report_time(settings.created_ms),
            "not_supported".into(),
            "no_information".into(),
            "not_supported".into(),
            "not_supported".into(),
            "false".into(),
        ];
        root.extend(key_columns(root_keys.first()));
        root.extend(key_columns(root_keys.get(1)));
        root.extend(["false", "N/A", "false", "N/A"].map(String::from));
        rows.push(root.join(","));
        for user in self.account_users(ctx) {
            let keys = self.report_keys(ctx, Some(&user));
            let (password_enabled, last_used, last_changed, next_rotation) = match &user
                .login_profile
            {
                Some(profile) => (
                    "true".to_string(),
                    user.password_last_used_ms
                        .map_or_else(|| "no_information".into(), report_time),
                    report_time(profile.last_changed_ms()),
                    max_age_days.map_or_else(
                        || "N/A".into(),
                        |days| {
                            report_time(profile.last_changed_ms() + i64::from(days) * 86_400_000)
                        },
                    ),
                ),
                None => ("false".into(), "N/A".into(), "N/A".into(), "N/A".into()),
            };
            let mut row = vec![
                csv_field(&user.user_name),
                csv_field(&user.arn),
                report_time(user.create_date_ms),
                password_enabled,
                last_used,
                last_changed,
                next_rotation,
                mfa_users
                    .contains(&user.user_name.to_ascii_lowercase())
                    .to_string(),
            ];
            row.extend(key_columns(keys.first()));
            row.extend(key_columns(keys.get(1)));
            for slot in 0..2 {
                match user.signing_certificates.get(slot) {
                    Some(certificate) => {
                        row.push((certificate.status == "Active").to_string());
                        row.push(report_time(certificate.upload_ms));
                    }
                    None => row.extend(["false".to_string(), "N/A".to_string()]),
                }
            }
            rows.push(row.join(","));
        }
        rows.join("\n")
    }

    pub(super) async fn generate_credential_report(
        &self,
        ctx: &Ctx,
        _input: (),
    ) -> Result<GenerateCredentialReportResponse, IamError> {
        let now = self.kit.clock().now_millis();
        let current = self
            .credential_reports
            .get(&ctx.account_id)
            .filter(|report| now - report.generated_ms < REPORT_LIFETIME_MS);
        if current.is_some() {
            return Ok(GenerateCredentialReportResponse {
                state: Some("COMPLETE".into()),
                description: None,
            });
        }
        let report = CredentialReport {
            generated_ms: self.now_millis(),
            csv: self.credential_report_csv(ctx),
        };
        self.credential_reports.insert(&ctx.account_id, report)?;
        Ok(GenerateCredentialReportResponse {
            state: Some("STARTED".into()),
            description: Some("No report exists. Starting a new report generation task".into()),
        })
    }

    pub(super) async fn get_credential_report(
        &self,
        ctx: &Ctx,
        _input: (),
    ) -> Result<GetCredentialReportResponse, IamError> {
        let report = self
            .credential_reports
            .get(&ctx.account_id)
            .ok_or_else(|| IamError::CredentialReportNotPresent(String::new()))?;
        if self.kit.clock().now_millis() - report.generated_ms >= REPORT_LIFETIME_MS {
            return Err(IamError::CredentialReportExpired(
                "The request was rejected because the most recent credential report has \
                 expired. To generate a new credential report, use GenerateCredentialReport."
                    .into(),
            ));
        }
        Ok(GetCredentialReportResponse {
            content: Some(Blob(report.csv.into_bytes())),
            report_format: Some("text/csv".into()),
            generated_time: Some(timestamp(report.generated_ms)),
        })
    }

    pub(super) async fn get_account_summary(
        &self,
        ctx: &Ctx,
        _input: (),
    ) -> Result<GetAccountSummaryResponse, IamError> {
        let settings = self.account_settings(ctx);
        let policies = self.account_policies(ctx);
        let devices = self.account_mfa_devices(ctx);
        let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
        let root_keys = self.report_keys(ctx, None).len();
        let prefix = super::account_prefix(&ctx.account_id);
        let summary: BTreeMap<String, i32> = [
            ("AccessKeysPerUserQuota", 2),
            ("AccountAccessKeysPresent", i32::from(root_keys > 0)),
            ("AccountMFAEnabled", 0),
            ("AccountPasswordPresent", 0),
            ("AccountSigningCertificatesPresent", 0),
            ("AssumeRolePolicySizeQuota", 2048),
            ("AttachedPoliciesPerGroupQuota", 10),
            ("AttachedPoliciesPerRoleQuota", 10),
            ("AttachedPoliciesPerUserQuota", 10),
            ("GlobalEndpointTokenVersion", settings.token_version()),
            ("GroupPolicySizeQuota", 5120),
            ("Groups", count(self.account_groups(ctx).len())),
            ("GroupsPerUserQuota", 10),
            ("GroupsQuota", 300),
            (
                "InstanceProfiles",
                count(self.account_instance_profiles(ctx).len()),
            ),
            ("InstanceProfilesQuota", 1000),
            ("MFADevices", count(devices.len())),
            (
                "MFADevicesInUse",
                count(devices.iter().filter(|d| d.user_name.is_some()).count()),
            ),
            ("Policies", count(policies.len())),
            ("PoliciesQuota", 1500),
            ("PolicySizeQuota", 6144),
            (
                "PolicyVersionsInUse",
                count(policies.iter().map(|policy| policy.versions.len()).sum()),
            ),
            ("PolicyVersionsInUseQuota", 10000),
            (
                "Providers",
                count(
                    self.oidc_providers.scan_prefix(&prefix).len()
                        + self.saml_providers.scan_prefix(&prefix).len(),
                ),
            ),
            ("RolePolicySizeQuota", 10240),
            ("Roles", count(self.account_roles(ctx).len())),
            ("RolesQuota", 1000),
            (
                "ServerCertificates",
                count(self.account_server_certificates(ctx).len()),
            ),
            ("ServerCertificatesQuota", 20),
            ("SigningCertificatesPerUserQuota", 2),
            ("UserPolicySizeQuota", 2048),
            ("Users", count(self.account_users(ctx).len())),
            ("UsersQuota", 5000),
            ("VersionsPerPolicyQuota", 5),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_string(), value))
        .collect();
        Ok(GetAccountSummaryResponse {
            summary_map: Some(summary),
        })
    }

    pub(super) async fn get_account_authorization_details(
        &self,
        ctx: &Ctx,
        input: GetAccountAuthorizationDetailsRequest,
    ) -> Result<GetAccountAuthorizationDetailsResponse, IamError> {
        let filter = input.filter.unwrap_or_default();
        let wanted = |kind: &str| filter.is_empty() || filter.iter().any(|f| f == kind);
        let mut entries: Vec<(String, Detail)> = Vec::new();
        if wanted("User") {
            for user in self.account_users(ctx) {
                let position = format!("0/{}", user.user_name.to_ascii_lowercase());
                entries.push((position, Detail::User(Box::new(self.user_detail(user)))));
            }
        }
        if wanted("Group") {
            for group in self.account_groups(ctx) {
                let position = format!("1/{}", group.group_name.to_ascii_lowercase());
                let detail = GroupDetail {
                    path: Some(group.path.clone()),
                    group_name: Some(group.group_name.clone()),
                    group_id: Some(group.group_id.clone()),
                    arn: Some(group.arn.clone()),
                    create_date: Some(timestamp(group.create_date_ms)),
                    group_policy_list: Some(policy_details(&group.inline_policies)),
                    attached_managed_policies: Some(attached_list(&group.attached_policies)),
                };
                entries.push((position, Detail::Group(Box::new(detail))));
            }
        }
        if wanted("Role") {
            let profiles = self.account_instance_profiles(ctx);
            for role in self.account_roles(ctx) {
                let position = format!("2/{}", role.role_name.to_ascii_lowercase());
                let instance_profiles = profiles
                    .iter()
                    .filter(|profile| profile.holds(&role.role_name))
                    .map(|profile| self.profile_output(ctx, profile.clone(), ProfileTags::Absent))
                    .collect();
                let detail = RoleDetail {
                    path: Some(role.path.clone()),
                    role_name: Some(role.role_name.clone()),
                    role_id: Some(role.role_id.clone()),
                    arn: Some(role.arn.clone()),
                    create_date: Some(timestamp(role.create_date_ms)),
                    assume_role_policy_document: Some(encode_document(
                        &role.assume_role_policy_document,
                    )),
                    instance_profile_list: Some(instance_profiles),
                    role_policy_list: Some(policy_details(&role.inline_policies)),
                    attached_managed_policies: Some(attached_list(&role.attached_policies)),
                    permissions_boundary: boundary(&role.permissions_boundary),
                    tags: Some(role.tags.clone()),
                    role_last_used: Some(RoleLastUsed::default()),
                };
                entries.push((position, Detail::Role(Box::new(detail))));
            }
        }
        let (local, aws) = (wanted("LocalManagedPolicy"), wanted("AWSManagedPolicy"));
        if local || aws {
            let scope = match (local, aws) {
                (true, true) => "All",
                (true, false) => "Local",
                _ => "AWS",
            };
            for (position, policy, usage) in
                self.select_policies(ctx, Some(scope), false, None, None)
            {
                // AWS managed policies appear only where the account uses them.
                if matches!(policy, Policy::Aws(_)) && usage.attachments + usage.boundaries == 0 {
                    continue;
                }
                let detail = managed_policy_detail(&policy, usage);
                entries.push((format!("3/{position}"), Detail::Policy(Box::new(detail))));
            }
        }
        let page = paginate(entries, input.marker.as_deref(), input.max_items)?;
        let mut response = GetAccountAuthorizationDetailsResponse {
            user_detail_list: Some(Vec::new()),
            group_detail_list: Some(Vec::new()),
            role_detail_list: Some(Vec::new()),
            policies: Some(Vec::new()),
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        };
        for detail in page.items {
            match detail {
                Detail::User(user) => response
                    .user_detail_list
                    .get_or_insert_default()
                    .push(*user),
                Detail::Group(group) => response
                    .group_detail_list
                    .get_or_insert_default()
                    .push(*group),
                Detail::Role(role) => response
                    .role_detail_list
                    .get_or_insert_default()
                    .push(*role),
                Detail::Policy(policy) => response.policies.get_or_insert_default().push(*policy),
            }
        }
        Ok(response)
    }

    fn user_detail(&self, user: User) -> UserDetail {
        UserDetail {
            path: Some(user.path.clone()),
            user_name: Some(user.user_name.clone()),
            user_id: Some(user.user_id.clone()),
            arn: Some(user.arn.clone()),
            create_date: Some(timestamp(user.create_date_ms)),
            // AWS leaves the list out when the user has no inline policy.
            user_policy_list: (!user.inline_policies.is_empty())
                .then(|| policy_details(&user.inline_policies)),
            group_list: Some(user.groups.clone()),
            attached_managed_policies: Some(attached_list(&user.attached_policies)),
            permissions_boundary: boundary(&user.permissions_boundary),
            tags: Some(user.tags),
        }
    }
}

/// One entry of the authorization details, before it is sorted into its list.
enum Detail {
    User(Box<UserDetail>),
    Group(Box<GroupDetail>),
    Role(Box<RoleDetail>),
    Policy(Box<ManagedPolicyDetail>),
}

fn policy_details(inline: &BTreeMap<String, String>) -> Vec<PolicyDetail> {
    inline
        .iter()
        .map(|(name, document)| PolicyDetail {
            policy_name: Some(name.clone()),
            policy_document: Some(encode_document(document)),
        })
        .collect()
}

fn attached_list(arns: &[String]) -> Vec<AttachedPolicy> {
    arns.iter()
        .filter_map(|arn| PolicyArn::parse(arn).ok())
        .map(|parsed| AttachedPolicy {
            policy_name: Some(parsed.name.to_string()),
            policy_arn: Some(parsed.arn.to_string()),
        })
        .collect()
}

fn managed_policy_detail(policy: &Policy, usage: Usage) -> ManagedPolicyDetail {
    let listed = policy.listed(usage);
    let default = policy.default_version_id().to_string();
    ManagedPolicyDetail {
        policy_name: listed.policy_name,
        policy_id: listed.policy_id,
        arn: listed.arn,
        path: listed.path,
        default_version_id: listed.default_version_id,
        attachment_count: listed.attachment_count,
        permissions_boundary_usage_count: listed.permissions_boundary_usage_count,
        is_attachable: listed.is_attachable,
        description: None,
        create_date: listed.create_date,
        update_date: listed.update_date,
        policy_version_list: Some(
            policy
                .versions()
                .into_iter()
                .map(|(version_id, document, create_date)| PolicyVersion {
                    document: Some(encode_document(&document)),
                    is_default_version: Some(version_id == default),
                    version_id: Some(version_id),
                    create_date: Some(timestamp(create_date)),
                })
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_times_are_iso_8601_with_offset() {
        assert_eq!(report_time(1_458_853_379_000), "2016-03-24T21:02:59+00:00");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("plain"), "plain");
    }
}
