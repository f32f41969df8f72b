//! The normal form and the conversions every generated shape implements.
//!
//! The normal form is plain JSON keyed by a shape's *member names*: structures are objects,
//! lists arrays, maps objects, timestamps numbers of epoch seconds, blobs base64 strings, absent
//! members absent. The protocol layer decodes every wire format into it and encodes from it;
//! [`FromNormal`] and [`ToNormal`] turn it into typed values and back.
//!
//! A conversion failure on input is the simulator's bug (the protocol has already validated
//! the value against the model), reported as [`NormalError`] with the path to the value.

use std::collections::BTreeMap;

use base64::Engine;
use serde_json::{Map, Value};

/// A value in the normal form that does not fit the type it is converted to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalError {
    /// Where: `Role.Tags.1.Key`.
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for NormalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for NormalError {}

impl NormalError {
    fn new(message: impl Into<String>) -> Self {
        Self {
            path: String::new(),
            message: message.into(),
        }
    }

    fn within(mut self, outer: &str) -> Self {
        self.path = if self.path.is_empty() {
            outer.to_string()
        } else {
            format!("{outer}.{}", self.path)
        };
        self
    }
}

/// An operation the simulator does not implement (yet): the generated default of every
/// [`Api`](crate::sts::Api) method. Services map it to their provider's "not implemented".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unimplemented {
    pub service: &'static str,
    pub operation: &'static str,
}

impl std::fmt::Display for Unimplemented {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{} is not implemented", self.service, self.operation)
    }
}

impl std::error::Error for Unimplemented {}

/// Why `dispatch` did not produce an output.
#[derive(Debug)]
pub enum Dispatched<E> {
    /// The model has no such operation.
    UnknownOperation,
    /// The input did not convert (a disagreement between protocol and shapes: a bug).
    Input(NormalError),
    /// The handler answered with an error.
    Handler(E),
}

/// Conversion from the normal form.
pub trait FromNormal: Sized {
    fn from_normal(value: Value) -> Result<Self, NormalError>;
}

/// Conversion into the normal form.
pub trait ToNormal {
    fn into_normal(self) -> Value;
}

/// A point in time, to the millisecond (the precision AWS's APIs use), carried in the normal
/// form as epoch seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn from_millis(millis: i64) -> Self {
        Self(millis)
    }

    pub fn millis(self) -> i64 {
        self.0
    }

    pub fn seconds(self) -> i64 {
        self.0.div_euclid(1000)
    }
}

/// Binary data, carried in the normal form as base64.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Blob(pub Vec<u8>);

impl FromNormal for String {
    fn from_normal(value: Value) -> Result<Self, NormalError> {
        match value {
            Value::String(text) => Ok(text),
            other => Err(NormalError::new(format!(
                "expected a string, found {other}"
            ))),
        }
    }
}

impl FromNormal for bool {
    fn from_normal(value: Value) -> Result<Self, NormalError> {
        value
            .as_bool()
            .ok_or_else(|| NormalError::new(format!("expected a boolean, found {value}")))
    }
}

impl FromNormal for i64 {
    fn from_normal(value: Value) -> Result<Self, NormalError> {
        value
            .as_i64()
            .or_else(|| {
                value
                    .as_f64()
                    .filter(|f| f.fract() == 0.0)
                    .map(|f| f as i64)
            })
            .ok_or_else(|| NormalError::new(format!("expected an integer, found {value}")))
    }
}

impl FromNormal for i32 {
    fn from_normal(value: Value) -> Result<Self, NormalError> {
        i32::try_from(i64::from_normal(value)?)
            .map_err(|_| NormalError::new("integer out of range"))
    }
}

impl FromNormal for f64 {
    fn from_normal(value: Value) -> Result<Self, NormalError> {
        match &value {
            Value::Number(number) => number.as_f64(),
            Value::String(text) => match text.as_str() {
                "NaN" => Some(f64::NAN),
                "Infinity" => Some(f64::INFINITY),
                "-Infinity" => Some(f64::NEG_INFINITY),
                _ => None,
            },
            _ => None,
        }
        .ok_or_else(|| NormalError::new(format!("expected a number, found {value}")))
    }
}

