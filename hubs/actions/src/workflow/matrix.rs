//! `strategy.matrix` expansion, as GitHub documents it.
//!
//! Vectors (every key but `include` and `exclude`) multiply in the order written, the first key
//! varying slowest. `exclude` entries drop every combination they match (an entry may name only
//! some keys). Then each `include` entry is added to every combination whose *original* values
//! it does not contradict (values an earlier include added may be overwritten); an entry that
//! fits no combination becomes a combination of its own.
//!
//! What this module must not do: evaluate expressions; a matrix given as `${{ }}` is evaluated
//! by the caller first and handed here as JSON.

use serde_json::{Map, Value};

/// GitHub's limit on the jobs one matrix may generate.
pub const MAX_COMBINATIONS: usize = 256;

/// One combination: keys in the order they were introduced.
pub type Combination = Map<String, Value>;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MatrixError {
    #[error("Matrix vector '{0}' does not contain any values")]
    EmptyVector(String),
    #[error("Unexpected value '{0}'")]
    NotAVector(String),
    #[error("Matrix must define at least one vector")]
    NoVectors,
    #[error("A sequence was not expected")]
    NotAMapping,
    #[error("Strategy produced more than {MAX_COMBINATIONS} jobs")]
    TooMany,
}

/// Expands a matrix mapping into its combinations.
pub fn expand(matrix: &Value) -> Result<Vec<Combination>, MatrixError> {
    let Some(matrix) = matrix.as_object() else {
        return Err(MatrixError::NotAMapping);
    };
    let mut vectors: Vec<(&String, &Vec<Value>)> = Vec::new();
    let mut include: &[Value] = &[];
    let mut exclude: &[Value] = &[];
    for (key, value) in matrix {
        match (key.as_str(), value) {
            ("include", Value::Array(items)) => include = items,
            ("exclude", Value::Array(items)) => exclude = items,
            ("include" | "exclude", _) => return Err(MatrixError::NotAVector(key.clone())),
            (_, Value::Array(items)) if items.is_empty() => {
                return Err(MatrixError::EmptyVector(key.clone()));
            }
            (_, Value::Array(items)) => vectors.push((key, items)),
            _ => return Err(MatrixError::NotAVector(key.clone())),
        }
    }
    if vectors.is_empty() && include.is_empty() {
        return Err(MatrixError::NoVectors);
    }

    let mut combinations: Vec<Combination> = if vectors.is_empty() {
        Vec::new()
    } else {
        vec![Map::new()]
    };
    for (key, values) in &vectors {
        let mut next = Vec::with_capacity(combinations.len() * values.len());
        for combination in &combinations {
            for value in values.iter() {
                let mut extended = combination.clone();
                extended.insert((*key).clone(), value.clone());
                next.push(extended);
            }
        }
        if next.len() > MAX_COMBINATIONS * 16 {
            return Err(MatrixError::TooMany);
        }
        combinations = next;
    }

    combinations.retain(|combination| {
        !exclude.iter().any(|entry| {
            entry.as_object().is_some_and(|entry| {
                !entry.is_empty()
                    && entry
                        .iter()
                        .all(|(k, v)| combination.get(k).is_some_and(|c| c == v))
            })
        })
    });

    let original_keys: Vec<&String> = vectors.iter().map(|(k, _)| *k).collect();
    let originals: Vec<Combination> = combinations.clone();
    for entry in include {
        let Some(entry) = entry.as_object() else {
            return Err(MatrixError::NotAMapping);
        };
        let mut added = false;
        for (index, original) in originals.iter().enumerate() {
            let fits = entry
                .iter()
                .all(|(k, v)| !original_keys.contains(&k) || original.get(k) == Some(v));
            if fits {
                for (k, v) in entry {
                    combinations[index].insert(k.clone(), v.clone());
                }
                added = true;
            }
        }
        if !added {
            combinations.push(entry.clone());
        }
    }
    if combinations.len() > MAX_COMBINATIONS {
        return Err(MatrixError::TooMany);
    }
    Ok(combinations)
}

/// A combination's part of a job's display name: `(ubuntu-latest, 20)`, values in key order,
/// mappings and sequences as GitHub prints them (JSON).
pub fn display_suffix(combination: &Combination) -> String {
    let values: Vec<String> = combination
        .values()
        .map(|v| match v {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        })
        .collect();
    format!("({})", values.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(combinations: &[Combination]) -> Vec<String> {
        combinations.iter().map(display_suffix).collect()
    }

    #[test]
    fn product_in_written_order() {
        let c =
            expand(&json!({"version": [10, 12, 14], "os": ["ubuntu-latest", "windows-latest"]}))
                .unwrap();
        assert_eq!(
            names(&c),
            [
                "(10, ubuntu-latest)",
                "(10, windows-latest)",
                "(12, ubuntu-latest)",
                "(12, windows-latest)",
                "(14, ubuntu-latest)",
                "(14, windows-latest)"
            ]
        );
    }

    /// GitHub's documented example "Expanding or adding matrix configurations".
    #[test]
    fn documented_include_example() {
        let c = expand(&json!({
            "fruit": ["apple", "pear"],
            "animal": ["cat", "dog"],
            "include": [
                {"color": "green"},
                {"color": "pink", "animal": "cat"},
                {"fruit": "apple", "shape": "circle"},
                {"fruit": "banana"},
                {"fruit": "banana", "animal": "cat"}
            ]
        }))
        .unwrap();
        let got: Vec<Value> = c.into_iter().map(Value::Object).collect();
        assert_eq!(
            got,
            vec![
                json!({"fruit": "apple", "animal": "cat", "color": "pink", "shape": "circle"}),
                json!({"fruit": "apple", "animal": "dog", "color": "green", "shape": "circle"}),
                json!({"fruit": "pear", "animal": "cat", "color": "pink"}),
                json!({"fruit": "pear", "animal": "dog", "color": "green"}),
                json!({"fruit": "banana"}),
                json!({"fruit": "banana", "animal": "cat"}),
            ]
        );
    }

    /// GitHub's documented example "Excluding matrix configurations".
    #[test]
    fn documented_exclude_example() {
        let c = expand(&json!({
            "os": ["macos-latest", "windows-latest"],
            "version": [12, 14, 16],
            "environment": ["staging", "production"],
            "exclude": [
                {"os": "macos-latest", "version": 12, "environment": "production"},
                {"os": "windows-latest", "version": 16}
            ]
        }))
        .unwrap();
        assert_eq!(c.len(), 12 - 1 - 2);
        assert!(!names(&c).contains(&"(windows-latest, 16, staging)".to_string()));
    }

    #[test]
    fn include_only_and_errors() {
        let c = expand(&json!({"include": [{"site": "production"}, {"site": "staging"}]})).unwrap();
        assert_eq!(names(&c), ["(production)", "(staging)"]);
        assert_eq!(
            expand(&json!({"os": []})).unwrap_err().to_string(),
            "Matrix vector 'os' does not contain any values"
        );
        assert_eq!(expand(&json!({})).unwrap_err(), MatrixError::NoVectors);
        let big: Vec<i32> = (0..17).collect();
        assert_eq!(
            expand(&json!({"a": big, "b": big})).unwrap_err(),
            MatrixError::TooMany
        );
    }
}
