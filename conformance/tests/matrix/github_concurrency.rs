//! Workflow `concurrency` groups in the GitHub fake, seen through gh 2.103 and git: with no
//! runner to take the jobs, a second push's run waits `pending` behind the first, a third
//! push's run replaces the pending one (cancelled, as GitHub does for "a higher priority
//! waiting request"), cancelling the run in progress releases the pending one, and
//! `cancel-in-progress: true` cancels what the group has unfinished.

use std::time::Duration;

use conformance::{Cell, Sandbox, clients, wait_until};
use serde_json::Value;

use crate::github::{gh, gh_sandbox, ok, start, user_with_token};
use crate::github_actions::{commit_and_push, json};
use crate::github_runner_uses::remote;

fn workflow(cancel_in_progress: bool) -> String {
    format!(
        "name: Grouped\non: push\nconcurrency:\n  group: grouped-${{{{ github.ref }}}}\n  cancel-in-progress: {cancel_in_progress}\njobs:\n  wait:\n    runs-on: [self-hosted, no-such-runner]\n    steps:\n      - run: echo waits\n"
    )
}

#[test]
fn github_actions_concurrency_groups() {
    let _cell = Cell::new(
        "forge-runner",
        "github",
        "actions-concurrency",
        "gh 2.103 + git",
    );
    let server = start(&[]);
    let gh = gh();
    let git = clients::find("git");
    let token = user_with_token(&server, "octo", &["repo", "workflow", "read:org"]);
    let gh_env = gh_sandbox(&server, &token);
    let git_env = Sandbox::new();
    ok(
        &gh_env,
        &gh,
        &["api", "-X", "POST", "user/repos", "-f", "name=grouped"],
    );
    let repo = git_env.path().join("grouped");
    ok(
        &git_env,
        &git,
        &["init", "-q", "-b", "main", repo.to_str().expect("UTF-8")],
    );
    let remote = remote(&server, &token, "octo/grouped");
    // Run statuses oldest first, once they are `expected` (the last seen on timeout).
    let runs = |expected: &[(String, String)]| -> Vec<(String, String)> {
        let last = std::cell::RefCell::new(Vec::new());
        wait_until(Duration::from_secs(30), || {
            let listed = json(&ok(
                &gh_env,
                &gh,
                &[
                    "run",
                    "list",
                    "-R",
                    "octo/grouped",
                    "--json",
                    "databaseId,status,conclusion",
                ],
            ));
            let mut listed = listed.as_array()?.clone();
            listed.sort_by_key(|r| r["databaseId"].as_u64());
            let seen: Vec<(String, String)> = listed
                .iter()
                .map(|r: &Value| {
                    (
                        r["status"].as_str().unwrap_or_default().to_string(),
                        r["conclusion"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect();
            *last.borrow_mut() = seen.clone();
            (seen == expected).then_some(())
        });
        last.into_inner()
    };
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
    let wf = workflow(false);
    for (number, expected) in [
        (1, vec![pair("queued", "")]),
        (2, vec![pair("queued", ""), pair("pending", "")]),
        (
            3,
            vec![
                pair("queued", ""),
                pair("completed", "cancelled"),
                pair("pending", ""),
            ],
        ),
    ] {
        let text = format!("{number}\n");
        commit_and_push(
            &git_env,
            &git,
            &repo,
            &[
                (".github/workflows/grouped.yml", wf.as_str()),
                ("n.txt", text.as_str()),
            ],
            &format!("push {number}"),
            &remote,
        );
        assert_eq!(runs(&expected), expected, "after push {number}");
    }
    // Cancelling the run in progress lets the pending one start.
    let first = json(&ok(
        &gh_env,
        &gh,
        &["run", "list", "-R", "octo/grouped", "--json", "databaseId"],
    ))
    .as_array()
    .and_then(|r| r.iter().filter_map(|r| r["databaseId"].as_u64()).min())
    .expect("a run");
    ok(
        &gh_env,
        &gh,
        &["run", "cancel", &first.to_string(), "-R", "octo/grouped"],
    );
    let expected = [
        pair("completed", "cancelled"),
        pair("completed", "cancelled"),
        pair("queued", ""),
    ];
    assert_eq!(runs(&expected), expected);
    // `cancel-in-progress: true` cancels the group's unfinished run.
    let wf = workflow(true);
    commit_and_push(
        &git_env,
        &git,
        &repo,
        &[(".github/workflows/grouped.yml", wf.as_str())],
        "cancel in progress",
        &remote,
    );
    let expected = [
        pair("completed", "cancelled"),
        pair("completed", "cancelled"),
        pair("completed", "cancelled"),
        pair("queued", ""),
    ];
    assert_eq!(runs(&expected), expected);
}
