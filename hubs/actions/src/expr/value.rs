//! Values of the expression language and GitHub's coercions between them.
//!
//! Five primitive kinds (null, boolean, number as an IEEE double, string) and two collections
//! (array, object). Collections are shared (`Arc`), because GitHub compares them by identity:
//! `github.event == github.event` is true, `fromJSON('{}') == fromJSON('{}')` is false.
//! Object keys keep their order and are looked up case-insensitively, as the runner's
//! dictionaries are.
//!
//! The rules follow the runner's `EvaluationResult`: equality and ordering coerce like
//! JavaScript's abstract comparison, except that strings compare ordinally ignoring case and
//! collections are never coerced; numbers print with .NET's `G15` format.

use std::fmt::Write as _;
use std::sync::Arc;

/// An object: keys in insertion order, unique ignoring case.
#[derive(Debug, Default, Clone)]
pub struct Object {
    entries: Vec<(String, Value)>,
}

impl Object {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key`, replacing an entry whose key is equal ignoring case.
    pub fn insert(&mut self, key: impl Into<String>, value: Value) {
        let key = key.into();
        match self
            .entries
            .iter_mut()
            .find(|(k, _)| k.eq_ignore_ascii_case(&key))
        {
            Some(entry) => entry.1 = value,
            None => self.entries.push((key, value)),
        }
    }

    /// The value under `key`, ignoring case.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn values(&self) -> impl Iterator<Item = &Value> {
        self.entries.iter().map(|(_, v)| v)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A value during evaluation.
#[derive(Debug, Clone)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Arc<Vec<Value>>),
    Object(Arc<Object>),
}

/// The kind names the runner prints (`Array`, `Object`) when a collection becomes a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Null,
    Boolean,
    Number,
    String,
    Array,
    Object,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Null => "Null",
            Kind::Boolean => "Boolean",
            Kind::Number => "Number",
            Kind::String => "String",
            Kind::Array => "Array",
            Kind::Object => "Object",
        }
    }
}

impl Value {
    pub fn string(s: impl Into<String>) -> Self {
        Value::String(s.into())
    }

    pub fn array(items: Vec<Value>) -> Self {
        Value::Array(Arc::new(items))
    }

    pub fn object(object: Object) -> Self {
        Value::Object(Arc::new(object))
    }

    pub fn kind(&self) -> Kind {
        match self {
            Value::Null => Kind::Null,
            Value::Bool(_) => Kind::Boolean,
            Value::Number(_) => Kind::Number,
            Value::String(_) => Kind::String,
            Value::Array(_) => Kind::Array,
            Value::Object(_) => Kind::Object,
        }
    }

    pub fn is_primitive(&self) -> bool {
        !matches!(self, Value::Array(_) | Value::Object(_))
    }

    /// Falsy: null, false, 0, -0, NaN and the empty string; every collection is truthy.
    pub fn is_truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Number(n) => !(*n == 0.0 || n.is_nan()),
            Value::String(s) => !s.is_empty(),
            Value::Array(_) | Value::Object(_) => true,
        }
    }

    /// JavaScript's `Number()` for primitives; collections are NaN.
    pub fn to_number(&self) -> f64 {
        match self {
            Value::Null => 0.0,
            Value::Bool(b) => f64::from(u8::from(*b)),
            Value::Number(n) => *n,
            Value::String(s) => parse_number(s),
            Value::Array(_) | Value::Object(_) => f64::NAN,
        }
    }

    /// The string form: null is empty, numbers use `G15`, collections print their kind.
    pub fn to_display_string(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => format_number(*n),
            Value::String(s) => s.clone(),
            Value::Array(_) | Value::Object(_) => self.kind().name().to_string(),
        }
    }

    /// `==` with GitHub's coercions.
    pub fn loose_eq(&self, other: &Value) -> bool {
        match coerce(self, other) {
            Coerced::Numbers(l, r) => !l.is_nan() && !r.is_nan() && l == r,
            Coerced::Strings(l, r) => eq_ignore_case(l, r),
            Coerced::Bools(l, r) => l == r,
            Coerced::Nulls => true,
            Coerced::Arrays(l, r) => Arc::ptr_eq(l, r),
            Coerced::Objects(l, r) => Arc::ptr_eq(l, r),
            Coerced::Mismatch => false,
        }
    }

    /// `>` with GitHub's coercions (false whenever the kinds still differ, or for NaN).
    pub fn loose_gt(&self, other: &Value) -> bool {
        match coerce(self, other) {
            Coerced::Numbers(l, r) => l > r,
            Coerced::Strings(l, r) => compare_ignore_case(l, r).is_gt(),
            Coerced::Bools(l, r) => l && !r,
            _ => false,
        }
    }

    /// `<` with GitHub's coercions.
    pub fn loose_lt(&self, other: &Value) -> bool {
        match coerce(self, other) {
            Coerced::Numbers(l, r) => l < r,
            Coerced::Strings(l, r) => compare_ignore_case(l, r).is_lt(),
            Coerced::Bools(l, r) => !l && r,
            _ => false,
        }
    }

    /// Converts JSON (a context, or `fromJSON`'s input) into a value; numbers become doubles.
    pub fn from_json(json: &serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(items) => {
                Value::array(items.iter().map(Value::from_json).collect())
            }
            serde_json::Value::Object(map) => {
                let mut object = Object::new();
                for (k, v) in map {
                    object.insert(k.clone(), Value::from_json(v));
                }
                Value::object(object)
            }
        }
    }

    /// Converts into JSON (`toJSON`): integral numbers print without a fraction, as the
    /// runner's number context data does; NaN and the infinities have no JSON form and print
    /// as the strings the runner uses for them.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => number_to_json(*n),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Array(items) => {
                serde_json::Value::Array(items.iter().map(Value::to_json).collect())
            }
            Value::Object(object) => serde_json::Value::Object(
                object
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_string())
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Self {
        Value::Number(n)
    }
}

fn number_to_json(n: f64) -> serde_json::Value {
    if n.is_nan() {
        return serde_json::Value::String("NaN".into());
    }
    if n.is_infinite() {
        let text = if n > 0.0 { "Infinity" } else { "-Infinity" };
        return serde_json::Value::String(text.into());
    }
    // Integral values within i64 print as integers (`1`, not `1.0`).
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        #[allow(clippy::cast_possible_truncation)]
        return serde_json::Value::from(n as i64);
    }
    serde_json::Number::from_f64(n).map_or(serde_json::Value::Null, serde_json::Value::Number)
}

enum Coerced<'a> {
    Nulls,
    Bools(bool, bool),
    Numbers(f64, f64),
    Strings(&'a str, &'a str),
    Arrays(&'a Arc<Vec<Value>>, &'a Arc<Vec<Value>>),
    Objects(&'a Arc<Object>, &'a Arc<Object>),
    Mismatch,
}

/// The runner's `CoerceTypes`: same kinds stay; number against string makes both numbers;
/// a boolean or null on either side becomes a number and the pair is coerced again;
/// collections are never converted.
fn coerce<'a>(left: &'a Value, right: &'a Value) -> Coerced<'a> {
    match (left, right) {
        (Value::Null, Value::Null) => Coerced::Nulls,
        (Value::Bool(l), Value::Bool(r)) => Coerced::Bools(*l, *r),
        (Value::Number(l), Value::Number(r)) => Coerced::Numbers(*l, *r),
        (Value::String(l), Value::String(r)) => Coerced::Strings(l, r),
        (Value::Array(l), Value::Array(r)) => Coerced::Arrays(l, r),
        (Value::Object(l), Value::Object(r)) => Coerced::Objects(l, r),
        (Value::Number(l), Value::String(r)) => Coerced::Numbers(*l, parse_number(r)),
        (Value::String(l), Value::Number(r)) => Coerced::Numbers(parse_number(l), *r),
        (Value::Bool(_) | Value::Null, other) => coerce_number_with(left.to_number(), other, false),
        (other, Value::Bool(_) | Value::Null) => coerce_number_with(right.to_number(), other, true),
        _ => Coerced::Mismatch,
    }
}

/// Second round of coercion once one side became a number (`number_on_right` keeps the order).
fn coerce_number_with(number: f64, other: &Value, number_on_right: bool) -> Coerced<'static> {
    let other = match other {
        Value::Number(n) => *n,
        Value::String(s) => parse_number(s),
        Value::Bool(_) | Value::Null => other.to_number(),
        Value::Array(_) | Value::Object(_) => return Coerced::Mismatch,
    };
    if number_on_right {
        Coerced::Numbers(other, number)
    } else {
        Coerced::Numbers(number, other)
    }
}

/// Ordinal comparison ignoring case, as .NET's `OrdinalIgnoreCase` (upper-cases each char).
pub(crate) fn compare_ignore_case(left: &str, right: &str) -> std::cmp::Ordering {
    let l = left.chars().flat_map(char::to_uppercase);
    let r = right.chars().flat_map(char::to_uppercase);
    l.cmp(r)
}

pub(crate) fn eq_ignore_case(left: &str, right: &str) -> bool {
    compare_ignore_case(left, right).is_eq()
}

/// JavaScript's `Number(string)` as the runner implements it: trimmed; empty is 0; decimal with
/// sign, point and exponent; `0x` hex and `0o` octal (32-bit); `Infinity`, `-Infinity`; else NaN.
pub fn parse_number(text: &str) -> f64 {
    let text = text.trim();
    if text.is_empty() {
        return 0.0;
    }
    if let Some(n) = parse_decimal(text) {
        return n;
    }
    if let Some(hex) = text.strip_prefix("0x") {
        if !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return i32::from_str_radix(hex, 16).map_or(f64::NAN, f64::from);
        }
        return f64::NAN;
    }
    if let Some(octal) = text.strip_prefix("0o") {
        if !octal.is_empty() && octal.chars().all(|c| ('0'..='7').contains(&c)) {
            return i32::from_str_radix(octal, 8).map_or(f64::NAN, f64::from);
        }
        return f64::NAN;
    }
    match text {
        "Infinity" => f64::INFINITY,
        "-Infinity" => f64::NEG_INFINITY,
        _ => f64::NAN,
    }
}

/// .NET's `Double.TryParse` with a leading sign, a decimal point and an exponent, and nothing
/// else (no `inf`, `nan`, hex, or separators, which Rust's parser would otherwise accept).
fn parse_decimal(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let mut i = 0;
    if matches!(bytes.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let mut digits = 0;
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        i += 1;
        digits += 1;
    }
    if i < bytes.len() && bytes[i] == b'.' {
        i += 1;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return None;
    }
    if i < bytes.len() && matches!(bytes[i], b'e' | b'E') {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    if i != bytes.len() {
        return None;
    }
    // Rust accepts a superset of this grammar, so what passed above always parses.
    text.parse::<f64>().ok()
}

/// .NET's `ToString("G15")`: 15 significant digits, trailing zeros dropped, scientific
/// notation (`1E+15`, `1E-05`) unless the exponent is above -5 and below 15.
pub fn format_number(n: f64) -> String {
    if n.is_nan() {
        return "NaN".into();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if n == 0.0 {
        // .NET Core 3+ prints negative zero as "-0".
        return if n.is_sign_negative() { "-0" } else { "0" }.into();
    }
    // Round to 15 significant digits through the scientific form, then read its exponent.
    let scientific = format!("{:.14e}", n);
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    if !(-4..15).contains(&exponent) {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let sign = if exponent < 0 { '-' } else { '+' };
        let _ = write!(out, "E{sign}{:02}", exponent.abs());
        return out;
    }
    if exponent < 0 {
        out.push_str("0.");
        for _ in 0..(-exponent - 1) {
            out.push('0');
        }
        out.push_str(digits);
    } else {
        let whole = usize::try_from(exponent).unwrap_or(0) + 1;
        if digits.len() <= whole {
            out.push_str(digits);
            for _ in digits.len()..whole {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..whole]);
            out.push('.');
            out.push_str(&digits[whole..]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_as_g15() {
        for (n, text) in [
            (1.0, "1"),
            (-1.5, "-1.5"),
            (0.1 + 0.2, "0.3"),
            (1e15, "1E+15"),
            (123456789012345.0, "123456789012345"),
            (0.0001, "0.0001"),
            (0.00001, "1E-05"),
            (2.5e-7, "2.5E-07"),
            (1.0 / 3.0, "0.333333333333333"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (0.0, "0"),
            (100.0, "100"),
            (711.0, "711"),
        ] {
            assert_eq!(format_number(n), text, "{n}");
        }
    }

    #[test]
    fn strings_parse_as_javascript_numbers() {
        for (text, n) in [
            ("", 0.0),
            ("  12 ", 12.0),
            ("-1.5e2", -150.0),
            ("0x1F", 31.0),
            ("0o17", 15.0),
            ("Infinity", f64::INFINITY),
            (".5", 0.5),
            ("5.", 5.0),
        ] {
            assert_eq!(parse_number(text), n, "{text:?}");
        }
        for text in ["abc", "1,000", "inf", "nan", "0x", "1e", "0xZZ", "--1"] {
            assert!(parse_number(text).is_nan(), "{text:?}");
        }
    }
}
