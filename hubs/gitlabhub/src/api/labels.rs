//! Labels: `/projects/:id/labels` and `/groups/:id/labels` (list with `search`,
//! `include_ancestor_groups` and `with_counts`, create, get, update and delete by ID or title,
//! the legacy `PUT`/`DELETE` on the collection with `name`, and `promote` of a project label to
//! its group). A project sees its own labels and its groups'. Errors are GitLab's: 409 `Label
//! already exists`, `{"message":{"color":["must be a valid color code"]}}`, `404 Label Not
//! Found`, Grape's `at least one parameter must be provided`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::{get, put};
use axum::{Json, Router};
use http::StatusCode;
use serde_json::{Value, json};

use super::users::require_all;
use crate::auth::Caller;
use crate::error::{GitlabError, Result};
use crate::model::{Group, Label, Owner, Project, access, key};
use crate::paging::{Page, RequestUrl, paginate};
use crate::params::Params;
use crate::state::{Gitlab, records_under};

pub fn routes() -> Router<Arc<Gitlab>> {
    Router::new()
        .route(
            "/api/v4/projects/{id}/labels",
            get(list_project_labels)
                .post(create_project_label)
                .put(update_project_label_legacy)
                .delete(delete_project_label_legacy),
        )
        .route(
            "/api/v4/projects/{id}/labels/{label_id}",
            get(get_project_label)
                .put(update_project_label)
                .delete(delete_project_label),
        )
        .route(
            "/api/v4/projects/{id}/labels/{label_id}/promote",
            put(promote_project_label),
        )
        .route(
            "/api/v4/groups/{id}/labels",
            get(list_group_labels)
                .post(create_group_label)
                .put(update_group_label_legacy)
                .delete(delete_group_label_legacy),
        )
        .route(
            "/api/v4/groups/{id}/labels/{label_id}",
            get(get_group_label)
                .put(update_group_label)
                .delete(delete_group_label),
        )
}

/// Whose labels (and milestones) these are.
#[derive(Debug, Clone)]
pub enum Parent {
    Project(Project),
    Group(Group),
}

impl Parent {
    pub fn prefix(&self) -> String {
        match self {
            Self::Project(project) => format!("project/{}/", key(project.id)),
            Self::Group(group) => format!("group/{}/", key(group.id)),
        }
    }
}

/// A label with the parent that owns it.
#[derive(Debug, Clone)]
pub struct OwnedLabel {
    pub label: Label,
    pub owner: Parent,
}

impl OwnedLabel {
    pub fn store_key(&self) -> String {
        format!("{}{}", self.owner.prefix(), key(self.label.id))
    }
}

/// The label color GitLab gives labels it creates on the fly (`Label::DEFAULT_COLOR`).
pub const DEFAULT_COLOR: &str = "#6699cc";

/// A color as GitLab's `ColorValidator` accepts it: `#RGB`, `#RRGGBB` or a CSS color name
/// (stored as its hex code).
pub fn parse_color(text: &str) -> Option<String> {
    let text = text.trim();
    if let Some(hex) = text.strip_prefix('#') {
        let ok = (hex.len() == 3 || hex.len() == 6) && hex.chars().all(|c| c.is_ascii_hexdigit());
        return ok.then(|| text.to_string());
    }
    const NAMED: &[(&str, &str)] = &[
        ("black", "#000000"),
        ("white", "#FFFFFF"),
        ("red", "#FF0000"),
        ("green", "#008000"),
        ("blue", "#0000FF"),
        ("yellow", "#FFFF00"),
        ("orange", "#FFA500"),
        ("purple", "#800080"),
        ("gray", "#808080"),
        ("grey", "#808080"),
        ("pink", "#FFC0CB"),
        ("brown", "#A52A2A"),
        ("cyan", "#00FFFF"),
        ("magenta", "#FF00FF"),
        ("navy", "#000080"),
        ("teal", "#008080"),
        ("olive", "#808000"),
        ("maroon", "#800000"),
        ("lime", "#00FF00"),
        ("silver", "#C0C0C0"),
    ];
    NAMED
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(text))
        .map(|(_, hex)| (*hex).to_string())
}

