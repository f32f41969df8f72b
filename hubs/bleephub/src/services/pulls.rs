//! Pull requests, over the repository's real branches: created only between branches that
//! exist and differ (GitHub's 422s otherwise), numbered with the issues (a pull request is an
//! issue, whose record holds its title, body, state, labels and assignees), mergeability
//! computed with `git merge-tree`, and merged for real (a merge commit, a squash commit or
//! replayed commits) with the base branch moved by compare-and-swap. `refs/pull/N/head` and
//! `refs/pull/N/merge` are kept as GitHub keeps them, so `gh pr checkout` can fetch them.
//! Reviews and requested reviewers are records.

use serde::Deserialize;
use simkit::git::{Commit, Comparison, GitError};

use super::Ctx;
use super::commits::{ChangedFile, changed_files, open, resolve};
use super::git::{internal, signature};
use super::gitdata::record_push;
use crate::error::{FieldError, GitHubError};
use crate::model::{self, Issue, Pull, Repo, Review, id_key, issue_key, repo_prefix};

/// A pull request: its issue and its pull record.
#[derive(Debug, Clone)]
pub struct PullView {
    pub issue: Issue,
    pub pull: Pull,
}

/// What `GET /pulls/{n}` adds: mergeability and the size of the change.
#[derive(Debug, Clone, Default)]
pub struct PullStats {
    /// `None` while it cannot be computed (a branch is gone).
    pub mergeable: Option<bool>,
    pub commits: u64,
    pub additions: u64,
    pub deletions: u64,
    pub changed_files: u64,
}

/// `POST /repos/{owner}/{repo}/pulls`.
#[derive(Debug, Deserialize)]
pub struct CreatePull {
    pub title: Option<String>,
    pub head: String,
    pub base: String,
    pub body: Option<String>,
    pub draft: Option<bool>,
    pub maintainer_can_modify: Option<bool>,
}

/// `PATCH /repos/{owner}/{repo}/pulls/{n}`.
#[derive(Debug, Deserialize)]
pub struct UpdatePull {
    pub title: Option<String>,
    pub body: Option<String>,
    pub state: Option<String>,
    pub base: Option<String>,
    pub maintainer_can_modify: Option<bool>,
}

/// `PUT /repos/{owner}/{repo}/pulls/{n}/merge`.
#[derive(Debug, Default, Deserialize)]
pub struct MergePull {
    pub commit_title: Option<String>,
    pub commit_message: Option<String>,
    pub sha: Option<String>,
    pub merge_method: Option<String>,
}

/// Listing filters, as given.
#[derive(Debug, Default, Clone)]
pub struct ListPulls {
    pub state: Option<String>,
    pub head: Option<String>,
    pub base: Option<String>,
    pub sort: Option<String>,
    pub direction: Option<String>,
}

fn invalid(field: &str) -> GitHubError {
    GitHubError::ValidationFailed(vec![FieldError::new("PullRequest", field, "invalid")])
}

/// `owner:branch` or `branch`: the branch, when the owner is the repository's own.
fn head_branch<'a>(repo: &Repo, head: &'a str) -> Option<&'a str> {
    match head.split_once(':') {
        Some((owner, branch)) if owner.eq_ignore_ascii_case(&repo.owner) => Some(branch),
        Some(_) => None,
        None => Some(head),
    }
}

fn branch_head(git: &simkit::git::Repo, branch: &str) -> Result<Option<String>, GitHubError> {
    if simkit::git::names::check_branch(branch).is_err() {
        return Ok(None);
    }
    resolve(git, &format!("refs/heads/{branch}"))
}

/// The repository for opening and changing pull requests: readable, a token that may write,
/// not archived.
pub(crate) fn open_repo(ctx: &Ctx<'_>, owner: &str, name: &str) -> Result<Repo, GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    ctx.require_caller()?;
    if !ctx.write_scope(&repo) {
        return Err(GitHubError::NotFound);
    }
    if repo.archived {
        return Err(GitHubError::Forbidden(
            "Repository was archived so is read-only.".into(),
        ));
    }
    Ok(repo)
}

