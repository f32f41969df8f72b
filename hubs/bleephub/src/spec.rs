//! The vendored REST description (`api/rest.json`, the part of GitHub's
//! `api.github.com.json` bleephub serves, refreshed by `scripts/refresh-github-rest`).
//!
//! - [`Op`] and [`OPERATIONS`] are generated from it at build time: the route table.
//! - [`route`] matches a method and path against the path templates.
//! - [`validate_request`] checks a request body against the operation's schema, giving
//!   GitHub's "Invalid request" message for the first problem.
//! - [`check`] validates any value against a schema of the description; tests use it to hold
//!   response bodies to GitHub's shapes.
//!
//! What this module must not do: know any handler; it only describes the wire.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde_json::Value;

include!(concat!(env!("OUT_DIR"), "/operations.rs"));

static DESCRIPTION: LazyLock<Value> = LazyLock::new(|| {
    // The file is vendored and checked by the build script, which parsed it already.
    serde_json::from_str(include_str!("../api/rest.json")).unwrap_or(Value::Null)
});

/// The whole reduced description.
pub fn description() -> &'static Value {
    &DESCRIPTION
}

/// An operation matched against a request: which one, and its path parameters (decoded).
#[derive(Debug, Clone)]
pub struct Matched {
    pub op: Op,
    pub operation_id: &'static str,
    pub documentation_url: &'static str,
    pub params: BTreeMap<String, String>,
}

impl Matched {
    /// A path parameter the template names (always present once matched).
    pub fn param(&self, name: &str) -> &str {
        self.params.get(name).map_or("", String::as_str)
    }
}

/// Path parameters that may hold slashes: file paths, ref and branch names, and the two sides
/// of a comparison. GitHub resolves them greedily (`contents/a/b.txt`, `git/refs/heads/x/y`).
const GREEDY: [&str; 4] = ["path", "ref", "branch", "base"];

/// Matches `method` and `path` (without the `/api/v3` prefix, still percent-encoded) against
/// the route table. Where two templates match, the one with more literal segments wins
/// (`/repos/{o}/{r}/issues/comments/{id}` over `/repos/{o}/{r}/issues/{n}/comments`,
/// `/branches/{branch}/protection` over `/branches/{branch}`).
pub fn route(method: &str, path: &str) -> Option<Matched> {
    let trimmed = path.trim_end_matches('/');
    let segments: Vec<&str> = if trimmed.is_empty() {
        Vec::new()
    } else {
        trimmed.trim_start_matches('/').split('/').collect()
    };
    let mut best: Option<(usize, Matched)> = None;
    for (op, op_method, template, operation_id, documentation_url) in OPERATIONS {
        if *op_method != method {
            continue;
        }
        let parts: Vec<&str> = template
            .trim_start_matches('/')
            .split('/')
            .filter(|part| !part.is_empty())
            .collect();
        let mut params = BTreeMap::new();
        let Some(literals) = match_parts(&parts, &segments, &mut params) else {
            continue;
        };
        if best.as_ref().is_none_or(|(score, _)| literals > *score) {
            best = Some((
                literals,
                Matched {
                    op: *op,
                    operation_id,
                    documentation_url,
                    params,
                },
            ));
        }
    }
    best.map(|(_, matched)| matched)
}

