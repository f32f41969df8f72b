//! Git's smart HTTP protocol, served by git itself: `git http-backend` run as a CGI, its input
//! and output streamed, so clones of any size and every protocol version git speaks (v0, v2,
//! shallow and partial fetches) behave as with a real forge.
//!
//! The provider parses its own URL form, authenticates, decides whether the caller may push,
//! and calls [`serve_http`] with the part of the path git understands. A push (receive-pack)
//! is answered after it completes, with the refs it changed in [`GitHttpResponse::pushed`], so
//! the provider can fire webhooks or start pipelines.

use axum::body::Body;
use futures_util::StreamExt;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdout};

use super::rules::RefRule;
use super::{GitError, Repo};

/// A smart HTTP request for one repository.
pub struct GitHttpRequest {
    pub method: Method,
    /// What follows the repository in the URL: `/info/refs`, `/git-upload-pack` or
    /// `/git-receive-pack`.
    pub service_path: String,
    /// The raw query string (`service=git-upload-pack`).
    pub query: String,
    pub content_type: Option<String>,
    /// `gzip` when the client compressed its request.
    pub content_encoding: Option<String>,
    /// The `Git-Protocol` header (`version=2`).
    pub git_protocol: Option<String>,
    pub body: Body,
    /// Who is pushing or fetching, as the provider authenticated them.
    pub remote_user: Option<String>,
    /// Whether this caller may push; a receive-pack is refused with
    /// [`GitError::PushNotAllowed`] otherwise.
    pub allow_push: bool,
}

/// The answer to a smart HTTP request.
pub struct GitHttpResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Body,
    /// For a push: the refs it changed.
    pub pushed: Option<Vec<RefUpdate>>,
}

/// One ref a push created, moved or deleted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefUpdate {
    /// The full ref name (`refs/heads/main`).
    pub name: String,
    /// Where it was; `None` when the push created it.
    pub old: Option<String>,
    /// Where it is; `None` when the push deleted it.
    pub new: Option<String>,
}

/// Which git service a request is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Service {
    UploadPack,
    ReceivePack,
}

fn service_of(request: &GitHttpRequest) -> Option<Service> {
    let named = |name: &str| match name {
        "git-upload-pack" => Some(Service::UploadPack),
        "git-receive-pack" => Some(Service::ReceivePack),
        _ => None,
    };
    match (&request.method, request.service_path.as_str()) {
        (&Method::GET, "/info/refs") => form_urlencoded::parse(request.query.as_bytes())
            .find(|(key, _)| key == "service")
            .and_then(|(_, value)| named(&value)),
        (&Method::POST, path) => named(path.trim_start_matches('/')),
        _ => None,
    }
}

/// Serves one smart HTTP request with `git http-backend`.
pub async fn serve_http(repo: &Repo, request: GitHttpRequest) -> Result<GitHttpResponse, GitError> {
    serve_http_with_rules(repo, request, &[]).await
}

/// Like [`serve_http`], and a push must pass `rules` (a forge's protected branches and tags
/// for this caller): a refused ref update fails the whole push through git's pre-receive path,
/// with the rule's message shown to the client as `remote: <message>`.
pub async fn serve_http_with_rules(
    repo: &Repo,
    request: GitHttpRequest,
    rules: &[RefRule],
) -> Result<GitHttpResponse, GitError> {
    let Some(service) = service_of(&request) else {
        // The dumb protocol and anything else: the forges answer these with 403 or 404.
        return Err(GitError::Invalid {
            what: "git HTTP request",
            value: format!(
                "{} {}?{}",
                request.method, request.service_path, request.query
            ),
        });
    };
    if service == Service::ReceivePack && !request.allow_push {
        return Err(GitError::PushNotAllowed);
    }
    let refs_before = if service == Service::ReceivePack && request.method == Method::POST {
        Some(repo.refs()?)
    } else {
        None
    };

    let mut command = tokio::process::Command::new("git");
    command
        .arg("http-backend")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_PROJECT_ROOT", repo.path())
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("PATH_INFO", &request.service_path)
        .env("REQUEST_METHOD", request.method.as_str())
        .env("QUERY_STRING", &request.query)
        .env("REMOTE_ADDR", "127.0.0.1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    if let Some(content_type) = &request.content_type {
        command.env("CONTENT_TYPE", content_type);
    }
    if let Some(encoding) = &request.content_encoding {
        command.env("HTTP_CONTENT_ENCODING", encoding);
    }
    if let Some(protocol) = &request.git_protocol {
        command.env("GIT_PROTOCOL", protocol);
    }
    if service == Service::ReceivePack && request.method == Method::POST && !rules.is_empty() {
        install_pre_receive_hook(repo)?;
        command.env(super::rules::RULES_VARIABLE, super::rules::encode(rules));
    }
    // http-backend serves receive-pack only to an authenticated user.
    if service == Service::ReceivePack {
        let user = request.remote_user.as_deref().unwrap_or("sockerless");
        command.env("REMOTE_USER", user);
    } else if let Some(user) = &request.remote_user {
        command.env("REMOTE_USER", user);
    }

    let mut child = command.spawn()?;
    let stdin = child.stdin.take();
    let mut body = request.body.into_data_stream();
    tokio::spawn(async move {
        let Some(mut stdin) = stdin else { return };
        while let Some(Ok(chunk)) = body.next().await {
            if stdin.write_all(&chunk).await.is_err() {
                return;
            }
        }
        let _ = stdin.shutdown().await;
    });
    if let Some(stderr) = child.stderr.take() {
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                tracing::debug!(target: "simkit::git", "http-backend: {line}");
            }
        });
    }
    let stdout = child.stdout.take().ok_or_else(|| GitError::Command {
        command: "http-backend".to_owned(),
        stderr: "no stdout".to_owned(),
    })?;
    let mut stdout = BufReader::new(stdout);
    let (status, headers) = read_cgi_headers(&mut stdout).await?;

    if let Some(before) = refs_before {
        // A push's answer is small: read it whole, then report what the push changed.
        let mut answer = Vec::new();
        stdout.read_to_end(&mut answer).await?;
        child.wait().await?;
        let after = repo.refs()?;
        return Ok(GitHttpResponse {
            status,
            headers,
            body: Body::from(answer),
            pushed: Some(ref_updates(&before, &after)),
        });
    }
    Ok(GitHttpResponse {
        status,
        headers,
        body: stream_body(stdout, child),
        pushed: None,
    })
}

