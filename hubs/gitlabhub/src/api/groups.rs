//! Groups and subgroups: `/groups`, `/groups/:id`, `/groups/:id/subgroups`,
//! `/groups/:id/projects`. A group's full path is its ancestors' paths joined by `/`; a group
//! ID parameter is a number or a URL-encoded full path.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use http::StatusCode;
use serde_json::{Value, json};

use super::sort_json;
use super::users::require_all;
use crate::auth::Caller;
use crate::error::{GitlabError, Result};
use crate::model::{Group, Member, User, access, key};
use crate::paging::{Page, RequestUrl, paginate};
use crate::params::Params;
use crate::state::Gitlab;

pub fn routes() -> Router<Arc<Gitlab>> {
    Router::new()
        .route("/api/v4/groups", get(list_groups).post(create_group))
        .route(
            "/api/v4/groups/{id}",
            get(get_group).put(update_group).delete(delete_group),
        )
        .route("/api/v4/groups/{id}/subgroups", get(list_subgroups))
        .route("/api/v4/groups/{id}/projects", get(list_group_projects))
}

pub const VISIBILITIES: &[&str] = &["private", "internal", "public"];

/// GitLab's path rule for groups and projects.
pub fn valid_path(path: &str) -> bool {
    !path.is_empty()
        && path.len() <= 255
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && path
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && !path.ends_with(".git")
        && !path.ends_with(".atom")
        && !path.ends_with('.')
}

pub const PATH_RULE: &str = "can contain only letters, digits, '_', '-' and '.'. Cannot start with '-', end in '.git' or end in '.atom'";

impl Gitlab {
    pub fn can_see_group(&self, caller: &Caller, group: &Group) -> bool {
        group.visibility == "public"
            || (group.visibility == "internal" && caller.user().is_some())
            || caller.user().is_some_and(|user| {
                self.group_access(user, group.id) > 0 || self.member_below(user, group)
            })
    }

    /// Whether `user` is a member of a project or subgroup inside `group` (which makes the
    /// group visible to them, as in GitLab).
    fn member_below(&self, user: &User, group: &Group) -> bool {
        self.db.projects.all().iter().any(|(_, project)| {
            matches!(project.owner, crate::model::Owner::Group(id) if self.group_ancestry(id).iter().any(|g| g.id == group.id))
                && self.project_access(user, project) > 0
        })
    }

    pub fn visible_group(&self, caller: &Caller, id_or_path: &str) -> Result<Group> {
        let group = self.find_group(id_or_path)?;
        if self.can_see_group(caller, &group) {
            Ok(group)
        } else {
            Err(GitlabError::not_found("Group"))
        }
    }

    /// Every group below `group_id`, at any depth.
    pub fn descendant_groups(&self, group_id: u64) -> Vec<Group> {
        let all: Vec<Group> = self.db.groups.all().into_iter().map(|(_, g)| g).collect();
        let mut found = Vec::new();
        let mut frontier = vec![group_id];
        while let Some(parent) = frontier.pop() {
            for group in all.iter().filter(|g| g.parent_id == Some(parent)) {
                frontier.push(group.id);
                found.push(group.clone());
            }
        }
        found
    }
}

fn filter_and_sort(
    gitlab: &Gitlab,
    caller: &Caller,
    groups: Vec<Group>,
    params: &Params,
) -> Result<Vec<Value>> {
    let search = params.str("search")?.map(|s| s.to_lowercase());
    let owned = params.bool("owned")?.unwrap_or(false);
    let min_access = params.int("min_access_level")?;
    let show_tokens_for = caller.user().cloned();
    let mut out: Vec<Value> = groups
        .into_iter()
        .filter(|group| gitlab.can_see_group(caller, group))
        .filter(|group| {
            search.as_ref().is_none_or(|term| {
                group.name.to_lowercase().contains(term) || group.path.to_lowercase().contains(term)
            })
        })
        .filter(|group| {
            let level = caller
                .user()
                .map_or(0, |user| gitlab.group_access(user, group.id));
            (!owned || level >= access::OWNER) && min_access.is_none_or(|min| level >= min)
        })
        .map(|group| {
            let show = show_tokens_for
                .as_ref()
                .is_some_and(|user| gitlab.group_access(user, group.id) >= access::MAINTAINER);
            gitlab.group_json(&group, show)
        })
        .collect();
    let order_by = params.str("order_by")?.unwrap_or_else(|| "name".into());
    if !["name", "path", "id", "similarity"].contains(&order_by.as_str()) {
        return Err(GitlabError::InvalidParameter(
            "order_by does not have a valid value".into(),
        ));
    }
    let sort = params.str("sort")?.unwrap_or_else(|| "asc".into());
    sort_json(
        &mut out,
        if order_by == "similarity" {
            "name"
        } else {
            &order_by
        },
        sort == "desc",
    );
    Ok(out)
}

