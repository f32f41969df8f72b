//! Milestones: `/projects/:id/milestones` and `/groups/:id/milestones` (list with `iids[]`,
//! `state`, `title`, `search`; create; get; update with `state_event` `close`/`activate`;
//! delete; the milestone's `issues` and `merge_requests`). Titles are unique per project or
//! group (GitLab's `already being used for another group or project milestone.`); dates are
//! `YYYY-MM-DD` and a start after the due date is refused as GitLab's model refuses it.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use http::StatusCode;
use serde_json::{Value, json};

use super::labels::Parent;
use super::numeric;
use crate::auth::Caller;
use crate::error::{GitlabError, Result};
use crate::model::{Milestone, access, key};
use crate::paging::{Page, RequestUrl, paginate};
use crate::params::Params;
use crate::state::{Gitlab, records_under};

pub fn routes() -> Router<Arc<Gitlab>> {
    let mut router = Router::new();
    for kind in ["projects", "groups"] {
        router = router
            .route(
                &format!("/api/v4/{kind}/{{id}}/milestones"),
                get(list_milestones).post(create_milestone),
            )
            .route(
                &format!("/api/v4/{kind}/{{id}}/milestones/{{milestone_id}}"),
                get(get_milestone)
                    .put(update_milestone)
                    .delete(delete_milestone),
            )
            .route(
                &format!("/api/v4/{kind}/{{id}}/milestones/{{milestone_id}}/issues"),
                get(milestone_issues),
            )
            .route(
                &format!("/api/v4/{kind}/{{id}}/milestones/{{milestone_id}}/merge_requests"),
                get(milestone_merge_requests),
            );
    }
    router
}

/// The project or group a milestone route names, with the caller's access checked.
fn parent(
    gitlab: &Gitlab,
    caller: &Caller,
    url: &RequestUrl,
    id: &str,
    needed: i64,
) -> Result<Parent> {
    if url.path.starts_with("/api/v4/projects/") {
        let (project, _) = if needed > access::GUEST {
            gitlab.project_with_access(caller, id, needed)?
        } else {
            gitlab.visible_project(caller, id)?
        };
        Ok(Parent::Project(project))
    } else {
        let group = gitlab.visible_group(caller, id)?;
        if needed > access::GUEST {
            let user = caller.require_user()?;
            if gitlab.group_access(user, group.id) < needed {
                return Err(GitlabError::Forbidden);
            }
        }
        Ok(Parent::Group(group))
    }
}

/// `YYYY-MM-DD`, or Grape's `<name> is invalid`.
pub fn date_param(params: &Params, name: &str) -> Result<Option<String>> {
    match params.str(name)? {
        None => Ok(None),
        Some(text) if text.is_empty() => Ok(None),
        Some(text) => {
            let format = time::macros::format_description!("[year]-[month]-[day]");
            time::Date::parse(&text, &format)
                .map(|date| Some(date.format(&format).unwrap_or(text.clone())))
                .map_err(|_| GitlabError::invalid(name))
        }
    }
}

impl Gitlab {
    /// A milestone of `parent` by ID, or `404 Milestone Not Found`.
    pub fn find_milestone(&self, parent: &Parent, id: u64) -> Result<Milestone> {
        self.db
            .milestones
            .get(&format!("{}{}", parent.prefix(), key(id)))
            .ok_or_else(|| GitlabError::not_found("Milestone"))
    }

    /// A milestone a project's issues may use: the project's own or one of its groups'.
    pub fn milestone_for_project(
        &self,
        project: &crate::model::Project,
        id: u64,
    ) -> Option<Milestone> {
        let mut parents = vec![Parent::Project(project.clone())];
        if let crate::model::Owner::Group(group) = project.owner {
            parents.extend(self.group_ancestry(group).into_iter().map(Parent::Group));
        }
        parents.iter().find_map(|parent| {
            self.db
                .milestones
                .get(&format!("{}{}", parent.prefix(), key(id)))
        })
    }

    /// Which project or group owns milestone `id`.
    fn milestone_owner(&self, id: u64) -> Option<Parent> {
        self.db
            .milestones
            .all()
            .into_iter()
            .find(|(_, milestone)| milestone.id == id)
            .and_then(|(store_key, _)| {
                let mut parts = store_key.split('/');
                let kind = parts.next()?;
                let owner: u64 = parts.next()?.parse().ok()?;
                match kind {
                    "project" => self.project(owner).map(Parent::Project),
                    _ => self.group(owner).map(Parent::Group),
                }
            })
    }

