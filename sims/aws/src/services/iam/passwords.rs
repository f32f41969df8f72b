//! Passwords: the rules a new password must meet (the account's password policy, or AWS's
//! default policy when the account has none), and salted digests (passwords themselves are
//! never stored).
//!
//! AWS's default policy (no custom policy set): at least 8 characters and at least three of
//! four character types (uppercase, lowercase, numbers, symbols). Its refusals read
//! `Password should have a minimum length of 8 ` (AWS's trailing space included) and
//! `Password should meet 1 more of the following requirements: Password should have at least
//! one uppercase letter, Password should have at least one symbol` (both seen in AWS answers).
//! A custom policy's refusals list every rule broken, in the same words.

use sha2::{Digest, Sha256};
use sim_aws_shapes::iam::PasswordPolicy;

/// The symbols IAM counts as such (`RequireSymbols`).
const SYMBOLS: &str = "!@#$%^&*()_+-=[]{}|'";

/// What a password is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Composition {
    uppercase: bool,
    lowercase: bool,
    number: bool,
    symbol: bool,
}

impl Composition {
    fn of(password: &str) -> Self {
        Self {
            uppercase: password.chars().any(|c| c.is_ascii_uppercase()),
            lowercase: password.chars().any(|c| c.is_ascii_lowercase()),
            number: password.chars().any(|c| c.is_ascii_digit()),
            symbol: password.chars().any(|c| SYMBOLS.contains(c)),
        }
    }

    /// The requirements (AWS's words) for the character types that are missing.
    fn missing(self) -> Vec<&'static str> {
        [
            (
                self.uppercase,
                "Password should have at least one uppercase letter",
            ),
            (
                self.lowercase,
                "Password should have at least one lowercase letter",
            ),
            (self.number, "Password should have at least one number"),
            (self.symbol, "Password should have at least one symbol"),
        ]
        .into_iter()
        .filter(|(present, _)| !present)
        .map(|(_, requirement)| requirement)
        .collect()
    }
}

fn too_short(minimum: i32) -> String {
    format!("Password should have a minimum length of {minimum} ")
}

/// Why `password` breaks the account's policy (or AWS's default when there is none), if it does.
/// `reused` says whether it is one of the user's last passwords the policy forbids reusing.
pub(crate) fn violation(
    password: &str,
    policy: Option<&PasswordPolicy>,
    reused: bool,
) -> Option<String> {
    let length = password.chars().count();
    let composition = Composition::of(password);
    let Some(policy) = policy else {
        if length < 8 {
            return Some(too_short(8));
        }
        let missing = composition.missing();
        let needed = missing.len().saturating_sub(1);
        return (needed > 0).then(|| {
            format!(
                "Password should meet {needed} more of the following requirements: {}",
                missing.join(", ")
            )
        });
    };
    let minimum = policy.minimum_password_length.unwrap_or(6);
    let mut broken = Vec::new();
    if (length as i64) < i64::from(minimum) {
        broken.push(too_short(minimum).trim_end().to_string());
    }
    let required = [
        (
            policy.require_uppercase_characters,
            composition.uppercase,
            0,
        ),
        (
            policy.require_lowercase_characters,
            composition.lowercase,
            1,
        ),
        (policy.require_numbers, composition.number, 2),
        (policy.require_symbols, composition.symbol, 3),
    ];
    let all_missing = Composition {
        uppercase: false,
        lowercase: false,
        number: false,
        symbol: false,
    }
    .missing();
    for (required, present, index) in required {
        if required == Some(true) && !present {
            broken.push(all_missing[index].to_string());
        }
    }
    if reused && let Some(count) = policy.password_reuse_prevention {
        broken.push(format!(
            "Password should not be one of your {count} previous passwords"
        ));
    }
    match broken.as_slice() {
        [] => None,
        // A lone length violation reads as AWS writes it, trailing space and all.
        [only] if (length as i64) < i64::from(minimum) && only.contains("minimum length") => {
            Some(too_short(minimum))
        }
        _ => Some(broken.join(", ")),
    }
}

/// A salted digest of `password`: hex salt, `$`, hex SHA-256 of salt and password.
pub(crate) fn digest(salt: &str, password: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(salt.as_bytes());
    hasher.update(password.as_bytes());
    format!("{salt}${}", hex::encode(hasher.finalize()))
}

/// Whether `password` is the one `stored` (from [`digest`]) was made of.
pub(crate) fn matches(stored: &str, password: &str) -> bool {
    stored
        .split_once('$')
        .is_some_and(|(salt, _)| digest(salt, password) == stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(configure: impl FnOnce(&mut PasswordPolicy)) -> PasswordPolicy {
        let mut policy = PasswordPolicy::default();
        configure(&mut policy);
        policy
    }

    #[test]
    fn default_policy_wants_eight_characters_of_three_kinds() {
        let cases = [
            ("Ab1!", Some("Password should have a minimum length of 8 ")),
            (
                "abcdefg1",
                Some(
                    "Password should meet 1 more of the following requirements: Password should have at least one uppercase letter, Password should have at least one symbol",
                ),
            ),
            (
                "abcdefgh",
                Some(
                    "Password should meet 2 more of the following requirements: Password should have at least one uppercase letter, Password should have at least one number, Password should have at least one symbol",
                ),
            ),
            ("abcdefG1", None),
            ("abcdef!1", None),
        ];
        for (password, expected) in cases {
            assert_eq!(
                violation(password, None, false).as_deref(),
                expected,
                "{password}"
            );
        }
    }

    #[test]
    fn custom_policy_lists_every_rule_broken() {
        let strict = policy(|p| {
            p.minimum_password_length = Some(10);
            p.require_symbols = Some(true);
            p.require_numbers = Some(true);
            p.password_reuse_prevention = Some(3);
        });
        assert_eq!(
            violation("short", Some(&strict), false).as_deref(),
            Some(
                "Password should have a minimum length of 10, Password should have at least one number, Password should have at least one symbol"
            )
        );
        assert_eq!(
            violation("long-enough1", Some(&strict), false).as_deref(),
            None
        );
        assert_eq!(
            violation("long-enough1", Some(&strict), true).as_deref(),
            Some("Password should not be one of your 3 previous passwords")
        );
        let lenient = policy(|p| p.minimum_password_length = Some(6));
        assert_eq!(violation("abcdef", Some(&lenient), false), None);
        assert_eq!(
            violation("abc", Some(&lenient), false).as_deref(),
            Some("Password should have a minimum length of 6 ")
        );
    }

    #[test]
    fn digests_verify_only_their_password() {
        let stored = digest("0011", "Secret-1");
        assert!(matches(&stored, "Secret-1"));
        assert!(!matches(&stored, "Secret-2"));
        assert_ne!(stored, digest("0012", "Secret-1"));
    }
}
