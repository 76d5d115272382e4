//! W005: an alias that evaluates the health of a shared ALB.
//!
//! An alias with `EvaluateTargetHealth` inherits the ALB's health, and "when
//! all the target groups in an Application Load Balancer are healthy, Route
//! 53 marks the alias record as healthy" (AWS Knowledge Center, "Why is my
//! load balancer marked unhealthy by Route 53?"): one app without a healthy
//! target makes the ALB unhealthy for every app that evaluates it.

use super::*;

pub(super) const LINT: Lint = Lint {
    code: "W005",
    name: "shared-alb-target-health",
    check,
};

fn check(cx: &Context<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for app in cx.spec.apps.iter().filter(|a| a.evaluate_target_health) {
        // The apps sharing this app's own ALB, in the busiest of its Regions.
        let others = cx
            .plan
            .clusters
            .iter()
            .filter(|c| cx.workload(&app.name, &c.region).is_some())
            .flat_map(|c| c.ingresses.iter().filter(|i| i.alb == app.alb))
            .map(|i| i.host_rules.len() - 1)
            .max()
            .unwrap_or(0);
        if others == 0 {
            continue;
        }
        out.push(
            Diagnostic::lint(&format!("{}.evaluateTargetHealth", cx.app_path(&app.name)),
                format!(
                    "`{}` evaluates the health of ALB `{}`, which it shares with {others} other apps",
                    app.name, cx.plan.ingress.albs[app.alb].name
                ),
            )
            .hint("the ALB counts as unhealthy when any app on it has no healthy target, so one app failing moves this one too (`gen simulate` shows it); leave it false: the app's own check already guards its record"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::*;

    #[test]
    fn fires_on_a_shared_alb_only() {
        let eval = QUIET.replace(
            "health: {path: /checkouthealth}",
            "health: {path: /checkouthealth}\n    evaluateTargetHealth: true",
        );
        let w = of("W005", &eval);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("shares with 1 other apps"), "{w:?}");
        // Alone on its ALB: nothing else can fail it.
        let alone = eval
            .lines()
            .take_while(|l| !l.contains("name: checkout"))
            .collect::<Vec<_>>()
            .join("\n")
            .replace(
                "health: {path: /webhealth}",
                "health: {path: /webhealth}\n    evaluateTargetHealth: true",
            );
        assert!(of("W005", &format!("{alone}\n")).is_empty());
        // Alone on its own ALB of several: the others' ALB does not count.
        let own = two_albs("{}").replace(
            "health: {path: /checkouthealth}",
            "health: {path: /checkouthealth}\n    evaluateTargetHealth: true",
        );
        assert!(of("W005", &own).is_empty(), "{:?}", of("W005", &own));
    }
}
