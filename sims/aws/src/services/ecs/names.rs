//! ECS's name rules and the quotas its API enforces. ECS's model puts no constraints on these
//! names, so ECS checks them in the service and words the errors itself; the messages here are
//! those AWS answers (family and container names, container count, definition size, override
//! size), and the validator's `X must match PATTERN, but was VALUE` form where AWS's own wording
//! for a create call is not on record.
//!
//! Names are 1 to 255 letters, digits, hyphens and underscores: `../../etc`, a CR or LF, or a
//! 256-character name is refused before anything is stored.

use super::EcsError;

/// The most containers a task definition may have.
pub const MAX_CONTAINERS: usize = 10;
/// The largest task definition RegisterTaskDefinition accepts, in bytes of JSON.
pub const MAX_DEFINITION_BYTES: usize = 65_536;
/// The largest `overrides` of RunTask and StartTask, in characters of JSON.
pub const MAX_OVERRIDES_CHARACTERS: usize = 8_192;
/// The most tasks one RunTask call starts.
pub const MAX_RUN_TASK_COUNT: i32 = 10;
/// The longest `startedBy` of RunTask.
pub const MAX_STARTED_BY: usize = 128;

const NAME_PATTERN: &str = r"^[a-zA-Z0-9\-_]{1,255}$";

/// Letters, digits, hyphens and underscores, 1 to 255 of them.
pub fn is_valid_name(name: &str) -> bool {
    (1..=255).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn must_match(what: &str, value: &str) -> EcsError {
    EcsError::InvalidParameter(format!(
        "{what} must match {NAME_PATTERN}, but was {}",
        value.escape_debug()
    ))
}

/// A cluster name, as CreateCluster and cluster identifiers need it.
pub fn check_cluster_name(name: &str) -> Result<(), EcsError> {
    if is_valid_name(name) {
        Ok(())
    } else {
        Err(must_match("Cluster", name))
    }
}

/// A service name, as CreateService and service identifiers need it.
pub fn check_service_name(name: &str) -> Result<(), EcsError> {
    if is_valid_name(name) {
        Ok(())
    } else {
        Err(must_match("Service", name))
    }
}

/// A task definition family.
pub fn check_family(family: &str) -> Result<(), EcsError> {
    if family.trim().is_empty() {
        return Err(EcsError::Client("Family can not be blank.".into()));
    }
    if is_valid_name(family) {
        Ok(())
    } else {
        Err(EcsError::Client(
            "Family contains invalid characters.".into(),
        ))
    }
}

/// A container's name in a task definition.
pub fn check_container_name(name: &str) -> Result<(), EcsError> {
    if is_valid_name(name) {
        Ok(())
    } else {
        Err(EcsError::Client(
            "Container.name contains invalid characters.".into(),
        ))
    }
}

/// The size of a task definition as registered.
pub fn check_definition_size(bytes: usize) -> Result<(), EcsError> {
    if bytes > MAX_DEFINITION_BYTES {
        return Err(EcsError::Client(format!(
            "Actual length: '{bytes}'. Max allowed length is '{MAX_DEFINITION_BYTES}' bytes."
        )));
    }
    Ok(())
}

/// The size of RunTask's or StartTask's `overrides`.
pub fn check_overrides_size(characters: usize) -> Result<(), EcsError> {
    if characters > MAX_OVERRIDES_CHARACTERS {
        return Err(EcsError::InvalidParameter(format!(
            "Container Overrides length must be at most {MAX_OVERRIDES_CHARACTERS}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_letters_digits_hyphens_and_underscores() {
        for good in ["a", "web-1", "my_cluster", &"x".repeat(255)] {
            assert!(is_valid_name(good), "{good}");
        }
        for bad in [
            "",
            "../../etc",
            "a\r\nb",
            "a b",
            "a.b",
            "é",
            &"x".repeat(256),
        ] {
            assert!(!is_valid_name(bad), "{bad:?}");
        }
        let error = check_cluster_name("../../etc").unwrap_err();
        assert_eq!(
            error.to_string(),
            r"Cluster must match ^[a-zA-Z0-9\-_]{1,255}$, but was ../../etc"
        );
        assert_eq!(
            check_cluster_name("a\r\nb").unwrap_err().to_string(),
            r"Cluster must match ^[a-zA-Z0-9\-_]{1,255}$, but was a\r\nb"
        );
        assert_eq!(
            check_family("../x").unwrap_err().to_string(),
            "Family contains invalid characters."
        );
        assert_eq!(
            check_container_name("a/b").unwrap_err().to_string(),
            "Container.name contains invalid characters."
        );
        assert!(check_definition_size(65_536).is_ok());
        assert_eq!(
            check_definition_size(66_420).unwrap_err().to_string(),
            "Actual length: '66420'. Max allowed length is '65536' bytes."
        );
    }
}
