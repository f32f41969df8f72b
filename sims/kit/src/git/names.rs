//! What a repository key, a revision, a path inside a repository and a ref name may be.
//!
//! Everything here is checked before it reaches a git command line or the file system: keys
//! become directories under the provider's root, so they are a safe subset of names; ref names
//! follow `git check-ref-format`; revisions and paths may never look like options or climb out
//! of the repository.

use super::GitError;

fn invalid(what: &'static str, value: &str) -> GitError {
    GitError::Invalid {
        what,
        value: value.to_owned(),
    }
}

/// A repository key: `/`-separated components of letters, digits, `.`, `_` and `-`, none of
/// them `.` or `..`, at most 512 bytes (`octo/hello`, `group/sub/project`, `42`).
pub fn check_key(key: &str) -> Result<(), GitError> {
    let ok = !key.is_empty()
        && key.len() <= 512
        && key.split('/').all(|component| {
            !component.is_empty()
                && component != "."
                && component != ".."
                && !component.starts_with('-')
                && component
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        });
    if ok {
        Ok(())
    } else {
        Err(invalid("repository key", key))
    }
}

/// A full ref name as `git check-ref-format` accepts it (`refs/heads/main`).
pub fn check_ref_name(name: &str) -> Result<(), GitError> {
    let component_ok = |component: &str| {
        !component.is_empty()
            && !component.starts_with('.')
            && !component.ends_with(".lock")
            && !component.contains("..")
            && !component.contains("@{")
            && component
                .bytes()
                .all(|b| b > 0x20 && b != 0x7f && !b" ~^:?*[\\".contains(&b))
    };
    let ok = name.starts_with("refs/")
        && name.len() <= 1024
        && !name.ends_with('.')
        && name.split('/').all(component_ok);
    if ok {
        Ok(())
    } else {
        Err(invalid("ref name", name))
    }
}

/// A branch name (without `refs/heads/`).
pub fn check_branch(name: &str) -> Result<(), GitError> {
    if name.starts_with('-') || name == "HEAD" {
        return Err(invalid("branch name", name));
    }
    check_ref_name(&format!("refs/heads/{name}")).map_err(|_| invalid("branch name", name))
}

/// A revision: a branch, tag, full ref or object ID, optionally with `~N`/`^N` suffixes. Never
/// a range, a path (`rev:path` is built here, not taken from callers) or an option.
pub fn check_revision(rev: &str) -> Result<(), GitError> {
    let ok = !rev.is_empty()
        && rev.len() <= 1024
        && !rev.starts_with('-')
        && !rev.contains("..")
        && !rev.contains("@{")
        && rev
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._/-~^+#".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(invalid("revision", rev))
    }
}

/// A path inside a repository: relative, `/`-separated, no empty, `.`, `..` or `.git`
/// components. The empty string names the root (reads only).
pub fn check_path(path: &str) -> Result<(), GitError> {
    if path.is_empty() {
        return Ok(());
    }
    let ok = path.len() <= 4096
        && !path.contains('\0')
        && path.split('/').all(|component| {
            !component.is_empty()
                && component != "."
                && component != ".."
                && !component.eq_ignore_ascii_case(".git")
        });
    if ok {
        Ok(())
    } else {
        Err(invalid("path", path))
    }
}

/// An object ID as git prints it (40 or 64 lowercase hex digits).
pub fn is_object_id(value: &str) -> bool {
    matches!(value.len(), 40 | 64)
        && value
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_safe_directory_names() {
        for good in [
            "octo/hello",
            "42",
            "group/sub/project",
            "octo/.github",
            "a_b-c.d",
        ] {
            assert!(check_key(good).is_ok(), "{good}");
        }
        for bad in [
            "", "../x", "a/../b", "/abs", "a//b", "a/", ".", "-rf", "a b", "a\\b", "é",
        ] {
            assert!(check_key(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ref_names_follow_check_ref_format() {
        for good in [
            "refs/heads/main",
            "refs/heads/feature/x-1",
            "refs/tags/v1.0",
        ] {
            assert!(check_ref_name(good).is_ok(), "{good}");
        }
        for bad in [
            "main",
            "refs/heads/a..b",
            "refs/heads/.hidden",
            "refs/heads/x.lock",
            "refs/heads/a b",
            "refs/heads/a~1",
            "refs/heads/a:b",
            "refs/heads/",
            "refs/heads/x.",
            "refs/heads/a@{1}",
        ] {
            assert!(check_ref_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_branch("-f").is_err());
        assert!(check_branch("HEAD").is_err());
        assert!(check_branch("release/1.x").is_ok());
    }

    #[test]
    fn revisions_and_paths_cannot_be_options_or_escape() {
        assert!(check_revision("main~2").is_ok());
        assert!(check_revision("--upload-pack=x").is_err());
        assert!(check_revision("a..b").is_err());
        assert!(check_revision("main:secret").is_err());
        assert!(check_path("").is_ok());
        assert!(check_path("src/lib.rs").is_ok());
        for bad in [
            "../x",
            "/etc/passwd",
            "a//b",
            ".git/config",
            "a/.GIT/x",
            "a/./b",
        ] {
            assert!(check_path(bad).is_err(), "{bad:?}");
        }
    }
}
