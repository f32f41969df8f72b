//! Managed policies: customer managed ones (create, read, list, delete, up to five versions,
//! tags) and the AWS managed ones of `managed`, resolved by ARN alike. Also
//! `ListEntitiesForPolicy`.
//!
//! A policy's `AttachmentCount` and `PermissionsBoundaryUsageCount` are not stored: they are
//! counted from the account's users, groups and roles whenever a policy is answered, so they are
//! always true. `UpdateDate` follows IAM's definition: the creation date while the policy has
//! one version, else the creation date of its newest version.
//!
//! Limits: `ListPolicies` with `PolicyUsageFilter=PermissionsBoundary` keeps the policies some
//! entity uses as its boundary, and with `PermissionsPolicy` keeps every policy (any managed
//! policy can be one). AWS managed policies have their default version only, and refuse changes
//! with `AccessDenied`.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sim_aws_shapes::iam::{
    self as shapes, CreatePolicyRequest, CreatePolicyResponse, CreatePolicyVersionRequest,
    CreatePolicyVersionResponse, DeletePolicyRequest, DeletePolicyVersionRequest, GetPolicyRequest,
    GetPolicyResponse, GetPolicyVersionRequest, GetPolicyVersionResponse,
    ListEntitiesForPolicyRequest, ListEntitiesForPolicyResponse, ListPoliciesRequest,
    ListPoliciesResponse, ListPolicyTagsRequest, ListPolicyTagsResponse, ListPolicyVersionsRequest,
    ListPolicyVersionsResponse, PolicyGroup, PolicyRole, PolicyUser, PolicyVersion,
    SetDefaultPolicyVersionRequest, Tag, TagPolicyRequest, UntagPolicyRequest,
};

use super::managed::{self, AwsManagedPolicy};
use super::paging::paginate;
use super::principals::HolderKind;
use super::tags::{TagKeys, initial_tags, merge_tags, page_tags, present, remove_tags};
use super::{
    Iam, IamError, account_prefix, check_document, encode_document, key, timestamp, under,
};
use crate::policy::PolicyKind;
use crate::services::Ctx;

/// IAM's quota on a managed policy document's size (`PolicySize`).
const POLICY_SIZE_QUOTA: (&str, usize) = ("PolicySize", 6144);

/// IAM's default quota of customer managed policies per account.
const POLICIES_QUOTA: (&str, usize) = ("PoliciesPerAccount", 1500);

/// IAM keeps at most this many versions of a managed policy.
const MAX_VERSIONS: usize = 5;

