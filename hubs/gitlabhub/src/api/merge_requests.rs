//! Merge requests: `/projects/:id/merge_requests` (list with `state`, `source_branch`,
//! `target_branch`, `labels`, `author_id`, `search`, `iids[]`, sorted and paged), create, get,
//! update (title, description, labels, target, `state_event` close/reopen), delete, `merge`,
//! `changes`, `diffs`, `commits`, `pipelines` (list and create), `approve`/`unapprove`/
//! `approvals`, and notes. Errors follow GitLab's `MergeRequests` API: `{"message":["…"]}`
//! lists with 409 and 422 for branch problems, `405 Method Not Allowed` for a merge the
//! request's state forbids, 409 `SHA does not match HEAD of source branch: …`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use http::StatusCode;
use serde_json::{Value, json};
use simkit::git::{ChangeStatus, FileDiff, RefUpdate};

use super::numeric;
use super::repository::{readable, writable};
use super::users::require_all;
use crate::auth::Caller;
use crate::error::{GitlabError, Result};
use crate::merge_requests::{is_draft, merge_request_key};
use crate::model::{MergeRequest, Note, Project, User, access, key};
use crate::paging::{Page, RequestUrl, paginate};
use crate::params::Params;
use crate::state::Gitlab;

pub fn routes() -> Router<Arc<Gitlab>> {
    const MR: &str = "/api/v4/projects/{id}/merge_requests/{iid}";
    Router::new()
        .route(
            "/api/v4/projects/{id}/merge_requests",
            get(list_merge_requests).post(create_merge_request),
        )
        .route(
            MR,
            get(get_merge_request)
                .put(update_merge_request)
                .delete(delete_merge_request),
        )
        .route(&format!("{MR}/merge"), put(merge))
        .route(&format!("{MR}/changes"), get(changes))
        .route(&format!("{MR}/diffs"), get(diffs))
        .route(&format!("{MR}/commits"), get(commits))
        .route(
            &format!("{MR}/pipelines"),
            get(list_pipelines).post(create_pipeline),
        )
        .route(&format!("{MR}/approve"), post(approve))
        .route(&format!("{MR}/unapprove"), post(unapprove))
        .route(&format!("{MR}/approvals"), get(approvals))
        .route(&format!("{MR}/notes"), get(list_notes).post(create_note))
        .route(
            &format!("{MR}/notes/{{note_id}}"),
            get(get_note).put(update_note).delete(delete_note),
        )
}

/// The merge request a route names; ActiveRecord's `404 Not found` when there is none, as
/// GitLab's `find_by!` answers.
fn find(gitlab: &Gitlab, project: &Project, iid: &str) -> Result<MergeRequest> {
    let iid = numeric(iid, "merge_request_iid")?;
    gitlab
        .merge_request(project.id, iid)
        .ok_or(GitlabError::RecordNotFound)
}

/// Reads a merge request with the caller's view of its project, refreshed from the branches.
fn read(gitlab: &Gitlab, caller: &Caller, id: &str, iid: &str) -> Result<(Project, MergeRequest)> {
    let (project, repo) = readable(gitlab, caller, id)?;
    let merge_request = find(gitlab, &project, iid)?;
    let merge_request = gitlab.refresh_merge_request(&repo, merge_request)?;
    Ok((project, merge_request))
}

fn user_or_null(gitlab: &Gitlab, id: Option<u64>) -> Value {
    id.and_then(|id| gitlab.user(id))
        .map_or(Value::Null, |user| gitlab.user_basic(&user))
}

/// `detailed_merge_status` from the state GitLab's mergeability checks look at.
fn detailed_merge_status(merge_request: &MergeRequest) -> &'static str {
    if merge_request.state != "opened" {
        "not_open"
    } else if is_draft(&merge_request.title) {
        "draft_status"
    } else if merge_request.diff.is_none() {
        "broken_status"
    } else if merge_request.merge_status == "cannot_be_merged" {
        "conflict"
    } else {
        "mergeable"
    }
}

