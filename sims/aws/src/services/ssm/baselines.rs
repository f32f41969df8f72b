//! Patch Manager's configuration: patch baselines (create, get, describe, update, delete), the
//! default baseline per operating system (AWS's predefined ones, from `default_baselines.json`,
//! until the account registers its own), and patch groups.
//!
//! Baselines are configuration only: with no managed instances there is nothing to patch, so
//! DescribePatchGroupState counts no instances.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use sim_aws_shapes::normal::Timestamp;
use sim_aws_shapes::ssm::{
    CreatePatchBaselineRequest, CreatePatchBaselineResult, DeletePatchBaselineRequest,
    DeletePatchBaselineResult, DeregisterPatchBaselineForPatchGroupRequest,
    DeregisterPatchBaselineForPatchGroupResult, DescribePatchBaselinesRequest,
    DescribePatchBaselinesResult, DescribePatchGroupStateRequest, DescribePatchGroupStateResult,
    DescribePatchGroupsRequest, DescribePatchGroupsResult, GetDefaultPatchBaselineRequest,
    GetDefaultPatchBaselineResult, GetPatchBaselineForPatchGroupRequest,
    GetPatchBaselineForPatchGroupResult, GetPatchBaselineRequest, GetPatchBaselineResult,
    PatchBaselineIdentity, PatchGroupPatchBaselineMapping, PatchOrchestratorFilter,
    RegisterDefaultPatchBaselineRequest, RegisterDefaultPatchBaselineResult,
    RegisterPatchBaselineForPatchGroupRequest, RegisterPatchBaselineForPatchGroupResult, Tag,
    UpdatePatchBaselineRequest, UpdatePatchBaselineResult,
};

use super::{Ssm, SsmError};
use crate::services::Ctx;

/// AWS's predefined default baselines: region → operating system → baseline ARN.
static AWS_DEFAULTS: LazyLock<BTreeMap<String, BTreeMap<String, String>>> = LazyLock::new(|| {
    serde_json::from_str(include_str!("default_baselines.json"))
        .expect("default_baselines.json is valid (scripts/refresh-ssm-default-baselines)")
});

/// The operating system a request names; Windows when it names none, as in SSM.
fn operating_system(name: Option<String>) -> String {
    name.unwrap_or_else(|| "WINDOWS".to_owned())
}

/// A stored patch baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineRecord {
    /// Everything GetPatchBaseline shows except the patch groups (kept in their own records).
    pub baseline: GetPatchBaselineResult,
    pub tags: Vec<Tag>,
}

/// A patch group's baseline for one operating system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchGroupRecord {
    pub patch_group: String,
    pub operating_system: String,
    pub baseline_id: String,
}

fn no_baseline(id: &str) -> SsmError {
    SsmError::new(
        "DoesNotExistException",
        format!("Patch Baseline {id} does not exist."),
    )
}

fn filter_values<'a>(filters: &'a [PatchOrchestratorFilter], key: &str) -> Option<&'a [String]> {
    filters
        .iter()
        .find(|f| f.key.as_deref() == Some(key))
        .and_then(|f| f.values.as_deref())
}

impl Ssm {
    fn baseline_key(ctx: &Ctx, id: &str) -> String {
        format!("{}{id}", ctx.scope())
    }

    fn patch_group_key(ctx: &Ctx, group: &str, os: &str) -> String {
        format!("{}{os}/{group}", ctx.scope())
    }

    fn default_baseline_key(ctx: &Ctx, os: &str) -> String {
        format!("{}default/{os}", ctx.scope())
    }

    /// AWS's predefined default baseline for an operating system in this region.
    fn aws_default(ctx: &Ctx, os: &str) -> Option<String> {
        AWS_DEFAULTS.get(&ctx.region)?.get(os).cloned()
    }

    fn is_aws_default(ctx: &Ctx, id: &str) -> bool {
        AWS_DEFAULTS.get(&ctx.region).is_some_and(|by_os| {
            by_os
                .values()
                .any(|arn| arn == id || arn.ends_with(&format!("/{id}")))
        })
    }

    /// The default baseline of an operating system: the account's, else AWS's.
    fn default_baseline(&self, ctx: &Ctx, os: &str) -> Option<String> {
        self.patch_settings
            .get(&Self::default_baseline_key(ctx, os))
            .map(|record| record.baseline_id)
            .or_else(|| Self::aws_default(ctx, os))
    }

    fn baseline(&self, ctx: &Ctx, id: &str) -> Result<BaselineRecord, SsmError> {
        self.baselines
            .get(&Self::baseline_key(ctx, id))
            .ok_or_else(|| no_baseline(id))
    }

