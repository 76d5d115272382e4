//! Golden tests: the committed example (`gitops-repo/`) and the cases in
//! `tests/golden/*/` are repositories rendered by `gen`; each must be exactly
//! what `gen render` produces now. Set GEN_BLESS=1 to re-render the golden
//! cases after an intended change (then review the diff).

use std::path::PathBuf;

use crate::util::*;

/// The example, its variants, and the golden cases: every committed render.
pub fn golden_dirs() -> Vec<PathBuf> {
    let mut dirs = vec![workspace().join("gitops-repo")];
    for parent in ["gitops-repo/variants", "tests/golden"] {
        let mut cases: Vec<PathBuf> = std::fs::read_dir(workspace().join(parent))
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.join("gen.yaml").exists())
                    .collect()
            })
            .unwrap_or_default();
        cases.sort();
        dirs.extend(cases);
    }
    dirs
}

#[test]
fn committed_renders_are_up_to_date() {
    let bless = std::env::var_os("GEN_BLESS").is_some();
    let dirs = golden_dirs();
    assert!(
        dirs.len() >= 5,
        "the example and at least two golden cases: {dirs:?}"
    );
    let mut stale = Vec::new();
    for dir in dirs {
        let args: &[&str] = if bless {
            &["render", "--no-commit"]
        } else {
            &["render", "--check"]
        };
        let o = run_gen(&dir, args);
        if !o.status.success() {
            stale.push(format!("{}:\n{}{}", dir.display(), stdout(&o), stderr(&o)));
        }
    }
    assert!(
        stale.is_empty(),
        "stale renders (run `gen render` there, or GEN_BLESS=1 for tests/golden):\n{}",
        stale.join("\n")
    );
}

#[test]
fn the_example_covers_the_three_seed_patterns() {
    let dir = workspace().join("gitops-repo/cloudformation");
    let all: String = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect();
    assert!(
        all.contains("Weight: 100") && all.contains("Weight: 0\n"),
        "weighted 100/0 active-passive"
    );
    assert!(
        all.contains("Region: \"eu-west-1\"") && all.contains("Region: \"eu-central-1\""),
        "latency routing"
    );
    assert!(
        all.contains("Failover: \"PRIMARY\"") && all.contains("Failover: \"SECONDARY\""),
        "failover primary/secondary"
    );
    assert!(
        !all.contains("EvaluateTargetHealth: true"),
        "per-app checks, not the ALB-wide cascade"
    );
}

#[test]
fn the_arc_variant_puts_every_record_behind_its_routing_control() {
    let dir = workspace().join("gitops-repo/variants/arc/cloudformation");
    let arc = std::fs::read_to_string(dir.join("demo-arc.yaml")).unwrap();
    assert!(arc.contains("Type: AWS::Route53RecoveryControl::Cluster"));
    assert!(arc.contains("Type: AWS::Route53RecoveryControl::SafetyRule"));
    assert!(
        arc.contains("DependsOn: \"RoutingControlEuWest1\""),
        "controls are created one at a time"
    );
    assert_eq!(
        arc.matches("Type: RECOVERY_CONTROL").count(),
        2,
        "one check per routing control"
    );
    assert_eq!(
        arc.matches("Export:").count(),
        0,
        "not exported: gen deploy passes the IDs, so a replaced control can change them"
    );
    for app in ["web", "app1", "app2", "orders"] {
        let t = std::fs::read_to_string(dir.join(format!("demo-dns-{app}.yaml"))).unwrap();
        assert_eq!(
            t.matches("Type: AWS::Route53::RecordSetGroup").count(),
            1,
            "{app}: one group per host"
        );
        let records = t.matches("        - Name: ").count();
        assert!(records >= 2, "{app}");
        assert_eq!(t.matches("Type: CALCULATED").count(), records, "{app}");
        assert_eq!(
            t.matches("HealthCheckId: !Ref \"CombinedHealthCheck")
                .count(),
            records,
            "{app}"
        );
        assert_eq!(
            t.matches("- !Ref \"RoutingControlHealthCheck").count(),
            records,
            "{app}: the control's check, a parameter"
        );
        assert!(!t.contains("ImportValue"), "{app}");
        assert!(
            t.contains("        stack: \"demo-arc\""),
            "{app}: deploy knows where the parameter comes from"
        );
        assert!(
            t.contains("region: \"us-west-2\""),
            "{app}: beside the ARC stack"
        );
    }
}
