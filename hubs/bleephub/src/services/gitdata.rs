//! GitHub's Git Data API over the repository's real objects: refs (list, match, get, create,
//! move with or without `force`, delete), blobs, trees, commits and annotated tag objects,
//! read and written by ID. Ref moves are compare-and-swap, and every ref change is recorded as
//! a push (`pushed_at`, the push hooks), as GitHub treats API ref updates.

use base64::Engine;
use serde::Deserialize;
use simkit::git::{Commit, GitError, ObjectKind, RefUpdate, Signature, TagObject, TreeEntry};

use super::Ctx;
use super::commits::open;
use super::git::{internal, pushed, signature};
use crate::error::GitHubError;
use crate::model::Repo;

fn unprocessable(message: &str) -> GitHubError {
    GitHubError::InvalidRequest(message.to_string())
}

/// A ref as the API lists it: its full name, the object it names, and that object's kind.
#[derive(Debug, Clone)]
pub struct RefView {
    pub name: String,
    pub sha: String,
    pub kind: ObjectKind,
}

fn ref_views(git: &simkit::git::Repo, prefix: &str) -> Result<Vec<RefView>, GitHubError> {
    Ok(git
        .refs()
        .map_err(internal)?
        .into_iter()
        .filter(|r| r.name.starts_with(prefix))
        .map(|r| RefView {
            kind: if r.peeled.is_some() {
                ObjectKind::Tag
            } else {
                ObjectKind::Commit
            },
            name: r.name,
            sha: r.target,
        })
        .collect())
}

/// `GET /git/refs` (every ref; 409 for an empty repository) and `GET /git/matching-refs/{ref}`
/// (refs whose name starts with `refs/{ref}`).
pub fn list_refs(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    prefix: Option<&str>,
) -> Result<(Repo, Vec<RefView>), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let git = open(ctx, &repo)?;
    let refs = match prefix {
        Some(prefix) => ref_views(&git, &format!("refs/{prefix}"))?,
        None => {
            let refs = ref_views(&git, "refs/")?;
            if refs.is_empty() {
                return Err(GitHubError::Conflict("Git Repository is empty.".into()));
            }
            refs
        }
    };
    Ok((repo, refs))
}

/// `GET /git/ref/{ref}`: exactly `refs/{ref}`.
pub fn get_ref(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    reference: &str,
) -> Result<(Repo, RefView), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let git = open(ctx, &repo)?;
    let full = format!("refs/{reference}");
    let found = ref_views(&git, &full)?
        .into_iter()
        .find(|r| r.name == full)
        .ok_or(GitHubError::NotFound)?;
    Ok((repo, found))
}

/// The full object ID and kind `sha` names, or 422 `Object does not exist`.
fn existing_object(
    git: &simkit::git::Repo,
    sha: &str,
) -> Result<(String, ObjectKind), GitHubError> {
    let missing = || unprocessable("Object does not exist");
    if sha.len() < 4 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(missing());
    }
    match git.full_object_id(sha) {
        Ok(Some(found)) => Ok(found),
        Ok(None) | Err(GitError::Invalid { .. }) => Err(missing()),
        Err(error) => Err(internal(error)),
    }
}

/// `POST /git/refs`.
#[derive(Debug, Deserialize)]
pub struct CreateRef {
    #[serde(rename = "ref")]
    pub reference: String,
    pub sha: String,
}

pub fn create_ref(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    input: CreateRef,
) -> Result<(Repo, RefView), GitHubError> {
    let repo = ctx.writable_repo(owner, name)?;
    let git = open(ctx, &repo)?;
    if !input.reference.starts_with("refs/") || input.reference.matches('/').count() < 2 {
        return Err(unprocessable(
            "Reference name must contain at least three slash-separated components.",
        ));
    }
    if simkit::git::names::check_ref_name(&input.reference).is_err() {
        return Err(unprocessable("Reference name is invalid"));
    }
    let (sha, kind) = existing_object(&git, &input.sha)?;
    match git.point_ref(&input.reference, &sha, Some(None)) {
        Ok(()) => {}
        Err(GitError::Conflict(_)) => return Err(unprocessable("Reference already exists")),
        Err(error) => return Err(internal(error)),
    }
    record_push(ctx, &repo, &input.reference, None, Some(&sha))?;
    let view = RefView {
        name: input.reference,
        sha,
        kind,
    };
    Ok((repo, view))
}

