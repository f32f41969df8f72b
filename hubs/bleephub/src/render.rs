//! Records into GitHub's JSON shapes (the schemas of the vendored description: `simple-user`,
//! `private-user`, `full-repository`, `issue`, ...), with every URL pointing back at the fake as
//! the client reached it: `Urls` comes from the request's scheme, host and prefix.
//!
//! What this module must not do: read the store for anything but the accounts a record names,
//! or decide access.

pub mod apps;
pub mod checks;
pub mod collab;
pub mod git;
pub mod pulls;
pub mod releases;

use base64::Engine;
use serde_json::{Value, json};

use crate::model::{Account, AccountKind, Comment, Issue, Label, Membership, Repo, State};

/// Where the client reached the fake: the API's base and the web base, without trailing `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Urls {
    /// `http://127.0.0.1:5555/api/v3` (Enterprise form), `http://api.github.localhost`, ...
    pub api: String,
    /// `http://127.0.0.1:5555`, `http://github.localhost`, ...
    pub html: String,
}

impl Urls {
    /// From the request's scheme and authority, and whether it came under `/api/v3`. A host
    /// named `api.X` (api.github.com style) has its web pages at `X`.
    pub fn new(scheme: &str, authority: &str, enterprise: bool) -> Self {
        let origin = format!("{scheme}://{authority}");
        if enterprise {
            return Self {
                api: format!("{origin}/api/v3"),
                html: origin,
            };
        }
        let html = match authority.strip_prefix("api.") {
            Some(rest) => format!("{scheme}://{rest}"),
            None => origin.clone(),
        };
        Self { api: origin, html }
    }
}

/// `2011-01-26T19:01:12Z` from Unix milliseconds.
pub fn timestamp(millis: i64) -> String {
    let time = time::OffsetDateTime::from_unix_timestamp(millis.div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        time.year(),
        u8::from(time.month()),
        time.day(),
        time.hour(),
        time.minute(),
        time.second()
    )
}

fn optional_time(millis: Option<i64>) -> Value {
    millis.map_or(Value::Null, |m| timestamp(m).into())
}

