//! Workflow files as GitHub reads them: what parses, and the messages of what does not.

use super::triggers::{DispatchError, dispatch_context};
use super::*;

const FILE: &str = ".github/workflows/ci.yml";

fn invalid(source: &str) -> String {
    parse(FILE, source).unwrap_err().to_string()
}

#[test]
fn a_full_workflow_parses_into_types() {
    let source = r#"
name: CI
run-name: Deploy by @${{ github.actor }}
on:
  push:
    branches: [main, 'releases/**']
    paths-ignore: ['docs/**']
  workflow_dispatch:
    inputs:
      level:
        type: choice
        options: [info, debug]
        default: info
      dry:
        type: boolean
env:
  GLOBAL: one
defaults:
  run:
    shell: bash
concurrency:
  group: ci-${{ github.ref }}
  cancel-in-progress: true
jobs:
  build:
    runs-on: [self-hosted, linux]
    strategy:
      fail-fast: false
      max-parallel: 2
      matrix:
        os: [a, b]
        node: [18, 20]
    outputs:
      version: ${{ steps.v.outputs.version }}
    timeout-minutes: 10
    container:
      image: node:20
      env:
        NODE_ENV: test
    services:
      redis:
        image: redis
        ports: ['6379:6379']
    steps:
      - id: v
        run: echo "version=1" >> "$GITHUB_OUTPUT"
        shell: bash
        working-directory: app
        env:
          X: ${{ matrix.os }}
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
        continue-on-error: true
  test:
    needs: build
    if: ${{ needs.build.outputs.version == '1' }}
    runs-on: ubuntu-latest
    steps:
      - run: echo ${{ needs.build.outputs.version }}
  cleanup:
    needs: [build, test]
    if: failure()
    runs-on: ubuntu-latest
    steps:
      - run: echo cleanup
"#;
    let workflow = parse(FILE, source).unwrap();
    assert_eq!(workflow.display_name(), "CI");
    assert_eq!(workflow.env.get("GLOBAL").unwrap(), "one");
    assert_eq!(workflow.defaults.shell.as_deref(), Some("bash"));
    assert_eq!(
        workflow.concurrency.as_ref().unwrap().group,
        "ci-${{ github.ref }}"
    );
    let build = workflow.job("build").unwrap();
    assert_eq!(build.labels(), ["self-hosted", "linux"]);
    assert_eq!(
        build.strategy.as_ref().unwrap().fail_fast,
        Value::Bool(false)
    );
    assert_eq!(build.steps.len(), 2);
    assert_eq!(build.steps[0].id.as_deref(), Some("v"));
    assert_eq!(build.steps[0].working_directory.as_deref(), Some("app"));
    assert_eq!(build.steps[1].display_name(), "Run actions/checkout@v4");
    assert_eq!(
        build.steps[0].display_name(),
        "Run echo \"version=1\" >> \"$GITHUB_OUTPUT\""
    );
    assert_eq!(build.services[0].0, "redis");
    let test = workflow.job("test").unwrap();
    assert_eq!(test.needs, ["build"]);
    assert_eq!(
        test.condition.as_deref(),
        Some("needs.build.outputs.version == '1'")
    );
    let order: Vec<&str> = topological_order(&workflow)
        .iter()
        .map(|j| j.id.as_str())
        .collect();
    assert_eq!(order, ["build", "test", "cleanup"]);

    let inputs = dispatch_context(&workflow.on, &Map::new()).unwrap();
    assert_eq!(
        Value::Object(inputs),
        serde_json::json!({"level": "info", "dry": false})
    );
    let mut bad = Map::new();
    bad.insert("level".into(), "trace".into());
    assert_eq!(
        dispatch_context(&workflow.on, &bad).unwrap_err(),
        DispatchError::NotAllowed {
            input: "level".into(),
            value: "trace".into()
        }
    );
    bad.insert("nope".into(), "1".into());
    assert_eq!(
        dispatch_context(&workflow.on, &bad)
            .unwrap_err()
            .to_string(),
        "Unexpected inputs provided: [\"nope\"]"
    );
}