impl Gitlab {
    /// `MergeRequestBasic`, or `MergeRequest` (with `diff_refs`, pipelines, `user`) when
    /// `detailed`.
    fn merge_request_json(
        &self,
        project: &Project,
        merge_request: &MergeRequest,
        viewer: Option<&User>,
        detailed: bool,
    ) -> Value {
        let base = self.external_url();
        let reference = format!("!{}", merge_request.iid);
        let users = |ids: &[u64]| -> Vec<Value> {
            ids.iter()
                .filter_map(|id| self.user(*id))
                .map(|user| self.user_basic(&user))
                .collect()
        };
        let assignees = users(&merge_request.assignee_ids);
        let user_notes_count = self
            .merge_request_notes(merge_request)
            .iter()
            .filter(|note| !note.system)
            .count();
        let sha = merge_request
            .diff
            .as_ref()
            .map(|diff| diff.head_sha.clone());
        let draft = is_draft(&merge_request.title);
        let mut body = json!({
            "id": merge_request.id,
            "iid": merge_request.iid,
            "project_id": project.id,
            "title": merge_request.title,
            "description": merge_request.description,
            "state": merge_request.state,
            "created_at": merge_request.created_at,
            "updated_at": merge_request.updated_at,
            "merged_by": user_or_null(self, merge_request.merged_by),
            "merge_user": user_or_null(self, merge_request.merged_by),
            "merged_at": merge_request.merged_at,
            "closed_by": user_or_null(self, merge_request.closed_by),
            "closed_at": merge_request.closed_at,
            "target_branch": merge_request.target_branch,
            "source_branch": merge_request.source_branch,
            "user_notes_count": user_notes_count,
            "upvotes": 0,
            "downvotes": 0,
            "author": user_or_null(self, Some(merge_request.author_id)),
            "assignees": assignees,
            "assignee": assignees.first().cloned().unwrap_or(Value::Null),
            "reviewers": users(&merge_request.reviewer_ids),
            "source_project_id": project.id,
            "target_project_id": project.id,
            "labels": merge_request.labels,
            "draft": draft,
            "imported": false,
            "imported_from": "none",
            "work_in_progress": draft,
            "milestone": null,
            "merge_when_pipeline_succeeds": false,
            "merge_status": merge_request.merge_status,
            "detailed_merge_status": detailed_merge_status(merge_request),
            "merge_after": null,
            "sha": sha,
            "merge_commit_sha": merge_request.merge_commit_sha,
            "squash_commit_sha": merge_request.squash_commit_sha,
            "discussion_locked": merge_request.discussion_locked,
            "should_remove_source_branch": merge_request.should_remove_source_branch,
            "force_remove_source_branch": merge_request.force_remove_source_branch,
            "prepared_at": merge_request.created_at,
            "reference": reference,
            "references": {
                "short": reference,
                "relative": reference,
                "full": format!("{}{reference}", project.path_with_namespace),
            },
            "web_url": format!("{base}/{}/-/merge_requests/{}", project.path_with_namespace, merge_request.iid),
            "time_stats": {
                "time_estimate": 0,
                "total_time_spent": 0,
                "human_time_estimate": null,
                "human_total_time_spent": null,
            },
            "squash": merge_request.squash,
            "squash_on_merge": merge_request.squash,
            "task_completion_status": {"count": 0, "completed_count": 0},
            "has_conflicts": merge_request.merge_status == "cannot_be_merged",
            "blocking_discussions_resolved": true,
            "approvals_before_merge": null,
        });
        if detailed && let Value::Object(map) = &mut body {
            let head_pipeline = self
                .merge_request_pipelines(merge_request)
                .into_iter()
                .next();
            let changes_count = merge_request
                .diff
                .as_ref()
                .and_then(|diff| {
                    self.repo(project)
                        .ok()?
                        .diff(&diff.base_sha, &diff.head_sha)
                        .ok()
                })
                .map_or(0, |files| files.len());
            map.insert("subscribed".into(), json!(true));
            map.insert("changes_count".into(), json!(changes_count.to_string()));
            map.insert(
                "latest_build_started_at".into(),
                json!(head_pipeline.as_ref().and_then(|p| p.started_at.clone())),
            );
            map.insert(
                "latest_build_finished_at".into(),
                json!(head_pipeline.as_ref().and_then(|p| p.finished_at.clone())),
            );
            map.insert("first_deployed_to_production_at".into(), Value::Null);
            map.insert(
                "pipeline".into(),
                head_pipeline
                    .as_ref()
                    .map_or(Value::Null, |p| self.pipeline_json(p, false)),
            );
            map.insert(
                "head_pipeline".into(),
                head_pipeline
                    .as_ref()
                    .map_or(Value::Null, |p| self.pipeline_json(p, true)),
            );
            map.insert(
                "diff_refs".into(),
                merge_request.diff.as_ref().map_or(Value::Null, |diff| {
                    json!({"base_sha": diff.base_sha, "head_sha": diff.head_sha, "start_sha": diff.start_sha})
                }),
            );
            map.insert("merge_error".into(), Value::Null);
            map.insert("first_contribution".into(), json!(false));
            let can_merge =
                viewer.is_some_and(|user| self.project_access(user, project) >= access::DEVELOPER);
            map.insert("user".into(), json!({"can_merge": can_merge}));
        }
        body
    }

