//! Values and records of a running query, and expression evaluation over them.
//!
//! A record is a log event seen as fields: the system fields (`@timestamp`, `@message`,
//! `@logStream`, `@log`, `@ingestionTime`, `@ptr`), the fields discovered in a JSON message
//! (nested keys joined with `.`, array items by index, at most [`MAX_DISCOVERED`]; a key
//! starting with `@` gains another `@`, as AWS shows it), and the ones `parse` and `fields`
//! add. An absent field is no value at all: comparisons with it are false, arithmetic with it
//! is absent, and a row does not show it.
//!
//! Values render as AWS renders them in `GetQueryResults`: text as is, numbers without a
//! trailing `.0`, timestamps as `YYYY-MM-DD HH:MM:SS.mmm` (UTC).

use std::cmp::Ordering;

use indexmap::IndexMap;
use serde_json::Value as Json;

use super::parse::{BinaryOp, Expr, Function};

/// Fields discovered in one JSON message at most.
pub const MAX_DISCOVERED: usize = 200;

/// A field's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Number(f64),
    Bool(bool),
    /// Milliseconds since the epoch (`@timestamp`, `bin()`).
    Time(i64),
}

impl Value {
    /// The value as a number, if it is one or is text that reads as one.
    pub fn number(&self) -> Option<f64> {
        match self {
            Value::Number(number) => Some(*number),
            Value::Time(ms) => Some(*ms as f64),
            Value::Bool(_) => None,
            Value::Text(text) => text.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
        }
    }

    /// The value as AWS shows it in results.
    pub fn render(&self) -> String {
        match self {
            Value::Text(text) => text.clone(),
            Value::Number(number) => render_number(*number),
            Value::Bool(flag) => flag.to_string(),
            Value::Time(ms) => render_time(*ms),
        }
    }

    fn truthy(&self) -> bool {
        match self {
            Value::Bool(flag) => *flag,
            Value::Number(number) => *number != 0.0,
            Value::Time(_) => true,
            Value::Text(text) => !text.is_empty(),
        }
    }
}

/// A number as results show it: integers without a fraction.
pub fn render_number(number: f64) -> String {
    if number.fract() == 0.0 && number.abs() < 1e15 {
        format!("{}", number as i64)
    } else {
        format!("{number}")
    }
}

/// A timestamp as results show it: `2024-01-02 03:04:05.678`, in UTC.
pub fn render_time(ms: i64) -> String {
    let seconds = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    match time::OffsetDateTime::from_unix_timestamp(seconds) {
        Ok(at) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{millis:03}",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second()
        ),
        Err(_) => ms.to_string(),
    }
}

/// One record: its fields in the order they were added.
#[derive(Debug, Clone, Default)]
pub struct Record {
    pub fields: IndexMap<String, Value>,
}

impl Record {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields.get(name)
    }

    pub fn set(&mut self, name: &str, value: Option<Value>) {
        match value {
            Some(value) => {
                self.fields.insert(name.to_string(), value);
            }
            None => {
                self.fields.shift_remove(name);
            }
        }
    }
}

/// The fields of a JSON message, flattened as Logs Insights discovers them: `a.b`, `a.0.c`.
pub fn discover_json(message: &str) -> Vec<(String, Value)> {
    let trimmed = message.trim_start();
    if !trimmed.starts_with('{') {
        return Vec::new();
    }
    let Ok(Json::Object(object)) = serde_json::from_str::<Json>(trimmed) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in &object {
        let name = if key.starts_with('@') {
            format!("@{key}")
        } else {
            key.clone()
        };
        flatten(&name, value, &mut out, 0);
    }
    out
}

fn flatten(prefix: &str, value: &Json, out: &mut Vec<(String, Value)>, depth: usize) {
    if out.len() >= MAX_DISCOVERED || depth > 32 {
        return;
    }
    match value {
        Json::Object(object) => {
            for (key, inner) in object {
                flatten(&format!("{prefix}.{key}"), inner, out, depth + 1);
            }
        }
        Json::Array(items) => {
            for (index, inner) in items.iter().enumerate() {
                flatten(&format!("{prefix}.{index}"), inner, out, depth + 1);
            }
        }
        Json::Null => {}
        Json::Bool(flag) => out.push((prefix.to_string(), Value::Bool(*flag))),
        Json::Number(number) => {
            let value = number
                .as_f64()
                .map_or_else(|| Value::Text(number.to_string()), Value::Number);
            out.push((prefix.to_string(), value));
        }
        Json::String(text) => out.push((prefix.to_string(), Value::Text(text.clone()))),
    }
}

