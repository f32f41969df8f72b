//! Aliases: friendly names (`alias/...`) for keys. Names under `alias/aws/` are AWS's, made
//! by [`Kms::managed_key`] only.

use sim_aws_shapes::kms::{
    AliasListEntry, CreateAliasRequest, DeleteAliasRequest, ListAliasesRequest,
    ListAliasesResponse, UpdateAliasRequest,
};

use super::keys::page;
use super::{AliasRecord, Kms, KmsError, Scope, pending_deletion, timestamp};
use crate::services::Ctx;

/// Checks an alias name a customer may create or change.
fn check_alias_name(name: &str) -> Result<(), KmsError> {
    let well_formed = name.strip_prefix("alias/").is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/_-".contains(&b))
    });
    if !well_formed {
        return Err(KmsError::Validation(format!(
            "1 validation error detected: Value '{name}' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^alias/[a-zA-Z0-9/_-]+$"
        )));
    }
    if name.starts_with("alias/aws/") {
        return Err(KmsError::InvalidAliasName(
            "Alias must not begin with 'alias/aws/'. The alias/aws/ prefix is reserved for AWS managed keys.".into(),
        ));
    }
    Ok(())
}

fn alias_not_found(scope: &Scope, name: &str) -> KmsError {
    KmsError::NotFound(format!("Alias {} is not found.", scope.alias_arn(name)))
}

impl Kms {
    /// The key an alias may point at: a customer key (named by ID or ARN), not pending deletion.
    fn alias_target(&self, scope: &Scope, target: &str) -> Result<String, KmsError> {
        let record = self.find_key(scope, target, false)?;
        if record.state() == "PendingDeletion" {
            return Err(pending_deletion(&record.arn()));
        }
        if record.aws_managed {
            return Err(KmsError::UnsupportedOperation(format!(
                "{} is an AWS managed key; aliases cannot point at it.",
                record.arn()
            )));
        }
        Ok(record.metadata.key_id)
    }

    pub(super) async fn create_alias(
        &self,
        ctx: &Ctx,
        input: CreateAliasRequest,
    ) -> Result<(), KmsError> {
        let scope = Scope::of(ctx);
        check_alias_name(&input.alias_name)?;
        let target_key_id = self.alias_target(&scope, &input.target_key_id)?;
        let now = self.now();
        self.aliases
            .modify(&scope.alias_key(&input.alias_name), |slot| {
                if slot.is_some() {
                    return Err(KmsError::AlreadyExists(format!(
                        "An alias with the name {} already exists",
                        scope.alias_arn(&input.alias_name)
                    )));
                }
                *slot = Some(AliasRecord {
                    name: input.alias_name.clone(),
                    target_key_id,
                    created: now,
                    updated: now,
                });
                Ok(())
            })
    }

    pub(super) async fn update_alias(
        &self,
        ctx: &Ctx,
        input: UpdateAliasRequest,
    ) -> Result<(), KmsError> {
        let scope = Scope::of(ctx);
        check_alias_name(&input.alias_name)?;
        let target_key_id = self.alias_target(&scope, &input.target_key_id)?;
        let now = self.now();
        self.aliases
            .modify(&scope.alias_key(&input.alias_name), |slot| match slot {
                Some(alias) => {
                    alias.target_key_id = target_key_id;
                    alias.updated = now;
                    Ok(())
                }
                None => Err(alias_not_found(&scope, &input.alias_name)),
            })
    }

    pub(super) async fn delete_alias(
        &self,
        ctx: &Ctx,
        input: DeleteAliasRequest,
    ) -> Result<(), KmsError> {
        let scope = Scope::of(ctx);
        check_alias_name(&input.alias_name)?;
        self.aliases
            .modify(&scope.alias_key(&input.alias_name), |slot| {
                match slot.take() {
                    Some(_) => Ok(()),
                    None => Err(alias_not_found(&scope, &input.alias_name)),
                }
            })
    }

    pub(super) async fn list_aliases(
        &self,
        ctx: &Ctx,
        input: ListAliasesRequest,
    ) -> Result<ListAliasesResponse, KmsError> {
        let scope = Scope::of(ctx);
        let key_id = input
            .key_id
            .as_deref()
            .map(|id| self.find_key(&scope, id, false))
            .transpose()?
            .map(|record| record.metadata.key_id);
        let entries = self
            .aliases
            .scan_prefix(&scope.prefix())
            .into_iter()
            .filter(|(_, alias)| key_id.as_ref().is_none_or(|id| *id == alias.target_key_id))
            .map(|(key, alias)| {
                let entry = AliasListEntry {
                    alias_arn: Some(scope.alias_arn(&alias.name)),
                    alias_name: Some(alias.name),
                    target_key_id: Some(alias.target_key_id),
                    creation_date: timestamp(alias.created),
                    last_updated_date: timestamp(alias.updated),
                };
                (key, entry)
            })
            .collect();
        let page = page(entries, input.marker.as_deref(), input.limit, 50)?;
        Ok(ListAliasesResponse {
            truncated: Some(page.is_truncated()),
            next_marker: page.next,
            aliases: Some(page.items),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_names_need_the_prefix_and_not_aws() {
        assert!(check_alias_name("alias/my-key_1/x").is_ok());
        assert!(matches!(
            check_alias_name("my-key"),
            Err(KmsError::Validation(_))
        ));
        assert!(matches!(
            check_alias_name("alias/aws/s3"),
            Err(KmsError::InvalidAliasName(_))
        ));
    }
}
