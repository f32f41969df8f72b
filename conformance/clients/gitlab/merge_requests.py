"""python-gitlab and git against the fake's merge requests: create with GitLab's branch checks
(409 and 422 listed messages), list filtered and paged (each merge request once), get with
`merge_status`/`detailed_merge_status` computed from the repository (a real conflict is seen),
`sha`, `diff_refs`, changes and commits, notes (user and system), close/reopen, approvals,
merge (409 on a stale `sha`, 405 when closed, conflicting or merged; a merge commit with two
parents; `should_remove_source_branch`; fast-forward under `merge_method: ff`), and merge
request pipelines chosen by `rules: if: $CI_PIPELINE_SOURCE == "merge_request_event"`."""

import gitlab

from common import client, expect_error, push_files, wait_until

gl = client()
project = gl.projects.create({"name": "mr-app"})

CI = """
mr-only:
  script: echo "merge request $CI_MERGE_REQUEST_IID"
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
branch-only:
  script: echo "branch $CI_COMMIT_BRANCH"
  rules:
    - if: $CI_COMMIT_BRANCH
"""
main_sha = push_files(project, {".gitlab-ci.yml": CI, "README.md": "line one\nline two\n"})


def commit(branch, files, message, start_branch=None):
    actions = [{"action": "update" if exists else "create", "file_path": path, "content": text}
               for path, (text, exists) in files.items()]
    data = {"branch": branch, "commit_message": message, "actions": actions}
    if start_branch:
        data["start_branch"] = start_branch
    return project.commits.create(data).id


feature_sha = commit("feature", {"feature.txt": ("new feature\n", False)}, "Add feature", start_branch="main")

mr = project.mergerequests.create({
    "source_branch": "feature", "target_branch": "main", "title": "Add feature",
    "description": "the feature", "labels": "backend,ready",
})
assert (mr.iid, mr.state, mr.source_branch, mr.target_branch) == (1, "opened", "feature", "main"), mr
assert mr.merge_status == "can_be_merged" and mr.detailed_merge_status == "mergeable", mr.detailed_merge_status
assert mr.sha == feature_sha and mr.has_conflicts is False
assert mr.diff_refs == {"base_sha": main_sha, "head_sha": feature_sha, "start_sha": main_sha}, mr.diff_refs
assert mr.labels == ["backend", "ready"] and mr.author["username"] == "root"
assert mr.references["full"] == f"{project.path_with_namespace}!1" and mr.draft is False
changes = mr.changes()["changes"]
assert [(c["new_path"], c["new_file"]) for c in changes] == [("feature.txt", True)], changes
assert "+new feature" in changes[0]["diff"], changes[0]["diff"]
assert [c.id for c in mr.commits()] == [feature_sha]

# GitLab's branch checks.
error = expect_error(gitlab.GitlabCreateError, 409, lambda: project.mergerequests.create(
    {"source_branch": "feature", "target_branch": "main", "title": "again"}))
assert error.error_message == ["Another open merge request already exists for this source branch: !1"], error.error_message
error = expect_error(gitlab.GitlabCreateError, 422, lambda: project.mergerequests.create(
    {"source_branch": "nope", "target_branch": "main", "title": "missing"}))
assert error.error_message == ['Source branch "nope" does not exist'], error.error_message
error = expect_error(gitlab.GitlabCreateError, 409, lambda: project.mergerequests.create(
    {"source_branch": "main", "target_branch": "main", "title": "same"}))
assert error.error_message == ["You can't use same project/branch for source and target"], error.error_message
error = expect_error(gitlab.GitlabHttpError, 400, lambda: gl.http_post(
    f"/projects/{project.id}/merge_requests", post_data={"source_branch": "feature", "title": "no target"}))
assert error.error_message == "target_branch is missing", error.error_message
expect_error(gitlab.GitlabGetError, 404, lambda: project.mergerequests.get(99), "404 Not found")

# Merge request pipelines: the job with the merge request rule runs there, the branch job on
# the branch pipeline.
mr_pipelines = mr.pipelines.list(get_all=True)
assert len(mr_pipelines) == 1, mr_pipelines
mr_pipeline = project.pipelines.get(mr_pipelines[0].id)
assert (mr_pipeline.source, mr_pipeline.ref, mr_pipeline.sha) == ("merge_request_event", "refs/merge-requests/1/head", feature_sha), mr_pipeline
assert [j.name for j in mr_pipeline.jobs.list(get_all=True)] == ["mr-only"]
branch_pipelines = project.pipelines.list(ref="feature", get_all=True)
assert [p.source for p in branch_pipelines] == ["push"], branch_pipelines
assert [j.name for j in branch_pipelines[0].jobs.list(get_all=True)] == ["branch-only"]
# A push to the source branch runs another merge request pipeline on the new head.
feature_sha2 = commit("feature", {"feature.txt": ("new feature, improved\n", True)}, "Improve feature")
assert [p.sha for p in mr.pipelines.list(get_all=True)] == [feature_sha2, feature_sha]
created = mr.pipelines.create()
assert created.source == "merge_request_event" and created.sha == feature_sha2
mr = project.mergerequests.get(1)
assert mr.sha == feature_sha2 and mr.head_pipeline["id"] == created.id, mr.head_pipeline

# Listing: filters, and small pages that return each merge request once.
for n in range(5):
    commit(f"topic-{n}", {f"topic-{n}.txt": (f"{n}\n", False)}, f"topic {n}", start_branch="main")
    project.mergerequests.create({"source_branch": f"topic-{n}", "target_branch": "main",
                                  "title": f"Topic {n}", "labels": "topic" if n % 2 else ""})
