//! Strings with embedded `${{ }}`, as the runner's template reader splits them.
//!
//! `echo ${{ matrix.os }}!` becomes the expression `format('echo {0}!', matrix.os)`; a string
//! that is one expression and nothing else stays that expression, so it keeps its type (a
//! `fromJSON(...)` mapping, a number). `}}` inside a quoted string literal does not close an
//! expression.
//!
//! What this module must not do: evaluate; it only splits and rewrites.

use super::{Expression, Function, ParseError};

/// One piece of a string.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    Literal(String),
    /// The text between `${{` and `}}`, trimmed.
    Expression(String),
}

/// A `${{` without its `}}`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "The expression is not closed. An unescaped ${{{{ sequence was found, but the closing }}}} sequence was not found."
)]
pub struct NotClosed;

/// Splits `text` into literals and expressions.
pub fn split(text: &str) -> Result<Vec<Segment>, NotClosed> {
    let mut segments = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        if start > 0 {
            segments.push(Segment::Literal(rest[..start].to_string()));
        }
        let body = &rest[start + 3..];
        let end = find_close(body).ok_or(NotClosed)?;
        segments.push(Segment::Expression(body[..end].trim().to_string()));
        rest = &body[end + 2..];
    }
    if !rest.is_empty() {
        segments.push(Segment::Literal(rest.to_string()));
    }
    Ok(segments)
}

/// The byte offset of the `}}` that closes an expression, skipping quoted strings.
fn find_close(body: &str) -> Option<usize> {
    let bytes = body.as_bytes();
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' => in_string = !in_string,
            b'}' if !in_string && bytes.get(i + 1) == Some(&b'}') => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

/// Whether `text` holds any `${{`.
pub fn has_expression(text: &str) -> bool {
    text.contains("${{")
}

/// The one expression equivalent to a split string: the expression itself when it is the
/// whole string, else a `format(...)` over the literals and expressions.
pub fn to_expression_source(segments: &[Segment]) -> String {
    if let [Segment::Expression(only)] = segments {
        return only.clone();
    }
    let mut template = String::new();
    let mut arguments = Vec::new();
    for segment in segments {
        match segment {
            Segment::Literal(text) => {
                for c in text.chars() {
                    match c {
                        '{' => template.push_str("{{"),
                        '}' => template.push_str("}}"),
                        '\'' => template.push_str("''"),
                        c => template.push(c),
                    }
                }
            }
            Segment::Expression(source) => {
                template.push_str(&format!("{{{}}}", arguments.len()));
                arguments.push(source.as_str());
            }
        }
    }
    let mut out = format!("format('{template}'");
    for argument in arguments {
        out.push_str(", ");
        out.push_str(argument);
    }
    out.push(')');
    out
}

/// The error a string's expressions give, if any: each `${{ }}` is parsed where it stands.
pub fn check(
    text: &str,
    named_values: &[&str],
    functions: &[Function],
) -> Result<(), TemplateError> {
    for segment in split(text)? {
        if let Segment::Expression(source) = segment {
            Expression::parse(&source, named_values, functions)?;
        }
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TemplateError {
    #[error(transparent)]
    NotClosed(#[from] NotClosed),
    #[error(transparent)]
    Parse(#[from] ParseError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_rewrites_as_format() {
        let segments = split("echo ${{ matrix.os }} {x} it's ${{ '}}' }}").unwrap();
        assert_eq!(
            segments,
            vec![
                Segment::Literal("echo ".into()),
                Segment::Expression("matrix.os".into()),
                Segment::Literal(" {x} it's ".into()),
                Segment::Expression("'}}'".into()),
            ]
        );
        assert_eq!(
            to_expression_source(&segments),
            "format('echo {0} {{x}} it''s {1}', matrix.os, '}}')"
        );
        assert_eq!(to_expression_source(&split("${{ a }}").unwrap()), "a");
        assert_eq!(split("x ${{ a").unwrap_err(), NotClosed);
    }
}
