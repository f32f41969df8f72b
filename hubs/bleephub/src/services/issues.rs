//! Issues and their comments. Numbers come from the repository's counter, which pull requests
//! will share. Labels named on an issue that do not exist are created (GitHub does so for
//! callers with push access); assignees must be able to see the repository.

use serde::Deserialize;
use serde_json::Value;

use super::Ctx;
use crate::error::{FieldError, GitHubError};
use crate::model::{
    self, Comment, Issue, Label, Repo, comment_key, id_key, issue_key, repo_prefix,
};

/// `POST /repos/{owner}/{repo}/issues`. `title` may be a string or a number, `labels` names or
/// `{"name": ...}` objects, as GitHub's schema allows.
#[derive(Debug, Default, Deserialize)]
pub struct CreateIssue {
    pub title: Value,
    pub body: Option<String>,
    pub assignee: Option<String>,
    pub assignees: Option<Vec<String>>,
    pub labels: Option<Vec<Value>>,
}

/// `PATCH /repos/{owner}/{repo}/issues/{issue_number}`.
#[derive(Debug, Default, Deserialize)]
pub struct UpdateIssue {
    pub title: Option<Value>,
    pub body: Option<String>,
    pub state: Option<String>,
    pub state_reason: Option<String>,
    pub assignee: Option<String>,
    pub assignees: Option<Vec<String>>,
    pub labels: Option<Vec<Value>>,
}

/// Listing filters, as given.
#[derive(Debug, Default, Clone)]
pub struct ListIssues {
    pub state: Option<String>,
    pub labels: Option<String>,
    pub sort: Option<String>,
    pub direction: Option<String>,
    pub creator: Option<String>,
    pub assignee: Option<String>,
    pub since: Option<i64>,
}

