//! W008: a rollout of a single replica can fail the app over.
//!
//! In ip mode the target group can hold only initial and draining targets
//! while pods are replaced (the load balancer controller's "Pod readiness
//! gate" page: "this results in service outage"). The self-managed
//! controller's readiness gate (the plan labels the namespace for it) holds
//! the old pod until the new one is healthy; EKS Auto Mode documents no such
//! gate, so one replica leaves no healthy target for the time a new one takes
//! to turn healthy (`facts::quotas::TARGET_HEALTHY_SECONDS`), and a Route 53
//! check that fails within it moves the app.

use super::*;
use crate::facts::quotas::TARGET_HEALTHY_SECONDS;
use crate::model::HealthCheckPlan;

pub(super) const LINT: Lint = Lint {
    code: "W008",
    name: "rollout",
    check,
};

fn check(cx: &Context<'_>) -> Vec<Diagnostic> {
    if cx.plan.ingress.readiness_gate {
        return Vec::new();
    }
    let healthy = TARGET_HEALTHY_SECONDS;
    let mut out = Vec::new();
    for app in &cx.spec.apps {
        // The Regions where one pod serves the app and its check there is
        // fast enough to fail during a rollout.
        let mut single = Vec::new();
        let mut fastest: Option<&HealthCheckPlan> = None;
        for h in cx.checks(&app.name) {
            let Some(w) = cx.workload(&app.name, &h.region) else {
                continue;
            };
            if w.replicas == 1 && h.failure_threshold * h.interval <= healthy {
                single.push(h.region.as_str());
                if fastest.is_none_or(|f| {
                    h.failure_threshold * h.interval < f.failure_threshold * f.interval
                }) {
                    fastest = Some(h);
                }
            }
        }
        let Some(h) = fastest else { continue };
        let detection = h.failure_threshold * h.interval;
        out.push(
            Diagnostic::lint(&format!("{}.replicas", cx.app_path(&app.name)),
                format!(
                    "a rollout of {} can fail it over: with one replica in {} the ALB has no healthy target until the new pod's target turns healthy (at least {healthy} s), and its Route 53 check fails after {} × {} s = {detection} s",
                    app.name,
                    single.join(", "),
                    h.failure_threshold,
                    h.interval
                ),
            )
            .hint(format!("run 2 or more replicas, or make the check slower than {healthy} s (health.failureThreshold × health.interval); EKS Auto Mode documents no pod readiness gate, which aws-lbc has")),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::*;

    #[test]
    fn fires_on_one_replica_and_a_fast_check_without_a_readiness_gate() {
        let fast = QUIET.replace(
            "    replicas: 2\n    health: {path: /checkouthealth}",
            "    health: {path: /checkouthealth, interval: 10, failureThreshold: 3}",
        );
        let w = of("W008", &fast);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].contains("apps[1].replicas")
                && w[0].contains("one replica in eu-west-1, us-east-1")
                && w[0].contains("fails after 3 × 10 s = 30 s"),
            "{w:?}"
        );
        // aws-lbc: the namespace is labelled for the readiness gate instead.
        let lbc = fast.replace("dns:", "ingress: {controller: aws-lbc}\ndns:");
        assert!(of("W008", &lbc).is_empty());
        // Two replicas in one Region: only the other is named.
        let one = fast.replace(
            "health: {path: /checkouthealth, interval: 10, failureThreshold: 3}",
            "health: {path: /checkouthealth, interval: 10, failureThreshold: 3}\n    regions: {us-east-1: {replicas: 2}}",
        );
        let w = of("W008", &one);
        assert!(w[0].contains("one replica in eu-west-1 the ALB"), "{w:?}");
        // The default check (3 × 30 s) outlasts the rollout.
        let slow = QUIET.replace(
            "    replicas: 2\n    health: {path: /checkouthealth}",
            "    health: {path: /checkouthealth}",
        );
        assert!(of("W008", &slow).is_empty());
    }
}
