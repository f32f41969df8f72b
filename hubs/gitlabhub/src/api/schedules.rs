//! Pipeline schedules (`/projects/:id/pipeline_schedules`): CRUD, `take_ownership`, `play`,
//! the pipelines a schedule started, and its variables. Developers see, create and play
//! schedules; only a schedule's owner changes it; maintainers take ownership and delete.
//! GitLab validates `cron` and `cron_timezone` as `{"message": {"cron": [" is invalid
//! syntax"]}}` (its validators' own wording, leading space included).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use http::StatusCode;
use serde_json::{Value, json};

use super::numeric;
use super::users::require_all;
use super::variables::valid_key;
use crate::auth::Caller;
use crate::error::{GitlabError, Result};
use crate::model::{PipelineSchedule, PipelineVariable, Project, User, access, key};
use crate::paging::{Page, RequestUrl, paginate};
use crate::params::Params;
use crate::schedules::{next_run, schedule_key};
use crate::state::{Gitlab, records_under};

pub fn routes() -> Router<Arc<Gitlab>> {
    Router::new()
        .route(
            "/api/v4/projects/{id}/pipeline_schedules",
            get(list_schedules).post(create_schedule),
        )
        .route(
            "/api/v4/projects/{id}/pipeline_schedules/{schedule_id}",
            get(get_schedule)
                .put(update_schedule)
                .delete(delete_schedule),
        )
        .route(
            "/api/v4/projects/{id}/pipeline_schedules/{schedule_id}/take_ownership",
            post(take_ownership),
        )
        .route(
            "/api/v4/projects/{id}/pipeline_schedules/{schedule_id}/play",
            post(play_schedule),
        )
        .route(
            "/api/v4/projects/{id}/pipeline_schedules/{schedule_id}/pipelines",
            get(schedule_pipelines),
        )
        .route(
            "/api/v4/projects/{id}/pipeline_schedules/{schedule_id}/variables",
            post(create_variable),
        )
        .route(
            "/api/v4/projects/{id}/pipeline_schedules/{schedule_id}/variables/{key}",
            put(update_variable).delete(delete_variable),
        )
}

/// `PipelineSchedule`, and with `detailed` GitLab's `PipelineScheduleDetails`
/// (`last_pipeline` and `variables`).
fn schedule_json(gitlab: &Gitlab, schedule: &PipelineSchedule, detailed: bool) -> Value {
    let mut body = json!({
        "id": schedule.id,
        "description": schedule.description,
        "ref": schedule.git_ref,
        "cron": schedule.cron,
        "cron_timezone": schedule.cron_timezone,
        "next_run_at": schedule.next_run_at,
        "active": schedule.active,
        "created_at": schedule.created_at,
        "updated_at": schedule.updated_at,
        "owner": gitlab.user(schedule.owner_id).map_or(Value::Null, |user| gitlab.user_basic(&user)),
    });
    if detailed && let Value::Object(map) = &mut body {
        let last = schedule
            .pipeline_ids
            .iter()
            .rev()
            .find_map(|id| gitlab.pipeline(*id))
            .map_or(Value::Null, |pipeline| {
                gitlab.pipeline_json(&pipeline, false)
            });
        map.insert("last_pipeline".into(), last);
        map.insert(
            "variables".into(),
            schedule.variables.iter().map(variable_json).collect(),
        );
    }
    body
}

fn variable_json(variable: &PipelineVariable) -> Value {
    json!({
        "variable_type": variable.variable_type,
        "key": variable.key,
        "value": variable.value,
        "raw": false,
    })
}

fn find(gitlab: &Gitlab, project: &Project, schedule_id: &str) -> Result<PipelineSchedule> {
    let schedule_id = numeric(schedule_id, "pipeline_schedule_id")?;
    gitlab
        .db
        .pipeline_schedules
        .get(&schedule_key(project.id, schedule_id))
        .ok_or_else(|| GitlabError::not_found("Pipeline Schedule"))
}

/// The project and the caller, who must be at least a developer.
fn developer(gitlab: &Gitlab, caller: &Caller, id: &str) -> Result<(Project, User, i64)> {
    let (project, level) = gitlab.project_with_access(caller, id, access::DEVELOPER)?;
    let user = caller.require_personal()?.clone();
    Ok((project, user, level))
}

