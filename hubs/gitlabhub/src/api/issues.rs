//! Issues: `/projects/:id/issues`, `/groups/:id/issues` and `/issues` (listed with `state`,
//! `labels` (with `None`/`Any`), `milestone` (with `None`/`Any`), `iids[]`, `author_id`,
//! `assignee_id`, `search`, `scope`, `confidential`, `order_by`/`sort`, paged), create (labels
//! that do not exist are created, as GitLab does), get, update (`state_event` `close`/`reopen`,
//! `labels`, `add_labels`, `remove_labels`, assignees, milestone, `discussion_locked`,
//! confidentiality, due date), delete (owners), `participants`, `closed_by`,
//! `related_merge_requests`, time tracking (`time_estimate`, `add_spent_time`, the resets,
//! `time_stats`) and notes. Changes leave system notes and send issue and note events to hooks.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use http::StatusCode;
use serde_json::{Value, json};

use super::labels::{DEFAULT_COLOR, Parent};
use super::numeric;
use super::users::require_all;
use crate::auth::Caller;
use crate::error::{GitlabError, Result};
use crate::issues::{human_duration, issue_key, parse_duration};
use crate::model::{Issue, IssueLink, Note, Owner, Project, User, access, key};
use crate::paging::{Page, RequestUrl, paginate};
use crate::params::Params;
use crate::state::Gitlab;

pub fn routes() -> Router<Arc<Gitlab>> {
    const ISSUE: &str = "/api/v4/projects/{id}/issues/{issue_iid}";
    Router::new()
        .route("/api/v4/issues", get(list_own_issues))
        .route("/api/v4/groups/{id}/issues", get(list_group_issues))
        .route(
            "/api/v4/projects/{id}/issues",
            get(list_project_issues).post(create_issue),
        )
        .route(ISSUE, get(get_issue).put(update_issue).delete(delete_issue))
        .route(&format!("{ISSUE}/participants"), get(participants))
        .route(&format!("{ISSUE}/closed_by"), get(closed_by))
        .route(&format!("{ISSUE}/related_merge_requests"), get(closed_by))
        .route(&format!("{ISSUE}/time_stats"), get(time_stats))
        .route(&format!("{ISSUE}/time_estimate"), post(set_time_estimate))
        .route(
            &format!("{ISSUE}/reset_time_estimate"),
            post(reset_time_estimate),
        )
        .route(&format!("{ISSUE}/add_spent_time"), post(add_spent_time))
        .route(&format!("{ISSUE}/reset_spent_time"), post(reset_spent_time))
        .route(&format!("{ISSUE}/links"), get(list_links).post(create_link))
        .route(
            &format!("{ISSUE}/links/{{issue_link_id}}"),
            get(get_link).delete(delete_link),
        )
        .route(&format!("{ISSUE}/notes"), get(list_notes).post(create_note))
        .route(
            &format!("{ISSUE}/notes/{{note_id}}"),
            get(get_note).put(update_note).delete(delete_note),
        )
}

fn time_stats_json(issue: &Issue) -> Value {
    json!({
        "time_estimate": issue.time_estimate,
        "total_time_spent": issue.total_time_spent,
        "human_time_estimate": human_duration(issue.time_estimate),
        "human_total_time_spent": human_duration(issue.total_time_spent),
    })
}

impl Gitlab {
    /// `Issue` as the API shows it.
    pub fn issue_json(&self, project: &Project, issue: &Issue) -> Value {
        let users = |ids: &[u64]| -> Vec<Value> {
            ids.iter()
                .filter_map(|id| self.user(*id))
                .map(|user| self.user_basic(&user))
                .collect()
        };
        let assignees = users(&issue.assignee_ids);
        let user_notes_count = self
            .issue_notes(issue)
            .iter()
            .filter(|note| !note.system)
            .count();
        let web_url = format!(
            "{}/{}/-/issues/{}",
            self.external_url(),
            project.path_with_namespace,
            issue.iid
        );
        let api = format!("{}/api/v4/projects/{}", self.external_url(), project.id);
        let milestone = issue
            .milestone_id
            .and_then(|id| self.milestone_for_project(project, id))
            .map_or(Value::Null, |milestone| self.milestone_json(&milestone));
        let mut labels = issue.labels.clone();
        labels.sort();
        json!({
            "id": issue.id,
            "iid": issue.iid,
            "project_id": project.id,
            "title": issue.title,
            "description": issue.description,
            "state": issue.state,
            "created_at": issue.created_at,
            "updated_at": issue.updated_at,
            "closed_at": issue.closed_at,
            "closed_by": issue.closed_by.and_then(|id| self.user(id)).map_or(Value::Null, |u| self.user_basic(&u)),
            "labels": labels,
            "milestone": milestone,
            "assignees": assignees,
            "author": self.user(issue.author_id).map_or(Value::Null, |u| self.user_basic(&u)),
            "type": "ISSUE",
            "assignee": assignees.first().cloned().unwrap_or(Value::Null),
            "user_notes_count": user_notes_count,
            "merge_requests_count": 0,
            "upvotes": 0,
            "downvotes": 0,
            "due_date": issue.due_date,
            "confidential": issue.confidential,
            "discussion_locked": issue.discussion_locked,
            "issue_type": "issue",
            "web_url": web_url,
            "time_stats": time_stats_json(issue),
            "task_completion_status": {"count": 0, "completed_count": 0},
            "has_tasks": false,
            "_links": {
                "self": format!("{api}/issues/{}", issue.iid),
                "notes": format!("{api}/issues/{}/notes", issue.iid),
                "award_emoji": format!("{api}/issues/{}/award_emoji", issue.iid),
                "project": api,
                "closed_as_duplicate_of": null,
            },
            "references": {
                "short": format!("#{}", issue.iid),
                "relative": format!("#{}", issue.iid),
                "full": format!("{}#{}", project.path_with_namespace, issue.iid),
            },
            "severity": "UNKNOWN",
            "subscribed": false,
            "moved_to_id": null,
            "imported": false,
            "imported_from": "none",
            "service_desk_reply_to": null,
            "blocking_issues_count": 0,
        })
    }