    fn identity(&self, ctx: &Ctx, baseline: &GetPatchBaselineResult) -> PatchBaselineIdentity {
        let os = baseline.operating_system.clone().unwrap_or_default();
        PatchBaselineIdentity {
            baseline_id: baseline.baseline_id.clone(),
            baseline_name: baseline.name.clone(),
            operating_system: Some(os.clone()),
            baseline_description: baseline.description.clone(),
            default_baseline: Some(self.default_baseline(ctx, &os) == baseline.baseline_id),
        }
    }

    pub(super) async fn create_patch_baseline(
        &self,
        ctx: &Ctx,
        input: CreatePatchBaselineRequest,
    ) -> Result<CreatePatchBaselineResult, SsmError> {
        let id = format!("pb-{}", self.kit.ids().hex(17));
        let now = Timestamp(self.now());
        let baseline = GetPatchBaselineResult {
            baseline_id: Some(id.clone()),
            name: Some(input.name),
            operating_system: Some(operating_system(input.operating_system)),
            global_filters: Some(input.global_filters.unwrap_or_default()),
            approval_rules: input.approval_rules,
            approved_patches: Some(input.approved_patches.unwrap_or_default()),
            approved_patches_compliance_level: Some(
                input
                    .approved_patches_compliance_level
                    .unwrap_or_else(|| "UNSPECIFIED".to_owned()),
            ),
            approved_patches_enable_non_security: Some(
                input.approved_patches_enable_non_security.unwrap_or(false),
            ),
            rejected_patches: Some(input.rejected_patches.unwrap_or_default()),
            rejected_patches_action: Some(
                input
                    .rejected_patches_action
                    .unwrap_or_else(|| "ALLOW_AS_DEPENDENCY".to_owned()),
            ),
            patch_groups: None,
            created_date: Some(now),
            modified_date: Some(now),
            description: input.description,
            sources: Some(input.sources.unwrap_or_default()),
            available_security_updates_compliance_status: input
                .available_security_updates_compliance_status,
        };
        self.baselines.insert(
            &Self::baseline_key(ctx, &id),
            BaselineRecord {
                baseline,
                tags: input.tags.unwrap_or_default(),
            },
        )?;
        Ok(CreatePatchBaselineResult {
            baseline_id: Some(id),
        })
    }

    /// The patch groups registered to a baseline.
    fn patch_groups_of(&self, ctx: &Ctx, id: &str) -> Vec<String> {
        self.patch_groups
            .scan_prefix(&ctx.scope())
            .into_iter()
            .filter(|(_, record)| record.baseline_id == id)
            .map(|(_, record)| record.patch_group)
            .collect()
    }

    pub(super) async fn get_patch_baseline(
        &self,
        ctx: &Ctx,
        input: GetPatchBaselineRequest,
    ) -> Result<GetPatchBaselineResult, SsmError> {
        let mut baseline = self.baseline(ctx, &input.baseline_id)?.baseline;
        baseline.patch_groups = Some(self.patch_groups_of(ctx, &input.baseline_id));
        Ok(baseline)
    }

    pub(super) async fn describe_patch_baselines(
        &self,
        ctx: &Ctx,
        input: DescribePatchBaselinesRequest,
    ) -> Result<DescribePatchBaselinesResult, SsmError> {
        let filters = input.filters.unwrap_or_default();
        let prefix = filter_values(&filters, "NAME_PREFIX");
        let systems = filter_values(&filters, "OPERATING_SYSTEM");
        let owners = filter_values(&filters, "OWNER");
        let entries = self
            .baselines
            .scan_prefix(&ctx.scope())
            .into_iter()
            .map(|(_, record)| record.baseline)
            .filter(|b| {
                let name = b.name.as_deref().unwrap_or_default();
                let os = b.operating_system.as_deref().unwrap_or_default();
                prefix.is_none_or(|p| p.iter().any(|p| name.starts_with(p.as_str())))
                    && systems.is_none_or(|s| s.iter().any(|s| s == os))
                    && owners.is_none_or(|o| o.iter().any(|o| o == "Self" || o == "All"))
            })
            .map(|b| {
                (
                    b.baseline_id.clone().unwrap_or_default(),
                    self.identity(ctx, &b),
                )
            })
            .collect();
        let page = super::page(entries, input.next_token.as_deref(), input.max_results, 100)?;
        Ok(DescribePatchBaselinesResult {
            baseline_identities: Some(page.items),
            next_token: page.next,
        })
    }

