//! `sockerless runner github` running what GitHub's service hands out beyond `run:` steps,
//! seen through gh 2.103 and git:
//!
//! - `uses:` actions pushed into the fake: a composite action in another repository (with
//!   inputs, defaults and outputs), a JavaScript action run with the host's node (`INPUT_*`,
//!   `GITHUB_OUTPUT`), a local composite action (`./local`), and an action whose version does
//!   not exist (the job fails with GitHub's message); the repository tarball the runner
//!   downloads, read back through gh;
//! - secrets and variables set with `gh secret set` (sealed to the repository's public key)
//!   and `gh variable set`, reaching a job as `secrets.*` (masked as `***`) and `vars.*`
//!   (including a job-level `if:`), and GitHub's 422 for a bad secret name.
//!
//! Each line of `gh run view --log` is named by its job and step.

use std::time::Duration;

use conformance::{Cell, Sandbox, clients, wait_until};
use serde_json::Value;

use crate::github::{gh, gh_sandbox, ok, run, start, user_with_token};
use crate::github_actions::{commit_and_push, json};
use crate::github_runner::{start_runner, steps_of, wait_for_run};

const GREET: &str = r#"name: Greet
description: Says hello
inputs:
  who:
    description: whom to greet
    default: world
  punctuation:
    default: "!"
outputs:
  greeting:
    description: what was said
    value: ${{ steps.say.outputs.text }}
runs:
  using: composite
  steps:
    - id: say
      name: Say hello to ${{ inputs.who }}
      shell: bash
      run: |
        echo "Hello ${{ inputs.who }}${{ inputs.punctuation }} from $(basename "$GITHUB_ACTION_PATH")"
        echo "text=hello-${{ inputs.who }}" >> "$GITHUB_OUTPUT"
    - shell: sh
      run: echo "composite env sees $FROM_STEP"
"#;

const NODE_ACTION: &str = r#"name: Shout
inputs:
  name:
    required: true
runs:
  using: node20
  pre: pre.js
  main: index.js
  post: post.js
  post-if: success()
"#;

const NODE_MAIN: &str = r#"const fs = require('fs');
const name = process.env.INPUT_NAME;
console.log(`node says ${name} after ${process.env.STATE_from_pre}`);
fs.appendFileSync(process.env.GITHUB_OUTPUT, `shout=${name.toUpperCase()}\n`);
fs.appendFileSync(process.env.GITHUB_STATE, `from_main=main-saved\n`);
"#;

const NODE_PRE: &str = r#"const fs = require('fs');
console.log(`pre for ${process.env.INPUT_NAME}`);
fs.appendFileSync(process.env.GITHUB_STATE, `from_pre=pre-saved\n`);
"#;

const NODE_POST: &str = r#"console.log(`post sees ${process.env.STATE_from_pre} ${process.env.STATE_from_main} ${process.env.INPUT_NAME}`);
"#;

const LOCAL_ACTION: &str = r#"name: Local
outputs:
  out:
    value: ${{ steps.inner.outputs.value }}
runs:
  using: composite
  steps:
    - id: inner
      shell: bash
      run: |
        cat local/data.txt
        echo "value=local-out" >> "$GITHUB_OUTPUT"
"#;

const USES: &str = r#"name: Uses
on: push
jobs:
  use:
    runs-on: [self-hosted, sockerless]
    steps:
      - uses: actions/checkout@v4
      - id: greet
        uses: octo/tools/greet@v1
        env:
          FROM_STEP: the step env
        with:
          who: octocat
      - id: node
        uses: octo/tools@v1
        with:
          name: node-input
      - id: local
        uses: ./local
      - name: Outputs
        run: echo "outputs ${{ steps.greet.outputs.greeting }} ${{ steps.node.outputs.shout }} ${{ steps.local.outputs.out }}"
  missing:
    runs-on: [self-hosted, sockerless]
    steps:
      - run: echo never runs
      - uses: octo/tools@v9
  post-skipped:
    runs-on: [self-hosted, sockerless]
    steps:
      - uses: octo/tools@v1
        with:
          name: failing
      - run: exit 1
"#;