/// Keeps `refs/pull/N/head` at the head, and `refs/pull/N/merge` at a test merge of it into the
/// base (removed while they conflict); returns the test merge's SHA.
fn refresh_pull_refs(
    ctx: &Ctx<'_>,
    git: &simkit::git::Repo,
    pull: &Pull,
) -> Result<Option<String>, GitHubError> {
    let head_ref = format!("refs/pull/{}/head", pull.number);
    git.point_ref(&head_ref, &pull.head_sha, None)
        .map_err(internal)?;
    let merge_ref = format!("refs/pull/{}/merge", pull.number);
    let Some(tree) = git
        .merge_tree(&pull.base_sha, &pull.head_sha, None)
        .map_err(internal)?
    else {
        if git.ref_target(&merge_ref).map_err(internal)?.is_some() {
            git.update_ref(&merge_ref, None, None).map_err(internal)?;
        }
        return Ok(None);
    };
    let who = ctx
        .hub
        .state
        .account(crate::ADMIN_LOGIN)
        .map(|account| signature(&account, ctx.now))
        .unwrap_or_else(|| simkit::git::Signature {
            name: "GitHub".into(),
            email: "noreply@github.com".into(),
            time: ctx.now.div_euclid(1000),
            offset_minutes: 0,
        });
    let message = format!("Merge {} into {}\n", pull.head_sha, pull.base_sha);
    let commit = git
        .create_commit(
            &tree,
            &[&pull.base_sha, &pull.head_sha],
            &message,
            &who,
            &who,
        )
        .map_err(internal)?;
    git.point_ref(&merge_ref, &commit.sha, None)
        .map_err(internal)?;
    Ok(Some(commit.sha))
}

pub fn create(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    input: CreatePull,
) -> Result<(Repo, PullView), GitHubError> {
    let repo = open_repo(ctx, owner, name)?;
    let caller = ctx.require_caller()?.login().to_string();
    let title = input
        .title
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| {
            GitHubError::ValidationFailed(vec![FieldError::new("Issue", "title", "missing_field")])
        })?;
    let git = open(ctx, &repo)?;
    let base_sha = branch_head(&git, &input.base)?.ok_or_else(|| invalid("base"))?;
    let head = head_branch(&repo, &input.head).ok_or_else(|| invalid("head"))?;
    let head_sha = branch_head(&git, head)?.ok_or_else(|| invalid("head"))?;
    let comparison = git.compare(&base_sha, &head_sha).map_err(internal)?;
    if comparison.ahead_by == 0 {
        return Err(GitHubError::ValidationFailed(vec![FieldError::unfielded(
            "PullRequest",
            &format!("No commits between {} and {}", input.base, input.head),
        )]));
    }
    let state = &ctx.hub.state;
    let duplicate = state
        .pulls
        .scan_prefix(&repo_prefix(repo.id))
        .into_iter()
        .map(|(_, pull)| pull)
        .filter(|pull| pull.head_ref == head && pull.base_ref == input.base)
        .any(|pull| {
            state
                .issues
                .get(&issue_key(repo.id, pull.number))
                .is_some_and(|issue| issue.state == "open")
        });
    if duplicate {
        return Err(GitHubError::ValidationFailed(vec![FieldError::unfielded(
            "PullRequest",
            &format!("A pull request already exists for {}:{head}.", repo.owner),
        )]));
    }
    let now = ctx.now;
    let view = state.store.transaction(|txn| {
        let mut current = txn
            .get(&state.repos, &id_key(repo.id))?
            .ok_or(GitHubError::NotFound)?;
        current.last_number += 1;
        current.open_issues += 1;
        let number = current.last_number;
        let issue_id = model::next_id(txn, &state.counters, "issue")?;
        let pull_id = model::next_id(txn, &state.counters, "pull")?;
        let issue = Issue {
            id: issue_id,
            repo_id: repo.id,
            number,
            title: title.clone(),
            body: input.body.clone(),
            state: "open".into(),
            state_reason: None,
            user: caller.clone(),
            labels: Vec::new(),
            assignees: Vec::new(),
            locked: false,
            comments: 0,
            created_at: now,
            updated_at: now,
            closed_at: None,
            closed_by: None,
            pull_request: true,
        };
        let pull = Pull {
            id: pull_id,
            repo_id: repo.id,
            number,
            head_ref: head.to_string(),
            head_sha: head_sha.clone(),
            base_ref: input.base.clone(),
            base_sha: base_sha.clone(),
            draft: input.draft.unwrap_or(false),
            maintainer_can_modify: input.maintainer_can_modify.unwrap_or(false),
            merged_at: None,
            merged_by: None,
            merge_commit_sha: None,
            requested_reviewers: Vec::new(),
        };
        txn.insert(&state.issues, &issue_key(repo.id, number), issue.clone())?;
        txn.insert(&state.pulls, &issue_key(repo.id, number), pull.clone())?;
        txn.insert(&state.repos, &id_key(repo.id), current)?;
        Ok::<_, GitHubError>(PullView { issue, pull })
    })?;
    let mut view = view;
    if let Some(sha) = refresh_pull_refs(ctx, &git, &view.pull)? {
        view.pull.merge_commit_sha = Some(sha.clone());
        store_pull(ctx, &view.pull)?;
    }
    crate::hooks::events::pull_opened(ctx, &repo, &view);
    Ok((repo, view))
}