    fn issue_note_json(&self, issue: &Issue, note: &Note) -> Value {
        json!({
            "id": note.id,
            "type": null,
            "body": note.body,
            "author": self.user(note.author_id).map_or(Value::Null, |u| self.user_basic(&u)),
            "created_at": note.created_at,
            "updated_at": note.updated_at,
            "system": note.system,
            "noteable_id": issue.id,
            "noteable_type": "Issue",
            "project_id": issue.project_id,
            "noteable_iid": issue.iid,
            "resolvable": false,
            "confidential": false,
            "internal": false,
            "imported": false,
            "imported_from": "none",
            "commands_changes": {},
        })
    }

    /// Whether `caller` may see `issue` (a confidential issue: its author, assignees and
    /// reporters and above).
    fn can_see_issue(&self, caller: &Caller, project: &Project, issue: &Issue) -> bool {
        if !issue.confidential {
            return true;
        }
        match caller.user() {
            None => false,
            Some(user) => {
                issue.author_id == user.id
                    || issue.assignee_ids.contains(&user.id)
                    || self.project_access(user, project) >= access::REPORTER
            }
        }
    }

    /// The label names of a request, each an existing label or one made now with GitLab's
    /// default color (`Labels::FindOrCreateService` as issue creation calls it).
    fn find_or_create_labels(&self, project: &Project, names: &[String]) -> Result<Vec<String>> {
        let parent = Parent::Project(project.clone());
        let mut found = Vec::new();
        for name in names {
            let name = name.trim();
            if name.is_empty() || found.iter().any(|n: &String| n == name) {
                continue;
            }
            let label = match self.find_label(&parent, name, true) {
                Ok(owned) => owned,
                Err(_) => self.create_label(&parent, name, DEFAULT_COLOR, None, None)?,
            };
            found.push(label.label.name);
        }
        Ok(found)
    }
}

/// The issue a route names, visible to the caller; GitLab's `404 Not found` otherwise.
fn find(gitlab: &Gitlab, caller: &Caller, project: &Project, iid: &str) -> Result<Issue> {
    let iid = numeric(iid, "issue_iid")?;
    gitlab
        .issue(project.id, iid)
        .filter(|issue| gitlab.can_see_issue(caller, project, issue))
        .ok_or(GitlabError::RecordNotFound)
}

fn read(gitlab: &Gitlab, caller: &Caller, id: &str, iid: &str) -> Result<(Project, i64, Issue)> {
    let (project, level) = gitlab.visible_project(caller, id)?;
    let issue = find(gitlab, caller, &project, iid)?;
    Ok((project, level, issue))
}

/// The issue for a change: its author, its assignees and reporters and above may edit it.
fn editable(
    gitlab: &Gitlab,
    caller: &Caller,
    id: &str,
    iid: &str,
) -> Result<(Project, Issue, User)> {
    let user = caller.require_user()?.clone();
    let (project, level, issue) = read(gitlab, caller, id, iid)?;
    if level < access::REPORTER
        && issue.author_id != user.id
        && !issue.assignee_ids.contains(&user.id)
    {
        return Err(GitlabError::Forbidden);
    }
    Ok((project, issue, user))
}

fn labels_param(params: &Params, name: &str) -> Result<Option<Vec<String>>> {
    params.list(name)
}

fn user_ids_param(gitlab: &Gitlab, params: &Params) -> Result<Option<Vec<u64>>> {
    let ids = if params.0.contains_key("assignee_ids") {
        match params.get("assignee_ids") {
            None => Some(Vec::new()),
            Some(_) => Some(
                params
                    .list("assignee_ids")?
                    .unwrap_or_default()
                    .iter()
                    .filter(|id| !id.is_empty())
                    .map(|id| numeric(id, "assignee_ids"))
                    .collect::<Result<Vec<_>>>()?,
            ),
        }
    } else if params.0.contains_key("assignee_id") {
        match params.int("assignee_id")? {
            None | Some(0) => Some(Vec::new()),
            Some(id) => Some(vec![
                u64::try_from(id).map_err(|_| GitlabError::invalid("assignee_id"))?,
            ]),
        }
    } else {
        None
    };
    // GitLab drops assignees that are not users (or cannot be assigned) rather than failing.
    Ok(ids.map(|ids| {
        ids.into_iter()
            .filter(|id| gitlab.user(*id).is_some())
            .collect()
    }))
}

fn milestone_param(
    gitlab: &Gitlab,
    project: &Project,
    params: &Params,
) -> Result<Option<Option<u64>>> {
    if !params.0.contains_key("milestone_id") {
        return Ok(None);
    }
    match params.int("milestone_id")? {
        None | Some(0) => Ok(Some(None)),
        Some(id) => {
            let id = u64::try_from(id).map_err(|_| GitlabError::invalid("milestone_id"))?;
            // A milestone the project cannot use is dropped, as `Issues::BaseService` does.
            Ok(Some(
                gitlab.milestone_for_project(project, id).map(|m| m.id),
            ))
        }
    }
}

