//! Walking values along model shapes: decoding JSON input into the simulator's normal form,
//! converting text (query strings, XML, headers) into typed scalars, validating constraints,
//! and preparing output for JSON bodies.
//!
//! The normal form is plain JSON keyed by *member names*: structures are objects, lists arrays,
//! maps objects, timestamps numbers of epoch seconds, blobs base64 strings. Handlers see it only
//! through their typed inputs and outputs.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use base64::Engine;
use serde_json::{Map, Value};

use super::timestamp;
use crate::error::AwsError;
use crate::model::{Member, Model, Shape, ShapeType, TimestampFormat};

/// The path to a value, for error messages (`containerDefinitions.1.member.name`).
#[derive(Debug, Default, Clone)]
pub struct Path(Vec<String>);

impl Path {
    pub fn push(&mut self, part: impl Into<String>) {
        self.0.push(part.into());
    }

    pub fn pop(&mut self) {
        self.0.pop();
    }

    fn member(&self, name: &str) -> String {
        let mut parts = self.0.clone();
        parts.push(lower_first(name));
        parts.join(".")
    }
}

impl std::fmt::Display for Path {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join("."))
    }
}

/// Coral names members with a lower-case first letter in its messages.
fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn found(value: &Value) -> &'static str {
    match value {
        Value::Null => "NULL_VALUE",
        Value::Bool(_) => "BOOLEAN_VALUE",
        Value::Number(_) => "NUMBER_VALUE",
        Value::String(_) => "STRING_VALUE",
        Value::Array(_) => "START_ARRAY",
        Value::Object(_) => "START_OBJECT",
    }
}

fn type_name(kind: ShapeType) -> &'static str {
    match kind {
        ShapeType::Structure => "a Structure",
        ShapeType::List => "a List",
        ShapeType::Map => "a Map",
        ShapeType::String => "a String",
        ShapeType::Integer => "an Integer",
        ShapeType::Long => "a Long",
        ShapeType::Float => "a Float",
        ShapeType::Double => "a Double",
        ShapeType::Boolean => "a Boolean",
        ShapeType::Timestamp => "a Timestamp",
        ShapeType::Blob => "a Blob",
        ShapeType::BigDecimal => "a BigDecimal",
        ShapeType::BigInteger => "a BigInteger",
    }
}

fn mismatch(value: &Value, kind: ShapeType) -> AwsError {
    AwsError::serialization(format!(
        "{} can not be converted to {}",
        found(value),
        type_name(kind)
    ))
}

fn shape<'m>(model: &'m Model, name: &str) -> Result<&'m Shape, AwsError> {
    model.shape(name).map_err(|error| {
        tracing::error!(%error, "broken model");
        AwsError::internal()
    })
}

