//! Projects: create (in the caller's namespace or a group's), get by ID or URL-encoded path,
//! list with `search`/`owned`/`membership`/`visibility`, update, delete.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use http::StatusCode;
use serde_json::{Value, json};

use super::groups::{PATH_RULE, VISIBILITIES, valid_path};
use super::sort_json;
use crate::auth::Caller;
use crate::error::{GitlabError, Result};
use crate::model::{Owner, Project, access, key};
use crate::paging::{Page, RequestUrl, paginate};
use crate::params::Params;
use crate::state::Gitlab;

pub fn routes() -> Router<Arc<Gitlab>> {
    Router::new()
        .route("/api/v4/projects", get(list_projects).post(create_project))
        .route(
            "/api/v4/projects/{id}",
            get(get_project).put(update_project).delete(delete_project),
        )
}

/// Project names: letters, digits, emoji, `_`, `.`, `+`, dashes and spaces, starting with a
/// letter, digit, emoji or `_`.
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_alphanumeric() || c == '_' || !c.is_ascii())
        && name.chars().all(|c| {
            c.is_alphanumeric() || matches!(c, '_' | '.' | '+' | '-' | ' ') || !c.is_ascii()
        })
}

/// The path GitLab derives from a name: lower case, runs of other characters as `-`.
fn path_from_name(name: &str) -> String {
    let mut path = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '_' | '.') {
            path.push(c.to_ascii_lowercase());
        } else if !path.ends_with('-') {
            path.push('-');
        }
    }
    path.trim_matches('-').to_string()
}

impl Gitlab {
    /// Removes a project and everything it holds (members, variables, pipelines, jobs,
    /// traces, artifacts).
    pub fn delete_project(&self, project_id: u64) -> Result<()> {
        let Some(project) = self.project(project_id) else {
            return Err(GitlabError::not_found("Project"));
        };
        let jobs: Vec<crate::model::Job> = self
            .db
            .jobs
            .all()
            .into_iter()
            .map(|(_, job)| job)
            .filter(|job| job.project_id == project_id)
            .collect();
        let pipelines: Vec<String> = self
            .db
            .pipelines
            .all()
            .into_iter()
            .filter(|(_, pipeline)| pipeline.project_id == project_id)
            .map(|(key, _)| key)
            .collect();
        let prefix = format!("{}/", key(project_id));
        self.kit.store().transaction(|txn| {
            txn.remove(&self.db.projects, &key(project_id))?;
            txn.remove(
                &self.db.projects_by_path,
                &project.path_with_namespace.to_ascii_lowercase(),
            )?;
            txn.remove_prefix(&self.db.project_members, &prefix)?;
            txn.remove_prefix(&self.db.project_variables, &prefix)?;
            txn.remove_prefix(&self.db.protected_branches, &prefix)?;
            txn.remove_prefix(&self.db.protected_tags, &prefix)?;
            txn.remove_prefix(&self.db.environments, &prefix)?;
            txn.remove_prefix(&self.db.deployments, &prefix)?;
            txn.remove_prefix(&self.db.pipeline_schedules, &prefix)?;
            for pipeline in &pipelines {
                txn.remove(&self.db.pipelines, pipeline)?;
            }
            for job in &jobs {
                txn.remove(&self.db.jobs, &key(job.id))?;
                txn.remove(&self.db.traces, &key(job.id))?;
                txn.remove(&self.db.jobs_by_token, &crate::state::digest(&job.token))?;
            }
            Ok::<_, GitlabError>(())
        })?;
        for job in &jobs {
            let _ = std::fs::remove_file(self.artifacts_path(job.id));
        }
        self.remove_repository(project_id);
        Ok(())
    }
}

