//! Line and column of a node of a workflow file, for errors worded as GitHub shows them
//! (`(Line: 12, Col: 9): Job 'b' depends on unknown job 'x'.`).
//!
//! serde_yaml's values carry no positions, so this reads the text again: block mappings and
//! sequences by indentation, and one-line flow sequences (`needs: [a, b]`). A path that cannot
//! be followed (flow mappings, anchors) falls back to its deepest ancestor found.
//!
//! What this module must not do: judge the YAML; it only finds places in it.

/// One step of a path into the document.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

#[derive(Debug)]
struct Record {
    line: usize,
    /// Column (0-based) where the content starts.
    indent: usize,
    content: String,
    /// The column of a `- ` that starts this record, if it starts a sequence item.
    dash: Option<usize>,
}

fn records(source: &str) -> Vec<Record> {
    let mut out = Vec::new();
    for (number, line) in source.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed == "---" {
            continue;
        }
        let indent = line.len() - trimmed.len();
        if let Some(rest) = trimmed
            .strip_prefix("- ")
            .or_else(|| (trimmed == "-").then_some(""))
        {
            let inner = rest.trim_start();
            let content_indent =
                indent + 1 + (rest.len() - inner.len()) + usize::from(!rest.is_empty());
            out.push(Record {
                line: number + 1,
                indent: content_indent,
                content: inner.to_string(),
                dash: Some(indent),
            });
        } else {
            out.push(Record {
                line: number + 1,
                indent,
                content: trimmed.to_string(),
                dash: None,
            });
        }
    }
    out
}

/// The key a record starts with, unquoted.
fn key_of(content: &str) -> Option<(&str, usize)> {
    let (key, rest_at) = if let Some(stripped) = content.strip_prefix('"') {
        let end = stripped.find('"')?;
        (&stripped[..end], end + 2)
    } else if let Some(stripped) = content.strip_prefix('\'') {
        let end = stripped.find('\'')?;
        (&stripped[..end], end + 2)
    } else {
        let end = content.find(':')?;
        (content[..end].trim_end(), end)
    };
    content[rest_at..]
        .starts_with(':')
        .then_some((key, rest_at + 1))
}

/// Finds the position of the node at `path`: a key's own position, or a sequence item's.
pub fn locate(source: &str, path: &[Segment]) -> Option<Position> {
    let records = records(source);
    let mut scope: &[Record] = &records;
    let mut found: Option<Position> = None;
    // Text after `key:` on the same line, with its column, for one-line flow sequences.
    let mut inline: Option<(String, usize)> = None;
    for segment in path {
        match segment {
            Segment::Key(key) => {
                let child_indent = scope.iter().map(|r| r.indent).min()?;
                let index = scope.iter().position(|r| {
                    r.indent == child_indent && key_of(&r.content).is_some_and(|(k, _)| k == key)
                });
                let Some(index) = index else { return found };
                let record = &scope[index];
                let (_, value_at) = key_of(&record.content)?;
                let value = &record.content[value_at..];
                let value_trimmed = value.trim_start();
                inline = (!value_trimmed.is_empty()).then(|| {
                    (
                        value_trimmed.to_string(),
                        record.indent + value_at + (value.len() - value_trimmed.len()),
                    )
                });
                found = Some(Position {
                    line: record.line,
                    column: record.indent + 1,
                });
                let rest = &scope[index + 1..];
                let end = rest
                    .iter()
                    .position(|r| {
                        r.indent <= record.indent || r.dash.is_some_and(|d| d < record.indent)
                    })
                    .unwrap_or(rest.len());
                scope = &rest[..end];
            }
            Segment::Index(wanted) => {
                if let Some((text, column)) = inline.take() {
                    let (line, _) = found.map(|p| (p.line, p.column))?;
                    return flow_item(&text, *wanted)
                        .map(|offset| Position {
                            line,
                            column: column + offset + 1,
                        })
                        .or(found);
                }
                let dash = scope.iter().filter_map(|r| r.dash).min()?;
                let starts: Vec<usize> = scope
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.dash == Some(dash))
                    .map(|(i, _)| i)
                    .collect();
                let Some(&start) = starts.get(*wanted) else {
                    return found;
                };
                let end = starts.get(wanted + 1).copied().unwrap_or(scope.len());
                let record = &scope[start];
                found = Some(Position {
                    line: record.line,
                    column: record.indent + 1,
                });
                inline = None;
                scope = &scope[start..end];
            }
        }
    }
    found
}

/// The position of a key's value (`needs: build` points at `build`), else of the key.
pub fn locate_value(source: &str, path: &[Segment]) -> Option<Position> {
    let key_position = locate(source, path)?;
    if matches!(path.last(), Some(Segment::Index(_)) | None) {
        return Some(key_position);
    }
    let line = source.lines().nth(key_position.line - 1)?;
    let content = line.get(key_position.column - 1..)?;
    let (_, value_at) = key_of(content)?;
    let value = &content[value_at..];
    let trimmed = value.trim_start();
    if trimmed.is_empty() {
        return Some(key_position);
    }
    Some(Position {
        line: key_position.line,
        column: key_position.column + value_at + (value.len() - trimmed.len()),
    })
}

/// The offset of the n-th item of a one-line flow sequence `[a, b, c]`.
fn flow_item(text: &str, wanted: usize) -> Option<usize> {
    let body = text.strip_prefix('[')?;
    let mut offset = 1;
    for (index, item) in body.split(',').enumerate() {
        let trimmed = item.trim_start();
        if index == wanted {
            return Some(offset + (item.len() - trimmed.len()));
        }
        offset += item.len() + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "name: ci\non: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n      - uses: actions/checkout@v4\n        with:\n          ref: main\n  test:\n    needs: [build, lint]\n    runs-on: x\n  deploy:\n    needs:\n      - build\n      - test\n";

    fn at(path: &[Segment]) -> Option<(usize, usize)> {
        locate(SOURCE, path).map(|p| (p.line, p.column))
    }

    fn key(k: &str) -> Segment {
        Segment::Key(k.into())
    }

    #[test]
    fn finds_keys_items_and_flow_items() {
        assert_eq!(at(&[key("jobs")]), Some((3, 1)));
        assert_eq!(
            at(&[key("jobs"), key("build"), key("runs-on")]),
            Some((5, 5))
        );
        assert_eq!(
            at(&[key("jobs"), key("build"), key("steps"), Segment::Index(1)]),
            Some((8, 9))
        );
        assert_eq!(
            at(&[
                key("jobs"),
                key("build"),
                key("steps"),
                Segment::Index(1),
                key("with"),
                key("ref")
            ]),
            Some((10, 11))
        );
        assert_eq!(
            at(&[key("jobs"), key("test"), key("needs"), Segment::Index(1)]),
            Some((12, 20))
        );
        assert_eq!(
            at(&[key("jobs"), key("deploy"), key("needs"), Segment::Index(1)]),
            Some((17, 9))
        );
        assert_eq!(at(&[key("jobs"), key("nope")]), Some((3, 1)));
        let value = locate_value(SOURCE, &[key("jobs"), key("test"), key("runs-on")]).unwrap();
        assert_eq!((value.line, value.column), (13, 14));
    }
}