/// A legacy global node ID (`base64("04:User1")`), which GitHub still accepts everywhere.
pub fn node_id(type_name: &str, id: u64) -> String {
    let prefix = format!("{type_name}{id}");
    let text = format!("{:02}:{prefix}", type_name.len());
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// GitHub's stand-in for a deleted account.
fn ghost() -> Account {
    Account {
        id: 10137,
        login: "ghost".into(),
        kind: AccountKind::User,
        name: Some("Deleted user".into()),
        email: None,
        company: None,
        blog: String::new(),
        location: None,
        bio: None,
        description: None,
        site_admin: false,
        created_at: 0,
        updated_at: 0,
    }
}

/// The account named `login`, or the ghost.
pub fn account_or_ghost(state: &State, login: &str) -> Account {
    state.account(login).unwrap_or_else(ghost)
}

/// `simple-user`.
pub fn simple_user(urls: &Urls, account: &Account) -> Value {
    let api = &urls.api;
    let login = &account.login;
    let url = format!("{api}/users/{login}");
    json!({
        "login": login,
        "id": account.id,
        "node_id": node_id(account.kind.as_str(), account.id),
        "avatar_url": format!("{}/avatars/u/{}", urls.html, account.id),
        "gravatar_id": "",
        "url": url,
        "html_url": format!("{}/{login}", urls.html),
        "followers_url": format!("{url}/followers"),
        "following_url": format!("{url}/following{{/other_user}}"),
        "gists_url": format!("{url}/gists{{/gist_id}}"),
        "starred_url": format!("{url}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{url}/subscriptions"),
        "organizations_url": format!("{url}/orgs"),
        "repos_url": format!("{url}/repos"),
        "events_url": format!("{url}/events{{/privacy}}"),
        "received_events_url": format!("{url}/received_events"),
        "type": account.kind.as_str(),
        "user_view_type": "public",
        "site_admin": account.site_admin,
    })
}

/// `public-user`, or `private-user` (with the private counts) for the account itself.
pub fn user(urls: &Urls, account: &Account, counts: UserCounts, private: bool) -> Value {
    let mut body = simple_user(urls, account);
    let extra = json!({
        "name": account.name,
        "company": account.company,
        "blog": account.blog,
        "location": account.location,
        "email": account.email,
        "hireable": null,
        "bio": account.bio,
        "twitter_username": null,
        "public_repos": counts.public_repos,
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "created_at": timestamp(account.created_at),
        "updated_at": timestamp(account.updated_at),
    });
    merge(&mut body, extra);
    if private {
        body["user_view_type"] = "private".into();
        merge(
            &mut body,
            json!({
                "notification_email": account.email,
                "private_gists": 0,
                "total_private_repos": counts.private_repos,
                "owned_private_repos": counts.private_repos,
                "disk_usage": 0,
                "collaborators": 0,
                "two_factor_authentication": false,
                "plan": {"name": "free", "space": 976562499, "collaborators": 0, "private_repos": 10000},
            }),
        );
    }
    body
}

/// Repository counts shown on a user or organization.
#[derive(Debug, Clone, Copy, Default)]
pub struct UserCounts {
    pub public_repos: u64,
    pub private_repos: u64,
}

fn merge(into: &mut Value, from: Value) {
    if let (Some(into), Value::Object(from)) = (into.as_object_mut(), from) {
        into.extend(from);
    }
}

/// `organization-simple`.
pub fn org_simple(urls: &Urls, org: &Account) -> Value {
    let api = &urls.api;
    let login = &org.login;
    let url = format!("{api}/orgs/{login}");
    json!({
        "login": login,
        "id": org.id,
        "node_id": node_id("Organization", org.id),
        "url": url,
        "repos_url": format!("{url}/repos"),
        "events_url": format!("{url}/events"),
        "hooks_url": format!("{url}/hooks"),
        "issues_url": format!("{url}/issues"),
        "members_url": format!("{url}/members{{/member}}"),
        "public_members_url": format!("{url}/public_members{{/member}}"),
        "avatar_url": format!("{}/avatars/u/{}", urls.html, org.id),
        "description": org.description,
    })
}

/// `organization-full`.
pub fn org_full(urls: &Urls, org: &Account, counts: UserCounts) -> Value {
    let mut body = org_simple(urls, org);
    merge(
        &mut body,
        json!({
            "name": org.name,
            "company": org.company,
            "blog": org.blog,
            "location": org.location,
            "email": org.email,
            "twitter_username": null,
            "is_verified": false,
            "has_organization_projects": true,
            "has_repository_projects": true,
            "public_repos": counts.public_repos,
            "public_gists": 0,
            "followers": 0,
            "following": 0,
            "html_url": format!("{}/{}", urls.html, org.login),
            "type": "Organization",
            "created_at": timestamp(org.created_at),
            "updated_at": timestamp(org.updated_at),
            "archived_at": null,
        }),
    );
    body
}

/// `org-membership`.
pub fn membership(urls: &Urls, membership: &Membership, org: &Account, user: &Account) -> Value {
    json!({
        "url": format!("{}/orgs/{}/memberships/{}", urls.api, org.login, user.login),
        "state": membership.state,
        "role": membership.role,
        "organization_url": format!("{}/orgs/{}", urls.api, org.login),
        "organization": org_simple(urls, org),
        "user": simple_user(urls, user),
    })
}

/// What the caller may do with a repository (`permissions` in repository shapes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Permissions {
    pub admin: bool,
    pub push: bool,
    pub pull: bool,
}

