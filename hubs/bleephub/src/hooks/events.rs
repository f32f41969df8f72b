//! The payloads of the events bleephub sends, in the shapes of GitHub's webhook schemas (the
//! vendored description's `webhooks`, which the tests check them against), and the points
//! where services report what happened.
//!
//! What this module must not do: fail the request that caused an event; git failures while
//! building a payload are logged and the event is skipped.

use serde_json::{Map, Value, json};
use simkit::git::{Commit, RefUpdate, Signature};

use super::emit;
use crate::Hub;
use crate::model::{Comment, Issue, Repo, Review};
use crate::render::{self, Urls, pulls as pull_shapes};
use crate::services::Ctx;
use crate::services::pulls::PullView;

const ZEROS: &str = "0000000000000000000000000000000000000000";

/// GitHub's zen sayings, one per hook.
pub fn zen(seed: u64) -> &'static str {
    const SAYINGS: [&str; 8] = [
        "Non-blocking is better than blocking.",
        "Design for failure.",
        "Half measures are as bad as nothing at all.",
        "Favor focus over features.",
        "Avoid administrative distraction.",
        "Mind your words, they are important.",
        "Keep it logically awesome.",
        "Practicality beats purity.",
    ];
    SAYINGS[(seed % SAYINGS.len() as u64) as usize]
}

fn sender(ctx: &Ctx<'_>) -> String {
    ctx.caller
        .as_ref()
        .map_or_else(String::new, |c| c.login().to_string())
}

