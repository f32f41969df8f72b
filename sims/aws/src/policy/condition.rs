//! Condition operators, as IAM's policy evaluation logic applies them.
//!
//! A condition block is true when every key in it is true. For one key: if the request lacks
//! the key, `...IfExists` operators and negated operators (`StringNotEquals`, `NotIpAddress`,
//! `ArnNotLike`, ...) are true, `ForAllValues:` is true, everything else is false; `Null`
//! tests presence itself. If the request has the key, a plain operator is true when some
//! request value matches some policy value (negated operators: when none does);
//! `ForAllValues:` needs every request value to match, `ForAnyValue:` one.

use std::net::IpAddr;

use super::context::Context;
use super::document::{Condition, Operator, SetQualifier, Version};
use super::pattern;
use super::variables;

/// Whether `condition` holds for a request with `context`.
pub fn holds(condition: &Condition, context: &Context, version: Version) -> bool {
    let present = context.get(&condition.key);
    if condition.operator == Operator::Null {
        let wants_absent = condition
            .values
            .iter()
            .any(|value| value.eq_ignore_ascii_case("true"));
        let absent = present.is_none_or(<[String]>::is_empty);
        return wants_absent == absent;
    }
    let Some(request_values) = present else {
        return condition.if_exists
            || condition.qualifier == Some(SetQualifier::ForAllValues)
            || (condition.qualifier.is_none() && condition.operator.is_negated());
    };
    let policy_values: Vec<std::borrow::Cow<'_, str>> = condition
        .values
        .iter()
        .filter_map(|value| match version {
            Version::V2012_10_17 => variables::substitute(value, context),
            Version::V2008_10_17 => Some(std::borrow::Cow::Borrowed(value.as_str())),
        })
        .collect();
    let one = |request_value: &str| {
        let matched = policy_values
            .iter()
            .any(|policy_value| matches(condition.operator, policy_value, request_value));
        matched != condition.operator.is_negated()
    };
    match condition.qualifier {
        Some(SetQualifier::ForAllValues) => request_values.iter().all(|value| one(value)),
        Some(SetQualifier::ForAnyValue) => request_values.iter().any(|value| one(value)),
        None if condition.operator.is_negated() => request_values.iter().all(|value| one(value)),
        None => request_values.iter().any(|value| one(value)),
    }
}

/// The positive comparison behind `operator` (negation is applied by the caller).
fn matches(operator: Operator, policy_value: &str, request_value: &str) -> bool {
    match operator {
        Operator::StringEquals | Operator::StringNotEquals => policy_value == request_value,
        Operator::StringEqualsIgnoreCase | Operator::StringNotEqualsIgnoreCase => {
            policy_value.to_lowercase() == request_value.to_lowercase()
        }
        Operator::StringLike | Operator::StringNotLike => {
            pattern::string_like(policy_value, request_value)
        }
        Operator::NumericEquals | Operator::NumericNotEquals => {
            numbers(policy_value, request_value).is_some_and(|(p, r)| r == p)
        }
        Operator::NumericLessThan => {
            numbers(policy_value, request_value).is_some_and(|(p, r)| r < p)
        }
        Operator::NumericLessThanEquals => {
            numbers(policy_value, request_value).is_some_and(|(p, r)| r <= p)
        }
        Operator::NumericGreaterThan => {
            numbers(policy_value, request_value).is_some_and(|(p, r)| r > p)
        }
        Operator::NumericGreaterThanEquals => {
            numbers(policy_value, request_value).is_some_and(|(p, r)| r >= p)
        }
        Operator::DateEquals | Operator::DateNotEquals => {
            dates(policy_value, request_value).is_some_and(|(p, r)| r == p)
        }
        Operator::DateLessThan => dates(policy_value, request_value).is_some_and(|(p, r)| r < p),
        Operator::DateLessThanEquals => {
            dates(policy_value, request_value).is_some_and(|(p, r)| r <= p)
        }
        Operator::DateGreaterThan => dates(policy_value, request_value).is_some_and(|(p, r)| r > p),
        Operator::DateGreaterThanEquals => {
            dates(policy_value, request_value).is_some_and(|(p, r)| r >= p)
        }
        Operator::Bool => policy_value.eq_ignore_ascii_case(request_value),
        Operator::BinaryEquals => policy_value == request_value,
        Operator::IpAddress | Operator::NotIpAddress => in_network(policy_value, request_value),
        Operator::ArnEquals | Operator::ArnLike | Operator::ArnNotEquals | Operator::ArnNotLike => {
            pattern::arn_matches(policy_value, request_value)
        }
        // Handled before values are compared.
        Operator::Null => false,
    }
}

fn numbers(policy_value: &str, request_value: &str) -> Option<(f64, f64)> {
    Some((
        policy_value.trim().parse().ok()?,
        request_value.trim().parse().ok()?,
    ))
}

