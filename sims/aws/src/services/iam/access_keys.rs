//! Access keys: long-term credentials of IAM users and of the account's root user
//! (`CreateAccessKey`, `ListAccessKeys`, `UpdateAccessKey`, `DeleteAccessKey`,
//! `GetAccessKeyLastUsed`).
//!
//! A key is stored by its ID (`AKIA` + 16 characters of IAM's ID alphabet) with its 40-character
//! secret, so the dispatcher can find the user behind any request's key (see `principals`); its
//! owner's record lists the IDs it holds. At most two keys per user, as in AWS. A key's last use
//! is recorded by whoever authenticates requests (`Iam::note_access_key_use`).
//!
//! Assumption: AWS's answers for the root user's own keys are not recorded anywhere we could
//! read; they name the owner `root` where a user name is required.

use serde::{Deserialize, Serialize};
use sim_aws_shapes::iam::{
    AccessKey, AccessKeyLastUsed, AccessKeyMetadata, CreateAccessKeyRequest,
    CreateAccessKeyResponse, DeleteAccessKeyRequest, GetAccessKeyLastUsedRequest,
    GetAccessKeyLastUsedResponse, ListAccessKeysRequest, ListAccessKeysResponse,
    UpdateAccessKeyRequest,
};
use simkit::store::Txn;

use super::paging::paginate;
use super::users::Subject;
use super::{ID_ALPHABET, Iam, IamError, key, timestamp};
use crate::services::Ctx;

/// The most access keys a user (or the root user) may have (`AccessKeysPerUser`).
const KEYS_PER_USER: usize = 2;

/// The characters of a secret access key.
const SECRET_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// How the root user's keys name their owner where AWS requires a user name.
const ROOT_OWNER: &str = "root";

/// A stored access key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredAccessKey {
    pub account_id: String,
    /// The owning user's name; `None` for the account's root user.
    pub user_name: Option<String>,
    pub secret_access_key: String,
    /// `Active` or `Inactive`.
    pub status: String,
    pub create_date_ms: i64,
    #[serde(default)]
    pub last_used: Option<KeyUse>,
}

/// When, where and for what a key was last used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyUse {
    pub date_ms: i64,
    /// The service's endpoint prefix (`iam`, `logs`, `ecs`).
    pub service_name: String,
    pub region: String,
}

fn no_such_key(access_key_id: &str) -> IamError {
    IamError::NoSuchEntity(format!(
        "The Access Key with id {access_key_id} cannot be found."
    ))
}

impl StoredAccessKey {
    fn owner(&self) -> &str {
        self.user_name.as_deref().unwrap_or(ROOT_OWNER)
    }

    fn belongs_to(&self, ctx: &Ctx, subject: &Subject) -> bool {
        self.account_id == ctx.account_id
            && match (subject, &self.user_name) {
                (Subject::Root, None) => true,
                (Subject::User(name), Some(owner)) => name.eq_ignore_ascii_case(owner),
                _ => false,
            }
    }

    fn metadata(&self, access_key_id: &str) -> AccessKeyMetadata {
        AccessKeyMetadata {
            user_name: self.user_name.clone(),
            access_key_id: Some(access_key_id.to_string()),
            status: Some(self.status.clone()),
            create_date: Some(timestamp(self.create_date_ms)),
        }
    }
}

impl Iam {
    /// The IDs of the keys `subject` holds, checking that a named user exists.
    fn key_ids_of(
        &self,
        txn: &Txn<'_>,
        ctx: &Ctx,
        subject: &Subject,
    ) -> Result<Vec<String>, IamError> {
        match subject {
            Subject::User(name) => Ok(self.user_in(txn, ctx, name)?.access_key_ids),
            Subject::Root => Ok(txn
                .scan_prefix(&self.access_keys, "")?
                .into_iter()
                .filter(|(_, stored)| {
                    stored.account_id == ctx.account_id && stored.user_name.is_none()
                })
                .map(|(id, _)| id)
                .collect()),
        }
    }

