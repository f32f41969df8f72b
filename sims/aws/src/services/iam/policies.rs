//! Managed policies: customer managed ones (create, read, list, delete, up to five versions,
//! tags) and the AWS managed ones of `managed`, resolved by ARN alike. Also
//! `ListEntitiesForPolicy`.
//!
//! A policy's `AttachmentCount` and `PermissionsBoundaryUsageCount` are not stored: they are
//! counted from the account's roles whenever a policy is answered, so they are always true.
//! `UpdateDate` follows IAM's definition: the creation date while the policy has one version,
//! else the creation date of its newest version.
//!
//! Limits: `ListPolicies` with `PolicyUsageFilter=PermissionsBoundary` keeps the policies some
//! role uses as its boundary, and with `PermissionsPolicy` keeps every policy (any managed
//! policy can be one). `ListEntitiesForPolicy` finds roles only, as the simulator has no users
//! or groups. AWS managed policies have their default version only, and refuse changes with
//! `AccessDenied`.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::managed::{self, AWS_MANAGED, AwsManagedPolicy};
use super::paging::paginate;
use super::roles::Role;
use super::{Iam, IamError, Tag, check_document, encode_document, key, merge_tags, page_tags};
use super::{policy_size, remove_tags};
use crate::services::Ctx;
use crate::services::wire::epoch_seconds;

/// IAM's quota on a managed policy document's size (`PolicySize`).
const MAX_POLICY_SIZE: usize = 6144;

/// IAM keeps at most this many versions of a managed policy.
const MAX_VERSIONS: usize = 5;

/// A stored customer managed policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManagedPolicy {
    pub account_id: String,
    pub policy_name: String,
    pub policy_id: String,
    pub arn: String,
    pub path: String,
    pub description: Option<String>,
    pub create_date_ms: i64,
    pub default_version_id: String,
    /// Oldest first.
    pub versions: Vec<StoredPolicyVersion>,
    /// The number the next version gets: IAM never reuses a deleted version's ID.
    pub next_version: u32,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredPolicyVersion {
    pub version_id: String,
    pub document: String,
    pub create_date_ms: i64,
}

impl ManagedPolicy {
    fn update_date_ms(&self) -> i64 {
        if self.versions.len() <= 1 {
            return self.create_date_ms;
        }
        self.versions
            .iter()
            .map(|version| version.create_date_ms)
            .max()
            .unwrap_or(self.create_date_ms)
    }
}

/// A policy ARN taken apart: `arn:aws:iam::ACCOUNT:policy{path}{name}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PolicyArn<'a> {
    pub arn: &'a str,
    pub account: &'a str,
    pub path: &'a str,
    pub name: &'a str,
}

impl<'a> PolicyArn<'a> {
    pub fn parse(arn: &'a str) -> Result<Self, IamError> {
        let invalid = || IamError::InvalidInput(format!("ARN {arn} is not valid."));
        let rest = arn.strip_prefix("arn:aws:iam::").ok_or_else(invalid)?;
        let (account, resource) = rest.split_once(':').ok_or_else(invalid)?;
        let path_and_name = resource.strip_prefix("policy").ok_or_else(invalid)?;
        let slash = path_and_name.rfind('/').ok_or_else(invalid)?;
        let (path, name) = (&path_and_name[..=slash], &path_and_name[slash + 1..]);
        if account.is_empty() || !path.starts_with('/') || name.is_empty() {
            return Err(invalid());
        }
        Ok(Self {
            arn,
            account,
            path,
            name,
        })
    }

    /// Whether the ARN is in AWS's own namespace (`arn:aws:iam::aws:policy/...`).
    pub fn is_aws(&self) -> bool {
        self.account == "aws"
    }
}

/// Where a policy sorts in listings: by name, AWS's before a customer's of the same name.
pub(crate) fn policy_position(name: &str, is_aws: bool) -> String {
    format!(
        "{} {}",
        name.to_ascii_lowercase(),
        if is_aws { 0 } else { 1 }
    )
}