/// Compares two present values: numerically when both read as numbers, else as text.
fn compare(left: &Value, right: &Value) -> Option<Ordering> {
    match (left, right) {
        (Value::Text(a), Value::Text(b)) => Some(a.cmp(b)),
        (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
        _ => match (left.number(), right.number()) {
            (Some(a), Some(b)) => a.partial_cmp(&b),
            _ => Some(left.render().cmp(&right.render())),
        },
    }
}

/// Evaluates `expr` over `record`; `None` is an absent value.
pub fn eval(expr: &Expr, record: &Record) -> Option<Value> {
    match expr {
        Expr::Field(name) => record.get(name).cloned(),
        Expr::Number(number) => Some(Value::Number(*number)),
        Expr::Text(text) => Some(Value::Text(text.clone())),
        Expr::Period(ms) => Some(Value::Number(*ms as f64)),
        // A bare regular expression or list has no value of its own.
        Expr::Regex(_) | Expr::List(_) => None,
        Expr::Not(inner) => Some(Value::Bool(!truth(inner, record))),
        Expr::Negate(inner) => Some(Value::Number(-eval(inner, record)?.number()?)),
        Expr::Binary(op, left, right) => binary(*op, left, right, record),
        Expr::Like {
            subject,
            pattern,
            negated,
        } => {
            let found = eval(subject, record).is_some_and(|value| {
                let text = value.render();
                match pattern.as_ref() {
                    Expr::Regex(regex) => regex.is_match(&text),
                    Expr::Text(needle) => text.contains(needle.as_str()),
                    _ => false,
                }
            });
            Some(Value::Bool(found != *negated))
        }
        Expr::In {
            subject,
            list,
            negated,
        } => {
            let found = eval(subject, record).is_some_and(|value| {
                list.iter().any(|item| {
                    eval(item, record)
                        .is_some_and(|item| compare(&value, &item) == Some(Ordering::Equal))
                })
            });
            Some(Value::Bool(found != *negated))
        }
        Expr::Call(function, arguments) => call(*function, arguments, record),
    }
}

/// Whether `expr` holds for `record` (an absent value does not).
pub fn truth(expr: &Expr, record: &Record) -> bool {
    eval(expr, record).is_some_and(|value| value.truthy())
}

fn binary(op: BinaryOp, left: &Expr, right: &Expr, record: &Record) -> Option<Value> {
    match op {
        BinaryOp::And => Some(Value::Bool(truth(left, record) && truth(right, record))),
        BinaryOp::Or => Some(Value::Bool(truth(left, record) || truth(right, record))),
        BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
            let (Some(a), Some(b)) = (eval(left, record), eval(right, record)) else {
                return Some(Value::Bool(false));
            };
            let ordering = compare(&a, &b);
            let holds = match op {
                BinaryOp::Eq => ordering == Some(Ordering::Equal),
                BinaryOp::Ne => ordering != Some(Ordering::Equal),
                BinaryOp::Lt => ordering == Some(Ordering::Less),
                BinaryOp::Le => matches!(ordering, Some(Ordering::Less | Ordering::Equal)),
                BinaryOp::Gt => ordering == Some(Ordering::Greater),
                _ => matches!(ordering, Some(Ordering::Greater | Ordering::Equal)),
            };
            Some(Value::Bool(holds))
        }
        _ => {
            let left_value = eval(left, record)?;
            let a = left_value.number()?;
            let b = eval(right, record)?.number()?;
            let result = match op {
                BinaryOp::Add => a + b,
                BinaryOp::Sub => a - b,
                BinaryOp::Mul => a * b,
                BinaryOp::Div if b == 0.0 => return None,
                BinaryOp::Div => a / b,
                BinaryOp::Mod if b == 0.0 => return None,
                BinaryOp::Mod => a % b,
                _ => a.powf(b),
            };
            if !result.is_finite() {
                return None;
            }
            // Time plus or minus a period stays a time.
            match (left_value, op) {
                (Value::Time(_), BinaryOp::Add | BinaryOp::Sub) => Some(Value::Time(result as i64)),
                _ => Some(Value::Number(result)),
            }
        }
    }
}

fn text_of(expr: &Expr, record: &Record) -> Option<String> {
    eval(expr, record).map(|value| value.render())
}

fn number_of(expr: &Expr, record: &Record) -> Option<f64> {
    eval(expr, record)?.number()
}

/// `datefloor` and `bin`: the start of the period a timestamp falls in.
fn floor_to(ms: i64, period: i64) -> i64 {
    ms.div_euclid(period) * period
}

fn trim_with(text: &str, characters: Option<&str>, left: bool, right: bool) -> String {
    let strip = |c: char| match characters {
        Some(set) => set.contains(c),
        None => c.is_whitespace(),
    };
    let mut out = text;
    if left {
        out = out.trim_start_matches(strip);
    }
    if right {
        out = out.trim_end_matches(strip);
    }
    out.to_string()
}

