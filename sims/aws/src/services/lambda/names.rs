//! How Lambda names functions: a plain name (`my-function`, or `my-function:v1` with a
//! qualifier), a partial ARN (`123456789012:function:my-function`) or a full ARN
//! (`arn:aws:lambda:us-west-2:123456789012:function:my-function[:qualifier]`). Pure: no store.

use super::{LambdaError, invalid};
use crate::services::Ctx;

/// A function reference resolved against the caller's account and region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionRef {
    pub name: String,
    /// `$LATEST`, a version number or an alias name, when one is given.
    pub qualifier: Option<String>,
}

/// Parses `reference` (any of the three forms) and joins the `Qualifier` parameter, which
/// must agree with a qualifier in the name.
pub fn parse(
    ctx: &Ctx,
    reference: &str,
    qualifier: Option<&str>,
) -> Result<FunctionRef, LambdaError> {
    let (name, embedded) = split(ctx, reference)?;
    let qualifier = match (embedded, qualifier) {
        (Some(embedded), Some(given)) if embedded != given => {
            return Err(invalid(
                "The derived qualifier from the function name does not match the specified qualifier.",
            ));
        }
        (Some(embedded), _) => Some(embedded),
        (None, given) => given.map(str::to_string),
    };
    if name.is_empty() || name.len() > 64 || !name.bytes().all(valid_name_byte) {
        return Err(invalid(format!(
            "1 validation error detected: Value '{reference}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{{2}}(-gov)?-[a-z]+-\\d{{1}}:)?(\\d{{12}}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?"
        )));
    }
    Ok(FunctionRef { name, qualifier })
}

fn valid_name_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_'
}

/// The name and embedded qualifier of each form. A function of another account or region is
/// one that does not exist here.
fn split(ctx: &Ctx, reference: &str) -> Result<(String, Option<String>), LambdaError> {
    let parts: Vec<&str> = reference.split(':').collect();
    let (account, region, rest): (Option<&str>, Option<&str>, &[&str]) = match parts.as_slice() {
        [
            "arn",
            _partition,
            "lambda",
            region,
            account,
            "function",
            rest @ ..,
        ] => (Some(*account), Some(*region), rest),
        [account, "function", rest @ ..] => (Some(*account), None, rest),
        rest => (None, None, rest),
    };
    let (name, qualifier) = match rest {
        [name] => (name.to_string(), None),
        [name, qualifier] => (name.to_string(), Some(qualifier.to_string())),
        _ => return Err(invalid(format!("Invalid function name: {reference}"))),
    };
    let elsewhere =
        account.is_some_and(|a| a != ctx.account_id) || region.is_some_and(|r| r != ctx.region);
    if elsewhere {
        return Err(LambdaError::ResourceNotFound(format!(
            "Function not found: {reference}"
        )));
    }
    Ok((name, qualifier))
}

/// `arn:aws:lambda:REGION:ACCOUNT:function:NAME`.
pub fn function_arn(ctx: &Ctx, name: &str) -> String {
    ctx.arn("lambda", &format!("function:{name}"))
}

/// The ARN with `:QUALIFIER` when there is one.
pub fn qualified_arn(ctx: &Ctx, name: &str, qualifier: Option<&str>) -> String {
    match qualifier {
        Some(qualifier) => format!("{}:{qualifier}", function_arn(ctx, name)),
        None => function_arn(ctx, name),
    }
}

pub fn function_not_found(ctx: &Ctx, name: &str, qualifier: Option<&str>) -> LambdaError {
    LambdaError::ResourceNotFound(format!(
        "Function not found: {}",
        qualified_arn(ctx, name, qualifier)
    ))
}

/// Whether a qualifier names a version (`$LATEST` or digits) rather than an alias.
pub fn is_version(qualifier: &str) -> bool {
    qualifier == "$LATEST"
        || (!qualifier.is_empty() && qualifier.bytes().all(|b| b.is_ascii_digit()))
}

/// The store key of a version: numbers padded so keys sort numerically.
pub fn version_suffix(version: u64) -> String {
    format!("{version:010}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::Caller;

    fn ctx() -> Ctx {
        Ctx {
            request_id: "r".into(),
            account_id: "123456789012".into(),
            region: "us-east-1".into(),
            caller: Caller::root("123456789012", "AKID"),
        }
    }

    fn check(
        reference: &str,
        qualifier: Option<&str>,
        expected: Result<(&str, Option<&str>), &str>,
    ) {
        let got = parse(&ctx(), reference, qualifier)
            .map(|f| (f.name, f.qualifier))
            .map_err(|e| e.to_string());
        let expected = expected
            .map(|(n, q)| (n.to_string(), q.map(str::to_string)))
            .map_err(str::to_string);
        match (&got, &expected) {
            (Err(got), Err(prefix)) => assert!(got.starts_with(prefix), "{reference}: {got}"),
            _ => assert_eq!(got, expected, "{reference}"),
        }
    }

    #[test]
    fn every_form_resolves_to_name_and_qualifier() {
        check("f", None, Ok(("f", None)));
        check("f:1", None, Ok(("f", Some("1"))));
        check("f", Some("prod"), Ok(("f", Some("prod"))));
        check("123456789012:function:f", None, Ok(("f", None)));
        check(
            "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST",
            None,
            Ok(("f", Some("$LATEST"))),
        );
        check(
            "arn:aws:lambda:eu-west-1:123456789012:function:f",
            None,
            Err("Function not found: arn:aws:lambda:eu-west-1"),
        );
        check("f:1", Some("2"), Err("The derived qualifier"));
        check("bad name", None, Err("1 validation error detected"));
    }

    #[test]
    fn versions_are_latest_or_digits() {
        assert!(is_version("$LATEST"));
        assert!(is_version("12"));
        assert!(!is_version("prod"));
        assert_eq!(version_suffix(7), "0000000007");
    }
}