/// Filters and sorts issues as `IssuesFinder` does for the list endpoints.
fn filter_issues(
    gitlab: &Gitlab,
    caller: &Caller,
    issues: Vec<(Project, Issue)>,
    params: &Params,
    default_scope: &str,
) -> Result<Vec<Value>> {
    let state = params.str("state")?.unwrap_or_else(|| "all".into());
    if !matches!(state.as_str(), "opened" | "closed" | "all") {
        return Err(GitlabError::InvalidParameter(
            "state does not have a valid value".into(),
        ));
    }
    let scope = params.str("scope")?.unwrap_or_else(|| default_scope.into());
    if !matches!(
        scope.as_str(),
        "created_by_me" | "assigned_to_me" | "all" | "created-by-me" | "assigned-to-me"
    ) {
        return Err(GitlabError::InvalidParameter(
            "scope does not have a valid value".into(),
        ));
    }
    let order_by = params
        .str("order_by")?
        .unwrap_or_else(|| "created_at".into());
    if !matches!(
        order_by.as_str(),
        "created_at"
            | "updated_at"
            | "title"
            | "due_date"
            | "label_priority"
            | "milestone_due"
            | "popularity"
            | "priority"
            | "relative_position"
            | "weight"
    ) {
        return Err(GitlabError::InvalidParameter(
            "order_by does not have a valid value".into(),
        ));
    }
    let sort = params.str("sort")?.unwrap_or_else(|| "desc".into());
    if sort != "asc" && sort != "desc" {
        return Err(GitlabError::InvalidParameter(
            "sort does not have a valid value".into(),
        ));
    }
    let labels = labels_param(params, "labels")?;
    let milestone = params.str("milestone")?;
    let iids: Option<Vec<u64>> = params
        .list("iids")?
        .map(|list| {
            list.iter()
                .map(|iid| numeric(iid, "iids"))
                .collect::<Result<_>>()
        })
        .transpose()?;
    let author_id = params.int("author_id")?;
    let author_username = params.str("author_username")?;
    let assignee = params.str("assignee_id")?;
    let assignee_username = params.list("assignee_username")?;
    let search = params.str("search")?.map(|s| s.to_lowercase());
    let confidential = params.bool("confidential")?;
    let me = caller.user().map(|user| user.id);
    let mut kept: Vec<(Project, Issue)> = issues
        .into_iter()
        .filter(|(project, issue)| gitlab.can_see_issue(caller, project, issue))
        .filter(|(_, issue)| state == "all" || issue.state == state)
        .filter(|(_, issue)| match scope.as_str() {
            "created_by_me" | "created-by-me" => Some(issue.author_id) == me,
            "assigned_to_me" | "assigned-to-me" => {
                me.is_some_and(|me| issue.assignee_ids.contains(&me))
            }
            _ => true,
        })
        .filter(|(_, issue)| match &labels {
            None => true,
            Some(wanted) if wanted.len() == 1 && wanted[0].eq_ignore_ascii_case("none") => {
                issue.labels.is_empty()
            }
            Some(wanted) if wanted.len() == 1 && wanted[0].eq_ignore_ascii_case("any") => {
                !issue.labels.is_empty()
            }
            Some(wanted) => wanted.iter().all(|name| issue.labels.contains(name)),
        })
        .filter(|(project, issue)| match milestone.as_deref() {
            None => true,
            Some(m) if m.eq_ignore_ascii_case("none") => issue.milestone_id.is_none(),
            Some(m) if m.eq_ignore_ascii_case("any") => issue.milestone_id.is_some(),
            Some(title) => issue
                .milestone_id
                .and_then(|id| gitlab.milestone_for_project(project, id))
                .is_some_and(|m| m.title == title),
        })
        .filter(|(_, issue)| iids.as_ref().is_none_or(|iids| iids.contains(&issue.iid)))
        .filter(|(_, issue)| author_id.is_none_or(|id| i64::try_from(issue.author_id) == Ok(id)))
        .filter(|(_, issue)| {
            author_username.as_ref().is_none_or(|name| {
                gitlab
                    .user(issue.author_id)
                    .is_some_and(|u| &u.username == name)
            })
        })
        .filter(|(_, issue)| match assignee.as_deref() {
            None => true,
            Some(a) if a.eq_ignore_ascii_case("none") => issue.assignee_ids.is_empty(),
            Some(a) if a.eq_ignore_ascii_case("any") => !issue.assignee_ids.is_empty(),
            Some(id) => id
                .parse::<u64>()
                .is_ok_and(|id| issue.assignee_ids.contains(&id)),
        })
        .filter(|(_, issue)| {
            assignee_username.as_ref().is_none_or(|names| {
                names.iter().all(|name| {
                    gitlab
                        .user_by_name(name)
                        .is_some_and(|user| issue.assignee_ids.contains(&user.id))
                })
            })
        })
        .filter(|(_, issue)| {
            search.as_ref().is_none_or(|search| {
                issue.title.to_lowercase().contains(search)
                    || issue
                        .description
                        .as_deref()
                        .is_some_and(|d| d.to_lowercase().contains(search))
            })
        })
        .filter(|(_, issue)| confidential.is_none_or(|c| issue.confidential == c))
        .collect();
    let mut items: Vec<Value> = kept
        .drain(..)
        .map(|(project, issue)| gitlab.issue_json(&project, &issue))
        .collect();
    let field = match order_by.as_str() {
        "updated_at" | "title" | "due_date" => order_by.as_str(),
        _ => "created_at",
    };
    super::sort_json(&mut items, field, sort == "desc");
    Ok(items)
}

async fn list_project_issues(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path(id): Path<String>,
    params: Params,
) -> Result<Page> {
    let (project, _) = gitlab.visible_project(&caller, &id)?;
    let issues = gitlab
        .project_issues(project.id)
        .into_iter()
        .map(|issue| (project.clone(), issue))
        .collect();
    let items = filter_issues(&gitlab, &caller, issues, &params, "all")?;
    paginate(items, &params, &url)
}

