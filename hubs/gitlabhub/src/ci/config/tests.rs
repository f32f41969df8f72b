//! The configuration reader and the planner, table-driven: YAML in, jobs (or the linter's
//! message) out.

use std::collections::BTreeMap;

use super::*;
use crate::ci::plan::{Context, PlanError, glob_match, plan};

fn no_files(_: &str) -> Option<String> {
    None
}

fn parse_ok(source: &str) -> Config {
    parse(source, &no_files).unwrap_or_else(|e| panic!("{source}\n{e}"))
}

fn error_of(source: &str) -> String {
    parse(source, &no_files).expect_err(source).0
}

fn push_context(branch: &str) -> Context {
    let mut variables = BTreeMap::new();
    variables.insert("CI_PIPELINE_SOURCE".to_string(), "push".to_string());
    variables.insert("CI_COMMIT_BRANCH".to_string(), branch.to_string());
    variables.insert("CI_COMMIT_REF_NAME".to_string(), branch.to_string());
    Context {
        variables,
        changed_files: Some(vec!["src/main.rs".into()]),
        files: vec!["src/main.rs".into(), "README.md".into()],
        source: "push".into(),
        git_ref: branch.into(),
        tag: false,
    }
}

fn names(source: &str, context: &Context) -> Result<Vec<(String, String, bool)>, PlanError> {
    let config = parse_ok(source);
    plan(&config, context).map(|jobs| {
        jobs.into_iter()
            .map(|job| (job.def.name, job.when, job.allow_failure))
            .collect()
    })
}

#[test]
fn stages_defaults_and_inheritance() {
    let config = parse_ok(
        "
stages: [build, test]
variables: {GLOBAL: g, OVERRIDE: global}
default:
  before_script: [echo before]
  image: alpine
build:
  stage: build
  script: echo build
test:
  variables: {OVERRIDE: job}
  script: [echo one, [echo two, echo three]]
  inherit: {default: false}
",
    );
    assert_eq!(config.stages, [".pre", "build", "test", ".post"]);
    let build = &config.jobs[0];
    assert_eq!(build.before_script, ["echo before"]);
    assert_eq!(build.image, Some(serde_json::json!({"name": "alpine"})));
    let test = &config.jobs[1];
    assert_eq!(test.stage, "test");
    assert!(test.before_script.is_empty());
    assert_eq!(test.script, ["echo one", "echo two", "echo three"]);
    assert_eq!(
        test.variables,
        [
            ("GLOBAL".to_string(), "g".to_string()),
            ("OVERRIDE".to_string(), "job".to_string())
        ]
    );
}

#[test]
fn extends_references_and_includes() {
    let config = parse(
        "
include:
  - local: ci/common.yml
.base:
  variables: {A: base, B: base}
  script: [echo base]
.middle:
  extends: .base
  variables: {B: middle}
job:
  extends: [.middle]
  before_script:
    - !reference [.setup, script]
    - echo own
",
        &|path: &str| {
            (path == "ci/common.yml").then(|| ".setup:\n  script: [echo s1, echo s2]\n".to_string())
        },
    )
    .expect("parses");
    let job = &config.jobs[0];
    assert_eq!(job.name, "job");
    assert_eq!(job.script, ["echo base"]);
    assert_eq!(job.before_script, ["echo s1", "echo s2", "echo own"]);
    assert_eq!(
        job.variables,
        [
            ("A".to_string(), "base".to_string()),
            ("B".to_string(), "middle".to_string())
        ]
    );
}

