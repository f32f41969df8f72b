//! `docker commit --change`: Dockerfile instructions applied to a container `Config` (as JSON,
//! Docker's PascalCase fields), as moby's `dockerfile.BuildFromConfig` applies them. Only the
//! instructions that change a config are valid (`CMD`, `ENTRYPOINT`, `ENV`, `EXPOSE`,
//! `HEALTHCHECK`, `LABEL`, `ONBUILD`, `STOPSIGNAL`, `USER`, `VOLUME`, `WORKDIR`); any other is
//! refused with Docker's `… is not a valid change command`.
//!
//! Pure: a function over values, shared by every backend that commits natively (a relay sends
//! the lines upstream as they came).
//!
//! Limits: `$VAR` and `${VAR}` are expanded from the config's environment in `ENV`, `LABEL`,
//! `USER`, `WORKDIR`, `VOLUME`, `EXPOSE` and `STOPSIGNAL` (not the `${VAR:-default}` forms);
//! `HEALTHCHECK` takes `--interval`, `--timeout`, `--start-period`, `--start-interval` and
//! `--retries`.

use serde_json::{Map, Value, json};

use crate::error::EngineError;

fn invalid(message: impl Into<String>) -> EngineError {
    EngineError::InvalidParameter(message.into())
}

/// `config` with each of `changes` applied in order (each may hold several lines).
pub fn apply(config: &Value, changes: &[String]) -> Result<Value, EngineError> {
    let mut fields: Map<String, Value> = match config {
        Value::Object(fields) => fields.clone(),
        Value::Null => Map::new(),
        _ => return Err(invalid("the container config is not a JSON object")),
    };
    let lines: Vec<&str> = changes
        .iter()
        .flat_map(|change| change.lines())
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect();
    let mut parsed = Vec::with_capacity(lines.len());
    for line in &lines {
        let (instruction, rest) = line
            .split_once(char::is_whitespace)
            .map_or((*line, ""), |(i, r)| (i, r.trim()));
        let instruction = instruction.to_ascii_lowercase();
        if !VALID.contains(&instruction.as_str()) {
            return Err(invalid(format!(
                "{instruction} is not a valid change command"
            )));
        }
        parsed.push((instruction, rest));
    }
    // As in a Dockerfile, ENTRYPOINT drops the command unless CMD was given before it.
    let mut command_given = false;
    for (instruction, rest) in parsed {
        let upper = instruction.to_ascii_uppercase();
        match instruction.as_str() {
            "cmd" => {
                fields.insert("Cmd".into(), json!(command_form(rest)?));
                command_given = true;
            }
            "entrypoint" => {
                fields.insert("Entrypoint".into(), json!(command_form(rest)?));
                if !command_given {
                    fields.insert("Cmd".into(), Value::Null);
                }
            }
            "env" => {
                for (name, value) in pairs(&upper, rest, &fields, true)? {
                    set_env(&mut fields, &name, &value);
                }
            }
            "label" => {
                let labels = object(&mut fields, "Labels");
                for (name, value) in pairs(&upper, rest, &Map::new(), false)? {
                    labels.insert(name, json!(value));
                }
            }
            "expose" => {
                let ports = words(rest, &fields)?;
                if ports.is_empty() {
                    return Err(invalid("EXPOSE requires at least one argument"));
                }
                let exposed = object(&mut fields, "ExposedPorts");
                for port in ports {
                    let key = if port.contains('/') {
                        port.to_ascii_lowercase()
                    } else {
                        format!("{port}/tcp")
                    };
                    exposed.insert(key, json!({}));
                }
            }
            "volume" => {
                let paths = match exec_form(rest) {
                    Some(paths) => paths,
                    None => words(rest, &fields)?,
                };
                if paths.is_empty() {
                    return Err(invalid("VOLUME requires at least one argument"));
                }
                let volumes = object(&mut fields, "Volumes");
                for path in paths {
                    if path.trim().is_empty() {
                        return Err(invalid("VOLUME specified can not be an empty string"));
                    }
                    volumes.insert(path, json!({}));
                }
            }
            "user" | "stopsignal" | "workdir" => {
                let values = words(rest, &fields)?;
                let [value] = values.as_slice() else {
                    return Err(invalid(format!("{upper} requires exactly one argument")));
                };
                let (key, value) = match instruction.as_str() {
                    "user" => ("User", value.clone()),
                    "stopsignal" => ("StopSignal", value.clone()),
                    _ => ("WorkingDir", workdir(&fields, value)),
                };
                fields.insert(key.into(), json!(value));
            }
            "onbuild" => {
                let trigger = rest.trim();
                let first = trigger
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_ascii_uppercase();
                match first.as_str() {
                    "" => return Err(invalid("ONBUILD requires at least one argument")),
                    "ONBUILD" => {
                        return Err(invalid(
                            "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed",
                        ));
                    }
                    "FROM" | "MAINTAINER" => {
                        return Err(invalid(format!(
                            "{first} isn't allowed as an ONBUILD trigger"
                        )));
                    }
                    _ => {}
                }
                let triggers = fields
                    .entry("OnBuild")
                    .or_insert_with(|| Value::Array(Vec::new()));
                if !triggers.is_array() {
                    *triggers = Value::Array(Vec::new());
                }
                if let Value::Array(items) = triggers {
                    items.push(json!(trigger));
                }
            }
            "healthcheck" => {
                fields.insert("Healthcheck".into(), healthcheck(rest)?);
            }
            _ => unreachable!("checked against VALID above"),
        }
    }
    Ok(Value::Object(fields))
}

