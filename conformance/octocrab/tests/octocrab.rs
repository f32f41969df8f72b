//! octocrab, the Rust GitHub client, against bleephub (`sockerless hub github`), beside gh and
//! git: repositories, issues paged one at a time, pull requests, a merge whose commit git then
//! fetches, releases, commit statuses (and the rollup gh reads), a webhook whose deliveries a
//! receiver in the test verifies, what a token without `repo` may not see, and a GitHub App
//! authenticated by octocrab's own JWT whose installation writes check runs. Each test is a
//! matrix cell.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

use conformance::github::{admin, demo_repo, start, user_with_token};
use conformance::{Cell, Sockerless};
use hmac::{Hmac, Mac};
use octocrab::Octocrab;
use octocrab::models::{IssueState, StatusState};
use octocrab::params;

fn client(server: &Sockerless, token: &str) -> Octocrab {
    Octocrab::builder()
        .base_uri(server.url("github"))
        .expect("base URI")
        .personal_token(token.to_string())
        .build()
        .expect("octocrab")
}

/// The status, message and headers of an octocrab error from GitHub.
fn github_error(error: octocrab::Error) -> (u16, String, http::HeaderMap) {
    match error {
        octocrab::Error::GitHub { source, .. } => (
            source.status_code.as_u16(),
            source.message.clone(),
            source.headers.clone().unwrap_or_default(),
        ),
        other => panic!("not an error from GitHub: {other:?}"),
    }
}

/// One request a webhook receiver got: its headers (lowercased names) and body.
struct Delivery {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Delivery {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// A receiver on 127.0.0.1 that answers 200 to every POST and hands each delivery over.
fn receiver() -> (String, mpsc::Receiver<Delivery>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("address"));
    let (sender, deliveries) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut headers = Vec::new();
            let mut line = String::new();
            reader.read_line(&mut line).expect("request line");
            loop {
                line.clear();
                reader.read_line(&mut line).expect("header");
                let trimmed = line.trim_end();
                if trimmed.is_empty() {
                    break;
                }
                if let Some((key, value)) = trimmed.split_once(':') {
                    headers.push((key.trim().to_string(), value.trim().to_string()));
                }
            }
            let length: usize = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0);
            let mut body = vec![0; length];
            reader.read_exact(&mut body).expect("body");
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
            if sender.send(Delivery { headers, body }).is_err() {
                return;
            }
        }
    });
    (url, deliveries)
}

