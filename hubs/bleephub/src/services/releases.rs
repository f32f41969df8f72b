//! Releases and their assets. A published release's tag is created from `target_commitish`
//! when it does not exist yet (a draft's only when it is published), as a push through the
//! API (so push and create events follow). Asset bytes are files named by the asset's ID under
//! the kit's files directory; a file's name is data, never a path.
//!
//! What this module must not do: see HTTP, or write an asset anywhere but its ID's file.

use serde::Deserialize;

use super::Ctx;
use super::gitdata::record_push;
use crate::error::{FieldError, GitHubError};
use crate::model::{self, Release, ReleaseAsset, Repo, id_key};

/// `POST …/releases`.
#[derive(Debug, Deserialize)]
pub struct CreateRelease {
    pub tag_name: String,
    pub target_commitish: Option<String>,
    pub name: Option<String>,
    pub body: Option<String>,
    pub draft: Option<bool>,
    pub prerelease: Option<bool>,
    /// `"true"`, `"false"` or `"legacy"`.
    pub make_latest: Option<String>,
}

/// `PATCH …/releases/{id}`.
#[derive(Debug, Default, Deserialize)]
pub struct UpdateRelease {
    pub tag_name: Option<String>,
    pub target_commitish: Option<String>,
    pub name: Option<String>,
    pub body: Option<String>,
    pub draft: Option<bool>,
    pub prerelease: Option<bool>,
    pub make_latest: Option<String>,
}

/// `PATCH …/releases/assets/{id}`.
#[derive(Debug, Default, Deserialize)]
pub struct UpdateAsset {
    pub name: Option<String>,
    pub label: Option<String>,
}

fn key(repo_id: u64, id: u64) -> String {
    format!("{repo_id:012}/{id:012}")
}

fn internal(error: impl std::fmt::Display) -> GitHubError {
    tracing::error!(%error, "releases");
    GitHubError::Internal
}

fn field_error(field: &str, code: &str) -> GitHubError {
    GitHubError::ValidationFailed(vec![FieldError::new("Release", field, code)])
}

/// Removes every asset's bytes (a reset empties the records).
pub fn clear_files(kit: &simkit::Kit) {
    crate::model::remove_files_dir(kit, "github-assets");
}

/// Where asset `id`'s bytes live.
fn asset_path(ctx: &Ctx<'_>, id: u64) -> std::path::PathBuf {
    ctx.hub
        .kit
        .files_dir()
        .join("github-assets")
        .join(id.to_string())
}

/// Drafts are seen only by those who may push.
fn visible(ctx: &Ctx<'_>, repo: &Repo, release: &Release) -> bool {
    !release.draft || ctx.permissions(repo).push
}

/// The releases of `repo` the caller may see, newest first.
pub fn list(ctx: &Ctx<'_>, owner: &str, name: &str) -> Result<(Repo, Vec<Release>), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let mut releases: Vec<Release> = ctx
        .hub
        .state
        .releases
        .scan_prefix(&model::repo_prefix(repo.id))
        .into_iter()
        .map(|(_, release)| release)
        .filter(|release| visible(ctx, &repo, release))
        .collect();
    releases.reverse();
    Ok((repo, releases))
}

fn parse_id(id: &str) -> Result<u64, GitHubError> {
    id.parse().map_err(|_| GitHubError::NotFound)
}

pub fn get(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    id: &str,
) -> Result<(Repo, Release), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let release = ctx
        .hub
        .state
        .releases
        .get(&key(repo.id, parse_id(id)?))
        .filter(|release| visible(ctx, &repo, release))
        .ok_or(GitHubError::NotFound)?;
    Ok((repo, release))
}

pub fn by_tag(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    tag: &str,
) -> Result<(Repo, Release), GitHubError> {
    let (repo, releases) = list(ctx, owner, name)?;
    let release = releases
        .into_iter()
        .find(|release| release.tag_name == tag && !release.draft)
        .ok_or(GitHubError::NotFound)?;
    Ok((repo, release))
}

