//! Repository reads and writes against real git.

use super::*;

fn signature(time: i64) -> Signature {
    Signature {
        name: "Mona Lisa".to_owned(),
        email: "mona@example.com".to_owned(),
        time,
        offset_minutes: 90,
    }
}

fn write(repo: &Repo, branch: &str, files: &[(&str, Option<&str>)], time: i64) -> Commit {
    repo.commit(&CommitRequest {
        branch: branch.to_owned(),
        start_branch: Some("main".to_owned()).filter(|_| !matches!(branch, "main" | "trunk")),
        message: format!("change at {time}\n\nwith a body"),
        author: signature(time),
        committer: None,
        files: files
            .iter()
            .map(|(path, content)| FileChange {
                path: (*path).to_owned(),
                content: content.map(|c| c.as_bytes().to_vec()),
            })
            .collect(),
        expected_head: None,
    })
    .unwrap()
}

fn repos() -> (tempfile::TempDir, GitRepos) {
    let dir = tempfile::tempdir().unwrap();
    let repos = GitRepos::new(dir.path().join("repos"));
    (dir, repos)
}

#[test]
fn commits_are_read_back_exactly() {
    let (_dir, repos) = repos();
    let repo = repos.create("octo/hello", "main").unwrap();
    assert!(repo.is_empty().unwrap());
    assert_eq!(repo.default_branch().unwrap(), "main");
    assert_eq!(repo.resolve("main").unwrap(), None);

    let first = write(
        &repo,
        "main",
        &[
            ("README.md", Some("hi\n")),
            ("src/a.rs", Some("fn a() {}\n")),
        ],
        1_700_000_000,
    );
    assert!(first.parents.is_empty());
    assert_eq!(first.author, signature(1_700_000_000));
    assert_eq!(first.message, "change at 1700000000\n\nwith a body");
    assert_eq!(
        repo.read_blob("main", "README.md").unwrap().unwrap(),
        b"hi\n"
    );
    assert_eq!(repo.read_blob("main", "missing").unwrap(), None);
    assert_eq!(
        repo.read_blob("main", "src").unwrap(),
        None,
        "a directory is not a file"
    );

    let root = repo.tree("main", "").unwrap().unwrap();
    let names: Vec<_> = root.iter().map(|e| (e.name.as_str(), e.kind)).collect();
    assert_eq!(
        names,
        [("README.md", EntryKind::Blob), ("src", EntryKind::Tree)]
    );
    let src = repo.tree("main", "src").unwrap().unwrap();
    assert_eq!(src[0].path, "src/a.rs");
    assert_eq!(src[0].size, Some(10));
    assert_eq!(repo.tree("main", "README.md").unwrap(), None);
    assert_eq!(repo.tree_recursive("main", "").unwrap().unwrap().len(), 3);

    let second = write(
        &repo,
        "main",
        &[("README.md", None), ("docs/x.md", Some("x"))],
        1_700_000_100,
    );
    assert_eq!(second.parents, std::slice::from_ref(&first.sha));
    assert_eq!(repo.read_blob("main", "README.md").unwrap(), None);
    let log = repo.log("main", None, 0, 10).unwrap();
    assert_eq!(
        log.iter().map(|c| c.sha.clone()).collect::<Vec<_>>(),
        [second.sha.clone(), first.sha.clone()]
    );
    assert_eq!(repo.log("main", Some("src"), 0, 10).unwrap().len(), 1);
    assert_eq!(repo.log("main", None, 1, 10).unwrap()[0].sha, first.sha);
    assert_eq!(repo.count_commits("main").unwrap(), 2);
    assert_eq!(repo.commit_info(&first.sha).unwrap().unwrap(), first);
}

#[test]
fn a_moved_branch_is_a_conflict_and_loses_nothing() {
    let (_dir, repos) = repos();
    let repo = repos.create("r", "main").unwrap();
    let first = write(&repo, "main", &[("a", Some("1"))], 1);
    write(&repo, "main", &[("a", Some("2"))], 2);
    let stale = repo.commit(&CommitRequest {
        branch: "main".to_owned(),
        start_branch: None,
        message: "stale".to_owned(),
        author: signature(3),
        committer: None,
        files: vec![FileChange {
            path: "a".to_owned(),
            content: Some(b"3".to_vec()),
        }],
        expected_head: Some(first.sha),
    });
    assert!(matches!(stale, Err(GitError::Conflict(_))));
    assert_eq!(repo.read_blob("main", "a").unwrap().unwrap(), b"2");
}