/// Matches template parts against path segments, filling `params`; the number of literal
/// parts when they fit. A greedy part takes one or more segments (the contents `path` may
/// take none: the repository's root), trying the longest first.
fn match_parts(
    parts: &[&str],
    segments: &[&str],
    params: &mut BTreeMap<String, String>,
) -> Option<usize> {
    let Some((part, rest)) = parts.split_first() else {
        return segments.is_empty().then_some(0);
    };
    let decode = |segment: &str| {
        percent_encoding::percent_decode_str(segment)
            .decode_utf8_lossy()
            .into_owned()
    };
    let Some(inner) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) else {
        let (segment, after) = segments.split_first()?;
        return (part == segment)
            .then(|| match_parts(rest, after, params).map(|n| n + 1))
            .flatten();
    };
    // `{base}...{head}`: one part naming two parameters around a literal separator.
    let (name, second) = match inner.split_once("}...{") {
        Some((base, head)) => (base, Some(head)),
        None => (inner, None),
    };
    let greedy = GREEDY.contains(&name);
    let least = usize::from(!(greedy && name == "path" && rest.is_empty()));
    let most = if greedy {
        segments.len().saturating_sub(rest.len())
    } else {
        segments.len().min(1)
    };
    for taken in (least..=most).rev() {
        let value = segments[..taken]
            .iter()
            .map(|segment| decode(segment))
            .collect::<Vec<_>>()
            .join("/");
        // `a//b` names nothing; an encoded slash (`heads%2F`) is the client's own.
        if segments[..taken].iter().any(|segment| segment.is_empty()) {
            continue;
        }
        let mut attempt = params.clone();
        match second {
            Some(head) => {
                let (base_value, head_value) = value.split_once("...")?;
                if base_value.is_empty() || head_value.is_empty() {
                    return None;
                }
                attempt.insert(name.to_string(), base_value.to_string());
                attempt.insert(head.to_string(), head_value.to_string());
            }
            None => {
                attempt.insert(name.to_string(), value);
            }
        }
        if let Some(literals) = match_parts(rest, &segments[taken..], &mut attempt) {
            *params = attempt;
            return Some(literals);
        }
    }
    None
}

fn operation(operation_id: &str) -> Option<&'static Value> {
    description()["operations"]
        .as_array()?
        .iter()
        .find(|op| op["operationId"] == operation_id)
}

/// The JSON schema of an operation's request body, if it takes one.
pub fn request_schema(operation_id: &str) -> Option<&'static Value> {
    operation(operation_id)
        .map(|op| &op["requestBody"]["content"]["application/json"]["schema"])
        .filter(|schema| !schema.is_null())
}

/// The JSON schema of an operation's answer with `status`.
pub fn response_schema(operation_id: &str, status: u16) -> Option<&'static Value> {
    let response = &operation(operation_id)?["responses"][status.to_string()];
    let response = resolve(response);
    Some(&response["content"]["application/json"]["schema"]).filter(|schema| !schema.is_null())
}

/// The JSON schema of webhook event `name`'s payload (`issues-opened`, `push`), as the
/// description's `webhooks` keep it.
pub fn webhook_schema(name: &str) -> Option<&'static Value> {
    description()["webhooks"]
        .get(name)
        .filter(|schema| !schema.is_null())
}

/// Follows `$ref`s to the node they name.
fn resolve(node: &Value) -> &Value {
    let mut node = node;
    for _ in 0..16 {
        let Some(reference) = node.get("$ref").and_then(Value::as_str) else {
            return node;
        };
        let mut target = description();
        for part in reference.trim_start_matches("#/").split('/') {
            target = &target[part];
        }
        node = target;
    }
    node
}

/// Checks a request body against the operation's schema: GitHub answers the first problem as
/// `Invalid request.\n\n...` (422). Only the body's top level and its members' types and enums
/// are checked, as GitHub's own messages name them.
pub fn validate_request(operation_id: &str, body: &Value) -> Result<(), String> {
    let Some(schema) = request_schema(operation_id) else {
        return Ok(());
    };
    let schema = resolve(schema);
    let Some(object) = body.as_object() else {
        return Err(format!(
            "Invalid request.\n\nFor 'links/0/schema', {} is not an object.",
            short(body)
        ));
    };
    if let Some(required) = schema["required"].as_array() {
        for name in required.iter().filter_map(Value::as_str) {
            if !object.contains_key(name) {
                return Err(format!("Invalid request.\n\n\"{name}\" wasn't supplied."));
            }
        }
    }
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let Some(properties) = schema["properties"].as_object() {
        for (name, value) in object {
            let Some(property) = properties.get(name) else {
                continue;
            };
            // An optional member sent as null is taken as absent: clients send nulls for what
            // they leave unset (PyGithub's branch protection does), and GitHub accepts them.
            if value.is_null() && !required.contains(&name.as_str()) {
                continue;
            }
            if let Err(expected) = type_fits(resolve(property), value) {
                return Err(format!(
                    "Invalid request.\n\nFor 'properties/{name}', {} is not {expected}.",
                    short(value)
                ));
            }
            if let Some(members) = resolve(property)["enum"].as_array()
                && !members.contains(value)
            {
                let listed: Vec<String> = members.iter().map(short).collect();
                return Err(format!(
                    "Invalid request.\n\nFor 'properties/{name}', {} is not a member of [{}].",
                    short(value),
                    listed.join(", ")
                ));
            }
        }
    }
    Ok(())
}