const VALID: [&str; 11] = [
    "cmd",
    "entrypoint",
    "env",
    "expose",
    "healthcheck",
    "label",
    "onbuild",
    "stopsignal",
    "user",
    "volume",
    "workdir",
];

/// The exec form (`["a", "b"]`) when `rest` is a JSON array of strings.
fn exec_form(rest: &str) -> Option<Vec<String>> {
    if !rest.starts_with('[') {
        return None;
    }
    serde_json::from_str::<Vec<String>>(rest).ok()
}

/// `CMD`/`ENTRYPOINT`: the exec form, or the shell form run by `/bin/sh -c`.
fn command_form(rest: &str) -> Result<Vec<String>, EngineError> {
    Ok(match exec_form(rest) {
        Some(args) => args,
        None => vec!["/bin/sh".into(), "-c".into(), rest.to_string()],
    })
}

fn object<'a>(fields: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    let slot = fields
        .entry(key.to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    match slot {
        Value::Object(map) => map,
        _ => unreachable!("made an object above"),
    }
}

fn environment(fields: &Map<String, Value>) -> Vec<(String, String)> {
    fields
        .get("Env")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|entry| {
            let (name, value) = entry.split_once('=').unwrap_or((entry, ""));
            (name.to_string(), value.to_string())
        })
        .collect()
}

fn set_env(fields: &mut Map<String, Value>, name: &str, value: &str) {
    let mut env = environment(fields);
    match env.iter_mut().find(|(n, _)| n == name) {
        Some(slot) => slot.1 = value.to_string(),
        None => env.push((name.to_string(), value.to_string())),
    }
    let entries: Vec<Value> = env
        .into_iter()
        .map(|(n, v)| json!(format!("{n}={v}")))
        .collect();
    fields.insert("Env".into(), Value::Array(entries));
}

/// Splits `text` into words as the Dockerfile shell-word lexer does: whitespace separates,
/// quotes group and are removed, a backslash escapes, `$NAME`/`${NAME}` expand (not inside
/// single quotes).
fn words(text: &str, fields: &Map<String, Value>) -> Result<Vec<String>, EngineError> {
    let env = environment(fields);
    let lookup = |name: &str| {
        env.iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = text.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (c, quote) {
            ('\'', None) | ('"', None) => {
                quote = Some(c);
                in_word = true;
            }
            (q, Some(open)) if q == open => quote = None,
            ('\\', Some('\'')) => word.push(c),
            ('\\', _) => {
                if let Some(next) = chars.next() {
                    word.push(next);
                }
                in_word = true;
            }
            ('$', q) if q != Some('\'') => {
                let name: String = if chars.peek() == Some(&'{') {
                    chars.next();
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some(c) => name.push(c),
                            None => return Err(invalid("missing '}' in a variable")),
                        }
                    }
                    name
                } else {
                    let mut name = String::new();
                    while let Some(&c) = chars.peek() {
                        if c.is_ascii_alphanumeric() || c == '_' {
                            name.push(c);
                            chars.next();
                        } else {
                            break;
                        }
                    }
                    name
                };
                if name.is_empty() {
                    word.push('$');
                } else {
                    word.push_str(&lookup(&name));
                }
                in_word = true;
            }
            (c, None) if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (c, _) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return Err(invalid(
            "unexpected end of statement while looking for matching quote",
        ));
    }
    if in_word {
        out.push(word);
    }
    Ok(out)
}

