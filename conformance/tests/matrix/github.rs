//! The GitHub fake (bleephub) driven by real clients: gh 2.103 in both of its forms (plain HTTP
//! through the fake as a proxy, as github.localhost; HTTPS as an Enterprise host under
//! /api/v3), PyGithub, and git over smart HTTP with tokens. Each test is one cell against a
//! fresh `sockerless hub github`.

use std::path::Path;
use std::process::Command;

use conformance::{Cell, Sandbox, Sockerless, assert_success, clients};

// The shared GitHub helpers live in the harness (`conformance::github`), so the octocrab
// crate's cells use them too; the Actions cells reach them through this module.
pub(crate) use conformance::github::{
    ADMIN_TOKEN, gh, gh_sandbox, ok, py, run, start, user_with_token,
};

#[test]
fn github_pygithub() {
    let _cell = Cell::new("forge-sdk", "github", "rest", "PyGithub");
    let server = start(&[]);
    let script = conformance::clients_dir()
        .join("github")
        .join("pygithub.py");
    let output = Command::new(py())
        .arg(&script)
        .env("BLEEPHUB_URL", server.url("github"))
        .env("BLEEPHUB_ADMIN_TOKEN", ADMIN_TOKEN)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("python");
    assert_success("pygithub.py", &output);
}

#[test]
fn github_gh_plain_http() {
    let _cell = Cell::new("forge-cli", "github", "gh-proxy", "gh 2.103");
    let server = start(&[]);
    let gh = gh();
    let token = user_with_token(&server, "octo", &["repo", "read:org", "delete_repo"]);
    let sandbox = gh_sandbox(&server, &token);
    // GH_TOKEN is offered to github.com too, which is out of reach: ask about our host only.
    let status = ok(
        &sandbox,
        &gh,
        &["auth", "status", "--hostname", "github.localhost"],
    );
    assert!(
        status.contains("Logged in to github.localhost account octo"),
        "{status}"
    );
    assert!(status.contains("'repo'"), "{status}");
    assert_eq!(
        ok(&sandbox, &gh, &["api", "user", "--jq", ".login"]).trim(),
        "octo"
    );
    ok(
        &sandbox,
        &gh,
        &["api", "-X", "POST", "user/repos", "-f", "name=hello"],
    );
    for n in 0..5 {
        ok(
            &sandbox,
            &gh,
            &[
                "api",
                "repos/octo/hello/issues",
                "-f",
                &format!("title=t{n}"),
            ],
        );
    }
    // --paginate follows Link headers: five issues at two a page, each exactly once.
    let numbers = ok(
        &sandbox,
        &gh,
        &[
            "api",
            "--paginate",
            "repos/octo/hello/issues?per_page=2",
            "--jq",
            ".[].number",
        ],
    );
    assert_eq!(
        numbers.split_whitespace().collect::<Vec<_>>(),
        ["5", "4", "3", "2", "1"]
    );
    let missing = run(&sandbox, &gh, &["api", "repos/octo/nope"]);
    assert!(!missing.status.success());
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("Not Found (HTTP 404)"),
        "{missing:?}"
    );
    // gh's own verbs, through GraphQL: create, list and view repositories, open and list issues.
    let created = ok(
        &sandbox,
        &gh,
        &[
            "repo",
            "create",
            "demo",
            "--public",
            "--description",
            "A demo",
        ],
    );
    assert!(
        created.contains("http://github.localhost/octo/demo"),
        "{created}"
    );
    let listed = ok(&sandbox, &gh, &["repo", "list"]);
    assert!(listed.contains("octo/demo\tA demo\tpublic"), "{listed}");
    let viewed = ok(&sandbox, &gh, &["repo", "view", "octo/demo"]);
    assert!(
        viewed.contains("name:\tocto/demo") && viewed.contains("description:\tA demo"),
        "{viewed}"
    );
    let issue = ok(
        &sandbox,
        &gh,
        &[
            "issue",
            "create",
            "-R",
            "octo/demo",
            "--title",
            "First",
            "--body",
            "hello",
        ],
    );
    assert_eq!(issue.trim(), "http://github.localhost/octo/demo/issues/1");
    let issues = ok(&sandbox, &gh, &["issue", "list", "-R", "octo/demo"]);
    assert!(issues.starts_with("1\tOPEN\tFirst"), "{issues}");
    // GraphQL, as gh sends it.
    let login = ok(
        &sandbox,
        &gh,
        &[
            "api",
            "graphql",
            "-f",
            "query={viewer{login}}",
            "--jq",
            ".data.viewer.login",
        ],
    );
    assert_eq!(login.trim(), "octo");
}

