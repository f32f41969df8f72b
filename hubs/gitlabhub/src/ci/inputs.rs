//! CI/CD inputs: a configuration file's `spec: inputs:` header (the first YAML document, before
//! `---`), the values an `include: inputs:` gives checked against it (`default`, `type`,
//! `options`, `regex`), and `$[[ inputs.name ]]` blocks interpolated into the file's content,
//! with GitLab's functions (`expand_vars`, `truncate`, `posix_escape`) and GitLab's error
//! messages (`Gitlab::Ci::Config::Interpolation`).
//!
//! A block that is a whole YAML string keeps the input's type (a number stays a number); a block
//! inside a longer string is replaced by the value's text.
//!
//! What this module must not do: read files or decide what a file includes (that is
//! `config`).

use std::collections::BTreeMap;

use serde_yaml::{Mapping, Value};

/// A configuration file split as GitLab's YAML loader splits it: the `spec:` header, if any,
/// and the content.
pub struct Documents {
    pub header: Option<Mapping>,
    pub content: Value,
}

/// Splits `source` into its documents: two documents whose first holds `spec:` are a header
/// and the content; anything else is content alone. The error is the YAML parser's.
pub fn split(source: &str) -> Result<Documents, String> {
    let mut documents = Vec::new();
    for document in serde_yaml::Deserializer::from_str(source) {
        let value = <Value as serde::Deserialize>::deserialize(document)
            .map_err(|error| format!("(<unknown>): {error}"))?;
        documents.push(value);
    }
    let header_first = matches!(
        documents.first(),
        Some(Value::Mapping(map)) if map.contains_key("spec")
    );
    match documents.len() {
        0 => Ok(Documents {
            header: None,
            content: Value::Null,
        }),
        2.. if header_first => {
            let mut documents = documents.into_iter();
            let header = match documents.next() {
                Some(Value::Mapping(map)) => Some(map),
                _ => None,
            };
            Ok(Documents {
                header,
                content: documents.next().unwrap_or(Value::Null),
            })
        }
        _ => Ok(Documents {
            header: None,
            content: documents.into_iter().next().unwrap_or(Value::Null),
        }),
    }
}

/// The input types GitLab knows, in the order its error message lists them.
const TYPES: &[&str] = &["array", "boolean", "number", "string"];

/// What interpolating a file fails with: GitLab's messages, at most three joined by `, `.
fn joined(errors: &[String]) -> String {
    errors
        .iter()
        .take(3)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ")
}

/// Interpolates `documents` with `args` (the `include: inputs:` mapping; empty for none);
/// `variables` are what `expand_vars` expands. Answers the content to merge, or GitLab's
/// message (without the file's location).
pub fn interpolate(
    documents: Documents,
    args: &Mapping,
    variables: &BTreeMap<String, String>,
) -> Result<Value, String> {
    let Some(header) = documents.header else {
        if !args.is_empty() {
            return Err(
                "Given inputs not defined in the `spec` section of the included configuration file"
                    .into(),
            );
        }
        return Ok(documents.content);
    };
    let specs = header_inputs(&header)?;
    let values = resolve(&specs, args).map_err(|errors| joined(&errors))?;
    let mut errors = Vec::new();
    let context = Context {
        inputs: &values,
        variables,
    };
    let content = replace(documents.content, &context, &mut errors);
    if errors.is_empty() {
        Ok(content)
    } else {
        errors.dedup();
        Err(joined(&errors))
    }
}

/// `spec: inputs:` as (name, spec) pairs, in order, with the header checked.
fn header_inputs(header: &Mapping) -> Result<Vec<(String, Mapping)>, String> {
    let Some(Value::Mapping(spec)) = header.get("spec") else {
        return Err("header:spec config should be a hash".into());
    };
    let unknown: Vec<&str> = spec
        .keys()
        .filter_map(Value::as_str)
        .filter(|key| !["inputs", "include", "component"].contains(key))
        .collect();
    if !unknown.is_empty() {
        return Err(format!(
            "header:spec config contains unknown keys: {}",
            unknown.join(", ")
        ));
    }
    let inputs = match spec.get("inputs") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Mapping(inputs)) => inputs,
        Some(_) => return Err("header:spec:inputs config should be a hash".into()),
    };
    let mut out = Vec::new();
    for (name, spec) in inputs {
        let Some(name) = name.as_str() else {
            return Err("header:spec:inputs config should be a hash".into());
        };
        let spec = match spec {
            Value::Null => Mapping::new(),
            Value::Mapping(map) => map.clone(),
            _ => {
                return Err(format!(
                    "header:spec:inputs:{name} input should be a hash or nil"
                ));
            }
        };
        let unknown: Vec<&str> = spec
            .keys()
            .filter_map(Value::as_str)
            .filter(|key| {
                ![
                    "default",
                    "description",
                    "options",
                    "regex",
                    "type",
                    "rules",
                ]
                .contains(key)
            })
            .collect();
        if !unknown.is_empty() {
            return Err(format!(
                "header:spec:inputs:{name} config contains unknown keys: {}",
                unknown.join(", ")
            ));
        }
        out.push((name.to_string(), spec));
    }
    Ok(out)
}

