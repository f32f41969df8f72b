//! Request parameters as GitLab's API (Grape) reads them: the query string, a JSON body or a
//! form-encoded body, merged into one map (the body wins). Grape coerces strings, so `"true"`
//! is a boolean and `"42"` an integer; repeated form keys and `key[]` become arrays.
//!
//! What this module must not do: know any resource. Handlers ask for typed values by name and
//! get Grape's `{"error": "<name> is invalid"}` when a value does not coerce.

use axum::extract::{FromRequest, Request};
use serde_json::{Map, Value};

use crate::error::{GitlabError, Result};

/// The merged parameters of one request.
#[derive(Debug, Default, Clone)]
pub struct Params(pub Map<String, Value>);

impl Params {
    pub fn from_query(query: Option<&str>) -> Self {
        let mut map = Map::new();
        if let Some(query) = query {
            merge_form(&mut map, query.as_bytes());
        }
        Self(map)
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|value| !value.is_null())
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub fn str(&self, name: &str) -> Result<Option<String>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(Value::Number(number)) => Ok(Some(number.to_string())),
            Some(Value::Bool(flag)) => Ok(Some(flag.to_string())),
            Some(_) => Err(GitlabError::invalid(name)),
        }
    }

    pub fn required_str(&self, name: &str) -> Result<String> {
        self.str(name)?.ok_or_else(|| GitlabError::missing(name))
    }

    pub fn bool(&self, name: &str) -> Result<Option<bool>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Bool(flag)) => Ok(Some(*flag)),
            // Grape coerces booleans as dry-types' `Params::Bool` does.
            Some(Value::String(text)) => match text.as_str() {
                "1" | "on" | "On" | "ON" | "t" | "true" | "True" | "TRUE" | "T" | "y" | "yes"
                | "Yes" | "YES" | "Y" => Ok(Some(true)),
                "0" | "off" | "Off" | "OFF" | "f" | "false" | "False" | "FALSE" | "F" | "n"
                | "no" | "No" | "NO" | "N" | "" => Ok(Some(false)),
                _ => Err(GitlabError::invalid(name)),
            },
            Some(Value::Number(number)) => Ok(Some(number.as_i64() != Some(0))),
            Some(_) => Err(GitlabError::invalid(name)),
        }
    }

    pub fn int(&self, name: &str) -> Result<Option<i64>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Number(number)) => number
                .as_i64()
                .map(Some)
                .ok_or_else(|| GitlabError::invalid(name)),
            Some(Value::String(text)) => text
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| GitlabError::invalid(name)),
            Some(_) => Err(GitlabError::invalid(name)),
        }
    }

    /// A list given as an array, repeated keys, or one comma-separated string (as `tag_list`).
    pub fn list(&self, name: &str) -> Result<Option<Vec<String>>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| match item {
                    Value::String(text) => Ok(text.clone()),
                    Value::Number(number) => Ok(number.to_string()),
                    _ => Err(GitlabError::invalid(name)),
                })
                .collect::<Result<Vec<_>>>()
                .map(Some),
            Some(Value::String(text)) => Ok(Some(
                text.split(',')
                    .map(|part| part.trim().to_string())
                    .filter(|part| !part.is_empty())
                    .collect(),
            )),
            Some(_) => Err(GitlabError::invalid(name)),
        }
    }
}

/// Adds `key=value` pairs to `map`: a repeated key or `key[]` makes an array.
fn merge_form(map: &mut Map<String, Value>, form: &[u8]) {
    for (key, value) in form_urlencoded::parse(form) {
        let (key, is_array) = match key.strip_suffix("[]") {
            Some(stripped) => (stripped.to_string(), true),
            None => (key.into_owned(), false),
        };
        let value = Value::String(value.into_owned());
        match map.get_mut(&key) {
            Some(Value::Array(list)) => list.push(value),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, value]);
            }
            None if is_array => {
                map.insert(key, Value::Array(vec![value]));
            }
            None => {
                map.insert(key, value);
            }
        }
    }
}

impl<S: Send + Sync> FromRequest<S> for Params {
    type Rejection = GitlabError;

    async fn from_request(request: Request, _state: &S) -> Result<Self> {
        let mut params = Self::from_query(request.uri().query());
        let content_type = request
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let limit = request
            .extensions()
            .get::<simkit::body::BodyLimit>()
            .map_or(simkit::DEFAULT_BODY_LIMIT, |limit| limit.0);
        let body = simkit::body::collect(request.into_body(), limit)
            .await
            .map_err(|error| match error {
                simkit::body::BodyError::TooLarge { .. } => GitlabError::TooLarge,
                simkit::body::BodyError::Read(_) => GitlabError::BadRequest("body".into()),
            })?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(params);
        }
        if content_type.starts_with("application/x-www-form-urlencoded") {
            merge_form(&mut params.0, &body);
        } else if content_type.starts_with("application/json") || body.first() == Some(&b'{') {
            match serde_json::from_slice::<Value>(&body) {
                Ok(Value::Object(fields)) => params.0.extend(fields),
                // Grape answers a body that is not JSON like this.
                _ => {
                    return Err(GitlabError::BadRequestMessage(
                        "There was a problem with the request body".into(),
                    ));
                }
            }
        } else {
            merge_form(&mut params.0, &body);
        }
        Ok(params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_coerce_like_grape() {
        let params = Params::from_query(Some("a=1&b=true&tag_list=x&tag_list=y&c[]=z&d=x,y"));
        assert_eq!(params.int("a").ok().flatten(), Some(1));
        assert_eq!(params.bool("b").ok().flatten(), Some(true));
        assert_eq!(
            params.list("tag_list").ok().flatten(),
            Some(vec!["x".to_string(), "y".to_string()])
        );
        assert_eq!(params.list("c").ok().flatten(), Some(vec!["z".to_string()]));
        assert_eq!(
            params.list("d").ok().flatten(),
            Some(vec!["x".to_string(), "y".to_string()])
        );
        assert!(params.int("b").is_err());
        assert!(
            matches!(params.required_str("zz"), Err(GitlabError::InvalidParameter(t)) if t == "zz is missing")
        );
    }
}
