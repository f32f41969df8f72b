//! Repository archives: `GET /repos/{o}/{r}/tarball/{ref}` and `…/zipball/{ref}` answer, as
//! GitHub does, `302 Found` to a short-lived signed codeload link
//! (`/_codeload/{o}/{r}/legacy.tar.gz/{ref}?token=…`, GitHub Enterprise's form of
//! `codeload.github.com`), which answers the commit's tree made by `git archive` under one
//! folder named `{owner}-{repo}-{short sha}`, as GitHub names it. The runner's action downloads
//! (`actiondownloadinfo`'s `tarballUrl`) come here.
//!
//! The link carries its own authorization, because clients drop `Authorization` when they
//! follow a redirect (the .NET runner does).
//!
//! What this module must not do: serve a repository the caller of the API could not read, or a
//! link whose signature or expiry does not hold.

use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::Ctx;
use crate::Hub;
use crate::error::GitHubError;
use crate::protocol::{Call, Reply};
use crate::render::Urls;
use crate::spec::Op;

/// How long a codeload link stays valid (GitHub's last a few minutes).
const LINK_MILLIS: i64 = 5 * 60_000;

/// The two archive kinds: the codeload path segment, the content type.
fn kind_of(op: Op) -> (&'static str, &'static str) {
    match op {
        Op::ReposDownloadZipballArchive => ("legacy.zip", "application/zip"),
        _ => ("legacy.tar.gz", "application/x-gzip"),
    }
}

fn signature(hub: &Hub, repo_id: u64, kind: &str, git_ref: &str, expires: i64) -> String {
    let mut digest = Sha256::new();
    digest.update(hub.actions.log_secret.as_bytes());
    digest.update(format!("codeload/{repo_id}/{kind}/{git_ref}/{expires}").as_bytes());
    hex::encode(digest.finalize())
}

/// The commit `git_ref` names in `repo` (a branch, a tag or a commit SHA), or GitHub's 404.
fn commit_of(hub: &Hub, repo_id: u64, git_ref: &str) -> Result<String, GitHubError> {
    let git = hub
        .git
        .open(&repo_id.to_string())
        .map_err(|_| GitHubError::NotFound)?;
    git.resolve(git_ref)
        .ok()
        .flatten()
        .ok_or(GitHubError::NotFound)
}

/// `repos/download-tarball-archive` and `repos/download-zipball-archive`.
pub(crate) fn dispatch(ctx: &Ctx<'_>, call: &Call<'_>) -> Result<Reply, GitHubError> {
    let repo = ctx.readable_repo(call.param("owner"), call.param("repo"))?;
    let git_ref = call.param("ref");
    commit_of(ctx.hub, repo.id, git_ref)?;
    let (kind, _) = kind_of(call.matched.op);
    Ok(Reply::found(codeload_link(
        ctx.hub, &call.urls, &repo, kind, git_ref, ctx.now,
    )))
}

fn codeload_link(
    hub: &Hub,
    urls: &Urls,
    repo: &crate::model::Repo,
    kind: &str,
    git_ref: &str,
    now: i64,
) -> String {
    let expires = now + LINK_MILLIS;
    let sig = signature(hub, repo.id, kind, git_ref, expires);
    format!(
        "{}/_codeload/{}/{kind}/{}?token={expires}.{sig}",
        urls.html,
        repo.full_name(),
        percent_encoding::utf8_percent_encode(git_ref, percent_encoding::NON_ALPHANUMERIC)
    )
}

/// `GET /_codeload/{o}/{r}/{legacy.tar.gz|legacy.zip}/{ref}?token=…`: the archive, or the 404
/// codeload answers for a link that does not hold.
pub fn serve_codeload(hub: &Hub, path: &str, query: &str, now: i64) -> Response {
    match codeload(hub, path, query, now) {
        Some((content_type, name, bytes)) => (
            [
                (http::header::CONTENT_TYPE, content_type.to_string()),
                (
                    http::header::CONTENT_DISPOSITION,
                    format!("attachment; filename={name}"),
                ),
            ],
            bytes,
        )
            .into_response(),
        None => (http::StatusCode::NOT_FOUND, "404: Not Found").into_response(),
    }
}

fn codeload(
    hub: &Hub,
    path: &str,
    query: &str,
    now: i64,
) -> Option<(&'static str, String, Vec<u8>)> {
    let mut parts = path.strip_prefix("/_codeload/")?.splitn(4, '/');
    let (owner, name, kind, encoded_ref) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let git_ref = percent_encoding::percent_decode_str(encoded_ref)
        .decode_utf8()
        .ok()?
        .into_owned();
    let content_type = match kind {
        "legacy.tar.gz" => kind_of(Op::ReposDownloadTarballArchive).1,
        "legacy.zip" => kind_of(Op::ReposDownloadZipballArchive).1,
        _ => return None,
    };
    let token = form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())?;
    let (expires, sig) = token.split_once('.')?;
    let expires: i64 = expires.parse().ok()?;
    let repo = hub.state.repo_by_name(owner, name)?;
    if expires < now || sig != signature(hub, repo.id, kind, &git_ref, expires) {
        return None;
    }
    let sha = commit_of(hub, repo.id, &git_ref).ok()?;
    let short = &sha[..7.min(sha.len())];
    let folder = format!("{}-{}-{short}", repo.owner, repo.name);
    let format = kind.trim_start_matches("legacy.");
    let git = hub.git.open(&repo.id.to_string()).ok()?;
    let bytes = git.archive(&sha, format, &folder).ok()?;
    Some((content_type, format!("{folder}.{format}"), bytes))
}
