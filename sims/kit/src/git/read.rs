//! Reading a repository: refs, revisions, blobs, trees, commits, logs and comparisons.
//!
//! Commits are always parsed from git's raw commit objects (`cat-file`), one parser for every
//! reader, so authors, dates and messages are exactly what was pushed.

use std::io::Write;
use std::process::Stdio;

use super::command::{run, run_optional, run_with_input, text};
use super::names::{check_branch, check_path, check_revision};
use super::{
    ChangeStatus, Commit, Comparison, EntryKind, FileDiff, GitError, GitRef, Repo, Signature,
    TreeEntry,
};

impl Repo {
    /// The branch HEAD names (a new repository's default branch, even before its first push).
    pub fn default_branch(&self) -> Result<String, GitError> {
        let mut head = self.git();
        head.args(["symbolic-ref", "--short", "HEAD"]);
        Ok(text(&run(head, "symbolic-ref")?))
    }

    /// Makes `name` the default branch.
    pub fn set_default_branch(&self, name: &str) -> Result<(), GitError> {
        check_branch(name)?;
        let mut head = self.git();
        head.args(["symbolic-ref", "HEAD"])
            .arg(format!("refs/heads/{name}"));
        run(head, "symbolic-ref").map(drop)
    }

    /// Every ref, sorted by name.
    pub fn refs(&self) -> Result<Vec<GitRef>, GitError> {
        let mut list = self.git();
        list.args([
            "for-each-ref",
            "--format=%(refname)%00%(objectname)%00%(*objectname)",
        ]);
        let output = run(list, "for-each-ref")?;
        Ok(text(&output)
            .lines()
            .filter_map(|line| {
                let mut fields = line.split('\0');
                let name = fields.next()?.to_owned();
                let target = fields.next()?.to_owned();
                let peeled = fields.next().filter(|p| !p.is_empty()).map(str::to_owned);
                Some(GitRef {
                    name,
                    target,
                    peeled,
                })
            })
            .collect())
    }

    /// Whether nothing has been pushed or committed yet.
    pub fn is_empty(&self) -> Result<bool, GitError> {
        Ok(self.refs()?.is_empty())
    }

    /// The commit a revision names, if it names one.
    pub fn resolve(&self, rev: &str) -> Result<Option<String>, GitError> {
        check_revision(rev)?;
        let mut parse = self.git();
        parse
            .args(["rev-parse", "--verify", "--quiet", "--end-of-options"])
            .arg(format!("{rev}^{{commit}}"));
        Ok(run_optional(parse)?.map(|output| text(&output)))
    }

    fn resolve_or_unknown(&self, rev: &str) -> Result<String, GitError> {
        self.resolve(rev)?
            .ok_or_else(|| GitError::UnknownRevision(rev.to_owned()))
    }

    /// The entry at `path` in the tree of `rev`, or `None` when there is none. The root (an
    /// empty path) has no entry: use [`Repo::tree`].
    pub fn entry(&self, rev: &str, path: &str) -> Result<Option<TreeEntry>, GitError> {
        check_path(path)?;
        if path.is_empty() {
            return Ok(None);
        }
        let commit = self.resolve_or_unknown(rev)?;
        let mut list = self.git();
        list.args(["ls-tree", "-z", "-l", "--full-tree", &commit, "--", path]);
        let output = run(list, "ls-tree")?;
        Ok(parse_ls_tree(&output.stdout)
            .into_iter()
            .find(|entry| entry.path == path))
    }

    /// The bytes of the file at `path` in `rev`; `None` when there is no file there.
    pub fn read_blob(&self, rev: &str, path: &str) -> Result<Option<Vec<u8>>, GitError> {
        match self.entry(rev, path)? {
            Some(entry) if entry.kind == EntryKind::Blob => self.blob(&entry.sha).map(Some),
            _ => Ok(None),
        }
    }

    /// The tree of commit `rev` as an archive whose entries sit under `prefix/`, as `git
    /// archive` writes it (GitHub's tarballs and zipballs are made the same way): `tar.gz` or
    /// `zip`.
    pub fn archive(&self, rev: &str, format: &str, prefix: &str) -> Result<Vec<u8>, GitError> {
        check_revision(rev)?;
        check_path(prefix)?;
        if !matches!(format, "tar.gz" | "zip") || prefix.is_empty() {
            return Err(GitError::Command {
                command: "archive".to_owned(),
                stderr: format!("unsupported archive {format} or empty prefix"),
            });
        }
        let mut archive = self.git();
        archive
            .arg("archive")
            .arg(format!("--format={format}"))
            .arg(format!("--prefix={prefix}/"))
            .arg("--end-of-options")
            .arg(format!("{rev}^{{commit}}"));
        Ok(run(archive, "archive")?.stdout)
    }