fn hmac_sha256_hex(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).expect("any key length");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// The issue's named test: a pull request gh creates from a pushed branch is merged by
/// octocrab, and the merge commit is what `git fetch` then brings.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn github_octocrab_merges_a_gh_pull_request_git_fetches_it() {
    let _cell = Cell::new(
        "forge-sdk",
        "github",
        "octocrab-merge",
        "octocrab + gh + git",
    );
    let server = start(&[]);
    let demo = demo_repo(&server, "octo", "demo", &["repo", "read:org"], false);
    let main_before = demo.git(&["rev-parse", "HEAD"]).trim().to_string();
    let feature_head = demo.push_branch("feature", "main", "feature.txt", "feature\n");
    let created = demo.gh(&[
        "pr", "create", "--title", "Feature", "--body", "Adds it", "--base", "main", "--head",
        "feature",
    ]);
    assert_eq!(created.trim(), "http://github.localhost/octo/demo/pull/1");

    let octocrab = client(&server, &demo.token);
    let pulls = octocrab.pulls("octo", "demo");
    let open = pulls
        .list()
        .state(params::State::Open)
        .send()
        .await
        .expect("list pulls");
    assert_eq!(open.items.len(), 1);
    let pull = &open.items[0];
    assert_eq!(pull.number, 1);
    assert_eq!(pull.head.ref_field, "feature");
    assert_eq!(pull.head.sha, feature_head);
    assert_eq!(pull.base.ref_field, "main");
    let merged = pulls
        .merge(1)
        .title("Merge the feature")
        .method(params::pulls::MergeMethod::Merge)
        .send()
        .await
        .expect("merge");
    assert!(merged.merged);
    let merge_sha = merged.sha.expect("merge commit SHA");
    assert_eq!(
        merged.message.as_deref(),
        Some("Pull Request successfully merged")
    );

    // A second merge is GitHub's 405.
    let (status, message, _) = github_error(pulls.merge(1).send().await.expect_err("merged twice"));
    assert_eq!(
        (status, message.as_str()),
        (405, "Pull Request is not mergeable")
    );

    // git fetch brings the merge commit: main's new head, parents old main and the feature.
    demo.git(&["fetch", "-q", "origin"]);
    assert_eq!(demo.git(&["rev-parse", "origin/main"]).trim(), merge_sha);
    let parents = demo.git(&["rev-list", "--parents", "-n", "1", &merge_sha]);
    assert_eq!(
        parents.split_whitespace().collect::<Vec<_>>(),
        [
            merge_sha.as_str(),
            main_before.as_str(),
            feature_head.as_str()
        ]
    );
    assert_eq!(
        demo.git(&["log", "-1", "--format=%s", "origin/main"])
            .trim(),
        "Merge the feature"
    );
    // gh sees it merged.
    let state = demo.gh(&[
        "pr",
        "view",
        "1",
        "--json",
        "state,mergeCommit",
        "--jq",
        ".state + \" \" + .mergeCommit.oid",
    ]);
    assert_eq!(state.trim(), format!("MERGED {merge_sha}"));
    let got = pulls.get(1).await.expect("get pull");
    assert!(got.merged_at.is_some());
    assert_eq!(got.merge_commit_sha.as_deref(), Some(merge_sha.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn github_octocrab_repos_issues_releases_statuses_and_hooks() {
    let _cell = Cell::new(
        "forge-sdk",
        "github",
        "octocrab-rest",
        "octocrab + gh + git",
    );
    let server = start(&[]);
    let demo = demo_repo(
        &server,
        "octo",
        "tools",
        &["repo", "read:org", "admin:repo_hook"],
        false,
    );
    let head = demo.git(&["rev-parse", "HEAD"]).trim().to_string();
    let octocrab = client(&server, &demo.token);
    let base = server.url("github");

    // The repository, with URLs that point back at the fake.
    let repo = octocrab
        .repos("octo", "tools")
        .get()
        .await
        .expect("get repo");
    assert_eq!(repo.full_name.as_deref(), Some("octo/tools"));
    assert_eq!(repo.private, Some(false));
    assert_eq!(repo.default_branch.as_deref(), Some("main"));
    assert_eq!(repo.url.as_str(), format!("{base}/repos/octo/tools"));
    assert_eq!(
        repo.clone_url.map(|u| u.to_string()),
        Some(format!("{base}/octo/tools.git"))
    );

    // Issues: three made, then paged one at a time: each exactly once, newest first.
    let issues = octocrab.issues("octo", "tools");
    let mut made = Vec::new();
    for n in 1..=3 {
        let issue = issues
            .create(format!("Issue {n}"))
            .body(format!("body {n}"))
            .send()
            .await
            .expect("create issue");
        made.push(issue.number);
    }
    assert_eq!(made, [1, 2, 3]);
    let mut page = issues
        .list()
        .state(params::State::All)
        .per_page(1u8)
        .send()
        .await
        .expect("list issues");
    let mut seen = Vec::new();
    loop {
        assert!(page.items.len() <= 1);
        seen.extend(page.items.iter().map(|i| (i.number, i.title.clone())));
        match octocrab
            .get_page::<octocrab::models::issues::Issue>(&page.next)
            .await
            .expect("next page")
        {
            Some(next) => page = next,
            None => break,
        }
    }
    assert_eq!(
        seen,
        [
            (3, "Issue 3".to_string()),
            (2, "Issue 2".to_string()),
            (1, "Issue 1".to_string())
        ]
    );
    let closed = issues
        .update(2)
        .state(IssueState::Closed)
        .send()
        .await
        .expect("close");
    assert_eq!(closed.state, IssueState::Closed);
    let comment = issues
        .create_comment(1, "first comment")
        .await
        .expect("comment");
    assert_eq!(comment.body.as_deref(), Some("first comment"));
    // gh reads what octocrab wrote.
    let listed = demo.gh(&[
        "issue",
        "list",
        "--state",
        "all",
        "--json",
        "number,state",
        "--jq",
        ".[] | \"\\(.number) \\(.state)\"",
    ]);
    assert_eq!(listed, "3 OPEN\n2 CLOSED\n1 OPEN\n");

    // GitHub's 422 for an issue without a title, with its errors[].
    let raw: Result<serde_json::Value, _> = octocrab
        .post(
            "/repos/octo/tools/issues",
            Some(&serde_json::json!({"title": ""})),
        )
        .await;
    let (status, message, _) = github_error(raw.expect_err("blank title"));
    assert_eq!((status, message.as_str()), (422, "Validation Failed"));

    // Releases: created from main, read back by tag and listed.
    let release = octocrab
        .repos("octo", "tools")
        .releases()
        .create("v1.0.0")
        .name("One")
        .body("First")
        .target_commitish("main")
        .send()
        .await
        .expect("create release");
    let by_tag = octocrab
        .repos("octo", "tools")
        .releases()
        .get_by_tag("v1.0.0")
        .await
        .expect("release by tag");
    assert_eq!(
        (by_tag.id, by_tag.name.as_deref()),
        (release.id, Some("One"))
    );
    demo.git(&["fetch", "-q", "--tags", "origin"]);
    assert_eq!(demo.git(&["rev-parse", "v1.0.0^{commit}"]).trim(), head);

    // Commit statuses: two contexts, the latest of each combined; gh pr checks shows them.
    let feature = demo.push_branch("topic", "main", "topic.txt", "topic\n");
    demo.gh(&[
        "pr", "create", "--title", "Topic", "--body", "t", "--base", "main", "--head", "topic",
    ]);
    let repos = octocrab.repos("octo", "tools");
    for (context, state) in [
        ("ci/build", StatusState::Pending),
        ("ci/lint", StatusState::Success),
        ("ci/build", StatusState::Failure),
    ] {
        repos
            .create_status(feature.clone(), state)
            .context(context.to_string())
            .target("http://ci.example/run".to_string())
            .description(format!("{context} said so"))
            .send()
            .await
            .expect("create status");
    }
    let combined = repos
        .combined_status_for_ref(&params::repos::Reference::Branch("topic".into()))
        .await
        .expect("combined status");
    assert_eq!(combined.state, StatusState::Failure);
    assert_eq!(combined.total_count, 2);
    assert_eq!(combined.sha, feature);
    let checks = demo.gh_output(&["pr", "checks", "4"]);
    let shown = String::from_utf8_lossy(&checks.stdout);
    assert!(
        shown.contains("ci/build\tfail") && shown.contains("ci/lint\tpass"),
        "gh pr checks: {shown}{}",
        String::from_utf8_lossy(&checks.stderr)
    );
    // gh exits 1 when a check failed, as with github.com.
    assert_eq!(checks.status.code(), Some(1));

    // A webhook made by octocrab: the ping and a push arrive signed with its secret.
    let (url, deliveries) = receiver();
    let hook = octocrab
        .repos("octo", "tools")
        .create_hook(octocrab::models::hooks::Hook {
            name: "web".into(),
            active: true,
            events: vec![octocrab::models::webhook_events::WebhookEventType::Push],
            config: octocrab::models::hooks::Config {
                url,
                content_type: Some(octocrab::models::hooks::ContentType::Json),
                secret: Some("s3cret".into()),
                insecure_ssl: None,
            },
            ..Default::default()
        })
        .await
        .expect("create hook");
    assert_eq!(hook.config.secret.as_deref(), Some("********"));
    demo.git(&["checkout", "-q", "main"]);
    demo.commit("more.txt", "more\n", "More");
    demo.git(&["push", "-q", "origin", "main"]);
    for event in ["ping", "push"] {
        let delivery = deliveries
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("no {event} delivery"));
        assert_eq!(delivery.header("X-GitHub-Event"), Some(event));
        let signature = delivery.header("X-Hub-Signature-256").expect("signed");
        assert_eq!(
            signature,
            format!("sha256={}", hmac_sha256_hex(b"s3cret", &delivery.body))
        );
        assert_eq!(
            delivery.header("X-GitHub-Hook-ID"),
            Some(hook.id.to_string().as_str())
        );
    }
}

/// Scopes as GitHub enforces them on classic tokens: without `repo` a private repository is
/// not there (GitHub answers 404, not 403, so as not to say it exists), and the answer names
/// the scopes the operation accepts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn github_octocrab_scopes_hide_private_repositories() {
    let _cell = Cell::new("forge-sdk", "github", "octocrab-scopes", "octocrab + gh");
    let server = start(&[]);
    let demo = demo_repo(&server, "octo", "secret", &["repo", "read:org"], true);
    let full = client(&server, &demo.token);
    let repo = full
        .repos("octo", "secret")
        .get()
        .await
        .expect("owner with repo");
    assert_eq!(repo.private, Some(true));

    let narrow = user_with_token(&server, "octo", &["read:org", "gist"]);
    let narrow = client(&server, &narrow);
    let (status, message, headers) = github_error(
        narrow
            .repos("octo", "secret")
            .get()
            .await
            .expect_err("no repo scope"),
    );
    assert_eq!((status, message.as_str()), (404, "Not Found"));
    // The token's scopes (the order is not asserted: GitHub's own varies by token).
    let mut scopes: Vec<&str> = headers
        .get("x-oauth-scopes")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .split(", ")
        .collect();
    scopes.sort_unstable();
    assert_eq!(scopes, ["gist", "read:org"]);
    assert_eq!(
        headers
            .get("x-accepted-oauth-scopes")
            .and_then(|v| v.to_str().ok()),
        Some("repo")
    );
    // The public side of the same account still answers.
    let user = narrow
        .users("octo")
        .profile()
        .await
        .expect("public profile");
    assert_eq!(user.login, "octo");
    // Writing a status needs repo:status (or repo): a public_repo-only token is refused.
    let public_only = user_with_token(&server, "octo", &["public_repo"]);
    let public_only = client(&server, &public_only);
    let head = demo.git(&["rev-parse", "HEAD"]).trim().to_string();
    let refused = public_only
        .repos("octo", "secret")
        .create_status(head, StatusState::Success)
        .send()
        .await
        .expect_err("no repo:status");
    assert_eq!(github_error(refused).0, 404);
}