/// Writes the rules' pre-receive hook into the repository unless it is there already; a new
/// copy is renamed into place, so a push running the old one never reads half a file.
fn install_pre_receive_hook(repo: &Repo) -> Result<(), GitError> {
    use std::os::unix::fs::PermissionsExt;
    let hooks = repo.path().join("hooks");
    let hook = hooks.join("pre-receive");
    let wanted = super::rules::PRE_RECEIVE_HOOK.as_bytes();
    if std::fs::read(&hook).is_ok_and(|present| present == wanted) {
        return Ok(());
    }
    std::fs::create_dir_all(&hooks)?;
    let staged = hooks.join(format!("pre-receive.{}", std::process::id()));
    std::fs::write(&staged, wanted)?;
    std::fs::set_permissions(&staged, std::fs::Permissions::from_mode(0o755))?;
    std::fs::rename(&staged, &hook)?;
    Ok(())
}

/// Reads the CGI header block (`Status:` and headers up to an empty line).
async fn read_cgi_headers(
    stdout: &mut BufReader<ChildStdout>,
) -> Result<(StatusCode, HeaderMap), GitError> {
    let mut status = StatusCode::OK;
    let mut headers = HeaderMap::new();
    let mut line = String::new();
    loop {
        line.clear();
        if stdout.read_line(&mut line).await? == 0 {
            break;
        }
        let trimmed = line.trim_end_matches(['\r', '\n']);
        if trimmed.is_empty() {
            break;
        }
        let Some((name, value)) = trimmed.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("status") {
            let code = value.split_whitespace().next().unwrap_or("200");
            status = code
                .parse::<u16>()
                .ok()
                .and_then(|code| StatusCode::from_u16(code).ok())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        } else if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.trim().as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.append(name, value);
        }
    }
    Ok((status, headers))
}

/// Streams the rest of http-backend's output as the response body, reaping the process at the
/// end (it is killed if the client goes away first).
fn stream_body(stdout: BufReader<ChildStdout>, child: Child) -> Body {
    let chunks = futures_util::stream::unfold(Some((stdout, child)), |state| async move {
        let (mut stdout, mut child) = state?;
        let mut buffer = vec![0u8; 64 * 1024];
        match stdout.read(&mut buffer).await {
            Ok(0) => {
                let _ = child.wait().await;
                None
            }
            Ok(read) => {
                buffer.truncate(read);
                Some((
                    Ok::<_, std::io::Error>(bytes::Bytes::from(buffer)),
                    Some((stdout, child)),
                ))
            }
            Err(error) => Some((Err(error), None)),
        }
    });
    Body::from_stream(chunks)
}

/// The refs that differ between two listings.
fn ref_updates(before: &[super::GitRef], after: &[super::GitRef]) -> Vec<RefUpdate> {
    use std::collections::BTreeMap;
    let before: BTreeMap<&str, &str> = before
        .iter()
        .map(|r| (r.name.as_str(), r.target.as_str()))
        .collect();
    let after: BTreeMap<&str, &str> = after
        .iter()
        .map(|r| (r.name.as_str(), r.target.as_str()))
        .collect();
    let mut names: Vec<&str> = before.keys().chain(after.keys()).copied().collect();
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .filter(|name| before.get(name) != after.get(name))
        .map(|name| RefUpdate {
            name: name.to_owned(),
            old: before.get(name).map(|s| (*s).to_owned()),
            new: after.get(name).map(|s| (*s).to_owned()),
        })
        .collect()
}
