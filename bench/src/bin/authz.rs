//! authz: what `--enforce-iam` adds to a request. A role session whose role carries one policy
//! of 20 statements (19 that do not apply, one that allows) asks for `logs:DescribeLogGroups`
//! (allowed) and `logs:CreateLogGroup` (denied); the time per authorization is what the
//! dispatcher spends before a handler runs: loading the principal's policies (cached parses)
//! and evaluating them.
//!
//!     cargo run -p sockerless-bench --bin authz [-- ITERATIONS]
//!
//! The budget is 20 µs per request for a principal with 20 statements.

use std::sync::Arc;

use serde_json::json;
use sim_aws::access::{Access, Connection};
use sim_aws::model::Protocol;
use sim_aws::services::iam::Iam;
use sim_aws::services::sts::Session;
use sim_aws::services::{Caller, Ctx, Service};

const ACCOUNT: &str = "123456789012";

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let iterations: u32 = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000);
    let directory = tempfile::tempdir()?;
    let mut config = simkit::KitConfig::new("aws");
    config.ca_out = Some(directory.path().join("ca.pem"));
    let kit = simkit::Kit::new(config)?;
    let iam = Arc::new(Iam::new(kit.clone())?);
    let access = Access::new(kit.clone(), iam.clone());
    // The service holding the resources asked about (log groups carry no resource policy).
    let logs = sim_aws::services::logs::Logs::new(kit.clone())?;
    let admin = Ctx {
        request_id: "bench".into(),
        account_id: ACCOUNT.into(),
        region: "us-east-1".into(),
        caller: Caller::root(ACCOUNT, "ADMIN"),
    };
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}]});
    iam.call(
        &admin,
        "CreateRole",
        json!({"RoleName": "bench", "AssumeRolePolicyDocument": trust.to_string()}),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut statements: Vec<serde_json::Value> = (0..19)
        .map(|index| {
            json!({"Sid": format!("S{index}"), "Effect": "Allow",
                "Action": [format!("ecs:Describe{index}*"), "s3:GetObject"],
                "Resource": format!("arn:aws:logs:*:{ACCOUNT}:log-group:/team{index}/*"),
                "Condition": {"StringEquals": {"aws:PrincipalTag/team": format!("t{index}")}}})
        })
        .collect();
    statements.push(
        json!({"Sid": "Describe", "Effect": "Allow", "Action": "logs:Describe*", "Resource": "*"}),
    );
    let document = json!({"Version": "2012-10-17", "Statement": statements}).to_string();
    iam.call(
        &admin,
        "PutRolePolicy",
        json!({"RoleName": "bench", "PolicyName": "twenty", "PolicyDocument": document}),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let role_arn = format!("arn:aws:iam::{ACCOUNT}:role/bench");
    let session = Ctx {
        caller: Caller {
            access_key_id: "ASIABENCH".into(),
            account_id: ACCOUNT.into(),
            arn: format!("arn:aws:sts::{ACCOUNT}:assumed-role/bench/s"),
            user_id: "AROABENCH:s".into(),
            session: Some(Session {
                role_arn: Some(role_arn),
                ..Session::default()
            }),
        },
        ..admin.clone()
    };
    let connection = Connection::default();
    let describe = json!({"logGroupNamePrefix": "/app"});
    let create = json!({"logGroupName": "/app/new"});
    let check = access.authorize(
        &session,
        "logs",
        Protocol::Json,
        "DescribeLogGroups",
        &describe,
        &connection,
        &logs,
    );
    anyhow::ensure!(check.is_ok(), "the allowed request was denied: {check:?}");
    let check = access.authorize(
        &session,
        "logs",
        Protocol::Json,
        "CreateLogGroup",
        &create,
        &connection,
        &logs,
    );
    anyhow::ensure!(check.is_err(), "the denied request was allowed");

    println!("| request | µs per authorization |");
    println!("|---|---|");
    for (label, operation, input) in [
        ("allowed (20 statements)", "DescribeLogGroups", &describe),
        ("denied (20 statements)", "CreateLogGroup", &create),
    ] {
        // A benchmark measures wall time.
        #[allow(clippy::disallowed_methods)]
        let start = std::time::Instant::now();
        for _ in 0..iterations {
            let _ = access.authorize(
                &session,
                "logs",
                Protocol::Json,
                operation,
                input,
                &connection,
                &logs,
            );
        }
        let micros = start.elapsed().as_secs_f64() * 1e6 / f64::from(iterations);
        println!("| {label} | {micros:.2} |");
    }
    // Where the time goes: the principal's policies and context, then evaluation alone.
    #[allow(clippy::disallowed_methods)]
    let start = std::time::Instant::now();
    for _ in 0..iterations {
        let _ = access.load(&session.caller, "us-east-1", &connection);
    }
    let micros = start.elapsed().as_secs_f64() * 1e6 / f64::from(iterations);
    println!("| loading the principal only | {micros:.2} |");
    let loaded = access.load(&session.caller, "us-east-1", &connection);
    let resource = format!("arn:aws:logs:us-east-1:{ACCOUNT}:log-group::log-stream:");
    #[allow(clippy::disallowed_methods)]
    let start = std::time::Instant::now();
    for _ in 0..iterations {
        let _ = loaded.decide("logs:DescribeLogGroups", &resource, None, false);
    }
    let micros = start.elapsed().as_secs_f64() * 1e6 / f64::from(iterations);
    println!("| evaluating only | {micros:.2} |");
    #[allow(clippy::disallowed_methods)]
    let start = std::time::Instant::now();
    for _ in 0..iterations {
        let _ = iam.role_facts(&format!("arn:aws:iam::{ACCOUNT}:role/bench"));
    }
    let micros = start.elapsed().as_secs_f64() * 1e6 / f64::from(iterations);
    println!("| reading the role from IAM only | {micros:.2} |");
    Ok(())
}
