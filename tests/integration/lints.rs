//! Design lints (`lint`, warnings with a code and a hint), end to end:
//! `gen validate` prints each with its field's line on a spec built to
//! trigger it (each lint's own unit tests cover its edges), and none fires
//! on the examples. And `gen
//! explain`'s golden outputs on the examples (GEN_BLESS=1 rewrites them).

use std::fs;

use crate::util::*;

fn validate(spec_text: &str) -> (bool, String) {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("gen.yaml"), spec_text).unwrap();
    let o = run_gen(d.path(), &["validate"]);
    (o.status.success(), stderr(&o))
}

#[test]
fn the_example_triggers_no_lint() {
    for dir in ["gitops-repo", "gitops-repo/variants/arc"] {
        let o = run_gen(&workspace().join(dir), &["validate"]);
        assert!(o.status.success());
        assert_eq!(stderr(&o), "", "{dir}");
    }
}

#[test]
fn each_lint_fires_on_a_spec_built_for_it() {
    let base = spec(CHECKOUT_APP);
    let cases: Vec<(String, &str)> = vec![
        (
            base.replace("apps:", "regionSwitch: {enabled: true}\napps:"),
            "the plans' scale-up waits for the pods to be ready, not for them to be healthy in the ALB's target groups",
        ),
        (
            base.replace(
                "    health: {path: /checkouthealth}",
                "    health: {path: /checkouthealth}\n    rto: 120",
            ),
            "warning[W004]: apps[1].rto (gen.yaml:22): worst-case failover is 168 s (3 × (30 s + 6 s) + 60 s TTL), over the rto of 120 s",
        ),
        (
            base.replace(
                "    health: {path: /checkouthealth}",
                "    health: {path: /checkouthealth}\n    rto: 60",
            ),
            "no health-check setting fails over faster than 76 s",
        ),
        (
            base.replace(
                "    health: {path: /checkouthealth}",
                "    health: {path: /checkouthealth}\n    evaluateTargetHealth: true",
            ),
            "warning[W005]: apps[1].evaluateTargetHealth (gen.yaml:22): `checkout` evaluates the health of ALB `shop`, which it shares with 1 other apps",
        ),
        (
            base.replace(
                "    health: {path: /checkouthealth}",
                "    health: {path: /checkouthealth, interval: 10, failureThreshold: 3}",
            ),
            "warning[W008]: apps[1].replicas (gen.yaml:17): a rollout of checkout can fail it over: with one replica in eu-west-1, us-east-1 the ALB has no healthy target until the new pod's target turns healthy (at least 30 s), and its Route 53 check fails after 3 × 10 s = 30 s",
        ),
        (
            base.replace("dns:", "ingress: {scheme: internal}\ndns:"),
            "warning[W001]: ingress.scheme (gen.yaml:3): internal ALB `shop` cannot be reached by Route 53 health checkers",
        ),
        (
            base.replace("dns:", "ingress: {inboundCidrs: [203.0.113.0/24]}\ndns:"),
            "warning[W002]: ingress.inboundCidrs (gen.yaml:3): ALB `shop` accepts only these CIDRs, and Route 53's health checkers connect from their own ranges",
        ),
        (
            base.replace(
                "    health: {path: /checkouthealth}",
                "    health: {path: /checkouthealth, protocol: TCP}",
            ),
            "warning[W003]: apps[1].health.protocol",
        ),
        (
            spread_spec(101),
            "Route 53 health checks; the default quota is 200 per account",
        ),
    ];
    for (text, want) in cases {
        let (ok, err) = validate(&text);
        assert!(ok, "a lint is a warning, not an error: {err}");
        assert!(err.contains(want), "want {want:?} in:\n{err}");
    }
    // The rto lint stays quiet when the settings make it.
    let fast = base.replace(
        "    health: {path: /checkouthealth}",
        "    health: {path: /checkouthealth, interval: 10, failureThreshold: 1}\n    rto: 90",
    );
    let (_, err) = validate(&fast);
    assert!(!err.contains("rto"), "{err}");
}

#[test]
fn explain_outputs_match_the_golden_files() {
    let mut failures = Vec::new();
    for (dir, file) in [
        ("gitops-repo", "example.txt"),
        ("gitops-repo/variants/arc", "arc.txt"),
        ("tests/golden/region-switch", "region-switch.txt"),
        ("tests/golden/region-switch-dns", "region-switch-dns.txt"),
        ("tests/golden/databases", "databases.txt"),
    ] {
        let o = run_gen(&workspace().join(dir), &["explain"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let path = workspace().join("tests/explain").join(file);
        golden(&path, &stdout(&o), &mut failures);
    }
    assert!(
        failures.is_empty(),
        "explain output differs (GEN_BLESS=1 to accept):\n{}",
        failures.join("\n")
    );
    let o = run_gen(
        &workspace().join("gitops-repo"),
        &["explain", "--output", "json"],
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let web = v["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["app"] == "web")
        .unwrap()
        .clone();
    assert_eq!(web["failover_s"], 92, "2 × (10 + 6) + 60");
}

#[test]
fn the_rollout_lint_spares_the_controller_with_a_readiness_gate() {
    let fast = spec(CHECKOUT_APP).replace(
        "    health: {path: /checkouthealth}",
        "    health: {path: /checkouthealth, interval: 10, failureThreshold: 1}",
    );
    let (_, auto) = validate(&fast);
    assert!(
        auto.contains("a rollout of checkout can fail it over"),
        "{auto}"
    );
    // aws-lbc: the namespace is labelled for the readiness gate instead.
    let lbc = fast.replace("dns:", "ingress: {controller: aws-lbc}\ndns:");
    let (ok, err) = validate(&lbc);
    assert!(ok && !err.contains("a rollout of"), "{err}");
    // Two replicas everywhere: no Region is left without a serving pod.
    let (_, two) = validate(&fast.replace(
        "    health: {path: /checkouthealth, interval",
        "    replicas: 2\n    health: {path: /checkouthealth, interval",
    ));
    assert!(!two.contains("rollout of checkout"), "{two}");
}
