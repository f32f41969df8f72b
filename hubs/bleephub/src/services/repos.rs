//! Repositories: create (for the caller or an organization), get, list (for the caller, a
//! user, an organization, with `type`, `visibility`, `sort` and `direction`), update (rename,
//! visibility, settings) and delete. New repositories get GitHub's nine default labels.

use serde::Deserialize;

use super::Ctx;
use crate::error::{FieldError, GitHubError};
use crate::model::{self, AccountKind, Label, Repo, id_key, repo_name_key, repo_prefix};

/// `POST /user/repos` and `POST /orgs/{org}/repos`.
#[derive(Debug, Default, Deserialize)]
pub struct CreateRepo {
    pub name: String,
    pub description: Option<String>,
    pub homepage: Option<String>,
    pub private: Option<bool>,
    pub visibility: Option<String>,
    pub has_issues: Option<bool>,
    pub has_projects: Option<bool>,
    pub has_wiki: Option<bool>,
    pub has_discussions: Option<bool>,
    pub is_template: Option<bool>,
    pub auto_init: Option<bool>,
    pub allow_squash_merge: Option<bool>,
    pub allow_merge_commit: Option<bool>,
    pub allow_rebase_merge: Option<bool>,
    pub allow_auto_merge: Option<bool>,
    pub delete_branch_on_merge: Option<bool>,
}

/// `PATCH /repos/{owner}/{repo}`.
#[derive(Debug, Default, Deserialize)]
pub struct UpdateRepo {
    pub name: Option<String>,
    pub description: Option<String>,
    pub homepage: Option<String>,
    pub private: Option<bool>,
    pub visibility: Option<String>,
    pub has_issues: Option<bool>,
    pub has_projects: Option<bool>,
    pub has_wiki: Option<bool>,
    pub has_discussions: Option<bool>,
    pub is_template: Option<bool>,
    pub default_branch: Option<String>,
    pub archived: Option<bool>,
    pub allow_squash_merge: Option<bool>,
    pub allow_merge_commit: Option<bool>,
    pub allow_rebase_merge: Option<bool>,
    pub allow_auto_merge: Option<bool>,
    pub delete_branch_on_merge: Option<bool>,
}

/// Listing filters (`type`, `visibility`, `sort`, `direction`), as given.
#[derive(Debug, Default, Clone)]
pub struct ListRepos {
    pub kind: Option<String>,
    pub visibility: Option<String>,
    pub sort: Option<String>,
    pub direction: Option<String>,
}

/// GitHub's default labels, made with every repository.
const DEFAULT_LABELS: [(&str, &str, &str); 9] = [
    ("bug", "d73a4a", "Something isn't working"),
    (
        "documentation",
        "0075ca",
        "Improvements or additions to documentation",
    ),
    (
        "duplicate",
        "cfd3d7",
        "This issue or pull request already exists",
    ),
    ("enhancement", "a2eeef", "New feature or request"),
    ("good first issue", "7057ff", "Good for newcomers"),
    ("help wanted", "008672", "Extra attention is needed"),
    ("invalid", "e4e669", "This doesn't seem right"),
    ("question", "d876e3", "Further information is requested"),
    ("wontfix", "ffffff", "This will not be worked on"),
];

/// GitHub turns characters a repository name may not hold into hyphens.
pub fn normalize_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect()
}

fn name_problem(name: &str) -> Option<FieldError> {
    if name.is_empty() || name == "." || name == ".." || name.len() > 100 {
        return Some(FieldError::custom("Repository", "name", "name is invalid"));
    }
    None
}

fn visibility_of(
    private: Option<bool>,
    visibility: Option<&str>,
    current: bool,
) -> Result<(bool, String), GitHubError> {
    match visibility {
        Some(v @ ("public" | "private" | "internal")) => Ok((v != "public", v.to_string())),
        Some(_) => Err(GitHubError::ValidationFailed(vec![FieldError::new(
            "Repository",
            "visibility",
            "invalid",
        )])),
        None => {
            let private = private.unwrap_or(current);
            Ok((
                private,
                if private { "private" } else { "public" }.to_string(),
            ))
        }
    }
}

pub fn create(ctx: &Ctx<'_>, org: Option<&str>, input: CreateRepo) -> Result<Repo, GitHubError> {
    create_inner(ctx, org, input, None)
}