    /// `Milestone` as the API shows it.
    pub fn milestone_json(&self, milestone: &Milestone) -> Value {
        let owner = self.milestone_owner(milestone.id);
        let today = time::OffsetDateTime::from(self.kit.clock().now()).date();
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let expired = milestone
            .due_date
            .as_deref()
            .and_then(|due| time::Date::parse(due, &format).ok())
            .is_some_and(|due| due < today);
        let mut body = json!({
            "id": milestone.id,
            "iid": milestone.iid,
            "title": milestone.title,
            "description": milestone.description,
            "state": milestone.state,
            "created_at": milestone.created_at,
            "updated_at": milestone.updated_at,
            "due_date": milestone.due_date,
            "start_date": milestone.start_date,
            "expired": expired,
        });
        match owner {
            Some(Parent::Project(project)) => {
                body["project_id"] = json!(project.id);
                body["web_url"] = json!(format!(
                    "{}/{}/-/milestones/{}",
                    self.external_url(),
                    project.path_with_namespace,
                    milestone.iid
                ));
            }
            Some(Parent::Group(group)) => {
                body["group_id"] = json!(group.id);
                body["web_url"] = json!(format!(
                    "{}/groups/{}/-/milestones/{}",
                    self.external_url(),
                    group.full_path,
                    milestone.iid
                ));
            }
            None => {}
        }
        body
    }

    /// The issues of a milestone (across a group's projects for a group milestone).
    fn milestone_issue_list(&self, milestone: &Milestone) -> Vec<crate::model::Issue> {
        let mut issues: Vec<_> = self
            .db
            .issues
            .all()
            .into_iter()
            .map(|(_, issue)| issue)
            .filter(|issue| issue.milestone_id == Some(milestone.id))
            .collect();
        issues.sort_by_key(|issue| issue.id);
        issues
    }
}

fn dates_problems(start: Option<&str>, due: Option<&str>) -> Vec<(String, String)> {
    match (start, due) {
        (Some(start), Some(due)) if start > due => {
            vec![("due_date".into(), "must be greater than start date".into())]
        }
        _ => Vec::new(),
    }
}

fn title_taken(gitlab: &Gitlab, parent: &Parent, title: &str, except: Option<u64>) -> bool {
    records_under(&gitlab.db.milestones, &parent.prefix())
        .iter()
        .any(|m| m.title == title && Some(m.id) != except)
}

async fn list_milestones(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path(id): Path<String>,
    params: Params,
) -> Result<Page> {
    let parent = parent(&gitlab, &caller, &url, &id, access::GUEST)?;
    let state = params.str("state")?;
    if let Some(state) = &state
        && state != "active"
        && state != "closed"
    {
        return Err(GitlabError::InvalidParameter(
            "state does not have a valid value".into(),
        ));
    }
    let iids: Option<Vec<u64>> = params
        .list("iids")?
        .map(|list| {
            list.iter()
                .map(|iid| numeric(iid, "iids"))
                .collect::<Result<_>>()
        })
        .transpose()?;
    let title = params.str("title")?;
    let search = params.str("search")?.map(|s| s.to_lowercase());
    let mut milestones = records_under(&gitlab.db.milestones, &parent.prefix());
    milestones.retain(|m| {
        state.as_ref().is_none_or(|state| &m.state == state)
            && iids.as_ref().is_none_or(|iids| iids.contains(&m.iid))
            && title.as_ref().is_none_or(|title| &m.title == title)
            && search.as_ref().is_none_or(|search| {
                m.title.to_lowercase().contains(search)
                    || m.description
                        .as_deref()
                        .is_some_and(|d| d.to_lowercase().contains(search))
            })
    });
    // GitLab lists milestones by due date, then title (`sort_by_attribute('due_date_asc')`
    // with its ID tiebreak); newest first is how the API has always answered.
    milestones.sort_by_key(|milestone| std::cmp::Reverse(milestone.id));
    let items = milestones
        .iter()
        .map(|m| gitlab.milestone_json(m))
        .collect();
    paginate(items, &params, &url)
}

async fn create_milestone(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path(id): Path<String>,
    params: Params,
) -> Result<(StatusCode, Json<Value>)> {
    let parent = parent(&gitlab, &caller, &url, &id, access::REPORTER)?;
    let title = params.required_str("title")?;
    let start_date = date_param(&params, "start_date")?;
    let due_date = date_param(&params, "due_date")?;
    let mut problems = Vec::new();
    if title.trim().is_empty() {
        problems.push(("title".to_string(), "can't be blank".to_string()));
    } else if title_taken(&gitlab, &parent, &title, None) {
        problems.push((
            "title".to_string(),
            "already being used for another group or project milestone.".to_string(),
        ));
    }
    problems.extend(dates_problems(start_date.as_deref(), due_date.as_deref()));
    if !problems.is_empty() {
        return Err(GitlabError::Validation(problems));
    }
    let now = gitlab.now();
    let milestone = Milestone {
        id: gitlab.next_id("milestones")?,
        iid: gitlab.next_id(&format!("milestone_iid/{}", parent.prefix()))?,
        title,
        description: params.str("description")?,
        state: "active".into(),
        due_date,
        start_date,
        created_at: now.clone(),
        updated_at: now,
    };
    gitlab.db.milestones.insert(
        &format!("{}{}", parent.prefix(), key(milestone.id)),
        milestone.clone(),
    )?;
    Ok((StatusCode::CREATED, Json(gitlab.milestone_json(&milestone))))
}