const SECRETS: &str = r#"name: Secrets
on: push
jobs:
  show:
    runs-on: [self-hosted, sockerless]
    if: vars.GREETING_VAR == 'hello-var-2'
    env:
      FROM_SECRET: ${{ secrets.MY_SECRET }}
    steps:
      - name: Echo both
        run: |
          echo "secret is ${{ secrets.MY_SECRET }} and env $FROM_SECRET"
          echo "variable is ${{ vars.GREETING_VAR }}"
  skipped:
    runs-on: [self-hosted, sockerless]
    if: vars.GREETING_VAR == 'something else'
    steps:
      - run: echo never
"#;

/// The first run of `workflow` in `repo` once it completes.
pub(crate) fn completed_run(
    gh_env: &Sandbox,
    gh: &std::path::Path,
    repo: &str,
    workflow: &str,
) -> (String, Value) {
    let id = wait_until(Duration::from_secs(30), || {
        let runs = json(&ok(
            gh_env,
            gh,
            &[
                "run",
                "list",
                "-R",
                repo,
                "--json",
                "databaseId,workflowName",
            ],
        ));
        runs.as_array()?
            .iter()
            .find(|r| r["workflowName"] == workflow)
            .and_then(|r| r["databaseId"].as_u64())
    })
    .unwrap_or_else(|| panic!("no {workflow} run in {repo}"))
    .to_string();
    let view = wait_for_run(gh_env, gh, repo, &id);
    (id, view)
}

pub(crate) fn registration(gh_env: &Sandbox, gh: &std::path::Path, repo: &str) -> String {
    ok(
        gh_env,
        gh,
        &[
            "api",
            "-X",
            "POST",
            &format!("repos/{repo}/actions/runners/registration-token"),
            "--jq",
            ".token",
        ],
    )
    .trim()
    .to_string()
}

pub(crate) fn remote(server: &conformance::Sockerless, token: &str, repo: &str) -> String {
    server
        .url("github")
        .replacen("http://", &format!("http://x-access-token:{token}@"), 1)
        + &format!("/{repo}.git")
}

/// Whether gh printed `text` on a line of `job`'s step `step`.
pub(crate) fn logged(log: &str, job: &str, step: &str, text: &str) -> bool {
    let prefix = format!("{job}\t{step}\t");
    log.lines()
        .any(|l| l.starts_with(&prefix) && l.contains(text))
}