/// What a fork copies from its parent.
pub(crate) struct ForkOf<'a> {
    pub parent: &'a Repo,
    pub default_branch_only: bool,
}

/// Creates a repository, or with `fork_of` a fork: it keeps its parent's visibility and default
/// branch, takes the next free name (`name-1`, `name-2`, ... as GitHub does) when the owner
/// already has a repository of that name, and starts with the parent's branches and tags.
pub(crate) fn create_inner(
    ctx: &Ctx<'_>,
    org: Option<&str>,
    input: CreateRepo,
    fork_of: Option<ForkOf<'_>>,
) -> Result<Repo, GitHubError> {
    let caller = ctx.require_caller()?;
    let owner = match org {
        Some(org) => {
            let org = super::orgs::get(ctx, org)?;
            if ctx.org_role(&org.login).is_none() && !caller.account.site_admin {
                return Err(GitHubError::NotFound);
            }
            org.login
        }
        None => caller.login().to_string(),
    };
    let (private, visibility) = visibility_of(input.private, input.visibility.as_deref(), false)?;
    if !caller.has_scope(if private { "repo" } else { "public_repo" }) {
        return Err(GitHubError::NotFound);
    }
    let name = normalize_name(&input.name);
    if let Some(problem) = name_problem(&name) {
        return Err(GitHubError::ValidationFailed(vec![problem]));
    }
    let caller_login = caller.login().to_string();
    let state = &ctx.hub.state;
    let now = ctx.now;
    let repo = state.store.transaction(|txn| {
        let mut name = name.clone();
        let mut name_key = repo_name_key(&owner, &name);
        if fork_of.is_some() {
            let mut suffix = 0;
            while txn.contains(&state.repo_names, &name_key)? {
                suffix += 1;
                name = format!("{}-{suffix}", normalize_name(&input.name));
                name_key = repo_name_key(&owner, &name);
            }
        }
        if txn.contains(&state.repo_names, &name_key)? {
            return Err(GitHubError::ValidationFailed(vec![FieldError::custom(
                "Repository",
                "name",
                "name already exists on this account",
            )]));
        }
        let id = model::next_id(txn, &state.counters, "repository")?;
        let repo = Repo {
            id,
            owner: owner.clone(),
            name: name.clone(),
            description: input.description.filter(|d| !d.is_empty()),
            homepage: input.homepage,
            private,
            visibility,
            default_branch: fork_of
                .as_ref()
                .map_or_else(|| "main".to_string(), |f| f.parent.default_branch.clone()),
            has_issues: input.has_issues.unwrap_or(true),
            has_projects: input.has_projects.unwrap_or(true),
            has_wiki: input.has_wiki.unwrap_or(true),
            has_discussions: input.has_discussions.unwrap_or(false),
            is_template: input.is_template.unwrap_or(false),
            archived: false,
            allow_squash_merge: input.allow_squash_merge.unwrap_or(true),
            allow_merge_commit: input.allow_merge_commit.unwrap_or(true),
            allow_rebase_merge: input.allow_rebase_merge.unwrap_or(true),
            allow_auto_merge: input.allow_auto_merge.unwrap_or(false),
            delete_branch_on_merge: input.delete_branch_on_merge.unwrap_or(false),
            topics: Vec::new(),
            open_issues: 0,
            last_number: 0,
            created_at: now,
            updated_at: now,
            pushed_at: None,
            stargazers: 0,
            subscribers: 0,
            forks: 0,
            parent: fork_of.as_ref().map(|f| f.parent.id),
        };
        if let Some(fork_of) = &fork_of
            && let Some(mut parent) = txn.get(&state.repos, &id_key(fork_of.parent.id))?
        {
            parent.forks += 1;
            txn.insert(&state.repos, &id_key(parent.id), parent)?;
        }
        txn.insert(&state.repo_names, &name_key, id)?;
        txn.insert(&state.repos, &id_key(id), repo.clone())?;
        // Whoever creates a repository watches it, as on GitHub.
        super::stars::put_subscription(
            txn,
            state,
            &repo,
            Some(crate::model::Subscription {
                repo_id: id,
                login: caller_login.clone(),
                subscribed: true,
                ignored: false,
                created_at: now,
            }),
            &caller_login,
        )?;
        let repo = txn.get(&state.repos, &id_key(id))?.unwrap_or(repo);
        for (label_name, color, description) in DEFAULT_LABELS {
            let label_id = model::next_id(txn, &state.counters, "label")?;
            txn.insert(
                &state.labels,
                &model::label_key(id, label_name),
                Label {
                    id: label_id,
                    repo_id: id,
                    name: label_name.into(),
                    color: color.into(),
                    description: Some(description.into()),
                    default: true,
                },
            )?;
        }
        Ok(repo)
    })?;
    if let Some(fork_of) = &fork_of {
        ctx.hub
            .git
            .fork(
                &fork_of.parent.id.to_string(),
                &repo.id.to_string(),
                &repo.default_branch,
                fork_of.default_branch_only,
            )
            .map_err(super::git::internal)?;
        return Ok(repo);
    }
    let git = ctx
        .hub
        .git
        .create(&repo.id.to_string(), &repo.default_branch)
        .map_err(super::git::internal)?;
    if input.auto_init == Some(true) {
        let mut readme = format!("# {}\n", repo.name);
        if let Some(description) = &repo.description {
            readme.push_str(description);
            readme.push('\n');
        }
        let author = super::git::signature(&caller.account, ctx.now);
        git.commit(&simkit::git::CommitRequest {
            branch: repo.default_branch.clone(),
            start_branch: None,
            message: "Initial commit".into(),
            author,
            committer: None,
            files: vec![simkit::git::FileChange {
                path: "README.md".into(),
                content: Some(readme.into_bytes()),
            }],
            expected_head: None,
        })
        .map_err(super::git::internal)?;
        return super::git::touch_pushed(ctx, repo.id);
    }
    Ok(repo)
}