fn store_pull(ctx: &Ctx<'_>, pull: &Pull) -> Result<(), GitHubError> {
    ctx.hub
        .state
        .pulls
        .insert(&issue_key(pull.repo_id, pull.number), pull.clone())?;
    Ok(())
}

/// The pull request `number` with its branches followed: an open one's head and base SHAs
/// track their branches (and its refs and test merge follow).
pub(crate) fn load(ctx: &Ctx<'_>, repo: &Repo, number: &str) -> Result<PullView, GitHubError> {
    let number: u64 = number.parse().map_err(|_| GitHubError::NotFound)?;
    let state = &ctx.hub.state;
    let key = issue_key(repo.id, number);
    let mut pull = state.pulls.get(&key).ok_or(GitHubError::NotFound)?;
    let issue = state.issues.get(&key).ok_or(GitHubError::NotFound)?;
    if issue.state == "open" {
        let git = open(ctx, repo)?;
        let head = branch_head(&git, &pull.head_ref)?;
        let base = branch_head(&git, &pull.base_ref)?;
        let moved = head.as_ref().is_some_and(|h| *h != pull.head_sha)
            || base.as_ref().is_some_and(|b| *b != pull.base_sha);
        if moved {
            pull.head_sha = head.unwrap_or(pull.head_sha);
            pull.base_sha = base.unwrap_or(pull.base_sha);
            pull.merge_commit_sha = refresh_pull_refs(ctx, &git, &pull)?;
            store_pull(ctx, &pull)?;
        }
    }
    Ok(PullView { issue, pull })
}

pub fn get(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    number: &str,
) -> Result<(Repo, PullView, PullStats), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let view = load(ctx, &repo, number)?;
    let stats = stats(ctx, &repo, &view)?;
    Ok((repo, view, stats))
}

fn comparison(
    ctx: &Ctx<'_>,
    repo: &Repo,
    pull: &Pull,
) -> Result<(simkit::git::Repo, Comparison), GitHubError> {
    let git = open(ctx, repo)?;
    // A merged pull request keeps the base it was merged into, so it still shows what it merged.
    let comparison = git
        .compare(&pull.base_sha, &pull.head_sha)
        .map_err(internal)?;
    Ok((git, comparison))
}

pub fn stats(ctx: &Ctx<'_>, repo: &Repo, view: &PullView) -> Result<PullStats, GitHubError> {
    let (git, comparison) = comparison(ctx, repo, &view.pull)?;
    let mergeable = if view.pull.merged_at.is_some() || view.issue.state != "open" {
        None
    } else {
        Some(
            git.merge_tree(&view.pull.base_sha, &view.pull.head_sha, None)
                .map_err(internal)?
                .is_some(),
        )
    };
    Ok(PullStats {
        mergeable,
        commits: comparison.ahead_by,
        additions: comparison.files.iter().filter_map(|f| f.additions).sum(),
        deletions: comparison.files.iter().filter_map(|f| f.deletions).sum(),
        changed_files: comparison.files.len() as u64,
    })
}