/// Customer managed policies keep tag keys case-sensitively (recorded from AWS).
const POLICY_TAGS: TagKeys = TagKeys::CaseSensitive;

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

    /// The document of the default version.
    pub fn default_document(&self) -> Option<&str> {
        self.versions
            .iter()
            .find(|version| version.version_id == self.default_version_id)
            .map(|version| version.document.as_str())
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
    /// `ValidationError` (`ARN x is not valid.`) for anything that is not a policy ARN.
    pub fn parse(arn: &'a str) -> Result<Self, IamError> {
        let invalid = || IamError::Validation(format!("ARN {arn} is not valid."));
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

/// What IAM answers when a change names a policy that is not there.
fn policy_not_found(arn: &str) -> IamError {
    IamError::NoSuchEntity(format!("Policy {arn} was not found."))
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

/// How many entities of an account use a policy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Usage {
    pub attachments: i32,
    pub boundaries: i32,
}

/// An entity that may use managed policies, as the usage counts and `ListEntitiesForPolicy`
/// see it.
#[derive(Debug, Clone)]
pub(crate) struct PolicyHolder {
    pub kind: HolderKind,
    pub name: String,
    pub id: String,
    pub path: String,
    pub attached: Vec<String>,
    pub boundary: Option<String>,
}

impl PolicyHolder {
    /// Whether it uses the policy `arn` in the way `filter` asks (either way when absent).
    fn uses(&self, arn: &str, filter: Option<&str>) -> bool {
        let attached = self.attached.iter().any(|attached| attached == arn);
        let boundary = self.boundary.as_deref() == Some(arn);
        match filter {
            Some("PermissionsPolicy") => attached,
            Some("PermissionsBoundary") => boundary,
            _ => attached || boundary,
        }
    }
}

impl Policy {
    pub(crate) fn arn(&self) -> String {
        match self {
            Policy::Aws(policy) => policy.arn(),
            Policy::Local(policy) => policy.arn.clone(),
        }
    }

    pub(crate) fn name(&self) -> &str {
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

    pub(crate) fn position(&self) -> String {
        policy_position(self.name(), matches!(self, Policy::Aws(_)))
    }

    /// The policy as `ListPolicies` answers it: no `Description` or `Tags`.
    pub(crate) fn listed(&self, usage: Usage) -> shapes::Policy {
        let (policy_id, default_version_id, create_date, update_date) = match self {
            Policy::Aws(policy) => (
                policy.policy_id.to_string(),
                policy.default_version_id.to_string(),
                policy.create_date_ms,
                policy.update_date_ms,
            ),
            Policy::Local(policy) => (
                policy.policy_id.clone(),
                policy.default_version_id.clone(),
                policy.create_date_ms,
                policy.update_date_ms(),
            ),
        };
        shapes::Policy {
            policy_name: Some(self.name().to_string()),
            policy_id: Some(policy_id),
            arn: Some(self.arn()),
            path: Some(self.path().to_string()),
            default_version_id: Some(default_version_id),
            attachment_count: Some(usage.attachments),
            permissions_boundary_usage_count: Some(usage.boundaries),
            is_attachable: Some(true),
            description: None,
            create_date: Some(timestamp(create_date)),
            update_date: Some(timestamp(update_date)),
            tags: None,
        }
    }

    fn description(&self) -> Option<String> {
        match self {
            Policy::Aws(policy) => {
                (!policy.description.is_empty()).then(|| policy.description.to_string())
            }
            Policy::Local(policy) => policy.description.clone(),
        }
    }

    fn tags(&self) -> Vec<Tag> {
        match self {
            Policy::Aws(_) => Vec::new(),
            Policy::Local(policy) => policy.tags.clone(),
        }
    }

    /// The policy as `GetPolicy` answers it: with its description and (possibly empty) tags.
    fn full(&self, usage: Usage) -> shapes::Policy {
        shapes::Policy {
            description: self.description(),
            tags: Some(self.tags()),
            ..self.listed(usage)
        }
    }

    /// The policy as `CreatePolicy` answers it: tags only when it has some.
    fn created(&self) -> shapes::Policy {
        shapes::Policy {
            description: self.description(),
            tags: present(&self.tags()),
            ..self.listed(Usage::default())
        }
    }

    /// Every version, newest first, as (version ID, document, create date).
    pub(crate) fn versions(&self) -> Vec<(String, String, i64)> {
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

    pub(crate) fn default_version_id(&self) -> &str {
        match self {
            Policy::Aws(policy) => policy.default_version_id,
            Policy::Local(policy) => &policy.default_version_id,
        }
    }

    /// The default version's document, as stored.
    pub(crate) fn default_document(&self) -> Option<String> {
        match self {
            Policy::Aws(policy) => Some(policy.document.to_string()),
            Policy::Local(policy) => policy.default_document().map(str::to_string),
        }
    }
}

/// Why a change to an AWS managed policy is refused, by operation (AWS's words).
fn aws_policy_refusal(operation: &str) -> IamError {
    IamError::AccessDenied(
        match operation {
            "DeletePolicy" => "Cannot delete policies outside your own account.",
            "DeletePolicyVersion" => {
                "Cannot delete policy versions for policies outside your own account."
            }
            _ => "Cannot update policies outside your own account.",
        }
        .into(),
    )
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

    /// The policy an ARN names, in whichever account the ARN says (for `principals`).
    pub(crate) fn policy_by_arn(&self, arn: &str) -> Option<Policy> {
        let parsed = PolicyArn::parse(arn).ok()?;
        if parsed.is_aws() {
            return managed::by_arn(arn).map(Policy::Aws);
        }
        self.policies
            .get(&key(parsed.account, parsed.name))
            .filter(|policy| policy.arn == arn)
            .map(|policy| Policy::Local(Box::new(policy)))
    }

    /// Changes one of the caller's customer managed policies atomically. An AWS managed policy
    /// is refused as IAM refuses it: only AWS may change those. `missing` is the error for a
    /// policy that is not there.
    fn modify_policy<R>(
        &self,
        ctx: &Ctx,
        operation: &str,
        arn: &str,
        missing: fn(&str) -> IamError,
        change: impl FnOnce(&mut Option<ManagedPolicy>) -> Result<R, IamError>,
    ) -> Result<R, IamError> {
        let parsed = PolicyArn::parse(arn)?;
        if parsed.is_aws() {
            return match managed::by_arn(arn) {
                Some(_) => Err(aws_policy_refusal(operation)),
                None => Err(missing(arn)),
            };
        }
        if parsed.account != ctx.account_id {
            return Err(missing(arn));
        }
        // A transaction rather than `Collection::modify`: `change` may read other collections
        // (usage counts), and must see them as of this write.
        self.transaction(|txn| {
            txn.modify(&self.policies, &key(parsed.account, parsed.name), |slot| {
                if slot.as_ref().is_none_or(|policy| policy.arn != arn) {
                    return Err(missing(arn));
                }
                change(slot)
            })
        })
    }

    /// Every entity of the caller's account that can use managed policies.
    pub(crate) fn policy_holders(&self, ctx: &Ctx) -> Vec<PolicyHolder> {
        let groups = self
            .account_groups(ctx)
            .into_iter()
            .map(|group| PolicyHolder {
                kind: HolderKind::Group,
                name: group.group_name,
                id: group.group_id,
                path: group.path,
                attached: group.attached_policies,
                boundary: None,
            });
        let users = self
            .account_users(ctx)
            .into_iter()
            .map(|user| PolicyHolder {
                kind: HolderKind::User,
                name: user.user_name,
                id: user.user_id,
                path: user.path,
                attached: user.attached_policies,
                boundary: user.permissions_boundary,
            });
        let roles = self
            .account_roles(ctx)
            .into_iter()
            .map(|role| PolicyHolder {
                kind: HolderKind::Role,
                name: role.role_name,
                id: role.role_id,
                path: role.path,
                attached: role.attached_policies,
                boundary: role.permissions_boundary,
            });
        groups.chain(users).chain(roles).collect()
    }

    /// How each policy is used by the caller's entities, by ARN.
    pub(crate) fn usage(&self, ctx: &Ctx) -> HashMap<String, Usage> {
        let mut usage: HashMap<String, Usage> = HashMap::new();
        for holder in self.policy_holders(ctx) {
            for arn in holder.attached {
                usage.entry(arn).or_default().attachments += 1;
            }
            if let Some(arn) = holder.boundary {
                usage.entry(arn).or_default().boundaries += 1;
            }
        }
        usage
    }

    fn usage_of(&self, ctx: &Ctx, arn: &str) -> Usage {
        self.usage(ctx).get(arn).copied().unwrap_or_default()
    }

    /// The caller's customer managed policies, in name order.
    pub(crate) fn account_policies(&self, ctx: &Ctx) -> Vec<ManagedPolicy> {
        self.policies
            .scan_prefix(&account_prefix(&ctx.account_id))
            .into_iter()
            .map(|(_, policy)| policy)
            .collect()
    }

    pub(super) async fn create_policy(
        &self,
        ctx: &Ctx,
        input: CreatePolicyRequest,
    ) -> Result<CreatePolicyResponse, IamError> {
        check_document(
            &input.policy_document,
            PolicyKind::Identity,
            Some(POLICY_SIZE_QUOTA),
        )?;
        let tags = initial_tags(input.tags, POLICY_TAGS)?;
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
        self.insert_new(
            &self.policies,
            ctx,
            &input.policy_name,
            policy.clone(),
            POLICIES_QUOTA,
            || {
                IamError::EntityAlreadyExists(format!(
                    "A policy called {} already exists. Duplicate names are not allowed.",
                    input.policy_name
                ))
            },
        )?;
        Ok(CreatePolicyResponse {
            policy: Some(Policy::Local(Box::new(policy)).created()),
        })
    }

    pub(super) async fn get_policy(
        &self,
        ctx: &Ctx,
        input: GetPolicyRequest,
    ) -> Result<GetPolicyResponse, IamError> {
        let policy = self.policy(ctx, &input.policy_arn)?;
        Ok(GetPolicyResponse {
            policy: Some(policy.full(self.usage_of(ctx, &input.policy_arn))),
        })
    }

    /// The policies a `ListPolicies`-style request selects, with their usage, in listing
    /// order's keys.
    pub(crate) fn select_policies(
        &self,
        ctx: &Ctx,
        scope: Option<&str>,
        only_attached: bool,
        path_prefix: Option<&str>,
        usage_filter: Option<&str>,
    ) -> Vec<(String, Policy, Usage)> {
        let scope = scope.unwrap_or("All");
        let mut candidates = Vec::new();
        if matches!(scope, "All" | "AWS") {
            candidates.extend(managed::all().iter().map(Policy::Aws));
        }
        if matches!(scope, "All" | "Local") {
            candidates.extend(
                self.account_policies(ctx)
                    .into_iter()
                    .map(|policy| Policy::Local(Box::new(policy))),
            );
        }
        let usage = self.usage(ctx);
        candidates
            .into_iter()
            .filter_map(|policy| {
                let counts = usage.get(&policy.arn()).copied().unwrap_or_default();
                let keep = under(policy.path(), path_prefix)
                    && (!only_attached || counts.attachments > 0)
                    // Every managed policy can serve as a permissions policy; only the ones some
                    // entity uses as its boundary count as boundaries.
                    && (usage_filter != Some("PermissionsBoundary") || counts.boundaries > 0);
                keep.then(|| (policy.position(), policy, counts))
            })
            .collect()
    }

    pub(super) async fn list_policies(
        &self,
        ctx: &Ctx,
        input: ListPoliciesRequest,
    ) -> Result<ListPoliciesResponse, IamError> {
        let entries = self
            .select_policies(
                ctx,
                input.scope.as_deref(),
                input.only_attached.unwrap_or(false),
                input.path_prefix.as_deref(),
                input.policy_usage_filter.as_deref(),
            )
            .into_iter()
            .map(|(position, policy, usage)| (position, policy.listed(usage)))
            .collect();
        let page = paginate(entries, input.marker.as_deref(), input.max_items)?;
        Ok(ListPoliciesResponse {
            policies: Some(page.items),
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        })
    }

    pub(super) async fn delete_policy(
        &self,
        ctx: &Ctx,
        input: DeletePolicyRequest,
    ) -> Result<(), IamError> {
        // The usage is read inside the write, so an attachment racing the delete is seen.
        self.modify_policy(
            ctx,
            "DeletePolicy",
            &input.policy_arn,
            policy_not_found,
            |slot| {
                let usage = self.usage_of(ctx, &input.policy_arn);
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
                        "This policy has more than one version. Before you delete a policy, \
                             you must delete the policy's versions. The default version is \
                             deleted with the policy."
                            .into(),
                    ));
                }
                *slot = None;
                Ok(())
            },
        )
    }

    pub(super) async fn create_policy_version(
        &self,
        ctx: &Ctx,
        input: CreatePolicyVersionRequest,
    ) -> Result<CreatePolicyVersionResponse, IamError> {
        check_document(
            &input.policy_document,
            PolicyKind::Identity,
            Some(POLICY_SIZE_QUOTA),
        )?;
        let now = self.now_millis();
        let set_as_default = input.set_as_default.unwrap_or(false);
        let arn = input.policy_arn.clone();
        let version_id =
            self.modify_policy(ctx, "CreatePolicyVersion", &arn, no_such_policy, |slot| {
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
            policy_version: Some(PolicyVersion {
                document: None,
                version_id: Some(version_id),
                is_default_version: Some(set_as_default),
                create_date: Some(timestamp(now)),
            }),
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
            policy_version: Some(PolicyVersion {
                document: Some(encode_document(&document)),
                is_default_version: Some(version_id == default),
                version_id: Some(version_id),
                create_date: Some(timestamp(create_date)),
            }),
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
                    PolicyVersion {
                        document: None,
                        is_default_version: Some(version_id == default),
                        version_id: Some(version_id),
                        create_date: Some(timestamp(create_date)),
                    },
                )
            })
            .collect();
        let page = paginate(entries, input.marker.as_deref(), input.max_items)?;
        Ok(ListPolicyVersionsResponse {
            versions: Some(page.items),
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        })
    }

    pub(super) async fn delete_policy_version(
        &self,
        ctx: &Ctx,
        input: DeletePolicyVersionRequest,
    ) -> Result<(), IamError> {
        let arn = input.policy_arn.clone();
        self.modify_policy(ctx, "DeletePolicyVersion", &arn, no_such_policy, |slot| {
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
        self.modify_policy(
            ctx,
            "SetDefaultPolicyVersion",
            &arn,
            no_such_policy,
            |slot| {
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
            },
        )
    }

    pub(super) async fn tag_policy(
        &self,
        ctx: &Ctx,
        input: TagPolicyRequest,
    ) -> Result<(), IamError> {
        let arn = input.policy_arn.clone();
        self.modify_policy(
            ctx,
            "TagPolicy",
            &arn,
            policy_not_found,
            |slot| match slot {
                Some(policy) => merge_tags(&mut policy.tags, input.tags, POLICY_TAGS),
                None => Err(policy_not_found(&input.policy_arn)),
            },
        )
    }

    pub(super) async fn untag_policy(
        &self,
        ctx: &Ctx,
        input: UntagPolicyRequest,
    ) -> Result<(), IamError> {
        let arn = input.policy_arn.clone();
        self.modify_policy(
            ctx,
            "UntagPolicy",
            &arn,
            policy_not_found,
            |slot| match slot {
                Some(policy) => {
                    remove_tags(&mut policy.tags, &input.tag_keys, POLICY_TAGS);
                    Ok(())
                }
                None => Err(policy_not_found(&input.policy_arn)),
            },
        )
    }

    pub(super) async fn list_policy_tags(
        &self,
        ctx: &Ctx,
        input: ListPolicyTagsRequest,
    ) -> Result<ListPolicyTagsResponse, IamError> {
        let tags = self
            .policy(ctx, &input.policy_arn)
            .map_err(|error| match error {
                IamError::NoSuchEntity(_) => policy_not_found(&input.policy_arn),
                other => other,
            })?
            .tags();
        let page = page_tags(tags, POLICY_TAGS, input.marker.as_deref(), input.max_items)?;
        Ok(ListPolicyTagsResponse {
            tags: page.items,
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        })
    }

    pub(super) async fn list_entities_for_policy(
        &self,
        ctx: &Ctx,
        input: ListEntitiesForPolicyRequest,
    ) -> Result<ListEntitiesForPolicyResponse, IamError> {
        self.policy(ctx, &input.policy_arn)?;
        let wanted = |kind: HolderKind| match input.entity_filter.as_deref() {
            Some("User") => kind == HolderKind::User,
            Some("Group") => kind == HolderKind::Group,
            Some("Role") => kind == HolderKind::Role,
            // `LocalManagedPolicy` and `AWSManagedPolicy` select no entity.
            Some(_) => false,
            None => true,
        };
        let entries = self
            .policy_holders(ctx)
            .into_iter()
            .filter(|holder| {
                wanted(holder.kind)
                    && under(&holder.path, input.path_prefix.as_deref())
                    && holder.uses(&input.policy_arn, input.policy_usage_filter.as_deref())
            })
            .map(|holder| {
                // Groups, then users, then roles, each by name.
                let rank = match holder.kind {
                    HolderKind::Group => 0,
                    HolderKind::User => 1,
                    HolderKind::Role => 2,
                };
                let position = format!("{rank}/{}", holder.name.to_ascii_lowercase());
                (position, holder)
            })
            .collect();
        let page = paginate(entries, input.marker.as_deref(), input.max_items)?;
        let (mut groups, mut users, mut roles) = (Vec::new(), Vec::new(), Vec::new());
        for holder in page.items {
            match holder.kind {
                HolderKind::Group => groups.push(PolicyGroup {
                    group_name: Some(holder.name),
                    group_id: Some(holder.id),
                }),
                HolderKind::User => users.push(PolicyUser {
                    user_name: Some(holder.name),
                    user_id: Some(holder.id),
                }),
                HolderKind::Role => roles.push(PolicyRole {
                    role_name: Some(holder.name),
                    role_id: Some(holder.id),
                }),
            }
        }
        Ok(ListEntitiesForPolicyResponse {
            policy_groups: Some(groups),
            policy_users: Some(users),
            policy_roles: Some(roles),
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        })
    }
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
