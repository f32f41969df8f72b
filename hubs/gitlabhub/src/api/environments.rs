//! Environments (`/projects/:id/environments`: list with `name`/`search`/`states`, get with
//! its last deployment, create, update, delete once stopped, `stop` with `force`,
//! `stop_stale`) and deployments (`/projects/:id/deployments`: list with GitLab's filters,
//! orders and the finder's pairing rules, get, create, update of API-made deployments,
//! delete). Reporters read, developers change, maintainers delete deployments.
//!
//! What this module must not do: move jobs or environments itself (that is `environments`).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use http::StatusCode;
use serde_json::{Value, json};

use super::numeric;
use super::users::require_all;
use crate::auth::Caller;
use crate::ci::config::ENVIRONMENT_TIERS;
use crate::environments::{deployment_key, deployment_transition_allowed, environment_key};
use crate::error::{GitlabError, Result};
use crate::model::{Deployment, Environment, Project, access};
use crate::paging::{Page, RequestUrl, paginate};
use crate::params::Params;
use crate::state::{Gitlab, format_time};

pub fn routes() -> Router<Arc<Gitlab>> {
    Router::new()
        .route(
            "/api/v4/projects/{id}/environments",
            get(list_environments).post(create_environment),
        )
        .route(
            "/api/v4/projects/{id}/environments/stop_stale",
            post(stop_stale),
        )
        .route(
            "/api/v4/projects/{id}/environments/{environment_id}",
            get(get_environment)
                .put(update_environment)
                .delete(delete_environment),
        )
        .route(
            "/api/v4/projects/{id}/environments/{environment_id}/stop",
            post(stop_environment),
        )
        .route(
            "/api/v4/projects/{id}/deployments",
            get(list_deployments).post(create_deployment),
        )
        .route(
            "/api/v4/projects/{id}/deployments/{deployment_id}",
            get(get_deployment)
                .put(update_deployment)
                .delete(delete_deployment),
        )
}

impl Gitlab {
    /// `BasicProjectDetails`: the project's identity, URLs and namespace.
    fn project_basic_details(&self, project: &Project) -> Value {
        let full = self.project_json(project, 0);
        let mut out = serde_json::Map::new();
        for field in [
            "id",
            "description",
            "name",
            "name_with_namespace",
            "path",
            "path_with_namespace",
            "created_at",
            "default_branch",
            "tag_list",
            "topics",
            "ssh_url_to_repo",
            "http_url_to_repo",
            "web_url",
            "readme_url",
            "forks_count",
            "avatar_url",
            "star_count",
            "last_activity_at",
            "namespace",
        ] {
            out.insert(field.into(), full[field].clone());
        }
        Value::Object(out)
    }

    fn environment_basic(environment: &Environment) -> Value {
        json!({
            "id": environment.id,
            "name": environment.name,
            "slug": environment.slug,
            "external_url": environment.external_url,
            "created_at": environment.created_at,
            "updated_at": environment.updated_at,
        })
    }

    /// `Environment`: with the project (listings and changes) or with the last deployment
    /// (a single environment's read).
    fn environment_json(&self, environment: &Environment, single: bool) -> Value {
        let mut body = Self::environment_basic(environment);
        if let Value::Object(map) = &mut body {
            map.insert("tier".into(), json!(environment.tier));
            if single {
                let last = self
                    .last_deployment(environment)
                    .map_or(Value::Null, |deployment| {
                        let mut shown = self.deployment_json(&deployment);
                        if let Value::Object(fields) = &mut shown {
                            fields.remove("environment");
                        }
                        shown
                    });
                map.insert("last_deployment".into(), last);
            } else if let Some(project) = self.project(environment.project_id) {
                map.insert("project".into(), self.project_basic_details(&project));
            }
            map.insert("state".into(), json!(environment.state));
            map.insert("auto_stop_at".into(), json!(environment.auto_stop_at));
            map.insert("description".into(), json!(environment.description));
            map.insert(
                "auto_stop_setting".into(),
                json!(environment.auto_stop_setting),
            );
        }
        body
    }

    fn deployment_json(&self, deployment: &Deployment) -> Value {
        json!({
            "id": deployment.id,
            "iid": deployment.iid,
            "ref": deployment.git_ref,
            "sha": deployment.sha,
            "created_at": deployment.created_at,
            "updated_at": deployment.updated_at,
            "user": self.user(deployment.user_id).map_or(Value::Null, |user| self.user_basic(&user)),
            "environment": self
                .environment(deployment.project_id, deployment.environment_id)
                .map_or(Value::Null, |environment| Self::environment_basic(&environment)),
            "deployable": deployment
                .deployable_id
                .and_then(|id| self.job(id))
                .map_or(Value::Null, |job| self.job_json(&job)),
            "status": deployment.status,
        })
    }
}

