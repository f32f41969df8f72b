//! `actions/checkout`, done natively: the runner does not download the action (see
//! [`crate::job`]); instead it fetches the repository from the server's git over HTTP with the
//! job's token, as the action does (`git init`, `fetch` with an `http.extraheader`, a detached
//! checkout of `github.sha`), through the same process runner as `run:` steps. Inputs honoured:
//! `repository`, `ref`, `token`, `path`, `fetch-depth`; others are listed in the log and
//! ignored.
//!
//! What this module must not do: write outside the workspace (`path` may not climb out of it),
//! or let the token reach the log (it and its base64 form are masked).

use std::collections::BTreeMap;
use std::path::{Component, Path};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};

use crate::job::{Directories, JobState, github_field};
use crate::process::Launch;

/// The fetch the checkout script runs; `$1`… are its arguments.
const SCRIPT: &str = r#"set -e
dest="$1"; url="$2"; header="$3"; fetch="$4"; target="$5"; depth="$6"
mkdir -p -- "$dest"
cd -- "$dest"
echo "Syncing repository: $7"
git init -q .
git remote add origin "$url" 2>/dev/null || git remote set-url origin "$url"
if [ "$depth" = "0" ]; then depth_arg=""; else depth_arg="--depth=$depth"; fi
git -c protocol.version=2 -c http.extraheader="$header" fetch --no-tags --prune $depth_arg origin "+$fetch:refs/remotes/origin/checkout"
if [ -z "$target" ] || ! git cat-file -e "$target^{commit}" 2>/dev/null; then target=refs/remotes/origin/checkout; fi
git checkout -q --force --detach "$target"
git log -1 --format='HEAD is now at %h %s'
"#;

fn input<'a>(inputs: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    inputs
        .get(name)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Whether `relative` stays inside the directory it is joined to.
fn stays_inside(relative: &str) -> bool {
    Path::new(relative)
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

/// The process that checks the repository out, or why it cannot.
pub(crate) fn launch(
    state: &mut JobState,
    inputs: &Map<String, Value>,
    directories: &Directories,
    env: BTreeMap<String, String>,
    context_name: &str,
    server_url: String,
) -> Result<Launch, String> {
    let own_repository = github_field(state, "repository");
    let repository = input(inputs, "repository")
        .unwrap_or(&own_repository)
        .to_string();
    let token = input(inputs, "token")
        .map(str::to_string)
        .unwrap_or_else(|| github_field(state, "token"));
    let path = input(inputs, "path").unwrap_or(".");
    if !stays_inside(path) {
        return Err(format!(
            "Repository path '{path}' is not under '{}'",
            directories.workspace.display()
        ));
    }
    let (fetch, target) = match input(inputs, "ref") {
        Some(r) if r.len() == 40 && r.chars().all(|c| c.is_ascii_hexdigit()) => {
            (r.to_string(), r.to_string())
        }
        Some(r) if r.starts_with("refs/") => (r.to_string(), String::new()),
        Some(r) => (format!("refs/heads/{r}"), String::new()),
        None if repository.eq_ignore_ascii_case(&own_repository) => {
            let git_ref = github_field(state, "ref");
            let sha = github_field(state, "sha");
            (
                if git_ref.is_empty() {
                    sha.clone()
                } else {
                    git_ref
                },
                sha,
            )
        }
        None => ("HEAD".to_string(), String::new()),
    };
    let depth = input(inputs, "fetch-depth").unwrap_or("1").to_string();
    let basic = STANDARD.encode(format!("x-access-token:{token}"));
    state.masks.add(&token);
    state.masks.add(&basic);
    let url = format!("{}/{repository}", server_url.trim_end_matches('/'));
    let argv = vec![
        "/bin/sh".to_string(),
        "-c".to_string(),
        SCRIPT.to_string(),
        "checkout".to_string(),
        directories.workspace.join(path).display().to_string(),
        url,
        format!("AUTHORIZATION: basic {basic}"),
        fetch,
        target,
        depth,
        repository,
    ];
    Ok(Launch {
        name: format!("step/{context_name}"),
        argv,
        working_directory: directories.workspace.clone(),
        env,
        timeout: None,
        user: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_may_not_climb_out_of_the_workspace() {
        assert!(stays_inside("."));
        assert!(stays_inside("sub/dir"));
        assert!(!stays_inside("../elsewhere"));
        assert!(!stays_inside("/etc"));
        assert!(!stays_inside("a/../../b"));
    }
}