#[test]
fn github_gh_enterprise_https() {
    let _cell = Cell::new("forge-cli", "github", "gh-enterprise", "gh 2.103");
    let ca_dir = tempfile::tempdir().expect("temp dir");
    let ca = ca_dir.path().join("ca.pem");
    let server = start(&["--ca-out", ca.to_str().expect("UTF-8 path")]);
    let gh = gh();
    let token = user_with_token(&server, "enterprise-user", &["repo"]);
    let mut sandbox = Sandbox::new();
    let host = format!("localhost:{}", server.port("github"));
    let config = sandbox.path().join("gh-config");
    sandbox.set("GH_HOST", &host);
    sandbox.set("GH_ENTERPRISE_TOKEN", &token);
    sandbox.set("GH_CONFIG_DIR", config.to_str().expect("UTF-8 path"));
    sandbox.set("SSL_CERT_FILE", ca.to_str().expect("UTF-8 path"));
    sandbox.set("GH_PROMPT_DISABLED", "1");
    let status = ok(&sandbox, &gh, &["auth", "status"]);
    assert!(
        status.contains(&format!("Logged in to {host} account enterprise-user")),
        "{status}"
    );
    let user = ok(&sandbox, &gh, &["api", "user", "--jq", ".url"]);
    assert_eq!(
        user.trim(),
        format!("https://{host}/api/v3/users/enterprise-user")
    );
}

#[test]
fn github_git_http() {
    let _cell = Cell::new("forge-git", "github", "git-http", "git");
    let state = tempfile::tempdir().expect("state dir");
    let state_dir = state.path().join("state");
    let state_arg = state_dir.to_str().expect("UTF-8 path").to_string();
    let server = start(&["--state-dir", &state_arg]);
    let token = user_with_token(&server, "pusher", &["repo"]);
    let reader = user_with_token(&server, "reader", &["repo"]);
    let sandbox = Sandbox::new();
    let git = clients::find("git");
    let base = server.url("github").to_string();
    let authed =
        |who: &str, token: &str| base.replacen("http://", &format!("http://{who}:{token}@"), 1);
    // An empty private repository, made through the REST API.
    let python = py();
    let create = format!(
        "import json, urllib.request as u\n\
         r = u.Request('{base}/api/v3/user/repos', data=json.dumps({{'name': 'code', 'private': True}}).encode(), headers={{'Authorization': 'token {token}'}}, method='POST')\n\
         print(json.load(u.urlopen(r))['clone_url'])\n"
    );
    let output = Command::new(&python)
        .args(["-c", &create])
        .output()
        .expect("python");
    assert_success("create repository", &output);
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        format!("{base}/pusher/code.git")
    );

    let work = sandbox.path().join("work");
    let work_arg = work.to_str().expect("UTF-8 path");
    let remote = format!("{}/pusher/code.git", authed("x-access-token", &token));
    ok(&sandbox, &git, &["init", "-q", "-b", "trunk", work_arg]);
    std::fs::write(work.join("README.md"), "hello from git\n").expect("write");
    ok(&sandbox, &git, &["-C", work_arg, "add", "README.md"]);
    ok(
        &sandbox,
        &git,
        &[
            "-C",
            work_arg,
            "-c",
            "user.name=P",
            "-c",
            "user.email=p@example.com",
            "commit",
            "-qm",
            "first",
        ],
    );
    ok(
        &sandbox,
        &git,
        &["-C", work_arg, "push", "-q", &remote, "trunk"],
    );
    let pushed = ok(&sandbox, &git, &["-C", work_arg, "rev-parse", "HEAD"]);

    // The API shows the push: the first branch pushed to an empty repository is its default.
    let check = format!(
        "import json, urllib.request as u\n\
         h = {{'Authorization': 'token {token}'}}\n\
         repo = json.load(u.urlopen(u.Request('{base}/api/v3/repos/pusher/code', headers=h)))\n\
         assert repo['default_branch'] == 'trunk', repo['default_branch']\n\
         assert repo['pushed_at'], repo\n\
         q = {{'query': '{{ repository(owner: \"pusher\", name: \"code\") {{ defaultBranchRef {{ name target {{ ... on Commit {{ oid }} }} }} isEmpty }} }}'}}\n\
         r = u.Request('{base}/api/graphql', data=json.dumps(q).encode(), headers=h, method='POST')\n\
         print(json.load(u.urlopen(r))['data']['repository']['defaultBranchRef']['target']['oid'])\n"
    );
    let output = Command::new(&python)
        .args(["-c", &check])
        .output()
        .expect("python");
    assert_success("read back the push", &output);
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        pushed.trim()
    );

    // Anonymous clients are asked for credentials; a stranger is told it does not exist.
    let anonymous = run(
        &sandbox,
        &git,
        &["clone", "-q", &format!("{base}/pusher/code.git"), "anon"],
    );
    assert!(!anonymous.status.success());
    let stranger = run(
        &sandbox,
        &git,
        &[
            "clone",
            "-q",
            &format!("{}/pusher/code.git", authed("reader", &reader)),
            "stranger",
        ],
    );
    assert!(!stranger.status.success());
    assert!(
        String::from_utf8_lossy(&stranger.stderr).contains("Repository not found."),
        "{stranger:?}"
    );

    // A clone with the token gets the same bytes, after a restart from the state directory.
    drop(server);
    let server = start(&["--state-dir", &state_arg]);
    let base = server.url("github").to_string();
    let clone = sandbox.path().join("clone");
    let remote = format!(
        "{}/pusher/code.git",
        base.replacen("http://", &format!("http://x:{token}@"), 1)
    );
    ok(
        &sandbox,
        &git,
        &["clone", "-q", &remote, clone.to_str().expect("UTF-8 path")],
    );
    assert_eq!(
        std::fs::read_to_string(clone.join("README.md")).expect("read"),
        "hello from git\n"
    );
}

