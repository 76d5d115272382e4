//! W006: the shared ALB needs more listener rules than its default quota.
//!
//! Each app takes a host rule and a host-less health rule on every listener
//! (`facts::quotas::ALB_RULES` has the quota and its source). Counted from
//! the plan's own routes and listeners, per Region.

use super::*;
use crate::facts::quotas::ALB_RULES;

pub(super) const LINT: Lint = Lint {
    code: "W006",
    name: "alb-rules",
    check,
};

fn check(cx: &Context<'_>) -> Vec<Diagnostic> {
    let mut over: Vec<(&str, usize)> = Vec::new();
    for c in &cx.plan.clusters {
        let listeners = if c.certificate_arn.is_some() { 2 } else { 1 };
        let rules = (c.host_rules.len() + c.health_routes.len()) * listeners;
        if rules > ALB_RULES {
            over.push((&c.region, rules));
        }
    }
    let Some(most) = over.iter().map(|(_, n)| *n).max() else {
        return Vec::new();
    };
    let regions: Vec<&str> = over.iter().map(|(r, _)| *r).collect();
    vec![
        Diagnostic::lint("apps",
            format!(
                "the shared ALB needs {most} listener rules in {}; the default quota is {ALB_RULES} per ALB",
                regions.join(", ")
            ),
        )
        .hint("ask for a higher \"Rules per Application Load Balancer\" quota in each of these Regions before deploying"),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::tests::*;

    #[test]
    fn fires_past_one_hundred_rules() {
        // 50 apps: 100 rules, the quota exactly.
        assert!(of("W006", &apps(50)).is_empty());
        let w = of("W006", &apps(51));
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].contains("needs 102 listener rules in eu-west-1, us-east-1"),
            "{w:?}"
        );
    }
}
