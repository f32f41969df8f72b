//! The records bleephub keeps in the kit's store, and the one place that allocates IDs.
//!
//! | collection | key | record |
//! |---|---|---|
//! | `github.accounts` | lower-cased login | [`Account`] (users and organizations share one namespace, as on GitHub) |
//! | `github.tokens` | SHA-256 of the token, hex | [`Token`] (the token itself is never stored) |
//! | `github.memberships` | `org/user`, lower-cased | [`Membership`] |
//! | `github.repos` | repository ID, zero-padded | [`Repo`] |
//! | `github.repo_names` | `owner/name`, lower-cased | the repository ID |
//! | `github.issues` | `repoID/number`, zero-padded | [`Issue`] |
//! | `github.comments` | `repoID/commentID`, zero-padded | [`Comment`] |
//! | `github.labels` | `repoID/name`, name lower-cased | [`Label`] |
//! | `github.pulls` | `repoID/number`, zero-padded | [`Pull`] |
//! | `github.reviews` | `repoID/reviewID`, zero-padded | [`Review`] |
//! | `github.stars` | `repoID/login`, login lower-cased | [`Star`] |
//! | `github.subscriptions` | `repoID/login`, login lower-cased | [`Subscription`] |
//! | `github.review_comments` | `repoID/commentID`, zero-padded | [`ReviewComment`] |
//! | `github.protections` | `repoID/branch` | [`BranchProtection`] |
//! | `github.counters` | what is counted | the last ID given |
//! | `github.releases` | `repoID/releaseID`, zero-padded | [`Release`] |
//! | `github.release_assets` | `repoID/assetID`, zero-padded | [`ReleaseAsset`] (bytes in `files/github-assets/ASSETID`) |
//! | `github.apps` | app ID, zero-padded | [`App`] (its private key is never kept: only the public half) |
//! | `github.installations` | installation ID, zero-padded | [`Installation`] |
//! | `github.installation_tokens` | SHA-256 of the `ghs_…` token, hex | [`InstallationToken`] |
//! | `github.pat_grants` | SHA-256 of a `github_pat_…` token, hex | [`PatGrant`] (what a fine-grained token was narrowed to) |
//! | `github.teams` | `org/slug`, lower-cased | [`Team`] |
//! | `github.team_members` | `teamID/login`, login lower-cased | [`TeamMember`] |
//! | `github.team_repos` | `teamID/repoID`, zero-padded | the team's role on the repository |
//! | `github.collaborators` | `repoID/login`, login lower-cased | [`Collaborator`] |
//! | `github.invitations` | invitation ID, zero-padded | [`Invitation`] |
//! | `github.milestones` | `repoID/number`, zero-padded | [`Milestone`] |
//! | `github.issue_milestones` | the issue's key (`repoID/number`) | the milestone's number |
//! | `github.deploy_keys` | `repoID/keyID`, zero-padded | [`DeployKey`] |
//! | `github.hooks` | `repo/REPOID/HOOKID` or `org/ORGID/HOOKID`, zero-padded | [`crate::hooks::Hook`] (deliveries are the kit's `github.webhook_*` collections) |
//!
//! Names are case-insensitive on GitHub, so keys are lower-cased and records keep the case
//! they were created with. Keys order listings: padded IDs sort numerically.
//!
//! What this module must not do: read the clock (callers pass times in) or know HTTP.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use simkit::Kit;
use simkit::store::{Collection, Store, StoreError, Txn};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountKind {
    User,
    Organization,
    /// A GitHub App's own account (`slug[bot]`), which its installation tokens act as.
    Bot,
}

impl AccountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::User => "User",
            AccountKind::Organization => "Organization",
            AccountKind::Bot => "Bot",
        }
    }
}