#[test]
fn linter_messages() {
    let cases = [
        (
            "build: {stage: build}",
            "jobs:build config should implement the script:, run:, or trigger: keyword",
        ),
        (
            ".hidden: {script: x}",
            "jobs config should contain at least one visible job",
        ),
        (
            "build: {script: x, stage: nope}",
            "build job: chosen stage nope does not exist; available stages are .pre, build, test, deploy, .post",
        ),
        (
            "build: {script: x, foo: 1}",
            "jobs:build config contains unknown keys: foo",
        ),
        (
            "build: {script: x, extends: .missing}",
            "build: unknown keys in `extends` (.missing)",
        ),
        (
            ".a: {extends: .b}\n.b: {extends: .a}\nbuild: {script: x, extends: .a}",
            "build: circular dependency detected in `extends`",
        ),
        (
            "include: nope.yml\nbuild: {script: x}",
            "Local file `nope.yml` does not exist!",
        ),
        (
            "build: {script: x, needs: [ghost]}",
            "jobs:build undefined need: ghost",
        ),
        (
            "build: {script: x, rules: [{if: '$A =='}]}",
            "jobs:build:rules:rule if invalid expression syntax",
        ),
        (
            "build: {script: x, when: sometimes}",
            "jobs:build when should be one of: on_success, on_failure, always, manual, delayed",
        ),
        ("- a\n- b", "Invalid configuration format"),
    ];
    for (source, expected) in cases {
        assert_eq!(error_of(source), expected, "{source}");
    }
    assert!(error_of("build: [").starts_with("(<unknown>): "));
}

#[test]
fn rules_only_except_and_workflow() {
    let source = "
build:
  script: x
  rules:
    - if: $CI_COMMIT_BRANCH == \"main\"
    - if: $CI_PIPELINE_SOURCE == \"push\"
      when: manual
deploy:
  script: x
  only: [main]
docs:
  script: x
  rules:
    - changes: [docs/**/*]
lint:
  script: x
  except: [main]
always:
  script: x
  when: manual
";
    assert_eq!(
        names(source, &push_context("main")).expect("plan"),
        [
            ("build".to_string(), "on_success".to_string(), false),
            ("deploy".to_string(), "on_success".to_string(), false),
            ("always".to_string(), "manual".to_string(), true),
        ]
    );
    assert_eq!(
        names(source, &push_context("feature")).expect("plan"),
        [
            ("build".to_string(), "manual".to_string(), false),
            ("lint".to_string(), "on_success".to_string(), false),
            ("always".to_string(), "manual".to_string(), true),
        ]
    );
    let workflow = "workflow: {rules: [{if: '$CI_COMMIT_BRANCH == \"main\"'}]}\nbuild: {script: x}";
    assert!(names(workflow, &push_context("main")).is_ok());
    assert_eq!(
        names(workflow, &push_context("dev")),
        Err(PlanError::FilteredOut)
    );
    let needs_missing = "build: {script: x, only: [nope]}\ntest: {script: x, needs: [build]}";
    assert!(
        matches!(names(needs_missing, &push_context("main")), Err(PlanError::Invalid(m)) if m.starts_with("'test' job needs 'build' job, but 'build' does not exist in the pipeline"))
    );
}

#[test]
fn parallel_expands_and_needs_follow() {
    let config = parse_ok(
        "
build:
  stage: build
  parallel: 2
  script: x
test:
  parallel:
    matrix:
      - OS: [linux, mac]
        ARCH: amd64
  needs: [build]
  script: x
",
    );
    let names: Vec<&str> = config.jobs.iter().map(|j| j.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "build 1/2",
            "build 2/2",
            "test: [linux, amd64]",
            "test: [mac, amd64]"
        ]
    );
    let needs: Vec<String> = config.jobs[2]
        .needs
        .iter()
        .flatten()
        .map(|n| n.job.clone())
        .collect();
    assert_eq!(needs, ["build 1/2", "build 2/2"]);
    assert!(
        config.jobs[3]
            .variables
            .contains(&("OS".to_string(), "mac".to_string()))
    );
    assert!(
        config.jobs[1]
            .variables
            .contains(&("CI_NODE_INDEX".to_string(), "2".to_string()))
    );
}

#[test]
fn globs_and_durations() {
    assert!(glob_match("docs/**/*", "docs/a/b.md"));
    assert!(glob_match("*.md", "README.md"));
    assert!(!glob_match("*.md", "docs/README.md"));
    assert!(glob_match("src/", "src/main.rs"));
    assert_eq!(duration_seconds("1h 30m"), Some(5400));
    assert_eq!(duration_seconds("90 minutes"), Some(5400));
    assert_eq!(duration_seconds("3600"), Some(3600));
    assert_eq!(duration_seconds("soon"), None);
}

