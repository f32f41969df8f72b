//! What the GitHub cells share: starting `sockerless hub github`, users and tokens made through
//! the admin API (GitHub's web UI stands in here), gh aimed at the fake as github.localhost
//! through it as a proxy (CLIENTS.md), and [`demo_repo`]: a user, a token, a repository made
//! by `gh repo create`, and a git work tree whose first commit is pushed to it.
//!
//! What this module must not do: reach past 127.0.0.1 (gh's proxy is the fake itself), or skip
//! a missing client (it fails naming `scripts/setup`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::{Sandbox, Sockerless, assert_success, clients};

/// The site administrator's token each GitHub cell starts the fake with.
pub const ADMIN_TOKEN: &str = "ghp_conformanceadmin0000000000000000000";

/// `sockerless hub github` on a free port, with [`ADMIN_TOKEN`] and `extra` flags.
pub fn start(extra: &[&str]) -> Sockerless {
    let mut args = vec![
        "hub",
        "github",
        "--port",
        "0",
        "--github-token",
        ADMIN_TOKEN,
    ];
    args.extend_from_slice(extra);
    Sockerless::start(&args, &["github"])
}

/// A sandbox whose gh reaches the fake as github.localhost through it as a proxy.
pub fn gh_sandbox(server: &Sockerless, token: &str) -> Sandbox {
    let mut sandbox = Sandbox::new();
    let proxy = server.url("github").to_string();
    let config = sandbox.path().join("gh-config");
    for (key, value) in [
        ("GH_HOST", "github.localhost"),
        ("GH_TOKEN", token),
        ("GH_CONFIG_DIR", config.to_str().expect("UTF-8 path")),
        ("GH_PROMPT_DISABLED", "1"),
        ("GH_NO_UPDATE_NOTIFIER", "1"),
        ("NO_COLOR", "1"),
    ] {
        sandbox.set(key, value);
    }
    sandbox.set("HTTP_PROXY", &proxy);
    sandbox.set("http_proxy", &proxy);
    sandbox
}

/// Runs `program` in `sandbox`, keeping its proxy variables.
pub fn run(sandbox: &Sandbox, program: &Path, args: &[&str]) -> Output {
    run_in(sandbox, None, program, args)
}

fn run_in(sandbox: &Sandbox, dir: Option<&Path>, program: &Path, args: &[&str]) -> Output {
    let mut command = sandbox.command(program);
    // Sandbox::command removes proxy variables; gh and git here need the fake as their proxy.
    for key in ["HTTP_PROXY", "http_proxy"] {
        if let Some(value) = sandbox.env().get(key) {
            command.env(key, value);
        }
    }
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    command.args(args).output().expect("run client")
}

