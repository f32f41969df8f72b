//! Webhooks: `/projects/:id/hooks` (maintainers) and `/groups/:id/hooks` (owners; a Premium
//! feature in GitLab), list, get, add, edit, delete, and `POST …/hooks/:hook_id/test/:trigger`,
//! which sends the project's latest record of that kind and answers `201` when the receiver
//! answered 2xx, else `422` with what the receiver said.
//!
//! Not served: a hook's URL variables and custom headers (their routes are 404; listed as
//! empty), custom webhook templates, and the `/hooks/:hook_id/events` log.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use http::StatusCode;
use serde_json::{Value, json};
use simkit::git::RefUpdate;

use super::numeric;
use crate::auth::Caller;
use crate::error::{GitlabError, Result};
use crate::hooks::{Event, GROUP_EVENT_FLAGS, Hook, HookOwner, PROJECT_EVENT_FLAGS, hook_key};
use crate::model::{Project, access, key};
use crate::paging::{Page, RequestUrl, paginate};
use crate::params::Params;
use crate::state::{Gitlab, records_under};

pub fn routes() -> Router<Arc<Gitlab>> {
    Router::new()
        .route(
            "/api/v4/projects/{id}/hooks",
            get(list_project_hooks).post(add_project_hook),
        )
        .route(
            "/api/v4/projects/{id}/hooks/{hook_id}",
            get(get_project_hook)
                .put(edit_project_hook)
                .delete(delete_project_hook),
        )
        .route(
            "/api/v4/projects/{id}/hooks/{hook_id}/test/{trigger}",
            post(test_project_hook),
        )
        .route(
            "/api/v4/groups/{id}/hooks",
            get(list_group_hooks).post(add_group_hook),
        )
        .route(
            "/api/v4/groups/{id}/hooks/{hook_id}",
            get(get_group_hook)
                .put(edit_group_hook)
                .delete(delete_group_hook),
        )
        .route(
            "/api/v4/groups/{id}/hooks/{hook_id}/test/{trigger}",
            post(test_group_hook),
        )
}

/// The triggers `test/:trigger` accepts (Grape answers anything else with 400).
const TEST_TRIGGERS: &[&str] = &[
    "push_events",
    "tag_push_events",
    "issues_events",
    "confidential_issues_events",
    "note_events",
    "confidential_note_events",
    "merge_requests_events",
    "job_events",
    "pipeline_events",
    "wiki_page_events",
    "releases_events",
    "emoji_events",
    "resource_access_token_events",
];

fn flags_of(owner: HookOwner) -> &'static [&'static str] {
    match owner {
        HookOwner::Project(_) => PROJECT_EVENT_FLAGS,
        HookOwner::Group(_) => GROUP_EVENT_FLAGS,
    }
}

/// `ProjectHook` / `GroupHook`: every event flag, never the token.
fn hook_json(gitlab: &Gitlab, hook: &Hook) -> Value {
    let now = gitlab.kit.clock().now_millis();
    let disabled_until = hook
        .disabled_until
        .filter(|until| *until > now)
        .map(|until| crate::state::format_time(simkit::clock::from_millis(until)));
    let mut map = serde_json::Map::new();
    map.insert("id".into(), json!(hook.id));
    map.insert("url".into(), json!(hook.url));
    map.insert("name".into(), json!(hook.name));
    map.insert("description".into(), json!(hook.description));
    map.insert("created_at".into(), json!(hook.created_at));
    match hook.owner {
        HookOwner::Project(id) => map.insert("project_id".into(), json!(id)),
        HookOwner::Group(id) => map.insert("group_id".into(), json!(id)),
    };
    for flag in flags_of(hook.owner) {
        map.insert((*flag).into(), json!(hook.events.contains(*flag)));
    }
    map.insert(
        "enable_ssl_verification".into(),
        json!(hook.enable_ssl_verification),
    );
    map.insert("alert_status".into(), json!(hook.alert_status(now)));
    map.insert("disabled_until".into(), json!(disabled_until));
    map.insert("url_variables".into(), json!([]));
    map.insert(
        "push_events_branch_filter".into(),
        json!(hook.push_events_branch_filter),
    );
    map.insert(
        "branch_filter_strategy".into(),
        json!(hook.branch_filter_strategy),
    );
    map.insert("custom_webhook_template".into(), Value::Null);
    map.insert("custom_headers".into(), json!([]));
    Value::Object(map)
}

