//! The contents API: files and directories read at a ref, files created, updated and deleted
//! as real commits on a branch. An update must name the blob it replaces (`sha`): a missing
//! one is GitHub's 422, a stale one its 409, and the branch moves by compare-and-swap so a
//! concurrent push is never lost. The README is found as GitHub finds it.

use serde::Deserialize;
use simkit::git::{Commit, CommitRequest, EntryKind, FileChange, GitError, TreeEntry};

use super::Ctx;
use super::commits::{open, resolve};
use super::git::{internal, signature};
use super::gitdata::{Person, decode_base64, record_push, signature_from};
use crate::error::GitHubError;
use crate::model::Repo;

/// What a path names at a ref.
pub enum Contents {
    /// A file (or symlink or submodule) with its bytes (none for submodules).
    File(TreeEntry, Option<Vec<u8>>),
    /// A directory's entries.
    Directory(Vec<TreeEntry>),
}

/// Files over this size are listed without their bytes (`encoding: none`), as on GitHub.
pub const INLINE_LIMIT: u64 = 1024 * 1024;

/// Normalizes a contents path: surrounding slashes go; anything git would refuse is `None`.
fn clean_path(path: &str) -> Option<String> {
    let path = path.trim_matches('/').to_string();
    simkit::git::names::check_path(&path).ok().map(|_| path)
}

/// `GET /repos/{owner}/{repo}/contents/{path}` at `reference` (the default branch when absent).
/// Returns the ref the URLs should name.
pub fn get(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    path: &str,
    reference: Option<&str>,
) -> Result<(Repo, String, Contents), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let git = open(ctx, &repo)?;
    if git.is_empty().map_err(internal)? {
        return Err(GitHubError::Missing("This repository is empty.".into()));
    }
    let reference = reference
        .filter(|r| !r.is_empty())
        .map_or_else(|| repo.default_branch.clone(), String::from);
    let commit = resolve(&git, &reference)?
        .ok_or_else(|| GitHubError::Missing(format!("No commit found for the ref {reference}")))?;
    let path = clean_path(path).ok_or(GitHubError::NotFound)?;
    let contents = read_at(&git, &commit, &path)?.ok_or(GitHubError::NotFound)?;
    Ok((repo, reference, contents))
}

fn read_at(
    git: &simkit::git::Repo,
    commit: &str,
    path: &str,
) -> Result<Option<Contents>, GitHubError> {
    if path.is_empty() {
        let entries = git.tree(commit, "").map_err(internal)?.unwrap_or_default();
        return Ok(Some(Contents::Directory(entries)));
    }
    let Some(entry) = git.entry(commit, path).map_err(internal)? else {
        return Ok(None);
    };
    Ok(Some(match entry.kind {
        EntryKind::Tree => Contents::Directory(
            git.tree(commit, path)
                .map_err(internal)?
                .unwrap_or_default(),
        ),
        EntryKind::Blob => {
            let bytes = if entry.size.unwrap_or(0) > INLINE_LIMIT {
                None
            } else {
                Some(git.blob(&entry.sha).map_err(internal)?)
            };
            Contents::File(entry, bytes)
        }
        EntryKind::Commit => Contents::File(entry, None),
    }))
}

/// `GET /repos/{owner}/{repo}/readme`: the root's README, whatever its case and extension.
pub fn readme(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    reference: Option<&str>,
) -> Result<(Repo, String, TreeEntry, Vec<u8>), GitHubError> {
    let (repo, reference, root) = get(ctx, owner, name, "", reference)?;
    let Contents::Directory(entries) = root else {
        return Err(GitHubError::NotFound);
    };
    let entry = entries
        .into_iter()
        .filter(|e| e.kind == EntryKind::Blob)
        .find(|e| {
            let lower = e.name.to_ascii_lowercase();
            lower == "readme" || lower.starts_with("readme.")
        })
        .ok_or(GitHubError::NotFound)?;
    let git = open(ctx, &repo)?;
    let bytes = git.blob(&entry.sha).map_err(internal)?;
    Ok((repo, reference, entry, bytes))
}

/// `PUT /repos/{owner}/{repo}/contents/{path}`.
#[derive(Debug, Deserialize)]
pub struct PutFile {
    pub message: String,
    pub content: String,
    pub sha: Option<String>,
    pub branch: Option<String>,
    pub committer: Option<Person>,
    pub author: Option<Person>,
}

/// `DELETE /repos/{owner}/{repo}/contents/{path}`.
#[derive(Debug, Deserialize)]
pub struct DeleteFile {
    pub message: String,
    pub sha: String,
    pub branch: Option<String>,
    pub committer: Option<Person>,
    pub author: Option<Person>,
}