/// A user or an organization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub id: u64,
    pub login: String,
    pub kind: AccountKind,
    pub name: Option<String>,
    pub email: Option<String>,
    pub company: Option<String>,
    pub blog: String,
    pub location: Option<String>,
    pub bio: Option<String>,
    /// Organizations: what `description` shows.
    pub description: Option<String>,
    pub site_admin: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TokenKind {
    /// `ghp_…`: carries OAuth scopes.
    Classic,
    /// `github_pat_…`: fine-grained; no scopes header.
    FineGrained,
    /// `ghs_…`: an installation access token of a GitHub App (its grant is an
    /// [`InstallationToken`]), or the app's own JWT; permissions instead of scopes.
    App,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Token {
    pub login: String,
    pub kind: TokenKind,
    pub scopes: Vec<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Membership {
    pub org: String,
    pub user: String,
    /// `admin` or `member`.
    pub role: String,
    /// `active` or `pending`.
    pub state: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Repo {
    pub id: u64,
    pub owner: String,
    pub name: String,
    pub description: Option<String>,
    pub homepage: Option<String>,
    pub private: bool,
    /// `public`, `private` or `internal`.
    pub visibility: String,
    pub default_branch: String,
    pub has_issues: bool,
    pub has_projects: bool,
    pub has_wiki: bool,
    pub has_discussions: bool,
    pub is_template: bool,
    pub archived: bool,
    pub allow_squash_merge: bool,
    pub allow_merge_commit: bool,
    pub allow_rebase_merge: bool,
    pub allow_auto_merge: bool,
    pub delete_branch_on_merge: bool,
    pub topics: Vec<String>,
    pub open_issues: u64,
    /// The last issue or pull request number given (they share numbering).
    pub last_number: u64,
    pub created_at: i64,
    pub updated_at: i64,
    pub pushed_at: Option<i64>,
    /// Kept with the stars and subscriptions that change them, in one transaction.
    #[serde(default)]
    pub stargazers: u64,
    #[serde(default)]
    pub subscribers: u64,
    #[serde(default)]
    pub forks: u64,
    /// The repository this one was forked from.
    #[serde(default)]
    pub parent: Option<u64>,
}

/// A person's star on a repository.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Star {
    pub repo_id: u64,
    pub login: String,
    pub starred_at: i64,
    /// Orders stars given in the same millisecond.
    pub seq: u64,
}

/// A person's watching settings for a repository.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subscription {
    pub repo_id: u64,
    pub login: String,
    pub subscribed: bool,
    pub ignored: bool,
    pub created_at: i64,
}

impl Repo {
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Issue {
    pub id: u64,
    pub repo_id: u64,
    pub number: u64,
    pub title: String,
    pub body: Option<String>,
    /// `open` or `closed`.
    pub state: String,
    /// `completed`, `not_planned`, `reopened` or none.
    pub state_reason: Option<String>,
    pub user: String,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    pub locked: bool,
    pub comments: u64,
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
    pub closed_by: Option<String>,
    /// Whether this number is a pull request (its [`Pull`] holds the rest).
    #[serde(default)]
    pub pull_request: bool,
}

/// What a pull request adds to its issue (title, body, state, labels and assignees live there,
/// as on GitHub, where every pull request is an issue).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pull {
    /// The pull request's own ID (not its issue's).
    pub id: u64,
    pub repo_id: u64,
    pub number: u64,
    pub head_ref: String,
    /// The head's commit when last seen (kept after the branch is deleted).
    pub head_sha: String,
    pub base_ref: String,
    pub base_sha: String,
    pub draft: bool,
    pub maintainer_can_modify: bool,
    pub merged_at: Option<i64>,
    pub merged_by: Option<String>,
    pub merge_commit_sha: Option<String>,
    pub requested_reviewers: Vec<String>,
}

/// A pull request review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Review {
    pub id: u64,
    pub repo_id: u64,
    pub number: u64,
    pub user: String,
    pub body: String,
    /// `PENDING`, `COMMENTED`, `APPROVED`, `CHANGES_REQUESTED` or `DISMISSED`.
    pub state: String,
    pub commit_id: String,
    pub submitted_at: Option<i64>,
}