/// GitHub's latest release: the one `make_latest` pinned, else the newest published release
/// that is not a prerelease.
pub fn latest(ctx: &Ctx<'_>, owner: &str, name: &str) -> Result<(Repo, Release), GitHubError> {
    let (repo, releases) = list(ctx, owner, name)?;
    let candidates: Vec<Release> = releases
        .into_iter()
        .filter(|r| !r.draft && !r.prerelease)
        .collect();
    let release = candidates
        .iter()
        .find(|r| r.pinned_latest)
        .or_else(|| candidates.iter().max_by_key(|r| (r.created_at, r.id)))
        .cloned()
        .ok_or(GitHubError::NotFound)?;
    Ok((repo, release))
}

/// Creates `refs/tags/{tag}` at `target` unless the tag exists; answers the commitish kept.
fn ensure_tag(ctx: &Ctx<'_>, repo: &Repo, tag: &str, target: &str) -> Result<(), GitHubError> {
    let git = ctx.hub.git.open(&repo.id.to_string()).map_err(internal)?;
    let name = format!("refs/tags/{tag}");
    if simkit::git::names::check_ref_name(&name).is_err() {
        return Err(field_error("tag_name", "invalid"));
    }
    if git.resolve(&name).map_err(internal)?.is_some() {
        return Ok(());
    }
    let commit = if simkit::git::names::is_object_id(target) {
        git.commit_info(target).ok().flatten().map(|c| c.sha)
    } else {
        git.resolve(&format!("refs/heads/{target}")).ok().flatten()
    };
    let commit = commit.ok_or_else(|| field_error("target_commitish", "invalid"))?;
    match git.point_ref(&name, &commit, Some(None)) {
        Ok(()) => {}
        Err(simkit::git::GitError::Conflict(_)) => return Ok(()),
        Err(error) => return Err(internal(error)),
    }
    record_push(ctx, repo, &name, None, Some(&commit))
}

pub fn create(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    input: CreateRelease,
) -> Result<(Repo, Release), GitHubError> {
    let repo = ctx.writable_repo(owner, name)?;
    let caller = ctx.require_caller()?.login().to_string();
    if input.tag_name.trim().is_empty() {
        return Err(field_error("tag_name", "missing_field"));
    }
    let state = &ctx.hub.state;
    let taken = state
        .releases
        .scan_prefix(&model::repo_prefix(repo.id))
        .into_iter()
        .any(|(_, r)| r.tag_name == input.tag_name);
    if taken {
        return Err(field_error("tag_name", "already_exists"));
    }
    let target = input
        .target_commitish
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| repo.default_branch.clone());
    let draft = input.draft.unwrap_or(false);
    if !draft {
        ensure_tag(ctx, &repo, &input.tag_name, &target)?;
    }
    let pinned = input.make_latest.as_deref() == Some("true");
    let release = state.store.transaction(|txn| {
        let id = model::next_id(txn, &state.counters, "release")?;
        if pinned {
            unpin_others(txn, state, repo.id)?;
        }
        let release = Release {
            id,
            repo_id: repo.id,
            tag_name: input.tag_name.clone(),
            target_commitish: target.clone(),
            name: input.name.clone(),
            body: input.body.clone(),
            draft,
            prerelease: input.prerelease.unwrap_or(false),
            pinned_latest: pinned,
            author: caller.clone(),
            created_at: ctx.now,
            updated_at: ctx.now,
            published_at: (!draft).then_some(ctx.now),
        };
        txn.insert(&state.releases, &key(repo.id, id), release.clone())?;
        Ok::<_, GitHubError>(release)
    })?;
    crate::hooks::events::release(ctx, &repo, "created", &release);
    if !release.draft {
        crate::hooks::events::release(ctx, &repo, "published", &release);
    }
    Ok((repo, release))
}

fn unpin_others(
    txn: &mut simkit::store::Txn<'_>,
    state: &model::State,
    repo_id: u64,
) -> Result<(), GitHubError> {
    for (key, mut other) in txn.scan_prefix(&state.releases, &model::repo_prefix(repo_id))? {
        if other.pinned_latest {
            other.pinned_latest = false;
            txn.insert(&state.releases, &key, other)?;
        }
    }
    Ok(())
}