async fn list_group_issues(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path(id): Path<String>,
    params: Params,
) -> Result<Page> {
    let group = gitlab.visible_group(&caller, &id)?;
    let mut groups = vec![group.id];
    groups.extend(gitlab.descendant_groups(group.id).iter().map(|g| g.id));
    let issues = gitlab
        .db
        .projects
        .all()
        .into_iter()
        .map(|(_, project)| project)
        .filter(|project| matches!(project.owner, Owner::Group(g) if groups.contains(&g)))
        .filter(|project| {
            gitlab
                .visible_project(&caller, &project.id.to_string())
                .is_ok()
        })
        .flat_map(|project| {
            gitlab
                .project_issues(project.id)
                .into_iter()
                .map(move |issue| (project.clone(), issue))
        })
        .collect();
    let items = filter_issues(&gitlab, &caller, issues, &params, "all")?;
    paginate(items, &params, &url)
}

/// `GET /issues`: the caller's issues (`scope` defaults to `created_by_me`).
async fn list_own_issues(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    params: Params,
) -> Result<Page> {
    caller.require_user()?;
    let issues = gitlab
        .db
        .projects
        .all()
        .into_iter()
        .map(|(_, project)| project)
        .filter(|project| {
            gitlab
                .visible_project(&caller, &project.id.to_string())
                .is_ok()
        })
        .flat_map(|project| {
            gitlab
                .project_issues(project.id)
                .into_iter()
                .map(move |issue| (project.clone(), issue))
        })
        .collect();
    let items = filter_issues(&gitlab, &caller, issues, &params, "created_by_me")?;
    paginate(items, &params, &url)
}

async fn create_issue(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> Result<(StatusCode, Json<Value>)> {
    let user = caller.require_user()?.clone();
    let (project, level) = gitlab.visible_project(&caller, &id)?;
    if level < access::GUEST && project.visibility == "private" {
        return Err(GitlabError::Forbidden);
    }
    require_all(&params, &["title"])?;
    let title = params.required_str("title")?;
    if title.trim().is_empty() {
        return Err(GitlabError::Validation(vec![(
            "title".into(),
            "can't be blank".into(),
        )]));
    }
    if title.chars().count() > 255 {
        return Err(GitlabError::Validation(vec![(
            "title".into(),
            "is too long (maximum is 255 characters)".into(),
        )]));
    }
    let due_date = super::milestones::date_param(&params, "due_date")?;
    // Labels, assignees and milestones are set by members who may (reporters and above).
    let privileged = level >= access::REPORTER;
    let labels = match labels_param(&params, "labels")? {
        Some(names) if privileged => gitlab.find_or_create_labels(&project, &names)?,
        _ => Vec::new(),
    };
    let assignee_ids = if privileged {
        user_ids_param(&gitlab, &params)?.unwrap_or_default()
    } else {
        Vec::new()
    };
    let milestone_id = if privileged {
        milestone_param(&gitlab, &project, &params)?.flatten()
    } else {
        None
    };
    let requested_iid = params.int("iid")?;
    let iid = match requested_iid {
        Some(iid) if user.is_admin || level >= access::OWNER => {
            let iid = u64::try_from(iid).map_err(|_| GitlabError::invalid("iid"))?;
            if gitlab.issue(project.id, iid).is_some() {
                return Err(GitlabError::taken("iid"));
            }
            gitlab
                .db
                .sequences
                .modify(&format!("issue_iid/{}", key(project.id)), |slot| {
                    *slot = Some(slot.unwrap_or(0).max(iid));
                    Ok::<_, simkit::store::StoreError>(())
                })?;
            iid
        }
        _ => gitlab.next_id(&format!("issue_iid/{}", key(project.id)))?,
    };
    let now = gitlab.now();
    let created_at = match params.str("created_at")? {
        Some(at) if user.is_admin || level >= access::OWNER => at,
        _ => now.clone(),
    };
    let issue = Issue {
        id: gitlab.next_id("issues")?,
        iid,
        project_id: project.id,
        title,
        description: params.str("description")?,
        state: "opened".into(),
        author_id: user.id,
        assignee_ids,
        labels,
        milestone_id,
        confidential: params.bool("confidential")?.unwrap_or(false),
        discussion_locked: params.bool("discussion_locked")?,
        due_date,
        created_at: created_at.clone(),
        updated_at: created_at,
        closed_at: None,
        closed_by: None,
        time_estimate: 0,
        total_time_spent: 0,
    };
    gitlab
        .db
        .issues
        .insert(&issue_key(project.id, iid), issue.clone())?;
    gitlab.issue_hooks(&project, &issue, &user, "open", json!({}));
    Ok((
        StatusCode::CREATED,
        Json(gitlab.issue_json(&project, &issue)),
    ))
}

async fn get_issue(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, iid)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let (project, _, issue) = read(&gitlab, &caller, &id, &iid)?;
    Ok(Json(gitlab.issue_json(&project, &issue)))
}

/// The fields an update may change, as Grape's `at_least_one_of` names them.
const UPDATE_FIELDS: &[&str] = &[
    "title",
    "description",
    "assignee_ids",
    "assignee_id",
    "milestone_id",
    "discussion_locked",
    "labels",
    "add_labels",
    "remove_labels",
    "created_at",
    "due_date",
    "confidential",
    "state_event",
    "issue_type",
    "weight",
];

fn change(
    changes: &mut serde_json::Map<String, Value>,
    field: &str,
    previous: Value,
    current: Value,
) {
    if previous != current {
        changes.insert(
            field.into(),
            json!({"previous": previous, "current": current}),
        );
    }
}

