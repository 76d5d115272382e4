//! `infra/iam/gen-policy.json` names every AWS action the code calls: each
//! SDK operation in `generator/src/aws/` must appear as `service:Action`.

use std::fs;
use std::process::Command;

use crate::util::*;

/// `describe_stack_events` → `DescribeStackEvents`.
fn action(op: &str) -> String {
    op.split('_')
        .map(|w| w[..1].to_uppercase() + &w[1..])
        .collect()
}

#[test]
fn the_iam_policy_allows_every_aws_call_the_code_makes() {
    // parliament's data predates Region switch, so its actions are in a
    // policy of their own; together they are what gen needs.
    let policies: Vec<serde_json::Value> = ["gen-policy.json", "gen-region-switch-policy.json"]
        .iter()
        .map(|f| {
            serde_json::from_str(
                &fs::read_to_string(workspace().join("infra/iam").join(f)).unwrap(),
            )
            .unwrap()
        })
        .collect();
    let allowed: Vec<String> = policies
        .iter()
        .flat_map(|v| v["Statement"].as_array().unwrap())
        .flat_map(|s| {
            s["Action"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_string())
        })
        .collect();
    let verbs = [
        "describe_",
        "create_",
        "delete_",
        "execute_",
        "update_",
        "list_",
        "get_",
        "start_",
        "approve_",
    ];
    let mut called = Vec::new();
    for (file, service) in [
        ("cfn.rs", "cloudformation"),
        ("route53.rs", "route53"),
        ("arc.rs", ""),
        ("region_switch.rs", "arc-region-switch"),
        ("cloudwatch.rs", "cloudwatch"),
    ] {
        let src = fs::read_to_string(workspace().join("generator/src/aws").join(file)).unwrap();
        // Every `.operation()` in the source: a fluent SDK call starts that way.
        for (i, _) in src.match_indices('.') {
            let rest = &src[i + 1..];
            let end = rest
                .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
                .unwrap_or(rest.len());
            let op = &rest[..end];
            if !rest[end..].starts_with("()") || !verbs.iter().any(|v| op.starts_with(v)) {
                continue;
            }
            let service = match (service, op) {
                ("", "describe_cluster" | "list_clusters") => "route53-recovery-control-config",
                ("", _) => "route53-recovery-cluster",
                (s, _) => s,
            };
            called.push(format!("{service}:{}", action(op)));
        }
    }
    // Every account's role is assumed through aws-config's STS provider.
    let sdk = fs::read_to_string(workspace().join("generator/src/aws/mod.rs")).unwrap();
    if sdk.contains("AssumeRoleProvider") {
        called.push("sts:AssumeRole".to_string());
    }
    called.sort();
    called.dedup();
    assert!(called.len() >= 23, "the scan found the calls: {called:?}");
    let missing: Vec<&String> = called.iter().filter(|c| !allowed.contains(c)).collect();
    assert!(
        missing.is_empty(),
        "infra/iam/gen-policy.json and gen-region-switch-policy.json lack {missing:?}"
    );
}

/// `tests/tools/check_iam.py` (parliament, and IAM's resource types per
/// action) on `policy`.
fn check_iam(policy: &std::path::Path) -> (bool, String) {
    run_tool(
        Command::new(tool("python3"))
            .arg(workspace().join("tests/tools/check_iam.py"))
            .arg(policy),
    )
}

#[test]
fn the_iam_policy_passes_the_iam_lint() {
    let (ok, out) = check_iam(&workspace().join("infra/iam/gen-policy.json"));
    assert!(ok, "infra/iam/gen-policy.json fails check_iam.py:\n{out}");
    assert!(out.contains(" 0 findings"), "{out}");
}

#[test]
fn the_iam_lint_fails_on_a_wrong_policy() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad-policy.json");
    fs::write(
        &bad,
        r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "ScopedByAKeyIamDoesNotDefine", "Effect": "Allow",
     "Action": ["cloudformation:CreateChangeSet"], "Resource": "*",
     "Condition": {"StringLike": {"cloudformation:StackName": "*-dns-*"}}},
    {"Sid": "MadeUpAction", "Effect": "Allow",
     "Action": ["route53:ChangeResourceRecordSetz"], "Resource": "arn:aws:route53:::hostedzone/*"},
    {"Sid": "WrongResourceType", "Effect": "Allow",
     "Action": ["route53:GetHealthCheck"], "Resource": "arn:aws:route53:::hostedzone/*"},
    {"Sid": "UnnamedNotAlone", "Effect": "Allow",
     "Action": ["cloudformation:DescribeStacks", "cloudformation:DeleteStack"], "Resource": "*"}
  ]
}"#,
    )
    .unwrap();
    let (ok, out) = check_iam(&bad);
    assert!(!ok, "check_iam.py passed a wrong policy:\n{out}");
    for finding in [
        "UNKNOWN_CONDITION_FOR_ACTION",
        "UNKNOWN_ACTION",
        "RESOURCE_MISMATCH",
        "STAR_WITH_RESOURCE_TYPE",
    ] {
        assert!(out.contains(finding), "no {finding} in:\n{out}");
    }
    // "*" for DescribeStacks without a name holds only in a statement of its own.
    assert!(
        out.contains("(UnnamedNotAlone): cloudformation:DescribeStacks has resource types"),
        "{out}"
    );
}