fn reader(gitlab: &Gitlab, caller: &Caller, id: &str) -> Result<Project> {
    caller.require_user()?;
    let (project, _) = gitlab.project_with_access(caller, id, access::REPORTER)?;
    Ok(project)
}

fn developer(gitlab: &Gitlab, caller: &Caller, id: &str) -> Result<Project> {
    caller.require_user()?;
    let (project, _) = gitlab.project_with_access(caller, id, access::DEVELOPER)?;
    Ok(project)
}

fn find_environment(
    gitlab: &Gitlab,
    project: &Project,
    environment_id: &str,
) -> Result<Environment> {
    let environment_id = numeric(environment_id, "environment_id")?;
    gitlab
        .environment(project.id, environment_id)
        .ok_or_else(|| GitlabError::not_found("Environment"))
}

fn find_deployment(gitlab: &Gitlab, project: &Project, deployment_id: &str) -> Result<Deployment> {
    let deployment_id = numeric(deployment_id, "deployment_id")?;
    gitlab
        .db
        .deployments
        .get(&deployment_key(project.id, deployment_id))
        .ok_or_else(|| GitlabError::not_found("Deployment"))
}

/// A parameter Grape declares with `values:`: anything else is `<name> does not have a valid
/// value`.
fn one_of(params: &Params, name: &str, allowed: &[&str]) -> Result<Option<String>> {
    match params.str(name)? {
        None => Ok(None),
        Some(value) if allowed.contains(&value.as_str()) => Ok(Some(value)),
        Some(_) => Err(GitlabError::InvalidParameter(format!(
            "{name} does not have a valid value"
        ))),
    }
}

/// A `DateTime` parameter (ISO 8601, or a date), as our timestamps write it.
fn date_time(params: &Params, name: &str) -> Result<Option<String>> {
    let Some(text) = params.str(name)? else {
        return Ok(None);
    };
    let rfc3339 = time::format_description::well_known::Rfc3339;
    if let Ok(at) = time::OffsetDateTime::parse(&text, &rfc3339) {
        return Ok(Some(format_time(at.into())));
    }
    let date_only = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(date) = time::Date::parse(&text, &date_only) {
        return Ok(Some(format_time(date.midnight().assume_utc().into())));
    }
    Err(GitlabError::invalid(name))
}

async fn list_environments(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path(id): Path<String>,
    params: Params,
) -> Result<Page> {
    let project = reader(&gitlab, &caller, &id)?;
    if params.has("name") && params.has("search") {
        return Err(GitlabError::InvalidParameter(
            "name, search cannot be used together".into(),
        ));
    }
    let states = one_of(&params, "states", &["available", "stopping", "stopped"])?;
    let name = params.str("name")?;
    let search = params.str("search")?.filter(|text| !text.is_empty());
    if search.as_ref().is_some_and(|text| text.chars().count() < 3) {
        return Err(GitlabError::BadRequest(
            "Search query is less than 3 characters".into(),
        ));
    }
    let search = search.map(|text| text.to_lowercase());
    let items = gitlab
        .project_environments(project.id)
        .into_iter()
        .filter(|environment| name.as_ref().is_none_or(|name| environment.name == *name))
        .filter(|environment| {
            search
                .as_ref()
                .is_none_or(|prefix| environment.name.to_lowercase().starts_with(prefix))
        })
        .filter(|environment| {
            states
                .as_ref()
                .is_none_or(|state| environment.state == *state)
        })
        .map(|environment| gitlab.environment_json(&environment, false))
        .collect();
    paginate(items, &params, &url)
}

async fn get_environment(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, environment_id)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let project = reader(&gitlab, &caller, &id)?;
    let environment = find_environment(&gitlab, &project, &environment_id)?;
    Ok(Json(gitlab.environment_json(&environment, true)))
}