pub fn update(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    id: &str,
    input: UpdateRelease,
) -> Result<(Repo, Release), GitHubError> {
    let repo = ctx.writable_repo(owner, name)?;
    let (_, mut release) = get(ctx, owner, name, id)?;
    let before = release.clone();
    let state = &ctx.hub.state;
    if let Some(tag) = input.tag_name.filter(|t| *t != release.tag_name) {
        let taken = state
            .releases
            .scan_prefix(&model::repo_prefix(repo.id))
            .into_iter()
            .any(|(_, r)| r.tag_name == tag);
        if taken {
            return Err(field_error("tag_name", "already_exists"));
        }
        release.tag_name = tag;
    }
    if let Some(target) = input.target_commitish {
        release.target_commitish = target;
    }
    if let Some(name) = input.name {
        release.name = Some(name);
    }
    if let Some(body) = input.body {
        release.body = Some(body);
    }
    if let Some(prerelease) = input.prerelease {
        release.prerelease = prerelease;
    }
    if let Some(draft) = input.draft {
        release.draft = draft;
    }
    if !release.draft {
        ensure_tag(ctx, &repo, &release.tag_name, &release.target_commitish)?;
        if release.published_at.is_none() {
            release.published_at = Some(ctx.now);
        }
    }
    let pinned = input.make_latest.as_deref() == Some("true");
    release.pinned_latest = pinned || (release.pinned_latest && input.make_latest.is_none());
    release.updated_at = ctx.now;
    let release = state.store.transaction(|txn| {
        if pinned {
            unpin_others(txn, state, repo.id)?;
        }
        txn.insert(&state.releases, &key(repo.id, release.id), release.clone())?;
        Ok::<_, GitHubError>(release)
    })?;
    let action = if before.draft && !release.draft {
        "published"
    } else {
        "edited"
    };
    crate::hooks::events::release(ctx, &repo, action, &release);
    Ok((repo, release))
}

/// Deletes a release and its assets; its tag stays, as on GitHub.
pub fn delete(ctx: &Ctx<'_>, owner: &str, name: &str, id: &str) -> Result<(), GitHubError> {
    let repo = ctx.writable_repo(owner, name)?;
    let (_, release) = get(ctx, owner, name, id)?;
    let state = &ctx.hub.state;
    let assets = assets_of(ctx, &repo, release.id);
    state.store.transaction(|txn| {
        txn.remove(&state.releases, &key(repo.id, release.id))?;
        for asset in &assets {
            txn.remove(&state.assets, &key(repo.id, asset.id))?;
        }
        Ok::<_, GitHubError>(())
    })?;
    for asset in &assets {
        remove_file(ctx, asset.id);
    }
    crate::hooks::events::release(ctx, &repo, "deleted", &release);
    Ok(())
}

fn remove_file(ctx: &Ctx<'_>, id: u64) {
    if let Err(error) = std::fs::remove_file(asset_path(ctx, id))
        && error.kind() != std::io::ErrorKind::NotFound
    {
        tracing::error!(%error, asset = id, "removing a release asset's file");
    }
}

/// The assets of release `release_id`, oldest first.
pub fn assets_of(ctx: &Ctx<'_>, repo: &Repo, release_id: u64) -> Vec<ReleaseAsset> {
    ctx.hub
        .state
        .assets
        .scan_prefix(&model::repo_prefix(repo.id))
        .into_iter()
        .map(|(_, asset)| asset)
        .filter(|asset| asset.release_id == release_id)
        .collect()
}

pub fn list_assets(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    release_id: &str,
) -> Result<(Repo, Vec<ReleaseAsset>), GitHubError> {
    let (repo, release) = get(ctx, owner, name, release_id)?;
    let assets = assets_of(ctx, &repo, release.id);
    Ok((repo, assets))
}

/// What an upload to the `upload_url` carries: the query's `name` and `label`, the
/// `Content-Type`, and the file.
#[derive(Debug)]
pub struct Upload<'a> {
    pub name: Option<&'a str>,
    pub label: Option<&'a str>,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
}

