//! Partial responses: the `fields` system parameter (`kind,items(name,size),nextPageToken`,
//! `a/b`), applied to a response's JSON. A selector names top-level keys, `/` descends, and
//! parentheses select within an object or within each element of an array.
//!
//! Must not: fail a request for a field the response lacks (Google omits it silently).

use serde_json::Value;
use std::collections::BTreeMap;

/// A parsed selection: each key with what to keep below it (empty = all of it).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Selection(BTreeMap<String, Selection>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Invalid field selection {0}")]
pub struct FieldsError(pub String);

impl Selection {
    pub fn parse(text: &str) -> Result<Self, FieldsError> {
        let mut chars = text.chars().peekable();
        let selection = parse_list(&mut chars, text)?;
        if chars.next().is_some() {
            return Err(FieldsError(text.to_string()));
        }
        Ok(selection)
    }

    fn insert_path(&mut self, path: &[String], below: Selection) {
        let Some((first, rest)) = path.split_first() else {
            return;
        };
        let entry = self.0.entry(first.clone()).or_default();
        if rest.is_empty() {
            for (key, value) in below.0 {
                entry.0.insert(key, value);
            }
        } else {
            entry.insert_path(rest, below);
        }
    }

    /// Keeps only what is selected.
    pub fn apply(&self, value: &mut Value) {
        if self.0.is_empty() {
            return;
        }
        match value {
            Value::Object(map) => {
                map.retain(|key, _| self.0.contains_key(key));
                for (key, below) in &self.0 {
                    if let Some(inner) = map.get_mut(key) {
                        below.apply(inner);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| self.apply(item)),
            _ => {}
        }
    }
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

fn parse_list(chars: &mut Chars<'_>, whole: &str) -> Result<Selection, FieldsError> {
    let mut selection = Selection::default();
    loop {
        let mut path = Vec::new();
        let mut name = String::new();
        let mut below = Selection::default();
        while let Some(&c) = chars.peek() {
            match c {
                ',' | ')' => break,
                '/' => {
                    chars.next();
                    if name.is_empty() {
                        return Err(FieldsError(whole.to_string()));
                    }
                    path.push(std::mem::take(&mut name));
                }
                '(' => {
                    chars.next();
                    below = parse_list(chars, whole)?;
                    if chars.next() != Some(')') {
                        return Err(FieldsError(whole.to_string()));
                    }
                }
                c if c.is_whitespace() => {
                    chars.next();
                }
                _ => {
                    name.push(c);
                    chars.next();
                }
            }
        }
        if name.is_empty() {
            return Err(FieldsError(whole.to_string()));
        }
        path.push(name);
        selection.insert_path(&path, below);
        match chars.peek() {
            Some(',') => {
                chars.next();
            }
            _ => return Ok(selection),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(fields: &str, input: Value, expected: Value) {
        let selection = Selection::parse(fields).expect("parses");
        let mut value = input;
        selection.apply(&mut value);
        assert_eq!(value, expected, "{fields}");
    }

    #[test]
    fn selects_keys_paths_and_items() {
        let listing = json!({"kind": "k", "nextPageToken": "t", "items": [{"name": "a", "size": "1", "md5Hash": "x"}]});
        check(
            "items(name,size)",
            listing.clone(),
            json!({"items": [{"name": "a", "size": "1"}]}),
        );
        check(
            "kind,nextPageToken",
            listing.clone(),
            json!({"kind": "k", "nextPageToken": "t"}),
        );
        check("items/name", listing, json!({"items": [{"name": "a"}]}));
        check(
            "name",
            json!({"name": "b", "id": "b"}),
            json!({"name": "b"}),
        );
    }

    #[test]
    fn malformed_selections_are_errors() {
        for bad in ["", "a,", "a(b", "/a", "a)"] {
            assert!(Selection::parse(bad).is_err(), "{bad}");
        }
    }
}
