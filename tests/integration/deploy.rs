//! `gen deploy` against the moto server: a real HTTP endpoint on 127.0.0.1
//! that implements CloudFormation and Route 53, reached by the real SDK
//! through `AWS_ENDPOINT_URL`. Each test starts its own server.
//!
//! Where moto falls short, the tests say so:
//! - it skips the ARC resource types silently, so ARC stacks are not deployed
//!   here (their templates are checked by cfn-lint and golden tests);
//! - it leaves a deleted stack's health checks behind, so counts are only
//!   checked after creates;
//! - it resolves `Fn::ImportValue` when a change set is executed, where AWS
//!   already fails when it is created; either way gen reports the call;
//! - it fails a resource (a missing hosted zone, a missing export) right in
//!   ExecuteChangeSet, where AWS fails it later in the stack's events; so the
//!   path that reports the failed resources from those events runs only
//!   against AWS.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::strict_moto::StrictMoto;
use crate::util::*;

pub(crate) struct Moto {
    server: StrictMoto,
    url: String,
}

impl Moto {
    /// moto, with AWS's rules that moto does not enforce
    /// (tests/tools/strict_moto.py).
    pub(crate) fn start() -> Moto {
        Moto::start_with_delay(0)
    }

    /// A server that waits `delay_ms` before answering each AWS call, as
    /// AWS's latency would (calls still overlap).
    pub(crate) fn start_with_delay(delay_ms: u64) -> Moto {
        let server = StrictMoto::start(&workspace(), &tool("python3"), delay_ms);
        Moto {
            url: server.url.clone(),
            server,
        }
    }

    /// The AWS calls counted since the last reset:
    /// `{"calls": {"service:Action": n}, "total": n, "most_in_flight": n}`.
    pub(crate) fn calls(&self) -> serde_json::Value {
        self.server.calls()
    }

    pub(crate) fn reset_calls(&self) {
        self.server.reset_calls();
    }

    /// How many times `action` (`service:Action`) was called since the reset.
    pub(crate) fn count(calls: &serde_json::Value, action: &str) -> u64 {
        crate::strict_moto::count(calls, action)
    }

    /// Create a public hosted zone; its ID without the `/hostedzone/` prefix.
    pub(crate) fn zone(&self, name: &str) -> String {
        let id = self.py("create-zone", name);
        id.as_str()
            .unwrap()
            .trim_start_matches("/hostedzone/")
            .to_string()
    }

    /// tests/tools/moto_r53.py, parsed as JSON where it prints JSON.
    pub(crate) fn py(&self, cmd: &str, arg: &str) -> serde_json::Value {
        self.py_in(None, cmd, arg)
    }

    /// `py`, acting in `account` (None: the credentials' own).
    pub(crate) fn py_in(&self, account: Option<&str>, cmd: &str, arg: &str) -> serde_json::Value {
        let mut c = Command::new(tool("python3"));
        c.arg(workspace().join("tests/tools/moto_r53.py"))
            .args([&self.url, cmd, arg]);
        if let Some(a) = account {
            c.env("MOTO_ACCOUNT", a);
        }
        let o = c.output().unwrap();
        assert!(
            o.status.success(),
            "moto_r53.py {cmd}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let out = String::from_utf8_lossy(&o.stdout);
        serde_json::from_str(&out).unwrap_or(serde_json::Value::String(out.trim().to_string()))
    }

    pub(crate) fn gen_cmd(&self, dir: &Path, args: &[&str]) -> (Command, tempfile::TempDir) {
        let (mut cmd, home) = gen_command(dir);
        cmd.args(args);
        fake_aws(&mut cmd, dir);
        cmd.env("AWS_ENDPOINT_URL", &self.url);
        (cmd, home)
    }

    pub(crate) fn run(&self, dir: &Path, args: &[&str]) -> Output {
        let (mut cmd, _home) = self.gen_cmd(dir, args);
        cmd.stdin(Stdio::null()).output().unwrap()
    }

    pub(crate) fn stacks_named(&self, name: &str) -> Vec<(String, String)> {
        self.stacks(name)
            .into_iter()
            .filter(|(n, _)| n == name)
            .collect()
    }

    fn stacks(&self, prefix: &str) -> Vec<(String, String)> {
        let v = self.py("stacks", prefix);
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["name"].as_str().unwrap().to_string(),
                    s["status"].as_str().unwrap().to_string(),
                )
            })
            .filter(|(_, st)| st != "DELETE_COMPLETE")
            .collect()
    }
}

