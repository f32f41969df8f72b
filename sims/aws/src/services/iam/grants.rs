//! What users, groups and roles are granted, once for all three: managed policies attached to
//! them (`Attach*Policy`, `Detach*Policy`, `ListAttached*Policies`) and inline policies
//! embedded in them (`Put*Policy`, `Get*Policy`, `Delete*Policy`, `List*Policies`).
//!
//! Each kind of entity keeps its grants in its own record ([`Grantee`]), so an entity and its
//! grants change atomically; a policy's attachment count is derived from the entities, so it
//! cannot drift from them. The kinds differ only in nouns and quotas ([`GranteeKind`]).
//!
//! What this module must not do: answer for one kind of entity what only another has (boundaries,
//! tags, memberships live with each kind).

use std::collections::BTreeMap;

use sim_aws_shapes::iam::AttachedPolicy;
use simkit::store::{Collection, Record};

use super::paging::{Page, paginate};
use super::policies::{PolicyArn, policy_position};
use super::{Iam, IamError, check_document, encode_document, key, policy_size, under};
use crate::policy::PolicyKind;
use crate::services::Ctx;

/// What differs between the kinds of entity that hold policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct GranteeKind {
    /// `role`, `user`, `group`: as IAM's messages name the entity.
    pub noun: &'static str,
    /// The quota of attached managed policies, as IAM names it in `LimitExceeded`.
    pub attached_quota: (&'static str, usize),
    /// The most characters (white space aside) all of an entity's inline policies may hold.
    pub inline_limit: usize,
}

/// A record that holds attached and inline policies.
pub(crate) trait Grantee: Record {
    const KIND: GranteeKind;

    /// Where records of this kind live.
    fn collection(iam: &Iam) -> &Collection<Self>;
    /// The entity's name as it was created.
    fn name(&self) -> &str;
    /// ARNs of the managed policies attached, in attachment order.
    fn attached(&mut self) -> &mut Vec<String>;
    /// Inline policies: name to document as given.
    fn inline(&mut self) -> &mut BTreeMap<String, String>;
    /// Refuses changes to an entity only AWS may change (a service-linked role).
    fn check_modifiable(&self) -> Result<(), IamError> {
        Ok(())
    }
}

/// `NoSuchEntity` for an entity of `kind` that does not exist.
pub(crate) fn no_such_entity(kind: &GranteeKind, name: &str) -> IamError {
    IamError::NoSuchEntity(format!(
        "The {} with name {name} cannot be found.",
        kind.noun
    ))
}

fn no_such_inline_policy(kind: &GranteeKind, policy_name: &str) -> IamError {
    IamError::NoSuchEntity(format!(
        "The {} policy with name {policy_name} cannot be found.",
        kind.noun
    ))
}

/// An inline policy as `Get*Policy` answers it.
pub(crate) struct InlinePolicy {
    /// The entity's name as it was created.
    pub entity_name: String,
    pub policy_name: String,
    /// URL-encoded, as IAM answers documents.
    pub document: String,
}

impl Iam {
    /// The entity of kind `G` named `name` in the caller's account.
    pub(crate) fn grantee<G: Grantee>(&self, ctx: &Ctx, name: &str) -> Result<G, IamError> {
        G::collection(self)
            .get(&key(&ctx.account_id, name))
            .ok_or_else(|| no_such_entity(&G::KIND, name))
    }

    fn modify_grantee<G: Grantee, R>(
        &self,
        ctx: &Ctx,
        name: &str,
        change: impl FnOnce(&mut G) -> Result<R, IamError>,
    ) -> Result<R, IamError> {
        G::collection(self).modify(&key(&ctx.account_id, name), |slot| match slot {
            Some(entity) => change(entity),
            None => Err(no_such_entity(&G::KIND, name)),
        })
    }

    /// Attaches a managed policy; attaching it again changes nothing, as in IAM.
    pub(crate) fn attach<G: Grantee>(
        &self,
        ctx: &Ctx,
        name: &str,
        arn: String,
    ) -> Result<(), IamError> {
        self.transaction(|txn| {
            let entity_key = key(&ctx.account_id, name);
            let mut entity: G = txn
                .get(G::collection(self), &entity_key)?
                .ok_or_else(|| no_such_entity(&G::KIND, name))?;
            entity.check_modifiable()?;
            self.policy(ctx, &arn)?;
            let attached = entity.attached();
            if attached.contains(&arn) {
                return Ok(());
            }
            let (quota, limit) = G::KIND.attached_quota;
            if attached.len() >= limit {
                return Err(IamError::LimitExceeded(format!(
                    "Cannot exceed quota for {quota}: {limit}"
                )));
            }
            attached.push(arn);
            txn.insert(G::collection(self), &entity_key, entity)?;
            Ok(())
        })
    }

