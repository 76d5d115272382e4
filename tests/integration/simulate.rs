//! `gen simulate` on the committed example renders: golden outputs in
//! `tests/simulate/` (GEN_BLESS=1 rewrites them), and seed 001's result
//! asserted outright.

use crate::util::*;

const CASES: &[(&str, &[&str], &str)] = &[
    ("gitops-repo", &[], "example-every-failure.txt"),
    (
        "gitops-repo",
        &["--down", "app1@eu-west-1"],
        "seed-001-per-app-checks.txt",
    ),
    (
        "tests/golden/seed-001-cascade",
        &["--down", "app1@eu-west-1"],
        "seed-001-cascade.txt",
    ),
    (
        "gitops-repo/variants/arc",
        &["--arc-off", "eu-west-1"],
        "arc-off.txt",
    ),
    ("tests/golden/multi-alb", &[], "multi-alb-every-failure.txt"),
    // The topologies: one cluster on Argo CD; the DNS account apart from
    // each Region's, its plans switching across accounts.
    ("tests/golden/argocd", &[], "argocd-every-failure.txt"),
    // Two clusters in eu-west-1: one failing moves its share to the other
    // (its weight-0 standby), both failing move the Region.
    (
        "tests/golden/blue-green",
        &[],
        "blue-green-every-failure.txt",
    ),
    (
        "tests/golden/blue-green",
        &[
            "--down",
            "cluster:west-blue",
            "--down",
            "cluster:west-green",
        ],
        "blue-green-both-clusters-down.txt",
    ),
    (
        "tests/golden/accounts",
        &["--switch-to", "us-east-1"],
        "accounts-switch-to-us-east-1.txt",
    ),
    (
        "tests/golden/multi-alb",
        &["--down", "alb:platform-public@eu-west-1"],
        "multi-alb-one-alb-down.txt",
    ),
    // A Region switch: what DNS answers once the plans' traffic steps ran.
    (
        "tests/golden/region-switch-failover",
        &["--switch-to", "eu-west-1"],
        "region-switch-failover-to-eu-west-1.txt",
    ),
    (
        "tests/golden/region-switch",
        &["--switch-to", "us-east-1"],
        "region-switch-to-us-east-1.txt",
    ),
    (
        "tests/golden/region-switch",
        &[
            "--switch-to",
            "ap-southeast-2",
            "--down",
            "cart@ap-southeast-2",
        ],
        "region-switch-to-ap-southeast-2-with-cart-down.txt",
    ),
    // Without ARC: the plans' own health checks move the records, and an
    // app down still fails over by its own check.
    (
        "tests/golden/region-switch-dns",
        &["--switch-to", "us-east-1"],
        "region-switch-dns-to-us-east-1.txt",
    ),
    (
        "tests/golden/region-switch-dns",
        &["--switch-to", "ap-southeast-2", "--down", "web@eu-west-1"],
        "region-switch-dns-to-ap-southeast-2-with-web-down.txt",
    ),
    // Geographic routing: answers per sample resolver location; A and AAAA alike.
    ("tests/golden/geo", &[], "geo-every-failure.txt"),
    (
        "tests/golden/dualstack-auto",
        &[],
        "dualstack-auto-every-failure.txt",
    ),
    // Databases: promoted, all at once, after the scale-up and before traffic.
    (
        "tests/golden/databases",
        &["--switch-to", "us-west-2"],
        "databases-switch-to-us-west-2.txt",
    ),
];

#[test]
fn simulate_outputs_match_the_golden_files() {
    let mut failures = Vec::new();
    for (dir, args, file) in CASES {
        let mut all = vec!["simulate"];
        all.extend_from_slice(args);
        let o = run_gen(&workspace().join(dir), &all);
        assert!(o.status.success(), "{dir} {args:?}: {}", stderr(&o));
        let path = workspace().join("tests/simulate").join(file);
        golden(&path, &stdout(&o), &mut failures);
    }
    assert!(
        failures.is_empty(),
        "simulate output differs (GEN_BLESS=1 to accept):\n{}",
        failures.join("\n")
    );
}

