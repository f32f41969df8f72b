//! Git's data in GitHub's shapes: `git-ref`, `git-commit`, `git-tree`, `blob`, `git-tag`, the
//! repository `commit` with its `diff-entry` files, `commit-comparison`, `tag`, `short-branch`
//! and `branch-with-protection`, and the contents shapes (`content-file`, directory items,
//! `file-commit`). Every URL is derived from the request's [`Urls`].
//!
//! What this module must not do: run git or decide access; it renders what services read.

use base64::Engine;
use serde_json::{Value, json};
use simkit::git::{ChangeStatus, Commit, EntryKind, ObjectKind, Signature, TagObject};

use super::{Urls, simple_user, timestamp};
use crate::model::{Account, Repo, State};
use crate::services::commits::{ChangedFile, CommitDetail};

fn repo_api(urls: &Urls, repo: &Repo) -> String {
    format!("{}/repos/{}", urls.api, repo.full_name())
}

fn repo_html(urls: &Urls, repo: &Repo) -> String {
    format!("{}/{}", urls.html, repo.full_name())
}

/// A node ID for an object named by a string (refs, commits, trees), in the legacy form.
fn object_node_id(type_name: &str, key: &str) -> String {
    let text = format!("{:02}:{type_name}{key}", type_name.len());
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// Characters escaped in a URL path of files and refs: `/` stays a separator.
const PATH: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

fn escape_path(path: &str) -> String {
    percent_encoding::utf8_percent_encode(path, PATH).to_string()
}

/// `{name, email, date}` with the signature's own offset, as git stored it.
fn person(signature: &Signature) -> Value {
    let seconds = signature.time;
    let date = time::OffsetDateTime::from_unix_timestamp(seconds)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let date = if signature.offset_minutes == 0 {
        timestamp(seconds * 1000)
    } else {
        let offset = time::UtcOffset::from_whole_seconds(signature.offset_minutes * 60)
            .unwrap_or(time::UtcOffset::UTC);
        let local = date.to_offset(offset);
        let sign = if signature.offset_minutes < 0 {
            '-'
        } else {
            '+'
        };
        let minutes = signature.offset_minutes.unsigned_abs();
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
            local.year(),
            u8::from(local.month()),
            local.day(),
            local.hour(),
            local.minute(),
            local.second(),
            minutes / 60,
            minutes % 60
        )
    };
    json!({"name": signature.name, "email": signature.email, "date": date})
}

fn unsigned() -> Value {
    json!({"verified": false, "reason": "unsigned", "signature": null, "payload": null, "verified_at": null})
}

/// The account a commit's email belongs to: GitHub's noreply form `ID+login@users.noreply…`,
/// or an account whose public email it is.
pub fn account_for_email(state: &State, email: &str) -> Option<Account> {
    if let Some((local, _)) = email.split_once("@users.noreply.")
        && let Some((_, login)) = local.split_once('+')
        && let Some(account) = state.account(login)
    {
        return Some(account);
    }
    state
        .accounts
        .all()
        .into_iter()
        .map(|(_, account)| account)
        .find(|account| {
            account
                .email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(email))
        })
}

/// `git-commit`.
pub fn git_commit(urls: &Urls, repo: &Repo, commit: &Commit) -> Value {
    let api = repo_api(urls, repo);
    let html = repo_html(urls, repo);
    json!({
        "sha": commit.sha,
        "node_id": object_node_id("Commit", &commit.sha),
        "url": format!("{api}/git/commits/{}", commit.sha),
        "html_url": format!("{html}/commit/{}", commit.sha),
        "author": person(&commit.author),
        "committer": person(&commit.committer),
        "tree": {"sha": commit.tree, "url": format!("{api}/git/trees/{}", commit.tree)},
        "message": commit.message,
        "parents": commit.parents.iter().map(|sha| json!({
            "sha": sha,
            "url": format!("{api}/git/commits/{sha}"),
            "html_url": format!("{html}/commit/{sha}"),
        })).collect::<Vec<_>>(),
        "verification": unsigned(),
    })
}