/// The value of each input (given, else its default), or every problem GitLab reports.
fn resolve(
    specs: &[(String, Mapping)],
    args: &Mapping,
) -> Result<BTreeMap<String, Value>, Vec<String>> {
    let mut errors = Vec::new();
    let unknown: Vec<String> = args
        .keys()
        .filter_map(|key| key.as_str().map(str::to_string))
        .filter(|key| !specs.iter().any(|(name, _)| name == key))
        .collect();
    if !unknown.is_empty() {
        errors.push(format!("unknown input arguments: {}", unknown.join(", ")));
    }
    let mut values = BTreeMap::new();
    for (name, spec) in specs {
        let kind = match spec.get("type") {
            None | Some(Value::Null) => "string",
            Some(Value::String(kind)) if TYPES.contains(&kind.as_str()) => kind.as_str(),
            Some(_) => {
                errors.push(format!(
                    "unknown input specification for `{name}` (valid types: {})",
                    TYPES.join(", ")
                ));
                continue;
            }
        };
        let given = args.get(name.as_str()).filter(|v| !v.is_null());
        let default = spec.get("default");
        let error = |errors: &mut Vec<String>, message: String| {
            errors.push(format!("`{name}` input: {message}"));
        };
        let Some(default_or_given) = given.or(default) else {
            error(
                &mut errors,
                "required value has not been provided".to_string(),
            );
            continue;
        };
        let before = errors.len();
        let mut checks: Vec<(&Value, &str)> = Vec::new();
        if let Some(default) = default {
            checks.push((default, "default"));
        }
        if let Some(given) = given {
            checks.push((given, "provided"));
        }
        for (value, which) in checks {
            if let Some(problem) = check_value(kind, spec, value, which) {
                error(&mut errors, problem);
            }
        }
        if errors.len() == before {
            values.insert(name.clone(), default_or_given.clone());
        }
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(errors)
    }
}

/// One value (`which`: `default` or `provided`) against its input's type, options and regex.
fn check_value(kind: &str, spec: &Mapping, value: &Value, which: &str) -> Option<String> {
    let type_ok = match kind {
        "array" => value.is_sequence(),
        "boolean" => value.is_bool(),
        "number" => value.is_number(),
        _ => value.is_string(),
    };
    if !type_ok {
        let article = if kind == "array" { "an" } else { "a" };
        return Some(format!("{which} value is not {article} {kind}"));
    }
    if let Some(options) = spec.get("options") {
        if kind != "string" && kind != "number" {
            return Some("Options can only be used with string and number inputs".into());
        }
        let listed = options
            .as_sequence()
            .is_some_and(|options| options.contains(value));
        if !listed {
            return Some(format!(
                "`{}` cannot be used because it is not in the list of allowed options",
                text_of(value)
            ));
        }
    }
    if let Some(pattern) = spec.get("regex") {
        if kind != "string" {
            return Some("RegEx validation can only be used with string inputs".into());
        }
        let pattern = pattern.as_str().unwrap_or_default();
        let pattern = pattern
            .strip_prefix('/')
            .and_then(|p| p.strip_suffix('/'))
            .unwrap_or(pattern);
        return match regex_lite::Regex::new(pattern) {
            Err(_) => Some("invalid regular expression".into()),
            Ok(regex) if regex.is_match(value.as_str().unwrap_or_default()) => None,
            Ok(_) => Some(format!(
                "{which} value does not match required RegEx pattern"
            )),
        };
    }
    None
}

/// A value as text: strings as they are, anything else as YAML writes it on one line.
fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => number.to_string(),
        Value::Null => String::new(),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

/// Every string of `value` (mapping keys included) with its blocks interpolated.
/// What blocks read: the inputs' values, and the variables `expand_vars` expands.
struct Context<'a> {
    inputs: &'a BTreeMap<String, Value>,
    variables: &'a BTreeMap<String, String>,
}

