//! Commit statuses, check runs and check suites: what `statusCheckRollup`, `gh pr checks` and
//! the combined status of a commit are made of.
//!
//! Statuses are written by anyone who may push (classic tokens need `repo:status` or `repo`).
//! Check runs and suites are written only by GitHub Apps ("You must authenticate via a GitHub
//! App." to a personal access token): over REST by an installation token with `checks: write`
//! (the protocol checks the permission), each app in its own suite and only to its own runs;
//! [`create_run`]/[`update_run`] are the points in-process writers (the Actions engine) use.
//!
//! What this module must not do: see HTTP, or accept a status or check for a commit the
//! repository does not have.

use serde::Deserialize;

use super::Ctx;
use super::commits;
use crate::error::{FieldError, GitHubError};
use crate::model::{self, CheckRun, CheckSuite, CommitStatus, Repo};

/// GitHub keeps at most this many statuses per commit and context.
const STATUSES_PER_CONTEXT: usize = 1000;

/// `POST …/statuses/{sha}`.
#[derive(Debug, Deserialize)]
pub struct CreateStatus {
    pub state: String,
    pub target_url: Option<String>,
    pub description: Option<String>,
    pub context: Option<String>,
}

/// A check run's writable members, as `POST …/check-runs` and `PATCH …/check-runs/{id}` name
/// them (`name` and `head_sha` are required on create).
#[derive(Debug, Default, Deserialize)]
pub struct CheckRunInput {
    pub name: Option<String>,
    pub head_sha: Option<String>,
    pub details_url: Option<String>,
    pub external_id: Option<String>,
    pub status: Option<String>,
    pub started_at: Option<String>,
    pub conclusion: Option<String>,
    pub completed_at: Option<String>,
    pub output: Option<CheckOutput>,
}

#[derive(Debug, Default, Deserialize)]
pub struct CheckOutput {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub text: Option<String>,
}

fn key(repo_id: u64, id: u64) -> String {
    format!("{repo_id:012}/{id:012}")
}

/// The commit `reference` (a SHA, branch or tag) names in `repo`, or GitHub's 422.
fn commit_of(ctx: &Ctx<'_>, repo: &Repo, reference: &str) -> Result<String, GitHubError> {
    let git = commits::open(ctx, repo)?;
    let no_commit = || GitHubError::InvalidRequest(format!("No commit found for SHA: {reference}"));
    let sha = commits::resolve(&git, reference)?.ok_or_else(no_commit)?;
    git.commit_info(&sha)
        .map_err(super::git::internal)?
        .map(|commit| commit.sha)
        .ok_or_else(no_commit)
}

/// The statuses of a commit, oldest first.
fn statuses_of(ctx: &Ctx<'_>, repo: &Repo, sha: &str) -> Vec<CommitStatus> {
    ctx.hub
        .state
        .statuses
        .scan_prefix(&model::repo_prefix(repo.id))
        .into_iter()
        .map(|(_, status)| status)
        .filter(|status| status.sha == sha)
        .collect()
}