    /// The bytes of a blob by its object ID.
    pub fn blob(&self, sha: &str) -> Result<Vec<u8>, GitError> {
        check_revision(sha)?;
        let mut cat = self.git();
        cat.args(["cat-file", "blob", sha]);
        Ok(run(cat, "cat-file")?.stdout)
    }

    /// The entries of the directory at `path` in `rev` (the root for an empty path); `None`
    /// when `path` is not a directory there.
    pub fn tree(&self, rev: &str, path: &str) -> Result<Option<Vec<TreeEntry>>, GitError> {
        self.list_tree(rev, path, false)
    }

    /// Every entry below the directory at `path`, depth first, trees included.
    pub fn tree_recursive(
        &self,
        rev: &str,
        path: &str,
    ) -> Result<Option<Vec<TreeEntry>>, GitError> {
        self.list_tree(rev, path, true)
    }

    fn list_tree(
        &self,
        rev: &str,
        path: &str,
        recursive: bool,
    ) -> Result<Option<Vec<TreeEntry>>, GitError> {
        check_path(path)?;
        let commit = self.resolve_or_unknown(rev)?;
        let tree = if path.is_empty() {
            format!("{commit}^{{tree}}")
        } else {
            match self.entry(&commit, path)? {
                Some(entry) if entry.kind == EntryKind::Tree => entry.sha,
                _ => return Ok(None),
            }
        };
        let mut list = self.git();
        list.args(["ls-tree", "-z", "-l"]);
        if recursive {
            list.args(["-r", "-t"]);
        }
        list.arg(&tree);
        let output = run(list, "ls-tree")?;
        let mut entries = parse_ls_tree(&output.stdout);
        if !path.is_empty() {
            for entry in &mut entries {
                entry.path = format!("{path}/{}", entry.path);
            }
        }
        Ok(Some(entries))
    }

    /// The commit a revision names, parsed.
    pub fn commit_info(&self, rev: &str) -> Result<Option<Commit>, GitError> {
        let Some(sha) = self.resolve(rev)? else {
            return Ok(None);
        };
        Ok(self.read_commits(&[sha])?.pop())
    }

    /// Commits reachable from `rev` (touching `path` when given), newest first, after skipping
    /// `skip` and at most `limit`.
    pub fn log(
        &self,
        rev: &str,
        path: Option<&str>,
        skip: usize,
        limit: usize,
    ) -> Result<Vec<Commit>, GitError> {
        let commit = self.resolve_or_unknown(rev)?;
        let mut list = self.git();
        list.arg("rev-list")
            .arg(format!("--skip={skip}"))
            .arg(format!("--max-count={limit}"))
            .arg(&commit);
        if let Some(path) = path {
            check_path(path)?;
            list.args(["--", path]);
        }
        let shas: Vec<String> = text(&run(list, "rev-list")?)
            .lines()
            .map(str::to_owned)
            .collect();
        self.read_commits(&shas)
    }

    /// How many commits `rev` has in its history.
    pub fn count_commits(&self, rev: &str) -> Result<u64, GitError> {
        let commit = self.resolve_or_unknown(rev)?;
        let mut count = self.git();
        count.args(["rev-list", "--count", &commit]);
        Ok(text(&run(count, "rev-list")?).parse().unwrap_or(0))
    }

    /// Compares `base` with `head` as the forges do: commits and changes from their merge base.
    pub fn compare(&self, base: &str, head: &str) -> Result<Comparison, GitError> {
        let base_sha = self.resolve_or_unknown(base)?;
        let head_sha = self.resolve_or_unknown(head)?;
        let mut merge_base = self.git();
        merge_base.args(["merge-base", &base_sha, &head_sha]);
        let merge_base = run_optional(merge_base)?.map(|output| text(&output));

        let mut counts = self.git();
        counts.args([
            "rev-list",
            "--left-right",
            "--count",
            &format!("{base_sha}...{head_sha}"),
        ]);
        let counts = text(&run(counts, "rev-list")?);
        let mut numbers = counts.split_whitespace().map(|n| n.parse().unwrap_or(0));
        let behind_by = numbers.next().unwrap_or(0);
        let ahead_by = numbers.next().unwrap_or(0);

        let mut ahead = self.git();
        ahead.args(["rev-list", "--reverse", &format!("{base_sha}..{head_sha}")]);
        let shas: Vec<String> = text(&run(ahead, "rev-list")?)
            .lines()
            .map(str::to_owned)
            .collect();
        let commits = self.read_commits(&shas)?;
        let from = merge_base.clone().unwrap_or_else(|| base_sha.clone());
        let files = self.diff(&from, &head_sha)?;
        Ok(Comparison {
            base: base_sha,
            head: head_sha,
            merge_base,
            ahead_by,
            behind_by,
            commits,
            files,
        })
    }

