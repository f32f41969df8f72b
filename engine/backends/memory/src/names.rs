//! Container names: Docker's rule for names a client gives, and generated `adjective_name`
//! names (drawn from the kit's IDs, so tests can seed them) for containers created without one.

use engine_core::EngineError;

const ADJECTIVES: &[&str] = &[
    "admiring",
    "brave",
    "clever",
    "dazzling",
    "eager",
    "focused",
    "gallant",
    "happy",
    "inspiring",
    "jolly",
    "keen",
    "lucid",
    "modest",
    "nifty",
    "optimistic",
    "peaceful",
    "quirky",
    "relaxed",
    "serene",
    "tender",
    "upbeat",
    "vibrant",
    "wizardly",
    "youthful",
    "zealous",
];

const SURNAMES: &[&str] = &[
    "albattani",
    "babbage",
    "curie",
    "darwin",
    "euclid",
    "feynman",
    "galileo",
    "hopper",
    "input",
    "jepsen",
    "knuth",
    "lovelace",
    "mccarthy",
    "noether",
    "ostrom",
    "pascal",
    "quine",
    "ritchie",
    "shannon",
    "turing",
    "varahamihira",
    "wozniak",
    "yalow",
    "zhukovsky",
];

/// A generated name.
pub fn generate(ids: &dyn simkit::ids::IdGen) -> String {
    let adjective = ADJECTIVES[(ids.next_u64() % ADJECTIVES.len() as u64) as usize];
    let surname = SURNAMES[(ids.next_u64() % SURNAMES.len() as u64) as usize];
    format!("{adjective}_{surname}")
}

/// Checks a client's name (`/name` or `name`) against `[a-zA-Z0-9][a-zA-Z0-9_.-]+` and returns
/// it without the slash.
pub fn validate(name: &str) -> Result<String, EngineError> {
    let bare = name.strip_prefix('/').unwrap_or(name);
    let bytes = bare.as_bytes();
    let valid = bytes.len() >= 2
        && bytes[0].is_ascii_alphanumeric()
        && bytes[1..]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    if valid {
        Ok(bare.to_string())
    } else {
        Err(EngineError::InvalidParameter(format!(
            "Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"
        )))
    }
}

/// go-units' `HumanDuration`, as `docker ps` shows ages.
pub fn human_duration(seconds: u64) -> String {
    match seconds {
        0 => "Less than a second".into(),
        1 => "1 second".into(),
        s if s < 60 => format!("{s} seconds"),
        s if s / 60 == 1 => "About a minute".into(),
        s if s / 60 < 60 => format!("{} minutes", s / 60),
        s if (s as f64 / 3600.0).round() as u64 == 1 => "About an hour".into(),
        s if s / 3600 < 48 => format!("{} hours", (s as f64 / 3600.0).round() as u64),
        s if s / 3600 < 24 * 7 * 2 => format!("{} days", s / 86400),
        s if s / 3600 < 24 * 30 * 2 => format!("{} weeks", s / 86400 / 7),
        s if s / 3600 < 24 * 365 * 2 => format!("{} months", s / 86400 / 30),
        s => format!("{} years", s / 86400 / 365),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(validate("/web-1").unwrap(), "web-1");
        assert!(validate("a").is_err());
        assert!(validate("-a").is_err());
        assert!(validate("a b").is_err());
        assert_eq!(human_duration(0), "Less than a second");
        assert_eq!(human_duration(5), "5 seconds");
        assert_eq!(human_duration(90), "About a minute");
    }
}