async fn update_issue(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, iid)): Path<(String, String)>,
    params: Params,
) -> Result<Json<Value>> {
    if !UPDATE_FIELDS
        .iter()
        .any(|field| params.0.contains_key(*field))
    {
        return Err(GitlabError::InvalidParameter(format!(
            "{} are missing, at least one parameter must be provided",
            UPDATE_FIELDS.join(", ")
        )));
    }
    let state_event = params.str("state_event")?;
    if let Some(event) = &state_event
        && event != "close"
        && event != "reopen"
    {
        return Err(GitlabError::InvalidParameter(
            "state_event does not have a valid value".into(),
        ));
    }
    let (project, before, user) = editable(&gitlab, &caller, &id, &iid)?;
    let level = gitlab.project_access(&user, &project);
    let privileged = level >= access::REPORTER;
    let mut issue = before.clone();
    let mut changes = serde_json::Map::new();
    let mut system_notes: Vec<String> = Vec::new();
    if let Some(title) = params.str("title")? {
        if title.trim().is_empty() {
            return Err(GitlabError::Validation(vec![(
                "title".into(),
                "can't be blank".into(),
            )]));
        }
        if title != issue.title {
            system_notes.push(format!(
                "changed title from **{}** to **{}**",
                issue.title, title
            ));
        }
        issue.title = title;
    }
    if params.0.contains_key("description") {
        issue.description = params.str("description")?;
        if issue.description != before.description {
            system_notes.push("changed the description".into());
        }
    }
    if let Some(confidential) = params.bool("confidential")? {
        if confidential != issue.confidential {
            system_notes.push(if confidential {
                "made the issue confidential".into()
            } else {
                "made the issue visible to everyone".into()
            });
        }
        issue.confidential = confidential;
    }
    if params.0.contains_key("discussion_locked") {
        issue.discussion_locked = params.bool("discussion_locked")?;
    }
    if params.0.contains_key("due_date") {
        issue.due_date = super::milestones::date_param(&params, "due_date")?;
    }
    if privileged {
        if let Some(names) = labels_param(&params, "labels")? {
            issue.labels = gitlab.find_or_create_labels(&project, &names)?;
        } else if params.0.contains_key("labels") {
            issue.labels.clear();
        }
        if let Some(names) = labels_param(&params, "add_labels")? {
            for name in gitlab.find_or_create_labels(&project, &names)? {
                if !issue.labels.contains(&name) {
                    issue.labels.push(name);
                }
            }
        }
        if let Some(names) = labels_param(&params, "remove_labels")? {
            issue.labels.retain(|name| !names.contains(name));
        }
        if let Some(ids) = user_ids_param(&gitlab, &params)? {
            issue.assignee_ids = ids;
        }
        if let Some(milestone) = milestone_param(&gitlab, &project, &params)? {
            issue.milestone_id = milestone;
        }
    }
    let added: Vec<&String> = issue
        .labels
        .iter()
        .filter(|l| !before.labels.contains(l))
        .collect();
    let removed: Vec<&String> = before
        .labels
        .iter()
        .filter(|l| !issue.labels.contains(l))
        .collect();
    // System notes name labels by reference (`~<id>`), as `SystemNotes::IssuablesService` does.
    let label_parent = Parent::Project(project.clone());
    let quote = |names: &[&String]| {
        names
            .iter()
            .map(|name| match gitlab.find_label(&label_parent, name, true) {
                Ok(owned) => format!("~{}", owned.label.id),
                Err(_) => format!("~\"{name}\""),
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    match (added.is_empty(), removed.is_empty()) {
        (false, true) => system_notes.push(format!(
            "added {} label{}",
            quote(&added),
            if added.len() > 1 { "s" } else { "" }
        )),
        (true, false) => system_notes.push(format!(
            "removed {} label{}",
            quote(&removed),
            if removed.len() > 1 { "s" } else { "" }
        )),
        (false, false) => system_notes.push(format!(
            "added {} and removed {} labels",
            quote(&added),
            quote(&removed)
        )),
        (true, true) => {}
    }
    if issue.milestone_id != before.milestone_id {
        system_notes.push(
            match issue
                .milestone_id
                .and_then(|id| gitlab.milestone_for_project(&project, id))
            {
                Some(milestone) => format!("changed milestone to %\"{}\"", milestone.title),
                None => "removed milestone".into(),
            },
        );
    }
    if issue.assignee_ids != before.assignee_ids {
        let names = |ids: &[u64]| {
            ids.iter()
                .filter_map(|id| gitlab.user(*id))
                .map(|u| format!("@{}", u.username))
                .collect::<Vec<_>>()
                .join(" and ")
        };
        system_notes.push(if issue.assignee_ids.is_empty() {
            format!("unassigned {}", names(&before.assignee_ids))
        } else {
            format!("assigned to {}", names(&issue.assignee_ids))
        });
    }
    let now = gitlab.now();
    let mut action = "update";
    match state_event.as_deref() {
        Some("close") if issue.state == "opened" => {
            issue.state = "closed".into();
            issue.closed_at = Some(now.clone());
            issue.closed_by = Some(user.id);
            action = "close";
            system_notes.push("closed".into());
        }
        Some("reopen") if issue.state == "closed" => {
            issue.state = "opened".into();
            issue.closed_at = None;
            issue.closed_by = None;
            action = "reopen";
            system_notes.push("reopened".into());
        }
        _ => {}
    }
    change(
        &mut changes,
        "title",
        json!(before.title),
        json!(issue.title),
    );
    change(
        &mut changes,
        "description",
        json!(before.description),
        json!(issue.description),
    );
    change(
        &mut changes,
        "confidential",
        json!(before.confidential),
        json!(issue.confidential),
    );
    change(
        &mut changes,
        "due_date",
        json!(before.due_date),
        json!(issue.due_date),
    );
    change(
        &mut changes,
        "milestone_id",
        json!(before.milestone_id),
        json!(issue.milestone_id),
    );
    change(
        &mut changes,
        "assignees",
        json!(before.assignee_ids),
        json!(issue.assignee_ids),
    );
    change(
        &mut changes,
        "state_id",
        json!(if before.state == "closed" { 2 } else { 1 }),
        json!(if issue.state == "closed" { 2 } else { 1 }),
    );
    change(
        &mut changes,
        "closed_at",
        json!(before.closed_at),
        json!(issue.closed_at),
    );
    if before.labels != issue.labels {
        changes.insert(
            "labels".into(),
            json!({
                "previous": gitlab.issue_label_hook_attrs(&project, &before),
                "current": gitlab.issue_label_hook_attrs(&project, &issue),
            }),
        );
    }
    if !changes.is_empty() {
        issue.updated_at = now.clone();
        changes.insert(
            "updated_at".into(),
            json!({"previous": before.updated_at, "current": issue.updated_at}),
        );
    }
    gitlab
        .db
        .issues
        .insert(&issue_key(project.id, issue.iid), issue.clone())?;
    for text in system_notes {
        gitlab.add_issue_note(&issue, &user, &text, true)?;
    }
    if changes.len() > 1 || action != "update" {
        gitlab.issue_hooks(&project, &issue, &user, action, Value::Object(changes));
    }
    Ok(Json(gitlab.issue_json(&project, &issue)))
}

async fn delete_issue(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, iid)): Path<(String, String)>,
) -> Result<StatusCode> {
    caller.require_user()?;
    let (project, level) = gitlab.visible_project(&caller, &id)?;
    let iid = numeric(&iid, "issue_iid")?;
    let issue = gitlab
        .issue(project.id, iid)
        .filter(|issue| gitlab.can_see_issue(&caller, &project, issue))
        .ok_or_else(|| GitlabError::not_found("Issue"))?;
    // Only owners (and administrators) destroy issues.
    if level < access::OWNER {
        return Err(GitlabError::Forbidden);
    }
    for note in gitlab.issue_notes(&issue) {
        gitlab.db.issue_notes.remove(&format!(
            "{}/{}",
            issue_key(project.id, issue.iid),
            key(note.id)
        ))?;
    }
    gitlab.db.issues.remove(&issue_key(project.id, issue.iid))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn participants(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path((id, iid)): Path<(String, String)>,
    params: Params,
) -> Result<Page> {
    let (_, _, issue) = read(&gitlab, &caller, &id, &iid)?;
    // The author, then assignees, then whoever commented, each once.
    let mut ids = vec![issue.author_id];
    ids.extend(issue.assignee_ids.iter().copied());
    ids.extend(
        gitlab
            .issue_notes(&issue)
            .iter()
            .filter(|note| !note.system)
            .map(|note| note.author_id),
    );
    let mut seen = std::collections::BTreeSet::new();
    let items = ids
        .into_iter()
        .filter(|id| seen.insert(*id))
        .filter_map(|id| gitlab.user(id))
        .map(|user| gitlab.user_basic(&user))
        .collect();
    paginate(items, &params, &url)
}

/// `closed_by` and `related_merge_requests`: merge requests here never close or mention
/// issues, so both lists are empty for an issue the caller may see.
async fn closed_by(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path((id, iid)): Path<(String, String)>,
    params: Params,
) -> Result<Page> {
    read(&gitlab, &caller, &id, &iid)?;
    paginate(Vec::new(), &params, &url)
}

async fn time_stats(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, iid)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let (_, _, issue) = read(&gitlab, &caller, &id, &iid)?;
    Ok(Json(time_stats_json(&issue)))
}

/// Time tracking needs reporter access (`admin_issue`).
fn time_tracked(
    gitlab: &Gitlab,
    caller: &Caller,
    id: &str,
    iid: &str,
) -> Result<(Project, Issue, User)> {
    let user = caller.require_user()?.clone();
    let (project, level, issue) = read(gitlab, caller, id, iid)?;
    if level < access::REPORTER {
        return Err(GitlabError::Forbidden);
    }
    Ok((project, issue, user))
}

fn save_times(gitlab: &Gitlab, issue: &Issue, note: Option<(&User, String)>) -> Result<()> {
    gitlab
        .db
        .issues
        .insert(&issue_key(issue.project_id, issue.iid), issue.clone())?;
    if let Some((user, text)) = note {
        gitlab.add_issue_note(issue, user, &text, true)?;
    }
    Ok(())
}

async fn set_time_estimate(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, iid)): Path<(String, String)>,
    params: Params,
) -> Result<Json<Value>> {
    let (_, mut issue, user) = time_tracked(&gitlab, &caller, &id, &iid)?;
    let duration = params.required_str("duration")?;
    let seconds = parse_duration(&duration)
        .filter(|s| *s >= 0)
        .ok_or_else(|| {
            GitlabError::Validation(vec![(
                "time_estimate".into(),
                "must have a valid format and be greater than or equal to zero".into(),
            )])
        })?;
    issue.time_estimate = seconds;
    let text = match human_duration(seconds) {
        Some(human) => format!("changed time estimate to {human}"),
        None => "removed time estimate".into(),
    };
    save_times(&gitlab, &issue, Some((&user, text)))?;
    Ok(Json(time_stats_json(&issue)))
}