/// Decodes a JSON value (a json-protocol body, a rest-json payload) of shape `name` into the
/// normal form. Unknown members are dropped, as AWS ignores them; nulls count as absent. The
/// value is consumed: what is kept is moved, not copied.
pub fn from_json(model: &Model, name: &str, value: Value) -> Result<Value, AwsError> {
    let target = shape(model, name)?;
    match target.kind {
        ShapeType::Structure => {
            let Value::Object(mut object) = value else {
                return Err(mismatch(&value, target.kind));
            };
            let mut out = Map::new();
            for (member_name, member) in &target.members {
                match object.remove(member_name) {
                    None | Some(Value::Null) => {}
                    Some(inner) => {
                        out.insert(member_name.clone(), from_json(model, &member.shape, inner)?);
                    }
                }
            }
            if target.union && out.len() > 1 {
                return Err(AwsError::serialization(format!(
                    "Union {name} must have exactly one member set, got {}",
                    out.len()
                )));
            }
            Ok(Value::Object(out))
        }
        ShapeType::List => {
            let Value::Array(items) = value else {
                return Err(mismatch(&value, target.kind));
            };
            let element = list_member(target)?;
            items
                .into_iter()
                .filter(|item| !item.is_null())
                .map(|item| from_json(model, &element.shape, item))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array)
        }
        ShapeType::Map => {
            let Value::Object(object) = value else {
                return Err(mismatch(&value, target.kind));
            };
            let value_member = target.value.as_ref().ok_or_else(AwsError::internal)?;
            let mut out = Map::new();
            for (key, inner) in object {
                if !inner.is_null() {
                    out.insert(key, from_json(model, &value_member.shape, inner)?);
                }
            }
            Ok(Value::Object(out))
        }
        _ if target.document => Ok(value),
        ShapeType::String => match value {
            Value::String(_) => Ok(value),
            _ => Err(mismatch(&value, target.kind)),
        },
        ShapeType::Boolean => match value {
            Value::Bool(_) => Ok(value),
            _ => Err(mismatch(&value, target.kind)),
        },
        ShapeType::Integer | ShapeType::Long | ShapeType::BigInteger => match &value {
            Value::Number(number) if number.is_i64() || number.is_u64() => {
                let fits = target.kind != ShapeType::Integer
                    || number.as_i64().is_some_and(|n| i32::try_from(n).is_ok());
                if fits {
                    Ok(value)
                } else {
                    Err(mismatch(&value, target.kind))
                }
            }
            _ => Err(mismatch(&value, target.kind)),
        },
        ShapeType::Float | ShapeType::Double | ShapeType::BigDecimal => match &value {
            Value::Number(_) => Ok(value),
            // AWS accepts the special values as strings.
            Value::String(text) if matches!(text.as_str(), "NaN" | "Infinity" | "-Infinity") => {
                Ok(value)
            }
            _ => Err(mismatch(&value, target.kind)),
        },
        ShapeType::Timestamp => match &value {
            Value::Number(number) => Ok(timestamp::epoch_json(number.as_f64().unwrap_or(0.0))),
            Value::String(text) => timestamp::parse(text)
                .map(timestamp::epoch_json)
                .ok_or_else(|| {
                    AwsError::serialization(format!("'{text}' can not be converted to a Timestamp"))
                }),
            _ => Err(mismatch(&value, target.kind)),
        },
        ShapeType::Blob => match &value {
            Value::String(text) => {
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(|_| AwsError::serialization("Base64 encoded blob is malformed"))?;
                Ok(value)
            }
            _ => Err(mismatch(&value, target.kind)),
        },
    }
}

pub fn list_member(shape: &Shape) -> Result<&Member, AwsError> {
    shape.member.as_ref().ok_or_else(|| {
        tracing::error!("list shape without a member");
        AwsError::internal()
    })
}

/// Converts text (a query parameter, XML text, a header) to a scalar of `target`'s type.
/// `invalid` builds the protocol's error for text that is not of the type.
pub fn scalar_from_text(
    target: &Shape,
    text: &str,
    invalid: &dyn Fn(String) -> AwsError,
) -> Result<Value, AwsError> {
    let bad = |kind| {
        invalid(format!(
            "Value '{text}' can not be converted to {}",
            type_name(kind)
        ))
    };
    Ok(match target.kind {
        ShapeType::String => Value::String(text.to_string()),
        ShapeType::Boolean => match text.trim() {
            "true" | "True" | "TRUE" => Value::Bool(true),
            "false" | "False" | "FALSE" => Value::Bool(false),
            _ => return Err(bad(target.kind)),
        },
        ShapeType::Integer => {
            Value::from(text.trim().parse::<i32>().map_err(|_| bad(target.kind))?)
        }
        ShapeType::Long | ShapeType::BigInteger => {
            Value::from(text.trim().parse::<i64>().map_err(|_| bad(target.kind))?)
        }
        ShapeType::Float | ShapeType::Double | ShapeType::BigDecimal => match text.trim() {
            special @ ("NaN" | "Infinity" | "-Infinity") => Value::String(special.to_string()),
            number => {
                let parsed = number.parse::<f64>().map_err(|_| bad(target.kind))?;
                serde_json::Number::from_f64(parsed)
                    .map(Value::Number)
                    .ok_or_else(|| bad(target.kind))?
            }
        },
        ShapeType::Timestamp => {
            timestamp::epoch_json(timestamp::parse(text).ok_or_else(|| bad(target.kind))?)
        }
        ShapeType::Blob => {
            let compact: String = text.split_whitespace().collect();
            base64::engine::general_purpose::STANDARD
                .decode(&compact)
                .map_err(|_| bad(target.kind))?;
            Value::String(compact)
        }
        ShapeType::Structure | ShapeType::List | ShapeType::Map => return Err(bad(target.kind)),
    })
}