fn no_such_policy(arn: &str) -> IamError {
    IamError::NoSuchEntity(format!("Policy {arn} does not exist or is not attachable."))
}

fn no_such_version(arn: &str, version_id: &str) -> IamError {
    IamError::NoSuchEntity(format!(
        "Policy {arn} version {version_id} does not exist or is not attachable."
    ))
}

/// A policy found by ARN.
#[derive(Debug, Clone)]
pub(crate) enum Policy {
    Aws(&'static AwsManagedPolicy),
    Local(Box<ManagedPolicy>),
}

/// How many roles of an account use a policy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Usage {
    pub attachments: i32,
    pub boundaries: i32,
}

/// IAM's `Policy` shape.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyOutput {
    pub policy_name: String,
    pub policy_id: String,
    pub arn: String,
    pub path: String,
    pub default_version_id: String,
    pub attachment_count: i32,
    pub permissions_boundary_usage_count: i32,
    pub is_attachable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(with = "epoch_seconds")]
    pub create_date: i64,
    #[serde(with = "epoch_seconds")]
    pub update_date: i64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

impl Policy {
    fn arn(&self) -> String {
        match self {
            Policy::Aws(policy) => policy.arn(),
            Policy::Local(policy) => policy.arn.clone(),
        }
    }

    fn name(&self) -> &str {
        match self {
            Policy::Aws(policy) => policy.name,
            Policy::Local(policy) => &policy.policy_name,
        }
    }

    fn path(&self) -> &str {
        match self {
            Policy::Aws(policy) => policy.path,
            Policy::Local(policy) => &policy.path,
        }
    }

    fn position(&self) -> String {
        policy_position(self.name(), matches!(self, Policy::Aws(_)))
    }

    /// The policy with everything GetPolicy returns.
    fn output(&self, usage: Usage) -> PolicyOutput {
        match self {
            Policy::Aws(policy) => PolicyOutput {
                policy_name: policy.name.into(),
                policy_id: policy.policy_id.into(),
                arn: policy.arn(),
                path: policy.path.into(),
                default_version_id: policy.default_version_id.into(),
                attachment_count: usage.attachments,
                permissions_boundary_usage_count: usage.boundaries,
                is_attachable: true,
                description: Some(policy.description.into()),
                create_date: policy.create_date_ms,
                update_date: policy.update_date_ms,
                tags: Vec::new(),
            },
            Policy::Local(policy) => PolicyOutput {
                policy_name: policy.policy_name.clone(),
                policy_id: policy.policy_id.clone(),
                arn: policy.arn.clone(),
                path: policy.path.clone(),
                default_version_id: policy.default_version_id.clone(),
                attachment_count: usage.attachments,
                permissions_boundary_usage_count: usage.boundaries,
                is_attachable: true,
                description: policy.description.clone(),
                create_date: policy.create_date_ms,
                update_date: policy.update_date_ms(),
                tags: policy.tags.clone(),
            },
        }
    }

    /// The policy as ListPolicies returns it: IAM leaves out `Description` and `Tags` there.
    fn listed(&self, usage: Usage) -> PolicyOutput {
        PolicyOutput {
            description: None,
            tags: Vec::new(),
            ..self.output(usage)
        }
    }

    /// Every version, newest first, as (version ID, document, create date).
    fn versions(&self) -> Vec<(String, String, i64)> {
        match self {
            Policy::Aws(policy) => vec![(
                policy.default_version_id.to_string(),
                policy.document.to_string(),
                policy.update_date_ms,
            )],
            Policy::Local(policy) => policy
                .versions
                .iter()
                .rev()
                .map(|version| {
                    (
                        version.version_id.clone(),
                        version.document.clone(),
                        version.create_date_ms,
                    )
                })
                .collect(),
        }
    }

    fn default_version_id(&self) -> &str {
        match self {
            Policy::Aws(policy) => policy.default_version_id,
            Policy::Local(policy) => &policy.default_version_id,
        }
    }
}