#[test]
fn merged_yaml_has_includes_merged_and_references_resolved() {
    let files =
        |path: &str| (path == "ci/base.yml").then(|| ".base:\n  script: [echo base]\n".to_string());
    let merged = merged_yaml(
        "include: [{local: ci/base.yml}]\njob:\n  script: !reference [.base, script]\n",
        &files,
    )
    .expect("merged");
    let value: serde_yaml::Value = serde_yaml::from_str(&merged).expect("yaml");
    assert!(value.get("include").is_none(), "{merged}");
    assert_eq!(
        value["job"]["script"][0].as_str(),
        Some("echo base"),
        "{merged}"
    );
    assert_eq!(
        merged_yaml("include: [{local: gone.yml}]\n", &files),
        Err(ConfigError("Local file `gone.yml` does not exist!".into()))
    );
}

/// Two repositories: the pipeline's and `group/shared` (branches `main` and `v2`).
struct TwoProjects;

impl Sources for TwoProjects {
    fn local(&self, place: &Place, path: &str) -> Option<String> {
        let text = match (place, path) {
            (Place::Pipeline, "own.yml") => ".own:\n  script: [echo own]\n",
            (Place::Pipeline, "loop.yml") => "include: [{local: loop.yml}]\n",
            (Place::Project { sha, .. }, "ci/build.yml") if sha == "sha-main" => {
                "include: [{local: ci/nested.yml}]\nbuild:\n  extends: .nested\n"
            }
            (Place::Project { sha, .. }, "ci/build.yml") if sha == "sha-v2" => {
                "build:\n  script: [echo v2]\n"
            }
            (Place::Project { .. }, "ci/nested.yml") => ".nested:\n  script: [echo nested]\n",
            (Place::Project { .. }, "ci/test.yml") => "test:\n  script: [echo test]\n",
            (Place::Project { .. }, "ci/empty.yml") => "\n",
            _ => return None,
        };
        Some(text.to_string())
    }

    fn project(&self, project: &str, git_ref: Option<&str>) -> Result<Place, ConfigError> {
        if project != "group/shared" {
            return Err(project_not_found(project));
        }
        let sha = match git_ref.unwrap_or("main") {
            "main" => "sha-main",
            "v2" => "sha-v2",
            other => return Err(project_ref_not_found(project, other)),
        };
        Ok(Place::Project {
            path: project.into(),
            sha: sha.into(),
        })
    }
}

#[test]
fn includes_from_projects_read_their_own_nested_files() {
    let config = parse(
        "include:\n  - project: group/shared\n    file: [ci/build.yml, ci/test.yml]\n",
        &TwoProjects,
    )
    .expect("parses");
    let scripts: Vec<(String, Vec<String>)> = config
        .jobs
        .iter()
        .map(|job| (job.name.clone(), job.script.clone()))
        .collect();
    assert_eq!(
        scripts,
        vec![
            ("build".to_string(), vec!["echo nested".to_string()]),
            ("test".to_string(), vec!["echo test".to_string()]),
        ]
    );
    let pinned = parse(
        "include:\n  project: group/shared\n  ref: v2\n  file: ci/build.yml\n",
        &TwoProjects,
    )
    .expect("parses");
    assert_eq!(pinned.jobs[0].script, vec!["echo v2".to_string()]);
}