/// `infra/iam/region-switch-execution-role.json` is the Region switch
/// plans' execution role policy as the role stack renders it: the same
/// actions, each on the same kind of resource, and it passes check_iam.py.
#[test]
fn the_region_switch_role_in_infra_is_the_rendered_one() {
    let infra = workspace().join("infra/iam/region-switch-execution-role.json");
    let policy: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&infra).unwrap()).unwrap();
    let mut wanted: Vec<String> = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["Action"].as_array().unwrap().clone())
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    wanted.sort();
    wanted.dedup();
    // infra/ holds every block's statements; each rendered role only those
    // its plans' blocks need (routing controls with ARC, the zone's
    // records without).
    let with_arc = fs::read_to_string(
        workspace().join("tests/golden/region-switch/cloudformation/shop-region-switch-role.yaml"),
    )
    .unwrap();
    let without = fs::read_to_string(
        workspace()
            .join("tests/golden/region-switch-dns/cloudformation/store-region-switch-role.yaml"),
    )
    .unwrap();
    assert!(
        with_arc.contains("RoutingControls")
            && !with_arc.contains("route53:ListResourceRecordSets")
    );
    assert!(
        without.contains("route53:ListResourceRecordSets") && !without.contains("RoutingControls")
    );
    // Clusters in other accounts: the role assumes their roles.
    let across = fs::read_to_string(
        workspace().join("tests/golden/accounts/cloudformation/pay-region-switch-role.yaml"),
    )
    .unwrap();
    assert!(across.contains("sts:AssumeRole") && !across.contains("EksClusters"));
    // Databases, alarms and reports: their blocks' statements.
    let databases = fs::read_to_string(
        workspace().join("tests/golden/databases/cloudformation/orders-region-switch-role.yaml"),
    )
    .unwrap();
    for sid in [
        "GlobalDatabases",
        "RdsPromoteReadReplica",
        "RdsSwitchoverReadReplica",
        "AssociatedAlarms",
        "ExecutionReports",
    ] {
        assert!(databases.contains(sid), "{sid}");
        assert!(!with_arc.contains(sid) && !without.contains(sid), "{sid}");
    }
    let rendered = format!("{with_arc}{without}{across}{databases}");
    let mut got: Vec<String> = rendered
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- "))
        // `- service:Action` lines: an IAM action, not a `Key: value` pair
        // nor a quoted resource ARN.
        .filter(|a| !a.starts_with('"'))
        .filter(|a| {
            a.split_once(':').is_some_and(|(svc, act)| {
                !svc.contains(' ') && !act.is_empty() && !act.starts_with(' ')
            })
        })
        .map(str::to_string)
        .collect();
    got.sort();
    got.dedup();
    assert_eq!(got, wanted, "the role stacks' actions and infra's differ");
    for kind in [
        "cluster/",
        "access-entry/",
        ":cluster/*",
        ":controlpanel/*",
        ":hostedzone/",
        ":global-cluster:",
        ":db:",
        ":alarm:",
    ] {
        assert!(
            rendered.contains(kind),
            "{kind} missing from the rendered role"
        );
    }
    let (ok, out) = check_iam(&infra);
    assert!(ok, "{out}");
}

/// `infra/iam/gen-workload-account-policy.json`: what gen's role in a
/// Region's own account needs, which is the stacks of the access entries
/// and the Region switch role there, passes the IAM lint and covers every
/// resource type those stacks hold.
#[test]
fn the_workload_account_policy_covers_its_stacks_and_passes_the_iam_lint() {
    let path = workspace().join("infra/iam/gen-workload-account-policy.json");
    let (ok, out) = check_iam(&path);
    assert!(ok, "{out}");
    let policy = fs::read_to_string(&path).unwrap();
    let stack = fs::read_to_string(
        workspace()
            .join("tests/golden/accounts/cloudformation/pay-region-switch-access-eu-west-1.yaml"),
    )
    .unwrap();
    for (kind, action) in [
        ("AWS::IAM::Role", "iam:CreateRole"),
        ("AWS::EKS::AccessEntry", "eks:CreateAccessEntry"),
    ] {
        assert!(stack.contains(kind), "{kind}");
        assert!(policy.contains(action), "{action} missing for {kind}");
    }
    assert!(policy.contains("stack/*-region-switch-access-*/*"));
}

/// The execution role as each golden renders it, its `!Sub` strings filled
/// in, passes the IAM lint: the databases', alarms' and reports' statements
/// name resources of the types their actions take.
#[test]
fn every_rendered_region_switch_role_passes_the_iam_lint() {
    let d = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for golden in std::fs::read_dir(workspace().join("tests/golden")).unwrap() {
        let dir = golden.unwrap().path().join("cloudformation");
        let Ok(files) = std::fs::read_dir(&dir) else {
            continue;
        };
        for f in files {
            let f = f.unwrap().path();
            if !f.to_string_lossy().ends_with("-region-switch-role.yaml") {
                continue;
            }
            let policy = d.path().join(format!("policy{checked}.json"));
            // The policy document, `!Sub` strings with an account and partition.
            let script = r#"
import json, re, sys, yaml
class L(yaml.SafeLoader): pass
fill = lambda l, n: re.sub(r"\$\{AWS::Partition\}", "aws", re.sub(r"\$\{AWS::AccountId\}", "111122223333", l.construct_scalar(n)))
for tag in ("!Sub", "!Ref", "!GetAtt"): L.add_constructor(tag, fill)
t = yaml.load(open(sys.argv[1]), Loader=L)
doc = t["Resources"]["ExecutionRole"]["Properties"]["Policies"][0]["PolicyDocument"]
json.dump(doc, open(sys.argv[2], "w"))
"#;
            let (ok, out) = run_tool(
                Command::new(tool("python3"))
                    .args(["-c", script])
                    .arg(&f)
                    .arg(&policy),
            );
            assert!(ok, "{}: {out}", f.display());
            let (ok, out) = check_iam(&policy);
            assert!(ok, "{}: {out}", f.display());
            checked += 1;
        }
    }
    assert!(checked >= 4, "{checked} roles checked");
}
