//! Writing a repository without a work tree: commits built in a private index, ref updates
//! that check what they replace, annotated tags, and merges with `git merge-tree`.
//!
//! Every ref move is a compare-and-swap (`git update-ref NEW OLD`), so two writers racing on
//! one branch get one success and one [`GitError::Conflict`], as the forges answer.

use std::io::Write;

use super::command::{run, run_optional, run_with_input, text};
use super::names::{check_branch, check_path, check_ref_name, check_revision, is_object_id};
use super::{Commit, GitError, Repo, Signature};

/// The object ID git uses for "no object" in ref updates.
const ZERO_OID: &str = "0000000000000000000000000000000000000000";

/// One file to write or delete in a commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileChange {
    /// The path from the repository's root.
    pub path: String,
    /// The new bytes; `None` deletes the file.
    pub content: Option<Vec<u8>>,
}

/// A commit to make on a branch.
#[derive(Clone, Debug)]
pub struct CommitRequest {
    /// The branch to commit to; created when absent.
    pub branch: String,
    /// Where a new branch starts; the new branch has no parent when this is absent too.
    pub start_branch: Option<String>,
    pub message: String,
    pub author: Signature,
    /// The committer; the author when absent.
    pub committer: Option<Signature>,
    pub files: Vec<FileChange>,
    /// The commit the caller expects the branch to be at (GitHub's `sha`, GitLab's
    /// `last_commit_id`); [`GitError::Conflict`] when it has moved.
    pub expected_head: Option<String>,
}

/// How a merge joins a head into a base branch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MergeMethod {
    /// A merge commit with both parents.
    Merge,
    /// One commit on the base with the head's changes.
    Squash,
    /// Moves the base to the head; [`GitError::Conflict`] unless the head contains the base.
    FastForward,
}

impl Repo {
    /// Makes a commit on `request.branch` with the files changed as asked.
    pub fn commit(&self, request: &CommitRequest) -> Result<Commit, GitError> {
        check_branch(&request.branch)?;
        let branch_ref = format!("refs/heads/{}", request.branch);
        let current = self.resolve(&branch_ref)?;
        if let Some(expected) = &request.expected_head
            && current.as_deref() != Some(expected.as_str())
        {
            return Err(GitError::Conflict(format!(
                "{} is at {}, not {expected}",
                request.branch,
                current.as_deref().unwrap_or("nothing")
            )));
        }
        let parent = match (&current, &request.start_branch) {
            (Some(current), _) => Some(current.clone()),
            (None, Some(start)) => Some(
                self.resolve(start)?
                    .ok_or_else(|| GitError::UnknownRevision(start.clone()))?,
            ),
            (None, None) => None,
        };
        let tree = self.tree_with_changes(parent.as_deref(), &request.files)?;
        let parents: Vec<&str> = parent.as_deref().into_iter().collect();
        let committer = request.committer.as_ref().unwrap_or(&request.author);
        let sha = self.commit_tree(
            &tree,
            &parents,
            &request.message,
            &request.author,
            committer,
        )?;
        self.swap_ref(&branch_ref, &sha, current.as_deref())?;
        self.read_commits(&[sha])?
            .pop()
            .ok_or(GitError::UnknownRevision(branch_ref))
    }

    /// The tree of `parent` (or an empty tree) with `files` applied, built in a private index.
    fn tree_with_changes(
        &self,
        parent: Option<&str>,
        files: &[FileChange],
    ) -> Result<String, GitError> {
        for file in files {
            if file.path.is_empty() {
                return Err(GitError::Invalid {
                    what: "path",
                    value: String::new(),
                });
            }
            check_path(&file.path)?;
        }
        let index = tempfile::Builder::new()
            .prefix("sockerless-index-")
            .tempfile_in(self.path())?;
        let index_path = index.path().to_owned();
        let with_index = |mut command: std::process::Command| {
            command.env("GIT_INDEX_FILE", &index_path);
            command
        };
        let mut read_tree = self.git();
        match parent {
            Some(parent) => read_tree.args(["read-tree", parent]),
            None => read_tree.args(["read-tree", "--empty"]),
        };
        run(with_index(read_tree), "read-tree")?;

        // Existing files keep their mode (an executable stays executable).
        let mut staged = self.git();
        staged.args(["ls-files", "-s", "-z", "--"]);
        staged.args(files.iter().map(|file| file.path.as_str()));
        let staged = run(with_index(staged), "ls-files")?.stdout;
        let modes: std::collections::HashMap<String, String> = staged
            .split(|&b| b == 0)
            .filter_map(|record| {
                let record = String::from_utf8_lossy(record);
                let (meta, path) = record.split_once('\t')?;
                Some((path.to_owned(), meta.split(' ').next()?.to_owned()))
            })
            .collect();

        let mut index_info = Vec::new();
        for file in files {
            match &file.content {
                Some(bytes) => {
                    let sha = self.hash_blob(bytes)?;
                    let mode = modes.get(&file.path).map_or("100644", String::as_str);
                    write!(index_info, "{mode} {sha}\t{}\0", file.path)?;
                }
                None => write!(index_info, "0 {ZERO_OID}\t{}\0", file.path)?,
            }
        }
        let mut update = self.git();
        update.args(["update-index", "-z", "--index-info"]);
        run_with_input(with_index(update), "update-index", &index_info)?;
        let mut write_tree = self.git();
        write_tree.arg("write-tree");
        Ok(text(&run(with_index(write_tree), "write-tree")?))
    }