/// `PATCH /git/refs/{ref}`.
#[derive(Debug, Deserialize)]
pub struct UpdateRef {
    pub sha: String,
    pub force: Option<bool>,
}

/// Whether `branch` of `repo` is protected against force moves and deletion.
fn protection_of(ctx: &Ctx<'_>, repo: &Repo, full: &str) -> Option<crate::model::BranchProtection> {
    let branch = full.strip_prefix("refs/heads/")?;
    ctx.hub
        .state
        .protections
        .get(&crate::model::protection_key(repo.id, branch))
}

pub fn update_ref(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    reference: &str,
    input: UpdateRef,
) -> Result<(Repo, RefView), GitHubError> {
    let repo = ctx.writable_repo(owner, name)?;
    let git = open(ctx, &repo)?;
    let full = format!("refs/{}", reference.trim_start_matches("refs/"));
    let current = match git.ref_target(&full) {
        Ok(Some(current)) => current,
        Ok(None) | Err(GitError::Invalid { .. }) => {
            return Err(unprocessable("Reference does not exist"));
        }
        Err(error) => return Err(internal(error)),
    };
    let (sha, kind) = existing_object(&git, &input.sha)?;
    let fast_forward = git.is_ancestor(&current, &sha).unwrap_or(false);
    if !fast_forward {
        if !input.force.unwrap_or(false) {
            return Err(unprocessable("Update is not a fast forward"));
        }
        if protection_of(ctx, &repo, &full).is_some_and(|p| !p.allow_force_pushes) {
            return Err(unprocessable("Cannot force-push to this branch"));
        }
    }
    match git.point_ref(&full, &sha, Some(Some(&current))) {
        Ok(()) => {}
        Err(GitError::Conflict(_)) => return Err(unprocessable("Reference cannot be updated")),
        Err(error) => return Err(internal(error)),
    }
    record_push(ctx, &repo, &full, Some(&current), Some(&sha))?;
    Ok((
        repo,
        RefView {
            name: full,
            sha,
            kind,
        },
    ))
}

pub fn delete_ref(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    reference: &str,
) -> Result<(), GitHubError> {
    let repo = ctx.writable_repo(owner, name)?;
    let git = open(ctx, &repo)?;
    let full = format!("refs/{}", reference.trim_start_matches("refs/"));
    let current = match git.ref_target(&full) {
        Ok(Some(current)) => current,
        Ok(None) | Err(GitError::Invalid { .. }) => {
            return Err(unprocessable("Reference does not exist"));
        }
        Err(error) => return Err(internal(error)),
    };
    if protection_of(ctx, &repo, &full).is_some_and(|p| !p.allow_deletions) {
        return Err(unprocessable("Cannot delete this protected branch."));
    }
    match git.update_ref(&full, None, Some(&current)) {
        Ok(()) => {}
        Err(GitError::Conflict(_)) => return Err(unprocessable("Reference cannot be updated")),
        Err(error) => return Err(internal(error)),
    }
    record_push(ctx, &repo, &full, Some(&current), None)
}

/// Records a ref change made through the API as a push.
pub fn record_push(
    ctx: &Ctx<'_>,
    repo: &Repo,
    name: &str,
    old: Option<&str>,
    new: Option<&str>,
) -> Result<(), GitHubError> {
    pushed(
        ctx,
        repo,
        &[RefUpdate {
            name: name.to_string(),
            old: old.map(String::from),
            new: new.map(String::from),
        }],
    )
}

/// A blob's bytes by ID.
pub fn get_blob(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    sha: &str,
) -> Result<(Repo, String, Vec<u8>), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let git = open(ctx, &repo)?;
    match existing_object(&git, sha) {
        Ok((full, ObjectKind::Blob)) => {
            let bytes = git.blob(&full).map_err(internal)?;
            Ok((repo, full, bytes))
        }
        _ => Err(GitHubError::NotFound),
    }
}

/// `POST /git/blobs`.
#[derive(Debug, Deserialize)]
pub struct CreateBlob {
    pub content: String,
    pub encoding: Option<String>,
}

/// Decodes GitHub's base64 (line breaks allowed).
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .ok()
}

pub fn create_blob(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    input: CreateBlob,
) -> Result<(Repo, String), GitHubError> {
    let repo = ctx.writable_repo(owner, name)?;
    let git = open(ctx, &repo)?;
    let bytes = match input.encoding.as_deref().unwrap_or("utf-8") {
        "utf-8" | "utf8" => input.content.into_bytes(),
        "base64" => decode_base64(&input.content)
            .ok_or_else(|| unprocessable("content is not valid Base64"))?,
        other => {
            return Err(unprocessable(&format!(
                "encoding must be utf-8 or base64, not {other}"
            )));
        }
    };
    let sha = git.write_blob(&bytes).map_err(internal)?;
    Ok((repo, sha))
}