#[test]
fn push_filters_follow_githubs_rules() {
    let workflow = parse(
        FILE,
        "on:\n  push:\n    branches: [main, 'releases/**', '!releases/**-alpha']\n    paths: ['src/**']\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: 'true'\n",
    )
    .unwrap();
    let src = vec!["src/lib.rs".to_string()];
    let docs = vec!["docs/x.md".to_string()];
    let push = |r, p: &[String]| {
        workflow.on.matches(&Event::Push {
            git_ref: r,
            changed_paths: Some(p),
        })
    };
    assert!(push("refs/heads/main", &src));
    assert!(push("refs/heads/releases/1.0", &src));
    assert!(!push("refs/heads/releases/1.0-alpha", &src));
    assert!(!push("refs/heads/feature", &src));
    assert!(!push("refs/heads/main", &docs));
    // Only branches are filtered, so tags do not trigger.
    assert!(!push("refs/tags/v1", &src));
    assert!(!workflow.on.matches(&Event::WorkflowDispatch));

    let tags_only = parse(FILE, "on:\n  push:\n    tags: ['v*']\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: 'true'\n").unwrap();
    assert!(tags_only.on.matches(&Event::Push {
        git_ref: "refs/tags/v1.2",
        changed_paths: None
    }));
    assert!(!tags_only.on.matches(&Event::Push {
        git_ref: "refs/heads/main",
        changed_paths: None
    }));

    let plain = parse(FILE, "on: [push, repository_dispatch]\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: 'true'\n").unwrap();
    assert!(plain.on.matches(&Event::Push {
        git_ref: "refs/tags/any",
        changed_paths: None
    }));
    assert!(plain.on.matches(&Event::RepositoryDispatch {
        event_type: "deploy"
    }));

    let ignore = parse(FILE, "on:\n  push:\n    paths-ignore: ['docs/**']\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: 'true'\n").unwrap();
    let mixed = vec!["docs/a.md".to_string(), "src/a.rs".to_string()];
    assert!(!ignore.on.matches(&Event::Push {
        git_ref: "refs/heads/x",
        changed_paths: Some(&docs)
    }));
    assert!(ignore.on.matches(&Event::Push {
        git_ref: "refs/heads/x",
        changed_paths: Some(&mixed)
    }));

    let pr = parse(FILE, "on:\n  pull_request:\n    branches: [main]\n    types: [opened, labeled]\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: 'true'\n").unwrap();
    assert!(pr.on.matches(&Event::PullRequest {
        action: "labeled",
        base_ref: "main",
        changed_paths: None
    }));
    assert!(!pr.on.matches(&Event::PullRequest {
        action: "synchronize",
        base_ref: "main",
        changed_paths: None
    }));
    assert!(!pr.on.matches(&Event::PullRequest {
        action: "opened",
        base_ref: "dev",
        changed_paths: None
    }));
}

#[test]
fn needs_errors_are_worded_and_placed_as_on_github() {
    let source = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: 'true'\n  b:\n    needs: [a, nope]\n    runs-on: x\n    steps:\n      - run: 'true'\n";
    assert_eq!(
        invalid(source),
        "The workflow is not valid. .github/workflows/ci.yml (Line: 8, Col: 16): Job 'b' depends on unknown job 'nope'."
    );
    let cycle = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: 'true'\n  b:\n    needs: c\n    runs-on: x\n    steps:\n      - run: 'true'\n  c:\n    needs: b\n    runs-on: x\n    steps:\n      - run: 'true'\n";
    assert_eq!(
        invalid(cycle),
        "The workflow is not valid. .github/workflows/ci.yml (Line: 13, Col: 12): Job 'c' depends on job 'b' which creates a cycle in the dependency graph."
    );
    let no_root = "on: push\njobs:\n  a:\n    needs: b\n    runs-on: x\n    steps:\n      - run: 'true'\n  b:\n    needs: a\n    runs-on: x\n    steps:\n      - run: 'true'\n";
    assert_eq!(
        invalid(no_root),
        "The workflow is not valid. .github/workflows/ci.yml (Line: 3, Col: 3): The workflow must contain at least one job with no dependencies."
    );
}