/// GitLab's model validation of a schedule's fields, every problem at once.
fn validate(schedule: &PipelineSchedule) -> Result<()> {
    let mut problems = Vec::new();
    if schedule.description.trim().is_empty() {
        problems.push(("description".to_string(), "can't be blank".to_string()));
    }
    if schedule.git_ref.trim().is_empty() {
        problems.push(("ref".to_string(), "can't be blank".to_string()));
    }
    if schedule.cron.trim().is_empty() {
        problems.push(("cron".to_string(), "can't be blank".to_string()));
    } else if crate::cron::Cron::parse(&schedule.cron).is_err() {
        problems.push(("cron".to_string(), " is invalid syntax".to_string()));
    }
    if crate::cron::zone(&schedule.cron_timezone).is_none() {
        problems.push((
            "cron_timezone".to_string(),
            " is invalid syntax".to_string(),
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(GitlabError::Validation(problems))
    }
}

/// A short branch or tag name as GitLab stores it since 16.x: expanded to the full ref it
/// names (a branch before a tag), or kept as given when neither exists.
fn expand_ref(gitlab: &Gitlab, project: &Project, git_ref: &str) -> Result<String> {
    if git_ref.starts_with("refs/") {
        return Ok(git_ref.to_string());
    }
    let repo = gitlab.repo(project)?;
    for full in [
        format!("refs/heads/{git_ref}"),
        format!("refs/tags/{git_ref}"),
    ] {
        if repo.resolve(&full)?.is_some() {
            return Ok(full);
        }
    }
    Ok(git_ref.to_string())
}

/// Fills `next_run_at` from the schedule's expression and the clock.
fn schedule_next_run(gitlab: &Gitlab, schedule: &mut PipelineSchedule) {
    if let Some(next) = next_run(
        &schedule.cron,
        &schedule.cron_timezone,
        &gitlab.schedule_worker,
        gitlab.kit.clock().now(),
    ) {
        schedule.next_run_at = next;
    }
}

async fn list_schedules(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path(id): Path<String>,
    params: Params,
) -> Result<Page> {
    let (project, _, _) = developer(&gitlab, &caller, &id)?;
    let scope = params.str("scope")?;
    let wanted: Option<bool> = match scope.as_deref() {
        None => None,
        Some("active") => Some(true),
        Some("inactive") => Some(false),
        Some(_) => {
            return Err(GitlabError::InvalidParameter(
                "scope does not have a valid value".into(),
            ));
        }
    };
    let items = records_under(
        &gitlab.db.pipeline_schedules,
        &format!("{}/", key(project.id)),
    )
    .iter()
    .filter(|schedule| wanted.is_none_or(|active| schedule.active == active))
    .map(|schedule| schedule_json(&gitlab, schedule, false))
    .collect();
    paginate(items, &params, &url)
}

async fn get_schedule(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, schedule_id)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let (project, _, _) = developer(&gitlab, &caller, &id)?;
    let schedule = find(&gitlab, &project, &schedule_id)?;
    Ok(Json(schedule_json(&gitlab, &schedule, true)))
}

async fn create_schedule(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> Result<(StatusCode, Json<Value>)> {
    let (project, user, _) = developer(&gitlab, &caller, &id)?;
    require_all(&params, &["description", "ref", "cron"])?;
    let now = gitlab.now();
    let git_ref = params.required_str("ref")?;
    let mut schedule = PipelineSchedule {
        id: 0,
        project_id: project.id,
        description: params.required_str("description")?,
        git_ref: expand_ref(&gitlab, &project, &git_ref)?,
        cron: params.required_str("cron")?,
        cron_timezone: params.str("cron_timezone")?.unwrap_or_else(|| "UTC".into()),
        next_run_at: String::new(),
        active: params.bool("active")?.unwrap_or(true),
        owner_id: user.id,
        created_at: now.clone(),
        updated_at: now,
        variables: Vec::new(),
        pipeline_ids: Vec::new(),
    };
    validate(&schedule)?;
    schedule_next_run(&gitlab, &mut schedule);
    schedule.id = gitlab.next_id("pipeline_schedules")?;
    gitlab
        .db
        .pipeline_schedules
        .insert(&schedule_key(project.id, schedule.id), schedule.clone())?;
    gitlab.schedules_changed.notify_one();
    Ok((
        StatusCode::CREATED,
        Json(schedule_json(&gitlab, &schedule, true)),
    ))
}

async fn update_schedule(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, schedule_id)): Path<(String, String)>,
    params: Params,
) -> Result<Json<Value>> {
    let (project, user, _) = developer(&gitlab, &caller, &id)?;
    let mut schedule = find(&gitlab, &project, &schedule_id)?;
    if schedule.owner_id != user.id {
        return Err(GitlabError::Forbidden);
    }
    if let Some(description) = params.str("description")? {
        schedule.description = description;
    }
    if let Some(git_ref) = params.str("ref")? {
        schedule.git_ref = expand_ref(&gitlab, &project, &git_ref)?;
    }
    if let Some(cron) = params.str("cron")? {
        schedule.cron = cron;
    }
    if let Some(zone) = params.str("cron_timezone")? {
        schedule.cron_timezone = zone;
    }
    if let Some(active) = params.bool("active")? {
        schedule.active = active;
    }
    validate(&schedule)?;
    schedule_next_run(&gitlab, &mut schedule);
    schedule.updated_at = gitlab.now();
    let changes = schedule.clone();
    let updated = gitlab
        .db
        .pipeline_schedules
        .update(&schedule_key(project.id, schedule.id), |record| {
            // Pipelines started meanwhile stay recorded.
            let pipeline_ids = std::mem::take(&mut record.pipeline_ids);
            *record = PipelineSchedule {
                pipeline_ids,
                ..changes
            };
            record.clone()
        })?
        .ok_or_else(|| GitlabError::not_found("Pipeline Schedule"))?;
    gitlab.schedules_changed.notify_one();
    Ok(Json(schedule_json(&gitlab, &updated, true)))
}