pub fn list(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    filters: ListPulls,
) -> Result<(Repo, Vec<PullView>), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let state_filter = filters.state.as_deref().unwrap_or("open");
    if !matches!(state_filter, "open" | "closed" | "all") {
        return Err(GitHubError::ValidationFailed(vec![FieldError::new(
            "PullRequest",
            "state",
            "invalid",
        )]));
    }
    let head_filter = filters
        .head
        .as_deref()
        .map(|head| head_branch(&repo, head).map(String::from));
    let state = &ctx.hub.state;
    let mut views: Vec<PullView> = state
        .pulls
        .scan_prefix(&repo_prefix(repo.id))
        .into_iter()
        .filter_map(|(key, pull)| {
            Some(PullView {
                issue: state.issues.get(&key)?,
                pull,
            })
        })
        .filter(|v| state_filter == "all" || v.issue.state == state_filter)
        .filter(|v| match &head_filter {
            Some(Some(head)) => v.pull.head_ref == *head,
            Some(None) => false,
            None => true,
        })
        .filter(|v| filters.base.as_ref().is_none_or(|b| v.pull.base_ref == *b))
        .collect();
    let sort = filters.sort.as_deref().unwrap_or("created");
    // GitHub lists newest first unless asked otherwise.
    let ascending = filters.direction.as_deref() == Some("asc");
    views.sort_by(|a, b| {
        let order = match sort {
            "updated" => a.issue.updated_at.cmp(&b.issue.updated_at),
            _ => a.issue.created_at.cmp(&b.issue.created_at),
        }
        .then(a.issue.number.cmp(&b.issue.number));
        if ascending { order } else { order.reverse() }
    });
    Ok((repo, views))
}

pub fn update(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    number: &str,
    input: UpdatePull,
) -> Result<(Repo, PullView, PullStats), GitHubError> {
    let repo = open_repo(ctx, owner, name)?;
    let caller = ctx.require_caller()?.login().to_string();
    let view = load(ctx, &repo, number)?;
    if !ctx.permissions(&repo).push && !view.issue.user.eq_ignore_ascii_case(&caller) {
        return Err(GitHubError::Forbidden(
            "Must have push access to repository".into(),
        ));
    }
    if let Some(state) = &input.state
        && !matches!(state.as_str(), "open" | "closed")
    {
        return Err(invalid("state"));
    }
    let git = open(ctx, &repo)?;
    let mut pull = view.pull.clone();
    if let Some(base) = &input.base {
        pull.base_sha = branch_head(&git, base)?.ok_or_else(|| invalid("base"))?;
        pull.base_ref = base.clone();
    }
    if input.state.as_deref() == Some("open") && view.issue.state == "closed" {
        if pull.merged_at.is_some() {
            return Err(GitHubError::ValidationFailed(vec![FieldError::unfielded(
                "PullRequest",
                "Cannot reopen a merged pull request",
            )]));
        }
        if branch_head(&git, &pull.head_ref)?.is_none() {
            return Err(GitHubError::ValidationFailed(vec![FieldError::custom(
                "PullRequest",
                "state",
                "cannot reopen a pull request whose head branch was deleted",
            )]));
        }
    }
    if let Some(flag) = input.maintainer_can_modify {
        pull.maintainer_can_modify = flag;
    }
    let now = ctx.now;
    let state = &ctx.hub.state;
    let issue = state.store.transaction(|txn| {
        let key = issue_key(repo.id, view.issue.number);
        let mut issue = txn.get(&state.issues, &key)?.ok_or(GitHubError::NotFound)?;
        if let Some(title) = &input.title {
            issue.title = title.clone();
        }
        if let Some(body) = &input.body {
            issue.body = Some(body.clone());
        }
        if let Some(new_state) = input.state.as_deref()
            && new_state != issue.state
        {
            let mut current = txn
                .get(&state.repos, &id_key(repo.id))?
                .ok_or(GitHubError::NotFound)?;
            if new_state == "closed" {
                issue.closed_at = Some(now);
                issue.closed_by = Some(caller.clone());
                current.open_issues = current.open_issues.saturating_sub(1);
            } else {
                issue.closed_at = None;
                issue.closed_by = None;
                current.open_issues += 1;
            }
            issue.state = new_state.to_string();
            txn.insert(&state.repos, &id_key(repo.id), current)?;
        }
        issue.updated_at = now;
        txn.insert(&state.issues, &key, issue.clone())?;
        txn.insert(&state.pulls, &key, pull.clone())?;
        Ok::<_, GitHubError>(issue)
    })?;
    let before = view.issue;
    let view = PullView { issue, pull };
    crate::hooks::events::issue_changed(ctx, &repo, Some(&before), &view.issue, Some(&view));
    let stats = stats(ctx, &repo, &view)?;
    Ok((repo, view, stats))
}

