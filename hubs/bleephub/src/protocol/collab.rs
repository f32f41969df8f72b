//! Dispatch of collaborators and invitations, assignees, topics, milestones and deploy keys.

use serde_json::{Value, json};

use super::{Call, Reply, render_repo};
use crate::error::GitHubError;
use crate::render;
use crate::render::collab as shapes;
use crate::services::collaborators::{self, Added};
use crate::services::{Ctx, deploy_keys, milestones, teams, topics};
use crate::spec::Op;

/// The logins of a body's `assignees` (strings, as GitHub documents them).
fn logins(body: &Value) -> Vec<String> {
    body["assignees"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn dispatch(ctx: &Ctx<'_>, call: &Call<'_>) -> Result<Reply, GitHubError> {
    let urls = &call.urls;
    let state = &ctx.hub.state;
    let owner = call.param("owner");
    let name = call.param("repo");
    Ok(match call.matched.op {
        Op::ReposListCollaborators => {
            let affiliation = call.query("affiliation");
            let permission = call.query("permission");
            let (_, people) = collaborators::list(
                ctx,
                owner,
                name,
                affiliation.as_deref(),
                permission.as_deref(),
            )?;
            call.page(people, |(account, role)| {
                shapes::collaborator(urls, account, role)
            })
        }
        Op::ReposCheckCollaborator => {
            collaborators::check(ctx, owner, name, call.param("username"))?;
            Reply::no_content()
        }
        Op::ReposGetCollaboratorPermissionLevel => {
            let (_, account, level, role) =
                collaborators::permission(ctx, owner, name, call.param("username"))?;
            Reply::ok(shapes::permission(urls, &account, level, role))
        }
        Op::ReposAddCollaborator => {
            match collaborators::add(ctx, owner, name, call.param("username"), call.input()?)? {
                Added::Direct => Reply::no_content(),
                Added::Invited(invited) => {
                    let (repo, invitation) = *invited;
                    let repository = render_repo(ctx, urls, &repo, false);
                    Reply {
                        location: None,
                        ..Reply::created(shapes::invitation(
                            urls,
                            state,
                            &repo,
                            &invitation,
                            repository,
                        ))
                    }
                }
            }
        }
        Op::ReposRemoveCollaborator => {
            collaborators::remove(ctx, owner, name, call.param("username"))?;
            Reply::no_content()
        }
        Op::ReposListInvitations => {
            let (repo, list) = collaborators::list_for_repo(ctx, owner, name)?;
            let repository = render_repo(ctx, urls, &repo, false);
            call.page(list, |invitation| {
                shapes::invitation(urls, state, &repo, invitation, repository.clone())
            })
        }
        Op::ReposListInvitationsForAuthenticatedUser => {
            let list = collaborators::list_for_user(ctx)?;
            call.page(list, |(repo, invitation)| {
                let repository = render_repo(ctx, urls, repo, false);
                shapes::invitation(urls, state, repo, invitation, repository)
            })
        }
        Op::ReposAcceptInvitationForAuthenticatedUser => {
            collaborators::accept(ctx, call.param("invitation_id"))?;
            Reply::no_content()
        }
        Op::ReposDeclineInvitationForAuthenticatedUser => {
            collaborators::decline(ctx, call.param("invitation_id"))?;
            Reply::no_content()
        }
        Op::IssuesListAssignees => {
            let (_, people) = collaborators::list_assignees(ctx, owner, name)?;
            call.page(people, |account| render::simple_user(urls, account))
        }
        Op::IssuesCheckUserCanBeAssigned => {
            collaborators::check_assignee(ctx, owner, name, call.param("assignee"))?;
            Reply::no_content()
        }
        Op::IssuesAddAssignees | Op::IssuesRemoveAssignees => {
            let add = call.matched.op == Op::IssuesAddAssignees;
            let (repo, issue) = collaborators::change_assignees(
                ctx,
                owner,
                name,
                call.param("issue_number"),
                &logins(&call.body),
                add,
            )?;
            let body = render::issue(urls, state, &repo, &issue);
            if add {
                Reply {
                    location: None,
                    ..Reply::created(body)
                }
            } else {
                Reply::ok(body)
            }
        }
        Op::ReposGetAllTopics => Reply::ok(json!({ "names": topics::get(ctx, owner, name)? })),
        Op::ReposReplaceAllTopics => {
            Reply::ok(json!({ "names": topics::replace(ctx, owner, name, call.input()?)? }))
        }
        Op::IssuesListMilestones => {
            let filters = milestones::ListMilestones {
                state: call.query("state"),
                sort: call.query("sort"),
                direction: call.query("direction"),
            };
            let (repo, list) = milestones::list(ctx, owner, name, filters)?;
            call.page(list, |m| shapes::milestone(urls, state, &repo, m))
        }
        Op::IssuesCreateMilestone => {
            let (repo, milestone) = milestones::create(ctx, owner, name, call.input()?)?;
            Reply::created(shapes::milestone(urls, state, &repo, &milestone))
        }
        Op::IssuesGetMilestone => {
            let (repo, milestone) =
                milestones::get(ctx, owner, name, call.param("milestone_number"))?;
            Reply::ok(shapes::milestone(urls, state, &repo, &milestone))
        }
        Op::IssuesUpdateMilestone => {
            let (repo, milestone) = milestones::update(
                ctx,
                owner,
                name,
                call.param("milestone_number"),
                call.input()?,
            )?;
            Reply::ok(shapes::milestone(urls, state, &repo, &milestone))
        }
        Op::IssuesDeleteMilestone => {
            milestones::delete(ctx, owner, name, call.param("milestone_number"))?;
            Reply::no_content()
        }
        Op::ReposListDeployKeys => {
            let (repo, keys) = deploy_keys::list(ctx, owner, name)?;
            call.page(keys, |key| shapes::deploy_key(urls, &repo, key))
        }
        Op::ReposCreateDeployKey => {
            let (repo, key) = deploy_keys::create(ctx, owner, name, call.input()?)?;
            Reply::created(shapes::deploy_key(urls, &repo, &key))
        }
        Op::ReposGetDeployKey => {
            let (repo, key) = deploy_keys::get(ctx, owner, name, call.param("key_id"))?;
            Reply::ok(shapes::deploy_key(urls, &repo, &key))
        }
        Op::ReposDeleteDeployKey => {
            deploy_keys::delete(ctx, owner, name, call.param("key_id"))?;
            Reply::no_content()
        }
        Op::TeamsList => {
            let list = teams::list(ctx, call.param("org"))?;
            call.page(list, |team| shapes::team(urls, team, None))
        }
        Op::TeamsCreate => {
            let (org, team) = teams::create(ctx, call.param("org"), call.input()?)?;
            Reply::created(full_team(ctx, urls, &org, &team))
        }
        Op::TeamsGetByName => {
            let (org, team) = teams::get(ctx, call.param("org"), call.param("team_slug"))?;
            Reply::ok(full_team(ctx, urls, &org, &team))
        }
        Op::TeamsUpdateInOrg => {
            let (org, team) = teams::update(
                ctx,
                call.param("org"),
                call.param("team_slug"),
                call.input()?,
            )?;
            Reply::ok(full_team(ctx, urls, &org, &team))
        }
        Op::TeamsDeleteInOrg => {
            teams::delete(ctx, call.param("org"), call.param("team_slug"))?;
            Reply::no_content()
        }
        Op::TeamsListMembersInOrg => {
            let role = call.query("role");
            let people = teams::members(
                ctx,
                call.param("org"),
                call.param("team_slug"),
                role.as_deref(),
            )?;
            call.page(people, |account| render::simple_user(urls, account))
        }
        Op::TeamsGetMembershipForUserInOrg => {
            let (_, team) = teams::get(ctx, call.param("org"), call.param("team_slug"))?;
            let login = call.param("username");
            let (role, membership) =
                teams::membership(ctx, call.param("org"), call.param("team_slug"), login)?;
            Reply::ok(shapes::team_membership(
                urls,
                &team,
                login,
                &role,
                &membership,
            ))
        }
        Op::TeamsAddOrUpdateMembershipForUserInOrg => {
            let login = call.param("username");
            let (role, membership) = teams::set_membership(
                ctx,
                call.param("org"),
                call.param("team_slug"),
                login,
                call.body["role"].as_str(),
            )?;
            let (_, team) = teams::get(ctx, call.param("org"), call.param("team_slug"))?;
            Reply::ok(shapes::team_membership(
                urls,
                &team,
                login,
                &role,
                &membership,
            ))
        }
        Op::TeamsRemoveMembershipForUserInOrg => {
            teams::remove_membership(
                ctx,
                call.param("org"),
                call.param("team_slug"),
                call.param("username"),
            )?;
            Reply::no_content()
        }
        Op::TeamsListReposInOrg => {
            let list = teams::repos(ctx, call.param("org"), call.param("team_slug"))?;
            call.page(list, |(repo, role)| team_repo(ctx, urls, repo, role))
        }
        Op::TeamsCheckPermissionsForRepoInOrg => {
            let (repo, role) = teams::repo_role(
                ctx,
                call.param("org"),
                call.param("team_slug"),
                call.param("owner"),
                call.param("repo"),
            )?;
            // With GitHub's repository media type the answer is the repository and the team's
            // role on it; otherwise 204.
            let wants_repo = call
                .headers
                .get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("application/vnd.github.v3.repository+json"));
            if wants_repo {
                Reply::ok(team_repo(ctx, urls, &repo, &role))
            } else {
                Reply::no_content()
            }
        }
        Op::TeamsAddOrUpdateRepoPermissionsInOrg => {
            teams::set_repo(
                ctx,
                call.param("org"),
                call.param("team_slug"),
                call.param("owner"),
                call.param("repo"),
                call.body["permission"].as_str(),
            )?;
            Reply::no_content()
        }
        Op::TeamsRemoveRepoInOrg => {
            teams::remove_repo(
                ctx,
                call.param("org"),
                call.param("team_slug"),
                call.param("owner"),
                call.param("repo"),
            )?;
            Reply::no_content()
        }
        _ => return Err(GitHubError::NotFound),
    })
}

/// `team-full`: the team with its counts and organization.
fn full_team(
    ctx: &Ctx<'_>,
    urls: &crate::render::Urls,
    org: &crate::model::Account,
    team: &crate::model::Team,
) -> Value {
    let (members, repos) = teams::counts(ctx, team);
    let counts = crate::services::users::counts(ctx, &org.login);
    let organization = render::org_full(urls, org, counts);
    shapes::team(urls, team, Some((members, repos, organization)))
}

/// `team-repository`: the repository with the team's role on it.
fn team_repo(
    ctx: &Ctx<'_>,
    urls: &crate::render::Urls,
    repo: &crate::model::Repo,
    role: &str,
) -> Value {
    let mut body = render_repo(ctx, urls, repo, false);
    body["permissions"] = shapes::role_permissions(role);
    body["role_name"] = match role {
        "push" => "write",
        "pull" => "read",
        other => other,
    }
    .into();
    body
}

/// Applies the `milestone` member of an issue's create or update body (a number, or `null` to
/// clear it) when the caller may push; GitHub ignores it from anyone else.
pub(super) fn apply_issue_milestone(
    ctx: &Ctx<'_>,
    call: &Call<'_>,
    repo: &crate::model::Repo,
    number: u64,
) -> Result<(), GitHubError> {
    let Some(value) = call.body.get("milestone") else {
        return Ok(());
    };
    if !ctx.permissions(repo).push {
        return Ok(());
    }
    let milestone = match value {
        Value::Null => None,
        Value::Number(n) => Some(n.as_u64().ok_or_else(invalid_milestone)?),
        Value::String(text) => Some(text.parse().map_err(|_| invalid_milestone())?),
        _ => return Err(invalid_milestone()),
    };
    milestones::set_for_issue(&ctx.hub.state, repo, number, milestone)
}

fn invalid_milestone() -> GitHubError {
    GitHubError::ValidationFailed(vec![crate::error::FieldError::new(
        "Issue",
        "milestone",
        "invalid",
    )])
}
