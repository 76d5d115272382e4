//! W007: more Route 53 health checks than the account's default quota.
//!
//! Counted from the plan: every `AWS::Route53::HealthCheck` gen renders, the
//! per-app checks, the calculated checks that combine them with a routing
//! control, the routing controls' own `RECOVERY_CONTROL` checks, and the
//! checks Region switch plans make for the records (each is a health check
//! of the account; `facts::quotas::HEALTH_CHECKS` has the
//! quota and its source).

use super::*;
use crate::facts::quotas::HEALTH_CHECKS;

pub(super) const LINT: Lint = Lint {
    code: "W007",
    name: "health-check-quota",
    check,
};

fn check(cx: &Context<'_>) -> Vec<Diagnostic> {
    let entries = cx.plan.stacks.iter().flat_map(|s| &s.entries);
    // With several clusters in a Region, each has its own check too.
    let per_app = entries.clone().map(|e| 1 + e.members.len()).sum::<usize>();
    let combined = entries.filter(|e| e.combined.is_some()).count();
    let controls = cx.plan.arc.as_ref().map_or(0, |a| a.controls.len());
    let plans = cx
        .plan
        .region_switch
        .as_ref()
        .map_or(0, |sw| sw.health_checks());
    let checks = per_app + combined + controls + plans;
    if checks <= HEALTH_CHECKS {
        return Vec::new();
    }
    vec![
        Diagnostic::lint(
            "apps",
            format!(
                "{checks} Route 53 health checks; the default quota is {HEALTH_CHECKS} per account"
            ),
        )
        .hint("ask AWS for a higher Route 53 health check quota before deploying"),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::tests::*;

    #[test]
    fn fires_past_two_hundred_checks() {
        // Two Regions: 100 apps make 200 checks, the quota exactly.
        assert!(of("W007", &apps(100)).is_empty());
        let w = of("W007", &apps(101));
        assert!(w[0].contains("202 Route 53 health checks"), "{w:?}");
        // With ARC each record's check is combined with its routing control:
        // 2 × 2 × 50 + 2 controls.
        let arc = apps(50).replace(
            "apps:",
            "arc: {enabled: true, cluster: {name: shop}}\napps:",
        );
        let w = of("W007", &arc);
        assert!(w[0].contains("202 Route 53 health checks"), "{w:?}");
    }
}