#[test]
fn github_actions_runner_uses_actions() {
    let _cell = Cell::new(
        "forge-runner",
        "github",
        "actions-uses",
        "sockerless runner github + gh 2.103 + git + node",
    );
    let server = start(&[]);
    let gh = gh();
    let git = clients::find("git");
    let token = user_with_token(&server, "octo", &["repo", "workflow", "read:org"]);
    let gh_env = gh_sandbox(&server, &token);
    let git_env = Sandbox::new();
    for name in ["tools", "app"] {
        ok(
            &gh_env,
            &gh,
            &[
                "api",
                "-X",
                "POST",
                "user/repos",
                "-f",
                &format!("name={name}"),
            ],
        );
    }
    // The actions' repository, tagged v1.
    let tools = git_env.path().join("tools");
    let tools_arg = tools.to_str().expect("UTF-8");
    ok(&git_env, &git, &["init", "-q", "-b", "main", tools_arg]);
    commit_and_push(
        &git_env,
        &git,
        &tools,
        &[
            ("greet/action.yml", GREET),
            ("action.yml", NODE_ACTION),
            ("index.js", NODE_MAIN),
            ("pre.js", NODE_PRE),
            ("post.js", NODE_POST),
        ],
        "Add the actions",
        &remote(&server, &token, "octo/tools"),
    );
    ok(&git_env, &git, &["-C", tools_arg, "tag", "v1"]);
    ok(
        &git_env,
        &git,
        &[
            "-C",
            tools_arg,
            "push",
            "-q",
            &remote(&server, &token, "octo/tools"),
            "v1",
        ],
    );
    let sha = ok(&git_env, &git, &["-C", tools_arg, "rev-parse", "HEAD"]);

    // The tarball the runner downloads, as the REST API serves it (a redirect to codeload).
    let tarball = gh_env.path().join("tools.tar.gz");
    let bytes = run(&gh_env, &gh, &["api", "repos/octo/tools/tarball/v1"]);
    assert!(bytes.status.success(), "{bytes:?}");
    std::fs::write(&tarball, &bytes.stdout).expect("write tarball");
    let listing = ok(
        &gh_env,
        std::path::Path::new("/bin/tar"),
        &["-tzf", tarball.to_str().expect("UTF-8")],
    );
    let folder = format!("octo-tools-{}/", &sha.trim()[..7]);
    for entry in ["action.yml", "greet/action.yml", "index.js", "post.js"] {
        assert!(
            listing.lines().any(|l| l == format!("{folder}{entry}")),
            "{entry} under {folder}: {listing}"
        );
    }
    let missing = run(
        &gh_env,
        &gh,
        &["api", "repos/octo/tools/tarball/no-such-ref"],
    );
    assert!(!missing.status.success());
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("Not Found (HTTP 404)"),
        "{missing:?}"
    );

    let started = start_runner(&server, "octo/app", &registration(&gh_env, &gh, "octo/app"));
    let app = git_env.path().join("app");
    ok(
        &git_env,
        &git,
        &["init", "-q", "-b", "main", app.to_str().expect("UTF-8")],
    );
    commit_and_push(
        &git_env,
        &git,
        &app,
        &[
            (".github/workflows/uses.yml", USES),
            ("local/action.yml", LOCAL_ACTION),
            ("local/data.txt", "data from the checkout\n"),
        ],
        "Use actions",
        &remote(&server, &token, "octo/app"),
    );
    let (run_id, view) = completed_run(&gh_env, &gh, "octo/app", "Uses");
    let log = ok(
        &gh_env,
        &gh,
        &["run", "view", &run_id, "-R", "octo/app", "--log"],
    );
    let context = format!(
        "{view}\n{log}\n{}",
        std::fs::read_to_string(&started.log).unwrap_or_default()
    );
    let jobs = view["jobs"].as_array().expect("jobs");
    let job = |name: &str| {
        jobs.iter()
            .find(|j| j["name"] == name)
            .unwrap_or_else(|| panic!("no job {name}: {context}"))
    };
    assert_eq!(job("use")["conclusion"], "success", "{context}");
    assert_eq!(
        steps_of(job("use")),
        [
            ("Set up job".to_string(), "success".to_string()),
            ("Pre Run octo/tools@v1".into(), "success".into()),
            ("Run actions/checkout@v4".into(), "success".into()),
            ("Run octo/tools/greet@v1".into(), "success".into()),
            ("Run octo/tools@v1".into(), "success".into()),
            ("Run ./local".into(), "success".into()),
            ("Outputs".into(), "success".into()),
            ("Post Run octo/tools@v1".into(), "success".into()),
            ("Complete job".into(), "success".into()),
        ],
        "{context}"
    );
    for (step, text) in [
        ("Run octo/tools/greet@v1", "Hello octocat! from greet"),
        ("Run octo/tools/greet@v1", "composite env sees the step env"),
        ("Pre Run octo/tools@v1", "pre for node-input"),
        ("Run octo/tools@v1", "node says node-input after pre-saved"),
        (
            "Post Run octo/tools@v1",
            "post sees pre-saved main-saved node-input",
        ),
        ("Run ./local", "data from the checkout"),
        ("Outputs", "outputs hello-octocat NODE-INPUT local-out"),
    ] {
        assert!(logged(&log, "use", step, text), "{step}: {text}\n{context}");
    }
    assert!(
        logged(
            &log,
            "use",
            "Set up job",
            &format!(
                "Download action repository 'octo/tools@v1' (SHA:{})",
                sha.trim()
            )
        ),
        "{context}"
    );
    // An action whose version does not exist fails the job in "Set up job", before any step.
    assert_eq!(job("missing")["conclusion"], "failure", "{context}");
    assert!(
        logged(
            &log,
            "missing",
            "Set up job",
            "Unable to resolve action `octo/tools@v9`, unable to find version `v9`"
        ),
        "{context}"
    );
    assert_eq!(
        steps_of(job("missing")),
        [
            ("Set up job".to_string(), "failure".to_string()),
            ("Run echo never runs".into(), "skipped".into()),
            ("Run octo/tools@v9".into(), "skipped".into()),
            ("Complete job".into(), "success".into()),
        ],
        "{context}"
    );
    assert!(
        !logged(&log, "missing", "Run echo never runs", "never runs"),
        "{context}"
    );
    // `post-if: success()` does not hold after a failed step: no post step, as on GitHub.
    assert_eq!(
        steps_of(job("post-skipped")),
        [
            ("Set up job".to_string(), "success".to_string()),
            ("Pre Run octo/tools@v1".into(), "success".into()),
            ("Run octo/tools@v1".into(), "success".into()),
            ("Run exit 1".into(), "failure".into()),
            ("Complete job".into(), "success".into()),
        ],
        "{context}"
    );
    assert_eq!(view["conclusion"], "failure", "{context}");
}

