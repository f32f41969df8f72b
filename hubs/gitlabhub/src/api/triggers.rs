//! Pipeline triggers: trigger tokens (`/projects/:id/triggers`, maintainers only) and
//! `POST /projects/:id/trigger/pipeline`, which needs no other authentication than the token
//! and starts a pipeline with `CI_PIPELINE_SOURCE=trigger` and the `variables` given (a JSON
//! object, or `variables[KEY]=value` form fields).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use http::StatusCode;
use serde_json::{Value, json};

use super::numeric;
use super::pipelines::pipeline_ref;
use super::users::require_all;
use crate::auth::Caller;
use crate::engine::{NewPipeline, ZERO_SHA};
use crate::error::{GitlabError, Result};
use crate::model::{PipelineVariable, Project, Trigger, access, key};
use crate::paging::{Page, RequestUrl, paginate};
use crate::params::Params;
use crate::state::{Gitlab, records_under};

pub fn routes() -> Router<Arc<Gitlab>> {
    Router::new()
        .route(
            "/api/v4/projects/{id}/triggers",
            get(list_triggers).post(create_trigger),
        )
        .route(
            "/api/v4/projects/{id}/triggers/{trigger_id}",
            get(get_trigger).put(update_trigger).delete(delete_trigger),
        )
        .route(
            "/api/v4/projects/{id}/trigger/pipeline",
            post(trigger_pipeline),
        )
        // The runner API's older spelling, still served by GitLab.
        .route(
            "/api/v4/projects/{id}/ref/{git_ref}/trigger/pipeline",
            post(trigger_pipeline_with_ref),
        )
}

fn trigger_key(project_id: u64, trigger_id: u64) -> String {
    format!("{}/{}", key(project_id), key(trigger_id))
}

/// `Trigger`: the token in full for its owner, its first four characters for others.
fn trigger_json(gitlab: &Gitlab, trigger: &Trigger, viewer_id: u64) -> Value {
    let token = if trigger.owner_id == viewer_id {
        trigger.token.clone()
    } else {
        trigger.token.chars().take(4).collect()
    };
    json!({
        "id": trigger.id,
        "token": token,
        "description": trigger.description,
        "created_at": trigger.created_at,
        "updated_at": trigger.updated_at,
        "last_used": trigger.last_used,
        "expires_at": null,
        "owner": gitlab.user(trigger.owner_id).map_or(Value::Null, |user| gitlab.user_basic(&user)),
    })
}

fn maintained(gitlab: &Gitlab, caller: &Caller, id: &str) -> Result<(Project, u64)> {
    let (project, _) = gitlab.project_with_access(caller, id, access::MAINTAINER)?;
    let user_id = caller.require_personal()?.id;
    Ok((project, user_id))
}

fn find(gitlab: &Gitlab, project: &Project, trigger_id: &str) -> Result<Trigger> {
    let trigger_id = numeric(trigger_id, "trigger_id")?;
    gitlab
        .db
        .triggers
        .get(&trigger_key(project.id, trigger_id))
        .ok_or_else(|| GitlabError::not_found("Trigger"))
}

async fn list_triggers(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path(id): Path<String>,
    params: Params,
) -> Result<Page> {
    let (project, viewer) = maintained(&gitlab, &caller, &id)?;
    let items = records_under(&gitlab.db.triggers, &format!("{}/", key(project.id)))
        .iter()
        .map(|trigger| trigger_json(&gitlab, trigger, viewer))
        .collect();
    paginate(items, &params, &url)
}

async fn get_trigger(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, trigger_id)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let (project, viewer) = maintained(&gitlab, &caller, &id)?;
    let trigger = find(&gitlab, &project, &trigger_id)?;
    Ok(Json(trigger_json(&gitlab, &trigger, viewer)))
}

async fn create_trigger(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> Result<(StatusCode, Json<Value>)> {
    let (project, owner_id) = maintained(&gitlab, &caller, &id)?;
    require_all(&params, &["description"])?;
    let now = gitlab.now();
    let trigger = Trigger {
        id: gitlab.next_id("triggers")?,
        description: params.required_str("description")?,
        token: gitlab.new_token("glptt-"),
        owner_id,
        created_at: now.clone(),
        updated_at: now,
        last_used: None,
    };
    gitlab
        .db
        .triggers
        .insert(&trigger_key(project.id, trigger.id), trigger.clone())?;
    Ok((
        StatusCode::CREATED,
        Json(trigger_json(&gitlab, &trigger, owner_id)),
    ))
}

async fn update_trigger(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, trigger_id)): Path<(String, String)>,
    params: Params,
) -> Result<Json<Value>> {
    let (project, viewer) = maintained(&gitlab, &caller, &id)?;
    let trigger = find(&gitlab, &project, &trigger_id)?;
    let description = params.str("description")?;
    let now = gitlab.now();
    let updated = gitlab
        .db
        .triggers
        .update(&trigger_key(project.id, trigger.id), |record| {
            if let Some(description) = description {
                record.description = description;
            }
            record.updated_at = now;
            record.clone()
        })?
        .ok_or_else(|| GitlabError::not_found("Trigger"))?;
    Ok(Json(trigger_json(&gitlab, &updated, viewer)))
}

