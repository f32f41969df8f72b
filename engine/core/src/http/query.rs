//! Query parameters as Docker reads them: booleans are `1`/`true`/`True` (anything else but
//! empty, `0`, `false` counts as true, as Go's `httputils.BoolValue`), and `filters` is JSON,
//! `{"key":["v1","v2"]}` or the older `{"key":{"v1":true}}`.

use std::collections::BTreeMap;

use crate::api::Filters;
use crate::error::EngineError;

#[derive(Debug, Clone, Default)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    pub fn parse(query: Option<&str>) -> Self {
        Self {
            pairs: query
                .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
                .unwrap_or_default(),
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Every value of a parameter that may repeat (`changes`), in order.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .collect()
    }

    /// Docker's boolean: absent or empty is false, `0`/`false`/`no`/`off` (any case) false.
    pub fn bool(&self, name: &str) -> bool {
        match self.get(name) {
            None => false,
            Some(value) => {
                let value = value.trim().to_ascii_lowercase();
                !(value.is_empty()
                    || value == "0"
                    || value == "false"
                    || value == "no"
                    || value == "off")
            }
        }
    }

    /// A number, or Docker's 400 naming the parameter.
    pub fn int(&self, name: &str) -> Result<Option<i64>, EngineError> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some(value) => value.parse().map(Some).map_err(|_| {
                EngineError::InvalidParameter(format!(
                    "invalid value for {name}: {value:?}: strconv.Atoi: parsing {value:?}: invalid syntax"
                ))
            }),
        }
    }

    pub fn filters(&self) -> Result<Filters, EngineError> {
        parse_filters(self.get("filters").unwrap_or(""))
    }
}

/// Parses Docker's filters JSON.
pub fn parse_filters(text: &str) -> Result<Filters, EngineError> {
    if text.trim().is_empty() {
        return Ok(BTreeMap::new());
    }
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|error| EngineError::InvalidParameter(format!("invalid filter: {error}")))?;
    let object = value.as_object().ok_or_else(|| {
        EngineError::InvalidParameter("invalid filter: filters must be a JSON object".into())
    })?;
    let mut filters = BTreeMap::new();
    for (key, values) in object {
        let list: Vec<String> = match values {
            serde_json::Value::Array(items) => items
                .iter()
                .map(|item| item.as_str().map(String::from))
                .collect::<Option<_>>()
                .ok_or_else(|| EngineError::InvalidParameter("invalid filter".into()))?,
            serde_json::Value::Object(map) => map
                .iter()
                .filter(|(_, on)| on.as_bool() == Some(true))
                .map(|(item, _)| item.clone())
                .collect(),
            _ => return Err(EngineError::InvalidParameter("invalid filter".into())),
        };
        filters.insert(key.clone(), list);
    }
    Ok(filters)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_both_forms() {
        let filters = parse_filters(r#"{"status":["running"],"label":{"a=b":true}}"#).unwrap();
        assert_eq!(filters["status"], vec!["running"]);
        assert_eq!(filters["label"], vec!["a=b"]);
        assert!(parse_filters("{").is_err());
        assert!(parse_filters("[]").is_err());
    }

    #[test]
    fn booleans() {
        let query = Query::parse(Some("a=1&b=0&c=true&d=&e=False"));
        assert!(query.bool("a") && query.bool("c"));
        assert!(!query.bool("b") && !query.bool("d") && !query.bool("e") && !query.bool("x"));
    }
}