/// The text color GitLab shows on a label (`LabelsHelper#text_color_for_bg`): dark on light
/// backgrounds (the channels adding up to more than 500), white otherwise.
pub fn text_color(color: &str) -> &'static str {
    let hex = color.trim_start_matches('#');
    let channel = |text: &str| u32::from_str_radix(text, 16).unwrap_or(0);
    let sum: u32 = if hex.len() == 3 {
        hex.chars().map(|c| channel(&format!("{c}{c}"))).sum()
    } else {
        (0..3)
            .map(|i| channel(hex.get(i * 2..i * 2 + 2).unwrap_or("00")))
            .sum()
    };
    if sum > 500 { "#1F1E24" } else { "#FFFFFF" }
}

impl Gitlab {
    /// The labels `parent` owns, in ID order.
    pub fn own_labels(&self, parent: &Parent) -> Vec<OwnedLabel> {
        records_under(&self.db.labels, &parent.prefix())
            .into_iter()
            .map(|label| OwnedLabel {
                label,
                owner: parent.clone(),
            })
            .collect()
    }

    /// The labels `parent` can use: its own, then (when asked) its ancestor groups'.
    pub fn available_labels(&self, parent: &Parent, include_ancestors: bool) -> Vec<OwnedLabel> {
        let mut labels = self.own_labels(parent);
        if include_ancestors {
            let start = match parent {
                Parent::Project(project) => match project.owner {
                    Owner::Group(group) => Some(group),
                    Owner::User(_) => None,
                },
                Parent::Group(group) => group.parent_id,
            };
            if let Some(start) = start {
                for group in self.group_ancestry(start) {
                    labels.extend(self.own_labels(&Parent::Group(group)));
                }
            }
        }
        labels
    }

    /// A label by ID or title, as GitLab's `find_label` looks it up.
    pub fn find_label(
        &self,
        parent: &Parent,
        id_or_title: &str,
        include_ancestors: bool,
    ) -> Result<OwnedLabel> {
        let labels = self.available_labels(parent, include_ancestors);
        let by_id = id_or_title
            .parse::<u64>()
            .ok()
            .and_then(|id| labels.iter().find(|owned| owned.label.id == id));
        by_id
            .or_else(|| labels.iter().find(|owned| owned.label.name == id_or_title))
            .cloned()
            .ok_or_else(|| GitlabError::not_found("Label"))
    }

    /// Creates a label with the checks `Labels::CreateService` and the model make.
    pub fn create_label(
        &self,
        parent: &Parent,
        name: &str,
        color: &str,
        description: Option<String>,
        priority: Option<i64>,
    ) -> Result<OwnedLabel> {
        if self
            .available_labels(parent, true)
            .iter()
            .any(|owned| owned.label.name == name)
        {
            return Err(GitlabError::Conflict("Label already exists".into()));
        }
        let mut problems = title_problems(name);
        let color = match parse_color(color) {
            Some(color) => color,
            None => {
                problems.push(("color".into(), "must be a valid color code".into()));
                String::new()
            }
        };
        if !problems.is_empty() {
            return Err(GitlabError::Validation(problems));
        }
        let label = Label {
            id: self.next_id("labels")?,
            name: name.to_string(),
            color,
            description,
            priority: match parent {
                Parent::Project(_) => priority,
                Parent::Group(_) => None,
            },
            archived: false,
            created_at: self.now(),
        };
        let owned = OwnedLabel {
            label,
            owner: parent.clone(),
        };
        self.db
            .labels
            .insert(&owned.store_key(), owned.label.clone())?;
        Ok(owned)
    }

    /// The issues a label's counts cover: the project's, or every project's under a group.
    fn issues_under(&self, parent: &Parent) -> Vec<crate::model::Issue> {
        match parent {
            Parent::Project(project) => self.project_issues(project.id),
            Parent::Group(group) => {
                let mut groups: Vec<u64> = vec![group.id];
                groups.extend(self.descendant_groups(group.id).iter().map(|g| g.id));
                self.db
                    .projects
                    .all()
                    .into_iter()
                    .filter(|(_, project)| {
                        matches!(project.owner, Owner::Group(id) if groups.contains(&id))
                    })
                    .flat_map(|(_, project)| self.project_issues(project.id))
                    .collect()
            }
        }
    }