/// `repository` / `full-repository` / `minimal-repository` (they share these members; the
/// full form adds the counts of the network and subscribers, and the organization).
pub fn repo(
    urls: &Urls,
    repo: &Repo,
    owner: &Account,
    permissions: Option<Permissions>,
    full: bool,
) -> Value {
    let api = &urls.api;
    let full_name = repo.full_name();
    let url = format!("{api}/repos/{full_name}");
    let html_url = format!("{}/{full_name}", urls.html);
    let host = urls
        .html
        .split_once("://")
        .map_or(urls.html.as_str(), |(_, rest)| rest);
    let mut body = json!({
        "id": repo.id,
        "node_id": node_id("Repository", repo.id),
        "name": repo.name,
        "full_name": full_name,
        "private": repo.private,
        "owner": simple_user(urls, owner),
        "html_url": html_url,
        "description": repo.description,
        "fork": repo.parent.is_some(),
        "url": url,
        "forks_url": format!("{url}/forks"),
        "keys_url": format!("{url}/keys{{/key_id}}"),
        "collaborators_url": format!("{url}/collaborators{{/collaborator}}"),
        "teams_url": format!("{url}/teams"),
        "hooks_url": format!("{url}/hooks"),
        "issue_events_url": format!("{url}/issues/events{{/number}}"),
        "events_url": format!("{url}/events"),
        "assignees_url": format!("{url}/assignees{{/user}}"),
        "branches_url": format!("{url}/branches{{/branch}}"),
        "tags_url": format!("{url}/tags"),
        "blobs_url": format!("{url}/git/blobs{{/sha}}"),
        "git_tags_url": format!("{url}/git/tags{{/sha}}"),
        "git_refs_url": format!("{url}/git/refs{{/sha}}"),
        "trees_url": format!("{url}/git/trees{{/sha}}"),
        "statuses_url": format!("{url}/statuses/{{sha}}"),
        "languages_url": format!("{url}/languages"),
        "stargazers_url": format!("{url}/stargazers"),
        "contributors_url": format!("{url}/contributors"),
        "subscribers_url": format!("{url}/subscribers"),
        "subscription_url": format!("{url}/subscription"),
        "commits_url": format!("{url}/commits{{/sha}}"),
        "git_commits_url": format!("{url}/git/commits{{/sha}}"),
        "comments_url": format!("{url}/comments{{/number}}"),
        "issue_comment_url": format!("{url}/issues/comments{{/number}}"),
        "contents_url": format!("{url}/contents/{{+path}}"),
        "compare_url": format!("{url}/compare/{{base}}...{{head}}"),
        "merges_url": format!("{url}/merges"),
        "archive_url": format!("{url}/{{archive_format}}{{/ref}}"),
        "downloads_url": format!("{url}/downloads"),
        "issues_url": format!("{url}/issues{{/number}}"),
        "pulls_url": format!("{url}/pulls{{/number}}"),
        "milestones_url": format!("{url}/milestones{{/number}}"),
        "notifications_url": format!("{url}/notifications{{?since,all,participating}}"),
        "labels_url": format!("{url}/labels{{/name}}"),
        "releases_url": format!("{url}/releases{{/id}}"),
        "deployments_url": format!("{url}/deployments"),
        "created_at": timestamp(repo.created_at),
        "updated_at": timestamp(repo.updated_at),
        "pushed_at": optional_time(repo.pushed_at),
        "git_url": format!("git://{host}/{full_name}.git"),
        "ssh_url": format!("git@{host}:{full_name}.git"),
        "clone_url": format!("{html_url}.git"),
        "svn_url": html_url,
        "homepage": repo.homepage,
        "size": 0,
        "stargazers_count": repo.stargazers,
        "watchers_count": repo.stargazers,
        "language": null,
        "has_issues": repo.has_issues,
        "has_projects": repo.has_projects,
        "has_downloads": true,
        "has_wiki": repo.has_wiki,
        "has_pages": false,
        "has_discussions": repo.has_discussions,
        "forks_count": repo.forks,
        "mirror_url": null,
        "archived": repo.archived,
        "disabled": false,
        "open_issues_count": repo.open_issues,
        "license": null,
        "allow_forking": true,
        "is_template": repo.is_template,
        "web_commit_signoff_required": false,
        "topics": repo.topics,
        "visibility": repo.visibility,
        "forks": repo.forks,
        "open_issues": repo.open_issues,
        "watchers": repo.stargazers,
        "default_branch": repo.default_branch,
    });
    if let Some(permissions) = permissions {
        body["permissions"] = json!({
            "admin": permissions.admin,
            "maintain": permissions.admin,
            "push": permissions.push,
            "triage": permissions.push,
            "pull": permissions.pull,
        });
        if permissions.admin {
            merge(
                &mut body,
                json!({
                    "allow_squash_merge": repo.allow_squash_merge,
                    "allow_merge_commit": repo.allow_merge_commit,
                    "allow_rebase_merge": repo.allow_rebase_merge,
                    "allow_auto_merge": repo.allow_auto_merge,
                    "delete_branch_on_merge": repo.delete_branch_on_merge,
                    "allow_update_branch": false,
                    "use_squash_pr_title_as_default": false,
                    "squash_merge_commit_title": "COMMIT_OR_PR_TITLE",
                    "squash_merge_commit_message": "COMMIT_MESSAGES",
                    "merge_commit_title": "MERGE_MESSAGE",
                    "merge_commit_message": "PR_TITLE",
                }),
            );
        }
    }
    if full {
        body["network_count"] = 0.into();
        body["subscribers_count"] = repo.subscribers.into();
        if owner.kind == AccountKind::Organization {
            body["organization"] = simple_user(urls, owner);
        }
    }
    body
}