/// A value as GitHub quotes it in messages.
fn short(value: &Value) -> String {
    match value {
        Value::String(text) => format!("\"{text}\""),
        other => other.to_string(),
    }
}

/// Whether `value` has one of the types `schema` allows (`type`, `nullable`, `oneOf`/`anyOf`),
/// else the article and type GitHub's message names ("a string", "an integer").
fn type_fits(schema: &Value, value: &Value) -> Result<(), String> {
    for key in ["oneOf", "anyOf"] {
        if let Some(choices) = schema[key].as_array() {
            let first = choices.first().map(resolve).unwrap_or(&Value::Null);
            return if choices.iter().any(|c| type_fits(resolve(c), value).is_ok()) {
                Ok(())
            } else {
                type_fits(first, &Value::Null).map(|_| ())
            };
        }
    }
    if value.is_null() && schema["nullable"] == true {
        return Ok(());
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(one) => vec![one.as_str()],
        Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
        _ => return Ok(()),
    };
    let fits = types.iter().any(|kind| match *kind {
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "null" => value.is_null(),
        _ => true,
    });
    if fits {
        return Ok(());
    }
    let kind = types.first().copied().unwrap_or("valid");
    let article = if matches!(kind, "integer" | "array" | "object") {
        "an"
    } else {
        "a"
    };
    Err(format!("{article} {kind}"))
}

/// Validates `value` against `schema` fully (required members, types, nested objects and
/// arrays, `allOf`/`oneOf`/`anyOf`), returning every problem with its JSON path. For tests.
pub fn check(schema: &Value, value: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    check_at(resolve(schema), value, "$", &mut problems, 0);
    problems
}