    /// The files that differ between two commits, with their line counts and patches.
    pub fn diff(&self, from: &str, to: &str) -> Result<Vec<FileDiff>, GitError> {
        check_revision(from)?;
        check_revision(to)?;
        let mut status = self.git();
        status.args(["diff", "-z", "-M", "--name-status", from, to]);
        let status = run(status, "diff")?.stdout;
        let mut numstat = self.git();
        numstat.args(["diff", "-z", "-M", "--numstat", from, to]);
        let numstat = run(numstat, "diff")?.stdout;
        let mut patch = self.git();
        patch.args(["diff", "-M", "--no-color", "--no-ext-diff", from, to]);
        let patch = String::from_utf8_lossy(&run(patch, "diff")?.stdout).into_owned();

        let mut files = parse_name_status(&status);
        for (file, (additions, deletions)) in files.iter_mut().zip(parse_numstat(&numstat)) {
            file.additions = additions;
            file.deletions = deletions;
        }
        for (file, hunk) in files.iter_mut().zip(split_patch(&patch)) {
            if file.additions.is_some() {
                file.patch = hunk;
            }
        }
        Ok(files)
    }

    /// Reads commits by object ID through one `cat-file --batch`, in the order given.
    pub(super) fn read_commits(&self, shas: &[String]) -> Result<Vec<Commit>, GitError> {
        if shas.is_empty() {
            return Ok(Vec::new());
        }
        let mut batch = self.git();
        batch.args(["cat-file", "--batch"]);
        let mut input = Vec::new();
        for sha in shas {
            check_revision(sha)?;
            writeln!(input, "{sha}")?;
        }
        let output = run_with_input(batch, "cat-file", &input)?;
        let mut rest: &[u8] = &output.stdout;
        let mut commits = Vec::with_capacity(shas.len());
        while let Some(newline) = rest.iter().position(|&b| b == b'\n') {
            let header = String::from_utf8_lossy(&rest[..newline]).into_owned();
            rest = &rest[newline + 1..];
            let fields: Vec<&str> = header.split(' ').collect();
            let [sha, kind, size] = fields[..] else {
                continue; // "<sha> missing"
            };
            let size: usize = size.parse().unwrap_or(0);
            let body = &rest[..size.min(rest.len())];
            rest = &rest[(size + 1).min(rest.len())..];
            if kind == "commit" {
                commits.push(parse_commit(sha, body));
            }
        }
        Ok(commits)
    }

    /// Writes `bytes` as a blob and returns its object ID.
    pub(super) fn hash_blob(&self, bytes: &[u8]) -> Result<String, GitError> {
        let mut hash = self.git();
        hash.args(["hash-object", "-w", "--stdin"])
            .stdout(Stdio::piped());
        Ok(text(&run_with_input(hash, "hash-object", bytes)?))
    }
}

/// Parses `ls-tree -z -l` output.
pub(super) fn parse_ls_tree(output: &[u8]) -> Vec<TreeEntry> {
    output
        .split(|&b| b == 0)
        .filter(|record| !record.is_empty())
        .filter_map(|record| {
            let record = String::from_utf8_lossy(record);
            let (meta, path) = record.split_once('\t')?;
            let mut meta = meta.split_whitespace();
            let mode = meta.next()?.to_owned();
            let kind = match meta.next()? {
                "blob" => EntryKind::Blob,
                "tree" => EntryKind::Tree,
                "commit" => EntryKind::Commit,
                _ => return None,
            };
            let sha = meta.next()?.to_owned();
            let size = meta.next().and_then(|size| size.parse().ok());
            let name = path.rsplit('/').next().unwrap_or(path).to_owned();
            Some(TreeEntry {
                name,
                path: path.to_owned(),
                kind,
                mode,
                sha,
                size,
            })
        })
        .collect()
}

