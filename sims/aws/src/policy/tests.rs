//! The grammar against AWS's recorded answers (the cases moto recorded from IAM), and the
//! evaluator against the examples of AWS's policy evaluation documentation.

use std::sync::Arc;

use serde_json::json;

use super::evaluate::{Denial, Policies, PolicyType, Request, RequestPrincipal, authorize};
use super::{Context, PolicyKind, check, parse};

fn refused(kind: PolicyKind, document: &str) -> String {
    match check(document, kind) {
        Ok(()) => panic!("accepted, expected a refusal: {document}"),
        Err(error) => error.0,
    }
}

const BUCKET: &str = "arn:aws:s3:::example_bucket";

/// Permission policies IAM refuses, with its message.
#[test]
fn identity_policies_refused_with_iams_messages() {
    let statement = |extra: serde_json::Value| {
        let mut base = json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET});
        for (key, value) in extra.as_object().expect("an object") {
            if value.is_null() {
                base.as_object_mut().expect("an object").remove(key);
            } else {
                base[key] = value.clone();
            }
        }
        base
    };
    let v12 =
        |statement: serde_json::Value| json!({"Version": "2012-10-17", "Statement": statement});
    let syntax = "Syntax errors in policy.";
    let old = "Policy document must be version 2012-10-17 or greater.";
    let legacy = "The policy failed legacy parsing";
    let cases: Vec<(serde_json::Value, &str)> = vec![
        (json!({"Statement": statement(json!({}))}), old),
        (
            json!({"Version": "2008-10-17", "Statement": statement(json!({}))}),
            old,
        ),
        (
            json!({"Version": "2013-10-17", "Statement": statement(json!({}))}),
            syntax,
        ),
        (json!({"Version": "2012-10-17"}), syntax),
        (json!({}), syntax),
        (
            json!({"Version": "2012-10-17", "Statement": ["afd"]}),
            syntax,
        ),
        (json!({"Version": "2012-10-17", "Statement": []}), syntax),
        (
            json!({"Version": "2012-10-17", "Statement": statement(json!({})), "Extra field": "value"}),
            syntax,
        ),
        (v12(statement(json!({"Extra field": "value"}))), syntax),
        (
            json!({"Version": "2012-10-17", "Id": ["x"], "Statement": statement(json!({}))}),
            syntax,
        ),
        (v12(statement(json!({"Effect": "invalid"}))), syntax),
        (v12(statement(json!({"Effect": null}))), syntax),
        (
            v12(statement(json!({"Action": "invalid"}))),
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
        ),
        (
            v12(statement(json!({"Action": null, "NotAction": ""}))),
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
        ),
        (
            v12(statement(json!({"Action": "a a:ListBucket"}))),
            "Vendor a a is not valid",
        ),
        (
            v12(statement(json!({"Action": "s3:List:Bucket"}))),
            "Actions/Condition can contain only one colon.",
        ),
        (
            v12(statement(json!({"Resource": "invalid resource"}))),
            "Resource invalid resource must be in ARN format or \"*\".",
        ),
        (
            v12(statement(
                json!({"Action": "s:3:ListBucket", "Resource": "sdfsadf"}),
            )),
            "Resource sdfsadf must be in ARN format or \"*\".",
        ),
        (
            v12(statement(json!({"Resource": ["adf"]}))),
            "Resource adf must be in ARN format or \"*\".",
        ),
        (
            v12(statement(json!({"Resource": ""}))),
            "Resource  must be in ARN format or \"*\".",
        ),
        (
            v12(statement(
                json!({"Action": null, "NotAction": "s3s:ListBucket", "Resource": "a:bsdfdsafsad"}),
            )),
            "Partition \"bsdfdsafsad\" is not valid for resource \"arn:bsdfdsafsad:*:*:*:*\".",
        ),
        (
            v12(statement(json!({"Resource": "a:b:cadfsdf"}))),
            "Partition \"b\" is not valid for resource \"arn:b:cadfsdf:*:*:*\".",
        ),
        (
            v12(statement(json!({"Resource": "a:b:c:d:e:f:g:h"}))),
            "Partition \"b\" is not valid for resource \"arn:b:c:d:e:f:g:h\".",
        ),
        (
            v12(statement(json!({"Resource": "aws:s3:::example_bucket"}))),
            "Partition \"s3\" is not valid for resource \"arn:s3:::example_bucket:*\".",
        ),
        (
            v12(statement(
                json!({"Resource": ["arn:error:s3:::example_bucket", "arn:error:s3::example_bucket"]}),
            )),
            "Partition \"error\" is not valid for resource \"arn:error:s3:::example_bucket\".",
        ),
        (
            v12(statement(json!({"Resource": null}))),
            "Policy statement must contain resources.",
        ),
        (
            v12(statement(json!({"Resource": []}))),
            "Policy statement must contain resources.",
        ),
        (
            v12(json!({"Effect": "Allow", "Action": "invalid"})),
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
        ),
        (
            v12(statement(json!({"Action": null}))),
            "Policy statement must contain actions.",
        ),
        (
            v12(json!({"Effect": "Allow"})),
            "Policy statement must contain actions.",
        ),
        (
            v12(statement(json!({"Action": []}))),
            "Policy statement must contain actions.",
        ),
        (
            v12(json!([{"Effect": "Deny"}, statement(json!({}))])),
            "Policy statement must contain actions.",
        ),
        (
            v12(statement(
                json!({"Resource": "arn:aws:iam:::example_bucket"}),
            )),
            "IAM resource path must either be \"*\" or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.",
        ),
        (
            v12(statement(json!({"Resource": "arn:aws:s3::example_bucket"}))),
            legacy,
        ),
        (
            v12(json!({"Effect": "Allow", "Resource": "arn:aws:s3::example_bucket"})),
            legacy,
        ),
        (
            v12(statement(json!({"Resource": "arn:aws"}))),
            "Resource vendor must be fully qualified and cannot contain regexes.",
        ),
        (v12(statement(json!({"Resource": {"a": BUCKET}}))), syntax),
        (
            v12(statement(
                json!({"Effect": "Deny", "Resource": ["adfdf", {}]}),
            )),
            syntax,
        ),
        (
            v12(statement(
                json!({"Action": null, "NotAction": "s3:ListBucket", "NotResource": []}),
            )),
            syntax,
        ),
        (v12(statement(json!({"Action": [[]]}))), syntax),
        (
            v12(statement(
                json!({"NotAction": "s3s:ListBucket", "Action": []}),
            )),
            syntax,
        ),
        (v12(statement(json!({"Action": {}}))), syntax),
        (v12(statement(json!({"Condition": []}))), syntax),
        (v12(statement(json!({"Condition": "a"}))), syntax),
        (v12(statement(json!({"Condition": {"a": "b"}}))), syntax),
        (
            v12(statement(json!({"Condition": {"DateGreaterThan": "b"}}))),
            syntax,
        ),
        (
            v12(statement(json!({"Condition": {"DateGreaterThan": []}}))),
            syntax,
        ),
        (
            v12(statement(
                json!({"Condition": {"DateGreaterThan": {"a": {}}}}),
            )),
            syntax,
        ),
        (
            v12(statement(json!({"Condition": {"x": {"a": "1"}}}))),
            syntax,
        ),
        (
            v12(statement(
                json!({"Condition": {"ForAnyValue::StringEqualsIfExists": {"a": "asf"}}}),
            )),
            syntax,
        ),
        (
            v12(statement(
                json!({"Resource": "arn:aws:iam:us-east-1::example_bucket"}),
            )),
            "IAM resource arn:aws:iam:us-east-1::example_bucket cannot contain region information.",
        ),
        (
            v12(statement(
                json!({"Resource": "arn:aws:s3:us-east-1::example_bucket"}),
            )),
            "Resource arn:aws:s3:us-east-1::example_bucket can not contain region information.",
        ),
        (v12(statement(json!({"Sid": {}}))), syntax),
        (
            v12(json!([statement(json!({"Sid": "sdf"})), {"Sid": "sdf", "Effect": "Allow"}])),
            "Statement IDs (SID) in a single policy must be unique.",
        ),
        (
            json!({"Statement": [statement(json!({"Sid": "sdf"})), {"Sid": "sdf", "Effect": "Allow"}]}),
            old,
        ),
        (
            v12(statement(json!({"NotAction": "s3:ListBucket"}))),
            syntax,
        ),
        (v12(statement(json!({"NotResource": "*"}))), syntax),
        (v12(statement(json!({"Effect": "denY"}))), legacy),
        (
            v12(statement(
                json!({"Condition": {"DateGreaterThan": {"a": "sdfdsf"}}}),
            )),
            legacy,
        ),
        (
            json!({"Statement": statement(json!({"Effect": "denY"}))}),
            old,
        ),
        (
            v12(json!({"Effect": "Allow", "Condition": {"DateGreaterThan": {"a": "sdfdsf"}}})),
            legacy,
        ),
        (
            v12(statement(
                json!({"Action": null, "NotAction": "s3:ListBucket", "Resource": "arn:aws::::example_bucket"}),
            )),
            legacy,
        ),
        (
            v12(json!({"Effect": "allow", "Resource": "arn:aws:s3:us-east-1::example_bucket"})),
            legacy,
        ),
        (
            v12(statement(
                json!({"NotResource": "arn:aws:s3::example_bucket", "Resource": null}),
            )),
            legacy,
        ),
        (
            v12(statement(
                json!({"Condition": {"DateLessThanEquals": {"a": "234-13"}}}),
            )),
            legacy,
        ),
        (
            v12(statement(
                json!({"Condition": {"DateLessThanEquals": {"a": "2016-12-13t2:00:00.593194+1"}}}),
            )),
            legacy,
        ),
        (
            v12(statement(
                json!({"Condition": {"DateLessThanEquals": {"a": "2016-12-13t2:00:00.1999999999+10:59"}}}),
            )),
            legacy,
        ),
        (
            v12(statement(
                json!({"Condition": {"DateLessThan": {"a": "9223372036854775808"}}}),
            )),
            legacy,
        ),
        (
            v12(statement(
                json!({"Resource": "arn:error:s3:::example_bucket", "Condition": {"DateGreaterThan": {"a": "sdfdsf"}}}),
            )),
            legacy,
        ),
        (
            v12(statement(json!({"Resource": "arn:aws::fdsasf"}))),
            legacy,
        ),
        (
            v12(statement(json!({"Principal": {"AWS": "*"}}))),
            "Policy document should not specify a principal.",
        ),
    ];
    for (document, message) in cases {
        let text = document.to_string();
        assert_eq!(refused(PolicyKind::Identity, &text), message, "{text}");
    }
    assert_eq!(
        refused(PolicyKind::Identity, "This is not a json document"),
        "Syntax errors in policy."
    );
}