#[test]
fn include_errors_are_gitlabs() {
    let cases = [
        (
            "include: {project: other/p, file: a.yml}\n",
            "Project `other/p` not found or access denied! Make sure any includes in the pipeline configuration are correctly defined.",
        ),
        (
            "include: {project: group/shared, ref: nope, file: a.yml}\n",
            "Project `group/shared` reference `nope` does not exist!",
        ),
        (
            "include: {project: group/shared, file: gone.yml}\n",
            "Project `group/shared` file `gone.yml` does not exist!",
        ),
        (
            "include: {project: group/shared, file: ci/empty.yml}\n",
            "Project `group/shared` file `ci/empty.yml` is empty!",
        ),
        (
            "include: 'https://example.com/ci.yml'\n",
            "Remote file `https://example.com/ci.yml` could not be fetched because of a socket error!",
        ),
        (
            "include: {remote: 'https:// bad'}\n",
            "Remote file `https:// bad` does not have a valid address!",
        ),
        (
            "include: {template: Auto-DevOps.gitlab-ci.yml}\n",
            "Included file `Auto-DevOps.gitlab-ci.yml` is empty or does not exist!",
        ),
        (
            "include: {template: Bash}\n",
            "Template file `Bash` is not a valid location!",
        ),
        (
            "include: [{local: loop.yml}]\n",
            "Maximum of 150 nested includes are allowed!",
        ),
        (
            "include: [{local: notes.txt}]\n",
            "Included file `notes.txt` does not have YAML extension!",
        ),
    ];
    for (source, message) in cases {
        assert_eq!(
            parse(source, &TwoProjects).expect_err(source).0,
            message,
            "{source}"
        );
    }
    assert_eq!(
        parse("include: {component: gitlab.com/a/b@1}\n", &TwoProjects)
            .expect_err("component")
            .0,
        "Component 'gitlab.com/a/b@1' - the component path is not supported"
    );
}

/// The instance `h:1`, with components in `grp/comps` at tag `1.0` and a project the
/// pipeline's user may not read.
struct Components;

impl Sources for Components {
    fn local(&self, place: &Place, path: &str) -> Option<String> {
        let text = match (place, path) {
            (Place::Project { sha, .. }, "templates/lint.yml") if sha == "sha-1.0" => {
                "spec:\n  inputs:\n    level:\n      default: low\n---\nlint-$[[ inputs.level ]]:\n  script: [echo lint]\n"
            }
            (Place::Project { .. }, "templates/scan/template.yml") => {
                "scan:\n  script: [echo scan]\n"
            }
            _ => return None,
        };
        Some(text.to_string())
    }

    fn project(&self, project: &str, _git_ref: Option<&str>) -> Result<Place, ConfigError> {
        Err(project_not_found(project))
    }

    fn variables(&self) -> BTreeMap<String, String> {
        BTreeMap::from([("CI_SERVER_FQDN".to_string(), "h:1".to_string())])
    }

    fn component_project(&self, project: &str, version: &str) -> ComponentProject {
        match (project, version) {
            ("grp/secret", _) => ComponentProject::Denied,
            ("grp/comps", "1.0") => ComponentProject::Found(Place::Project {
                path: "grp/comps".into(),
                sha: "sha-1.0".into(),
            }),
            _ => ComponentProject::Missing,
        }
    }
}

#[test]
fn components_come_from_their_projects_at_a_version() {
    let merged = merged_yaml(
        "include:\n  - component: $CI_SERVER_FQDN/grp/comps/lint@1.0\n    inputs: {level: high}\n  - component: h:1/grp/comps/scan@1.0\n",
        &Components,
    )
    .expect("merged");
    assert!(
        merged.contains("lint-high:") && merged.contains("scan:"),
        "{merged}"
    );
    let cases = [
        (
            "h:1/grp/comps/lint@2.0",
            "Component 'h:1/grp/comps/lint@2.0' - content not found",
        ),
        (
            "h:1/grp/comps/nothing@1.0",
            "Component 'h:1/grp/comps/nothing@1.0' - content not found",
        ),
        (
            "h:1/grp/comps/lint@~latest",
            "Component 'h:1/grp/comps/lint@~latest' - The ~latest version reference is not supported for non-catalog resources. Use a tag, branch, or commit SHA instead.",
        ),
        (
            "h:1/grp/secret/lint@1.0",
            "Component 'h:1/grp/secret/lint@1.0' - project does not exist or you don't have sufficient permissions",
        ),
        (
            "elsewhere.com/grp/comps/lint@1.0",
            "Component 'elsewhere.com/grp/comps/lint@1.0' - the component path is not supported",
        ),
        (
            "h:1/grp/comps/lint",
            "Component 'h:1/grp/comps/lint' - the component path is not supported",
        ),
    ];
    for (address, message) in cases {
        let source = format!("include: {{component: \"{address}\"}}\n");
        assert_eq!(
            merged_yaml(&source, &Components).expect_err(address).0,
            message,
            "{address}"
        );
    }
}