/// `POST /repos/{owner}/{repo}/statuses/{sha}`: a new status; the latest per context is the
/// context's state.
pub fn create_status(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    sha: &str,
    input: CreateStatus,
) -> Result<(Repo, CommitStatus), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let caller = ctx.require_caller()?;
    if !caller.has_scope("repo:status") {
        return Err(GitHubError::NotFound);
    }
    if !ctx.permissions(&repo).push {
        return Err(GitHubError::NotFound);
    }
    let sha = commit_of(ctx, &repo, sha)?;
    let context = input.context.unwrap_or_else(|| "default".into());
    if input
        .description
        .as_ref()
        .is_some_and(|d| d.chars().count() > 140)
    {
        return Err(GitHubError::ValidationFailed(vec![FieldError::custom(
            "Status",
            "description",
            "description is too long (maximum is 140 characters)",
        )]));
    }
    let same_context = statuses_of(ctx, &repo, &sha)
        .iter()
        .filter(|s| s.context == context)
        .count();
    if same_context >= STATUSES_PER_CONTEXT {
        return Err(GitHubError::ValidationFailed(vec![FieldError::custom(
            "Status",
            "context",
            "This SHA and context has reached the maximum number of statuses.",
        )]));
    }
    let state = &ctx.hub.state;
    let status = state.store.transaction(|txn| {
        let id = model::next_id(txn, &state.counters, "status")?;
        let status = CommitStatus {
            id,
            repo_id: repo.id,
            sha: sha.clone(),
            state: input.state.clone(),
            target_url: input.target_url.clone().filter(|u| !u.is_empty()),
            description: input.description.clone(),
            context: context.clone(),
            creator: caller.login().to_string(),
            created_at: ctx.now,
        };
        txn.insert(&state.statuses, &key(repo.id, id), status.clone())?;
        Ok::<_, GitHubError>(status)
    })?;
    crate::hooks::events::status(ctx, &repo, &status);
    Ok((repo, status))
}

/// `GET …/commits/{ref}/statuses`: every status of the commit, newest first.
pub fn list_statuses(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    reference: &str,
) -> Result<(Repo, Vec<CommitStatus>), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let sha = commit_of(ctx, &repo, reference)?;
    let mut statuses = statuses_of(ctx, &repo, &sha);
    statuses.reverse();
    Ok((repo, statuses))
}

/// A commit's combined status: the latest status of each context, and their overall state.
pub struct Combined {
    pub repo: Repo,
    pub sha: String,
    /// `failure`, `pending` or `success`.
    pub state: String,
    /// The latest status of each context, newest first.
    pub latest: Vec<CommitStatus>,
}

/// GitHub's combined state: `failure` if any context's latest is `error` or `failure`,
/// `pending` if there are none or any is `pending`, `success` otherwise.
pub fn combined_state(latest: &[CommitStatus]) -> &'static str {
    if latest
        .iter()
        .any(|s| s.state == "error" || s.state == "failure")
    {
        "failure"
    } else if latest.is_empty() || latest.iter().any(|s| s.state == "pending") {
        "pending"
    } else {
        "success"
    }
}

/// The latest status of each context of `sha`, newest first.
pub fn latest_statuses(ctx: &Ctx<'_>, repo: &Repo, sha: &str) -> Vec<CommitStatus> {
    let mut latest: Vec<CommitStatus> = Vec::new();
    for status in statuses_of(ctx, repo, sha).into_iter().rev() {
        if !latest.iter().any(|s| s.context == status.context) {
            latest.push(status);
        }
    }
    latest
}

/// `GET …/commits/{ref}/status`.
pub fn combined(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    reference: &str,
) -> Result<Combined, GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let sha = commit_of(ctx, &repo, reference)?;
    let latest = latest_statuses(ctx, &repo, &sha);
    Ok(Combined {
        state: combined_state(&latest).to_string(),
        repo,
        sha,
        latest,
    })
}

/// The repository and the slug of the app writing checks to it: the caller must be an
/// installation token reaching the repository; GitHub's 403 to anything else.
fn app_writer(ctx: &Ctx<'_>, owner: &str, name: &str) -> Result<(Repo, String), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let grant = ctx
        .caller
        .as_ref()
        .and_then(|c| c.installation.as_ref())
        .ok_or_else(|| GitHubError::Forbidden("You must authenticate via a GitHub App.".into()))?;
    if !super::apps::token_reaches(ctx, grant, &repo) {
        return Err(GitHubError::NotFound);
    }
    let app = ctx
        .hub
        .state
        .apps
        .get(&model::id_key(grant.app_id))
        .ok_or(GitHubError::BadCredentials)?;
    Ok((repo, app.slug))
}