/// Parses a raw commit object.
pub(super) fn parse_commit(sha: &str, body: &[u8]) -> Commit {
    let text = String::from_utf8_lossy(body);
    let (headers, message) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut commit = Commit {
        sha: sha.to_owned(),
        tree: String::new(),
        parents: Vec::new(),
        author: parse_signature(""),
        committer: parse_signature(""),
        message: message.to_owned(),
    };
    for line in headers.lines() {
        match line.split_once(' ') {
            Some(("tree", value)) => commit.tree = value.to_owned(),
            Some(("parent", value)) => commit.parents.push(value.to_owned()),
            Some(("author", value)) => commit.author = parse_signature(value),
            Some(("committer", value)) => commit.committer = parse_signature(value),
            _ => {} // gpgsig continuation lines, encoding, mergetag
        }
    }
    commit
}

/// Parses `Name <email> 1700000000 +0100`.
pub(super) fn parse_signature(value: &str) -> Signature {
    let (who, when) = value.rsplit_once('>').unwrap_or((value, ""));
    let (name, email) = who.split_once('<').unwrap_or((who, ""));
    let mut when = when.split_whitespace();
    let time = when.next().and_then(|t| t.parse().ok()).unwrap_or(0);
    let offset_minutes = when.next().map(parse_offset).unwrap_or(0);
    Signature {
        name: name.trim().to_owned(),
        email: email.trim().to_owned(),
        time,
        offset_minutes,
    }
}

/// `+0130` → 90, `-0500` → -300.
fn parse_offset(offset: &str) -> i32 {
    let sign = if offset.starts_with('-') { -1 } else { 1 };
    let digits = offset.trim_start_matches(['+', '-']);
    let hours: i32 = digits.get(..2).and_then(|h| h.parse().ok()).unwrap_or(0);
    let minutes: i32 = digits.get(2..4).and_then(|m| m.parse().ok()).unwrap_or(0);
    sign * (hours * 60 + minutes)
}

/// Parses `diff -z --name-status`: status records followed by one path, or two for renames
/// and copies.
fn parse_name_status(output: &[u8]) -> Vec<FileDiff> {
    let mut fields = output
        .split(|&b| b == 0)
        .map(|field| String::from_utf8_lossy(field).into_owned());
    let mut files = Vec::new();
    while let Some(status) = fields.next() {
        if status.is_empty() {
            continue;
        }
        let status_kind = match status.as_bytes()[0] {
            b'A' => ChangeStatus::Added,
            b'D' => ChangeStatus::Removed,
            b'R' => ChangeStatus::Renamed,
            b'C' => ChangeStatus::Copied,
            b'T' => ChangeStatus::TypeChanged,
            _ => ChangeStatus::Modified,
        };
        let first = fields.next().unwrap_or_default();
        let (path, previous_path) =
            if matches!(status_kind, ChangeStatus::Renamed | ChangeStatus::Copied) {
                (fields.next().unwrap_or_default(), Some(first))
            } else {
                (first, None)
            };
        files.push(FileDiff {
            path,
            previous_path,
            status: status_kind,
            additions: None,
            deletions: None,
            patch: None,
        });
    }
    files
}

/// Parses `diff -z --numstat`: `-` counts (binary files) become `None`.
fn parse_numstat(output: &[u8]) -> Vec<(Option<u64>, Option<u64>)> {
    let mut counts = Vec::new();
    let mut fields = output.split(|&b| b == 0);
    while let Some(field) = fields.next() {
        let field = String::from_utf8_lossy(field);
        if field.is_empty() {
            continue;
        }
        let mut parts = field.splitn(3, '\t');
        let additions = parts.next().and_then(|n| n.parse().ok());
        let deletions = parts.next().and_then(|n| n.parse().ok());
        // A rename's record ends in a tab, then the old and new paths as two fields.
        if parts.next().is_some_and(str::is_empty) {
            fields.next();
            fields.next();
        }
        counts.push((additions, deletions));
    }
    counts
}

/// Splits a full patch into one hunk text per file, in the order git wrote them, each starting
/// at its first `@@` (what the forges call a file's `patch`).
fn split_patch(patch: &str) -> Vec<Option<String>> {
    let mut files = Vec::new();
    // Headers start a line; content lines start with ' ', '+' or '-', so they never match.
    let patch = format!("\n{patch}");
    for section in patch.split("\ndiff --git ").skip(1) {
        let hunks = section
            .find("\n@@")
            .map(|start| section[start + 1..].trim_end_matches('\n').to_owned());
        files.push(hunks);
    }
    files
}