/// The commits of a pull request, oldest first.
pub fn commits(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    number: &str,
) -> Result<(Repo, Vec<Commit>), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let view = load(ctx, &repo, number)?;
    let (_, comparison) = comparison(ctx, &repo, &view.pull)?;
    Ok((repo, comparison.commits))
}

/// The files a pull request changes, from the merge base to its head.
pub fn files(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    number: &str,
) -> Result<(Repo, String, Vec<ChangedFile>), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let view = load(ctx, &repo, number)?;
    let (git, comparison) = comparison(ctx, &repo, &view.pull)?;
    let from = comparison.merge_base.unwrap_or(comparison.base);
    let files = changed_files(&git, &from, &view.pull.head_sha)?;
    Ok((repo, view.pull.head_sha, files))
}

pub fn check_merged(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    number: &str,
) -> Result<(), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let view = load(ctx, &repo, number)?;
    if view.pull.merged_at.is_some() {
        Ok(())
    } else {
        Err(GitHubError::NotFound)
    }
}

/// Merges a pull request; returns the new head of its base.
pub fn merge(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    number: &str,
    input: MergePull,
) -> Result<String, GitHubError> {
    let repo = ctx.writable_repo(owner, name)?;
    let caller = ctx.require_caller()?.clone();
    let view = load(ctx, &repo, number)?;
    let not_mergeable = || GitHubError::MethodNotAllowed("Pull Request is not mergeable".into());
    if view.issue.state != "open" || view.pull.merged_at.is_some() || view.pull.draft {
        return Err(not_mergeable());
    }
    let method = input.merge_method.as_deref().unwrap_or("merge");
    let allowed = match method {
        "merge" => repo.allow_merge_commit,
        "squash" => repo.allow_squash_merge,
        "rebase" => repo.allow_rebase_merge,
        _ => return Err(invalid("merge_method")),
    };
    if !allowed {
        return Err(GitHubError::MethodNotAllowed(match method {
            "merge" => "Merge commits are not allowed on this repository.".into(),
            "squash" => "Squash merges are not allowed on this repository.".into(),
            _ => "Rebase merges are not allowed on this repository.".into(),
        }));
    }
    if let Some(sha) = &input.sha
        && *sha != view.pull.head_sha
    {
        return Err(GitHubError::Conflict(
            "Head branch was modified. Review and try the merge again.".into(),
        ));
    }
    let pull = &view.pull;
    let git = open(ctx, &repo)?;
    let who = signature(&caller.account, ctx.now);
    let base_ref = format!("refs/heads/{}", pull.base_ref);
    let base = pull.base_sha.clone();
    let (_, comparison) = comparison(ctx, &repo, pull)?;
    let new_head = match method {
        "rebase" => {
            // Each commit replayed on the base in turn, keeping its author and message.
            let mut onto = base.clone();
            for commit in &comparison.commits {
                let parent = commit.parents.first().cloned().unwrap_or_default();
                let tree = git
                    .merge_tree(&onto, &commit.sha, Some(&parent))
                    .map_err(internal)?
                    .ok_or_else(not_mergeable)?;
                onto = git
                    .create_commit(&tree, &[&onto], &commit.message, &commit.author, &who)
                    .map_err(internal)?
                    .sha;
            }
            onto
        }
        _ => {
            let tree = git
                .merge_tree(&base, &pull.head_sha, None)
                .map_err(internal)?
                .ok_or_else(not_mergeable)?;
            let (title, parents): (String, Vec<&str>) = if method == "squash" {
                let title = input
                    .commit_title
                    .clone()
                    .unwrap_or_else(|| format!("{} (#{})", view.issue.title, pull.number));
                (title, vec![&base])
            } else {
                let title = input.commit_title.clone().unwrap_or_else(|| {
                    format!(
                        "Merge pull request #{} from {}/{}",
                        pull.number, repo.owner, pull.head_ref
                    )
                });
                (title, vec![&base, &pull.head_sha])
            };
            let body = input.commit_message.clone().unwrap_or_else(|| {
                if method == "squash" {
                    comparison
                        .commits
                        .iter()
                        .map(|c| format!("* {}", c.message.trim_end()))
                        .collect::<Vec<_>>()
                        .join("\n\n")
                } else {
                    view.issue.title.clone()
                }
            });
            let message = if body.is_empty() {
                title
            } else {
                format!("{title}\n\n{body}")
            };
            git.create_commit(&tree, &parents, &message, &who, &who)
                .map_err(internal)?
                .sha
        }
    };
    match git.point_ref(&base_ref, &new_head, Some(Some(&base))) {
        Ok(()) => {}
        Err(GitError::Conflict(_)) => {
            return Err(GitHubError::Conflict(
                "Base branch was modified. Review and try the merge again.".into(),
            ));
        }
        Err(error) => return Err(internal(error)),
    }
    let now = ctx.now;
    let state = &ctx.hub.state;
    let login = caller.login().to_string();
    state.store.transaction(|txn| {
        let key = issue_key(repo.id, pull.number);
        let mut issue = txn.get(&state.issues, &key)?.ok_or(GitHubError::NotFound)?;
        let mut merged = txn.get(&state.pulls, &key)?.ok_or(GitHubError::NotFound)?;
        let mut current = txn
            .get(&state.repos, &id_key(repo.id))?
            .ok_or(GitHubError::NotFound)?;
        issue.state = "closed".into();
        issue.closed_at = Some(now);
        issue.closed_by = Some(login.clone());
        issue.updated_at = now;
        merged.merged_at = Some(now);
        merged.merged_by = Some(login.clone());
        merged.merge_commit_sha = Some(new_head.clone());
        current.open_issues = current.open_issues.saturating_sub(1);
        txn.insert(&state.issues, &key, issue)?;
        txn.insert(&state.pulls, &key, merged)?;
        txn.insert(&state.repos, &id_key(repo.id), current)?;
        Ok::<_, GitHubError>(())
    })?;
    record_push(ctx, &repo, &base_ref, Some(&base), Some(&new_head))?;
    let key = issue_key(repo.id, view.issue.number);
    if let (Some(issue), Some(pull)) = (
        ctx.hub.state.issues.get(&key),
        ctx.hub.state.pulls.get(&key),
    ) {
        let after = PullView { issue, pull };
        crate::hooks::events::issue_changed(
            ctx,
            &repo,
            Some(&view.issue),
            &after.issue,
            Some(&after),
        );
    }
    if repo.delete_branch_on_merge {
        let head_ref = format!("refs/heads/{}", pull.head_ref);
        if let Ok(Some(head)) = git.ref_target(&head_ref)
            && git.update_ref(&head_ref, None, Some(&head)).is_ok()
        {
            record_push(ctx, &repo, &head_ref, Some(&head), None)?;
        }
    }
    Ok(new_head)
}