/// A constraint of the model that an input breaks.
#[derive(Debug, Clone, PartialEq)]
pub enum Constraint {
    Required,
    Enum(Vec<String>),
    MinLength(f64),
    MaxLength(f64),
    Pattern(String),
    MinValue(f64),
    MaxValue(f64),
}

/// One broken constraint: where (Coral's path, `containerDefinitions.1.member.name`), the
/// value as Coral shows it, and which constraint.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    pub path: String,
    pub value: Option<String>,
    pub constraint: Constraint,
}

impl Violation {
    /// The member's name: the last segment of its path.
    pub fn member(&self) -> &str {
        self.path.rsplit('.').next().unwrap_or(&self.path)
    }

    /// Coral's sentence for it; `echo` says whether the value is quoted in it (IAM no longer
    /// quotes values, other services still do).
    pub fn render(&self, echo: bool) -> String {
        let value = match (&self.value, echo) {
            (None, _) => "Value null".to_string(),
            (Some(value), true) => format!("Value '{value}'"),
            (Some(_), false) => "Value".to_string(),
        };
        let rule = match &self.constraint {
            Constraint::Required => "Member must not be null".to_string(),
            Constraint::Enum(allowed) => {
                format!(
                    "Member must satisfy enum value set: [{}]",
                    allowed.join(", ")
                )
            }
            Constraint::MinLength(min) => {
                format!(
                    "Member must have length greater than or equal to {}",
                    plain(*min)
                )
            }
            Constraint::MaxLength(max) => {
                format!(
                    "Member must have length less than or equal to {}",
                    plain(*max)
                )
            }
            Constraint::Pattern(pattern) => {
                format!("Member must satisfy regular expression pattern: {pattern}")
            }
            Constraint::MinValue(min) => {
                format!(
                    "Member must have value greater than or equal to {}",
                    plain(*min)
                )
            }
            Constraint::MaxValue(max) => {
                format!(
                    "Member must have value less than or equal to {}",
                    plain(*max)
                )
            }
        };
        format!(
            "{value} at '{}' failed to satisfy constraint: {rule}",
            self.path
        )
    }
}

/// How a service reports input that breaks its model's constraints.
#[derive(Debug, Clone, Copy)]
pub struct Validation {
    /// The error code (`ValidationException`, `InvalidParameterException`, `ValidationError`).
    pub code: &'static str,
    /// Whether messages quote the offending value.
    pub echo_values: bool,
    /// A message of the service's own that replaces the whole report when a violation is of a
    /// kind it words itself (IAM's name and path messages, say).
    pub special: fn(&Violation) -> Option<String>,
}

impl Validation {
    /// Coral's standard report under `code`.
    pub const fn standard(code: &'static str) -> Self {
        Self {
            code,
            echo_values: true,
            special: |_| None,
        }
    }

    /// The error for `violations` (at least one).
    pub fn error(&self, violations: &[Violation]) -> AwsError {
        if let Some(message) = violations.iter().find_map(self.special) {
            return AwsError::with_status(self.code, 400, message);
        }
        let count = violations.len();
        let noun = if count == 1 {
            "validation error"
        } else {
            "validation errors"
        };
        let rendered: Vec<String> = violations
            .iter()
            .map(|violation| violation.render(self.echo_values))
            .collect();
        AwsError::with_status(
            self.code,
            400,
            format!("{count} {noun} detected: {}", rendered.join("; ")),
        )
    }
}