    /// The merge request's pipelines, newest first.
    fn merge_request_pipelines(&self, merge_request: &MergeRequest) -> Vec<crate::model::Pipeline> {
        let mut pipelines: Vec<_> = self
            .db
            .pipelines
            .all()
            .into_iter()
            .map(|(_, pipeline)| pipeline)
            .filter(|pipeline| {
                pipeline.project_id == merge_request.project_id
                    && pipeline.merge_request_iid == Some(merge_request.iid)
            })
            .collect();
        pipelines.sort_by_key(|pipeline| std::cmp::Reverse(pipeline.id));
        pipelines
    }

    fn note_json(&self, merge_request: &MergeRequest, note: &Note) -> Value {
        json!({
            "id": note.id,
            "type": null,
            "body": note.body,
            "author": user_or_null(self, Some(note.author_id)),
            "created_at": note.created_at,
            "updated_at": note.updated_at,
            "system": note.system,
            "noteable_id": merge_request.id,
            "noteable_type": "MergeRequest",
            "project_id": merge_request.project_id,
            "noteable_iid": merge_request.iid,
            "resolvable": false,
            "confidential": false,
            "internal": false,
            "imported": false,
            "imported_from": "none",
            "commands_changes": {},
        })
    }
}

/// One file of a diff as GitLab's `Diff` entity shows it.
pub fn diff_json(file: &FileDiff) -> Value {
    let old_path = file
        .previous_path
        .clone()
        .unwrap_or_else(|| file.path.clone());
    let added = file.status == ChangeStatus::Added;
    let deleted = file.status == ChangeStatus::Removed;
    json!({
        "old_path": old_path,
        "new_path": file.path,
        "a_mode": if added { "0" } else { "100644" },
        "b_mode": if deleted { "0" } else { "100644" },
        "diff": file.patch.as_ref().map_or_else(String::new, |patch| format!("{patch}\n")),
        "new_file": added,
        "renamed_file": file.status == ChangeStatus::Renamed,
        "deleted_file": deleted,
        "generated_file": false,
    })
}