async fn list_groups(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    params: Params,
) -> Result<Page> {
    let top_level_only = params.bool("top_level_only")?.unwrap_or(false);
    let groups: Vec<Group> = gitlab
        .db
        .groups
        .all()
        .into_iter()
        .map(|(_, group)| group)
        .filter(|group| !top_level_only || group.parent_id.is_none())
        .collect();
    let out = filter_and_sort(&gitlab, &caller, groups, &params)?;
    paginate(out, &params, &url)
}

async fn list_subgroups(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path(id): Path<String>,
    params: Params,
) -> Result<Page> {
    let parent = gitlab.visible_group(&caller, &id)?;
    let groups: Vec<Group> = gitlab
        .db
        .groups
        .all()
        .into_iter()
        .map(|(_, group)| group)
        .filter(|group| group.parent_id == Some(parent.id))
        .collect();
    let out = filter_and_sort(&gitlab, &caller, groups, &params)?;
    paginate(out, &params, &url)
}

async fn create_group(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    params: Params,
) -> Result<(StatusCode, Json<Value>)> {
    let user = caller.require_personal()?.clone();
    require_all(&params, &["name", "path"])?;
    let name = params.required_str("name")?;
    let path = params.required_str("path")?;
    let visibility = params
        .str("visibility")?
        .unwrap_or_else(|| "private".into());
    if !VISIBILITIES.contains(&visibility.as_str()) {
        return Err(GitlabError::InvalidParameter(
            "visibility does not have a valid value".into(),
        ));
    }
    let parent = match params.int("parent_id")? {
        Some(parent_id) => {
            let parent = gitlab
                .group(parent_id as u64)
                .filter(|group| gitlab.can_see_group(&caller, group))
                .ok_or_else(|| GitlabError::not_found("Group"))?;
            if gitlab.group_access(&user, parent.id) < access::MAINTAINER {
                return Err(GitlabError::Forbidden);
            }
            Some(parent)
        }
        None => None,
    };
    if !valid_path(&path) {
        return Err(GitlabError::BadRequestMessage(format!(
            "Failed to save group {{:path=>[\"{PATH_RULE}\"]}}"
        )));
    }
    let full_path = match &parent {
        Some(parent) => format!("{}/{path}", parent.full_path),
        None => path.clone(),
    };
    let full_name = match &parent {
        Some(parent) => format!("{} / {name}", parent.full_name),
        None => name.clone(),
    };
    let lowered = full_path.to_ascii_lowercase();
    let id = gitlab.next_id("namespaces")?;
    let group = Group {
        id,
        name,
        path,
        full_path,
        full_name,
        parent_id: parent.as_ref().map(|p| p.id),
        description: params.str("description")?.unwrap_or_default(),
        visibility,
        created_at: gitlab.now(),
        runners_token: gitlab.new_token("GR1348941"),
    };
    let member = Member {
        user_id: user.id,
        access_level: access::OWNER,
        created_at: gitlab.now(),
        expires_at: None,
        created_by: Some(user.id),
    };
    gitlab.kit.store().transaction(|txn| {
        let taken = txn.contains(&gitlab.db.groups_by_path, &lowered)?
            || (parent.is_none() && txn.contains(&gitlab.db.users_by_name, &lowered)?);
        if taken {
            return Err(GitlabError::BadRequestMessage(
                "Failed to save group {:path=>[\"has already been taken\"]}".into(),
            ));
        }
        txn.insert(&gitlab.db.groups, &key(id), group.clone())?;
        txn.insert(&gitlab.db.groups_by_path, &lowered, id)?;
        txn.insert(
            &gitlab.db.group_members,
            &format!("{}/{}", key(id), key(user.id)),
            member,
        )?;
        Ok(())
    })?;
    Ok((StatusCode::CREATED, Json(gitlab.group_json(&group, true))))
}