/// A review comment: a remark on a line (or a range of lines, or a whole file) of a pull
/// request's diff, always part of a review (a comment made on its own gets a review of its own,
/// as on GitHub).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewComment {
    pub id: u64,
    pub repo_id: u64,
    pub number: u64,
    pub review_id: u64,
    pub user: String,
    pub body: String,
    pub path: String,
    pub commit_id: String,
    pub original_commit_id: String,
    /// The hunk's header through the line commented on.
    pub diff_hunk: String,
    /// `None` for a comment on the whole file.
    pub line: Option<u64>,
    /// `LEFT` (the base) or `RIGHT` (the head).
    pub side: String,
    pub start_line: Option<u64>,
    pub start_side: Option<String>,
    /// The line's place in the file's diff, counted from the line after the first `@@`.
    pub position: Option<u64>,
    pub in_reply_to: Option<u64>,
    /// `line` or `file`.
    pub subject_type: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comment {
    pub id: u64,
    pub repo_id: u64,
    pub issue_number: u64,
    pub user: String,
    pub body: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Label {
    pub id: u64,
    pub repo_id: u64,
    pub name: String,
    pub color: String,
    pub description: Option<String>,
    pub default: bool,
}

/// A protected branch's rules, as `PUT .../branches/{branch}/protection` set them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BranchProtection {
    pub repo_id: u64,
    pub branch: String,
    /// Status check contexts that must pass, and whether the branch must be up to date.
    pub required_status_checks: Option<(bool, Vec<String>)>,
    pub enforce_admins: bool,
    /// Approving reviews a pull request needs, when reviews are required.
    pub required_approving_review_count: Option<u64>,
    pub dismiss_stale_reviews: bool,
    pub require_code_owner_reviews: bool,
    pub required_linear_history: bool,
    pub allow_force_pushes: bool,
    pub allow_deletions: bool,
    pub required_conversation_resolution: bool,
}

/// A release: a tag with notes and files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Release {
    pub id: u64,
    pub repo_id: u64,
    pub tag_name: String,
    pub target_commitish: String,
    pub name: Option<String>,
    pub body: Option<String>,
    pub draft: bool,
    pub prerelease: bool,
    /// The release `make_latest: true` chose; otherwise the latest is the newest published.
    pub pinned_latest: bool,
    pub author: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub published_at: Option<i64>,
}

/// A file attached to a release; its bytes are a file named by its ID.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleaseAsset {
    pub id: u64,
    pub repo_id: u64,
    pub release_id: u64,
    pub name: String,
    pub label: Option<String>,
    pub content_type: String,
    pub size: u64,
    /// `sha256:HEX` of the bytes.
    pub digest: String,
    pub download_count: u64,
    pub uploader: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A commit status (`POST …/statuses/{sha}`): one state of one context on one commit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommitStatus {
    pub id: u64,
    pub repo_id: u64,
    pub sha: String,
    /// `error`, `failure`, `pending` or `success`.
    pub state: String,
    pub target_url: Option<String>,
    pub description: Option<String>,
    pub context: String,
    pub creator: String,
    pub created_at: i64,
}

/// A check suite: the check runs one app made for one commit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckSuite {
    pub id: u64,
    pub repo_id: u64,
    pub head_sha: String,
    pub head_branch: Option<String>,
    /// The app's slug (`github-actions`).
    pub app: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A check run: one named check of a commit, in a suite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckRun {
    pub id: u64,
    pub repo_id: u64,
    pub suite_id: u64,
    pub head_sha: String,
    pub name: String,
    /// `queued`, `in_progress`, `completed`, `waiting`, `requested` or `pending`.
    pub status: String,
    pub conclusion: Option<String>,
    pub details_url: Option<String>,
    pub external_id: Option<String>,
    pub started_at: Option<i64>,
    pub completed_at: Option<i64>,
    pub output_title: Option<String>,
    pub output_summary: Option<String>,
    pub output_text: Option<String>,
}

/// A GitHub App, as its owner registers it in the web UI (here through the admin API).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct App {
    pub id: u64,
    pub slug: String,
    pub name: String,
    /// The user or organization that owns the app.
    pub owner: String,
    pub description: Option<String>,
    pub external_url: String,
    pub client_id: String,
    /// The public half of the app's private key (PKCS#1 PEM), which app JWTs are checked with.
    pub public_key_pem: String,
    /// `{"checks": "write", "contents": "read", ...}`; `metadata: read` is always implied.
    pub permissions: std::collections::BTreeMap<String, String>,
    pub events: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl App {
    /// The login of the app's bot account (`slug[bot]`).
    pub fn bot_login(&self) -> String {
        format!("{}[bot]", self.slug)
    }
}

/// An app installed on a user or organization account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Installation {
    pub id: u64,
    pub app_id: u64,
    /// The account the app is installed on.
    pub account: String,
    /// `all` (every repository of the account) or `selected` ([`Installation::repository_ids`]).
    pub repository_selection: String,
    pub repository_ids: Vec<u64>,
    pub permissions: std::collections::BTreeMap<String, String>,
    pub events: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub suspended_at: Option<i64>,
}