#[test]
fn branches_compare_and_merge() {
    let (_dir, repos) = repos();
    let repo = repos.create("r", "main").unwrap();
    write(&repo, "main", &[("a", Some("one\ntwo\n"))], 1);
    write(&repo, "feature", &[("b", Some("new\n"))], 2);
    write(&repo, "feature", &[("a", Some("one\n2\n"))], 3);
    let comparison = repo.compare("main", "feature").unwrap();
    assert_eq!((comparison.ahead_by, comparison.behind_by), (2, 0));
    assert_eq!(comparison.commits.len(), 2);
    assert_eq!(comparison.commits[0].author.time, 2, "oldest first");
    let files: Vec<_> = comparison
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.status, f.additions, f.deletions))
        .collect();
    assert_eq!(
        files,
        [
            ("a", ChangeStatus::Modified, Some(1), Some(1)),
            ("b", ChangeStatus::Added, Some(1), Some(0))
        ]
    );
    assert!(
        comparison.files[0]
            .patch
            .as_deref()
            .unwrap()
            .starts_with("@@")
    );

    let merged = repo
        .merge(
            "main",
            "feature",
            "Merge feature",
            &signature(4),
            MergeMethod::Merge,
        )
        .unwrap()
        .unwrap();
    assert_eq!(merged.parents.len(), 2);
    assert_eq!(repo.read_blob("main", "b").unwrap().unwrap(), b"new\n");
    assert_eq!(
        repo.merge(
            "main",
            "feature",
            "again",
            &signature(5),
            MergeMethod::Merge
        )
        .unwrap(),
        None
    );

    write(&repo, "other", &[("a", Some("eins\n"))], 6);
    write(&repo, "main", &[("a", Some("uno\n"))], 7);
    let conflict = repo.merge("main", "other", "m", &signature(8), MergeMethod::Squash);
    assert!(
        matches!(conflict, Err(GitError::Conflict(_))),
        "{conflict:?}"
    );
    let ff = repo.merge(
        "main",
        "other",
        "m",
        &signature(8),
        MergeMethod::FastForward,
    );
    assert!(matches!(ff, Err(GitError::Conflict(_))));
}

#[test]
fn refs_tags_and_repository_lifecycle() {
    let (_dir, repos) = repos();
    let repo = repos.create("o/r", "trunk").unwrap();
    assert!(matches!(
        repos.create("o/r", "main"),
        Err(GitError::AlreadyExists(_))
    ));
    assert!(matches!(
        repos.create("../x", "main"),
        Err(GitError::Invalid { .. })
    ));
    let commit = write(&repo, "trunk", &[("f", Some("x"))], 1);
    repo.update_ref("refs/heads/dev", Some("trunk"), None)
        .unwrap();
    assert_eq!(repo.resolve("dev").unwrap(), Some(commit.sha.clone()));
    let tag = repo
        .create_annotated_tag("v1", "trunk", "first release", &signature(2))
        .unwrap();
    let refs = repo.refs().unwrap();
    let v1 = refs.iter().find(|r| r.name == "refs/tags/v1").unwrap();
    assert_eq!(
        (v1.target.as_str(), v1.peeled.as_deref()),
        (tag.as_str(), Some(commit.sha.as_str()))
    );
    assert!(matches!(
        repo.update_ref("refs/heads/dev", None, Some(&"1".repeat(40))),
        Err(GitError::Conflict(_))
    ));
    repo.update_ref("refs/heads/dev", None, Some(&commit.sha))
        .unwrap();
    assert!(matches!(
        repo.update_ref("refs/heads/dev", None, None),
        Err(GitError::UnknownRevision(_))
    ));
    repo.set_default_branch("release").unwrap();
    assert_eq!(repo.default_branch().unwrap(), "release");

    repos.rename("o/r", "p/q").unwrap();
    assert!(!repos.exists("o/r"));
    let moved = repos.open("p/q").unwrap();
    assert_eq!(moved.resolve("trunk").unwrap(), Some(commit.sha));
    repos.delete("p/q").unwrap();
    assert!(matches!(repos.open("p/q"), Err(GitError::NotFound(_))));
}

#[test]
fn hostile_paths_and_revisions_are_refused() {
    let (_dir, repos) = repos();
    let repo = repos.create("r", "main").unwrap();
    write(&repo, "main", &[("a", Some("1"))], 1);
    for path in ["../a", "/etc/passwd", ".git/config", "a//b"] {
        let result = repo.commit(&CommitRequest {
            branch: "main".to_owned(),
            start_branch: None,
            message: "m".to_owned(),
            author: signature(1),
            committer: None,
            files: vec![FileChange {
                path: path.to_owned(),
                content: Some(b"x".to_vec()),
            }],
            expected_head: None,
        });
        assert!(matches!(result, Err(GitError::Invalid { .. })), "{path}");
    }
    assert!(matches!(
        repo.resolve("--output=/tmp/x"),
        Err(GitError::Invalid { .. })
    ));
    assert!(matches!(
        repo.read_blob("main", "../../etc/passwd"),
        Err(GitError::Invalid { .. })
    ));
}