/// Permission policies IAM accepts (moto's recorded valid cases, and AWS's documented examples).
#[test]
fn identity_policies_accepted() {
    let accepted = [
        json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": [BUCKET]}),
        json!({"Effect": "Allow", "Action": "iam: asdf safdsf af ", "Resource": BUCKET}),
        json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": [BUCKET, "*"]}),
        json!({"Effect": "Allow", "Action": "*", "Resource": BUCKET}),
        json!([{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET}]),
        json!({"Effect": "Allow", "Action": "service-prefix:action-name", "Resource": "*",
               "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2017-07-01T00:00:00Z"},
                             "DateLessThan": {"aws:CurrentTime": "2017-12-31T23:59:59Z"}}}),
        json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:iam:::user/example_bucket"}),
        json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s33:::example_bucket"}),
        json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:fdsasf"}),
        json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET, "Condition": {}}),
        json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET,
               "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": "Department"}}}),
        json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:ec2:us-east-1::example_bucket"}),
        json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET, "Condition": {"DateGreaterThan": {}}}),
        json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET, "Condition": {"DateGreaterThan": {"a": []}}}),
        json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET, "Condition": {"a": {}}}),
        json!({"Effect": "Allow", "NotAction": "s3:ListBucket", "NotResource": "*"}),
        json!({"Effect": "Deny", "Action": "s3:*", "NotResource": ["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"]}),
        json!({"Effect": "Allow", "Action": "s3-s:ListBucket", "Resource": BUCKET}),
        json!({"Effect": "Allow", "Action": "s3.s:ListBucket", "Resource": BUCKET}),
        json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET, "Condition": {"DateGreaterThan": {"a": "01T"}}}),
        json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET, "Condition": {"x": {}, "y": {}}}),
        json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET, "Condition": {"ForAnyValue:StringEqualsIfExists": {"a": "asf"}}}),
        json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET, "Condition": {"DateLessThanEquals": {"a": "2016-12-13T21:20:37.593194+00:00"}}}),
        json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET, "Condition": {"DateLessThanEquals": {"a": "2016-12-13t2:00:00.593194+23"}}}),
        json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET, "Condition": {"DateLessThan": {"a": "-292275054"}}}),
        json!({"Effect": "Deny", "NotAction": ["iam:GetUser", "sts:GetSessionToken"], "Resource": "*",
               "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": false}}}),
        json!({"Effect": "Allow", "Action": ["iam:ChangePassword", "iam:GetUser"], "Resource": "arn:aws:iam::*:user/${aws:username}"}),
        json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET, "Condition": {"NumericLessThanEquals": {"s3:max-keys": 10}}}),
    ];
    for statement in accepted {
        let text = json!({"Version": "2012-10-17", "Statement": statement}).to_string();
        assert_eq!(check(&text, PolicyKind::Identity), Ok(()), "{text}");
    }
}