async fn get_group(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    let group = gitlab.visible_group(&caller, &id)?;
    let level = caller
        .user()
        .map_or(0, |user| gitlab.group_access(user, group.id));
    let mut body = gitlab.group_json(&group, level >= access::MAINTAINER);
    let projects: Vec<Value> = gitlab
        .db
        .projects
        .all()
        .into_iter()
        .map(|(_, project)| project)
        .filter(|project| project.owner == crate::model::Owner::Group(group.id))
        .filter_map(|project| {
            gitlab
                .visible_project(&caller, &project.id.to_string())
                .ok()
                .map(|(project, level)| gitlab.project_json(&project, level))
        })
        .collect();
    body["projects"] = Value::Array(projects);
    body["shared_projects"] = json!([]);
    Ok(Json(body))
}

async fn update_group(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> Result<Json<Value>> {
    let user = caller.require_personal()?.clone();
    let group = gitlab.visible_group(&caller, &id)?;
    if gitlab.group_access(&user, group.id) < access::OWNER {
        return Err(GitlabError::Forbidden);
    }
    if let Some(visibility) = params.str("visibility")?
        && !VISIBILITIES.contains(&visibility.as_str())
    {
        return Err(GitlabError::InvalidParameter(
            "visibility does not have a valid value".into(),
        ));
    }
    if params.has("path") && params.str("path")? != Some(group.path.clone()) {
        // Moving a group's path moves every project and subgroup below it; not supported yet.
        return Err(GitlabError::BadRequest(
            "changing a group's path is not supported by this GitLab fake".into(),
        ));
    }
    let name = params.str("name")?;
    let description = params.str("description")?;
    let visibility = params.str("visibility")?;
    let updated = gitlab
        .db
        .groups
        .update(&key(group.id), |record| {
            if let Some(name) = name {
                record.name = name;
            }
            if let Some(description) = description {
                record.description = description;
            }
            if let Some(visibility) = visibility {
                record.visibility = visibility;
            }
            record.clone()
        })?
        .ok_or_else(|| GitlabError::not_found("Group"))?;
    Ok(Json(gitlab.group_json(&updated, true)))
}

async fn delete_group(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Value>)> {
    let user = caller.require_personal()?.clone();
    let group = gitlab.visible_group(&caller, &id)?;
    if gitlab.group_access(&user, group.id) < access::OWNER {
        return Err(GitlabError::Forbidden);
    }
    let mut groups = gitlab.descendant_groups(group.id);
    groups.push(group);
    let group_ids: Vec<u64> = groups.iter().map(|g| g.id).collect();
    let projects: Vec<u64> = gitlab
        .db
        .projects
        .all()
        .into_iter()
        .filter_map(|(_, project)| match project.owner {
            crate::model::Owner::Group(id) if group_ids.contains(&id) => Some(project.id),
            _ => None,
        })
        .collect();
    for project in projects {
        gitlab.delete_project(project)?;
    }
    gitlab.kit.store().transaction(|txn| {
        for group in &groups {
            txn.remove(&gitlab.db.groups, &key(group.id))?;
            txn.remove(
                &gitlab.db.groups_by_path,
                &group.full_path.to_ascii_lowercase(),
            )?;
            txn.remove_prefix(&gitlab.db.group_members, &format!("{}/", key(group.id)))?;
            txn.remove_prefix(&gitlab.db.group_variables, &format!("{}/", key(group.id)))?;
        }
        Ok::<_, GitlabError>(())
    })?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"message": "202 Accepted"})),
    ))
}

async fn list_group_projects(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path(id): Path<String>,
    params: Params,
) -> Result<Page> {
    let group = gitlab.visible_group(&caller, &id)?;
    let include_subgroups = params.bool("include_subgroups")?.unwrap_or(false);
    let mut group_ids = vec![group.id];
    if include_subgroups {
        group_ids.extend(gitlab.descendant_groups(group.id).iter().map(|g| g.id));
    }
    let projects = gitlab
        .db
        .projects
        .all()
        .into_iter()
        .map(|(_, project)| project)
        .filter(|project| matches!(project.owner, crate::model::Owner::Group(id) if group_ids.contains(&id)))
        .collect();
    let out = super::projects::filter_projects(&gitlab, &caller, projects, &params)?;
    paginate(out, &params, &url)
}
