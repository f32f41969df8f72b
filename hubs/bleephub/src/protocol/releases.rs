//! Dispatch of the release operations, the upload of asset bytes (the body of
//! `repos/upload-release-asset` is the file, not JSON), and asset downloads: the API answers
//! `Accept: application/octet-stream` with a `302` to a short-lived signed link on this fake, as
//! GitHub redirects to its object storage, and the web path
//! `/{owner}/{repo}/releases/download/{tag}/{name}` does the same.

use std::sync::OnceLock;

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode};
use serde_json::Value;

use super::{Call, Reply};
use crate::Hub;
use crate::error::GitHubError;
use crate::model::{ReleaseAsset, Repo};
use crate::render::Urls;
use crate::render::releases as shapes;
use crate::services::Ctx;
use crate::services::releases;
use crate::spec::Op;

/// How long a signed download link works (GitHub's object storage links live five minutes).
const LINK_LIFETIME_MS: i64 = 5 * 60 * 1000;

/// The key download links are signed with, made once per process from the kit's IDs (links
/// are short-lived, so they need not survive a restart).
fn link_key(hub: &Hub) -> &'static str {
    static KEY: OnceLock<String> = OnceLock::new();
    KEY.get_or_init(|| hub.kit.ids().hex(64))
}

fn signature(hub: &Hub, repo_id: u64, asset_id: u64, expires: i64) -> String {
    simkit::webhook::sign::hmac_sha256_hex(
        link_key(hub).as_bytes(),
        format!("{repo_id}/{asset_id}/{expires}").as_bytes(),
    )
}

/// A signed link to asset bytes, on the web origin the caller used.
fn signed_link(ctx: &Ctx<'_>, urls: &Urls, repo: &Repo, asset: &ReleaseAsset) -> String {
    let expires = ctx.now + LINK_LIFETIME_MS;
    format!(
        "{}/_releases/assets/{}/{}?expires={expires}&signature={}",
        urls.html,
        repo.id,
        asset.id,
        signature(ctx.hub, repo.id, asset.id, expires)
    )
}

fn wants_bytes(call: &Call<'_>) -> bool {
    call.headers
        .get_all(http::header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("application/octet-stream"))
}