async fn reset_time_estimate(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, iid)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let (_, mut issue, user) = time_tracked(&gitlab, &caller, &id, &iid)?;
    issue.time_estimate = 0;
    save_times(
        &gitlab,
        &issue,
        Some((&user, "removed time estimate".into())),
    )?;
    Ok(Json(time_stats_json(&issue)))
}

async fn add_spent_time(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, iid)): Path<(String, String)>,
    params: Params,
) -> Result<(StatusCode, Json<Value>)> {
    let (_, mut issue, user) = time_tracked(&gitlab, &caller, &id, &iid)?;
    let duration = params.required_str("duration")?;
    let seconds = parse_duration(&duration).ok_or_else(|| {
        GitlabError::Validation(vec![("time_spent".into(), "can't be blank".into())])
    })?;
    if issue.total_time_spent + seconds < 0 {
        return Err(GitlabError::Validation(vec![(
            "base".into(),
            "Time to subtract exceeds the total time spent".into(),
        )]));
    }
    issue.total_time_spent += seconds;
    let human = human_duration(seconds.abs()).unwrap_or_default();
    let text = if seconds < 0 {
        format!("subtracted {human} of time spent")
    } else {
        format!("added {human} of time spent")
    };
    save_times(&gitlab, &issue, Some((&user, text)))?;
    Ok((StatusCode::CREATED, Json(time_stats_json(&issue))))
}

