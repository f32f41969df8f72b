//! What IAM keeps about the account itself (one record per account): when the account came to
//! be, as the root user's `CreateDate` says.

use serde::{Deserialize, Serialize};

use super::Iam;
use crate::services::Ctx;

/// IAM's record of one account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSettings {
    /// When the simulator first saw the account: the root user's creation date.
    pub created_ms: i64,
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
                slot.get_or_insert_with(|| AccountSettings { created_ms: now })
                    .clone(),
            )
        });
        created.unwrap_or(AccountSettings { created_ms: now })
    }

    pub(crate) fn account_created_ms(&self, ctx: &Ctx) -> i64 {
        self.account_settings(ctx).created_ms
    }
}