/// Checks `value` (normal form, shape `name`) against the model's constraints: required
/// members, enums, lengths, ranges and patterns. Every violation is reported.
pub fn violations(model: &Model, name: &str, value: &Value) -> Vec<Violation> {
    let mut violations = Vec::new();
    let mut path = Path::default();
    check(model, name, value, &mut path, &mut violations);
    violations
}

/// [`violations`], as the error `validation` words.
pub fn validate(
    model: &Model,
    name: &str,
    value: &Value,
    validation: &Validation,
) -> Result<(), AwsError> {
    let found = violations(model, name, value);
    if found.is_empty() {
        Ok(())
    } else {
        Err(validation.error(&found))
    }
}

fn check(model: &Model, name: &str, value: &Value, path: &mut Path, out: &mut Vec<Violation>) {
    let Ok(target) = model.shape(name) else {
        return;
    };
    match (target.kind, value) {
        (ShapeType::Structure, Value::Object(object)) => {
            for required in &target.required {
                if object.get(required).is_none_or(Value::is_null) {
                    out.push(Violation {
                        path: path.member(required),
                        value: None,
                        constraint: Constraint::Required,
                    });
                }
            }
            for (member_name, member) in &target.members {
                if let Some(inner) = object.get(member_name) {
                    path.push(lower_first(member_name));
                    check(model, &member.shape, inner, path, out);
                    path.pop();
                }
            }
        }
        (ShapeType::List, Value::Array(items)) => {
            length(target, items.len(), || render(value), path, out);
            if let Some(element) = &target.member {
                for (index, item) in items.iter().enumerate() {
                    path.push(format!("{}.member", index + 1));
                    check(model, &element.shape, item, path, out);
                    path.pop();
                }
            }
        }
        (ShapeType::Map, Value::Object(entries)) => {
            length(target, entries.len(), || render(value), path, out);
            for (key, inner) in entries {
                if let Some(key_member) = &target.key {
                    check(
                        model,
                        &key_member.shape,
                        &Value::String(key.clone()),
                        path,
                        out,
                    );
                }
                if let Some(value_member) = &target.value {
                    path.push(key.clone());
                    check(model, &value_member.shape, inner, path, out);
                    path.pop();
                }
            }
        }
        (ShapeType::String, Value::String(text)) => {
            if let Some(allowed) = &target.enum_values
                && !allowed.iter().any(|v| v == text)
            {
                out.push(Violation {
                    path: path.to_string(),
                    value: Some(text.clone()),
                    constraint: Constraint::Enum(allowed.clone()),
                });
                return;
            }
            length(target, text.chars().count(), || text.clone(), path, out);
            if let Some(pattern) = &target.pattern
                && !matches_pattern(pattern, text)
            {
                out.push(Violation {
                    path: path.to_string(),
                    value: Some(text.clone()),
                    constraint: Constraint::Pattern(pattern.clone()),
                });
            }
        }
        (ShapeType::Blob, Value::String(encoded)) => {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .map_or(0, |b| b.len());
            length(
                target,
                decoded,
                || "java.nio.HeapByteBuffer".into(),
                path,
                out,
            );
        }
        (
            ShapeType::Integer | ShapeType::Long | ShapeType::Float | ShapeType::Double,
            Value::Number(number),
        ) => {
            let n = number.as_f64().unwrap_or(0.0);
            if let Some(min) = target.min
                && n < min
            {
                out.push(Violation {
                    path: path.to_string(),
                    value: Some(number.to_string()),
                    constraint: Constraint::MinValue(min),
                });
            }
            if let Some(max) = target.max
                && n > max
            {
                out.push(Violation {
                    path: path.to_string(),
                    value: Some(number.to_string()),
                    constraint: Constraint::MaxValue(max),
                });
            }
        }
        _ => {}
    }
}

fn length(
    target: &Shape,
    len: usize,
    shown: impl Fn() -> String,
    path: &Path,
    out: &mut Vec<Violation>,
) {
    if let Some(min) = target.min
        && (len as f64) < min
    {
        out.push(Violation {
            path: path.to_string(),
            value: Some(shown()),
            constraint: Constraint::MinLength(min),
        });
    }
    if let Some(max) = target.max
        && (len as f64) > max
    {
        out.push(Violation {
            path: path.to_string(),
            value: Some(shown()),
            constraint: Constraint::MaxLength(max),
        });
    }
}