#[test]
fn github_actions_runner_secrets_and_variables() {
    let _cell = Cell::new(
        "forge-runner",
        "github",
        "actions-secrets",
        "sockerless runner github + gh 2.103 + git",
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
        &["api", "-X", "POST", "user/repos", "-f", "name=demo"],
    );
    let repo = ["-R", "octo/demo"];
    let with_repo = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend_from_slice(&repo);
        ok(&gh_env, &gh, &all)
    };
    // gh seals the value to the repository's public key; the fake unseals it.
    with_repo(&["secret", "set", "MY_SECRET", "--body", "s3cr3t-value"]);
    with_repo(&["secret", "set", "other_secret", "--body", "second"]);
    with_repo(&["variable", "set", "GREETING_VAR", "--body", "hello-var"]);
    // Setting it again: POST answers 409, and gh then updates it.
    with_repo(&["variable", "set", "GREETING_VAR", "--body", "hello-var-2"]);
    let secrets = json(&with_repo(&["secret", "list", "--json", "name"]));
    assert_eq!(
        secrets,
        serde_json::json!([{"name": "MY_SECRET"}, {"name": "OTHER_SECRET"}]),
        "{secrets}"
    );
    let variables = json(&with_repo(&["variable", "list", "--json", "name,value"]));
    assert_eq!(
        variables,
        serde_json::json!([{"name": "GREETING_VAR", "value": "hello-var-2"}]),
        "{variables}"
    );
    let value = ok(
        &gh_env,
        &gh,
        &["api", "repos/octo/demo/actions/secrets/MY_SECRET"],
    );
    assert!(!value.contains("s3cr3t"), "{value}");
    let key = json(&ok(
        &gh_env,
        &gh,
        &["api", "repos/octo/demo/actions/secrets/public-key"],
    ));
    let bad = run(
        &gh_env,
        &gh,
        &[
            "api",
            "-X",
            "PUT",
            "repos/octo/demo/actions/secrets/1BAD",
            "-f",
            "encrypted_value=AAAA",
            "-f",
            &format!("key_id={}", key["key_id"].as_str().expect("key_id")),
        ],
    );
    assert!(
        String::from_utf8_lossy(&bad.stdout).contains(
            "Secret names can only contain alphanumeric characters ([a-z], [A-Z], [0-9]) or underscores (_)."
        ),
        "{bad:?}"
    );

    let started = start_runner(
        &server,
        "octo/demo",
        &registration(&gh_env, &gh, "octo/demo"),
    );
    let work = git_env.path().join("work");
    ok(
        &git_env,
        &git,
        &["init", "-q", "-b", "main", work.to_str().expect("UTF-8")],
    );
    commit_and_push(
        &git_env,
        &git,
        &work,
        &[(".github/workflows/secrets.yml", SECRETS)],
        "Use secrets",
        &remote(&server, &token, "octo/demo"),
    );
    let (run_id, view) = completed_run(&gh_env, &gh, "octo/demo", "Secrets");
    let log = ok(
        &gh_env,
        &gh,
        &["run", "view", &run_id, "-R", "octo/demo", "--log"],
    );
    let context = format!(
        "{view}\n{log}\n{}",
        std::fs::read_to_string(&started.log).unwrap_or_default()
    );
    assert_eq!(view["conclusion"], "success", "{context}");
    let conclusions: Vec<(String, String)> = view["jobs"]
        .as_array()
        .expect("jobs")
        .iter()
        .map(|j| {
            (
                j["name"].as_str().unwrap_or_default().to_string(),
                j["conclusion"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert!(
        conclusions.contains(&("show".into(), "success".into())),
        "{context}"
    );
    assert!(
        conclusions.contains(&("skipped".into(), "skipped".into())),
        "{context}"
    );
    assert!(
        logged(&log, "show", "Echo both", "secret is *** and env ***"),
        "{context}"
    );
    assert!(
        logged(&log, "show", "Echo both", "variable is hello-var-2"),
        "{context}"
    );
    assert!(!log.contains("s3cr3t-value"), "{context}");
}