async fn list_merge_requests(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path(id): Path<String>,
    params: Params,
) -> Result<Page> {
    let (project, _) = readable(&gitlab, &caller, &id)?;
    let state = params.str("state")?.unwrap_or_else(|| "all".into());
    if !["opened", "closed", "locked", "merged", "all"].contains(&state.as_str()) {
        return Err(GitlabError::InvalidParameter(
            "state does not have a valid value".into(),
        ));
    }
    let order_by = params
        .str("order_by")?
        .unwrap_or_else(|| "created_at".into());
    if !["created_at", "updated_at", "title", "merged_at"].contains(&order_by.as_str()) {
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
    let source_branch = params.str("source_branch")?;
    let target_branch = params.str("target_branch")?;
    let labels = params.list("labels")?;
    let author_id = params.int("author_id")?;
    let search = params.str("search")?.map(|term| term.to_lowercase());
    let iids = params.list("iids")?;
    let mut items: Vec<Value> = gitlab
        .project_merge_requests(project.id)
        .into_iter()
        .filter(|mr| state == "all" || mr.state == state)
        .filter(|mr| {
            source_branch
                .as_ref()
                .is_none_or(|b| mr.source_branch == *b)
        })
        .filter(|mr| {
            target_branch
                .as_ref()
                .is_none_or(|b| mr.target_branch == *b)
        })
        .filter(|mr| {
            labels
                .as_ref()
                .is_none_or(|wanted| wanted.iter().all(|label| mr.labels.contains(label)))
        })
        .filter(|mr| author_id.is_none_or(|author| mr.author_id as i64 == author))
        .filter(|mr| {
            search.as_ref().is_none_or(|term| {
                mr.title.to_lowercase().contains(term)
                    || mr.description.to_lowercase().contains(term)
            })
        })
        .filter(|mr| {
            iids.as_ref()
                .is_none_or(|iids| iids.contains(&mr.iid.to_string()))
        })
        .map(|mr| gitlab.merge_request_json(&project, &mr, caller.user(), false))
        .collect();
    super::sort_json(&mut items, &order_by, sort == "desc");
    paginate(items, &params, &url)
}

/// The labels a create or update gives: `labels` as a comma-separated string or an array.
fn labels_param(params: &Params, name: &str) -> Result<Option<Vec<String>>> {
    params.list(name)
}

fn ids_param(params: &Params, list: &str, single: &str) -> Result<Option<Vec<u64>>> {
    let ids = match params.list(list)? {
        Some(ids) => Some(ids),
        None => params.int(single)?.map(|id| vec![id.to_string()]),
    };
    ids.map(|ids| {
        ids.iter()
            .map(|id| id.parse::<u64>().map_err(|_| GitlabError::invalid(list)))
            .filter(|id| !matches!(id, Ok(0)))
            .collect()
    })
    .transpose()
}

/// GitLab's branch checks for a new or retargeted merge request.
fn check_branches(
    gitlab: &Gitlab,
    repo: &simkit::git::Repo,
    project: &Project,
    source: &str,
    target: &str,
    except_iid: Option<u64>,
) -> Result<()> {
    if source == target {
        return Err(GitlabError::ConflictListed(
            "You can't use same project/branch for source and target".into(),
        ));
    }
    for (role, branch) in [("Source", source), ("Target", target)] {
        let exists = simkit::git::names::check_branch(branch).is_ok()
            && repo.resolve(&format!("refs/heads/{branch}"))?.is_some();
        if !exists {
            return Err(GitlabError::UnprocessableListed(format!(
                "{role} branch \"{branch}\" does not exist"
            )));
        }
    }
    if let Some(existing) = gitlab
        .project_merge_requests(project.id)
        .into_iter()
        .find(|mr| {
            mr.state == "opened"
                && mr.source_branch == source
                && mr.target_branch == target
                && Some(mr.iid) != except_iid
        })
    {
        return Err(GitlabError::ConflictListed(format!(
            "Another open merge request already exists for this source branch: !{}",
            existing.iid
        )));
    }
    Ok(())
}

async fn create_merge_request(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> Result<(StatusCode, Json<Value>)> {
    let (project, repo, user) = writable(&gitlab, &caller, &id)?;
    require_all(&params, &["title", "source_branch", "target_branch"])?;
    let title = params.required_str("title")?;
    let source = params.required_str("source_branch")?;
    let target = params.required_str("target_branch")?;
    if let Some(target_project) = params.int("target_project_id")?
        && target_project as u64 != project.id
    {
        return Err(GitlabError::BadRequest(
            "merge requests between projects (forks) are not supported by this GitLab fake".into(),
        ));
    }
    if title.trim().is_empty() {
        return Err(GitlabError::Validation(vec![(
            "title".into(),
            "can't be blank".into(),
        )]));
    }
    check_branches(&gitlab, &repo, &project, &source, &target, None)?;
    let now = gitlab.now();
    let iid = gitlab
        .db
        .projects
        .update(&key(project.id), |record| {
            record.merge_request_iid += 1;
            record.merge_request_iid
        })?
        .ok_or_else(|| GitlabError::not_found("Project"))?;
    let merge_request = MergeRequest {
        id: gitlab.next_id("merge_requests")?,
        iid,
        project_id: project.id,
        title,
        description: params.str("description")?.unwrap_or_default(),
        state: "opened".into(),
        source_branch: source,
        target_branch: target,
        author_id: user.id,
        assignee_ids: ids_param(&params, "assignee_ids", "assignee_id")?.unwrap_or_default(),
        reviewer_ids: ids_param(&params, "reviewer_ids", "reviewer_id")?.unwrap_or_default(),
        labels: labels_param(&params, "labels")?.unwrap_or_default(),
        created_at: now.clone(),
        updated_at: now,
        merged_at: None,
        merged_by: None,
        closed_at: None,
        closed_by: None,
        merge_commit_sha: None,
        squash_commit_sha: None,
        squash: params.bool("squash")?.unwrap_or(false),
        force_remove_source_branch: params.bool("remove_source_branch")?.unwrap_or(false),
        should_remove_source_branch: None,
        discussion_locked: None,
        diff: None,
        merge_status: "unchecked".into(),
        approved_by: Vec::new(),
    };
    let merge_request = gitlab.refreshed(&repo, merge_request);
    gitlab
        .db
        .merge_requests
        .insert(&merge_request_key(project.id, iid), merge_request.clone())?;
    if let Err(error) = gitlab.merge_request_pipeline(&project, &user, &merge_request) {
        tracing::debug!(%error, "no merge request pipeline at creation");
    }
    gitlab.merge_request_hooks(&project, &merge_request, &user, "open");
    Ok((
        StatusCode::CREATED,
        Json(gitlab.merge_request_json(&project, &merge_request, Some(&user), true)),
    ))
}

async fn get_merge_request(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, iid)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let (project, merge_request) = read(&gitlab, &caller, &id, &iid)?;
    Ok(Json(gitlab.merge_request_json(
        &project,
        &merge_request,
        caller.user(),
        true,
    )))
}

const UPDATABLE: &[&str] = &[
    "assignee_id",
    "assignee_ids",
    "reviewer_ids",
    "description",
    "labels",
    "add_labels",
    "remove_labels",
    "milestone_id",
    "remove_source_branch",
    "state_event",
    "target_branch",
    "title",
    "discussion_locked",
    "squash",
];

async fn update_merge_request(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, iid)): Path<(String, String)>,
    params: Params,
) -> Result<Json<Value>> {
    let (project, repo, user) = writable(&gitlab, &caller, &id)?;
    let existing = find(&gitlab, &project, &iid)?;
    if !UPDATABLE.iter().any(|name| params.has(name)) {
        return Err(GitlabError::InvalidParameter(format!(
            "{} are missing, at least one parameter must be provided",
            UPDATABLE.join(", ")
        )));
    }
    let state_event = params.str("state_event")?;
    if state_event
        .as_deref()
        .is_some_and(|event| event != "close" && event != "reopen")
    {
        return Err(GitlabError::InvalidParameter(
            "state_event does not have a valid value".into(),
        ));
    }
    for name in ["title", "target_branch"] {
        if params.has(name) && params.str(name)?.is_some_and(|v| v.trim().is_empty()) {
            return Err(GitlabError::InvalidParameter(format!("{name} is empty")));
        }
    }
    let mut updated = existing.clone();
    if let Some(title) = params.str("title")? {
        updated.title = title;
    }
    if let Some(description) = params.str("description")? {
        updated.description = description;
    }
    if let Some(labels) = labels_param(&params, "labels")? {
        updated.labels = labels;
    }
    for label in labels_param(&params, "add_labels")?.unwrap_or_default() {
        if !updated.labels.contains(&label) {
            updated.labels.push(label);
        }
    }
    if let Some(remove) = labels_param(&params, "remove_labels")? {
        updated.labels.retain(|label| !remove.contains(label));
    }
    if let Some(assignees) = ids_param(&params, "assignee_ids", "assignee_id")? {
        updated.assignee_ids = assignees;
    }
    if let Some(reviewers) = ids_param(&params, "reviewer_ids", "reviewer_id")? {
        updated.reviewer_ids = reviewers;
    }
    if let Some(remove) = params.bool("remove_source_branch")? {
        updated.force_remove_source_branch = remove;
    }
    if let Some(squash) = params.bool("squash")? {
        updated.squash = squash;
    }
    if let Some(locked) = params.bool("discussion_locked")? {
        updated.discussion_locked = Some(locked);
    }
    if let Some(target) = params.str("target_branch")? {
        updated.target_branch = target;
    }
    let now = gitlab.now();
    let mut system_note = None;
    match (state_event.as_deref(), existing.state.as_str()) {
        (Some("close"), "opened") => {
            updated.state = "closed".into();
            updated.closed_at = Some(now.clone());
            updated.closed_by = Some(user.id);
            system_note = Some("closed");
        }
        (Some("reopen"), "closed") => {
            updated.state = "opened".into();
            updated.closed_at = None;
            updated.closed_by = None;
            system_note = Some("reopened");
        }
        // GitLab ignores a transition the state machine does not allow.
        _ => {}
    }
    if updated.state == "opened"
        && (updated.target_branch != existing.target_branch || system_note == Some("reopened"))
    {
        check_branches(
            &gitlab,
            &repo,
            &project,
            &updated.source_branch,
            &updated.target_branch,
            Some(updated.iid),
        )?;
    }
    if existing.state == "merged" && updated.target_branch != existing.target_branch {
        return Err(GitlabError::UnprocessableListed(
            "Target branch can't be changed for a merged merge request".into(),
        ));
    }
    updated.updated_at = now;
    let updated = gitlab.refreshed(&repo, updated);
    gitlab
        .db
        .merge_requests
        .insert(&merge_request_key(project.id, updated.iid), updated.clone())?;
    if let Some(text) = system_note {
        gitlab.add_note(&updated, &user, text, true)?;
    }
    let action = match system_note {
        Some("closed") => "close",
        Some("reopened") => "reopen",
        _ => "update",
    };
    gitlab.merge_request_hooks(&project, &updated, &user, action);
    Ok(Json(gitlab.merge_request_json(
        &project,
        &updated,
        Some(&user),
        true,
    )))
}