/// What an installation access token (`ghs_…`) grants: at most its installation's permissions
/// and repositories, until it expires (an hour after it was made, as on GitHub).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstallationToken {
    pub installation_id: u64,
    pub app_id: u64,
    pub permissions: std::collections::BTreeMap<String, String>,
    /// `None`: every repository the installation reaches.
    pub repository_ids: Option<Vec<u64>>,
    pub created_at: i64,
    pub expires_at: i64,
}

/// What a fine-grained personal access token was given: permissions (as an app's) and, when
/// narrowed, the repositories it reaches (`None`: all its owner reaches).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatGrant {
    pub permissions: std::collections::BTreeMap<String, String>,
    pub repository_ids: Option<Vec<u64>>,
}

/// An organization's team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Team {
    pub id: u64,
    pub org: String,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    /// `closed` or `secret`.
    pub privacy: String,
    /// `notifications_enabled` or `notifications_disabled`.
    pub notification_setting: String,
    /// The role repositories added without one get (`pull` by default).
    pub permission: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A team's member: `member` or `maintainer`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamMember {
    pub team_id: u64,
    pub login: String,
    pub role: String,
}

/// A repository's collaborator and the role they were given (`pull`, `triage`, `push`,
/// `maintain` or `admin`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Collaborator {
    pub repo_id: u64,
    pub login: String,
    pub permission: String,
}

/// An invitation to collaborate on a repository, until the invitee accepts or declines it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invitation {
    pub id: u64,
    pub repo_id: u64,
    pub invitee: String,
    pub inviter: String,
    pub permission: String,
    pub created_at: i64,
}

/// A milestone; issues name it by number (`github.issue_milestones`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Milestone {
    pub id: u64,
    pub repo_id: u64,
    pub number: u64,
    pub title: String,
    pub description: Option<String>,
    /// `open` or `closed`.
    pub state: String,
    pub due_on: Option<i64>,
    pub creator: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
}

/// An SSH key with access to one repository.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeployKey {
    pub id: u64,
    pub repo_id: u64,
    pub title: String,
    /// `TYPE BASE64` (the comment dropped, as GitHub shows it).
    pub key: String,
    pub read_only: bool,
    pub added_by: String,
    pub created_at: i64,
}

/// The store's collections, opened once.
pub struct State {
    pub store: Store,
    pub accounts: Arc<Collection<Account>>,
    pub tokens: Arc<Collection<Token>>,
    pub memberships: Arc<Collection<Membership>>,
    pub repos: Arc<Collection<Repo>>,
    pub repo_names: Arc<Collection<u64>>,
    pub issues: Arc<Collection<Issue>>,
    pub comments: Arc<Collection<Comment>>,
    pub labels: Arc<Collection<Label>>,
    pub protections: Arc<Collection<BranchProtection>>,
    pub pulls: Arc<Collection<Pull>>,
    pub reviews: Arc<Collection<Review>>,
    pub review_comments: Arc<Collection<ReviewComment>>,
    pub stars: Arc<Collection<Star>>,
    pub subscriptions: Arc<Collection<Subscription>>,
    pub counters: Arc<Collection<u64>>,
    pub releases: Arc<Collection<Release>>,
    pub assets: Arc<Collection<ReleaseAsset>>,
    pub statuses: Arc<Collection<CommitStatus>>,
    pub check_suites: Arc<Collection<CheckSuite>>,
    pub check_runs: Arc<Collection<CheckRun>>,
    pub apps: Arc<Collection<App>>,
    pub installations: Arc<Collection<Installation>>,
    pub installation_tokens: Arc<Collection<InstallationToken>>,
    pub pat_grants: Arc<Collection<PatGrant>>,
    pub teams: Arc<Collection<Team>>,
    pub team_members: Arc<Collection<TeamMember>>,
    pub team_repos: Arc<Collection<String>>,
    pub collaborators: Arc<Collection<Collaborator>>,
    pub invitations: Arc<Collection<Invitation>>,
    pub milestones: Arc<Collection<Milestone>>,
    pub issue_milestones: Arc<Collection<u64>>,
    pub deploy_keys: Arc<Collection<DeployKey>>,
}