fn moved(dir: &str, host: &str) -> bool {
    let o = run_gen(
        &workspace().join(dir),
        &["simulate", "--down", "app1@eu-west-1", "--output", "json"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let h = v[0]["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["host"] == host)
        .unwrap()
        .clone();
    h["moved"].as_bool().unwrap()
}

#[test]
fn seed_001_one_app_failing_moves_only_that_app_unless_the_alb_is_evaluated() {
    assert!(moved("gitops-repo", "app1.example.com"));
    assert!(
        !moved("gitops-repo", "app2.example.com"),
        "per-app checks: app2 stays"
    );
    assert!(moved("tests/golden/seed-001-cascade", "app1.example.com"));
    assert!(
        moved("tests/golden/seed-001-cascade", "app2.example.com"),
        "evaluateTargetHealth: every app on the ALB moves"
    );
}

#[test]
fn simulate_rejects_what_is_not_in_the_render() {
    let o = run_gen(
        &workspace().join("gitops-repo"),
        &["simulate", "--down", "nope@eu-west-1"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o)
            .contains("`nope` in --down nope@eu-west-1 is not an app on the ALB in eu-west-1"),
        "{}",
        stderr(&o)
    );
    let o = run_gen(
        &workspace().join("gitops-repo"),
        &["simulate", "--arc-off", "mars-north-1"],
    );
    assert!(
        stderr(&o).contains("`mars-north-1` in --arc-off is not a Region"),
        "{}",
        stderr(&o)
    );
}

/// Each ALB is its own failure domain: one down moves its own apps only.
#[test]
fn an_alb_down_moves_only_the_apps_it_carries() {
    let dir = workspace().join("tests/golden/multi-alb");
    let o = run_gen(
        &dir,
        &[
            "simulate",
            "--down",
            "alb:platform-public@eu-west-1",
            "--output",
            "json",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let moved: Vec<&str> = v[0]["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["moved"].as_bool() == Some(true))
        .map(|h| h["host"].as_str().unwrap())
        .collect();
    // shop and search are on platform-public; search's primary is eu-west-1.
    assert_eq!(moved, ["search.example.com", "shop.example.com"]);
    let o = run_gen(&dir, &["simulate", "--down", "alb:nope@eu-west-1"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("`nope` in --down alb:nope@eu-west-1 is not a shared ALB"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_region_that_no_record_routes_to_is_a_failure_where_nothing_moves() {
    // Three Regions; the only app fails over between the first two.
    let d = tempfile::tempdir().unwrap();
    let text = "version: 1\nname: shop\ndns: {zone: example.org, zoneId: Z0EXAMPLE}\nregions:\n  - {name: eu-west-1, cluster: a, albDnsName: a.eu-west-1.elb.amazonaws.com}\n  - {name: us-east-1, cluster: b, albDnsName: b.us-east-1.elb.amazonaws.com}\n  - {name: ap-southeast-2, cluster: c, albDnsName: c.ap-southeast-2.elb.amazonaws.com}\napps:\n  - {name: cart, host: cart.example.org, image: img, health: {path: /carthealth}, routing: failover}\n";
    std::fs::write(d.path().join("gen.yaml"), text).unwrap();
    assert!(run_gen(d.path(), &["render"]).status.success());
    for down in ["ap-southeast-2", "cart@ap-southeast-2"] {
        let o = run_gen(d.path(), &["simulate", "--down", down, "--output", "json"]);
        assert!(o.status.success(), "{down}: {}", stderr(&o));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        let cart = &v[0]["hosts"][0];
        assert_eq!(cart["moved"], false, "{down}: {v}");
        assert_eq!(
            cart["after"]["regions"],
            serde_json::json!(["eu-west-1"]),
            "{down}"
        );
    }
    // Every single failure, that Region's among them.
    let o = run_gen(d.path(), &["simulate"]);
    assert!(stdout(&o).contains("ap-southeast-2 down"), "{}", stdout(&o));
}

/// In every workflow of the databases case, the stage that promotes the
/// databases comes before the one that moves traffic.
#[test]
fn a_switch_promotes_the_databases_before_it_moves_traffic() {
    for to in ["us-east-1", "us-west-2"] {
        let o = run_gen(
            &workspace().join("tests/golden/databases"),
            &["simulate", "--switch-to", to, "--output", "json"],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        let order = &v[0]["order"][0];
        assert_eq!(order["workflow"], format!("activate {to}"));
        let stages = order["stages"].as_array().unwrap();
        let at = |f: &dyn Fn(&str) -> bool| {
            stages.iter().position(|s| {
                s[1].as_array()
                    .unwrap()
                    .iter()
                    .any(|x| f(x[1].as_str().unwrap()))
            })
        };
        let db = at(&|b| b == "AuroraGlobalDatabase").expect("an Aurora step");
        let traffic = at(&|b| b == "Route53HealthCheck").expect("a traffic step");
        let scale = at(&|b| b == "EKSResourceScaling").expect("a scale-up step");
        assert!(scale < db && db < traffic, "{order}");
        // The four databases run in one stage, at once.
        assert_eq!(stages[db][1].as_array().unwrap().len(), 4, "{order}");
    }
}
