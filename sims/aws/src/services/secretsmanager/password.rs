//! GetRandomPassword: a password from the character classes a request keeps, with at least one
//! character of each class when `RequireEachIncludedType` (the default) asks so. Random bytes
//! come from the system's secure generator, drawn without modulo bias.

use sim_aws_shapes::secretsmanager::{GetRandomPasswordRequest, GetRandomPasswordResponse};

use super::{SecretsError, SecretsManager};
use crate::services::Ctx;
use crate::services::kms::crypto::random_bytes;

const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS: &str = "0123456789";
const PUNCTUATION: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/// A uniformly random index below `bound` (at least 1).
fn random_index(bound: usize) -> usize {
    let bound = bound.max(1) as u32;
    let limit = u32::MAX - u32::MAX % bound;
    loop {
        let bytes = random_bytes(4);
        let value = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        if value < limit {
            return (value % bound) as usize;
        }
    }
}

/// A password of `length` characters from `classes` (each already stripped of excluded
/// characters; empty classes are left out), one of each class first when `each` is set.
pub fn generate(length: usize, classes: &[Vec<char>], each: bool) -> Result<String, SecretsError> {
    let classes: Vec<&Vec<char>> = classes.iter().filter(|c| !c.is_empty()).collect();
    if classes.is_empty() {
        return Err(SecretsError::InvalidParameter(
            "The password must include at least one character type.".into(),
        ));
    }
    if each && length < classes.len() {
        return Err(SecretsError::InvalidParameter(
            "Password length is too short based on the required types.".into(),
        ));
    }
    let pool: Vec<char> = classes.iter().flat_map(|c| c.iter().copied()).collect();
    let mut password: Vec<char> = Vec::with_capacity(length);
    if each {
        for class in &classes {
            password.push(class[random_index(class.len())]);
        }
    }
    while password.len() < length {
        password.push(pool[random_index(pool.len())]);
    }
    // Shuffle so the guaranteed characters are not always first (Fisher-Yates).
    for i in (1..password.len()).rev() {
        password.swap(i, random_index(i + 1));
    }
    Ok(password.into_iter().collect())
}

impl SecretsManager {
    pub(super) async fn get_random_password(
        &self,
        _ctx: &Ctx,
        input: GetRandomPasswordRequest,
    ) -> Result<GetRandomPasswordResponse, SecretsError> {
        let excluded: Vec<char> = input
            .exclude_characters
            .as_deref()
            .unwrap_or_default()
            .chars()
            .collect();
        let class = |chars: &str, off: Option<bool>| -> Vec<char> {
            if off == Some(true) {
                Vec::new()
            } else {
                chars.chars().filter(|c| !excluded.contains(c)).collect()
            }
        };
        let mut classes = vec![
            class(LOWER, input.exclude_lowercase),
            class(UPPER, input.exclude_uppercase),
            class(DIGITS, input.exclude_numbers),
            class(PUNCTUATION, input.exclude_punctuation),
        ];
        if input.include_space == Some(true) {
            classes.push(class(" ", None));
        }
        let length = usize::try_from(input.password_length.unwrap_or(32)).unwrap_or(32);
        let password = generate(
            length,
            &classes,
            input.require_each_included_type.unwrap_or(true),
        )?;
        Ok(GetRandomPasswordResponse {
            random_password: Some(password),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_required_class_appears_and_nothing_else() {
        let classes = vec![LOWER.chars().collect::<Vec<_>>(), DIGITS.chars().collect()];
        for _ in 0..50 {
            let password = generate(4, &classes, true).unwrap();
            assert_eq!(password.chars().count(), 4);
            assert!(password.chars().any(|c| c.is_ascii_lowercase()));
            assert!(password.chars().any(|c| c.is_ascii_digit()));
            assert!(
                password
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            );
        }
        assert!(generate(1, &classes, true).is_err());
        assert!(generate(8, &[Vec::new()], true).is_err());
    }
}
