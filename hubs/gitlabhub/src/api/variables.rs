//! CI/CD variables of projects and groups: `/projects/:id/variables[/:key]` and
//! `/groups/:id/variables[/:key]`. Keys are unique per environment scope; masked values must
//! be maskable (8 characters or more, from GitLab's masking alphabet, one line); `file`
//! variables reach jobs as files. Reading or changing them needs maintainer access.

use std::sync::Arc;

use axum::extract::{MatchedPath, Path, State};
use axum::routing::get;
use axum::{Json, Router};
use http::StatusCode;
use serde_json::Value;

use super::users::require_all;
use crate::auth::Caller;
use crate::error::{GitlabError, Result};
use crate::model::{Variable, access, key};
use crate::paging::{Page, RequestUrl, paginate};
use crate::params::Params;
use crate::present::variable_json;
use crate::state::{Gitlab, records_under};

pub fn routes() -> Router<Arc<Gitlab>> {
    let mut router = Router::new();
    for kind in ["projects", "groups"] {
        router = router
            .route(
                &format!("/api/v4/{kind}/{{id}}/variables"),
                get(list_variables).post(create_variable),
            )
            .route(
                &format!("/api/v4/{kind}/{{id}}/variables/{{key}}"),
                get(get_variable)
                    .put(update_variable)
                    .delete(delete_variable),
            );
    }
    router
}

struct Scope {
    prefix: String,
    is_project: bool,
}

impl Scope {
    fn collection<'a>(&self, gitlab: &'a Gitlab) -> &'a simkit::store::Collection<Variable> {
        if self.is_project {
            &gitlab.db.project_variables
        } else {
            &gitlab.db.group_variables
        }
    }

    fn all(&self, gitlab: &Gitlab) -> Vec<Variable> {
        records_under(self.collection(gitlab), &self.prefix)
    }

    fn record_key(&self, variable_key: &str, environment_scope: &str) -> String {
        // Keys are letters, digits and `_`; the scope may hold `/`, so it goes last and is
        // escaped so one key's scopes never collide with another key.
        format!(
            "{}{variable_key}\u{1f}{}",
            self.prefix,
            percent_encoding::utf8_percent_encode(
                environment_scope,
                percent_encoding::NON_ALPHANUMERIC
            )
        )
    }
}

fn scope(gitlab: &Gitlab, caller: &Caller, matched: &MatchedPath, id: &str) -> Result<Scope> {
    if matched.as_str().starts_with("/api/v4/projects/") {
        let (project, _) = gitlab.project_with_access(caller, id, access::MAINTAINER)?;
        Ok(Scope {
            prefix: format!("{}/", key(project.id)),
            is_project: true,
        })
    } else {
        let group = gitlab.visible_group(caller, id)?;
        let user = caller.require_personal()?;
        if gitlab.group_access(user, group.id) < access::MAINTAINER {
            return Err(GitlabError::Forbidden);
        }
        Ok(Scope {
            prefix: format!("{}/", key(group.id)),
            is_project: false,
        })
    }
}