/// Fields a create or update may set, checked as Grape checks them.
fn apply_fields(params: &Params, environment: &mut Environment) -> Result<()> {
    if params.has("slug") {
        return Err(GitlabError::InvalidParameter(
            "slug is automatically generated and cannot be changed".into(),
        ));
    }
    if let Some(tier) = one_of(params, "tier", ENVIRONMENT_TIERS)? {
        environment.tier = tier;
    }
    if let Some(setting) = one_of(params, "auto_stop_setting", &["always", "with_action"])? {
        environment.auto_stop_setting = setting;
    }
    // GitLab stores blank URLs and descriptions as nothing.
    if params.get("external_url").is_some() {
        environment.external_url = params.str("external_url")?.filter(|url| !url.is_empty());
    }
    if params.get("description").is_some() {
        environment.description = params.str("description")?.filter(|text| !text.is_empty());
    }
    for unsupported in [
        "cluster_agent_id",
        "kubernetes_namespace",
        "flux_resource_path",
    ] {
        if params.has(unsupported) {
            // There are no cluster agents here; GitLab's own answer for one it cannot find.
            return Err(GitlabError::BadRequest(
                "cluster agent doesn't exist or cannot be associated with this environment".into(),
            ));
        }
    }
    Ok(())
}

async fn create_environment(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> Result<(StatusCode, Json<Value>)> {
    let project = developer(&gitlab, &caller, &id)?;
    require_all(&params, &["name"])?;
    let name = params.required_str("name")?;
    let mut environment = gitlab.new_environment(project.id, &name, None);
    let explicit_tier = params.has("tier");
    apply_fields(&params, &mut environment)?;
    if !explicit_tier {
        environment.tier = crate::environments::guess_tier(&name).into();
    }
    let created = gitlab.insert_environment(environment)?;
    Ok((
        StatusCode::CREATED,
        Json(gitlab.environment_json(&created, false)),
    ))
}

async fn update_environment(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, environment_id)): Path<(String, String)>,
    params: Params,
) -> Result<Json<Value>> {
    let project = developer(&gitlab, &caller, &id)?;
    let mut environment = find_environment(&gitlab, &project, &environment_id)?;
    apply_fields(&params, &mut environment)?;
    crate::environments::validate_environment(&environment, false)?;
    environment.updated_at = gitlab.now();
    let changes = environment.clone();
    let updated = gitlab
        .db
        .environments
        .update(&environment_key(project.id, environment.id), |record| {
            // The state may have moved meanwhile; only the fields the API sets change.
            record.tier = changes.tier.clone();
            record.external_url = changes.external_url.clone();
            record.description = changes.description.clone();
            record.auto_stop_setting = changes.auto_stop_setting.clone();
            record.updated_at = changes.updated_at.clone();
            record.clone()
        })?
        .ok_or_else(|| GitlabError::not_found("Environment"))?;
    Ok(Json(gitlab.environment_json(&updated, false)))
}

/// Only a stopped environment can be deleted (`403 Forbidden` otherwise); its deployments
/// go with it.
async fn delete_environment(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, environment_id)): Path<(String, String)>,
) -> Result<StatusCode> {
    let project = developer(&gitlab, &caller, &id)?;
    let environment = find_environment(&gitlab, &project, &environment_id)?;
    if environment.state != "stopped" {
        return Err(GitlabError::Forbidden);
    }
    let deployments: Vec<String> = gitlab
        .project_deployments(project.id)
        .into_iter()
        .filter(|deployment| deployment.environment_id == environment.id)
        .map(|deployment| deployment_key(project.id, deployment.id))
        .collect();
    gitlab.kit.store().transaction(|txn| {
        txn.remove(
            &gitlab.db.environments,
            &environment_key(project.id, environment.id),
        )?;
        for key in &deployments {
            txn.remove(&gitlab.db.deployments, key)?;
        }
        Ok::<_, GitlabError>(())
    })?;
    Ok(StatusCode::NO_CONTENT)
}

async fn stop_environment(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, environment_id)): Path<(String, String)>,
    params: Params,
) -> Result<Json<Value>> {
    let project = developer(&gitlab, &caller, &id)?;
    let environment = find_environment(&gitlab, &project, &environment_id)?;
    let force = params.bool("force")?.unwrap_or(false);
    let stopped = gitlab.stop_environment(&environment, force)?;
    Ok(Json(gitlab.environment_json(&stopped, false)))
}

