//! GitHub's GraphQL API at `/graphql` (and `/api/graphql` for Enterprise), executed by
//! async-graphql: real parsing, validation and introspection, so `__type(name: "Repository")`
//! answers what the schema here holds and an unknown field is GraphQL's validation error,
//! never a guess. Types, fields, arguments and enums carry GitHub's names.
//!
//! What is here: `viewer`, `user`, `organization`, `repositoryOwner`, `node`, `repository` (with
//! `issues`, `issue`, `issueOrPullRequest`, `labels`, `defaultBranchRef`, and through `pulls`
//! `pullRequest` and `pullRequests`), commits read from git, and the mutations `createIssue`,
//! `closeIssue`, `reopenIssue` and `addComment` (pull requests' are in `pulls`). Every list
//! pages through `connection`. Fields gh selects for features not built (milestones, reactions,
//! projects, sub-issues, issue types) answer what GitHub answers when there are none. Resolvers
//! call the same services as REST.
//!
//! What this module must not do: hold rules of its own (services decide), or match on query
//! text.

use std::sync::Arc;

use async_graphql::connection::{Edge, EmptyFields};
use async_graphql::{
    Context, EmptySubscription, Enum, ErrorExtensions, ID, InputObject, Interface, Object, Schema,
    SimpleObject,
};
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use http::request::Parts;
use serde::{Deserialize, Serialize};
use simkit::context::RequestContext;

mod checks;
mod connection;
mod projects;
mod pulls;
mod releases;
mod search;

use self::connection::{Page, Window, cursor, paginate};
use crate::Hub;
use crate::auth::{self, Principal};
use crate::error::GitHubError;
use crate::model::{Account, AccountKind};
use crate::render::{self, Urls, node_id, timestamp};
use crate::services::{Ctx, issues, labels, repos};

/// GitHub's `DateTime` scalar: an ISO-8601 string.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DateTime(pub String);
async_graphql::scalar!(DateTime);

/// GitHub's `URI` scalar.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[allow(clippy::upper_case_acronyms)]
pub struct URI(pub String);
async_graphql::scalar!(URI);

/// GitHub's `GitObjectID` scalar.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GitObjectID(pub String);
async_graphql::scalar!(GitObjectID);

/// What each request's resolvers share: the hub, the caller and where the client is.
struct Request {
    hub: Arc<Hub>,
    caller: Option<Principal>,
    now: i64,
    urls: Urls,
}

impl Request {
    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            hub: &self.hub,
            caller: self.caller.clone(),
            now: self.now,
        }
    }
}

fn request<'a>(ctx: &Context<'a>) -> &'a Request {
    // The data is inserted for every request in `serve`; a missing one is a bug of ours.
    ctx.data_unchecked::<Request>()
}

/// A service error as GraphQL errors look on GitHub (`type` in the extensions).
fn graphql_error(error: GitHubError, not_found: impl FnOnce() -> String) -> async_graphql::Error {
    match error {
        GitHubError::NotFound => {
            async_graphql::Error::new(not_found()).extend_with(|_, e| e.set("type", "NOT_FOUND"))
        }
        GitHubError::Forbidden(message) => {
            async_graphql::Error::new(message).extend_with(|_, e| e.set("type", "FORBIDDEN"))
        }
        GitHubError::ValidationFailed(errors) => async_graphql::Error::new(
            errors
                .iter()
                .map(|e| {
                    e.message
                        .clone()
                        .unwrap_or_else(|| format!("{} is {}", e.field, e.code))
                })
                .collect::<Vec<_>>()
                .join(", "),
        )
        .extend_with(|_, e| e.set("type", "UNPROCESSABLE")),
        // GitHub's GraphQL answers the reasons REST lists under `errors`, e.g. "Can not
        // approve your own pull request".
        GitHubError::Unprocessable(message, reasons) => {
            async_graphql::Error::new(if reasons.is_empty() {
                message
            } else {
                reasons.join(", ")
            })
            .extend_with(|_, e| e.set("type", "UNPROCESSABLE"))
        }
        GitHubError::MethodNotAllowed(message) | GitHubError::Conflict(message) => {
            async_graphql::Error::new(message).extend_with(|_, e| e.set("type", "UNPROCESSABLE"))
        }
        other => async_graphql::Error::new(other.to_string()),
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum RepositoryVisibility {
    Public,
    Private,
    Internal,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum RepositoryPermission {
    Admin,
    Maintain,
    Write,
    Triage,
    Read,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum IssueState {
    Open,
    Closed,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum IssueStateReason {
    Completed,
    NotPlanned,
    Reopened,
    Duplicate,
}

/// `User`.
pub struct User(Account);

#[Object]
impl User {
    async fn id(&self) -> ID {
        ID(node_id("User", self.0.id))
    }
    async fn database_id(&self) -> i64 {
        self.0.id as i64
    }
    async fn login(&self) -> &str {
        &self.0.login
    }
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }
    async fn email(&self) -> String {
        self.0.email.clone().unwrap_or_default()
    }
    async fn bio(&self) -> Option<&str> {
        self.0.bio.as_deref()
    }
    async fn company(&self) -> Option<&str> {
        self.0.company.as_deref()
    }
    async fn location(&self) -> Option<&str> {
        self.0.location.as_deref()
    }
    async fn is_site_admin(&self) -> bool {
        self.0.site_admin
    }
    async fn created_at(&self) -> DateTime {
        DateTime(timestamp(self.0.created_at))
    }
    async fn url(&self, ctx: &Context<'_>) -> URI {
        URI(format!("{}/{}", request(ctx).urls.html, self.0.login))
    }
    async fn avatar_url(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "size")] _size: Option<i32>,
    ) -> URI {
        URI(format!(
            "{}/avatars/u/{}",
            request(ctx).urls.html,
            self.0.id
        ))
    }
    /// The user's repositories (owned, or through organizations with `ownerAffiliations`).
    // Each argument is one of GitHub's GraphQL arguments for this field.
    #[allow(clippy::too_many_arguments)]
    async fn repositories(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        privacy: Option<RepositoryPrivacy>,
        owner_affiliations: Option<Vec<RepositoryAffiliation>>,
        #[graphql(name = "orderBy")] _order_by: Option<RepositoryOrder>,
        is_fork: Option<bool>,
    ) -> async_graphql::Result<Page<Repository>> {
        repositories_of(
            ctx,
            &self.0,
            first,
            after,
            privacy,
            owner_affiliations,
            is_fork,
        )
    }
    async fn organizations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<Organization>> {
        let orgs = crate::services::orgs::orgs_of(&request(ctx).ctx(), &self.0.login);
        paginate(
            orgs.into_iter().map(Organization).collect(),
            Window::forward(first, after),
        )
    }
}

/// `Organization`.
pub struct Organization(Account);

#[Object]
impl Organization {
    async fn id(&self) -> ID {
        ID(node_id("Organization", self.0.id))
    }
    async fn database_id(&self) -> i64 {
        self.0.id as i64
    }
    async fn login(&self) -> &str {
        &self.0.login
    }
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn url(&self, ctx: &Context<'_>) -> URI {
        URI(format!("{}/{}", request(ctx).urls.html, self.0.login))
    }
    async fn repositories(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        privacy: Option<RepositoryPrivacy>,
        #[graphql(name = "orderBy")] _order_by: Option<RepositoryOrder>,
        is_fork: Option<bool>,
    ) -> async_graphql::Result<Page<Repository>> {
        repositories_of(ctx, &self.0, first, after, privacy, None, is_fork)
    }
}

/// `RepositoryOwner`: users and organizations.
#[derive(Interface)]
#[graphql(
    field(name = "id", ty = "ID"),
    field(name = "login", ty = "&str"),
    field(name = "url", ty = "URI")
)]
pub enum RepositoryOwner {
    User(User),
    Organization(Organization),
}

