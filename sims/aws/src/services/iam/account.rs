//! What IAM keeps about the account itself (one record per account): when the account came to
//! be (the root user's `CreateDate`), its password policy, its alias, its STS preferences
//! (`SetSecurityTokenServicePreferences`) and its outbound web identity federation settings.
//!
//! An account alias is unique across all accounts, as in AWS: a second collection maps each
//! alias to its account, changed in the same transaction as the account's record. An account
//! has at most one alias; creating another replaces it.

use serde::{Deserialize, Serialize};
use sim_aws_shapes::iam::{
    CreateAccountAliasRequest, DeleteAccountAliasRequest, GetAccountPasswordPolicyResponse,
    ListAccountAliasesRequest, ListAccountAliasesResponse, PasswordPolicy,
    SetSecurityTokenServicePreferencesRequest, UpdateAccountPasswordPolicyRequest,
};
use simkit::store::Txn;

use super::paging::paginate;
use super::{Iam, IamError};
use crate::services::Ctx;

/// IAM's record of one account.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountSettings {
    /// When the simulator first saw the account: the root user's creation date.
    pub created_ms: i64,
    #[serde(default)]
    pub password_policy: Option<PasswordPolicy>,
    /// The account's alias (AWS allows one).
    #[serde(default)]
    pub alias: Option<String>,
    /// `v1Token` or `v2Token`, once set; AWS's default is version 1.
    #[serde(default)]
    pub global_endpoint_token_version: Option<String>,
    /// Whether outbound web identity federation (STS `GetWebIdentityToken`) is on.
    #[serde(default)]
    pub outbound_federation_enabled: bool,
    /// The account's issuer URL for outbound federation, minted when first enabled.
    #[serde(default)]
    pub outbound_federation_issuer: Option<String>,
}

impl AccountSettings {
    /// `GlobalEndpointTokenVersion` as `GetAccountSummary` counts it (1 or 2).
    pub fn token_version(&self) -> i32 {
        match self.global_endpoint_token_version.as_deref() {
            Some("v2Token") => 2,
            _ => 1,
        }
    }
}

impl Iam {
    /// The account's record as it is now, created on first use (so its creation date stays
    /// the same from then on, across restarts with a state directory).
    pub(crate) fn account_settings(&self, ctx: &Ctx) -> AccountSettings {
        if let Some(settings) = self.accounts.get(&ctx.account_id) {
            return settings;
        }
        let now = self.now_millis();
        let created = self.accounts.modify(&ctx.account_id, |slot| {
            Ok::<_, simkit::store::StoreError>(
                slot.get_or_insert_with(|| AccountSettings {
                    created_ms: now,
                    ..AccountSettings::default()
                })
                .clone(),
            )
        });
        created.unwrap_or(AccountSettings {
            created_ms: now,
            ..AccountSettings::default()
        })
    }

    pub(crate) fn account_created_ms(&self, ctx: &Ctx) -> i64 {
        self.account_settings(ctx).created_ms
    }

    /// Changes the account's record inside `txn` (creating it first if needed).
    pub(crate) fn modify_account<R>(
        &self,
        txn: &mut Txn<'_>,
        ctx: &Ctx,
        change: impl FnOnce(&mut AccountSettings) -> Result<R, IamError>,
    ) -> Result<R, IamError> {
        let now = self.now_millis();
        txn.modify(&self.accounts, &ctx.account_id, |slot| {
            let settings = slot.get_or_insert_with(|| AccountSettings {
                created_ms: now,
                ..AccountSettings::default()
            });
            change(settings)
        })
    }

