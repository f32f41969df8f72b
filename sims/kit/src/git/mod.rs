//! Real git repositories for the forge fakes: bare repositories on disk, read and written with
//! git's own plumbing, and served over smart HTTP by git's own `git http-backend`.
//!
//! The GitHub and GitLab fakes share this one implementation. A provider names a repository
//! by a store-style key (`"octo/hello"` or `"42"`), never by a path: keys are validated here and
//! mapped under the root the provider gives ([`GitRepos::new`]), so a name such as `../x` can
//! never reach outside it. Revisions, paths inside a repository and ref names are validated
//! too, and every git command gets `--end-of-options` (or a checked argument) so user input is
//! never read as an option.
//!
//! | module | holds |
//! |---|---|
//! | [`names`] | validation of keys, revisions, in-repository paths and ref names |
//! | `command` | running git with a clean environment (no user or system config) |
//! | `read` | refs, blobs, trees, commits and logs |
//! | `write` | commits made without a work tree, ref updates, merges |
//! | `objects` | objects by ID (the forges' Git Data APIs): blobs, trees, commits and tag objects written and read, refs pointed at any object, filtered history |
//! | [`http`] | smart HTTP through `git http-backend`, with the refs a push changed |
//! | [`rules`] | protected refs: rules a push (through a pre-receive hook) or an API change must pass |
//!
//! Calls other than [`http::serve_http`] run short git processes synchronously (a few
//! milliseconds each); async callers with heavy use may move them to `spawn_blocking`.

mod command;
pub mod http;
pub mod names;
mod objects;
mod read;
pub mod rules;
mod write;

use std::path::{Path, PathBuf};

pub use http::{GitHttpRequest, GitHttpResponse, RefUpdate, serve_http, serve_http_with_rules};
pub use objects::{EMPTY_TREE, LogFilter, ObjectKind, TagObject, TreeWrite};
pub use write::{CommitRequest, FileChange, MergeMethod};