/// IAM's `PolicyVersion` shape.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyVersionOutput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    pub version_id: String,
    pub is_default_version: bool,
    #[serde(with = "epoch_seconds")]
    pub create_date: i64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreatePolicyRequest {
    pub policy_name: String,
    #[serde(default)]
    pub path: Option<String>,
    pub policy_document: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub tags: Vec<Tag>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreatePolicyResponse {
    pub policy: PolicyOutput,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetPolicyRequest {
    pub policy_arn: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetPolicyResponse {
    pub policy: PolicyOutput,
}

#[derive(Debug, Deserialize)]
pub enum PolicyScopeType {
    All,
    #[serde(rename = "AWS")]
    Aws,
    Local,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum PolicyUsageType {
    PermissionsPolicy,
    PermissionsBoundary,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListPoliciesRequest {
    #[serde(default)]
    pub scope: Option<PolicyScopeType>,
    #[serde(default)]
    pub only_attached: Option<bool>,
    #[serde(default)]
    pub path_prefix: Option<String>,
    #[serde(default)]
    pub policy_usage_filter: Option<PolicyUsageType>,
    #[serde(default)]
    pub marker: Option<String>,
    #[serde(default)]
    pub max_items: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListPoliciesResponse {
    pub policies: Vec<PolicyOutput>,
    pub is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeletePolicyRequest {
    pub policy_arn: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreatePolicyVersionRequest {
    pub policy_arn: String,
    pub policy_document: String,
    #[serde(default)]
    pub set_as_default: Option<bool>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreatePolicyVersionResponse {
    pub policy_version: PolicyVersionOutput,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetPolicyVersionRequest {
    pub policy_arn: String,
    pub version_id: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetPolicyVersionResponse {
    pub policy_version: PolicyVersionOutput,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListPolicyVersionsRequest {
    pub policy_arn: String,
    #[serde(default)]
    pub marker: Option<String>,
    #[serde(default)]
    pub max_items: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListPolicyVersionsResponse {
    pub versions: Vec<PolicyVersionOutput>,
    pub is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeletePolicyVersionRequest {
    pub policy_arn: String,
    pub version_id: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SetDefaultPolicyVersionRequest {
    pub policy_arn: String,
    pub version_id: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagPolicyRequest {
    pub policy_arn: String,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UntagPolicyRequest {
    pub policy_arn: String,
    pub tag_keys: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListPolicyTagsRequest {
    pub policy_arn: String,
    #[serde(default)]
    pub marker: Option<String>,
    #[serde(default)]
    pub max_items: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListPolicyTagsResponse {
    pub tags: Vec<Tag>,
    pub is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

#[derive(Debug, Deserialize)]
pub enum EntityType {
    User,
    Role,
    Group,
    LocalManagedPolicy,
    #[serde(rename = "AWSManagedPolicy")]
    AwsManagedPolicy,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListEntitiesForPolicyRequest {
    pub policy_arn: String,
    #[serde(default)]
    pub entity_filter: Option<EntityType>,
    #[serde(default)]
    pub path_prefix: Option<String>,
    #[serde(default)]
    pub policy_usage_filter: Option<PolicyUsageType>,
    #[serde(default)]
    pub marker: Option<String>,
    #[serde(default)]
    pub max_items: Option<i64>,
}

/// IAM's `PolicyRole` shape.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyRole {
    pub role_name: String,
    pub role_id: String,
}

/// IAM's `PolicyUser` shape; the simulator has no users, so lists of it are always empty.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyUser {
    pub user_name: String,
    pub user_id: String,
}

/// IAM's `PolicyGroup` shape; the simulator has no groups, so lists of it are always empty.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyGroup {
    pub group_name: String,
    pub group_id: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListEntitiesForPolicyResponse {
    pub policy_groups: Vec<PolicyGroup>,
    pub policy_users: Vec<PolicyUser>,
    pub policy_roles: Vec<PolicyRole>,
    pub is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

/// Whether `role` uses the policy `arn` in the way `filter` asks (either way when absent).
fn role_uses(role: &Role, arn: &str, filter: Option<PolicyUsageType>) -> bool {
    let attached = role
        .attached_policies
        .iter()
        .any(|attached| attached == arn);
    let boundary = role.permissions_boundary.as_deref() == Some(arn);
    match filter {
        Some(PolicyUsageType::PermissionsPolicy) => attached,
        Some(PolicyUsageType::PermissionsBoundary) => boundary,
        None => attached || boundary,
    }
}

impl Iam {
    /// The policy an ARN names, AWS managed or the caller's own.
    pub(crate) fn policy(&self, ctx: &Ctx, arn: &str) -> Result<Policy, IamError> {
        let parsed = PolicyArn::parse(arn)?;
        if parsed.is_aws() {
            return managed::by_arn(arn)
                .map(Policy::Aws)
                .ok_or_else(|| no_such_policy(arn));
        }
        if parsed.account != ctx.account_id {
            return Err(no_such_policy(arn));
        }
        self.policies
            .get(&key(parsed.account, parsed.name))
            .filter(|policy| policy.arn == arn)
            .map(|policy| Policy::Local(Box::new(policy)))
            .ok_or_else(|| no_such_policy(arn))
    }

    /// Changes one of the caller's customer managed policies atomically. An AWS managed policy
    /// is refused as IAM refuses it: only AWS may change those.
    fn modify_policy<R>(
        &self,
        ctx: &Ctx,
        operation: &str,
        arn: &str,
        change: impl FnOnce(&mut Option<ManagedPolicy>) -> Result<R, IamError>,
    ) -> Result<R, IamError> {
        let parsed = PolicyArn::parse(arn)?;
        if parsed.is_aws() {
            return Err(IamError::AccessDenied(format!(
                "User: {} is not authorized to perform: iam:{operation} on resource: policy {arn}",
                ctx.caller.arn
            )));
        }
        if parsed.account != ctx.account_id {
            return Err(no_such_policy(arn));
        }
        self.policies
            .modify(&key(parsed.account, parsed.name), |slot| {
                if slot.as_ref().is_none_or(|policy| policy.arn != arn) {
                    return Err(no_such_policy(arn));
                }
                change(slot)
            })
    }

    /// How each policy is used by the caller's roles, by ARN.
    fn usage(&self, ctx: &Ctx) -> HashMap<String, Usage> {
        let mut usage: HashMap<String, Usage> = HashMap::new();
        for role in self.account_roles(ctx) {
            for arn in role.attached_policies {
                usage.entry(arn).or_default().attachments += 1;
            }
            if let Some(arn) = role.permissions_boundary {
                usage.entry(arn).or_default().boundaries += 1;
            }
        }
        usage
    }

    fn usage_of(&self, ctx: &Ctx, arn: &str) -> Usage {
        self.usage(ctx).get(arn).copied().unwrap_or_default()
    }

    pub(super) async fn create_policy(
        &self,
        ctx: &Ctx,
        input: CreatePolicyRequest,
    ) -> Result<CreatePolicyResponse, IamError> {
        check_policy_document(&input.policy_document)?;
        let mut tags = Vec::new();
        merge_tags(&mut tags, input.tags, "TagsPerPolicy")?;
        let path = input.path.unwrap_or_else(|| "/".into());
        let now = self.now_millis();
        let policy = ManagedPolicy {
            account_id: ctx.account_id.clone(),
            arn: format!(
                "arn:aws:iam::{}:policy{path}{}",
                ctx.account_id, input.policy_name
            ),
            path,
            policy_name: input.policy_name.clone(),
            policy_id: self.unique_id("ANPA"),
            description: input.description,
            create_date_ms: now,
            default_version_id: "v1".into(),
            versions: vec![StoredPolicyVersion {
                version_id: "v1".into(),
                document: input.policy_document,
                create_date_ms: now,
            }],
            next_version: 2,
            tags,
        };
        self.policies
            .modify(&key(&ctx.account_id, &input.policy_name), |slot| {
                if slot.is_some() {
                    return Err(IamError::EntityAlreadyExists(format!(
                        "A policy called {} already exists. Duplicate names are not allowed.",
                        input.policy_name
                    )));
                }
                *slot = Some(policy.clone());
                Ok(())
            })?;
        Ok(CreatePolicyResponse {
            policy: Policy::Local(Box::new(policy)).output(Usage::default()),
        })
    }

    pub(super) async fn get_policy(
        &self,
        ctx: &Ctx,
        input: GetPolicyRequest,
    ) -> Result<GetPolicyResponse, IamError> {
        let policy = self.policy(ctx, &input.policy_arn)?;
        Ok(GetPolicyResponse {
            policy: policy.output(self.usage_of(ctx, &input.policy_arn)),
        })
    }

    pub(super) async fn list_policies(
        &self,
        ctx: &Ctx,
        input: ListPoliciesRequest,
    ) -> Result<ListPoliciesResponse, IamError> {
        let scope = input.scope.unwrap_or(PolicyScopeType::All);
        let mut candidates = Vec::new();
        if matches!(scope, PolicyScopeType::All | PolicyScopeType::Aws) {
            candidates.extend(AWS_MANAGED.iter().map(Policy::Aws));
        }
        if matches!(scope, PolicyScopeType::All | PolicyScopeType::Local) {
            candidates.extend(
                self.policies
                    .scan_prefix(&format!("{}/", ctx.account_id))
                    .into_iter()
                    .map(|(_, policy)| Policy::Local(Box::new(policy))),
            );
        }
        let usage = self.usage(ctx);
        let prefix = input.path_prefix.unwrap_or_else(|| "/".into());
        let only_attached = input.only_attached.unwrap_or(false);
        let entries = candidates
            .into_iter()
            .filter_map(|policy| {
                let counts = usage.get(&policy.arn()).copied().unwrap_or_default();
                let keep = policy.path().starts_with(&prefix)
                    && (!only_attached || counts.attachments > 0)
                    // Every managed policy can serve as a permissions policy; only the ones some
                    // role uses as its boundary count as boundaries.
                    && (input.policy_usage_filter != Some(PolicyUsageType::PermissionsBoundary)
                        || counts.boundaries > 0);
                keep.then(|| (policy.position(), policy.listed(counts)))
            })
            .collect();
        let page = paginate(entries, input.marker.as_deref(), input.max_items)?;
        Ok(ListPoliciesResponse {
            policies: page.items,
            is_truncated: page.is_truncated,
            marker: page.marker,
        })
    }

    pub(super) async fn delete_policy(
        &self,
        ctx: &Ctx,
        input: DeletePolicyRequest,
    ) -> Result<(), IamError> {
        let _relations = self.relations();
        let usage = self.usage_of(ctx, &input.policy_arn);
        self.modify_policy(ctx, "DeletePolicy", &input.policy_arn, |slot| {
            if usage.attachments > 0 || usage.boundaries > 0 {
                return Err(IamError::DeleteConflict(
                    "Cannot delete a policy attached to entities.".into(),
                ));
            }
            if slot
                .as_ref()
                .is_some_and(|policy| policy.versions.len() > 1)
            {
                return Err(IamError::DeleteConflict(
                    "This policy has more than one version. Before you delete a policy, you \
                     must delete the policy's versions. The default version is deleted with the \
                     policy."
                        .into(),
                ));
            }
            *slot = None;
            Ok(())
        })
    }

    pub(super) async fn create_policy_version(
        &self,
        ctx: &Ctx,
        input: CreatePolicyVersionRequest,
    ) -> Result<CreatePolicyVersionResponse, IamError> {
        check_policy_document(&input.policy_document)?;
        let now = self.now_millis();
        let set_as_default = input.set_as_default.unwrap_or(false);
        let arn = input.policy_arn.clone();
        let version_id = self.modify_policy(ctx, "CreatePolicyVersion", &arn, |slot| {
            let Some(policy) = slot else {
                return Err(no_such_policy(&input.policy_arn));
            };
            if policy.versions.len() >= MAX_VERSIONS {
                return Err(IamError::LimitExceeded(
                    "A managed policy can have up to 5 versions. Before you create a new \
                     version, you must delete an existing version."
                        .into(),
                ));
            }
            let version_id = format!("v{}", policy.next_version);
            policy.next_version += 1;
            policy.versions.push(StoredPolicyVersion {
                version_id: version_id.clone(),
                document: input.policy_document,
                create_date_ms: now,
            });
            if set_as_default {
                policy.default_version_id = version_id.clone();
            }
            Ok(version_id)
        })?;
        Ok(CreatePolicyVersionResponse {
            policy_version: PolicyVersionOutput {
                document: None,
                version_id,
                is_default_version: set_as_default,
                create_date: now,
            },
        })
    }

    pub(super) async fn get_policy_version(
        &self,
        ctx: &Ctx,
        input: GetPolicyVersionRequest,
    ) -> Result<GetPolicyVersionResponse, IamError> {
        let policy = self.policy(ctx, &input.policy_arn)?;
        let default = policy.default_version_id().to_string();
        let (version_id, document, create_date) = policy
            .versions()
            .into_iter()
            .find(|(version_id, _, _)| *version_id == input.version_id)
            .ok_or_else(|| no_such_version(&input.policy_arn, &input.version_id))?;
        Ok(GetPolicyVersionResponse {
            policy_version: PolicyVersionOutput {
                document: Some(encode_document(&document)),
                is_default_version: version_id == default,
                version_id,
                create_date,
            },
        })
    }

    pub(super) async fn list_policy_versions(
        &self,
        ctx: &Ctx,
        input: ListPolicyVersionsRequest,
    ) -> Result<ListPolicyVersionsResponse, IamError> {
        let policy = self.policy(ctx, &input.policy_arn)?;
        let default = policy.default_version_id().to_string();
        // IAM lists the newest version first; the position key sorts that way.
        let entries = policy
            .versions()
            .into_iter()
            .map(|(version_id, _, create_date)| {
                let number: u32 = version_id
                    .trim_start_matches('v')
                    .split('.')
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                (
                    format!("{:010}", u32::MAX - number),
                    PolicyVersionOutput {
                        document: None,
                        is_default_version: version_id == default,
                        version_id,
                        create_date,
                    },
                )
            })
            .collect();
        let page = paginate(entries, input.marker.as_deref(), input.max_items)?;
        Ok(ListPolicyVersionsResponse {
            versions: page.items,
            is_truncated: page.is_truncated,
            marker: page.marker,
        })
    }

    pub(super) async fn delete_policy_version(
        &self,
        ctx: &Ctx,
        input: DeletePolicyVersionRequest,
    ) -> Result<(), IamError> {
        let arn = input.policy_arn.clone();
        self.modify_policy(ctx, "DeletePolicyVersion", &arn, |slot| {
            let Some(policy) = slot else {
                return Err(no_such_policy(&input.policy_arn));
            };
            let index = policy
                .versions
                .iter()
                .position(|version| version.version_id == input.version_id)
                .ok_or_else(|| no_such_version(&input.policy_arn, &input.version_id))?;
            if policy.default_version_id == input.version_id {
                return Err(IamError::DeleteConflict(
                    "Cannot delete the default version of a policy.".into(),
                ));
            }
            policy.versions.remove(index);
            Ok(())
        })
    }

    pub(super) async fn set_default_policy_version(
        &self,
        ctx: &Ctx,
        input: SetDefaultPolicyVersionRequest,
    ) -> Result<(), IamError> {
        let arn = input.policy_arn.clone();
        self.modify_policy(ctx, "SetDefaultPolicyVersion", &arn, |slot| {
            let Some(policy) = slot else {
                return Err(no_such_policy(&input.policy_arn));
            };
            if !policy
                .versions
                .iter()
                .any(|version| version.version_id == input.version_id)
            {
                return Err(no_such_version(&input.policy_arn, &input.version_id));
            }
            policy.default_version_id = input.version_id;
            Ok(())
        })
    }

    pub(super) async fn tag_policy(
        &self,
        ctx: &Ctx,
        input: TagPolicyRequest,
    ) -> Result<(), IamError> {
        let arn = input.policy_arn.clone();
        self.modify_policy(ctx, "TagPolicy", &arn, |slot| match slot {
            Some(policy) => merge_tags(&mut policy.tags, input.tags, "TagsPerPolicy"),
            None => Err(no_such_policy(&input.policy_arn)),
        })
    }

    pub(super) async fn untag_policy(
        &self,
        ctx: &Ctx,
        input: UntagPolicyRequest,
    ) -> Result<(), IamError> {
        let arn = input.policy_arn.clone();
        self.modify_policy(ctx, "UntagPolicy", &arn, |slot| match slot {
            Some(policy) => {
                remove_tags(&mut policy.tags, &input.tag_keys);
                Ok(())
            }
            None => Err(no_such_policy(&input.policy_arn)),
        })
    }

    pub(super) async fn list_policy_tags(
        &self,
        ctx: &Ctx,
        input: ListPolicyTagsRequest,
    ) -> Result<ListPolicyTagsResponse, IamError> {
        let tags = match self.policy(ctx, &input.policy_arn)? {
            Policy::Aws(_) => Vec::new(),
            Policy::Local(policy) => policy.tags,
        };
        let page = page_tags(tags, input.marker.as_deref(), input.max_items)?;
        Ok(ListPolicyTagsResponse {
            tags: page.items,
            is_truncated: page.is_truncated,
            marker: page.marker,
        })
    }

    pub(super) async fn list_entities_for_policy(
        &self,
        ctx: &Ctx,
        input: ListEntitiesForPolicyRequest,
    ) -> Result<ListEntitiesForPolicyResponse, IamError> {
        self.policy(ctx, &input.policy_arn)?;
        // Roles are the only entities the simulator has; asking for users or groups finds none.
        let roles = match input.entity_filter {
            None | Some(EntityType::Role) => self.account_roles(ctx),
            Some(_) => Vec::new(),
        };
        let prefix = input.path_prefix.unwrap_or_else(|| "/".into());
        let entries = roles
            .into_iter()
            .filter(|role| {
                role.path.starts_with(&prefix)
                    && role_uses(role, &input.policy_arn, input.policy_usage_filter)
            })
            .map(|role| {
                (
                    role.role_name.to_ascii_lowercase(),
                    PolicyRole {
                        role_name: role.role_name,
                        role_id: role.role_id,
                    },
                )
            })
            .collect();
        let page = paginate(entries, input.marker.as_deref(), input.max_items)?;
        Ok(ListEntitiesForPolicyResponse {
            policy_groups: Vec::new(),
            policy_users: Vec::new(),
            policy_roles: page.items,
            is_truncated: page.is_truncated,
            marker: page.marker,
        })
    }
}

/// Checks a managed policy document: JSON, and within IAM's size quota.
fn check_policy_document(document: &str) -> Result<(), IamError> {
    check_document(document, crate::policy::PolicyKind::Identity)?;
    if policy_size(document) > MAX_POLICY_SIZE {
        return Err(IamError::LimitExceeded(format!(
            "Cannot exceed quota for PolicySize: {MAX_POLICY_SIZE}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod arn_tests {
    use super::*;

    #[test]
    fn policy_arns_parse_into_account_path_and_name() {
        let cases = [
            (
                "arn:aws:iam::aws:policy/AdministratorAccess",
                Some(("aws", "/", "AdministratorAccess")),
            ),
            (
                "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
                Some(("aws", "/service-role/", "AWSLambdaBasicExecutionRole")),
            ),
            (
                "arn:aws:iam::123456789012:policy/a/b/p",
                Some(("123456789012", "/a/b/", "p")),
            ),
            ("arn:aws:iam::123456789012:role/r", None),
            ("arn:aws:iam::123456789012:policy/", None),
            ("arn:aws:iam:::policy/p", None),
            ("AdministratorAccess", None),
        ];
        for (arn, expected) in cases {
            let parsed = PolicyArn::parse(arn)
                .ok()
                .map(|parsed| (parsed.account, parsed.path, parsed.name));
            assert_eq!(parsed, expected, "{arn}");
        }
    }
}