async fn delete_merge_request(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, iid)): Path<(String, String)>,
) -> Result<StatusCode> {
    let (project, _) = gitlab.visible_project(&caller, &id)?;
    let merge_request = find(&gitlab, &project, &iid)?;
    // Only owners and administrators delete merge requests.
    gitlab.project_with_access(&caller, &id, access::OWNER)?;
    let record_key = merge_request_key(project.id, merge_request.iid);
    gitlab.kit.store().transaction(|txn| {
        txn.remove_prefix(&gitlab.db.notes, &format!("{record_key}/"))?;
        txn.remove(&gitlab.db.merge_requests, &record_key)?;
        Ok::<_, GitlabError>(())
    })?;
    Ok(StatusCode::NO_CONTENT)
}

async fn merge(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, iid)): Path<(String, String)>,
    params: Params,
) -> Result<Json<Value>> {
    let (project, _) = gitlab.visible_project(&caller, &id)?;
    let merge_request = find(&gitlab, &project, &iid)?;
    let (project, repo, user) = match writable(&gitlab, &caller, &id) {
        Ok(found) => found,
        // `unauthorized!` unless the caller may push to the target.
        Err(GitlabError::Forbidden) => return Err(GitlabError::Unauthorized),
        Err(error) => return Err(error),
    };
    // `can_be_merged_by?`: a protected target needs its merge access level.
    if !gitlab.can_merge_to_branch(&project, &user, &merge_request.target_branch) {
        return Err(GitlabError::Unauthorized);
    }
    let merge_request = gitlab.refresh_merge_request(&repo, merge_request)?;
    let head = merge_request
        .diff
        .as_ref()
        .map(|diff| diff.head_sha.clone());
    if let Some(sha) = params.str("sha")?
        && merge_request.state == "opened"
        && head.as_deref() != Some(sha.as_str())
    {
        return Err(GitlabError::Conflict(format!(
            "SHA does not match HEAD of source branch: {}",
            head.unwrap_or_default()
        )));
    }
    if params.bool("merge_when_pipeline_succeeds")? == Some(true)
        || params.bool("auto_merge")? == Some(true)
    {
        return Err(GitlabError::BadRequest(
            "auto-merge (merge when the pipeline succeeds) is not supported by this GitLab fake"
                .into(),
        ));
    }
    if detailed_merge_status(&merge_request) != "mergeable" {
        return Err(GitlabError::NotAllowed);
    }
    let mut merge_request = merge_request;
    if let Some(squash) = params.bool("squash")? {
        merge_request.squash = squash;
    }
    let message = if merge_request.squash {
        params.str("squash_commit_message")?
    } else {
        params.str("merge_commit_message")?
    };
    let merged = gitlab.merge_branches(&repo, &project, &merge_request, &user, message)?;
    let should_remove = params.bool("should_remove_source_branch")?;
    let now = gitlab.now();
    merge_request.state = "merged".into();
    merge_request.merged_at = Some(now.clone());
    merge_request.merged_by = Some(user.id);
    merge_request.updated_at = now;
    merge_request.merge_commit_sha = merged.merge_commit_sha;
    merge_request.squash_commit_sha = merged.squash_commit_sha;
    merge_request.should_remove_source_branch = should_remove;
    gitlab.db.merge_requests.insert(
        &merge_request_key(project.id, merge_request.iid),
        merge_request.clone(),
    )?;
    gitlab.add_note(&merge_request, &user, "merged", true)?;
    gitlab.merge_request_hooks(&project, &merge_request, &user, "merge");
    if should_remove.unwrap_or(merge_request.force_remove_source_branch)
        && merge_request.source_branch != project.default_branch
    {
        let branch_ref = format!("refs/heads/{}", merge_request.source_branch);
        let old = repo.resolve(&branch_ref)?;
        if old.is_some() {
            repo.update_ref(&branch_ref, None, None)?;
            gitlab.merge_requests_after_push(
                &project,
                &user,
                &RefUpdate {
                    name: branch_ref,
                    old,
                    new: None,
                },
            );
        }
    }
    Ok(Json(gitlab.merge_request_json(
        &project,
        &merge_request,
        Some(&user),
        true,
    )))
}