#[test]
fn objects_are_written_and_read_by_id() {
    let (_dir, repos) = repos();
    let repo = repos.create("octo/objects", "main").unwrap();
    let first = write(
        &repo,
        "main",
        &[("a/b.txt", Some("b\n")), ("c.txt", Some("c\n"))],
        1_700_000_000,
    );

    let blob = repo.write_blob(b"new\n").unwrap();
    assert_eq!(
        repo.object_kind(&blob).unwrap(),
        Some((ObjectKind::Blob, 4))
    );
    assert_eq!(repo.object_kind(&"0".repeat(40)).unwrap(), None);
    // A nested path is written through its directories; a removal drops a whole directory.
    let tree = repo
        .write_tree(
            Some(&first.tree),
            &[
                TreeWrite {
                    path: "x/y/new.txt".into(),
                    mode: "100644".into(),
                    sha: Some(blob.clone()),
                },
                TreeWrite {
                    path: "a".into(),
                    mode: "040000".into(),
                    sha: None,
                },
            ],
        )
        .unwrap();
    let (_, entries) = repo.tree_of(&tree, true).unwrap().unwrap();
    let paths: Vec<&str> = entries.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["c.txt", "x", "x/y", "x/y/new.txt"]);
    // A tree entry grafts a whole tree under a path.
    let (a_tree, _) = repo.tree_of(&first.tree, false).unwrap().unwrap();
    let a_sha = repo.entry("main", "a").unwrap().unwrap().sha;
    assert_ne!(a_tree, a_sha);
    let grafted = repo
        .write_tree(
            None,
            &[TreeWrite {
                path: "z".into(),
                mode: "040000".into(),
                sha: Some(a_sha),
            }],
        )
        .unwrap();
    let (_, entries) = repo.tree_of(&grafted, true).unwrap().unwrap();
    assert_eq!(
        entries.iter().map(|e| e.path.as_str()).collect::<Vec<_>>(),
        ["z", "z/b.txt"]
    );

    let commit = repo
        .create_commit(
            &tree,
            &[&first.sha],
            "by id\n",
            &signature(1_700_000_100),
            &signature(1_700_000_200),
        )
        .unwrap();
    assert_eq!(
        (commit.tree.as_str(), commit.parents.clone()),
        (tree.as_str(), vec![first.sha.clone()])
    );
    // Nothing moved until a ref is pointed at it, and only from where the caller expects.
    assert_eq!(repo.resolve("main").unwrap().unwrap(), first.sha);
    assert!(matches!(
        repo.point_ref("refs/heads/main", &commit.sha, Some(Some(&commit.sha))),
        Err(GitError::Conflict(_))
    ));
    repo.point_ref("refs/heads/main", &commit.sha, Some(Some(&first.sha)))
        .unwrap();
    assert!(matches!(
        repo.point_ref("refs/heads/main", &first.sha, Some(None)),
        Err(GitError::Conflict(_))
    ));

    let tag = repo
        .write_tag("v1", &commit.sha, "release\n", &signature(1_700_000_300))
        .unwrap();
    let read = repo.read_tag(&tag).unwrap().unwrap();
    assert_eq!(
        (
            read.name.as_str(),
            read.object.as_str(),
            read.object_kind,
            read.message.as_str()
        ),
        ("v1", commit.sha.as_str(), ObjectKind::Commit, "release\n")
    );
    assert_eq!(read.tagger, Some(signature(1_700_000_300)));
    assert_eq!(repo.read_tag(&commit.sha).unwrap(), None);

    // History by path and time (committer time).
    let all = LogFilter {
        rev: "main".into(),
        ..LogFilter::default()
    };
    assert_eq!(repo.count_filtered(&all).unwrap(), 2);
    let touching = LogFilter {
        path: Some("x/y/new.txt".into()),
        ..all.clone()
    };
    assert_eq!(
        repo.log_filtered(&touching, 0, 10)
            .unwrap()
            .iter()
            .map(|c| c.sha.as_str())
            .collect::<Vec<_>>(),
        [commit.sha.as_str()]
    );
    let before = LogFilter {
        until: Some(1_700_000_150),
        ..all.clone()
    };
    assert_eq!(repo.log_filtered(&before, 0, 10).unwrap()[0].sha, first.sha);
    // A clean merge gives a tree; the same file changed two ways gives none.
    assert!(
        repo.merge_tree(&first.sha, &commit.sha, None)
            .unwrap()
            .is_some()
    );
    let left = write(&repo, "left", &[("c.txt", Some("left\n"))], 1_700_000_400);
    let right = write(&repo, "right", &[("c.txt", Some("right\n"))], 1_700_000_500);
    assert_eq!(repo.merge_tree(&left.sha, &right.sha, None).unwrap(), None);
    let by = LogFilter {
        authors: vec!["nobody".into(), "MONA@example".into()],
        ..all
    };
    assert_eq!(repo.count_filtered(&by).unwrap(), 2);
}