async fn get_milestone(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path((id, milestone_id)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let parent = parent(&gitlab, &caller, &url, &id, access::GUEST)?;
    let milestone = gitlab.find_milestone(&parent, numeric(&milestone_id, "milestone_id")?)?;
    Ok(Json(gitlab.milestone_json(&milestone)))
}

async fn update_milestone(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path((id, milestone_id)): Path<(String, String)>,
    params: Params,
) -> Result<Json<Value>> {
    let parent = parent(&gitlab, &caller, &url, &id, access::REPORTER)?;
    let fields = [
        "title",
        "description",
        "due_date",
        "start_date",
        "state_event",
    ];
    if !fields.iter().any(|field| params.0.contains_key(*field)) {
        return Err(GitlabError::InvalidParameter(format!(
            "{} are missing, at least one parameter must be provided",
            fields.join(", ")
        )));
    }
    let mut milestone = gitlab.find_milestone(&parent, numeric(&milestone_id, "milestone_id")?)?;
    let state_event = params.str("state_event")?;
    if let Some(event) = &state_event {
        match event.as_str() {
            "close" => milestone.state = "closed".into(),
            "activate" => milestone.state = "active".into(),
            _ => {
                return Err(GitlabError::InvalidParameter(
                    "state_event does not have a valid value".into(),
                ));
            }
        }
    }
    let mut problems = Vec::new();
    if let Some(title) = params.str("title")? {
        if title.trim().is_empty() {
            problems.push(("title".to_string(), "can't be blank".to_string()));
        } else if title_taken(&gitlab, &parent, &title, Some(milestone.id)) {
            problems.push((
                "title".to_string(),
                "already being used for another group or project milestone.".to_string(),
            ));
        }
        milestone.title = title;
    }
    if params.has("description") {
        milestone.description = params.str("description")?;
    }
    if params.0.contains_key("due_date") {
        milestone.due_date = date_param(&params, "due_date")?;
    }
    if params.0.contains_key("start_date") {
        milestone.start_date = date_param(&params, "start_date")?;
    }
    problems.extend(dates_problems(
        milestone.start_date.as_deref(),
        milestone.due_date.as_deref(),
    ));
    if !problems.is_empty() {
        return Err(GitlabError::Validation(problems));
    }
    milestone.updated_at = gitlab.now();
    gitlab.db.milestones.insert(
        &format!("{}{}", parent.prefix(), key(milestone.id)),
        milestone.clone(),
    )?;
    Ok(Json(gitlab.milestone_json(&milestone)))
}

async fn delete_milestone(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path((id, milestone_id)): Path<(String, String)>,
) -> Result<StatusCode> {
    let parent = parent(&gitlab, &caller, &url, &id, access::REPORTER)?;
    let milestone = gitlab.find_milestone(&parent, numeric(&milestone_id, "milestone_id")?)?;
    // Issues lose the milestone, as `Milestones::DestroyService` clears it.
    for issue in gitlab.milestone_issue_list(&milestone) {
        gitlab.db.issues.update(
            &crate::issues::issue_key(issue.project_id, issue.iid),
            |issue| issue.milestone_id = None,
        )?;
    }
    gitlab
        .db
        .milestones
        .remove(&format!("{}{}", parent.prefix(), key(milestone.id)))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn milestone_issues(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path((id, milestone_id)): Path<(String, String)>,
    params: Params,
) -> Result<Page> {
    let parent = parent(&gitlab, &caller, &url, &id, access::GUEST)?;
    let milestone = gitlab.find_milestone(&parent, numeric(&milestone_id, "milestone_id")?)?;
    let items = gitlab
        .milestone_issue_list(&milestone)
        .iter()
        .filter_map(|issue| {
            let project = gitlab.project(issue.project_id)?;
            // Only issues the caller may see (a group's private projects stay hidden).
            gitlab
                .visible_project(&caller, &project.id.to_string())
                .ok()?;
            Some(gitlab.issue_json(&project, issue))
        })
        .collect();
    paginate(items, &params, &url)
}

async fn milestone_merge_requests(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path((id, milestone_id)): Path<(String, String)>,
    params: Params,
) -> Result<Page> {
    let parent = parent(&gitlab, &caller, &url, &id, access::GUEST)?;
    gitlab.find_milestone(&parent, numeric(&milestone_id, "milestone_id")?)?;
    // Merge requests here carry no milestone, so no merge request is in one.
    paginate(Vec::new(), &params, &url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_and_order() {
        let params = Params::from_query(Some("due_date=2026-01-31&start_date=nope"));
        assert_eq!(
            date_param(&params, "due_date").ok().flatten().as_deref(),
            Some("2026-01-31")
        );
        assert!(date_param(&params, "start_date").is_err());
        assert!(
            dates_problems(Some("2026-02-01"), Some("2026-01-31"))[0]
                .1
                .contains("greater")
        );
        assert!(dates_problems(Some("2026-01-01"), Some("2026-01-31")).is_empty());
    }
}
