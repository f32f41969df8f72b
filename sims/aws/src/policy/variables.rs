//! Policy variables: `${aws:username}` in a `2012-10-17` document's resources and condition
//! values stands for the request's value of that key; `${key, 'default'}` gives a default;
//! `${*}`, `${?}` and `${$}` stand for those characters.
//!
//! A variable whose key the request lacks (and that has no default) makes the value it is in
//! match nothing, as IAM documents.

use std::borrow::Cow;

use super::context::Context;

/// `text` with its variables replaced, or `None` if one has no value.
pub fn substitute<'a>(text: &'a str, context: &Context) -> Option<Cow<'a, str>> {
    if !text.contains("${") {
        return Some(Cow::Borrowed(text));
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return Some(Cow::Owned(out));
        };
        let inner = &after[..end];
        match inner {
            "*" | "?" | "$" => out.push_str(inner),
            _ => {
                let (key, default) = split_default(inner);
                match (context.first(key), default) {
                    (Some(value), _) => out.push_str(value),
                    (None, Some(default)) => out.push_str(default),
                    (None, None) => return None,
                }
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(Cow::Owned(out))
}

/// `aws:username, 'nobody'` → (`aws:username`, `Some("nobody")`).
fn split_default(inner: &str) -> (&str, Option<&str>) {
    match inner.split_once(',') {
        Some((key, default)) => {
            let default = default.trim();
            let default = default
                .strip_prefix('\'')
                .and_then(|d| d.strip_suffix('\''))
                .unwrap_or(default);
            (key.trim(), Some(default))
        }
        None => (inner.trim(), None),
    }
}

/// The keys of the variables in `text`.
pub fn names(text: &str) -> impl Iterator<Item = &str> {
    text.split("${").skip(1).filter_map(|piece| {
        let inner = &piece[..piece.find('}')?];
        let (key, _) = split_default(inner);
        (!matches!(key, "*" | "?" | "$")).then_some(key)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitutes_values_defaults_and_escapes() {
        let context = Context::new()
            .with("aws:username", "alice")
            .with("aws:PrincipalTag/team", "red");
        for (text, expected) in [
            (
                "arn:aws:iam::*:user/${aws:username}",
                Some("arn:aws:iam::*:user/alice"),
            ),
            (
                "${aws:principaltag/team}-${aws:username}",
                Some("red-alice"),
            ),
            ("home/${aws:userid}/*", None),
            ("home/${aws:userid, 'nobody'}/x", Some("home/nobody/x")),
            ("literal ${*}${?}${$}", Some("literal *?$")),
            ("no variables", Some("no variables")),
        ] {
            assert_eq!(substitute(text, &context).as_deref(), expected, "{text}");
        }
    }

    #[test]
    fn names_the_keys() {
        let keys: Vec<&str> = names("a/${aws:username}/${*}/${s3:prefix, 'x'}").collect();
        assert_eq!(keys, ["aws:username", "s3:prefix"]);
    }
}
