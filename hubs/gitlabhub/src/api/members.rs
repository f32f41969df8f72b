//! Members of projects and groups: `/projects/:id/members[/all][/:user_id]` and the same under
//! `/groups/:id`. `members` lists direct members; `members/all` adds those inherited from
//! ancestor groups (the highest level wins).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{MatchedPath, Path, State};
use axum::routing::get;
use axum::{Json, Router};
use http::StatusCode;
use serde_json::Value;

use super::users::require_all;
use crate::auth::Caller;
use crate::error::{GitlabError, Result};
use crate::model::{Member, Owner, access, key};
use crate::paging::{Page, RequestUrl, paginate};
use crate::params::Params;
use crate::state::{Gitlab, records_under};

pub fn routes() -> Router<Arc<Gitlab>> {
    let mut router = Router::new();
    for kind in ["projects", "groups"] {
        router = router
            .route(
                &format!("/api/v4/{kind}/{{id}}/members"),
                get(list_direct).post(add_member),
            )
            .route(&format!("/api/v4/{kind}/{{id}}/members/all"), get(list_all))
            .route(
                &format!("/api/v4/{kind}/{{id}}/members/{{user_id}}"),
                get(get_member).put(update_member).delete(remove_member),
            )
            .route(
                &format!("/api/v4/{kind}/{{id}}/members/all/{{user_id}}"),
                get(get_member_all),
            );
    }
    router
}

/// `projects` or `groups`, from the route that matched.
fn kind(matched: &MatchedPath) -> &'static str {
    if matched.as_str().starts_with("/api/v4/projects/") {
        "projects"
    } else {
        "groups"
    }
}

const LEVELS: &[i64] = &[5, 10, 15, 20, 30, 40, 50];

/// Which membership list a request addresses.
struct Source {
    collection_prefix: String,
    is_project: bool,
    /// Groups whose members are inherited (the project's or group's ancestors).
    ancestors: Vec<u64>,
    /// The caller's access level.
    level: i64,
}

fn source(gitlab: &Gitlab, caller: &Caller, kind: &str, id: &str) -> Result<Source> {
    match kind {
        "projects" => {
            let (project, level) = gitlab.visible_project(caller, id)?;
            let ancestors = match project.owner {
                Owner::Group(group) => gitlab.group_ancestry(group).iter().map(|g| g.id).collect(),
                Owner::User(_) => Vec::new(),
            };
            Ok(Source {
                collection_prefix: format!("{}/", key(project.id)),
                is_project: true,
                ancestors,
                level,
            })
        }
        "groups" => {
            let group = gitlab.visible_group(caller, id)?;
            let level = caller
                .user()
                .map_or(0, |user| gitlab.group_access(user, group.id));
            let ancestors = gitlab
                .group_ancestry(group.id)
                .iter()
                .skip(1)
                .map(|g| g.id)
                .collect();
            Ok(Source {
                collection_prefix: format!("{}/", key(group.id)),
                is_project: false,
                ancestors,
                level,
            })
        }
        _ => Err(GitlabError::NoRoute),
    }
}

impl Source {
    fn collection<'a>(&self, gitlab: &'a Gitlab) -> &'a simkit::store::Collection<Member> {
        if self.is_project {
            &gitlab.db.project_members
        } else {
            &gitlab.db.group_members
        }
    }

    fn direct(&self, gitlab: &Gitlab) -> Vec<Member> {
        records_under(self.collection(gitlab), &self.collection_prefix)
    }

    /// The store key of `user_id`'s membership here.
    fn record_key(&self, user_id: u64) -> String {
        format!("{}{}", self.collection_prefix, key(user_id))
    }

    fn all(&self, gitlab: &Gitlab) -> Vec<Member> {
        let mut by_user: BTreeMap<u64, Member> = BTreeMap::new();
        let inherited = self.ancestors.iter().flat_map(|group| {
            records_under(&gitlab.db.group_members, &format!("{}/", key(*group)))
        });
        for member in self.direct(gitlab).into_iter().chain(inherited) {
            match by_user.get(&member.user_id) {
                Some(existing) if existing.access_level >= member.access_level => {}
                _ => {
                    by_user.insert(member.user_id, member);
                }
            }
        }
        by_user.into_values().collect()
    }
}

fn filter_present(gitlab: &Gitlab, members: Vec<Member>, params: &Params) -> Result<Vec<Value>> {
    let query = params.str("query")?.map(|q| q.to_lowercase());
    let user_ids = params.list("user_ids")?;
    Ok(members
        .into_iter()
        .filter(|member| {
            user_ids
                .as_ref()
                .is_none_or(|ids| ids.contains(&member.user_id.to_string()))
        })
        .filter_map(|member| gitlab.member_json(&member))
        .filter(|body| {
            query.as_ref().is_none_or(|q| {
                body["username"]
                    .as_str()
                    .is_some_and(|u| u.to_lowercase().contains(q))
                    || body["name"]
                        .as_str()
                        .is_some_and(|n| n.to_lowercase().contains(q))
            })
        })
        .collect())
}

async fn list_direct(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    matched: MatchedPath,
    Path(id): Path<String>,
    params: Params,
) -> Result<Page> {
    let source = source(&gitlab, &caller, kind(&matched), &id)?;
    let members = filter_present(&gitlab, source.direct(&gitlab), &params)?;
    paginate(members, &params, &url)
}

