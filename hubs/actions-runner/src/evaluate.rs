//! The job message's encodings read back, and `${{ }}` evaluated where the runner evaluates it:
//! pipeline context data (`{"t": 2, "d": [...]}`) into plain JSON, and template tokens
//! (literals, `{"type": 1, "seq"}`, `{"type": 2, "map"}`, `{"type": 3, "expr"}`) into values
//! through `actions::expr`, with the step's status answering `success()`/`failure()`/
//! `always()`/`cancelled()`.
//!
//! `hashFiles` reads the workspace ([`hash_files`]) where a step's values are evaluated.
//!
//! What this module must not do: touch the file system beyond `hashFiles`' reads of the
//! workspace, or panic on any message.

use actions::expr::{Contexts, EvalError, Expression, Function, Host, Status, Value};
use serde_json::{Map, Value as Json};

/// Every context a step's expressions may read.
const NAMED_VALUES: [&str; 13] = [
    "github", "env", "vars", "secrets", "needs", "inputs", "matrix", "strategy", "runner", "job",
    "steps", "jobs", "steps",
];

/// The functions a step's expressions may call besides the plain ones.
const FUNCTIONS: [Function; 5] = [
    Function::Success,
    Function::Failure,
    Function::Always,
    Function::Cancelled,
    Function::HashFiles,
];

/// Pipeline context data as JSON.
pub fn context_data(value: &Json) -> Json {
    match value {
        Json::Object(object) => match object.get("t").and_then(Json::as_u64) {
            Some(1) => Json::Array(
                object
                    .get("a")
                    .and_then(Json::as_array)
                    .into_iter()
                    .flatten()
                    .map(context_data)
                    .collect(),
            ),
            Some(2) => Json::Object(
                object
                    .get("d")
                    .and_then(Json::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|pair| {
                        Some((pair["k"].as_str()?.to_string(), context_data(&pair["v"])))
                    })
                    .collect(),
            ),
            // A boxed literal (`{"t": 0, "s": …}`, `{"t": 3, "b": …}`, `{"t": 4, "n": …}`).
            Some(0) => object.get("s").cloned().unwrap_or(Json::Null),
            Some(3) => object.get("b").cloned().unwrap_or(Json::Null),
            Some(4) => object.get("n").cloned().unwrap_or(Json::Null),
            _ => value.clone(),
        },
        other => other.clone(),
    }
}

/// The status the step's (or job's) condition sees, as a [`Host`].
pub struct StepHost {
    pub status: Status,
    /// The workspace `hashFiles` reads (`None` where the runner has none yet: job-level
    /// values, which GitHub evaluates before any workspace exists).
    pub workspace: Option<std::path::PathBuf>,
}

impl Host for StepHost {
    fn status(&self, function: Function) -> bool {
        match function {
            Function::Always => true,
            Function::Success => self.status == Status::Success,
            Function::Failure => self.status == Status::Failure,
            Function::Cancelled => self.status == Status::Cancelled,
            _ => false,
        }
    }

    fn hash_files(&self, patterns: &[String]) -> Result<String, EvalError> {
        match &self.workspace {
            Some(workspace) => hash_files(workspace, patterns),
            None => Err(EvalError {
                message:
                    "hashFiles is only available in a step's values (there is no workspace here)"
                        .into(),
            }),
        }
    }
}

