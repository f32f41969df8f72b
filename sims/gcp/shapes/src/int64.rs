//! Serde for `Option<i64>` fields that Google writes as JSON strings (`"format": "int64"`),
//! read from a string or a number, as Google's JSON parser accepts both.

pub mod option {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => s.serialize_str(&value.to_string()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Number(i64),
            Text(String),
        }
        match Option::<Either>::deserialize(d)? {
            None => Ok(None),
            Some(Either::Number(n)) => Ok(Some(n)),
            Some(Either::Text(text)) => text.trim().parse().map(Some).map_err(|_| {
                serde::de::Error::custom(format!("Invalid value: \"{text}\" is not an int64"))
            }),
        }
    }
}