fn check_at(schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>, depth: usize) {
    if depth > 24 {
        return;
    }
    if let Some(all) = schema["allOf"].as_array() {
        for part in all {
            check_at(resolve(part), value, at, problems, depth + 1);
        }
        return;
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(choices) = schema[key].as_array() {
            let fits = choices.iter().any(|choice| {
                let mut inner = Vec::new();
                check_at(resolve(choice), value, at, &mut inner, depth + 1);
                inner.is_empty()
            });
            if !fits {
                problems.push(format!("{at}: matches none of {key}"));
            }
            return;
        }
    }
    if let Err(expected) = type_fits(schema, value) {
        problems.push(format!("{at}: {value} is not {expected}"));
        return;
    }
    if let Some(object) = value.as_object() {
        if let Some(required) = schema["required"].as_array() {
            for name in required.iter().filter_map(Value::as_str) {
                if !object.contains_key(name) {
                    problems.push(format!("{at}: missing required member {name}"));
                }
            }
        }
        if let Some(properties) = schema["properties"].as_object() {
            for (name, member) in object {
                if let Some(property) = properties.get(name) {
                    check_at(
                        resolve(property),
                        member,
                        &format!("{at}.{name}"),
                        problems,
                        depth + 1,
                    );
                }
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (index, item) in array.iter().enumerate() {
            check_at(
                resolve(items),
                item,
                &format!("{at}[{index}]"),
                problems,
                depth + 1,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_match_templates_with_literals_first() {
        let cases = [
            ("GET", "/", Some(Op::MetaRoot)),
            ("GET", "/user", Some(Op::UsersGetAuthenticated)),
            ("GET", "/repos/o/r", Some(Op::ReposGet)),
            ("GET", "/repos/o/r/", Some(Op::ReposGet)),
            (
                "GET",
                "/repos/o/r/issues/comments/5",
                Some(Op::IssuesGetComment),
            ),
            (
                "GET",
                "/repos/o/r/issues/5/comments",
                Some(Op::IssuesListComments),
            ),
            ("PUT", "/repos/o/r", None),
            ("GET", "/repos/o", None),
            ("GET", "/nothing/here", None),
        ];
        for (method, path, expected) in cases {
            assert_eq!(
                route(method, path).map(|m| m.op),
                expected,
                "{method} {path}"
            );
        }
        let label = route("GET", "/repos/o/r/labels/good%20first%20issue").unwrap();
        assert_eq!(label.param("name"), "good first issue");
        let greedy = [
            (
                "GET",
                "/repos/o/r/contents",
                Op::ReposGetContent,
                "path",
                "",
            ),
            (
                "GET",
                "/repos/o/r/contents/a/b%20c.txt",
                Op::ReposGetContent,
                "path",
                "a/b c.txt",
            ),
            (
                "PATCH",
                "/repos/o/r/git/refs/heads/feature/x",
                Op::GitUpdateRef,
                "ref",
                "heads/feature/x",
            ),
            (
                "GET",
                "/repos/o/r/branches/feature/x",
                Op::ReposGetBranch,
                "branch",
                "feature/x",
            ),
            (
                "GET",
                "/repos/o/r/branches/feature/x/protection",
                Op::ReposGetBranchProtection,
                "branch",
                "feature/x",
            ),
            (
                "GET",
                "/repos/o/r/compare/main...feature/x",
                Op::ReposCompareCommits,
                "head",
                "feature/x",
            ),
            (
                "GET",
                "/repos/o/r/compare/a/b...c",
                Op::ReposCompareCommits,
                "base",
                "a/b",
            ),
            ("GET", "/repos/o/r/git/refs", Op::GitListRefs, "owner", "o"),
            (
                "GET",
                "/repos/o/r/git/matching-refs/heads%2F",
                Op::GitListMatchingRefs,
                "ref",
                "heads/",
            ),
        ];
        for (method, path, op, name, value) in greedy {
            let matched = route(method, path).unwrap_or_else(|| panic!("{path}"));
            assert_eq!((matched.op, matched.param(name)), (op, value), "{path}");
        }
        assert!(route("GET", "/repos/o/r/compare/main").is_none());
        assert!(route("GET", "/repos/o/r/branches/a//b").is_none());
    }

    #[test]
    fn request_bodies_get_githubs_messages() {
        let cases = [
            (serde_json::json!({"name": "x"}), Ok(())),
            (serde_json::json!({"name": "x", "private": null}), Ok(())),
            (
                serde_json::json!({}),
                Err("Invalid request.\n\n\"name\" wasn't supplied.".to_string()),
            ),
            (
                serde_json::json!({"name": 5}),
                Err("Invalid request.\n\nFor 'properties/name', 5 is not a string.".to_string()),
            ),
            (
                serde_json::json!({"name": "x", "private": "yes"}),
                Err(
                    "Invalid request.\n\nFor 'properties/private', \"yes\" is not a boolean."
                        .to_string(),
                ),
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(
                validate_request("repos/create-for-authenticated-user", &body),
                expected,
                "{body}"
            );
        }
    }

    #[test]
    fn every_operation_has_a_success_answer() {
        for (_, _, _, operation_id, _) in OPERATIONS {
            let op = operation(operation_id).unwrap();
            assert!(
                op["responses"]
                    .as_object()
                    .unwrap()
                    .keys()
                    .any(|code| code.starts_with('2') || code == "302"),
                "{operation_id}"
            );
        }
    }
}