    pub(super) async fn update_patch_baseline(
        &self,
        ctx: &Ctx,
        input: UpdatePatchBaselineRequest,
    ) -> Result<UpdatePatchBaselineResult, SsmError> {
        let replace = input.replace.unwrap_or(false);
        let now = Timestamp(self.now());
        let b = self
            .baselines
            .modify(&Self::baseline_key(ctx, &input.baseline_id), |slot| {
                let record = slot
                    .as_mut()
                    .ok_or_else(|| no_baseline(&input.baseline_id))?;
                let b = &mut record.baseline;
                macro_rules! set {
                    ($field:ident) => {
                        if input.$field.is_some() || replace {
                            b.$field = input.$field;
                        }
                    };
                }
                set!(global_filters);
                set!(approval_rules);
                set!(approved_patches);
                set!(approved_patches_compliance_level);
                set!(approved_patches_enable_non_security);
                set!(rejected_patches);
                set!(rejected_patches_action);
                set!(description);
                set!(sources);
                set!(available_security_updates_compliance_status);
                if let Some(name) = input.name {
                    b.name = Some(name);
                }
                b.modified_date = Some(now);
                Ok::<_, SsmError>(b.clone())
            })?;
        Ok(UpdatePatchBaselineResult {
            baseline_id: b.baseline_id,
            name: b.name,
            operating_system: b.operating_system,
            global_filters: b.global_filters,
            approval_rules: b.approval_rules,
            approved_patches: b.approved_patches,
            approved_patches_compliance_level: b.approved_patches_compliance_level,
            approved_patches_enable_non_security: b.approved_patches_enable_non_security,
            rejected_patches: b.rejected_patches,
            rejected_patches_action: b.rejected_patches_action,
            created_date: b.created_date,
            modified_date: b.modified_date,
            description: b.description,
            sources: b.sources,
            available_security_updates_compliance_status: b
                .available_security_updates_compliance_status,
        })
    }

    pub(super) async fn delete_patch_baseline(
        &self,
        ctx: &Ctx,
        input: DeletePatchBaselineRequest,
    ) -> Result<DeletePatchBaselineResult, SsmError> {
        let id = input.baseline_id;
        if !self.patch_groups_of(ctx, &id).is_empty() {
            return Err(SsmError::new(
                "ResourceInUseException",
                format!("Patch baseline {id} is registered with a patch group."),
            ));
        }
        let is_default = self
            .baselines
            .get(&Self::baseline_key(ctx, &id))
            .is_some_and(|record| {
                let os = record.baseline.operating_system.unwrap_or_default();
                self.default_baseline(ctx, &os).as_deref() == Some(id.as_str())
            });
        if is_default {
            return Err(SsmError::new(
                "ResourceInUseException",
                format!("Patch baseline {id} is the default patch baseline."),
            ));
        }
        // Deleting a baseline that does not exist succeeds, as in SSM.
        self.baselines.remove(&Self::baseline_key(ctx, &id))?;
        Ok(DeletePatchBaselineResult {
            baseline_id: Some(id),
        })
    }

    pub(super) async fn register_default_patch_baseline(
        &self,
        ctx: &Ctx,
        input: RegisterDefaultPatchBaselineRequest,
    ) -> Result<RegisterDefaultPatchBaselineResult, SsmError> {
        let record = self.baseline(ctx, &input.baseline_id)?;
        let os = record.baseline.operating_system.unwrap_or_default();
        self.patch_settings.insert(
            &Self::default_baseline_key(ctx, &os),
            PatchGroupRecord {
                patch_group: String::new(),
                operating_system: os.clone(),
                baseline_id: input.baseline_id.clone(),
            },
        )?;
        Ok(RegisterDefaultPatchBaselineResult {
            baseline_id: Some(input.baseline_id),
        })
    }

    pub(super) async fn get_default_patch_baseline(
        &self,
        ctx: &Ctx,
        input: GetDefaultPatchBaselineRequest,
    ) -> Result<GetDefaultPatchBaselineResult, SsmError> {
        let os = operating_system(input.operating_system);
        Ok(GetDefaultPatchBaselineResult {
            baseline_id: self.default_baseline(ctx, &os),
            operating_system: Some(os),
        })
    }

    pub(super) async fn register_patch_baseline_for_patch_group(
        &self,
        ctx: &Ctx,
        input: RegisterPatchBaselineForPatchGroupRequest,
    ) -> Result<RegisterPatchBaselineForPatchGroupResult, SsmError> {
        let record = self
            .baselines
            .get(&Self::baseline_key(ctx, &input.baseline_id));
        let Some(record) = record else {
            return Err(SsmError::new(
                "DoesNotExistException",
                format!("Maintenance window {} does not exist", input.baseline_id),
            ));
        };
        let os = record.baseline.operating_system.unwrap_or_default();
        self.patch_groups.modify(
            &Self::patch_group_key(ctx, &input.patch_group, &os),
            |slot| {
                if slot.is_some() {
                    return Err(SsmError::new(
                        "AlreadyExistsException",
                        format!(
                            "Patch Group baseline already has a baseline registered for OperatingSystem {os}."
                        ),
                    ));
                }
                *slot = Some(PatchGroupRecord {
                    patch_group: input.patch_group.clone(),
                    operating_system: os.clone(),
                    baseline_id: input.baseline_id.clone(),
                });
                Ok(())
            },
        )?;
        Ok(RegisterPatchBaselineForPatchGroupResult {
            baseline_id: Some(input.baseline_id),
            patch_group: Some(input.patch_group),
        })
    }