/// Filters, orders and presents projects for a listing.
pub fn filter_projects(
    gitlab: &Gitlab,
    caller: &Caller,
    projects: Vec<Project>,
    params: &Params,
) -> Result<Vec<Value>> {
    let search = params.str("search")?.map(|s| s.to_lowercase());
    let owned = params.bool("owned")?.unwrap_or(false);
    let membership = params.bool("membership")?.unwrap_or(false);
    let visibility = params.str("visibility")?;
    let archived = params.bool("archived")?;
    let min_access = params.int("min_access_level")?;
    let simple = params.bool("simple")?.unwrap_or(false);
    if let Some(visibility) = &visibility
        && !VISIBILITIES.contains(&visibility.as_str())
    {
        return Err(GitlabError::InvalidParameter(
            "visibility does not have a valid value".into(),
        ));
    }
    let order_by = params
        .str("order_by")?
        .unwrap_or_else(|| "created_at".into());
    if ![
        "id",
        "name",
        "path",
        "created_at",
        "updated_at",
        "last_activity_at",
        "similarity",
        "star_count",
    ]
    .contains(&order_by.as_str())
    {
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
    let user = caller.user();
    let mut out: Vec<Value> = projects
        .into_iter()
        .filter_map(|project| gitlab.visible_project(caller, &project.id.to_string()).ok())
        .filter(|(project, _)| {
            search.as_ref().is_none_or(|term| {
                project.name.to_lowercase().contains(term)
                    || project.path.to_lowercase().contains(term)
                    || project.path_with_namespace.to_lowercase().contains(term)
            })
        })
        .filter(|(project, _)| !owned || user.is_some_and(|u| project.owner == Owner::User(u.id)))
        .filter(|(project, _)| !membership || user.is_some_and(|u| gitlab.is_member(u, project)))
        .filter(|(project, _)| visibility.as_ref().is_none_or(|v| project.visibility == *v))
        .filter(|(project, _)| archived.is_none_or(|a| project.archived == a))
        .filter(|(_, level)| min_access.is_none_or(|min| *level >= min))
        .map(|(project, level)| {
            let full = gitlab.project_json(&project, level);
            if simple {
                let fields = [
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
                ];
                Value::Object(
                    fields
                        .iter()
                        .map(|f| (f.to_string(), full[*f].clone()))
                        .collect(),
                )
            } else {
                full
            }
        })
        .collect();
    let field = match order_by.as_str() {
        "similarity" => "name",
        "updated_at" => "last_activity_at",
        other => other,
    };
    sort_json(&mut out, field, sort == "desc");
    Ok(out)
}

async fn list_projects(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    params: Params,
) -> Result<Page> {
    let projects = gitlab
        .db
        .projects
        .all()
        .into_iter()
        .map(|(_, project)| project)
        .collect();
    let out = filter_projects(&gitlab, &caller, projects, &params)?;
    paginate(out, &params, &url)
}

async fn create_project(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    params: Params,
) -> Result<(StatusCode, Json<Value>)> {
    let user = caller.require_personal()?.clone();
    let name = params.str("name")?;
    let path = params.str("path")?;
    let (name, path) = match (name, path) {
        (None, None) => {
            return Err(GitlabError::InvalidParameter(
                "name, path are missing, at least one parameter must be provided".into(),
            ));
        }
        (Some(name), None) => {
            let path = path_from_name(&name);
            (name, path)
        }
        (None, Some(path)) => (path.clone(), path),
        (Some(name), Some(path)) => (name, path),
    };
    let visibility = params
        .str("visibility")?
        .unwrap_or_else(|| "private".into());
    if !VISIBILITIES.contains(&visibility.as_str()) {
        return Err(GitlabError::InvalidParameter(
            "visibility does not have a valid value".into(),
        ));
    }
    let owner = match params.int("namespace_id")? {
        None => Owner::User(user.id),
        Some(namespace) if namespace as u64 == user.namespace_id => Owner::User(user.id),
        Some(namespace) => {
            let group = gitlab
                .group(namespace as u64)
                .filter(|group| gitlab.can_see_group(&caller, group))
                .ok_or_else(|| GitlabError::not_found("Namespace"))?;
            if gitlab.group_access(&user, group.id) < access::DEVELOPER {
                return Err(GitlabError::ForbiddenBecause(
                    "You don't have permission to create projects in this namespace".into(),
                ));
            }
            Owner::Group(group.id)
        }
    };
    let mut problems = Vec::new();
    if !valid_name(&name) {
        problems.push((
            "name".to_string(),
            "can contain only letters, digits, emoji, '_', '.', '+', dashes, or spaces. It must start with a letter, digit, emoji, or '_'.".to_string(),
        ));
    }
    if !valid_path(&path) {
        problems.push(("path".to_string(), PATH_RULE.to_string()));
    }
    if !problems.is_empty() {
        return Err(GitlabError::Validation(problems));
    }
    let namespace_path = gitlab
        .namespace_path(&owner)
        .ok_or_else(|| GitlabError::not_found("Namespace"))?;
    let namespace_name = match &owner {
        Owner::User(_) => user.name.clone(),
        Owner::Group(id) => gitlab.group(*id).map(|g| g.full_name).unwrap_or_default(),
    };
    let path_with_namespace = format!("{namespace_path}/{path}");
    let lowered = path_with_namespace.to_ascii_lowercase();
    let default_branch = params
        .str("default_branch")?
        .unwrap_or_else(|| "main".into());
    let now = gitlab.now();
    let id = gitlab.next_id("projects")?;
    let project = Project {
        id,
        name: name.clone(),
        path,
        owner: owner.clone(),
        path_with_namespace,
        name_with_namespace: format!("{namespace_name} / {name}"),
        description: params.str("description")?.unwrap_or_default(),
        visibility,
        default_branch,
        created_at: now.clone(),
        last_activity_at: now,
        creator_id: user.id,
        runners_token: gitlab.new_token("GR1348941"),
        ci_config_path: params.str("ci_config_path")?.filter(|p| !p.is_empty()),
        archived: false,
        topics: params.list("topics")?.unwrap_or_default(),
        pipeline_iid: 0,
        ci_default_git_depth: 20,
        merge_request_iid: 0,
        merge_method: "merge".into(),
        default_branch_protection_applied: false,
    };
    let same_namespace: Vec<Project> = gitlab
        .db
        .projects
        .all()
        .into_iter()
        .map(|(_, p)| p)
        .filter(|p| p.owner == owner)
        .collect();
    gitlab.kit.store().transaction(|txn| {
        let mut taken = Vec::new();
        if same_namespace
            .iter()
            .any(|p| p.name.eq_ignore_ascii_case(&project.name))
        {
            taken.push(("name".to_string(), "has already been taken".to_string()));
        }
        if txn.contains(&gitlab.db.projects_by_path, &lowered)? {
            taken.push(("path".to_string(), "has already been taken".to_string()));
        }
        if !taken.is_empty() {
            return Err(GitlabError::Validation(taken));
        }
        txn.insert(&gitlab.db.projects, &key(id), project.clone())?;
        txn.insert(&gitlab.db.projects_by_path, &lowered, id)?;
        if owner == Owner::User(user.id) {
            // A personal project's creator is its owner member, as in GitLab.
            let member = crate::model::Member {
                user_id: user.id,
                access_level: access::OWNER,
                created_at: project.created_at.clone(),
                expires_at: None,
                created_by: Some(user.id),
            };
            txn.insert(
                &gitlab.db.project_members,
                &format!("{}/{}", key(id), key(user.id)),
                member,
            )?;
        }
        Ok(())
    })?;
    let readme = params.bool("initialize_with_readme")?.unwrap_or(false);
    if let Err(error) = gitlab.create_repository(&project, readme.then_some(&user)) {
        // Without its repository the project is unusable: take the records back.
        let _ = gitlab.delete_project(project.id);
        return Err(error);
    }
    let level = gitlab.project_access(&user, &project);
    Ok((
        StatusCode::CREATED,
        Json(gitlab.project_json(&project, level)),
    ))
}

async fn get_project(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    let (project, level) = gitlab.visible_project(&caller, &id)?;
    Ok(Json(gitlab.project_json(&project, level)))
}

async fn update_project(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> Result<Json<Value>> {
    let (project, level) = gitlab.project_with_access(&caller, &id, access::MAINTAINER)?;
    if let Some(visibility) = params.str("visibility")?
        && !VISIBILITIES.contains(&visibility.as_str())
    {
        return Err(GitlabError::InvalidParameter(
            "visibility does not have a valid value".into(),
        ));
    }
    if let Some(name) = params.str("name")?
        && !valid_name(&name)
    {
        return Err(GitlabError::Validation(vec![(
            "name".into(),
            "can contain only letters, digits, emoji, '_', '.', '+', dashes, or spaces. It must start with a letter, digit, emoji, or '_'.".into(),
        )]));
    }
    if params.has("path") && params.str("path")? != Some(project.path.clone()) {
        return Err(GitlabError::BadRequest(
            "changing a project's path is not supported by this GitLab fake".into(),
        ));
    }
    if let Some(branch) = params.str("default_branch")?
        && branch != project.default_branch
    {
        gitlab.set_default_branch(&project, &branch)?;
    }
    let name = params.str("name")?;
    let description = params.str("description")?;
    let visibility = params.str("visibility")?;
    let default_branch = params.str("default_branch")?;
    let ci_config_path = params.str("ci_config_path")?;
    let topics = params.list("topics")?;
    let archived = params.bool("archived")?;
    let git_depth = params.int("ci_default_git_depth")?;
    let merge_method = params.str("merge_method")?;
    if merge_method
        .as_deref()
        .is_some_and(|method| !["merge", "rebase_merge", "ff"].contains(&method))
    {
        return Err(GitlabError::InvalidParameter(
            "merge_method does not have a valid value".into(),
        ));
    }
    if git_depth.is_some_and(|depth| !(0..=1000).contains(&depth)) {
        return Err(GitlabError::Validation(vec![(
            "ci_default_git_depth".into(),
            "must be less than or equal to 1000".into(),
        )]));
    }
    let now = gitlab.now();
    let updated = gitlab
        .db
        .projects
        .update(&key(project.id), |record| {
            if let Some(name) = name {
                record.name_with_namespace = match record.name_with_namespace.rsplit_once(" / ") {
                    Some((namespace, _)) => format!("{namespace} / {name}"),
                    None => name.clone(),
                };
                record.name = name;
            }
            if let Some(description) = description {
                record.description = description;
            }
            if let Some(visibility) = visibility {
                record.visibility = visibility;
            }
            if let Some(branch) = default_branch {
                record.default_branch = branch;
            }
            if let Some(path) = ci_config_path {
                record.ci_config_path = (!path.is_empty()).then_some(path);
            }
            if let Some(topics) = topics {
                record.topics = topics;
            }
            if let Some(archived) = archived {
                record.archived = archived;
            }
            if let Some(depth) = git_depth {
                record.ci_default_git_depth = depth;
            }
            if let Some(method) = merge_method {
                record.merge_method = method;
            }
            record.last_activity_at = now;
            record.clone()
        })?
        .ok_or_else(|| GitlabError::not_found("Project"))?;
    Ok(Json(gitlab.project_json(&updated, level)))
}

async fn delete_project(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Value>)> {
    let (project, _) = gitlab.project_with_access(&caller, &id, access::OWNER)?;
    gitlab.delete_project(project.id)?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"message": "202 Accepted"})),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_paths() {
        assert_eq!(path_from_name("My Project"), "my-project");
        assert_eq!(path_from_name("a  b!c"), "a-b-c");
        assert!(valid_name("My project_1.0+x"));
        assert!(!valid_name("-x"));
        assert!(!valid_name("a/b"));
    }
}