    pub(super) async fn update_account_password_policy(
        &self,
        ctx: &Ctx,
        input: UpdateAccountPasswordPolicyRequest,
    ) -> Result<(), IamError> {
        // What AWS answers afterwards: every switch, with defaults for those not given; the
        // age, reuse and hard-expiry rules only when they were given.
        let policy = PasswordPolicy {
            minimum_password_length: Some(input.minimum_password_length.unwrap_or(6)),
            require_symbols: Some(input.require_symbols.unwrap_or(false)),
            require_numbers: Some(input.require_numbers.unwrap_or(false)),
            require_uppercase_characters: Some(input.require_uppercase_characters.unwrap_or(false)),
            require_lowercase_characters: Some(input.require_lowercase_characters.unwrap_or(false)),
            allow_users_to_change_password: Some(
                input.allow_users_to_change_password.unwrap_or(false),
            ),
            expire_passwords: Some(input.max_password_age.is_some_and(|age| age > 0)),
            max_password_age: input.max_password_age,
            password_reuse_prevention: input.password_reuse_prevention,
            hard_expiry: input.hard_expiry,
        };
        self.transaction(|txn| {
            self.modify_account(txn, ctx, |settings| {
                settings.password_policy = Some(policy);
                Ok(())
            })
        })
    }

    pub(super) async fn get_account_password_policy(
        &self,
        ctx: &Ctx,
        _input: (),
    ) -> Result<GetAccountPasswordPolicyResponse, IamError> {
        let password_policy = self.account_settings(ctx).password_policy.ok_or_else(|| {
            IamError::NoSuchEntity(format!(
                "The Password Policy with domain name {} cannot be found.",
                ctx.account_id
            ))
        })?;
        Ok(GetAccountPasswordPolicyResponse { password_policy })
    }

    pub(super) async fn delete_account_password_policy(
        &self,
        ctx: &Ctx,
        _input: (),
    ) -> Result<(), IamError> {
        self.transaction(|txn| {
            self.modify_account(txn, ctx, |settings| match settings.password_policy.take() {
                Some(_) => Ok(()),
                None => Err(IamError::NoSuchEntity(
                    "The account policy with name PasswordPolicy cannot be found.".into(),
                )),
            })
        })
    }

    pub(super) async fn create_account_alias(
        &self,
        ctx: &Ctx,
        input: CreateAccountAliasRequest,
    ) -> Result<(), IamError> {
        let alias = input.account_alias;
        self.transaction(|txn| {
            match txn.get(&self.account_aliases, &alias)? {
                Some(owner) if owner == ctx.account_id => return Ok(()),
                Some(_) => {
                    return Err(IamError::EntityAlreadyExists(format!(
                        "The account alias {alias} already exists."
                    )));
                }
                None => {}
            }
            let previous = self.modify_account(txn, ctx, |settings| {
                Ok(settings.alias.replace(alias.clone()))
            })?;
            if let Some(previous) = previous {
                txn.remove(&self.account_aliases, &previous)?;
            }
            txn.insert(&self.account_aliases, &alias, ctx.account_id.clone())?;
            Ok(())
        })
    }

    pub(super) async fn delete_account_alias(
        &self,
        ctx: &Ctx,
        input: DeleteAccountAliasRequest,
    ) -> Result<(), IamError> {
        let alias = input.account_alias;
        self.transaction(|txn| {
            if txn.get(&self.account_aliases, &alias)?.as_deref() != Some(&ctx.account_id) {
                return Err(IamError::NoSuchEntity(format!(
                    "The account alias {alias} cannot be found."
                )));
            }
            txn.remove(&self.account_aliases, &alias)?;
            self.modify_account(txn, ctx, |settings| {
                settings.alias = None;
                Ok(())
            })
        })
    }

    pub(super) async fn list_account_aliases(
        &self,
        ctx: &Ctx,
        input: ListAccountAliasesRequest,
    ) -> Result<ListAccountAliasesResponse, IamError> {
        let entries = self
            .account_settings(ctx)
            .alias
            .into_iter()
            .map(|alias| (alias.clone(), alias))
            .collect();
        let page = paginate(entries, input.marker.as_deref(), input.max_items)?;
        Ok(ListAccountAliasesResponse {
            account_aliases: page.items,
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        })
    }

    pub(super) async fn set_security_token_service_preferences(
        &self,
        ctx: &Ctx,
        input: SetSecurityTokenServicePreferencesRequest,
    ) -> Result<(), IamError> {
        self.transaction(|txn| {
            self.modify_account(txn, ctx, |settings| {
                settings.global_endpoint_token_version = Some(input.global_endpoint_token_version);
                Ok(())
            })
        })
    }
}