fn project_owner(gitlab: &Gitlab, caller: &Caller, id: &str) -> Result<(Project, HookOwner)> {
    let (project, _) = gitlab.project_with_access(caller, id, access::MAINTAINER)?;
    caller.require_personal()?;
    let owner = HookOwner::Project(project.id);
    Ok((project, owner))
}

fn group_owner(gitlab: &Gitlab, caller: &Caller, id: &str) -> Result<HookOwner> {
    let group = gitlab.visible_group(caller, id)?;
    let user = caller.require_user()?;
    if gitlab.group_access(user, group.id) < access::OWNER {
        return Err(GitlabError::Forbidden);
    }
    Ok(HookOwner::Group(group.id))
}

fn find(gitlab: &Gitlab, owner: HookOwner, hook_id: &str) -> Result<Hook> {
    let hook_id = numeric(hook_id, "hook_id")?;
    gitlab
        .db
        .hooks
        .get(&hook_key(owner, hook_id))
        .ok_or_else(|| GitlabError::not_found("Hook"))
}

fn list(gitlab: &Gitlab, owner: HookOwner, params: &Params, url: &RequestUrl) -> Result<Page> {
    let prefix = match owner {
        HookOwner::Project(id) => format!("project/{}/", key(id)),
        HookOwner::Group(id) => format!("group/{}/", key(id)),
    };
    let items = records_under(&gitlab.db.hooks, &prefix)
        .iter()
        .map(|hook| hook_json(gitlab, hook))
        .collect();
    paginate(items, params, url)
}

/// Applies the parameters given to `hook`, with GitLab's validation.
fn apply(hook: &mut Hook, params: &Params) -> Result<()> {
    if let Some(url) = params.str("url")? {
        hook.url = url.trim().to_string();
    }
    if let Some(name) = params.str("name")? {
        hook.name = name;
    }
    if let Some(description) = params.str("description")? {
        hook.description = description;
    }
    if let Some(token) = params.str("token")? {
        hook.token = Some(token);
    }
    for flag in flags_of(hook.owner) {
        if let Some(on) = params.bool(flag)? {
            if on {
                hook.events.insert((*flag).to_string());
            } else {
                hook.events.remove(*flag);
            }
        }
    }
    if let Some(verify) = params.bool("enable_ssl_verification")? {
        hook.enable_ssl_verification = verify;
    }
    if let Some(strategy) = params.str("branch_filter_strategy")? {
        if !matches!(strategy.as_str(), "wildcard" | "regex" | "all_branches") {
            return Err(GitlabError::InvalidParameter(
                "branch_filter_strategy does not have a valid value".into(),
            ));
        }
        hook.branch_filter_strategy = strategy;
    }
    if let Some(filter) = params.str("push_events_branch_filter")? {
        hook.push_events_branch_filter = filter.split_whitespace().collect::<Vec<_>>().join(" ");
    }
    validate(hook)
}