pub(super) fn dispatch(ctx: &Ctx<'_>, call: &Call<'_>) -> Result<Reply, GitHubError> {
    let urls = &call.urls;
    let state = &ctx.hub.state;
    let owner = call.param("owner");
    let name = call.param("repo");
    let render = |repo: &Repo, release: &crate::model::Release| {
        let assets = releases::assets_of(ctx, repo, release.id);
        shapes::release(urls, state, repo, release, &assets)
    };
    Ok(match call.matched.op {
        Op::ReposListReleases => {
            let (repo, list) = releases::list(ctx, owner, name)?;
            call.page(list, |release| render(&repo, release))
        }
        Op::ReposCreateRelease => {
            let (repo, release) = releases::create(ctx, owner, name, call.input()?)?;
            Reply::created(render(&repo, &release))
        }
        Op::ReposGetRelease => {
            let (repo, release) = releases::get(ctx, owner, name, call.param("release_id"))?;
            Reply::ok(render(&repo, &release))
        }
        Op::ReposGetLatestRelease => {
            let (repo, release) = releases::latest(ctx, owner, name)?;
            Reply::ok(render(&repo, &release))
        }
        Op::ReposGetReleaseByTag => {
            let (repo, release) = releases::by_tag(ctx, owner, name, call.param("tag"))?;
            Reply::ok(render(&repo, &release))
        }
        Op::ReposUpdateRelease => {
            let (repo, release) =
                releases::update(ctx, owner, name, call.param("release_id"), call.input()?)?;
            Reply::ok(render(&repo, &release))
        }
        Op::ReposDeleteRelease => {
            releases::delete(ctx, owner, name, call.param("release_id"))?;
            Reply::no_content()
        }
        Op::ReposListReleaseAssets => {
            let (repo, release) = releases::get(ctx, owner, name, call.param("release_id"))?;
            let (_, assets) = releases::list_assets(ctx, owner, name, call.param("release_id"))?;
            call.page(assets, |asset| {
                shapes::asset(urls, state, &repo, &release.tag_name, asset)
            })
        }
        Op::ReposUploadReleaseAsset => {
            let content_type = call
                .headers
                .get(http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("application/octet-stream")
                .to_string();
            let bytes = call.raw.as_deref().unwrap_or_default();
            let (name_q, label_q) = (call.query("name"), call.query("label"));
            let (repo, asset) = releases::upload(
                ctx,
                owner,
                name,
                call.param("release_id"),
                releases::Upload {
                    name: name_q.as_deref(),
                    label: label_q.as_deref(),
                    content_type: &content_type,
                    bytes,
                },
            )?;
            let (_, release) = releases::get(ctx, owner, name, call.param("release_id"))?;
            Reply::created(shapes::asset(urls, state, &repo, &release.tag_name, &asset))
        }
        Op::ReposGetReleaseAsset => {
            let (repo, asset) = releases::get_asset(ctx, owner, name, call.param("asset_id"))?;
            if wants_bytes(call) {
                Reply::found(signed_link(ctx, urls, &repo, &asset))
            } else {
                let tag = tag_of(ctx, &repo, &asset);
                Reply::ok(shapes::asset(urls, state, &repo, &tag, &asset))
            }
        }
        Op::ReposUpdateReleaseAsset => {
            let (repo, asset) =
                releases::update_asset(ctx, owner, name, call.param("asset_id"), call.input()?)?;
            let tag = tag_of(ctx, &repo, &asset);
            Reply::ok(shapes::asset(urls, state, &repo, &tag, &asset))
        }
        Op::ReposDeleteReleaseAsset => {
            releases::delete_asset(ctx, owner, name, call.param("asset_id"))?;
            Reply::no_content()
        }
        other => {
            tracing::error!(
                ?other,
                "operation routed to the releases dispatcher by mistake"
            );
            return Err(GitHubError::Internal);
        }
    })
}

fn tag_of(ctx: &Ctx<'_>, repo: &Repo, asset: &ReleaseAsset) -> String {
    ctx.hub
        .state
        .releases
        .get(&format!("{:012}/{:012}", repo.id, asset.release_id))
        .map(|r| r.tag_name)
        .unwrap_or_default()
}

/// `/{owner}/{repo}/releases/download/{tag}/{name}`: the parts, if the path is one.
pub(super) fn parse_download(path: &str) -> Option<(String, String, String, String)> {
    let mut parts = path.trim_start_matches('/').splitn(6, '/');
    let owner = parts.next()?;
    let repo = parts.next()?;
    if parts.next()? != "releases" || parts.next()? != "download" {
        return None;
    }
    let tag = parts.next()?;
    let name = parts.next()?;
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    Some((decode(owner), decode(repo), decode(tag), decode(name)))
}

/// The web download path: a redirect to a signed link, if the caller may read the repository.
pub(super) fn web_download(
    ctx: &Ctx<'_>,
    urls: &Urls,
    (owner, repo, tag, name): (String, String, String, String),
) -> Result<String, GitHubError> {
    let (repo, asset) = releases::asset_by_tag(ctx, &owner, &repo, &tag, &name)?;
    Ok(signed_link(ctx, urls, &repo, &asset))
}

/// `/_releases/assets/{repo}/{asset}?expires=…&signature=…`: the bytes, if the link is genuine
/// and fresh; what object storage answers otherwise.
pub(super) fn serve_link(ctx: &Ctx<'_>, path: &str, query: &str) -> Response {
    let forbidden = || {
        (
            StatusCode::FORBIDDEN,
            [(http::header::CONTENT_TYPE, "application/xml")],
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>AuthenticationFailed</Code><Message>Server failed to authenticate the request.</Message></Error>",
        )
            .into_response()
    };
    let mut ids = path.trim_start_matches("/_releases/assets/").split('/');
    let (Some(repo_id), Some(asset_id), None) = (
        ids.next().and_then(|s| s.parse::<u64>().ok()),
        ids.next().and_then(|s| s.parse::<u64>().ok()),
        ids.next(),
    ) else {
        return forbidden();
    };
    let params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let value = |key: &str| {
        params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    let (Some(expires), Some(given)) = (
        value("expires").and_then(|e| e.parse::<i64>().ok()),
        value("signature"),
    ) else {
        return forbidden();
    };
    if expires < ctx.now || given != signature(ctx.hub, repo_id, asset_id, expires) {
        return forbidden();
    }
    let Some((repo, asset)) = releases::asset_record(ctx, repo_id, asset_id) else {
        return forbidden();
    };
    match releases::download(ctx, &repo, &asset) {
        Ok(bytes) => {
            let mut response = (StatusCode::OK, bytes).into_response();
            let headers = response.headers_mut();
            headers.insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            );
            if let Ok(value) =
                HeaderValue::from_str(&format!("attachment; filename={}", asset.name))
            {
                headers.insert(http::header::CONTENT_DISPOSITION, value);
            }
            response
        }
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, Value::Null.to_string()).into_response(),
    }
}