/// A tree by ID (or the tree of a commit or ref), every entry below it with `recursive`.
pub fn get_tree(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    tree: &str,
    recursive: bool,
) -> Result<(Repo, String, Vec<TreeEntry>), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let git = open(ctx, &repo)?;
    match git.tree_of(tree, recursive) {
        Ok(Some((sha, entries))) => Ok((repo, sha, entries)),
        Ok(None) | Err(GitError::Invalid { .. }) => Err(GitHubError::NotFound),
        Err(error) => Err(internal(error)),
    }
}

/// One entry of `POST /git/trees`: by object (`sha`, null to delete) or by `content`.
#[derive(Debug, Deserialize)]
pub struct TreeItem {
    pub path: Option<String>,
    pub mode: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "present_or_null")]
    pub sha: Option<Option<String>>,
    pub content: Option<String>,
}

/// Tells an absent member (`None`) from a null one (`Some(None)`).
fn present_or_null<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

#[derive(Debug, Deserialize)]
pub struct CreateTree {
    pub tree: Vec<TreeItem>,
    pub base_tree: Option<String>,
}

pub fn create_tree(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    input: CreateTree,
) -> Result<(Repo, String, Vec<TreeEntry>), GitHubError> {
    let repo = ctx.writable_repo(owner, name)?;
    let git = open(ctx, &repo)?;
    let base = match &input.base_tree {
        Some(base) => match git.tree_of(base, false) {
            Ok(Some((sha, _))) => Some(sha),
            Ok(None) | Err(GitError::Invalid { .. }) => {
                return Err(unprocessable(&format!(
                    "base_tree {base} is not a valid tree oid"
                )));
            }
            Err(error) => return Err(internal(error)),
        },
        None => None,
    };
    let mut writes = Vec::new();
    for item in input.tree {
        let path = item
            .path
            .filter(|p| !p.is_empty() && simkit::git::names::check_path(p).is_ok())
            .ok_or_else(|| unprocessable("Must supply a valid tree.path"))?;
        let mode = item.mode.unwrap_or_default();
        let expected = match mode.as_str() {
            "100644" | "100755" | "120000" => ObjectKind::Blob,
            "040000" => ObjectKind::Tree,
            "160000" => ObjectKind::Commit,
            _ => return Err(unprocessable("Must supply a valid tree.mode")),
        };
        if let Some(kind) = &item.kind
            && kind != expected.as_str()
        {
            return Err(unprocessable(&format!(
                "Must supply a valid tree.type: {kind} does not fit mode {mode}"
            )));
        }
        let sha = match (item.sha, item.content) {
            (Some(Some(sha)), _) => {
                let found = existing_object(&git, &sha).ok();
                match found {
                    Some((full, kind)) if kind == expected || expected == ObjectKind::Commit => {
                        Some(full)
                    }
                    _ => {
                        return Err(unprocessable(&format!(
                            "tree.sha {sha} is not a valid {}",
                            expected.as_str()
                        )));
                    }
                }
            }
            (Some(None), _) => None,
            (None, Some(content)) => Some(git.write_blob(content.as_bytes()).map_err(internal)?),
            (None, None) => {
                return Err(unprocessable("Must supply tree.sha or tree.content"));
            }
        };
        writes.push(simkit::git::TreeWrite { path, mode, sha });
    }
    let sha = git
        .write_tree(base.as_deref(), &writes)
        .map_err(|error| match error {
            GitError::Invalid { .. } => unprocessable("GitRPC::BadObjectState"),
            other => internal(other),
        })?;
    let (sha, entries) = git
        .tree_of(&sha, false)
        .map_err(internal)?
        .ok_or(GitHubError::Internal)?;
    Ok((repo, sha, entries))
}

/// A commit object by ID.
pub fn get_commit(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    sha: &str,
) -> Result<(Repo, Commit), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let git = open(ctx, &repo)?;
    match existing_object(&git, sha) {
        Ok((full, ObjectKind::Commit)) => {
            let commit = git
                .commit_info(&full)
                .map_err(internal)?
                .ok_or(GitHubError::NotFound)?;
            Ok((repo, commit))
        }
        _ => Err(GitHubError::NotFound),
    }
}