/// `POST .../pulls/{n}/reviews`.
#[derive(Debug, Deserialize)]
pub struct CreateReview {
    pub commit_id: Option<String>,
    pub body: Option<String>,
    pub event: Option<String>,
    /// Draft review comments, anchored to the diff.
    pub comments: Option<Vec<super::review_comments::CreateComment>>,
}

/// `POST .../reviews/{id}/events`.
#[derive(Debug, Deserialize)]
pub struct SubmitReview {
    pub body: Option<String>,
    pub event: String,
}

fn review_state(event: &str, own: bool, body: Option<&str>) -> Result<&'static str, GitHubError> {
    let state = match event {
        "APPROVE" => "APPROVED",
        "REQUEST_CHANGES" => "CHANGES_REQUESTED",
        "COMMENT" => "COMMENTED",
        _ => return Err(invalid("event")),
    };
    if own && state != "COMMENTED" {
        let what = if state == "APPROVED" {
            "Can not approve your own pull request"
        } else {
            "Can not request changes on your own pull request"
        };
        return Err(GitHubError::Unprocessable(
            "Unprocessable Entity".into(),
            vec![what.into()],
        ));
    }
    if state != "APPROVED" && body.is_none_or(|b| b.trim().is_empty()) {
        let what = if state == "COMMENTED" {
            "Review Comment is missing (comment)."
        } else {
            "Review Comment is missing (request changes)."
        };
        return Err(GitHubError::Unprocessable(
            "Unprocessable Entity".into(),
            vec![what.into()],
        ));
    }
    Ok(state)
}