impl State {
    pub fn open(kit: &Kit) -> Result<Self, StoreError> {
        let store = kit.store().clone();
        Ok(Self {
            accounts: store.collection("github.accounts")?,
            tokens: store.collection("github.tokens")?,
            memberships: store.collection("github.memberships")?,
            repos: store.collection("github.repos")?,
            repo_names: store.collection("github.repo_names")?,
            issues: store.collection("github.issues")?,
            comments: store.collection("github.comments")?,
            labels: store.collection("github.labels")?,
            protections: store.collection("github.protections")?,
            pulls: store.collection("github.pulls")?,
            reviews: store.collection("github.reviews")?,
            review_comments: store.collection("github.review_comments")?,
            stars: store.collection("github.stars")?,
            subscriptions: store.collection("github.subscriptions")?,
            counters: store.collection("github.counters")?,
            releases: store.collection("github.releases")?,
            assets: store.collection("github.release_assets")?,
            statuses: store.collection("github.statuses")?,
            check_suites: store.collection("github.check_suites")?,
            check_runs: store.collection("github.check_runs")?,
            apps: store.collection("github.apps")?,
            installations: store.collection("github.installations")?,
            installation_tokens: store.collection("github.installation_tokens")?,
            pat_grants: store.collection("github.pat_grants")?,
            teams: store.collection("github.teams")?,
            team_members: store.collection("github.team_members")?,
            team_repos: store.collection("github.team_repos")?,
            collaborators: store.collection("github.collaborators")?,
            invitations: store.collection("github.invitations")?,
            milestones: store.collection("github.milestones")?,
            issue_milestones: store.collection("github.issue_milestones")?,
            deploy_keys: store.collection("github.deploy_keys")?,
            store,
        })
    }

    pub fn account(&self, login: &str) -> Option<Account> {
        self.accounts.get(&login.to_ascii_lowercase())
    }

    pub fn repo_by_name(&self, owner: &str, name: &str) -> Option<Repo> {
        let id = self.repo_names.get(&repo_name_key(owner, name))?;
        self.repos.get(&id_key(id))
    }

    pub fn membership(&self, org: &str, user: &str) -> Option<Membership> {
        self.memberships.get(&membership_key(org, user))
    }
}

/// The next ID of `counter` (`user`, `repository`, `issue`, ...), inside `txn`.
pub fn next_id(
    txn: &mut Txn<'_>,
    counters: &Collection<u64>,
    counter: &str,
) -> Result<u64, StoreError> {
    let next = txn.get(counters, counter)?.unwrap_or(0) + 1;
    txn.insert(counters, counter, next)?;
    Ok(next)
}

pub fn id_key(id: u64) -> String {
    format!("{id:012}")
}

pub fn repo_name_key(owner: &str, name: &str) -> String {
    format!(
        "{}/{}",
        owner.to_ascii_lowercase(),
        name.to_ascii_lowercase()
    )
}

pub fn membership_key(org: &str, user: &str) -> String {
    format!("{}/{}", org.to_ascii_lowercase(), user.to_ascii_lowercase())
}

pub fn issue_key(repo_id: u64, number: u64) -> String {
    format!("{repo_id:012}/{number:012}")
}

pub fn comment_key(repo_id: u64, id: u64) -> String {
    repo_record_key(repo_id, id)
}

/// The key of a repository's record numbered `id` (comments, artifacts, caches).
pub fn repo_record_key(repo_id: u64, id: u64) -> String {
    format!("{repo_id:012}/{id:012}")
}

/// Removes the kit's files directory `name` (a reset empties the records that name its files).
pub fn remove_files_dir(kit: &simkit::Kit, name: &str) {
    if let Err(error) = std::fs::remove_dir_all(kit.files_dir().join(name))
        && error.kind() != std::io::ErrorKind::NotFound
    {
        tracing::error!(%error, dir = name, "clearing files");
    }
}

pub fn label_key(repo_id: u64, name: &str) -> String {
    format!("{repo_id:012}/{}", name.to_lowercase())
}

pub fn protection_key(repo_id: u64, branch: &str) -> String {
    format!("{repo_id:012}/{branch}")
}

pub fn collaborator_key(repo_id: u64, login: &str) -> String {
    format!("{repo_id:012}/{}", login.to_ascii_lowercase())
}

/// The prefix of every per-repository record of `repo_id`.
pub fn repo_prefix(repo_id: u64) -> String {
    format!("{repo_id:012}/")
}
