//! W010: ARC readiness checks are closed to new customers.
//!
//! "The readiness check feature in Amazon Application Recovery Controller
//! (ARC) is no longer open to new customers" (ARC Developer Guide, "AWS
//! Region availability for readiness check"): on an account that has never
//! used it, the ARC stack fails to create. What AWS offers new customers
//! instead is ARC Region switch, whose plans are checked for what a
//! recovery needs "immediately after you create a plan or update it, and
//! then every 30 minutes" (ARC Developer Guide, "Add execution blocks").

use super::*;

pub(super) const LINT: Lint = Lint {
    code: "W010",
    name: "readiness-closed",
    check,
};

fn check(cx: &Context<'_>) -> Vec<Diagnostic> {
    if cx.plan.arc.as_ref().is_none_or(|a| a.readiness.is_none()) {
        return Vec::new();
    }
    vec![
        Diagnostic::lint("arc.readiness.enabled",
            "ARC readiness checks are closed to new AWS customers",
        )
        .hint("on an account that has never used them, the ARC stack fails to create: leave readiness off there; ARC Region switch, whose plans AWS evaluates every 30 minutes, is what it offers new customers instead"),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::tests::*;

    #[test]
    fn fires_when_readiness_is_on() {
        let arc = QUIET.replace(
            "apps:",
            "arc: {enabled: true, cluster: {name: shop}}\napps:",
        );
        assert!(of("W010", &arc).is_empty());
        let on = arc.replace(
            "cluster: {name: shop}}",
            "cluster: {name: shop}, readiness: {enabled: true, resources: {eu-west-1: [\"arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/shop/0123456789abcdef\"]}}}",
        );
        assert_eq!(of("W010", &on).len(), 1);
    }
}