async fn take_ownership(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, schedule_id)): Path<(String, String)>,
) -> Result<(StatusCode, Json<Value>)> {
    let (project, user, level) = developer(&gitlab, &caller, &id)?;
    let schedule = find(&gitlab, &project, &schedule_id)?;
    if schedule.owner_id != user.id && level < access::MAINTAINER {
        return Err(GitlabError::Forbidden);
    }
    let now = gitlab.now();
    let updated = gitlab
        .db
        .pipeline_schedules
        .update(&schedule_key(project.id, schedule.id), |record| {
            record.owner_id = user.id;
            record.updated_at = now;
            record.clone()
        })?
        .ok_or_else(|| GitlabError::not_found("Pipeline Schedule"))?;
    Ok((
        StatusCode::CREATED,
        Json(schedule_json(&gitlab, &updated, true)),
    ))
}

async fn delete_schedule(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, schedule_id)): Path<(String, String)>,
) -> Result<StatusCode> {
    let (project, user, level) = developer(&gitlab, &caller, &id)?;
    let schedule = find(&gitlab, &project, &schedule_id)?;
    if schedule.owner_id != user.id && level < access::MAINTAINER {
        return Err(GitlabError::Forbidden);
    }
    gitlab
        .db
        .pipeline_schedules
        .remove(&schedule_key(project.id, schedule.id))?;
    gitlab.schedules_changed.notify_one();
    Ok(StatusCode::NO_CONTENT)
}

/// `play`: the schedule's pipeline now (GitLab queues it and answers `201 Created` before it
/// exists; here it exists when the answer comes). `next_run_at` does not move.
async fn play_schedule(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, schedule_id)): Path<(String, String)>,
) -> Result<(StatusCode, Json<Value>)> {
    let (project, _, _) = developer(&gitlab, &caller, &id)?;
    let schedule = find(&gitlab, &project, &schedule_id)?;
    gitlab.run_schedule(&schedule)?;
    Ok((StatusCode::CREATED, Json(json!({"message": "201 Created"}))))
}

async fn schedule_pipelines(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path((id, schedule_id)): Path<(String, String)>,
    params: Params,
) -> Result<Page> {
    let (project, _, _) = developer(&gitlab, &caller, &id)?;
    let schedule = find(&gitlab, &project, &schedule_id)?;
    let descending = match params.str("sort")?.as_deref() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(_) => {
            return Err(GitlabError::InvalidParameter(
                "sort does not have a valid value".into(),
            ));
        }
    };
    let mut items: Vec<Value> = schedule
        .pipeline_ids
        .iter()
        .filter_map(|id| gitlab.pipeline(*id))
        .map(|pipeline| gitlab.pipeline_json(&pipeline, false))
        .collect();
    if descending {
        items.reverse();
    }
    paginate(items, &params, &url)
}

/// The schedule, for a change of its variables by its owner.
fn owned(
    gitlab: &Gitlab,
    caller: &Caller,
    id: &str,
    schedule_id: &str,
) -> Result<PipelineSchedule> {
    let (project, user, _) = developer(gitlab, caller, id)?;
    let schedule = find(gitlab, &project, schedule_id)?;
    if schedule.owner_id != user.id {
        return Err(GitlabError::Forbidden);
    }
    Ok(schedule)
}

