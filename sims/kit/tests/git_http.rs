//! Smart HTTP through `git http-backend`: a real `git clone` and `git push` against a
//! repository served by `simkit::git::serve_http`, with the pushed refs reported.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use simkit::git::{
    CommitRequest, FileChange, GitHttpRequest, GitRepos, RefUpdate, Signature, serve_http,
};

#[derive(Clone)]
struct Served {
    repos: GitRepos,
    pushes: Arc<Mutex<Vec<RefUpdate>>>,
}

async fn handle(State(served): State<Served>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let Some((key, service_path)) = path.trim_start_matches('/').split_once(".git") else {
        return http::StatusCode::NOT_FOUND.into_response();
    };
    let Ok(repo) = served.repos.open(key) else {
        return http::StatusCode::NOT_FOUND.into_response();
    };
    let (parts, body) = request.into_parts();
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let git_request = GitHttpRequest {
        method: parts.method.clone(),
        service_path: service_path.to_owned(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        content_type: header("content-type"),
        content_encoding: header("content-encoding"),
        git_protocol: header("git-protocol"),
        remote_user: Some("tester".to_owned()),
        allow_push: true,
        body,
    };
    match serve_http(&repo, git_request).await {
        Ok(answer) => {
            if let Some(pushed) = answer.pushed {
                served.pushes.lock().unwrap().extend(pushed);
            }
            let mut response = Response::new(answer.body);
            *response.status_mut() = answer.status;
            *response.headers_mut() = answer.headers;
            response
        }
        Err(error) => (http::StatusCode::FORBIDDEN, Body::from(error.to_string())).into_response(),
    }
}

fn git(dir: &std::path::Path, args: &[&str]) -> String {
    let output = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .expect("git is installed (scripts/setup)");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clone_push_and_fetch_through_http_backend() {
    let dir = tempfile::tempdir().unwrap();
    let repos = GitRepos::new(dir.path().join("repos"));
    let repo = repos.create("octo/hello", "main").unwrap();
    let served_commit = repo
        .commit(&CommitRequest {
            branch: "main".to_owned(),
            start_branch: None,
            message: "first".to_owned(),
            author: Signature {
                name: "Mona".to_owned(),
                email: "mona@example.com".to_owned(),
                time: 1_700_000_000,
                offset_minutes: 0,
            },
            committer: None,
            files: vec![FileChange {
                path: "README.md".to_owned(),
                content: Some(b"hello\n".to_vec()),
            }],
            expected_head: None,
        })
        .unwrap();
    let pushes = Arc::new(Mutex::new(Vec::new()));
    let app = axum::Router::new().fallback(handle).with_state(Served {
        repos: repos.clone(),
        pushes: pushes.clone(),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/octo/hello.git", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let work = dir.path().join("work");
    let work_for_git = work.clone();
    let url_for_git = url.clone();
    let pushed_sha = tokio::task::spawn_blocking(move || {
        let work = work_for_git;
        git(
            std::path::Path::new("/"),
            &["clone", "-q", &url_for_git, work.to_str().unwrap()],
        );
        assert_eq!(std::fs::read(work.join("README.md")).unwrap(), b"hello\n");
        std::fs::write(work.join("new.txt"), "pushed\n").unwrap();
        git(&work, &["add", "new.txt"]);
        git(&work, &["commit", "-q", "-m", "second"]);
        git(
            &work,
            &["push", "-q", "origin", "main", "main:refs/heads/topic"],
        );
        git(&work, &["rev-parse", "HEAD"])
    })
    .await
    .unwrap();

    assert_eq!(
        repo.read_blob("main", "new.txt").unwrap().unwrap(),
        b"pushed\n"
    );
    let mut updates = pushes.lock().unwrap().clone();
    updates.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(
        updates,
        [
            RefUpdate {
                name: "refs/heads/main".to_owned(),
                old: Some(served_commit.sha.clone()),
                new: Some(pushed_sha.clone()),
            },
            RefUpdate {
                name: "refs/heads/topic".to_owned(),
                old: None,
                new: Some(pushed_sha.clone()),
            },
        ]
    );

    // A shallow fetch of one commit by ID, as CI checkouts do.
    let shallow = dir.path().join("shallow");
    tokio::task::spawn_blocking(move || {
        std::fs::create_dir(&shallow).unwrap();
        git(&shallow, &["init", "-q"]);
        git(&shallow, &["fetch", "-q", "--depth=1", &url, &pushed_sha]);
        assert_eq!(git(&shallow, &["rev-parse", "FETCH_HEAD"]), pushed_sha);
    })
    .await
    .unwrap();
}