pub fn get(ctx: &Ctx<'_>, owner: &str, name: &str) -> Result<Repo, GitHubError> {
    ctx.readable_repo(owner, name)
}

/// Sorts as GitHub does: `full_name` ascending by default for the caller's and a user's
/// repositories, `created` descending for an organization's; `direction` overrides.
fn sort(repos: &mut [Repo], filters: &ListRepos, default_sort: &str) {
    let sort = filters.sort.as_deref().unwrap_or(default_sort);
    let ascending = match filters.direction.as_deref() {
        Some("asc") => true,
        Some("desc") => false,
        _ => sort == "full_name",
    };
    repos.sort_by(|a, b| {
        let order = match sort {
            "created" => a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)),
            "updated" => a.updated_at.cmp(&b.updated_at).then(a.id.cmp(&b.id)),
            "pushed" => a.pushed_at.cmp(&b.pushed_at).then(a.id.cmp(&b.id)),
            _ => a
                .full_name()
                .to_lowercase()
                .cmp(&b.full_name().to_lowercase()),
        };
        if ascending { order } else { order.reverse() }
    });
}

fn invalid_filter(field: &str) -> GitHubError {
    GitHubError::ValidationFailed(vec![FieldError::new("Repository", field, "invalid")])
}

pub fn list_for_authenticated_user(
    ctx: &Ctx<'_>,
    filters: ListRepos,
) -> Result<Vec<Repo>, GitHubError> {
    let caller = ctx.require_caller()?;
    if filters.kind.is_some() && filters.visibility.is_some() {
        return Err(GitHubError::ValidationFailed(vec![FieldError::custom(
            "Repository",
            "type",
            "If you specify visibility or affiliation, you cannot specify type.",
        )]));
    }
    let kind = filters.kind.as_deref().unwrap_or("all");
    if !matches!(kind, "all" | "owner" | "public" | "private" | "member") {
        return Err(invalid_filter("type"));
    }
    let visibility = filters.visibility.as_deref().unwrap_or("all");
    let login = caller.login().to_string();
    let mut repos: Vec<Repo> = ctx
        .hub
        .state
        .repos
        .all()
        .into_iter()
        .map(|(_, repo)| repo)
        .filter(|repo| {
            let owned = repo.owner.eq_ignore_ascii_case(&login);
            let via_org = !owned && ctx.org_role(&repo.owner).is_some();
            (owned || via_org)
                && ctx.can_read(repo)
                && match kind {
                    "owner" => owned,
                    "public" => !repo.private,
                    "private" => repo.private,
                    "member" => via_org,
                    _ => true,
                }
                && match visibility {
                    "public" => !repo.private,
                    "private" => repo.private,
                    _ => true,
                }
        })
        .collect();
    sort(&mut repos, &filters, "full_name");
    Ok(repos)
}