/// `POST …/check-runs` by an installation token.
pub fn create_run_as_app(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    input: CheckRunInput,
) -> Result<(Repo, CheckRun), GitHubError> {
    let (repo, slug) = app_writer(ctx, owner, name)?;
    let run = create_run(ctx, &repo, &slug, input)?;
    Ok((repo, run))
}

/// `PATCH …/check-runs/{id}` by an installation token, to a run of its own app.
pub fn update_run_as_app(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    id: &str,
    input: CheckRunInput,
) -> Result<(Repo, CheckRun), GitHubError> {
    let (repo, slug) = app_writer(ctx, owner, name)?;
    let id: u64 = id.parse().map_err(|_| GitHubError::NotFound)?;
    let run = ctx
        .hub
        .state
        .check_runs
        .get(&key(repo.id, id))
        .ok_or(GitHubError::NotFound)?;
    let owned = ctx
        .hub
        .state
        .check_suites
        .get(&key(repo.id, run.suite_id))
        .is_some_and(|suite| suite.app == slug);
    if !owned {
        return Err(GitHubError::Forbidden(
            crate::apps::permissions::NOT_ACCESSIBLE.into(),
        ));
    }
    let run = update_run(ctx, &repo, id, input)?;
    Ok((repo, run))
}

/// `POST …/check-suites` by an installation token: the app's suite for the commit, made when
/// absent (`true`) or the existing one (`false`), as GitHub answers 201 or 200.
pub fn create_suite_as_app(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    head_sha: &str,
) -> Result<(Repo, CheckSuite, bool), GitHubError> {
    let (repo, slug) = app_writer(ctx, owner, name)?;
    let sha = commit_of(ctx, &repo, head_sha)?;
    if let Some(suite) = suites_of(ctx, &repo, &sha)
        .into_iter()
        .find(|suite| suite.app == slug)
    {
        return Ok((repo, suite, false));
    }
    let state = &ctx.hub.state;
    let suite = state.store.transaction(|txn| {
        let id = model::next_id(txn, &state.counters, "check_suite")?;
        let suite = CheckSuite {
            id,
            repo_id: repo.id,
            head_sha: sha.clone(),
            head_branch: branch_at(ctx, &repo, &sha),
            app: slug.clone(),
            created_at: ctx.now,
            updated_at: ctx.now,
        };
        txn.insert(&state.check_suites, &key(repo.id, id), suite.clone())?;
        Ok::<_, GitHubError>(suite)
    })?;
    Ok((repo, suite, true))
}

fn run_error(field: &str, message: &str) -> GitHubError {
    GitHubError::ValidationFailed(vec![FieldError::custom("CheckRun", field, message)])
}

fn parse_time(field: &str, text: &str) -> Result<i64, GitHubError> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
        .map_err(|_| run_error(field, &format!("{field} is not a valid ISO 8601 timestamp")))
}

/// Folds `input` into `run`, with GitHub's rules: a conclusion completes the run, a completed
/// run needs a conclusion.
fn apply(run: &mut CheckRun, input: &CheckRunInput, now: i64) -> Result<(), GitHubError> {
    if let Some(name) = &input.name {
        run.name = name.clone();
    }
    if let Some(url) = &input.details_url {
        run.details_url = Some(url.clone());
    }
    if let Some(id) = &input.external_id {
        run.external_id = Some(id.clone());
    }
    if let Some(started) = &input.started_at {
        run.started_at = Some(parse_time("started_at", started)?);
    }
    if let Some(status) = &input.status {
        run.status = status.clone();
    }
    if let Some(conclusion) = &input.conclusion {
        run.conclusion = Some(conclusion.clone());
        run.status = "completed".into();
    }
    if let Some(completed) = &input.completed_at {
        run.completed_at = Some(parse_time("completed_at", completed)?);
        run.status = "completed".into();
    }
    if run.status == "completed" {
        if run.conclusion.is_none() {
            return Err(run_error(
                "conclusion",
                "Conclusion can't be blank when status is completed",
            ));
        }
        run.completed_at.get_or_insert(now);
    }
    if run.status == "in_progress" {
        run.started_at.get_or_insert(now);
    }
    if let Some(output) = &input.output {
        run.output_title = output.title.clone().or(run.output_title.take());
        run.output_summary = output.summary.clone().or(run.output_summary.take());
        run.output_text = output.text.clone().or(run.output_text.take());
    }
    Ok(())
}