/// `git-ref`. `kind` is the kind of object the ref names.
pub fn git_ref(urls: &Urls, repo: &Repo, name: &str, sha: &str, kind: ObjectKind) -> Value {
    let api = repo_api(urls, repo);
    let object_path = match kind {
        ObjectKind::Tag => "tags",
        ObjectKind::Tree => "trees",
        ObjectKind::Blob => "blobs",
        ObjectKind::Commit => "commits",
    };
    json!({
        "ref": name,
        "node_id": object_node_id("Ref", &format!("{}:{name}", repo.id)),
        "url": format!("{api}/git/{}", escape_path(name)),
        "object": {
            "sha": sha,
            "type": kind.as_str(),
            "url": format!("{api}/git/{object_path}/{sha}"),
        },
    })
}

fn entry_kind(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Blob => "blob",
        EntryKind::Tree => "tree",
        EntryKind::Commit => "commit",
    }
}

/// `git-tree`.
pub fn git_tree(urls: &Urls, repo: &Repo, sha: &str, entries: &[simkit::git::TreeEntry]) -> Value {
    let api = repo_api(urls, repo);
    let tree: Vec<Value> = entries
        .iter()
        .map(|entry| {
            let mut item = json!({
                "path": entry.path,
                "mode": entry.mode,
                "type": entry_kind(entry.kind),
                "sha": entry.sha,
            });
            match entry.kind {
                EntryKind::Blob => {
                    item["size"] = entry.size.unwrap_or(0).into();
                    item["url"] = format!("{api}/git/blobs/{}", entry.sha).into();
                }
                EntryKind::Tree => item["url"] = format!("{api}/git/trees/{}", entry.sha).into(),
                EntryKind::Commit => {}
            }
            item
        })
        .collect();
    json!({
        "sha": sha,
        "url": format!("{api}/git/trees/{sha}"),
        "tree": tree,
        "truncated": false,
    })
}

/// GitHub's base64 as the contents and blobs APIs send it: lines of 60 characters, each
/// ending in a newline.
pub fn wrapped_base64(bytes: &[u8]) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 60 + 1);
    for chunk in encoded.as_bytes().chunks(60) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out
}

/// `blob`.
pub fn blob(urls: &Urls, repo: &Repo, sha: &str, bytes: &[u8]) -> Value {
    json!({
        "sha": sha,
        "node_id": object_node_id("Blob", sha),
        "size": bytes.len(),
        "url": format!("{}/git/blobs/{sha}", repo_api(urls, repo)),
        "content": wrapped_base64(bytes),
        "encoding": "base64",
    })
}

/// `short-blob`.
pub fn short_blob(urls: &Urls, repo: &Repo, sha: &str) -> Value {
    json!({"url": format!("{}/git/blobs/{sha}", repo_api(urls, repo)), "sha": sha})
}

/// `git-tag`.
pub fn git_tag(urls: &Urls, repo: &Repo, tag: &TagObject) -> Value {
    let api = repo_api(urls, repo);
    let object_path = match tag.object_kind {
        ObjectKind::Tag => "tags",
        ObjectKind::Tree => "trees",
        ObjectKind::Blob => "blobs",
        ObjectKind::Commit => "commits",
    };
    json!({
        "node_id": object_node_id("Tag", &tag.sha),
        "tag": tag.name,
        "sha": tag.sha,
        "url": format!("{api}/git/tags/{}", tag.sha),
        "message": tag.message,
        "tagger": tag.tagger.as_ref().map_or_else(|| json!({"name": "", "email": "", "date": timestamp(0)}), person),
        "object": {
            "type": tag.object_kind.as_str(),
            "sha": tag.object,
            "url": format!("{api}/git/{object_path}/{}", tag.object),
        },
        "verification": unsigned(),
    })
}

fn user_for(urls: &Urls, state: &State, email: &str) -> Value {
    account_for_email(state, email).map_or(Value::Null, |account| simple_user(urls, &account))
}