fn checked(program: &Path, args: &[&str], output: &Output) -> String {
    assert_success(&format!("{} {}", program.display(), args.join(" ")), output);
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Runs `program` and fails the cell unless it succeeds; its stdout.
pub fn ok(sandbox: &Sandbox, program: &Path, args: &[&str]) -> String {
    checked(program, args, &run(sandbox, program, args))
}

/// Makes user `login` with a classic token of `scopes` through the admin API; the token.
pub fn user_with_token(server: &Sockerless, login: &str, scopes: &[&str]) -> String {
    let script = format!(
        "import json, urllib.request as u\n\
         def post(path, body):\n\
         \x20   r = u.Request('{url}/_sockerless/github/' + path, data=json.dumps(body).encode(), headers={{'Authorization': 'token {ADMIN_TOKEN}'}}, method='POST')\n\
         \x20   return json.load(u.urlopen(r))\n\
         try:\n\
         \x20   post('users', {{'login': '{login}'}})\n\
         except Exception as e:\n\
         \x20   if getattr(e, 'code', None) != 422: raise\n\
         print(post('tokens', {{'login': '{login}', 'scopes': {scopes:?}}})['token'])\n",
        url = server.url("github"),
    );
    let output = Command::new(py())
        .args(["-c", &script])
        .output()
        .expect("python");
    assert_success("admin API", &output);
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// POSTs `body` (JSON text) to the admin API's `path` (`apps`, `apps/1/installations`, ...)
/// with the administrator's token; the answer, parsed.
pub fn admin(server: &Sockerless, path: &str, body: &str) -> serde_json::Value {
    let script = format!(
        "import sys, urllib.request as u\n\
         r = u.Request('{url}/_sockerless/github/{path}', data=sys.stdin.buffer.read(), headers={{'Authorization': 'token {ADMIN_TOKEN}'}}, method='POST')\n\
         sys.stdout.buffer.write(u.urlopen(r).read())\n",
        url = server.url("github"),
    );
    let mut child = Command::new(py())
        .args(["-c", &script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(body.as_bytes()).expect("write body");
    }
    let output = child.wait_with_output().expect("python");
    assert_success("admin API", &output);
    serde_json::from_slice(&output.stdout).expect("admin API answers JSON")
}

/// The clients venv's Python with PyGithub.
pub fn py() -> PathBuf {
    let python = clients::root().join("py").join("bin").join("python3");
    let ok = Command::new(&python)
        .args(["-c", "import github"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(ok, "client PyGithub missing: run scripts/setup");
    python
}

/// gh 2.103 from the clients root.
pub fn gh() -> PathBuf {
    let gh = clients::root().join("gh").join("bin").join("gh");
    assert!(gh.exists(), "client gh missing: run scripts/setup");
    gh
}

/// A repository on the fake with a work tree pushed to it (see [`demo_repo`]).
pub struct DemoRepo {
    pub owner: String,
    pub name: String,
    pub token: String,
    /// gh's sandbox (GH_HOST, GH_TOKEN, the proxy); git runs in it too.
    pub sandbox: Sandbox,
    /// The work tree, whose `origin` is the repository.
    pub work: PathBuf,
    /// `http://x-access-token:TOKEN@github.localhost/OWNER/NAME.git` (reached through the fake
    /// as proxy: run git in [`DemoRepo::sandbox`]).
    pub remote: String,
    gh: PathBuf,
    git: PathBuf,
}

/// Makes user `owner` with a token of `scopes`, creates `owner/name` with `gh repo create`
/// (public, or private when `private`), and pushes a first commit (`README.md`) to `main`
/// from a fresh work tree.
pub fn demo_repo(
    server: &Sockerless,
    owner: &str,
    name: &str,
    scopes: &[&str],
    private: bool,
) -> DemoRepo {
    let token = user_with_token(server, owner, scopes);
    let sandbox = gh_sandbox(server, &token);
    let gh = gh();
    let git = clients::find("git");
    let full = format!("{owner}/{name}");
    let visibility = if private { "--private" } else { "--public" };
    ok(&sandbox, &gh, &["repo", "create", &full, visibility]);
    let work = sandbox.path().join("work");
    let work_arg = work.to_str().expect("UTF-8 path");
    ok(&sandbox, &git, &["init", "-q", "-b", "main", work_arg]);
    // github.localhost through the fake as proxy, so gh recognizes `origin` as its host's.
    let remote = format!("http://x-access-token:{token}@github.localhost/{full}.git");
    ok(
        &sandbox,
        &git,
        &["-C", work_arg, "remote", "add", "origin", &remote],
    );
    let demo = DemoRepo {
        owner: owner.to_string(),
        name: name.to_string(),
        token,
        sandbox,
        work,
        remote,
        gh,
        git,
    };
    demo.commit("README.md", &format!("# {name}\n"), "Initial commit");
    demo.git(&["push", "-q", "-u", "origin", "main"]);
    demo
}

impl DemoRepo {
    /// `OWNER/NAME`.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    /// Runs git in the work tree; its stdout.
    pub fn git(&self, args: &[&str]) -> String {
        let mut all = vec!["-C", self.work.to_str().expect("UTF-8 path")];
        all.extend_from_slice(args);
        ok(&self.sandbox, &self.git, &all)
    }

    /// Runs gh from the work tree (so it knows the repository from `origin`); its stdout.
    pub fn gh(&self, args: &[&str]) -> String {
        checked(
            &self.gh,
            args,
            &run_in(&self.sandbox, Some(&self.work), &self.gh, args),
        )
    }

    /// Runs gh from the work tree, whatever its exit status.
    pub fn gh_output(&self, args: &[&str]) -> Output {
        run_in(&self.sandbox, Some(&self.work), &self.gh, args)
    }

    /// Writes `path` with `text` and commits it on the current branch; the new commit's SHA.
    pub fn commit(&self, path: &str, text: &str, message: &str) -> String {
        let file = self.work.join(path);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&file, text).expect("write");
        self.git(&["add", path]);
        self.git(&[
            "-c",
            "user.name=Dev",
            "-c",
            "user.email=dev@example.com",
            "commit",
            "-qm",
            message,
        ]);
        self.git(&["rev-parse", "HEAD"]).trim().to_string()
    }

    /// Makes branch `branch` from `start`, commits `path` on it and pushes it; its head SHA.
    pub fn push_branch(&self, branch: &str, start: &str, path: &str, text: &str) -> String {
        self.git(&["checkout", "-q", "-B", branch, start]);
        let sha = self.commit(path, text, &format!("Add {path}"));
        self.git(&["push", "-q", "origin", branch]);
        sha
    }
}
