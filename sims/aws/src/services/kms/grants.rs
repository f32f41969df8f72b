//! Grants: recorded permissions on a key, listed by key or by retiring principal, retired or
//! revoked. They are recorded, not enforced (key policies are, under `--enforce-iam`).

use sim_aws_shapes::kms::{
    CreateGrantRequest, CreateGrantResponse, GrantListEntry, ListGrantsRequest, ListGrantsResponse,
    ListRetirableGrantsRequest, RetireGrantRequest, RevokeGrantRequest,
};

use super::keys::page;
use super::{GrantRecord, Kms, KmsError, Scope, pending_deletion, timestamp};
use crate::services::Ctx;

fn grant_not_found(grant_id: &str) -> KmsError {
    KmsError::NotFound(format!("Grant ID {grant_id} not found"))
}

impl Kms {
    pub(super) async fn create_grant(
        &self,
        ctx: &Ctx,
        input: CreateGrantRequest,
    ) -> Result<CreateGrantResponse, KmsError> {
        let scope = Scope::of(ctx);
        let record = self.find_key(&scope, &input.key_id, false)?;
        if record.state() == "PendingDeletion" {
            return Err(pending_deletion(&record.arn()));
        }
        if input.dry_run == Some(true) {
            return Err(KmsError::DryRun);
        }
        // A grant with the same name and content is the same grant (CreateGrant is idempotent
        // by name).
        let key_id = record.metadata.key_id.clone();
        if let Some(name) = &input.name {
            let same = self
                .grants
                .scan_prefix(&format!("{}{key_id}/", scope.prefix()))
                .into_iter()
                .find(|(_, grant)| {
                    grant.entry.name.as_ref() == Some(name)
                        && grant.entry.grantee_principal.as_ref() == Some(&input.grantee_principal)
                        && grant.entry.operations.as_ref() == Some(&input.operations)
                });
            if let Some((_, grant)) = same {
                return Ok(CreateGrantResponse {
                    grant_token: Some(grant.token),
                    grant_id: grant.entry.grant_id,
                });
            }
        }
        let grant_id = self.kit.ids().hex(64);
        let token = format!("{}{}", self.kit.ids().hex(64), self.kit.ids().hex(64));
        let entry = GrantListEntry {
            key_id: Some(record.arn()),
            grant_id: Some(grant_id.clone()),
            name: input.name,
            creation_date: timestamp(self.now()),
            grantee_principal: Some(input.grantee_principal),
            retiring_principal: input.retiring_principal,
            issuing_account: Some(format!("arn:aws:iam::{}:root", scope.account_id)),
            operations: Some(input.operations),
            constraints: input.constraints,
        };
        self.grants.insert(
            &scope.grant_key(&key_id, &grant_id),
            GrantRecord {
                entry,
                token: token.clone(),
            },
        )?;
        Ok(CreateGrantResponse {
            grant_token: Some(token),
            grant_id: Some(grant_id),
        })
    }

    pub(super) async fn list_grants(
        &self,
        ctx: &Ctx,
        input: ListGrantsRequest,
    ) -> Result<ListGrantsResponse, KmsError> {
        let scope = Scope::of(ctx);
        let record = self.find_key(&scope, &input.key_id, false)?;
        let entries = self
            .grants
            .scan_prefix(&format!("{}{}/", scope.prefix(), record.metadata.key_id))
            .into_iter()
            .filter(|(_, grant)| {
                input
                    .grant_id
                    .as_ref()
                    .is_none_or(|id| grant.entry.grant_id.as_ref() == Some(id))
                    && input
                        .grantee_principal
                        .as_ref()
                        .is_none_or(|p| grant.entry.grantee_principal.as_ref() == Some(p))
            })
            .map(|(key, grant)| (key, grant.entry))
            .collect();
        let page = page(entries, input.marker.as_deref(), input.limit, 50)?;
        Ok(ListGrantsResponse {
            truncated: Some(page.is_truncated()),
            next_marker: page.next,
            grants: Some(page.items),
        })
    }

    pub(super) async fn list_retirable_grants(
        &self,
        ctx: &Ctx,
        input: ListRetirableGrantsRequest,
    ) -> Result<ListGrantsResponse, KmsError> {
        let scope = Scope::of(ctx);
        let entries = self
            .grants
            .scan_prefix(&scope.prefix())
            .into_iter()
            .filter(|(_, grant)| {
                grant.entry.retiring_principal.as_ref() == Some(&input.retiring_principal)
            })
            .map(|(key, grant)| (key, grant.entry))
            .collect();
        let page = page(entries, input.marker.as_deref(), input.limit, 50)?;
        Ok(ListGrantsResponse {
            truncated: Some(page.is_truncated()),
            next_marker: page.next,
            grants: Some(page.items),
        })
    }

    pub(super) async fn retire_grant(
        &self,
        ctx: &Ctx,
        input: RetireGrantRequest,
    ) -> Result<(), KmsError> {
        let scope = Scope::of(ctx);
        let found = match (&input.grant_token, &input.key_id, &input.grant_id) {
            (Some(token), _, _) => self
                .grants
                .scan_prefix(&scope.prefix())
                .into_iter()
                .find(|(_, grant)| &grant.token == token)
                .map(|(key, _)| key)
                .ok_or_else(|| KmsError::InvalidGrantToken("Invalid grant token".into()))?,
            (None, Some(key_id), Some(grant_id)) => {
                let record = self.find_key(&scope, key_id, false)?;
                let key = scope.grant_key(&record.metadata.key_id, grant_id);
                if !self.grants.contains(&key) {
                    return Err(grant_not_found(grant_id));
                }
                key
            }
            _ => {
                return Err(KmsError::Validation(
                    "Either GrantToken or both KeyId and GrantId must be specified.".into(),
                ));
            }
        };
        if input.dry_run == Some(true) {
            return Err(KmsError::DryRun);
        }
        self.grants.remove(&found)?;
        Ok(())
    }

    pub(super) async fn revoke_grant(
        &self,
        ctx: &Ctx,
        input: RevokeGrantRequest,
    ) -> Result<(), KmsError> {
        let scope = Scope::of(ctx);
        let record = self.find_key(&scope, &input.key_id, false)?;
        let key = scope.grant_key(&record.metadata.key_id, &input.grant_id);
        if !self.grants.contains(&key) {
            return Err(grant_not_found(&input.grant_id));
        }
        if input.dry_run == Some(true) {
            return Err(KmsError::DryRun);
        }
        self.grants.remove(&key)?;
        Ok(())
    }
}