/// `commit` (the repository commit): the git commit, the accounts its emails belong to, and,
/// when `detail` is given, the files it changed and its stats.
pub fn commit(
    urls: &Urls,
    state: &State,
    repo: &Repo,
    commit: &Commit,
    detail: Option<&CommitDetail>,
) -> Value {
    let api = repo_api(urls, repo);
    let html = repo_html(urls, repo);
    let sha = &commit.sha;
    let mut git = git_commit(urls, repo, commit);
    if let Some(object) = git.as_object_mut() {
        for member in ["sha", "node_id", "html_url", "parents"] {
            object.remove(member);
        }
        object.insert("comment_count".into(), 0.into());
    }
    let mut body = json!({
        "url": format!("{api}/commits/{sha}"),
        "sha": sha,
        "node_id": object_node_id("Commit", sha),
        "html_url": format!("{html}/commit/{sha}"),
        "comments_url": format!("{api}/commits/{sha}/comments"),
        "commit": git,
        "author": user_for(urls, state, &commit.author.email),
        "committer": user_for(urls, state, &commit.committer.email),
        "parents": commit.parents.iter().map(|parent| json!({
            "sha": parent,
            "url": format!("{api}/commits/{parent}"),
            "html_url": format!("{html}/commit/{parent}"),
        })).collect::<Vec<_>>(),
    });
    if let Some(detail) = detail {
        let additions: u64 = detail.files.iter().filter_map(|f| f.diff.additions).sum();
        let deletions: u64 = detail.files.iter().filter_map(|f| f.diff.deletions).sum();
        body["stats"] =
            json!({"total": additions + deletions, "additions": additions, "deletions": deletions});
        body["files"] = detail
            .files
            .iter()
            .map(|file| diff_entry(urls, repo, sha, file))
            .collect::<Vec<_>>()
            .into();
    }
    body
}

/// `diff-entry`, with its URLs at `commit_sha`.
pub fn diff_entry(urls: &Urls, repo: &Repo, commit_sha: &str, file: &ChangedFile) -> Value {
    let api = repo_api(urls, repo);
    let html = repo_html(urls, repo);
    let diff = &file.diff;
    let path = escape_path(&diff.path);
    let status = match diff.status {
        ChangeStatus::Added => "added",
        ChangeStatus::Modified => "modified",
        ChangeStatus::Removed => "removed",
        ChangeStatus::Renamed => "renamed",
        ChangeStatus::Copied => "copied",
        ChangeStatus::TypeChanged => "changed",
    };
    let additions = diff.additions.unwrap_or(0);
    let deletions = diff.deletions.unwrap_or(0);
    let mut entry = json!({
        "sha": file.blob,
        "filename": diff.path,
        "status": status,
        "additions": additions,
        "deletions": deletions,
        "changes": additions + deletions,
        "blob_url": format!("{html}/blob/{commit_sha}/{path}"),
        "raw_url": format!("{html}/raw/{commit_sha}/{path}"),
        "contents_url": format!("{api}/contents/{path}?ref={commit_sha}"),
    });
    if let Some(patch) = &diff.patch {
        entry["patch"] = patch.clone().into();
    }
    if let Some(previous) = &diff.previous_path {
        entry["previous_filename"] = previous.clone().into();
    }
    entry
}

/// Everything a comparison shows.
pub struct ComparisonView<'a> {
    pub base: &'a str,
    pub head: &'a str,
    pub base_commit: &'a Commit,
    pub merge_base_commit: &'a Commit,
    pub comparison: &'a simkit::git::Comparison,
    pub files: &'a [ChangedFile],
}

/// `commit-comparison`.
pub fn comparison(urls: &Urls, state: &State, repo: &Repo, view: &ComparisonView<'_>) -> Value {
    let api = repo_api(urls, repo);
    let html = repo_html(urls, repo);
    let comparison = view.comparison;
    let status = match (comparison.ahead_by, comparison.behind_by) {
        (0, 0) => "identical",
        (_, 0) => "ahead",
        (0, _) => "behind",
        _ => "diverged",
    };
    let spec = format!("{}...{}", escape_path(view.base), escape_path(view.head));
    let short = |sha: &str| sha.chars().take(7).collect::<String>();
    json!({
        "url": format!("{api}/compare/{spec}"),
        "html_url": format!("{html}/compare/{spec}"),
        "permalink_url": format!(
            "{html}/compare/{owner}:{}...{owner}:{}",
            short(&comparison.base), short(&comparison.head), owner = repo.owner
        ),
        "diff_url": format!("{html}/compare/{spec}.diff"),
        "patch_url": format!("{html}/compare/{spec}.patch"),
        "base_commit": commit(urls, state, repo, view.base_commit, None),
        "merge_base_commit": commit(urls, state, repo, view.merge_base_commit, None),
        "status": status,
        "ahead_by": comparison.ahead_by,
        "behind_by": comparison.behind_by,
        "total_commits": comparison.ahead_by,
        "commits": comparison.commits.iter().map(|c| commit(urls, state, repo, c, None)).collect::<Vec<_>>(),
        "files": view.files.iter().map(|f| diff_entry(urls, repo, &comparison.head, f)).collect::<Vec<_>>(),
    })
}