/// `ENV`/`LABEL` arguments: `name=value …`, or (the old form) `name value with spaces`.
fn pairs(
    instruction: &str,
    rest: &str,
    fields: &Map<String, Value>,
    expand: bool,
) -> Result<Vec<(String, String)>, EngineError> {
    let empty = Map::new();
    let context = if expand { fields } else { &empty };
    let all = words(rest, context)?;
    if all.is_empty() {
        return Err(invalid(format!(
            "{instruction} requires at least one argument"
        )));
    }
    let first_raw = rest.split_whitespace().next().unwrap_or_default();
    if !first_raw.contains('=') {
        // `ENV NAME value words`: the rest of the line is the value.
        let value = all[1..].join(" ");
        if all.len() < 2 {
            return Err(invalid(format!("{instruction} must have two arguments")));
        }
        return Ok(vec![(all[0].clone(), value)]);
    }
    all.into_iter()
        .map(|word| {
            let (name, value) = word.split_once('=').ok_or_else(|| {
                invalid(format!(
                    "Syntax error - can't find = in {word:?}. Must be of the form: name=value"
                ))
            })?;
            if name.is_empty() {
                return Err(invalid(format!("{instruction} names can not be blank")));
            }
            Ok((name.to_string(), value.to_string()))
        })
        .collect()
}

