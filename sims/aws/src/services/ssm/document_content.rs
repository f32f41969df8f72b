//! What an SSM document's content says, read from JSON or YAML: its description, schema
//! version, parameters (with defaults rendered as SSM renders them) and the platforms its steps
//! run on; and conversion between the two formats (pure functions).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sim_aws_shapes::ssm::DocumentParameter;

use super::SsmError;

/// A document's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Format {
    Json,
    Yaml,
    Text,
}

impl Format {
    /// The format a request names; JSON when it names none.
    pub fn parse(name: Option<&str>) -> Result<Self, SsmError> {
        match name {
            None | Some("JSON") => Ok(Format::Json),
            Some("YAML") => Ok(Format::Yaml),
            Some("TEXT") => Ok(Format::Text),
            Some(other) => Err(SsmError::new(
                "InvalidDocumentSchemaVersion",
                format!("The document format {other} is not supported."),
            )),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "JSON",
            Format::Yaml => "YAML",
            Format::Text => "TEXT",
        }
    }
}

fn invalid_content() -> SsmError {
    SsmError::new(
        "InvalidDocumentContent",
        "The content for the document is not valid.",
    )
}

/// Parses content in its format into a JSON value; `None` when it does not parse.
fn parse(content: &str, format: Format) -> Option<Value> {
    match format {
        Format::Json => serde_json::from_str(content).ok(),
        Format::Yaml => serde_yaml::from_str(content).ok(),
        Format::Text => None,
    }
}

/// Checks that content is a document: an object in the stated format with a `schemaVersion`.
pub fn check(content: &str, format: Format) -> Result<(), SsmError> {
    if format == Format::Text {
        return Ok(());
    }
    match parse(content, format) {
        Some(Value::Object(map)) if map.contains_key("schemaVersion") => Ok(()),
        _ => Err(invalid_content()),
    }
}

/// The content in another format (unchanged when the format is the same, or cannot convert).
pub fn convert(content: &str, from: Format, to: Format) -> String {
    if from == to {
        return content.to_owned();
    }
    let Some(value) = parse(content, from) else {
        return content.to_owned();
    };
    match to {
        Format::Json => serde_json::to_string(&value).unwrap_or_else(|_| content.to_owned()),
        Format::Yaml => serde_yaml::to_string(&value).unwrap_or_else(|_| content.to_owned()),
        Format::Text => content.to_owned(),
    }
}

/// What DescribeDocument and ListDocuments report from a document's content.
#[derive(Debug, Default, PartialEq)]
pub struct Facts {
    pub description: Option<String>,
    pub schema_version: Option<String>,
    pub parameters: Vec<DocumentParameter>,
    pub platform_types: Vec<String>,
}

/// Reads the facts from content (empty for content that does not parse).
pub fn facts(content: &str, format: Format) -> Facts {
    let Some(Value::Object(document)) = parse(content, format) else {
        return Facts::default();
    };
    let text = |value: Option<&Value>| match value {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let parameters = match document.get("parameters") {
        Some(Value::Object(parameters)) => parameters
            .iter()
            .map(|(name, spec)| DocumentParameter {
                name: Some(name.clone()),
                r#type: text(spec.get("type")),
                description: text(spec.get("description")),
                default_value: spec.get("default").and_then(render_default),
            })
            .collect(),
        _ => Vec::new(),
    };
    Facts {
        description: text(document.get("description")),
        schema_version: text(document.get("schemaVersion")),
        parameters,
        platform_types: platforms(&document),
    }
}

/// A parameter's default as SSM reports it: strings as they are, numbers and booleans as
/// words, lists and maps as JSON.
fn render_default(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(true) => Some("True".to_owned()),
        Value::Bool(false) => Some("False".to_owned()),
        Value::Number(n) => Some(n.to_string()),
        other => Some(spaced_json(other)),
    }
}

/// JSON with a space after each `,` and `:` (how SSM prints list and map defaults).
fn spaced_json(value: &Value) -> String {
    match value {
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(spaced_json).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{}: {}", Value::String(k.clone()), spaced_json(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        scalar => scalar.to_string(),
    }
}

/// The platforms a document's steps run on, from the plugins they use.
fn platforms(document: &serde_json::Map<String, Value>) -> Vec<String> {
    let mut actions: Vec<String> = Vec::new();
    if let Some(Value::Array(steps)) = document.get("mainSteps") {
        for step in steps {
            if let Some(Value::String(action)) = step.get("action") {
                actions.push(action.clone());
            }
        }
    }
    if let Some(Value::Object(config)) = document.get("runtimeConfig") {
        actions.extend(config.keys().cloned());
    }
    let all = ["Windows", "Linux", "MacOS"];
    let mut platforms: Vec<&str> = Vec::new();
    for action in &actions {
        let supported: &[&str] = match action.as_str() {
            "aws:runShellScript" => &["Linux", "MacOS"],
            "aws:runPowerShellScript" | "aws:applications" | "aws:psModule" => &["Windows"],
            _ => &all,
        };
        for platform in supported {
            if !platforms.contains(platform) {
                platforms.push(platform);
            }
        }
    }
    if actions.is_empty() {
        platforms = all.to_vec();
    }
    all.iter()
        .filter(|p| platforms.contains(p))
        .map(|p| (*p).to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "schemaVersion: '2.2'\ndescription: Sample\nparameters:\n  Count:\n    type: Integer\n    default: 3\n  Flag:\n    type: Boolean\n    default: false\n  List:\n    type: StringList\n    default: [abc, def]\nmainSteps:\n- action: aws:runShellScript\n  name: run\n  inputs:\n    runCommand: [echo hi]\n";

    #[test]
    fn facts_come_from_the_content() {
        check(YAML, Format::Yaml).unwrap();
        let facts = facts(YAML, Format::Yaml);
        assert_eq!(facts.description.as_deref(), Some("Sample"));
        assert_eq!(facts.schema_version.as_deref(), Some("2.2"));
        assert_eq!(facts.platform_types, ["Linux", "MacOS"]);
        let defaults: Vec<_> = facts
            .parameters
            .iter()
            .map(|p| (p.name.clone().unwrap(), p.default_value.clone().unwrap()))
            .collect();
        assert_eq!(
            defaults,
            [
                ("Count".to_owned(), "3".to_owned()),
                ("Flag".to_owned(), "False".to_owned()),
                ("List".to_owned(), "[\"abc\", \"def\"]".to_owned()),
            ]
        );
    }

    #[test]
    fn content_must_parse_in_its_format() {
        assert!(check(YAML, Format::Json).is_err());
        assert!(check("{\"description\": \"no schema\"}", Format::Json).is_err());
        assert!(check("[1]", Format::Json).is_err());
        let json = convert(YAML, Format::Yaml, Format::Json);
        check(&json, Format::Json).unwrap();
        assert_eq!(facts(&json, Format::Json), facts(YAML, Format::Yaml));
    }
}