/// Records a check run of `app` for a commit of `repo` (its suite made on first use), for
/// in-process writers. Returns the run.
pub fn create_run(
    ctx: &Ctx<'_>,
    repo: &Repo,
    app: &str,
    input: CheckRunInput,
) -> Result<CheckRun, GitHubError> {
    let name = input
        .name
        .clone()
        .filter(|n| !n.is_empty())
        .ok_or_else(|| run_error("name", "name wasn't supplied."))?;
    let head_sha = input
        .head_sha
        .clone()
        .ok_or_else(|| run_error("head_sha", "head_sha wasn't supplied."))?;
    let head_sha = commit_of(ctx, repo, &head_sha)?;
    let existing_suite = suites_of(ctx, repo, &head_sha)
        .into_iter()
        .find(|suite| suite.app == app);
    let state = &ctx.hub.state;
    state.store.transaction(|txn| {
        let suite_id = match &existing_suite {
            Some(suite) => {
                let mut suite = suite.clone();
                suite.updated_at = ctx.now;
                txn.insert(&state.check_suites, &key(repo.id, suite.id), suite.clone())?;
                suite.id
            }
            None => {
                let id = model::next_id(txn, &state.counters, "check_suite")?;
                let suite = CheckSuite {
                    id,
                    repo_id: repo.id,
                    head_sha: head_sha.clone(),
                    head_branch: branch_at(ctx, repo, &head_sha),
                    app: app.to_string(),
                    created_at: ctx.now,
                    updated_at: ctx.now,
                };
                txn.insert(&state.check_suites, &key(repo.id, id), suite)?;
                id
            }
        };
        let id = model::next_id(txn, &state.counters, "check_run")?;
        let mut run = CheckRun {
            id,
            repo_id: repo.id,
            suite_id,
            head_sha: head_sha.clone(),
            name: name.clone(),
            status: "queued".into(),
            conclusion: None,
            details_url: None,
            external_id: None,
            started_at: None,
            completed_at: None,
            output_title: None,
            output_summary: None,
            output_text: None,
        };
        apply(&mut run, &input, ctx.now)?;
        txn.insert(&state.check_runs, &key(repo.id, id), run.clone())?;
        Ok(run)
    })
}

/// Changes check run `id` of `repo`, for in-process writers.
pub fn update_run(
    ctx: &Ctx<'_>,
    repo: &Repo,
    id: u64,
    input: CheckRunInput,
) -> Result<CheckRun, GitHubError> {
    let state = &ctx.hub.state;
    state.store.transaction(|txn| {
        let mut run = txn
            .get(&state.check_runs, &key(repo.id, id))?
            .ok_or(GitHubError::NotFound)?;
        apply(&mut run, &input, ctx.now)?;
        txn.insert(&state.check_runs, &key(repo.id, id), run.clone())?;
        Ok(run)
    })
}

/// A branch whose head is `sha` (the default branch first), as a suite's `head_branch`.
fn branch_at(ctx: &Ctx<'_>, repo: &Repo, sha: &str) -> Option<String> {
    let git = commits::open(ctx, repo).ok()?;
    let default = &repo.default_branch;
    if git
        .resolve(&format!("refs/heads/{default}"))
        .ok()
        .flatten()
        .as_deref()
        == Some(sha)
    {
        return Some(default.clone());
    }
    git.refs()
        .ok()?
        .into_iter()
        .find(|r| r.name.starts_with("refs/heads/") && r.target == sha)
        .map(|r| r.name.trim_start_matches("refs/heads/").to_string())
}