/// `label`.
pub fn label(urls: &Urls, repo: &Repo, label: &Label) -> Value {
    let name = percent_encoding::utf8_percent_encode(&label.name, PATH_SEGMENT).to_string();
    json!({
        "id": label.id,
        "node_id": node_id("Label", label.id),
        "url": format!("{}/repos/{}/labels/{name}", urls.api, repo.full_name()),
        "name": label.name,
        "color": label.color,
        "default": label.default,
        "description": label.description,
    })
}

/// Characters escaped in a path segment (label names have spaces and more).
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// `issue`.
pub fn issue(urls: &Urls, state: &State, repo: &Repo, issue: &Issue) -> Value {
    let repo_url = format!("{}/repos/{}", urls.api, repo.full_name());
    let url = format!("{repo_url}/issues/{}", issue.number);
    let labels: Vec<Value> = issue
        .labels
        .iter()
        .filter_map(|name| {
            state
                .labels
                .get(&crate::model::label_key(repo.id, name))
                .map(|found| label(urls, repo, &found))
        })
        .collect();
    let assignees: Vec<Value> = issue
        .assignees
        .iter()
        .map(|login| simple_user(urls, &account_or_ghost(state, login)))
        .collect();
    let author = account_or_ghost(state, &issue.user);
    let mut body = json!({
        "url": url,
        "repository_url": repo_url,
        "labels_url": format!("{url}/labels{{/name}}"),
        "comments_url": format!("{url}/comments"),
        "events_url": format!("{url}/events"),
        "html_url": format!("{}/{}/issues/{}", urls.html, repo.full_name(), issue.number),
        "id": issue.id,
        "node_id": node_id("Issue", issue.id),
        "number": issue.number,
        "title": issue.title,
        "user": simple_user(urls, &author),
        "labels": labels,
        "state": issue.state,
        "locked": issue.locked,
        "assignee": assignees.first().cloned().unwrap_or(Value::Null),
        "assignees": assignees,
        "milestone": crate::services::milestones::of_issue(state, repo.id, issue.number)
            .map_or(Value::Null, |m| collab::milestone(urls, state, repo, &m)),
        "comments": issue.comments,
        "created_at": timestamp(issue.created_at),
        "updated_at": timestamp(issue.updated_at),
        "closed_at": optional_time(issue.closed_at),
        "closed_by": issue.closed_by.as_ref().map(|login| simple_user(urls, &account_or_ghost(state, login))),
        "author_association": association(repo, &issue.user),
        "active_lock_reason": null,
        "body": issue.body,
        "state_reason": issue.state_reason,
        "timeline_url": format!("{url}/timeline"),
        "performed_via_github_app": null,
        "reactions": reactions(&url),
    });
    if issue.pull_request {
        let pull = state
            .pulls
            .get(&crate::model::issue_key(repo.id, issue.number));
        body["pull_request"] = pulls::issue_member(urls, repo, pull.as_ref(), issue.number);
    }
    body
}

/// `issue-comment`.
pub fn comment(urls: &Urls, state: &State, repo: &Repo, comment: &Comment) -> Value {
    let repo_url = format!("{}/repos/{}", urls.api, repo.full_name());
    let url = format!("{repo_url}/issues/comments/{}", comment.id);
    json!({
        "url": url,
        "html_url": format!(
            "{}/{}/issues/{}#issuecomment-{}",
            urls.html, repo.full_name(), comment.issue_number, comment.id
        ),
        "issue_url": format!("{repo_url}/issues/{}", comment.issue_number),
        "id": comment.id,
        "node_id": node_id("IssueComment", comment.id),
        "user": simple_user(urls, &account_or_ghost(state, &comment.user)),
        "created_at": timestamp(comment.created_at),
        "updated_at": timestamp(comment.updated_at),
        "author_association": association(repo, &comment.user),
        "body": comment.body,
        "reactions": reactions(&url),
        "performed_via_github_app": null,
    })
}