/// Runs a PyGithub scenario from `clients/github` against `server`; its stdout.
fn scenario(server: &Sockerless, name: &str) -> String {
    scenario_with(server, name, &[])
}

fn scenario_with(server: &Sockerless, name: &str, env: &[(&str, &str)]) -> String {
    let script = conformance::clients_dir().join("github").join(name);
    let output = Command::new(py())
        .arg(&script)
        .envs(env.iter().copied())
        .env("BLEEPHUB_URL", server.url("github"))
        .env("BLEEPHUB_ADMIN_TOKEN", ADMIN_TOKEN)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("python");
    assert_success(name, &output);
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn github_git_data_pygithub_and_git() {
    let _cell = Cell::new("forge-sdk", "github", "git-data", "PyGithub + git + gh");
    let server = start(&[]);
    let printed = scenario(&server, "gitdata.py");
    let mut lines = printed.lines();
    let head = lines.next().expect("head sha").to_string();
    let remote = lines.next().expect("clone URL").to_string();
    // What the API wrote is what git fetches: the head commit and the bytes of its files.
    let sandbox = Sandbox::new();
    let git = clients::find("git");
    let clone = sandbox.path().join("clone");
    let clone_arg = clone.to_str().expect("UTF-8 path");
    ok(&sandbox, &git, &["clone", "-q", &remote, clone_arg]);
    assert_eq!(
        ok(&sandbox, &git, &["-C", clone_arg, "rev-parse", "HEAD"]).trim(),
        head
    );
    assert_eq!(
        std::fs::read(clone.join("bin/blob.dat")).expect("read"),
        b"v2\n"
    );
    assert_eq!(
        std::fs::read_to_string(clone.join("deep/down/file.txt")).expect("read"),
        "made by git data\n"
    );
    assert_eq!(
        ok(&sandbox, &git, &["-C", clone_arg, "cat-file", "-t", "v1.0"]).trim(),
        "tag"
    );
    // A push is what the API then shows: contents at the new head, and a commit listing.
    std::fs::write(clone.join("pushed.txt"), "from git\n").expect("write");
    ok(&sandbox, &git, &["-C", clone_arg, "add", "pushed.txt"]);
    ok(
        &sandbox,
        &git,
        &[
            "-C",
            clone_arg,
            "-c",
            "user.name=Dev",
            "-c",
            "user.email=dev@example.com",
            "commit",
            "-qm",
            "pushed by git",
        ],
    );
    ok(
        &sandbox,
        &git,
        &["-C", clone_arg, "push", "-q", "origin", "main"],
    );
    let pushed = ok(&sandbox, &git, &["-C", clone_arg, "rev-parse", "HEAD"]);
    let token = remote
        .split_once("x-access-token:")
        .and_then(|(_, rest)| rest.split_once('@'))
        .map(|(token, _)| token.to_string())
        .expect("token in the clone URL");
    let gh = gh();
    let gh_sandbox = gh_sandbox(&server, &token);
    let content = ok(
        &gh_sandbox,
        &gh,
        &[
            "api",
            "repos/dev/data/contents/pushed.txt",
            "--jq",
            ".content",
        ],
    );
    assert_eq!(content.trim(), "ZnJvbSBnaXQK");
    let listed = ok(
        &gh_sandbox,
        &gh,
        &[
            "api",
            "repos/dev/data/commits?per_page=1",
            "--jq",
            ".[0].sha",
        ],
    );
    assert_eq!(listed.trim(), pushed.trim());
}

#[test]
fn github_pull_requests_git_and_pygithub() {
    let _cell = Cell::new(
        "forge-sdk",
        "github",
        "pull-requests",
        "git + PyGithub + gh",
    );
    let server = start(&[]);
    let token = user_with_token(&server, "maint", &["repo"]);
    let gh = gh();
    let gh_sandbox = gh_sandbox(&server, &token);
    ok(
        &gh_sandbox,
        &gh,
        &[
            "api",
            "-X",
            "POST",
            "user/repos",
            "-f",
            "name=proj",
            "-F",
            "auto_init=true",
        ],
    );
    // Two branches pushed with git: "feature" (two commits) and "other", which adds the same
    // file differently (it will conflict once "feature" is merged).
    let sandbox = Sandbox::new();
    let git = clients::find("git");
    let work = sandbox.path().join("work");
    let work_arg = work.to_str().expect("UTF-8 path");
    let remote = format!(
        "{}/maint/proj.git",
        server
            .url("github")
            .replacen("http://", &format!("http://x-access-token:{token}@"), 1)
    );
    ok(&sandbox, &git, &["clone", "-q", &remote, work_arg]);
    let commit = |branch: &str, file: &str, text: &str, message: &str| {
        std::fs::write(work.join(file), text).expect("write");
        ok(&sandbox, &git, &["-C", work_arg, "add", file]);
        ok(
            &sandbox,
            &git,
            &[
                "-C",
                work_arg,
                "-c",
                "user.name=M",
                "-c",
                "user.email=m@example.com",
                "commit",
                "-qm",
                message,
            ],
        );
        ok(
            &sandbox,
            &git,
            &["-C", work_arg, "push", "-q", "origin", branch],
        );
    };
    ok(
        &sandbox,
        &git,
        &["-C", work_arg, "checkout", "-q", "-b", "feature"],
    );
    commit("feature", "feature.txt", "feature\n", "feature");
    commit("feature", "more.txt", "more\n", "more");
    ok(
        &sandbox,
        &git,
        &[
            "-C",
            work_arg,
            "checkout",
            "-q",
            "-b",
            "other",
            "origin/main",
        ],
    );
    commit("other", "feature.txt", "other\n", "other");

    let merged = scenario_with(&server, "pulls.py", &[("OWNER_TOKEN", &token)]);
    let merged = merged.trim();
    // The squash merge is a real commit on main that git fetches, with the feature's files.
    ok(&sandbox, &git, &["-C", work_arg, "fetch", "-q", "origin"]);
    assert_eq!(
        ok(
            &sandbox,
            &git,
            &["-C", work_arg, "rev-parse", "origin/main"]
        )
        .trim(),
        merged
    );
    assert_eq!(
        ok(
            &sandbox,
            &git,
            &["-C", work_arg, "show", "origin/main:more.txt"]
        ),
        "more\n"
    );
    // refs/pull/N/head is fetchable, as gh pr checkout fetches it.
    ok(
        &sandbox,
        &git,
        &[
            "-C",
            work_arg,
            "fetch",
            "-q",
            "origin",
            "refs/pull/3/head:pr3",
        ],
    );
    assert_eq!(
        ok(&sandbox, &git, &["-C", work_arg, "show", "pr3:feature.txt"]),
        "other\n"
    );
    let state = ok(
        &gh_sandbox,
        &gh,
        &[
            "api",
            "repos/maint/proj/pulls/2",
            "--jq",
            "[.merged, .merge_commit_sha] | @tsv",
        ],
    );
    assert_eq!(state.trim(), format!("true\t{merged}"));
}

/// `ok` with the client run inside `dir` (gh finds the repository from the clone's remote).
fn ok_in(sandbox: &Sandbox, dir: &Path, program: &Path, args: &[&str]) -> String {
    let mut command = sandbox.command(program);
    for key in ["HTTP_PROXY", "http_proxy"] {
        if let Some(value) = sandbox.env().get(key) {
            command.env(key, value);
        }
    }
    let output = command
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run client");
    assert_success(
        &format!("{} {}", program.display(), args.join(" ")),
        &output,
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn github_gh_pull_requests_and_issues_over_graphql() {
    let _cell = Cell::new("forge-cli", "github", "gh-pr-graphql", "gh 2.103 + git");
    let server = start(&[]);
    let gh = gh();
    let git = clients::find("git");
    let token = user_with_token(&server, "octo", &["repo", "read:org"]);
    let sandbox = gh_sandbox(&server, &token);
    ok(
        &sandbox,
        &gh,
        &[
            "api",
            "-X",
            "POST",
            "user/repos",
            "-f",
            "name=proj",
            "-F",
            "auto_init=true",
        ],
    );
    // A clone whose remote is github.localhost (through the fake as proxy), as gh expects.
    let work = sandbox.path().join("work");
    let work_arg = work.to_str().expect("UTF-8 path");
    let remote = format!("http://x-access-token:{token}@github.localhost/octo/proj.git");
    ok(&sandbox, &git, &["clone", "-q", &remote, work_arg]);
    let commit_on = |branch: &str, start: &str, file: &str, text: &str| {
        ok(
            &sandbox,
            &git,
            &["-C", work_arg, "checkout", "-q", "-B", branch, start],
        );
        std::fs::write(work.join(file), text).expect("write");
        ok(&sandbox, &git, &["-C", work_arg, "add", file]);
        ok(
            &sandbox,
            &git,
            &[
                "-C",
                work_arg,
                "-c",
                "user.name=O",
                "-c",
                "user.email=o@example.com",
                "commit",
                "-qm",
                &format!("add {file}\n\nwhy {file}"),
            ],
        );
        ok(
            &sandbox,
            &git,
            &["-C", work_arg, "push", "-q", "origin", branch],
        );
    };
    commit_on("feature", "origin/main", "feature.txt", "one\ntwo\n");
    commit_on("other", "origin/main", "other.txt", "other\n");

    let created = ok_in(
        &sandbox,
        &work,
        &gh,
        &[
            "pr", "create", "--title", "Feature", "--body", "Adds it", "--base", "main", "--head",
            "feature",
        ],
    );
    assert_eq!(created.trim(), "http://github.localhost/octo/proj/pull/1");
    ok_in(
        &sandbox,
        &work,
        &gh,
        &[
            "pr", "create", "--title", "Other", "--body", "x", "--base", "main", "--head", "other",
        ],
    );
    // The numbers are shared with issues.
    let issue = ok(
        &sandbox,
        &gh,
        &[
            "issue",
            "create",
            "-R",
            "octo/proj",
            "--title",
            "Bug",
            "--body",
            "broken",
        ],
    );
    assert_eq!(issue.trim(), "http://github.localhost/octo/proj/issues/3");

    // Listing: the open pull requests, newest first, and none of the issues.
    let listed = ok(
        &sandbox,
        &gh,
        &[
            "pr",
            "list",
            "-R",
            "octo/proj",
            "--json",
            "number,title,headRefName,state",
            "--jq",
            ".[] | [.number, .title, .headRefName, .state] | @tsv",
        ],
    );
    assert_eq!(listed, "2\tOther\tother\tOPEN\n1\tFeature\tfeature\tOPEN\n");
    // One per page, through GraphQL's cursors: each pull request exactly once.
    let paged = ok(
        &sandbox,
        &gh,
        &[
            "api",
            "graphql",
            "--paginate",
            "-f",
            "query=query($endCursor: String) { repository(owner: \"octo\", name: \"proj\") { pullRequests(first: 1, after: $endCursor) { totalCount nodes { number } pageInfo { hasNextPage endCursor } } } }",
            "--jq",
            ".data.repository.pullRequests.nodes[].number",
        ],
    );
    assert_eq!(paged, "1\n2\n");

    // What view reads comes from git: the change's size, files and commits.
    let viewed = ok(
        &sandbox,
        &gh,
        &[
            "pr",
            "view",
            "1",
            "-R",
            "octo/proj",
            "--json",
            "title,body,state,mergeable,additions,deletions,changedFiles,files,commits,author,baseRefName",
            "--jq",
            "[.title, .body, .state, .mergeable, .additions, .deletions, .changedFiles, .files[0].path, .commits[0].messageHeadline, .commits[0].messageBody, .author.login, .baseRefName] | @tsv",
        ],
    );
    assert_eq!(
        viewed,
        "Feature\tAdds it\tOPEN\tMERGEABLE\t2\t0\t1\tfeature.txt\tadd feature.txt\twhy feature.txt\tocto\tmain\n"
    );
    // Search, as `--author` and `--search` use it: the caller's pull requests, and words.
    let mine = ok(
        &sandbox,
        &gh,
        &[
            "pr",
            "list",
            "-R",
            "octo/proj",
            "--author",
            "@me",
            "--json",
            "number",
            "--jq",
            "[.[].number] | @csv",
        ],
    );
    assert_eq!(mine, "2,1\n");
    let worded = ok(
        &sandbox,
        &gh,
        &[
            "pr",
            "list",
            "-R",
            "octo/proj",
            "--search",
            "Adds",
            "--json",
            "number",
            "--jq",
            "[.[].number] | @csv",
        ],
    );
    assert_eq!(worded, "1\n");
    let status = ok_in(&sandbox, &work, &gh, &["pr", "status"]);
    assert!(status.contains("Created by you"), "{status}");
    assert!(status.contains("Feature [feature]"), "{status}");
    let human = ok(&sandbox, &gh, &["pr", "view", "1", "-R", "octo/proj"]);
    assert!(human.contains("Feature"), "{human}");
    assert!(human.contains("Adds it"), "{human}");

    // GitHub refuses approving one's own pull request; a comment review is accepted.
    let refused = run(
        &sandbox,
        &gh,
        &["pr", "review", "1", "-R", "octo/proj", "--approve"],
    );
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("GraphQL: Can not approve your own pull request (addPullRequestReview)"),
        "{stderr}"
    );
    ok(
        &sandbox,
        &gh,
        &[
            "pr",
            "review",
            "1",
            "-R",
            "octo/proj",
            "--comment",
            "--body",
            "Looks right",
        ],
    );
    let reviews = ok(
        &sandbox,
        &gh,
        &[
            "pr",
            "view",
            "1",
            "-R",
            "octo/proj",
            "--json",
            "reviews",
            "--jq",
            ".reviews[] | [.author.login, .state, .body] | @tsv",
        ],
    );
    assert_eq!(reviews, "octo\tCOMMENTED\tLooks right\n");

    // Checkout fetches the pull request's head into a local branch.
    ok_in(&sandbox, &work, &git, &["checkout", "-q", "main"]);
    ok_in(&sandbox, &work, &gh, &["pr", "checkout", "1"]);
    assert_eq!(
        ok_in(&sandbox, &work, &git, &["show", "HEAD:feature.txt"]),
        "one\ntwo\n"
    );

    // Close and reopen, seen by the REST API too.
    ok(&sandbox, &gh, &["pr", "close", "2", "-R", "octo/proj"]);
    let state = |number: &str| {
        ok(
            &sandbox,
            &gh,
            &[
                "api",
                &format!("repos/octo/proj/pulls/{number}"),
                "--jq",
                "[.state, .merged] | @tsv",
            ],
        )
    };
    assert_eq!(state("2"), "closed\tfalse\n");
    ok(&sandbox, &gh, &["pr", "reopen", "2", "-R", "octo/proj"]);
    assert_eq!(state("2"), "open\tfalse\n");

    // Merge: a real merge commit on main whose second parent is the feature's head.
    let feature_head = ok(
        &sandbox,
        &git,
        &["-C", work_arg, "rev-parse", "origin/feature"],
    );
    ok(
        &sandbox,
        &gh,
        &["pr", "merge", "1", "-R", "octo/proj", "--merge"],
    );
    ok(&sandbox, &git, &["-C", work_arg, "fetch", "-q", "origin"]);
    let parents = ok(
        &sandbox,
        &git,
        &[
            "-C",
            work_arg,
            "rev-list",
            "--parents",
            "-n",
            "1",
            "origin/main",
        ],
    );
    let parents: Vec<&str> = parents.split_whitespace().collect();
    assert_eq!(parents.len(), 3, "{parents:?}");
    assert_eq!(parents[2], feature_head.trim());
    let merged = ok(
        &sandbox,
        &gh,
        &[
            "pr",
            "view",
            "1",
            "-R",
            "octo/proj",
            "--json",
            "state,mergeCommit,mergedBy",
            "--jq",
            "[.state, .mergeCommit.oid, .mergedBy.login] | @tsv",
        ],
    );
    assert_eq!(merged, format!("MERGED\t{}\tocto\n", parents[0]));
    // Pull request 2 now conflicts with nothing; it stays open and mergeable.
    assert_eq!(
        ok(
            &sandbox,
            &gh,
            &[
                "pr",
                "view",
                "2",
                "-R",
                "octo/proj",
                "--json",
                "mergeable",
                "--jq",
                ".mergeable"
            ],
        ),
        "MERGEABLE\n"
    );

    // Issues through the same GraphQL: comment, view, close.
    ok(
        &sandbox,
        &gh,
        &[
            "issue",
            "comment",
            "3",
            "-R",
            "octo/proj",
            "--body",
            "Seen it",
        ],
    );
    let issue_view = ok(
        &sandbox,
        &gh,
        &[
            "issue",
            "view",
            "3",
            "-R",
            "octo/proj",
            "--json",
            "title,body,state,comments",
            "--jq",
            "[.title, .body, .state, .comments[0].body, .comments[0].author.login] | @tsv",
        ],
    );
    assert_eq!(issue_view, "Bug\tbroken\tOPEN\tSeen it\tocto\n");
    let human = ok(&sandbox, &gh, &["issue", "view", "3", "-R", "octo/proj"]);
    assert!(human.contains("broken"), "{human}");
    ok(&sandbox, &gh, &["issue", "close", "3", "-R", "octo/proj"]);
    assert_eq!(
        ok(
            &sandbox,
            &gh,
            &[
                "api",
                "repos/octo/proj/issues/3",
                "--jq",
                "[.state, .state_reason] | @tsv"
            ],
        ),
        "closed\tcompleted\n"
    );
}

#[test]
fn github_webhooks_pygithub_and_git() {
    let _cell = Cell::new("forge-sdk", "github", "webhooks", "PyGithub + git");
    let server = start(&[]);
    let git = clients::find("git");
    let path = format!(
        "{}:{}",
        git.parent().expect("git's directory").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let printed = scenario_with(&server, "webhooks.py", &[("PATH", &path)]);
    assert!(printed.contains("webhooks ok"), "{printed}");
}

#[test]
fn github_gh_releases() {
    let _cell = Cell::new("forge-cli", "github", "releases", "gh 2.103");
    let server = start(&[]);
    let gh = gh();
    let demo =
        conformance::github::demo_repo(&server, "rel", "tools", &["repo", "read:org"], false);
    let sandbox = demo.sandbox;
    let files = sandbox.path().join("files");
    std::fs::create_dir_all(&files).expect("mkdir");
    // Bytes that no text handling would leave alone: every byte value, in a varying pattern.
    let binary: Vec<u8> = (0..300_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let binary_path = files.join("tool-linux-amd64.bin");
    std::fs::write(&binary_path, &binary).expect("write");
    let notes_path = files.join("NOTES.txt");
    std::fs::write(&notes_path, "release notes\n").expect("write");
    let repo = ["--repo", "rel/tools"];

    // Created with two assets: gh makes a draft, uploads to the upload_url, then publishes.
    let mut create = vec![
        "release",
        "create",
        "v1.0.0",
        binary_path.to_str().expect("UTF-8 path"),
        notes_path.to_str().expect("UTF-8 path"),
        "--title",
        "Tools 1.0",
        "--notes",
        "First release",
    ];
    create.extend_from_slice(&repo);
    let url = ok(&sandbox, &gh, &create);
    assert!(
        url.trim().ends_with("/rel/tools/releases/tag/v1.0.0"),
        "{url}"
    );
    // The tag was made from the default branch's head.
    let head = ok(
        &sandbox,
        &gh,
        &[
            "api",
            "repos/rel/tools/git/ref/heads/main",
            "--jq",
            ".object.sha",
        ],
    );
    let tag = ok(
        &sandbox,
        &gh,
        &[
            "api",
            "repos/rel/tools/git/ref/tags/v1.0.0",
            "--jq",
            ".object.sha",
        ],
    );
    assert_eq!(tag.trim(), head.trim());

    let mut view = vec![
        "release",
        "view",
        "v1.0.0",
        "--json",
        "name,tagName,body,isDraft,assets",
        "--jq",
        "[.name, .tagName, .body, (.isDraft|tostring), (.assets|map(.name + \":\" + (.size|tostring))|sort|join(\",\"))]|join(\"|\")",
    ];
    view.extend_from_slice(&repo);
    assert_eq!(
        ok(&sandbox, &gh, &view).trim(),
        "Tools 1.0|v1.0.0|First release|false|NOTES.txt:14,tool-linux-amd64.bin:300000"
    );

    // Downloaded bytes are the uploaded bytes.
    let out = sandbox.path().join("out");
    let mut download = vec![
        "release",
        "download",
        "v1.0.0",
        "--dir",
        out.to_str().expect("UTF-8 path"),
    ];
    download.extend_from_slice(&repo);
    ok(&sandbox, &gh, &download);
    assert!(
        std::fs::read(out.join("tool-linux-amd64.bin")).expect("downloaded") == binary,
        "the downloaded binary differs from the uploaded one"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("NOTES.txt")).expect("downloaded"),
        "release notes\n"
    );

    // A prerelease does not become the latest; the list (GraphQL) says which is.
    let mut pre = vec![
        "release",
        "create",
        "v1.1.0-rc1",
        "--prerelease",
        "--notes",
        "candidate",
    ];
    pre.extend_from_slice(&repo);
    ok(&sandbox, &gh, &pre);
    assert_eq!(
        ok(
            &sandbox,
            &gh,
            &[
                "api",
                "repos/rel/tools/releases/latest",
                "--jq",
                ".tag_name"
            ]
        )
        .trim(),
        "v1.0.0"
    );
    let mut list = vec!["release", "list"];
    list.extend_from_slice(&repo);
    let listed = ok(&sandbox, &gh, &list);
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(lines.len(), 2, "{listed}");
    assert!(
        lines[0].contains("v1.1.0-rc1") && lines[0].contains("Pre-release"),
        "{listed}"
    );
    assert!(
        lines[1].contains("Tools 1.0") && lines[1].contains("Latest"),
        "{listed}"
    );

    // An asset and a release deleted, the release's tag with it.
    let mut delete_asset = vec!["release", "delete-asset", "v1.0.0", "NOTES.txt", "--yes"];
    delete_asset.extend_from_slice(&repo);
    ok(&sandbox, &gh, &delete_asset);
    assert_eq!(
        ok(
            &sandbox,
            &gh,
            &[
                "api",
                "repos/rel/tools/releases/tags/v1.0.0",
                "--jq",
                ".assets|length"
            ]
        )
        .trim(),
        "1"
    );
    let mut delete = vec!["release", "delete", "v1.1.0-rc1", "--yes", "--cleanup-tag"];
    delete.extend_from_slice(&repo);
    ok(&sandbox, &gh, &delete);
    let gone = run(
        &sandbox,
        &gh,
        &["api", "repos/rel/tools/releases/tags/v1.1.0-rc1"],
    );
    assert!(!gone.status.success());
    assert!(
        String::from_utf8_lossy(&gone.stdout).contains("\"message\":\"Not Found\""),
        "{gone:?}"
    );
    let tag_gone = run(
        &sandbox,
        &gh,
        &["api", "repos/rel/tools/git/ref/tags/v1.1.0-rc1"],
    );
    assert!(!tag_gone.status.success(), "the tag was cleaned up");
}

/// GitHub Apps through PyGithub's GithubIntegration: the app's JWT and GitHub's 401s about it,
/// installations, `ghs_` tokens narrowed by permissions and repositories, what such a token
/// may write (check runs with `checks: write`, GitHub's 403 otherwise), and git with it.
#[test]
fn github_apps_pygithub() {
    let _cell = Cell::new("forge-sdk", "github", "apps", "PyGithub + git");
    let server = start(&[]);
    let out = scenario(&server, "apps.py");
    assert!(out.trim_end().ends_with("ok"), "{out}");
}

/// Collaborators (invited, accepted, given roles, removed), assignees, topics, milestones and
/// deploy keys through PyGithub, with GitHub's errors.
#[test]
fn github_collaborators_topics_milestones_pygithub() {
    let _cell = Cell::new("forge-sdk", "github", "collaborators", "PyGithub");
    let server = start(&[]);
    let out = scenario(&server, "collab.py");
    assert!(out.trim_end().ends_with("ok"), "{out}");
}

/// Review comments anchored to a pull request's real diff (lines on either side, ranges, whole
/// files, positions), GitHub's 422s for anchors off the diff, replies, reviews made with
/// comments and refused whole, the three listings, edits and deletes: PyGithub.
#[test]
fn github_review_comments_pygithub() {
    let _cell = Cell::new("forge-sdk", "github", "review-comments", "PyGithub");
    let server = start(&[]);
    let out = scenario(&server, "review_comments.py");
    assert!(out.trim_end().ends_with("ok"), "{out}");
}

/// Stars and watching: counts on the repository, stargazers with dates, a person's starred and
/// watched repositories, the creator watching, private repositories hidden: PyGithub.
#[test]
fn github_stars_and_watching_pygithub() {
    let _cell = Cell::new("forge-sdk", "github", "stars", "PyGithub");
    let server = start(&[]);
    let out = scenario(&server, "stars.py");
    assert!(out.trim_end().ends_with("ok"), "{out}");
}

/// Forks: branches and tags copied by git, `parent`/`source`, one fork per owner, `name-1`,
/// `default_branch_only`, organizations, the forks listed, pushes to a fork staying there:
/// PyGithub + git.
#[test]
fn github_forks_pygithub_and_git() {
    let _cell = Cell::new("forge-sdk", "github", "forks", "PyGithub + git");
    let server = start(&[]);
    let out = scenario(&server, "forks.py");
    assert!(out.trim_end().ends_with("ok"), "{out}");
}

/// Search: repositories, issues and pull requests, users, with GitHub's qualifiers, envelope,
/// pages and 422: PyGithub.
#[test]
fn github_search_pygithub() {
    let _cell = Cell::new("forge-sdk", "github", "search", "PyGithub");
    let server = start(&[]);
    let out = scenario(&server, "search.py");
    assert!(out.trim_end().ends_with("ok"), "{out}");
}

/// `gh auth login --web` through the OAuth device flow: gh asks for a device code, prints the
/// user code, and polls; the user approves the code (the admin API stands in for the browser);
/// gh stores the `gho_` token it is given, and `gh api user` then answers as that user with the
/// scopes gh asked for.
#[test]
fn github_gh_auth_login_device_flow() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::Stdio;

    let _cell = Cell::new("forge-cli", "github", "device-flow", "gh 2.103");
    let server = start(&[]);
    user_with_token(&server, "dana", &[]);
    let gh = gh();
    let mut sandbox = Sandbox::new();
    let proxy = server.url("github").to_string();
    let config = sandbox.path().join("gh-config");
    for (key, value) in [
        ("GH_CONFIG_DIR", config.to_str().expect("UTF-8 path")),
        ("GH_PROMPT_DISABLED", "1"),
        ("GH_NO_UPDATE_NOTIFIER", "1"),
        ("GH_BROWSER", "true"),
        ("NO_COLOR", "1"),
        ("HTTP_PROXY", &proxy),
        ("http_proxy", &proxy),
    ] {
        sandbox.set(key, value);
    }
    let mut command = sandbox.command(&gh);
    for key in ["GH_TOKEN", "GITHUB_TOKEN", "GH_ENTERPRISE_TOKEN", "GH_HOST"] {
        command.env_remove(key);
    }
    command.env("HTTP_PROXY", &proxy).env("http_proxy", &proxy);
    let mut login = command
        .args([
            "auth",
            "login",
            "--hostname",
            "github.localhost",
            "--web",
            "--git-protocol",
            "https",
            "--insecure-storage",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("gh auth login");
    let stderr = login.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let mut seen = Vec::new();
    let code = loop {
        let Some(Ok(line)) = lines.next() else {
            panic!("gh printed no one-time code: {seen:?}");
        };
        if let Some((_, code)) = line.split_once("one-time code: ") {
            break code.trim().to_string();
        }
        seen.push(line);
    };
    assert_eq!(code.len(), 9, "{code}");
    // gh waits for Enter before opening the browser.
    let mut stdin = login.stdin.take().expect("stdin");
    stdin.write_all(b"\n").expect("enter");
    drop(stdin);
    let approved = conformance::github::admin(
        &server,
        "device/approve",
        &format!(r#"{{"user_code": "{code}", "login": "dana"}}"#),
    );
    assert_eq!(approved["approved"], true);
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = login.wait().expect("gh auth login");
    assert!(status.success(), "gh auth login failed: {seen:?} {rest:?}");

    let mut sandbox_user = sandbox;
    sandbox_user.set("GH_HOST", "github.localhost");
    let user = ok(&sandbox_user, &gh, &["api", "user", "--jq", ".login"]);
    assert_eq!(user.trim(), "dana");
    let status = run(
        &sandbox_user,
        &gh,
        &["auth", "status", "--hostname", "github.localhost"],
    );
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&status.stdout),
        String::from_utf8_lossy(&status.stderr)
    );
    assert!(text.contains("dana"), "{text}");
    assert!(text.contains("repo") && text.contains("read:org"), "{text}");
}