fn suites_of(ctx: &Ctx<'_>, repo: &Repo, sha: &str) -> Vec<CheckSuite> {
    ctx.hub
        .state
        .check_suites
        .scan_prefix(&model::repo_prefix(repo.id))
        .into_iter()
        .map(|(_, suite)| suite)
        .filter(|suite| suite.head_sha == sha)
        .collect()
}

fn runs_where(ctx: &Ctx<'_>, repo: &Repo, keep: impl Fn(&CheckRun) -> bool) -> Vec<CheckRun> {
    ctx.hub
        .state
        .check_runs
        .scan_prefix(&model::repo_prefix(repo.id))
        .into_iter()
        .map(|(_, run)| run)
        .filter(|run| keep(run))
        .collect()
}

/// `?check_name=`, `?status=` and `?filter=latest|all` of the check run listings. `latest`
/// (the default) keeps the newest run of each name.
#[derive(Debug, Default)]
pub struct RunFilter {
    pub check_name: Option<String>,
    pub status: Option<String>,
    pub filter: Option<String>,
}

fn filtered(runs: Vec<CheckRun>, filter: &RunFilter) -> Result<Vec<CheckRun>, GitHubError> {
    let latest_only = match filter.filter.as_deref() {
        None | Some("latest") => true,
        Some("all") => false,
        Some(_) => {
            return Err(GitHubError::ValidationFailed(vec![FieldError::new(
                "CheckRun", "filter", "invalid",
            )]));
        }
    };
    let mut kept: Vec<CheckRun> = Vec::new();
    // Newest first, as GitHub lists them.
    for run in runs.into_iter().rev() {
        if filter.check_name.as_ref().is_some_and(|n| *n != run.name)
            || filter.status.as_ref().is_some_and(|s| *s != run.status)
            || (latest_only && kept.iter().any(|k| k.name == run.name))
        {
            continue;
        }
        kept.push(run);
    }
    Ok(kept)
}

/// The latest check runs of a commit (by name), newest first, for rollups.
pub fn latest_runs(ctx: &Ctx<'_>, repo: &Repo, sha: &str) -> Vec<CheckRun> {
    filtered(
        runs_where(ctx, repo, |run| run.head_sha == sha),
        &RunFilter::default(),
    )
    .unwrap_or_default()
}

/// `GET …/commits/{ref}/check-runs`.
pub fn list_runs_for_ref(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    reference: &str,
    filter: &RunFilter,
) -> Result<(Repo, Vec<CheckRun>), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let sha = commit_of(ctx, &repo, reference)?;
    let runs = filtered(runs_where(ctx, &repo, |run| run.head_sha == sha), filter)?;
    Ok((repo, runs))
}

/// `GET …/check-suites/{id}/check-runs`.
pub fn list_runs_for_suite(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    suite_id: &str,
    filter: &RunFilter,
) -> Result<(Repo, Vec<CheckRun>), GitHubError> {
    let (repo, suite) = get_suite(ctx, owner, name, suite_id)?;
    let runs = filtered(
        runs_where(ctx, &repo, |run| run.suite_id == suite.id),
        filter,
    )?;
    Ok((repo, runs))
}

pub fn get_run(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    id: &str,
) -> Result<(Repo, CheckRun), GitHubError> {
    by_id(ctx, owner, name, id, &ctx.hub.state.check_runs)
}

pub fn get_suite(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    id: &str,
) -> Result<(Repo, CheckSuite), GitHubError> {
    by_id(ctx, owner, name, id, &ctx.hub.state.check_suites)
}