async fn changes(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, iid)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let (project, merge_request) = read(&gitlab, &caller, &id, &iid)?;
    let mut body = gitlab.merge_request_json(&project, &merge_request, caller.user(), true);
    let files = merge_request_files(&gitlab, &project, &merge_request)?;
    body["changes"] = Value::Array(files.iter().map(diff_json).collect());
    body["overflow"] = json!(false);
    Ok(Json(body))
}

fn merge_request_files(
    gitlab: &Gitlab,
    project: &Project,
    merge_request: &MergeRequest,
) -> Result<Vec<FileDiff>> {
    match &merge_request.diff {
        Some(diff) => Ok(gitlab.repo(project)?.diff(&diff.base_sha, &diff.head_sha)?),
        None => Ok(Vec::new()),
    }
}

async fn diffs(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path((id, iid)): Path<(String, String)>,
    params: Params,
) -> Result<Page> {
    let (project, merge_request) = read(&gitlab, &caller, &id, &iid)?;
    let files = merge_request_files(&gitlab, &project, &merge_request)?;
    paginate(files.iter().map(diff_json).collect(), &params, &url)
}

async fn commits(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path((id, iid)): Path<(String, String)>,
    params: Params,
) -> Result<Page> {
    let (project, merge_request) = read(&gitlab, &caller, &id, &iid)?;
    let items = match &merge_request.diff {
        Some(diff) => {
            let comparison = gitlab
                .repo(&project)?
                .compare(&diff.base_sha, &diff.head_sha)?;
            // Newest first, as GitLab lists a merge request's commits.
            comparison
                .commits
                .iter()
                .rev()
                .map(|commit| gitlab.commit_json(&project, commit))
                .collect()
        }
        None => Vec::new(),
    };
    paginate(items, &params, &url)
}

