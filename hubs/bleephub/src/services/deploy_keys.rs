//! Deploy keys: SSH public keys with access to one repository, managed by its administrators.
//! Keys are checked as OpenSSH public keys (a known type and base64 whose first field names the
//! same type); a key already used on this site is refused, as on GitHub.
//!
//! What this module must not do: see HTTP.

use base64::Engine;
use serde::Deserialize;

use super::Ctx;
use crate::error::{FieldError, GitHubError};
use crate::model::{self, DeployKey, Repo};

#[derive(Debug, Deserialize)]
pub struct NewDeployKey {
    pub title: Option<String>,
    pub key: String,
    pub read_only: Option<bool>,
}

const KEY_TYPES: [&str; 6] = [
    "ssh-rsa",
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
];

fn key_error(message: &str) -> GitHubError {
    GitHubError::ValidationFailed(vec![FieldError::custom("PublicKey", "key", message)])
}

/// `TYPE BASE64` of an OpenSSH public key line (its comment dropped), or GitHub's 422.
pub fn parse_key(text: &str) -> Result<String, GitHubError> {
    let invalid =
        || key_error("key is invalid. You must supply a key in OpenSSH public key format");
    let mut fields = text.split_whitespace();
    let (Some(kind), Some(data)) = (fields.next(), fields.next()) else {
        return Err(invalid());
    };
    if !KEY_TYPES.contains(&kind) {
        return Err(invalid());
    }
    let blob = base64::engine::general_purpose::STANDARD
        .decode(data)
        .map_err(|_| invalid())?;
    // The blob starts with the key type as an SSH string: a 4-byte length, then the name.
    let named = blob
        .get(..4)
        .map(|len| u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize)
        .and_then(|len| blob.get(4..4 + len));
    if named != Some(kind.as_bytes()) {
        return Err(invalid());
    }
    Ok(format!("{kind} {data}"))
}

fn administered(ctx: &Ctx<'_>, owner: &str, name: &str) -> Result<Repo, GitHubError> {
    let repo = ctx.writable_repo(owner, name)?;
    if !ctx.permissions(&repo).admin {
        return Err(GitHubError::NotFound);
    }
    Ok(repo)
}

pub fn list(ctx: &Ctx<'_>, owner: &str, name: &str) -> Result<(Repo, Vec<DeployKey>), GitHubError> {
    let repo = administered(ctx, owner, name)?;
    let keys = ctx
        .hub
        .state
        .deploy_keys
        .scan_prefix(&model::repo_prefix(repo.id))
        .into_iter()
        .map(|(_, key)| key)
        .collect();
    Ok((repo, keys))
}

pub fn create(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    input: NewDeployKey,
) -> Result<(Repo, DeployKey), GitHubError> {
    let repo = administered(ctx, owner, name)?;
    let key = parse_key(&input.key)?;
    let state = &ctx.hub.state;
    if state.deploy_keys.all().iter().any(|(_, k)| k.key == key) {
        return Err(key_error("key is already in use"));
    }
    let added_by = ctx.require_caller()?.login().to_string();
    let record = state.store.transaction(|txn| {
        let id = model::next_id(txn, &state.counters, "deploy_key")?;
        let record = DeployKey {
            id,
            repo_id: repo.id,
            title: input.title.clone().unwrap_or_default(),
            key: key.clone(),
            read_only: input.read_only.unwrap_or(false),
            added_by: added_by.clone(),
            created_at: ctx.now,
        };
        txn.insert(
            &state.deploy_keys,
            &model::comment_key(repo.id, id),
            record.clone(),
        )?;
        Ok::<_, GitHubError>(record)
    })?;
    Ok((repo, record))
}

pub fn get(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    id: &str,
) -> Result<(Repo, DeployKey), GitHubError> {
    let repo = administered(ctx, owner, name)?;
    let id: u64 = id.parse().map_err(|_| GitHubError::NotFound)?;
    let key = ctx
        .hub
        .state
        .deploy_keys
        .get(&model::comment_key(repo.id, id))
        .ok_or(GitHubError::NotFound)?;
    Ok((repo, key))
}

pub fn delete(ctx: &Ctx<'_>, owner: &str, name: &str, id: &str) -> Result<(), GitHubError> {
    let (repo, key) = get(ctx, owner, name, id)?;
    ctx.hub
        .state
        .deploy_keys
        .remove(&model::comment_key(repo.id, key.id))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_openssh_public_keys() {
        // An ed25519 key blob: the type name as an SSH string, then 32 key bytes.
        let mut blob = Vec::new();
        blob.extend_from_slice(&11u32.to_be_bytes());
        blob.extend_from_slice(b"ssh-ed25519");
        blob.extend_from_slice(&32u32.to_be_bytes());
        blob.extend_from_slice(&[7u8; 32]);
        let data = base64::engine::general_purpose::STANDARD.encode(&blob);
        assert_eq!(
            parse_key(&format!("ssh-ed25519 {data} me@host")),
            Ok(format!("ssh-ed25519 {data}"))
        );
        for bad in [
            "ssh-ed25519".to_string(),
            format!("ssh-rsa {data}"),
            "ssh-ed25519 !!!".to_string(),
            format!("ssh-dss {data}"),
        ] {
            assert!(parse_key(&bad).is_err(), "{bad}");
        }
    }
}
