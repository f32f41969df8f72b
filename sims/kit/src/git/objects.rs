//! Git's objects by ID, as the forges' "Git Data" APIs expose them: what kind an object is,
//! blobs written from bytes, trees listed by object and written from entries over a base tree,
//! commits made from a tree and parents, annotated tag objects read and written, refs pointed
//! at any object, and history filtered by path, author and time.
//!
//! What this module must not do: take a user's value onto a command line unchecked. Object IDs
//! and revisions pass [`check_revision`], paths [`check_path`], ref names [`check_ref_name`];
//! object contents travel on stdin.

use std::io::Write;

use super::command::{run, run_optional, run_with_input, text};
use super::names::{check_path, check_ref_name, check_revision, is_object_id};
use super::read::parse_signature;
use super::{Commit, GitError, Repo, Signature, TreeEntry};

/// The object ID git uses for "no object" in ref updates and index entries.
const ZERO_OID: &str = "0000000000000000000000000000000000000000";

/// The ID of the empty tree (what a root commit is compared with).
pub const EMPTY_TREE: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

/// The four kinds of git object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectKind {
    Blob,
    Tree,
    Commit,
    Tag,
}

impl ObjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Blob => "blob",
            ObjectKind::Tree => "tree",
            ObjectKind::Commit => "commit",
            ObjectKind::Tag => "tag",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "blob" => ObjectKind::Blob,
            "tree" => ObjectKind::Tree,
            "commit" => ObjectKind::Commit,
            "tag" => ObjectKind::Tag,
            _ => return None,
        })
    }
}

/// An annotated tag object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagObject {
    pub sha: String,
    /// The tag's name as written in the object.
    pub name: String,
    /// The object tagged, and its kind.
    pub object: String,
    pub object_kind: ObjectKind,
    pub tagger: Option<Signature>,
    pub message: String,
}

/// One entry to write into a tree: a blob or tree by ID at `path` with `mode`, or the removal of
/// whatever is at `path` (`sha` absent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeWrite {
    pub path: String,
    /// `100644`, `100755`, `120000`, `040000` or `160000`.
    pub mode: String,
    pub sha: Option<String>,
}

/// Which commits a history listing keeps.
#[derive(Clone, Debug, Default)]
pub struct LogFilter {
    /// Where the history starts (a branch, tag or commit ID).
    pub rev: String,
    /// Only commits that touch this path.
    pub path: Option<String>,
    /// Only commits whose author's name or email contains one of these texts.
    pub authors: Vec<String>,
    /// Only commits committed at or after this time (Unix seconds).
    pub since: Option<i64>,
    /// Only commits committed at or before this time (Unix seconds).
    pub until: Option<i64>,
}

impl Repo {
    /// The kind and size of an object, or `None` when there is no such object.
    pub fn object_kind(&self, sha: &str) -> Result<Option<(ObjectKind, u64)>, GitError> {
        check_revision(sha)?;
        let mut check = self.git();
        check.args(["cat-file", "--batch-check"]);
        let output = run_with_input(check, "cat-file", format!("{sha}\n").as_bytes())?;
        let line = text(&output);
        let mut fields = line.split(' ');
        let (_, kind, size) = (fields.next(), fields.next(), fields.next());
        Ok(kind
            .and_then(ObjectKind::parse)
            .map(|kind| (kind, size.and_then(|s| s.parse().ok()).unwrap_or(0))))
    }

    /// The full object ID `sha` (which may be abbreviated) names, with its kind.
    pub fn full_object_id(&self, sha: &str) -> Result<Option<(String, ObjectKind)>, GitError> {
        check_revision(sha)?;
        let mut check = self.git();
        check.args(["cat-file", "--batch-check=%(objectname) %(objecttype)"]);
        let output = run_with_input(check, "cat-file", format!("{sha}\n").as_bytes())?;
        let line = text(&output);
        let Some((id, kind)) = line.split_once(' ') else {
            return Ok(None);
        };
        Ok(ObjectKind::parse(kind).map(|kind| (id.to_owned(), kind)))
    }

    /// Writes `bytes` as a blob and returns its ID.
    pub fn write_blob(&self, bytes: &[u8]) -> Result<String, GitError> {
        self.hash_blob(bytes)
    }

    /// The entries of the tree an object names (a tree, or a commit's or tag's tree), every
    /// entry below it with `recursive`; `None` when it names no tree.
    pub fn tree_of(
        &self,
        object: &str,
        recursive: bool,
    ) -> Result<Option<(String, Vec<TreeEntry>)>, GitError> {
        check_revision(object)?;
        let mut parse = self.git();
        parse
            .args(["rev-parse", "--verify", "--quiet", "--end-of-options"])
            .arg(format!("{object}^{{tree}}"));
        let Some(tree) = run_optional(parse)?.map(|output| text(&output)) else {
            return Ok(None);
        };
        let mut list = self.git();
        list.args(["ls-tree", "-z", "-l"]);
        if recursive {
            list.args(["-r", "-t"]);
        }
        list.arg(&tree);
        let output = run(list, "ls-tree")?;
        Ok(Some((tree, super::read::parse_ls_tree(&output.stdout))))
    }