#[test]
fn trigger_jobs_become_bridges() {
    use crate::model::DownstreamInclude;
    let config = parse_ok(
        "child:\n  trigger:\n    include:\n      - local: ci/child.yml\n      - artifact: gen.yml\n        job: gen\n    strategy: depend\n  variables: {A: b}\nmulti:\n  trigger: group/other\nbranch:\n  trigger: {project: group/other, branch: stable, forward: {yaml_variables: false, pipeline_variables: true}}\n",
    );
    let child = config.jobs[0].trigger.clone().expect("bridge");
    assert_eq!(
        child.include,
        vec![
            DownstreamInclude::Local("ci/child.yml".into()),
            DownstreamInclude::Artifact {
                job: "gen".into(),
                path: "gen.yml".into()
            },
        ]
    );
    assert!(child.depend && child.forward_yaml_variables && config.jobs[0].script.is_empty());
    let multi = config.jobs[1].trigger.clone().expect("bridge");
    assert_eq!(multi.project.as_deref(), Some("group/other"));
    let branch = config.jobs[2].trigger.clone().expect("bridge");
    assert_eq!(branch.branch.as_deref(), Some("stable"));
    assert!(!branch.forward_yaml_variables && branch.forward_pipeline_variables);
    let cases = [
        (
            "b:\n  trigger: {strategy: depend}\n",
            "jobs:b:trigger config must specify either project or include",
        ),
        (
            "b:\n  script: [x]\n  trigger: group/other\n",
            "jobs:b config contains unknown keys: script",
        ),
        (
            "b:\n  trigger: {project: a/b, strategy: mirror}\n",
            "jobs:b:trigger:strategy should be one of: depend",
        ),
        (
            "b:\n  trigger: {include: [{artifact: x.yml}]}\n",
            "jobs:b:trigger:include config must specify the job where to fetch the artifact from",
        ),
    ];
    for (source, message) in cases {
        assert_eq!(error_of(source), message, "{source}");
    }
}

#[test]
fn delayed_jobs_resource_groups_and_interruptible() {
    let config = parse_ok(
        "default:\n  interruptible: true\nlater:\n  when: delayed\n  start_in: 30 minutes\n  resource_group: prod\n  script: [x]\nkeep:\n  interruptible: false\n  script: [y]\n",
    );
    assert_eq!(config.jobs[0].start_in_seconds, Some(1800));
    assert_eq!(config.jobs[0].resource_group.as_deref(), Some("prod"));
    assert!(config.jobs[0].interruptible && !config.jobs[1].interruptible);
}

#[test]
fn trigger_includes_from_projects_and_templates() {
    use crate::model::DownstreamInclude;
    let config = parse_ok(
        "child:\n  trigger:\n    include:\n      - project: group/shared\n        file: ci/child.yml\n        ref: v1\n      - template: Jobs/Build.gitlab-ci.yml\n",
    );
    assert_eq!(
        config.jobs[0].trigger.clone().expect("bridge").include,
        vec![
            DownstreamInclude::Project {
                project: "group/shared".into(),
                files: vec!["ci/child.yml".into()],
                git_ref: Some("v1".into()),
            },
            DownstreamInclude::Template("Jobs/Build.gitlab-ci.yml".into()),
        ]
    );
    assert_eq!(
        error_of("b:\n  trigger:\n    include:\n      - project: group/shared\n"),
        "Included file `group/shared` needs to be a string or an array of strings"
    );
}