    /// `ProjectLabel` or `GroupLabel` as the API shows it to `parent`.
    pub fn label_json(&self, owned: &OwnedLabel, parent: &Parent, with_counts: bool) -> Value {
        let label = &owned.label;
        let mut body = json!({
            "id": label.id,
            "name": label.name,
            "description": label.description,
            "description_html": label.description.clone().unwrap_or_default(),
            "text_color": text_color(&label.color),
            "color": label.color,
            "archived": label.archived,
            "subscribed": false,
        });
        if let Parent::Project(_) = parent {
            body["priority"] = json!(label.priority);
            body["is_project_label"] = json!(matches!(owned.owner, Parent::Project(_)));
        }
        if with_counts {
            let issues = self.issues_under(parent);
            let count = |state: &str| {
                issues
                    .iter()
                    .filter(|issue| issue.state == state && issue.labels.contains(&label.name))
                    .count()
            };
            body["open_issues_count"] = json!(count("opened"));
            body["closed_issues_count"] = json!(count("closed"));
            body["open_merge_requests_count"] = json!(
                self.db
                    .merge_requests
                    .all()
                    .into_iter()
                    .filter(|(_, mr)| mr.state == "opened" && mr.labels.contains(&label.name))
                    .filter(|(_, mr)| match parent {
                        Parent::Project(project) => mr.project_id == project.id,
                        Parent::Group(_) => true,
                    })
                    .count()
            );
        }
        body
    }

    /// Renames a label everywhere issues and merge requests of its scope carry it.
    fn rename_label_uses(&self, parent: &Parent, old: &str, new: &str) -> Result<()> {
        for issue in self.issues_under(parent) {
            if issue.labels.iter().any(|name| name == old) {
                self.db.issues.update(
                    &crate::issues::issue_key(issue.project_id, issue.iid),
                    |issue| {
                        for name in &mut issue.labels {
                            if *name == old {
                                *name = new.to_string();
                            }
                        }
                    },
                )?;
            }
        }
        Ok(())
    }
}

/// What GitLab's `Label` model says of a title: present, and no commas.
fn title_problems(name: &str) -> Vec<(String, String)> {
    if name.trim().is_empty() {
        vec![("title".into(), "can't be blank".into())]
    } else if name.contains(',') {
        vec![("title".into(), "is invalid".into())]
    } else {
        Vec::new()
    }
}

fn project_parent(gitlab: &Gitlab, caller: &Caller, id: &str, needed: i64) -> Result<Parent> {
    let (project, _) = gitlab.project_with_access(caller, id, needed)?;
    Ok(Parent::Project(project))
}

fn group_parent(gitlab: &Gitlab, caller: &Caller, id: &str, needed: i64) -> Result<Parent> {
    let group = gitlab.visible_group(caller, id)?;
    if needed > access::GUEST {
        let user = caller.require_user()?;
        if gitlab.group_access(user, group.id) < needed {
            return Err(GitlabError::Forbidden);
        }
    }
    Ok(Parent::Group(group))
}

fn list(gitlab: &Gitlab, parent: &Parent, params: &Params, url: &RequestUrl) -> Result<Page> {
    let include_ancestors = params.bool("include_ancestor_groups")?.unwrap_or(true);
    let with_counts = params.bool("with_counts")?.unwrap_or(false);
    let search = params.str("search")?.map(|s| s.to_lowercase());
    let mut labels = gitlab.available_labels(parent, include_ancestors);
    if let Some(search) = search {
        labels.retain(|owned| {
            owned.label.name.to_lowercase().contains(&search)
                || owned
                    .label
                    .description
                    .as_deref()
                    .is_some_and(|d| d.to_lowercase().contains(&search))
        });
    }
    // GitLab orders labels by title.
    labels.sort_by(|a, b| a.label.name.cmp(&b.label.name));
    let items = labels
        .iter()
        .map(|owned| gitlab.label_json(owned, parent, with_counts))
        .collect();
    paginate(items, params, url)
}

fn create(gitlab: &Gitlab, parent: &Parent, params: &Params) -> Result<(StatusCode, Json<Value>)> {
    require_all(params, &["name", "color"])?;
    let name = params.required_str("name")?;
    let color = params.required_str("color")?;
    let priority = params.int("priority")?;
    let owned = gitlab.create_label(parent, &name, &color, params.str("description")?, priority)?;
    Ok((
        StatusCode::CREATED,
        Json(gitlab.label_json(&owned, parent, false)),
    ))
}

