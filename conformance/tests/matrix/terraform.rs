//! terraform with the AWS provider (5.100.0, from the machine's filesystem mirror, as CLIENTS.md
//! says) against the AWS simulator: the stack of `conformance/terraform/aws-stack` (a VPC, an ECS
//! service on Fargate with secrets, an EFS volume and Cloud Map, ECR, Lambda, S3, Secrets
//! Manager, SSM, KMS, IAM and CloudWatch Logs) applies, converges (a second plan finds nothing to
//! change, so every attribute the provider wrote reads back as written), and is destroyed without
//! leaving anything behind.

use conformance::{Cell, Sandbox, Sockerless, assert_success, clients};

const PROVIDER_MIRROR: &str = "/opt/tf-plugins";

fn cli_config(sandbox: &Sandbox) -> std::path::PathBuf {
    let path = sandbox.path().join("terraformrc");
    std::fs::write(
        &path,
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path = \"{PROVIDER_MIRROR}\"\n    include = [\"registry.terraform.io/hashicorp/aws\"]\n  }}\n  direct {{\n    exclude = [\"registry.terraform.io/hashicorp/aws\"]\n  }}\n}}\ndisable_checkpoint = true\n"
        ),
    )
    .expect("write the terraform CLI config");
    path
}

/// The stack's Lambda function, zipped beside it (the archive provider is not in the mirror).
fn zip_function(stack: &std::path::Path) {
    let python = clients::python_with(&["zipfile"]);
    let zipped = std::process::Command::new(python)
        .args([
            "-c",
            "import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], 'w') as z:\n    z.writestr('handler.py', 'def handler(event, context):\\n    return {\"echo\": event}\\n')",
        ])
        .arg(stack.join("function.zip"))
        .output()
        .expect("run python3");
    assert_success("zip the function", &zipped);
}

#[test]
fn the_aws_stack_applies_converges_and_destroys() {
    let _cell = Cell::new(
        "terraform",
        "aws",
        "aws-stack",
        "terraform 1.11 + aws provider 5.100",
    );
    let terraform = clients::terraform();
    let server = Sockerless::start(&["sim", "aws", "--port", "0"], &["aws"]);
    let mut sandbox = Sandbox::new();
    let stack = sandbox.path().join("stack");
    std::fs::create_dir_all(&stack).unwrap();
    std::fs::copy(
        clients::conformance_dir().join("terraform/aws-stack/main.tf"),
        stack.join("main.tf"),
    )
    .expect("copy the stack");
    zip_function(&stack);
    let config = cli_config(&sandbox);
    sandbox.set("TF_CLI_CONFIG_FILE", config.to_str().unwrap());
    sandbox.set("TF_IN_AUTOMATION", "1");
    sandbox.set("CHECKPOINT_DISABLE", "1");
    let endpoint = format!("endpoint={}", server.url("aws"));
    let run = |args: &[&str]| {
        sandbox
            .command(&terraform)
            .current_dir(&stack)
            .args(args)
            .output()
            .expect("run terraform")
    };

    assert_success(
        "terraform init",
        &run(&["init", "-input=false", "-no-color"]),
    );
    assert_success(
        "terraform apply",
        &run(&[
            "apply",
            "-auto-approve",
            "-input=false",
            "-no-color",
            "-var",
            &endpoint,
        ]),
    );
    let plan = run(&[
        "plan",
        "-detailed-exitcode",
        "-input=false",
        "-no-color",
        "-var",
        &endpoint,
    ]);
    assert_eq!(
        plan.status.code(),
        Some(0),
        "the second plan must find no changes (exit 2 means it did):\n{}\n{}",
        String::from_utf8_lossy(&plan.stdout),
        String::from_utf8_lossy(&plan.stderr)
    );
    assert_success(
        "terraform destroy",
        &run(&[
            "destroy",
            "-auto-approve",
            "-input=false",
            "-no-color",
            "-var",
            &endpoint,
        ]),
    );
    let state = run(&["state", "list"]);
    assert_success("terraform state list", &state);
    assert!(
        String::from_utf8_lossy(&state.stdout).trim().is_empty(),
        "everything was destroyed: {}",
        String::from_utf8_lossy(&state.stdout)
    );
}