async fn delete_trigger(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, trigger_id)): Path<(String, String)>,
) -> Result<StatusCode> {
    let (project, _) = maintained(&gitlab, &caller, &id)?;
    let trigger = find(&gitlab, &project, &trigger_id)?;
    gitlab
        .db
        .triggers
        .remove(&trigger_key(project.id, trigger.id))?;
    Ok(StatusCode::NO_CONTENT)
}

/// `variables` as a JSON object, or `variables[KEY]=value` fields of a form.
fn trigger_variables(params: &Params) -> Result<Vec<PipelineVariable>> {
    let variable = |key: &str, value: &Value| PipelineVariable {
        key: key.to_string(),
        value: match value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        },
        variable_type: "env_var".into(),
    };
    match params.get("variables") {
        Some(Value::Object(map)) => Ok(map.iter().map(|(k, v)| variable(k, v)).collect()),
        Some(_) => Err(GitlabError::invalid("variables")),
        None => Ok(params
            .0
            .iter()
            .filter_map(|(name, value)| {
                let key = name.strip_prefix("variables[")?.strip_suffix(']')?;
                Some(variable(key, value))
            })
            .collect()),
    }
}

async fn trigger_pipeline(
    State(gitlab): State<Arc<Gitlab>>,
    Path(id): Path<String>,
    params: Params,
) -> Result<(StatusCode, Json<Value>)> {
    require_all(&params, &["token", "ref"])?;
    let git_ref = params.required_str("ref")?;
    run_trigger(&gitlab, &id, &git_ref, &params)
}

async fn trigger_pipeline_with_ref(
    State(gitlab): State<Arc<Gitlab>>,
    Path((id, git_ref)): Path<(String, String)>,
    params: Params,
) -> Result<(StatusCode, Json<Value>)> {
    require_all(&params, &["token"])?;
    run_trigger(&gitlab, &id, &git_ref, &params)
}

fn run_trigger(
    gitlab: &Gitlab,
    id: &str,
    git_ref: &str,
    params: &Params,
) -> Result<(StatusCode, Json<Value>)> {
    let token = params.required_str("token")?;
    // A wrong token, or a project that does not exist, is a bare `404 Not Found`.
    let project = gitlab.find_project(id).ok_or(GitlabError::NotFound(None))?;
    let trigger = records_under(&gitlab.db.triggers, &format!("{}/", key(project.id)))
        .into_iter()
        .find(|trigger| trigger.token == token)
        .ok_or(GitlabError::NotFound(None))?;
    let owner = gitlab
        .user(trigger.owner_id)
        .ok_or(GitlabError::NotFound(None))?;
    if gitlab.project_access(&owner, &project) < access::DEVELOPER {
        return Err(GitlabError::ForbiddenBecause(
            "Trigger owner does not have permission to run pipelines".into(),
        ));
    }
    let variables = trigger_variables(params)?;
    let (sha, tag) = pipeline_ref(&gitlab.repo(&project)?, git_ref)?;
    let pipeline = gitlab.create_pipeline(
        &project,
        &owner,
        NewPipeline {
            git_ref: git_ref.to_string(),
            tag,
            sha,
            before_sha: ZERO_SHA.into(),
            source: "trigger".into(),
            variables,
            changed_files: None,
            merge_request_iid: None,
            config_source: None,
            upstream: None,
        },
    )?;
    let now = gitlab.now();
    gitlab
        .db
        .triggers
        .update(&trigger_key(project.id, trigger.id), |record| {
            record.last_used = Some(now);
        })?;
    Ok((
        StatusCode::CREATED,
        Json(gitlab.pipeline_json(&pipeline, true)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(params: Params, expected: &[(&str, &str)]) {
        let variables = trigger_variables(&params).expect("variables");
        let got: Vec<(&str, &str)> = variables
            .iter()
            .map(|v| (v.key.as_str(), v.value.as_str()))
            .collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn variables_come_as_an_object_or_as_form_fields() {
        let mut object = serde_json::Map::new();
        object.insert("variables".into(), json!({"A": "1", "B": 2}));
        check(Params(object), &[("A", "1"), ("B", "2")]);
        check(
            Params::from_query(Some(
                "token=t&ref=main&variables[DEPLOY]=prod&variables[X]=",
            )),
            &[("DEPLOY", "prod"), ("X", "")],
        );
        check(Params::from_query(Some("token=t&ref=main")), &[]);
        let mut wrong = serde_json::Map::new();
        wrong.insert("variables".into(), json!("A=1"));
        assert!(trigger_variables(&Params(wrong)).is_err());
    }
}