fn dates(policy_value: &str, request_value: &str) -> Option<(i128, i128)> {
    Some((epoch_millis(policy_value)?, epoch_millis(request_value)?))
}

/// A date as IAM reads one: ISO 8601 (`2024-01-01T00:00:00Z`, with or without a time or zone),
/// or epoch seconds.
pub fn epoch_millis(text: &str) -> Option<i128> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<i64>() {
        return Some(i128::from(seconds) * 1000);
    }
    use time::format_description::well_known::Rfc3339;
    if let Ok(moment) = time::OffsetDateTime::parse(text, &Rfc3339) {
        return Some(moment.unix_timestamp_nanos() / 1_000_000);
    }
    let date_only = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(date) = time::Date::parse(text, date_only) {
        return Some(i128::from(date.midnight().assume_utc().unix_timestamp()) * 1000);
    }
    // `2024-01-01T00:00:00` without a zone is UTC.
    let local = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    time::PrimitiveDateTime::parse(text, local)
        .ok()
        .map(|moment| i128::from(moment.assume_utc().unix_timestamp()) * 1000)
}

/// Whether `address` lies in `network` (`203.0.113.0/24`, `2001:db8::/32`, or one address).
fn in_network(network: &str, address: &str) -> bool {
    let Ok(address) = address.trim().parse::<IpAddr>() else {
        return false;
    };
    let (base, bits) = match network.trim().split_once('/') {
        Some((base, bits)) => (base, bits.parse::<u32>().ok()),
        None => (network.trim(), None),
    };
    let Ok(base) = base.parse::<IpAddr>() else {
        return false;
    };
    match (base, address) {
        (IpAddr::V4(base), IpAddr::V4(address)) => {
            let bits = bits.unwrap_or(32).min(32);
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(base) & mask == u32::from(address) & mask
        }
        (IpAddr::V6(base), IpAddr::V6(address)) => {
            let bits = bits.unwrap_or(128).min(128);
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(base) & mask == u128::from(address) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn condition(written: &str, key: &str, values: &[&str]) -> Condition {
        let (qualifier, rest) = match written.split_once(':') {
            Some(("ForAllValues", rest)) => (Some(SetQualifier::ForAllValues), rest),
            Some(("ForAnyValue", rest)) => (Some(SetQualifier::ForAnyValue), rest),
            _ => (None, written),
        };
        let (name, if_exists) = match rest.strip_suffix("IfExists") {
            Some(name) => (name, true),
            None => (rest, false),
        };
        Condition {
            written: written.into(),
            operator: Operator::from_name(name).expect("a known operator"),
            qualifier,
            if_exists,
            key: key.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    /// One row: operator, key, policy values, the request's values for the key (None: absent),
    /// expected outcome.
    type Row<'a> = (&'a str, &'a str, &'a [&'a str], Option<&'a [&'a str]>, bool);

    fn check(rows: &[Row<'_>]) {
        for (written, key, values, request, expected) in rows {
            let mut context = Context::new().with("aws:username", "alice");
            if let Some(request) = request {
                context.set_all(*key, request.iter().map(|v| v.to_string()).collect());
            }
            let condition = condition(written, key, values);
            assert_eq!(
                holds(&condition, &context, Version::V2012_10_17),
                *expected,
                "{written} {key} {values:?} against {request:?}"
            );
        }
    }

    #[test]
    fn string_operators() {
        check(&[
            (
                "StringEquals",
                "aws:PrincipalTag/team",
                &["red"],
                Some(&["red"]),
                true,
            ),
            (
                "StringEquals",
                "aws:PrincipalTag/team",
                &["red"],
                Some(&["Red"]),
                false,
            ),
            (
                "StringEquals",
                "aws:PrincipalTag/team",
                &["red"],
                None,
                false,
            ),
            (
                "StringNotEquals",
                "aws:PrincipalTag/team",
                &["red"],
                None,
                true,
            ),
            (
                "StringNotEquals",
                "aws:PrincipalTag/team",
                &["red", "blue"],
                Some(&["blue"]),
                false,
            ),
            (
                "StringEqualsIgnoreCase",
                "k",
                &["RED"],
                Some(&["red"]),
                true,
            ),
            (
                "StringNotEqualsIgnoreCase",
                "k",
                &["RED"],
                Some(&["red"]),
                false,
            ),
            (
                "StringLike",
                "s3:prefix",
                &["home/${aws:username}/*"],
                Some(&["home/alice/x"]),
                true,
            ),
            (
                "StringLike",
                "s3:prefix",
                &["home/${aws:username}/*"],
                Some(&["home/bob/x"]),
                false,
            ),
            (
                "StringNotLike",
                "s3:prefix",
                &["home/*"],
                Some(&["work/x"]),
                true,
            ),
            (
                "StringEqualsIfExists",
                "ec2:InstanceType",
                &["t2.micro"],
                None,
                true,
            ),
            (
                "StringEqualsIfExists",
                "ec2:InstanceType",
                &["t2.micro"],
                Some(&["m5.large"]),
                false,
            ),
        ]);
    }

    #[test]
    fn numeric_date_bool_ip_arn_and_null() {
        check(&[
            (
                "NumericLessThanEquals",
                "s3:max-keys",
                &["10"],
                Some(&["10"]),
                true,
            ),
            (
                "NumericLessThan",
                "s3:max-keys",
                &["10"],
                Some(&["10"]),
                false,
            ),
            (
                "NumericGreaterThan",
                "s3:max-keys",
                &["1.5"],
                Some(&["2"]),
                true,
            ),
            (
                "NumericEquals",
                "s3:max-keys",
                &["10"],
                Some(&["ten"]),
                false,
            ),
            (
                "DateGreaterThan",
                "aws:CurrentTime",
                &["2020-01-01T00:00:00Z"],
                Some(&["2024-06-01T12:00:00Z"]),
                true,
            ),
            (
                "DateLessThan",
                "aws:CurrentTime",
                &["2020-01-01"],
                Some(&["2024-06-01T12:00:00Z"]),
                false,
            ),
            (
                "DateLessThan",
                "aws:EpochTime",
                &["2030-01-01T00:00:00Z"],
                Some(&["1700000000"]),
                true,
            ),
            (
                "Bool",
                "aws:SecureTransport",
                &["true"],
                Some(&["true"]),
                true,
            ),
            (
                "Bool",
                "aws:SecureTransport",
                &["true"],
                Some(&["false"]),
                false,
            ),
            (
                "BoolIfExists",
                "aws:MultiFactorAuthPresent",
                &["false"],
                None,
                true,
            ),
            (
                "IpAddress",
                "aws:SourceIp",
                &["203.0.113.0/24"],
                Some(&["203.0.113.9"]),
                true,
            ),
            (
                "IpAddress",
                "aws:SourceIp",
                &["203.0.113.0/24"],
                Some(&["198.51.100.1"]),
                false,
            ),
            (
                "NotIpAddress",
                "aws:SourceIp",
                &["203.0.113.0/24"],
                Some(&["198.51.100.1"]),
                true,
            ),
            (
                "IpAddress",
                "aws:SourceIp",
                &["2001:db8::/32"],
                Some(&["2001:db8::1"]),
                true,
            ),
            (
                "ArnLike",
                "aws:SourceArn",
                &["arn:aws:sns:*:123456789012:*"],
                Some(&["arn:aws:sns:us-east-1:123456789012:topic"]),
                true,
            ),
            (
                "ArnNotEquals",
                "aws:SourceArn",
                &["arn:aws:sns:*:123456789012:*"],
                Some(&["arn:aws:sns:us-east-1:111122223333:t"]),
                true,
            ),
            ("Null", "aws:TokenIssueTime", &["true"], None, true),
            ("Null", "aws:TokenIssueTime", &["false"], None, false),
            (
                "Null",
                "aws:TokenIssueTime",
                &["false"],
                Some(&["2024-01-01T00:00:00Z"]),
                true,
            ),
        ]);
    }

    #[test]
    fn set_qualifiers() {
        check(&[
            (
                "ForAllValues:StringEquals",
                "aws:TagKeys",
                &["team", "env"],
                Some(&["team"]),
                true,
            ),
            (
                "ForAllValues:StringEquals",
                "aws:TagKeys",
                &["team", "env"],
                Some(&["team", "owner"]),
                false,
            ),
            (
                "ForAllValues:StringEquals",
                "aws:TagKeys",
                &["team"],
                None,
                true,
            ),
            (
                "ForAllValues:StringEquals",
                "aws:TagKeys",
                &["team"],
                Some(&[]),
                true,
            ),
            (
                "ForAnyValue:StringEquals",
                "aws:TagKeys",
                &["team"],
                Some(&["owner", "team"]),
                true,
            ),
            (
                "ForAnyValue:StringEquals",
                "aws:TagKeys",
                &["team"],
                None,
                false,
            ),
            (
                "ForAnyValue:StringEquals",
                "aws:TagKeys",
                &["team"],
                Some(&[]),
                false,
            ),
            (
                "ForAllValues:StringNotEquals",
                "aws:TagKeys",
                &["secret"],
                Some(&["team", "env"]),
                true,
            ),
            (
                "ForAnyValue:StringLike",
                "aws:TagKeys",
                &["cost*"],
                Some(&["team", "costcenter"]),
                true,
            ),
        ]);
    }
}