#[test]
fn structural_errors_are_all_reported() {
    let source = "on: push\njobs:\n  build:\n    runs-on: x\n    colour: red\n    steps:\n      - name: nothing\n      - run: echo ${{ foo.bar }}\n  'bad id':\n    steps: []\n";
    let message = invalid(source);
    assert_eq!(
        message,
        "The workflow is not valid. .github/workflows/ci.yml \
(Line: 5, Col: 5): Unexpected value 'colour', \
(Line: 7, Col: 9): There's not enough info to determine what you meant. Add one of these properties: run, shell, uses, with, working-directory, \
(Line: 8, Col: 14): Unrecognized named-value: 'foo'. Located at position 1 within expression: foo.bar, \
(Line: 9, Col: 3): The identifier 'bad id' is invalid. IDs may only contain alphanumeric characters, '_', and '-'. IDs must start with a letter or '_' and and must be less than 100 characters., \
(Line: 9, Col: 3): Required property is missing: runs-on"
    );
    assert_eq!(
        parse(FILE, "on: push\njobs:\n  a:\n    runs-on: x\n    if: steps.x.outcome\n    steps:\n      - run: 'true'\n").unwrap_err().to_string(),
        "The workflow is not valid. .github/workflows/ci.yml (Line: 5, Col: 9): Unrecognized named-value: 'steps'. Located at position 1 within expression: steps.x.outcome"
    );
    assert_eq!(
        invalid(
            "on: [push, nonsense]\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: 'true'\n"
        ),
        "The workflow is not valid. .github/workflows/ci.yml (Line: 1, Col: 12): Unexpected value 'nonsense'"
    );
    let matrix = "on: push\njobs:\n  a:\n    runs-on: x\n    strategy:\n      matrix:\n        os: []\n    steps:\n      - run: 'true'\n";
    assert_eq!(
        invalid(matrix),
        "The workflow is not valid. .github/workflows/ci.yml (Line: 6, Col: 7): Matrix vector 'os' does not contain any values"
    );
    let both = "on:\n  push:\n    branches: [a]\n    branches-ignore: [b]\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: 'true'\n";
    assert!(invalid(both).ends_with(
        "you may only define one of `branches` and `branches-ignore` for a single event"
    ));
}

#[test]
fn yaml_syntax_errors_name_the_line() {
    let err = parse(FILE, "on: push\njobs:\n  a:\n    runs-on: [x\n").unwrap_err();
    assert!(matches!(err, InvalidWorkflow::Syntax { .. }));
    assert!(
        err.to_string()
            .starts_with("You have an error in your yaml syntax on line ")
    );
    assert!(
        err.title()
            .starts_with("Invalid workflow file: .github/workflows/ci.yml#L")
    );
}

#[test]
fn random_documents_never_panic() {
    let pieces = [
        "on:",
        " push",
        "\n",
        "jobs:",
        "  a:",
        "    needs: ",
        "[",
        "]",
        "b",
        "    runs-on: x",
        "    steps:",
        "      - run: x",
        "${{",
        "}}",
        "'",
        "-",
        ":",
        "    strategy:\n      matrix:\n        x: [1]",
    ];
    let mut state: u64 = 0x1234_5678;
    for _ in 0..3000 {
        let mut doc = String::new();
        for _ in 0..(state % 20) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            doc.push_str(pieces[(state % pieces.len() as u64) as usize]);
        }
        let _ = parse(FILE, &doc);
    }
}