pub fn list_for_user(
    ctx: &Ctx<'_>,
    username: &str,
    filters: ListRepos,
) -> Result<Vec<Repo>, GitHubError> {
    let user = ctx
        .hub
        .state
        .account(username)
        .ok_or(GitHubError::NotFound)?;
    let kind = filters.kind.as_deref().unwrap_or("owner");
    if !matches!(kind, "all" | "owner" | "member") {
        return Err(invalid_filter("type"));
    }
    let mut repos: Vec<Repo> = ctx
        .hub
        .state
        .repos
        .all()
        .into_iter()
        .map(|(_, repo)| repo)
        .filter(|repo| {
            repo.owner.eq_ignore_ascii_case(&user.login) && !repo.private && kind != "member"
        })
        .collect();
    sort(&mut repos, &filters, "full_name");
    Ok(repos)
}

pub fn list_for_org(
    ctx: &Ctx<'_>,
    org: &str,
    filters: ListRepos,
) -> Result<Vec<Repo>, GitHubError> {
    let org = super::orgs::get(ctx, org)?;
    let kind = filters.kind.as_deref().unwrap_or("all");
    if !matches!(
        kind,
        "all" | "public" | "private" | "forks" | "sources" | "member"
    ) {
        return Err(invalid_filter("type"));
    }
    let mut repos: Vec<Repo> = ctx
        .hub
        .state
        .repos
        .all()
        .into_iter()
        .map(|(_, repo)| repo)
        .filter(|repo| {
            repo.owner.eq_ignore_ascii_case(&org.login)
                && ctx.can_read(repo)
                && match kind {
                    "public" => !repo.private,
                    "private" => repo.private,
                    "forks" => false,
                    _ => true,
                }
        })
        .collect();
    sort(&mut repos, &filters, "created");
    Ok(repos)
}

/// The repository if the caller administers it; else `Not Found` (cannot see it, or the token
/// lacks the scope) or GitHub's 403.
fn administered(ctx: &Ctx<'_>, owner: &str, name: &str) -> Result<Repo, GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    ctx.require_caller()?;
    if !ctx.write_scope(&repo) {
        return Err(GitHubError::NotFound);
    }
    if !ctx.permissions(&repo).admin {
        return Err(GitHubError::Forbidden(
            "Must have admin rights to Repository.".into(),
        ));
    }
    Ok(repo)
}

