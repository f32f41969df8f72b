//! Releases and their assets in GitHub's shapes (`release`, `release-asset`), with the
//! `upload_url` template pointing at this fake's upload path (`uploads.HOST` for an `api.HOST`
//! caller, `/api/uploads` under Enterprise, the same origin otherwise).

use serde_json::{Value, json};

use super::{Urls, account_or_ghost, node_id, simple_user, timestamp};
use crate::model::{Release, ReleaseAsset, Repo, State};

/// Where uploads go, for the API root the caller used.
pub fn uploads_root(urls: &Urls) -> String {
    if let Some(origin) = urls.api.strip_suffix("/api/v3") {
        return format!("{origin}/api/uploads");
    }
    match urls.api.split_once("://api.") {
        Some((scheme, rest)) => format!("{scheme}://uploads.{rest}"),
        None => urls.api.clone(),
    }
}

pub fn asset(urls: &Urls, state: &State, repo: &Repo, tag: &str, asset: &ReleaseAsset) -> Value {
    let full_name = repo.full_name();
    json!({
        "url": format!("{}/repos/{full_name}/releases/assets/{}", urls.api, asset.id),
        "browser_download_url": format!("{}/{full_name}/releases/download/{tag}/{}", urls.html, asset.name),
        "id": asset.id,
        "node_id": node_id("ReleaseAsset", asset.id),
        "name": asset.name,
        "label": asset.label,
        "state": "uploaded",
        "content_type": asset.content_type,
        "size": asset.size,
        "digest": asset.digest,
        "download_count": asset.download_count,
        "created_at": timestamp(asset.created_at),
        "updated_at": timestamp(asset.updated_at),
        "uploader": simple_user(urls, &account_or_ghost(state, &asset.uploader)),
    })
}

pub fn release(
    urls: &Urls,
    state: &State,
    repo: &Repo,
    release: &Release,
    assets: &[ReleaseAsset],
) -> Value {
    let full_name = repo.full_name();
    let url = format!("{}/repos/{full_name}/releases/{}", urls.api, release.id);
    let tag = &release.tag_name;
    json!({
        "url": url,
        "assets_url": format!("{url}/assets"),
        "upload_url": format!("{}/repos/{full_name}/releases/{}/assets{{?name,label}}", uploads_root(urls), release.id),
        "html_url": format!("{}/{full_name}/releases/tag/{tag}", urls.html),
        "id": release.id,
        "author": simple_user(urls, &account_or_ghost(state, &release.author)),
        "node_id": node_id("Release", release.id),
        "tag_name": tag,
        "target_commitish": release.target_commitish,
        "name": release.name,
        "draft": release.draft,
        "immutable": false,
        "prerelease": release.prerelease,
        "created_at": timestamp(release.created_at),
        "updated_at": timestamp(release.updated_at),
        "published_at": release.published_at.map(timestamp),
        "assets": assets.iter().map(|a| asset(urls, state, repo, tag, a)).collect::<Vec<_>>(),
        "tarball_url": format!("{}/repos/{full_name}/tarball/{tag}", urls.api),
        "zipball_url": format!("{}/repos/{full_name}/zipball/{tag}", urls.api),
        "body": release.body,
    })
}
