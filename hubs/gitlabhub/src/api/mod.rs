//! REST v4 under `/api/v4`: one module per resource, each a few routes whose handlers take the
//! caller and the parameters and answer GitLab's JSON or a `GitlabError`.
//!
//! What this module must not do: render errors itself (every error goes through
//! `GitlabError`) or page by hand (every listing uses `paging`).

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRequestParts;
use http::request::Parts;
use simkit::context::RequestContext;

use crate::auth::Caller;
use crate::error::{GitlabError, Result};
use crate::model::{Project, access};
use crate::paging::RequestUrl;
use crate::state::Gitlab;

mod compare;
mod environments;
mod groups;
mod hooks;
mod issues;
mod jobs;
pub(crate) mod labels;
mod lint;
mod members;
mod merge_requests;
pub(crate) mod milestones;
mod pipelines;
mod projects;
mod protected;
mod repository;
pub(crate) mod runners;
mod schedules;
mod triggers;
mod users;
mod variables;

pub fn router() -> Router<Arc<Gitlab>> {
    Router::new()
        .merge(users::routes())
        .merge(groups::routes())
        .merge(projects::routes())
        .merge(protected::routes())
        .merge(members::routes())
        .merge(merge_requests::routes())
        .merge(variables::routes())
        .merge(pipelines::routes())
        .merge(jobs::routes())
        .merge(runners::routes())
        .merge(repository::routes())
        .merge(compare::routes())
        .merge(triggers::routes())
        .merge(schedules::routes())
        .merge(lint::routes())
        .merge(environments::routes())
        .merge(hooks::routes())
        .merge(labels::routes())
        .merge(milestones::routes())
        .merge(issues::routes())
}

impl<S: Send + Sync> FromRequestParts<S> for RequestUrl {
    type Rejection = GitlabError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self> {
        let context = parts.extensions.get::<RequestContext>();
        let scheme = context.map_or("http", |c| c.scheme.as_str());
        let host = parts
            .headers
            .get(http::header::HOST)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string)
            .or_else(|| parts.uri.authority().map(|a| a.to_string()))
            .unwrap_or_else(|| "localhost".to_string());
        let query = parts
            .uri
            .query()
            .map(|query| {
                form_urlencoded::parse(query.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default();
        Ok(RequestUrl {
            base: format!("{scheme}://{host}"),
            path: parts.uri.path().to_string(),
            query,
        })
    }
}

impl Gitlab {
    /// A project the caller may see, with the caller's access level; `404 Project Not Found`
    /// otherwise (GitLab never reveals that a private project exists).
    pub fn visible_project(&self, caller: &Caller, id_or_path: &str) -> Result<(Project, i64)> {
        let project = self
            .find_project(id_or_path)
            .ok_or_else(|| GitlabError::not_found("Project"))?;
        let level = match caller {
            Caller::Anonymous => 0,
            Caller::User(user) => self.project_access(user, &project),
            // A job token reaches its own project only (GitLab's job token scope), as a
            // developer would.
            Caller::Job { job, user } => {
                if job.project_id == project.id {
                    self.project_access(user, &project).max(access::DEVELOPER)
                } else {
                    self.project_access(user, &project).min(access::REPORTER)
                }
            }
        };
        let visible = level >= access::GUEST
            || project.visibility == "public"
            || (project.visibility == "internal" && caller.user().is_some());
        if visible {
            Ok((project, level))
        } else {
            Err(GitlabError::not_found("Project"))
        }
    }

    /// Like `visible_project`, and the caller must have at least `needed`: `403 Forbidden`
    /// when they can see the project but not do this.
    pub fn project_with_access(
        &self,
        caller: &Caller,
        id_or_path: &str,
        needed: i64,
    ) -> Result<(Project, i64)> {
        let (project, level) = self.visible_project(caller, id_or_path)?;
        if level >= needed {
            Ok((project, level))
        } else if caller.user().is_none() {
            Err(GitlabError::Unauthorized)
        } else {
            Err(GitlabError::Forbidden)
        }
    }
}

/// A path ID parameter that must be a number (`:job_id`, `:pipeline_id`): anything else is
/// Grape's `{"error":"<name> is invalid"}`.
pub fn numeric(value: &str, name: &str) -> Result<u64> {
    value.parse().map_err(|_| GitlabError::invalid(name))
}

/// Sorts and orders records as `order_by`/`sort` ask, by a field each record shows.
pub fn sort_json(items: &mut [serde_json::Value], order_by: &str, descending: bool) {
    items.sort_by(|a, b| {
        let ordering =
            compare_json(&a[order_by], &b[order_by]).then_with(|| compare_json(&a["id"], &b["id"]));
        if descending {
            ordering.reverse()
        } else {
            ordering
        }
    });
}

fn compare_json(a: &serde_json::Value, b: &serde_json::Value) -> std::cmp::Ordering {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(std::cmp::Ordering::Equal),
        (Value::String(x), Value::String(y)) => x.to_lowercase().cmp(&y.to_lowercase()),
        (Value::Null, Value::Null) => std::cmp::Ordering::Equal,
        (Value::Null, _) => std::cmp::Ordering::Less,
        (_, Value::Null) => std::cmp::Ordering::Greater,
        _ => std::cmp::Ordering::Equal,
    }
}