pub fn create_review(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    number: &str,
    input: CreateReview,
) -> Result<(Repo, Review), GitHubError> {
    let repo = open_repo(ctx, owner, name)?;
    let caller = ctx.require_caller()?.login().to_string();
    let view = load(ctx, &repo, number)?;
    let own = view.issue.user.eq_ignore_ascii_case(&caller);
    // A review made of comments needs no body of its own.
    let has_comments = input.comments.as_ref().is_some_and(|c| !c.is_empty());
    let body = match (input.body.as_deref(), has_comments) {
        (None | Some(""), true) => Some("comments"),
        (body, _) => body,
    };
    let state = match input.event.as_deref() {
        None | Some("") | Some("PENDING") => "PENDING",
        Some(event) => review_state(event, own, body)?,
    };
    let commit_id = input
        .commit_id
        .clone()
        .unwrap_or_else(|| view.pull.head_sha.clone());
    let comments = super::review_comments::prepare_for_review(
        ctx,
        &repo,
        &view,
        &commit_id,
        input.comments.as_deref().unwrap_or_default(),
    )?;
    let now = ctx.now;
    let store = &ctx.hub.state;
    let mut comments = Some(comments);
    let review = store.store.transaction(|txn| {
        let id = model::next_id(txn, &store.counters, "review")?;
        let review = Review {
            id,
            repo_id: repo.id,
            number: view.issue.number,
            user: caller.clone(),
            body: input.body.clone().unwrap_or_default(),
            state: state.to_string(),
            commit_id: commit_id.clone(),
            submitted_at: (state != "PENDING").then_some(now),
        };
        txn.insert(&store.reviews, &issue_key(repo.id, id), review.clone())?;
        super::review_comments::store_for_review(
            ctx,
            txn,
            &repo,
            &view,
            &review,
            comments.take().unwrap_or_default(),
        )?;
        // A review from a requested reviewer answers the request.
        let key = issue_key(repo.id, view.issue.number);
        if state != "PENDING"
            && let Some(mut pull) = txn.get(&store.pulls, &key)?
        {
            pull.requested_reviewers
                .retain(|login| !login.eq_ignore_ascii_case(&caller));
            txn.insert(&store.pulls, &key, pull)?;
        }
        Ok::<_, GitHubError>(review)
    })?;
    if review.state != "PENDING" {
        crate::hooks::events::review_submitted(ctx, &repo, &review);
    }
    Ok((repo, review))
}

pub fn list_reviews(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    number: &str,
) -> Result<(Repo, Vec<Review>), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let caller = ctx.caller.as_ref().map(|c| c.login().to_string());
    let view = load(ctx, &repo, number)?;
    let reviews = ctx
        .hub
        .state
        .reviews
        .scan_prefix(&repo_prefix(repo.id))
        .into_iter()
        .map(|(_, review)| review)
        .filter(|review| review.number == view.issue.number)
        // A pending review is its author's alone.
        .filter(|review| {
            review.state != "PENDING"
                || caller
                    .as_deref()
                    .is_some_and(|c| review.user.eq_ignore_ascii_case(c))
        })
        .collect();
    Ok((repo, reviews))
}