fn plain(number: f64) -> String {
    if number.fract() == 0.0 {
        format!("{}", number as i64)
    } else {
        number.to_string()
    }
}

fn render(value: &Value) -> String {
    match value {
        Value::Array(items) => {
            format!(
                "[{}]",
                items.iter().map(render).collect::<Vec<_>>().join(", ")
            )
        }
        Value::Object(entries) => format!(
            "{{{}}}",
            entries
                .iter()
                .map(|(k, v)| format!("{k}={}", render(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Whether `text` matches the model's (Java-flavoured) pattern as a whole. A pattern the regex
/// engine cannot compile is not enforced, rather than failing every request.
fn matches_pattern(pattern: &str, text: &str) -> bool {
    static CACHE: OnceLock<Mutex<HashMap<String, Option<regex::Regex>>>> = OnceLock::new();
    let mut cache = CACHE
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let compiled = cache.entry(pattern.to_string()).or_insert_with(|| {
        regex::Regex::new(&format!("^(?:{})$", java_classes_as_ascii(pattern))).ok()
    });
    compiled.as_ref().is_none_or(|regex| regex.is_match(text))
}

/// Java's `\w`, `\d` and `\s` are ASCII-only, where the regex crate's are Unicode: spell them
/// out so `[\w+=,.@-]+` refuses `é` as IAM does.
fn java_classes_as_ascii(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(next) = chars.next() else {
                    out.push(c);
                    break;
                };
                let ascii = match next {
                    'w' => Some("0-9A-Za-z_"),
                    'd' => Some("0-9"),
                    's' => Some("\\t\\n\\x0B\\x0C\\r "),
                    _ => None,
                };
                match ascii {
                    Some(class) if in_class => out.push_str(class),
                    Some(class) => {
                        out.push('[');
                        out.push_str(class);
                        out.push(']');
                    }
                    None => {
                        out.push(c);
                        out.push(next);
                    }
                }
            }
            '[' => {
                in_class = true;
                out.push(c);
            }
            ']' => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Prepares handler output (normal form) for a JSON body: applies `timestampFormat` overrides
/// and drops what the shape does not declare.
pub fn to_json(model: &Model, name: &str, value: Value, format: Option<TimestampFormat>) -> Value {
    let Ok(target) = model.shape(name) else {
        return Value::Null;
    };
    match (target.kind, value) {
        (ShapeType::Structure, Value::Object(mut object)) => {
            let mut out = Map::new();
            for (member_name, member) in &target.members {
                if let Some(inner) = object.remove(member_name).filter(|v| !v.is_null()) {
                    let format = member.timestamp_format.or(target.timestamp_format);
                    out.insert(
                        member_name.clone(),
                        to_json(model, &member.shape, inner, format),
                    );
                }
            }
            Value::Object(out)
        }
        (ShapeType::List, Value::Array(items)) => match &target.member {
            Some(element) => Value::Array(
                items
                    .into_iter()
                    .map(|item| to_json(model, &element.shape, item, element.timestamp_format))
                    .collect(),
            ),
            None => Value::Array(Vec::new()),
        },
        (ShapeType::Map, Value::Object(entries)) => match &target.value {
            Some(value_member) => Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| {
                        (
                            k,
                            to_json(model, &value_member.shape, v, value_member.timestamp_format),
                        )
                    })
                    .collect(),
            ),
            None => Value::Object(Map::new()),
        },
        (ShapeType::Timestamp, Value::Number(number)) => {
            let seconds = number.as_f64().unwrap_or(0.0);
            match format.or(target.timestamp_format) {
                Some(TimestampFormat::Iso8601) => Value::String(timestamp::iso8601(seconds)),
                Some(TimestampFormat::Rfc822) => Value::String(timestamp::http_date(seconds)),
                _ => timestamp::epoch_json(seconds),
            }
        }
        (_, value) => value,
    }
}

#[cfg(test)]
mod tests;
