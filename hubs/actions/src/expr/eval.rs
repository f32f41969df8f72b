//! The evaluator: walks a parsed expression over the contexts.
//!
//! A `*` produces a *filtered array*: indexing it applies the index to each element and keeps
//! what exists (`github.event.issues.*.labels.*.name`), as the runner's `Index` operator does.
//! Everywhere else a filtered array is an ordinary array.
//!
//! What this module must not do: panic; recursion is bounded by the parser's depth limit.

use super::parser::{Comparison, Node};
use super::value::Value;
use super::{Contexts, EvalError, Function, Host};

/// A value, or the result of a wildcard (which indexing treats specially).
enum Evaluated {
    Value(Value),
    Filtered(Vec<Value>),
}

impl Evaluated {
    fn into_value(self) -> Value {
        match self {
            Evaluated::Value(v) => v,
            Evaluated::Filtered(items) => Value::array(items),
        }
    }
}

pub(super) fn evaluate(
    node: &Node,
    contexts: &Contexts,
    host: &dyn Host,
) -> Result<Value, EvalError> {
    Ok(eval(node, contexts, host)?.into_value())
}

fn eval(node: &Node, contexts: &Contexts, host: &dyn Host) -> Result<Evaluated, EvalError> {
    let value = match node {
        Node::Literal(v) => v.clone(),
        Node::NamedValue(name) => contexts.get(name).cloned().unwrap_or(Value::Null),
        Node::Index(left, index) => return index_node(left, index.as_deref(), contexts, host),
        Node::Not(operand) => Value::Bool(!evaluate(operand, contexts, host)?.is_truthy()),
        Node::And(operands) => {
            let mut last = Value::Null;
            for operand in operands {
                last = evaluate(operand, contexts, host)?;
                if !last.is_truthy() {
                    break;
                }
            }
            last
        }
        Node::Or(operands) => {
            let mut last = Value::Null;
            for operand in operands {
                last = evaluate(operand, contexts, host)?;
                if last.is_truthy() {
                    break;
                }
            }
            last
        }
        Node::Compare(op, left, right) => {
            let l = evaluate(left, contexts, host)?;
            let r = evaluate(right, contexts, host)?;
            Value::Bool(match op {
                Comparison::Eq => l.loose_eq(&r),
                Comparison::Ne => !l.loose_eq(&r),
                Comparison::Lt => l.loose_lt(&r),
                Comparison::Le => l.loose_eq(&r) || l.loose_lt(&r),
                Comparison::Gt => l.loose_gt(&r),
                Comparison::Ge => l.loose_eq(&r) || l.loose_gt(&r),
            })
        }
        Node::Call(function, arguments) => call(*function, arguments, contexts, host)?,
    };
    Ok(Evaluated::Value(value))
}

/// An index's key: a property name (any primitive, as its string) and an array position
/// (a non-negative number, floored).
struct Key {
    text: Option<String>,
    position: Option<usize>,
}

impl Key {
    fn of(value: &Value) -> Key {
        let number = value.to_number();
        let position = if number.is_nan() || number < 0.0 || number.floor() > f64::from(i32::MAX) {
            None
        } else {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            Some(number.floor() as usize)
        };
        let text = value.is_primitive().then(|| value.to_display_string());
        Key { text, position }
    }
}

fn index_node(
    left: &Node,
    index: Option<&Node>,
    contexts: &Contexts,
    host: &dyn Host,
) -> Result<Evaluated, EvalError> {
    let left = eval(left, contexts, host)?;
    let key = match index {
        Some(node) => Some(Key::of(&evaluate(node, contexts, host)?)),
        None => None,
    };
    Ok(match left {
        Evaluated::Filtered(items) => {
            let mut out = Vec::new();
            for item in &items {
                match (item, &key) {
                    (Value::Object(object), None) => out.extend(object.values().cloned()),
                    (Value::Object(object), Some(key)) => {
                        if let Some(v) = key.text.as_deref().and_then(|k| object.get(k)) {
                            out.push(v.clone());
                        }
                    }
                    (Value::Array(array), None) => out.extend(array.iter().cloned()),
                    (Value::Array(array), Some(key)) => {
                        if let Some(v) = key.position.and_then(|p| array.get(p)) {
                            out.push(v.clone());
                        }
                    }
                    _ => {}
                }
            }
            Evaluated::Filtered(out)
        }
        Evaluated::Value(Value::Object(object)) => match key {
            None => Evaluated::Filtered(object.values().cloned().collect()),
            Some(key) => Evaluated::Value(
                key.text
                    .as_deref()
                    .and_then(|k| object.get(k))
                    .cloned()
                    .unwrap_or(Value::Null),
            ),
        },
        Evaluated::Value(Value::Array(array)) => match key {
            None => Evaluated::Filtered(array.iter().cloned().collect()),
            Some(key) => Evaluated::Value(
                key.position
                    .and_then(|p| array.get(p))
                    .cloned()
                    .unwrap_or(Value::Null),
            ),
        },
        Evaluated::Value(_) => match key {
            None => Evaluated::Filtered(Vec::new()),
            Some(_) => Evaluated::Value(Value::Null),
        },
    })
}