/// `hashFiles(patterns)` over `workspace`, as the runner's `hashFiles` script computes it:
/// the files (not directories) under the workspace whose path relative to it the patterns
/// include (the last matching pattern decides; `!` excludes), in path order, each hashed
/// with SHA-256, and those digests hashed together; an empty string when none match.
pub fn hash_files(workspace: &std::path::Path, patterns: &[String]) -> Result<String, EvalError> {
    use sha2::{Digest, Sha256};
    let shown = patterns
        .iter()
        .map(|p| format!("'{p}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let failed = |why: String| EvalError {
        message: format!(
            "hashFiles({shown}) failed. Fail to hash files under directory '{}': {why}",
            workspace.display()
        ),
    };
    // Patterns may be given relative to the workspace or under its absolute path.
    let prefix = format!("{}/", workspace.display());
    let relative: Vec<String> = patterns
        .iter()
        .flat_map(|p| p.lines())
        .map(str::trim)
        .filter(|p| !p.is_empty() && !p.starts_with('#'))
        .map(|p| {
            let (negative, body) = p.strip_prefix('!').map_or((false, p), |b| (true, b));
            let body = body.strip_prefix(&prefix).unwrap_or(body);
            let body = body.strip_prefix("./").unwrap_or(body);
            format!("{}{body}", if negative { "!" } else { "" })
        })
        .collect();
    let list = actions::workflow::glob::PatternList::parse(&relative)
        .map_err(|e| failed(e.to_string()))?;
    let mut files = Vec::new();
    let mut pending = vec![workspace.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| failed(e.to_string()))?;
        for entry in entries {
            let path = entry.map_err(|e| failed(e.to_string()))?.path();
            // Symbolic links are followed, as the runner's globber does; `metadata` answers
            // for the target.
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            let Ok(rel) = path.strip_prefix(workspace) else {
                continue;
            };
            let rel = rel.to_string_lossy().to_string();
            if meta.is_dir() {
                // A linked directory is not walked, so a link loop cannot hold the step.
                if !std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_symlink()) {
                    pending.push(path);
                }
            } else if list.includes(&rel) {
                files.push((rel, path));
            }
        }
    }
    if files.is_empty() {
        return Ok(String::new());
    }
    files.sort();
    let mut all = Sha256::new();
    for (_, path) in &files {
        let bytes = std::fs::read(path).map_err(|e| failed(e.to_string()))?;
        all.update(Sha256::digest(&bytes));
    }
    Ok(all.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// Why a token could not be evaluated.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TokenError(pub String);

fn expression(source: &str) -> Result<Expression, TokenError> {
    Expression::parse(source, &NAMED_VALUES, &FUNCTIONS)
        .map_err(|e| TokenError(format!("{source}: {}", e.message())))
}

/// Evaluates one expression to a value.
pub fn evaluate(source: &str, contexts: &Contexts, host: &dyn Host) -> Result<Value, TokenError> {
    expression(source)?
        .evaluate(contexts, host)
        .map_err(|e| TokenError(format!("{source}: {e}")))
}

/// Evaluates a condition (`if:`), with GitHub's implicit `success() &&`.
pub fn condition(source: &str, contexts: &Contexts, host: &dyn Host) -> Result<bool, TokenError> {
    let source = source.trim();
    let source = source
        .strip_prefix("${{")
        .and_then(|s| s.strip_suffix("}}"))
        .unwrap_or(source)
        .trim();
    let source = if source.is_empty() {
        "success()"
    } else {
        source
    };
    expression(source)?
        .evaluate_condition(contexts, host)
        .map_err(|e| TokenError(format!("{source}: {e}")))
}

/// A template token as JSON, its expressions evaluated.
pub fn token(token: &Json, contexts: &Contexts, host: &dyn Host) -> Result<Json, TokenError> {
    match token {
        Json::Object(object) => match object.get("type").and_then(Json::as_u64) {
            Some(0) => Ok(object.get("lit").cloned().unwrap_or(Json::Null)),
            Some(1) => object
                .get("seq")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .map(|item| self::token(item, contexts, host))
                .collect::<Result<Vec<_>, _>>()
                .map(Json::Array),
            Some(2) => {
                let mut map = Map::new();
                for pair in object
                    .get("map")
                    .and_then(Json::as_array)
                    .into_iter()
                    .flatten()
                {
                    let key = match self::token(&pair["key"], contexts, host)? {
                        Json::String(key) => key,
                        other => other.to_string(),
                    };
                    map.insert(key, self::token(&pair["value"], contexts, host)?);
                }
                Ok(Json::Object(map))
            }
            Some(3) => {
                let source = object
                    .get("expr")
                    .and_then(Json::as_str)
                    .unwrap_or_default();
                Ok(evaluate(source, contexts, host)?.to_json())
            }
            Some(5) => Ok(object.get("bool").cloned().unwrap_or(Json::Null)),
            Some(6) => Ok(object.get("num").cloned().unwrap_or(Json::Null)),
            Some(7) => Ok(Json::Null),
            _ => Ok(token.clone()),
        },
        other => Ok(other.clone()),
    }
}

/// A token evaluated to the string the runner would use (numbers and booleans as text).
pub fn token_string(
    value: &Json,
    contexts: &Contexts,
    host: &dyn Host,
) -> Result<Option<String>, TokenError> {
    Ok(match token(value, contexts, host)? {
        Json::Null => None,
        Json::String(text) => Some(text),
        other => Some(Value::from_json(&other).to_display_string()),
    })
}

/// A mapping of strings (env, with, outputs) evaluated.
pub fn string_map(
    value: &Json,
    contexts: &Contexts,
    host: &dyn Host,
) -> Result<Vec<(String, String)>, TokenError> {
    match token(value, contexts, host)? {
        Json::Object(map) => Ok(map
            .into_iter()
            .map(|(k, v)| {
                let text = match v {
                    Json::String(s) => s,
                    Json::Null => String::new(),
                    other => Value::from_json(&other).to_display_string(),
                };
                (k, text)
            })
            .collect()),
        Json::Null => Ok(Vec::new()),
        other => Err(TokenError(format!("expected a mapping, found {other}"))),
    }
}

/// Sets `contexts[name]` to a JSON value.
pub fn set_context(contexts: &mut Contexts, name: &str, value: &Json) {
    contexts.insert(name, Value::from_json(value));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn contexts() -> Contexts {
        let mut contexts = Contexts::new();
        set_context(&mut contexts, "matrix", &json!({"os": "linux", "n": 2}));
        set_context(&mut contexts, "env", &json!({}));
        contexts
    }

    #[test]
    fn context_data_reads_back_as_json() {
        let data = json!({"t": 2, "d": [
            {"k": "a", "v": {"t": 1, "a": [1, "x"]}},
            {"k": "b", "v": true},
        ]});
        assert_eq!(context_data(&data), json!({"a": [1, "x"], "b": true}));
    }

    #[test]
    fn tokens_evaluate_their_expressions() {
        let host = StepHost {
            status: Status::Success,
            workspace: None,
        };
        let made = json!({"type": 2, "map": [
            {"key": "A", "value": {"type": 3, "expr": "format('on {0}', matrix.os)"}},
            {"key": "N", "value": {"type": 3, "expr": "matrix.n"}},
            {"key": "L", "value": "plain"},
        ]});
        assert_eq!(
            string_map(&made, &contexts(), &host).unwrap(),
            [
                ("A".into(), "on linux".into()),
                ("N".into(), "2".into()),
                ("L".into(), "plain".into())
            ]
        );
    }

    #[test]
    fn hash_files_hashes_the_matching_files_in_path_order() {
        use sha2::{Digest, Sha256};
        let dir = std::env::temp_dir().join(format!("hash-files-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub/deep")).unwrap();
        std::fs::write(dir.join("a.lock"), "one").unwrap();
        std::fs::write(dir.join("sub/deep/b.lock"), "two").unwrap();
        std::fs::write(dir.join("sub/c.txt"), "three").unwrap();
        let expected = {
            let mut all = Sha256::new();
            all.update(Sha256::digest(b"one"));
            all.update(Sha256::digest(b"two"));
            all.finalize()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        };
        assert_eq!(hash_files(&dir, &["**/*.lock".into()]).unwrap(), expected);
        assert_eq!(
            hash_files(&dir, &["**/*.lock".into(), "!sub/**".into()]).unwrap(),
            hash_files(&dir, &["a.lock".into()]).unwrap()
        );
        assert_eq!(hash_files(&dir, &["nothing/**".into()]).unwrap(), "");
        let absolute = format!("{}/**/*.lock", dir.display());
        assert_eq!(hash_files(&dir, &[absolute]).unwrap(), expected);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn conditions_follow_the_job_status() {
        let ok = StepHost {
            status: Status::Success,
            workspace: None,
        };
        let failed = StepHost {
            status: Status::Failure,
            workspace: None,
        };
        let cancelled = StepHost {
            status: Status::Cancelled,
            workspace: None,
        };
        let c = contexts();
        assert!(condition("success()", &c, &ok).unwrap());
        assert!(!condition("success()", &c, &failed).unwrap());
        assert!(condition("failure()", &c, &failed).unwrap());
        assert!(condition("always()", &c, &cancelled).unwrap());
        assert!(!condition("matrix.os == 'linux'", &c, &failed).unwrap());
        assert!(condition("${{ matrix.os == 'linux' }}", &c, &ok).unwrap());
        assert!(condition("cancelled()", &c, &cancelled).unwrap());
        assert!(condition("nonsense(", &c, &ok).is_err());
    }
}