impl FromNormal for Timestamp {
    fn from_normal(value: Value) -> Result<Self, NormalError> {
        let seconds = value
            .as_f64()
            .ok_or_else(|| NormalError::new(format!("expected epoch seconds, found {value}")))?;
        Ok(Self((seconds * 1000.0).round() as i64))
    }
}

impl FromNormal for Blob {
    fn from_normal(value: Value) -> Result<Self, NormalError> {
        let text = String::from_normal(value)?;
        base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map(Blob)
            .map_err(|error| NormalError::new(format!("not base64: {error}")))
    }
}

impl FromNormal for Value {
    fn from_normal(value: Value) -> Result<Self, NormalError> {
        Ok(value)
    }
}

impl FromNormal for () {
    fn from_normal(_: Value) -> Result<Self, NormalError> {
        Ok(())
    }
}

impl<T: FromNormal> FromNormal for Option<T> {
    fn from_normal(value: Value) -> Result<Self, NormalError> {
        match value {
            Value::Null => Ok(None),
            other => T::from_normal(other).map(Some),
        }
    }
}

impl<T: FromNormal> FromNormal for Box<T> {
    fn from_normal(value: Value) -> Result<Self, NormalError> {
        T::from_normal(value).map(Box::new)
    }
}

impl<T: FromNormal> FromNormal for Vec<T> {
    fn from_normal(value: Value) -> Result<Self, NormalError> {
        match value {
            Value::Array(items) => items
                .into_iter()
                .enumerate()
                .map(|(index, item)| {
                    T::from_normal(item).map_err(|error| error.within(&(index + 1).to_string()))
                })
                .collect(),
            other => Err(NormalError::new(format!("expected a list, found {other}"))),
        }
    }
}

impl<T: FromNormal> FromNormal for BTreeMap<String, T> {
    fn from_normal(value: Value) -> Result<Self, NormalError> {
        match value {
            Value::Object(entries) => entries
                .into_iter()
                .map(|(key, item)| {
                    let item = T::from_normal(item).map_err(|error| error.within(&key))?;
                    Ok((key, item))
                })
                .collect(),
            other => Err(NormalError::new(format!("expected a map, found {other}"))),
        }
    }
}

impl ToNormal for String {
    fn into_normal(self) -> Value {
        Value::String(self)
    }
}

impl ToNormal for bool {
    fn into_normal(self) -> Value {
        Value::Bool(self)
    }
}

impl ToNormal for i32 {
    fn into_normal(self) -> Value {
        Value::from(self)
    }
}

impl ToNormal for i64 {
    fn into_normal(self) -> Value {
        Value::from(self)
    }
}

impl ToNormal for f64 {
    fn into_normal(self) -> Value {
        if self.is_nan() {
            Value::String("NaN".into())
        } else if self.is_infinite() {
            Value::String(if self > 0.0 { "Infinity" } else { "-Infinity" }.into())
        } else {
            serde_json::Number::from_f64(self).map_or(Value::Null, Value::Number)
        }
    }
}

impl ToNormal for Timestamp {
    fn into_normal(self) -> Value {
        if self.0 % 1000 == 0 {
            Value::from(self.0 / 1000)
        } else {
            serde_json::Number::from_f64(self.0 as f64 / 1000.0).map_or(Value::Null, Value::Number)
        }
    }
}

impl ToNormal for Blob {
    fn into_normal(self) -> Value {
        Value::String(base64::engine::general_purpose::STANDARD.encode(self.0))
    }
}

impl ToNormal for Value {
    fn into_normal(self) -> Value {
        self
    }
}

/// An operation without output answers nothing.
impl ToNormal for () {
    fn into_normal(self) -> Value {
        Value::Null
    }
}

impl<T: ToNormal> ToNormal for Option<T> {
    fn into_normal(self) -> Value {
        self.map_or(Value::Null, T::into_normal)
    }
}