/// A check run or suite of a repository the caller can read, by its ID (404 otherwise).
fn by_id<T: simkit::store::Record>(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    id: &str,
    records: &simkit::store::Collection<T>,
) -> Result<(Repo, T), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let id: u64 = id.parse().map_err(|_| GitHubError::NotFound)?;
    let record = records
        .get(&key(repo.id, id))
        .ok_or(GitHubError::NotFound)?;
    Ok((repo, record))
}

/// `GET …/commits/{ref}/check-suites`, oldest first.
pub fn list_suites_for_ref(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    reference: &str,
    app_slug: Option<&str>,
) -> Result<(Repo, Vec<CheckSuite>), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let sha = commit_of(ctx, &repo, reference)?;
    let suites = suites_of(ctx, &repo, &sha)
        .into_iter()
        .filter(|suite| app_slug.is_none_or(|slug| suite.app == slug))
        .collect();
    Ok((repo, suites))
}

/// A suite's status and conclusion from its runs: `queued` until a run starts, `in_progress`
/// until all complete; the conclusion is the most severe of its runs'.
pub fn suite_state(runs: &[CheckRun]) -> (String, Option<String>) {
    if runs.is_empty() {
        return ("queued".into(), None);
    }
    if runs.iter().any(|run| run.status != "completed") {
        let started = runs.iter().any(|run| run.status != "queued");
        let status = if started { "in_progress" } else { "queued" };
        return (status.into(), None);
    }
    const SEVERITY: [&str; 9] = [
        "action_required",
        "cancelled",
        "timed_out",
        "failure",
        "startup_failure",
        "stale",
        "neutral",
        "success",
        "skipped",
    ];
    let conclusion = SEVERITY
        .iter()
        .find(|c| {
            runs.iter()
                .any(|run| run.conclusion.as_deref() == Some(**c))
        })
        .map(|c| c.to_string());
    ("completed".into(), conclusion)
}

/// The runs of one suite, oldest first.
pub fn runs_of_suite(ctx: &Ctx<'_>, repo: &Repo, suite_id: u64) -> Vec<CheckRun> {
    runs_where(ctx, repo, |run| run.suite_id == suite_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(context: &str, state: &str) -> CommitStatus {
        CommitStatus {
            id: 1,
            repo_id: 1,
            sha: "a".into(),
            state: state.into(),
            target_url: None,
            description: None,
            context: context.into(),
            creator: "u".into(),
            created_at: 0,
        }
    }

    #[test]
    fn combined_state_follows_githubs_rules() {
        let check = |states: &[&str], expected: &str| {
            let latest: Vec<CommitStatus> = states
                .iter()
                .enumerate()
                .map(|(n, s)| status(&n.to_string(), s))
                .collect();
            assert_eq!(combined_state(&latest), expected, "{states:?}");
        };
        check(&[], "pending");
        check(&["success"], "success");
        check(&["success", "pending"], "pending");
        check(&["pending", "error"], "failure");
        check(&["success", "failure"], "failure");
    }

    #[test]
    fn a_conclusion_completes_a_run_and_completion_needs_one() {
        let mut run = CheckRun {
            id: 1,
            repo_id: 1,
            suite_id: 1,
            head_sha: "a".into(),
            name: "n".into(),
            status: "queued".into(),
            conclusion: None,
            details_url: None,
            external_id: None,
            started_at: None,
            completed_at: None,
            output_title: None,
            output_summary: None,
            output_text: None,
        };
        let blank = CheckRunInput {
            status: Some("completed".into()),
            ..CheckRunInput::default()
        };
        assert!(apply(&mut run.clone(), &blank, 5).is_err());
        let concluded = CheckRunInput {
            conclusion: Some("success".into()),
            ..CheckRunInput::default()
        };
        apply(&mut run, &concluded, 5).unwrap();
        assert_eq!(
            (run.status.as_str(), run.completed_at),
            ("completed", Some(5))
        );
        assert_eq!(
            suite_state(std::slice::from_ref(&run)),
            ("completed".into(), Some("success".into()))
        );
    }
}