fn update(
    gitlab: &Gitlab,
    parent: &Parent,
    id_or_title: &str,
    params: &Params,
) -> Result<Json<Value>> {
    let mut fields = vec!["new_name", "color", "description", "archived"];
    if matches!(parent, Parent::Project(_)) {
        fields.insert(3, "priority");
    }
    if !fields.iter().any(|field| params.0.contains_key(*field)) {
        return Err(GitlabError::InvalidParameter(format!(
            "{} are missing, at least one parameter must be provided",
            fields.join(", ")
        )));
    }
    let owned = gitlab.find_label(parent, id_or_title, false)?;
    let mut label = owned.label.clone();
    let mut problems = Vec::new();
    if let Some(new_name) = params.str("new_name")? {
        if new_name != label.name
            && gitlab
                .available_labels(parent, true)
                .iter()
                .any(|other| other.label.name == new_name)
        {
            problems.push(("title".to_string(), "has already been taken".to_string()));
        }
        problems.extend(title_problems(&new_name));
        label.name = new_name;
    }
    if let Some(color) = params.str("color")? {
        match parse_color(&color) {
            Some(color) => label.color = color,
            None => problems.push(("color".into(), "must be a valid color code".into())),
        }
    }
    if params.has("description") {
        label.description = params.str("description")?;
    }
    if let Some(archived) = params.bool("archived")? {
        label.archived = archived;
    }
    if matches!(parent, Parent::Project(_)) && params.0.contains_key("priority") {
        label.priority = params.int("priority")?;
    }
    if !problems.is_empty() {
        return Err(GitlabError::Validation(problems));
    }
    let updated = OwnedLabel {
        label,
        owner: owned.owner.clone(),
    };
    gitlab
        .db
        .labels
        .insert(&updated.store_key(), updated.label.clone())?;
    if updated.label.name != owned.label.name {
        gitlab.rename_label_uses(&owned.owner, &owned.label.name, &updated.label.name)?;
    }
    Ok(Json(gitlab.label_json(&updated, parent, false)))
}

fn delete(gitlab: &Gitlab, parent: &Parent, id_or_title: &str) -> Result<StatusCode> {
    let owned = gitlab.find_label(parent, id_or_title, false)?;
    gitlab.db.labels.remove(&owned.store_key())?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_project_labels(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path(id): Path<String>,
    params: Params,
) -> Result<Page> {
    let (project, _) = gitlab.visible_project(&caller, &id)?;
    list(&gitlab, &Parent::Project(project), &params, &url)
}

async fn create_project_label(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> Result<(StatusCode, Json<Value>)> {
    let parent = project_parent(&gitlab, &caller, &id, access::REPORTER)?;
    create(&gitlab, &parent, &params)
}

async fn get_project_label(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, label_id)): Path<(String, String)>,
    params: Params,
) -> Result<Json<Value>> {
    let (project, _) = gitlab.visible_project(&caller, &id)?;
    let parent = Parent::Project(project);
    let include_ancestors = params.bool("include_ancestor_groups")?.unwrap_or(true);
    let owned = gitlab.find_label(&parent, &label_id, include_ancestors)?;
    Ok(Json(gitlab.label_json(&owned, &parent, false)))
}

async fn update_project_label(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, label_id)): Path<(String, String)>,
    params: Params,
) -> Result<Json<Value>> {
    let parent = project_parent(&gitlab, &caller, &id, access::REPORTER)?;
    update(&gitlab, &parent, &label_id, &params)
}

async fn update_project_label_legacy(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> Result<Json<Value>> {
    let parent = project_parent(&gitlab, &caller, &id, access::REPORTER)?;
    let name = params
        .str("label_id")?
        .or(params.str("name")?)
        .ok_or_else(|| {
            GitlabError::InvalidParameter(
                "label_id, name are missing, exactly one parameter must be provided".into(),
            )
        })?;
    update(&gitlab, &parent, &name, &params)
}

async fn delete_project_label(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, label_id)): Path<(String, String)>,
) -> Result<StatusCode> {
    let parent = project_parent(&gitlab, &caller, &id, access::REPORTER)?;
    delete(&gitlab, &parent, &label_id)
}