    pub(super) fn commit_tree(
        &self,
        tree: &str,
        parents: &[&str],
        message: &str,
        author: &Signature,
        committer: &Signature,
    ) -> Result<String, GitError> {
        let mut commit = self.git();
        commit.args(["commit-tree", tree]);
        for parent in parents {
            commit.args(["-p", parent]);
        }
        commit
            .args(["-F", "-"])
            .env("GIT_AUTHOR_NAME", &author.name)
            .env("GIT_AUTHOR_EMAIL", &author.email)
            .env("GIT_AUTHOR_DATE", git_date(author))
            .env("GIT_COMMITTER_NAME", &committer.name)
            .env("GIT_COMMITTER_EMAIL", &committer.email)
            .env("GIT_COMMITTER_DATE", git_date(committer));
        Ok(text(&run_with_input(
            commit,
            "commit-tree",
            message.as_bytes(),
        )?))
    }

    /// Moves `name` to `new` only if it is still at `old` (absent when `old` is `None`).
    fn swap_ref(&self, name: &str, new: &str, old: Option<&str>) -> Result<(), GitError> {
        let mut update = self.git();
        update.args(["update-ref", name, new, old.unwrap_or(ZERO_OID)]);
        run_optional(update)?
            .map(drop)
            .ok_or_else(|| GitError::Conflict(format!("{name} moved while it was updated")))
    }

    /// Creates, moves or (with `new` absent) deletes a ref, checking what it replaces when
    /// `expected_old` is given. `new` may be any revision that names a commit.
    pub fn update_ref(
        &self,
        name: &str,
        new: Option<&str>,
        expected_old: Option<&str>,
    ) -> Result<(), GitError> {
        check_ref_name(name)?;
        if let Some(old) = expected_old
            && !is_object_id(old)
        {
            return Err(GitError::Invalid {
                what: "object ID",
                value: old.to_owned(),
            });
        }
        let mut update = self.git();
        match new {
            Some(new) => {
                let target = self
                    .resolve(new)?
                    .ok_or_else(|| GitError::UnknownRevision(new.to_owned()))?;
                update.args(["update-ref", name, &target]);
            }
            None => {
                // git deletes a missing ref without complaint; the forges answer 404/422.
                if self.resolve(name)?.is_none() {
                    return Err(GitError::UnknownRevision(name.to_owned()));
                }
                update.args(["update-ref", "-d", name]);
            }
        }
        if let Some(old) = expected_old {
            update.arg(old);
        }
        run_optional(update)?
            .map(drop)
            .ok_or_else(|| GitError::Conflict(format!("{name} is not where it was expected")))
    }

    /// Creates an annotated tag `refs/tags/NAME` on `target`; returns the tag object's ID.
    pub fn create_annotated_tag(
        &self,
        name: &str,
        target: &str,
        message: &str,
        tagger: &Signature,
    ) -> Result<String, GitError> {
        check_ref_name(&format!("refs/tags/{name}"))?;
        let target = self
            .resolve(target)?
            .ok_or_else(|| GitError::UnknownRevision(target.to_owned()))?;
        let object = format!(
            "object {target}\ntype commit\ntag {name}\ntagger {} <{}> {}\n\n{message}",
            tagger.name,
            tagger.email,
            git_date(tagger).trim_start_matches('@'),
        );
        let mut make = self.git();
        make.arg("mktag");
        let sha = text(&run_with_input(make, "mktag", object.as_bytes())?);
        self.swap_ref(&format!("refs/tags/{name}"), &sha, None)?;
        Ok(sha)
    }

    /// Merges `head` into `base_branch`. `None` when the base already contains the head (the
    /// forges' "nothing to merge"); [`GitError::Conflict`] when the changes conflict.
    pub fn merge(
        &self,
        base_branch: &str,
        head: &str,
        message: &str,
        author: &Signature,
        method: MergeMethod,
    ) -> Result<Option<Commit>, GitError> {
        check_branch(base_branch)?;
        let base_ref = format!("refs/heads/{base_branch}");
        let base = self
            .resolve(&base_ref)?
            .ok_or_else(|| GitError::UnknownRevision(base_branch.to_owned()))?;
        let head = self
            .resolve(head)?
            .ok_or_else(|| GitError::UnknownRevision(head.to_owned()))?;
        if self.is_ancestor(&head, &base)? {
            return Ok(None);
        }
        let sha = if method == MergeMethod::FastForward {
            if !self.is_ancestor(&base, &head)? {
                return Err(GitError::Conflict(format!(
                    "{base_branch} cannot be fast-forwarded to {head}"
                )));
            }
            head
        } else {
            let tree = self.merge_tree(&base, &head, None)?.ok_or_else(|| {
                GitError::Conflict(format!("merging {head} into {base_branch} has conflicts"))
            })?;
            let parents: Vec<&str> = match method {
                MergeMethod::Squash => vec![&base],
                _ => vec![&base, &head],
            };
            self.commit_tree(&tree, &parents, message, author, author)?
        };
        self.swap_ref(&base_ref, &sha, Some(&base))?;
        Ok(self.read_commits(&[sha])?.pop())
    }

    /// Whether `ancestor` is reachable from `descendant`.
    pub fn is_ancestor(&self, ancestor: &str, descendant: &str) -> Result<bool, GitError> {
        check_revision(ancestor)?;
        check_revision(descendant)?;
        let mut check = self.git();
        check.args(["merge-base", "--is-ancestor", ancestor, descendant]);
        Ok(run_optional(check)?.is_some())
    }
}

/// A signature's time as git's internal date format: `@1700000000 +0100`.
pub(super) fn git_date(signature: &Signature) -> String {
    let offset = signature.offset_minutes;
    let sign = if offset < 0 { '-' } else { '+' };
    let offset = offset.unsigned_abs();
    format!(
        "@{} {sign}{:02}{:02}",
        signature.time,
        offset / 60,
        offset % 60
    )
}