/// A GitHub App through octocrab's app auth: octocrab signs the JWT with the app's private key,
/// finds the repository's installation, mints an installation token (narrowed to one
/// repository) and writes a check run that the repository's owner then reads back, with the
/// app named on it; the token reaches only that repository, and is refused a commit status
/// (the app has no `statuses` permission).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn github_octocrab_app_installation_writes_check_runs() {
    let _cell = Cell::new("forge-sdk", "github", "apps-octocrab", "octocrab + gh");
    let server = start(&[]);
    let demo = demo_repo(&server, "carol", "service", &["repo"], true);
    let other = demo_repo(&server, "carol", "other", &["repo"], true);
    let head = demo.git(&["rev-parse", "HEAD"]).trim().to_string();
    let app = admin(
        &server,
        "apps",
        r#"{"name": "Crab CI", "owner": "carol", "permissions": {"checks": "write", "contents": "read"}}"#,
    );
    let app_id = app["id"].as_u64().expect("app id");
    let pem = app["pem"].as_str().expect("private key").to_string();
    let installed = admin(
        &server,
        &format!("apps/{app_id}/installations"),
        r#"{"account": "carol", "repositories": ["service", "other"]}"#,
    );

    let as_app = Octocrab::builder()
        .base_uri(server.url("github"))
        .expect("base URI")
        .app_from_rsa_pem(app_id.into(), pem.as_bytes())
        .expect("app key")
        .build()
        .expect("octocrab");
    let me = as_app.current().app().await.expect("GET /app");
    assert_eq!(me.slug.as_deref(), Some("crab-ci"));
    assert_eq!(me.owner.login, "carol");
    let installation = as_app
        .apps()
        .get_repository_installation("carol", "service")
        .await
        .expect("the repository's installation");
    assert_eq!(installation.id.0, installed["id"].as_u64().expect("id"));

    let as_installation = as_app
        .installation_builder(installation.id)
        .repositories(vec!["service".to_string()])
        .build()
        .expect("installation client");
    let run = as_installation
        .checks("carol", "service")
        .create_check_run("crab-build", head.clone())
        .status(octocrab::params::checks::CheckRunStatus::Completed)
        .conclusion(octocrab::params::checks::CheckRunConclusion::Success)
        .send()
        .await
        .expect("check run written by the installation");
    assert_eq!(run.conclusion.as_deref(), Some("success"));

    // The owner reads it back, made by the app.
    let owner = client(&server, &demo.token);
    let runs = owner
        .checks("carol", "service")
        .list_check_runs_for_git_ref(octocrab::params::repos::Commitish(head.clone()))
        .send()
        .await
        .expect("check runs");
    assert_eq!(runs.total_count, 1);
    assert_eq!(runs.check_runs[0].name, "crab-build");
    let raw: serde_json::Value = owner
        .get(
            format!("/repos/carol/service/check-runs/{}", run.id),
            None::<&()>,
        )
        .await
        .expect("raw check run");
    assert_eq!(raw["app"]["slug"], "crab-ci");
    assert_eq!(raw["app"]["id"], app_id);

    // The token was narrowed to `service`: `other` is not there for it; and the app has no
    // `statuses` permission, so a commit status is GitHub's 403.
    let hidden = as_installation
        .repos("carol", "other")
        .get()
        .await
        .expect_err("narrowed away");
    assert_eq!(github_error(hidden).0, 404);
    let refused = as_installation
        .repos("carol", "service")
        .create_status(head, StatusState::Success)
        .send()
        .await
        .expect_err("no statuses permission");
    let (status, message, headers) = github_error(refused);
    assert_eq!(
        (status, message.as_str()),
        (403, "Resource not accessible by integration")
    );
    assert_eq!(
        headers
            .get("x-accepted-github-permissions")
            .and_then(|v| v.to_str().ok()),
        Some("statuses=write")
    );
    drop(other);
}
