//! Workflow artifacts through the results service, as `actions/upload-artifact@v4` and
//! `download-artifact@v4` store and fetch them: the toolkit's `@actions/artifact` 6.2.1 (npm,
//! the library those actions are built on; the actions themselves live on GitHub, not in a
//! registry) driven from two local JavaScript actions that `sockerless runner github` runs with
//! the host's node. One job uploads a file (Twirp `CreateArtifact`, the Azure SDK's Put Block
//! and Put Block List to the signed URL, `FinalizeArtifact`), a job that `needs:` it downloads
//! it (`ListArtifacts`, `GetSignedArtifactURL`, GET), then gh 2.103 lists the run's artifacts
//! over REST, `gh run download` reads the file back, and a REST delete removes it.
//!
//! The cache likewise, as `actions/cache@v4` (`@actions/cache` 6.3.0, cache service v2) saves
//! and restores it: a first run misses and saves `deps-1`, a second run on the branch restores
//! it through the `deps-` restore key and saves `deps-2`.

use std::time::Duration;

use conformance::{Cell, Sandbox, clients, wait_until};

use crate::github::{gh, gh_sandbox, ok, start, user_with_token};
use crate::github_actions::{commit_and_push, json};
use crate::github_runner::{start_runner, wait_for_run};
use crate::github_runner_uses::{completed_run, logged, registration, remote};

const WORKFLOW: &str = r#"name: Artifacts
on: push
jobs:
  build:
    runs-on: [self-hosted, sockerless]
    steps:
      - uses: actions/checkout@v4
      - run: mkdir -p out && echo "built by the first job" > out/result.txt
      - name: Upload
        uses: ./upload
        with:
          toolkit: TOOLKIT
          name: result
          path: out/result.txt
  use:
    needs: build
    runs-on: [self-hosted, sockerless]
    steps:
      - uses: actions/checkout@v4
      - name: Download
        uses: ./download
        with:
          toolkit: TOOLKIT
          name: result
          path: got
      - name: Read back
        run: echo "read back -- $(cat got/result.txt)"
"#;

const ACTION: &str = r#"name: NAME
inputs:
  toolkit:
    required: true
  name:
    required: true
  path:
    required: true
runs:
  using: node20
  main: index.mjs
"#;

/// Both scripts import the library from the clients root. `@actions/artifact` refuses to run
/// against GitHub Enterprise Server (any host but github.com, `*.ghe.com` and `*.localhost`),
/// and the fake is reached as 127.0.0.1, so the scripts say github.com to that one check;
/// every request still goes to `ACTIONS_RESULTS_URL`, the fake. The upload is rooted at the
/// file's folder, as upload-artifact roots one file.
const UPLOAD: &str = r#"import { dirname, resolve } from 'node:path';
process.env.GITHUB_SERVER_URL = 'https://github.com';
const { DefaultArtifactClient } = await import(`${process.env.INPUT_TOOLKIT}/node_modules/@actions/artifact/lib/artifact.js`);
const client = new DefaultArtifactClient();
const file = resolve(process.env.INPUT_PATH);
const { id, size } = await client.uploadArtifact(process.env.INPUT_NAME, [file], dirname(file));
console.log(`uploaded artifact ${id} (${size} bytes)`);
"#;

const DOWNLOAD: &str = r#"import { resolve } from 'node:path';
process.env.GITHUB_SERVER_URL = 'https://github.com';
const { DefaultArtifactClient } = await import(`${process.env.INPUT_TOOLKIT}/node_modules/@actions/artifact/lib/artifact.js`);
const client = new DefaultArtifactClient();
const { artifacts } = await client.listArtifacts();
console.log(`listed ${artifacts.map(a => a.name).join(',')}`);
const { artifact } = await client.getArtifact(process.env.INPUT_NAME);
const { downloadPath } = await client.downloadArtifact(artifact.id, { path: resolve(process.env.INPUT_PATH) });
console.log(`downloaded artifact ${artifact.id} to ${downloadPath}`);
"#;