/// `2011-01-26T19:01:12+01:00`: a git signature's time in its own offset, as push payloads
/// show commit times.
fn signature_time(signature: &Signature) -> String {
    let offset = time::UtcOffset::from_whole_seconds(signature.offset_minutes * 60)
        .unwrap_or(time::UtcOffset::UTC);
    time::OffsetDateTime::from_unix_timestamp(signature.time)
        .map(|t| t.to_offset(offset))
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

fn committer(hub: &Hub, signature: &Signature) -> Value {
    let mut body = json!({
        "name": signature.name,
        "email": signature.email,
    });
    if let Some(account) = render::git::account_for_email(&hub.state, &signature.email) {
        body["username"] = account.login.into();
    }
    body
}

/// A push payload's commit, with the paths it added, removed and modified.
fn push_commit(
    hub: &Hub,
    urls: &Urls,
    repo: &Repo,
    git: &simkit::git::Repo,
    commit: &Commit,
) -> Value {
    let (mut added, mut removed, mut modified) = (Vec::new(), Vec::new(), Vec::new());
    let parent = commit.parents.first().cloned();
    let changes = match parent {
        Some(parent) => git.diff(&parent, &commit.sha),
        // A root commit: everything in its tree is new.
        None => git.tree_recursive(&commit.sha, "").map(|entries| {
            entries
                .unwrap_or_default()
                .into_iter()
                .filter(|e| e.kind == simkit::git::EntryKind::Blob)
                .map(|e| simkit::git::FileDiff {
                    path: e.path,
                    previous_path: None,
                    status: simkit::git::ChangeStatus::Added,
                    additions: None,
                    deletions: None,
                    patch: None,
                })
                .collect()
        }),
    };
    for change in changes.unwrap_or_default() {
        use simkit::git::ChangeStatus as S;
        match change.status {
            S::Added | S::Copied => added.push(change.path),
            S::Removed => removed.push(change.path),
            S::Renamed => {
                if let Some(previous) = change.previous_path {
                    removed.push(previous);
                }
                added.push(change.path);
            }
            S::Modified | S::TypeChanged => modified.push(change.path),
        }
    }
    json!({
        "id": commit.sha,
        "tree_id": commit.tree,
        "distinct": true,
        "message": commit.message.trim_end_matches('\n'),
        "timestamp": signature_time(&commit.committer),
        "url": format!("{}/{}/commit/{}", urls.html, repo.full_name(), commit.sha),
        "author": committer(hub, &commit.author),
        "committer": committer(hub, &commit.committer),
        "added": added,
        "removed": removed,
        "modified": modified,
    })
}

/// The commits a ref update brought, oldest first (GitHub lists at most 20), and whether it
/// was forced (the old commit is not in the new history).
fn pushed_commits(repo: &Repo, git: &simkit::git::Repo, update: &RefUpdate) -> (Vec<Commit>, bool) {
    let Some(new) = &update.new else {
        return (Vec::new(), false);
    };
    let (commits, forced) = match &update.old {
        Some(old) => match git.compare(old, new) {
            Ok(comparison) => (comparison.commits, comparison.behind_by > 0),
            Err(_) => (Vec::new(), false),
        },
        None if update.name.starts_with("refs/tags/") => (Vec::new(), false),
        None => {
            let default = format!("refs/heads/{}", repo.default_branch);
            let base = (update.name != default)
                .then(|| git.resolve(&default).ok().flatten())
                .flatten();
            match base {
                Some(base) => (
                    git.compare(&base, new)
                        .map(|c| c.commits)
                        .unwrap_or_default(),
                    false,
                ),
                None => {
                    let mut log = git.log(new, None, 0, 20).unwrap_or_default();
                    log.reverse();
                    (log, false)
                }
            }
        }
    };
    let skip = commits.len().saturating_sub(20);
    (commits.into_iter().skip(skip).collect(), forced)
}

/// The members of a `push` payload for one ref update.
fn push_fields(
    hub: &Hub,
    urls: &Urls,
    repo: &Repo,
    git: &simkit::git::Repo,
    update: &RefUpdate,
    pusher: &str,
) -> Map<String, Value> {
    let (commits, forced) = pushed_commits(repo, git, update);
    let before = update.old.clone().unwrap_or_else(|| ZEROS.into());
    let after = update.new.clone().unwrap_or_else(|| ZEROS.into());
    let rendered: Vec<Value> = commits
        .iter()
        .map(|c| push_commit(hub, urls, repo, git, c))
        .collect();
    let head_commit = match &update.new {
        None => Value::Null,
        Some(new) => rendered
            .last()
            .cloned()
            .or_else(|| {
                git.commit_info(new)
                    .ok()
                    .flatten()
                    .map(|c| push_commit(hub, urls, repo, git, &c))
            })
            .unwrap_or(Value::Null),
    };
    let compare = if update.old.is_none() {
        format!(
            "{}/{}/compare/{}",
            urls.html,
            repo.full_name(),
            short_ref(&update.name)
        )
    } else {
        format!(
            "{}/{}/compare/{}...{}",
            urls.html,
            repo.full_name(),
            &before[..12.min(before.len())],
            &after[..12.min(after.len())]
        )
    };
    let account = hub.state.account(pusher);
    let mut fields = Map::new();
    fields.insert("ref".into(), update.name.clone().into());
    fields.insert("before".into(), before.into());
    fields.insert("after".into(), after.into());
    fields.insert(
        "pusher".into(),
        json!({
            "name": pusher,
            "email": account.and_then(|a| a.email),
        }),
    );
    fields.insert("created".into(), update.old.is_none().into());
    fields.insert("deleted".into(), update.new.is_none().into());
    fields.insert("forced".into(), forced.into());
    fields.insert("base_ref".into(), Value::Null);
    fields.insert("compare".into(), compare.into());
    fields.insert("commits".into(), Value::Array(rendered));
    fields.insert("head_commit".into(), head_commit);
    fields
}

fn short_ref(name: &str) -> &str {
    name.strip_prefix("refs/heads/")
        .or_else(|| name.strip_prefix("refs/tags/"))
        .unwrap_or(name)
}

/// Refs a push (over git or the API) changed: `push` for each, `create`/`delete` for branches
/// and tags that appeared or went, `pull_request` `synchronize` for open pull requests whose
/// head moved.
pub fn refs_changed(hub: &Hub, repo: &Repo, updates: &[RefUpdate], pusher: &str) {
    let Ok(git) = hub.git.open(&repo.id.to_string()) else {
        return;
    };
    for update in updates {
        emit(hub, repo, pusher, "push", None, |urls| {
            push_fields(hub, urls, repo, &git, update, pusher)
        });
        let ref_type = if update.name.starts_with("refs/heads/") {
            "branch"
        } else if update.name.starts_with("refs/tags/") {
            "tag"
        } else {
            continue;
        };
        let short = short_ref(&update.name).to_string();
        match (&update.old, &update.new) {
            (None, Some(_)) => emit(hub, repo, pusher, "create", None, |_| {
                let mut fields = Map::new();
                fields.insert("ref".into(), short.clone().into());
                fields.insert("ref_type".into(), ref_type.into());
                fields.insert("master_branch".into(), repo.default_branch.clone().into());
                fields.insert("description".into(), repo.description.clone().into());
                fields.insert("pusher_type".into(), "user".into());
                fields
            }),
            (Some(_), None) => emit(hub, repo, pusher, "delete", None, |_| {
                let mut fields = Map::new();
                fields.insert("ref".into(), short.clone().into());
                fields.insert("ref_type".into(), ref_type.into());
                fields.insert("pusher_type".into(), "user".into());
                fields
            }),
            (Some(old), Some(new)) if ref_type == "branch" => {
                synchronize(hub, repo, &short, old, new, pusher);
            }
            _ => {}
        }
    }
}

/// `pull_request` `synchronize` for the open pull requests whose head is `branch`.
fn synchronize(hub: &Hub, repo: &Repo, branch: &str, before: &str, after: &str, pusher: &str) {
    let state = &hub.state;
    let prefix = crate::model::repo_prefix(repo.id);
    for (key, mut pull) in state.pulls.scan_prefix(&prefix) {
        if pull.head_ref != branch {
            continue;
        }
        let Some(issue) = state.issues.get(&key) else {
            continue;
        };
        if issue.state != "open" {
            continue;
        }
        pull.head_sha = after.to_string();
        let view = PullView { issue, pull };
        let ctx = Ctx {
            hub,
            caller: None,
            now: hub.kit.clock().now_millis(),
        };
        emit(
            hub,
            repo,
            pusher,
            "pull_request",
            Some("synchronize"),
            |urls| {
                let mut fields = pull_fields(&ctx, urls, repo, &view);
                fields.insert("before".into(), before.into());
                fields.insert("after".into(), after.into());
                fields
            },
        );
    }
}

/// The push payload of the default branch's last commit, for `POST …/hooks/{id}/tests`.
pub fn latest_push(hub: &Hub, repo: &Repo, sender: &str, urls: &Urls) -> Option<Value> {
    let git = hub.git.open(&repo.id.to_string()).ok()?;
    let name = format!("refs/heads/{}", repo.default_branch);
    let head = git.commit_info(&name).ok().flatten()?;
    let update = RefUpdate {
        name,
        old: head.parents.first().cloned(),
        new: Some(head.sha.clone()),
    };
    let mut payload = push_fields(hub, urls, repo, &git, &update, sender);
    payload.extend(super::context_fields(hub, urls, Some(repo), sender));
    push_repository(&mut payload);
    Some(Value::Object(payload))
}

/// Push payloads show the repository's `created_at` and `pushed_at` as Unix seconds, and its
/// default branch again as `master_branch` (GitHub's older shape, kept for push alone).
pub(super) fn push_repository(payload: &mut Map<String, Value>) {
    let Some(Value::Object(repository)) = payload.get_mut("repository") else {
        return;
    };
    for member in ["created_at", "pushed_at"] {
        let seconds = repository
            .get(member)
            .and_then(Value::as_str)
            .and_then(|text| {
                time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .map(|t| t.unix_timestamp());
        repository.insert(member.into(), seconds.map_or(Value::Null, Value::from));
    }
    if let Some(branch) = repository.get("default_branch").cloned() {
        repository.insert("master_branch".into(), branch);
    }
    let stars = repository
        .get("stargazers_count")
        .cloned()
        .unwrap_or(0.into());
    repository.insert("stargazers".into(), stars);
}

fn pull_fields(ctx: &Ctx<'_>, urls: &Urls, repo: &Repo, view: &PullView) -> Map<String, Value> {
    let state = &ctx.hub.state;
    let owner = render::account_or_ghost(state, &repo.owner);
    let context = pull_shapes::RepoContext {
        repo,
        owner: &owner,
        rendered: render::repo(urls, repo, &owner, None, false),
    };
    let stats = crate::services::pulls::stats(ctx, repo, view).unwrap_or_default();
    let mut fields = Map::new();
    fields.insert("number".into(), view.issue.number.into());
    fields.insert(
        "pull_request".into(),
        pull_shapes::full(urls, state, &context, view, &stats),
    );
    fields
}

/// `pull_request` `opened`.
pub fn pull_opened(ctx: &Ctx<'_>, repo: &Repo, view: &PullView) {
    emit(
        ctx.hub,
        repo,
        &sender(ctx),
        "pull_request",
        Some("opened"),
        |urls| pull_fields(ctx, urls, repo, view),
    );
}

/// An issue created (`before` is `None`) or changed: `issues` events, or `pull_request`
/// events when the issue is a pull request's.
pub fn issue_updated(ctx: &Ctx<'_>, repo: &Repo, before: Option<&Issue>, after: &Issue) {
    if after.pull_request {
        let key = crate::model::issue_key(repo.id, after.number);
        if let Some(pull) = ctx.hub.state.pulls.get(&key) {
            let view = PullView {
                issue: after.clone(),
                pull,
            };
            issue_changed(ctx, repo, before, after, Some(&view));
        }
        return;
    }
    issue_changed(ctx, repo, before, after, None);
}

/// What changed between two versions of an issue (or a pull request's issue), as the
/// actions GitHub sends: `opened`, `edited` (with `changes`), `closed`, `reopened`,
/// `labeled`, `unlabeled`. For a pull request the event is `pull_request` and `view` its
/// state after the change.
pub fn issue_changed(
    ctx: &Ctx<'_>,
    repo: &Repo,
    before: Option<&Issue>,
    after: &Issue,
    pull: Option<&PullView>,
) {
    let mut actions: Vec<(&str, Map<String, Value>)> = Vec::new();
    let Some(before) = before else {
        actions.push(("opened", Map::new()));
        return send_issue_actions(ctx, repo, after, pull, actions);
    };
    let mut changes = Map::new();
    if before.title != after.title {
        changes.insert("title".into(), json!({"from": before.title}));
    }
    if before.body != after.body {
        changes.insert(
            "body".into(),
            json!({"from": before.body.clone().unwrap_or_default()}),
        );
    }
    if !changes.is_empty() {
        let mut extra = Map::new();
        extra.insert("changes".into(), Value::Object(changes));
        actions.push(("edited", extra));
    }
    for label in after.labels.iter().filter(|l| !before.labels.contains(l)) {
        actions.push(("labeled", label_field(ctx, repo, label)));
    }
    for label in before.labels.iter().filter(|l| !after.labels.contains(l)) {
        actions.push(("unlabeled", label_field(ctx, repo, label)));
    }
    if before.state != after.state {
        let action = if after.state == "closed" {
            "closed"
        } else {
            "reopened"
        };
        actions.push((action, Map::new()));
    }
    send_issue_actions(ctx, repo, after, pull, actions);
}

fn label_field(ctx: &Ctx<'_>, repo: &Repo, name: &str) -> Map<String, Value> {
    let mut extra = Map::new();
    // The label is rendered with the hook's URLs when sent; its record is read here.
    if let Some(label) = ctx
        .hub
        .state
        .labels
        .get(&crate::model::label_key(repo.id, name))
    {
        extra.insert(
            "label".into(),
            serde_json::to_value(&label).unwrap_or_default(),
        );
    }
    extra
}

fn send_issue_actions(
    ctx: &Ctx<'_>,
    repo: &Repo,
    issue: &Issue,
    pull: Option<&PullView>,
    actions: Vec<(&str, Map<String, Value>)>,
) {
    let state = &ctx.hub.state;
    for (action, extra) in actions {
        let event = if pull.is_some() {
            "pull_request"
        } else {
            "issues"
        };
        emit(ctx.hub, repo, &sender(ctx), event, Some(action), |urls| {
            let mut fields = match pull {
                Some(view) => pull_fields(ctx, urls, repo, view),
                None => {
                    let mut fields = Map::new();
                    fields.insert("issue".into(), render::issue(urls, state, repo, issue));
                    fields
                }
            };
            for (name, value) in &extra {
                let value = if name == "label" {
                    serde_json::from_value::<crate::model::Label>(value.clone())
                        .map(|label| render::label(urls, repo, &label))
                        .unwrap_or(Value::Null)
                } else {
                    value.clone()
                };
                fields.insert(name.clone(), value);
            }
            fields
        });
    }
}

/// `issue_comment` `created`, `edited` (with the old body) or `deleted`.
pub fn comment(
    ctx: &Ctx<'_>,
    repo: &Repo,
    action: &str,
    comment: &Comment,
    old_body: Option<&str>,
) {
    let state = &ctx.hub.state;
    let Some(issue) = state
        .issues
        .get(&crate::model::issue_key(repo.id, comment.issue_number))
    else {
        return;
    };
    emit(
        ctx.hub,
        repo,
        &sender(ctx),
        "issue_comment",
        Some(action),
        |urls| {
            let mut fields = Map::new();
            if let Some(old) = old_body {
                fields.insert("changes".into(), json!({"body": {"from": old}}));
            }
            fields.insert("issue".into(), render::issue(urls, state, repo, &issue));
            fields.insert(
                "comment".into(),
                render::comment(urls, state, repo, comment),
            );
            fields
        },
    );
}

/// `pull_request_review` `submitted`.
pub fn review_submitted(ctx: &Ctx<'_>, repo: &Repo, review: &Review) {
    let state = &ctx.hub.state;
    let key = crate::model::issue_key(repo.id, review.number);
    let (Some(issue), Some(pull)) = (state.issues.get(&key), state.pulls.get(&key)) else {
        return;
    };
    let view = PullView { issue, pull };
    emit(
        ctx.hub,
        repo,
        &sender(ctx),
        "pull_request_review",
        Some("submitted"),
        |urls| {
            let mut fields = Map::new();
            fields.insert(
                "review".into(),
                pull_shapes::review(urls, state, repo, review),
            );
            let pull_fields = pull_fields(ctx, urls, repo, &view);
            if let Some(pull) = pull_fields.get("pull_request") {
                fields.insert("pull_request".into(), pull.clone());
            }
            fields
        },
    );
}

/// `release` `created`, `published`, `edited` or `deleted`.
pub fn release(ctx: &Ctx<'_>, repo: &Repo, action: &str, release: &crate::model::Release) {
    let state = &ctx.hub.state;
    let assets = crate::services::releases::assets_of(ctx, repo, release.id);
    emit(
        ctx.hub,
        repo,
        &sender(ctx),
        "release",
        Some(action),
        |urls| {
            let mut fields = Map::new();
            fields.insert(
                "release".into(),
                render::releases::release(urls, state, repo, release, &assets),
            );
            fields
        },
    );
}

/// `workflow_run` with `action` (`requested`, `in_progress`, `completed`) about `repo`: the
/// point the Actions engine reports a run's changes through. `body` renders, from each hook's
/// URLs, the run (`workflow_run`, the REST shape of a run) and its workflow (`workflow`);
/// `repository`, `organization` and `sender` are added here.
pub fn workflow_run(
    hub: &Hub,
    repo: &Repo,
    sender: &str,
    action: &str,
    body: impl Fn(&Urls) -> (Value, Value),
) {
    emit(hub, repo, sender, "workflow_run", Some(action), |urls| {
        let (run, workflow) = body(urls);
        let mut fields = Map::new();
        fields.insert("workflow_run".into(), run);
        fields.insert("workflow".into(), workflow);
        fields
    });
}

/// `workflow_job` with `action` (`queued`, `waiting`, `in_progress`, `completed`) about
/// `repo`: the point the Actions engine reports a job's changes through. `job` renders the
/// REST shape of the job from each hook's URLs; `deployment` is absent, as for jobs without
/// an environment.
pub fn workflow_job(
    hub: &Hub,
    repo: &Repo,
    sender: &str,
    action: &str,
    job: impl Fn(&Urls) -> Value,
) {
    emit(hub, repo, sender, "workflow_job", Some(action), |urls| {
        let mut fields = Map::new();
        fields.insert("workflow_job".into(), job(urls));
        fields
    });
}

/// `status`: a commit status was created.
pub fn status(ctx: &Ctx<'_>, repo: &Repo, status: &crate::model::CommitStatus) {
    let git = ctx.hub.git.open(&repo.id.to_string()).ok();
    let commit = git
        .as_ref()
        .and_then(|git| git.commit_info(&status.sha).ok().flatten());
    let branches: Vec<Value> = git
        .as_ref()
        .and_then(|git| git.refs().ok())
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.name.starts_with("refs/heads/") && r.target == status.sha)
        .map(|r| {
            json!({
                "name": short_ref(&r.name),
                "commit": { "sha": status.sha, "url": Value::Null },
                "protected": false,
            })
        })
        .collect();
    emit(ctx.hub, repo, &sender(ctx), "status", None, |urls| {
        let rendered = crate::render::checks::status(urls, &ctx.hub.state, repo, status);
        let mut fields = Map::new();
        fields.insert("id".into(), status.id.into());
        fields.insert("sha".into(), status.sha.clone().into());
        fields.insert("name".into(), repo.full_name().into());
        fields.insert("target_url".into(), status.target_url.clone().into());
        fields.insert("avatar_url".into(), rendered["avatar_url"].clone());
        fields.insert("context".into(), status.context.clone().into());
        fields.insert("description".into(), status.description.clone().into());
        fields.insert("state".into(), status.state.clone().into());
        let rendered_commit = commit.as_ref().map_or(Value::Null, |c| {
            crate::render::git::commit(urls, &ctx.hub.state, repo, c, None)
        });
        fields.insert("commit".into(), rendered_commit);
        fields.insert("branches".into(), Value::Array(branches.clone()));
        fields.insert("created_at".into(), rendered["created_at"].clone());
        fields.insert("updated_at".into(), rendered["updated_at"].clone());
        fields
    });
}