/// `stop_stale`: `before` must lie between ten years and one week ago.
async fn stop_stale(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> Result<Json<Value>> {
    let project = developer(&gitlab, &caller, &id)?;
    require_all(&params, &["before"])?;
    let before = date_time(&params, "before")?.ok_or_else(|| GitlabError::missing("before"))?;
    let now = gitlab.kit.clock().now();
    let week = std::time::Duration::from_secs(7 * 86_400);
    let decade = std::time::Duration::from_secs(3_652 * 86_400);
    let earliest = format_time(now - decade);
    let latest = format_time(now - week);
    if before < earliest || before > latest {
        return Err(GitlabError::BadRequest("Invalid Date".into()));
    }
    gitlab.stop_stale_environments(project.id, &before)?;
    Ok(Json(
        json!({"message": "Successfully requested stop for all stale environments"}),
    ))
}

const DEPLOYMENT_STATUSES: &[&str] = &[
    "created", "running", "success", "failed", "canceled", "skipped", "blocked",
];

async fn list_deployments(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path(id): Path<String>,
    params: Params,
) -> Result<Page> {
    let project = reader(&gitlab, &caller, &id)?;
    let order_by = one_of(
        &params,
        "order_by",
        &["id", "iid", "created_at", "updated_at", "finished_at"],
    )?
    .unwrap_or_else(|| "id".into());
    let descending = one_of(&params, "sort", &["asc", "desc"])?.as_deref() == Some("desc");
    let status = one_of(&params, "status", DEPLOYMENT_STATUSES)?;
    let updated_after = date_time(&params, "updated_after")?;
    let updated_before = date_time(&params, "updated_before")?;
    let finished_after = date_time(&params, "finished_after")?;
    let finished_before = date_time(&params, "finished_before")?;
    let environment = params.str("environment")?.filter(|name| !name.is_empty());
    // GitLab's `DeploymentsFinder` refuses combinations it cannot answer efficiently.
    let by_updated = updated_after.is_some() || updated_before.is_some();
    let by_finished = finished_after.is_some() || finished_before.is_some();
    let finished_status = status
        .as_deref()
        .is_some_and(|s| matches!(s, "success" | "failed" | "canceled"));
    let inefficient = if by_updated && by_finished {
        Some("Both `updated_at` filter and `finished_at` filter can not be specified")
    } else if by_updated && order_by != "updated_at" {
        Some("`updated_at` filter requires `updated_at` sort")
    } else if by_finished && order_by != "finished_at" {
        Some("`finished_at` filter requires `finished_at` sort.")
    } else if order_by == "finished_at" && !(by_finished || finished_status) {
        Some(
            "`finished_at` sort requires `finished_at` filter or a filter with at least one of the finished statuses.",
        )
    } else if by_finished && status.as_deref() != Some("success") {
        Some("`finished_at` filter must be combined with `success` status filter.")
    } else {
        None
    };
    if let Some(message) = inefficient {
        return Err(GitlabError::BadRequest(message.into()));
    }
    let environment_id = environment.as_ref().map(|name| {
        gitlab
            .environment_by_name(project.id, name)
            .map(|environment| environment.id)
    });
    let mut deployments: Vec<Deployment> = gitlab
        .project_deployments(project.id)
        .into_iter()
        .filter(|d| environment_id.is_none_or(|wanted| Some(d.environment_id) == wanted))
        .filter(|d| status.as_ref().is_none_or(|s| d.status == *s))
        .filter(|d| updated_after.as_ref().is_none_or(|at| d.updated_at >= *at))
        .filter(|d| updated_before.as_ref().is_none_or(|at| d.updated_at <= *at))
        .filter(|d| {
            finished_after
                .as_ref()
                .is_none_or(|at| d.finished_at.as_ref().is_some_and(|f| f >= at))
        })
        .filter(|d| {
            finished_before
                .as_ref()
                .is_none_or(|at| d.finished_at.as_ref().is_some_and(|f| f < at))
        })
        .collect();
    // `created_at` and `iid` sort as `id` does; `updated_at` and `finished_at` break ties by
    // `id`.
    deployments.sort_by(|a, b| {
        let ordering = match order_by.as_str() {
            "updated_at" => a.updated_at.cmp(&b.updated_at),
            "finished_at" => a.finished_at.cmp(&b.finished_at),
            _ => std::cmp::Ordering::Equal,
        }
        .then_with(|| a.id.cmp(&b.id));
        if descending {
            ordering.reverse()
        } else {
            ordering
        }
    });
    let items = deployments
        .iter()
        .map(|deployment| gitlab.deployment_json(deployment))
        .collect();
    paginate(items, &params, &url)
}

async fn get_deployment(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, deployment_id)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let project = reader(&gitlab, &caller, &id)?;
    let deployment = find_deployment(&gitlab, &project, &deployment_id)?;
    Ok(Json(gitlab.deployment_json(&deployment)))
}