/// `tag` (the repository tag listing).
pub fn tag(urls: &Urls, repo: &Repo, name: &str, commit_sha: &str) -> Value {
    let api = repo_api(urls, repo);
    json!({
        "name": name,
        "commit": {"sha": commit_sha, "url": format!("{api}/commits/{commit_sha}")},
        "zipball_url": format!("{api}/zipball/refs/tags/{}", escape_path(name)),
        "tarball_url": format!("{api}/tarball/refs/tags/{}", escape_path(name)),
        "node_id": object_node_id("Ref", &format!("{}:refs/tags/{name}", repo.id)),
    })
}

/// `short-branch`.
pub fn short_branch(urls: &Urls, repo: &Repo, name: &str, sha: &str, protected: bool) -> Value {
    let api = repo_api(urls, repo);
    json!({
        "name": name,
        "commit": {"sha": sha, "url": format!("{api}/commits/{sha}")},
        "protected": protected,
        "protection": {
            "enabled": protected,
            "required_status_checks": {"enforcement_level": "off", "contexts": [], "checks": []},
        },
        "protection_url": format!("{api}/branches/{}/protection", escape_path(name)),
    })
}

/// `branch-with-protection`.
pub fn branch(
    urls: &Urls,
    state: &State,
    repo: &Repo,
    name: &str,
    head: &Commit,
    protected: bool,
) -> Value {
    let api = repo_api(urls, repo);
    let html = repo_html(urls, repo);
    let escaped = escape_path(name);
    json!({
        "name": name,
        "commit": commit(urls, state, repo, head, None),
        "_links": {"self": format!("{api}/branches/{escaped}"), "html": format!("{html}/tree/{escaped}")},
        "protected": protected,
        "protection": {
            "enabled": protected,
            "required_status_checks": {"enforcement_level": "off", "contexts": [], "checks": []},
        },
        "protection_url": format!("{api}/branches/{escaped}/protection"),
    })
}

/// One item of the contents API: a file (with its bytes when `content` is given), a directory,
/// a symlink or a submodule, at `git_ref`.
pub fn content_item(
    urls: &Urls,
    repo: &Repo,
    git_ref: &str,
    entry: &simkit::git::TreeEntry,
    content: Option<&[u8]>,
) -> Value {
    let api = repo_api(urls, repo);
    let html = repo_html(urls, repo);
    let path = escape_path(&entry.path);
    let escaped_ref = percent_encoding::utf8_percent_encode(git_ref, super::PATH_SEGMENT);
    let self_url = format!("{api}/contents/{path}?ref={escaped_ref}");
    let (kind, git_url, html_url, download_url) = match entry.kind {
        EntryKind::Tree => (
            "dir",
            Value::from(format!("{api}/git/trees/{}", entry.sha)),
            Value::from(format!("{html}/tree/{git_ref}/{path}")),
            Value::Null,
        ),
        EntryKind::Commit => (
            "submodule",
            Value::from(format!("{api}/git/trees/{}", entry.sha)),
            Value::Null,
            Value::Null,
        ),
        EntryKind::Blob => (
            if entry.mode == "120000" {
                "symlink"
            } else {
                "file"
            },
            Value::from(format!("{api}/git/blobs/{}", entry.sha)),
            Value::from(format!("{html}/blob/{git_ref}/{path}")),
            Value::from(format!("{html}/raw/{git_ref}/{path}")),
        ),
    };
    let mut item = json!({
        "name": entry.name,
        "path": entry.path,
        "sha": entry.sha,
        "size": entry.size.unwrap_or(0),
        "url": self_url,
        "html_url": html_url,
        "git_url": git_url,
        "download_url": download_url,
        "type": kind,
        "_links": {"self": self_url, "git": git_url, "html": html_url},
    });
    if let Some(bytes) = content {
        item["content"] = wrapped_base64(bytes).into();
        item["encoding"] = "base64".into();
    }
    item
}