    /// Writes a tree: `base` (a tree, or nothing for an empty one) with `entries` applied in
    /// order. A tree entry (`040000`) replaces whatever was under its path.
    pub fn write_tree(
        &self,
        base: Option<&str>,
        entries: &[TreeWrite],
    ) -> Result<String, GitError> {
        for entry in entries {
            if entry.path.is_empty() {
                return Err(GitError::Invalid {
                    what: "path",
                    value: String::new(),
                });
            }
            check_path(&entry.path)?;
            if let Some(sha) = &entry.sha
                && !is_object_id(sha)
            {
                return Err(GitError::Invalid {
                    what: "object ID",
                    value: sha.clone(),
                });
            }
            if !matches!(
                entry.mode.as_str(),
                "100644" | "100755" | "120000" | "040000" | "160000"
            ) {
                return Err(GitError::Invalid {
                    what: "mode",
                    value: entry.mode.clone(),
                });
            }
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
        match base {
            Some(base) => {
                check_revision(base)?;
                read_tree.args(["read-tree", "--end-of-options", base]);
            }
            None => {
                read_tree.args(["read-tree", "--empty"]);
            }
        }
        run(with_index(read_tree), "read-tree")?;
        for entry in entries {
            // Whatever is at the path, file or directory, goes first.
            let mut listed = self.git();
            listed.args(["ls-files", "-z", "--", &entry.path]);
            let listed = run(with_index(listed), "ls-files")?.stdout;
            let mut removals = Vec::new();
            for path in listed.split(|&b| b == 0).filter(|p| !p.is_empty()) {
                removals.extend_from_slice(format!("0 {ZERO_OID}\t").as_bytes());
                removals.extend_from_slice(path);
                removals.push(0);
            }
            if !removals.is_empty() {
                let mut remove = self.git();
                remove.args(["update-index", "-z", "--index-info"]);
                run_with_input(with_index(remove), "update-index", &removals)?;
            }
            let Some(sha) = &entry.sha else { continue };
            if entry.mode == "040000" {
                let mut graft = self.git();
                graft
                    .args(["read-tree", "-i"])
                    .arg(format!("--prefix={}/", entry.path))
                    .arg(sha);
                run(with_index(graft), "read-tree")?;
            } else {
                let mut add = self.git();
                add.args(["update-index", "-z", "--add", "--index-info"]);
                let mut info = Vec::new();
                write!(info, "{} {sha}\t{}\0", entry.mode, entry.path)?;
                run_with_input(with_index(add), "update-index", &info)?;
            }
        }
        let mut write_tree = self.git();
        write_tree.arg("write-tree");
        Ok(text(&run(with_index(write_tree), "write-tree")?))
    }

    /// Makes a commit object from a tree and parents (no ref moves) and returns it.
    pub fn create_commit(
        &self,
        tree: &str,
        parents: &[&str],
        message: &str,
        author: &Signature,
        committer: &Signature,
    ) -> Result<Commit, GitError> {
        check_revision(tree)?;
        for parent in parents {
            check_revision(parent)?;
        }
        let sha = self.commit_tree(tree, parents, message, author, committer)?;
        self.read_commits(std::slice::from_ref(&sha))?
            .pop()
            .ok_or(GitError::UnknownRevision(sha))
    }

    /// The tree merging `ours` and `theirs` would give (from `merge_base` when given, else
    /// from their merge base), or `None` when the changes conflict. Nothing is moved; a
    /// rebase replays a commit with `merge_base` set to its parent.
    pub fn merge_tree(
        &self,
        ours: &str,
        theirs: &str,
        merge_base: Option<&str>,
    ) -> Result<Option<String>, GitError> {
        check_revision(ours)?;
        check_revision(theirs)?;
        let mut merge = self.git();
        merge.args(["merge-tree", "--write-tree", "--no-messages"]);
        if let Some(base) = merge_base {
            check_revision(base)?;
            merge.arg(format!("--merge-base={base}"));
        }
        merge.args([ours, theirs]);
        let output = merge.output()?;
        let tree = String::from_utf8_lossy(&output.stdout)
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned();
        match output.status.code() {
            Some(0) if is_object_id(&tree) => Ok(Some(tree)),
            // git's exit status 1 means "conflicts"; anything else is a failure.
            Some(1) => Ok(None),
            _ => Err(GitError::Command {
                command: "merge-tree".to_owned(),
                stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
            }),
        }
    }

    /// The annotated tag object `sha`, or `None` when it is not one.
    pub fn read_tag(&self, sha: &str) -> Result<Option<TagObject>, GitError> {
        if self.object_kind(sha)?.map(|(kind, _)| kind) != Some(ObjectKind::Tag) {
            return Ok(None);
        }
        let mut cat = self.git();
        cat.args(["cat-file", "tag", sha]);
        let body = String::from_utf8_lossy(&run(cat, "cat-file")?.stdout).into_owned();
        let (headers, message) = body.split_once("\n\n").unwrap_or((&body, ""));
        let mut tag = TagObject {
            sha: sha.to_owned(),
            name: String::new(),
            object: String::new(),
            object_kind: ObjectKind::Commit,
            tagger: None,
            message: message.to_owned(),
        };
        for line in headers.lines() {
            match line.split_once(' ') {
                Some(("object", value)) => tag.object = value.to_owned(),
                Some(("type", value)) => {
                    tag.object_kind = ObjectKind::parse(value).unwrap_or(ObjectKind::Commit)
                }
                Some(("tag", value)) => tag.name = value.to_owned(),
                Some(("tagger", value)) => tag.tagger = Some(parse_signature(value)),
                _ => {}
            }
        }
        Ok(Some(tag))
    }

    /// Writes an annotated tag object (no ref) for `object` and returns its ID.
    pub fn write_tag(
        &self,
        name: &str,
        object: &str,
        message: &str,
        tagger: &Signature,
    ) -> Result<String, GitError> {
        check_ref_name(&format!("refs/tags/{name}"))?;
        let (object, kind) = self
            .full_object_id(object)?
            .ok_or_else(|| GitError::UnknownRevision(object.to_owned()))?;
        let mut body = format!(
            "object {object}\ntype {}\ntag {name}\ntagger {} <{}> {}\n\n{message}",
            kind.as_str(),
            tagger.name,
            tagger.email,
            super::write::git_date(tagger).trim_start_matches('@'),
        );
        if !body.ends_with('\n') {
            body.push('\n');
        }
        let mut make = self.git();
        make.arg("mktag");
        Ok(text(&run_with_input(make, "mktag", body.as_bytes())?))
    }

    /// Points ref `name` at object `sha` (any kind: a tag ref names a tag object). With
    /// `expected_old`, only if the ref is there now (`Some(None)`: only if it does not exist).
    pub fn point_ref(
        &self,
        name: &str,
        sha: &str,
        expected_old: Option<Option<&str>>,
    ) -> Result<(), GitError> {
        check_ref_name(name)?;
        if !is_object_id(sha) {
            return Err(GitError::Invalid {
                what: "object ID",
                value: sha.to_owned(),
            });
        }
        let mut update = self.git();
        update.args(["update-ref", name, sha]);
        match expected_old {
            Some(Some(old)) if is_object_id(old) => {
                update.arg(old);
            }
            Some(Some(old)) => {
                return Err(GitError::Invalid {
                    what: "object ID",
                    value: old.to_owned(),
                });
            }
            Some(None) => {
                update.arg(ZERO_OID);
            }
            None => {}
        }
        run_optional(update)?
            .map(drop)
            .ok_or_else(|| GitError::Conflict(format!("{name} is not where it was expected")))
    }

    /// The object a ref names directly (a tag object for an annotated tag), if it exists.
    pub fn ref_target(&self, name: &str) -> Result<Option<String>, GitError> {
        check_ref_name(name)?;
        let mut parse = self.git();
        parse.args(["rev-parse", "--verify", "--quiet", "--end-of-options", name]);
        Ok(run_optional(parse)?.map(|output| text(&output)))
    }

    /// Commits `filter` keeps, newest first, after skipping `skip`, at most `limit`.
    pub fn log_filtered(
        &self,
        filter: &LogFilter,
        skip: usize,
        limit: usize,
    ) -> Result<Vec<Commit>, GitError> {
        let mut list = self.rev_list(filter)?;
        list.arg(format!("--skip={skip}"))
            .arg(format!("--max-count={limit}"));
        Self::limit_path(&mut list, filter)?;
        let shas: Vec<String> = text(&run(list, "rev-list")?)
            .lines()
            .map(str::to_owned)
            .collect();
        self.read_commits(&shas)
    }

    /// How many commits `filter` keeps.
    pub fn count_filtered(&self, filter: &LogFilter) -> Result<u64, GitError> {
        let mut count = self.rev_list(filter)?;
        count.arg("--count");
        Self::limit_path(&mut count, filter)?;
        Ok(text(&run(count, "rev-list")?).parse().unwrap_or(0))
    }

    fn rev_list(&self, filter: &LogFilter) -> Result<std::process::Command, GitError> {
        check_revision(&filter.rev)?;
        let commit = self
            .resolve(&filter.rev)?
            .ok_or_else(|| GitError::UnknownRevision(filter.rev.clone()))?;
        let mut list = self.git();
        list.arg("rev-list");
        if !filter.authors.is_empty() {
            // Fixed strings, never patterns: the values are the caller's.
            list.arg("--fixed-strings").arg("--regexp-ignore-case");
            for author in &filter.authors {
                list.arg(format!("--author={author}"));
            }
        }
        if let Some(since) = filter.since {
            list.arg(format!("--max-age={since}"));
        }
        if let Some(until) = filter.until {
            list.arg(format!("--min-age={until}"));
        }
        list.arg(commit);
        Ok(list)
    }

    fn limit_path(list: &mut std::process::Command, filter: &LogFilter) -> Result<(), GitError> {
        if let Some(path) = &filter.path {
            check_path(path)?;
            list.arg("--");
            if !path.is_empty() {
                list.arg(path);
            }
        }
        Ok(())
    }
}