fn replace(value: Value, inputs: &Context<'_>, errors: &mut Vec<String>) -> Value {
    match value {
        Value::String(text) => interpolate_string(&text, inputs, errors),
        Value::Sequence(items) => Value::Sequence(
            items
                .into_iter()
                .map(|item| replace(item, inputs, errors))
                .collect(),
        ),
        Value::Mapping(map) => Value::Mapping(
            map.into_iter()
                .map(|(key, value)| (replace(key, inputs, errors), replace(value, inputs, errors)))
                .collect(),
        ),
        Value::Tagged(mut tagged) => {
            let inner = std::mem::replace(&mut tagged.value, Value::Null);
            tagged.value = replace(inner, inputs, errors);
            Value::Tagged(tagged)
        }
        other => other,
    }
}

/// The blocks of `text`: (start, end, inner data) for each `$[[ data ]]`.
fn blocks(text: &str) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(start) = text[from..].find("$[[").map(|i| from + i) {
        let Some(end) = text[start + 3..].find("]]").map(|i| start + 3 + i + 2) else {
            break;
        };
        let data = text[start + 3..end - 2].trim();
        // GitLab's pattern wants at least two characters between the brackets.
        if data.chars().count() >= 2 {
            out.push((start, end, data.to_string()));
        }
        from = end;
    }
    out
}

fn interpolate_string(text: &str, inputs: &Context<'_>, errors: &mut Vec<String>) -> Value {
    if !text.contains("$[[") {
        return Value::String(text.to_string());
    }
    let found = blocks(text);
    if found.is_empty() {
        return Value::String(text.to_string());
    }
    let mut values = Vec::new();
    for (_, _, data) in &found {
        match evaluate_block(data, inputs) {
            Ok(value) => values.push(value),
            Err(message) => {
                errors.push(message);
                return Value::String(text.to_string());
            }
        }
    }
    let (start, end, _) = &found[0];
    if found.len() == 1 && *start == 0 && *end == text.len() {
        return values.remove(0);
    }
    let mut out = String::new();
    let mut last = 0;
    for ((start, end, _), value) in found.iter().zip(&values) {
        out.push_str(&text[last..*start]);
        out.push_str(&text_of(value));
        last = *end;
    }
    out.push_str(&text[last..]);
    Value::String(out)
}

/// `inputs.name | function | function` into its value.
fn evaluate_block(data: &str, context: &Context<'_>) -> Result<Value, String> {
    let inputs = context.inputs;
    let mut parts = data.split('|').map(str::trim);
    let access = parts.next().unwrap_or_default();
    let functions: Vec<&str> = parts.collect();
    let objects: Vec<&str> = access.splitn(5, '.').collect();
    if objects.len() <= 1 {
        return Err("invalid interpolation access pattern".into());
    }
    if access.len() > 1024 {
        return Err("maximum interpolation expression size exceeded".into());
    }
    if objects[0] != "inputs" {
        return Err(format!("unknown interpolation key: `{}`", objects[0]));
    }
    let mut value = match inputs.get(objects[1]) {
        Some(value) => value.clone(),
        None => return Err(format!("unknown interpolation key: `{}`", objects[1])),
    };
    for key in &objects[2..] {
        value = match value.get(*key) {
            Some(inner) => inner.clone(),
            None => return Err(format!("unknown interpolation key: `{key}`")),
        };
    }
    if functions.len() > 3 {
        return Err("too many functions in interpolation block".into());
    }
    for function in functions {
        value = apply(function, value, context.variables)?;
    }
    Ok(value)
}

/// One of GitLab's interpolation functions.
fn apply(
    function: &str,
    value: Value,
    variables: &BTreeMap<String, String>,
) -> Result<Value, String> {
    let no_match = || {
        format!(
            "no function matching `{function}`: check that the function name, arguments, and types are correct"
        )
    };
    let text = || match &value {
        Value::String(text) => Ok(text.clone()),
        _ => Err(format!(
            "invalid input type: {} can only be used with string inputs",
            function.split('(').next().unwrap_or(function)
        )),
    };
    if function == "posix_escape" {
        let text = text()?;
        let mut out = String::new();
        for c in text.chars() {
            if !(c.is_ascii_alphanumeric() || "_-.,:/@\n".contains(c)) {
                out.push('\\');
            }
            out.push(c);
        }
        return Ok(Value::String(out));
    }
    if function == "expand_vars" {
        return Ok(Value::String(expand_existing(&text()?, variables)));
    }
    if let Some(arguments) = function
        .strip_prefix("truncate(")
        .and_then(|rest| rest.strip_suffix(')'))
    {
        let numbers: Vec<usize> = arguments
            .split(',')
            .map(|n| n.trim().parse::<usize>())
            .collect::<Result<_, _>>()
            .map_err(|_| no_match())?;
        let [offset, length] = numbers[..] else {
            return Err(no_match());
        };
        let text = text()?;
        return Ok(Value::String(
            text.chars().skip(offset).take(length).collect(),
        ));
    }
    Err(no_match())
}