async fn delete_project_label_legacy(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> Result<StatusCode> {
    let parent = project_parent(&gitlab, &caller, &id, access::REPORTER)?;
    let name = params
        .str("label_id")?
        .or(params.str("name")?)
        .ok_or_else(|| {
            GitlabError::InvalidParameter(
                "label_id, name are missing, exactly one parameter must be provided".into(),
            )
        })?;
    delete(&gitlab, &parent, &name)
}

/// `PUT /projects/:id/labels/:label_id/promote`: the project label becomes a label of the
/// project's group (GitLab's `Labels::PromoteService`; issues keep it by name).
async fn promote_project_label(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, label_id)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let (project, _) = gitlab.project_with_access(&caller, &id, access::REPORTER)?;
    let Owner::Group(group_id) = project.owner else {
        return Err(GitlabError::BadRequestMessage(
            "Failed to promote project label to group label".into(),
        ));
    };
    let user = caller.require_user()?;
    if gitlab.group_access(user, group_id) < access::REPORTER {
        return Err(GitlabError::Forbidden);
    }
    let group = gitlab.find_group(&group_id.to_string())?;
    let parent = Parent::Project(project);
    let owned = gitlab.find_label(&parent, &label_id, false)?;
    gitlab.db.labels.remove(&owned.store_key())?;
    let promoted = OwnedLabel {
        label: Label {
            priority: None,
            ..owned.label
        },
        owner: Parent::Group(group.clone()),
    };
    gitlab
        .db
        .labels
        .insert(&promoted.store_key(), promoted.label.clone())?;
    Ok(Json(gitlab.label_json(
        &promoted,
        &Parent::Group(group),
        false,
    )))
}

async fn list_group_labels(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path(id): Path<String>,
    params: Params,
) -> Result<Page> {
    let parent = group_parent(&gitlab, &caller, &id, access::GUEST)?;
    list(&gitlab, &parent, &params, &url)
}

async fn create_group_label(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> Result<(StatusCode, Json<Value>)> {
    let parent = group_parent(&gitlab, &caller, &id, access::REPORTER)?;
    create(&gitlab, &parent, &params)
}

async fn get_group_label(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, label_id)): Path<(String, String)>,
    params: Params,
) -> Result<Json<Value>> {
    let parent = group_parent(&gitlab, &caller, &id, access::GUEST)?;
    let include_ancestors = params.bool("include_ancestor_groups")?.unwrap_or(true);
    let owned = gitlab.find_label(&parent, &label_id, include_ancestors)?;
    Ok(Json(gitlab.label_json(&owned, &parent, false)))
}

async fn update_group_label(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, label_id)): Path<(String, String)>,
    params: Params,
) -> Result<Json<Value>> {
    let parent = group_parent(&gitlab, &caller, &id, access::REPORTER)?;
    update(&gitlab, &parent, &label_id, &params)
}

async fn update_group_label_legacy(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> Result<Json<Value>> {
    let parent = group_parent(&gitlab, &caller, &id, access::REPORTER)?;
    let name = params
        .str("label_id")?
        .or(params.str("name")?)
        .ok_or_else(|| {
            GitlabError::InvalidParameter(
                "label_id, name are missing, exactly one parameter must be provided".into(),
            )
        })?;
    update(&gitlab, &parent, &name, &params)
}

async fn delete_group_label(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, label_id)): Path<(String, String)>,
) -> Result<StatusCode> {
    let parent = group_parent(&gitlab, &caller, &id, access::REPORTER)?;
    delete(&gitlab, &parent, &label_id)
}

async fn delete_group_label_legacy(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> Result<StatusCode> {
    let parent = group_parent(&gitlab, &caller, &id, access::REPORTER)?;
    let name = params
        .str("label_id")?
        .or(params.str("name")?)
        .ok_or_else(|| {
            GitlabError::InvalidParameter(
                "label_id, name are missing, exactly one parameter must be provided".into(),
            )
        })?;
    delete(&gitlab, &parent, &name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colors_and_their_text_colors() {
        assert_eq!(parse_color("#aabbcc").as_deref(), Some("#aabbcc"));
        assert_eq!(parse_color("#abc").as_deref(), Some("#abc"));
        assert_eq!(parse_color("red").as_deref(), Some("#FF0000"));
        assert_eq!(parse_color("#ggg"), None);
        assert_eq!(parse_color("aabbcc"), None);
        assert_eq!(text_color("#FFFFFF"), "#1F1E24");
        assert_eq!(text_color("#112233"), "#FFFFFF");
        assert_eq!(text_color("#fff"), "#1F1E24");
        assert_eq!(text_color("#d9534f"), "#FFFFFF");
    }

    #[test]
    fn titles_are_checked_as_the_model_does() {
        assert!(title_problems("bug").is_empty());
        assert_eq!(title_problems(" ")[0].1, "can't be blank");
        assert_eq!(title_problems("a,b")[0].1, "is invalid");
    }
}
