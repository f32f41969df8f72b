//! Log transformer processors, run over one event: [`check`] says whether a configuration is
//! one AWS accepts (and the simulator can run), [`apply`] turns a message into the transformed
//! event's JSON. Pure; no store, no clock.
//!
//! An event is the raw message (`@message`, the default source of the parsers) and a JSON
//! object the processors build. Keys are paths: `a.b` is key `b` of object `a`.
//!
//! Run as AWS documents them: `parseJSON`, `parseKeyValue`, `csv`, `grok` (with the common
//! patterns in [`GROK_PATTERNS`]), `parseVPC` (the default flow log format), `addKeys`,
//! `copyValue`, `deleteKeys`, `moveKeys`, `renameKeys`, `listToMap`, `lowerCaseString`,
//! `upperCaseString`, `trimString`, `splitString`, `substituteString` and `typeConverter`.
//! `dateTimeConverter` (Java date patterns and time zones), `parseCloudfront`,
//! `parseRoute53`, `parseWAF`, `parsePostgres` and `parseToOCSF` are refused by name.

use regex::Regex;
use serde_json::{Map, Value};
use sim_aws_shapes::logs::Processor;

/// Processors a transformer holds at most.
pub const MAX_PROCESSORS: usize = 20;

/// A regular expression in a processor may compile to at most this many bytes.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Grok patterns the simulator knows, as regular expressions.
pub const GROK_PATTERNS: [(&str, &str); 22] = [
    ("WORD", r"\b\w+\b"),
    ("NOTSPACE", r"\S+"),
    ("SPACE", r"\s*"),
    ("DATA", r".*?"),
    ("GREEDYDATA", r".*"),
    ("INT", r"[+-]?\d+"),
    ("POSINT", r"\d+"),
    ("NUMBER", r"[+-]?(?:\d+(?:\.\d+)?|\.\d+)"),
    ("BASE10NUM", r"[+-]?(?:\d+(?:\.\d+)?|\.\d+)"),
    ("IPV4", r"(?:\d{1,3}\.){3}\d{1,3}"),
    (
        "IP",
        r"(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f:]+:[0-9A-Fa-f:.]*",
    ),
    (
        "HOSTNAME",
        r"[0-9A-Za-z](?:[0-9A-Za-z-]{0,62})(?:\.[0-9A-Za-z][0-9A-Za-z-]{0,62})*\.?",
    ),
    ("USERNAME", r"[a-zA-Z0-9._-]+"),
    ("USER", r"[a-zA-Z0-9._-]+"),
    (
        "UUID",
        r"[A-Fa-f0-9]{8}-(?:[A-Fa-f0-9]{4}-){3}[A-Fa-f0-9]{12}",
    ),
    (
        "LOGLEVEL",
        r"(?i:trace|debug|info|notice|warn(?:ing)?|err(?:or)?|crit(?:ical)?|fatal|severe|emerg(?:ency)?|alert)",
    ),
    (
        "TIMESTAMP_ISO8601",
        r"\d{4}-\d{2}-\d{2}[T ]\d{2}:?\d{2}(?::?\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?",
    ),
    ("HTTPDATE", r"\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}"),
    ("URIPATH", r"(?:/[A-Za-z0-9$.+!*'(){},~:;=@#%&_\-]*)+"),
    ("QUOTEDSTRING", r#""(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'"#),
    (
        "EMAILADDRESS",
        r"[a-zA-Z0-9_.+=:-]+@[0-9A-Za-z][0-9A-Za-z-]{0,62}(?:\.[0-9A-Za-z][0-9A-Za-z-]{0,62})*",
    ),
    ("MAC", r"(?:[A-Fa-f0-9]{2}[:-]){5}[A-Fa-f0-9]{2}"),
];

/// The default VPC flow log fields, in order, as `parseVPC` names them.
const VPC_FIELDS: [&str; 14] = [
    "version",
    "account_id",
    "interface_id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "action",
    "log_status",
];

/// A processor AWS has that the simulator does not run.
fn unsupported(name: &str) -> String {
    format!("Sockerless does not support the {name} processor")
}

/// The name of the one processor a `Processor` sets, or why it is not exactly one.
fn kind(processor: &Processor) -> Result<&'static str, String> {
    let set: Vec<&'static str> = [
        (processor.add_keys.is_some(), "addKeys"),
        (processor.copy_value.is_some(), "copyValue"),
        (processor.csv.is_some(), "csv"),
        (processor.date_time_converter.is_some(), "dateTimeConverter"),
        (processor.delete_keys.is_some(), "deleteKeys"),
        (processor.grok.is_some(), "grok"),
        (processor.list_to_map.is_some(), "listToMap"),
        (processor.lower_case_string.is_some(), "lowerCaseString"),
        (processor.move_keys.is_some(), "moveKeys"),
        (processor.parse_cloudfront.is_some(), "parseCloudfront"),
        (processor.parse_json.is_some(), "parseJSON"),
        (processor.parse_key_value.is_some(), "parseKeyValue"),
        (processor.parse_route53.is_some(), "parseRoute53"),
        (processor.parse_to_ocsf.is_some(), "parseToOCSF"),
        (processor.parse_postgres.is_some(), "parsePostgres"),
        (processor.parse_vpc.is_some(), "parseVPC"),
        (processor.parse_waf.is_some(), "parseWAF"),
        (processor.rename_keys.is_some(), "renameKeys"),
        (processor.split_string.is_some(), "splitString"),
        (processor.substitute_string.is_some(), "substituteString"),
        (processor.trim_string.is_some(), "trimString"),
        (processor.type_converter.is_some(), "typeConverter"),
        (processor.upper_case_string.is_some(), "upperCaseString"),
    ]
    .into_iter()
    .filter_map(|(present, name)| present.then_some(name))
    .collect();
    match set.as_slice() {
        [one] => Ok(one),
        [] => Err("Each processor must configure exactly one processor type.".into()),
        _ => Err(format!(
            "Each processor must configure exactly one processor type, not {}.",
            set.join(" and ")
        )),
    }
}