async fn list_all(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    matched: MatchedPath,
    Path(id): Path<String>,
    params: Params,
) -> Result<Page> {
    let source = source(&gitlab, &caller, kind(&matched), &id)?;
    let members = filter_present(&gitlab, source.all(&gitlab), &params)?;
    paginate(members, &params, &url)
}

fn user_id_param(value: &str) -> Result<u64> {
    value.parse().map_err(|_| GitlabError::invalid("user_id"))
}

async fn get_member(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    matched: MatchedPath,
    Path((id, user_id)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let source = source(&gitlab, &caller, kind(&matched), &id)?;
    member_of(&gitlab, source.direct(&gitlab), &user_id)
}

async fn get_member_all(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    matched: MatchedPath,
    Path((id, user_id)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let source = source(&gitlab, &caller, kind(&matched), &id)?;
    member_of(&gitlab, source.all(&gitlab), &user_id)
}

/// The member `user_id` (the path parameter) among `members`, as GitLab shows it.
fn member_of(gitlab: &Gitlab, members: Vec<Member>, user_id: &str) -> Result<Json<Value>> {
    let user_id = user_id_param(user_id)?;
    members
        .into_iter()
        .find(|member| member.user_id == user_id)
        .and_then(|member| gitlab.member_json(&member))
        .map(Json)
        .ok_or_else(|| GitlabError::not_found("Member"))
}

fn access_level_param(params: &Params) -> Result<i64> {
    let level = params
        .int("access_level")?
        .ok_or_else(|| GitlabError::missing("access_level"))?;
    if LEVELS.contains(&level) {
        Ok(level)
    } else {
        Err(GitlabError::InvalidParameter(
            "access_level does not have a valid value".into(),
        ))
    }
}

async fn add_member(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    matched: MatchedPath,
    Path(id): Path<String>,
    params: Params,
) -> Result<(StatusCode, Json<Value>)> {
    let actor = caller.require_personal()?.clone();
    let source = source(&gitlab, &caller, kind(&matched), &id)?;
    if source.level < access::MAINTAINER {
        return Err(GitlabError::Forbidden);
    }
    require_all(&params, &["access_level"])?;
    let level = access_level_param(&params)?;
    let user_id = match (params.int("user_id")?, params.str("username")?) {
        (Some(id), _) => id as u64,
        (None, Some(username)) => {
            gitlab
                .user_by_name(&username)
                .ok_or_else(|| GitlabError::not_found("User"))?
                .id
        }
        (None, None) => {
            return Err(GitlabError::InvalidParameter(
                "user_id, username are missing, exactly one parameter must be provided".into(),
            ));
        }
    };
    let user = gitlab
        .user(user_id)
        .ok_or_else(|| GitlabError::not_found("User"))?;
    if level == access::OWNER && source.is_project && source.level < access::OWNER {
        return Err(GitlabError::Forbidden);
    }
    let member = Member {
        user_id: user.id,
        access_level: level,
        created_at: gitlab.now(),
        expires_at: params.str("expires_at")?,
        created_by: Some(actor.id),
    };
    let member_key = source.record_key(user.id);
    source.collection(&gitlab).modify(&member_key, |slot| {
        if slot.is_some() {
            return Err(GitlabError::Conflict("Member already exists".into()));
        }
        *slot = Some(member.clone());
        Ok(())
    })?;
    let body = gitlab.member_json(&member).ok_or(GitlabError::Internal)?;
    Ok((StatusCode::CREATED, Json(body)))
}

async fn update_member(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    matched: MatchedPath,
    Path((id, user_id)): Path<(String, String)>,
    params: Params,
) -> Result<Json<Value>> {
    caller.require_personal()?;
    let source = source(&gitlab, &caller, kind(&matched), &id)?;
    if source.level < access::MAINTAINER {
        return Err(GitlabError::Forbidden);
    }
    let level = access_level_param(&params)?;
    let expires_at = params.str("expires_at")?;
    let user_id = user_id_param(&user_id)?;
    let member_key = source.record_key(user_id);
    let member = source
        .collection(&gitlab)
        .update(&member_key, |member| {
            member.access_level = level;
            if expires_at.is_some() {
                member.expires_at = expires_at;
            }
            member.clone()
        })?
        .ok_or_else(|| GitlabError::not_found("Member"))?;
    gitlab
        .member_json(&member)
        .map(Json)
        .ok_or(GitlabError::Internal)
}

async fn remove_member(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    matched: MatchedPath,
    Path((id, user_id)): Path<(String, String)>,
) -> Result<StatusCode> {
    let actor = caller.require_personal()?.clone();
    let source = source(&gitlab, &caller, kind(&matched), &id)?;
    let user_id = user_id_param(&user_id)?;
    // Members may leave on their own; removing others needs maintainer access.
    if source.level < access::MAINTAINER && actor.id != user_id {
        return Err(GitlabError::Forbidden);
    }
    let member_key = source.record_key(user_id);
    let owners = source
        .direct(&gitlab)
        .iter()
        .filter(|member| member.access_level == access::OWNER)
        .count();
    let removing = source
        .collection(&gitlab)
        .get(&member_key)
        .ok_or_else(|| GitlabError::not_found("Member"))?;
    if !source.is_project && removing.access_level == access::OWNER && owners == 1 {
        // A group keeps at least one owner.
        return Err(GitlabError::Forbidden);
    }
    source.collection(&gitlab).remove(&member_key)?;
    Ok(StatusCode::NO_CONTENT)
}