/// `$NAME` and `${NAME}` replaced where `variables` knows the name; anything else left as
/// written (GitLab's `ExpandVariables.expand_existing`).
fn expand_existing(text: &str, variables: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, consumed) = if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(end) => (&inner[..end], end + 2),
                None => ("", 0),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        match variables.get(name).filter(|_| !name.is_empty()) {
            Some(value) => {
                out.push_str(value);
                rest = &after[consumed..];
            }
            None => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(yaml: &str) -> Mapping {
        serde_yaml::from_str(yaml).expect("yaml")
    }

    fn run(source: &str, given: &str) -> Result<String, String> {
        let variables = BTreeMap::from([("CI_COMMIT_BRANCH".to_string(), "main".to_string())]);
        let value = interpolate(split(source).expect("split"), &args(given), &variables)?;
        Ok(serde_yaml::to_string(&value).expect("yaml"))
    }

    const FILE: &str = "spec:\n  inputs:\n    stage:\n      default: test\n    env:\n      options: [dev, prod]\n    replicas:\n      type: number\n      default: 1\n    tag:\n      regex: ^v\\d+$\n      default: v1\n---\n\"deploy-$[[ inputs.env ]]\":\n  stage: $[[ inputs.stage ]]\n  parallel: $[[ inputs.replicas ]]\n  script: echo $[[ inputs.tag | truncate(0,1) ]] $[[ inputs.env ]]\n";

    #[test]
    fn values_keep_their_type_when_they_are_the_whole_string() {
        let out = run(FILE, "env: prod\nreplicas: 3").expect("valid");
        assert!(out.contains("deploy-prod:"), "{out}");
        assert!(out.contains("stage: test"), "{out}");
        assert!(out.contains("parallel: 3"), "{out}");
        assert!(out.contains("script: echo v prod"), "{out}");
    }

    #[test]
    fn gitlabs_messages() {
        assert_eq!(
            run(FILE, "{}").unwrap_err(),
            "`env` input: required value has not been provided"
        );
        assert_eq!(
            run(FILE, "env: qa").unwrap_err(),
            "`env` input: `qa` cannot be used because it is not in the list of allowed options"
        );
        assert_eq!(
            run(FILE, "env: dev\nreplicas: many").unwrap_err(),
            "`replicas` input: provided value is not a number"
        );
        assert_eq!(
            run(FILE, "env: dev\ntag: release").unwrap_err(),
            "`tag` input: provided value does not match required RegEx pattern"
        );
        assert_eq!(
            run(FILE, "env: dev\ncolour: red").unwrap_err(),
            "unknown input arguments: colour"
        );
        assert_eq!(
            run("job:\n  script: echo\n", "env: dev").unwrap_err(),
            "Given inputs not defined in the `spec` section of the included configuration file"
        );
        assert_eq!(
            run(
                "spec:\n  inputs:\n    a:\n      default: x\n---\njob:\n  script: echo $[[ inputs.b ]]\n",
                "{}"
            )
            .unwrap_err(),
            "unknown interpolation key: `b`"
        );
        assert_eq!(
            run(
                "spec:\n  inputs:\n    a:\n      type: text\n---\njob:\n  script: echo\n",
                "{}"
            )
            .unwrap_err(),
            "unknown input specification for `a` (valid types: array, boolean, number, string)"
        );
    }

    #[test]
    fn expand_vars_expands_only_known_variables() {
        let out = run(
            "spec:\n  inputs:\n    image:\n      default: app:$CI_COMMIT_BRANCH-${UNKNOWN}\n---\njob:\n  image: $[[ inputs.image | expand_vars ]]\n  script: echo\n",
            "{}",
        )
        .expect("valid");
        assert!(out.contains("image: app:main-${UNKNOWN}"), "{out}");
    }

    #[test]
    fn a_file_without_a_header_is_content_alone() {
        let documents = split("job:\n  script: echo\n").expect("split");
        assert!(documents.header.is_none());
        assert!(documents.content.get("job").is_some());
    }
}