fn call(
    function: Function,
    arguments: &[Node],
    contexts: &Contexts,
    host: &dyn Host,
) -> Result<Value, EvalError> {
    let arg = |i: usize| -> Result<Value, EvalError> {
        match arguments.get(i) {
            Some(node) => evaluate(node, contexts, host),
            None => Ok(Value::Null),
        }
    };
    match function {
        Function::Contains => {
            let search = arg(0)?;
            let item = arg(1)?;
            Ok(Value::Bool(match &search {
                Value::Array(items) => items.iter().any(|v| v.loose_eq(&item)),
                Value::Object(_) => false,
                _ => contains_ignore_case(&search.to_display_string(), &item.to_display_string()),
            }))
        }
        Function::StartsWith | Function::EndsWith => {
            let text = arg(0)?;
            let affix = arg(1)?;
            if !text.is_primitive() || !affix.is_primitive() {
                return Ok(Value::Bool(false));
            }
            let text: Vec<char> = upper(&text.to_display_string());
            let affix: Vec<char> = upper(&affix.to_display_string());
            Ok(Value::Bool(if function == Function::StartsWith {
                text.starts_with(&affix)
            } else {
                text.ends_with(&affix)
            }))
        }
        Function::Format => format(arguments, contexts, host),
        Function::Join => {
            let items = arg(0)?;
            let separator = if arguments.len() > 1 {
                let s = arg(1)?;
                if s.is_primitive() {
                    s.to_display_string()
                } else {
                    String::new()
                }
            } else {
                ",".to_string()
            };
            Ok(Value::String(match &items {
                Value::Array(items) => items
                    .iter()
                    .map(Value::to_display_string)
                    .collect::<Vec<_>>()
                    .join(&separator),
                Value::Object(_) => String::new(),
                primitive => primitive.to_display_string(),
            }))
        }
        Function::ToJson => {
            let value = arg(0)?.to_json();
            serde_json::to_string_pretty(&value)
                .map(Value::String)
                .map_err(|e| EvalError::new(format!("toJSON: {e}")))
        }
        Function::FromJson => {
            let text = arg(0)?.to_display_string();
            if text.trim().is_empty() {
                return Err(EvalError::new("Empty string is not a valid JSON value"));
            }
            let json: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| EvalError::new(format!("Error parsing fromJson: {e}")))?;
            Ok(Value::from_json(&json))
        }
        Function::HashFiles => {
            let mut patterns = Vec::new();
            for i in 0..arguments.len() {
                patterns.push(arg(i)?.to_display_string());
            }
            host.hash_files(&patterns).map(Value::String)
        }
        Function::Success | Function::Failure | Function::Always | Function::Cancelled => {
            Ok(Value::Bool(host.status(function)))
        }
    }
}

fn upper(text: &str) -> Vec<char> {
    text.chars().flat_map(char::to_uppercase).collect()
}

fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    let haystack = upper(haystack);
    let needle = upper(needle);
    needle.is_empty()
        || haystack
            .windows(needle.len())
            .any(|w| w == needle.as_slice())
}

/// `format('{0} and {{literal}}', x)`: `{N}` is argument N as a string, `{{` and `}}` are
/// braces; anything else is the runner's "invalid" error.
fn format(arguments: &[Node], contexts: &Contexts, host: &dyn Host) -> Result<Value, EvalError> {
    let template = match arguments.first() {
        Some(node) => evaluate(node, contexts, host)?.to_display_string(),
        None => String::new(),
    };
    let invalid = || {
        EvalError::new(format!(
            "The following format string is invalid: {template}"
        ))
    };
    let chars: Vec<char> = template.chars().collect();
    let mut cache: Vec<Option<String>> = vec![None; arguments.len().saturating_sub(1)];
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '{' if chars.get(i + 1) == Some(&'{') => {
                out.push('{');
                i += 2;
            }
            '{' => {
                let mut j = i + 1;
                while j < chars.len() && chars[j].is_ascii_digit() {
                    j += 1;
                }
                if j == i + 1 || chars.get(j) != Some(&'}') {
                    // A format specifier (`{0:x}`) exists only for dates, which contexts never hold.
                    if j > i + 1 && chars.get(j) == Some(&':') {
                        let end = chars[j..]
                            .iter()
                            .position(|c| *c == '}')
                            .ok_or_else(invalid)?;
                        let specifiers: String = chars[j + 1..j + end].iter().collect();
                        let index: usize = chars[i + 1..j]
                            .iter()
                            .collect::<String>()
                            .parse()
                            .map_err(|_| invalid())?;
                        let kind = match arguments.get(index + 1) {
                            Some(node) => evaluate(node, contexts, host)?.kind().name(),
                            None => return Err(too_many_references(&template)),
                        };
                        return Err(EvalError::new(format!(
                            "The format specifiers '{specifiers}' are not valid for objects of type '{kind}'"
                        )));
                    }
                    return Err(invalid());
                }
                let index: usize = chars[i + 1..j]
                    .iter()
                    .collect::<String>()
                    .parse()
                    .ok()
                    .filter(|n| *n <= usize::from(u8::MAX))
                    .ok_or_else(invalid)?;
                let slot = cache
                    .get_mut(index)
                    .ok_or_else(|| too_many_references(&template))?;
                if slot.is_none() {
                    let node = &arguments[index + 1];
                    *slot = Some(evaluate(node, contexts, host)?.to_display_string());
                }
                out.push_str(slot.as_deref().unwrap_or_default());
                i = j + 1;
            }
            '}' if chars.get(i + 1) == Some(&'}') => {
                out.push('}');
                i += 2;
            }
            '}' => return Err(invalid()),
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(Value::String(out))
}

fn too_many_references(template: &str) -> EvalError {
    EvalError::new(format!(
        "The following format string references more arguments than were supplied: {template}"
    ))
}