/// An upload to the `upload_url`: the bytes become the asset's file, then its record.
pub fn upload(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    release_id: &str,
    upload: Upload<'_>,
) -> Result<(Repo, ReleaseAsset), GitHubError> {
    let Upload {
        name: file_name,
        label,
        content_type,
        bytes,
    } = upload;
    let repo = ctx.writable_repo(owner, name)?;
    let (_, release) = get(ctx, owner, name, release_id)?;
    let caller = ctx.require_caller()?.login().to_string();
    let file_name = file_name.filter(|n| !n.trim().is_empty()).ok_or_else(|| {
        GitHubError::ValidationFailed(vec![FieldError::new(
            "ReleaseAsset",
            "name",
            "missing_field",
        )])
    })?;
    // GitHub replaces characters a file name may not have with dots.
    let file_name: String = file_name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || "-_.+@".contains(c) {
                c
            } else {
                '.'
            }
        })
        .collect();
    if assets_of(ctx, &repo, release.id)
        .iter()
        .any(|asset| asset.name == file_name)
    {
        return Err(GitHubError::ValidationFailed(vec![FieldError::new(
            "ReleaseAsset",
            "name",
            "already_exists",
        )]));
    }
    let state = &ctx.hub.state;
    let id = state
        .store
        .transaction(|txn| model::next_id(txn, &state.counters, "release_asset"))?;
    let path = asset_path(ctx, id);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(internal)?;
    }
    std::fs::write(&path, bytes).map_err(internal)?;
    use sha2::Digest;
    let asset = ReleaseAsset {
        id,
        repo_id: repo.id,
        release_id: release.id,
        name: file_name,
        label: label.map(String::from),
        content_type: content_type.to_string(),
        size: bytes.len() as u64,
        digest: format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes))),
        download_count: 0,
        uploader: caller,
        created_at: ctx.now,
        updated_at: ctx.now,
    };
    state.assets.insert(&key(repo.id, id), asset.clone())?;
    Ok((repo, asset))
}

pub fn get_asset(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    asset_id: &str,
) -> Result<(Repo, ReleaseAsset), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let asset = ctx
        .hub
        .state
        .assets
        .get(&key(repo.id, parse_id(asset_id)?))
        .ok_or(GitHubError::NotFound)?;
    let release = ctx.hub.state.releases.get(&key(repo.id, asset.release_id));
    if !release.is_some_and(|r| visible(ctx, &repo, &r)) {
        return Err(GitHubError::NotFound);
    }
    Ok((repo, asset))
}

pub fn update_asset(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    asset_id: &str,
    input: UpdateAsset,
) -> Result<(Repo, ReleaseAsset), GitHubError> {
    let repo = ctx.writable_repo(owner, name)?;
    let (_, mut asset) = get_asset(ctx, owner, name, asset_id)?;
    if let Some(new_name) = input.name {
        asset.name = new_name;
    }
    if let Some(label) = input.label {
        asset.label = Some(label);
    }
    asset.updated_at = ctx.now;
    ctx.hub
        .state
        .assets
        .insert(&key(repo.id, asset.id), asset.clone())?;
    Ok((repo, asset))
}

pub fn delete_asset(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    asset_id: &str,
) -> Result<(), GitHubError> {
    let repo = ctx.writable_repo(owner, name)?;
    let (_, asset) = get_asset(ctx, owner, name, asset_id)?;
    ctx.hub.state.assets.remove(&key(repo.id, asset.id))?;
    remove_file(ctx, asset.id);
    Ok(())
}

/// An asset's bytes, counted as a download.
pub fn download(ctx: &Ctx<'_>, repo: &Repo, asset: &ReleaseAsset) -> Result<Vec<u8>, GitHubError> {
    let bytes = std::fs::read(asset_path(ctx, asset.id)).map_err(internal)?;
    ctx.hub
        .state
        .assets
        .update(&key(repo.id, asset.id), |a| a.download_count += 1)?;
    Ok(bytes)
}

/// The asset named `file_name` of the published release tagged `tag` (the web download path).
pub fn asset_by_tag(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    tag: &str,
    file_name: &str,
) -> Result<(Repo, ReleaseAsset), GitHubError> {
    let (repo, release) = by_tag(ctx, owner, name, tag)?;
    let asset = assets_of(ctx, &repo, release.id)
        .into_iter()
        .find(|a| a.name == file_name)
        .ok_or(GitHubError::NotFound)?;
    Ok((repo, asset))
}

/// The record of asset `id` of repository `repo_id`, whoever asks (signed download links).
pub fn asset_record(ctx: &Ctx<'_>, repo_id: u64, id: u64) -> Option<(Repo, ReleaseAsset)> {
    let repo = ctx.hub.state.repos.get(&id_key(repo_id))?;
    let asset = ctx.hub.state.assets.get(&key(repo_id, id))?;
    Some((repo, asset))
}