#[test]
fn environments_as_gitlabs_linter_reads_them() {
    let config = parse_ok(
        "deploy:\n  script: [x]\n  environment:\n    name: review/$CI_COMMIT_REF_SLUG\n    url: https://$CI_COMMIT_REF_SLUG.example.test\n    on_stop: stop\n    auto_stop_in: 1 day\n    deployment_tier: staging\nstop:\n  script: [y]\n  when: manual\n  environment: {name: review/$CI_COMMIT_REF_SLUG, action: stop}\nplain:\n  script: [z]\n  environment: production\n",
    );
    let deploy = config.jobs[0]
        .environment_options
        .clone()
        .expect("environment");
    assert_eq!(
        (
            deploy.name.as_str(),
            deploy.action.as_str(),
            deploy.on_stop.as_deref()
        ),
        ("review/$CI_COMMIT_REF_SLUG", "start", Some("stop"))
    );
    assert_eq!(deploy.deployment_tier.as_deref(), Some("staging"));
    assert_eq!(
        config.jobs[1]
            .environment_options
            .clone()
            .expect("stop")
            .action,
        "stop"
    );
    assert_eq!(config.jobs[2].environment.as_deref(), Some("production"));
    let cases = [
        (
            "d:\n  script: [x]\n  environment: 5\n",
            "jobs:d:environment config should be a hash or a string",
        ),
        (
            "d:\n  script: [x]\n  environment: {url: https://x}\n",
            "jobs:d:environment name can't be blank",
        ),
        (
            "d:\n  script: [x]\n  environment: /prod\n",
            "jobs:d:environment name can contain only letters, digits, '-', '_', '/', '$', '{', '}', '.', and spaces, but it cannot start or end with '/'",
        ),
        (
            "d:\n  script: [x]\n  environment: {name: prod, action: launch}\n",
            "jobs:d:environment action should be start, stop, prepare, verify, or access",
        ),
        (
            "d:\n  script: [x]\n  environment: {name: prod, deployment_tier: moon}\n",
            "jobs:d:environment deployment tier must be one of production, staging, testing, development, other",
        ),
        (
            "d:\n  script: [x]\n  environment: {name: prod, auto_stop_in: soonish}\n",
            "jobs:d:environment auto stop in should be a duration",
        ),
        (
            "d:\n  script: [x]\n  environment: {name: prod, color: red}\n",
            "jobs:d:environment config contains unknown keys: color",
        ),
        (
            "d:\n  script: [x]\n  environment: {name: prod, on_stop: s}\n",
            "d job: on_stop job s is not defined",
        ),
        (
            "d:\n  script: [x]\n  environment: {name: prod, on_stop: s}\ns:\n  script: [y]\n",
            "d job: on_stop job s does not have environment defined",
        ),
        (
            "d:\n  script: [x]\n  environment: {name: prod, on_stop: s}\ns:\n  script: [y]\n  environment: {name: other, action: stop}\n",
            "d job: on_stop job s have different environment name",
        ),
        (
            "d:\n  script: [x]\n  environment: {name: prod, on_stop: s}\ns:\n  script: [y]\n  environment: prod\n",
            "d job: on_stop job s needs to have action stop defined",
        ),
    ];
    for (source, message) in cases {
        assert_eq!(error_of(source), message, "{source}");
    }
}

#[test]
fn retry_as_gitlabs_entry_reads_it() {
    let config = parse_ok(
        "a:\n  script: x\n  retry: 2\nb:\n  script: x\n  retry: {max: 1, when: script_failure, exit_codes: 137}\nc:\n  script: x\n  retry: {max: 2, when: [runner_system_failure, always]}\n",
    );
    let job = |name: &str| config.jobs.iter().find(|j| j.name == name).expect(name);
    assert_eq!(
        (
            job("a").retry_max,
            &job("a").retry_when,
            &job("a").retry_exit_codes
        ),
        (2, &None, &None)
    );
    assert_eq!(
        (
            job("b").retry_max,
            &job("b").retry_when,
            &job("b").retry_exit_codes
        ),
        (
            1,
            &Some(vec!["script_failure".to_string()]),
            &Some(vec![137])
        )
    );
    assert_eq!(job("c").retry_when.as_ref().map(Vec::len), Some(2));
    for (retry, message) in [
        ("3", "jobs:j:retry config must be less than or equal to 2"),
        (
            "-1",
            "jobs:j:retry config must be greater than or equal to 0",
        ),
        (
            "{max: 3}",
            "jobs:j:retry max must be less than or equal to 2",
        ),
        (
            "{when: sometimes}",
            "jobs:j:retry when is not included in the list",
        ),
        (
            "{when: [script_failure, luck, fate]}",
            "jobs:j:retry when contains unknown values: luck, fate",
        ),
        (
            "{when: {a: b}}",
            "jobs:j:retry when should be an array of strings or a string",
        ),
        (
            "{exit_codes: [a]}",
            "jobs:j:retry exit codes should be an array of integers or an integer",
        ),
        (
            "{max: 1, on: x}",
            "jobs:j:retry config contains unknown keys: on",
        ),
        (
            "yes",
            "jobs:j:retry config has to be either an integer or a hash",
        ),
    ] {
        assert_eq!(
            error_of(&format!("j:\n  script: x\n  retry: {retry}\n")),
            message,
            "{retry}"
        );
    }
}