fn variable_type(params: &Params) -> Result<Option<String>> {
    match params.str("variable_type")? {
        None => Ok(None),
        Some(kind) if kind == "env_var" || kind == "file" => Ok(Some(kind)),
        Some(_) => Err(GitlabError::InvalidParameter(
            "variable_type does not have a valid value".into(),
        )),
    }
}

/// Applies `change` to the schedule's variables and stores the schedule.
fn change_variables<T>(
    gitlab: &Gitlab,
    schedule: &PipelineSchedule,
    change: impl FnOnce(&mut Vec<PipelineVariable>) -> Result<T>,
) -> Result<T> {
    let mut variables = schedule.variables.clone();
    let answer = change(&mut variables)?;
    gitlab
        .db
        .pipeline_schedules
        .update(&schedule_key(schedule.project_id, schedule.id), |record| {
            record.variables = variables;
        })?
        .ok_or_else(|| GitlabError::not_found("Pipeline Schedule"))?;
    Ok(answer)
}

async fn create_variable(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, schedule_id)): Path<(String, String)>,
    params: Params,
) -> Result<(StatusCode, Json<Value>)> {
    let schedule = owned(&gitlab, &caller, &id, &schedule_id)?;
    require_all(&params, &["key", "value"])?;
    let variable = PipelineVariable {
        key: params.required_str("key")?,
        value: params.required_str("value")?,
        variable_type: variable_type(&params)?.unwrap_or_else(|| "env_var".into()),
    };
    if !valid_key(&variable.key) {
        return Err(GitlabError::Validation(vec![(
            "key".into(),
            "can contain only letters, digits and '_'.".into(),
        )]));
    }
    let created = variable.clone();
    change_variables(&gitlab, &schedule, move |variables| {
        if variables
            .iter()
            .any(|existing| existing.key == variable.key)
        {
            return Err(GitlabError::taken("key"));
        }
        variables.push(variable);
        Ok(())
    })?;
    Ok((StatusCode::CREATED, Json(variable_json(&created))))
}

async fn update_variable(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, schedule_id, variable_key)): Path<(String, String, String)>,
    params: Params,
) -> Result<Json<Value>> {
    let schedule = owned(&gitlab, &caller, &id, &schedule_id)?;
    let value = params.str("value")?;
    let kind = variable_type(&params)?;
    let updated = change_variables(&gitlab, &schedule, |variables| {
        let variable = variables
            .iter_mut()
            .find(|variable| variable.key == variable_key)
            .ok_or_else(|| GitlabError::not_found("Variable"))?;
        if let Some(value) = value {
            variable.value = value;
        }
        if let Some(kind) = kind {
            variable.variable_type = kind;
        }
        Ok(variable.clone())
    })?;
    Ok(Json(variable_json(&updated)))
}

/// GitLab answers `202 Accepted` with the variable it removed.
async fn delete_variable(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, schedule_id, variable_key)): Path<(String, String, String)>,
) -> Result<(StatusCode, Json<Value>)> {
    let schedule = owned(&gitlab, &caller, &id, &schedule_id)?;
    let removed = change_variables(&gitlab, &schedule, |variables| {
        let index = variables
            .iter()
            .position(|variable| variable.key == variable_key)
            .ok_or_else(|| GitlabError::not_found("Variable"))?;
        Ok(variables.remove(index))
    })?;
    Ok((StatusCode::ACCEPTED, Json(variable_json(&removed))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(cron: &str, zone: &str) -> PipelineSchedule {
        PipelineSchedule {
            id: 1,
            project_id: 1,
            description: "nightly".into(),
            git_ref: "refs/heads/main".into(),
            cron: cron.into(),
            cron_timezone: zone.into(),
            next_run_at: String::new(),
            active: true,
            owner_id: 1,
            created_at: String::new(),
            updated_at: String::new(),
            variables: Vec::new(),
            pipeline_ids: Vec::new(),
        }
    }

    fn problems(cron: &str, zone: &str) -> Vec<(String, String)> {
        match validate(&schedule(cron, zone)) {
            Ok(()) => Vec::new(),
            Err(GitlabError::Validation(problems)) => problems,
            Err(other) => panic!("{other:?}"),
        }
    }

    #[test]
    fn validation_uses_gitlabs_wording() {
        assert!(problems("0 1 * * *", "UTC").is_empty());
        assert_eq!(
            problems("0 1 * *", "Mars/Olympus"),
            vec![
                ("cron".to_string(), " is invalid syntax".to_string()),
                (
                    "cron_timezone".to_string(),
                    " is invalid syntax".to_string()
                ),
            ]
        );
        assert_eq!(
            problems("", "UTC"),
            vec![("cron".to_string(), "can't be blank".to_string())]
        );
    }
}