pub(crate) fn association(repo: &Repo, login: &str) -> &'static str {
    if repo.owner.eq_ignore_ascii_case(login) {
        "OWNER"
    } else {
        "NONE"
    }
}

pub(crate) fn reactions(url: &str) -> Value {
    json!({
        "url": format!("{url}/reactions"),
        "total_count": 0, "+1": 0, "-1": 0, "laugh": 0, "hooray": 0,
        "confused": 0, "heart": 0, "rocket": 0, "eyes": 0,
    })
}

/// `root`: the URL templates of `GET /`.
pub fn root(urls: &Urls) -> Value {
    let api = &urls.api;
    let html = &urls.html;
    json!({
        "current_user_url": format!("{api}/user"),
        "current_user_authorizations_html_url": format!("{html}/settings/connections/applications{{/client_id}}"),
        "authorizations_url": format!("{api}/authorizations"),
        "code_search_url": format!("{api}/search/code?q={{query}}{{&page,per_page,sort,order}}"),
        "commit_search_url": format!("{api}/search/commits?q={{query}}{{&page,per_page,sort,order}}"),
        "emails_url": format!("{api}/user/emails"),
        "emojis_url": format!("{api}/emojis"),
        "events_url": format!("{api}/events"),
        "feeds_url": format!("{api}/feeds"),
        "followers_url": format!("{api}/user/followers"),
        "following_url": format!("{api}/user/following{{/target}}"),
        "gists_url": format!("{api}/gists{{/gist_id}}"),
        "hub_url": format!("{api}/hub"),
        "issue_search_url": format!("{api}/search/issues?q={{query}}{{&page,per_page,sort,order}}"),
        "issues_url": format!("{api}/issues"),
        "keys_url": format!("{api}/user/keys"),
        "label_search_url": format!("{api}/search/labels?q={{query}}&repository_id={{repository_id}}{{&page,per_page}}"),
        "notifications_url": format!("{api}/notifications"),
        "organization_url": format!("{api}/orgs/{{org}}"),
        "organization_repositories_url": format!("{api}/orgs/{{org}}/repos{{?type,page,per_page,sort}}"),
        "organization_teams_url": format!("{api}/orgs/{{org}}/teams"),
        "public_gists_url": format!("{api}/gists/public"),
        "rate_limit_url": format!("{api}/rate_limit"),
        "repository_url": format!("{api}/repos/{{owner}}/{{repo}}"),
        "repository_search_url": format!("{api}/search/repositories?q={{query}}{{&page,per_page,sort,order}}"),
        "current_user_repositories_url": format!("{api}/user/repos{{?type,page,per_page,sort}}"),
        "starred_url": format!("{api}/user/starred{{/owner}}{{/repo}}"),
        "starred_gists_url": format!("{api}/gists/starred"),
        "topic_search_url": format!("{api}/search/topics?q={{query}}{{&page,per_page}}"),
        "user_url": format!("{api}/users/{{user}}"),
        "user_organizations_url": format!("{api}/user/orgs"),
        "user_repositories_url": format!("{api}/users/{{user}}/repos{{?type,page,per_page,sort}}"),
        "user_search_url": format!("{api}/search/users?q={{query}}{{&page,per_page,sort,order}}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_follow_the_host_the_client_used() {
        let cases = [
            (
                "http",
                "api.github.localhost",
                false,
                "http://api.github.localhost",
                "http://github.localhost",
            ),
            (
                "https",
                "localhost:5555",
                true,
                "https://localhost:5555/api/v3",
                "https://localhost:5555",
            ),
            (
                "http",
                "127.0.0.1:5555",
                false,
                "http://127.0.0.1:5555",
                "http://127.0.0.1:5555",
            ),
        ];
        for (scheme, authority, enterprise, api, html) in cases {
            let urls = Urls::new(scheme, authority, enterprise);
            assert_eq!(
                (urls.api.as_str(), urls.html.as_str()),
                (api, html),
                "{authority}"
            );
        }
    }

    #[test]
    fn times_and_node_ids_have_githubs_forms() {
        assert_eq!(timestamp(1_296_068_472_000), "2011-01-26T19:01:12Z");
        assert_eq!(node_id("User", 1), "MDQ6VXNlcjE=");
    }
}
