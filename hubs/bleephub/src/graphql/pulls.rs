//! Pull requests in GraphQL: the `PullRequest` type with the fields gh's `pr list/view/status/
//! checkout/merge` select, its reviews, review requests, commits and files, and the mutations
//! gh sends (`createPullRequest`, `updatePullRequest`, `mergePullRequest`, `closePullRequest`,
//! `reopenPullRequest`, `addPullRequestReview`, `requestReviews`). Every resolver goes through
//! `services::pulls`, the same code REST runs, so a merge here is the same real git merge.
//!
//! What this module must not do: decide mergeability, review rules or merge methods itself.

use std::sync::OnceLock;

use async_graphql::{Context, Enum, ErrorExtensions, ID, InputObject, Object, SimpleObject, Union};

use super::connection::{Page, Window, paginate};
use super::{
    Actor, Commit, DateTime, IssueComment, Label, Milestone, ProjectCard, ReactionGroup, Ref,
    Repository, RepositoryOwner, Request, URI, User, actor, assignees_page, comments_page,
    decode_node_id, graphql_error, labels_page, owner_of, reaction_groups, request,
};
use crate::error::GitHubError;
use crate::model::{Repo, Review};
use crate::render::{self, node_id, timestamp};
use crate::services::pulls::{self as service, PullStats, PullView};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum PullRequestState {
    Open,
    Closed,
    Merged,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum MergeableState {
    Mergeable,
    Conflicting,
    Unknown,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum MergeStateStatus {
    Behind,
    Blocked,
    Clean,
    Dirty,
    Draft,
    HasHooks,
    Unknown,
    Unstable,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum PullRequestReviewDecision {
    ChangesRequested,
    Approved,
    ReviewRequired,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum PullRequestReviewState {
    Pending,
    Commented,
    Approved,
    ChangesRequested,
    Dismissed,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum PullRequestReviewEvent {
    Comment,
    Approve,
    RequestChanges,
    Dismiss,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum PullRequestMergeMethod {
    Merge,
    Squash,
    Rebase,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum PullRequestUpdateState {
    Open,
    Closed,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum PatchStatus {
    Added,
    Deleted,
    Renamed,
    Copied,
    Modified,
    Changed,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum PullRequestOrderField {
    CreatedAt,
    UpdatedAt,
}

#[derive(InputObject)]
pub struct IssueOrderForPulls {
    pub field: PullRequestOrderField,
    pub direction: super::OrderDirection,
}

/// `PullRequest`: its issue and pull records, and the numbers computed from git once per
/// request (mergeability and the size of the change are one `git merge-tree` and one diff).
pub struct PullRequest {
    repo: Repo,
    pub(super) view: PullView,
    stats: OnceLock<PullStats>,
}

impl PullRequest {
    pub fn new(repo: Repo, view: PullView) -> Self {
        PullRequest {
            repo,
            view,
            stats: OnceLock::new(),
        }
    }

    fn stats(&self, ctx: &Context<'_>) -> async_graphql::Result<&PullStats> {
        if let Some(stats) = self.stats.get() {
            return Ok(stats);
        }
        let stats = service::stats(&request(ctx).ctx(), &self.repo, &self.view)
            .map_err(|e| graphql_error(e, String::new))?;
        Ok(self.stats.get_or_init(|| stats))
    }

    fn number_text(&self) -> String {
        self.view.issue.number.to_string()
    }

    fn reviews_list(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Review>> {
        let (_, reviews) = service::list_reviews(
            &request(ctx).ctx(),
            &self.repo.owner,
            &self.repo.name,
            &self.number_text(),
        )
        .map_err(|e| graphql_error(e, String::new))?;
        Ok(reviews)
    }

    /// Each reviewer's latest submitted review, as `latestReviews` and `reviewDecision` use.
    fn latest_reviews_list(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Review>> {
        let mut latest: Vec<Review> = Vec::new();
        for review in self.reviews_list(ctx)? {
            if review.state == "PENDING" {
                continue;
            }
            latest.retain(|r| !r.user.eq_ignore_ascii_case(&review.user));
            latest.push(review);
        }
        Ok(latest)
    }
}

fn review_state(state: &str) -> PullRequestReviewState {
    match state {
        "APPROVED" => PullRequestReviewState::Approved,
        "CHANGES_REQUESTED" => PullRequestReviewState::ChangesRequested,
        "COMMENTED" => PullRequestReviewState::Commented,
        "DISMISSED" => PullRequestReviewState::Dismissed,
        _ => PullRequestReviewState::Pending,
    }
}

#[Object]
impl PullRequest {
    // Public for the `Node` interface in the parent module.
    pub async fn id(&self) -> ID {
        ID(node_id("PullRequest", self.view.pull.id))
    }
    async fn database_id(&self) -> i64 {
        self.view.pull.id as i64
    }
    async fn full_database_id(&self) -> String {
        self.view.pull.id.to_string()
    }
    async fn number(&self) -> i32 {
        self.view.issue.number as i32
    }
    async fn title(&self) -> &str {
        &self.view.issue.title
    }
    async fn body(&self) -> String {
        self.view.issue.body.clone().unwrap_or_default()
    }
    async fn state(&self) -> PullRequestState {
        if self.view.pull.merged_at.is_some() {
            PullRequestState::Merged
        } else if self.view.issue.state == "open" {
            PullRequestState::Open
        } else {
            PullRequestState::Closed
        }
    }
    async fn closed(&self) -> bool {
        self.view.issue.state == "closed"
    }
    async fn merged(&self) -> bool {
        self.view.pull.merged_at.is_some()
    }
    async fn locked(&self) -> bool {
        self.view.issue.locked
    }
    async fn url(&self, ctx: &Context<'_>) -> URI {
        URI(format!(
            "{}/{}/pull/{}",
            request(ctx).urls.html,
            self.repo.full_name(),
            self.view.issue.number
        ))
    }
    async fn resource_path(&self) -> URI {
        URI(format!(
            "/{}/pull/{}",
            self.repo.full_name(),
            self.view.issue.number
        ))
    }
    async fn created_at(&self) -> DateTime {
        DateTime(timestamp(self.view.issue.created_at))
    }
    async fn updated_at(&self) -> DateTime {
        DateTime(timestamp(self.view.issue.updated_at))
    }
    async fn closed_at(&self) -> Option<DateTime> {
        self.view.issue.closed_at.map(|t| DateTime(timestamp(t)))
    }
    async fn merged_at(&self) -> Option<DateTime> {
        self.view.pull.merged_at.map(|t| DateTime(timestamp(t)))
    }
    async fn author(&self, ctx: &Context<'_>) -> Option<Actor> {
        Some(actor(ctx, &self.view.issue.user))
    }
    async fn merged_by(&self, ctx: &Context<'_>) -> Option<Actor> {
        self.view
            .pull
            .merged_by
            .as_deref()
            .map(|login| actor(ctx, login))
    }
    async fn base_ref_name(&self) -> &str {
        &self.view.pull.base_ref
    }
    async fn head_ref_name(&self) -> &str {
        &self.view.pull.head_ref
    }
    async fn base_ref_oid(&self) -> &str {
        &self.view.pull.base_sha
    }
    async fn head_ref_oid(&self) -> &str {
        &self.view.pull.head_sha
    }
    /// The base branch, while it exists.
    async fn base_ref(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Ref>> {
        Ref::branch(ctx, &self.repo, &self.view.pull.base_ref)
    }
    /// The head branch, while it exists (gone after `--delete-branch`).
    async fn head_ref(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Ref>> {
        Ref::branch(ctx, &self.repo, &self.view.pull.head_ref)
    }
    async fn repository(&self) -> Repository {
        Repository(self.repo.clone())
    }
    async fn base_repository(&self) -> Option<Repository> {
        Some(Repository(self.repo.clone()))
    }
    /// Pull requests are between branches of one repository here (forks are not built).
    async fn head_repository(&self) -> Option<Repository> {
        Some(Repository(self.repo.clone()))
    }
    async fn head_repository_owner(&self, ctx: &Context<'_>) -> Option<RepositoryOwner> {
        Some(owner_of(render::account_or_ghost(
            &request(ctx).hub.state,
            &self.repo.owner,
        )))
    }
    async fn is_cross_repository(&self) -> bool {
        false
    }
    async fn is_draft(&self) -> bool {
        self.view.pull.draft
    }
    async fn maintainer_can_modify(&self) -> bool {
        self.view.pull.maintainer_can_modify
    }
    async fn is_in_merge_queue(&self) -> bool {
        false
    }
    async fn is_merge_queue_enabled(&self) -> bool {
        false
    }
    async fn auto_merge_request(&self) -> Option<AutoMergeRequest> {
        None
    }
    async fn additions(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        Ok(self.stats(ctx)?.additions as i32)
    }
    async fn deletions(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        Ok(self.stats(ctx)?.deletions as i32)
    }
    async fn changed_files(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        Ok(self.stats(ctx)?.changed_files as i32)
    }
    async fn mergeable(&self, ctx: &Context<'_>) -> async_graphql::Result<MergeableState> {
        Ok(match self.stats(ctx)?.mergeable {
            Some(true) => MergeableState::Mergeable,
            Some(false) => MergeableState::Conflicting,
            None => MergeableState::Unknown,
        })
    }
    async fn merge_state_status(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<MergeStateStatus> {
        if self.view.pull.draft {
            return Ok(MergeStateStatus::Draft);
        }
        Ok(match self.stats(ctx)?.mergeable {
            None => MergeStateStatus::Unknown,
            Some(false) => MergeStateStatus::Dirty,
            Some(true) => match self.review_decision(ctx).await? {
                Some(PullRequestReviewDecision::Approved) | None => MergeStateStatus::Clean,
                Some(_) => MergeStateStatus::Blocked,
            },
        })
    }
    /// Null unless the base branch's protection requires approving reviews, as on GitHub.
    async fn review_decision(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<PullRequestReviewDecision>> {
        let state = &request(ctx).hub.state;
        let required = state
            .protections
            .get(&crate::model::protection_key(
                self.repo.id,
                &self.view.pull.base_ref,
            ))
            .and_then(|p| p.required_approving_review_count);
        let Some(required) = required else {
            return Ok(None);
        };
        let latest = self.latest_reviews_list(ctx)?;
        if latest.iter().any(|r| r.state == "CHANGES_REQUESTED") {
            return Ok(Some(PullRequestReviewDecision::ChangesRequested));
        }
        let approvals = latest.iter().filter(|r| r.state == "APPROVED").count() as u64;
        Ok(Some(if approvals >= required.max(1) {
            PullRequestReviewDecision::Approved
        } else {
            PullRequestReviewDecision::ReviewRequired
        }))
    }
    /// The merge commit once merged.
    async fn merge_commit(&self) -> Option<Commit> {
        self.view
            .pull
            .merged_at
            .and(self.view.pull.merge_commit_sha.clone())
            .map(|sha| Commit::new(self.repo.id, sha))
    }
    /// The test merge (`refs/pull/N/merge`) while open and mergeable.
    async fn potential_merge_commit(&self) -> Option<Commit> {
        if self.view.pull.merged_at.is_some() || self.view.issue.state != "open" {
            return None;
        }
        self.view
            .pull
            .merge_commit_sha
            .clone()
            .map(|sha| Commit::new(self.repo.id, sha))
    }
    async fn milestone(&self) -> Option<Milestone> {
        None
    }
    async fn reaction_groups(&self) -> Vec<ReactionGroup> {
        reaction_groups()
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
    ) -> async_graphql::Result<Page<super::projects::ProjectV2Item>> {
        paginate(Vec::new(), Window::forward(first, after))
    }
    async fn labels(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<Label>> {
        labels_page(
            ctx,
            &self.repo,
            &self.view.issue,
            Window::forward(first, after),
        )
    }
    async fn assignees(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<User>> {
        assignees_page(ctx, &self.view.issue, Window::forward(first, after))
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
            &self.view.issue,
            Window {
                first,
                after,
                last,
                before,
            },
        )
    }
    async fn reviews(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        states: Option<Vec<PullRequestReviewState>>,
    ) -> async_graphql::Result<Page<PullRequestReview>> {
        let list = self
            .reviews_list(ctx)?
            .into_iter()
            .filter(|r| {
                states
                    .as_ref()
                    .is_none_or(|s| s.contains(&review_state(&r.state)))
            })
            .map(|review| PullRequestReview {
                repo: self.repo.clone(),
                review,
            })
            .collect();
        paginate(
            list,
            Window {
                first,
                after,
                last,
                before,
            },
        )
    }
    async fn latest_reviews(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<PullRequestReview>> {
        let list = self
            .latest_reviews_list(ctx)?
            .into_iter()
            .map(|review| PullRequestReview {
                repo: self.repo.clone(),
                review,
            })
            .collect();
        paginate(list, Window::forward(first, after))
    }
    async fn review_requests(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<ReviewRequest>> {
        let state = &request(ctx).hub.state;
        let list = self
            .view
            .pull
            .requested_reviewers
            .iter()
            .filter_map(|login| state.account(login))
            .map(|account| ReviewRequest {
                requested_reviewer: Some(RequestedReviewer::User(User(account))),
            })
            .collect();
        paginate(list, Window::forward(first, after))
    }
    async fn commits(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Page<PullRequestCommit>> {
        let (_, commits) = service::commits(
            &request(ctx).ctx(),
            &self.repo.owner,
            &self.repo.name,
            &self.number_text(),
        )
        .map_err(|e| graphql_error(e, String::new))?;
        let list = commits
            .into_iter()
            .map(|commit| PullRequestCommit {
                commit: Commit::loaded(self.repo.id, commit),
            })
            .collect();
        paginate(
            list,
            Window {
                first,
                after,
                last,
                before,
            },
        )
    }
    async fn files(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<PullRequestChangedFile>> {
        let (_, _, files) = service::files(
            &request(ctx).ctx(),
            &self.repo.owner,
            &self.repo.name,
            &self.number_text(),
        )
        .map_err(|e| graphql_error(e, String::new))?;
        let list = files
            .into_iter()
            .map(|file| {
                use simkit::git::ChangeStatus;
                PullRequestChangedFile {
                    path: file.diff.path,
                    additions: file.diff.additions.unwrap_or(0) as i32,
                    deletions: file.diff.deletions.unwrap_or(0) as i32,
                    change_type: match file.diff.status {
                        ChangeStatus::Added => PatchStatus::Added,
                        ChangeStatus::Removed => PatchStatus::Deleted,
                        ChangeStatus::Renamed => PatchStatus::Renamed,
                        ChangeStatus::Copied => PatchStatus::Copied,
                        ChangeStatus::Modified => PatchStatus::Modified,
                        ChangeStatus::TypeChanged => PatchStatus::Changed,
                    },
                }
            })
            .collect();
        paginate(list, Window::forward(first, after))
    }
    async fn viewer_did_author(&self, ctx: &Context<'_>) -> bool {
        request(ctx)
            .caller
            .as_ref()
            .is_some_and(|c| c.login().eq_ignore_ascii_case(&self.view.issue.user))
    }
}

/// `AutoMergeRequest`: auto-merge is not built, so pull requests never carry one.
#[derive(SimpleObject)]
pub struct AutoMergeRequest {
    author_email: Option<String>,
    commit_body: Option<String>,
    commit_headline: Option<String>,
    merge_method: PullRequestMergeMethod,
    enabled_at: Option<DateTime>,
    enabled_by: Option<Actor>,
}

#[derive(SimpleObject)]
pub struct PullRequestChangedFile {
    path: String,
    additions: i32,
    deletions: i32,
    change_type: PatchStatus,
}

#[derive(SimpleObject)]
pub struct PullRequestCommit {
    commit: Commit,
}

#[derive(SimpleObject)]
pub struct ReviewRequest {
    requested_reviewer: Option<RequestedReviewer>,
}

/// `Team`: teams are not built yet, so no review request names one; the type exists because
/// gh's queries spread `...on Team` inside `requestedReviewer`.
#[derive(SimpleObject)]
pub struct Team {
    name: String,
    slug: String,
    organization: Option<super::Organization>,
}

/// `Bot`: apps' bot accounts are not built yet; the type exists because gh's queries spread
/// `...on Bot` inside `requestedReviewer`.
#[derive(SimpleObject)]
pub struct Bot {
    login: String,
}

#[derive(Union)]
pub enum RequestedReviewer {
    User(User),
    // Never built until bots and teams exist (see `Bot` and `Team`).
    #[allow(dead_code)]
    Bot(Bot),
    #[allow(dead_code)]
    Team(Team),
}

/// `PullRequestReview`.
pub struct PullRequestReview {
    repo: Repo,
    review: Review,
}

#[Object]
impl PullRequestReview {
    async fn id(&self) -> ID {
        ID(node_id("PullRequestReview", self.review.id))
    }
    async fn database_id(&self) -> i64 {
        self.review.id as i64
    }
    async fn author(&self, ctx: &Context<'_>) -> Option<Actor> {
        Some(actor(ctx, &self.review.user))
    }
    async fn author_association(&self, ctx: &Context<'_>) -> super::CommentAuthorAssociation {
        super::author_association(ctx, &self.repo, &self.review.user)
    }
    async fn body(&self) -> &str {
        &self.review.body
    }
    async fn state(&self) -> PullRequestReviewState {
        review_state(&self.review.state)
    }
    async fn submitted_at(&self) -> Option<DateTime> {
        self.review.submitted_at.map(|t| DateTime(timestamp(t)))
    }
    async fn commit(&self) -> Commit {
        Commit::new(self.repo.id, self.review.commit_id.clone())
    }
    async fn url(&self, ctx: &Context<'_>) -> URI {
        URI(format!(
            "{}/{}/pull/{}#pullrequestreview-{}",
            request(ctx).urls.html,
            self.repo.full_name(),
            self.review.number,
            self.review.id
        ))
    }
    async fn reaction_groups(&self) -> Vec<ReactionGroup> {
        reaction_groups()
    }
}

/// The pull request a node ID names, when the caller may read its repository.
pub fn pull_by_node(request: &Request, id: &ID) -> async_graphql::Result<PullRequest> {
    let not_found = || {
        async_graphql::Error::new(format!(
            "Could not resolve to a node with the global id of '{}'",
            id.0
        ))
        .extend_with(|_, e| e.set("type", "NOT_FOUND"))
    };
    let Some(("PullRequest", number)) = decode_node_id(&id.0)
        .as_ref()
        .map(|(kind, number)| (kind.as_str(), *number))
    else {
        return Err(not_found());
    };
    let state = &request.hub.state;
    let pull = state
        .pulls
        .all()
        .into_iter()
        .map(|(_, pull)| pull)
        .find(|pull| pull.id == number)
        .ok_or_else(not_found)?;
    let repo = state
        .repos
        .get(&crate::model::id_key(pull.repo_id))
        .filter(|repo| request.ctx().can_read(repo))
        .ok_or_else(not_found)?;
    let (repo, view, stats) = service::get(
        &request.ctx(),
        &repo.owner,
        &repo.name,
        &pull.number.to_string(),
    )
    .map_err(|e| graphql_error(e, String::new))?;
    let pull = PullRequest::new(repo, view);
    let _ = pull.stats.set(stats);
    Ok(pull)
}

/// `repository.pullRequest(number:)`.
pub fn pull_request(
    ctx: &Context<'_>,
    repo: &Repo,
    number: i32,
) -> async_graphql::Result<Option<PullRequest>> {
    match service::get(
        &request(ctx).ctx(),
        &repo.owner,
        &repo.name,
        &number.to_string(),
    ) {
        Ok((repo, view, stats)) => {
            let pull = PullRequest::new(repo, view);
            let _ = pull.stats.set(stats);
            Ok(Some(pull))
        }
        Err(error) => Err(graphql_error(error, || {
            format!("Could not resolve to a PullRequest with the number of {number}.")
        })),
    }
}

/// The filters of `repository.pullRequests`.
pub struct PullFilters {
    pub states: Option<Vec<PullRequestState>>,
    pub head_ref_name: Option<String>,
    pub base_ref_name: Option<String>,
    pub labels: Option<Vec<String>>,
    pub order_by: Option<IssueOrderForPulls>,
}

/// `repository.pullRequests(...)`: oldest first unless `orderBy` says otherwise, as GitHub.
pub fn pull_requests(
    ctx: &Context<'_>,
    repo: &Repo,
    filters: PullFilters,
    window: Window,
) -> async_graphql::Result<Page<PullRequest>> {
    let (sort, direction) = match &filters.order_by {
        Some(order) => (
            match order.field {
                PullRequestOrderField::CreatedAt => "created",
                PullRequestOrderField::UpdatedAt => "updated",
            },
            match order.direction {
                super::OrderDirection::Asc => "asc",
                super::OrderDirection::Desc => "desc",
            },
        ),
        None => ("created", "asc"),
    };
    let list = service::ListPulls {
        state: Some("all".into()),
        head: filters.head_ref_name.clone(),
        base: filters.base_ref_name.clone(),
        sort: Some(sort.into()),
        direction: Some(direction.into()),
    };
    let (repo, views) = service::list(&request(ctx).ctx(), &repo.owner, &repo.name, list)
        .map_err(|e| graphql_error(e, String::new))?;
    let list = views
        .into_iter()
        .map(|view| PullRequest::new(repo.clone(), view))
        .filter(|pull| {
            let state = if pull.view.pull.merged_at.is_some() {
                PullRequestState::Merged
            } else if pull.view.issue.state == "open" {
                PullRequestState::Open
            } else {
                PullRequestState::Closed
            };
            filters.states.as_ref().is_none_or(|s| s.contains(&state))
        })
        .filter(|pull| {
            filters.labels.as_ref().is_none_or(|labels| {
                labels.iter().all(|wanted| {
                    pull.view
                        .issue
                        .labels
                        .iter()
                        .any(|l| l.eq_ignore_ascii_case(wanted))
                })
            })
        })
        .collect();
    paginate(list, window)
}

#[derive(InputObject)]
pub struct CreatePullRequestInput {
    repository_id: ID,
    base_ref_name: String,
    head_ref_name: String,
    head_repository_id: Option<ID>,
    title: String,
    body: Option<String>,
    draft: Option<bool>,
    maintainer_can_modify: Option<bool>,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
pub struct UpdatePullRequestInput {
    pull_request_id: ID,
    title: Option<String>,
    body: Option<String>,
    base_ref_name: Option<String>,
    state: Option<PullRequestUpdateState>,
    maintainer_can_modify: Option<bool>,
    assignee_ids: Option<Vec<ID>>,
    label_ids: Option<Vec<ID>>,
    milestone_id: Option<ID>,
    project_ids: Option<Vec<ID>>,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
pub struct MergePullRequestInput {
    pull_request_id: ID,
    merge_method: Option<PullRequestMergeMethod>,
    commit_headline: Option<String>,
    commit_body: Option<String>,
    expected_head_oid: Option<String>,
    author_email: Option<String>,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
pub struct ClosePullRequestInput {
    pull_request_id: ID,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
pub struct ReopenPullRequestInput {
    pull_request_id: ID,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
pub struct AddPullRequestReviewInput {
    pull_request_id: ID,
    event: Option<PullRequestReviewEvent>,
    body: Option<String>,
    #[graphql(name = "commitOID")]
    commit_oid: Option<String>,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
pub struct RequestReviewsInput {
    pull_request_id: ID,
    user_ids: Option<Vec<ID>>,
    team_ids: Option<Vec<ID>>,
    union: Option<bool>,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
pub struct PullRequestPayload {
    pull_request: Option<PullRequest>,
    client_mutation_id: Option<String>,
}

impl PullRequestPayload {
    /// The payload of a mutation on `pull`: the pull request read again after the change.
    fn reread(
        request: &Request,
        pull: &PullRequest,
        client_mutation_id: Option<String>,
    ) -> async_graphql::Result<Self> {
        Ok(Self {
            pull_request: Some(reread(request, &pull.repo, pull.view.issue.number)?),
            client_mutation_id,
        })
    }
}

#[derive(SimpleObject)]
pub struct AddPullRequestReviewPayload {
    pull_request_review: Option<PullRequestReview>,
    client_mutation_id: Option<String>,
}

/// The pull request after a change, read back through the service.
fn reread(request: &Request, repo: &Repo, number: u64) -> async_graphql::Result<PullRequest> {
    let (repo, view, stats) =
        service::get(&request.ctx(), &repo.owner, &repo.name, &number.to_string())
            .map_err(|e| graphql_error(e, String::new))?;
    let pull = PullRequest::new(repo, view);
    let _ = pull.stats.set(stats);
    Ok(pull)
}

fn unsupported(what: &str) -> async_graphql::Error {
    graphql_error(
        GitHubError::ValidationFailed(vec![crate::error::FieldError::unfielded(
            "PullRequest",
            &format!("{what} are not supported by bleephub yet"),
        )]),
        String::new,
    )
}

#[derive(Default)]
pub struct PullRequestMutation;

#[Object]
impl PullRequestMutation {
    async fn create_pull_request(
        &self,
        ctx: &Context<'_>,
        input: CreatePullRequestInput,
    ) -> async_graphql::Result<PullRequestPayload> {
        let request = request(ctx);
        let repo = super::repo_by_node(request, &input.repository_id)?;
        if let Some(head_repo) = &input.head_repository_id
            && super::repo_by_node(request, head_repo)?.id != repo.id
        {
            return Err(unsupported("Pull requests between forks"));
        }
        let create = service::CreatePull {
            title: Some(input.title),
            head: input.head_ref_name,
            base: input.base_ref_name,
            body: input.body,
            draft: input.draft,
            maintainer_can_modify: input.maintainer_can_modify,
        };
        let (repo, view) = service::create(&request.ctx(), &repo.owner, &repo.name, create)
            .map_err(|e| graphql_error(e, String::new))?;
        Ok(PullRequestPayload {
            pull_request: Some(PullRequest::new(repo, view)),
            client_mutation_id: input.client_mutation_id,
        })
    }

    async fn update_pull_request(
        &self,
        ctx: &Context<'_>,
        input: UpdatePullRequestInput,
    ) -> async_graphql::Result<PullRequestPayload> {
        let request = request(ctx);
        let pull = pull_by_node(request, &input.pull_request_id)?;
        if input.milestone_id.is_some() {
            return Err(unsupported("Milestones"));
        }
        if input.project_ids.as_ref().is_some_and(|p| !p.is_empty()) {
            return Err(unsupported("Projects"));
        }
        let number = pull.number_text();
        let service_ctx = request.ctx();
        service::update(
            &service_ctx,
            &pull.repo.owner,
            &pull.repo.name,
            &number,
            service::UpdatePull {
                title: input.title,
                body: input.body,
                state: input.state.map(|s| match s {
                    PullRequestUpdateState::Open => "open".to_string(),
                    PullRequestUpdateState::Closed => "closed".to_string(),
                }),
                base: input.base_ref_name,
                maintainer_can_modify: input.maintainer_can_modify,
            },
        )
        .map_err(|e| graphql_error(e, String::new))?;
        if input.assignee_ids.is_some() || input.label_ids.is_some() {
            let update = crate::services::issues::UpdateIssue {
                assignees: input
                    .assignee_ids
                    .map(|ids| super::logins_of_users(request, &ids)),
                labels: input
                    .label_ids
                    .map(|ids| super::names_of_labels(request, &ids)),
                ..Default::default()
            };
            crate::services::issues::update(
                &service_ctx,
                &pull.repo.owner,
                &pull.repo.name,
                &number,
                update,
            )
            .map_err(|e| graphql_error(e, String::new))?;
        }
        PullRequestPayload::reread(request, &pull, input.client_mutation_id)
    }

    async fn merge_pull_request(
        &self,
        ctx: &Context<'_>,
        input: MergePullRequestInput,
    ) -> async_graphql::Result<PullRequestPayload> {
        let request = request(ctx);
        let pull = pull_by_node(request, &input.pull_request_id)?;
        let merge = service::MergePull {
            commit_title: input.commit_headline,
            commit_message: input.commit_body,
            sha: input.expected_head_oid,
            merge_method: Some(
                match input.merge_method.unwrap_or(PullRequestMergeMethod::Merge) {
                    PullRequestMergeMethod::Merge => "merge",
                    PullRequestMergeMethod::Squash => "squash",
                    PullRequestMergeMethod::Rebase => "rebase",
                }
                .to_string(),
            ),
        };
        let _ = input.author_email;
        service::merge(
            &request.ctx(),
            &pull.repo.owner,
            &pull.repo.name,
            &pull.number_text(),
            merge,
        )
        .map_err(|e| graphql_error(e, String::new))?;
        PullRequestPayload::reread(request, &pull, input.client_mutation_id)
    }

    async fn close_pull_request(
        &self,
        ctx: &Context<'_>,
        input: ClosePullRequestInput,
    ) -> async_graphql::Result<PullRequestPayload> {
        set_state(
            ctx,
            &input.pull_request_id,
            "closed",
            input.client_mutation_id,
        )
    }

    async fn reopen_pull_request(
        &self,
        ctx: &Context<'_>,
        input: ReopenPullRequestInput,
    ) -> async_graphql::Result<PullRequestPayload> {
        set_state(
            ctx,
            &input.pull_request_id,
            "open",
            input.client_mutation_id,
        )
    }

    async fn add_pull_request_review(
        &self,
        ctx: &Context<'_>,
        input: AddPullRequestReviewInput,
    ) -> async_graphql::Result<AddPullRequestReviewPayload> {
        let request = request(ctx);
        let pull = pull_by_node(request, &input.pull_request_id)?;
        let event = match input.event {
            None => None,
            Some(PullRequestReviewEvent::Approve) => Some("APPROVE"),
            Some(PullRequestReviewEvent::RequestChanges) => Some("REQUEST_CHANGES"),
            Some(PullRequestReviewEvent::Comment) => Some("COMMENT"),
            Some(PullRequestReviewEvent::Dismiss) => {
                return Err(unsupported("Dismissing reviews on creation"));
            }
        };
        let (repo, review) = service::create_review(
            &request.ctx(),
            &pull.repo.owner,
            &pull.repo.name,
            &pull.number_text(),
            service::CreateReview {
                commit_id: input.commit_oid,
                body: input.body,
                event: event.map(String::from),
                comments: None,
            },
        )
        .map_err(|e| graphql_error(e, String::new))?;
        Ok(AddPullRequestReviewPayload {
            pull_request_review: Some(PullRequestReview { repo, review }),
            client_mutation_id: input.client_mutation_id,
        })
    }

    async fn request_reviews(
        &self,
        ctx: &Context<'_>,
        input: RequestReviewsInput,
    ) -> async_graphql::Result<PullRequestPayload> {
        let request = request(ctx);
        let pull = pull_by_node(request, &input.pull_request_id)?;
        if input.team_ids.as_ref().is_some_and(|t| !t.is_empty()) {
            return Err(unsupported("Team reviewers"));
        }
        let wanted = super::logins_of_users(request, &input.user_ids.unwrap_or_default());
        let service_ctx = request.ctx();
        let number = pull.number_text();
        // Without `union`, the given users replace the requested reviewers.
        if !input.union.unwrap_or(false) {
            let stale: Vec<String> = pull
                .view
                .pull
                .requested_reviewers
                .iter()
                .filter(|login| !wanted.iter().any(|w| w.eq_ignore_ascii_case(login)))
                .cloned()
                .collect();
            if !stale.is_empty() {
                service::change_reviewers(
                    &service_ctx,
                    &pull.repo.owner,
                    &pull.repo.name,
                    &number,
                    service::Reviewers {
                        reviewers: Some(stale),
                        ..Default::default()
                    },
                    false,
                )
                .map_err(|e| graphql_error(e, String::new))?;
            }
        }
        if !wanted.is_empty() {
            service::change_reviewers(
                &service_ctx,
                &pull.repo.owner,
                &pull.repo.name,
                &number,
                service::Reviewers {
                    reviewers: Some(wanted),
                    ..Default::default()
                },
                true,
            )
            .map_err(|e| graphql_error(e, String::new))?;
        }
        PullRequestPayload::reread(request, &pull, input.client_mutation_id)
    }
}

fn set_state(
    ctx: &Context<'_>,
    id: &ID,
    state: &str,
    client_mutation_id: Option<String>,
) -> async_graphql::Result<PullRequestPayload> {
    let request = request(ctx);
    let pull = pull_by_node(request, id)?;
    let (repo, view, stats) = service::update(
        &request.ctx(),
        &pull.repo.owner,
        &pull.repo.name,
        &pull.number_text(),
        service::UpdatePull {
            title: None,
            body: None,
            state: Some(state.into()),
            base: None,
            maintainer_can_modify: None,
        },
    )
    .map_err(|e| graphql_error(e, String::new))?;
    let pull = PullRequest::new(repo, view);
    let _ = pull.stats.set(stats);
    Ok(PullRequestPayload {
        pull_request: Some(pull),
        client_mutation_id,
    })
}