fn owner_of(account: Account) -> RepositoryOwner {
    match account.kind {
        AccountKind::User | AccountKind::Bot => RepositoryOwner::User(User(account)),
        AccountKind::Organization => RepositoryOwner::Organization(Organization(account)),
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum RepositoryPrivacy {
    Public,
    Private,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum RepositoryAffiliation {
    Owner,
    Collaborator,
    OrganizationMember,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum OrderDirection {
    Asc,
    Desc,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum RepositoryOrderField {
    CreatedAt,
    UpdatedAt,
    PushedAt,
    Name,
    Stargazers,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum IssueOrderField {
    CreatedAt,
    UpdatedAt,
    Comments,
}

#[derive(InputObject)]
pub struct IssueOrder {
    pub field: IssueOrderField,
    pub direction: OrderDirection,
}

/// `IssueFilters` (`filterBy`).
#[derive(InputObject)]
pub struct IssueFilters {
    pub assignee: Option<String>,
    pub created_by: Option<String>,
    pub labels: Option<Vec<String>>,
    pub mentioned: Option<String>,
    pub milestone: Option<String>,
    pub states: Option<Vec<IssueState>>,
}

#[derive(InputObject)]
pub struct RepositoryOrder {
    pub field: RepositoryOrderField,
    pub direction: OrderDirection,
}

fn repositories_of(
    ctx: &Context<'_>,
    owner: &Account,
    first: Option<i32>,
    after: Option<String>,
    privacy: Option<RepositoryPrivacy>,
    affiliations: Option<Vec<RepositoryAffiliation>>,
    is_fork: Option<bool>,
) -> async_graphql::Result<Page<Repository>> {
    let request = request(ctx);
    let service = request.ctx();
    let via_orgs = affiliations
        .as_ref()
        .is_some_and(|a| a.contains(&RepositoryAffiliation::OrganizationMember));
    let mut list: Vec<crate::model::Repo> = request
        .hub
        .state
        .repos
        .all()
        .into_iter()
        .map(|(_, repo)| repo)
        .filter(|repo| {
            let owned = repo.owner.eq_ignore_ascii_case(&owner.login);
            let member = via_orgs
                && request
                    .hub
                    .state
                    .membership(&repo.owner, &owner.login)
                    .is_some_and(|m| m.state == "active");
            (owned || member) && service.can_read(repo)
        })
        .filter(|repo| match privacy {
            Some(RepositoryPrivacy::Public) => !repo.private,
            Some(RepositoryPrivacy::Private) => repo.private,
            None => true,
        })
        .filter(|repo| is_fork.is_none_or(|fork| repo.parent.is_some() == fork))
        .collect();
    list.sort_by(|a, b| {
        b.pushed_at
            .max(Some(b.updated_at))
            .cmp(&a.pushed_at.max(Some(a.updated_at)))
            .then(b.id.cmp(&a.id))
    });
    paginate(
        list.into_iter().map(Repository).collect(),
        Window::forward(first, after),
    )
}

/// `Repository`.
pub struct Repository(crate::model::Repo);

/// `Commit`: an object ID, read from git when a field needs more than the ID.
pub struct Commit {
    repo_id: u64,
    oid: String,
    loaded: std::sync::OnceLock<Option<simkit::git::Commit>>,
}

impl Commit {
    fn new(repo_id: u64, oid: String) -> Self {
        Commit {
            repo_id,
            oid,
            loaded: std::sync::OnceLock::new(),
        }
    }

    fn loaded(repo_id: u64, commit: simkit::git::Commit) -> Self {
        Commit {
            repo_id,
            oid: commit.sha.clone(),
            loaded: std::sync::OnceLock::from(Some(commit)),
        }
    }

    fn git(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&simkit::git::Commit>> {
        if let Some(commit) = self.loaded.get() {
            return Ok(commit.as_ref());
        }
        let git = request(ctx).hub.git.open(&self.repo_id.to_string())?;
        let commit = git.commit_info(&self.oid)?;
        Ok(self.loaded.get_or_init(|| commit).as_ref())
    }

    fn message_text(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        Ok(self
            .git(ctx)?
            .map(|c| c.message.clone())
            .unwrap_or_default())
    }
}

/// `GitActor`: a commit's author or committer, with the user whose email it is.
pub struct GitActor(simkit::git::Signature);

#[Object]
impl GitActor {
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn email(&self) -> &str {
        &self.0.email
    }
    async fn date(&self) -> DateTime {
        DateTime(timestamp(self.0.time * 1000))
    }
    async fn user(&self, ctx: &Context<'_>) -> Option<User> {
        request(ctx)
            .hub
            .state
            .accounts
            .all()
            .into_iter()
            .map(|(_, account)| account)
            .find(|account| {
                account
                    .email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(&self.0.email))
            })
            .map(User)
    }
}

#[Object]
impl Commit {
    async fn id(&self) -> ID {
        ID(base64::engine::general_purpose::STANDARD
            .encode(format!("06:Commit{}:{}", self.repo_id, self.oid)))
    }
    async fn oid(&self) -> GitObjectID {
        GitObjectID(self.oid.clone())
    }
    async fn abbreviated_oid(&self) -> String {
        self.oid.chars().take(7).collect()
    }
    async fn message(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        self.message_text(ctx)
    }
    async fn message_headline(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        Ok(self
            .message_text(ctx)?
            .lines()
            .next()
            .unwrap_or_default()
            .to_string())
    }
    async fn message_body(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        let message = self.message_text(ctx)?;
        Ok(message
            .split_once('\n')
            .map(|(_, rest)| rest.trim_matches('\n').to_string())
            .unwrap_or_default())
    }
    async fn committed_date(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<DateTime>> {
        Ok(self
            .git(ctx)?
            .map(|c| DateTime(timestamp(c.committer.time * 1000))))
    }
    async fn authored_date(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<DateTime>> {
        Ok(self
            .git(ctx)?
            .map(|c| DateTime(timestamp(c.author.time * 1000))))
    }
    async fn author(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<GitActor>> {
        Ok(self.git(ctx)?.map(|c| GitActor(c.author.clone())))
    }
    async fn committer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<GitActor>> {
        Ok(self.git(ctx)?.map(|c| GitActor(c.committer.clone())))
    }
    /// Git records one author per commit; co-authors in trailers are not read.
    async fn authors(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<GitActor>> {
        let list = self
            .git(ctx)?
            .map(|c| vec![GitActor(c.author.clone())])
            .unwrap_or_default();
        paginate(list, Window::forward(first, after))
    }
    /// The latest status of each context and check run of each name; null with neither.
    async fn status_check_rollup(&self, ctx: &Context<'_>) -> Option<checks::StatusCheckRollup> {
        let request = request(ctx);
        let service = request.ctx();
        let repo = request
            .hub
            .state
            .repos
            .get(&crate::model::id_key(self.repo_id))?;
        let statuses = crate::services::checks::latest_statuses(&service, &repo, &self.oid);
        let runs = crate::services::checks::latest_runs(&service, &repo, &self.oid);
        checks::rollup(&statuses, &runs)
    }
}

/// `Ref`.
pub struct Ref {
    repo_id: u64,
    name: String,
    target: Option<String>,
}

impl Ref {
    /// The branch `name` of `repo`, while it exists.
    fn branch(
        ctx: &Context<'_>,
        repo: &crate::model::Repo,
        name: &str,
    ) -> async_graphql::Result<Option<Ref>> {
        if simkit::git::names::check_branch(name).is_err() {
            return Ok(None);
        }
        let git = request(ctx).hub.git.open(&repo.id.to_string())?;
        let target = git.resolve(&format!("refs/heads/{name}"))?;
        Ok(target.map(|target| Ref {
            repo_id: repo.id,
            name: name.to_string(),
            target: Some(target),
        }))
    }
}

/// `BranchProtectionRule`, read from the branch's protection.
pub struct BranchProtectionRule(crate::model::BranchProtection);

#[Object]
impl BranchProtectionRule {
    async fn pattern(&self) -> &str {
        &self.0.branch
    }
    async fn requires_status_checks(&self) -> bool {
        self.0.required_status_checks.is_some()
    }
    async fn requires_strict_status_checks(&self) -> bool {
        self.0
            .required_status_checks
            .as_ref()
            .is_some_and(|(strict, _)| *strict)
    }
    async fn required_status_check_contexts(&self) -> Vec<String> {
        self.0
            .required_status_checks
            .as_ref()
            .map(|(_, contexts)| contexts.clone())
            .unwrap_or_default()
    }
    async fn requires_approving_reviews(&self) -> bool {
        self.0.required_approving_review_count.is_some()
    }
    async fn required_approving_review_count(&self) -> Option<i32> {
        self.0.required_approving_review_count.map(|n| n as i32)
    }
    async fn dismisses_stale_reviews(&self) -> bool {
        self.0.dismiss_stale_reviews
    }
    async fn requires_code_owner_reviews(&self) -> bool {
        self.0.require_code_owner_reviews
    }
    async fn requires_linear_history(&self) -> bool {
        self.0.required_linear_history
    }
    async fn is_admin_enforced(&self) -> bool {
        self.0.enforce_admins
    }
    async fn allows_force_pushes(&self) -> bool {
        self.0.allow_force_pushes
    }
    async fn allows_deletions(&self) -> bool {
        self.0.allow_deletions
    }
}

#[Object]
impl Ref {
    async fn branch_protection_rule(&self, ctx: &Context<'_>) -> Option<BranchProtectionRule> {
        request(ctx)
            .hub
            .state
            .protections
            .get(&crate::model::protection_key(self.repo_id, &self.name))
            .map(BranchProtectionRule)
    }
    async fn name(&self) -> &str {
        &self.name
    }
    async fn prefix(&self) -> &str {
        "refs/heads/"
    }
    async fn target(&self) -> Option<Commit> {
        self.target
            .clone()
            .map(|oid| Commit::new(self.repo_id, oid))
    }
}

#[Object]
impl Repository {
    async fn id(&self) -> ID {
        ID(node_id("Repository", self.0.id))
    }
    async fn releases(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        order_by: Option<releases::ReleaseOrder>,
    ) -> async_graphql::Result<Page<releases::Release>> {
        let window = Window {
            first,
            after,
            last,
            before,
        };
        releases::page(ctx, &self.0, order_by, window)
    }
    async fn latest_release(&self, ctx: &Context<'_>) -> Option<releases::Release> {
        releases::latest(ctx, &self.0)
    }
    async fn database_id(&self) -> i64 {
        self.0.id as i64
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn name_with_owner(&self) -> String {
        self.0.full_name()
    }
    async fn owner(&self, ctx: &Context<'_>) -> RepositoryOwner {
        owner_of(render::account_or_ghost(
            &request(ctx).hub.state,
            &self.0.owner,
        ))
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn homepage_url(&self) -> Option<URI> {
        self.0.homepage.clone().map(URI)
    }
    async fn url(&self, ctx: &Context<'_>) -> URI {
        URI(format!("{}/{}", request(ctx).urls.html, self.0.full_name()))
    }
    async fn ssh_url(&self, ctx: &Context<'_>) -> String {
        let html = &request(ctx).urls.html;
        let host = html.split_once("://").map_or(html.as_str(), |(_, h)| h);
        format!("git@{host}:{}.git", self.0.full_name())
    }
    async fn is_private(&self) -> bool {
        self.0.private
    }
    async fn visibility(&self) -> RepositoryVisibility {
        match self.0.visibility.as_str() {
            "private" => RepositoryVisibility::Private,
            "internal" => RepositoryVisibility::Internal,
            _ => RepositoryVisibility::Public,
        }
    }
    async fn is_archived(&self) -> bool {
        self.0.archived
    }
    async fn is_fork(&self) -> bool {
        self.0.parent.is_some()
    }
    async fn is_mirror(&self) -> bool {
        false
    }
    async fn is_template(&self) -> bool {
        self.0.is_template
    }
    async fn is_in_organization(&self, ctx: &Context<'_>) -> bool {
        repos::owner_is_org(&request(ctx).ctx(), &self.0)
    }
    async fn is_empty(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        let git = request(ctx).hub.git.open(&self.0.id.to_string())?;
        Ok(git.is_empty()?)
    }
    async fn parent(&self, ctx: &Context<'_>) -> Option<Repository> {
        let service = request(ctx).ctx();
        let (parent, _) = crate::services::forks::lineage(&service, &self.0)?;
        service.can_read(&parent).then_some(Repository(parent))
    }
    async fn created_at(&self) -> DateTime {
        DateTime(timestamp(self.0.created_at))
    }
    async fn updated_at(&self) -> DateTime {
        DateTime(timestamp(self.0.updated_at))
    }
    async fn pushed_at(&self) -> Option<DateTime> {
        self.0.pushed_at.map(|t| DateTime(timestamp(t)))
    }
    async fn has_issues_enabled(&self) -> bool {
        self.0.has_issues
    }
    async fn has_wiki_enabled(&self) -> bool {
        self.0.has_wiki
    }
    async fn has_projects_enabled(&self) -> bool {
        self.0.has_projects
    }
    async fn has_discussions_enabled(&self) -> bool {
        self.0.has_discussions
    }
    async fn merge_commit_allowed(&self) -> bool {
        self.0.allow_merge_commit
    }
    async fn squash_merge_allowed(&self) -> bool {
        self.0.allow_squash_merge
    }
    async fn rebase_merge_allowed(&self) -> bool {
        self.0.allow_rebase_merge
    }
    async fn delete_branch_on_merge(&self) -> bool {
        self.0.delete_branch_on_merge
    }
    async fn stargazer_count(&self) -> i32 {
        i32::try_from(self.0.stargazers).unwrap_or(i32::MAX)
    }
    async fn fork_count(&self) -> i32 {
        i32::try_from(self.0.forks).unwrap_or(i32::MAX)
    }
    async fn viewer_permission(&self, ctx: &Context<'_>) -> Option<RepositoryPermission> {
        let service = request(ctx).ctx();
        service.caller.as_ref()?;
        let permissions = service.permissions(&self.0);
        if permissions.admin {
            Some(RepositoryPermission::Admin)
        } else if permissions.push {
            Some(RepositoryPermission::Write)
        } else if permissions.pull {
            Some(RepositoryPermission::Read)
        } else {
            None
        }
    }
    async fn viewer_can_administer(&self, ctx: &Context<'_>) -> bool {
        request(ctx).ctx().permissions(&self.0).admin
    }
    async fn default_branch_ref(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Ref>> {
        Ref::branch(ctx, &self.0, &self.0.default_branch)
    }
    async fn pull_request(
        &self,
        ctx: &Context<'_>,
        number: i32,
    ) -> async_graphql::Result<Option<pulls::PullRequest>> {
        pulls::pull_request(ctx, &self.0, number)
    }
    // Each argument is one of GitHub's GraphQL arguments for this field.
    #[allow(clippy::too_many_arguments)]
    async fn pull_requests(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        states: Option<Vec<pulls::PullRequestState>>,
        head_ref_name: Option<String>,
        base_ref_name: Option<String>,
        labels: Option<Vec<String>>,
        order_by: Option<pulls::IssueOrderForPulls>,
    ) -> async_graphql::Result<Page<pulls::PullRequest>> {
        pulls::pull_requests(
            ctx,
            &self.0,
            pulls::PullFilters {
                states,
                head_ref_name,
                base_ref_name,
                labels,
                order_by,
            },
            Window {
                first,
                after,
                last,
                before,
            },
        )
    }
    /// The issue or pull request with this number.
    async fn issue_or_pull_request(
        &self,
        ctx: &Context<'_>,
        number: i32,
    ) -> async_graphql::Result<Option<IssueOrPullRequest>> {
        let request = request(ctx);
        let (repo, issue) = issues::get(
            &request.ctx(),
            &self.0.owner,
            &self.0.name,
            &number.to_string(),
        )
        .map_err(|error| {
            graphql_error(error, || {
                format!(
                    "Could not resolve to an issue or pull request with the number of {number}."
                )
            })
        })?;
        if issue.pull_request {
            Ok(pulls::pull_request(ctx, &repo, number)?.map(IssueOrPullRequest::PullRequest))
        } else {
            Ok(Some(IssueOrPullRequest::Issue(Issue { repo, issue })))
        }
    }
    // Each argument is one of GitHub's GraphQL arguments for this field.
    #[allow(clippy::too_many_arguments)]
    async fn issues(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        states: Option<Vec<IssueState>>,
        labels: Option<Vec<String>>,
        order_by: Option<IssueOrder>,
        filter_by: Option<IssueFilters>,
    ) -> async_graphql::Result<Page<Issue>> {
        let request = request(ctx);
        let (sort, direction) = match &order_by {
            Some(order) => (
                match order.field {
                    IssueOrderField::CreatedAt => "created",
                    IssueOrderField::UpdatedAt => "updated",
                    IssueOrderField::Comments => "comments",
                },
                match order.direction {
                    OrderDirection::Asc => "asc",
                    OrderDirection::Desc => "desc",
                },
            ),
            None => ("created", "asc"),
        };
        let states = states.or_else(|| filter_by.as_ref().and_then(|f| f.states.clone()));
        let filters = issues::ListIssues {
            state: Some("all".into()),
            labels: labels
                .or_else(|| filter_by.as_ref().and_then(|f| f.labels.clone()))
                .map(|l| l.join(",")),
            sort: Some(sort.into()),
            direction: Some(direction.into()),
            creator: filter_by.as_ref().and_then(|f| f.created_by.clone()),
            assignee: filter_by.as_ref().and_then(|f| f.assignee.clone()),
            since: None,
        };
        let (repo, list) =
            issues::list_for_repo(&request.ctx(), &self.0.owner, &self.0.name, filters)
                .map_err(|e| graphql_error(e, String::new))?;
        let list = list
            .into_iter()
            .filter(|issue| !issue.pull_request)
            .filter(|issue| {
                states.as_ref().is_none_or(|states| {
                    states.contains(&if issue.state == "open" {
                        IssueState::Open
                    } else {
                        IssueState::Closed
                    })
                })
            })
            .map(|issue| Issue {
                repo: repo.clone(),
                issue,
            })
            .collect();
        paginate(list, Window::forward(first, after))
    }
    async fn issue(&self, ctx: &Context<'_>, number: i32) -> async_graphql::Result<Option<Issue>> {
        let request = request(ctx);
        match issues::get(
            &request.ctx(),
            &self.0.owner,
            &self.0.name,
            &number.to_string(),
        ) {
            Ok((repo, issue)) => Ok(Some(Issue { repo, issue })),
            Err(error) => Err(graphql_error(error, || {
                format!("Could not resolve to an Issue with the number of {number}.")
            })),
        }
    }
    async fn labels(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<Label>> {
        let (_, list) = labels::list(&request(ctx).ctx(), &self.0.owner, &self.0.name)
            .map_err(|e| graphql_error(e, String::new))?;
        paginate(
            list.into_iter().map(Label).collect(),
            Window::forward(first, after),
        )
    }
}

/// `Node`: what `node(id:)` resolves.
// Values live for one request's response; boxing the pull request would buy nothing measurable.
#[allow(clippy::large_enum_variant)]
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    Repository(Repository),
    Issue(Issue),
    PullRequest(pulls::PullRequest),
    User(User),
    Organization(Organization),
}

/// `IssueOrPullRequest`.
// Values live for one request's response; boxing the pull request would buy nothing measurable.
#[allow(clippy::large_enum_variant)]
#[derive(async_graphql::Union)]
pub enum IssueOrPullRequest {
    Issue(Issue),
    PullRequest(pulls::PullRequest),
}

/// `Label`.
pub struct Label(crate::model::Label);

#[Object]
impl Label {
    async fn id(&self) -> ID {
        ID(node_id("Label", self.0.id))
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn color(&self) -> &str {
        &self.0.color
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn is_default(&self) -> bool {
        self.0.default
    }
}

/// `Issue`.
pub struct Issue {
    repo: crate::model::Repo,
    issue: crate::model::Issue,
}

/// `Actor`: who authored an issue, comment or review; here always a user (a deleted one is
/// GitHub's `ghost`).
#[derive(Interface)]
#[graphql(field(name = "login", ty = "&str"), field(name = "url", ty = "URI"))]
pub enum Actor {
    User(User),
}

fn actor(ctx: &Context<'_>, login: &str) -> Actor {
    Actor::User(User(render::account_or_ghost(
        &request(ctx).hub.state,
        login,
    )))
}

/// `CommentAuthorAssociation`: how the author relates to the repository.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum CommentAuthorAssociation {
    Owner,
    Member,
    Collaborator,
    Contributor,
    FirstTimer,
    FirstTimeContributor,
    Mannequin,
    None,
}

fn author_association(
    ctx: &Context<'_>,
    repo: &crate::model::Repo,
    login: &str,
) -> CommentAuthorAssociation {
    let state = &request(ctx).hub.state;
    if repo.owner.eq_ignore_ascii_case(login) {
        CommentAuthorAssociation::Owner
    } else if state
        .membership(&repo.owner, login)
        .is_some_and(|m| m.state == "active")
    {
        CommentAuthorAssociation::Member
    } else {
        CommentAuthorAssociation::None
    }
}

/// `Milestone`: milestones are not built yet, so issues and pull requests answer none.
#[derive(SimpleObject)]
pub struct Milestone {
    number: i32,
    title: String,
    description: Option<String>,
    due_on: Option<DateTime>,
}

/// `IssueType`: issue types are not built yet, so issues answer none.
#[derive(SimpleObject)]
pub struct IssueType {
    id: ID,
    name: String,
    description: Option<String>,
    color: String,
}

/// `SubIssuesSummary`: sub-issues are not built, so every summary counts none.
#[derive(SimpleObject)]
pub struct SubIssuesSummary {
    total: i32,
    completed: i32,
    percent_completed: i32,
}

#[derive(SimpleObject)]
pub struct ProjectName {
    name: String,
}

/// `ProjectCard`: classic projects are not built, so the connections are empty.
#[derive(SimpleObject)]
pub struct ProjectCard {
    project: ProjectName,
    column: Option<ProjectName>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ReactionContent {
    ThumbsUp,
    ThumbsDown,
    Laugh,
    Hooray,
    Confused,
    Heart,
    Rocket,
    Eyes,
}

#[derive(SimpleObject)]
pub struct ReactionGroup {
    content: ReactionContent,
    users: connection::TotalCount,
    viewer_has_reacted: bool,
}

/// GitHub answers every reaction kind, each with its count; reactions are not built, so each
/// count is zero.
fn reaction_groups() -> Vec<ReactionGroup> {
    use ReactionContent::*;
    [
        ThumbsUp, ThumbsDown, Laugh, Hooray, Confused, Heart, Rocket, Eyes,
    ]
    .into_iter()
    .map(|content| ReactionGroup {
        content,
        users: connection::TotalCount::new(0),
        viewer_has_reacted: false,
    })
    .collect()
}

/// An issue's (or pull request's) labels, as both types page them.
fn labels_page(
    ctx: &Context<'_>,
    repo: &crate::model::Repo,
    issue: &crate::model::Issue,
    window: Window,
) -> async_graphql::Result<Page<Label>> {
    let state = &request(ctx).hub.state;
    let list = issue
        .labels
        .iter()
        .filter_map(|name| state.labels.get(&crate::model::label_key(repo.id, name)))
        .map(Label)
        .collect();
    paginate(list, window)
}

fn assignees_page(
    ctx: &Context<'_>,
    issue: &crate::model::Issue,
    window: Window,
) -> async_graphql::Result<Page<User>> {
    let state = &request(ctx).hub.state;
    let list = issue
        .assignees
        .iter()
        .filter_map(|login| state.account(login))
        .map(User)
        .collect();
    paginate(list, window)
}

fn comments_page(
    ctx: &Context<'_>,
    repo: &crate::model::Repo,
    issue: &crate::model::Issue,
    window: Window,
) -> async_graphql::Result<Page<IssueComment>> {
    let (repo, list) = issues::list_comments(
        &request(ctx).ctx(),
        &repo.owner,
        &repo.name,
        &issue.number.to_string(),
        None,
    )
    .map_err(|e| graphql_error(e, String::new))?;
    let list = list
        .into_iter()
        .map(|comment| IssueComment {
            repo: repo.clone(),
            comment,
        })
        .collect();
    paginate(list, window)
}

#[Object]
impl Issue {
    async fn id(&self) -> ID {
        ID(node_id("Issue", self.issue.id))
    }
    async fn database_id(&self) -> i64 {
        self.issue.id as i64
    }
    async fn number(&self) -> i32 {
        self.issue.number as i32
    }
    async fn title(&self) -> &str {
        &self.issue.title
    }
    async fn body(&self) -> String {
        self.issue.body.clone().unwrap_or_default()
    }
    async fn state(&self) -> IssueState {
        if self.issue.state == "open" {
            IssueState::Open
        } else {
            IssueState::Closed
        }
    }
    async fn state_reason(&self) -> Option<IssueStateReason> {
        match self.issue.state_reason.as_deref()? {
            "completed" => Some(IssueStateReason::Completed),
            "not_planned" => Some(IssueStateReason::NotPlanned),
            "reopened" => Some(IssueStateReason::Reopened),
            "duplicate" => Some(IssueStateReason::Duplicate),
            _ => None,
        }
    }
    async fn closed(&self) -> bool {
        self.issue.state == "closed"
    }
    async fn locked(&self) -> bool {
        self.issue.locked
    }
    async fn url(&self, ctx: &Context<'_>) -> URI {
        URI(format!(
            "{}/{}/issues/{}",
            request(ctx).urls.html,
            self.repo.full_name(),
            self.issue.number
        ))
    }
    async fn created_at(&self) -> DateTime {
        DateTime(timestamp(self.issue.created_at))
    }
    async fn updated_at(&self) -> DateTime {
        DateTime(timestamp(self.issue.updated_at))
    }
    async fn closed_at(&self) -> Option<DateTime> {
        self.issue.closed_at.map(|t| DateTime(timestamp(t)))
    }
    async fn author(&self, ctx: &Context<'_>) -> Actor {
        actor(ctx, &self.issue.user)
    }
    async fn repository(&self) -> Repository {
        Repository(self.repo.clone())
    }
    async fn labels(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<Label>> {
        labels_page(ctx, &self.repo, &self.issue, Window::forward(first, after))
    }
    async fn assignees(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<User>> {
        assignees_page(ctx, &self.issue, Window::forward(first, after))
    }
    async fn comments(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Page<IssueComment>> {
        comments_page(
            ctx,
            &self.repo,
            &self.issue,
            Window {
                first,
                after,
                last,
                before,
            },
        )
    }
    async fn milestone(&self) -> Option<Milestone> {
        None
    }
    async fn reaction_groups(&self) -> Vec<ReactionGroup> {
        reaction_groups()
    }
    async fn issue_type(&self) -> Option<IssueType> {
        None
    }
    async fn parent(&self) -> Option<Issue> {
        None
    }
    async fn sub_issues(
        &self,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<Issue>> {
        paginate(Vec::new(), Window::forward(first, after))
    }
    async fn sub_issues_summary(&self) -> SubIssuesSummary {
        SubIssuesSummary {
            total: 0,
            completed: 0,
            percent_completed: 0,
        }
    }
    async fn blocked_by(
        &self,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<Issue>> {
        paginate(Vec::new(), Window::forward(first, after))
    }
    async fn blocking(
        &self,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<Issue>> {
        paginate(Vec::new(), Window::forward(first, after))
    }
    async fn project_cards(
        &self,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<ProjectCard>> {
        paginate(Vec::new(), Window::forward(first, after))
    }
    async fn project_items(
        &self,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<projects::ProjectV2Item>> {
        paginate(Vec::new(), Window::forward(first, after))
    }
    async fn viewer_did_author(&self, ctx: &Context<'_>) -> bool {
        request(ctx)
            .caller
            .as_ref()
            .is_some_and(|c| c.login().eq_ignore_ascii_case(&self.issue.user))
    }
}

/// `IssueComment`.
pub struct IssueComment {
    repo: crate::model::Repo,
    comment: crate::model::Comment,
}

#[Object]
impl IssueComment {
    async fn id(&self) -> ID {
        ID(node_id("IssueComment", self.comment.id))
    }
    async fn database_id(&self) -> i64 {
        self.comment.id as i64
    }
    async fn body(&self) -> &str {
        &self.comment.body
    }
    async fn author(&self, ctx: &Context<'_>) -> Option<Actor> {
        Some(actor(ctx, &self.comment.user))
    }
    async fn author_association(&self, ctx: &Context<'_>) -> CommentAuthorAssociation {
        author_association(ctx, &self.repo, &self.comment.user)
    }
    async fn created_at(&self) -> DateTime {
        DateTime(timestamp(self.comment.created_at))
    }
    async fn updated_at(&self) -> DateTime {
        DateTime(timestamp(self.comment.updated_at))
    }
    /// Whether the comment was edited after it was made.
    async fn includes_created_edit(&self) -> bool {
        self.comment.updated_at != self.comment.created_at
    }
    async fn is_minimized(&self) -> bool {
        false
    }
    async fn minimized_reason(&self) -> Option<String> {
        None
    }
    async fn reaction_groups(&self) -> Vec<ReactionGroup> {
        reaction_groups()
    }
    async fn url(&self, ctx: &Context<'_>) -> URI {
        URI(format!(
            "{}/{}/issues/{}#issuecomment-{}",
            request(ctx).urls.html,
            self.repo.full_name(),
            self.comment.issue_number,
            self.comment.id
        ))
    }
    async fn viewer_did_author(&self, ctx: &Context<'_>) -> bool {
        request(ctx)
            .caller
            .as_ref()
            .is_some_and(|c| c.login().eq_ignore_ascii_case(&self.comment.user))
    }
}

pub struct Query;

#[Object]
impl Query {
    /// The authenticated user.
    async fn viewer(&self, ctx: &Context<'_>) -> async_graphql::Result<User> {
        let request = request(ctx);
        let caller = request.caller.as_ref().ok_or_else(|| {
            async_graphql::Error::new("This endpoint requires you to be authenticated.")
        })?;
        Ok(User(caller.account.clone()))
    }
    async fn user(&self, ctx: &Context<'_>, login: String) -> async_graphql::Result<Option<User>> {
        match request(ctx).hub.state.account(&login) {
            Some(account) if account.kind == AccountKind::User => Ok(Some(User(account))),
            _ => Err(graphql_error(GitHubError::NotFound, || {
                format!("Could not resolve to a User with the login of '{login}'.")
            })),
        }
    }
    async fn organization(
        &self,
        ctx: &Context<'_>,
        login: String,
    ) -> async_graphql::Result<Option<Organization>> {
        match request(ctx).hub.state.account(&login) {
            Some(account) if account.kind == AccountKind::Organization => {
                Ok(Some(Organization(account)))
            }
            _ => Err(graphql_error(GitHubError::NotFound, || {
                format!("Could not resolve to an Organization with the login of '{login}'.")
            })),
        }
    }
    /// The object a node ID names: repositories, issues, pull requests, users and
    /// organizations.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        let request = request(ctx);
        let not_found = || {
            async_graphql::Error::new(format!(
                "Could not resolve to a node with the global id of '{}'",
                id.0
            ))
            .extend_with(|_, e| e.set("type", "NOT_FOUND"))
        };
        let (kind, number) = decode_node_id(&id.0).ok_or_else(not_found)?;
        let account = |number: u64| {
            request
                .hub
                .state
                .accounts
                .all()
                .into_iter()
                .map(|(_, a)| a)
                .find(|a| a.id == number)
        };
        Ok(Some(match kind.as_str() {
            "Repository" => Node::Repository(Repository(repo_by_node(request, &id)?)),
            "Issue" => {
                let (repo, issue) = issue_by_node(request, &id)?;
                Node::Issue(Issue { repo, issue })
            }
            "PullRequest" => Node::PullRequest(pulls::pull_by_node(request, &id)?),
            "User" => Node::User(User(
                account(number)
                    .filter(|a| a.kind == AccountKind::User)
                    .ok_or_else(not_found)?,
            )),
            "Organization" => Node::Organization(Organization(
                account(number)
                    .filter(|a| a.kind == AccountKind::Organization)
                    .ok_or_else(not_found)?,
            )),
            _ => return Err(not_found()),
        }))
    }
    /// Issues and pull requests matching GitHub's search syntax (`type: ISSUE` only).
    // Each argument is one of GitHub's GraphQL arguments for this field.
    #[allow(clippy::too_many_arguments)]
    async fn search(
        &self,
        ctx: &Context<'_>,
        query: String,
        #[graphql(name = "type")] kind: search::SearchType,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<search::SearchResults> {
        search::search(
            ctx,
            &query,
            kind,
            Window {
                first,
                after,
                last,
                before,
            },
        )
    }
    async fn repository_owner(&self, ctx: &Context<'_>, login: String) -> Option<RepositoryOwner> {
        request(ctx).hub.state.account(&login).map(owner_of)
    }
    async fn repository(
        &self,
        ctx: &Context<'_>,
        owner: String,
        name: String,
        #[graphql(name = "followRenames")] _follow_renames: Option<bool>,
    ) -> async_graphql::Result<Option<Repository>> {
        match repos::get(&request(ctx).ctx(), &owner, &name) {
            Ok(repo) => Ok(Some(Repository(repo))),
            Err(error) => Err(graphql_error(error, || {
                format!("Could not resolve to a Repository with the name '{owner}/{name}'.")
            })),
        }
    }
}

#[derive(InputObject)]
pub struct CreateRepositoryInput {
    name: String,
    owner_id: Option<ID>,
    description: Option<String>,
    homepage_url: Option<String>,
    visibility: RepositoryVisibility,
    has_wiki_enabled: Option<bool>,
    has_issues_enabled: Option<bool>,
    template: Option<bool>,
    team_id: Option<ID>,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
pub struct CreateRepositoryPayload {
    repository: Option<Repository>,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
pub struct CreateIssueInput {
    repository_id: ID,
    title: String,
    body: Option<String>,
    label_ids: Option<Vec<ID>>,
    assignee_ids: Option<Vec<ID>>,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
pub struct CloseIssueInput {
    issue_id: ID,
    state_reason: Option<IssueStateReason>,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
pub struct ReopenIssueInput {
    issue_id: ID,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
pub struct AddCommentInput {
    subject_id: ID,
    body: String,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
pub struct IssuePayload {
    issue: Option<Issue>,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
pub struct CreateIssuePayload {
    issue: Option<Issue>,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
pub struct AddCommentPayload {
    comment_edge: Option<Edge<String, IssueComment, EmptyFields>>,
    subject: Option<Issue>,
    client_mutation_id: Option<String>,
}

/// Decodes a legacy node ID (`base64("05:Issue7")`) into its type and database ID.
pub fn decode_node_id(id: &str) -> Option<(String, u64)> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(id).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (_, rest) = text.split_once(':')?;
    let split = rest.find(|c: char| c.is_ascii_digit())?;
    let (kind, number) = rest.split_at(split);
    Some((kind.to_string(), number.parse().ok()?))
}

fn repo_by_node(request: &Request, id: &ID) -> async_graphql::Result<crate::model::Repo> {
    let not_found = || {
        async_graphql::Error::new(format!(
            "Could not resolve to a node with the global id of '{}'",
            id.0
        ))
        .extend_with(|_, e| e.set("type", "NOT_FOUND"))
    };
    match decode_node_id(&id.0) {
        Some((kind, number)) if kind == "Repository" => request
            .hub
            .state
            .repos
            .get(&crate::model::id_key(number))
            .filter(|repo| request.ctx().can_read(repo))
            .ok_or_else(not_found),
        _ => Err(not_found()),
    }
}

/// Applies `update` to the issue a node ID names, answering as the issue mutations do.
fn update_issue_by_node(
    ctx: &Context<'_>,
    issue_id: &ID,
    update: issues::UpdateIssue,
    client_mutation_id: Option<String>,
) -> async_graphql::Result<IssuePayload> {
    let request = request(ctx);
    let (repo, issue) = issue_by_node(request, issue_id)?;
    let (repo, issue) = issues::update(
        &request.ctx(),
        &repo.owner,
        &repo.name,
        &issue.number.to_string(),
        update,
    )
    .map_err(|e| graphql_error(e, String::new))?;
    Ok(IssuePayload {
        issue: Some(Issue { repo, issue }),
        client_mutation_id,
    })
}

fn issue_by_node(
    request: &Request,
    id: &ID,
) -> async_graphql::Result<(crate::model::Repo, crate::model::Issue)> {
    let not_found = || {
        async_graphql::Error::new(format!(
            "Could not resolve to a node with the global id of '{}'",
            id.0
        ))
        .extend_with(|_, e| e.set("type", "NOT_FOUND"))
    };
    let Some((kind, number)) = decode_node_id(&id.0) else {
        return Err(not_found());
    };
    if kind != "Issue" {
        return Err(not_found());
    }
    let (_, issue) = request
        .hub
        .state
        .issues
        .all()
        .into_iter()
        .find(|(_, issue)| issue.id == number)
        .ok_or_else(not_found)?;
    let repo = request
        .hub
        .state
        .repos
        .get(&crate::model::id_key(issue.repo_id))
        .ok_or_else(not_found)?;
    if !request.ctx().can_read(&repo) {
        return Err(not_found());
    }
    Ok((repo, issue))
}

fn names_of_labels(request: &Request, ids: &[ID]) -> Vec<serde_json::Value> {
    ids.iter()
        .filter_map(|id| decode_node_id(&id.0))
        .filter(|(kind, _)| kind == "Label")
        .filter_map(|(_, number)| {
            request
                .hub
                .state
                .labels
                .all()
                .into_iter()
                .find(|(_, l)| l.id == number)
                .map(|(_, l)| serde_json::Value::String(l.name))
        })
        .collect()
}

fn logins_of_users(request: &Request, ids: &[ID]) -> Vec<String> {
    ids.iter()
        .filter_map(|id| decode_node_id(&id.0))
        .filter(|(kind, _)| kind == "User")
        .filter_map(|(_, number)| {
            request
                .hub
                .state
                .accounts
                .all()
                .into_iter()
                .find(|(_, a)| a.id == number)
                .map(|(_, a)| a.login)
        })
        .collect()
}

/// Every mutation: the ones here and the pull requests' ones.
#[derive(async_graphql::MergedObject, Default)]
pub struct Mutation(CoreMutation, pulls::PullRequestMutation);

#[derive(Default)]
pub struct CoreMutation;

#[Object]
impl CoreMutation {
    async fn create_repository(
        &self,
        ctx: &Context<'_>,
        input: CreateRepositoryInput,
    ) -> async_graphql::Result<CreateRepositoryPayload> {
        let request = request(ctx);
        if input.team_id.is_some() {
            return Err(async_graphql::Error::new(
                "Teams are not supported by bleephub yet.",
            ));
        }
        let org = match &input.owner_id {
            None => None,
            Some(id) => match decode_node_id(&id.0) {
                Some((kind, number)) if kind == "Organization" || kind == "User" => {
                    let account = request
                        .hub
                        .state
                        .accounts
                        .all()
                        .into_iter()
                        .map(|(_, a)| a)
                        .find(|a| a.id == number)
                        .ok_or_else(|| {
                            async_graphql::Error::new(format!(
                                "Could not resolve to a node with the global id of '{}'",
                                id.0
                            ))
                        })?;
                    (account.kind == AccountKind::Organization).then_some(account.login)
                }
                _ => {
                    return Err(async_graphql::Error::new(format!(
                        "Could not resolve to a node with the global id of '{}'",
                        id.0
                    )));
                }
            },
        };
        let create = repos::CreateRepo {
            name: input.name,
            description: input.description,
            homepage: input.homepage_url,
            visibility: Some(
                match input.visibility {
                    RepositoryVisibility::Public => "public",
                    RepositoryVisibility::Private => "private",
                    RepositoryVisibility::Internal => "internal",
                }
                .to_string(),
            ),
            has_wiki: input.has_wiki_enabled,
            has_issues: input.has_issues_enabled,
            is_template: input.template,
            ..Default::default()
        };
        let repo = repos::create(&request.ctx(), org.as_deref(), create)
            .map_err(|e| graphql_error(e, String::new))?;
        Ok(CreateRepositoryPayload {
            repository: Some(Repository(repo)),
            client_mutation_id: input.client_mutation_id,
        })
    }
    async fn create_issue(
        &self,
        ctx: &Context<'_>,
        input: CreateIssueInput,
    ) -> async_graphql::Result<CreateIssuePayload> {
        let request = request(ctx);
        let repo = repo_by_node(request, &input.repository_id)?;
        let create = issues::CreateIssue {
            title: serde_json::Value::String(input.title),
            body: input.body,
            assignee: None,
            assignees: input.assignee_ids.map(|ids| logins_of_users(request, &ids)),
            labels: input.label_ids.map(|ids| names_of_labels(request, &ids)),
        };
        let (repo, issue) = issues::create(&request.ctx(), &repo.owner, &repo.name, create)
            .map_err(|e| graphql_error(e, String::new))?;
        Ok(CreateIssuePayload {
            issue: Some(Issue { repo, issue }),
            client_mutation_id: input.client_mutation_id,
        })
    }
    async fn close_issue(
        &self,
        ctx: &Context<'_>,
        input: CloseIssueInput,
    ) -> async_graphql::Result<IssuePayload> {
        let reason = input.state_reason.map(|r| match r {
            IssueStateReason::NotPlanned => "not_planned",
            IssueStateReason::Duplicate => "duplicate",
            _ => "completed",
        });
        let update = issues::UpdateIssue {
            state: Some("closed".into()),
            state_reason: reason.map(String::from),
            ..Default::default()
        };
        update_issue_by_node(ctx, &input.issue_id, update, input.client_mutation_id)
    }
    async fn reopen_issue(
        &self,
        ctx: &Context<'_>,
        input: ReopenIssueInput,
    ) -> async_graphql::Result<IssuePayload> {
        let update = issues::UpdateIssue {
            state: Some("open".into()),
            ..Default::default()
        };
        update_issue_by_node(ctx, &input.issue_id, update, input.client_mutation_id)
    }
    async fn add_comment(
        &self,
        ctx: &Context<'_>,
        input: AddCommentInput,
    ) -> async_graphql::Result<AddCommentPayload> {
        let request = request(ctx);
        let (repo, issue) = issue_by_node(request, &input.subject_id)?;
        let (repo, comment) = issues::create_comment(
            &request.ctx(),
            &repo.owner,
            &repo.name,
            &issue.number.to_string(),
            issues::CommentBody { body: input.body },
        )
        .map_err(|e| graphql_error(e, String::new))?;
        let (repo, issue) = issues::get(
            &request.ctx(),
            &repo.owner,
            &repo.name,
            &issue.number.to_string(),
        )
        .map_err(|e| graphql_error(e, String::new))?;
        Ok(AddCommentPayload {
            comment_edge: Some(Edge::new(
                cursor(0),
                IssueComment {
                    repo: repo.clone(),
                    comment,
                },
            )),
            subject: Some(Issue { repo, issue }),
            client_mutation_id: input.client_mutation_id,
        })
    }
}

pub type GitHubSchema = Schema<Query, Mutation, EmptySubscription>;

/// The schema, built once per process.
pub fn schema() -> &'static GitHubSchema {
    static SCHEMA: std::sync::LazyLock<GitHubSchema> = std::sync::LazyLock::new(|| {
        Schema::build(Query, Mutation::default(), EmptySubscription)
            .limit_depth(32)
            .finish()
    });
    &SCHEMA
}

fn json(status: http::StatusCode, body: &serde_json::Value, request_id: &str) -> Response {
    let mut response = (
        status,
        [(
            http::header::CONTENT_TYPE,
            "application/json; charset=utf-8",
        )],
        serde_json::to_vec(body).unwrap_or_default(),
    )
        .into_response();
    if let Ok(value) = http::HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-github-request-id", value);
    }
    response
}

/// `POST /graphql`: GitHub requires a token (401 otherwise), takes `{"query","variables",
/// "operationName"}` and answers 200 with `data` and `errors`.
pub async fn serve(
    hub: Arc<Hub>,
    parts: Parts,
    body: Body,
    context: Option<RequestContext>,
    request_id: String,
) -> Response {
    let caller = match parts
        .headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        None => None,
        Some(header) => auth::presented_token(header)
            .and_then(|t| auth::authenticate(&hub.state, &t, hub.kit.clock().now_millis()))
            .ok(),
    };
    let Some(caller) = caller else {
        let body = serde_json::json!({
            "message": "This endpoint requires you to be authenticated.",
            "documentation_url": "https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql",
            "status": "401",
        });
        return json(http::StatusCode::UNAUTHORIZED, &body, &request_id);
    };
    let bytes = match simkit::body::collect(body, hub.kit.body_limit()).await {
        Ok(bytes) => bytes,
        Err(_) => {
            let body = serde_json::json!({"message": "Problems parsing JSON", "documentation_url": "https://docs.github.com/graphql", "status": "400"});
            return json(http::StatusCode::BAD_REQUEST, &body, &request_id);
        }
    };
    let graphql_request: async_graphql::Request = match serde_json::from_slice(&bytes) {
        Ok(request) => request,
        Err(_) => {
            let body = serde_json::json!({"message": "Problems parsing JSON", "documentation_url": "https://docs.github.com/graphql", "status": "400"});
            return json(http::StatusCode::BAD_REQUEST, &body, &request_id);
        }
    };
    let authority = match context.as_ref() {
        Some(RequestContext {
            host: Some(host),
            port: Some(port),
            ..
        }) => format!("{host}:{port}"),
        Some(RequestContext {
            host: Some(host), ..
        }) => host.clone(),
        _ => "localhost".into(),
    };
    let scheme = context.as_ref().map_or("http", |c| c.scheme.as_str());
    let enterprise = parts.uri.path().starts_with("/api/");
    let data = Request {
        hub: hub.clone(),
        caller: Some(caller),
        now: hub.kit.clock().now_millis(),
        urls: Urls::new(scheme, &authority, enterprise),
    };
    let response = schema().execute(graphql_request.data(data)).await;
    let body = serde_json::to_value(&response).unwrap_or_default();
    json(http::StatusCode::OK, &body, &request_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_ids_decode() {
        assert_eq!(
            decode_node_id(&node_id("Issue", 7)),
            Some(("Issue".into(), 7))
        );
        assert_eq!(decode_node_id("nope"), None);
    }

    #[test]
    fn introspection_names_githubs_types() {
        let sdl = schema().sdl();
        for needle in [
            "type Repository",
            "defaultBranchRef",
            "nameWithOwner",
            "interface RepositoryOwner",
            "createIssue",
            "pullRequests(",
            "issueOrPullRequest(",
            "mergePullRequest(",
            "addPullRequestReview(",
            "interface Node",
        ] {
            assert!(sdl.contains(needle), "{needle}");
        }
    }
}