fn title_text(title: &Value) -> Option<String> {
    match title {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

fn label_names(labels: &[Value]) -> Vec<String> {
    labels
        .iter()
        .filter_map(|label| match label {
            Value::String(name) => Some(name.clone()),
            Value::Object(object) => object.get("name").and_then(Value::as_str).map(String::from),
            _ => None,
        })
        .filter(|name| !name.is_empty())
        .collect()
}

fn usable_repo(ctx: &Ctx<'_>, owner: &str, name: &str) -> Result<Repo, GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    if !repo.has_issues {
        return Err(GitHubError::Gone(
            "Issues are disabled for this repo".into(),
        ));
    }
    Ok(repo)
}

/// The repository for writing issues: anyone who can read it may open and comment, with a
/// token that may write to it; an archived repository is read-only.
fn commentable_repo(ctx: &Ctx<'_>, owner: &str, name: &str) -> Result<Repo, GitHubError> {
    let repo = usable_repo(ctx, owner, name)?;
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

fn check_assignees(ctx: &Ctx<'_>, assignees: &[String]) -> Result<Vec<String>, GitHubError> {
    let mut logins = Vec::new();
    for login in assignees {
        match ctx.hub.state.account(login) {
            Some(account) => {
                if !logins.contains(&account.login) {
                    logins.push(account.login)
                }
            }
            None => {
                return Err(GitHubError::ValidationFailed(vec![FieldError {
                    resource: "Issue".into(),
                    code: "invalid".into(),
                    field: "assignees".into(),
                    message: None,
                }]));
            }
        }
    }
    Ok(logins)
}

/// Resolves label names against the repository's labels (case-insensitively), creating the
/// missing ones inside `txn` when the caller may push, dropping them otherwise.
fn resolve_labels(
    ctx: &Ctx<'_>,
    txn: &mut simkit::store::Txn<'_>,
    repo: &Repo,
    names: Vec<String>,
    can_push: bool,
) -> Result<Vec<String>, GitHubError> {
    let state = &ctx.hub.state;
    let mut resolved: Vec<String> = Vec::new();
    for name in names {
        let key = model::label_key(repo.id, &name);
        let label = match txn.get(&state.labels, &key)? {
            Some(label) => label,
            None if can_push => {
                let id = model::next_id(txn, &state.counters, "label")?;
                let label = Label {
                    id,
                    repo_id: repo.id,
                    name: name.clone(),
                    color: "ededed".into(),
                    description: None,
                    default: false,
                };
                txn.insert(&state.labels, &key, label.clone())?;
                label
            }
            None => continue,
        };
        if !resolved.iter().any(|n| n.eq_ignore_ascii_case(&label.name)) {
            resolved.push(label.name);
        }
    }
    Ok(resolved)
}

pub fn create(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    input: CreateIssue,
) -> Result<(Repo, Issue), GitHubError> {
    let repo = commentable_repo(ctx, owner, name)?;
    let caller = ctx.require_caller()?.login().to_string();
    let title = title_text(&input.title)
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| {
            GitHubError::ValidationFailed(vec![FieldError::new("Issue", "title", "missing_field")])
        })?;
    let can_push = ctx.permissions(&repo).push;
    let mut assignees = input.assignees.unwrap_or_default();
    if let Some(one) = input.assignee {
        assignees.insert(0, one);
    }
    let assignees = if can_push {
        check_assignees(ctx, &assignees)?
    } else {
        Vec::new()
    };
    let labels = label_names(&input.labels.unwrap_or_default());
    let state = &ctx.hub.state;
    let now = ctx.now;
    state
        .store
        .transaction(|txn| {
            let mut current = txn
                .get(&state.repos, &id_key(repo.id))?
                .ok_or(GitHubError::NotFound)?;
            current.last_number += 1;
            current.open_issues += 1;
            let number = current.last_number;
            let labels = resolve_labels(ctx, txn, &current, labels, can_push)?;
            let id = model::next_id(txn, &state.counters, "issue")?;
            let issue = Issue {
                id,
                repo_id: repo.id,
                number,
                title,
                body: input.body,
                state: "open".into(),
                state_reason: None,
                user: caller.clone(),
                labels,
                assignees,
                locked: false,
                comments: 0,
                created_at: now,
                updated_at: now,
                closed_at: None,
                closed_by: None,
                pull_request: false,
            };
            txn.insert(&state.issues, &issue_key(repo.id, number), issue.clone())?;
            txn.insert(&state.repos, &id_key(repo.id), current.clone())?;
            Ok((current, issue))
        })
        .inspect(|(repo, issue)| crate::hooks::events::issue_updated(ctx, repo, None, issue))
}

pub fn get(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    number: &str,
) -> Result<(Repo, Issue), GitHubError> {
    let repo = usable_repo(ctx, owner, name)?;
    let number: u64 = number.parse().map_err(|_| GitHubError::NotFound)?;
    let issue = ctx
        .hub
        .state
        .issues
        .get(&issue_key(repo.id, number))
        .ok_or(GitHubError::NotFound)?;
    Ok((repo, issue))
}

pub fn list_for_repo(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    filters: ListIssues,
) -> Result<(Repo, Vec<Issue>), GitHubError> {
    let repo = usable_repo(ctx, owner, name)?;
    let state_filter = filters.state.as_deref().unwrap_or("open");
    if !matches!(state_filter, "open" | "closed" | "all") {
        return Err(GitHubError::ValidationFailed(vec![FieldError::new(
            "Issue", "state", "invalid",
        )]));
    }
    let wanted_labels: Vec<String> = filters
        .labels
        .as_deref()
        .map(|labels| {
            labels
                .split(',')
                .map(|l| l.trim().to_lowercase())
                .filter(|l| !l.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let mut issues: Vec<Issue> = ctx
        .hub
        .state
        .issues
        .scan_prefix(&repo_prefix(repo.id))
        .into_iter()
        .map(|(_, issue)| issue)
        .filter(|issue| state_filter == "all" || issue.state == state_filter)
        .filter(|issue| {
            wanted_labels
                .iter()
                .all(|wanted| issue.labels.iter().any(|l| l.to_lowercase() == *wanted))
        })
        .filter(|issue| {
            filters
                .creator
                .as_ref()
                .is_none_or(|c| issue.user.eq_ignore_ascii_case(c))
        })
        .filter(|issue| match filters.assignee.as_deref() {
            Some("*") => !issue.assignees.is_empty(),
            Some("none") => issue.assignees.is_empty(),
            Some(login) => issue
                .assignees
                .iter()
                .any(|a| a.eq_ignore_ascii_case(login)),
            None => true,
        })
        .filter(|issue| filters.since.is_none_or(|since| issue.updated_at >= since))
        .collect();
    let sort = filters.sort.as_deref().unwrap_or("created");
    let ascending = filters.direction.as_deref() == Some("asc");
    issues.sort_by(|a, b| {
        let order = match sort {
            "updated" => a.updated_at.cmp(&b.updated_at),
            "comments" => a.comments.cmp(&b.comments),
            _ => a.created_at.cmp(&b.created_at),
        }
        .then(a.number.cmp(&b.number));
        if ascending { order } else { order.reverse() }
    });
    Ok((repo, issues))
}

pub fn update(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    number: &str,
    input: UpdateIssue,
) -> Result<(Repo, Issue), GitHubError> {
    let repo = commentable_repo(ctx, owner, name)?;
    let caller = ctx.require_caller()?.login().to_string();
    let number: u64 = number.parse().map_err(|_| GitHubError::NotFound)?;
    let can_push = ctx.permissions(&repo).push;
    if let Some(state) = &input.state
        && !matches!(state.as_str(), "open" | "closed")
    {
        return Err(GitHubError::ValidationFailed(vec![FieldError::new(
            "Issue", "state", "invalid",
        )]));
    }
    if let Some(reason) = &input.state_reason
        && !matches!(
            reason.as_str(),
            "completed" | "not_planned" | "duplicate" | "reopened"
        )
    {
        return Err(GitHubError::ValidationFailed(vec![FieldError::new(
            "Issue",
            "state_reason",
            "invalid",
        )]));
    }
    let title = match &input.title {
        Some(title) => Some(
            title_text(title)
                .filter(|t| !t.trim().is_empty())
                .ok_or_else(|| {
                    GitHubError::ValidationFailed(vec![FieldError::new(
                        "Issue",
                        "title",
                        "missing_field",
                    )])
                })?,
        ),
        None => None,
    };
    let assignees = match (&input.assignees, &input.assignee) {
        (Some(list), _) => Some(check_assignees(ctx, list)?),
        (None, Some(one)) => Some(check_assignees(ctx, std::slice::from_ref(one))?),
        (None, None) => None,
    };
    let state = &ctx.hub.state;
    let now = ctx.now;
    let before = state.issues.get(&issue_key(repo.id, number));
    state
        .store
        .transaction(|txn| {
            let key = issue_key(repo.id, number);
            let mut issue = txn.get(&state.issues, &key)?.ok_or(GitHubError::NotFound)?;
            if !can_push && !issue.user.eq_ignore_ascii_case(&caller) {
                return Err(GitHubError::Forbidden(
                    "Must have push access to repository".into(),
                ));
            }
            let mut current = txn
                .get(&state.repos, &id_key(repo.id))?
                .ok_or(GitHubError::NotFound)?;
            if let Some(title) = title {
                issue.title = title;
            }
            if let Some(body) = input.body {
                issue.body = Some(body);
            }
            if let Some(new_state) = input.state.as_deref()
                && new_state != issue.state
            {
                if new_state == "closed" {
                    issue.closed_at = Some(now);
                    issue.closed_by = Some(caller.clone());
                    issue.state_reason = Some(
                        input
                            .state_reason
                            .clone()
                            .unwrap_or_else(|| "completed".into()),
                    );
                    current.open_issues = current.open_issues.saturating_sub(1);
                } else {
                    issue.closed_at = None;
                    issue.closed_by = None;
                    issue.state_reason = Some("reopened".into());
                    current.open_issues += 1;
                }
                issue.state = new_state.to_string();
            } else if let Some(reason) = &input.state_reason
                && issue.state == "closed"
            {
                issue.state_reason = Some(reason.clone());
            }
            if can_push {
                if let Some(assignees) = assignees {
                    issue.assignees = assignees;
                }
                if let Some(labels) = input.labels {
                    issue.labels = resolve_labels(ctx, txn, &current, label_names(&labels), true)?;
                }
            }
            issue.updated_at = now;
            txn.insert(&state.issues, &key, issue.clone())?;
            txn.insert(&state.repos, &id_key(repo.id), current.clone())?;
            Ok((current, issue))
        })
        .inspect(|(repo, issue)| {
            crate::hooks::events::issue_updated(ctx, repo, before.as_ref(), issue);
        })
}

/// `POST .../issues/{n}/comments` and `PATCH .../issues/comments/{id}`.
#[derive(Debug, Default, Deserialize)]
pub struct CommentBody {
    pub body: String,
}

pub fn list_comments(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    number: &str,
    since: Option<i64>,
) -> Result<(Repo, Vec<Comment>), GitHubError> {
    let (repo, issue) = get(ctx, owner, name, number)?;
    let comments = ctx
        .hub
        .state
        .comments
        .scan_prefix(&repo_prefix(repo.id))
        .into_iter()
        .map(|(_, comment)| comment)
        .filter(|comment| comment.issue_number == issue.number)
        .filter(|comment| since.is_none_or(|since| comment.updated_at >= since))
        .collect();
    Ok((repo, comments))
}

pub fn create_comment(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    number: &str,
    input: CommentBody,
) -> Result<(Repo, Comment), GitHubError> {
    let repo = commentable_repo(ctx, owner, name)?;
    let caller = ctx.require_caller()?.login().to_string();
    let number: u64 = number.parse().map_err(|_| GitHubError::NotFound)?;
    if input.body.trim().is_empty() {
        return Err(GitHubError::ValidationFailed(vec![FieldError::new(
            "IssueComment",
            "body",
            "missing_field",
        )]));
    }
    let state = &ctx.hub.state;
    let now = ctx.now;
    state
        .store
        .transaction(|txn| {
            let key = issue_key(repo.id, number);
            let mut issue = txn.get(&state.issues, &key)?.ok_or(GitHubError::NotFound)?;
            if issue.locked && !ctx.permissions(&repo).push {
                return Err(GitHubError::Forbidden(
                    "Unable to create comment because issue is locked.".into(),
                ));
            }
            let id = model::next_id(txn, &state.counters, "comment")?;
            let comment = Comment {
                id,
                repo_id: repo.id,
                issue_number: number,
                user: caller.clone(),
                body: input.body,
                created_at: now,
                updated_at: now,
            };
            issue.comments += 1;
            issue.updated_at = now;
            txn.insert(&state.issues, &key, issue)?;
            txn.insert(&state.comments, &comment_key(repo.id, id), comment.clone())?;
            Ok((repo.clone(), comment))
        })
        .inspect(|(repo, comment)| {
            crate::hooks::events::comment(ctx, repo, "created", comment, None);
        })
}

fn parse_id(id: &str) -> Result<u64, GitHubError> {
    id.parse().map_err(|_| GitHubError::NotFound)
}

pub fn get_comment(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    id: &str,
) -> Result<(Repo, Comment), GitHubError> {
    let repo = usable_repo(ctx, owner, name)?;
    let comment = ctx
        .hub
        .state
        .comments
        .get(&comment_key(repo.id, parse_id(id)?))
        .ok_or(GitHubError::NotFound)?;
    Ok((repo, comment))
}

fn own_or_push(ctx: &Ctx<'_>, repo: &Repo, comment: &Comment) -> Result<(), GitHubError> {
    let caller = ctx.require_caller()?;
    if comment.user.eq_ignore_ascii_case(caller.login()) || ctx.permissions(repo).push {
        Ok(())
    } else {
        Err(GitHubError::Forbidden(
            "Must have push access to repository".into(),
        ))
    }
}

pub fn update_comment(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    id: &str,
    input: CommentBody,
) -> Result<(Repo, Comment), GitHubError> {
    let repo = commentable_repo(ctx, owner, name)?;
    let key = comment_key(repo.id, parse_id(id)?);
    let existing = ctx
        .hub
        .state
        .comments
        .get(&key)
        .ok_or(GitHubError::NotFound)?;
    own_or_push(ctx, &repo, &existing)?;
    let now = ctx.now;
    let updated = ctx
        .hub
        .state
        .comments
        .update(&key, |comment| {
            comment.body = input.body;
            comment.updated_at = now;
            comment.clone()
        })?
        .ok_or(GitHubError::NotFound)?;
    crate::hooks::events::comment(ctx, &repo, "edited", &updated, Some(&existing.body));
    Ok((repo, updated))
}

pub fn delete_comment(ctx: &Ctx<'_>, owner: &str, name: &str, id: &str) -> Result<(), GitHubError> {
    let repo = commentable_repo(ctx, owner, name)?;
    let key = comment_key(repo.id, parse_id(id)?);
    let existing = ctx
        .hub
        .state
        .comments
        .get(&key)
        .ok_or(GitHubError::NotFound)?;
    own_or_push(ctx, &repo, &existing)?;
    let state = &ctx.hub.state;
    state.store.transaction(|txn| {
        txn.remove(&state.comments, &key)?;
        txn.update(
            &state.issues,
            &issue_key(repo.id, existing.issue_number),
            |issue| {
                issue.comments = issue.comments.saturating_sub(1);
            },
        )?;
        Ok::<_, GitHubError>(())
    })?;
    crate::hooks::events::comment(ctx, &repo, "deleted", &existing, None);
    Ok(())
}