pub fn update(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    input: UpdateRepo,
) -> Result<Repo, GitHubError> {
    let repo = administered(ctx, owner, name)?;
    let (private, visibility) =
        visibility_of(input.private, input.visibility.as_deref(), repo.private)?;
    let new_name = match &input.name {
        Some(requested) => {
            let normalized = normalize_name(requested);
            if let Some(problem) = name_problem(&normalized) {
                return Err(GitHubError::ValidationFailed(vec![problem]));
            }
            normalized
        }
        None => repo.name.clone(),
    };
    let git = ctx
        .hub
        .git
        .open(&repo.id.to_string())
        .map_err(super::git::internal)?;
    if let Some(branch) = &input.default_branch
        && *branch != repo.default_branch
    {
        if git.is_empty().map_err(super::git::internal)? {
            return Err(GitHubError::ValidationFailed(vec![FieldError::custom(
                "Repository",
                "default_branch",
                "Cannot update default branch for an empty repository. Please init the repository and push first.",
            )]));
        }
        let exists = simkit::git::names::check_branch(branch).is_ok()
            && git
                .resolve(&format!("refs/heads/{branch}"))
                .map_err(super::git::internal)?
                .is_some();
        if !exists {
            return Err(GitHubError::ValidationFailed(vec![FieldError::new(
                "Repository",
                "default_branch",
                "invalid",
            )]));
        }
    }
    let state = &ctx.hub.state;
    let now = ctx.now;
    let updated = state.store.transaction(|txn| {
        let old_key = repo_name_key(&repo.owner, &repo.name);
        let new_key = repo_name_key(&repo.owner, &new_name);
        if new_key != old_key {
            if txn.contains(&state.repo_names, &new_key)? {
                return Err(GitHubError::ValidationFailed(vec![FieldError::custom(
                    "Repository",
                    "name",
                    "name already exists on this account",
                )]));
            }
            txn.remove(&state.repo_names, &old_key)?;
            txn.insert(&state.repo_names, &new_key, repo.id)?;
        }
        let mut updated = repo.clone();
        updated.name = new_name.clone();
        updated.private = private;
        updated.visibility = visibility.clone();
        if let Some(description) = input.description {
            updated.description = Some(description).filter(|d| !d.is_empty());
        }
        if let Some(homepage) = input.homepage {
            updated.homepage = Some(homepage);
        }
        let flags = [
            (&mut updated.has_issues, input.has_issues),
            (&mut updated.has_projects, input.has_projects),
            (&mut updated.has_wiki, input.has_wiki),
            (&mut updated.has_discussions, input.has_discussions),
            (&mut updated.is_template, input.is_template),
            (&mut updated.archived, input.archived),
            (&mut updated.allow_squash_merge, input.allow_squash_merge),
            (&mut updated.allow_merge_commit, input.allow_merge_commit),
            (&mut updated.allow_rebase_merge, input.allow_rebase_merge),
            (&mut updated.allow_auto_merge, input.allow_auto_merge),
            (
                &mut updated.delete_branch_on_merge,
                input.delete_branch_on_merge,
            ),
        ];
        for (field, value) in flags {
            if let Some(value) = value {
                *field = value;
            }
        }
        if let Some(branch) = &input.default_branch {
            updated.default_branch = branch.clone();
        }
        updated.updated_at = now;
        txn.insert(&state.repos, &id_key(repo.id), updated.clone())?;
        Ok(updated)
    })?;
    if updated.default_branch != repo.default_branch {
        git.set_default_branch(&updated.default_branch)
            .map_err(super::git::internal)?;
    }
    Ok(updated)
}

pub fn delete(ctx: &Ctx<'_>, owner: &str, name: &str) -> Result<(), GitHubError> {
    let repo = administered(ctx, owner, name)?;
    if !ctx
        .caller
        .as_ref()
        .is_some_and(|c| c.has_scope("delete_repo"))
    {
        return Err(GitHubError::Forbidden(
            "Must have admin rights to Repository.".into(),
        ));
    }
    let state = &ctx.hub.state;
    state.store.transaction(|txn| {
        txn.remove(&state.repo_names, &repo_name_key(&repo.owner, &repo.name))?;
        txn.remove(&state.repos, &id_key(repo.id))?;
        if let Some(parent_id) = repo.parent
            && let Some(mut parent) = txn.get(&state.repos, &id_key(parent_id))?
        {
            parent.forks = parent.forks.saturating_sub(1);
            txn.insert(&state.repos, &id_key(parent_id), parent)?;
        }
        let prefix = repo_prefix(repo.id);
        txn.remove_prefix(&state.issues, &prefix)?;
        txn.remove_prefix(&state.comments, &prefix)?;
        txn.remove_prefix(&state.labels, &prefix)?;
        txn.remove_prefix(&state.protections, &prefix)?;
        txn.remove_prefix(&state.pulls, &prefix)?;
        txn.remove_prefix(&state.reviews, &prefix)?;
        txn.remove_prefix(&state.review_comments, &prefix)?;
        txn.remove_prefix(&state.stars, &prefix)?;
        txn.remove_prefix(&state.subscriptions, &prefix)?;
        txn.remove_prefix(&state.collaborators, &prefix)?;
        txn.remove_prefix(&state.milestones, &prefix)?;
        txn.remove_prefix(&state.issue_milestones, &prefix)?;
        txn.remove_prefix(&state.deploy_keys, &prefix)?;
        Ok::<_, GitHubError>(())
    })?;
    match ctx.hub.git.delete(&repo.id.to_string()) {
        Ok(()) | Err(simkit::git::GitError::NotFound(_)) => Ok(()),
        Err(error) => Err(super::git::internal(error)),
    }
}

/// Whether the owner of `repo` is an organization.
pub fn owner_is_org(ctx: &Ctx<'_>, repo: &Repo) -> bool {
    ctx.hub
        .state
        .account(&repo.owner)
        .is_some_and(|a| a.kind == AccountKind::Organization)
}