/// `WORKDIR`: a relative path is taken from the current working directory.
fn workdir(fields: &Map<String, Value>, path: &str) -> String {
    let joined = if path.starts_with('/') {
        path.to_string()
    } else {
        let current = fields
            .get("WorkingDir")
            .and_then(Value::as_str)
            .filter(|dir| !dir.is_empty())
            .unwrap_or("/");
        format!("{}/{path}", current.trim_end_matches('/'))
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    format!("/{}", parts.join("/"))
}

/// `HEALTHCHECK [OPTIONS] CMD …` or `HEALTHCHECK NONE`.
fn healthcheck(rest: &str) -> Result<Value, EngineError> {
    let mut rest = rest.trim();
    let mut check = Map::new();
    while let Some(flag) = rest.strip_prefix("--") {
        let (option, after) = flag
            .split_once(char::is_whitespace)
            .map_or((flag, ""), |(o, a)| (o, a.trim_start()));
        let (name, value) = option
            .split_once('=')
            .ok_or_else(|| invalid(format!("missing a value on flag: --{option}")))?;
        let key = match name {
            "interval" => "Interval",
            "timeout" => "Timeout",
            "start-period" => "StartPeriod",
            "start-interval" => "StartInterval",
            "retries" => "Retries",
            other => return Err(invalid(format!("Unknown flag: {other}"))),
        };
        let parsed = if key == "Retries" {
            value
                .parse::<i64>()
                .map_err(|_| invalid(format!("invalid value for --retries: {value}")))?
        } else {
            duration_nanos(value)
                .ok_or_else(|| invalid(format!("time: invalid duration {value:?}")))?
        };
        check.insert(key.into(), json!(parsed));
        rest = after;
    }
    let (kind, command) = rest
        .split_once(char::is_whitespace)
        .map_or((rest, ""), |(k, c)| (k, c.trim()));
    match kind.to_ascii_uppercase().as_str() {
        "NONE" if command.is_empty() => Ok(json!({ "Test": ["NONE"] })),
        "NONE" => Err(invalid("HEALTHCHECK NONE takes no arguments")),
        "CMD" if !command.is_empty() => {
            let test = match exec_form(command) {
                Some(args) => std::iter::once("CMD".to_string()).chain(args).collect(),
                None => vec!["CMD-SHELL".to_string(), command.to_string()],
            };
            check.insert("Test".into(), json!(test));
            Ok(Value::Object(check))
        }
        "CMD" => Err(invalid("Missing command after HEALTHCHECK CMD")),
        other => Err(invalid(format!(
            "Unknown type {other:?} in HEALTHCHECK (try CMD)"
        ))),
    }
}

/// A Go duration (`30s`, `1m30s`, `500ms`) in nanoseconds.
fn duration_nanos(text: &str) -> Option<i64> {
    let mut total: f64 = 0.0;
    let mut rest = text;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..number_end].parse().ok()?;
        rest = &rest[number_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_end] {
            "ns" => 1.0,
            "us" | "µs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        total += number * scale;
        rest = &rest[unit_end..];
    }
    Some(total as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(config: Value, changes: &[&str]) -> Result<Value, String> {
        let changes: Vec<String> = changes.iter().map(|c| c.to_string()).collect();
        apply(&config, &changes).map_err(|e| e.to_string())
    }

    #[test]
    fn cmd_and_entrypoint_take_both_forms() {
        let out = check(json!({"Cmd": ["sh"]}), &["CMD [\"cat\", \"/a\"]"]).unwrap();
        assert_eq!(out["Cmd"], json!(["cat", "/a"]));
        let out = check(json!({}), &["CMD echo hi"]).unwrap();
        assert_eq!(out["Cmd"], json!(["/bin/sh", "-c", "echo hi"]));
        // ENTRYPOINT drops the command unless CMD came first.
        let out = check(json!({"Cmd": ["sh"]}), &["ENTRYPOINT [\"top\"]"]).unwrap();
        assert_eq!(out["Cmd"], Value::Null);
        let out = check(json!({}), &["CMD [\"-b\"]", "ENTRYPOINT [\"top\"]"]).unwrap();
        assert_eq!(out["Cmd"], json!(["-b"]));
    }

    #[test]
    fn env_sets_replaces_and_expands() {
        let out = check(
            json!({"Env": ["PATH=/bin", "A=1"]}),
            &["ENV A=2 B=\"two words\" PATH=$PATH:/x", "ENV C old form"],
        )
        .unwrap();
        assert_eq!(
            out["Env"],
            json!(["PATH=/bin:/x", "A=2", "B=two words", "C=old form"])
        );
    }

    #[test]
    fn the_other_instructions_set_their_fields() {
        let out = check(
            json!({"WorkingDir": "/srv"}),
            &[
                "EXPOSE 80 53/UDP",
                "LABEL team=a \"b c\"=d",
                "VOLUME /data",
                "USER nobody",
                "STOPSIGNAL SIGINT",
                "WORKDIR app/../web",
                "ONBUILD RUN echo",
                "HEALTHCHECK --interval=5s --retries=3 CMD true",
            ],
        )
        .unwrap();
        assert_eq!(out["ExposedPorts"], json!({"80/tcp": {}, "53/udp": {}}));
        assert_eq!(out["Labels"], json!({"team": "a", "b c": "d"}));
        assert_eq!(out["Volumes"], json!({"/data": {}}));
        assert_eq!(out["User"], json!("nobody"));
        assert_eq!(out["StopSignal"], json!("SIGINT"));
        assert_eq!(out["WorkingDir"], json!("/srv/web"));
        assert_eq!(out["OnBuild"], json!(["RUN echo"]));
        assert_eq!(
            out["Healthcheck"],
            json!({"Interval": 5_000_000_000i64, "Retries": 3, "Test": ["CMD-SHELL", "true"]})
        );
    }

    #[test]
    fn other_instructions_are_refused_as_docker_refuses_them() {
        assert_eq!(
            check(json!({}), &["RUN true"]).unwrap_err(),
            "run is not a valid change command"
        );
        assert_eq!(
            check(json!({}), &["USER a b"]).unwrap_err(),
            "USER requires exactly one argument"
        );
        assert!(check(json!({}), &["ENV A=\"open"]).is_err());
    }
}