pub(super) fn valid_key(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// GitLab masks values of 8 characters or more from the Base64 alphabet plus `@:.~-` (and
/// since 17.x, any characters but whitespace are allowed with `masked_and_hidden`; we keep the
/// long-standing rule).
fn maskable(value: &str) -> bool {
    value.len() >= 8
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+/=@:.~-_".contains(c))
}

fn validate(variable: &Variable) -> Result<()> {
    let mut problems = Vec::new();
    if !valid_key(&variable.key) {
        problems.push((
            "key".to_string(),
            "can contain only letters, digits and '_'.".to_string(),
        ));
    }
    if variable.masked && !maskable(&variable.value) {
        problems.push(("value".to_string(), "is invalid".to_string()));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(GitlabError::Validation(problems))
    }
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

/// `filter[environment_scope]`, as python-gitlab and curl send it.
fn scope_filter(params: &Params) -> Result<Option<String>> {
    if let Some(Value::Object(filter)) = params.get("filter")
        && let Some(Value::String(scope)) = filter.get("environment_scope")
    {
        return Ok(Some(scope.clone()));
    }
    params.str("filter[environment_scope]")
}

/// The variable a `/variables/:key` route names, with the scope it lives in.
fn addressed(
    gitlab: &Gitlab,
    caller: &Caller,
    matched: &MatchedPath,
    id: &str,
    variable_key: &str,
    params: &Params,
) -> Result<(Scope, Variable)> {
    let scope = scope(gitlab, caller, matched, id)?;
    let variable = find(&scope, gitlab, variable_key, params)?;
    Ok((scope, variable))
}

fn find(scope: &Scope, gitlab: &Gitlab, variable_key: &str, params: &Params) -> Result<Variable> {
    let filter = scope_filter(params)?;
    let matching: Vec<Variable> = scope
        .all(gitlab)
        .into_iter()
        .filter(|v| v.key == variable_key)
        .filter(|v| filter.as_ref().is_none_or(|f| v.environment_scope == *f))
        .collect();
    match matching.len() {
        0 => Err(GitlabError::not_found("Variable")),
        1 => Ok(matching.into_iter().next().ok_or(GitlabError::Internal)?),
        _ => Err(GitlabError::Conflict(
            "There are multiple variables with provided parameters. Please use 'filter[environment_scope]'".into(),
        )),
    }
}

async fn list_variables(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    matched: MatchedPath,
    Path(id): Path<String>,
    params: Params,
) -> Result<Page> {
    let scope = scope(&gitlab, &caller, &matched, &id)?;
    let items = scope
        .all(&gitlab)
        .iter()
        .map(|v| variable_json(v, true))
        .collect();
    paginate(items, &params, &url)
}

async fn get_variable(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    matched: MatchedPath,
    Path((id, variable_key)): Path<(String, String)>,
    params: Params,
) -> Result<Json<Value>> {
    let (_, variable) = addressed(&gitlab, &caller, &matched, &id, &variable_key, &params)?;
    Ok(Json(variable_json(&variable, true)))
}

async fn create_variable(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    matched: MatchedPath,
    Path(id): Path<String>,
    params: Params,
) -> Result<(StatusCode, Json<Value>)> {
    let scope = scope(&gitlab, &caller, &matched, &id)?;
    require_all(&params, &["key", "value"])?;
    let variable = Variable {
        key: params.required_str("key")?,
        value: params.required_str("value")?,
        variable_type: variable_type(&params)?.unwrap_or_else(|| "env_var".into()),
        protected: params.bool("protected")?.unwrap_or(false),
        masked: params.bool("masked")?.unwrap_or(false),
        raw: params.bool("raw")?.unwrap_or(false),
        environment_scope: params
            .str("environment_scope")?
            .unwrap_or_else(|| "*".into()),
        description: params.str("description")?,
    };
    validate(&variable)?;
    let record_key = scope.record_key(&variable.key, &variable.environment_scope);
    scope.collection(&gitlab).modify(&record_key, |slot| {
        if slot.is_some() {
            return Err(GitlabError::Validation(vec![(
                "key".into(),
                format!("({}) has already been taken", variable.key),
            )]));
        }
        *slot = Some(variable.clone());
        Ok(())
    })?;
    Ok((StatusCode::CREATED, Json(variable_json(&variable, true))))
}

async fn update_variable(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    matched: MatchedPath,
    Path((id, variable_key)): Path<(String, String)>,
    params: Params,
) -> Result<Json<Value>> {
    let (scope, existing) = addressed(&gitlab, &caller, &matched, &id, &variable_key, &params)?;
    let mut updated = existing.clone();
    if let Some(value) = params.str("value")? {
        updated.value = value;
    }
    if let Some(kind) = variable_type(&params)? {
        updated.variable_type = kind;
    }
    if let Some(protected) = params.bool("protected")? {
        updated.protected = protected;
    }
    if let Some(masked) = params.bool("masked")? {
        updated.masked = masked;
    }
    if let Some(raw) = params.bool("raw")? {
        updated.raw = raw;
    }
    if let Some(environment_scope) = params.str("environment_scope")? {
        updated.environment_scope = environment_scope;
    }
    if params.has("description") {
        updated.description = params.str("description")?;
    }
    validate(&updated)?;
    let old_key = scope.record_key(&existing.key, &existing.environment_scope);
    let new_key = scope.record_key(&updated.key, &updated.environment_scope);
    let collection = scope.collection(&gitlab);
    gitlab.kit.store().transaction(|txn| {
        if new_key != old_key && txn.contains(collection, &new_key)? {
            return Err(GitlabError::Validation(vec![(
                "key".into(),
                format!("({}) has already been taken", updated.key),
            )]));
        }
        txn.remove(collection, &old_key)?;
        txn.insert(collection, &new_key, updated.clone())?;
        Ok(())
    })?;
    Ok(Json(variable_json(&updated, true)))
}

async fn delete_variable(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    matched: MatchedPath,
    Path((id, variable_key)): Path<(String, String)>,
    params: Params,
) -> Result<StatusCode> {
    let (scope, existing) = addressed(&gitlab, &caller, &matched, &id, &variable_key, &params)?;
    scope
        .collection(&gitlab)
        .remove(&scope.record_key(&existing.key, &existing.environment_scope))?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking_rules() {
        assert!(maskable("abcdefgh"));
        assert!(!maskable("short"));
        assert!(!maskable("has space in it"));
        assert!(valid_key("MY_VAR_1"));
        assert!(!valid_key("MY-VAR"));
    }
}