const CHECKOUT: &str = "  - name: checkout\n    host: checkout.example.org\n    image: img\n    health: {path: /checkouthealth}\n";

/// A repository with the shared spec, both ALB names and the zone (`zone`,
/// when given) resolved, rendered.
fn rendered(zone: Option<&str>, extra: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    if let Some(id) = zone {
        lock_zone(d.path(), id);
    }
    rerender(d.path(), extra);
    d
}

fn rerender(d: &Path, extra: &str) {
    std::fs::write(d.join("gen.yaml"), resolved_spec(extra)).unwrap();
    let o = run_gen(d, &["render"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn deploy_creates_the_stacks_then_finds_them_up_to_date() {
    let moto = Moto::start();
    let zone = moto.zone("example.org");
    let d = rendered(Some(&zone), CHECKOUT);
    let o = moto.run(d.path(), &["deploy", "--yes"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("shop-dns-cart (us-west-2): new stack"),
        "{out}"
    );
    assert!(out.contains("Add     RecordsCart"), "{out}");
    assert!(
        out.contains("shop-dns-cart: CREATE_COMPLETE")
            && out.contains("shop-dns-checkout: CREATE_COMPLETE"),
        "{out}"
    );
    assert!(
        out.contains("shop-dns-cart: CREATE_COMPLETE (termination protection on)"),
        "{out}"
    );

    let dump = moto.py("dump", "example.org");
    let checks = dump["health_checks"].as_array().unwrap();
    let mut got: Vec<(String, String)> = checks
        .iter()
        .map(|c| {
            (
                c["FullyQualifiedDomainName"].as_str().unwrap().to_string(),
                c["ResourcePath"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("shop-1.eu-west-1.elb.amazonaws.com", "/carthealth"),
            ("shop-1.eu-west-1.elb.amazonaws.com", "/checkouthealth"),
            ("shop-2.us-east-1.elb.amazonaws.com", "/carthealth"),
            ("shop-2.us-east-1.elb.amazonaws.com", "/checkouthealth"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    let records = dump["records"].as_array().unwrap();
    let find = |name: &str, set: &str| {
        records
            .iter()
            .find(|r| r["Name"] == name && r["SetIdentifier"] == set)
            .unwrap_or_else(|| panic!("{name} {set}: {records:?}"))
    };
    assert_eq!(find("cart.example.org.", "eu-west-1")["Weight"], 100);
    assert_eq!(
        find("cart.example.org.", "us-east-1")["Weight"],
        0,
        "weight 0 is kept"
    );
    assert_eq!(
        find("checkout.example.org.", "us-east-1")["Region"],
        "us-east-1"
    );
    let cart_west = find("cart.example.org.", "eu-west-1");
    assert_eq!(
        cart_west["AliasTarget"]["DNSName"],
        "shop-1.eu-west-1.elb.amazonaws.com"
    );
    assert_eq!(cart_west["AliasTarget"]["EvaluateTargetHealth"], false);
    let hc = cart_west["HealthCheckId"].as_str().unwrap();
    let own = checks
        .iter()
        .find(|c| c["Id"] == hc)
        .expect("the record's health check exists");
    assert_eq!(own["ResourcePath"], "/carthealth");

    let o = moto.run(d.path(), &["deploy", "--yes"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("nothing to deploy: 2 stacks up to date"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn adding_an_app_creates_its_stack_and_removing_it_deletes_it() {
    let moto = Moto::start();
    let zone = moto.zone("example.org");
    let d = rendered(Some(&zone), "");
    assert!(moto.run(d.path(), &["deploy", "--yes"]).status.success());

    rerender(d.path(), CHECKOUT);
    let o = moto.run(d.path(), &["deploy", "--yes"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("shop-dns-cart (us-west-2): up to date"),
        "{out}"
    );
    assert!(
        out.contains("shop-dns-checkout (us-west-2): new stack"),
        "{out}"
    );
    assert_eq!(moto.stacks("shop-").len(), 2);

    rerender(d.path(), "");
    let o = moto.run(d.path(), &["deploy", "--yes"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("shop-dns-checkout (us-west-2): DELETE"),
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains("shop-dns-checkout: deleted"),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        moto.stacks("shop-"),
        [("shop-dns-cart".to_string(), "CREATE_COMPLETE".to_string())]
    );
}

#[test]
fn dry_run_and_a_refused_prompt_leave_no_change_set() {
    let moto = Moto::start();
    let zone = moto.zone("example.org");
    let d = rendered(Some(&zone), CHECKOUT);
    let o = moto.run(d.path(), &["deploy", "--dry-run"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("dry run: 2 change sets shown and deleted"),
        "{}",
        stdout(&o)
    );
    assert!(
        moto.stacks("shop-").is_empty(),
        "no stack (not even one in review) is left"
    );

    // No terminal to answer and no --yes: refused, and cleaned up.
    let o = moto.run(d.path(), &["deploy"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("refusing to deploy without confirmation"),
        "{}",
        stderr(&o)
    );
    assert!(
        moto.stacks("shop-").is_empty(),
        "{:?}",
        moto.stacks("shop-")
    );

    assert!(moto.run(d.path(), &["deploy", "--yes"]).status.success());
    rerender(
        d.path(),
        &CHECKOUT.replace("/checkouthealth", "/checkouthealth2"),
    );
    let o = moto.run(d.path(), &["deploy", "--dry-run"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("Modify  HealthCheckCheckoutEuWest1"),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        moto.py("change-sets", "shop-dns-checkout"),
        serde_json::json!([]),
        "the update's change set was deleted"
    );

    // The same review as JSON: values are enum names, and nothing is left.
    let o = moto.run(d.path(), &["deploy", "--dry-run", "--output", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON on stdout");
    let checkout = v["stacks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["stack"] == "shop-dns-checkout")
        .expect("the checkout stack")
        .clone();
    assert_eq!(checkout["state"], "Changes", "{checkout}");
    let check = checkout["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["logical_id"] == "HealthCheckCheckoutEuWest1")
        .expect("its health check")
        .clone();
    assert_eq!(check["action"], "Modify", "{check}");
    assert!(
        matches!(check["verdict"].as_str(), Some("InPlace" | "NewCheckId")),
        "{check}"
    );
    assert_eq!(v["deletions"], serde_json::json!([]));
    assert_eq!(
        moto.py("change-sets", "shop-dns-checkout"),
        serde_json::json!([]),
        "a JSON dry run deletes its change sets too"
    );
    // JSON is a dry run's view only.
    let o = moto.run(d.path(), &["deploy", "--output", "json"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("add --dry-run"), "{}", stderr(&o));
}

#[test]
fn a_failing_stack_is_reported_and_the_others_are_left_alone() {
    let moto = Moto::start();
    let zone = moto.zone("example.org");
    // A zone ID that is not the account's: every stack's records fail.
    let d = rendered(Some("Z0NOSUCHZONE"), CHECKOUT);
    // One at a time: the first failure starts no other stack.
    let o = moto.run(d.path(), &["deploy", "--yes", "--concurrency", "1"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(
        err.contains("shop-dns-cart") && err.contains("RecordsCart"),
        "{err}"
    );
    assert!(
        err.contains("1 stack(s) not started are left as they were"),
        "{err}"
    );
    assert_eq!(
        moto.py("change-sets", "shop-dns-checkout"),
        serde_json::json!([]),
        "the change set not run is deleted"
    );
    assert!(
        !moto
            .stacks("shop-")
            .iter()
            .any(|(n, _)| n == "shop-dns-checkout"),
        "the other stack never started: {:?}",
        moto.stacks("shop-")
    );

    // At once (the default): both run, and each failure is reported.
    let o = moto.run(d.path(), &["deploy", "--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains("2 stacks failed"), "{err}");
    assert!(
        err.contains("RecordsCart") && err.contains("RecordsCheckout"),
        "{err}"
    );

    // Fixed, the next deploy replaces the stacks that failed to create
    // (AWS refuses to update a stack in ROLLBACK_COMPLETE); a dry run only
    // says it will.
    lock_zone(d.path(), &zone);
    rerender(d.path(), CHECKOUT);
    let o = moto.run(d.path(), &["deploy", "--dry-run"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("shop-dns-cart (us-west-2): its creation failed earlier"),
        "{}",
        stdout(&o)
    );
    assert!(
        moto.stacks("shop-")
            .iter()
            .any(|(n, _)| n == "shop-dns-cart"),
        "a dry run deletes nothing"
    );
    let o = moto.run(d.path(), &["deploy", "--yes"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("shop-dns-cart: CREATE_COMPLETE")
            && stdout(&o).contains("shop-dns-checkout: CREATE_COMPLETE"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_deploy_that_changes_nothing_asks_almost_nothing() {
    let moto = Moto::start();
    let zone = moto.zone("example.org");
    let d = rendered(Some(&zone), CHECKOUT);
    assert!(moto.run(d.path(), &["deploy", "--yes"]).status.success());

    // Nothing changed: one DescribeStacks lists every stack with its
    // digest and parameters, and no change set is made.
    moto.reset_calls();
    let o = moto.run(d.path(), &["deploy", "--yes"]);
    let calls = moto.calls();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("nothing to deploy: 2 stacks up to date"),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        Moto::count(&calls, "cloudformation:CreateChangeSet"),
        0,
        "{calls}"
    );
    // us-west-2's stacks in one page, us-east-1's (where alarm stacks would
    // be, read once, so its Region switch access stack is looked up there),
    // and eu-west-1's access stack by name: what a deploy may have left.
    assert_eq!(calls["total"], 3, "{calls}");
    assert_eq!(
        Moto::count(&calls, "cloudformation:DescribeStacks"),
        3,
        "{calls}"
    );

    // One app's check changes: exactly its stack gets a change set, and
    // says why.
    rerender(
        d.path(),
        &CHECKOUT.replace("/checkouthealth", "/checkout-ready"),
    );
    moto.reset_calls();
    let o = moto.run(d.path(), &["deploy", "--yes"]);
    let calls = moto.calls();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        Moto::count(&calls, "cloudformation:CreateChangeSet"),
        1,
        "{calls}"
    );
    let out = stdout(&o);
    assert!(
        out.contains(
            "shop-dns-checkout (us-west-2): changes (its template differs from the deployed one)"
        ),
        "{out}"
    );
    assert!(
        out.contains("shop-dns-cart (us-west-2): up to date"),
        "{out}"
    );
    // The update left its new digest among the stack's outputs.
    moto.reset_calls();
    let o = moto.run(d.path(), &["deploy", "--yes"]);
    assert!(stdout(&o).contains("nothing to deploy"), "{}", stdout(&o));
    assert_eq!(
        Moto::count(&moto.calls(), "cloudformation:CreateChangeSet"),
        0
    );

    // A stack updated outside gen without gen's digest: gen cannot vouch
    // for it, so it gets a change set (which puts the template back).
    moto.py("strip-digest", "shop-dns-cart");
    let o = moto.run(d.path(), &["deploy", "--dry-run"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(
            "shop-dns-cart (us-west-2): changes (deployed without gen's template digest)"
        ),
        "{}",
        stdout(&o)
    );
    // --every-stack makes a change set even for a stack the digest vouches
    // for; it finds nothing to change.
    let o = moto.run(d.path(), &["deploy", "--yes"]);
    assert!(o.status.success(), "{}", stderr(&o));
    moto.reset_calls();
    let o = moto.run(d.path(), &["deploy", "--dry-run", "--every-stack"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        Moto::count(&moto.calls(), "cloudformation:CreateChangeSet"),
        2,
        "{}",
        moto.calls()
    );
    assert!(
        stdout(&o).contains("nothing to deploy: 2 stacks up to date"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn stacks_run_at_once_up_to_the_bound() {
    // Each call takes 150 ms, so stacks running at once overlap visibly.
    let moto = Moto::start_with_delay(150);
    let zone = moto.zone("example.org");
    let apps: String = ["a", "b", "c", "d"]
        .iter()
        .map(|n| format!("  - name: {n}\n    host: {n}.example.org\n    image: img\n    health: {{path: /{n}health}}\n"))
        .collect();
    let d = rendered(Some(&zone), &apps);
    moto.reset_calls();
    let o = moto.run(d.path(), &["deploy", "--yes", "--concurrency", "3"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let calls = moto.calls();
    let most = calls["most_in_flight"].as_u64().unwrap();
    assert!((2..=3).contains(&most), "{calls}");
    assert_eq!(
        Moto::count(&calls, "cloudformation:CreateChangeSet"),
        5,
        "{calls}"
    );
    assert!(stderr(&o).contains("[5/5] "), "{}", stderr(&o));

    moto.reset_calls();
    let o = moto.run(
        d.path(),
        &["deploy", "--yes", "--every-stack", "--concurrency", "1"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(moto.calls()["most_in_flight"], 1, "{}", moto.calls());
}

#[test]
fn deploy_refuses_what_a_reviewer_has_not_seen() {
    let d = rendered(Some("Z0EXAMPLE"), "");
    std::fs::write(
        d.path().join("gen.yaml"),
        std::fs::read_to_string(d.path().join("gen.yaml"))
            .unwrap()
            .replace("cart:1.0", "cart:2.0"),
    )
    .unwrap();
    let o = run_gen(d.path(), &["deploy", "--yes"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("not up to date") && stderr(&o).contains("run `gen render`"),
        "{}",
        stderr(&o)
    );

    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("gen.yaml"), spec("")).unwrap();
    assert!(run_gen(d.path(), &["render"]).status.success());
    let o = run_gen(d.path(), &["deploy", "--yes"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains(
            "the ALB DNS name is not resolved for ALB shop in us-east-1 (regions[1].albDnsName)"
        ),
        "{}",
        stderr(&o)
    );

    // No zone ID from the spec or gen.lock: the records could only name the
    // zone, which is ambiguous beside a private zone of that name.
    let d = rendered(None, "");
    let t = std::fs::read_to_string(d.path().join("cloudformation/shop-dns-cart.yaml")).unwrap();
    assert!(t.contains("HostedZoneId: !Ref \"HostedZoneId\""), "{t}");
    assert!(t.contains("Type: \"AWS::Route53::HostedZone::Id\""), "{t}");
    assert!(!t.contains("HostedZoneName"), "{t}");
    let o = run_gen(d.path(), &["deploy", "--yes"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("the ID of hosted zone example.org is not known (dns.zoneId)")
            && stderr(&o).contains("gen discover"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn plan_can_add_the_change_sets_and_leaves_none_behind() {
    let moto = Moto::start();
    let zone = moto.zone("example.org");
    let d = rendered(Some(&zone), "");
    assert!(moto.run(d.path(), &["deploy", "--yes"]).status.success());
    let text = std::fs::read_to_string(d.path().join("gen.yaml"))
        .unwrap()
        .replace("us-east-1: 0}", "us-east-1: 10}");
    std::fs::write(d.path().join("gen.yaml"), text).unwrap();
    assert!(
        run_gen(d.path(), &["render", "--no-commit"])
            .status
            .success()
    );
    let o = moto.run(d.path(), &["plan", "--change-sets"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("cart in us-east-1: routing: weighted, weight 0 -> weighted, weight 10"),
        "{out}"
    );
    assert!(out.contains("Modify  RecordsCart"), "{out}");
    assert!(out.contains("(1 change sets shown and deleted)"), "{out}");
    assert_eq!(
        moto.py("change-sets", "shop-dns-cart"),
        serde_json::json!([])
    );
}
