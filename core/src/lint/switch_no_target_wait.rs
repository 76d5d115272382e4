//! W013: a Region switch whose scale-up cannot wait for the ALB's targets.
//!
//! The EKS resource scaling block "waits for the replicas to become ready"
//! (ARC Developer Guide, "Amazon EKS resource scaling execution block") and
//! has no target-group wait: the plan schema has `WaitELBTargetGroupHealthy`
//! for the EC2 Auto Scaling and ECS blocks only. With the load balancer
//! controller, gen's namespace carries its pod readiness gate, so ready
//! means healthy in the target group. Without it (EKS Auto Mode), traffic
//! can move while the new pods' targets are still registering.

use super::*;

pub(super) const LINT: Lint = Lint {
    code: "W013",
    name: "switch-no-target-wait",
    check,
};

fn check(cx: &Context<'_>) -> Vec<Diagnostic> {
    if cx.plan.region_switch.is_none() || cx.plan.ingress.readiness_gate {
        return Vec::new();
    }
    vec![
        Diagnostic::lint(
            "regionSwitch",
            "the plans' scale-up waits for the pods to be ready, not for them to be healthy in the ALB's target groups: EKS Auto Mode has no pod readiness gate, so traffic can move before the new targets pass their checks",
        )
        .hint("set regionSwitch.scalePercent so the Region taking traffic already runs enough healthy replicas, or use ingress.controller: aws-lbc (its readiness gate makes ready mean healthy in the target group)"),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::tests::*;

    #[test]
    fn fires_on_a_switch_without_a_readiness_gate() {
        // EKS Auto Mode is the default controller.
        let rs = QUIET.replace("apps:", "regionSwitch: {enabled: true}\napps:");
        assert!(of("W013", QUIET).is_empty());
        let lbc = rs.replace("dns:", "ingress: {controller: aws-lbc}\ndns:");
        assert!(of("W013", &lbc).is_empty(), "aws-lbc: the readiness gate");
        let w = of("W013", &rs);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("not for them to be healthy"), "{w:?}");
    }
}
