//! Login profiles: a user's console password (`CreateLoginProfile` and friends), and
//! `ChangePassword`, checked against the account's password policy.
//!
//! Passwords are never stored: a profile keeps a salted SHA-256 digest, enough to verify the
//! old password `ChangePassword` is given.

use serde::{Deserialize, Serialize};

/// A user's login profile, kept in its user record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginProfile {
    pub create_date_ms: i64,
    pub password_reset_required: bool,
    /// Hex salt, then `$`, then the hex SHA-256 of salt and password.
    pub password_digest: String,
}