/// `{name, email, date}` of a commit or tag author.
#[derive(Debug, Deserialize)]
pub struct Person {
    pub name: Option<String>,
    pub email: Option<String>,
    pub date: Option<String>,
}

/// A signature from the caller's `person`, falling back to `default` for what it leaves out.
pub fn signature_from(
    person: Option<&Person>,
    default: &Signature,
    field: &str,
) -> Result<Signature, GitHubError> {
    let Some(person) = person else {
        return Ok(default.clone());
    };
    let (time, offset_minutes) = match &person.date {
        Some(date) => {
            let parsed = time::OffsetDateTime::parse(
                date,
                &time::format_description::well_known::Iso8601::DEFAULT,
            )
            .map_err(|_| unprocessable(&format!("Invalid request.\n\n{field}.date is invalid")))?;
            (
                parsed.unix_timestamp(),
                parsed.offset().whole_minutes() as i32,
            )
        }
        None => (default.time, default.offset_minutes),
    };
    Ok(Signature {
        name: person.name.clone().unwrap_or_else(|| default.name.clone()),
        email: person
            .email
            .clone()
            .unwrap_or_else(|| default.email.clone()),
        time,
        offset_minutes,
    })
}

/// `POST /git/commits`.
#[derive(Debug, Deserialize)]
pub struct CreateCommit {
    pub message: String,
    pub tree: String,
    pub parents: Option<Vec<String>>,
    pub author: Option<Person>,
    pub committer: Option<Person>,
}

pub fn create_commit(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    input: CreateCommit,
) -> Result<(Repo, Commit), GitHubError> {
    let repo = ctx.writable_repo(owner, name)?;
    let caller = ctx.require_caller()?;
    let git = open(ctx, &repo)?;
    let tree = match existing_object(&git, &input.tree) {
        Ok((tree, ObjectKind::Tree)) => tree,
        _ => return Err(unprocessable("Tree SHA does not exist")),
    };
    let mut parents = Vec::new();
    for parent in input.parents.unwrap_or_default() {
        match existing_object(&git, &parent) {
            Ok((full, ObjectKind::Commit)) => parents.push(full),
            _ => {
                return Err(unprocessable(
                    "Parent SHA does not exist or is not a commit object",
                ));
            }
        }
    }
    let default = signature(&caller.account, ctx.now);
    let author = signature_from(input.author.as_ref(), &default, "author")?;
    let committer = signature_from(input.committer.as_ref(), &author, "committer")?;
    let parent_refs: Vec<&str> = parents.iter().map(String::as_str).collect();
    let commit = git
        .create_commit(&tree, &parent_refs, &input.message, &author, &committer)
        .map_err(internal)?;
    Ok((repo, commit))
}

/// An annotated tag object by ID.
pub fn get_tag(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    sha: &str,
) -> Result<(Repo, TagObject), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let git = open(ctx, &repo)?;
    let (full, _) = existing_object(&git, sha).map_err(|_| GitHubError::NotFound)?;
    let tag = git
        .read_tag(&full)
        .map_err(internal)?
        .ok_or(GitHubError::NotFound)?;
    Ok((repo, tag))
}

/// `POST /git/tags`.
#[derive(Debug, Deserialize)]
pub struct CreateTag {
    pub tag: String,
    pub message: String,
    pub object: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub tagger: Option<Person>,
}

pub fn create_tag(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    input: CreateTag,
) -> Result<(Repo, TagObject), GitHubError> {
    let repo = ctx.writable_repo(owner, name)?;
    let caller = ctx.require_caller()?;
    let git = open(ctx, &repo)?;
    let (object, kind) = existing_object(&git, &input.object)?;
    if kind.as_str() != input.kind {
        return Err(unprocessable(&format!(
            "Object {object} is a {}, not a {}",
            kind.as_str(),
            input.kind
        )));
    }
    let default = signature(&caller.account, ctx.now);
    let tagger = signature_from(input.tagger.as_ref(), &default, "tagger")?;
    let sha = match git.write_tag(&input.tag, &object, &input.message, &tagger) {
        Ok(sha) => sha,
        Err(GitError::Invalid { .. }) => return Err(unprocessable("Tag name is invalid")),
        Err(error) => return Err(internal(error)),
    };
    let tag = git
        .read_tag(&sha)
        .map_err(internal)?
        .ok_or(GitHubError::Internal)?;
    Ok((repo, tag))
}