/// A repository with a few files and variables, for include rules and wildcards.
struct Tree;

impl Sources for Tree {
    fn local(&self, place: &Place, path: &str) -> Option<String> {
        if *place != Place::Pipeline {
            return None;
        }
        let name = path.trim_end_matches(".yml").replace('/', "-");
        ["ci/a.yml", "ci/b.yml", "ci/deep/c.yml", "ci/ruled.yml"]
            .contains(&path)
            .then(|| format!("{name}:\n  script: [echo]\n"))
    }

    fn project(&self, project: &str, _git_ref: Option<&str>) -> Result<Place, ConfigError> {
        Err(project_not_found(project))
    }

    fn files(&self, _place: &Place) -> Vec<String> {
        [
            "ci/b.yml",
            "ci/a.yml",
            "ci/deep/c.yml",
            "ci/ruled.yml",
            "Makefile",
        ]
        .map(String::from)
        .to_vec()
    }

    fn variables(&self) -> BTreeMap<String, String> {
        BTreeMap::from([("CI_COMMIT_BRANCH".to_string(), "main".to_string())])
    }
}

#[test]
fn include_wildcards_and_rules() {
    let names = |source: &str| -> Vec<String> {
        let mut names: Vec<String> = parse(source, &Tree)
            .unwrap_or_else(|e| panic!("{source}\n{e}"))
            .jobs
            .into_iter()
            .map(|job| job.name)
            .collect();
        names.sort();
        names
    };
    assert_eq!(
        names("include: [{local: 'ci/*.yml'}]\n"),
        ["ci-a", "ci-b", "ci-ruled"]
    );
    assert_eq!(
        names("include: [{local: 'ci/**/*.yml'}]\n"),
        ["ci-a", "ci-b", "ci-deep-c", "ci-ruled"]
    );
    let ruled = |rules: &str| {
        names(&format!(
            "include:\n  - local: ci/ruled.yml\n    rules: {rules}\nj:\n  script: x\n"
        ))
    };
    assert_eq!(
        ruled("[{if: $CI_COMMIT_BRANCH == \"main\"}]"),
        ["ci-ruled", "j"]
    );
    assert_eq!(ruled("[{if: $CI_COMMIT_BRANCH == \"dev\"}]"), ["j"]);
    assert_eq!(
        ruled("[{if: $CI_COMMIT_BRANCH == \"main\", when: never}, {when: always}]"),
        ["j"]
    );
    assert_eq!(ruled("[{exists: [Makefile]}]"), ["ci-ruled", "j"]);
    assert_eq!(ruled("[{exists: [Dockerfile]}]"), ["j"]);
    assert_eq!(
        parse(
            "include:\n  - local: ci/a.yml\n    rules: [{when: manual}]\n",
            &Tree
        )
        .expect_err("when")
        .0,
        "include:rule when unknown value: manual"
    );
    assert_eq!(
        parse(
            "include:\n  - local: ci/a.yml\n    rules: [{needs: x}]\n",
            &Tree
        )
        .expect_err("keys")
        .0,
        "include:rule config contains unknown keys: needs"
    );
}