/// `WebHook`'s model validations, answered as `render_validation_error!(hook, 422)`.
fn validate(hook: &Hook) -> Result<()> {
    let mut problems = Vec::new();
    if hook.url.is_empty() {
        problems.push(("url".to_string(), "can't be blank".to_string()));
    } else {
        match hook.url.split_once("://") {
            Some((scheme, rest))
                if matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") =>
            {
                if rest.split('/').next().is_none_or(str::is_empty) || hook.url.contains(' ') {
                    problems.push(("url".to_string(), "is blocked: URI is invalid".to_string()));
                }
            }
            _ => problems.push((
                "url".to_string(),
                "is blocked: Only allowed schemes are http, https".to_string(),
            )),
        }
    }
    if hook
        .token
        .as_deref()
        .is_some_and(|token| token.contains('\n'))
    {
        problems.push(("token".to_string(), "is invalid".to_string()));
    }
    let filter = &hook.push_events_branch_filter;
    match hook.branch_filter_strategy.as_str() {
        "wildcard" if !filter.is_empty() => {
            if simkit::git::names::check_branch(&filter.replace('*', "x")).is_err() {
                problems.push((
                    "push_events_branch_filter".to_string(),
                    "is not a valid branch name".to_string(),
                ));
            }
            if filter.len() > 4000 {
                problems.push((
                    "push_events_branch_filter".to_string(),
                    "is longer than the allowed length of 4000 characters.".to_string(),
                ));
            }
        }
        "regex" if !filter.is_empty() && regex_lite::Regex::new(filter).is_err() => {
            problems.push((
                "push_events_branch_filter".to_string(),
                "is not a valid regular expression".to_string(),
            ));
        }
        _ => {}
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(GitlabError::Unprocessable(problems))
    }
}

fn add(gitlab: &Gitlab, owner: HookOwner, params: &Params) -> Result<(StatusCode, Json<Value>)> {
    if !params.has("url") {
        return Err(GitlabError::missing("url"));
    }
    let mut hook = Hook {
        id: 0,
        owner,
        url: String::new(),
        name: String::new(),
        description: String::new(),
        token: None,
        // Push events are on unless the request says otherwise (the column's default).
        events: BTreeSet::from(["push_events".to_string()]),
        enable_ssl_verification: true,
        push_events_branch_filter: String::new(),
        branch_filter_strategy: "wildcard".into(),
        created_at: gitlab.now(),
        recent_failures: 0,
        backoff_count: 0,
        disabled_until: None,
    };
    apply(&mut hook, params)?;
    hook.id = gitlab.next_id("hooks")?;
    gitlab.db.hooks.insert(&hook.key(), hook.clone())?;
    Ok((StatusCode::CREATED, Json(hook_json(gitlab, &hook))))
}

fn edit(gitlab: &Gitlab, owner: HookOwner, hook_id: &str, params: &Params) -> Result<Json<Value>> {
    let mut hook = find(gitlab, owner, hook_id)?;
    let known = [
        "url",
        "name",
        "description",
        "token",
        "enable_ssl_verification",
        "push_events_branch_filter",
        "branch_filter_strategy",
    ];
    let any = known
        .iter()
        .chain(flags_of(owner))
        .any(|name| params.has(name));
    if !any {
        let names: Vec<&str> = known.iter().chain(flags_of(owner)).copied().collect();
        return Err(GitlabError::InvalidParameter(format!(
            "{} are missing, at least one parameter must be provided",
            names.join(", ")
        )));
    }
    apply(&mut hook, params)?;
    // Editing a hook makes it executable again (GitLab resets its failure count).
    hook.recent_failures = 0;
    hook.backoff_count = 0;
    hook.disabled_until = None;
    gitlab.db.hooks.insert(&hook.key(), hook.clone())?;
    Ok(Json(hook_json(gitlab, &hook)))
}

fn delete(gitlab: &Gitlab, owner: HookOwner, hook_id: &str) -> Result<StatusCode> {
    let hook = find(gitlab, owner, hook_id)?;
    gitlab.db.hooks.remove(&hook.key())?;
    gitlab.forget_hook_deliveries(&hook);
    Ok(StatusCode::NO_CONTENT)
}

