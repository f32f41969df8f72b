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
        &|path| {
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