#[test]
fn github_actions_artifacts_upload_download() {
    let _cell = Cell::new(
        "forge-runner",
        "github",
        "actions-artifacts",
        "sockerless runner github + @actions/artifact 6.2.1 (node) + gh 2.103 + git",
    );
    let toolkit = clients::root().join("actions-toolkit");
    if !toolkit
        .join("node_modules/@actions/artifact/package.json")
        .exists()
    {
        panic!("client @actions/artifact missing: run scripts/setup");
    }
    let toolkit = toolkit.to_str().expect("UTF-8").to_string();
    let server = start(&[]);
    let gh = gh();
    let git = clients::find("git");
    let token = user_with_token(&server, "octo", &["repo", "workflow", "read:org"]);
    let gh_env = gh_sandbox(&server, &token);
    let git_env = Sandbox::new();
    ok(
        &gh_env,
        &gh,
        &["api", "-X", "POST", "user/repos", "-f", "name=app"],
    );
    let started = start_runner(&server, "octo/app", &registration(&gh_env, &gh, "octo/app"));
    let app = git_env.path().join("app");
    ok(
        &git_env,
        &git,
        &["init", "-q", "-b", "main", app.to_str().expect("UTF-8")],
    );
    let workflow = WORKFLOW.replace("TOOLKIT", &toolkit);
    commit_and_push(
        &git_env,
        &git,
        &app,
        &[
            (".github/workflows/artifacts.yml", &workflow),
            ("upload/action.yml", &ACTION.replace("NAME", "upload")),
            ("upload/index.mjs", UPLOAD),
            ("download/action.yml", &ACTION.replace("NAME", "download")),
            ("download/index.mjs", DOWNLOAD),
        ],
        "Artifacts",
        &remote(&server, &token, "octo/app"),
    );
    let (run_id, view) = completed_run(&gh_env, &gh, "octo/app", "Artifacts");
    let log = ok(
        &gh_env,
        &gh,
        &["run", "view", &run_id, "-R", "octo/app", "--log"],
    );
    let context = format!(
        "{view}\n{log}\n{}",
        std::fs::read_to_string(&started.log).unwrap_or_default()
    );
    assert_eq!(view["conclusion"], "success", "{context}");
    assert!(
        logged(&log, "build", "Upload", "uploaded artifact"),
        "{context}"
    );
    assert!(
        logged(&log, "use", "Download", "listed result"),
        "{context}"
    );
    assert!(
        logged(
            &log,
            "use",
            "Read back",
            "read back -- built by the first job"
        ),
        "{context}"
    );

    // The REST listing of the run's artifacts, as GitHub shows it.
    let listed = json(&ok(
        &gh_env,
        &gh,
        &[
            "api",
            &format!("repos/octo/app/actions/runs/{run_id}/artifacts"),
        ],
    ));
    assert_eq!(listed["total_count"], 1, "{listed}");
    let artifact = &listed["artifacts"][0];
    assert_eq!(artifact["name"], "result", "{listed}");
    assert_eq!(artifact["expired"], false, "{listed}");
    assert!(
        artifact["size_in_bytes"].as_u64().unwrap_or(0) > 0,
        "{listed}"
    );
    assert!(
        artifact["digest"]
            .as_str()
            .is_some_and(|d| d.starts_with("sha256:")),
        "{listed}"
    );
    assert_eq!(artifact["workflow_run"]["id"].to_string(), run_id);
    let id = artifact["id"].as_u64().expect("id");

    // `gh run download` follows the archive URL's redirect and unzips the file.
    let into = gh_env.path().join("downloaded");
    ok(
        &gh_env,
        &gh,
        &[
            "run",
            "download",
            &run_id,
            "-R",
            "octo/app",
            "-n",
            "result",
            "-D",
            into.to_str().expect("UTF-8"),
        ],
    );
    assert_eq!(
        std::fs::read_to_string(into.join("result.txt")).expect("result.txt"),
        "built by the first job\n"
    );

    // Deleted over REST, it is gone from the listings and its archive URL is a 404.
    ok(
        &gh_env,
        &gh,
        &[
            "api",
            "-X",
            "DELETE",
            &format!("repos/octo/app/actions/artifacts/{id}"),
        ],
    );
    let after = json(&ok(
        &gh_env,
        &gh,
        &["api", "repos/octo/app/actions/artifacts"],
    ));
    assert_eq!(after["total_count"], 0, "{after}");
    let gone = crate::github::run(
        &gh_env,
        &gh,
        &["api", &format!("repos/octo/app/actions/artifacts/{id}/zip")],
    );
    assert!(
        String::from_utf8_lossy(&gone.stderr).contains("Not Found (HTTP 404)"),
        "{gone:?}"
    );
}

const CACHE_WORKFLOW: &str = r#"name: Cache
on: push
jobs:
  deps:
    runs-on: [self-hosted, sockerless]
    steps:
      - uses: actions/checkout@v4
      - name: Cache
        uses: ./cache
        with:
          toolkit: TOOLKIT
          key: deps-${{ github.run_number }}
"#;

const CACHE_ACTION: &str = r#"name: cache
inputs:
  toolkit:
    required: true
  key:
    required: true
runs:
  using: node20
  main: index.mjs
"#;