/// The data a test of `trigger` sends: the project's latest record of that kind, as
/// `TestHooks::ProjectService` picks it, or its message when there is none.
fn test_data(
    gitlab: &Gitlab,
    project: &Project,
    user: &crate::model::User,
    trigger: &str,
) -> Result<(Event, Value)> {
    let none = |message: &str| GitlabError::UnprocessableMessage(message.to_string());
    match trigger {
        "push_events" => {
            let repo = gitlab.repo(project)?;
            let head = repo
                .resolve(&format!("refs/heads/{}", project.default_branch))?
                .ok_or_else(|| none("Ensure the project has at least one commit."))?;
            let parent = repo
                .commit_info(&head)?
                .and_then(|commit| commit.parents.first().cloned());
            let update = RefUpdate {
                name: format!("refs/heads/{}", project.default_branch),
                old: parent,
                new: Some(head),
            };
            Ok((Event::Push, gitlab.push_payload(project, user, &update)))
        }
        "tag_push_events" => {
            let repo = gitlab.repo(project)?;
            let tag = repo
                .refs()?
                .into_iter()
                .rfind(|r| r.name.starts_with("refs/tags/"))
                .ok_or_else(|| none("Ensure the project has tags."))?;
            let update = RefUpdate {
                name: tag.name,
                old: None,
                new: Some(tag.target),
            };
            Ok((Event::TagPush, gitlab.push_payload(project, user, &update)))
        }
        "issues_events" | "confidential_issues_events" => {
            let issue = gitlab
                .project_issues(project.id)
                .into_iter()
                .next_back()
                .ok_or_else(|| none("Ensure the project has issues."))?;
            let event = if issue.confidential {
                Event::ConfidentialIssue
            } else {
                Event::Issue
            };
            let payload =
                gitlab.issue_payload(project, &issue, user, "open", serde_json::json!({}));
            Ok((event, payload))
        }
        "wiki_page_events" => Err(none("Ensure the wiki is enabled and has pages.")),
        "releases_events" => Err(none("Ensure the project has releases.")),
        "note_events" | "confidential_note_events" | "emoji_events" => {
            let latest = gitlab
                .project_merge_requests(project.id)
                .into_iter()
                .flat_map(|mr| {
                    gitlab
                        .merge_request_notes(&mr)
                        .into_iter()
                        .filter(|note| !note.system)
                        .map(move |note| (mr.clone(), note))
                })
                .max_by_key(|(_, note)| note.id)
                .ok_or_else(|| none("Ensure the project has notes."))?;
            let (mr, note) = latest;
            let author = gitlab.user(note.author_id).unwrap_or_else(|| user.clone());
            Ok((
                Event::Note,
                gitlab.note_payload(project, &mr, &note, &author),
            ))
        }
        "merge_requests_events" => {
            let mr = gitlab
                .project_merge_requests(project.id)
                .into_iter()
                .max_by_key(|mr| mr.id)
                .ok_or_else(|| none("Ensure the project has merge requests."))?;
            Ok((
                Event::MergeRequest,
                gitlab.merge_request_payload(project, &mr, user, "open"),
            ))
        }
        "job_events" => {
            let job = gitlab
                .db
                .jobs
                .all()
                .into_iter()
                .map(|(_, job)| job)
                .filter(|job| job.project_id == project.id)
                .max_by_key(|job| job.id)
                .ok_or_else(|| none("Ensure the project has CI jobs."))?;
            Ok((Event::Job, gitlab.job_hook_payload(&job)))
        }
        "pipeline_events" => {
            let pipeline = gitlab
                .db
                .pipelines
                .all()
                .into_iter()
                .map(|(_, pipeline)| pipeline)
                .filter(|pipeline| pipeline.project_id == project.id)
                .max_by_key(|pipeline| pipeline.id)
                .ok_or_else(|| none("Ensure the project has CI pipelines."))?;
            Ok((Event::Pipeline, gitlab.pipeline_payload(&pipeline)))
        }
        _ => Err(none(
            "This GitLab fake cannot build test data for resource access token events",
        )),
    }
}

