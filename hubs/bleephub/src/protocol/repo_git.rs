//! Dispatch of the operations that read and write a repository's git data: branches and their
//! protection, commits, comparisons, tags, contents, and the Git Data API (refs, blobs, trees,
//! commits, tag objects). The top-level dispatcher hands these operations here.

use serde_json::{Value, json};

use super::{Call, Reply};
use crate::error::GitHubError;
use crate::model::BranchProtection;
use crate::paging::Page;
use crate::render::Urls;
use crate::render::git as shapes;
use crate::services::Ctx;
use crate::services::contents::{self, Contents};
use crate::services::{commits, gitdata};
use crate::spec::Op;

/// Unix milliseconds from an ISO 8601 query value; GitHub's 422 for anything else.
fn time_query(call: &Call<'_>, name: &str) -> Result<Option<i64>, GitHubError> {
    call.query(name)
        .map(|text| {
            time::OffsetDateTime::parse(
                &text,
                &time::format_description::well_known::Iso8601::DEFAULT,
            )
            .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
            .map_err(|_| {
                GitHubError::ValidationFailed(vec![crate::error::FieldError::new(
                    "Commit", name, "invalid",
                )])
            })
        })
        .transpose()
}

/// A page whose items were already cut (by git), with its `Link` header.
fn counted_page(call: &Call<'_>, page: Page, items: Vec<Value>, total: usize) -> Reply {
    Reply {
        link: page.link(&call.url, &call.query, total),
        ..Reply::ok(Value::Array(items))
    }
}

fn protection(urls: &Urls, repo: &crate::model::Repo, p: &BranchProtection) -> Value {
    let url = format!(
        "{}/repos/{}/branches/{}/protection",
        urls.api,
        repo.full_name(),
        p.branch
    );
    let flag = |enabled: bool| json!({ "enabled": enabled });
    let mut body = json!({
        "url": url,
        "enforce_admins": {"url": format!("{url}/enforce_admins"), "enabled": p.enforce_admins},
        "required_linear_history": flag(p.required_linear_history),
        "allow_force_pushes": flag(p.allow_force_pushes),
        "allow_deletions": flag(p.allow_deletions),
        "block_creations": flag(false),
        "required_conversation_resolution": flag(p.required_conversation_resolution),
        "lock_branch": flag(false),
        "allow_fork_syncing": flag(false),
        "required_signatures": {"url": format!("{url}/required_signatures"), "enabled": false},
    });
    if let Some((strict, contexts)) = &p.required_status_checks {
        body["required_status_checks"] = json!({
            "url": format!("{url}/required_status_checks"),
            "strict": strict,
            "contexts": contexts,
            "contexts_url": format!("{url}/required_status_checks/contexts"),
            "checks": contexts.iter().map(|c| json!({"context": c, "app_id": null})).collect::<Vec<_>>(),
        });
    }
    if let Some(count) = p.required_approving_review_count {
        body["required_pull_request_reviews"] = json!({
            "url": format!("{url}/required_pull_request_reviews"),
            "dismiss_stale_reviews": p.dismiss_stale_reviews,
            "require_code_owner_reviews": p.require_code_owner_reviews,
            "required_approving_review_count": count,
            "require_last_push_approval": false,
        });
    }
    body
}