fn call(function: Function, arguments: &[Expr], record: &Record) -> Option<Value> {
    let number = |index: usize| number_of(&arguments[index], record);
    let text = |index: usize| text_of(&arguments[index], record);
    let value = match function {
        Function::Abs => Value::Number(number(0)?.abs()),
        Function::Ceil => Value::Number(number(0)?.ceil()),
        Function::Floor => Value::Number(number(0)?.floor()),
        Function::Sqrt => Value::Number(Some(number(0)?.sqrt()).filter(|n| n.is_finite())?),
        Function::Log => Value::Number(Some(number(0)?.ln()).filter(|n| n.is_finite())?),
        Function::Greatest | Function::Least => {
            let numbers: Vec<f64> = (0..arguments.len()).filter_map(number).collect();
            let pick = if function == Function::Greatest {
                numbers.into_iter().reduce(f64::max)
            } else {
                numbers.into_iter().reduce(f64::min)
            };
            Value::Number(pick?)
        }
        Function::IsPresent => Value::Bool(eval(&arguments[0], record).is_some()),
        Function::Coalesce => return arguments.iter().find_map(|arg| eval(arg, record)),
        Function::IsEmpty => Value::Bool(text(0).is_none_or(|text| text.is_empty())),
        Function::IsBlank => Value::Bool(text(0).is_none_or(|text| text.trim().is_empty())),
        Function::Concat => Value::Text((0..arguments.len()).filter_map(text).collect::<String>()),
        Function::Ltrim | Function::Rtrim | Function::Trim => {
            let set = if arguments.len() > 1 { text(1) } else { None };
            let (left, right) = match function {
                Function::Ltrim => (true, false),
                Function::Rtrim => (false, true),
                _ => (true, true),
            };
            Value::Text(trim_with(&text(0)?, set.as_deref(), left, right))
        }
        Function::Strlen => Value::Number(text(0)?.chars().count() as f64),
        Function::ToUpper => Value::Text(text(0)?.to_uppercase()),
        Function::ToLower => Value::Text(text(0)?.to_lowercase()),
        Function::Substr => {
            let source = text(0)?;
            let start = number(1)?.max(0.0) as usize;
            let chars = source.chars().skip(start);
            let out: String = match arguments.get(2) {
                Some(_) => chars.take(number(2)?.max(0.0) as usize).collect(),
                None => chars.collect(),
            };
            Value::Text(out)
        }
        Function::Replace => {
            let (source, from, to) = (text(0)?, text(1)?, text(2)?);
            if from.is_empty() {
                Value::Text(source)
            } else {
                Value::Text(source.replace(&from, &to))
            }
        }
        Function::StrContains => Value::Number(if text(0)?.contains(&text(1)?) {
            1.0
        } else {
            0.0
        }),
        Function::Bin => {
            let Expr::Period(period) = arguments[0] else {
                return None;
            };
            let Some(Value::Time(ms)) = record.get("@timestamp") else {
                return None;
            };
            Value::Time(floor_to(*ms, period))
        }
        Function::DateFloor | Function::DateCeil => {
            let Expr::Period(period) = arguments[1] else {
                return None;
            };
            let ms = number(0)? as i64;
            let floor = floor_to(ms, period);
            let at = if function == Function::DateCeil && floor != ms {
                floor + period
            } else {
                floor
            };
            Value::Time(at)
        }
    };
    Some(value)
}

/// AWS's sort order for ascending sorts: values that are numbers after all others, numbers by
/// value, other text by chunks (digit runs by length, then value; other runs by code point).
pub fn natural_cmp(left: &Value, right: &Value) -> Ordering {
    let as_number = |value: &Value| match value {
        Value::Number(n) => Some(*n),
        Value::Time(ms) => Some(*ms as f64),
        Value::Text(text) if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit()) => {
            text.parse::<f64>().ok()
        }
        _ => None,
    };
    match (as_number(left), as_number(right)) {
        (Some(a), Some(b)) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
        (Some(_), None) => Ordering::Greater,
        (None, Some(_)) => Ordering::Less,
        (None, None) => chunked_cmp(&left.render(), &right.render()),
    }
}

fn chunks(text: &str) -> Vec<(bool, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut digits = None;
    for (index, c) in text.char_indices() {
        let is_digit = c.is_ascii_digit();
        match digits {
            Some(current) if current == is_digit => {}
            Some(current) => {
                out.push((current, &text[start..index]));
                start = index;
                digits = Some(is_digit);
            }
            None => digits = Some(is_digit),
        }
    }
    if let Some(current) = digits {
        out.push((current, &text[start..]));
    }
    out
}

fn chunked_cmp(left: &str, right: &str) -> Ordering {
    for (a, b) in chunks(left).into_iter().zip(chunks(right)) {
        let ordering = match (a, b) {
            ((true, x), (true, y)) => x.len().cmp(&y.len()).then_with(|| x.cmp(y)),
            ((_, x), (_, y)) => x.cmp(y),
        };
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    chunks(left).len().cmp(&chunks(right).len())
}