/// Restores `deps` with the run's key or the `deps-` prefix, then saves it under the run's key,
/// as actions/cache does around a job (the same GitHub-host note as the artifact scripts).
const CACHE_MAIN: &str = r#"import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
process.env.GITHUB_SERVER_URL = 'https://github.com';
const cache = await import(`${process.env.INPUT_TOOLKIT}/node_modules/@actions/cache/lib/cache.js`);
const key = process.env.INPUT_KEY;
const hit = await cache.restoreCache(['deps'], key, ['deps-']);
if (hit) {
  console.log(`restored ${hit}: ${readFileSync('deps/marker.txt', 'utf8').trim()}`);
} else {
  console.log('cache miss');
}
mkdirSync('deps', { recursive: true });
writeFileSync('deps/marker.txt', `saved by ${key}\n`);
const id = await cache.saveCache(['deps'], key);
console.log(`saved ${key} as entry ${id}`);
"#;

#[test]
fn github_actions_cache_restore_keys() {
    let _cell = Cell::new(
        "forge-runner",
        "github",
        "actions-cache",
        "sockerless runner github + @actions/cache 6.3.0 (node) + gh 2.103 + git",
    );
    let toolkit = clients::root().join("actions-toolkit");
    if !toolkit
        .join("node_modules/@actions/cache/package.json")
        .exists()
    {
        panic!("client @actions/cache missing: run scripts/setup");
    }
    let toolkit = toolkit.to_str().expect("UTF-8").to_string();
    let server = start(&[]);
    let gh = gh();
    let git = clients::find("git");
    let token = user_with_token(&server, "octo", &["repo", "workflow", "read:org"]);
    let gh_env = gh_sandbox(&server, &token);
    let git_env = Sandbox::new();
    ok(
        &gh_env,
        &gh,
        &["api", "-X", "POST", "user/repos", "-f", "name=app"],
    );
    let started = start_runner(&server, "octo/app", &registration(&gh_env, &gh, "octo/app"));
    let app = git_env.path().join("app");
    ok(
        &git_env,
        &git,
        &["init", "-q", "-b", "main", app.to_str().expect("UTF-8")],
    );
    let workflow = CACHE_WORKFLOW.replace("TOOLKIT", &toolkit);
    let remote_url = remote(&server, &token, "octo/app");
    commit_and_push(
        &git_env,
        &git,
        &app,
        &[
            (".github/workflows/cache.yml", &workflow),
            ("cache/action.yml", CACHE_ACTION),
            ("cache/index.mjs", CACHE_MAIN),
        ],
        "Cache",
        &remote_url,
    );
    let (first, view) = completed_run(&gh_env, &gh, "octo/app", "Cache");
    let log = |id: &str| {
        ok(
            &gh_env,
            &gh,
            &["run", "view", id, "-R", "octo/app", "--log"],
        )
    };
    let first_log = log(&first);
    let runner_log = || std::fs::read_to_string(&started.log).unwrap_or_default();
    assert_eq!(
        view["conclusion"],
        "success",
        "{view}\n{first_log}\n{}",
        runner_log()
    );
    assert!(
        logged(&first_log, "deps", "Cache", "cache miss"),
        "{first_log}"
    );
    assert!(
        logged(&first_log, "deps", "Cache", "saved deps-1 as entry"),
        "{first_log}"
    );

    // A second run on the branch restores the first run's entry through the `deps-` prefix.
    commit_and_push(
        &git_env,
        &git,
        &app,
        &[("README.md", "again\n")],
        "Again",
        &remote_url,
    );
    let second = wait_until(Duration::from_secs(30), || {
        let runs = json(&ok(
            &gh_env,
            &gh,
            &["run", "list", "-R", "octo/app", "--json", "databaseId"],
        ));
        runs.as_array()?
            .iter()
            .filter_map(|r| r["databaseId"].as_u64())
            .map(|id| id.to_string())
            .find(|id| *id != first)
    })
    .expect("a second run");
    let view = wait_for_run(&gh_env, &gh, "octo/app", &second);
    let second_log = log(&second);
    assert_eq!(
        view["conclusion"],
        "success",
        "{view}\n{second_log}\n{}",
        runner_log()
    );
    assert!(
        logged(
            &second_log,
            "deps",
            "Cache",
            "Cache hit for restore-key: deps-1"
        ),
        "{second_log}"
    );
    assert!(
        logged(
            &second_log,
            "deps",
            "Cache",
            "restored deps-1: saved by deps-1"
        ),
        "{second_log}"
    );
    assert!(
        logged(&second_log, "deps", "Cache", "saved deps-2 as entry"),
        "{second_log}"
    );
}