async fn reset_spent_time(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, iid)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let (_, mut issue, user) = time_tracked(&gitlab, &caller, &id, &iid)?;
    issue.total_time_spent = 0;
    save_times(&gitlab, &issue, Some((&user, "removed time spent".into())))?;
    Ok(Json(time_stats_json(&issue)))
}

async fn list_notes(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path((id, iid)): Path<(String, String)>,
    params: Params,
) -> Result<Page> {
    let (_, _, issue) = read(&gitlab, &caller, &id, &iid)?;
    let order_by = params
        .str("order_by")?
        .unwrap_or_else(|| "created_at".into());
    if order_by != "created_at" && order_by != "updated_at" {
        return Err(GitlabError::InvalidParameter(
            "order_by does not have a valid value".into(),
        ));
    }
    let sort = params.str("sort")?.unwrap_or_else(|| "desc".into());
    if sort != "asc" && sort != "desc" {
        return Err(GitlabError::InvalidParameter(
            "sort does not have a valid value".into(),
        ));
    }
    let mut items: Vec<Value> = gitlab
        .issue_notes(&issue)
        .iter()
        .map(|note| gitlab.issue_note_json(&issue, note))
        .collect();
    super::sort_json(&mut items, &order_by, sort == "desc");
    paginate(items, &params, &url)
}

fn find_note(gitlab: &Gitlab, issue: &Issue, note_id: &str) -> Result<(Note, String)> {
    let note_id = numeric(note_id, "note_id")?;
    let note_key = format!(
        "{}/{}",
        issue_key(issue.project_id, issue.iid),
        key(note_id)
    );
    gitlab
        .db
        .issue_notes
        .get(&note_key)
        .map(|note| (note, note_key))
        .ok_or_else(|| GitlabError::not_found("Note"))
}

async fn get_note(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, iid, note_id)): Path<(String, String, String)>,
) -> Result<Json<Value>> {
    let (_, _, issue) = read(&gitlab, &caller, &id, &iid)?;
    let (note, _) = find_note(&gitlab, &issue, &note_id)?;
    Ok(Json(gitlab.issue_note_json(&issue, &note)))
}

fn note_body(params: &Params) -> Result<String> {
    require_all(params, &["body"])?;
    let body = params.required_str("body")?;
    if body.trim().is_empty() {
        return Err(GitlabError::Validation(vec![(
            "note".into(),
            "can't be blank".into(),
        )]));
    }
    Ok(body)
}

async fn create_note(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, iid)): Path<(String, String)>,
    params: Params,
) -> Result<(StatusCode, Json<Value>)> {
    let user = caller.require_user()?.clone();
    let (project, level, issue) = read(&gitlab, &caller, &id, &iid)?;
    let body = note_body(&params)?;
    if issue.discussion_locked == Some(true) && level < access::DEVELOPER {
        return Err(GitlabError::Forbidden);
    }
    let note = gitlab.add_issue_note(&issue, &user, &body, false)?;
    gitlab.issue_note_hooks(&project, &issue, &note, &user);
    Ok((
        StatusCode::CREATED,
        Json(gitlab.issue_note_json(&issue, &note)),
    ))
}

/// A note its author (or a maintainer) may change or delete; system notes never.
fn own_note(
    gitlab: &Gitlab,
    caller: &Caller,
    id: &str,
    iid: &str,
    note_id: &str,
) -> Result<(Issue, Note, String)> {
    let user = caller.require_user()?.clone();
    let (_, level, issue) = read(gitlab, caller, id, iid)?;
    let (note, note_key) = find_note(gitlab, &issue, note_id)?;
    if note.system || (note.author_id != user.id && level < access::MAINTAINER) {
        return Err(GitlabError::Forbidden);
    }
    Ok((issue, note, note_key))
}

async fn update_note(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, iid, note_id)): Path<(String, String, String)>,
    params: Params,
) -> Result<Json<Value>> {
    let (issue, _, note_key) = own_note(&gitlab, &caller, &id, &iid, &note_id)?;
    let body = note_body(&params)?;
    let now = gitlab.now();
    let note = gitlab
        .db
        .issue_notes
        .update(&note_key, |note| {
            note.body = body;
            note.updated_at = now;
            note.clone()
        })?
        .ok_or_else(|| GitlabError::not_found("Note"))?;
    Ok(Json(gitlab.issue_note_json(&issue, &note)))
}