#[test]
fn trust_policies_refused_with_iams_messages() {
    let principal = json!({"AWS": "arn:aws:iam::123456789012:root"});
    let cases: Vec<(serde_json::Value, &str)> = vec![
        (json!({}), "Missing required field Statement"),
        (
            json!({"Version": "2012-10-17"}),
            "Missing required field Statement",
        ),
        (
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}),
            "Has prohibited field Resource",
        ),
        (
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]}),
            "Missing required field Principal",
        ),
        (
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": principal}]}),
            "Missing required field Action",
        ),
        (
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "s3:GetObject"}]}),
            "AssumeRole policy may only specify STS AssumeRole actions.",
        ),
        (
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "*"}]}),
            "AssumeRole policy may only specify STS AssumeRole actions.",
        ),
        (
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/*"}, "Action": "sts:AssumeRole"}]}),
            "Invalid principal in policy: \"AWS\":\"arn:aws:iam::123456789012:role/*\"",
        ),
        (
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "alice"}, "Action": "sts:AssumeRole"}]}),
            "Invalid principal in policy: \"AWS\":\"alice\"",
        ),
        (
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "not a service"}, "Action": "sts:AssumeRole"}]}),
            "Invalid principal in policy: \"SERVICE\":\"not a service\"",
        ),
        (
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": "nope"}, "Action": "sts:AssumeRoleWithWebIdentity"}]}),
            "Federated principals must be valid domain names or SAML metadata ARNs",
        ),
    ];
    for (document, message) in cases {
        let text = document.to_string();
        assert_eq!(refused(PolicyKind::Trust, &text), message, "{text}");
    }
    assert_eq!(
        refused(PolicyKind::Trust, "{"),
        "This policy contains invalid Json"
    );
}

#[test]
fn trust_policies_accepted() {
    for statement in [
        json!({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}),
        json!({"Effect": "Allow", "Principal": {"AWS": ["123456789012", "arn:aws:iam::111122223333:user/a/b"]}, "Action": ["sts:AssumeRole", "sts:TagSession"],
               "Condition": {"StringEquals": {"sts:ExternalId": "x"}}}),
        json!({"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
               "Action": "sts:AssumeRoleWithWebIdentity",
               "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:o/r:*"}}}),
        json!({"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole*"}),
        json!({"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:*"}),
    ] {
        let text = json!({"Version": "2012-10-17", "Statement": [statement]}).to_string();
        assert_eq!(check(&text, PolicyKind::Trust), Ok(()), "{text}");
    }
    // The old language and a single statement object are fine in trust policies.
    let old = r#"{"Version":"2008-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}}"#;
    assert_eq!(check(old, PolicyKind::Trust), Ok(()));
}

fn document(statements: serde_json::Value, kind: PolicyKind) -> Arc<super::Document> {
    let text = json!({"Version": "2012-10-17", "Statement": statements}).to_string();
    Arc::new(parse(&text, kind).unwrap_or_else(|e| panic!("{e}: {text}")))
}

fn alice() -> RequestPrincipal {
    RequestPrincipal {
        arn: "arn:aws:iam::123456789012:user/alice".into(),
        account: "123456789012".into(),
        ..RequestPrincipal::default()
    }
}

fn decide(
    policies: &Policies<'_>,
    action: &str,
    resource: &str,
    principal: &RequestPrincipal,
) -> Result<(), Denial> {
    let context = Context::new()
        .with("aws:username", "alice")
        .with("aws:PrincipalTag/team", "red")
        .with("aws:SourceIp", "203.0.113.7");
    authorize(
        policies,
        &Request {
            action,
            resource,
            principal,
            context: &context,
        },
    )
}

const GROUP: &str = "arn:aws:logs:us-east-1:123456789012:log-group:app:log-stream:";

#[test]
fn evaluation_follows_awss_logic() {
    let describe = document(
        json!({"Effect": "Allow", "Action": "logs:Describe*", "Resource": "*"}),
        PolicyKind::Identity,
    );
    let everything = document(
        json!({"Effect": "Allow", "Action": "*", "Resource": "*"}),
        PolicyKind::Identity,
    );
    let deny_create = document(
        json!({"Effect": "Deny", "Action": "logs:CreateLogGroup", "Resource": "*"}),
        PolicyKind::Identity,
    );
    let own_home = document(
        json!({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::bucket/home/${aws:username}/*"}),
        PolicyKind::Identity,
    );
    let red_only = document(
        json!({"Effect": "Allow", "Action": "ecs:*", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalTag/team": "red"}}}),
        PolicyKind::Identity,
    );
    let office = document(
        json!({"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"NotIpAddress": {"aws:SourceIp": "198.51.100.0/24"}}}),
        PolicyKind::Identity,
    );
    let alice = alice();
    let identity_only = |identity: &[Arc<super::Document>], action: &str, resource: &str| {
        decide(
            &Policies {
                identity,
                ..Policies::default()
            },
            action,
            resource,
            &alice,
        )
    };
    let implicit = |by| {
        Err(Denial {
            explicit: false,
            by,
        })
    };
    let explicit = |by| Err(Denial { explicit: true, by });

    assert_eq!(
        identity_only(
            std::slice::from_ref(&describe),
            "logs:DescribeLogGroups",
            GROUP
        ),
        Ok(())
    );
    assert_eq!(
        identity_only(
            std::slice::from_ref(&describe),
            "logs:CreateLogGroup",
            GROUP
        ),
        implicit(PolicyType::Identity)
    );
    assert_eq!(
        identity_only(&[], "logs:DescribeLogGroups", GROUP),
        implicit(PolicyType::Identity)
    );
    assert_eq!(
        identity_only(
            &[everything.clone(), deny_create.clone()],
            "logs:CreateLogGroup",
            GROUP
        ),
        explicit(PolicyType::Identity)
    );
    assert_eq!(
        identity_only(
            &[everything.clone(), deny_create.clone()],
            "logs:DeleteLogGroup",
            GROUP
        ),
        Ok(())
    );
    assert_eq!(
        identity_only(
            std::slice::from_ref(&own_home),
            "s3:GetObject",
            "arn:aws:s3:::bucket/home/alice/a.txt"
        ),
        Ok(())
    );
    assert_eq!(
        identity_only(
            std::slice::from_ref(&own_home),
            "s3:GetObject",
            "arn:aws:s3:::bucket/home/bob/a.txt"
        ),
        implicit(PolicyType::Identity)
    );
    assert_eq!(
        identity_only(std::slice::from_ref(&red_only), "ecs:ListClusters", "*"),
        Ok(())
    );
    assert_eq!(
        identity_only(
            &[everything.clone(), office.clone()],
            "ecs:ListClusters",
            "*"
        ),
        explicit(PolicyType::Identity)
    );

    // A permissions boundary caps what identity policies grant; it grants nothing itself.
    let boundary = document(
        json!({"Effect": "Allow", "Action": ["logs:*"], "Resource": "*"}),
        PolicyKind::Identity,
    );
    let bounded = Policies {
        identity: std::slice::from_ref(&everything),
        boundary: Some(&boundary),
        ..Policies::default()
    };
    assert_eq!(
        decide(&bounded, "logs:CreateLogGroup", GROUP, &alice),
        Ok(())
    );
    assert_eq!(
        decide(&bounded, "ecs:RunTask", "*", &alice),
        implicit(PolicyType::Boundary)
    );
    let only_boundary = Policies {
        identity: &[],
        boundary: Some(&boundary),
        ..Policies::default()
    };
    assert_eq!(
        decide(&only_boundary, "logs:CreateLogGroup", GROUP, &alice),
        implicit(PolicyType::Identity)
    );

    // Session policies narrow a session the same way.
    let session = [document(
        json!({"Effect": "Allow", "Action": "logs:Describe*", "Resource": "*"}),
        PolicyKind::Session,
    )];
    let narrowed = Policies {
        identity: std::slice::from_ref(&everything),
        session: &session,
        ..Policies::default()
    };
    assert_eq!(
        decide(&narrowed, "logs:DescribeLogGroups", GROUP, &alice),
        Ok(())
    );
    assert_eq!(
        decide(&narrowed, "logs:CreateLogGroup", GROUP, &alice),
        implicit(PolicyType::Session)
    );
}

#[test]
fn trust_and_resource_policies_name_principals() {
    let alice = alice();
    let outsider = RequestPrincipal {
        arn: "arn:aws:iam::111122223333:user/bob".into(),
        account: "111122223333".into(),
        ..RequestPrincipal::default()
    };
    let session = RequestPrincipal {
        arn: "arn:aws:sts::111122223333:assumed-role/deployer/ci".into(),
        account: "111122223333".into(),
        role_arn: Some("arn:aws:iam::111122223333:role/deployer".into()),
        ..RequestPrincipal::default()
    };
    let role = "arn:aws:iam::123456789012:role/target";
    let trust_by_name = document(
        json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/alice"}, "Action": "sts:AssumeRole"}),
        PolicyKind::Trust,
    );
    let trust_account = document(
        json!({"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "sts:AssumeRole"}),
        PolicyKind::Trust,
    );
    let trust_other = document(
        json!({"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "arn:aws:iam::111122223333:role/deployer"]}, "Action": "sts:AssumeRole",
                                      "Condition": {"StringEquals": {"aws:username": "alice"}}}),
        PolicyKind::Trust,
    );
    let assume = document(
        json!({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}),
        PolicyKind::Identity,
    );
    let trust = |document: &super::Document,
                 identity: &[Arc<super::Document>],
                 principal: &RequestPrincipal| {
        decide(
            &Policies {
                identity,
                resource: Some((document, "123456789012")),
                resource_required: true,
                ..Policies::default()
            },
            "sts:AssumeRole",
            role,
            principal,
        )
    };
    let implicit = |by| {
        Err(Denial {
            explicit: false,
            by,
        })
    };
    // Named in the trust policy: no identity policy needed in the same account.
    assert_eq!(trust(&trust_by_name, &[], &alice), Ok(()));
    // Trusting the account delegates to its identity policies.
    assert_eq!(
        trust(&trust_account, &[], &alice),
        implicit(PolicyType::Identity)
    );
    assert_eq!(
        trust(&trust_account, std::slice::from_ref(&assume), &alice),
        Ok(())
    );
    // Across accounts both sides must allow.
    assert_eq!(
        trust(&trust_by_name, std::slice::from_ref(&assume), &outsider),
        implicit(PolicyType::Resource)
    );
    assert_eq!(
        trust(&trust_other, std::slice::from_ref(&assume), &outsider),
        Ok(())
    );
    assert_eq!(
        trust(&trust_other, &[], &outsider),
        implicit(PolicyType::Identity)
    );
    // A role named in a trust policy covers its sessions.
    assert_eq!(
        trust(&trust_other, std::slice::from_ref(&assume), &session),
        Ok(())
    );
}

#[test]
fn denial_messages_are_awss() {
    let user = "arn:aws:iam::123456789012:user/alice";
    let cases = [
        (
            Denial {
                explicit: false,
                by: PolicyType::Identity,
            },
            "because no identity-based policy allows the logs:CreateLogGroup action",
        ),
        (
            Denial {
                explicit: true,
                by: PolicyType::Identity,
            },
            "with an explicit deny in an identity-based policy",
        ),
        (
            Denial {
                explicit: false,
                by: PolicyType::Boundary,
            },
            "because no permissions boundary allows the logs:CreateLogGroup action",
        ),
        (
            Denial {
                explicit: true,
                by: PolicyType::Boundary,
            },
            "with an explicit deny in a permissions boundary",
        ),
        (
            Denial {
                explicit: false,
                by: PolicyType::Session,
            },
            "because no session policy allows the logs:CreateLogGroup action",
        ),
        (
            Denial {
                explicit: true,
                by: PolicyType::Resource,
            },
            "with an explicit deny in a resource-based policy",
        ),
    ];
    for (denial, tail) in cases {
        assert_eq!(
            denial.message(user, "logs:CreateLogGroup", GROUP),
            format!(
                "User: {user} is not authorized to perform: logs:CreateLogGroup on resource: {GROUP} {tail}"
            )
        );
    }
}

#[test]
fn context_keys_are_listed_once() {
    let document = document(
        json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:username}/*",
                "Condition": {"StringEquals": {"aws:PrincipalTag/team": "red", "s3:prefix": "${aws:userid}"}}},
               {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"AWS:SecureTransport": "false"}, "StringLike": {"aws:principaltag/Team": "x"}}}]),
        PolicyKind::Identity,
    );
    assert_eq!(
        document.context_keys(),
        [
            "aws:PrincipalTag/team",
            "s3:prefix",
            "aws:username",
            "aws:userid",
            "AWS:SecureTransport"
        ]
    );
}