pub fn get_review(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    number: &str,
    id: &str,
) -> Result<(Repo, Review), GitHubError> {
    let (repo, reviews) = list_reviews(ctx, owner, name, number)?;
    let id: u64 = id.parse().map_err(|_| GitHubError::NotFound)?;
    let review = reviews
        .into_iter()
        .find(|review| review.id == id)
        .ok_or(GitHubError::NotFound)?;
    Ok((repo, review))
}

pub fn submit_review(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    number: &str,
    id: &str,
    input: SubmitReview,
) -> Result<(Repo, Review), GitHubError> {
    let (repo, review) = get_review(ctx, owner, name, number, id)?;
    let caller = ctx.require_caller()?.login().to_string();
    if review.state != "PENDING" || !review.user.eq_ignore_ascii_case(&caller) {
        return Err(GitHubError::Unprocessable(
            "Unprocessable Entity".into(),
            vec!["Can not submit a review that is not pending".into()],
        ));
    }
    let view = load(ctx, &repo, number)?;
    let own = view.issue.user.eq_ignore_ascii_case(&caller);
    let body = input.body.clone().unwrap_or(review.body.clone());
    let state = review_state(&input.event, own, Some(&body))?;
    let now = ctx.now;
    let updated = ctx
        .hub
        .state
        .reviews
        .update(&issue_key(repo.id, review.id), |r| {
            r.state = state.to_string();
            r.body = body.clone();
            r.submitted_at = Some(now);
            r.clone()
        })?
        .ok_or(GitHubError::NotFound)?;
    crate::hooks::events::review_submitted(ctx, &repo, &updated);
    Ok((repo, updated))
}

/// `POST`/`DELETE .../requested_reviewers`.
#[derive(Debug, Default, Deserialize)]
pub struct Reviewers {
    pub reviewers: Option<Vec<String>>,
    pub team_reviewers: Option<Vec<String>>,
}

pub fn requested_reviewers(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    number: &str,
) -> Result<(Repo, Vec<String>), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let view = load(ctx, &repo, number)?;
    Ok((repo, view.pull.requested_reviewers))
}

pub fn change_reviewers(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    number: &str,
    input: Reviewers,
    add: bool,
) -> Result<(Repo, PullView), GitHubError> {
    let repo = open_repo(ctx, owner, name)?;
    let view = load(ctx, &repo, number)?;
    if input.team_reviewers.as_ref().is_some_and(|t| !t.is_empty()) {
        // bleephub has no teams yet: a team is never a collaborator here.
        return Err(not_collaborator(&repo));
    }
    let mut pull = view.pull.clone();
    for login in input.reviewers.unwrap_or_default() {
        if add {
            let account = ctx
                .hub
                .state
                .account(&login)
                .ok_or_else(|| not_collaborator(&repo))?;
            if account.login.eq_ignore_ascii_case(&view.issue.user) {
                return Err(GitHubError::ValidationFailed(vec![FieldError::unfielded(
                    "PullRequest",
                    "Review cannot be requested from pull request author.",
                )]));
            }
            let reviewer = Ctx {
                hub: ctx.hub,
                caller: crate::auth::Principal::for_account(account.clone()),
                now: ctx.now,
            };
            if !reviewer.permissions(&repo).pull {
                return Err(not_collaborator(&repo));
            }
            if !pull
                .requested_reviewers
                .iter()
                .any(|r| r.eq_ignore_ascii_case(&account.login))
            {
                pull.requested_reviewers.push(account.login);
            }
        } else {
            pull.requested_reviewers
                .retain(|r| !r.eq_ignore_ascii_case(&login));
        }
    }
    store_pull(ctx, &pull)?;
    Ok((
        repo,
        PullView {
            issue: view.issue,
            pull,
        },
    ))
}

fn not_collaborator(repo: &Repo) -> GitHubError {
    GitHubError::ValidationFailed(vec![FieldError::unfielded(
        "PullRequest",
        &format!(
            "Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the {} repository.",
            repo.full_name()
        ),
    )])
}