pub(super) fn dispatch(ctx: &Ctx<'_>, call: &Call<'_>) -> Result<Reply, GitHubError> {
    let urls = &call.urls;
    let state = &ctx.hub.state;
    let owner = call.param("owner");
    let name = call.param("repo");
    Ok(match call.matched.op {
        Op::ReposListBranches => {
            let protected = call.query("protected").map(|p| p == "true" || p == "1");
            let (repo, branches) = commits::list_branches(ctx, owner, name, protected)?;
            call.page(branches, |(branch, sha, protected)| {
                shapes::short_branch(urls, &repo, branch, sha, *protected)
            })
        }
        Op::ReposGetBranch => {
            let (repo, head, protected) =
                commits::get_branch(ctx, owner, name, call.param("branch"))?;
            Reply::ok(shapes::branch(
                urls,
                state,
                &repo,
                call.param("branch"),
                &head,
                protected,
            ))
        }
        Op::ReposGetBranchProtection => {
            let (repo, p) = commits::get_protection(ctx, owner, name, call.param("branch"))?;
            Reply::ok(protection(urls, &repo, &p))
        }
        Op::ReposUpdateBranchProtection => {
            let (repo, p) =
                commits::update_protection(ctx, owner, name, call.param("branch"), call.input()?)?;
            Reply::ok(protection(urls, &repo, &p))
        }
        Op::ReposDeleteBranchProtection => {
            commits::delete_protection(ctx, owner, name, call.param("branch"))?;
            Reply::no_content()
        }
        Op::ReposListCommits => {
            let filters = commits::ListCommits {
                sha: call.query("sha").filter(|s| !s.is_empty()),
                path: call.query("path").filter(|p| !p.is_empty()),
                author: call.query("author").filter(|a| !a.is_empty()),
                since: time_query(call, "since")?,
                until: time_query(call, "until")?,
            };
            let page = Page::from_query(&call.query);
            let skip = (page.page - 1).saturating_mul(page.per_page);
            let (repo, list, total) =
                commits::list(ctx, owner, name, filters, skip, page.per_page)?;
            let items = list
                .iter()
                .map(|c| shapes::commit(urls, state, &repo, c, None))
                .collect();
            counted_page(call, page, items, total)
        }
        Op::ReposGetCommit => {
            let (repo, commit, detail) = commits::get(ctx, owner, name, call.param("ref"))?;
            Reply::ok(shapes::commit(urls, state, &repo, &commit, Some(&detail)))
        }
        Op::ReposCompareCommits => {
            let (base, head) = (call.param("base"), call.param("head"));
            let compared = commits::compare(ctx, owner, name, base, head)?;
            Reply::ok(shapes::comparison(
                urls,
                state,
                &compared.repo,
                &shapes::ComparisonView {
                    base,
                    head,
                    base_commit: &compared.base_commit,
                    merge_base_commit: &compared.merge_base_commit,
                    comparison: &compared.comparison,
                    files: &compared.files,
                },
            ))
        }
        Op::ReposListTags => {
            let (repo, tags) = commits::list_tags(ctx, owner, name)?;
            call.page(tags, |(tag, sha)| shapes::tag(urls, &repo, tag, sha))
        }
        Op::ReposGetContent => {
            let reference = call.query("ref");
            let (repo, reference, found) =
                contents::get(ctx, owner, name, call.param("path"), reference.as_deref())?;
            match found {
                Contents::File(entry, bytes) => {
                    let mut body = shapes::content_item(
                        urls,
                        &repo,
                        &reference,
                        &entry,
                        Some(bytes.as_deref().unwrap_or_default()),
                    );
                    if bytes.is_none() {
                        // Too large to inline (or a submodule): GitHub sends no bytes.
                        body["content"] = "".into();
                        body["encoding"] = "none".into();
                    }
                    Reply::ok(body)
                }
                Contents::Directory(entries) => Reply::ok(Value::Array(
                    entries
                        .iter()
                        .map(|e| shapes::content_item(urls, &repo, &reference, e, None))
                        .collect(),
                )),
            }
        }
        Op::ReposGetReadme => {
            let reference = call.query("ref");
            let (repo, reference, entry, bytes) =
                contents::readme(ctx, owner, name, reference.as_deref())?;
            Reply::ok(shapes::content_item(
                urls,
                &repo,
                &reference,
                &entry,
                Some(&bytes),
            ))
        }
        Op::ReposCreateOrUpdateFileContents => {
            let written = contents::put(ctx, owner, name, call.param("path"), call.input()?)?;
            let body = file_commit(urls, &written);
            if written.created {
                Reply {
                    location: None,
                    ..Reply::created(body)
                }
            } else {
                Reply::ok(body)
            }
        }
        Op::ReposDeleteFile => {
            let written = contents::delete(ctx, owner, name, call.param("path"), call.input()?)?;
            Reply::ok(file_commit(urls, &written))
        }
        Op::GitListRefs | Op::GitListMatchingRefs => {
            let prefix = (call.matched.op == Op::GitListMatchingRefs).then(|| call.param("ref"));
            let (repo, refs) = gitdata::list_refs(ctx, owner, name, prefix)?;
            call.page(refs, |r| {
                shapes::git_ref(urls, &repo, &r.name, &r.sha, r.kind)
            })
        }
        Op::GitGetRef => {
            let (repo, r) = gitdata::get_ref(ctx, owner, name, call.param("ref"))?;
            Reply::ok(shapes::git_ref(urls, &repo, &r.name, &r.sha, r.kind))
        }
        Op::GitCreateRef => {
            let (repo, r) = gitdata::create_ref(ctx, owner, name, call.input()?)?;
            Reply::created(shapes::git_ref(urls, &repo, &r.name, &r.sha, r.kind))
        }
        Op::GitUpdateRef => {
            let (repo, r) =
                gitdata::update_ref(ctx, owner, name, call.param("ref"), call.input()?)?;
            Reply::ok(shapes::git_ref(urls, &repo, &r.name, &r.sha, r.kind))
        }
        Op::GitDeleteRef => {
            gitdata::delete_ref(ctx, owner, name, call.param("ref"))?;
            Reply::no_content()
        }
        Op::GitGetBlob => {
            let (repo, sha, bytes) = gitdata::get_blob(ctx, owner, name, call.param("file_sha"))?;
            Reply::ok(shapes::blob(urls, &repo, &sha, &bytes))
        }
        Op::GitCreateBlob => {
            let (repo, sha) = gitdata::create_blob(ctx, owner, name, call.input()?)?;
            Reply::created(shapes::short_blob(urls, &repo, &sha))
        }
        Op::GitGetTree => {
            let recursive = call.query("recursive").is_some();
            let (repo, sha, entries) =
                gitdata::get_tree(ctx, owner, name, call.param("tree_sha"), recursive)?;
            Reply::ok(shapes::git_tree(urls, &repo, &sha, &entries))
        }
        Op::GitCreateTree => {
            let (repo, sha, entries) = gitdata::create_tree(ctx, owner, name, call.input()?)?;
            Reply::created(shapes::git_tree(urls, &repo, &sha, &entries))
        }
        Op::GitGetCommit => {
            let (repo, commit) = gitdata::get_commit(ctx, owner, name, call.param("commit_sha"))?;
            Reply::ok(shapes::git_commit(urls, &repo, &commit))
        }
        Op::GitCreateCommit => {
            let (repo, commit) = gitdata::create_commit(ctx, owner, name, call.input()?)?;
            Reply::created(shapes::git_commit(urls, &repo, &commit))
        }
        Op::GitGetTag => {
            let (repo, tag) = gitdata::get_tag(ctx, owner, name, call.param("tag_sha"))?;
            Reply::ok(shapes::git_tag(urls, &repo, &tag))
        }
        Op::GitCreateTag => {
            let (repo, tag) = gitdata::create_tag(ctx, owner, name, call.input()?)?;
            Reply::created(shapes::git_tag(urls, &repo, &tag))
        }
        other => {
            // The top-level dispatcher sends only the operations above here.
            tracing::error!(?other, "operation routed to the git dispatcher by mistake");
            return Err(GitHubError::Internal);
        }
    })
}

/// `file-commit`: the file as it now is (null after a delete) and the commit made.
fn file_commit(urls: &Urls, written: &contents::FileCommit) -> Value {
    let content = written.entry.as_ref().map_or(Value::Null, |entry| {
        shapes::content_item(urls, &written.repo, &written.branch, entry, None)
    });
    json!({
        "content": content,
        "commit": shapes::git_commit(urls, &written.repo, &written.commit),
    })
}