/// Why a git operation failed.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// A key, revision, path or ref name that is not acceptable.
    #[error("invalid {what}: {value:?}")]
    Invalid { what: &'static str, value: String },
    #[error("repository {0:?} not found")]
    NotFound(String),
    #[error("repository {0:?} already exists")]
    AlreadyExists(String),
    /// The branch moved since the caller read it, or a merge has conflicts.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A revision the caller named does not exist.
    #[error("unknown revision {0:?}")]
    UnknownRevision(String),
    /// A push to a repository the caller may only read.
    #[error("push not allowed")]
    PushNotAllowed,
    #[error("git {command} failed: {stderr}")]
    Command { command: String, stderr: String },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Bare repositories under one directory.
#[derive(Clone, Debug)]
pub struct GitRepos {
    root: PathBuf,
}

impl GitRepos {
    /// Repositories live under `root` (created when needed), one directory per key.
    pub fn new(root: PathBuf) -> Self {
        GitRepos { root }
    }

    fn path_of(&self, key: &str) -> Result<PathBuf, GitError> {
        names::check_key(key)?;
        Ok(self.root.join(format!("{key}.git")))
    }

    /// Creates an empty bare repository whose HEAD names `default_branch`.
    pub fn create(&self, key: &str, default_branch: &str) -> Result<Repo, GitError> {
        let path = self.path_of(key)?;
        names::check_branch(default_branch)?;
        if path.exists() {
            return Err(GitError::AlreadyExists(key.to_owned()));
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut init = command::git_at(&self.root);
        init.env_remove("GIT_DIR")
            .args(["init", "--bare", "--quiet"])
            .arg(format!("--initial-branch={default_branch}"))
            .arg(&path);
        command::run(init, "init")?;
        let repo = Repo { path };
        // Fetches by commit ID (actions/checkout, GitLab runners) and partial clones work as
        // they do on the real forges.
        for (name, value) in [
            ("uploadpack.allowReachableSHA1InWant", "true"),
            ("uploadpack.allowFilter", "true"),
            ("receive.advertisePushOptions", "true"),
            ("core.logAllRefUpdates", "false"),
        ] {
            repo.set_config(name, value)?;
        }
        Ok(repo)
    }

    /// Creates `to` as a copy of `from`'s branches and tags (a forge's fork): a new bare
    /// repository whose HEAD names `default_branch`, filled by a local fetch, so objects are
    /// shared through git's own transfer rather than by copying files. With
    /// `default_branch_only`, only that branch (and no tags) is copied.
    pub fn fork(
        &self,
        from: &str,
        to: &str,
        default_branch: &str,
        default_branch_only: bool,
    ) -> Result<Repo, GitError> {
        let source = self.open(from)?;
        let target = self.create(to, default_branch)?;
        let refspecs: Vec<String> = if default_branch_only {
            vec![format!(
                "refs/heads/{default_branch}:refs/heads/{default_branch}"
            )]
        } else {
            vec![
                "refs/heads/*:refs/heads/*".into(),
                "refs/tags/*:refs/tags/*".into(),
            ]
        };
        let mut fetch = target.git();
        fetch
            .args(["fetch", "--quiet", "--no-tags"])
            .arg(source.path())
            .args(&refspecs);
        if let Err(error) = command::run(fetch, "fetch") {
            // An empty source has nothing to fetch; anything else leaves no half-made fork.
            if source.is_empty()? {
                return Ok(target);
            }
            let _ = std::fs::remove_dir_all(target.path());
            return Err(error);
        }
        Ok(target)
    }

    /// Opens an existing repository.
    pub fn open(&self, key: &str) -> Result<Repo, GitError> {
        let path = self.path_of(key)?;
        if !path.join("HEAD").is_file() {
            return Err(GitError::NotFound(key.to_owned()));
        }
        Ok(Repo { path })
    }

    /// Whether a repository exists under `key`.
    pub fn exists(&self, key: &str) -> bool {
        self.open(key).is_ok()
    }

    /// Moves a repository to a new key (a rename or a transfer).
    pub fn rename(&self, from: &str, to: &str) -> Result<(), GitError> {
        let source = self.open(from)?.path;
        let target = self.path_of(to)?;
        if target.exists() {
            return Err(GitError::AlreadyExists(to.to_owned()));
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::rename(source, target)?;
        Ok(())
    }

    /// Deletes a repository and everything in it.
    pub fn delete(&self, key: &str) -> Result<(), GitError> {
        let path = self.open(key)?.path;
        std::fs::remove_dir_all(path)?;
        Ok(())
    }

    /// Deletes every repository (the kit's reset).
    pub fn clear(&self) -> Result<(), GitError> {
        match std::fs::remove_dir_all(&self.root) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error.into()),
            _ => Ok(()),
        }
    }
}

/// One bare repository.
#[derive(Clone, Debug)]
pub struct Repo {
    path: PathBuf,
}

impl Repo {
    /// The repository's directory (for diagnostics; callers never build paths from it).
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn set_config(&self, name: &str, value: &str) -> Result<(), GitError> {
        let mut config = self.git();
        config.args(["config", name, value]);
        command::run(config, "config").map(drop)
    }

    fn git(&self) -> std::process::Command {
        command::git_at(&self.path)
    }
}

/// A ref and what it points at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GitRef {
    /// The full name: `refs/heads/main`, `refs/tags/v1`.
    pub name: String,
    /// The object the ref names (a tag object for annotated tags).
    pub target: String,
    /// For an annotated tag, the commit it points at.
    pub peeled: Option<String>,
}

/// Who made a commit, and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    pub name: String,
    pub email: String,
    /// Seconds since the Unix epoch.
    pub time: i64,
    /// The author's offset from UTC, in minutes.
    pub offset_minutes: i32,
}

/// A commit as git stores it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commit {
    pub sha: String,
    pub tree: String,
    pub parents: Vec<String>,
    pub author: Signature,
    pub committer: Signature,
    pub message: String,
}

/// What kind of object a tree entry names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    Blob,
    Tree,
    /// A submodule's commit.
    Commit,
}

/// One entry of a tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeEntry {
    pub name: String,
    /// The path from the repository's root.
    pub path: String,
    pub kind: EntryKind,
    /// The octal mode as git writes it (`100644`, `100755`, `120000`, `040000`, `160000`).
    pub mode: String,
    pub sha: String,
    /// Blob size in bytes; absent for trees and submodules.
    pub size: Option<u64>,
}

/// How a file changed between two commits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeStatus {
    Added,
    Modified,
    Removed,
    Renamed,
    Copied,
    TypeChanged,
}

/// One file of a comparison.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileDiff {
    pub path: String,
    pub previous_path: Option<String>,
    pub status: ChangeStatus,
    /// Lines added and removed; absent for binary files.
    pub additions: Option<u64>,
    pub deletions: Option<u64>,
    /// The unified diff of this file (from its first `@@`), absent for binary files.
    pub patch: Option<String>,
}

/// Two revisions compared as the forges compare them: from their merge base to the head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comparison {
    pub base: String,
    pub head: String,
    pub merge_base: Option<String>,
    /// Commits reachable from head and not from base.
    pub ahead_by: u64,
    /// Commits reachable from base and not from head.
    pub behind_by: u64,
    /// The commits ahead, oldest first.
    pub commits: Vec<Commit>,
    pub files: Vec<FileDiff>,
}

#[cfg(test)]
mod tests;