/// What a contents write made: the file as it now is (none after a delete), the commit, and
/// whether the file is new.
pub struct FileCommit {
    pub repo: Repo,
    pub branch: String,
    pub entry: Option<TreeEntry>,
    pub commit: Commit,
    pub created: bool,
}

pub fn put(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    path: &str,
    input: PutFile,
) -> Result<FileCommit, GitHubError> {
    let bytes = decode_base64(&input.content)
        .ok_or_else(|| GitHubError::InvalidRequest("content is not valid Base64".into()))?;
    write(
        ctx,
        owner,
        name,
        path,
        Write {
            message: input.message,
            content: Some(bytes),
            sha: input.sha,
            branch: input.branch,
            committer: input.committer,
            author: input.author,
        },
    )
}

pub fn delete(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    path: &str,
    input: DeleteFile,
) -> Result<FileCommit, GitHubError> {
    write(
        ctx,
        owner,
        name,
        path,
        Write {
            message: input.message,
            content: None,
            sha: Some(input.sha),
            branch: input.branch,
            committer: input.committer,
            author: input.author,
        },
    )
}

struct Write {
    message: String,
    /// The new bytes; `None` deletes.
    content: Option<Vec<u8>>,
    sha: Option<String>,
    branch: Option<String>,
    committer: Option<Person>,
    author: Option<Person>,
}

fn write(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    path: &str,
    input: Write,
) -> Result<FileCommit, GitHubError> {
    let repo = ctx.writable_repo(owner, name)?;
    let caller = ctx.require_caller()?;
    let git = open(ctx, &repo)?;
    let deleting = input.content.is_none();
    let path = clean_path(path)
        .filter(|p| !p.is_empty())
        .ok_or(GitHubError::NotFound)?;
    let branch = input
        .branch
        .clone()
        .unwrap_or_else(|| repo.default_branch.clone());
    if simkit::git::names::check_branch(&branch).is_err() {
        return Err(GitHubError::Missing(format!("Branch {branch} not found")));
    }
    let branch_ref = format!("refs/heads/{branch}");
    let head = git.resolve(&branch_ref).map_err(internal)?;
    let empty = git.is_empty().map_err(internal)?;
    // Only the first file of an empty repository may name a branch that does not exist yet.
    let first_file = empty && !deleting;
    if head.is_none() && !first_file {
        if deleting && empty {
            return Err(GitHubError::NotFound);
        }
        return Err(GitHubError::Missing(format!("Branch {branch} not found")));
    }
    let existing = match &head {
        Some(head) => git.entry(head, &path).map_err(internal)?,
        None => None,
    };
    match (&existing, &input.sha) {
        (Some(entry), _) if entry.kind != EntryKind::Blob => {
            return Err(GitHubError::InvalidRequest(format!(
                "{path} is a directory, not a file"
            )));
        }
        (Some(_), None) => {
            return Err(GitHubError::InvalidRequest(
                "Invalid request.\n\n\"sha\" wasn't supplied.".into(),
            ));
        }
        (Some(entry), Some(sha)) if *sha != entry.sha => {
            return Err(GitHubError::Conflict(format!(
                "{path} does not match {sha}"
            )));
        }
        (None, _) if deleting => return Err(GitHubError::NotFound),
        _ => {}
    }
    let default = signature(&caller.account, ctx.now);
    let committer = signature_from(input.committer.as_ref(), &default, "committer")?;
    let author = signature_from(input.author.as_ref(), &committer, "author")?;
    let commit = git
        .commit(&CommitRequest {
            branch: branch.clone(),
            start_branch: None,
            message: input.message,
            author,
            committer: Some(committer),
            files: vec![FileChange {
                path: path.clone(),
                content: input.content,
            }],
            expected_head: head.clone(),
        })
        .map_err(|error| match error {
            GitError::Conflict(_) => {
                GitHubError::Conflict(format!("{branch} moved while {path} was being written"))
            }
            other => internal(other),
        })?;
    record_push(ctx, &repo, &branch_ref, head.as_deref(), Some(&commit.sha))?;
    let entry = if deleting {
        None
    } else {
        git.entry(&commit.sha, &path).map_err(internal)?
    };
    let repo = ctx
        .hub
        .state
        .repos
        .get(&crate::model::id_key(repo.id))
        .unwrap_or(repo);
    Ok(FileCommit {
        repo,
        branch,
        entry,
        commit,
        created: existing.is_none(),
    })
}