    pub(super) async fn create_access_key(
        &self,
        ctx: &Ctx,
        input: CreateAccessKeyRequest,
    ) -> Result<CreateAccessKeyResponse, IamError> {
        let subject = Subject::of(ctx, input.user_name)?;
        let ids = self.kit.ids();
        let access_key_id = format!("AKIA{}", ids.random_word(ID_ALPHABET, 16));
        let stored = StoredAccessKey {
            account_id: ctx.account_id.clone(),
            user_name: None,
            secret_access_key: ids.random_word(SECRET_ALPHABET, 40),
            status: "Active".into(),
            create_date_ms: self.now_millis(),
            last_used: None,
        };
        let stored = self.transaction(|txn| {
            let held = self.key_ids_of(txn, ctx, &subject)?;
            if held.len() >= KEYS_PER_USER {
                return Err(IamError::LimitExceeded(format!(
                    "Cannot exceed quota for AccessKeysPerUser: {KEYS_PER_USER}"
                )));
            }
            let mut stored = stored;
            if let Subject::User(name) = &subject {
                let mut user = self.user_in(txn, ctx, name)?;
                user.access_key_ids.push(access_key_id.clone());
                stored.user_name = Some(user.user_name.clone());
                txn.insert(&self.users, &key(&ctx.account_id, name), user)?;
            }
            txn.insert(&self.access_keys, &access_key_id, stored.clone())?;
            Ok(stored)
        })?;
        Ok(CreateAccessKeyResponse {
            access_key: AccessKey {
                user_name: stored.owner().to_string(),
                access_key_id,
                status: stored.status,
                secret_access_key: stored.secret_access_key,
                create_date: Some(timestamp(stored.create_date_ms)),
            },
        })
    }

    pub(super) async fn list_access_keys(
        &self,
        ctx: &Ctx,
        input: ListAccessKeysRequest,
    ) -> Result<ListAccessKeysResponse, IamError> {
        let subject = Subject::of(ctx, input.user_name)?;
        let held = self.transaction(|txn| self.key_ids_of(txn, ctx, &subject))?;
        let entries = held
            .into_iter()
            .filter_map(|id| {
                let stored = self.access_keys.get(&id)?;
                Some((id.clone(), stored.metadata(&id)))
            })
            .collect();
        let page = paginate(entries, input.marker.as_deref(), input.max_items)?;
        Ok(ListAccessKeysResponse {
            access_key_metadata: page.items,
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        })
    }

    pub(super) async fn update_access_key(
        &self,
        ctx: &Ctx,
        input: UpdateAccessKeyRequest,
    ) -> Result<(), IamError> {
        let subject = Subject::of(ctx, input.user_name)?;
        self.transaction(|txn| {
            if let Subject::User(name) = &subject {
                self.user_in(txn, ctx, name)?;
            }
            let mut stored = txn
                .get(&self.access_keys, &input.access_key_id)?
                .filter(|stored| stored.belongs_to(ctx, &subject))
                .ok_or_else(|| no_such_key(&input.access_key_id))?;
            stored.status = input.status;
            txn.insert(&self.access_keys, &input.access_key_id, stored)?;
            Ok(())
        })
    }

    pub(super) async fn delete_access_key(
        &self,
        ctx: &Ctx,
        input: DeleteAccessKeyRequest,
    ) -> Result<(), IamError> {
        let subject = Subject::of(ctx, input.user_name)?;
        self.transaction(|txn| {
            if let Subject::User(name) = &subject {
                let mut user = self.user_in(txn, ctx, name)?;
                user.access_key_ids.retain(|id| *id != input.access_key_id);
                txn.insert(&self.users, &key(&ctx.account_id, name), user)?;
            }
            txn.get(&self.access_keys, &input.access_key_id)?
                .filter(|stored| stored.belongs_to(ctx, &subject))
                .ok_or_else(|| no_such_key(&input.access_key_id))?;
            txn.remove(&self.access_keys, &input.access_key_id)?;
            Ok(())
        })
    }

    pub(super) async fn get_access_key_last_used(
        &self,
        ctx: &Ctx,
        input: GetAccessKeyLastUsedRequest,
    ) -> Result<GetAccessKeyLastUsedResponse, IamError> {
        // AWS answers a key it does not know (or another account's) as a denied request.
        let stored = self
            .access_keys
            .get(&input.access_key_id)
            .filter(|stored| stored.account_id == ctx.account_id)
            .ok_or_else(|| {
                IamError::AccessDenied(format!(
                    "User: {} is not authorized to perform iam:GetAccessKeyLastUsed on resource: \
                     access key {}",
                    ctx.caller.arn, input.access_key_id
                ))
            })?;
        let last_used = match &stored.last_used {
            Some(used) => AccessKeyLastUsed {
                last_used_date: Some(timestamp(used.date_ms)),
                service_name: used.service_name.clone(),
                region: used.region.clone(),
            },
            None => AccessKeyLastUsed {
                last_used_date: None,
                service_name: "N/A".into(),
                region: "N/A".into(),
            },
        };
        Ok(GetAccessKeyLastUsedResponse {
            user_name: Some(stored.owner().to_string()),
            access_key_last_used: Some(last_used),
        })
    }
}