async fn test(
    gitlab: &Gitlab,
    hook: &Hook,
    project: Option<Project>,
    user: &crate::model::User,
    trigger: &str,
) -> Result<(StatusCode, Json<Value>)> {
    if !TEST_TRIGGERS.contains(&trigger) {
        return Err(GitlabError::InvalidParameter(
            "trigger does not have a valid value".into(),
        ));
    }
    let project = project.ok_or_else(|| {
        GitlabError::UnprocessableMessage("Ensure the project has at least one commit.".into())
    })?;
    let (event, payload) = test_data(gitlab, &project, user, trigger)?;
    let uuid = gitlab.kit.ids().uuid();
    let id = gitlab.deliver(hook, event, &uuid, payload.to_string())?;
    match gitlab.delivery_result(hook, id).await {
        Ok(()) => Ok((StatusCode::CREATED, Json(json!({"message": "201 Created"})))),
        Err(message) => Err(GitlabError::UnprocessableMessage(message)),
    }
}

async fn list_project_hooks(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path(id): Path<String>,
    params: Params,
) -> Result<Page> {
    let (_, owner) = project_owner(&gitlab, &caller, &id)?;
    list(&gitlab, owner, &params, &url)
}

async fn get_project_hook(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, hook_id)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let (_, owner) = project_owner(&gitlab, &caller, &id)?;
    Ok(Json(hook_json(&gitlab, &find(&gitlab, owner, &hook_id)?)))
}

async fn add_project_hook(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> Result<(StatusCode, Json<Value>)> {
    let (_, owner) = project_owner(&gitlab, &caller, &id)?;
    add(&gitlab, owner, &params)
}

async fn edit_project_hook(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, hook_id)): Path<(String, String)>,
    params: Params,
) -> Result<Json<Value>> {
    let (_, owner) = project_owner(&gitlab, &caller, &id)?;
    edit(&gitlab, owner, &hook_id, &params)
}

async fn delete_project_hook(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, hook_id)): Path<(String, String)>,
) -> Result<StatusCode> {
    let (_, owner) = project_owner(&gitlab, &caller, &id)?;
    delete(&gitlab, owner, &hook_id)
}

async fn test_project_hook(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, hook_id, trigger)): Path<(String, String, String)>,
) -> Result<(StatusCode, Json<Value>)> {
    let (project, owner) = project_owner(&gitlab, &caller, &id)?;
    let hook = find(&gitlab, owner, &hook_id)?;
    let user = caller.require_user()?.clone();
    test(&gitlab, &hook, Some(project), &user, &trigger).await
}

async fn list_group_hooks(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path(id): Path<String>,
    params: Params,
) -> Result<Page> {
    let owner = group_owner(&gitlab, &caller, &id)?;
    list(&gitlab, owner, &params, &url)
}

async fn get_group_hook(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, hook_id)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let owner = group_owner(&gitlab, &caller, &id)?;
    Ok(Json(hook_json(&gitlab, &find(&gitlab, owner, &hook_id)?)))
}

async fn add_group_hook(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> Result<(StatusCode, Json<Value>)> {
    let owner = group_owner(&gitlab, &caller, &id)?;
    add(&gitlab, owner, &params)
}

async fn edit_group_hook(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, hook_id)): Path<(String, String)>,
    params: Params,
) -> Result<Json<Value>> {
    let owner = group_owner(&gitlab, &caller, &id)?;
    edit(&gitlab, owner, &hook_id, &params)
}

async fn delete_group_hook(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, hook_id)): Path<(String, String)>,
) -> Result<StatusCode> {
    let owner = group_owner(&gitlab, &caller, &id)?;
    delete(&gitlab, owner, &hook_id)
}

/// A group hook's test sends the data of the group's first project (by ID).
async fn test_group_hook(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, hook_id, trigger)): Path<(String, String, String)>,
) -> Result<(StatusCode, Json<Value>)> {
    let owner = group_owner(&gitlab, &caller, &id)?;
    let hook = find(&gitlab, owner, &hook_id)?;
    let user = caller.require_user()?.clone();
    let HookOwner::Group(group_id) = owner else {
        return Err(GitlabError::Internal);
    };
    let project = gitlab
        .db
        .projects
        .all()
        .into_iter()
        .map(|(_, project)| project)
        .filter(|project| matches!(project.owner, crate::model::Owner::Group(g) if g == group_id))
        .min_by_key(|project| project.id);
    test(&gitlab, &hook, project, &user, &trigger).await
}