async fn list_pipelines(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path((id, iid)): Path<(String, String)>,
    params: Params,
) -> Result<Page> {
    let (_, merge_request) = read(&gitlab, &caller, &id, &iid)?;
    let items = gitlab
        .merge_request_pipelines(&merge_request)
        .iter()
        .map(|pipeline| gitlab.pipeline_json(pipeline, false))
        .collect();
    paginate(items, &params, &url)
}

async fn create_pipeline(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, iid)): Path<(String, String)>,
) -> Result<(StatusCode, Json<Value>)> {
    let (project, repo, user) = writable(&gitlab, &caller, &id)?;
    let merge_request = find(&gitlab, &project, &iid)?;
    let merge_request = gitlab.refresh_merge_request(&repo, merge_request)?;
    let pipeline = gitlab.merge_request_pipeline(&project, &user, &merge_request)?;
    Ok((
        StatusCode::CREATED,
        Json(gitlab.pipeline_json(&pipeline, true)),
    ))
}

/// `MergeRequestApprovals` as GitLab's free tier shows it.
fn approvals_json(gitlab: &Gitlab, merge_request: &MergeRequest, viewer: &User) -> Value {
    let has_approved = merge_request.approved_by.contains(&viewer.id);
    json!({
        "user_has_approved": has_approved,
        "user_can_approve": !has_approved,
        "approved": !merge_request.approved_by.is_empty(),
        "approved_by": merge_request
            .approved_by
            .iter()
            .filter_map(|id| gitlab.user(*id))
            .map(|user| json!({"user": gitlab.user_basic(&user)}))
            .collect::<Vec<_>>(),
    })
}

async fn approvals(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, iid)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let viewer = caller.require_user()?.clone();
    let (_, merge_request) = read(&gitlab, &caller, &id, &iid)?;
    Ok(Json(approvals_json(&gitlab, &merge_request, &viewer)))
}

async fn approve(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, iid)): Path<(String, String)>,
    params: Params,
) -> Result<(StatusCode, Json<Value>)> {
    let (project, repo, user) = writable(&gitlab, &caller, &id)?;
    let merge_request = find(&gitlab, &project, &iid)?;
    let merge_request = gitlab.refresh_merge_request(&repo, merge_request)?;
    let head = merge_request
        .diff
        .as_ref()
        .map(|diff| diff.head_sha.clone());
    if let Some(sha) = params.str("sha")?
        && head.as_deref() != Some(sha.as_str())
    {
        return Err(GitlabError::Conflict(format!(
            "SHA does not match HEAD of source branch: {}",
            head.unwrap_or_default()
        )));
    }
    // Approving twice, or a merge request that is not open, is `unauthorized!`.
    if merge_request.state != "opened" || merge_request.approved_by.contains(&user.id) {
        return Err(GitlabError::Unauthorized);
    }
    let updated = gitlab
        .db
        .merge_requests
        .update(
            &merge_request_key(project.id, merge_request.iid),
            |record| {
                record.approved_by.push(user.id);
                record.clone()
            },
        )?
        .ok_or(GitlabError::RecordNotFound)?;
    gitlab.add_note(&updated, &user, "approved this merge request", true)?;
    gitlab.merge_request_hooks(&project, &updated, &user, "approved");
    Ok((
        StatusCode::CREATED,
        Json(approvals_json(&gitlab, &updated, &user)),
    ))
}

async fn unapprove(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, iid)): Path<(String, String)>,
) -> Result<(StatusCode, Json<Value>)> {
    let (project, _, user) = writable(&gitlab, &caller, &id)?;
    let merge_request = find(&gitlab, &project, &iid)?;
    if !merge_request.approved_by.contains(&user.id) {
        return Err(GitlabError::NotFound(None));
    }
    let updated = gitlab
        .db
        .merge_requests
        .update(
            &merge_request_key(project.id, merge_request.iid),
            |record| {
                record.approved_by.retain(|id| *id != user.id);
                record.clone()
            },
        )?
        .ok_or(GitlabError::RecordNotFound)?;
    gitlab.add_note(&updated, &user, "unapproved this merge request", true)?;
    gitlab.merge_request_hooks(&project, &updated, &user, "unapproved");
    Ok((
        StatusCode::CREATED,
        Json(approvals_json(&gitlab, &updated, &user)),
    ))
}

async fn list_notes(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path((id, iid)): Path<(String, String)>,
    params: Params,
) -> Result<Page> {
    let (project, _) = readable(&gitlab, &caller, &id)?;
    let merge_request = find(&gitlab, &project, &iid)?;
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
        .merge_request_notes(&merge_request)
        .iter()
        .map(|note| gitlab.note_json(&merge_request, note))
        .collect();
    super::sort_json(&mut items, &order_by, sort == "desc");
    paginate(items, &params, &url)
}

