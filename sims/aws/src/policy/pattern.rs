//! Wildcard matching as IAM does it: `*` (any run of characters) and `?` (one character).
//!
//! Actions match without regard to case; resources and `StringLike` values match with it.
//! ARNs (`Resource`, `ArnLike`) match part by part: each of the first five colon-separated
//! parts on its own, and the resource part as a whole; a pattern with fewer parts matches only
//! if its last part ends in `*`, which then stretches over the colons that follow.
//!
//! What this module must not do: allocate on the matching path (it runs for every statement of
//! every policy of every authorized request).

/// Matches `text` against `pattern`, byte by byte (`?` takes one UTF-8 character).
fn glob(pattern: &[u8], text: &[u8], fold_case: bool) -> bool {
    let same = |a: u8, b: u8| {
        if fold_case {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let (mut p, mut t) = (0usize, 0usize);
    // Where the last `*` was, and the text position it currently stands for.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'?' {
            p += 1;
            t += char_width(text[t]);
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && same(pattern[p], text[t]) {
            p += 1;
            t += 1;
        } else if let Some((star_p, star_t)) = star {
            let next = star_t + char_width(text[star_t]);
            star = Some((star_p, next));
            p = star_p + 1;
            t = next;
        } else {
            return false;
        }
    }
    pattern[p.min(pattern.len())..].iter().all(|&b| b == b'*')
}

/// The length of the UTF-8 character that starts with `lead`.
fn char_width(lead: u8) -> usize {
    match lead {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// An `Action` pattern (`logs:Describe*`) against an action (`logs:DescribeLogGroups`).
pub fn action_matches(pattern: &str, action: &str) -> bool {
    pattern == "*" || glob(pattern.as_bytes(), action.as_bytes(), true)
}

/// A `StringLike` value against a request value (case-sensitive, `*` spans anything).
pub fn string_like(pattern: &str, value: &str) -> bool {
    glob(pattern.as_bytes(), value.as_bytes(), false)
}

/// A `Resource` or `ArnLike` pattern against an ARN.
pub fn arn_matches(pattern: &str, arn: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let parts = pattern.splitn(6, ':').count();
    let mut arn_rest = arn;
    for (index, part) in pattern.splitn(6, ':').enumerate() {
        if index + 1 == parts {
            // The resource part, or a shorter pattern's last part: a trailing `*` stretches
            // over the colons that follow; otherwise the ARN must end here.
            if index < 5 && !part.ends_with('*') && arn_rest.contains(':') {
                return false;
            }
            return glob(part.as_bytes(), arn_rest.as_bytes(), false);
        }
        let Some((arn_part, rest)) = arn_rest.split_once(':') else {
            return false;
        };
        if !glob(part.as_bytes(), arn_part.as_bytes(), false) {
            return false;
        }
        arn_rest = rest;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_ignore_case_and_take_wildcards() {
        for (pattern, action, expected) in [
            ("logs:Describe*", "logs:DescribeLogGroups", true),
            ("logs:describe*", "logs:DescribeLogGroups", true),
            ("logs:Describe*", "logs:CreateLogGroup", false),
            ("*", "ecs:RunTask", true),
            ("ecs:*", "ecs:RunTask", true),
            ("ecs:*", "logs:RunTask", false),
            ("iam:Get?ole", "iam:GetRole", true),
            ("iam:Get?ole", "iam:GetRolee", false),
            ("s3:*Object", "s3:GetObject", true),
            ("s3:*Object", "s3:GetObjectAcl", false),
        ] {
            assert_eq!(
                action_matches(pattern, action),
                expected,
                "{pattern} vs {action}"
            );
        }
    }

    #[test]
    fn arns_match_part_by_part() {
        for (pattern, arn, expected) in [
            (
                "arn:aws:logs:*:*:log-group:/aws/lambda/*",
                "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f:log-stream:",
                true,
            ),
            (
                "arn:aws:logs:us-east-1:123456789012:*",
                "arn:aws:logs:us-east-1:123456789012:log-group:g:log-stream:",
                true,
            ),
            (
                "arn:aws:logs:*",
                "arn:aws:logs:eu-west-1:1:log-group:g",
                true,
            ),
            ("arn:aws:iam::*:user/${x}", "arn:aws:iam::1:user/a", false),
            (
                "arn:aws:iam::123456789012:user/alice",
                "arn:aws:iam::123456789012:user/alice",
                true,
            ),
            (
                "arn:aws:iam::123456789012:user/alice",
                "arn:aws:iam::123456789012:user/Alice",
                false,
            ),
            ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a:b/c", true),
            ("arn:aws:s3:::bucket", "arn:aws:s3:::bucket/x", false),
            (
                "arn:aws:ecs:*:*:cluster/*",
                "arn:aws:ecs:us-east-1:1:cluster/c",
                true,
            ),
            (
                "arn:aws:ecs:us-*:*:cluster/*",
                "arn:aws:ecs:eu-west-1:1:cluster/c",
                false,
            ),
            ("arn:aws:ec2", "arn:aws:ec2:us-east-1:1:instance/i", false),
            ("*", "anything", true),
        ] {
            assert_eq!(arn_matches(pattern, arn), expected, "{pattern} vs {arn}");
        }
    }

    #[test]
    fn string_like_is_case_sensitive_and_spans_everything() {
        assert!(string_like("home/*", "home/a/b:c"));
        assert!(!string_like("Home/*", "home/a"));
        assert!(string_like("a?c", "aéc"));
        assert!(string_like("", ""));
        assert!(!string_like("", "x"));
    }
}