/// A deployment made through the API: the ref must exist, the environment is found or
/// created by name, and the same ref, sha, tag and status as the environment's last
/// deployment answer that deployment again.
async fn create_deployment(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> Result<(StatusCode, Json<Value>)> {
    let project = developer(&gitlab, &caller, &id)?;
    let user = caller.require_user()?.clone();
    require_all(&params, &["environment", "sha", "ref", "tag", "status"])?;
    let environment_name = params.required_str("environment")?;
    let sha = params.required_str("sha")?;
    let git_ref = params.required_str("ref")?;
    let tag = params.bool("tag")?.unwrap_or(false);
    let status = one_of(
        &params,
        "status",
        &["running", "success", "failed", "canceled"],
    )?
    .ok_or_else(|| GitlabError::missing("status"))?;
    let repo = gitlab.repo(&project)?;
    let commit_exists = |revision: &str| {
        simkit::git::names::check_revision(revision).is_ok()
            && repo.resolve(revision).ok().flatten().is_some()
    };
    if !commit_exists(&git_ref) {
        return Err(GitlabError::Validation(vec![(
            "ref".into(),
            "The branch or tag does not exist".into(),
        )]));
    }
    let environment = match gitlab.environment_by_name(project.id, &environment_name) {
        Some(environment) => environment,
        None => gitlab.insert_environment(gitlab.new_environment(
            project.id,
            &environment_name,
            None,
        ))?,
    };
    if let Some(last) = gitlab.last_deployment(&environment)
        && last.git_ref == git_ref
        && last.sha == sha
        && last.tag == tag
        && last.status == status
    {
        return Ok((StatusCode::CREATED, Json(gitlab.deployment_json(&last))));
    }
    if !commit_exists(&sha) {
        return Err(GitlabError::Validation(vec![(
            "sha".into(),
            "The commit does not exist".into(),
        )]));
    }
    let now = gitlab.now();
    let deployment = Deployment {
        id: gitlab.next_id("deployments")?,
        iid: gitlab.next_id(&format!("deployment_iids/{}", project.id))?,
        project_id: project.id,
        environment_id: environment.id,
        git_ref,
        sha,
        tag,
        status: "created".into(),
        user_id: user.id,
        created_at: now.clone(),
        updated_at: now,
        finished_at: None,
        deployable_id: None,
        on_stop: None,
    };
    gitlab.db.deployments.insert(
        &deployment_key(project.id, deployment.id),
        deployment.clone(),
    )?;
    let deployment = gitlab.set_deployment_status(&deployment, &status)?;
    if status == "success" {
        gitlab.deployment_succeeded(&deployment, None)?;
    }
    Ok((
        StatusCode::CREATED,
        Json(gitlab.deployment_json(&deployment)),
    ))
}

/// Only deployments made through the API change status here. A change the deployment's
/// state machine does not allow fails quietly in GitLab (the service answers false and the
/// model has no errors to render), so the answer is `200` with `null`.
async fn update_deployment(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, deployment_id)): Path<(String, String)>,
    params: Params,
) -> Result<Json<Value>> {
    let project = developer(&gitlab, &caller, &id)?;
    require_all(&params, &["status"])?;
    let status = one_of(
        &params,
        "status",
        &["running", "success", "failed", "canceled"],
    )?
    .ok_or_else(|| GitlabError::missing("status"))?;
    let deployment = find_deployment(&gitlab, &project, &deployment_id)?;
    if deployment.deployable_id.is_some() {
        return Err(GitlabError::ForbiddenBecause(
            "Deployments created using GitLab CI can not be updated using the API".into(),
        ));
    }
    if !deployment_transition_allowed(&deployment.status, &status) {
        return Ok(Json(Value::Null));
    }
    let updated = gitlab.set_deployment_status(&deployment, &status)?;
    if status == "success" {
        gitlab.deployment_succeeded(&updated, None)?;
    }
    Ok(Json(gitlab.deployment_json(&updated)))
}

async fn delete_deployment(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, deployment_id)): Path<(String, String)>,
) -> Result<StatusCode> {
    caller.require_user()?;
    let (project, _) = gitlab.project_with_access(&caller, &id, access::MAINTAINER)?;
    let deployment = find_deployment(&gitlab, &project, &deployment_id)?;
    if deployment.status == "running" {
        return Err(GitlabError::BadRequestMessage(
            "Cannot destroy running deployment".into(),
        ));
    }
    let last = gitlab
        .environment(project.id, deployment.environment_id)
        .and_then(|environment| gitlab.last_deployment(&environment));
    if last.is_some_and(|last| last.id == deployment.id) {
        return Err(GitlabError::BadRequestMessage(
            "Deployment currently deployed to environment".into(),
        ));
    }
    gitlab
        .db
        .deployments
        .remove(&deployment_key(project.id, deployment.id))?;
    Ok(StatusCode::NO_CONTENT)
}
