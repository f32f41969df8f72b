//! Resource policies (PutResourcePolicy, GetResourcePolicies, DeleteResourcePolicy) on the
//! resources SSM lets you share: parameters and the account's OpsItem group. Each policy has an
//! ID and a hash of its text; a change must quote the current hash, so concurrent writers
//! cannot overwrite each other unseen.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sim_aws_shapes::ssm::{
    DeleteResourcePolicyRequest, DeleteResourcePolicyResponse, GetResourcePoliciesRequest,
    GetResourcePoliciesResponse, GetResourcePoliciesResponseEntry, PutResourcePolicyRequest,
    PutResourcePolicyResponse,
};

use super::{Ssm, SsmError};
use crate::policy::{self, PolicyKind};
use crate::services::Ctx;

/// The policies attached to one resource.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PolicySet {
    pub policies: Vec<GetResourcePoliciesResponseEntry>,
}

fn hash(policy: &str) -> String {
    hex::encode(Sha256::digest(policy.as_bytes()))
}

fn conflict() -> SsmError {
    SsmError::new(
        "ResourcePolicyConflictException",
        "The hash provided in the call doesn't match the stored hash. This exception is thrown when trying to update an obsolete policy version or when multiple requests to update a policy are sent.",
    )
}

fn not_found(arn: &str) -> SsmError {
    SsmError::new(
        "ResourceNotFoundException",
        format!("The specified resource {arn} doesn't exist."),
    )
}

impl Ssm {
    /// Checks that an ARN names a resource of this account that takes resource policies.
    fn check_policy_resource(&self, ctx: &Ctx, arn: &str) -> Result<(), SsmError> {
        if arn == ctx.arn("ssm", "opsitemgroup/default") {
            return Ok(());
        }
        match arn.strip_prefix(&ctx.arn("ssm", "parameter")) {
            Some(name) if self.lookup(ctx, name).is_some() => Ok(()),
            _ => Err(not_found(arn)),
        }
    }

    fn policy_key(ctx: &Ctx, arn: &str) -> String {
        format!("{}{arn}", ctx.scope())
    }

    pub(super) async fn put_resource_policy(
        &self,
        ctx: &Ctx,
        input: PutResourcePolicyRequest,
    ) -> Result<PutResourcePolicyResponse, SsmError> {
        self.check_policy_resource(ctx, &input.resource_arn)?;
        policy::check(&input.policy, PolicyKind::Resource).map_err(|malformed| {
            SsmError::new(
                "MalformedResourcePolicyDocumentException",
                malformed.to_string(),
            )
        })?;
        let new_hash = hash(&input.policy);
        let new_id = input
            .policy_id
            .clone()
            .unwrap_or_else(|| self.kit.ids().uuid());
        self.resource_policies
            .modify(&Self::policy_key(ctx, &input.resource_arn), |slot| {
                let set = slot.get_or_insert_with(PolicySet::default);
                match &input.policy_id {
                    Some(id) => {
                        let existing = set
                            .policies
                            .iter_mut()
                            .find(|p| p.policy_id.as_ref() == Some(id))
                            .ok_or_else(|| {
                                SsmError::new(
                                    "ResourcePolicyNotFoundException",
                                    format!("No policy found for the policy ID {id}."),
                                )
                            })?;
                        if existing.policy_hash != input.policy_hash {
                            return Err(conflict());
                        }
                        existing.policy = Some(input.policy.clone());
                        existing.policy_hash = Some(new_hash.clone());
                    }
                    None => set.policies.push(GetResourcePoliciesResponseEntry {
                        policy_id: Some(new_id.clone()),
                        policy_hash: Some(new_hash.clone()),
                        policy: Some(input.policy.clone()),
                    }),
                }
                Ok(())
            })?;
        Ok(PutResourcePolicyResponse {
            policy_id: Some(new_id),
            policy_hash: Some(new_hash),
        })
    }

    pub(super) async fn get_resource_policies(
        &self,
        ctx: &Ctx,
        input: GetResourcePoliciesRequest,
    ) -> Result<GetResourcePoliciesResponse, SsmError> {
        self.check_policy_resource(ctx, &input.resource_arn)?;
        let entries = self
            .resource_policies
            .get(&Self::policy_key(ctx, &input.resource_arn))
            .unwrap_or_default()
            .policies
            .into_iter()
            .map(|p| (p.policy_id.clone().unwrap_or_default(), p))
            .collect();
        let page = super::page(entries, input.next_token.as_deref(), input.max_results, 50)?;
        Ok(GetResourcePoliciesResponse {
            next_token: page.next,
            policies: Some(page.items),
        })
    }

    pub(super) async fn delete_resource_policy(
        &self,
        ctx: &Ctx,
        input: DeleteResourcePolicyRequest,
    ) -> Result<DeleteResourcePolicyResponse, SsmError> {
        self.check_policy_resource(ctx, &input.resource_arn)?;
        self.resource_policies
            .modify(&Self::policy_key(ctx, &input.resource_arn), |slot| {
                let set = slot.get_or_insert_with(PolicySet::default);
                let existing = set
                    .policies
                    .iter()
                    .find(|p| p.policy_id.as_deref() == Some(input.policy_id.as_str()))
                    .ok_or_else(|| {
                        SsmError::new(
                            "ResourcePolicyNotFoundException",
                            format!("No policy found for the policy ID {}.", input.policy_id),
                        )
                    })?;
                if existing.policy_hash.as_deref() != Some(input.policy_hash.as_str()) {
                    return Err(conflict());
                }
                set.policies
                    .retain(|p| p.policy_id.as_deref() != Some(input.policy_id.as_str()));
                if set.policies.is_empty() {
                    *slot = None;
                }
                Ok(())
            })?;
        Ok(DeleteResourcePolicyResponse {})
    }
}