    pub(super) async fn deregister_patch_baseline_for_patch_group(
        &self,
        ctx: &Ctx,
        input: DeregisterPatchBaselineForPatchGroupRequest,
    ) -> Result<DeregisterPatchBaselineForPatchGroupResult, SsmError> {
        let registered = self
            .patch_groups
            .scan_prefix(&ctx.scope())
            .into_iter()
            .find(|(_, r)| {
                r.patch_group == input.patch_group && r.baseline_id == input.baseline_id
            });
        match registered {
            Some((key, _)) => {
                self.patch_groups.remove(&key)?;
            }
            // A predefined baseline is every group's fallback: there is nothing to remove.
            None if Self::is_aws_default(ctx, &input.baseline_id) => {}
            None => {
                return Err(SsmError::new(
                    "DoesNotExistException",
                    "Patch Baseline to be retrieved does not exist.",
                ));
            }
        }
        Ok(DeregisterPatchBaselineForPatchGroupResult {
            baseline_id: Some(input.baseline_id),
            patch_group: Some(input.patch_group),
        })
    }

    pub(super) async fn get_patch_baseline_for_patch_group(
        &self,
        ctx: &Ctx,
        input: GetPatchBaselineForPatchGroupRequest,
    ) -> Result<GetPatchBaselineForPatchGroupResult, SsmError> {
        let os = operating_system(input.operating_system);
        let baseline_id = self
            .patch_groups
            .get(&Self::patch_group_key(ctx, &input.patch_group, &os))
            .map(|r| r.baseline_id)
            .or_else(|| self.default_baseline(ctx, &os));
        Ok(GetPatchBaselineForPatchGroupResult {
            baseline_id,
            patch_group: Some(input.patch_group),
            operating_system: Some(os),
        })
    }

    pub(super) async fn describe_patch_groups(
        &self,
        ctx: &Ctx,
        input: DescribePatchGroupsRequest,
    ) -> Result<DescribePatchGroupsResult, SsmError> {
        let filters = input.filters.unwrap_or_default();
        let prefix = filter_values(&filters, "NAME_PREFIX");
        let systems = filter_values(&filters, "OPERATING_SYSTEM");
        let entries = self
            .patch_groups
            .scan_prefix(&ctx.scope())
            .into_iter()
            .filter(|(_, r)| {
                prefix.is_none_or(|p| p.iter().any(|p| r.patch_group.starts_with(p.as_str())))
                    && systems.is_none_or(|s| s.contains(&r.operating_system))
            })
            .map(|(key, r)| {
                let identity = self
                    .baselines
                    .get(&Self::baseline_key(ctx, &r.baseline_id))
                    .map(|record| self.identity(ctx, &record.baseline));
                let mapping = PatchGroupPatchBaselineMapping {
                    patch_group: Some(r.patch_group),
                    baseline_identity: identity,
                };
                (key, mapping)
            })
            .collect();
        let page = super::page(entries, input.next_token.as_deref(), input.max_results, 100)?;
        Ok(DescribePatchGroupsResult {
            mappings: Some(page.items),
            next_token: page.next,
        })
    }

    pub(super) async fn describe_patch_group_state(
        &self,
        _ctx: &Ctx,
        _input: DescribePatchGroupStateRequest,
    ) -> Result<DescribePatchGroupStateResult, SsmError> {
        // No managed instances belong to any patch group here.
        Ok(DescribePatchGroupStateResult {
            instances: Some(0),
            instances_with_installed_patches: Some(0),
            instances_with_installed_other_patches: Some(0),
            instances_with_installed_pending_reboot_patches: Some(0),
            instances_with_installed_rejected_patches: Some(0),
            instances_with_missing_patches: Some(0),
            instances_with_failed_patches: Some(0),
            instances_with_not_applicable_patches: Some(0),
            instances_with_unreported_not_applicable_patches: Some(0),
            instances_with_critical_non_compliant_patches: Some(0),
            instances_with_security_non_compliant_patches: Some(0),
            instances_with_other_non_compliant_patches: Some(0),
            instances_with_available_security_updates: Some(0),
        })
    }
}