async fn delete_note(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, iid, note_id)): Path<(String, String, String)>,
) -> Result<StatusCode> {
    let (_, _, note_key) = own_note(&gitlab, &caller, &id, &iid, &note_id)?;
    gitlab.db.issue_notes.remove(&note_key)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The links that touch `issue`, with the other issue of each and the type seen from this
/// side (`blocks` reads `is_blocked_by` from the target).
fn links_of(gitlab: &Gitlab, issue: &Issue) -> Vec<(IssueLink, Issue, String)> {
    gitlab
        .db
        .issue_links
        .all()
        .into_iter()
        .filter_map(|(_, link)| {
            let from_source =
                link.source_project_id == issue.project_id && link.source_iid == issue.iid;
            let from_target =
                link.target_project_id == issue.project_id && link.target_iid == issue.iid;
            let (other, link_type) = if from_source {
                (
                    gitlab.issue(link.target_project_id, link.target_iid)?,
                    link.link_type.clone(),
                )
            } else if from_target {
                let seen = match link.link_type.as_str() {
                    "blocks" => "is_blocked_by",
                    "is_blocked_by" => "blocks",
                    other => other,
                };
                (
                    gitlab.issue(link.source_project_id, link.source_iid)?,
                    seen.to_string(),
                )
            } else {
                return None;
            };
            Some((link, other, link_type))
        })
        .collect()
}

fn linked_issue_json(
    gitlab: &Gitlab,
    link: &IssueLink,
    other: &Issue,
    link_type: &str,
) -> Option<Value> {
    let project = gitlab.project(other.project_id)?;
    let mut body = gitlab.issue_json(&project, other);
    body["issue_link_id"] = json!(link.id);
    body["link_type"] = json!(link_type);
    body["link_created_at"] = json!(link.created_at);
    body["link_updated_at"] = json!(link.updated_at);
    Some(body)
}

async fn list_links(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, iid)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let (_, _, issue) = read(&gitlab, &caller, &id, &iid)?;
    let items: Vec<Value> = links_of(&gitlab, &issue)
        .iter()
        .filter(|(_, other, _)| {
            gitlab.project(other.project_id).is_some_and(|p| {
                gitlab.visible_project(&caller, &p.id.to_string()).is_ok()
                    && gitlab.can_see_issue(&caller, &p, other)
            })
        })
        .filter_map(|(link, other, link_type)| linked_issue_json(&gitlab, link, other, link_type))
        .collect();
    // GitLab answers the whole list, unpaged.
    Ok(Json(Value::Array(items)))
}

fn link_pair_json(gitlab: &Gitlab, link: &IssueLink) -> Result<Value> {
    let issue_json = |project_id: u64, iid: u64| -> Result<Value> {
        let project = gitlab
            .project(project_id)
            .ok_or(GitlabError::RecordNotFound)?;
        let issue = gitlab
            .issue(project_id, iid)
            .ok_or(GitlabError::RecordNotFound)?;
        Ok(gitlab.issue_json(&project, &issue))
    };
    Ok(json!({
        "source_issue": issue_json(link.source_project_id, link.source_iid)?,
        "target_issue": issue_json(link.target_project_id, link.target_iid)?,
        "link_type": link.link_type,
    }))
}

async fn create_link(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, iid)): Path<(String, String)>,
    params: Params,
) -> Result<(StatusCode, Json<Value>)> {
    require_all(&params, &["target_project_id", "target_issue_iid"])?;
    let (project, issue, user) = editable(&gitlab, &caller, &id, &iid)?;
    let link_type = params
        .str("link_type")?
        .unwrap_or_else(|| "relates_to".into());
    if !matches!(
        link_type.as_str(),
        "relates_to" | "blocks" | "is_blocked_by"
    ) {
        return Err(GitlabError::InvalidParameter(
            "link_type does not have a valid value".into(),
        ));
    }
    let target_project = params.required_str("target_project_id")?;
    let target_iid = params.required_str("target_issue_iid")?;
    let not_found = || {
        GitlabError::NotFoundMessage(
            "No matching issue found. Make sure that you are adding a valid issue URL.".into(),
        )
    };
    let (target_project, _) = gitlab
        .visible_project(&caller, &target_project)
        .map_err(|_| not_found())?;
    let target = numeric(&target_iid, "target_issue_iid")
        .ok()
        .and_then(|iid| gitlab.issue(target_project.id, iid))
        .filter(|target| gitlab.can_see_issue(&caller, &target_project, target))
        .ok_or_else(not_found)?;
    if target.id == issue.id {
        return Err(not_found());
    }
    if links_of(&gitlab, &issue)
        .iter()
        .any(|(_, other, _)| other.id == target.id)
    {
        return Err(GitlabError::Conflict("Issue(s) already assigned".into()));
    }
    let now = gitlab.now();
    let link = IssueLink {
        id: gitlab.next_id("issue_links")?,
        source_project_id: project.id,
        source_iid: issue.iid,
        target_project_id: target.project_id,
        target_iid: target.iid,
        link_type,
        created_at: now.clone(),
        updated_at: now,
    };
    gitlab.db.issue_links.insert(&key(link.id), link.clone())?;
    let reference = |p: &Project, i: &Issue| {
        if p.id == project.id {
            format!("#{}", i.iid)
        } else {
            format!("{}#{}", p.path_with_namespace, i.iid)
        }
    };
    gitlab.add_issue_note(
        &issue,
        &user,
        &format!(
            "marked this issue as related to {}",
            reference(&target_project, &target)
        ),
        true,
    )?;
    gitlab.add_issue_note(
        &target,
        &user,
        &format!(
            "marked this issue as related to {}",
            reference(&project, &issue)
        ),
        true,
    )?;
    Ok((StatusCode::CREATED, Json(link_pair_json(&gitlab, &link)?)))
}

fn find_link(gitlab: &Gitlab, issue: &Issue, link_id: &str) -> Result<IssueLink> {
    let link_id = numeric(link_id, "issue_link_id")?;
    links_of(gitlab, issue)
        .into_iter()
        .map(|(link, _, _)| link)
        .find(|link| link.id == link_id)
        .ok_or(GitlabError::RecordNotFound)
}

async fn get_link(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, iid, link_id)): Path<(String, String, String)>,
) -> Result<Json<Value>> {
    let (_, _, issue) = read(&gitlab, &caller, &id, &iid)?;
    let link = find_link(&gitlab, &issue, &link_id)?;
    Ok(Json(link_pair_json(&gitlab, &link)?))
}

async fn delete_link(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, iid, link_id)): Path<(String, String, String)>,
) -> Result<Json<Value>> {
    let (_, issue, _) = editable(&gitlab, &caller, &id, &iid)?;
    let link = find_link(&gitlab, &issue, &link_id)?;
    let body = link_pair_json(&gitlab, &link)?;
    gitlab.db.issue_links.remove(&key(link.id))?;
    Ok(Json(body))
}