impl<T: ToNormal> ToNormal for Box<T> {
    fn into_normal(self) -> Value {
        (*self).into_normal()
    }
}

impl<T: ToNormal> ToNormal for Vec<T> {
    fn into_normal(self) -> Value {
        Value::Array(self.into_iter().map(T::into_normal).collect())
    }
}

impl<T: ToNormal> ToNormal for BTreeMap<String, T> {
    fn into_normal(self) -> Value {
        Value::Object(
            self.into_iter()
                .map(|(key, value)| (key, value.into_normal()))
                .collect(),
        )
    }
}

/// The members of a structure in the normal form (generated code).
pub fn object(value: Value, shape: &str) -> Result<Map<String, Value>, NormalError> {
    match value {
        Value::Object(members) => Ok(members),
        // An operation whose input is absent from the wire (no body) has no members.
        Value::Null => Ok(Map::new()),
        other => Err(NormalError::new(format!(
            "expected a {shape} structure, found {other}"
        ))),
    }
}

/// Takes a required member (generated code).
pub fn required<T: FromNormal>(
    object: &mut Map<String, Value>,
    shape: &str,
    member: &str,
) -> Result<T, NormalError> {
    match object.remove(member) {
        Some(value) if !value.is_null() => {
            T::from_normal(value).map_err(|error| error.within(member).within(shape))
        }
        _ => Err(NormalError::new("required member missing")
            .within(member)
            .within(shape)),
    }
}

/// Takes an optional member (generated code).
pub fn optional<T: FromNormal>(
    object: &mut Map<String, Value>,
    shape: &str,
    member: &str,
) -> Result<Option<T>, NormalError> {
    match object.remove(member) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => T::from_normal(value)
            .map(Some)
            .map_err(|error| error.within(member).within(shape)),
    }
}

/// Puts a member, leaving out absent ones (generated code).
pub fn put<T: ToNormal>(object: &mut Map<String, Value>, member: &'static str, value: T) {
    let value = value.into_normal();
    if !value.is_null() {
        object.insert(member.to_string(), value);
    }
}

/// `serde` through the normal form, so generated shapes can be stored as they are.
#[macro_export]
#[doc(hidden)]
macro_rules! serde_through_normal {
    ($type:ty) => {
        impl ::serde::Serialize for $type {
            fn serialize<S: ::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                ::serde::Serialize::serialize(
                    &$crate::normal::ToNormal::into_normal(::std::clone::Clone::clone(self)),
                    serializer,
                )
            }
        }
        impl<'de> ::serde::Deserialize<'de> for $type {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                let value =
                    <::serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
                $crate::normal::FromNormal::from_normal(value).map_err(::serde::de::Error::custom)
            }
        }
    };
}
pub use serde_through_normal;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_round_trip() {
        assert_eq!(
            Timestamp::from_normal(Value::from(1.5)).unwrap(),
            Timestamp(1500)
        );
        assert_eq!(Timestamp(1500).into_normal(), Value::from(1.5));
        assert_eq!(Timestamp(2000).into_normal(), Value::from(2));
        assert_eq!(
            Blob::from_normal(Value::from("aGk=")).unwrap(),
            Blob(b"hi".to_vec())
        );
        assert_eq!(Blob(b"hi".to_vec()).into_normal(), Value::from("aGk="));
        assert!(f64::from_normal(Value::from("NaN")).unwrap().is_nan());
        assert_eq!(i32::from_normal(Value::from(7)).unwrap(), 7);
        assert!(i32::from_normal(Value::from(1i64 << 40)).is_err());
    }

    #[test]
    fn errors_say_where() {
        let error = Vec::<String>::from_normal(serde_json::json!(["a", 3])).unwrap_err();
        assert_eq!(error.path, "2");
        let mut object = serde_json::json!({"Tags": ["a", 3]})
            .as_object()
            .cloned()
            .unwrap();
        let error = required::<Vec<String>>(&mut object, "Role", "Tags").unwrap_err();
        assert_eq!(error.to_string(), "Role.Tags.2: expected a string, found 3");
    }
}