const PARSERS: [&str; 10] = [
    "parseJSON",
    "parseKeyValue",
    "csv",
    "grok",
    "parseVPC",
    "parseCloudfront",
    "parseRoute53",
    "parseWAF",
    "parsePostgres",
    "parseToOCSF",
];

/// Checks a transformer configuration: one type per processor, a parser first, at most
/// [`MAX_PROCESSORS`], and only processors the simulator runs, with valid expressions.
pub fn check(processors: &[Processor]) -> Result<(), String> {
    if processors.is_empty() || processors.len() > MAX_PROCESSORS {
        return Err(format!(
            "A transformer must have between 1 and {MAX_PROCESSORS} processors."
        ));
    }
    for (index, processor) in processors.iter().enumerate() {
        let name = kind(processor)?;
        if index == 0 && !PARSERS.contains(&name) {
            return Err("The first processor of a transformer must be a parser.".into());
        }
        match name {
            "dateTimeConverter" | "parseCloudfront" | "parseRoute53" | "parseWAF"
            | "parsePostgres" | "parseToOCSF" => return Err(unsupported(name)),
            "grok" => {
                let grok = processor.grok.as_ref().map(|grok| grok.r#match.as_str());
                grok_regex(grok.unwrap_or_default())?;
            }
            "substituteString" => {
                for entry in processor
                    .substitute_string
                    .iter()
                    .flat_map(|substitute| &substitute.entries)
                {
                    compile(&entry.from)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn compile(source: &str) -> Result<Regex, String> {
    regex::RegexBuilder::new(source)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|_| format!("Invalid regular expression: {source}"))
}

/// A grok expression as a regular expression with named groups.
fn grok_regex(pattern: &str) -> Result<Regex, String> {
    let mut out = String::new();
    let mut rest = pattern;
    let mut group = 0;
    while let Some(start) = rest.find("%{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("Invalid grok pattern: {pattern}"))?;
        let spec = &after[..end];
        let mut parts = spec.splitn(3, ':');
        let name = parts.next().unwrap_or_default();
        let field = parts.next();
        let regex = GROK_PATTERNS
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, regex)| *regex)
            .ok_or_else(|| format!("Sockerless does not know the grok pattern {name}"))?;
        match field {
            // Group names must be identifiers, and field paths have dots: groups are
            // numbered, and [`grok_fields`] names them in the same order.
            Some(_) => {
                group += 1;
                out.push_str(&format!("(?P<g{group}>{regex})"));
            }
            None => out.push_str(&format!("(?:{regex})")),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    compile(&out)
}

/// The field each named group of a grok expression fills, in group order.
fn grok_fields(pattern: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut rest = pattern;
    while let Some(start) = rest.find("%{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let mut parts = after[..end].splitn(3, ':');
        parts.next();
        if let Some(field) = parts.next() {
            fields.push(field.to_string());
        }
        rest = &after[end + 1..];
    }
    fields
}

/// One event being transformed.
struct Event {
    message: String,
    fields: Map<String, Value>,
}

impl Event {
    fn get(&self, path: &str) -> Option<Value> {
        if path == "@message" {
            return Some(Value::String(self.message.clone()));
        }
        let mut parts = path.split('.');
        let mut current = self.fields.get(parts.next()?)?;
        for part in parts {
            current = current.as_object()?.get(part)?;
        }
        Some(current.clone())
    }

    fn contains(&self, path: &str) -> bool {
        self.get(path).is_some()
    }

    /// Sets `path`, creating objects on the way; an existing value stays unless `overwrite`.
    fn set(&mut self, path: &str, value: Value, overwrite: bool) {
        if !overwrite && self.contains(path) {
            return;
        }
        let parts: Vec<&str> = path.split('.').collect();
        let Some((last, parents)) = parts.split_last() else {
            return;
        };
        let mut current = &mut self.fields;
        for part in parents {
            let entry = current
                .entry(part.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            let Value::Object(object) = entry else {
                return;
            };
            current = object;
        }
        current.insert(last.to_string(), value);
    }

    fn remove(&mut self, path: &str) -> Option<Value> {
        let parts: Vec<&str> = path.split('.').collect();
        let (last, parents) = parts.split_last()?;
        let mut current = &mut self.fields;
        for part in parents {
            current = current.get_mut(*part)?.as_object_mut()?;
        }
        current.remove(*last)
    }

    fn text(&self, path: &str) -> Option<String> {
        match self.get(path)? {
            Value::String(text) => Some(text),
            other => Some(other.to_string()),
        }
    }

    /// Puts parsed fields at `destination`, or at the top.
    fn put_parsed(
        &mut self,
        destination: Option<&str>,
        parsed: Map<String, Value>,
        overwrite: bool,
    ) {
        match destination {
            Some(destination) => self.set(destination, Value::Object(parsed), overwrite),
            None => {
                for (key, value) in parsed {
                    if overwrite || !self.fields.contains_key(&key) {
                        self.fields.insert(key, value);
                    }
                }
            }
        }
    }
}

/// Splits CSV text on `delimiter`, honouring `quote`.
fn split_csv(text: &str, delimiter: char, quote: char) -> Vec<String> {
    let mut fields = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == quote {
            if quoted && chars.peek() == Some(&quote) {
                current.push(quote);
                chars.next();
            } else {
                quoted = !quoted;
            }
        } else if c == delimiter && !quoted {
            fields.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    fields.push(current);
    fields
}

/// Runs the processors (already [`check`]ed) over a message; the transformed event as JSON.
pub fn apply(processors: &[Processor], message: &str) -> String {
    let mut event = Event {
        message: message.to_string(),
        fields: Map::new(),
    };
    for processor in processors {
        run(processor, &mut event);
    }
    Value::Object(event.fields).to_string()
}

fn run(processor: &Processor, event: &mut Event) {
    let source = |given: &Option<String>| given.clone().unwrap_or_else(|| "@message".into());
    if let Some(parse) = &processor.parse_json {
        let text = event.text(&source(&parse.source));
        if let Some(Ok(Value::Object(parsed))) =
            text.map(|text| serde_json::from_str::<Value>(&text))
        {
            event.put_parsed(parse.destination.as_deref(), parsed, true);
        }
    } else if let Some(parse) = &processor.parse_key_value {
        let Some(text) = event.text(&source(&parse.source)) else {
            return;
        };
        let field_delimiter = parse.field_delimiter.as_deref().unwrap_or("&");
        let key_delimiter = parse.key_value_delimiter.as_deref().unwrap_or("=");
        let prefix = parse.key_prefix.as_deref().unwrap_or("");
        let mut parsed = Map::new();
        for pair in text.split(field_delimiter).filter(|pair| !pair.is_empty()) {
            let (key, value) = match pair.split_once(key_delimiter) {
                Some((key, value)) => (key, Some(value)),
                None => (pair, None),
            };
            let value = value
                .map(str::to_string)
                .or_else(|| parse.non_match_value.clone());
            if let Some(value) = value {
                parsed.insert(format!("{prefix}{key}"), Value::String(value));
            }
        }
        let overwrite = parse.overwrite_if_exists.unwrap_or(false);
        event.put_parsed(parse.destination.as_deref(), parsed, overwrite);
    } else if let Some(csv) = &processor.csv {
        let Some(text) = event.text(&source(&csv.source)) else {
            return;
        };
        let delimiter = csv
            .delimiter
            .as_deref()
            .and_then(|d| d.chars().next())
            .unwrap_or(',');
        let quote = csv
            .quote_character
            .as_deref()
            .and_then(|q| q.chars().next())
            .unwrap_or('"');
        let values = split_csv(&text, delimiter, quote);
        let mut parsed = Map::new();
        for (index, value) in values.into_iter().enumerate() {
            let name = csv
                .columns
                .as_ref()
                .and_then(|columns| columns.get(index).cloned())
                .unwrap_or_else(|| format!("column_{}", index + 1));
            parsed.insert(name, Value::String(value));
        }
        event.put_parsed(csv.destination.as_deref(), parsed, true);
    } else if let Some(grok) = &processor.grok {
        let Some(text) = event.text(&source(&grok.source)) else {
            return;
        };
        let Ok(regex) = grok_regex(&grok.r#match) else {
            return;
        };
        let fields = grok_fields(&grok.r#match);
        if let Some(captures) = regex.captures(&text) {
            for (index, field) in fields.iter().enumerate() {
                let name = field.split(':').next().unwrap_or(field);
                if let Some(found) = captures.name(&format!("g{}", index + 1)) {
                    event.set(name, Value::String(found.as_str().to_string()), true);
                }
            }
        }
    } else if let Some(vpc) = &processor.parse_vpc {
        let Some(text) = event.text(&source(&vpc.source)) else {
            return;
        };
        let values: Vec<&str> = text.split_whitespace().collect();
        if values.len() == VPC_FIELDS.len() {
            for (name, value) in VPC_FIELDS.iter().zip(values) {
                event.set(name, Value::String(value.to_string()), true);
            }
        }
    } else if let Some(add) = &processor.add_keys {
        for entry in &add.entries {
            let overwrite = entry.overwrite_if_exists.unwrap_or(false);
            event.set(&entry.key, Value::String(entry.value.clone()), overwrite);
        }
    } else if let Some(copy) = &processor.copy_value {
        for entry in &copy.entries {
            if let Some(value) = event.get(&entry.source) {
                let overwrite = entry.overwrite_if_exists.unwrap_or(false);
                event.set(&entry.target, value, overwrite);
            }
        }
    } else if let Some(delete) = &processor.delete_keys {
        for key in &delete.with_keys {
            event.remove(key);
        }
    } else if let Some(moves) = &processor.move_keys {
        for entry in &moves.entries {
            let overwrite = entry.overwrite_if_exists.unwrap_or(false);
            if (overwrite || !event.contains(&entry.target))
                && let Some(value) = event.remove(&entry.source)
            {
                event.set(&entry.target, value, true);
            }
        }
    } else if let Some(renames) = &processor.rename_keys {
        for entry in &renames.entries {
            let overwrite = entry.overwrite_if_exists.unwrap_or(false);
            if (overwrite || !event.contains(&entry.rename_to))
                && let Some(value) = event.remove(&entry.key)
            {
                event.set(&entry.rename_to, value, true);
            }
        }
    } else if let Some(list) = &processor.list_to_map {
        let Some(Value::Array(items)) = event.get(&list.source) else {
            return;
        };
        let mut map = Map::new();
        for item in items {
            let Some(key) = item.get(&list.key).and_then(Value::as_str) else {
                continue;
            };
            let value = match &list.value_key {
                Some(value_key) => item.get(value_key).cloned().unwrap_or(Value::Null),
                None => item.clone(),
            };
            let flatten = list.flatten.unwrap_or(false);
            match map.get_mut(key) {
                Some(Value::Array(values)) if !flatten => values.push(value),
                Some(existing) if flatten => {
                    if list.flattened_element.as_deref() == Some("last") {
                        *existing = value;
                    }
                }
                _ => {
                    let stored = if flatten {
                        value
                    } else {
                        Value::Array(vec![value])
                    };
                    map.insert(key.to_string(), stored);
                }
            }
        }
        let target = list.target.clone();
        event.put_parsed(target.as_deref(), map, true);
    } else if let Some(lower) = &processor.lower_case_string {
        change_strings(event, &lower.with_keys, |text| text.to_lowercase());
    } else if let Some(upper) = &processor.upper_case_string {
        change_strings(event, &upper.with_keys, |text| text.to_uppercase());
    } else if let Some(trim) = &processor.trim_string {
        change_strings(event, &trim.with_keys, |text| text.trim().to_string());
    } else if let Some(split) = &processor.split_string {
        for entry in &split.entries {
            if let Some(Value::String(text)) = event.get(&entry.source) {
                let parts = text
                    .split(entry.delimiter.as_str())
                    .map(|part| Value::String(part.to_string()))
                    .collect();
                event.set(&entry.source, Value::Array(parts), true);
            }
        }
    } else if let Some(substitute) = &processor.substitute_string {
        for entry in &substitute.entries {
            if let (Some(Value::String(text)), Ok(regex)) =
                (event.get(&entry.source), compile(&entry.from))
            {
                let replaced = regex.replace_all(&text, entry.to.as_str()).into_owned();
                event.set(&entry.source, Value::String(replaced), true);
            }
        }
    } else if let Some(converter) = &processor.type_converter {
        for entry in &converter.entries {
            let Some(text) = event.text(&entry.key) else {
                continue;
            };
            let converted = match entry.r#type.as_str() {
                "boolean" => text.trim().parse::<bool>().ok().map(Value::Bool),
                "integer" => text.trim().parse::<i64>().ok().map(Value::from),
                "double" => text
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number),
                _ => Some(Value::String(text)),
            };
            if let Some(converted) = converted {
                event.set(&entry.key, converted, true);
            }
        }
    }
}

fn change_strings(event: &mut Event, keys: &[String], change: impl Fn(&str) -> String) {
    for key in keys {
        if let Some(Value::String(text)) = event.get(key) {
            event.set(key, Value::String(change(&text)), true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_aws_shapes::logs::{
        AddKeyEntry, AddKeys, CSV, DeleteKeys, Grok, ParseJSON, ParseKeyValue, RenameKeyEntry,
        RenameKeys, TypeConverter, TypeConverterEntry, UpperCaseString,
    };

    fn json(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    fn run_all(processors: &[Processor], message: &str) -> Value {
        check(processors).unwrap();
        json(&apply(processors, message))
    }

    #[test]
    fn parsers_build_the_event() {
        let parse_json = Processor {
            parse_json: Some(ParseJSON::default()),
            ..Processor::default()
        };
        assert_eq!(
            run_all(
                std::slice::from_ref(&parse_json),
                r#"{"outer_key": {"inner_key": "v"}}"#
            ),
            json(r#"{"outer_key": {"inner_key": "v"}}"#)
        );
        let into = Processor {
            parse_json: Some(ParseJSON {
                source: None,
                destination: Some("new_key".into()),
            }),
            ..Processor::default()
        };
        assert_eq!(
            run_all(&[into], r#"{"a": 1}"#),
            json(r#"{"new_key": {"a": 1}}"#)
        );

        let key_value = Processor {
            parse_key_value: Some(ParseKeyValue::default()),
            ..Processor::default()
        };
        assert_eq!(
            run_all(&[key_value], "key1=value1&key2=value2"),
            json(r#"{"key1": "value1", "key2": "value2"}"#)
        );

        let csv = Processor {
            csv: Some(CSV {
                quote_character: Some("'".into()),
                columns: Some(vec!["name".into(), "age".into(), "location".into()]),
                ..CSV::default()
            }),
            ..Processor::default()
        };
        assert_eq!(
            run_all(&[csv], "'Akua Mansa',28,'New York, USA'"),
            json(r#"{"name": "Akua Mansa", "age": "28", "location": "New York, USA"}"#)
        );

        let grok = Processor {
            grok: Some(Grok {
                source: None,
                r#match: "%{IP:client} %{WORD:method} %{URIPATH:request.path} %{NUMBER:status}"
                    .into(),
            }),
            ..Processor::default()
        };
        assert_eq!(
            run_all(&[grok], "10.0.0.1 GET /index.html 200"),
            json(
                r#"{"client": "10.0.0.1", "method": "GET", "request": {"path": "/index.html"}, "status": "200"}"#
            )
        );
    }

    #[test]
    fn changes_apply_in_order() {
        let processors = [
            Processor {
                parse_json: Some(ParseJSON::default()),
                ..Processor::default()
            },
            Processor {
                add_keys: Some(AddKeys {
                    entries: vec![AddKeyEntry {
                        key: "env".into(),
                        value: "prod".into(),
                        overwrite_if_exists: None,
                    }],
                }),
                ..Processor::default()
            },
            Processor {
                rename_keys: Some(RenameKeys {
                    entries: vec![RenameKeyEntry {
                        key: "lvl".into(),
                        rename_to: "level".into(),
                        overwrite_if_exists: None,
                    }],
                }),
                ..Processor::default()
            },
            Processor {
                upper_case_string: Some(UpperCaseString {
                    with_keys: vec!["level".into()],
                }),
                ..Processor::default()
            },
            Processor {
                type_converter: Some(TypeConverter {
                    entries: vec![TypeConverterEntry {
                        key: "code".into(),
                        r#type: "integer".into(),
                    }],
                }),
                ..Processor::default()
            },
            Processor {
                delete_keys: Some(DeleteKeys {
                    with_keys: vec!["secret".into()],
                }),
                ..Processor::default()
            },
        ];
        assert_eq!(
            run_all(
                &processors,
                r#"{"lvl": "warn", "code": "42", "secret": "x", "env": "dev"}"#
            ),
            json(r#"{"code": 42, "env": "dev", "level": "WARN"}"#)
        );
    }

    #[test]
    fn configurations_are_checked() {
        assert!(check(&[]).is_err());
        let not_a_parser = Processor {
            add_keys: Some(AddKeys::default()),
            ..Processor::default()
        };
        assert!(check(&[not_a_parser]).unwrap_err().contains("parser"));
        let two = Processor {
            parse_json: Some(ParseJSON::default()),
            csv: Some(CSV::default()),
            ..Processor::default()
        };
        assert!(check(&[two]).is_err());
        let unknown_grok = Processor {
            grok: Some(Grok {
                source: None,
                r#match: "%{NOPE:x}".into(),
            }),
            ..Processor::default()
        };
        assert!(check(&[unknown_grok]).unwrap_err().contains("NOPE"));
        let ocsf = Processor {
            parse_to_ocsf: Some(Default::default()),
            ..Processor::default()
        };
        assert!(check(&[ocsf]).unwrap_err().contains("parseToOCSF"));
    }
}
