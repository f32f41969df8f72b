//! Runners as users manage them: `/runners` (the caller's), `/runners/all` (administrators),
//! `/runners/:id` (get, update, delete), `/projects/:id/runners`. Registration and the job
//! protocol are in `runner_api`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use http::StatusCode;
use serde_json::Value;

use crate::auth::Caller;
use crate::error::{GitlabError, Result};
use crate::model::{Runner, User, access, key};
use crate::paging::{Page, RequestUrl, paginate};
use crate::params::Params;
use crate::state::Gitlab;

pub fn routes() -> Router<Arc<Gitlab>> {
    Router::new()
        .route("/api/v4/runners/all", get(list_all))
        .route(
            "/api/v4/runners/{id}",
            get(get_runner).put(update_runner).delete(delete_runner),
        )
        .route("/api/v4/projects/{id}/runners", get(list_project_runners))
}

impl Gitlab {
    /// Whether `user` may see and manage `runner`: administrators any; others the runners of
    /// projects and groups they maintain.
    fn can_manage_runner(&self, user: &User, runner: &Runner) -> bool {
        user.is_admin
            || runner.project_ids.iter().any(|id| {
                self.project(*id).is_some_and(|project| {
                    self.project_access(user, &project) >= access::MAINTAINER
                })
            })
            || runner
                .group_ids
                .iter()
                .any(|id| self.group_access(user, *id) >= access::MAINTAINER)
    }
}

fn filter(
    gitlab: &Gitlab,
    runners: Vec<Runner>,
    params: &Params,
    detailed: bool,
) -> Result<Vec<Value>> {
    let kind = params.str("type")?;
    if let Some(kind) = &kind
        && !["instance_type", "group_type", "project_type"].contains(&kind.as_str())
    {
        return Err(GitlabError::InvalidParameter(
            "type does not have a valid value".into(),
        ));
    }
    let paused = params.bool("paused")?;
    let tags = params.list("tag_list")?;
    Ok(runners
        .into_iter()
        .filter(|r| kind.as_ref().is_none_or(|k| r.runner_type == *k))
        .filter(|r| paused.is_none_or(|p| r.paused == p))
        .filter(|r| {
            tags.as_ref()
                .is_none_or(|t| t.iter().all(|tag| r.tag_list.contains(tag)))
        })
        .map(|r| gitlab.runner_json(&r, detailed))
        .collect())
}

/// `GET /runners`: runners the caller owns (not instance runners, even for administrators).
pub async fn list_owned(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    params: Params,
) -> Result<Page> {
    let user = caller.require_personal()?.clone();
    let runners = gitlab
        .db
        .runners
        .all()
        .into_iter()
        .map(|(_, runner)| runner)
        .filter(|runner| runner.runner_type != "instance_type")
        .filter(|runner| {
            let mut plain = user.clone();
            plain.is_admin = false;
            gitlab.can_manage_runner(&plain, runner)
        })
        .collect();
    let items = filter(&gitlab, runners, &params, false)?;
    paginate(items, &params, &url)
}

async fn list_all(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    params: Params,
) -> Result<Page> {
    caller.require_admin()?;
    let runners = gitlab
        .db
        .runners
        .all()
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    let items = filter(&gitlab, runners, &params, false)?;
    paginate(items, &params, &url)
}

fn find_runner(gitlab: &Gitlab, caller: &Caller, id: &str) -> Result<Runner> {
    let user = caller.require_personal()?;
    let id: u64 = id.parse().map_err(|_| GitlabError::not_found("Runner"))?;
    let runner = gitlab
        .db
        .runners
        .get(&key(id))
        .ok_or_else(|| GitlabError::not_found("Runner"))?;
    if gitlab.can_manage_runner(user, &runner) || runner.runner_type == "instance_type" {
        Ok(runner)
    } else {
        Err(GitlabError::Forbidden)
    }
}

async fn get_runner(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    let runner = find_runner(&gitlab, &caller, &id)?;
    Ok(Json(gitlab.runner_json(&runner, true)))
}

async fn update_runner(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> Result<Json<Value>> {
    let runner = find_runner(&gitlab, &caller, &id)?;
    let user = caller.require_personal()?;
    if !gitlab.can_manage_runner(user, &runner) {
        return Err(GitlabError::Forbidden);
    }
    let description = params.str("description")?;
    let paused = match (params.bool("paused")?, params.bool("active")?) {
        (Some(p), _) => Some(p),
        (None, Some(active)) => Some(!active),
        _ => None,
    };
    let tags = params.list("tag_list")?;
    let run_untagged = params.bool("run_untagged")?;
    let locked = params.bool("locked")?;
    let maximum_timeout = params.int("maximum_timeout")?;
    crate::runner_api::check_maximum_timeout(maximum_timeout)?;
    let updated = gitlab
        .db
        .runners
        .update(&key(runner.id), |record| {
            if let Some(d) = description {
                record.description = d;
            }
            if let Some(p) = paused {
                record.paused = p;
            }
            if let Some(t) = tags {
                record.tag_list = t;
            }
            if let Some(r) = run_untagged {
                record.run_untagged = r;
            }
            if let Some(l) = locked {
                record.locked = l;
            }
            if maximum_timeout.is_some() {
                record.maximum_timeout = maximum_timeout;
            }
            record.clone()
        })?
        .ok_or_else(|| GitlabError::not_found("Runner"))?;
    Ok(Json(gitlab.runner_json(&updated, true)))
}

async fn delete_runner(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    let runner = find_runner(&gitlab, &caller, &id)?;
    let user = caller.require_personal()?;
    if !gitlab.can_manage_runner(user, &runner) {
        return Err(GitlabError::Forbidden);
    }
    gitlab.delete_runner(&runner)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_project_runners(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path(id): Path<String>,
    params: Params,
) -> Result<Page> {
    let (project, _) = gitlab.project_with_access(&caller, &id, access::MAINTAINER)?;
    let runners = gitlab
        .db
        .runners
        .all()
        .into_iter()
        .map(|(_, r)| r)
        .filter(|r| r.runner_type == "instance_type" || r.project_ids.contains(&project.id))
        .collect();
    let items = filter(&gitlab, runners, &params, false)?;
    paginate(items, &params, &url)
}