paged = project.mergerequests.list(per_page=2, get_all=True)
assert [m.iid for m in paged] == [6, 5, 4, 3, 2, 1], [m.iid for m in paged]
page = project.mergerequests.list(per_page=2, page=2)
assert [m.iid for m in page] == [4, 3]
assert [m.iid for m in project.mergerequests.list(labels="topic", get_all=True)] == [5, 3]
assert [m.iid for m in project.mergerequests.list(source_branch="topic-0", get_all=True)] == [2]
assert [m.iid for m in project.mergerequests.list(order_by="created_at", sort="asc", per_page=3)] == [1, 2, 3]

# Notes, close and reopen.
note = mr.notes.create({"body": "Looks good"})
assert note.body == "Looks good" and note.system is False and note.noteable_iid == 1
note.body = "Looks great"
note.save()
assert mr.notes.get(note.id).body == "Looks great"
mr.state_event = "close"
mr.save()
assert mr.state == "closed" and mr.closed_by["username"] == "root" and mr.detailed_merge_status == "not_open"
expect_error(gitlab.GitlabMRClosedError, 405, lambda: mr.merge(), "405 Method Not Allowed")
mr.state_event = "reopen"
mr.save()
assert mr.state == "opened"
notes = mr.notes.list(get_all=True)
assert [(n.body, n.system) for n in notes] == [("reopened", True), ("closed", True), ("Looks great", False)], [(n.body, n.system) for n in notes]
assert project.mergerequests.get(1).user_notes_count == 1

# Approvals.
mr.approve()
# GitLab's free tier answers an approval with the approvals entity alone, which python-gitlab
# takes as the merge request's new attributes: read the merge request again.
mr = project.mergerequests.get(1)
approvals = mr.approvals.get()
assert approvals.approved is True and [a["user"]["username"] for a in approvals.approved_by] == ["root"]
# A second approval is `unauthorized!` (python-gitlab raises its authentication error on 401).
expect_error(gitlab.GitlabAuthenticationError, 401, lambda: mr.approve())
mr.unapprove()
mr = project.mergerequests.get(1)
assert mr.approvals.get().approved is False

# A real conflict: main and the branch change the same line.
commit("clash", {"README.md": ("line one changed on clash\nline two\n", True)}, "clash edit", start_branch="main")
clash = project.mergerequests.create({"source_branch": "clash", "target_branch": "main", "title": "Clash"})
assert clash.detailed_merge_status == "mergeable"
commit("main", {"README.md": ("line one changed on main\nline two\n", True)}, "main edit")
clash = project.mergerequests.get(clash.iid)
assert clash.merge_status == "cannot_be_merged" and clash.detailed_merge_status == "conflict" and clash.has_conflicts
expect_error(gitlab.GitlabMRClosedError, 405, lambda: clash.merge())

# Merging: a stale sha is refused, then a merge commit with two parents lands on main and the
# source branch goes.
error = expect_error(gitlab.GitlabMRClosedError, 409, lambda: mr.merge(sha=feature_sha))
assert error.error_message == f"SHA does not match HEAD of source branch: {feature_sha2}", error.error_message
main_before = project.branches.get("main").commit["id"]
mr.merge(should_remove_source_branch=True, sha=feature_sha2)
assert mr.state == "merged" and mr.merged_by["username"] == "root" and mr.merge_commit_sha, mr
merge_commit = project.commits.get(mr.merge_commit_sha)
assert merge_commit.parent_ids == [main_before, feature_sha2], merge_commit.parent_ids
assert merge_commit.message.startswith("Merge branch 'feature' into 'main'"), merge_commit.message
assert project.branches.get("main").commit["id"] == mr.merge_commit_sha
expect_error(gitlab.GitlabGetError, 404, lambda: project.branches.get("feature"))
expect_error(gitlab.GitlabMRClosedError, 405, lambda: mr.merge())
assert project.files.get("feature.txt", ref="main").decode() == b"new feature, improved\n"
assert [m.iid for m in project.mergerequests.list(state="merged", get_all=True)] == [1]
assert wait_until(lambda: [p for p in project.pipelines.list(ref="main", get_all=True) if p.sha == mr.merge_commit_sha], what="main pipeline after merge")

# Fast-forward merges move the target to the source head and make no merge commit.
project.merge_method = "ff"
project.save()
assert gl.projects.get(project.id).merge_method == "ff"
commit("fast", {"fast.txt": ("fast\n", False)}, "fast change", start_branch="main")
fast = project.mergerequests.create({"source_branch": "fast", "target_branch": "main", "title": "Fast"})
fast.merge()
assert fast.state == "merged" and fast.merge_commit_sha is None
assert project.branches.get("main").commit["id"] == fast.sha
expect_error(gitlab.GitlabHttpError, 400, lambda: gl.http_put(f"/projects/{project.id}", post_data={"merge_method": "octopus"}),
             "merge_method does not have a valid value")

# Compare and a commit's diff.
cmp = project.repository_compare(main_sha, feature_sha2)
assert [c["id"] for c in cmp["commits"]] == [feature_sha, feature_sha2], cmp["commits"]
assert [d["new_path"] for d in cmp["diffs"]] == ["feature.txt"] and cmp["compare_same_ref"] is False
assert cmp["commit"]["id"] == feature_sha2
expect_error(gitlab.GitlabGetError, 404, lambda: project.repository_compare("main", "no-such-ref"), "404 Ref Not Found")
diff = project.commits.get(feature_sha).diff()
assert [(d["new_path"], d["new_file"], d["diff"]) for d in diff] == [("feature.txt", True, "@@ -0,0 +1 @@\n+new feature\n")], diff
print("merge requests: ok")