fn find_note(gitlab: &Gitlab, merge_request: &MergeRequest, note_id: &str) -> Result<Note> {
    let note_id = numeric(note_id, "note_id")?;
    gitlab
        .db
        .notes
        .get(&format!(
            "{}/{}",
            merge_request_key(merge_request.project_id, merge_request.iid),
            key(note_id)
        ))
        .ok_or_else(|| GitlabError::not_found("Note"))
}

async fn get_note(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, iid, note_id)): Path<(String, String, String)>,
) -> Result<Json<Value>> {
    let (project, _) = readable(&gitlab, &caller, &id)?;
    let merge_request = find(&gitlab, &project, &iid)?;
    let note = find_note(&gitlab, &merge_request, &note_id)?;
    Ok(Json(gitlab.note_json(&merge_request, &note)))
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
    let (project, _) = readable(&gitlab, &caller, &id)?;
    let merge_request = find(&gitlab, &project, &iid)?;
    let body = note_body(&params)?;
    if merge_request.discussion_locked == Some(true)
        && gitlab.project_access(&user, &project) < access::DEVELOPER
    {
        return Err(GitlabError::Forbidden);
    }
    let note = gitlab.add_note(&merge_request, &user, &body, false)?;
    gitlab.note_hooks(&project, &merge_request, &note, &user);
    Ok((
        StatusCode::CREATED,
        Json(gitlab.note_json(&merge_request, &note)),
    ))
}

/// A note its author (or a maintainer) may change or delete.
fn own_note(
    gitlab: &Gitlab,
    caller: &Caller,
    id: &str,
    iid: &str,
    note_id: &str,
) -> Result<(MergeRequest, Note, String)> {
    let user = caller.require_user()?.clone();
    let (project, level) = gitlab.visible_project(caller, id)?;
    let merge_request = find(gitlab, &project, iid)?;
    let note = find_note(gitlab, &merge_request, note_id)?;
    if note.system || (note.author_id != user.id && level < access::MAINTAINER) {
        return Err(GitlabError::Forbidden);
    }
    let note_key = format!(
        "{}/{}",
        merge_request_key(project.id, merge_request.iid),
        key(note.id)
    );
    Ok((merge_request, note, note_key))
}

async fn update_note(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, iid, note_id)): Path<(String, String, String)>,
    params: Params,
) -> Result<Json<Value>> {
    let (merge_request, _, note_key) = own_note(&gitlab, &caller, &id, &iid, &note_id)?;
    let body = note_body(&params)?;
    let now = gitlab.now();
    let note = gitlab
        .db
        .notes
        .update(&note_key, |note| {
            note.body = body;
            note.updated_at = now;
            note.clone()
        })?
        .ok_or_else(|| GitlabError::not_found("Note"))?;
    Ok(Json(gitlab.note_json(&merge_request, &note)))
}

async fn delete_note(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, iid, note_id)): Path<(String, String, String)>,
) -> Result<StatusCode> {
    let (_, _, note_key) = own_note(&gitlab, &caller, &id, &iid, &note_id)?;
    gitlab.db.notes.remove(&note_key)?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DiffRefs;

    fn merge_request(state: &str, title: &str, merge_status: &str, diff: bool) -> MergeRequest {
        MergeRequest {
            id: 1,
            iid: 1,
            project_id: 1,
            title: title.into(),
            description: String::new(),
            state: state.into(),
            source_branch: "feature".into(),
            target_branch: "main".into(),
            author_id: 1,
            assignee_ids: Vec::new(),
            reviewer_ids: Vec::new(),
            labels: Vec::new(),
            created_at: String::new(),
            updated_at: String::new(),
            merged_at: None,
            merged_by: None,
            closed_at: None,
            closed_by: None,
            merge_commit_sha: None,
            squash_commit_sha: None,
            squash: false,
            force_remove_source_branch: false,
            should_remove_source_branch: None,
            discussion_locked: None,
            diff: diff.then(|| DiffRefs {
                base_sha: "b".into(),
                head_sha: "h".into(),
                start_sha: "s".into(),
            }),
            merge_status: merge_status.into(),
            approved_by: Vec::new(),
        }
    }

    #[test]
    fn detailed_merge_status_follows_gitlabs_checks_in_order() {
        let cases = [
            (
                merge_request("closed", "Draft: x", "can_be_merged", true),
                "not_open",
            ),
            (
                merge_request("merged", "x", "can_be_merged", true),
                "not_open",
            ),
            (
                merge_request("opened", "Draft: x", "cannot_be_merged", true),
                "draft_status",
            ),
            (
                merge_request("opened", "x", "cannot_be_merged", false),
                "broken_status",
            ),
            (
                merge_request("opened", "x", "cannot_be_merged", true),
                "conflict",
            ),
            (
                merge_request("opened", "x", "can_be_merged", true),
                "mergeable",
            ),
        ];
        for (merge_request, expected) in cases {
            assert_eq!(detailed_merge_status(&merge_request), expected);
        }
    }
}