    pub(crate) fn detach<G: Grantee>(
        &self,
        ctx: &Ctx,
        name: &str,
        arn: &str,
    ) -> Result<(), IamError> {
        PolicyArn::parse(arn)?;
        self.modify_grantee::<G, _>(ctx, name, |entity| {
            entity.check_modifiable()?;
            let attached = entity.attached();
            let before = attached.len();
            attached.retain(|attached| attached != arn);
            if attached.len() == before {
                return Err(IamError::NoSuchEntity(format!(
                    "Policy {arn} was not found."
                )));
            }
            Ok(())
        })
    }

    /// One page of the policies attached to an entity, by name (AWS's before a customer's).
    pub(crate) fn list_attached<G: Grantee>(
        &self,
        ctx: &Ctx,
        name: &str,
        path_prefix: Option<&str>,
        marker: Option<&str>,
        max_items: Option<i32>,
    ) -> Result<Page<AttachedPolicy>, IamError> {
        let mut entity: G = self.grantee(ctx, name)?;
        let entries = entity
            .attached()
            .iter()
            .filter_map(|arn| PolicyArn::parse(arn).ok())
            .filter(|parsed| under(parsed.path, path_prefix))
            .map(|parsed| {
                (
                    policy_position(parsed.name, parsed.is_aws()),
                    AttachedPolicy {
                        policy_name: Some(parsed.name.to_string()),
                        policy_arn: Some(parsed.arn.to_string()),
                    },
                )
            })
            .collect();
        paginate(entries, marker, max_items)
    }

    /// Adds or replaces an inline policy, within the entity's total inline size.
    pub(crate) fn put_inline<G: Grantee>(
        &self,
        ctx: &Ctx,
        name: &str,
        policy_name: String,
        document: String,
    ) -> Result<(), IamError> {
        check_document(&document, PolicyKind::Identity, None)?;
        self.modify_grantee::<G, _>(ctx, name, |entity| {
            entity.check_modifiable()?;
            let entity_name = entity.name().to_string();
            let inline = entity.inline();
            let others: usize = inline
                .iter()
                .filter(|(existing, _)| **existing != policy_name)
                .map(|(_, document)| policy_size(document))
                .sum();
            let limit = G::KIND.inline_limit;
            if others + policy_size(&document) > limit {
                return Err(IamError::LimitExceeded(format!(
                    "Maximum policy size of {limit} bytes exceeded for {} {entity_name}",
                    G::KIND.noun
                )));
            }
            inline.insert(policy_name, document);
            Ok(())
        })
    }

    pub(crate) fn get_inline<G: Grantee>(
        &self,
        ctx: &Ctx,
        name: &str,
        policy_name: &str,
    ) -> Result<InlinePolicy, IamError> {
        let mut entity: G = self.grantee(ctx, name)?;
        let document = entity
            .inline()
            .get(policy_name)
            .map(|document| encode_document(document))
            .ok_or_else(|| no_such_inline_policy(&G::KIND, policy_name))?;
        Ok(InlinePolicy {
            entity_name: entity.name().to_string(),
            policy_name: policy_name.to_string(),
            document,
        })
    }

    pub(crate) fn delete_inline<G: Grantee>(
        &self,
        ctx: &Ctx,
        name: &str,
        policy_name: &str,
    ) -> Result<(), IamError> {
        self.modify_grantee::<G, _>(ctx, name, |entity| {
            entity.check_modifiable()?;
            entity
                .inline()
                .remove(policy_name)
                .map(|_| ())
                .ok_or_else(|| no_such_inline_policy(&G::KIND, policy_name))
        })
    }

    /// One page of an entity's inline policy names, in name order.
    pub(crate) fn list_inline<G: Grantee>(
        &self,
        ctx: &Ctx,
        name: &str,
        marker: Option<&str>,
        max_items: Option<i32>,
    ) -> Result<Page<String>, IamError> {
        let mut entity: G = self.grantee(ctx, name)?;
        let entries = std::mem::take(entity.inline())
            .into_keys()
            .map(|name| (name.clone(), name))
            .collect();
        paginate(entries, marker, max_items)
    }
}
