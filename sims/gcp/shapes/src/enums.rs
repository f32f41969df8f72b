//! Serde for generated enums: read from the value's name or its number (the REST clients ask
//! for `$alt=json;enum-encoding=int` and send numbers), written as the name, or as the number
//! while [`as_numbers`] is in effect on this thread.
//!
//! The number of a value is its position in the discovery document's list, which follows the
//! proto definition; where a proto leaves gaps in its numbering the two differ (documented in
//! sim-gcp's README).

use std::cell::Cell;

thread_local! {
    static AS_NUMBERS: Cell<bool> = const { Cell::new(false) };
}

/// Runs `serialize` with enums written as numbers (`numbers`) or names.
pub fn as_numbers<R>(numbers: bool, serialize: impl FnOnce() -> R) -> R {
    let previous = AS_NUMBERS.with(|flag| flag.replace(numbers));
    let result = serialize();
    AS_NUMBERS.with(|flag| flag.set(previous));
    result
}

pub fn serialize<S: serde::Serializer>(
    index: usize,
    names: &[&str],
    s: S,
) -> Result<S::Ok, S::Error> {
    if AS_NUMBERS.with(Cell::get) {
        s.serialize_u64(index as u64)
    } else {
        s.serialize_str(names[index])
    }
}

pub fn deserialize<'de, D: serde::Deserializer<'de>>(
    d: D,
    names: &'static [&'static str],
) -> Result<usize, D::Error> {
    d.deserialize_any(EnumVisitor { names })
}

struct EnumVisitor {
    names: &'static [&'static str],
}

impl serde::de::Visitor<'_> for EnumVisitor {
    type Value = usize;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "one of {:?} or its number", self.names)
    }

    fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<usize, E> {
        self.names
            .iter()
            .position(|name| *name == value)
            .ok_or_else(|| E::custom(format!("Invalid value: \"{value}\"")))
    }

    fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<usize, E> {
        usize::try_from(value)
            .ok()
            .filter(|index| *index < self.names.len())
            .ok_or_else(|| E::custom(format!("Invalid value: {value}")))
    }

    fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<usize, E> {
        u64::try_from(value)
            .map_err(|_| E::custom(format!("Invalid value: {value}")))
            .and_then(|value| self.visit_u64(value))
    }
}
